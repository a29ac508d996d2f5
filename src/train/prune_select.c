/* prune_select.c — which weights a pruning round removes (prune.h):
 * magnitude pruning, |w| smallest first (Han et al. 2015; Frankle &
 * Carbin 2019, Algorithm 1 step 3), and the random mask of the same
 * sparsity that controls for it. Called once per round, so the sort's
 * allocation is not in any hot loop. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cajal/prune.h"

typedef struct {
    float mag;
    size_t pos; /* position over all parts together: the tie-break */
} ranked;

/* Smallest magnitude first; equal magnitudes in order of position, so a
 * tie is broken the same way on every machine (qsort is not stable). */
static int by_magnitude(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->mag != y->mag) return x->mag < y->mag ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

cj_status cj_prune_smallest(cj_prune_part *parts, int n_parts, double rate, size_t *removed, cj_error *err)
{
    if (removed) *removed = 0;
    if (!(rate >= 0.0 && rate <= 1.0)) return cj_fail(err, CJ_ERR_ARG, "pruning rate %g is not in [0, 1]", rate);
    size_t kept = 0;
    for (int p = 0; p < n_parts; p++) {
        for (size_t i = 0; i < parts[p].n; i++) kept += parts[p].mask[i] != 0.0f;
    }
    /* round(rate * kept), halves up: 20% of 5 weights is 1, of 3 is 1. */
    size_t k = (size_t)floor(rate * (double)kept + 0.5);
    if (k == 0) return CJ_OK;
    ranked *r = malloc(sizeof *r * (kept ? kept : 1));
    if (!r) return cj_fail(err, CJ_ERR_NOMEM, "out of memory ranking %zu weights", kept);
    size_t n = 0, base = 0;
    for (int p = 0; p < n_parts; p++) {
        for (size_t i = 0; i < parts[p].n; i++)
            if (parts[p].mask[i] != 0.0f) r[n++] = (ranked){fabsf(parts[p].w[i]), base + i};
        base += parts[p].n;
    }
    qsort(r, n, sizeof *r, by_magnitude);
    /* Positions back to (part, index): parts are few, a walk per weight
     * would be k x parts; sorting the k removed by position makes it one
     * pass. */
    for (size_t j = 0; j < k; j++) r[j].mag = 0.0f;
    qsort(r, k, sizeof *r, by_magnitude);
    int p = 0;
    base = 0;
    for (size_t j = 0; j < k; j++) {
        while (r[j].pos >= base + parts[p].n) base += parts[p++].n;
        parts[p].mask[r[j].pos - base] = 0.0f;
    }
    free(r);
    if (removed) *removed = k;
    return CJ_OK;
}

cj_status cj_prune_random_like(const float *like, float *mask, size_t n, cj_rng *rng, cj_error *err)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) kept += like[i] != 0.0f;
    if (n > UINT32_MAX) return cj_fail(err, CJ_ERR_ARG, "a tensor of %zu weights is too large for a random mask", n);
    size_t *idx = malloc(sizeof *idx * (n ? n : 1));
    if (!idx) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for a random mask of %zu weights", n);
    for (size_t i = 0; i < n; i++) {
        idx[i] = i;
        mask[i] = 0.0f;
    }
    /* The first `kept` places of a partial Fisher-Yates shuffle: a
     * uniformly drawn subset of that size. */
    for (size_t i = 0; i < kept; i++) {
        size_t j = i + cj_rng_below(rng, (uint32_t)(n - i));
        size_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        mask[idx[i]] = 1.0f;
    }
    free(idx);
    return CJ_OK;
}
