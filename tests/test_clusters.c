/* test_clusters.c — k-means, the silhouette, choosing k and the adjusted
 * Rand index against scikit-learn (tests/ref/clusters/, written by
 * tools/make_cluster_refs.py), plus the properties any k-means result must
 * have and the errors for bad arguments. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/clusters.h"
#include "cajal/rng.h"
#include "harness.h"
#include "ref_text.h"

#define REF "tests/ref/clusters/"

static int *to_ints(const double *v, int n)
{
    int *o = malloc(sizeof(int) * n);
    for (int i = 0; i < n; i++) o[i] = (int)v[i];
    return o;
}

static double rel(double a, double b) { return fabs(a - b) / fmax(fabs(b), 1e-300); }

TEST(silhouette_matches_sklearn)
{
    ref_text r;
    if (!ref_text_load(&r, REF "silhouette.txt")) return;
    const int n = 40, d = 3;
    const double *x = ref_text_get(&r, "x", n * d), *lv = ref_text_get(&r, "labels", n);
    const double *ref = ref_text_get(&r, "samples", n), *score = ref_text_get(&r, "score", 1);
    if (!x || !lv || !ref || !score) goto done;
    int *labels = to_ints(lv, n);
    double s[40], mean = NAN;
    cj_error err;
    /* k = 6: label 4 is unused and must be ignored; label 5 is a singleton. */
    CHECK(cj_silhouette_samples(x, n, d, labels, 6, s, &err) == CJ_OK);
    double worst = 0.0;
    for (int i = 0; i < n; i++) worst = fmax(worst, fabs(s[i] - ref[i]));
    if (!(worst <= 1e-12)) test_fail("silhouette samples differ from sklearn by %g", worst);
    for (int i = 0; i < n; i++)
        if (labels[i] == 5) CHECK(s[i] == 0.0);
    CHECK(cj_silhouette_score(x, n, d, labels, 6, &mean, &err) == CJ_OK);
    if (!(rel(mean, score[0]) <= 1e-9)) test_fail("score %.17g, sklearn %.17g", mean, score[0]);
    free(labels);
done:
    ref_text_free(&r);
}

TEST(kmeans_reaches_sklearns_optimum)
{
    ref_text r;
    if (!ref_text_load(&r, REF "blobs.txt")) return;
    const int n = 150, d = 5, k = 4;
    const double *x = ref_text_get(&r, "x", n * d), *inertia = ref_text_get(&r, "inertia", 1);
    const double *lv = ref_text_get(&r, "labels", n), *cref = ref_text_get(&r, "centres", k * d);
    if (!x || !inertia || !lv || !cref) goto done;
    int *sk = to_ints(lv, n), labels[150];
    double centres[4 * 5];
    cj_kmeans_info info;
    cj_kmeans_options o = cj_kmeans_defaults(k);
    o.seed = 3;
    cj_error err;
    CHECK(cj_kmeans(x, n, d, &o, labels, centres, &info, &err) == CJ_OK);
    if (!(rel(info.inertia, inertia[0]) <= 1e-6)) test_fail("inertia %.12g, sklearn %.12g", info.inertia, inertia[0]);
    CHECK_NEAR(cj_adjusted_rand_index(labels, sk, n), 1.0, 0.0);
    CHECK(info.converged && info.iterations >= 1 && info.iterations <= o.max_iter);
    /* The same partition, so the same centres once matched by members. */
    double worst = 0.0;
    for (int i = 0; i < n; i++)
        for (int f = 0; f < d; f++)
            worst = fmax(worst, fabs(centres[labels[i] * d + f] - cref[sk[i] * d + f]));
    if (!(worst <= 1e-9)) test_fail("centres differ from sklearn's by %g", worst);
    free(sk);
done:
    ref_text_free(&r);
}

TEST(choosing_k_recovers_the_planted_blobs)
{
    ref_text r;
    if (!ref_text_load(&r, REF "choose_k.txt")) return;
    const int n = 180, d = 8;
    const double *x = ref_text_get(&r, "x", n * d), *pv = ref_text_get(&r, "planted", n);
    const double *scores = ref_text_get(&r, "scores", 9), *best = ref_text_get(&r, "best_k", 1);
    const double *planted_score = ref_text_get(&r, "planted_score", 1);
    if (!x || !pv || !scores || !best || !planted_score) goto done;
    int *planted = to_ints(pv, n), labels[180], k = 0;
    double s[9];
    cj_kmeans_options o = cj_kmeans_defaults(0);
    o.n_init = 20;
    cj_error err;
    CHECK(cj_kmeans_choose_k(x, n, d, 2, 10, &o, &k, labels, s, &err) == CJ_OK);
    CHECK(k == (int)best[0]);
    CHECK_NEAR(cj_adjusted_rand_index(labels, planted, n), 1.0, 0.0);
    /* At the planted k both find the planted partition, so the scores agree
     * to rounding; elsewhere k-means may settle in different optima. */
    if (!(rel(s[k - 2], planted_score[0]) <= 1e-9))
        test_fail("score at k = %d: %.17g, sklearn %.17g", k, s[k - 2], planted_score[0]);
    for (int j = 0; j < 9; j++)
        if (j != k - 2 && !(s[j] < s[k - 2])) test_fail("score at k = %d (%g) is not below the best", j + 2, s[j]);
    free(planted);
done:
    ref_text_free(&r);
}

TEST(ari_matches_sklearn)
{
    ref_text r;
    if (!ref_text_load(&r, REF "ari.txt")) return;
    const int n = 60;
    const double *av = ref_text_get(&r, "a", n), *bv = ref_text_get(&r, "b", n), *ari = ref_text_get(&r, "ari", 1);
    if (!av || !bv || !ari) goto done;
    int *a = to_ints(av, n), *b = to_ints(bv, n);
    CHECK_NEAR(cj_adjusted_rand_index(a, b, n), ari[0], 1e-12 * fabs(ari[0]));
    CHECK_NEAR(cj_adjusted_rand_index(b, a, n), ari[0], 1e-12 * fabs(ari[0]));
    /* A relabelling is the same partition; names may be large. */
    int c[60];
    for (int i = 0; i < n; i++) c[i] = 1000000 + 7 * (4 - a[i]);
    CHECK_NEAR(cj_adjusted_rand_index(a, c, n), 1.0, 1e-15);
    free(a);
    free(b);
done:
    ref_text_free(&r);
    /* scikit-learn's special cases: one cluster each, singletons each. */
    int one[5] = {0, 0, 0, 0, 0}, own[5] = {0, 1, 2, 3, 4}, neg[2] = {0, -1};
    CHECK(cj_adjusted_rand_index(one, one, 5) == 1.0);
    CHECK(cj_adjusted_rand_index(own, own, 5) == 1.0);
    CHECK(cj_adjusted_rand_index(one, own, 5) == 0.0);
    CHECK(isnan(cj_adjusted_rand_index(neg, neg, 2)));
    CHECK(isnan(cj_adjusted_rand_index(one, one, 0)));
}

/* n points in d dims, three loose groups plus noise. */
static void random_data(double *x, int n, int d, uint64_t seed)
{
    cj_rng rng;
    cj_rng_seed(&rng, seed);
    for (int i = 0; i < n; i++)
        for (int f = 0; f < d; f++) x[i * d + f] = cj_rng_normal(&rng) + 1.5 * (i % 3) * (f == 0);
}

TEST(kmeans_is_deterministic_and_self_consistent)
{
    enum { N = 90, D = 3, K = 5 };
    double x[N * D], c1[K * D], c2[K * D];
    int l1[N], l2[N];
    random_data(x, N, D, 11);
    cj_kmeans_info i1, i2;
    cj_error err;
    for (uint64_t seed = 0; seed < 20; seed++) {
        cj_kmeans_options o = cj_kmeans_defaults(K);
        o.seed = seed;
        o.n_init = 1 + (int)(seed % 3);
        o.tol = seed % 2 ? 0.0 : 1e-4;
        /* Stopped early too: the labels must still fit the centres returned. */
        if (seed >= 10) o.max_iter = 1 + (int)(seed % 3);
        CHECK(cj_kmeans(x, N, D, &o, l1, c1, &i1, &err) == CJ_OK);
        CHECK(cj_kmeans(x, N, D, &o, l2, c2, &i2, &err) == CJ_OK);
        CHECK(!memcmp(l1, l2, sizeof l1) && !memcmp(c1, c2, sizeof c1) && i1.inertia == i2.inertia);
        /* Every label is the nearest centre, the inertia their sum. */
        double inertia = 0.0;
        for (int i = 0; i < N; i++) {
            double best = INFINITY, own = 0.0;
            for (int j = 0; j < K; j++) {
                double s = 0.0;
                for (int f = 0; f < D; f++) s += (x[i * D + f] - c1[j * D + f]) * (x[i * D + f] - c1[j * D + f]);
                if (s < best) best = s;
                if (j == l1[i]) own = s;
            }
            if (!(own <= best * (1 + 1e-12)))
                test_fail("seed %d: point %d is not with its nearest centre", (int)seed, i);
            inertia += own;
        }
        if (!(rel(i1.inertia, inertia) <= 1e-12))
            test_fail("seed %d: inertia %g, recomputed %g", (int)seed, i1.inertia, inertia);
        /* Run to a fixed point (tol 0), the centres are their members' means. */
        if (o.tol == 0.0 && i1.converged) {
            for (int j = 0; j < K; j++) {
                double m[D] = {0};
                int cnt = 0;
                for (int i = 0; i < N; i++)
                    if (l1[i] == j) {
                        cnt++;
                        for (int f = 0; f < D; f++) m[f] += x[i * D + f];
                    }
                CHECK(cnt > 0);
                for (int f = 0; f < D && cnt; f++) CHECK_NEAR(c1[j * D + f], m[f] / cnt, 1e-12);
            }
        }
    }
    /* More restarts never do worse than the first of them. */
    cj_kmeans_options o = cj_kmeans_defaults(K);
    o.n_init = 1;
    CHECK(cj_kmeans(x, N, D, &o, l1, c1, &i1, &err) == CJ_OK);
    o.n_init = 10;
    CHECK(cj_kmeans(x, N, D, &o, l2, c2, &i2, &err) == CJ_OK);
    CHECK(i2.inertia <= i1.inertia);
}

TEST(kmeans_edge_cases)
{
    cj_error err;
    cj_kmeans_info info;
    /* Two distinct values among five points and k = 3: a start must repeat
     * a point, a cluster empties and is re-seeded; it still ends at the
     * perfect partition of the two values. */
    double x[5] = {0, 0, 0, 1, 1}, c[3];
    int l[5];
    cj_kmeans_options o = cj_kmeans_defaults(3);
    CHECK(cj_kmeans(x, 5, 1, &o, l, c, &info, &err) == CJ_OK);
    CHECK(info.inertia == 0.0);
    CHECK(l[0] == l[1] && l[1] == l[2] && l[3] == l[4] && l[0] != l[3]);
    for (int i = 0; i < 5; i++) CHECK(l[i] >= 0 && l[i] < 3);
    /* k = n: every point its own cluster; k = 1: the mean. */
    double y[4] = {0, 1, 5, 9}, cy[4];
    int ly[4];
    o.k = 4;
    CHECK(cj_kmeans(y, 4, 1, &o, ly, cy, &info, &err) == CJ_OK);
    CHECK(info.inertia == 0.0);
    CHECK(cj_adjusted_rand_index(ly, (int[]){0, 1, 2, 3}, 4) == 1.0);
    o.k = 1;
    CHECK(cj_kmeans(y, 4, 1, &o, ly, cy, &info, &err) == CJ_OK);
    CHECK_NEAR(cy[0], 3.75, 1e-15);
    CHECK_NEAR(info.inertia, 3.75 * 3.75 + 2.75 * 2.75 + 1.25 * 1.25 + 5.25 * 5.25, 1e-12);
}

TEST(bad_arguments_are_refused)
{
    double x[6] = {0, 1, 2, 3, 4, NAN}, c[12], s[6], score;
    int l[6] = {0, 0, 1, 1, 2, 2};
    cj_error err;
    cj_kmeans_options o = cj_kmeans_defaults(6);
    CHECK(cj_kmeans(x, 5, 1, &o, l, c, NULL, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "k = 6") && strstr(err.msg, "5 samples"));
    o.k = 0;
    CHECK(cj_kmeans(x, 5, 1, &o, l, c, NULL, &err) == CJ_ERR_ARG);
    o.k = 2;
    o.n_init = 0;
    CHECK(cj_kmeans(x, 5, 1, &o, l, c, NULL, &err) == CJ_ERR_ARG && strstr(err.msg, "n_init = 0"));
    o = cj_kmeans_defaults(2);
    o.max_iter = 0;
    CHECK(cj_kmeans(x, 5, 1, &o, l, c, NULL, &err) == CJ_ERR_ARG && strstr(err.msg, "max_iter"));
    o = cj_kmeans_defaults(2);
    o.tol = -1;
    CHECK(cj_kmeans(x, 5, 1, &o, l, c, NULL, &err) == CJ_ERR_ARG && strstr(err.msg, "tol"));
    o = cj_kmeans_defaults(2);
    CHECK(cj_kmeans(x, 0, 1, &o, l, c, NULL, &err) == CJ_ERR_ARG);
    CHECK(cj_kmeans(x, 6, 1, &o, l, c, NULL, &err) == CJ_ERR_NUMERIC && strstr(err.msg, "x[5, 0]"));

    /* The silhouette: n < 2, one label, n labels, a label out of range. */
    CHECK(cj_silhouette_samples(x, 1, 1, l, 3, s, &err) == CJ_ERR_ARG && strstr(err.msg, "two samples"));
    int one[4] = {1, 1, 1, 1}, all[4] = {0, 1, 2, 3}, bad[4] = {0, 1, 3, 0};
    CHECK(cj_silhouette_score(x, 4, 1, one, 2, &score, &err) == CJ_ERR_ARG && strstr(err.msg, "1 distinct"));
    CHECK(cj_silhouette_score(x, 4, 1, all, 4, &score, &err) == CJ_ERR_ARG && strstr(err.msg, "4 distinct"));
    CHECK(cj_silhouette_score(x, 4, 1, bad, 3, &score, &err) == CJ_ERR_ARG && strstr(err.msg, "label[2] = 3"));
    CHECK(cj_silhouette_score(x, 6, 1, l, 3, &score, &err) == CJ_ERR_NUMERIC);

    /* Choosing k: the range must start at 2 and stay below n. */
    int k;
    CHECK(cj_kmeans_choose_k(x, 5, 1, 1, 3, &o, &k, l, NULL, &err) == CJ_ERR_ARG);
    CHECK(cj_kmeans_choose_k(x, 5, 1, 3, 2, &o, &k, l, NULL, &err) == CJ_ERR_ARG);
    CHECK(cj_kmeans_choose_k(x, 5, 1, 2, 5, &o, &k, l, NULL, &err) == CJ_ERR_ARG && strstr(err.msg, "k_max = 5"));
    CHECK(cj_kmeans_choose_k(x, 5, 1, 2, 4, &o, &k, l, NULL, &err) == CJ_OK && k >= 2 && k <= 4);
}

int main(void)
{
    RUN(silhouette_matches_sklearn);
    RUN(kmeans_reaches_sklearns_optimum);
    RUN(choosing_k_recovers_the_planted_blobs);
    RUN(ari_matches_sklearn);
    RUN(kmeans_is_deterministic_and_self_consistent);
    RUN(kmeans_edge_cases);
    RUN(bad_arguments_are_refused);
    return test_summary("clusters");
}
