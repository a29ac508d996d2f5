/* data.h — labelled image data sets in memory. */
#ifndef CAJAL_DATA_H
#define CAJAL_DATA_H

#include "cajal/layers.h"
#include "cajal/status.h"

/* How pixel values (0..255) become inputs. */
typedef enum {
    CJ_SCALE_UNIT,     /* pixel / 255, in [0, 1] */
    CJ_SCALE_RAW,      /* pixel as is, 0..255 */
    CJ_SCALE_STANDARD  /* (pixel / 255 - mean) / std, with the training set's mean and std */
} cj_pixel_scale;

typedef struct {
    int n;            /* number of samples */
    cj_shape shape;   /* of one sample */
    int n_classes;    /* 1 + largest label */
    float *x;         /* [n, shape] (owned) */
    int *y;           /* [n] (owned) */
} cj_dataset;

/* Read an IDX image file (ubyte, [n, h, w]; gzip or plain) and its IDX label
 * file into d, pixels scaled to [0, 1]. Missing, truncated or mismatched
 * files fail with a message naming the file. */
cj_status cj_idx_load(const char *images_path, const char *labels_path, cj_dataset *d, cj_error *err);
void cj_dataset_free(cj_dataset *d);
/* The shape of one image of an IDX image file, {1, h, w}, from its header
 * alone (the data are not read). */
/* The images alone (no labels: d->y is NULL, n_classes 0), pixels/255. */
cj_status cj_idx_load_images(const char *images_path, cj_dataset *d, cj_error *err);
cj_status cj_idx_image_shape(const char *images_path, cj_shape *shape, cj_error *err);

/* Mean and standard deviation of all inputs (use the training set's for
 * both training and test data). */
void cj_dataset_stats(const cj_dataset *d, float *mean, float *sd);
/* Map [0, 1] pixels to the requested scale; mean and sd are used by
 * CJ_SCALE_STANDARD only. */
void cj_dataset_rescale(cj_dataset *d, cj_pixel_scale scale, float mean, float sd);
cj_status cj_pixel_scale_parse(const char *name, cj_pixel_scale *scale, cj_error *err);
/* "unit", "raw" or "standard": the names cj_pixel_scale_parse reads. */
const char *cj_pixel_scale_name(cj_pixel_scale scale);

#endif
