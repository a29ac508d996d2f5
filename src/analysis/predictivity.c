/* predictivity.c — split-half reliability with the Spearman-Brown
 * correction, and ridge predictivity ceiled by it (cajal/predictivity.h;
 * Brain-Score's InternalConsistency and CrossRegressedCorrelation,
 * Schrimpf et al. 2018).
 *
 * Why Spearman-Brown (Spearman 1910; Brown 1910): the correlation between
 * two half-means estimates the reliability of a mean over reps/2
 * repetitions; the reliability of the mean over all reps, which is what the
 * model is scored against, is 2 r / (1 + r) under the assumption that
 * repetitions are exchangeable. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/predictivity.h"
#include "cajal/rng.h"

void cj_predictivity_defaults(cj_predictivity_opts *o)
{
    memset(o, 0, sizeof *o);
    cj_ridge_cv_defaults(&o->ridge);
    o->splits = 10;
}

static cj_status check_resp(const float *resp, size_t n, int reps, int units, const char *fn, cj_error *err)
{
    if (!resp) return cj_fail(err, CJ_ERR_ARG, "%s: resp is NULL", fn);
    if (n < 2) return cj_fail(err, CJ_ERR_ARG, "%s: n = %zu stimuli, expected at least 2", fn, n);
    if (reps < 1 || units < 1)
        return cj_fail(err, CJ_ERR_ARG, "%s: %d repetitions, %d units, expected at least 1 each", fn, reps, units);
    const size_t total = n * (size_t)reps * (size_t)units;
    for (size_t i = 0; i < total; i++)
        if (!isfinite(resp[i])) {
            size_t u = i % (size_t)units, k = i / (size_t)units % (size_t)reps, s = i / ((size_t)units * reps);
            return cj_fail(err, CJ_ERR_ARG, "%s: resp[%zu, %zu, %zu] = %g is not finite", fn, s, k, u,
                           (double)resp[i]);
        }
    return CJ_OK;
}

/* Half means into ma, mb [n, units], then r per unit. */
static void split_r(const float *resp, size_t n, int reps, int units, const unsigned char *first, double *ma,
                    double *mb, double *r)
{
    const size_t U = (size_t)units;
    int na = 0;
    for (int k = 0; k < reps; k++) na += first[k] != 0;
    const double ia = 1.0 / na, ib = 1.0 / (reps - na);
    for (size_t s = 0; s < n; s++) {
        double *a = ma + s * U, *b = mb + s * U;
        for (size_t u = 0; u < U; u++) a[u] = b[u] = 0.0;
        for (int k = 0; k < reps; k++) {
            const float *row = resp + (s * (size_t)reps + (size_t)k) * U;
            double *dst = first[k] ? a : b;
            for (size_t u = 0; u < U; u++) dst[u] += row[u];
        }
        for (size_t u = 0; u < U; u++) a[u] *= ia, b[u] *= ib;
    }
    for (size_t u = 0; u < U; u++) {
        double sa = 0.0, sb = 0.0;
        for (size_t s = 0; s < n; s++) sa += ma[s * U + u], sb += mb[s * U + u];
        sa /= (double)n, sb /= (double)n;
        double ab = 0.0, aa = 0.0, bb = 0.0;
        for (size_t s = 0; s < n; s++) {
            double da = ma[s * U + u] - sa, db = mb[s * U + u] - sb;
            ab += da * db, aa += da * da, bb += db * db;
        }
        r[u] = aa > 0.0 && bb > 0.0 ? ab / sqrt(aa * bb) : NAN;
    }
}

cj_status cj_split_half_r(const float *resp, size_t n, int reps, int units, const unsigned char *first_half,
                          double *r, cj_error *err)
{
    static const char fn[] = "split-half r";
    cj_status st = check_resp(resp, n, reps, units, fn, err);
    if (st) return st;
    if (!first_half || !r) return cj_fail(err, CJ_ERR_ARG, "%s: first_half or r is NULL", fn);
    int na = 0;
    for (int k = 0; k < reps; k++) na += first_half[k] != 0;
    if (na < 1 || na > reps - 1)
        return cj_fail(err, CJ_ERR_ARG, "%s: %d of %d repetitions in the first half, expected 1 to %d", fn, na, reps,
                       reps - 1);
    double *ma = malloc(sizeof(double) * n * (size_t)units), *mb = malloc(sizeof(double) * n * (size_t)units);
    if (!ma || !mb) st = cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for the half means (%zu x %d)", fn, n, units);
    else split_r(resp, n, reps, units, first_half, ma, mb, r);
    free(ma), free(mb);
    return st;
}

cj_status cj_split_half_reliability(const float *resp, size_t n, int reps, int units, int splits, uint64_t seed,
                                    double *rel, cj_error *err)
{
    static const char fn[] = "split-half reliability";
    cj_status st = check_resp(resp, n, reps, units, fn, err);
    if (st) return st;
    if (!rel) return cj_fail(err, CJ_ERR_ARG, "%s: rel is NULL", fn);
    if (reps < 2) return cj_fail(err, CJ_ERR_ARG, "%s: %d repetition, expected at least 2 to split", fn, reps);
    if (splits < 1) return cj_fail(err, CJ_ERR_ARG, "%s: splits = %d, expected at least 1", fn, splits);
    const size_t U = (size_t)units;
    double *ma = malloc(sizeof(double) * n * U), *mb = malloc(sizeof(double) * n * U);
    double *r = malloc(sizeof(double) * U);
    int *count = calloc(U, sizeof(int)), *perm = malloc(sizeof(int) * (size_t)reps);
    unsigned char *first = malloc((size_t)reps);
    if (!ma || !mb || !r || !count || !perm || !first)
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for the half means (%zu x %d)", fn, n, units);
    if (!st) {
        for (size_t u = 0; u < U; u++) rel[u] = 0.0;
        cj_rng rng;
        cj_rng_seed(&rng, seed);
        for (int s = 0; s < splits; s++) {
            for (int k = 0; k < reps; k++) perm[k] = k;
            cj_rng_shuffle(&rng, perm, (size_t)reps);
            for (int k = 0; k < reps; k++) first[perm[k]] = k < reps / 2;
            split_r(resp, n, reps, units, first, ma, mb, r);
            for (size_t u = 0; u < U; u++)
                if (isfinite(r[u]) && r[u] > -1.0) {
                    rel[u] += 2.0 * r[u] / (1.0 + r[u]);
                    count[u]++;
                }
        }
        for (size_t u = 0; u < U; u++) rel[u] = count[u] ? rel[u] / count[u] : NAN;
    }
    free(ma), free(mb), free(r), free(count), free(perm), free(first);
    return st;
}

void cj_predictivity_free(cj_predictivity *pr)
{
    if (!pr) return;
    cj_ridge_cv_free(&pr->ridge);
    free(pr->reliability), free(pr->ceiled_r), free(pr->ev), free(pr->brainscore_r);
    memset(pr, 0, sizeof *pr);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of the finite values of v[0..n) (scratch [n]), NaN if none. */
static double median_finite(const double *v, int n, double *scratch)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) scratch[c++] = v[i];
    if (!c) return NAN;
    qsort(scratch, (size_t)c, sizeof(double), cmp_double);
    return c % 2 ? scratch[c / 2] : 0.5 * (scratch[c / 2 - 1] + scratch[c / 2]);
}

cj_status cj_predictivity_run(const float *x, size_t n, int p, const float *resp, int reps, int units,
                              const cj_predictivity_opts *o, cj_predictivity *out, cj_error *err)
{
    static const char fn[] = "predictivity";
    if (!out || !o) return cj_fail(err, CJ_ERR_ARG, "%s: the options or the result is NULL", fn);
    memset(out, 0, sizeof *out);
    cj_status st = check_resp(resp, n, reps, units, fn, err);
    if (st) return st;
    if (reps >= 2 && o->splits < 1)
        return cj_fail(err, CJ_ERR_ARG, "%s: splits = %d, expected at least 1", fn, o->splits);
    const size_t U = (size_t)units;
    out->units = units, out->reps = reps;
    double *y = malloc(sizeof(double) * n * U);
    out->reliability = malloc(sizeof(double) * U);
    out->ceiled_r = malloc(sizeof(double) * U);
    out->ev = malloc(sizeof(double) * U);
    out->brainscore_r = malloc(sizeof(double) * U);
    double *scratch = malloc(sizeof(double) * U);
    if (!y || !out->reliability || !out->ceiled_r || !out->ev || !out->brainscore_r || !scratch)
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for %zu stimuli x %d units", fn, n, units);
    if (!st) {
        for (size_t s = 0; s < n; s++)
            for (size_t u = 0; u < U; u++) {
                double acc = 0.0;
                for (int k = 0; k < reps; k++) acc += resp[(s * (size_t)reps + (size_t)k) * U + u];
                y[s * U + u] = acc / reps;
            }
        st = cj_ridge_cv_run(x, n, p, y, units, &o->ridge, &out->ridge, err);
    }
    if (!st) {
        if (reps >= 2)
            st = cj_split_half_reliability(resp, n, reps, units, o->splits, o->split_seed, out->reliability, err);
        else
            for (size_t u = 0; u < U; u++) out->reliability[u] = NAN;
    }
    if (!st) {
        int valid = 0;
        for (size_t u = 0; u < U; u++) {
            double r = out->ridge.r[u], rel = out->reliability[u];
            int ok = rel > 0.0 && isfinite(r);
            out->ceiled_r[u] = ok ? r / sqrt(rel) : NAN;
            out->ev[u] = ok ? (r < 0 ? -1.0 : 1.0) * r * r / rel : NAN;
            out->brainscore_r[u] = ok ? r / rel : NAN;
            valid += ok;
        }
        out->units_valid = valid;
        out->median_r = median_finite(out->ridge.r, units, scratch);
        out->median_r_pooled = median_finite(out->ridge.r_pooled, units, scratch);
        out->median_reliability = median_finite(out->reliability, units, scratch);
        out->median_ceiled_r = median_finite(out->ceiled_r, units, scratch);
        out->median_ev = median_finite(out->ev, units, scratch);
        out->median_brainscore_r = median_finite(out->brainscore_r, units, scratch);
        out->brainscore = out->median_reliability > 0.0 ? out->median_r / out->median_reliability : NAN;
    }
    free(y), free(scratch);
    if (st) cj_predictivity_free(out);
    return st;
}
