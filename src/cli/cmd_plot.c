/* cmd_plot.c — `cajal plot RUN_DIR... [--out FILE] [--labels A,B,...]`:
 * learning curves and alignment with the backprop gradient for several runs
 * side by side, to compare learning rules as in Richards et al. 2019 (Nat.
 * Neurosci. 22:1761). Each RUN_DIR holds the metrics.jsonl that `cajal
 * train` wrote; a path to the .jsonl file itself works too. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/metrics.h"
#include "cajal/plot.h"
#include "commands.h"

static const char usage[] =
    "usage: cajal plot RUN_DIR... [--out FILE] [--size WxH] [--labels A,B,...]\n"
    "Plot test accuracy, train/test loss and alignment angle per layer against epoch\n"
    "for each run (and gradient-estimate bias/variance when a run has them).\n"
    "  RUN_DIR       a directory holding metrics.jsonl, or the .jsonl file itself\n"
    "  --out FILE    figure to write, as .png, .svg or .pdf by its extension\n"
    "                (default curves.png)\n"
    "  --size WxH    figure size in pixels (default 1500x480 for three panels,\n"
    "                1200x900 for four, 1500x900 for five); text and lines grow\n"
    "                with it\n"
    "  --labels A,B  legend names for the runs, one per RUN_DIR in order, instead\n"
    "                of \"folder (rule)\"\n"
    "  -h, --help    show this help\n";

#define NAME_MAX_LEN 64
#define LABEL_LEN 96

typedef struct {
    const char *arg; /* as given on the command line */
    char *path;      /* metrics file (owned) */
    char name[NAME_MAX_LEN];
    char label[LABEL_LEN]; /* name and rule: "mlp_fa (fa)" */
    cj_metrics m;
} run;

typedef struct {
    const char *out;
    const char *labels; /* --labels as given, or NULL */
    int width, height;  /* 0: chosen by panel count */
    int n_runs;
    run *runs;
} options;

static int usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "cajal plot: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n%s", usage);
    return 2;
}

/* A bad value of an option that was used correctly: one line, no usage. */
static int __attribute__((format(printf, 1, 2))) value_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cajal plot: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 2;
}

/* Split --labels at commas into the runs' labels, trimming spaces at the
 * ends of each name. Returns -1 when all is well, else 2 after a one-line
 * message: a count that differs from the runs', an empty or a too long name. */
static int apply_labels(options *o)
{
    int count = 1;
    for (const char *c = o->labels; *c; c++) count += *c == ',';
    if (count != o->n_runs)
        return value_error("--labels gives %d name%s for %d run%s: one name per RUN_DIR, "
                           "separated by commas", count, count == 1 ? "" : "s", o->n_runs,
                           o->n_runs == 1 ? "" : "s");
    const char *c = o->labels;
    for (int r = 0; r < o->n_runs; r++) {
        const char *end = strchr(c, ',');
        if (!end) end = c + strlen(c);
        const char *a = c, *b = end;
        while (a < b && *a == ' ') a++;
        while (b > a && b[-1] == ' ') b--;
        if (a == b) return value_error("--labels: name %d of %d is empty", r + 1, o->n_runs);
        if (b - a >= NAME_MAX_LEN)
            return value_error("--labels: name %d (\"%.*s\") is longer than %d bytes", r + 1,
                               (int)(b - a), a, NAME_MAX_LEN - 1);
        snprintf(o->runs[r].label, sizeof o->runs[r].label, "%.*s", (int)(b - a), a);
        c = *end ? end + 1 : end;
    }
    return -1;
}

/* Returns -1 when the command should go on, else the exit status to
 * return now (0 after --help, 2 for a usage error). */
static int parse_args(int argc, char **argv, options *o)
{
    o->out = "curves.png";
    int positional_only = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!positional_only && a[0] == '-' && a[1]) {
            if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
                fputs(usage, stdout);
                return 0;
            } else if (!strcmp(a, "--")) {
                positional_only = 1;
            } else if (!strcmp(a, "--out") || !strcmp(a, "--size") || !strcmp(a, "--labels")) {
                if (i + 1 >= argc) return usage_error("%s needs a value", a);
                i++;
                if (!strcmp(a, "--out"))
                    o->out = argv[i];
                else if (!strcmp(a, "--labels"))
                    o->labels = argv[i];
                else if (sscanf(argv[i], "%dx%d", &o->width, &o->height) != 2 ||
                         o->width < 200 || o->height < 150 || o->width > 16000 ||
                         o->height > 16000)
                    return usage_error("--size %s: expected WxH, e.g. 1200x900, each side "
                                       "200..16000 px", argv[i]);
            } else if (!strncmp(a, "--out=", 6)) {
                o->out = a + 6;
            } else if (!strncmp(a, "--labels=", 9)) {
                o->labels = a + 9;
            } else {
                return usage_error("unknown option %s", a);
            }
            continue;
        }
        o->runs[o->n_runs++].arg = a;
    }
    if (o->n_runs == 0) return usage_error("%s", "no run directories given");
    if (!*o->out) return usage_error("%s", "--out needs a file name");
    /* Checked before any run is read, so a typo costs nothing. */
    cj_figure_format fmt;
    cj_error err = {0};
    if (cj_figure_format_of(o->out, &fmt, &err)) return value_error("--out %s", err.msg);
    return o->labels ? apply_labels(o) : -1;
}

/* "runs/mlp_fa/" -> "mlp_fa"; "runs/mlp/metrics.jsonl" -> "mlp". */
static void run_name(const char *arg, int is_file, char *out, size_t len)
{
    size_t n = strlen(arg);
    while (n > 1 && arg[n - 1] == '/') n--;
    size_t start = n;
    while (start > 0 && arg[start - 1] != '/') start--;
    if (is_file && start > 1) { /* name the run by its directory */
        size_t end = start - 1;
        while (end > 1 && arg[end - 1] == '/') end--;
        size_t s = end;
        while (s > 0 && arg[s - 1] != '/') s--;
        if (end > s && strncmp(arg + s, "..", end - s) && strncmp(arg + s, ".", end - s)) {
            start = s;
            n = end;
        }
    }
    snprintf(out, len, "%.*s", (int)(n - start), arg + start);
    if (!strcmp(out, ".") || !strcmp(out, "..") || !*out) snprintf(out, len, "%s", arg);
}

static int load_runs(options *o)
{
    for (int r = 0; r < o->n_runs; r++) {
        run *u = &o->runs[r];
        struct stat sb;
        int is_file = stat(u->arg, &sb) == 0 && S_ISREG(sb.st_mode);
        u->path = is_file ? cj_path_printf("%s", u->arg) : cj_path_join(u->arg, "metrics.jsonl");
        if (!u->path) {
            fprintf(stderr, "cajal plot: out of memory\n");
            return 1;
        }
        run_name(u->arg, is_file, u->name, sizeof u->name);
        cj_error err = {0};
        if (cj_metrics_read(u->path, &u->m, &err)) {
            fprintf(stderr, "cajal plot: %s\n", err.msg);
            return 1;
        }
    }
    if (o->labels) return 0; /* the caller's names, set by apply_labels */
    /* Two runs both called "mlp" (runs/a/mlp, runs/b/mlp) would share a
     * legend label; fall back to the path as given. */
    for (int r = 0; r < o->n_runs; r++)
        for (int q = 0; q < o->n_runs; q++)
            if (q != r && !strcmp(o->runs[r].name, o->runs[q].name) &&
                strcmp(o->runs[r].arg, o->runs[q].arg))
                snprintf(o->runs[r].name, sizeof o->runs[r].name, "%s", o->runs[r].arg);
    for (int r = 0; r < o->n_runs; r++) {
        run *u = &o->runs[r];
        if (u->m.rule)
            snprintf(u->label, sizeof u->label, "%s (%s)", u->name, u->m.rule);
        else
            snprintf(u->label, sizeof u->label, "%s", u->name);
    }
    return 0;
}

/* The per-layer tables of cj_metrics, by which panel shows them. */
typedef enum { TABLE_ALIGN, TABLE_BIAS, TABLE_VARIANCE } table_kind;

static const double *table_of(const cj_metrics *m, table_kind k)
{
    return k == TABLE_ALIGN ? m->align_deg : k == TABLE_BIAS ? m->grad_bias : m->grad_variance;
}

/* The table's 95% intervals over the diagnostic draws, or NULL. */
static const double *ci_of(const cj_metrics *m, table_kind k)
{
    return k == TABLE_ALIGN ? m->align_deg_ci : k == TABLE_BIAS ? m->grad_bias_ci : m->grad_variance_ci;
}

static int any_finite(const double *v, int n, int stride)
{
    for (int i = 0; v && i < n; i++)
        if (isfinite(v[(size_t)i * stride])) return 1;
    return 0;
}

static int all_positive(const double *v, size_t n)
{
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) continue;
        if (v[i] <= 0) return 0;
        any = 1;
    }
    return any;
}

static cj_status panel_accuracy(cj_panel *p, const options *o, cj_error *err)
{
    cj_panel_set_title(p, "Test accuracy");
    cj_panel_set_labels(p, "epoch", "test accuracy (%)");
    cj_panel_set_xinteger(p, 1);
    for (int r = 0; r < o->n_runs; r++) {
        const cj_metrics *m = &o->runs[r].m;
        if (!any_finite(m->test_acc, m->n_epochs, 1)) continue;
        double *pct = malloc((size_t)m->n_epochs * sizeof *pct);
        if (!pct) return cj_fail(err, CJ_ERR_NOMEM, "accuracy panel: out of memory");
        for (int e = 0; e < m->n_epochs; e++) pct[e] = 100 * m->test_acc[e];
        cj_status st = cj_panel_add_line(p, m->epoch, pct, m->n_epochs, cj_line_style_default(r),
                                         o->runs[r].label, err);
        free(pct);
        if (st) return st;
    }
    return CJ_OK;
}

/* Colour says which run, line style which data: train (solid),
 * validation (dotted, with data.validation) or test (dashed); grey legend
 * entries explain the styles once, when more than one is drawn. */
static cj_status panel_loss(cj_panel *p, const options *o, cj_error *err)
{
    cj_panel_set_title(p, "Loss");
    cj_panel_set_labels(p, "epoch", "loss");
    cj_panel_set_xinteger(p, 1);
    static const cj_dash dash[3] = {CJ_DASH_SOLID, CJ_DASH_DOTTED, CJ_DASH_DASHED};
    static const char *const name[3] = {"train", "validation", "test"};
    int any[3] = {0, 0, 0};
    cj_status st = CJ_OK;
    for (int r = 0; r < o->n_runs && !st; r++) {
        const cj_metrics *m = &o->runs[r].m;
        const double *col[3] = {m->train_loss, m->val_loss, m->test_loss};
        const char *label = o->runs[r].label; /* on the run's first line only */
        for (int k = 0; k < 3 && !st; k++) {
            if (!any_finite(col[k], m->n_epochs, 1)) continue;
            any[k] = 1;
            cj_line_style s = cj_line_style_default(r);
            s.dash = dash[k];
            st = cj_panel_add_line(p, m->epoch, col[k], m->n_epochs, s, label, err);
            label = NULL;
        }
    }
    if (st || any[0] + any[1] + any[2] < 2) return st;
    cj_line_style key = {{0.45, 0.45, 0.45}, CJ_DASH_SOLID, 2.0, CJ_MARKER_NONE};
    for (int k = 0; k < 3 && !st; k++) {
        if (!any[k]) continue;
        key.dash = dash[k];
        st = cj_panel_add_line(p, NULL, NULL, 0, key, name[k], err);
    }
    return st;
}

/* One line per run and layer; cj_panel_add_layer_runs picks a legend
 * that names each line right whether or not the runs share layers. Colour
 * index = position on the command line, as in the other panels. Runs of
 * stochastic rules have 95% intervals over the diagnostic draws: a band
 * under each line, explained once by a grey swatch. */
static cj_status panel_per_layer(cj_panel *p, const options *o, table_kind k, cj_error *err)
{
    cj_panel_set_xinteger(p, 1);
    cj_layer_run *lr = calloc((size_t)o->n_runs, sizeof *lr);
    if (!lr) return cj_fail(err, CJ_ERR_NOMEM, "per-layer panel: out of memory");
    int n = 0, bands = 0;
    for (int r = 0; r < o->n_runs; r++) {
        const cj_metrics *m = &o->runs[r].m;
        if (!table_of(m, k)) continue;
        const double *ci = ci_of(m, k);
        bands |= any_finite(ci, 2 * m->n_epochs * m->n_layers, 1);
        lr[n++] = (cj_layer_run){o->runs[r].label, r, m->n_epochs, m->epoch, table_of(m, k),
                                 m->n_layers, (const char *const *)m->layers, ci};
    }
    cj_status st = cj_panel_add_layer_runs(p, lr, n, err);
    free(lr);
    cj_line_style key = {{0.45, 0.45, 0.45}, CJ_DASH_SOLID, 2.0, CJ_MARKER_NONE};
    if (!st && bands) st = cj_panel_add_band(p, NULL, NULL, NULL, 0, key, "95% interval over draws", err);
    return st;
}

/* Angles are read against 0 (the true gradient) and 90 degrees (no better
 * than chance), so the axis starts at 0 and reaches 90 unless an angle
 * goes past it (DFA's early layers can). */
static void angle_axis(cj_panel *p, const options *o)
{
    double max = 0;
    for (int r = 0; r < o->n_runs; r++) {
        const cj_metrics *m = &o->runs[r].m;
        const double *t = table_of(m, TABLE_ALIGN);
        for (size_t i = 0; t && i < (size_t)m->n_epochs * m->n_layers; i++)
            if (t[i] > max) max = t[i]; /* NaN never compares greater */
    }
    cj_panel_set_ylim(p, 0, max <= 90 ? 90 : NAN);
}

/* Log scale when every value is > 0: bias and variance of perturbation
 * estimates span decades across layers. */
static void choose_log_y(cj_panel *p, const options *o, table_kind k)
{
    int ok = 0;
    for (int r = 0; r < o->n_runs; r++) {
        const cj_metrics *m = &o->runs[r].m;
        const double *t = table_of(m, k);
        if (!t) continue;
        if (!all_positive(t, (size_t)m->n_epochs * m->n_layers)) return;
        ok = 1;
    }
    if (ok) cj_panel_set_yscale(p, CJ_SCALE_LOG);
}

static int has_table(const options *o, table_kind k)
{
    for (int r = 0; r < o->n_runs; r++)
        if (table_of(&o->runs[r].m, k)) return 1;
    return 0;
}

static cj_status build_and_write(const options *o, cj_error *err)
{
    int has_bias = has_table(o, TABLE_BIAS), has_var = has_table(o, TABLE_VARIANCE);
    int n_panels = 3 + has_bias + has_var;
    int rows = n_panels == 3 ? 1 : 2, cols = n_panels == 4 ? 2 : 3;
    int w = o->width ? o->width : cols == 3 ? 1500 : 1200;
    int h = o->height ? o->height : rows == 1 ? 480 : 900;

    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, rows, cols, w, h, err);
    if (st) return st;
    cj_panel *panels[5];
    for (int i = 0; i < n_panels; i++) panels[i] = cj_figure_panel(fig, i / cols, i % cols);

    st = panel_accuracy(panels[0], o, err);
    if (!st) st = panel_loss(panels[1], o, err);
    if (!st) {
        cj_panel_set_title(panels[2], "Alignment with backprop gradient");
        cj_panel_set_labels(panels[2], "epoch", "angle to backprop (deg)");
        st = panel_per_layer(panels[2], o, TABLE_ALIGN, err);
        angle_axis(panels[2], o);
    }
    int next = 3;
    if (!st && has_bias) {
        cj_panel *p = panels[next++];
        cj_panel_set_title(p, "Gradient estimate: bias");
        cj_panel_set_labels(p, "epoch", "relative bias");
        choose_log_y(p, o, TABLE_BIAS);
        st = panel_per_layer(p, o, TABLE_BIAS, err);
    }
    if (!st && has_var) {
        cj_panel *p = panels[next++];
        cj_panel_set_title(p, "Gradient estimate: variance");
        cj_panel_set_labels(p, "epoch", "relative variance");
        choose_log_y(p, o, TABLE_VARIANCE);
        st = panel_per_layer(p, o, TABLE_VARIANCE, err);
    }
    if (!st) st = cj_figure_write(fig, o->out, err);
    cj_figure_free(fig);
    return st;
}

int cj_cmd_plot(int argc, char **argv)
{
    options o = {0};
    o.runs = calloc(argc > 0 ? (size_t)argc : 1, sizeof *o.runs);
    if (!o.runs) {
        fprintf(stderr, "cajal plot: out of memory\n");
        return 1;
    }
    int rc = parse_args(argc, argv, &o); /* -1: go on; 0 after --help */
    int go = rc < 0;
    if (go) rc = load_runs(&o);
    if (go && rc == 0) {
        cj_error err = {0};
        if (build_and_write(&o, &err)) {
            fprintf(stderr, "cajal plot: %s\n", err.msg);
            rc = 1;
        } else {
            printf("%s\n", o.out);
        }
    }
    for (int r = 0; r < o.n_runs; r++) {
        cj_metrics_free(&o.runs[r].m);
        free(o.runs[r].path);
    }
    free(o.runs);
    return rc;
}
