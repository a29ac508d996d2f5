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
#include <string.h>

#include "cajal/recurrent.h"

static inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

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
