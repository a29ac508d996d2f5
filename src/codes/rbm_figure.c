/* rbm_figure.c — samples.png: Gibbs chains as rows of images, one column
 * per step shown, headed by the step, each row labelled by where its chain
 * started. Pixels are p(v = 1 | h), black 0 to white 1, as RBM samples are
 * usually shown (Hinton 2010, sec. 15). */
#include <cairo.h>
#include <math.h>
#include <stdio.h>

#include "cajal/rbm.h"
#include "../plot/cairo_png.h"

enum { GAP = 4, MARGIN = 14, TITLE = 40, HEAD = 24, ZOOM = 3 };

cj_status cj_rbm_write_chains(const char *png, const float *images, int chains, int cols, int side,
                              const char *const *col_labels, const char *const *row_labels, const char *title,
                              cj_error *err)
{
    if (chains < 1 || cols < 1 || side < 1)
        return cj_fail(err, CJ_ERR_ARG, "%s: %d chains of %d images of side %d", png, chains, cols, side);
    const int cell = side * ZOOM, label_w = row_labels ? 110 : 0;
    const int W = 2 * MARGIN + label_w + cols * cell + (cols - 1) * GAP;
    const int H = TITLE + HEAD + MARGIN + chains * cell + (chains - 1) * GAP;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 16);
    cj_cairo_text_centred(cr, title, W / 2.0, 26);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 13);
    const double x0 = MARGIN + label_w, y0 = TITLE + HEAD;
    for (int j = 0; j < cols; j++)
        if (col_labels) cj_cairo_text_centred(cr, col_labels[j], x0 + j * (cell + GAP) + cell / 2.0, y0 - 8);
    const int d = side * side;
    for (int r = 0; r < chains; r++) {
        const double y = y0 + r * (cell + GAP);
        if (row_labels && row_labels[r]) {
            cairo_set_source_rgb(cr, 0, 0, 0);
            cairo_move_to(cr, MARGIN, y + cell / 2.0 + 5);
            cairo_show_text(cr, row_labels[r]);
        }
        for (int j = 0; j < cols; j++) {
            const float *p = images + ((size_t)r * cols + j) * d;
            const double x = x0 + j * (cell + GAP);
            for (int a = 0; a < side; a++)
                for (int b = 0; b < side; b++) {
                    double v = p[a * side + b];
                    v = v < 0 ? 0 : v > 1 ? 1 : v;
                    cairo_set_source_rgb(cr, v, v, v);
                    cairo_rectangle(cr, x + b * ZOOM, y + a * ZOOM, ZOOM, ZOOM);
                    cairo_fill(cr);
                }
        }
    }
    cairo_destroy(cr);
    cairo_surface_flush(s);
    cj_status st = cj_cairo_write_png(s, png, err);
    cairo_surface_destroy(s);
    return st;
}
