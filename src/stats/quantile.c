/* quantile.c — quantiles by linear interpolation (NumPy's default) and the
 * bootstrap's percentile interval (see cajal/stats.h). */
#include <math.h>
#include <stdlib.h>

#include "cajal/stats.h"

double cj_quantile_sorted(const double *sorted, size_t n, double q)
{
    if (n == 0 || !(q >= 0.0 && q <= 1.0)) return NAN;
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n) return sorted[n - 1];
    double t = h - (double)lo, a = sorted[lo], b = sorted[lo + 1];
    /* NumPy's lerp: from the nearer end, so that t = 1 gives b exactly. */
    return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1.0 - t);
}

static int double_cmp(const void *a, const void *b)
{
    double p = *(const double *)a, q = *(const double *)b;
    return (p > q) - (p < q);
}

cj_status cj_percentile_interval(const double *x, size_t n, double level, double ci[2], size_t *used,
                                 cj_error *err)
{
    ci[0] = ci[1] = NAN;
    if (used) *used = 0;
    if (!(level > 0.0 && level < 1.0))
        return cj_fail(err, CJ_ERR_ARG, "percentile interval: level %g is not in (0, 1)", level);
    double *s = malloc((n ? n : 1) * sizeof *s);
    if (!s) return cj_fail(err, CJ_ERR_NOMEM, "percentile interval: no memory for %zu values", n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) s[m++] = x[i];
    qsort(s, m, sizeof *s, double_cmp);
    double tail = 0.5 * (1.0 - level);
    ci[0] = cj_quantile_sorted(s, m, tail);
    ci[1] = cj_quantile_sorted(s, m, 1.0 - tail);
    if (used) *used = m;
    free(s);
    return CJ_OK;
}
