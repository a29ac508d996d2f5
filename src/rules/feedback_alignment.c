/* feedback_alignment.c — rules that backpropagate the error through
 * feedback weights B in place of the forward weights W:
 *
 *   fa             B fixed and random (Lillicrap et al. 2016, Nat. Commun.).
 *   sign_symmetry  B = sign(W) * mean|W| (Liao, Leibo & Poggio 2016). Liao
 *                  used unit magnitudes with batch normalisation; without
 *                  it, scaling by the layer's mean |W| keeps the error at
 *                  the size backprop would give.
 *   kolen_pollack  B learns with the same update as W, each with decay
 *                  lambda (Kolen & Pollack 1994; Akrout et al. 2019):
 *                    dW = delta x^T + lambda W,  dB = delta x^T + lambda B,
 *                  so W - B shrinks by (1 - lr lambda) per step and B
 *                  comes to mirror W.
 *
 * Each layer's weight gradient is the usual local product delta x^T; only
 * the error sent to the layer below differs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rules.h"

static int is_matrix(const cj_param *p) { return p->role == CJ_PARAM_WEIGHT || p->role == CJ_PARAM_RECURRENT; }

/* FA, sign symmetry, KP: a matrix at every weight's place in a buffer laid
 * out like the params, drawn from the weight's own initial distribution
 * (for sign symmetry it is overwritten from W before every use). */
static cj_status feedback_create(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err)
{
    r->feedback_buf = calloc(m->n_params ? m->n_params : 1, sizeof(float));
    if (!r->feedback_buf) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for feedback weights");
    r->feedback_floats = m->n_params;
    for (int i = 0; i < m->n_layers; i++) {
        cj_layer *l = &m->layers[i];
        if (!cj_layer_has_params(l)) continue;
        r->feedback[i] = r->feedback_buf + cj_model_param_offset(m, &l->params[0]);
        for (int k = 0; k < l->n_params; k++) {
            const cj_param *p = &l->params[k];
            if (!is_matrix(p)) continue;
            float bound = p->init_bound > 0 ? p->init_bound : 1.0f / sqrtf((float)p->shape[p->ndim - 1]);
            cj_rng_fill_uniform(rng, r->feedback_buf + cj_model_param_offset(m, p), p->n, -bound, bound);
        }
    }
    return CJ_OK;
}

static void set_sign_feedback(cj_rule *r, const cj_model *m)
{
    for (int i = 1; i < m->n_layers; i++) {
        const cj_layer *l = &m->layers[i];
        for (int k = 0; k < l->n_params; k++) {
            const cj_param *p = &l->params[k];
            if (!is_matrix(p)) continue;
            double sum = 0.0;
            for (size_t j = 0; j < p->n; j++) sum += fabsf(p->data[j]);
            float scale = (float)(sum / (double)p->n);
            float *fb = r->feedback_buf + cj_model_param_offset(m, p);
            for (size_t j = 0; j < p->n; j++) fb[j] = p->data[j] > 0 ? scale : p->data[j] < 0 ? -scale : 0.0f;
        }
    }
}

static float feedback_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch)
{
    if (r->cfg.kind == &cj_rule_sign_symmetry) set_sign_feedback(r, m);
    int n = m->n_layers;
    float L = cj_sequence_gradient(m, &r->loss, x, t, T, batch, r->cfg.bptt_truncate, r->feedback_buf);

    if (r->cfg.kind == &cj_rule_kolen_pollack) {
        const float lambda = r->cfg.decay;
        for (int i = 0; i < n; i++) {
            cj_layer *l = &m->layers[i];
            for (int k = 0; k < l->n_params; k++) {
                cj_param *p = &l->params[k];
                if (!is_matrix(p)) continue;
                size_t off = cj_model_param_offset(m, p);
                float *gB = r->kp_grad + off;
                const float *B = r->feedback_buf + off;
                for (size_t j = 0; j < p->n; j++) {
                    gB[j] = p->grad[j] + lambda * B[j];
                    p->grad[j] += lambda * p->data[j];
                }
            }
        }
    }
    return L;
}

static cj_status kolen_pollack_after_step(cj_rule *r, cj_model *m, const cj_optim_config *opt, cj_error *err)
{
    if (!r->kp_optim_ready) {
        cj_status st = cj_optim_create(&r->kp_optim, opt, m->n_params, err);
        if (st) return st;
        r->kp_optim_ready = 1;
    }
    r->kp_optim.cfg.lr = opt->lr;  /* follows W's learning-rate schedule */
    /* feedback_buf has the params' layout, so B follows the optimiser's
     * exact update of W (momentum, Adam moments and all). */
    cj_optim_step(&r->kp_optim, r->feedback_buf, r->kp_grad);
    return CJ_OK;
}

static cj_status kolen_pollack_create(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err)
{
    cj_status st = feedback_create(r, m, rng, err);
    if (st) return st;
    r->kp_grad = calloc(m->n_params ? m->n_params : 1, sizeof(float));
    return r->kp_grad ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory for Kolen-Pollack state");
}

const cj_rule_ops cj_rule_fa = {
    .name = "fa",
    .summary = "feedback alignment: errors sent back through fixed random matrices (Lillicrap et al. 2016)",
    .truncates = 1,
    .create = feedback_create,
    .update = feedback_update,
};

const cj_rule_ops cj_rule_sign_symmetry = {
    .name = "sign_symmetry",
    .summary = "errors sent back through sign(W) times the layer's mean |W| (Liao, Leibo & Poggio 2016)",
    .truncates = 1,
    .create = feedback_create,
    .update = feedback_update,
};

const cj_rule_ops cj_rule_kolen_pollack = {
    .name = "kolen_pollack",
    .summary = "feedback weights learn with the forward weights' update and decay (Kolen & Pollack 1994; "
               "Akrout et al. 2019)",
    .keys = CJ_RULE_KEY_DECAY,
    .truncates = 1,
    .create = kolen_pollack_create,
    .update = feedback_update,
    .after_step = kolen_pollack_after_step,
};
