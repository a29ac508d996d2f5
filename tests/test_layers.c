/* test_layers.c — every layer kind against independent references:
 *
 *  - forward passes against naive loops in double (conv2d, pooling) or
 *    known answers (ties, -inf padding, count_include_pad, NaN);
 *  - backward passes against central finite differences of the linear
 *    functional L = sum(r * out) with a fixed random r, so dL/dout = r. L
 *    is summed in double from the float outputs, and the step actually
 *    taken ((float)(x + eps) - (float)(x - eps)) is the denominator;
 *  - the feedback contract: din computed with F equals din computed with
 *    the weight replaced by F, and the parameter gradients ignore F;
 *  - a whole CNN through cj_model_create/forward/backward, and the
 *    messages cj_model_create gives for bad layer lists.
 *
 * Tolerances. Conv2d, dense, avgpool and flatten are linear in the input
 * and in the parameters, and maxpool is piecewise linear (inputs here are
 * spaced further apart than the step), so their differences are exact up to
 * float rounding and use a large step and a 1e-4 tolerance. The smooth
 * activations and the whole model use a small step; their tolerances sit
 * about ten times above the observed rounding and truncation error, far
 * below the O(1) relative error of a wrong index or a missing term. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/layers.h"
#include "cajal/model.h"
#include "cajal/rng.h"
#include "harness.h"

/* ---- helpers ---------------------------------------------------------- */

/* A standalone layer with its own parameter, gradient and scratch buffers
 * (in a model they are views into the model's buffers). */
typedef struct {
    cj_layer l;
    int batch;
    float *in, *out, *r, *din, *scratch;
} rig;

static cj_rng test_rng;

static void rig_init(rig *t, const cj_layer_ops *kind, cj_shape in, int out_c, int kernel, int stride,
                     int padding, int batch)
{
    memset(t, 0, sizeof *t);
    t->l.ops = kind;
    t->l.in = in;
    t->l.units = out_c;
    t->l.kernel = kernel;
    t->l.stride = stride;
    t->l.padding = padding;
    cj_error err;
    if (cj_layer_setup(&t->l, 0, &err) != CJ_OK) {
        printf("  setup failed: %s\n", err.msg);
        exit(1);
    }
    t->batch = batch;
    size_t ni = (size_t)batch * cj_shape_size(t->l.in), no = (size_t)batch * cj_shape_size(t->l.out);
    t->in = malloc(sizeof(float) * ni);
    t->din = malloc(sizeof(float) * ni);
    t->out = malloc(sizeof(float) * no);
    t->r = malloc(sizeof(float) * no);
    /* Exactly the size the layer asks for, so ASan catches any overrun. */
    size_t ns = cj_layer_scratch_floats(&t->l, batch);
    t->scratch = ns ? malloc(sizeof(float) * ns) : NULL;
    cj_rng_fill_normal(&test_rng, t->in, ni, 1.0f);
    cj_rng_fill_normal(&test_rng, t->r, no, 1.0f);
    if (cj_layer_has_params(&t->l)) {
        t->l.params[0].data = malloc(sizeof(float) * t->l.params[0].n);
        t->l.params[0].grad = malloc(sizeof(float) * t->l.params[0].n);
        t->l.params[1].data = malloc(sizeof(float) * t->l.params[1].n);
        t->l.params[1].grad = malloc(sizeof(float) * t->l.params[1].n);
        cj_rng_fill_normal(&test_rng, t->l.params[0].data, t->l.params[0].n, 0.5f);
        cj_rng_fill_normal(&test_rng, t->l.params[1].data, t->l.params[1].n, 0.5f);
    }
}

static void rig_free(rig *t)
{
    free(t->in);
    free(t->din);
    free(t->out);
    free(t->r);
    free(t->scratch);
    free(t->l.params[0].data);
    free(t->l.params[0].grad);
    free(t->l.params[1].data);
    free(t->l.params[1].grad);
}

static size_t rig_out_n(const rig *t) { return (size_t)t->batch * cj_shape_size(t->l.out); }
static size_t rig_in_n(const rig *t) { return (size_t)t->batch * cj_shape_size(t->l.in); }

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

/* L = sum(r * layer(in)). */
static double rig_loss(void *ctx)
{
    rig *t = ctx;
    cj_layer_forward(&t->l, t->in, t->out, t->batch, t->scratch);
    return dot(t->r, t->out, rig_out_n(t));
}

/* Analytic gradients: forward, then backward with dout = r (feedback NULL,
 * i.e. the weight: true backprop). */
static void rig_backward(rig *t, const float *feedback)
{
    cj_layer_forward(&t->l, t->in, t->out, t->batch, t->scratch);
    cj_layer_backward(&t->l, t->in, t->out, t->r, feedback, t->din, t->batch, t->scratch);
}

/* Compare grad[0..n) with central differences of loss() in x[0..n) (every
 * `step`-th element). Fails when |grad - fd| > atol + rtol |fd| anywhere,
 * printing the worst element. When `smooth` is given, it is asked after
 * each perturbed evaluation whether the function stayed on the same smooth
 * piece (e.g. no maxpool argmax moved); elements where it did not are
 * skipped, since a difference across a kink measures nothing. */
static void fd_check_smooth(double (*loss)(void *), int (*smooth)(void *), void *ctx, float *x,
                            const float *grad, size_t n, size_t step, float eps, double atol,
                            double rtol, const char *what)
{
    size_t bad = 0, worst_i = 0, skipped = 0, checked = 0;
    double worst = -1.0, worst_fd = 0.0;
    for (size_t i = 0; i < n; i += step) {
        float x0 = x[i], xp = x0 + eps, xm = x0 - eps;
        x[i] = xp;
        double lp = loss(ctx);
        int ok = !smooth || smooth(ctx);
        x[i] = xm;
        double lm = loss(ctx);
        ok = ok && (!smooth || smooth(ctx));
        x[i] = x0;
        if (!ok) {
            skipped++;
            continue;
        }
        checked++;
        double fd = (lp - lm) / ((double)xp - (double)xm);
        double err = fabs((double)grad[i] - fd), excess = err - (atol + rtol * fabs(fd));
        if (excess > 0 || err != err) bad++;
        if (excess > worst || err != err) {
            worst = err != err ? INFINITY : excess;
            worst_i = i;
            worst_fd = fd;
        }
    }
    if (bad)
        printf("  %s: %zu of %zu gradients off; worst [%zu] analytic %.7g, finite difference %.7g\n",
               what, bad, checked, worst_i, grad[worst_i], worst_fd);
    CHECK(bad == 0);
    /* Kinks must stay the exception, or the check would check little. */
    if (skipped * 4 > checked + skipped)
        printf("  %s: %zu of %zu elements skipped as non-smooth\n", what, skipped, checked + skipped);
    CHECK(skipped * 4 <= checked + skipped);
}

static void fd_check(double (*loss)(void *), void *ctx, float *x, const float *grad, size_t n,
                     size_t step, float eps, double atol, double rtol, const char *what)
{
    fd_check_smooth(loss, NULL, ctx, x, grad, n, step, eps, atol, rtol, what);
}

/* Check din, dweight and dbias of a rig by finite differences. */
static void check_rig_grads(rig *t, float eps, double atol, double rtol, const char *name)
{
    char what[96];
    rig_backward(t, NULL);
    size_t nw = t->l.params[0].n, nb = t->l.params[1].n;
    float *din = malloc(sizeof(float) * rig_in_n(t));
    float *dw = nw ? malloc(sizeof(float) * nw) : NULL, *db = nb ? malloc(sizeof(float) * nb) : NULL;
    memcpy(din, t->din, sizeof(float) * rig_in_n(t));
    if (nw) memcpy(dw, t->l.params[0].grad, sizeof(float) * nw);
    if (nb) memcpy(db, t->l.params[1].grad, sizeof(float) * nb);
    snprintf(what, sizeof what, "%s din", name);
    fd_check(rig_loss, t, t->in, din, rig_in_n(t), 1, eps, atol, rtol, what);
    if (nw) {
        snprintf(what, sizeof what, "%s dweight", name);
        fd_check(rig_loss, t, t->l.params[0].data, dw, nw, 1, eps, atol, rtol, what);
        snprintf(what, sizeof what, "%s dbias", name);
        fd_check(rig_loss, t, t->l.params[1].data, db, nb, 1, eps, atol, rtol, what);
    }
    free(din);
    free(dw);
    free(db);
}

/* ---- naive references (double, straight from the definitions) -------- */

static double in_at(const rig *t, const float *x, int b, int c, int y, int xx, double pad)
{
    cj_shape s = t->l.in;
    if (y < 0 || y >= s.h || xx < 0 || xx >= s.w) return pad;
    return x[(((size_t)b * s.c + c) * s.h + y) * s.w + xx];
}

/* out = conv(in) and, given dout, din / dweight / dbias. */
static void ref_conv(const rig *t, const float *dout, double *out, double *din, double *dw,
                     double *db)
{
    const cj_layer *l = &t->l;
    cj_shape is = l->in, os = l->out;
    int k = l->kernel;
    memset(din, 0, sizeof(double) * rig_in_n(t));
    memset(dw, 0, sizeof(double) * l->params[0].n);
    memset(db, 0, sizeof(double) * l->params[1].n);
    for (int b = 0; b < t->batch; b++)
        for (int o = 0; o < os.c; o++)
            for (int y = 0; y < os.h; y++)
                for (int x = 0; x < os.w; x++) {
                    size_t oi = (((size_t)b * os.c + o) * os.h + y) * os.w + x;
                    double sum = l->params[1].data[o], g = dout[oi];
                    db[o] += g;
                    for (int c = 0; c < is.c; c++)
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++) {
                                int iy = y * l->stride - l->padding + i;
                                int ix = x * l->stride - l->padding + j;
                                size_t wi = (((size_t)o * is.c + c) * k + i) * k + j;
                                double v = in_at(t, t->in, b, c, iy, ix, 0.0);
                                sum += l->params[0].data[wi] * v;
                                dw[wi] += g * v;
                                if (iy >= 0 && iy < is.h && ix >= 0 && ix < is.w)
                                    din[(((size_t)b * is.c + c) * is.h + iy) * is.w + ix] +=
                                        g * l->params[0].data[wi];
                            }
                    out[oi] = sum;
                }
}

/* Pooling forward: max (padding -inf) or mean over k^2 (padding 0). */
static void ref_pool(const rig *t, double *out)
{
    const cj_layer *l = &t->l;
    cj_shape os = l->out;
    int is_max = l->ops == &cj_maxpool_ops;
    for (int b = 0; b < t->batch; b++)
        for (int c = 0; c < os.c; c++)
            for (int y = 0; y < os.h; y++)
                for (int x = 0; x < os.w; x++) {
                    double acc = is_max ? -INFINITY : 0.0;
                    for (int i = 0; i < l->kernel; i++)
                        for (int j = 0; j < l->kernel; j++) {
                            double v = in_at(t, t->in, b, c, y * l->stride - l->padding + i,
                                             x * l->stride - l->padding + j, is_max ? -INFINITY : 0.0);
                            acc = is_max ? (v > acc ? v : acc) : acc + v;
                        }
                    out[(((size_t)b * os.c + c) * os.h + y) * os.w + x] =
                        is_max ? acc : acc / (l->kernel * l->kernel);
                }
}

static double max_abs_diff_d(const float *a, const double *b, size_t n)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= worst)) worst = d;
    }
    return worst;
}

/* ---- dense ------------------------------------------------------------ */

TEST(dense_gradients)
{
    rig t;
    rig_init(&t, &cj_dense_ops, (cj_shape){7, 1, 1}, 5, 0, 0, 0, 3);
    check_rig_grads(&t, 0.25f, 1e-4, 1e-4, "dense");
    rig_free(&t);
}

/* A readout over many rows (T x B steps of a recurrent layer) takes the
 * recurrent kernels in cj_dense_backward (src/nn/dense.c): its weight and
 * input gradients against double sums, through a feedback matrix, both
 * overwriting (beta = 0) and adding to (beta = 1) what dweight holds; and
 * a shape below the row threshold (sgemm) for comparison. */
TEST(dense_readout_gradients)
{
    static const int shapes[][3] = {{1100, 64, 33}, {1024, 256, 10}, {2000, 32, 64}, {64, 64, 33}};
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        int rows = shapes[c][0], n_in = shapes[c][1], n_out = shapes[c][2];
        size_t nx = (size_t)rows * n_in, ny = (size_t)rows * n_out, nw = (size_t)n_out * n_in;
        float *x = malloc(sizeof(float) * nx), *dy = malloc(sizeof(float) * ny);
        float *fb = malloc(sizeof(float) * nw), *dw = malloc(sizeof(float) * nw);
        float *prior = malloc(sizeof(float) * nw), *db = malloc(sizeof(float) * n_out);
        float *dx = malloc(sizeof(float) * nx);
        cj_rng_fill_normal(&test_rng, x, nx, 1.0f);
        cj_rng_fill_normal(&test_rng, dy, ny, 1.0f);
        cj_rng_fill_normal(&test_rng, fb, nw, 0.5f);
        cj_rng_fill_normal(&test_rng, prior, nw, 1.0f);
        /* differences relative to max(1, the largest reference value), as
         * for the convolutions above: float sums over 1,000-2,000 rows */
        double worst_w = 0, worst_acc = 0, worst_x = 0, scale_w = 1, scale_x = 1;
        cj_dense_backward(dx, dw, db, dy, x, fb, rows, n_in, n_out, 0.0f);
        for (int o = 0; o < n_out; o++)
            for (int i = 0; i < n_in; i++) {
                double want = 0;
                for (int r = 0; r < rows; r++) want += (double)dy[(size_t)r * n_out + o] * x[(size_t)r * n_in + i];
                worst_w = fmax(worst_w, fabs(dw[(size_t)o * n_in + i] - want));
                scale_w = fmax(scale_w, fabs(want));
            }
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < n_in; i++) {
                double want = 0;
                for (int o = 0; o < n_out; o++) want += (double)dy[(size_t)r * n_out + o] * fb[(size_t)o * n_in + i];
                worst_x = fmax(worst_x, fabs(dx[(size_t)r * n_in + i] - want));
                scale_x = fmax(scale_x, fabs(want));
            }
        worst_w /= scale_w;
        worst_x /= scale_x;
        float *grad = malloc(sizeof(float) * nw);
        memcpy(grad, dw, sizeof(float) * nw);
        memcpy(dw, prior, sizeof(float) * nw);
        cj_dense_backward(NULL, dw, db, dy, x, fb, rows, n_in, n_out, 1.0f);
        for (size_t k = 0; k < nw; k++) {
            double d = fabs(dw[k] - ((double)prior[k] + grad[k])) / (1.0 + fabs(grad[k]));
            if (d > worst_acc) worst_acc = d;
        }
        if (!(worst_w < 1e-5 && worst_x < 1e-5 && worst_acc < 1e-5))
            printf("  rows %d, %d -> %d: dW %.3g, dx %.3g, accumulated dW %.3g\n", rows, n_in, n_out, worst_w,
                   worst_x, worst_acc);
        CHECK(worst_w < 1e-5 && worst_x < 1e-5 && worst_acc < 1e-5);
        free(x), free(dy), free(fb), free(dw), free(prior), free(db), free(dx), free(grad);
    }
}

/* ---- conv2d ----------------------------------------------------------- */

typedef struct {
    int c, h, w, o, k, s, p, batch;
} conv_case;

static const conv_case CONV_CASES[] = {
    {2, 7, 6, 3, 3, 1, 0, 3},  /* no padding, non-square */
    {3, 8, 5, 2, 3, 2, 1, 3},  /* stride 2, padding 1 */
    {2, 6, 9, 4, 5, 1, 2, 2},  /* 5x5 'same' convolution */
    {1, 9, 7, 2, 2, 2, 0, 3},  /* even kernel, odd input: last row/column unused */
    {2, 5, 6, 3, 3, 3, 2, 2},  /* padding larger than half the kernel, stride 3 */
    {1, 1, 1, 3, 1, 1, 0, 4},  /* 1x1 convolution of a 1x1 map */
};

static void conv_case_name(const conv_case *cc, char *buf, size_t len)
{
    snprintf(buf, len, "conv %dx%dx%d->%d k%d s%d p%d", cc->c, cc->h, cc->w, cc->o, cc->k, cc->s, cc->p);
}

/* Forward and all three gradients against the naive loops; tol relative to
 * max(1, |reference|_inf). */
static void check_conv_against_reference(rig *t, double tol, const char *name)
{
    size_t ni = rig_in_n(t), no = rig_out_n(t);
    double *out = malloc(sizeof(double) * no), *din = malloc(sizeof(double) * ni);
    double *dw = malloc(sizeof(double) * t->l.params[0].n), *db = malloc(sizeof(double) * t->l.params[1].n);
    ref_conv(t, t->r, out, din, dw, db);
    rig_backward(t, NULL);
    struct {
        const char *what;
        const float *got;
        const double *want;
        size_t n;
    } parts[] = {{"out", t->out, out, no},
                 {"din", t->din, din, ni},
                 {"dweight", t->l.params[0].grad, dw, t->l.params[0].n},
                 {"dbias", t->l.params[1].grad, db, t->l.params[1].n}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        double scale = 1.0;
        for (size_t j = 0; j < parts[i].n; j++)
            if (fabs(parts[i].want[j]) > scale) scale = fabs(parts[i].want[j]);
        double d = max_abs_diff_d(parts[i].got, parts[i].want, parts[i].n) / scale;
        if (!(d <= tol)) printf("  %s %s: max relative difference %.3g\n", name, parts[i].what, d);
        CHECK(d <= tol);
    }
    free(out);
    free(din);
    free(dw);
    free(db);
}

TEST(conv2d_matches_direct_sums)
{
    for (size_t i = 0; i < sizeof CONV_CASES / sizeof CONV_CASES[0]; i++) {
        const conv_case *cc = &CONV_CASES[i];
        char name[64];
        conv_case_name(cc, name, sizeof name);
        rig t;
        rig_init(&t, &cj_conv2d_ops, (cj_shape){cc->c, cc->h, cc->w}, cc->o, cc->k, cc->s, cc->p,
                 cc->batch);
        check_conv_against_reference(&t, 1e-5, name);
        rig_free(&t);
    }
}

TEST(conv2d_gradients)
{
    for (size_t i = 0; i < sizeof CONV_CASES / sizeof CONV_CASES[0]; i++) {
        const conv_case *cc = &CONV_CASES[i];
        char name[64];
        conv_case_name(cc, name, sizeof name);
        rig t;
        rig_init(&t, &cj_conv2d_ops, (cj_shape){cc->c, cc->h, cc->w}, cc->o, cc->k, cc->s, cc->p,
                 cc->batch);
        check_rig_grads(&t, 0.25f, 1e-4, 1e-4, name);
        rig_free(&t);
    }
}

/* Larger layers are processed a chunk of samples at a time (several samples
 * per product, or one, depending on size; see conv2d.c), including a last
 * chunk shorter than the rest. The direct sums cover every element;
 * finite differences a sample of them. */
TEST(conv2d_chunked_batches)
{
    static const conv_case cases[] = {
        {8, 16, 16, 4, 5, 1, 2, 5},    /* a few samples per chunk, short last chunk */
        {16, 20, 18, 8, 5, 1, 2, 3},   /* about one sample per chunk */
        {6, 23, 21, 5, 4, 2, 1, 3},    /* strided, even kernel */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const conv_case *cc = &cases[i];
        char name[64];
        conv_case_name(cc, name, sizeof name);
        rig t;
        rig_init(&t, &cj_conv2d_ops, (cj_shape){cc->c, cc->h, cc->w}, cc->o, cc->k, cc->s, cc->p,
                 cc->batch);
        check_conv_against_reference(&t, 1e-5, name);
        rig_backward(&t, NULL);
        float *din = malloc(sizeof(float) * rig_in_n(&t)), *dw = malloc(sizeof(float) * t.l.params[0].n);
        memcpy(din, t.din, sizeof(float) * rig_in_n(&t));
        memcpy(dw, t.l.params[0].grad, sizeof(float) * t.l.params[0].n);
        fd_check(rig_loss, &t, t.in, din, rig_in_n(&t), 97, 0.25f, 1e-3, 1e-4, name);
        fd_check(rig_loss, &t, t.l.params[0].data, dw, t.l.params[0].n, 13, 0.25f, 1e-3, 1e-4, name);
        /* Scratch sized for a batch also fits every smaller batch. */
        CHECK(cj_conv2d_scratch_floats(&t.l, 1) <= cj_conv2d_scratch_floats(&t.l, cc->batch));
        CHECK(cj_conv2d_scratch_floats(&t.l, cc->batch) <= cj_conv2d_scratch_floats(&t.l, 64));
        free(din);
        free(dw);
        rig_free(&t);
    }
}

/* Stride-1 layers with 3x3 or 5x5 kernels and at least 8 channels in and
 * out go through Winograd's algorithm (WINOGRAD_MIN_CHANNELS in conv2d.c),
 * whose forward, weight-gradient and input-gradient passes are code of
 * their own: the same checks on shapes that reach its edges. Its results
 * carry more float rounding than im2col's (up to ~6e-6 of the largest
 * value for weight gradients, see conv2d.c): inside the direct-sum
 * tolerance, which stays the strict check. Finite differences divide the
 * rounding of every output under a perturbed pixel by the step; with a
 * step of 1 (exact for these linear maps) that reached 8e-4 on the
 * 32-channel case, hence atol 2e-3, still far below the O(1) error
 * of a wrong index or a missing term. */
TEST(conv2d_winograd)
{
    static const conv_case cases[] = {
        {8, 9, 7, 8, 3, 1, 1, 3},     /* 3x3 'same', odd height and width: half tiles */
        {9, 8, 10, 12, 5, 1, 2, 2},   /* 5x5 'same' */
        {8, 7, 9, 10, 5, 1, 0, 3},    /* 5x5 'valid': 3x5 outputs */
        {10, 6, 5, 8, 3, 1, 3, 2},    /* padding wider than the kernel */
        {8, 5, 6, 9, 5, 1, 5, 2},     /* the same for 5x5 */
        {20, 6, 7, 24, 3, 1, 1, 2},   /* channels past the last whole block of 16 */
        {32, 16, 16, 32, 5, 1, 2, 10}, /* chunks of 3 samples (2 MB), the last one short */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const conv_case *cc = &cases[i];
        char name[64];
        conv_case_name(cc, name, sizeof name);
        rig t;
        rig_init(&t, &cj_conv2d_ops, (cj_shape){cc->c, cc->h, cc->w}, cc->o, cc->k, cc->s, cc->p,
                 cc->batch);
        check_conv_against_reference(&t, 1e-5, name);
        rig_backward(&t, NULL);
        size_t ni = rig_in_n(&t), nw = t.l.params[0].n;
        float *din = malloc(sizeof(float) * ni), *dw = malloc(sizeof(float) * nw);
        memcpy(din, t.din, sizeof(float) * ni);
        memcpy(dw, t.l.params[0].grad, sizeof(float) * nw);
        size_t step_in = ni / 400 + 1, step_w = nw / 400 + 1;  /* ~400 elements each */
        fd_check(rig_loss, &t, t.in, din, ni, step_in, 1.0f, 2e-3, 1e-4, name);
        fd_check(rig_loss, &t, t.l.params[0].data, dw, nw, step_w, 1.0f, 2e-3, 1e-4, name);
        CHECK(cj_conv2d_scratch_floats(&t.l, 1) <= cj_conv2d_scratch_floats(&t.l, cc->batch));
        CHECK(cj_conv2d_scratch_floats(&t.l, cc->batch) <= cj_conv2d_scratch_floats(&t.l, 64));
        free(din);
        free(dw);
        rig_free(&t);
    }
}

/* ---- feedback: the hook learning rules use ---------------------------- */

static void check_feedback(const cj_layer_ops *kind, cj_shape in, int out_c, int k, int s, int p,
                           const char *name)
{
    rig t;
    rig_init(&t, kind, in, out_c, k, s, p, 3);
    size_t ni = rig_in_n(&t), nw = t.l.params[0].n, nb = t.l.params[1].n;
    float *fb = malloc(sizeof(float) * nw), *w = malloc(sizeof(float) * nw);
    float *din_w = malloc(sizeof(float) * ni), *din_f = malloc(sizeof(float) * ni);
    float *dw_w = malloc(sizeof(float) * nw), *db_w = malloc(sizeof(float) * nb);
    cj_rng_fill_normal(&test_rng, fb, nw, 0.5f);
    memcpy(w, t.l.params[0].data, sizeof(float) * nw);

    rig_backward(&t, NULL);  /* backprop */
    memcpy(din_w, t.din, sizeof(float) * ni);
    memcpy(dw_w, t.l.params[0].grad, sizeof(float) * nw);
    memcpy(db_w, t.l.params[1].grad, sizeof(float) * nb);

    rig_backward(&t, fb);  /* feedback F */
    memcpy(din_f, t.din, sizeof(float) * ni);
    /* The parameter gradients do not depend on F... */
    CHECK(!memcmp(dw_w, t.l.params[0].grad, sizeof(float) * nw));
    CHECK(!memcmp(db_w, t.l.params[1].grad, sizeof(float) * nb));
    /* ...and F is really used for din. */
    CHECK(max_rel_diff(din_f, din_w, ni) > 1e-2);

    /* din with F == din of the same layer whose weight is F, with F == W. */
    memcpy(t.l.params[0].data, fb, sizeof(float) * nw);
    float *din_wf = malloc(sizeof(float) * ni);
    cj_layer_backward(&t.l, t.in, t.out, t.r, NULL, din_wf, t.batch, t.scratch);
    double d = max_rel_diff(din_f, din_wf, ni);
    if (!(d <= 1e-6)) printf("  %s: din(feedback F) vs din(weight F) differ by %.3g\n", name, d);
    CHECK(d <= 1e-6);

    free(fb);
    free(w);
    free(din_w);
    free(din_f);
    free(din_wf);
    free(dw_w);
    free(db_w);
    rig_free(&t);
}

TEST(feedback_replaces_weight_in_input_gradient)
{
    check_feedback(&cj_dense_ops, (cj_shape){6, 1, 1}, 4, 0, 0, 0, "dense");
    check_feedback(&cj_conv2d_ops, (cj_shape){2, 7, 6}, 3, 3, 1, 1, "conv2d");
    check_feedback(&cj_conv2d_ops, (cj_shape){3, 9, 8}, 2, 3, 2, 0, "conv2d strided");
    check_feedback(&cj_conv2d_ops, (cj_shape){8, 16, 16}, 4, 5, 1, 2, "conv2d chunked");
    check_feedback(&cj_conv2d_ops, (cj_shape){8, 7, 6}, 8, 3, 1, 1, "conv2d winograd 3x3");
    check_feedback(&cj_conv2d_ops, (cj_shape){9, 8, 7}, 10, 5, 1, 2, "conv2d winograd 5x5");
}

/* ---- pooling ---------------------------------------------------------- */

typedef struct {
    const cj_layer_ops *kind;
    int c, h, w, k, s, p;
} pool_case;

static const pool_case POOL_CASES[] = {
    {&cj_maxpool_ops, 2, 6, 8, 2, 2, 0},  /* the common 2x2 case */
    {&cj_maxpool_ops, 2, 7, 5, 2, 2, 0},  /* odd sizes: last row and column unused */
    {&cj_maxpool_ops, 2, 7, 6, 3, 2, 1},  /* overlapping windows and padding */
    {&cj_maxpool_ops, 1, 6, 5, 3, 1, 0},  /* heavy overlap */
    {&cj_maxpool_ops, 2, 5, 6, 2, 1, 1},  /* padding on every side */
    {&cj_avgpool_ops, 2, 6, 8, 2, 2, 0},
    {&cj_avgpool_ops, 2, 7, 6, 3, 2, 1},  /* count_include_pad at the border */
    {&cj_avgpool_ops, 1, 6, 5, 3, 1, 1},  /* overlap */
    {&cj_avgpool_ops, 2, 9, 7, 4, 3, 2},
};

/* Distinct inputs 0.1 apart, so a step below 0.05 never changes a window's
 * argmax and maxpool's differences are exact. */
static void fill_distinct(float *x, size_t n)
{
    int *perm = malloc(sizeof(int) * n);
    for (size_t i = 0; i < n; i++) perm[i] = (int)i;
    cj_rng_shuffle(&test_rng, perm, n);
    for (size_t i = 0; i < n; i++) x[i] = 0.1f * (float)perm[i] - 0.05f * (float)n;
    free(perm);
}

TEST(pool_forward_and_gradients)
{
    for (size_t i = 0; i < sizeof POOL_CASES / sizeof POOL_CASES[0]; i++) {
        const pool_case *pc = &POOL_CASES[i];
        char name[64];
        snprintf(name, sizeof name, "%s %dx%dx%d k%d s%d p%d", (pc->kind)->torch_name, pc->c,
                 pc->h, pc->w, pc->k, pc->s, pc->p);
        rig t;
        rig_init(&t, pc->kind, (cj_shape){pc->c, pc->h, pc->w}, 0, pc->k, pc->s, pc->p, 3);
        fill_distinct(t.in, rig_in_n(&t));
        double *ref = malloc(sizeof(double) * rig_out_n(&t));
        ref_pool(&t, ref);
        cj_layer_forward(&t.l, t.in, t.out, t.batch, t.scratch);
        double d = max_abs_diff_d(t.out, ref, rig_out_n(&t));
        if (!(d <= 1e-5)) printf("  %s: forward differs from the direct loop by %.3g\n", name, d);
        CHECK(d <= 1e-5);
        /* din is not zeroed by the caller: fill it with junk to catch a
         * backward that accumulates without zeroing first. */
        for (size_t j = 0; j < rig_in_n(&t); j++) t.din[j] = 1e3f;
        /* maxpool's step stays below half the 0.1 spacing; avgpool is linear */
        check_rig_grads(&t, pc->kind == &cj_maxpool_ops ? 0.04f : 0.25f, 1e-4, 1e-4, name);
        free(ref);
        rig_free(&t);
    }
}

/* Small known answers for the maxpool rules PyTorch documents or
 * implements. x is one 1-channel sample of h x w. */
static void run_maxpool(const float *x, int h, int w, int k, int s, int p, const float *dout,
                        float *out, float *din)
{
    cj_layer l = {0};
    l.ops = &cj_maxpool_ops;
    l.in = (cj_shape){1, h, w};
    l.kernel = k;
    l.stride = s;
    l.padding = p;
    cj_error err;
    CHECK(cj_layer_setup(&l, 0, &err) == CJ_OK);
    cj_layer_forward(&l, x, out, 1, NULL);
    for (int i = 0; i < h * w; i++) din[i] = -7.0f;  /* junk: backward must overwrite */
    cj_layer_backward(&l, x, out, dout, NULL, din, 1, NULL);
}

TEST(maxpool_known_answers)
{
    float out[9], din[9];
    const float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};

    /* Ties: the gradient goes to the first maximum in row-major order, in
     * the 2x2 fast path and in the general path. */
    const float tie[4] = {2, 2, 2, 2};
    run_maxpool(tie, 2, 2, 2, 2, 0, ones, out, din);
    CHECK(out[0] == 2.0f && din[0] == 1.0f && din[1] == 0.0f && din[2] == 0.0f && din[3] == 0.0f);
    const float flat[9] = {0};
    run_maxpool(flat, 3, 3, 2, 1, 0, ones, out, din);
    const float want_flat[9] = {1, 1, 0, 1, 1, 0, 0, 0, 0};
    CHECK(!memcmp(din, want_flat, sizeof want_flat));

    /* Overlapping windows sharing one maximum add their gradients. */
    const float peak[9] = {0, 0, 0, 0, 5, 0, 0, 0, 0};
    const float dpeak[4] = {1, 2, 3, 4};
    run_maxpool(peak, 3, 3, 2, 1, 0, dpeak, out, din);
    CHECK(out[0] == 5 && out[1] == 5 && out[2] == 5 && out[3] == 5);
    CHECK_NEAR(din[4], 10.0, 0.0);
    CHECK(din[0] == 0 && din[8] == 0);

    /* Padding is -inf, not 0: an all-negative input keeps negative maxima. */
    const float neg[4] = {-6, -4, -5, -3};
    run_maxpool(neg, 2, 2, 2, 1, 1, ones, out, din);
    const float want_neg[9] = {-6, -4, -4, -5, -3, -3, -5, -3, -3};
    CHECK(!memcmp(out, want_neg, sizeof want_neg));
    CHECK(din[0] == 1 && din[1] == 2 && din[2] == 2 && din[3] == 4);

    /* NaN propagates and takes the gradient, in both paths, as in PyTorch. */
    const float withnan[4] = {1, NAN, 3, 2};
    run_maxpool(withnan, 2, 2, 2, 2, 0, ones, out, din);
    CHECK(isnan(out[0]) && din[1] == 1 && din[0] == 0 && din[2] == 0 && din[3] == 0);
    run_maxpool(withnan, 2, 2, 3, 1, 1, ones, out, din);
    CHECK(isnan(out[0]) && isnan(out[3]) && din[1] == 4 && din[0] == 0 && din[2] == 0);
}

TEST(avgpool_counts_padding)
{
    /* count_include_pad=True: border windows still divide by k^2. */
    cj_layer l = {0};
    l.ops = &cj_avgpool_ops;
    l.in = (cj_shape){1, 3, 3};
    l.kernel = 3;
    l.stride = 1;
    l.padding = 1;
    cj_error err;
    CHECK(cj_layer_setup(&l, 0, &err) == CJ_OK);
    float x[9], out[9], din[9];
    for (int i = 0; i < 9; i++) x[i] = 1.0f;
    cj_layer_forward(&l, x, out, 1, NULL);
    CHECK_NEAR(out[0], 4.0 / 9.0, 1e-7);
    CHECK_NEAR(out[1], 6.0 / 9.0, 1e-7);
    CHECK_NEAR(out[4], 1.0, 1e-7);
    /* Each input lies in as many windows as it has neighbours (incl. itself). */
    cj_layer_backward(&l, x, out, x, NULL, din, 1, NULL);
    CHECK_NEAR(din[0], 4.0 / 9.0, 1e-7);
    CHECK_NEAR(din[4], 1.0, 1e-7);
}

/* ---- flatten and activations ------------------------------------------ */

TEST(flatten_gradients)
{
    rig t;
    rig_init(&t, &cj_flatten_ops, (cj_shape){3, 4, 2}, 0, 0, 0, 0, 2);
    CHECK(t.l.out.c == 24 && t.l.out.h == 1 && t.l.out.w == 1);
    cj_layer_forward(&t.l, t.in, t.out, t.batch, NULL);
    CHECK(!memcmp(t.in, t.out, sizeof(float) * rig_in_n(&t)));
    check_rig_grads(&t, 0.25f, 1e-5, 1e-5, "flatten");
    rig_free(&t);
}

TEST(activation_gradients)
{
    static const cj_layer_ops *const kinds[] = {&cj_relu_ops, &cj_tanh_ops, &cj_sigmoid_ops, &cj_softplus_ops};
    for (size_t a = 0; a < sizeof kinds / sizeof kinds[0]; a++) {
        rig t;
        rig_init(&t, kinds[a], (cj_shape){3, 5, 4}, 0, 0, 0, 0, 2);
        size_t n = rig_in_n(&t);
        /* Spread over [-6, 6] plus the far tails (softplus must not overflow),
         * and kept 0.01 away from relu's kink. */
        for (size_t i = 0; i < n; i++) {
            float v = 3.0f * t.in[i];
            if (fabsf(v) < 0.01f) v = 0.5f;
            t.in[i] = v;
        }
        t.in[0] = 40.0f;
        t.in[1] = -40.0f;
        cj_layer_forward(&t.l, t.in, t.out, t.batch, NULL);
        double worst = 0.0;
        for (size_t i = 0; i < n; i++) {
            double x = t.in[i], want;
            if (kinds[a] == &cj_relu_ops) want = x > 0 ? x : 0;
            else if (kinds[a] == &cj_tanh_ops) want = tanh(x);
            else if (kinds[a] == &cj_sigmoid_ops) want = 1.0 / (1.0 + exp(-x));
            else want = x > 30 ? x : log1p(exp(x));
            double d = fabs(t.out[i] - want) / (1.0 + fabs(want));
            if (!(d <= worst)) worst = d;
        }
        char name[64];
        snprintf(name, sizeof name, "%s", (kinds[a])->torch_name);
        if (!(worst <= 1e-6)) printf("  %s: forward off by %.3g\n", name, worst);
        CHECK(worst <= 1e-6);
        check_rig_grads(&t, 1e-2f, 2e-4, 1e-3, name);
        rig_free(&t);
    }
}

/* ---- the whole model -------------------------------------------------- */

typedef struct {
    cj_model *m;
    const float *x, *r;
    int batch;
    int *argmax;  /* per maxpool window, at the unperturbed parameters */
    size_t n_windows;
} model_ctx;

static double model_loss(void *ctx)
{
    model_ctx *c = ctx;
    const float *y = cj_model_forward(c->m, c->x, c->batch);
    return dot(c->r, y, (size_t)c->batch * cj_shape_size(cj_model_output_shape(c->m)));
}

/* Argmax of every maxpool window in the model after the last forward pass,
 * written to idx (when not NULL); returns the number of windows. */
static size_t maxpool_argmaxes(const model_ctx *c, int *idx)
{
    size_t count = 0;
    for (int li = 0; li < c->m->n_layers; li++) {
        const cj_layer *l = &c->m->layers[li];
        if (l->ops != &cj_maxpool_ops) continue;
        const float *in = c->m->acts[li];
        for (int pl = 0; pl < c->batch * l->in.c; pl++)
            for (int y = 0; y < l->out.h; y++)
                for (int x = 0; x < l->out.w; x++, count++) {
                    int best = -1;
                    float max = -INFINITY;
                    for (int i = 0; i < l->kernel; i++)
                        for (int j = 0; j < l->kernel; j++) {
                            int iy = y * l->stride - l->padding + i, ix = x * l->stride - l->padding + j;
                            if (iy < 0 || iy >= l->in.h || ix < 0 || ix >= l->in.w) continue;
                            float v = in[((size_t)pl * l->in.h + iy) * l->in.w + ix];
                            if (best < 0 || v > max) {
                                max = v;
                                best = iy * l->in.w + ix;
                            }
                        }
                    if (idx) idx[count] = best;
                }
    }
    return count;
}

/* The perturbed network took the same maxpool branches as the original. */
static int model_smooth(void *ctx)
{
    model_ctx *c = ctx;
    int *now = malloc(sizeof(int) * c->n_windows);
    maxpool_argmaxes(c, now);
    int same = !memcmp(now, c->argmax, sizeof(int) * c->n_windows);
    free(now);
    return same;
}

TEST(model_gradients_match_finite_differences)
{
    const char *spec = "conv2d 3 kernel=3 padding=1, tanh, maxpool 2, conv2d 4 kernel=3 stride=2, "
                       "softplus, avgpool 2, flatten, dense 5";
    cj_shape input = {2, 12, 10};
    cj_model m;
    cj_error err;
    cj_status st = cj_model_create(&m, spec, input, 4, &err);
    if (st) printf("  %s\n", err.msg);
    CHECK(st == CJ_OK);
    if (st) return;
    CHECK(m.n_layers == 8);
    cj_shape out = cj_model_output_shape(&m);
    CHECK(out.c == 5 && out.h == 1 && out.w == 1);
    cj_rng rng = cj_rng_split(&test_rng);
    cj_model_init(&m, &rng);

    int batch = 3;  /* below max_batch: the buffers are sized for 4 */
    size_t nx = (size_t)batch * cj_shape_size(input), ny = (size_t)batch * out.c;
    float *x = malloc(sizeof(float) * nx), *r = malloc(sizeof(float) * ny);
    cj_rng_fill_normal(&rng, x, nx, 1.0f);
    cj_rng_fill_normal(&rng, r, ny, 1.0f);
    cj_model_forward(&m, x, batch);
    cj_model_backward(&m, r, NULL, 0);
    float *grads = malloc(sizeof(float) * m.n_params);
    memcpy(grads, m.grads, sizeof(float) * m.n_params);

    model_ctx ctx = {&m, x, r, batch, NULL, 0};
    ctx.n_windows = maxpool_argmaxes(&ctx, NULL);
    ctx.argmax = malloc(sizeof(int) * ctx.n_windows);
    maxpool_argmaxes(&ctx, ctx.argmax);
    fd_check_smooth(model_loss, model_smooth, &ctx, m.params, grads, m.n_params, 1, 2e-3f, 2e-4,
                    2e-3, "model params");

    /* Passing the weights themselves as feedback is backprop again. */
    cj_model_forward(&m, x, batch);
    cj_model_backward(&m, r, m.params, 0);
    CHECK(max_rel_diff(m.grads, grads, m.n_params) <= 1e-6);

    free(ctx.argmax);
    free(x);
    free(r);
    free(grads);
    cj_model_free(&m);
}

static void check_rejected(const char *spec, cj_shape input, const char *const *needles)
{
    cj_model m;
    cj_error err = {0};
    cj_status st = cj_model_create(&m, spec, input, 2, &err);
    CHECK(st != CJ_OK);
    CHECK(m.layers == NULL && m.params == NULL);  /* nothing to free */
    for (; *needles; needles++)
        if (!strstr(err.msg, *needles)) {
            printf("  '%s': message \"%s\" lacks \"%s\"\n", spec, err.msg, *needles);
            CHECK(strstr(err.msg, *needles) != NULL);
        }
}

TEST(model_rejects_bad_specs)
{
    cj_shape mnist = {1, 28, 28};
    check_rejected("conv2d 4, conv3d 4, flatten, dense 10", mnist,
                   (const char *const[]){"conv3d", "unknown layer", NULL});
    /* The message names the module as PyTorch does ("Linear") and the fix. */
    check_rejected("conv2d 4 kernel=3, relu, dense 10", mnist,
                   (const char *const[]){"layer 2", "Linear", "4x26x26", "flatten", NULL});
    check_rejected("dense 10", mnist, (const char *const[]){"layer 0", "flatten", NULL});
    check_rejected("conv2d 4 kernel=9", (cj_shape){1, 5, 5},
                   (const char *const[]){"kernel 9", "5x5", NULL});
    check_rejected("conv2d 4 kernel=3, maxpool 7", (cj_shape){1, 7, 7},
                   (const char *const[]){"layer 1", "kernel 7", "5x5", NULL});
    check_rejected("conv2d 4 kernel=3 dilation=2", mnist,
                   (const char *const[]){"dilation", NULL});
}

int main(void)
{
    cj_rng_seed(&test_rng, 20240611);
    RUN(dense_gradients);
    RUN(dense_readout_gradients);
    RUN(conv2d_matches_direct_sums);
    RUN(conv2d_gradients);
    RUN(conv2d_chunked_batches);
    RUN(conv2d_winograd);
    RUN(feedback_replaces_weight_in_input_gradient);
    RUN(pool_forward_and_gradients);
    RUN(maxpool_known_answers);
    RUN(avgpool_counts_padding);
    RUN(flatten_gradients);
    RUN(activation_gradients);
    RUN(model_gradients_match_finite_differences);
    RUN(model_rejects_bad_specs);
    return test_summary("layers");
}
