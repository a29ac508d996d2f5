/* decode_lda.c — linear discriminant analysis with Ledoit–Wolf shrinkage,
 * as scikit-learn's LinearDiscriminantAnalysis(solver="lsqr",
 * shrinkage="auto") computes it (sklearn 1.2, discriminant_analysis.py
 * _solve_lstsq, _class_cov, _cov; covariance/_shrunk_covariance.py):
 *
 *   for each label c (prior pi_c = its share of the training trials):
 *     X_c centred, each column divided by its standard deviation s (n, not
 *     n - 1; 1 for a constant column: StandardScaler);
 *     S = X_c' X_c / n_c, mu = trace(S) / p, and the Ledoit–Wolf weight
 *       beta  = (sum_i |x_i|^4 / n_c - |S|_F^2) / (p n_c),
 *       delta = (|S|_F^2 - 2 mu trace(S) + p mu^2) / p,
 *       a = min(beta, delta) / delta          (Ledoit & Wolf 2004, J.
 *                                              Multivar. Anal. 88:365)
 *     Sigma_c = diag(s) ((1 - a) S + a mu I) diag(s);
 *   Sigma = sum_c pi_c Sigma_c;  W = Sigma^-1 M'  (M: the label means);
 *   score_c(x) = x . w_c - w_c . m_c / 2 + log pi_c.
 *
 * Sigma is solved by Cholesky; when it is singular (no shrinkage and more
 * units than trials) by its eigen-decomposition with eigenvalues below
 * p eps max(lambda) dropped, the minimum-norm solution scipy's lstsq gives. */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "../core/lapack.h"
#include "decode_common.h"

enum { LWORK_PER_P = 34 };

typedef struct {
    double *coef, *intercept, *cov, *cov2, *xc, *emp, *mean, *scale, *means, *counts, *eig, *work;
} lda_ws;

static lda_ws carve(double *ws, int n, int p, int k)
{
    lda_ws w;
    size_t pp = (size_t)p * p;
    w.coef = ws;
    w.intercept = w.coef + (size_t)k * p;
    w.cov = w.intercept + k;
    w.cov2 = w.cov + pp;
    w.emp = w.cov2 + pp;
    w.xc = w.emp + pp;
    w.mean = w.xc + (size_t)n * p;
    w.scale = w.mean + p;
    w.means = w.scale + p;
    w.counts = w.means + (size_t)k * p;
    w.eig = w.counts + k;
    w.work = w.eig + p;
    return w;
}

static size_t lda_workspace(int n, int p, int k)
{
    return (size_t)k * p + k + 3 * (size_t)p * p + (size_t)n * p + 2 * (size_t)p + (size_t)k * p + k + p +
           (size_t)LWORK_PER_P * p;
}

/* Ledoit–Wolf estimate of the standardised class rows xc [n, p] (already
 * centred) into emp, full and symmetric. */
static void ledoit_wolf(double *xc, int n, int p, double *emp, double *mean)
{
    /* ledoit_wolf centres again; the column means are rounding noise here,
     * but subtracting them keeps every bit as scikit-learn has it. */
    for (int j = 0; j < p; j++) mean[j] = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < p; j++) mean[j] += xc[(size_t)i * p + j];
    for (int j = 0; j < p; j++) mean[j] /= n;
    double beta_ = 0;
    for (int i = 0; i < n; i++) {
        double r = 0;
        for (int j = 0; j < p; j++) {
            double v = xc[(size_t)i * p + j] -= mean[j];
            r += v * v;
        }
        beta_ += r * r;
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, p, n, 1.0 / n, xc, p, 0.0, emp, p);
    for (int a = 0; a < p; a++)
        for (int b = 0; b < a; b++) emp[(size_t)a * p + b] = emp[(size_t)b * p + a];
    double trace = 0, delta_ = 0;
    for (int a = 0; a < p; a++) trace += emp[(size_t)a * p + a];
    for (size_t i = 0; i < (size_t)p * p; i++) delta_ += emp[i] * emp[i];
    double mu = trace / p;
    double beta = (beta_ / n - delta_) / ((double)p * n);
    double delta = (delta_ - 2.0 * mu * trace + p * mu * mu) / p;
    if (beta > delta) beta = delta;
    double shrink = beta == 0 ? 0 : beta / delta;
    for (size_t i = 0; i < (size_t)p * p; i++) emp[i] *= 1 - shrink;
    for (int a = 0; a < p; a++) emp[(size_t)a * p + a] += shrink * mu;
}

/* W = Sigma^+ M' by eigen-decomposition (Sigma in w.cov2 is overwritten). */
static int pinv_solve(lda_ws *w, int p, int k)
{
    int info, lwork = LWORK_PER_P * p;
    memcpy(w->cov2, w->cov, sizeof(double) * (size_t)p * p);
    dsyev_("V", "L", &p, w->cov2, &p, w->eig, w->work, &lwork, &info);
    if (info != 0) return -1;
    double top = fabs(w->eig[p - 1]), cut = top * p * DBL_EPSILON;
    /* cov2 holds the eigenvectors as columns (column-major): row-major
     * cov2[j * p + a] is component a of eigenvector j. */
    for (int c = 0; c < k; c++) {
        double *out = w->coef + (size_t)c * p;
        const double *m = w->means + (size_t)c * p;
        memset(out, 0, sizeof(double) * (size_t)p);
        for (int j = 0; j < p; j++) {
            if (!(w->eig[j] > cut)) continue;
            const double *v = w->cov2 + (size_t)j * p;
            double d = 0;
            for (int a = 0; a < p; a++) d += v[a] * m[a];
            d /= w->eig[j];
            for (int a = 0; a < p; a++) out[a] += d * v[a];
        }
    }
    return 0;
}

static int lda_fit(double *ws, const double *x, const int *y, int n, int p, int k)
{
    lda_ws w = carve(ws, n, p, k);
    memset(w.means, 0, sizeof(double) * (size_t)k * p);
    memset(w.counts, 0, sizeof(double) * (size_t)k);
    for (int i = 0; i < n; i++) {
        if (y[i] < 0 || y[i] >= k) return -1;
        w.counts[y[i]] += 1;
        for (int j = 0; j < p; j++) w.means[(size_t)y[i] * p + j] += x[(size_t)i * p + j];
    }
    for (int c = 0; c < k; c++) {
        if (w.counts[c] < 1) return -1;
        for (int j = 0; j < p; j++) w.means[(size_t)c * p + j] /= w.counts[c];
    }
    memset(w.cov, 0, sizeof(double) * (size_t)p * p);
    for (int c = 0; c < k; c++) {
        int nc = 0;
        const double *m = w.means + (size_t)c * p;
        for (int i = 0; i < n; i++)
            if (y[i] == c) {
                double *row = w.xc + (size_t)nc++ * p;
                for (int j = 0; j < p; j++) row[j] = x[(size_t)i * p + j] - m[j];
            }
        /* StandardScaler: the population standard deviation, 1 where the
         * column is constant up to rounding (_is_constant_feature). */
        for (int j = 0; j < p; j++) {
            double var = 0;
            for (int i = 0; i < nc; i++) var += w.xc[(size_t)i * p + j] * w.xc[(size_t)i * p + j];
            var /= nc;
            double bound = nc * DBL_EPSILON * var + (nc * m[j] * DBL_EPSILON) * (nc * m[j] * DBL_EPSILON);
            w.scale[j] = var <= bound ? 1.0 : sqrt(var);
        }
        for (int i = 0; i < nc; i++)
            for (int j = 0; j < p; j++) w.xc[(size_t)i * p + j] /= w.scale[j];
        ledoit_wolf(w.xc, nc, p, w.emp, w.mean);
        double prior = w.counts[c] / n;
        for (int a = 0; a < p; a++)
            for (int b = 0; b < p; b++)
                w.cov[(size_t)a * p + b] += prior * w.scale[a] * w.emp[(size_t)a * p + b] * w.scale[b];
    }
    /* Cholesky: Sigma is symmetric, so row- or column-major is the same;
     * the label means [k, p] row-major are M' [p, k] column-major. */
    int info, nrhs = k;
    memcpy(w.cov2, w.cov, sizeof(double) * (size_t)p * p);
    memcpy(w.coef, w.means, sizeof(double) * (size_t)k * p);
    dposv_("L", &p, &nrhs, w.cov2, &p, w.coef, &p, &info);
    if (info != 0 && pinv_solve(&w, p, k)) return -1;
    for (int c = 0; c < k; c++) {
        double d = 0;
        for (int j = 0; j < p; j++) d += w.means[(size_t)c * p + j] * w.coef[(size_t)c * p + j];
        w.intercept[c] = -0.5 * d + log(w.counts[c] / n);
    }
    return 0;
}

static void lda_scores(const double *ws, const double *x, int n, int p, int k, double *out)
{
    const double *coef = ws, *intercept = ws + (size_t)k * p;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, k, p, 1.0, x, p, coef, p, 0.0, out, k);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < k; c++) out[(size_t)i * k + c] += intercept[c];
}

const decode_classifier decode_lda = {"lda", 0, lda_workspace, lda_fit, lda_scores};
