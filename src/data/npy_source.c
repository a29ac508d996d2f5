/* npy_source.c — NumPy .npy files as a source (source.h): inputs, one
 * target file (labels, targets or counts) and an optional mask, read with
 * cj_npy_read (src/io/npy.c), checked against each other and for
 * contents, then moved into an array-backed source. Every message names
 * the file, its shape, and the element at fault. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/npy.h"
#include "cajal/source.h"

/* The largest label: classes must fit the model's int sizes. */
#define MAX_LABEL ((double)CJ_MAX_ELEMENTS - 1)

typedef struct {
    const char *path;
    cj_npy_array a;
} npy_file;

/* What the inputs say about the data. */
typedef struct {
    int n, T;
    cj_shape step;
} input_layout;

static int given(const char *path) { return path && path[0]; }

/* "[100, 20, 5]" */
static const char *shape_text(const cj_npy_array *a, char *buf, size_t cap)
{
    size_t len = 0;
    len += (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < a->ndim && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%lld", i ? ", " : "", (long long)a->shape[i]);
    if (len < cap) snprintf(buf + len, cap - len, "]");
    return buf;
}

/* Element `flat` of a C-order array as "[3, 17]". */
static const char *index_text(const cj_npy_array *a, size_t flat, char *buf, size_t cap)
{
    long long idx[CJ_NPY_MAX_DIMS];
    for (int k = a->ndim - 1; k >= 0; k--) {
        idx[k] = (long long)(flat % (size_t)a->shape[k]);
        flat /= (size_t)a->shape[k];
    }
    size_t len = (size_t)snprintf(buf, cap, "[");
    for (int k = 0; k < a->ndim && len < cap; k++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%lld", k ? ", " : "", idx[k]);
    if (len < cap) snprintf(buf + len, cap - len, "]");
    return buf;
}

/* Read one file; a scalar, an empty array and an axis longer than the
 * model's sizes allow are errors before anything looks at the data. */
static cj_status read_file(npy_file *f, const char *path, cj_npy_type type, const char *what, cj_error *err)
{
    f->path = path;
    cj_status st = cj_npy_read(path, type, &f->a, err);
    if (st) return st;
    char shape[96];
    if (f->a.ndim == 0) return cj_fail(err, CJ_ERR_SHAPE, "%s: a scalar, not an array of %s", path, what);
    for (int i = 0; i < f->a.ndim; i++) {
        if (f->a.shape[i] == 0)
            return cj_fail(err, CJ_ERR_SHAPE, "%s: empty array (shape %s): no %s", path,
                           shape_text(&f->a, shape, sizeof shape), what);
        if (f->a.shape[i] > (int64_t)CJ_MAX_ELEMENTS)
            return cj_fail(err, CJ_ERR_SHAPE, "%s: shape %s: axis %d has more than %u entries", path,
                           shape_text(&f->a, shape, sizeof shape), i, CJ_MAX_ELEMENTS);
    }
    return CJ_OK;
}

static cj_status inputs_layout(const npy_file *x, int sequence, input_layout *L, cj_error *err)
{
    const cj_npy_array *a = &x->a;
    char shape[96];
    const int64_t *s = a->shape;
    L->n = (int)s[0];
    L->T = 1;
    if (sequence) {
        if (a->ndim != 3)
            return cj_fail(err, CJ_ERR_SHAPE,
                           "%s: shape %s: a sequence's inputs are [N, T, F] (samples, time steps, features)", x->path,
                           shape_text(a, shape, sizeof shape));
        L->T = (int)s[1];
        L->step = (cj_shape){(int)s[2], 1, 1};
    } else if (a->ndim == 2) {
        L->step = (cj_shape){(int)s[1], 1, 1};
    } else if (a->ndim == 3) {
        L->step = (cj_shape){1, (int)s[1], (int)s[2]};
    } else if (a->ndim == 4) {
        L->step = (cj_shape){(int)s[1], (int)s[2], (int)s[3]};
    } else {
        return cj_fail(err, CJ_ERR_SHAPE,
                       "%s: shape %s: inputs are [N, F], [N, H, W] or [N, C, H, W] (or [N, T, F] for a sequence)",
                       x->path, shape_text(a, shape, sizeof shape));
    }
    size_t per = (size_t)L->T * cj_shape_size(L->step);
    if (per > CJ_MAX_ELEMENTS)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: shape %s: one sample has %zu elements, more than %u", x->path,
                       shape_text(a, shape, sizeof shape), per, CJ_MAX_ELEMENTS);
    return CJ_OK;
}

/* f's axis 0 must count the inputs' samples, and (when `steps`) its axis 1
 * their time steps. */
static cj_status match_inputs(const npy_file *f, const npy_file *x, int steps, cj_error *err)
{
    char fs[96], xs[96];
    if (f->a.shape[0] != x->a.shape[0])
        return cj_fail(err, CJ_ERR_SHAPE, "%s has %lld samples (shape %s) but %s has %lld (shape %s)", f->path,
                       (long long)f->a.shape[0], shape_text(&f->a, fs, sizeof fs), x->path,
                       (long long)x->a.shape[0], shape_text(&x->a, xs, sizeof xs));
    if (steps && f->a.shape[1] != x->a.shape[1])
        return cj_fail(err, CJ_ERR_SHAPE, "%s has %lld time steps (shape %s) but %s has %lld (shape %s)", f->path,
                       (long long)f->a.shape[1], shape_text(&f->a, fs, sizeof fs), x->path,
                       (long long)x->a.shape[1], shape_text(&x->a, xs, sizeof xs));
    return CJ_OK;
}

/* Labels: [N], or [N, T] for a sequence. */
static cj_status labels_layout(const npy_file *y, const npy_file *x, int sequence, int *ts, cj_error *err)
{
    char shape[96];
    if (y->a.ndim == 1) {
        *ts = 1;
        return match_inputs(y, x, 0, err);
    }
    if (sequence && y->a.ndim == 2) {
        *ts = (int)y->a.shape[1];
        return match_inputs(y, x, 1, err);
    }
    return cj_fail(err, CJ_ERR_SHAPE, "%s: shape %s: labels are [N]%s, one class index per %s", y->path,
                   shape_text(&y->a, shape, sizeof shape), sequence ? " or [N, T]" : "",
                   sequence ? "sequence or step" : "sample");
}

/* Targets and counts: [N] (one value), [N, dim], or [N, T, dim] for a
 * sequence. */
static cj_status values_layout(const npy_file *y, const npy_file *x, int sequence, int *ts, int *dim,
                               cj_error *err)
{
    char shape[96];
    const cj_npy_array *a = &y->a;
    *ts = 1;
    if (a->ndim == 1 || a->ndim == 2) {
        *dim = a->ndim == 1 ? 1 : (int)a->shape[1];
        return match_inputs(y, x, 0, err);
    }
    if (sequence && a->ndim == 3) {
        *ts = (int)a->shape[1];
        *dim = (int)a->shape[2];
        if ((size_t)*ts * (size_t)*dim > CJ_MAX_ELEMENTS)
            return cj_fail(err, CJ_ERR_SHAPE, "%s: shape %s: more than %u targets per sample", y->path,
                           shape_text(a, shape, sizeof shape), CJ_MAX_ELEMENTS);
        return match_inputs(y, x, 1, err);
    }
    return cj_fail(err, CJ_ERR_SHAPE, "%s: shape %s: targets are [N] or [N, dim]%s", y->path,
                   shape_text(a, shape, sizeof shape), sequence ? ", or [N, T, dim] for one per step" : "");
}

/* The mask has one weight per target: [N], or [N, T] with per-step targets. */
static cj_status mask_layout(const npy_file *m, const npy_file *x, const npy_file *y, int per_step, cj_error *err)
{
    char shape[96], yshape[96];
    if (!per_step && m->a.ndim == 1) return match_inputs(m, x, 0, err);
    if (per_step && m->a.ndim == 2) return match_inputs(m, x, 1, err);
    return cj_fail(err, CJ_ERR_SHAPE, "%s: shape %s: the mask has one weight per target, %s for %s of shape %s",
                   m->path, shape_text(&m->a, shape, sizeof shape), per_step ? "[N, T]" : "[N]", y->path,
                   shape_text(&y->a, yshape, sizeof yshape));
}

static cj_status check_inputs(const npy_file *x, cj_error *err)
{
    const float *v = x->a.data;
    for (size_t i = 0; i < x->a.numel; i++)
        if (!isfinite(v[i])) {
            char at[96];
            return cj_fail(err, CJ_ERR_NUMERIC, "%s: input %s is %s (inputs must be finite)", x->path,
                           index_text(&x->a, i, at, sizeof at), isnan(v[i]) ? "NaN" : "infinite");
        }
    return CJ_OK;
}

/* Weights: finite, non-negative, not all zero. */
static cj_status check_mask(const npy_file *m, cj_error *err)
{
    const float *w = m->a.data;
    double total = 0.0;
    for (size_t i = 0; i < m->a.numel; i++) {
        if (!isfinite(w[i]) || w[i] < 0) {
            char at[96];
            return cj_fail(err, CJ_ERR_FORMAT, "%s: weight %g at %s: mask weights must be finite and non-negative",
                           m->path, w[i], index_text(&m->a, i, at, sizeof at));
        }
        total += w[i];
    }
    if (!(total > 0)) return cj_fail(err, CJ_ERR_FORMAT, "%s: every weight is 0: nothing to train on", m->path);
    return CJ_OK;
}

static int masked_out(const float *mask, size_t i) { return mask && mask[i] == 0; }

/* Whole numbers from 0 to MAX_LABEL, as ints; masked-out entries become 0
 * (they are never read, and may hold anything, NaN included). */
static cj_status convert_labels(const npy_file *y, const float *mask, int **out, cj_error *err)
{
    const double *v = y->a.data;
    int *labels = malloc(sizeof(int) * y->a.numel);
    if (!labels) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %zu labels", y->path, y->a.numel);
    for (size_t i = 0; i < y->a.numel; i++) {
        if (masked_out(mask, i)) {
            labels[i] = 0;
            continue;
        }
        const char *why = !isfinite(v[i])      ? "is not a number"
                          : v[i] != floor(v[i]) ? "is not a whole number (labels are class indices 0, 1, 2, ...)"
                          : v[i] < 0            ? "is negative (labels are class indices 0, 1, 2, ...)"
                          : v[i] > MAX_LABEL    ? "is too large for a class index"
                                                : NULL;
        if (why) {
            char at[96];
            free(labels);
            return cj_fail(err, CJ_ERR_FORMAT, "%s: label %.10g at %s %s", y->path, v[i],
                           index_text(&y->a, i, at, sizeof at), why);
        }
        labels[i] = (int)v[i];
    }
    *out = labels;
    return CJ_OK;
}

/* Targets finite; counts also non-negative. Entries under a mask of 0 are
 * left as they are. */
static cj_status check_values(const npy_file *y, const float *mask, int dim, int counts, cj_error *err)
{
    const float *v = y->a.data;
    for (size_t i = 0; i < y->a.numel; i++) {
        if (masked_out(mask, i / (size_t)dim)) continue;
        char at[96];
        if (!isfinite(v[i]))
            return cj_fail(err, CJ_ERR_NUMERIC, "%s: %s at %s is %s (%s must be finite)", y->path,
                           counts ? "count" : "target", index_text(&y->a, i, at, sizeof at),
                           isnan(v[i]) ? "NaN" : "infinite", counts ? "counts" : "targets");
        if (counts && v[i] < 0)
            return cj_fail(err, CJ_ERR_FORMAT, "%s: count %g at %s is negative (spike counts are >= 0)", y->path,
                           v[i], index_text(&y->a, i, at, sizeof at));
    }
    return CJ_OK;
}

/* Which target file, and that exactly one is given. */
static cj_status target_file(const cj_data_files *f, const char **path, cj_target_kind *kind, cj_error *err)
{
    int n = given(f->labels) + given(f->targets) + given(f->counts);
    if (n != 1)
        return cj_fail(err, CJ_ERR_ARG, "%s: %s target file (labels, targets or counts) for these inputs", f->inputs,
                       n ? "more than one" : "no");
    *kind = given(f->labels) ? CJ_TARGET_LABELS : given(f->targets) ? CJ_TARGET_VALUES : CJ_TARGET_COUNTS;
    *path = given(f->labels) ? f->labels : given(f->targets) ? f->targets : f->counts;
    return CJ_OK;
}

/* The layout of the target file and the mask, and their contents. */
static cj_status read_targets(const cj_data_files *f, int sequence, const npy_file *x, npy_file *y, npy_file *m,
                              cj_arrays *a, cj_error *err)
{
    const char *path = NULL;
    cj_status st = target_file(f, &path, &a->target, err);
    int labels = a->target == CJ_TARGET_LABELS;
    if (!st) st = read_file(y, path, labels ? CJ_NPY_F64 : CJ_NPY_F32, cj_target_kind_name(a->target), err);
    if (st) return st;
    if (labels) st = labels_layout(y, x, sequence, &a->target_steps, err);
    else st = values_layout(y, x, sequence, &a->target_steps, &a->dim, err);
    /* A sequence's labels [N, T] and targets [N, T, dim] are per step. */
    int per_step = sequence && y->a.ndim == (labels ? 2 : 3);
    if (!st && given(f->mask)) {
        st = read_file(m, f->mask, CJ_NPY_F32, "weights", err);
        if (!st) st = mask_layout(m, x, y, per_step, err);
        if (!st) st = check_mask(m, err);
    }
    if (st) return st;
    const float *mask = m->a.data;
    if (labels) return convert_labels(y, mask, &a->labels, err);
    if ((st = check_values(y, mask, a->dim, a->target == CJ_TARGET_COUNTS, err))) return st;
    a->values = y->a.data;
    y->a.data = NULL;
    return CJ_OK;
}

cj_status cj_source_npy(const cj_data_files *f, int sequence, cj_source *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    if (!given(f->inputs)) return cj_fail(err, CJ_ERR_ARG, "no .npy inputs file given");
    npy_file x = {0}, y = {0}, m = {0};
    cj_arrays a = {0};
    input_layout L;
    cj_status st = read_file(&x, f->inputs, CJ_NPY_F32, "inputs", err);
    if (!st) st = inputs_layout(&x, sequence, &L, err);
    if (!st) st = check_inputs(&x, err);
    if (!st) st = read_targets(f, sequence, &x, &y, &m, &a, err);
    if (!st) {
        a.n = L.n;
        a.T = L.T;
        a.step = L.step;
        a.x = x.a.data;
        x.a.data = NULL;
        a.mask = m.a.data;
        m.a.data = NULL;
        st = cj_source_from_arrays(&a, f->inputs, out, err);
    } else {
        free(a.labels);
        free(a.values);
    }
    cj_npy_free(&x.a);
    cj_npy_free(&y.a);
    cj_npy_free(&m.a);
    return st;
}
