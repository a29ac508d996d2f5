/* prune_files.c — rounds.csv and lottery.png of `cajal prune`
 * (prune_common.h; docs/outputs.md, "cajal prune"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/io.h"
#include "cajal/plot.h"
#include "prune_common.h"

cj_status cj_prune_table_create(cj_prune_table *t, int n_tensors, const char *const *names, int rows,
                                cj_error *err)
{
    memset(t, 0, sizeof *t);
    t->n_tensors = n_tensors;
    t->cap = rows;
    t->names = calloc((size_t)n_tensors + 1, sizeof *t->names);
    t->remaining = calloc((size_t)rows * n_tensors + 1, sizeof(double));
    double **cols[] = {&t->total, &t->ticket, &t->control, &t->random, &t->seconds};
    int ok = t->names && t->remaining;
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) ok &= (*cols[c] = calloc((size_t)rows + 1, sizeof(double))) != NULL;
    for (int i = 0; ok && i < n_tensors; i++) ok = (t->names[i] = strdup(names[i])) != NULL;
    if (ok) return CJ_OK;
    cj_prune_table_free(t);
    return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the table of %d rounds", rows);
}

void cj_prune_table_free(cj_prune_table *t)
{
    for (int i = 0; t->names && i < t->n_tensors; i++) free(t->names[i]);
    free(t->names);
    free(t->remaining);
    free(t->total);
    free(t->ticket);
    free(t->control);
    free(t->random);
    free(t->seconds);
    memset(t, 0, sizeof *t);
}

/* A number that reads back exactly, or nothing for NaN. */
static void field(FILE *f, double v, const char *fmt)
{
    fputc(',', f);
    if (isfinite(v)) fprintf(f, fmt, v);
}

cj_status cj_prune_write_csv(const cj_prune_table *t, const char *path, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) return st;
    FILE *f = af.f;
    fputs("round,remaining", f);
    for (int i = 0; i < t->n_tensors; i++) fprintf(f, ",remaining_%s", t->names[i]);
    fputs(",ticket_acc,control_acc,random_acc,seconds\n", f);
    for (int r = 0; r < t->n_rows; r++) {
        fprintf(f, "%d,%.9g", r, t->total[r]);
        for (int i = 0; i < t->n_tensors; i++) fprintf(f, ",%.9g", t->remaining[(size_t)r * t->n_tensors + i]);
        field(f, t->ticket[r], "%.6g");
        field(f, t->control[r], "%.6g");
        field(f, t->random[r], "%.6g");
        field(f, t->seconds[r], "%.3f");
        fputc('\n', f);
    }
    return cj_atomic_commit(&af, err);
}

/* Percentages of the rows that have `acc`, as the chart's points. */
static cj_status add_series(cj_panel *p, const cj_prune_table *t, const double *acc, int from, cj_line_style s,
                            const char *label, cj_error *err)
{
    double *x = malloc(sizeof(double) * 2 * ((size_t)t->n_rows + 1)), *y = x ? x + t->n_rows + 1 : NULL;
    if (!x) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the figure");
    int n = 0;
    for (int r = from; r < t->n_rows; r++)
        if (isfinite(acc[r])) {
            x[n] = 100.0 * t->total[r];
            y[n++] = 100.0 * acc[r];
        }
    cj_status st = n ? cj_panel_add_line(p, x, y, n, s, label, err) : CJ_OK;
    free(x);
    return st;
}

cj_status cj_prune_write_figure(const cj_prune_table *t, const char *title, const char *path, cj_error *err)
{
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, 1, 1, 900, 640, err);
    if (st) return st;
    cj_figure_set_title(fig, title);
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    cj_panel_set_labels(p, "weights remaining (%, log scale)", "test accuracy (%)");
    cj_panel_set_xscale(p, CJ_SCALE_LOG);
    double lo = 100.0;
    for (int r = 0; r < t->n_rows; r++) lo = fmin(lo, 100.0 * t->total[r]);
    double x[2] = {lo / 1.25, 125.0};
    cj_panel_set_xlim(p, x[0], x[1]);
    /* The dense network (round 0) as a reference line across the panel,
     * and the 1-point margin a ticket should stay within. */
    double dense = 100.0 * t->ticket[0], line[2] = {dense, dense}, below[2] = {dense - 1.0, dense - 1.0};
    cj_line_style ds = {.color = {0.25, 0.25, 0.25}, .dash = CJ_DASH_SOLID, .width = 1.5};
    cj_line_style ms = {.color = {0.55, 0.55, 0.55}, .dash = CJ_DASH_DOTTED, .width = 1.5};
    char dense_label[64];
    snprintf(dense_label, sizeof dense_label, "dense network (%.2f%%)", dense);
    if (isfinite(dense)) st = cj_panel_add_line(p, x, line, 2, ds, dense_label, err);
    if (!st && isfinite(dense)) st = cj_panel_add_line(p, x, below, 2, ms, "dense - 1 point", err);
    cj_line_style ticket = cj_line_style_default(0), control = cj_line_style_default(3),
                  random = cj_line_style_default(1);
    ticket.marker = CJ_MARKER_CIRCLE;
    ticket.width = 2.5;
    control.marker = CJ_MARKER_SQUARE;
    control.dash = CJ_DASH_DASHED;
    random.marker = CJ_MARKER_TRIANGLE;
    random.dash = CJ_DASH_DOTTED;
    if (!st) st = add_series(p, t, t->ticket, 0, ticket, "winning ticket (rewound)", err);
    if (!st) st = add_series(p, t, t->control, 1, control, "same mask, random re-init", err);
    if (!st) st = add_series(p, t, t->random, 1, random, "random mask, same sparsity", err);
    if (!st) st = cj_figure_write_png(fig, path, err);
    cj_figure_free(fig);
    return st;
}
