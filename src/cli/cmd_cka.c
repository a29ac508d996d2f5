/* cmd_cka.c — `cajal cka A [B] [--out DIR] [--kernel linear|rbf]
 * [--rbf-threshold T] [--debiased] [--measures LIST] [--threads N]
 * [--quiet]`: every layer of activations folder A against every layer of
 * B (A itself when B is left out), by CKA and the shape measures
 * (include/cajal/acts.h, cka.h); cka.csv, one .npy matrix per measure,
 * cka.json and a heat map per measure in cka.png (docs/outputs.md). */
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
#include "commands.h"

static const char WHO[] = "cajal cka";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal cka A [B] [--out DIR] [--kernel linear|rbf] [--rbf-threshold T] [--debiased]\n"
            "                 [--measures LIST] [--layers-a a,b] [--layers-b a,b] [--threads N] [--quiet]\n\n"
            "How similar every layer of one model is to every layer of another, on the same\n"
            "stimuli: centred kernel alignment (Kornblith et al. 2019) and, with --measures, the\n"
            "Procrustes distance and canonical correlations. A and B are activations folders\n"
            "(one LAYER.npy [stimuli, ...] per layer, as cajal record writes them); without B,\n"
            "A is compared with itself.\n\n"
            "  --out DIR          where to write (default: cka/ beside A)\n"
            "  --kernel K         linear (default) or rbf: the kernel of CKA\n"
            "  --rbf-threshold T  RBF bandwidth as a fraction of the median distance between\n"
            "                     stimuli (default 1, as Kornblith's gram_rbf)\n"
            "  --debiased         the debiased HSIC estimator (Song et al. 2012), for few stimuli\n"
            "  --measures LIST    comma-separated, from: cka (the --kernel and --debiased one),\n"
            "                     cka_linear, cka_linear_debiased, cka_rbf, cka_rbf_debiased,\n"
            "                     procrustes, cca (= cca_mean), cca_mean, cca_r2 (default: cka)\n"
            "  --layers-a LIST    only these layers of A, in this order (default: all);\n"
            "  --layers-b LIST    the same for B\n"
            "  --threads N        BLAS threads (default 1)\n"
            "  --quiet            no progress lines\n\n"
            "Writes cka.csv (layer_a,layer_b,measure,value), MEASURE.npy [layers of A, layers of B]\n"
            "per measure, cka.json (the settings) and cka.png. Files: docs/outputs.md\n");
}

typedef struct {
    const char *a, *b, *out, *kernel, *measures, *layers_a, *layers_b;
    double threshold;
    int debiased, threads, quiet;
} options;

/* 0 ok, 2 usage error (printed) */
static int parse(int argc, char **argv, options *o)
{
    *o = (options){.kernel = "linear", .measures = "cka", .threshold = 1.0, .threads = 1};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        char name[32];
        if (!strcmp(arg, "--debiased")) {
            o->debiased = 1;
        } else if (!strcmp(arg, "--quiet") || !strcmp(arg, "-q")) {
            o->quiet = 1;
        } else if (arg[0] == '-' && arg[1]) {
            static const char *const valued[] = {"--out", "--kernel", "--measures", "--rbf-threshold", "--threads",
                                                 "--layers-a", "--layers-b", NULL};
            if (!cj_brain_known_option(arg, valued)) {
                fprintf(stderr, "%s: unknown option '%.*s' (see '%s --help')\n", WHO, (int)strcspn(arg, "="), arg, WHO);
                return 2;
            }
            if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
                fprintf(stderr, "%s: option '%s' needs a value (see 'cajal cka --help')\n", WHO, arg);
                return 2;
            }
            if (!strcmp(name, "--out")) o->out = v;
            else if (!strcmp(name, "--kernel")) o->kernel = v;
            else if (!strcmp(name, "--measures")) o->measures = v;
            else if (!strcmp(name, "--layers-a")) o->layers_a = v;
            else if (!strcmp(name, "--layers-b")) o->layers_b = v;
            else if (!strcmp(name, "--rbf-threshold")) {
                if (!cj_brain_positive(WHO, name, v, &o->threshold)) return 2;
            } else if (!strcmp(name, "--threads")) {
                if (!cj_brain_int(WHO, name, v, 1, 1024, &o->threads)) return 2;
            } else {
                fprintf(stderr, "%s: unknown option '%s' (see 'cajal cka --help')\n", WHO, name);
                return 2;
            }
        } else if (!o->a) {
            o->a = arg;
        } else if (!o->b) {
            o->b = arg;
        } else {
            fprintf(stderr, "%s: unexpected argument '%s' (two activations folders at most)\n", WHO, arg);
            return 2;
        }
    }
    if (!o->a) {
        fprintf(stderr, "%s: no activations folder given\n", WHO);
        usage(stderr);
        return 2;
    }
    if (strcmp(o->kernel, "linear") && strcmp(o->kernel, "rbf")) {
        fprintf(stderr, "%s: --kernel '%s' is not linear or rbf\n", WHO, o->kernel);
        return 2;
    }
    return 0;
}

/* --measures into m[] (each once, in the order given); 0 ok, 2 printed. */
static int parse_measures(const options *o, cj_acts_measure *m, int *n)
{
    *n = 0;
    const char *c = o->measures;
    for (;;) {
        const char *e = strchr(c, ',');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        char word[40];
        snprintf(word, sizeof word, "%.*s", (int)(len < sizeof word ? len : sizeof word - 1), c);
        int k = -1;
        if (!strcmp(word, "cka")) {
            int rbf = !strcmp(o->kernel, "rbf");
            k = rbf ? (o->debiased ? CJ_ACTS_CKA_RBF_DEBIASED : CJ_ACTS_CKA_RBF)
                    : (o->debiased ? CJ_ACTS_CKA_LINEAR_DEBIASED : CJ_ACTS_CKA_LINEAR);
        } else if (!strcmp(word, "cca")) {
            k = CJ_ACTS_CCA_MEAN;
        } else if (len < sizeof word) {
            k = cj_acts_measure_of(word);
        }
        if (k < 0) {
            char quoted[80];
            fprintf(stderr, "%s: --measures: unknown measure '%s' (expected cka, cka_linear, cka_linear_debiased, "
                    "cka_rbf, cka_rbf_debiased, procrustes, cca, cca_mean or cca_r2)\n", WHO,
                    cj_error_quote(word, quoted, sizeof quoted));
            return 2;
        }
        int seen = 0;
        for (int i = 0; i < *n; i++) seen |= m[i] == (cj_acts_measure)k;
        if (!seen) m[(*n)++] = (cj_acts_measure)k;
        if (!e) break;
        c = e + 1;
    }
    return 0;
}

static int progress(void *user, long done, long total)
{
    cj_brain_progress_tick(user, done, total);
    return 0;
}

static void warn(void *user, const char *message)
{
    (void)user;
    fprintf(stderr, "%s: warning: %s\n", WHO, message);
}

/* ---- outputs ------------------------------------------------------------ */

static cj_status write_csv(const char *dir, const cj_acts_folder *a, const cj_acts_folder *b,
                           const cj_acts_measure *m, int nm, const double *v, cj_error *err)
{
    char *path = cj_path_join(dir, "cka.csv");
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    free(path);
    if (st) return st;
    fputs("layer_a,layer_b,measure,value\n", af.f);
    for (int k = 0; k < nm; k++)
        for (int i = 0; i < a->n_layers; i++)
            for (int j = 0; j < b->n_layers; j++) {
                fprintf(af.f, "%s,%s,%s,", a->names[i], b->names[j], cj_acts_measure_name(m[k]));
                cj_brain_csv_num(af.f, v[((size_t)k * a->n_layers + i) * b->n_layers + j]);
                fputc('\n', af.f);
            }
    return cj_atomic_commit(&af, err);
}

static cj_status write_npy(const char *dir, int la, int lb, const cj_acts_measure *m, int nm, const double *v,
                           cj_error *err)
{
    size_t cells = (size_t)la * lb;
    float *f = malloc(sizeof(float) * cells);
    if (!f) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_status st = CJ_OK;
    for (int k = 0; k < nm && !st; k++) {
        for (size_t c = 0; c < cells; c++) f[c] = (float)v[k * cells + c];
        char *path = cj_path_printf("%s/%s.npy", dir, cj_acts_measure_name(m[k]));
        int64_t shape[2] = {la, lb};
        st = path ? cj_npy_write_f32(path, 2, shape, f, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        free(path);
    }
    free(f);
    return st;
}

static cJSON *names_json(char *const *names, int n)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < n; i++) cJSON_AddItemToArray(arr, cJSON_CreateString(names[i]));
    return arr;
}

static cj_status write_json(const char *dir, const options *o, const cj_acts_folder *a, const cj_acts_folder *b,
                            const cj_acts_measure *m, int nm, double seconds, cj_error *err)
{
    cJSON *root = cJSON_CreateObject(), *ms = cJSON_CreateArray();
    for (int k = 0; ms && k < nm; k++) cJSON_AddItemToArray(ms, cJSON_CreateString(cj_acts_measure_name(m[k])));
    cJSON_AddStringToObject(root, "a", a->dir);
    cJSON_AddStringToObject(root, "b", b->dir);
    cJSON_AddNumberToObject(root, "stimuli", (double)a->n_stimuli);
    cJSON_AddItemToObject(root, "layers_a", names_json(a->names, a->n_layers));
    cJSON_AddItemToObject(root, "layers_b", names_json(b->names, b->n_layers));
    cJSON_AddItemToObject(root, "measures", ms);
    cJSON_AddNumberToObject(root, "rbf_threshold", o->threshold);
    cJSON_AddNumberToObject(root, "seconds", round(seconds * 1000) / 1000);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    char *path = cj_path_join(dir, "cka.json"), *body = cj_path_printf("%s\n", text);
    cj_status st = path && body ? cj_write_file_atomic(path, body, strlen(body), err)
                                : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(body);
    free(path);
    free(text);
    return st;
}

static void measure_title(cj_acts_measure m, double threshold, char *buf, size_t cap)
{
    switch (m) {
    case CJ_ACTS_CKA_LINEAR: snprintf(buf, cap, "linear CKA"); break;
    case CJ_ACTS_CKA_LINEAR_DEBIASED: snprintf(buf, cap, "linear CKA (debiased)"); break;
    case CJ_ACTS_CKA_RBF: snprintf(buf, cap, "RBF CKA (\xcf\x83 = %g \xc3\x97 median distance)", threshold); break;
    case CJ_ACTS_CKA_RBF_DEBIASED:
        snprintf(buf, cap, "RBF CKA, debiased (\xcf\x83 = %g \xc3\x97 median)", threshold);
        break;
    case CJ_ACTS_PROCRUSTES: snprintf(buf, cap, "Procrustes distance\xc2\xb2 (0 = same shape)"); break;
    case CJ_ACTS_CCA_MEAN: snprintf(buf, cap, "mean canonical correlation"); break;
    default: snprintf(buf, cap, "R\xc2\xb2 CCA"); break;
    }
}

static cj_status write_figure(const char *dir, const options *o, const cj_acts_folder *a, const cj_acts_folder *b,
                              const cj_acts_measure *m, int nm, const double *v, cj_error *err)
{
    int cols = nm < 3 ? nm : 3, rows = (nm + cols - 1) / cols;
    /* Text grows with a panel (cj_figure_scale), so a larger panel holds
     * no more rows: one size, a little over the reference's. Many layers
     * get smaller cells, and every k-th name when they would overlap. */
    int pw = 640, ph = 580;
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, rows, cols, pw * cols, ph * rows + 40, err);
    if (st) return st;
    char title[256], xlabel[96], ylabel[96], ptitle[96];
    if (!strcmp(a->dir, b->dir))
        snprintf(title, sizeof title, "%s, every layer against every layer, %zu stimuli",
                 cj_brain_short_dir(a->dir), a->n_stimuli);
    else
        snprintf(title, sizeof title, "%s vs %s, %zu stimuli", cj_brain_short_dir(a->dir), cj_brain_short_dir(b->dir),
                 a->n_stimuli);
    cj_figure_set_title(fig, title);
    snprintf(ylabel, sizeof ylabel, "layer of %s", cj_brain_short_dir(a->dir));
    snprintf(xlabel, sizeof xlabel, "layer of %s", cj_brain_short_dir(b->dir));
    size_t cells = (size_t)a->n_layers * b->n_layers;
    for (int k = 0; k < nm && !st; k++) {
        cj_panel *p = cj_figure_panel(fig, k / cols, k % cols);
        measure_title(m[k], o->threshold, ptitle, sizeof ptitle);
        cj_panel_set_title(p, ptitle);
        cj_panel_set_labels(p, xlabel, ylabel);
        /* Similarities on a fixed 0..1 scale, so that figures compare;
         * the Procrustes distance from 0 to its largest value. */
        int distance = m[k] == CJ_ACTS_PROCRUSTES, undefined = 0;
        for (size_t c = 0; c < cells; c++) undefined |= isnan(v[k * cells + c]);
        const char *cbar = distance ? (undefined ? "distance (grey: undefined)" : "distance")
                                    : (undefined ? "similarity (grey: undefined)" : "similarity");
        st = cj_panel_set_heatmap(p, v + k * cells, a->n_layers, b->n_layers, 0.0, distance ? NAN : 1.0,
                                  CJ_CMAP_VIRIDIS, cbar, err);
        if (!st)
            st = cj_panel_set_heatmap_names(p, (const char *const *)a->names, (const char *const *)b->names, err);
        cj_panel_set_heatmap_values(p, 2);
    }
    char *path = cj_path_join(dir, "cka.png");
    if (!st) st = path ? cj_figure_write(fig, path, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(path);
    cj_figure_free(fig);
    return st;
}

/* ---- the command -------------------------------------------------------- */

/* Whether two paths name the same folder (then A is compared with itself
 * and only half the pairs are computed). */
static int same_folder(const char *a, const char *b)
{
    char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
    int same = ra && rb && !strcmp(ra, rb);
    free(ra);
    free(rb);
    return same;
}

int cj_cmd_cka(int argc, char **argv)
{
    if (cj_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    options o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc;
    cj_acts_measure m[CJ_ACTS_N_MEASURES];
    int nm = 0;
    if ((rc = parse_measures(&o, m, &nm))) return rc;
    openblas_set_num_threads(o.threads);

    double t0 = cj_brain_now();
    cj_error err = {0};
    cj_acts_folder a = {0}, b = {0};
    const char *bdir = o.b ? o.b : o.a;
    /* one folder with one selection: half the pairs, mirrored */
    const char *la = o.layers_a, *lb = o.b ? o.layers_b : (o.layers_b ? o.layers_b : o.layers_a);
    int same = same_folder(o.a, bdir) && (la == lb || (la && lb && !strcmp(la, lb)));
    char *out = o.out ? strdup(o.out) : cj_brain_default_out(o.a, "cka");
    double *v = NULL;
    cj_status st = out ? CJ_OK : cj_fail(&err, CJ_ERR_NOMEM, "out of memory");
    if (!st) st = cj_acts_open(o.a, &a, &err);
    if (!st) st = cj_acts_open(bdir, &b, &err);
    for (int k = 0; k < 2 && !st; k++) {
        const char *list = k ? lb : la;
        cj_error e;
        if (list && (st = cj_acts_select(k ? &b : &a, list, &e)))
            cj_fail(&err, st, "%s: %s", k ? "--layers-b" : "--layers-a", e.msg);
    }
    if (!st) st = cj_acts_same_stimuli(&a, &b, &err);
    if (!st && !(v = malloc(sizeof(double) * nm * a.n_layers * b.n_layers)))
        st = cj_fail(&err, CJ_ERR_NOMEM, "out of memory for %d x %d layers", a.n_layers, b.n_layers);
    if (!st) st = cj_make_dirs(out, &err);
    if (!st) {
        cj_brain_progress pr;
        cj_brain_progress_start(&pr, WHO, "layer pairs", o.quiet);
        cj_acts_cka_opts co = {.measures = m, .n_measures = nm, .rbf_threshold = o.threshold,
                               .progress = progress, .warn = warn, .user = &pr};
        st = cj_acts_cka(&a, &b, same, &co, v, &err);
    }
    double seconds = cj_brain_now() - t0;
    if (!st) st = write_csv(out, &a, &b, m, nm, v, &err);
    if (!st) st = write_npy(out, a.n_layers, b.n_layers, m, nm, v, &err);
    if (!st) st = write_json(out, &o, &a, &b, m, nm, seconds, &err);
    if (!st) st = write_figure(out, &o, &a, &b, m, nm, v, &err);
    if (st) {
        fprintf(stderr, "%s: %s\n", WHO, err.msg);
        rc = 1;
    } else {
        printf("%s: %d x %d layers, %zu stimuli, ", WHO, a.n_layers, b.n_layers, a.n_stimuli);
        for (int k = 0; k < nm; k++) printf("%s%s", k ? "," : "", cj_acts_measure_name(m[k]));
        printf(" in %.2f s; wrote %s/cka.csv, cka.png and %d .npy\n", seconds, out, nm);
    }
    free(v);
    free(out);
    cj_acts_close(&a);
    cj_acts_close(&b);
    return rc;
}
