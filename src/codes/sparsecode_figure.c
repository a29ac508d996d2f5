/* sparsecode_figure.c — the dictionary as a grid of grey squares (each
 * atom on its own symmetric scale, zero mid-grey, as Olshausen & Field
 * 1996 Fig. 4 show theirs) and the coefficient histogram against a
 * Gaussian of the same variance, the sparseness at a glance. */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cajal/io.h"
#include "cajal/sparsecode.h"
#include "../plot/cairo_png.h"

enum { GAP = 3, MARGIN = 12, TITLE = 34 };

cj_status cj_sc_write_grid(const char *png, const float *atoms, int n, int size, const char *title, cj_error *err)
{
    if (n < 1 || size < 1) return cj_fail(err, CJ_ERR_ARG, "%s: %d atoms of side %d", png, n, size);
    int cols = (int)ceil(sqrt((double)n)), rows = (n + cols - 1) / cols;
    int z = size <= 8 ? 6 : size <= 16 ? 3 : 2; /* pixels per atom pixel */
    int side = size * z, W = 2 * MARGIN + cols * side + (cols - 1) * GAP;
    int H = TITLE + MARGIN + rows * side + (rows - 1) * GAP;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 15);
    cairo_text_extents_t te;
    cairo_text_extents(cr, title, &te);
    cairo_move_to(cr, (W - te.width) / 2, 23);
    cairo_show_text(cr, title);
    int d = size * size;
    for (int a = 0; a < n; a++) {
        const float *p = atoms + (size_t)a * d;
        double mx = 0;
        for (int i = 0; i < d; i++) mx = fmax(mx, fabs(p[i]));
        if (mx == 0) mx = 1;
        double x0 = MARGIN + (a % cols) * (side + GAP), y0 = TITLE + (a / cols) * (side + GAP);
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++) {
                double v = 0.5 + 0.5 * p[r * size + c] / mx;
                cairo_set_source_rgb(cr, v, v, v);
                cairo_rectangle(cr, x0 + c * z, y0 + r * z, z, z);
                cairo_fill(cr);
            }
    }
    cairo_destroy(cr);
    cairo_surface_flush(s);
    cj_status st = cj_cairo_write_png(s, png, err);
    cairo_surface_destroy(s);
    return st;
}
