/* analyze_lesion.c — `cajal analyze lesion --units SET`: silence units of
 * the recurrent layer and measure every task again on the same trials (the
 * same seed, so the same inputs and noise), as Yang et al. 2019 lesioned
 * clusters (Fig. 3): a unit's outputs are cut
 * (cj_lesion_units, lesion.h). SET is cluster:K (the units `cajal analyze taskvariance` put in cluster
 * K, from RUN/taskvariance/clusters.csv), random:N (N units drawn from
 * --seed) or a list of unit indices and ranges, "3,17,20-23". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "cajal/files.h"
#include "cajal/lesion.h"
#include "cajal/plot.h"
#include "cajal/trials_csv.h"

/* The units of `set` into units[0..*n) (at most H, each once): cluster:K
 * here, lists and random:N as the library reads them (lesion.h). */
static cj_status parse_units(const cj_analysis *a, const char *set, int H, int *units, int *n, cj_error *err)
{
    *n = 0;
    if (!strncmp(set, "cluster:", 8)) {
        char *end;
        long k = strtol(set + 8, &end, 10);
        if (end == set + 8 || *end || k < 0) return cj_fail(err, CJ_ERR_ARG, "--units %s: cluster:K needs K >= 0", set);
        const char *slash = strrchr(a->model_path, '/');
        char *path = slash ? cj_path_printf("%.*s/taskvariance/clusters.csv", (int)(slash - a->model_path),
                                            a->model_path)
                           : cj_path_printf("taskvariance/clusters.csv");
        const char *cols[] = {"unit", "cluster"};
        cj_trials t;
        cj_status st = path ? cj_trials_csv_read(path, cols, 2, &t, err) : cj_fail(err, CJ_ERR_NOMEM, "oom");
        if (st) {
            char why[CJ_ERROR_MSG_MAX];
            snprintf(why, sizeof why, "%s", err->msg);
            free(path);
            return cj_fail(err, st, "--units %s: %s (run 'cajal analyze taskvariance' on the run first)", set, why);
        }
        const double *unit = cj_trials_column(&t, "unit"), *cluster = cj_trials_column(&t, "cluster");
        for (int i = 0; i < t.n_rows; i++)
            if (cluster[i] == (double)k && unit[i] >= 0 && unit[i] < H) units[(*n)++] = (int)unit[i];
        cj_trials_free(&t);
        if (!*n) st = cj_fail(err, CJ_ERR_ARG, "--units %s: no unit of %s is in cluster %ld", set, path, k);
        free(path);
        return st;
    }
    return cj_lesion_parse_units(set, H, a->seed, units, n, err);
}

static cj_status report(cj_analysis *a, const cj_task_run *run, const double *before, const double *after,
                        const int *units, int n, cj_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    fprintf(f, "task,intact,lesioned,change\n");
    for (int k = 0; k < run->n_tasks; k++)
        fprintf(f, "%s,%.6f,%.6f,%.6f\n", run->tasks[k].name, before[k], after[k], after[k] - before[k]);
    fclose(f);
    cj_status st = text ? cj_analysis_write_text(a, "lesion.csv", text, len, err) : cj_fail(err, CJ_ERR_NOMEM, "oom");
    free(text);
    char list[4096];
    size_t used = (size_t)snprintf(list, sizeof list, "unit\n");
    for (int k = 0; k < n && used < sizeof list; k++) used += (size_t)snprintf(list + used, sizeof list - used, "%d\n", units[k]);
    if (!st) st = cj_analysis_write_text(a, "units.csv", list, used < sizeof list ? used : sizeof list - 1, err);
    /* Bars per task, by name (categories, not a line through them). */
    cj_figure *fig = NULL;
    if (!st) st = cj_figure_create(&fig, 1, 1, 1100, 520, err);
    const char **names = malloc(sizeof *names * (size_t)run->n_tasks);
    if (!st && !names) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st) {
        cj_panel *p = cj_figure_panel(fig, 0, 0);
        char title[160];
        snprintf(title, sizeof title, "Performance with %d unit%s silenced (--units %s)", n, n == 1 ? "" : "s",
                 cj_analysis_option(a, "--units"));
        cj_panel_set_title(p, title);
        cj_panel_set_labels(p, "", "performance");
        cj_panel_set_ylim(p, 0, 1);
        for (int k = 0; k < run->n_tasks; k++) names[k] = run->tasks[k].name;
        st = cj_panel_set_categories(p, names, run->n_tasks, err);
        if (!st) st = cj_panel_add_bars(p, before, NULL, NULL, run->n_tasks, cj_palette(0), "intact", err);
        if (!st) st = cj_panel_add_bars(p, after, NULL, NULL, run->n_tasks, cj_palette(1), "lesioned", err);
    }
    if (!st) st = cj_analysis_write_figure(a, fig, "lesion.png", err);
    free(names);
    cj_figure_free(fig);
    return st;
}

cj_status cj_analyze_lesion(cj_analysis *a, const cj_task_run *run, cj_error *err)
{
    const char *set = cj_analysis_option(a, "--units");
    if (!set) return cj_fail(err, CJ_ERR_ARG, "--units SET is needed: cluster:K, random:N or a list 3,17,20");
    if (a->recurrent < 0) return cj_fail(err, CJ_ERR_ARG, "%s has no recurrent layer to lesion", a->model_path);
    int H = (int)cj_shape_size(a->model.layers[a->recurrent].out);
    int *units = malloc(sizeof(int) * (size_t)H), n = 0;
    double before[CJ_SOURCE_MAX_TASKS], after[CJ_SOURCE_MAX_TASKS];
    cj_status st = units ? parse_units(a, set, H, units, &n, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_task_run lesioned = {0};
    cj_task_run_options o = {.layer = -1, .state_layer = -1};
    if (!st) st = cj_lesion_units(&a->model, a->recurrent, units, n, err);
    if (!st) st = cj_task_run_model(&a->model, &a->src, run->n, &o, &lesioned, err);
    if (!st) {
        cj_task_run_performance(run, before);
        cj_task_run_performance(&lesioned, after);
        st = report(a, run, before, after, units, n, err);
    }
    for (int k = 0; !st && k < run->n_tasks; k++)
        printf("%-16s %6.1f%% -> %6.1f%%\n", run->tasks[k].name, 100 * before[k], 100 * after[k]);
    if (!st) printf("%d units silenced; wrote %s/{lesion.png, lesion.csv, units.csv}\n", n, a->out_dir);
    cj_task_run_free(&lesioned);
    free(units);
    return st;
}
