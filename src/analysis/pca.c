/* pca.c — principal components of a [rows, units] matrix (see
 * cajal/subspace.h): the eigenvectors of the covariance, as
 * sklearn.decomposition.PCA finds them.
 *
 * The covariance is built from the centred rows a block at a time (a
 * rank-b update per block, dsyrk), so float responses of any length are
 * never copied whole into doubles: memory is units^2 plus one block.
 * Centring first (two passes) rather than sum(x x^T) - n m m^T keeps the
 * cancellation out. Diagonalising the covariance squares the condition
 * number next to an SVD of the data, which only matters for components
 * whose variance is ~1e-16 of the largest: not the top few we keep. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/lapack.h"
#include "cajal/subspace.h"

enum { BLOCK_ROWS = 256 };

/* One of the two inputs is NULL: the rows come as float or as double. */
typedef struct {
    const float *f;
    const double *d;
} rows_in;

static double value(rows_in x, size_t i) { return x.f ? (double)x.f[i] : x.d[i]; }

/* Rows [r0, r0 + b) of x minus mean, into blk [b, units]. */
static void centred_block(rows_in x, size_t r0, int b, int units, const double *mean, double *blk)
{
    for (int r = 0; r < b; r++) {
        size_t base = (r0 + (size_t)r) * (size_t)units;
        double *out = blk + (size_t)r * units;
        for (int u = 0; u < units; u++) out[u] = value(x, base + u) - mean[u];
    }
}

/* Column means; fails on the first value that is not finite. */
static cj_status column_means(rows_in x, size_t rows, int units, double *mean, cj_error *err)
{
    memset(mean, 0, sizeof(double) * (size_t)units);
    for (size_t r = 0; r < rows; r++)
        for (int u = 0; u < units; u++) {
            double v = value(x, r * (size_t)units + u);
            if (!isfinite(v))
                return cj_fail(err, CJ_ERR_ARG, "pca: x[%zu, %d] = %g is not finite", r, u, v);
            mean[u] += v;
        }
    for (int u = 0; u < units; u++) mean[u] /= (double)rows;
    return CJ_OK;
}

/* Eigen-decomposition of the symmetric cov [n, n] in place (eigenvalues
 * ascending into w). cov is filled in its row-major upper triangle, which
 * LAPACK, reading column-major, sees as the lower one: hence 'L'. */
static cj_status eigh(double *cov, int n, double *w, cj_error *err)
{
    int lwork = -1, liwork = -1, info = 0, iq = 0;
    double wq = 0.0;
    dsyevd_("V", "L", &n, cov, &n, w, &wq, &lwork, &iq, &liwork, &info);
    if (info) return cj_fail(err, CJ_ERR_NUMERIC, "pca: dsyevd workspace query failed (info %d)", info);
    lwork = (int)wq + 1;
    liwork = iq > 0 ? iq : 1;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    int *iwork = malloc(sizeof(int) * (size_t)liwork);
    if (!work || !iwork) {
        free(work), free(iwork);
        return cj_fail(err, CJ_ERR_NOMEM, "pca: no memory for dsyevd's workspace (%d doubles)", lwork);
    }
    dsyevd_("V", "L", &n, cov, &n, w, work, &lwork, iwork, &liwork, &info);
    free(work), free(iwork);
    if (info)
        return cj_fail(err, CJ_ERR_NUMERIC, "pca: dsyevd did not converge on the %d x %d covariance (info %d)", n,
                       n, info);
    return CJ_OK;
}

/* The covariance (divisor rows - 1) of the centred rows, upper triangle. */
static cj_status covariance(rows_in x, size_t rows, int units, const double *mean, double *cov, cj_error *err)
{
    double *blk = malloc(sizeof(double) * BLOCK_ROWS * (size_t)units);
    if (!blk) return cj_fail(err, CJ_ERR_NOMEM, "pca: no memory for a %d x %d block", BLOCK_ROWS, units);
    memset(cov, 0, sizeof(double) * (size_t)units * units);
    for (size_t r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
        int b = rows - r0 < BLOCK_ROWS ? (int)(rows - r0) : BLOCK_ROWS;
        centred_block(x, r0, b, units, mean, blk);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, units, b, 1.0, blk, units, 1.0, cov, units);
    }
    free(blk);
    double scale = 1.0 / (double)(rows - 1);
    for (size_t i = 0; i < (size_t)units * units; i++) cov[i] *= scale;
    return CJ_OK;
}

/* Make the loading of largest magnitude positive (the first on a tie), as
 * scikit-learn's svd_flip(u_based_decision=False). */
static void flip_sign(double *c, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (fabs(c[i]) > fabs(c[best])) best = i;
    if (c[best] < 0.0)
        for (int i = 0; i < n; i++) c[i] = -c[i];
}

static cj_status fit(cj_pca *pca, rows_in x, size_t rows, int units, int k, cj_error *err)
{
    memset(pca, 0, sizeof *pca);
    if (!x.f && !x.d) return cj_fail(err, CJ_ERR_ARG, "pca: x is NULL");
    if (units < 1) return cj_fail(err, CJ_ERR_ARG, "pca: units = %d, expected at least 1", units);
    if (rows < 2) return cj_fail(err, CJ_ERR_ARG, "pca: %zu rows, expected at least 2", rows);
    if (k < 1 || k > units)
        return cj_fail(err, CJ_ERR_ARG, "pca: k = %d components, expected 1 to %d (the units)", k, units);
    double *cov = malloc(sizeof(double) * (size_t)units * units), *w = malloc(sizeof(double) * (size_t)units);
    pca->mean = malloc(sizeof(double) * (size_t)units);
    pca->components = malloc(sizeof(double) * (size_t)k * units);
    pca->explained_variance = malloc(sizeof(double) * (size_t)k);
    pca->explained_variance_ratio = malloc(sizeof(double) * (size_t)k);
    cj_status st = CJ_OK;
    if (!cov || !w || !pca->mean || !pca->components || !pca->explained_variance ||
        !pca->explained_variance_ratio)
        st = cj_fail(err, CJ_ERR_NOMEM, "pca: no memory for the %d x %d covariance", units, units);
    if (!st) st = column_means(x, rows, units, pca->mean, err);
    if (!st) st = covariance(x, rows, units, pca->mean, cov, err);
    double total = 0.0;
    if (!st)
        for (int u = 0; u < units; u++) total += cov[(size_t)u * units + u];
    if (!st) st = eigh(cov, units, w, err);
    if (!st) {
        /* Column j of LAPACK's column-major result, eigenvector j, is row j
         * of the row-major array; eigenvalues come ascending. */
        for (int c = 0; c < k; c++) {
            int j = units - 1 - c;
            double *comp = pca->components + (size_t)c * units;
            memcpy(comp, cov + (size_t)j * units, sizeof(double) * (size_t)units);
            flip_sign(comp, units);
            double ev = w[j] > 0.0 ? w[j] : 0.0; /* rounding can leave -1e-17 */
            pca->explained_variance[c] = ev;
            pca->explained_variance_ratio[c] = total > 0.0 ? ev / total : 0.0;
        }
        pca->units = units;
        pca->k = k;
        pca->total_variance = total;
    }
    free(cov), free(w);
    if (st) cj_pca_free(pca);
    return st;
}

cj_status cj_pca_fit(cj_pca *pca, const float *x, size_t rows, int units, int k, cj_error *err)
{
    return fit(pca, (rows_in){.f = x}, rows, units, k, err);
}

cj_status cj_pca_fit_f64(cj_pca *pca, const double *x, size_t rows, int units, int k, cj_error *err)
{
    return fit(pca, (rows_in){.d = x}, rows, units, k, err);
}

static cj_status project(const cj_pca *pca, rows_in x, size_t rows, int k, double *out, cj_error *err)
{
    if (!pca || !pca->components) return cj_fail(err, CJ_ERR_ARG, "pca project: the PCA is not fitted");
    if ((!x.f && !x.d) || !out) return cj_fail(err, CJ_ERR_ARG, "pca project: x or out is NULL");
    if (k < 1 || k > pca->k)
        return cj_fail(err, CJ_ERR_ARG, "pca project: k = %d, expected 1 to %d (the components fitted)", k,
                       pca->k);
    const int units = pca->units;
    double *blk = malloc(sizeof(double) * BLOCK_ROWS * (size_t)units);
    if (!blk) return cj_fail(err, CJ_ERR_NOMEM, "pca project: no memory for a %d x %d block", BLOCK_ROWS, units);
    for (size_t r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
        int b = rows - r0 < BLOCK_ROWS ? (int)(rows - r0) : BLOCK_ROWS;
        centred_block(x, r0, b, units, pca->mean, blk);
        /* out rows = blk [b, units] . components[:k]^T [units, k] */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, k, units, 1.0, blk, units, pca->components, units,
                    0.0, out + r0 * (size_t)k, k);
    }
    free(blk);
    return CJ_OK;
}

cj_status cj_pca_project(const cj_pca *pca, const float *x, size_t rows, int k, double *out, cj_error *err)
{
    return project(pca, (rows_in){.f = x}, rows, k, out, err);
}

cj_status cj_pca_project_f64(const cj_pca *pca, const double *x, size_t rows, int k, double *out, cj_error *err)
{
    return project(pca, (rows_in){.d = x}, rows, k, out, err);
}

void cj_pca_free(cj_pca *pca)
{
    if (!pca) return;
    free(pca->mean);
    free(pca->components);
    free(pca->explained_variance);
    free(pca->explained_variance_ratio);
    memset(pca, 0, sizeof *pca);
}
