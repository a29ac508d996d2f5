/* plot.h — figures made of a grid of panels, drawn with cairo and written
 * as PNG, SVG or PDF.
 *
 * A figure owns its panels; a panel is either a chart (any number of
 * line, band and bar series, each with its own colour and legend label,
 * on numeric or named x positions) or a heat map (a matrix image with a
 * colour bar, its rows and columns numbered or named). Data are copied when added,
 * so callers may free their arrays at once. NaN values leave a gap in a
 * line; on a log axis, values <= 0 do too.
 *
 *     cj_figure *fig;
 *     if (cj_figure_create(&fig, 1, 2, 1200, 450, &err)) return err.code;
 *     cj_panel *p = cj_figure_panel(fig, 0, 0);
 *     cj_panel_set_title(p, "Test accuracy");
 *     cj_panel_set_labels(p, "epoch", "accuracy (%)");
 *     cj_line_style s = cj_line_style_default(0);
 *     cj_panel_add_line(p, epoch, acc, n, s, "mlp (bp)", &err);
 *     cj_figure_write(fig, "curves.svg", &err);   (format from the extension)
 *     cj_figure_free(fig);
 *
 * Sizes are in pixels of the output image (SVG: CSS px; PDF: 0.75 pt per
 * px, the same physical size at 96 px per inch). Text sizes, line widths,
 * margins and tick lengths are chosen for panels of about 500 x 450 px and
 * grow with the figure (cj_figure_scale), so the text of a 2400x1600 figure
 * is in proportion to it rather than specks. */
#ifndef CAJAL_PLOT_H
#define CAJAL_PLOT_H

#include <stddef.h>

#include "cajal/status.h"

typedef struct cj_figure cj_figure;
typedef struct cj_panel cj_panel;

/* Colour components in [0, 1]. */
typedef struct {
    double r, g, b;
} cj_rgb;

typedef enum {
    CJ_DASH_SOLID,
    CJ_DASH_DASHED,
    CJ_DASH_DOTTED,
    CJ_DASH_DASHDOT,
    CJ_DASH_COUNT /* number of styles, for cycling: (cj_dash)(i % CJ_DASH_COUNT) */
} cj_dash;
typedef enum { CJ_MARKER_NONE, CJ_MARKER_CIRCLE, CJ_MARKER_SQUARE, CJ_MARKER_TRIANGLE } cj_marker;
typedef enum { CJ_SCALE_LINEAR, CJ_SCALE_LOG } cj_scale;

/* Where a panel's legend goes. BEST tries the corners and edges of the
 * plot area and takes the first spot that covers no data; when none is
 * free the legend moves outside, to the right of the plot area. */
typedef enum { CJ_LEGEND_BEST, CJ_LEGEND_OUTSIDE, CJ_LEGEND_NONE } cj_legend_pos;

/* VIRIDIS for magnitudes (dark = low); DIVERGING (blue-white-red, white in
 * the middle of [vmin, vmax]; automatic limits are symmetric about 0) for
 * signed values such as correlations. */
typedef enum { CJ_CMAP_VIRIDIS, CJ_CMAP_DIVERGING } cj_colormap;

typedef struct {
    cj_rgb color;
    cj_dash dash;
    double width;     /* line width in px at scale 1 (see cj_figure_scale); <= 0 means 2 */
    cj_marker marker; /* drawn at every point */
} cj_line_style;

/* The i-th colour of the ten-colour "tab10" palette (cycles for i >= 10),
 * so that run i has the same colour in every panel. */
cj_rgb cj_palette(int i);
/* Solid, 2 px, no marker, colour cj_palette(i). */
cj_line_style cj_line_style_default(int i);

/* ---- figures ------------------------------------------------------------ */

/* A rows x cols grid of empty panels on a width x height white image. */
cj_status cj_figure_create(cj_figure **out, int rows, int cols, int width, int height,
                           cj_error *err);
void cj_figure_free(cj_figure *fig);
/* A title centred above all panels (NULL or "" for none). */
void cj_figure_set_title(cj_figure *fig, const char *title);
/* The panel at (row, col), counted from the top left; NULL when out of
 * range. Panels nobody adds data or a title to are left blank. */
cj_panel *cj_figure_panel(cj_figure *fig, int row, int col);

typedef enum { CJ_FIGURE_PNG, CJ_FIGURE_SVG, CJ_FIGURE_PDF } cj_figure_format;

/* The format a file name asks for: ".png", ".svg" or ".pdf", in any case.
 * Any other extension, or none, is an error naming the path and the
 * extension. */
cj_status cj_figure_format_of(const char *path, cj_figure_format *fmt, cj_error *err);
/* Render and write the figure in the format its extension names
 * (cj_figure_format_of). Every writer is atomic (cj_atomic_open: a
 * temporary file in the same directory, then rename), so a reader never
 * sees a torn figure and a failed write leaves no file behind. */
cj_status cj_figure_write(const cj_figure *fig, const char *path, cj_error *err);
/* The same for one format, whatever the extension. SVG draws text as
 * glyph outlines (it looks the same without the fonts; it is not
 * searchable text); PDF embeds the fonts it uses. */
cj_status cj_figure_write_png(const cj_figure *fig, const char *path, cj_error *err);
cj_status cj_figure_write_svg(const cj_figure *fig, const char *path, cj_error *err);
cj_status cj_figure_write_pdf(const cj_figure *fig, const char *path, cj_error *err);

/* How much larger than at the reference size everything is drawn on a
 * width x height figure of rows x cols panels: the smaller of
 * (width / cols) / 500 and (height / rows) / 450, so that text still fits
 * the short side of a panel, and never below 0.8 (smaller text would not
 * be readable). 1 for cajal plot's default sizes. */
double cj_figure_scale(int width, int height, int rows, int cols);

/* ---- panels ------------------------------------------------------------- */

/* Texts are copied (titles up to 127 bytes, labels up to 95). */
void cj_panel_set_title(cj_panel *p, const char *title);
void cj_panel_set_labels(cj_panel *p, const char *xlabel, const char *ylabel);
/* Fix an axis range; NaN for either end keeps that end automatic. */
void cj_panel_set_xlim(cj_panel *p, double lo, double hi);
void cj_panel_set_ylim(cj_panel *p, double lo, double hi);
void cj_panel_set_xscale(cj_panel *p, cj_scale scale);
void cj_panel_set_yscale(cj_panel *p, cj_scale scale);
/* Only integer tick values on x (epochs, steps, layer indices). */
void cj_panel_set_xinteger(cj_panel *p, int on);
void cj_panel_set_legend(cj_panel *p, cj_legend_pos pos);

/* Add a series of n points (x[i], y[i]); both arrays are copied. n = 0
 * with a label adds a legend entry only, which is how a panel explains a
 * style ("dashed = test") once instead of per series. A label of NULL or
 * "" keeps the series out of the legend. Fails on a heat-map panel. */
cj_status cj_panel_add_line(cj_panel *p, const double *x, const double *y, int n,
                            cj_line_style style, const char *label, cj_error *err);

/* A shaded band from lo[i] to hi[i] at x[i] (all copied), for an interval
 * around a line: style.color at low opacity, drawn under every line of the
 * panel, its two edges thin lines in style.dash (patterned as a line of
 * style.width; the marker is not used). A NaN leaves a gap,
 * a point with no neighbour a short bar, and on a log axis a lo <= 0
 * reaches down to the axis. The axis range takes in both edges, and the
 * legend avoids bands where it can (else it may cover one, never a line).
 * n = 0 with a label adds a legend entry only, drawn as a shaded swatch. */
cj_status cj_panel_add_band(cj_panel *p, const double *x, const double *lo, const double *hi, int n,
                            cj_line_style style, const char *label, cj_error *err);

/* Make p a heat map of the rows x cols row-major matrix m (copied): row 0
 * at the top, as a similarity matrix is printed. vmin/vmax bound the colour
 * scale; NaN takes them from the data. NaN cells are drawn grey. The colour
 * bar is labelled cbar_label (may be NULL). Fails if p already has lines. */
cj_status cj_panel_set_heatmap(cj_panel *p, const double *m, int rows, int cols, double vmin,
                               double vmax, cj_colormap cmap, const char *cbar_label,
                               cj_error *err);

/* Name a heat map's rows and columns (row_names [rows], col_names [cols],
 * copied; up to 95 bytes each) in place of index ticks: row names left of
 * the image, column names under it, turned to read bottom to top when they
 * do not fit side by side. With more rows or columns than fit at the tick
 * font's size every k-th is named. NULL for either keeps that axis's index
 * ticks. Fails unless p is a heat map (cj_panel_set_heatmap first). */
cj_status cj_panel_set_heatmap_names(cj_panel *p, const char *const *row_names, const char *const *col_names,
                                     cj_error *err);
/* Print each cell's value in it with `decimals` decimals (0..6; -1, the
 * default: none), white on dark cells, in one font that fits the cells;
 * cells too small for 7 px text get none. No effect on a panel that is not
 * a heat map. */
void cj_panel_set_heatmap_values(cj_panel *p, int decimals);

/* ---- bar charts --------------------------------------------------------- */

/* Name the x positions 0..n-1 (names copied, up to 95 bytes each): a tick
 * at each, labelled with its name (turned to read bottom to top when the
 * names do not fit side by side; every k-th when even that is too
 * crowded), no vertical grid lines, and x from -0.5 to n - 0.5. For bar
 * charts; lines and bands go at x in the same units (a band from -0.5 to
 * n - 0.5 spans the panel). Fails on a heat-map panel. */
cj_status cj_panel_set_categories(cj_panel *p, const char *const *names, int n, cj_error *err);

/* n bars (all copied): bar i at x = i from 0 to value[i], in `color`, and
 * when lo and hi are given (both or neither) a capped interval bar from
 * lo[i] to hi[i] (NaN: none). The bar series of a panel stand side by side
 * within each x position, in the order added, 80% of its width shared among
 * them; each labelled series has a legend entry (a square of its colour).
 * A NaN value draws no bar. The y axis takes in 0, the values and the
 * intervals, and starts at 0 when nothing is negative. Fails on a heat-map
 * panel. */
cj_status cj_panel_add_bars(cj_panel *p, const double *value, const double *lo, const double *hi, int n,
                            cj_rgb color, const char *label, cj_error *err);

/* Draw heat map p over data coordinates instead of cell indices: its
 * columns span x0..x1 left to right (x0 < x1) and its rows y0..y1 top to
 * bottom (y0 > y1 puts the larger values at the top), with ticks in those
 * units, and the image fills the plot area: cells need not be square, as
 * in a units x time raster whose x axis is in ms. Call it after
 * cj_panel_set_heatmap; a panel that is not a heat map, or non-finite or
 * empty ranges, are errors. Row names (cj_panel_set_heatmap_names) replace
 * the y range: the rows are named, top to bottom, and still fill the area. */
cj_status cj_panel_set_heatmap_extent(cj_panel *p, double x0, double x1, double y0, double y1,
                                      cj_error *err);

/* ---- one line per layer, for several runs ------------------------------- */

typedef struct {
    const char *name;          /* the run's legend name */
    int color;                 /* palette index: its lines are cj_palette(color) */
    int n;                     /* points */
    const double *x;           /* [n] */
    const double *y;           /* [n * n_layers], point-major: y[i * n_layers + l] */
    int n_layers;
    const char *const *layers; /* [n_layers] layer names (NULL: unnamed) */
    /* [n * n_layers * 2], or NULL: an interval around each line, low at
     * ci[2 * (i * n_layers + l)] and high after it, drawn as a band in the
     * line's colour (cj_panel_add_band) */
    const double *ci;
} cj_layer_run;

/* Add one line per run and layer to p, for per-layer diagnostics such as
 * alignment angles: colour says which run, dash (then marker, past four
 * layers) which layer of that run (cj_layer_style), and a band under each
 * line of a run with intervals (ci). The legend depends on
 * whether the runs share their layers (cj_layer_runs_share_layers):
 *  - several runs with the same layer names (rules compared on one network)
 *    get one entry per run, in its colour, and one grey entry per layer, in
 *    its dash, "layer NAME": runs + layers entries instead of runs x layers;
 *  - one run, or runs whose layers differ (an MLP beside a CNN), get one
 *    entry per line, "RUN LAYER": a shared dash key would give every run
 *    the layer names of one of them. */
cj_status cj_panel_add_layer_runs(cj_panel *p, const cj_layer_run *runs, int n_runs,
                                  cj_error *err);
/* 1 when every run has the same number of layers with the same names. */
int cj_layer_runs_share_layers(const cj_layer_run *runs, int n_runs);
/* The style of a run's layer line: colour cj_palette(color), dash
 * layer % 4, then a marker for layers 4 and up. */
cj_line_style cj_layer_style(int color, int layer);

/* ---- ticks -------------------------------------------------------------- */

#define CJ_TICKS_MAX 32

typedef struct {
    int n;                  /* number of ticks */
    double step;            /* distance between ticks (linear ticks only) */
    double v[CJ_TICKS_MAX]; /* tick values, increasing, all inside [lo, hi] */
} cj_ticks;

/* About `target` round tick values (1, 2 or 5 times a power of ten apart)
 * inside [lo, hi]; with `integer`, never closer than 1 apart. Returns t->n. */
int cj_ticks_linear(double lo, double hi, int target, int integer, cj_ticks *t);
/* Ticks for a log axis over [lo, hi] (both > 0): powers of ten when the
 * range spans them (every k-th decade when there are many), else 1-2-5
 * multiples. t->step is 0. Returns t->n. */
int cj_ticks_log(double lo, double hi, int target, cj_ticks *t);
/* Text for tick value v on an axis whose ticks are `step` apart (0 for a
 * log axis): just enough decimals to tell neighbours apart, "0" never
 * "-0", exponent notation for very large or small values. */
void cj_tick_label(double v, double step, char *buf, size_t len);

#endif
