/* decode_plot.c — the decoding figure: accuracy over time with chance and
 * the shuffled-label null, and the temporal cross-decoding matrix. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cajal/decode.h"
#include "cajal/plot.h"

cj_status cj_decode_plot(const cj_decode_result *r, const char *title, const char *path, cj_error *err)
{
    int n = r->n_bins, cols = r->tcd ? 2 : 1;
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, 1, cols, 560 * cols, 450, err);
    if (st) return st;
    if (title && title[0]) cj_figure_set_title(fig, title);
    double *x = malloc(sizeof(double) * 4 * (size_t)(n ? n : 1));
    if (!x) {
        cj_figure_free(fig);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    }
    double *chance = x + n, *lo = chance + n, *hi = lo + n;
    /* A bin is drawn at its centre, as NeuroDecodeR plots it. */
    for (int t = 0; t < n; t++) {
        x[t] = (r->bin_start_ms[t] + r->bin_end_ms[t]) / 2;
        chance[t] = r->chance;
        lo[t] = r->accuracy[t] - r->accuracy_sd[t];
        hi[t] = r->accuracy[t] + r->accuracy_sd[t];
    }
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    cj_panel_set_title(p, "Decoding accuracy");
    cj_panel_set_labels(p, "time of the bin centre (ms)", "accuracy");
    cj_panel_set_ylim(p, 0, 1);
    cj_line_style acc = cj_line_style_default(0), gray = cj_line_style_default(7), null = cj_line_style_default(3);
    gray.dash = CJ_DASH_DASHED;
    null.dash = CJ_DASH_DOTTED;
    if (r->accuracy_sd) st = cj_panel_add_band(p, x, lo, hi, n, acc, "1 sd over resample runs", err);
    if (!st) st = cj_panel_add_line(p, x, r->accuracy, n, acc, "accuracy", err);
    if (!st) st = cj_panel_add_line(p, x, chance, n, gray, "chance", err);
    if (!st && r->n_permutations > 0 && r->null_p95)
        st = cj_panel_add_line(p, x, r->null_p95, n, null, "shuffled labels, 95th percentile", err);
    if (!st && r->tcd) {
        cj_panel *q = cj_figure_panel(fig, 0, 1);
        char t[128];
        snprintf(t, sizeof t, "Train (rows) x test (columns), %d bins", n);
        cj_panel_set_title(q, t);
        cj_panel_set_labels(q, "test bin", "train bin");
        st = cj_panel_set_heatmap(q, r->tcd, n, n, 0, 1, CJ_CMAP_VIRIDIS, "accuracy", err);
    }
    if (!st) st = cj_figure_write(fig, path, err);
    free(x);
    cj_figure_free(fig);
    return st;
}
