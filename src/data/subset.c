/* subset.c — a view of some of a source's samples (a validation split, a
 * fold), and the seeded choice of which samples to hold out. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rng.h"
#include "cajal/source.h"

typedef struct {
    cj_source *parent;
    int *map;          /* [n]: the parent's index of each sample */
    int *mapped;       /* the batch's indices in the parent, grown to the largest batch */
    int mapped_cap;
} subset;

static cj_status subset_fill(cj_source *s, const int *indices, int B, cj_batch *out, cj_error *err)
{
    subset *v = s->impl;
    if (B > v->mapped_cap) {
        /* Once per larger batch size, not per step. */
        int *p = realloc(v->mapped, sizeof(int) * (size_t)B);
        if (!p) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for a batch of %d", s->name, B);
        v->mapped = p;
        v->mapped_cap = B;
    }
    for (int i = 0; i < B; i++) v->mapped[i] = v->map[indices[i]];
    /* The parent's own fill, without its scaling: the subset's applies. */
    return v->parent->ops->fill(v->parent, v->mapped, B, out, err);
}

static void subset_free(cj_source *s)
{
    subset *v = s->impl;
    if (!v) return;
    free(v->map);
    free(v->mapped);
    free(v);
    s->impl = NULL;
}

static const cj_source_ops SUBSET_OPS = {"subset", subset_fill, subset_free};

cj_status cj_source_subset(cj_source *parent, const int *map, int n, const char *name, cj_source *out,
                           cj_error *err)
{
    memset(out, 0, sizeof *out);
    const char *pname = parent->name ? parent->name : "data";
    if (n < 1) return cj_fail(err, CJ_ERR_ARG, "%s: a subset of %d samples (at least 1)", pname, n);
    for (int i = 0; i < n; i++)
        if (map[i] < 0 || map[i] >= parent->n)
            return cj_fail(err, CJ_ERR_ARG, "%s: subset index %d is outside 0..%d", pname, map[i], parent->n - 1);
    subset *v = calloc(1, sizeof *v);
    int *copy = malloc(sizeof(int) * (size_t)n);
    char *label = strdup(name ? name : pname);
    if (!v || !copy || !label) {
        free(v);
        free(copy);
        free(label);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for a subset of %d samples", pname, n);
    }
    memcpy(copy, map, sizeof(int) * (size_t)n);
    v->parent = parent;
    v->map = copy;
    *out = *parent;
    out->ops = &SUBSET_OPS;
    out->impl = v;
    out->name = label;
    out->n = n;
    return CJ_OK;
}

cj_status cj_split_holdout(int n, float fraction, uint64_t seed, int *order, int *n_held, cj_error *err)
{
    if (!(fraction > 0 && fraction < 1))
        return cj_fail(err, CJ_ERR_ARG, "a held-out fraction of %g (expected more than 0 and less than 1)", fraction);
    /* Rounded, not truncated: 0.7f is 0.69999999, and 10 x 0.7 must hold
     * out 7. */
    long held = lround((double)fraction * n);
    if (held < 1) held = 1;
    if (held >= n)
        return cj_fail(err, CJ_ERR_CONFIG, "holding out %g of %d samples leaves none to train on", fraction, n);
    char *out_of_train = calloc((size_t)n, 1);
    if (!out_of_train) return cj_fail(err, CJ_ERR_NOMEM, "out of memory splitting %d samples", n);
    /* A stream of its own: a fixed tag mixed into the seed, so the split
     * draws nothing from the streams of weights, shuffling or rules. */
    cj_rng rng;
    cj_rng_seed(&rng, seed ^ 0x686f6c646f7574ull /* "holdout" */);
    for (int i = 0; i < n; i++) order[i] = i;
    cj_rng_shuffle(&rng, order, (size_t)n);
    for (long i = 0; i < held; i++) out_of_train[order[i]] = 1;
    int a = 0, b = n - (int)held;
    for (int i = 0; i < n; i++) {
        if (out_of_train[i]) order[b++] = i;
        else order[a++] = i;
    }
    free(out_of_train);
    *n_held = (int)held;
    return CJ_OK;
}
