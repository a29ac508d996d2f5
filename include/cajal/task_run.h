/* task_run.h — a trained network run on trials of its tasks, kept for the
 * analyses that study it like a recorded animal: each trial's timing and
 * condition (tasks.h), how the network did on it, and optionally its
 * outputs and one layer's activity at every step.
 *
 *     cj_task_run run;
 *     cj_task_run_options o = {.layer = 0, .keep_outputs = 1};   // record layer 0 (the RNN)
 *     if (cj_task_run_model(&m, &src, 2000, &o, &run, &err)) ...
 *     ... run.scores[i].choice, run.trials[i].condition[1], run.states[(i * T + t) * units + u] ...
 *     cj_task_run_free(&run);
 *
 * The network runs as in training, recurrent noise included (the noise
 * streams are put back afterwards, as cj_evaluate does). */
#ifndef CAJAL_TASK_RUN_H
#define CAJAL_TASK_RUN_H

#include "cajal/model.h"
#include "cajal/source.h"
#include "cajal/status.h"
#include "cajal/tasks.h"

typedef struct {
    int layer;         /* record this layer's output (index into m->layers); -1 for none */
    int keep_outputs;  /* keep the last layer's output at every step */
    /* Record this recurrent layer's state after every step (a rate RNN's
     * x rather than its rates f(x); a GRU's h; an LSTM's [h, c]): what the
     * fixed-point finder starts from. -1 for none. The model then runs one
     * step at a time, which gives the same numbers. */
    int state_layer;
} cj_task_run_options;

typedef struct {
    int n, T;                /* trials; steps (src->T, the longest trial: shorter ones are padded; when
                              * the source draws among some of its tasks only, a batch runs for the
                              * longest of theirs and the steps after it are 0) */
    int n_tasks;             /* the source's tasks, which task_of indexes */
    cj_task tasks[CJ_SOURCE_MAX_TASKS];
    cj_trial *trials;        /* [n] */
    int *task_of;            /* [n] */
    cj_trial_score *scores;  /* [n] */
    int n_out;               /* outputs per step */
    float *outputs;          /* [n, T, n_out], or NULL */
    int layer, units;        /* the recorded layer and its size, or -1 and 0 */
    float *states;           /* [n, T, units], trial-major as `cajal record` writes, or NULL */
    int state_layer, state_size;  /* the layer whose state was recorded, floats per sample; -1 and 0 */
    float *hidden;           /* [n, T, state_size], or NULL */
} cj_task_run;

/* Run m on trials 0..n-1 of the task source src (n <= src->n) in batches
 * of m->max_batch. src->T must be at most m->max_steps. On failure nothing
 * needs freeing. */
cj_status cj_task_run_model(cj_model *m, cj_source *src, int n, const cj_task_run_options *opt, cj_task_run *out,
                            cj_error *err);
void cj_task_run_free(cj_task_run *r);

/* Performance per task (fraction correct, NaN for a task with no trials)
 * into perf[0..r->n_tasks). */
void cj_task_run_performance(const cj_task_run *r, double *perf);

#endif
