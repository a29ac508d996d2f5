/* toy_experiment.h — the small experiments test_mask.c and test_prune.c
 * train: the toy IDX set written by write_toy_set (200 training images of
 * 6x6, two classes; 100 test images) through an MLP, and a rate RNN on a
 * perceptual decision task for the recurrent rules (rflo, hebbian). */
#ifndef CAJAL_TEST_TOY_EXPERIMENT_H
#define CAJAL_TEST_TOY_EXPERIMENT_H

#include <stdlib.h>

#include "cajal/files.h"
#include "cajal/train.h"
#include "harness.h"

static const char *const TOY[] = {"data.train_images=train-images.gz", "data.train_labels=train-labels.gz",
                                  "data.test_images=test-images.gz", "data.test_labels=test-labels.gz",
                                  "model.layers=flatten, dense 8, relu, dense 6, relu, dense 2", "train.epochs=2",
                                  "train.batch=16", "train.diag_batch=32", "optim.lr=0.05", NULL};
static const char *const TASK[] = {"data.format=task", "data.task=perceptualdm dt=100", "data.train_trials=64",
                                   "data.test_trials=32", "model.layers=rnn 8 tau=200 dt=100, dense 3",
                                   "train.epochs=2", "train.batch=16", "train.diag_batch=16", "train.diag_draws=3",
                                   NULL};

/* `base` then `sets` (NULL entries skipped) over the defaults, data under
 * data_dir; a failure fails the current test. */
static inline int toy_experiment(cj_experiment *e, const char *data_dir, const char *const *base,
                                 const char *const *sets, int n_sets)
{
    cj_error err = {0};
    cj_experiment_defaults(e);
    char *d = cj_path_printf("data.dir=%s", data_dir);
    int ok = !cj_experiment_set(e, d, &err);
    for (int i = 0; ok && base[i]; i++) ok = !cj_experiment_set(e, base[i], &err);
    for (int i = 0; ok && i < n_sets; i++) ok = !sets[i] || !cj_experiment_set(e, sets[i], &err);
    ok = ok && !cj_experiment_finish(e, &err);
    free(d);
    if (!ok) test_fail("experiment: %s", err.msg);
    return ok;
}

/* Train e into dir (replacing a run there). */
static inline int toy_train(const cj_experiment *e, const char *dir)
{
    cj_error err = {0};
    cj_train_options opt = {CJ_TRAIN_FORCE};
    if (cj_train(e, dir, &opt, NULL, &err)) {
        test_fail("train %s: %s", dir, err.msg);
        return 0;
    }
    return 1;
}

#endif
