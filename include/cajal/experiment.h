/* experiment.h — an experiment file: INI sections [data], [model],
 * [objective], [rule], [optim], [train] and [curriculum] (see
 * docs/experiment-file.md).
 * Every key can be overridden with "section.key=value" (the CLI's --set).
 * Unknown sections, keys and malformed values are errors naming them. */
#ifndef CAJAL_EXPERIMENT_H
#define CAJAL_EXPERIMENT_H

#include <stdint.h>
#include <stdio.h>

#include "cajal/data.h"
#include "cajal/objectives.h"
#include "cajal/optim.h"
#include "cajal/rbm.h"
#include "cajal/rules.h"
#include "cajal/source.h"
#include "cajal/status.h"
#include "cajal/tasks.h"

enum { CJ_PATH_MAX = 1024, CJ_SPEC_MAX = 2048 };

/* [curriculum]: staged task schedules (data.format = task). Stage s trains
 * on some of data.task's tasks until each of them reaches `until` on the
 * test trials or it has trained `max_epochs` epochs, whichever comes
 * first; after the last stage, training goes on with every task of
 * data.task (docs/tasks.md, "Curricula"). */
enum { CJ_CURRICULUM_MAX_STAGES = 8, CJ_STAGE_TASKS_MAX = 1024 };
typedef struct {
    char tasks[CJ_STAGE_TASKS_MAX];   /* names of data.task's tasks, ", "-separated; "" = no such stage */
    float until;                      /* advance when every one is at least this (0 = no threshold) */
    int max_epochs;                   /* advance after this many epochs in the stage (0 = no limit) */
} cj_curriculum_stage;

/* Which keys a file or --set gave: bit i is the i-th key of the table in
 * experiment.c. */
typedef struct {
    uint64_t bits[2];
} cj_key_set;

typedef struct {
    /* [data] */
    cj_data_format format;            /* idx or npy */
    char data_dir[CJ_PATH_MAX];
    char train_images[CJ_PATH_MAX], train_labels[CJ_PATH_MAX];  /* labels: IDX or .npy */
    char test_images[CJ_PATH_MAX], test_labels[CJ_PATH_MAX];
    /* npy only ("" = not given): inputs, one target kind, optional mask */
    char train_inputs[CJ_PATH_MAX], train_targets[CJ_PATH_MAX], train_counts[CJ_PATH_MAX], train_mask[CJ_PATH_MAX];
    char test_inputs[CJ_PATH_MAX], test_targets[CJ_PATH_MAX], test_counts[CJ_PATH_MAX], test_mask[CJ_PATH_MAX];
    int sequence;                     /* npy inputs are [N, T, F] */
    /* task only: the tasks (a list of tasks.h items) and trials per epoch / in the test set */
    char task[CJ_TASK_SPEC_MAX];
    int train_trials, test_trials;
    cj_task_batches task_batches;     /* mixed (each trial draws its task) or one (each batch draws one) */
    cj_pixel_scale scale;
    float validation;                 /* fraction of the training set held out; 0 = none */
    int train_samples, test_samples;  /* 0 = all */
    /* [model] */
    char layers[CJ_SPEC_MAX];
    char init[CJ_PATH_MAX];           /* safetensors to start from; "" = random */
    /* [objective] */
    cj_objective loss;                /* its settings; no work memory */
    /* [rule] */
    cj_rule_config rule;
    /* [optim] */
    cj_optim_config optim;
    /* [train] */
    int epochs, batch, shuffle, steps;
    int checkpoints;                  /* keep every epoch's model in checkpoints/epoch_NNN/ (default off) */
    uint64_t seed;
    int diag_batch, diag_draws;
    float stop_at_performance;        /* task: stop when every task's test performance reaches it (after
                                       * the curriculum's stages); 0 = off */
    /* [rbm]: read when model.layers = rbm H (src/train/rbm_run.c) */
    cj_rbm_config rbm;
    /* [curriculum] stage1 .. stage8; the stages in use come first, without gaps */
    cj_curriculum_stage stages[CJ_CURRICULUM_MAX_STAGES];
    /* A key that does not apply to the chosen optimiser or rule is an
     * error only when the user set it. */
    cj_key_set keys_given;
} cj_experiment;

/* The [curriculum] stages in use (0: none). */
int cj_experiment_n_stages(const cj_experiment *e);

/* Defaults: Fashion-MNIST from the Debian package, an MLP, backprop, SGD. */
void cj_experiment_defaults(cj_experiment *e);

/* The data files of the training or test split, as cj_source_open takes
 * them (IDX images are the inputs; "" = not given). */
cj_data_files cj_experiment_train_files(const cj_experiment *e);
cj_data_files cj_experiment_test_files(const cj_experiment *e);

/* data.task parsed into tasks[0..*n) (at most max); errors name the item. */
cj_status cj_experiment_tasks(const cj_experiment *e, cj_task *tasks, int max, int *n, cj_error *err);

/* Read an experiment file over the current values. */
cj_status cj_experiment_load(cj_experiment *e, const char *path, cj_error *err);

/* Apply one "section.key=value" override. */
cj_status cj_experiment_set(cj_experiment *e, const char *assignment, cj_error *err);

/* Check values that depend on each other (a key given for a data format,
 * optimiser or rule other than the chosen one is an error naming it; so
 * are data files missing for the format and an objective that does not fit
 * the targets), fill the defaults that depend on data.format and
 * optim.name and make data paths absolute under data.dir. */
cj_status cj_experiment_finish(cj_experiment *e, cj_error *err);

/* model.layers = rbm H: the experiment trains a restricted Boltzmann
 * machine (cj_rbm_train in train.h), not a network by a rule. */
int cj_experiment_is_rbm(const cj_experiment *e);

/* Write the resolved experiment as an INI file that reproduces the run. */
void cj_experiment_write(const cj_experiment *e, FILE *f);

#endif
