/* test_plot_bars.c — bar charts on named categories (cj_panel_add_bars,
 * cj_panel_set_categories) and named heat-map rows and columns
 * (cj_panel_set_heatmap_names, cj_panel_set_heatmap_values): where the
 * bars' pixels land, side by side within a category, their interval bars,
 * the legend keeping off them, names thinned or turned when crowded, and
 * the errors. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "../src/plot/internal.h" /* the frame layout and bar boxes, to test them directly */
#include "cajal/plot.h"
#include "fixtures.h"
#include "harness.h"

static const char *dir;

enum { W = 500, H = 450 };

/* The frame cj_plot_draw_lines lays out for a bar panel with a fixed y
 * range and no legend, on a W x H one-panel figure. */
static void bar_frame(const cj_panel *p, plot_frame *f)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    *f = (plot_frame){0};
    f->x = (plot_axis){.lo = -0.5, .hi = p->n_categories - 0.5, .names = p->categories, .n_names = p->n_categories};
    f->y = (plot_axis){.lo = p->ylim[0], .hi = p->ylim[1]};
    cj_plot_frame_layout(cr, p, (plot_rect){0, 0, W, H}, 0, 0, 1, 0, f);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
}

static uint32_t pixel(cairo_surface_t *s, double x, double y)
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    return *(const uint32_t *)(const void *)(d + (size_t)(int)y * cairo_image_surface_get_stride(s) + 4 * (int)x) &
           0xffffff;
}

static cairo_surface_t *write_and_read(cj_figure *fig, const char *name)
{
    cj_error err = {0};
    char *path = cj_path_join(dir, name);
    cairo_surface_t *s = NULL;
    if (cj_figure_write(fig, path, &err) == CJ_OK) s = cairo_image_surface_create_from_png(path);
    else printf("  %s\n", err.msg);
    free(path);
    if (s && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        s = NULL;
    }
    return s;
}

/* Two series over three categories: each bar filled in its colour from 0
 * to its value, the first series left of the second in every category,
 * the intervals dark above the bar; a negative value hangs below 0. */
TEST(bars_stand_on_zero_side_by_side)
{
    cj_figure *fig;
    cj_error err = {0};
    CHECK(cj_figure_create(&fig, 1, 1, W, H, &err) == CJ_OK);
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    const char *names[3] = {"conv1", "conv2", "dense"};
    CHECK(cj_panel_set_categories(p, names, 3, &err) == CJ_OK);
    cj_panel_set_legend(p, CJ_LEGEND_NONE);
    cj_panel_set_ylim(p, -1.5, 3);
    double a[3] = {1, 2, -1}, b[3] = {0.5, 1.5, NAN}, lo[3] = {0.8, 1.5, -1.2}, hi[3] = {1.3, 2.6, -0.8};
    cj_rgb red = {1, 0, 0}, blue = {0, 0, 1};
    CHECK(cj_panel_add_bars(p, a, lo, hi, 3, red, "a", &err) == CJ_OK);
    CHECK(cj_panel_add_bars(p, b, NULL, NULL, 3, blue, "b", &err) == CJ_OK);
    plot_frame f;
    bar_frame(p, &f);
    cairo_surface_t *s = write_and_read(fig, "bars.png");
    CHECK(s != NULL);
    for (int i = 0; s && i < 3; i++) {
        double x0, x1, top, bottom, ct, cb, y0, y1, t2, b2, c2, d2;
        CHECK(cj_plot_bar_box(p, &f, &p->series[0], i, &x0, &x1, &top, &bottom, &ct, &cb));
        double zero = cj_plot_px_y(&f, 0);
        CHECK(fabs((a[i] > 0 ? bottom : top) - zero) < 1e-9); /* on the axis at 0 */
        CHECK(pixel(s, (x0 + x1) / 2 + 0.25 * (x1 - x0), (top + bottom) / 2) == 0xff0000);
        CHECK(fabs(ct - cj_plot_px_y(&f, hi[i])) < 1e-9 && fabs(cb - cj_plot_px_y(&f, lo[i])) < 1e-9);
        /* the interval line, drawn dark over white above a positive bar */
        if (a[i] > 0) CHECK((pixel(s, (x0 + x1) / 2, (ct + top) / 2) & 0xff) < 0x60);
        int drawn = cj_plot_bar_box(p, &f, &p->series[1], i, &y0, &y1, &t2, &b2, &c2, &d2);
        CHECK(drawn == (i < 2)); /* a NaN value has no bar */
        if (drawn) {
            CHECK(x1 <= y0 && x0 >= cj_plot_px_x(&f, i - 0.5) && y1 <= cj_plot_px_x(&f, i + 0.5));
            CHECK(pixel(s, (y0 + y1) / 2, (t2 + b2) / 2) == 0x0000ff && isnan(c2));
        }
        /* above everything in the category: white */
        CHECK(pixel(s, (x0 + x1) / 2 + 0.25 * (x1 - x0), cj_plot_px_y(&f, 2.9)) == 0xffffff);
    }
    if (s) cairo_surface_destroy(s);
    cj_figure_free(fig);
}

/* Automatic limits take in 0 and the intervals, and start at 0 when no
 * bar goes below; the legend keeps off the bars. */
TEST(bar_axis_and_legend)
{
    cj_figure *fig;
    cj_error err = {0};
    CHECK(cj_figure_create(&fig, 1, 1, W, H, &err) == CJ_OK);
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    const char *names[4] = {"a", "b", "c", "d"};
    CHECK(cj_panel_set_categories(p, names, 4, &err) == CJ_OK);
    double v[4] = {0.9, 0.2, 0.1, 0.2}, lo[4] = {0.8, 0.1, 0.05, 0.1}, hi[4] = {1.0, 0.3, 0.15, 0.3};
    CHECK(cj_panel_add_bars(p, v, lo, hi, 4, cj_palette(0), "median", &err) == CJ_OK);
    cairo_surface_t *s = write_and_read(fig, "bars_auto.png");
    CHECK(s != NULL);
    /* redo the layout draw_lines makes: y from exactly 0 to above 1.0 */
    cairo_t *cr = cairo_create(s);
    plot_frame f = {0};
    f.x = (plot_axis){.lo = -0.5, .hi = 3.5, .names = p->categories, .n_names = 4};
    f.y = (plot_axis){.lo = 0, .hi = 1.0 + 0.06};
    cj_plot_frame_layout(cr, p, (plot_rect){0, 0, W, H}, 0, 0, 1, 0, &f);
    plot_legend lg;
    cj_plot_legend_measure(cr, p, &lg);
    double lx, ly;
    CHECK(lg.n == 1 && cj_plot_legend_place(p, &f, &lg, 1, &lx, &ly));
    double x0, x1, top, bottom, ct, cb;
    CHECK(cj_plot_bar_box(p, &f, &p->series[0], 0, &x0, &x1, &top, &bottom, &ct, &cb));
    CHECK(lx > x1 || ly > bottom || lx + lg.w < x0); /* not over the tall first bar */
    /* the bar's base is the bottom edge of the plot (the axis starts at 0) */
    CHECK(fabs(bottom - (f.area.y + f.area.h)) < 1e-9);
    cairo_destroy(cr);
    if (s) cairo_surface_destroy(s);
    cj_figure_free(fig);
}

/* 40 names along 300 px of rows: every k-th, at most CJ_TICKS_MAX; long
 * x names are turned and take height; names that fit stay side by side. */
TEST(names_are_thinned_or_turned_when_crowded)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    char buf[40][32];
    char *names[40];
    for (int i = 0; i < 40; i++) {
        snprintf(buf[i], sizeof buf[i], "layer_%02d_conv", i);
        names[i] = buf[i];
    }
    plot_axis y = {.lo = -0.5, .hi = 39.5, .inverted = 1, .names = names, .n_names = 40};
    cj_plot_name_ticks(cr, &y, 300, 1);
    CHECK(y.ticks.n >= 10 && y.ticks.n < 40 && y.ticks.n <= CJ_TICKS_MAX && y.ticks.v[0] == 0);
    CHECK(y.ticks.v[1] - y.ticks.v[0] == y.ticks.step && y.ticks.step >= 2);
    cj_plot_name_ticks(cr, &y, 0, 1); /* no room at all: the first name only, no overflow */
    CHECK(y.ticks.n == 1 && y.ticks.v[0] == 0);
    cj_plot_name_ticks(cr, &y, 4000, 1);
    CHECK(y.ticks.n == 32 || y.ticks.n == 40 || y.ticks.n == 20); /* room for all but the tick limit */
    CHECK(y.ticks.n <= CJ_TICKS_MAX);

    cj_panel panel = {0};
    panel.xlim[0] = panel.xlim[1] = panel.ylim[0] = panel.ylim[1] = NAN;
    plot_frame narrow = {0}, wide = {0};
    char *short_names[3] = {"a", "b", "c"};
    narrow.x = (plot_axis){.lo = -0.5, .hi = 9.5, .names = names, .n_names = 10};
    narrow.y = (plot_axis){.lo = 0, .hi = 1};
    wide.x = (plot_axis){.lo = -0.5, .hi = 2.5, .names = short_names, .n_names = 3};
    wide.y = (plot_axis){.lo = 0, .hi = 1};
    cj_plot_frame_layout(cr, &panel, (plot_rect){0, 0, W, H}, 0, 0, 1, 0, &narrow);
    cj_plot_frame_layout(cr, &panel, (plot_rect){0, 0, W, H}, 0, 0, 1, 0, &wide);
    CHECK(narrow.x.rotated && !wide.x.rotated);
    CHECK(narrow.area.h < wide.area.h - 40); /* turned names take their width in height */
    CHECK(narrow.x.ticks.n == 10 && wide.x.ticks.n == 3);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
}

/* Named heat-map rows and columns draw, with values in the cells; names
 * cut at a character boundary (cairo refuses a split UTF-8 character). */
TEST(heatmap_names_and_values_draw)
{
    cj_figure *fig;
    cj_error err = {0};
    CHECK(cj_figure_create(&fig, 1, 2, 2 * W, H, &err) == CJ_OK);
    double m[6] = {1, 0.5, 0.25, 0.125, NAN, 0};
    char long_name[400] = "";
    for (int i = 0; i < 150; i++) strcat(long_name, "\xc3\xa9"); /* é, two bytes each */
    const char *rows[2] = {"1_dense", long_name}, *cols[3] = {"x", "y", "z"};
    for (int k = 0; k < 2; k++) {
        cj_panel *p = cj_figure_panel(fig, 0, k);
        CHECK(cj_panel_set_heatmap_names(p, rows, cols, &err) == CJ_ERR_ARG); /* not a heat map yet */
        CHECK(cj_panel_set_heatmap(p, m, 2, 3, 0, 1, CJ_CMAP_VIRIDIS, "similarity", &err) == CJ_OK);
        CHECK(cj_panel_set_heatmap_names(p, rows, k ? NULL : cols, &err) == CJ_OK);
        if (k == 0) cj_panel_set_heatmap_values(p, 2);
        CHECK(strlen(p->heat->row_names[1]) < PLOT_LABEL_MAX && strlen(p->heat->row_names[1]) % 2 == 0);
    }
    cairo_surface_t *s = write_and_read(fig, "heat_names.png");
    CHECK(s != NULL);
    if (s) cairo_surface_destroy(s);
    cj_figure_free(fig);
}

TEST(bars_refuse_what_does_not_fit)
{
    cj_figure *fig;
    cj_error err = {0};
    CHECK(cj_figure_create(&fig, 1, 2, W, H, &err) == CJ_OK);
    cj_panel *heat = cj_figure_panel(fig, 0, 0), *bars = cj_figure_panel(fig, 0, 1);
    double m[1] = {1}, v[2] = {1, 2};
    const char *names[1] = {"a"};
    CHECK(cj_panel_set_heatmap(heat, m, 1, 1, NAN, NAN, CJ_CMAP_VIRIDIS, NULL, &err) == CJ_OK);
    CHECK(cj_panel_add_bars(heat, v, NULL, NULL, 2, cj_palette(0), "x", &err) == CJ_ERR_ARG &&
          strstr(err.msg, "heat map"));
    CHECK(cj_panel_set_categories(heat, names, 1, &err) == CJ_ERR_ARG);
    CHECK(cj_panel_set_categories(bars, names, 0, &err) == CJ_ERR_ARG);
    CHECK(cj_panel_add_bars(bars, v, v, NULL, 2, cj_palette(0), "x", &err) == CJ_ERR_ARG &&
          strstr(err.msg, "both lo and hi"));
    CHECK(cj_panel_add_bars(bars, NULL, NULL, NULL, 2, cj_palette(0), "x", &err) == CJ_ERR_ARG);
    CHECK(cj_panel_add_bars(bars, v, NULL, NULL, 2, cj_palette(0), "x", &err) == CJ_OK);
    CHECK(cj_panel_set_heatmap(bars, m, 1, 1, NAN, NAN, CJ_CMAP_VIRIDIS, NULL, &err) == CJ_ERR_ARG);
    cj_figure_free(fig);
}

/* Under LeakSanitizer, fontconfig's one-time allocations when cairo first
 * draws text are not ours (as in test_plot.c). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

int main(void)
{
    dir = fixture_dir("plot_bars");
    RUN(bars_stand_on_zero_side_by_side);
    RUN(bar_axis_and_legend);
    RUN(names_are_thinned_or_turned_when_crowded);
    RUN(heatmap_names_and_values_draw);
    RUN(bars_refuse_what_does_not_fit);
    return test_summary("plot_bars");
}
