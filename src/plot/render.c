/* render.c — a whole figure onto any cairo surface (image, SVG, PDF):
 * background, the overall title, and each panel in its cell of the grid,
 * all scaled with the figure's size. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

double cj_figure_scale(int width, int height, int rows, int cols)
{
    if (rows < 1) rows = 1;
    if (cols < 1) cols = 1;
    /* The smaller of the two ratios, so that text sized for a reference
     * panel still fits the panel's short side: a wide, low strip keeps
     * its text size instead of growing text that would not fit in height. */
    double s = fmin((double)width / cols / PLOT_REF_W, (double)height / rows / PLOT_REF_H);
    return s > PLOT_SCALE_MIN ? s : PLOT_SCALE_MIN;
}

/* The largest bold size, at most `size`, at which s is at most max_w wide:
 * text does not scale exactly with the font size (hinting), so the ratio
 * is applied again until it fits. */
static double fitting_size(cairo_t *cr, const char *s, double size, double max_w)
{
    for (int i = 0; i < 4; i++) {
        cj_plot_font(cr, size, 1);
        double w = cj_plot_text_width(cr, s);
        if (w <= max_w || w <= 0) break;
        size *= 0.99 * max_w / w;
    }
    return size;
}

/* The figure's title, bold, centred at the top: at its size when it fits
 * the width, else shrunk (to 70% at most), else in two lines split at the
 * space nearest its middle, both at the size that fits the longer. A long
 * title on a narrow figure (one panel, a long layer name) is never cut at
 * the edges. Returns the height the title takes. */
static double draw_title(cairo_t *cr, const char *title, double W)
{
    const double max_w = W - 24, size = PLOT_FONT_SUPTITLE;
    double one = fitting_size(cr, title, size, max_w);
    size_t len = strlen(title), cut = 0;
    if (one < 0.7 * size) /* the space nearest the middle */
        for (size_t i = 1; i + 1 < len; i++)
            if (title[i] == ' ' && (!cut || labs((long)(2 * i) - (long)len) < labs((long)(2 * cut) - (long)len)))
                cut = i;
    if (!cut) {
        cj_plot_font(cr, one, 1);
        cj_plot_text(cr, title, W / 2, 10, 0.5, 0, 0);
        return 34;
    }
    char first[PLOT_TITLE_MAX];
    snprintf(first, sizeof first, "%.*s", (int)cut, title);
    const char *second = title + cut + 1;
    double fit = fmin(fitting_size(cr, first, size, max_w), fitting_size(cr, second, size, max_w));
    cj_plot_font(cr, fit, 1);
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    double line = fe.ascent + fe.descent + 2;
    cj_plot_text(cr, first, W / 2, 10, 0.5, 0, 0);
    cj_plot_text(cr, second, W / 2, 10 + line, 0.5, 0, 0);
    return 34 + line;
}

cairo_status_t cj_plot_render(cairo_surface_t *surf, const cj_figure *fig, double unit)
{
    cairo_t *cr = cairo_create(surf);
    double scale = cj_figure_scale(fig->width, fig->height, fig->rows, fig->cols);
    cairo_scale(cr, scale * unit, scale * unit);
    /* From here on everything is in figure units; the figure is W x H. */
    double W = fig->width / scale, H = fig->height / scale;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    double top = 0;
    if (fig->title[0]) {
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        top = draw_title(cr, fig->title, W);
    }
    double cw = W / fig->cols, ch = (H - top) / fig->rows;
    for (int r = 0; r < fig->rows; r++) {
        for (int c = 0; c < fig->cols; c++) {
            const cj_panel *p = &fig->panels[r * fig->cols + c];
            plot_rect cell = {c * cw, top + r * ch, cw, ch};
            cairo_save(cr);
            cairo_rectangle(cr, cell.x, cell.y, cell.w, cell.h);
            cairo_clip(cr);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            if (p->heat)
                cj_plot_draw_heatmap(cr, p, cell);
            else if (p->n_series > 0 || p->title[0])
                cj_plot_draw_lines(cr, p, cell);
            cairo_restore(cr);
        }
    }
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_flush(surf);
    return cs;
}
