/* render.c — a whole figure onto any cairo surface (image, SVG, PDF):
 * background, the overall title, and each panel in its cell of the grid,
 * all scaled with the figure's size. */
#include <math.h>

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
        cj_plot_font(cr, PLOT_FONT_SUPTITLE, 1);
        cj_plot_text(cr, fig->title, W / 2, 10, 0.5, 0, 0);
        top = 34;
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
