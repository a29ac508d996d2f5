/* hopfield.c — the classic binary Hopfield network: storage (Hebb and
 * pseudo-inverse), energy, asynchronous and synchronous dynamics, corrupted
 * cues (include/cajal/hopfield.h). */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/hopfield.h"

cj_status cj_hopfield_rule_parse(const char *name, cj_hopfield_rule *rule, cj_error *err)
{
    if (name && !strcmp(name, "hebb")) *rule = CJ_HOPFIELD_HEBB;
    else if (name && !strcmp(name, "pinv")) *rule = CJ_HOPFIELD_PINV;
    else {
        char q[80];
        return cj_fail(err, CJ_ERR_ARG, "--rule %s: expected hebb or pinv", cj_error_quote(name ? name : "", q, sizeof q));
    }
    return CJ_OK;
}

const char *cj_hopfield_rule_name(cj_hopfield_rule rule) { return rule == CJ_HOPFIELD_PINV ? "pinv" : "hebb"; }

/* In-place Cholesky factor (lower) of the P x P SPD matrix C, in double.
 * 0 when C is not positive definite (dependent patterns). */
static int cholesky(double *C, int P)
{
    for (int j = 0; j < P; j++) {
        double d = C[(size_t)j * P + j];
        for (int k = 0; k < j; k++) d -= C[(size_t)j * P + k] * C[(size_t)j * P + k];
        /* relative threshold: C's diagonal is 1 (xi.xi / N = 1) */
        if (!(d > 1e-9)) return 0;
        d = sqrt(d);
        C[(size_t)j * P + j] = d;
        for (int i = j + 1; i < P; i++) {
            double v = C[(size_t)i * P + j];
            for (int k = 0; k < j; k++) v -= C[(size_t)i * P + k] * C[(size_t)j * P + k];
            C[(size_t)i * P + j] = v / d;
        }
    }
    return 1;
}

/* pinv: W = (1/N) Xi^T C^-1 Xi. With C = L L^T, let Y = L^-1 Xi [P, N]
 * (forward substitution per column); then W = (1/N) Y^T Y. */
static cj_status store_pinv(const float *xi, int P, int N, float *W, cj_error *err)
{
    double *C = malloc((size_t)P * P * sizeof *C);
    float *Y = malloc((size_t)P * N * sizeof *Y);
    double *col = malloc((size_t)P * sizeof *col);
    if (!C || !Y || !col) {
        free(C), free(Y), free(col);
        return cj_fail(err, CJ_ERR_NOMEM, "hopfield pinv: no memory for %d patterns of %d units", P, N);
    }
    for (int a = 0; a < P; a++)
        for (int b = 0; b <= a; b++) {
            double d = 0;
            for (int i = 0; i < N; i++) d += (double)xi[(size_t)a * N + i] * xi[(size_t)b * N + i];
            C[(size_t)a * P + b] = C[(size_t)b * P + a] = d / N;
        }
    if (!cholesky(C, P)) {
        free(C), free(Y), free(col);
        return cj_fail(err, CJ_ERR_NUMERIC,
                       "hopfield pinv: the %d patterns of %d units are linearly dependent (P > N or repeated patterns): "
                       "their overlap matrix is singular", P, N);
    }
    for (int i = 0; i < N; i++) {
        for (int a = 0; a < P; a++) {
            double v = xi[(size_t)a * N + i];
            for (int k = 0; k < a; k++) v -= C[(size_t)a * P + k] * col[k];
            col[a] = v / C[(size_t)a * P + a];
            Y[(size_t)a * N + i] = (float)col[a];
        }
    }
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, N, P, 1.0f / N, Y, N, 0.0f, W, N);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < i; j++) W[(size_t)i * N + j] = W[(size_t)j * N + i];
    free(C), free(Y), free(col);
    return CJ_OK;
}

cj_status cj_hopfield_store(const float *xi, int P, int N, cj_hopfield_rule rule, float *W, cj_error *err)
{
    if (P < 1 || N < 1) return cj_fail(err, CJ_ERR_ARG, "hopfield: %d patterns of %d units (need at least 1 of 1)", P, N);
    if (rule == CJ_HOPFIELD_PINV) {
        cj_status st = store_pinv(xi, P, N, W, err);
        if (st) return st;
    } else {
        /* Hebb: the outer products summed by one rank-P update (BLAS). */
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, N, P, 1.0f / N, xi, N, 0.0f, W, N);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < i; j++) W[(size_t)i * N + j] = W[(size_t)j * N + i];
    }
    for (int i = 0; i < N; i++) W[(size_t)i * N + i] = 0.0f;
    return CJ_OK;
}

double cj_hopfield_energy(const float *W, const float *s, int N)
{
    double e = 0;
    for (int i = 0; i < N; i++) {
        double h = 0;
        for (int j = 0; j < N; j++) h += (double)W[(size_t)i * N + j] * s[j];
        e += h * s[i];
    }
    return -0.5 * e;
}

int cj_hopfield_run_async(const float *W, int N, float *s, int max_sweeps, cj_rng *rng, float *h, int *order,
                          double *energy, int *converged)
{
    cblas_sgemv(CblasRowMajor, CblasNoTrans, N, N, 1.0f, W, N, s, 1, 0.0f, h, 1);
    size_t k = 0;
    double e = 0;
    if (energy) energy[k++] = e = cj_hopfield_energy(W, s, N);
    for (int i = 0; i < N; i++) order[i] = i;
    int sweeps = 0, done = 0;
    while (sweeps < max_sweeps && !done) {
        cj_rng_shuffle(rng, order, (size_t)N);
        int flips = 0;
        for (int t = 0; t < N; t++) {
            int i = order[t];
            float want = h[i] > 0 ? 1.0f : h[i] < 0 ? -1.0f : s[i];
            if (want != s[i]) {
                float d = want - s[i];
                /* dE = -d h_i (W_ii = 0): never positive since d has h_i's sign */
                e -= (double)d * h[i];
                s[i] = want;
                /* W is symmetric: column i is row i, contiguous */
                cblas_saxpy(N, d, W + (size_t)i * N, 1, h, 1);
                flips++;
            }
            if (energy) energy[k++] = e;
        }
        sweeps++;
        done = flips == 0;
    }
    if (converged) *converged = done;
    return sweeps;
}

int cj_hopfield_run_sync(const float *W, int N, float *s, int max_steps, float *scratch, int *converged)
{
    int steps = 0, done = 0;
    while (steps < max_steps && !done) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, N, N, 1.0f, W, N, s, 1, 0.0f, scratch, 1);
        int changed = 0;
        for (int i = 0; i < N; i++) {
            float want = scratch[i] > 0 ? 1.0f : scratch[i] < 0 ? -1.0f : s[i];
            changed += want != s[i];
            s[i] = want;
        }
        steps++;
        done = changed == 0;
    }
    if (converged) *converged = done;
    return steps;
}

void cj_hopfield_corrupt(float *s, int N, double frac, cj_rng *rng, int *order)
{
    int n = (int)lround(frac * N);
    if (n > N) n = N;
    if (n <= 0) return;
    for (int i = 0; i < N; i++) order[i] = i;
    cj_rng_shuffle(rng, order, (size_t)N);
    for (int t = 0; t < n; t++) s[order[t]] = -s[order[t]];
}

int cj_hopfield_bit_errors(const float *a, const float *b, int N)
{
    int e = 0;
    for (int i = 0; i < N; i++) e += (a[i] > 0) != (b[i] > 0);
    return e;
}
