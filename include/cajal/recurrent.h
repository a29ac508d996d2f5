/* recurrent.h — recurrent layers over whole sequences, with backpropagation
 * through time: a continuous-time rate RNN (Song, Yang & Wang 2016), and
 * GRU and LSTM exactly as torch.nn.GRU and torch.nn.LSTM (one layer,
 * unidirectional).
 *
 * Layout is time-major, as PyTorch's default (batch_first=False):
 *
 *     input [T, B, I]   hidden sequence (output) [T, B, H]   states [B, H]
 *
 * row-major; a state [B, H] has the memory of PyTorch's h0 [1, B, H]. Every
 * kernel takes the sizes T, B, n_in (= I) and H last.
 * Parameters carry PyTorch's names and shapes, G gate blocks stacked along
 * the first dimension (G = 1 rate RNN, 3 GRU in order r, z, n, 4 LSTM in
 * order i, f, g, o):
 *
 *     weight_ih_l0 [G*H, I]   weight_hh_l0 [G*H, H]   bias_ih_l0, bias_hh_l0 [G*H]
 *
 * so a state_dict loads unchanged.
 *
 * Memory. The caller allocates one workspace of
 * cj_<cell>_workspace_floats(T, B, n_in, H) floats per sequence: the forward
 * pass fills it with the tape backprop through time needs (gates and states
 * for all T x B rows), and the backward pass reads that tape and uses the
 * rest as scratch. Backward leaves the tape intact, so it may run twice on
 * one forward (e.g. with two learning rules). Kernels never allocate.
 *
 * Accumulation. Every gradient the backward pass writes — input, initial
 * state(s) and each parameter — is ADDED to what the buffer holds (+=), so
 * the caller zeroes them first. That way the chunks of truncated
 * backpropagation through time sum into one gradient: run chunk k from the
 * final state of chunk k-1, and pass chunk k's initial-state gradient as
 * chunk k-1's final-state gradient; tests/test_recurrent.c checks that this
 * reproduces the whole-sequence gradient.
 *
 * Aliasing. The final-state outputs may be the initial-state inputs (x_n
 * == x0, h_n == h0, c_n == c0): the initial state is copied onto the tape
 * before anything is written, which is how a model layer carries its state
 * from one call to the next in place.
 *
 * Optional pointers. Biases may be NULL (bias=False); any gradient pointer,
 * the initial states (NULL means zeros), the final-state outputs and the
 * final-state gradients (NULL means zero) may be NULL.
 *
 * Learning rules. As for the other layers (layers.h), backward sends error
 * through an optional cj_recurrent_feedback instead of the weights: fb->ih
 * in place of weight_ih for the input gradient, fb->hh in place of
 * weight_hh for the error carried back one step. NULL (or a NULL member)
 * means the weight itself, i.e. true backpropagation through time. */
#ifndef CAJAL_RECURRENT_H
#define CAJAL_RECURRENT_H

#include <stddef.h>

/* Read-only parameters: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0. */
typedef struct {
    const float *weight_ih; /* [G*H, I] */
    const float *weight_hh; /* [G*H, H] */
    const float *bias_ih;   /* [G*H] or NULL */
    const float *bias_hh;   /* [G*H] or NULL */
} cj_recurrent_params;

/* Their gradients, accumulated (+=); a NULL member is skipped. */
typedef struct {
    float *weight_ih, *weight_hh, *bias_ih, *bias_hh;
} cj_recurrent_grads;

/* Matrices the error flows through in place of the weights (NULL: the
 * weights themselves). */
typedef struct {
    const float *ih; /* [G*H, I] */
    const float *hh; /* [G*H, H] */
} cj_recurrent_feedback;

/* ---- continuous-time rate RNN ---------------------------------------------
 * Song, Yang & Wang 2016 (PLoS Comput. Biol. 12:e1004792), eq. 1 discretised
 * with Euler's method, α = dt/τ:
 *
 *     x_t = (1 − α) x_{t−1} + α (W_hh r_{t−1} + W_ih u_t + b_ih + b_hh + noise_t)
 *     r_t = f(x_t),  f ∈ {relu, tanh, softplus},  t = 1..T
 *
 * x is the state ("synaptic current"), r the rate. The initial STATE x_0 is
 * given (and trainable: backward returns dL/dx_0), and r_0 = f(x_0). The
 * output sequence is the rates r_1..r_T; the final state is x_T.
 *
 * Convention and PyTorch. With α = 1 and no noise, r_t = f(W_ih u_t + b_ih +
 * W_hh r_{t−1} + b_hh), which is torch.nn.RNN(nonlinearity=f) with h_t = r_t
 * exactly, when PyTorch's h0 is f(x_0). (PyTorch's h_n is r_T = f(x_n).)
 * The gradient dL/dx_0 is then PyTorch's dL/dh0 ⊙ f'(x_0).
 *
 * noise [T, B, H] is optional and already scaled (e.g. sqrt(2/α) σ N(0,1)
 * as in Song et al.); the caller owns the random numbers. It enters inside
 * the α(...) term like the inputs; its gradient equals that of the bias. */
typedef enum { CJ_RATE_RELU, CJ_RATE_TANH, CJ_RATE_SOFTPLUS } cj_rate_nonlinearity;

typedef struct {
    float alpha;              /* dt / τ, in (0, 1]; 1 gives torch.nn.RNN */
    cj_rate_nonlinearity f;
} cj_rate_rnn_config;

size_t cj_rate_rnn_workspace_floats(int T, int B, int n_in, int H);

/* out [T, B, H] = r_1..r_T; x_n [B, H] = x_T (or NULL); x0 [B, H] or NULL;
 * noise [T, B, H] or NULL; workspace receives the tape. */
void cj_rate_rnn_forward(float *out, float *x_n, float *workspace, const float *in,
                         const float *x0, const float *noise, const cj_recurrent_params *p,
                         const cj_rate_rnn_config *cfg, int T, int B, int n_in, int H);

/* Given dout = dL/dr_t [T, B, H] and dx_n = dL/dx_T [B, H] (or NULL):
 * din [T, B, I] += dL/du, dx0 [B, H] += dL/dx_0, g += parameter gradients.
 * `in`, p and cfg must be those of the forward pass that filled workspace. */
void cj_rate_rnn_backward(float *din, float *dx0, const cj_recurrent_grads *g,
                          const float *dout, const float *dx_n, float *workspace,
                          const float *in, const cj_recurrent_params *p,
                          const cj_recurrent_feedback *fb, const cj_rate_rnn_config *cfg,
                          int T, int B, int n_in, int H);

/* ---- GRU (torch.nn.GRU) ---------------------------------------------------
 *     r = σ(W_ir x_t + b_ir + W_hr h + b_hr)
 *     z = σ(W_iz x_t + b_iz + W_hz h + b_hz)
 *     n = tanh(W_in x_t + b_in + r ⊙ (W_hn h + b_hn))
 *     h' = (1 − z) ⊙ n + z ⊙ h                                              */
size_t cj_gru_workspace_floats(int T, int B, int n_in, int H);

/* out [T, B, H] = h_1..h_T; h_n [B, H] = h_T (or NULL); h0 [B, H] or NULL. */
void cj_gru_forward(float *out, float *h_n, float *workspace, const float *in, const float *h0,
                    const cj_recurrent_params *p, int T, int B, int n_in, int H);

/* Given dout [T, B, H] and dh_n [B, H] (or NULL): din += dL/dx,
 * dh0 += dL/dh_0, g += parameter gradients. */
void cj_gru_backward(float *din, float *dh0, const cj_recurrent_grads *g, const float *dout,
                     const float *dh_n, float *workspace, const float *in,
                     const cj_recurrent_params *p, const cj_recurrent_feedback *fb, int T, int B,
                     int n_in, int H);

/* ---- LSTM (torch.nn.LSTM) -------------------------------------------------
 *     [i, f, g, o] = [σ, σ, tanh, σ](W_ih x_t + b_ih + W_hh h + b_hh)
 *     c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')                               */
size_t cj_lstm_workspace_floats(int T, int B, int n_in, int H);

/* out [T, B, H] = h_1..h_T; h_n, c_n [B, H] final states (or NULL);
 * h0, c0 [B, H] or NULL. */
void cj_lstm_forward(float *out, float *h_n, float *c_n, float *workspace, const float *in,
                     const float *h0, const float *c0, const cj_recurrent_params *p, int T, int B,
                     int n_in, int H);

/* Given dout [T, B, H], dh_n and dc_n [B, H] (or NULL): din += dL/dx,
 * dh0 += dL/dh_0, dc0 += dL/dc_0, g += parameter gradients. */
void cj_lstm_backward(float *din, float *dh0, float *dc0, const cj_recurrent_grads *g,
                      const float *dout, const float *dh_n, const float *dc_n, float *workspace,
                      const float *in, const cj_recurrent_params *p,
                      const cj_recurrent_feedback *fb, int T, int B, int n_in, int H);

#endif
