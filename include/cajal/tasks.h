/* tasks.h — cognitive tasks: trials of what animals are trained to do,
 * generated from a seed, as data sources a recurrent network trains on.
 *
 * A trial is a sequence of named periods (fixation, stimulus, delay,
 * decision) whose durations in ms are drawn from distributions and cut
 * into steps of dt ms. At every step the task gives the observations
 * (named input channels), the target action and a loss weight, as
 * NeuroGym does: action 0 is "fixate", actions 1..n the choices. The trial
 * also records its condition (coherences, context, the correct choice) for
 * the analyses that sort trials by it.
 *
 * Performance is NeuroGym's and Yang et al. (2019)'s: a trial is correct
 * when the network held fixation (its most probable action was 0) at
 * every step before the response window, and its first action other than
 * fixation inside the window is the correct one. In trials whose correct
 * response is to keep fixating (no-go), it must fixate throughout.
 *
 *     cj_task task;
 *     char spec[] = "contextdm sigma=1 stimulus=750";
 *     if (cj_task_parse(spec, 0, &task, &err)) ...
 *     cj_source src;                                   // 1000 trials of it, from seed 7
 *     if (cj_source_task(&task, 1, 1000, 7, 0, &src, &err)) ...
 *     ... cj_batch_alloc / cj_source_fill as for any source (source.h) ...
 *     cj_trial_score s = cj_task_score(&task, &trial, outputs, stride);
 *
 * A new task is one file in src/tasks/ with its cj_task_ops table, one
 * line in src/tasks/registry.c and its test (docs/tasks.md). */
#ifndef CAJAL_TASKS_H
#define CAJAL_TASKS_H

#include <stdint.h>

#include "cajal/objectives.h"
#include "cajal/rng.h"
#include "cajal/source.h"
#include "cajal/spec.h"
#include "cajal/status.h"

/* ---- durations --------------------------------------------------------------
 * As NeuroGym's timing entries, written in an option value:
 *     300                    constant, ms
 *     uniform:300:700        uniform in [300, 700]
 *     choice:100:200:400     one of the listed values, equally likely
 *     truncexp:600:300:3000  exponential with mean 600 truncated to [300, 3000]
 *                            (NeuroGym's truncated_exponential)                      */
typedef enum { CJ_DURATION_CONSTANT, CJ_DURATION_UNIFORM, CJ_DURATION_CHOICE, CJ_DURATION_TRUNCEXP } cj_duration_kind;
enum { CJ_DURATION_MAX_CHOICES = 8 };

typedef struct {
    cj_duration_kind kind;
    int n;                              /* CHOICE: how many values */
    float v[CJ_DURATION_MAX_CHOICES];   /* CONSTANT v0; UNIFORM [v0, v1]; CHOICE v[0..n); TRUNCEXP mean v0 in [v1, v2] */
} cj_duration;

/* Parse `text` as above; why it is not a duration goes into `why` (a
 * phrase, for the caller's message). Durations are >= 0 and at most
 * CJ_TASK_MAX_MS. */
enum { CJ_TASK_MAX_MS = 600000 };
cj_status cj_duration_parse(const char *text, cj_duration *d, char *why, size_t why_len);
/* The longest duration it can draw, ms. */
float cj_duration_max(const cj_duration *d);
/* A draw, ms. */
float cj_duration_draw(const cj_duration *d, cj_rng *rng);
/* As written back into an option value (the inverse of cj_duration_parse). */
void cj_duration_format(const cj_duration *d, char *out, size_t len);

/* ---- trials ----------------------------------------------------------------- */

enum { CJ_TASK_MAX_PERIODS = 8, CJ_TASK_MAX_CONDITIONS = 8, CJ_TASK_NAME_MAX = 32 };
/* The longest data.task list, written out in full (the 20 tasks of Yang
 * et al. 2019 take about 2.5 kB). */
enum { CJ_TASK_SPEC_MAX = 8192 };

typedef struct {
    int T;                 /* steps of this trial; the rest of a batch's T is padding (mask 0) */
    int n_periods;
    struct {
        const char *name;  /* the task's period name ("stimulus") */
        int start, end;    /* steps [start, end) */
    } period[CJ_TASK_MAX_PERIODS];
    int response_start, response_end; /* the response window, steps [start, end) */
    int ground_truth;      /* the correct action in the window: 1..n_actions-1, or 0 (keep fixating) */
    double condition[CJ_TASK_MAX_CONDITIONS]; /* the task's conditions, in ops->conditions order */
} cj_trial;

/* How a network did on one trial, from its outputs at every step. */
typedef struct {
    int correct;           /* 1 or 0: performance as defined above */
    int fixation_broken;   /* it chose an action other than fixation before the window */
    int response;          /* its first action other than 0 in the window, or 0 (none) */
    int choice;            /* argmax over actions 1..n at the end of the window (ignores fixation) */
    int response_step;     /* the step of `response`, or -1 */
} cj_trial_score;

typedef struct cj_task cj_task;

/* Where a trial's targets go, each for its T steps (step-major). */
typedef struct {
    int *action;    /* [T] the target action: tasks with target = CJ_TARGET_LABELS */
    float *values;  /* [T * n_actions] target output values: tasks with CJ_TARGET_VALUES (ring outputs) */
    float *mask;    /* [T] the loss weight of each step */
} cj_task_targets;

typedef struct {
    const char *period;    /* "stimulus" */
    const char *def;       /* its default duration, as written in an option ("750") */
} cj_task_period_def;

typedef struct {
    const char *name;      /* the word in data.task: "contextdm" */
    const char *summary;   /* one line, for docs and messages */
    /* The task's own options beyond the common ones (dt=, sigma= and one
     * per period), for "unknown option" messages: "coherences=, ..." or NULL. */
    const char *options;
    /* Its periods in trial order, with default durations; each can be set
     * by an option of its name ("delay=uniform:300:1500"). 0 ms skips it. */
    const cj_task_period_def *periods;
    int n_periods;
    /* Names of the trial's conditions, comma-separated, in cj_trial.condition
     * order: the columns of conditions.csv ("context,motion_coh,colour_coh"). */
    const char *conditions;
    /* What the network is trained to produce: an action per step
     * (CJ_TARGET_LABELS, cross-entropy; the default, 0) or output values
     * per step (CJ_TARGET_VALUES, e.g. Yang et al.'s fixation and ring
     * outputs, MSE). */
    cj_target_kind target;
    /* CJ_TARGET_VALUES: [n_actions] each output's weight in the loss
     * (cj_target.value_weights), or NULL (all 1). Tasks trained together
     * must weigh their outputs alike. */
    const float *output_weights;
    /* Read the task's own options (cj_spec_*), and set n_obs, n_actions,
     * obs_names and action_names. dt, sigma and the periods are read. */
    cj_status (*parse)(cj_task *t, cj_spec_args *a, cj_error *err);
    /* Make one trial from rng: its periods (cj_task_draw_periods), response
     * window, ground truth and conditions into *trial; obs[T * n_obs]
     * (step-major) and the targets of its kind (*y) for its T steps. The
     * buffers hold t->max_steps steps and are zeroed before the call. */
    void (*trial)(const cj_task *t, cj_rng *rng, cj_trial *trial, float *obs, const cj_task_targets *y);
    /* Score the network on a trial (see cj_task_score); NULL: the
     * discrete-action rule above. */
    cj_trial_score (*score)(const cj_task *t, const cj_trial *trial, const float *out, size_t stride);
    /* Append the task's own options as they are now (" coherences=5:15:50"),
     * so cj_task_format writes a complete item; NULL when it has none. */
    void (*format_options)(const cj_task *t, char *out, size_t len);
    /* The reward of a whole trial, for reward-driven rules (see
     * cj_task_reward); NULL: cj_task_reward_default. */
    double (*reward)(const cj_task *t, const cj_trial *trial, const cj_trial_score *s);
} cj_task_ops;

struct cj_task {
    const cj_task_ops *ops;
    char name[CJ_TASK_NAME_MAX];   /* ops->name, for metrics */
    float dt;                      /* ms per step (dt=, default 20 as Song et al. 2016, Yang et al. 2019) */
    float sigma;                   /* input noise (sigma=): N(0, (sigma/sqrt(dt))^2) per step, as NeuroGym */
    float weight;                  /* weight=: how often its trials come, relative to the others' (1) */
    cj_duration timing[CJ_TASK_MAX_PERIODS]; /* ops->periods' durations */
    int n_obs, n_actions;          /* input channels; actions including fixation (0), or for
                                    * CJ_TARGET_VALUES tasks the outputs (fixation first) */
    int max_steps;                 /* the longest trial the timing allows */
    const char *obs_names;         /* comma-separated, n_obs of them */
    const char *action_names;      /* comma-separated, n_actions */
    double priv[32];               /* the task's own settings (ops->priv_bytes <= its 256 bytes),
                                    * held here so a task is copied by value and owns nothing */
};

/* One data.task item, e.g. "perceptualdm coherences=0:6.4:51.2 dt=10",
 * parsed in place (`item` is modified). index is its place in the list,
 * for messages. An unknown task lists the known ones; an unknown option
 * lists the task's. */
cj_status cj_task_parse(char *item, int index, cj_task *t, cj_error *err);

/* The task written back as a data.task item that parses to the same task
 * (every option explicit), for config.ini. */
void cj_task_format(const cj_task *t, char *out, size_t len);

/* A whole data.task list ("contextdm, perceptualdm dt=10") into
 * tasks[0..*n), at most max; an empty list is an error. The tasks must be
 * able to train together (the same inputs and actions). */
cj_status cj_tasks_parse(const char *list, cj_task *tasks, int max, int *n, cj_error *err);
/* Tasks trained together must have the same inputs and actions. */
cj_status cj_tasks_check(const cj_task *tasks, int n, cj_error *err);
/* The list written back in full, ", "-separated; CJ_ERR_CONFIG when it
 * does not fit in len. */
cj_status cj_tasks_format(const cj_task *tasks, int n, char *out, size_t len, cj_error *err);

/* Draw the periods' durations (ms, rounded to the nearest whole step of
 * dt) into trial->period and set trial->T. */
void cj_task_draw_periods(const cj_task *t, cj_rng *rng, cj_trial *trial);
/* The steps [start, end) of the period called `name`; 0 when the trial
 * has no such period (or it lasted 0 steps). */
int cj_trial_period(const cj_trial *trial, const char *name, int *start, int *end);

/* Item k of a comma-separated list of names (a task's conditions,
 * obs_names or action_names) into buf; "" past the list's end. */
const char *cj_task_list_item(const char *list, int k, char *buf, size_t len);
/* The position of `name` in such a list, or -1. */
int cj_task_list_index(const char *list, const char *name);

/* Helpers for the tasks' own code. A list option of numbers, written
 * "5:15:50", each in [lo, hi], at most max of them (default `def`, in the
 * same syntax). */
cj_status cj_task_arg_list(cj_spec_args *a, const char *key, const char *def, float lo, float hi, int max,
                           float *v, int *n, cj_error *err);
/* The same list back, ":"-separated, after " key=". */
void cj_task_format_numbers(const char *key, const float *v, int n, char *out, size_t len);
/* Add the task's input noise, N(0, (sigma / sqrt(dt))^2) (NeuroGym), to
 * channels [ch, ch + n_ch) of steps [start, end) of obs. */
void cj_task_add_noise(const cj_task *t, cj_rng *rng, float *obs, int start, int end, int ch, int n_ch);
/* NeuroGym's targets for a trial decided from step d0 on: fixate (0)
 * before it, gt from it to the end, every step weighing 1; the response
 * window is [d0, T) and the ground truth gt. */
void cj_task_decision_targets(cj_trial *tr, const cj_task_targets *y, int d0, int gt);
/* Set channel ch of steps [start, end) to value. */
void cj_task_set_obs(const cj_task *t, float *obs, int start, int end, int ch, float value);

/* A context-dependent integration trial's conditions (Mante et al. 2013;
 * contextdm and mante): the context (0 motion, 1 colour), and motion and
 * colour coherences each drawn from coherences[0..n) with either sign,
 * independently; the ground truth is 1 when the relevant one is positive,
 * 2 when negative, a coin flip at 0 (no right answer). */
typedef struct {
    int context;
    float motion, colour;
    int ground_truth;
} cj_context_draw;
cj_context_draw cj_task_draw_context(cj_rng *rng, const float *coherences, int n);

/* Score a trial from the network's outputs: out + t * stride is the
 * n_actions scores (logits or probabilities) of step t. The task's own
 * ops->score when it has one, else cj_task_score_actions. */
cj_trial_score cj_task_score(const cj_task *task, const cj_trial *trial, const float *out, size_t stride);
/* The discrete-action rule of the header comment. */
cj_trial_score cj_task_score_actions(const cj_task *task, const cj_trial *trial, const float *out, size_t stride);

/* ---- rewards ------------------------------------------------------------------
 * The reward-based version of every task: the same trials, scored by one
 * reward per trial (from its cj_trial_score) for rules that learn from
 * reward alone (node perturbation, Miconi 2017's rule, REINFORCE).
 * NeuroGym's defaults (rewards = {abort: -0.1, correct: +1, fail: 0}):
 *     -0.1  fixation was broken before the response window (the abort
 *           penalty; NeuroGym gives it per step, here once per trial)
 *     +1    correct (including keeping fixation on a no-go trial)
 *      0    wrong, or no response where one was required
 * A task whose NeuroGym rewards differ (gonogo) has its own ops->reward. */
double cj_task_reward_default(const cj_task *t, const cj_trial *trial, const cj_trial_score *s);
/* The task's own ops->reward when it has one, else the default. */
double cj_task_reward(const cj_task *t, const cj_trial *trial, const cj_trial_score *s);

/* The registered tasks (src/tasks/registry.c), and one by name. */
extern const cj_task_ops cj_perceptual_dm_ops, cj_context_dm_ops, cj_mante_ops;
/* The 20 tasks of Yang et al. (2019, Nat Neurosci 22:297), in their order:
 * 85 inputs (fixation, two rings of 32, 20 rule inputs), 33 output values
 * (fixation, a ring of 32); src/tasks/yang.h. */
extern const cj_task_ops cj_yang_fdgo_ops, cj_yang_reactgo_ops, cj_yang_delaygo_ops,
    cj_yang_fdanti_ops, cj_yang_reactanti_ops, cj_yang_delayanti_ops,
    cj_yang_dm1_ops, cj_yang_dm2_ops, cj_yang_contextdm1_ops,
    cj_yang_contextdm2_ops, cj_yang_multidm_ops, cj_yang_delaydm1_ops,
    cj_yang_delaydm2_ops, cj_yang_contextdelaydm1_ops,
    cj_yang_contextdelaydm2_ops, cj_yang_multidelaydm_ops, cj_yang_dmsgo_ops,
    cj_yang_dmsnogo_ops, cj_yang_dmcgo_ops, cj_yang_dmcnogo_ops;
extern const cj_task_ops cj_perceptual_dm_rt_ops, cj_romo_ops, cj_dms_ops, cj_dnms_ops, cj_gonogo_ops;
const cj_task_ops *const *cj_task_registry(int *n);
const cj_task_ops *cj_task_ops_find(const char *name);

/* ---- tasks as data sources -------------------------------------------------------
 * n_trials trials of the tasks (each trial's task drawn among them in
 * proportion to their weight=; all must have the same n_obs, n_actions
 * and target kind) as a
 * source (source.h): T = the longest trial (a batch may be shorter:
 * cj_source_task_set_active, cj_source_task_set_batch); inputs [T, B, n_obs]; labels
 * [T, B] the target action per step, or values [T, B, n_actions]; mask
 * [T, B] the loss weight, 0 after a trial's end.
 * Trial i is a function of (seed, stream, epoch, i) alone, so any batch
 * of any order is reproducible; `stream` keeps training and test trials
 * apart (e.g. 0 and 1). The tasks are copied. */
enum { CJ_SOURCE_MAX_TASKS = 32 }; /* at most 32: a set of them is one uint32_t */
/* The streams the trainer uses: training trials, and the held-out test
 * trials the analyses also regenerate. */
enum { CJ_TASK_STREAM_TRAIN = 0, CJ_TASK_STREAM_TEST = 1 };
cj_status cj_source_task(const cj_task *tasks, int n_tasks, int n_trials, uint64_t seed, uint64_t stream,
                         cj_source *out, cj_error *err);
/* How a training batch's trials get their tasks (data.task_batches):
 *   CJ_TASK_BATCHES_MIXED  every trial draws its own task by the weights
 *                          (the default); the batch lasts the longest
 *                          trial its tasks allow
 *   CJ_TASK_BATCHES_ONE    every batch draws one task by the weights and
 *                          all its trials are that task's, as Yang et al.
 *                          (2019) train; the batch lasts that task's own
 *                          max_steps, with no padding to a longer task */
typedef enum { CJ_TASK_BATCHES_MIXED, CJ_TASK_BATCHES_ONE } cj_task_batches;
/* "mixed", "one". */
const char *cj_task_batches_name(cj_task_batches b);
cj_status cj_task_batches_parse(const char *name, cj_task_batches *b, cj_error *err);

/* Is s a task source? Its tasks then. */
int cj_source_is_task(const cj_source *s);
const cj_task *cj_source_tasks(const cj_source *s, int *n_tasks);
/* New trials for a new epoch (the trainer calls it at the start of each). */
void cj_source_task_set_epoch(cj_source *s, int epoch);
/* Draw trials only among the tasks whose bit is set in `tasks` (bit k:
 * task k of cj_source_tasks), as a curriculum stage does; 0 (or every
 * bit) = all of them, as the source starts. Bits past the source's tasks
 * are ignored. A mixed batch then lasts the longest of those tasks' trials
 * (out->T of the fill is at most s->T). With every task drawn, trial i is
 * what it was before any call: the choice among them draws the same
 * numbers. */
void cj_source_task_set_active(cj_source *s, uint32_t tasks);
/* One task per batch (CJ_TASK_BATCHES_ONE): the fills after this call
 * make batch `batch` (0-based) of the current epoch, every trial of task
 * cj_source_task_batch_task(s, batch), and the batch (out->T and
 * out->target_steps) lasts that task's max_steps. Trial i of it is still
 * made from the stream of (seed, stream, epoch, i). CJ_TASK_BATCH_MIXED
 * (any batch < 0) goes back to mixed trials, as the source starts. */
enum { CJ_TASK_BATCH_MIXED = -1 };
void cj_source_task_set_batch(cj_source *s, long batch);
/* The task batch `batch` of the current epoch draws among the active
 * tasks by their weights: a function of (seed, stream, epoch, batch) and
 * the active tasks alone, on a stream no trial uses. */
int cj_source_task_batch_task(const cj_source *s, long batch);

/* The trials the last cj_source_fill made, [B] of them, and which task
 * (index into cj_source_tasks) each came from. */
const cj_trial *cj_source_task_trials(const cj_source *s, const int **task_of, int *B);

/* ---- rewards ------------------------------------------------------------------
 * A task source's batch as a critic (objectives.h) for reward-driven
 * rules: trial b's reward is its task's reward for the network's outputs
 * (cj_task_reward), and its type a hash of its
 * conditions, so trials that look alike to the animal share a baseline. */
typedef struct {
    cj_critic critic;          /* points at this struct: pass &c->critic in cj_target */
    const cj_source *src;
    cj_trial *trials;          /* the captured batch, [n] */
    int *task_of;
    int n, cap;
} cj_task_critic;

/* Capture the trials of the batch just filled from src (a task source) so
 * that the critic judges them even after src fills another batch. Grows
 * its copy to the largest batch once; no allocation after that. */
cj_status cj_task_critic_capture(cj_task_critic *c, const cj_source *src, cj_error *err);
void cj_task_critic_free(cj_task_critic *c);

#endif
