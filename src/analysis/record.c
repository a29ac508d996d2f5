/* record.c — every layer's response to a set of inputs, as .npy (record.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/npy.h"
#include "cajal/record.h"

void cj_record_file_name(const cj_model *m, int i, char *buf, size_t len)
{
    snprintf(buf, len, "%d_%s.npy", i, m->layers[i].ops->word);
}

/* [n, (T,) C (, H, W)]: flat layers drop their unit height and width. */
static int layer_shape(const cj_layer *l, int n, int T, int64_t *shape)
{
    int d = 0;
    shape[d++] = n;
    if (T > 1) shape[d++] = T;
    shape[d++] = l->out.c;
    if (l->out.h > 1 || l->out.w > 1) {
        shape[d++] = l->out.h;
        shape[d++] = l->out.w;
    }
    return d;
}

static cj_status write_index(const cj_model *m, int T, int n, const char *out_dir, cj_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", out_dir);
    for (int i = 0; i < m->n_layers; i++) {
        char name[64];
        int64_t shape[6];
        int d = layer_shape(&m->layers[i], n, T, shape);
        cj_record_file_name(m, i, name, sizeof name);
        fprintf(f, "%s %s ", name, cj_layer_name(&m->layers[i]));
        for (int k = 0; k < d; k++) fprintf(f, "%s%lld", k ? "x" : "", (long long)shape[k]);
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fclose(f) || bad) {
        free(text);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", out_dir);
    }
    char *path = cj_path_join(out_dir, "layers.txt");
    cj_status st = path ? cj_write_file_atomic(path, text, len, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(path);
    free(text);
    return st;
}

cj_status cj_record(cj_model *m, const float *x, int n, int T, const char *out_dir, cj_error *err)
{
    if (n < 1) return cj_fail(err, CJ_ERR_ARG, "%s: nothing to record (%d samples)", out_dir, n);
    if (T < 1 || T > m->max_steps)
        return cj_fail(err, CJ_ERR_ARG, "%s: %d steps per sample, but the model was built for at most %d", out_dir, T,
                       m->max_steps);
    size_t in = cj_shape_size(m->input);
    float **rec = calloc((size_t)m->n_layers, sizeof *rec);
    cj_status st = rec ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int i = 0; !st && i < m->n_layers; i++) {
        size_t size = (size_t)n * T * cj_shape_size(m->layers[i].out);
        if (!(rec[i] = malloc(sizeof(float) * size)))
            st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %zu floats of layer %d", out_dir, size, i);
    }
    for (int start = 0; !st && start < n; start += m->max_batch) {
        int b = n - start < m->max_batch ? n - start : m->max_batch;
        /* sample-major [b, T, in] -> time-major [T, b, in] */
        for (int s = 0; s < b; s++)
            for (int t = 0; t < T; t++)
                memcpy(m->acts[0] + ((size_t)t * b + s) * in, x + (((size_t)start + s) * T + t) * in,
                       sizeof(float) * in);
        cj_model_reset(m, b);
        cj_model_forward_seq(m, m->acts[0], T, b);
        for (int i = 0; i < m->n_layers; i++) {
            size_t size = cj_shape_size(m->layers[i].out);
            for (int s = 0; s < b; s++)
                for (int t = 0; t < T; t++)
                    memcpy(rec[i] + (((size_t)start + s) * T + t) * size, m->acts[i + 1] + ((size_t)t * b + s) * size,
                           sizeof(float) * size);
        }
    }
    if (!st) st = cj_make_dirs(out_dir, err);
    for (int i = 0; !st && i < m->n_layers; i++) {
        char name[64];
        int64_t shape[6];
        int d = layer_shape(&m->layers[i], n, T, shape);
        cj_record_file_name(m, i, name, sizeof name);
        char *path = cj_path_join(out_dir, name);
        st = path ? cj_npy_write_f32(path, d, shape, rec[i], err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        free(path);
    }
    if (!st) st = write_index(m, T, n, out_dir, err);
    for (int i = 0; rec && i < m->n_layers; i++) free(rec[i]);
    free(rec);
    return st;
}
