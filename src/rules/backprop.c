/* backprop.c — the true gradient: forward, loss, backward through every
 * layer's own weights. */
#include "cajal/rules.h"

float cj_backprop(cj_model *m, cj_loss_kind loss, const float *x, const cj_target *t, int batch)
{
    const float *out = cj_model_forward(m, x, batch);
    int n = m->n_layers;
    int dim = (int)cj_shape_size(cj_model_output_shape(m));
    float L = cj_loss_eval(loss, out, t, batch, dim, m->dacts[n], NULL);
    cj_model_backward(m, m->dacts[n], batch, NULL);
    return L;
}
