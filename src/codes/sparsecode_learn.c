/* sparsecode_learn.c — dictionary learning on mini-batches (Olshausen &
 * Field 1996's alternation: infer the codes for the current atoms, then a
 * gradient step on the atoms and renormalisation), the linear unmixing
 * map and sparsity statistics. Equations in include/cajal/sparsecode.h. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/lapack.h"
#include "cajal/rng.h"
#include "cajal/sparsecode.h"

void cj_sc_normalise(float *dict, int k, int d)
{
    for (int j = 0; j < k; j++) {
        float *r = dict + (size_t)j * d;
        double s = 0;
        for (int i = 0; i < d; i++) s += (double)r[i] * r[i];
        if (s > 0) {
            float inv = (float)(1 / sqrt(s));
            for (int i = 0; i < d; i++) r[i] *= inv;
        }
    }
}

void cj_sc_dict_step(float *dict, int k, int d, const float *a, const float *r, int n, double lr, float *scratch)
{
    float *grad = scratch, *curv = scratch + (size_t)k * d;
    /* a^T r [k, d] and the diagonal of a^T a */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, n, 1.0f, a, k, r, d, 0.0f, grad, d);
    for (int j = 0; j < k; j++) curv[j] = 0;
    for (int i = 0; i < n; i++) {
        const float *ai = a + (size_t)i * k;
        for (int j = 0; j < k; j++) curv[j] += ai[j] * ai[j];
    }
    for (int j = 0; j < k; j++) {
        if (!(curv[j] > 1e-12f)) continue;
        cblas_saxpy(d, (float)(lr / curv[j]), grad + (size_t)j * d, 1, dict + (size_t)j * d, 1);
    }
    cj_sc_normalise(dict, k, d);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static cj_status check_opts(const cj_sc_opts *o, long n, int d, cj_error *err)
{
    if (o->atoms < 1 || o->atoms > 65536) return cj_fail(err, CJ_ERR_CONFIG, "sparsecode: --atoms %d is not 1 to 65536", o->atoms);
    if (!(o->lambda >= 0) || !isfinite(o->lambda))
        return cj_fail(err, CJ_ERR_CONFIG, "sparsecode: --lambda %g is not a finite number >= 0", o->lambda);
    if (o->epochs < 1) return cj_fail(err, CJ_ERR_CONFIG, "sparsecode: --epochs %d is not >= 1", o->epochs);
    if (o->batch < 1) return cj_fail(err, CJ_ERR_CONFIG, "sparsecode: --batch %d is not >= 1", o->batch);
    if (o->iters < 1) return cj_fail(err, CJ_ERR_CONFIG, "sparsecode: --iters %d is not >= 1", o->iters);
    if (!(o->tol >= 0) || !isfinite(o->tol))
        return cj_fail(err, CJ_ERR_CONFIG, "sparsecode: --tol %g is not a finite number >= 0", o->tol);
    if (!(o->code_tol >= 0) || !isfinite(o->code_tol))
        return cj_fail(err, CJ_ERR_CONFIG, "sparsecode: --code-tol %g is not a finite number >= 0", o->code_tol);
    if (!(o->lr > 0) || !isfinite(o->lr)) return cj_fail(err, CJ_ERR_CONFIG, "sparsecode: --lr %g is not > 0", o->lr);
    if (n < 1 || d < 1) return cj_fail(err, CJ_ERR_SHAPE, "sparsecode: %ld samples of %d dims", n, d);
    return CJ_OK;
}

cj_status cj_sc_learn(const float *x, long n, int d, const cj_sc_opts *o, cj_sc_progress progress, void *ctx,
                      cj_sc_model *m, cj_error *err)
{
    memset(m, 0, sizeof *m);
    cj_status st = check_opts(o, n, d, err);
    if (st) return st;
    for (size_t i = 0; i < (size_t)n * d; i++)
        if (!isfinite(x[i])) return cj_fail(err, CJ_ERR_NUMERIC, "sparsecode: sample %zu, dim %zu is not finite", i / d, i % d);
    int k = o->atoms, bs = o->batch < n ? o->batch : (int)n;
    cj_sc_work w;
    if ((st = cj_sc_work_init(&w, k, d, bs, err))) return st;
    m->k = k, m->d = d;
    m->dict = malloc(sizeof(float) * (size_t)k * d);
    m->history = calloc((size_t)o->epochs, sizeof *m->history);
    int *order = malloc(sizeof(int) * (size_t)n);
    float *xb = malloc(sizeof(float) * ((size_t)bs * d * 2 + (size_t)bs * k + (size_t)k * (d + k)));
    if (!m->dict || !m->history || !order || !xb) {
        st = cj_fail(err, CJ_ERR_NOMEM, "sparsecode: no memory for %d atoms of %d dims", k, d);
        goto done;
    }
    float *rb = xb + (size_t)bs * d, *ab = rb + (size_t)bs * d, *scratch = ab + (size_t)bs * k;
    cj_rng rng;
    cj_rng_seed(&rng, o->seed);
    cj_rng init = cj_rng_split(&rng);
    cj_rng_fill_normal(&init, m->dict, (size_t)k * d, 1.0f);
    cj_sc_normalise(m->dict, k, d);
    for (long i = 0; i < n; i++) order[i] = (int)i;
    double t0 = now();
    for (int e = 0; e < o->epochs; e++) {
        cj_rng_shuffle(&rng, order, (size_t)n);
        double obj = 0, sq = 0, xx = 0, nz = 0, its = 0, batches = 0;
        for (long s = 0; s < n; s += bs) {
            int nb = (int)(n - s < bs ? n - s : bs);
            for (int i = 0; i < nb; i++) memcpy(xb + (size_t)i * d, x + (size_t)order[s + i] * d, sizeof(float) * d);
            cj_sc_work_set_dict(&w, m->dict);
            its += cj_sc_encode(&w, m->dict, xb, nb, o->lambda, o->nonneg, o->inference, o->iters, o->tol, ab);
            batches++;
            double r2;
            obj += cj_sc_objective(m->dict, k, d, xb, nb, ab, o->lambda, rb, &r2);
            sq += r2;
            for (size_t i = 0; i < (size_t)nb * d; i++) xx += (double)xb[i] * xb[i];
            for (size_t i = 0; i < (size_t)nb * k; i++) nz += ab[i] != 0;
            cj_sc_dict_step(m->dict, k, d, ab, rb, nb, o->lr, scratch);
        }
        cj_sc_epoch *h = &m->history[e];
        h->epoch = e + 1;
        h->objective = obj / n;
        h->mse = sq / ((double)n * d);
        h->snr_db = sq > 0 ? 10 * log10(xx / sq) : INFINITY;
        h->nonzero = nz / ((double)n * k);
        h->iters = its / batches;
        h->seconds = now() - t0;
        m->n_epochs = e + 1;
        if (!isfinite(h->objective)) {
            st = cj_fail(err, CJ_ERR_NUMERIC, "sparsecode: the objective became %g in epoch %d (try a smaller --lr)",
                         h->objective, e + 1);
            goto done;
        }
        if (progress && progress(ctx, h)) {
            st = cj_fail(err, CJ_ERR_INTERRUPTED, "sparsecode: stopped after epoch %d", e + 1);
            goto done;
        }
    }
done:
    cj_sc_work_free(&w);
    free(order);
    free(xb);
    if (st) cj_sc_model_free(m);
    return st;
}

void cj_sc_model_free(cj_sc_model *m)
{
    free(m->dict);
    free(m->history);
    memset(m, 0, sizeof *m);
}

cj_status cj_sc_unmixing(const float *dict, int k, int d, float *unmixing, cj_error *err)
{
    double *g = malloc(sizeof(double) * ((size_t)k * k + k)), *ev;
    if (!g) return cj_fail(err, CJ_ERR_NOMEM, "sparsecode: no memory for the %d x %d Gram matrix", k, k);
    ev = g + (size_t)k * k;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            double s = 0;
            for (int t = 0; t < d; t++) s += (double)dict[(size_t)i * d + t] * dict[(size_t)j * d + t];
            g[(size_t)i * k + j] = s;
        }
    int lwork = -1, liwork = -1, info = 0, iw;
    double wq;
    dsyevd_("V", "U", &k, g, &k, ev, &wq, &lwork, &iw, &liwork, &info);
    lwork = (int)wq, liwork = iw;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    int *iwork = malloc(sizeof(int) * (size_t)liwork);
    if (!work || !iwork) {
        free(g), free(work), free(iwork);
        return cj_fail(err, CJ_ERR_NOMEM, "sparsecode: no memory for the eigendecomposition");
    }
    dsyevd_("V", "U", &k, g, &k, ev, work, &lwork, iwork, &liwork, &info);
    free(work), free(iwork);
    if (info) {
        free(g);
        return cj_fail(err, CJ_ERR_NUMERIC, "sparsecode: eigendecomposition of D D^T failed (LAPACK info %d)", info);
    }
    /* Column-major output of dsyevd: eigenvector c is g[c*k .. c*k+k). G^+ = sum_c v_c v_c^T / s_c. */
    double smax = ev[k - 1];
    double *pinv = malloc(sizeof(double) * (size_t)k * k);
    if (!pinv) {
        free(g);
        return cj_fail(err, CJ_ERR_NOMEM, "sparsecode: no memory for the pseudo-inverse");
    }
    memset(pinv, 0, sizeof(double) * (size_t)k * k);
    for (int c = 0; c < k; c++) {
        if (!(ev[c] > 1e-6 * smax)) continue;
        const double *v = g + (size_t)c * k;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) pinv[(size_t)i * k + j] += v[i] * v[j] / ev[c];
    }
    for (int i = 0; i < k; i++)
        for (int t = 0; t < d; t++) {
            double s = 0;
            for (int j = 0; j < k; j++) s += pinv[(size_t)i * k + j] * dict[(size_t)j * d + t];
            unmixing[(size_t)i * d + t] = (float)s;
        }
    free(pinv);
    free(g);
    return CJ_OK;
}

cj_status cj_sc_sparsity_of(const float *a, long n, int k, cj_sc_sparsity *s, cj_error *err)
{
    memset(s, 0, sizeof *s);
    s->atom_use = calloc((size_t)k, sizeof(double));
    if (!s->atom_use) return cj_fail(err, CJ_ERR_NOMEM, "sparsecode: no memory for %d atoms' use", k);
    double m2 = 0, m4 = 0, nz = 0;
    for (long i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            double v = a[(size_t)i * k + j];
            m2 += v * v, m4 += v * v * v * v;
            if (v != 0) nz++, s->atom_use[j]++;
        }
    double N = (double)n * k;
    for (int j = 0; j < k; j++) s->atom_use[j] /= n;
    s->nonzero = nz / N;
    s->rms = sqrt(m2 / N);
    s->kurtosis = m2 > 0 ? (m4 / N) / ((m2 / N) * (m2 / N)) - 3 : 0;
    return CJ_OK;
}
