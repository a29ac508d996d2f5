/* test_plot.c — the figure library (ticks, PNG/SVG/PDF output, gaps,
 * scaling with the figure's size, per-layer legends), the metrics.jsonl
 * reader and `cajal plot`, on fixture files written to a temporary
 * directory. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>

#include "../src/cli/commands.h"
#include "../src/plot/internal.h" /* series labels and legend sizes, to test them directly */
#include "cajal/metrics.h"
#include "cajal/plot.h"
#include "fixtures.h"
#include "cli_runner.h"
#include "harness.h"

static char tmpdir[256];

/* tmpdir/name, in one of a few rotating buffers so two can be live. */
static const char *tpath(const char *name)
{
    static char bufs[4][512];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, 512, "%s/%s", tmpdir, name);
    return b;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        printf("  cannot write fixture %s\n", path);
        return;
    }
    fputs(text, f);
    fclose(f);
}

static void write_run(const char *dir, const char *text)
{
    mkdir(tpath(dir), 0755);
    char p[600];
    snprintf(p, sizeof p, "%s/metrics.jsonl", tpath(dir));
    write_text(p, text);
}

/* Width and height from the PNG's IHDR chunk, which must come first
 * after the 8-byte signature; 0 if the file is not a PNG. */
static int png_size(const char *path, uint32_t *w, uint32_t *h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    if (n != sizeof b || memcmp(b, sig, 8) || memcmp(b + 12, "IHDR", 4)) return 0;
    *w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
    *h = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23];
    return 1;
}

/* Run `cajal plot`, keeping what it prints on stderr in msg (stdout is
 * thrown away). */
static int plot_capture(int argc, char **argv, char *msg, size_t len)
{
    fflush(stdout);
    fflush(stderr);
    const char *path = tpath("stderr.txt");
    int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
    int file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(null, 1);
    dup2(file, 2);
    int rc = cj_cmd_plot(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    close(null);
    close(file);
    msg[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f) {
        size_t n = fread(msg, 1, len - 1, f);
        msg[n] = '\0';
        fclose(f);
    }
    return rc;
}

static const char fa_run[] =
    "{\"epoch\":1,\"step\":938,\"train_loss\":0.5123,\"test_loss\":0.4567,\"test_acc\":0.8391,"
    "\"seconds\":2.31,\"samples_per_s\":25974.0,\"rule\":\"fa\",\"layers\":[\"1.weight\","
    "\"3.weight\",\"5.weight\"],\"align_deg\":[62.1,45.3,12.0],\"grad_bias\":null,"
    "\"grad_variance\":null,\"lr\":0.1}\n"
    "\n"
    "{\"epoch\":2,\"step\":1876,\"train_loss\":0.40,\"test_loss\":null,\"test_acc\":null,"
    "\"rule\":\"fa\",\"layers\":[\"1.weight\",\"3.weight\",\"5.weight\"],"
    "\"align_deg\":[58.0,40.5,10.25],\"extra\":{\"nested\":[1,2]}}\n"
    "{\"epoch\":3,\"step\":2814,\"train_loss\":0.35,\"test_loss\":0.33,\"test_acc\":0.9012,"
    "\"rule\":\"fa\",\"align_deg\":[55.5,null,9.0]}\n";

TEST(ticks_linear_are_round_and_inside)
{
    cj_ticks t;
    CHECK(cj_ticks_linear(0, 1, 5, 0, &t) == 6);
    CHECK_NEAR(t.step, 0.2, 1e-12);
    for (int i = 0; i < t.n; i++) CHECK_NEAR(t.v[i], 0.2 * i, 1e-12);

    /* range 0.14 in 4 parts = 0.035, nearest 1-2-5 step is 0.05 */
    CHECK(cj_ticks_linear(0.83, 0.97, 5, 0, &t) == 3);
    CHECK_NEAR(t.step, 0.05, 1e-12);
    CHECK_NEAR(t.v[0], 0.85, 1e-12);
    CHECK_NEAR(t.v[2], 0.95, 1e-12);

    CHECK(cj_ticks_linear(-3.7, 12.2, 5, 0, &t) == 3);
    CHECK(t.v[0] == 0 && !signbit(t.v[0])); /* 0, not -0 */
    CHECK_NEAR(t.v[2], 10, 1e-12);

    /* 10 epochs (padded axis), 4 ticks wanted: 2, 4, ..., 10 beats 5, 10 */
    CHECK(cj_ticks_linear(0.73, 10.27, 4, 1, &t) == 5);
    CHECK_NEAR(t.v[0], 2, 0);
    CHECK_NEAR(t.v[4], 10, 0);

    /* epochs 1..3 would get steps of 0.5; integer axes keep 1 */
    CHECK(cj_ticks_linear(1, 3, 5, 1, &t) == 3);
    CHECK_NEAR(t.step, 1, 0);
    CHECK(cj_ticks_linear(1, 3, 5, 0, &t) == 5);

    /* a huge target cannot overflow the array */
    CHECK(cj_ticks_linear(0, 1e6, 1000, 0, &t) <= CJ_TICKS_MAX);
    CHECK(cj_ticks_linear(2, 2, 5, 0, &t) == 1);
}

/* Ranges below the values' resolution used to step k past 2^53, where
 * k + 1 == k, and loop ~2^31 times before writing past the tick array. */
TEST(ticks_survive_ranges_at_the_limit_of_double)
{
    cj_ticks t;
    CHECK(cj_ticks_linear(1.0, 1.0 + 2.2e-16, 5, 0, &t) == 1);
    CHECK(t.n == 1 && t.v[0] == 1.0);
    CHECK(cj_ticks_linear(1e17, 1e17 + 32, 5, 1, &t) == 1); /* epochs near 1e17 */
    CHECK(cj_ticks_linear(-1e308, 1e308, 5, 0, &t) >= 2 && t.n <= CJ_TICKS_MAX);
    for (int i = 0; i < t.n; i++) CHECK(isfinite(t.v[i]) && t.v[i] >= -1e308 && t.v[i] <= 1e308);
    /* just wide enough to tell apart: a handful of ticks, all inside */
    int n = cj_ticks_linear(1.0, 1.0 + 1e-9, 5, 0, &t);
    CHECK(n >= 2 && n <= CJ_TICKS_MAX);
    for (int i = 0; i < t.n; i++) CHECK(t.v[i] >= 1.0 - 1e-12 && t.v[i] <= 1.0 + 1e-9 + 1e-12);
    CHECK(cj_ticks_log(1.0, 1.0 + 2.2e-16, 5, &t) == 1);
}

TEST(ticks_log_pick_decades_or_125)
{
    cj_ticks t;
    CHECK(cj_ticks_log(1e-4, 1, 6, &t) == 5);
    CHECK_NEAR(t.v[0], 1e-4, 1e-16);
    CHECK_NEAR(t.v[4], 1, 1e-12);
    /* 13 decades, at most 5 ticks: every third, on multiples of 3 */
    CHECK(cj_ticks_log(1e-9, 1e3, 5, &t) == 5);
    CHECK_NEAR(log10(t.v[0]), -9, 1e-9);
    CHECK_NEAR(log10(t.v[1]), -6, 1e-9);
    /* only one power of ten inside: 1-2-5 multiples */
    CHECK(cj_ticks_log(2, 30, 5, &t) == 4);
    CHECK_NEAR(t.v[0], 2, 1e-12);
    CHECK_NEAR(t.v[3], 20, 1e-12);
    CHECK(cj_ticks_log(0, 10, 5, &t) == 0);
}

TEST(tick_labels_are_short)
{
    char b[32];
    cj_tick_label(0.84, 0.02, b, sizeof b);
    CHECK(!strcmp(b, "0.84"));
    cj_tick_label(-1e-17, 0.2, b, sizeof b);
    CHECK(!strcmp(b, "0"));
    cj_tick_label(1000, 200, b, sizeof b);
    CHECK(!strcmp(b, "1000"));
    cj_tick_label(0.75, 0.25, b, sizeof b);
    CHECK(!strcmp(b, "0.75"));
    cj_tick_label(1e-5, 0, b, sizeof b);
    CHECK(!strcmp(b, "1e-5"));
    cj_tick_label(0.01, 0, b, sizeof b);
    CHECK(!strcmp(b, "0.01"));
    cj_tick_label(2.5e-7, 0, b, sizeof b);
    CHECK(!strcmp(b, "2.5e-7"));
}

TEST(metrics_read_parses_values)
{
    write_text(tpath("fa.jsonl"), fa_run);
    cj_metrics m;
    cj_error err = {0};
    CHECK(cj_metrics_read(tpath("fa.jsonl"), &m, &err) == CJ_OK);
    CHECK(m.n_epochs == 3);
    CHECK(m.n_layers == 3);
    if (m.n_epochs != 3 || m.n_layers != 3) {
        printf("  %s\n", err.msg);
        cj_metrics_free(&m);
        return;
    }
    CHECK(m.rule && !strcmp(m.rule, "fa"));
    CHECK(!strcmp(m.layers[0], "1.weight") && !strcmp(m.layers[2], "5.weight"));
    CHECK_NEAR(m.epoch[2], 3, 0);
    CHECK_NEAR(m.step[1], 1876, 0);
    CHECK_NEAR(m.train_loss[0], 0.5123, 1e-12);
    CHECK_NEAR(m.test_acc[2], 0.9012, 1e-12);
    CHECK(isnan(m.test_loss[1]) && isnan(m.test_acc[1])); /* null */
    CHECK(isnan(m.seconds[2]));                          /* absent */
    CHECK_NEAR(m.samples_per_s[0], 25974, 0);
    CHECK_NEAR(m.align_deg[0 * 3 + 0], 62.1, 1e-12);
    CHECK_NEAR(m.align_deg[1 * 3 + 2], 10.25, 1e-12);
    CHECK(isnan(m.align_deg[2 * 3 + 1]));
    CHECK(m.grad_bias == NULL && m.grad_variance == NULL);
    cj_metrics_free(&m);
    CHECK(m.epoch == NULL && m.layers == NULL);
}

TEST(metrics_read_perturbation_tables)
{
    write_text(tpath("np.jsonl"),
               "{\"epoch\":1,\"align_deg\":[80,70],\"grad_bias\":[0.1,0.2],"
               "\"grad_variance\":[5.0,null]}\n"
               "{\"epoch\":2,\"grad_variance\":[4.0,3.5]}\n");
    cj_metrics m;
    cj_error err = {0};
    CHECK(cj_metrics_read(tpath("np.jsonl"), &m, &err) == CJ_OK);
    CHECK(m.n_layers == 2 && m.n_epochs == 2 && m.rule == NULL);
    if (m.n_layers == 2 && m.n_epochs == 2) {
        CHECK(!strcmp(m.layers[1], "layer 2")); /* no "layers" key */
        CHECK_NEAR(m.grad_bias[1], 0.2, 1e-12);
        CHECK(isnan(m.grad_bias[2])); /* absent on line 2 */
        CHECK(isnan(m.grad_variance[1]));
        CHECK_NEAR(m.grad_variance[3], 3.5, 1e-12);
        CHECK(isnan(m.align_deg[2]));
    }
    cj_metrics_free(&m);
}

/* Reading `text` fails and the message names the file and `needle`. */
static void check_read_error(const char *name, const char *text, const char *needle)
{
    const char *path = tpath(name);
    if (text) write_text(path, text);
    cj_metrics m;
    cj_error err = {0};
    cj_status st = cj_metrics_read(path, &m, &err);
    CHECK(st != CJ_OK);
    CHECK(strstr(err.msg, path) != NULL);
    CHECK(strstr(err.msg, needle) != NULL);
    if (st == CJ_OK || !strstr(err.msg, needle)) printf("  message was: %s\n", err.msg);
    cj_metrics_free(&m);
}

TEST(metrics_read_errors_name_file_and_line)
{
    check_read_error("missing.jsonl", NULL, "cannot open");
    check_read_error("empty.jsonl", "", "empty");
    check_read_error("blank.jsonl", "\n  \n", "empty");
    /* the blank line still counts, so the bad line is line 3 */
    check_read_error("bad.jsonl", "{\"epoch\":1}\n\n{\"epoch\":2,\"train_loss\":}\n",
                     "line 3: malformed JSON");
    check_read_error("trail.jsonl", "{\"epoch\":1} x\n", "line 1: malformed JSON");
    check_read_error("noepoch.jsonl", "{\"epoch\":1}\n{\"step\":5}\n",
                     "line 2: missing required key \"epoch\"");
    check_read_error("array.jsonl", "[1,2]\n", "line 1: an array, expected a JSON object");
    check_read_error("type.jsonl", "{\"epoch\":1,\"test_acc\":\"high\"}\n",
                     "line 1: \"test_acc\" is a string");
    check_read_error("layers.jsonl",
                     "{\"epoch\":1,\"align_deg\":[1,2,3]}\n{\"epoch\":2,\"align_deg\":[1,2]}\n",
                     "line 2: \"align_deg\" has 2 entries");
}

TEST(figure_rejects_bad_arguments)
{
    cj_figure *fig;
    cj_error err = {0};
    CHECK(cj_figure_create(&fig, 0, 2, 800, 600, &err) == CJ_ERR_ARG);
    CHECK(fig == NULL);
    CHECK(cj_figure_create(&fig, 1, 1, 800, 100000, &err) == CJ_ERR_ARG);
    CHECK(cj_figure_create(&fig, 1, 1, 300, 200, &err) == CJ_OK);
    CHECK(cj_figure_panel(fig, 1, 0) == NULL);
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    double m[4] = {1, 2, 3, 4}, x[2] = {0, 1};
    CHECK(cj_panel_set_heatmap(p, m, 2, 2, NAN, NAN, CJ_CMAP_VIRIDIS, "r", &err) == CJ_OK);
    CHECK(cj_panel_add_line(p, x, x, 2, cj_line_style_default(0), "a", &err) == CJ_ERR_ARG);
    CHECK(cj_figure_write_png(fig, tpath("no/such/dir/x.png"), &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, "no/such/dir") != NULL);
    cj_figure_free(fig);
}

/* Count separate runs of pure-red pixels along the image row with the
 * most of them: a line with a NaN gap in the middle shows as two. */
static int red_runs(const char *png)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(png);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return -1;
    }
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    int best_row = -1, best = 0;
    for (int y = 0; y < h; y++) {
        int n = 0;
        for (int x = 0; x < w; x++) {
            uint32_t px = *(const uint32_t *)(const void *)(d + (size_t)y * stride + 4 * x);
            n += (px & 0xffffff) == 0xff0000;
        }
        if (n > best) best = n, best_row = y;
    }
    int runs = 0, in = 0;
    for (int x = 0; best_row >= 0 && x < w; x++) {
        uint32_t px = *(const uint32_t *)(const void *)(d + (size_t)best_row * stride + 4 * x);
        int red = (px & 0xffffff) == 0xff0000;
        runs += red && !in;
        in = red;
    }
    cairo_surface_destroy(s);
    return runs;
}

TEST(figure_png_has_size_and_nan_gaps)
{
    cj_figure *fig;
    cj_error err = {0};
    CHECK(cj_figure_create(&fig, 1, 2, 640, 320, &err) == CJ_OK);
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    cj_panel_set_title(p, "gap");
    cj_panel_set_labels(p, "x", "y");
    cj_panel_set_legend(p, CJ_LEGEND_NONE);
    double x[11], y[11];
    for (int i = 0; i < 11; i++) x[i] = i, y[i] = (i >= 4 && i <= 6) ? NAN : 0.5;
    cj_line_style red = {{1, 0, 0}, CJ_DASH_SOLID, 3, CJ_MARKER_NONE};
    CHECK(cj_panel_add_line(p, x, y, 11, red, "flat", &err) == CJ_OK);
    cj_panel_set_ylim(p, 0, 1);
    double m[9] = {1, 0.5, -0.2, 0.5, 1, 0.1, -0.2, 0.1, 1};
    CHECK(cj_panel_set_heatmap(cj_figure_panel(fig, 0, 1), m, 3, 3, NAN, NAN, CJ_CMAP_DIVERGING,
                               "correlation", &err) == CJ_OK);
    CHECK(cj_figure_write_png(fig, tpath("gap.png"), &err) == CJ_OK);
    cj_figure_free(fig);
    uint32_t w = 0, h = 0;
    CHECK(png_size(tpath("gap.png"), &w, &h));
    CHECK(w == 640 && h == 320);
    CHECK(red_runs(tpath("gap.png")) == 2);
    char tmp[64];
    snprintf(tmp, sizeof tmp, "gap.png.tmp.%ld", (long)getpid());
    CHECK(access(tpath(tmp), F_OK) != 0); /* the temporary file was renamed */
}

TEST(cmd_plot_writes_png)
{
    write_run("mlp", "{\"epoch\":1,\"train_loss\":0.4,\"test_loss\":0.3,\"test_acc\":0.9,"
                     "\"rule\":\"bp\",\"layers\":[\"1.weight\",\"3.weight\",\"5.weight\"],"
                     "\"align_deg\":[0,0,0]}\n"
                     "{\"epoch\":2,\"train_loss\":0.3,\"test_loss\":0.25,\"test_acc\":0.93,"
                     "\"rule\":\"bp\",\"align_deg\":[0,0,0]}\n");
    write_run("mlp_fa", fa_run);
    char out[600];
    snprintf(out, sizeof out, "%s", tpath("curves.png"));
    char a0[] = "plot", a3[] = "--out", a5[] = "--size", a6[] = "900x600";
    char d1[600], d2[600];
    snprintf(d1, sizeof d1, "%s/", tpath("mlp")); /* a trailing slash is fine */
    snprintf(d2, sizeof d2, "%s", tpath("mlp_fa"));
    char *argv[] = {a0, d1, d2, a3, out, a5, a6, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 7, argv) == 0);
    uint32_t w = 0, h = 0;
    CHECK(png_size(out, &w, &h));
    CHECK(w == 900 && h == 600);

    /* default size: three panels in a row */
    char *argv2[] = {a0, d1, d2, a3, out, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 5, argv2) == 0);
    CHECK(png_size(out, &w, &h) && w == 1500 && h == 480);

    /* a perturbation run adds bias and variance panels: 2x3 grid */
    write_run("mlp_np", "{\"epoch\":1,\"train_loss\":2.1,\"rule\":\"np\",\"align_deg\":[85,80],"
                        "\"grad_bias\":[0.3,0.2],\"grad_variance\":[40,12]}\n"
                        "{\"epoch\":2,\"train_loss\":2.0,\"rule\":\"np\",\"align_deg\":[84,79],"
                        "\"grad_bias\":[0.28,0.15],\"grad_variance\":[35,10]}\n");
    char d3[600];
    snprintf(d3, sizeof d3, "%s/metrics.jsonl", tpath("mlp_np")); /* the file itself */
    char *argv3[] = {a0, d1, d3, a3, out, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 5, argv3) == 0);
    CHECK(png_size(out, &w, &h) && w == 1500 && h == 900);

    /* data.validation adds a dotted val_loss line; counts have no accuracy */
    write_run("poisson", "{\"epoch\":1,\"train_loss\":0.3,\"val_loss\":0.2,\"val_acc\":null,\"test_loss\":null,"
                         "\"test_acc\":null,\"rule\":\"bp\",\"align_deg\":[0]}\n"
                         "{\"epoch\":2,\"train_loss\":-0.1,\"val_loss\":-0.05,\"rule\":\"bp\",\"align_deg\":[0]}\n");
    char d4[600];
    snprintf(d4, sizeof d4, "%s", tpath("poisson"));
    char *argv4[] = {a0, d4, a3, out, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 4, argv4) == 0);
    CHECK(png_size(out, &w, &h) && w == 1500 && h == 480);
}

/* The figure behind the tick bug: losses equal to 16 digits, epochs near 1e17. */
TEST(cmd_plot_draws_values_equal_to_rounding)
{
    write_run("flat", "{\"epoch\":100000000000000000,\"train_loss\":0.5,\"test_acc\":0.9,\"rule\":\"bp\"}\n"
                      "{\"epoch\":100000000000000032,\"train_loss\":0.5000000000000001,\"test_acc\":0.9,"
                      "\"rule\":\"bp\"}\n");
    char a0[] = "plot", a2[] = "--out", dir[600], out[600];
    snprintf(dir, sizeof dir, "%s", tpath("flat"));
    snprintf(out, sizeof out, "%s", tpath("flat.png"));
    char *argv[] = {a0, dir, a2, out, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 4, argv) == 0);
    uint32_t w = 0, h = 0;
    CHECK(png_size(out, &w, &h) && w > 0 && h > 0);
}

TEST(cmd_plot_errors_and_usage)
{
    char a0[] = "plot", help[] = "--help", bogus[] = "--bogus", outopt[] = "--out";
    char size[] = "--size", badsize[] = "12";
    char missing[600], bad[600], out[600];
    snprintf(missing, sizeof missing, "%s", tpath("nope"));
    snprintf(out, sizeof out, "%s", tpath("err.png"));
    write_run("broken", "{\"epoch\":1}\n{\"epoch\":2,}\n");
    snprintf(bad, sizeof bad, "%s", tpath("broken"));

    char *h[] = {a0, help, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 2, h) == 0);
    char *none[] = {a0, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 1, none) == 2);
    char *unknown[] = {a0, bad, bogus, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 3, unknown) == 2);
    char *noval[] = {a0, bad, outopt, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 3, noval) == 2);
    char *sz[] = {a0, bad, size, badsize, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 4, sz) == 2);
    char *miss[] = {a0, missing, outopt, out, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 4, miss) == 1);
    char *broken[] = {a0, bad, outopt, out, NULL};
    CHECK(run_command_quietly(cj_cmd_plot, 4, broken) == 1);
    CHECK(access(out, F_OK) != 0); /* nothing written on failure */
}

/* Pixels of exactly one colour (0xRRGGBB) in a PNG, or -1. */
static long count_color(const char *png, uint32_t rgb)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(png);
    long n = -1;
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
        int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
        int stride = cairo_image_surface_get_stride(s);
        const unsigned char *d = cairo_image_surface_get_data(s);
        n = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                n += (*(const uint32_t *)(const void *)(d + (size_t)y * stride + 4 * x) & 0xffffff) == rgb;
    }
    cairo_surface_destroy(s);
    return n;
}

/* A 10 x 10 heat map at the top of its colour scale (viridis' yellow,
 * 0xfde725) on a wide panel: square cells give a square image; with an
 * extent (a raster over time) the image fills the panel's width, about
 * three times the yellow. The top-left cell alone is at the bottom of the
 * scale (0x440154): with the rows' extent reversed (y0 > y1), the cells
 * stay where the matrix puts them, row 0 at the top, so that cell stays at
 * the top left. */
static long heat_yellow(int extent, double y0, double y1, long *dark_top_left)
{
    cj_figure *fig;
    cj_error err = {0};
    double m[100];
    for (int i = 0; i < 100; i++) m[i] = 1;
    m[0] = 0;
    if (cj_figure_create(&fig, 1, 1, 900, 300, &err)) return -1;
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    cj_panel_set_labels(p, "time (ms)", "unit");
    cj_status st = cj_panel_set_heatmap(p, m, 10, 10, 0, 1, CJ_CMAP_VIRIDIS, NULL, &err);
    if (!st && extent) st = cj_panel_set_heatmap_extent(p, 0, 2000, y0, y1, &err);
    if (!st) st = cj_figure_write_png(fig, tpath("extent.png"), &err);
    cj_figure_free(fig);
    if (st) return -1;
    cairo_surface_t *s = cairo_image_surface_create_from_png(tpath("extent.png"));
    /* The dark cell's pixels in the left third of the top half of the image. */
    *dark_top_left = 0;
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
        int stride = cairo_image_surface_get_stride(s);
        const unsigned char *d = cairo_image_surface_get_data(s);
        for (int y = 0; y < 150; y++)
            for (int x = 0; x < 300; x++)
                *dark_top_left += (*(const uint32_t *)(const void *)(d + (size_t)y * stride + 4 * x) & 0xffffff) ==
                                  0x440154;
    }
    cairo_surface_destroy(s);
    return count_color(tpath("extent.png"), 0xfde725);
}

TEST(heatmap_extent_fills_the_area)
{
    long dark_sq, dark_up, dark_down;
    long square = heat_yellow(0, 0, 0, &dark_sq), filled = heat_yellow(1, 0, 32, &dark_down);
    long flipped = heat_yellow(1, 32, 0, &dark_up);
    CHECK(square > 0 && filled > 0);
    double ratio = square > 0 ? (double)filled / square : 0;
    if (!(ratio > 2.5 && ratio < 4)) test_fail("filled/square yellow %.2f, expected about 3", ratio);
    CHECK(flipped == filled);
    CHECK(dark_down > 100 && dark_up == dark_down);
    /* Errors: not a heat map, empty or non-finite ranges. */
    cj_figure *fig;
    cj_error err = {0};
    CHECK(cj_figure_create(&fig, 1, 1, 300, 200, &err) == CJ_OK);
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    CHECK(cj_panel_set_heatmap_extent(p, 0, 1, 0, 1, &err) == CJ_ERR_ARG && strstr(err.msg, "not a heat map"));
    double m[4] = {1, 2, 3, 4};
    CHECK(cj_panel_set_heatmap(p, m, 2, 2, NAN, NAN, CJ_CMAP_VIRIDIS, NULL, &err) == CJ_OK);
    CHECK(cj_panel_set_heatmap_extent(p, 1, 1, 0, 1, &err) == CJ_ERR_ARG && strstr(err.msg, "x 1..1"));
    CHECK(cj_panel_set_heatmap_extent(p, 0, 1, 2, 2, &err) == CJ_ERR_ARG);
    CHECK(cj_panel_set_heatmap_extent(p, 0, NAN, 0, 1, &err) == CJ_ERR_ARG);
    CHECK(cj_panel_set_heatmap_extent(p, 0, 1, 5, -5, &err) == CJ_OK);
    cj_figure_free(fig);
}

/* Row names with an extent: rows named (tasks down), and the image still
 * fills the area instead of shrinking to square cells. */
TEST(heatmap_extent_keeps_row_names)
{
    double m[100];
    for (int i = 0; i < 100; i++) m[i] = i < 10 ? 0 : 1;
    const char *names[10] = {"fdgo", "reactgo", "delaygo", "fdanti", "reactanti",
                             "delayanti", "dm1", "dm2", "contextdm1", "contextdm2"};
    long yellow[2] = {0, 0};
    for (int extent = 0; extent < 2; extent++) {
        cj_figure *fig;
        cj_error err = {0};
        CHECK(cj_figure_create(&fig, 1, 1, 900, 300, &err) == CJ_OK);
        cj_panel *p = cj_figure_panel(fig, 0, 0);
        cj_status st = cj_panel_set_heatmap(p, m, 10, 10, 0, 1, CJ_CMAP_VIRIDIS, NULL, &err);
        if (!st) st = cj_panel_set_heatmap_names(p, names, NULL, &err);
        if (!st && extent) st = cj_panel_set_heatmap_extent(p, 0, 10, -0.5, 9.5, &err);
        if (!st) st = cj_figure_write_png(fig, tpath("extent_names.png"), &err);
        cj_figure_free(fig);
        CHECK(st == CJ_OK);
        yellow[extent] = count_color(tpath("extent_names.png"), 0xfde725);
    }
    double ratio = yellow[0] > 0 ? (double)yellow[1] / yellow[0] : 0;
    if (!(ratio > 2)) test_fail("named rows: filled/square yellow %.2f, expected above 2", ratio);
}

TEST(figure_scale_grows_with_panel_size)
{
    /* cajal plot's default sizes draw at the reference scale */
    CHECK_NEAR(cj_figure_scale(1500, 480, 1, 3), 1, 1e-12);
    CHECK_NEAR(cj_figure_scale(1200, 900, 2, 2), 1, 1e-12);
    CHECK_NEAR(cj_figure_scale(1500, 900, 2, 3), 1, 1e-12);
    /* 2400x1600 in 2x2: panels of 1200x800, the short side decides */
    CHECK_NEAR(cj_figure_scale(2400, 1600, 2, 2), 800.0 / 450, 1e-12);
    CHECK_NEAR(cj_figure_scale(2400, 1600, 2, 3), 1.6, 1e-12);
    /* a wide, low strip keeps text that fits its height */
    CHECK_NEAR(cj_figure_scale(3000, 480, 1, 3), 480.0 / 450, 1e-12);
    /* small figures stop shrinking at 0.8; a bad grid counts as 1x1 */
    CHECK_NEAR(cj_figure_scale(300, 200, 1, 1), 0.8, 1e-12);
    CHECK_NEAR(cj_figure_scale(1000, 900, 0, -1), 2, 1e-12);
}

/* Non-white pixels of a PNG inside [x0, x1) x [y0, y1), or -1. */
static long ink_in_box(const char *png, int x0, int y0, int x1, int y1)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(png);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return -1;
    }
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    long n = 0;
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < h; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < w; x++)
            n += (*(const uint32_t *)(const void *)(d + (size_t)y * stride + 4 * x) & 0xffffff) != 0xffffff;
    cairo_surface_destroy(s);
    return n;
}

/* Non-white pixels of a PNG, or -1 if it cannot be read. */
static long ink(const char *png) { return ink_in_box(png, 0, 0, INT_MAX, INT_MAX); }

/* A figure title too long for its width (cajal lesion's one panel with a
 * long layer name) shrinks, then breaks into two lines: it never runs
 * past the figure's left and right edges, and the second line is drawn. */
TEST(long_figure_titles_fit_the_width)
{
    static const char *titles[] = {
        "3_conv2d: 16 of 32 units silenced (0-15), weights into 7_dense",
        "a very long title of a narrow figure: 16 of 32 units silenced (0-15), weights into 7_dense cut",
    };
    for (int t = 0; t < 2; t++) {
        cj_figure *fig;
        cj_error err = {0};
        CHECK(cj_figure_create(&fig, 1, 1, 400, 300, &err) == CJ_OK);
        cj_figure_set_title(fig, titles[t]);
        cj_panel *p = cj_figure_panel(fig, 0, 0);
        double x[2] = {0, 1};
        CHECK(cj_panel_add_line(p, x, x, 2, cj_line_style_default(0), "a", &err) == CJ_OK);
        CHECK(cj_figure_write_png(fig, tpath("title.png"), &err) == CJ_OK);
        cj_figure_free(fig);
        CHECK(ink_in_box(tpath("title.png"), 0, 0, 400, 30) > 100);    /* the (first) line */
        CHECK(ink_in_box(tpath("title.png"), 0, 0, 4, 60) == 0);       /* nothing at the edges */
        CHECK(ink_in_box(tpath("title.png"), 396, 0, 400, 60) == 0);
        if (t == 1) CHECK(ink_in_box(tpath("title.png"), 0, 32, 400, 52) > 100); /* the second line */
    }
}

/* One panel with a title, labels, a legend and one red line at y = 0 on a
 * 0..90 axis (as backprop's alignment angle is drawn). */
static cj_status angle_figure(int w, int h, const char *path)
{
    cj_figure *fig;
    cj_error err = {0};
    cj_status st = cj_figure_create(&fig, 1, 1, w, h, &err);
    if (st) return st;
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    cj_panel_set_title(p, "Alignment with backprop gradient");
    cj_panel_set_labels(p, "epoch", "angle to backprop (deg)");
    double x[5] = {1, 2, 3, 4, 5}, y[5] = {0, 0, 0, 0, 0};
    cj_line_style red = {{1, 0, 0}, CJ_DASH_SOLID, 3, CJ_MARKER_NONE};
    st = cj_panel_add_line(p, x, y, 5, red, "bp", &err);
    cj_panel_set_ylim(p, 0, 90);
    if (!st) st = cj_figure_write(fig, path, &err);
    cj_figure_free(fig);
    return st;
}

/* Pixels in image column x with a clear red tint (a red line's
 * antialiased edges included). */
static int red_in_column(const char *png, int x)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(png);
    int n = 0;
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
        int h = cairo_image_surface_get_height(s), stride = cairo_image_surface_get_stride(s);
        const unsigned char *d = cairo_image_surface_get_data(s);
        for (int y = 0; y < h; y++) {
            uint32_t px = *(const uint32_t *)(const void *)(d + (size_t)y * stride + 4 * x);
            int r = (px >> 16) & 255, g = (px >> 8) & 255, b = px & 255;
            n += r > 200 && r - g > 60 && r - b > 60;
        }
    }
    cairo_surface_destroy(s);
    return n;
}

/* Everything scales together: at twice the size in both directions the
 * drawing is the same picture enlarged, so its ink (text, lines, box)
 * grows ~4x. Fixed-size text and 1 px lines gave ~2.6x (lines only get
 * longer). A 3 px line lying on the axis limit is drawn whole over the
 * box: 4 tinted rows (2 full, 2 antialiased halves) at scale 1 and 6 full
 * rows at scale 2; clipped at the box and drawn under it, as before, it
 * showed 2 and 3. */
TEST(figure_text_and_lines_scale_with_size)
{
    CHECK(angle_figure(500, 450, tpath("s1.png")) == CJ_OK);
    CHECK(angle_figure(1000, 900, tpath("s2.png")) == CJ_OK);
    long a = ink(tpath("s1.png")), b = ink(tpath("s2.png"));
    CHECK(a > 0 && b > 0);
    double ratio = a > 0 ? (double)b / a : 0;
    if (!(ratio > 3.4 && ratio < 4.6)) test_fail("ink grew %.2fx, expected ~4x", ratio);
    int r1 = red_in_column(tpath("s1.png"), 250), r2 = red_in_column(tpath("s2.png"), 500);
    if (r1 < 4 || r1 > 5) test_fail("line at 0: %d red rows at scale 1, expected 4", r1);
    if (r2 < 6 || r2 > 8) test_fail("line at 0: %d red rows at scale 2, expected 6", r2);
}

TEST(figure_format_from_extension)
{
    cj_figure_format f = CJ_FIGURE_PDF;
    cj_error err = {0};
    CHECK(cj_figure_format_of("runs/curves.png", &f, &err) == CJ_OK && f == CJ_FIGURE_PNG);
    CHECK(cj_figure_format_of("Curves.SVG", &f, &err) == CJ_OK && f == CJ_FIGURE_SVG);
    CHECK(cj_figure_format_of("a.b/fig.pdf", &f, &err) == CJ_OK && f == CJ_FIGURE_PDF);
    CHECK(cj_figure_format_of("out/curves.jpg", &f, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "out/curves.jpg") && strstr(err.msg, "\".jpg\""));
    /* a dot in a folder name is no extension */
    CHECK(cj_figure_format_of("runs.v2/curves", &f, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "runs.v2/curves") && strstr(err.msg, "no file extension"));
    CHECK(cj_figure_format_of("curves.", &f, &err) == CJ_ERR_ARG);

    /* cj_figure_write refuses before creating anything */
    cj_figure *fig;
    CHECK(cj_figure_create(&fig, 1, 1, 300, 200, &err) == CJ_OK);
    CHECK(cj_figure_write(fig, tpath("x.gif"), &err) == CJ_ERR_ARG);
    CHECK(access(tpath("x.gif"), F_OK) != 0);
    CHECK(cj_figure_write_svg(fig, tpath("no/such/dir/x.svg"), &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, "no/such/dir") != NULL);
    CHECK(cj_figure_write_pdf(fig, tpath("no/such/dir/x.pdf"), &err) == CJ_ERR_IO);
    cj_figure_free(fig);
}

/* Tags in s nest properly (each closing tag closes the innermost open
 * one, "<x/>" closes itself, "<?...?>" and comments are skipped) and
 * there is exactly one top-level element, named `root`. A structural
 * check, not a validating XML parser. */
static int xml_balanced(const char *s, const char *root)
{
    char stack[64][32];
    int depth = 0, tops = 0;
    for (const char *c = strchr(s, '<'); c; c = strchr(c, '<')) {
        if (!strncmp(c, "<?", 2) || !strncmp(c, "<!--", 4)) {
            const char *e = strstr(c, c[1] == '?' ? "?>" : "-->");
            if (!e) return 0;
            c = e + 1;
            continue;
        }
        int closing = c[1] == '/';
        const char *n = c + 1 + closing;
        size_t len = strcspn(n, " \t\r\n/>");
        if (len == 0 || len >= sizeof stack[0]) return 0;
        const char *e = n + len; /* the tag's end, skipping quoted values */
        char q = 0;
        for (; *e && (q || *e != '>'); e++)
            if (*e == '"' || *e == '\'') q = q == *e ? 0 : q ? q : *e;
        if (!*e) return 0;
        int self = e[-1] == '/';
        if (closing) {
            if (depth == 0 || strncmp(stack[depth - 1], n, len) || stack[depth - 1][len]) return 0;
            depth--;
        } else if (!self) {
            if (depth == 64) return 0;
            if (depth == 0 && (tops++ || strncmp(n, root, len) || root[len])) return 0;
            memcpy(stack[depth], n, len);
            stack[depth++][len] = '\0';
        }
        c = e;
    }
    return depth == 0 && tops == 1;
}

static size_t count_of(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *c = strstr(s, needle); c; c = strstr(c + 1, needle)) n++;
    return n;
}

/* The same figure as PNG, SVG and PDF. cairo writes SVG text as glyph
 * outlines (one <use> per character drawn), so the labels cannot be read
 * back; what is checked is the structure: balanced tags, the size in px,
 * the red line's stroke, and at least one glyph per character of the
 * texts we set. The PDF is checked for its header, page size (0.75 pt
 * per px), an embedded font and a complete trailer. */
TEST(figure_writes_svg_and_pdf)
{
    const char *texts[] = {"Alignment with backprop gradient", "epoch", "angle to backprop (deg)",
                           "bp"};
    size_t chars = 0;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        for (const char *c = texts[i]; *c; c++) chars += *c != ' ';

    CHECK(angle_figure(640, 320, tpath("f.svg")) == CJ_OK);
    size_t n = 0;
    char *svg = fixture_read(tpath("f.svg"), &n);
    CHECK(svg != NULL);
    if (svg) {
        CHECK(!strncmp(svg, "<?xml", 5));
        CHECK(xml_balanced(svg, "svg"));
        CHECK(strstr(svg, "width=\"640px\"") && strstr(svg, "height=\"320px\""));
        CHECK(strstr(svg, "viewBox=\"0 0 640 320\"") != NULL);
        CHECK(strstr(svg, "stroke:rgb(100%,0%,0%)") != NULL); /* the red line */
        size_t glyphs = count_of(svg, "<use");
        if (glyphs < chars) test_fail("SVG draws %zu glyphs, the texts have %zu", glyphs, chars);
        free(svg);
    }

    CHECK(angle_figure(640, 320, tpath("f.pdf")) == CJ_OK);
    char *pdf = fixture_read(tpath("f.pdf"), &n);
    CHECK(pdf != NULL);
    if (pdf) {
        CHECK(n > 2000 && !strncmp(pdf, "%PDF-", 5));
        CHECK(memmem(pdf, n, "/MediaBox [ 0 0 480 240 ]", 25) != NULL);
        CHECK(memmem(pdf, n, "/FontFile", 9) != NULL);
        CHECK(n > 16 && memmem(pdf + n - 16, 16, "%%EOF", 5) != NULL);
        free(pdf);
    }
    char tmp[64];
    snprintf(tmp, sizeof tmp, "f.pdf.tmp.%ld", (long)getpid());
    CHECK(access(tpath(tmp), F_OK) != 0); /* written through a renamed temporary */
}

static const char *const mlp_layers[] = {"1:Linear", "3:Linear", "5:Linear"};
static const char *const cnn_layers[] = {"0:Conv2d", "3:Conv2d", "7:Linear", "9:Linear"};
static const double epochs[2] = {1, 2};
static const double angles[8] = {80, 60, 0, 0, 75, 55, 0, 0}; /* 2 epochs x up to 4 layers */

static int same_rgb(cj_rgb a, cj_rgb b) { return a.r == b.r && a.g == b.g && a.b == b.b; }

/* An MLP run beside a CNN run: the legend must give each run its own
 * layer names. It used to label one dash key with the CNN's layers for
 * both, so the MLP's 1:Linear was listed as "0:Conv2d". */
TEST(layer_legend_names_each_runs_own_layers)
{
    cj_layer_run runs[2] = {
        {"mlp (fa)", 0, 2, epochs, angles, 3, mlp_layers, NULL},
        {"cnn (bp)", 1, 2, epochs, angles, 4, cnn_layers, NULL},
    };
    CHECK(!cj_layer_runs_share_layers(runs, 2));
    cj_figure *fig;
    cj_error err = {0};
    CHECK(cj_figure_create(&fig, 1, 1, 500, 450, &err) == CJ_OK);
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    CHECK(cj_panel_add_layer_runs(p, runs, 2, &err) == CJ_OK);
    /* per run: a heading, then one labelled line per layer */
    CHECK(p->n_series == 2 + 3 + 4);
    int k = 0, lines = 0;
    for (int r = 0; r < 2 && k < p->n_series; r++) {
        const plot_series *h = &p->series[k++];
        CHECK(h->legend_heading && h->n == 0 && h->legend_group == r);
        CHECK(!strcmp(h->label, runs[r].name));
        for (int l = 0; l < runs[r].n_layers && k < p->n_series; l++, k++) {
            const plot_series *s = &p->series[k];
            CHECK(!s->legend_heading && s->n == 2 && s->legend_group == r);
            CHECK(!strcmp(s->label, runs[r].layers[l]));
            CHECK(same_rgb(s->style.color, cj_palette(r)));
            CHECK(s->style.dash == (cj_dash)l); /* dash tells a run's layers apart */
            CHECK_NEAR(s->y[1], angles[1 * runs[r].n_layers + l], 0);
            lines++;
        }
    }
    CHECK(lines == 7);
    for (int i = 0; i < p->n_series; i++) CHECK(strncmp(p->series[i].label, "layer ", 6));

    /* The legend is a column per run: as tall as the CNN's alone, and wider. */
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 500, 450);
    cairo_t *cr = cairo_create(surf);
    plot_legend both, cnn_only;
    cj_plot_legend_measure(cr, p, &both);
    CHECK(both.n == 9 && both.grouped);
    cj_figure *fig2;
    CHECK(cj_figure_create(&fig2, 1, 1, 500, 450, &err) == CJ_OK);
    cj_panel *q = cj_figure_panel(fig2, 0, 0);
    CHECK(cj_panel_add_layer_runs(q, &runs[1], 1, &err) == CJ_OK);
    cj_plot_legend_measure(cr, q, &cnn_only);
    CHECK(cnn_only.n == 5 && !cnn_only.grouped);
    CHECK_NEAR(both.h, cnn_only.h, 0.5);
    CHECK(both.w > 1.5 * cnn_only.w);
    /* too narrow for two columns: they wrap into two bands */
    plot_legend wrapped = both;
    cj_plot_legend_columns(cr, p, &wrapped, both.w - 10);
    CHECK(wrapped.h > both.h + 3 * both.row_h && wrapped.w < both.w);
    cairo_destroy(cr);
    cairo_surface_destroy(surf);
    CHECK(cj_figure_write(fig, tpath("layers.png"), &err) == CJ_OK);
    cj_figure_free(fig);
    cj_figure_free(fig2);
}

/* Runs of one network keep the compact key: a colour per run, a grey dash
 * per layer, runs + layers entries instead of runs x layers. */
TEST(layer_legend_shares_a_key_when_layers_match)
{
    cj_layer_run runs[2] = {
        {"mlp (bp)", 0, 2, epochs, angles, 3, mlp_layers, NULL},
        {"mlp (fa)", 1, 2, epochs, angles, 3, mlp_layers, NULL},
    };
    CHECK(cj_layer_runs_share_layers(runs, 2));
    static const char *const renamed[] = {"1:Linear", "3:Linear", "6:Linear"};
    cj_layer_run other = {"x", 2, 2, epochs, angles, 3, renamed, NULL};
    cj_layer_run pair[2] = {runs[0], other};
    CHECK(!cj_layer_runs_share_layers(pair, 2)); /* same count, another name */

    cj_figure *fig;
    cj_error err = {0};
    CHECK(cj_figure_create(&fig, 1, 1, 500, 450, &err) == CJ_OK);
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    CHECK(cj_panel_add_layer_runs(p, runs, 2, &err) == CJ_OK);
    CHECK(p->n_series == 6 + 3);
    const char *want[9] = {"mlp (bp)", "", "", "mlp (fa)", "", "", "layer 1:Linear",
                           "layer 3:Linear", "layer 5:Linear"};
    for (int i = 0; i < p->n_series && i < 9; i++) {
        const plot_series *s = &p->series[i];
        if (strcmp(s->label, want[i])) test_fail("entry %d is \"%s\", expected \"%s\"", i, s->label, want[i]);
        CHECK(s->legend_group == 0 && !s->legend_heading);
        CHECK(s->n == (i < 6 ? 2 : 0));
    }
    CHECK(p->series[6 + 2].style.dash == p->series[3 + 2].style.dash);
    cj_figure_free(fig);

    /* one run: its layers under its name */
    CHECK(cj_figure_create(&fig, 1, 1, 500, 450, &err) == CJ_OK);
    p = cj_figure_panel(fig, 0, 0);
    CHECK(cj_panel_add_layer_runs(p, runs, 1, &err) == CJ_OK);
    CHECK(p->n_series == 4 && p->series[0].legend_heading);
    CHECK(!strcmp(p->series[0].label, "mlp (bp)") && !strcmp(p->series[3].label, "5:Linear"));
    cj_figure_free(fig);
}

TEST(cmd_plot_labels_and_formats)
{
    write_run("lab_mlp", fa_run);
    write_run("lab_cnn", "{\"epoch\":1,\"train_loss\":2.1,\"test_acc\":0.3,\"rule\":\"bp\","
                         "\"layers\":[\"0:Conv2d\",\"3:Conv2d\",\"7:Linear\",\"9:Linear\"],"
                         "\"align_deg\":[0,0,0,0]}\n");
    char a0[] = "plot", o[] = "--out", l[] = "--labels", d1[600], d2[600], out[600], msg[1024];
    snprintf(d1, sizeof d1, "%s", tpath("lab_mlp"));
    snprintf(d2, sizeof d2, "%s", tpath("lab_cnn"));

    char one[] = "MLP";
    snprintf(out, sizeof out, "%s", tpath("lab.png"));
    char *few[] = {a0, d1, d2, l, one, o, out, NULL};
    CHECK(plot_capture(7, few, msg, sizeof msg) == 2);
    CHECK(strstr(msg, "--labels gives 1 name for 2 runs") != NULL);
    CHECK(strchr(msg, '\n') == msg + strlen(msg) - 1); /* one line */
    CHECK(access(out, F_OK) != 0);

    char three[] = "a,b,c", empty[] = "MLP, ", lng[200];
    char *many[] = {a0, d1, d2, l, three, o, out, NULL};
    CHECK(plot_capture(7, many, msg, sizeof msg) == 2);
    CHECK(strstr(msg, "--labels gives 3 names for 2 runs") != NULL);
    char *blank[] = {a0, d1, d2, l, empty, o, out, NULL};
    CHECK(plot_capture(7, blank, msg, sizeof msg) == 2);
    CHECK(strstr(msg, "name 2 of 2 is empty") != NULL);
    memset(lng, 'x', 100);
    snprintf(lng + 100, sizeof lng - 100, ",y");
    char *toolong[] = {a0, d1, d2, l, lng, o, out, NULL};
    CHECK(plot_capture(7, toolong, msg, sizeof msg) == 2);
    CHECK(strstr(msg, "name 1") && strstr(msg, "longer than"));

    char good[] = "--labels=feedback alignment , CNN";
    char *ok[] = {a0, d1, d2, good, o, out, NULL};
    CHECK(plot_capture(6, ok, msg, sizeof msg) == 0);
    uint32_t w = 0, h = 0;
    CHECK(png_size(out, &w, &h) && w == 1500 && h == 480);

    /* the format follows the extension; an unknown one is named */
    char svg[600], pdf[600], jpg[600];
    snprintf(svg, sizeof svg, "%s", tpath("lab.svg"));
    snprintf(pdf, sizeof pdf, "%s", tpath("lab.PDF"));
    snprintf(jpg, sizeof jpg, "%s", tpath("lab.jpg"));
    char *as_svg[] = {a0, d1, d2, o, svg, NULL};
    CHECK(plot_capture(5, as_svg, msg, sizeof msg) == 0);
    char *s = fixture_read(svg, NULL);
    CHECK(s && xml_balanced(s, "svg") && strstr(s, "width=\"1500px\""));
    free(s);
    char *as_pdf[] = {a0, d1, d2, o, pdf, NULL};
    CHECK(plot_capture(5, as_pdf, msg, sizeof msg) == 0);
    s = fixture_read(pdf, NULL);
    CHECK(s && !strncmp(s, "%PDF-", 5));
    free(s);
    char *as_jpg[] = {a0, d1, d2, o, jpg, NULL};
    CHECK(plot_capture(5, as_jpg, msg, sizeof msg) == 2);
    CHECK(strstr(msg, "\".jpg\"") && strstr(msg, "lab.jpg"));
    CHECK(access(jpg, F_OK) != 0);
}

/* fontconfig (loaded by cairo for text) leaks a few hundred bytes while
 * parsing its configuration, once per process; LeakSanitizer reads this
 * hook under `make test SANITIZE=1`, so only leaks of ours fail the run. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cajal_test_plot_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(ticks_linear_are_round_and_inside);
    RUN(ticks_survive_ranges_at_the_limit_of_double);
    RUN(ticks_log_pick_decades_or_125);
    RUN(tick_labels_are_short);
    RUN(metrics_read_parses_values);
    RUN(metrics_read_perturbation_tables);
    RUN(metrics_read_errors_name_file_and_line);
    RUN(figure_rejects_bad_arguments);
    RUN(figure_png_has_size_and_nan_gaps);
    RUN(heatmap_extent_fills_the_area);
    RUN(heatmap_extent_keeps_row_names);
    RUN(cmd_plot_writes_png);
    RUN(cmd_plot_draws_values_equal_to_rounding);
    RUN(cmd_plot_errors_and_usage);
    RUN(figure_scale_grows_with_panel_size);
    RUN(figure_text_and_lines_scale_with_size);
    RUN(long_figure_titles_fit_the_width);
    RUN(figure_format_from_extension);
    RUN(figure_writes_svg_and_pdf);
    RUN(layer_legend_names_each_runs_own_layers);
    RUN(layer_legend_shares_a_key_when_layers_match);
    RUN(cmd_plot_labels_and_formats);
    if (!getenv("CAJAL_KEEP_TMP")) nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return test_summary("plot");
}
