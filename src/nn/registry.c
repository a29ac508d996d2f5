/* registry.c — every layer kind model.layers can name, in the order error
 * messages list them. Adding a layer is one line here. */
#include "cajal/layers.h"

static const cj_layer_ops *const REGISTRY[] = {
    &cj_dense_ops,   &cj_conv2d_ops, &cj_maxpool_ops, &cj_avgpool_ops, &cj_flatten_ops, &cj_relu_ops,
    &cj_tanh_ops,    &cj_sigmoid_ops, &cj_softplus_ops, &cj_rnn_ops,   &cj_gru_ops,     &cj_lstm_ops,
};

const cj_layer_ops *const *cj_layer_registry(int *n)
{
    *n = (int)(sizeof REGISTRY / sizeof REGISTRY[0]);
    return REGISTRY;
}
