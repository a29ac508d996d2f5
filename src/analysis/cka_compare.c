/* cka_compare.c — linear CKA, the orthogonal Procrustes distance and mean
 * canonical correlation from one set of centred products (cajal/cka.h,
 * cj_cka_compare): in feature space when both sides have fewer features
 * than stimuli, else from the two n x n Gram matrices (gram_nuclear_norm).
 *
 * With Sxx = xc^T xc, Sxy = xc^T yc, Syy = yc^T yc (double, one pass):
 *   Procrustes (Ding et al. 2021; Schoenemann 1966): for unit-norm xc, yc,
 *     min_Q ||xc - yc Q||_F^2 = 2 - 2 ||xc^T yc||_*, the nuclear norm from
 *     the singular values of Sxy (dgesvd);
 *   CCA (Hotelling 1936): the canonical correlations are the singular
 *     values of Sxx^-1/2 Sxy Syy^-1/2, with S^-1/2 = L^-1/2 V^T from the
 *     eigendecomposition S = V L V^T (dsyevd); whitening by any W with
 *     W^T W = S^-1 gives the same singular values, and L^-1/2 V^T is one. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/lapack.h"
#include "cajal/cka.h"
#include "cka_common.h"

/* Singular values of the row-major r x c matrix a (overwritten) into s
 * [min(r, c)]. Row-major r x c is column-major c x r: the same values. */
static cj_status singular_values(double *a, int r, int c, double *s, cj_error *err)
{
    int m = c, n = r, one = 1, lwork = -1, info = 0;
    double wq = 0.0, dummy = 0.0;
    dgesvd_("N", "N", &m, &n, a, &m, s, &dummy, &one, &dummy, &one, &wq, &lwork, &info);
    if (info) return cj_fail(err, CJ_ERR_NUMERIC, "cka compare: dgesvd workspace query failed (info %d)", info);
    lwork = (int)wq + 1;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    if (!work) return cj_fail(err, CJ_ERR_NOMEM, "cka compare: no memory for dgesvd's workspace (%d doubles)", lwork);
    dgesvd_("N", "N", &m, &n, a, &m, s, &dummy, &one, &dummy, &one, work, &lwork, &info);
    free(work);
    if (info)
        return cj_fail(err, CJ_ERR_NUMERIC, "cka compare: dgesvd did not converge on a %d x %d matrix (info %d)", r, c,
                       info);
    return CJ_OK;
}

/* The eigendecomposition s = V L V^T of the symmetric s [n, n], in place:
 * eigenvalues ascending into w [n], and row j of s (column j of LAPACK's
 * column-major result) eigenvector j, so scaling rows scales V^T's rows. */
static cj_status eigen(double *s, int n, double *w, cj_error *err)
{
    int lwork = -1, liwork = -1, info = 0, iq = 0;
    double wq = 0.0;
    dsyevd_("V", "U", &n, s, &n, w, &wq, &lwork, &iq, &liwork, &info);
    lwork = (int)wq + 1;
    liwork = iq > 0 ? iq : 1;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    int *iwork = malloc(sizeof(int) * (size_t)liwork);
    cj_status st = CJ_OK;
    if (info || !work || !iwork)
        st = cj_fail(err, info ? CJ_ERR_NUMERIC : CJ_ERR_NOMEM, "cka compare: dsyevd workspace for %d x %d failed", n,
                     n);
    if (!st) {
        dsyevd_("V", "U", &n, s, &n, w, work, &lwork, iwork, &liwork, &info);
        if (info)
            st = cj_fail(err, CJ_ERR_NUMERIC, "cka compare: dsyevd did not converge on a %d x %d matrix (info %d)",
                         n, n, info);
    }
    free(work), free(iwork);
    return st;
}

/* Row j of s scaled by f(lambda_j) after eigen(): L^-1/2 V^T (inverse =
 * 1), or L^1/2 V^T (inverse = 0, small negative eigenvalues of rounding
 * taken as 0). For the inverse, *rank_ok = 0 (and s left unscaled) when
 * the smallest eigenvalue is below 1e-10 of the largest. */
static cj_status scaled_eigenvectors(double *s, int n, int inverse, int *rank_ok, cj_error *err)
{
    double *w = malloc(sizeof(double) * (size_t)n);
    if (!w) return cj_fail(err, CJ_ERR_NOMEM, "cka compare: no memory for %d eigenvalues", n);
    cj_status st = eigen(s, n, w, err);
    if (!st) {
        *rank_ok = !inverse || (w[0] > 1e-10 * w[n - 1] && w[n - 1] > 0.0);
        for (int j = 0; *rank_ok && j < n; j++) {
            double f = inverse ? 1.0 / sqrt(w[j]) : sqrt(w[j] > 0.0 ? w[j] : 0.0);
            for (int i = 0; i < n; i++) s[(size_t)j * n + i] *= f;
        }
    }
    free(w);
    return st;
}

/* w = L^-1/2 V^T for the symmetric s [n, n] (overwritten with w), or *rank_ok
 * = 0 when its smallest eigenvalue is below 1e-10 of its largest. */
static cj_status inverse_sqrt(double *s, int n, int *rank_ok, cj_error *err)
{
    return scaled_eigenvectors(s, n, 1, rank_ok, err);
}

/* Canonical correlations from the products g [(p+q), (p+q)] into rho
 * [min(p, q)]; *ok = 0 when either side is rank-deficient. */
static cj_status canonical(const double *g, int p, int q, double *rho, int *ok, cj_error *err)
{
    const size_t m = (size_t)p + (size_t)q;
    double *ax = malloc(sizeof(double) * (size_t)p * p), *ay = malloc(sizeof(double) * (size_t)q * q);
    double *t = malloc(sizeof(double) * (size_t)p * q), *mm = malloc(sizeof(double) * (size_t)p * q);
    cj_status st = CJ_OK;
    if (!ax || !ay || !t || !mm) st = cj_fail(err, CJ_ERR_NOMEM, "cka compare: no memory for CCA (%d x %d)", p, q);
    for (int i = 0; !st && i < p; i++) memcpy(ax + (size_t)i * p, g + i * m, sizeof(double) * (size_t)p);
    for (int i = 0; !st && i < q; i++) memcpy(ay + (size_t)i * q, g + (p + i) * m + p, sizeof(double) * (size_t)q);
    int okx = 0, oky = 0;
    if (!st) st = inverse_sqrt(ax, p, &okx, err);
    if (!st) st = inverse_sqrt(ay, q, &oky, err);
    *ok = okx && oky;
    if (!st && *ok) {
        /* M = Ax Sxy Ay^T, [p, q] */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, p, q, p, 1.0, ax, p, g + p, (int)m, 0.0, t, q);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, p, q, q, 1.0, t, q, ay, q, 0.0, mm, q);
        st = singular_values(mm, p, q, rho, err);
    }
    free(ax), free(ay), free(t), free(mm);
    return st;
}

/* ||xc^T yc||_* from the Gram matrices k = xc xc^T and l = yc yc^T [n, n]
 * (both overwritten): with k = Ux Lx Ux^T, xc = Ux Lx^1/2 Vx^T for some Vx
 * with orthonormal columns, and the same for yc, so xc^T yc = Vx (Lx^1/2
 * Ux^T Uy Ly^1/2) Vy^T has the singular values of the n x n middle factor,
 * M = Ax Ay^T with Ax = Lx^1/2 Ux^T. n^3 work instead of (p + q)^3. */
static cj_status gram_nuclear_norm(double *k, double *l, int n, double *nuc, cj_error *err)
{
    int ok = 0;
    cj_status st = scaled_eigenvectors(k, n, 0, &ok, err);
    if (!st) st = scaled_eigenvectors(l, n, 0, &ok, err);
    double *m = st ? NULL : malloc(sizeof(double) * (size_t)n * n), *sv = st ? NULL : malloc(sizeof(double) * n);
    if (!st && (!m || !sv)) st = cj_fail(err, CJ_ERR_NOMEM, "cka compare: no memory for a %d x %d product", n, n);
    if (!st) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, k, n, l, n, 0.0, m, n);
        st = singular_values(m, n, n, sv, err);
    }
    *nuc = 0.0;
    for (int i = 0; !st && i < n; i++) *nuc += sv[i];
    free(m), free(sv);
    return st;
}

/* The squared Procrustes distance from ||xc^T yc||_* and the squared norms. */
static double procrustes_from(double nuc, const cka_sums *s)
{
    if (!(s->tx > 0.0 && s->ty > 0.0)) return NAN;
    double d = 2.0 - 2.0 * nuc / sqrt(s->tx * s->ty);
    return d > 0.0 ? d : 0.0; /* rounding near identical shapes */
}

/* As many features as stimuli or more on one side (a conv layer's 12,544
 * units on 92 images): everything from the two n x n Gram matrices. CCA is
 * undefined there (the centred xc has rank <= n - 1 < p), so NaN. */
static cj_status compare_in_gram_form(const float *x, const float *y, size_t n, int p, int q, cj_cka_measures *out,
                                      cj_error *err)
{
    static const char fn[] = "cka compare";
    if (n > CJ_CKA_GRAM_FORM_MAX_N)
        return cj_fail(err, CJ_ERR_ARG, "%s: n = %zu stimuli of p = %d, q = %d features: at most %d stimuli when "
                       "p or q >= n", fn, n, p, q, CJ_CKA_GRAM_FORM_MAX_N);
    double *k = NULL, *l = NULL;
    cka_sums s;
    cj_status st = cka_centred_grams(x, y, n, p, q, fn, &k, &l, &s, err);
    if (st) return st;
    out->cka = cka_from_sums(&s, n, 0);
    if (n >= 4) out->cka_debiased = cka_from_sums(&s, n, 1);
    double nuc = 0.0;
    st = gram_nuclear_norm(k, l, (int)n, &nuc, err);
    if (!st) out->procrustes = procrustes_from(nuc, &s);
    free(k), free(l);
    return st;
}

size_t cj_cka_compare_bytes(size_t n, int p, int q)
{
    if ((size_t)p >= n || (size_t)q >= n) return 3 * sizeof(double) * n * n;
    size_t m = (size_t)p + (size_t)q;
    return sizeof(double) * m * m;
}

cj_status cj_cka_compare(const float *x, const float *y, size_t n, int p, int q, cj_cka_measures *out,
                           cj_error *err)
{
    static const char fn[] = "cka compare";
    if (!x || !y || !out) return cj_fail(err, CJ_ERR_ARG, "%s: x, y or the result is NULL", fn);
    if (p < 1 || q < 1)
        return cj_fail(err, CJ_ERR_ARG, "%s: p = %d, q = %d features, expected at least 1 each", fn, p, q);
    if (n < 2) return cj_fail(err, CJ_ERR_ARG, "%s: n = %zu stimuli, expected at least 2", fn, n);
    out->cka = out->cka_debiased = out->procrustes = out->cca_mean = out->cca_r2 = NAN;
    if ((size_t)p >= n || (size_t)q >= n) return compare_in_gram_form(x, y, n, p, q, out, err);
    if (p > 46340 || q > 46340 || p + q > 46340)
        return cj_fail(err, CJ_ERR_ARG, "%s: p + q = %d + %d features, expected at most 46340", fn, p, q);
    double *g = NULL;
    cka_sums s;
    cj_status st = cka_feature_products(x, y, n, p, q, 1, fn, &g, &s, err);
    if (st) return st;
    cka_sums_from_products(g, p, q, &s);
    out->cka = cka_from_sums(&s, n, 0);
    if (n >= 4) out->cka_debiased = cka_from_sums(&s, n, 1);

    const int c = p < q ? p : q;
    const size_t m = (size_t)p + (size_t)q;
    double *sxy = malloc(sizeof(double) * (size_t)p * q), *sv = malloc(sizeof(double) * (size_t)c);
    if (!sxy || !sv) st = cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for the %d x %d cross products", fn, p, q);
    for (int i = 0; !st && i < p; i++) memcpy(sxy + (size_t)i * q, g + i * m + p, sizeof(double) * (size_t)q);
    if (!st) st = singular_values(sxy, p, q, sv, err);
    if (!st) {
        double nuc = 0.0;
        for (int i = 0; i < c; i++) nuc += sv[i];
        out->procrustes = procrustes_from(nuc, &s);
    }
    int ok = 0;
    if (!st) st = canonical(g, p, q, sv, &ok, err);
    if (!st && ok) {
        double a = 0.0, b = 0.0;
        for (int i = 0; i < c; i++) a += sv[i], b += sv[i] * sv[i];
        out->cca_mean = a / c;
        out->cca_r2 = b / c;
    }
    free(g), free(sxy), free(sv);
    return st;
}
