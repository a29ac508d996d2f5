/* clip.c — gradient-norm clipping, as torch.nn.utils.clip_grad_norm_ with
 * the 2-norm over all parameters together:
 *
 *     n = ||g||_2,   g <- g * max_norm / (n + 1e-6)   when that factor is < 1
 *
 * the usual guard against exploding gradients in backprop through time
 * (Pascanu, Mikolov & Bengio 2013). */
#include <math.h>

#include "cajal/optim.h"

float cj_clip_grad_norm(float *grads, size_t n, float max_norm)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += (double)grads[i] * grads[i];
    float norm = (float)sqrt(sum);
    float coef = max_norm / (norm + 1e-6f);
    if (coef < 1.0f)
        for (size_t i = 0; i < n; i++) grads[i] *= coef;
    return norm;
}
