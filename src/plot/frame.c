/* frame.c — a panel's axes: where the plot area goes inside its cell, how
 * data map to pixels, and the box, ticks, grid and labels around it. Line
 * charts and heat maps share all of this. */
#include <math.h>

#include "internal.h"

#define PAD 8.0      /* px between a cell's edge and anything drawn in it */
#define TICK_LEN 4.0 /* px, tick marks point outwards */
#define TICK_GAP 3.0 /* px between a tick mark and its label */

static double frac(const plot_axis *a, double v)
{
    if (!isfinite(v)) return NAN;
    double f;
    if (a->scale == CJ_SCALE_LOG) {
        if (v <= 0) return NAN;
        f = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    } else {
        f = (v - a->lo) / (a->hi - a->lo);
    }
    return a->inverted ? 1 - f : f;
}

double cj_plot_px_x(const plot_frame *f, double v)
{
    return f->area.x + frac(&f->x, v) * f->area.w;
}

double cj_plot_px_y(const plot_frame *f, double v)
{
    return f->area.y + (1 - frac(&f->y, v)) * f->area.h;
}

int cj_plot_band_point(const cj_panel *p, const plot_frame *f, const plot_series *s, int i,
                       double *x, double *top, double *bottom)
{
    double px = cj_plot_px_x(f, s->x[i]), hi = cj_plot_px_y(f, s->hi[i]);
    double lo = p->yscale == CJ_SCALE_LOG && s->y[i] <= 0 ? f->area.y + f->area.h
                                                          : cj_plot_px_y(f, s->y[i]);
    if (!isfinite(px) || !isfinite(hi) || !isfinite(lo)) return 0;
    if (x) *x = px;
    if (top) *top = fmin(hi, lo);
    if (bottom) *bottom = fmax(hi, lo);
    return 1;
}

static double font_height(cairo_t *cr, double size)
{
    cairo_font_extents_t fe;
    cj_plot_font(cr, size, 0);
    cairo_font_extents(cr, &fe);
    return fe.ascent + fe.descent;
}

static int make_ticks(plot_axis *a, int target, int integer)
{
    if (a->scale == CJ_SCALE_LOG) return cj_ticks_log(a->lo, a->hi, target, &a->ticks);
    return cj_ticks_linear(a->lo, a->hi, target, integer, &a->ticks);
}

/* The text of tick i: its name on a named axis, else its value. */
static const char *tick_text(const plot_axis *a, int i, char *buf, size_t cap)
{
    if (a->names) {
        int k = (int)lround(a->ticks.v[i]);
        return k >= 0 && k < a->n_names ? a->names[k] : "";
    }
    cj_tick_label(a->ticks.v[i], a->ticks.step, buf, cap);
    return buf;
}

static double widest_label(cairo_t *cr, const plot_axis *a)
{
    char buf[64];
    double w = 0;
    cj_plot_font(cr, PLOT_FONT_TICK, 0);
    for (int i = 0; i < a->ticks.n; i++) {
        double tw = cj_plot_text_width(cr, tick_text(a, i, buf, sizeof buf));
        if (tw > w) w = tw;
    }
    return w;
}

double cj_plot_widest_name(cairo_t *cr, const plot_axis *a)
{
    double w = 0;
    cj_plot_font(cr, PLOT_FONT_TICK, 0);
    for (int i = 0; a->names && i < a->n_names; i++) w = fmax(w, cj_plot_text_width(cr, a->names[i]));
    return w;
}

/* px needed between neighbouring names: their font's height stacked (rows,
 * turned names), or the widest name and a gap side by side. */
static double name_pitch(cairo_t *cr, const plot_axis *a, int vertical)
{
    if (vertical || a->rotated) return 1.15 * font_height(cr, PLOT_FONT_TICK);
    return cj_plot_widest_name(cr, a) + 8;
}

void cj_plot_name_ticks(cairo_t *cr, plot_axis *a, double len_px, int vertical)
{
    double per = a->hi > a->lo ? len_px / (a->hi - a->lo) : len_px; /* px per position */
    double want = ceil(name_pitch(cr, a, vertical) / fmax(per, 1e-9));
    int k = want < 1 ? 1 : want > a->n_names ? (a->n_names > 0 ? a->n_names : 1) : (int)want;
    while ((a->n_names + k - 1) / k > CJ_TICKS_MAX) k++;
    a->ticks.n = 0;
    a->ticks.step = k;
    for (int i = 0; i < a->n_names; i += k)
        if (i >= a->lo && i <= a->hi) a->ticks.v[a->ticks.n++] = i;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* The plot area's top and height, from what goes above and below it. */
static void layout_vertical(cairo_t *cr, const cj_panel *p, plot_rect cell, double bottom_extra, plot_frame *f)
{
    double tick_h = font_height(cr, PLOT_FONT_TICK);
    double label_h = font_height(cr, PLOT_FONT_LABEL);
    /* Turned names take their width below the axis, up to 40% of the
     * cell; longer ones run into the axis label's space rather than
     * squeezing the plot away. */
    f->x.label_h = f->x.rotated ? fmin(cj_plot_widest_name(cr, &f->x), 0.4 * cell.h) : tick_h;
    double top = PAD + (p->title[0] ? font_height(cr, PLOT_FONT_TITLE) + 8 : 6);
    double bottom = PAD + TICK_LEN + TICK_GAP + f->x.label_h + (p->xlabel[0] ? label_h + 4 : 0) + bottom_extra;
    f->area.y = cj_plot_round(cr, cell.y + top);
    f->area.h = fmax(10, cj_plot_round(cr, cell.h - top - bottom));
}

void cj_plot_frame_layout(cairo_t *cr, const cj_panel *p, plot_rect cell, double right_extra,
                          double bottom_extra, int x_integer, int y_integer, plot_frame *f)
{
    f->cell = cell;
    double label_h = font_height(cr, PLOT_FONT_LABEL);
    for (int pass = 0; pass < 2; pass++) {
        layout_vertical(cr, p, cell, bottom_extra, f);

        /* y ticks first: their labels' width decides how wide the area is,
         * which decides how many x ticks fit. About one y tick per 55 px. */
        if (f->y.names)
            cj_plot_name_ticks(cr, &f->y, f->area.h, 1);
        else
            make_ticks(&f->y, clampi((int)(f->area.h / 55), 3, 8), y_integer);
        double left = PAD + (p->ylabel[0] ? label_h + 6 : 0) + widest_label(cr, &f->y) + TICK_GAP + TICK_LEN;
        double right = PAD + 6 + right_extra;
        f->area.x = cj_plot_round(cr, cell.x + left);
        f->area.w = fmax(10, cj_plot_round(cr, cell.w - left - right));

        if (f->x.names) {
            /* Names side by side while they fit, else turned to read
             * bottom to top, which takes height: lay out again. */
            double per = f->area.w / fmax(f->x.hi - f->x.lo, 1e-9);
            if (!f->x.rotated && cj_plot_widest_name(cr, &f->x) + 8 > per) {
                f->x.rotated = 1;
                continue;
            }
            cj_plot_name_ticks(cr, &f->x, f->area.w, 0);
            break;
        }
        /* About one x tick per 60 px, fewer while neighbouring labels would
         * have less than 12 px between them. */
        for (int target = clampi((int)(f->area.w / 60), 2, 10); target >= 2; target--) {
            make_ticks(&f->x, target, x_integer);
            double w = widest_label(cr, &f->x), closest = INFINITY;
            for (int i = 1; i < f->x.ticks.n; i++) {
                double x0 = cj_plot_px_x(f, f->x.ticks.v[i - 1]), x1 = cj_plot_px_x(f, f->x.ticks.v[i]);
                closest = fmin(closest, fabs(x1 - x0));
            }
            if (closest >= w + 12) break;
        }
        break;
    }
}

void cj_plot_frame_grid(cairo_t *cr, const plot_frame *f)
{
    const plot_rect *a = &f->area;
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.91, 0.91, 0.91);
    double lw = cj_plot_hairline(cr, 1);
    cairo_set_line_width(cr, lw);
    cairo_set_dash(cr, NULL, 0, 0);
    /* Named positions (bar categories) get no vertical lines: a line
     * through every bar would only clutter it. */
    for (int i = 0; !f->x.names && i < f->x.ticks.n; i++) {
        double x = cj_plot_snap(cr, cj_plot_px_x(f, f->x.ticks.v[i]), lw);
        cairo_move_to(cr, x, a->y);
        cairo_line_to(cr, x, a->y + a->h);
    }
    for (int i = 0; i < f->y.ticks.n; i++) {
        double y = cj_plot_snap(cr, cj_plot_px_y(f, f->y.ticks.v[i]), lw);
        cairo_move_to(cr, a->x, y);
        cairo_line_to(cr, a->x + a->w, y);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* Select the font at `size`, or smaller (down to 70%) if s would be
 * wider than max_w: a long title on a small panel shrinks rather than
 * being cut off at the panel's edge. Returns the text's width. */
static double fit_font(cairo_t *cr, const char *s, double size, double max_w)
{
    cj_plot_font(cr, size, 0);
    double w = cj_plot_text_width(cr, s);
    if (w <= max_w || w <= 0) return w;
    double shrunk = fmax(0.7 * size, size * max_w / w);
    cj_plot_font(cr, shrunk, 0);
    return cj_plot_text_width(cr, s);
}

/* The centre for text of width w, as close to `want` as keeps the text
 * inside [lo + PAD, lo + len - PAD]. */
static double centred(double want, double w, double lo, double len)
{
    double min = lo + PAD + w / 2, max = lo + len - PAD - w / 2;
    if (min > max) return lo + len / 2;
    return want < min ? min : want > max ? max : want;
}

void cj_plot_frame_draw(cairo_t *cr, const cj_panel *p, const plot_frame *f)
{
    const plot_rect *a = &f->area;
    char buf[64];
    cairo_save(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE);
    double lw = cj_plot_hairline(cr, 1);
    cairo_set_line_width(cr, lw);
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    /* snapped, so a thin line sits on a pixel row instead of blurring over two */
    double x0 = cj_plot_snap(cr, a->x, lw), y0 = cj_plot_snap(cr, a->y, lw);
    cairo_rectangle(cr, x0, y0, cj_plot_snap(cr, a->x + a->w, lw) - x0,
                    cj_plot_snap(cr, a->y + a->h, lw) - y0);
    cairo_stroke(cr);

    cj_plot_font(cr, PLOT_FONT_TICK, 0);
    double ybase = cj_plot_snap(cr, a->y + a->h, lw);
    for (int i = 0; i < f->x.ticks.n; i++) {
        double v = f->x.ticks.v[i], x = cj_plot_snap(cr, cj_plot_px_x(f, v), lw);
        cairo_move_to(cr, x, ybase);
        cairo_line_to(cr, x, ybase + TICK_LEN);
        cairo_stroke(cr);
        const char *text = tick_text(&f->x, i, buf, sizeof buf);
        if (f->x.rotated) /* ends at the tick, reads bottom to top */
            cj_plot_text(cr, text, x, ybase + TICK_LEN + TICK_GAP, 1, 0.5, -M_PI / 2);
        else
            cj_plot_text(cr, text, x, ybase + TICK_LEN + TICK_GAP, 0.5, 0, 0);
    }
    double xbase = x0;
    double widest = 0;
    for (int i = 0; i < f->y.ticks.n; i++) {
        double v = f->y.ticks.v[i], y = cj_plot_snap(cr, cj_plot_px_y(f, v), lw);
        cairo_move_to(cr, xbase, y);
        cairo_line_to(cr, xbase - TICK_LEN, y);
        cairo_stroke(cr);
        const char *text = tick_text(&f->y, i, buf, sizeof buf);
        cj_plot_text(cr, text, xbase - TICK_LEN - TICK_GAP, y, 1, 0.5, 0);
        double w = cj_plot_text_width(cr, text);
        if (w > widest) widest = w;
    }

    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    double tick_h = f->x.label_h > 0 ? f->x.label_h : font_height(cr, PLOT_FONT_TICK);
    const plot_rect *c = &f->cell;
    double xl = fit_font(cr, p->xlabel, PLOT_FONT_LABEL, c->w - 2 * PAD);
    cj_plot_text(cr, p->xlabel, centred(a->x + a->w / 2, xl, c->x, c->w),
                 ybase + TICK_LEN + TICK_GAP + tick_h + 4, 0.5, 0, 0);
    /* The y label reads bottom to top, left of the widest tick label. */
    double yl = fit_font(cr, p->ylabel, PLOT_FONT_LABEL, c->h - 2 * PAD);
    cj_plot_text(cr, p->ylabel, xbase - TICK_LEN - TICK_GAP - widest - 6,
                 centred(a->y + a->h / 2, yl, c->y, c->h), 0.5, 1, -M_PI / 2);
    double tl = fit_font(cr, p->title, PLOT_FONT_TITLE, c->w - 2 * PAD);
    cj_plot_text(cr, p->title, centred(a->x + a->w / 2, tl, c->x, c->w), a->y - 8, 0.5, 1, 0);
    cairo_restore(cr);
}
