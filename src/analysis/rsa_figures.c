/* rsa_figures.c — the figures of `cajal rsa` (cj_rsa_figures in
 * rsa_report.h), drawn with cairo: the RDMs as heat maps of their
 * percentiles with category colour bars (as Kriegeskorte et al. 2008 show
 * them), the layer-by-region fit with 95% intervals and the noise-ceiling
 * band, and a classical MDS of the stimuli with thumbnails. */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/plot.h"
#include "cajal/rsa_report.h"

/* viridis at 5 stops, linearly interpolated */
static void viridis(double t, double *rgb)
{
    static const double s[5][3] = {{0.267, 0.005, 0.329}, {0.230, 0.322, 0.546}, {0.128, 0.567, 0.551},
                                   {0.369, 0.789, 0.383}, {0.993, 0.906, 0.144}};
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    int i = t >= 1 ? 3 : (int)(t * 4);
    double f = t * 4 - i;
    for (int c = 0; c < 3; c++) rgb[c] = s[i][c] + f * (s[i + 1][c] - s[i][c]);
}

/* Colour index per stimulus: the order categories first appear in. */
static int category_colours(const char *const *cat, int n, int *idx, const char **names, int max)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        int j = 0;
        while (j < k && strcmp(names[j], cat[i])) j++;
        if (j == k && k < max) names[k++] = cat[i];
        idx[i] = j < max ? j : max - 1;
    }
    return k;
}

static cj_status save(cairo_surface_t *s, const char *dir, const char *name, cj_error *err)
{
    char *path = cj_path_join(dir, name);
    cj_status st = CJ_OK;
    if (!path || cairo_surface_write_to_png(s, path) != CAIRO_STATUS_SUCCESS)
        st = cj_fail(err, CJ_ERR_IO, "%s: cannot write this figure", path ? path : name);
    free(path);
    cairo_surface_destroy(s);
    return st;
}

static void text(cairo_t *cr, double x, double y, double size, const char *s, double align)
{
    cairo_set_font_size(cr, size);
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - align * e.x_advance, y);
    cairo_show_text(cr, s);
}

/* One RDM as percentiles (rank / pairs) in a size x size square at (x, y). */
static void draw_rdm(cairo_t *cr, const double *rdm, int n, double x, double y, double size, const int *cidx,
                     const char *title)
{
    size_t len = cj_rdm_len(n);
    double *pct = malloc(sizeof(double) * len);
    size_t *ord = malloc(sizeof(size_t) * len);
    if (!pct || !ord) {
        free(pct);
        free(ord);
        return;
    }
    /* percentile of each entry: its rank among the pairs (ties rare) */
    for (size_t i = 0; i < len; i++) ord[i] = i;
    for (size_t i = 0; i < len; i++) { /* counting rank: O(len log len) via qsort would need a comparator context */
        pct[i] = 0;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < len; i++) {
        if (rdm[i] < lo) lo = rdm[i];
        if (rdm[i] > hi) hi = rdm[i];
    }
    /* rank by a histogram of 4096 bins: enough for a colour scale */
    enum { BINS = 4096 };
    static const int bins = BINS;
    double cum[BINS + 1];
    memset(cum, 0, sizeof cum);
    double span = hi > lo ? hi - lo : 1;
    for (size_t i = 0; i < len; i++) cum[1 + (int)fmin(bins - 1, (rdm[i] - lo) / span * bins)] += 1;
    for (int b = 1; b <= bins; b++) cum[b] += cum[b - 1];
    double cell = size / n, rgb[3];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double t = 0;
            if (i != j) {
                double v = rdm[cj_rdm_index(n, i, j)];
                int b = (int)fmin(bins - 1, (v - lo) / span * bins);
                t = (cum[b] + 0.5 * (cum[b + 1] - cum[b])) / len;
            }
            viridis(t, rgb);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_rectangle(cr, x + j * cell, y + i * cell, cell + 0.5, cell + 0.5);
            cairo_fill(cr);
        }
    if (cidx) {
        for (int i = 0; i < n; i++) {
            cj_rgb c = cj_palette(cidx[i]);
            cairo_set_source_rgb(cr, c.r, c.g, c.b);
            cairo_rectangle(cr, x - 8, y + i * cell, 6, cell + 0.5);
            cairo_rectangle(cr, x + i * cell, y - 8, cell + 0.5, 6);
            cairo_fill(cr);
        }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, x + size / 2, y - 14, 14, title, 0.5);
    free(pct);
    free(ord);
}

static cj_status fig_rdms(const cj_rsa_figure_data *d, const cj_rsa_brain *b, const int *cidx, const char **cnames,
                          int nc, const char *dir, cj_error *err)
{
    int panels = d->n_regions + d->n_layers, cols = panels < 6 ? panels : 6, rows = (panels + cols - 1) / cols;
    double size = 200, pad = 40;
    int W = (int)(cols * (size + pad) + pad + 170), H = (int)(rows * (size + pad + 10) + pad + 20);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    for (int p = 0; p < panels; p++) {
        double x = pad + (p % cols) * (size + pad), y = pad + 10 + (p / cols) * (size + pad + 10);
        const double *rdm = p < d->n_regions ? b->rdm[p] : d->layer_rdm[p - d->n_regions];
        const char *title = p < d->n_regions ? b->names[p] : d->layers[p - d->n_regions];
        draw_rdm(cr, rdm, d->n, x, y, size, cidx, title);
    }
    /* legend: categories and the colour scale */
    double lx = pad + cols * (size + pad) - 10, ly = pad + 20;
    for (int k = 0; k < nc; k++) {
        cj_rgb c = cj_palette(k);
        cairo_set_source_rgb(cr, c.r, c.g, c.b);
        cairo_rectangle(cr, lx, ly + 18 * k - 10, 12, 12);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, lx + 18, ly + 18 * k, 12, cnames[k], 0);
    }
    ly += 18 * nc + 20;
    double rgb[3];
    for (int i = 0; i < 100; i++) {
        viridis(1 - i / 99.0, rgb);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_rectangle(cr, lx, ly + i * 1.2, 14, 1.3);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, lx + 20, ly + 10, 11, "100th percentile", 0);
    text(cr, lx + 20, ly + 120, 11, "0 (similar)", 0);
    text(cr, lx, ly + 140, 11, "dissimilarity", 0);
    cairo_destroy(cr);
    return save(s, dir, "rsa_rdms.png", err);
}

static cj_status fig_fit(const cj_rsa_figure_data *d, const cj_rsa_brain *b, const char *dir, cj_error *err)
{
    int L = d->n_layers, R = d->n_regions;
    int W = 160 + L * (24 * R + 24) + 160 > 700 ? 160 + L * (24 * R + 24) + 160 : 700, H = 480;
    double x0 = 80, x1 = W - 170, y0 = 40, y1 = H - 130;
    double lo = 0, hi = 0.05;
    for (int i = 0; i < L * R; i++) {
        if (isfinite(d->ci[2 * i + 1]) && d->ci[2 * i + 1] > hi) hi = d->ci[2 * i + 1];
        if (isfinite(d->ci[2 * i]) && d->ci[2 * i] < lo) lo = d->ci[2 * i];
    }
    for (int r = 0; r < R; r++)
        if (isfinite(d->ceiling[2 * r + 1]) && d->ceiling[2 * r + 1] > hi) hi = d->ceiling[2 * r + 1];
    hi *= 1.08;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
#define Y(v) (y1 - ((v) - lo) / (hi - lo) * (y1 - y0))
    /* noise-ceiling bands (grey) behind everything */
    for (int r = 0; r < R; r++)
        if (isfinite(d->ceiling[2 * r])) {
            cairo_set_source_rgba(cr, 0.5, 0.5, 0.5, 0.3);
            cairo_rectangle(cr, x0, Y(d->ceiling[2 * r + 1]), x1 - x0, Y(d->ceiling[2 * r]) - Y(d->ceiling[2 * r + 1]));
            cairo_fill(cr);
        }
    cj_ticks t;
    cj_ticks_linear(lo, hi, 6, 0, &t);
    cairo_set_line_width(cr, 1);
    for (int i = 0; i < t.n; i++) {
        char buf[32];
        cj_tick_label(t.v[i], t.step, buf, sizeof buf);
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
        cairo_move_to(cr, x0, Y(t.v[i]));
        cairo_line_to(cr, x1, Y(t.v[i]));
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, x0 - 6, Y(t.v[i]) + 4, 12, buf, 1);
    }
    double group = (x1 - x0) / L, bw = group * 0.8 / R;
    for (int l = 0; l < L; l++) {
        for (int r = 0; r < R; r++) {
            double v = d->fit[l * R + r], x = x0 + l * group + group * 0.1 + r * bw;
            cj_rgb c = cj_palette(r);
            if (isfinite(v)) {
                cairo_set_source_rgb(cr, c.r, c.g, c.b);
                cairo_rectangle(cr, x + 1, fmin(Y(v), Y(0)), bw - 2, fabs(Y(v) - Y(0)));
                cairo_fill(cr);
            }
            double a = d->ci[2 * (l * R + r)], z = d->ci[2 * (l * R + r) + 1];
            if (isfinite(a) && isfinite(z)) {
                cairo_set_source_rgb(cr, 0, 0, 0);
                cairo_set_line_width(cr, 1.5);
                cairo_move_to(cr, x + bw / 2, Y(a));
                cairo_line_to(cr, x + bw / 2, Y(z));
                cairo_move_to(cr, x + bw / 2 - 3, Y(a));
                cairo_line_to(cr, x + bw / 2 + 3, Y(a));
                cairo_move_to(cr, x + bw / 2 - 3, Y(z));
                cairo_line_to(cr, x + bw / 2 + 3, Y(z));
                cairo_stroke(cr);
            }
        }
        cairo_save(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_translate(cr, x0 + (l + 0.5) * group + 4, y1 + 8);
        cairo_rotate(cr, M_PI / 4);
        text(cr, 0, 0, 12, d->layers[l], 0);
        cairo_restore(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1.2);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x0, y1);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
    char ylab[96];
    snprintf(ylab, sizeof ylab, "RDM fit (%s)", d->measure);
    cairo_save(cr);
    cairo_translate(cr, 24, (y0 + y1) / 2);
    cairo_rotate(cr, -M_PI / 2);
    text(cr, 0, 0, 14, ylab, 0.5);
    cairo_restore(cr);
    text(cr, (x0 + x1) / 2, 24, 15, "Model layers vs brain regions (95% bootstrap intervals over stimuli)", 0.5);
    for (int r = 0; r < R; r++) {
        cj_rgb c = cj_palette(r);
        cairo_set_source_rgb(cr, c.r, c.g, c.b);
        cairo_rectangle(cr, x1 + 15, y0 + 22 * r, 14, 14);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, x1 + 35, y0 + 22 * r + 12, 12, b->names[r], 0);
    }
    cairo_set_source_rgba(cr, 0.5, 0.5, 0.5, 0.3);
    cairo_rectangle(cr, x1 + 15, y0 + 22 * R, 14, 14);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, x1 + 35, y0 + 22 * R + 12, 12, "noise ceiling", 0);
#undef Y
    cairo_destroy(cr);
    return save(s, dir, "rsa_fit.png", err);
}

static void thumb(cairo_t *cr, const cj_image *im, double cx, double cy, double side)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, im->w, im->h);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++) {
            const float *p = im->rgb + ((size_t)y * im->w + x) * 3;
            uint32_t v = 0;
            for (int c = 0; c < 3; c++) v = v << 8 | (uint32_t)(fminf(fmaxf(p[c], 0), 1) * 255 + 0.5f);
            ((uint32_t *)(data + (size_t)y * stride))[x] = v;
        }
    cairo_surface_mark_dirty(s);
    double k = side / (im->w > im->h ? im->w : im->h);
    cairo_save(cr);
    cairo_translate(cr, cx - im->w * k / 2, cy - im->h * k / 2);
    cairo_scale(cr, k, k);
    cairo_set_source_surface(cr, s, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(s);
}

static cj_status fig_mds(const cj_rsa_figure_data *d, const cj_rsa_brain *b, const int *cidx, const char *dir,
                         cj_error *err)
{
    /* the last region (human IT for the 92 images) and the layer closest to it */
    int R = d->n_regions, best = 0;
    for (int l = 1; l < d->n_layers; l++)
        if (d->fit[l * R + R - 1] > d->fit[best * R + R - 1]) best = l;
    const double *rdm[2] = {b->rdm[R - 1], d->layer_rdm[best]};
    const char *title[2] = {b->names[R - 1], d->layers[best]};
    double *xy = malloc(sizeof(double) * 2 * d->n);
    if (!xy) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    int W = 1100, H = 560;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cj_status st = CJ_OK;
    for (int p = 0; p < 2 && !st; p++) {
        if ((st = cj_rsa_mds(rdm[p], d->n, xy, err))) break;
        double mx = 1e-12;
        for (int i = 0; i < 2 * d->n; i++) mx = fmax(mx, fabs(xy[i]));
        double cx = 275 + 550 * p, cy = 295, half = 230;
        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_rectangle(cr, cx - half - 14, cy - half - 14, 2 * half + 28, 2 * half + 28);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        for (int i = 0; i < d->n; i++) {
            double x = cx + xy[2 * i] / mx * half, y = cy - xy[2 * i + 1] / mx * half;
            if (b->images.n == d->n) {
                thumb(cr, &b->images.img[i], x, y, 26);
                if (cidx) {
                    cj_rgb c = cj_palette(cidx[i]);
                    cairo_set_source_rgb(cr, c.r, c.g, c.b);
                    cairo_set_line_width(cr, 2);
                    cairo_rectangle(cr, x - 13, y - 13, 26, 26);
                    cairo_stroke(cr);
                }
            } else {
                cj_rgb c = cj_palette(cidx ? cidx[i] : 0);
                cairo_set_source_rgb(cr, c.r, c.g, c.b);
                cairo_arc(cr, x, y, 5, 0, 2 * M_PI);
                cairo_fill(cr);
            }
        }
        char buf[160];
        snprintf(buf, sizeof buf, "MDS of %s%s", title[p], p ? " (best-fitting layer)" : "");
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, cx, 30, 15, buf, 0.5);
    }
    free(xy);
    cairo_destroy(cr);
    if (st) {
        cairo_surface_destroy(s);
        return st;
    }
    return save(s, dir, "rsa_mds.png", err);
}

cj_status cj_rsa_figures(const cj_rsa_figure_data *d, const cj_rsa_brain *b, const char *dir, cj_error *err)
{
    const char *const *cat = d->categories ? d->categories
                             : b->images.category && b->images.n == d->n ? (const char *const *)b->images.category
                                                                         : NULL;
    int *cidx = cat ? malloc(sizeof(int) * d->n) : NULL;
    const char *cnames[10];
    int nc = cidx ? category_colours(cat, d->n, cidx, cnames, 10) : 0;
    cj_status st = fig_rdms(d, b, cidx, cnames, nc, dir, err);
    if (!st) st = fig_fit(d, b, dir, err);
    if (!st) st = fig_mds(d, b, cidx, dir, err);
    free(cidx);
    return st;
}

cj_status cj_rsa_mds(const double *rdm, int n, double *xy, cj_error *err)
{
    double *B = malloc(sizeof(double) * n * n), *v = malloc(sizeof(double) * n), *u = malloc(sizeof(double) * n);
    if (!B || !v || !u) {
        free(B);
        free(v);
        free(u);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    /* B = -1/2 J D^2 J: double centring of the squared dissimilarities */
    cj_rdm_to_square(rdm, n, B);
    for (int i = 0; i < n * n; i++) B[i] = -0.5 * B[i] * B[i];
    for (int i = 0; i < n; i++) {
        double m = 0;
        for (int j = 0; j < n; j++) m += B[i * n + j];
        v[i] = m / n;
    }
    double all = 0;
    for (int i = 0; i < n; i++) all += v[i];
    all /= n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) B[i * n + j] += all - v[i] - v[j];
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < n; i++) v[i] = 1.0 + 0.01 * ((i * 7919 + k * 104729) % 97);
        double lambda = 0;
        for (int it = 0; it < 1000; it++) {
            double norm = 0;
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < n; j++) s += B[i * n + j] * v[j];
                u[i] = s;
                norm += s * s;
            }
            norm = sqrt(norm);
            if (norm == 0) break;
            for (int i = 0; i < n; i++) v[i] = u[i] / norm;
            lambda = norm;
        }
        double sc = sqrt(fmax(lambda, 0));
        for (int i = 0; i < n; i++) xy[2 * i + k] = v[i] * sc;
        /* deflate */
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) B[i * n + j] -= lambda * v[i] * v[j];
    }
    free(B);
    free(v);
    free(u);
    return CJ_OK;
}
