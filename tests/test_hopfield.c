/* test_hopfield.c — the classic and modern Hopfield networks
 * (include/cajal/hopfield.h) against hand-worked cases and closed forms. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/cli/commands.h"
#include "cajal/hopfield.h"
#include "harness.h"

/* One pattern of 4 units: W = xi xi^T / 4 with zero diagonal, by hand. */
TEST(hebb_one_pattern_by_hand)
{
    float xi[4] = {1, -1, 1, -1}, W[16];
    CHECK(cj_hopfield_store(xi, 1, 4, CJ_HOPFIELD_HEBB, W, NULL) == CJ_OK);
    const float want[16] = {0, -0.25f, 0.25f, -0.25f, -0.25f, 0, -0.25f, 0.25f,
                            0.25f, -0.25f, 0, -0.25f, -0.25f, 0.25f, -0.25f, 0};
    for (int k = 0; k < 16; k++) CHECK_NEAR(W[k], want[k], 1e-7);
    /* E(xi) = -1/2 sum_ij W_ij xi_i xi_j = -1/2 * 12 * 0.25 = -1.5 */
    CHECK_NEAR(cj_hopfield_energy(W, xi, 4), -1.5, 1e-9);
    /* one flipped bit: its field is 3 * 0.25 against it, so it flips back */
    float s[4] = {1, 1, 1, -1}, h[4];
    int order[4], conv = 0;
    cj_rng rng;
    cj_rng_seed(&rng, 3);
    int sweeps = cj_hopfield_run_async(W, 4, s, 10, &rng, h, order, NULL, &conv);
    CHECK(conv);
    CHECK(sweeps == 2);  /* one sweep that flips, one that confirms */
    CHECK(cj_hopfield_bit_errors(s, xi, 4) == 0);
}

/* Two orthogonal patterns of 8 units are both fixed points, and a cue one
 * bit away from either returns to it, asynchronously and synchronously. */
TEST(hebb_two_orthogonal_patterns)
{
    float xi[16] = {1, 1, 1, 1, -1, -1, -1, -1, 1, -1, 1, -1, 1, -1, 1, -1}, W[64], s[8], h[8];
    int order[8], conv;
    CHECK(cj_hopfield_store(xi, 2, 8, CJ_HOPFIELD_HEBB, W, NULL) == CJ_OK);
    cj_rng rng;
    cj_rng_seed(&rng, 1);
    for (int mu = 0; mu < 2; mu++)
        for (int flip = 0; flip < 8; flip++) {
            memcpy(s, xi + 8 * mu, sizeof s);
            s[flip] = -s[flip];
            cj_hopfield_run_async(W, 8, s, 10, &rng, h, order, NULL, &conv);
            CHECK(conv && cj_hopfield_bit_errors(s, xi + 8 * mu, 8) == 0);
            memcpy(s, xi + 8 * mu, sizeof s);
            s[flip] = -s[flip];
            cj_hopfield_run_sync(W, 8, s, 10, h, &conv);
            CHECK(conv && cj_hopfield_bit_errors(s, xi + 8 * mu, 8) == 0);
        }
}

static void random_patterns(float *xi, int n, cj_rng *rng)
{
    for (int k = 0; k < n; k++) xi[k] = (cj_rng_u64(rng) >> 63) ? 1.0f : -1.0f;
}

/* Asynchronous updates never raise E, and the tracked energy is the energy
 * of the final state recomputed from scratch. Overloaded (P/N = 0.4) so the
 * dynamics wander through many flips. */
TEST(energy_never_increases_async)
{
    enum { N = 60, P = 24, SW = 50 };
    float *xi = malloc(sizeof(float) * P * N), *W = malloc(sizeof(float) * N * N), s[N], h[N];
    double *e = malloc(sizeof(double) * (SW * N + 1));
    int order[N], conv;
    cj_rng rng;
    cj_rng_seed(&rng, 7);
    random_patterns(xi, P * N, &rng);
    CHECK(cj_hopfield_store(xi, P, N, CJ_HOPFIELD_HEBB, W, NULL) == CJ_OK);
    int drops = 0, ups = 0;
    for (int trial = 0; trial < 5; trial++) {
        random_patterns(s, N, &rng);
        int sweeps = cj_hopfield_run_async(W, N, s, SW, &rng, h, order, e, &conv);
        CHECK(conv);
        for (int k = 1; k <= sweeps * N; k++) {
            ups += e[k] > e[k - 1] + 1e-9;
            drops += e[k] < e[k - 1] - 1e-9;
        }
        CHECK_NEAR(e[sweeps * N], cj_hopfield_energy(W, s, N), 1e-4);
    }
    CHECK(ups == 0);
    CHECK(drops > 10);  /* the test would pass vacuously if nothing moved */
    free(xi), free(W), free(e);
}

/* Correlated patterns (all share the first 10 of 16 bits): the Hebb rule's
 * crosstalk destabilises the stored patterns, the projection rule keeps
 * each one a fixed point (h_i xi_i = (1 - W_ii) > 0). */
TEST(pinv_stores_correlated_patterns_hebb_cannot)
{
    enum { N = 16, P = 5 };
    float xi[P * N], W[N * N], h[N];
    cj_rng rng;
    cj_rng_seed(&rng, 11);
    for (int mu = 0; mu < P; mu++)
        for (int i = 0; i < N; i++) xi[mu * N + i] = i < 10 ? 1.0f : ((cj_rng_u64(&rng) >> 63) ? 1.0f : -1.0f);
    int unstable[2] = {0, 0};
    for (int r = 0; r < 2; r++) {
        CHECK(cj_hopfield_store(xi, P, N, r ? CJ_HOPFIELD_PINV : CJ_HOPFIELD_HEBB, W, NULL) == CJ_OK);
        for (int mu = 0; mu < P; mu++) {
            for (int i = 0; i < N; i++) {
                double v = 0;
                for (int j = 0; j < N; j++) v += W[i * N + j] * xi[mu * N + j];
                h[i] = (float)v;
            }
            for (int i = 0; i < N; i++) unstable[r] += h[i] * xi[mu * N + i] <= 0;
        }
        if (r == 1) /* pinv fields are exactly (1 - W_ii) xi_i */
            for (int i = 0; i < N; i++) {
                double v = 0, pii = 0;
                for (int j = 0; j < N; j++) v += W[i * N + j] * xi[j];
                /* P_ii from W's row: P xi = xi gives P_ii = 1 - (W xi)_i / xi_i */
                pii = 1.0 - v / xi[i];
                CHECK(pii > 0 && pii < 1);
            }
    }
    CHECK(unstable[0] > 0);
    CHECK(unstable[1] == 0);
}

/* With one pattern C = 1, so the projection rule is the Hebb rule. */
TEST(pinv_one_pattern_is_hebb)
{
    enum { N = 9 };
    float xi[N], Wh[N * N], Wp[N * N];
    cj_rng rng;
    cj_rng_seed(&rng, 2);
    random_patterns(xi, N, &rng);
    CHECK(cj_hopfield_store(xi, 1, N, CJ_HOPFIELD_HEBB, Wh, NULL) == CJ_OK);
    CHECK(cj_hopfield_store(xi, 1, N, CJ_HOPFIELD_PINV, Wp, NULL) == CJ_OK);
    for (int k = 0; k < N * N; k++) CHECK_NEAR(Wp[k], Wh[k], 1e-6);
}

TEST(pinv_dependent_patterns_fail)
{
    float xi[8] = {1, -1, 1, -1, 1, -1, 1, -1}, W[16];  /* the same pattern twice */
    cj_error err = {0};
    CHECK(cj_hopfield_store(xi, 2, 4, CJ_HOPFIELD_PINV, W, &err) == CJ_ERR_NUMERIC);
    CHECK(strstr(err.msg, "linearly dependent") != NULL);
    CHECK(cj_hopfield_rule_parse("oja", &(cj_hopfield_rule){0}, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "oja") != NULL);
}

TEST(corrupt_flips_exactly)
{
    float s[100], orig[100];
    int order[100];
    for (int i = 0; i < 100; i++) s[i] = orig[i] = 1;
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    cj_hopfield_corrupt(s, 100, 0.13, &rng, order);
    CHECK(cj_hopfield_bit_errors(s, orig, 100) == 13);
}

/* Modern network, closed forms: one stored pattern is the result of any
 * update; with two, out = p a + (1 - p) b, p = sigmoid(beta (a - b).xi). */
TEST(modern_update_closed_form)
{
    float a[3] = {1, -2, 0.5f}, X[6] = {1, -2, 0.5f, -1, 0, 2}, xi[3] = {0.3f, -0.1f, 0.7f}, out[3], sc[2];
    cj_hopfield_modern_update(a, 1, 3, 4.0f, xi, 1, out, sc);
    for (int i = 0; i < 3; i++) CHECK_NEAR(out[i], a[i], 1e-6);
    float beta = 0.8f;
    double da = 0.3 * 1 + -0.1 * -2 + 0.7 * 0.5, db = 0.3 * -1 + 0 + 0.7 * 2;
    double p = 1.0 / (1.0 + exp(-beta * (da - db)));
    cj_hopfield_modern_update(X, 2, 3, beta, xi, 1, out, sc);
    for (int i = 0; i < 3; i++) CHECK_NEAR(out[i], p * X[i] + (1 - p) * X[3 + i], 1e-6);
    CHECK_NEAR(sc[0], p, 1e-6);
}

/* Random binary 6x6 "images", 200 stored (5.6 N): every half-masked cue is
 * retrieved exactly with a large beta. */
TEST(modern_retrieves_synthetic_images)
{
    enum { H = 6, Wd = 6, N = H * Wd, P = 200 };
    float *img = malloc(sizeof(float) * P * N);
    cj_rng rng;
    cj_rng_seed(&rng, 9);
    for (int k = 0; k < P * N; k++) img[k] = (float)(cj_rng_u64(&rng) >> 63);
    cj_hopfield_modern_opts o = {.patterns = P, .cues = P, .beta = 8, .steps = 1, .binary = 1, .seed = 1};
    cj_hopfield_modern_result r;
    cj_error err = {0};
    CHECK(cj_hopfield_modern_retrieve(img, P, H, Wd, &o, &r, &err) == CJ_OK);
    /* random 18-bit top halves can coincide (birthday problem): count how
     * many targets share their top half with another pattern */
    int unique = 0;
    for (int q = 0; q < P; q++) {
        int dup = 0;
        for (int p = 0; p < P && !dup; p++)
            dup = p != q && !memcmp(img + q * N, img + p * N, sizeof(float) * (N / 2));
        unique += !dup;
    }
    CHECK_NEAR(r.fraction, (double)unique / P, 0.03);
    CHECK(r.fraction > 0.9);
    cj_hopfield_modern_result_free(&r);
    o.cues = P + 1;
    CHECK(cj_hopfield_modern_retrieve(img, P, H, Wd, &o, &r, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "--cues") != NULL);
    free(img);
}

TEST(capacity_sweep_deterministic_and_shaped)
{
    double loads[3] = {0.05, 0.14, 0.5}, r1[3], r2[3], r3[3], b[3];
    cj_hopfield_capacity_opts o = {.units = 200, .n_loads = 3, .loads = loads, .max_error = 0.01,
                                   .max_sweeps = 100, .trials = 2, .seed = 42};
    CHECK(cj_hopfield_capacity(&o, r1, b, NULL) == CJ_OK);
    CHECK(cj_hopfield_capacity(&o, r2, NULL, NULL) == CJ_OK);
    for (int k = 0; k < 3; k++) CHECK(r1[k] == r2[k]);
    CHECK(r1[0] == 1.0 && b[0] < 0.005);
    CHECK(r1[2] < 0.05 && b[2] > 0.1);
    o.seed = 43;
    CHECK(cj_hopfield_capacity(&o, r3, NULL, NULL) == CJ_OK);
    CHECK(r3[1] != r1[1]);
    o.units = 1;
    cj_error err = {0};
    CHECK(cj_hopfield_capacity(&o, r3, NULL, &err) == CJ_ERR_ARG);
}

TEST(transition_interpolates)
{
    double l[4] = {0.1, 0.12, 0.14, 0.16}, r[4] = {1, 0.9, 0.3, 0};
    CHECK_NEAR(cj_hopfield_transition(l, r, 4), 0.12 + 0.02 * (0.4 / 0.6), 1e-12);
    double never[4] = {1, 1, 0.9, 0.6};
    CHECK(isnan(cj_hopfield_transition(l, never, 4)));
}

static int run_cli(const char *const *args)
{
    char *argv[16];
    int argc = 0;
    while (args[argc]) argv[argc] = (char *)args[argc], argc++;
    return cj_cmd_hopfield(argc, argv);
}

TEST(cli_errors)
{
    CHECK(run_cli((const char *[]){"hopfield", NULL}) == 2);
    CHECK(run_cli((const char *[]){"hopfield", "sideways", NULL}) == 2);
    CHECK(run_cli((const char *[]){"hopfield", "capacity", NULL}) == 2);  /* no --out */
    CHECK(run_cli((const char *[]){"hopfield", "capacity", "--loads", "0.2:0.1:0.01", "--out", "/tmp/x", NULL}) == 2);
    CHECK(run_cli((const char *[]){"hopfield", "capacity", "--loads", "0.1:0.2", "--out", "/tmp/x", NULL}) == 2);
    CHECK(run_cli((const char *[]){"hopfield", "capacity", "--rule", "oja", "--out", "/tmp/x", NULL}) == 2);
    CHECK(run_cli((const char *[]){"hopfield", "capacity", "--units", "1", "--out", "/tmp/x", NULL}) == 2);
    CHECK(run_cli((const char *[]){"hopfield", "capacity", "--beta", "1", "--out", "/tmp/x", NULL}) == 2);
    CHECK(run_cli((const char *[]){"hopfield", "capacity", "--bogus", "1", "--out", "/tmp/x", NULL}) == 2);
    CHECK(run_cli((const char *[]){"hopfield", "modern", "--units", "5", "--out", "/tmp/x", NULL}) == 2);
    CHECK(run_cli((const char *[]){"hopfield", "modern", "--pixels", "colour", "--out", "/tmp/x", NULL}) == 2);
    CHECK(run_cli((const char *[]){"hopfield", "modern", "--images", "/nonexistent.idx", "--out", "/tmp/x", NULL}) == 1);
}

/* The command end to end on a small sweep: capacity.csv's header and rows. */
TEST(cli_capacity_writes_csv)
{
    char dir[] = "/tmp/cj_hopfield_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(run_cli((const char *[]){"hopfield", "capacity", "--units", "100", "--loads", "0.05:0.25:0.1",
                                   "--trials", "1", "--out", dir, NULL}) == 0);
    char path[64], line[128];
    snprintf(path, sizeof path, "%s/capacity.csv", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (f) {
        int n = 0;
        CHECK(fgets(line, sizeof line, f) && !strcmp(line, "load,recall_fraction\n"));
        double l, r;
        while (fscanf(f, "%lf,%lf", &l, &r) == 2) {
            CHECK(r >= 0 && r <= 1);
            n++;
        }
        CHECK(n == 3);
        fclose(f);
    }
    const char *names[] = {"capacity.csv", "capacity.json", "capacity.png"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        remove(path);
    }
    rmdir(dir);
}

/* Under LeakSanitizer, fontconfig's one-time allocations when cairo first
 * draws text are not ours (as in test_plot.c). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

int main(void)
{
    RUN(hebb_one_pattern_by_hand);
    RUN(hebb_two_orthogonal_patterns);
    RUN(energy_never_increases_async);
    RUN(pinv_stores_correlated_patterns_hebb_cannot);
    RUN(pinv_one_pattern_is_hebb);
    RUN(pinv_dependent_patterns_fail);
    RUN(corrupt_flips_exactly);
    RUN(modern_update_closed_form);
    RUN(modern_retrieves_synthetic_images);
    RUN(capacity_sweep_deterministic_and_shaped);
    RUN(transition_interpolates);
    RUN(cli_errors);
    RUN(cli_capacity_writes_csv);
    return test_summary("hopfield");
}
