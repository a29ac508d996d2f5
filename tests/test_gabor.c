/* test_gabor.c — the Gabor fit (include/cajal/gabor.h): synthetic Gabors
 * of known parameters (orientations, frequencies, phases, off-centre,
 * elongated) recovered without and with noise, compared through the
 * fitted image and through the parameters modulo their symmetries; the
 * documented ranges; the least-squares optimum SciPy finds on noisy
 * Gabors (tools/make_gabor_refs.py, tests/ref/gabor_*.npy); white noise
 * fits badly; the error messages; the report's files. */
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cajal/gabor.h"
#include "cajal/npy.h"
#include "cajal/rng.h"
#include "harness.h"

enum { S = 16, N = S * S };

static int has(const cj_error *e, const char *text)
{
    int ok = strstr(e->msg, text) != NULL;
    if (!ok) printf("  message: %s (expected to hold '%s')\n", e->msg, text);
    return ok;
}

/* Angle difference modulo period, in [0, period/2]. */
static double angle_diff(double a, double b, double period)
{
    double d = fmod(fabs(a - b), period);
    return fmin(d, period - d);
}

/* Largest |a - b| relative to max |b|. */
static double image_diff(const float *a, const float *b)
{
    double mx = 0, d = 0;
    for (int i = 0; i < N; i++) mx = fmax(mx, fabs(b[i])), d = fmax(d, fabs(a[i] - b[i]));
    return d / mx;
}

static const cj_gabor_fit cases[] = {
    /* x0,   y0,   theta, freq, phase, along, across, A,  r2 */
    {7.5, 7.5, 0.0, 0.15, 0.0, 3.0, 2.5, 1.0, 0},
    {7.5, 7.5, 0.7, 0.12, 1.5708, 3.5, 2.0, 2.0, 0},
    {5.0, 9.0, 1.6, 0.20, -1.0, 2.5, 1.8, 0.5, 0},
    {10.0, 6.0, 2.5, 0.25, 2.8, 2.0, 1.5, 1.0, 0},
    {8.3, 5.2, 3.0, 0.09, 0.4, 4.0, 3.0, 1.0, 0},
    {6.0, 8.0, 1.2, 0.18, -2.5, 4.5, 1.6, 3.0, 0}, /* elongated */
};
enum { NCASES = sizeof cases / sizeof cases[0] };

TEST(recovers_noiseless_gabors)
{
    float f[N], g[N];
    for (int k = 0; k < NCASES; k++) {
        cj_gabor_render(&cases[k], S, f);
        cj_gabor_fit r;
        cj_error err;
        CHECK(cj_gabor_fit_one(f, S, &r, &err) == CJ_OK);
        cj_gabor_render(&r, S, g);
        if (!(r.r2 > 0.9999 && image_diff(g, f) < 1e-3))
            test_fail("case %d: r2 %.6f, image diff %.2g", k, r.r2, image_diff(g, f));
        /* the stated ranges */
        CHECK(r.theta >= 0 && r.theta < M_PI);
        CHECK(r.phase > -M_PI && r.phase <= M_PI);
        CHECK(r.amplitude >= 0 && r.freq >= 0 && r.freq <= 0.5);
        /* parameters: theta modulo pi (the cases are in [0, pi), so the
         * phase is the same one), the rest directly */
        CHECK_NEAR(angle_diff(r.theta, cases[k].theta, M_PI), 0, 1e-3);
        CHECK_NEAR(angle_diff(r.phase, cases[k].phase, 2 * M_PI), 0, 1e-3);
        CHECK_NEAR(r.freq, cases[k].freq, 1e-4);
        CHECK_NEAR(r.x0, cases[k].x0, 1e-3);
        CHECK_NEAR(r.y0, cases[k].y0, 1e-3);
        CHECK_NEAR(r.sigma_along, cases[k].sigma_along, 1e-3);
        CHECK_NEAR(r.sigma_across, cases[k].sigma_across, 1e-3);
        CHECK_NEAR(r.amplitude, cases[k].amplitude, 1e-3 * cases[k].amplitude);
    }
}

/* theta and theta + pi with -phase are the same image: the fit must give
 * the one in [0, pi), whichever was rendered. */
TEST(orientation_symmetry_folded)
{
    cj_gabor_fit a = cases[1];
    a.theta += M_PI, a.phase = -0.3;
    float f[N];
    cj_gabor_render(&a, S, f);
    cj_gabor_fit r;
    cj_error err;
    CHECK(cj_gabor_fit_one(f, S, &r, &err) == CJ_OK);
    CHECK_NEAR(r.theta, cases[1].theta, 1e-3);
    CHECK_NEAR(r.phase, 0.3, 1e-3);
    /* negative amplitude = phase + pi */
    a = cases[0];
    a.amplitude = -1, a.phase = 0.5;
    cj_gabor_render(&a, S, f);
    CHECK(cj_gabor_fit_one(f, S, &r, &err) == CJ_OK);
    CHECK_NEAR(r.amplitude, 1, 1e-3);
    CHECK_NEAR(angle_diff(r.phase, 0.5 + M_PI, 2 * M_PI), 0, 1e-3);
}

/* Gaussian pixel noise of 10% of the peak: R^2 near the signal's share of
 * the variance and the parameters within stated tolerances. */
TEST(recovers_noisy_gabors)
{
    cj_rng rng;
    cj_rng_seed(&rng, 11);
    float f[N];
    for (int k = 0; k < NCASES; k++) {
        cj_gabor_render(&cases[k], S, f);
        double sd = 0.1 * cases[k].amplitude;
        for (int i = 0; i < N; i++) f[i] += (float)(sd * cj_rng_normal(&rng));
        cj_gabor_fit r;
        cj_error err;
        CHECK(cj_gabor_fit_one(f, S, &r, &err) == CJ_OK);
        if (!(r.r2 > 0.6)) test_fail("case %d: r2 %.3f", k, r.r2);
        if (angle_diff(r.theta, cases[k].theta, M_PI) > 0.1 || fabs(r.freq - cases[k].freq) > 0.02 ||
            hypot(r.x0 - cases[k].x0, r.y0 - cases[k].y0) > 0.5 ||
            fabs(r.sigma_along / cases[k].sigma_along - 1) > 0.2 ||
            fabs(r.sigma_across / cases[k].sigma_across - 1) > 0.2)
            test_fail("case %d: theta %.3f (%.3f) freq %.3f (%.3f) x0 %.2f y0 %.2f sa %.2f sc %.2f", k, r.theta,
                      cases[k].theta, r.freq, cases[k].freq, r.x0, r.y0, r.sigma_along, r.sigma_across);
    }
}

/* The same optimum as SciPy's least_squares started at the truth: the
 * same R^2 and the same fitted image, on Gabors with heavy noise. */
TEST(matches_scipy_least_squares)
{
    cj_npy_array fa, ra;
    cj_error err;
    if (cj_npy_read("tests/ref/gabor_filters.npy", CJ_NPY_F32, &fa, &err) ||
        cj_npy_read("tests/ref/gabor_scipy.npy", CJ_NPY_F64, &ra, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    CHECK(fa.ndim == 2 && fa.shape[1] == N && ra.ndim == 2 && ra.shape[1] == 9 && ra.shape[0] == fa.shape[0]);
    const float *fs = fa.data;
    const double *ref = ra.data;
    float a[N], b[N];
    for (int k = 0; k < (int)fa.shape[0] && fa.shape[1] == N && ra.shape[1] == 9; k++) {
        cj_gabor_fit r, s;
        CHECK(cj_gabor_fit_one(fs + k * N, S, &r, &err) == CJ_OK);
        const double *q = ref + 9 * k;
        s = (cj_gabor_fit){q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8]};
        cj_gabor_render(&r, S, a);
        cj_gabor_render(&s, S, b);
        CHECK_NEAR(r.r2, s.r2, 1e-5);
        if (!(image_diff(a, b) < 2e-3)) test_fail("case %d: fitted images differ by %.3g of the peak", k, image_diff(a, b));
    }
    cj_npy_free(&fa);
    cj_npy_free(&ra);
}

TEST(white_noise_fits_badly)
{
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    float f[N];
    double worst = 0;
    for (int t = 0; t < 20; t++) {
        for (int i = 0; i < N; i++) f[i] = cj_rng_normal(&rng);
        cj_gabor_fit r;
        cj_error err;
        CHECK(cj_gabor_fit_one(f, S, &r, &err) == CJ_OK);
        worst = fmax(worst, r.r2);
    }
    if (!(worst < 0.3)) test_fail("white noise R^2 up to %.3f", worst);
}

TEST(zero_filter_gives_zero_r2)
{
    float f[N] = {0};
    cj_gabor_fit r;
    cj_error err;
    CHECK(cj_gabor_fit_one(f, S, &r, &err) == CJ_OK);
    CHECK(r.r2 == 0 && r.amplitude == 0);
}

TEST(fit_is_fast)
{
    enum { NF = 256 };
    static float fs[NF * N];
    static cj_gabor_fit fits[NF];
    cj_rng rng;
    cj_rng_seed(&rng, 2);
    for (int k = 0; k < NF; k++) {
        cj_gabor_fit g = cases[k % NCASES];
        g.theta = M_PI * cj_rng_uniform(&rng);
        cj_gabor_render(&g, S, fs + k * N);
        for (int i = 0; i < N; i++) fs[k * N + i] += (float)(0.05 * g.amplitude * cj_rng_normal(&rng));
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cj_error err;
    CHECK(cj_gabor_fit_all(fs, NF, S, fits, &err) == CJ_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    printf("  256 fits of 16x16 in %.3f s\n", s);
    if (!(s < 2.0)) test_fail("256 fits took %.3f s", s);
    int good = 0;
    for (int k = 0; k < NF; k++) good += fits[k].r2 >= CJ_GABOR_GOOD_R2;
    if (good != NF) test_fail("%d of %d fits with R^2 >= 0.8", good, NF);
}

TEST(errors_name_the_problem)
{
    float f[N] = {0};
    cj_gabor_fit r;
    cj_error err;
    CHECK(cj_gabor_fit_one(f, 3, &r, &err) == CJ_ERR_ARG && has(&err, "side 3"));
    CHECK(cj_gabor_fit_one(NULL, S, &r, &err) == CJ_ERR_ARG);
    f[2 * S + 5] = NAN;
    CHECK(cj_gabor_fit_one(f, S, &r, &err) == CJ_ERR_NUMERIC && has(&err, "row 2, column 5"));
    static float many[3 * N];
    many[2 * N + 1] = INFINITY;
    cj_gabor_fit fits[3];
    CHECK(cj_gabor_fit_all(many, 3, S, fits, &err) == CJ_ERR_NUMERIC && has(&err, "filter 2"));
}

static long count_lines(const char *path, char *first, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long n = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (n == 0) snprintf(first, cap, "%s", line);
        n++;
    }
    fclose(f);
    return n;
}

/* The report's four files, the CSV's header and one row per filter, the
 * fits handed back; errors for a missing directory. */
TEST(report_writes_its_files)
{
    char dir[] = "/tmp/cj_gabor_XXXXXX";
    if (!mkdtemp(dir)) {
        test_fail("mkdtemp");
        return;
    }
    enum { NF = 9 };
    static float fs[NF * N];
    for (int k = 0; k < NF; k++) cj_gabor_render(&cases[k % NCASES], S, fs + k * N);
    for (int i = 0; i < N; i++) fs[8 * N + i] = (float)((i * 7919) % 13) - 6; /* not a Gabor */
    cj_gabor_fit fits[NF];
    cj_error err;
    CHECK(cj_rf_report_write(dir, fs, NF, S, "test filters", fits, &err) == CJ_OK);
    CHECK(fits[0].r2 > 0.999 && fits[8].r2 < CJ_GABOR_GOOD_R2);
    static const char *const files[] = {"gabor.csv", "filters.png", "rf_stats.png", "tiling.png"};
    char path[512], first[512] = "";
    for (int f = 0; f < 4; f++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[f]);
        struct stat sb;
        if (stat(path, &sb) != 0 || sb.st_size < 100) test_fail("%s missing or empty", path);
    }
    snprintf(path, sizeof path, "%s/gabor.csv", dir);
    CHECK(count_lines(path, first, sizeof first) == NF + 1);
    CHECK(strcmp(first, "index,x0,y0,theta_deg,freq,phase,sigma_along,sigma_across,amplitude,r2\n") == 0);
    for (int f = 0; f < 4; f++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[f]);
        unlink(path);
    }
    /* no good fit at all: the histograms are empty, the files still made */
    CHECK(cj_rf_report_write(dir, fs + 8 * N, 1, S, "noise", fits, &err) == CJ_OK);
    if (fits[0].r2 >= CJ_GABOR_GOOD_R2) test_fail("noise filter fitted with R^2 %.3f", fits[0].r2);
    for (int f = 0; f < 4; f++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[f]);
        struct stat sb;
        if (stat(path, &sb) != 0 || sb.st_size < 100) test_fail("no good fit: %s missing or empty", path);
        unlink(path);
    }
    rmdir(dir);
    CHECK(cj_rf_report_write("/nonexistent/dir", fs, NF, S, "t", NULL, &err) == CJ_ERR_IO &&
          has(&err, "/nonexistent/dir"));
    CHECK(cj_rf_report_write("/proc", fs, NF, S, "t", NULL, &err) != CJ_OK);
}

int main(void)
{
    RUN(recovers_noiseless_gabors);
    RUN(orientation_symmetry_folded);
    RUN(recovers_noisy_gabors);
    RUN(matches_scipy_least_squares);
    RUN(white_noise_fits_badly);
    RUN(zero_filter_gives_zero_r2);
    RUN(fit_is_fast);
    RUN(errors_name_the_problem);
    RUN(report_writes_its_files);
    return test_summary("gabor");
}

/* fontconfig (loaded by cairo for the report's text) leaks a few hundred
 * bytes once per process; this LeakSanitizer hook, as in test_plot.c,
 * keeps that out of `make test SANITIZE=1` so only leaks of ours fail. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }
