/* run_data.h — the data of one training run, opened as the experiment
 * says (source.h): the training set after data.train_samples, split by
 * data.validation into the part trained on and the held-out part, and the
 * test set, all scaled with the statistics of the part trained on.
 * Private to src/train/. */
#ifndef CAJAL_TRAIN_RUN_DATA_H
#define CAJAL_TRAIN_RUN_DATA_H

#include "cajal/experiment.h"
#include "cajal/source.h"

typedef struct {
    cj_source full;        /* the training files, truncated */
    cj_source train_part;  /* with data.validation: the samples trained on ... */
    cj_source val;         /* ... and the held-out ones */
    cj_source test;        /* absent (n = 0) when an npy experiment names no test set */
    int split, has_test;
    float mean, sd;        /* of the inputs trained on, as the source fills them */
} cj_run_data;

/* What to train on: the training part, or the whole training set. */
static inline cj_source *cj_run_data_train(cj_run_data *d) { return d->split ? &d->train_part : &d->full; }

/* Open, truncate, split, check the test set against the training set and
 * scale. On failure free d with cj_run_data_free (start from a zeroed d). */
cj_status cj_run_data_open(cj_run_data *d, const cj_experiment *e, cj_error *err);
void cj_run_data_free(cj_run_data *d);

#endif
