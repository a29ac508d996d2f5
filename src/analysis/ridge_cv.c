/* ridge_cv.c — k-fold cross-validated ridge regression from a layer's
 * features to recorded units (cajal/predictivity.h): the folds, the
 * held-out predictions and their Pearson correlations. One fold's fit is in
 * ridge_fold.c. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rng.h"
#include "cka_common.h"
#include "ridge_common.h"

const double cj_ridge_default_alphas[10] = {1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7};

void cj_ridge_cv_defaults(cj_ridge_cv_opts *o)
{
    memset(o, 0, sizeof *o);
    o->folds = 10;
    o->alphas = cj_ridge_default_alphas;
    o->n_alphas = 10;
    o->scaling = CJ_RIDGE_ZSCORE;
    o->alpha_per_unit = 1;
}

void cj_ridge_cv_free(cj_ridge_cv *cv)
{
    if (!cv) return;
    free(cv->fold), free(cv->pred), free(cv->alpha), free(cv->r_fold), free(cv->r), free(cv->r_pooled);
    memset(cv, 0, sizeof *cv);
}

/* Pearson r of a[i * sa] and b[i * sb], i < n; NaN when either is
 * constant. Two passes in double. */
static double pearson(const double *a, size_t sa, const double *b, size_t sb, size_t n)
{
    double ma = 0.0, mb = 0.0;
    for (size_t i = 0; i < n; i++) ma += a[i * sa], mb += b[i * sb];
    ma /= (double)n, mb /= (double)n;
    double sab = 0.0, saa = 0.0, sbb = 0.0;
    for (size_t i = 0; i < n; i++) {
        double da = a[i * sa] - ma, db = b[i * sb] - mb;
        sab += da * db, saa += da * da, sbb += db * db;
    }
    if (!(saa > 0.0) || !(sbb > 0.0)) return NAN;
    return sab / sqrt(saa * sbb);
}

static cj_status check(const float *x, size_t n, int p, const double *y, int units, const cj_ridge_cv_opts *o,
                       cj_error *err)
{
    static const char fn[] = "ridge cv";
    if (!x || !y || !o) return cj_fail(err, CJ_ERR_ARG, "%s: x, y or the options are NULL", fn);
    if (p < 1 || units < 1)
        return cj_fail(err, CJ_ERR_ARG, "%s: p = %d features, %d units, expected at least 1 each", fn, p, units);
    if (n > INT_MAX) return cj_fail(err, CJ_ERR_ARG, "%s: n = %zu stimuli is too many", fn, n);
    if (o->folds < 2 || (size_t)o->folds > n / 2)
        return cj_fail(err, CJ_ERR_ARG, "%s: folds = %d, expected 2 to %zu (n / 2: 2 test stimuli per fold)", fn,
                       o->folds, n / 2);
    const double *al = o->alphas ? o->alphas : cj_ridge_default_alphas;
    int na = o->alphas ? o->n_alphas : 10;
    if (na < 1) return cj_fail(err, CJ_ERR_ARG, "%s: n_alphas = %d, expected at least 1", fn, na);
    for (int a = 0; a < na; a++)
        if (!(al[a] > 0.0) || !isfinite(al[a]))
            return cj_fail(err, CJ_ERR_ARG, "%s: alphas[%d] = %g, expected a finite value > 0", fn, a, al[a]);
    if (o->scaling != CJ_RIDGE_ZSCORE && o->scaling != CJ_RIDGE_CENTER)
        return cj_fail(err, CJ_ERR_ARG, "%s: scaling = %d, expected CJ_RIDGE_ZSCORE or CJ_RIDGE_CENTER", fn,
                       (int)o->scaling);
    for (size_t i = 0; i < n * (size_t)units; i++)
        if (!isfinite(y[i]))
            return cj_fail(err, CJ_ERR_ARG, "%s: y[%zu, %zu] = %g is not finite", fn, i / units, i % units, y[i]);
    double *mean = malloc(sizeof(double) * (size_t)p);
    if (!mean) return cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for %d means", fn, p);
    cj_status st = cka_column_means(x, n, p, fn, "x", mean, err);
    free(mean);
    return st;
}

/* The given folds checked, or KFold(k, shuffle=True)'s: a seeded
 * permutation cut into k runs of n/k + 1 (the first n % k) or n/k. */
static cj_status assign_folds(size_t n, const cj_ridge_cv_opts *o, int *fold, size_t *count, cj_error *err)
{
    const int k = o->folds;
    memset(count, 0, sizeof(size_t) * (size_t)k);
    if (o->fold) {
        for (size_t i = 0; i < n; i++) {
            if (o->fold[i] < 0 || o->fold[i] >= k)
                return cj_fail(err, CJ_ERR_ARG, "ridge cv: fold[%zu] = %d, expected 0 to %d", i, o->fold[i], k - 1);
            fold[i] = o->fold[i];
            count[fold[i]]++;
        }
        for (int f = 0; f < k; f++)
            if (count[f] < 2)
                return cj_fail(err, CJ_ERR_ARG, "ridge cv: fold %d has %zu stimuli, expected at least 2", f, count[f]);
        return CJ_OK;
    }
    int *perm = malloc(sizeof(int) * n);
    if (!perm) return cj_fail(err, CJ_ERR_NOMEM, "ridge cv: no memory for a permutation of %zu stimuli", n);
    for (size_t i = 0; i < n; i++) perm[i] = (int)i;
    cj_rng rng;
    cj_rng_seed(&rng, o->seed);
    cj_rng_shuffle(&rng, perm, n);
    size_t pos = 0;
    for (int f = 0; f < k; f++) {
        count[f] = n / (size_t)k + ((size_t)f < n % (size_t)k);
        for (size_t i = 0; i < count[f]; i++) fold[perm[pos++]] = f;
    }
    free(perm);
    return CJ_OK;
}

cj_status cj_ridge_cv_run(const float *x, size_t n, int p, const double *y, int units, const cj_ridge_cv_opts *o,
                          cj_ridge_cv *out, cj_error *err)
{
    if (!out) return cj_fail(err, CJ_ERR_ARG, "ridge cv: the result is NULL");
    memset(out, 0, sizeof *out);
    cj_status st = check(x, n, p, y, units, o, err);
    if (st) return st;
    const int k = o->folds, U = units;
    cj_ridge_cv_opts oo = *o;
    if (!oo.alphas) oo.alphas = cj_ridge_default_alphas, oo.n_alphas = 10;
    out->n = n, out->units = U, out->folds = k;
    out->fold = malloc(sizeof(int) * n);
    out->pred = malloc(sizeof(double) * n * (size_t)U);
    out->alpha = malloc(sizeof(double) * (size_t)k * U);
    out->r_fold = malloc(sizeof(double) * (size_t)k * U);
    out->r = malloc(sizeof(double) * (size_t)U);
    out->r_pooled = malloc(sizeof(double) * (size_t)U);
    size_t *count = malloc(sizeof(size_t) * (size_t)k);
    if (!out->fold || !out->pred || !out->alpha || !out->r_fold || !out->r || !out->r_pooled || !count)
        st = cj_fail(err, CJ_ERR_NOMEM, "ridge cv: no memory for the results (%zu stimuli x %d units)", n, U);
    if (!st) st = assign_folds(n, &oo, out->fold, count, err);
    ridge_ws w;
    memset(&w, 0, sizeof w);
    if (!st) {
        size_t tmax = 0;
        for (int f = 0; f < k; f++) tmax = count[f] > tmax ? count[f] : tmax;
        size_t mmax = 0;
        for (int f = 0; f < k; f++) mmax = n - count[f] > mmax ? n - count[f] : mmax;
        st = ridge_ws_alloc(&w, p, U, oo.n_alphas, mmax, tmax, err);
    }
    for (int f = 0; !st && f < k; f++) {
        size_t m = 0, t = 0;
        for (size_t i = 0; i < n; i++) {
            if (out->fold[i] == f) w.te[t++] = i;
            else w.tr[m++] = i;
        }
        st = ridge_fold_fit(&w, x, y, m, t, oo.alphas, &oo, err);
        if (st) break;
        for (size_t i = 0; i < t; i++)
            memcpy(out->pred + w.te[i] * U, w.pred + i * U, sizeof(double) * (size_t)U);
        for (int u = 0; u < U; u++) {
            out->alpha[(size_t)f * U + u] = oo.alphas[w.best[u]];
            /* y's test rows gathered into fit (free after the fold) */
            for (size_t i = 0; i < t; i++) w.fit[i] = y[w.te[i] * U + u];
            out->r_fold[(size_t)f * U + u] = pearson(w.pred + u, (size_t)U, w.fit, 1, t);
        }
    }
    ridge_ws_free(&w);
    free(count);
    if (st) {
        cj_ridge_cv_free(out);
        return st;
    }
    for (int u = 0; u < U; u++) {
        double s = 0.0;
        int c = 0;
        for (int f = 0; f < k; f++) {
            double r = out->r_fold[(size_t)f * U + u];
            if (isfinite(r)) s += r, c++;
        }
        out->r[u] = c ? s / c : NAN;
        out->r_pooled[u] = pearson(out->pred + u, (size_t)U, y + u, (size_t)U, n);
    }
    return CJ_OK;
}
