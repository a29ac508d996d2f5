/* test_fixedpoints.c — the fixed-point finder (cajal/fixedpoints.h):
 * linear maps with closed-form fixed points, eigenvalues and eigenvectors;
 * the 3-bit flip-flop network built by hand (27 fixed points against the
 * roots of x = 2 tanh x); rate RNN (plain and Dale's law), GRU and LSTM
 * layers made by cj_model_create against scipy's fsolve and numpy/torch
 * eigenvalues (tools/make_fixedpoint_refs.py, tests/ref/fixedpoints/);
 * each adapter's map against the layer's own forward step and its
 * Jacobian against central differences; merging, outliers, slow points,
 * noise and bad arguments. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/fixedpoints.h"
#include "cajal/model.h"
#include "harness.h"
#include "ref_text.h"

/* ---- small maps with closed forms ------------------------------------------- */

typedef struct {
    int n;
    const double *a, *b; /* F(x) = A x + b */
    int max_batch, over; /* calls with more rows than max_batch */
} linear_map;

static void linear_f(void *user, const double *x, double *fx, int batch)
{
    linear_map *m = user;
    if (m->max_batch && batch > m->max_batch) m->over++;
    for (int r = 0; r < batch; r++)
        for (int i = 0; i < m->n; i++) {
            double s = m->b[i];
            for (int j = 0; j < m->n; j++) s += m->a[i * m->n + j] * x[r * m->n + j];
            fx[r * m->n + i] = s;
        }
}

static void linear_jac(void *user, const double *x, double *jac, int batch)
{
    linear_map *m = user;
    (void)x;
    for (int r = 0; r < batch; r++) memcpy(jac + (size_t)r * m->n * m->n, m->a, sizeof(double) * m->n * m->n);
}

static double *grid_inits(int n_inits, int n, double lo, double hi, unsigned seed)
{
    double *x = malloc(sizeof(double) * n_inits * n);
    unsigned s = seed;
    for (int k = 0; k < n_inits * n; k++) {
        s = s * 1664525u + 1013904223u;
        x[k] = lo + (hi - lo) * (s >> 8) / 16777216.0;
    }
    return x;
}

/* A = P diag(1.5, 0.9) P⁻¹ with P = [[1, 1], [0.5, −2]]: x* = (I − A)⁻¹ b,
 * a saddle. The slow mode is λ = 0.9 (second by magnitude), with right
 * vector −P[:,1]/‖P[:,1]‖ (its largest entry, −2, made positive) and left
 * vector −‖P[:,1]‖ (row 1 of P⁻¹), so that w·v = 1. */
static void saddle_2d(int with_jacobian, int max_batch)
{
    const double p[4] = {1, 1, 0.5, -2}, det = p[0] * p[3] - p[1] * p[2];
    const double pinv[4] = {p[3] / det, -p[1] / det, -p[2] / det, p[0] / det}, lam[2] = {1.5, 0.9};
    double a[4];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) a[i * 2 + j] = p[i * 2 + 0] * lam[0] * pinv[0 * 2 + j] + p[i * 2 + 1] * lam[1] * pinv[1 * 2 + j];
    const double b[2] = {0.3, -0.2};
    /* (I − A) x = b by Cramer. */
    double m00 = 1 - a[0], m01 = -a[1], m10 = -a[2], m11 = 1 - a[3], d = m00 * m11 - m01 * m10;
    double xs[2] = {(b[0] * m11 - m01 * b[1]) / d, (m00 * b[1] - m10 * b[0]) / d};
    linear_map m = {2, a, b, max_batch, 0};
    cj_fp_system sys = {2, linear_f, with_jacobian ? linear_jac : NULL, max_batch, &m};
    cj_fp_options o;
    cj_fp_options_default(&o);
    double *init = grid_inits(20, 2, -3, 3, 7);
    cj_fp_result res;
    cj_error err;
    cj_status st = cj_fp_find(&sys, init, 20, &o, &res, &err);
    CHECK(st == CJ_OK);
    if (st) test_fail("%s", err.msg);
    CHECK(m.over == 0);
    CHECK(res.n_points == 1 && res.n_unique == 1 && res.n_outliers == 0);
    if (res.n_points == 1) {
        const cj_fixed_point *fp = &res.points[0];
        CHECK(fp->n_merged == 20);
        CHECK(fp->q < 1e-12);
        CHECK(fp->iters < 30);
        CHECK_NEAR(fp->x[0], xs[0], 1e-6);
        CHECK_NEAR(fp->x[1], xs[1], 1e-6);
        const cj_fp_modes *md = &fp->modes;
        CHECK_NEAR(md->re[0], 1.5, 1e-8);
        CHECK_NEAR(md->re[1], 0.9, 1e-8);
        CHECK_NEAR(md->im[0], 0.0, 1e-12);
        CHECK(md->kind == CJ_FP_SADDLE && md->n_unstable == 1);
        CHECK(md->slow == 1);
        CHECK_NEAR(md->slow_re, 0.9, 1e-8);
        double norm = hypot(p[1], p[3]);
        CHECK_NEAR(md->right_re[0], -p[1] / norm, 1e-7);
        CHECK_NEAR(md->right_re[1], -p[3] / norm, 1e-7);
        CHECK_NEAR(md->left_re[0], -norm * pinv[2], 1e-7);
        CHECK_NEAR(md->left_re[1], -norm * pinv[3], 1e-7);
        CHECK_NEAR(md->left_im[0], 0.0, 1e-12);
    }
    cj_fp_result_free(&res);
    free(init);
}

TEST(linear_saddle_analytic_jacobian) { saddle_2d(1, 0); }
TEST(linear_saddle_central_differences_in_batches_of_3) { saddle_2d(0, 3); }

/* A = 0.9 R(0.3): a stable spiral, λ = 0.9 e^{±0.3i}. The slow mode (a
 * tie between the conjugates: +0.3i comes first) must satisfy
 * J v = λ v, wᴴ J = λ wᴴ and wᴴ v = 1 in complex arithmetic. */
TEST(linear_spiral_complex_modes)
{
    const double th = 0.3, r = 0.9;
    const double a[4] = {r * cos(th), -r * sin(th), r * sin(th), r * cos(th)}, b[2] = {1.0, 2.0};
    linear_map m = {2, a, b, 0, 0};
    cj_fp_system sys = {2, linear_f, linear_jac, 0, &m};
    cj_fp_options o;
    cj_fp_options_default(&o);
    o.tol_q = 1e-28;
    o.tol_dq = 0;
    double init[4] = {0, 0, 5, -5};
    cj_fp_result res;
    cj_error err;
    CHECK(cj_fp_find(&sys, init, 2, &o, &res, &err) == CJ_OK);
    CHECK(res.n_points == 1);
    if (res.n_points == 1) {
        const cj_fixed_point *fp = &res.points[0];
        double m00 = 1 - a[0], m01 = -a[1], m10 = -a[2], m11 = 1 - a[3], d = m00 * m11 - m01 * m10;
        CHECK_NEAR(fp->x[0], (b[0] * m11 - m01 * b[1]) / d, 1e-12);
        CHECK_NEAR(fp->x[1], (m00 * b[1] - m10 * b[0]) / d, 1e-12);
        const cj_fp_modes *md = &fp->modes;
        CHECK(md->kind == CJ_FP_STABLE && md->n_unstable == 0);
        CHECK_NEAR(hypot(md->re[0], md->im[0]), r, 1e-12);
        CHECK_NEAR(md->slow_re, r * cos(th), 1e-12);
        CHECK_NEAR(md->slow_im, r * sin(th), 1e-12);
        double lr = md->slow_re, li = md->slow_im, worst = 0, sr = 0, si = 0;
        for (int i = 0; i < 2; i++) {
            /* (J v)_i − λ v_i and (wᴴ J)_i − λ w_i* */
            double jr = 0, ji = 0, wr = 0, wi = 0;
            for (int j = 0; j < 2; j++) {
                jr += a[i * 2 + j] * md->right_re[j], ji += a[i * 2 + j] * md->right_im[j];
                wr += md->left_re[j] * a[j * 2 + i], wi += -md->left_im[j] * a[j * 2 + i];
            }
            double vr = md->right_re[i], vi = md->right_im[i], ur = md->left_re[i], ui = -md->left_im[i];
            worst = fmax(worst, hypot(jr - (lr * vr - li * vi), ji - (lr * vi + li * vr)));
            worst = fmax(worst, hypot(wr - (lr * ur - li * ui), wi - (lr * ui + li * ur)));
            sr += md->left_re[i] * vr + md->left_im[i] * vi;
            si += md->left_re[i] * vi - md->left_im[i] * vr;
        }
        CHECK(worst < 1e-12);
        CHECK_NEAR(sr, 1.0, 1e-12);
        CHECK_NEAR(si, 0.0, 1e-12);
        CHECK_NEAR(hypot(md->right_re[0], md->right_im[0]) * hypot(md->right_re[0], md->right_im[0]) +
                       md->right_re[1] * md->right_re[1] + md->right_im[1] * md->right_im[1],
                   1.0, 1e-12);
    }
    cj_fp_result_free(&res);
}

/* ---- the 3-bit flip-flop ------------------------------------------------------ */

/* The positive root of r = tanh(2r), by bisection in double. */
static double flipflop_root(void)
{
    double lo = 0.5, hi = 1.0;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (tanh(2 * mid) - mid > 0) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* Three decoupled bistable units, r_i ← tanh(2 r_i), as a rate RNN with
 * α = 1 whose state is x = 2 r (x ← 2 tanh x): 27 fixed points, every
 * coordinate in {−2r*, 0, 2r*}; Jacobian diag(2 (1 − tanh² x_i)), so a
 * zero coordinate is an unstable mode (eigenvalue 2) and a nonzero one a
 * stable mode (2 (1 − r*²) = 0.1664...). */
TEST(three_bit_flipflop)
{
    cj_model m;
    cj_error err;
    if (cj_model_create(&m, "rnn 3, dense 3", (cj_shape){1, 1, 1}, 4, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    float *whh = cj_model_find_param(&m, "0.weight_hh_l0", NULL);
    for (int i = 0; i < 3; i++) whh[i * 3 + i] = 2.0f;
    cj_fp_system sys;
    CHECK(cj_fp_layer_system(&m.layers[0], NULL, &sys, &err) == CJ_OK);
    const double grid[6] = {-2.4, -1.1, -0.3, 0.25, 1.2, 2.6};
    double init[216 * 3];
    for (int k = 0; k < 216; k++) init[k * 3] = grid[k % 6], init[k * 3 + 1] = grid[k / 6 % 6], init[k * 3 + 2] = grid[k / 36];
    cj_fp_options o;
    cj_fp_options_default(&o);
    cj_fp_result res;
    CHECK(cj_fp_find(&sys, init, 216, &o, &res, &err) == CJ_OK);
    const double r = flipflop_root(), xs = 2 * r, lam_stable = 2 * (1 - r * r);
    CHECK(res.n_points == 27);
    int seen[27] = {0}, kinds[4] = {0}, by_unstable[4] = {0};
    for (int k = 0; k < res.n_points; k++) {
        const cj_fixed_point *fp = &res.points[k];
        int code = 0, zeros = 0;
        double worst = 0;
        for (int i = 0; i < 3; i++) {
            double v = fp->x[i];
            int c = v < -xs / 2 ? 0 : v > xs / 2 ? 2 : 1;
            double want = c == 0 ? -xs : c == 2 ? xs : 0.0;
            worst = fmax(worst, fabs(v - want));
            zeros += c == 1;
            code = code * 3 + c;
        }
        CHECK(worst < 2e-6); /* q < 1e-12 means |F(x) − x| < 1.4e-6 */
        CHECK(fp->q < 1e-12 && fp->stop == CJ_FP_STOP_Q);
        seen[code]++;
        kinds[fp->modes.kind]++;
        by_unstable[fp->modes.n_unstable]++;
        CHECK(fp->modes.n_unstable == zeros);
        /* |λ| descending: the zeros' 2s, then the stable 0.1664s */
        for (int i = 0; i < 3; i++)
            CHECK_NEAR(fp->modes.re[i], i < zeros ? 2.0 : lam_stable, 1e-5);
    }
    for (int c = 0; c < 27; c++) CHECK(seen[c] == 1);
    CHECK(kinds[CJ_FP_STABLE] == 8 && kinds[CJ_FP_UNSTABLE] == 1 && kinds[CJ_FP_SADDLE] == 18);
    CHECK(by_unstable[0] == 8 && by_unstable[1] == 12 && by_unstable[2] == 6 && by_unstable[3] == 1);
    cj_fp_result_free(&res);
    cj_fp_system_free(&sys);
    cj_model_free(&m);
}

/* ---- layers made by cj_model_create against tools/make_fixedpoint_refs.py --------- */

static int load_layer(cj_model *m, const ref_text *r, int G, int H, int I)
{
    const char *names[4] = {"w_ih", "w_hh", "b_ih", "b_hh"}, *pnames[4] = {"0.weight_ih_l0", "0.weight_hh_l0",
                                                                           "0.bias_ih_l0", "0.bias_hh_l0"};
    const int counts[4] = {G * H * I, G * H * H, G * H, G * H};
    for (int k = 0; k < 4; k++) {
        const double *v = ref_text_get(r, names[k], counts[k]);
        float *p = cj_model_find_param(m, pnames[k], NULL);
        if (!v || !p) return 0;
        for (int i = 0; i < counts[k]; i++) p[i] = (float)v[i];
    }
    return 1;
}

/* Runs the finder from the reference's initial states on layer 0 of
 * `spec` and compares: every reference point is found, every point found
 * with q < 1e-20 (and |h| < 1 for gated cells: see the script) is a
 * reference point, with its Jacobian and eigenvalues. */
static void compare_reference(const char *file, const char *spec, int G, int H, int I, int N, int n_inits,
                              int gated)
{
    char path[128];
    snprintf(path, sizeof path, "tests/ref/fixedpoints/%s.txt", file);
    ref_text r;
    if (!ref_text_load(&r, path)) return;
    cj_model m;
    cj_error err;
    const double *nfp = ref_text_get(&r, "n_fp", 1);
    if (!nfp || cj_model_create(&m, spec, (cj_shape){I, 1, 1}, 4, &err)) {
        if (nfp) test_fail("%s: %s", spec, err.msg);
        ref_text_free(&r);
        return;
    }
    int n_fp = (int)*nfp;
    const double *u = ref_text_get(&r, "u", I), *init = ref_text_get(&r, "init", n_inits * N);
    const double *fp = ref_text_get(&r, "fp", n_fp * N), *er = ref_text_get(&r, "eig_re", n_fp * N);
    const double *ei = ref_text_get(&r, "eig_im", n_fp * N), *jac = ref_text_get(&r, "jac", n_fp * N * N);
    cj_fp_system sys = {0};
    cj_fp_result res = {0};
    if (!u || !init || !fp || !er || !ei || !jac || !load_layer(&m, &r, G, H, I)) goto done;
    float uf[8];
    for (int i = 0; i < I; i++) uf[i] = (float)u[i];
    if (cj_fp_layer_system(&m.layers[0], uf, &sys, &err)) {
        test_fail("%s", err.msg);
        goto done;
    }
    CHECK(sys.n == N);
    cj_fp_options o;
    cj_fp_options_default(&o);
    o.tol_q = 1e-26; /* to compare locations to 1e-9 */
    o.tol_dq = 0;
    o.outlier_distance_scale = 0;
    if (cj_fp_find(&sys, init, n_inits, &o, &res, &err)) {
        test_fail("%s", err.msg);
        goto done;
    }
    int *found = calloc(n_fp, sizeof(int)), n_good = 0;
    for (int k = 0; k < res.n_points; k++) {
        const cj_fixed_point *p = &res.points[k];
        double hmax = 0;
        for (int i = 0; i < H; i++) hmax = fmax(hmax, fabs(p->x[i]));
        if (!(p->q < 1e-20) || (gated && hmax >= 1.0)) continue;
        n_good++;
        int best = -1;
        double bd = INFINITY;
        for (int j = 0; j < n_fp; j++) {
            double d = 0;
            for (int i = 0; i < N; i++) d = fmax(d, fabs(p->x[i] - fp[j * N + i]));
            if (d < bd) bd = d, best = j;
        }
        if (!(bd < 1e-9)) {
            test_fail("%s: point %d (q %g) is %g from every reference point", file, k, p->q, bd);
            continue;
        }
        found[best]++;
        double dj = 0, de = 0;
        for (int i = 0; i < N * N; i++) dj = fmax(dj, fabs(p->jacobian[i] - jac[best * N * N + i]));
        for (int i = 0; i < N; i++) {
            de = fmax(de, fabs(p->modes.re[i] - er[best * N + i]));
            de = fmax(de, fabs(fabs(p->modes.im[i]) - fabs(ei[best * N + i])));
        }
        CHECK(dj < 1e-9);
        CHECK(de < 1e-8);
        if (dj >= 1e-9 || de >= 1e-8) test_fail("%s: point %d: Jacobian off by %g, eigenvalues by %g", file, k, dj, de);
        int unstable = 0;
        for (int i = 0; i < N; i++) unstable += hypot(er[best * N + i], ei[best * N + i]) > 1.0;
        CHECK(p->modes.n_unstable == unstable);
    }
    for (int j = 0; j < n_fp; j++)
        if (found[j] != 1) test_fail("%s: reference point %d found %d times", file, j, found[j]);
    CHECK(n_good == n_fp);
    free(found);
done:
    cj_fp_result_free(&res);
    cj_fp_system_free(&sys);
    cj_model_free(&m);
    ref_text_free(&r);
}

TEST(rate_rnn_against_fsolve) { compare_reference("rnn", "rnn 12 tau=100 dt=20, dense 2", 1, 12, 3, 12, 64, 0); }
/* Dale's law, with recurrent noise on: the adapter reads W_eff through
 * two noisy passes whose noise cancels. */
TEST(dale_rnn_against_fsolve)
{
    compare_reference("dale", "rnn 10 nonlinearity=relu alpha=0.5 dale=true noise=0.1", 1, 10, 2, 10, 32, 0);
}
TEST(gru_against_torch_and_fsolve) { compare_reference("gru", "gru 6", 3, 6, 2, 6, 256, 1); }
TEST(lstm_against_torch_and_fsolve) { compare_reference("lstm", "lstm 5", 4, 5, 2, 10, 64, 1); }

/* ---- adapters against the layers themselves ------------------------------------- */

/* One forward step of the model's layer 0 from random states against the
 * adapter's F (float layer, so 1e-5), and the analytic Jacobian against
 * central differences (1e-7). Also: making the adapter leaves the layer's
 * state and noise stream as they were. A noisy layer's step is not F, so
 * for it only the Jacobian and the untouched state are checked (its
 * W_eff is checked against the reference in dale_rnn_against_fsolve). */
static void adapter_vs_layer(const char *spec, int lstm, int noisy)
{
    enum { B = 5, I = 3 };
    cj_model m;
    cj_error err;
    if (cj_model_create_seq(&m, spec, (cj_shape){I, 1, 1}, 1, B, &err)) {
        test_fail("%s: %s", spec, err.msg);
        return;
    }
    cj_rng rng;
    cj_rng_seed(&rng, 11);
    cj_model_init(&m, &rng);
    cj_layer *l = &m.layers[0];
    /* Larger weights than PyTorch's init, so the nonlinearities bend. */
    for (int k = 0; k < l->n_params; k++)
        for (size_t i = 0; i < l->params[k].n; i++) l->params[k].data[i] *= 3.0f;
    const int H = l->units, N = lstm ? 2 * H : H;
    float u[I] = {0.4f, -0.7f, 0.2f};
    cj_model_reset(&m, B);
    size_t sn = (size_t)B * N;
    float *st0 = malloc(sizeof(float) * sn);
    cj_rng_fill_uniform(&rng, st0, sn, -1.5f, 1.5f);
    memcpy(l->state, st0, sizeof(float) * sn);
    cj_rng *lr = cj_layer_rng(l), before;
    if (lr) before = *lr;
    cj_fp_system sys;
    if (cj_fp_layer_system(l, u, &sys, &err)) {
        test_fail("%s: %s", spec, err.msg);
        free(st0);
        cj_model_free(&m);
        return;
    }
    CHECK(memcmp(l->state, st0, sizeof(float) * sn) == 0);
    if (lr) CHECK(memcmp(lr, &before, sizeof before) == 0);
    /* The adapter's rows are [h, c] per sample; the layer's state is h
     * [B, H] then c [B, H] (gated_layers.c). */
    double *x = malloc(sizeof(double) * sn * 2), *fx = x + sn;
    for (int b = 0; b < B; b++)
        for (int i = 0; i < N; i++)
            x[b * N + i] = lstm ? st0[i < H ? b * H + i : B * H + b * H + i - H] : st0[b * N + i];
    sys.map(sys.user, x, fx, B);
    float xin[B * I];
    for (int b = 0; b < B; b++) memcpy(xin + b * I, u, sizeof u);
    cj_model_forward_seq(&m, xin, 1, B);
    double worst = 0;
    for (int b = 0; b < B; b++)
        for (int i = 0; i < N; i++) {
            float v = lstm ? l->state[i < H ? b * H + i : B * H + b * H + i - H] : l->state[b * N + i];
            worst = fmax(worst, fabs(v - fx[b * N + i]) / fmax(1.0, fabs(fx[b * N + i])));
        }
    if (!noisy && !(worst < 1e-5)) test_fail("%s: adapter F differs from the layer's step by %g", spec, worst);
    double *ja = malloc(sizeof(double) * B * N * N * 2), *jf = ja + (size_t)B * N * N;
    CHECK(cj_fp_jacobian(&sys, x, B, 0, ja, &err) == CJ_OK);
    cj_fp_system fd = sys;
    fd.jacobian = NULL;
    CHECK(cj_fp_jacobian(&fd, x, B, 1e-5, jf, &err) == CJ_OK);
    double dj = 0;
    for (int k = 0; k < B * N * N; k++) dj = fmax(dj, fabs(ja[k] - jf[k]));
    if (!(dj < 1e-7)) test_fail("%s: analytic Jacobian differs from central differences by %g", spec, dj);
    free(ja);
    free(x);
    free(st0);
    cj_fp_system_free(&sys);
    cj_model_free(&m);
}

TEST(adapter_rnn_tanh) { adapter_vs_layer("rnn 7 alpha=0.3", 0, 0); }
TEST(adapter_rnn_softplus) { adapter_vs_layer("rnn 6 nonlinearity=softplus tau=50 dt=10", 0, 0); }
TEST(adapter_rnn_relu_dale) { adapter_vs_layer("rnn 8 nonlinearity=relu alpha=0.5 dale=true e_fraction=0.75", 0, 0); }
TEST(adapter_rnn_dale_noise_leaves_stream) { adapter_vs_layer("rnn 8 nonlinearity=tanh alpha=0.5 dale=true noise=0.2", 0, 1); }
TEST(adapter_gru) { adapter_vs_layer("gru 6", 0, 0); }
TEST(adapter_lstm) { adapter_vs_layer("lstm 4", 1, 0); }

/* The adapters' callbacks take batches larger than the rows they work on
 * at once (256), giving what row-by-row calls give. */
TEST(adapter_takes_any_batch)
{
    enum { N = 600 };
    cj_model m;
    cj_error err;
    if (cj_model_create(&m, "lstm 3", (cj_shape){2, 1, 1}, 1, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    cj_model_init(&m, &rng);
    cj_fp_system sys;
    CHECK(cj_fp_layer_system(&m.layers[0], NULL, &sys, &err) == CJ_OK);
    double *x = grid_inits(N, 6, -2, 2, 9), *all = malloc(sizeof(double) * N * 6 * 2), *one = all + N * 6;
    double *jall = malloc(sizeof(double) * N * 36 * 2), *jone = jall + N * 36;
    sys.map(sys.user, x, all, N);
    sys.jacobian(sys.user, x, jall, N);
    for (int b = 0; b < N; b++) {
        sys.map(sys.user, x + b * 6, one + b * 6, 1);
        sys.jacobian(sys.user, x + b * 6, jone + b * 36, 1);
    }
    double d = 0;
    for (int k = 0; k < N * 6; k++) d = fmax(d, fabs(all[k] - one[k]));
    for (int k = 0; k < N * 36; k++) d = fmax(d, fabs(jall[k] - jone[k]));
    CHECK(d < 1e-14);
    free(x), free(all), free(jall);
    cj_fp_system_free(&sys);
    cj_model_free(&m);
}

/* ---- merging, outliers, slow points, noise ---------------------------------------- */

/* F(x) = x + (x − a)(x − b) in one dimension: roots a and b. */
typedef struct {
    double a, b, c;
} quad_map;

static void quad_f(void *user, const double *x, double *fx, int batch)
{
    quad_map *m = user;
    for (int r = 0; r < batch; r++) fx[r] = x[r] + (x[r] - m->a) * (x[r] - m->b) + m->c;
}

static cj_fp_result run_quad(double a, double b, double c, const double *init, int n, cj_fp_options *o)
{
    quad_map m = {a, b, c};
    cj_fp_system sys = {1, quad_f, NULL, 0, &m};
    cj_fp_result res;
    cj_error err;
    if (cj_fp_find(&sys, init, n, o, &res, &err)) test_fail("%s", err.msg);
    return res;
}

TEST(unique_merges_within_tol_unique)
{
    cj_fp_options o;
    cj_fp_options_default(&o);
    o.tol_q = 1e-30;
    o.tol_dq = 0; /* else dq < 1e-20 ends the runs once q is below 1e-20 */
    const double init[6] = {-1.0, -0.5, -0.2, 0.3, 0.8, 1.5};
    /* roots 5e-4 apart: one point (FixedPointFinder's tol_unique 1e-3) */
    cj_fp_result res = run_quad(0.0, 5e-4, 0.0, init, 6, &o);
    CHECK(res.n_unique == 1 && res.n_points == 1);
    /* both roots were reached: the runs from the left end at 0, from the right at 5e-4 */
    CHECK_NEAR(res.x_all[0], 0.0, 1e-10); /* q < 1e-30: |x − root| 5e-4 < 1.4e-15 */
    CHECK_NEAR(res.x_all[5], 5e-4, 1e-10);
    if (res.n_points == 1) {
        CHECK(res.points[0].n_merged == 6);
        /* the kept run has the smallest q of all */
        for (int k = 0; k < 6; k++) CHECK(res.points[0].q <= res.q_all[k]);
    }
    cj_fp_result_free(&res);
    /* 2e-3 apart: two */
    res = run_quad(0.0, 2e-3, 0.0, init, 6, &o);
    CHECK(res.n_unique == 2 && res.n_points == 2);
    if (res.n_points == 2) {
        CHECK_NEAR(res.points[0].x[0], 0.0, 1e-10);
        CHECK_NEAR(res.points[1].x[0], 2e-3, 1e-10);
        CHECK(res.points[0].n_merged + res.points[1].n_merged == 6);
        CHECK(res.points[0].modes.kind == CJ_FP_STABLE);   /* F' = 1 + (2x − a − b) = 1 − 2e-3 */
        CHECK(res.points[1].modes.kind == CJ_FP_UNSTABLE); /* 1 + 2e-3 */
    }
    cj_fp_result_free(&res);
    /* tol_unique 0: only equal points merge */
    o.tol_unique = 0;
    res = run_quad(0.0, 5e-4, 0.0, init, 6, &o);
    CHECK(res.n_unique >= 2);
    cj_fp_result_free(&res);
}

TEST(outliers_by_distance_to_the_initial_centroid)
{
    /* F(x) = 0.5 x + c: fixed point 2c. Initial states −1 and 1: centroid
     * 0, mean distance 1, so a point is kept when |2c| <= scale. */
    const double a = 0.5, init[2] = {-1.0, 1.0};
    double b = 2.0;
    linear_map m = {1, &a, &b, 0, 0};
    cj_fp_system sys = {1, linear_f, linear_jac, 0, &m};
    cj_fp_options o;
    cj_fp_options_default(&o);
    cj_fp_result res;
    cj_error err;
    CHECK(cj_fp_find(&sys, init, 2, &o, &res, &err) == CJ_OK); /* 4 <= 10 */
    CHECK(res.n_points == 1 && res.n_outliers == 0);
    cj_fp_result_free(&res);
    o.outlier_distance_scale = 3.9;
    CHECK(cj_fp_find(&sys, init, 2, &o, &res, &err) == CJ_OK); /* 4 > 3.9 */
    CHECK(res.n_points == 0 && res.n_outliers == 1 && res.n_unique == 1);
    cj_fp_result_free(&res);
    b = 500.0;
    cj_fp_options_default(&o);
    CHECK(cj_fp_find(&sys, init, 2, &o, &res, &err) == CJ_OK); /* 1000 > 10 */
    CHECK(res.n_points == 0 && res.n_outliers == 1);
    cj_fp_result_free(&res);
    o.outlier_distance_scale = 0; /* keep all */
    CHECK(cj_fp_find(&sys, init, 2, &o, &res, &err) == CJ_OK);
    CHECK(res.n_points == 1 && res.n_outliers == 0);
    if (res.n_points == 1) CHECK_NEAR(res.points[0].x[0], 1000.0, 1e-6);
    cj_fp_result_free(&res);
    /* one initial state: no spread, nothing dropped */
    cj_fp_options_default(&o);
    CHECK(cj_fp_find(&sys, init, 1, &o, &res, &err) == CJ_OK);
    CHECK(res.n_points == 1);
    cj_fp_result_free(&res);
}

/* F(x) = x + x² + 0.01 never has F(x) = x; q = ½ (x² + 0.01)² has its
 * minimum 5e-5 at x = 0: a slow point, kept with its q. */
TEST(slow_points_are_kept_with_their_q)
{
    cj_fp_options o;
    cj_fp_options_default(&o);
    const double init[3] = {-2.0, 0.7, 3.0};
    cj_fp_result res = run_quad(0.0, 0.0, 0.01, init, 3, &o);
    CHECK(res.n_points == 1);
    if (res.n_points == 1) {
        const cj_fixed_point *p = &res.points[0];
        CHECK(fabs(p->x[0]) < 1e-6);
        CHECK_NEAR(p->q, 5e-5, 1e-12);
        CHECK(p->stop == CJ_FP_STOP_DQ || p->stop == CJ_FP_STOP_STALLED);
        CHECK(p->iters < 200);
        CHECK_NEAR(p->modes.re[0], 1.0, 1e-6); /* F'(0) = 1: marginal */
    }
    cj_fp_result_free(&res);
}

TEST(noise_on_initial_states_is_seeded)
{
    const double a[4] = {0.5, 0.1, 0.0, 0.2}, b[2] = {1, 1};
    linear_map m = {2, a, b, 0, 0};
    cj_fp_system sys = {2, linear_f, linear_jac, 0, &m};
    double *init = grid_inits(50, 2, -1, 1, 3);
    cj_fp_options o;
    cj_fp_options_default(&o);
    cj_fp_result r0, r1, r2, r3;
    cj_error err;
    CHECK(cj_fp_find(&sys, init, 50, &o, &r0, &err) == CJ_OK);
    CHECK(memcmp(r0.init, init, sizeof(double) * 100) == 0); /* default: no noise */
    o.noise_scale = 0.5;
    o.seed = 42;
    CHECK(cj_fp_find(&sys, init, 50, &o, &r1, &err) == CJ_OK);
    CHECK(cj_fp_find(&sys, init, 50, &o, &r2, &err) == CJ_OK);
    o.seed = 43;
    CHECK(cj_fp_find(&sys, init, 50, &o, &r3, &err) == CJ_OK);
    CHECK(memcmp(r1.init, r2.init, sizeof(double) * 100) == 0);
    CHECK(memcmp(r1.x_all, r2.x_all, sizeof(double) * 100) == 0);
    CHECK(memcmp(r1.init, r3.init, sizeof(double) * 100) != 0);
    double sd = 0;
    for (int k = 0; k < 100; k++) sd += (r1.init[k] - init[k]) * (r1.init[k] - init[k]);
    sd = sqrt(sd / 100);
    CHECK(sd > 0.35 && sd < 0.65);
    CHECK(r1.n_points == 1);
    cj_fp_result_free(&r0);
    cj_fp_result_free(&r1);
    cj_fp_result_free(&r2);
    cj_fp_result_free(&r3);
    free(init);
}

/* ---- bad arguments --------------------------------------------------------------- */

static void nan_f(void *user, const double *x, double *fx, int batch)
{
    (void)user;
    for (int r = 0; r < batch; r++) fx[r] = x[r] > 0 ? NAN : x[r];
}

static int fails_with(cj_status st, cj_status want, const cj_error *err, const char *needle)
{
    if (st != want || !strstr(err->msg, needle)) {
        test_fail("expected status %d with '%s', got %d: %s", want, needle, st, st ? err->msg : "");
        return 0;
    }
    return 1;
}

TEST(bad_arguments_are_named)
{
    const double a = 0.5, b = 1.0, init[2] = {0.0, NAN};
    linear_map m = {1, &a, &b, 0, 0};
    cj_fp_system sys = {1, linear_f, NULL, 0, &m}, bad;
    cj_fp_options o;
    cj_fp_options_default(&o);
    cj_fp_result res;
    cj_error err;
    bad = sys, bad.map = NULL;
    fails_with(cj_fp_find(&bad, init, 1, &o, &res, &err), CJ_ERR_ARG, &err, "no map");
    cj_fp_result_free(&res);
    bad = sys, bad.n = 0;
    fails_with(cj_fp_find(&bad, init, 1, &o, &res, &err), CJ_ERR_ARG, &err, "n=0");
    cj_fp_result_free(&res);
    fails_with(cj_fp_find(&sys, init, 0, &o, &res, &err), CJ_ERR_ARG, &err, "0 initial states");
    cj_fp_result_free(&res);
    fails_with(cj_fp_find(&sys, init, 2, &o, &res, &err), CJ_ERR_ARG, &err, "initial state 1, entry 0 is nan");
    cj_fp_result_free(&res);
    fails_with(cj_fp_find(&sys, init, 1, NULL, &res, &err), CJ_ERR_ARG, &err, "no options");
    cj_fp_result_free(&res);
    cj_fp_options bo = o;
    bo.tol_q = -1;
    fails_with(cj_fp_find(&sys, init, 1, &bo, &res, &err), CJ_ERR_ARG, &err, "tol_q=-1");
    cj_fp_result_free(&res);
    bo = o, bo.max_iters = -3;
    fails_with(cj_fp_find(&sys, init, 1, &bo, &res, &err), CJ_ERR_ARG, &err, "max_iters=-3");
    cj_fp_result_free(&res);
    bo = o, bo.tol_unique = NAN;
    fails_with(cj_fp_find(&sys, init, 1, &bo, &res, &err), CJ_ERR_ARG, &err, "tol_unique=nan");
    cj_fp_result_free(&res);
    bo = o, bo.outlier_distance_scale = -2;
    fails_with(cj_fp_find(&sys, init, 1, &bo, &res, &err), CJ_ERR_ARG, &err, "outlier_distance_scale=-2");
    cj_fp_result_free(&res);
    bo = o, bo.fd_step = 0;
    fails_with(cj_fp_find(&sys, init, 1, &bo, &res, &err), CJ_ERR_ARG, &err, "fd_step=0");
    cj_fp_result_free(&res);
    bo = o, bo.noise_scale = -0.1;
    fails_with(cj_fp_find(&sys, init, 1, &bo, &res, &err), CJ_ERR_ARG, &err, "noise_scale=-0.1");
    cj_fp_result_free(&res);
    bad = sys, bad.map = nan_f;
    const double pos[2] = {-1.0, 2.0};
    fails_with(cj_fp_find(&bad, pos, 2, &o, &res, &err), CJ_ERR_NUMERIC, &err, "not finite at initial state 1");
    cj_fp_result_free(&res);
    double jac[4] = {0, 0, 0, NAN}, buf[12];
    cj_fp_modes md = {buf, buf + 2, .right_re = buf + 4, .right_im = buf + 6, .left_re = buf + 8, .left_im = buf + 10};
    fails_with(cj_fp_modes_compute(jac, 2, &md, &err), CJ_ERR_NUMERIC, &err, "entry (1, 1) is nan");
    fails_with(cj_fp_modes_compute(jac, 0, &md, &err), CJ_ERR_ARG, &err, "n=0");

    cj_model mdl;
    if (cj_model_create(&mdl, "dense 3, rnn 4", (cj_shape){2, 1, 1}, 1, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    fails_with(cj_fp_layer_system(&mdl.layers[0], NULL, &bad, &err), CJ_ERR_ARG, &err,
               "layer 0 (Linear) is not a recurrent layer");
    CHECK(cj_fp_layer_system(&mdl.layers[1], NULL, &bad, &err) == CJ_OK);
    CHECK(bad.n == 4);
    cj_fp_system_free(&bad);
    cj_model_free(&mdl);
}

/* ---- the chain between points (cj_fp_chain) ------------------------------ */

/* F(x) = (x1 + eps (x1 - x1^3), shrink x2): with shrink 0.5 and eps 0.1, a
 * double well (stable points at x1 = ±1, a saddle at 0) whose speed
 * between them is q = eps^2 (t - t^3)^2 / 2 at (t, 0); with eps 0 and
 * shrink 0.5, the x1 axis is a line of fixed points (q = 0 along it). */
typedef struct {
    double eps, shrink;
} well_map;

static void well_f(void *user, const double *x, double *fx, int batch)
{
    const well_map *m = user;
    for (int r = 0; r < batch; r++) {
        double a = x[2 * r], b = x[2 * r + 1];
        fx[2 * r] = a + m->eps * (a - a * a * a);
        fx[2 * r + 1] = m->shrink * b;
    }
}

TEST(chain_between_points_measures_the_ridge)
{
    cj_error err;
    well_map wm = {0.1, 0.5};
    cj_fp_system sys = {.n = 2, .map = well_f, .max_batch = 4, .user = &wm};
    /* Given out of order: the chain runs -1, 0, 1 (or 1, 0, -1). */
    const double pts[6] = {1, 0, -1, 0, 0, 0};
    enum { STEPS = 8, N_PATH = 2 * STEPS + 1 };
    double path[N_PATH * 2], q[N_PATH];
    CHECK(cj_fp_chain(&sys, pts, 3, STEPS, path, q, &err) == CJ_OK);
    double dir = path[0] < 0 ? 1 : -1;
    for (int i = 0; i < N_PATH; i++) {
        double t = dir * (-1 + (double)i / STEPS);
        CHECK_NEAR(path[2 * i], t, 1e-12);
        CHECK_NEAR(path[2 * i + 1], 0, 1e-12);
        CHECK_NEAR(q[i], 0.5 * 0.01 * (t - t * t * t) * (t - t * t * t), 1e-15);
    }
    /* The ridge peaks near |t| = 1/sqrt(3) (0.5 and 0.625 on this grid). */
    CHECK(q[4] > 5e-4 && q[STEPS] < 1e-20 && q[0] < 1e-20);

    well_map line = {0, 0.5};
    sys.user = &line;
    const double ends[4] = {-1, 0, 2, 0};
    CHECK(cj_fp_chain(&sys, ends, 2, STEPS, path, q, &err) == CJ_OK);
    for (int i = 0; i <= STEPS; i++) CHECK(q[i] == 0);
    CHECK(cj_fp_chain(&sys, ends, 1, STEPS, path, q, &err) == CJ_ERR_ARG && strstr(err.msg, "1 points"));
}

int main(void)
{
    RUN(linear_saddle_analytic_jacobian);
    RUN(linear_saddle_central_differences_in_batches_of_3);
    RUN(linear_spiral_complex_modes);
    RUN(three_bit_flipflop);
    RUN(chain_between_points_measures_the_ridge);
    RUN(rate_rnn_against_fsolve);
    RUN(dale_rnn_against_fsolve);
    RUN(gru_against_torch_and_fsolve);
    RUN(lstm_against_torch_and_fsolve);
    RUN(adapter_rnn_tanh);
    RUN(adapter_rnn_softplus);
    RUN(adapter_rnn_relu_dale);
    RUN(adapter_rnn_dale_noise_leaves_stream);
    RUN(adapter_gru);
    RUN(adapter_lstm);
    RUN(adapter_takes_any_batch);
    RUN(unique_merges_within_tol_unique);
    RUN(outliers_by_distance_to_the_initial_centroid);
    RUN(slow_points_are_kept_with_their_q);
    RUN(noise_on_initial_states_is_seeded);
    RUN(bad_arguments_are_named);
    return test_summary("fixedpoints");
}
