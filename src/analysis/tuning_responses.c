/* tuning_responses.c — one response per stimulus and unit from a recorded
 * layer (cj_tuning_responses in cajal/tuning.h): a recurrent layer's steps
 * averaged over a window of each trial (the stimulus period, say, as
 * physiologists count spikes in a window after stimulus onset), a feature
 * map's positions averaged per channel (one "unit" per channel, as a
 * channel's mean activation is its usual summary; Yamins et al. 2014 use
 * the map positions as units instead, which --position gives) or taken at
 * one position. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/tuning.h"

cj_status cj_tuning_responses(const float *data, int ndim, const int64_t *shape, const cj_tuning_reduce *r,
                              float **out, int *units, cj_error *err)
{
    *out = NULL;
    if (!data || !shape || !r || ndim < 1 || ndim > 4)
        return cj_fail(err, CJ_ERR_SHAPE, "tuning: a layer of %d dimensions, expected [stimuli], [stimuli, units], "
                       "[trials, T, units] or [stimuli, C, H, W]", ndim);
    for (int d = 0; d < ndim; d++)
        if (shape[d] < 1 || shape[d] > INT_MAX)
            return cj_fail(err, CJ_ERR_SHAPE, "tuning: dimension %d of the layer is %lld", d, (long long)shape[d]);
    int n = (int)shape[0];
    int U = ndim == 1 ? 1 : (int)shape[1];
    if (ndim == 3) U = (int)shape[2];
    if (ndim == 4 && (int64_t)shape[2] * shape[3] > INT_MAX)
        return cj_fail(err, CJ_ERR_SHAPE, "tuning: feature maps of %lld x %lld", (long long)shape[2],
                       (long long)shape[3]);
    float *o = calloc((size_t)n * U, sizeof *o);
    if (!o) return cj_fail(err, CJ_ERR_NOMEM, "tuning: out of memory for %d x %d responses", n, U);
    if (ndim <= 2) {
        memcpy(o, data, sizeof(float) * (size_t)n * U);
    } else if (ndim == 3) {
        int T = (int)shape[1];
        double *acc = malloc(sizeof(double) * (size_t)U);
        if (!acc) {
            free(o);
            return cj_fail(err, CJ_ERR_NOMEM, "tuning: out of memory");
        }
        for (int i = 0; i < n; i++) {
            if (r->keep && !r->keep[i]) continue;
            int a = r->start ? r->start[i] : 0, b = r->end ? r->end[i] : T;
            if (a < 0 || b > T || a >= b) {
                free(acc);
                free(o);
                return cj_fail(err, CJ_ERR_ARG, "trial %d: the window of steps %d:%d is %s (the layer has %d steps "
                               "per trial)", i, a, b, a >= b ? "empty" : "outside the trial", T);
            }
            memset(acc, 0, sizeof(double) * (size_t)U);
            for (int t = a; t < b; t++) {
                const float *row = data + ((size_t)i * T + t) * U;
                for (int u = 0; u < U; u++) acc[u] += row[u];
            }
            for (int u = 0; u < U; u++) o[(size_t)i * U + u] = (float)(acc[u] / (b - a));
        }
        free(acc);
    } else {
        int H = (int)shape[2], W = (int)shape[3], HW = H * W;
        if (r->y >= 0 && (r->y >= H || r->x < 0 || r->x >= W)) {
            free(o);
            return cj_fail(err, CJ_ERR_ARG, "position %d,%d is outside the %d x %d feature maps (rows 0 to %d, "
                           "columns 0 to %d)", r->y, r->x, H, W, H - 1, W - 1);
        }
        for (int i = 0; i < n; i++)
            for (int c = 0; c < U; c++) {
                const float *map = data + ((size_t)i * U + c) * HW;
                if (r->y >= 0) {
                    o[(size_t)i * U + c] = map[r->y * W + r->x];
                    continue;
                }
                double s = 0;
                for (int j = 0; j < HW; j++) s += map[j];
                o[(size_t)i * U + c] = (float)(s / HW);
            }
    }
    *out = o;
    *units = U;
    return CJ_OK;
}
