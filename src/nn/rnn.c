/* rnn.c — continuous-time rate RNN (Song, Yang & Wang 2016, eq. 1 with
 * Euler steps, α = dt/τ), forward over a sequence and backward through time:
 *
 *     pre_t = W_hh r_{t−1} + W_ih u_t + b_ih + b_hh + noise_t
 *     x_t   = (1 − α) x_{t−1} + α pre_t,      r_t = f(x_t),   r_0 = f(x_0)
 *
 * Backward, with dr_t = dL/dr_t from the output plus from pre_{t+1}:
 *
 *     dL/dx_t   = (1 − α) dL/dx_{t+1} + (dout_t + W_hh^T dpre_{t+1}) ⊙ f'(x_t)
 *     dpre_t    = α dL/dx_t
 *     dW_ih = Σ_t dpre_t^T u_t,  dW_hh = Σ_t dpre_t^T r_{t−1},  db = Σ_t dpre_t,
 *     du_t  = dpre_t W_ih
 *
 * Tape (workspace): X = x_0..x_T and R = r_0..r_T, each [(T+1), B, H];
 * scratch (rnn_layout): D = dpre_t for one chunk of steps (rows
 * d_stride(H) apart), three [B, H] rows, the bias gradient [H], the packed
 * weights ([W_ih W_hh]^T and the biases forward, for cj_rec_gemm_xh; the
 * feedback matrix backward) and the weight-gradient products' scratch. */
#include "../core/clones.h"
#include "../core/fast_math.h"
#include "recurrent_common.h"

/* Where things sit in the workspace, in floats: the tape X, R; then
 * scratch: D (one chunk of steps), carry, dr, gx0 [B, H], db [H], the
 * packed weights, the weight-gradient products' scratch; total. */
typedef struct {
    size_t x, r, d, carry, dr, gx0, db, packed, wg, total;
} rnn_layout;

static rnn_layout layout(int T, int B, int n_in, int H)
{
    size_t bh = (size_t)B * H;
    rnn_layout l;
    l.x = 0;
    l.r = l.x + (size_t)(T + 1) * bh;
    l.d = l.r + (size_t)(T + 1) * bh;
    l.carry = l.d + chunk_rows(T, B) * d_stride(H);
    l.dr = l.carry + bh;
    l.gx0 = l.dr + bh;
    l.db = l.gx0 + bh;
    l.packed = l.db + H;
    l.wg = l.packed +
           max_floats(cj_rec_packed_xh_floats(H, n_in, H), cj_rec_packed_floats(H, H));
    l.total = l.wg + cj_rec_weight_grad_floats(H, n_in + H);
    return l;
}

size_t cj_rate_rnn_workspace_floats(int T, int B, int n_in, int H)
{
    return layout(T, B, n_in, H).total;
}

/* softplus x = max(x, 0) + log(1 + e^{-|x|}), in polynomials that
 * vectorise (cj_fast_exp, cj_fast_log1p01): relative error below 5e-7. */
static inline float softplusf(float x)
{
    return (x > 0 ? x : 0.0f) + cj_fast_log1p01(cj_fast_exp(-fabsf(x)));
}

/* r = f(x) over n elements, also into out when out is not NULL. */
CJ_TARGET_CLONES static void rate(float *restrict r, float *restrict out, const float *restrict x, size_t n,
                 cj_rate_nonlinearity f)
{
    switch (f) {
    case CJ_RATE_RELU:
        for (size_t i = 0; i < n; i++) r[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case CJ_RATE_TANH:
        for (size_t i = 0; i < n; i++) r[i] = cj_fast_tanh(x[i]);
        break;
    case CJ_RATE_SOFTPLUS:
        for (size_t i = 0; i < n; i++) r[i] = softplusf(x[i]);
        break;
    }
    if (out) memcpy(out, r, sizeof(float) * n);
}

/* gx = carry + (dr + dy) ⊙ f'(x), dy may be NULL (zero), with f' from
 * r = f(x) where that is cheaper: relu' = [r > 0], tanh' = 1 − r²,
 * softplus' = σ(x). */
CJ_TARGET_CLONES static void rate_grad(float *restrict gx, const float *restrict carry, const float *restrict dr,
                      const float *restrict dy, const float *restrict x, const float *restrict r,
                      size_t n, cj_rate_nonlinearity f)
{
    switch (f) {
    case CJ_RATE_RELU:
        if (dy)
            for (size_t i = 0; i < n; i++) gx[i] = carry[i] + (r[i] > 0.0f ? dr[i] + dy[i] : 0.0f);
        else
            for (size_t i = 0; i < n; i++) gx[i] = carry[i] + (r[i] > 0.0f ? dr[i] : 0.0f);
        break;
    case CJ_RATE_TANH:
        if (dy)
            for (size_t i = 0; i < n; i++) gx[i] = carry[i] + (dr[i] + dy[i]) * (1.0f - r[i] * r[i]);
        else
            for (size_t i = 0; i < n; i++) gx[i] = carry[i] + dr[i] * (1.0f - r[i] * r[i]);
        break;
    case CJ_RATE_SOFTPLUS:
        for (size_t i = 0; i < n; i++) gx[i] = carry[i] + (dr[i] + (dy ? dy[i] : 0.0f)) * cj_fast_sigmoid(x[i]);
        break;
    }
}

void cj_rate_rnn_forward(float *out, float *x_n, float *workspace, const float *in,
                         const float *x0, const float *noise, const cj_recurrent_params *p,
                         const cj_rate_rnn_config *cfg, int T, int B, int n_in, int H)
{
    const size_t bh = (size_t)B * H, tbh = (size_t)T * bh;
    const float a = cfg->alpha, leak = 1.0f - cfg->alpha;
    const rnn_layout l = layout(T, B, n_in, H);
    float *X = workspace + l.x, *R = workspace + l.r;
    const float *w = cj_rec_pack_xh(workspace + l.packed, H, p->weight_ih, n_in, p->weight_hh, H, p->bias_ih,
                                    p->bias_hh);

    copy_or_zero(X, x0, bh);
    rate(R, NULL, X, bh, cfg->f);
    for (int t = 1; t <= T; t++) {
        float *restrict xt = X + (size_t)t * bh;
        const float *restrict xprev = xt - bh;
        /* pre_t = W_ih u_t + W_hh r_{t−1} + b_ih + b_hh (+ noise_t) */
        cj_rec_gemm_xh(xt, H, in + (size_t)(t - 1) * B * n_in, n_in, n_in,
                       R + (size_t)(t - 1) * bh, H, H, w, B, H);
        if (noise) {
            const float *restrict nt = noise + (size_t)(t - 1) * bh;
            for (size_t i = 0; i < bh; i++) xt[i] += nt[i];
        }
        if (leak != 0.0f)
            for (size_t i = 0; i < bh; i++) xt[i] = leak * xprev[i] + a * xt[i];
        rate(R + (size_t)t * bh, out + (size_t)(t - 1) * bh, xt, bh, cfg->f);
    }
    if (x_n) memcpy(x_n, X + tbh, sizeof(float) * bh);
}

void cj_rate_rnn_backward(float *din, float *dx0, const cj_recurrent_grads *g,
                          const float *dout, const float *dx_n, float *workspace,
                          const float *in, const cj_recurrent_params *p,
                          const cj_recurrent_feedback *fb, const cj_rate_rnn_config *cfg,
                          int T, int B, int n_in, int H)
{
    const size_t bh = (size_t)B * H;
    const int ldd = d_stride(H), S = chunk_steps(T, B);
    const float a = cfg->alpha, leak = 1.0f - cfg->alpha;
    const rnn_layout l = layout(T, B, n_in, H);
    const float *X = workspace + l.x, *R = workspace + l.r, *f_ih = feedback_ih(fb, p);
    float *D = workspace + l.d;
    float *carry = workspace + l.carry; /* (1 − α) dL/dx_{t+1}: the leak path */
    float *dr = workspace + l.dr;       /* dL/dr_t from pre_{t+1}: W_hh^T dpre_{t+1} */
    float *gx0 = workspace + l.gx0, *db = workspace + l.db;
    const float *f_hh = cj_rec_pack(workspace + l.packed, feedback_hh(fb, p), H, H);
    const int want_db = g && (g->bias_ih || g->bias_hh);

    copy_or_zero(carry, dx_n, bh);
    memset(dr, 0, sizeof(float) * bh);
    memset(db, 0, sizeof(float) * H);
    for (int t = T; t >= 1; t--) {
        const int s = t - 1; /* 0-based step, in row block s % S of D */
        float *dt = D + (size_t)(s % S) * B * ldd;
        for (int b = 0; b < B; b++) {
            size_t o = (size_t)b * H, row = (size_t)t * bh + o;
            float *restrict d = dt + (size_t)b * ldd, *restrict cb = carry + o;
            rate_grad(d, cb, dr + o, dout + (size_t)s * bh + o, X + row, R + row, H, cfg->f);
            /* d holds dL/dx_t; dpre_t = α dL/dx_t, the leak carries (1 − α) dL/dx_t. */
            if (leak != 0.0f)
                for (int i = 0; i < H; i++) {
                    cb[i] = leak * d[i];
                    d[i] *= a;
                }
        }
        if (leak == 0.0f && t == T) /* α = 1: no leak path after the first step */
            memset(carry, 0, sizeof(float) * bh);
        if (want_db) add_colsum(db, dt, B, H, ldd);
        cj_rec_gemm(dr, H, dt, ldd, f_hh, B, H, H, 0);
        if (s % S == 0) { /* steps s .. s + S - 1 are done */
            size_t r0 = (size_t)s * B, rows = (size_t)((T - s < S ? T - s : S)) * B;
            chunk_grads(din ? din + r0 * n_in : NULL, g, D, ldd, in + r0 * n_in, R + r0 * H, f_ih,
                        rows, n_in, H, H, workspace + l.wg);
        }
    }
    /* x_0 reaches the loss through the leak and through r_0 = f(x_0). */
    if (dx0) {
        rate_grad(gx0, carry, dr, NULL, X, R, bh, cfg->f);
        for (size_t i = 0; i < bh; i++) dx0[i] += gx0[i];
    }
    if (g) {
        add_to(g->bias_ih, db, H);
        add_to(g->bias_hh, db, H);
    }
}
