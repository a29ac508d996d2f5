/* experiment_data.c — the [data] rules of an experiment (experiment_data.h):
 * under data.format = npy there is no Debian folder and no IDX file name to
 * default to, values are used as stored, and the files must make one
 * training set (and at most one test set) of one target kind; under both
 * formats the objective must suit the targets. */
#include <stdio.h>
#include <string.h>

#include "cajal/tasks.h"
#include "experiment_data.h"

#define CLEAR(field) memset(e->field, 0, sizeof e->field)

/* The target file of an npy split: how many of its three are given, and
 * the first one's kind and key suffix. */
static int npy_target(const char *labels, const char *targets, const char *counts, cj_target_kind *kind,
                      const char **name)
{
    *kind = labels[0] ? CJ_TARGET_LABELS : targets[0] ? CJ_TARGET_VALUES : CJ_TARGET_COUNTS;
    *name = labels[0] ? "labels" : targets[0] ? "targets" : "counts";
    return !!labels[0] + !!targets[0] + !!counts[0];
}

static cj_status finish_npy_test(cj_experiment *e, cj_target_kind kind, const char *name, cj_error *err)
{
    cj_target_kind test_kind;
    const char *test_name;
    int n = npy_target(e->test_labels, e->test_targets, e->test_counts, &test_kind, &test_name);
    if (!e->test_inputs[0]) {
        if (n || e->test_mask[0])
            return cj_fail(err, CJ_ERR_CONFIG, "data.test_%s is set but data.test_inputs is not (no test set)",
                           n ? test_name : "mask");
        return CJ_OK;
    }
    if (n == 0)
        return cj_fail(err, CJ_ERR_CONFIG, "data.test_inputs is set without its targets: give data.test_%s, as the "
                       "training set has data.train_%s", name, name);
    if (n > 1)
        return cj_fail(err, CJ_ERR_CONFIG, "more than one of data.test_labels, data.test_targets and "
                       "data.test_counts is set (give one)");
    if (test_kind != kind)
        return cj_fail(err, CJ_ERR_CONFIG, "data.test_%s is set but the training set has data.train_%s: give "
                       "data.test_%s", test_name, name, name);
    return CJ_OK;
}

/* The defaults that mean something else for npy (no Debian folder, no
 * IDX label file names, values as stored), and the files it needs. */
static cj_status finish_npy(cj_experiment *e, const cj_data_keys_given *given, cj_target_kind *kind,
                            const char **name, cj_error *err)
{
    if (!given->dir) CLEAR(data_dir);
    if (!given->train_labels) CLEAR(train_labels);
    if (!given->test_labels) CLEAR(test_labels);
    CLEAR(train_images);
    CLEAR(test_images);
    if (!given->scale) e->scale = CJ_SCALE_RAW;
    if (e->scale == CJ_SCALE_UNIT)
        return cj_fail(err, CJ_ERR_CONFIG, "data.scale = unit (pixel/255) applies only to data.format = idx; for "
                       "data.format = npy use raw (values as stored, the default) or standard");
    if (!e->train_inputs[0])
        return cj_fail(err, CJ_ERR_CONFIG, "data.format = npy needs data.train_inputs (a .npy file of inputs [N, ...])");
    int n = npy_target(e->train_labels, e->train_targets, e->train_counts, kind, name);
    if (n != 1)
        return cj_fail(err, CJ_ERR_CONFIG, "data.format = npy needs %s of data.train_labels, data.train_targets "
                       "and data.train_counts", n ? "only one" : "one");
    return finish_npy_test(e, *kind, *name, err);
}

cj_status cj_experiment_tasks(const cj_experiment *e, cj_task *tasks, int max, int *n, cj_error *err)
{
    return cj_tasks_parse(e->task, tasks, max, n, err);
}

/* data.format = task: no files, and data.task written back in full (every
 * option explicit), so config.ini reproduces the trials even if a default
 * changes. */
static cj_status finish_task(cj_experiment *e, const cj_data_keys_given *given, cj_target_kind *kind,
                             cj_error *err)
{
    if (!given->dir) CLEAR(data_dir);
    const char *files[] = {e->train_labels, e->test_labels};
    const char *keys[] = {"train_labels", "test_labels"};
    for (int i = 0; i < 2; i++)
        if (files[i][0] && ((i == 0 && given->train_labels) || (i == 1 && given->test_labels)))
            return cj_fail(err, CJ_ERR_CONFIG, "data.%s is set but data.format = task makes its trials and their "
                           "targets (remove it)", keys[i]);
    CLEAR(train_labels);
    CLEAR(test_labels);
    CLEAR(train_images);
    CLEAR(test_images);
    if (!given->scale) e->scale = CJ_SCALE_RAW;
    if (e->scale == CJ_SCALE_UNIT)
        return cj_fail(err, CJ_ERR_CONFIG, "data.scale = unit (pixel/255) applies only to data.format = idx; for "
                       "data.format = task use raw (the task's inputs, the default) or standard");
    cj_task tasks[CJ_SOURCE_MAX_TASKS]; /* about 20 kB */
    int n;
    cj_status st = cj_experiment_tasks(e, tasks, CJ_SOURCE_MAX_TASKS, &n, err);
    if (st) return st;
    *kind = tasks[0].ops->target;
    char full[CJ_TASK_SPEC_MAX];
    if ((st = cj_tasks_format(tasks, n, full, sizeof full, err))) return st;
    /* The whole field is set, not just the string: what followed the old
     * value's end must not survive (an experiment compares as bytes). */
    memset(e->task, 0, sizeof e->task);
    memcpy(e->task, full, strlen(full) + 1);
    return CJ_OK;
}

/* The objective must suit the targets: cross-entropy compares class
 * labels, Poisson counts; MSE takes any of the three. */
static cj_status check_objective(const cj_experiment *e, cj_target_kind kind, const char *name, cj_error *err)
{
    const char *where = e->format == CJ_DATA_IDX    ? "the IDX labels"
                        : e->format == CJ_DATA_TASK ? "the task's actions"
                                                    : NULL;
    char buf[40];
    if (!where) snprintf(buf, sizeof buf, "data.train_%s", name), where = buf;
    if (e->loss.ops == &cj_cross_entropy_ops && kind != CJ_TARGET_LABELS)
        return cj_fail(err, CJ_ERR_CONFIG, "objective.name = cross_entropy needs class labels (data.train_labels), "
                       "not %s: use mse%s", where, kind == CJ_TARGET_COUNTS ? " or poisson" : "");
    if (e->loss.ops == &cj_poisson_ops && kind != CJ_TARGET_COUNTS)
        return cj_fail(err, CJ_ERR_CONFIG, "objective.name = poisson fits spike counts (data.train_counts, with "
                       "data.format = npy), not %s", where);
    unsigned takes = kind == CJ_TARGET_LABELS ? CJ_OBJECTIVE_LABELS
                     : kind == CJ_TARGET_VALUES ? CJ_OBJECTIVE_VALUES
                                                : CJ_OBJECTIVE_COUNTS;
    if (!(e->loss.ops->targets & takes))
        return cj_fail(err, CJ_ERR_CONFIG, "objective.name = %s does not compare outputs with %s (%s)%s",
                       e->loss.ops->name, where, e->loss.ops->summary,
                       e->loss.ops->targets == CJ_OBJECTIVE_PAIRS ? "; cajal match trains with it" : "");
    return CJ_OK;
}

cj_status cj_experiment_finish_data(cj_experiment *e, const cj_data_keys_given *given, cj_error *err)
{
    cj_target_kind kind = CJ_TARGET_LABELS;
    const char *name = "labels";
    cj_status st;
    if (e->format == CJ_DATA_NPY && (st = finish_npy(e, given, &kind, &name, err))) return st;
    if (e->format == CJ_DATA_TASK && (st = finish_task(e, given, &kind, err))) return st;
    if (e->format == CJ_DATA_IDX && (!e->train_images[0] || !e->train_labels[0] || !e->test_images[0] ||
                                     !e->test_labels[0]))
        return cj_fail(err, CJ_ERR_CONFIG, "data.format = idx needs data.train_images, train_labels, test_images "
                       "and test_labels (one is empty)");
    return check_objective(e, kind, name, err);
}

cj_data_files cj_experiment_train_files(const cj_experiment *e)
{
    if (e->format == CJ_DATA_IDX) return (cj_data_files){.inputs = e->train_images, .labels = e->train_labels};
    return (cj_data_files){e->train_inputs, e->train_labels, e->train_targets, e->train_counts, e->train_mask};
}

cj_data_files cj_experiment_test_files(const cj_experiment *e)
{
    if (e->format == CJ_DATA_IDX) return (cj_data_files){.inputs = e->test_images, .labels = e->test_labels};
    return (cj_data_files){e->test_inputs, e->test_labels, e->test_targets, e->test_counts, e->test_mask};
}
