/* ica_whiten.c — centring and PCA whitening before ICA (include/cajal/ica.h).
 * ICA only has to find a rotation once the data are white (Hyvarinen &
 * Oja 2000, Neural Netw 13:411, Sec. 5.2); the whitening is also where
 * the dimension is reduced to K components. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/lapack.h"
#include "cajal/ica.h"

enum { ROWS = 2048 }; /* rows per block: a block of doubles stays in cache */

void cj_ica_white_free(cj_ica_white *w)
{
    free(w->mean);
    free(w->whitening);
    free(w->dewhitening);
    free(w->eigenvalues);
    memset(w, 0, sizeof *w);
}

/* C = (x - mean)^T (x - mean) / n, in double, by blocks of rows. */
static void covariance(const float *x, long n, int d, const double *mean, double *cov, double *blk)
{
    memset(cov, 0, sizeof(double) * (size_t)d * d);
    for (long r0 = 0; r0 < n; r0 += ROWS) {
        int nb = (int)(n - r0 < ROWS ? n - r0 : ROWS);
        for (int i = 0; i < nb; i++) {
            const float *xi = x + (size_t)(r0 + i) * d;
            double *bi = blk + (size_t)i * d;
            for (int j = 0; j < d; j++) bi[j] = (double)xi[j] - mean[j];
        }
        /* upper triangle of the row-major C (lower of the column-major one) */
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, nb, 1.0, blk, d, 1.0, cov, d);
    }
    for (int i = 0; i < d; i++)
        for (int j = i; j < d; j++) cov[(size_t)j * d + i] = cov[(size_t)i * d + j] /= (double)n;
}

cj_status cj_ica_whiten(const float *x, long n, int d, int k, cj_ica_white *w, cj_error *err)
{
    memset(w, 0, sizeof *w);
    if (d < 1 || n < 2) return cj_fail(err, CJ_ERR_SHAPE, "ica: %ld samples of %d dims (at least 2 samples)", n, d);
    if (k < 0) return cj_fail(err, CJ_ERR_CONFIG, "ica: --components %d is not >= 1", k);
    if (k > d) return cj_fail(err, CJ_ERR_CONFIG, "ica: --components %d is more than the %d input dims", k, d);
    for (size_t i = 0; i < (size_t)n * d; i++)
        if (!isfinite(x[i]))
            return cj_fail(err, CJ_ERR_NUMERIC, "ica: sample %zu, dim %zu is not finite (%g)", i / d, i % d, x[i]);
    double *mean = calloc((size_t)d, sizeof(double));
    double *cov = malloc(sizeof(double) * (size_t)d * d);
    double *blk = malloc(sizeof(double) * (size_t)ROWS * d);
    double *lam = malloc(sizeof(double) * (size_t)d);
    int *iwork = NULL;
    double *work = NULL;
    cj_status st = CJ_OK;
    if (!mean || !cov || !blk || !lam) {
        st = cj_fail(err, CJ_ERR_NOMEM, "ica: no memory for the %d x %d covariance", d, d);
        goto done;
    }
    for (long i = 0; i < n; i++)
        for (int j = 0; j < d; j++) mean[j] += x[(size_t)i * d + j];
    for (int j = 0; j < d; j++) mean[j] /= (double)n;
    covariance(x, n, d, mean, cov, blk);
    /* dsyevd on the symmetric C (row- and column-major alike): eigenvalues
     * ascending, eigenvector i in column i of the column-major result, i.e.
     * row i of our row-major cov */
    int info = 0, lwork = -1, liwork = -1, iw;
    double wq;
    dsyevd_("V", "L", &d, cov, &d, lam, &wq, &lwork, &iw, &liwork, &info);
    lwork = (int)wq, liwork = iw;
    work = malloc(sizeof(double) * (size_t)lwork);
    iwork = malloc(sizeof(int) * (size_t)liwork);
    if (!work || !iwork) {
        st = cj_fail(err, CJ_ERR_NOMEM, "ica: no memory for the eigendecomposition");
        goto done;
    }
    dsyevd_("V", "L", &d, cov, &d, lam, work, &lwork, iwork, &liwork, &info);
    if (info) {
        st = cj_fail(err, CJ_ERR_NUMERIC, "ica: eigendecomposition of the covariance failed (LAPACK info %d)", info);
        goto done;
    }
    double top = lam[d - 1];
    int rank = 0;
    for (int i = 0; i < d; i++) rank += top > 0 && lam[i] > 1e-6 * top;
    if (rank == 0) {
        st = cj_fail(err, CJ_ERR_NUMERIC, "ica: the input has no variance");
        goto done;
    }
    if (k == 0) k = rank;
    if (k > rank) {
        st = cj_fail(err, CJ_ERR_CONFIG,
                     "ica: --components %d is more than the %d components with variance (eigenvalues above 1e-6 of "
                     "the largest)", k, rank);
        goto done;
    }
    w->k = k, w->d = d, w->rank = rank;
    w->mean = malloc(sizeof(float) * (size_t)d);
    w->whitening = malloc(sizeof(float) * (size_t)k * d);
    w->dewhitening = malloc(sizeof(float) * (size_t)d * k);
    w->eigenvalues = malloc(sizeof(double) * (size_t)d);
    if (!w->mean || !w->whitening || !w->dewhitening || !w->eigenvalues) {
        st = cj_fail(err, CJ_ERR_NOMEM, "ica: no memory for the whitening");
        goto done;
    }
    for (int j = 0; j < d; j++) w->mean[j] = (float)mean[j], w->eigenvalues[j] = lam[d - 1 - j];
    for (int c = 0; c < k; c++) {
        const double *e = cov + (size_t)(d - 1 - c) * d; /* c-th largest */
        int big = 0;
        for (int j = 1; j < d; j++)
            if (fabs(e[j]) > fabs(e[big])) big = j;
        double sgn = e[big] < 0 ? -1 : 1, l = lam[d - 1 - c];
        for (int j = 0; j < d; j++) {
            w->whitening[(size_t)c * d + j] = (float)(sgn * e[j] / sqrt(l));
            w->dewhitening[(size_t)j * k + c] = (float)(sgn * e[j] * sqrt(l));
        }
    }
done:
    if (st) cj_ica_white_free(w);
    free(mean);
    free(cov);
    free(blk);
    free(lam);
    free(work);
    free(iwork);
    return st;
}

cj_status cj_ica_white_apply(const cj_ica_white *w, const float *x, long n, float *z, cj_error *err)
{
    int d = w->d, k = w->k;
    /* centred block by block (x - mean first, then the product: no
     * cancellation when the mean is large against the spread) */
    float *blk = malloc(sizeof(float) * (size_t)ROWS * d);
    if (!blk) return cj_fail(err, CJ_ERR_NOMEM, "ica: no memory to whiten");
    for (long r0 = 0; r0 < n; r0 += ROWS) {
        int nb = (int)(n - r0 < ROWS ? n - r0 : ROWS);
        for (int i = 0; i < nb; i++) {
            const float *xi = x + (size_t)(r0 + i) * d;
            float *bi = blk + (size_t)i * d;
            for (int j = 0; j < d; j++) bi[j] = xi[j] - w->mean[j];
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, k, d, 1.0f, blk, d, w->whitening, d, 0.0f,
                    z + (size_t)r0 * k, k);
    }
    free(blk);
    return CJ_OK;
}
