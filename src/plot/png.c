/* png.c — writing a rendered figure to a PNG file, atomically through
 * cj_atomic_open/commit (temp file + fsync + rename): a viewer refreshing
 * curves.png while `cajal plot` runs sees the old image or the new one,
 * never half of one. */
#include "cajal/io.h"
#include "internal.h"

static cairo_status_t write_chunk(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, (FILE *)closure) == len ? CAIRO_STATUS_SUCCESS
                                                         : CAIRO_STATUS_WRITE_ERROR;
}

cj_status cj_figure_write_png(const cj_figure *fig, const char *path, cj_error *err)
{
    if (!fig || !path || !*path) return cj_fail(err, CJ_ERR_ARG, "write PNG: no figure or path");
    /* RGB24: no alpha channel, so the PNG is smaller and looks the same in
     * every viewer whatever its background. */
    cairo_surface_t *surf =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, fig->width, fig->height);
    cairo_status_t cs = cairo_surface_status(surf);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cj_plot_render(surf, fig, 1.0);
    if (cs != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surf);
        return cj_fail(err, cs == CAIRO_STATUS_NO_MEMORY ? CJ_ERR_NOMEM : CJ_ERR_ARG,
                       "%s: cannot draw %dx%d figure: %s", path, fig->width, fig->height,
                       cairo_status_to_string(cs));
    }
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) {
        cairo_surface_destroy(surf);
        return st;
    }
    cs = cairo_surface_write_to_png_stream(surf, write_chunk, af.f);
    cairo_surface_destroy(surf);
    if (cs != CAIRO_STATUS_SUCCESS) {
        cj_atomic_abort(&af);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot write PNG: %s", path,
                       cairo_status_to_string(cs));
    }
    return cj_atomic_commit(&af, err);
}
