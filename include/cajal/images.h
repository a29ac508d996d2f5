/* images.h — stimulus image sets for recording a model like a brain
 * (`cajal record --images`): a folder of PNG files, or a MATLAB struct
 * array of images such as the 92-image set of Kriegeskorte et al. (2008,
 * Neuron 60:1126), `stimuli_92objs(k).image` 175x175x3 uint8.
 *
 *     cj_image_set s;
 *     if (cj_image_set_load("../shared/data/rsa92/Kriegeskorte_Neuron2008_supplementalData.mat", &s, &err)) ...
 *     // s.n = 92; s.img[k].rgb is [h, w, 3] in [0, 1]; s.names[k] = "image001"; s.category[k] = "human face"
 *     float *x = malloc(sizeof(float) * 92 * 28 * 28);
 *     cj_image_to_input(&s.img[k], 1, 28, 28, x + k * 784);
 *     cj_image_set_free(&s);
 *
 * A .mat file: the first variable that is a struct array with an `image`
 * field (a [h, w, 3] RGB or [h, w] grey array; uint8 is divided by 255,
 * other classes are taken as already in [0, 1]); when the struct has a
 * `category` field (text) and the 0/1 fields human, face, animal,
 * natural, they are kept for figures (categories.csv). A folder: every
 * *.png in it, in byte order of the names (cairo reads PNG; alpha is
 * composited on white). */
#ifndef CAJAL_IMAGES_H
#define CAJAL_IMAGES_H
#include "cajal/status.h"

typedef struct {
    int h, w;   /* pixels */
    float *rgb; /* [h, w, 3] in [0, 1], row-major, channels last */
} cj_image;

enum { CJ_IMAGE_FLAGS = 4 }; /* human, face, animal, natural */

typedef struct {
    int n;
    cj_image *img;    /* [n] */
    char **names;     /* [n]: file names, or "image001".. for a .mat */
    char **category;  /* [n] or NULL: the category name of each image */
    int *flags;       /* [n, CJ_IMAGE_FLAGS] 0/1, or NULL (see CJ_IMAGE_FLAG_NAMES) */
} cj_image_set;

/* "human", "face", "animal", "natural": the flag columns of categories.csv. */
extern const char *const CJ_IMAGE_FLAG_NAMES[CJ_IMAGE_FLAGS];

/* Load `path`, a folder of PNG images or a .mat file (by its extension).
 * Images larger than 4096 x 4096, an empty folder, a .mat file without a
 * struct array of images, and an image that is not [h, w, 3] or [h, w] are
 * errors naming the file and the image. */
cj_status cj_image_set_load(const char *path, cj_image_set *out, cj_error *err);
void cj_image_set_free(cj_image_set *s);

/* One image as a model input [channels, H, W] (NCHW, channels 1 or 3):
 * resized to H x W by area averaging when it shrinks (each output pixel is
 * the mean of the source pixels its footprint covers, partly covered ones
 * weighted by the covered fraction; OpenCV's INTER_AREA) and by bilinear
 * interpolation with half-pixel centres when it grows (PyTorch's
 * interpolate(align_corners=False)), each axis on its own; and for one
 * channel made grey by luminance, Y = 0.299 R + 0.587 G + 0.114 B
 * (ITU-R BT.601, PIL's convert("L")). Values stay in [0, 1]. */
void cj_image_to_input(const cj_image *im, int channels, int H, int W, float *out);

#endif
