/* trainer.c — the training loop. The three components meet here and only
 * here: the model (architecture), the loss (objective) and the rule
 * (learning rule), with an optimiser following the rule's proposed update. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cajal/files.h"
#include "cajal/divergence.h"
#include "cajal/io.h"
#include "cajal/model_file.h"
#include "cajal/tasks.h"
#include "cajal/train.h"
#include "curriculum.h"
#include "run_data.h"
#include "run_folder.h"
#include "train_state.h"

typedef struct {
    cj_run_data data;
    cj_source *train;    /* what is trained on: data's training part or whole training set */
    cj_model model;
    cj_rule rule;
    cj_optim optim;
    int have_rule, have_optim;
    int *order;          /* sample order of the current epoch */
    cj_batch batch;      /* every training step and evaluation chunk, m->max_batch samples */
    cj_batch diag_batch; /* the fixed diagnostics batch: the first diag_n training samples */
    int diag_n;
    char *log;           /* metrics.jsonl so far */
    size_t log_len, log_cap;
    /* Output paths (allocated). The model and the train state are first
     * saved as `staged`, so that a failure before all files are written
     * changes none (run_folder.h). */
    char *config_path, *metrics_path, *model_path, *staged_path, *state_path, *state_staged_path;
    char *config_text;   /* the experiment as the train state records it */
    int saved_epoch;     /* the epoch metrics.jsonl and model.safetensors hold; 0 = none yet */
    cj_divergence_watch watch;
    cj_rule_diagnostics diag;  /* the last epoch's, reused every epoch */
    int is_task;               /* data.format = task: batches come with a critic (rewards) */
    cj_task_critic critic, diag_critic;
    cj_curriculum curriculum;  /* [curriculum]: the stages and the one the run is in (none: 0 stages) */
    cj_train_parts parts;      /* what train_state.safetensors holds (views into the above) */
    /* Saved with the model, so the file can be used without the experiment
     * file; the training inputs' mean and std are filled in by load_data,
     * epoch and step at each save. */
    cj_model_info info;
} run_state;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The source with the longest sequences (train or test): batch buffers
 * and the model's tape are sized for it. */
static const cj_source *longest(const run_state *s)
{
    return s->data.has_test && s->data.test.T > s->train->T ? &s->data.test : s->train;
}

/* Sequences need a layer that carries state from step to step: a
 * feed-forward model would answer a per-sample target from the last step
 * alone. */
static cj_status check_time(const run_state *s, const cj_experiment *e, cj_error *err)
{
    const cj_source *src = longest(s);
    if (src->T > 1 && !cj_model_is_recurrent(&s->model))
        return cj_fail(err, CJ_ERR_SHAPE, "%s: %s is a sequence [N, T, F] of T = %d steps; this model has no "
                       "recurrent layer (add rnn, gru or lstm to model.layers)",
                       src == s->train ? "data.train_inputs" : "data.test_inputs", src->name, src->T);
    return CJ_OK;
}

static cj_status load_data(run_state *s, const cj_experiment *e, cj_error *err)
{
    cj_status st = cj_run_data_open(&s->data, e, err);
    if (st) return st;
    s->train = cj_run_data_train(&s->data);
    s->info.scale = e->scale;
    s->info.scale_mean = s->data.mean;
    s->info.scale_std = s->data.sd;
    return CJ_OK;
}

/* The outputs the data need: one per class (exactly, for MSE against
 * one-hot codes), or one per value or count. */
static cj_status check_outputs(const run_state *s, const cj_experiment *e, int n_out, int *classes, cj_error *err)
{
    const cj_source *train = s->train, *test = s->data.has_test ? &s->data.test : NULL;
    if (train->target != CJ_TARGET_LABELS) {
        *classes = train->dim;
        if (n_out != train->dim)
            return cj_fail(err, CJ_ERR_SHAPE, "model.layers ends with %d outputs but the data have %d %s per sample",
                           n_out, train->dim, cj_target_kind_name(train->target));
        return CJ_OK;
    }
    /* The whole training set's classes, held-out part included. */
    *classes = s->data.full.n_classes;
    if (test && test->n_classes > *classes) *classes = test->n_classes;
    if (n_out < *classes || (e->loss.ops == &cj_mse_ops && n_out != *classes))
        return cj_fail(err, CJ_ERR_SHAPE, "model.layers ends with %d outputs but the data have %d classes", n_out,
                       *classes);
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
static void json_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.6g", v);
    else fputs("null", f);
}

static void json_array(FILE *f, const double *v, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i) fputc(',', f);
        json_num(f, v[i]);
    }
    fputc(']', f);
}

typedef struct {
    int epoch;
    long step;
    double train_loss, val_loss, val_acc, test_loss, test_acc, seconds, samples_per_s, lr;
    int n_tasks;                               /* data.format = task: the test set's performance per task */
    double performance[CJ_SOURCE_MAX_TASKS];
    int stage;                                 /* [curriculum]: the stage trained in, 1-based; 0 = none */
} epoch_result;

static void json_field(FILE *f, const char *key, double v)
{
    fprintf(f, ",\"%s\":", key);
    json_num(f, v);
}

/* The epoch's metrics.jsonl line (allocated, no newline), or NULL when out
 * of memory. Written to a growing buffer: any number of layers fits. */
static char *format_metrics(const epoch_result *r, const cj_experiment *e, const cj_model *m,
                            const cj_rule_diagnostics *diag, const cj_source *test)
{
    char *line = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);
    if (!f) return NULL;
    fprintf(f, "{\"epoch\":%d,\"step\":%ld", r->epoch, r->step);
    json_field(f, "train_loss", r->train_loss);
    json_field(f, "val_loss", r->val_loss);
    json_field(f, "val_acc", r->val_acc);
    json_field(f, "test_loss", r->test_loss);
    json_field(f, "test_acc", r->test_acc);
    json_field(f, "seconds", r->seconds);
    json_field(f, "samples_per_s", r->samples_per_s);
    json_field(f, "lr", r->lr);
    fputs(",\"performance\":", f);
    if (r->n_tasks) {
        int n;
        const cj_task *tasks = cj_source_tasks(test, &n);
        for (int k = 0; k < r->n_tasks; k++) {
            fprintf(f, "%s\"%s\":", k ? "," : "{", tasks[k].name);
            json_num(f, r->performance[k]);
        }
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    if (r->stage) fprintf(f, ",\"stage\":%d", r->stage);
    else fputs(",\"stage\":null", f);
    fprintf(f, ",\"rule\":\"%s\",\"layers\":[", cj_rule_name(e->rule.kind));
    for (int k = 0; k < diag->n; k++) {
        int i = cj_model_param_layer(m, k);
        fprintf(f, "%s\"%d:%s\"", k ? "," : "", i, cj_layer_name(&m->layers[i]));
    }
    /* Each per-layer array, then for stochastic rules its 95% intervals
     * over the draws, [[low,high],...] (null for deterministic rules). */
    const int stochastic = cj_rule_is_stochastic(e->rule.kind);
    const struct {
        const char *key;
        const double *v, *ci;
    } cols[] = {{"align_deg", diag->align_deg, diag->align_ci},
                {"grad_bias", diag->bias, diag->bias_ci},
                {"grad_variance", diag->variance, diag->variance_ci}};
    fputc(']', f);
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        fprintf(f, ",\"%s\":", cols[c].key);
        if (c == 0 || stochastic)
            json_array(f, cols[c].v, diag->n);
        else
            fputs("null", f);
        fprintf(f, ",\"%s_ci\":", cols[c].key);
        if (!stochastic) {
            fputs("null", f);
            continue;
        }
        fputc('[', f);
        for (int k = 0; k < diag->n; k++) {
            fputs(k ? ",[" : "[", f);
            json_num(f, cols[c].ci[2 * k]);
            fputc(',', f);
            json_num(f, cols[c].ci[2 * k + 1]);
            fputc(']', f);
        }
        fputc(']', f);
    }
    fputc('}', f);
    int failed = ferror(f);
    if (fclose(f) != 0 || failed) {
        free(line);
        return NULL;
    }
    return line;
}

static cj_status make_paths(run_state *s, const char *out_dir, cj_error *err)
{
    s->config_path = cj_path_join(out_dir, "config.ini");
    s->metrics_path = cj_path_join(out_dir, "metrics.jsonl");
    s->model_path = cj_path_join(out_dir, "model.safetensors");
    s->staged_path = cj_path_join(out_dir, "model.safetensors.new");
    s->state_path = cj_path_join(out_dir, CJ_RUN_STATE_FILE);
    s->state_staged_path = cj_path_join(out_dir, CJ_RUN_STATE_FILE ".new");
    if (!s->config_path || !s->metrics_path || !s->model_path || !s->staged_path || !s->state_path ||
        !s->state_staged_path)
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", out_dir);
    return CJ_OK;
}

/* Refuse a model.init that is missing, a folder or a FIFO before spending
 * time on the data. */
static cj_status check_init(const cj_experiment *e, cj_error *err)
{
    if (!e->init[0]) return CJ_OK;
    FILE *f;
    cj_error inner;
    if (cj_file_open(e->init, &f, NULL, &inner)) return cj_fail(err, inner.code, "model.init: %s", inner.msg);
    fclose(f);
    return CJ_OK;
}

static cj_status load_init(cj_model *m, const cj_experiment *e, cj_error *err)
{
    cj_error inner;
    cj_status st = cj_model_load(m, e->init, &inner);
    if (st) return cj_fail(err, st, "model.init: %s", inner.msg);
    return CJ_OK;
}

static cj_status write_config(run_state *s, const cj_experiment *e, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, s->config_path, err);
    if (st) return st;
    cj_experiment_write(e, af.f);
    return cj_atomic_commit(&af, err);
}

/* The metadata fields that stay the same all run (load_data adds the
 * scaling statistics). */
static void describe_model(cj_model_info *info, const cj_experiment *e, const cj_source *train, int classes)
{
    snprintf(info->layers, sizeof info->layers, "%s", e->layers);
    info->input = train->step;
    info->classes = classes;
    info->loss = e->loss.ops;
    info->rule = e->rule.kind;
    info->format = e->format;
    info->targets = train->target;
    info->sequence = e->sequence || e->format == CJ_DATA_TASK;
    info->seed = e->seed;
    snprintf(info->task, sizeof info->task, "%s", e->format == CJ_DATA_TASK ? e->task : "");
}

/* The batch buffers, the epoch order and the fixed diagnostics batch. */
static cj_status make_batches(run_state *s, const cj_experiment *e, cj_error *err)
{
    cj_source *train = s->train;
    s->diag_n = e->diag_batch < train->n ? e->diag_batch : train->n;
    cj_status st = cj_batch_alloc(&s->batch, longest(s), s->model.max_batch, err);
    /* Batches are filled straight into the model's input buffer: one copy
     * of the inputs per step, not two. */
    cj_model *m = &s->model;
    if (!st) st = cj_batch_borrow_x(&s->batch, m->acts[0], (size_t)m->max_steps * m->max_batch * cj_shape_size(m->input),
                                    err);
    if (!st) st = cj_batch_alloc(&s->diag_batch, train, s->diag_n, err);
    if (st) return st;
    s->order = malloc(sizeof(int) * train->n);
    if (!s->order) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int i = 0; i < train->n; i++) s->order[i] = i;
    /* The diagnostics batch is mixed over every task, whatever the stage
     * or data.task_batches: it stays the same batch all run. */
    st = cj_source_fill(train, s->order, s->diag_n, &s->diag_batch, err);
    s->is_task = cj_source_is_task(&s->data.full);
    if (!st && s->is_task) st = cj_task_critic_capture(&s->diag_critic, &s->data.full, err);
    if (!st && s->is_task) {
        int n;
        const cj_task *tasks = cj_source_tasks(&s->data.full, &n);
        st = cj_curriculum_make(&s->curriculum, e, tasks, n, err);
    }
    return st;
}

/* Layers' own streams (a rate RNN's noise) are seeded by their init,
 * which model.init skips: left unseeded, such a stream is all zeros, and a
 * normal draw from it never returns. */
static void seed_layer_streams(cj_model *m, cj_rng *rng)
{
    for (int i = 0; i < m->n_layers; i++) {
        cj_rng *r = cj_layer_rng(&m->layers[i]);
        if (r) *r = cj_rng_split(rng);
    }
}

/* Everything a run needs before its first step, drawn from rng in the
 * same order whether the run is new or resumed (a resumed run then
 * overwrites what it saved, and needs no model.init). */
static cj_status setup(run_state *s, const cj_experiment *e, int resume, cj_rng *rng, cj_error *err)
{
    cj_status st = resume ? CJ_OK : check_init(e, err);
    if (!st) st = load_data(s, e, err);
    if (st) return st;
    int max_batch = e->batch > e->diag_batch ? e->batch : e->diag_batch, T = longest(s)->T;
    if (T == 1) st = cj_model_create(&s->model, e->layers, s->train->step, max_batch, err);
    else st = cj_model_create_seq(&s->model, e->layers, s->train->step, T, max_batch, err);
    if (st || (st = check_time(s, e, err))) return st;
    cj_model *m = &s->model;
    int n_out = (int)cj_shape_size(cj_model_output_shape(m)), classes;
    if ((st = check_outputs(s, e, n_out, &classes, err))) return st;
    describe_model(&s->info, e, s->train, classes);

    cj_rng init_rng = cj_rng_split(rng);
    if (e->init[0]) {
        if (!resume) st = load_init(m, e, err);
        seed_layer_streams(m, &init_rng);
    } else {
        cj_model_init(m, &init_rng);
    }
    if (!st) st = cj_rule_create(&s->rule, &e->rule, m, &e->loss, rng, err);
    if (st) return st;
    s->have_rule = 1;
    if ((st = cj_optim_create(&s->optim, &e->optim, m->n_params, err))) return st;
    s->have_optim = 1;

    return make_batches(s, e, err);
}

static void teardown(run_state *s)
{
    cj_run_data_free(&s->data);
    if (s->have_rule) cj_rule_free(&s->rule);
    if (s->have_optim) cj_optim_free(&s->optim);
    cj_model_free(&s->model);
    free(s->order);
    cj_batch_free(&s->batch);
    cj_batch_free(&s->diag_batch);
    cj_task_critic_free(&s->critic);
    cj_task_critic_free(&s->diag_critic);
    cj_rule_diagnostics_free(&s->diag);
    free(s->log);
    free(s->config_path);
    free(s->metrics_path);
    free(s->model_path);
    free(s->staged_path);
    free(s->state_path);
    free(s->state_staged_path);
    free(s->config_text);
}

/* What the output folder holds now, for messages about an early stop. */
static void describe_saved(const run_state *s, char *buf, size_t len)
{
    if (s->saved_epoch > 0)
        snprintf(buf, len, "model.safetensors and metrics.jsonl hold epoch %d", s->saved_epoch);
    else
        snprintf(buf, len, "no epoch finished, so model.safetensors and metrics.jsonl were not written");
}

static int stop_requested(const cj_train_callbacks *cb) { return cb && cb->stop && *cb->stop; }

static void warn(const cj_train_callbacks *cb, const char *msg)
{
    if (cb && cb->on_warning) cb->on_warning(msg, cb->user);
}

/* One epoch of optimiser steps; stops early at the step limit. */
static cj_status train_epoch(run_state *s, const cj_experiment *e, int epoch, long *step, cj_rng *shuffle_rng,
                             const cj_train_callbacks *cb, double *mean_loss, long *samples, cj_error *err)
{
    cj_model *m = &s->model;
    cj_source *d = s->train;
    /* A task makes new trials every epoch (the test trials stay), among
     * the tasks of the curriculum's stage. */
    const int one_task = s->is_task && e->task_batches == CJ_TASK_BATCHES_ONE;
    if (s->is_task) {
        cj_source_task_set_epoch(&s->data.full, epoch);
        cj_source_task_set_active(&s->data.full, cj_curriculum_active(&s->curriculum));
    }
    const int stages = s->curriculum.n_stages ? s->curriculum.n_stages + 1 : 0;
    const int stage = stages ? s->curriculum.stage + 1 : 0;
    if (e->shuffle) cj_rng_shuffle(shuffle_rng, s->order, (size_t)d->n);
    long batches = (d->n + e->batch - 1) / e->batch;
    /* The epoch's loss is the mean over its batches weighted by their rows
     * (their mask's total, with a mask). */
    double total = 0.0, weight = 0.0;
    *samples = 0;
    for (long k = 0; k < batches; k++) {
        if (e->steps > 0 && *step >= e->steps) break;
        if (stop_requested(cb)) {
            char saved[128];
            describe_saved(s, saved, sizeof saved);
            return cj_fail(err, CJ_ERR_INTERRUPTED, "interrupted at epoch %d after step %ld; %s", epoch, *step,
                           saved);
        }
        int start = (int)(k * e->batch);
        int b = d->n - start < e->batch ? d->n - start : e->batch;
        cj_batch *batch = &s->batch;
        /* One task per batch: batch k's task is drawn from (seed, epoch, k),
         * so a resumed epoch makes the same batches. */
        if (one_task) cj_source_task_set_batch(&s->data.full, k);
        cj_status st = cj_source_fill(d, s->order + start, b, batch, err);
        if (one_task) cj_source_task_set_batch(&s->data.full, CJ_TASK_BATCH_MIXED);
        if (st) return st;
        cj_target t = {.labels = batch->labels, .values = batch->values, .steps = batch->target_steps,
                       .mask = batch->mask, .value_weights = batch->value_weights};
        if (s->is_task) {
            /* A reward-driven rule hears from the task what its actions earned. */
            if ((st = cj_task_critic_capture(&s->critic, &s->data.full, err))) return st;
            t.critic = &s->critic.critic;
        }
        float loss;
        st = cj_rule_update(&s->rule, m, batch->x, &t, batch->T, b, &loss, err);
        if (st) {
            char why[CJ_ERROR_MSG_MAX];
            memcpy(why, err->msg, sizeof why);
            return cj_fail(err, st, "epoch %d, step %ld: %s", epoch, *step + 1, why);
        }
        /* A pruned model (prune.h): the one place masks are enforced, for
         * every rule and optimiser. The proposed update of a pruned weight
         * is dropped before clipping and the optimiser's moments see it (as
         * PyTorch's prune hooks give weight_orig the gradient times the
         * mask), and the weight itself is set back to exactly 0 after the
         * step, whatever momentum or weight decay did. No mask: two
         * NULL tests per step. */
        cj_model_mask_grads(m);
        if (e->optim.clip_norm > 0) cj_clip_grad_norm(m->grads, m->n_params, e->optim.clip_norm);
        cj_optim_step(&s->optim, m->params, m->grads);
        if ((st = cj_rule_after_step(&s->rule, m, &s->optim.cfg, err))) return st;
        cj_model_mask_params(m);
        ++*step;
        char msg[256];
        if (cj_divergence_step(&s->watch, epoch, *step, loss, msg, sizeof msg)) warn(cb, msg);
        /* Each target row's weight: 1, or its mask. */
        int rows = batch->target_steps * b;
        double w = rows;
        if (batch->mask) {
            w = 0.0;
            for (int i = 0; i < rows; i++) w += batch->mask[i];
        }
        total += (double)loss * w;
        weight += w;
        *samples += b;
        if (cb && cb->on_step) {
            cj_train_progress p = {epoch, e->epochs, *step, k + 1, batches, (float)(total / weight), stage, stages};
            cb->on_step(&p, cb->user);
        }
    }
    *mean_loss = weight > 0 ? total / weight : NAN;
    return CJ_OK;
}

static cj_status stage_state(run_state *s, const cj_experiment *e, int epoch, long step, cj_error *err)
{
    cj_train_mark mark = {.epoch = epoch, .epochs = e->epochs, .step = step, .config = s->config_text};
    return cj_train_state_write(s->state_staged_path, &s->parts, &mark, err);
}

/* The last rename of a save: metrics.jsonl and model.safetensors hold the
 * epoch already, so a failure here leaves the staged state for --resume to
 * finish (run_folder.h). */
static cj_status commit_state(run_state *s, int epoch, cj_error *err)
{
    s->saved_epoch = epoch;
    if (rename(s->state_staged_path, s->state_path) == 0) return CJ_OK;
    return cj_fail(err, CJ_ERR_IO, "epoch %d: model.safetensors and metrics.jsonl hold it, but %s cannot be renamed "
                   "over %s: %s (resuming the run finishes the save)", epoch, s->state_staged_path, s->state_path,
                   strerror(errno));
}

/* train.checkpoints: a copy of the epoch's model in
 * OUT/checkpoints/epoch_NNN/model.safetensors (written atomically), so a
 * model's fit to the brain can be followed over training (`cajal record`
 * and `cajal rsa` on each), and epoch_000 before the first step (the
 * initial weights lottery tickets rewind to). Written after the epoch is
 * committed: --resume never needs these files. */
static cj_status save_checkpoint(run_state *s, int epoch, cj_error *err)
{
    if (epoch == 0) s->info.epoch = 0, s->info.step = 0;
    size_t len = strlen(s->model_path) - strlen("model.safetensors");
    char *dir = cj_path_printf("%.*scheckpoints/epoch_%03d", (int)len, s->model_path, epoch);
    char *path = dir ? cj_path_join(dir, "model.safetensors") : NULL;
    cj_status st = path ? cj_make_dirs(dir, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st) st = cj_model_save_info(&s->model, &s->info, path, err);
    free(path);
    free(dir);
    return st;
}

/* Write epoch `epoch` so that metrics.jsonl, model.safetensors and
 * train_state.safetensors always hold the same epoch: the model and the
 * state go to staging files first, then the metrics (atomically), and only
 * then are the staged files renamed into place. A failure in any write
 * leaves the files as they were and no temporary file behind; the renames
 * need no disk space. */
static cj_status save_epoch(run_state *s, const cj_experiment *e, int epoch, long step, const char *line,
                            cj_error *err)
{
    size_t old_len = s->log_len;
    cj_error inner;
    s->info.epoch = epoch;
    s->info.step = step;
    cj_status st = cj_model_save_info(&s->model, &s->info, s->staged_path, &inner);
    if (!st) st = stage_state(s, e, epoch, step, &inner);
    if (!st) st = append_log(s, line, &inner);
    if (!st) st = cj_write_file_atomic(s->metrics_path, s->log, s->log_len, &inner);
    if (!st && rename(s->staged_path, s->model_path) != 0) {
        int saved = errno;
        /* Put the metrics back to the epoch the model still holds. */
        cj_write_file_atomic(s->metrics_path, s->log, old_len, NULL);
        st = cj_fail(&inner, CJ_ERR_IO, "%s: cannot rename %s over it: %s", s->model_path, s->staged_path,
                     strerror(saved));
    }
    if (!st) {
        if ((st = commit_state(s, epoch, err))) return st;
        return e->checkpoints ? save_checkpoint(s, epoch, err) : CJ_OK;
    }
    remove(s->staged_path);
    remove(s->state_staged_path);
    s->log_len = old_len;
    char held[128];
    describe_saved(s, held, sizeof held);
    return cj_fail(err, st, "epoch %d not saved (%s): %s", epoch, held, inner.msg);
}

/* The held-out part and the test set after an epoch; NaN (null in
 * metrics.jsonl) for a part the experiment does not have. */
static cj_status evaluate_all(run_state *s, const cj_experiment *e, epoch_result *r, cj_error *err)
{
    cj_eval_result res;
    cj_status st;
    r->val_loss = r->val_acc = r->test_loss = r->test_acc = NAN;
    if (s->data.split) {
        if ((st = cj_evaluate(&s->model, &e->loss, &s->data.val, &s->batch, &res, err))) return st;
        r->val_loss = res.loss;
        r->val_acc = res.accuracy;
    }
    if (s->data.has_test) {
        if ((st = cj_evaluate(&s->model, &e->loss, &s->data.test, &s->batch, &res, err))) return st;
        r->test_loss = res.loss;
        r->test_acc = res.accuracy;
        r->n_tasks = res.n_tasks;
        memcpy(r->performance, res.performance, sizeof r->performance);
    }
    return CJ_OK;
}

/* train.stop_at_performance: is every task at or above it? (Asked only of
 * epochs trained on every task, after a curriculum's stages.) */
static int reached(const cj_experiment *e, int n_tasks, const double *performance)
{
    if (!(e->stop_at_performance > 0) || n_tasks < 1) return 0;
    for (int k = 0; k < n_tasks; k++)
        if (!(performance[k] >= e->stop_at_performance)) return 0;
    return 1;
}

/* The same for a resumed run, from the last line of metrics.jsonl: a run
 * stopped there has nothing left to train. */
static int reached_in_log(const cj_experiment *e, const char *log, size_t len)
{
    if (!(e->stop_at_performance > 0) || !log || !len) return 0;
    const char *last = log + len - 1;
    while (last > log && last[-1] != '\n') last--;
    if (last == log + len - 1 && last > log) /* the trailing newline: step back one line */
        for (last--; last > log && last[-1] != '\n'; last--) {}
    cJSON *j = cJSON_ParseWithLength(last, (size_t)(log + len - last));
    const cJSON *perf = j ? cJSON_GetObjectItem(j, "performance") : NULL;
    /* With a curriculum, only an epoch of its last stage (every task) stops. */
    int n_stages = cj_experiment_n_stages(e);
    const cJSON *stage = j ? cJSON_GetObjectItem(j, "stage") : NULL;
    if (n_stages && !(cJSON_IsNumber(stage) && stage->valuedouble == n_stages + 1)) perf = NULL;
    double p[CJ_SOURCE_MAX_TASKS];
    int n = 0;
    for (const cJSON *c = perf ? perf->child : NULL; c && n < CJ_SOURCE_MAX_TASKS; c = c->next)
        p[n++] = cJSON_IsNumber(c) ? c->valuedouble : NAN;
    cJSON_Delete(j);
    return reached(e, n, p);
}

/* Train, evaluate, diagnose and save one epoch. */
static cj_status run_epoch(run_state *s, const cj_experiment *e, int epoch, long *step, cj_rng *shuffle_rng,
                           cj_rng *diag_rng, const cj_train_callbacks *cb, int *done, cj_error *err)
{
    epoch_result r = {.epoch = epoch};
    long samples;
    s->optim.cfg.lr = cj_schedule_lr(&e->optim, epoch - 1, e->epochs);
    r.lr = s->optim.cfg.lr;
    double t0 = now_seconds();
    cj_status st = train_epoch(s, e, epoch, step, shuffle_rng, cb, &r.train_loss, &samples, err);
    if (st) return st;
    char msg[256];
    if (cj_divergence_epoch(&s->watch, epoch, *step, r.train_loss, msg, sizeof msg)) warn(cb, msg);
    r.seconds = now_seconds() - t0;
    r.samples_per_s = samples / (r.seconds > 0 ? r.seconds : 1e-9);
    r.step = *step;
    if ((st = evaluate_all(s, e, &r, err))) return st;
    cj_curriculum *cur = &s->curriculum;
    const int met = cj_curriculum_in_last(cur) && reached(e, r.n_tasks, r.performance);
    *done = met;
    /* The stage this epoch trained in, then the one the next trains in
     * (which the train state saves). */
    r.stage = cur->n_stages ? cur->stage + 1 : 0;
    cj_stage_end stage_end = cj_curriculum_after_epoch(cur, epoch, r.performance, r.n_tasks);

    cj_rule_diagnostics *diag = &s->diag;
    const cj_batch *db = &s->diag_batch;
    cj_target t = {.labels = db->labels, .values = db->values, .steps = db->target_steps, .mask = db->mask,
                   .value_weights = db->value_weights};
    if (s->is_task) t.critic = &s->diag_critic.critic;
    st = cj_rule_diagnose(&s->rule, &s->model, db->x, &t, db->T, s->diag_n, e->diag_draws, diag_rng, diag, err);
    if (st) return st;
    char *line = format_metrics(&r, e, &s->model, diag, &s->data.test);
    if (!line) return cj_fail(err, CJ_ERR_NOMEM, "epoch %d: out of memory for its metrics line", epoch);
    st = save_epoch(s, e, epoch, r.step, line, err);
    if (!st && cb && cb->on_epoch) {
        cj_epoch_report rep = {.epoch = epoch,
                               .epochs = e->epochs,
                               .step = r.step,
                               .train_loss = r.train_loss,
                               .test_loss = r.test_loss,
                               .test_acc = r.test_acc,
                               .seconds = r.seconds,
                               .samples_per_s = r.samples_per_s,
                               .lr = r.lr,
                               .diag = diag,
                               .json = line,
                               .val_loss = r.val_loss,
                               .val_acc = r.val_acc,
                               .n_tasks = r.n_tasks,
                               .performance = r.performance,
                               .reached = met,
                               .stage = r.stage,
                               .stages = cur->n_stages ? cur->n_stages + 1 : 0,
                               .stage_end = stage_end};
        const char *names[CJ_SOURCE_MAX_TASKS];
        if (r.n_tasks) {
            int n;
            const cj_task *tasks = cj_source_tasks(&s->data.test, &n);
            for (int k = 0; k < r.n_tasks; k++) names[k] = tasks[k].name;
            rep.task_names = names;
        }
        cb->on_epoch(&rep, cb->user);
    }
    free(line);
    return st;
}

int cj_train_is_done(const cj_experiment *e, int epoch, long step)
{
    return epoch >= e->epochs || (e->steps > 0 && step >= e->steps);
}

/* Before anything is loaded: a new run refuses a folder that holds one; a
 * resumed run reads its state and checks it against e and metrics.jsonl
 * (into s->log), and *done says when nothing is left to train. */
static cj_status open_folder(run_state *s, const cj_experiment *e, const char *out_dir, cj_train_mode mode,
                             cj_train_state *ts, const cj_train_callbacks *cb, int *done, cj_error *err)
{
    if (!(s->config_text = cj_train_config_text(e))) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (mode == CJ_TRAIN_NEW) return cj_run_folder_check_new(out_dir, err);
    if (mode != CJ_TRAIN_RESUME) return CJ_OK;
    cj_status st = cj_run_folder_open_state(out_dir, ts, err);
    if (!st) st = cj_run_folder_check_config(ts, e, err);
    if (!st) st = cj_run_folder_read_log(out_dir, ts, &s->log, &s->log_len, &s->log_cap, err);
    if (st) return st;
    int met = reached_in_log(e, s->log, s->log_len);
    *done = cj_train_is_done(e, ts->mark.epoch, ts->mark.step) || met;
    if (cb && cb->on_resume) {
        cj_resume_report r = {ts->mark.epoch, e->epochs, ts->mark.step, *done, met};
        cb->on_resume(&r, cb->user);
    }
    return CJ_OK;
}

/* A resumed run after setup: the saved model and train state replace what
 * setup drew (which it drew in the same order, so nothing else moves). */
static cj_status restore(run_state *s, const cj_train_state *ts, const char *out_dir, long *step, cj_error *err)
{
    cj_status st = cj_run_folder_load_model(out_dir, ts, &s->model, err);
    if (!st) st = cj_train_state_apply(ts, &s->parts, err);
    if (st) return st;
    if (s->rule.cfg.kind->resumed) s->rule.cfg.kind->resumed(&s->rule);
    s->saved_epoch = ts->mark.epoch;
    *step = ts->mark.step;
    return CJ_OK;
}

/* The folder and config.ini, once the run is ready to train; --force
 * clears the old run only now, after the new experiment has been checked. */
static cj_status start_folder(run_state *s, const cj_experiment *e, const char *out_dir, cj_train_mode mode,
                              cj_error *err)
{
    cj_status st = cj_make_dirs(out_dir, err);
    if (!st && mode == CJ_TRAIN_FORCE) st = cj_run_folder_clear(out_dir, err);
    if (!st) st = write_config(s, e, err);
    return st;
}

cj_status cj_train(const cj_experiment *e, const char *out_dir, const cj_train_options *opt,
                   const cj_train_callbacks *cb, cj_error *err)
{
    cj_train_mode mode = opt ? opt->mode : CJ_TRAIN_NEW;
    if (cj_experiment_is_rbm(e))
        return cj_fail(err, CJ_ERR_CONFIG, "model.layers = %s is an RBM: cj_rbm_train trains it (cajal train "
                       "calls it)", e->layers);
    run_state s;
    memset(&s, 0, sizeof s);
    cj_divergence_init(&s.watch);
    cj_rng rng;
    cj_rng_seed(&rng, e->seed);
    cj_rng shuffle_rng = cj_rng_split(&rng), diag_rng = cj_rng_split(&rng);
    cj_train_state ts;
    memset(&ts, 0, sizeof ts);
    int done = 0;
    long step = 0;
    cj_status st = make_paths(&s, out_dir, err);
    if (!st) st = open_folder(&s, e, out_dir, mode, &ts, cb, &done, err);
    if (!st && !done) st = setup(&s, e, mode == CJ_TRAIN_RESUME, &rng, err);
    if (!st && !done) {
        s.parts = (cj_train_parts){&s.model, &s.rule, &s.optim, &shuffle_rng, &diag_rng, s.order, s.train->n,
                                   &s.watch, &s.curriculum};
        if (mode == CJ_TRAIN_RESUME) st = restore(&s, &ts, out_dir, &step, err);
    }
    if (!st && !done) st = start_folder(&s, e, out_dir, mode, err);
    /* train.checkpoints also keeps the weights training starts from, as
     * epoch_000: what `cajal prune --rewind 0` rewinds to (prune.h). */
    if (!st && !done && e->checkpoints && s.saved_epoch == 0) st = save_checkpoint(&s, 0, err);
    for (int epoch = s.saved_epoch + 1; !st && !done && epoch <= e->epochs; epoch++) {
        if (e->steps > 0 && step >= e->steps) break;
        st = run_epoch(&s, e, epoch, &step, &shuffle_rng, &diag_rng, cb, &done, err);
    }
    cj_train_state_free(&ts);
    teardown(&s);
    return st;
}
