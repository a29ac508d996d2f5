/* layers.h — the architecture component: layers with a forward and a
 * backward pass each, in the style of llm.c (plain functions over float
 * buffers, maths beside the code).
 *
 * Data layout is PyTorch's: a batch is [B, C, H, W] row-major (a dense
 * layer's features are C with H = W = 1), a dense weight is [out, in], a
 * conv weight is [out, in, kh, kw].
 *
 * A layer never knows which learning rule trains it. Its backward pass takes
 * a `feedback` tensor of the weight's shape and sends the error to its input
 * through that tensor instead of the weight: backprop passes the weight
 * itself, feedback alignment a fixed random matrix, sign symmetry sign(W),
 * and so on (src/rules/). */
#ifndef CAJAL_LAYERS_H
#define CAJAL_LAYERS_H

#include <stddef.h>

#include "cajal/status.h"

typedef enum {
    CJ_LAYER_DENSE,
    CJ_LAYER_CONV2D,
    CJ_LAYER_MAXPOOL,
    CJ_LAYER_AVGPOOL,
    CJ_LAYER_FLATTEN,
    CJ_LAYER_RELU,
    CJ_LAYER_TANH,
    CJ_LAYER_SIGMOID,
    CJ_LAYER_SOFTPLUS
} cj_layer_kind;

/* The most elements any one tensor of a model may have: a sample's input
 * or output of a layer, a batch of them, a weight, a layer's scratch, and
 * all parameters together (2^31 - 1, 8 GiB of floats). The kernels index
 * with int, and anything larger is a typo rather than a network to train
 * on a CPU; cj_layer_setup and cj_model_create refuse it by name. */
#define CJ_MAX_ELEMENTS 2147483647u

/* Shape of one sample: channels, height, width. */
typedef struct {
    int c, h, w;
} cj_shape;

static inline size_t cj_shape_size(cj_shape s) { return (size_t)s.c * s.h * s.w; }

typedef struct {
    cj_layer_kind kind;
    cj_shape in, out;
    int kernel, stride, padding;  /* conv2d and pooling */
    /* Views into the model's parameter and gradient buffers; NULL for layers
     * without parameters. */
    float *weight, *bias;
    float *dweight, *dbias;
    size_t n_weight, n_bias;
} cj_layer;

/* PyTorch module name of a kind ("Linear", "Conv2d", "ReLU", ...). */
const char *cj_layer_kind_name(cj_layer_kind kind);
static inline int cj_layer_has_params(const cj_layer *l) { return l->n_weight > 0; }

/* Fill in l->out, n_weight and n_bias from l->kind, l->in and the kernel
 * settings (and, for dense, l->out.c); fails with a message naming the
 * layer if the input does not fit. */
cj_status cj_layer_setup(cj_layer *l, int index, cj_error *err);

/* Floats of scratch memory forward/backward need for a batch (im2col). */
size_t cj_layer_scratch_floats(const cj_layer *l, int batch);

/* out = layer(in) for `batch` samples. */
void cj_layer_forward(const cj_layer *l, const float *in, float *out, int batch, float *scratch);

/* Given dout = dL/dout, write the parameter gradients into l->dweight and
 * l->dbias (overwriting; skipped when those are NULL) and, when din is not
 * NULL, din = dL/din computed with `feedback` in place of the weight
 * (feedback == NULL means the weight itself, i.e. true backprop). */
void cj_layer_backward(const cj_layer *l, const float *in, const float *out, const float *dout,
                       const float *feedback, float *din, int batch, float *scratch);

/* Per-kind passes, callable directly. */
void cj_dense_forward(float *out, const float *in, const float *weight, const float *bias,
                      int batch, int n_in, int n_out);
void cj_dense_backward(float *din, float *dweight, float *dbias, const float *dout,
                       const float *in, const float *feedback, int batch, int n_in, int n_out);

void cj_conv2d_forward(const cj_layer *l, const float *in, float *out, int batch, float *scratch);
void cj_conv2d_backward(const cj_layer *l, const float *in, const float *dout,
                        const float *feedback, float *din, int batch, float *scratch);
size_t cj_conv2d_scratch_floats(const cj_layer *l, int batch);

void cj_maxpool_forward(const cj_layer *l, const float *in, float *out, int batch);
void cj_maxpool_backward(const cj_layer *l, const float *in, const float *out,
                         const float *dout, float *din, int batch);
void cj_avgpool_forward(const cj_layer *l, const float *in, float *out, int batch);
void cj_avgpool_backward(const cj_layer *l, const float *dout, float *din, int batch);

/* Element-wise activations; backward uses the forward input or output,
 * whichever the derivative is cheapest from. */
void cj_activation_forward(cj_layer_kind kind, const float *in, float *out, size_t n);
void cj_activation_backward(cj_layer_kind kind, const float *in, const float *out,
                            const float *dout, float *din, size_t n);

#endif
