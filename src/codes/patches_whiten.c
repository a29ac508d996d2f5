/* patches_whiten.c — PCA and ZCA whitening from the eigendecomposition of
 * the patch covariance (include/cajal/patches.h). ZCA is the whitening
 * Bell & Sejnowski (1997, Vision Res 37:3327) used before infomax ICA;
 * its optimality (closest to the identity) is Kessy, Lewin & Strimmer
 * (2018, Am Stat 72:309). */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/lapack.h"
#include "cajal/patches.h"

void cj_whitening_free(cj_whitening *w)
{
    free(w->mean), free(w->whiten), free(w->dewhiten), free(w->eigenvalues);
    memset(w, 0, sizeof *w);
}

/* mean [d] and covariance cov [d, d] (1/n), in double, rows in blocks */
static cj_status covariance(const float *x, long n, int d, double *mean, double *cov, cj_error *err)
{
    enum { BLOCK = 2048 };
    double *b = malloc(sizeof(double) * BLOCK * (size_t)d);
    if (!b) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the covariance of %d dimensions", d);
    memset(mean, 0, sizeof(double) * d);
    for (long i = 0; i < n; i++)
        for (int j = 0; j < d; j++) mean[j] += x[(size_t)i * d + j];
    for (int j = 0; j < d; j++) mean[j] /= (double)n;
    memset(cov, 0, sizeof(double) * d * d);
    for (long i0 = 0; i0 < n; i0 += BLOCK) {
        int m = (int)(n - i0 < BLOCK ? n - i0 : BLOCK);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < d; j++) b[(size_t)i * d + j] = x[(size_t)(i0 + i) * d + j] - mean[j];
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, m, 1.0, b, d, 1.0, cov, d);
    }
    free(b);
    for (int i = 0; i < d; i++)
        for (int j = i; j < d; j++) cov[(size_t)j * d + i] = cov[(size_t)i * d + j] /= (double)n;
    return CJ_OK;
}

/* Eigenvalues descending into l, eigenvectors as rows of e [d, d], each
 * signed so its largest |entry| is positive (a sign fixed for tests and
 * for runs on other machines' LAPACK). */
static cj_status eigen(double *cov, int d, double *l, double *e, cj_error *err)
{
    int lwork = -1, liwork = -1, info = 0, iw = 0;
    double wq = 0;
    dsyevd_("V", "U", &d, cov, &d, l, &wq, &lwork, &iw, &liwork, &info);
    lwork = (int)wq, liwork = iw;
    double *work = malloc(sizeof(double) * (size_t)(lwork > 1 ? lwork : 1));
    int *iwork = malloc(sizeof(int) * (size_t)(liwork > 1 ? liwork : 1));
    if (!work || !iwork) {
        free(work), free(iwork);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the eigendecomposition of %d dimensions", d);
    }
    /* symmetric, so the row-major matrix is its own column-major one; the
     * eigenvectors come back as columns, i.e. rows of the row-major array */
    dsyevd_("V", "U", &d, cov, &d, l, work, &lwork, iwork, &liwork, &info);
    free(work), free(iwork);
    if (info) return cj_fail(err, CJ_ERR_NUMERIC, "covariance eigendecomposition failed (LAPACK dsyevd info %d)", info);
    for (int k = 0; k < d; k++) {
        const double *v = cov + (size_t)(d - 1 - k) * d;
        int big = 0;
        for (int j = 1; j < d; j++)
            if (fabs(v[j]) > fabs(v[big])) big = j;
        double s = v[big] < 0 ? -1 : 1;
        for (int j = 0; j < d; j++) e[(size_t)k * d + j] = s * v[j];
    }
    for (int k = 0; k < d / 2; k++) {
        double t = l[k];
        l[k] = l[d - 1 - k], l[d - 1 - k] = t;
    }
    return CJ_OK;
}

static void identity(float *m, int d)
{
    memset(m, 0, sizeof(float) * d * d);
    for (int i = 0; i < d; i++) m[(size_t)i * d + i] = 1;
}

cj_status cj_whitening_fit(const float *x, long n, int d, cj_whiten_kind kind, int components, double epsilon,
                           cj_whitening *w, cj_error *err)
{
    memset(w, 0, sizeof *w);
    if (d < 1 || d > 4096) return cj_fail(err, CJ_ERR_ARG, "whitening: %d dimensions (1 to 4096)", d);
    if (n < 2) return cj_fail(err, CJ_ERR_ARG, "whitening: %ld samples, need at least 2", n);
    if (components < 0 || components > d)
        return cj_fail(err, CJ_ERR_ARG, "whitening: --components %d is not from 1 to %d (the dimensions)", components, d);
    if (!(epsilon >= 0) || !isfinite(epsilon))
        return cj_fail(err, CJ_ERR_ARG, "whitening: epsilon %g is not a number >= 0", epsilon);
    w->kind = kind, w->dims = d;
    double *mean = malloc(sizeof(double) * d), *cov = malloc(sizeof(double) * d * d), *e = malloc(sizeof(double) * d * d);
    w->mean = malloc(sizeof(float) * d);
    w->eigenvalues = calloc((size_t)d, sizeof(double));
    cj_status st = CJ_OK;
    if (!mean || !cov || !e || !w->mean || !w->eigenvalues) {
        st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for whitening %d dimensions", d);
        goto done;
    }
    if ((st = covariance(x, n, d, mean, cov, err))) goto done;
    for (int j = 0; j < d; j++) w->mean[j] = (float)mean[j];
    if (kind == CJ_WHITEN_NONE || kind == CJ_WHITEN_OLSHAUSEN) {
        w->out = w->kept = d;
        w->whiten = malloc(sizeof(float) * d * d), w->dewhiten = malloc(sizeof(float) * d * d);
        if (!w->whiten || !w->dewhiten) {
            st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for whitening %d dimensions", d);
            goto done;
        }
        identity(w->whiten, d), identity(w->dewhiten, d);
        goto done;
    }
    if ((st = eigen(cov, d, w->eigenvalues, e, err))) goto done;
    const double *l = w->eigenvalues;
    int nonnull = 0;
    double total = 0;
    for (int k = 0; k < d; k++) {
        total += l[k] > 0 ? l[k] : 0;
        nonnull += l[k] > 1e-6 * l[0];
    }
    if (!(l[0] > 0) || !nonnull) {
        st = cj_fail(err, CJ_ERR_NUMERIC, "whitening: the %ld samples have no variance", n);
        goto done;
    }
    int K = components ? components : nonnull;
    if (K > nonnull) {
        st = cj_fail(err, CJ_ERR_ARG,
                     "whitening: --components %d, but only %d components have variance (the rest are null, e.g. the "
                     "patch mean after DC removal)",
                     K, nonnull);
        goto done;
    }
    w->kept = K;
    w->eps = epsilon * total / d;
    w->out = kind == CJ_WHITEN_PCA ? K : d;
    w->whiten = calloc((size_t)w->out * d, sizeof(float));
    w->dewhiten = calloc((size_t)w->out * d, sizeof(float));
    if (!w->whiten || !w->dewhiten) {
        st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for whitening %d dimensions", d);
        goto done;
    }
    if (kind == CJ_WHITEN_PCA) {
        for (int k = 0; k < K; k++) {
            double s = sqrt(l[k] + w->eps);
            for (int j = 0; j < d; j++) {
                w->whiten[(size_t)k * d + j] = (float)(e[(size_t)k * d + j] / s);
                w->dewhiten[(size_t)j * K + k] = (float)(e[(size_t)k * d + j] * s);
            }
        }
    } else {
        /* E_K diag(g) E_K^T in double, then to float */
        double *a = calloc((size_t)d * d, sizeof(double)), *b = calloc((size_t)d * d, sizeof(double));
        double *sc = malloc(sizeof(double) * (size_t)K * d);
        if (!a || !b || !sc) {
            free(a), free(b), free(sc);
            st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for whitening %d dimensions", d);
            goto done;
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < K; k++) {
                double s = sqrt(l[k] + w->eps), g = pass ? s : 1 / s;
                for (int j = 0; j < d; j++) sc[(size_t)k * d + j] = e[(size_t)k * d + j] * g;
            }
            double *m = pass ? b : a;
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, K, 1.0, e, d, sc, d, 0.0, m, d);
        }
        for (size_t i = 0; i < (size_t)d * d; i++) w->whiten[i] = (float)a[i], w->dewhiten[i] = (float)b[i];
        free(a), free(b), free(sc);
    }
done:
    free(mean), free(cov), free(e);
    if (st) cj_whitening_free(w);
    return st;
}

void cj_whitening_apply(const cj_whitening *w, const float *x, long n, float *y)
{
    enum { BLOCK = 4096 };
    int d = w->dims;
    float *b = malloc(sizeof(float) * BLOCK * (size_t)d);
    for (long i0 = 0; i0 < n; i0 += BLOCK) {
        int m = (int)(n - i0 < BLOCK ? n - i0 : BLOCK);
        const float *src = x + (size_t)i0 * d;
        if (b) {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < d; j++) b[(size_t)i * d + j] = src[(size_t)i * d + j] - w->mean[j];
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, w->out, d, 1.0f, b, d, w->whiten, d, 0.0f,
                        y + (size_t)i0 * w->out, w->out);
        } else {
            /* no block buffer: the slow way, one dot product at a time */
            for (int i = 0; i < m; i++)
                for (int k = 0; k < w->out; k++) {
                    double s = 0;
                    for (int j = 0; j < d; j++) s += (double)w->whiten[(size_t)k * d + j] * (src[(size_t)i * d + j] - w->mean[j]);
                    y[(size_t)(i0 + i) * w->out + k] = (float)s;
                }
        }
    }
    free(b);
}
