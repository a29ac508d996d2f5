/* test_predictivity.c — cross-validated ridge regression against
 * scikit-learn (StandardScaler + RidgeCV(alphas, alpha_per_target) on the
 * same KFold folds: the chosen alphas, the held-out predictions and their
 * correlations), split-half reliability against numpy.corrcoef
 * (tools/make_cka_refs.py -> tests/ref/cka/), and closed forms: the
 * Spearman-Brown reliability of a unit with known signal and noise, a ceiled
 * r of 1 for a model that is exactly right; bad arguments name what is
 * wrong. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/predictivity.h"
#include "cajal/rng.h"
#include "harness.h"
#include "ref_text.h"

/* Alphas equal as numbers read back from 17 digits. */
static int same_alphas(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fabs(a[i] - b[i]) > 1e-12 * fabs(b[i])) {
            test_fail("alpha[%zu] = %g, scikit-learn chose %g", i, a[i], b[i]);
            return 0;
        }
    return 1;
}

/* One case of ridge.txt ("a" or "b"), with a variant prefix for the
 * expected alphas / predictions / r ("a", "a_center", "a_shared"). */
static void check_case(const ref_text *r, const char *c, const char *variant, cj_ridge_scaling scaling,
                       int per_unit, int full)
{
    char key[40];
    snprintf(key, sizeof key, "%s_shape", c);
    const double *shape = ref_text_get(r, key, 4);
    const double *alphas = ref_text_get(r, "alphas", 7);
    if (!shape || !alphas) return;
    const int n = (int)shape[0], p = (int)shape[1], U = (int)shape[2], k = (int)shape[3];
    snprintf(key, sizeof key, "%s_x", c);
    const double *x = ref_text_get(r, key, n * p);
    snprintf(key, sizeof key, "%s_y", c);
    const double *y = ref_text_get(r, key, n * U);
    snprintf(key, sizeof key, "%s_fold", c);
    const double *fd = ref_text_get(r, key, n);
    snprintf(key, sizeof key, "%s_alpha", variant);
    const double *alpha = ref_text_get(r, key, k * U);
    snprintf(key, sizeof key, "%s_pred", variant);
    const double *pred = ref_text_get(r, key, n * U);
    snprintf(key, sizeof key, "%s_r", variant);
    const double *rr = ref_text_get(r, key, U);
    if (!x || !y || !fd || !alpha || !pred || !rr) return;
    float *xf = floats_from_doubles(x, (size_t)n * p);
    int *fold = malloc(sizeof(int) * n);
    for (int i = 0; i < n; i++) fold[i] = (int)fd[i];
    cj_ridge_cv_opts o;
    cj_ridge_cv_defaults(&o);
    o.folds = k, o.fold = fold, o.alphas = alphas, o.n_alphas = 7, o.scaling = scaling, o.alpha_per_unit = per_unit;
    cj_ridge_cv cv;
    cj_error err;
    if (cj_ridge_cv_run(xf, n, p, y, U, &o, &cv, &err) != CJ_OK) {
        test_fail("%s: %s", variant, err.msg);
    } else {
        CHECK(same_alphas(cv.alpha, alpha, (size_t)k * U));
        CHECK(max_rel_diff_d(cv.pred, pred, (size_t)n * U) < 1e-9);
        CHECK(max_rel_diff_d(cv.r, rr, U) < 1e-9);
        for (int i = 0; i < n; i++) CHECK(cv.fold[i] == fold[i]);
        if (full) {
            snprintf(key, sizeof key, "%s_r_fold", c);
            const double *rf = ref_text_get(r, key, k * U);
            snprintf(key, sizeof key, "%s_r_pooled", c);
            const double *rp = ref_text_get(r, key, U);
            if (rf) CHECK(max_rel_diff_d(cv.r_fold, rf, (size_t)k * U) < 1e-9);
            if (rp) CHECK(max_rel_diff_d(cv.r_pooled, rp, U) < 1e-9);
        }
    }
    cj_ridge_cv_free(&cv);
    free(xf), free(fold);
}

TEST(ridge_matches_sklearn_ridgecv)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/cka/ridge.txt")) return;
    check_case(&r, "a", "a", CJ_RIDGE_ZSCORE, 1, 1);
    ref_text_free(&r);
}

TEST(ridge_centred_only_matches_sklearn)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/cka/ridge.txt")) return;
    check_case(&r, "a", "a_center", CJ_RIDGE_CENTER, 1, 0);
    ref_text_free(&r);
}

TEST(ridge_shared_alpha_matches_sklearn)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/cka/ridge.txt")) return;
    check_case(&r, "a", "a_shared", CJ_RIDGE_ZSCORE, 0, 0);
    ref_text_free(&r);
}

TEST(ridge_more_features_than_stimuli)
{
    /* 50 features, 20 training stimuli per fold: the Gram branch */
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/cka/ridge.txt")) return;
    check_case(&r, "b", "b", CJ_RIDGE_ZSCORE, 1, 1);
    ref_text_free(&r);
}

/* Drawn folds: KFold's sizes (n % k folds one larger, first), fixed by
 * the seed, different for another seed. */
TEST(ridge_folds_are_seeded)
{
    enum { N = 23, P = 3, K = 5 };
    float x[N * P];
    double y[N];
    cj_rng rng;
    cj_rng_seed(&rng, 3);
    cj_rng_fill_normal(&rng, x, N * P, 1.0f);
    for (int i = 0; i < N; i++) y[i] = x[i * P] - 0.5 * x[i * P + 2] + 0.1 * cj_rng_normal(&rng);
    cj_ridge_cv_opts o;
    cj_ridge_cv_defaults(&o);
    o.folds = K, o.seed = 42;
    cj_ridge_cv a, b, c;
    cj_error err;
    CHECK(cj_ridge_cv_run(x, N, P, y, 1, &o, &a, &err) == CJ_OK);
    CHECK(cj_ridge_cv_run(x, N, P, y, 1, &o, &b, &err) == CJ_OK);
    o.seed = 43;
    CHECK(cj_ridge_cv_run(x, N, P, y, 1, &o, &c, &err) == CJ_OK);
    int count[K] = {0}, same = 1, differ = 0;
    for (int i = 0; i < N; i++) {
        count[a.fold[i]]++;
        same &= a.fold[i] == b.fold[i] && a.pred[i] == b.pred[i];
        differ |= a.fold[i] != c.fold[i];
    }
    CHECK(same && differ);
    CHECK(count[0] == 5 && count[1] == 5 && count[2] == 5 && count[3] == 4 && count[4] == 4);
    CHECK(a.r[0] > 0.9); /* a strong linear signal is found */
    cj_ridge_cv_free(&a), cj_ridge_cv_free(&b), cj_ridge_cv_free(&c);
}

/* ---- reliability ------------------------------------------------------- */

TEST(split_half_matches_numpy)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/cka/reliability.txt")) return;
    const double *shape = ref_text_get(&r, "shape", 4);
    if (!shape) goto done;
    const int n = (int)shape[0], reps = (int)shape[1], U = (int)shape[2], S = (int)shape[3];
    const double *resp = ref_text_get(&r, "resp", n * reps * U), *halves = ref_text_get(&r, "halves", S * reps);
    const double *rh = ref_text_get(&r, "r_half", S * U), *rel = ref_text_get(&r, "reliability", U);
    if (!resp || !halves || !rh || !rel) goto done;
    float *rf = floats_from_doubles(resp, (size_t)n * reps * U);
    double *mine = malloc(sizeof(double) * S * U), sb[16] = {0};
    cj_error err;
    for (int s = 0; s < S; s++) {
        unsigned char first[16];
        for (int k = 0; k < reps; k++) first[k] = halves[s * reps + k] != 0.0;
        CHECK(cj_split_half_r(rf, n, reps, U, first, mine + s * U, &err) == CJ_OK);
        for (int u = 0; u < U; u++) sb[u] += 2 * mine[s * U + u] / (1 + mine[s * U + u]) / S;
    }
    CHECK(max_rel_diff_d(mine, rh, (size_t)S * U) < 1e-12);
    CHECK(max_rel_diff_d(sb, rel, U) < 1e-12);
    free(rf), free(mine);
done:
    ref_text_free(&r);
}

/* resp = s + e with s ~ N(0, 1) per stimulus and e ~ N(0, sigma^2) per
 * repetition: the mean of R repetitions has reliability
 * 1 / (1 + sigma^2 / R), which split halves corrected by Spearman-Brown
 * estimate (Spearman 1910). */
TEST(reliability_closed_form)
{
    enum { N = 3000, R = 8, U = 3 };
    const double sigma[U] = {1.0, 2.0, 4.0};
    float *resp = malloc(sizeof(float) * N * R * U);
    cj_rng rng;
    cj_rng_seed(&rng, 9);
    for (int s = 0; s < N; s++) {
        float sig = cj_rng_normal(&rng);
        for (int k = 0; k < R; k++)
            for (int u = 0; u < U; u++)
                resp[(s * R + k) * U + u] = sig + (float)sigma[u] * cj_rng_normal(&rng);
    }
    double rel[U], rel2[U];
    cj_error err;
    CHECK(cj_split_half_reliability(resp, N, R, U, 10, 1, rel, &err) == CJ_OK);
    for (int u = 0; u < U; u++) {
        double expect = 1.0 / (1.0 + sigma[u] * sigma[u] / R);
        CHECK_NEAR(rel[u], expect, 0.03);
    }
    /* seeded: the same numbers again */
    CHECK(cj_split_half_reliability(resp, N, R, U, 10, 1, rel2, &err) == CJ_OK);
    CHECK(memcmp(rel, rel2, sizeof rel) == 0);
    free(resp);
}

/* A unit that is exactly a linear function of the features plus
 * repetition noise: the model is right, so its r is limited by the noise
 * alone and the ceiled r is ~1; the explained variance r^2 / reliability
 * is ~1 too. A pure-noise unit has reliability ~0. */
TEST(predictivity_ceiled_near_one_for_the_true_model)
{
    enum { N = 600, P = 12, R = 6, U = 3 };
    float *x = malloc(sizeof(float) * N * P), *resp = malloc(sizeof(float) * N * R * U);
    cj_rng rng;
    cj_rng_seed(&rng, 17);
    cj_rng_fill_normal(&rng, x, N * P, 1.0f);
    double w[P];
    for (int j = 0; j < P; j++) w[j] = cj_rng_normal(&rng) / sqrt((double)P);
    for (int s = 0; s < N; s++) {
        double sig = 0.0;
        for (int j = 0; j < P; j++) sig += w[j] * x[s * P + j];
        for (int k = 0; k < R; k++) {
            float *row = resp + (s * R + k) * U;
            row[0] = (float)(sig + 1.0 * cj_rng_normal(&rng));
            row[1] = (float)(sig + 2.5 * cj_rng_normal(&rng));
            row[2] = (float)(3.0 + cj_rng_normal(&rng)); /* noise only */
        }
    }
    cj_predictivity_opts o;
    cj_predictivity_defaults(&o);
    o.ridge.seed = 5;
    cj_predictivity pr;
    cj_error err;
    CHECK(cj_predictivity_run(x, N, P, resp, R, U, &o, &pr, &err) == CJ_OK);
    for (int u = 0; u < 2; u++) {
        CHECK_NEAR(pr.ceiled_r[u], 1.0, 0.04);
        CHECK_NEAR(pr.ev[u], 1.0, 0.08);
        CHECK_NEAR(pr.brainscore_r[u], pr.ridge.r[u] / pr.reliability[u], 1e-12);
        CHECK(pr.ridge.r[u] < 0.99 && pr.ridge.r[u] > 0.6);
    }
    CHECK(fabs(pr.reliability[2]) < 0.1);
    CHECK(fabs(pr.ridge.r[2]) < 0.15);
    /* medians over the units with a finite value */
    double rs[3] = {pr.ridge.r[0], pr.ridge.r[1], pr.ridge.r[2]};
    double lo = fmin(rs[0], fmin(rs[1], rs[2])), hi = fmax(rs[0], fmax(rs[1], rs[2]));
    CHECK_NEAR(pr.median_r, rs[0] + rs[1] + rs[2] - lo - hi, 1e-15);
    CHECK(pr.units_valid >= 2);
    CHECK_NEAR(pr.brainscore, pr.median_r / pr.median_reliability, 1e-15);
    cj_predictivity_free(&pr);
    /* one repetition: the regression only, nothing ceiled */
    CHECK(cj_predictivity_run(x, N, P, resp, 1, U, &o, &pr, &err) == CJ_OK);
    CHECK(isnan(pr.reliability[0]) && isnan(pr.ceiled_r[0]) && pr.units_valid == 0 && isfinite(pr.median_r));
    cj_predictivity_free(&pr);
    free(x), free(resp);
}

/* ---- bad arguments ----------------------------------------------------- */

TEST(bad_arguments_are_named)
{
    enum { N = 10, P = 2 };
    float x[N * P], resp[N * 2];
    double y[N];
    for (int i = 0; i < N * P; i++) x[i] = (float)(i % 7);
    for (int i = 0; i < N; i++) y[i] = i, resp[2 * i] = (float)i, resp[2 * i + 1] = (float)(i * i % 5);
    cj_ridge_cv_opts o;
    cj_ridge_cv_defaults(&o);
    cj_ridge_cv cv;
    cj_error err;
    o.folds = 6;
    CHECK(cj_ridge_cv_run(x, N, P, y, 1, &o, &cv, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "folds = 6, expected 2 to 5") != NULL);
    o.folds = 2;
    int fold[N] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 2};
    o.fold = fold;
    CHECK(cj_ridge_cv_run(x, N, P, y, 1, &o, &cv, &err) == CJ_ERR_ARG);
    CHECK(strcmp(err.msg, "ridge cv: fold[9] = 2, expected 0 to 1") == 0);
    fold[9] = 0, fold[1] = fold[3] = fold[5] = fold[7] = 0;
    fold[9] = 1;
    CHECK(cj_ridge_cv_run(x, N, P, y, 1, &o, &cv, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "fold 1 has 1 stimuli") != NULL);
    o.fold = NULL;
    double bad[2] = {1.0, -1.0};
    o.alphas = bad, o.n_alphas = 2;
    CHECK(cj_ridge_cv_run(x, N, P, y, 1, &o, &cv, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "alphas[1] = -1") != NULL);
    cj_ridge_cv_defaults(&o);
    o.folds = 2;
    x[5] = NAN;
    CHECK(cj_ridge_cv_run(x, N, P, y, 1, &o, &cv, &err) == CJ_ERR_ARG);
    CHECK(strcmp(err.msg, "ridge cv: x[2, 1] = nan is not finite") == 0);
    x[5] = 1.0f;
    y[3] = INFINITY;
    CHECK(cj_ridge_cv_run(x, N, P, y, 1, &o, &cv, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "y[3, 0] = inf") != NULL);
    y[3] = 3.0;
    CHECK(cj_ridge_cv_run(x, N, P, y, 1, &o, &cv, &err) == CJ_OK);
    cj_ridge_cv_free(&cv);
    cj_ridge_cv_free(&cv); /* twice is safe */

    double rel[1];
    CHECK(cj_split_half_reliability(resp, N, 1, 2, 10, 0, rel, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "at least 2 to split") != NULL);
    CHECK(cj_split_half_reliability(resp, N, 2, 1, 0, 0, rel, &err) == CJ_ERR_ARG);
    unsigned char all[2] = {1, 1};
    CHECK(cj_split_half_r(resp, N, 2, 1, all, rel, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "2 of 2 repetitions in the first half") != NULL);
    resp[7] = NAN;
    cj_predictivity_opts po;
    cj_predictivity_defaults(&po);
    po.ridge.folds = 2;
    cj_predictivity pr;
    CHECK(cj_predictivity_run(x, N, P, resp, 2, 1, &po, &pr, &err) == CJ_ERR_ARG);
    CHECK(strcmp(err.msg, "predictivity: resp[3, 1, 0] = nan is not finite") == 0);
    cj_predictivity_free(&pr);
}

int main(void)
{
    RUN(ridge_matches_sklearn_ridgecv);
    RUN(ridge_centred_only_matches_sklearn);
    RUN(ridge_shared_alpha_matches_sklearn);
    RUN(ridge_more_features_than_stimuli);
    RUN(ridge_folds_are_seeded);
    RUN(split_half_matches_numpy);
    RUN(reliability_closed_form);
    RUN(predictivity_ceiled_near_one_for_the_true_model);
    RUN(bad_arguments_are_named);
    return test_summary("predictivity");
}
