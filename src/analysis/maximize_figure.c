/* maximize_figure.c — the pictures of activation maximisation
 * (include/cajal/maximize.h): one image enlarged with nearest pixels, or a
 * grid of them with a label above and a note under each, drawn with cairo
 * and written atomically (a temp file, then rename). */
#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cajal/io.h"
#include "cajal/maximize.h"
#include "../plot/cairo_png.h"

/* Largest picture side, px: a grid of 64 units at zoom 8 is 4,000 px wide;
 * more is a mistake, not a figure. */
enum { MAX_SIDE = 16384 };

static uint8_t byte(float p) { return (uint8_t)lrintf(255.0f * (p < 0 ? 0 : p > 1 ? 1 : p)); }

/* The image [C, H, W] (C = 1 or 3) as an H x W cairo surface; NULL when
 * out of memory. */
static cairo_surface_t *image_surface(const float *px, int C, int H, int W)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return NULL;
    }
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    size_t plane = (size_t)H * W;
    for (int y = 0; y < H; y++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * stride);
        for (int x = 0; x < W; x++) {
            size_t i = (size_t)y * W + x;
            uint8_t r = byte(px[i]), g = C == 3 ? byte(px[plane + i]) : r, b = C == 3 ? byte(px[2 * plane + i]) : r;
            row[x] = ((uint32_t)r << 16) | ((uint32_t)g << 8) | b;
        }
    }
    cairo_surface_mark_dirty(s);
    return s;
}

static cj_status check_picture(const char *path, int C, int H, int W, int zoom, cj_error *err)
{
    if (C != 1 && C != 3)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: images of %d channels cannot be drawn (1 grey or 3 RGB)", path, C);
    if (H < 1 || W < 1 || zoom < 1 || zoom > MAX_SIDE || H > MAX_SIDE / zoom || W > MAX_SIDE / zoom)
        return cj_fail(err, CJ_ERR_ARG, "%s: a %dx%d image enlarged %d times is more than %d px a side", path, H, W,
                       zoom, MAX_SIDE);
    return CJ_OK;
}

/* Paint the H x W image at (x, y), each pixel a zoom x zoom square. */
static void paint_image(cairo_t *cr, cairo_surface_t *img, double x, double y, int zoom)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, zoom, zoom);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
}

cj_status cj_maximize_write_png(const char *path, const float *pixels, int C, int H, int W, int zoom,
                                cj_error *err)
{
    cj_status st = check_picture(path, C, H, W, zoom, err);
    if (st) return st;
    cairo_surface_t *img = image_surface(pixels, C, H, W);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W * zoom, H * zoom);
    if (!img || cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        if (img) cairo_surface_destroy(img);
        cairo_surface_destroy(s);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for a %dx%d picture", path, W * zoom, H * zoom);
    }
    cairo_t *cr = cairo_create(s);
    paint_image(cr, img, 0, 0, zoom);
    cairo_destroy(cr);
    st = cj_cairo_write_png(s, path, err);
    cairo_surface_destroy(s);
    cairo_surface_destroy(img);
    return st;
}

/* Line `i` of text (lines split at '\n') into buf; 0 when there is none. */
static int line_of(const char *text, int i, char *buf, size_t cap)
{
    for (; i > 0 && text; i--) {
        text = strchr(text, '\n');
        if (text) text++;
    }
    if (!text) return 0;
    size_t len = strcspn(text, "\n");
    snprintf(buf, cap, "%.*s", (int)(len < cap ? len : cap - 1), text);
    return 1;
}

static int count_lines(const char *text)
{
    int n = 1;
    for (; *text; text++) n += *text == '\n';
    return n;
}

/* The largest font size up to `size` at which every line of the n texts
 * fits `width`, so that all labels of a grid share one size. */
static double fit_size(cairo_t *cr, const char *const *texts, int n, double size, double width)
{
    double fit = size;
    char line[256];
    cairo_set_font_size(cr, size);
    for (int k = 0; texts && k < n; k++)
        for (int i = 0; texts[k] && line_of(texts[k], i, line, sizeof line); i++) {
            cairo_text_extents_t e;
            cairo_text_extents(cr, line, &e);
            if (e.x_advance > width) fit = fmin(fit, size * width / e.x_advance);
        }
    return fit;
}

/* Text centred on x, its first baseline at y and each further line `step`
 * lower, at `size` (shrunk to fit `width`). */
static void centred(cairo_t *cr, const char *s, double x, double y, double size, double width, double step)
{
    size = fit_size(cr, &s, 1, size, width);
    cairo_set_font_size(cr, size);
    char line[256];
    for (int i = 0; line_of(s, i, line, sizeof line); i++) {
        cairo_text_extents_t e;
        cairo_text_extents(cr, line, &e);
        cairo_move_to(cr, x - e.x_advance / 2, y + i * step);
        cairo_show_text(cr, line);
    }
}

/* Columns of the grid: one row up to 6 images, two rows of 5 for the ten
 * classes of an MNIST-like read-out, 8 a row past that. */
static int grid_cols(int n) { return n <= 6 ? n : n <= 10 ? 5 : 8; }

cj_status cj_maximize_write_grid(const char *path, const float *pixels, int n, int C, int H, int W, int zoom,
                                 const char *title, const char *const *labels, const char *const *notes,
                                 cj_error *err)
{
    cj_status st = check_picture(path, C, H, W, zoom, err);
    if (st) return st;
    if (n < 1 || n > 4096) return cj_fail(err, CJ_ERR_ARG, "%s: %d images: a grid holds 1 to 4096", path, n);
    int cols = grid_cols(n), rows = (n + cols - 1) / cols;
    int note_lines = 0;
    for (int k = 0; notes && k < n; k++)
        if (notes[k] && count_lines(notes[k]) > note_lines) note_lines = count_lines(notes[k]);
    double pad = 14, label = 22, note = note_lines ? 4 + 15 * note_lines : 0, head = title && *title ? 34 : 4;
    double cw = W * zoom + pad, ch = H * zoom + label + note + pad;
    double fw = pad + cols * cw, fh = head + rows * ch + pad / 2;
    if (fw > MAX_SIDE || fh > MAX_SIDE)
        return cj_fail(err, CJ_ERR_ARG, "%s: a grid of %d images of %dx%d enlarged %d times is more than %d px a side",
                       path, n, H, W, zoom, MAX_SIDE);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(fw), (int)ceil(fh));
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for a %.0fx%.0f grid", path, fw, fh);
    }
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    if (title && *title) {
        cairo_set_source_rgb(cr, 0, 0, 0);
        centred(cr, title, fw / 2, 24, 16, fw - 2 * pad, 0);
    }
    size_t size = (size_t)C * H * W;
    double label_pt = fit_size(cr, labels, n, 14, W * zoom), note_pt = fit_size(cr, notes, n, 12, W * zoom);
    for (int k = 0; k < n && !st; k++) {
        double x = pad + (k % cols) * cw, y = head + (k / cols) * ch;
        double ix = x, iy = y + label, side_w = W * zoom, side_h = H * zoom;
        cairo_surface_t *img = image_surface(pixels + k * size, C, H, W);
        if (!img) {
            st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        paint_image(cr, img, ix, iy, zoom);
        cairo_surface_destroy(img);
        /* a thin frame, so a white image stays visible on the white page */
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_set_line_width(cr, 1);
        cairo_rectangle(cr, ix - 0.5, iy - 0.5, side_w + 1, side_h + 1);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        if (labels && labels[k]) centred(cr, labels[k], ix + side_w / 2, y + label - 6, label_pt, side_w, 0);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        if (notes && notes[k]) centred(cr, notes[k], ix + side_w / 2, iy + side_h + 15, note_pt, side_w, 15);
    }
    cairo_destroy(cr);
    if (!st) st = cj_cairo_write_png(s, path, err);
    cairo_surface_destroy(s);
    return st;
}
