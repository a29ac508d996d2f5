/* weight_mirror.c — the weight mirror (Akrout, Wilson, Humphreys,
 * Lillicrap & Tweed 2019, "Deep learning without weight transport",
 * NeurIPS, Sec. 4). Errors go back through feedback weights B as in
 * feedback alignment (engaged mode), and B learns without seeing W in a
 * second, mirror mode: the neurons of layer l fire noise x ~ N(0, σ²) (no
 * sensory input), the next layer's neurons are driven by it, δ = W x, and
 * each feedback synapse takes the Hebbian product of the two (Eq. 7):
 *
 *   ΔB = η δ xᵀ − λ B.
 *
 * Because E[x xᵀ] = σ² I, E[δ xᵀ] = σ² W, so B relaxes towards
 * (η σ² / λ) W at rate λ per mirror step. δ is linear in x, so scaling σ
 * only rescales η by σ²: cajal fixes σ = 1 and the two keys are η
 * (rule.mirror_lr) and λ (rule.mirror_decay). With λ = η (the defaults,
 * 0.01) B tends to W itself, which keeps the errors at backprop's size —
 * cajal has no batch normalisation to absorb another scale. Every
 * optimiser step is followed by rule.mirror_steps mirror batches
 * (train.batch noise samples each), so B tracks W as it learns, with a
 * lag of about 1 / (λ mirror_steps) steps.
 *
 * Details of this implementation:
 *  - δ is W x without the bias: the layer's response to x minus its
 *    response to 0. The bias would only add variance (E[b xᵀ] = 0).
 *  - δ xᵀ is the layer's own weight gradient for input x and output error δ
 *    (cj_layer_backward), so dense and convolutional layers need no code of
 *    their own. A convolution weight is shared over positions and, with
 *    padding, an edge tap meets fewer inputs than the centre one; the
 *    product is divided per weight by how many inputs it meets per sample
 *    (the same gradient for an all-ones input and error), so that
 *    E[ΔB] = η W − λ B holds for every tap.
 *  - B of the first parametric layer carries no error (the input is
 *    data), so that layer is not mirrored.
 *  - Feed-forward layers only: mirroring a recurrent weight would need
 *    noise in the layer's own state. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rules.h"

typedef struct {
    float *noise;     /* [max_batch, largest mirrored input] */
    float *response;  /* [max_batch, largest mirrored output] */
    float *zero_in;   /* [largest input], zeros (and ones while counting) */
    float *bias_out;  /* [largest output]: a layer's response to input 0 */
    float *coverage;  /* laid out like params: inputs each weight meets per sample */
    int first;        /* the first parametric layer, not mirrored */
} mirror_state;

/* The layer's feed-forward weight, if it has one and is mirrored. */
static cj_param *mirrored_weight(const mirror_state *s, cj_layer *l)
{
    if (l->index <= s->first || !cj_layer_has_params(l)) return NULL;
    return cj_layer_param(l, CJ_PARAM_WEIGHT);
}

/* Inputs each weight of layer l meets per sample: its weight gradient for
 * an all-ones input and output error. Uses the mirror buffers. */
static void count_coverage(mirror_state *s, cj_model *m, cj_layer *l, const cj_param *w)
{
    size_t in = cj_shape_size(l->in), out = cj_shape_size(l->out);
    for (size_t k = 0; k < in; k++) s->noise[k] = 1.0f;
    for (size_t k = 0; k < out; k++) s->response[k] = 1.0f;
    cj_layer_backward(l, s->noise, s->response, s->response, NULL, NULL, 1, m->scratch);
    memcpy(s->coverage + cj_model_param_offset(m, w), w->grad, sizeof(float) * w->n);
}

static cj_status check_config(const cj_rule_config *c, cj_error *err)
{
    if (!(c->mirror_lr > 0)) return cj_fail(err, CJ_ERR_CONFIG, "rule.mirror_lr = %g must be positive", c->mirror_lr);
    if (!(c->mirror_decay >= 0))
        return cj_fail(err, CJ_ERR_CONFIG, "rule.mirror_decay = %g must be zero or positive", c->mirror_decay);
    if (c->mirror_steps < 0)
        return cj_fail(err, CJ_ERR_CONFIG, "rule.mirror_steps = %d must be zero or positive", c->mirror_steps);
    return CJ_OK;
}

static cj_status mirror_create(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err)
{
    cj_status st = check_config(&r->cfg, err);
    if (st) return st;
    for (int i = 0; i < m->n_layers; i++)
        if (cj_layer_is_recurrent(&m->layers[i]))
            return cj_fail(err, CJ_ERR_CONFIG, "rule.name = weight_mirror needs feed-forward layers, but layer %d "
                           "(%s) is recurrent", i, cj_layer_name(&m->layers[i]));
    mirror_state *s = calloc(1, sizeof *s);
    r->state = s;
    if (!s) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for weight-mirror state");
    s->first = cj_model_param_layer(m, 0);
    size_t max_in = 1, max_out = 1;
    for (int i = 0; i < m->n_layers; i++) {
        cj_layer *l = &m->layers[i];
        if (!mirrored_weight(s, l)) continue;
        if (cj_shape_size(l->in) > max_in) max_in = cj_shape_size(l->in);
        if (cj_shape_size(l->out) > max_out) max_out = cj_shape_size(l->out);
    }
    size_t batch = (size_t)m->max_batch, n = m->n_params ? m->n_params : 1;
    r->feedback_buf = calloc(n, sizeof(float));
    r->feedback_floats = n; /* B learns: a resumed run restores it */
    s->coverage = calloc(n, sizeof(float));
    s->noise = malloc(sizeof(float) * batch * max_in);
    s->response = malloc(sizeof(float) * batch * max_out);
    s->zero_in = calloc(max_in, sizeof(float));
    s->bias_out = malloc(sizeof(float) * max_out);
    if (!r->feedback_buf || !s->coverage || !s->noise || !s->response || !s->zero_in || !s->bias_out)
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for weight-mirror buffers");

    /* B starts random, drawn like W (as for feedback alignment). */
    for (int i = 0; i < m->n_layers; i++) {
        cj_layer *l = &m->layers[i];
        if (!cj_layer_has_params(l)) continue;
        r->feedback[i] = r->feedback_buf + cj_model_param_offset(m, &l->params[0]);
        cj_param *w = cj_layer_param(l, CJ_PARAM_WEIGHT);
        if (!w) continue;
        float bound = w->init_bound > 0 ? w->init_bound : 1.0f / sqrtf((float)w->shape[w->ndim - 1]);
        cj_rng_fill_uniform(rng, r->feedback_buf + cj_model_param_offset(m, w), w->n, -bound, bound);
        if (mirrored_weight(s, l)) count_coverage(s, m, l, w);
    }
    return CJ_OK;
}

static void mirror_destroy(cj_rule *r)
{
    mirror_state *s = r->state;
    if (s) {
        free(s->noise), free(s->response), free(s->zero_in), free(s->bias_out), free(s->coverage);
        free(s);
    }
    r->state = NULL;
}

/* The engaged mode: backprop with B in place of W (as feedback alignment). */
static float mirror_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch)
{
    return cj_sequence_gradient(m, &r->loss, x, t, T, batch, 0, r->feedback_buf);
}

/* One mirror batch for layer l: unit noise in, δ = W x out, B moved by
 * Eq. 7.
 * bias_out holds the layer's response to input 0. Overwrites the layer's
 * gradients. */
static void mirror_layer(cj_rule *r, cj_model *m, cj_layer *l, cj_param *w)
{
    mirror_state *s = r->state;
    const int N = m->max_batch;
    size_t in = cj_shape_size(l->in), out = cj_shape_size(l->out);
    cj_rng_fill_normal(&r->rng, s->noise, (size_t)N * in, 1.0f);
    cj_layer_forward(l, s->noise, s->response, N, m->scratch);
    for (int n = 0; n < N; n++) {
        float *y = s->response + (size_t)n * out;
        for (size_t k = 0; k < out; k++) y[k] -= s->bias_out[k];
    }
    cj_layer_backward(l, s->noise, s->response, s->response, NULL, NULL, N, m->scratch);
    size_t off = cj_model_param_offset(m, w);
    float *B = r->feedback_buf + off;
    const float *hebb = w->grad, *cover = s->coverage + off;
    const float lr = r->cfg.mirror_lr, keep = 1.0f - r->cfg.mirror_decay;
    for (size_t k = 0; k < w->n; k++)
        if (cover[k] > 0) B[k] = keep * B[k] + lr * hebb[k] / ((float)N * cover[k]);
}

/* The mirror mode, after every optimiser step: W is fixed meanwhile. */
static cj_status mirror_after_step(cj_rule *r, cj_model *m, const cj_optim_config *opt, cj_error *err)
{
    mirror_state *s = r->state;
    if (r->cfg.mirror_steps == 0) return CJ_OK;
    for (int i = 0; i < m->n_layers; i++) {
        cj_layer *l = &m->layers[i];
        cj_param *w = mirrored_weight(s, l);
        if (!w) continue;
        cj_layer_forward(l, s->zero_in, s->bias_out, 1, m->scratch);
        for (int step = 0; step < r->cfg.mirror_steps; step++) mirror_layer(r, m, l, w);
    }
    return CJ_OK;
}

const cj_rule_ops cj_rule_weight_mirror = {
    .name = "weight_mirror",
    .summary = "feedback weights learn W from noise sent through it in mirror phases between steps "
               "(Akrout et al. 2019)",
    .keys = CJ_RULE_KEY_MIRROR,
    .create = mirror_create,
    .update = mirror_update,
    .after_step = mirror_after_step,
    .destroy = mirror_destroy,
};
