/* chart.c — building figures: the grid of panels, their settings and the
 * data they hold. Drawing lives in render.c, line.c and heatmap.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

cj_rgb cj_palette(int i)
{
    /* matplotlib's tab10: distinct for most colour-blind readers and on
     * print, in the order people are used to seeing. */
    static const cj_rgb tab10[10] = {
        {0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
        {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
        {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
        {0.090, 0.745, 0.812},
    };
    if (i < 0) i = -i;
    return tab10[i % 10];
}

cj_line_style cj_line_style_default(int i)
{
    cj_line_style s = {cj_palette(i), CJ_DASH_SOLID, 2.0, CJ_MARKER_NONE};
    return s;
}

static void copy_text(char *dst, size_t cap, const char *src)
{
    if (!src) src = "";
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void panel_init(cj_panel *p)
{
    memset(p, 0, sizeof *p);
    p->xlim[0] = p->xlim[1] = p->ylim[0] = p->ylim[1] = NAN;
    p->xscale = p->yscale = CJ_SCALE_LINEAR;
    p->legend = CJ_LEGEND_BEST;
}

static void free_names(char **names, int n)
{
    if (!names) return;
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

static void heat_release(plot_heatmap *h)
{
    if (!h) return;
    free(h->m);
    free_names(h->row_names, h->rows);
    free_names(h->col_names, h->cols);
    free(h);
}

static void panel_release(cj_panel *p)
{
    for (int i = 0; i < p->n_series; i++) free(p->series[i].x);
    free(p->series);
    heat_release(p->heat);
    free_names(p->categories, p->n_categories);
}

/* n names copied, each cut to a label's length at a UTF-8 character
 * boundary (cairo refuses to draw a split character); NULL when out of
 * memory. A NULL name is "". */
static char **copy_names(const char *const *names, int n)
{
    char **out = calloc((size_t)n, sizeof *out);
    for (int i = 0; out && i < n; i++) {
        const char *src = names[i] ? names[i] : "";
        size_t len = strlen(src);
        if (len >= PLOT_LABEL_MAX) {
            len = PLOT_LABEL_MAX - 1;
            while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80) len--;
        }
        if (!(out[i] = malloc(len + 1))) {
            free_names(out, i);
            return NULL;
        }
        memcpy(out[i], src, len);
        out[i][len] = '\0';
    }
    return out;
}

cj_status cj_figure_create(cj_figure **out, int rows, int cols, int width, int height,
                           cj_error *err)
{
    *out = NULL;
    if (rows < 1 || cols < 1 || rows > 64 || cols > 64)
        return cj_fail(err, CJ_ERR_ARG, "figure grid %dx%d: rows and cols must be 1..64", rows,
                       cols);
    /* cairo image surfaces are limited to 32767 px a side. */
    if (width < 16 || height < 16 || width > 32767 || height > 32767)
        return cj_fail(err, CJ_ERR_ARG, "figure size %dx%d px: each side must be 16..32767",
                       width, height);
    cj_figure *fig = calloc(1, sizeof *fig);
    cj_panel *panels = calloc((size_t)rows * (size_t)cols, sizeof *panels);
    if (!fig || !panels) {
        free(fig);
        free(panels);
        return cj_fail(err, CJ_ERR_NOMEM, "figure %dx%d: out of memory", rows, cols);
    }
    fig->rows = rows;
    fig->cols = cols;
    fig->width = width;
    fig->height = height;
    fig->panels = panels;
    for (int i = 0; i < rows * cols; i++) panel_init(&panels[i]);
    *out = fig;
    return CJ_OK;
}

void cj_figure_free(cj_figure *fig)
{
    if (!fig) return;
    for (int i = 0; i < fig->rows * fig->cols; i++) panel_release(&fig->panels[i]);
    free(fig->panels);
    free(fig);
}

void cj_figure_set_title(cj_figure *fig, const char *title)
{
    copy_text(fig->title, sizeof fig->title, title);
}

cj_panel *cj_figure_panel(cj_figure *fig, int row, int col)
{
    if (!fig || row < 0 || col < 0 || row >= fig->rows || col >= fig->cols) return NULL;
    return &fig->panels[row * fig->cols + col];
}

void cj_panel_set_title(cj_panel *p, const char *title)
{
    copy_text(p->title, sizeof p->title, title);
}

void cj_panel_set_labels(cj_panel *p, const char *xlabel, const char *ylabel)
{
    copy_text(p->xlabel, sizeof p->xlabel, xlabel);
    copy_text(p->ylabel, sizeof p->ylabel, ylabel);
}

void cj_panel_set_xlim(cj_panel *p, double lo, double hi)
{
    p->xlim[0] = lo;
    p->xlim[1] = hi;
}

void cj_panel_set_ylim(cj_panel *p, double lo, double hi)
{
    p->ylim[0] = lo;
    p->ylim[1] = hi;
}

void cj_panel_set_xscale(cj_panel *p, cj_scale scale) { p->xscale = scale; }
void cj_panel_set_yscale(cj_panel *p, cj_scale scale) { p->yscale = scale; }
void cj_panel_set_xinteger(cj_panel *p, int on) { p->xinteger = on != 0; }
void cj_panel_set_legend(cj_panel *p, cj_legend_pos pos) { p->legend = pos; }

/* Room for one more series in p, zeroed, into *out (p->series[p->n_series];
 * the caller fills it and counts it). */
static cj_status new_series(cj_panel *p, const char *what, const char *label, plot_series **out, cj_error *err)
{
    if (p->n_series == p->cap_series) {
        int cap = p->cap_series ? 2 * p->cap_series : 8;
        plot_series *s = realloc(p->series, (size_t)cap * sizeof *s);
        if (!s) return cj_fail(err, CJ_ERR_NOMEM, "%s \"%s\": out of memory", what, label);
        p->series = s;
        p->cap_series = cap;
    }
    *out = &p->series[p->n_series];
    memset(*out, 0, sizeof **out);
    return CJ_OK;
}

/* A line, or a band from y up to hi: n points copied into one
 * allocation. */
static cj_status add_line_or_band(cj_panel *p, const double *x, const double *y, const double *hi, int n,
                                  int band, cj_line_style style, const char *label, cj_error *err)
{
    const char *what = band ? "band" : "series";
    if (!label) label = "";
    if (p->heat) return cj_fail(err, CJ_ERR_ARG, "%s \"%s\": panel is a heat map", what, label);
    if (n < 0 || (n > 0 && (!x || !y || (band && !hi))))
        return cj_fail(err, CJ_ERR_ARG, "%s \"%s\": %d points but no data", what, label, n);
    plot_series *s = NULL;
    cj_status st = new_series(p, what, label, &s, err);
    if (st) return st;
    size_t columns = band ? 3 : 2;
    if (n > 0) {
        s->x = malloc(columns * (size_t)n * sizeof *s->x);
        if (!s->x)
            return cj_fail(err, CJ_ERR_NOMEM, "%s \"%s\": %d points: out of memory", what,
                           label, n);
        s->y = s->x + n;
        memcpy(s->x, x, (size_t)n * sizeof *x);
        memcpy(s->y, y, (size_t)n * sizeof *y);
        if (band) {
            s->hi = s->y + n;
            memcpy(s->hi, hi, (size_t)n * sizeof *hi);
        }
    }
    s->band = band;
    s->n = n;
    if (style.width <= 0) style.width = 2.0;
    s->style = style;
    copy_text(s->label, sizeof s->label, label);
    p->n_series++;
    return CJ_OK;
}

cj_status cj_panel_add_line(cj_panel *p, const double *x, const double *y, int n,
                            cj_line_style style, const char *label, cj_error *err)
{
    return add_line_or_band(p, x, y, NULL, n, 0, style, label, err);
}

cj_status cj_panel_add_band(cj_panel *p, const double *x, const double *lo, const double *hi, int n,
                            cj_line_style style, const char *label, cj_error *err)
{
    return add_line_or_band(p, x, lo, hi, n, 1, style, label, err);
}

cj_status cj_panel_set_heatmap(cj_panel *p, const double *m, int rows, int cols, double vmin,
                               double vmax, cj_colormap cmap, const char *cbar_label,
                               cj_error *err)
{
    if (p->n_series > 0) return cj_fail(err, CJ_ERR_ARG, "heat map: panel already has lines");
    if (rows < 1 || cols < 1 || !m)
        return cj_fail(err, CJ_ERR_ARG, "heat map: matrix %dx%d is empty", rows, cols);
    plot_heatmap *h = calloc(1, sizeof *h);
    double *copy = malloc((size_t)rows * (size_t)cols * sizeof *copy);
    if (!h || !copy) {
        free(h);
        free(copy);
        return cj_fail(err, CJ_ERR_NOMEM, "heat map %dx%d: out of memory", rows, cols);
    }
    memcpy(copy, m, (size_t)rows * (size_t)cols * sizeof *copy);
    h->m = copy;
    h->rows = rows;
    h->cols = cols;
    h->vmin = vmin;
    h->vmax = vmax;
    h->cmap = cmap;
    h->decimals = -1;
    copy_text(h->cbar_label, sizeof h->cbar_label, cbar_label);
    heat_release(p->heat);
    p->heat = h;
    return CJ_OK;
}

cj_status cj_panel_set_heatmap_names(cj_panel *p, const char *const *row_names, const char *const *col_names,
                                     cj_error *err)
{
    plot_heatmap *h = p->heat;
    if (!h) return cj_fail(err, CJ_ERR_ARG, "heat-map names: the panel is not a heat map (cj_panel_set_heatmap first)");
    char **rows = row_names ? copy_names(row_names, h->rows) : NULL;
    char **cols = col_names ? copy_names(col_names, h->cols) : NULL;
    if ((row_names && !rows) || (col_names && !cols)) {
        free_names(rows, h->rows);
        free_names(cols, h->cols);
        return cj_fail(err, CJ_ERR_NOMEM, "heat-map names %dx%d: out of memory", h->rows, h->cols);
    }
    free_names(h->row_names, h->rows);
    free_names(h->col_names, h->cols);
    h->row_names = rows;
    h->col_names = cols;
    return CJ_OK;
}

void cj_panel_set_heatmap_values(cj_panel *p, int decimals)
{
    if (p->heat) p->heat->decimals = decimals < 0 ? -1 : decimals > 6 ? 6 : decimals;
}

cj_status cj_panel_set_categories(cj_panel *p, const char *const *names, int n, cj_error *err)
{
    if (p->heat) return cj_fail(err, CJ_ERR_ARG, "categories: panel is a heat map");
    if (n < 1 || !names) return cj_fail(err, CJ_ERR_ARG, "categories: %d names", n);
    char **c = copy_names(names, n);
    if (!c) return cj_fail(err, CJ_ERR_NOMEM, "categories: %d names: out of memory", n);
    free_names(p->categories, p->n_categories);
    p->categories = c;
    p->n_categories = n;
    return CJ_OK;
}

cj_status cj_panel_add_bars(cj_panel *p, const double *value, const double *lo, const double *hi, int n,
                            cj_rgb color, const char *label, cj_error *err)
{
    if (!label) label = "";
    if (p->heat) return cj_fail(err, CJ_ERR_ARG, "bars \"%s\": panel is a heat map", label);
    if (n < 1 || !value) return cj_fail(err, CJ_ERR_ARG, "bars \"%s\": %d bars but no data", label, n);
    if (!lo != !hi) return cj_fail(err, CJ_ERR_ARG, "bars \"%s\": an interval needs both lo and hi", label);
    plot_series *s = NULL;
    cj_status st = new_series(p, "bars", label, &s, err);
    if (st) return st;
    size_t columns = lo ? 4 : 2;
    if (!(s->x = malloc(columns * (size_t)n * sizeof *s->x)))
        return cj_fail(err, CJ_ERR_NOMEM, "bars \"%s\": %d bars: out of memory", label, n);
    s->y = s->x + n;
    for (int i = 0; i < n; i++) s->x[i] = i;
    memcpy(s->y, value, (size_t)n * sizeof *value);
    if (lo) {
        s->lo = s->y + n;
        s->hi = s->lo + n;
        memcpy(s->lo, lo, (size_t)n * sizeof *lo);
        memcpy(s->hi, hi, (size_t)n * sizeof *hi);
    }
    s->n = n;
    s->bars = 1;
    s->bar_index = p->n_bar_series++;
    s->style = (cj_line_style){color, CJ_DASH_SOLID, 2.0, CJ_MARKER_NONE};
    copy_text(s->label, sizeof s->label, label);
    p->n_series++;
    return CJ_OK;
}

cj_status cj_panel_set_heatmap_extent(cj_panel *p, double x0, double x1, double y0, double y1,
                                      cj_error *err)
{
    if (!p->heat) return cj_fail(err, CJ_ERR_ARG, "heat-map extent: the panel is not a heat map");
    if (!isfinite(x0) || !isfinite(x1) || !isfinite(y0) || !isfinite(y1) || !(x0 < x1) || y0 == y1)
        return cj_fail(err, CJ_ERR_ARG,
                       "heat-map extent x %g..%g, y %g..%g: needs finite ends, x0 < x1 and y0 != y1",
                       x0, x1, y0, y1);
    plot_heatmap *h = p->heat;
    h->extent = 1;
    h->x0 = x0;
    h->x1 = x1;
    h->y0 = y0;
    h->y1 = y1;
    return CJ_OK;
}
