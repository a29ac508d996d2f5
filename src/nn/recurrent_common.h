/* recurrent_common.h — what rnn.c, gru.c and lstm.c share (private).
 *
 * Every cell spends its time in the same products:
 *   per step forward       A_t = x_t W_ih^T + h_{t-1} W_hh^T + b
 *                                                    cj_rec_gemm_xh over B rows
 *   per step backward      dh_{t-1} (+)= D_t F_hh    cj_rec_gemm over B rows
 *   per chunk of steps     dW_ih += D^T X, dW_hh += D_h^T H_prev, dX += D F_ih
 *                          over the chunk's rows (about 256)
 * where D [rows, G*H] holds dL/d(pre-activations) of one chunk. Only the
 * element-wise gate maths between them differs; it is written as loops over
 * contiguous rows with branch-free exp/sigmoid/tanh so that they vectorise.
 * Nothing here allocates: every buffer is a slice of the caller's workspace. */
#ifndef CAJAL_RECURRENT_COMMON_H
#define CAJAL_RECURRENT_COMMON_H

/* The project builds with -std=c11, in which GCC does not fuse a * b + c
 * into one fused multiply-add (-ffp-contract=off); the products and the
 * polynomials below are chains of exactly that, so let it (one rounding
 * instead of two: never less accurate). Clang contracts by default. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#if defined(__AVX512F__)
#pragma GCC target("prefer-vector-width=512")
#endif
#endif

#include <cblas.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../core/fastmath.h"
#include "cajal/recurrent.h"

/* ---- the products (recurrent_gemm.c) ------------------------------------- */

/* Vector width in floats and the register tile: MR rows x NR columns of C
 * in MR * NR / VL vector registers (16 of AVX-512's 32, 12 of the 16 of
 * AVX2 or SSE/NEON), which leaves room for the row of B and the broadcast
 * value. The width is never wider than the target's registers, so no
 * vector crosses a function boundary in pieces (-Wpsabi). */
#if defined(__AVX512F__)
#define CJ_REC_VL 16
#define CJ_REC_MR 8
#elif defined(__AVX__)
#define CJ_REC_VL 8
#define CJ_REC_MR 6
#else
#define CJ_REC_VL 4
#define CJ_REC_MR 6
#endif
#define CJ_REC_NR (2 * CJ_REC_VL)
#define CJ_REC_ALIGN_FLOATS 16 /* 64-byte cache lines */

/* Floats cj_rec_pack needs for a [k, n] operand (alignment slack included). */
size_t cj_rec_packed_floats(int n, int k);

/* Packs B = w [k, n] (row-major) into NR-column panels in dst
 * (cj_rec_packed_floats(n, k) floats) and returns where they start (dst
 * rounded up to a cache line). Backward: W_hh, or its feedback matrix. */
const float *cj_rec_pack(float *dst, const float *w, int n, int k);

/* c [m, n] = a [m, k] B, or c += a B when accumulate; bp from cj_rec_pack.
 * Row strides ldc and lda in floats. */
void cj_rec_gemm(float *c, int ldc, const float *a, int lda, const float *bp, int m, int n, int k,
                 int accumulate);

/* Forward: packs B = [w1^T ; w2^T] and the bias row b1 + b2 (either NULL
 * means zeros), for output columns j with w1 [n, k1] and w2 [n, k2]
 * row-major (rows of W_ih and W_hh); k1 or k2 may be 0 (w NULL). */
size_t cj_rec_packed_xh_floats(int n, int k1, int k2);
const float *cj_rec_pack_xh(float *dst, int n, const float *w1, int k1, const float *w2, int k2,
                            const float *b1, const float *b2);

/* c [m, n] = a1 [m, k1] w1^T + a2 [m, k2] w2^T + b1 + b2, bp from
 * cj_rec_pack_xh: one step's pre-activations from its input (a1 = x_t)
 * and the previous state (a2 = h_{t−1}). */
void cj_rec_gemm_xh(float *c, int ldc, const float *a1, int lda1, int k1, const float *a2,
                    int lda2, int k2, const float *bp, int m, int n);

/* Weight gradients over a chunk of rows: dw1 [m, n1] += d^T x1 and
 * dw2 [m, n2] += d^T x2, d [rows, m] with row stride ldd (see d_stride),
 * x1 [rows, n1] and x2 [rows, n2] row-major. A NULL dw skips its block.
 * scratch holds cj_rec_weight_grad_floats(m, n1 + n2) floats.
 * cj_rec_weight_grad does both in one pass over d without packing; it beats
 * OpenBLAS's two sgemms for narrow d (m <= CJ_REC_WG_MAX_M: 105 against
 * 77 GFLOP/s at m = 64, and the whole H = 64 RNN and GRU steps 4-11 %
 * faster) and loses for wide d (the H = 256 steps 5-17 % slower with it
 * for every m); docs/benchmarks.md. */
#define CJ_REC_WG_MAX_M 128
size_t cj_rec_weight_grad_floats(int m, int n);
void cj_rec_weight_grad(float *dw1, const float *x1, int n1, float *dw2, const float *x2, int n2,
                        const float *d, int ldd, int m, size_t rows, float *scratch);

/* The same, by cj_rec_weight_grad for narrow d and by sgemm otherwise. */
static inline void weight_grads(float *dw1, const float *x1, int n1, float *dw2, const float *x2,
                                int n2, const float *d, int ldd, int m, size_t rows,
                                float *scratch)
{
    if (m <= CJ_REC_WG_MAX_M) {
        cj_rec_weight_grad(dw1, x1, n1, dw2, x2, n2, d, ldd, m, rows, scratch);
        return;
    }
    if (dw1)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n1, (int)rows, 1.0f, d, ldd, x1, n1,
                    1.0f, dw1, n1);
    if (dw2)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n2, (int)rows, 1.0f, d, ldd, x2, n2,
                    1.0f, dw2, n2);
}

/* Row stride of a gradient tape D that is gh wide: one cache line more,
 * so that a 4 KB-multiple width (gh = 1024) does not map a column panel's
 * rows to one L1 set in cj_rec_weight_grad. */
static inline int d_stride(int gh) { return gh + CJ_REC_ALIGN_FLOATS; }

static inline size_t max_floats(size_t a, size_t b) { return a > b ? a : b; }

/* ---- element-wise maths ---------------------------------------------------- */

/* exp, σ and tanh: src/core/fastmath.h */

/* ---- the gradient sums ------------------------------------------------------ */

/* acc [n] += sum over rows of d [rows, n] (row stride ld). Called per
 * step on the rows just written, so the bias gradients cost no extra pass
 * over the whole D. */
static inline void add_colsum(float *restrict acc, const float *restrict d, int rows, int n,
                              int ld)
{
    for (int r = 0; r < rows; r++) {
        const float *restrict row = d + (size_t)r * ld;
        for (int j = 0; j < n; j++) acc[j] += row[j];
    }
}

/* acc [n] += src [n] where acc is not NULL. */
static inline void add_to(float *restrict acc, const float *restrict src, int n)
{
    if (acc)
        for (int j = 0; j < n; j++) acc[j] += src[j];
}

/* Steps per chunk of the backward pass. The gradient tape D holds one
 * chunk (about CJ_REC_CHUNK_ROWS rows): each chunk's weight gradients are
 * taken as soon as its first step is done, while D is still in L2, instead
 * of after the loop from a T*B-row D that has gone to memory (26 MB for
 * the LSTM at B = 64, T = 100, H = 256). */
#define CJ_REC_CHUNK_ROWS 256
static inline int chunk_steps(int T, int B)
{
    int s = CJ_REC_CHUNK_ROWS / (B > 0 ? B : 1);
    s = s < 1 ? 1 : s;
    return s < T ? s : (T > 0 ? T : 1);
}

/* Rows D is given in the workspace: at least chunk_steps(T, B) * B, and
 * never fewer for a larger T or B, so that a workspace sized for the
 * largest batch serves every smaller one (the model sizes tapes so). */
static inline size_t chunk_rows(int T, int B)
{
    size_t cap = B > CJ_REC_CHUNK_ROWS ? (size_t)B : CJ_REC_CHUNK_ROWS, all = (size_t)T * B;
    return all < cap ? all : cap;
}

/* The gradients that are sums over rows, for one chunk of rows after the
 * backward loop has passed it, for cells whose input and recurrent
 * pre-activations share one gradient D [rows, gh] (row stride ldd; rate
 * RNN, LSTM), eqs. in the header comment above:
 *   dW_ih += D^T X and dW_hh += D^T H_prev (one pass over D where narrow),
 *   dX += D F_ih,
 * with X [rows, I], H_prev [rows, H] and dX [rows, I] the chunk's rows;
 * scratch cj_rec_weight_grad_floats(gh, I + H) floats. (The bias gradients
 * are summed per step.) */
static inline void chunk_grads(float *din, const cj_recurrent_grads *g, const float *d, int ldd,
                               const float *x, const float *h_prev, const float *f_ih, size_t rows,
                               int n_in, int H, int gh, float *scratch)
{
    if (g) weight_grads(g->weight_ih, x, n_in, g->weight_hh, h_prev, H, d, ldd, gh, rows, scratch);
    if (din)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, n_in, gh, 1.0f, d, ldd,
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
