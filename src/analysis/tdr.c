/* tdr.c — targeted dimensionality reduction (Mante, Sussillo, Shenoy &
 * Newsome 2013, Nature 503:78, Methods "Targeted dimensionality
 * reduction"; see cajal/subspace.h for the steps and conventions).
 *
 * The regression of step 2 has the same design matrix [1, F] for every
 * unit and time, so it is factorised once, [1, F] = Q R, and each time
 * step's z-scored responses Z_t [trials, units] give all units'
 * coefficients at once as R^-1 Q^T Z_t (a product and a triangular solve):
 * the QR route to least squares, as numpy.linalg.lstsq would give for a
 * full-rank design, without forming F^T F (which squares its condition
 * number) and without holding more than one time step in double. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/lapack.h"
#include "cajal/subspace.h"

/* A column whose part orthogonal to those before it is below this fraction
 * of its norm counts as dependent on them: rounding leaves ~1e-16, and a
 * design this close to singular gives coefficients that mean nothing. */
static const double RANK_TOL = 1e-9;

/* "'motion'" or "2": how messages name regressor v. */
static const char *reg_name(const cj_tdr_input *in, int v, char *buf, size_t len)
{
    if (in->names && in->names[v]) {
        char q[80];
        snprintf(buf, len, "'%s'", cj_error_quote(in->names[v], q, sizeof q));
    } else {
        snprintf(buf, len, "%d", v);
    }
    return buf;
}

/* ---- LAPACK QR with its workspace ------------------------------------ */

/* A = Q R in place (dgeqrf): a is m x n column-major, tau [n]; R is its
 * upper triangle, Q is kept as reflectors for form_q. */
static cj_status qr(double *a, int m, int n, double *tau, cj_error *err)
{
    int lwork = -1, info = 0;
    double wq = 0.0;
    dgeqrf_(&m, &n, a, &m, tau, &wq, &lwork, &info);
    if (info) return cj_fail(err, CJ_ERR_NUMERIC, "tdr: dgeqrf workspace query failed (info %d)", info);
    lwork = (int)wq + 1;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    if (!work) return cj_fail(err, CJ_ERR_NOMEM, "tdr: no memory for QR's workspace (%d doubles)", lwork);
    dgeqrf_(&m, &n, a, &m, tau, work, &lwork, &info);
    free(work);
    if (info) return cj_fail(err, CJ_ERR_NUMERIC, "tdr: dgeqrf failed on a %d x %d matrix (info %d)", m, n, info);
    return CJ_OK;
}

/* Overwrite qr's output with the m x n Q (dorgqr). */
static cj_status form_q(double *a, int m, int n, const double *tau, cj_error *err)
{
    int lwork = -1, info = 0;
    double wq = 0.0;
    dorgqr_(&m, &n, &n, a, &m, tau, &wq, &lwork, &info);
    lwork = (int)wq + 1;
    double *work = info ? NULL : malloc(sizeof(double) * (size_t)lwork);
    if (!info && !work) return cj_fail(err, CJ_ERR_NOMEM, "tdr: no memory for dorgqr's workspace");
    if (!info) dorgqr_(&m, &n, &n, a, &m, tau, work, &lwork, &info);
    free(work);
    if (info) return cj_fail(err, CJ_ERR_NUMERIC, "tdr: dorgqr failed on a %d x %d matrix (info %d)", m, n, info);
    return CJ_OK;
}

/* ---- arguments ------------------------------------------------------- */

static cj_status check_order(const cj_tdr_input *in, cj_error *err)
{
    if (!in->order) return CJ_OK;
    const int nr = in->n_regressors;
    for (int j = 0; j < nr; j++) {
        int v = in->order[j];
        if (v < 0 || v >= nr)
            return cj_fail(err, CJ_ERR_ARG, "tdr: order[%d] = %d, expected a regressor 0 to %d", j, v, nr - 1);
        for (int i = 0; i < j; i++)
            if (in->order[i] == v)
                return cj_fail(err, CJ_ERR_ARG, "tdr: order lists regressor %d twice (order[%d] and order[%d])", v,
                               i, j);
    }
    return CJ_OK;
}

static cj_status check_input(const cj_tdr_input *in, cj_error *err)
{
    if (!in || !in->x || !in->regressors || !in->condition)
        return cj_fail(err, CJ_ERR_ARG, "tdr: x, regressors or condition is NULL");
    if (in->trials < 1 || in->T < 1 || in->units < 1)
        return cj_fail(err, CJ_ERR_ARG, "tdr: responses [%d, %d, %d], expected every size >= 1", in->trials, in->T,
                       in->units);
    const int nr = in->n_regressors;
    if (nr < 1) return cj_fail(err, CJ_ERR_ARG, "tdr: %d regressors, expected at least 1", nr);
    if (in->trials <= nr + 1) {
        char last[96];
        return cj_fail(err, CJ_ERR_ARG,
                       "tdr: %d trials are too few for %d regressors (the last %s) and an intercept: need at "
                       "least %d",
                       in->trials, nr, reg_name(in, nr - 1, last, sizeof last), nr + 2);
    }
    if (nr > in->units)
        return cj_fail(err, CJ_ERR_ARG, "tdr: %d regressors but %d units: there are at most %d orthogonal axes", nr,
                       in->units, in->units);
    if (in->n_conditions < 1)
        return cj_fail(err, CJ_ERR_ARG, "tdr: %d conditions, expected at least 1", in->n_conditions);
    long long rows = (long long)in->n_conditions * in->T;
    long long most = rows - 1 < in->units ? rows - 1 : in->units;
    if (in->n_pca < 0 || in->n_pca > most)
        return cj_fail(err, CJ_ERR_ARG,
                       "tdr: n_pca = %d, expected 0 (no denoising) to %lld (the units, and the %lld conditions x "
                       "times less one)",
                       in->n_pca, most, rows);
    if (in->n_pca > 0 && in->n_pca < nr)
        return cj_fail(err, CJ_ERR_ARG,
                       "tdr: n_pca = %d is below the %d regressors: their denoised axes could not be independent",
                       in->n_pca, nr);
    for (int k = 0; k < in->trials; k++)
        for (int v = 0; v < nr; v++)
            if (!isfinite(in->regressors[(size_t)k * nr + v])) {
                char name[96];
                return cj_fail(err, CJ_ERR_ARG, "tdr: regressor %s is %g on trial %d", reg_name(in, v, name, sizeof name),
                               in->regressors[(size_t)k * nr + v], k);
            }
    return check_order(in, err);
}

/* ---- step 1: z-scoring ------------------------------------------------ */

/* Mean and sd (divisor trials * T) of every unit over all trials and
 * times. A unit whose sd is below 1e-10 of its mean only differs by the
 * rounding of the mean (float data cannot vary that little) and gets
 * sd 0: it is constant, and its z-scores are zeros. */
static cj_status unit_stats(const cj_tdr_input *in, double *mean, double *sd, cj_error *err)
{
    const int U = in->units;
    const size_t n = (size_t)in->trials * in->T;
    memset(mean, 0, sizeof(double) * U);
    memset(sd, 0, sizeof(double) * U);
    for (size_t r = 0; r < n; r++)
        for (int u = 0; u < U; u++) {
            float v = in->x[r * U + u];
            if (!isfinite(v))
                return cj_fail(err, CJ_ERR_ARG, "tdr: x[%zu, %zu, %d] (trial, time, unit) = %g is not finite",
                               r / in->T, r % in->T, u, v);
            mean[u] += v;
        }
    for (int u = 0; u < U; u++) mean[u] /= (double)n;
    for (size_t r = 0; r < n; r++)
        for (int u = 0; u < U; u++) {
            double d = in->x[r * U + u] - mean[u];
            sd[u] += d * d;
        }
    for (int u = 0; u < U; u++) {
        sd[u] = sqrt(sd[u] / (double)n);
        if (sd[u] <= 1e-10 * fabs(mean[u])) sd[u] = 0.0;
    }
    return CJ_OK;
}

static double zscore(double v, double mean, double sd) { return sd > 0.0 ? (v - mean) / sd : 0.0; }

/* ---- step 2: the regression ------------------------------------------- */

/* The design [1, F] (trials x p, column-major) into q, factorised, with R
 * copied out row-major into r (p x p). A column that depends on those
 * before it names its regressor: the intercept comes first, so a constant
 * regressor is the one caught. */
static cj_status design_factor(const cj_tdr_input *in, double *q, double *r, double *tau, double *colnorm,
                               cj_error *err)
{
    const int m = in->trials, nr = in->n_regressors, p = nr + 1;
    for (int k = 0; k < m; k++) q[k] = 1.0;
    for (int v = 0; v < nr; v++) {
        double ss = 0.0;
        for (int k = 0; k < m; k++) {
            double f = in->regressors[(size_t)k * nr + v];
            q[(size_t)(v + 1) * m + k] = f;
            ss += f * f;
        }
        colnorm[v + 1] = sqrt(ss);
    }
    cj_status st = qr(q, m, p, tau, err);
    if (st) return st;
    for (int j = 1; j < p; j++)
        if (!(fabs(q[(size_t)j * m + j]) > RANK_TOL * colnorm[j])) {
            char name[96];
            const double *f = in->regressors + (j - 1);
            int constant = 1;
            for (int k = 1; k < m && constant; k++) constant = f[(size_t)k * nr] == f[0];
            if (constant)
                return cj_fail(err, CJ_ERR_ARG,
                               "tdr: regressor %s is %g on all %d trials: constant, it cannot be told apart from "
                               "the intercept (rank-deficient design)",
                               reg_name(in, j - 1, name, sizeof name), f[0], m);
            return cj_fail(err, CJ_ERR_ARG,
                           "tdr: regressor %s is a linear combination of the intercept and the regressors before "
                           "it (rank-deficient design)",
                           reg_name(in, j - 1, name, sizeof name));
        }
    for (int i = 0; i < p; i++)
        for (int j = 0; j < p; j++) r[i * p + j] = j >= i ? q[(size_t)j * m + i] : 0.0;
    return CJ_OK;
}

/* The design's Q (trials x p, column-major) into q and R (p x p,
 * row-major) into r. */
static cj_status design_qr(const cj_tdr_input *in, double *q, double *r, cj_error *err)
{
    const int m = in->trials, p = in->n_regressors + 1;
    double *tau = malloc(sizeof(double) * 2 * p), *colnorm = tau + p;
    if (!tau) return cj_fail(err, CJ_ERR_NOMEM, "tdr: no memory for %d reflectors", p);
    cj_status st = design_factor(in, q, r, tau, colnorm, err);
    if (!st) st = form_q(q, m, p, tau, err);
    free(tau);
    return st;
}

/* beta_t = R^-1 Q^T Z_t for every time step t. */
static cj_status regress(const cj_tdr_input *in, cj_tdr *out, cj_error *err)
{
    const int m = in->trials, T = in->T, U = in->units, nr = in->n_regressors, p = nr + 1;
    double *q = malloc(sizeof(double) * (size_t)m * p), *r = malloc(sizeof(double) * p * p);
    double *z = malloc(sizeof(double) * (size_t)m * U), *c = malloc(sizeof(double) * (size_t)p * U);
    cj_status st = q && r && z && c ? CJ_OK
                                    : cj_fail(err, CJ_ERR_NOMEM, "tdr: no memory for the regression (%d trials x %d "
                                                                 "units)", m, U);
    if (!st) st = design_qr(in, q, r, err);
    for (int t = 0; !st && t < T; t++) {
        for (int k = 0; k < m; k++) {
            const float *xs = in->x + ((size_t)k * T + t) * U;
            for (int u = 0; u < U; u++) z[(size_t)k * U + u] = zscore(xs[u], out->unit_mean[u], out->unit_sd[u]);
        }
        /* Q, column-major trials x p, is row-major Q^T [p, trials]. */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, p, U, m, 1.0, q, m, z, U, 0.0, c, U);
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, p, U, 1.0, r, p, c, U);
        memcpy(out->intercept + (size_t)t * U, c, sizeof(double) * U);
        for (int v = 0; v < nr; v++)
            memcpy(out->beta + ((size_t)v * T + t) * U, c + (size_t)(v + 1) * U, sizeof(double) * U);
    }
    free(q), free(r), free(z), free(c);
    return st;
}

/* ---- steps 3-4: denoising and the maxima ------------------------------ */

/* The z-scored condition averages, rows conditions x time. */
static cj_status condition_means(const cj_tdr_input *in, cj_tdr *out, cj_error *err)
{
    cj_status st = cj_condition_average(in->x, in->trials, in->T, in->units, in->condition, in->n_conditions,
                                        out->cond_mean, NULL, err);
    if (st) return st;
    const size_t rows = (size_t)in->n_conditions * in->T;
    for (size_t i = 0; i < rows; i++)
        for (int u = 0; u < in->units; u++) {
            double *v = out->cond_mean + i * in->units + u;
            *v = zscore(*v, out->unit_mean[u], out->unit_sd[u]);
        }
    return CJ_OK;
}

/* beta_pca = V^T V beta with V [n_pca, units] the top components: every
 * regressor and time at once, as two products. */
static cj_status denoise(const cj_tdr_input *in, cj_tdr *out, cj_error *err)
{
    const int U = in->units, n = in->n_regressors * in->T, k = in->n_pca;
    if (k == 0) {
        memcpy(out->beta_pca, out->beta, sizeof(double) * (size_t)n * U);
        return CJ_OK;
    }
    cj_pca pca;
    cj_status st = cj_pca_fit_f64(&pca, out->cond_mean, (size_t)in->n_conditions * in->T, U, k, err);
    if (st) return st;
    double *c = malloc(sizeof(double) * (size_t)n * k);
    if (!c) {
        cj_pca_free(&pca);
        return cj_fail(err, CJ_ERR_NOMEM, "tdr: no memory for %d x %d PCA coordinates", n, k);
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, k, U, 1.0, out->beta, U, pca.components, U, 0.0, c, k);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, U, k, 1.0, c, k, pca.components, U, 0.0,
                out->beta_pca, U);
    free(c);
    cj_pca_free(&pca);
    return CJ_OK;
}

/* Norms over time, their maxima, and the angles between the beta_max. */
static void maxima(const cj_tdr_input *in, cj_tdr *out)
{
    const int U = in->units, T = in->T, nr = in->n_regressors;
    for (int v = 0; v < nr; v++) {
        int best = 0;
        for (int t = 0; t < T; t++) {
            const double *b = out->beta_pca + ((size_t)v * T + t) * U;
            double nv = cblas_dnrm2(U, b, 1);
            out->norms[v * T + t] = nv;
            if (nv > out->norms[v * T + best]) best = t;
        }
        out->t_max[v] = best;
        memcpy(out->beta_max + (size_t)v * U, out->beta_pca + ((size_t)v * T + best) * U, sizeof(double) * U);
    }
    for (int a = 0; a < nr; a++)
        for (int b = 0; b < nr; b++) {
            const double *x = out->beta_max + (size_t)a * U, *y = out->beta_max + (size_t)b * U;
            double nx = cblas_dnrm2(U, x, 1), ny = cblas_dnrm2(U, y, 1);
            double cs = nx > 0.0 && ny > 0.0 ? cblas_ddot(U, x, 1, y, 1) / (nx * ny) : NAN;
            if (cs > 1.0) cs = 1.0;
            if (cs < -1.0) cs = -1.0;
            out->angles[a * nr + b] = a == b ? 0.0 : acos(cs) * (180.0 / M_PI);
        }
}

/* ---- steps 5-6: orthogonal axes and projections ------------------------ */

static cj_status orthogonalise(const cj_tdr_input *in, cj_tdr *out, cj_error *err)
{
    const int U = in->units, nr = in->n_regressors;
    /* Rows of a row-major [nr, U] are the columns of a column-major U x nr. */
    double *a = malloc(sizeof(double) * (size_t)nr * U), *tau = malloc(sizeof(double) * 3 * nr);
    double *sign = tau + nr, *norm = tau + 2 * nr;
    if (!a || !tau) {
        free(a), free(tau);
        return cj_fail(err, CJ_ERR_NOMEM, "tdr: no memory for %d axes of %d units", nr, U);
    }
    for (int j = 0; j < nr; j++) {
        int v = in->order ? in->order[j] : j;
        memcpy(a + (size_t)j * U, out->beta_max + (size_t)v * U, sizeof(double) * U);
        norm[j] = cblas_dnrm2(U, a + (size_t)j * U, 1);
    }
    cj_status st = qr(a, U, nr, tau, err);
    for (int j = 0; !st && j < nr; j++) {
        int v = in->order ? in->order[j] : j;
        double rjj = a[(size_t)j * U + j];
        char name[96];
        if (!(norm[j] > 0.0))
            st = cj_fail(err, CJ_ERR_ARG, "tdr: regressor %s has beta_max = 0: no unit's response depends on it",
                         reg_name(in, v, name, sizeof name));
        else if (!(fabs(rjj) > RANK_TOL * norm[j]))
            st = cj_fail(err, CJ_ERR_ARG,
                         "tdr: the beta_max of regressor %s lies in the span of those before it in the order",
                         reg_name(in, v, name, sizeof name));
        sign[j] = rjj < 0.0 ? -1.0 : 1.0;
    }
    if (!st) st = form_q(a, U, nr, tau, err);
    for (int j = 0; !st && j < nr; j++) {
        int v = in->order ? in->order[j] : j;
        double *axis = out->axes + (size_t)v * U;
        for (int u = 0; u < U; u++) axis[u] = sign[j] * a[(size_t)j * U + u];
    }
    free(a), free(tau);
    return st;
}

/* ---- the whole analysis ------------------------------------------------ */

static cj_status allocate(const cj_tdr_input *in, cj_tdr *out, cj_error *err)
{
    const size_t U = in->units, T = in->T, nr = in->n_regressors, C = in->n_conditions;
    out->n_regressors = in->n_regressors, out->T = in->T, out->units = in->units;
    out->n_conditions = in->n_conditions, out->n_pca = in->n_pca;
    out->unit_mean = malloc(sizeof(double) * U);
    out->unit_sd = malloc(sizeof(double) * U);
    out->beta = malloc(sizeof(double) * nr * T * U);
    out->intercept = malloc(sizeof(double) * T * U);
    out->beta_pca = malloc(sizeof(double) * nr * T * U);
    out->norms = malloc(sizeof(double) * nr * T);
    out->t_max = malloc(sizeof(int) * nr);
    out->beta_max = malloc(sizeof(double) * nr * U);
    out->angles = malloc(sizeof(double) * nr * nr);
    out->axes = malloc(sizeof(double) * nr * U);
    out->cond_mean = malloc(sizeof(double) * C * T * U);
    out->projections = malloc(sizeof(double) * C * T * nr);
    if (!out->unit_mean || !out->unit_sd || !out->beta || !out->intercept || !out->beta_pca || !out->norms ||
        !out->t_max || !out->beta_max || !out->angles || !out->axes || !out->cond_mean || !out->projections)
        return cj_fail(err, CJ_ERR_NOMEM, "tdr: no memory for the results (%zu regressors x %zu times x %zu units)",
                       nr, T, U);
    return CJ_OK;
}

cj_status cj_tdr_run(const cj_tdr_input *in, cj_tdr *out, cj_error *err)
{
    if (!out) return cj_fail(err, CJ_ERR_ARG, "tdr: out is NULL");
    memset(out, 0, sizeof *out);
    cj_status st = check_input(in, err);
    if (!st) st = allocate(in, out, err);
    if (!st) st = unit_stats(in, out->unit_mean, out->unit_sd, err);
    if (!st) st = condition_means(in, out, err);
    if (!st) st = regress(in, out, err);
    if (!st) st = denoise(in, out, err);
    if (!st) maxima(in, out);
    if (!st) st = orthogonalise(in, out, err);
    if (!st) {
        /* projections [C x T, nr] = cond_mean [C x T, U] . axes^T [U, nr] */
        const int rows = in->n_conditions * in->T;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, in->n_regressors, in->units, 1.0, out->cond_mean,
                    in->units, out->axes, in->units, 0.0, out->projections, in->n_regressors);
    }
    if (st) cj_tdr_free(out);
    return st;
}

void cj_tdr_free(cj_tdr *tdr)
{
    if (!tdr) return;
    free(tdr->unit_mean), free(tdr->unit_sd), free(tdr->beta), free(tdr->intercept), free(tdr->beta_pca);
    free(tdr->norms), free(tdr->t_max), free(tdr->beta_max), free(tdr->angles), free(tdr->axes);
    free(tdr->cond_mean), free(tdr->projections);
    memset(tdr, 0, sizeof *tdr);
}
