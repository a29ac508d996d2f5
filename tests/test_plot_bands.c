/* test_plot_bands.c — shaded interval bands (cj_panel_add_band): where
 * their pixels land on linear and log axes, the legend keeping clear of
 * them when it can, the band per layer line that cj_panel_add_layer_runs
 * adds from intervals, and `cajal plot` drawing the diagnostics' 95%
 * intervals from metrics.jsonl. */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>

#include "../src/cli/commands.h"
#include "../src/plot/internal.h" /* the frame layout and legend placement, to test them directly */
#include "cajal/plot.h"
#include "fixtures.h"
#include "cli_runner.h"
#include "harness.h"

static const char *dir;

enum { W = 500, H = 450 };

/* The frame cj_plot_draw_lines lays out for p on a W x H one-panel figure
 * (scale 1) when both axes have fixed limits and there is no legend. */
static void frame_of(const cj_panel *p, plot_frame *f)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    f->x = (plot_axis){.lo = p->xlim[0], .hi = p->xlim[1], .scale = p->xscale};
    f->y = (plot_axis){.lo = p->ylim[0], .hi = p->ylim[1], .scale = p->yscale};
    cj_plot_frame_layout(cr, p, (plot_rect){0, 0, W, H}, 0, 0, p->xinteger, 0, f);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
}

/* The pixel at data point (x, y) of a PNG is shaded by a lone red band:
 * white under 16% red is (255, 214, 214). */
static int pink_at(cairo_surface_t *s, const plot_frame *f, double x, double y)
{
    int px = (int)cj_plot_px_x(f, x), py = (int)cj_plot_px_y(f, y);
    const unsigned char *d = cairo_image_surface_get_data(s);
    uint32_t v = *(const uint32_t *)(const void *)(d + (size_t)py * cairo_image_surface_get_stride(s) + 4 * px);
    int r = (v >> 16) & 255, g = (v >> 8) & 255, b = v & 255;
    return r > 245 && g > 190 && g < 235 && abs(g - b) < 6;
}

/* Band [lo, hi] over x = 0..10 (none of the sample points sit on a grid
 * line), drawn alone on a fixed-limit axis; the PNG's pixels, or NULL. */
static cairo_surface_t *band_png(cj_scale scale, double ylo, double yhi, double lo, double hi, plot_frame *f)
{
    cj_figure *fig;
    cj_error err = {0};
    if (cj_figure_create(&fig, 1, 1, W, H, &err)) return NULL;
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    cj_panel_set_legend(p, CJ_LEGEND_NONE);
    cj_panel_set_xlim(p, 0, 10);
    cj_panel_set_ylim(p, ylo, yhi);
    cj_panel_set_yscale(p, scale);
    double x[3] = {0, 5, 10}, l[3] = {lo, lo, lo}, h[3] = {hi, hi, hi};
    cj_line_style red = {{1, 0, 0}, CJ_DASH_SOLID, 2, CJ_MARKER_NONE};
    cj_status st = cj_panel_add_band(p, x, l, h, 3, red, NULL, &err);
    const char *path = cj_path_join(dir, "band.png");
    if (!st) st = cj_figure_write(fig, path, &err);
    if (!st) frame_of(p, f);
    cj_figure_free(fig);
    cairo_surface_t *s = st ? NULL : cairo_image_surface_create_from_png(path);
    free((void *)path);
    if (s && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        s = NULL;
    }
    return s;
}

TEST(band_shades_between_its_edges)
{
    plot_frame f;
    cairo_surface_t *s = band_png(CJ_SCALE_LINEAR, 0, 1, 0.25, 0.75, &f);
    CHECK(s != NULL);
    if (s) {
        CHECK(pink_at(s, &f, 4.5, 0.3) && pink_at(s, &f, 4.5, 0.5) && pink_at(s, &f, 7.3, 0.7));
        CHECK(!pink_at(s, &f, 4.5, 0.1) && !pink_at(s, &f, 4.5, 0.9));
        cairo_surface_destroy(s);
    }
    /* On a log axis a low edge of 0 is minus infinity: down to the axis. */
    s = band_png(CJ_SCALE_LOG, 1, 100, 0, 10, &f);
    CHECK(s != NULL);
    if (s) {
        CHECK(pink_at(s, &f, 4.5, 1.05) && pink_at(s, &f, 4.5, 3) && pink_at(s, &f, 4.5, 7));
        CHECK(!pink_at(s, &f, 4.5, 30));
        cairo_surface_destroy(s);
    }
}

/* A band over the right half and a line low on the left: the legend goes
 * top left, off the band; asked to mind lines only, top right as before.
 * A band over everything leaves no spot that misses it, but one that
 * misses the line. */
TEST(legend_keeps_off_bands_when_it_can)
{
    cj_figure *fig;
    cj_error err = {0};
    CHECK(cj_figure_create(&fig, 1, 1, W, H, &err) == CJ_OK);
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    cj_panel_set_xlim(p, 0, 10);
    cj_panel_set_ylim(p, 0, 1);
    double bx[2] = {5, 10}, lo[2] = {0, 0}, hi[2] = {1, 1}, lx[2] = {0, 4}, ly[2] = {0.1, 0.1};
    cj_line_style s = cj_line_style_default(0);
    CHECK(cj_panel_add_band(p, bx, lo, hi, 2, s, NULL, &err) == CJ_OK);
    CHECK(cj_panel_add_line(p, lx, ly, 2, s, "a line", &err) == CJ_OK);
    CHECK(cj_panel_add_band(p, NULL, NULL, NULL, 0, s, "95% interval", &err) == CJ_OK);
    plot_frame f;
    frame_of(p, &f);
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(surf);
    plot_legend lg;
    cj_plot_legend_measure(cr, p, &lg);
    CHECK(lg.n == 2); /* the unlabelled band has no entry, the swatch has */
    double x = 0, y = 0, edge = cj_plot_px_x(&f, 5);
    CHECK(cj_plot_legend_place(p, &f, &lg, 1, &x, &y) && x + lg.w < edge);
    CHECK(cj_plot_legend_place(p, &f, &lg, 0, &x, &y) && x > edge);
    bx[0] = 0;
    CHECK(cj_panel_add_band(p, bx, lo, hi, 2, s, NULL, &err) == CJ_OK);
    CHECK(!cj_plot_legend_place(p, &f, &lg, 1, &x, &y));
    CHECK(cj_plot_legend_place(p, &f, &lg, 0, &x, &y));
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
    char *png = cj_path_join(dir, "legend.png");
    CHECK(cj_figure_write(fig, png, &err) == CJ_OK);
    free(png);
    cj_figure_free(fig);
}

TEST(bands_refuse_what_lines_refuse)
{
    cj_figure *fig;
    cj_error err = {0};
    CHECK(cj_figure_create(&fig, 1, 2, W, H, &err) == CJ_OK);
    double x[2] = {0, 1}, m[4] = {1, 2, 3, 4};
    cj_line_style s = cj_line_style_default(0);
    CHECK(cj_panel_add_band(cj_figure_panel(fig, 0, 0), x, x, NULL, 2, s, "b", &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "band \"b\": 2 points but no data") != NULL);
    cj_panel *h = cj_figure_panel(fig, 0, 1);
    CHECK(cj_panel_set_heatmap(h, m, 2, 2, NAN, NAN, CJ_CMAP_VIRIDIS, NULL, &err) == CJ_OK);
    CHECK(cj_panel_add_band(h, x, x, x, 2, s, "b", &err) == CJ_ERR_ARG);
    cj_figure_free(fig);
}

/* Intervals give each layer line a band in its colour and dash, with the
 * layer's own low and high edges. */
TEST(layer_runs_band_each_line_with_intervals)
{
    static const char *const names[2] = {"1:Linear", "3:Linear"};
    const double x[2] = {1, 2}, y[4] = {5, 50, 4, 40};
    const double ci[8] = {4, 6, 40, 60, 3, 5, 30, 55}; /* epoch-major, (low, high) per layer */
    cj_layer_run runs[2] = {{"np", 0, 2, x, y, 2, names, ci}, {"wp", 1, 2, x, y, 2, names, NULL}};
    cj_figure *fig;
    cj_error err = {0};
    CHECK(cj_figure_create(&fig, 1, 1, W, H, &err) == CJ_OK);
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    CHECK(cj_panel_add_layer_runs(p, runs, 2, &err) == CJ_OK);
    int bands = 0;
    for (int i = 0; i < p->n_series; i++) {
        const plot_series *s = &p->series[i];
        if (!s->band) continue;
        int l = bands++;
        CHECK(s->n == 2 && !s->label[0] && s->style.dash == (cj_dash)l);
        CHECK(s->style.color.r == cj_palette(0).r && s->style.color.b == cj_palette(0).b);
        CHECK(s->y[0] == ci[2 * l] && s->hi[0] == ci[2 * l + 1]);
        CHECK(s->y[1] == ci[2 * (2 + l)] && s->hi[1] == ci[2 * (2 + l) + 1]);
    }
    CHECK(bands == 2); /* the run without intervals has none */
    char *png = cj_path_join(dir, "layer_bands.png");
    CHECK(cj_figure_write(fig, png, &err) == CJ_OK);
    free(png);
    cj_figure_free(fig);
}

/* Pixels of a PNG that are neither white nor grey: colour (lines, bands). */
static long colour_pixels(const char *png)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(png);
    long n = -1;
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
        n = 0;
        int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
        const unsigned char *d = cairo_image_surface_get_data(s);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                uint32_t v = *(const uint32_t *)(const void *)(d + (size_t)y * cairo_image_surface_get_stride(s) + 4 * x);
                int r = (v >> 16) & 255, g = (v >> 8) & 255, b = v & 255;
                n += abs(r - g) > 8 || abs(g - b) > 8 || abs(r - b) > 8;
            }
    }
    cairo_surface_destroy(s);
    return n;
}

/* A node-perturbation run with intervals, and the same numbers without
 * (a file from before they existed): both plot, and the intervals add
 * shading to the bias, variance and angle panels. A malformed interval
 * stops the plot with the reader's message. */
TEST(cmd_plot_shades_the_intervals)
{
/* One epoch's line: the diagnostics, then their intervals unless ci is "". */
#define NP_LINE(e, acc, align, bias, var, ci)                                                      \
    "{\"epoch\":" e ",\"train_loss\":2.3,\"test_acc\":" acc ",\"rule\":\"node_perturbation\","        \
    "\"layers\":[\"1:Linear\",\"3:Linear\"],\"align_deg\":" align ",\"grad_bias\":" bias                  \
    ",\"grad_variance\":" var ci "}\n"
    static const char with[] =
        NP_LINE("1", "0.1", "[89,75]", "[0.5,1.5]", "[2800,9]",
                ",\"align_deg_ci\":[[88,90],[70,80]],\"grad_bias_ci\":[[0,4],[0,6]],"
                "\"grad_variance_ci\":[[2400,3200],[6.5,13]]")
        NP_LINE("2", "0.2", "[88,70]", "[1,0.7]", "[3300,20]",
                ",\"align_deg_ci\":[[87,89],[64,76]],\"grad_bias_ci\":[[0,5],[0,3]],"
                "\"grad_variance_ci\":[[3000,3600],[15,30]]");
    static const char without[] = NP_LINE("1", "0.1", "[89,75]", "[0.5,1.5]", "[2800,9]", "")
        NP_LINE("2", "0.2", "[88,70]", "[1,0.7]", "[3300,20]", "");
    char *d1 = cj_path_join(dir, "np_ci"), *d2 = cj_path_join(dir, "np_old");
    mkdir(d1, 0755);
    mkdir(d2, 0755);
    free(fixture_text(d1, "metrics.jsonl", with));
    free(fixture_text(d2, "metrics.jsonl", without));
    char *p1 = cj_path_join(dir, "ci.png"), *p2 = cj_path_join(dir, "old.png");
    char a0[] = "plot", a2[] = "--out";
    char *argv1[] = {a0, d1, a2, p1, NULL}, *argv2[] = {a0, d2, a2, p2, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 4, argv1) == 0);
    CHECK(run_command_quietly(cj_cmd_plot, 4, argv2) == 0);
    long c1 = colour_pixels(p1), c2 = colour_pixels(p2);
    if (!(c2 > 0 && c1 > 2 * c2)) test_fail("coloured pixels: %ld with intervals, %ld without", c1, c2);

    char *bad = fixture_text(dir, "bad.jsonl", "{\"epoch\":1,\"align_deg\":[1],\"align_deg_ci\":[[1]]}\n");
    char *argv3[] = {a0, bad, a2, p2, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 4, argv3) == 1);
    free(bad), free(d1), free(d2), free(p1), free(p2);
}

/* fontconfig (loaded by cairo for text) leaks a few hundred bytes once per
 * process, as in test_plot.c: only leaks of ours fail a SANITIZE=1 run. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

int main(void)
{
    dir = fixture_dir("plot_bands");
    RUN(band_shades_between_its_edges);
    RUN(legend_keeps_off_bands_when_it_can);
    RUN(bands_refuse_what_lines_refuse);
    RUN(layer_runs_band_each_line_with_intervals);
    RUN(cmd_plot_shades_the_intervals);
    return test_summary("plot_bands");
}
