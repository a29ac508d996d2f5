/* ridge_fold.c — one outer fold of cross-validated ridge regression
 * (cajal/predictivity.h): scale the training features, decompose them once,
 * choose alpha by exact leave-one-out from that decomposition, predict the
 * held-out stimuli.
 *
 * With Xc = U S V^T (thin, the r directions kept) and yc centred:
 *   ridge fit      yhat = U diag(f) U^T yc,  f = s^2 / (s^2 + alpha)
 *   hat diagonal   H_ii = sum_c U_ic^2 f_c + 1/m   (1/m: the intercept)
 *   LOO residual   (yc_i - yhat_i) / (1 - H_ii)    (Allen 1974; Golub,
 *                  Heath & Wahba 1979: exact for a linear smoother refitted
 *                  without sample i, the intercept included)
 *   weights        w = V diag(s / (s^2 + alpha)) U^T yc
 * so each alpha costs one [m, r] x [r, units] product, and the
 * decomposition is paid once per fold. U and V come from the
 * eigendecomposition of the smaller of Xc^T Xc [p, p] and Xc Xc^T [m, m]
 * (dsyevd), U = Xc V / s from V or U directly, and the test features
 * in that basis Z = Xtest V (through Xtest Xc^T U / s when U is the one
 * found, so V [p, r] is never formed): squaring the condition number
 * only touches directions below 1e-8 of the largest singular value, and
 * those with s^2 below 1e-12 of the largest are dropped anyway. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/lapack.h"
#include "ridge_common.h"

void ridge_ws_free(ridge_ws *w)
{
    free(w->a), free(w->b), free(w->mu), free(w->sd), free(w->eig), free(w->wv), free(w->work), free(w->iwork);
    free(w->u), free(w->v), free(w->s), free(w->u2), free(w->z), free(w->yc), free(w->ybar), free(w->uty);
    free(w->wk), free(w->fit), free(w->f), free(w->h), free(w->mse), free(w->best), free(w->pred), free(w->tr);
    free(w->te);
    memset(w, 0, sizeof *w);
}

cj_status ridge_ws_alloc(ridge_ws *w, int p, int units, int n_alphas, size_t mmax, size_t tmax, cj_error *err)
{
    memset(w, 0, sizeof *w);
    w->p = p, w->units = units, w->n_alphas = n_alphas, w->mmax = mmax, w->tmax = tmax;
    const size_t d = (size_t)p < mmax ? (size_t)p : mmax, P = (size_t)p, U = (size_t)units;
    w->dmax = (int)d;
    /* dsyevd's documented minimum workspace for eigenvectors of order d */
    w->lwork = (int)(1 + 6 * d + 2 * d * d);
    w->liwork = (int)(3 + 5 * d);
    w->a = malloc(sizeof(double) * mmax * P);
    w->b = malloc(sizeof(double) * tmax * P);
    w->mu = malloc(sizeof(double) * P);
    w->sd = malloc(sizeof(double) * P);
    w->eig = malloc(sizeof(double) * d * d);
    w->wv = malloc(sizeof(double) * d);
    w->work = malloc(sizeof(double) * (size_t)w->lwork);
    w->iwork = malloc(sizeof(int) * (size_t)w->liwork);
    w->u = malloc(sizeof(double) * mmax * d);
    w->v = malloc(sizeof(double) * (P > tmax ? P : tmax) * d);
    w->s = malloc(sizeof(double) * d);
    w->u2 = malloc(sizeof(double) * mmax * d);
    w->z = malloc(sizeof(double) * tmax * d);
    w->yc = malloc(sizeof(double) * mmax * U);
    w->ybar = malloc(sizeof(double) * U);
    w->uty = malloc(sizeof(double) * d * U);
    w->wk = malloc(sizeof(double) * d * U);
    w->fit = malloc(sizeof(double) * mmax * U);
    w->f = malloc(sizeof(double) * d);
    w->h = malloc(sizeof(double) * mmax);
    w->mse = malloc(sizeof(double) * (size_t)n_alphas * U);
    w->best = malloc(sizeof(int) * U);
    w->pred = malloc(sizeof(double) * tmax * U);
    w->tr = malloc(sizeof(size_t) * mmax);
    w->te = malloc(sizeof(size_t) * tmax);
    if (!w->a || !w->b || !w->mu || !w->sd || !w->eig || !w->wv || !w->work || !w->iwork || !w->u || !w->v ||
        !w->s || !w->u2 || !w->z || !w->yc || !w->ybar || !w->uty || !w->wk || !w->fit || !w->f || !w->h ||
        !w->mse || !w->best || !w->pred || !w->tr || !w->te) {
        ridge_ws_free(w);
        return cj_fail(err, CJ_ERR_NOMEM,
                       "ridge cv: no memory for the fold workspace (%zu training stimuli x %d features)", mmax, p);
    }
    return CJ_OK;
}

/* Training statistics and the scaled training and test features. */
static void scale_features(ridge_ws *w, const float *x, size_t m, size_t t, cj_ridge_scaling scaling)
{
    const size_t p = (size_t)w->p;
    for (size_t j = 0; j < p; j++) w->mu[j] = 0.0;
    for (size_t r = 0; r < m; r++) {
        const float *row = x + w->tr[r] * p;
        for (size_t j = 0; j < p; j++) w->mu[j] += row[j];
    }
    for (size_t j = 0; j < p; j++) w->mu[j] /= (double)m, w->sd[j] = 0.0;
    for (size_t r = 0; r < m; r++) {
        const float *row = x + w->tr[r] * p;
        double *out = w->a + r * p;
        for (size_t j = 0; j < p; j++) {
            double v = (double)row[j] - w->mu[j];
            out[j] = v;
            w->sd[j] += v * v;
        }
    }
    for (size_t j = 0; j < p; j++) {
        /* StandardScaler: sd with divisor m; a feature equal on every
         * training stimulus keeps scale 1 (its centred values are 0). */
        int constant = 1;
        float first = x[w->tr[0] * p + j];
        for (size_t r = 1; r < m && constant; r++) constant = x[w->tr[r] * p + j] == first;
        double sd = sqrt(w->sd[j] / (double)m);
        w->sd[j] = scaling == CJ_RIDGE_CENTER || constant || !(sd > 0.0) ? 1.0 : 1.0 / sd; /* now 1/scale */
    }
    for (size_t r = 0; r < m; r++) {
        double *out = w->a + r * p;
        for (size_t j = 0; j < p; j++) out[j] *= w->sd[j];
    }
    for (size_t r = 0; r < t; r++) {
        const float *row = x + w->te[r] * p;
        double *out = w->b + r * p;
        for (size_t j = 0; j < p; j++) out[j] = ((double)row[j] - w->mu[j]) * w->sd[j];
    }
}

/* U [m, r] and s [r] of the scaled training features, and the test
 * features in the basis V, Z = B V [t, r]; returns r. */
static cj_status decompose(ridge_ws *w, size_t m, size_t t, int *rank, cj_error *err)
{
    const int p = w->p, mi = (int)m, feat = p <= mi, d = feat ? p : mi;
    /* The Gram in the row-major upper triangle is, to column-major LAPACK,
     * the lower one: 'L'. */
    if (feat)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, p, mi, 1.0, w->a, p, 0.0, w->eig, p);
    else
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, mi, p, 1.0, w->a, p, 0.0, w->eig, mi);
    int info = 0;
    dsyevd_("V", "L", &d, w->eig, &d, w->wv, w->work, &w->lwork, w->iwork, &w->liwork, &info);
    if (info)
        return cj_fail(err, CJ_ERR_NUMERIC, "ridge cv: dsyevd did not converge on the %d x %d training Gram (info %d)",
                       d, d, info);
    const double top = w->wv[d - 1];
    int r = 0;
    while (r < d && top > 0.0 && w->wv[d - 1 - r] > 1e-12 * top) r++;
    *rank = r;
    if (r == 0) return CJ_OK;
    /* Eigenvector j is row j of the row-major result; component c is the
     * c-th largest. */
    double *basis = feat ? w->v : w->u; /* [d, r] */
    for (int c = 0; c < r; c++) {
        int j = d - 1 - c;
        w->s[c] = sqrt(w->wv[j]);
        for (int i = 0; i < d; i++) basis[(size_t)i * r + c] = w->eig[(size_t)j * d + i];
    }
    const int ti = (int)t;
    if (feat) {
        /* U = A V / s, Z = B V */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, mi, r, p, 1.0, w->a, p, w->v, r, 0.0, w->u, r);
        for (size_t i = 0; i < m; i++)
            for (int c = 0; c < r; c++) w->u[i * r + c] /= w->s[c];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ti, r, p, 1.0, w->b, p, w->v, r, 0.0, w->z, r);
    } else {
        /* V = A^T U / s is never formed: Z = B V = (B A^T) U / s costs
         * t m (p + r) instead of p m r + t p r, a fifth for p = 4,096,
         * m = 1,800, t = 200. */
        double *bat = w->v; /* [t, m] scratch */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ti, mi, p, 1.0, w->b, p, w->a, p, 0.0, bat, mi);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ti, r, mi, 1.0, bat, mi, w->u, r, 0.0, w->z, r);
        for (size_t i = 0; i < t; i++)
            for (int c = 0; c < r; c++) w->z[i * r + c] /= w->s[c];
    }
    return CJ_OK;
}

/* LOO squared errors summed over the training stimuli, into mse [a, u]. */
static void loo_errors(ridge_ws *w, size_t m, int r, const double *alphas)
{
    const int U = w->units;
    const size_t mu = m * (size_t)U;
    for (size_t i = 0; i < m * (size_t)r; i++) w->u2[i] = w->u[i] * w->u[i];
    for (int a = 0; a < w->n_alphas; a++) {
        const double alpha = alphas[a];
        for (int c = 0; c < r; c++) w->f[c] = w->s[c] * w->s[c] / (w->s[c] * w->s[c] + alpha);
        if (r > 0) {
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, r, 1.0, w->u2, r, w->f, 1, 0.0, w->h, 1);
            for (int c = 0; c < r; c++)
                for (int u = 0; u < U; u++) w->wk[(size_t)c * U + u] = w->f[c] * w->uty[(size_t)c * U + u];
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, U, r, 1.0, w->u, r, w->wk, U, 0.0, w->fit,
                        U);
        } else {
            memset(w->h, 0, sizeof(double) * m);
            memset(w->fit, 0, sizeof(double) * mu);
        }
        double *mse = w->mse + (size_t)a * U;
        for (int u = 0; u < U; u++) mse[u] = 0.0;
        for (size_t i = 0; i < m; i++) {
            const double inv = 1.0 / (1.0 - (w->h[i] + 1.0 / (double)m));
            const double *yc = w->yc + i * U, *fit = w->fit + i * U;
            for (int u = 0; u < U; u++) {
                double e = (yc[u] - fit[u]) * inv;
                mse[u] += e * e;
            }
        }
    }
}

/* The index of the first smallest mse per unit, or of the first smallest
 * sum over units for every unit (shared). */
static void choose(ridge_ws *w, int per_unit)
{
    const int U = w->units, A = w->n_alphas;
    if (per_unit) {
        for (int u = 0; u < U; u++) {
            int best = 0;
            for (int a = 1; a < A; a++)
                if (w->mse[(size_t)a * U + u] < w->mse[(size_t)best * U + u]) best = a;
            w->best[u] = best;
        }
        return;
    }
    int best = 0;
    double best_sum = INFINITY;
    for (int a = 0; a < A; a++) {
        double s = 0.0;
        for (int u = 0; u < U; u++) s += w->mse[(size_t)a * U + u];
        if (s < best_sum) best_sum = s, best = a;
    }
    for (int u = 0; u < U; u++) w->best[u] = best;
}

cj_status ridge_fold_fit(ridge_ws *w, const float *x, const double *y, size_t m, size_t t, const double *alphas,
                         const cj_ridge_cv_opts *o, cj_error *err)
{
    const int U = w->units;
    scale_features(w, x, m, t, o->scaling);
    int r = 0;
    cj_status st = decompose(w, m, t, &r, err);
    if (st) return st;
    /* the units centred with their training means */
    for (int u = 0; u < U; u++) w->ybar[u] = 0.0;
    for (size_t i = 0; i < m; i++)
        for (int u = 0; u < U; u++) w->ybar[u] += y[w->tr[i] * U + u];
    for (int u = 0; u < U; u++) w->ybar[u] /= (double)m;
    for (size_t i = 0; i < m; i++)
        for (int u = 0; u < U; u++) w->yc[i * U + u] = y[w->tr[i] * U + u] - w->ybar[u];
    if (r > 0)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, U, (int)m, 1.0, w->u, r, w->yc, U, 0.0, w->uty, U);
    loo_errors(w, m, r, alphas);
    choose(w, o->alpha_per_unit);
    for (int c = 0; c < r; c++)
        for (int u = 0; u < U; u++) {
            double s = w->s[c];
            w->wk[(size_t)c * U + u] = s / (s * s + alphas[w->best[u]]) * w->uty[(size_t)c * U + u];
        }
    if (r > 0)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)t, U, r, 1.0, w->z, r, w->wk, U, 0.0, w->pred, U);
    else
        memset(w->pred, 0, sizeof(double) * t * (size_t)U);
    for (size_t i = 0; i < t; i++)
        for (int u = 0; u < U; u++) w->pred[i * U + u] += w->ybar[u];
    return CJ_OK;
}
