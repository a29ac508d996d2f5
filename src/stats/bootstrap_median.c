/* bootstrap_median.c — a percentile-bootstrap interval for a median (see
 * cajal/stats.h): how precisely the median over a layer's units is known
 * from the units recorded. */
#include <math.h>
#include <stdlib.h>

#include "cajal/rng.h"
#include "cajal/stats.h"

static int double_cmp(const void *a, const void *b)
{
    double p = *(const double *)a, q = *(const double *)b;
    return (p > q) - (p < q);
}

cj_status cj_bootstrap_median_interval(const double *x, size_t n, int samples, uint64_t seed, double level,
                                       double ci[2], cj_error *err)
{
    ci[0] = ci[1] = NAN;
    if (samples < 1) return cj_fail(err, CJ_ERR_ARG, "bootstrap median: %d samples, expected at least 1", samples);
    if (!(level > 0.0 && level < 1.0))
        return cj_fail(err, CJ_ERR_ARG, "bootstrap median: level %g is not in (0, 1)", level);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += isfinite(x[i]) != 0;
    if (m < 2) return CJ_OK; /* one value says nothing about its spread */
    if (m > UINT32_MAX) return cj_fail(err, CJ_ERR_ARG, "bootstrap median: %zu values, at most 2^32 - 1", m);
    double *v = malloc(m * sizeof *v), *draw = malloc(m * sizeof *draw);
    double *med = malloc((size_t)samples * sizeof *med);
    if (!v || !draw || !med) {
        free(v);
        free(draw);
        free(med);
        return cj_fail(err, CJ_ERR_NOMEM, "bootstrap median: no memory for %zu values x %d samples", m, samples);
    }
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) v[m++] = x[i];
    cj_rng rng;
    cj_rng_seed(&rng, seed);
    for (int b = 0; b < samples; b++) {
        for (size_t i = 0; i < m; i++) draw[i] = v[cj_rng_below(&rng, (uint32_t)m)];
        qsort(draw, m, sizeof *draw, double_cmp);
        med[b] = cj_quantile_sorted(draw, m, 0.5);
    }
    cj_status st = cj_percentile_interval(med, (size_t)samples, level, ci, NULL, err);
    free(v);
    free(draw);
    free(med);
    return st;
}
