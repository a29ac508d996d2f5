/* prune_select.c — which weights a pruning round removes (prune.h):
 * magnitude pruning, |w| smallest first (Han et al. 2015; Frankle &
 * Carbin 2019, Algorithm 1 step 3), and the random mask of the same
 * sparsity that controls for it. Called once per round, so the keys'
 * allocation is not in any hot loop. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/prune.h"

/* Each kept weight as one 64-bit key, |w|'s bits above its position over
 * all parts: for non-negative floats the bit patterns order as the values,
 * so keys order by magnitude and then position, and no two are equal — a
 * tie in |w| is broken the same way on every machine. */
static inline uint64_t key_of(float w, size_t pos)
{
    float a = fabsf(w);
    uint32_t bits;
    memcpy(&bits, &a, sizeof bits);
    return (uint64_t)bits << 32 | (uint64_t)pos;
}

static inline void swap_keys(uint64_t *a, uint64_t *b)
{
    uint64_t t = *a;
    *a = *b;
    *b = t;
}

/* Hoare's selection (Hoare 1961, FIND): afterwards k[want] is the key that
 * sorting would put there, and every key before it is smaller. Expected
 * O(n), with the median of three as pivot; no recursion. */
static void select_nth(uint64_t *k, size_t n, size_t want)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        if (k[mid] < k[lo]) swap_keys(&k[mid], &k[lo]);
        if (k[hi] < k[lo]) swap_keys(&k[hi], &k[lo]);
        if (k[hi] < k[mid]) swap_keys(&k[hi], &k[mid]);
        uint64_t pivot = k[mid];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (k[i] < pivot) i++;
            while (k[j] > pivot) j--;
            if (i <= j) {
                swap_keys(&k[i], &k[j]);
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (want <= j) hi = j;
        else if (want >= i) lo = i;
        else return;
    }
}

cj_status cj_prune_smallest(cj_prune_part *parts, int n_parts, double rate, size_t *removed, cj_error *err)
{
    if (removed) *removed = 0;
    if (!(rate >= 0.0 && rate <= 1.0)) return cj_fail(err, CJ_ERR_ARG, "pruning rate %g is not in [0, 1]", rate);
    size_t kept = 0, total = 0;
    for (int p = 0; p < n_parts; p++) {
        for (size_t i = 0; i < parts[p].n; i++) kept += parts[p].mask[i] != 0.0f;
        total += parts[p].n;
    }
    if (total > UINT32_MAX)
        return cj_fail(err, CJ_ERR_ARG, "%zu weights ranked together: at most %u", total, (unsigned)UINT32_MAX);
    /* round(rate * kept), halves up: 20% of 5 weights is 1, of 3 is 1. */
    size_t k = (size_t)floor(rate * (double)kept + 0.5);
    if (k == 0) return CJ_OK;
    uint64_t *keys = malloc(sizeof *keys * kept);
    if (!keys) return cj_fail(err, CJ_ERR_NOMEM, "out of memory ranking %zu weights", kept);
    size_t n = 0, base = 0;
    for (int p = 0; p < n_parts; p++) {
        for (size_t i = 0; i < parts[p].n; i++)
            if (parts[p].mask[i] != 0.0f) keys[n++] = key_of(parts[p].w[i], base + i);
        base += parts[p].n;
    }
    /* The k smallest keys are those up to the k-th: no full sort needed. */
    select_nth(keys, n, k - 1);
    uint64_t last = keys[k - 1];
    free(keys);
    base = 0;
    for (int p = 0; p < n_parts; p++) {
        for (size_t i = 0; i < parts[p].n; i++)
            if (parts[p].mask[i] != 0.0f && key_of(parts[p].w[i], base + i) <= last) parts[p].mask[i] = 0.0f;
        base += parts[p].n;
    }
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
