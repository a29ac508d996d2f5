/* analyze_pca.c — `cajal analyze pca`: the recurrent layer's condition-
 * averaged trajectories in their top principal components, as one looks at
 * a recorded population: variance explained, and the trajectories of each
 * condition in PC1-PC2, coloured by the correct choice. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "cajal/plot.h"
#include "cajal/subspace.h"

enum { MAX_PCS = 10 };

/* conditions.csv: the group of each condition id and its trial count. */
static cj_status write_conditions(cj_analysis *a, const cj_task_run *run, const cj_analysis_population *p,
                                  const int *counts, cj_error *err)
{
    char names[256];
    cj_analysis_condition_names(run, a->task, names, sizeof names);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    fprintf(f, "condition,%s,trials\n", names);
    for (int c = 0; c < p->n_conditions; c++) {
        fprintf(f, "%d", c);
        for (int k = 0; k < p->n_values; k++) fprintf(f, ",%g", p->values[c * p->n_values + k]);
        fprintf(f, ",%d\n", counts[c]);
    }
    fclose(f);
    cj_status st = text ? cj_analysis_write_text(a, "conditions.csv", text, len, err)
                        : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(text);
    return st;
}

/* The correct choice of each condition (that of its first trial; at
 * coherence 0 a coin flip). */
static int condition_truth(const cj_task_run *run, const cj_analysis_population *p, int c)
{
    for (int k = 0; k < p->n; k++)
        if (p->condition[k] == c) return run->trials[p->trial[k]].ground_truth;
    return 0;
}

static cj_status figure(cj_analysis *a, const cj_task_run *run, const cj_analysis_population *p, const cj_pca *pca,
                        const double *proj, int k, cj_error *err)
{
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, 1, 2, 1150, 480, err);
    if (st) return st;
    cj_figure_set_title(fig, "Condition-averaged trajectories of the recurrent units");
    cj_panel *v = cj_figure_panel(fig, 0, 0), *t = cj_figure_panel(fig, 0, 1);
    double x[MAX_PCS], y[MAX_PCS], cum = 0;
    for (int j = 0; j < k; j++) {
        x[j] = j + 1;
        cum += pca->explained_variance_ratio[j];
        y[j] = 100 * cum;
    }
    cj_panel_set_title(v, "Variance explained");
    cj_panel_set_labels(v, "principal components", "cumulative variance (%)");
    cj_panel_set_xinteger(v, 1);
    cj_panel_set_ylim(v, 0, 100);
    cj_line_style s = cj_line_style_default(0);
    s.marker = CJ_MARKER_CIRCLE;
    st = cj_panel_add_line(v, x, y, k, s, NULL, err);
    cj_panel_set_title(t, "PC1 against PC2, one line per condition");
    cj_panel_set_labels(t, "PC1", "PC2");
    double *px = malloc(sizeof(double) * p->T), *py = malloc(sizeof(double) * p->T);
    if (!px || !py) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int c = 0; !st && c < p->n_conditions; c++) {
        for (int s2 = 0; s2 < p->T; s2++) {
            px[s2] = proj[((size_t)c * p->T + s2) * k];
            py[s2] = proj[((size_t)c * p->T + s2) * k + 1];
        }
        cj_line_style ls = cj_line_style_default(condition_truth(run, p, c) - 1);
        ls.width = 1.2;
        ls.dash = p->n_values > 1 && p->values[c * p->n_values] != p->values[0] ? CJ_DASH_DASHED : CJ_DASH_SOLID;
        st = cj_panel_add_line(t, px, py, p->T, ls, NULL, err);
    }
    const char *actions = run->tasks[a->task].action_names;
    for (int g = 1; !st && g <= 2 && run->tasks[a->task].n_actions >= 3; g++) {
        char label[64], action[CJ_TASK_NAME_MAX];
        snprintf(label, sizeof label, "correct: %s", cj_task_list_item(actions, g, action, sizeof action));
        st = cj_panel_add_line(t, NULL, NULL, 0, cj_line_style_default(g - 1), label, err);
    }
    if (!st && p->n_values > 1) {
        /* Dashed: the conditions whose first value is not condition 0's. */
        int c = 1;
        while (c < p->n_conditions && p->values[c * p->n_values] == p->values[0]) c++;
        if (c < p->n_conditions) {
            char names[256], first[CJ_TASK_NAME_MAX], label[96];
            cj_analysis_condition_names(run, a->task, names, sizeof names);
            snprintf(label, sizeof label, "dashed: %s = %g", cj_task_list_item(names, 0, first, sizeof first),
                     p->values[c * p->n_values]);
            cj_line_style key = {.color = {0.4, 0.4, 0.4}, .dash = CJ_DASH_DASHED, .width = 1.2};
            st = cj_panel_add_line(t, NULL, NULL, 0, key, label, err);
        }
    }
    free(px);
    free(py);
    if (!st) st = cj_analysis_write_figure(a, fig, "pca.png", err);
    cj_figure_free(fig);
    return st;
}

cj_status cj_analyze_pca(cj_analysis *a, const cj_task_run *run, cj_error *err)
{
    cj_analysis_population p;
    cj_status st = cj_analysis_population_make(run, a->task, run->states, run->units, &p, err);
    if (st) return st;
    size_t rows = (size_t)p.n_conditions * p.T;
    double *avg = malloc(sizeof(double) * rows * p.units);
    int *counts = malloc(sizeof(int) * (size_t)p.n_conditions);
    int k = p.units < MAX_PCS ? p.units : MAX_PCS;
    if (rows - 1 < (size_t)k) k = (int)rows - 1;
    double *proj = malloc(sizeof(double) * rows * (k > 0 ? k : 1));
    cj_pca pca = {0};
    if (!avg || !counts || !proj) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st && k < 2) st = cj_fail(err, CJ_ERR_ARG, "%d conditions x %d steps: too few for two components",
                                   p.n_conditions, p.T);
    if (!st) st = cj_condition_average(p.x, p.n, p.T, p.units, p.condition, p.n_conditions, avg, counts, err);
    if (!st) st = cj_pca_fit_f64(&pca, avg, rows, p.units, k, err);
    if (!st) st = cj_pca_project_f64(&pca, avg, rows, k, proj, err);
    if (!st) st = write_conditions(a, run, &p, counts, err);
    if (!st) {
        int64_t shape[3] = {p.n_conditions, p.T, k};
        st = cj_analysis_write_npy(a, "pca_trajectories.npy", 3, shape, proj, err);
    }
    if (!st) {
        int64_t shape[2] = {k, p.units};
        st = cj_analysis_write_npy(a, "pca_components.npy", 2, shape, pca.components, err);
    }
    if (!st) {
        char text[2048];
        size_t len = (size_t)snprintf(text, sizeof text, "component,variance,ratio,cumulative\n");
        double cum = 0;
        for (int j = 0; j < k; j++) {
            cum += pca.explained_variance_ratio[j];
            len += (size_t)snprintf(text + len, sizeof text - len, "%d,%.9g,%.6f,%.6f\n", j + 1,
                                    pca.explained_variance[j], pca.explained_variance_ratio[j], cum);
        }
        st = cj_analysis_write_text(a, "pca_explained.csv", text, len, err);
    }
    if (!st) st = figure(a, run, &p, &pca, proj, k, err);
    if (!st) {
        double three = 0;
        for (int j = 0; j < 3 && j < k; j++) three += pca.explained_variance_ratio[j];
        printf("%d conditions x %d steps of %d units: PCs 1-3 explain %.1f%% of the condition-averaged variance\n"
               "wrote %s/{pca.png, pca_explained.csv, pca_trajectories.npy, pca_components.npy, conditions.csv}\n",
               p.n_conditions, p.T, p.units, 100 * three, a->out_dir);
    }
    cj_pca_free(&pca);
    free(avg);
    free(counts);
    free(proj);
    cj_analysis_population_free(&p);
    return st;
}
