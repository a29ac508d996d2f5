/* conv2d.c — 2-D convolution (torch.nn.Conv2d: NCHW, weight [O, C, k, k],
 * bias [O], stride s, zero padding p), computed as matrix products.
 *
 *   out[b, o, y, x] = bias[o] + sum_{c,i,j} W[o, c, i, j] in[b, c, y s - p + i, x s - p + j]
 *
 * im2col unrolls a chunk of n samples into col[K, n P] (K = C k k rows, one
 * per weight column; n P columns, one per output pixel of every sample, P =
 * OH OW), so each product is a single sgemm over the whole chunk:
 *
 *   forward   Y[O, nP]  = W[O, K] col[K, nP]         then out[b, o, :] = Y[o, b, :] + bias[o]
 *   backward  dW[O, K] += dY[O, nP] col[K, nP]^T      (dY = dout regrouped as [O, n, P])
 *             dcol[K, nP] = F[O, K]^T dY[O, nP]       then col2im adds dcol into din
 *
 * F is the feedback matrix (the weight itself for backprop).
 *
 * Chunks are sized to stay in the per-core cache rather than to make the
 * products as large as possible: a whole batch of 64 through a 32->64
 * channel 5x5 layer on 14x14 maps needs a 40 MB col buffer, and streaming
 * it through memory costs more than the larger products gain. Measured on
 * that layer (AMD EPYC Zen 3, OpenBLAS 0.3.21, one thread), forward plus
 * backward took ~60 ms with 1 MB chunks and ~72 ms with the whole batch. */
#include <cblas.h>
#include <string.h>

#include "cajal/layers.h"

/* Target scratch per chunk, in floats (2^18 floats = 1 MB); never less than
 * one sample. -DCHUNK_TARGET_FLOATS=... overrides it for tuning. */
#ifndef CHUNK_TARGET_FLOATS
#define CHUNK_TARGET_FLOATS (1 << 18)
#endif

typedef struct {
    int c, h, w;        /* input plane */
    int o, oh, ow;      /* output plane */
    int k, s, p;        /* kernel, stride, padding */
    size_t kk;          /* K = c k k, rows of col */
    size_t np;          /* P = oh ow, output pixels per sample */
    size_t padded;      /* c (h + 2p) (w + 2p), one zero-bordered input sample */
} geom;

static geom geom_of(const cj_layer *l)
{
    geom g = {l->in.c, l->in.h, l->in.w, l->out.c, l->out.h, l->out.w,
              l->kernel, l->stride, l->padding, 0, 0, 0};
    g.kk = (size_t)g.c * g.k * g.k;
    g.np = (size_t)g.oh * g.ow;
    g.padded = g.p ? (size_t)g.c * (g.h + 2 * g.p) * (g.w + 2 * g.p) : 0;
    return g;
}

/* Samples per chunk; depends only on the layer (and is capped by batch), so
 * scratch sized for the largest batch also fits every smaller one. */
static int chunk_samples(const geom *g, int batch)
{
    size_t per_sample = (g->kk + (size_t)g->o) * g->np + g->padded;
    size_t n = CHUNK_TARGET_FLOATS / per_sample;
    if (n < 1) n = 1;
    return n < (size_t)batch ? (int)n : batch;
}

size_t cj_conv2d_scratch_floats(const cj_layer *l, int batch)
{
    geom g = geom_of(l);
    size_t n = (size_t)chunk_samples(&g, batch);
    size_t y = n > 1 ? n * g.o * g.np : 0;  /* see carve() */
    return n * (g.kk * g.np + g.padded) + y;
}

/* n samples with a zero border, [n, C, H + 2p, W + 2p], so that im2col and
 * col2im need no bounds tests in their inner loops (with 14-wide output
 * rows, per-row edge handling cost more than this copy). Without padding
 * that is the input itself. */
static const float *pad_input(const float *restrict in, float *restrict pad, int n,
                              const geom *g)
{
    if (!g->p) return in;
    int hp = g->h + 2 * g->p, wp = g->w + 2 * g->p;
    for (int pl = 0; pl < n * g->c; pl++) {
        const float *src = in + (size_t)pl * g->h * g->w;
        float *dst = pad + (size_t)pl * hp * wp;
        memset(dst, 0, sizeof(float) * (size_t)g->p * wp);
        for (int y = 0; y < g->h; y++) {
            float *restrict d = dst + (size_t)(y + g->p) * wp;
            const float *restrict r = src + (size_t)y * g->w;
            for (int x = 0; x < g->p; x++) d[x] = 0.0f;
            for (int x = 0; x < g->w; x++) d[g->p + x] = r[x];
            for (int x = g->p + g->w; x < wp; x++) d[x] = 0.0f;
        }
        memset(dst + (size_t)(g->h + g->p) * wp, 0, sizeof(float) * (size_t)g->p * wp);
    }
    return pad;
}

/* Rows of an output plane are short (14 floats in an MNIST CNN's second
 * layer), so per-row loop overhead dominates a plain copy loop. Moving
 * 8-float blocks, the last one overlapping the previous, takes two vector
 * moves per such row; fixed-size memcpy compiles to exactly that. */
enum { BLOCK = 8 };

static inline void copy_row(float *restrict d, const float *restrict r, int len)
{
    if (len < BLOCK) {
        for (int x = 0; x < len; x++) d[x] = r[x];
        return;
    }
    int x = 0;
    for (; x + BLOCK <= len; x += BLOCK) memcpy(d + x, r + x, sizeof(float) * BLOCK);
    if (x < len) memcpy(d + len - BLOCK, r + len - BLOCK, sizeof(float) * BLOCK);
}

/* col[(c k + i) k + j][b P + y OW + x] = pad[b, c, y s + i, x s + j]. */
static void im2col(const float *restrict pad, float *restrict col, int n, const geom *g)
{
    int hp = g->h + 2 * g->p, wp = g->w + 2 * g->p, s = g->s;
    size_t row_len = (size_t)n * g->np;
    for (int c = 0; c < g->c; c++)
        for (int i = 0; i < g->k; i++)
            for (int j = 0; j < g->k; j++) {
                float *row = col + ((size_t)(c * g->k + i) * g->k + j) * row_len;
                for (int b = 0; b < n; b++) {
                    const float *src = pad + ((size_t)b * g->c + c) * hp * wp + (size_t)i * wp + j;
                    float *dst = row + (size_t)b * g->np;
                    for (int y = 0; y < g->oh; y++) {
                        const float *restrict r = src + (size_t)y * s * wp;
                        float *restrict d = dst + (size_t)y * g->ow;
                        if (s == 1)
                            copy_row(d, r, g->ow);
                        else
                            for (int x = 0; x < g->ow; x++) d[x] = r[(size_t)x * s];
                    }
                }
            }
}

/* The adjoint of im2col: every col entry is added back to the padded pixel
 * it was copied from (pixels under several windows collect several terms),
 * then the border is dropped. pad is scratch of pad_input's size. */
static void col2im(const float *restrict col, float *restrict pad, float *restrict din, int n,
                   const geom *g)
{
    int hp = g->h + 2 * g->p, wp = g->w + 2 * g->p, s = g->s;
    size_t row_len = (size_t)n * g->np;
    float *acc = g->p ? pad : din;
    memset(acc, 0, sizeof(float) * (size_t)n * g->c * hp * wp);
    for (int c = 0; c < g->c; c++)
        for (int i = 0; i < g->k; i++)
            for (int j = 0; j < g->k; j++) {
                const float *row = col + ((size_t)(c * g->k + i) * g->k + j) * row_len;
                for (int b = 0; b < n; b++) {
                    float *dst = acc + ((size_t)b * g->c + c) * hp * wp + (size_t)i * wp + j;
                    const float *src = row + (size_t)b * g->np;
                    for (int y = 0; y < g->oh; y++) {
                        float *restrict r = dst + (size_t)y * s * wp;
                        const float *restrict d = src + (size_t)y * g->ow;
                        if (s == 1)
                            for (int x = 0; x < g->ow; x++) r[x] += d[x];
                        else
                            for (int x = 0; x < g->ow; x++) r[(size_t)x * s] += d[x];
                    }
                }
            }
    if (!g->p) return;
    for (int pl = 0; pl < n * g->c; pl++)
        for (int y = 0; y < g->h; y++) {
            const float *restrict r = pad + ((size_t)pl * hp + y + g->p) * wp + g->p;
            float *restrict d = din + ((size_t)pl * g->h + y) * g->w;
            for (int x = 0; x < g->w; x++) d[x] = r[x];
        }
}

/* Scratch layout for a chunk of n samples: col [K, nP], then (for n > 1)
 * Y / dY [O, nP], then the padded input. With one sample per chunk Y has
 * out's own layout, so the products read and write out / dout directly. */
typedef struct {
    float *col, *y, *pad;
} buffers;

static buffers carve(float *scratch, const geom *g, int chunk)
{
    buffers s;
    s.col = scratch;
    s.y = s.col + (size_t)chunk * g->kk * g->np;
    s.pad = s.y + (chunk > 1 ? (size_t)chunk * g->o * g->np : 0);
    return s;
}

void cj_conv2d_forward(const cj_layer *l, const float *in, float *out, int batch, float *scratch)
{
    geom g = geom_of(l);
    int chunk = chunk_samples(&g, batch);
    buffers sb = carve(scratch, &g, chunk);
    size_t in_size = cj_shape_size(l->in), out_size = cj_shape_size(l->out);
    for (int b0 = 0; b0 < batch; b0 += chunk) {
        int n = batch - b0 < chunk ? batch - b0 : chunk;
        size_t cols = (size_t)n * g.np;
        float *o0 = out + (size_t)b0 * out_size, *y = chunk > 1 ? sb.y : o0;
        im2col(pad_input(in + (size_t)b0 * in_size, sb.pad, n, &g), sb.col, n, &g);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.o, (int)cols, (int)g.kk, 1.0f,
                    l->weight, (int)g.kk, sb.col, (int)cols, 0.0f, y, (int)cols);
        /* Y is [O, n, P]; out wants [n, O, P], plus the bias. */
        for (int o = 0; o < g.o; o++) {
            float bo = l->bias[o];
            for (int b = 0; b < n; b++) {
                const float *src = y + o * cols + (size_t)b * g.np;
                float *dst = o0 + (size_t)b * out_size + (size_t)o * g.np;
                for (size_t q = 0; q < g.np; q++) dst[q] = src[q] + bo;  /* src == dst if n == 1 */
            }
        }
    }
}

/* dbias[o] = sum over samples and pixels of dout[b, o, :]. */
static void bias_grad(float *restrict dbias, const float *restrict dout, int batch, const geom *g)
{
    memset(dbias, 0, sizeof(float) * g->o);
    for (int b = 0; b < batch; b++)
        for (int o = 0; o < g->o; o++) {
            const float *restrict d = dout + ((size_t)b * g->o + o) * g->np;
            float sum = 0.0f;
            for (size_t q = 0; q < g->np; q++) sum += d[q];
            dbias[o] += sum;
        }
}

void cj_conv2d_backward(const cj_layer *l, const float *in, const float *dout,
                        const float *feedback, float *din, int batch, float *scratch)
{
    geom g = geom_of(l);
    int chunk = chunk_samples(&g, batch);
    buffers sb = carve(scratch, &g, chunk);
    size_t in_size = cj_shape_size(l->in), out_size = cj_shape_size(l->out);
    if (l->dbias) bias_grad(l->dbias, dout, batch, &g);
    if (!l->dweight && !din) return;
    for (int b0 = 0; b0 < batch; b0 += chunk) {
        int n = batch - b0 < chunk ? batch - b0 : chunk;
        size_t cols = (size_t)n * g.np;
        const float *dy = dout + (size_t)b0 * out_size;
        if (chunk > 1) {
            /* dout [n, O, P] -> dY [O, n, P] */
            for (int o = 0; o < g.o; o++)
                for (int b = 0; b < n; b++)
                    memcpy(sb.y + o * cols + (size_t)b * g.np, dy + (size_t)b * out_size + o * g.np,
                           sizeof(float) * g.np);
            dy = sb.y;
        }
        if (l->dweight) {
            im2col(pad_input(in + (size_t)b0 * in_size, sb.pad, n, &g), sb.col, n, &g);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g.o, (int)g.kk, (int)cols, 1.0f, dy,
                        (int)cols, sb.col, (int)cols, b0 == 0 ? 0.0f : 1.0f, l->dweight, (int)g.kk);
        }
        if (din) {
            /* col is free again: reuse it for dcol. */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)g.kk, (int)cols, g.o, 1.0f,
                        feedback, (int)g.kk, dy, (int)cols, 0.0f, sb.col, (int)cols);
            col2im(sb.col, sb.pad, din + (size_t)b0 * in_size, n, &g);
        }
    }
}
