/* tuning_plot.c — the figure of one layer's tuning (cj_tuning_figure in
 * cajal/tuning.h): a histogram of every unit's eta^2 first, then the most
 * selective units' tuning curves in a grid of small panels, mean +- SEM
 * per level — the layout of a physiology paper's example-cells figure.
 * Kept apart from the analysis so that tuning_stats.c needs no plotting. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/plot.h"
#include "cajal/tuning.h"

static const double RAD_TO_DEG = 57.295779513082320876798;

enum { HIST_BINS = 20 };

/* The smallest of 0.05, 0.1, 0.2, 0.5 and 1 that holds every eta^2, so
 * that a layer of weakly tuned units still shows its spread. */
static double hist_top(const double *eta2, int n)
{
    double top = 0;
    for (int u = 0; u < n; u++)
        if (eta2[u] > top) top = eta2[u];
    static const double steps[] = {0.05, 0.1, 0.2, 0.5};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (top <= steps[i]) return steps[i];
    return 1.0;
}

static cj_status histogram(cj_panel *p, const cj_tuning *t, const char *variable, cj_error *err)
{
    double top = hist_top(t->eta2, t->n_units), count[HIST_BINS] = {0};
    int valid = 0, significant = 0;
    for (int u = 0; u < t->n_units; u++) {
        if (isnan(t->eta2[u])) continue;
        int b = (int)(t->eta2[u] / top * HIST_BINS);
        count[b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b]++;
        valid++;
        significant += t->p[u] < 0.05;
    }
    /* a step outline: each bin's count from its left edge to its right */
    double x[2 * HIST_BINS + 2], y[2 * HIST_BINS + 2], zero[2 * HIST_BINS + 2];
    int m = 0;
    x[m] = 0, y[m] = 0, zero[m++] = 0;
    for (int b = 0; b < HIST_BINS; b++) {
        double lo = top * b / HIST_BINS, hi = top * (b + 1) / HIST_BINS;
        x[m] = lo, y[m] = count[b], zero[m++] = 0;
        x[m] = hi, y[m] = count[b], zero[m++] = 0;
    }
    x[m] = top, y[m] = 0, zero[m++] = 0;
    cj_line_style s = cj_line_style_default(0);
    s.width = 1.5;
    cj_status st = cj_panel_add_band(p, x, zero, y, m, s, NULL, err);
    if (!st) st = cj_panel_add_line(p, x, y, m, s, NULL, err);
    if (st) return st;
    char title[128], xlabel[96];
    int constant = t->n_units - valid;
    if (constant)
        snprintf(title, sizeof title, "\xce\xb7\xc2\xb2 of %d units (%d constant left out): %d with p < 0.05",
                 valid, constant, significant);
    else
        snprintf(title, sizeof title, "\xce\xb7\xc2\xb2 of %d units: %d with p < 0.05", valid, significant);
    snprintf(xlabel, sizeof xlabel, "\xce\xb7\xc2\xb2 (variance explained by %.60s)", variable);
    cj_panel_set_title(p, title);
    cj_panel_set_labels(p, xlabel, "units");
    cj_panel_set_xlim(p, 0, top);
    cj_panel_set_ylim(p, 0, NAN);
    cj_panel_set_legend(p, CJ_LEGEND_NONE);
    return CJ_OK;
}

/* One unit's curve: bars for named levels, else a line with markers and
 * an SEM bar at each level (directions in degrees, the preferred one as a
 * dashed line). */
static cj_status unit_panel(cj_panel *p, const cj_tuning *t, const cj_tuning_levels *lv, int u, int color,
                            cj_error *err)
{
    int K = t->n_levels;
    const double *m = t->mean + (size_t)u * K, *sem = t->sem + (size_t)u * K;
    double *lo = malloc(sizeof(double) * K), *hi = malloc(sizeof(double) * K), *x = malloc(sizeof(double) * K);
    cj_status st = lo && hi && x ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "tuning figure: out of memory");
    double ymin = INFINITY, ymax = -INFINITY;
    for (int k = 0; !st && k < K; k++) {
        double e = isnan(sem[k]) ? 0 : sem[k];
        lo[k] = m[k] - e;
        hi[k] = m[k] + e;
        x[k] = lv->angle ? lv->angle[k] * RAD_TO_DEG : lv->x[k];
        ymin = fmin(ymin, lo[k]);
        ymax = fmax(ymax, hi[k]);
    }
    cj_rgb c = cj_palette(color);
    if (!st && !lv->numeric) {
        st = cj_panel_set_categories(p, (const char *const *)lv->labels, K, err);
        if (!st) st = cj_panel_add_bars(p, m, lo, hi, K, c, NULL, err);
    } else if (!st) {
        cj_line_style s = {c, CJ_DASH_SOLID, 2, CJ_MARKER_CIRCLE}, bar = {c, CJ_DASH_SOLID, 1.5, CJ_MARKER_NONE};
        st = cj_panel_add_line(p, x, m, K, s, NULL, err);
        for (int k = 0; !st && k < K; k++) {
            if (isnan(sem[k])) continue;
            double bx[2] = {x[k], x[k]}, by[2] = {lo[k], hi[k]};
            st = cj_panel_add_line(p, bx, by, 2, bar, NULL, err);
        }
        if (!st && t->pref_dir && !isnan(t->pref_dir[u]) && ymax > ymin) {
            double d = t->pref_dir[u] * RAD_TO_DEG, px[2] = {d, d}, py[2] = {ymin, ymax};
            cj_line_style dash = {{0.35, 0.35, 0.35}, CJ_DASH_DASHED, 1.5, CJ_MARKER_NONE};
            st = cj_panel_add_line(p, px, py, 2, dash, NULL, err);
        }
        if (lv->angle) cj_panel_set_xlim(p, 0, 360);
    }
    free(lo);
    free(hi);
    free(x);
    if (st) return st;
    char title[128];
    if (t->pref_dir && !isnan(t->pref_dir[u]))
        snprintf(title, sizeof title, "unit %d: \xce\xb7\xc2\xb2 %.2f, pref %.0f\xc2\xb0, depth %.2f", u, t->eta2[u],
                 t->pref_dir[u] * RAD_TO_DEG, t->depth[u]);
    else
        snprintf(title, sizeof title, "unit %d: \xce\xb7\xc2\xb2 %.2f%s", u, t->eta2[u],
                 isnan(t->eta2[u]) ? " (constant)" : "");
    cj_panel_set_title(p, title);
    cj_panel_set_legend(p, CJ_LEGEND_NONE);
    return CJ_OK;
}

cj_status cj_tuning_figure(const cj_tuning *t, const cj_tuning_levels *lv, const int *order, int top,
                           const char *title, const char *variable, const char *path, cj_error *err)
{
    if (!t || !lv || !order || !path || t->n_units < 1 || t->n_levels != lv->n_levels)
        return cj_fail(err, CJ_ERR_ARG, "tuning figure: no tuning curves to draw");
    int shown = top < t->n_units ? top : t->n_units;
    if (shown < 1) shown = 1;
    int panels = shown + 1, cols = (int)ceil(sqrt((double)panels)), rows = (panels + cols - 1) / cols;
    /* a panel for named levels needs room under it for their names */
    int pw = 460, ph = lv->numeric ? 380 : 520;
    if (pw * cols < 1300) pw = 1300 / cols; /* room for the figure's title */
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, rows, cols, pw * cols, ph * rows + 40, err);
    if (st) return st;
    char head[300];
    snprintf(head, sizeof head, "%s. Bars: mean \xc2\xb1 SEM%s", title ? title : "",
             lv->angle ? "; dashed: preferred direction (vector sum)" : "");
    cj_figure_set_title(fig, head);
    st = histogram(cj_figure_panel(fig, 0, 0), t, variable, err);
    char xlabel[96];
    snprintf(xlabel, sizeof xlabel, "%.80s%s", variable ? variable : "level", lv->angle ? " (deg)" : "");
    for (int i = 0; !st && i < shown; i++) {
        int at = i + 1, r = at / cols, c = at % cols;
        cj_panel *p = cj_figure_panel(fig, r, c);
        st = unit_panel(p, t, lv, order[i], 0, err);
        int bottom = at + cols >= panels;
        cj_panel_set_labels(p, bottom ? xlabel : "", c == 0 ? "response" : "");
    }
    if (!st) st = cj_figure_write(fig, path, err);
    cj_figure_free(fig);
    return st;
}
