/* conv2d_internal.h — what the two convolution algorithms share: the
 * layer's geometry, chunking, the sgemm wrapper, and the Winograd entry
 * points that src/nn/conv2d.c dispatches to (src/nn/winograd.c). Private
 * to src/nn/. */
#ifndef CAJAL_NN_CONV2D_INTERNAL_H
#define CAJAL_NN_CONV2D_INTERNAL_H

#include <cblas.h>
#include <string.h>

#include "cajal/blas.h"
#include "cajal/layers.h"

/* Target scratch per chunk, in floats (2^18 floats = 1 MB for im2col's
 * col, measured best of 0.25-64 MB; 2 MB for Winograd's transformed tiles:
 * on a Zen 3 EPYC 4 MB was best of 0.25-64 MB with the transforms of the
 * time, on an AVX-512 Xeon with 2 MB of L2 per core 1-2 MB gave 5-6% more
 * samples/s than 4 MB, docs/benchmarks.md); never less than one sample.
 * -DCHUNK_TARGET_FLOATS=... and -DWINOGRAD_TARGET_FLOATS=... override them
 * for tuning. */
#ifndef CHUNK_TARGET_FLOATS
#define CHUNK_TARGET_FLOATS (1 << 18)
#endif
#ifndef WINOGRAD_TARGET_FLOATS
#define WINOGRAD_TARGET_FLOATS (1 << 19)
#endif
/* Below this many input or output channels the products are too thin for
 * Winograd's transforms to pay off (a first layer on grey images has 1).
 * With 8 to 128 channels on 7x7 to 32x32 maps, forward plus backward took
 * 2-50% less time than with im2col in all 16 shapes measured; the forward
 * pass alone was up to a third slower for small layers (8-32 channels,
 * mostly 3x3 on 28x28 maps or larger). */
#ifndef WINOGRAD_MIN_CHANNELS
#define WINOGRAD_MIN_CHANNELS 8
#endif

typedef struct {
    int c, h, w;        /* input plane */
    int o, oh, ow;      /* output plane */
    int k, s, p;        /* kernel, stride, padding */
    size_t kk;          /* K = c k k, rows of col */
    size_t np;          /* P = oh ow, output pixels per sample */
    size_t padded;      /* c (h + 2p) (w + 2p), one zero-bordered input sample */
    int beta0;          /* small products may overwrite C by beta = 0 (see gemm_ld) */
} geom;

static inline geom geom_of(const cj_layer *l)
{
    geom g = {l->in.c, l->in.h, l->in.w, l->out.c, l->out.h, l->out.w,
              l->kernel, l->stride, l->padding, 0, 0, 0, 0};
    g.kk = (size_t)g.c * g.k * g.k;
    g.np = (size_t)g.oh * g.ow;
    g.padded = g.p ? (size_t)g.c * (g.h + 2 * g.p) * (g.w + 2 * g.p) : 0;
    g.beta0 = cj_blas_kernel_tier(cj_blas_kernels()) >= 3;
    return g;
}

/* Samples per chunk for `per_sample` floats each; depends only on the layer
 * (and is capped by batch), so scratch sized for the largest batch also
 * fits every smaller one. */
static inline int chunk_samples(size_t target, size_t per_sample, int batch)
{
    size_t n = target / per_sample;
    if (n < 1) n = 1;
    return n < (size_t)batch ? (int)n : batch;
}

static inline size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

/* c[m x n] = a b, plus c itself when `accumulate`, with c's rows ldc
 * floats apart. For beta = 0 OpenBLAS 0.3.21 first zeroes C with one scalar
 * store per float on most of its kernel sets (7% of an MNIST CNN's training
 * step on Zen 3), so C is zeroed by memset and multiplied with beta = 1.
 * Its AVX-512 kernel sets (g->beta0) multiply products of up to about 10^6
 * m n k by small-matrix kernels that write C directly for beta = 0: 12-18%
 * faster than memset and beta = 1 on the Winograd and im2col shapes of that
 * CNN on an AVX-512 Xeon, where larger products were 6-9% slower so
 * (docs/benchmarks.md). */
static inline void gemm_ld(const geom *g, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k,
                           const float *a, int lda, const float *b, int ldb, float *c, int ldc,
                           int accumulate)
{
    float beta = 1.0f;
    if (!accumulate) {
        if (g->beta0 && (double)m * n * k <= 1e6) beta = 0.0f;
        else if (ldc == n) memset(c, 0, sizeof(float) * (size_t)m * n);
        else
            for (int i = 0; i < m; i++) memset(c + (size_t)i * ldc, 0, sizeof(float) * (size_t)n);
    }
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}

/* The same with c's rows n floats apart. */
static inline void gemm(const geom *g, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k,
                        const float *a, int lda, const float *b, int ldb, float *c, int accumulate)
{
    gemm_ld(g, ta, tb, m, n, k, a, lda, b, ldb, c, n, accumulate);
}

/* ---- Winograd F(2x2, r x r), src/nn/winograd.c ------------------------ */

typedef struct winograd winograd;

/* The Winograd transform for this layer, or NULL when im2col should run
 * (strided, thin or kernels other than 3x3 and 5x5). */
const winograd *cj_winograd_for(const geom *g);
size_t cj_winograd_scratch_floats(const geom *g, const winograd *wg, int batch);
void cj_winograd_forward(const geom *g, const winograd *wg, const float *weight, const float *bias,
                         const float *in, float *out, int batch, float *scratch);
void cj_winograd_backward(const geom *g, const winograd *wg, const float *in, const float *dout,
                          const float *feedback, float *dweight, float *din, int batch,
                          float *scratch);

#endif
