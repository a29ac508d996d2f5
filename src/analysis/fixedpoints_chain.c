/* fixedpoints_chain.c — are a network's fixed points separate attractors,
 * or samples of one line of slow points (fixedpoints.h, cj_fp_chain)?
 *
 * A search from many states ends on exact fixed points; in a trained
 * network an approximate line attractor (Mante et al. 2013, Fig. 5) often
 * shows as two stable points and a saddle between them, because the line
 * is not perfectly flat and Levenberg–Marquardt slides along it to its
 * ends. What tells the two pictures apart is the speed between the
 * points: q(x) = ½‖F(x) − x‖² stays small all along a line attractor and
 * rises between separate attractors (a ridge: in x_{t+1} = x + ε(x − x³)
 * it reaches ε² (2/(3√3))² / 2 half-way). So the chain through the
 * points, in the order of their first principal component, is sampled
 * `steps` times per link and q measured at each state. */
#include <stdlib.h>
#include <string.h>

#include "cajal/fixedpoints.h"
#include "cajal/subspace.h"

cj_status cj_fp_speeds(const cj_fp_system *sys, const double *x, int n, double *q, cj_error *err)
{
    int N = sys->n, chunk = sys->max_batch > 0 && sys->max_batch < n ? sys->max_batch : n;
    double *fx = malloc(sizeof(double) * (size_t)(chunk > 0 ? chunk : 1) * N);
    if (!fx) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d states' speeds", n);
    for (int s = 0; s < n; s += chunk) {
        int b = n - s < chunk ? n - s : chunk;
        sys->map(sys->user, x + (size_t)s * N, fx, b);
        for (int r = 0; r < b; r++) {
            double sum = 0;
            for (int j = 0; j < N; j++) {
                double d = fx[(size_t)r * N + j] - x[((size_t)s + r) * N + j];
                sum += d * d;
            }
            q[s + r] = 0.5 * sum;
        }
    }
    free(fx);
    return CJ_OK;
}

cj_status cj_fp_chain(const cj_fp_system *sys, const double *points, int n, int steps, double *path, double *q,
                      cj_error *err)
{
    int N = sys->n;
    if (n < 2 || steps < 1)
        return cj_fail(err, CJ_ERR_ARG, "cj_fp_chain: %d points and %d steps per link; needs 2 points and 1 step",
                       n, steps);
    int *order = malloc(sizeof(int) * (size_t)n);
    double *key = malloc(sizeof(double) * (size_t)n);
    if (!order || !key) {
        free(order);
        free(key);
        return cj_fail(err, CJ_ERR_NOMEM, "cj_fp_chain: out of memory");
    }
    /* The first PC orders the points; for two it is the line through them. */
    cj_pca pca = {0};
    cj_status st = CJ_OK;
    if (!cj_pca_fit_f64(&pca, points, (size_t)n, N, 1, NULL))
        for (int i = 0; !st && i < n; i++) st = cj_pca_project_f64(&pca, points + (size_t)i * N, 1, 1, &key[i], err);
    else
        for (int i = 0; i < n; i++) key[i] = i;
    cj_pca_free(&pca);
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && key[order[j - 1]] > key[order[j]]; j--) {
            int t = order[j];
            order[j] = order[j - 1], order[j - 1] = t;
        }
    int n_path = (n - 1) * steps + 1;
    for (int i = 0; !st && i < n_path; i++) {
        int link = i / steps < n - 1 ? i / steps : n - 2;
        double t = (double)(i - link * steps) / steps;
        const double *a = points + (size_t)order[link] * N, *b = points + (size_t)order[link + 1] * N;
        for (int j = 0; j < N; j++) path[(size_t)i * N + j] = (1 - t) * a[j] + t * b[j];
    }
    if (!st) st = cj_fp_speeds(sys, path, n_path, q, err);
    free(order);
    free(key);
    return st;
}
