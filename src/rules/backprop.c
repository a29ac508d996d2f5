/* backprop.c — the true gradient: forward, loss, backward through every
 * layer's own weights (through time, for recurrent layers). */
#include <string.h>

#include "cajal/rules.h"

float cj_output_loss(cj_loss_kind loss, const cj_model *m, const cj_target *t, float *dout, float *per_sample)
{
    int T = m->steps, B = m->batch;
    int dim = (int)cj_shape_size(cj_model_output_shape(m));
    const float *out = cj_model_output(m);
    if (t->steps == T || T == 1) return cj_loss_eval(loss, out, t, T * B, dim, dout, per_sample);
    /* One target per sample: the last step's output answers. */
    size_t last = (size_t)(T - 1) * B * dim;
    if (dout) memset(dout, 0, sizeof(float) * last);
    return cj_loss_eval(loss, out + last, t, B, dim, dout ? dout + last : NULL, per_sample);
}

float cj_backprop(cj_model *m, cj_loss_kind loss, const float *x, const cj_target *t, int T, int batch)
{
    return cj_sequence_gradient(m, loss, x, t, T, batch, 0, NULL);
}

static float backprop_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int B)
{
    return cj_sequence_gradient(m, r->loss, x, t, T, B, r->cfg.bptt_truncate, NULL);
}

const cj_rule_ops cj_rule_bp = {
    .name = "bp",
    .summary = "backpropagation (through time for recurrent layers): the true gradient",
    .truncates = 1,
    .update = backprop_update,
};
