/* ica_infomax.c — (extended) infomax ICA on white data (include/cajal/ica.h):
 * Bell & Sejnowski 1995 in Amari, Cichocki & Yang's 1996 natural-gradient
 * form, extended to sub-Gaussian sources by Lee, Girolami & Sejnowski
 * 1999, with the block size, annealing and stopping rule of EEGLAB's
 * runica as MNE's infomax has them. Every product is a BLAS call; all
 * buffers are allocated once before the first pass. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rng.h"
#include "ica_common.h"

/* runica/MNE constants */
#define MAX_WEIGHT 1e8     /* a weight this large: blown up, restart */
#define RESTART_FAC 0.9    /* learning rate after a restart */
#define MIN_LRATE 1e-10
#define ANNEAL_DEG 60.0    /* anneal when the pass's change turns more than this */
#define ANNEAL_STEP 0.9
#define BLOWUP 1e4         /* a pass changing the weights this much halves the rate */
#define BLOWUP_FAC 0.5
#define N_SMALL_ANGLE 20   /* passes in a row without annealing that end the run */
#define KURT_SIZE 6000
#define EXT_MOMENTUM 0.5
#define SIGNS_BIAS 0.02
#define SIGNCOUNT_THRESHOLD 25
#define SIGNCOUNT_STEP 2

typedef struct {
    int k, block, ks;
    int *perm;
    float *zb, *u, *y, *a, *b; /* [block, k] x3, [k, k] x2 */
    float *kz, *ku;            /* [ks, k] x2 */
    double *W, *Wold, *delta, *olddelta; /* [k, k] each */
    float *Wf, *bf;            /* float copies of W and the bias for the products */
    double *bias, *signs, *oldsigns, *oldkurt, *kurt, *skew, *ysum; /* [k] each */
    double *mom;               /* [4k]: the moments' scratch */
} work;

static void work_free(work *w)
{
    free(w->perm), free(w->zb), free(w->u), free(w->y), free(w->a), free(w->b);
    free(w->kz), free(w->ku), free(w->W), free(w->Wold), free(w->delta);
    free(w->olddelta), free(w->Wf), free(w->bf), free(w->bias), free(w->signs), free(w->oldsigns), free(w->oldkurt);
    free(w->kurt), free(w->skew), free(w->ysum), free(w->mom);
}

static int work_init(work *w, long n, int k, int block)
{
    memset(w, 0, sizeof *w);
    size_t kk = (size_t)k * k, bk = (size_t)block * k;
    w->k = k, w->block = block, w->ks = n < KURT_SIZE ? (int)n : KURT_SIZE;
    w->perm = malloc(sizeof(int) * (size_t)n);
    w->zb = malloc(sizeof(float) * bk), w->u = malloc(sizeof(float) * bk), w->y = malloc(sizeof(float) * bk);
    w->a = malloc(sizeof(float) * kk), w->b = malloc(sizeof(float) * kk), w->Wf = malloc(sizeof(float) * kk);
    w->bf = malloc(sizeof(float) * (size_t)k);
    w->kz = malloc(sizeof(float) * (size_t)w->ks * k), w->ku = malloc(sizeof(float) * (size_t)w->ks * k);
    double **dk[] = {&w->W, &w->Wold, &w->delta, &w->olddelta};
    for (size_t i = 0; i < sizeof dk / sizeof *dk; i++) *dk[i] = malloc(sizeof(double) * kk);
    double **d1[] = {&w->bias, &w->signs, &w->oldsigns, &w->oldkurt, &w->kurt, &w->skew, &w->ysum};
    for (size_t i = 0; i < sizeof d1 / sizeof *d1; i++) *d1[i] = calloc((size_t)k, sizeof(double));
    w->mom = malloc(sizeof(double) * 4 * (size_t)k);
    int ok = w->mom && w->perm && w->zb && w->u && w->y && w->a && w->b && w->Wf && w->bf && w->kz && w->ku;
    for (size_t i = 0; i < sizeof dk / sizeof *dk; i++) ok = ok && *dk[i];
    for (size_t i = 0; i < sizeof d1 / sizeof *d1; i++) ok = ok && *d1[i];
    return ok;
}

/* (Re)start: W = I, no bias, the first source sub-Gaussian (MNE's
 * n_subgauss = 1), no sign history. */
static void start(work *w, int extended)
{
    int k = w->k;
    memset(w->W, 0, sizeof(double) * (size_t)k * k);
    for (int i = 0; i < k; i++) w->W[(size_t)i * k + i] = 1;
    memcpy(w->Wold, w->W, sizeof(double) * (size_t)k * k);
    memset(w->olddelta, 0, sizeof(double) * (size_t)k * k);
    for (int i = 0; i < k; i++) {
        w->bias[i] = 0, w->oldsigns[i] = 0, w->oldkurt[i] = 0;
        w->signs[i] = extended && i == 0 ? -1 : 1;
    }
}

static void to_float(const double *a, float *f, size_t len)
{
    for (size_t i = 0; i < len; i++) f[i] = (float)a[i];
}

/* One block of rows zb [B, k]: U = Zb W^T + 1 b^T, the natural-gradient
 * step W <- W + lr M W with M from the rule, and the bias step. */
static void block_step(work *w, int B, double lr, int extended)
{
    int k = w->k;
    size_t kk = (size_t)k * k;
    float *u = w->u, *y = w->y;
    to_float(w->W, w->Wf, kk);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, k, k, 1.0f, w->zb, k, w->Wf, k, 0.0f, u, k);
    float *bf = w->bf;
    for (int j = 0; j < k; j++) bf[j] = (float)w->bias[j];
    for (int r = 0; r < B; r++) {
        float *ur = u + (size_t)r * k, *yr = y + (size_t)r * k;
        for (int j = 0; j < k; j++) ur[j] += bf[j];
        /* extended: y = tanh u; logistic: y = 1 - 2 sigma(u) (the score) */
        if (extended)
            for (int j = 0; j < k; j++) yr[j] = cj_fast_tanh(ur[j]);
        else
            for (int j = 0; j < k; j++) yr[j] = ica_logistic_score(ur[j]);
    }
    /* a = Y^T U (row i: score of source i against every u_j); then a <- M */
    float *M = w->a;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, B, 1.0f, y, k, u, k, 0.0f, M, k);
    if (extended) {
        /* M = B I - D Y^T U - U^T U, D = diag(signs)  (Lee et al. 1999, eq. 2.16, summed over the block) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, B, 1.0f, u, k, u, k, 0.0f, w->b, k);
        for (int i = 0; i < k; i++) {
            float si = (float)w->signs[i], *Mi = M + (size_t)i * k;
            const float *bi = w->b + (size_t)i * k;
            for (int j = 0; j < k; j++) Mi[j] = -si * Mi[j] - bi[j];
            Mi[i] += (float)B;
        }
    } else {
        /* M = B I + (1 - 2y)^T U  (Bell & Sejnowski 1995 eq. 17 times W^T W, Amari 1996) */
        for (int i = 0; i < k; i++) M[(size_t)i * k + i] += (float)B;
    }
    /* W <- W + lr M W: the product in float (its rounding, ~1e-7 of the
     * step, is far below the step's own sampling noise), the sum in double */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, k, k, 1.0f, M, k, w->Wf, k, 0.0f, w->b, k);
    for (size_t ij = 0; ij < kk; ij++) w->W[ij] += lr * w->b[ij];
    /* bias: the same gradient for a constant input of 1 */
    double *ys = w->ysum;
    for (int j = 0; j < k; j++) ys[j] = 0;
    for (int r = 0; r < B; r++) {
        const float *yr = y + (size_t)r * k;
        for (int j = 0; j < k; j++) ys[j] += yr[j];
    }
    for (int j = 0; j < k; j++) w->bias[j] += extended ? -2.0 * lr * ys[j] : lr * ys[j];
}

/* Kurtosis of every source on ks random samples (with replacement), smoothed
 * with the last estimate; returns how many signs changed. */
static int update_signs(work *w, const float *z, long n, cj_rng *rng)
{
    int k = w->k, ks = w->ks;
    for (int i = 0; i < ks; i++) {
        long r = ks < n ? (long)cj_rng_below(rng, (uint32_t)n) : i;
        memcpy(w->kz + (size_t)i * k, z + (size_t)r * k, sizeof(float) * (size_t)k);
    }
    to_float(w->W, w->Wf, (size_t)k * k);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ks, k, k, 1.0f, w->kz, k, w->Wf, k, 0.0f, w->ku, k);
    cj_ica_moments_scratch(w->ku, ks, k, NULL, w->skew, w->kurt, w->mom);
    int diff = 0;
    for (int j = 0; j < k; j++) {
        double kt = EXT_MOMENTUM * w->oldkurt[j] + (1 - EXT_MOMENTUM) * w->kurt[j];
        w->oldkurt[j] = kt;
        double s = kt + SIGNS_BIAS > 0 ? 1 : kt + SIGNS_BIAS < 0 ? -1 : 0;
        diff += s != w->oldsigns[j];
        w->signs[j] = w->oldsigns[j] = s;
    }
    return diff;
}

static int finite_and_small(const double *W, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!(fabs(W[i]) <= MAX_WEIGHT)) return 0; /* also NaN */
    return 1;
}

cj_status cj_ica_infomax(const float *z, long n, int k, const cj_ica_opts *o, cj_ica_progress progress, void *ctx,
                         float *Wout, cj_ica_run *run, cj_error *err)
{
    memset(run, 0, sizeof *run);
    if (k < 1 || n < 2) return cj_fail(err, CJ_ERR_SHAPE, "ica: infomax on %ld samples of %d components", n, k);
    if (o->max_iter < 1) return cj_fail(err, CJ_ERR_CONFIG, "ica: --max-iter %d is not >= 1", o->max_iter);
    int block = o->block > 0 ? o->block : (int)floor(sqrt(n / 3.0));
    if (block < 1) block = 1;
    if (block > n) return cj_fail(err, CJ_ERR_CONFIG, "ica: --block %d is more than the %ld samples", block, n);
    double tol = o->tol > 0 ? o->tol : 1e-12;
    double lr = o->lrate > 0 ? o->lrate : k > 1 ? 0.01 / log((double)k * k) : 0.01;
    int extended = o->extended;
    size_t kk = (size_t)k * k;
    work w;
    if (!work_init(&w, n, k, block)) {
        work_free(&w);
        return cj_fail(err, CJ_ERR_NOMEM, "ica: no memory for infomax on %d components", k);
    }
    run->history = calloc((size_t)o->max_iter, sizeof *run->history);
    if (!run->history) {
        work_free(&w);
        return cj_fail(err, CJ_ERR_NOMEM, "ica: no memory for the history");
    }
    cj_rng rng;
    cj_rng_seed(&rng, o->seed);
    for (long i = 0; i < n; i++) w.perm[i] = (int)i;
    start(&w, extended);
    long nblock = n / block;
    int max_iter = o->max_iter, step = 0, small = 0, ext_blocks = 1, signcount = 0;
    long blockno = 0;
    double oldchange = 0, t0 = ica_now();
    cj_status st = CJ_OK;
    while (step < max_iter) {
        cj_rng_shuffle(&rng, w.perm, (size_t)n);
        int blown = 0;
        for (long b = 0; b < nblock && !blown; b++) {
            const int *idx = w.perm + b * block;
            for (int r = 0; r < block; r++)
                memcpy(w.zb + (size_t)r * k, z + (size_t)idx[r] * k, sizeof(float) * (size_t)k);
            block_step(&w, block, lr, extended);
            blown = !finite_and_small(w.W, kk);
            blockno++;
            if (!blown && extended && ext_blocks > 0 && blockno % ext_blocks == 0) {
                signcount = update_signs(&w, z, n, &rng) ? 0 : signcount + 1;
                if (signcount >= SIGNCOUNT_THRESHOLD) ext_blocks *= SIGNCOUNT_STEP, signcount = 0;
            }
        }
        if (blown) {
            /* restart from the identity with a smaller rate (runica) */
            lr *= RESTART_FAC;
            run->restarts++;
            if (lr <= MIN_LRATE) {
                st = cj_fail(err, CJ_ERR_NUMERIC, "ica: infomax weights blew up down to learning rate %g", lr);
                break;
            }
            start(&w, extended);
            step = 0, small = 0, blockno = 1, ext_blocks = 1, signcount = 0, max_iter = o->max_iter;
            run->n_steps = 0;
            continue;
        }
        step++;
        double change = 0, dot = 0, angle = 0;
        for (size_t i = 0; i < kk; i++) {
            w.delta[i] = w.W[i] - w.Wold[i];
            change += w.delta[i] * w.delta[i];
            dot += w.delta[i] * w.olddelta[i];
        }
        if (step > 2 && change > 0 && oldchange > 0) {
            double c = dot / sqrt(change * oldchange);
            angle = acos(c > 1 ? 1 : c < -1 ? -1 : c) * 180.0 / M_PI;
        }
        memcpy(w.Wold, w.W, sizeof(double) * kk);
        int ref = 0;
        if (angle > ANNEAL_DEG) {
            lr *= ANNEAL_STEP, ref = 1, small = 0;
        } else {
            ref = step == 1;
            if (++small > N_SMALL_ANGLE) max_iter = step, run->converged = 2;
        }
        if (ref) {
            memcpy(w.olddelta, w.delta, sizeof(double) * kk);
            oldchange = change;
        }
        int sub = 0;
        for (int j = 0; j < k; j++) sub += w.signs[j] < 0;
        cj_ica_step s = {step, change, angle, lr, ica_now() - t0, extended ? sub : 0, run->restarts, 0, 0};
        run->history[run->n_steps++] = s;
        run->change = change;
        if (step > 2 && change < tol) {
            run->converged = 1;
            step = max_iter;
        } else if (change > BLOWUP) {
            lr *= BLOWUP_FAC;
        }
        if (progress && progress(ctx, &s)) {
            st = cj_fail(err, CJ_ERR_INTERRUPTED, "ica: interrupted at pass %d", step);
            break;
        }
    }
    run->iterations = run->n_steps;
    run->lrate = lr;
    if (!st) to_float(w.W, Wout, kk);
    work_free(&w);
    return st;
}
