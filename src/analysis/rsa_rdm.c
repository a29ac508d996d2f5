/* rsa_rdm.c — RDM layout (condensed <-> full) and RDMs from response
 * patterns by correlation, Euclidean and cosine distance (see cajal/rsa.h).
 *
 * Every pair comes from one Gram matrix G = A A^T in double (dsyrk), A the
 * patterns made double and prepared for the distance:
 *   correlation: each pattern centred and scaled to unit norm, d = 1 - G_ij
 *     (rsatoolbox's calc_rdm_correlation);
 *   cosine: each pattern scaled to unit norm, d = 1 - G_ij;
 *   Euclidean: each feature centred (distances do not change, and the
 *     expansion |a|^2 + |b|^2 - 2 a.b cancels far less), d^2 = G_ii + G_jj
 *     - 2 G_ij, clipped at 0. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rsa.h"

size_t cj_rdm_len(int n) { return n < 2 ? 0 : (size_t)n * (size_t)(n - 1) / 2; }

size_t cj_rdm_index(int n, int i, int j)
{
    if (i > j) {
        int t = i;
        i = j;
        j = t;
    }
    return (size_t)n * (size_t)i - (size_t)i * (size_t)(i + 1) / 2 + (size_t)(j - i - 1);
}

cj_status cj_rdm_stimuli(size_t len, int *n, cj_error *err)
{
    /* n = (1 + sqrt(1 + 8 len)) / 2, checked exactly in integers. */
    double g = floor(0.5 * (1.0 + sqrt(1.0 + 8.0 * (double)len)) + 0.5);
    if (len > 0 && g < 2147483647.0)
        for (long long c = (long long)g - 1; c <= (long long)g + 1; c++)
            if (c >= 2 && (unsigned long long)c * (unsigned long long)(c - 1) / 2 == len) {
                *n = (int)c;
                return CJ_OK;
            }
    return cj_fail(err, CJ_ERR_SHAPE, "RDM of %zu entries: not n(n-1)/2 for any n >= 2 (a condensed RDM)", len);
}

void cj_rdm_to_square(const double *rdm, int n, double *full)
{
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        full[(size_t)i * n + i] = 0.0;
        for (int j = i + 1; j < n; j++, k++) full[(size_t)i * n + j] = full[(size_t)j * n + i] = rdm[k];
    }
}

cj_status cj_rdm_from_square(const double *full, int n, double *rdm, cj_error *err)
{
    double scale = 0.0;
    for (size_t k = 0; k < (size_t)n * n; k++)
        if (fabs(full[k]) > scale) scale = fabs(full[k]);
    double tol = 1e-5 * scale;
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        double d = full[(size_t)i * n + i];
        if (d != 0.0 && !isnan(d))
            return cj_fail(err, CJ_ERR_FORMAT, "RDM [%d, %d]: diagonal entry (%d, %d) is %g, not 0", n, n, i, i, d);
        for (int j = i + 1; j < n; j++, k++) {
            double a = full[(size_t)i * n + j], b = full[(size_t)j * n + i];
            if (isnan(a) != isnan(b) || fabs(a - b) > tol)
                return cj_fail(err, CJ_ERR_FORMAT, "RDM [%d, %d] is not symmetric: (%d, %d) is %g, (%d, %d) is %g",
                               n, n, i, j, a, j, i, b);
            rdm[k] = a;
        }
    }
    return CJ_OK;
}

void cj_rdm_mean(const double *rdms, int count, size_t len, double *out)
{
    for (size_t k = 0; k < len; k++) {
        double s = 0.0;
        for (int r = 0; r < count; r++) s += rdms[(size_t)r * len + k];
        out[k] = count > 0 ? s / count : NAN;
    }
}

static const char *const distance_names[] = {"correlation", "euclidean", "sqeuclidean", "cosine"};

const char *cj_rdm_distance_name(cj_rdm_distance d)
{
    return (unsigned)d < sizeof distance_names / sizeof *distance_names ? distance_names[d] : "?";
}

cj_status cj_rdm_distance_parse(const char *name, cj_rdm_distance *d, cj_error *err)
{
    for (unsigned i = 0; i < sizeof distance_names / sizeof *distance_names; i++)
        if (name && !strcmp(name, distance_names[i])) {
            *d = (cj_rdm_distance)i;
            return CJ_OK;
        }
    char q[80];
    return cj_fail(err, CJ_ERR_CONFIG, "RDM distance '%s': expected correlation, euclidean, sqeuclidean or cosine",
                   cj_error_quote(name ? name : "", q, sizeof q));
}

/* Centre (centre != 0) and scale row i of a to unit norm; 0 if it is
 * zero (after centring). */
static int unit_row(double *a, int f, int centre)
{
    if (centre) {
        double m = 0.0;
        for (int k = 0; k < f; k++) m += a[k];
        m /= f;
        for (int k = 0; k < f; k++) a[k] -= m;
    }
    double s = 0.0;
    for (int k = 0; k < f; k++) s += a[k] * a[k];
    if (!(s > 0.0)) return 0;
    double inv = 1.0 / sqrt(s);
    for (int k = 0; k < f; k++) a[k] *= inv;
    return 1;
}

cj_status cj_rdm_compute(const float *x, int n, int features, cj_rdm_distance d, double *rdm, cj_error *err)
{
    if (n < 2 || features < 1)
        return cj_fail(err, CJ_ERR_SHAPE, "RDM of patterns [%d, %d]: need at least 2 stimuli and 1 feature", n,
                       features);
    if ((unsigned)d > CJ_RDM_COSINE) return cj_fail(err, CJ_ERR_ARG, "RDM distance %d is not one of cj_rdm_distance", d);
    const size_t f = (size_t)features;
    for (size_t k = 0; k < (size_t)n * f; k++)
        if (!isfinite(x[k]))
            return cj_fail(err, CJ_ERR_NUMERIC, "RDM of patterns [%d, %d]: stimulus %zu, feature %zu is %g", n,
                           features, k / f, k % f, (double)x[k]);
    double *a = malloc((size_t)n * f * sizeof *a), *g = malloc((size_t)n * n * sizeof *g);
    if (!a || !g) {
        free(a);
        free(g);
        return cj_fail(err, CJ_ERR_NOMEM, "RDM of patterns [%d, %d]: no memory", n, features);
    }
    for (size_t k = 0; k < (size_t)n * f; k++) a[k] = x[k];
    if (d == CJ_RDM_CORRELATION || d == CJ_RDM_COSINE) {
        for (int i = 0; i < n; i++)
            if (!unit_row(a + (size_t)i * f, features, d == CJ_RDM_CORRELATION)) {
                free(a);
                free(g);
                return cj_fail(err, CJ_ERR_NUMERIC, "RDM (%s) of patterns [%d, %d]: stimulus %d's pattern is %s, so its "
                               "distance is undefined", cj_rdm_distance_name(d), n, features, i,
                               d == CJ_RDM_CORRELATION ? "constant" : "all zero");
            }
    } else {
        for (size_t k = 0; k < f; k++) {
            double m = 0.0;
            for (int i = 0; i < n; i++) m += a[(size_t)i * f + k];
            m /= n;
            for (int i = 0; i < n; i++) a[(size_t)i * f + k] -= m;
        }
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, features, 1.0, a, features, 0.0, g, n);
    size_t p = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++, p++) {
            double gij = g[(size_t)i * n + j], v;
            if (d == CJ_RDM_CORRELATION || d == CJ_RDM_COSINE) {
                v = 1.0 - gij;
                v = v < 0.0 ? 0.0 : v > 2.0 ? 2.0 : v;
            } else {
                v = g[(size_t)i * n + i] + g[(size_t)j * n + j] - 2.0 * gij;
                if (v < 0.0) v = 0.0;
                if (d == CJ_RDM_EUCLIDEAN) v = sqrt(v);
            }
            rdm[p] = v;
        }
    free(a);
    free(g);
    return CJ_OK;
}
