/* test_subspace.c — PCA against scikit-learn, condition averages, and
 * targeted dimensionality reduction (Mante et al. 2013) against a NumPy
 * implementation (lstsq, SVD, QR) and on synthetic units with planted,
 * non-orthogonal axes; bad arguments name what is wrong.
 * References: tools/make_subspace_refs.py -> tests/ref/subspace/. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rng.h"
#include "cajal/subspace.h"
#include "harness.h"
#include "ref_text.h"

static double dot(const double *a, const double *b, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static double angle_deg(const double *a, const double *b, int n)
{
    double c = dot(a, b, n) / sqrt(dot(a, a, n) * dot(b, b, n));
    return acos(c > 1.0 ? 1.0 : c < -1.0 ? -1.0 : c) * 180.0 / M_PI;
}

/* ---- PCA ------------------------------------------------------------- */

TEST(pca_matches_sklearn)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/subspace/pca.txt")) return;
    const double *shape = ref_text_get(&r, "shape", 3);
    if (!shape) goto done;
    const int rows = (int)shape[0], units = (int)shape[1], k = (int)shape[2];
    const double *x = ref_text_get(&r, "x", rows * units), *y = ref_text_get(&r, "y", 12 * units);
    const double *mean = ref_text_get(&r, "mean", units), *comp = ref_text_get(&r, "components", k * units);
    const double *sk = ref_text_get(&r, "components_sklearn", k * units);
    const double *ev = ref_text_get(&r, "explained_variance", k);
    const double *ratio = ref_text_get(&r, "explained_variance_ratio", k);
    const double *sx = ref_text_get(&r, "scores_x", rows * k), *sy = ref_text_get(&r, "scores_y", 12 * k);
    if (!x || !y || !mean || !comp || !sk || !ev || !ratio || !sx || !sy) goto done;
    float *xf = floats_from_doubles(x, (size_t)rows * units), *yf = floats_from_doubles(y, 12 * (size_t)units);
    cj_pca p, pd;
    cj_error err;
    CHECK(cj_pca_fit(&p, xf, rows, units, k, &err) == CJ_OK);
    /* The text holds each float32 in 9 digits, which read as a double is
     * near the float but not it: give the double path the floats. */
    double *xd = malloc(sizeof(double) * rows * units), *yd = malloc(sizeof(double) * 12 * units);
    for (int i = 0; i < rows * units; i++) xd[i] = xf[i];
    for (int i = 0; i < 12 * units; i++) yd[i] = yf[i];
    CHECK(cj_pca_fit_f64(&pd, xd, rows, units, k, &err) == CJ_OK);
    CHECK(p.k == k && p.units == units);
    CHECK(max_rel_diff_d(p.mean, mean, units) < 1e-12);
    CHECK(max_rel_diff_d(p.explained_variance, ev, k) < 1e-10);
    CHECK(max_rel_diff_d(p.explained_variance_ratio, ratio, k) < 1e-10);
    CHECK(max_rel_diff_d(p.components, comp, (size_t)k * units) < 1e-9);
    /* sklearn 1.2 signs by the scores: the same components up to sign. */
    for (int c = 0; c < k; c++) {
        double s = dot(p.components + c * units, sk + c * units, units);
        CHECK_NEAR(fabs(s), 1.0, 1e-10);
    }
    /* Convention: the largest |loading| is positive; rows orthonormal. */
    for (int c = 0; c < k; c++) {
        const double *v = p.components + c * units;
        int best = 0;
        for (int u = 1; u < units; u++)
            if (fabs(v[u]) > fabs(v[best])) best = u;
        CHECK(v[best] > 0.0);
        for (int d = 0; d < k; d++) CHECK_NEAR(dot(v, p.components + d * units, units), c == d, 1e-12);
    }
    double *scores = malloc(sizeof(double) * rows * k), *scores_y = malloc(sizeof(double) * 12 * k);
    CHECK(cj_pca_project(&p, xf, rows, k, scores, &err) == CJ_OK);
    CHECK(max_rel_diff_d(scores, sx, (size_t)rows * k) < 1e-9);
    CHECK(cj_pca_project_f64(&pd, yd, 12, k, scores_y, &err) == CJ_OK);
    CHECK(max_rel_diff_d(scores_y, sy, 12 * (size_t)k) < 1e-9);
    /* The first 2 of k: the first 2 columns of the k scores. */
    CHECK(cj_pca_project(&p, yf, 12, 2, scores_y, &err) == CJ_OK);
    double worst = 0.0;
    for (int i = 0; i < 12; i++)
        for (int c = 0; c < 2; c++) worst = fmax(worst, fabs(scores_y[i * 2 + c] - sy[i * k + c]));
    CHECK(worst < 1e-9);
    CHECK(max_rel_diff_d(pd.components, p.components, (size_t)k * units) < 1e-13);
    free(scores), free(scores_y), free(xf), free(yf), free(xd), free(yd);
    cj_pca_free(&p);
    cj_pca_free(&pd);
done:
    ref_text_free(&r);
}

/* Closed form, over more rows than one block: x = s1 u1 + s2 u2 + m with
 * u1, u2 orthonormal and s1 = 3 (-1)^r, s2 = +1 +1 -1 -1 ... uncorrelated,
 * so the variances are 9 n/(n-1) and n/(n-1) along u1 and u2 and 0 else. */
TEST(pca_closed_form_over_blocks)
{
    enum { N = 602, U = 5 };
    /* 602 rows: two whole blocks of 256 and a partial one; the last two
     * rows (s1 = 3, -3; s2 = 1, 1) break the balance, so use 600 + two
     * rows mirrored to keep means and cross terms zero. */
    static float x[N * U];
    const double u1[U] = {0.6, 0.8, 0, 0, 0}, u2[U] = {0, 0, 0.0, 0.6, -0.8}, m[U] = {1, -2, 3, 0.5, 0};
    for (int r = 0; r < N; r++) {
        double s1 = r % 2 ? -3.0 : 3.0, s2 = (r % 4) < 2 ? 1.0 : -1.0;
        if (r >= 600) s2 = 0.0; /* rows 600, 601: +3, -3 along u1 only */
        for (int u = 0; u < U; u++) x[r * U + u] = (float)(s1 * u1[u] + s2 * u2[u] + m[u]);
    }
    cj_pca p;
    cj_error err;
    CHECK(cj_pca_fit(&p, x, N, U, 3, &err) == CJ_OK);
    double v1 = 9.0 * N / (N - 1), v2 = 600.0 / (N - 1);
    /* float rounding of x bounds the agreement (~1e-7 relative) */
    CHECK_NEAR(p.explained_variance[0], v1, 1e-5);
    CHECK_NEAR(p.explained_variance[1], v2, 1e-5);
    CHECK_NEAR(p.explained_variance[2], 0.0, 1e-5);
    CHECK_NEAR(p.total_variance, v1 + v2, 1e-5);
    CHECK_NEAR(p.explained_variance_ratio[0], v1 / (v1 + v2), 1e-6);
    for (int u = 0; u < U; u++) {
        CHECK_NEAR(p.mean[u], m[u], 1e-6);
        CHECK_NEAR(p.components[u], u1[u], 1e-6);     /* largest loading 0.8 > 0 */
        CHECK_NEAR(p.components[U + u], -u2[u], 1e-6); /* largest |loading| -0.8: flipped */
    }
    /* Scores of row 0: (3, 1) along (u1, -u2). */
    double s[3];
    CHECK(cj_pca_project(&p, x, 1, 2, s, &err) == CJ_OK);
    CHECK_NEAR(s[0], 3.0, 1e-5);
    CHECK_NEAR(s[1], -1.0, 1e-5);
    cj_pca_free(&p);
}

TEST(pca_bad_arguments)
{
    float x[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    cj_pca p;
    cj_error err;
    CHECK(cj_pca_fit(&p, x, 4, 3, 4, &err) == CJ_ERR_ARG && strstr(err.msg, "k = 4"));
    CHECK(cj_pca_fit(&p, x, 1, 3, 1, &err) == CJ_ERR_ARG && strstr(err.msg, "1 rows"));
    CHECK(p.components == NULL);
    x[7] = NAN;
    CHECK(cj_pca_fit(&p, x, 4, 3, 2, &err) == CJ_ERR_ARG && strstr(err.msg, "x[2, 1]"));
    x[7] = 8;
    CHECK(cj_pca_fit(&p, x, 4, 3, 2, &err) == CJ_OK);
    double out[8];
    CHECK(cj_pca_project(&p, x, 4, 3, out, &err) == CJ_ERR_ARG && strstr(err.msg, "k = 3"));
    cj_pca_free(&p);
    cj_pca_free(&p); /* safe twice */
}

/* ---- condition averages ---------------------------------------------- */

TEST(condition_average_by_hand)
{
    /* 4 trials, T = 2, 1 unit; conditions 1, 0, 1, 1. */
    const float x[8] = {1, 2, 10, 20, 3, 4, 5, 9};
    const int cond[4] = {1, 0, 1, 1};
    double out[4];
    int counts[2];
    cj_error err;
    CHECK(cj_condition_average(x, 4, 2, 1, cond, 2, out, counts, &err) == CJ_OK);
    CHECK_NEAR(out[0], 10, 0);
    CHECK_NEAR(out[1], 20, 0);
    CHECK_NEAR(out[2], 3, 1e-15);
    CHECK_NEAR(out[3], 5, 1e-15);
    CHECK(counts[0] == 1 && counts[1] == 3);
    CHECK(cj_condition_average(x, 4, 2, 1, cond, 3, out, NULL, &err) == CJ_ERR_ARG &&
          strstr(err.msg, "condition 2 has no trials"));
    const int bad[4] = {1, 0, 5, 1};
    CHECK(cj_condition_average(x, 4, 2, 1, bad, 2, out, NULL, &err) == CJ_ERR_ARG &&
          strstr(err.msg, "trial 2 has condition 5"));
}

/* ---- TDR against NumPy ------------------------------------------------ */

static const char *const names[4] = {"motion", "colour", "context", "choice"};

TEST(tdr_matches_numpy)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/subspace/tdr.txt")) return;
    const double *shape = ref_text_get(&r, "shape", 6);
    if (!shape) goto done;
    const int trials = (int)shape[0], T = (int)shape[1], U = (int)shape[2], nr = (int)shape[3];
    const int C = (int)shape[4], n_pca = (int)shape[5];
    const size_t nx = (size_t)trials * T * U, nb = (size_t)nr * T * U, nc = (size_t)C * T * U;
    const double *x = ref_text_get(&r, "x", (int)nx), *F = ref_text_get(&r, "regressors", trials * nr);
    const double *cd = ref_text_get(&r, "condition", trials), *od = ref_text_get(&r, "order", nr);
    const double *mean = ref_text_get(&r, "unit_mean", U), *sd = ref_text_get(&r, "unit_sd", U);
    const double *beta = ref_text_get(&r, "beta", (int)nb), *icpt = ref_text_get(&r, "intercept", T * U);
    const double *cm = ref_text_get(&r, "cond_mean", (int)nc), *bp = ref_text_get(&r, "beta_pca", (int)nb);
    const double *norms = ref_text_get(&r, "norms", nr * T), *tm = ref_text_get(&r, "t_max", nr);
    const double *bmax = ref_text_get(&r, "beta_max", nr * U), *ang = ref_text_get(&r, "angles", nr * nr);
    const double *axes = ref_text_get(&r, "axes", nr * U), *proj = ref_text_get(&r, "projections", C * T * nr);
    if (!x || !F || !cd || !od || !mean || !sd || !beta || !icpt || !cm || !bp || !norms || !tm || !bmax ||
        !ang || !axes || !proj)
        goto done;
    float *xf = floats_from_doubles(x, nx);
    int *cond = malloc(sizeof(int) * trials), order[4];
    for (int k = 0; k < trials; k++) cond[k] = (int)cd[k];
    for (int v = 0; v < nr; v++) order[v] = (int)od[v];
    cj_tdr_input in = {.x = xf, .trials = trials, .T = T, .units = U, .regressors = F, .n_regressors = nr,
                       .names = names, .condition = cond, .n_conditions = C, .n_pca = n_pca, .order = order};
    cj_tdr out;
    cj_error err;
    cj_status st = cj_tdr_run(&in, &out, &err);
    CHECK(st == CJ_OK);
    if (st) {
        printf("  %s\n", err.msg);
    } else {
        CHECK(max_rel_diff_d(out.unit_mean, mean, U) < 1e-13);
        CHECK(max_rel_diff_d(out.unit_sd, sd, U) < 1e-12);
        CHECK(out.unit_sd[U - 1] == 0.0); /* the constant unit */
        CHECK(max_rel_diff_d(out.beta, beta, nb) < 1e-10);
        CHECK(max_rel_diff_d(out.intercept, icpt, (size_t)T * U) < 1e-10);
        CHECK(max_rel_diff_d(out.cond_mean, cm, nc) < 1e-12);
        CHECK(max_rel_diff_d(out.beta_pca, bp, nb) < 1e-9);
        CHECK(max_rel_diff_d(out.norms, norms, (size_t)nr * T) < 1e-9);
        for (int v = 0; v < nr; v++) CHECK(out.t_max[v] == (int)tm[v]);
        CHECK(max_rel_diff_d(out.beta_max, bmax, (size_t)nr * U) < 1e-9);
        CHECK(max_rel_diff_d(out.angles, ang, (size_t)nr * nr) < 1e-7);
        CHECK(max_rel_diff_d(out.axes, axes, (size_t)nr * U) < 1e-9);
        CHECK(max_rel_diff_d(out.projections, proj, (size_t)C * T * nr) < 1e-9);
        for (int t = 0; t < T; t++) /* the constant unit has no coefficients */
            for (int v = 0; v < nr; v++) CHECK(out.beta[((size_t)v * T + t) * U + U - 1] == 0.0);
        cj_tdr_free(&out);
    }
    /* Without denoising the maxima come from the raw coefficients. */
    in.n_pca = 0;
    st = cj_tdr_run(&in, &out, &err);
    CHECK(st == CJ_OK);
    if (!st) {
        CHECK(max_rel_diff_d(out.beta, beta, nb) < 1e-10);
        CHECK(memcmp(out.beta_pca, out.beta, sizeof(double) * nb) == 0);
        for (int v = 0; v < nr; v++) {
            const double *a = out.axes + v * U;
            CHECK_NEAR(dot(a, a, U), 1.0, 1e-12);
            CHECK(dot(a, out.beta_max + v * U, U) > 0.0); /* signed along its own beta_max */
        }
        cj_tdr_free(&out);
    }
    free(xf), free(cond);
done:
    ref_text_free(&r);
}

/* ---- TDR on synthetic units with planted axes -------------------------- */

enum { PT = 12, PU = 40, PREPS = 6, PNR = 4 };

/* Mante's 72 conditions: 6 motion x 6 colour coherences x 2 contexts,
 * choice the sign of the coherence the context makes relevant. Regressors
 * in Mante's order: choice, motion, colour, context. Unit i at time t:
 *   x = 3 + sum_v g_v(t) a_{v,i} F_v + noise (sd 0.3),
 * with g_v a bump peaking at peak[v] and planted axes a_v that are not
 * orthogonal (motion leans towards choice, context towards colour). */
static const int peak[PNR] = {9, 3, 5, 7};

static void planted(float *x, double *F, int *cond, double axes[PNR][PU], cj_rng *rng)
{
    const double coh[6] = {-0.5, -0.18, -0.05, 0.05, 0.18, 0.5};
    for (int v = 0; v < PNR; v++)
        for (int u = 0; u < PU; u++) axes[v][u] = cj_rng_normal(rng);
    for (int u = 0; u < PU; u++) {
        axes[1][u] += 0.7 * axes[0][u];
        axes[3][u] += 0.5 * axes[2][u];
    }
    int k = 0;
    for (int rep = 0; rep < PREPS; rep++)
        for (int c = 0; c < 72; c++, k++) {
            double m = coh[c % 6], col = coh[(c / 6) % 6], ctx = c < 36 ? -1.0 : 1.0;
            double *f = F + k * PNR;
            f[0] = (ctx > 0 ? m : col) > 0 ? 1.0 : -1.0;
            f[1] = m * 4.0, f[2] = col * 4.0, f[3] = ctx;
            cond[k] = c;
            for (int t = 0; t < PT; t++)
                for (int u = 0; u < PU; u++) {
                    double s = 3.0 + 0.3 * cj_rng_normal(rng);
                    for (int v = 0; v < PNR; v++) {
                        double g = exp(-0.5 * (t - peak[v]) * (t - peak[v]) / 4.0);
                        s += g * axes[v][u] * f[v];
                    }
                    x[((size_t)k * PT + t) * PU + u] = (float)s;
                }
        }
}

TEST(tdr_recovers_planted_axes)
{
    enum { TRIALS = 72 * PREPS };
    float *x = malloc(sizeof(float) * TRIALS * PT * PU);
    double *F = malloc(sizeof(double) * TRIALS * PNR), axes[PNR][PU];
    int *cond = malloc(sizeof(int) * TRIALS);
    cj_rng rng;
    cj_rng_seed(&rng, 503078);
    planted(x, F, cond, axes, &rng);
    const char *const mante[PNR] = {"choice", "motion", "colour", "context"};
    cj_tdr_input in = {.x = x, .trials = TRIALS, .T = PT, .units = PU, .regressors = F, .n_regressors = PNR,
                       .names = mante, .condition = cond, .n_conditions = 72, .n_pca = 12};
    cj_tdr out;
    cj_error err;
    cj_status st = cj_tdr_run(&in, &out, &err);
    CHECK(st == CJ_OK);
    if (st) {
        printf("  %s\n", err.msg);
        goto done;
    }
    /* In z-scored units the planted direction is a_v / sd (unit-wise). */
    double want[PNR][PU], q[PNR][PU];
    for (int v = 0; v < PNR; v++)
        for (int u = 0; u < PU; u++) want[v][u] = axes[v][u] / out.unit_sd[u];
    /* Gram-Schmidt of the planted directions in Mante's order (as given). */
    for (int v = 0; v < PNR; v++) {
        memcpy(q[v], want[v], sizeof q[v]);
        for (int w = 0; w < v; w++) {
            double d = dot(q[v], q[w], PU);
            for (int u = 0; u < PU; u++) q[v][u] -= d * q[w][u];
        }
        double n = sqrt(dot(q[v], q[v], PU));
        for (int u = 0; u < PU; u++) q[v][u] /= n;
    }
    for (int v = 0; v < PNR; v++) {
        CHECK(out.t_max[v] == peak[v]);
        double a = angle_deg(out.beta_max + v * PU, want[v], PU), b = angle_deg(out.axes + v * PU, q[v], PU);
        if (!(a < 3.0)) test_fail("beta_max of %s is %.2f deg from the planted axis", mante[v], a);
        if (!(b < 3.0)) test_fail("orthogonal axis of %s is %.2f deg from the planted one", mante[v], b);
        for (int w = 0; w < PNR; w++) {
            double planted_angle = w == v ? 0.0 : angle_deg(want[v], want[w], PU);
            CHECK_NEAR(out.angles[v * PNR + w], planted_angle, 3.0);
            CHECK_NEAR(dot(out.axes + v * PU, out.axes + w * PU, PU), v == w, 1e-12);
        }
    }
    /* The planted axes are far from orthogonal (motion leans towards
     * choice, context towards colour), so the QR step has work to do. */
    CHECK(angle_deg(want[0], want[1], PU) < 70.0 && angle_deg(want[2], want[3], PU) < 70.0);
    /* At its t_max, the choice projection has the sign of the choice. */
    int agree = 0;
    for (int c = 0; c < 72; c++) {
        double m = (c % 6) - 2.5, col = ((c / 6) % 6) - 2.5, ch = (c < 36 ? col : m) > 0 ? 1 : -1;
        double p = out.projections[((size_t)c * PT + peak[0]) * PNR + 0];
        agree += (p > 0) == (ch > 0);
    }
    CHECK(agree == 72);
    cj_tdr_free(&out);
done:
    free(x), free(F), free(cond);
}

/* ---- TDR bad arguments ------------------------------------------------ */

TEST(tdr_bad_arguments)
{
    enum { K = 24, T = 2, U = 5, NR = 3 };
    float x[K * T * U];
    double F[K * NR];
    int cond[K];
    cj_rng rng;
    cj_rng_seed(&rng, 7);
    cj_rng_fill_normal(&rng, x, K * T * U, 1.0f);
    for (int k = 0; k < K; k++) {
        F[k * NR + 0] = k % 2 ? 1 : -1;
        F[k * NR + 1] = (k % 3) - 1.0;
        F[k * NR + 2] = k < K / 2 ? 1 : -1;
        cond[k] = (k % 2) + 2 * (k % 3) + 6 * (k < K / 2); /* the 12 combinations */
    }
    const char *const nm[NR] = {"choice", "motion", "context"};
    cj_tdr_input in = {.x = x, .trials = K, .T = T, .units = U, .regressors = F, .n_regressors = NR,
                       .names = nm, .condition = cond, .n_conditions = 12, .n_pca = 0};
    cj_tdr out;
    cj_error err;
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_OK);
    cj_tdr_free(&out);

    in.trials = 4; /* 4 coefficients need at least 5 trials */
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "4 trials are too few") &&
          strstr(err.msg, "'context'"));
    CHECK(out.beta == NULL);
    in.trials = K;

    double saved[K];
    for (int k = 0; k < K; k++) saved[k] = F[k * NR + 2], F[k * NR + 2] = 1.0; /* context constant */
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "regressor 'context'") &&
          strstr(err.msg, "constant"));
    for (int k = 0; k < K; k++) F[k * NR + 2] = 0.0; /* all zeros: constant too */
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "'context'"));
    for (int k = 0; k < K; k++) F[k * NR + 2] = 2.0 * F[k * NR + 0] - F[k * NR + 1] + 0.5; /* dependent */
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "regressor 'context'") &&
          strstr(err.msg, "linear combination"));
    for (int k = 0; k < K; k++) F[k * NR + 2] = saved[k];

    in.names = NULL;
    F[5 * NR + 1] = NAN;
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "regressor 1 is nan on trial 5"));
    F[5 * NR + 1] = 1.0;
    in.names = nm;

    int order[NR] = {2, 0, 2};
    in.order = order;
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "twice"));
    in.order = NULL;
    in.n_pca = 2;
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "n_pca = 2"));
    in.n_pca = 6; /* more than the 5 units */
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "n_pca = 6"));
    in.n_pca = 0;
    in.n_conditions = 13; /* condition 12 has no trials */
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "condition 12 has no trials"));
    in.n_conditions = 12;
    x[7] = INFINITY;
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "x[0, 1, 2]"));
    x[7] = 0.0f;
    in.units = 2; /* 3 regressors cannot have 3 orthogonal axes in 2 units */
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "3 regressors but 2 units"));
    cj_tdr_free(&out); /* safe after a failure */
}

/* A regressor no unit depends on gives a zero beta_max only when every
 * unit is constant; two regressors with the same effect give parallel
 * beta_max: the second in the order is named. */
TEST(tdr_parallel_axes_are_named)
{
    enum { K = 40, T = 1, U = 3, NR = 2 };
    float x[K * T * U];
    double F[K * NR];
    int cond[K];
    for (int k = 0; k < K; k++) {
        double a = (k % 2) ? 1 : -1, b = ((k / 2) % 2) ? 1 : -1;
        F[k * NR] = a, F[k * NR + 1] = b;
        cond[k] = k % 4;
        /* both regressors move the population along the same direction */
        for (int u = 0; u < U; u++) x[k * U + u] = (float)((a + b) * (u + 1));
    }
    const char *const nm[NR] = {"motion", "colour"};
    cj_tdr_input in = {.x = x, .trials = K, .T = T, .units = U, .regressors = F, .n_regressors = NR,
                       .names = nm, .condition = cond, .n_conditions = 4};
    cj_tdr out;
    cj_error err;
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "'colour' lies in the span"));
    int order[NR] = {1, 0};
    in.order = order;
    CHECK(cj_tdr_run(&in, &out, &err) == CJ_ERR_ARG && strstr(err.msg, "'motion' lies in the span"));
}

int main(void)
{
    RUN(pca_matches_sklearn);
    RUN(pca_closed_form_over_blocks);
    RUN(pca_bad_arguments);
    RUN(condition_average_by_hand);
    RUN(tdr_matches_numpy);
    RUN(tdr_recovers_planted_axes);
    RUN(tdr_bad_arguments);
    RUN(tdr_parallel_axes_are_named);
    return test_summary("subspace");
}
