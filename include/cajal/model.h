/* model.h — a feed-forward network: a sequence of layers whose parameters
 * live in one contiguous buffer (and their gradients in another of the same
 * layout), so initialising, saving and optimiser steps are one loop each.
 *
 * The layer list is written as text, one comma-separated item per module of
 * the equivalent torch.nn.Sequential, e.g.
 *     "flatten, dense 256, relu, dense 256, relu, dense 10"
 *     "conv2d 32 kernel=5 padding=2, relu, maxpool 2, flatten, dense 10"
 * Module i's parameters are named "i.weight" and "i.bias", as in PyTorch. */
#ifndef CAJAL_MODEL_H
#define CAJAL_MODEL_H

#include "cajal/layers.h"
#include "cajal/rng.h"
#include "cajal/status.h"
#include "cajal/tensor.h"

typedef struct {
    int n_layers;
    cj_layer *layers;
    cj_shape input;
    int max_batch;

    float *params, *grads;  /* n_params floats each, layer by layer */
    size_t n_params;

    /* acts[0] is the input, acts[i + 1] the output of layer i; dacts[i] is
     * dL/dacts[i]. Each holds max_batch samples. */
    float **acts, **dacts;
    float *scratch;
    cj_arena arena;  /* owns everything above */
} cj_model;

/* Parse `spec` and allocate the model for inputs of shape `input` and
 * batches of up to max_batch samples. Parameters start at zero: call
 * cj_model_init or load them. On failure nothing needs freeing. */
cj_status cj_model_create(cj_model *m, const char *spec, cj_shape input, int max_batch,
                          cj_error *err);
void cj_model_free(cj_model *m);

/* The floats cj_model_create would allocate for this spec, input and batch
 * (parameters, gradients, activations, scratch), without allocating them;
 * fails as cj_model_create would on a bad spec or an oversized tensor
 * (CJ_MAX_ELEMENTS). */
cj_status cj_model_plan(const char *spec, cj_shape input, int max_batch, size_t *floats, cj_error *err);

/* PyTorch's default initialisation: weights and biases of a layer with
 * fan-in n drawn from U(-1/sqrt(n), 1/sqrt(n)). */
void cj_model_init(cj_model *m, cj_rng *rng);

static inline cj_shape cj_model_output_shape(const cj_model *m)
{
    return m->layers[m->n_layers - 1].out;
}
/* Output of the last layer after cj_model_forward. */
static inline const float *cj_model_output(const cj_model *m) { return m->acts[m->n_layers]; }

/* Run the network on `batch` samples of x (copied into acts[0]); returns the
 * output. */
const float *cj_model_forward(cj_model *m, const float *x, int batch);

/* Backward pass from dL/doutput (copied into dacts[n_layers]), filling the
 * parameter gradients. feedback[i] replaces layer i's weight when sending
 * the error to its input; feedback == NULL or feedback[i] == NULL means the
 * weight itself. Error signals below the first parametric layer are not
 * computed (dacts there are left as they were). */
void cj_model_backward(cj_model *m, const float *dout, int batch, const float *const *feedback);

/* Index of the i-th layer with parameters, and how many there are. */
int cj_model_n_param_layers(const cj_model *m);
int cj_model_param_layer(const cj_model *m, int i);

/* Find a layer's parameter by PyTorch name ("3.weight"); NULL if none. */
float *cj_model_find_param(cj_model *m, const char *name, cj_tensor *view);

/* Visit each parameter tensor in order (weight then bias of each layer)
 * with its PyTorch name and shape. */
typedef cj_status (*cj_param_visitor)(const char *name, cj_tensor *t, void *user);
cj_status cj_model_each_param(cj_model *m, cj_param_visitor visit, void *user);

#endif
