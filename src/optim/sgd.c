/* sgd.c — torch.optim.SGD:
 *   g = grad + wd * p
 *   buf = g                                   (first step)
 *   buf = momentum * buf + (1 - dampening) * g (later steps)
 *   d = nesterov ? g + momentum * buf : buf
 *   p -= lr * d */
#include "cajal/optim.h"

void cj_sgd_step(cj_optim *o, float *restrict params, const float *restrict grads)
{
    const float lr = o->cfg.lr, mu = o->cfg.momentum, wd = o->cfg.weight_decay;
    const float damp = 1.0f - o->cfg.dampening;
    float *restrict buf = o->m;
    const size_t n = o->n;
    if (mu == 0.0f) {
        for (size_t i = 0; i < n; i++) params[i] -= lr * (grads[i] + wd * params[i]);
        return;
    }
    const int first = o->step == 1;
    const int nesterov = o->cfg.nesterov;
    for (size_t i = 0; i < n; i++) {
        float g = grads[i] + wd * params[i];
        float b = first ? g : mu * buf[i] + damp * g;
        buf[i] = b;
        params[i] -= lr * (nesterov ? g + mu * b : b);
    }
}
