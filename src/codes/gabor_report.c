/* gabor_report.c — the receptive-field report of a set of filters
 * (cj_rf_report_write, include/cajal/gabor.h): the fits as gabor.csv, the
 * filters as one grid, the orientation and frequency histograms of the
 * good fits and their tiling of the patch, as Olshausen & Field 1996
 * (Nature 381:607, Fig. 4) and van Hateren & van der Schaaf 1998 (Proc R
 * Soc B 265:359, Figs. 4-6) show theirs. */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/gabor.h"
#include "cajal/io.h"
#include "cajal/plot.h"
#include "cajal/sparsecode.h"
#include "../plot/cairo_png.h"

enum { ORI_BINS = 12, FREQ_BINS = 10 };

static cj_status write_csv(const char *path, const cj_gabor_fit *g, int n, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) return st;
    /* theta in degrees here, the unit people read; radians in the API */
    fprintf(af.f, "index,x0,y0,theta_deg,freq,phase,sigma_along,sigma_across,amplitude,r2\n");
    for (int i = 0; i < n; i++)
        fprintf(af.f, "%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", i, g[i].x0, g[i].y0,
                g[i].theta * 180 / M_PI, g[i].freq, g[i].phase, g[i].sigma_along, g[i].sigma_across,
                g[i].amplitude, g[i].r2);
    return cj_atomic_commit(&af, err);
}

/* Orientation (of the stripes' normal, 15-degree bins over [0, 180)) and
 * frequency (0.05 cycles/pixel bins over [0, 0.5]) histograms. */
static cj_status write_stats(const char *path, const cj_gabor_fit *g, int n, cj_error *err)
{
    double ori[ORI_BINS] = {0}, fr[FREQ_BINS] = {0};
    int good = 0;
    for (int i = 0; i < n; i++) {
        if (!(g[i].r2 >= CJ_GABOR_GOOD_R2)) continue;
        good++;
        int b = (int)(g[i].theta / M_PI * ORI_BINS);
        ori[b < 0 ? 0 : b >= ORI_BINS ? ORI_BINS - 1 : b]++;
        b = (int)(g[i].freq / 0.5 * FREQ_BINS);
        fr[b < 0 ? 0 : b >= FREQ_BINS ? FREQ_BINS - 1 : b]++;
    }
    char on[ORI_BINS][16], fn[FREQ_BINS][16];
    const char *op[ORI_BINS], *fp[FREQ_BINS];
    for (int b = 0; b < ORI_BINS; b++) snprintf(on[b], sizeof on[b], "%d", b * 180 / ORI_BINS), op[b] = on[b];
    for (int b = 0; b < FREQ_BINS; b++) snprintf(fn[b], sizeof fn[b], "%.2f", b * 0.5 / FREQ_BINS), fp[b] = fn[b];
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, 1, 2, 1100, 450, err);
    if (st) return st;
    char title[128];
    snprintf(title, sizeof title, "Gabor fits with R^2 >= %.1f: %d of %d filters", CJ_GABOR_GOOD_R2, good, n);
    cj_figure_set_title(fig, title);
    cj_panel *a = cj_figure_panel(fig, 0, 0), *b = cj_figure_panel(fig, 0, 1);
    cj_panel_set_title(a, "orientation of the carrier");
    cj_panel_set_labels(a, "theta (deg, bin start)", "filters");
    cj_panel_set_title(b, "spatial frequency");
    cj_panel_set_labels(b, "frequency (cycles/pixel, bin start)", "filters");
    /* with no good fit every bar is 0: give the axes a range to draw */
    double top_o = 1, top_f = 1;
    for (int k = 0; k < ORI_BINS; k++) top_o = fmax(top_o, 1.1 * ori[k]);
    for (int k = 0; k < FREQ_BINS; k++) top_f = fmax(top_f, 1.1 * fr[k]);
    cj_panel_set_ylim(a, 0, top_o);
    cj_panel_set_ylim(b, 0, top_f);
    if (!(st = cj_panel_set_categories(a, op, ORI_BINS, err)) &&
        !(st = cj_panel_add_bars(a, ori, NULL, NULL, ORI_BINS, cj_palette(0), NULL, err)) &&
        !(st = cj_panel_set_categories(b, fp, FREQ_BINS, err)) &&
        !(st = cj_panel_add_bars(b, fr, NULL, NULL, FREQ_BINS, cj_palette(1), NULL, err)))
        st = cj_figure_write_png(fig, path, err);
    cj_figure_free(fig);
    return st;
}

/* Fits below this frequency (cycles/pixel: less than one cycle in 20
 * pixels) are blobs: their carrier has no orientation worth drawing. */
#define BLOB_FREQ 0.05

static void frequency_colour(cairo_t *cr, double freq, double alpha)
{
    double t = fmin(fmax(freq / 0.5, 0), 1);
    cairo_set_source_rgba(cr, t, 0.2, 1 - t, alpha);
}

/* Left: each good fit in the S x S square, as Olshausen & Field 1996 (Fig.
 * 4) draw theirs: a bar through (x0, y0) along its stripes (theta + 90
 * degrees), one sigma_along long, or a dot for a blob. Right: the
 * frequency-orientation plane, one point per good fit at radius freq and
 * angle theta (van Hateren & van der Schaaf 1998, Fig. 6): an even tiling
 * fills the half disc. The colour goes from blue (low frequency) to red
 * (0.5 cycles/pixel) in both, with its scale at the bottom. */
static cj_status write_tiling(const char *path, const cj_gabor_fit *g, int n, int S, cj_error *err)
{
    enum { SIDE = 540, M = 40, TOP = 60, GAP = 70, BOTTOM = 80 };
    const int W = 2 * SIDE + 2 * M + GAP, H = TOP + SIDE + BOTTOM;
    double z = (double)SIDE / S;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    int good = 0, blobs = 0;
    for (int i = 0; i < n; i++)
        if (g[i].r2 >= CJ_GABOR_GOOD_R2) good++, blobs += g[i].freq < BLOB_FREQ;
    char text[200];
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    snprintf(text, sizeof text, "%d of %d filters fit with R^2 >= %.1f (%d of them blobs, freq < %.2f cycles/pixel)", good,
             n, CJ_GABOR_GOOD_R2, blobs, BLOB_FREQ);
    cairo_set_font_size(cr, 15);
    cj_cairo_text_centred(cr, text, W / 2.0, 24);
    snprintf(text, sizeof text, "position and orientation in the %d x %d patch (bar: 1 sigma along the stripes)", S, S);
    cairo_set_font_size(cr, 13);
    cj_cairo_text_centred(cr, text, M + SIDE / 2.0, TOP - 10);
    const double px = M + SIDE + GAP, cx0 = px + SIDE / 2.0, cy0 = TOP + SIDE * 0.78, R = SIDE / 2.0 - 10;
    cj_cairo_text_centred(cr, "frequency (radius, cycles/pixel) and orientation (angle, degrees)", cx0, TOP - 10);

    /* the square */
    cairo_set_line_width(cr, 1.5);
    cairo_rectangle(cr, M, TOP, SIDE, SIDE);
    cairo_stroke(cr);
    cairo_save(cr);
    cairo_rectangle(cr, M, TOP, SIDE, SIDE);
    cairo_clip(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_width(cr, 2.5);
    for (int i = 0; i < n; i++) {
        if (!(g[i].r2 >= CJ_GABOR_GOOD_R2)) continue;
        /* pixel centre c sits at (c + 0.5) z from the square's edge */
        double cx = M + (g[i].x0 + 0.5) * z, cy = TOP + (g[i].y0 + 0.5) * z;
        frequency_colour(cr, g[i].freq, 0.8);
        if (g[i].freq < BLOB_FREQ) {
            cairo_arc(cr, cx, cy, 4, 0, 2 * M_PI);
            cairo_fill(cr);
            continue;
        }
        double dx = -0.5 * sin(g[i].theta) * g[i].sigma_along * z, dy = 0.5 * cos(g[i].theta) * g[i].sigma_along * z;
        cairo_move_to(cr, cx - dx, cy - dy);
        cairo_line_to(cr, cx + dx, cy + dy);
        cairo_stroke(cr);
    }
    cairo_restore(cr);

    /* the half disc of frequency (radius, 0 to 0.5) and orientation (angle,
     * theta of the stripes' normal, 0 to 180 degrees counter-clockwise) */
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 1);
    for (int r = 1; r <= 5; r++) {
        cairo_new_sub_path(cr);
        cairo_arc_negative(cr, cx0, cy0, R * r / 5.0, 0, -M_PI);
    }
    cairo_stroke(cr);
    for (int a = 0; a <= 180; a += 30) {
        cairo_move_to(cr, cx0, cy0);
        cairo_line_to(cr, cx0 + R * cos(a * M_PI / 180), cy0 - R * sin(a * M_PI / 180));
    }
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, 12);
    for (int r = 1; r <= 5; r++) {
        snprintf(text, sizeof text, "%.1f", r * 0.1);
        cj_cairo_text_centred(cr, text, cx0 + R * r / 5.0, cy0 + 18);
    }
    for (int a = 0; a <= 180; a += 30) {
        snprintf(text, sizeof text, "%d", a);
        double ca = cos(a * M_PI / 180), sa = sin(a * M_PI / 180);
        cj_cairo_text_centred(cr, text, cx0 + (R + 16) * ca, cy0 - (R + 16) * sa + 4);
    }
    for (int i = 0; i < n; i++) {
        if (!(g[i].r2 >= CJ_GABOR_GOOD_R2)) continue;
        double r = fmin(g[i].freq / 0.5, 1.04) * R, th = fmod(g[i].theta, M_PI);
        if (th < 0) th += M_PI;
        frequency_colour(cr, g[i].freq, 0.85);
        cairo_arc(cr, cx0 + r * cos(th), cy0 - r * sin(th), 4, 0, 2 * M_PI);
        cairo_fill(cr);
    }

    /* the colour scale */
    const double bx = W / 2.0 - 150, by = TOP + SIDE + 30, bw = 300, bh = 12;
    for (int k = 0; k < 100; k++) {
        frequency_colour(cr, 0.5 * (k + 0.5) / 100, 1);
        cairo_rectangle(cr, bx + bw * k / 100, by, bw / 100 + 0.5, bh);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, 12);
    cj_cairo_text_centred(cr, "0", bx, by + bh + 16);
    cj_cairo_text_centred(cr, "0.5", bx + bw, by + bh + 16);
    cj_cairo_text_centred(cr, "spatial frequency (cycles/pixel)", bx + bw / 2, by + bh + 16);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    cj_status st = cj_cairo_write_png(s, path, err);
    cairo_surface_destroy(s);
    return st;
}

typedef enum { CSV, FILTERS, STATS, TILING, NFILES } which;
static const char *const names[NFILES] = {"gabor.csv", "filters.png", "rf_stats.png", "tiling.png"};

cj_status cj_rf_report_write(const char *dir, const float *filters, int n, int size, const char *title,
                             cj_gabor_fit *fits_out_or_NULL, cj_error *err)
{
    if (!dir || !filters || n < 1)
        return cj_fail(err, CJ_ERR_ARG, "receptive-field report: %d filters, NULL directory or filters", n);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return cj_fail(err, CJ_ERR_IO, "%s: not an existing directory", dir);
    cj_gabor_fit *g = fits_out_or_NULL ? fits_out_or_NULL : malloc(sizeof *g * (size_t)n);
    if (!g) return cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for %d fits", dir, n);
    cj_status st = cj_gabor_fit_all(filters, n, size, g, err);
    for (int f = 0; f < NFILES && !st; f++) {
        char *p = cj_path_join(dir, names[f]);
        if (!p) {
            st = cj_fail(err, CJ_ERR_NOMEM, "%s/%s: no memory", dir, names[f]);
            break;
        }
        switch ((which)f) {
        case CSV: st = write_csv(p, g, n, err); break;
        case FILTERS: st = cj_sc_write_grid(p, filters, n, size, title ? title : "filters", err); break;
        case STATS: st = write_stats(p, g, n, err); break;
        case TILING: st = write_tiling(p, g, n, size, err); break;
        case NFILES: break;
        }
        free(p);
    }
    if (g != fits_out_or_NULL) free(g);
    return st;
}
