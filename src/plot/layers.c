/* layers.c — one line per (run, layer) in a panel, for per-layer
 * diagnostics such as the angle between a rule's update and the backprop
 * gradient, with a legend that names every line correctly whether or not
 * the runs share their layers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

cj_line_style cj_layer_style(int color, int layer)
{
    cj_line_style s = cj_line_style_default(color);
    s.dash = (cj_dash)(layer % CJ_DASH_COUNT);
    s.marker = (cj_marker)((layer / CJ_DASH_COUNT) % 4);
    return s;
}

int cj_layer_runs_share_layers(const cj_layer_run *runs, int n_runs)
{
    for (int r = 1; r < n_runs; r++) {
        if (runs[r].n_layers != runs[0].n_layers) return 0;
        for (int l = 0; l < runs[0].n_layers; l++) {
            const char *a = runs[0].layers ? runs[0].layers[l] : NULL;
            const char *b = runs[r].layers ? runs[r].layers[l] : NULL;
            if (strcmp(a ? a : "", b ? b : "")) return 0;
        }
    }
    return 1;
}

static const char *layer_name(const cj_layer_run *u, int l)
{
    return u->layers && u->layers[l] ? u->layers[l] : "";
}

/* Make the series just added run r's legend heading. */
static void heading(cj_panel *p, int r)
{
    plot_series *s = &p->series[p->n_series - 1];
    s->legend_heading = 1;
    s->legend_group = r;
}

cj_status cj_panel_add_layer_runs(cj_panel *p, const cj_layer_run *runs, int n_runs,
                                  cj_error *err)
{
    /* With a shared key the legend needs runs + layers entries instead of
     * runs x layers; it is only right when every run's layer l is the same
     * layer. */
    for (int r = 0; r < n_runs; r++) {
        const cj_layer_run *u = &runs[r];
        if (u->n < 0 || u->n_layers < 0 || (u->n > 0 && u->n_layers > 0 && (!u->x || !u->y)))
            return cj_fail(err, CJ_ERR_ARG, "layer lines of \"%s\": %d points, %d layers, "
                           "but no data", u->name ? u->name : "", u->n, u->n_layers);
    }
    int key = n_runs > 1 && cj_layer_runs_share_layers(runs, n_runs);
    cj_status st = CJ_OK;
    double *col = NULL; /* a layer's line, then its band's low and high edges */
    for (int r = 0; r < n_runs && !st; r++) {
        const cj_layer_run *u = &runs[r];
        double *grown = realloc(col, 3 * (size_t)(u->n > 0 ? u->n : 1) * sizeof *col);
        if (!grown) {
            st = cj_fail(err, CJ_ERR_NOMEM, "layer lines of \"%s\": out of memory",
                         u->name ? u->name : "");
            break;
        }
        col = grown;
        const char *name = u->name ? u->name : "";
        /* Without a shared key, each run's legend is a column of its own:
         * its name as a heading, then its layers in its colour. */
        if (!key && *name) {
            st = cj_panel_add_line(p, NULL, NULL, 0, cj_line_style_default(u->color), name, err);
            if (!st) heading(p, r);
        }
        for (int l = 0; l < u->n_layers && !st; l++) {
            if (u->ci) {
                double *lo = col + u->n, *hi = lo + u->n;
                for (int i = 0; i < u->n; i++) {
                    lo[i] = u->ci[2 * ((size_t)i * u->n_layers + l)];
                    hi[i] = u->ci[2 * ((size_t)i * u->n_layers + l) + 1];
                }
                st = cj_panel_add_band(p, u->x, lo, hi, u->n, cj_layer_style(u->color, l), NULL, err);
                if (st) break;
            }
            for (int i = 0; i < u->n; i++) col[i] = u->y[(size_t)i * u->n_layers + l];
            const char *label = key ? (l == 0 ? name : "") : layer_name(u, l);
            st = cj_panel_add_line(p, u->x, col, u->n, cj_layer_style(u->color, l), label, err);
            if (!st && !key) p->series[p->n_series - 1].legend_group = r;
        }
    }
    free(col);
    for (int l = 0; key && l < runs[0].n_layers && !st; l++) {
        cj_line_style s = cj_layer_style(0, l);
        s.color = (cj_rgb){0.45, 0.45, 0.45};
        char label[PLOT_LABEL_MAX];
        snprintf(label, sizeof label, "layer %s", layer_name(&runs[0], l));
        st = cj_panel_add_line(p, NULL, NULL, 0, s, label, err);
    }
    return st;
}
