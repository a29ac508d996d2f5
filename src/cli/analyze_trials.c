/* analyze_trials.c — `cajal analyze trials`: a few example trials drawn as
 * a lab would show them, one row per trial, and trials.csv naming them.
 *
 * Tasks with a few channels (NeuroGym's): the inputs on each channel, and
 * the network's choice probabilities over the targets. Tasks with many
 * (Yang et al.'s 85 inputs and 33 outputs) are drawn as Yang et al. (2019,
 * Fig. 1) draw them: single channels (the fixation input, the fixation
 * output and its target) as lines, and each numbered population of
 * channels ("ring1_0" .. "ring1_31", "out_0" .. "out_31") as a heat map,
 * units x time, the network's ring beside its target on one colour scale.
 * Cue groups sharing a prefix without numbers (the rule inputs
 * "rule_fdgo", ...) are left out: the row's title names the task. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "cajal/plot.h"

enum { N_EXAMPLES = 4, MAX_ROWS = 8, MAX_LINES = 12, MAX_POPS = 4 };

/* ---- which trials ------------------------------------------------------- */

/* The rows to draw: N_EXAMPLES, or one per task when --task names
 * several (at most MAX_ROWS). */
static int n_rows(const cj_analysis *a)
{
    int named = 0;
    for (int k = 0; k < 32; k++) named += (int)(a->task_set >> k & 1);
    return named > MAX_ROWS ? MAX_ROWS : named > 1 ? named : N_EXAMPLES;
}

/* Up to `want` trials: one of each task first when the run has several
 * (of those --task names; a trial that asks for a response rather than a
 * no-go trial, when there is one, as it shows what the task asks), then
 * different (first condition, ground truth) — for contextdm both contexts
 * and both answers — then any. */
static int pick(const cj_task_run *run, int want, int *which)
{
    int n = 0;
    for (int k = 0; run->n_tasks > 1 && k < run->n_tasks && n < want; k++) {
        int first = -1, respond = -1;
        for (int i = 0; i < run->n && respond < 0; i++)
            if (run->task_of[i] == k) {
                if (first < 0) first = i;
                if (run->trials[i].ground_truth != 0) respond = i;
            }
        if (first >= 0) which[n++] = respond >= 0 ? respond : first;
    }
    for (int i = 0; i < run->n && n < want; i++) {
        int seen = 0;
        for (int j = 0; j < n && !seen; j++)
            seen = which[j] == i || (run->task_of[which[j]] == run->task_of[i] &&
                                     run->trials[which[j]].condition[0] == run->trials[i].condition[0] &&
                                     run->trials[which[j]].ground_truth == run->trials[i].ground_truth);
        if (!seen) which[n++] = i;
    }
    for (int i = 0; i < run->n && n < want; i++) {
        int seen = 0;
        for (int j = 0; j < n && !seen; j++) seen = which[j] == i;
        if (!seen) which[n++] = i;
    }
    return n;
}

/* ---- how a task's channels are drawn ------------------------------------ */

/* A numbered population: channels first .. first + n - 1, named
 * name_0 .. name_{n-1}. */
typedef struct {
    char name[CJ_TASK_NAME_MAX];
    int first, n;
} population;

typedef struct {
    population pop[MAX_POPS];
    int n_pops;
    int single[MAX_LINES]; /* channels drawn as lines */
    int n_single;
} channel_layout;

/* The number k when s is prefix + "_" + k (the prefix into prefix[]), or -1. */
static int numbered(const char *s, char *prefix, size_t len)
{
    const char *u = strrchr(s, '_');
    if (!u || !u[1] || u == s) return -1;
    for (const char *d = u + 1; *d; d++)
        if (*d < '0' || *d > '9') return -1;
    snprintf(prefix, len, "%.*s", (int)(u - s), s);
    return atoi(u + 1);
}

/* Does any other channel of the list share name's prefix before its last
 * '_' (a cue group: rule_fdgo, rule_dm1, ...)? */
static int in_cue_group(const char *list, int n, int k)
{
    char name[CJ_TASK_NAME_MAX], other[CJ_TASK_NAME_MAX];
    cj_task_list_item(list, k, name, sizeof name);
    const char *u = strrchr(name, '_');
    if (!u || u == name) return 0;
    size_t p = (size_t)(u - name) + 1;
    for (int j = 0; j < n; j++)
        if (j != k && !strncmp(cj_task_list_item(list, j, other, sizeof other), name, p)) return 1;
    return 0;
}

static void layout_of(const char *list, int n, channel_layout *l)
{
    memset(l, 0, sizeof *l);
    char name[CJ_TASK_NAME_MAX], prefix[CJ_TASK_NAME_MAX];
    for (int k = 0; k < n; k++) {
        int num = numbered(cj_task_list_item(list, k, name, sizeof name), prefix, sizeof prefix);
        population *last = l->n_pops ? &l->pop[l->n_pops - 1] : NULL;
        if (num > 0 && last && last->first + last->n == k && num == last->n && !strcmp(last->name, prefix)) {
            last->n++;
        } else if (num == 0 && l->n_pops < MAX_POPS) {
            population *p = &l->pop[l->n_pops++];
            snprintf(p->name, sizeof p->name, "%s", prefix);
            p->first = k;
            p->n = 1;
        } else if (!in_cue_group(list, n, k) && l->n_single < MAX_LINES) {
            l->single[l->n_single++] = k;
        }
    }
}

/* ---- drawing ------------------------------------------------------------ */

/* Softmax of one step's logits (tasks with actions are trained with
 * cross-entropy, so the outputs are logits). */
static void softmax(const float *z, int n, double *p)
{
    double m = z[0], s = 0;
    for (int j = 1; j < n; j++) m = z[j] > m ? z[j] : m;
    for (int j = 0; j < n; j++) s += p[j] = exp(z[j] - m);
    for (int j = 0; j < n; j++) p[j] /= s;
}

/* The largest of channels first..first+n-1 over `len` steps of x. */
static double largest(const float *x, size_t stride, int first, int n, int len)
{
    double m = -INFINITY;
    for (int t = 0; t < len; t++)
        for (int c = 0; c < n; c++) m = fmax(m, x[(size_t)t * stride + first + c]);
    return m;
}

/* Panel p as a units x time heat map of population pop of x (step-major,
 * `stride` floats per step) over `len` steps of dt ms, unit 0 at the top,
 * on the colour scale [vmin, vmax]. */
static cj_status heat(cj_panel *p, const float *x, size_t stride, const population *pop, int len, double dt,
                      double vmin, double vmax, const char *title, int last_row, cj_error *err)
{
    double *m = malloc(sizeof(double) * (size_t)pop->n * len);
    if (!m) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int c = 0; c < pop->n; c++)
        for (int t = 0; t < len; t++) m[(size_t)c * len + t] = x[(size_t)t * stride + pop->first + c];
    cj_panel_set_title(p, title);
    cj_panel_set_labels(p, last_row ? "time (ms)" : "", "unit");
    cj_status st = cj_panel_set_heatmap(p, m, pop->n, len, vmin, vmax, CJ_CMAP_VIRIDIS, NULL, err);
    if (!st) st = cj_panel_set_heatmap_extent(p, 0, len * dt, -0.5, pop->n - 0.5, err);
    free(m);
    return st;
}

/* "fdgo, trial 16: correct" (the task's name when the run has several). */
static void row_title(const cj_task_run *run, int idx, char *out, size_t len)
{
    const cj_trial_score *s = &run->scores[idx];
    const char *outcome = s->correct ? "correct" : s->fixation_broken ? "broke fixation" : "wrong";
    if (run->n_tasks > 1) snprintf(out, len, "%s, trial %d: %s", run->tasks[run->task_of[idx]].name, idx, outcome);
    else snprintf(out, len, "trial %d: %s", idx, outcome);
}

/* The scales every row of a figure shares, so that rows compare: the
 * inputs' colours, the outputs' and targets' colours (a no-go trial's
 * flat outputs are not stretched to fill the colour bar), and the line
 * panels' range. */
typedef struct {
    double in_max, out_max, lo, hi;
} scales;

static void widen(double v, double *lo, double *hi)
{
    *lo = fmin(*lo, v);
    *hi = fmax(*hi, v);
}

/* Widen *sc by trial idx (its inputs and targets in b). */
static void measure(const cj_task_run *run, int idx, const cj_batch *b, const channel_layout *in,
                    const channel_layout *out, scales *sc)
{
    const cj_task *task = &run->tasks[run->task_of[idx]];
    int len = run->trials[idx].T, n_obs = task->n_obs, no = run->n_out;
    const float *z = run->outputs + (size_t)idx * run->T * no;
    for (int k = 0; k < in->n_pops; k++)
        sc->in_max = fmax(sc->in_max, largest(b->x, n_obs, in->pop[k].first, in->pop[k].n, len));
    for (int k = 0; k < out->n_pops; k++) {
        sc->out_max = fmax(sc->out_max, largest(z, no, out->pop[k].first, out->pop[k].n, len));
        if (b->values) sc->out_max = fmax(sc->out_max, largest(b->values, no, out->pop[k].first, out->pop[k].n, len));
    }
    for (int t = 0; t < len; t++) {
        for (int k = 0; k < in->n_single; k++) widen(b->x[(size_t)t * n_obs + in->single[k]], &sc->lo, &sc->hi);
        for (int k = 0; k < out->n_single; k++) {
            widen(z[(size_t)t * no + out->single[k]], &sc->lo, &sc->hi);
            if (b->values) widen(b->values[(size_t)t * no + out->single[k]], &sc->lo, &sc->hi);
        }
    }
}

/* One row of a task with many channels: the single channels as lines
 * (inputs solid grey, outputs solid, their targets dashed), then each
 * input population, then each output population and its target. */
static cj_status many_row(cj_figure *fig, int r, int last_row, const cj_task_run *run, int idx, const cj_batch *b,
                          const channel_layout *in, const channel_layout *out, const scales *sc, double *t_ms,
                          double *y, cj_error *err)
{
    const cj_task *task = &run->tasks[run->task_of[idx]];
    int len = run->trials[idx].T, n_obs = task->n_obs, no = run->n_out;
    const float *z = run->outputs + (size_t)idx * run->T * no;
    char title[160], name[CJ_TASK_NAME_MAX], label[CJ_TASK_NAME_MAX + 16];
    cj_panel *lines = cj_figure_panel(fig, r, 0);
    row_title(run, idx, title, sizeof title);
    cj_panel_set_title(lines, title);
    cj_panel_set_labels(lines, last_row ? "time (ms)" : "", "value");
    cj_panel_set_xlim(lines, 0, len * task->dt);
    double pad = 0.05 * (sc->hi - sc->lo);
    cj_panel_set_ylim(lines, sc->lo - pad, sc->hi + pad);
    cj_status st = CJ_OK;
    for (int t = 0; t < len; t++) t_ms[t] = (t + 1) * task->dt;
    for (int k = 0; !st && k < in->n_single; k++) {
        for (int t = 0; t < len; t++) y[t] = b->x[(size_t)t * n_obs + in->single[k]];
        cj_line_style s = {.color = {0.35, 0.35, 0.35}, .width = 1.5, .dash = (cj_dash)(k % CJ_DASH_COUNT)};
        snprintf(label, sizeof label, "%s input", cj_task_list_item(task->obs_names, in->single[k], name, sizeof name));
        st = cj_panel_add_line(lines, t_ms, y, len, s, r == 0 ? label : NULL, err);
    }
    for (int k = 0; !st && k < out->n_single; k++) {
        int j = out->single[k];
        for (int t = 0; t < len; t++) y[t] = z[(size_t)t * no + j];
        snprintf(label, sizeof label, "%s output", cj_task_list_item(task->action_names, j, name, sizeof name));
        st = cj_panel_add_line(lines, t_ms, y, len, cj_line_style_default(k), r == 0 ? label : NULL, err);
        if (st || !b->values) continue;
        for (int t = 0; t < len; t++) y[t] = b->values[(size_t)t * no + j];
        cj_line_style dashed = cj_line_style_default(k);
        dashed.dash = CJ_DASH_DASHED;
        dashed.width = 1.2;
        st = cj_panel_add_line(lines, t_ms, y, len, dashed, r == 0 ? "target" : NULL, err);
    }
    /* Inputs on one scale, so that a weaker stimulus looks weaker; the
     * network's outputs and their targets on another. */
    double in_max = sc->in_max, out_max = sc->out_max;
    int col = 1;
    for (int k = 0; !st && k < in->n_pops; k++) {
        const population *p = &in->pop[k];
        snprintf(title, sizeof title, r ? "" : "input %s_0..%d", p->name, p->n - 1);
        st = heat(cj_figure_panel(fig, r, col++), b->x, n_obs, p, len, task->dt, 0, in_max, title, last_row, err);
    }
    for (int k = 0; !st && k < out->n_pops; k++) {
        const population *p = &out->pop[k];
        snprintf(title, sizeof title, r ? "" : "network %s_0..%d", p->name, p->n - 1);
        st = heat(cj_figure_panel(fig, r, col++), z, no, p, len, task->dt, 0, out_max, title, last_row, err);
        if (st || !b->values) continue;
        snprintf(title, sizeof title, r ? "" : "target %s_0..%d", p->name, p->n - 1);
        st = heat(cj_figure_panel(fig, r, col++), b->values, no, p, len, task->dt, 0, out_max, title, last_row,
                  err);
    }
    return st;
}

/* One row of a task with a few channels: every input as a line; the
 * choice probabilities (or output values) over the targets, dashed. */
static cj_status few_row(cj_figure *fig, int r, int last_row, const cj_task_run *run, int idx, const cj_batch *b,
                         double *t_ms, double *y, double *p, cj_error *err)
{
    const cj_task *task = &run->tasks[run->task_of[idx]];
    const cj_trial *tr = &run->trials[idx];
    int values = task->ops->target == CJ_TARGET_VALUES, len = tr->T, n_obs = task->n_obs, no = run->n_out;
    for (int t = 0; t < len; t++) t_ms[t] = (t + 1) * task->dt;
    char title[160], name[48];
    int used = snprintf(title, sizeof title, run->n_tasks > 1 ? "trial %d (%s):" : "trial %d:", idx, task->name);
    for (int k = 0; k < CJ_TASK_MAX_CONDITIONS && used < (int)sizeof title; k++) {
        const char *c = cj_task_list_item(task->ops->conditions, k, name, sizeof name);
        if (!*c) break;
        used += snprintf(title + used, sizeof title - used, " %s %g", c, tr->condition[k]);
    }
    cj_panel *in = cj_figure_panel(fig, r, 0), *out = cj_figure_panel(fig, r, 1);
    cj_panel_set_title(in, title);
    cj_panel_set_labels(in, last_row ? "time (ms)" : "", "input");
    cj_status st = CJ_OK;
    for (int k = 0; !st && k < n_obs; k++) {
        for (int t = 0; t < len; t++) y[t] = b->x[(size_t)t * n_obs + k];
        st = cj_panel_add_line(in, t_ms, y, len, cj_line_style_default(k),
                               r == 0 ? cj_task_list_item(task->obs_names, k, name, sizeof name) : NULL, err);
    }
    const cj_trial_score *s = &run->scores[idx];
    snprintf(title, sizeof title, "%s: %s", values ? "outputs" : "choice probabilities",
             s->correct ? "correct" : s->fixation_broken ? "broke fixation" : "wrong");
    cj_panel_set_title(out, title);
    cj_panel_set_labels(out, last_row ? "time (ms)" : "", values ? "output" : "probability");
    for (int j = 0; !st && j < no; j++) {
        for (int t = 0; t < len; t++) {
            const float *z = run->outputs + ((size_t)idx * run->T + t) * no;
            if (values) y[t] = z[j];
            else softmax(z, no, p), y[t] = p[j];
        }
        st = cj_panel_add_line(out, t_ms, y, len, cj_line_style_default(j),
                               r == 0 ? cj_task_list_item(task->action_names, j, name, sizeof name) : NULL, err);
        for (int t = 0; !st && t < len; t++) y[t] = values ? b->values[(size_t)t * no + j] : b->labels[t] == j;
        cj_line_style dashed = cj_line_style_default(j);
        dashed.dash = CJ_DASH_DASHED;
        dashed.width = 1;
        if (!st) st = cj_panel_add_line(out, t_ms, y, len, dashed, NULL, err);
    }
    if (!st && r == 0) {
        cj_line_style key = {.color = {0.4, 0.4, 0.4}, .dash = CJ_DASH_DASHED, .width = 1};
        st = cj_panel_add_line(out, NULL, NULL, 0, key, "target", err);
    }
    if (!values) cj_panel_set_ylim(out, -0.05, 1.05);
    return st;
}

/* trials.csv: which trials the rows are, how the network did, and their
 * conditions ("name=value" separated by spaces: the tasks' differ). */
static cj_status write_table(cj_analysis *a, const cj_task_run *run, const int *which, int n, cj_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    fprintf(f, "row,trial,task,steps,correct,fixation_broken,conditions\n");
    for (int r = 0; r < n; r++) {
        int i = which[r];
        const cj_task *task = &run->tasks[run->task_of[i]];
        fprintf(f, "%d,%d,%s,%d,%d,%d,", r, i, task->name, run->trials[i].T, run->scores[i].correct,
                run->scores[i].fixation_broken);
        char name[48];
        for (int k = 0; k < CJ_TASK_MAX_CONDITIONS; k++) {
            const char *c = cj_task_list_item(task->ops->conditions, k, name, sizeof name);
            if (!*c) break;
            fprintf(f, "%s%s=%.6g", k ? " " : "", c, run->trials[i].condition[k]);
        }
        fputc('\n', f);
    }
    fclose(f);
    cj_status st = text ? cj_analysis_write_text(a, "trials.csv", text, len, err)
                        : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(text);
    return st;
}

static cj_status draw(cj_analysis *a, const cj_task_run *run, const int *which, int n, cj_error *err)
{
    const cj_task *task = &run->tasks[run->task_of[which[0]]];
    int T = run->T, n_obs = task->n_obs, no = run->n_out, same_task = 1;
    for (int r = 1; r < n; r++) same_task &= run->task_of[which[r]] == run->task_of[which[0]];
    int many = n_obs > MAX_LINES || no > MAX_LINES;
    channel_layout in, out;
    layout_of(task->obs_names, n_obs, &in);
    layout_of(task->action_names, no, &out);
    int values = task->ops->target == CJ_TARGET_VALUES;
    int cols = many ? 1 + in.n_pops + out.n_pops * (values ? 2 : 1) : 2;
    cj_figure *fig;
    cj_status st = many ? cj_figure_create(&fig, n, cols, 240 * cols, 70 + 180 * n, err)
                        : cj_figure_create(&fig, n, 2, 1200, 60 + 270 * n, err);
    if (st) return st;
    /* The task's summary, less its references when it would not fit. */
    char title[128];
    int n_shown = 0;
    for (int k = 0; k < run->n_tasks; k++) {
        int shown = 0;
        for (int r = 0; r < n && !shown; r++) shown = run->task_of[which[r]] == k;
        n_shown += shown;
    }
    if (same_task) snprintf(title, sizeof title, "%s", task->ops->summary);
    else if (n_shown < run->n_tasks)
        snprintf(title, sizeof title, "Example trials of %d of the %d tasks trained together", n_shown, run->n_tasks);
    else snprintf(title, sizeof title, "Example trials of the tasks trained together");
    char *refs = strstr(title, " (");
    if (strlen(title) > 90 && refs) *refs = '\0';
    cj_figure_set_title(fig, title);
    double *t_ms = malloc(sizeof(double) * T), *y = malloc(sizeof(double) * T), *p = malloc(sizeof(double) * no);
    cj_batch batch;
    int have_batch = 0;
    if (!t_ms || !y || !p) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory drawing trials");
    if (!st && !(st = cj_batch_alloc(&batch, &a->src, 1, err))) have_batch = 1;
    /* The trials' inputs and targets again (trial i depends on its index
     * alone): once for the scales the rows share, once to draw them. */
    scales sc = {0, 0, INFINITY, -INFINITY};
    for (int r = 0; !st && many && r < n; r++) {
        int idx = which[r];
        if (!(st = cj_source_fill(&a->src, &idx, 1, &batch, err))) measure(run, idx, &batch, &in, &out, &sc);
    }
    if (!(sc.hi > sc.lo)) sc.lo = 0, sc.hi = 1;
    for (int r = 0; !st && r < n; r++) {
        int idx = which[r];
        if ((st = cj_source_fill(&a->src, &idx, 1, &batch, err))) break;
        st = many ? many_row(fig, r, r == n - 1, run, idx, &batch, &in, &out, &sc, t_ms, y, err)
                  : few_row(fig, r, r == n - 1, run, idx, &batch, t_ms, y, p, err);
    }
    if (!st) st = cj_analysis_write_figure(a, fig, "trials.png", err);
    if (!st) st = write_table(a, run, which, n, err);
    if (!st) printf("wrote %s/trials.png and trials.csv (%d example trials)\n", a->out_dir, n);
    if (have_batch) cj_batch_free(&batch);
    free(t_ms);
    free(y);
    free(p);
    cj_figure_free(fig);
    return st;
}

cj_status cj_analyze_trials(cj_analysis *a, const cj_task_run *run, cj_error *err)
{
    int which[MAX_ROWS], named = 0;
    for (int k = 0; k < 32; k++) named += (int)(a->task_set >> k & 1);
    if (named > MAX_ROWS)
        printf("--task names %d tasks: the first %d of them in data.task are drawn\n", named, MAX_ROWS);
    return draw(a, run, which, pick(run, n_rows(a), which), err);
}
