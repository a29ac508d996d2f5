/* model.h — a network: a sequence of layers, run over time-major sequences
 * [T, B, ...] (T = 1 for a feed-forward pass), whose parameters
 * live in one contiguous buffer (and their gradients in another of the same
 * layout), so initialising, saving and optimiser steps are one loop each.
 *
 * The layer list is written as text, one comma-separated item per module of
 * the equivalent torch.nn.Sequential, e.g.
 *     "flatten, dense 256, relu, dense 256, relu, dense 10"
 *     "conv2d 32 kernel=5 padding=2, relu, maxpool 2, flatten, dense 10"
 *     "rnn 64 nonlinearity=relu tau=100 dt=20, dense 33"
 * Module i's parameters are named "i.NAME" with the module's own names
 * ("0.weight", "0.bias", "0.weight_hh_l0"), as in PyTorch's state_dict. */
#ifndef CAJAL_MODEL_H
#define CAJAL_MODEL_H

#include "cajal/layers.h"
#include "cajal/rng.h"
#include "cajal/status.h"
#include "cajal/tensor.h"

typedef struct {
    int n_layers;
    cj_layer *layers;
    cj_shape input;            /* one sample at one time step */
    int max_batch, max_steps;  /* the largest [T, B] a pass may take */

    float *params, *grads;  /* n_params floats each, layer by layer, param by param */
    size_t n_params;
    /* Pruning masks (prune.h), laid out like params: 1 keeps a parameter,
     * 0 holds it at exactly 0 whatever a rule or optimiser proposes. NULL
     * (the usual case) means nothing is pruned and costs nothing. Owned
     * (malloc), freed by cj_model_free. */
    float *mask;

    /* acts[0] is the input, acts[i + 1] the output of layer i, each
     * [T, B, size] for the last forward pass (time-major); dacts[i] is
     * dL/dacts[i]. tapes[i] is layer i's tape (NULL when it keeps none). */
    float **acts, **dacts, **tapes;
    float *scratch;
    int steps, batch;  /* T and B of the last forward pass */
    cj_arena arena;    /* owns everything above, and the layers' state and settings */
} cj_model;

/* Parse `spec` and allocate the model for inputs of shape `input` and
 * batches of up to max_batch samples of one step (feed-forward use).
 * Parameters start at zero: call cj_model_init or load them. On failure
 * nothing needs freeing. */
cj_status cj_model_create(cj_model *m, const char *spec, cj_shape input, int max_batch,
                          cj_error *err);
/* The same for sequences of up to max_steps steps per pass (the tape of
 * backprop through time holds max_steps x max_batch). */
cj_status cj_model_create_seq(cj_model *m, const char *spec, cj_shape input, int max_steps, int max_batch,
                              cj_error *err);
void cj_model_free(cj_model *m);

/* The floats cj_model_create would allocate for this spec, input and batch
 * (parameters, gradients, activations, tapes, scratch), without allocating
 * them; fails as cj_model_create would on a bad spec or an oversized tensor
 * (CJ_MAX_ELEMENTS). */
cj_status cj_model_plan(const char *spec, cj_shape input, int max_batch, size_t *floats, cj_error *err);

/* PyTorch's default initialisation, layer by layer: each parameter from
 * U(-b, b) with its layer's bound (1/sqrt(fan-in) for Linear and Conv2d,
 * 1/sqrt(hidden) for RNN, GRU and LSTM), in order. */
void cj_model_init(cj_model *m, cj_rng *rng);

/* Does any layer carry state between time steps? */
int cj_model_is_recurrent(const cj_model *m);

static inline cj_shape cj_model_output_shape(const cj_model *m)
{
    return m->layers[m->n_layers - 1].out;
}
/* Output of the last layer after a forward pass, [T, B, out]. */
static inline const float *cj_model_output(const cj_model *m) { return m->acts[m->n_layers]; }

/* Start B new sequences: every recurrent layer back to its initial state. */
void cj_model_reset(cj_model *m, int batch);

/* Run `batch` samples of one step x (copied into acts[0]) from the initial
 * state; returns the output. The feed-forward pass. */
const float *cj_model_forward(cj_model *m, const float *x, int batch);

/* Run T steps of B samples, x [T, B, input] (copied into acts[0] unless it
 * is acts[0]), continuing from the current state (cj_model_reset starts
 * new sequences). Every layer's output for every step is in acts
 * afterwards — the hook for recording units — and recurrent layers keep on
 * their tapes what backward needs. */
const float *cj_model_forward_seq(cj_model *m, const float *x, int T, int B);

/* The same, calling hook(m, i, user) after layer i has written acts[i + 1]
 * (a rule may perturb it there: node perturbation). */
typedef void (*cj_layer_hook)(cj_model *m, int layer, void *user);
const float *cj_model_forward_hook(cj_model *m, const float *x, int T, int B, cj_layer_hook hook, void *user);

/* Backward pass of the last forward pass from dL/doutput (copied into
 * dacts[n_layers]), filling the parameter gradients (added to them when
 * accumulate is non-zero, for chunks of truncated BPTT). feedback, when
 * not NULL, is laid out like params: its tensor at each weight's place is
 * used instead of the weight when the error goes to a layer's input or
 * back in time (feedback alignment and its relatives). Error signals below
 * the first parametric layer are not computed. */
void cj_model_backward(cj_model *m, const float *dout, const float *feedback, int accumulate);

/* Layers top down to bottom only (top >= bottom): error signals into
 * dacts[i] for i > bottom, parameter gradients (overwritten) of all. The
 * traversal rules that send errors their own way (DFA) use. */
void cj_model_backward_range(cj_model *m, int top, int bottom);

/* Layers top down to 0, the error signal sent into every dacts[i] down to
 * dacts[0] = dL/dinput: the gradient with respect to the input itself,
 * which activation maximisation climbs (maximize.h). The caller fills
 * dacts[top + 1]; parameter gradients of those layers are overwritten. */
void cj_model_backward_input(cj_model *m, int top);

/* The layers' own random streams (a rate RNN's recurrent noise): how many
 * there are, and copies out and back, so that passes which belong together
 * (a rule's clean and perturbed passes, the diagnostics' reference pass and
 * the rule's) draw the same noise, and measuring leaves training's streams
 * where they were. buf holds cj_model_n_streams(m) states. */
int cj_model_n_streams(const cj_model *m);
void cj_model_save_streams(cj_model *m, cj_rng *buf);
void cj_model_restore_streams(cj_model *m, const cj_rng *buf);

/* ---- pruning masks ------------------------------------------------------
 * A masked model keeps its pruned parameters at exactly +0.0: the trainer
 * zeroes their proposed updates after the rule and sets them to 0 again
 * after the optimiser step (cj_model_mask_grads, cj_model_mask_params), so
 * every rule and optimiser respects the mask without knowing of it (the
 * one other hook: weight perturbation perturbs only unmasked weights).
 * Saved and loaded with the model as "<name>_mask" tensors (io.h). */

/* Give m a mask of all ones if it has none (nothing pruned yet). */
cj_status cj_model_mask_enable(cj_model *m, cj_error *err);
/* Remove the mask (the model is dense again; parameters are unchanged). */
void cj_model_mask_clear(cj_model *m);
/* x[i] = 0 wherever mask[i] is 0, for n floats (+0.0, not -0.0). */
void cj_mask_apply(float *restrict x, const float *restrict mask, size_t n);
static inline void cj_model_mask_params(cj_model *m)
{
    if (m->mask) cj_mask_apply(m->params, m->mask, m->n_params);
}
static inline void cj_model_mask_grads(cj_model *m)
{
    if (m->mask) cj_mask_apply(m->grads, m->mask, m->n_params);
}
/* Parameters of p the mask keeps (p->n without a mask). */
size_t cj_model_mask_kept(const cj_model *m, const cj_param *p);

/* Index of the i-th layer with parameters, and how many there are. */
int cj_model_n_param_layers(const cj_model *m);
int cj_model_param_layer(const cj_model *m, int i);

/* Offset of a parameter (or of a layer's first one) in params. */
static inline size_t cj_model_param_offset(const cj_model *m, const cj_param *p)
{
    return (size_t)(p->data - m->params);
}

/* Find a parameter by its PyTorch name ("3.weight", "0.weight_hh_l0");
 * NULL if none. view (may be NULL) gets its shape. */
float *cj_model_find_param(cj_model *m, const char *name, cj_tensor *view);

/* Visit each parameter tensor in order with its PyTorch name and shape. */
typedef cj_status (*cj_param_visitor)(const char *name, cj_tensor *t, void *user);
cj_status cj_model_each_param(cj_model *m, cj_param_visitor visit, void *user);

#endif
