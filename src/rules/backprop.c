/* backprop.c — the true gradient: forward, loss, backward through every
 * layer's own weights (through time, for recurrent layers). */
#include "cajal/rules.h"

float cj_backprop(cj_model *m, const cj_objective *loss, const float *x, const cj_target *t, int T, int batch)
{
    return cj_sequence_gradient(m, loss, x, t, T, batch, 0, NULL);
}

static float backprop_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int B)
{
    return cj_sequence_gradient(m, &r->loss, x, t, T, B, r->cfg.bptt_truncate, NULL);
}

const cj_rule_ops cj_rule_bp = {
    .name = "bp",
    .summary = "backpropagation (through time for recurrent layers): the true gradient",
    .truncates = 1,
    .update = backprop_update,
};
