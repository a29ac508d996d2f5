/* fixedpoints_layers.c — cajal's recurrent layers as maps F for the
 * fixed-point search (fixedpoints.h): one step at constant input u, in
 * double precision from the layer's float parameters, with analytic
 * Jacobians.
 *
 *   rate RNN  F(x) = (1 − α) x + α (W_eff f(x) + c),  c = W_ih u + b_ih + b_hh
 *             dF/dx = (1 − α) I + α W_eff diag(f'(x))
 *   GRU       h' = (1 − z) ⊙ n + z ⊙ h (torch.nn.GRUCell; recurrent.h)
 *   LSTM      c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c') (torch.nn.LSTMCell)
 *
 * Each evaluates a batch with one dgemm for the recurrent pre-activations
 * (rows of states times W_hhᵀ) and element-wise gate maths; the input's
 * contribution is the same for every row and computed once. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/fixedpoints.h"
#include "cajal/recurrent.h"

/* The rows one pass of the gate maths takes: the pre-activation buffer is
 * sized for it at creation, so the callbacks never allocate; larger
 * batches go in pieces. */
enum { ADAPTER_BATCH = 256 };

typedef enum { KIND_RNN, KIND_GRU, KIND_LSTM } kind;

typedef struct {
    kind k;
    int H, G;            /* hidden units, gate blocks */
    double alpha;        /* rate RNN */
    cj_rate_nonlinearity f;
    double *w_hh;        /* [G H, H]: W_eff for the rate RNN */
    double *c_ih;        /* [G H] = W_ih u + b_ih (+ b_hh for the rate RNN) */
    double *b_hh;        /* [G H] (GRU, LSTM) */
    double *pre, *rate;  /* [ADAPTER_BATCH, G H], [ADAPTER_BATCH, H] */
} adapter;

static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }
static double softplus(double v) { return v > 0 ? v + log1p(exp(-v)) : log1p(exp(v)); }

static double rate_f(cj_rate_nonlinearity f, double v)
{
    return f == CJ_RATE_TANH ? tanh(v) : f == CJ_RATE_RELU ? (v > 0 ? v : 0.0) : softplus(v);
}

/* f'(v); relu' is [v > 0], as rnn.c's. */
static double rate_df(cj_rate_nonlinearity f, double v)
{
    if (f == CJ_RATE_TANH) {
        double t = tanh(v);
        return 1.0 - t * t;
    }
    return f == CJ_RATE_RELU ? (v > 0 ? 1.0 : 0.0) : sigmoid(v);
}

/* pre [batch, G H] = h [batch, H] (row stride ld) W_hhᵀ. */
static void recurrent_pre(const adapter *a, const double *h, int ld, int batch)
{
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, a->G * a->H, a->H, 1.0, h, ld, a->w_hh, a->H, 0.0,
                a->pre, a->G * a->H);
}

/* ---- rate RNN ----------------------------------------------------------- */

static void rnn_map_rows(void *user, const double *x, double *fx, int batch)
{
    adapter *a = user;
    const int H = a->H;
    for (size_t k = 0; k < (size_t)batch * H; k++) a->rate[k] = rate_f(a->f, x[k]);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, H, H, 1.0, a->rate, H, a->w_hh, H, 0.0, a->pre, H);
    for (int b = 0; b < batch; b++)
        for (int i = 0; i < H; i++) {
            size_t k = (size_t)b * H + i;
            fx[k] = (1.0 - a->alpha) * x[k] + a->alpha * (a->pre[k] + a->c_ih[i]);
        }
}

static void rnn_jacobian_rows(void *user, const double *x, double *jac, int batch)
{
    adapter *a = user;
    const int H = a->H;
    for (int b = 0; b < batch; b++) {
        double *j = jac + (size_t)b * H * H, *d = a->rate;
        for (int c = 0; c < H; c++) d[c] = a->alpha * rate_df(a->f, x[(size_t)b * H + c]);
        for (int r = 0; r < H; r++)
            for (int c = 0; c < H; c++)
                j[(size_t)r * H + c] = a->w_hh[(size_t)r * H + c] * d[c] + (r == c ? 1.0 - a->alpha : 0.0);
    }
}

/* ---- GRU: gates r, z, n in blocks of H (recurrent.h) ----------------------- */

static void gru_map_rows(void *user, const double *h, double *fx, int batch)
{
    adapter *a = user;
    const int H = a->H, GH = 3 * H;
    recurrent_pre(a, h, H, batch);
    for (int b = 0; b < batch; b++) {
        const double *p = a->pre + (size_t)b * GH, *hb = h + (size_t)b * H;
        for (int i = 0; i < H; i++) {
            double r = sigmoid(a->c_ih[i] + p[i] + a->b_hh[i]);
            double z = sigmoid(a->c_ih[H + i] + p[H + i] + a->b_hh[H + i]);
            double n = tanh(a->c_ih[2 * H + i] + r * (p[2 * H + i] + a->b_hh[2 * H + i]));
            fx[(size_t)b * H + i] = (1.0 - z) * n + z * hb[i];
        }
    }
}

/* With m = W_hn h + b_hn:
 *   dh'_i/dh_j = (h_i − n_i) z_i(1 − z_i) W_hz,ij
 *              + (1 − z_i)(1 − n_i²)(m_i r_i(1 − r_i) W_hr,ij + r_i W_hn,ij) + z_i δ_ij. */
static void gru_jacobian_rows(void *user, const double *h, double *jac, int batch)
{
    adapter *a = user;
    const int H = a->H, GH = 3 * H;
    recurrent_pre(a, h, H, batch);
    const double *wr = a->w_hh, *wz = wr + (size_t)H * H, *wn = wz + (size_t)H * H;
    for (int b = 0; b < batch; b++) {
        const double *p = a->pre + (size_t)b * GH, *hb = h + (size_t)b * H;
        double *j = jac + (size_t)b * H * H;
        for (int i = 0; i < H; i++) {
            double r = sigmoid(a->c_ih[i] + p[i] + a->b_hh[i]);
            double z = sigmoid(a->c_ih[H + i] + p[H + i] + a->b_hh[H + i]);
            double m = p[2 * H + i] + a->b_hh[2 * H + i];
            double n = tanh(a->c_ih[2 * H + i] + r * m);
            double cz = (hb[i] - n) * z * (1.0 - z), cn = (1.0 - z) * (1.0 - n * n);
            double cr = cn * m * r * (1.0 - r), cw = cn * r;
            for (int c = 0; c < H; c++) {
                size_t k = (size_t)i * H + c;
                j[k] = cz * wz[k] + cr * wr[k] + cw * wn[k] + (i == c ? z : 0.0);
            }
        }
    }
}

/* ---- LSTM: gates i, f, g, o; state [h, c] per sample ------------------------ */

typedef struct {
    double i, f, g, o, c1, t1; /* gates, c' and tanh(c') */
} lstm_unit;

static lstm_unit lstm_unit_at(const adapter *a, const double *p, const double *s, int u)
{
    const int H = a->H;
    lstm_unit v;
    v.i = sigmoid(a->c_ih[u] + p[u] + a->b_hh[u]);
    v.f = sigmoid(a->c_ih[H + u] + p[H + u] + a->b_hh[H + u]);
    v.g = tanh(a->c_ih[2 * H + u] + p[2 * H + u] + a->b_hh[2 * H + u]);
    v.o = sigmoid(a->c_ih[3 * H + u] + p[3 * H + u] + a->b_hh[3 * H + u]);
    v.c1 = v.f * s[H + u] + v.i * v.g;
    v.t1 = tanh(v.c1);
    return v;
}

static void lstm_map_rows(void *user, const double *s, double *fx, int batch)
{
    adapter *a = user;
    const int H = a->H;
    recurrent_pre(a, s, 2 * H, batch);
    for (int b = 0; b < batch; b++) {
        const double *p = a->pre + (size_t)b * 4 * H, *sb = s + (size_t)b * 2 * H;
        double *out = fx + (size_t)b * 2 * H;
        for (int u = 0; u < H; u++) {
            lstm_unit v = lstm_unit_at(a, p, sb, u);
            out[u] = v.o * v.t1;
            out[H + u] = v.c1;
        }
    }
}

/* Rows 0..H−1 are h', H..2H−1 are c'; columns likewise h then c:
 *   dc'/dh = diag(c σ'_f) W_f + diag(g σ'_i) W_i + diag(i (1 − g²)) W_g,  dc'/dc = diag(f)
 *   dh'/dh = diag(tanh(c') σ'_o) W_o + diag(o (1 − tanh² c')) dc'/dh,
 *   dh'/dc = diag(o (1 − tanh² c') f),  with σ'_x = x (1 − x). */
static void lstm_jacobian_rows(void *user, const double *s, double *jac, int batch)
{
    adapter *a = user;
    const int H = a->H, N = 2 * H;
    const size_t hh = (size_t)H * H;
    recurrent_pre(a, s, N, batch);
    const double *wi = a->w_hh, *wf = wi + hh, *wg = wf + hh, *wo = wg + hh;
    for (int b = 0; b < batch; b++) {
        const double *p = a->pre + (size_t)b * 4 * H, *sb = s + (size_t)b * N;
        double *j = jac + (size_t)b * N * N;
        memset(j, 0, sizeof(double) * N * N);
        for (int u = 0; u < H; u++) {
            lstm_unit v = lstm_unit_at(a, p, sb, u);
            double kf = sb[H + u] * v.f * (1.0 - v.f), ki = v.g * v.i * (1.0 - v.i), kg = v.i * (1.0 - v.g * v.g);
            double ko = v.t1 * v.o * (1.0 - v.o), kc = v.o * (1.0 - v.t1 * v.t1);
            double *jh = j + (size_t)u * N, *jc = j + (size_t)(H + u) * N;
            for (int c = 0; c < H; c++) {
                size_t k = (size_t)u * H + c;
                double dc = kf * wf[k] + ki * wi[k] + kg * wg[k];
                jc[c] = dc;
                jh[c] = ko * wo[k] + kc * dc;
            }
            jc[H + u] = v.f;
            jh[H + u] = kc * v.f;
        }
    }
}

/* ---- the callbacks: any batch, in pieces of ADAPTER_BATCH rows -------------- */

typedef void (*rows_fn)(void *user, const double *x, double *out, int batch);

static void in_pieces(rows_fn f, void *user, const double *x, double *out, int batch, size_t in_row,
                      size_t out_row)
{
    for (int b0 = 0; b0 < batch; b0 += ADAPTER_BATCH) {
        int m = batch - b0 < ADAPTER_BATCH ? batch - b0 : ADAPTER_BATCH;
        f(user, x + (size_t)b0 * in_row, out + (size_t)b0 * out_row, m);
    }
}

static size_t state_size(const adapter *a) { return (size_t)(a->k == KIND_LSTM ? 2 : 1) * a->H; }

#define CALLBACKS(kind)                                                                          \
    static void kind##_map(void *user, const double *x, double *fx, int batch)                  \
    {                                                                                            \
        size_t n = state_size(user);                                                             \
        in_pieces(kind##_map_rows, user, x, fx, batch, n, n);                                    \
    }                                                                                            \
    static void kind##_jacobian(void *user, const double *x, double *jac, int batch)            \
    {                                                                                            \
        size_t n = state_size(user);                                                             \
        in_pieces(kind##_jacobian_rows, user, x, jac, batch, n, n * n);                          \
    }
CALLBACKS(rnn)
CALLBACKS(gru)
CALLBACKS(lstm)

/* ---- construction ---------------------------------------------------------- */

static void adapter_free(adapter *a)
{
    if (!a) return;
    free(a->w_hh);
    free(a->c_ih);
    free(a->pre);
    free(a);
}

/* The rate RNN's W_eff under Dale's law (rnn_layer.c): [W_hh]_+ with the
 * presynaptic unit's sign, + for the first cj_rnn_layer_excitatory(l)
 * columns (excitatory units), − for the rest. */
static void dale_weights(const cj_layer *l, const float *w, double *weff)
{
    const int H = l->units, n_exc = cj_rnn_layer_excitatory(l);
    for (int i = 0; i < H; i++)
        for (int j = 0; j < H; j++) {
            double v = w[(size_t)i * H + j] > 0 ? w[(size_t)i * H + j] : 0.0;
            weff[(size_t)i * H + j] = j < n_exc ? v : -v;
        }
}

static const float *param(cj_layer *l, const char *name)
{
    for (int k = 0; k < l->n_params; k++)
        if (strcmp(l->params[k].name, name) == 0) return l->params[k].data;
    return NULL;
}

cj_status cj_fp_layer_system(cj_layer *l, const float *u, cj_fp_system *sys, cj_error *err)
{
    if (!sys) return cj_fail(err, CJ_ERR_ARG, "fixed points: no system to fill");
    memset(sys, 0, sizeof *sys);
    if (!l || !l->ops) return cj_fail(err, CJ_ERR_ARG, "fixed points: no layer given");
    kind k;
    if (l->ops == &cj_rnn_ops) k = KIND_RNN;
    else if (l->ops == &cj_gru_ops) k = KIND_GRU;
    else if (l->ops == &cj_lstm_ops) k = KIND_LSTM;
    else
        return cj_fail(err, CJ_ERR_ARG,
                       "fixed points: layer %d (%s) is not a recurrent layer; expected rnn, gru or lstm", l->index,
                       cj_layer_name(l));
    const float *w_ih = param(l, "weight_ih_l0"), *w_hh = param(l, "weight_hh_l0");
    const float *b_ih = param(l, "bias_ih_l0"), *b_hh = param(l, "bias_hh_l0");
    if (!w_ih || !w_hh)
        return cj_fail(err, CJ_ERR_ARG, "fixed points: layer %d (%s) has no weight_ih_l0/weight_hh_l0", l->index,
                       cj_layer_name(l));
    const int H = l->units, NI = l->in.c, G = k == KIND_RNN ? 1 : k == KIND_GRU ? 3 : 4, GH = G * H;
    adapter *a = calloc(1, sizeof *a);
    if (!a) return cj_fail(err, CJ_ERR_NOMEM, "fixed points: no memory for layer %d's map", l->index);
    a->k = k, a->H = H, a->G = G;
    a->w_hh = malloc(sizeof(double) * (size_t)GH * H);
    a->c_ih = malloc(sizeof(double) * 2 * (size_t)GH);
    a->pre = malloc(sizeof(double) * (size_t)ADAPTER_BATCH * (GH + H));
    if (!a->w_hh || !a->c_ih || !a->pre) {
        adapter_free(a);
        return cj_fail(err, CJ_ERR_NOMEM, "fixed points: no memory for layer %d's map", l->index);
    }
    a->b_hh = a->c_ih + GH;
    a->rate = a->pre + (size_t)ADAPTER_BATCH * GH;
    for (int r = 0; r < GH; r++) {
        double s = b_ih ? b_ih[r] : 0.0;
        for (int c = 0; c < NI; c++) s += (double)w_ih[(size_t)r * NI + c] * (u ? u[c] : 0.0f);
        a->c_ih[r] = s;
        a->b_hh[r] = b_hh ? b_hh[r] : 0.0;
    }
    cj_status st = CJ_OK;
    if (k == KIND_RNN) {
        float alpha;
        int f, dale;
        cj_rnn_layer_dynamics(l, &alpha, &f, &dale);
        a->alpha = alpha, a->f = (cj_rate_nonlinearity)f;
        for (int r = 0; r < H; r++) a->c_ih[r] += a->b_hh[r];
        if (dale) dale_weights(l, w_hh, a->w_hh);
        else
            for (size_t q = 0; q < (size_t)H * H; q++) a->w_hh[q] = w_hh[q];
    } else {
        for (size_t q = 0; q < (size_t)GH * H; q++) a->w_hh[q] = w_hh[q];
    }
    if (st) {
        adapter_free(a);
        return st;
    }
    sys->n = k == KIND_LSTM ? 2 * H : H;
    sys->map = k == KIND_RNN ? rnn_map : k == KIND_GRU ? gru_map : lstm_map;
    sys->jacobian = k == KIND_RNN ? rnn_jacobian : k == KIND_GRU ? gru_jacobian : lstm_jacobian;
    sys->max_batch = ADAPTER_BATCH;
    sys->user = a;
    return CJ_OK;
}

void cj_fp_system_free(cj_fp_system *sys)
{
    if (!sys) return;
    if (sys->map == rnn_map || sys->map == gru_map || sys->map == lstm_map) adapter_free(sys->user);
    memset(sys, 0, sizeof *sys);
}
