/* sparsecode_infer.c — codes of a batch for a fixed dictionary by FISTA or
 * the locally competitive algorithm, as whole-batch matrix products
 * (include/cajal/sparsecode.h has the equations). */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/sparsecode.h"

const char *cj_sc_inference_name(cj_sc_inference k) { return k == CJ_SC_LCA ? "lca" : "fista"; }

int cj_sc_inference_parse(const char *name)
{
    if (!strcmp(name, "fista")) return CJ_SC_FISTA;
    if (!strcmp(name, "lca")) return CJ_SC_LCA;
    return -1;
}

void cj_sc_opts_default(cj_sc_opts *o)
{
    memset(o, 0, sizeof *o);
    o->atoms = 256;
    o->lambda = 0.1;
    o->inference = CJ_SC_FISTA;
    o->epochs = 10;
    o->batch = 100;
    o->lr = 0.05;
    o->iters = 100;
    o->tol = 1e-2;
    o->code_tol = 1e-4;
    o->seed = 1;
}

cj_status cj_sc_work_init(cj_sc_work *w, int k, int d, int rows, cj_error *err)
{
    memset(w, 0, sizeof *w);
    if (k < 1 || d < 1 || rows < 1) return cj_fail(err, CJ_ERR_ARG, "sparse coding: %d atoms, %d dims, %d rows", k, d, rows);
    if ((long long)rows * k > INT_MAX) /* BLAS counts in int */
        return cj_fail(err, CJ_ERR_ARG, "sparse coding: a batch of %d rows x %d atoms is too large", rows, k);
    w->k = k, w->d = d, w->rows = rows;
    size_t kk = (size_t)k * k, rk = (size_t)rows * k;
    w->gram = malloc(sizeof(float) * (kk + 3 * rk + 2 * (size_t)k));
    if (!w->gram) return cj_fail(err, CJ_ERR_NOMEM, "sparse coding: no memory for %d x %d codes", rows, k);
    w->b = w->gram + kk, w->y = w->b + rk, w->prev = w->y + rk;
    w->eigvec = w->prev + rk, w->eigtmp = w->eigvec + k;
    for (int i = 0; i < k; i++) w->eigvec[i] = (float)(1 / sqrt(k));
    return CJ_OK;
}

void cj_sc_work_free(cj_sc_work *w)
{
    free(w->gram);
    memset(w, 0, sizeof *w);
}

void cj_sc_work_set_dict(cj_sc_work *w, const float *dict)
{
    int k = w->k;
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, k, w->d, 1.0f, dict, w->d, 0.0f, w->gram, k);
    for (int i = 0; i < k; i++)
        for (int j = 0; j < i; j++) w->gram[(size_t)i * k + j] = w->gram[(size_t)j * k + i];
    /* Power iteration, warm-started (the header says why); the Rayleigh
     * quotient from below is raised 1% so the step 1/L stays safely under
     * 1/lambda_max. The product by BLAS: this runs once per mini-batch. */
    float *v = w->eigvec, *u = w->eigtmp;
    double lam = 1;
    for (int it = 0; it < 100; it++) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, k, k, 1.0f, w->gram, k, v, 1, 0.0f, u, 1);
        double nn = 0;
        for (int i = 0; i < k; i++) nn += (double)u[i] * u[i];
        nn = sqrt(nn);
        if (!(nn > 0)) { /* an all-zero dictionary: restart from all ones next time */
            for (int i = 0; i < k; i++) v[i] = (float)(1 / sqrt(k));
            break;
        }
        for (int i = 0; i < k; i++) v[i] = (float)(u[i] / nn);
        int done = it > 0 && fabs(nn - lam) <= 1e-6 * nn;
        lam = nn;
        if (done) break;
    }
    w->lipschitz = fmax(1.01 * lam, 1e-12);
}

/* Soft threshold in place (Donoho 1995): the proximal map of t|a|, or of
 * t a + indicator(a >= 0) when nonneg. */
static void shrink(float *a, size_t n, float t, int nonneg)
{
    if (nonneg)
        for (size_t i = 0; i < n; i++) a[i] = a[i] > t ? a[i] - t : 0.0f;
    else
        for (size_t i = 0; i < n; i++) a[i] = a[i] > t ? a[i] - t : (a[i] < -t ? a[i] + t : 0.0f);
}

/* FISTA over the whole batch, one problem, so the batch stops as one. a
 * and the previous iterate trade buffers instead of being copied. (A
 * gradient restart, O'Donoghue & Candes 2015, was tried: on whitened
 * natural-image patches it first fires after 57-100 iterations, so it
 * changes nothing at the iteration counts used.) */
static int fista(cj_sc_work *w, int n, double lambda, int nonneg, int iters, double tol, float *a_out)
{
    int k = w->k, it = 0, nk = n * k;
    float step = (float)(1 / w->lipschitz), t = (float)(lambda / w->lipschitz);
    float *a = a_out, *old = w->prev, *y = w->y;
    double s = 1;
    memset(a, 0, sizeof(float) * (size_t)nk);
    memset(y, 0, sizeof(float) * (size_t)nk);
    while (it < iters) {
        float *swap = a;
        a = old, old = swap;
        /* a = T(y - step (y G - b)) = T(y + step b - step y G) */
        for (int i = 0; i < nk; i++) a[i] = y[i] + step * w->b[i];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k, k, -step, y, k, w->gram, k, 1.0f, a, k);
        shrink(a, (size_t)nk, t, nonneg);
        for (int i = 0; i < nk; i++) old[i] = a[i] - old[i]; /* the step a_t - a_{t-1}; a_{t-1} is not needed again */
        double dd = cblas_sdot(nk, old, 1, old, 1), aa = cblas_sdot(nk, a, 1, a, 1);
        it++;
        if (dd <= tol * tol * aa) break;
        double s1 = (1 + sqrt(1 + 4 * s * s)) / 2;
        float mom = (float)((s - 1) / s1);
        s = s1;
        for (int i = 0; i < nk; i++) y[i] = a[i] + mom * old[i];
    }
    if (a != a_out) memcpy(a_out, a, sizeof(float) * (size_t)nk);
    return it;
}

/* LCA runs all its steps: it is a model of neural dynamics whose time
 * course is the setting (Rozell 2008), and its Euler steps move the codes
 * so little each that a step-size stopping rule would end it far from the
 * fixed point. */
static int lca(cj_sc_work *w, int n, double lambda, int nonneg, int iters, float *a)
{
    int k = w->k, nk = n * k;
    float eta = (float)(1 / w->lipschitz), t = (float)lambda;
    float *u = w->y;
    memset(u, 0, sizeof(float) * (size_t)nk);
    memset(a, 0, sizeof(float) * (size_t)nk);
    for (int it = 0; it < iters; it++) {
        /* u += eta (b - u + a - a G): the inhibition (G - I) a of Rozell's
         * eq. 3.1, an atom never inhibiting itself. */
        for (int i = 0; i < nk; i++) u[i] += eta * (w->b[i] - u[i] + a[i]);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k, k, -eta, a, k, w->gram, k, 1.0f, u, k);
        memcpy(a, u, sizeof(float) * (size_t)nk);
        shrink(a, (size_t)nk, t, nonneg);
    }
    return iters;
}

int cj_sc_encode(cj_sc_work *w, const float *dict, const float *x, int n, double lambda, int nonneg,
                 cj_sc_inference inference, int iters, double tol, float *a)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, w->k, w->d, 1.0f, x, w->d, dict, w->d, 0.0f, w->b,
                w->k);
    if (inference == CJ_SC_LCA) return lca(w, n, lambda, nonneg, iters, a);
    return fista(w, n, lambda, nonneg, iters, tol, a);
}

double cj_sc_objective(const float *dict, int k, int d, const float *x, int n, const float *a, double lambda,
                       float *resid, double *sq)
{
    size_t nd = (size_t)n * d, nk = (size_t)n * k;
    memcpy(resid, x, sizeof(float) * nd);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, k, -1.0f, a, k, dict, d, 1.0f, resid, d);
    double r2 = 0, l1 = 0;
    for (size_t i = 0; i < nd; i++) r2 += (double)resid[i] * resid[i];
    for (size_t i = 0; i < nk; i++) l1 += fabsf(a[i]);
    if (sq) *sq = r2;
    return 0.5 * r2 + lambda * l1;
}
