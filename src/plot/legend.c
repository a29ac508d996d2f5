/* legend.c — a panel's legend: its size, a place for it that hides no
 * data, and drawing it. Entries run down columns; entries of different
 * legend groups (one per run in a per-layer panel) get a column each,
 * headed by a bold heading entry. */
#include <math.h>

#include "internal.h"

#define LG_PAD 6.0      /* px inside the legend box */
#define LG_SAMPLE 28.0  /* px of line shown beside each label */
#define LG_TEXT_GAP 6.0 /* px between the sample and its label */
#define LG_COL_GAP 12.0 /* px between columns */
#define LG_MARGIN 6.0   /* px between the box and the plot area's edge */

static double entry_width(cairo_t *cr, const plot_series *s)
{
    cj_plot_font(cr, PLOT_FONT_LEGEND, s->legend_heading);
    double w = cj_plot_text_width(cr, s->label);
    return s->legend_heading ? w : LG_SAMPLE + LG_TEXT_GAP + w;
}

static double font_h(cairo_t *cr)
{
    cairo_font_extents_t fe;
    cj_plot_font(cr, PLOT_FONT_LEGEND, 0);
    cairo_font_extents(cr, &fe);
    return fe.ascent + fe.descent;
}

/* Index of the labelled series after i, or p->n_series. */
static int next_entry(const cj_panel *p, int i)
{
    for (i++; i < p->n_series && !p->series[i].label[0]; i++) {}
    return i;
}

typedef void (*entry_fn)(cairo_t *cr, const plot_series *s, double x, double cy);

/* Lay the entries out — as evenly filled columns of one width, or, when
 * grouped, one column per group, wrapping onto a new band of columns past
 * lg->max_w — and call `fn` (when not NULL) with each entry's left edge and
 * the middle of its row, measured from the top left of the box's content.
 * Returns the content's width and height in *w, *h. One walk serves both
 * measuring and drawing, so the two can never disagree. */
static void walk(cairo_t *cr, const cj_panel *p, const plot_legend *lg, entry_fn fn, double ox,
                 double oy, double *w, double *h)
{
    double fh = font_h(cr);
    double band_y = 0, band_x = 0, band_rows = 0, width = 0;
    int i = next_entry(p, -1);
    int per_col = lg->grouped ? 0 : (lg->n + lg->cols - 1) / lg->cols;
    while (i < p->n_series) {
        /* this column: entries [i, end) */
        int end = i, rows = 0;
        double cw = 0;
        while (end < p->n_series &&
               (lg->grouped ? p->series[end].legend_group == p->series[i].legend_group
                            : rows < per_col)) {
            cw = fmax(cw, entry_width(cr, &p->series[end]));
            rows++;
            end = next_entry(p, end);
        }
        if (!lg->grouped) cw = lg->col_w;
        if (band_x > 0 && band_x + cw > lg->max_w) { /* wrap: a new band below */
            band_y += band_rows * lg->row_h + 0.5 * lg->row_h;
            band_x = 0;
            band_rows = 0;
        }
        int row = 0;
        for (int k = i; k < end; k = next_entry(p, k), row++)
            if (fn) fn(cr, &p->series[k], ox + band_x, oy + band_y + row * lg->row_h + fh / 2);
        width = fmax(width, band_x + cw);
        band_x += cw + LG_COL_GAP;
        band_rows = fmax(band_rows, rows);
        i = end;
    }
    *w = ceil(width);
    *h = ceil(band_y + band_rows * lg->row_h - (band_rows > 0 ? lg->row_h - fh : 0));
}

static void resize(cairo_t *cr, const cj_panel *p, plot_legend *lg)
{
    double w, h;
    walk(cr, p, lg, NULL, 0, 0, &w, &h);
    lg->w = 2 * LG_PAD + w;
    lg->h = 2 * LG_PAD + h;
}

void cj_plot_legend_measure(cairo_t *cr, const cj_panel *p, plot_legend *lg)
{
    double widest = 0;
    int first_group = -1;
    lg->n = 0;
    lg->grouped = 0;
    for (int i = 0; i < p->n_series; i++) {
        const plot_series *s = &p->series[i];
        if (!s->label[0]) continue;
        widest = fmax(widest, entry_width(cr, s));
        if (lg->n++ == 0) first_group = s->legend_group;
        if (s->legend_group != first_group) lg->grouped = 1;
    }
    lg->row_h = ceil(font_h(cr) * 1.3);
    lg->col_w = ceil(widest);
    lg->cols = 1;
    lg->max_w = INFINITY; /* groups side by side, others in one column */
    resize(cr, p, lg);
}

void cj_plot_legend_columns(cairo_t *cr, const cj_panel *p, plot_legend *lg, double max_w)
{
    if (lg->n == 0) return;
    lg->max_w = max_w - 2 * LG_PAD;
    if (!lg->grouped) {
        int cols = (int)((lg->max_w + LG_COL_GAP) / (lg->col_w + LG_COL_GAP));
        cols = cols < 1 ? 1 : cols > lg->n ? lg->n : cols;
        int rows = (lg->n + cols - 1) / cols;
        lg->cols = (lg->n + rows - 1) / rows; /* no empty column at the end */
    }
    resize(cr, p, lg);
}

static int valid_px(double x, double y) { return isfinite(x) && isfinite(y); }

/* Does line ser come within 3 px of the box [x0, x1] x [y0, y1] (the box
 * grown by 3 px)? Segments are walked in 2 px steps, so a line crossing a
 * corner is caught too. */
static int line_covers(const plot_frame *f, const plot_series *ser, double x0, double x1, double y0,
                       double y1)
{
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
    return 0;
}

/* Does band ser's shaded area reach into the box? Walked in 2 px steps
 * along x, each a vertical span from the upper to the lower edge. */
static int band_covers(const cj_panel *p, const plot_frame *f, const plot_series *ser, double x0,
                       double x1, double y0, double y1)
{
    for (int i = 0; i < ser->n; i++) {
        double ax, at, ab, bx, bt, bb;
        if (!cj_plot_band_point(p, f, ser, i, &ax, &at, &ab)) continue;
        int next = i + 1 < ser->n && cj_plot_band_point(p, f, ser, i + 1, &bx, &bt, &bb);
        int prev = i > 0 && cj_plot_band_point(p, f, ser, i - 1, NULL, NULL, NULL);
        if (!next && !prev) { /* a lone point's bar */
            double half = PLOT_BAND_BAR_W / 2;
            if (ax + half >= x0 && ax - half <= x1 && ab >= y0 && at <= y1) return 1;
            continue;
        }
        if (!next) continue;
        int steps = 1 + (int)(fabs(bx - ax) / 2);
        for (int k = 0; k <= steps; k++) {
            double t = (double)k / steps, x = ax + t * (bx - ax);
            double top = at + t * (bt - at), bottom = ab + t * (bb - ab);
            if (x >= x0 && x <= x1 && bottom >= y0 && top <= y1) return 1;
        }
    }
    return 0;
}

/* Does a bar of ser, or its interval, reach into the box? */
static int bars_cover(const cj_panel *p, const plot_frame *f, const plot_series *ser, double x0, double x1,
                      double y0, double y1)
{
    for (int i = 0; i < ser->n; i++) {
        double a, b, top, bottom, ct, cb;
        if (!cj_plot_bar_box(p, f, ser, i, &a, &b, &top, &bottom, &ct, &cb)) continue;
        if (isfinite(ct)) {
            top = fmin(top, ct);
            bottom = fmax(bottom, cb);
        }
        if (b >= x0 && a <= x1 && bottom >= y0 && top <= y1) return 1;
    }
    return 0;
}

/* Does any drawn part of a line or a bar, or with `bands` of a band, come
 * within 3 px of the box? */
static int covers(const cj_panel *p, const plot_frame *f, int bands, double bx, double by, double bw,
                  double bh)
{
    double x0 = bx - 3, x1 = bx + bw + 3, y0 = by - 3, y1 = by + bh + 3;
    for (int s = 0; s < p->n_series; s++) {
        const plot_series *ser = &p->series[s];
        if (ser->bars   ? bars_cover(p, f, ser, x0, x1, y0, y1)
            : ser->band ? bands && band_covers(p, f, ser, x0, x1, y0, y1)
                        : line_covers(f, ser, x0, x1, y0, y1))
            return 1;
    }
    return 0;
}

int cj_plot_legend_place(const cj_panel *p, const plot_frame *f, const plot_legend *lg, int bands,
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
        if (!covers(p, f, bands, spots[i][0], spots[i][1], lg->w, lg->h)) {
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
            if (!covers(p, f, bands, gx, gy, lg->w, lg->h)) {
                *x = gx;
                *y = gy;
                return 1;
            }
        }
    }
    return 0;
}

static void draw_entry(cairo_t *cr, const plot_series *s, double x, double cy)
{
    if (s->legend_heading) {
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cj_plot_font(cr, PLOT_FONT_LEGEND, 1);
        cj_plot_text(cr, s->label, x, cy, 0, 0.5, 0);
        return;
    }
    double x1 = x + LG_SAMPLE;
    if (s->bars) { /* a square of the bars' colour */
        double fh = font_h(cr);
        cairo_set_source_rgb(cr, s->style.color.r, s->style.color.g, s->style.color.b);
        cairo_rectangle(cr, x + LG_SAMPLE / 2 - 0.4 * fh, cy - 0.4 * fh, 0.8 * fh, 0.8 * fh);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cj_plot_font(cr, PLOT_FONT_LEGEND, 0);
        cj_plot_text(cr, s->label, x1 + LG_TEXT_GAP, cy, 0, 0.5, 0);
        return;
    }
    if (s->band) { /* a swatch of the band's shading */
        double fh = font_h(cr);
        cairo_set_source_rgba(cr, s->style.color.r, s->style.color.g, s->style.color.b,
                              PLOT_BAND_ALPHA * 2);
        cairo_rectangle(cr, x, cy - 0.4 * fh, LG_SAMPLE, 0.8 * fh);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cj_plot_font(cr, PLOT_FONT_LEGEND, 0);
        cj_plot_text(cr, s->label, x1 + LG_TEXT_GAP, cy, 0, 0.5, 0);
        return;
    }
    cairo_set_source_rgb(cr, s->style.color.r, s->style.color.g, s->style.color.b);
    cairo_set_line_width(cr, s->style.width);
    cj_plot_set_dash(cr, s->style.dash, s->style.width);
    cairo_move_to(cr, x, cy);
    cairo_line_to(cr, x1, cy);
    cairo_stroke(cr);
    cj_plot_marker(cr, s->style.marker, (x + x1) / 2, cy, 2.5 * s->style.width + 2);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cj_plot_font(cr, PLOT_FONT_LEGEND, 0);
    cj_plot_text(cr, s->label, x1 + LG_TEXT_GAP, cy, 0, 0.5, 0);
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
    double w, h;
    walk(cr, p, lg, draw_entry, x + LG_PAD, y + LG_PAD, &w, &h);
    cairo_restore(cr);
}
