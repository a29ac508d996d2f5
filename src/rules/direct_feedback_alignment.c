/* direct_feedback_alignment.c — DFA (Nøkland 2016, NeurIPS): the output
 * error e = dL/dy is sent straight to every hidden layer through a fixed
 * random matrix instead of layer by layer:
 *
 *   delta_l = (e B_l) ⊙ f'(a_l)
 *
 * Here B_l projects e onto the input of the next parametric layer (the
 * output of layer l's activation, pooling and flattening), and that signal
 * is passed back through those parameter-free layers to reach a_l — the
 * usual generalisation of DFA to convolutional blocks. The output layer
 * receives the true error.
 *
 * Scale (rule.calibrate, on by default). B_l ~ U(±1/sqrt(size)) gives
 * |e B_l| ≈ |e|/sqrt(3) at every depth, while backprop's error shrinks by
 * about sqrt(6) per parametric layer at PyTorch's initialisation (1/sqrt(3)
 * from W^T, 1/sqrt(2) from ReLU). On the Fashion-MNIST CNN the DFA signal
 * was 0.93x, 2.4x and 5.6x backprop's at the three hidden layers; the
 * conv layers' oversized steps grew the activations 10-200x within 100
 * steps until the output layer's SGD step (which scales with |h|^2)
 * diverged. So on its first batch the rule runs backprop once and scales
 * each B_l by one number, |delta_l(backprop)| / |delta_l(DFA)|, so that
 * the errors start at backprop's size (docs/learning-rules.md). B's
 * direction is untouched and nothing is read from W again afterwards;
 * rule.calibrate = false keeps B as drawn. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#include "cajal/rules.h"

typedef struct {
    int calibrated;  /* B has been scaled (or is to stay as drawn) */
    double *target;  /* [n_layers]: |dL/da_l| by backprop on the calibration batch */
} dfa_state;

/* Index of the first parametric layer after layer i, or -1. */
static int next_param_layer(const cj_model *m, int i)
{
    for (int j = i + 1; j < m->n_layers; j++)
        if (cj_layer_has_params(&m->layers[j])) return j;
    return -1;
}

static double norm(const float *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return sqrt(s);
}

/* DFA: B maps the output error onto the input of the next parametric
 * layer, drawn like the weights of a Linear(size, n_out). */
static cj_status dfa_create(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err)
{
    int n_out = (int)cj_shape_size(cj_model_output_shape(m));
    size_t total = 0;
    for (int i = 0; i < m->n_layers; i++) {
        int next = cj_layer_has_params(&m->layers[i]) ? next_param_layer(m, i) : -1;
        if (next >= 0) total += (size_t)n_out * cj_shape_size(m->layers[next].in);
    }
    dfa_state *s = calloc(1, sizeof *s);
    r->state = s;
    r->feedback_buf = calloc(total ? total : 1, sizeof(float));
    if (s) s->target = calloc((size_t)m->n_layers, sizeof(double));
    if (!s || !s->target || !r->feedback_buf) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for feedback weights");
    r->feedback_floats = total;
    s->calibrated = !r->cfg.calibrate;
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

static void dfa_destroy(cj_rule *r)
{
    dfa_state *s = r->state;
    if (s) free(s->target);
    free(s);
    r->state = NULL;
}

/* Forward x, then the DFA error for every layer and the parameter
 * gradients; afterwards dacts[i + 1] holds delta_i of each parametric
 * layer i. Returns the loss. */
static float dfa_pass(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch)
{
    cj_model_reset(m, batch);
    cj_model_forward_seq(m, x, T, batch);
    int n = m->n_layers;
    int dim = (int)cj_shape_size(cj_model_output_shape(m));
    int rows = T * batch; /* every step's error is sent (zero where no target) */
    float L = cj_output_loss(&r->loss, m, t, m->dacts[n], NULL);
    const float *e = m->dacts[n];

    int last = n - 1;
    while (last >= 0 && !cj_layer_has_params(&m->layers[last])) last--;
    if (last < 0) return L;
    cj_model_backward_range(m, n - 1, last);

    int next = last; /* the parametric layer above the current one */
    for (int i = last - 1; i >= 0; i--) {
        if (!cj_layer_has_params(&m->layers[i])) continue;
        int size = (int)cj_shape_size(m->layers[next].in);
        /* dacts[next] = e [rows, dim] · B_i [dim, size] */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, size, dim, 1.0f, e, dim, r->feedback[i], size,
                    0.0f, m->dacts[next], size);
        cj_model_backward_range(m, next - 1, i);
        next = i;
    }
    return L;
}

/* Scale each B_i by |delta_i(backprop)| / |delta_i(DFA)| on this batch.
 * delta_i is linear in B_i, so afterwards the two have the same norm here.
 * A layer whose error is zero either way (all units off) keeps its B. */
static void dfa_calibrate(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch)
{
    dfa_state *s = r->state;
    size_t rows = (size_t)T * batch;
    int n_out = (int)cj_shape_size(cj_model_output_shape(m));
    cj_backprop(m, &r->loss, x, t, T, batch);
    for (int i = 0; i < m->n_layers; i++)
        if (r->feedback[i]) s->target[i] = norm(m->dacts[i + 1], rows * cj_shape_size(m->layers[i].out));
    dfa_pass(r, m, x, t, T, batch);
    for (int i = 0; i < m->n_layers; i++) {
        if (!r->feedback[i]) continue;
        double got = norm(m->dacts[i + 1], rows * cj_shape_size(m->layers[i].out));
        if (!(got > 0) || !(s->target[i] > 0) || !isfinite(s->target[i])) continue;
        float scale = (float)(s->target[i] / got);
        size_t len = (size_t)n_out * cj_shape_size(m->layers[next_param_layer(m, i)].in);
        for (size_t k = 0; k < len; k++) r->feedback[i][k] *= scale;
    }
    s->calibrated = 1;
}

static float dfa_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch)
{
    dfa_state *s = r->state;
    if (!s->calibrated) dfa_calibrate(r, m, x, t, T, batch);
    return dfa_pass(r, m, x, t, T, batch);
}

/* A resumed run's feedback weights were calibrated before it stopped. */
static void dfa_resumed(cj_rule *r)
{
    dfa_state *s = r->state;
    if (s) s->calibrated = 1;
}

const cj_rule_ops cj_rule_dfa = {
    .name = "dfa",
    .summary = "direct feedback alignment: the output error to every layer through fixed random matrices "
               "(Nøkland 2016)",
    .keys = CJ_RULE_KEY_CALIBRATE,
    .create = dfa_create,
    .update = dfa_update,
    .destroy = dfa_destroy,
    .resumed = dfa_resumed,
};
