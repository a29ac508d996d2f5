/* test_ica.c — ICA (include/cajal/ica.h): the mixing of synthetic
 * Laplacian sources recovered by infomax and FastICA (each by its own
 * algorithm and by Picard), against
 * scikit-learn's FastICA on the same data (tests/ref/ica/ from
 * tools/make_ica_refs.py); uniform sources by extended infomax and by
 * Picard's sign switch; Picard's stationary point checked in double; the
 * whitening; sources = (x - mean) @ unmixing.T on the written files; the
 * Amari index by hand; determinism by seed; the command's files and every
 * error message. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/ica.h"
#include "cajal/npy.h"
#include "cajal/rng.h"
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

/* Amari index of unmixing [k, d] times mixing [d, k] */
static double amari_of(const float *u, const float *a, int k, int d)
{
    double *p = calloc((size_t)k * k, sizeof(double));
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            for (int c = 0; c < d; c++) p[i * k + j] += (double)u[i * d + c] * a[c * k + j];
    double v = cj_ica_amari(p, k);
    free(p);
    return v;
}

TEST(amari_index_by_hand)
{
    /* a scaled permutation is 0 */
    double perm[9] = {0, -2, 0, 0, 0, 0.5, 3, 0, 0};
    CHECK_NEAR(cj_ica_amari(perm, 3), 0, 1e-15);
    /* [[1, .5], [0, 1]]: rows 0.5 + 0, columns 0 + 0.5, over 2*2*1 */
    double p[4] = {1, 0.5, 0, 1};
    CHECK_NEAR(cj_ica_amari(p, 2), 0.25, 1e-15);
    /* all equal: each row and column sums to k times its max */
    double q[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_NEAR(cj_ica_amari(q, 3), 1, 1e-15);
}

static void laplace_case(cj_ica_method method, cj_ica_solver solver)
{
    int64_t n, d, dd, k, r, c;
    float *x = load("tests/ref/ica/laplace_x.npy", &n, &d);
    float *a = load("tests/ref/ica/laplace_a.npy", &dd, &k);
    float *sk = load("tests/ref/ica/laplace_sk.npy", &r, &c);
    float *ska = load("tests/ref/ica/laplace_sk_amari.npy", &r, &c);
    if (!x || !a || !sk || !ska) return;
    cj_ica_opts o;
    cj_ica_opts_default(&o);
    o.method = method, o.solver = solver;
    cj_ica_model m;
    cj_error err = {0};
    CHECK(cj_ica_fit(x, (long)n, (int)d, &o, NULL, NULL, &m, &err) == CJ_OK);
    /* 4 sources in 6 dims: the whitening finds the rank itself */
    CHECK(m.k == 4 && m.white.rank == 4 && m.d == 6);
    double ours = amari_of(m.unmixing, a, (int)k, (int)d), theirs = ska[0], sks = amari_of(sk, a, (int)k, (int)d);
    CHECK_NEAR(sks, theirs, 1e-5); /* the same index as the script's */
    if (!(ours < 1.2 * theirs + 2e-3))
        test_fail("%s (%s): Amari index %.4g, sklearn FastICA %.4g", cj_ica_method_name(method),
                  cj_ica_solver_name(solver), ours, theirs);
    /* every row matches one of sklearn's up to sign (unit-variance sources both) */
    for (int i = 0; i < m.k; i++) {
        double best = 0;
        for (int j = 0; j < 4; j++) {
            double dot = 0, n1 = 0, n2 = 0;
            for (int cc = 0; cc < 6; cc++) {
                dot += (double)m.unmixing[i * 6 + cc] * sk[j * 6 + cc];
                n1 += (double)m.unmixing[i * 6 + cc] * m.unmixing[i * 6 + cc], n2 += (double)sk[j * 6 + cc] * sk[j * 6 + cc];
            }
            best = fmax(best, fabs(dot) / sqrt(n1 * n2));
        }
        if (!(best > (method == CJ_ICA_FASTICA ? 0.9999 : 0.999)))
            test_fail("%s (%s) row %d: best |cos| with sklearn's rows %.6f", cj_ica_method_name(method),
                      cj_ica_solver_name(solver), i, best);
    }
    /* sorted by kurtosis, all super-Gaussian (Laplace: 3) */
    for (int i = 0; i < m.k; i++) CHECK(m.kurtosis[i] > 1.5 && (i == 0 || m.kurtosis[i] <= m.kurtosis[i - 1]));
    CHECK(m.run.converged == 1 || m.run.converged == 2);
    cj_ica_model_free(&m);
    free(x), free(a), free(sk), free(ska);
}

TEST(infomax_recovers_laplacian_mixing) { laplace_case(CJ_ICA_INFOMAX, CJ_ICA_CLASSIC); }
TEST(fastica_recovers_laplacian_mixing) { laplace_case(CJ_ICA_FASTICA, CJ_ICA_CLASSIC); }
TEST(picard_infomax_recovers_laplacian_mixing) { laplace_case(CJ_ICA_INFOMAX, CJ_ICA_PICARD); }
TEST(picard_fastica_recovers_laplacian_mixing) { laplace_case(CJ_ICA_FASTICA, CJ_ICA_PICARD); }

/* Picard on FastICA's objective stops at a stationary point of it: with
 * y the sources of the white data (unit variance, W orthogonal), the skew
 * part of diag(s) E[tanh(y) y^T] vanishes, computed here in double with
 * libm's tanh; s_i = sign(E[1 - tanh^2 y_i] E[y_i^2] - E[y_i tanh y_i]).
 * The loss never rises from one iteration to the next on the same samples. */
TEST(picard_reaches_a_stationary_point_of_fasticas_objective)
{
    int64_t n, d;
    float *x = load("tests/ref/ica/laplace_x.npy", &n, &d);
    if (!x) return;
    cj_ica_opts o;
    cj_ica_opts_default(&o);
    o.method = CJ_ICA_FASTICA, o.solver = CJ_ICA_PICARD, o.tol = 1e-6;
    cj_ica_model m;
    cj_error err = {0};
    CHECK(cj_ica_fit(x, (long)n, (int)d, &o, NULL, NULL, &m, &err) == CJ_OK);
    CHECK(m.run.converged == 1 && m.run.change < 1e-6 && m.run.n_steps > 2);
    /* a coarse stage on every 4th sample (3000 / 4 >= 50 per component), then all */
    CHECK(m.run.history[0].samples == 750 && m.run.history[m.run.n_steps - 1].samples == 3000);
    for (int i = 1; i < m.run.n_steps; i++)
        if (m.run.history[i].samples == m.run.history[i - 1].samples &&
            !(m.run.history[i].loss <= m.run.history[i - 1].loss))
            test_fail("iteration %d: loss %.10g after %.10g", i + 1, m.run.history[i].loss, m.run.history[i - 1].loss);
    int k = m.k;
    float *s = malloc(sizeof(float) * (size_t)n * k);
    double G[16] = {0}, psid[4] = {0}, ysq[4] = {0};
    cj_ica_sources(&m, x, (long)n, s);
    for (int64_t r = 0; r < n; r++)
        for (int i = 0; i < k; i++) {
            double yi = s[r * k + i], t = tanh(yi);
            psid[i] += 1 - t * t, ysq[i] += yi * yi;
            for (int j = 0; j < k; j++) G[i * k + j] += t * s[r * k + j];
        }
    double worst = 0;
    for (int i = 0; i < k; i++) {
        double si = psid[i] / n * ysq[i] / n - G[i * k + i] / n >= 0 ? 1 : -1;
        for (int j = 0; j < k; j++) {
            double sj = psid[j] / n * ysq[j] / n - G[j * k + j] / n >= 0 ? 1 : -1;
            worst = fmax(worst, fabs(0.5 * (si * G[i * k + j] - sj * G[j * k + i]) / n));
        }
    }
    /* 1e-6 at the solver's float sources; the written rows are rescaled to
     * unit variance over the samples (a change of 1e-7 here) */
    if (!(worst < 5e-6)) test_fail("max |skew gradient| at the written unmixing %.3g", worst);
    free(s);
    cj_ica_model_free(&m);
    free(x);
}

TEST(extended_infomax_separates_uniform_sources)
{
    int64_t n, d, k, kk;
    float *x = load("tests/ref/ica/uniform_x.npy", &n, &d);
    float *a = load("tests/ref/ica/uniform_a.npy", &kk, &k);
    if (!x || !a) return;
    cj_ica_opts o;
    cj_ica_opts_default(&o);
    cj_ica_model m;
    cj_error err = {0};
    CHECK(cj_ica_fit(x, (long)n, (int)d, &o, NULL, NULL, &m, &err) == CJ_OK);
    double ext = amari_of(m.unmixing, a, 4, 4);
    if (!(ext < 0.02)) test_fail("extended infomax on uniform sources: Amari index %.4g", ext);
    /* uniform sources: excess kurtosis -1.2 */
    for (int i = 0; i < 4; i++) CHECK(m.kurtosis[i] < -1.0 && m.kurtosis[i] > -1.4);
    cj_ica_model_free(&m);
    /* Bell & Sejnowski's logistic rule assumes super-Gaussian sources and
     * does not separate these (why the extension is the default) */
    o.extended = 0;
    CHECK(cj_ica_fit(x, (long)n, (int)d, &o, NULL, NULL, &m, &err) == CJ_OK);
    double orig = amari_of(m.unmixing, a, 4, 4);
    if (!(orig > 0.1)) test_fail("logistic infomax on uniform sources: Amari index %.4g", orig);
    cj_ica_model_free(&m);
    /* Picard's sign switch on both objectives */
    for (int method = 0; method < 2; method++) {
        cj_ica_opts_default(&o);
        o.method = (cj_ica_method)method, o.solver = CJ_ICA_PICARD;
        CHECK(cj_ica_fit(x, (long)n, (int)d, &o, NULL, NULL, &m, &err) == CJ_OK);
        double pic = amari_of(m.unmixing, a, 4, 4);
        if (!(pic < 0.02)) test_fail("picard (%s) on uniform sources: Amari index %.4g", cj_ica_method_name(o.method), pic);
        CHECK(m.run.converged == 1 && m.run.history[m.run.n_steps - 1].subgaussian == 4);
        cj_ica_model_free(&m);
    }
    free(x), free(a);
}

TEST(whitening_gives_identity_covariance)
{
    enum { N = 5000, D = 5 };
    float *x = malloc(sizeof(float) * N * D), *z = malloc(sizeof(float) * N * 3);
    cj_rng rng;
    cj_rng_seed(&rng, 7);
    /* correlated data with a large mean: x = g M + 100 */
    float M[D * D];
    for (int i = 0; i < D * D; i++) M[i] = cj_rng_normal(&rng);
    for (int i = 0; i < N * D; i++) x[i] = 100;
    for (int r = 0; r < N; r++) {
        float g[D];
        for (int i = 0; i < D; i++) g[i] = cj_rng_normal(&rng) * (float)(i + 1);
        for (int j = 0; j < D; j++)
            for (int i = 0; i < D; i++) x[r * D + j] += g[i] * M[i * D + j];
    }
    cj_ica_white w;
    cj_error err = {0};
    CHECK(cj_ica_whiten(x, N, D, 0, &w, &err) == CJ_OK && w.k == D && w.rank == D);
    cj_ica_white_free(&w);
    CHECK(cj_ica_whiten(x, N, D, 3, &w, &err) == CJ_OK && w.k == 3);
    CHECK(cj_ica_white_apply(&w, x, N, z, &err) == CJ_OK);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0, mi = 0, mj = 0;
            for (int r = 0; r < N; r++) mi += z[r * 3 + i], mj += z[r * 3 + j];
            mi /= N, mj /= N;
            for (int r = 0; r < N; r++) s += (z[r * 3 + i] - mi) * (z[r * 3 + j] - mj);
            CHECK_NEAR(s / N, i == j ? 1.0 : 0.0, 1e-4);
            if (i == j) CHECK_NEAR(mi, 0, 1e-4);
        }
    /* whitening dewhitening = I_k, eigenvalues descending */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int c = 0; c < D; c++) s += (double)w.whitening[i * D + c] * w.dewhitening[c * 3 + j];
            CHECK_NEAR(s, i == j, 1e-5);
        }
    for (int i = 1; i < D; i++) CHECK(w.eigenvalues[i] <= w.eigenvalues[i - 1]);
    cj_ica_white_free(&w);
    free(x), free(z);
}

static int exists(const char *dir, const char *name)
{
    char *p = cj_path_join(dir, name);
    struct stat st;
    int ok = p && stat(p, &st) == 0 && st.st_size > 0;
    free(p);
    return ok;
}

static int same_file(const char *a, const char *b)
{
    size_t l1, l2;
    char *f1 = fixture_read(a, &l1), *f2 = fixture_read(b, &l2);
    int same = f1 && f2 && l1 == l2 && memcmp(f1, f2, l1) == 0;
    free(f1), free(f2);
    return same;
}

/* 16 Laplacian sources mixed into 4 x 4 "patches", with a dewhitening and
 * whitening file beside the input as `cajal patches` writes them */
TEST(command_writes_its_files)
{
    enum { N = 3000, K = 16, S = 4, D = S * S };
    static const char *dir; /* static: see test_sparsecode.c (LeakSanitizer in the forked child) */
    dir = fixture_dir("ica");
    float *x = malloc(sizeof(float) * N * D), A[D * K], dw[D * D], wh[D * D];
    cj_rng rng;
    cj_rng_seed(&rng, 3);
    for (int i = 0; i < D * K; i++) A[i] = cj_rng_normal(&rng);
    for (int i = 0; i < D * D; i++) dw[i] = cj_rng_normal(&rng), wh[i] = cj_rng_normal(&rng);
    for (int r = 0; r < N; r++) {
        float s[K];
        for (int j = 0; j < K; j++) {
            float u = cj_rng_uniform(&rng) - 0.5f;
            s[j] = (u < 0 ? 1 : -1) * logf(1 - 2 * fabsf(u) + 1e-12f); /* Laplace */
        }
        for (int c = 0; c < D; c++) {
            double v = 0.5;
            for (int j = 0; j < K; j++) v += (double)A[c * K + j] * s[j];
            x[r * D + c] = (float)v;
        }
    }
    int64_t shape[2] = {N, D}, sq[2] = {D, D};
    char *in = npy_f32(dir, "p.npy", 2, shape, x);
    free(npy_f32(dir, "p.dewhitening.npy", 2, sq, dw));
    free(npy_f32(dir, "p.whitening.npy", 2, sq, wh));
    char buf[16384];
    int rc = run_cajalf(cajal, buf, sizeof buf, "ica %s --components %d --out %s/ica", in, K, dir);
    CHECK(rc == 0 && strstr(buf, "pass 1 ") && strstr(buf, "fit by a Gabor"));
    if (rc) printf("  %s\n", buf);
    char *out = cj_path_join(dir, "ica");
    const char *files[] = {"unmixing.npy", "basis.npy",   "mean.npy",     "whitening.npy", "sources_sample.npy",
                           "components.csv", "metrics.jsonl", "ica.json",   "filters.png",   "gabor.csv",
                           "rf_stats.png", "tiling.png",  "basis_image.npy", "filters_image.npy", "basis_image.png",
                           "filters_image.png"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (!exists(out, files[i])) test_fail("no %s/%s", out, files[i]);
    int64_t r, c, r2, c2, r3, c3;
    char *up = cj_path_join(out, "unmixing.npy"), *bp = cj_path_join(out, "basis.npy");
    char *mp = cj_path_join(out, "mean.npy"), *sp = cj_path_join(out, "sources_sample.npy");
    float *u = load(up, &r, &c), *b = load(bp, &r2, &c2), *mean = load(mp, &r3, &c3);
    CHECK(r == K && c == D && r2 == K && c2 == D && r3 == D);
    float *src = load(sp, &r3, &c3);
    CHECK(r3 == N && c3 == K);
    if (u && b && mean && src) {
        /* sources = (x - mean) @ unmixing.T, as the files say */
        double worst = 0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < K; j++) {
                double s = 0;
                for (int cc = 0; cc < D; cc++) s += ((double)x[i * D + cc] - mean[cc]) * u[j * D + cc];
                worst = fmax(worst, fabs(s - src[i * K + j]));
            }
        if (!(worst < 1e-4)) test_fail("max |(x - mean) @ unmixing.T - sources| = %.3g", worst);
        /* the mean is the data's; basis is the inverse: unmixing basis^T = I */
        for (int cc = 0; cc < D; cc++) {
            double m = 0;
            for (int i = 0; i < N; i++) m += x[i * D + cc];
            CHECK_NEAR(mean[cc], m / N, 1e-4);
        }
        for (int i = 0; i < K; i++)
            for (int j = 0; j < K; j++) {
                double s = 0;
                for (int cc = 0; cc < D; cc++) s += (double)u[i * D + cc] * b[j * D + cc];
                CHECK_NEAR(s, i == j, 1e-4);
            }
        /* unit-variance sources */
        for (int j = 0; j < K; j++) {
            double s2 = 0;
            for (int i = 0; i < N; i++) s2 += (double)src[i * K + j] * src[i * K + j];
            CHECK_NEAR(s2 / N, 1, 1e-3);
        }
        /* image space: basis_image = basis @ dewhiten.T, filters_image = unmixing @ whiten */
        char *bip = cj_path_join(out, "basis_image.npy"), *fip = cj_path_join(out, "filters_image.npy");
        float *bi = load(bip, &r, &c), *fi = load(fip, &r2, &c2);
        CHECK(r == K && c == D && r2 == K && c2 == D);
        if (bi && fi)
            for (int j = 0; j < K; j++)
                for (int p = 0; p < D; p++) {
                    double e1 = 0, e2 = 0;
                    for (int cc = 0; cc < D; cc++)
                        e1 += (double)dw[p * D + cc] * b[j * D + cc], e2 += (double)u[j * D + cc] * wh[cc * D + p];
                    CHECK_NEAR(bi[j * D + p], e1, 1e-3 * (1 + fabs(e1)));
                    CHECK_NEAR(fi[j * D + p], e2, 1e-3 * (1 + fabs(e2)));
                }
        free(bi), free(fi), free(bip), free(fip);
    }
    size_t len;
    char *gp = cj_path_join(out, "gabor.csv"), *g = fixture_read(gp, &len);
    CHECK(g && count_lines(g) == K + 1 && strncmp(g, "index,x0,y0,theta_deg,", 22) == 0);
    char *jp = cj_path_join(out, "ica.json"), *j = fixture_read(jp, &len);
    CHECK(j && strstr(j, "\"method\": \"infomax\"") && strstr(j, "\"extended\": true") &&
          strstr(j, "\"components\": 16") && strstr(j, "\"good_fraction\": ") && strstr(j, "\"stopped_by\": "));
    char *cp = cj_path_join(out, "components.csv"), *cs = fixture_read(cp, &len);
    CHECK(cs && count_lines(cs) == K + 1 && strncmp(cs, "index,kurtosis,skewness,variance_share\n", 39) == 0);
    free(g), free(gp), free(j), free(jp), free(cs), free(cp);

    /* the same seed gives the same files byte for byte, another seed others */
    CHECK(run_cajalf(cajal, buf, sizeof buf, "ica %s --components %d --out %s/ica2 --quiet", in, K, dir) == 0);
    CHECK(run_cajalf(cajal, buf, sizeof buf, "ica %s --components %d --seed 2 --out %s/ica3 --quiet", in, K, dir) == 0);
    char *p2 = cj_path_printf("%s/ica2/unmixing.npy", dir), *p3 = cj_path_printf("%s/ica3/unmixing.npy", dir);
    CHECK(same_file(up, p2));
    CHECK(!same_file(up, p3));
    free(p2), free(p3);
    /* FastICA too */
    CHECK(run_cajalf(cajal, buf, sizeof buf, "ica %s --method fastica --out %s/f1 --quiet", in, dir) == 0);
    CHECK(run_cajalf(cajal, buf, sizeof buf, "ica %s --method fastica --out %s/f2 --quiet", in, dir) == 0);
    CHECK(run_cajalf(cajal, buf, sizeof buf, "ica %s --method fastica --seed 5 --out %s/f3 --quiet", in, dir) == 0);
    p2 = cj_path_printf("%s/f1/unmixing.npy", dir), p3 = cj_path_printf("%s/f2/unmixing.npy", dir);
    char *p4 = cj_path_printf("%s/f3/unmixing.npy", dir);
    CHECK(same_file(p2, p3));
    CHECK(!same_file(p2, p4));
    /* FastICA recovers the 16 sources' mixing (MNE's extended infomax with
     * its default annealing stops early on this small set: Amari ~0.18 in
     * cajal and in bench/ica_sklearn.py's NumPy copy of MNE alike) */
    float *fu = load(p2, &r, &c);
    if (fu) {
        double am = amari_of(fu, A, K, D);
        if (!(am < 0.02)) test_fail("16 sources, fastica: Amari index %.3g", am);
    }
    free(fu), free(p2), free(p3), free(p4);

    /* a dewhitening file that does not fit is an error naming it */
    int64_t bad[2] = {3, D};
    free(npy_f32(dir, "p.dewhitening.npy", 2, bad, dw));
    rc = run_cajalf(cajal, buf, sizeof buf, "ica %s --out %s/bad --quiet", in, dir);
    CHECK(rc == 1 && one_line_holding(buf, "p.dewhitening.npy has shape [3, 16], not [S*S, 16] for the 16 input dims"));
    free(u), free(b), free(mean), free(src), free(up), free(bp), free(mp), free(sp), free(out), free(in), free(x);
    free((char *)dir);
}

TEST(command_data_errors)
{
    static const char *dir;
    dir = fixture_dir("ica_err");
    char buf[8192];
    float v[40];
    for (int i = 0; i < 40; i++) v[i] = (float)((i * 37) % 11) - 5.0f + 0.01f * i;
    int64_t one[1] = {40}, three[3] = {2, 4, 5}, two[2] = {10, 4};
    char *flat = npy_f32(dir, "flat.npy", 1, one, v), *cube = npy_f32(dir, "cube.npy", 3, three, v);
    char *ok = npy_f32(dir, "ok.npy", 2, two, v);
    CHECK(run_cajalf(cajal, buf, sizeof buf, "ica %s --out %s/o --quiet", flat, dir) == 1 &&
          one_line_holding(buf, "must be [samples, dims]") && strstr(buf, "shape [40]"));
    CHECK(run_cajalf(cajal, buf, sizeof buf, "ica %s --out %s/o --quiet", cube, dir) == 1 &&
          one_line_holding(buf, "shape [2, 4, 5]"));
    CHECK(run_cajalf(cajal, buf, sizeof buf, "ica %s --components 5 --out %s/o --quiet", ok, dir) == 1 &&
          one_line_holding(buf, "--components 5 is more than the 4 input dims"));
    /* rank 3: a fourth dim that is the sum of the others */
    for (int r = 0; r < 10; r++) v[r * 4 + 3] = v[r * 4] + v[r * 4 + 1] + v[r * 4 + 2];
    char *low = npy_f32(dir, "low.npy", 2, two, v);
    CHECK(run_cajalf(cajal, buf, sizeof buf, "ica %s --components 4 --out %s/o --quiet", low, dir) == 1 &&
          one_line_holding(buf, "--components 4 is more than the 3 components with variance"));
    v[13] = NAN;
    char *nan = npy_f32(dir, "nan.npy", 2, two, v);
    CHECK(run_cajalf(cajal, buf, sizeof buf, "ica %s --out %s/o --quiet", nan, dir) == 1 &&
          one_line_holding(buf, "sample 3, dim 1 is not finite"));
    CHECK(run_cajalf(cajal, buf, sizeof buf, "ica %s/none.npy --out %s/o --quiet", dir, dir) == 1 &&
          one_line_holding(buf, "none.npy"));
    free(flat), free(cube), free(ok), free(low), free(nan), free((char *)dir);
}

TEST(command_usage_errors)
{
    char buf[4096];
    struct {
        const char *args, *text;
    } errors[] = {
        {"ica x.npy --out d --components 0", "--components '0'"},
        {"ica x.npy --out d --components -3", "--components '-3'"},
        {"ica x.npy --out d --method pca", "--method 'pca' is not infomax or fastica"},
        {"ica x.npy --out d --extended maybe", "--extended 'maybe' is not on or off"},
        {"ica x.npy --out d --max-iter 0", "--max-iter '0'"},
        {"ica x.npy --out d --tol 0", "--tol '0' is not a number > 0"},
        {"ica x.npy --out d --lrate -1", "--lrate '-1' is not a number > 0"},
        {"ica x.npy --out d --block 0", "--block '0'"},
        {"ica x.npy --out d --solver lbfgs", "--solver 'lbfgs' is not classic or picard"},
        {"ica x.npy --out d --solver picard --lrate 0.1", "--lrate applies to --method infomax --solver classic only"},
        {"ica x.npy --out d --method fastica --block 10", "--block applies to --method infomax --solver classic only"},
        {"ica x.npy --out d --solver picard --extended off", "--extended off (the logistic rule) applies to --method infomax --solver classic only"},
        {"ica x.npy --out d --threads 0", "--threads '0'"},
        {"ica x.npy --out d --seed -1", "--seed '-1' is not a whole number >= 0"},
        {"ica x.npy --out d --bogus 1", "unknown option '--bogus'"},
        {"ica x.npy y.npy --out d", "unexpected argument 'y.npy'"},
    };
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        int rc = run_cajal(cajal, errors[i].args, buf, sizeof buf);
        if (!(rc == 2 && one_line_holding(buf, errors[i].text))) test_fail("'%s' gave %d: %s", errors[i].args, rc, buf);
    }
    CHECK(run_cajal(cajal, "ica --out d", buf, sizeof buf) == 2 && strstr(buf, "no input .npy given"));
    CHECK(run_cajal(cajal, "ica x.npy", buf, sizeof buf) == 2 && strstr(buf, "--out DIR is needed"));
    CHECK(run_cajal(cajal, "ica --help", buf, sizeof buf) == 0 && strstr(buf, "usage: cajal ica"));
}

TEST(library_errors)
{
    float x[8] = {1, 2, 3, 4, 5, 6, 7, 9};
    cj_ica_opts o;
    cj_ica_opts_default(&o);
    cj_ica_model m;
    cj_error err = {0};
    o.components = -1;
    CHECK(cj_ica_fit(x, 4, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_CONFIG && strstr(err.msg, "--components -1"));
    o.components = 3;
    CHECK(cj_ica_fit(x, 4, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_CONFIG && strstr(err.msg, "more than the 2 input dims"));
    o.components = 0, o.max_iter = 0;
    CHECK(cj_ica_fit(x, 4, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_CONFIG && strstr(err.msg, "--max-iter 0"));
    o.max_iter = 200, o.method = (cj_ica_method)7;
    CHECK(cj_ica_fit(x, 4, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_CONFIG && strstr(err.msg, "unknown method 7"));
    o.method = CJ_ICA_INFOMAX;
    CHECK(cj_ica_fit(x, 1, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_SHAPE && strstr(err.msg, "1 samples"));
    float flat[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    CHECK(cj_ica_fit(flat, 4, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_NUMERIC && strstr(err.msg, "no variance"));
    o.solver = (cj_ica_solver)5;
    CHECK(cj_ica_fit(x, 4, 2, &o, NULL, NULL, &m, &err) == CJ_ERR_CONFIG && strstr(err.msg, "unknown solver 5"));
    o.solver = CJ_ICA_CLASSIC;
    CHECK(cj_ica_solver_parse("picard") == CJ_ICA_PICARD && cj_ica_solver_parse("classic") == CJ_ICA_CLASSIC &&
          cj_ica_solver_parse("newton") == -1 && !strcmp(cj_ica_solver_name(CJ_ICA_PICARD), "picard"));
    CHECK(cj_ica_method_parse("infomax") == CJ_ICA_INFOMAX && cj_ica_method_parse("fastica") == CJ_ICA_FASTICA &&
          cj_ica_method_parse("jade") == -1);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    RUN(amari_index_by_hand);
    RUN(infomax_recovers_laplacian_mixing);
    RUN(fastica_recovers_laplacian_mixing);
    RUN(picard_infomax_recovers_laplacian_mixing);
    RUN(picard_fastica_recovers_laplacian_mixing);
    RUN(picard_reaches_a_stationary_point_of_fasticas_objective);
    RUN(extended_infomax_separates_uniform_sources);
    RUN(whitening_gives_identity_covariance);
    RUN(command_writes_its_files);
    RUN(command_data_errors);
    RUN(command_usage_errors);
    RUN(library_errors);
    return test_summary("test_ica");
}
