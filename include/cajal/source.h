/* source.h — where batches come from: a data source hands out samples by
 * index, filled into a batch buffer that is allocated once.
 *
 * A source holds n samples. Sample i is a sequence of T steps (T = 1 for
 * static data such as images), each step an input of shape `step` (a
 * cj_shape: channels x height x width, F x 1 x 1 for a vector of F
 * features), and a target: class labels, real values, or spike counts. A
 * source has either one target per sample (target_steps = 1, compared
 * with the model's output at the LAST step) or one per step
 * (target_steps = T). An optional mask weighs each target in the loss
 * (objectives.h): 0 drops it, e.g. the padding after a short trial.
 *
 * Batches are time-major, as torch.nn.RNN(batch_first=False) takes them:
 *
 *     x       [T, B, step]              x[(t * B + b) * step_size + k]
 *     labels  [target_steps, B]         int, or NULL
 *     values  [target_steps, B, dim]    float (values or counts), or NULL
 *     mask    [target_steps, B]         float, or NULL (all ones)
 *
 * For T = 1 that is exactly the [B, C, H, W] batch a feed-forward model
 * takes. The arrays are contiguous for the batch's own B (not the buffer's
 * capacity), so a batch of 10 from a buffer of 64 is a plain [T, 10, ...]
 * tensor.
 *
 *     cj_source src;
 *     cj_batch batch;
 *     if (cj_source_npy(&(cj_data_files){.inputs = "x.npy", .counts = "y.npy"}, 0, &src, &err)) ...
 *     if (cj_batch_alloc(&batch, &src, 64, &err)) ...
 *     int idx[64];                              // any sample indices, e.g. a shuffled order
 *     for (int i = 0; i < 64; i++) idx[i] = i;
 *     if (cj_source_fill(&src, idx, 64, &batch, &err)) ...
 *     ... model on batch.x, loss on batch.values with batch.mask ...
 *     cj_batch_free(&batch);
 *     cj_source_free(&src);
 *
 * A source is an ops table plus the fields below, so a source need not be
 * an array in memory: a generated cognitive task makes trial `indices[i]`
 * from a seed inside its fill. The array-backed sources here (IDX, .npy,
 * cj_source_from_arrays) keep their samples in file order, [n, T, step],
 * and transpose on filling. Filling never allocates: a step costs one copy
 * of the batch. */
#ifndef CAJAL_SOURCE_H
#define CAJAL_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/data.h"
#include "cajal/layers.h"
#include "cajal/status.h"

typedef enum {
    CJ_TARGET_LABELS, /* class indices 0 .. n_classes-1 (cross_entropy, or mse against one-hot codes) */
    CJ_TARGET_VALUES, /* real numbers, dim per target (regression: mse) */
    CJ_TARGET_COUNTS  /* non-negative numbers, dim per target: spike counts (poisson, or mse) */
} cj_target_kind;

/* "labels", "values", "counts". */
const char *cj_target_kind_name(cj_target_kind kind);
cj_status cj_target_kind_parse(const char *name, cj_target_kind *kind, cj_error *err);

/* What an experiment can name in data.format: files, or trials of a
 * cognitive task generated as they are needed (tasks.h). */
typedef enum { CJ_DATA_IDX, CJ_DATA_NPY, CJ_DATA_TASK } cj_data_format;
const char *cj_data_format_name(cj_data_format f);
cj_status cj_data_format_parse(const char *name, cj_data_format *f, cj_error *err);

/* ---- batches -------------------------------------------------------------- */

typedef struct {
    /* This batch, as the last cj_source_fill left it. */
    int T, B, target_steps;
    size_t step_size;  /* floats of one sample's input at one step */
    int dim;           /* floats per value/count target; 0 for labels */
    float *x;          /* [T, B, step_size] */
    int *labels;       /* [target_steps, B], or NULL */
    float *values;     /* [target_steps, B, dim], or NULL */
    float *mask;       /* [target_steps, B], or NULL (all ones) */
    const float *value_weights; /* [dim] the source's cj_source.value_weights, or NULL */
    /* What the buffers hold at most, and the buffers themselves (owned;
     * the views above point into them). */
    struct {
        int B, T, target_steps, dim;
        size_t step_size;
        float *x, *values, *mask;
        int x_borrowed;   /* x belongs to someone else (cj_batch_borrow_x) */
        int *labels;
    } cap;
} cj_batch;

typedef struct cj_source cj_source;

/* ---- sources ------------------------------------------------------------- */

typedef struct {
    const char *kind; /* "idx", "npy", "arrays", "subset", ... for messages */
    /* Fill out->x and the target arrays for the B samples indices[0..B)
     * (each in [0, n), checked by cj_source_fill, which also sets out->T,
     * B, target_steps and the views), in the layout above. Must not
     * allocate, and must write every element the views cover: a buffer is
     * reused, so a gap would show the last batch. A source whose batches
     * differ in length (a task source with one task per batch, tasks.h)
     * may set out->T, with out->target_steps = out->T, to fewer than s->T
     * steps; the views then cover that T. */
    cj_status (*fill)(cj_source *s, const int *indices, int B, cj_batch *out, cj_error *err);
    /* Free s->impl (may be NULL: nothing to free). */
    void (*free)(cj_source *s);
} cj_source_ops;

struct cj_source {
    const cj_source_ops *ops;
    void *impl;             /* the implementation's own state */
    char *name;             /* for messages: the inputs file, e.g. "data/train_x.npy" (owned) */
    int n;                  /* samples */
    int T;                  /* steps per sample; 1 = static */
    cj_shape step;          /* one step's input */
    cj_target_kind target;
    int target_steps;       /* 1 (one target per sample, at the last step) or T */
    int dim;                /* values/counts per target; 0 for labels */
    int n_classes;          /* labels: 1 + the largest label; 0 otherwise */
    int has_mask;           /* fill sets out->mask */
    /* [dim] each value column's weight in the loss (cj_target.value_weights),
     * or NULL (all 1); owned by the implementation. */
    const float *value_weights;
    /* When x_scaled is set, inputs leave cj_source_fill as
     * (x - x_offset) * x_gain, x as the implementation filled it; a zeroed
     * source leaves them as they are. cj_source_set_scale sets these for
     * data.scale. */
    int x_scaled;
    float x_offset, x_gain;
};

/* Allocate b for batches of up to max_B samples of s's layout (its T,
 * step, target_steps and dim); a source with the same step and dim and no
 * more steps can be filled into it too. The buffers are zeroed. A batch
 * over CJ_MAX_ELEMENTS floats is an error naming the shape. On failure
 * nothing needs freeing. */
cj_status cj_batch_alloc(cj_batch *b, const cj_source *s, int max_B, cj_error *err);
void cj_batch_free(cj_batch *b);

/* Fill inputs straight into `x` (floats long, at least the batch's own x
 * buffer), e.g. a model's input buffer acts[0], so a training step copies
 * its batch once, not twice. The batch frees its own x buffer and will not
 * free `x`. */
cj_status cj_batch_borrow_x(cj_batch *b, float *x, size_t floats, cj_error *err);

/* Fill `out` with samples indices[0..B) of s (1 <= B <= out->cap.B), then
 * scale the inputs (x_scaled, x_offset, x_gain). An index outside [0, s->n) or a
 * batch of another layout is CJ_ERR_ARG naming s->name. */
cj_status cj_source_fill(cj_source *s, const int *indices, int B, cj_batch *out, cj_error *err);

/* Free what s holds (ops->free, then name); s is zeroed. Safe on a zeroed
 * source. */
void cj_source_free(cj_source *s);

/* Mean and standard deviation (population, ddof = 0) over every input
 * element of every sample, as the implementation fills them (before
 * x_offset/x_gain), read through `scratch` in batches of its capacity.
 * For an IDX source that is the statistics of pixel/255; the trainer
 * takes them from the training samples alone. */
cj_status cj_source_input_stats(cj_source *s, cj_batch *scratch, float *mean, float *sd, cj_error *err);

/* Set x_scaled, x_offset and x_gain for data.scale on data of format f, whose
 * training inputs have mean and sd (cj_source_input_stats):
 *     IDX (filled as pixel/255)  unit: as filled; raw: x 255; standard: (x - mean) / sd
 *     npy (filled as stored)     raw: as filled; standard: (x - mean) / sd
 * (unit is not defined for npy and leaves the inputs as they are); sd 0
 * counts as 1. */
void cj_source_set_scale(cj_source *s, cj_data_format f, cj_pixel_scale scale, float mean, float sd);

/* ---- array-backed sources --------------------------------------------------- */

/* Arrays in file order (sample-major): x [n, T, step], labels
 * [n, target_steps], values [n, target_steps, dim], mask [n, target_steps]. */
typedef struct {
    int n, T;
    cj_shape step;
    cj_target_kind target;
    int target_steps, dim;
    float *x;
    int *labels;    /* CJ_TARGET_LABELS */
    float *values;  /* CJ_TARGET_VALUES and CJ_TARGET_COUNTS */
    float *mask;    /* or NULL */
} cj_arrays;

/* A source over arrays already in memory. It takes the arrays (malloc'd;
 * a's pointers are set to NULL, and they are freed with the source, also
 * on failure) and copies `name`. Sizes are checked (n >= 1, products
 * within CJ_MAX_ELEMENTS); contents are the caller's to check, except
 * that n_classes is found from the labels whose mask is not 0. */
cj_status cj_source_from_arrays(cj_arrays *a, const char *name, cj_source *out, cj_error *err);

/* The files of one data set: IDX uses inputs (images) and labels; npy
 * uses inputs and exactly one of labels, targets (values) or counts, and
 * optionally a mask. NULL or "" means not given. */
typedef struct {
    const char *inputs, *labels, *targets, *counts, *mask;
} cj_data_files;

/* An IDX image file and its label file (cj_idx_load), inputs filled as
 * pixel/255, shape 1 x h x w, T = 1, labels. */
cj_status cj_source_idx(const char *images, const char *labels, cj_source *out, cj_error *err);

/* NumPy .npy files (any dtype cj_npy_read reads; see npy.h):
 *
 *   inputs   sequence = 0: [N, F], [N, H, W] (one channel, as IDX) or [N, C, H, W]; T = 1
 *            sequence = 1: [N, T, F], time steps along axis 1
 *   labels   [N], or [N, T] for a sequence (one label per step): whole numbers >= 0
 *            (an integer dtype, or a float dtype without fractions)
 *   targets  [N] (dim 1) or [N, dim]; a sequence may also have [N, T, dim]: finite
 *   counts   as targets, and non-negative (spike counts: float or integer dtype)
 *   mask     [N] when there is one target per sample, [N, T] with per-step targets:
 *            finite, non-negative, not all zero
 *
 * Every size is checked before use (each within CJ_MAX_ELEMENTS, N within
 * an int), and every error names the file and what is wrong: an empty
 * array, a rank that fits no rule above, N or T differing between the
 * inputs and another file (both shapes named), non-finite inputs or
 * targets, fractional or negative labels, negative counts, a bad mask.
 * Targets under a mask of 0 are not checked (padding may hold anything,
 * e.g. -1). */
cj_status cj_source_npy(const cj_data_files *files, int sequence, cj_source *out, cj_error *err);

/* Either of the above by format (IDX ignores targets, counts, mask and
 * sequence; the caller refuses them). */
cj_status cj_source_open(cj_data_format f, const cj_data_files *files, int sequence, cj_source *out,
                         cj_error *err);

/* ---- subsets and validation splits ---------------------------------------------- */

/* A view of `parent` holding its samples map[0..n) (copied), in that
 * order; the parent must outlive it and is not freed with it. It starts
 * with the parent's scaling. Filling never allocates once the view has
 * seen its largest batch (it keeps one index buffer, grown as needed). */
cj_status cj_source_subset(cj_source *parent, const int *map, int n, const char *name, cj_source *out,
                           cj_error *err);

/* Hold out round(fraction x n) of n samples (at least 1; at least one
 * must be left to train on): which ones is a uniform random choice from
 * `seed` (a stream of its own, so it disturbs no other random number),
 * like torch.utils.data.random_split. order[0..n) receives the training
 * indices, ascending, then the held-out ones, ascending; *n_held their
 * count. fraction must be in (0, 1). */
cj_status cj_split_holdout(int n, float fraction, uint64_t seed, int *order, int *n_held, cj_error *err);

#endif
