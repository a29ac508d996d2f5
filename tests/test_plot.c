/* test_plot.c — the figure library (ticks, PNG output, gaps), the
 * metrics.jsonl reader and `cajal plot`, on fixture files written to a
 * temporary directory. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>

#include "../src/cli/commands.h"
#include "cajal/metrics.h"
#include "cajal/plot.h"
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

/* Run `cajal plot` with its stdout and stderr thrown away (the error
 * cases print on purpose). */
static int plot_quietly(int argc, char **argv)
{
    fflush(stdout);
    fflush(stderr);
    int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    int rc = cj_cmd_plot(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    close(null);
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
    CHECK(plot_quietly(7, argv) == 0);
    uint32_t w = 0, h = 0;
    CHECK(png_size(out, &w, &h));
    CHECK(w == 900 && h == 600);

    /* default size: three panels in a row */
    char *argv2[] = {a0, d1, d2, a3, out, NULL};
    CHECK(plot_quietly(5, argv2) == 0);
    CHECK(png_size(out, &w, &h) && w == 1500 && h == 480);

    /* a perturbation run adds bias and variance panels: 2x3 grid */
    write_run("mlp_np", "{\"epoch\":1,\"train_loss\":2.1,\"rule\":\"np\",\"align_deg\":[85,80],"
                        "\"grad_bias\":[0.3,0.2],\"grad_variance\":[40,12]}\n"
                        "{\"epoch\":2,\"train_loss\":2.0,\"rule\":\"np\",\"align_deg\":[84,79],"
                        "\"grad_bias\":[0.28,0.15],\"grad_variance\":[35,10]}\n");
    char d3[600];
    snprintf(d3, sizeof d3, "%s/metrics.jsonl", tpath("mlp_np")); /* the file itself */
    char *argv3[] = {a0, d1, d3, a3, out, NULL};
    CHECK(plot_quietly(5, argv3) == 0);
    CHECK(png_size(out, &w, &h) && w == 1500 && h == 900);

    /* data.validation adds a dotted val_loss line; counts have no accuracy */
    write_run("poisson", "{\"epoch\":1,\"train_loss\":0.3,\"val_loss\":0.2,\"val_acc\":null,\"test_loss\":null,"
                         "\"test_acc\":null,\"rule\":\"bp\",\"align_deg\":[0]}\n"
                         "{\"epoch\":2,\"train_loss\":-0.1,\"val_loss\":-0.05,\"rule\":\"bp\",\"align_deg\":[0]}\n");
    char d4[600];
    snprintf(d4, sizeof d4, "%s", tpath("poisson"));
    char *argv4[] = {a0, d4, a3, out, NULL};
    CHECK(plot_quietly(4, argv4) == 0);
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
    CHECK(plot_quietly(4, argv) == 0);
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
    CHECK(plot_quietly(2, h) == 0);
    char *none[] = {a0, NULL};
    CHECK(plot_quietly(1, none) == 2);
    char *unknown[] = {a0, bad, bogus, NULL};
    CHECK(plot_quietly(3, unknown) == 2);
    char *noval[] = {a0, bad, outopt, NULL};
    CHECK(plot_quietly(3, noval) == 2);
    char *sz[] = {a0, bad, size, badsize, NULL};
    CHECK(plot_quietly(4, sz) == 2);
    char *miss[] = {a0, missing, outopt, out, NULL};
    CHECK(plot_quietly(4, miss) == 1);
    char *broken[] = {a0, bad, outopt, out, NULL};
    CHECK(plot_quietly(4, broken) == 1);
    CHECK(access(out, F_OK) != 0); /* nothing written on failure */
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
    RUN(cmd_plot_writes_png);
    RUN(cmd_plot_draws_values_equal_to_rounding);
    RUN(cmd_plot_errors_and_usage);
    if (!getenv("CAJAL_KEEP_TMP")) nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return test_summary("plot");
}
