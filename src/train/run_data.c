/* run_data.c — the data of one training run (run_data.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/tasks.h"
#include "run_data.h"

static void truncate_source(cj_source *s, int n)
{
    if (n > 0 && n < s->n) s->n = n;
}

/* The test set must fit a model trained on the training set: the same
 * input per step, targets of the same kind and size. */
static cj_status check_test(const cj_source *train, const cj_source *test, const cj_experiment *e, cj_error *err)
{
    cj_shape a = train->step, b = test->step;
    if (e->format == CJ_DATA_IDX && (a.h != b.h || a.w != b.w))
        return cj_fail(err, CJ_ERR_SHAPE, "%s has %dx%d images but %s has %dx%d", train->name, a.h, a.w, test->name,
                       b.h, b.w);
    if (a.c != b.c || a.h != b.h || a.w != b.w)
        return cj_fail(err, CJ_ERR_SHAPE, "%s has inputs of %dx%dx%d (per step) but %s has %dx%dx%d", train->name,
                       a.c, a.h, a.w, test->name, b.c, b.h, b.w);
    if (train->dim != test->dim)
        return cj_fail(err, CJ_ERR_SHAPE, "training %s have %d values per target but test %s have %d",
                       cj_target_kind_name(train->target), train->dim, cj_target_kind_name(test->target), test->dim);
    if ((train->target_steps == 1) != (test->target_steps == 1))
        return cj_fail(err, CJ_ERR_SHAPE, "%s has %s but %s has %s", train->name,
                       train->target_steps == 1 ? "one target per sample" : "a target per step", test->name,
                       test->target_steps == 1 ? "one target per sample" : "a target per step");
    return CJ_OK;
}

/* data.validation: hold out a seeded random part of the training set. */
static cj_status split(cj_run_data *d, const cj_experiment *e, cj_error *err)
{
    int n = d->full.n, held;
    int *order = malloc(sizeof(int) * (size_t)n);
    if (!order) return cj_fail(err, CJ_ERR_NOMEM, "out of memory splitting %d samples", n);
    cj_error inner;
    cj_status st = cj_split_holdout(n, e->validation, e->seed, order, &held, &inner);
    if (st) {
        free(order);
        return cj_fail(err, st, "data.validation = %g: %s: %s", e->validation, d->full.name, inner.msg);
    }
    char *train_name = cj_path_printf("%s (training part)", d->full.name);
    char *val_name = cj_path_printf("%s (validation part)", d->full.name);
    if (!train_name || !val_name) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st) st = cj_source_subset(&d->full, order, n - held, train_name, &d->train_part, err);
    if (!st) st = cj_source_subset(&d->full, order + (n - held), held, val_name, &d->val, err);
    if (!st) d->split = 1;
    free(train_name);
    free(val_name);
    free(order);
    return st;
}

/* The statistics of the inputs trained on, for data.scale = standard (and
 * recorded in the model file for every scale). */
static cj_status stats(cj_run_data *d, cj_error *err)
{
    cj_source *train = cj_run_data_train(d);
    cj_batch scratch;
    int chunk = train->n < 1024 ? train->n : 1024;
    cj_status st = cj_batch_alloc(&scratch, train, chunk, err);
    if (st) return st;
    st = cj_source_input_stats(train, &scratch, &d->mean, &d->sd, err);
    cj_batch_free(&scratch);
    return st;
}

/* data.format = task: the training trials (new every epoch) and the test
 * trials, from the seed on two streams of their own. */
static cj_status open_tasks(cj_run_data *d, const cj_experiment *e, cj_error *err)
{
    cj_task tasks[CJ_SOURCE_MAX_TASKS];
    int n;
    cj_status st = cj_experiment_tasks(e, tasks, CJ_SOURCE_MAX_TASKS, &n, err);
    if (!st) st = cj_source_task(tasks, n, e->train_trials, e->seed, CJ_TASK_STREAM_TRAIN, &d->full, err);
    if (!st) st = cj_source_task(tasks, n, e->test_trials, e->seed, CJ_TASK_STREAM_TEST, &d->test, err);
    if (!st) d->has_test = 1;
    return st;
}

/* data.format = idx or npy: the files. */
static cj_status open_files(cj_run_data *d, const cj_experiment *e, cj_error *err)
{
    cj_data_files train = cj_experiment_train_files(e), test = cj_experiment_test_files(e);
    cj_status st = cj_source_open(e->format, &train, e->sequence, &d->full, err);
    if (st || !test.inputs[0]) return st;
    if ((st = cj_source_open(e->format, &test, e->sequence, &d->test, err))) return st;
    d->has_test = 1;
    return check_test(&d->full, &d->test, e, err);
}

cj_status cj_run_data_open(cj_run_data *d, const cj_experiment *e, cj_error *err)
{
    cj_status st = e->format == CJ_DATA_TASK ? open_tasks(d, e, err) : open_files(d, e, err);
    if (st) return st;
    if (d->has_test) truncate_source(&d->test, e->test_samples);
    truncate_source(&d->full, e->train_samples);
    if (e->validation > 0 && (st = split(d, e, err))) return st;
    if ((st = stats(d, err))) return st;
    cj_source_set_scale(cj_run_data_train(d), e->format, e->scale, d->mean, d->sd);
    if (d->split) cj_source_set_scale(&d->val, e->format, e->scale, d->mean, d->sd);
    if (d->has_test) cj_source_set_scale(&d->test, e->format, e->scale, d->mean, d->sd);
    return CJ_OK;
}

void cj_run_data_free(cj_run_data *d)
{
    /* The views before the source they look into. */
    cj_source_free(&d->train_part);
    cj_source_free(&d->val);
    cj_source_free(&d->full);
    cj_source_free(&d->test);
    memset(d, 0, sizeof *d);
}
