/* adam.c — torch.optim.Adam (Kingma & Ba 2015) with L2 weight decay added
 * to the gradient, in PyTorch's order of operations:
 *   g = grad + wd * p
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps) */
#include <math.h>

#include "cajal/optim.h"

void cj_adam_step(cj_optim *o, float *restrict params, const float *restrict grads)
{
    const float b1 = o->cfg.beta1, b2 = o->cfg.beta2, eps = o->cfg.eps, wd = o->cfg.weight_decay;
    const double t = (double)o->step;
    const float step_size = (float)(o->cfg.lr / (1.0 - pow(b1, t)));
    const float inv_sqrt_bc2 = (float)(1.0 / sqrt(1.0 - pow(b2, t)));
    float *restrict m = o->m, *restrict v = o->v;
    for (size_t i = 0; i < o->n; i++) {
        float g = grads[i] + wd * params[i];
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        params[i] -= step_size * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + eps);
    }
}
