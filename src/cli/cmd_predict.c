/* cmd_predict.c — `cajal predict ACTS --responses R.npy [--out DIR]
 * [--folds K] [--alphas LIST] [--seed S] [--layers a,b] [--splits N]
 * [--boot N] [--threads N] [--quiet]`: how well each layer of an
 * activations folder predicts recorded units, by cross-validated ridge
 * regression, ceiled by the units' split-half reliability when R has
 * repetitions (Brain-Score's neural predictivity; include/cajal/
 * predictivity.h). Writes predictivity.csv (a row per layer), units.csv (a
 * row per layer and unit), predictivity.json and predictivity.png. */
#include <cblas.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "brain_cli.h"
#include "cajal/acts.h"
#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/npy.h"
#include "cajal/plot.h"
#include "cajal/predictivity.h"
#include "cajal/stats.h"
#include "commands.h"

static const char WHO[] = "cajal predict";

enum { MAX_ALPHAS = 1000 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal predict ACTS --responses R.npy [--out DIR] [--folds K] [--alphas LIST]\n"
            "                     [--seed S] [--layers a,b] [--splits N] [--boot N] [--threads N]\n"
            "                     [--quiet]\n\n"
            "How well each layer of a model predicts recorded units (Brain-Score's neural\n"
            "predictivity, Schrimpf et al. 2018): for every unit, ridge regression from the\n"
            "layer's features, its penalty chosen by leave-one-out within the training folds,\n"
            "scored by Pearson r on held-out stimuli in K-fold cross-validation; with repetitions,\n"
            "ceiled by the unit's split-half reliability (Spearman-Brown). ACTS is an activations\n"
            "folder (one LAYER.npy [stimuli, ...] per layer, as cajal record writes them).\n\n"
            "  --responses R.npy  recorded responses, [stimuli, units] or [stimuli, repetitions,\n"
            "                     units], stimuli in the order of ACTS\n"
            "  --out DIR          where to write (default: predict/ beside ACTS)\n"
            "  --folds K          outer cross-validation folds (default 10, Brain-Score's)\n"
            "  --alphas LIST      ridge penalties: a comma-separated list, or LO:HI:N for N values\n"
            "                     log-spaced from LO to HI (default 1e-2:1e7:10)\n"
            "  --seed S           seed of the folds, the repetition splits and the bootstrap\n"
            "                     (default 0)\n"
            "  --layers a,b       only these layers, in this order (default: every layer)\n"
            "  --splits N         split-half splits for the reliability (default 10)\n"
            "  --boot N           bootstrap samples over units for the intervals (default 1000)\n"
            "  --threads N        BLAS threads (default 1)\n"
            "  --quiet            no line per layer on stderr\n\n"
            "Writes predictivity.csv, units.csv, predictivity.json and predictivity.png.\n"
            "Columns and definitions: docs/outputs.md, docs/analysis.md\n");
}

typedef struct {
    const char *acts, *responses, *out, *layers, *alphas_arg, *seed_arg;
    int folds, splits, boot, threads, quiet;
    uint64_t seed;
    double alphas[MAX_ALPHAS];
    int n_alphas;
} options;

/* --alphas: "a,b,c" or "LO:HI:N"; 0 ok, 2 printed. */
static int parse_alphas(options *o, const char *v)
{
    char quoted[80];
    cj_error_quote(v, quoted, sizeof quoted);
    if (strchr(v, ':')) {
        double lo, hi;
        int n, used = 0;
        if (sscanf(v, "%lf:%lf:%d%n", &lo, &hi, &n, &used) != 3 || v[used] || !(lo > 0) || !(hi >= lo) ||
            !isfinite(hi) || n < 1 || n > MAX_ALPHAS || (n == 1 && hi != lo)) {
            fprintf(stderr, "%s: --alphas '%s': expected LO:HI:N with 0 < LO <= HI and N from 1 to %d "
                    "(N = 1 needs LO = HI)\n", WHO, quoted, MAX_ALPHAS);
            return 2;
        }
        for (int k = 0; k < n; k++)
            o->alphas[k] = n == 1 ? lo : pow(10.0, log10(lo) + (log10(hi) - log10(lo)) * k / (n - 1));
        o->alphas[n - 1] = hi; /* exactly, not 10^log10(hi) */
        o->n_alphas = n;
        return 0;
    }
    o->n_alphas = 0;
    for (const char *c = v;;) {
        char *end;
        double a = strtod(c, &end);
        if (end == c || (*end && *end != ',') || !isfinite(a) || a <= 0 || o->n_alphas == MAX_ALPHAS) {
            fprintf(stderr, "%s: --alphas '%s': expected up to %d numbers > 0, comma-separated, or LO:HI:N\n", WHO,
                    quoted, MAX_ALPHAS);
            return 2;
        }
        o->alphas[o->n_alphas++] = a;
        if (!*end) break;
        c = end + 1;
    }
    return 0;
}

static int parse(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->folds = 10;
    o->splits = 10;
    o->boot = 1000;
    o->threads = 1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        char name[32];
        if (!strcmp(arg, "--quiet") || !strcmp(arg, "-q")) {
            o->quiet = 1;
        } else if (arg[0] == '-' && arg[1]) {
            static const char *const valued[] = {"--responses", "--out",    "--layers", "--seed",    "--alphas",
                                                 "--folds",     "--splits", "--boot",   "--threads", NULL};
            if (!cj_brain_known_option(arg, valued)) {
                fprintf(stderr, "%s: unknown option '%.*s' (see '%s --help')\n", WHO, (int)strcspn(arg, "="), arg, WHO);
                return 2;
            }
            if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
                fprintf(stderr, "%s: option '%s' needs a value (see 'cajal predict --help')\n", WHO, arg);
                return 2;
            }
            int ok = 1;
            if (!strcmp(name, "--responses")) o->responses = v;
            else if (!strcmp(name, "--out")) o->out = v;
            else if (!strcmp(name, "--layers")) o->layers = v;
            else if (!strcmp(name, "--seed")) o->seed_arg = v;
            else if (!strcmp(name, "--alphas")) {
                o->alphas_arg = v;
                if (parse_alphas(o, v)) return 2;
            } else if (!strcmp(name, "--folds")) ok = cj_brain_int(WHO, name, v, 2, 100000, &o->folds);
            else if (!strcmp(name, "--splits")) ok = cj_brain_int(WHO, name, v, 1, 100000, &o->splits);
            else if (!strcmp(name, "--boot")) ok = cj_brain_int(WHO, name, v, 1, 1000000, &o->boot);
            else if (!strcmp(name, "--threads")) ok = cj_brain_int(WHO, name, v, 1, 1024, &o->threads);
            else {
                fprintf(stderr, "%s: unknown option '%s' (see 'cajal predict --help')\n", WHO, name);
                return 2;
            }
            if (!ok) return 2;
        } else if (!o->acts) {
            o->acts = arg;
        } else {
            fprintf(stderr, "%s: unexpected argument '%s' (one activations folder at a time)\n", WHO, arg);
            return 2;
        }
    }
    if (o->seed_arg && !cj_cli_parse_u64(o->seed_arg, &o->seed)) {
        fprintf(stderr, "%s: --seed '%s' is not a whole number >= 0\n", WHO, o->seed_arg);
        return 2;
    }
    const char *problem = !o->acts        ? "no activations folder given"
                          : !o->responses ? "--responses R.npy is needed"
                                          : NULL;
    if (problem) {
        fprintf(stderr, "%s: %s\n", WHO, problem);
        usage(stderr);
        return 2;
    }
    if (!o->alphas_arg) {
        memcpy(o->alphas, cj_ridge_default_alphas, sizeof cj_ridge_default_alphas);
        o->n_alphas = 10;
    }
    return 0;
}

/* ---- the responses -------------------------------------------------------- */

typedef struct {
    cj_npy_array a;
    int reps, units;
} responses;

static cj_status read_responses(const char *path, size_t n_stimuli, const char *acts, responses *r, cj_error *err)
{
    cj_status st = cj_npy_read(path, CJ_NPY_F32, &r->a, err);
    if (st) return st;
    const cj_npy_array *a = &r->a;
    char shape[96] = "";
    size_t len = 0;
    for (int d = 0; d < a->ndim && len + 24 < sizeof shape; d++)
        len += (size_t)snprintf(shape + len, sizeof shape - len, "%s%lld", d ? "x" : "", (long long)a->shape[d]);
    if (a->ndim == 0) snprintf(shape, sizeof shape, "a scalar");
    if (a->ndim != 2 && a->ndim != 3)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: shape %s, expected [stimuli, units] or [stimuli, repetitions, units]",
                       path, shape);
    int64_t reps = a->ndim == 3 ? a->shape[1] : 1, units = a->shape[a->ndim - 1];
    if (reps < 1 || units < 1 || reps > INT_MAX || units > INT_MAX)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: shape %s has no %s", path, shape, units < 1 ? "units" : "repetitions");
    if ((size_t)a->shape[0] != n_stimuli)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: %lld stimuli (shape %s), but %s has %zu: R needs one row per stimulus, "
                       "in the activations' order", path, (long long)a->shape[0], shape, acts, n_stimuli);
    const float *v = a->data;
    for (size_t i = 0; i < a->numel; i++)
        if (!isfinite(v[i])) {
            size_t u = i % (size_t)units, k = i / (size_t)units;
            if (a->ndim == 3)
                return cj_fail(err, CJ_ERR_NUMERIC, "%s: %s at stimulus %zu, repetition %zu, unit %zu: every response "
                               "must be finite (leave out units or repetitions with missing trials)", path,
                               isnan(v[i]) ? "NaN" : "an infinite value", k / (size_t)reps, k % (size_t)reps, u);
            return cj_fail(err, CJ_ERR_NUMERIC, "%s: %s at stimulus %zu, unit %zu: every response must be finite", path,
                           isnan(v[i]) ? "NaN" : "an infinite value", k, u);
        }
    r->reps = (int)reps;
    r->units = (int)units;
    return CJ_OK;
}

/* ---- one layer ------------------------------------------------------------ */

typedef struct {
    int features, units_valid;
    double median_r, r_ci[2], median_r_pooled, median_reliability;
    double median_ceiled_r, ceiled_ci[2], median_ev, median_brainscore_r, brainscore;
    double alpha_at_edge; /* fraction of choices at an end of the grid */
} layer_row;

/* The alpha of unit u chosen in most folds (the smaller on a tie). */
static double alpha_mode(const cj_ridge_cv *cv, int u)
{
    double best = NAN;
    int best_count = 0;
    for (int f = 0; f < cv->folds; f++) {
        double a = cv->alpha[(size_t)f * cv->units + u];
        int c = 0;
        for (int g = 0; g < cv->folds; g++) c += cv->alpha[(size_t)g * cv->units + u] == a;
        if (c > best_count || (c == best_count && a < best)) best = a, best_count = c;
    }
    return best;
}

static void write_units(FILE *f, const char *layer, const cj_predictivity *pr)
{
    for (int u = 0; u < pr->units; u++) {
        fprintf(f, "%s,%d,", layer, u);
        double v[] = {pr->ridge.r[u], pr->ridge.r_pooled[u], pr->ev[u], pr->ceiled_r[u], pr->brainscore_r[u],
                      pr->reliability[u], alpha_mode(&pr->ridge, u)};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            if (k) fputc(',', f);
            cj_brain_csv_num(f, v[k]);
        }
        fputc('\n', f);
    }
}

static cj_status summarise(const options *o, const cj_predictivity *pr, int reps, layer_row *row, cj_error *err)
{
    row->median_r = pr->median_r;
    row->median_r_pooled = pr->median_r_pooled;
    row->median_reliability = pr->median_reliability;
    row->median_ceiled_r = pr->median_ceiled_r;
    row->median_ev = pr->median_ev;
    row->median_brainscore_r = pr->median_brainscore_r;
    row->brainscore = pr->brainscore;
    if (reps >= 2) {
        row->units_valid = pr->units_valid;
    } else {
        row->units_valid = 0;
        for (int u = 0; u < pr->units; u++) row->units_valid += isfinite(pr->ridge.r[u]) != 0;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < o->n_alphas; k++) lo = fmin(lo, o->alphas[k]), hi = fmax(hi, o->alphas[k]);
    long edge = 0, all = (long)pr->ridge.folds * pr->units;
    for (long i = 0; i < all; i++) edge += pr->ridge.alpha[i] == lo || pr->ridge.alpha[i] == hi;
    row->alpha_at_edge = o->n_alphas > 1 && all ? (double)edge / all : NAN;
    cj_status st = cj_bootstrap_median_interval(pr->ridge.r, (size_t)pr->units, o->boot, o->seed, 0.95, row->r_ci, err);
    row->ceiled_ci[0] = row->ceiled_ci[1] = NAN;
    if (!st && reps >= 2)
        st = cj_bootstrap_median_interval(pr->ceiled_r, (size_t)pr->units, o->boot, o->seed, 0.95, row->ceiled_ci, err);
    return st;
}

/* ---- outputs -------------------------------------------------------------- */

static cj_status write_summary(const char *dir, const cj_acts_folder *f, const responses *r, const layer_row *rows,
                               cj_error *err)
{
    char *path = cj_path_join(dir, "predictivity.csv");
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    free(path);
    if (st) return st;
    fputs("layer,features,units,units_valid,median_r,median_r_ci_low,median_r_ci_high,median_r_pooled,"
          "median_reliability,median_ceiled_r,median_ceiled_r_ci_low,median_ceiled_r_ci_high,median_ev,"
          "median_brainscore_r,brainscore,alpha_at_grid_edge\n", af.f);
    for (int l = 0; l < f->n_layers; l++) {
        const layer_row *w = &rows[l];
        fprintf(af.f, "%s,%d,%d,%d", f->names[l], w->features, r->units, w->units_valid);
        double v[] = {w->median_r, w->r_ci[0], w->r_ci[1], w->median_r_pooled, w->median_reliability,
                      w->median_ceiled_r, w->ceiled_ci[0], w->ceiled_ci[1], w->median_ev, w->median_brainscore_r,
                      w->brainscore, w->alpha_at_edge};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            fputc(',', af.f);
            cj_brain_csv_num(af.f, v[k]);
        }
        fputc('\n', af.f);
    }
    return cj_atomic_commit(&af, err);
}

static cj_status write_json(const char *dir, const options *o, const cj_acts_folder *f, const responses *r,
                            double seconds, cj_error *err)
{
    cJSON *root = cJSON_CreateObject(), *layers = cJSON_CreateArray(), *alphas = cJSON_CreateArray();
    for (int l = 0; layers && l < f->n_layers; l++) cJSON_AddItemToArray(layers, cJSON_CreateString(f->names[l]));
    for (int k = 0; alphas && k < o->n_alphas; k++) cJSON_AddItemToArray(alphas, cJSON_CreateNumber(o->alphas[k]));
    cJSON_AddStringToObject(root, "acts", f->dir);
    cJSON_AddStringToObject(root, "responses", o->responses);
    cJSON_AddNumberToObject(root, "stimuli", (double)f->n_stimuli);
    cJSON_AddNumberToObject(root, "repetitions", r->reps);
    cJSON_AddNumberToObject(root, "units", r->units);
    cJSON_AddItemToObject(root, "layers", layers);
    cJSON_AddNumberToObject(root, "folds", o->folds);
    cJSON_AddItemToObject(root, "alphas", alphas);
    cJSON_AddNumberToObject(root, "seed", (double)o->seed);
    cJSON_AddNumberToObject(root, "splits", o->splits);
    cJSON_AddNumberToObject(root, "bootstrap_samples", o->boot);
    cJSON_AddStringToObject(root, "interval", "95% percentile bootstrap over units of the median");
    cJSON_AddNumberToObject(root, "seconds", round(seconds * 1000) / 1000);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    char *path = cj_path_join(dir, "predictivity.json"), *body = text ? cj_path_printf("%s\n", text) : NULL;
    cj_status st = path && body ? cj_write_file_atomic(path, body, strlen(body), err)
                                : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(body);
    free(path);
    free(text);
    return st;
}

/* The file name of a path, for titles. */
static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

static cj_status write_figure(const char *dir, const options *o, const cj_acts_folder *f, const responses *r,
                              const layer_row *rows, cj_error *err)
{
    int n = f->n_layers, ceiled = r->reps >= 2;
    int width = 220 + 70 * n * (ceiled ? 2 : 1) / 2;
    width = width < 640 ? 640 : width > 2400 ? 2400 : width;
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, 1, 1, width, 540, err);
    if (st) return st;
    double *v = malloc(sizeof(double) * 6 * (size_t)n);
    if (!v) {
        cj_figure_free(fig);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    double *r_med = v, *r_lo = v + n, *r_hi = v + 2 * n, *c_med = v + 3 * n, *c_lo = v + 4 * n, *c_hi = v + 5 * n;
    for (int l = 0; l < n; l++) {
        r_med[l] = rows[l].median_r, r_lo[l] = rows[l].r_ci[0], r_hi[l] = rows[l].r_ci[1];
        c_med[l] = rows[l].median_ceiled_r, c_lo[l] = rows[l].ceiled_ci[0], c_hi[l] = rows[l].ceiled_ci[1];
    }
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    char title[200], ylabel[96];
    snprintf(title, sizeof title, "%s predicted from %s (%d units, %zu stimuli, %d-fold ridge)",
             base_name(o->responses), cj_brain_short_dir(f->dir), r->units, f->n_stimuli, o->folds);
    snprintf(ylabel, sizeof ylabel, "median over units (95%% bootstrap interval)");
    cj_panel_set_title(p, title);
    cj_panel_set_labels(p, "layer", ylabel);
    st = cj_panel_set_categories(p, (const char *const *)f->names, n, err);
    /* raw r light beside ceiled r dark, or alone in the dark colour */
    cj_rgb light = {0.62, 0.76, 0.87};
    const char *raw = ceiled ? "r (held-out Pearson)" : "r (held-out Pearson; no repetitions: not ceiled)";
    if (!st) st = cj_panel_add_bars(p, r_med, r_lo, r_hi, n, ceiled ? light : cj_palette(0), raw, err);
    if (!st && ceiled)
        st = cj_panel_add_bars(p, c_med, c_lo, c_hi, n, cj_palette(0), "ceiled r = r / \xe2\x88\x9arel", err);
    if (!st && ceiled) {
        /* The ceiling of raw r: a noiseless model of the mean response
         * reaches r = sqrt(reliability) with the measured mean, and the
         * ceiled r of such a model is 1. */
        double x[2] = {-0.5, n - 0.5}, y1[2] = {1, 1};
        double med_rel = rows[0].median_reliability, y2[2] = {sqrt(med_rel), sqrt(med_rel)};
        cj_line_style grey = {{0.35, 0.35, 0.35}, CJ_DASH_DASHED, 1.5, CJ_MARKER_NONE};
        cj_line_style dotted = {{0.45, 0.6, 0.75}, CJ_DASH_DOTTED, 2, CJ_MARKER_NONE};
        st = cj_panel_add_line(p, x, y1, 2, grey, "ceiling of ceiled r (1)", err);
        if (!st && isfinite(med_rel) && med_rel > 0)
            st = cj_panel_add_line(p, x, y2, 2, dotted, "ceiling of r (\xe2\x88\x9a median reliability)", err);
    }
    cj_panel_set_legend(p, CJ_LEGEND_BEST);
    char *path = cj_path_join(dir, "predictivity.png");
    if (!st) st = path ? cj_figure_write(fig, path, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(path);
    free(v);
    cj_figure_free(fig);
    return st;
}

/* ---- the command ---------------------------------------------------------- */

/* Every layer: regress, summarise, add its units to units.csv. */
static cj_status run_layers(const options *o, const cj_acts_folder *f, const responses *r, layer_row *rows,
                            FILE *units, cj_error *err)
{
    cj_predictivity_opts po;
    cj_predictivity_defaults(&po);
    po.ridge.folds = o->folds;
    po.ridge.seed = o->seed;
    po.ridge.alphas = o->alphas;
    po.ridge.n_alphas = o->n_alphas;
    po.splits = o->splits;
    po.split_seed = o->seed;
    cj_status st = CJ_OK;
    for (int l = 0; l < f->n_layers && !st; l++) {
        double t = cj_brain_now();
        float *x = NULL;
        cj_predictivity pr;
        memset(&pr, 0, sizeof pr);
        st = cj_acts_load(f, l, &x, &rows[l].features, err);
        if (!st) {
            cj_error e;
            st = cj_predictivity_run(x, f->n_stimuli, rows[l].features, r->a.data, r->reps, r->units, &po, &pr, &e);
            if (st) cj_fail(err, st, "%s: %s", f->paths[l], e.msg);
        }
        free(x);
        if (!st) st = summarise(o, &pr, r->reps, &rows[l], err);
        if (!st) write_units(units, f->names[l], &pr);
        if (!st && !o->quiet) {
            fprintf(stderr, "%s: %s (%d features): median r %.3f [%.3f, %.3f]", WHO, f->names[l], rows[l].features,
                    rows[l].median_r, rows[l].r_ci[0], rows[l].r_ci[1]);
            if (r->reps >= 2) fprintf(stderr, ", ceiled %.3f", rows[l].median_ceiled_r);
            fprintf(stderr, " (%.2f s)\n", cj_brain_now() - t);
        }
        cj_predictivity_free(&pr);
    }
    return st;
}

int cj_cmd_predict(int argc, char **argv)
{
    if (cj_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    options o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc;
    openblas_set_num_threads(o.threads);
    double t0 = cj_brain_now();
    cj_error err = {0};
    cj_acts_folder f = {0};
    responses r;
    memset(&r, 0, sizeof r);
    layer_row *rows = NULL;
    char *out = o.out ? strdup(o.out) : cj_brain_default_out(o.acts, "predict");
    char *units_path = out ? cj_path_join(out, "units.csv") : NULL;
    cj_atomic_file units = {0};
    int units_open = 0;
    cj_status st = units_path ? CJ_OK : cj_fail(&err, CJ_ERR_NOMEM, "out of memory");
    if (!st) st = cj_acts_open(o.acts, &f, &err);
    if (!st && o.layers) {
        cj_error e;
        if ((st = cj_acts_select(&f, o.layers, &e))) cj_fail(&err, st, "--layers: %s", e.msg);
    }
    if (!st) st = read_responses(o.responses, f.n_stimuli, f.dir, &r, &err);
    if (!st && !(rows = calloc((size_t)f.n_layers, sizeof *rows))) st = cj_fail(&err, CJ_ERR_NOMEM, "out of memory");
    if (!st) st = cj_make_dirs(out, &err);
    if (!st && !(st = cj_atomic_open(&units, units_path, &err))) {
        units_open = 1;
        fputs("layer,unit,r,r_pooled,ev,ceiled_r,brainscore_r,reliability,alpha\n", units.f);
    }
    if (!st) st = run_layers(&o, &f, &r, rows, units.f, &err);
    if (units_open) {
        if (!st) st = cj_atomic_commit(&units, &err);
        else cj_atomic_abort(&units);
    }
    double seconds = cj_brain_now() - t0;
    if (!st) st = write_summary(out, &f, &r, rows, &err);
    if (!st) st = write_json(out, &o, &f, &r, seconds, &err);
    if (!st) st = write_figure(out, &o, &f, &r, rows, &err);
    if (st) {
        fprintf(stderr, "%s: %s\n", WHO, err.msg);
        rc = 1;
    } else {
        printf("%s: %d layers, %d units, %zu stimuli x %d repetitions, %d folds in %.2f s; wrote %s/predictivity.csv, "
               "units.csv and predictivity.png\n",
               WHO, f.n_layers, r.units, f.n_stimuli, r.reps, o.folds, seconds, out);
    }
    free(rows);
    free(units_path);
    free(out);
    cj_npy_free(&r.a);
    cj_acts_close(&f);
    return rc;
}
