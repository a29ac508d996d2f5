/* heatmap.c — drawing a matrix as an image with a colour bar, e.g. a
 * representational dissimilarity matrix (RSA) or unit-match scores. Row 0
 * is at the top, as the matrix is printed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "internal.h"

#define CBAR_GAP 14.0   /* px between the image and the colour bar */
#define CBAR_W 14.0     /* px, width of the colour bar */
#define TICK_LEN 4.0
#define TICK_GAP 3.0

#define N_STOPS 9
/* viridis (van der Walt & Smith, matplotlib) and ColorBrewer RdBu
 * (reversed: blue low, red high), 9 evenly spaced stops each, linearly
 * interpolated. Both are readable in grey scale and by most colour-blind
 * readers. */
static const uint32_t cmap_hex[2][N_STOPS] = {
    {0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21908c, 0x27ad81, 0x5dc863, 0xaadc32, 0xfde725},
    {0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b},
};

static cj_rgb stop_rgb(cj_colormap cm, int i)
{
    uint32_t h = cmap_hex[cm == CJ_CMAP_DIVERGING][i];
    cj_rgb c = {((h >> 16) & 255) / 255.0, ((h >> 8) & 255) / 255.0, (h & 255) / 255.0};
    return c;
}

static cj_rgb cmap_at(cj_colormap cm, double t)
{
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double u = t * (N_STOPS - 1);
    int i = (int)u;
    if (i >= N_STOPS - 1) return stop_rgb(cm, N_STOPS - 1);
    double w = u - i;
    cj_rgb a = stop_rgb(cm, i), b = stop_rgb(cm, i + 1);
    cj_rgb c = {a.r + w * (b.r - a.r), a.g + w * (b.g - a.g), a.b + w * (b.b - a.b)};
    return c;
}

/* Colour limits: the caller's, else the data's; a diverging map's
 * automatic limits are symmetric about 0 so that white means zero. */
static void color_limits(const plot_heatmap *h, double *vmin, double *vmax)
{
    double lo = INFINITY, hi = -INFINITY;
    for (long i = 0; i < (long)h->rows * h->cols; i++) {
        if (!isfinite(h->m[i])) continue;
        lo = fmin(lo, h->m[i]);
        hi = fmax(hi, h->m[i]);
    }
    if (lo > hi) lo = 0, hi = 1;
    if (h->cmap == CJ_CMAP_DIVERGING) {
        double m = fmax(fabs(lo), fabs(hi));
        lo = -m;
        hi = m;
    }
    *vmin = isfinite(h->vmin) ? h->vmin : lo;
    *vmax = isfinite(h->vmax) ? h->vmax : hi;
    if (!(*vmax > *vmin)) {
        double d = *vmin != 0 ? fabs(*vmin) * 0.1 : 0.5;
        *vmin -= d;
        *vmax += d;
    }
}

static void draw_image(cairo_t *cr, const plot_heatmap *h, const plot_rect *a, double vmin,
                       double vmax)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, h->cols, h->rows);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        cj_plot_font(cr, PLOT_FONT_LABEL, 0);
        cj_plot_text(cr, "matrix too large to draw", a->x + a->w / 2, a->y + a->h / 2, 0.5, 0.5, 0);
        return;
    }
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int r = 0; r < h->rows; r++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)r * stride);
        for (int c = 0; c < h->cols; c++) {
            double v = h->m[(size_t)r * h->cols + c];
            cj_rgb col = {0.85, 0.85, 0.85}; /* NaN: grey, outside both maps */
            if (isfinite(v)) col = cmap_at(h->cmap, (v - vmin) / (vmax - vmin));
            row[c] = ((uint32_t)lround(col.r * 255) << 16) | ((uint32_t)lround(col.g * 255) << 8) |
                     (uint32_t)lround(col.b * 255);
        }
    }
    cairo_surface_mark_dirty(img);
    cairo_save(cr);
    cairo_rectangle(cr, a->x, a->y, a->w, a->h);
    cairo_clip(cr);
    cairo_translate(cr, a->x, a->y);
    cairo_scale(cr, a->w / h->cols, a->h / h->rows);
    cairo_set_source_surface(cr, img, 0, 0);
    /* NEAREST keeps cells crisp squares; PAD stops the edge cells fading
     * into transparency when scaled. */
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
}

static double cbar_width(cairo_t *cr, const plot_heatmap *h, const cj_ticks *t)
{
    char buf[64];
    double widest = 0;
    cj_plot_font(cr, PLOT_FONT_TICK, 0);
    for (int i = 0; i < t->n; i++) {
        cj_tick_label(t->v[i], t->step, buf, sizeof buf);
        widest = fmax(widest, cj_plot_text_width(cr, buf));
    }
    cairo_font_extents_t fe;
    cj_plot_font(cr, PLOT_FONT_LABEL, 0);
    cairo_font_extents(cr, &fe);
    return CBAR_GAP + CBAR_W + TICK_LEN + TICK_GAP + widest +
           (h->cbar_label[0] ? 6 + fe.ascent + fe.descent : 0);
}

static void draw_cbar(cairo_t *cr, const plot_heatmap *h, const plot_rect *a, double vmin,
                      double vmax, const cj_ticks *t)
{
    double x = a->x + a->w + CBAR_GAP, y = a->y, bh = a->h;
    cairo_save(cr);
    cairo_pattern_t *g = cairo_pattern_create_linear(0, y + bh, 0, y);
    for (int i = 0; i < N_STOPS; i++) {
        cj_rgb c = stop_rgb(h->cmap, i);
        cairo_pattern_add_color_stop_rgb(g, (double)i / (N_STOPS - 1), c.r, c.g, c.b);
    }
    cairo_rectangle(cr, x, y, CBAR_W, bh);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);

    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    double lw = cj_plot_hairline(cr, 1);
    cairo_set_line_width(cr, lw);
    double x0 = cj_plot_snap(cr, x, lw), y0 = cj_plot_snap(cr, y, lw);
    cairo_rectangle(cr, x0, y0, cj_plot_snap(cr, x + CBAR_W, lw) - x0,
                    cj_plot_snap(cr, y + bh, lw) - y0);
    cairo_stroke(cr);
    char buf[64];
    double widest = 0;
    cj_plot_font(cr, PLOT_FONT_TICK, 0);
    for (int i = 0; i < t->n; i++) {
        double ty = cj_plot_snap(cr, y + bh - (t->v[i] - vmin) / (vmax - vmin) * bh, lw);
        cairo_move_to(cr, x + CBAR_W, ty);
        cairo_line_to(cr, x + CBAR_W + TICK_LEN, ty);
        cairo_stroke(cr);
        cj_tick_label(t->v[i], t->step, buf, sizeof buf);
        cj_plot_text(cr, buf, x + CBAR_W + TICK_LEN + TICK_GAP, ty, 0, 0.5, 0);
        widest = fmax(widest, cj_plot_text_width(cr, buf));
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cj_plot_font(cr, PLOT_FONT_LABEL, 0);
    cj_plot_text(cr, h->cbar_label, x + CBAR_W + TICK_LEN + TICK_GAP + widest + 6, y + bh / 2,
                 0.5, 0, -M_PI / 2);
    cairo_restore(cr);
}

/* Each cell's value printed in it (cj_panel_set_heatmap_values), in a
 * font that fits the cell, white on the dark half of the colour map; not at
 * all when the cells are too small to read. */
static void draw_values(cairo_t *cr, const plot_heatmap *h, const plot_rect *a, double vmin, double vmax)
{
    double cw = a->w / h->cols, ch = a->h / h->rows, side = fmin(cw, ch);
    double size = fmin(PLOT_FONT_TICK, 0.36 * side);
    if (h->decimals < 0 || size < 7) return;
    char buf[32];
    cj_plot_font(cr, size, 0);
    /* the widest text must fit, so every cell uses one font */
    double widest = 0;
    for (long i = 0; i < (long)h->rows * h->cols; i++)
        if (isfinite(h->m[i])) {
            snprintf(buf, sizeof buf, "%.*f", h->decimals, h->m[i]);
            widest = fmax(widest, cj_plot_text_width(cr, buf));
        }
    if (widest > cw - 4) {
        size *= (cw - 4) / widest;
        if (size < 7) return;
        cj_plot_font(cr, size, 0);
    }
    for (int r = 0; r < h->rows; r++)
        for (int c = 0; c < h->cols; c++) {
            double v = h->m[(size_t)r * h->cols + c];
            if (!isfinite(v)) continue;
            cj_rgb col = cmap_at(h->cmap, (v - vmin) / (vmax - vmin));
            double lum = 0.299 * col.r + 0.587 * col.g + 0.114 * col.b;
            double ink = lum < 0.5 ? 1.0 : 0.1;
            cairo_set_source_rgb(cr, ink, ink, ink);
            /* rounding to zero prints "0.00", not "-0.00" */
            if (fabs(v) < 0.5 * pow(10.0, -h->decimals)) v = 0.0;
            snprintf(buf, sizeof buf, "%.*f", h->decimals, v);
            cj_plot_text(cr, buf, a->x + (c + 0.5) * cw, a->y + (r + 0.5) * ch, 0.5, 0.5, 0);
        }
}

/* Square cells: a similarity matrix should look symmetric. The side of a
 * cell in f's area, and the area shrunk on its longer side and centred in
 * the space it had. */
static double square_cells(cairo_t *cr, const plot_heatmap *h, plot_frame *f)
{
    double side = fmin(f->area.w / h->cols, f->area.h / h->rows);
    double w = side * h->cols, hh = side * h->rows;
    f->area.x = cj_plot_round(cr, f->area.x + (f->area.w - w) / 2);
    f->area.y = cj_plot_round(cr, f->area.y + (f->area.h - hh) / 2);
    f->area.w = cj_plot_round(cr, w);
    f->area.h = cj_plot_round(cr, hh);
    return side;
}

void cj_plot_draw_heatmap(cairo_t *cr, const cj_panel *p, plot_rect cell)
{
    const plot_heatmap *h = p->heat;
    double vmin, vmax;
    color_limits(h, &vmin, &vmax);
    cj_ticks ct;
    cj_ticks_linear(vmin, vmax, 5, 0, &ct);

    plot_frame f = {0};
    if (h->extent) {
        /* Data coordinates: the image fills the area (a raster of units x
         * time is not a similarity matrix); y0 is the top edge. */
        f.x = (plot_axis){.lo = h->x0, .hi = h->x1};
        f.y = h->y0 < h->y1 ? (plot_axis){.lo = h->y0, .hi = h->y1, .inverted = 1}
                            : (plot_axis){.lo = h->y1, .hi = h->y0};
        /* Named rows (tasks down, units across) keep their names and fill
         * the area too: row i spans i - 0.5 .. i + 0.5 from the top. */
        if (h->row_names)
            f.y = (plot_axis){.lo = -0.5, .hi = h->rows - 0.5, .inverted = 1, .names = h->row_names,
                              .n_names = h->rows};
        cj_plot_frame_layout(cr, p, cell, cbar_width(cr, h, &ct), 0, 0, h->row_names != NULL, &f);
        draw_image(cr, h, &f.area, vmin, vmax);
        draw_values(cr, h, &f.area, vmin, vmax);
        cj_plot_frame_draw(cr, p, &f);
        draw_cbar(cr, h, &f.area, vmin, vmax, &ct);
        return;
    }
    /* Cell centres sit on integer indices, so ticks label rows/columns,
     * by their names when they have them. */
    f.x = (plot_axis){.lo = -0.5, .hi = h->cols - 0.5, .names = h->col_names, .n_names = h->col_names ? h->cols : 0};
    f.y = (plot_axis){.lo = -0.5, .hi = h->rows - 0.5, .inverted = 1, .names = h->row_names,
                      .n_names = h->row_names ? h->rows : 0};
    double right = cbar_width(cr, h, &ct);
    cj_plot_frame_layout(cr, p, cell, right, 0, 1, 1, &f);
    plot_frame sq = f;
    double side = square_cells(cr, h, &sq);
    /* The layout judged whether column names fit side by side on the
     * unsquared width; a narrower square may need them turned after all. */
    if (h->col_names && !f.x.rotated && cj_plot_widest_name(cr, &f.x) + 8 > side) {
        f.x.rotated = 1;
        cj_plot_frame_layout(cr, p, cell, right, 0, 1, 1, &f);
        sq = f;
        square_cells(cr, h, &sq);
    }
    f = sq;
    if (h->col_names)
        cj_plot_name_ticks(cr, &f.x, f.area.w, 0);
    else
        cj_ticks_linear(f.x.lo, f.x.hi, (int)fmax(3, f.area.w / 60), 1, &f.x.ticks);
    if (h->row_names)
        cj_plot_name_ticks(cr, &f.y, f.area.h, 1);
    else
        cj_ticks_linear(f.y.lo, f.y.hi, (int)fmax(3, f.area.h / 40), 1, &f.y.ticks);

    draw_image(cr, h, &f.area, vmin, vmax);
    draw_values(cr, h, &f.area, vmin, vmax);
    cj_plot_frame_draw(cr, p, &f);
    draw_cbar(cr, h, &f.area, vmin, vmax, &ct);
}
