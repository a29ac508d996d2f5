/* gated_layers.c — GRU and LSTM as model layers ("gru 128", "lstm 128"), on
 * the kernels of gru.c and lstm.c: torch.nn.GRU / torch.nn.LSTM with one
 * layer, their tensor names, shapes and gate order (r, z, n and i, f, g, o),
 * and their initialisation U(-1/√H, 1/√H). The initial state is zero, as
 * PyTorch's default; the state is carried between calls until reset.
 *
 * State per sample: h [H] for the GRU; h and c for the LSTM, stored as
 * h [B, H] then c [B, H]. */
#include <math.h>
#include <string.h>

#include "cajal/layers.h"
#include "cajal/recurrent.h"

enum { P_IH, P_HH, P_BIH, P_BHH };

static int gates(const cj_layer *l) { return l->ops == &cj_gru_ops ? 3 : 4; }
static int is_lstm(const cj_layer *l) { return l->ops == &cj_lstm_ops; }

static cj_status gated_parse(cj_layer *l, cj_spec_args *a, cj_error *err)
{
    return cj_spec_count(a, 1, 0, "number of hidden units", &l->units, err);
}

static cj_status gated_setup(cj_layer *l, cj_error *err)
{
    int H = l->units, I = l->in.c, G = gates(l);
    if (l->in.h != 1 || l->in.w != 1)
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s) needs a flat input per step but gets %dx%dx%d; add "
                       "'flatten' before it", l->index, cj_layer_name(l), l->in.c, l->in.h, l->in.w);
    if ((double)G * H * (H > I ? H : I) > CJ_MAX_ELEMENTS)
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s): %d units and %d inputs make weights of more than %u "
                       "elements", l->index, cj_layer_name(l), H, I, CJ_MAX_ELEMENTS);
    l->out = (cj_shape){H, 1, 1};
    float bound = 1.0f / sqrtf((float)H);
    cj_layer_add_param(l, "weight_ih_l0", CJ_PARAM_WEIGHT, bound, 2, (int[]){G * H, I});
    cj_layer_add_param(l, "weight_hh_l0", CJ_PARAM_RECURRENT, bound, 2, (int[]){G * H, H});
    cj_layer_add_param(l, "bias_ih_l0", CJ_PARAM_BIAS, bound, 1, (int[]){G * H});
    cj_layer_add_param(l, "bias_hh_l0", CJ_PARAM_BIAS, bound, 1, (int[]){G * H});
    return CJ_OK;
}

static size_t gated_tape(const cj_layer *l, int T, int B)
{
    return is_lstm(l) ? cj_lstm_workspace_floats(T, B, l->in.c, l->units)
                      : cj_gru_workspace_floats(T, B, l->in.c, l->units);
}

static size_t gated_state(const cj_layer *l) { return (size_t)(is_lstm(l) ? 2 : 1) * l->units; }

static void gated_reset(cj_layer *l, int B)
{
    memset(l->state, 0, sizeof(float) * B * gated_state(l));
}

static cj_recurrent_params params_of(const cj_layer *l)
{
    cj_recurrent_params rp = {l->params[P_IH].data, l->params[P_HH].data, l->params[P_BIH].data,
                              l->params[P_BHH].data};
    return rp;
}

static void gated_forward(cj_layer *l, const cj_pass *p)
{
    int T = p->T, B = p->B, H = l->units;
    cj_recurrent_params rp = params_of(l);
    float *h = l->state, *c = l->state + (size_t)B * H;
    if (is_lstm(l)) cj_lstm_forward(p->out, h, c, p->tape, p->in, h, c, &rp, T, B, l->in.c, H);
    else cj_gru_forward(p->out, h, p->tape, p->in, h, &rp, T, B, l->in.c, H);
}

static void gated_backward(cj_layer *l, const cj_pass *p)
{
    int T = p->T, B = p->B, H = l->units;
    if (!p->accumulate)
        for (int k = 0; k < l->n_params; k++) memset(l->params[k].grad, 0, sizeof(float) * l->params[k].n);
    if (p->din) memset(p->din, 0, sizeof(float) * (size_t)T * B * l->in.c);
    cj_recurrent_params rp = params_of(l);
    cj_recurrent_grads g = {l->params[P_IH].grad, l->params[P_HH].grad, l->params[P_BIH].grad,
                            l->params[P_BHH].grad};
    cj_recurrent_feedback fb = {p->feedback ? p->feedback[P_IH] : NULL, p->feedback ? p->feedback[P_HH] : NULL};
    if (is_lstm(l))
        cj_lstm_backward(p->din, NULL, NULL, &g, p->dout, NULL, NULL, p->tape, p->in, &rp, &fb, T, B, l->in.c, H);
    else
        cj_gru_backward(p->din, NULL, &g, p->dout, NULL, p->tape, p->in, &rp, &fb, T, B, l->in.c, H);
}

const cj_layer_ops cj_gru_ops = {
    .word = "gru",
    .torch_name = "GRU",
    .parse = gated_parse,
    .setup = gated_setup,
    .tape_floats = gated_tape,
    .state_floats = gated_state,
    .reset = gated_reset,
    .forward = gated_forward,
    .backward = gated_backward,
};

const cj_layer_ops cj_lstm_ops = {
    .word = "lstm",
    .torch_name = "LSTM",
    .parse = gated_parse,
    .setup = gated_setup,
    .tape_floats = gated_tape,
    .state_floats = gated_state,
    .reset = gated_reset,
    .forward = gated_forward,
    .backward = gated_backward,
};
