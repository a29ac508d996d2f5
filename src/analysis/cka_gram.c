/* cka_gram.c — CKA in Gram form (cajal/cka.h): linear and RBF kernels,
 * Kornblith's biased and unbiased centring, and the normalised HSIC.
 *
 * Everything is double: an n x n kernel is summed over n^2 entries after
 * centring subtracts means of the same size as the entries, and the RBF
 * bandwidth comes from a median that must treat ties exactly as NumPy. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/cka.h"
#include "cka_common.h"

/* ---- selection (for the median) --------------------------------------- */

static void swap(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/* Rearrange v[0..m) so that v[k] is the k-th smallest, everything before it
 * <= v[k] and everything after >= v[k]: Hoare's selection as Wirth writes
 * it, the pivot the median of three (expected O(m), deterministic). */
static void select_kth(double *v, size_t m, size_t k_)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)m - 1, k = (ptrdiff_t)k_;
    while (lo < hi) {
        double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi];
        double x = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        ptrdiff_t i = lo, j = hi;
        do {
            while (v[i] < x) i++;
            while (x < v[j]) j--;
            if (i <= j) {
                swap(&v[i], &v[j]);
                i++;
                j--;
            }
        } while (i <= j);
        if (j < k) lo = i;
        if (k < i) hi = j;
    }
}

/* The median of the n^2 entries of a symmetric matrix with a zero diagonal
 * and off-diagonal entries >= 0, given its upper triangle d[0..m),
 * m = n(n-1)/2, which is reordered. Sorted, the n^2 entries are the n
 * zeros of the diagonal, then every d twice: entry k >= n is d's
 * (k - n)/2-th smallest. NumPy's median of an even count averages the two
 * middle entries. */
static double full_median(double *d, size_t m, size_t n)
{
    const size_t total = n * n;
    size_t k_lo = (total - 1) / 2, k_hi = total / 2;
    double v[2];
    size_t ks[2] = {k_lo, k_hi};
    size_t have = (size_t)-1; /* index of d already selected */
    for (int t = 0; t < 2; t++) {
        size_t k = ks[t];
        if (k < n) {
            v[t] = 0.0;
            continue;
        }
        size_t j = (k - n) / 2;
        if (have == (size_t)-1) {
            select_kth(d, m, j);
            have = j;
            v[t] = d[j];
        } else if (j == have) {
            v[t] = d[j];
        } else { /* j = have + 1: the smallest of what lies above d[have] */
            double best = d[j];
            for (size_t i = j + 1; i < m; i++)
                if (d[i] < best) best = d[i];
            v[t] = best;
        }
    }
    return 0.5 * (v[0] + v[1]);
}

/* ---- kernels ----------------------------------------------------------- */

static cj_status check_x(const float *x, size_t n, int p, const void *out, const char *fn, cj_error *err)
{
    if (!x || !out) return cj_fail(err, CJ_ERR_ARG, "%s: x or the result is NULL", fn);
    if (p < 1) return cj_fail(err, CJ_ERR_ARG, "%s: p = %d features, expected at least 1", fn, p);
    if (n < 2) return cj_fail(err, CJ_ERR_ARG, "%s: n = %zu stimuli, expected at least 2", fn, n);
    if (n > 2147483647u) return cj_fail(err, CJ_ERR_ARG, "%s: n = %zu stimuli is too many for a Gram matrix", fn, n);
    return CJ_OK;
}

static cj_status gram(const float *x, size_t n, int p, double *k, const char *fn, cj_error *err)
{
    double *mean = malloc(sizeof(double) * (size_t)p);
    if (!mean) return cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for %d column means", fn, p);
    cj_status st = cka_column_means(x, n, p, fn, "x", mean, err);
    if (!st) st = cka_centred_gram(x, n, p, mean, fn, k, err);
    free(mean);
    return st;
}

cj_status cj_gram_linear(const float *x, size_t n, int p, double *k, cj_error *err)
{
    static const char fn[] = "gram linear";
    cj_status st = check_x(x, n, p, k, fn, err);
    return st ? st : gram(x, n, p, k, fn, err);
}

cj_status cj_gram_rbf(const float *x, size_t n, int p, double threshold, double *k, cj_error *err)
{
    static const char fn[] = "gram rbf";
    cj_status st = check_x(x, n, p, k, fn, err);
    if (st) return st;
    if (!(threshold > 0.0) || !isfinite(threshold))
        return cj_fail(err, CJ_ERR_ARG, "%s: threshold = %g, expected a finite value > 0", fn, threshold);
    const size_t m = n * (n - 1) / 2;
    double *d = malloc(sizeof(double) * m), *sq = malloc(sizeof(double) * n);
    if (!d || !sq) {
        free(d), free(sq);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for %zu squared distances", fn, m);
    }
    st = gram(x, n, p, k, fn, err);
    if (!st) {
        for (size_t i = 0; i < n; i++) sq[i] = k[i * n + i];
        size_t c = 0;
        for (size_t i = 0; i < n; i++) {
            double *row = k + i * n;
            row[i] = 0.0;
            for (size_t j = i + 1; j < n; j++) {
                double v = sq[i] + sq[j] - 2.0 * row[j];
                v = v > 0.0 ? v : 0.0; /* rounding can leave -1e-13 */
                row[j] = v;
                d[c++] = v;
            }
        }
        double med = full_median(d, m, n);
        if (!(med > 0.0))
            st = cj_fail(err, CJ_ERR_NUMERIC,
                         "%s: the median squared distance between the %zu stimuli is 0 (most are identical), "
                         "so the bandwidth is 0",
                         fn, n);
        else {
            const double scale = -1.0 / (2.0 * threshold * threshold * med);
            for (size_t i = 0; i < n; i++) {
                double *row = k + i * n;
                row[i] = 1.0;
                for (size_t j = i + 1; j < n; j++) {
                    row[j] = exp(row[j] * scale);
                    k[j * n + i] = row[j];
                }
            }
        }
    }
    free(d), free(sq);
    return st;
}

/* ---- centring and CKA --------------------------------------------------- */

cj_status cj_gram_center(double *k, size_t n, int unbiased, cj_error *err)
{
    if (!k) return cj_fail(err, CJ_ERR_ARG, "gram center: k is NULL");
    if (n < (unbiased ? 3u : 1u))
        return cj_fail(err, CJ_ERR_ARG, "gram center: n = %zu, expected at least %d", n, unbiased ? 3 : 1);
    double *means = calloc(n, sizeof(double));
    if (!means) return cj_fail(err, CJ_ERR_NOMEM, "gram center: no memory for %zu means", n);
    if (unbiased)
        for (size_t i = 0; i < n; i++) k[i * n + i] = 0.0;
    /* Column sums, a row at a time (k is symmetric: the same as row sums,
     * but this order is contiguous and vectorises). */
    for (size_t i = 0; i < n; i++) {
        const double *row = k + i * n;
        for (size_t j = 0; j < n; j++) means[j] += row[j];
    }
    double total = 0.0;
    const double div = unbiased ? (double)n - 2.0 : (double)n;
    for (size_t j = 0; j < n; j++) total += (means[j] /= div);
    /* Kornblith's center_gram: means -= sum / (2 (n - 1)) unbiased, mean / 2 biased */
    const double shift = unbiased ? total / (2.0 * ((double)n - 1.0)) : total / (2.0 * (double)n);
    for (size_t j = 0; j < n; j++) means[j] -= shift;
    for (size_t i = 0; i < n; i++) {
        double *row = k + i * n, mi = means[i];
        for (size_t j = 0; j < n; j++) row[j] -= mi + means[j];
    }
    if (unbiased)
        for (size_t i = 0; i < n; i++) k[i * n + i] = 0.0;
    free(means);
    return CJ_OK;
}

/* Symmetric to 1e-10 of the largest |entry|, every entry finite. */
static cj_status check_gram(const double *k, size_t n, const char *name, cj_error *err)
{
    double big = 0.0;
    for (size_t i = 0; i < n * n; i++) {
        if (!isfinite(k[i]))
            return cj_fail(err, CJ_ERR_ARG, "cka gram: %s[%zu, %zu] = %g is not finite", name, i / n, i % n, k[i]);
        big = fmax(big, fabs(k[i]));
    }
    const double tol = 1e-10 * big;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (fabs(k[i * n + j] - k[j * n + i]) > tol)
                return cj_fail(err, CJ_ERR_ARG,
                               "cka gram: %s is not symmetric: %s[%zu, %zu] = %.17g, %s[%zu, %zu] = %.17g", name,
                               name, i, j, k[i * n + j], name, j, i, k[j * n + i]);
    return CJ_OK;
}

cj_status cj_cka_gram(double *kx, double *ky, size_t n, int debiased, double *cka, cj_error *err)
{
    if (!kx || !ky || !cka) return cj_fail(err, CJ_ERR_ARG, "cka gram: kx, ky or the result is NULL");
    size_t need = debiased ? 4 : 2;
    if (n < need)
        return cj_fail(err, CJ_ERR_ARG, "cka gram: n = %zu stimuli, expected at least %zu%s", n, need,
                       debiased ? " for the debiased estimator" : "");
    *cka = NAN;
    cj_status st = check_gram(kx, n, "kx", err);
    if (!st) st = check_gram(ky, n, "ky", err);
    if (!st) st = cj_gram_center(kx, n, debiased, err);
    if (!st) st = cj_gram_center(ky, n, debiased, err);
    if (st) return st;
    double xy = 0.0, xx = 0.0, yy = 0.0;
    for (size_t i = 0; i < n * n; i++) {
        xy += kx[i] * ky[i];
        xx += kx[i] * kx[i];
        yy += ky[i] * ky[i];
    }
    if (xx > 0.0 && yy > 0.0) *cka = xy / (sqrt(xx) * sqrt(yy));
    return CJ_OK;
}

cj_status cj_cka_rbf(const float *x, const float *y, size_t n, int p, int q, double threshold, int debiased,
                     double *cka, cj_error *err)
{
    if (!x || !y || !cka) return cj_fail(err, CJ_ERR_ARG, "cka rbf: x, y or the result is NULL");
    if (n < 2 || n > 2147483647u)
        return cj_fail(err, CJ_ERR_ARG, "cka rbf: n = %zu stimuli, expected 2 to 2^31 - 1", n);
    double *kx = malloc(sizeof(double) * n * n), *ky = malloc(sizeof(double) * n * n);
    cj_status st = CJ_OK;
    if (!kx || !ky) st = cj_fail(err, CJ_ERR_NOMEM, "cka rbf: no memory for two %zu x %zu kernels", n, n);
    if (!st) st = cj_gram_rbf(x, n, p, threshold, kx, err);
    if (!st) st = cj_gram_rbf(y, n, q, threshold, ky, err);
    if (!st) st = cj_cka_gram(kx, ky, n, debiased, cka, err);
    free(kx), free(ky);
    return st;
}
