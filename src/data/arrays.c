/* arrays.c — a source over arrays in memory, in file order [n, T, step]
 * (source.h): what the IDX and .npy sources load into. Filling copies
 * each sample's steps to their places in the time-major batch. */
#include <stdlib.h>
#include <string.h>

#include "cajal/source.h"

static void free_arrays(cj_arrays *a)
{
    free(a->x);
    free(a->labels);
    free(a->values);
    free(a->mask);
    a->x = NULL;
    a->labels = NULL;
    a->values = NULL;
    a->mask = NULL;
}

static cj_status arrays_fill(cj_source *s, const int *indices, int B, cj_batch *out, cj_error *err)
{
    const cj_arrays *a = s->impl;
    const size_t step = out->step_size, dim = (size_t)out->dim;
    const int T = a->T, ts = a->target_steps;
    for (int i = 0; i < B; i++) {
        size_t n = (size_t)indices[i];
        /* Sample n's step t, [n, T, step] in memory, goes to x[t, i]. */
        for (int t = 0; t < T; t++)
            memcpy(out->x + ((size_t)t * B + i) * step, a->x + (n * T + t) * step, sizeof(float) * step);
        for (int t = 0; t < ts; t++) {
            size_t from = n * ts + t, to = (size_t)t * B + i;
            if (out->labels) out->labels[to] = a->labels[from];
            if (out->values) memcpy(out->values + to * dim, a->values + from * dim, sizeof(float) * dim);
            if (out->mask) out->mask[to] = a->mask[from];
        }
    }
    (void)err;
    return CJ_OK;
}

static void arrays_free(cj_source *s)
{
    cj_arrays *a = s->impl;
    if (!a) return;
    free_arrays(a);
    free(a);
    s->impl = NULL;
}

static const cj_source_ops ARRAY_OPS = {"arrays", arrays_fill, arrays_free};

/* Sizes within CJ_MAX_ELEMENTS and the arrays a kind needs present. */
static cj_status check_layout(const cj_arrays *a, const char *name, cj_error *err)
{
    size_t step = cj_shape_size(a->step);
    if (a->n < 1 || a->T < 1 || a->step.c < 1 || a->step.h < 1 || a->step.w < 1)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: %d samples of %d steps of %dx%dx%d inputs: every size must be at least 1",
                       name, a->n, a->T, a->step.c, a->step.h, a->step.w);
    if (a->target_steps != 1 && a->target_steps != a->T)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: %d targets per sample of %d steps (expected 1 or %d)", name,
                       a->target_steps, a->T, a->T);
    int values = a->target != CJ_TARGET_LABELS;
    if (values && a->dim < 1)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: %s targets of %d values each (at least 1)", name,
                       cj_target_kind_name(a->target), a->dim);
    if (step > CJ_MAX_ELEMENTS || (size_t)a->T > CJ_MAX_ELEMENTS / step ||
        (size_t)a->T * step > CJ_MAX_ELEMENTS / (size_t)a->n)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: %d samples of %d steps of %zu inputs is more than %u elements", name,
                       a->n, a->T, step, CJ_MAX_ELEMENTS);
    size_t targets = (size_t)a->n * a->target_steps;
    if (values && (size_t)a->dim > CJ_MAX_ELEMENTS / targets)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: %zu targets of %d values is more than %u elements", name, targets,
                       a->dim, CJ_MAX_ELEMENTS);
    if (!a->x || (values ? !a->values : !a->labels))
        return cj_fail(err, CJ_ERR_ARG, "%s: no %s array", name, !a->x ? "input" : cj_target_kind_name(a->target));
    return CJ_OK;
}

/* 1 + the largest label that counts (mask not 0); a negative one is an
 * error, as it would index outside the outputs. */
static cj_status count_classes(const cj_arrays *a, const char *name, int *n_classes, cj_error *err)
{
    size_t targets = (size_t)a->n * a->target_steps;
    int top = -1;
    for (size_t i = 0; i < targets; i++) {
        if (a->mask && a->mask[i] == 0) continue;
        if (a->labels[i] < 0)
            return cj_fail(err, CJ_ERR_FORMAT, "%s: label %d of sample %zu is negative", name, a->labels[i],
                           i / a->target_steps);
        if (a->labels[i] > top) top = a->labels[i];
    }
    *n_classes = top + 1;
    return CJ_OK;
}

cj_status cj_source_from_arrays(cj_arrays *a, const char *name, cj_source *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    cj_status st = check_layout(a, name, err);
    int n_classes = 0;
    if (!st && a->target == CJ_TARGET_LABELS) st = count_classes(a, name, &n_classes, err);
    cj_arrays *held = NULL;
    char *copy = NULL;
    if (!st) {
        held = malloc(sizeof *held);
        copy = strdup(name);
        if (!held || !copy) st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", name);
    }
    if (st) {
        free(held);
        free(copy);
        free_arrays(a);
        return st;
    }
    *held = *a;
    if (a->target == CJ_TARGET_LABELS) {
        free(held->values);
        held->values = NULL;
        held->dim = 0;
    } else {
        free(held->labels);
        held->labels = NULL;
    }
    a->x = NULL;
    a->labels = NULL;
    a->values = NULL;
    a->mask = NULL;
    *out = (cj_source){.ops = &ARRAY_OPS,
                       .impl = held,
                       .name = copy,
                       .n = held->n,
                       .T = held->T,
                       .step = held->step,
                       .target = held->target,
                       .target_steps = held->target_steps,
                       .dim = held->dim,
                       .n_classes = n_classes,
                       .has_mask = held->mask != NULL};
    return CJ_OK;
}
