/* test_cli_brain.c — `cajal cka` and `cajal predict` as a user runs them,
 * on small synthetic activations folders: the CSV columns as documented
 * (docs/outputs.md), every value the library's own (cka.h and
 * predictivity.h, called here on the same arrays), the .npy matrices and
 * figures written, and one-line errors with their exit codes. Runs the
 * binary named by $CAJAL (set by make test). */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cairo.h>

#include "cajal/cka.h"
#include "cajal/npy.h"
#include "cajal/predictivity.h"
#include "cajal/rng.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"
#include "npy_fixture.h"

enum { N = 40, UNITS = 6, REPS = 4 };

static const char *cajal;
static const char *root;
static char output[16384];

#define run(...) run_cajalf(cajal, output, sizeof output, __VA_ARGS__)
#define one_line_with(text) one_line_holding(output, text)

typedef struct {
    char *dir;
    int n_layers;
    const char *names[3];
    int features[3];
    float *x[3];
} folder;

static char *path_in(const char *dir, const char *name) { return cj_path_join(dir, name); }

/* Layers of a shared latent z [N, 3] mixed with noise, from seed. */
static void make_folder(folder *f, const char *name, int n_layers, const char *const *names, const int *features,
                        uint64_t seed)
{
    f->dir = path_in(root, name);
    mkdir(f->dir, 0700);
    f->n_layers = n_layers;
    cj_rng rng;
    cj_rng_seed(&rng, 100);
    float z[N * 3];
    for (int i = 0; i < N * 3; i++) z[i] = cj_rng_normal(&rng);
    cj_rng_seed(&rng, seed);
    for (int l = 0; l < n_layers; l++) {
        int p = features[l];
        f->names[l] = names[l];
        f->features[l] = p;
        f->x[l] = malloc(sizeof(float) * N * p);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < p; j++)
                f->x[l][i * p + j] = z[i * 3 + (j + l) % 3] * (1.0f + 0.3f * j) + 0.7f * cj_rng_normal(&rng);
        int64_t shape[2] = {N, p};
        char *file = cj_path_printf("%s.npy", names[l]);
        free(npy_f32(f->dir, file, 2, shape, f->x[l]));
        free(file);
    }
    char text[N * 8] = "";
    for (int i = 0; i < N; i++) snprintf(text + strlen(text), sizeof text - strlen(text), "img%02d\n", i);
    free(fixture_text(f->dir, "stimuli.txt", text));
}

static void free_folder(folder *f)
{
    for (int l = 0; l < f->n_layers; l++) free(f->x[l]);
    free(f->dir);
}

/* The lines of a CSV file (a copy of the text, cut at each newline). */
typedef struct {
    char *text;
    char *line[512];
    int n;
} csv;

static int csv_read(const char *path, csv *c)
{
    c->n = 0;
    c->text = fixture_read(path, NULL);
    if (!c->text) return 0;
    for (char *s = c->text; *s && c->n < 512;) {
        char *e = strchr(s, '\n');
        c->line[c->n++] = s;
        if (!e) break;
        *e = '\0';
        s = e + 1;
    }
    return 1;
}

/* Field k (0-based) of a comma-separated line, into buf. */
static const char *field(const char *line, int k, char *buf, size_t cap)
{
    for (; k > 0 && line; k--) {
        line = strchr(line, ',');
        if (line) line++;
    }
    if (!line) return "";
    size_t n = strcspn(line, ",");
    snprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap - 1), line);
    return buf;
}

static double num(const char *line, int k)
{
    char buf[64];
    const char *f = field(line, k, buf, sizeof buf);
    return !strcmp(f, "nan") ? NAN : strtod(f, NULL);
}

/* Agreement to the 9 significant digits a CSV cell holds (5e-9 of the
 * value at worst); NaN only with NaN. */
static int same_value(double got, double want)
{
    if (isnan(want) || isnan(got)) return isnan(want) && isnan(got);
    return fabs(got - want) <= 1e-8 * fmax(1.0, fabs(want));
}

static int png_size(const char *path, int *w, int *h)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    int ok = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS;
    if (ok) *w = cairo_image_surface_get_width(s), *h = cairo_image_surface_get_height(s);
    cairo_surface_destroy(s);
    return ok;
}

static folder A, B;

TEST(help_lists_both_commands)
{
    CHECK(run("--help") == 0 && strstr(output, "cka") && strstr(output, "predict"));
    CHECK(run("cka --help") == 0 && strstr(output, "--measures") && strstr(output, "--rbf-threshold"));
    CHECK(run("predict --help") == 0 && strstr(output, "--responses") && strstr(output, "--alphas"));
}

/* Every row of cka.csv is the library's value for that pair and measure. */
TEST(cka_writes_the_librarys_values)
{
    char *out = path_in(root, "cka_ab");
    CHECK(run("cka %s %s --out %s --measures cka,cka_linear_debiased,procrustes,cca,cka_rbf --rbf-threshold 0.5",
              A.dir, B.dir, out) == 0);
    CHECK(strstr(output, "cajal cka: 3 x 2 layers, 40 stimuli, cka_linear,cka_linear_debiased,procrustes,cca_mean,"
                         "cka_rbf in ") != NULL);
    char *path = path_in(out, "cka.csv");
    csv c;
    CHECK(csv_read(path, &c));
    CHECK(c.n == 1 + 5 * 3 * 2 && !strcmp(c.line[0], "layer_a,layer_b,measure,value"));
    cj_error err = {0};
    int rows = 0;
    for (int r = 1; r < c.n; r++) {
        char la[64], lb[64], m[64];
        field(c.line[r], 0, la, sizeof la), field(c.line[r], 1, lb, sizeof lb), field(c.line[r], 2, m, sizeof m);
        int i = -1, j = -1;
        for (int l = 0; l < A.n_layers; l++) i = strcmp(A.names[l], la) ? i : l;
        for (int l = 0; l < B.n_layers; l++) j = strcmp(B.names[l], lb) ? j : l;
        if (i < 0 || j < 0) {
            test_fail("row %d: layers '%s', '%s'", r, la, lb);
            continue;
        }
        const float *x = A.x[i], *y = B.x[j];
        int p = A.features[i], q = B.features[j];
        double want = NAN;
        cj_cka_measures cm;
        if (!strcmp(m, "cka_linear")) cj_cka_linear(x, y, N, p, q, 0, &want, &err);
        else if (!strcmp(m, "cka_linear_debiased")) cj_cka_linear(x, y, N, p, q, 1, &want, &err);
        else if (!strcmp(m, "cka_rbf")) cj_cka_rbf(x, y, N, p, q, 0.5, 0, &want, &err);
        else if (!cj_cka_compare(x, y, N, p, q, &cm, &err))
            want = !strcmp(m, "procrustes") ? cm.procrustes : !strcmp(m, "cca_mean") ? cm.cca_mean : NAN;
        double got = num(c.line[r], 3);
        if (!same_value(got, want)) test_fail("%s %s %s: %.9g, library %.9g", la, lb, m, got, want);
        rows++;
    }
    CHECK(rows == 30);
    free(c.text);
    free(path);
    /* the matrices: [layers of A, layers of B], row-major, float32 */
    path = path_in(out, "cka_linear.npy");
    cj_npy_array a;
    CHECK(cj_npy_read(path, CJ_NPY_F64, &a, &err) == CJ_OK && a.ndim == 2 && a.shape[0] == 3 && a.shape[1] == 2);
    if (a.data) {
        double want;
        cj_cka_linear(A.x[2], B.x[1], N, A.features[2], B.features[1], 0, &want, &err);
        CHECK_NEAR(((double *)a.data)[2 * 2 + 1], want, 1e-6);
    }
    cj_npy_free(&a);
    free(path);
    const char *files[] = {"cka_linear_debiased.npy", "procrustes.npy", "cca_mean.npy", "cka_rbf.npy", "cka.json"};
    for (int k = 0; k < 5; k++) {
        path = path_in(out, files[k]);
        struct stat sb;
        CHECK(stat(path, &sb) == 0 && sb.st_size > 0);
        free(path);
    }
    path = path_in(out, "cka.png");
    int w = 0, h = 0;
    CHECK(png_size(path, &w, &h) && w == 3 * 640 && h == 2 * 580 + 40);
    free(path);
    free(out);
}

/* --layers-a and --layers-b pick layers, in their order; a name not in
 * the folder is a one-line error naming the option. */
TEST(cka_layer_subsets)
{
    char *out = path_in(root, "cka_subset");
    CHECK(run("cka %s %s --out %s --layers-a 10_out,1_dense --layers-b conv2 --quiet", A.dir, B.dir, out) == 0);
    char *path = path_in(out, "cka.csv");
    csv c;
    CHECK(csv_read(path, &c) && c.n == 3);
    if (c.n == 3) {
        CHECK(!strncmp(c.line[1], "10_out,conv2,cka_linear,", 24) && !strncmp(c.line[2], "1_dense,conv2,", 14));
        double want;
        cj_error err = {0};
        cj_cka_linear(A.x[2], B.x[1], N, A.features[2], B.features[1], 0, &want, &err);
        CHECK(same_value(num(c.line[1], 3), want));
    }
    free(c.text), free(path), free(out);
    CHECK(run("cka %s %s --layers-b nope", A.dir, B.dir) == 1 &&
          one_line_with("cajal cka: --layers-b: ") && strstr(output, "has no layer 'nope' (its layers: conv1, conv2)"));
}

/* One folder: itself against itself, CKA 1 on the diagonal, symmetric;
 * the output goes beside it by default; --kernel rbf --debiased. */
TEST(cka_of_a_folder_with_itself)
{
    CHECK(run("cka %s --kernel rbf --debiased --quiet", A.dir) == 0);
    char *out = path_in(root, "a/cka");
    char *path = path_in(out, "cka_rbf_debiased.npy");
    cj_npy_array a;
    cj_error err = {0};
    CHECK(cj_npy_read(path, CJ_NPY_F64, &a, &err) == CJ_OK && a.ndim == 2 && a.shape[0] == 3 && a.shape[1] == 3);
    if (a.data && a.numel == 9) {
        const double *v = a.data;
        for (int i = 0; i < 3; i++) {
            CHECK_NEAR(v[i * 3 + i], 1.0, 1e-6);
            for (int j = 0; j < 3; j++) CHECK(v[i * 3 + j] == v[j * 3 + i]);
        }
        double want;
        CHECK(cj_cka_rbf(A.x[0], A.x[2], N, A.features[0], A.features[2], 1.0, 1, &want, &err) == CJ_OK);
        CHECK_NEAR(v[2], want, 1e-6);
    }
    cj_npy_free(&a);
    free(path);
    free(out);
}

static cj_npy_array responses(int reps, float bad)
{
    cj_npy_array r = {0};
    r.ndim = reps ? 3 : 2;
    int R = reps ? reps : 1;
    r.shape[0] = N;
    r.shape[1] = reps ? reps : UNITS;
    r.shape[2] = reps ? UNITS : 0;
    r.numel = (size_t)N * R * UNITS;
    float *v = malloc(sizeof(float) * r.numel);
    cj_rng rng;
    cj_rng_seed(&rng, 7);
    for (int i = 0; i < N; i++)
        for (int u = 0; u < UNITS; u++) {
            double signal = A.x[1][i * A.features[1] + u % A.features[1]];
            for (int k = 0; k < R; k++) v[((size_t)i * R + k) * UNITS + u] = (float)(signal + cj_rng_normal(&rng));
        }
    if (bad != 0) v[(size_t)3 * R * UNITS + 1] = bad;
    r.data = v;
    return r;
}

static char *write_responses(const char *name, int reps, float bad)
{
    cj_npy_array r = responses(reps, bad);
    char *p = npy_f32(root, name, r.ndim, r.shape, r.data);
    free(r.data);
    return p;
}

/* predictivity.csv and units.csv hold cj_predictivity_run's numbers for
 * the same folds, seed, alphas and splits. */
TEST(predict_writes_the_librarys_values)
{
    char *rpath = write_responses("resp.npy", REPS, 0), *out = path_in(root, "pred");
    CHECK(run("predict %s --responses %s --out %s --folds 5 --seed 3 --alphas 0.1,1,10,100 --splits 4 --quiet", A.dir,
              rpath, out) == 0);
    CHECK(strstr(output, "cajal predict: 3 layers, 6 units, 40 stimuli x 4 repetitions, 5 folds in ") != NULL);
    csv s, u;
    char *sp = path_in(out, "predictivity.csv"), *up = path_in(out, "units.csv");
    CHECK(csv_read(sp, &s) && csv_read(up, &u));
    CHECK(s.n == 4 && !strcmp(s.line[0], "layer,features,units,units_valid,median_r,median_r_ci_low,median_r_ci_high,"
                                         "median_r_pooled,median_reliability,median_ceiled_r,median_ceiled_r_ci_low,"
                                         "median_ceiled_r_ci_high,median_ev,median_brainscore_r,brainscore,"
                                         "alpha_at_grid_edge"));
    CHECK(u.n == 1 + 3 * UNITS &&
          !strcmp(u.line[0], "layer,unit,r,r_pooled,ev,ceiled_r,brainscore_r,reliability,alpha"));
    cj_npy_array r = responses(REPS, 0);
    double alphas[4] = {0.1, 1, 10, 100};
    cj_predictivity_opts o;
    cj_predictivity_defaults(&o);
    o.ridge.folds = 5, o.ridge.seed = 3, o.ridge.alphas = alphas, o.ridge.n_alphas = 4;
    o.splits = 4, o.split_seed = 3;
    cj_error err = {0};
    for (int l = 0; l < 3 && s.n == 4 && u.n == 1 + 3 * UNITS; l++) {
        cj_predictivity pr;
        CHECK(cj_predictivity_run(A.x[l], N, A.features[l], r.data, REPS, UNITS, &o, &pr, &err) == CJ_OK);
        const char *row = s.line[1 + l];
        char name[64];
        CHECK(!strcmp(field(row, 0, name, sizeof name), A.names[l]));
        CHECK(num(row, 1) == A.features[l] && num(row, 2) == UNITS && num(row, 3) == pr.units_valid);
        CHECK(same_value(num(row, 4), pr.median_r) && same_value(num(row, 7), pr.median_r_pooled));
        CHECK(same_value(num(row, 8), pr.median_reliability) && same_value(num(row, 9), pr.median_ceiled_r));
        CHECK(same_value(num(row, 12), pr.median_ev) && same_value(num(row, 13), pr.median_brainscore_r));
        CHECK(same_value(num(row, 14), pr.brainscore));
        /* the intervals hold the medians */
        CHECK(num(row, 5) <= pr.median_r && pr.median_r <= num(row, 6));
        CHECK(num(row, 10) <= pr.median_ceiled_r && pr.median_ceiled_r <= num(row, 11));
        for (int k = 0; k < UNITS; k++) {
            const char *ur = u.line[1 + l * UNITS + k];
            CHECK(!strcmp(field(ur, 0, name, sizeof name), A.names[l]) && num(ur, 1) == k);
            CHECK(same_value(num(ur, 2), pr.ridge.r[k]) && same_value(num(ur, 3), pr.ridge.r_pooled[k]));
            CHECK(same_value(num(ur, 4), pr.ev[k]) && same_value(num(ur, 5), pr.ceiled_r[k]));
            CHECK(same_value(num(ur, 6), pr.brainscore_r[k]) && same_value(num(ur, 7), pr.reliability[k]));
            double a = num(ur, 8);
            int in_grid = 0, folds_with_it = 0;
            for (int g = 0; g < 4; g++) in_grid |= a == alphas[g];
            for (int f = 0; f < 5; f++) folds_with_it += pr.ridge.alpha[f * UNITS + k] == a;
            CHECK(in_grid && folds_with_it >= 1);
        }
        cj_predictivity_free(&pr);
    }
    free(r.data);
    free(s.text), free(u.text), free(sp), free(up);
    char *png = path_in(out, "predictivity.png"), *json = path_in(out, "predictivity.json");
    int w = 0, h = 0;
    CHECK(png_size(png, &w, &h) && w >= 640 && h == 540);
    char *text = fixture_read(json, NULL);
    CHECK(text && strstr(text, "\"repetitions\":\t4") && strstr(text, "\"folds\":\t5"));
    free(text), free(png), free(json), free(rpath), free(out);
}

/* [stimuli, units]: raw r only, the ceiled columns nan; --layers picks and
 * orders; the default output folder is predict/ beside the activations. */
TEST(predict_without_repetitions_and_a_layer_subset)
{
    char *rpath = write_responses("resp2.npy", 0, 0);
    CHECK(run("predict %s --responses %s --layers %s,%s --quiet", A.dir, rpath, A.names[2], A.names[0]) == 0);
    char *out = path_in(root, "a/predict"), *sp = path_in(out, "predictivity.csv");
    csv s;
    CHECK(csv_read(sp, &s) && s.n == 3);
    if (s.n == 3) {
        char name[64];
        CHECK(!strcmp(field(s.line[1], 0, name, sizeof name), A.names[2]));
        CHECK(!strcmp(field(s.line[2], 0, name, sizeof name), A.names[0]));
        CHECK(isfinite(num(s.line[1], 4)) && isnan(num(s.line[1], 8)) && isnan(num(s.line[1], 9)));
        CHECK(isnan(num(s.line[1], 10)) && isnan(num(s.line[1], 14)) && num(s.line[1], 3) == UNITS);
    }
    free(s.text), free(sp), free(out), free(rpath);
}

TEST(bad_input_is_one_line_and_a_nonzero_exit)
{
    CHECK(run("cka /nonexistent/acts %s", B.dir) == 1 &&
          one_line_with("cajal cka: /nonexistent/acts: cannot open the activations folder"));
    char *empty = path_in(root, "empty");
    mkdir(empty, 0700);
    CHECK(run("cka %s %s", A.dir, empty) == 1 && one_line_with("empty: no .npy file"));
    CHECK(run("predict %s --responses x.npy", empty) == 1 && one_line_with("empty: no .npy file"));

    /* a folder of another number of stimuli */
    char *other = path_in(root, "other");
    mkdir(other, 0700);
    float zeros[(N + 1) * 2] = {0};
    int64_t s41[2] = {N + 1, 2}, s40[2] = {N, 2};
    free(npy_f32(other, "x.npy", 2, s41, zeros));
    CHECK(run("cka %s %s", A.dir, other) == 1 && one_line_with("has 40 stimuli but ") && strstr(output, "has 41"));
    /* layers of one folder that disagree */
    free(npy_f32(other, "y.npy", 2, s40, zeros));
    CHECK(run("cka %s", other) == 1 && one_line_with("y.npy: 40 stimuli, but ") && strstr(output, "x.npy has 41"));
    /* stimulus names that differ */
    char *renamed = path_in(root, "renamed");
    mkdir(renamed, 0700);
    free(npy_f32(renamed, "x.npy", 2, s40, A.x[0]));
    char text[N * 8] = "";
    for (int i = 0; i < N; i++) snprintf(text + strlen(text), sizeof text - strlen(text), "pic%02d\n", i);
    free(fixture_text(renamed, "stimuli.txt", text));
    CHECK(run("cka %s %s", A.dir, renamed) == 1 && one_line_with("stimuli.txt line 1 is 'img00' but ") &&
          strstr(output, "line 1 is 'pic00'"));
    /* NaN in a layer */
    char *nan = path_in(root, "nan");
    mkdir(nan, 0700);
    float v[N * 2];
    for (int i = 0; i < N * 2; i++) v[i] = (float)i;
    v[5 * 2 + 1] = INFINITY;
    free(npy_f32(nan, "x.npy", 2, s40, v));
    CHECK(run("cka %s %s", A.dir, nan) == 1 && one_line_with("x.npy: an infinite value at stimulus 5, feature 1"));
    CHECK(run("predict %s --responses %s/resp.npy", nan, root) == 1 && one_line_with("infinite value at stimulus 5"));

    /* responses: NaN, the wrong number of stimuli, the wrong shape */
    char *r = write_responses("resp_nan.npy", REPS, NAN);
    CHECK(run("predict %s --responses %s", A.dir, r) == 1 &&
          one_line_with("resp_nan.npy: NaN at stimulus 3, repetition 0, unit 1: every response must be finite"));
    free(r);
    float few[(N - 2) * UNITS] = {0};
    int64_t sf[2] = {N - 2, UNITS}, s1[1] = {N}, s4[4] = {N, 1, 1, 1};
    free(npy_f32(root, "resp_few.npy", 2, sf, few));
    CHECK(run("predict %s --responses %s/resp_few.npy", A.dir, root) == 1 &&
          one_line_with("resp_few.npy: 38 stimuli (shape 38x6), but ") && strstr(output, "has 40"));
    free(npy_f32(root, "resp_1d.npy", 1, s1, few));
    free(npy_f32(root, "resp_4d.npy", 4, s4, few));
    CHECK(run("predict %s --responses %s/resp_1d.npy", A.dir, root) == 1 &&
          one_line_with("resp_1d.npy: shape 40, expected [stimuli, units] or [stimuli, repetitions, units]"));
    CHECK(run("predict %s --responses %s/resp_4d.npy", A.dir, root) == 1 && one_line_with("shape 40x1x1x1, expected"));
    CHECK(run("predict %s --responses %s/missing.npy", A.dir, root) == 1 && one_line_with("missing.npy: cannot open"));
    CHECK(run("predict %s --responses %s/resp.npy --layers nope", A.dir, root) == 1 &&
          one_line_with("--layers: ") && strstr(output, "has no layer 'nope' (its layers: "));
    CHECK(run("predict %s --responses %s/resp.npy --folds 30", A.dir, root) == 1 && one_line_with("folds"));

    /* usage errors: exit 2 */
    CHECK(run("cka %s --bogus 1", A.dir) == 2 && one_line_with("cajal cka: unknown option '--bogus'"));
    CHECK(run("predict %s --responses x.npy --bogus", A.dir) == 2 && one_line_with("unknown option '--bogus'"));
    CHECK(run("cka %s --measures cka,cosine", A.dir) == 2 && one_line_with("unknown measure 'cosine'"));
    CHECK(run("cka %s --kernel poly", A.dir) == 2 && one_line_with("--kernel 'poly' is not linear or rbf"));
    CHECK(run("cka %s --rbf-threshold -1", A.dir) == 2 && one_line_with("--rbf-threshold '-1' is not a number > 0"));
    CHECK(run("cka %s %s %s", A.dir, B.dir, A.dir) == 2 && one_line_with("unexpected argument"));
    CHECK(run("predict %s", A.dir) == 2 && strstr(output, "--responses R.npy is needed"));
    CHECK(run("predict %s --responses x.npy --folds 1", A.dir) == 2 &&
          one_line_with("--folds '1' is not a whole number from 2 to"));
    CHECK(run("predict %s --responses x.npy --alphas 1,-2", A.dir) == 2 && one_line_with("--alphas '1,-2'"));
    CHECK(run("predict %s --responses x.npy --alphas 10:1:5", A.dir) == 2 && one_line_with("LO:HI:N"));
    CHECK(run("predict %s --responses x.npy --seed -3", A.dir) == 2 && one_line_with("--seed '-3'"));
    free(empty), free(other), free(renamed), free(nan);
}

/* --alphas LO:HI:N gives N log-spaced values, both ends included: the
 * choices in units.csv are among them. */
TEST(predict_log_spaced_alphas)
{
    char *out = path_in(root, "pred_grid");
    CHECK(run("predict %s --responses %s/resp.npy --out %s --alphas 1e-1:1e3:5 --layers %s --quiet", A.dir, root, out,
              A.names[0]) == 0);
    char *up = path_in(out, "units.csv");
    csv u;
    CHECK(csv_read(up, &u) && u.n == 1 + UNITS);
    const double grid[5] = {0.1, 1, 10, 100, 1000};
    for (int k = 1; k < u.n; k++) {
        double a = num(u.line[k], 8);
        int in = 0;
        for (int g = 0; g < 5; g++) in |= fabs(a - grid[g]) <= 1e-9 * grid[g];
        if (!in) test_fail("unit %d: alpha %g is not on the grid 0.1 .. 1000", k - 1, a);
    }
    free(u.text), free(up), free(out);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    root = fixture_dir("cli_brain");
    const char *na[3] = {"1_dense", "2_relu", "10_out"}, *nb[2] = {"conv1", "conv2"};
    int pa[3] = {5, 8, 3}, pb[2] = {4, 6};
    char *a = path_in(root, "a");
    mkdir(a, 0700);
    free(a);
    make_folder(&A, "a/acts", 3, na, pa, 1);
    make_folder(&B, "b", 2, nb, pb, 2);
    RUN(help_lists_both_commands);
    RUN(cka_writes_the_librarys_values);
    RUN(cka_of_a_folder_with_itself);
    RUN(cka_layer_subsets);
    RUN(predict_writes_the_librarys_values);
    RUN(predict_without_repetitions_and_a_layer_subset);
    RUN(bad_input_is_one_line_and_a_nonzero_exit);
    RUN(predict_log_spaced_alphas);
    free_folder(&A);
    free_folder(&B);
    return test_summary("cli_brain");
}
