/* perturbation.c — gradient estimates from the change in loss caused by
 * random perturbations (Werfel, Xie & Seung 2005; Richards et al. 2019):
 *
 *   node perturbation    add noise xi ~ N(0, sigma^2) to every parametric
 *                        layer's output a; for each sample b,
 *                          dL/da_b ≈ (L_b(a + xi) - L_b(a)) xi_b / sigma^2,
 *                        then dW = (dL/da)^T x as usual. One perturbation
 *                        per sample, so each sample is its own trial.
 *                        In a rate RNN ("rnn N") the noise enters inside
 *                        the recurrence instead, xi_t added to the input
 *                        current at every step (node perturbation through
 *                        time, Fiete & Seung 2006): the recurrent weights get
 *                          (L(xi) - L(0)) sum_t xi_t r_{t-1}^T / sigma^2
 *                        per trial, the input weights u_t and the biases 1
 *                        in place of r_{t-1}; readout and other layers keep
 *                        the output estimate above.
 *   weight perturbation  add psi ~ N(0, sigma^2) to all parameters at once;
 *                          dL/dW ≈ (L(W + psi) - L(W)) psi / sigma^2.
 *
 * Both are unbiased to first order in sigma; their variance grows with the
 * number of perturbed units or weights, which cj_rule_diagnose measures.
 * rule.samples independent estimates are averaged per update. */
#include <cblas.h>
#include <string.h>

#include "cajal/rules.h"

/* Each sample's loss into losses[B]: the mean over the steps compared
 * (the batch loss is the mean of these). Uses losses[B..] as room for
 * per-step losses. Returns the batch loss. */
static float per_sample_loss(cj_rule *r, cj_model *m, const cj_target *t, float *losses)
{
    int T = m->steps, B = m->batch;
    float L = cj_output_loss(&r->loss, m, t, NULL, losses);
    int rows = t->steps == T && T > 1 ? T : 1;
    if (losses && rows > 1) {
        for (int b = 0; b < B; b++) {
            double sum = 0.0;
            for (int s = 0; s < rows; s++) sum += losses[(size_t)s * B + b];
            losses[b] = (float)(sum / rows);
        }
    }
    return L;
}

static int is_rate_rnn(const cj_layer *l) { return l->ops == &cj_rnn_ops; }

typedef struct {
    float *xi; /* where the next layer's noise is */
} perturb_state;

/* After a parametric layer: add its noise xi ~ N(0, sigma^2) to its
 * output; a rate RNN's went inside its recurrence instead. */
static void add_noise(cj_model *m, int i, void *user)
{
    perturb_state *ps = user;
    const cj_layer *l = &m->layers[i];
    if (!cj_layer_has_params(l)) return;
    size_t size = (size_t)m->steps * m->batch * cj_shape_size(l->out);
    if (!is_rate_rnn(l)) {
        float *a = m->acts[i + 1];
        for (size_t k = 0; k < size; k++) a[k] += ps->xi[k];
    }
    ps->xi += size;
}

/* The noise of one perturbed pass, every parametric layer's in order
 * (fixed by a test, or drawn), with each rate RNN's handed to it to add
 * inside its recurrence. */
static void draw_noise(cj_rule *r, cj_model *m, float *noise, size_t rows)
{
    float *xi = noise;
    for (int i = 0; i < m->n_layers; i++) {
        cj_layer *l = &m->layers[i];
        if (!cj_layer_has_params(l)) continue;
        size_t size = rows * cj_shape_size(l->out);
        if (r->fixed_perturbation) memcpy(xi, r->fixed_perturbation + (xi - noise), sizeof(float) * size);
        else cj_rng_fill_normal(&r->rng, xi, size, r->cfg.sigma);
        if (is_rate_rnn(l)) cj_rnn_layer_perturb(l, xi);
        xi += size;
    }
}

/* Node perturbation through time for rate RNN layer i (Fiete & Seung 2006,
 * PRL 97:048104): xi_t enters the input current at every step, so
 * dL/dI_t ≈ (L(ξ) − L(0)) ξ_t / σ², accumulated over samples in G =
 * dacts[i + 1] [T, B, H] (as the other layers' dL/da), and since
 * I_t = W_hh r_{t−1} + W_ih u_t + b, the weights get
 *     dW_hh = Σ_t G_t^T r_{t−1},  dW_ih = Σ_t G_t^T u_t,  db = Σ_t G_t
 * with the clean pass's r and u (first order in σ, as today's estimate).
 * r_0 = f(x_0) is in r0 [B, H]. A trainable x_0 gets no estimate (0); with
 * Dale's law the magnitudes get dW_eff ⊙ D ⊙ [W > 0], as backprop gives. */
static void rnn_estimate(cj_model *m, int i, const float *r0)
{
    cj_layer *l = &m->layers[i];
    int T = m->steps, B = m->batch, H = l->units, n_in = l->in.c;
    const float *G = m->dacts[i + 1], *rates = m->acts[i + 1], *u = m->acts[i];
    for (int k = 0; k < l->n_params; k++) memset(l->params[k].grad, 0, sizeof(float) * l->params[k].n);
    cj_param *w_ih = cj_layer_param(l, CJ_PARAM_WEIGHT), *w_hh = cj_layer_param(l, CJ_PARAM_RECURRENT);
    size_t BH = (size_t)B * H;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, H, B, 1.0f, G, H, r0, H, 0.0f, w_hh->grad, H);
    if (T > 1)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, H, (T - 1) * B, 1.0f, G + BH, H, rates, H, 1.0f,
                    w_hh->grad, H);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, n_in, T * B, 1.0f, G, H, u, n_in, 0.0f, w_ih->grad, n_in);
    for (int k = 0; k < l->n_params; k++) {
        cj_param *p = &l->params[k];
        if (p->role != CJ_PARAM_BIAS) continue;
        for (size_t row = 0; row < (size_t)T * B; row++)
            for (int j = 0; j < H; j++) p->grad[j] += G[row * H + j];
    }
    int n_exc = cj_rnn_layer_excitatory(l);
    if (n_exc > 0)
        for (int a = 0; a < H; a++)
            for (int j = 0; j < H; j++) {
                size_t k = (size_t)a * H + j;
                float g = w_hh->grad[k];
                w_hh->grad[k] = w_hh->data[k] > 0 ? (j < n_exc ? g : -g) : 0.0f;
            }
}

static float node_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch)
{
    const float sigma = r->cfg.sigma;
    const int samples = r->cfg.samples;
    size_t rows = (size_t)T * batch;
    float *clean = r->work, *perturbed = r->work + rows;
    float *noise = r->work + 2 * rows;

    /* Every pass of the update replays the same recurrent noise, so the
     * loss changes are the perturbation's alone. */
    if (r->streams) cj_model_save_streams(m, r->streams);
    cj_model_reset(m, batch);
    cj_model_forward_seq(m, x, T, batch);
    float L = per_sample_loss(r, m, t, clean);
    size_t outs = 0;
    for (int i = 0; i < m->n_layers; i++)
        if (cj_layer_has_params(&m->layers[i])) {
            outs += cj_shape_size(m->layers[i].out);
            memset(m->dacts[i + 1], 0, sizeof(float) * rows * cj_shape_size(m->layers[i].out));
        }

    for (int s = 0; s < samples; s++) {
        /* Forward pass with noise in each rate RNN's recurrence and on each
         * other parametric layer's output. */
        perturb_state ps = {noise};
        if (r->streams) cj_model_restore_streams(m, r->streams);
        cj_model_reset(m, batch);
        draw_noise(r, m, noise, rows);
        cj_model_forward_hook(m, x, T, batch, add_noise, &ps);
        per_sample_loss(r, m, t, perturbed);
        /* The batch loss is the mean of per-sample losses, hence 1/batch. */
        const float *xi = noise;
        for (int i = 0; i < m->n_layers; i++) {
            const cj_layer *l = &m->layers[i];
            if (!cj_layer_has_params(l)) continue;
            size_t size = cj_shape_size(l->out);
            for (size_t row = 0; row < rows; row++) {
                int b = (int)(row % (size_t)batch); /* time-major: row = t B + b */
                float coef = (perturbed[b] - clean[b]) / (sigma * sigma * (float)batch * samples);
                float *g = m->dacts[i + 1] + row * size;
                const float *xb = xi + row * size;
                for (size_t k = 0; k < size; k++) g[k] += coef * xb[k];
            }
            xi += rows * size;
        }
    }

    /* Clean activations back, then dW = (dL/da)^T x layer by layer (through
     * time for a rate RNN, from its r_0 = f(x_0), read before the pass). */
    if (r->streams) cj_model_restore_streams(m, r->streams);
    cj_model_reset(m, batch);
    float *r0 = noise + rows * outs;
    for (int i = 0; i < m->n_layers; i++)
        if (is_rate_rnn(&m->layers[i])) {
            cj_rnn_layer_rates(&m->layers[i], batch, r0);
            r0 += (size_t)batch * m->layers[i].units;
        }
    cj_model_forward_seq(m, x, T, batch);
    r0 = noise + rows * outs;
    for (int i = 0; i < m->n_layers; i++) {
        cj_layer *l = &m->layers[i];
        if (!cj_layer_has_params(l)) continue;
        if (is_rate_rnn(l)) {
            rnn_estimate(m, i, r0);
            r0 += (size_t)batch * l->units;
        } else {
            cj_model_backward_range(m, i, i);
        }
    }
    return L;
}

static float weight_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch)
{
    const float sigma = r->cfg.sigma;
    const int samples = r->cfg.samples;
    const size_t n = m->n_params;
    float *saved = r->work, *psi = r->work + n;
    float *grad = m->grads;

    if (r->streams) cj_model_save_streams(m, r->streams);
    cj_model_reset(m, batch);
    cj_model_forward_seq(m, x, T, batch);
    float L = per_sample_loss(r, m, t, NULL);
    memcpy(saved, m->params, n * sizeof(float));
    memset(grad, 0, n * sizeof(float));
    for (int s = 0; s < samples; s++) {
        cj_rng_fill_normal(&r->rng, psi, n, sigma);
        /* A pruned weight is not there to perturb: the perturbed network
         * stays the pruned one, and the estimate has no variance from it. */
        if (m->mask) cj_mask_apply(psi, m->mask, n);
        for (size_t k = 0; k < n; k++) m->params[k] = saved[k] + psi[k];
        if (r->streams) cj_model_restore_streams(m, r->streams);
        cj_model_reset(m, batch);
        cj_model_forward_seq(m, x, T, batch);
        float L1 = per_sample_loss(r, m, t, NULL);
        float coef = (L1 - L) / (sigma * sigma * samples);
        for (size_t k = 0; k < n; k++) grad[k] += coef * psi[k];
    }
    memcpy(m->params, saved, n * sizeof(float));
    if (r->streams) cj_model_restore_streams(m, r->streams);
    cj_model_reset(m, batch);
    cj_model_forward_seq(m, x, T, batch);
    return L;
}

/* Work: clean and perturbed losses per row, the noise of every
 * parametric layer, then each rate RNN's initial rates. */
static cj_status node_create(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err)
{
    size_t outs = 0;
    for (int i = 0; i < m->n_layers; i++)
        if (cj_layer_has_params(&m->layers[i])) outs += cj_shape_size(m->layers[i].out);
    size_t rnn_units = 0; /* each rate RNN's r_0 [B, H] */
    for (int i = 0; i < m->n_layers; i++)
        if (is_rate_rnn(&m->layers[i])) rnn_units += (size_t)m->layers[i].units;
    r->work_floats = (size_t)m->max_steps * m->max_batch * (outs + 2) + (size_t)m->max_batch * rnn_units;
    return CJ_OK;
}

/* Work: the saved weights and the noise. */
static cj_status weight_create(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err)
{
    r->work_floats = 2 * m->n_params;
    return CJ_OK;
}

const cj_rule_ops cj_rule_node_perturbation = {
    .name = "node_perturbation",
    .summary = "gradient estimate from the loss change under noise on units' outputs (Werfel, Xie & Seung 2005)",
    .keys = CJ_RULE_KEY_SIGMA | CJ_RULE_KEY_SAMPLES,
    .stochastic = 1,
    .create = node_create,
    .update = node_update,
};

const cj_rule_ops cj_rule_weight_perturbation = {
    .name = "weight_perturbation",
    .summary = "gradient estimate from the loss change under noise on all weights (Werfel, Xie & Seung 2005)",
    .keys = CJ_RULE_KEY_SIGMA | CJ_RULE_KEY_SAMPLES,
    .stochastic = 1,
    .create = weight_create,
    .update = weight_update,
};
