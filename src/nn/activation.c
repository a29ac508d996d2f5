/* activation.c — element-wise nonlinearities (torch.nn.ReLU, Tanh, Sigmoid,
 * Softplus) and Flatten. Each backward uses the forward input or output,
 * whichever the derivative is cheapest from. */
#include <math.h>
#include <string.h>

#include "cajal/layers.h"

/* log(1 + e^x) without overflow: x + log1p(e^-x) for large x. */
static inline float softplus(float x) { return x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x)); }
static inline float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

static size_t elements(const cj_layer *l, const cj_pass *p) { return (size_t)p->T * p->B * cj_shape_size(l->in); }

static void relu_forward(cj_layer *l, const cj_pass *p)
{
    const float *restrict in = p->in;
    float *restrict out = p->out;
    size_t n = elements(l, p);
    for (size_t i = 0; i < n; i++) out[i] = in[i] < 0 ? 0.0f : in[i]; /* NaN passes, as in torch.relu */
}

static void relu_backward(cj_layer *l, const cj_pass *p)
{
    if (!p->din) return;
    const float *restrict out = p->out, *restrict dout = p->dout;
    float *restrict din = p->din;
    size_t n = elements(l, p);
    /* Load dout[i] before choosing: `out[i] > 0 ? dout[i] : 0` reads dout
     * only under the condition, which the compiler vectorises only with
     * masked loads (AVX2 and up), so the baseline x86-64 build ran it one
     * float at a time. */
    for (size_t i = 0; i < n; i++) {
        const float g = dout[i];
        din[i] = out[i] > 0 ? g : 0.0f; /* 0 at x = 0, as in PyTorch */
    }
}

static void tanh_forward(cj_layer *l, const cj_pass *p)
{
    const float *restrict in = p->in;
    float *restrict out = p->out;
    size_t n = elements(l, p);
    for (size_t i = 0; i < n; i++) out[i] = tanhf(in[i]);
}

static void tanh_backward(cj_layer *l, const cj_pass *p)
{
    if (!p->din) return;
    const float *restrict out = p->out, *restrict dout = p->dout;
    float *restrict din = p->din;
    size_t n = elements(l, p);
    for (size_t i = 0; i < n; i++) din[i] = dout[i] * (1.0f - out[i] * out[i]); /* 1 - tanh^2 */
}

static void sigmoid_forward(cj_layer *l, const cj_pass *p)
{
    const float *restrict in = p->in;
    float *restrict out = p->out;
    size_t n = elements(l, p);
    for (size_t i = 0; i < n; i++) out[i] = sigmoid(in[i]);
}

static void sigmoid_backward(cj_layer *l, const cj_pass *p)
{
    if (!p->din) return;
    const float *restrict out = p->out, *restrict dout = p->dout;
    float *restrict din = p->din;
    size_t n = elements(l, p);
    for (size_t i = 0; i < n; i++) din[i] = dout[i] * out[i] * (1.0f - out[i]); /* s (1 - s) */
}

static void softplus_forward(cj_layer *l, const cj_pass *p)
{
    const float *restrict in = p->in;
    float *restrict out = p->out;
    size_t n = elements(l, p);
    for (size_t i = 0; i < n; i++) out[i] = softplus(in[i]);
}

static void softplus_backward(cj_layer *l, const cj_pass *p)
{
    if (!p->din) return;
    const float *restrict in = p->in, *restrict dout = p->dout;
    float *restrict din = p->din;
    size_t n = elements(l, p);
    for (size_t i = 0; i < n; i++) din[i] = dout[i] * sigmoid(in[i]); /* d/dx log(1 + e^x) */
}

/* Flatten: [C, H, W] -> [C H W, 1, 1]; the memory is already in that order. */
static cj_status flatten_setup(cj_layer *l, cj_error *err)
{
    l->out = (cj_shape){(int)cj_shape_size(l->in), 1, 1}; /* the input was checked: it fits an int */
    return CJ_OK;
}

static void flatten_forward(cj_layer *l, const cj_pass *p)
{
    if (p->out != p->in) memcpy(p->out, p->in, elements(l, p) * sizeof(float));
}

static void flatten_backward(cj_layer *l, const cj_pass *p)
{
    if (p->din && p->din != p->dout) memcpy(p->din, p->dout, elements(l, p) * sizeof(float));
}

#define ELEMENTWISE(NAME, WORD, TORCH)                                                                         \
    const cj_layer_ops cj_##NAME##_ops = {                                                                     \
        .word = WORD, .torch_name = TORCH, .forward = NAME##_forward, .backward = NAME##_backward,  \
        .keeps_finite = 1}

ELEMENTWISE(relu, "relu", "ReLU");
ELEMENTWISE(tanh, "tanh", "Tanh");
ELEMENTWISE(sigmoid, "sigmoid", "Sigmoid");
ELEMENTWISE(softplus, "softplus", "Softplus");

const cj_layer_ops cj_flatten_ops = {
    .word = "flatten",
    .torch_name = "Flatten",
    .setup = flatten_setup,
    .forward = flatten_forward,
    .backward = flatten_backward,
    .in_place = 1,
    .keeps_finite = 1,
};
