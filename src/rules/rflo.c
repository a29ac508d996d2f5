/* rflo.c — random feedback local online learning (RFLO; Murray 2019,
 * eLife 8:e43299) for a rate RNN with a linear readout, "rnn N ..., dense O".
 *
 * The network (rnn_layer.c), with α = dt/τ:
 *
 *     x_t = (1 − α) x_{t−1} + α (W_hh r_{t−1} + W_ih u_t + b),   r_t = f(x_t),
 *     y_t = W_out r_t + b_out,   ε_t = dL/dy_t.
 *
 * RFLO keeps only the local part of each weight's influence on its own
 * unit, which a synapse can track as an eligibility trace, and sends the
 * readout error back through a fixed random matrix B (O x N) in place of
 * W_out (Murray 2019, eqs. 10-13). In this parametrisation the local
 * derivative dx_i,t / dW_ij obeys the same leaky recursion for every i, so
 * the traces are per presynaptic input:
 *
 *     p_t = (1 − α) p_{t−1} + α r_{t−1}   (W_hh)     q_t = (1 − α) q_{t−1} + α u_t   (W_ih)
 *     c_t = (1 − α) c_{t−1} + α           (biases)   (1 − α)^t                     (x_0, when trained)
 *
 * and, with δ_t = (ε_t B) ⊙ f'(x_t), the proposed update is
 *
 *     ΔW_hh = Σ_t δ_t^T p_t,   ΔW_ih = Σ_t δ_t^T q_t,   Δb = Σ_t c_t Σ_b δ_t,
 *
 * while the readout gets its exact, already local gradient Σ_t ε_t^T r_t.
 * (Murray writes h ← h + α(−h + φ(W h + ...)), which puts φ' inside the
 * trace; here φ' = f' sits at the error, the same approximation.)
 *
 * The rule is online: it runs the network one step at a time, carrying the
 * state, and updates its traces and the summed update at every step, so it
 * keeps no tape (memory does not grow with T). It proposes the update at
 * the end of the sequence. Per-step targets weigh each step by its share
 * of the loss's rows (of the mask's total, with a mask). */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/recurrent.h"
#include "cajal/rules.h"

typedef struct {
    float alpha;
    int f;               /* cj_rate_nonlinearity */
    int n_hidden, n_in, n_out;
} rflo_dims;

static rflo_dims dims_of(const cj_model *m)
{
    rflo_dims d;
    int dale;
    cj_rnn_layer_dynamics(&m->layers[0], &d.alpha, &d.f, &dale);
    d.n_hidden = m->layers[0].units;
    d.n_in = m->layers[0].in.c;
    d.n_out = m->layers[1].out.c;
    return d;
}

static cj_status rflo_create(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err)
{
    if (m->n_layers != 2 || m->layers[0].ops != &cj_rnn_ops || m->layers[1].ops != &cj_dense_ops)
        return cj_fail(err, CJ_ERR_CONFIG, "rule.name = rflo needs model.layers = \"rnn N ..., dense OUTPUTS\" (a "
                       "rate RNN and its linear readout)");
    float alpha;
    int f, dale;
    cj_rnn_layer_dynamics(&m->layers[0], &alpha, &f, &dale);
    if (dale)
        return cj_fail(err, CJ_ERR_CONFIG, "rule.name = rflo does not support dale=true yet (its traces are for "
                       "unconstrained weights)");
    rflo_dims d = dims_of(m);
    /* B sits at the readout weight's place in a buffer laid out like the
     * params, drawn as that weight is initialised. */
    r->feedback_buf = calloc(m->n_params, sizeof(float));
    if (!r->feedback_buf) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the RFLO feedback matrix");
    r->feedback_floats = m->n_params;
    cj_param *w_out = &m->layers[1].params[0];
    r->feedback[1] = r->feedback_buf + cj_model_param_offset(m, w_out);
    cj_rng_fill_uniform(rng, r->feedback[1], w_out->n, -w_out->init_bound, w_out->init_bound);
    /* Traces p, q; r_{t-1}; δ; ε. */
    size_t B = (size_t)m->max_batch;
    r->work_floats = B * (3 * (size_t)d.n_hidden + d.n_in + d.n_out);
    return CJ_OK;
}

/* f'(x) from r = f(x), elementwise: the rate is all a synapse sees. */
static void rate_slope(float *restrict g, const float *restrict rate, size_t n, int f)
{
    if (f == CJ_RATE_TANH)
        for (size_t i = 0; i < n; i++) g[i] = 1.0f - rate[i] * rate[i];
    else if (f == CJ_RATE_RELU)
        for (size_t i = 0; i < n; i++) g[i] = rate[i] > 0 ? 1.0f : 0.0f;
    else /* softplus: sigmoid(x) = 1 − e^{−softplus(x)} */
        for (size_t i = 0; i < n; i++) g[i] = -expm1f(-rate[i]);
}

static void leak(float *restrict trace, const float *restrict input, size_t n, float alpha)
{
    for (size_t i = 0; i < n; i++) trace[i] = (1.0f - alpha) * trace[i] + alpha * input[i];
}

static float rflo_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int B)
{
    rflo_dims d = dims_of(m);
    cj_layer *rnn = &m->layers[0], *out = &m->layers[1];
    size_t bh = (size_t)B * d.n_hidden;
    float *p = r->work, *rprev = p + bh, *delta = rprev + bh, *q = delta + bh, *eps = q + (size_t)B * d.n_in;
    float c = 0.0f, decay = 1.0f; /* bias trace c_t and (1 − α)^t */
    memset(p, 0, sizeof(float) * bh);
    memset(q, 0, sizeof(float) * (size_t)B * d.n_in);
    memset(m->grads, 0, sizeof(float) * m->n_params);
    cj_param *w_ih = &rnn->params[0], *w_hh = &rnn->params[1], *b_ih = &rnn->params[2], *b_hh = &rnn->params[3];
    cj_param *h0 = cj_layer_param(rnn, CJ_PARAM_STATE);
    int per_step = t->steps == T;
    double total = 0.0, all = 0.0; /* the loss's weight: rows, or the mask's total */
    if (per_step && t->mask)
        for (size_t i = 0; i < (size_t)T * B; i++) all += t->mask[i];
    else
        all = per_step ? T : 1;

    cj_model_reset(m, B);
    for (int s = 0; s < T; s++) {
        const float *u = x + (size_t)s * B * d.n_in;
        /* r_{t−1}: the rates the last step produced, or f(x_0) at the start */
        if (s == 0) cj_rnn_layer_rates(rnn, B, rprev);
        else memcpy(rprev, m->acts[1], sizeof(float) * bh);
        leak(p, rprev, bh, d.alpha);
        leak(q, u, (size_t)B * d.n_in, d.alpha);
        c = (1.0f - d.alpha) * c + d.alpha;
        decay *= 1.0f - d.alpha;
        const float *y = cj_model_forward_seq(m, u, 1, B);
        if (!per_step && s < T - 1) continue; /* no error yet: the traces only decay and grow */

        /* ε_t, weighted by this step's share of the loss (a mean over T B rows). */
        cj_target ts = *t;
        double part = B;
        if (per_step) {
            if (t->labels) ts.labels = t->labels + (size_t)s * B;
            if (t->values) ts.values = t->values + (size_t)s * B * d.n_out;
            if (t->mask) {
                ts.mask = t->mask + (size_t)s * B;
                part = 0.0;
                for (int b = 0; b < B; b++) part += ts.mask[b];
            }
        }
        ts.steps = 1;
        if (part == 0.0) continue; /* no target counts at this step */
        float share = per_step ? (float)((t->mask ? part : 1.0) / all) : 1.0f;
        total += share * cj_loss_eval(&r->loss, y, &ts, B, d.n_out, eps, NULL);
        for (size_t i = 0; i < (size_t)B * d.n_out; i++) eps[i] *= share;

        const float *rate = m->acts[1];
        cj_dense_backward(NULL, out->params[0].grad, out->params[1].grad, eps, rate, NULL, B, d.n_hidden, d.n_out, 1.0f);
        /* δ = (ε B) ⊙ f'(x_t) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, d.n_hidden, d.n_out, 1.0f, eps, d.n_out, r->feedback[1], d.n_hidden,
                    0.0f, delta, d.n_hidden);
        float *slope = rprev; /* r_{t−1} is in p now */
        rate_slope(slope, rate, bh, d.f);
        for (size_t i = 0; i < bh; i++) delta[i] *= slope[i];
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d.n_hidden, d.n_hidden, B, 1.0f, delta, d.n_hidden, p, d.n_hidden, 1.0f, w_hh->grad,
                    d.n_hidden);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d.n_hidden, d.n_in, B, 1.0f, delta, d.n_hidden, q, d.n_in, 1.0f, w_ih->grad,
                    d.n_in);
        for (int b = 0; b < B; b++)
            for (int i = 0; i < d.n_hidden; i++) {
                float v = delta[(size_t)b * d.n_hidden + i];
                b_ih->grad[i] += c * v;
                b_hh->grad[i] += c * v;
                if (h0) h0->grad[i] += decay * v;
            }
    }
    return (float)total;
}

const cj_rule_ops cj_rule_rflo = {
    .name = "rflo",
    .summary = "random feedback local online learning: eligibility traces and the readout error through a fixed "
               "random matrix (Murray 2019)",
    .create = rflo_create,
    .update = rflo_update,
};
