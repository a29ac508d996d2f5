/* batch.c — batch buffers and what every source shares (source.h):
 * filling with its checks and input scaling, freeing, input statistics,
 * and the names of formats and target kinds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/source.h"

const char *cj_target_kind_name(cj_target_kind kind)
{
    return kind == CJ_TARGET_VALUES ? "values" : kind == CJ_TARGET_COUNTS ? "counts" : "labels";
}

cj_status cj_target_kind_parse(const char *name, cj_target_kind *kind, cj_error *err)
{
    if (!strcmp(name, "labels")) *kind = CJ_TARGET_LABELS;
    else if (!strcmp(name, "values")) *kind = CJ_TARGET_VALUES;
    else if (!strcmp(name, "counts")) *kind = CJ_TARGET_COUNTS;
    else return cj_fail(err, CJ_ERR_CONFIG, "unknown target kind '%s' (expected labels, values or counts)", name);
    return CJ_OK;
}

const char *cj_data_format_name(cj_data_format f)
{
    return f == CJ_DATA_NPY ? "npy" : f == CJ_DATA_TASK ? "task" : "idx";
}

cj_status cj_data_format_parse(const char *name, cj_data_format *f, cj_error *err)
{
    if (!strcmp(name, "idx")) *f = CJ_DATA_IDX;
    else if (!strcmp(name, "npy")) *f = CJ_DATA_NPY;
    else if (!strcmp(name, "task")) *f = CJ_DATA_TASK;
    else return cj_fail(err, CJ_ERR_CONFIG, "unknown data format '%s' (expected idx, npy or task)", name);
    return CJ_OK;
}

/* a * b * c within CJ_MAX_ELEMENTS, without overflow on the way. */
static int fits(size_t a, size_t b, size_t c, size_t *out)
{
    if (a && b > CJ_MAX_ELEMENTS / a) return 0;
    size_t ab = a * b;
    if (ab && c > CJ_MAX_ELEMENTS / ab) return 0;
    *out = ab * c;
    return 1;
}

cj_status cj_batch_alloc(cj_batch *b, const cj_source *s, int max_B, cj_error *err)
{
    memset(b, 0, sizeof *b);
    const char *name = s->name ? s->name : "data";
    if (max_B < 1) return cj_fail(err, CJ_ERR_ARG, "%s: a batch of %d samples (at least 1)", name, max_B);
    size_t step = cj_shape_size(s->step), nx, nt, nv;
    int dim = s->target == CJ_TARGET_LABELS ? 0 : s->dim;
    if (!fits((size_t)s->T, (size_t)max_B, step, &nx) || !fits((size_t)s->target_steps, (size_t)max_B, 1, &nt) ||
        !fits(nt, (size_t)dim, 1, &nv))
        return cj_fail(err, CJ_ERR_SHAPE,
                       "%s: a batch of %d samples of %d steps of %dx%dx%d inputs is more than %u elements", name,
                       max_B, s->T, s->step.c, s->step.h, s->step.w, CJ_MAX_ELEMENTS);
    b->cap.B = max_B;
    b->cap.T = s->T;
    b->cap.target_steps = s->target_steps;
    b->cap.dim = dim;
    b->cap.step_size = step;
    /* Labels and mask are small; every batch gets both, so one buffer
     * takes any source of the same inputs. */
    b->cap.x = calloc(nx ? nx : 1, sizeof(float));
    b->cap.labels = calloc(nt, sizeof(int));
    b->cap.mask = calloc(nt, sizeof(float));
    b->cap.values = dim ? calloc(nv, sizeof(float)) : NULL;
    if (!b->cap.x || !b->cap.labels || !b->cap.mask || (dim && !b->cap.values)) {
        cj_batch_free(b);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for a batch of %d samples (%zu floats)", name, max_B,
                       nx);
    }
    return CJ_OK;
}

cj_status cj_batch_borrow_x(cj_batch *b, float *x, size_t floats, cj_error *err)
{
    size_t need = (size_t)b->cap.B * b->cap.T * b->cap.step_size;
    if (floats < need)
        return cj_fail(err, CJ_ERR_ARG, "a buffer of %zu floats cannot hold a batch of %zu input floats", floats, need);
    if (!b->cap.x_borrowed) free(b->cap.x);
    b->cap.x = x;
    b->cap.x_borrowed = 1;
    b->x = x;
    return CJ_OK;
}

void cj_batch_free(cj_batch *b)
{
    if (!b->cap.x_borrowed) free(b->cap.x);
    free(b->cap.labels);
    free(b->cap.mask);
    free(b->cap.values);
    memset(b, 0, sizeof *b);
}

/* Point the views at the buffers for a batch of B samples of s. */
static cj_status set_views(const cj_source *s, int B, cj_batch *out, cj_error *err)
{
    const char *name = s->name ? s->name : "data";
    int dim = s->target == CJ_TARGET_LABELS ? 0 : s->dim;
    if (B < 1 || B > out->cap.B)
        return cj_fail(err, CJ_ERR_ARG, "%s: a batch of %d samples into a buffer of %d", name, B, out->cap.B);
    if (cj_shape_size(s->step) != out->cap.step_size || s->T > out->cap.T ||
        s->target_steps > out->cap.target_steps || dim != out->cap.dim)
        return cj_fail(err, CJ_ERR_ARG,
                       "%s: %d steps of %zu inputs, %d targets of %d values do not fit a batch buffer made for %d "
                       "steps of %zu, %d targets of %d",
                       name, s->T, cj_shape_size(s->step), s->target_steps, dim, out->cap.T, out->cap.step_size,
                       out->cap.target_steps, out->cap.dim);
    out->T = s->T;
    out->B = B;
    out->target_steps = s->target_steps;
    out->step_size = out->cap.step_size;
    out->dim = dim;
    out->x = out->cap.x;
    out->labels = s->target == CJ_TARGET_LABELS ? out->cap.labels : NULL;
    out->values = dim ? out->cap.values : NULL;
    out->mask = s->has_mask ? out->cap.mask : NULL;
    out->value_weights = dim ? s->value_weights : NULL;
    return CJ_OK;
}

/* Fill without the scaling (for statistics of the inputs as filled). */
static cj_status fill_raw(cj_source *s, const int *indices, int B, cj_batch *out, cj_error *err)
{
    cj_status st = set_views(s, B, out, err);
    if (st) return st;
    for (int i = 0; i < B; i++)
        if (indices[i] < 0 || indices[i] >= s->n)
            return cj_fail(err, CJ_ERR_ARG, "%s: sample index %d is outside 0..%d", s->name ? s->name : "data",
                           indices[i], s->n - 1);
    return s->ops->fill(s, indices, B, out, err);
}

cj_status cj_source_fill(cj_source *s, const int *indices, int B, cj_batch *out, cj_error *err)
{
    cj_status st = fill_raw(s, indices, B, out, err);
    if (st || !s->x_scaled) return st;
    const float offset = s->x_offset, gain = s->x_gain;
    float *x = out->x;
    size_t len = (size_t)out->T * B * out->step_size;
    for (size_t i = 0; i < len; i++) x[i] = (x[i] - offset) * gain;
    return CJ_OK;
}

void cj_source_free(cj_source *s)
{
    if (s->ops && s->ops->free) s->ops->free(s);
    free(s->name);
    memset(s, 0, sizeof *s);
}

cj_status cj_source_input_stats(cj_source *s, cj_batch *scratch, float *mean, float *sd, cj_error *err)
{
    int chunk = scratch->cap.B;
    int *idx = malloc(sizeof(int) * (size_t)chunk);
    if (!idx) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", s->name ? s->name : "data");
    /* Sample by sample, each sample's elements in order: for static data
     * the order of the array itself, so the sums are those of one pass
     * over it. */
    double sum = 0.0, sq = 0.0;
    size_t len = 0;
    cj_status st = CJ_OK;
    for (int start = 0; !st && start < s->n; start += chunk) {
        int b = s->n - start < chunk ? s->n - start : chunk;
        for (int i = 0; i < b; i++) idx[i] = start + i;
        if ((st = fill_raw(s, idx, b, scratch, err))) break;
        size_t n = (size_t)scratch->T * b * scratch->step_size;
        for (size_t i = 0; i < n; i++) {
            sum += scratch->x[i];
            sq += (double)scratch->x[i] * scratch->x[i];
        }
        len += n;
    }
    free(idx);
    if (st) return st;
    double m = len ? sum / len : 0.0, var = len ? sq / len - m * m : 0.0;
    *mean = (float)m;
    *sd = (float)sqrt(var > 0 ? var : 0.0);
    return CJ_OK;
}

void cj_source_set_scale(cj_source *s, cj_data_format f, cj_pixel_scale scale, float mean, float sd)
{
    s->x_scaled = 0;
    s->x_offset = 0.0f;
    s->x_gain = 1.0f;
    /* The same float operations as cj_dataset_rescale, so IDX inputs are
     * bit for bit what they were when the trainer rescaled in place. */
    if (scale == CJ_SCALE_STANDARD) {
        s->x_scaled = 1;
        s->x_offset = mean;
        s->x_gain = 1.0f / (sd > 0 ? sd : 1.0f);
    } else if (scale == CJ_SCALE_RAW && f == CJ_DATA_IDX) {
        s->x_scaled = 1;
        s->x_gain = 255.0f;
    }
}

cj_status cj_source_open(cj_data_format f, const cj_data_files *files, int sequence, cj_source *out,
                         cj_error *err)
{
    if (f == CJ_DATA_NPY) return cj_source_npy(files, sequence, out, err);
    if (f == CJ_DATA_TASK)
        return cj_fail(err, CJ_ERR_ARG, "data.format = task makes its trials (cj_source_task), it reads no files");
    return cj_source_idx(files->inputs, files->labels, out, err);
}
