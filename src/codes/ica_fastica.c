/* ica_fastica.c — FastICA on white data (include/cajal/ica.h): Hyvarinen
 * 1999's fixed-point iteration for all components at once ("parallel",
 * symmetric decorrelation), G(u) = log cosh u, so g = tanh and
 * g' = 1 - tanh^2; tolerance, iteration limit and start as scikit-learn's
 * FastICA (algorithm="parallel", fun="logcosh", tol=1e-4, max_iter=200,
 * w_init standard normal). The expectations over all samples are BLAS
 * products over blocks of rows; every buffer is allocated once. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clones.h"
#include "../core/lapack.h"
#include "cajal/rng.h"
#include "ica_common.h"

enum { ROWS = 4096 }; /* rows per block of the expectations */

typedef struct {
    int k, lwork, liwork;
    double *S, *E, *lam, *work, *T; /* S, E, T [k, k]; lam [k] */
    int *iwork;
} decor;

static void decor_free(decor *d)
{
    free(d->S), free(d->E), free(d->lam), free(d->work), free(d->T), free(d->iwork);
}

static int decor_init(decor *d, int k)
{
    memset(d, 0, sizeof *d);
    size_t kk = (size_t)k * k;
    d->k = k;
    d->S = malloc(sizeof(double) * kk), d->E = malloc(sizeof(double) * kk), d->T = malloc(sizeof(double) * kk);
    d->lam = malloc(sizeof(double) * (size_t)k);
    if (!d->S || !d->E || !d->T || !d->lam) return 0;
    int info = 0, lw = -1, liw = -1, iw;
    double wq;
    dsyevd_("V", "L", &k, d->S, &k, d->lam, &wq, &lw, &iw, &liw, &info);
    d->lwork = (int)wq, d->liwork = iw;
    d->work = malloc(sizeof(double) * (size_t)d->lwork);
    d->iwork = malloc(sizeof(int) * (size_t)d->liwork);
    return d->work && d->iwork;
}

/* W <- (W W^T)^{-1/2} W  (Hyvarinen 1999, Sec. 4.2): with W W^T = E diag(s)
 * E^T, W <- E diag(1/sqrt s) E^T W. 0 when W is singular or LAPACK fails. */
static int decorrelate(decor *d, double *W)
{
    int k = d->k, info = 0;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, k, k, 1.0, W, k, W, k, 0.0, d->S, k);
    dsyevd_("V", "L", &k, d->S, &k, d->lam, d->work, &d->lwork, d->iwork, &d->liwork, &info);
    if (info) return 0;
    /* the column-major result holds eigenvector i in row i of d->S */
    for (int i = 0; i < k; i++) {
        if (!(d->lam[i] > 0)) return 0;
        double s = 1 / sqrt(d->lam[i]);
        for (int j = 0; j < k; j++) d->E[(size_t)i * k + j] = d->S[(size_t)i * k + j] * s;
    }
    /* T = sum_i e_i e_i^T / sqrt(s_i) = S^T E (rows of S are e_i) */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, k, 1.0, d->S, k, d->E, k, 0.0, d->T, k);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, k, k, 1.0, d->T, k, W, k, 0.0, d->S, k);
    memcpy(W, d->S, sizeof(double) * (size_t)k * k);
    return 1;
}

/* u <- g(u) = tanh u over nb rows of k, and gp[j] += sum_rows g'(u_j) =
 * 1 - tanh^2, in double. Compiled for AVX2/AVX-512 too: the portable
 * build's SSE2 does this loop 4 floats at a time, and it was a fifth of an
 * iteration beside the two products. */
CJ_TARGET_CLONES static void score_rows(float *restrict u, int nb, int k, double *restrict gp)
{
    for (int r = 0; r < nb; r++) {
        float *restrict ur = u + (size_t)r * k;
        for (int j = 0; j < k; j++) ur[j] = cj_fast_tanh(ur[j]);
        for (int j = 0; j < k; j++) gp[j] += 1.0f - ur[j] * ur[j];
    }
}

int cj_ica_random_orthogonal(int k, uint64_t seed, double *W)
{
    decor dc;
    int ok = decor_init(&dc, k);
    if (ok) {
        cj_rng rng;
        cj_rng_seed(&rng, seed);
        for (size_t i = 0; i < (size_t)k * k; i++) W[i] = cj_rng_normal(&rng);
        ok = decorrelate(&dc, W);
    }
    decor_free(&dc);
    return ok;
}

cj_status cj_ica_fastica(const float *z, long n, int k, const cj_ica_opts *o, cj_ica_progress progress, void *ctx,
                         float *Wout, cj_ica_run *run, cj_error *err)
{
    memset(run, 0, sizeof *run);
    if (k < 1 || n < 2) return cj_fail(err, CJ_ERR_SHAPE, "ica: fastica on %ld samples of %d components", n, k);
    if (o->max_iter < 1) return cj_fail(err, CJ_ERR_CONFIG, "ica: --max-iter %d is not >= 1", o->max_iter);
    double tol = o->tol > 0 ? o->tol : 1e-4;
    size_t kk = (size_t)k * k;
    int rows = n < ROWS ? (int)n : ROWS;
    decor dc;
    int ok = decor_init(&dc, k);
    double *W = malloc(sizeof(double) * kk), *W1 = malloc(sizeof(double) * kk), *gp = malloc(sizeof(double) * (size_t)k);
    float *Wf = malloc(sizeof(float) * kk), *acc = malloc(sizeof(float) * kk);
    float *u = malloc(sizeof(float) * (size_t)rows * k);
    run->history = calloc((size_t)o->max_iter, sizeof *run->history);
    cj_status st = CJ_OK;
    if (!ok || !W || !W1 || !gp || !Wf || !acc || !u || !run->history) {
        st = cj_fail(err, CJ_ERR_NOMEM, "ica: no memory for fastica on %d components", k);
        goto done;
    }
    if (!cj_ica_random_orthogonal(k, o->seed, W)) {
        st = cj_fail(err, CJ_ERR_NUMERIC, "ica: fastica's random start is singular (seed %llu)",
                     (unsigned long long)o->seed);
        goto done;
    }
    double t0 = ica_now();
    for (int it = 1; it <= o->max_iter; it++) {
        for (size_t i = 0; i < kk; i++) Wf[i] = (float)W[i];
        memset(gp, 0, sizeof(double) * (size_t)k);
        for (long r0 = 0; r0 < n; r0 += rows) {
            int nb = (int)(n - r0 < rows ? n - r0 : rows);
            const float *zb = z + (size_t)r0 * k;
            /* u = Z_b W^T: row r holds w_i . z_r for every component i */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, k, k, 1.0f, zb, k, Wf, k, 0.0f, u, k);
            score_rows(u, nb, k, gp);
            /* acc (+)= g(U)^T Z_b: sum over samples of g(w_i . z) z */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, nb, 1.0f, u, k, zb, k, r0 ? 1.0f : 0.0f, acc,
                        k);
        }
        /* W1 = E[g(Wz) z^T] - diag(E[g'(Wz)]) W  (Hyvarinen 1999, eq. 20) */
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                size_t ij = (size_t)i * k + j;
                W1[ij] = acc[ij] / (double)n - gp[i] / (double)n * W[ij];
            }
        if (!decorrelate(&dc, W1)) {
            st = cj_fail(err, CJ_ERR_NUMERIC, "ica: fastica iteration %d: the update is singular or not finite", it);
            goto done;
        }
        /* lim = max_i | |w1_i . w_i| - 1 |  (scikit-learn's stopping rule) */
        double lim = 0;
        for (int i = 0; i < k; i++) {
            double dot = cblas_ddot(k, W1 + (size_t)i * k, 1, W + (size_t)i * k, 1);
            lim = fmax(lim, fabs(fabs(dot) - 1));
        }
        memcpy(W, W1, sizeof(double) * kk);
        cj_ica_step s = {it, lim, 0, 0, ica_now() - t0, 0, 0, 0, 0};
        run->history[run->n_steps++] = s;
        run->change = lim;
        run->iterations = it;
        if (!isfinite(lim)) {
            st = cj_fail(err, CJ_ERR_NUMERIC, "ica: fastica iteration %d is not finite", it);
            goto done;
        }
        if (progress && progress(ctx, &s)) {
            st = cj_fail(err, CJ_ERR_INTERRUPTED, "ica: interrupted at iteration %d", it);
            goto done;
        }
        if (lim < tol) {
            run->converged = 1;
            break;
        }
    }
    for (size_t i = 0; i < kk; i++) Wout[i] = (float)W[i];
done:
    decor_free(&dc);
    free(W), free(W1), free(gp), free(Wf), free(acc), free(u);
    return st;
}
