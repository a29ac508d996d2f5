/* task_run.c — a network run on task trials, kept trial by trial
 * (include/cajal/task_run.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/task_run.h"

/* Copy [steps, B, size] time-major activity into rows start.. of a
 * trial-major [n, T, size] array (steps <= T; the rest stays as it is). */
static void to_trial_major(float *dst, const float *src, int start, int B, int steps, int T, size_t size)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < steps; t++)
            memcpy(dst + (((size_t)start + b) * T + t) * size, src + ((size_t)t * B + b) * size, sizeof(float) * size);
}

cj_status cj_task_run_model(cj_model *m, cj_source *src, int n, const cj_task_run_options *opt, cj_task_run *out,
                            cj_error *err)
{
    memset(out, 0, sizeof *out);
    out->layer = out->state_layer = -1;
    if (!cj_source_is_task(src)) return cj_fail(err, CJ_ERR_ARG, "%s is not a task source", src->name);
    if (n < 1 || n > src->n)
        return cj_fail(err, CJ_ERR_ARG, "%s: %d trials asked of %d", src->name, n, src->n);
    if (src->T > m->max_steps)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: trials of %d steps, but the model was built for %d", src->name, src->T,
                       m->max_steps);
    if (opt->layer >= m->n_layers || opt->state_layer >= m->n_layers)
        return cj_fail(err, CJ_ERR_ARG, "layer %d: the model has layers 0 to %d",
                       opt->layer >= m->n_layers ? opt->layer : opt->state_layer, m->n_layers - 1);
    if (opt->state_layer >= 0 && !cj_layer_is_recurrent(&m->layers[opt->state_layer]))
        return cj_fail(err, CJ_ERR_ARG, "layer %d (%s) has no state to record", opt->state_layer,
                       cj_layer_name(&m->layers[opt->state_layer]));
    const cj_task *tasks = cj_source_tasks(src, &out->n_tasks);
    memcpy(out->tasks, tasks, sizeof *tasks * (size_t)out->n_tasks);
    int T = src->T, chunk = m->max_batch;
    out->n = n;
    out->T = T;
    out->n_out = (int)cj_shape_size(cj_model_output_shape(m));
    if (opt->layer >= 0) {
        out->layer = opt->layer;
        out->units = (int)cj_shape_size(m->layers[opt->layer].out);
    }
    if (opt->state_layer >= 0) {
        out->state_layer = opt->state_layer;
        out->state_size = (int)m->layers[opt->state_layer].ops->state_floats(&m->layers[opt->state_layer]);
    }
    cj_batch batch;
    cj_status st = cj_batch_alloc(&batch, src, chunk, err);
    if (st) return st;
    int n_streams = cj_model_n_streams(m);
    cj_rng *streams = n_streams ? malloc(sizeof(cj_rng) * (size_t)n_streams) : NULL;
    int *idx = malloc(sizeof(int) * (size_t)chunk);
    out->trials = malloc(sizeof *out->trials * (size_t)n);
    out->task_of = malloc(sizeof(int) * (size_t)n);
    out->scores = malloc(sizeof *out->scores * (size_t)n);
    /* Zeroed: a batch of shorter tasks (cj_source_task_set_active) fills
     * fewer than T steps, and the steps after it stay 0. */
    if (opt->keep_outputs) out->outputs = calloc((size_t)n * T * out->n_out, sizeof(float));
    if (out->units) out->states = calloc((size_t)n * T * out->units, sizeof(float));
    /* Stepping one step at a time: the outputs of all steps, assembled. */
    float *y_all = out->state_size ? malloc(sizeof(float) * (size_t)T * chunk * out->n_out) : NULL;
    float *acts_all = out->state_size && out->units ? malloc(sizeof(float) * (size_t)T * chunk * out->units) : NULL;
    if (out->state_size) out->hidden = calloc((size_t)n * T * out->state_size, sizeof(float));
    if ((n_streams && !streams) || !idx || !out->trials || !out->task_of || !out->scores ||
        (opt->keep_outputs && !out->outputs) || (out->units && !out->states) ||
        (out->state_size && (!y_all || !out->hidden || (out->units && !acts_all))))
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d trials", src->name, n);
    if (!st && streams) cj_model_save_streams(m, streams);
    for (int start = 0; !st && start < n; start += chunk) {
        int b = n - start < chunk ? n - start : chunk;
        for (int i = 0; i < b; i++) idx[i] = start + i;
        if ((st = cj_source_fill(src, idx, b, &batch, err))) break;
        /* The batch's own length: the longest trial its tasks allow, at
         * most T (fewer when only some of the tasks are drawn). */
        const int steps = batch.T;
        cj_model_reset(m, b);
        const float *y, *acts = NULL;
        if (out->state_size) {
            const cj_layer *l = &m->layers[out->state_layer];
            size_t in = cj_shape_size(m->input), no = (size_t)out->n_out, nu = (size_t)out->units;
            for (int t = 0; t < steps; t++) {
                const float *yt = cj_model_forward_seq(m, batch.x + (size_t)t * b * in, 1, b);
                memcpy(y_all + (size_t)t * b * no, yt, sizeof(float) * b * no);
                if (acts_all) memcpy(acts_all + (size_t)t * b * nu, m->acts[out->layer + 1], sizeof(float) * b * nu);
                for (int i = 0; i < b; i++)
                    memcpy(out->hidden + (((size_t)start + i) * T + t) * out->state_size,
                           l->state + (size_t)i * out->state_size, sizeof(float) * out->state_size);
            }
            y = y_all;
            acts = acts_all;
        } else {
            y = cj_model_forward_seq(m, batch.x, steps, b);
            if (out->units) acts = m->acts[out->layer + 1];
        }
        int filled;
        const int *task_of;
        const cj_trial *trials = cj_source_task_trials(src, &task_of, &filled);
        for (int i = 0; i < b; i++) {
            out->trials[start + i] = trials[i];
            out->task_of[start + i] = task_of[i];
            out->scores[start + i] = cj_task_score(&out->tasks[task_of[i]], &trials[i], y + (size_t)i * out->n_out,
                                                   (size_t)b * out->n_out);
        }
        if (out->outputs) to_trial_major(out->outputs, y, start, b, steps, T, (size_t)out->n_out);
        if (out->states) to_trial_major(out->states, acts, start, b, steps, T, (size_t)out->units);
    }
    if (streams) cj_model_restore_streams(m, streams);
    free(streams);
    free(idx);
    free(y_all);
    free(acts_all);
    cj_batch_free(&batch);
    if (st) cj_task_run_free(out);
    return st;
}

void cj_task_run_free(cj_task_run *r)
{
    free(r->trials);
    free(r->task_of);
    free(r->scores);
    free(r->outputs);
    free(r->states);
    free(r->hidden);
    memset(r, 0, sizeof *r);
}

void cj_task_run_performance(const cj_task_run *r, double *perf)
{
    int correct[CJ_SOURCE_MAX_TASKS] = {0}, trials[CJ_SOURCE_MAX_TASKS] = {0};
    for (int i = 0; i < r->n; i++) {
        correct[r->task_of[i]] += r->scores[i].correct;
        trials[r->task_of[i]]++;
    }
    for (int k = 0; k < r->n_tasks; k++) perf[k] = trials[k] ? (double)correct[k] / trials[k] : NAN;
}
