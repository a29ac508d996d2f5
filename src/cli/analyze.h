/* analyze.h — `cajal analyze <analysis> RUN ...`: what every analysis of a
 * trained task network shares (cmd_analyze.c opens it), and the analyses,
 * one file each (analyze_<name>.c). Private to src/cli/. */
#ifndef CAJAL_CLI_ANALYZE_H
#define CAJAL_CLI_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/model_file.h"
#include "cajal/plot.h"
#include "cajal/task_run.h"

enum { CJ_ANALYSIS_MAX_OPTIONS = 8 };

typedef struct {
    const char *who;         /* "cajal analyze tdr", for messages */
    char *model_path;        /* RUN/model.safetensors, or the model file given */
    const char *out_dir;     /* created before the analysis runs */
    int trials, batch;
    uint64_t seed;
    cj_model model;
    cj_model_info info;
    cj_source src;           /* the trials, made from (seed, the test stream) */
    int recurrent;           /* index of the first recurrent layer, or -1 */
    int seed_given, opened;
    /* --task: the tasks the trials are drawn among (bit k: the model's task
     * k; 0 = all of them), and the one the single-task analyses study
     * (psychometric, pca, tdr, fixedpoints): the first named, else 0. */
    uint32_t task_set;
    int task;
    /* The analysis' own options, as given ("--compare FILE"). */
    int n_opts;
    const char *opt_names[CJ_ANALYSIS_MAX_OPTIONS], *opt_values[CJ_ANALYSIS_MAX_OPTIONS];
} cj_analysis;

/* The value of the analysis' own option `name` ("--compare"), or NULL. */
const char *cj_analysis_option(const cj_analysis *a, const char *name);
/* out_dir/name, allocated. */
char *cj_analysis_path(const cj_analysis *a, const char *name);
/* Write text to out_dir/name atomically. */
cj_status cj_analysis_write_text(const cj_analysis *a, const char *name, const char *text, size_t len,
                                 cj_error *err);
/* Write doubles as a float32 .npy of the given shape to out_dir/name. */
cj_status cj_analysis_write_npy(const cj_analysis *a, const char *name, int ndim, const int64_t *shape,
                                const double *data, cj_error *err);

/* The trials of task `task` (an index into run->tasks) grouped by their
 * condition values (every condition of the task but the ground truth,
 * which follows from them): condition_of[i] for trial i (-1 for other
 * tasks' trials), *n_conditions groups, the values of group c at
 * values[c * n_values + k] (allocated; free them). */
cj_status cj_analysis_task_conditions(const cj_task_run *run, int task, int **condition_of, int *n_conditions,
                                      double **values, int *n_values, cj_error *err);

/* The activity of the trials of task `task` (a->task: the first of the
 * model's tasks, or the one --task names), cut to the shortest trial so
 * that every trial has every step, with their conditions; no trial of
 * the task is an error:
 * x [n, T, units] trial-major, trial[k] its index in the run, condition[k]
 * its group (cj_analysis_conditions). */
typedef struct {
    int n, T, units;
    float *x;
    int *trial, *condition;
    int n_conditions, n_values;
    double *values;         /* [n_conditions, n_values] */
    int *condition_of;      /* [run->n], -1 for trials of other tasks */
} cj_analysis_population;
cj_status cj_analysis_population_make(const cj_task_run *run, int task, const float *activity, int size,
                                      cj_analysis_population *p, cj_error *err);
void cj_analysis_population_free(cj_analysis_population *p);
/* The names of task `task`'s grouping conditions (the values of
 * cj_analysis_task_conditions), comma-separated: "context,motion_coh,colour_coh". */
void cj_analysis_condition_names(const cj_task_run *run, int task, char *out, size_t len);
/* Is a condition of this name a signed evidence strength the choices are
 * plotted against: "coherence" or a name ending in "coh"? */
int cj_analysis_is_coherence(const char *name);

/* Write fig to out_dir/name (its format from the extension). */
cj_status cj_analysis_write_figure(const cj_analysis *a, const cj_figure *fig, const char *name, cj_error *err);

/* One analysis: given the network run on the trials (recording what its
 * table entry in cmd_analyze.c asks), compute, write into a->out_dir and
 * print a summary and the files written. */
typedef cj_status (*cj_analysis_fn)(cj_analysis *a, const cj_task_run *run, cj_error *err);
cj_status cj_analyze_trials(cj_analysis *a, const cj_task_run *run, cj_error *err);
cj_status cj_analyze_psychometric(cj_analysis *a, const cj_task_run *run, cj_error *err);
cj_status cj_analyze_pca(cj_analysis *a, const cj_task_run *run, cj_error *err);
cj_status cj_analyze_fixedpoints(cj_analysis *a, const cj_task_run *run, cj_error *err);
cj_status cj_analyze_tdr(cj_analysis *a, const cj_task_run *run, cj_error *err);
cj_status cj_analyze_taskvariance(cj_analysis *a, const cj_task_run *run, cj_error *err);
cj_status cj_analyze_lesion(cj_analysis *a, const cj_task_run *run, cj_error *err);

#endif
