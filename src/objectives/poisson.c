/* poisson.c — the Poisson negative log-likelihood, the standard objective
 * for fitting spike counts (e.g. the linear-nonlinear-Poisson models of
 * Paninski 2004, Pillow et al. 2008; McIntosh et al. 2016 and Klindt et al.
 * 2017 for deep networks of retina and V1). With the output taken as the
 * log rate, log lambda = pred, the likelihood of a count y is
 *     P(y) = lambda^y e^-lambda / y!,
 * so -log P(y) = exp(pred) - y pred + log(y!). The last term does not
 * depend on the model and is left out, as torch.nn.PoissonNLLLoss(
 * log_input=True, full=False) does; the gradient is exp(pred) - y. The
 * log-rate output needs no positivity constraint, and the loss is convex
 * in it. */
#include <math.h>
#include <string.h>

#include "cajal/objectives.h"
#include "mask_common.h"

float cj_poisson_nll(const float *pred, const cj_target *t, int batch, int dim, float *dpred, float *per_sample)
{
    const float *mask = t->mask, *cw = t->value_weights;
    double wsum = mask ? mask_total(mask, batch) : batch, total = 0.0;
    /* Without a mask every element weighs 1 / (batch dim). */
    double plain = 1.0 / ((double)batch * dim);
    for (int b = 0; b < batch; b++) {
        if (mask && mask[b] == 0) {
            if (dpred) memset(dpred + (size_t)b * dim, 0, sizeof(float) * dim);
            if (per_sample) per_sample[b] = 0.0f;
            continue;
        }
        double w = mask ? mask_weight(mask, b, wsum) / dim : plain;
        double row = 0.0;
        for (int j = 0; j < dim; j++) {
            size_t i = (size_t)b * dim + j;
            double y = t->values ? t->values[i] : (double)(t->labels[b] == j);
            double rate = exp((double)pred[i]);
            double c = cw ? cw[j] : 1.0;
            row += c * (rate - y * pred[i]);
            if (dpred) dpred[i] = (float)(w * c * (rate - y));
        }
        if (per_sample) per_sample[b] = (float)(w * batch * row);
        total += (mask ? mask[b] : 1.0) * row / dim;
    }
    if (wsum > 0) return (float)(total / wsum);
    return 0.0f;
}

static float poisson_eval(const cj_objective *o, const float *pred, const cj_target *t, int batch, int dim,
                          float *dpred, float *per_sample)
{
    return cj_poisson_nll(pred, t, batch, dim, dpred, per_sample);
}

const cj_objective_ops cj_poisson_ops = {
    .name = "poisson",
    .summary = "Poisson negative log-likelihood of spike counts, outputs as log rates "
               "(nn.PoissonNLLLoss(log_input=True))",
    .targets = CJ_OBJECTIVE_COUNTS,
    .eval = poisson_eval,
};
