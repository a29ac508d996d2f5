/* conv2d.c — 2-D convolution (torch.nn.Conv2d: NCHW, weight [O, C, k, k],
 * bias [O], stride s, zero padding p), computed as matrix products.
 *
 *   out[b, o, y, x] = bias[o] + sum_{c,i,j} W[o, c, i, j] in[b, c, y s - p + i, x s - p + j]
 *
 * F below is the feedback matrix, which takes W's place in the input
 * gradient (the weight itself for backprop). Two algorithms;
 * cj_winograd_for() (src/nn/winograd.c) picks one per layer from its shape
 * alone.
 *
 * im2col (any layer). im2col unrolls a chunk of n samples into col[K, n P]
 * (K = C k k rows, one per weight column; n P columns, one per output pixel
 * of every sample, P = OH OW); each product then takes sample b's P columns
 * col_b of it, so that out and dout are read and written in place:
 *
 *   forward   out_b[O, P] = [W | bias][O, K + 1] [col_b ; 1][K + 1, P]
 *   backward  dW[O, K]   += dout_b[O, P] col_b[K, P]^T
 *             dcol_b[K, P] = F[O, K]^T dout_b[O, P]   then col2im adds dcol into din
 *
 * (One product over the whole chunk needed out regrouped as [O, n, P] and
 * back: a copy that took 2% of an MNIST CNN's step.)
 *
 * Chunks are sized to stay in the per-core cache rather than to make the
 * products as large as possible: a whole batch of 64 through a 32->64
 * channel 5x5 layer on 14x14 maps needs a 40 MB col buffer, and streaming
 * it through memory cost more than the larger products gained.
 *
 * Winograd (stride 1, 3x3 or 5x5 kernels, at least WINOGRAD_MIN_CHANNELS
 * channels in and out). Minimal filtering F(2x2, r x r) (Lavin & Gray,
 * "Fast algorithms for convolutional neural networks", CVPR 2016) computes
 * each 2x2 block of outputs, a tile, from the t x t input patch under it
 * (t = r + 1):
 *
 *   Y_tile[o] = A^T ( sum_c U[o, c] .* V_tile[c] ) A,   U[o, c] = G W[o, c] G^T,
 *                                                        V_tile[c] = B^T patch[c] B
 *
 * with .* elementwise over the t^2 positions xi of a t x t matrix. For each
 * xi the sum over c is one product over all tiles T of a chunk, and the
 * backward pass is the exact adjoint of the forward one, which is linear
 * in U and in V:
 *
 *   forward   M_xi[T, O]   = V_xi[T, C] U_xi[C, O]      then Y = A^T M A per tile
 *   backward  dM_tile      = A dY_tile A^T
 *             dU_xi[C, O] += V_xi[T, C]^T dM_xi[T, O]   then dW[o, c] = G^T dU[c, o] G
 *             dV_xi[T, C]  = dM_xi[T, O] UF_xi[C, O]^T  then din = sum over tiles of B dV B^T
 *
 * (UF: U of F.) The products take t^2 / 4 multiplications per output and
 * channel pair instead of r^2: 9 instead of 25 for 5x5 kernels, 4 instead
 * of 9 for 3x3. The transforms cost a few passes over data t^2 / 4 times
 * the size of the maps; they work channels last ([xi][tile][channel]): one
 * kernel takes each tile 16 channels at a time as vectors, with the
 * constant matrix compiled into it.
 * For the MNIST CNN's 32->64 channel 5x5 layer (batch 64, 14x14, one Zen 3
 * core, inside the training step) this took the forward pass from 25 to
 * 15 ms and the backward pass from 55 to 27 ms (docs/benchmarks.md).
 *
 * Precision. Measured against float64 sums on that layer, relative to the
 * largest value: outputs 1.2e-6 and input gradients 1.1e-6 (im2col: 5e-7
 * and 2e-7), weight gradients 4-6e-6 (im2col: 4e-7). The weight gradient
 * sums large terms that G^T . G then mostly cancels, so float rounding in
 * dU shows; it is still float32 noise for training, and within the 1e-5
 * tolerance of tests/test_layers.c. The interpolation points matter: for
 * 5x5, {0, 1, -1, 1/2, -2, inf} gives those numbers, the common
 * {0, +-1, +-2, inf} two to three times more. 3x3 layers stay at im2col's
 * level (~2e-7). */
#include <cblas.h>
#include <string.h>

#include <math.h>

#include "conv2d_internal.h"
#include "window.h"

/* ---- im2col ----------------------------------------------------------- */

static int im2col_chunk(const geom *g, int batch)
{
    return chunk_samples(CHUNK_TARGET_FLOATS, (g->kk + 1) * g->np + g->padded, batch);
}

static size_t im2col_floats(const geom *g, int batch)  /* see carve() */
{
    return (size_t)im2col_chunk(g, batch) * ((g->kk + 1) * g->np + g->padded) +
           (size_t)g->o * (g->kk + 1);
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

/* Scratch layout for a chunk of n samples: col [K + 1, nP] (the forward
 * pass's last row all ones), then the padded input, then [W | bias]
 * [O, K + 1]. The products take one sample's P columns of col at a time, so
 * they read and write out / dout [n, O, P] in place. */
typedef struct {
    float *col, *pad, *wb;
} buffers;

static buffers carve(float *scratch, const geom *g, int chunk)
{
    buffers s;
    s.col = scratch;
    s.pad = s.col + (size_t)chunk * (g->kk + 1) * g->np;
    s.wb = s.pad + (size_t)chunk * g->padded;
    return s;
}

static void im2col_forward(const geom *g, const float *weight, const float *bias, const float *in,
                           float *out, int batch, float *scratch)
{
    int chunk = im2col_chunk(g, batch);
    buffers sb = carve(scratch, g, chunk);
    size_t in_size = (size_t)g->c * g->h * g->w, out_size = (size_t)g->o * g->np;
    for (int o = 0; o < g->o; o++) {
        memcpy(sb.wb + (size_t)o * (g->kk + 1), weight + (size_t)o * g->kk, sizeof(float) * g->kk);
        sb.wb[(size_t)o * (g->kk + 1) + g->kk] = bias[o];
    }
    for (int b0 = 0; b0 < batch; b0 += chunk) {
        int n = batch - b0 < chunk ? batch - b0 : chunk;
        size_t cols = (size_t)n * g->np;
        im2col(pad_input(in + (size_t)b0 * in_size, sb.pad, n, g), sb.col, n, g);
        float *ones = sb.col + g->kk * cols;
        for (size_t q = 0; q < cols; q++) ones[q] = 1.0f;
        /* out_b = [W | bias] [col_b ; 1]: the bias rides in the product, so
         * out is written once (filling it with the bias first was a pass of
         * its own over the layer's output, 2.6% of an MNIST CNN's step) */
        for (int b = 0; b < n; b++)
            gemm(g, CblasNoTrans, CblasNoTrans, g->o, (int)g->np, (int)g->kk + 1, sb.wb, (int)g->kk + 1,
                 sb.col + (size_t)b * g->np, (int)cols, out + (size_t)(b0 + b) * out_size, 0);
    }
}

/* dweight (when not NULL) and din (when not NULL) by the products above. */
static void im2col_backward(const geom *g, const float *in, const float *dout,
                            const float *feedback, float *dweight, float *din, int batch,
                            float *scratch)
{
    int chunk = im2col_chunk(g, batch);
    buffers sb = carve(scratch, g, chunk);
    size_t in_size = (size_t)g->c * g->h * g->w, out_size = (size_t)g->o * g->np;
    for (int b0 = 0; b0 < batch; b0 += chunk) {
        int n = batch - b0 < chunk ? batch - b0 : chunk;
        size_t cols = (size_t)n * g->np;
        const float *dy = dout + (size_t)b0 * out_size;
        if (dweight) {
            im2col(pad_input(in + (size_t)b0 * in_size, sb.pad, n, g), sb.col, n, g);
            for (int b = 0; b < n; b++)
                gemm(g, CblasNoTrans, CblasTrans, g->o, (int)g->kk, (int)g->np, dy + b * out_size,
                     (int)g->np, sb.col + (size_t)b * g->np, (int)cols, dweight, b0 + b > 0);
        }
        if (din) {
            /* col is free again: reuse it for dcol. */
            for (int b = 0; b < n; b++)
                gemm_ld(g, CblasTrans, CblasNoTrans, (int)g->kk, (int)g->np, g->o, feedback,
                        (int)g->kk, dy + b * out_size, (int)g->np, sb.col + (size_t)b * g->np,
                        (int)cols, 0);
            col2im(sb.col, sb.pad, din + (size_t)b0 * in_size, n, g);
        }
    }
}

/* ---- the layer -------------------------------------------------------- */

size_t cj_conv2d_scratch_floats(const cj_layer *l, int batch)
{
    geom g = geom_of(l);
    const winograd *wg = cj_winograd_for(&g);
    return wg ? cj_winograd_scratch_floats(&g, wg, batch) : im2col_floats(&g, batch);
}

void cj_conv2d_forward(const cj_layer *l, const float *in, float *out, int batch, float *scratch)
{
    geom g = geom_of(l);
    const winograd *wg = cj_winograd_for(&g);
    const float *weight = l->params[0].data, *bias = l->params[1].data;
    if (wg) cj_winograd_forward(&g, wg, weight, bias, in, out, batch, scratch);
    else im2col_forward(&g, weight, bias, in, out, batch, scratch);
}

/* dbias[o] = sum over samples and pixels of dout[b, o, :]. A single running
 * sum would be a chain of dependent adds that the compiler may not reorder
 * (1.6 M of them per step in an MNIST CNN's first layer, ~2 ms); LANES
 * independent partial sums vectorise. */
enum { LANES = 8 };

static void bias_grad(float *restrict dbias, const float *restrict dout, int batch, const geom *g)
{
    for (int o = 0; o < g->o; o++) {
        float part[LANES] = {0}, rest = 0.0f;
        for (int b = 0; b < batch; b++) {
            const float *restrict d = dout + ((size_t)b * g->o + o) * g->np;
            size_t q = 0;
            for (; q + LANES <= g->np; q += LANES)
                for (int k = 0; k < LANES; k++) part[k] += d[q + k];
            for (; q < g->np; q++) rest += d[q];
        }
        for (int k = 0; k < LANES; k++) rest += part[k];
        dbias[o] = rest;
    }
}

void cj_conv2d_backward(const cj_layer *l, const float *in, const float *dout,
                        const float *feedback, float *din, int batch, float *scratch)
{
    geom g = geom_of(l);
    const winograd *wg = cj_winograd_for(&g);
    float *dweight = l->params[0].grad, *dbias = l->params[1].grad;
    if (dbias) bias_grad(dbias, dout, batch, &g);
    if (!dweight && !din) return;
    if (wg) cj_winograd_backward(&g, wg, in, dout, feedback, dweight, din, batch, scratch);
    else im2col_backward(&g, in, dout, feedback, dweight, din, batch, scratch);
}

/* "conv2d 32 kernel=5 stride=1 padding=2" (torch.nn.Conv2d). */
static cj_status conv2d_parse(cj_layer *l, cj_spec_args *a, cj_error *err)
{
    cj_status st = cj_spec_count(a, 1, 0, "number of outputs", &l->units, err);
    return st ? st : cj_window_parse(l, a, 3, 1, err);
}

static cj_status conv2d_setup(cj_layer *l, cj_error *err)
{
    l->out.c = l->units;
    cj_status st = cj_window_setup(l, 0, err);
    if (st) return st;
    /* The weight [out, in, k, k] and im2col's per-sample columns [in k k, oh ow]. */
    double kk = (double)l->in.c * l->kernel * l->kernel;
    if (kk * l->units > CJ_MAX_ELEMENTS)
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (Conv2d): weight %dx%dx%lld is more than %u elements", l->index,
                       l->units, l->in.c, (long long)l->kernel * l->kernel, CJ_MAX_ELEMENTS);
    if (kk * l->out.h * l->out.w > CJ_MAX_ELEMENTS)
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (Conv2d): unfolded input %.0fx%dx%d is more than %u elements",
                       l->index, kk, l->out.h, l->out.w, CJ_MAX_ELEMENTS);
    float bound = 1.0f / sqrtf((float)kk);
    cj_layer_add_param(l, "weight", CJ_PARAM_WEIGHT, bound, 4, (int[]){l->units, l->in.c, l->kernel, l->kernel});
    cj_layer_add_param(l, "bias", CJ_PARAM_BIAS, bound, 1, (int[]){l->units});
    return CJ_OK;
}

/* Scratch for the products, plus room to keep the gradients already
 * summed when a chunk of truncated BPTT must add to them (both products
 * overwrite). */
static size_t conv2d_scratch(const cj_layer *l, int T, int B)
{
    return cj_conv2d_scratch_floats(l, T * B) + cj_layer_param_count(l);
}

static void conv2d_layer_forward(cj_layer *l, const cj_pass *p)
{
    cj_conv2d_forward(l, p->in, p->out, p->T * p->B, p->scratch);
}

static void conv2d_layer_backward(cj_layer *l, const cj_pass *p)
{
    int rows = p->T * p->B;
    const float *fb = p->feedback && p->feedback[0] ? p->feedback[0] : l->params[0].data;
    cj_param *w = &l->params[0], *b = &l->params[1];
    float *kept = p->scratch + cj_conv2d_scratch_floats(l, rows);
    if (p->accumulate) {
        memcpy(kept, w->grad, sizeof(float) * w->n);
        memcpy(kept + w->n, b->grad, sizeof(float) * b->n);
    }
    cj_conv2d_backward(l, p->in, p->dout, fb, p->din, rows, p->scratch);
    if (p->accumulate) {
        for (size_t i = 0; i < w->n; i++) w->grad[i] += kept[i];
        for (size_t i = 0; i < b->n; i++) b->grad[i] += kept[w->n + i];
    }
}

const cj_layer_ops cj_conv2d_ops = {
    .word = "conv2d",
    .alias = "conv",
    .torch_name = "Conv2d",
    .options = "kernel, stride, padding",
    .parse = conv2d_parse,
    .setup = conv2d_setup,
    .scratch_floats = conv2d_scratch,
    .forward = conv2d_layer_forward,
    .backward = conv2d_layer_backward,
};
