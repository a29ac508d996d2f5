/* bench_cka.c — time linear CKA (biased and debiased) of two
 * representations of the same stimuli, as bench/cka_numpy.py does in NumPy
 * on the same data, and the matrix-product limit of the machine.
 *
 *     bench_cka OUT_DIR [n] [p] [reps]       (defaults 10000 512 5)
 *
 * x [n, p] is Gaussian with column means 0.01 j; y [n, p] = tanh(x W) + 0.5
 * noise, W Gaussian / sqrt(p): two related layers. Writes x.f32, y.f32 (raw
 * float32, row-major), cajal's values and timings (meta.txt) to OUT_DIR;
 * prints one line per timing. One thread (openblas_set_num_threads(1)), as
 * NumPy gets from bench/run_cka.sh. Results: docs/benchmarks.md. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cajal/cka.h"
#include "cajal/rng.h"

void openblas_set_num_threads(int);

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int write_raw(const char *dir, const char *name, const void *data, size_t bytes)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, bytes, f) != bytes) {
        fprintf(stderr, "bench_cka: cannot write %s\n", path);
        if (f) fclose(f);
        return 0;
    }
    return fclose(f) == 0;
}

/* Best and median of reps timings of cj_cka_linear. */
static int time_cka(const float *x, const float *y, size_t n, int p, int debiased, int reps, double *value,
                    double *best, double *median)
{
    double *t = malloc(sizeof(double) * (size_t)reps);
    if (!t) return 0;
    for (int r = 0; r < reps; r++) {
        cj_error err;
        double t0 = now_s();
        if (cj_cka_linear(x, y, n, p, p, debiased, value, &err)) {
            fprintf(stderr, "bench_cka: %s\n", err.msg);
            free(t);
            return 0;
        }
        t[r] = now_s() - t0;
    }
    qsort(t, (size_t)reps, sizeof(double), cmp);
    *best = t[0];
    *median = t[reps / 2];
    free(t);
    return 1;
}

/* The machine's float product rate: the best of 5 sgemm 1024^3 (2 GFLOP). */
static double sgemm_peak(void)
{
    enum { S = 1024 };
    float *a = malloc(sizeof(float) * S * S), *b = malloc(sizeof(float) * S * S), *c = malloc(sizeof(float) * S * S);
    if (!a || !b || !c) return NAN;
    for (int i = 0; i < S * S; i++) a[i] = (float)(i % 13) * 0.1f, b[i] = (float)(i % 7) * 0.1f;
    double best = 1e30;
    for (int r = 0; r < 6; r++) {
        double t0 = now_s();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S, S, S, 1.0f, a, S, b, S, 0.0f, c, S);
        double t = now_s() - t0;
        if (r > 0 && t < best) best = t; /* the first call warms up */
    }
    free(a), free(b), free(c);
    return 2.0 * S * S * (double)S / best / 1e9;
}

/* The products cj_cka_linear makes, alone: ssyrk of every block of 1,024
 * rows of [x y] into (2p)^2, no centring, no double sums. Best of 3. */
static double products_alone(const float *x, const float *y, size_t n, int p)
{
    const int m = 2 * p, B = 1024;
    float *blk = malloc(sizeof(float) * (size_t)B * m), *g = malloc(sizeof(float) * (size_t)m * m);
    if (!blk || !g) return NAN;
    for (int r = 0; r < B; r++) {
        memcpy(blk + (size_t)r * m, x + (size_t)r * p, sizeof(float) * p);
        memcpy(blk + (size_t)r * m + p, y + (size_t)r * p, sizeof(float) * p);
    }
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now_s();
        for (size_t r0 = 0; r0 < n; r0 += B) {
            int b = n - r0 < (size_t)B ? (int)(n - r0) : B;
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, m, b, 1.0f, blk, m, 0.0f, g, m);
        }
        double t = now_s() - t0;
        if (t < best) best = t;
    }
    free(blk), free(g);
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_cka OUT_DIR [n] [p] [reps]\n");
        return 2;
    }
    const char *dir = argv[1];
    size_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000;
    int p = argc > 3 ? atoi(argv[3]) : 512, reps = argc > 4 ? atoi(argv[4]) : 5;
    if (n < 4 || p < 1 || reps < 1) {
        fprintf(stderr, "bench_cka: n >= 4, p >= 1, reps >= 1 (got %zu %d %d)\n", n, p, reps);
        return 2;
    }
    openblas_set_num_threads(1);
    float *x = malloc(sizeof(float) * n * p), *y = malloc(sizeof(float) * n * p);
    float *w = malloc(sizeof(float) * (size_t)p * p), *noise = malloc(sizeof(float) * n * p);
    if (!x || !y || !w || !noise) {
        fprintf(stderr, "bench_cka: out of memory\n");
        return 1;
    }
    cj_rng rng;
    cj_rng_seed(&rng, 2025);
    cj_rng_fill_normal(&rng, x, n * p, 1.0f);
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < p; j++) x[i * p + j] += 0.01f * (float)j;
    cj_rng_fill_normal(&rng, w, (size_t)p * p, 1.0f / sqrtf((float)p));
    cj_rng_fill_normal(&rng, noise, n * p, 0.5f);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, p, p, 1.0f, x, p, w, p, 0.0f, y, p);
    for (size_t i = 0; i < n * p; i++) y[i] = tanhf(y[i]) + noise[i];
    free(w), free(noise);

    const double peak = sgemm_peak();
    const double flops = (double)n * (2.0 * p) * (2.0 * p); /* ssyrk [n, 2p]: n m^2 */
    double v0, v1, b0, m0, b1, m1;
    if (!time_cka(x, y, n, p, 0, reps, &v0, &b0, &m0) || !time_cka(x, y, n, p, 1, reps, &v1, &b1, &m1)) return 1;
    const double prod = products_alone(x, y, n, p);
    printf("cajal  n %zu  p = q = %d  reps %d  threads 1\n", n, p, reps);
    printf("cajal  sgemm 1024^3: %.1f GFLOP/s (the product limit below)\n", peak);
    printf("cajal  feature-space products: %.2f GFLOP (ssyrk of [x y]: n (p+q)^2); at the limit %.4f s; "
           "ssyrk blocks alone %.4f s (%.1f GFLOP/s)\n",
           flops / 1e9, flops / 1e9 / peak, prod, flops / prod / 1e9);
    static const char line[] =
        "cajal  linear CKA %-9s best %.4f s  median %.4f s  (%.1f GFLOP/s, %.0f%% of the limit)  cka %.9f\n";
    printf(line, "biased:", b0, m0, flops / b0 / 1e9, 100.0 * flops / b0 / 1e9 / peak, v0);
    printf(line, "debiased:", b1, m1, flops / b1 / 1e9, 100.0 * flops / b1 / 1e9 / peak, v1);

    char meta[1024];
    int len = snprintf(meta, sizeof meta,
                       "n %zu\np %d\nreps %d\npeak_gflops %.9g\ncka %.17g\ncka_debiased %.17g\n"
                       "best_s %.9g\nmedian_s %.9g\nbest_debiased_s %.9g\nmedian_debiased_s %.9g\n",
                       n, p, reps, peak, v0, v1, b0, m0, b1, m1);
    int ok = write_raw(dir, "meta.txt", meta, (size_t)len) && write_raw(dir, "x.f32", x, n * p * sizeof(float)) &&
             write_raw(dir, "y.f32", y, n * p * sizeof(float));
    free(x), free(y);
    return ok ? 0 : 1;
}
