/* trainer.c — the training loop. The three components meet here and only
 * here: the model (architecture), the loss (objective) and the rule
 * (learning rule), with an optimiser following the rule's proposed update. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cajal/io.h"
#include "cajal/train.h"

typedef struct {
    cj_dataset train, test;
    cj_model model;
    cj_rule rule;
    cj_optim optim;
    int have_rule, have_optim;
    int *order;          /* sample order of the current epoch */
    int *batch_labels;
    float *diag_x;       /* the fixed diagnostics batch */
    int diag_n;
    char *log;           /* metrics.jsonl so far */
    size_t log_len, log_cap;
} run_state;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void truncate_dataset(cj_dataset *d, int n)
{
    if (n > 0 && n < d->n) d->n = n;
}

static cj_status load_data(run_state *s, const cj_experiment *e, cj_error *err)
{
    cj_status st = cj_idx_load(e->train_images, e->train_labels, &s->train, err);
    if (!st) st = cj_idx_load(e->test_images, e->test_labels, &s->test, err);
    if (st) return st;
    if (s->train.shape.h != s->test.shape.h || s->train.shape.w != s->test.shape.w)
        return cj_fail(err, CJ_ERR_SHAPE, "%s has %dx%d images but %s has %dx%d", e->train_images,
                       s->train.shape.h, s->train.shape.w, e->test_images, s->test.shape.h, s->test.shape.w);
    truncate_dataset(&s->train, e->train_samples);
    truncate_dataset(&s->test, e->test_samples);
    float mean, sd;
    cj_dataset_stats(&s->train, &mean, &sd);
    cj_dataset_rescale(&s->train, e->scale, mean, sd);
    cj_dataset_rescale(&s->test, e->scale, mean, sd);
    return CJ_OK;
}

static cj_status append_log(run_state *s, const char *line, cj_error *err)
{
    size_t len = strlen(line);
    if (s->log_len + len + 2 > s->log_cap) {
        size_t cap = (s->log_cap + len + 2) * 2;
        char *p = realloc(s->log, cap);
        if (!p) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the metrics log");
        s->log = p;
        s->log_cap = cap;
    }
    memcpy(s->log + s->log_len, line, len);
    s->log_len += len;
    s->log[s->log_len++] = '\n';
    s->log[s->log_len] = '\0';
    return CJ_OK;
}

/* A JSON number, or null for NaN/Inf (which JSON cannot hold). */
static int json_num(char *buf, size_t len, double v)
{
    return isfinite(v) ? snprintf(buf, len, "%.6g", v) : snprintf(buf, len, "null");
}

static int json_array(char *buf, size_t len, const double *v, int n)
{
    int used = snprintf(buf, len, "[");
    for (int i = 0; i < n && (size_t)used < len; i++) {
        if (i) used += snprintf(buf + used, len - used, ",");
        used += json_num(buf + used, len - used, v[i]);
    }
    if ((size_t)used < len) used += snprintf(buf + used, len - used, "]");
    return used;
}

typedef struct {
    int epoch;
    long step;
    double train_loss, test_loss, test_acc, seconds, samples_per_s, lr;
} epoch_result;

static void format_metrics(char *line, size_t len, const epoch_result *r, const cj_experiment *e,
                           const cj_model *m, const cj_rule_diagnostics *diag)
{
    char num[6][32];
    json_num(num[0], 32, r->train_loss);
    json_num(num[1], 32, r->test_loss);
    json_num(num[2], 32, r->test_acc);
    json_num(num[3], 32, r->seconds);
    json_num(num[4], 32, r->samples_per_s);
    json_num(num[5], 32, r->lr);
    int used = snprintf(line, len,
                        "{\"epoch\":%d,\"step\":%ld,\"train_loss\":%s,\"test_loss\":%s,\"test_acc\":%s,"
                        "\"seconds\":%s,\"samples_per_s\":%s,\"lr\":%s,\"rule\":\"%s\",\"layers\":[",
                        r->epoch, r->step, num[0], num[1], num[2], num[3], num[4], num[5],
                        cj_rule_name(e->rule.kind));
    for (int k = 0; k < diag->n; k++) {
        int i = cj_model_param_layer(m, k);
        used += snprintf(line + used, len - used, "%s\"%d:%s\"", k ? "," : "", i,
                         cj_layer_kind_name(m->layers[i].kind));
    }
    used += snprintf(line + used, len - used, "],\"align_deg\":");
    used += json_array(line + used, len - used, diag->align_deg, diag->n);
    if (cj_rule_is_stochastic(e->rule.kind)) {
        used += snprintf(line + used, len - used, ",\"grad_bias\":");
        used += json_array(line + used, len - used, diag->bias, diag->n);
        used += snprintf(line + used, len - used, ",\"grad_variance\":");
        used += json_array(line + used, len - used, diag->variance, diag->n);
    } else {
        used += snprintf(line + used, len - used, ",\"grad_bias\":null,\"grad_variance\":null");
    }
    snprintf(line + used, len - used, "}");
}

/* Mean loss and accuracy on the test set, in chunks of the model's batch. */
static void evaluate(run_state *s, const cj_experiment *e, double *loss, double *acc)
{
    cj_model *m = &s->model;
    const cj_dataset *d = &s->test;
    size_t in = cj_shape_size(d->shape);
    int dim = (int)cj_shape_size(cj_model_output_shape(m));
    double total = 0.0;
    long correct = 0;
    for (int start = 0; start < d->n; start += m->max_batch) {
        int b = d->n - start < m->max_batch ? d->n - start : m->max_batch;
        const float *out = cj_model_forward(m, d->x + (size_t)start * in, b);
        cj_target t = {.labels = d->y + start};
        total += (double)cj_loss_eval(e->loss, out, &t, b, dim, NULL, NULL) * b;
        correct += cj_count_correct(out, d->y + start, b, dim);
    }
    *loss = d->n ? total / d->n : NAN;
    *acc = d->n ? (double)correct / d->n : NAN;
}

static cj_status setup(run_state *s, const cj_experiment *e, const char *out_dir, cj_rng *rng,
                       cj_error *err)
{
    cj_status st = load_data(s, e, err);
    if (st) return st;
    int max_batch = e->batch > e->diag_batch ? e->batch : e->diag_batch;
    if ((st = cj_model_create(&s->model, e->layers, s->train.shape, max_batch, err))) return st;
    cj_model *m = &s->model;
    int n_out = (int)cj_shape_size(cj_model_output_shape(m));
    int classes = s->train.n_classes > s->test.n_classes ? s->train.n_classes : s->test.n_classes;
    if (n_out < classes || (e->loss == CJ_LOSS_MSE && n_out != classes))
        return cj_fail(err, CJ_ERR_SHAPE, "model.layers ends with %d outputs but the data have %d classes",
                       n_out, classes);

    cj_rng init_rng = cj_rng_split(rng);
    if (e->init[0]) st = cj_model_load(m, e->init, err);
    else cj_model_init(m, &init_rng);
    if (!st) st = cj_rule_create(&s->rule, &e->rule, m, e->loss, rng, err);
    if (st) return st;
    s->have_rule = 1;
    if ((st = cj_optim_create(&s->optim, &e->optim, m->n_params, err))) return st;
    s->have_optim = 1;

    size_t in = cj_shape_size(s->train.shape);
    s->diag_n = e->diag_batch < s->train.n ? e->diag_batch : s->train.n;
    s->order = malloc(sizeof(int) * s->train.n);
    s->batch_labels = malloc(sizeof(int) * e->batch);
    s->diag_x = malloc(sizeof(float) * in * s->diag_n);
    if (!s->order || !s->batch_labels || !s->diag_x) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    memcpy(s->diag_x, s->train.x, sizeof(float) * in * s->diag_n);
    for (int i = 0; i < s->train.n; i++) s->order[i] = i;

    if ((st = cj_make_dirs(out_dir, err))) return st;
    char path[CJ_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/config.ini", out_dir);
    cj_atomic_file af;
    if ((st = cj_atomic_open(&af, path, err))) return st;
    cj_experiment_write(e, af.f);
    return cj_atomic_commit(&af, err);
}

static void teardown(run_state *s)
{
    cj_dataset_free(&s->train);
    cj_dataset_free(&s->test);
    if (s->have_rule) cj_rule_free(&s->rule);
    if (s->have_optim) cj_optim_free(&s->optim);
    cj_model_free(&s->model);
    free(s->order);
    free(s->batch_labels);
    free(s->diag_x);
    free(s->log);
}

/* One epoch of optimiser steps; stops early at the step limit. */
static cj_status train_epoch(run_state *s, const cj_experiment *e, int epoch, long *step, cj_rng *shuffle_rng,
                             const cj_train_callbacks *cb, double *mean_loss, long *samples, cj_error *err)
{
    cj_model *m = &s->model;
    const cj_dataset *d = &s->train;
    size_t in = cj_shape_size(d->shape);
    if (e->shuffle) cj_rng_shuffle(shuffle_rng, s->order, (size_t)d->n);
    long batches = (d->n + e->batch - 1) / e->batch;
    double total = 0.0;
    *samples = 0;
    for (long k = 0; k < batches; k++) {
        if (e->steps > 0 && *step >= e->steps) break;
        int start = (int)(k * e->batch);
        int b = d->n - start < e->batch ? d->n - start : e->batch;
        float *x = m->acts[0];
        for (int i = 0; i < b; i++) {
            int idx = s->order[start + i];
            memcpy(x + (size_t)i * in, d->x + (size_t)idx * in, sizeof(float) * in);
            s->batch_labels[i] = d->y[idx];
        }
        cj_target t = {.labels = s->batch_labels};
        float loss;
        cj_status st = cj_rule_update(&s->rule, m, x, &t, b, &loss, err);
        if (st) {
            char why[CJ_ERROR_MSG_MAX];
            memcpy(why, err->msg, sizeof why);
            return cj_fail(err, st, "epoch %d, step %ld: %s", epoch, *step + 1, why);
        }
        cj_optim_step(&s->optim, m->params, m->grads);
        if ((st = cj_rule_after_step(&s->rule, m, &s->optim.cfg, err))) return st;
        ++*step;
        total += (double)loss * b;
        *samples += b;
        if (cb && cb->on_step) {
            cj_train_progress p = {epoch, e->epochs, *step, k + 1, batches, (float)(total / *samples)};
            cb->on_step(&p, cb->user);
        }
    }
    *mean_loss = *samples ? total / *samples : NAN;
    return CJ_OK;
}

cj_status cj_train(const cj_experiment *e, const char *out_dir, const cj_train_callbacks *cb, cj_error *err)
{
    run_state s;
    memset(&s, 0, sizeof s);
    cj_rng rng;
    cj_rng_seed(&rng, e->seed);
    cj_rng shuffle_rng = cj_rng_split(&rng), diag_rng = cj_rng_split(&rng);
    cj_status st = setup(&s, e, out_dir, &rng, err);
    char metrics_path[CJ_PATH_MAX + 32], model_path[CJ_PATH_MAX + 32];
    snprintf(metrics_path, sizeof metrics_path, "%s/metrics.jsonl", out_dir);
    snprintf(model_path, sizeof model_path, "%s/model.safetensors", out_dir);

    long step = 0;
    for (int epoch = 1; !st && epoch <= e->epochs; epoch++) {
        if (e->steps > 0 && step >= e->steps) break;
        epoch_result r = {.epoch = epoch};
        long samples;
        s.optim.cfg.lr = cj_schedule_lr(&e->optim, epoch - 1, e->epochs);
        r.lr = s.optim.cfg.lr;
        double t0 = now_seconds();
        st = train_epoch(&s, e, epoch, &step, &shuffle_rng, cb, &r.train_loss, &samples, err);
        if (st) break;
        r.seconds = now_seconds() - t0;
        r.samples_per_s = samples / (r.seconds > 0 ? r.seconds : 1e-9);
        r.step = step;
        evaluate(&s, e, &r.test_loss, &r.test_acc);

        cj_rule_diagnostics diag;
        cj_target t = {.labels = s.train.y};
        st = cj_rule_diagnose(&s.rule, &s.model, s.diag_x, &t, s.diag_n, e->diag_draws, &diag_rng, &diag, err);
        if (st) break;

        char line[8192];
        format_metrics(line, sizeof line, &r, e, &s.model, &diag);
        if ((st = append_log(&s, line, err))) break;
        if ((st = cj_write_file_atomic(metrics_path, s.log, s.log_len, err))) break;
        if ((st = cj_model_save(&s.model, model_path, err))) break;
        if (cb && cb->on_epoch) {
            cj_epoch_report rep = {epoch, e->epochs, r.step, r.train_loss, r.test_loss, r.test_acc,
                                   r.seconds, r.samples_per_s, r.lr, &diag, line};
            cb->on_epoch(&rep, cb->user);
        }
    }
    teardown(&s);
    return st;
}
