/* rbm_ais.c — log Z of an RBM by annealed importance sampling (Neal 2001;
 * Salakhutdinov & Murray 2008, "On the quantitative analysis of deep
 * belief networks", sec. 3-4), from a base-rate model with the training
 * data's marginals, on their β schedule, with M independent runs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rbm.h"
#include "rbm_common.h"

#include <cblas.h>

void cj_rbm_ais_schedule(int K, double *beta)
{
    /* 500 : 4,000 : 10,000 of 14,500 (Salakhutdinov & Murray 2008, sec. 4):
     * the distributions change fastest near β = 1, where the weights are
     * nearly all there, so the steps there are finest. */
    int n1 = (int)lround(K * (500.0 / 14500.0)), n2 = (int)lround(K * (4000.0 / 14500.0));
    if (n1 < 1) n1 = 1;
    if (n2 < 1) n2 = 1;
    int n3 = K - n1 - n2;
    if (n3 < 1) n3 = 1, n2 = K - n1 - n3;
    for (int k = 0; k <= K; k++) {
        if (k <= n1) beta[k] = 0.5 * k / n1;
        else if (k <= n1 + n2) beta[k] = 0.5 + 0.4 * (k - n1) / n2;
        else beta[k] = 0.9 + 0.1 * (k - n1 - n2) / n3;
    }
    beta[K] = 1.0;
}

/* softplus in float: the per-unit terms of the log-weights are added in
 * double, so their rounding errors (about 1e-7 of a few nats) average out. */
static inline float softplus_f(float x) { return (x > 0 ? x : 0) + log1pf(expf(-fabsf(x))); }

typedef struct {
    int M, V, H;
    float *v, *x, *h, *u, *db; /* [M, V], [M, H], [M, H], [M, max(V, H)], b - b_A [V] */
    double *logw;              /* [M] */
} ais_work;

/* log w_m += log p*_k(v_m) - log p*_{k-1}(v_m), the log-ratio of the
 * unnormalised marginals of v at β_k and β_{k-1} (eq. 13 with the hidden
 * units summed out), with x = v W^T + c. */
static void add_log_ratio(ais_work *w, double b_now, double b_prev)
{
    const int V = w->V, H = w->H;
    for (int m = 0; m < w->M; m++) {
        const float *x = w->x + (size_t)m * H, *v = w->v + (size_t)m * V;
        double vdb = 0, sp = 0;
        for (int i = 0; i < V; i++) vdb += (double)v[i] * w->db[i];
        const float bn = (float)b_now, bp = (float)b_prev;
        for (int j = 0; j < H; j++) sp += (double)(softplus_f(bn * x[j]) - softplus_f(bp * x[j]));
        w->logw[m] += (b_now - b_prev) * vdb + sp;
    }
}

/* One Gibbs sweep that leaves p_k invariant: h ~ σ(β x), then
 * v ~ σ((1 - β) b_A + β (h W + b)). */
static void transition(ais_work *w, const cj_rbm *r, const float *base, double beta, cj_rng *rng)
{
    const int M = w->M, V = w->V, H = w->H;
    const float bt = (float)beta;
    cj_rng_fill_uniform(rng, w->u, (size_t)M * H, 0.0f, 1.0f);
    for (size_t i = 0; i < (size_t)M * H; i++) w->h[i] = w->u[i] < cj_rbm_sigmoid(bt * w->x[i]) ? 1.0f : 0.0f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, V, H, 1.0f, w->h, H, r->W, V, 0.0f, w->v, V);
    cj_rng_fill_uniform(rng, w->u, (size_t)M * V, 0.0f, 1.0f);
    for (int m = 0; m < M; m++) {
        float *v = w->v + (size_t)m * V;
        const float *u = w->u + (size_t)m * V;
        for (int i = 0; i < V; i++) {
            float p = cj_rbm_sigmoid((1.0f - bt) * base[i] + bt * (v[i] + r->b[i]));
            v[i] = u[i] < p ? 1.0f : 0.0f;
        }
    }
}

/* x = v W^T + c */
static void hidden_input(ais_work *w, const cj_rbm *r)
{
    const int M = w->M, V = w->V, H = w->H;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, H, V, 1.0f, w->v, V, r->W, V, 0.0f, w->x, H);
    for (int m = 0; m < M; m++)
        for (int j = 0; j < H; j++) w->x[(size_t)m * H + j] += r->c[j];
}

/* Ẑ / Z_A = mean w and its ±3σ̂ interval, in logs, from the log-weights. */
static void summarise(const double *logw, int M, double log_za, cj_rbm_ais_result *res)
{
    double top = -INFINITY, mean_log = 0;
    for (int m = 0; m < M; m++) top = fmax(top, logw[m]), mean_log += logw[m] / M;
    double sum = 0, sq = 0, var_log = 0;
    for (int m = 0; m < M; m++) {
        double e = exp(logw[m] - top);
        sum += e, sq += e * e;
        var_log += (logw[m] - mean_log) * (logw[m] - mean_log);
    }
    double mean = sum / M;
    double var = M > 1 ? (sq - M * mean * mean) / (M - 1) : 0.0;
    double sd_mean = sqrt(var > 0 ? var : 0) / sqrt((double)M);
    res->log_z_base = log_za;
    res->log_z = log_za + top + log(mean);
    res->log_z_hi = log_za + top + log(mean + 3 * sd_mean);
    res->log_z_lo = mean - 3 * sd_mean > 0 ? log_za + top + log(mean - 3 * sd_mean) : -INFINITY;
    res->log_w_sd = M > 1 ? sqrt(var_log / (M - 1)) : 0.0;
}

cj_status cj_rbm_ais(const cj_rbm *r, const float *base_bias, const cj_rbm_ais_opts *o, cj_rbm_ais_result *res,
                     cj_error *err)
{
    if (o->runs < 1 || o->betas < 3)
        return cj_fail(err, CJ_ERR_ARG, "AIS with %d runs and %d intermediate distributions (at least 1 and 3)",
                       o->runs, o->betas);
    const int M = o->runs, V = r->visible, H = r->hidden, K = o->betas;
    const size_t wide = (size_t)(V > H ? V : H);
    ais_work w = {M, V, H, NULL, NULL, NULL, NULL, NULL, NULL};
    float *block = malloc(sizeof(float) * ((size_t)M * V + 2 * (size_t)M * H + (size_t)M * wide + V));
    double *beta = malloc(sizeof(double) * ((size_t)K + 1));
    w.logw = calloc((size_t)M, sizeof(double));
    if (!block || !beta || !w.logw) {
        free(block), free(beta), free(w.logw);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d AIS runs of an RBM of %d x %d units", M, H, V);
    }
    w.v = block, w.x = w.v + (size_t)M * V, w.h = w.x + (size_t)M * H, w.u = w.h + (size_t)M * H;
    w.db = w.u + (size_t)M * wide;
    cj_rbm_ais_schedule(K, beta);
    double log_za = H * log(2.0);
    for (int i = 0; i < V; i++) {
        w.db[i] = r->b[i] - base_bias[i];
        log_za += cj_rbm_softplus(base_bias[i]);
    }
    cj_rng rng;
    cj_rng_seed(&rng, o->seed);
    /* v_1 from the base-rate model, exactly: its units are independent. */
    cj_rng_fill_uniform(&rng, w.u, (size_t)M * V, 0.0f, 1.0f);
    for (int m = 0; m < M; m++)
        for (int i = 0; i < V; i++)
            w.v[(size_t)m * V + i] = w.u[(size_t)m * V + i] < cj_rbm_sigmoid(base_bias[i]) ? 1.0f : 0.0f;
    for (int k = 1; k <= K; k++) {
        hidden_input(&w, r);
        add_log_ratio(&w, beta[k], beta[k - 1]);
        if (k < K) transition(&w, r, base_bias, beta[k], &rng);
    }
    summarise(w.logw, M, log_za, res);
    int finite = isfinite(res->log_z);
    free(block), free(beta), free(w.logw);
    if (!finite) return cj_fail(err, CJ_ERR_NUMERIC, "AIS: the log-weights are not finite (a NaN in the RBM?)");
    return CJ_OK;
}
