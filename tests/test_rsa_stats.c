/* test_rsa_stats.c — the rank statistics RSA builds on (src/stats/ranks.c,
 * kendall.c, wilcoxon.c, quantile.c): average ranks, Pearson, Spearman,
 * Kendall's tau-a and tau-b with ties against scipy (tests/ref/rsa/, from
 * tools/make_rsa_refs.py, whose pair counts are an O(n^2) NumPy count),
 * Knight's O(n log n) counts against an O(n^2) count written here on large
 * tied data, the weighted kernel against the expanded sample, the Wilcoxon
 * signed-rank test against scipy (exact and normal approximation) and
 * quantiles against NumPy. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rng.h"
#include "cajal/stats.h"
#include "harness.h"
#include "ref_text.h"

static const char *const CASES[] = {"cat", "ties", "cont", "nan"};

/* The finite pairs of a and b into x, y; their number. */
static size_t finite_pairs(const double *a, const double *b, size_t len, double *x, double *y)
{
    size_t q = 0;
    for (size_t k = 0; k < len; k++)
        if (!isnan(a[k]) && !isnan(b[k])) {
            x[q] = a[k];
            y[q++] = b[k];
        }
    return q;
}

TEST(rank_statistics_match_scipy)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/rsa/compare.txt")) return;
    const int len = 190;
    double x[190], y[190];
    char key[40];
    for (size_t c = 0; c < sizeof CASES / sizeof *CASES; c++) {
        snprintf(key, sizeof key, "%s.a", CASES[c]);
        const double *a = ref_text_get(&r, key, len);
        snprintf(key, sizeof key, "%s.b", CASES[c]);
        const double *b = ref_text_get(&r, key, len);
        snprintf(key, sizeof key, "%s.measures", CASES[c]);
        const double *want = ref_text_get(&r, key, 4);
        snprintf(key, sizeof key, "%s.tau_b", CASES[c]);
        const double *tau_b = ref_text_get(&r, key, 1);
        snprintf(key, sizeof key, "%s.counts", CASES[c]);
        const double *counts = ref_text_get(&r, key, 6);
        if (!a || !b || !want || !tau_b || !counts) break;
        size_t n = finite_pairs(a, b, len, x, y);
        cj_kendall_counts k;
        cj_error err;
        CHECK(cj_kendall_count(x, y, n, &k, &err) == CJ_OK);
        CHECK(k.pairs == (int64_t)counts[0]);
        CHECK(cj_kendall_concordant(&k) == (int64_t)counts[1]);
        CHECK(k.discordant == (int64_t)counts[2]);
        CHECK(k.tied_x == (int64_t)counts[3]);
        CHECK(k.tied_y == (int64_t)counts[4]);
        CHECK(k.tied_xy == (int64_t)counts[5]);
        double tau, rho;
        CHECK(cj_kendall_tau_a(x, y, n, &tau, &err) == CJ_OK);
        CHECK_NEAR(tau, want[0], 1e-15);
        CHECK_NEAR(cj_kendall_tau_b_of(&k), tau_b[0], 1e-14);
        CHECK(cj_spearman(x, y, n, &rho, &err) == CJ_OK);
        CHECK_NEAR(rho, want[1], 1e-13);
        CHECK_NEAR(cj_pearson(x, y, n), want[2], 1e-13);
        CHECK_NEAR(cj_cosine_similarity(x, y, n), want[3], 1e-13);
    }
    const double *v = ref_text_get(&r, "rank.x", 40), *want = ref_text_get(&r, "rank.r", 40);
    double ranks[40];
    cj_error err;
    if (v && want) {
        CHECK(cj_rank_average(v, 40, ranks, &err) == CJ_OK);
        for (int i = 0; i < 40; i++) CHECK_NEAR(ranks[i], want[i], 0.0);
    }
    ref_text_free(&r);
}

/* O(n^2) counts, straight from the definition. */
static void brute_counts(const double *x, const double *y, size_t n, int64_t *conc, int64_t *disc, int64_t *tx,
                         int64_t *ty, int64_t *txy)
{
    *conc = *disc = *tx = *ty = *txy = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double dx = x[i] - x[j], dy = y[i] - y[j];
            *tx += dx == 0.0;
            *ty += dy == 0.0;
            *txy += dx == 0.0 && dy == 0.0;
            *conc += dx * dy > 0.0;
            *disc += dx * dy < 0.0;
        }
}

TEST(knight_counts_equal_all_pairs_on_large_tied_data)
{
    cj_rng rng;
    cj_rng_seed(&rng, 7);
    /* 3000 observations: x with 2 values (a categorical model), y with 25;
     * then both continuous; then y a reversed copy of x (all discordant). */
    enum { N = 3000 };
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    for (int c = 0; c < 3 && x && y; c++) {
        for (int i = 0; i < N; i++) {
            if (c == 0) {
                x[i] = (double)cj_rng_below(&rng, 2);
                y[i] = (double)cj_rng_below(&rng, 25) + x[i] * 3.0;
            } else if (c == 1) {
                x[i] = cj_rng_normal(&rng);
                y[i] = x[i] + cj_rng_normal(&rng);
            } else {
                x[i] = (double)cj_rng_below(&rng, 50);
                y[i] = -x[i];
            }
        }
        int64_t conc, disc, tx, ty, txy;
        brute_counts(x, y, N, &conc, &disc, &tx, &ty, &txy);
        cj_kendall_counts k;
        cj_error err;
        CHECK(cj_kendall_count(x, y, N, &k, &err) == CJ_OK);
        CHECK(k.pairs == (int64_t)N * (N - 1) / 2);
        CHECK(cj_kendall_concordant(&k) == conc);
        CHECK(k.discordant == disc);
        CHECK(k.tied_x == tx);
        CHECK(k.tied_y == ty);
        CHECK(k.tied_xy == txy);
        if (c == 2) CHECK_NEAR(cj_kendall_tau_b_of(&k), -1.0, 1e-15);
    }
    free(x);
    free(y);
}

TEST(weighted_kernel_counts_the_expanded_sample)
{
    /* 400 observations in (x, y) order with weights 1..4, against the same
     * observations repeated weight times (unweighted). */
    cj_rng rng;
    cj_rng_seed(&rng, 11);
    enum { N = 400 };
    double xs[N], ys[N], yw[N];
    int64_t w[N], ww[N];
    for (int i = 0; i < N; i++) {
        xs[i] = floor(i / 7.0);               /* ascending, runs of 7 ties */
        ys[i] = (double)cj_rng_below(&rng, 9);
        w[i] = 1 + (int64_t)cj_rng_below(&rng, 4);
    }
    /* ascending y within each tie of x */
    for (int i = 1; i < N; i++)
        for (int k = i; k > 0 && xs[k - 1] == xs[k] && ys[k - 1] > ys[k]; k--) {
            double t = ys[k];
            ys[k] = ys[k - 1];
            ys[k - 1] = t;
            int64_t tw = w[k];
            w[k] = w[k - 1];
            w[k - 1] = tw;
        }
    double ex[4 * N], ey[4 * N];
    size_t m = 0;
    for (int i = 0; i < N; i++)
        for (int c = 0; c < w[i]; c++) {
            ex[m] = xs[i];
            ey[m++] = ys[i];
        }
    cj_kendall_counts kw, ke;
    cj_error err;
    cj_kendall_count_sorted(xs, ys, w, N, yw, ww, &kw);
    CHECK(cj_kendall_count(ex, ey, m, &ke, &err) == CJ_OK);
    CHECK(kw.pairs == ke.pairs && kw.pairs == (int64_t)(m * (m - 1) / 2));
    CHECK(kw.discordant == ke.discordant);
    CHECK(kw.tied_x == ke.tied_x);
    CHECK(kw.tied_y == ke.tied_y);
    CHECK(kw.tied_xy == ke.tied_xy);
    CHECK(kw.discordant > 0 && kw.tied_xy > 0);
}

/* O(n^2) weighted counts of observations given as class ranks. */
static void brute_weighted(const int *gx, const int *ry, const int64_t *w, int n, cj_kendall_counts *c)
{
    memset(c, 0, sizeof *c);
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        total += w[i];
        int64_t self = w[i] * (w[i] - 1) / 2; /* copies: tied in both */
        c->tied_x += self;
        c->tied_y += self;
        c->tied_xy += self;
        for (int j = i + 1; j < n; j++) {
            int64_t p = w[i] * w[j];
            int dx = (gx[i] > gx[j]) - (gx[i] < gx[j]), dy = (ry[i] > ry[j]) - (ry[i] < ry[j]);
            c->tied_x += dx == 0 ? p : 0;
            c->tied_y += dy == 0 ? p : 0;
            c->tied_xy += dx == 0 && dy == 0 ? p : 0;
            c->discordant += dx * dy < 0 ? p : 0;
        }
    }
    c->pairs = total * (total - 1) / 2;
}

TEST(fenwick_kernel_equals_all_pairs)
{
    /* Both of its paths: x distinct, and x with runs of ties; y ranks from
     * 2 classes (a categorical RDM) to 700; weights 1..9. */
    cj_rng rng;
    cj_rng_seed(&rng, 13);
    enum { N = 900 };
    static int gx[N], ry[N];
    static int64_t w[N], tree[700 + 34], hist[700];
    const int ks[3] = {2, 37, 700};
    for (int tied = 0; tied < 2; tied++)
        for (int c = 0; c < 3; c++) {
            int k = ks[c];
            for (int i = 0; i < N; i++) {
                gx[i] = tied ? i / 5 : i;
                ry[i] = (int)cj_rng_below(&rng, (uint32_t)k);
                w[i] = 1 + (int64_t)cj_rng_below(&rng, 9);
            }
            for (int i = 1; i < N; i++) /* ascending y within runs of x */
                for (int j = i; j > 0 && gx[j - 1] == gx[j] && ry[j - 1] > ry[j]; j--) {
                    int t = ry[j];
                    ry[j] = ry[j - 1];
                    ry[j - 1] = t;
                    int64_t tw = w[j];
                    w[j] = w[j - 1];
                    w[j - 1] = tw;
                }
            cj_kendall_counts got, want;
            cj_kendall_count_ranked(gx, ry, w, N, k, tree, hist, &got);
            brute_weighted(gx, ry, w, N, &want);
            if (memcmp(&got, &want, sizeof got))
                test_fail("tied %d, k %d: discordant %lld (want %lld), ties x %lld (%lld) y %lld (%lld) xy %lld (%lld)",
                          tied, k, (long long)got.discordant, (long long)want.discordant, (long long)got.tied_x,
                          (long long)want.tied_x, (long long)got.tied_y, (long long)want.tied_y,
                          (long long)got.tied_xy, (long long)want.tied_xy);
        }
}

TEST(degenerate_and_bad_inputs)
{
    double x[3] = {1, 1, 1}, y[3] = {1, 2, 3}, tau, rho;
    cj_error err;
    cj_kendall_counts k;
    CHECK(cj_kendall_count(x, y, 3, &k, &err) == CJ_OK);
    CHECK_NEAR(cj_kendall_tau_a_of(&k), 0.0, 0.0); /* all tied in x: neither */
    CHECK(isnan(cj_kendall_tau_b_of(&k)));
    CHECK(isnan(cj_pearson(x, y, 3)));
    CHECK(cj_spearman(x, y, 3, &rho, &err) == CJ_OK && isnan(rho));
    CHECK(cj_kendall_tau_a(x, y, 1, &tau, &err) == CJ_OK && isnan(tau));
    double z[3] = {0, 0, 0};
    CHECK(isnan(cj_cosine_similarity(z, y, 3)));
    y[1] = NAN;
    CHECK(cj_kendall_count(x, y, 3, &k, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "pair 1") != NULL);
    CHECK(cj_rank_average(y, 3, z, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "value 1") != NULL);
}

TEST(wilcoxon_matches_scipy)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/rsa/wilcoxon.txt")) return;
    cj_wilcoxon w;
    cj_error err;
    const double *x = ref_text_get(&r, "exact.x", 10), *y = ref_text_get(&r, "exact.y", 10);
    const double *want = ref_text_get(&r, "exact.result", 2);
    if (x && y && want) {
        CHECK(cj_wilcoxon_signed_rank(x, y, 10, &w, &err) == CJ_OK);
        CHECK(w.exact && w.n == 10 && w.zeros == 0);
        CHECK_NEAR(w.statistic, want[0], 1e-12);
        CHECK_NEAR(w.p, want[1], 1e-14);
    }
    x = ref_text_get(&r, "exact1.x", 8);
    want = ref_text_get(&r, "exact1.result", 2);
    if (x && want) {
        CHECK(cj_wilcoxon_signed_rank(x, NULL, 8, &w, &err) == CJ_OK);
        CHECK(w.exact);
        CHECK_NEAR(w.statistic, want[0], 1e-12);
        CHECK_NEAR(w.p, want[1], 1e-15); /* 2/256 when all 8 are positive */
    }
    x = ref_text_get(&r, "approx.x", 60);
    y = ref_text_get(&r, "approx.y", 60);
    want = ref_text_get(&r, "approx.result", 2);
    if (x && y && want) {
        CHECK(cj_wilcoxon_signed_rank(x, y, 60, &w, &err) == CJ_OK);
        CHECK(!w.exact && w.zeros > 0 && w.n == 60 - w.zeros);
        CHECK_NEAR(w.statistic, want[0], 1e-9);
        CHECK_NEAR(w.p, want[1], 1e-12);
    }
    x = ref_text_get(&r, "ties.x", 12);
    want = ref_text_get(&r, "ties.result", 2);
    if (x && want) {
        /* n <= 50 but tied |d|: the approximation with the tie correction,
         * which is what scipy gives with method='approx'. */
        CHECK(cj_wilcoxon_signed_rank(x, NULL, 12, &w, &err) == CJ_OK);
        CHECK(!w.exact);
        CHECK_NEAR(w.statistic, want[0], 1e-12);
        CHECK_NEAR(w.p, want[1], 1e-12);
    }
    ref_text_free(&r);
    double zero[4] = {1, 2, 3, 4};
    CHECK(cj_wilcoxon_signed_rank(zero, zero, 4, &w, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "all 4 differences are 0") != NULL);
    zero[2] = INFINITY;
    CHECK(cj_wilcoxon_signed_rank(zero, NULL, 4, &w, &err) == CJ_ERR_ARG);
}

TEST(wilcoxon_exact_by_enumeration)
{
    /* n = 6 distinct |d|: count the 64 sign patterns by hand. */
    const double d[6] = {0.5, -1.5, 2.5, 3.5, -4.5, 5.5};
    cj_wilcoxon w;
    cj_error err;
    CHECK(cj_wilcoxon_signed_rank(d, NULL, 6, &w, &err) == CJ_OK);
    CHECK_NEAR(w.r_plus, 1 + 3 + 4 + 6, 0.0);
    int below = 0, above = 0;
    for (int s = 0; s < 64; s++) {
        int r = 0;
        for (int k = 0; k < 6; k++)
            if (s >> k & 1) r += k + 1;
        below += r <= 14;
        above += r >= 14;
    }
    double p = 2.0 * (below < above ? below : above) / 64.0;
    CHECK_NEAR(w.p, p > 1 ? 1 : p, 1e-15);
    CHECK_NEAR(w.statistic, 7.0, 0.0);
}

TEST(quantiles_match_numpy)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/rsa/boot.txt")) return;
    const double *x = ref_text_get(&r, "x", 37), *q = ref_text_get(&r, "q", 7);
    const double *want = ref_text_get(&r, "quantiles", 7), *i95 = ref_text_get(&r, "interval95", 2);
    const double *i90 = ref_text_get(&r, "interval90", 2);
    if (x && q && want && i95 && i90) {
        double s[37], ci[2];
        memcpy(s, x, sizeof s);
        for (int i = 1; i < 37; i++)
            for (int k = i; k > 0 && s[k - 1] > s[k]; k--) {
                double t = s[k];
                s[k] = s[k - 1];
                s[k - 1] = t;
            }
        for (int i = 0; i < 7; i++) CHECK_NEAR(cj_quantile_sorted(s, 37, q[i]), want[i], 1e-15);
        size_t used;
        cj_error err;
        CHECK(cj_percentile_interval(x, 37, 0.95, ci, &used, &err) == CJ_OK && used == 37);
        CHECK_NEAR(ci[0], i95[0], 1e-14);
        CHECK_NEAR(ci[1], i95[1], 1e-14);
        CHECK(cj_percentile_interval(x, 37, 0.90, ci, &used, &err) == CJ_OK);
        CHECK_NEAR(ci[0], i90[0], 1e-14);
        CHECK_NEAR(ci[1], i90[1], 1e-14);
        CHECK(cj_percentile_interval(x, 37, 1.0, ci, &used, &err) == CJ_ERR_ARG);
    }
    ref_text_free(&r);
    double none[2] = {NAN, NAN}, ci[2];
    size_t used = 9;
    cj_error err;
    CHECK(cj_percentile_interval(none, 2, 0.95, ci, &used, &err) == CJ_OK && used == 0 && isnan(ci[0]));
    CHECK(isnan(cj_quantile_sorted(none, 0, 0.5)));
}

int main(void)
{
    RUN(rank_statistics_match_scipy);
    RUN(knight_counts_equal_all_pairs_on_large_tied_data);
    RUN(weighted_kernel_counts_the_expanded_sample);
    RUN(fenwick_kernel_equals_all_pairs);
    RUN(degenerate_and_bad_inputs);
    RUN(wilcoxon_matches_scipy);
    RUN(wilcoxon_exact_by_enumeration);
    RUN(quantiles_match_numpy);
    return test_summary("rsa_stats");
}
