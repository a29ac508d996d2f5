/* analyze_taskvariance.c — `cajal analyze taskvariance`: Yang et al. 2019's
 * Fig. 2 for a network trained on several tasks: each recurrent unit's
 * variance across the stimulus conditions of each task, normalised by its
 * largest, units clustered by that profile with k-means (the number of
 * clusters chosen by the silhouette score) and drawn as a heat map
 * (taskvariance.h). The window of a task runs from the end of its trials'
 * first period (fixation) to the end of its shortest trial. clusters.csv is
 * what `cajal analyze lesion --units cluster:K` reads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "cajal/plot.h"
#include "cajal/taskvariance.h"

typedef struct {
    float *x;       /* [n, T, units] */
    int *condition; /* [n] */
    int n, T;
} task_block;

/* Task k's trials of the run, gathered, with their condition groups. */
static cj_status gather(const cj_task_run *run, int k, task_block *b, cj_task_recording *rec, cj_error *err)
{
    int *of = NULL, n_cond = 0, n_values = 0;
    double *values = NULL;
    cj_status st = cj_analysis_task_conditions(run, k, &of, &n_cond, &values, &n_values, err);
    if (st) return st;
    int T = run->T, t0 = 0;
    b->n = 0;
    for (int i = 0; i < run->n; i++)
        if (run->task_of[i] == k) {
            b->n++;
            T = run->trials[i].T < T ? run->trials[i].T : T;
            int first = run->trials[i].n_periods ? run->trials[i].period[0].end : 0;
            t0 = first > t0 ? first : t0;
        }
    if (b->n < 2) {
        st = cj_fail(err, CJ_ERR_ARG, "task %s has %d of the %d trials: too few (raise --trials)", run->tasks[k].name,
                     b->n, run->n);
    } else {
        size_t per = (size_t)T * run->units;
        b->x = malloc(sizeof(float) * per * b->n);
        b->condition = malloc(sizeof(int) * (size_t)b->n);
        if (!b->x || !b->condition) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        for (int i = 0, j = 0; !st && i < run->n; i++)
            if (run->task_of[i] == k) {
                memcpy(b->x + (size_t)j * per, run->states + (size_t)i * run->T * run->units, sizeof(float) * per);
                b->condition[j++] = of[i];
            }
    }
    b->T = T;
    *rec = (cj_task_recording){.name = run->tasks[k].name, .responses = b->x, .trials = b->n, .steps = T,
                               .condition = b->condition, .t0 = t0 < T ? t0 : 0, .t1 = T};
    free(of);
    free(values);
    return st;
}

static cj_status write_outputs(cj_analysis *a, const cj_task_run *run, const cj_taskvar_result *r, cj_error *err)
{
    int64_t shape[2] = {r->units, r->tasks};
    cj_status st = cj_analysis_write_npy(a, "taskvariance.npy", 2, shape, r->tv, err);
    char *text = NULL;
    size_t len = 0;
    FILE *f = st ? NULL : open_memstream(&text, &len);
    if (!st && !f) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (f) {
        /* unit, active, cluster (-1 when dropped), then its normalised
         * variance per task. */
        fprintf(f, "unit,active,cluster");
        for (int k = 0; k < r->tasks; k++) fprintf(f, ",%s", run->tasks[k].name);
        fputc('\n', f);
        int row = 0;
        for (int u = 0; u < r->units; u++) {
            int active = r->active[u], cluster = active ? r->labels[row] : -1;
            fprintf(f, "%d,%d,%d", u, active, cluster);
            for (int k = 0; k < r->tasks; k++) fprintf(f, ",%.6f", active ? r->normalized[row * r->tasks + k] : 0.0);
            fputc('\n', f);
            row += active;
        }
        fclose(f);
        st = text ? cj_analysis_write_text(a, "clusters.csv", text, len, err) : cj_fail(err, CJ_ERR_NOMEM, "oom");
        free(text);
    }
    if (!st) {
        char s[4096];
        size_t n = (size_t)snprintf(s, sizeof s, "k,silhouette\n");
        for (int k = r->k_min; k <= r->k_max && n < sizeof s; k++)
            n += (size_t)snprintf(s + n, sizeof s - n, "%d,%.6f\n", k, r->silhouette[k - r->k_min]);
        st = cj_analysis_write_text(a, "silhouette.csv", s, n < sizeof s ? n : sizeof s - 1, err);
    }
    cj_figure *fig = NULL;
    if (!st) st = cj_figure_create(&fig, 1, 1, 1300, 620, err);
    if (!st) {
        char title[160];
        snprintf(title, sizeof title, "Normalised task variance of %d active units in %d clusters", r->n_active,
                 r->k);
        cj_panel *p = cj_figure_panel(fig, 0, 0);
        cj_panel_set_title(p, title);
        const char **names = malloc(sizeof *names * (size_t)r->tasks);
        for (int k = 0; names && k < r->tasks; k++) names[k] = run->tasks[k].name;
        st = cj_taskvar_plot(r, names, p, err);
        free(names);
    }
    if (!st) st = cj_analysis_write_figure(a, fig, "taskvariance.png", err);
    cj_figure_free(fig);
    return st;
}

cj_status cj_analyze_taskvariance(cj_analysis *a, const cj_task_run *run, cj_error *err)
{
    if (run->n_tasks < 2)
        return cj_fail(err, CJ_ERR_ARG, "the network was trained on one task (%s): task variance compares tasks",
                       run->tasks[0].name);
    task_block *b = calloc((size_t)run->n_tasks, sizeof *b);
    cj_task_recording *rec = calloc((size_t)run->n_tasks, sizeof *rec);
    cj_status st = b && rec ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int k = 0; !st && k < run->n_tasks; k++) st = gather(run, k, &b[k], &rec[k], err);
    cj_taskvar_options o = cj_taskvar_defaults();
    o.kmeans.seed = a->seed;
    cj_taskvar_result r = {0};
    if (!st) st = cj_taskvar_analyze(rec, run->n_tasks, run->units, &o, &r, err);
    if (!st) st = write_outputs(a, run, &r, err);
    if (!st) {
        printf("%d of %d units active (summed task variance above %g), %d clusters (silhouette %.3f, k searched "
               "%d..%d)\n", r.n_active, r.units, o.min_total_variance, r.k, r.silhouette[r.k - r.k_min], r.k_min,
               r.k_max);
        printf("wrote %s/{taskvariance.png, clusters.csv, silhouette.csv, taskvariance.npy}\n", a->out_dir);
    }
    cj_taskvar_result_free(&r);
    for (int k = 0; b && k < run->n_tasks; k++) {
        free(b[k].x);
        free(b[k].condition);
    }
    free(b);
    free(rec);
    return st;
}
