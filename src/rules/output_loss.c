/* output_loss.c — the loss of a model's output over a sequence, and its
 * gradient at every step: what every rule starts its update from. */
#include <string.h>

#include "cajal/rules.h"

float cj_output_loss(const cj_objective *loss, const cj_model *m, const cj_target *t, float *dout, float *per_sample)
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
