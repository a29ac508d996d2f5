/* taskvariance.h — task variance of recurrent units and their clusters,
 * the analysis of Yang, Joglekar, Song, Newsome & Wang 2019 (Nat.
 * Neurosci. 22:297; Methods, "Task variance analysis" and "Clustering";
 * their Fig. 2): how much each unit's activity varies across the stimulus
 * conditions of each task, and which groups of units serve which tasks.
 *
 *     cj_task_recording rec[20];   one per task: responses [trials, T, units],
 *                                  condition ids, the window of steps to use
 *     cj_taskvar_options o = cj_taskvar_defaults();
 *     cj_taskvar_result r;
 *     if (cj_taskvar_analyze(rec, 20, units, &o, &r, &err)) return err.code;
 *     ... r.k clusters; r.normalized[r.order[j] * 20 + a] is column j of Fig. 2b ...
 *     cj_taskvar_result_free(&r);
 *
 * The steps, each also callable on its own:
 *  1. Task variance (cj_task_variance). For unit i and task a,
 *       TV_{i,a} = (1 / |W_a|) sum_{t in W_a} Var_c [ rbar_{i,c}(t) ],
 *     rbar_{i,c}(t) the mean response of unit i over the trials of stimulus
 *     condition c at step t, Var_c the population variance (divide by the
 *     number of conditions C, as numpy's var) across the task's
 *     conditions, and W_a = [t0, t1) the task's window of steps: the
 *     variance across conditions at each time, then the mean over time,
 *     as Yang et al. compute it. They ran one noiseless trial per
 *     condition; averaging repeated trials of a condition first is our
 *     generalisation (it keeps trial noise out of the variance), and with
 *     one trial per condition (condition = NULL) it is theirs exactly.
 *     Which steps form the window is the caller's choice: Yang et al. left
 *     out the first 500 ms of each trial (the fixation epoch's initial
 *     transient) and used the stimulus, delay and response epochs.
 *  2. Dropping and normalising (cj_task_variance_normalize): units whose
 *     summed variance over tasks is at most min_total_variance (default
 *     1e-3, the threshold of Yang et al.'s code) are dropped as inactive;
 *     each remaining unit's vector over tasks is divided by its maximum.
 *  3. Clustering (cj_kmeans_choose_k, clusters.h): k-means on the
 *     normalised vectors for every k in [k_min, k_max] (they used 3..40),
 *     keeping the k with the best silhouette score.
 *  4. Ordering for the heat map (cj_task_variance_order): clusters
 *     numbered by the task they prefer (the argmax over tasks of their
 *     members' summed normalised variance, as Yang et al. sort theirs),
 *     units sorted by cluster, then by their own preferred task, then by
 *     unit index.
 *
 * Results are doubles. Nothing here prints or keeps state. */
#ifndef CAJAL_TASKVARIANCE_H
#define CAJAL_TASKVARIANCE_H

#include "cajal/clusters.h"
#include "cajal/status.h"

typedef struct cj_panel cj_panel;

/* One task's recordings: every unit's response on every trial. Arrays are
 * borrowed, not copied. */
typedef struct {
    const char *name;        /* the task's name, for messages; NULL for "task <index>" */
    const float *responses;  /* [trials, steps, units] row-major (cj_record's layout):
                                unit u at step t of trial r is [(r * steps + t) * units + u] */
    int trials, steps;
    const int *condition;    /* [trials] stimulus-condition ids >= 0 (any values, any order),
                                or NULL: every trial is a condition of its own */
    int t0, t1;              /* the window of steps [t0, t1), 0 <= t0 < t1 <= steps */
} cj_task_recording;

/* TV [units, n_tasks] (row i, column a = TV_{i,a} above). Fails with
 * CJ_ERR_ARG for n_tasks or units < 1, a task with no responses, fewer
 * than one trial or step, a window outside [0, steps) or empty, a
 * negative condition id, or fewer than two distinct conditions; with
 * CJ_ERR_NUMERIC for a response in the window that is not finite. The
 * message names the task. */
cj_status cj_task_variance(const cj_task_recording *tasks, int n_tasks, int units, double *tv,
                           cj_error *err);

/* From TV [units, n_tasks]: active [units] (1 for a unit whose summed
 * variance exceeds min_total_variance, else 0), *n_active, unit [n_active]
 * (the unit of each kept row, increasing) and normalized [n_active,
 * n_tasks] (each kept row over its maximum, so in [0, 1] with a 1 at the
 * preferred task). Outputs are sized for all units; only the first
 * n_active rows are written. Fails with CJ_ERR_ARG for
 * min_total_variance < 0 or no unit above it (the message gives the
 * largest summed variance found), CJ_ERR_NUMERIC for a negative or
 * non-finite TV. */
cj_status cj_task_variance_normalize(const double *tv, int units, int n_tasks, double min_total_variance,
                                     unsigned char *active, int *n_active, int *unit, double *normalized,
                                     cj_error *err);

/* Renumber labels [n] (cluster of each row of normalized [n, n_tasks],
 * in [0, k)) in place so that cluster 0 prefers the lowest task, and so
 * on (clusters preferring the same task by their lowest row; labels no
 * row carries are dropped from the numbering), and write order [n]: the
 * rows sorted by cluster, then by each row's preferred task (its argmax,
 * the first on a tie), then by row. *k_used (may be NULL) gets the number
 * of clusters left. Fails with CJ_ERR_ARG for a label outside [0, k). */
cj_status cj_task_variance_order(const double *normalized, int n, int n_tasks, int *labels, int k,
                                 int *order, int *k_used, cj_error *err);

typedef struct {
    double min_total_variance; /* default 1e-3 (step 2) */
    int k_min, k_max;          /* default 3 and 40 (step 3); k_max is lowered to
                                  n_active - 1 when fewer units survive */
    cj_kmeans_options kmeans;  /* everything but k; default n_init 20 (Yang et al.'s),
                                  max_iter 300, tol 1e-4, seed 0 */
} cj_taskvar_options;

cj_taskvar_options cj_taskvar_defaults(void);

/* Everything the analysis finds; arrays owned by the result. */
typedef struct {
    int units, tasks;
    double *tv;             /* [units, tasks] task variance of every unit */
    unsigned char *active;  /* [units] 1 for a unit kept, 0 for one dropped */
    int n_active;
    int *unit;              /* [n_active] the unit of each row below */
    double *normalized;     /* [n_active, tasks] */
    int k_min, k_max;       /* the range of k searched */
    double *silhouette;     /* [k_max - k_min + 1]: the score of k = k_min + j */
    int k;                  /* clusters found (the best k) */
    int *labels;            /* [n_active] the cluster of each row, numbered as in step 4 */
    int *order;             /* [n_active] rows in heat-map order */
} cj_taskvar_result;

/* Steps 1-4. Fails as the steps do, and with CJ_ERR_ARG when fewer than
 * k_min + 1 units survive (the silhouette needs k <= n - 1) or k_min < 2. On
 * failure *out holds nothing to free. */
cj_status cj_taskvar_analyze(const cj_task_recording *tasks, int n_tasks, int units,
                             const cj_taskvar_options *opt, cj_taskvar_result *out, cj_error *err);
void cj_taskvar_result_free(cj_taskvar_result *r);

/* The matrix of Fig. 2b: m [tasks, n_active], m[a, j] =
 * normalized[order[j], a] (tasks down, units across in heat-map order). */
void cj_taskvar_heatmap(const cj_taskvar_result *r, double *m);

/* Draw that matrix on panel p (plot.h) on a fixed 0..1 colour scale, with
 * axis labels and a colour bar, the rows named by task_names [tasks] (NULL:
 * numbered); the caller titles the panel. */
cj_status cj_taskvar_plot(const cj_taskvar_result *r, const char *const *task_names, cj_panel *p,
                          cj_error *err);

#endif
