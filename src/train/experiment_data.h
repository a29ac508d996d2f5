/* experiment_data.h — the [data] rules of an experiment that depend on
 * each other (experiment_data.c): the defaults that differ for npy, the
 * files each format needs, and an objective that suits the targets.
 * Private to src/train/; experiment.c calls it from cj_experiment_finish. */
#ifndef CAJAL_TRAIN_EXPERIMENT_DATA_H
#define CAJAL_TRAIN_EXPERIMENT_DATA_H

#include "cajal/experiment.h"

/* Which [data] keys with format-dependent defaults the user gave. */
typedef struct {
    int dir, train_labels, test_labels, scale;
} cj_data_keys_given;

cj_status cj_experiment_finish_data(cj_experiment *e, const cj_data_keys_given *given, cj_error *err);

#endif
