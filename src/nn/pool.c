/* pool.c — max and average pooling over k x k windows with stride s and
 * padding p (torch.nn.MaxPool2d / AvgPool2d, ceil_mode=False).
 *
 * Every channel of every sample is an independent H x W plane, so both
 * layers loop over batch * C planes. layer.c guarantees p <= k / 2, so every
 * window holds at least one real pixel. */
#include <math.h>
#include <string.h>

#include "window.h"

/* Window rows [*a, *b) of output row y, clipped to the input. */
static void window(int y, int k, int s, int p, int size, int *a, int *b)
{
    int start = y * s - p, end = start + k;
    *a = start < 0 ? 0 : start;
    *b = end > size ? size : end;
}

/* One output pixel's window: input plane `plane` (of batch * C), output
 * position (y, x), input rows [y0, y1) and columns [x0, x1). */
typedef struct {
    size_t plane;
    int y, x, y0, y1, x0, x1;
} pool_window;

/* Call visit for every window of the layer in plane, row, column order:
 * the one loop nest behind the general (any k, s, p) pooling paths. */
static void for_each_window(const cj_layer *l, int batch, void (*visit)(const pool_window *, void *),
                            void *ctx)
{
    int k = l->kernel, s = l->stride, p = l->padding;
    size_t planes = (size_t)batch * l->in.c;
    pool_window win;
    for (win.plane = 0; win.plane < planes; win.plane++)
        for (win.y = 0; win.y < l->out.h; win.y++) {
            window(win.y, k, s, p, l->in.h, &win.y0, &win.y1);
            for (win.x = 0; win.x < l->out.w; win.x++) {
                window(win.x, k, s, p, l->in.w, &win.x0, &win.x1);
                visit(&win, ctx);
            }
        }
}

/* What the visitors below read and write; `in`/`din` are [planes, h, w],
 * `out`/`dout` are [planes, oh, ow]. */
typedef struct {
    const cj_layer *l;
    const float *in, *dout;
    float *out, *din;
    float scale; /* 1 / k^2 for average pooling */
} pool_io;

static size_t in_offset(const pool_io *io, const pool_window *w) { return w->plane * io->l->in.h * io->l->in.w; }

static size_t out_index(const pool_io *io, const pool_window *w)
{
    return (w->plane * io->l->out.h + w->y) * io->l->out.w + w->x;
}

/* Index (in the plane) of the maximum of one window. Padding counts as
 * -inf; ties go to the first maximum in row-major order and NaN wins, as in
 * PyTorch's CPU kernel, which is where the gradient is routed. */
static size_t window_argmax(const float *plane, int w, int y0, int y1, int x0, int x1)
{
    size_t best = (size_t)y0 * w + x0;
    float max = -INFINITY;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            float v = plane[(size_t)y * w + x];
            if (v > max || isnan(v)) {  /* = max_step, plus the index */
                max = v;
                best = (size_t)y * w + x;
            }
        }
    return best;
}

/* One step of the running maximum, with window_argmax's rule. */
static inline float max_step(float max, float v) { return v > max || isnan(v) ? v : max; }

/* 2x2 windows with stride 2 and no padding (the common case), written
 * without the index bookkeeping so the compiler can vectorise along x. */
static void maxpool2_forward(const float *restrict in, float *restrict out, int planes, int h,
                             int w, int oh, int ow)
{
    for (int pl = 0; pl < planes; pl++) {
        const float *src = in + (size_t)pl * h * w;
        float *dst = out + (size_t)pl * oh * ow;
        for (int y = 0; y < oh; y++) {
            const float *r0 = src + (size_t)(2 * y) * w, *r1 = r0 + w;
            float *restrict d = dst + (size_t)y * ow;
            for (int x = 0; x < ow; x++) {
                float m = max_step(r0[2 * x], r0[2 * x + 1]);
                m = max_step(m, r1[2 * x]);
                d[x] = max_step(m, r1[2 * x + 1]);
            }
        }
    }
}

static void maxpool_visit(const pool_window *win, void *ctx)
{
    pool_io *io = ctx;
    const float *src = io->in + in_offset(io, win);
    io->out[out_index(io, win)] = src[window_argmax(src, io->l->in.w, win->y0, win->y1, win->x0, win->x1)];
}

void cj_maxpool_forward(const cj_layer *l, const float *in, float *out, int batch)
{
    int h = l->in.h, w = l->in.w, oh = l->out.h, ow = l->out.w;
    int k = l->kernel, s = l->stride, p = l->padding, planes = batch * l->in.c;
    if (k == 2 && s == 2 && p == 0) {
        maxpool2_forward(in, out, planes, h, w, oh, ow);
        return;
    }
    pool_io io = {.l = l, .in = in, .out = out};
    for_each_window(l, batch, maxpool_visit, &io);
}

/* Backward of maxpool2_forward: each 2x2 window passes its gradient to the
 * first maximum and zero to the other three. The windows tile the input,
 * so there is nothing to accumulate; only an odd last row or column, which
 * no window covers, needs zeroing. The winner is data, so the inner loop is
 * branch-free (branches would mispredict) and vectorises. Its test
 * !(v <= max) differs from window_argmax's only once the running maximum is
 * NaN, so rows whose output holds a NaN take window_argmax instead. */
static void maxpool2_backward(const float *restrict in, const float *restrict out,
                              const float *restrict dout, float *restrict din, int planes, int h,
                              int w, int oh, int ow)
{
    for (int pl = 0; pl < planes; pl++) {
        const float *src = in + (size_t)pl * h * w;
        float *dst = din + (size_t)pl * h * w;
        if (h & 1) memset(dst + (size_t)(h - 1) * w, 0, sizeof(float) * w);
        for (int y = 0; y < oh; y++) {
            const float *restrict r0 = src + (size_t)(2 * y) * w, *restrict r1 = r0 + w;
            float *restrict d0 = dst + (size_t)(2 * y) * w, *restrict d1 = d0 + w;
            const float *restrict gy = dout + ((size_t)pl * oh + y) * ow;
            const float *restrict oy = out + ((size_t)pl * oh + y) * ow;
            int has_nan = 0;
            for (int x = 0; x < ow; x++) has_nan |= oy[x] != oy[x];
            if (has_nan) {
                for (int x = 0; x < ow; x++) {
                    size_t win = window_argmax(src, w, 2 * y, 2 * y + 2, 2 * x, 2 * x + 2);
                    d0[2 * x] = d0[2 * x + 1] = d1[2 * x] = d1[2 * x + 1] = 0.0f;
                    dst[win] = gy[x];
                }
            } else {
                for (int x = 0; x < ow; x++) {
                    float a = r0[2 * x], b = r0[2 * x + 1], c = r1[2 * x], d = r1[2 * x + 1];
                    _Bool tb = !(b <= a);
                    float m = tb ? b : a;
                    _Bool tc = !(c <= m);
                    m = tc ? c : m;
                    _Bool td = !(d <= m);
                    /* hand v down the chain: the last window element that won keeps it */
                    float v = gy[x];
                    d1[2 * x + 1] = td ? v : 0.0f;
                    v = td ? 0.0f : v;
                    d1[2 * x] = tc ? v : 0.0f;
                    v = tc ? 0.0f : v;
                    d0[2 * x + 1] = tb ? v : 0.0f;
                    d0[2 * x] = tb ? 0.0f : v;
                }
            }
            if (w & 1) d0[w - 1] = d1[w - 1] = 0.0f;
        }
    }
}

/* The gradient goes to the window's maximum (windows may overlap: +=). */
static void maxpool_backward_visit(const pool_window *win, void *ctx)
{
    pool_io *io = ctx;
    size_t off = in_offset(io, win);
    size_t at = window_argmax(io->in + off, io->l->in.w, win->y0, win->y1, win->x0, win->x1);
    io->din[off + at] += io->dout[out_index(io, win)];
}

void cj_maxpool_backward(const cj_layer *l, const float *in, const float *out,
                         const float *dout, float *din, int batch)
{
    int h = l->in.h, w = l->in.w, oh = l->out.h, ow = l->out.w;
    int k = l->kernel, s = l->stride, p = l->padding, planes = batch * l->in.c;
    if (k == 2 && s == 2 && p == 0) {
        maxpool2_backward(in, out, dout, din, planes, h, w, oh, ow);
        return;
    }
    memset(din, 0, sizeof(float) * (size_t)planes * h * w);
    pool_io io = {.l = l, .in = in, .dout = dout, .din = din};
    for_each_window(l, batch, maxpool_backward_visit, &io);
}

/* Mean over the window with padding counted as zeros (count_include_pad):
 * the divisor is always k^2, because with ceil_mode off no window reaches
 * past the padded border. */
static void avgpool_visit(const pool_window *win, void *ctx)
{
    pool_io *io = ctx;
    const float *src = io->in + in_offset(io, win);
    int w = io->l->in.w;
    float sum = 0.0f;
    for (int y = win->y0; y < win->y1; y++)
        for (int x = win->x0; x < win->x1; x++) sum += src[(size_t)y * w + x];
    io->out[out_index(io, win)] = sum * io->scale;
}

void cj_avgpool_forward(const cj_layer *l, const float *in, float *out, int batch)
{
    pool_io io = {.l = l, .in = in, .out = out, .scale = 1.0f / (float)(l->kernel * l->kernel)};
    for_each_window(l, batch, avgpool_visit, &io);
}

static void avgpool_backward_visit(const pool_window *win, void *ctx)
{
    pool_io *io = ctx;
    float *dst = io->din + in_offset(io, win);
    int w = io->l->in.w;
    float v = io->dout[out_index(io, win)] * io->scale;
    for (int y = win->y0; y < win->y1; y++)
        for (int x = win->x0; x < win->x1; x++) dst[(size_t)y * w + x] += v;
}

void cj_avgpool_backward(const cj_layer *l, const float *dout, float *din, int batch)
{
    memset(din, 0, sizeof(float) * (size_t)batch * l->in.c * l->in.h * l->in.w);
    pool_io io = {.l = l, .dout = dout, .din = din, .scale = 1.0f / (float)(l->kernel * l->kernel)};
    for_each_window(l, batch, avgpool_backward_visit, &io);
}

/* ---- the layers -------------------------------------------------------------
 * "maxpool 2" or "maxpool kernel=3 stride=2 padding=1"; stride defaults to
 * the kernel, as in PyTorch. */

static cj_status pool_parse(cj_layer *l, cj_spec_args *a, cj_error *err)
{
    cj_status st = cj_spec_count(a, 0, 2, "kernel size", &l->kernel, err);
    return st ? st : cj_window_parse(l, a, 2, 0, err);
}

static cj_status pool_setup(cj_layer *l, cj_error *err)
{
    l->out.c = l->in.c;
    return cj_window_setup(l, 1, err);
}

static void maxpool_layer_forward(cj_layer *l, const cj_pass *p) { cj_maxpool_forward(l, p->in, p->out, p->T * p->B); }

static void maxpool_layer_backward(cj_layer *l, const cj_pass *p)
{
    if (p->din) cj_maxpool_backward(l, p->in, p->out, p->dout, p->din, p->T * p->B);
}

static void avgpool_layer_forward(cj_layer *l, const cj_pass *p) { cj_avgpool_forward(l, p->in, p->out, p->T * p->B); }

static void avgpool_layer_backward(cj_layer *l, const cj_pass *p)
{
    if (p->din) cj_avgpool_backward(l, p->dout, p->din, p->T * p->B);
}

const cj_layer_ops cj_maxpool_ops = {
    .word = "maxpool",
    .torch_name = "MaxPool2d",
    .options = "kernel, stride, padding",
    .parse = pool_parse,
    .setup = pool_setup,
    .forward = maxpool_layer_forward,
    .backward = maxpool_layer_backward,
    .keeps_finite = 1,  /* each output is one of the inputs */
};

const cj_layer_ops cj_avgpool_ops = {
    .word = "avgpool",
    .torch_name = "AvgPool2d",
    .options = "kernel, stride, padding",
    .parse = pool_parse,
    .setup = pool_setup,
    .forward = avgpool_layer_forward,
    .backward = avgpool_layer_backward,
};
