/* record_file.c — record a saved model's units (cj_model_file_record in
 * record.h): the model rebuilt from its file's metadata, the stimuli read
 * and scaled as its training inputs were, then cj_record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/data.h"
#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/model_file.h"
#include "cajal/npy.h"
#include "cajal/record.h"
#include "cajal/source.h"

/* The stimuli as floats [n, T, input], in the form the model was trained
 * on: IDX images (pixel/255) or a .npy array of the training inputs' shape. */
static cj_status read_stimuli(const char *path, const cj_model_info *info, float **x, int *n, int *T, cj_error *err)
{
    size_t in = cj_shape_size(info->input);
    if (info->format == CJ_DATA_IDX) {
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
    *x = a.data; /* taken over */
    *n = (int)a.shape[0];
    *T = steps;
    return CJ_OK;
}

/* stimuli.txt: one line per stimulus, its row in the inputs file. */
static cj_status write_stimuli(const char *out_dir, const char *inputs, int n, cj_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) fprintf(f, "%s:%d\n", inputs, i);
    int bad = ferror(f);
    if (fclose(f) || bad) {
        free(text);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    char *path = cj_path_join(out_dir, "stimuli.txt");
    cj_status st = path ? cj_write_file_atomic(path, text, len, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(path);
    free(text);
    return st;
}

cj_status cj_model_file_record(const char *model_path, const char *inputs, int batch, const char *out_dir,
                               int *n_stimuli, cj_error *err)
{
    if (batch < 1) return cj_fail(err, CJ_ERR_ARG, "batch %d: must be at least 1", batch);
    cj_model_info info;
    cj_status st = cj_model_file_info(model_path, &info, err);
    float *x = NULL;
    int n = 0, T = 1;
    if (!st) st = read_stimuli(inputs, &info, &x, &n, &T, err);
    if (st) return st;
    /* The training inputs' scaling, as stored in the metadata. */
    cj_source scale = {0};
    cj_source_set_scale(&scale, info.format, info.scale, info.scale_mean, info.scale_std);
    size_t len = (size_t)n * T * cj_shape_size(info.input);
    if (scale.x_scaled)
        for (size_t i = 0; i < len; i++) x[i] = (x[i] - scale.x_offset) * scale.x_gain;
    cj_model m;
    if (!(st = cj_model_from_file_seq(model_path, T, batch, &m, &info, err))) {
        st = cj_record(&m, x, n, T, out_dir, err);
        if (!st) st = write_stimuli(out_dir, inputs, n, err);
        cj_model_free(&m);
    }
    free(x);
    if (!st && n_stimuli) *n_stimuli = n;
    return st;
}
