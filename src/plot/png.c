/* png.c — writing a rendered figure to a PNG file atomically.
 *
 * The image goes to "<path>.tmp.<pid>" in the same directory, is flushed
 * and fsynced, then renamed over `path`: a viewer refreshing the file while
 * `cajal plot` runs sees the old image or the new one, never half of one.
 * (cj_atomic_open in src/io does the same for other files; plot keeps its
 * own few lines so the figure code needs nothing outside cairo.) */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static cairo_status_t write_chunk(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, (FILE *)closure) == len ? CAIRO_STATUS_SUCCESS
                                                         : CAIRO_STATUS_WRITE_ERROR;
}

cj_status cj_figure_write_png(const cj_figure *fig, const char *path, cj_error *err)
{
    if (!fig || !path || !*path) return cj_fail(err, CJ_ERR_ARG, "write PNG: no figure or path");
    cairo_surface_t *surf = cj_plot_render(fig);
    cairo_status_t cs = cairo_surface_status(surf);
    if (cs != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surf);
        return cj_fail(err, cs == CAIRO_STATUS_NO_MEMORY ? CJ_ERR_NOMEM : CJ_ERR_ARG,
                       "%s: cannot draw %dx%d figure: %s", path, fig->width, fig->height,
                       cairo_status_to_string(cs));
    }

    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        cairo_surface_destroy(surf);
        return cj_fail(err, CJ_ERR_ARG, "%.100s...: path too long", path);
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        int e = errno;
        cairo_surface_destroy(surf);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot create: %s", tmp, strerror(e));
    }
    cs = cairo_surface_write_to_png_stream(surf, write_chunk, f);
    cairo_surface_destroy(surf);
    int e = 0;
    if (cs == CAIRO_STATUS_SUCCESS && (fflush(f) != 0 || fsync(fileno(f)) != 0)) e = errno;
    if (fclose(f) != 0 && !e && cs == CAIRO_STATUS_SUCCESS) e = errno;
    if (cs != CAIRO_STATUS_SUCCESS || e) {
        unlink(tmp);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot write: %s", tmp,
                       e ? strerror(e) : cairo_status_to_string(cs));
    }
    if (rename(tmp, path) != 0) {
        e = errno;
        unlink(tmp);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot rename %s over it: %s", path, tmp,
                       strerror(e));
    }
    return CJ_OK;
}
