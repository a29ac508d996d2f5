/* experiment.h — an experiment file: INI sections [data], [model],
 * [objective], [rule], [optim] and [train] (see docs/experiment-file.md).
 * Every key can be overridden with "section.key=value" (the CLI's --set).
 * Unknown sections, keys and malformed values are errors naming them. */
#ifndef CAJAL_EXPERIMENT_H
#define CAJAL_EXPERIMENT_H

#include <stdint.h>
#include <stdio.h>

#include "cajal/data.h"
#include "cajal/objectives.h"
#include "cajal/optim.h"
#include "cajal/rules.h"
#include "cajal/status.h"

enum { CJ_PATH_MAX = 1024, CJ_SPEC_MAX = 2048 };

typedef struct {
    /* [data] */
    char data_dir[CJ_PATH_MAX];
    char train_images[CJ_PATH_MAX], train_labels[CJ_PATH_MAX];
    char test_images[CJ_PATH_MAX], test_labels[CJ_PATH_MAX];
    cj_pixel_scale scale;
    int train_samples, test_samples;  /* 0 = all */
    /* [model] */
    char layers[CJ_SPEC_MAX];
    char init[CJ_PATH_MAX];           /* safetensors to start from; "" = random */
    /* [objective] */
    cj_loss_kind loss;
    /* [rule] */
    cj_rule_config rule;
    /* [optim] */
    cj_optim_config optim;
    /* [train] */
    int epochs, batch, shuffle, steps;
    uint64_t seed;
    int diag_batch, diag_draws;
    /* Which keys a file or --set gave (bit i: the i-th key of the table in
     * experiment.c): a key that does not apply to the chosen optimiser or
     * rule is an error only when the user set it. */
    uint64_t keys_given;
} cj_experiment;

/* Defaults: Fashion-MNIST from the Debian package, an MLP, backprop, SGD. */
void cj_experiment_defaults(cj_experiment *e);

/* Read an experiment file over the current values. */
cj_status cj_experiment_load(cj_experiment *e, const char *path, cj_error *err);

/* Apply one "section.key=value" override. */
cj_status cj_experiment_set(cj_experiment *e, const char *assignment, cj_error *err);

/* Check values that depend on each other (a key given for an optimiser or
 * rule other than the chosen one is an error naming it), fill the optimiser defaults that
 * depend on optim.name and make data paths absolute under data.dir. */
cj_status cj_experiment_finish(cj_experiment *e, cj_error *err);

/* Write the resolved experiment as an INI file that reproduces the run. */
void cj_experiment_write(const cj_experiment *e, FILE *f);

#endif
