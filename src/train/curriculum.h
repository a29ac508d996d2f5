/* curriculum.h — staged task schedules ([curriculum] in experiment.h):
 * the checks of the stages against data.task when an experiment is
 * finished, and where a run stands in them as it trains. Private to
 * src/train/.
 *
 * A curriculum of K stages makes K + 1 of them at run time: stage s
 * (0-based, s < K) draws its trials among its own tasks until each of
 * them reaches its `until` on the test trials, or it has trained its
 * `max_epochs`; then stage K trains on every task of data.task until
 * train.epochs or train.stop_at_performance ends the run. An epoch ends
 * at most one stage, so every stage trains at least one epoch. */
#ifndef CAJAL_TRAIN_CURRICULUM_H
#define CAJAL_TRAIN_CURRICULUM_H

#include <stdint.h>

#include "cajal/experiment.h"
#include "cajal/tasks.h"
#include "cajal/train.h"

/* Which of a stage's three keys the user gave. */
typedef struct {
    int tasks, until, max_epochs;
} cj_stage_keys_given;

/* Check e's stages (data.format = task, data.task already finished):
 * numbered from 1 without gaps, each naming one or more of data.task's
 * tasks without options, none twice, each with an end (until or
 * max_epochs), no stageN_until or stageN_max_epochs without its stageN.
 * Each stage's list is written back as ", "-separated names. Errors are
 * one line naming the key and its value. */
cj_status cj_curriculum_finish(cj_experiment *e, const cj_stage_keys_given given[CJ_CURRICULUM_MAX_STAGES],
                               cj_error *err);

typedef struct {
    int n_stages;                               /* K, the stages of [curriculum]; 0 = none */
    uint32_t tasks[CJ_CURRICULUM_MAX_STAGES];   /* stage s's tasks: bit k = task k of data.task */
    float until[CJ_CURRICULUM_MAX_STAGES];
    int max_epochs[CJ_CURRICULUM_MAX_STAGES];
    /* Where the run stands; train_state.safetensors keeps both. */
    int stage;                                  /* the stage the next epoch trains in, 0..K (K: every task) */
    int since;                                  /* the last epoch before that stage began (0: the run's start) */
} cj_curriculum;

/* The stages of e over its tasks (those of the task source, in data.task
 * order), at the start of a run: stage 0, since 0. Without stages, K = 0
 * and the run is in its last stage from the start. */
cj_status cj_curriculum_make(cj_curriculum *c, const cj_experiment *e, const cj_task *tasks, int n_tasks,
                             cj_error *err);

/* The tasks the current stage draws among (cj_source_task_set_active);
 * 0 = all. */
uint32_t cj_curriculum_active(const cj_curriculum *c);

/* Whether the run trains on every task now: train.stop_at_performance
 * applies only then. */
int cj_curriculum_in_last(const cj_curriculum *c);

/* After epoch `epoch`, trained in the current stage, with the test
 * performance per task (NaN for a task without test trials, which never
 * counts as reached): move on to the next stage when this one is done,
 * and say why. */
cj_stage_end cj_curriculum_after_epoch(cj_curriculum *c, int epoch, const double *performance, int n_tasks);

/* As train_state.safetensors holds it: "STAGE SINCE", both in decimal. */
enum { CJ_CURRICULUM_TEXT_MAX = 32 };
void cj_curriculum_text(const cj_curriculum *c, char *buf, size_t len);
/* Parse that text into c (its stages already made), checking the stage is
 * at most K and since at most `epoch`, the epoch the state holds; 0 when
 * it is not such a text. */
int cj_curriculum_parse(cj_curriculum *c, const char *text, int epoch);

#endif
