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

/* a * b, or 0 when it exceeds CJ_MAX_ELEMENTS (no factor here is 0). */
static size_t mul_capped(size_t a, size_t b)
{
    return a && b > CJ_MAX_ELEMENTS / a ? 0 : a * b;
}

static size_t shape_capped(long long c, long long h, long long w)
{
    if (c < 1 || h < 1 || w < 1 || c > CJ_MAX_ELEMENTS || h > CJ_MAX_ELEMENTS || w > CJ_MAX_ELEMENTS) return 0;
    size_t ch = mul_capped((size_t)c, (size_t)h);
    return ch ? mul_capped(ch, (size_t)w) : 0;
}

static cj_status too_large(int index, const char *name, const char *what, long long a, long long b, long long c,
                           cj_error *err)
{
    return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s): %s %lldx%lldx%lld is more than %u elements", index, name,
                   what, a, b, c, CJ_MAX_ELEMENTS);
}

static cj_status setup_dense(cj_layer *l, int index, const char *name, cj_error *err)
{
    cj_shape in = l->in;
    if (in.h != 1 || in.w != 1)
        return cj_fail(err, CJ_ERR_SHAPE,
                       "layer %d (%s) needs a flat input but gets %dx%dx%d; add 'flatten' before it", index,
                       name, in.c, in.h, in.w);
    l->out.h = l->out.w = 1;
    if (!shape_capped(l->out.c, in.c, 1))
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s): weight %dx%d is more than %u elements", index, name,
                       l->out.c, in.c, CJ_MAX_ELEMENTS);
    l->n_weight = (size_t)l->out.c * in.c;
    l->n_bias = (size_t)l->out.c;
    return CJ_OK;
}

/* Output size of a sliding window (PyTorch's floor rule), in 64 bits so
 * that a huge padding cannot wrap; < 1 if the kernel does not fit. */
static long long window_out(long long size, int kernel, int stride, int padding)
{
    long long span = size + 2LL * padding - kernel;
    return span < 0 ? 0 : span / stride + 1;
}

static cj_status setup_window(cj_layer *l, int index, const char *name, cj_error *err)
{
    cj_shape in = l->in;
    if (l->kernel < 1 || l->stride < 1 || l->padding < 0)
        return cj_fail(err, CJ_ERR_CONFIG, "layer %d (%s): kernel %d, stride %d, padding %d are invalid", index,
                       name, l->kernel, l->stride, l->padding);
    if (l->kind != CJ_LAYER_CONV2D && 2 * l->padding > l->kernel)
        return cj_fail(err, CJ_ERR_CONFIG, "layer %d (%s): padding %d exceeds half the kernel %d", index, name,
                       l->padding, l->kernel);
    long long ph = in.h + 2LL * l->padding, pw = in.w + 2LL * l->padding;
    if (!shape_capped(in.c, ph, pw)) return too_large(index, name, "padded input", in.c, ph, pw, err);
    long long oh = window_out(in.h, l->kernel, l->stride, l->padding);
    long long ow = window_out(in.w, l->kernel, l->stride, l->padding);
    if (oh < 1 || ow < 1)
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s): kernel %d does not fit its %dx%d input", index, name,
                       l->kernel, in.h, in.w);
    l->out.h = (int)oh;  /* below the padded size, so it fits */
    l->out.w = (int)ow;
    if (l->kind != CJ_LAYER_CONV2D) {
        l->out.c = in.c;
        return CJ_OK;
    }
    /* The weight [out, in, k, k] and im2col's per-sample columns [in k k, oh ow]. */
    size_t kk = shape_capped(in.c, l->kernel, l->kernel);
    if (!kk || !mul_capped(kk, (size_t)l->out.c))
        return too_large(index, name, "weight", l->out.c, in.c, (long long)l->kernel * l->kernel, err);
    if (!mul_capped(kk, (size_t)(oh * ow)))
        return too_large(index, name, "unfolded input", (long long)kk, oh, ow, err);
    l->n_weight = kk * l->out.c;
    l->n_bias = (size_t)l->out.c;
    return CJ_OK;
}

cj_status cj_layer_setup(cj_layer *l, int index, cj_error *err)
{
    const char *name = cj_layer_kind_name(l->kind);
    cj_shape in = l->in;
    l->n_weight = l->n_bias = 0;
    if (!shape_capped(in.c, in.h, in.w))
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s): input %dx%dx%d is empty or more than %u elements", index,
                       name, in.c, in.h, in.w, CJ_MAX_ELEMENTS);
    cj_status st = CJ_OK;
    switch (l->kind) {
    case CJ_LAYER_DENSE:
        st = setup_dense(l, index, name, err);
        break;
    case CJ_LAYER_CONV2D:
    case CJ_LAYER_MAXPOOL:
    case CJ_LAYER_AVGPOOL:
        st = setup_window(l, index, name, err);
        break;
    case CJ_LAYER_FLATTEN:
        /* The input was checked above, so the product fits an int. */
        l->out = (cj_shape){(int)cj_shape_size(in), 1, 1};
        break;
    default:
        l->out = in;
        break;
    }
    if (st) return st;
    if (l->out.c < 1)
        return cj_fail(err, CJ_ERR_CONFIG, "layer %d (%s) needs a positive number of outputs", index, name);
    if (!shape_capped(l->out.c, l->out.h, l->out.w))
        return too_large(index, name, "output", l->out.c, l->out.h, l->out.w, err);
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
