/* evaluate.c — loss and accuracy of a model on a data source: the
 * trainer's per-epoch validation and test numbers and `cajal eval` on a
 * saved model file are computed by the same loop, so they agree. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cajal/model_file.h"
#include "cajal/rules.h"

/* sum_b mask_b [argmax(pred_b) == label_b]: the mask-weighted count of
 * correct rows. */
static double weighted_correct(const float *pred, const int *labels, const float *mask, int batch, int dim)
{
    double correct = 0.0;
    for (int b = 0; b < batch; b++) {
        if (mask[b] == 0) continue;
        const float *z = pred + (size_t)b * dim;
        int best = 0;
        for (int j = 1; j < dim; j++)
            if (z[j] > z[best]) best = j;
        correct += best == labels[b] ? mask[b] : 0.0;
    }
    return correct;
}

/* Score each trial of the batch just filled from a task source on the
 * model's outputs [T, B, dim] at every step. */
static void score_trials(const cj_source *src, const float *out, int B, int dim, int *correct, int *trials)
{
    int n_tasks, filled;
    const cj_task *tasks = cj_source_tasks(src, &n_tasks);
    const int *task_of;
    const cj_trial *tr = cj_source_task_trials(src, &task_of, &filled);
    for (int b = 0; b < B && b < filled; b++) {
        cj_trial_score s = cj_task_score(&tasks[task_of[b]], &tr[b], out + (size_t)b * dim, (size_t)B * dim);
        correct[task_of[b]] += s.correct;
        trials[task_of[b]]++;
    }
}

/* The evaluation noise's seed ("eval"), plus the layer's index. */
#define EVAL_NOISE_SEED 0x6576616cULL

cj_status cj_evaluate(cj_model *m, const cj_objective *loss, cj_source *src, cj_batch *batch, cj_eval_result *r,
                      cj_error *err)
{
    int chunk = m->max_batch;
    if (batch->cap.B < chunk)
        return cj_fail(err, CJ_ERR_ARG, "%s: evaluating in chunks of %d through a batch buffer of %d", src->name,
                       chunk, batch->cap.B);
    if (src->T > 1 && src->T > m->max_steps)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: sequences of %d steps, but the model was built for %d", src->name,
                       src->T, m->max_steps);
    /* Evaluating draws recurrent noise from the layers' streams. They are
     * set to one fixed evaluation stream per layer first, so a test set
     * meets the same noise at every epoch and from the model file alone
     * (`cajal eval` reproduces metrics.jsonl), and put back afterwards, so
     * evaluation does not change the training run. */
    int n_streams = cj_model_n_streams(m);
    int *idx = malloc(sizeof(int) * (size_t)chunk);
    cj_rng *streams = n_streams ? malloc(sizeof(cj_rng) * (size_t)n_streams) : NULL;
    if (!idx || (n_streams && !streams)) {
        free(idx);
        free(streams);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", src->name);
    }
    if (streams) {
        cj_model_save_streams(m, streams);
        for (int i = 0; i < m->n_layers; i++) {
            cj_rng *lr = cj_layer_rng(&m->layers[i]);
            if (lr) cj_rng_seed(lr, EVAL_NOISE_SEED + (uint64_t)i);
        }
    }
    int dim = (int)cj_shape_size(cj_model_output_shape(m));
    /* Each chunk's mean loss weighs by its rows (or their mask): without
     * a mask, exactly the sum of the per-chunk sums over n. */
    double total = 0.0, weight = 0.0, correct = 0.0;
    int is_task = cj_source_is_task(src), task_correct[CJ_SOURCE_MAX_TASKS] = {0};
    memset(r->task_trials, 0, sizeof r->task_trials);
    cj_status st = CJ_OK;
    for (int start = 0; start < src->n; start += chunk) {
        int b = src->n - start < chunk ? src->n - start : chunk;
        for (int i = 0; i < b; i++) idx[i] = start + i;
        if ((st = cj_source_fill(src, idx, b, batch, err))) break;
        cj_target t = {.labels = batch->labels, .values = batch->values, .steps = batch->target_steps,
                       .mask = batch->mask, .value_weights = batch->value_weights};
        /* The rows compared: every step's output with per-step targets,
         * else the last step's (the only one when T = 1). */
        int T = batch->T, rows = batch->target_steps * b;
        const float *out;
        float L;
        if (T == 1) {
            out = cj_model_forward(m, batch->x, b);
            L = cj_loss_eval(loss, out, &t, b, dim, NULL, NULL);
        } else {
            cj_model_reset(m, b);
            out = cj_model_forward_seq(m, batch->x, T, b);
            L = cj_output_loss(loss, m, &t, NULL, NULL);
            if (is_task) score_trials(src, out, b, dim, task_correct, r->task_trials);
            if (batch->target_steps == 1) out += (size_t)(T - 1) * b * dim;
        }
        double w = rows;
        if (batch->mask) {
            w = 0.0;
            for (int i = 0; i < rows; i++) w += batch->mask[i];
        }
        total += (double)L * w;
        weight += w;
        if (batch->labels)
            correct += batch->mask ? weighted_correct(out, batch->labels, batch->mask, rows, dim)
                                   : cj_count_correct(out, batch->labels, rows, dim);
    }
    if (streams) cj_model_restore_streams(m, streams);
    free(streams);
    free(idx);
    if (st) return st;
    r->samples = src->n;
    r->loss = weight > 0 ? total / weight : NAN;
    r->accuracy = src->target == CJ_TARGET_LABELS && weight > 0 ? correct / weight : NAN;
    r->n_tasks = 0;
    const cj_task *tasks = is_task ? cj_source_tasks(src, &r->n_tasks) : NULL;
    for (int k = 0; k < r->n_tasks; k++) {
        r->performance[k] = r->task_trials[k] ? (double)task_correct[k] / r->task_trials[k] : NAN;
        memcpy(r->task_names[k], tasks[k].name, CJ_TASK_NAME_MAX);
    }
    return CJ_OK;
}

/* The data must be what the model was trained on: the same kind of
 * targets, the same input shape, no label beyond its classes, as many
 * values per target as outputs. */
static cj_status check_data(const cj_source *d, const cj_model_info *info, const char *model_path,
                            const cj_data_files *files, cj_error *err)
{
    if (d->target != info->targets)
        return cj_fail(err, CJ_ERR_ARG, "%s was trained on %s (metadata targets) but %s come with %s", model_path,
                       cj_target_kind_name(info->targets), files->inputs, cj_target_kind_name(d->target));
    cj_shape a = d->step, b = info->input;
    if (a.c != b.c || a.h != b.h || a.w != b.w)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: %s are %dx%dx%d but %s takes %dx%dx%d (metadata input_shape)",
                       files->inputs, info->format == CJ_DATA_IDX ? "images" : "inputs", a.c, a.h, a.w, model_path,
                       b.c, b.h, b.w);
    if (d->target == CJ_TARGET_LABELS && d->n_classes > info->classes)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: labels go up to %d but %s was trained on %d classes (metadata "
                       "classes)", files->labels, d->n_classes - 1, model_path, info->classes);
    if (d->target != CJ_TARGET_LABELS && d->dim != info->classes)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: %d values per target but %s has %d outputs (metadata classes)",
                       d->target == CJ_TARGET_COUNTS ? files->counts : files->targets, d->dim, model_path,
                       info->classes);
    return CJ_OK;
}

cj_status cj_model_file_open_data(const char *model_path, const cj_data_files *files, int max_batch, cj_model *m,
                                  cj_model_info *info, cj_source *src, cj_error *err)
{
    if (max_batch < 1) return cj_fail(err, CJ_ERR_ARG, "batch %d: must be at least 1", max_batch);
    /* The metadata says how to read the data; the data how long a
     * sequence the model must take. */
    cj_status st = cj_model_file_info(model_path, info, err);
    if (st) return st;
    if ((st = cj_source_open(info->format, files, info->sequence, src, err))) return st;
    if (!(st = check_data(src, info, model_path, files, err)) &&
        !(st = cj_model_from_file_seq(model_path, src->T, max_batch, m, info, err))) {
        /* The training set's statistics, as stored: the same inputs the
         * trainer's own evaluation saw. */
        cj_source_set_scale(src, info->format, info->scale, info->scale_mean, info->scale_std);
        return CJ_OK;
    }
    cj_source_free(src);
    return st;
}

cj_status cj_model_file_evaluate(const char *model_path, const cj_data_files *files, int batch,
                                 cj_model_info *info, cj_eval_result *r, cj_error *err)
{
    cj_model m;
    cj_source d;
    cj_status st = cj_model_file_open_data(model_path, files, batch, &m, info, &d, err);
    if (st) return st;
    cj_batch buf;
    if (!(st = cj_batch_alloc(&buf, &d, batch, err))) {
        cj_objective objective = cj_objective_of(info->loss);
        st = cj_evaluate(&m, &objective, &d, &buf, r, err);
        cj_batch_free(&buf);
    }
    cj_model_free(&m);
    cj_source_free(&d);
    return st;
}

cj_status cj_model_file_open_task(const char *model_path, int n_trials, uint64_t seed, uint64_t stream,
                                  int max_batch, cj_model *m, cj_model_info *info, cj_source *src, cj_error *err)
{
    if (max_batch < 1) return cj_fail(err, CJ_ERR_ARG, "batch %d: must be at least 1", max_batch);
    cj_status st = cj_model_file_info(model_path, info, err);
    if (st) return st;
    if (info->format != CJ_DATA_TASK)
        return cj_fail(err, CJ_ERR_ARG, "%s was trained on %s data, not on tasks (metadata data_format)", model_path,
                       cj_data_format_name(info->format));
    cj_task tasks[CJ_SOURCE_MAX_TASKS];
    int n;
    cj_error inner;
    if ((st = cj_tasks_parse(info->task, tasks, CJ_SOURCE_MAX_TASKS, &n, &inner)))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: metadata task: %s", model_path, inner.msg);
    if ((st = cj_source_task(tasks, n, n_trials, seed, stream, src, err))) return st;
    if ((st = cj_model_from_file_seq(model_path, src->T, max_batch, m, info, err))) {
        cj_source_free(src);
        return st;
    }
    cj_source_set_scale(src, info->format, info->scale, info->scale_mean, info->scale_std);
    return CJ_OK;
}

cj_status cj_model_file_evaluate_task(const char *model_path, int n_trials, uint64_t seed, uint64_t stream,
                                      int batch, cj_model_info *info, cj_eval_result *r, cj_error *err)
{
    cj_model m;
    cj_source src;
    cj_status st = cj_model_file_open_task(model_path, n_trials, seed, stream, batch, &m, info, &src, err);
    if (st) return st;
    cj_batch buf;
    if (!(st = cj_batch_alloc(&buf, &src, batch, err))) {
        cj_objective objective = cj_objective_of(info->loss);
        st = cj_evaluate(&m, &objective, &src, &buf, r, err);
        cj_batch_free(&buf);
    }
    cj_model_free(&m);
    cj_source_free(&src);
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
    if (ok && r->n_tasks) {
        cJSON *perf = cJSON_AddObjectToObject(o, "performance");
        ok = perf != NULL;
        for (int k = 0; ok && k < r->n_tasks; k++)
            ok = cJSON_AddNumberToObject(perf, r->task_names[k], r->performance[k]) != NULL;
    }
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
