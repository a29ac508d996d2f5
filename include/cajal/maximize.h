/* maximize.h — activation maximisation: the input that drives a unit most,
 * found by gradient ascent on the input itself (Erhan et al. 2009;
 * Simonyan et al. 2014), with the regularisers that make the result look
 * like a picture rather than adversarial noise (Yosinski et al. 2015,
 * "Understanding neural networks through deep visualization"; Mordvintsev
 * et al. 2015, DeepDream; Olah et al. 2017, "Feature Visualization",
 * Distill):
 *
 *     maximise  J(x) = a_u(x) - l2 ||x||^2      over x in the box [lo, hi]
 *
 * where a_u is unit u of layer L (a dense unit, or a conv channel's mean
 * over space or its value at the centre position). Each step
 *   1. jitters: rolls x by (dy, dx), each uniform in [-J, J] (circularly,
 *      np.roll), so the picture cannot rely on exact pixel positions;
 *   2. runs the model forward and backward to the input, rolls the
 *      gradient back, and adds the L2 term's -2 l2 x;
 *   3. steps uphill: Adam (Kingma & Ba 2015, beta1 0.9, beta2 0.999,
 *      eps 1e-8), or DeepDream's normalised step x += lr g / mean|g|;
 *   4. clips x to the box: the range the training inputs took after their
 *      scaling (Fashion-MNIST with data.scale = unit: [0, 1]);
 * and every k steps blurs x with a Gaussian of sigma S px (Yosinski et
 * al.'s high-frequency penalty). Everything is allocated before the first
 * step; each unit's start (N(0, init_std^2), clipped to the box) and
 * jitter come from its own stream of (seed, unit), so a seed fixes every
 * image and a unit's image does not depend on which other units run with
 * it in a batch (up to the float rounding of a batched matrix product).
 *
 *     cj_maximize_opts o;
 *     cj_maximize_defaults(&o);
 *     o.lo = 0, o.hi = 1;                      // or cj_maximize_box(&info, ...)
 *     int units[] = {3, 7};
 *     float *x = malloc(sizeof(float) * 2 * cj_shape_size(m.input));
 *     cj_maximize_result r = {.images = x, .final = act};   // trace may be NULL
 *     if (cj_maximize(&m, 3, units, 2, &o, &r, &err)) ...
 *
 * Layer numbers are those of `cajal record` ("3_conv2d.npy" is layer 3, the
 * output of module 3). Maximise a layer before its nonlinearity (the conv
 * or dense layer, not the ReLU after it): a ReLU unit that starts at zero
 * has no gradient to climb. */
#ifndef CAJAL_MAXIMIZE_H
#define CAJAL_MAXIMIZE_H

#include <stdint.h>

#include "cajal/model.h"
#include "cajal/model_file.h"
#include "cajal/status.h"

/* Which number of a conv channel is maximised. A flat layer (dense) has
 * one value per unit, so both are the same there. */
typedef enum {
    CJ_MAXIMIZE_MEAN,   /* the channel's mean over all positions (Olah et al.'s "channel" objective) */
    CJ_MAXIMIZE_CENTRE  /* the channel at the centre position (h / 2, w / 2): one neuron */
} cj_maximize_at;

typedef enum {
    CJ_MAXIMIZE_ADAM,       /* Adam on -J */
    CJ_MAXIMIZE_NORMALIZED  /* x += lr g / (mean |g| + 1e-12), as in DeepDream */
} cj_maximize_optim;

typedef struct {
    int steps;              /* gradient steps (>= 1) */
    float lr;               /* step size, in input units */
    float l2;               /* l2 >= 0: weight of ||x||^2 */
    int jitter;             /* J >= 0: largest roll, px */
    float blur_sigma;       /* S >= 0, px; 0: no blur */
    int blur_every;         /* k >= 1: blur after every k-th step */
    float init_std;         /* sd of the random start, input units */
    float lo, hi;           /* the box; -INFINITY / INFINITY: none on that side */
    /* NULL: start from 0 plus the noise; else from this image [input] plus
     * the noise, e.g. the mean of the data (Nguyen et al. 2016 start from
     * a mean image to get more natural pictures) */
    const float *start_image;
    uint64_t seed;
    cj_maximize_optim optim;
    cj_maximize_at at;
} cj_maximize_opts;

/* 256 Adam steps of lr 0.05, l2 0, jitter 1, blur 0.5 px every 4 steps,
 * init_std 0.01, no box, seed 1, the channel mean. */
void cj_maximize_defaults(cj_maximize_opts *o);

/* The box of a saved model's inputs: the training pixels' [0, 1] after the
 * model's scaling (unit [0, 1], raw [0, 255], standard
 * [(0 - mean) / std, (1 - mean) / std]). Only IDX-trained models have
 * known pixels: for .npy data the range is unknown and the result is 0
 * (lo, hi untouched); else 1. */
int cj_maximize_box(const cj_model_info *info, float *lo, float *hi);

/* Pixels in [0, 1] from inputs scaled as `info` says (the inverse of the
 * box's map), clipped to [0, 1]; for .npy models each image is stretched
 * from its own min..max instead. n images of `size` floats, in place. */
void cj_maximize_to_pixels(const cj_model_info *info, float *x, int n, size_t size);

/* Check layer and units (each in [0, channels of the layer's output))
 * against m, and that m is feed-forward. Messages name the layer and the
 * unit. */
cj_status cj_maximize_check(const cj_model *m, int layer, const int *units, int n_units, cj_error *err);

/* A layer given as its number ("3") or its recording's name ("3_conv2d",
 * with or without ".npy"), into *layer; else an error listing the layers. */
cj_status cj_maximize_find_layer(const cj_model *m, const char *text, int *layer, cj_error *err);

/* Units of a layer with `channels` of them, from SPEC: "all", "7",
 * "0,3,5", "0-9", or a mixture ("0-3,7"), each once, in the order given,
 * at most max_units. *units is allocated (free it). */
cj_status cj_maximize_parse_units(const char *spec, int channels, int max_units, int **units, int *n_units,
                                  cj_error *err);

/* The objective of each of the B samples in m's last forward pass: unit
 * units[b] of layer L's output for sample b, at `at`, into a[b]. */
void cj_maximize_activation(const cj_model *m, int layer, const int *units, int B, cj_maximize_at at, float *a);

/* The objective and its gradient with respect to the input, for B <=
 * m->max_batch inputs x [B, input]: a[b] and grad [B, input] (d a[b] /
 * d x[b]), through cj_model_backward_input (the parameter gradients are
 * overwritten). No jitter, no L2. What each step uses, for tests. */
void cj_maximize_gradient(cj_model *m, int layer, const int *units, int B, cj_maximize_at at, const float *x,
                          float *a, float *grad);

/* dst = src [C, H, W] rolled by (dy, dx) in every channel, circularly
 * (np.roll(src, (dy, dx), axis=(1, 2))): dst[c, (y + dy) mod H,
 * (x + dx) mod W] = src[c, y, x]. back = 1 is the inverse roll, which
 * takes the gradient at the rolled input back to the input: the jitter. */
void cj_maximize_roll(float *dst, const float *src, cj_shape s, int dy, int dx, int back);

/* The stream unit `unit`'s start and jitter come from: the start is
 * cj_rng_fill_normal(rng, x, input size, init_std) (plus start_image,
 * clipped to the box), then each step draws dy and then dx, each
 * cj_rng_below(rng, 2 J + 1) - J (nothing when J = 0). For reproducing a
 * run step by step (tests). */
void cj_maximize_unit_rng(uint64_t seed, int unit, cj_rng *rng);

/* Progress: called after each step with the unit-steps done (a step of a
 * batch of B units counts B) and the total, steps x units; non-zero stops
 * the run with CJ_ERR_INTERRUPTED. */
typedef int (*cj_maximize_progress)(void *user, long done, long total);

typedef struct {
    float *images;      /* [n_units, input]: the inputs found, in the model's input units (required) */
    float *final;       /* [n_units] or NULL: each unit's objective on its image, without jitter */
    float *start;       /* [n_units] or NULL: the same on the random start */
    float *trace;       /* [n_units, steps] or NULL: the objective at each step (on the jittered input) */
    cj_maximize_progress progress; /* may be NULL */
    void *user;
} cj_maximize_result;

/* Maximise each unit of layer L of m (feed-forward, built for batches of
 * m->max_batch: the units run in batches of that many). Options out of
 * range and a non-finite activation (the step and unit named) are
 * errors. */
cj_status cj_maximize(cj_model *m, int layer, const int *units, int n_units, const cj_maximize_opts *o,
                      cj_maximize_result *r, cj_error *err);

/* Each unit's objective on real inputs x [n, input] (already scaled as the
 * model's training inputs were), in batches of m->max_batch: its mean,
 * largest value and the index of the input giving it (each may be NULL). */
cj_status cj_maximize_data_stats(cj_model *m, int layer, const int *units, int n_units, cj_maximize_at at,
                                 const float *x, int n, float *mean, float *max, int *argmax, cj_error *err);

/* ---- pictures ------------------------------------------------------------- */

/* One image [C, H, W] of pixels in [0, 1] (cj_maximize_to_pixels), C = 1
 * (grey) or 3 (RGB), as a PNG enlarged `zoom` times with nearest pixels,
 * written atomically. */
cj_status cj_maximize_write_png(const char *path, const float *pixels, int C, int H, int W, int zoom,
                                cj_error *err);

/* n images [n, C, H, W] of pixels in [0, 1] as one grid PNG: each image
 * enlarged `zoom` times, labels[i] above it and notes[i] (may be NULL, or
 * an entry NULL; lines split at '\n') under it, `title` over the grid (may
 * be NULL), each kind of text in one size that fits, written atomically. */
cj_status cj_maximize_write_grid(const char *path, const float *pixels, int n, int C, int H, int W, int zoom,
                                 const char *title, const char *const *labels, const char *const *notes,
                                 cj_error *err);

/* ---- a saved model, start to finish (`cajal maximize`) ------------------- */

typedef enum {
    CJ_MAXIMIZE_START_ZERO,    /* 0 in input units (black for data.scale = unit) */
    CJ_MAXIMIZE_START_MIDDLE,  /* the middle of the box (mid-grey); 0 without a box */
    CJ_MAXIMIZE_START_MEAN     /* the mean image of `inputs` (Nguyen et al. 2016) */
} cj_maximize_start;

typedef struct {
    const char *model_path;  /* a cajal model.safetensors */
    const char *layer;       /* "9" or "9_dense" (cj_maximize_find_layer) */
    const char *units;       /* cj_maximize_parse_units's SPEC */
    const char *labels;      /* NULL, or one name per unit, comma-separated: the grid's labels */
    const char *inputs;      /* NULL, or real stimuli (cj_model_file_read_stimuli): each unit's mean and
                              * largest activation on them go in the table */
    /* FILE.png: the picture there (the grid for several units), and beside
     * it FILE.npy, FILE.csv, FILE_trace.npy. Any other path is a folder:
     * unit_U.png per unit, grid.png for several, inputs.npy, units.csv,
     * trace.npy. NULL: the folder maximize_LAYER beside the model file. */
    const char *out;
    cj_maximize_start start; /* where the noise of the start is added */
    int zoom;                /* picture pixels per input pixel (>= 1) */
    int batch;               /* units per forward pass (>= 1) */
    /* The box: range = 0 takes the training pixels' (cj_maximize_box; none
     * for .npy models), 1 uses lo, hi as given, -1 none. */
    int range;
    float lo, hi;
    /* lr and init_std <= 0 mean 5% and 1% of the box's width (0.05 and
     * 0.01 without one); every other option is opts' as given. */
    cj_maximize_opts opts;
    cj_maximize_progress progress;
    void *user;
} cj_maximize_job;

typedef struct {
    int layer, n_units;
    char layer_name[64];     /* "9_dense" */
    float lo, hi;            /* the box used (infinite: none) */
    float lr;                /* the step size used */
    float best, worst;       /* the largest and smallest final activation */
    char *figure;            /* the picture written (allocated: free with cj_maximize_report_free) */
} cj_maximize_report;

/* Check the model's input is an image (1 or 3 channels, more than one
 * pixel, not a sequence or a task), then maximise and write every file. */
cj_status cj_maximize_model_file(const cj_maximize_job *job, cj_maximize_report *rep, cj_error *err);
void cj_maximize_report_free(cj_maximize_report *rep);

#endif
