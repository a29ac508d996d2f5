/* cairo_png.h — write a drawn cairo image surface to a PNG file atomically
 * (a temporary file, then rename), for the modules that draw their own
 * pictures with cairo (patch grids, dictionaries, maximised images) rather
 * than through a cj_figure. Internal to libcajal: the public headers do not
 * expose cairo. */
#ifndef CJ_PLOT_CAIRO_PNG_H
#define CJ_PLOT_CAIRO_PNG_H

#include <cairo.h>

#include "cajal/status.h"

/* Writes `surface` (an image surface, already flushed) to `path`; on any
 * failure the old file at `path`, if any, is left as it was. */
cj_status cj_cairo_write_png(cairo_surface_t *surface, const char *path, cj_error *err);

/* Show `text` in the current font with its ink centred on x, baseline y. */
void cj_cairo_text_centred(cairo_t *cr, const char *text, double x, double y);

#endif
