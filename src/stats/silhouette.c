/* silhouette.c — the silhouette coefficient of a partition, and choosing
 * the number of k-means clusters by it (see cajal/clusters.h), as Yang et
 * al. 2019 chose theirs (Methods, "Clustering": the k in 3..40 with the
 * best silhouette score). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/clusters.h"

/* Distances are differences, not |x|^2 - 2 x.y + |y|^2: that shortcut
 * loses digits for close points, and the score is compared with
 * scikit-learn's to 1e-9. Each pair is visited once; O(n^2 d) time and
 * O(n k) memory. */
static void cluster_distance_sums(const double *x, int n, int d, const int *labels, int k,
                                  double *sums /* [n, k] */)
{
    memset(sums, 0, sizeof(double) * (size_t)n * k);
    for (int i = 0; i < n; i++) {
        const double *xi = x + (size_t)i * d;
        for (int j = i + 1; j < n; j++) {
            const double *xj = x + (size_t)j * d;
            double s = 0.0;
            for (int f = 0; f < d; f++) {
                double t = xi[f] - xj[f];
                s += t * t;
            }
            s = sqrt(s);
            sums[(size_t)i * k + labels[j]] += s;
            sums[(size_t)j * k + labels[i]] += s;
        }
    }
}

cj_status cj_silhouette_samples(const double *x, int n, int d, const int *labels, int k, double *s,
                                cj_error *err)
{
    if (n < 2 || d < 1)
        return cj_fail(err, CJ_ERR_ARG, "silhouette: data are [%d, %d], need at least two samples and one feature",
                       n, d);
    if (k < 1) return cj_fail(err, CJ_ERR_ARG, "silhouette: k = %d labels (need >= 1)", k);
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= k)
            return cj_fail(err, CJ_ERR_ARG, "silhouette: label[%d] = %d is outside [0, %d)", i, labels[i], k);
    for (size_t i = 0; i < (size_t)n * d; i++)
        if (!isfinite(x[i]))
            return cj_fail(err, CJ_ERR_NUMERIC, "silhouette: x[%zu, %zu] = %g is not finite", i / d, i % d, x[i]);
    int *size = calloc(k, sizeof(int));
    double *sums = malloc(sizeof(double) * (size_t)n * k);
    if (!size || !sums) {
        free(size);
        free(sums);
        return cj_fail(err, CJ_ERR_NOMEM, "silhouette: no memory for %d samples x %d clusters", n, k);
    }
    for (int i = 0; i < n; i++) size[labels[i]]++;
    int used = 0;
    for (int c = 0; c < k; c++) used += size[c] > 0;
    if (used < 2 || used > n - 1) {
        free(size);
        free(sums);
        return cj_fail(err, CJ_ERR_ARG,
                       "silhouette: %d distinct labels among %d samples (the score needs 2 to n - 1 = %d)", used, n,
                       n - 1);
    }
    cluster_distance_sums(x, n, d, labels, k, sums);
    for (int i = 0; i < n; i++) {
        const int own = labels[i];
        if (size[own] == 1) {
            s[i] = 0.0;
            continue;
        }
        double a = sums[(size_t)i * k + own] / (size[own] - 1), b = INFINITY;
        for (int c = 0; c < k; c++)
            if (c != own && size[c] > 0) {
                double m = sums[(size_t)i * k + c] / size[c];
                if (m < b) b = m;
            }
        double top = a > b ? a : b;
        s[i] = top > 0.0 ? (b - a) / top : 0.0;
    }
    free(size);
    free(sums);
    return CJ_OK;
}

cj_status cj_silhouette_score(const double *x, int n, int d, const int *labels, int k, double *score,
                              cj_error *err)
{
    double *s = malloc(sizeof(double) * (n > 0 ? n : 1));
    if (!s) return cj_fail(err, CJ_ERR_NOMEM, "silhouette: no memory for %d samples", n);
    cj_status st = cj_silhouette_samples(x, n, d, labels, k, s, err);
    if (!st) {
        double m = 0.0;
        for (int i = 0; i < n; i++) m += s[i];
        *score = m / n;
    }
    free(s);
    return st;
}

cj_status cj_kmeans_choose_k(const double *x, int n, int d, int k_min, int k_max,
                             const cj_kmeans_options *opt, int *k_best, int *labels, double *scores,
                             cj_error *err)
{
    if (k_min < 2 || k_max < k_min)
        return cj_fail(err, CJ_ERR_ARG, "choosing k: the range [%d, %d] is empty or starts below 2", k_min, k_max);
    if (k_max > n - 1)
        return cj_fail(err, CJ_ERR_ARG,
                       "choosing k: k_max = %d for %d samples (the silhouette needs k <= n - 1 = %d)", k_max, n,
                       n - 1);
    int *lab = malloc(sizeof(int) * n);
    double *centres = malloc(sizeof(double) * (size_t)k_max * (d > 0 ? d : 1));
    if (!lab || !centres) {
        free(lab);
        free(centres);
        return cj_fail(err, CJ_ERR_NOMEM, "choosing k: no memory for %d samples", n);
    }
    cj_status st = CJ_OK;
    double best = -INFINITY;
    *k_best = 0;
    for (int k = k_min; k <= k_max && !st; k++) {
        cj_kmeans_options o = *opt;
        o.k = k;
        double score = NAN;
        st = cj_kmeans(x, n, d, &o, lab, centres, NULL, err);
        if (!st) st = cj_silhouette_score(x, n, d, lab, k, &score, err);
        if (st) break;
        if (scores) scores[k - k_min] = score;
        if (score > best) {
            best = score;
            *k_best = k;
            memcpy(labels, lab, sizeof(int) * n);
        }
    }
    free(lab);
    free(centres);
    return st;
}
