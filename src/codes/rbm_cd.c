/* rbm_cd.c — contrastive divergence (Hinton 2002) and persistent CD
 * (Tieleman 2008) updates of an RBM: the gradient estimate from a batch
 * and its uniforms, and SGD with momentum and weight decay (Hinton 2010). */
#include <stdlib.h>
#include <string.h>

#include "cajal/rbm.h"

#include <cblas.h>

cj_status cj_rbm_trainer_init(cj_rbm_trainer *t, const cj_rbm *r, int batch, cj_rbm_method method, int k,
                              cj_error *err)
{
    memset(t, 0, sizeof *t);
    if (batch < 1 || k < 1) return cj_fail(err, CJ_ERR_ARG, "RBM trainer: batch %d, k %d", batch, k);
    const size_t V = (size_t)r->visible, H = (size_t)r->hidden, B = (size_t)batch;
    /* ph0, h, ph, chain: B H each; v, pv: B V each; dW, vW: H V; db, vb; dc, vc */
    size_t n = 4 * B * H + 2 * B * V + 2 * H * V + 2 * V + 2 * H;
    t->block = calloc(n, sizeof(float));
    if (!t->block) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the RBM trainer (batch %d)", batch);
    float *p = t->block;
    t->ph0 = p, p += B * H;
    t->h = p, p += B * H;
    t->ph = p, p += B * H;
    t->chain = p, p += B * H;
    t->v = p, p += B * V;
    t->pv = p, p += B * V;
    t->dW = p, p += H * V;
    t->vW = p, p += H * V;
    t->db = p, p += V;
    t->vb = p, p += V;
    t->dc = p, p += H;
    t->vc = p;
    t->batch = batch, t->k = k, t->method = method, t->V = r->visible, t->H = r->hidden;
    return CJ_OK;
}

void cj_rbm_trainer_free(cj_rbm_trainer *t)
{
    free(t->block);
    memset(t, 0, sizeof *t);
}

/* The rows of the negative phase: the data rows for CD, the chains for PCD. */
static int chain_rows(const cj_rbm_trainer *t, int B) { return t->method == CJ_RBM_PCD ? t->batch : B; }

size_t cj_rbm_uniforms(const cj_rbm_trainer *t, int B)
{
    size_t R = (size_t)chain_rows(t, B);
    return (size_t)B * t->H + (size_t)t->k * R * (t->V + t->H);
}

/* out[j] = scale * (sum of the rows of x [n, m]) + beta * out[j]. */
static void add_column_means(float *restrict out, const float *restrict x, int n, int m, float scale, float beta)
{
    for (int j = 0; j < m; j++) out[j] *= beta;
    for (int s = 0; s < n; s++) {
        const float *row = x + (size_t)s * m;
        for (int j = 0; j < m; j++) out[j] += scale * row[j];
    }
}

void cj_rbm_gradient(cj_rbm_trainer *t, const cj_rbm *r, const float *v0, int B, const float *u)
{
    const int V = t->V, H = t->H, R = chain_rows(t, B);
    const size_t BH = (size_t)B * H, RH = (size_t)R * H, RV = (size_t)R * V;
    /* positive phase */
    cj_rbm_hidden_probs(r, v0, B, t->ph0);
    cj_rbm_sample(t->ph0, u, BH, t->h);
    u += BH;
    /* The negative phase starts from h0 (CD) or where the chains were left
     * (PCD, Tieleman 2008); the chains start at the first batch's h0. */
    if (t->method == CJ_RBM_PCD) {
        if (!t->chain_started) {
            memcpy(t->chain, t->h, sizeof(float) * RH);
            t->chain_started = 1;
        }
        memcpy(t->h, t->chain, sizeof(float) * RH);
    }
    for (int step = 0; step < t->k; step++) {
        cj_rbm_visible_probs(r, t->h, R, t->pv);
        cj_rbm_sample(t->pv, u, RV, t->v);
        u += RV;
        cj_rbm_hidden_probs(r, t->v, R, t->ph);
        cj_rbm_sample(t->ph, u, RH, t->h);
        u += RH;
    }
    if (t->method == CJ_RBM_PCD) memcpy(t->chain, t->h, sizeof(float) * RH);
    /* dW = <h v>_data - <h v>_model with hidden probabilities (Hinton 2010,
     * sec. 3.3), as two GEMMs into one buffer. */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, V, B, 1.0f / B, t->ph0, H, v0, V, 0.0f, t->dW, V);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, V, R, -1.0f / R, t->ph, H, t->v, V, 1.0f, t->dW, V);
    add_column_means(t->db, v0, B, V, 1.0f / B, 0.0f);
    add_column_means(t->db, t->v, R, V, -1.0f / R, 1.0f);
    add_column_means(t->dc, t->ph0, B, H, 1.0f / B, 0.0f);
    add_column_means(t->dc, t->ph, R, H, -1.0f / R, 1.0f);
}

/* vel = momentum vel + lr (grad - decay param); param += vel. */
static void momentum_step(float *restrict param, float *restrict vel, const float *restrict grad, size_t n,
                          float lr, float momentum, float decay)
{
    for (size_t i = 0; i < n; i++) {
        vel[i] = momentum * vel[i] + lr * (grad[i] - decay * param[i]);
        param[i] += vel[i];
    }
}

void cj_rbm_update(cj_rbm_trainer *t, cj_rbm *r, float lr, float momentum, float weight_decay)
{
    /* Hinton 2010, sec. 10: weight decay on the weights only; the biases
     * are few and need no shrinking. */
    momentum_step(r->W, t->vW, t->dW, (size_t)t->H * t->V, lr, momentum, weight_decay);
    momentum_step(r->b, t->vb, t->db, (size_t)t->V, lr, momentum, 0.0f);
    momentum_step(r->c, t->vc, t->dc, (size_t)t->H, lr, momentum, 0.0f);
}
