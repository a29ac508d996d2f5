/* fixedpoints.c — the fixed-point search of fixedpoints.h: Levenberg–
 * Marquardt on r(x) = F(x) − x from every initial state, then
 * FixedPointFinder's merging of duplicates and removal of distance
 * outliers, then each point's Jacobian and eigen-decomposition
 * (fixedpoints_modes.c).
 *
 * The runs go in groups of points that share one batched call of the map
 * (and of the Jacobian), each point with its own damping λ, so an adapter
 * evaluates a whole group as one forward step of a batch. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/lapack.h"
#include "cajal/fixedpoints.h"
#include "cajal/rng.h"

/* Doubles of Jacobian-sized storage (three n x n per point) a group may
 * hold: 4 Mi doubles, 32 MB. */
#define GROUP_DOUBLES ((size_t)1 << 22)
/* λ beyond this means no step lowers q: the run has stalled. */
#define LAMBDA_MAX 1e30

void cj_fp_options_default(cj_fp_options *o)
{
    *o = (cj_fp_options){
        .tol_q = 1e-12,
        .tol_dq = 1e-20,
        .max_iters = 5000,
        .tol_unique = 1e-3,
        .outlier_distance_scale = 10.0,
        .noise_scale = 0.0,
        .seed = 0,
        .fd_step = 1e-5,
        .decompose = 1,
    };
}

/* fx = F(x) for `rows` states, in calls of at most max_batch. */
static void eval_map(const cj_fp_system *sys, const double *x, double *fx, size_t rows)
{
    size_t step = sys->max_batch > 0 ? (size_t)sys->max_batch : rows, n = (size_t)sys->n;
    for (size_t r0 = 0; r0 < rows; r0 += step) {
        size_t m = rows - r0 < step ? rows - r0 : step;
        sys->map(sys->user, x + r0 * n, fx + r0 * n, (int)m);
    }
}

/* Central differences: column j of point b from F(x ± h e_j), the 2n
 * perturbed states of consecutive coordinates filled into one buffer of
 * up to `cap` rows per call. The actual step is (x + h) − (x − h) as
 * rounded, so the quotient divides by the distance really taken. */
static cj_status jacobian_central(const cj_fp_system *sys, const double *x, int batch, double fd_step,
                                  double *jac, cj_error *err)
{
    const size_t n = (size_t)sys->n, total = (size_t)batch * 2 * n;
    size_t cap = sys->max_batch > 0 ? (size_t)sys->max_batch : total;
    size_t budget = GROUP_DOUBLES / (2 * n) > 2 ? GROUP_DOUBLES / (2 * n) : 2;
    if (cap > budget) cap = budget;
    if (cap > total) cap = total;
    double *xs = malloc(sizeof(double) * cap * n * 2);
    if (!xs) return cj_fail(err, CJ_ERR_NOMEM, "fixed points: no memory for central differences (%zu states)", cap);
    double *fs = xs + cap * n;
    for (size_t r0 = 0; r0 < total; r0 += cap) {
        size_t m = total - r0 < cap ? total - r0 : cap;
        for (size_t k = 0; k < m; k++) {
            size_t g = r0 + k, b = g / (2 * n), j = (g % (2 * n)) / 2;
            const double *xb = x + b * n;
            double h = fd_step * (fabs(xb[j]) > 1.0 ? fabs(xb[j]) : 1.0);
            memcpy(xs + k * n, xb, sizeof(double) * n);
            xs[k * n + j] = g % 2 == 0 ? xb[j] + h : xb[j] - h;
        }
        sys->map(sys->user, xs, fs, (int)m);
        /* Rows come in (+h, −h) pairs; a chunk boundary may split a pair,
         * so each pair is combined when its second row arrives, with the
         * first row kept from the previous chunk in the last slot. */
        for (size_t k = 0; k < m; k++) {
            size_t g = r0 + k, b = g / (2 * n), j = (g % (2 * n)) / 2;
            double *col = jac + b * n * n + j;
            if (g % 2 == 0) {
                for (size_t i = 0; i < n; i++) col[i * n] = fs[k * n + i];
                /* keep x + h in the Jacobian's slot until its partner */
                continue;
            }
            const double *xb = x + b * n;
            double h = fd_step * (fabs(xb[j]) > 1.0 ? fabs(xb[j]) : 1.0);
            double span = (xb[j] + h) - (xb[j] - h);
            for (size_t i = 0; i < n; i++) col[i * n] = (col[i * n] - fs[k * n + i]) / span;
        }
    }
    free(xs);
    return CJ_OK;
}

cj_status cj_fp_jacobian(const cj_fp_system *sys, const double *x, int batch, double fd_step, double *jac,
                         cj_error *err)
{
    if (!sys || !sys->map || sys->n < 1)
        return cj_fail(err, CJ_ERR_ARG, "fixed points: the system needs a map and a state size n >= 1");
    if (batch < 1) return cj_fail(err, CJ_ERR_ARG, "fixed points: Jacobian of batch=%d states", batch);
    if (!sys->jacobian) return jacobian_central(sys, x, batch, fd_step > 0 ? fd_step : 1e-5, jac, err);
    size_t n = (size_t)sys->n, step = sys->max_batch > 0 ? (size_t)sys->max_batch : (size_t)batch;
    for (size_t r0 = 0; r0 < (size_t)batch; r0 += step) {
        size_t m = (size_t)batch - r0 < step ? (size_t)batch - r0 : step;
        sys->jacobian(sys->user, x + r0 * n, jac + r0 * n * n, (int)m);
    }
    return CJ_OK;
}

/* ---- Levenberg–Marquardt ----------------------------------------------- */

typedef struct {
    double q, lambda, nu;
    int iters, done, need_jac;
    cj_fp_stop stop;
} run_state;

typedef struct {
    int n, cap;
    double *x, *r, *rtrial, *delta, *g;         /* [cap, n] */
    double *jac, *a;                            /* [cap, n, n]: dF/dx, then J_rᵀJ_r */
    double *chol;                               /* [n, n] */
    double *xs, *js;                            /* gathered states and Jacobians [cap, n], [cap, n, n] */
    int *idx;                                   /* [cap] */
    run_state *s;
} group;

static void group_free(group *w)
{
    free(w->x);
    free(w->jac);
    free(w->idx);
    free(w->s);
}

static cj_status group_alloc(group *w, int n, int cap, cj_error *err)
{
    memset(w, 0, sizeof *w);
    w->n = n, w->cap = cap;
    size_t vn = (size_t)cap * n, mn = vn * n;
    w->x = malloc(sizeof(double) * (6 * vn + (size_t)n * n));
    w->jac = malloc(sizeof(double) * 3 * mn);
    w->idx = malloc(sizeof(int) * cap);
    w->s = malloc(sizeof(run_state) * cap);
    if (!w->x || !w->jac || !w->idx || !w->s) {
        group_free(w);
        return cj_fail(err, CJ_ERR_NOMEM, "fixed points: no memory for %d runs of %d states", cap, n);
    }
    w->r = w->x + vn, w->rtrial = w->r + vn, w->delta = w->rtrial + vn;
    w->g = w->delta + vn, w->xs = w->g + vn, w->chol = w->xs + vn;
    w->a = w->jac + mn, w->js = w->a + mn;
    return CJ_OK;
}

static double half_sq(const double *v, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += v[i] * v[i];
    return 0.5 * s;
}

/* The Jacobians of the points that moved, gathered into one batch; then
 * J_r = dF/dx − I, A = J_rᵀJ_r and g = J_rᵀ r = ∇q for each. */
static cj_status refresh_jacobians(const cj_fp_system *sys, group *w, int count, double fd_step, cj_error *err)
{
    const int n = w->n;
    const size_t nn = (size_t)n * n;
    int m = 0;
    for (int p = 0; p < count; p++)
        if (!w->s[p].done && w->s[p].need_jac) {
            memcpy(w->xs + (size_t)m * n, w->x + (size_t)p * n, sizeof(double) * n);
            w->idx[m++] = p;
        }
    if (m == 0) return CJ_OK;
    cj_status st = cj_fp_jacobian(sys, w->xs, m, fd_step, w->js, err);
    if (st) return st;
    for (int k = 0; k < m; k++) {
        int p = w->idx[k];
        double *j = w->jac + (size_t)p * nn, *a = w->a + (size_t)p * nn;
        memcpy(j, w->js + (size_t)k * nn, sizeof(double) * nn);
        for (int i = 0; i < n; i++) j[(size_t)i * n + i] -= 1.0;
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1.0, j, n, j, n, 0.0, a, n);
        cblas_dgemv(CblasRowMajor, CblasTrans, n, n, 1.0, j, n, w->r + (size_t)p * n, 1, 0.0, w->g + (size_t)p * n,
                    1);
        run_state *s = &w->s[p];
        s->need_jac = 0;
        if (s->lambda == 0.0) {
            /* Nielsen's start: τ max_i A_ii with τ = 1e-3. */
            double dmax = 0.0;
            for (int i = 0; i < n; i++) dmax = a[(size_t)i * n + i] > dmax ? a[(size_t)i * n + i] : dmax;
            s->lambda = 1e-3 * (dmax > 0.0 ? dmax : 1.0);
        }
    }
    return CJ_OK;
}

/* δ from (A + λI) δ = −g by Cholesky; λ grows until the matrix is
 * positive definite in floating point. 0 when λ ran past LAMBDA_MAX. */
static int lm_step(group *w, int p)
{
    const int n = w->n, one = 1;
    const size_t nn = (size_t)n * n;
    run_state *s = &w->s[p];
    double *d = w->delta + (size_t)p * n;
    const double *g = w->g + (size_t)p * n;
    while (s->lambda <= LAMBDA_MAX) {
        memcpy(w->chol, w->a + (size_t)p * nn, sizeof(double) * nn);
        for (int i = 0; i < n; i++) w->chol[(size_t)i * n + i] += s->lambda, d[i] = -g[i];
        int info = 0;
        dposv_("L", &n, &one, w->chol, &n, d, &n, &info);
        if (info == 0) return 1;
        s->lambda *= s->nu;
        s->nu *= 2.0;
    }
    return 0;
}

/* One trial step for every live run of the group, the trial states
 * evaluated in one batch, each accepted or rejected by the gain ratio
 * ρ = (q − q_trial) / (L(0) − L(δ)), L(0) − L(δ) = ½ δᵀ(λδ − g), with
 * Nielsen's update: accepted, λ ← λ max(1/3, 1 − (2ρ − 1)³) and ν ← 2;
 * rejected, λ ← λ ν and ν ← 2ν. */
static void lm_iterate(const cj_fp_system *sys, group *w, int count, const cj_fp_options *o)
{
    const int n = w->n;
    int m = 0;
    for (int p = 0; p < count; p++) {
        run_state *s = &w->s[p];
        if (s->done) continue;
        if (!lm_step(w, p)) {
            s->done = 1, s->stop = CJ_FP_STOP_STALLED;
            continue;
        }
        const double *x = w->x + (size_t)p * n, *d = w->delta + (size_t)p * n;
        double *t = w->xs + (size_t)m * n;
        for (int i = 0; i < n; i++) t[i] = x[i] + d[i];
        w->idx[m++] = p;
    }
    if (m == 0) return;
    eval_map(sys, w->xs, w->rtrial, (size_t)m);
    for (int k = 0; k < m; k++) {
        int p = w->idx[k];
        run_state *s = &w->s[p];
        double *x = w->x + (size_t)p * n, *r = w->r + (size_t)p * n, *ft = w->rtrial + (size_t)k * n;
        const double *t = w->xs + (size_t)k * n, *d = w->delta + (size_t)p * n, *g = w->g + (size_t)p * n;
        for (int i = 0; i < n; i++) ft[i] -= t[i];
        double qt = half_sq(ft, n), pred = 0.0;
        for (int i = 0; i < n; i++) pred += d[i] * (s->lambda * d[i] - g[i]);
        pred *= 0.5;
        s->iters++;
        double rho = isfinite(qt) && pred > 0.0 ? (s->q - qt) / pred : -1.0;
        if (rho > 0.0) {
            double dq = s->q - qt, c = 2.0 * rho - 1.0, f = 1.0 - c * c * c;
            memcpy(x, t, sizeof(double) * n);
            memcpy(r, ft, sizeof(double) * n);
            s->q = qt;
            s->lambda *= f > 1.0 / 3.0 ? f : 1.0 / 3.0;
            s->nu = 2.0;
            s->need_jac = 1;
            if (qt < o->tol_q) s->done = 1, s->stop = CJ_FP_STOP_Q;
            else if (dq < o->tol_dq) s->done = 1, s->stop = CJ_FP_STOP_DQ;
        } else {
            s->lambda *= s->nu;
            s->nu *= 2.0;
            if (s->lambda > LAMBDA_MAX) s->done = 1, s->stop = CJ_FP_STOP_STALLED;
        }
        if (!s->done && s->iters >= o->max_iters) s->done = 1, s->stop = CJ_FP_STOP_ITERS;
    }
}

/* The runs first .. first + count − 1 of res, start to finish. */
static cj_status run_group(const cj_fp_system *sys, group *w, cj_fp_result *res, int first, int count,
                           const cj_fp_options *o, cj_error *err)
{
    const int n = w->n;
    const size_t vn = (size_t)count * n;
    memcpy(w->x, res->init + (size_t)first * n, sizeof(double) * vn);
    eval_map(sys, w->x, w->r, (size_t)count);
    for (int p = 0; p < count; p++) {
        double *r = w->r + (size_t)p * n;
        const double *x = w->x + (size_t)p * n;
        for (int i = 0; i < n; i++) r[i] -= x[i];
        run_state *s = &w->s[p];
        *s = (run_state){.q = half_sq(r, n), .nu = 2.0, .need_jac = 1};
        if (!isfinite(s->q))
            return cj_fail(err, CJ_ERR_NUMERIC, "fixed points: F is not finite at initial state %d", first + p);
        if (s->q < o->tol_q) s->done = 1, s->stop = CJ_FP_STOP_Q;
        else if (o->max_iters == 0) s->done = 1, s->stop = CJ_FP_STOP_ITERS;
    }
    for (;;) {
        int live = 0;
        for (int p = 0; p < count; p++) live += !w->s[p].done;
        if (!live) break;
        cj_status st = refresh_jacobians(sys, w, count, o->fd_step, err);
        if (st) return st;
        lm_iterate(sys, w, count, o);
    }
    memcpy(res->x_all + (size_t)first * n, w->x, sizeof(double) * vn);
    for (int p = 0; p < count; p++) {
        res->q_all[first + p] = w->s[p].q;
        res->iters_all[first + p] = w->s[p].iters;
        res->stop_all[first + p] = w->s[p].stop;
    }
    return CJ_OK;
}

/* ---- merging and outliers ---------------------------------------------- */

static double dist(const double *a, const double *b, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(s);
}

/* FixedPointFinder's FixedPoints.get_unique: keep[k] is the run kept for
 * the k-th unique point, merged[k] how many runs it stands for. */
static int unique_runs(const cj_fp_result *res, double tol, int *keep, int *merged, unsigned char *checked,
                       int *match)
{
    const int n = res->n;
    int n_keep = 0;
    memset(checked, 0, (size_t)res->n_inits);
    for (int i = 0; i < res->n_inits; i++) {
        if (checked[i]) continue;
        const double *xi = res->x_all + (size_t)i * n;
        int m = 0, best = i;
        for (int j = i; j < res->n_inits; j++)
            if (!checked[j] && dist(xi, res->x_all + (size_t)j * n, n) <= tol) match[m++] = j;
        for (int k = 0; k < m; k++) {
            if (res->q_all[match[k]] < res->q_all[best]) best = match[k];
            checked[match[k]] = 1;
        }
        keep[n_keep] = best;
        merged[n_keep++] = m;
    }
    return n_keep;
}

/* FixedPointFinder's identify_distance_non_outliers: compacts keep and
 * merged to the points within scale × (the initial states' mean distance
 * to their centroid) of that centroid; returns how many remain. */
static int drop_outliers(const cj_fp_result *res, double scale, int *keep, int *merged, int n_keep,
                         double *centroid)
{
    const int n = res->n;
    if (!(scale > 0.0)) return n_keep;
    memset(centroid, 0, sizeof(double) * n);
    for (int i = 0; i < res->n_inits; i++)
        for (int d = 0; d < n; d++) centroid[d] += res->init[(size_t)i * n + d];
    for (int d = 0; d < n; d++) centroid[d] /= res->n_inits;
    double spread = 0.0;
    for (int i = 0; i < res->n_inits; i++) spread += dist(res->init + (size_t)i * n, centroid, n);
    spread /= res->n_inits;
    if (!(spread > 0.0)) return n_keep;
    int m = 0;
    for (int k = 0; k < n_keep; k++)
        if (dist(res->x_all + (size_t)keep[k] * n, centroid, n) / spread <= scale)
            keep[m] = keep[k], merged[m++] = merged[k];
    return m;
}

/* ---- the whole search ----------------------------------------------------- */

static cj_status check_args(const cj_fp_system *sys, const double *init, int n_inits, const cj_fp_options *o,
                            cj_error *err)
{
    if (!sys || !sys->map) return cj_fail(err, CJ_ERR_ARG, "fixed points: the system has no map (F) to evaluate");
    if (sys->n < 1) return cj_fail(err, CJ_ERR_ARG, "fixed points: state size n=%d, expected at least 1", sys->n);
    if (sys->max_batch < 0)
        return cj_fail(err, CJ_ERR_ARG, "fixed points: max_batch=%d, expected 0 (no limit) or more", sys->max_batch);
    if (!o) return cj_fail(err, CJ_ERR_ARG, "fixed points: no options (cj_fp_options_default gives them)");
    if (n_inits < 1 || !init)
        return cj_fail(err, CJ_ERR_ARG, "fixed points: %d initial states, expected at least 1", n_inits);
    if (!(o->tol_q >= 0.0) || !isfinite(o->tol_q))
        return cj_fail(err, CJ_ERR_ARG, "fixed points: tol_q=%g, expected a finite value >= 0", o->tol_q);
    if (!(o->tol_dq >= 0.0) || !isfinite(o->tol_dq))
        return cj_fail(err, CJ_ERR_ARG, "fixed points: tol_dq=%g, expected a finite value >= 0", o->tol_dq);
    if (o->max_iters < 0)
        return cj_fail(err, CJ_ERR_ARG, "fixed points: max_iters=%d, expected at least 0", o->max_iters);
    if (!(o->tol_unique >= 0.0) || !isfinite(o->tol_unique))
        return cj_fail(err, CJ_ERR_ARG, "fixed points: tol_unique=%g, expected a finite value >= 0", o->tol_unique);
    if (!(o->outlier_distance_scale >= 0.0))
        return cj_fail(err, CJ_ERR_ARG, "fixed points: outlier_distance_scale=%g, expected >= 0 (0: keep all)",
                       o->outlier_distance_scale);
    if (!(o->noise_scale >= 0.0) || !isfinite(o->noise_scale))
        return cj_fail(err, CJ_ERR_ARG, "fixed points: noise_scale=%g, expected a finite value >= 0",
                       o->noise_scale);
    if (!(o->fd_step > 0.0) || !(o->fd_step < 1.0))
        return cj_fail(err, CJ_ERR_ARG, "fixed points: fd_step=%g, expected a value in (0, 1)", o->fd_step);
    for (size_t k = 0; k < (size_t)n_inits * sys->n; k++)
        if (!isfinite(init[k]))
            return cj_fail(err, CJ_ERR_ARG, "fixed points: initial state %zu, entry %zu is %g", k / sys->n,
                           k % sys->n, init[k]);
    return CJ_OK;
}

static cj_status alloc_runs(cj_fp_result *res, int n, int n_inits, cj_error *err)
{
    size_t vn = (size_t)n_inits * n;
    res->n = n, res->n_inits = n_inits;
    res->init = malloc(sizeof(double) * vn);
    res->x_all = malloc(sizeof(double) * vn);
    res->q_all = malloc(sizeof(double) * n_inits);
    res->iters_all = malloc(sizeof(int) * n_inits);
    res->stop_all = malloc(sizeof(cj_fp_stop) * n_inits);
    if (!res->init || !res->x_all || !res->q_all || !res->iters_all || !res->stop_all)
        return cj_fail(err, CJ_ERR_NOMEM, "fixed points: no memory for %d runs of %d states", n_inits, n);
    return CJ_OK;
}

/* The kept points, their Jacobians (one batched call) and modes. */
static cj_status fill_points(const cj_fp_system *sys, cj_fp_result *res, const int *keep, const int *merged,
                             int n_keep, const cj_fp_options *o, cj_error *err)
{
    const int n = res->n;
    const size_t nn = (size_t)n * n, per = (size_t)n + (o->decompose ? nn + 6 * (size_t)n : 0);
    res->n_points = n_keep;
    if (n_keep == 0) return CJ_OK;
    res->points = calloc((size_t)n_keep, sizeof(cj_fixed_point));
    res->buf = malloc(sizeof(double) * per * n_keep);
    if (!res->points || !res->buf)
        return cj_fail(err, CJ_ERR_NOMEM, "fixed points: no memory for %d points of %d states", n_keep, n);
    double *xs = res->buf, *jac = xs + (size_t)n_keep * n, *vec = jac + (size_t)n_keep * nn;
    for (int k = 0; k < n_keep; k++) {
        cj_fixed_point *p = &res->points[k];
        int run = keep[k];
        memcpy(xs + (size_t)k * n, res->x_all + (size_t)run * n, sizeof(double) * n);
        *p = (cj_fixed_point){.x = xs + (size_t)k * n, .q = res->q_all[run], .run = run, .n_merged = merged[k],
                              .iters = res->iters_all[run], .stop = res->stop_all[run]};
    }
    if (!o->decompose) return CJ_OK;
    cj_status st = cj_fp_jacobian(sys, xs, n_keep, o->fd_step, jac, err);
    for (int k = 0; !st && k < n_keep; k++) {
        cj_fixed_point *p = &res->points[k];
        double *v = vec + (size_t)k * 6 * n;
        p->jacobian = jac + (size_t)k * nn;
        p->modes = (cj_fp_modes){.re = v, .im = v + n, .right_re = v + 2 * n, .right_im = v + 3 * n,
                                 .left_re = v + 4 * n, .left_im = v + 5 * n};
        st = cj_fp_modes_compute(p->jacobian, n, &p->modes, err);
    }
    return st;
}

cj_status cj_fp_find(const cj_fp_system *sys, const double *init, int n_inits, const cj_fp_options *o,
                     cj_fp_result *res, cj_error *err)
{
    if (!res) return cj_fail(err, CJ_ERR_ARG, "fixed points: no result to fill");
    memset(res, 0, sizeof *res);
    cj_status st = check_args(sys, init, n_inits, o, err);
    if (st) return st;
    const int n = sys->n;
    if ((st = alloc_runs(res, n, n_inits, err))) return st;
    memcpy(res->init, init, sizeof(double) * n_inits * (size_t)n);
    if (o->noise_scale > 0.0) {
        cj_rng rng;
        cj_rng_seed(&rng, o->seed);
        for (size_t k = 0; k < (size_t)n_inits * n; k++) res->init[k] += o->noise_scale * cj_rng_normal(&rng);
    }

    /* Groups of runs: three n x n matrices each within GROUP_DOUBLES, and
     * no more than the map takes in one call. */
    size_t per = 3 * (size_t)n * n;
    int cap = (int)(GROUP_DOUBLES / per > 1 ? GROUP_DOUBLES / per : 1);
    if (cap > n_inits) cap = n_inits;
    if (sys->max_batch > 0 && cap > sys->max_batch) cap = sys->max_batch;
    group w;
    if ((st = group_alloc(&w, n, cap, err))) return st;
    for (int first = 0; !st && first < n_inits; first += cap)
        st = run_group(sys, &w, res, first, n_inits - first < cap ? n_inits - first : cap, o, err);
    group_free(&w);
    if (st) return st;

    int *keep = malloc(sizeof(int) * 3 * (size_t)n_inits);
    unsigned char *checked = malloc((size_t)n_inits);
    double *centroid = malloc(sizeof(double) * n);
    if (!keep || !checked || !centroid) {
        free(keep), free(checked), free(centroid);
        return cj_fail(err, CJ_ERR_NOMEM, "fixed points: no memory to merge %d runs", n_inits);
    }
    int *merged = keep + n_inits, *match = merged + n_inits;
    res->n_unique = unique_runs(res, o->tol_unique, keep, merged, checked, match);
    int n_keep = drop_outliers(res, o->outlier_distance_scale, keep, merged, res->n_unique, centroid);
    res->n_outliers = res->n_unique - n_keep;
    st = fill_points(sys, res, keep, merged, n_keep, o, err);
    free(keep), free(checked), free(centroid);
    return st;
}

void cj_fp_result_free(cj_fp_result *res)
{
    if (!res) return;
    free(res->init);
    free(res->x_all);
    free(res->q_all);
    free(res->iters_all);
    free(res->stop_all);
    free(res->points);
    free(res->buf);
    memset(res, 0, sizeof *res);
}
