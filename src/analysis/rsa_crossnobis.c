/* rsa_crossnobis.c — the cross-validated Mahalanobis RDM (Walther et al.
 * 2016; rsatoolbox's calc_rdm_crossnobis; see cajal/rsa.h).
 *
 * With A_k the patterns of fold k [n, units] and B_k = A_k P^T, the
 * cross-fold kernel C = sum over k != l of A_l B_k^T is S T^T - sum_k A_k
 * B_k^T with S = sum_k A_k and T = sum_k B_k: K + 1 products instead of
 * K(K-1). Then delta_l^T P delta_k summed over ordered pairs of distinct
 * folds is C_ii + C_jj - C_ij - C_ji. Everything is double: the two terms
 * of C are each about K times larger than C when the noise dominates. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rsa.h"

cj_status cj_rdm_crossnobis(const float *x, int n, int folds, int units, const double *precision, double *rdm,
                            cj_error *err)
{
    if (n < 2 || folds < 2 || units < 1)
        return cj_fail(err, CJ_ERR_SHAPE,
                       "crossnobis RDM of patterns [%d, %d, %d]: need at least 2 stimuli, 2 folds and 1 unit", n,
                       folds, units);
    const size_t u = (size_t)units, nu = (size_t)n * u, total = nu * (size_t)folds;
    for (size_t k = 0; k < total; k++)
        if (!isfinite(x[k]))
            return cj_fail(err, CJ_ERR_NUMERIC, "crossnobis RDM of patterns [%d, %d, %d]: stimulus %zu, fold %zu, "
                           "unit %zu is %g", n, folds, units, k / ((size_t)folds * u), k / u % (size_t)folds, k % u,
                           (double)x[k]);
    if (precision)
        for (size_t k = 0; k < u * u; k++)
            if (!isfinite(precision[k]))
                return cj_fail(err, CJ_ERR_NUMERIC, "crossnobis precision [%d, %d]: entry (%zu, %zu) is %g", units,
                               units, k / u, k % u, precision[k]);
    /* a, s, then (with a precision) b and t. */
    const int nb = precision ? 4 : 2;
    double *buf = malloc((size_t)nb * nu * sizeof *buf), *g = malloc((size_t)n * n * sizeof *g);
    if (!buf || !g) {
        free(buf);
        free(g);
        return cj_fail(err, CJ_ERR_NOMEM, "crossnobis RDM of patterns [%d, %d, %d]: no memory", n, folds, units);
    }
    double *a = buf, *s = buf + nu, *b = precision ? buf + 2 * nu : a, *t = precision ? buf + 3 * nu : s;
    memset(s, 0, nu * sizeof *s);
    if (precision) memset(t, 0, nu * sizeof *t);
    memset(g, 0, (size_t)n * n * sizeof *g);
    for (int k = 0; k < folds; k++) {
        for (int i = 0; i < n; i++) {
            const float *src = x + ((size_t)i * folds + k) * u;
            double *dst = a + (size_t)i * u;
            for (size_t c = 0; c < u; c++) dst[c] = src[c];
        }
        if (precision) {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, units, units, 1.0, a, units, precision, units, 0.0,
                        b, units);
            for (size_t c = 0; c < nu; c++) t[c] += b[c];
        }
        for (size_t c = 0; c < nu; c++) s[c] += a[c];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, units, 1.0, a, units, b, units, 1.0, g, n);
    }
    /* g := S T^T - g, the cross-fold kernel. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, units, 1.0, s, units, t, units, -1.0, g, n);
    const double scale = 1.0 / ((double)folds * (folds - 1) * (double)units);
    size_t p = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++, p++)
            rdm[p] = (g[(size_t)i * n + i] + g[(size_t)j * n + j] - g[(size_t)i * n + j] - g[(size_t)j * n + i]) *
                     scale;
    free(buf);
    free(g);
    return CJ_OK;
}
