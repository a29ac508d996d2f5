/* bench_gabor.c — times cj_gabor_fit_all on the first N filters of a
 * [n, S*S] float32 .npy (bench/run_gabor.sh compares it with SciPy).
 * Prints "cajal_seconds T", "cajal_good G" (R^2 >= 0.8) and
 * "cajal_median_r2 M"; the fastest of 3 repeats.
 *     build/release/bench/bench_gabor FILE.npy [N] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cajal/gabor.h"
#include "cajal/npy.h"

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_gabor FILE.npy [N]\n");
        return 2;
    }
    cj_error err;
    cj_npy_array a;
    if (cj_npy_read(argv[1], CJ_NPY_F32, &a, &err)) {
        fprintf(stderr, "bench_gabor: %s\n", err.msg);
        return 1;
    }
    int S = (int)lround(sqrt((double)a.shape[1]));
    if (a.ndim != 2 || (int64_t)S * S != a.shape[1]) {
        fprintf(stderr, "bench_gabor: %s: not [n, S*S]\n", argv[1]);
        return 1;
    }
    int n = (int)a.shape[0];
    if (argc > 2 && atoi(argv[2]) > 0 && atoi(argv[2]) < n) n = atoi(argv[2]);
    cj_gabor_fit *g = malloc(sizeof *g * n);
    double *r2 = malloc(sizeof *r2 * n), best = INFINITY;
    for (int rep = 0; rep < 3; rep++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (cj_gabor_fit_all(a.data, n, S, g, &err)) {
            fprintf(stderr, "bench_gabor: %s\n", err.msg);
            return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        best = fmin(best, (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
    }
    int good = 0;
    for (int i = 0; i < n; i++) r2[i] = g[i].r2, good += g[i].r2 >= CJ_GABOR_GOOD_R2;
    qsort(r2, n, sizeof *r2, by_value);
    printf("cajal_seconds %.4f\ncajal_good %d\ncajal_median_r2 %.4f\n", best, good, r2[n / 2]);
    free(g), free(r2);
    cj_npy_free(&a);
    return 0;
}
