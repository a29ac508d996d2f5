/* ica_picard.c — Picard (include/cajal/ica.h): the objectives of extended
 * infomax and of FastICA, minimised by L-BFGS preconditioned with a
 * sparse Hessian approximation instead of by natural-gradient steps or
 * the fixed-point iteration (Ablin, Cardoso & Gramfort 2018, IEEE Trans
 * Signal Process 66:4040, "Picard"; and 2018, ICASSP, "Picard-O", the
 * orthogonal version whose fixed points are FastICA's). On real data,
 * where the ICA model holds only roughly, both classic algorithms slow
 * down along the nearly Gaussian directions; the quasi-Newton steps do not.
 *
 * With y = W z the sources of white data z and psi = tanh (log cosh as
 * the contrast), one evaluation of a W computes, over all samples in
 * blocks of rows, everything the next step needs:
 *   G_ij = E[psi(y_i) y_j]        (one product per block beside y = z W^T)
 *   E[psi'(y_i)], E[y_i^2], E[log cosh y_i]
 *   H_ij = E[psi'(y_i) y_j^2]     (not orthogonal only: a third product)
 * Extended signs s_i = sign(E[psi'] E[y^2] - E[psi(y) y]) pick a super-
 * (+1) or sub-Gaussian (-1) density per source (Ablin et al. 2018, Sec. V;
 * Lee et al. 1999's switching rule with this moment).
 *   orthogonal (fastica):  loss = sum_i s_i E[log cosh y_i], W W^T = I,
 *     relative gradient the skew part of diag(s) G, Hessian pair
 *     h_ij = (s_i E psi'_i + s_j E psi'_j - s_i G_ii - s_j G_jj) / 2,
 *     steps W <- Cayley(alpha D) W (an orthogonal retraction).
 *   general (infomax):     loss = -log|det W| + sum_i (s_i E[log cosh y_i]
 *     + E[y_i^2] / 2), the extended-infomax likelihood (psi = y +- tanh y),
 *     gradient diag(s) G + W W^T - I, pairs [[h_ij, 1], [1, h_ji]] with
 *     h_ij = s_i H_ij + E[y_j^2], steps W <- (I + alpha D) W.
 * Pairs whose approximation has an eigenvalue below 0.01 are shifted up
 * to it; a memory of 20 steps (Picard's default is 7: the same progress
 * here, docs/benchmarks.md); a backtracking line search that halves the
 * step up to 10 times, then falls back to the gradient, and stops the run
 * when that does not lower the loss either (the loss has reached the
 * precision of its sums). Steps are capped (MAX_TURN) and a coarse stage
 * comes first (below). Stops when max |gradient| < tol. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clones.h"
#include "../core/lapack.h"
#include "ica_common.h"

enum { ROWS = 1024, MEMORY = 20, LS_TRIES = 10 };
#define LAMBDA_MIN 0.01
#define MAX_TURN 0.3
/* The coarse stage: Picard first runs on every 4th sample while that leaves
 * at least 50 per component, until its loss falls by less than 1% of the
 * stage's fall in 10 iterations, then goes on from there on all samples.
 * The first iterations, far from any optimum, need no more samples than
 * that; on the 100,000 natural-image patches this reaches the same loss in
 * about 60% of the full-data passes (docs/benchmarks.md). */
#define COARSE_STRIDE 4
#define COARSE_PER_COMPONENT 50
#define COARSE_WINDOW 10
#define COARSE_SLOW 0.01

/* What one evaluation of W measures, as sums over the samples. */
typedef struct {
    double *G, *H;           /* [k, k]: sum psi(y_i) y_j; sum psi'(y_i) y_j^2 (H: general only) */
    double *lc, *psid, *ysq; /* [k]: sum log cosh y_i, psi'(y_i), y_i^2 */
    double logdet;           /* log |det W| (general only) */
} stats;

typedef struct {
    int k, ortho, stride; /* stride: every stride-th sample (the coarse first stage) */
    long n, n_all;        /* samples used, and all of them */
    const float *z;
    float *u, *t, *pd, *sq, *Wf, *Pf; /* [ROWS, k] x4; [k, k] x2 */
    stats cur, try_;
    double *W, *Wtry, *T, *A, *grad, *gold, *h, *dir, *q, *tmp; /* [k, k] each */
    double *s_mem, *y_mem, rho[MEMORY], alpha_mem[MEMORY];     /* [MEMORY, k, k] */
    double *signs;
    int *piv, n_mem;
} work;

static void stats_free(stats *s) { free(s->G), free(s->H), free(s->lc), free(s->psid), free(s->ysq); }

static int stats_init(stats *s, int k, int ortho)
{
    memset(s, 0, sizeof *s);
    size_t kk = (size_t)k * k;
    s->G = malloc(sizeof(double) * kk), s->H = ortho ? NULL : malloc(sizeof(double) * kk);
    s->lc = malloc(sizeof(double) * k), s->psid = malloc(sizeof(double) * k), s->ysq = malloc(sizeof(double) * k);
    return s->G && (ortho || s->H) && s->lc && s->psid && s->ysq;
}

static void work_free(work *w)
{
    stats_free(&w->cur), stats_free(&w->try_);
    free(w->u), free(w->t), free(w->pd), free(w->sq), free(w->Wf), free(w->Pf);
    double *d[] = {w->W, w->Wtry, w->T, w->A, w->grad, w->gold, w->h, w->dir, w->q, w->tmp, w->s_mem, w->y_mem, w->signs};
    for (size_t i = 0; i < sizeof d / sizeof *d; i++) free(d[i]);
    free(w->piv);
}

static int work_init(work *w, const float *z, long n, int k, int ortho)
{
    memset(w, 0, sizeof *w);
    w->k = k, w->n = w->n_all = n, w->z = z, w->ortho = ortho, w->stride = 1;
    size_t kk = (size_t)k * k, rk = (size_t)ROWS * k;
    int ok = stats_init(&w->cur, k, ortho) & stats_init(&w->try_, k, ortho);
    w->u = malloc(sizeof(float) * rk), w->t = malloc(sizeof(float) * rk);
    if (!ortho) w->pd = malloc(sizeof(float) * rk), w->sq = malloc(sizeof(float) * rk);
    w->Wf = malloc(sizeof(float) * kk), w->Pf = malloc(sizeof(float) * kk);
    double **d[] = {&w->W, &w->Wtry, &w->T, &w->A, &w->grad, &w->gold, &w->h, &w->dir, &w->q, &w->tmp};
    for (size_t i = 0; i < sizeof d / sizeof *d; i++) ok = ok && (*d[i] = malloc(sizeof(double) * kk));
    w->s_mem = malloc(sizeof(double) * MEMORY * kk), w->y_mem = malloc(sizeof(double) * MEMORY * kk);
    w->signs = malloc(sizeof(double) * k), w->piv = malloc(sizeof(int) * k);
    return ok && w->u && w->t && (ortho || (w->pd && w->sq)) && w->Wf && w->Pf && w->s_mem && w->y_mem && w->signs &&
           w->piv;
}

/* Over nb rows of k sources u: t = tanh u and the per-source sums of
 * log cosh u = |u| + log(1 + e^{-2|u|}) - log 2, 1 - tanh^2 u and u^2
 * (in double: the line search compares losses that differ in the ninth
 * digit). One exp and one log per element, both from e^{-2|u|}. */
CJ_TARGET_CLONES static void contrast_rows(const float *restrict u, int nb, int k, float *restrict t,
                                           double *restrict lc, double *restrict psid, double *restrict ysq)
{
    for (int r = 0; r < nb; r++) {
        const float *restrict ur = u + (size_t)r * k;
        float *restrict tr = t + (size_t)r * k;
        for (int j = 0; j < k; j++) {
            float y = ur[j], a = fabsf(y), e = cj_fast_exp(-2.0f * a);
            float th = (1.0f - e) / (1.0f + e);
            th = y < 0 ? -th : th;
            tr[j] = th;
            lc[j] += a + cj_fast_log_1to2(1.0f + e) - 0.693147180560f;
            psid[j] += 1.0f - th * th;
            ysq[j] += y * y;
        }
    }
}

/* psi'(u) and u^2 as matrices, for H = psi'(Y)^T Y^2 (general only). */
CJ_TARGET_CLONES static void curvature_rows(const float *restrict u, const float *restrict t, size_t m,
                                            float *restrict pd, float *restrict sq)
{
    for (size_t i = 0; i < m; i++) pd[i] = 1.0f - t[i] * t[i], sq[i] = u[i] * u[i];
}

/* The sums of s at W: y = z W^T in blocks of rows, each block's products
 * in float and added up in double. */
static void evaluate(work *w, const double *W, stats *s)
{
    int k = w->k;
    size_t kk = (size_t)k * k;
    for (size_t i = 0; i < kk; i++) w->Wf[i] = (float)W[i];
    memset(s->G, 0, sizeof(double) * kk);
    if (s->H) memset(s->H, 0, sizeof(double) * kk);
    memset(s->lc, 0, sizeof(double) * k), memset(s->psid, 0, sizeof(double) * k), memset(s->ysq, 0, sizeof(double) * k);
    for (long r0 = 0; r0 < w->n; r0 += ROWS) {
        int nb = (int)(w->n - r0 < ROWS ? w->n - r0 : ROWS);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, k, k, 1.0f, w->z + (size_t)r0 * w->stride * k,
                    w->stride * k, w->Wf, k, 0.0f, w->u, k);
        contrast_rows(w->u, nb, k, w->t, s->lc, s->psid, s->ysq);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, nb, 1.0f, w->t, k, w->u, k, 0.0f, w->Pf, k);
        for (size_t i = 0; i < kk; i++) s->G[i] += w->Pf[i];
        if (s->H) {
            curvature_rows(w->u, w->t, (size_t)nb * k, w->pd, w->sq);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, nb, 1.0f, w->pd, k, w->sq, k, 0.0f, w->Pf, k);
            for (size_t i = 0; i < kk; i++) s->H[i] += w->Pf[i];
        }
    }
}

static double loss_of(const work *w, const stats *s)
{
    double L = w->ortho ? 0 : -s->logdet;
    for (int i = 0; i < w->k; i++) L += (w->signs[i] * s->lc[i] + (w->ortho ? 0 : 0.5 * s->ysq[i])) / (double)w->n;
    return L;
}

/* log |det M| of a k x k matrix by LU; -inf when singular. */
static double log_abs_det(work *w, const double *M)
{
    int k = w->k, info = 0;
    memcpy(w->tmp, M, sizeof(double) * (size_t)k * k);
    dgetrf_(&k, &k, w->tmp, &k, w->piv, &info);
    if (info) return -INFINITY;
    double s = 0;
    for (int i = 0; i < k; i++) s += log(fabs(w->tmp[(size_t)i * k + i]));
    return s;
}

/* The signs, the relative gradient (into w->grad) and the Hessian
 * approximation (w->h) at the current statistics; returns the number of
 * sign changes. */
static int gradient(work *w, int extended)
{
    int k = w->k, changed = 0;
    double n = (double)w->n;
    stats *s = &w->cur;
    for (int i = 0; i < k; i++) {
        double sg = 1;
        if (extended) sg = s->psid[i] / n * (s->ysq[i] / n) - s->G[(size_t)i * k + i] / n >= 0 ? 1 : -1;
        changed += sg != w->signs[i];
        w->signs[i] = sg;
    }
    double *g = w->grad, *h = w->h;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) g[(size_t)i * k + j] = w->signs[i] * s->G[(size_t)i * k + j] / n;
    if (w->ortho) {
        /* h_ij = (s_i E psi'_i + s_j E psi'_j - hoff_i - hoff_j) / 2, hoff_i = s_i G_ii */
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                double v = 0.5 * (w->signs[i] * s->psid[i] / n + w->signs[j] * s->psid[j] / n - g[(size_t)i * k + i] -
                                  g[(size_t)j * k + j]);
                h[(size_t)i * k + j] = v < LAMBDA_MIN ? LAMBDA_MIN : v;
            }
        for (int i = 0; i < k; i++)
            for (int j = i; j < k; j++) {
                double a = 0.5 * (g[(size_t)i * k + j] - g[(size_t)j * k + i]);
                g[(size_t)i * k + j] = a, g[(size_t)j * k + i] = -a;
            }
        return changed;
    }
    /* general: + E[y y^T] (= W W^T on white data) from the y^2/2 term, - I */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, k, k, 1.0, w->W, k, w->W, k, 1.0, g, k);
    for (int i = 0; i < k; i++) g[(size_t)i * k + i] -= 1;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) h[(size_t)i * k + j] = w->signs[i] * s->H[(size_t)i * k + j] / n + s->ysq[j] / n;
    /* the pair (i, j), (j, i) has the block [[h_ij, 1], [1, h_ji]]: lift
     * both entries by what its smaller eigenvalue lacks of LAMBDA_MIN */
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++) {
            double a = h[(size_t)i * k + j], b = h[(size_t)j * k + i];
            double low = 0.5 * (a + b - sqrt((a - b) * (a - b) + 4));
            if (low < LAMBDA_MIN) h[(size_t)i * k + j] += LAMBDA_MIN - low, h[(size_t)j * k + i] += LAMBDA_MIN - low;
        }
    return changed;
}

/* z = H^-1 q, pair by pair (the preconditioner of the two-loop recursion). */
static void precondition(const work *w, const double *q, double *z)
{
    int k = w->k;
    const double *h = w->h;
    if (w->ortho) {
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) z[(size_t)i * k + j] = q[(size_t)i * k + j] / h[(size_t)i * k + j];
        for (int i = 0; i < k; i++)
            for (int j = i; j < k; j++) {
                double a = 0.5 * (z[(size_t)i * k + j] - z[(size_t)j * k + i]);
                z[(size_t)i * k + j] = a, z[(size_t)j * k + i] = -a;
            }
        return;
    }
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            double hij = h[(size_t)i * k + j], hji = h[(size_t)j * k + i];
            z[(size_t)i * k + j] = (hji * q[(size_t)i * k + j] - q[(size_t)j * k + i]) / (hij * hji - 1);
        }
}

static double dot(const double *a, const double *b, size_t m)
{
    double s = 0;
    for (size_t i = 0; i < m; i++) s += a[i] * b[i];
    return s;
}

/* The L-BFGS direction -H^-1 g with the memory (Nocedal & Wright, Alg. 7.4)
 * into w->dir. */
static void lbfgs_direction(work *w)
{
    size_t kk = (size_t)w->k * w->k;
    double *q = w->q;
    memcpy(q, w->grad, sizeof(double) * kk);
    for (int l = w->n_mem - 1; l >= 0; l--) {
        w->alpha_mem[l] = w->rho[l] * dot(w->s_mem + l * kk, q, kk);
        cblas_daxpy((int)kk, -w->alpha_mem[l], w->y_mem + l * kk, 1, q, 1);
    }
    precondition(w, q, w->dir);
    for (int l = 0; l < w->n_mem; l++) {
        double beta = w->rho[l] * dot(w->y_mem + l * kk, w->dir, kk);
        cblas_daxpy((int)kk, w->alpha_mem[l] - beta, w->s_mem + l * kk, 1, w->dir, 1);
    }
    for (size_t i = 0; i < kk; i++) w->dir[i] = -w->dir[i];
}

/* T = the step's transform for A = alpha D: the Cayley transform
 * (I - A/2)^-1 (I + A/2), orthogonal for skew A; or I + A. 0 when the
 * solve fails. */
static int transform(work *w, double alpha)
{
    int k = w->k, info = 0;
    size_t kk = (size_t)k * k;
    if (!w->ortho) {
        for (size_t i = 0; i < kk; i++) w->T[i] = alpha * w->dir[i];
        for (int i = 0; i < k; i++) w->T[(size_t)i * k + i] += 1;
        return 1;
    }
    /* Row-major M = I - A/2 reads column-major as M^T = I + A/2 = P, and
     * row-major P as M: dgesv solves P X = M, X = P^-1 M, which read back
     * row-major is X^T = M^T P^-T = P M^-1 = T (M and P commute). */
    for (size_t i = 0; i < kk; i++) w->A[i] = -0.5 * alpha * w->dir[i], w->T[i] = 0.5 * alpha * w->dir[i];
    for (int i = 0; i < k; i++) w->A[(size_t)i * k + i] += 1, w->T[(size_t)i * k + i] += 1;
    dgesv_(&k, &k, w->A, &k, w->piv, w->T, &k, &info);
    return info == 0;
}

/* Backtracking from alpha = 1: the first step that lowers the loss becomes
 * the current point (W, its statistics, and the step kept in w->dir).
 * Returns 1 when one did. */
static int line_search(work *w, double loss, int tries, double *new_loss, double *alpha_out)
{
    int k = w->k;
    size_t kk = (size_t)k * k;
    /* a step that turns a pair of sources by more than MAX_TURN radians is
     * a wild quasi-Newton guess (a nearly flat pair in the memory): start
     * the search at that size instead of halving down to it */
    double big = fabs(w->dir[cblas_idamax((int)kk, w->dir, 1)]);
    double alpha = big > MAX_TURN ? MAX_TURN / big : 1;
    for (int t = 0; t < tries; t++, alpha *= 0.5) {
        if (!transform(w, alpha)) continue;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, k, k, 1.0, w->T, k, w->W, k, 0.0, w->Wtry, k);
        if (!w->ortho) {
            w->try_.logdet = w->cur.logdet + log_abs_det(w, w->T);
            if (!isfinite(w->try_.logdet)) continue;
        }
        evaluate(w, w->Wtry, &w->try_);
        double L = loss_of(w, &w->try_);
        if (L < loss) {
            double *sw = w->W;
            w->W = w->Wtry, w->Wtry = sw;
            stats st = w->cur;
            w->cur = w->try_, w->try_ = st;
            for (size_t i = 0; i < kk; i++) w->dir[i] *= alpha;
            *new_loss = L, *alpha_out = alpha;
            return 1;
        }
    }
    return 0;
}

/* Adds the last step and the change of gradient to the memory (dropping
 * the oldest), unless the pair has no positive curvature. */
static void remember(work *w)
{
    size_t kk = (size_t)w->k * w->k;
    double *y = w->q;
    for (size_t i = 0; i < kk; i++) y[i] = w->grad[i] - w->gold[i];
    double sy = dot(w->dir, y, kk);
    if (!(sy > 0)) return;
    if (w->n_mem == MEMORY) {
        memmove(w->s_mem, w->s_mem + kk, sizeof(double) * (MEMORY - 1) * kk);
        memmove(w->y_mem, w->y_mem + kk, sizeof(double) * (MEMORY - 1) * kk);
        memmove(w->rho, w->rho + 1, sizeof(double) * (MEMORY - 1));
        w->n_mem--;
    }
    memcpy(w->s_mem + w->n_mem * kk, w->dir, sizeof(double) * kk);
    memcpy(w->y_mem + w->n_mem * kk, y, sizeof(double) * kk);
    w->rho[w->n_mem++] = 1 / sy;
}

/* Whether the coarse stage is over: its gradient is below tol, or its
 * loss fell by less than COARSE_SLOW of the stage's whole fall over the
 * last COARSE_WINDOW iterations, or it has used half of max_iter. */
static int coarse_over(const cj_ica_run *run, double start, int small_gradient, int max_iter)
{
    int m = run->n_steps;
    if (small_gradient || m >= max_iter / 2) return 1;
    if (m <= COARSE_WINDOW) return 0;
    double now = run->history[m - 1].loss, before = run->history[m - 1 - COARSE_WINDOW].loss;
    return before - now < COARSE_SLOW * (start - now);
}

/* From the coarse stage to all samples: the statistics at the current W
 * again, and no memory (its pairs measured another sample). */
static void to_all_samples(work *w)
{
    w->stride = 1, w->n = w->n_all, w->n_mem = 0;
    evaluate(w, w->W, &w->cur);
}

static double max_abs(const double *a, size_t m)
{
    double v = 0;
    for (size_t i = 0; i < m; i++) v = fmax(v, fabs(a[i]));
    return v;
}

cj_status cj_ica_picard(const float *z, long n, int k, const cj_ica_opts *o, int ortho, cj_ica_progress progress,
                        void *ctx, float *Wout, cj_ica_run *run, cj_error *err)
{
    memset(run, 0, sizeof *run);
    if (k < 1 || n < 2) return cj_fail(err, CJ_ERR_SHAPE, "ica: picard on %ld samples of %d components", n, k);
    if (o->max_iter < 1) return cj_fail(err, CJ_ERR_CONFIG, "ica: --max-iter %d is not >= 1", o->max_iter);
    int extended = ortho || o->extended;
    double tol = o->tol > 0 ? o->tol : CJ_ICA_PICARD_TOL;
    size_t kk = (size_t)k * k;
    work w;
    int ok = work_init(&w, z, n, k, ortho);
    run->history = calloc((size_t)o->max_iter, sizeof *run->history);
    cj_status st = CJ_OK;
    if (!ok || !run->history) {
        st = cj_fail(err, CJ_ERR_NOMEM, "ica: no memory for picard on %d components", k);
        goto done;
    }
    /* FastICA's seeded orthogonal start for the orthogonal problem (the
     * same as --solver classic); the identity, as runica's, otherwise */
    if (ortho) {
        if (!cj_ica_random_orthogonal(k, o->seed, w.W)) {
            st = cj_fail(err, CJ_ERR_NUMERIC, "ica: picard's random start is singular (seed %llu)",
                         (unsigned long long)o->seed);
            goto done;
        }
    } else {
        memset(w.W, 0, sizeof(double) * kk);
        for (int i = 0; i < k; i++) w.W[(size_t)i * k + i] = 1;
    }
    for (int i = 0; i < k; i++) w.signs[i] = 1;
    w.cur.logdet = ortho ? 0 : log_abs_det(&w, w.W);
    double t0 = ica_now();
    /* the coarse stage: every COARSE_STRIDE-th sample while there are enough */
    int coarse = n / COARSE_STRIDE >= (long)COARSE_PER_COMPONENT * k;
    if (coarse) w.stride = COARSE_STRIDE, w.n = (n + COARSE_STRIDE - 1) / COARSE_STRIDE;
    evaluate(&w, w.W, &w.cur);
    double coarse_start = coarse ? loss_of(&w, &w.cur) : 0;
    int fresh = 1; /* no previous step to remember */
    for (int it = 1; it <= o->max_iter; it++) {
        int changed = gradient(&w, extended);
        double gnorm = max_abs(w.grad, kk);
        if (coarse && !fresh && coarse_over(run, coarse_start, gnorm < tol, o->max_iter)) {
            coarse = 0, fresh = 1;
            to_all_samples(&w);
            changed = gradient(&w, extended);
            gnorm = max_abs(w.grad, kk);
        }
        if (!isfinite(gnorm)) {
            st = cj_fail(err, CJ_ERR_NUMERIC, "ica: picard iteration %d: the gradient is not finite", it);
            goto done;
        }
        run->change = gnorm;
        if (gnorm < tol && !coarse) {
            run->converged = 1;
            break;
        }
        if (!fresh) remember(&w);
        if (changed && !fresh) w.n_mem = 0; /* another density for a source: the curvature pairs no longer apply */
        fresh = 0;
        memcpy(w.gold, w.grad, sizeof(double) * kk);
        double loss = loss_of(&w, &w.cur), new_loss = loss, alpha = 0;
        lbfgs_direction(&w);
        if (!line_search(&w, loss, LS_TRIES, &new_loss, &alpha)) {
            w.n_mem = 0;
            for (size_t i = 0; i < kk; i++) w.dir[i] = -w.grad[i];
            if (!line_search(&w, loss, LS_TRIES, &new_loss, &alpha)) {
                if (coarse) { /* the subsample has given what it can: on to all samples */
                    coarse = 0, fresh = 1;
                    to_all_samples(&w);
                    it--;
                    continue;
                }
                run->converged = 3; /* no step lowers the loss any more */
                break;
            }
        }
        int sub = 0;
        for (int i = 0; i < k; i++) sub += w.signs[i] < 0;
        cj_ica_step s = {it, gnorm, 0, alpha, ica_now() - t0, sub, 0, new_loss, w.n};
        run->history[run->n_steps++] = s;
        run->iterations = it;
        if (progress && progress(ctx, &s)) {
            st = cj_fail(err, CJ_ERR_INTERRUPTED, "ica: interrupted at iteration %d", it);
            goto done;
        }
    }
    for (size_t i = 0; i < kk; i++) Wout[i] = (float)w.W[i];
done:
    work_free(&w);
    return st;
}
