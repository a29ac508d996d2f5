/* bench_rsa.c — time RSA the way a model-vs-brain comparison runs it: the
 * correlation-distance RDM of a layer's responses to the stimuli, Kendall's
 * tau_a with a brain RDM, and 1,000 stimulus bootstraps of tau_a, as
 * bench/rsa_numpy.py does with NumPy/SciPy (rsatoolbox's code path) on the
 * same data.
 *
 *     bench_rsa OUT_DIR [stimuli] [features] [samples]     (defaults 92 4096 1000)
 *
 * Writes the data, cajal's results, the bootstrap's stimulus draws (rebuilt
 * from the order cajal/rsa.h documents) and the timings to OUT_DIR (raw
 * little-endian files and meta.txt) for rsa_numpy.py; prints one line per
 * timing, the best of 5 runs. One thread (run_rsa.sh sets
 * OPENBLAS_NUM_THREADS=1 for both sides). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cajal/rng.h"
#include "cajal/rsa.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int write_raw(const char *dir, const char *name, const void *data, size_t bytes)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, bytes, f) != bytes) {
        fprintf(stderr, "bench_rsa: cannot write %s\n", path);
        if (f) fclose(f);
        return 0;
    }
    return fclose(f) == 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_rsa OUT_DIR [stimuli] [features] [samples]\n");
        return 2;
    }
    const char *dir = argv[1];
    int n = argc > 2 ? atoi(argv[2]) : 92, f = argc > 3 ? atoi(argv[3]) : 4096;
    int samples = argc > 4 ? atoi(argv[4]) : 1000;
    if (n < 3 || f < 1 || samples < 1) {
        fprintf(stderr, "bench_rsa: need stimuli >= 3, features >= 1, samples >= 1\n");
        return 2;
    }
    const size_t len = cj_rdm_len(n);
    float *x = malloc((size_t)n * f * sizeof *x), *centre = malloc((size_t)4 * f * sizeof *centre);
    double *brain = malloc(len * sizeof *brain), *model = malloc(len * sizeof *model);
    double *boot = malloc((size_t)samples * sizeof *boot);
    int *draws = malloc((size_t)samples * n * sizeof *draws);
    if (!x || !centre || !brain || !model || !boot || !draws) {
        fprintf(stderr, "bench_rsa: out of memory\n");
        return 1;
    }
    /* Layer responses: 4 categories (centres) plus stimulus noise, ReLU'd
     * like a hidden layer; the brain RDM: the category structure seen
     * through noise, rounded to 3 decimals as stored RDMs often are, so
     * both sides meet ties. */
    cj_rng rng;
    cj_rng_seed(&rng, 2026);
    cj_rng_fill_normal(&rng, centre, (size_t)4 * f, 1.0f);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < f; k++) {
            float v = centre[(size_t)(i % 4) * f + k] + 1.5f * cj_rng_normal(&rng);
            x[(size_t)i * f + k] = v > 0.0f ? v : 0.0f;
        }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            brain[cj_rdm_index(n, i, j)] = round(1000.0 * (0.5 * (i % 4 != j % 4) + 0.4 * cj_rng_uniform(&rng))) / 1000.0;

    cj_rsa_boot_opts o;
    cj_rsa_boot_defaults(&o);
    o.samples = samples;
    double t_rdm = 1e30, t_tau = 1e30, t_boot = 1e30, tau = NAN;
    cj_error err;
    for (int r = 0; r < 5; r++) {
        double t0 = now_s();
        if (cj_rdm_compute(x, n, f, CJ_RDM_CORRELATION, model, &err)) goto fail;
        double t1 = now_s();
        if (cj_rsa_compare(model, brain, len, CJ_RSA_TAU_A, &tau, &err)) goto fail;
        double t2 = now_s();
        if (cj_rsa_bootstrap(model, 1, brain, 1, n, CJ_RSA_TAU_A, &o, boot, &err)) goto fail;
        double t3 = now_s();
        if (t1 - t0 < t_rdm) t_rdm = t1 - t0;
        if (t2 - t1 < t_tau) t_tau = t2 - t1;
        if (t3 - t2 < t_boot) t_boot = t3 - t2;
    }
    double ci[2];
    if (cj_percentile_interval(boot, (size_t)samples, 0.95, ci, NULL, &err)) goto fail;
    /* The stimuli of each sample, drawn as cj_rsa_bootstrap draws them. */
    cj_rng_seed(&rng, o.seed);
    for (size_t k = 0; k < (size_t)samples * n; k++) draws[k] = (int)cj_rng_below(&rng, (uint32_t)n);

    printf("cajal  %d stimuli x %d features, %d bootstraps, one thread\n", n, f, samples);
    printf("cajal  RDM (correlation) %.2f ms  tau_a %.3f ms  %d bootstraps %.1f ms  total %.1f ms\n", 1e3 * t_rdm,
           1e3 * t_tau, samples, 1e3 * t_boot, 1e3 * (t_rdm + t_tau + t_boot));
    printf("cajal  tau_a %.6f, 95%% bootstrap interval %.6f to %.6f\n", tau, ci[0], ci[1]);
    char meta[512];
    int mlen = snprintf(meta, sizeof meta, "stimuli %d\nfeatures %d\nsamples %d\nrdm_s %.9g\ntau_s %.9g\nboot_s %.9g\n"
                        "tau_a %.17g\n", n, f, samples, t_rdm, t_tau, t_boot, tau);
    int ok = write_raw(dir, "meta.txt", meta, (size_t)mlen) && write_raw(dir, "x.f32", x, (size_t)n * f * 4) &&
             write_raw(dir, "brain.f64", brain, len * 8) && write_raw(dir, "model.f64", model, len * 8) &&
             write_raw(dir, "boot.f64", boot, (size_t)samples * 8) &&
             write_raw(dir, "draws.i32", draws, (size_t)samples * n * 4);
    free(x);
    free(centre);
    free(brain);
    free(model);
    free(boot);
    free(draws);
    return ok ? 0 : 1;
fail:
    fprintf(stderr, "bench_rsa: %s\n", err.msg);
    return 1;
}
