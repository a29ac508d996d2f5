/* rand_index.c — the adjusted Rand index of two partitions (see
 * cajal/clusters.h), for asking whether two clusterings agree whatever
 * their label names: across restarts, seeds or networks. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cajal/clusters.h"

static int by_key(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* The sum of the squared sizes of the groups of equal keys, after sorting. */
static double sum_sq_runs(int64_t *key, int n)
{
    qsort(key, n, sizeof *key, by_key);
    double s = 0.0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && key[j] == key[i]) j++;
        s += (double)(j - i) * (double)(j - i);
        i = j;
    }
    return s;
}

/* With n_ij the contingency table, a_i and b_j its margins, the pairs of
 * items split into tp (together in both), fp and fn (together in one) and
 * tn (apart in both), and
 *   ARI = 2 (tp tn - fn fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn)),
 * scikit-learn's pair-confusion form of Hubert & Arabie's index (counted
 * over ordered pairs; the factor cancels). Sorting the keys instead of
 * filling a table lets labels be any non-negative ints. */
double cj_adjusted_rand_index(const int *a, const int *b, int n)
{
    if (n < 1) return NAN;
    for (int i = 0; i < n; i++)
        if (a[i] < 0 || b[i] < 0) return NAN;
    int64_t *key = malloc(sizeof(int64_t) * n);
    if (!key) return NAN;
    for (int i = 0; i < n; i++) key[i] = ((int64_t)a[i] << 32) | (uint32_t)b[i];
    double joint = sum_sq_runs(key, n);
    for (int i = 0; i < n; i++) key[i] = a[i];
    double sa = sum_sq_runs(key, n);
    for (int i = 0; i < n; i++) key[i] = b[i];
    double sb = sum_sq_runs(key, n);
    free(key);
    /* Exact in doubles while n^2 < 2^53, i.e. n below 9e7. */
    double tp = joint - n, fp = sb - joint, fn = sa - joint, tn = (double)n * n - fp - fn - joint;
    if (fn == 0.0 && fp == 0.0) return 1.0;
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}
