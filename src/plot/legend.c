/* legend.c — a panel's legend: its size, a place for it that hides no
 * data, and drawing it. */
#include <math.h>

#include "internal.h"

#define LG_PAD 6.0     /* px inside the legend box */
#define LG_SAMPLE 28.0 /* px of line shown beside each label */
#define LG_MARGIN 6.0  /* px between the box and the plot area's edge */

void cj_plot_legend_measure(cairo_t *cr, const cj_panel *p, plot_legend *lg)
{
    cairo_font_extents_t fe;
    cj_plot_font(cr, PLOT_FONT_LEGEND, 0);
    cairo_font_extents(cr, &fe);
    double widest = 0;
    lg->n = 0;
    for (int i = 0; i < p->n_series; i++) {
        if (!p->series[i].label[0]) continue;
        double w = cj_plot_text_width(cr, p->series[i].label);
        if (w > widest) widest = w;
        lg->n++;
    }
    lg->row_h = ceil((fe.ascent + fe.descent) * 1.3);
    lg->col_w = ceil(LG_SAMPLE + 6 + widest);
    lg->cols = 1;
    lg->w = 2 * LG_PAD + lg->col_w;
    lg->h = ceil(2 * LG_PAD + lg->n * lg->row_h - (lg->row_h - (fe.ascent + fe.descent)));
}

void cj_plot_legend_columns(plot_legend *lg, double max_w)
{
    if (lg->n == 0) return;
    double gap = 2 * LG_PAD; /* between columns */
    int cols = (int)((max_w - 2 * LG_PAD + gap) / (lg->col_w + gap));
    cols = cols < 1 ? 1 : cols > lg->n ? lg->n : cols;
    int rows = (lg->n + cols - 1) / cols;
    cols = (lg->n + rows - 1) / rows; /* no empty column at the end */
    double one_row_h = lg->h - (lg->n - 1) * lg->row_h;
    lg->cols = cols;
    lg->w = 2 * LG_PAD + cols * lg->col_w + (cols - 1) * gap;
    lg->h = one_row_h + (rows - 1) * lg->row_h;
}

static int valid_px(double x, double y) { return isfinite(x) && isfinite(y); }

/* Does any drawn part of a series come within 3 px of the box? Segments
 * are walked in 2 px steps, so a line crossing a corner is caught too. */
static int covers(const cj_panel *p, const plot_frame *f, double bx, double by, double bw,
                  double bh)
{
    double x0 = bx - 3, x1 = bx + bw + 3, y0 = by - 3, y1 = by + bh + 3;
    for (int s = 0; s < p->n_series; s++) {
        const plot_series *ser = &p->series[s];
        double px = NAN, py = NAN;
        for (int i = 0; i < ser->n; i++) {
            double qx = cj_plot_px_x(f, ser->x[i]), qy = cj_plot_px_y(f, ser->y[i]);
            if (!valid_px(qx, qy)) {
                px = py = NAN;
                continue;
            }
            int steps = valid_px(px, py) ? 1 + (int)(hypot(qx - px, qy - py) / 2) : 0;
            for (int k = 0; k <= steps; k++) {
                double t = steps ? (double)k / steps : 1;
                double x = steps ? px + t * (qx - px) : qx;
                double y = steps ? py + t * (qy - py) : qy;
                if (x >= x0 && x <= x1 && y >= y0 && y <= y1) return 1;
            }
            px = qx;
            py = qy;
        }
    }
    return 0;
}

int cj_plot_legend_place(const cj_panel *p, const plot_frame *f, const plot_legend *lg,
                         double *x, double *y)
{
    const plot_rect *a = &f->area;
    if (lg->w > a->w - 2 * LG_MARGIN || lg->h > a->h - 2 * LG_MARGIN) return 0;
    double l = a->x + LG_MARGIN, r = a->x + a->w - LG_MARGIN - lg->w;
    double t = a->y + LG_MARGIN, b = a->y + a->h - LG_MARGIN - lg->h;
    double cx = a->x + (a->w - lg->w) / 2, cy = a->y + (a->h - lg->h) / 2;
    /* The order people look for a legend in, as matplotlib's "best". */
    const double spots[][2] = {{r, t}, {l, t}, {r, b}, {l, b}, {r, cy}, {l, cy}, {cx, t}, {cx, b}};
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        if (!covers(p, f, spots[i][0], spots[i][1], lg->w, lg->h)) {
            *x = spots[i][0];
            *y = spots[i][1];
            return 1;
        }
    }
    /* Curves that fan out leave room between them rather than at the
     * edges; scan a grid, top to bottom and right to left, before giving up
     * and moving the legend outside (which narrows the plot). */
    enum { GRID = 8 };
    for (int i = 0; i <= GRID; i++) {
        for (int j = GRID; j >= 0; j--) {
            double gx = l + (r - l) * j / GRID, gy = t + (b - t) * i / GRID;
            if (!covers(p, f, gx, gy, lg->w, lg->h)) {
                *x = gx;
                *y = gy;
                return 1;
            }
        }
    }
    return 0;
}

void cj_plot_legend_draw(cairo_t *cr, const cj_panel *p, const plot_legend *lg, double x,
                         double y)
{
    if (lg->n == 0) return;
    cairo_save(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    double lw = cj_plot_hairline(cr, 1);
    double x0 = cj_plot_snap(cr, x, lw), y0 = cj_plot_snap(cr, y, lw);
    cairo_rectangle(cr, x0, y0, cj_plot_snap(cr, x + lg->w, lw) - x0,
                    cj_plot_snap(cr, y + lg->h, lw) - y0);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.92);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(cr, lw);
    cairo_stroke(cr);

    cj_plot_font(cr, PLOT_FONT_LEGEND, 0);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    int rows = (lg->n + lg->cols - 1) / lg->cols, k = 0;
    for (int i = 0; i < p->n_series; i++) {
        const plot_series *s = &p->series[i];
        if (!s->label[0]) continue;
        int row = k % rows, col = k / rows;
        k++;
        double cy = y + LG_PAD + row * lg->row_h + (fe.ascent + fe.descent) / 2;
        double sx0 = x + LG_PAD + col * (lg->col_w + 2 * LG_PAD), sx1 = sx0 + LG_SAMPLE;
        cairo_set_source_rgb(cr, s->style.color.r, s->style.color.g, s->style.color.b);
        cairo_set_line_width(cr, s->style.width);
        cj_plot_set_dash(cr, s->style.dash, s->style.width);
        cairo_move_to(cr, sx0, cy);
        cairo_line_to(cr, sx1, cy);
        cairo_stroke(cr);
        cj_plot_marker(cr, s->style.marker, (sx0 + sx1) / 2, cy, 2.5 * s->style.width + 2);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cj_plot_text(cr, s->label, sx1 + 6, cy, 0, 0.5, 0);
    }
    cairo_restore(cr);
}
