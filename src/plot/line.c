/* line.c — drawing a line-chart panel: axis ranges from the data, the
 * series (NaN leaves a gap), and the legend where it hides nothing. */
#include <math.h>

#include "internal.h"

#define LEGEND_GAP 10.0 /* px between the plot area and an outside legend */
#define PAD 8.0         /* px, as in frame.c */
#define LEGEND_MARGIN 6.0 /* px, as in legend.c */

static int shown(const cj_panel *p, double x, double y)
{
    if (!isfinite(x) || !isfinite(y)) return 0;
    if (p->xscale == CJ_SCALE_LOG && x <= 0) return 0;
    if (p->yscale == CJ_SCALE_LOG && y <= 0) return 0;
    return 1;
}

/* Range of the points that will be drawn; lo > hi when there are none. */
static void data_range(const cj_panel *p, double *xlo, double *xhi, double *ylo, double *yhi)
{
    *xlo = *ylo = INFINITY;
    *xhi = *yhi = -INFINITY;
    for (int s = 0; s < p->n_series; s++) {
        const plot_series *ser = &p->series[s];
        if (ser->bars) { /* from 0 to each value, and the intervals */
            for (int i = 0; i < ser->n; i++) {
                double v[3] = {ser->y[i], ser->lo ? ser->lo[i] : NAN, ser->hi ? ser->hi[i] : NAN};
                for (int k = 0; k < 3; k++)
                    if (shown(p, 0, v[k])) {
                        *ylo = fmin(*ylo, v[k]);
                        *yhi = fmax(*yhi, v[k]);
                    }
            }
            if (ser->n > 0 && p->yscale != CJ_SCALE_LOG) {
                *ylo = fmin(*ylo, 0);
                *yhi = fmax(*yhi, 0);
            }
            *xlo = fmin(*xlo, -0.5);
            *xhi = fmax(*xhi, ser->n - 0.5);
            continue;
        }
        for (int i = 0; i < ser->n; i++) {
            /* a band's edges count too, so no interval is cut off */
            for (int edge = 0; edge < 1 + ser->band; edge++) {
                double y = edge ? ser->hi[i] : ser->y[i];
                if (!shown(p, ser->x[i], y)) continue;
                *xlo = fmin(*xlo, ser->x[i]);
                *xhi = fmax(*xhi, ser->x[i]);
                *ylo = fmin(*ylo, y);
                *yhi = fmax(*yhi, y);
            }
        }
    }
}

/* Data range plus a margin of `pad` of the span each side, so no line runs
 * along the box; a fixed limit replaces its end exactly. */
static void set_axis(plot_axis *a, cj_scale scale, double lo, double hi, const double lim[2],
                     double pad)
{
    a->scale = scale;
    a->inverted = 0;
    int log = scale == CJ_SCALE_LOG;
    if (lo > hi) { /* no data */
        lo = log ? 1 : 0;
        hi = log ? 10 : 1;
    } else if (hi - lo <= 1e-12 * fmax(fabs(lo), fabs(hi))) {
        /* one value, or values that differ only by rounding: centre them */
        if (log) {
            lo /= 2;
            hi *= 2;
        } else {
            double mid = lo / 2 + hi / 2, d = mid != 0 ? fabs(mid) * 0.1 : 0.5;
            lo = mid - d;
            hi = mid + d;
        }
    } else if (log) {
        double span = log10(hi) - log10(lo);
        lo = pow(10, log10(lo) - pad * span);
        hi = pow(10, log10(hi) + pad * span);
    } else {
        double span = hi - lo;
        lo -= pad * span;
        hi += pad * span;
    }
    if (isfinite(lim[0]) && (!log || lim[0] > 0)) lo = lim[0];
    if (isfinite(lim[1]) && (!log || lim[1] > 0)) hi = lim[1];
    if (!(hi > lo)) hi = log ? lo * 10 : lo + 1;
    a->lo = lo;
    a->hi = hi;
}

static void draw_series(cairo_t *cr, const cj_panel *p, const plot_frame *f,
                        const plot_series *s)
{
    const cj_line_style *st = &s->style;
    cairo_set_source_rgb(cr, st->color.r, st->color.g, st->color.b);
    cairo_set_line_width(cr, st->width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cj_plot_set_dash(cr, st->dash, st->width);
    int prev = 0;
    for (int i = 0; i < s->n; i++) {
        int ok = shown(p, s->x[i], s->y[i]);
        if (ok) {
            double x = cj_plot_px_x(f, s->x[i]), y = cj_plot_px_y(f, s->y[i]);
            if (prev)
                cairo_line_to(cr, x, y);
            else
                cairo_move_to(cr, x, y);
        }
        prev = ok;
    }
    cairo_stroke(cr);

    /* A point with no drawn neighbour (one epoch, or between two gaps)
     * makes no line at all; give it a dot so it is not lost. */
    for (int i = 0; i < s->n; i++) {
        if (!shown(p, s->x[i], s->y[i])) continue;
        int left = i > 0 && shown(p, s->x[i - 1], s->y[i - 1]);
        int right = i + 1 < s->n && shown(p, s->x[i + 1], s->y[i + 1]);
        double x = cj_plot_px_x(f, s->x[i]), y = cj_plot_px_y(f, s->y[i]);
        if (st->marker != CJ_MARKER_NONE)
            cj_plot_marker(cr, st->marker, x, y, 2.5 * st->width + 2);
        else if (!left && !right)
            cj_plot_marker(cr, CJ_MARKER_CIRCLE, x, y, 2.5 * st->width);
    }
}

/* The upper (edge 0) or lower (edge 1) edge of band s over points
 * [i, end), as a path. */
static void band_edge(cairo_t *cr, const cj_panel *p, const plot_frame *f, const plot_series *s, int i,
                      int end, int edge)
{
    for (int k = i; k < end; k++) {
        double x, top, bottom;
        cj_plot_band_point(p, f, s, k, &x, &top, &bottom);
        if (k == i)
            cairo_move_to(cr, x, edge ? bottom : top);
        else
            cairo_line_to(cr, x, edge ? bottom : top);
    }
}

/* Band s over each run of usable points: shaded between its edges, then
 * the edges as thin lines in the line's dash, which say whose band it is
 * where the bands of several layers overlap. A point with no usable
 * neighbour gets an error bar instead (capped, as wide as a short band),
 * so a single epoch still shows its interval. */
static void draw_band(cairo_t *cr, const cj_panel *p, const plot_frame *f, const plot_series *s,
                      double alpha)
{
    const cj_rgb c = s->style.color;
    for (int i = 0; i < s->n;) {
        if (!cj_plot_band_point(p, f, s, i, NULL, NULL, NULL)) {
            i++;
            continue;
        }
        int end = i;
        while (end < s->n && cj_plot_band_point(p, f, s, end, NULL, NULL, NULL)) end++;
        cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
        double x, top, bottom, w = PLOT_BAND_BAR_W;
        cj_plot_band_point(p, f, s, i, &x, &top, &bottom);
        if (end == i + 1) {
            cairo_rectangle(cr, x - w / 2, top, w, bottom - top);
        } else {
            band_edge(cr, p, f, s, i, end, 0);
            for (int k = end - 1; k >= i; k--) {
                double xk, tk, bk;
                cj_plot_band_point(p, f, s, k, &xk, &tk, &bk);
                cairo_line_to(cr, xk, bk);
            }
            cairo_close_path(cr);
        }
        cairo_fill(cr);

        cairo_set_source_rgba(cr, c.r, c.g, c.b, PLOT_BAND_EDGE_ALPHA);
        cairo_set_line_width(cr, PLOT_BAND_EDGE_W);
        if (end == i + 1) {
            cj_plot_set_dash(cr, CJ_DASH_SOLID, s->style.width);
            cairo_move_to(cr, x - w / 2, top);
            cairo_line_to(cr, x + w / 2, top);
            cairo_move_to(cr, x, top);
            cairo_line_to(cr, x, bottom);
            cairo_move_to(cr, x - w / 2, bottom);
            cairo_line_to(cr, x + w / 2, bottom);
            cairo_stroke(cr);
        } else {
            cj_plot_set_dash(cr, s->style.dash, s->style.width); /* the line's pattern, thinner */
            for (int edge = 0; edge < 2; edge++) {
                band_edge(cr, p, f, s, i, end, edge);
                cairo_stroke(cr);
            }
        }
        i = end;
    }
}

/* The legend somewhere inside the plot: clear of bands too if it can be,
 * else over a band but clear of every line. */
static int place_legend(const cj_panel *p, const plot_frame *f, const plot_legend *lg, double *x,
                        double *y)
{
    return cj_plot_legend_place(p, f, lg, 1, x, y) || cj_plot_legend_place(p, f, lg, 0, x, y);
}

void cj_plot_draw_lines(cairo_t *cr, const cj_panel *p, plot_rect cell)
{
    plot_frame f = {0};
    double xlo, xhi, ylo, yhi;
    data_range(p, &xlo, &xhi, &ylo, &yhi);
    if (p->categories) { /* every category shown, whatever the data */
        xlo = fmin(xlo, -0.5);
        xhi = fmax(xhi, p->n_categories - 0.5);
    }
    int empty = xlo > xhi;
    int categorical = p->categories || p->n_bar_series > 0;
    /* Categories span exactly their cells; bars stand on the axis when
     * none of them goes below (or above) 0. */
    set_axis(&f.x, p->xscale, xlo, xhi, p->xlim, categorical ? 0 : 0.03);
    set_axis(&f.y, p->yscale, ylo, yhi, p->ylim, 0.06);
    if (p->n_bar_series > 0 && p->yscale != CJ_SCALE_LOG && !empty) {
        if (ylo >= 0 && !isfinite(p->ylim[0])) f.y.lo = 0;
        if (yhi <= 0 && !isfinite(p->ylim[1])) f.y.hi = 0;
    }
    f.x.names = p->categories;
    f.x.n_names = p->n_categories;
    f.x.rotated = 0;
    int x_integer = p->xinteger || categorical;

    plot_legend lg = {0};
    if (p->legend != CJ_LEGEND_NONE) cj_plot_legend_measure(cr, p, &lg);
    double lx = 0, ly = 0;
    int outside = lg.n > 0 && p->legend == CJ_LEGEND_OUTSIDE;
    if (!outside) cj_plot_frame_layout(cr, p, cell, 0, 0, x_integer, 0, &f);
    if (lg.n > 0 && !outside && !place_legend(p, &f, &lg, &lx, &ly)) {
        outside = 1;
        /* Run columns side by side may be too wide for the plot, yet fit
         * wrapped into two bands. */
        if (lg.grouped && lg.w > f.area.w) {
            cj_plot_legend_columns(cr, p, &lg, f.area.w - 2 * LEGEND_MARGIN);
            outside = !place_legend(p, &f, &lg, &lx, &ly);
            if (outside) cj_plot_legend_measure(cr, p, &lg);
        }
    }
    if (outside && lg.w + LEGEND_GAP <= 0.35 * cell.w) {
        /* right of the plot, top-aligned */
        cj_plot_frame_layout(cr, p, cell, lg.w + LEGEND_GAP, 0, x_integer, 0, &f);
        lx = f.area.x + f.area.w + LEGEND_GAP;
        ly = f.area.y;
    } else if (outside) {
        /* A wide legend on the right would squeeze the plot to a strip;
         * below it, in columns, costs height instead. */
        cj_plot_legend_columns(cr, p, &lg, cell.w - 2 * PAD);
        cj_plot_frame_layout(cr, p, cell, 0, lg.h + LEGEND_GAP, x_integer, 0, &f);
        lx = fmax(cell.x + PAD, f.area.x + (f.area.w - lg.w) / 2);
        ly = cell.y + cell.h - PAD - lg.h;
    }

    /* The box goes under the lines and the clip reaches past it by half
     * the widest line (or marker): a line that lies on an axis limit —
     * backprop's angle of exactly 0 — is drawn whole over the box instead
     * of half hidden under it. */
    cj_plot_frame_grid(cr, &f);
    cj_plot_frame_draw(cr, p, &f);
    double m = 0;
    for (int s = 0; s < p->n_series; s++) {
        const cj_line_style *st = &p->series[s].style;
        m = fmax(m, st->marker != CJ_MARKER_NONE ? (2.5 * st->width + 2) / 2 : st->width / 2);
    }
    cairo_save(cr);
    cairo_rectangle(cr, f.area.x - m, f.area.y - m, f.area.w + 1 + 2 * m, f.area.h + 1 + 2 * m);
    cairo_clip(cr);
    /* Bands first, so every line lies on top of every band. Where many
     * overlap (several runs' layers), each is fainter, so that the pile of
     * them stays light enough to see the lines and edges through. */
    int bands = 0;
    for (int s = 0; s < p->n_series; s++) bands += p->series[s].band && p->series[s].n > 0;
    double alpha = fmax(PLOT_BAND_ALPHA_MIN, fmin(PLOT_BAND_ALPHA, PLOT_BAND_ALPHA_SUM / (bands ? bands : 1)));
    for (int s = 0; s < p->n_series; s++)
        if (p->series[s].band) draw_band(cr, p, &f, &p->series[s], alpha);
    for (int s = 0; s < p->n_series; s++)
        if (p->series[s].bars) cj_plot_draw_bars(cr, p, &f, &p->series[s]);
    for (int s = 0; s < p->n_series; s++)
        if (!p->series[s].band && !p->series[s].bars) draw_series(cr, p, &f, &p->series[s]);
    cairo_restore(cr);
    if (empty) {
        cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
        cj_plot_font(cr, PLOT_FONT_LABEL, 0);
        cj_plot_text(cr, "no data", f.area.x + f.area.w / 2, f.area.y + f.area.h / 2, 0.5, 0.5,
                     0);
    }
    cj_plot_legend_draw(cr, p, &lg, lx, ly);
}
