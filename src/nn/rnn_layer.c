/* rnn_layer.c — the continuous-time rate RNN as a model layer
 * ("rnn 64 ..."), on the kernels of rnn.c:
 *
 *     x ← (1 − α) x + α (W_rec r + W_in u + b + noise),   r = f(x),   α = dt/τ
 *
 * (Song, Yang & Wang 2016, eq. 1). With α = 1 and no noise it is
 * torch.nn.RNN, with its tensor names. Options:
 *
 *   nonlinearity=tanh|relu|softplus   f (default tanh, as torch.nn.RNN)
 *   alpha=A, or tau=MS dt=MS          α (default 1)
 *   noise=S                           σ_rec: recurrent noise sqrt(2/α) σ N(0, 1)
 *                                     inside the α(...) term, as Song et al.
 *   dale=true e_fraction=0.8          Dale's law: the first 80% of units are
 *                                     excitatory, the rest inhibitory, and every
 *                                     recurrent weight keeps its unit's sign
 *   train_h0=true                     a trainable initial state x_0 ("h0")
 *   init=pytorch|orthogonal|identity  the recurrent weights' start: torch.nn.RNN's
 *   gain=G                            U(-1/√H, 1/√H) (default), G times a random
 *                                     orthogonal matrix (Saxe et al. 2014; Yang et
 *                                     al. 2019's "randortho") or G times the identity
 *                                     (Le et al. 2015's IRNN; Yang's "diag"), which
 *                                     start the network as a slow integrator
 *   init_ih=pytorch|normal            the input weights' start: torch.nn.RNN's
 *                                     U(-1/√H, 1/√H) (default) or N(0, 1/I) for I
 *                                     inputs (LeCun's; Yang et al. 2019's w_in, whose
 *                                     inputs then drive the units 3x harder at H = 256)
 *
 * Dale's law (Song et al. 2016, eq. 5): the effective recurrent weight is
 * W_eff = [W]_+ D, D = diag(±1) by presynaptic unit, so weight_hh_l0 stores
 * the non-negative magnitudes and training keeps the signs. Initially
 * |U(-1/√H, 1/√H)|, with inhibitory columns scaled by n_E / n_I so each
 * unit's excitation and inhibition balance on average.
 *
 * State: x [B, H], carried between calls until reset. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/layers.h"
#include "cajal/recurrent.h"

enum { P_IH, P_HH, P_BIH, P_BHH, P_H0 };
enum { INIT_PYTORCH, INIT_ORTHOGONAL, INIT_IDENTITY };

typedef struct {
    cj_rate_rnn_config cfg;
    float sigma;        /* σ_rec */
    int dale, n_exc, train_h0;
    int init;           /* INIT_* */
    int init_ih_normal; /* init_ih=normal: weight_ih_l0 ~ N(0, 1/I) */
    float gain;
    cj_rng rng;         /* the noise (seeded at init) */
    int chunk;          /* calls since reset: the first one's backward reaches x_0 */
    int tape_first;     /* the taped call was the first since reset */
    const float *perturb; /* a rule's perturbation for the next forward call only (cj_rnn_layer_perturb) */
} rnn_priv;

static cj_status rnn_parse(cj_layer *l, cj_spec_args *a, cj_error *err)
{
    rnn_priv *p = l->priv;
    float alpha, tau, dt, e_fraction;
    int f;
    cj_status st = cj_spec_count(a, 1, 0, "number of hidden units", &l->units, err);
    if (!st) st = cj_spec_choice(a, "nonlinearity", "tanh|relu|softplus", 0, &f, err);
    if (!st) st = cj_spec_float(a, "alpha", 0, 1e-6f, 1, &alpha, err);
    if (!st) st = cj_spec_float(a, "tau", 0, 1e-6f, 1e9f, &tau, err);
    if (!st) st = cj_spec_float(a, "dt", 0, 1e-6f, 1e9f, &dt, err);
    if (!st) st = cj_spec_float(a, "noise", 0, 0, 1e3f, &p->sigma, err);
    if (!st) st = cj_spec_bool(a, "dale", 0, &p->dale, err);
    if (!st) st = cj_spec_float(a, "e_fraction", 0.8f, 0, 1, &e_fraction, err);
    if (!st) st = cj_spec_bool(a, "train_h0", 0, &p->train_h0, err);
    if (!st) st = cj_spec_choice(a, "init", "pytorch|orthogonal|identity", INIT_PYTORCH, &p->init, err);
    if (!st) st = cj_spec_float(a, "gain", 1, 0, 100, &p->gain, err);
    if (!st) st = cj_spec_choice(a, "init_ih", "pytorch|normal", 0, &p->init_ih_normal, err);
    if (!st && p->init == INIT_PYTORCH && cj_spec_value(a, "gain"))
        st = cj_spec_fail(a, err, "gain= scales init=orthogonal or init=identity, not the default init=pytorch");
    if (st) return st;
    if (alpha > 0 && (tau > 0 || dt > 0))
        return cj_fail(err, CJ_ERR_CONFIG, "model.layers: item %d (rnn): give alpha or tau and dt, not both",
                       a->index);
    if ((tau > 0) != (dt > 0))
        return cj_fail(err, CJ_ERR_CONFIG, "model.layers: item %d (rnn): tau and dt go together (alpha = dt/tau)",
                       a->index);
    if (tau > 0 && dt > tau)
        return cj_fail(err, CJ_ERR_CONFIG, "model.layers: item %d (rnn): dt=%g is more than tau=%g (alpha > 1)",
                       a->index, dt, tau);
    p->cfg.alpha = alpha > 0 ? alpha : tau > 0 ? dt / tau : 1.0f;
    p->cfg.f = f == 0 ? CJ_RATE_TANH : f == 1 ? CJ_RATE_RELU : CJ_RATE_SOFTPLUS;
    p->n_exc = (int)lroundf(e_fraction * l->units);
    if (p->dale && (p->n_exc < 1 || p->n_exc >= l->units))
        return cj_fail(err, CJ_ERR_CONFIG,
                       "model.layers: item %d (rnn): dale=true needs excitatory and inhibitory units, but "
                       "e_fraction=%g of %d gives %d excitatory", a->index, e_fraction, l->units, p->n_exc);
    return CJ_OK;
}

static cj_status rnn_setup(cj_layer *l, cj_error *err)
{
    rnn_priv *p = l->priv;
    int H = l->units, I = l->in.c;
    if (l->in.h != 1 || l->in.w != 1)
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (RNN) needs a flat input per step but gets %dx%dx%d; add "
                       "'flatten' before it", l->index, l->in.c, l->in.h, l->in.w);
    if ((double)H * (H > I ? H : I) > CJ_MAX_ELEMENTS)
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (RNN): %d units and %d inputs make weights of more than %u "
                       "elements", l->index, H, I, CJ_MAX_ELEMENTS);
    l->out = (cj_shape){H, 1, 1};
    /* A model whose parameters come from a file (cajal eval, model.init)
     * never calls rnn_init, and an all-zero xoshiro state draws zeros for
     * ever, on which the normal sampler's rejection loop never ends. So the
     * noise has a fixed stream from the start, per layer; rnn_init replaces
     * it with one drawn from train.seed. */
    cj_rng_seed(&p->rng, 0x6e6f697365ULL + (uint64_t)l->index);
    float bound = 1.0f / sqrtf((float)H); /* torch.nn.RNN's initialisation */
    cj_layer_add_param(l, "weight_ih_l0", CJ_PARAM_WEIGHT, bound, 2, (int[]){H, I});
    cj_layer_add_param(l, "weight_hh_l0", CJ_PARAM_RECURRENT, bound, 2, (int[]){H, H});
    cj_layer_add_param(l, "bias_ih_l0", CJ_PARAM_BIAS, bound, 1, (int[]){H});
    cj_layer_add_param(l, "bias_hh_l0", CJ_PARAM_BIAS, bound, 1, (int[]){H});
    if (p->train_h0) cj_layer_add_param(l, "h0", CJ_PARAM_STATE, 0.0f, 1, (int[]){H});
    return CJ_OK;
}

/* w [H, H] = gain x a random orthogonal matrix: modified Gram-Schmidt on
 * the rows of a standard normal matrix, in double (as QR would give, up to
 * the signs of the rows, which are random anyway). */
static void orthogonal(float *w, int H, float gain, cj_rng *rng)
{
    double *q = malloc(sizeof(double) * (size_t)H * H);
    if (!q) return; /* keep the uniform start: init cannot fail */
    for (size_t i = 0; i < (size_t)H * H; i++) q[i] = cj_rng_normal(rng);
    for (int i = 0; i < H; i++) {
        double *r = q + (size_t)i * H;
        for (int j = 0; j < i; j++) {
            const double *s = q + (size_t)j * H;
            double dot = 0;
            for (int k = 0; k < H; k++) dot += r[k] * s[k];
            for (int k = 0; k < H; k++) r[k] -= dot * s[k];
        }
        double norm = 0;
        for (int k = 0; k < H; k++) norm += r[k] * r[k];
        norm = sqrt(norm);
        for (int k = 0; k < H; k++) r[k] /= norm;
    }
    for (size_t i = 0; i < (size_t)H * H; i++) w[i] = (float)(gain * q[i]);
    free(q);
}

static void rnn_init(cj_layer *l, cj_rng *rng)
{
    rnn_priv *p = l->priv;
    for (int k = 0; k < l->n_params; k++) {
        cj_param *q = &l->params[k];
        if (q->init_bound > 0) cj_rng_fill_uniform(rng, q->data, q->n, -q->init_bound, q->init_bound);
        else memset(q->data, 0, sizeof(float) * q->n);
    }
    int H = l->units;
    if (p->init_ih_normal) {
        cj_param *ih = &l->params[P_IH];
        float sd = 1.0f / sqrtf((float)l->in.c);
        for (size_t i = 0; i < ih->n; i++) ih->data[i] = sd * (float)cj_rng_normal(rng);
    }
    float *w = l->params[P_HH].data;
    if (p->init == INIT_ORTHOGONAL) orthogonal(w, H, p->gain, rng);
    if (p->init == INIT_IDENTITY)
        for (int i = 0; i < H; i++)
            for (int j = 0; j < H; j++) w[(size_t)i * H + j] = i == j ? p->gain : 0.0f;
    if (p->dale) {
        float ratio = (float)p->n_exc / (float)(H - p->n_exc);
        for (int i = 0; i < H; i++)
            for (int j = 0; j < H; j++) {
                float v = fabsf(w[(size_t)i * H + j]);
                w[(size_t)i * H + j] = j < p->n_exc ? v : v * ratio;
            }
    }
    p->rng = cj_rng_split(rng);
}

static size_t bh(const cj_layer *l, int B) { return (size_t)B * l->units; }

static size_t rnn_tape(const cj_layer *l, int T, int B)
{
    const rnn_priv *p = l->priv;
    size_t hh = (size_t)l->units * l->units;
    return cj_rate_rnn_workspace_floats(T, B, l->in.c, l->units) + (p->dale ? hh : 0);
}

/* noise [T, B, H], then dW_eff [H, H] (Dale), then dx_0 [B, H]. */
static size_t rnn_scratch(const cj_layer *l, int T, int B)
{
    const rnn_priv *p = l->priv;
    size_t hh = (size_t)l->units * l->units;
    return (p->sigma > 0 ? (size_t)T * bh(l, B) : 0) + (p->dale ? hh : 0) + bh(l, B);
}

static size_t rnn_state(const cj_layer *l) { return (size_t)l->units; }

static void rnn_reset(cj_layer *l, int B)
{
    rnn_priv *p = l->priv;
    const cj_param *h0 = p->train_h0 ? &l->params[P_H0] : NULL;
    for (int b = 0; b < B; b++) {
        float *x = l->state + (size_t)b * l->units;
        if (h0) memcpy(x, h0->data, sizeof(float) * l->units);
        else memset(x, 0, sizeof(float) * l->units);
    }
    p->chunk = 0;
}

/* W_eff = [W]_+ D: the last H·H floats of the tape. */
static const float *effective_hh(const cj_layer *l, float *tape, int T, int B)
{
    const rnn_priv *p = l->priv;
    const float *w = l->params[P_HH].data;
    if (!p->dale) return w;
    int H = l->units;
    float *eff = tape + cj_rate_rnn_workspace_floats(T, B, l->in.c, H);
    for (int i = 0; i < H; i++)
        for (int j = 0; j < H; j++) {
            float v = w[(size_t)i * H + j];
            v = v > 0 ? v : 0.0f;
            eff[(size_t)i * H + j] = j < p->n_exc ? v : -v;
        }
    return eff;
}

static cj_recurrent_params params_of(const cj_layer *l, const float *hh)
{
    cj_recurrent_params rp = {l->params[P_IH].data, hh, l->params[P_BIH].data, l->params[P_BHH].data};
    return rp;
}

static void rnn_forward(cj_layer *l, const cj_pass *ps)
{
    rnn_priv *p = l->priv;
    int T = ps->T, B = ps->B, H = l->units;
    const float *noise = p->perturb;
    if (p->sigma > 0) {
        /* The layer's own noise, plus a rule's perturbation where one is
         * set: both enter inside the α(...) term. */
        float *z = ps->scratch;
        size_t n = (size_t)T * bh(l, B);
        cj_rng_fill_normal_fast(&p->rng, z, n, sqrtf(2.0f / p->cfg.alpha) * p->sigma);
        if (p->perturb)
            for (size_t i = 0; i < n; i++) z[i] += p->perturb[i];
        noise = z;
    }
    p->perturb = NULL; /* once: the caller's buffer need not outlive the call */
    cj_recurrent_params rp = params_of(l, effective_hh(l, ps->tape, T, B));
    cj_rate_rnn_forward(ps->out, l->state, ps->tape, ps->in, l->state, noise, &rp, &p->cfg, T, B, l->in.c, H);
    p->tape_first = p->chunk++ == 0;
}

static void rnn_backward(cj_layer *l, const cj_pass *ps)
{
    rnn_priv *p = l->priv;
    int T = ps->T, B = ps->B, H = l->units;
    size_t hh = (size_t)H * H;
    float *scratch = ps->scratch + (p->sigma > 0 ? (size_t)T * bh(l, B) : 0);
    float *d_eff = p->dale ? scratch : NULL, *dx0 = scratch + (p->dale ? hh : 0);
    if (!ps->accumulate)
        for (int k = 0; k < l->n_params; k++) memset(l->params[k].grad, 0, sizeof(float) * l->params[k].n);
    if (d_eff) memset(d_eff, 0, sizeof(float) * hh);
    if (ps->din) memset(ps->din, 0, sizeof(float) * (size_t)T * B * l->in.c);
    int want_x0 = p->train_h0 && p->tape_first;
    if (want_x0) memset(dx0, 0, sizeof(float) * bh(l, B));

    const float *hh_w = p->dale ? ps->tape + cj_rate_rnn_workspace_floats(T, B, l->in.c, H) : l->params[P_HH].data;
    cj_recurrent_params rp = params_of(l, hh_w);
    cj_recurrent_grads g = {l->params[P_IH].grad, d_eff ? d_eff : l->params[P_HH].grad, l->params[P_BIH].grad,
                            l->params[P_BHH].grad};
    cj_recurrent_feedback fb = {ps->feedback ? ps->feedback[P_IH] : NULL, ps->feedback ? ps->feedback[P_HH] : NULL};
    cj_rate_rnn_backward(ps->din, want_x0 ? dx0 : NULL, &g, ps->dout, NULL, ps->tape, ps->in, &rp, &fb, &p->cfg, T,
                         B, l->in.c, H);
    if (d_eff) {
        /* dW = dW_eff ⊙ D ⊙ [W > 0] */
        const float *w = l->params[P_HH].data;
        float *gw = l->params[P_HH].grad;
        for (int i = 0; i < H; i++)
            for (int j = 0; j < H; j++) {
                size_t k = (size_t)i * H + j;
                gw[k] += w[k] > 0 ? (j < p->n_exc ? d_eff[k] : -d_eff[k]) : 0.0f;
            }
    }
    if (want_x0) {
        float *g0 = l->params[P_H0].grad;
        for (int b = 0; b < B; b++)
            for (int j = 0; j < H; j++) g0[j] += dx0[(size_t)b * H + j];
    }
}

/* The noise stream, or NULL without noise (nothing is drawn then). */
static cj_rng *rnn_rng(cj_layer *l)
{
    rnn_priv *p = l->priv;
    return p->sigma > 0 ? &p->rng : NULL;
}

void cj_rnn_layer_dynamics(const cj_layer *l, float *alpha, int *nonlinearity, int *dale)
{
    const rnn_priv *p = l->priv;
    *alpha = p->cfg.alpha;
    *nonlinearity = (int)p->cfg.f;
    *dale = p->dale;
}

void cj_rnn_layer_perturb(cj_layer *l, const float *xi)
{
    rnn_priv *p = l->priv;
    p->perturb = xi;
}

const float *cj_rnn_layer_state(const cj_layer *l) { return l->state; }

int cj_rnn_layer_excitatory(const cj_layer *l)
{
    const rnn_priv *p = l->priv;
    return p->dale ? p->n_exc : 0;
}

void cj_rnn_layer_rates(const cj_layer *l, int B, float *r)
{
    const rnn_priv *p = l->priv;
    size_t n = bh(l, B);
    for (size_t i = 0; i < n; i++) {
        float x = l->state[i];
        r[i] = p->cfg.f == CJ_RATE_TANH ? tanhf(x)
               : p->cfg.f == CJ_RATE_RELU ? (x > 0 ? x : 0.0f)
                                          : (x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x)));
    }
}

const cj_layer_ops cj_rnn_ops = {
    .word = "rnn",
    .torch_name = "RNN",
    .options = "nonlinearity, alpha, tau, dt, noise, dale, e_fraction, train_h0, init, gain",
    .parse = rnn_parse,
    .setup = rnn_setup,
    .tape_floats = rnn_tape,
    .scratch_floats = rnn_scratch,
    .state_floats = rnn_state,
    .reset = rnn_reset,
    .forward = rnn_forward,
    .backward = rnn_backward,
    .init = rnn_init,
    .rng = rnn_rng,
    .priv_bytes = sizeof(rnn_priv),
};
