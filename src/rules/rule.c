/* rule.c — learning-rule state, names and dispatch. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rules.h"

static const char *const RULE_NAMES[] = {
    [CJ_RULE_BP] = "bp",
    [CJ_RULE_FA] = "fa",
    [CJ_RULE_DFA] = "dfa",
    [CJ_RULE_SIGN_SYMMETRY] = "sign_symmetry",
    [CJ_RULE_KOLEN_POLLACK] = "kolen_pollack",
    [CJ_RULE_NODE_PERTURBATION] = "node_perturbation",
    [CJ_RULE_WEIGHT_PERTURBATION] = "weight_perturbation",
};
enum { N_RULES = sizeof RULE_NAMES / sizeof RULE_NAMES[0] };

const char *cj_rule_name(cj_rule_kind kind) { return RULE_NAMES[kind]; }

cj_status cj_rule_parse(const char *name, cj_rule_kind *kind, cj_error *err)
{
    for (int k = 0; k < N_RULES; k++)
        if (!strcmp(name, RULE_NAMES[k])) {
            *kind = (cj_rule_kind)k;
            return CJ_OK;
        }
    return cj_fail(err, CJ_ERR_CONFIG,
                   "unknown learning rule '%s' (expected bp, fa, dfa, sign_symmetry, kolen_pollack, "
                   "node_perturbation or weight_perturbation)", name);
}

cj_rule_config cj_rule_defaults(cj_rule_kind kind)
{
    cj_rule_config c = {.kind = kind, .samples = 1, .sigma = 1e-3f, .decay = 0.0f};
    return c;
}

/* Index of the first parametric layer after layer i, or -1. */
static int next_param_layer(const cj_model *m, int i)
{
    for (int j = i + 1; j < m->n_layers; j++)
        if (cj_layer_has_params(&m->layers[j])) return j;
    return -1;
}

static int is_matrix(const cj_param *p) { return p->role == CJ_PARAM_WEIGHT || p->role == CJ_PARAM_RECURRENT; }

/* DFA: B maps the output error onto the input of the next parametric
 * layer, drawn like the weights of a Linear(size, n_out). */
static cj_status create_direct_feedback(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err)
{
    int n_out = (int)cj_shape_size(cj_model_output_shape(m));
    size_t total = 0;
    for (int i = 0; i < m->n_layers; i++) {
        int next = cj_layer_has_params(&m->layers[i]) ? next_param_layer(m, i) : -1;
        if (next >= 0) total += (size_t)n_out * cj_shape_size(m->layers[next].in);
    }
    r->feedback_buf = calloc(total ? total : 1, sizeof(float));
    if (!r->feedback_buf) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for feedback weights");
    size_t offset = 0;
    for (int i = 0; i < m->n_layers; i++) {
        int next = cj_layer_has_params(&m->layers[i]) ? next_param_layer(m, i) : -1;
        if (next < 0) continue; /* the output layer gets the true error */
        size_t size = cj_shape_size(m->layers[next].in);
        float bound = 1.0f / sqrtf((float)size);
        r->feedback[i] = r->feedback_buf + offset;
        cj_rng_fill_uniform(rng, r->feedback[i], (size_t)n_out * size, -bound, bound);
        offset += (size_t)n_out * size;
    }
    return CJ_OK;
}

/* FA, sign symmetry, KP: a matrix at every weight's place in a buffer laid
 * out like the params, drawn from the weight's own initial distribution
 * (for sign symmetry it is overwritten from W before every use). */
static cj_status create_feedback(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err)
{
    r->feedback_buf = calloc(m->n_params ? m->n_params : 1, sizeof(float));
    if (!r->feedback_buf) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for feedback weights");
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

cj_status cj_rule_create(cj_rule *r, const cj_rule_config *cfg, cj_model *m, cj_loss_kind loss,
                         cj_rng *rng, cj_error *err)
{
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    r->loss = loss;
    r->n_layers = m->n_layers;
    r->rng = cj_rng_split(rng);
    if (cfg->samples < 1) return cj_fail(err, CJ_ERR_CONFIG, "rule.samples = %d must be at least 1", cfg->samples);
    if (cj_rule_is_stochastic(cfg->kind) && !(cfg->sigma > 0))
        return cj_fail(err, CJ_ERR_CONFIG, "rule.sigma = %g must be positive", cfg->sigma);
    int truncates = cfg->kind == CJ_RULE_BP || cfg->kind == CJ_RULE_FA || cfg->kind == CJ_RULE_SIGN_SYMMETRY ||
                    cfg->kind == CJ_RULE_KOLEN_POLLACK;
    if (cfg->bptt_truncate < 0)
        return cj_fail(err, CJ_ERR_CONFIG, "train.bptt_truncate = %d must be 0 (whole sequences) or positive",
                       cfg->bptt_truncate);
    if (cfg->bptt_truncate > 0 && !truncates)
        return cj_fail(err, CJ_ERR_CONFIG, "train.bptt_truncate applies to rule.name = bp, fa, sign_symmetry or "
                       "kolen_pollack, not %s", cj_rule_name(cfg->kind));
    r->feedback = calloc((size_t)m->n_layers, sizeof(float *));
    if (!r->feedback) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for rule state");
    cj_status st = CJ_OK;
    switch (cfg->kind) {
    case CJ_RULE_FA:
    case CJ_RULE_SIGN_SYMMETRY:
    case CJ_RULE_KOLEN_POLLACK:
        st = create_feedback(r, m, rng, err);
        break;
    case CJ_RULE_DFA:
        st = create_direct_feedback(r, m, rng, err);
        break;
    case CJ_RULE_NODE_PERTURBATION: {
        size_t outs = 0;
        for (int i = 0; i < m->n_layers; i++)
            if (cj_layer_has_params(&m->layers[i])) outs += cj_shape_size(m->layers[i].out);
        r->work_floats = (size_t)m->max_steps * m->max_batch * (outs + 2);
        break;
    }
    case CJ_RULE_WEIGHT_PERTURBATION:
        r->work_floats = 2 * m->n_params;  /* saved weights, noise */
        break;
    case CJ_RULE_BP:
        break;
    }
    if (!st && cfg->kind == CJ_RULE_KOLEN_POLLACK) {
        r->kp_grad = calloc(m->n_params, sizeof(float));
        if (!r->kp_grad) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for Kolen-Pollack state");
    }
    if (!st && r->work_floats) {
        r->work = malloc(r->work_floats * sizeof(float));
        if (!r->work) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for perturbation buffers");
    }
    if (st) cj_rule_free(r);
    return st;
}

void cj_rule_free(cj_rule *r)
{
    free(r->feedback);
    free(r->feedback_buf);
    free(r->kp_grad);
    free(r->work);
    if (r->kp_optim_ready) cj_optim_free(&r->kp_optim);
    memset(r, 0, sizeof *r);
}

/* NaN and Inf are the floats whose exponent bits are all ones; an integer
 * OR-reduction over them vectorises, unlike a float sum. */
static int all_finite(const float *x, size_t n)
{
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], sizeof u);
        bad |= (u & 0x7f800000u) == 0x7f800000u;
    }
    return !bad;
}

/* Every layer's output from the clean forward pass each rule ends with.
 * The loss and the update alone can miss a non-finite input or weight: ReLU
 * maps NaN to 0 (NaN > 0 is false) before it reaches the loss, and weight
 * perturbation never multiplies the input into its update. */
static int outputs_finite(const cj_model *m)
{
    size_t rows = (size_t)m->steps * m->batch;
    for (int i = 0; i < m->n_layers; i++)
        if (!all_finite(m->acts[i + 1], rows * cj_shape_size(m->layers[i].out))) return 0;
    return 1;
}

/* Name the first layer whose output, or whose parameter update, is not
 * finite. */
static cj_status report_non_finite(const cj_model *m, float value, cj_error *err)
{
    size_t rows = (size_t)m->steps * m->batch;
    const char *loss = isnan(value) ? "NaN" : isinf(value) ? "Inf" : "finite";
    for (int i = 0; i < m->n_layers; i++) {
        const cj_layer *l = &m->layers[i];
        if (!all_finite(m->acts[i + 1], rows * cj_shape_size(l->out)))
            return cj_fail(err, CJ_ERR_NUMERIC,
                           "loss is %s: the output of layer %d (%s) is not finite; lower optim.lr or "
                           "check the input data", loss, i, cj_layer_name(l));
    }
    for (int i = 0; i < m->n_layers; i++) {
        const cj_layer *l = &m->layers[i];
        if (cj_layer_has_params(l) && !all_finite(l->params[0].grad, cj_layer_param_count(l)))
            return cj_fail(err, CJ_ERR_NUMERIC,
                           "the update for layer %d (%s) is not finite; lower optim.lr or rule.sigma",
                           i, cj_layer_name(l));
    }
    return cj_fail(err, CJ_ERR_NUMERIC, "loss is %s; lower optim.lr", loss);
}

cj_status cj_rule_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch,
                         float *loss, cj_error *err)
{
    float L = 0.0f;
    switch (r->cfg.kind) {
    case CJ_RULE_BP:
        L = cj_sequence_gradient(m, r->loss, x, t, T, batch, r->cfg.bptt_truncate, NULL);
        break;
    case CJ_RULE_FA:
    case CJ_RULE_SIGN_SYMMETRY:
    case CJ_RULE_KOLEN_POLLACK:
        L = cj_rule_feedback_alignment(r, m, x, t, T, batch);
        break;
    case CJ_RULE_DFA:
        L = cj_rule_direct_feedback_alignment(r, m, x, t, T, batch);
        break;
    case CJ_RULE_NODE_PERTURBATION:
        L = cj_rule_node_perturbation(r, m, x, t, T, batch);
        break;
    case CJ_RULE_WEIGHT_PERTURBATION:
        L = cj_rule_weight_perturbation(r, m, x, t, T, batch);
        break;
    }
    *loss = L;
    if (!isfinite(L) || !all_finite(m->grads, m->n_params) || !outputs_finite(m))
        return report_non_finite(m, L, err);
    return CJ_OK;
}

double cj_angle_deg(const float *a, const float *b, size_t n)
{
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (size_t i = 0; i < n; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    if (aa == 0.0 || bb == 0.0) return 90.0;
    double c = ab / sqrt(aa * bb);
    c = c > 1.0 ? 1.0 : c < -1.0 ? -1.0 : c;
    return acos(c) * 180.0 / M_PI;
}
