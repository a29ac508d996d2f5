/* test_cka.c — CKA (linear and RBF, biased and debiased), the Gram
 * matrices and their centring, the Procrustes distance and mean CCA,
 * against a NumPy re-write of Kornblith et al.'s notebook, SciPy's
 * orthogonal_procrustes and a QR-based CCA (tools/make_cka_refs.py ->
 * tests/ref/cka/cka.txt), plus closed forms: CKA(x, x) = 1, invariance to
 * rotations and scale, NaN for a constant layer; bad arguments name what is
 * wrong. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/cka.h"
#include "cajal/rng.h"
#include "harness.h"
#include "ref_text.h"

/* The integer hash of tools/make_cka_refs.py: a float in [-0.5, 0.5). */
static float hash_value(uint32_t i, uint32_t j, uint32_t s)
{
    uint32_t u = i * 2654435761u + j * 40503u + s * 2246822519u;
    u ^= u >> 15;
    u *= 2246822519u;
    u ^= u >> 13;
    u >>= 8;
    return (float)((double)u / 16777216.0 - 0.5);
}

/* The small case of cka.txt: x [n, p], y [n, q] as floats. */
typedef struct {
    ref_text r;
    int n, p, q;
    float *x, *y;
} small_case;

static int load_small(small_case *c)
{
    memset(c, 0, sizeof *c);
    if (!ref_text_load(&c->r, "tests/ref/cka/cka.txt")) return 0;
    const double *shape = ref_text_get(&c->r, "shape", 3);
    if (!shape) return 0;
    c->n = (int)shape[0], c->p = (int)shape[1], c->q = (int)shape[2];
    const double *x = ref_text_get(&c->r, "x", c->n * c->p), *y = ref_text_get(&c->r, "y", c->n * c->q);
    if (!x || !y) return 0;
    c->x = floats_from_doubles(x, (size_t)c->n * c->p);
    c->y = floats_from_doubles(y, (size_t)c->n * c->q);
    return 1;
}

static void free_small(small_case *c)
{
    free(c->x), free(c->y);
    ref_text_free(&c->r);
}

static double ref1(const small_case *c, const char *name)
{
    const double *v = ref_text_get(&c->r, name, 1);
    return v ? v[0] : NAN;
}

/* ---- against the NumPy reference --------------------------------------- */

TEST(linear_matches_kornblith)
{
    small_case c;
    if (!load_small(&c)) goto done;
    double s = NAN, sd = NAN;
    cj_error err;
    CHECK(cj_cka_linear(c.x, c.y, c.n, c.p, c.q, 0, &s, &err) == CJ_OK);
    CHECK(cj_cka_linear(c.x, c.y, c.n, c.p, c.q, 1, &sd, &err) == CJ_OK);
    /* float products over one block of 40: ~1e-7 */
    CHECK_NEAR(s, ref1(&c, "linear"), 1e-6);
    CHECK_NEAR(sd, ref1(&c, "linear_debiased"), 1e-6);
    CHECK(fabs(s - sd) > 1e-3); /* the two estimators really differ here */
    /* symmetric in x and y */
    double t = NAN;
    CHECK(cj_cka_linear(c.y, c.x, c.n, c.q, c.p, 1, &t, &err) == CJ_OK);
    CHECK_NEAR(t, sd, 1e-6);
    /* the column means are 0..27: centring in double keeps them out */
    float *xs = malloc(sizeof(float) * c.n * c.p);
    for (int i = 0; i < c.n * c.p; i++) xs[i] = c.x[i] + 100.0f;
    CHECK(cj_cka_linear(xs, c.y, c.n, c.p, c.q, 0, &s, &err) == CJ_OK);
    CHECK_NEAR(s, ref1(&c, "linear_shift100"), 1e-6);
    CHECK(cj_cka_linear(xs, c.y, c.n, c.p, c.q, 1, &s, &err) == CJ_OK);
    CHECK_NEAR(s, ref1(&c, "linear_shift100_debiased"), 1e-6);
    free(xs);
done:
    free_small(&c);
}

TEST(rbf_matches_kornblith)
{
    small_case c;
    if (!load_small(&c)) goto done;
    static const struct {
        double t;
        int debiased;
        const char *name;
    } cases[] = {{0.5, 0, "rbf_0.5"}, {0.5, 1, "rbf_0.5_debiased"}, {1.0, 0, "rbf_1"}, {1.0, 1, "rbf_1_debiased"}};
    cj_error err;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double s = NAN;
        CHECK(cj_cka_rbf(c.x, c.y, c.n, c.p, c.q, cases[i].t, cases[i].debiased, &s, &err) == CJ_OK);
        CHECK_NEAR(s, ref1(&c, cases[i].name), 1e-10);
    }
    /* an odd n: NumPy's median is then one entry of the n^2, not a mean */
    double s = NAN;
    CHECK(cj_cka_rbf(c.x, c.y, 39, c.p, c.q, 1.0, 0, &s, &err) == CJ_OK);
    CHECK_NEAR(s, ref1(&c, "rbf_1_n39"), 1e-10);
done:
    free_small(&c);
}

TEST(gram_matrices_match_numpy)
{
    small_case c;
    if (!load_small(&c)) goto done;
    const int n = c.n, p = c.p;
    const double *gl = ref_text_get(&c.r, "gram_linear_x", n * n), *gr = ref_text_get(&c.r, "gram_rbf_x", n * n);
    const double *gc = ref_text_get(&c.r, "gram_center_x", n * n);
    const double *gu = ref_text_get(&c.r, "gram_center_unbiased_x", n * n);
    if (!gl || !gr || !gc || !gu) goto done;
    double *k = malloc(sizeof(double) * n * n), *raw = malloc(sizeof(double) * n * n);
    cj_error err;
    CHECK(cj_gram_linear(c.x, n, p, k, &err) == CJ_OK);
    CHECK(max_rel_diff_d(k, gl, (size_t)n * n) < 1e-12);
    CHECK(cj_gram_rbf(c.x, n, p, 1.0, k, &err) == CJ_OK);
    CHECK(max_rel_diff_d(k, gr, (size_t)n * n) < 1e-10);
    /* centring the uncentred x x^T, as the notebook does */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0.0;
            for (int f = 0; f < p; f++) s += (double)c.x[i * p + f] * (double)c.x[j * p + f];
            raw[i * n + j] = s;
        }
    memcpy(k, raw, sizeof(double) * n * n);
    CHECK(cj_gram_center(k, n, 0, &err) == CJ_OK);
    CHECK(max_rel_diff_d(k, gc, (size_t)n * n) < 1e-10);
    memcpy(k, raw, sizeof(double) * n * n);
    CHECK(cj_gram_center(k, n, 1, &err) == CJ_OK);
    CHECK(max_rel_diff_d(k, gu, (size_t)n * n) < 1e-10);
    /* the Gram form of linear CKA, in double: the reference to 1e-12 */
    double *ky = malloc(sizeof(double) * n * n), s = NAN;
    for (int debiased = 0; debiased < 2; debiased++) {
        memcpy(k, raw, sizeof(double) * n * n);
        CHECK(cj_gram_linear(c.y, n, c.q, ky, &err) == CJ_OK);
        CHECK(cj_cka_gram(k, ky, n, debiased, &s, &err) == CJ_OK);
        CHECK_NEAR(s, ref1(&c, debiased ? "linear_debiased" : "linear"), 1e-12);
    }
    free(k), free(raw), free(ky);
done:
    free_small(&c);
}

TEST(gram_path_matches_kornblith)
{
    /* n = 30 stimuli of 50 and 40 features: cj_cka_linear takes the Gram
     * form (2 n < p + q), in double. */
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/cka/cka.txt")) return;
    const double *shape = ref_text_get(&r, "gram_shape", 3);
    if (!shape) goto done;
    const int n = (int)shape[0], p = (int)shape[1], q = (int)shape[2];
    const double *x = ref_text_get(&r, "xg", n * p), *y = ref_text_get(&r, "yg", n * q);
    const double *lin = ref_text_get(&r, "gram_linear", 1), *deb = ref_text_get(&r, "gram_linear_debiased", 1);
    const double *pro = ref_text_get(&r, "gram_procrustes", 1);
    if (!x || !y || !lin || !deb || !pro) goto done;
    float *xf = floats_from_doubles(x, (size_t)n * p), *yf = floats_from_doubles(y, (size_t)n * q);
    double s = NAN;
    cj_error err;
    CHECK(cj_cka_linear(xf, yf, n, p, q, 0, &s, &err) == CJ_OK);
    CHECK_NEAR(s, lin[0], 1e-12);
    CHECK(cj_cka_linear(xf, yf, n, p, q, 1, &s, &err) == CJ_OK);
    CHECK_NEAR(s, deb[0], 1e-12);
    /* the shape measures in feature space: the same CKA; CCA undefined
     * (50 features, 30 stimuli: rank 29) */
    cj_cka_measures sh;
    CHECK(cj_cka_compare(xf, yf, n, p, q, &sh, &err) == CJ_OK);
    CHECK_NEAR(sh.cka, lin[0], 1e-12);
    CHECK_NEAR(sh.cka_debiased, deb[0], 1e-10);
    CHECK_NEAR(sh.procrustes, pro[0], 1e-10);
    CHECK(isnan(sh.cca_mean) && isnan(sh.cca_r2));
    free(xf), free(yf);
done:
    ref_text_free(&r);
}

TEST(shape_measures_match_scipy)
{
    small_case c;
    if (!load_small(&c)) goto done;
    cj_cka_measures sh;
    cj_error err;
    CHECK(cj_cka_compare(c.x, c.y, c.n, c.p, c.q, &sh, &err) == CJ_OK);
    CHECK_NEAR(sh.cka, ref1(&c, "linear"), 1e-12);
    CHECK_NEAR(sh.cka_debiased, ref1(&c, "linear_debiased"), 1e-12);
    CHECK_NEAR(sh.procrustes, ref1(&c, "procrustes"), 1e-10);
    CHECK_NEAR(sh.cca_mean, ref1(&c, "cca_mean"), 1e-10);
    CHECK_NEAR(sh.cca_r2, ref1(&c, "cca_r2"), 1e-10);
done:
    free_small(&c);
}

TEST(many_blocks_match_numpy)
{
    /* 9,000 stimuli: nine blocks of the feature-space products, summed in
     * float over 4,096 and then in double; data from the integer hash both
     * sides compute exactly. */
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/cka/cka.txt")) return;
    const double *shape = ref_text_get(&r, "blocks_shape", 3);
    if (!shape) goto done;
    const int n = (int)shape[0], p = (int)shape[1], q = (int)shape[2];
    float *x = malloc(sizeof(float) * n * p), *y = malloc(sizeof(float) * n * q);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < p; j++) x[i * p + j] = hash_value(i, j, 1) + (float)j / 8.0f;
        for (int j = 0; j < q; j++) y[i * q + j] = x[i * p + j] + hash_value(i, j, 2);
    }
    const double *x00 = ref_text_get(&r, "blocks_x_0_0", 1), *ylast = ref_text_get(&r, "blocks_y_last", 1);
    if (x00 && ylast) {
        CHECK(x[0] == (float)x00[0]);
        CHECK(y[(size_t)n * q - 1] == (float)ylast[0]);
    }
    double s = NAN;
    cj_error err;
    CHECK(cj_cka_linear(x, y, n, p, q, 0, &s, &err) == CJ_OK);
    CHECK_NEAR(s, ref_text_get(&r, "blocks_linear", 1)[0], 1e-6);
    CHECK(cj_cka_linear(x, y, n, p, q, 1, &s, &err) == CJ_OK);
    CHECK_NEAR(s, ref_text_get(&r, "blocks_linear_debiased", 1)[0], 1e-6);
    cj_cka_measures sh;
    CHECK(cj_cka_compare(x, y, n, p, q, &sh, &err) == CJ_OK);
    CHECK_NEAR(sh.cka, ref_text_get(&r, "blocks_linear", 1)[0], 1e-11);
    CHECK_NEAR(sh.cka_debiased, ref_text_get(&r, "blocks_linear_debiased", 1)[0], 1e-11);
    CHECK_NEAR(sh.procrustes, ref_text_get(&r, "blocks_procrustes", 1)[0], 1e-10);
    CHECK_NEAR(sh.cca_mean, ref_text_get(&r, "blocks_cca_mean", 1)[0], 1e-10);
    CHECK_NEAR(sh.cca_r2, ref_text_get(&r, "blocks_cca_r2", 1)[0], 1e-10);
    free(x), free(y);
done:
    ref_text_free(&r);
}

/* ---- closed forms ------------------------------------------------------ */

/* y = s x Q + b for an orthogonal Q (a product of Givens rotations), a
 * scale s and a shift b: every measure says "the same representation". */
TEST(invariant_to_rotation_scale_shift)
{
    enum { N = 300, P = 12 };
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    float *x = malloc(sizeof(float) * N * P), *y = malloc(sizeof(float) * N * P);
    cj_rng_fill_normal(&rng, x, N * P, 1.0f);
    for (int i = 0; i < N; i++) x[i * P + 3] *= 4.0f; /* not isotropic */
    double *row = malloc(sizeof(double) * P);
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < P; j++) row[j] = x[i * P + j];
        for (int a = 0; a + 1 < P; a++) { /* rotate plane (a, a+1) by 0.3 + 0.1 a */
            double t = 0.3 + 0.1 * a, c0 = cos(t), s0 = sin(t), u = row[a], v = row[a + 1];
            row[a] = c0 * u - s0 * v;
            row[a + 1] = s0 * u + c0 * v;
        }
        for (int j = 0; j < P; j++) y[i * P + j] = (float)(2.5 * row[j] + 7.0 - j);
    }
    cj_error err;
    double s = NAN;
    CHECK(cj_cka_linear(x, y, N, P, P, 0, &s, &err) == CJ_OK);
    CHECK_NEAR(s, 1.0, 1e-5);
    CHECK(cj_cka_linear(x, y, N, P, P, 1, &s, &err) == CJ_OK);
    CHECK_NEAR(s, 1.0, 1e-5);
    /* RBF: distances scale by 2.5 and so does the median: the same kernel */
    CHECK(cj_cka_rbf(x, y, N, P, P, 0.8, 0, &s, &err) == CJ_OK);
    CHECK_NEAR(s, 1.0, 1e-5);
    cj_cka_measures sh;
    CHECK(cj_cka_compare(x, y, N, P, P, &sh, &err) == CJ_OK);
    CHECK_NEAR(sh.cka, 1.0, 1e-5);
    CHECK_NEAR(sh.procrustes, 0.0, 1e-5);
    CHECK_NEAR(sh.cca_mean, 1.0, 1e-5);
    CHECK_NEAR(sh.cca_r2, 1.0, 1e-5);
    /* and against itself */
    CHECK(cj_cka_linear(x, x, N, P, P, 0, &s, &err) == CJ_OK);
    CHECK_NEAR(s, 1.0, 1e-6);
    free(x), free(y), free(row);
}

/* Independent x and y: biased linear CKA of p = q independent Gaussian
 * features is ~ (p + q) / ... > 0, while the debiased one is ~0 (its point:
 * Kornblith et al. 2019, section 3; Song et al. 2012). */
TEST(debiased_removes_the_bias)
{
    enum { N = 200, P = 50 };
    cj_rng rng;
    cj_rng_seed(&rng, 11);
    float *x = malloc(sizeof(float) * N * P), *y = malloc(sizeof(float) * N * P);
    cj_rng_fill_normal(&rng, x, N * P, 1.0f);
    cj_rng_fill_normal(&rng, y, N * P, 1.0f);
    cj_error err;
    double b = NAN, d = NAN;
    CHECK(cj_cka_linear(x, y, N, P, P, 0, &b, &err) == CJ_OK);
    CHECK(cj_cka_linear(x, y, N, P, P, 1, &d, &err) == CJ_OK);
    /* E[biased] ~ sqrt(p q) / n-ish = 0.2 here; debiased within noise of 0 */
    CHECK(b > 0.15);
    CHECK(fabs(d) < 0.02);
    /* the feature-space debiased estimator equals cajal's Gram form */
    double *kx = malloc(sizeof(double) * N * N), *ky = malloc(sizeof(double) * N * N), g = NAN;
    CHECK(cj_gram_linear(x, N, P, kx, &err) == CJ_OK);
    CHECK(cj_gram_linear(y, N, P, ky, &err) == CJ_OK);
    CHECK(cj_cka_gram(kx, ky, N, 1, &g, &err) == CJ_OK);
    CHECK_NEAR(d, g, 1e-6);
    free(x), free(y), free(kx), free(ky);
}

TEST(constant_layer_is_nan)
{
    enum { N = 20, P = 3 };
    float x[N * P], y[N * P];
    for (int i = 0; i < N * P; i++) x[i] = (float)((i * 7) % 11), y[i] = 0.25f;
    cj_error err;
    double s = 0.0;
    CHECK(cj_cka_linear(x, y, N, P, P, 0, &s, &err) == CJ_OK);
    CHECK(isnan(s));
    CHECK(cj_cka_linear(x, y, N, P, P, 1, &s, &err) == CJ_OK);
    CHECK(isnan(s));
    cj_cka_measures sh;
    CHECK(cj_cka_compare(x, y, N, P, P, &sh, &err) == CJ_OK);
    CHECK(isnan(sh.cka) && isnan(sh.procrustes) && isnan(sh.cca_mean));
    /* RBF: every distance 0, so no bandwidth */
    CHECK(cj_cka_rbf(x, y, N, P, P, 1.0, 0, &s, &err) == CJ_ERR_NUMERIC);
    CHECK(strstr(err.msg, "median squared distance") != NULL);
}

/* ---- bad arguments ----------------------------------------------------- */

TEST(bad_arguments_are_named)
{
    float x[8 * 2] = {0}, y[8 * 2] = {0};
    for (int i = 0; i < 16; i++) x[i] = (float)i, y[i] = (float)(i * i % 5);
    double s;
    cj_error err;
    CHECK(cj_cka_linear(NULL, y, 8, 2, 2, 0, &s, &err) == CJ_ERR_ARG);
    CHECK(cj_cka_linear(x, y, 1, 2, 2, 0, &s, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "n = 1") != NULL);
    CHECK(cj_cka_linear(x, y, 3, 2, 2, 1, &s, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "debiased") != NULL);
    CHECK(cj_cka_linear(x, y, 8, 0, 2, 0, &s, &err) == CJ_ERR_ARG);
    x[7] = NAN;
    CHECK(cj_cka_linear(x, y, 8, 2, 2, 0, &s, &err) == CJ_ERR_ARG);
    CHECK(strcmp(err.msg, "cka linear: x[3, 1] = nan is not finite") == 0);
    CHECK(cj_cka_compare(x, y, 8, 2, 2, &(cj_cka_measures){0}, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "x[3, 1]") != NULL);
    x[7] = 7.0f;
    y[0] = INFINITY;
    CHECK(cj_cka_rbf(x, y, 8, 2, 2, 1.0, 0, &s, &err) == CJ_ERR_ARG);
    CHECK(strcmp(err.msg, "gram rbf: x[0, 0] = inf is not finite") == 0);
    y[0] = 0.0f;
    CHECK(cj_cka_rbf(x, y, 8, 2, 2, 0.0, 0, &s, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "threshold = 0") != NULL);
    double k[9] = {1, 2, 3, 2, 1, 4, 3, 5, 1}, l[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    CHECK(cj_cka_gram(k, l, 3, 0, &s, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "kx is not symmetric: kx[1, 2] = 4") != NULL);
    CHECK(cj_cka_gram(k, l, 3, 1, &s, &err) == CJ_ERR_ARG);
    CHECK(cj_gram_center(k, 2, 1, &err) == CJ_ERR_ARG);
}

int main(void)
{
    RUN(linear_matches_kornblith);
    RUN(rbf_matches_kornblith);
    RUN(gram_matrices_match_numpy);
    RUN(gram_path_matches_kornblith);
    RUN(shape_measures_match_scipy);
    RUN(many_blocks_match_numpy);
    RUN(invariant_to_rotation_scale_shift);
    RUN(debiased_removes_the_bias);
    RUN(constant_layer_is_nan);
    RUN(bad_arguments_are_named);
    return test_summary("cka");
}
