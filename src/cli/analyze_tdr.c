/* analyze_tdr.c — `cajal analyze tdr`: targeted dimensionality reduction
 * (Mante, Sussillo, Shenoy & Newsome 2013, Methods; subspace.h). Each
 * recurrent unit is regressed on the trial's choice (the network's own,
 * +1 for choice 1 and -1 for choice 2), each coherence condition and the
 * context (+1 / -1), the coefficient vectors are denoised in the top PCs,
 * taken at their largest norm and orthogonalised in that order; the
 * condition-averaged trajectories are then projected on the axes, as in
 * Mante's Fig. 2: choice against motion and against colour, in each
 * context. Trials that broke fixation are left out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "cajal/plot.h"
#include "cajal/subspace.h"

enum { MAX_REGRESSORS = 6 };

typedef struct {
    int n;
    char names[MAX_REGRESSORS][32];
    int source[MAX_REGRESSORS]; /* the task condition behind each regressor; -1 for the choice */
    int context;                /* the condition index of "context", or -1 */
} regressors;

/* Mante's order: the choice, the coherences, then the context. */
static void plan(const cj_task_run *run, int task, regressors *r)
{
    r->n = 1;
    snprintf(r->names[0], sizeof r->names[0], "choice");
    r->source[0] = -1;
    r->context = -1;
    const char *names = run->tasks[task].ops->conditions;
    char name[32];
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; *cj_task_list_item(names, k, name, sizeof name) && r->n < MAX_REGRESSORS; k++)
            if (pass == 0 ? cj_analysis_is_coherence(name) : !strcmp(name, "context")) {
                if (pass == 1) r->context = k;
                snprintf(r->names[r->n], sizeof r->names[0], "%s", name);
                r->source[r->n++] = k;
            }
}

/* Mante's Fig. 2 layout: one row per context, one column per coherence
 * regressor: the choice axis against that regressor's axis, one line per
 * coherence of it (averaged over the other conditions), coloured by it. */
static cj_status figure(cj_analysis *a, const cj_task_run *run, const regressors *r, const cj_tdr *tdr,
                        const cj_analysis_population *p, const int *cond_source, cj_error *err)
{
    int n_coh = 0, coh[MAX_REGRESSORS];
    for (int v = 1; v < r->n; v++)
        if (r->source[v] != r->context) coh[n_coh++] = v;
    int rows = r->context >= 0 ? 2 : 1, T = p->T;
    /* The stimulus period, as Mante plots it (the trials' timing is that
     * of the first trial kept; a task with variable timing shows its
     * common part). */
    int t0 = 0, t1 = T;
    if (cj_trial_period(&run->trials[p->trial[0]], "stimulus", &t0, &t1) && t1 > T) t1 = T;
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, rows, n_coh, 520 * n_coh, 440 * rows, err);
    if (st) return st;
    cj_figure_set_title(fig, "Population trajectories on the task axes (targeted dimensionality reduction)");
    double *x = calloc((size_t)T, sizeof(double)), *y = calloc((size_t)T, sizeof(double));
    if (!x || !y) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int row = 0; !st && row < rows; row++)
        for (int col = 0; !st && col < n_coh; col++) {
            int v = coh[col], value_index = cond_source[r->source[v]];
            cj_panel *panel = cj_figure_panel(fig, row, col);
            char title[96];
            if (rows > 1)
                snprintf(title, sizeof title, "context %d (%s relevant): choice vs %s", row, r->names[coh[row < n_coh ? row : 0]], r->names[v]);
            else snprintf(title, sizeof title, "choice vs %s", r->names[v]);
            cj_panel_set_title(panel, title);
            cj_panel_set_labels(panel, "choice axis", r->names[v]);
            /* The distinct values of this coherence, in order. */
            double vals[32];
            int nv = 0;
            for (int c = 0; c < p->n_conditions; c++) {
                double val = p->values[c * p->n_values + value_index];
                int seen = 0;
                for (int j = 0; j < nv && !seen; j++) seen = vals[j] == val;
                if (!seen && nv < 32) vals[nv++] = val;
            }
            for (int i = 0; i < nv; i++)
                for (int j = i + 1; j < nv; j++)
                    if (vals[j] < vals[i]) {
                        double t = vals[i];
                        vals[i] = vals[j], vals[j] = t;
                    }
            for (int j = 0; !st && j < nv; j++) {
                int count = 0;
                memset(x, 0, sizeof(double) * T);
                memset(y, 0, sizeof(double) * T);
                for (int c = 0; c < p->n_conditions; c++) {
                    if (p->values[c * p->n_values + value_index] != vals[j]) continue;
                    if (rows > 1 && p->values[c * p->n_values + cond_source[r->context]] != row) continue;
                    for (int t = 0; t < T; t++) {
                        x[t] += tdr->projections[((size_t)c * T + t) * r->n + 0];
                        y[t] += tdr->projections[((size_t)c * T + t) * r->n + v];
                    }
                    count++;
                }
                if (!count) continue;
                for (int t = 0; t < T; t++) x[t] /= count, y[t] /= count;
                /* Blue (negative) to red (positive) through grey. */
                double f = nv > 1 ? (double)j / (nv - 1) : 0.5;
                cj_line_style s = {.color = {0.15 + 0.7 * f, 0.25, 0.85 - 0.7 * f}, .width = 1.5};
                char label[48];
                snprintf(label, sizeof label, "%s %g", r->names[v], vals[j]);
                st = cj_panel_add_line(panel, x + t0, y + t0, t1 - t0, s, row == 0 ? label : NULL, err);
            }
            cj_panel_set_legend(panel, row == 0 ? CJ_LEGEND_OUTSIDE : CJ_LEGEND_NONE);
        }
    free(x);
    free(y);
    if (!st) st = cj_analysis_write_figure(a, fig, "tdr.png", err);
    cj_figure_free(fig);
    return st;
}

static cj_status write_json(cj_analysis *a, const regressors *r, const cj_tdr *tdr, cj_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    fprintf(f, "{\"regressors\":[");
    for (int v = 0; v < r->n; v++) fprintf(f, "%s\"%s\"", v ? "," : "", r->names[v]);
    fprintf(f, "],\"n_pca\":%d,\"t_max\":[", tdr->n_pca);
    for (int v = 0; v < r->n; v++) fprintf(f, "%s%d", v ? "," : "", tdr->t_max[v]);
    fprintf(f, "],\"angles_deg\":[");
    for (int v = 0; v < r->n; v++) {
        fprintf(f, "%s[", v ? "," : "");
        for (int w = 0; w < r->n; w++) fprintf(f, "%s%.4f", w ? "," : "", tdr->angles[v * r->n + w]);
        fputc(']', f);
    }
    fprintf(f, "]}\n");
    fclose(f);
    cj_status st = text ? cj_analysis_write_text(a, "tdr.json", text, len, err) : cj_fail(err, CJ_ERR_NOMEM, "oom");
    free(text);
    return st;
}

cj_status cj_analyze_tdr(cj_analysis *a, const cj_task_run *run, cj_error *err)
{
    regressors r;
    plan(run, a->task, &r);
    cj_analysis_population all, p = {0};
    cj_status st = cj_analysis_population_make(run, a->task, run->states, run->units, &all, err);
    if (st) return st;
    /* Keep the trials that held fixation: their choice is a choice. */
    p = all;
    int kept = 0;
    for (int k = 0; k < all.n; k++)
        if (!run->scores[all.trial[k]].fixation_broken) {
            memmove(p.x + (size_t)kept * all.T * all.units, all.x + (size_t)k * all.T * all.units,
                    sizeof(float) * (size_t)all.T * all.units);
            p.trial[kept] = all.trial[k];
            p.condition[kept++] = all.condition[k];
        }
    p.n = kept;
    double *F = malloc(sizeof(double) * (size_t)(kept ? kept : 1) * r.n);
    if (!F) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int k = 0; !st && k < kept; k++) {
        const cj_trial *tr = &run->trials[p.trial[k]];
        F[k * r.n] = run->scores[p.trial[k]].choice == 1 ? 1.0 : -1.0;
        for (int v = 1; v < r.n; v++) {
            double c = tr->condition[r.source[v]];
            F[k * r.n + v] = r.source[v] == r.context ? (c == 0 ? 1.0 : -1.0) : c;
        }
    }
    /* The condition values' positions among the grouping values. */
    int cond_source[CJ_TASK_MAX_CONDITIONS], j = 0;
    const char *names = run->tasks[a->task].ops->conditions;
    int truth = cj_task_list_index(names, "ground_truth");
    for (int k = 0; k < CJ_TASK_MAX_CONDITIONS; k++) cond_source[k] = k == truth ? -1 : j++;
    const char *pcs = cj_analysis_option(a, "--pcs");
    int n_pca = pcs ? atoi(pcs) : 12;
    if (n_pca > p.units) n_pca = p.units;
    const char *reg_names[MAX_REGRESSORS];
    for (int v = 0; v < r.n; v++) reg_names[v] = r.names[v];
    cj_tdr tdr = {0};
    cj_tdr_input in = {.x = p.x, .trials = p.n, .T = p.T, .units = p.units, .regressors = F, .n_regressors = r.n,
                       .names = reg_names, .condition = p.condition, .n_conditions = p.n_conditions,
                       .n_pca = n_pca};
    if (!st) st = cj_tdr_run(&in, &tdr, err);
    if (!st) {
        int64_t shape[2] = {r.n, p.units};
        st = cj_analysis_write_npy(a, "tdr_axes.npy", 2, shape, tdr.axes, err);
    }
    if (!st) {
        int64_t shape[3] = {p.n_conditions, p.T, r.n};
        st = cj_analysis_write_npy(a, "tdr_projections.npy", 3, shape, tdr.projections, err);
    }
    if (!st) st = write_json(a, &r, &tdr, err);
    if (!st) st = figure(a, run, &r, &tdr, &p, cond_source, err);
    if (!st) {
        printf("%d trials, %d conditions, %d units, axes denoised in %d PCs; largest regression at step",
               p.n, p.n_conditions, p.units, tdr.n_pca);
        for (int v = 0; v < r.n; v++) printf(" %s %d", r.names[v], tdr.t_max[v]);
        printf("\nangles of the raw axes to the choice axis (before orthogonalising):");
        for (int v = 1; v < r.n; v++) printf(" %s %.1f deg", r.names[v], tdr.angles[v]);
        printf("\n");
        printf("wrote %s/{tdr.png, tdr.json, tdr_axes.npy, tdr_projections.npy}\n", a->out_dir);
    }
    cj_tdr_free(&tdr);
    free(F);
    cj_analysis_population_free(&all);
    return st;
}
