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
 * receives the true error. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#include "cajal/rules.h"

/* Index of the first parametric layer after layer i, or -1. */
static int next_param_layer(const cj_model *m, int i)
{
    for (int j = i + 1; j < m->n_layers; j++)
        if (cj_layer_has_params(&m->layers[j])) return j;
    return -1;
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
    r->feedback_buf = calloc(total ? total : 1, sizeof(float));
    if (!r->feedback_buf) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for feedback weights");
    r->feedback_floats = total;
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

static float dfa_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T,
                                        int batch)
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

const cj_rule_ops cj_rule_dfa = {
    .name = "dfa",
    .summary = "direct feedback alignment: the output error to every layer through fixed random matrices "
               "(Nøkland 2016)",
    .create = dfa_create,
    .update = dfa_update,
};
