/* clusters.h — k-means, the silhouette score, choosing the number of
 * clusters by it, and the adjusted Rand index for comparing partitions.
 *
 * What Yang et al. 2019 (Nat. Neurosci. 22:297, Methods, "Clustering") do
 * with scikit-learn's KMeans and silhouette_score, in plain C and with the
 * same conventions, so their numbers can be checked against scikit-learn:
 *
 *     cj_kmeans_options o = cj_kmeans_defaults(4);
 *     o.seed = 7;
 *     int labels[120]; double centres[4 * 5];
 *     cj_kmeans_info info;
 *     if (cj_kmeans(x, 120, 5, &o, labels, centres, &info, &err)) return err.code;
 *     double s;
 *     cj_silhouette_score(x, 120, 5, labels, 4, &s, &err);
 *
 * Data are row-major doubles [n, d] (n samples of d features). Outputs are
 * arrays the caller owns; scratch memory is allocated once per call and
 * freed before returning. Nothing here prints or keeps state; randomness
 * comes only from the seed in the options (a cj_rng stream, rng.h), so the
 * same data and seed give the same labels, bit for bit. */
#ifndef CAJAL_CLUSTERS_H
#define CAJAL_CLUSTERS_H

#include <stdint.h>

#include "cajal/status.h"

/* ---- k-means ------------------------------------------------------------ */

/* Lloyd's algorithm from greedy k-means++ starts (Arthur & Vassilvitskii
 * 2007; the greedy variant of scikit-learn, which draws 2 + floor(ln k)
 * candidates per new centre and keeps the one that lowers the inertia
 * most), restarted n_init times; the restart with the lowest inertia is
 * kept (the first one on a tie). Each restart iterates until no label
 * changes or the centres move by at most tol in total,
 *   sum_j |c_j(new) - c_j(old)|^2 <= tol * mean_f var(x[:, f])
 * (scikit-learn's rule: tol is relative to the data's scale), or for
 * max_iter iterations. A cluster left empty by an update is re-seeded
 * with the point farthest from its centre, as scikit-learn does. */
typedef struct {
    int k;          /* clusters, 1 <= k <= n */
    int n_init;     /* restarts from fresh k-means++ starts; default 10 */
    int max_iter;   /* Lloyd iterations per restart; default 300 */
    double tol;     /* default 1e-4 (see above); 0 runs to a fixed point of the labels */
    uint64_t seed;  /* default 0 */
} cj_kmeans_options;

typedef struct {
    double inertia;  /* sum over samples of |x_i - c_{label i}|^2 */
    int iterations;  /* Lloyd iterations of the restart kept */
    int restart;     /* which restart (0-based) it was */
    int converged;   /* 1 when it stopped before max_iter */
} cj_kmeans_info;

/* n_init 10, max_iter 300, tol 1e-4, seed 0. */
cj_kmeans_options cj_kmeans_defaults(int k);

/* Cluster x [n, d] into opt->k clusters: labels [n] in [0, k), centres
 * [k, d] (the means of their members), and info (may be NULL). Fails with
 * CJ_ERR_ARG for n < 1, d < 1, k outside [1, n], n_init or max_iter < 1,
 * tol < 0, and CJ_ERR_NUMERIC for a value that is not finite. */
cj_status cj_kmeans(const double *x, int n, int d, const cj_kmeans_options *opt, int *labels,
                    double *centres, cj_kmeans_info *info, cj_error *err);

/* ---- silhouette --------------------------------------------------------- */

/* The silhouette coefficient of each sample (Rousseeuw 1987, J. Comput.
 * Appl. Math. 20:53) with Euclidean distances: s_i = (b_i - a_i) /
 * max(a_i, b_i), a_i the mean distance to the other members of its
 * cluster, b_i the smallest mean distance to another cluster's members;
 * s_i = 0 when i is alone in its cluster (and when a_i = b_i = 0), as in
 * scikit-learn. labels lie in [0, k); labels no sample carries are
 * ignored. Writes s [n]. Fails with CJ_ERR_ARG for n < 2, a label outside
 * [0, k), or a number of distinct labels outside [2, n - 1] (the score is
 * not defined there: scikit-learn refuses it too). */
cj_status cj_silhouette_samples(const double *x, int n, int d, const int *labels, int k, double *s,
                                cj_error *err);

/* The mean of cj_silhouette_samples, scikit-learn's silhouette_score. */
cj_status cj_silhouette_score(const double *x, int n, int d, const int *labels, int k, double *score,
                              cj_error *err);

/* ---- choosing k --------------------------------------------------------- */

/* k-means for every k in [k_min, k_max] (opt gives everything but k; each
 * k starts from the same seed, as scikit-learn's random_state does), each
 * partition scored by its silhouette; the best score wins, the smaller k
 * on a tie. Writes the chosen k, its labels [n], and scores
 * [k_max - k_min + 1] (scores[j] for k = k_min + j; may be NULL). Fails
 * with CJ_ERR_ARG for k_min < 2, k_max < k_min or k_max > n - 1, and as
 * cj_kmeans does. */
cj_status cj_kmeans_choose_k(const double *x, int n, int d, int k_min, int k_max,
                             const cj_kmeans_options *opt, int *k_best, int *labels, double *scores,
                             cj_error *err);

/* ---- comparing partitions ----------------------------------------------- */

/* The adjusted Rand index of two labellings of n items (Hubert & Arabie
 * 1985, J. Classif. 2:193): 1 for the same partition whatever the label
 * names, about 0 for independent ones, as scikit-learn's
 * adjusted_rand_score (which also gives 1 when both put every item in one
 * cluster, or every item in its own). Labels are any non-negative ints.
 * NaN for n < 1, a negative label, or no memory. */
double cj_adjusted_rand_index(const int *a, const int *b, int n);

#endif
