/* bars.c — bar series (cj_panel_add_bars): bar i of each series stands at
 * category i, the series of a panel side by side within a category, each
 * with a capped interval bar when it has intervals (e.g. a bootstrap 95%
 * interval of a median). */
#include <math.h>

#include "internal.h"

#define GROUP_W 0.8  /* of a category's width, shared by its bars */
#define BAR_FILL 0.9 /* of a bar's share: a thin gap between neighbours */
#define CAP_W 10.0   /* px, widest interval cap */

int cj_plot_bar_box(const cj_panel *p, const plot_frame *f, const plot_series *s, int i, double *x0, double *x1,
                    double *top, double *bottom, double *ci_top, double *ci_bottom)
{
    if (i < 0 || i >= s->n || !isfinite(s->y[i])) return 0;
    int groups = p->n_bar_series > 0 ? p->n_bar_series : 1;
    double share = GROUP_W / groups, centre = i - GROUP_W / 2 + (s->bar_index + 0.5) * share;
    double a = cj_plot_px_x(f, centre - share * BAR_FILL / 2), b = cj_plot_px_x(f, centre + share * BAR_FILL / 2);
    double base = p->yscale == CJ_SCALE_LOG ? f->area.y + f->area.h : cj_plot_px_y(f, 0);
    double v = cj_plot_px_y(f, s->y[i]);
    if (!isfinite(a) || !isfinite(b) || !isfinite(v)) return 0;
    *x0 = fmin(a, b);
    *x1 = fmax(a, b);
    *top = fmin(base, v);
    *bottom = fmax(base, v);
    double lo = s->lo ? cj_plot_px_y(f, s->lo[i]) : NAN, hi = s->hi ? cj_plot_px_y(f, s->hi[i]) : NAN;
    *ci_top = isfinite(lo) && isfinite(hi) ? fmin(lo, hi) : NAN;
    *ci_bottom = isfinite(lo) && isfinite(hi) ? fmax(lo, hi) : NAN;
    return 1;
}

void cj_plot_draw_bars(cairo_t *cr, const cj_panel *p, const plot_frame *f, const plot_series *s)
{
    const cj_rgb c = s->style.color;
    cairo_save(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    for (int i = 0; i < s->n; i++) {
        double x0, x1, top, bottom, ct, cb;
        if (!cj_plot_bar_box(p, f, s, i, &x0, &x1, &top, &bottom, &ct, &cb)) continue;
        cairo_set_source_rgb(cr, c.r, c.g, c.b);
        cairo_rectangle(cr, cj_plot_round(cr, x0), top, cj_plot_round(cr, x1) - cj_plot_round(cr, x0), bottom - top);
        cairo_fill(cr);
    }
    /* Intervals over every bar, dark so they read over the bar's colour. */
    cairo_set_source_rgb(cr, 0.12, 0.12, 0.12);
    cairo_set_line_width(cr, 1.5);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    for (int i = 0; i < s->n; i++) {
        double x0, x1, top, bottom, ct, cb;
        if (!cj_plot_bar_box(p, f, s, i, &x0, &x1, &top, &bottom, &ct, &cb) || !isfinite(ct)) continue;
        double xc = (x0 + x1) / 2, cap = fmin(CAP_W, 0.5 * (x1 - x0)) / 2;
        cairo_move_to(cr, xc, ct);
        cairo_line_to(cr, xc, cb);
        cairo_move_to(cr, xc - cap, ct);
        cairo_line_to(cr, xc + cap, ct);
        cairo_move_to(cr, xc - cap, cb);
        cairo_line_to(cr, xc + cap, cb);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}
