/* test_maximize.c — activation maximisation (maximize.h): the input
 * gradient against central finite differences through conv, pooling and
 * dense layers; convergence to the closed forms of a linear unit (with L2
 * and no box x* = w / (2 l2); with a box, w / (2 l2) clipped, and the sign
 * pattern without L2); the roll and blur against direct definitions;
 * determinism by seed; and `cajal maximize` end to end on a small trained
 * model, with its files and its one-line errors. */
#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/maximize.h"
#include "cajal/model_file.h"
#include "cajal/npy.h"
#include "cajal/train.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"
#include "idx_fixture.h"

static cj_status make_model(cj_model *m, const char *spec, cj_shape in, int batch, uint64_t seed)
{
    cj_error err;
    cj_status st = cj_model_create(m, spec, in, batch, &err);
    if (st) {
        test_fail("%s: %s", spec, err.msg);
        return st;
    }
    cj_rng rng;
    cj_rng_seed(&rng, seed);
    cj_model_init(m, &rng);
    return CJ_OK;
}

/* ---- the gradient -------------------------------------------------------- */

/* d a / d x by cj_maximize_gradient against central differences in each
 * input coordinate, for B samples with their own units. */
static void check_gradient(const char *spec, cj_shape in, int layer, cj_maximize_at at, double h, double tol)
{
    enum { B = 2 };
    cj_model m;
    if (make_model(&m, spec, in, B, 3)) return;
    size_t D = cj_shape_size(in);
    float *x = malloc(sizeof(float) * B * D), *g = malloc(sizeof(float) * B * D), *xp = malloc(sizeof(float) * B * D);
    cj_rng rng;
    cj_rng_seed(&rng, 11);
    cj_rng_fill_normal(&rng, x, B * D, 1.0f);
    int units[B] = {0, m.layers[layer].out.c - 1};
    float a[B], ap[B], am[B];
    cj_maximize_gradient(&m, layer, units, B, at, x, a, g);
    double worst = 0, scale = 0;
    for (size_t i = 0; i < B * D; i++) scale = fmax(scale, fabs(g[i]));
    for (size_t i = 0; i < D; i++) {
        memcpy(xp, x, sizeof(float) * B * D);
        for (int b = 0; b < B; b++) xp[b * D + i] = x[b * D + i] + (float)h;
        cj_model_forward(&m, xp, B);
        cj_maximize_activation(&m, layer, units, B, at, ap);
        for (int b = 0; b < B; b++) xp[b * D + i] = x[b * D + i] - (float)h;
        cj_model_forward(&m, xp, B);
        cj_maximize_activation(&m, layer, units, B, at, am);
        for (int b = 0; b < B; b++) {
            double fd = ((double)ap[b] - am[b]) / (2 * h);
            worst = fmax(worst, fabs(fd - g[b * D + i]));
        }
    }
    if (!(scale > 1e-3)) test_fail("%s: the gradient is zero (%g): nothing was tested", spec, scale);
    if (!(worst <= tol * scale))
        test_fail("%s layer %d: gradient differs from finite differences by %.3g (largest entry %.3g)", spec, layer,
                  worst, scale);
    free(x);
    free(g);
    free(xp);
    cj_model_free(&m);
}

TEST(input_gradient_matches_finite_differences)
{
    /* smooth layers: no kinks near the probe points */
    const char *smooth = "conv2d 3 kernel=3 padding=1, tanh, avgpool 2, conv2d 4 kernel=3, softplus, flatten, dense 5";
    cj_shape grey = {1, 6, 6}, rgb = {3, 6, 6};
    check_gradient(smooth, grey, 3, CJ_MAXIMIZE_MEAN, 1e-2, 2e-3);
    check_gradient(smooth, grey, 3, CJ_MAXIMIZE_CENTRE, 1e-2, 2e-3);
    check_gradient(smooth, grey, 6, CJ_MAXIMIZE_MEAN, 1e-2, 2e-3);
    check_gradient(smooth, rgb, 0, CJ_MAXIMIZE_CENTRE, 1e-2, 2e-3);
    check_gradient(smooth, rgb, 6, CJ_MAXIMIZE_MEAN, 1e-2, 2e-3);
    /* the Fashion-MNIST CNN's kinds: relu and max pooling (a small step
     * keeps the probes off the kinks) */
    const char *cnn = "conv2d 3 kernel=3 padding=1, relu, maxpool 2, conv2d 4 kernel=3 padding=1, relu, flatten, "
                      "dense 3";
    check_gradient(cnn, (cj_shape){1, 8, 8}, 3, CJ_MAXIMIZE_MEAN, 1e-3, 5e-3);
    check_gradient(cnn, (cj_shape){1, 8, 8}, 6, CJ_MAXIMIZE_MEAN, 1e-3, 5e-3);
}

/* ---- closed forms ---------------------------------------------------------- */

/* Maximise unit u of "flatten, dense 3" (a = w_u . x + b_u) and compare with
 * expect(w) per coordinate. */
static void check_linear(cj_maximize_opts *o, int u, float lo, float hi, double tol, const char *what)
{
    cj_model m;
    cj_shape in = {1, 4, 4};
    if (make_model(&m, "flatten, dense 3", in, 2, 5)) return;
    const float *w = m.layers[1].params[0].data + u * 16;
    o->lo = lo;
    o->hi = hi;
    float x[16], final;
    cj_maximize_result r = {.images = x, .final = &final};
    cj_error err;
    if (cj_maximize(&m, 1, &u, 1, o, &r, &err)) {
        test_fail("%s: %s", what, err.msg);
        cj_model_free(&m);
        return;
    }
    double worst = 0, a = m.layers[1].params[1].data[u];
    for (int i = 0; i < 16; i++) {
        double want = o->l2 > 0 ? w[i] / (2.0 * o->l2) : (w[i] > 0 ? hi : lo);
        want = fmin(fmax(want, lo), hi);
        worst = fmax(worst, fabs(x[i] - want));
        a += (double)w[i] * x[i];
    }
    if (!(worst <= tol)) test_fail("%s: x differs from the closed form by %.3g (tol %g)", what, worst, tol);
    CHECK_NEAR(final, a, 1e-5);
    cj_model_free(&m);
}

TEST(linear_unit_reaches_w_over_2_lambda)
{
    cj_maximize_opts o;
    cj_maximize_defaults(&o);
    o.jitter = 0;
    o.blur_sigma = 0;
    o.steps = 3000;
    o.lr = 0.01f;
    o.l2 = 0.5f; /* x* = w, |w| < 1/4 */
    check_linear(&o, 2, -INFINITY, INFINITY, 1e-4, "adam, l2 0.5");
    o.l2 = 2.0f; /* x* = w / 4 */
    o.lr = 0.002f;
    check_linear(&o, 0, -INFINITY, INFINITY, 1e-4, "adam, l2 2");
    /* DeepDream's normalised step hovers within about lr of x* */
    o.optim = CJ_MAXIMIZE_NORMALIZED;
    o.lr = 1e-4f;
    o.l2 = 0.5f;
    check_linear(&o, 1, -INFINITY, INFINITY, 5e-4, "normalized, l2 0.5");
}

TEST(box_gives_the_clipped_closed_form_and_the_sign_pattern)
{
    cj_maximize_opts o;
    cj_maximize_defaults(&o);
    o.jitter = 0;
    o.blur_sigma = 0;
    o.steps = 3000;
    o.lr = 0.01f;
    /* no L2: every coordinate at the side its weight points to */
    o.l2 = 0;
    check_linear(&o, 0, -0.3f, 0.7f, 1e-6, "box, no l2");
    /* L2 with a box that cuts some of w / (2 l2) off: x* = w, |w| < 1/4 */
    o.l2 = 0.5f;
    check_linear(&o, 1, -0.1f, 0.05f, 1e-4, "box and l2");
    o.optim = CJ_MAXIMIZE_NORMALIZED;
    o.lr = 0.05f;
    o.l2 = 0;
    check_linear(&o, 2, 0.0f, 1.0f, 1e-6, "normalized, box, no l2");
}

/* ---- the pieces of a step ----------------------------------------------- */

TEST(roll_is_np_roll_and_back_inverts_it)
{
    cj_shape s = {2, 3, 4};
    float src[24], dst[24], back[24];
    for (int i = 0; i < 24; i++) src[i] = (float)i;
    int shifts[][2] = {{1, 2}, {-1, 3}, {0, -5}, {4, 0}};
    for (int k = 0; k < 4; k++) {
        int dy = shifts[k][0], dx = shifts[k][1];
        cj_maximize_roll(dst, src, s, dy, dx, 0);
        int bad = 0;
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 4; x++) {
                    int yr = ((y + dy) % 3 + 3) % 3, xr = ((x + dx) % 4 + 4) % 4;
                    bad |= dst[c * 12 + yr * 4 + xr] != src[c * 12 + y * 4 + x];
                }
        CHECK(!bad);
        cj_maximize_roll(back, dst, s, dy, dx, 1);
        CHECK(!memcmp(back, src, sizeof src));
    }
}

/* A unit whose weights are all zero has no gradient, so Adam never moves
 * and each step leaves x as the blur made it: the blur, against a direct
 * 2-D Gaussian with edges repeated. */
TEST(blur_is_a_gaussian_with_repeated_edges)
{
    cj_model m;
    cj_shape in = {1, 5, 7};
    if (make_model(&m, "flatten, dense 1", in, 1, 1)) return;
    memset(m.params, 0, sizeof(float) * m.n_params);
    cj_maximize_opts o;
    cj_maximize_defaults(&o);
    o.jitter = 0;
    o.steps = 1;
    o.blur_sigma = 0.8f;
    o.blur_every = 1;
    o.init_std = 1.0f;
    float x0[35], x1[35];
    int u = 0;
    cj_maximize_result r = {.images = x0};
    o.blur_sigma = 0;
    cj_error err;
    CHECK(cj_maximize(&m, 1, &u, 1, &o, &r, &err) == CJ_OK); /* the start, unblurred */
    o.blur_sigma = 0.8f;
    r.images = x1;
    CHECK(cj_maximize(&m, 1, &u, 1, &o, &r, &err) == CJ_OK);
    int R = (int)ceil(3 * 0.8);
    double wsum = 0, worst = 0;
    for (int k = -R; k <= R; k++) wsum += exp(-k * k / (2 * 0.64));
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 7; x++) {
            double v = 0;
            for (int i = -R; i <= R; i++)
                for (int j = -R; j <= R; j++) {
                    int yy = y + i < 0 ? 0 : y + i > 4 ? 4 : y + i, xx = x + j < 0 ? 0 : x + j > 6 ? 6 : x + j;
                    v += exp(-(i * i + j * j) / (2 * 0.64)) / (wsum * wsum) * x0[yy * 7 + xx];
                }
            worst = fmax(worst, fabs(v - x1[y * 7 + x]));
        }
    if (!(worst < 1e-5)) test_fail("blur differs from the 2-D Gaussian by %.3g", worst);
    cj_model_free(&m);
}

/* A unit that sees one pixel: with jitter J, the steps push up every pixel
 * the unit saw through a roll of at most J, and nothing further away. */
TEST(jitter_spreads_the_preferred_pixel_over_its_rolls)
{
    cj_model m;
    cj_shape in = {1, 9, 9};
    if (make_model(&m, "flatten, dense 1", in, 1, 1)) return;
    memset(m.params, 0, sizeof(float) * m.n_params);
    m.layers[1].params[0].data[4 * 9 + 4] = 1.0f; /* the centre pixel */
    cj_maximize_opts o;
    cj_maximize_defaults(&o);
    o.jitter = 2;
    o.blur_sigma = 0;
    o.steps = 400;
    o.init_std = 0;
    o.lo = 0;
    o.hi = 1;
    float x[81];
    int u = 0;
    cj_maximize_result r = {.images = x};
    cj_error err;
    CHECK(cj_maximize(&m, 1, &u, 1, &o, &r, &err) == CJ_OK);
    int inside_low = 0, outside_high = 0;
    for (int y = 0; y < 9; y++)
        for (int xx = 0; xx < 9; xx++) {
            int near = abs(y - 4) <= 2 && abs(xx - 4) <= 2;
            if (near && x[y * 9 + xx] < 0.99f) inside_low++;
            if (!near && x[y * 9 + xx] != 0.0f) outside_high++;
        }
    CHECK(inside_low == 0);
    CHECK(outside_high == 0);
    cj_model_free(&m);
}

/* One step reproduced from the unit's stream: a unit that reads pixel p
 * sees x0[p - s] through the roll s, so the step must raise exactly that
 * pixel (Adam's first step is lr sign(g)) and leave every other where the
 * start put it. A roll of the gradient the wrong way, or dy and dx swapped,
 * moves another pixel. */
TEST(a_step_moves_the_pixel_the_rolled_unit_saw)
{
    enum { H = 7, W = 9, D = H * W, PY = 3, PX = 4 };
    cj_model m;
    if (make_model(&m, "flatten, dense 3", (cj_shape){1, H, W}, 3, 1)) return;
    memset(m.params, 0, sizeof(float) * m.n_params);
    for (int u = 0; u < 3; u++) m.layers[1].params[0].data[u * D + PY * W + PX] = 1.0f;
    cj_maximize_opts o;
    cj_maximize_defaults(&o);
    o.jitter = 3;
    o.blur_sigma = 0;
    o.steps = 1;
    o.init_std = 0.1f;
    o.lr = 0.5f;
    int units[3] = {0, 1, 2}, moved_both = 0;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        o.seed = seed;
        float x[3 * D], trace[3];
        cj_maximize_result r = {.images = x, .trace = trace};
        cj_error err;
        CHECK(cj_maximize(&m, 1, units, 3, &o, &r, &err) == CJ_OK);
        for (int u = 0; u < 3; u++) {
            cj_rng rng;
            float x0[D];
            cj_maximize_unit_rng(seed, u, &rng);
            cj_rng_fill_normal(&rng, x0, D, 0.1f);
            int dy = (int)cj_rng_below(&rng, 7) - 3, dx = (int)cj_rng_below(&rng, 7) - 3;
            int q = ((PY - dy + H) % H) * W + (PX - dx + W) % W;
            moved_both += dy != 0 && dx != 0;
            CHECK_NEAR(trace[u], x0[q], 1e-7);
            for (int i = 0; i < D; i++) {
                double want = i == q ? x0[i] + 0.5 : x0[i];
                if (fabs(x[u * D + i] - want) > 1e-6) {
                    test_fail("seed %llu unit %d shift (%d, %d): pixel %d is %g, expected %g",
                              (unsigned long long)seed, u, dy, dx, i, x[u * D + i], want);
                    break;
                }
            }
        }
    }
    CHECK(moved_both > 0); /* some shifts were off both axes: the test had teeth */
    cj_model_free(&m);
}

/* ---- determinism --------------------------------------------------------- */

TEST(a_seed_fixes_every_image)
{
    const char *spec = "conv2d 4 kernel=3 padding=1, relu, maxpool 2, flatten, dense 3";
    cj_shape in = {1, 8, 8};
    cj_model m;
    if (make_model(&m, spec, in, 3, 2)) return;
    cj_maximize_opts o;
    cj_maximize_defaults(&o);
    o.steps = 30;
    o.lo = 0;
    o.hi = 1;
    o.jitter = 2;
    o.blur_every = 2;
    int units[3] = {0, 2, 3};
    float a[3 * 64], b[3 * 64], c[3 * 64], one[64], ta[3 * 30], tb[3 * 30];
    cj_maximize_result r = {.images = a, .trace = ta};
    cj_error err;
    CHECK(cj_maximize(&m, 0, units, 3, &o, &r, &err) == CJ_OK);
    r.images = b;
    r.trace = tb;
    CHECK(cj_maximize(&m, 0, units, 3, &o, &r, &err) == CJ_OK);
    CHECK(!memcmp(a, b, sizeof a) && !memcmp(ta, tb, sizeof ta));
    /* the activation climbs */
    CHECK(ta[29] > ta[0] && ta[30 + 29] > ta[30]);
    o.seed = 2;
    r.images = c;
    r.trace = NULL;
    CHECK(cj_maximize(&m, 0, units, 3, &o, &r, &err) == CJ_OK);
    CHECK(memcmp(a, c, sizeof a) != 0);
    /* unit 2 alone, with the first seed: its image as in the batch */
    o.seed = 1;
    r.images = one;
    CHECK(cj_maximize(&m, 0, units + 1, 1, &o, &r, &err) == CJ_OK);
    CHECK(max_rel_diff(one, a + 64, 64) < 1e-4);
    cj_model_free(&m);
}

/* ---- what the run is asked ---------------------------------------------- */

TEST(units_layers_and_options_are_checked)
{
    cj_model m;
    if (make_model(&m, "conv2d 4 kernel=3, relu, flatten, dense 3", (cj_shape){1, 5, 5}, 2, 1)) return;
    cj_error err;
    int *u = NULL, n = 0;
    CHECK(cj_maximize_parse_units("0-2,3,1", 4, 64, &u, &n, &err) == CJ_OK);
    CHECK(n == 4 && u[0] == 0 && u[1] == 1 && u[2] == 2 && u[3] == 3);
    free(u);
    CHECK(cj_maximize_parse_units("all", 3, 64, &u, &n, &err) == CJ_OK && n == 3 && u[2] == 2);
    free(u);
    CHECK(cj_maximize_parse_units("4", 4, 64, &u, &n, &err) == CJ_ERR_ARG && strstr(err.msg, "units 0 to 3"));
    CHECK(cj_maximize_parse_units("3-1", 4, 64, &u, &n, &err) == CJ_ERR_ARG && strstr(err.msg, "backwards"));
    CHECK(cj_maximize_parse_units("1,x", 4, 64, &u, &n, &err) == CJ_ERR_ARG && strstr(err.msg, "'x'"));
    CHECK(cj_maximize_parse_units("-1", 4, 64, &u, &n, &err) == CJ_ERR_ARG);
    CHECK(cj_maximize_parse_units("all", 4, 2, &u, &n, &err) == CJ_ERR_ARG && strstr(err.msg, "more than 2"));
    int layer = -1;
    CHECK(cj_maximize_find_layer(&m, "3", &layer, &err) == CJ_OK && layer == 3);
    CHECK(cj_maximize_find_layer(&m, "1_relu", &layer, &err) == CJ_OK && layer == 1);
    CHECK(cj_maximize_find_layer(&m, "0_conv2d.npy", &layer, &err) == CJ_OK && layer == 0);
    CHECK(cj_maximize_find_layer(&m, "4", &layer, &err) == CJ_ERR_ARG && strstr(err.msg, "3_dense"));
    CHECK(cj_maximize_find_layer(&m, "1_dense", &layer, &err) == CJ_ERR_ARG);
    int units[1] = {4};
    CHECK(cj_maximize_check(&m, 0, units, 1, &err) == CJ_ERR_ARG && strstr(err.msg, "unit 4 is out of range") &&
          strstr(err.msg, "0_conv2d"));
    CHECK(cj_maximize_check(&m, 4, units, 1, &err) == CJ_ERR_ARG && strstr(err.msg, "layer 4 is out of range"));
    cj_maximize_opts o;
    cj_maximize_defaults(&o);
    units[0] = 0;
    float x[25];
    cj_maximize_result r = {.images = x};
    o.lr = 0;
    CHECK(cj_maximize(&m, 0, units, 1, &o, &r, &err) == CJ_ERR_ARG && strstr(err.msg, "lr"));
    cj_maximize_defaults(&o);
    o.lo = 1, o.hi = 0;
    CHECK(cj_maximize(&m, 0, units, 1, &o, &r, &err) == CJ_ERR_ARG && strstr(err.msg, "box"));
    cj_model_free(&m);
    /* a recurrent model */
    if (cj_model_create(&m, "rnn 3, dense 2", (cj_shape){2, 1, 1}, 1, &err) == CJ_OK) {
        CHECK(cj_maximize_check(&m, 1, units, 1, &err) == CJ_ERR_ARG && strstr(err.msg, "recurrent"));
        cj_model_free(&m);
    }
}

TEST(box_and_pixels_follow_the_scaling)
{
    cj_model_info info = {.format = CJ_DATA_IDX, .scale = CJ_SCALE_UNIT};
    float lo = 0, hi = 0;
    CHECK(cj_maximize_box(&info, &lo, &hi) && lo == 0.0f && hi == 1.0f);
    info.scale = CJ_SCALE_RAW;
    CHECK(cj_maximize_box(&info, &lo, &hi) && lo == 0.0f && hi == 255.0f);
    info.scale = CJ_SCALE_STANDARD;
    info.scale_mean = 0.25f;
    info.scale_std = 0.5f;
    CHECK(cj_maximize_box(&info, &lo, &hi));
    CHECK_NEAR(lo, -0.5, 1e-6);
    CHECK_NEAR(hi, 1.5, 1e-6);
    float x[3] = {-0.5f, 0.5f, 9.0f};
    cj_maximize_to_pixels(&info, x, 1, 3);
    CHECK_NEAR(x[0], 0.0, 1e-6);
    CHECK_NEAR(x[1], 0.5, 1e-6);
    CHECK_NEAR(x[2], 1.0, 1e-6); /* clipped */
    info.format = CJ_DATA_NPY;
    CHECK(!cj_maximize_box(&info, &lo, &hi));
    float y[3] = {-2, 0, 2};
    cj_maximize_to_pixels(&info, y, 1, 3); /* stretched from its own range */
    CHECK(y[0] == 0.0f && y[1] == 0.5f && y[2] == 1.0f);
}

/* ---- the command ---------------------------------------------------------- */

static char dir[] = "/tmp/cajal-test-maximize-XXXXXX";
static const char *cajal;
static char output[8192];
static char *model_path;

static int run(const char *args) { return run_cajal(cajal, args, output, sizeof output); }

/* Run `cajal args`; the exit status must be rc and the output hold want on
 * one line. */
static void expect(int rc, char *args, const char *want)
{
    int got = run(args);
    if (got != rc || !strstr(output, want) || count_lines(output) != 1)
        test_fail("cajal %s: exit %d (expected %d), output: %s(expected '%s')", args, got, rc, output, want);
    free(args);
}

static int train_toy(void)
{
    cj_experiment e;
    cj_error err = {0};
    cj_experiment_defaults(&e);
    char *set = cj_path_printf("data.dir=%s", dir);
    const char *sets[] = {set, "data.train_images=train-images.gz", "data.train_labels=train-labels.gz",
                          "data.test_images=test-images.gz", "data.test_labels=test-labels.gz",
                          "data.scale=standard",
                          "model.layers=conv2d 3 kernel=3 padding=1, relu, maxpool 2, flatten, dense 2",
                          "train.epochs=2", "train.batch=16", "train.seed=3", "optim.lr=0.05"};
    cj_status st = CJ_OK;
    for (size_t i = 0; !st && i < sizeof sets / sizeof sets[0]; i++) st = cj_experiment_set(&e, sets[i], &err);
    free(set);
    if (!st) st = cj_experiment_finish(&e, &err);
    char *run_dir = cj_path_join(dir, "run");
    cj_train_callbacks cb = {0};
    if (!st) st = cj_train(&e, run_dir, NULL, &cb, &err);
    if (st) printf("  training failed: %s\n", err.msg);
    model_path = cj_path_join(run_dir, "model.safetensors");
    free(run_dir);
    return st;
}

static int png_size(const char *path, int *w, int *h)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    int ok = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS;
    if (ok) *w = cairo_image_surface_get_width(s), *h = cairo_image_surface_get_height(s);
    cairo_surface_destroy(s);
    return ok;
}

static char *in_dir(const char *name) { return cj_path_join(dir, name); }

TEST(cli_writes_a_grid_the_inputs_and_the_table)
{
    char *args = cj_path_printf("maximize %s/run --layer 0_conv2d --units 0-2 --steps 40 --inputs %s/test-images.gz "
                                "--labels a,b,c --out %s/grid --quiet", dir, dir, dir);
    int rc = run(args);
    free(args);
    if (rc != 0) {
        test_fail("exit %d: %s", rc, output);
        return;
    }
    CHECK(strstr(output, "3 units of layer 0_conv2d") && strstr(output, "grid.png"));
    int w = 0, h = 0;
    char *p = in_dir("grid/grid.png");
    CHECK(png_size(p, &w, &h) && w > 3 * 6 * 8 && h > 6 * 8);
    free(p);
    p = in_dir("grid/unit_2.png");
    CHECK(png_size(p, &w, &h) && w == 48 && h == 48);
    free(p);
    /* inputs.npy: [3, 1, 6, 6] inside the box of the standardised pixels */
    cj_model_info info;
    cj_error err;
    CHECK(cj_model_file_info(model_path, &info, &err) == CJ_OK);
    float lo, hi;
    CHECK(cj_maximize_box(&info, &lo, &hi));
    cj_npy_array a;
    p = in_dir("grid/inputs.npy");
    if (cj_npy_read(p, CJ_NPY_F32, &a, &err) == CJ_OK) {
        CHECK(a.ndim == 4 && a.shape[0] == 3 && a.shape[1] == 1 && a.shape[2] == 6 && a.shape[3] == 6);
        const float *v = a.data;
        int out = 0;
        for (size_t i = 0; i < a.numel; i++) out += v[i] < lo || v[i] > hi;
        CHECK(out == 0);
        cj_npy_free(&a);
    } else {
        test_fail("%s", err.msg);
    }
    free(p);
    p = in_dir("grid/trace.npy");
    CHECK(cj_npy_read(p, CJ_NPY_F32, &a, &err) == CJ_OK && a.ndim == 2 && a.shape[0] == 3 && a.shape[1] == 40);
    cj_npy_free(&a);
    free(p);
    /* units.csv: the activation climbed above the start's and the real images' mean */
    p = in_dir("grid/units.csv");
    char *text = fixture_read(p, NULL);
    free(p);
    const char *header = "layer,unit,label,at,activation,start_activation,data_mean,data_max,data_argmax\n";
    CHECK(text && !strncmp(text, header, strlen(header)));
    int rows = 0;
    for (char *line = text ? strchr(text, '\n') : NULL; line && line[1]; line = strchr(line + 1, '\n')) {
        char layer[32], label[8], at[8];
        int unit, arg;
        float act, start, mean, max;
        if (sscanf(line + 1, "%31[^,],%d,%7[^,],%7[^,],%f,%f,%f,%f,%d", layer, &unit, label, at, &act, &start, &mean,
                   &max, &arg) != 9) {
            test_fail("bad row: %.60s", line + 1);
            break;
        }
        CHECK(!strcmp(layer, "0_conv2d") && unit == rows && label[0] == 'a' + rows && !strcmp(at, "mean"));
        CHECK(act > start && act > mean && mean <= max && arg >= 0 && arg < 100);
        rows++;
    }
    CHECK(rows == 3);
    free(text);
}

TEST(cli_one_unit_to_a_png_file)
{
    char *args = cj_path_printf("maximize %s --layer 4 --unit 1 --steps 20 --zoom 5 --out %s/one/u1.png --quiet",
                                model_path, dir);
    int rc = run(args);
    free(args);
    CHECK(rc == 0);
    int w = 0, h = 0;
    char *p = in_dir("one/u1.png");
    CHECK(png_size(p, &w, &h) && w == 30 && h == 30);
    free(p);
    const char *companions[] = {"one/u1.npy", "one/u1.csv", "one/u1_trace.npy"};
    for (int k = 0; k < 3; k++) {
        p = in_dir(companions[k]);
        FILE *f = fopen(p, "rb");
        CHECK(f != NULL);
        if (f) fclose(f);
        free(p);
    }
    /* the same seed gives the same bytes; --seed another */
    args = cj_path_printf("maximize %s --layer 4 --unit 1 --steps 20 --out %s/one/again.png --quiet", model_path, dir);
    CHECK(run(args) == 0);
    free(args);
    size_t la, lb;
    char *pa = in_dir("one/u1.npy"), *pb = in_dir("one/again.npy");
    char *a = fixture_read(pa, &la), *b = fixture_read(pb, &lb);
    CHECK(a && b && la == lb && !memcmp(a, b, la));
    free(a);
    free(b);
    free(pa);
    free(pb);
    /* from the middle of the box: with no steps to speak of, the image is about the middle */
    args = cj_path_printf("maximize %s --layer 4 --unit 0 --start middle --steps 1 --lr 1e-6 --out %s/one/mid.png "
                          "--quiet", model_path, dir);
    CHECK(run(args) == 0);
    free(args);
    cj_model_info info;
    cj_error err;
    float lo = 0, hi = 0;
    CHECK(cj_model_file_info(model_path, &info, &err) == CJ_OK && cj_maximize_box(&info, &lo, &hi));
    p = in_dir("one/mid.npy");
    cj_npy_array mid;
    if (cj_npy_read(p, CJ_NPY_F32, &mid, &err) == CJ_OK) {
        double worst = 0;
        for (size_t i = 0; i < mid.numel; i++) worst = fmax(worst, fabs(((float *)mid.data)[i] - 0.5 * (lo + hi)));
        CHECK(worst < 0.1 * (hi - lo)); /* the noise is 1% of the width */
        cj_npy_free(&mid);
    } else {
        test_fail("%s", err.msg);
    }
    free(p);
    /* a conv channel's centre, from the data's mean image, with no box */
    args = cj_path_printf("maximize %s --layer 0 --unit 2 --at centre --start mean --inputs %s/test-images.gz "
                          "--range none --steps 10 --out %s/one/centre.png --quiet", model_path, dir, dir);
    rc = run(args);
    if (rc != 0) test_fail("exit %d: %s", rc, output);
    free(args);
    p = in_dir("one/centre.csv");
    char *text = fixture_read(p, NULL);
    CHECK(text && strstr(text, "\n0_conv2d,2,,centre,"));
    free(text);
    free(p);
}

/* A model of 5 features (trained on .npy data, no image). */
static char *write_flat_model(void)
{
    cj_model m;
    cj_error err;
    char *path = in_dir("flat.safetensors");
    if (cj_model_create(&m, "dense 3, relu, dense 2", (cj_shape){5, 1, 1}, 1, &err)) return path;
    cj_model_info info = {.input = {5, 1, 1}, .classes = 2, .loss = &cj_cross_entropy_ops, .rule = &cj_rule_bp,
                          .format = CJ_DATA_NPY, .targets = CJ_TARGET_LABELS, .scale = CJ_SCALE_UNIT,
                          .epoch = 1, .step = 1, .seed = 1};
    snprintf(info.layers, sizeof info.layers, "dense 3, relu, dense 2");
    if (cj_model_save_info(&m, &info, path, &err)) printf("  %s\n", err.msg);
    cj_model_free(&m);
    return path;
}

TEST(cli_errors_are_one_line)
{
    /* usage errors: exit 2 (the first line names the problem, the usage follows) */
    CHECK(run("maximize") == 2 && strstr(output, "cajal maximize: no model file given\n"));
    char *args = cj_path_printf("maximize %s --unit 1", model_path);
    CHECK(run(args) == 2 && strstr(output, "cajal maximize: --layer L is needed\n"));
    free(args);
    args = cj_path_printf("maximize %s --layer 0", model_path);
    CHECK(run(args) == 2 && strstr(output, "--unit U or --units SPEC is needed"));
    free(args);
    args = cj_path_printf("maximize %s --layer 0 --unit 1 --units 2", model_path);
    CHECK(run(args) == 2 && strstr(output, "not both"));
    free(args);
    expect(2, cj_path_printf("maximize %s --layer 0 --unit 1 --at edge", model_path),
           "--at 'edge' is not mean or centre");
    expect(2, cj_path_printf("maximize %s --layer 0 --unit 1 --range 1", model_path),
           "--range '1' is not LO,HI or none");
    expect(2, cj_path_printf("maximize %s --layer 0 --unit 1 --range 2,1", model_path), "LO must be below HI");
    expect(2, cj_path_printf("maximize %s --layer 0 --unit 1 --steps 0", model_path),
           "--steps '0' is not a whole number from 1");
    expect(2, cj_path_printf("maximize %s --layer 0 --unit 1,2", model_path), "--unit '1,2' is not a whole number");
    expect(2, cj_path_printf("maximize %s --layer 0 --unit 1 --bogus 3", model_path), "unknown option '--bogus'");
    expect(2, cj_path_printf("maximize %s --layer 0 --unit 1 --start mean", model_path),
           "--start mean starts from the mean image of --inputs FILE");
    expect(2, cj_path_printf("maximize %s --layer 0 --unit 1 --start grey", model_path),
           "--start 'grey' is not zero, middle or mean");
    expect(2, cj_path_printf("maximize %s --layer 0 --unit 1 --optim sgd", model_path),
           "--optim 'sgd' is not adam or normalized");
    /* library errors: exit 1, one line naming what is wrong */
    expect(1, cj_path_printf("maximize %s --layer 9 --unit 0 --out %s/err", model_path, dir),
           "cajal maximize: --layer: layer '9' is not one of the model's layers 0 to 4 (0_conv2d, 1_relu, 2_maxpool, "
           "3_flatten, 4_dense)");
    expect(1, cj_path_printf("maximize %s --layer 4 --unit 2 --out %s/err", model_path, dir),
           "layer 4: units 2: unit 2 is out of range: the layer has units 0 to 1");
    expect(1, cj_path_printf("maximize %s --layer 4 --units 0,1 --labels one --out %s/err", model_path, dir),
           "labels: 1 names for 2 units");
    expect(1, cj_path_printf("maximize %s --layer 4 --unit 0 --inputs %s/nothing.gz --out %s/err", model_path, dir,
                             dir), "nothing.gz");
    char *flat = write_flat_model();
    expect(1, cj_path_printf("maximize %s --layer 0 --unit 0 --out %s/err", flat, dir), "takes inputs of 5x1x1");
    free(flat);
    expect(1, cj_path_printf("maximize %s/nothing --layer 0 --unit 0", dir), "nothing");
}

int main(void)
{
    RUN(input_gradient_matches_finite_differences);
    RUN(linear_unit_reaches_w_over_2_lambda);
    RUN(box_gives_the_clipped_closed_form_and_the_sign_pattern);
    RUN(roll_is_np_roll_and_back_inverts_it);
    RUN(blur_is_a_gaussian_with_repeated_edges);
    RUN(jitter_spreads_the_preferred_pixel_over_its_rolls);
    RUN(a_step_moves_the_pixel_the_rolled_unit_saw);
    RUN(a_seed_fixes_every_image);
    RUN(units_layers_and_options_are_checked);
    RUN(box_and_pixels_follow_the_scaling);
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    if (!mkdtemp(dir)) return 1;
    if (write_toy_set(dir, "train", 200, 6, 6, 1) || write_toy_set(dir, "test", 100, 6, 6, 2)) return 1;
    if (train_toy()) return 1;
    RUN(cli_writes_a_grid_the_inputs_and_the_table);
    RUN(cli_one_unit_to_a_png_file);
    RUN(cli_errors_are_one_line);
    char *rm = cj_path_printf("rm -rf %s", dir);
    if (system(rm)) printf("could not remove %s\n", dir);
    free(rm);
    free(model_path);
    return test_summary("maximize");
}
