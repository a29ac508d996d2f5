/* cka_linear.c — linear CKA (Kornblith et al. 2019, eq. 5 and section 3),
 * biased and debiased, in feature space or in Gram form, whichever does
 * fewer operations (cajal/cka.h).
 *
 * Feature space: n (p + q)^2 FLOPs for [xc yc]^T [xc yc] (ssyrk, one pass).
 * Gram form: xc xc^T and yc yc^T, n^2 (p + q) multiply-adds in double, so
 * about 2 n^2 (p + q) float-equivalent FLOPs; it wins when 2 n < p + q. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "cajal/cka.h"
#include "cka_common.h"

static cj_status check_args(const float *x, const float *y, size_t n, int p, int q, int debiased, const double *out,
                            const char *fn, cj_error *err)
{
    if (!x || !y || !out) return cj_fail(err, CJ_ERR_ARG, "%s: x, y or the result is NULL", fn);
    if (p < 1 || q < 1)
        return cj_fail(err, CJ_ERR_ARG, "%s: p = %d, q = %d features, expected at least 1 each", fn, p, q);
    if ((long long)p + q > INT_MAX / 2)
        return cj_fail(err, CJ_ERR_ARG, "%s: p + q = %lld features is too many", fn, (long long)p + q);
    size_t need = debiased ? 4 : 2;
    if (n < need)
        return cj_fail(err, CJ_ERR_ARG, "%s: n = %zu stimuli, expected at least %zu%s", fn, n, need,
                       debiased ? " for the debiased estimator" : "");
    return CJ_OK;
}

/* The Gram form: K = xc xc^T, L = yc yc^T, then the same sums. */
static cj_status gram_sums(const float *x, const float *y, size_t n, int p, int q, cka_sums *s, cj_error *err)
{
    double *k = NULL, *l = NULL;
    cj_status st = cka_centred_grams(x, y, n, p, q, "cka linear", &k, &l, s, err);
    free(k), free(l);
    return st;
}

cj_status cj_cka_linear(const float *x, const float *y, size_t n, int p, int q, int debiased, double *cka,
                        cj_error *err)
{
    static const char fn[] = "cka linear";
    cj_status st = check_args(x, y, n, p, q, debiased, cka, fn, err);
    if (st) return st;
    *cka = NAN;
    cka_sums s;
    if (2 * n < (size_t)p + (size_t)q) {
        st = gram_sums(x, y, n, p, q, &s, err);
    } else {
        double *g = NULL;
        st = cka_feature_products(x, y, n, p, q, 0, fn, &g, &s, err);
        if (!st) cka_sums_from_products(g, p, q, &s);
        free(g);
    }
    if (!st) *cka = cka_from_sums(&s, n, debiased);
    return st;
}
