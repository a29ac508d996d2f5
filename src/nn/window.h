/* window.h — what conv2d and the pooling layers share: their kernel,
 * stride and padding options and PyTorch's output-size rule. */
#ifndef CAJAL_NN_WINDOW_H
#define CAJAL_NN_WINDOW_H

#include "cajal/layers.h"

/* kernel=, stride= (default: default_stride, or the kernel when it is 0)
 * and padding= into l. */
cj_status cj_window_parse(cj_layer *l, cj_spec_args *a, int default_kernel, int default_stride, cj_error *err);

/* l->out.h and l->out.w from l->in and the window (out.c is the caller's);
 * pooling (is_pool) also needs padding <= kernel / 2, as PyTorch does. */
cj_status cj_window_setup(cj_layer *l, int is_pool, cj_error *err);

#endif
