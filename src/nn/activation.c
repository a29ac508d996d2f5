/* activation.c — element-wise nonlinearities and their derivatives. */
#include <math.h>

#include "cajal/layers.h"

/* log(1 + e^x) without overflow: x + log1p(e^-x) for large x. */
static inline float softplus(float x) { return x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x)); }
static inline float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

void cj_activation_forward(cj_layer_kind kind, const float *restrict in, float *restrict out,
                           size_t n)
{
    switch (kind) {
    case CJ_LAYER_RELU:
        for (size_t i = 0; i < n; i++) out[i] = in[i] < 0 ? 0.0f : in[i];  /* NaN passes, as in torch.relu */
        break;
    case CJ_LAYER_TANH:
        for (size_t i = 0; i < n; i++) out[i] = tanhf(in[i]);
        break;
    case CJ_LAYER_SIGMOID:
        for (size_t i = 0; i < n; i++) out[i] = sigmoid(in[i]);
        break;
    case CJ_LAYER_SOFTPLUS:
        for (size_t i = 0; i < n; i++) out[i] = softplus(in[i]);
        break;
    default:
        break;
    }
}

void cj_activation_backward(cj_layer_kind kind, const float *restrict in,
                            const float *restrict out, const float *restrict dout,
                            float *restrict din, size_t n)
{
    switch (kind) {
    case CJ_LAYER_RELU:  /* derivative 0 at x = 0, as in PyTorch */
        for (size_t i = 0; i < n; i++) din[i] = out[i] > 0 ? dout[i] : 0.0f;
        break;
    case CJ_LAYER_TANH:  /* 1 - tanh^2 */
        for (size_t i = 0; i < n; i++) din[i] = dout[i] * (1.0f - out[i] * out[i]);
        break;
    case CJ_LAYER_SIGMOID:  /* s (1 - s) */
        for (size_t i = 0; i < n; i++) din[i] = dout[i] * out[i] * (1.0f - out[i]);
        break;
    case CJ_LAYER_SOFTPLUS:  /* d/dx log(1 + e^x) = sigmoid(x) */
        for (size_t i = 0; i < n; i++) din[i] = dout[i] * sigmoid(in[i]);
        break;
    default:
        break;
    }
}
