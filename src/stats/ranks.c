/* ranks.c — average ranks, and the Pearson, Spearman and cosine measures
 * of two vectors (see cajal/stats.h). Sums are in double, two passes. */
#include <math.h>
#include <stdlib.h>

#include "cajal/stats.h"
#include "ranks_common.h"

cj_status cj_rank_average(const double *x, size_t n, double *ranks, cj_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i])) return cj_fail(err, CJ_ERR_ARG, "rank: value %zu of %zu is NaN", i, n);
    if (n == 0) return CJ_OK;
    rank_item *s = malloc(n * sizeof *s);
    if (!s) return cj_fail(err, CJ_ERR_NOMEM, "rank: no memory for %zu values", n);
    for (size_t i = 0; i < n; i++) s[i] = (rank_item){x[i], i};
    qsort(s, n, sizeof *s, rank_item_cmp);
    rank_average_sorted(s, n, ranks);
    free(s);
    return CJ_OK;
}

double cj_pearson(const double *x, const double *y, size_t n)
{
    if (n < 2) return NAN;
    double mx = 0.0, my = 0.0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a = x[i] - mx, b = y[i] - my;
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    if (!(sxx > 0.0 && syy > 0.0)) return NAN;
    double r = sxy / sqrt(sxx * syy);
    /* Rounding can put |r| a hair above 1; scipy clips too. */
    return r > 1.0 ? 1.0 : r < -1.0 ? -1.0 : r;
}

cj_status cj_spearman(const double *x, const double *y, size_t n, double *rho, cj_error *err)
{
    *rho = NAN;
    if (n < 2) return CJ_OK;
    double *r = malloc(2 * n * sizeof *r);
    if (!r) return cj_fail(err, CJ_ERR_NOMEM, "spearman: no memory for %zu values", n);
    cj_status st = cj_rank_average(x, n, r, err);
    if (!st) st = cj_rank_average(y, n, r + n, err);
    if (!st) *rho = cj_pearson(r, r + n, n);
    free(r);
    return st;
}

double cj_cosine_similarity(const double *x, const double *y, size_t n)
{
    double sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (size_t i = 0; i < n; i++) {
        sxy += x[i] * y[i];
        sxx += x[i] * x[i];
        syy += y[i] * y[i];
    }
    if (!(sxx > 0.0 && syy > 0.0)) return NAN;
    return sxy / sqrt(sxx * syy);
}
