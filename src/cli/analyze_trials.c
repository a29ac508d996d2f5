/* analyze_trials.c — `cajal analyze trials`: a few example trials drawn as
 * a lab would show them: the inputs on each channel, and the network's
 * outputs (choice probabilities for a task with actions, the output values
 * for ring outputs) over the targets, one row per trial. Tasks with many
 * channels (Yang et al.'s 85 inputs and 33 outputs) are drawn as heat
 * maps, channel by time, with the targets beside the outputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "cajal/plot.h"

enum { N_EXAMPLES = 4, MAX_LINES = 12 };

/* Panel p as a channels x time heat map of `len` steps of x (step-major,
 * `stride` floats per step, `n` channels from `first`). */
static cj_status heat(cj_panel *p, const float *x, size_t stride, int first, int n, int len, const char *title,
                      const char *ylabel, const char *cbar, cj_error *err)
{
    double *m = malloc(sizeof(double) * (size_t)n * len);
    if (!m) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int c = 0; c < n; c++)
        for (int t = 0; t < len; t++) m[(size_t)c * len + t] = x[(size_t)t * stride + first + c];
    cj_panel_set_title(p, title);
    cj_panel_set_labels(p, "step", ylabel);
    cj_status st = cj_panel_set_heatmap(p, m, n, len, NAN, NAN, CJ_CMAP_VIRIDIS, cbar, err);
    free(m);
    return st;
}

/* Up to N_EXAMPLES trials with different (first condition, ground truth):
 * for contextdm both contexts and both answers; of different tasks first
 * when several were trained together. */
static int pick(const cj_task_run *run, int *which)
{
    int n = 0;
    for (int k = 0; run->n_tasks > 1 && k < run->n_tasks && n < N_EXAMPLES; k++)
        for (int i = 0; i < run->n; i++)
            if (run->task_of[i] == k) {
                which[n++] = i;
                break;
            }
    for (int i = 0; i < run->n && n < N_EXAMPLES; i++) {
        int seen = 0;
        for (int j = 0; j < n && !seen; j++)
            seen = run->trials[which[j]].condition[0] == run->trials[i].condition[0] &&
                   run->trials[which[j]].ground_truth == run->trials[i].ground_truth;
        if (!seen) which[n++] = i;
    }
    for (int i = 0; i < run->n && n < N_EXAMPLES; i++) {
        int seen = 0;
        for (int j = 0; j < n && !seen; j++) seen = which[j] == i;
        if (!seen) which[n++] = i;
    }
    return n;
}

/* Softmax of one step's logits (tasks with actions are trained with
 * cross-entropy, so the outputs are logits). */
static void softmax(const float *z, int n, double *p)
{
    double m = z[0], s = 0;
    for (int j = 1; j < n; j++) m = z[j] > m ? z[j] : m;
    for (int j = 0; j < n; j++) s += p[j] = exp(z[j] - m);
    for (int j = 0; j < n; j++) p[j] /= s;
}

static cj_status draw(cj_analysis *a, const cj_task_run *run, const int *which, int n, cj_error *err)
{
    const cj_task *task = &run->tasks[0];
    int values = task->ops->target == CJ_TARGET_VALUES, T = run->T, n_obs = task->n_obs, no = run->n_out;
    int many = n_obs > MAX_LINES || no > MAX_LINES;
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, n, many ? 3 : 2, many ? 1500 : 1300, 330 * n, err);
    if (st) return st;
    cj_figure_set_title(fig, run->n_tasks == 1 ? task->ops->summary : "Example trials of the tasks trained together");
    double *t_ms = malloc(sizeof(double) * T), *y = malloc(sizeof(double) * T), *p = malloc(sizeof(double) * no);
    cj_batch batch;
    int have_batch = 0;
    if (!t_ms || !y || !p) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory drawing trials");
    if (!st && !(st = cj_batch_alloc(&batch, &a->src, 1, err))) have_batch = 1;
    for (int r = 0; !st && r < n; r++) {
        const cj_trial *tr = &run->trials[which[r]];
        int idx = which[r], len = tr->T;
        task = &run->tasks[run->task_of[idx]]; /* the trial's own: names and dt */
        /* The trial's inputs again (trial i depends on its index alone). */
        if ((st = cj_source_fill(&a->src, &idx, 1, &batch, err))) break;
        for (int t = 0; t < len; t++) t_ms[t] = (t + 1) * task->dt;
        char title[160], name[48];
        int used = snprintf(title, sizeof title, run->n_tasks > 1 ? "trial %d (%s):" : "trial %d:", idx, task->name);
        for (int k = 0; k < CJ_TASK_MAX_CONDITIONS && used < (int)sizeof title; k++) {
            const char *c = cj_task_list_item(task->ops->conditions, k, name, sizeof name);
            if (!*c) break;
            used += snprintf(title + used, sizeof title - used, " %s %g", c, tr->condition[k]);
        }
        cj_panel *in = cj_figure_panel(fig, r, 0), *out = cj_figure_panel(fig, r, 1);
        if (many) {
            const cj_trial_score *sc = &run->scores[which[r]];
            char t2[96];
            snprintf(t2, sizeof t2, "outputs: %s", sc->correct ? "correct" : "wrong");
            st = heat(in, batch.x, (size_t)n_obs, 0, n_obs, len, title, "input channel", NULL, err);
            if (!st)
                st = heat(out, run->outputs + (size_t)which[r] * T * no, (size_t)no, 0, no, len, t2, "output", NULL,
                          err);
            if (!st && batch.values)
                st = heat(cj_figure_panel(fig, r, 2), batch.values, (size_t)no, 0, no, len, "targets", "output",
                          NULL, err);
            continue;
        }
        cj_panel_set_title(in, title);
        cj_panel_set_labels(in, r == n - 1 ? "time (ms)" : "", "input");
        for (int k = 0; !st && k < n_obs; k++) {
            for (int t = 0; t < len; t++) y[t] = batch.x[(size_t)t * n_obs + k];
            st = cj_panel_add_line(in, t_ms, y, len, cj_line_style_default(k),
                                   r == 0 ? cj_task_list_item(task->obs_names, k, name, sizeof name) : NULL, err);
        }
        const cj_trial_score *s = &run->scores[which[r]];
        snprintf(title, sizeof title, "%s: %s", values ? "outputs" : "choice probabilities",
                 s->correct ? "correct" : s->fixation_broken ? "broke fixation" : "wrong");
        cj_panel_set_title(out, title);
        cj_panel_set_labels(out, r == n - 1 ? "time (ms)" : "", values ? "output" : "probability");
        /* Ring outputs: the fixation output and the ring's peak; actions:
         * each action's probability, dashed: the target. */
        int shown = values ? 1 : no;
        for (int j = 0; !st && j < shown; j++) {
            for (int t = 0; t < len; t++) {
                const float *z = run->outputs + ((size_t)which[r] * T + t) * no;
                if (values) y[t] = z[j];
                else softmax(z, no, p), y[t] = p[j];
            }
            char label[64];
            snprintf(label, sizeof label, "%s", values ? "fixation output" : cj_task_list_item(task->action_names, j, name, sizeof name));
            st = cj_panel_add_line(out, t_ms, y, len, cj_line_style_default(j), r == 0 ? label : NULL, err);
            if (st || values) break;
            for (int t = 0; t < len; t++) y[t] = batch.labels[t] == j;
            cj_line_style dashed = cj_line_style_default(j);
            dashed.dash = CJ_DASH_DASHED;
            dashed.width = 1;
            st = cj_panel_add_line(out, t_ms, y, len, dashed, NULL, err);
        }
        if (!st && r == 0 && !values) {
            cj_line_style key = {.color = {0.4, 0.4, 0.4}, .dash = CJ_DASH_DASHED, .width = 1};
            st = cj_panel_add_line(out, NULL, NULL, 0, key, "target", err);
        }
        cj_panel_set_ylim(out, values ? NAN : -0.05, values ? NAN : 1.05);
    }
    if (!st) st = cj_analysis_write_figure(a, fig, "trials.png", err);
    if (!st) printf("wrote %s/trials.png (%d example trials)\n", a->out_dir, n);
    if (have_batch) cj_batch_free(&batch);
    free(t_ms);
    free(y);
    free(p);
    cj_figure_free(fig);
    return st;
}

cj_status cj_analyze_trials(cj_analysis *a, const cj_task_run *run, cj_error *err)
{
    int which[N_EXAMPLES];
    return draw(a, run, which, pick(run, which), err);
}
