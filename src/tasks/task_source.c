/* task_source.c — cognitive tasks as data sources (include/cajal/tasks.h):
 * trial i is generated inside the fill from its own random stream, so a
 * batch costs its generation and no storage, and any trial can be made
 * again (for scoring, recording, analyses) from its index alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/tasks.h"

typedef struct {
    cj_task tasks[CJ_SOURCE_MAX_TASKS];
    int n_tasks;
    uint64_t seed, stream;
    int epoch;
    /* The tasks trials are drawn among (all, or a curriculum stage's):
     * their indices in order, whether every one weighs 1, their total
     * weight and the longest trial among them. */
    int active[CJ_SOURCE_MAX_TASKS], n_active;
    int uniform;
    double total_weight;
    int active_T;
    long batch;          /* the one-task batch being made, or CJ_TASK_BATCH_MIXED */
    /* One trial's step-major buffers: [T * n_obs], [T], [T], [T * n_actions]. */
    float *obs, *mask, *values;
    int *target;
    /* The last batch's trials and their tasks, grown to the largest batch. */
    cj_trial *trials;
    int *task_of;
    int cap, last_B;
} task_source;

/* splitmix64's finaliser: consecutive inputs give unrelated outputs. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The random stream of trial i of an epoch. */
static void trial_rng(const task_source *ts, int i, cj_rng *rng)
{
    uint64_t h = mix(ts->seed + 0x9e3779b97f4a7c15ULL);
    h = mix(h ^ (ts->stream + 1) * 0x9e3779b97f4a7c15ULL);
    h = mix(h ^ (uint64_t)(ts->epoch + 1) * 0xd1b54a32d192ed03ULL);
    h = mix(h ^ (uint64_t)i);
    cj_rng_seed(rng, h);
}

/* A task's weight; a task set up by hand with weight 0 counts as 1. */
static double weight_of(const cj_task *t) { return t->weight > 0 ? t->weight : 1.0; }

/* An active task in proportion to the weights (all 1: uniform, one draw
 * below n). With every task active these are the draws the source made
 * before stages existed, so a run without a curriculum makes the trials
 * it always did. */
static int pick_task(const task_source *ts, cj_rng *rng)
{
    const int n = ts->n_active;
    if (n == 1) return ts->active[0];
    if (ts->uniform) return ts->active[cj_rng_below(rng, (uint32_t)n)];
    double u = cj_rng_uniform(rng) * ts->total_weight, sum = 0;
    for (int j = 0; j < n - 1; j++)
        if (u < (sum += weight_of(&ts->tasks[ts->active[j]]))) return ts->active[j];
    return ts->active[n - 1];
}

/* The stream a one-task batch draws its task from: the trial streams'
 * hash with a tag of its own, so batch b's draw is unrelated to trial b's. */
static void batch_rng(const task_source *ts, long batch, cj_rng *rng)
{
    uint64_t h = mix((ts->seed + 0x9e3779b97f4a7c15ULL) ^ 0x6f6e652d7461736bULL /* "one-task" */);
    h = mix(h ^ (ts->stream + 1) * 0x9e3779b97f4a7c15ULL);
    h = mix(h ^ (uint64_t)(ts->epoch + 1) * 0xd1b54a32d192ed03ULL);
    h = mix(h ^ (uint64_t)batch);
    cj_rng_seed(rng, h);
}

int cj_source_task_batch_task(const cj_source *s, long batch)
{
    const task_source *ts = s->impl;
    cj_rng rng;
    batch_rng(ts, batch, &rng);
    return pick_task(ts, &rng);
}

static cj_status task_fill(cj_source *s, const int *indices, int B, cj_batch *out, cj_error *err)
{
    task_source *ts = s->impl;
    if (B > ts->cap) {
        /* Once per larger batch size, not per step. */
        cj_trial *t = realloc(ts->trials, sizeof *t * (size_t)B);
        if (t) ts->trials = t;
        int *k = t ? realloc(ts->task_of, sizeof *k * (size_t)B) : NULL;
        if (k) ts->task_of = k;
        if (!t || !k) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for a batch of %d", s->name, B);
        ts->cap = B;
    }
    /* One task per batch: its own length; mixed: the longest the active
     * tasks allow. Both are at most s->T, which the buffers are sized for. */
    const int one = ts->batch >= 0 ? cj_source_task_batch_task(s, ts->batch) : -1;
    const int T = one >= 0 ? ts->tasks[one].max_steps : ts->active_T, n_obs = s->step.c;
    out->T = out->target_steps = T;
    for (int b = 0; b < B; b++) {
        cj_rng rng;
        trial_rng(ts, indices[b], &rng);
        int k = one >= 0 ? one : pick_task(ts, &rng);
        const cj_task *task = &ts->tasks[k];
        memset(ts->obs, 0, sizeof(float) * (size_t)T * n_obs);
        memset(ts->target, 0, sizeof(int) * (size_t)T);
        memset(ts->mask, 0, sizeof(float) * (size_t)T);
        if (ts->values) memset(ts->values, 0, sizeof(float) * (size_t)T * s->dim);
        cj_trial *tr = &ts->trials[b];
        memset(tr, 0, sizeof *tr);
        cj_task_targets y = {ts->target, ts->values, ts->mask};
        task->ops->trial(task, &rng, tr, ts->obs, &y);
        ts->task_of[b] = k;
        /* Time-major, as the batch is; the steps after the trial's end
         * stay zero with mask 0 (padding). */
        for (int t = 0; t < T; t++) {
            memcpy(out->x + ((size_t)t * B + b) * n_obs, ts->obs + (size_t)t * n_obs, sizeof(float) * n_obs);
            if (ts->values)
                memcpy(out->values + ((size_t)t * B + b) * s->dim, ts->values + (size_t)t * s->dim,
                       sizeof(float) * s->dim);
            else
                out->labels[(size_t)t * B + b] = t < tr->T ? ts->target[t] : 0;
            out->mask[(size_t)t * B + b] = t < tr->T ? ts->mask[t] : 0.0f;
        }
    }
    ts->last_B = B;
    return CJ_OK;
}

static void task_free(cj_source *s)
{
    task_source *ts = s->impl;
    if (!ts) return;
    free(ts->obs);
    free(ts->mask);
    free(ts->values);
    free(ts->target);
    free(ts->trials);
    free(ts->task_of);
    free(ts);
    s->impl = NULL;
}

static const cj_source_ops TASK_OPS = {"task", task_fill, task_free};

_Static_assert(CJ_SOURCE_MAX_TASKS <= 32, "a set of tasks is a uint32_t");

const char *cj_task_batches_name(cj_task_batches b) { return b == CJ_TASK_BATCHES_ONE ? "one" : "mixed"; }

cj_status cj_task_batches_parse(const char *name, cj_task_batches *b, cj_error *err)
{
    if (!strcmp(name, "mixed")) *b = CJ_TASK_BATCHES_MIXED;
    else if (!strcmp(name, "one")) *b = CJ_TASK_BATCHES_ONE;
    else return cj_fail(err, CJ_ERR_CONFIG, "'%s' is not mixed (each trial draws its task) or one (each batch draws "
                        "one task)", name);
    return CJ_OK;
}

cj_status cj_source_task(const cj_task *tasks, int n_tasks, int n_trials, uint64_t seed, uint64_t stream,
                         cj_source *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    if (n_tasks < 1 || n_tasks > CJ_SOURCE_MAX_TASKS)
        return cj_fail(err, CJ_ERR_ARG, "data.task: %d tasks (1 to %d)", n_tasks, CJ_SOURCE_MAX_TASKS);
    if (n_trials < 1) return cj_fail(err, CJ_ERR_ARG, "data.task: %d trials (at least 1)", n_trials);
    cj_status st = cj_tasks_check(tasks, n_tasks, err);
    if (st) return st;
    int T = 0;
    for (int k = 0; k < n_tasks; k++) T = tasks[k].max_steps > T ? tasks[k].max_steps : T;
    int n_obs = tasks[0].n_obs, values = tasks[0].ops->target == CJ_TARGET_VALUES;
    /* One loss for the whole batch: the tasks' output weights must agree. */
    const float *weights = values ? tasks[0].ops->output_weights : NULL;
    for (int k = 1; k < n_tasks; k++) {
        const float *w = tasks[k].ops->output_weights;
        int same = (!w && !weights) ||
                   (w && weights && !memcmp(w, weights, sizeof(float) * (size_t)tasks[0].n_actions));
        if (values && !same)
            return cj_fail(err, CJ_ERR_CONFIG, "data.task: %s and %s weigh their outputs differently in the loss; "
                           "train them in separate runs", tasks[0].name, tasks[k].name);
    }
    if ((size_t)T * n_obs > CJ_MAX_ELEMENTS)
        return cj_fail(err, CJ_ERR_CONFIG, "data.task: trials of %d steps x %d inputs: more than %u floats", T,
                       n_obs, CJ_MAX_ELEMENTS);
    task_source *ts = calloc(1, sizeof *ts);
    char name[64 + CJ_TASK_NAME_MAX];
    snprintf(name, sizeof name, n_tasks > 1 ? "data.task (%s and %d more)" : "data.task (%s)", tasks[0].name,
             n_tasks - 1);
    char *label = strdup(name);
    if (ts) {
        ts->obs = malloc(sizeof(float) * (size_t)T * n_obs);
        ts->mask = malloc(sizeof(float) * (size_t)T);
        ts->target = malloc(sizeof(int) * (size_t)T);
        if (values) ts->values = malloc(sizeof(float) * (size_t)T * tasks[0].n_actions);
    }
    out->impl = ts;
    out->ops = &TASK_OPS;
    out->name = label;
    if (!ts || !label || !ts->obs || !ts->mask || !ts->target || (values && !ts->values)) {
        cj_source_free(out);
        return cj_fail(err, CJ_ERR_NOMEM, "data.task: out of memory");
    }
    memcpy(ts->tasks, tasks, sizeof *tasks * (size_t)n_tasks);
    ts->n_tasks = n_tasks;
    ts->batch = CJ_TASK_BATCH_MIXED;
    cj_source_task_set_active(out, 0);
    ts->seed = seed;
    ts->stream = stream;
    out->n = n_trials;
    out->T = T;
    out->step = (cj_shape){n_obs, 1, 1};
    out->target = values ? CJ_TARGET_VALUES : CJ_TARGET_LABELS;
    out->dim = values ? tasks[0].n_actions : 0;
    out->target_steps = T;
    out->n_classes = values ? 0 : tasks[0].n_actions;
    out->has_mask = 1;
    out->value_weights = weights;
    return CJ_OK;
}

int cj_source_is_task(const cj_source *s) { return s->ops == &TASK_OPS; }

const cj_task *cj_source_tasks(const cj_source *s, int *n_tasks)
{
    const task_source *ts = s->impl;
    *n_tasks = ts->n_tasks;
    return ts->tasks;
}

void cj_source_task_set_active(cj_source *s, uint32_t tasks)
{
    task_source *ts = s->impl;
    uint32_t all = ts->n_tasks >= 32 ? 0xffffffffu : ((uint32_t)1 << ts->n_tasks) - 1;
    if (!(tasks & all)) tasks = all;
    ts->n_active = 0;
    ts->uniform = 1;
    ts->total_weight = 0;
    ts->active_T = 0;
    for (int k = 0; k < ts->n_tasks; k++) {
        if (!(tasks >> k & 1)) continue;
        const cj_task *t = &ts->tasks[k];
        ts->active[ts->n_active++] = k;
        ts->total_weight += weight_of(t);
        if (weight_of(t) != 1.0) ts->uniform = 0;
        if (t->max_steps > ts->active_T) ts->active_T = t->max_steps;
    }
}

void cj_source_task_set_batch(cj_source *s, long batch)
{
    task_source *ts = s->impl;
    ts->batch = batch < 0 ? CJ_TASK_BATCH_MIXED : batch;
}

void cj_source_task_set_epoch(cj_source *s, int epoch)
{
    task_source *ts = s->impl;
    ts->epoch = epoch;
}

const cj_trial *cj_source_task_trials(const cj_source *s, const int **task_of, int *B)
{
    const task_source *ts = s->impl;
    *task_of = ts->task_of;
    *B = ts->last_B;
    return ts->trials;
}
