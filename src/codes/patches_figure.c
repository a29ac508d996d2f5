/* patches_figure.c — 64 example patches before and after whitening, two
 * 8 x 8 grey mosaics side by side with a title over each, drawn with cairo
 * and written atomically. Each patch is shown with its own mean removed
 * (mid-grey), each side on one scale (+-3 RMS of its pixels, clipped), so
 * contrasts compare across patches. */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/io.h"
#include "cajal/patches.h"
#include "../plot/cairo_png.h"

enum { ZOOM_SIDE = 48, GAP = 4, MARGIN = 16, TITLE = 36 };

/* The display scale of one side: 3 x the RMS of its patches' pixels
 * around each patch's mean, so a near-flat patch (a plain background)
 * shows flat instead of having its faint noise stretched to full contrast. */
static double panel_scale(const float *p, int n, int d)
{
    double ss = 0;
    for (int i = 0; i < n; i++) {
        const float *q = p + (size_t)i * d;
        double m = 0;
        for (int j = 0; j < d; j++) m += q[j];
        m /= d;
        for (int j = 0; j < d; j++) ss += (q[j] - m) * (q[j] - m);
    }
    return 3 * sqrt(ss / ((double)n * d));
}

/* One patch at (x0, y0), each pixel a square of z px; value m +- a maps to black..white. */
static void draw_patch(cairo_t *cr, const float *p, int size, double a, double x0, double y0, double z)
{
    double m = 0;
    int d = size * size;
    for (int j = 0; j < d; j++) m += p[j];
    m /= d;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            double v = a > 0 ? 0.5 + 0.5 * (p[y * size + x] - m) / a : 0.5;
            v = v < 0 ? 0 : v > 1 ? 1 : v;
            cairo_set_source_rgb(cr, v, v, v);
            cairo_rectangle(cr, x0 + x * z, y0 + y * z, z + 0.02, z + 0.02);
            cairo_fill(cr);
        }
}

cj_status cj_patches_write_examples(const char *png, const float *before, const float *after, int n, int size,
                                    const char *after_title, cj_error *err)
{
    if (n < 1 || size < 1) return cj_fail(err, CJ_ERR_ARG, "%s: no example patches to draw", png);
    int cols = n < 8 ? n : 8, rows = (n + 7) / 8;
    double z = (double)ZOOM_SIDE / size; /* every patch 48 px wide, whatever its size */
    int grid_w = cols * ZOOM_SIDE + (cols - 1) * GAP, grid_h = rows * ZOOM_SIDE + (rows - 1) * GAP;
    int W = 3 * MARGIN + 2 * grid_w, H = 2 * MARGIN + TITLE + grid_h;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for a %dx%d picture", png, W, H);
    }
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 18);
    for (int side = 0; side < 2; side++) {
        const float *src = side ? after : before;
        double gx = MARGIN + side * (grid_w + MARGIN), gy = MARGIN + TITLE;
        char title[128];
        snprintf(title, sizeof title, "%s", side ? after_title : "patches as cut (grey)");
        cairo_text_extents_t e;
        cairo_text_extents(cr, title, &e);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_move_to(cr, gx + (grid_w - e.x_advance) / 2, MARGIN + 20);
        cairo_show_text(cr, title);
        double a = panel_scale(src, n, size * size);
        for (int i = 0; i < n; i++)
            draw_patch(cr, src + (size_t)i * size * size, size, a, gx + (i % 8) * (ZOOM_SIDE + GAP),
                       gy + (i / 8) * (ZOOM_SIDE + GAP), z);
    }
    cairo_destroy(cr);
    cairo_surface_flush(s);
    cj_status st = cj_cairo_write_png(s, png, err);
    cairo_surface_destroy(s);
    return st;
}
