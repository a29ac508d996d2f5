/* evaluate.c — loss and accuracy of a model on a labelled data set: the
 * trainer's per-epoch test numbers and `cajal eval` on a saved model file
 * are computed by the same loop, so they agree. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cajal/model_file.h"

void cj_evaluate(cj_model *m, cj_loss_kind loss, const cj_dataset *d, cj_eval_result *r)
{
    size_t in = cj_shape_size(d->shape);
    int dim = (int)cj_shape_size(cj_model_output_shape(m));
    double total = 0.0;
    long correct = 0;
    for (int start = 0; start < d->n; start += m->max_batch) {
        int b = d->n - start < m->max_batch ? d->n - start : m->max_batch;
        const float *out = cj_model_forward(m, d->x + (size_t)start * in, b);
        cj_target t = {.labels = d->y + start};
        total += (double)cj_loss_eval(loss, out, &t, b, dim, NULL, NULL) * b;
        correct += cj_count_correct(out, d->y + start, b, dim);
    }
    r->samples = d->n;
    r->loss = d->n ? total / d->n : NAN;
    r->accuracy = d->n ? (double)correct / d->n : NAN;
}

/* The data must be what the model was trained on: same sample shape, no
 * label beyond its classes. */
static cj_status check_data(const cj_dataset *d, const cj_model_info *info, const char *model_path,
                            const char *images, const char *labels, cj_error *err)
{
    cj_shape a = d->shape, b = info->input;
    if (a.c != b.c || a.h != b.h || a.w != b.w)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: images are %dx%dx%d but %s takes %dx%dx%d (metadata input_shape)",
                       images, a.c, a.h, a.w, model_path, b.c, b.h, b.w);
    if (d->n_classes > info->classes)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: labels go up to %d but %s was trained on %d classes (metadata "
                       "classes)", labels, d->n_classes - 1, model_path, info->classes);
    return CJ_OK;
}

cj_status cj_model_file_evaluate(const char *model_path, const char *images, const char *labels, int batch,
                                 cj_model_info *info, cj_eval_result *r, cj_error *err)
{
    if (batch < 1) return cj_fail(err, CJ_ERR_ARG, "batch %d: must be at least 1", batch);
    cj_model m;
    cj_status st = cj_model_from_file(model_path, batch, &m, info, err);
    if (st) return st;
    cj_dataset d;
    if (!(st = cj_idx_load(images, labels, &d, err))) {
        if (!(st = check_data(&d, info, model_path, images, labels, err))) {
            /* The training set's statistics, as stored: the same inputs
             * the trainer's own evaluation saw. */
            cj_dataset_rescale(&d, info->scale, info->scale_mean, info->scale_std);
            cj_evaluate(&m, info->loss, &d, r);
        }
        cj_dataset_free(&d);
    }
    cj_model_free(&m);
    return st;
}

cj_status cj_eval_write_json(const char *json_path, const char *model_path, const char *data,
                             const cj_model_info *info, const cj_eval_result *r, cj_error *err)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "model", model_path) && cJSON_AddStringToObject(o, "data", data) &&
             cJSON_AddNumberToObject(o, "samples", r->samples) && cJSON_AddNumberToObject(o, "loss", r->loss) &&
             cJSON_AddNumberToObject(o, "accuracy", r->accuracy) &&
             cJSON_AddNumberToObject(o, "epoch", info->epoch);
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory building the JSON", json_path);
    size_t len = strlen(text);
    char *line = malloc(len + 2);
    cj_status st;
    if (!line) {
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", json_path);
    } else {
        memcpy(line, text, len);
        line[len] = '\n';
        st = cj_write_file_atomic(json_path, line, len + 1, err);
        free(line);
    }
    cJSON_free(text);
    return st;
}
