/* internal.h — what the files of src/plot share and nobody else sees: the
 * figure and panel structs, and the layout/drawing helpers each panel kind
 * uses. Functions here are prefixed cj_plot_ because they cross files. */
#ifndef CAJAL_PLOT_INTERNAL_H
#define CAJAL_PLOT_INTERNAL_H

#include <cairo.h>

#include "cajal/plot.h"

/* Every length below (text sizes, pads, tick lengths, line widths) is in
 * figure units: px of the output image on a figure whose panels are about
 * PLOT_REF_W x PLOT_REF_H px (a 2x2 figure of 1200x900). Larger figures are
 * drawn with a cairo scale (cj_figure_scale), so their text and lines grow
 * with them instead of shrinking to specks. */
#define PLOT_REF_W 500.0
#define PLOT_REF_H 450.0
/* Below about 9 px text stops being readable whatever the figure size. */
#define PLOT_SCALE_MIN 0.8

#define PLOT_FONT_TITLE 14.0
#define PLOT_FONT_LABEL 12.5
#define PLOT_FONT_TICK 11.0
#define PLOT_FONT_LEGEND 11.0
#define PLOT_FONT_SUPTITLE 16.0

#define PLOT_TITLE_MAX 128
#define PLOT_LABEL_MAX 96

/* Opacity of a band's fill (cj_panel_add_band): PLOT_BAND_ALPHA for up to
 * three bands in a panel, then PLOT_BAND_ALPHA_SUM shared among them (but
 * not below PLOT_BAND_ALPHA_MIN), so that six bands piled on each other
 * are about as dark as three. */
#define PLOT_BAND_ALPHA 0.16
#define PLOT_BAND_ALPHA_SUM 0.48
#define PLOT_BAND_ALPHA_MIN 0.06
/* A band's edges: thin lines in its line's dash, half opaque. */
#define PLOT_BAND_EDGE_ALPHA 0.7
#define PLOT_BAND_EDGE_W 1.2
/* px: the width of a band at a point with no neighbour to span to. */
#define PLOT_BAND_BAR_W 6.0

typedef struct {
    double *x, *y; /* one allocation, x first; NULL when n == 0 */
    double *hi;    /* a band's upper edge (y is its lower), or a bar's interval top, in the same allocation */
    double *lo;    /* a bar's interval bottom (NULL: no intervals) */
    int n;
    int band;      /* a shaded band (cj_panel_add_band), not a line */
    int bars;      /* bars (cj_panel_add_bars) at x = 0..n-1, not a line */
    int bar_index; /* which of the panel's bar series, from the left in each category */
    cj_line_style style;
    char label[PLOT_LABEL_MAX];
    /* Legend entries of different groups go in different columns (a run's
     * layers under its name); a heading is a bold label with no line. */
    int legend_group, legend_heading;
} plot_series;

typedef struct {
    double *m; /* rows x cols, row-major */
    int rows, cols;
    double vmin, vmax; /* NaN: from the data */
    cj_colormap cmap;
    char cbar_label[PLOT_LABEL_MAX];
    char **row_names, **col_names; /* NULL: index ticks */
    int decimals;                  /* cell values printed with this many decimals; -1: none */
    /* cj_panel_set_heatmap_extent: the data range the columns (x0..x1)
     * and rows (y0 at the top .. y1) span, and the image fills the plot
     * area; 0 = cell indices and square cells. */
    int extent;
    double x0, x1, y0, y1;
} plot_heatmap;

struct cj_panel {
    char title[PLOT_TITLE_MAX], xlabel[PLOT_LABEL_MAX], ylabel[PLOT_LABEL_MAX];
    double xlim[2], ylim[2]; /* NaN: automatic */
    cj_scale xscale, yscale;
    int xinteger;
    cj_legend_pos legend;
    plot_series *series;
    int n_series, cap_series;
    plot_heatmap *heat; /* non-NULL makes this a heat-map panel */
    char **categories;  /* x positions 0..n-1 named (cj_panel_set_categories), or NULL */
    int n_categories;
    int n_bar_series;
};

struct cj_figure {
    int rows, cols, width, height;
    char title[PLOT_TITLE_MAX];
    cj_panel *panels; /* rows * cols, row-major */
};

typedef struct {
    double x, y, w, h;
} plot_rect;

typedef struct {
    double lo, hi; /* range shown, in data units */
    cj_scale scale;
    int inverted; /* values grow downwards (heat-map rows) */
    cj_ticks ticks;
    /* Named positions: ticks at whole numbers i in [0, n_names), labelled
     * names[i] (heat-map rows and columns, bar categories). */
    char *const *names;
    int n_names;
    int rotated;        /* x names turned to read bottom to top (set by the layout, or before it to force it) */
    double label_h;     /* px the x tick labels take below the ticks (set by the layout) */
} plot_axis;

/* A panel's plot area and the axes that map data into it. */
typedef struct {
    plot_rect area;
    plot_rect cell; /* the panel's whole share of the figure */
    plot_axis x, y;
} plot_frame;

/* ---- text.c ---- */
void cj_plot_font(cairo_t *cr, double size, int bold);
double cj_plot_text_width(cairo_t *cr, const char *s);
/* Draw s so that the point (ax, ay) of its box — 0 left/top, 0.5 centre,
 * 1 right/bottom — lands on (x, y); the box is turned by `angle` radians
 * about that point (-pi/2 reads bottom to top). */
void cj_plot_text(cairo_t *cr, const char *s, double x, double y, double ax, double ay,
                  double angle);
void cj_plot_set_dash(cairo_t *cr, cj_dash dash, double width);
/* Crisp thin lines on an image: a width that is a whole number of image
 * pixels, and a coordinate moved so that a line of that width covers whole
 * pixels rather than blurring over two. Both return their argument
 * unchanged on vector surfaces (SVG, PDF), where there are no pixels to
 * hit. They assume the cairo matrix only scales (as cj_plot_render sets). */
double cj_plot_hairline(cairo_t *cr, double width);
double cj_plot_snap(cairo_t *cr, double v, double width);
/* v rounded to a whole image pixel (on vector surfaces, v). */
double cj_plot_round(cairo_t *cr, double v);
void cj_plot_marker(cairo_t *cr, cj_marker marker, double x, double y, double size);

/* ---- frame.c ---- */
/* Pixel coordinates of data values; NaN when v cannot be shown (v <= 0 on
 * a log axis, NaN). */
double cj_plot_px_x(const plot_frame *f, double v);
double cj_plot_px_y(const plot_frame *f, double v);
/* Fit the plot area into `cell`, leaving room for the panel's title, axis
 * labels, tick labels, and `right_extra` / `bottom_extra` px on the right
 * and at the bottom (legend, colour bar); compute the ticks. f->x and f->y
 * must hold lo, hi, scale and inverted on entry. */
void cj_plot_frame_layout(cairo_t *cr, const cj_panel *p, plot_rect cell, double right_extra,
                          double bottom_extra, int x_integer, int y_integer, plot_frame *f);
/* Ticks for a named axis `len_px` long: every name, or every k-th where
 * neighbours would overlap (at the tick font's height for rows and turned
 * names; at the widest name's width for names side by side). */
void cj_plot_name_ticks(cairo_t *cr, plot_axis *a, double len_px, int vertical);
/* The widest of a named axis's names at the tick font (0 for none). */
double cj_plot_widest_name(cairo_t *cr, const plot_axis *a);
void cj_plot_frame_grid(cairo_t *cr, const plot_frame *f);
/* Box, ticks, tick labels, axis labels and title. */
void cj_plot_frame_draw(cairo_t *cr, const cj_panel *p, const plot_frame *f);

/* ---- legend.c ---- */
typedef struct {
    int n;         /* entries (labelled series) */
    int grouped;   /* entries have more than one legend_group */
    int cols;      /* ungrouped: entries run down each column, then on to the next */
    double w, h;   /* box size, px */
    double row_h;  /* height of one entry */
    double col_w;  /* ungrouped: width of one column */
    double max_w;  /* grouped: content width past which columns wrap */
} plot_legend;

/* Size of the legend as one column, or with groups side by side. */
void cj_plot_legend_measure(cairo_t *cr, const cj_panel *p, plot_legend *lg);
/* Re-flow into as many columns as fit in max_w px (at least one); grouped
 * legends wrap their group columns into bands instead. */
void cj_plot_legend_columns(cairo_t *cr, const cj_panel *p, plot_legend *lg, double max_w);
/* A spot for the legend inside f's plot area that covers no data — no
 * line, and with `bands` no band either: sets (*x, *y), its top-left
 * corner, and returns 1; returns 0 if none. */
int cj_plot_legend_place(const cj_panel *p, const plot_frame *f, const plot_legend *lg, int bands,
                         double *x, double *y);
void cj_plot_legend_draw(cairo_t *cr, const cj_panel *p, const plot_legend *lg, double x,
                         double y);

/* Pixel position of band s's point i: its x, and the y of its upper and
 * lower edge (top <= bottom on screen). An edge at or below 0 on a log
 * axis lies at minus infinity: the band reaches down to the axis. Returns
 * 0 when the point cannot be drawn (a NaN, or an upper edge that is not
 * shown); the outputs may be NULL. Shared by drawing and legend placement. */
int cj_plot_band_point(const cj_panel *p, const plot_frame *f, const plot_series *s, int i,
                       double *x, double *top, double *bottom);

/* ---- bars.c ---- */
/* The pixel box of bar i of bar series s, from its base at 0 (or the
 * axis's bottom on a log axis) to its value, and its interval's top and
 * bottom (NaN when it has none). Returns 0 when the bar cannot be drawn. */
int cj_plot_bar_box(const cj_panel *p, const plot_frame *f, const plot_series *s, int i, double *x0, double *x1,
                    double *top, double *bottom, double *ci_top, double *ci_bottom);
void cj_plot_draw_bars(cairo_t *cr, const cj_panel *p, const plot_frame *f, const plot_series *s);

/* ---- line.c / heatmap.c ---- */
void cj_plot_draw_lines(cairo_t *cr, const cj_panel *p, plot_rect cell);
void cj_plot_draw_heatmap(cairo_t *cr, const cj_panel *p, plot_rect cell);

/* ---- render.c ---- */
/* Draw the whole figure onto surf, whose device units are `unit` per px
 * of the figure (1 for an image, 0.75 for PDF points). Returns the
 * drawing's status. */
cairo_status_t cj_plot_render(cairo_surface_t *surf, const cj_figure *fig, double unit);

#endif
