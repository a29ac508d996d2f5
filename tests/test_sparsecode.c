/* test_sparsecode.c — sparse coding (include/cajal/sparsecode.h): FISTA and
 * LCA codes against scikit-learn's Lasso (tests/ref/sparsecode_*.npy from
 * tools/make_sparsecode_refs.py), dictionary learning on synthetic data
 * from a known sparse dictionary, unit-norm atoms, determinism, the
 * unmixing map, and the command's files and error messages. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/npy.h"
#include "cajal/rng.h"
#include "cajal/sparsecode.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"
#include "npy_fixture.h"

static const char *cajal;

static float *load(const char *path, int64_t *rows, int64_t *cols)
{
    cj_npy_array a;
    cj_error err = {0};
    if (cj_npy_read(path, CJ_NPY_F32, &a, &err)) {
        test_fail("%s", err.msg);
        return NULL;
    }
    *rows = a.shape[0], *cols = a.ndim > 1 ? a.shape[1] : 1;
    return a.data;
}

/* max |a - b| over n values */
static double max_abs(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

static void lasso_case(cj_sc_inference inf, int nonneg, const char *ref, int iters, double tol)
{
    int64_t k, d, n, k2, n2, dd;
    float *D = load("tests/ref/sparsecode_dict.npy", &k, &d);
    float *X = load("tests/ref/sparsecode_x.npy", &n, &dd);
    float *R = load(ref, &n2, &k2);
    if (!D || !X || !R) return;
    CHECK(dd == d && n2 == n && k2 == k);
    cj_sc_work w;
    cj_error err = {0};
    CHECK(cj_sc_work_init(&w, (int)k, (int)d, (int)n, &err) == CJ_OK);
    cj_sc_work_set_dict(&w, D);
    float *a = malloc(sizeof(float) * (size_t)(n * k));
    cj_sc_encode(&w, D, X, (int)n, 0.1, nonneg, inf, iters, 0.0, a);
    double diff = max_abs(a, R, (size_t)(n * k));
    if (diff > tol) test_fail("%s %s: max |a - lasso| %.3g > %.3g", cj_sc_inference_name(inf), ref, diff, tol);
    /* the same zeros, away from the threshold */
    int wrong = 0;
    for (int64_t i = 0; i < n * k; i++) wrong += (fabsf(R[i]) > 1e-3f) != (a[i] != 0) && fabsf(R[i]) > 1e-3f;
    CHECK(wrong == 0);
    if (nonneg)
        for (int64_t i = 0; i < n * k; i++) CHECK(a[i] >= 0);
    /* fewer iterations are measurably worse: the check can fail */
    cj_sc_encode(&w, D, X, (int)n, 0.1, nonneg, inf, 3, 0.0, a);
    CHECK(max_abs(a, R, (size_t)(n * k)) > tol);
    cj_sc_work_free(&w);
    free(a), free(D), free(X), free(R);
}

TEST(fista_matches_sklearn_lasso) { lasso_case(CJ_SC_FISTA, 0, "tests/ref/sparsecode_lasso.npy", 3000, 2e-4); }
TEST(fista_nonneg_matches_positive_lasso) { lasso_case(CJ_SC_FISTA, 1, "tests/ref/sparsecode_lasso_pos.npy", 3000, 2e-4); }

/* ||a - b||_F / ||a||_F */
static double rel_change(const float *a, const float *b, size_t n)
{
    double dd = 0, aa = 0;
    for (size_t i = 0; i < n; i++) dd += ((double)a[i] - b[i]) * ((double)a[i] - b[i]), aa += (double)a[i] * a[i];
    return sqrt(dd / aa);
}

/* FISTA's stopping rule: the run stops at the first iteration whose step is
 * at most tol of the codes' norm, which the fixed-count runs before and at
 * that iteration show; the early codes are close to the solution, and tol 0
 * runs every iteration. */
TEST(fista_stops_at_its_tolerance)
{
    int64_t k, d, n, k2, n2, dd;
    float *D = load("tests/ref/sparsecode_dict.npy", &k, &d);
    float *X = load("tests/ref/sparsecode_x.npy", &n, &dd);
    float *R = load("tests/ref/sparsecode_lasso.npy", &n2, &k2);
    if (!D || !X || !R) return;
    size_t nk = (size_t)(n * k);
    cj_sc_work w;
    cj_error err = {0};
    CHECK(cj_sc_work_init(&w, (int)k, (int)d, (int)n, &err) == CJ_OK);
    cj_sc_work_set_dict(&w, D);
    float *a = malloc(sizeof(float) * nk * 3), *before = a + nk, *at = before + nk;
    const double tol = 1e-2;
    int it = cj_sc_encode(&w, D, X, (int)n, 0.1, 0, CJ_SC_FISTA, 3000, tol, a);
    CHECK(it > 2 && it < 3000);
    CHECK(cj_sc_encode(&w, D, X, (int)n, 0.1, 0, CJ_SC_FISTA, it - 1, 0.0, before) == it - 1);
    CHECK(cj_sc_encode(&w, D, X, (int)n, 0.1, 0, CJ_SC_FISTA, it, 0.0, at) == it);
    CHECK(max_abs(a, at, nk) == 0); /* stopping early is the fixed count that long */
    CHECK(rel_change(at, before, nk) <= tol);
    cj_sc_encode(&w, D, X, (int)n, 0.1, 0, CJ_SC_FISTA, it - 2, 0.0, at);
    CHECK(rel_change(before, at, nk) > tol); /* and not earlier */
    /* the codes' error shrinks with the tolerance: measured 16%, 1.6%, 0.35% of their norm at 1e-2, 1e-3, 1e-4 */
    CHECK(rel_change(R, a, nk) < 0.3);
    cj_sc_encode(&w, D, X, (int)n, 0.1, 0, CJ_SC_FISTA, 3000, 1e-4, at);
    CHECK(rel_change(R, at, nk) < 0.01);
    CHECK(cj_sc_encode(&w, D, X, (int)n, 0.1, 0, CJ_SC_FISTA, 40, 0.0, a) == 40);
    /* LCA runs all its steps whatever the tolerance */
    CHECK(cj_sc_encode(&w, D, X, (int)n, 0.1, 0, CJ_SC_LCA, 40, 0.5, a) == 40);
    cj_sc_work_free(&w);
    free(a), free(D), free(X), free(R);
}
TEST(lca_matches_sklearn_lasso) { lasso_case(CJ_SC_LCA, 0, "tests/ref/sparsecode_lasso.npy", 6000, 2e-4); }
TEST(lca_nonneg_matches_positive_lasso) { lasso_case(CJ_SC_LCA, 1, "tests/ref/sparsecode_lasso_pos.npy", 6000, 2e-4); }

TEST(lipschitz_is_largest_eigenvalue)
{
    /* two unit atoms at 60 degrees: G = [[1, .5], [.5, 1]], lambda_max 1.5 */
    float D[4] = {1, 0, 0.5f, sqrtf(3) / 2};
    cj_sc_work w;
    cj_error err = {0};
    CHECK(cj_sc_work_init(&w, 2, 2, 1, &err) == CJ_OK);
    cj_sc_work_set_dict(&w, D);
    CHECK_NEAR(w.lipschitz, 1.01 * 1.5, 1e-4);
    CHECK_NEAR(w.gram[1], 0.5, 1e-6);
    cj_sc_work_free(&w);
}

/* Synthetic data x = a D_true, a with 3 non-zero Laplacian-like entries of
 * k = 16 atoms in d = 24 dims, plus no noise. */
static float *synthetic(long n, int k, int d, uint64_t seed, float *Dtrue)
{
    cj_rng r;
    cj_rng_seed(&r, seed);
    cj_rng_fill_normal(&r, Dtrue, (size_t)k * d, 1.0f);
    cj_sc_normalise(Dtrue, k, d);
    float *x = calloc((size_t)n * d, sizeof(float));
    for (long i = 0; i < n; i++)
        for (int t = 0; t < 3; t++) {
            int j = (int)cj_rng_below(&r, (uint32_t)k);
            float c = (cj_rng_uniform(&r) < 0.5f ? -1 : 1) * (1 + 2 * cj_rng_uniform(&r));
            for (int p = 0; p < d; p++) x[(size_t)i * d + p] += c * Dtrue[(size_t)j * d + p];
        }
    return x;
}

TEST(learning_recovers_known_dictionary)
{
    enum { K = 16, D = 24 };
    long n = 4000;
    float Dt[K * D];
    float *x = synthetic(n, K, D, 5, Dt);
    cj_sc_opts o;
    cj_sc_opts_default(&o);
    o.atoms = K, o.lambda = 0.05, o.epochs = 40, o.batch = 50, o.lr = 0.3, o.iters = 100, o.seed = 3;
    cj_sc_model m;
    cj_error err = {0};
    CHECK(cj_sc_learn(x, n, D, &o, NULL, NULL, &m, &err) == CJ_OK);
    if (!m.dict) return;
    /* the objective falls from the first epoch to the last, and mostly does so step by step */
    CHECK(m.history[m.n_epochs - 1].objective < 0.5 * m.history[0].objective);
    int rises = 0;
    for (int e = 1; e < m.n_epochs; e++) rises += m.history[e].objective > m.history[e - 1].objective * 1.001;
    CHECK(rises <= 3);
    /* atoms unit norm */
    for (int j = 0; j < K; j++) {
        double s = 0;
        for (int p = 0; p < D; p++) s += (double)m.dict[j * D + p] * m.dict[j * D + p];
        CHECK_NEAR(s, 1, 1e-4);
    }
    /* every true atom matched by a learned one up to sign: |cos| > 0.99 */
    int found = 0;
    for (int i = 0; i < K; i++) {
        double best = 0;
        for (int j = 0; j < K; j++) {
            double c = 0;
            for (int p = 0; p < D; p++) c += (double)Dt[i * D + p] * m.dict[j * D + p];
            best = fmax(best, fabs(c));
        }
        found += best > 0.99;
    }
    if (found < K) test_fail("%d of %d true atoms recovered (|cos| > 0.99)", found, K);
    cj_sc_model_free(&m);

    /* LCA learns the same problem too */
    o.inference = CJ_SC_LCA;
    CHECK(cj_sc_learn(x, n, D, &o, NULL, NULL, &m, &err) == CJ_OK);
    if (m.dict) CHECK(m.history[m.n_epochs - 1].objective < 0.5 * m.history[0].objective);
    cj_sc_model_free(&m);
    free(x);
}

TEST(same_seed_same_dictionary)
{
    enum { K = 8, D = 12 };
    float Dt[K * D];
    float *x = synthetic(500, K, D, 9, Dt);
    cj_sc_opts o;
    cj_sc_opts_default(&o);
    o.atoms = K, o.epochs = 2, o.batch = 64, o.iters = 30;
    cj_sc_model a, b, c;
    cj_error err = {0};
    CHECK(cj_sc_learn(x, 500, D, &o, NULL, NULL, &a, &err) == CJ_OK);
    CHECK(cj_sc_learn(x, 500, D, &o, NULL, NULL, &b, &err) == CJ_OK);
    o.seed = 2;
    CHECK(cj_sc_learn(x, 500, D, &o, NULL, NULL, &c, &err) == CJ_OK);
    if (a.dict && b.dict && c.dict) {
        CHECK(memcmp(a.dict, b.dict, sizeof(float) * K * D) == 0);
        CHECK(memcmp(a.dict, c.dict, sizeof(float) * K * D) != 0);
    }
    cj_sc_model_free(&a), cj_sc_model_free(&b), cj_sc_model_free(&c);
    free(x);
}

TEST(unmixing_is_pseudo_inverse)
{
    /* complete case: unmixing = D^{-T}, so unmixing D^T = I */
    enum { K = 5 };
    float D[K * K], U[K * K];
    cj_rng r;
    cj_rng_seed(&r, 4);
    cj_rng_fill_normal(&r, D, K * K, 1.0f);
    cj_sc_normalise(D, K, K);
    cj_error err = {0};
    CHECK(cj_sc_unmixing(D, K, K, U, &err) == CJ_OK);
    double worst = 0;
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++) {
            double s = 0;
            for (int p = 0; p < K; p++) s += (double)U[i * K + p] * D[j * K + p];
            worst = fmax(worst, fabs(s - (i == j)));
        }
    CHECK(worst < 1e-4);
}

TEST(sparsity_statistics_by_hand)
{
    /* 2 samples x 2 atoms: {0, 2, 0, -2}: half non-zero, E a^2 = 2, E a^4 = 8, kurtosis 8/4 - 3 = -1 */
    float a[4] = {0, 2, 0, -2};
    cj_sc_sparsity s;
    cj_error err = {0};
    CHECK(cj_sc_sparsity_of(a, 2, 2, &s, &err) == CJ_OK);
    CHECK_NEAR(s.nonzero, 0.5, 1e-12);
    CHECK_NEAR(s.kurtosis, -1, 1e-12);
    CHECK_NEAR(s.atom_use[0], 0, 1e-12);
    CHECK_NEAR(s.atom_use[1], 1, 1e-12);
    free(s.atom_use);
}

static int exists(const char *dir, const char *name)
{
    char *p = cj_path_join(dir, name);
    struct stat st;
    int ok = p && stat(p, &st) == 0 && st.st_size > 0;
    free(p);
    return ok;
}

TEST(command_writes_its_files)
{
    enum { K = 8, S = 4, D = S * S };
    float Dt[K * D];
    float *x = synthetic(300, K, D, 12, Dt);
    /* static: reachable from a global, so LeakSanitizer in the forked child
     * of cli_runner.h (see there) does not report it as lost */
    static const char *dir;
    dir = fixture_dir("sparsecode");
    int64_t shape[2] = {300, D}, dws[2] = {D, D};
    char *in = npy_f32(dir, "p.npy", 2, shape, x);
    float eye[D * D] = {0};
    for (int i = 0; i < D; i++) eye[i * D + i] = 2;
    free(npy_f32(dir, "p.dewhitening.npy", 2, dws, eye));
    char buf[8192];
    int rc = run_cajalf(cajal, buf, sizeof buf, "sparsecode %s --atoms %d --epochs 3 --batch 50 --iters 20 --out %s/sc",
                        in, K, dir);
    CHECK(rc == 0 && strstr(buf, "epoch 3 objective"));
    if (rc) printf("  %s\n", buf);
    char *out = cj_path_join(dir, "sc");
    const char *files[] = {"basis.npy", "unmixing.npy", "metrics.jsonl", "sparsity.json", "coefficients.csv",
                           "codes_sample.npy", "sparsity.png", "filters.png", "basis_image.npy", "filters_image.png",
                           "gabor.csv", "rf_stats.png", "tiling.png"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (!exists(out, files[i])) test_fail("no %s/%s", out, files[i]);
    int64_t r, c;
    char *bp = cj_path_join(out, "basis.npy"), *ip = cj_path_join(out, "basis_image.npy");
    float *b = load(bp, &r, &c), *bi = load(ip, &r, &c);
    CHECK(r == K && c == D);
    if (b && bi) /* image space = dewhitening (2 I) applied to each atom */
        for (int i = 0; i < K * D; i++) CHECK_NEAR(bi[i], 2 * b[i], 1e-5);
    size_t len;
    char *mp = cj_path_join(out, "metrics.jsonl"), *m = fixture_read(mp, &len);
    CHECK(m && count_lines(m) == 3 && strstr(m, "\"objective\":") && strstr(m, "\"snr_db\":") && strstr(m, "\"nonzero\":") &&
          strstr(m, "\"iters\":"));
    free(m), free(mp);
    /* gabor.csv: its header and one row per atom */
    char *gp = cj_path_join(out, "gabor.csv"), *g = fixture_read(gp, &len);
    CHECK(g && count_lines(g) == K + 1 &&
          strncmp(g, "index,x0,y0,theta_deg,freq,phase,sigma_along,sigma_across,amplitude,r2\n", 71) == 0);
    free(g), free(gp), free(b), free(bi), free(bp), free(ip);
    /* the same run again gives the same dictionary, byte for byte */
    rc = run_cajalf(cajal, buf, sizeof buf, "sparsecode %s --atoms %d --epochs 3 --batch 50 --iters 20 --out %s/sc2 --quiet",
                    in, K, dir);
    CHECK(rc == 0);
    char *p1 = cj_path_printf("%s/sc/basis.npy", dir), *p2 = cj_path_printf("%s/sc2/basis.npy", dir);
    size_t l1, l2;
    char *f1 = fixture_read(p1, &l1), *f2 = fixture_read(p2, &l2);
    CHECK(f1 && f2 && l1 == l2 && memcmp(f1, f2, l1) == 0);
    free(f1), free(f2), free(p1), free(p2);

    /* a dewhitening file that does not fit is an error naming it */
    int64_t bad[2] = {3, D};
    free(npy_f32(dir, "p.dewhitening.npy", 2, bad, eye));
    rc = run_cajalf(cajal, buf, sizeof buf, "sparsecode %s --atoms 4 --epochs 1 --out %s/sc3 --quiet", in, dir);
    CHECK(rc == 1 && one_line_holding(buf, "p.dewhitening.npy has shape [3, 16], not [S*S, 16]"));
    /* a 1-D input */
    int64_t one[1] = {D};
    char *flat = npy_f32(dir, "flat.npy", 1, one, x);
    rc = run_cajalf(cajal, buf, sizeof buf, "sparsecode %s --out %s/sc4 --quiet", flat, dir);
    CHECK(rc == 1 && one_line_holding(buf, "must be [samples, dims]"));
    rc = run_cajalf(cajal, buf, sizeof buf, "sparsecode %s/none.npy --out %s/sc5 --quiet", dir, dir);
    CHECK(rc == 1 && one_line_holding(buf, "none.npy"));
    free(flat), free(out), free(in), free(x), free((char *)dir);
}

TEST(command_usage_errors)
{
    char buf[4096];
    struct {
        const char *args, *text;
    } errors[] = {
        {"sparsecode x.npy --out d --atoms 0", "--atoms '0'"},
        {"sparsecode x.npy --out d --lambda -1", "--lambda '-1' is not a number >= 0"},
        {"sparsecode x.npy --out d --inference ista", "--inference 'ista' is not fista or lca"},
        {"sparsecode x.npy --out d --epochs 0", "--epochs '0'"},
        {"sparsecode x.npy --out d --batch 0", "--batch '0'"},
        {"sparsecode x.npy --out d --iters 0", "--iters '0'"},
        {"sparsecode x.npy --out d --lr 0", "--lr '0'"},
        {"sparsecode x.npy --out d --tol -1", "--tol '-1' is not a number >= 0"},
        {"sparsecode x.npy --out d --tol nan", "--tol 'nan' is not a number >= 0"},
        {"sparsecode x.npy --out d --code-tol x", "--code-tol 'x' is not a number >= 0"},
        {"sparsecode x.npy --out d --seed -1", "--seed '-1' is not a whole number >= 0"},
        {"sparsecode x.npy --out d --bogus 1", "unknown option '--bogus'"},
        {"sparsecode x.npy y.npy --out d", "unexpected argument 'y.npy'"},
    };
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        int rc = run_cajal(cajal, errors[i].args, buf, sizeof buf);
        if (!(rc == 2 && one_line_holding(buf, errors[i].text))) test_fail("'%s' gave %d: %s", errors[i].args, rc, buf);
    }
    CHECK(run_cajal(cajal, "sparsecode --out d", buf, sizeof buf) == 2 && strstr(buf, "no input .npy given"));
    CHECK(run_cajal(cajal, "sparsecode x.npy", buf, sizeof buf) == 2 && strstr(buf, "--out DIR is needed"));
    CHECK(run_cajal(cajal, "sparsecode --help", buf, sizeof buf) == 0 && strstr(buf, "usage: cajal sparsecode"));
}

TEST(library_option_errors)
{
    float x[4] = {1, 2, 3, NAN};
    cj_sc_opts o;
    cj_sc_opts_default(&o);
    o.atoms = 2;
    cj_sc_model m;
    cj_error err = {0};
    CHECK(cj_sc_learn(x, 2, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_NUMERIC && strstr(err.msg, "sample 1, dim 1 is not finite"));
    x[3] = 4;
    o.lambda = -1;
    CHECK(cj_sc_learn(x, 2, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_CONFIG && strstr(err.msg, "--lambda -1"));
    o.lambda = 0.1, o.lr = 0;
    CHECK(cj_sc_learn(x, 2, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_CONFIG && strstr(err.msg, "--lr 0"));
    o.lr = 0.5, o.tol = NAN;
    CHECK(cj_sc_learn(x, 2, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_CONFIG && strstr(err.msg, "--tol nan"));
    o.tol = 0, o.code_tol = -1;
    CHECK(cj_sc_learn(x, 2, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_CONFIG && strstr(err.msg, "--code-tol -1"));
    o.code_tol = 0, o.atoms = 0;
    CHECK(cj_sc_learn(x, 2, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_CONFIG && strstr(err.msg, "--atoms 0"));
    o.atoms = 2;
    CHECK(cj_sc_learn(x, 0, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_SHAPE && strstr(err.msg, "0 samples"));
    CHECK(cj_sc_inference_parse("lca") == CJ_SC_LCA && cj_sc_inference_parse("fista") == CJ_SC_FISTA &&
          cj_sc_inference_parse("x") == -1);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    RUN(fista_matches_sklearn_lasso);
    RUN(fista_nonneg_matches_positive_lasso);
    RUN(fista_stops_at_its_tolerance);
    RUN(lca_matches_sklearn_lasso);
    RUN(lca_nonneg_matches_positive_lasso);
    RUN(lipschitz_is_largest_eigenvalue);
    RUN(learning_recovers_known_dictionary);
    RUN(same_seed_same_dictionary);
    RUN(unmixing_is_pseudo_inverse);
    RUN(sparsity_statistics_by_hand);
    RUN(command_writes_its_files);
    RUN(command_usage_errors);
    RUN(library_option_errors);
    return test_summary("test_sparsecode");
}
