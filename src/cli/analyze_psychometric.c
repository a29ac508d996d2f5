/* analyze_psychometric.c — `cajal analyze psychometric`: the network's
 * choices as a psychophysicist plots a monkey's. For every coherence-like
 * condition of the task (its name ends in "coh" or is "coherence") and,
 * when the task has one, each context: P(choice 1) per signed coherence
 * with 95% Wilson intervals, and a logistic fit (psychometric.h). For
 * Mante's task the relevant modality's slope should dwarf the irrelevant
 * one's in each context (Mante et al. 2013, Fig. 1). --compare overlays
 * monkeys' choices from a trial CSV (Roitman & Shadlen 2002's format:
 * coh, correct, trgchoice, monkey). Trials that broke fixation are left
 * out, as aborted trials are. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "cajal/plot.h"
#include "cajal/psychometric.h"
#include "cajal/trials_csv.h"

enum { MAX_VARS = 4, MAX_CONTEXTS = 4, MAX_LEVELS = 64 };

typedef struct {
    int context;         /* its value, or -1 when the task has no context */
    int var;             /* index into the task's conditions */
    char name[32];       /* the condition's name */
    int n_levels;
    cj_psy_level levels[MAX_LEVELS];
    cj_psy_fit fit;
} curve;

/* One curve: x = condition var of the trials in `context` that held
 * fixation, y = chose 1. */
static cj_status fit_curve(const cj_task_run *run, int task, curve *c, double *x, double *y, cj_error *err)
{
    int n = 0;
    for (int i = 0; i < run->n; i++) {
        const cj_trial *tr = &run->trials[i];
        if (run->task_of[i] != task || run->scores[i].fixation_broken) continue;
        if (c->context >= 0 && (int)tr->condition[0] != c->context) continue;
        x[n] = tr->condition[c->var];
        y[n++] = run->scores[i].choice == 1;
    }
    if (n < 2) return cj_fail(err, CJ_ERR_ARG, "%s: %d trials held fixation: too few for a curve", c->name, n);
    cj_status st = cj_psy_levels(x, y, NULL, n, 0.95, c->levels, MAX_LEVELS, &c->n_levels, err);
    cj_psy_data d = {.n = n, .x = x, .y = y};
    if (!st) st = cj_psy_fit_binary(&d, NULL, &c->fit, err);
    return st;
}

/* The logistic curve of a fit over [lo, hi], 100 points. */
static void fitted(const cj_psy_fit *f, double lo, double hi, double *x, double *y)
{
    for (int i = 0; i < 100; i++) {
        x[i] = lo + (hi - lo) * i / 99.0;
        double z = f->separation ? (x[i] > f->pse ? INFINITY : -INFINITY) * f->sep_sign : f->b0 + f->b1 * x[i];
        y[i] = 1 / (1 + exp(-z));
    }
}

/* The monkeys of a --compare file as curves against coherence in %. */
static cj_status add_monkeys(cj_panel *p, const char *path, cj_error *err)
{
    const char *cols[] = {"monkey", "coh", "correct", "trgchoice"};
    cj_trials t;
    cj_status st = cj_trials_csv_read(path, cols, 4, &t, err);
    if (st) return st;
    double *x = malloc(sizeof(double) * (size_t)t.n_rows), *y = malloc(sizeof(double) * (size_t)t.n_rows);
    const double *monkey = cj_trials_column(&t, "monkey"), *coh = cj_trials_column(&t, "coh");
    const double *correct = cj_trials_column(&t, "correct"), *choice = cj_trials_column(&t, "trgchoice");
    if (!x || !y) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st) st = cj_psy_sign_by_choice(coh, correct, choice, t.n_rows, 1, x, y, err);
    for (int m = 1; !st && m <= 2; m++) {
        int n = 0;
        for (int i = 0; i < t.n_rows; i++)
            if (monkey[i] == m) x[n] = 100 * x[i], y[n] = y[i], n++;
        if (!n) continue;
        cj_psy_level lv[MAX_LEVELS];
        int nl;
        if ((st = cj_psy_levels(x, y, NULL, n, 0.95, lv, MAX_LEVELS, &nl, err))) break;
        double lx[MAX_LEVELS], ly[MAX_LEVELS];
        for (int k = 0; k < nl; k++) lx[k] = lv[k].x, ly[k] = lv[k].p;
        cj_line_style s = {.color = {0.35, 0.35, 0.35}, .dash = m == 1 ? CJ_DASH_DOTTED : CJ_DASH_DASHDOT,
                           .width = 1.5, .marker = m == 1 ? CJ_MARKER_SQUARE : CJ_MARKER_TRIANGLE};
        char label[64];
        snprintf(label, sizeof label, "monkey %d (Roitman & Shadlen 2002)", m);
        st = cj_panel_add_line(p, lx, ly, nl, s, label, err);
    }
    free(x);
    free(y);
    cj_trials_free(&t);
    return st;
}

static cj_status figure(cj_analysis *a, const curve *c, int n_curves, int n_contexts, cj_error *err)
{
    cj_figure *fig;
    int cols = n_contexts > 0 ? n_contexts : 1;
    cj_status st = cj_figure_create(&fig, 1, cols, 560 * cols, 480, err);
    if (st) return st;
    cj_figure_set_title(fig, "Psychometric curves of the network (points with 95% Wilson bands; thick lines: "
                             "logistic fits)");
    const char *compare = cj_analysis_option(a, "--compare");
    for (int k = 0; !st && k < n_curves; k++) {
        cj_panel *p = cj_figure_panel(fig, 0, c[k].context >= 0 ? c[k].context : 0);
        char title[80];
        /* Context j makes the j-th coherence relevant (contextdm: 0 motion, 1 colour). */
        if (c[k].context >= 0)
            snprintf(title, sizeof title, "context %d: %s relevant", c[k].context, c[c[k].context % n_curves].name);
        else
            snprintf(title, sizeof title, "all trials that held fixation");
        cj_panel_set_title(p, title);
        cj_panel_set_labels(p, "signed coherence (%, + favours choice 1)", "P(choice 1)");
        cj_panel_set_ylim(p, -0.02, 1.02);
        double lx[MAX_LEVELS], ly[MAX_LEVELS], lo[MAX_LEVELS], hi[MAX_LEVELS], fx[100], fy[100];
        for (int j = 0; j < c[k].n_levels; j++) {
            lx[j] = c[k].levels[j].x;
            ly[j] = c[k].levels[j].p;
            lo[j] = c[k].levels[j].p_ci[0];
            hi[j] = c[k].levels[j].p_ci[1];
        }
        int colour = c[k].var;
        cj_line_style pts = cj_line_style_default(colour);
        pts.width = 1.2;
        pts.marker = CJ_MARKER_CIRCLE;
        st = cj_panel_add_band(p, lx, lo, hi, c[k].n_levels, cj_line_style_default(colour), NULL, err);
        if (!st) st = cj_panel_add_line(p, lx, ly, c[k].n_levels, pts, NULL, err);
        fitted(&c[k].fit, lx[0], lx[c[k].n_levels - 1], fx, fy);
        char label[64];
        snprintf(label, sizeof label, "%s (slope %.3g)", c[k].name, c[k].fit.b1);
        cj_line_style fit = cj_line_style_default(colour);
        fit.width = 2.5;
        if (!st) st = cj_panel_add_line(p, fx, fy, 100, fit, label, err);
        if (!st && compare && k == 0) st = add_monkeys(p, compare, err);
    }
    if (!st) st = cj_analysis_write_figure(a, fig, "psychometric.png", err);
    cj_figure_free(fig);
    return st;
}

/* A number, or null when it is not finite (JSON has no NaN). */
static void json_num(FILE *f, const char *key, double v)
{
    if (isfinite(v)) fprintf(f, ",\"%s\":%.9g", key, v);
    else fprintf(f, ",\"%s\":null", key);
}

static void json_fit(FILE *f, const curve *c)
{
    const cj_psy_fit *q = &c->fit;
    static const char *SEP[] = {"none", "quasi-complete", "complete", "one response"};
    fprintf(f, "{\"context\":%d,\"condition\":\"%s\"", c->context, c->name);
    json_num(f, "b0", q->b0);
    json_num(f, "b1", q->b1);
    json_num(f, "se_b1", q->se_b1);
    json_num(f, "b1_low", q->b1_ci[0]);
    json_num(f, "b1_high", q->b1_ci[1]);
    json_num(f, "pse", q->pse);
    fprintf(f, ",\"separation\":\"%s\",\"trials\":%d}", SEP[q->separation], (int)q->total_trials);
}

static cj_status write_tables(cj_analysis *a, const curve *c, int n, cj_error *err)
{
    char *csv = NULL, *json = NULL;
    size_t csv_len = 0, json_len = 0;
    FILE *f = open_memstream(&csv, &csv_len), *g = open_memstream(&json, &json_len);
    if (!f || !g) {
        if (f) fclose(f), free(csv);
        if (g) fclose(g), free(json);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    fprintf(f, "context,condition,coherence,trials,chose1,p_choice1,ci_low,ci_high\n");
    fputs("{\"fits\":[", g);
    for (int k = 0; k < n; k++) {
        for (int j = 0; j < c[k].n_levels; j++) {
            const cj_psy_level *l = &c[k].levels[j];
            fprintf(f, "%d,%s,%g,%d,%d,%.6f,%.6f,%.6f\n", c[k].context, c[k].name, l->x, l->trials, l->count, l->p,
                    l->p_ci[0], l->p_ci[1]);
        }
        if (k) fputc(',', g);
        json_fit(g, &c[k]);
    }
    fputs("]}\n", g);
    fclose(f);
    fclose(g);
    cj_status st = csv && json ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st) st = cj_analysis_write_text(a, "psychometric.csv", csv, csv_len, err);
    if (!st) st = cj_analysis_write_text(a, "fits.json", json, json_len, err);
    free(csv);
    free(json);
    return st;
}

cj_status cj_analyze_psychometric(cj_analysis *a, const cj_task_run *run, cj_error *err)
{
    const cj_task *task = &run->tasks[a->task];
    const char *names = task->ops->conditions;
    char buf[32];
    int vars[MAX_VARS], n_vars = 0, has_context = !strcmp(cj_task_list_item(names, 0, buf, sizeof buf), "context");
    for (int k = 0; k < CJ_TASK_MAX_CONDITIONS && n_vars < MAX_VARS; k++)
        if (cj_analysis_is_coherence(cj_task_list_item(names, k, buf, sizeof buf))) vars[n_vars++] = k;
    if (!n_vars)
        return cj_fail(err, CJ_ERR_ARG, "task %s has no coherence among its conditions (%s)", task->name,
                       names);
    int n_contexts = has_context ? 2 : 0;
    curve *c = calloc((size_t)(n_contexts ? n_contexts : 1) * n_vars, sizeof *c);
    double *x = malloc(sizeof(double) * (size_t)run->n), *y = malloc(sizeof(double) * (size_t)run->n);
    cj_status st = c && x && y ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    int n = 0;
    for (int ctx = has_context ? 0 : -1; !st && ctx < (has_context ? n_contexts : 0); ctx++)
        for (int v = 0; !st && v < n_vars; v++) {
            c[n].context = ctx;
            c[n].var = vars[v];
            cj_task_list_item(names, vars[v], c[n].name, sizeof c[n].name);
            st = fit_curve(run, a->task, &c[n++], x, y, err);
        }
    if (!st) st = write_tables(a, c, n, err);
    if (!st) st = figure(a, c, n, n_contexts, err);
    for (int k = 0; !st && k < n; k++) {
        /* "context 1: colour_coh slope ..."; a task without contexts: "coherence slope ..." */
        if (c[k].context >= 0)
            printf("%scontext %d: ", k && c[k].context == c[k - 1].context ? "  " : "", c[k].context);
        printf("%s slope %.4g per %% [%.4g, %.4g]%s", c[k].name, c[k].fit.b1, c[k].fit.b1_ci[0], c[k].fit.b1_ci[1],
               c[k].fit.separation ? " (separated: a lower bound)" : "");
        /* Mante's measure: the other modality's slope as a fraction of
         * the one the context makes relevant (condition 1 + context). */
        if (c[k].context >= 0 && n_vars == 2 && k % 2 == 1) {
            const curve *rel = &c[k - 1 + c[k].context], *irr = &c[k - c[k].context];
            printf("  -> irrelevant/relevant slope %.1f%%", 100 * fabs(irr->fit.b1 / rel->fit.b1));
        }
        printf("\n");
    }
    if (!st) printf("wrote %s/{psychometric.png, psychometric.csv, fits.json}\n", a->out_dir);
    free(c);
    free(x);
    free(y);
    return st;
}
