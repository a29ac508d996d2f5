/* render.c — a whole figure onto a cairo image: background, the overall
 * title, and each panel in its cell of the grid. */
#include "internal.h"

cairo_surface_t *cj_plot_render(const cj_figure *fig)
{
    /* RGB24: no alpha channel, so the PNG is smaller and looks the same in
     * every viewer whatever its background. */
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, fig->width, fig->height);
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) return surf;
    cairo_t *cr = cairo_create(surf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    double top = 0;
    if (fig->title[0]) {
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cj_plot_font(cr, PLOT_FONT_SUPTITLE, 1);
        cj_plot_text(cr, fig->title, fig->width / 2.0, 10, 0.5, 0, 0);
        top = 34;
    }
    double cw = (double)fig->width / fig->cols, ch = (fig->height - top) / fig->rows;
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
    cairo_destroy(cr);
    cairo_surface_flush(surf);
    return surf;
}
