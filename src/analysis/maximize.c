/* maximize.c — activation maximisation by gradient ascent on the input
 * (include/cajal/maximize.h): jitter, the L2 term, Adam or normalised
 * steps, the box, and a Gaussian blur every k steps, for a batch of units
 * at once with every buffer allocated before the first step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/maximize.h"

void cj_maximize_defaults(cj_maximize_opts *o)
{
    *o = (cj_maximize_opts){.steps = 256, .lr = 0.05f, .l2 = 0.0f, .jitter = 1, .blur_sigma = 0.5f,
                            .blur_every = 4, .init_std = 0.01f, .lo = -INFINITY, .hi = INFINITY,
                            .start_image = NULL, .seed = 1, .optim = CJ_MAXIMIZE_ADAM, .at = CJ_MAXIMIZE_MEAN};
}

/* ---- the objective and its gradient -------------------------------------- */

/* Where unit u's values sit in one sample of layer L's output, and how many
 * (one for the centre position, every position for the mean). */
static size_t unit_first(const cj_layer *l, int u, cj_maximize_at at, int *count)
{
    size_t plane = (size_t)l->out.h * l->out.w, first = (size_t)u * plane;
    if (at == CJ_MAXIMIZE_CENTRE) {
        *count = 1;
        return first + (size_t)(l->out.h / 2) * l->out.w + l->out.w / 2;
    }
    *count = (int)plane;
    return first;
}

void cj_maximize_activation(const cj_model *m, int layer, const int *units, int B, cj_maximize_at at, float *a)
{
    const cj_layer *l = &m->layers[layer];
    size_t size = cj_shape_size(l->out);
    const float *out = m->acts[layer + 1];
    for (int b = 0; b < B; b++) {
        int count;
        const float *v = out + b * size + unit_first(l, units[b], at, &count);
        double s = 0.0;
        for (int k = 0; k < count; k++) s += v[k];
        a[b] = (float)(s / count);
    }
}

/* dJ/d(layer L's output) for each sample: 1/count at the unit's values,
 * zero elsewhere; then back to the input (m->dacts[0]). */
static void backward_to_input(cj_model *m, int layer, const int *units, int B, cj_maximize_at at)
{
    const cj_layer *l = &m->layers[layer];
    size_t size = cj_shape_size(l->out);
    float *d = m->dacts[layer + 1];
    memset(d, 0, sizeof(float) * B * size);
    for (int b = 0; b < B; b++) {
        int count;
        float *v = d + b * size + unit_first(l, units[b], at, &count);
        for (int k = 0; k < count; k++) v[k] = 1.0f / (float)count;
    }
    cj_model_backward_input(m, layer);
}

void cj_maximize_gradient(cj_model *m, int layer, const int *units, int B, cj_maximize_at at, const float *x,
                          float *a, float *grad)
{
    cj_model_forward(m, x, B);
    cj_maximize_activation(m, layer, units, B, at, a);
    backward_to_input(m, layer, units, B, at);
    memcpy(grad, m->dacts[0], sizeof(float) * B * cj_shape_size(m->input));
}

/* ---- the pieces of a step ------------------------------------------------ */

void cj_maximize_roll(float *restrict dst, const float *restrict src, cj_shape s, int dy, int dx, int back)
{
    int H = s.h, W = s.w;
    dy = ((dy % H) + H) % H;
    dx = ((dx % W) + W) % W;
    for (int c = 0; c < s.c; c++) {
        const float *sp = src + (size_t)c * H * W;
        float *dp = dst + (size_t)c * H * W;
        for (int y = 0; y < H; y++) {
            int yr = (y + dy) % H;
            for (int x = 0; x < W; x++) {
                int xr = (x + dx) % W;
                if (back) dp[(size_t)y * W + x] = sp[(size_t)yr * W + xr];
                else dp[(size_t)yr * W + xr] = sp[(size_t)y * W + x];
            }
        }
    }
}

static void clip(float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) x[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
}

/* Gaussian weights w_k ∝ exp(-k^2 / (2 sigma^2)), k = -r..r, summing to 1. */
static int gauss_radius(float sigma) { return sigma > 0 ? (int)ceilf(3.0f * sigma) : 0; }

static void gauss_kernel(float sigma, int r, float *w)
{
    double sum = 0.0;
    for (int k = -r; k <= r; k++) sum += w[k + r] = (float)exp(-(double)k * k / (2.0 * sigma * sigma));
    for (int k = 0; k <= 2 * r; k++) w[k] = (float)(w[k] / sum);
}

/* Blur each channel of x [C, H, W] in place, rows then columns, edges
 * repeated (the blur then keeps a box: each pixel is a weighted mean). */
static void blur(float *x, cj_shape s, const float *w, int r, float *tmp)
{
    int H = s.h, W = s.w;
    for (int c = 0; c < s.c; c++) {
        float *p = x + (size_t)c * H * W;
        for (int y = 0; y < H; y++)
            for (int xx = 0; xx < W; xx++) {
                float acc = 0.0f;
                for (int k = -r; k <= r; k++) {
                    int j = xx + k < 0 ? 0 : xx + k >= W ? W - 1 : xx + k;
                    acc += w[k + r] * p[(size_t)y * W + j];
                }
                tmp[(size_t)y * W + xx] = acc;
            }
        for (int y = 0; y < H; y++)
            for (int xx = 0; xx < W; xx++) {
                float acc = 0.0f;
                for (int k = -r; k <= r; k++) {
                    int i = y + k < 0 ? 0 : y + k >= H ? H - 1 : y + k;
                    acc += w[k + r] * tmp[(size_t)i * W + xx];
                }
                p[(size_t)y * W + xx] = acc;
            }
    }
}

/* ---- the run ----------------------------------------------------------- */

/* Everything a batch of units needs, allocated once. */
typedef struct {
    int B;
    size_t D;                 /* input floats per sample */
    float *x, *g, *m1, *v;    /* [B, D]: images, gradient, Adam's moments */
    float *a;                 /* [B] */
    float *tmp, *kernel;      /* [H * W], [2r + 1] */
    int radius;
    cj_rng *rng;              /* [B] */
    int *dy, *dx;             /* [B] this step's jitter */
} work;

static void work_free(work *w)
{
    free(w->x);
    free(w->a);
    free(w->rng);
    free(w->dy);
    memset(w, 0, sizeof *w);
}

static cj_status work_alloc(work *w, const cj_model *m, const cj_maximize_opts *o, cj_error *err)
{
    memset(w, 0, sizeof *w);
    w->B = m->max_batch;
    w->D = cj_shape_size(m->input);
    w->radius = o->blur_sigma > 0 ? gauss_radius(o->blur_sigma) : 0;
    size_t plane = (size_t)m->input.h * m->input.w, big = (size_t)w->B * w->D;
    /* One block for the floats: 4 [B, D] arrays, the blur's row buffer and kernel. */
    w->x = malloc(sizeof(float) * (4 * big + plane + 2 * (size_t)w->radius + 1));
    w->a = malloc(sizeof(float) * w->B);
    w->rng = malloc(sizeof(cj_rng) * w->B);
    w->dy = malloc(sizeof(int) * 2 * w->B);
    if (!w->x || !w->a || !w->rng || !w->dy) {
        work_free(w);
        return cj_fail(err, CJ_ERR_NOMEM, "maximize: out of memory for %d images of %zu inputs", m->max_batch, w->D);
    }
    w->g = w->x + big;
    w->m1 = w->g + big;
    w->v = w->m1 + big;
    w->tmp = w->v + big;
    w->kernel = w->tmp + plane;
    w->dx = w->dy + w->B;
    if (w->radius) gauss_kernel(o->blur_sigma, w->radius, w->kernel);
    return CJ_OK;
}

static cj_status check_opts(const cj_maximize_opts *o, cj_error *err)
{
    if (o->steps < 1) return cj_fail(err, CJ_ERR_ARG, "maximize: steps %d must be at least 1", o->steps);
    if (!(o->lr > 0) || !isfinite(o->lr))
        return cj_fail(err, CJ_ERR_ARG, "maximize: lr %g must be a finite number > 0", o->lr);
    if (!(o->l2 >= 0) || !isfinite(o->l2))
        return cj_fail(err, CJ_ERR_ARG, "maximize: l2 %g must be a finite number >= 0", o->l2);
    if (o->jitter < 0 || o->jitter > 4096)
        return cj_fail(err, CJ_ERR_ARG, "maximize: jitter %d must be from 0 to 4096 px", o->jitter);
    if (!(o->blur_sigma >= 0) || o->blur_sigma > 64)
        return cj_fail(err, CJ_ERR_ARG, "maximize: blur sigma %g must be from 0 to 64 px", o->blur_sigma);
    if (o->blur_every < 1) return cj_fail(err, CJ_ERR_ARG, "maximize: blur every %d steps: must be at least 1",
                                          o->blur_every);
    if (!(o->init_std >= 0) || !isfinite(o->init_std))
        return cj_fail(err, CJ_ERR_ARG, "maximize: init_std %g must be a finite number >= 0", o->init_std);
    if (isnan(o->lo) || isnan(o->hi) || !(o->lo < o->hi) || o->lo == INFINITY || o->hi == -INFINITY)
        return cj_fail(err, CJ_ERR_ARG, "maximize: the box [%g, %g] must have lo < hi", o->lo, o->hi);
    return CJ_OK;
}

/* The odd constant spreads neighbouring units' seeds (splitmix64 seeding
 * makes close seeds independent anyway). */
void cj_maximize_unit_rng(uint64_t seed, int unit, cj_rng *rng)
{
    cj_rng_seed(rng, seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(unit + 1)));
}

/* One step for the B images in w: jitter, forward, backward, L2, update,
 * box; the objective (on the jittered input) into w->a. */
static void step(cj_model *m, int layer, const int *units, int B, const cj_maximize_opts *o, work *w, int t)
{
    size_t D = w->D;
    for (int b = 0; b < B; b++) {
        uint32_t span = 2u * (uint32_t)o->jitter + 1u;
        w->dy[b] = o->jitter ? (int)cj_rng_below(&w->rng[b], span) - o->jitter : 0;
        w->dx[b] = o->jitter ? (int)cj_rng_below(&w->rng[b], span) - o->jitter : 0;
        cj_maximize_roll(m->acts[0] + b * D, w->x + b * D, m->input, w->dy[b], w->dx[b], 0);
    }
    cj_model_forward(m, m->acts[0], B);
    cj_maximize_activation(m, layer, units, B, o->at, w->a);
    backward_to_input(m, layer, units, B, o->at);
    /* Adam's bias corrections for step t + 1 (Kingma & Ba 2015, Alg. 1). */
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    float c1 = 1.0f - powf(b1, (float)(t + 1)), c2 = 1.0f - powf(b2, (float)(t + 1));
    for (int b = 0; b < B; b++) {
        float *x = w->x + b * D, *g = w->g + b * D;
        cj_maximize_roll(g, m->dacts[0] + b * D, m->input, w->dy[b], w->dx[b], 1);
        /* d/dx of -l2 ||x||^2 */
        for (size_t i = 0; i < D; i++) g[i] -= 2.0f * o->l2 * x[i];
        if (o->optim == CJ_MAXIMIZE_ADAM) {
            float *m1 = w->m1 + b * D, *v = w->v + b * D;
            for (size_t i = 0; i < D; i++) {
                m1[i] = b1 * m1[i] + (1.0f - b1) * g[i];
                v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
                x[i] += o->lr * (m1[i] / c1) / (sqrtf(v[i] / c2) + eps);
            }
        } else {
            double s = 0.0;
            for (size_t i = 0; i < D; i++) s += fabsf(g[i]);
            float scale = o->lr / (float)(s / D + 1e-12);
            for (size_t i = 0; i < D; i++) x[i] += scale * g[i];
        }
        clip(x, D, o->lo, o->hi);
        if (w->radius && (t + 1) % o->blur_every == 0) {
            blur(x, m->input, w->kernel, w->radius, w->tmp);
            clip(x, D, o->lo, o->hi);
        }
    }
}

static cj_status check_finite(const work *w, int B, const int *units, int layer, int t, cj_error *err)
{
    for (int b = 0; b < B; b++)
        if (!isfinite(w->a[b]))
            return cj_fail(err, CJ_ERR_NUMERIC, "maximize: layer %d unit %d: the activation is %g at step %d (try a "
                           "smaller lr)", layer, units[b], w->a[b], t);
    return CJ_OK;
}

/* The objective of the B images in w as they are (no jitter) into out. */
static void evaluate(cj_model *m, int layer, const int *units, int B, cj_maximize_at at, const work *w, float *out)
{
    cj_model_forward(m, w->x, B);
    cj_maximize_activation(m, layer, units, B, at, out);
}

static cj_status run_batch(cj_model *m, int layer, const int *units, int B, const cj_maximize_opts *o, work *w,
                           cj_maximize_result *r, int first, long *done, long total, cj_error *err)
{
    size_t D = w->D;
    for (int b = 0; b < B; b++) {
        cj_maximize_unit_rng(o->seed, units[b], &w->rng[b]);
        float *x = w->x + b * D;
        cj_rng_fill_normal(&w->rng[b], x, D, o->init_std);
        if (o->start_image)
            for (size_t i = 0; i < D; i++) x[i] += o->start_image[i];
    }
    clip(w->x, (size_t)B * D, o->lo, o->hi);
    memset(w->m1, 0, sizeof(float) * B * D);
    memset(w->v, 0, sizeof(float) * B * D);
    if (r->start) evaluate(m, layer, units, B, o->at, w, r->start + first);
    for (int t = 0; t < o->steps; t++) {
        step(m, layer, units, B, o, w, t);
        cj_status st = check_finite(w, B, units, layer, t, err);
        if (st) return st;
        if (r->trace)
            for (int b = 0; b < B; b++) r->trace[(size_t)(first + b) * o->steps + t] = w->a[b];
        *done += B;
        if (r->progress && r->progress(r->user, *done, total))
            return cj_fail(err, CJ_ERR_INTERRUPTED, "maximize: stopped at step %d of %d", t + 1, o->steps);
    }
    evaluate(m, layer, units, B, o->at, w, w->a);
    cj_status st = check_finite(w, B, units, layer, o->steps, err);
    if (st) return st;
    if (r->final) memcpy(r->final + first, w->a, sizeof(float) * B);
    memcpy(r->images + (size_t)first * D, w->x, sizeof(float) * B * D);
    return CJ_OK;
}

cj_status cj_maximize(cj_model *m, int layer, const int *units, int n_units, const cj_maximize_opts *o,
                      cj_maximize_result *r, cj_error *err)
{
    cj_status st = cj_maximize_check(m, layer, units, n_units, err);
    if (!st) st = check_opts(o, err);
    if (st) return st;
    if (!r || !r->images) return cj_fail(err, CJ_ERR_ARG, "maximize: no buffer for the images");
    work w;
    if ((st = work_alloc(&w, m, o, err))) return st;
    long done = 0, total = (long)o->steps * n_units;
    for (int first = 0; first < n_units && !st; first += w.B) {
        int B = n_units - first < w.B ? n_units - first : w.B;
        st = run_batch(m, layer, units + first, B, o, &w, r, first, &done, total, err);
    }
    work_free(&w);
    return st;
}

cj_status cj_maximize_data_stats(cj_model *m, int layer, const int *units, int n_units, cj_maximize_at at,
                                 const float *x, int n, float *mean, float *max, int *argmax, cj_error *err)
{
    cj_status st = cj_maximize_check(m, layer, units, n_units, err);
    if (st) return st;
    if (n < 1) return cj_fail(err, CJ_ERR_ARG, "maximize: no inputs to measure the units on");
    const cj_layer *l = &m->layers[layer];
    size_t D = cj_shape_size(m->input), size = cj_shape_size(l->out);
    double *sum = calloc((size_t)n_units, sizeof(double));
    float *best = malloc(sizeof(float) * n_units);
    int *at_best = malloc(sizeof(int) * n_units);
    if (!sum || !best || !at_best) {
        free(sum);
        free(best);
        free(at_best);
        return cj_fail(err, CJ_ERR_NOMEM, "maximize: out of memory for %d units", n_units);
    }
    for (int k = 0; k < n_units; k++) best[k] = -INFINITY, at_best[k] = -1;
    for (int first = 0; first < n; first += m->max_batch) {
        int B = n - first < m->max_batch ? n - first : m->max_batch;
        cj_model_forward(m, x + (size_t)first * D, B);
        const float *acts = m->acts[layer + 1];
        for (int k = 0; k < n_units; k++)
            for (int b = 0; b < B; b++) {
                int count;
                const float *v = acts + b * size + unit_first(l, units[k], at, &count);
                double s = 0.0;
                for (int j = 0; j < count; j++) s += v[j];
                float a = (float)(s / count);
                sum[k] += a;
                if (a > best[k]) best[k] = a, at_best[k] = first + b;
            }
    }
    for (int k = 0; k < n_units; k++) {
        if (mean) mean[k] = (float)(sum[k] / n);
        if (max) max[k] = best[k];
        if (argmax) argmax[k] = at_best[k];
    }
    free(sum);
    free(best);
    free(at_best);
    return CJ_OK;
}
