/* record_file.c — record a saved model's units (cj_model_file_record in
 * record.h): the model rebuilt from its file's metadata, the stimuli read
 * and scaled as its training inputs were, then cj_record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/data.h"
#include "cajal/files.h"
#include "cajal/images.h"
#include "cajal/io.h"
#include "cajal/model_file.h"
#include "cajal/npy.h"
#include "cajal/record.h"
#include "cajal/source.h"

/* Whether path starts as a .npy file does ("\x93NUMPY"). */
static int starts_as_npy(const char *path)
{
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    unsigned char head[6];
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    return got == sizeof head && !memcmp(head, magic, sizeof magic);
}

/* A model trained on IDX images takes .npy stimuli in the units its IDX
 * pixels become, pixel/255: anything outside [0, 1] (stimuli in 0..255, or
 * NaN) would be scaled into nonsense without a word, so it is an error. */
static cj_status check_pixel_range(const char *path, const float *x, int n, size_t in, cj_error *err)
{
    for (size_t i = 0; i < (size_t)n * in; i++)
        if (!(x[i] >= 0.0f && x[i] <= 1.0f))
            return cj_fail(err, CJ_ERR_FORMAT,
                           "%s: stimulus %zu, element %zu is %g, but a model trained on IDX images takes .npy "
                           "stimuli as pixel/255, from 0 to 1",
                           path, i / in, i % in, (double)x[i]);
    return CJ_OK;
}

/* The stimuli as floats [n, T, input], in the form the model was trained
 * on: IDX images (pixel/255) or a .npy array of the training inputs' shape;
 * for a model trained on IDX images also a float32 .npy [N, ...] of
 * pixel/255 values (stimuli made in NumPy: gratings, noise). */
static cj_status read_stimuli(const char *path, const cj_model_info *info, float **x, int *n, int *T, cj_error *err)
{
    size_t in = cj_shape_size(info->input);
    int npy_pixels = info->format == CJ_DATA_IDX && starts_as_npy(path);
    if (info->format == CJ_DATA_IDX && !npy_pixels) {
        cj_dataset d;
        cj_status st = cj_idx_load_images(path, &d, err);
        if (st) return st;
        if (cj_shape_size(d.shape) != in) {
            st = cj_fail(err, CJ_ERR_SHAPE, "%s: images are %dx%d but the model takes %dx%dx%d (metadata input_shape)",
                         path, d.shape.h, d.shape.w, info->input.c, info->input.h, info->input.w);
            cj_dataset_free(&d);
            return st;
        }
        *x = d.x; /* taken over */
        *n = d.n;
        *T = 1;
        return CJ_OK;
    }
    cj_npy_array a;
    cj_status st = cj_npy_read(path, CJ_NPY_F32, &a, err);
    if (st) return st;
    size_t per = a.ndim >= 1 && a.shape[0] > 0 ? a.numel / (size_t)a.shape[0] : 0;
    int steps = info->sequence && a.ndim == 3 ? (int)a.shape[1] : 1;
    if (a.ndim < 1 || a.shape[0] < 1 || a.shape[0] > CJ_MAX_ELEMENTS || per != (size_t)steps * in ||
        (info->sequence && a.ndim != 3)) {
        char shape[96];
        int len = 0;
        for (int d = 0; d < a.ndim && len < 80; d++) len += snprintf(shape + len, sizeof shape - len, "%s%lld",
                                                                    d ? "x" : "", (long long)a.shape[d]);
        if (a.ndim == 0) snprintf(shape, sizeof shape, "a scalar");
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: stimuli are %s but the model takes %s of %zu inputs (metadata "
                     "input_shape %d,%d,%d)", path, shape, info->sequence ? "[N, T, F] sequences" : "[N, ...] samples",
                     in, info->input.c, info->input.h, info->input.w);
        cj_npy_free(&a);
        return st;
    }
    if (npy_pixels && (st = check_pixel_range(path, a.data, (int)a.shape[0], in, err))) {
        cj_npy_free(&a);
        return st;
    }
    *x = a.data; /* taken over */
    *n = (int)a.shape[0];
    *T = steps;
    return CJ_OK;
}

/* stimuli.txt: one line per stimulus, its row in the inputs file, or its
 * name in `names`; or (csv) categories.csv from an image set. */
static cj_status write_text(const char *out_dir, const char *file, const char *inputs, int n,
                            const cj_image_set *set, cj_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (set && set->category && !strcmp(file, "categories.csv")) {
        fprintf(f, "stimulus,category");
        for (int j = 0; j < CJ_IMAGE_FLAGS; j++) fprintf(f, ",%s", CJ_IMAGE_FLAG_NAMES[j]);
        fputc('\n', f);
        for (int i = 0; i < n; i++) {
            fprintf(f, "%s,%s", set->names[i], set->category[i]);
            for (int j = 0; j < CJ_IMAGE_FLAGS; j++) fprintf(f, ",%d", set->flags[i * CJ_IMAGE_FLAGS + j]);
            fputc('\n', f);
        }
    } else {
        for (int i = 0; i < n; i++)
            if (set) fprintf(f, "%s\n", set->names[i]);
            else fprintf(f, "%s:%d\n", inputs, i);
    }
    int bad = ferror(f);
    if (fclose(f) || bad) {
        free(text);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    char *path = cj_path_join(out_dir, file);
    cj_status st = path ? cj_write_file_atomic(path, text, len, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(path);
    free(text);
    return st;
}

cj_status cj_model_file_read_stimuli(const char *inputs, const cj_model_info *info, float **x, int *n, int *T,
                                     cj_error *err)
{
    cj_status st = read_stimuli(inputs, info, x, n, T, err);
    if (st) return st;
    /* The training inputs' scaling, as stored in the metadata. */
    cj_source scale = {0};
    cj_source_set_scale(&scale, info->format, info->scale, info->scale_mean, info->scale_std);
    size_t len = (size_t)*n * *T * cj_shape_size(info->input);
    if (scale.x_scaled)
        for (size_t i = 0; i < len; i++) (*x)[i] = ((*x)[i] - scale.x_offset) * scale.x_gain;
    return CJ_OK;
}

cj_status cj_model_file_record(const char *model_path, const char *inputs, int batch, const char *out_dir,
                               int *n_stimuli, cj_error *err)
{
    if (batch < 1) return cj_fail(err, CJ_ERR_ARG, "batch %d: must be at least 1", batch);
    cj_model_info info;
    cj_status st = cj_model_file_info(model_path, &info, err);
    float *x = NULL;
    int n = 0, T = 1;
    if (!st) st = cj_model_file_read_stimuli(inputs, &info, &x, &n, &T, err);
    if (st) return st;
    cj_model m;
    if (!(st = cj_model_from_file_seq(model_path, T, batch, &m, &info, err))) {
        st = cj_record(&m, x, n, T, out_dir, err);
        if (!st) st = write_text(out_dir, "stimuli.txt", inputs, n, NULL, err);
        cj_model_free(&m);
    }
    free(x);
    if (!st && n_stimuli) *n_stimuli = n;
    return st;
}

/* Names (and categories) must not break the one-per-line / CSV files. */
static cj_status check_names(const cj_image_set *s, const char *images, cj_error *err)
{
    for (int i = 0; i < s->n; i++) {
        if (strpbrk(s->names[i], "\n\r,"))
            return cj_fail(err, CJ_ERR_FORMAT, "%s: image name '%s' holds a comma or a line break", images,
                           s->names[i]);
        if (s->category && strpbrk(s->category[i], "\n\r,"))
            return cj_fail(err, CJ_ERR_FORMAT, "%s: image %d's category '%s' holds a comma or a line break", images,
                           i + 1, s->category[i]);
    }
    return CJ_OK;
}

cj_status cj_model_file_record_images(const char *model_path, const char *images, int batch, const char *out_dir,
                                      int *n_stimuli, cj_error *err)
{
    if (batch < 1) return cj_fail(err, CJ_ERR_ARG, "batch %d: must be at least 1", batch);
    cj_model_info info;
    cj_status st = cj_model_file_info(model_path, &info, err);
    if (st) return st;
    int C = info.input.c, H = info.input.h, W = info.input.w;
    if (info.sequence || info.format == CJ_DATA_TASK || (C != 1 && C != 3))
        return cj_fail(err, CJ_ERR_SHAPE, "%s: takes inputs of %dx%dx%d (metadata input_shape)%s; --images needs a "
                       "model of 1 (grey) or 3 (RGB) channels", model_path, C, H, W,
                       info.sequence ? " as sequences" : "");
    cj_image_set set;
    if ((st = cj_image_set_load(images, &set, err))) return st;
    if ((st = check_names(&set, images, err))) {
        cj_image_set_free(&set);
        return st;
    }
    size_t per = (size_t)C * H * W;
    float *x = malloc(sizeof(float) * per * set.n);
    if (!x) {
        cj_image_set_free(&set);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d images", images, set.n);
    }
    cj_source scale = {0};
    cj_source_set_scale(&scale, info.format, info.scale, info.scale_mean, info.scale_std);
    for (int k = 0; k < set.n; k++) {
        float *xk = x + per * k;
        cj_image_to_input(&set.img[k], C, H, W, xk);
        if (scale.x_scaled)
            for (size_t i = 0; i < per; i++) xk[i] = (xk[i] - scale.x_offset) * scale.x_gain;
    }
    cj_model m;
    if (!(st = cj_model_from_file_seq(model_path, 1, batch, &m, &info, err))) {
        st = cj_record(&m, x, set.n, 1, out_dir, err);
        if (!st) st = write_text(out_dir, "stimuli.txt", images, set.n, &set, err);
        if (!st && set.category) st = write_text(out_dir, "categories.csv", images, set.n, &set, err);
        cj_model_free(&m);
    }
    if (!st && n_stimuli) *n_stimuli = set.n;
    free(x);
    cj_image_set_free(&set);
    return st;
}
