/* layer.c — shape bookkeeping and dispatch from a cj_layer to its kind's
 * forward and backward functions. */
#include <string.h>

#include "cajal/layers.h"

const char *cj_layer_kind_name(cj_layer_kind kind)
{
    switch (kind) {
    case CJ_LAYER_DENSE: return "Linear";
    case CJ_LAYER_CONV2D: return "Conv2d";
    case CJ_LAYER_MAXPOOL: return "MaxPool2d";
    case CJ_LAYER_AVGPOOL: return "AvgPool2d";
    case CJ_LAYER_FLATTEN: return "Flatten";
    case CJ_LAYER_RELU: return "ReLU";
    case CJ_LAYER_TANH: return "Tanh";
    case CJ_LAYER_SIGMOID: return "Sigmoid";
    case CJ_LAYER_SOFTPLUS: return "Softplus";
    }
    return "?";
}

/* Output size of a sliding window (PyTorch's floor rule); < 1 if it does
 * not fit. */
static int window_out(int size, int kernel, int stride, int padding)
{
    return (size + 2 * padding - kernel) / stride + 1;
}

cj_status cj_layer_setup(cj_layer *l, int index, cj_error *err)
{
    const char *name = cj_layer_kind_name(l->kind);
    cj_shape in = l->in;
    l->n_weight = l->n_bias = 0;
    switch (l->kind) {
    case CJ_LAYER_DENSE:
        if (in.h != 1 || in.w != 1)
            return cj_fail(err, CJ_ERR_SHAPE,
                           "layer %d (%s) needs a flat input but gets %dx%dx%d; add 'flatten' before it",
                           index, name, in.c, in.h, in.w);
        l->out.h = l->out.w = 1;
        l->n_weight = (size_t)l->out.c * in.c;
        l->n_bias = (size_t)l->out.c;
        break;
    case CJ_LAYER_CONV2D:
    case CJ_LAYER_MAXPOOL:
    case CJ_LAYER_AVGPOOL:
        if (l->kernel < 1 || l->stride < 1 || l->padding < 0)
            return cj_fail(err, CJ_ERR_CONFIG, "layer %d (%s): kernel %d, stride %d, padding %d are invalid",
                           index, name, l->kernel, l->stride, l->padding);
        if (l->kind != CJ_LAYER_CONV2D && 2 * l->padding > l->kernel)
            return cj_fail(err, CJ_ERR_CONFIG, "layer %d (%s): padding %d exceeds half the kernel %d",
                           index, name, l->padding, l->kernel);
        l->out.h = window_out(in.h, l->kernel, l->stride, l->padding);
        l->out.w = window_out(in.w, l->kernel, l->stride, l->padding);
        if (l->out.h < 1 || l->out.w < 1 || in.h + 2 * l->padding < l->kernel ||
            in.w + 2 * l->padding < l->kernel)
            return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s): kernel %d does not fit its %dx%d input",
                           index, name, l->kernel, in.h, in.w);
        if (l->kind == CJ_LAYER_CONV2D) {
            l->n_weight = (size_t)l->out.c * in.c * l->kernel * l->kernel;
            l->n_bias = (size_t)l->out.c;
        } else {
            l->out.c = in.c;
        }
        break;
    case CJ_LAYER_FLATTEN:
        l->out = (cj_shape){in.c * in.h * in.w, 1, 1};
        break;
    default:
        l->out = in;
        break;
    }
    if (l->out.c < 1)
        return cj_fail(err, CJ_ERR_CONFIG, "layer %d (%s) needs a positive number of outputs",
                       index, name);
    return CJ_OK;
}

size_t cj_layer_scratch_floats(const cj_layer *l, int batch)
{
    return l->kind == CJ_LAYER_CONV2D ? cj_conv2d_scratch_floats(l, batch) : 0;
}

void cj_layer_forward(const cj_layer *l, const float *in, float *out, int batch, float *scratch)
{
    size_t n = (size_t)batch * cj_shape_size(l->in);
    switch (l->kind) {
    case CJ_LAYER_DENSE:
        cj_dense_forward(out, in, l->weight, l->bias, batch, l->in.c, l->out.c);
        break;
    case CJ_LAYER_CONV2D:
        cj_conv2d_forward(l, in, out, batch, scratch);
        break;
    case CJ_LAYER_MAXPOOL:
        cj_maxpool_forward(l, in, out, batch);
        break;
    case CJ_LAYER_AVGPOOL:
        cj_avgpool_forward(l, in, out, batch);
        break;
    case CJ_LAYER_FLATTEN:
        if (out != in) memcpy(out, in, n * sizeof(float));
        break;
    default:
        cj_activation_forward(l->kind, in, out, n);
        break;
    }
}

void cj_layer_backward(const cj_layer *l, const float *in, const float *out, const float *dout,
                       const float *feedback, float *din, int batch, float *scratch)
{
    size_t n = (size_t)batch * cj_shape_size(l->in);
    if (!feedback) feedback = l->weight;
    switch (l->kind) {
    case CJ_LAYER_DENSE:
        cj_dense_backward(din, l->dweight, l->dbias, dout, in, feedback, batch, l->in.c, l->out.c);
        break;
    case CJ_LAYER_CONV2D:
        cj_conv2d_backward(l, in, dout, feedback, din, batch, scratch);
        break;
    case CJ_LAYER_MAXPOOL:
        if (din) cj_maxpool_backward(l, in, out, dout, din, batch);
        break;
    case CJ_LAYER_AVGPOOL:
        if (din) cj_avgpool_backward(l, dout, din, batch);
        break;
    case CJ_LAYER_FLATTEN:
        if (din && din != dout) memcpy(din, dout, n * sizeof(float));
        break;
    default:
        if (din) cj_activation_backward(l->kind, in, out, dout, din, n);
        break;
    }
}
