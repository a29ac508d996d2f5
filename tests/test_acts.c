/* test_acts.c — activations folders (cajal/acts.h): which files are layers
 * and in what order, shapes from the headers, stimuli.txt, the one-line
 * errors; cj_acts_cka against the library's own per-pair calls (cka.h,
 * itself checked against NumPy in test_cka.c); and the bootstrap interval
 * of a median against its closed-form large-sample width. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/acts.h"
#include "cajal/cka.h"
#include "cajal/rng.h"
#include "cajal/stats.h"
#include "fixtures.h"
#include "harness.h"
#include "npy_fixture.h"

enum { N = 60 };

/* A folder of its own under /tmp with the given subfolder name. */
static char *subdir(const char *tag, const char *name)
{
    char *root = (char *)fixture_dir(tag);
    char *d = cj_path_join(root, name);
    free(root);
    mkdir(d, 0700);
    return d;
}

/* Write layer `name` [N, dims...] of normal values from seed into dir. */
static float *layer(const char *dir, const char *name, int ndim, const int64_t *shape, uint64_t seed)
{
    size_t numel = 1;
    for (int d = 0; d < ndim; d++) numel *= (size_t)shape[d];
    float *x = malloc(sizeof(float) * numel);
    cj_rng rng;
    cj_rng_seed(&rng, seed);
    for (size_t i = 0; i < numel; i++) x[i] = cj_rng_normal(&rng);
    char *file = cj_path_printf("%s.npy", name);
    free(npy_f32(dir, file, ndim, shape, x));
    free(file);
    return x;
}

static int has(const cj_error *e, const char *text)
{
    int ok = strstr(e->msg, text) != NULL && !strchr(e->msg, '\n');
    if (!ok) printf("  message: %s\n", e->msg);
    return ok;
}

TEST(names_sort_with_numbers_as_numbers)
{
    CHECK(cj_acts_name_cmp("2_relu", "10_dense") < 0);
    CHECK(cj_acts_name_cmp("10_dense", "9_relu") > 0);
    CHECK(cj_acts_name_cmp("1_dense", "1_relu") < 0);
    CHECK(cj_acts_name_cmp("conv2", "conv10") < 0);
    CHECK(cj_acts_name_cmp("a", "a") == 0);
    CHECK(cj_acts_name_cmp("a", "ab") < 0);
    CHECK(cj_acts_name_cmp("01", "1") != 0 && cj_acts_name_cmp("01", "1") == -cj_acts_name_cmp("1", "01"));
}

/* Without layers.txt: every .npy, numbers in names compared as numbers,
 * trailing dimensions flattened; hidden files and other files ignored. */
TEST(folder_without_index_lists_every_npy_in_order)
{
    char *d = subdir("acts", "plain");
    int64_t s2[2] = {N, 5}, s4[4] = {N, 2, 3, 4}, s1[1] = {N};
    free(layer(d, "10_out", 2, s2, 1));
    free(layer(d, "2_relu", 4, s4, 2));
    free(layer(d, "1_dense", 1, s1, 3));
    free(layer(d, ".hidden", 2, s2, 4));
    free(fixture_text(d, "notes.txt", "not a layer\n"));
    cj_acts_folder f;
    cj_error err = {0};
    CHECK(cj_acts_open(d, &f, &err) == CJ_OK);
    CHECK(f.n_layers == 3 && !f.from_index && f.n_stimuli == N && !f.stimuli);
    if (f.n_layers == 3) {
        CHECK(!strcmp(f.names[0], "1_dense") && !strcmp(f.names[1], "2_relu") && !strcmp(f.names[2], "10_out"));
        CHECK(f.features[0] == 1 && f.features[1] == 24 && f.features[2] == 5);
        char *want = cj_path_printf("%s/2_relu.npy", d);
        CHECK(!strcmp(f.paths[1], want));
        free(want);
    }
    float *x = NULL;
    int p = 0;
    CHECK(cj_acts_load(&f, 1, &x, &p, &err) == CJ_OK && p == 24 && x);
    free(x);
    cj_acts_close(&f);
    free(d);
}

/* The whole folder in memory (what cajal rsa reads): the same layers and
 * order, the data, the stimulus names; rdm_*.npy are not layers. */
TEST(whole_folder_read_in_memory)
{
    char *d = subdir("acts_read", "f");
    int64_t s2[2] = {N, 3}, s3[3] = {N, 2, 2};
    float *b = layer(d, "10_c", 3, s3, 1), *a = layer(d, "2_b", 2, s2, 2);
    int64_t rdm[2] = {N, N};
    float *r = layer(d, "rdm_2_b", 2, rdm, 3);
    char stim[N * 8] = "";
    for (int i = 0; i < N; i++) snprintf(stim + strlen(stim), sizeof stim - strlen(stim), "s%d\n", i);
    free(fixture_text(d, "stimuli.txt", stim));
    cj_acts all;
    cj_error err = {0};
    CHECK(cj_acts_read(d, &all, &err) == CJ_OK);
    CHECK(all.n == N && all.n_layers == 2 && all.stimuli && !strcmp(all.stimuli[3], "s3"));
    if (all.n_layers == 2) {
        CHECK(!strcmp(all.layers[0], "2_b") && !strcmp(all.layers[1], "10_c"));
        CHECK(all.features[0] == 3 && all.features[1] == 4);
        CHECK(!memcmp(all.x[0], a, sizeof(float) * N * 3) && !memcmp(all.x[1], b, sizeof(float) * N * 4));
    }
    cj_acts_free(&all);
    b[5] = NAN;
    int64_t again[3] = {N, 2, 2};
    free(npy_f32(d, "10_c.npy", 3, again, b));
    CHECK(cj_acts_read(d, &all, &err) == CJ_ERR_NUMERIC && has(&err, "10_c.npy: NaN at stimulus 1, feature 1") &&
          all.n_layers == 0 && !all.x);
    cj_acts_free(&all); /* harmless after a failure */
    free(a), free(b), free(r), free(d);
}

TEST(layers_txt_gives_the_layers_and_their_order)
{
    char *d = subdir("acts", "indexed");
    int64_t s[2] = {N, 3};
    free(layer(d, "a", 2, s, 1));
    free(layer(d, "b", 2, s, 2));
    free(layer(d, "c", 2, s, 3));
    /* cajal record's lines, a name without .npy, a blank line, CRLF */
    free(fixture_text(d, "layers.txt", "c.npy Linear 60x3\r\n\n  a\n"));
    char stim[N * 8] = "";
    for (int i = 0; i < N; i++) snprintf(stim + strlen(stim), sizeof stim - strlen(stim), "s%d\n", i);
    free(fixture_text(d, "stimuli.txt", stim));
    cj_acts_folder f;
    cj_error err = {0};
    CHECK(cj_acts_open(d, &f, &err) == CJ_OK);
    CHECK(f.n_layers == 2 && f.from_index);
    if (f.n_layers == 2) CHECK(!strcmp(f.names[0], "c") && !strcmp(f.names[1], "a"));
    CHECK(f.stimuli && !strcmp(f.stimuli[0], "s0") && !strcmp(f.stimuli[N - 1], "s59"));
    CHECK(cj_acts_find(&f, "a") == 1 && cj_acts_find(&f, "b") == -1);
    /* a subset, in the order asked */
    CHECK(cj_acts_select(&f, "a, c", &err) == CJ_OK && f.n_layers == 2 && !strcmp(f.names[0], "a"));
    CHECK(cj_acts_select(&f, "b", &err) == CJ_ERR_ARG && has(&err, "has no layer 'b' (its layers: a, c)"));
    CHECK(cj_acts_select(&f, "a,a", &err) == CJ_ERR_ARG && has(&err, "'a' is listed twice"));
    CHECK(cj_acts_select(&f, "a,", &err) == CJ_ERR_ARG && has(&err, "an empty name"));
    CHECK(cj_acts_select(&f, "c", &err) == CJ_OK && f.n_layers == 1 && !strcmp(f.names[0], "c"));
    cj_acts_close(&f);

    free(fixture_text(d, "layers.txt", "a\nb\na.npy\n"));
    CHECK(cj_acts_open(d, &f, &err) == CJ_ERR_FORMAT && has(&err, "layers.txt: line 3: layer 'a' is listed twice"));
    free(fixture_text(d, "layers.txt", "../a.npy\n"));
    CHECK(cj_acts_open(d, &f, &err) == CJ_ERR_FORMAT && has(&err, "is not a plain file name"));
    free(fixture_text(d, "layers.txt", "a\nmissing\n"));
    CHECK(cj_acts_open(d, &f, &err) == CJ_ERR_IO && has(&err, "missing.npy: cannot open"));
    free(fixture_text(d, "layers.txt", "\n \n"));
    CHECK(cj_acts_open(d, &f, &err) == CJ_ERR_FORMAT && has(&err, "layers.txt: lists no layer"));
    free(d);
}

TEST(bad_folders_are_one_line_errors)
{
    cj_acts_folder f;
    cj_error err = {0};
    CHECK(cj_acts_open("/nonexistent/acts", &f, &err) == CJ_ERR_IO &&
          has(&err, "/nonexistent/acts: cannot open the activations folder: No such file"));
    char *root = (char *)fixture_dir("acts_bad");
    char *file = fixture_text(root, "file.npy", "x");
    free(root);
    CHECK(cj_acts_open(file, &f, &err) == CJ_ERR_IO && has(&err, "is a file, not an activations folder"));
    free(file);

    char *empty = subdir("acts_bad", "empty");
    free(fixture_text(empty, "readme.txt", "no layers here"));
    CHECK(cj_acts_open(empty, &f, &err) == CJ_ERR_FORMAT && has(&err, "empty: no .npy file"));

    char *mismatch = subdir("acts_bad", "mismatch");
    int64_t a[2] = {N, 3}, b[2] = {N - 1, 3};
    free(layer(mismatch, "1_a", 2, a, 1));
    free(layer(mismatch, "2_b", 2, b, 2));
    CHECK(cj_acts_open(mismatch, &f, &err) == CJ_ERR_SHAPE && has(&err, "2_b.npy: 59 stimuli, but ") &&
          has(&err, "1_a.npy has 60"));

    char *stim = subdir("acts_bad", "stimuli");
    free(layer(stim, "x", 2, a, 1));
    free(fixture_text(stim, "stimuli.txt", "one\ntwo\n"));
    CHECK(cj_acts_open(stim, &f, &err) == CJ_ERR_SHAPE && has(&err, "stimuli.txt: 2 lines, but the layers have 60"));

    char *comma = subdir("acts_bad", "comma");
    free(layer(comma, "a,b", 2, a, 1));
    CHECK(cj_acts_open(comma, &f, &err) == CJ_ERR_FORMAT && has(&err, "holds a comma or a quote"));

    char *zero = subdir("acts_bad", "zero");
    int64_t z[2] = {N, 0};
    free(npy_f32(zero, "z.npy", 2, z, NULL));
    CHECK(cj_acts_open(zero, &f, &err) == CJ_ERR_SHAPE && has(&err, "shape 60x0 has no features"));

    /* NaN: found when the data are read, named by stimulus and feature */
    char *nan = subdir("acts_bad", "nan");
    float v[N * 3];
    for (int i = 0; i < N * 3; i++) v[i] = (float)i;
    v[7 * 3 + 2] = NAN;
    free(npy_f32(nan, "n.npy", 2, a, v));
    CHECK(cj_acts_open(nan, &f, &err) == CJ_OK);
    float *x = NULL;
    int p;
    CHECK(cj_acts_load(&f, 0, &x, &p, &err) == CJ_ERR_NUMERIC && !x &&
          has(&err, "n.npy: NaN at stimulus 7, feature 2"));
    cj_acts_close(&f);
    free(empty), free(mismatch), free(stim), free(comma), free(zero), free(nan);
}

TEST(two_folders_must_hold_the_same_stimuli)
{
    char *a = subdir("acts_pair", "a"), *b = subdir("acts_pair", "b"), *c = subdir("acts_pair", "c");
    int64_t s[2] = {N, 2}, t[2] = {N + 1, 2};
    free(layer(a, "x", 2, s, 1));
    free(layer(b, "x", 2, s, 2));
    free(layer(c, "x", 2, t, 3));
    char sa[N * 8] = "", sb[N * 8] = "";
    for (int i = 0; i < N; i++) {
        snprintf(sa + strlen(sa), sizeof sa - strlen(sa), "s%d\n", i);
        snprintf(sb + strlen(sb), sizeof sb - strlen(sb), "s%d\n", i == 5 ? 99 : i);
    }
    free(fixture_text(a, "stimuli.txt", sa));
    cj_acts_folder fa, fb, fc;
    cj_error err = {0};
    CHECK(cj_acts_open(a, &fa, &err) == CJ_OK && cj_acts_open(b, &fb, &err) == CJ_OK &&
          cj_acts_open(c, &fc, &err) == CJ_OK);
    CHECK(cj_acts_same_stimuli(&fa, &fb, &err) == CJ_OK); /* b has no names to compare */
    CHECK(cj_acts_same_stimuli(&fa, &fc, &err) == CJ_ERR_SHAPE && has(&err, "has 60 stimuli but ") &&
          has(&err, "has 61"));
    cj_acts_close(&fb);
    free(fixture_text(b, "stimuli.txt", sb));
    CHECK(cj_acts_open(b, &fb, &err) == CJ_OK);
    CHECK(cj_acts_same_stimuli(&fa, &fb, &err) == CJ_ERR_SHAPE && has(&err, "stimuli.txt line 6 is 's5' but ") &&
          has(&err, "line 6 is 's99'"));
    cj_acts_close(&fa), cj_acts_close(&fb), cj_acts_close(&fc);
    free(a), free(b), free(c);
}

static int warnings;
static void count_warning(void *user, const char *msg)
{
    (void)user;
    warnings++;
    if (!strstr(msg, "no RBF kernel")) printf("  warning: %s\n", msg);
}

/* Two folders of related layers (a shared latent, mixed and rectified) and
 * a dead (constant) layer in b. */
typedef struct {
    char *a, *b;
    float *xa[3], *xb[2];
    int pa[3], pb[2];
} pair_folders;

static void make_pair(pair_folders *pf)
{
    pf->a = subdir("acts_cka", "a");
    pf->b = subdir("acts_cka", "b");
    int pa[3] = {7, 12, 5}, pb[2] = {9, 4};
    cj_rng rng;
    cj_rng_seed(&rng, 11);
    float z[N * 4];
    for (int i = 0; i < N * 4; i++) z[i] = cj_rng_normal(&rng);
    const char *na[3] = {"1_x", "2_y", "3_z"}, *nb[2] = {"1_u", "2_dead"};
    for (int f = 0; f < 2; f++) {
        int L = f ? 2 : 3;
        for (int l = 0; l < L; l++) {
            int p = f ? pb[l] : pa[l];
            float *x = malloc(sizeof(float) * N * p);
            for (int i = 0; i < N; i++)
                for (int j = 0; j < p; j++) {
                    float v = z[i * 4 + j % 4] * (1 + 0.1f * j) + 0.5f * cj_rng_normal(&rng);
                    x[i * p + j] = f == 1 && l == 1 ? 3.0f : l == 1 ? fmaxf(v, 0) : v;
                }
            int64_t s[2] = {N, p};
            char *file = cj_path_printf("%s.npy", f ? nb[l] : na[l]);
            free(npy_f32(f ? pf->b : pf->a, file, 2, s, x));
            free(file);
            if (f) pf->xb[l] = x, pf->pb[l] = p;
            else pf->xa[l] = x, pf->pa[l] = p;
        }
    }
}

/* Every measure of every pair equals the library's call on that pair; the
 * RBF kernels kept per layer give cj_cka_rbf's values bit for bit, cached
 * or not; a dead layer's RBF row is NaN, with a warning. */
TEST(every_pair_is_the_librarys_value)
{
    pair_folders pf;
    make_pair(&pf);
    cj_acts_folder a, b;
    cj_error err = {0};
    CHECK(cj_acts_open(pf.a, &a, &err) == CJ_OK && cj_acts_open(pf.b, &b, &err) == CJ_OK);
    cj_acts_measure ms[] = {CJ_ACTS_CKA_LINEAR,      CJ_ACTS_CKA_LINEAR_DEBIASED, CJ_ACTS_CKA_RBF,
                            CJ_ACTS_CKA_RBF_DEBIASED, CJ_ACTS_PROCRUSTES,          CJ_ACTS_CCA_MEAN,
                            CJ_ACTS_CCA_R2};
    enum { M = 7 };
    double out[M * 3 * 2], nocache[M * 3 * 2];
    for (int pass = 0; pass < 2; pass++) {
        warnings = 0;
        cj_acts_cka_opts o = {.measures = ms, .n_measures = M, .rbf_threshold = 0.5, .warn = count_warning,
                              .gram_cache_bytes = pass ? 1 : 0};
        CHECK(cj_acts_cka(&a, &b, 0, &o, pass ? nocache : out, &err) == CJ_OK);
        CHECK(warnings >= 2); /* the dead layer, for each centring */
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) {
            const float *x = pf.xa[i], *y = pf.xb[j];
            int p = pf.pa[i], q = pf.pb[j];
            double lin, linu, rbf, rbfu;
            cj_cka_measures cm;
            CHECK(cj_cka_linear(x, y, N, p, q, 0, &lin, &err) == CJ_OK);
            CHECK(cj_cka_linear(x, y, N, p, q, 1, &linu, &err) == CJ_OK);
            CHECK(cj_cka_compare(x, y, N, p, q, &cm, &err) == CJ_OK);
            double want[M] = {lin, linu, NAN, NAN, cm.procrustes, cm.cca_mean, cm.cca_r2};
            if (j == 0) {
                CHECK(cj_cka_rbf(x, y, N, p, q, 0.5, 0, &rbf, &err) == CJ_OK);
                CHECK(cj_cka_rbf(x, y, N, p, q, 0.5, 1, &rbfu, &err) == CJ_OK);
                want[2] = rbf, want[3] = rbfu;
            } else {
                CHECK(cj_cka_rbf(x, y, N, p, q, 0.5, 0, &rbf, &err) == CJ_ERR_NUMERIC);
            }
            for (int m = 0; m < M; m++) {
                double got = out[(m * 3 + i) * 2 + j], alt = nocache[(m * 3 + i) * 2 + j];
                if (isnan(want[m])) {
                    if (!isnan(got)) test_fail("measure %d, pair %d,%d: %g, expected NaN", m, i, j, got);
                } else if (got != want[m] || alt != want[m]) {
                    test_fail("measure %d, pair %d,%d: %.17g (no cache %.17g), library %.17g", m, i, j, got, alt,
                              want[m]);
                }
            }
        }
    cj_acts_close(&a), cj_acts_close(&b);
    for (int l = 0; l < 3; l++) free(pf.xa[l]);
    for (int l = 0; l < 2; l++) free(pf.xb[l]);
    free(pf.a), free(pf.b);
}

/* A folder against itself: half the pairs, mirrored; CKA 1 on the diagonal. */
TEST(a_folder_against_itself_is_symmetric)
{
    pair_folders pf;
    make_pair(&pf);
    cj_acts_folder a;
    cj_error err = {0};
    CHECK(cj_acts_open(pf.a, &a, &err) == CJ_OK);
    cj_acts_measure ms[] = {CJ_ACTS_CKA_LINEAR, CJ_ACTS_CKA_RBF, CJ_ACTS_PROCRUSTES};
    double self[3 * 9], full[3 * 9];
    cj_acts_cka_opts o = {.measures = ms, .n_measures = 3, .rbf_threshold = 1.0};
    CHECK(cj_acts_cka(&a, &a, 1, &o, self, &err) == CJ_OK);
    CHECK(cj_acts_cka(&a, &a, 0, &o, full, &err) == CJ_OK);
    for (int m = 0; m < 3; m++)
        for (int i = 0; i < 3; i++) {
            CHECK_NEAR(self[(m * 3 + i) * 3 + i], m == 2 ? 0.0 : 1.0, 1e-9);
            for (int j = 0; j < 3; j++) {
                double s = self[(m * 3 + i) * 3 + j];
                CHECK(s == self[(m * 3 + j) * 3 + i]);
                CHECK_NEAR(s, full[(m * 3 + i) * 3 + j], 1e-12);
            }
        }
    cj_acts_close(&a);
    for (int l = 0; l < 3; l++) free(pf.xa[l]);
    for (int l = 0; l < 2; l++) free(pf.xb[l]);
    free(pf.a), free(pf.b);
}

/* Layers wider than half the stimuli: linear CKA in Gram form, from
 * kernels made once per layer, equals cj_cka_linear bit for bit (cached or
 * not, one folder or two); a narrow pair keeps the feature-space form. */
TEST(wide_layers_take_the_gram_form_bit_for_bit)
{
    char *d = subdir("acts_wide", "w");
    int p[3] = {80, 50, 4};
    float *x[3];
    const char *names[3] = {"1_wide", "2_mid", "3_narrow"};
    for (int l = 0; l < 3; l++) {
        int64_t s2[2] = {N, p[l]};
        x[l] = layer(d, names[l], 2, s2, 20 + l);
        for (int k = 0; k < N * p[l]; k++) x[l][k] += l ? x[0][(k / p[l]) * p[0]] : 0; /* related layers */
        int64_t again[2] = {N, p[l]};
        char *file = cj_path_printf("%s.npy", names[l]);
        free(npy_f32(d, file, 2, again, x[l]));
        free(file);
    }
    cj_acts_folder f;
    cj_error err = {0};
    CHECK(cj_acts_open(d, &f, &err) == CJ_OK);
    cj_acts_measure ms[] = {CJ_ACTS_CKA_LINEAR, CJ_ACTS_CKA_LINEAR_DEBIASED};
    double v[4][2 * 9];
    for (int pass = 0; pass < 4; pass++) {
        cj_acts_cka_opts o = {.measures = ms, .n_measures = 2, .gram_cache_bytes = pass & 1 ? 1 : 0};
        CHECK(cj_acts_cka(&f, &f, pass >= 2, &o, v[pass], &err) == CJ_OK);
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int u = 0; u < 2; u++) {
                double want;
                CHECK(cj_cka_linear(x[i], x[j], N, p[i], p[j], u, &want, &err) == CJ_OK);
                for (int pass = 0; pass < 4; pass++) {
                    /* one folder mirrors (i, j) from (j, i), which the
                     * library need not give bit for bit: 1e-12 there */
                    double got = v[pass][(u * 3 + i) * 3 + j];
                    int exact = pass < 2 || j >= i;
                    if (exact ? got != want : fabs(got - want) > 1e-12)
                        test_fail("pass %d, %s x %s, debiased %d: %.17g, library %.17g", pass, names[i], names[j], u,
                                  got, want);
                }
            }
    CHECK(v[0][0] > 0.99 && v[0][1] < 0.99); /* CKA of a layer with itself is 1 */
    cj_acts_close(&f);
    for (int l = 0; l < 3; l++) free(x[l]);
    free(d);
}

static char last_warning[CJ_ERROR_MSG_MAX + 64];
static void keep_warning(void *user, const char *msg)
{
    (void)user;
    warnings++;
    snprintf(last_warning, sizeof last_warning, "%s", msg);
}

static const cj_acts_measure shape_measures[] = {CJ_ACTS_CKA_LINEAR, CJ_ACTS_PROCRUSTES, CJ_ACTS_CCA_MEAN};

/* A folder (under name) of one layer of N stimuli x features, opened into
 * f; warnings reset. 0 (after a failed check) if it cannot be opened. */
static int one_layer_folder(const char *name, const char *layer_name, int features, cj_acts_folder *f)
{
    char *d = subdir(name, "w");
    int64_t s2[2] = {N, features};
    free(layer(d, layer_name, 2, s2, 9));
    cj_error err = {0};
    int ok = cj_acts_open(d, f, &err) == CJ_OK;
    if (!ok) test_fail("%s", err.msg);
    free(d);
    warnings = 0;
    return ok;
}

/* A layer far wider than the stimuli (12,000 features, 60 stimuli: a conv
 * layer on the 92 images) gets Procrustes from the n x n Gram form at once,
 * 0 against itself and against a scaled, sign-flipped copy; CCA is NaN
 * (rank 59 < 12,000) without a warning. */
TEST(wide_layers_get_procrustes_from_the_gram_form)
{
    cj_acts_folder f;
    cj_error err = {0};
    if (!one_layer_folder("acts_wide", "wide", 12000, &f)) return;
    double v[3];
    cj_acts_cka_opts o = {.measures = shape_measures, .n_measures = 3, .warn = keep_warning};
    CHECK(cj_acts_cka(&f, &f, 1, &o, v, &err) == CJ_OK);
    CHECK_NEAR(v[0], 1.0, 1e-9);
    CHECK_NEAR(v[1], 0.0, 1e-9);
    CHECK(isnan(v[2]) && warnings == 0);
    cj_acts_close(&f);
}

/* Procrustes and CCA of a pair whose products pass the cap: NaN, and one
 * warning for the run naming the pair; CKA of the same pair is still
 * computed. (The default cap is 4 GiB; a small one stands in for it.) */
TEST(too_big_for_shape_measures_is_nan_with_a_warning)
{
    cj_acts_folder f;
    cj_error err = {0};
    if (!one_layer_folder("acts_toobig", "mid", 40, &f)) return;
    double v[3];
    /* 40 + 40 features < 60 stimuli: the feature form, 8 * 80^2 bytes */
    CHECK(cj_cka_compare_bytes(N, 40, 40) == 8 * 80 * 80);
    CHECK(cj_cka_compare_bytes(N, 60, 5) == 3 * 8 * N * N);
    cj_acts_cka_opts o = {
        .measures = shape_measures, .n_measures = 3, .warn = keep_warning, .shape_max_bytes = 8 * 80 * 80 - 1};
    CHECK(cj_acts_cka(&f, &f, 1, &o, v, &err) == CJ_OK);
    CHECK_NEAR(v[0], 1.0, 1e-9);
    CHECK(isnan(v[1]) && isnan(v[2]) && warnings == 1);
    CHECK(strstr(last_warning, "procrustes and cca are NaN for 1 layer pair whose products would take over") &&
          strstr(last_warning, "mid.npy: 40 + 40 features, 60 stimuli"));
    o.shape_max_bytes = 8 * 80 * 80;
    warnings = 0;
    CHECK(cj_acts_cka(&f, &f, 1, &o, v, &err) == CJ_OK);
    CHECK_NEAR(v[1], 0.0, 1e-9);
    CHECK_NEAR(v[2], 1.0, 1e-9);
    CHECK(warnings == 0);
    cj_acts_close(&f);
}

static long stop_after;
static int stop_progress(void *user, long done, long total)
{
    (void)user, (void)total;
    return done >= stop_after;
}

TEST(cka_refuses_what_it_cannot_do)
{
    pair_folders pf;
    make_pair(&pf);
    cj_acts_folder a, b;
    cj_error err = {0};
    CHECK(cj_acts_open(pf.a, &a, &err) == CJ_OK && cj_acts_open(pf.b, &b, &err) == CJ_OK);
    double out[64];
    cj_acts_measure twice[] = {CJ_ACTS_CKA_LINEAR, CJ_ACTS_CKA_LINEAR};
    cj_acts_cka_opts o = {.measures = twice, .n_measures = 2};
    CHECK(cj_acts_cka(&a, &b, 0, &o, out, &err) == CJ_ERR_ARG && has(&err, "cka_linear asked for twice"));
    cj_acts_measure rbf[] = {CJ_ACTS_CKA_RBF};
    o = (cj_acts_cka_opts){.measures = rbf, .n_measures = 1, .rbf_threshold = 0};
    CHECK(cj_acts_cka(&a, &b, 0, &o, out, &err) == CJ_ERR_ARG && has(&err, "RBF threshold 0"));
    o = (cj_acts_cka_opts){.measures = twice, .n_measures = 1, .progress = stop_progress};
    stop_after = 2;
    CHECK(cj_acts_cka(&a, &b, 0, &o, out, &err) == CJ_ERR_INTERRUPTED && has(&err, "stopped after 2 of 6 pairs"));
    cj_acts_close(&a), cj_acts_close(&b);
    for (int l = 0; l < 3; l++) free(pf.xa[l]);
    for (int l = 0; l < 2; l++) free(pf.xb[l]);
    free(pf.a), free(pf.b);
    CHECK(!strcmp(cj_acts_measure_name(CJ_ACTS_CCA_R2), "cca_r2") && cj_acts_measure_of("procrustes") ==
          CJ_ACTS_PROCRUSTES && cj_acts_measure_of("cka") == -1);
}

/* The median of n uniform(0, 1) values has standard error 1 / (2 f(m)
 * sqrt(n)) = 1 / (2 sqrt(n)) (f = 1 at the median), so the 95% interval is
 * about 2 x 1.96 / (2 sqrt(n)) wide: 0.098 for n = 400. */
TEST(bootstrap_median_interval_has_the_large_sample_width)
{
    enum { M = 400 };
    double x[M + 3];
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    for (int i = 0; i < M; i++) x[i] = cj_rng_uniform(&rng);
    x[M] = NAN, x[M + 1] = NAN, x[M + 2] = NAN; /* left out */
    double ci[2], again[2], other[2];
    cj_error err = {0};
    CHECK(cj_bootstrap_median_interval(x, M + 3, 2000, 1, 0.95, ci, &err) == CJ_OK);
    CHECK(cj_bootstrap_median_interval(x, M + 3, 2000, 1, 0.95, again, &err) == CJ_OK);
    CHECK(cj_bootstrap_median_interval(x, M + 3, 2000, 2, 0.95, other, &err) == CJ_OK);
    CHECK(ci[0] == again[0] && ci[1] == again[1]);        /* the seed fixes it */
    CHECK(ci[0] != other[0] || ci[1] != other[1]);
    double width = ci[1] - ci[0];
    if (!(width > 0.075 && width < 0.125)) test_fail("95%% interval width %.4f, expected about 0.098", width);
    double s[M];
    memcpy(s, x, sizeof s);
    for (int i = 1; i < M; i++) /* insertion sort, for the sample median */
        for (int k = i; k > 0 && s[k] < s[k - 1]; k--) {
            double t = s[k];
            s[k] = s[k - 1], s[k - 1] = t;
        }
    double med = cj_quantile_sorted(s, M, 0.5);
    CHECK(ci[0] < med && med < ci[1]);
    double one[1] = {0.3};
    CHECK(cj_bootstrap_median_interval(one, 1, 100, 1, 0.95, ci, &err) == CJ_OK && isnan(ci[0]) && isnan(ci[1]));
    CHECK(cj_bootstrap_median_interval(x, M, 0, 1, 0.95, ci, &err) == CJ_ERR_ARG && has(&err, "0 samples"));
    CHECK(cj_bootstrap_median_interval(x, M, 10, 1, 1.0, ci, &err) == CJ_ERR_ARG && has(&err, "level 1"));
}

TEST(index_and_stimuli_parsers)
{
    char **names;
    int n;
    cj_error err = {0};
    const char idx[] = "1_dense.npy Linear 10x4\n2_relu ReLU 10x4\n";
    CHECK(cj_acts_parse_index(idx, strlen(idx), "layers.txt", &names, &n, &err) == CJ_OK && n == 2);
    if (n == 2) CHECK(!strcmp(names[0], "1_dense") && !strcmp(names[1], "2_relu"));
    cj_acts_free_names(names, (size_t)n);
    const char nul[] = "a\0b\n";
    CHECK(cj_acts_parse_index(nul, 4, "layers.txt", &names, &n, &err) != CJ_OK && !names);
    const char ctl[] = "a\x01\n";
    CHECK(cj_acts_parse_index(ctl, 3, "layers.txt", &names, &n, &err) == CJ_ERR_FORMAT && has(&err, "control"));
    size_t m;
    const char st[] = "x\r\n\ny";
    CHECK(cj_acts_parse_stimuli(st, strlen(st), "stimuli.txt", &names, &m, &err) == CJ_OK && m == 3);
    if (m == 3) CHECK(!strcmp(names[0], "x") && !strcmp(names[1], "") && !strcmp(names[2], "y"));
    cj_acts_free_names(names, m);
}

int main(void)
{
    RUN(names_sort_with_numbers_as_numbers);
    RUN(folder_without_index_lists_every_npy_in_order);
    RUN(layers_txt_gives_the_layers_and_their_order);
    RUN(whole_folder_read_in_memory);
    RUN(bad_folders_are_one_line_errors);
    RUN(two_folders_must_hold_the_same_stimuli);
    RUN(every_pair_is_the_librarys_value);
    RUN(a_folder_against_itself_is_symmetric);
    RUN(wide_layers_take_the_gram_form_bit_for_bit);
    RUN(wide_layers_get_procrustes_from_the_gram_form);
    RUN(too_big_for_shape_measures_is_nan_with_a_warning);
    RUN(cka_refuses_what_it_cannot_do);
    RUN(bootstrap_median_interval_has_the_large_sample_width);
    RUN(index_and_stimuli_parsers);
    return test_summary("acts");
}
