/* window.c — sliding-window options and output sizes (conv2d, pooling). */
#include "window.h"

cj_status cj_window_parse(cj_layer *l, cj_spec_args *a, int default_kernel, int default_stride, cj_error *err)
{
    enum { BIG = 1 << 24 };
    cj_status st = cj_spec_int(a, "kernel", l->kernel ? l->kernel : default_kernel, 0, BIG, &l->kernel, err);
    if (!st) st = cj_spec_int(a, "stride", default_stride ? default_stride : l->kernel, 0, BIG, &l->stride, err);
    if (!st) st = cj_spec_int(a, "padding", 0, 0, BIG, &l->padding, err);
    return st;
}

/* Output size of a sliding window (PyTorch's floor rule), in 64 bits so
 * that a huge padding cannot wrap; < 1 if the kernel does not fit. */
static long long window_out(long long size, int kernel, int stride, int padding)
{
    long long span = size + 2LL * padding - kernel;
    return span < 0 ? 0 : span / stride + 1;
}

cj_status cj_window_setup(cj_layer *l, int is_pool, cj_error *err)
{
    const char *name = cj_layer_name(l);
    cj_shape in = l->in;
    if (l->kernel < 1 || l->stride < 1 || l->padding < 0)
        return cj_fail(err, CJ_ERR_CONFIG, "layer %d (%s): kernel %d, stride %d, padding %d are invalid", l->index,
                       name, l->kernel, l->stride, l->padding);
    if (is_pool && 2 * l->padding > l->kernel)
        return cj_fail(err, CJ_ERR_CONFIG, "layer %d (%s): padding %d exceeds half the kernel %d", l->index, name,
                       l->padding, l->kernel);
    long long ph = in.h + 2LL * l->padding, pw = in.w + 2LL * l->padding;
    if ((double)in.c * ph * pw > CJ_MAX_ELEMENTS)
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s): padded input %dx%lldx%lld is more than %u elements",
                       l->index, name, in.c, ph, pw, CJ_MAX_ELEMENTS);
    long long oh = window_out(in.h, l->kernel, l->stride, l->padding);
    long long ow = window_out(in.w, l->kernel, l->stride, l->padding);
    if (oh < 1 || ow < 1)
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s): kernel %d does not fit its %dx%d input", l->index, name,
                       l->kernel, in.h, in.w);
    l->out.h = (int)oh; /* below the padded size, so it fits */
    l->out.w = (int)ow;
    return CJ_OK;
}
