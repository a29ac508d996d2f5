/* layers.h — the architecture component: layers as tables of functions
 * (kann's op list), each a forward and a backward pass over plain float
 * buffers in the style of llm.c, with the maths beside the code.
 *
 * Time. Every layer runs over a time-major sequence [T, B, ...] (PyTorch's
 * batch_first=False): a feed-forward layer treats it as T*B independent
 * samples, so T = 1 costs nothing; a recurrent layer carries its state from
 * step to step and from one call to the next (cj_layer_ops.reset starts new
 * sequences), and keeps on its tape what backpropagation through time needs.
 *
 * Data layout is PyTorch's: one step of a sample is [C, H, W] row-major (a
 * dense layer's features are C with H = W = 1), a dense weight is [out, in],
 * a conv weight is [out, in, kh, kw], recurrent weights are torch.nn.RNN's.
 *
 * Parameters. A layer lists its parameter tensors by name (PyTorch's
 * attribute names: "weight", "bias", "weight_hh_l0", ...), shape and role, so
 * a layer may have any number of them and a learning rule can find, say,
 * every recurrent weight without knowing the layer.
 *
 * A layer never knows which learning rule trains it. Its backward pass takes
 * an optional `feedback` tensor per parameter and sends the error to its
 * input (and back in time) through that tensor instead of the weight:
 * backprop passes nothing (the weights themselves), feedback alignment fixed
 * random matrices, sign symmetry sign(W), and so on (src/rules/).
 *
 * Adding a layer: write src/nn/NAME.c with its cj_layer_ops, add one line
 * to the registry in src/nn/registry.c, and a test. */
#ifndef CAJAL_LAYERS_H
#define CAJAL_LAYERS_H

#include <stddef.h>

#include "cajal/rng.h"
#include "cajal/spec.h"
#include "cajal/status.h"

/* The most elements any one tensor of a model may have: a sample's input
 * or output of a layer, a batch of them, a weight, a layer's scratch, and
 * all parameters together (2^31 - 1, 8 GiB of floats). The kernels index
 * with int, and anything larger is a typo rather than a network to train
 * on a CPU; cj_layer_setup and cj_model_create refuse it by name. */
#define CJ_MAX_ELEMENTS 2147483647u

/* Shape of one sample at one time step: channels, height, width. */
typedef struct {
    int c, h, w;
} cj_shape;

static inline size_t cj_shape_size(cj_shape s) { return (size_t)s.c * s.h * s.w; }

/* What a parameter is for, so rules can treat kinds of weights alike. */
typedef enum {
    CJ_PARAM_WEIGHT,     /* feed-forward weight from the layer's input (Linear.weight, weight_ih_l0) */
    CJ_PARAM_RECURRENT,  /* weight from the layer's own previous state (weight_hh_l0) */
    CJ_PARAM_BIAS,
    CJ_PARAM_STATE       /* a trainable initial state (h0), [hidden] */
} cj_param_role;

enum { CJ_LAYER_MAX_PARAMS = 6, CJ_PARAM_NAME_MAX = 24 };

typedef struct {
    char name[CJ_PARAM_NAME_MAX];  /* PyTorch attribute name, without the module index */
    cj_param_role role;
    int ndim, shape[4];
    size_t n;                      /* elements */
    float init_bound;              /* PyTorch's default init: U(-bound, bound); 0 = zeros */
    float *data, *grad;            /* views into the model's parameter and gradient buffers */
} cj_param;

typedef struct cj_layer cj_layer;
typedef struct cj_layer_ops cj_layer_ops;

/* A layer's options (model.layers items) are read with cj_spec_* from
 * spec.h, e.g. cj_spec_int(a, "kernel", ...); anything left unread is an
 * error naming it and listing the layer's own options. */


/* The buffers of one pass over a sequence of T steps of B samples. */
typedef struct {
    int T, B;
    const float *in;     /* [T, B, in] */
    float *out;          /* [T, B, out] (written by forward, read by backward) */
    const float *dout;   /* backward: dL/dout [T, B, out] */
    float *din;          /* backward: dL/din, or NULL when not wanted (the input is data) */
    float *tape;         /* the layer's own ops->tape_floats(l, T, B): filled by forward, read by backward */
    float *scratch;      /* shared by all layers: ops->scratch_floats(l, T, B) */
    /* feedback[k] (when feedback and it are not NULL) replaces param k's
     * data wherever the error is sent to the input or back in time. */
    const float *const *feedback;
    /* Add the parameter gradients to what the grad buffers hold instead of
     * overwriting them (chunks of truncated backprop through time). */
    int accumulate;
} cj_pass;

struct cj_layer_ops {
    const char *word;        /* in model.layers: "dense" */
    const char *alias;       /* another accepted word ("linear"), or NULL */
    const char *torch_name;  /* the PyTorch module: "Linear" */
    const char *options;     /* the options it takes, for messages: "kernel, stride, padding" */
    /* Read the item's count and options into l (l->in is not known yet). */
    cj_status (*parse)(cj_layer *l, cj_spec_args *a, cj_error *err);
    /* From l->in: l->out and the parameter list (names, shapes, roles,
     * init bounds). Messages name the layer by l->index. */
    cj_status (*setup)(cj_layer *l, cj_error *err);
    /* Floats of tape (kept from forward to backward) and of scratch
     * (reused by every layer) for T x B; NULL means none. */
    size_t (*tape_floats)(const cj_layer *l, int T, int B);
    size_t (*scratch_floats)(const cj_layer *l, int T, int B);
    /* Recurrent layers: floats of state per sample (NULL for feed-forward
     * layers), and reset, which starts B new sequences from the initial
     * state. */
    size_t (*state_floats)(const cj_layer *l);
    void (*reset)(cj_layer *l, int B);
    void (*forward)(cj_layer *l, const cj_pass *p);
    /* Parameter gradients into each param's grad, and p->din when not NULL. */
    void (*backward)(cj_layer *l, const cj_pass *p);
    /* Initialise parameters; NULL means each param from U(-init_bound, init_bound) in order. */
    void (*init)(cj_layer *l, cj_rng *rng);
    /* The layer's own random stream (the rate RNN's noise), or NULL when it
     * draws nothing: a run saves and restores it to resume exactly. NULL
     * here means the kind has none. */
    cj_rng *(*rng)(cj_layer *l);
    size_t priv_bytes;       /* size of the layer's own settings (l->priv), zeroed before parse */
    /* The output is the input's memory (flatten): the model gives the
     * layer no buffers of its own, and forward and backward copy nothing. */
    int in_place;
    /* Finite inputs always give finite outputs (ReLU, max-pooling, ...): the
     * rules' NaN/Inf check (src/rules/rule.c) skips such a layer's output
     * when its input was checked. Not for sums that can overflow. */
    int keeps_finite;
};

struct cj_layer {
    const cj_layer_ops *ops;
    int index;                /* position in the model */
    cj_shape in, out;         /* one sample, one step */
    int units;                /* outputs of dense/conv, hidden units of a recurrent layer */
    int kernel, stride, padding;  /* conv2d and pooling */
    int n_params;
    cj_param params[CJ_LAYER_MAX_PARAMS];
    float *state;             /* recurrent layers: [B, state_floats] (owned by the model) */
    void *priv;               /* the kind's settings: ops->priv_bytes (owned by the model) */
};

/* The registered layers, and lookup by word or alias (NULL if unknown). */
const cj_layer_ops *const *cj_layer_registry(int *n);
const cj_layer_ops *cj_layer_ops_find(const char *word);

static inline const char *cj_layer_name(const cj_layer *l) { return l->ops->torch_name; }
static inline int cj_layer_has_params(const cj_layer *l) { return l->n_params > 0; }
static inline int cj_layer_is_recurrent(const cj_layer *l) { return l->ops->state_floats != NULL; }
/* The layer's random stream, or NULL (cj_layer_ops.rng). */
static inline cj_rng *cj_layer_rng(cj_layer *l) { return l->ops->rng ? l->ops->rng(l) : NULL; }
/* The first parameter with this role, or NULL. */
cj_param *cj_layer_param(cj_layer *l, cj_param_role role);
/* Elements of all the layer's parameters. */
size_t cj_layer_param_count(const cj_layer *l);

/* Add a parameter to l during setup (names are at most CJ_PARAM_NAME_MAX-1
 * characters); shape has ndim entries. */
void cj_layer_add_param(cj_layer *l, const char *name, cj_param_role role, float init_bound, int ndim,
                        const int *shape);

/* Check l->in, call ops->setup and check the output and every parameter
 * against CJ_MAX_ELEMENTS; messages name the layer. */
cj_status cj_layer_setup(cj_layer *l, int index, cj_error *err);

/* Parse one model.layers item ("conv2d 32 kernel=5") into a fresh layer
 * (before setup). priv is allocated here when the kind has settings;
 * cj_layer_release frees it. */
cj_status cj_layer_parse(char *item, int index, cj_layer *l, cj_error *err);
void cj_layer_release(cj_layer *l);

static inline size_t cj_layer_tape_floats(const cj_layer *l, int T, int B)
{
    return l->ops->tape_floats ? l->ops->tape_floats(l, T, B) : 0;
}
static inline size_t cj_layer_scratch_floats_seq(const cj_layer *l, int T, int B)
{
    return l->ops->scratch_floats ? l->ops->scratch_floats(l, T, B) : 0;
}
/* Scratch for one step of `batch` samples (feed-forward use). */
static inline size_t cj_layer_scratch_floats(const cj_layer *l, int batch)
{
    return cj_layer_scratch_floats_seq(l, 1, batch);
}

/* One step of a feed-forward layer on `batch` samples (T = 1, no tape):
 * the convenient form for tests and for rules that run their own passes.
 * backward overwrites the parameter gradients; feedback, when not NULL,
 * replaces the layer's first (weight) parameter. */
void cj_layer_forward(cj_layer *l, const float *in, float *out, int batch, float *scratch);
void cj_layer_backward(cj_layer *l, const float *in, const float *out, const float *dout,
                       const float *feedback, float *din, int batch, float *scratch);

/* ---- kernels, callable directly ---------------------------------------- */
void cj_dense_forward(float *out, const float *in, const float *weight, const float *bias,
                      int batch, int n_in, int n_out);
/* beta 0 overwrites dweight/dbias, 1 adds to them. */
void cj_dense_backward(float *din, float *dweight, float *dbias, const float *dout,
                       const float *in, const float *feedback, int batch, int n_in, int n_out, float beta);

void cj_conv2d_forward(const cj_layer *l, const float *in, float *out, int batch, float *scratch);
void cj_conv2d_backward(const cj_layer *l, const float *in, const float *dout,
                        const float *feedback, float *din, int batch, float *scratch);
size_t cj_conv2d_scratch_floats(const cj_layer *l, int batch);

void cj_maxpool_forward(const cj_layer *l, const float *in, float *out, int batch);
void cj_maxpool_backward(const cj_layer *l, const float *in, const float *out,
                         const float *dout, float *din, int batch);
void cj_avgpool_forward(const cj_layer *l, const float *in, float *out, int batch);
void cj_avgpool_backward(const cj_layer *l, const float *dout, float *din, int batch);

/* A rate RNN layer's settings (α and f), and its rates r = f(x) for the
 * current state of B samples into r [B, H]: what a rule with eligibility
 * traces needs (RFLO). Only for layers of cj_rnn_ops. */
void cj_rnn_layer_dynamics(const cj_layer *l, float *alpha, int *nonlinearity, int *dale);
void cj_rnn_layer_rates(const cj_layer *l, int B, float *r);
/* A perturbation from outside for the next forward call only: xi [T, B, H]
 * (that call's T and B) is added to the input current inside the α(...)
 * term at every step, where the layer's own noise enters,
 *     x_t = (1 − α) x_{t−1} + α (W_hh r_{t−1} + W_ih u_t + b + noise_t + ξ_t),
 * so its gradient is that of the bias. The call uses xi and forgets it;
 * NULL (or no call) adds nothing. For node perturbation through time and
 * reward-modulated Hebbian learning (src/rules/). */
void cj_rnn_layer_perturb(cj_layer *l, const float *xi);
/* The current state x [B, H] (x_t after a forward call of t steps). */
const float *cj_rnn_layer_state(const cj_layer *l);
/* With dale=true, how many units (the first ones) are excitatory; else 0.
 * weight_hh_l0 then holds magnitudes: W_eff = [W]_+ diag(±1). */
int cj_rnn_layer_excitatory(const cj_layer *l);

/* The registered kinds (src/nn/registry.c lists them). */
extern const cj_layer_ops cj_dense_ops, cj_conv2d_ops, cj_maxpool_ops, cj_avgpool_ops, cj_flatten_ops,
    cj_relu_ops, cj_tanh_ops, cj_sigmoid_ops, cj_softplus_ops, cj_rnn_ops, cj_gru_ops, cj_lstm_ops;

#endif
