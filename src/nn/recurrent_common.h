/* recurrent_common.h — what rnn.c, gru.c and lstm.c share (private).
 *
 * Every cell spends its time in the same three products:
 *   before the time loop   A = X W_ih^T + b          one sgemm over T*B rows
 *   per step               A_t += h_{t-1} W_hh^T     one sgemm over B rows
 *   after the backward loop dW_ih += D^T X, dW_hh += D_h^T H_prev, dX += D F_ih
 *                                                    one sgemm each over T*B rows
 * where D [T*B, G*H] holds dL/d(pre-activations) for all steps. Only the
 * element-wise gate maths between them differs. */
#ifndef CAJAL_RECURRENT_COMMON_H
#define CAJAL_RECURRENT_COMMON_H

#include <cblas.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cajal/recurrent.h"

/* exp(x) without calls or branches, so the gate loops vectorise (glibc's
 * expf/tanhf are scalar calls without -ffast-math, and the nonlinearities
 * would then cost as much as the matrix products). Cephes' expf: x = n ln2 + r
 * with |r| <= ln2/2, exp(r) by a degree-7 polynomial, 2^n through the
 * exponent bits; relative error about 1 ulp for |x| <= 88 (clamped beyond, so
 * no overflow to inf). */
static inline float exp_fast(float x)
{
    x = fminf(fmaxf(x, -87.3f), 88.3f);
    float n = floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float sigmoidf(float x) { return 1.0f / (1.0f + exp_fast(-x)); }

/* tanh x = 1 − 2 / (e^{2x} + 1): absolute error ~1e-7 (relative error
 * grows for |x| < 1e-3, where the result is below 1e-3 anyway). */
static inline float tanh_fast(float x) { return 1.0f - 2.0f / (exp_fast(2.0f * x) + 1.0f); }

/* a [rows, n] = x [rows, k] w^T + b1 + b2 (either bias may be NULL). */
static inline void project_rows(float *restrict a, const float *x, const float *w,
                                const float *b1, const float *b2, size_t rows, int k, int n)
{
    for (size_t r = 0; r < rows; r++) {
        float *restrict row = a + r * n;
        for (int j = 0; j < n; j++) row[j] = (b1 ? b1[j] : 0.0f) + (b2 ? b2[j] : 0.0f);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, n, k, 1.0f, x, k, w, k, 1.0f,
                a, n);
}

/* acc [n] += sum over rows of d [rows, n]. */
static inline void add_colsum(float *restrict acc, const float *restrict d, size_t rows, int n)
{
    for (size_t r = 0; r < rows; r++) {
        const float *restrict row = d + r * n;
        for (int j = 0; j < n; j++) acc[j] += row[j];
    }
}

/* The gradients that are sums over all T*B rows, computed once after the
 * backward loop (eqs. in the header comment above):
 *   dW_ih += D_ih^T X,  db_ih += Σ D_ih,  dW_hh += D_hh^T H_prev,
 *   db_hh += Σ D_hh,    dX += D_ih F_ih
 * D_ih, D_hh [rows, gh]; X [rows, I]; H_prev [rows, H] (h_0..h_{T-1}). */
static inline void sequence_grads(float *din, const cj_recurrent_grads *g, const float *d_ih,
                                  const float *d_hh, const float *x, const float *h_prev,
                                  const float *f_ih, size_t rows, int n_in, int H, int gh)
{
    if (g && g->weight_ih)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, gh, n_in, (int)rows, 1.0f, d_ih, gh, x,
                    n_in, 1.0f, g->weight_ih, n_in);
    if (g && g->weight_hh)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, gh, H, (int)rows, 1.0f, d_hh, gh,
                    h_prev, H, 1.0f, g->weight_hh, H);
    if (g && g->bias_ih) add_colsum(g->bias_ih, d_ih, rows, gh);
    if (g && g->bias_hh) add_colsum(g->bias_hh, d_hh, rows, gh);
    if (din)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, n_in, gh, 1.0f, d_ih, gh,
                    f_ih, n_in, 1.0f, din, n_in);
}

/* The weights error flows through: feedback where given, else the weights. */
static inline const float *feedback_ih(const cj_recurrent_feedback *fb,
                                       const cj_recurrent_params *p)
{
    return fb && fb->ih ? fb->ih : p->weight_ih;
}
static inline const float *feedback_hh(const cj_recurrent_feedback *fb,
                                       const cj_recurrent_params *p)
{
    return fb && fb->hh ? fb->hh : p->weight_hh;
}

/* dst [n] = src [n], or zeros when src is NULL. */
static inline void copy_or_zero(float *dst, const float *src, size_t n)
{
    if (src) memcpy(dst, src, sizeof(float) * n);
    else memset(dst, 0, sizeof(float) * n);
}

#endif
