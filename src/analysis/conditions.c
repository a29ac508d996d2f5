/* conditions.c — condition-averaged responses (see cajal/subspace.h): the
 * trajectories PCA and TDR look at, one per stimulus/context condition
 * (Mante et al. 2013 average correct trials of each of their 72
 * conditions before either). */
#include <stdlib.h>
#include <string.h>

#include "cajal/subspace.h"

cj_status cj_condition_average(const float *x, int trials, int T, int units, const int *condition,
                               int n_conditions, double *out, int *counts, cj_error *err)
{
    if (!x || !condition || !out) return cj_fail(err, CJ_ERR_ARG, "condition average: x, condition or out is NULL");
    if (trials < 1 || T < 1 || units < 1)
        return cj_fail(err, CJ_ERR_ARG, "condition average: shape [%d, %d, %d], expected every size >= 1", trials,
                       T, units);
    if (n_conditions < 1)
        return cj_fail(err, CJ_ERR_ARG, "condition average: %d conditions, expected at least 1", n_conditions);
    for (int k = 0; k < trials; k++)
        if (condition[k] < 0 || condition[k] >= n_conditions)
            return cj_fail(err, CJ_ERR_ARG, "condition average: trial %d has condition %d, expected 0 to %d", k,
                           condition[k], n_conditions - 1);
    int *n = calloc((size_t)n_conditions, sizeof *n);
    if (!n) return cj_fail(err, CJ_ERR_NOMEM, "condition average: no memory for %d counts", n_conditions);
    for (int k = 0; k < trials; k++) n[condition[k]]++;
    for (int c = 0; c < n_conditions; c++)
        if (!n[c]) {
            free(n);
            return cj_fail(err, CJ_ERR_ARG, "condition average: condition %d has no trials", c);
        }
    const size_t step = (size_t)T * units; /* one trial, or one condition */
    memset(out, 0, sizeof(double) * step * n_conditions);
    for (int k = 0; k < trials; k++) {
        const float *src = x + (size_t)k * step;
        double *dst = out + (size_t)condition[k] * step;
        for (size_t i = 0; i < step; i++) dst[i] += src[i];
    }
    for (int c = 0; c < n_conditions; c++) {
        double inv = 1.0 / n[c], *dst = out + (size_t)c * step;
        for (size_t i = 0; i < step; i++) dst[i] *= inv;
        if (counts) counts[c] = n[c];
    }
    free(n);
    return CJ_OK;
}
