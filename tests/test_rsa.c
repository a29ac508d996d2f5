/* test_rsa.c — RDMs and their comparison (src/analysis/rsa_rdm.c,
 * rsa_crossnobis.c, rsa_compare.c, rsa_ceiling.c): layout conversions by
 * hand and against scipy's squareform order, RDMs against
 * scipy.spatial.distance.pdist, crossnobis against rsatoolbox's formula in
 * NumPy and unbiased on synthetic data (many draws), the four comparison
 * measures on tied and NaN-holding RDMs against scipy, and noise ceilings
 * against NumPy (tests/ref/rsa/, from tools/make_rsa_refs.py). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rng.h"
#include "cajal/rsa.h"
#include "harness.h"
#include "ref_text.h"

static void to_float(const double *v, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++) out[i] = (float)v[i];
}

TEST(layout_round_trips)
{
    CHECK(cj_rdm_len(92) == 4186);
    CHECK(cj_rdm_len(1) == 0);
    /* scipy's order for n = 4: (0,1) (0,2) (0,3) (1,2) (1,3) (2,3) */
    CHECK(cj_rdm_index(4, 0, 1) == 0);
    CHECK(cj_rdm_index(4, 0, 3) == 2);
    CHECK(cj_rdm_index(4, 1, 2) == 3);
    CHECK(cj_rdm_index(4, 3, 2) == 5);
    int n = 0;
    cj_error err;
    CHECK(cj_rdm_stimuli(4186, &n, &err) == CJ_OK && n == 92);
    CHECK(cj_rdm_stimuli(1, &n, &err) == CJ_OK && n == 2);
    CHECK(cj_rdm_stimuli(4185, &n, &err) == CJ_ERR_SHAPE);
    CHECK(strstr(err.msg, "4185") != NULL);
    CHECK(cj_rdm_stimuli(0, &n, &err) == CJ_ERR_SHAPE);
    double v[6] = {1, 2, 3, 4, 5, 6}, full[16], back[6];
    cj_rdm_to_square(v, 4, full);
    CHECK_NEAR(full[0 * 4 + 3], 3, 0);
    CHECK_NEAR(full[3 * 4 + 0], 3, 0);
    CHECK_NEAR(full[2 * 4 + 1], 4, 0);
    CHECK_NEAR(full[2 * 4 + 2], 0, 0);
    CHECK(cj_rdm_from_square(full, 4, back, &err) == CJ_OK);
    for (int i = 0; i < 6; i++) CHECK_NEAR(back[i], v[i], 0);
    full[1 * 4 + 3] += 0.5;
    CHECK(cj_rdm_from_square(full, 4, back, &err) == CJ_ERR_FORMAT);
    CHECK(strstr(err.msg, "not symmetric: (1, 3)") != NULL);
    full[1 * 4 + 3] -= 0.5;
    full[5] = NAN; /* diagonal NaN is allowed (rsatoolbox's subsample) */
    CHECK(cj_rdm_from_square(full, 4, back, &err) == CJ_OK);
    full[5] = 1.0;
    CHECK(cj_rdm_from_square(full, 4, back, &err) == CJ_ERR_FORMAT);
    CHECK(strstr(err.msg, "diagonal entry (1, 1)") != NULL);
    double two[12] = {1, 2, 3, 4, 5, NAN, 3, 2, 1, 0, 1, 2}, mean[6];
    cj_rdm_mean(two, 2, 6, mean);
    CHECK_NEAR(mean[0], 2, 0);
    CHECK_NEAR(mean[4], 3, 0);
    CHECK(isnan(mean[5]));
}

TEST(rdms_match_pdist)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/rsa/rdm.txt")) return;
    const char *sets[2] = {"small", "wide"};
    const int shape[2][2] = {{12, 7}, {20, 50}};
    for (int s = 0; s < 2; s++) {
        int n = shape[s][0], f = shape[s][1];
        char key[40];
        snprintf(key, sizeof key, "%s.x", sets[s]);
        const double *xd = ref_text_get(&r, key, n * f);
        if (!xd) break;
        float *x = malloc((size_t)n * f * sizeof *x);
        double *rdm = malloc(cj_rdm_len(n) * sizeof *rdm);
        to_float(xd, (size_t)n * f, x);
        for (int d = 0; d <= CJ_RDM_COSINE; d++) {
            snprintf(key, sizeof key, "%s.%s", sets[s], cj_rdm_distance_name((cj_rdm_distance)d));
            const double *want = ref_text_get(&r, key, (int)cj_rdm_len(n));
            cj_error err;
            CHECK(cj_rdm_compute(x, n, f, (cj_rdm_distance)d, rdm, &err) == CJ_OK);
            if (want && max_rel_diff_d(rdm, want, cj_rdm_len(n)) > 1e-12)
                test_fail("%s: max relative difference %.3g from pdist", key, max_rel_diff_d(rdm, want, cj_rdm_len(n)));
        }
        free(x);
        free(rdm);
    }
    ref_text_free(&r);
}

TEST(rdm_bad_input_is_named)
{
    float x[12] = {1, 2, 3, 4, 7, 7, 7, 7, 5, 6, 0, 1};
    double rdm[3];
    cj_error err;
    cj_rdm_distance d;
    CHECK(cj_rdm_compute(x, 3, 4, CJ_RDM_CORRELATION, rdm, &err) == CJ_ERR_NUMERIC);
    CHECK(strstr(err.msg, "stimulus 1's pattern is constant") != NULL);
    CHECK(cj_rdm_compute(x, 3, 4, CJ_RDM_EUCLIDEAN, rdm, &err) == CJ_OK);
    CHECK_NEAR(rdm[0], sqrt(36 + 25 + 16 + 9), 1e-12);
    x[9] = NAN;
    CHECK(cj_rdm_compute(x, 3, 4, CJ_RDM_EUCLIDEAN, rdm, &err) == CJ_ERR_NUMERIC);
    CHECK(strstr(err.msg, "stimulus 2, feature 1") != NULL);
    CHECK(cj_rdm_compute(x, 1, 4, CJ_RDM_EUCLIDEAN, rdm, &err) == CJ_ERR_SHAPE);
    CHECK(cj_rdm_distance_parse("cosine", &d, &err) == CJ_OK && d == CJ_RDM_COSINE);
    CHECK(cj_rdm_distance_parse("manhattan", &d, &err) == CJ_ERR_CONFIG);
    CHECK(strstr(err.msg, "'manhattan'") != NULL);
}

TEST(crossnobis_matches_rsatoolbox_formula)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/rsa/crossnobis.txt")) return;
    const int n = 6, folds = 3, units = 5;
    const double *xd = ref_text_get(&r, "x", n * folds * units), *p = ref_text_get(&r, "precision", units * units);
    const double *want_i = ref_text_get(&r, "rdm_identity", 15), *want_p = ref_text_get(&r, "rdm_precision", 15);
    if (xd && p && want_i && want_p) {
        float x[90];
        double rdm[15];
        cj_error err;
        to_float(xd, 90, x);
        CHECK(cj_rdm_crossnobis(x, n, folds, units, NULL, rdm, &err) == CJ_OK);
        CHECK(max_rel_diff_d(rdm, want_i, 15) < 1e-13);
        CHECK(cj_rdm_crossnobis(x, n, folds, units, p, rdm, &err) == CJ_OK);
        CHECK(max_rel_diff_d(rdm, want_p, 15) < 1e-13);
        CHECK(cj_rdm_crossnobis(x, n, 1, units * folds, NULL, rdm, &err) == CJ_ERR_SHAPE);
        CHECK(strstr(err.msg, "2 folds") != NULL);
        x[37] = INFINITY;
        CHECK(cj_rdm_crossnobis(x, n, folds, units, NULL, rdm, &err) == CJ_ERR_NUMERIC);
        CHECK(strstr(err.msg, "stimulus 2, fold 1, unit 2") != NULL);
    }
    ref_text_free(&r);
}

/* Mean and standard error of every entry of `draws` crossnobis RDMs of
 * stimuli that all share one pattern, plus noise independent across folds
 * (correlated across units with covariance L L^T, whitened by the true
 * precision when `whiten`); the same for the plain squared Euclidean
 * distance of the fold means, which is biased upwards by the noise. */
static void crossnobis_draws(int whiten, double *mean_cv, double *se_cv, double *mean_plain)
{
    enum { N = 5, K = 4, U = 8, DRAWS = 4000 };
    cj_rng rng;
    cj_rng_seed(&rng, 99);
    double L[U][U] = {{0}}, cov[U][U], prec[U * U];
    for (int i = 0; i < U; i++)
        for (int j = 0; j <= i; j++) L[i][j] = i == j ? 1.0 : 0.4 * cj_rng_normal(&rng);
    for (int i = 0; i < U; i++)
        for (int j = 0; j < U; j++) {
            cov[i][j] = 0.0;
            for (int k = 0; k < U; k++) cov[i][j] += L[i][k] * L[j][k];
        }
    /* precision = cov^-1 by Gauss-Jordan */
    double a[U][2 * U];
    for (int i = 0; i < U; i++)
        for (int j = 0; j < 2 * U; j++) a[i][j] = j < U ? cov[i][j] : (j - U == i);
    for (int c = 0; c < U; c++) {
        double piv = a[c][c];
        for (int j = 0; j < 2 * U; j++) a[c][j] /= piv;
        for (int i = 0; i < U; i++)
            if (i != c) {
                double f = a[i][c];
                for (int j = 0; j < 2 * U; j++) a[i][j] -= f * a[c][j];
            }
    }
    for (int i = 0; i < U; i++)
        for (int j = 0; j < U; j++) prec[i * U + j] = a[i][U + j];
    float pattern[U], x[N * K * U];
    for (int u = 0; u < U; u++) pattern[u] = cj_rng_normal(&rng);
    double sum = 0.0, sq = 0.0, plain = 0.0, rdm[10];
    long count = 0;
    for (int d = 0; d < DRAWS; d++) {
        for (int s = 0; s < N * K; s++) {
            float z[U];
            for (int u = 0; u < U; u++) z[u] = cj_rng_normal(&rng);
            for (int u = 0; u < U; u++) {
                double e = 0.0;
                for (int k = 0; k <= u; k++) e += L[u][k] * z[k];
                x[s * U + u] = pattern[u] + (float)e;
            }
        }
        cj_error err;
        if (cj_rdm_crossnobis(x, N, K, U, whiten ? prec : NULL, rdm, &err)) {
            test_fail("%s", err.msg);
            return;
        }
        for (int p = 0; p < 10; p++) {
            sum += rdm[p];
            sq += rdm[p] * rdm[p];
            count++;
        }
        /* the biased estimate: squared distance of the fold means / U */
        for (int i = 0; i < N; i++)
            for (int j = i + 1; j < N; j++) {
                double dd = 0.0;
                for (int u = 0; u < U; u++) {
                    double mi = 0.0, mj = 0.0;
                    for (int k = 0; k < K; k++) {
                        mi += x[(i * K + k) * U + u];
                        mj += x[(j * K + k) * U + u];
                    }
                    dd += (mi - mj) * (mi - mj) / (K * K);
                }
                plain += dd / U;
            }
    }
    *mean_cv = sum / count;
    /* entries of one draw are correlated: a conservative SE uses draws */
    *se_cv = sqrt((sq / count - *mean_cv * *mean_cv) / DRAWS);
    *mean_plain = plain / count;
}

TEST(crossnobis_is_unbiased_for_identical_patterns)
{
    for (int whiten = 0; whiten < 2; whiten++) {
        double m, se, plain;
        crossnobis_draws(whiten, &m, &se, &plain);
        /* Expected 0; 4 standard errors (conservative) of slack. */
        printf("  whiten %d: mean crossnobis %.3g (SE %.2g), plain %.3g\n", whiten, m, se, plain);
        if (!(fabs(m) < 4.0 * se)) test_fail("whiten %d: mean crossnobis %.4g, SE %.3g", whiten, m, se);
        /* The plain distance of fold means is 2 tr(cov) / (K U) on average,
         * far above 0: the test tells a biased estimate apart. */
        if (!(plain > 20.0 * se)) test_fail("whiten %d: plain distance %.4g not clearly > 0", whiten, plain);
        CHECK(se < 0.02); /* enough draws to mean something */
    }
}

static const char *const CASES[] = {"cat", "ties", "cont", "nan"};

TEST(comparisons_match_scipy)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/rsa/compare.txt")) return;
    for (size_t c = 0; c < sizeof CASES / sizeof *CASES; c++) {
        char key[40];
        snprintf(key, sizeof key, "%s.a", CASES[c]);
        const double *a = ref_text_get(&r, key, 190);
        snprintf(key, sizeof key, "%s.b", CASES[c]);
        const double *b = ref_text_get(&r, key, 190);
        snprintf(key, sizeof key, "%s.measures", CASES[c]);
        const double *want = ref_text_get(&r, key, 4);
        if (!a || !b || !want) break;
        for (int m = 0; m < CJ_RSA_MEASURES; m++) {
            double v, u;
            cj_error err;
            CHECK(cj_rsa_compare(a, b, 190, (cj_rsa_measure)m, &v, &err) == CJ_OK);
            if (!(fabs(v - want[m]) <= 1e-13))
                test_fail("%s %s: %.17g, scipy %.17g", CASES[c], cj_rsa_measure_name((cj_rsa_measure)m), v, want[m]);
            /* The bootstrap's weighted path on the identity sample agrees. */
            int sample[20];
            for (int i = 0; i < 20; i++) sample[i] = i;
            CHECK(cj_rsa_compare_resampled(a, b, 20, sample, (cj_rsa_measure)m, &u, &err) == CJ_OK);
            CHECK_NEAR(u, want[m], 1e-13);
        }
    }
    ref_text_free(&r);
}

TEST(comparison_edge_cases)
{
    double a[3] = {1, 2, 3}, b[3] = {2, NAN, 1}, v;
    cj_error err;
    cj_rsa_measure m;
    CHECK(cj_rsa_compare(a, b, 3, CJ_RSA_PEARSON, &v, &err) == CJ_OK);
    CHECK_NEAR(v, -1.0, 1e-15); /* two entries left */
    b[0] = NAN;
    CHECK(cj_rsa_compare(a, b, 3, CJ_RSA_TAU_A, &v, &err) == CJ_OK && isnan(v));
    b[0] = INFINITY;
    CHECK(cj_rsa_compare(a, b, 3, CJ_RSA_TAU_A, &v, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "entry 0 of 3 is infinite") != NULL);
    CHECK(cj_rsa_measure_parse("tau_a", &m, &err) == CJ_OK && m == CJ_RSA_TAU_A);
    CHECK(cj_rsa_measure_parse("kendall", &m, &err) == CJ_ERR_CONFIG);
    CHECK(strstr(err.msg, "'kendall'") != NULL);
    for (int i = 0; i < CJ_RSA_MEASURES; i++) {
        CHECK(cj_rsa_measure_parse(cj_rsa_measure_name((cj_rsa_measure)i), &m, &err) == CJ_OK);
        CHECK((int)m == i);
    }
}

TEST(noise_ceiling_matches_numpy)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/rsa/ceiling.txt")) return;
    const int subjects = 5, len = 105;
    const double *rdms = ref_text_get(&r, "subjects", subjects * len);
    const char *pools[2] = {"mean", "matched"};
    for (int p = 0; p < 2 && rdms; p++) {
        char key[40];
        snprintf(key, sizeof key, "ceiling.%s", pools[p]);
        const double *want = ref_text_get(&r, key, 8);
        if (!want) break;
        for (int m = 0; m < CJ_RSA_MEASURES; m++) {
            double ceiling[2], pooled[105];
            cj_error err;
            const char *name = cj_rsa_measure_name((cj_rsa_measure)m);
            CHECK(cj_rsa_noise_ceiling(rdms, subjects, len, (cj_rsa_measure)m, (cj_rsa_pool)p, ceiling, &err) ==
                  CJ_OK);
            if (!(fabs(ceiling[0] - want[2 * m]) <= 1e-13 && fabs(ceiling[1] - want[2 * m + 1]) <= 1e-13))
                test_fail("%s %s: ceiling %.15g to %.15g, NumPy %.15g to %.15g", pools[p], name, ceiling[0],
                          ceiling[1], want[2 * m], want[2 * m + 1]);
            CHECK(ceiling[0] < ceiling[1]);
            snprintf(key, sizeof key, "pooled.%s.%s", pools[p], name);
            const double *wp = ref_text_get(&r, key, len);
            CHECK(cj_rsa_pool_rdms(rdms, subjects, len, (cj_rsa_measure)m, (cj_rsa_pool)p, pooled, &err) == CJ_OK);
            for (int k = 0; wp && k < len; k++)
                if (!(isnan(wp[k]) ? isnan(pooled[k]) : fabs(pooled[k] - wp[k]) <= 1e-12 * (1 + fabs(wp[k])))) {
                    test_fail("%s: entry %d is %.17g, NumPy %.17g", key, k, pooled[k], wp[k]);
                    break;
                }
        }
    }
    double ceiling[2];
    cj_error err;
    if (rdms) {
        CHECK(cj_rsa_noise_ceiling(rdms, 1, len, CJ_RSA_TAU_A, CJ_RSA_POOL_MEAN, ceiling, &err) == CJ_ERR_ARG);
        CHECK(strstr(err.msg, "1 subject RDMs") != NULL);
    }
    ref_text_free(&r);
}

TEST(fit_is_the_mean_over_subjects)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/rsa/ceiling.txt")) return;
    const double *rdms = ref_text_get(&r, "subjects", 5 * 105);
    if (rdms) {
        /* models: subject 0 and subject 1 as models of subjects 2..4 */
        double fit[2], per[6], v;
        cj_error err;
        CHECK(cj_rsa_fit(rdms, 2, rdms + 2 * 105, 3, 105, CJ_RSA_SPEARMAN, fit, per, &err) == CJ_OK);
        for (int j = 0; j < 2; j++) {
            double s = 0.0;
            for (int k = 0; k < 3; k++) {
                CHECK(cj_rsa_compare(rdms + j * 105, rdms + (2 + k) * 105, 105, CJ_RSA_SPEARMAN, &v, &err) == CJ_OK);
                CHECK_NEAR(per[j * 3 + k], v, 0.0);
                s += v;
            }
            CHECK_NEAR(fit[j], s / 3, 1e-15);
        }
    }
    ref_text_free(&r);
}

/* The example at the top of include/cajal/rsa.h, as written there. */
TEST(the_header_example_runs)
{
    enum { N = 92, F = 4096 };
    cj_rng rng;
    cj_rng_seed(&rng, 3);
    float *acts = malloc((size_t)N * F * sizeof *acts);
    double *subjects = malloc(4 * 4186 * sizeof *subjects);
    if (!acts || !subjects) {
        test_fail("no memory");
        free(acts);
        free(subjects);
        return;
    }
    cj_rng_fill_normal(&rng, acts, (size_t)N * F, 1.0f);
    for (int i = 0; i < N; i++) /* two categories of stimuli */
        for (int k = 0; k < F; k++) acts[(size_t)i * F + k] += (i < N / 2) == (k % 2) ? 0.3f : 0.0f;
    for (int s = 0; s < 4; s++)
        for (int i = 0; i < N; i++)
            for (int j = i + 1; j < N; j++)
                subjects[s * 4186 + cj_rdm_index(N, i, j)] = ((i < N / 2) != (j < N / 2)) + cj_rng_normal(&rng);

    cj_error err;
    double model[4186], fit, ceiling[2], boot[1000], ci[2];
    CHECK(cj_rdm_compute(acts, 92, 4096, CJ_RDM_CORRELATION, model, &err) == CJ_OK);
    CHECK(cj_rsa_fit(model, 1, subjects, 4, 4186, CJ_RSA_TAU_A, &fit, NULL, &err) == CJ_OK);
    CHECK(cj_rsa_noise_ceiling(subjects, 4, 4186, CJ_RSA_TAU_A, CJ_RSA_POOL_MEAN, ceiling, &err) == CJ_OK);
    cj_rsa_boot_opts o;
    cj_rsa_boot_defaults(&o);
    CHECK(cj_rsa_bootstrap(model, 1, subjects, 4, 92, CJ_RSA_TAU_A, &o, boot, &err) == CJ_OK);
    CHECK(cj_percentile_interval(boot, 1000, 0.95, ci, NULL, &err) == CJ_OK);
    /* The model shares the subjects' two-category structure: a positive
     * fit inside its interval, and a ceiling that brackets sensibly. */
    CHECK(fit > 0.05 && ci[0] < fit && fit < ci[1]);
    CHECK(0.0 < ceiling[0] && ceiling[0] < ceiling[1] && ceiling[1] < 1.0);
    free(acts);
    free(subjects);
}

int main(void)
{
    RUN(layout_round_trips);
    RUN(rdms_match_pdist);
    RUN(rdm_bad_input_is_named);
    RUN(crossnobis_matches_rsatoolbox_formula);
    RUN(crossnobis_is_unbiased_for_identical_patterns);
    RUN(comparisons_match_scipy);
    RUN(comparison_edge_cases);
    RUN(noise_ceiling_matches_numpy);
    RUN(fit_is_the_mean_over_subjects);
    RUN(the_header_example_runs);
    return test_summary("rsa");
}
