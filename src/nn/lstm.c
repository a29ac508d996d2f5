/* lstm.c — long short-term memory exactly as torch.nn.LSTM (Hochreiter &
 * Schmidhuber 1997, with forget gate, Gers et al. 2000):
 *
 *     a = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh                 (blocks i, f, g, o)
 *     i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
 *     c_t = f ⊙ c_{t−1} + i ⊙ g,      h_t = o ⊙ tanh(c_t)
 *
 * Backward through time, dh = dout_t + dL/dh_t from step t+1 and dc the
 * cell gradient carried from step t+1:
 *
 *     dc += dh ⊙ o ⊙ (1 − tanh² c_t)
 *     da = [dc ⊙ g ⊙ i(1−i),  dc ⊙ c_{t−1} ⊙ f(1−f),  dc ⊙ i ⊙ (1−g²),  dh ⊙ tanh c_t ⊙ o(1−o)]
 *     dL/dc_{t−1} = dc ⊙ f,   dL/dh_{t−1} = da W_hh
 *     dW_ih = Σ da^T x_t,  dW_hh = Σ da^T h_{t−1},  db_ih = db_hh = Σ da
 *
 * Tape: HS = h_0..h_T and CS = c_0..c_T [(T+1), B, H]; GATES = i, f, g, o
 * [T, B, 4H]; TC = tanh c_t [T, B, H]. Scratch: DA, da for one chunk of
 * steps (rows d_stride(4H) apart); two [B, H] carries; the bias gradient
 * [4H]; the packed weights ([W_ih W_hh]^T and the biases forward, for
 * cj_rec_gemm_xh; the feedback matrix backward); the weight-gradient
 * products' scratch. */
#include "../core/clones.h"
#include "recurrent_common.h"

/* The tape and the scratch (header comment), as pointers into the
 * workspace. */
typedef struct {
    float *hs, *cs, *gates, *tc, *da, *dh, *dc, *db, *packed, *wg;
} lstm_tape;

enum { N_PARTS = 10 };

/* Offsets of the parts of lstm_tape, in order, in floats; returns the total. */
static size_t lstm_offsets(size_t o[N_PARTS], int T, int B, int n_in, int H)
{
    size_t bh = (size_t)B * H, tbh = (size_t)T * bh, k = 0;
    const size_t n[N_PARTS] = {(size_t)(T + 1) * bh, (size_t)(T + 1) * bh, 4 * tbh, tbh,
                               chunk_rows(T, B) * d_stride(4 * H), bh, bh,
                               4 * (size_t)H,
                               max_floats(cj_rec_packed_xh_floats(4 * H, n_in, H),
                                          cj_rec_packed_floats(H, 4 * H)),
                               cj_rec_weight_grad_floats(4 * H, n_in + H)};
    for (int i = 0; i < N_PARTS; i++) o[i] = k, k += n[i];
    return k;
}

static lstm_tape lstm_layout(float *w, int T, int B, int n_in, int H)
{
    size_t o[N_PARTS];
    lstm_offsets(o, T, B, n_in, H);
    lstm_tape t = {w + o[0], w + o[1], w + o[2], w + o[3], w + o[4],
                   w + o[5], w + o[6], w + o[7], w + o[8], w + o[9]};
    return t;
}

size_t cj_lstm_workspace_floats(int T, int B, int n_in, int H)
{
    size_t o[N_PARTS];
    return lstm_offsets(o, T, B, n_in, H);
}

/* One row: a = [a_i, a_f, a_g, a_o] in, [i, f, g, o] out; h and out
 * receive h_t. */
CJ_TARGET_CLONES static void lstm_cell_row(float *restrict a, float *restrict c, float *restrict tc,
                          float *restrict h, float *restrict out, const float *restrict cprev,
                          int H)
{
    float *restrict i = a, *restrict f = a + H, *restrict g = a + 2 * H, *restrict o = a + 3 * H;
    for (int j = 0; j < H; j++) {
        float ij = cj_fast_sigmoid(i[j]), fj = cj_fast_sigmoid(f[j]), gj = cj_fast_tanh(g[j]), oj = cj_fast_sigmoid(o[j]);
        float cj = fj * cprev[j] + ij * gj;
        float tcj = cj_fast_tanh(cj);
        i[j] = ij;
        f[j] = fj;
        g[j] = gj;
        o[j] = oj;
        c[j] = cj;
        tc[j] = tcj;
        h[j] = out[j] = oj * tcj;
    }
}

void cj_lstm_forward(float *out, float *h_n, float *c_n, float *workspace, const float *in,
                     const float *h0, const float *c0, const cj_recurrent_params *p, int T, int B,
                     int n_in, int H)
{
    const size_t bh = (size_t)B * H, H4 = 4 * (size_t)H;
    lstm_tape tp = lstm_layout(workspace, T, B, n_in, H);
    const float *w = cj_rec_pack_xh(tp.packed, 4 * H, p->weight_ih, n_in, p->weight_hh, H,
                                    p->bias_ih, p->bias_hh);

    copy_or_zero(tp.hs, h0, bh);
    copy_or_zero(tp.cs, c0, bh);
    for (int t = 0; t < T; t++) {
        float *a = tp.gates + (size_t)t * B * H4;
        cj_rec_gemm_xh(a, 4 * H, in + (size_t)t * B * n_in, n_in, n_in, tp.hs + (size_t)t * bh, H,
                       H, w, B, 4 * H);
        for (int b = 0; b < B; b++) {
            size_t o = (size_t)b * H;
            lstm_cell_row(a + b * H4, tp.cs + (size_t)(t + 1) * bh + o, tp.tc + (size_t)t * bh + o,
                          tp.hs + (size_t)(t + 1) * bh + o, out + (size_t)t * bh + o,
                          tp.cs + (size_t)t * bh + o, H);
        }
    }
    if (h_n) memcpy(h_n, tp.hs + (size_t)T * bh, sizeof(float) * bh);
    if (c_n) memcpy(c_n, tp.cs + (size_t)T * bh, sizeof(float) * bh);
}

/* One row of the backward gate maths; dh is dL/dh_t from step t+1 (dy adds
 * the output's); dc holds the carried cell gradient on entry and
 * dL/dc_{t−1} on return. */
CJ_TARGET_CLONES static void lstm_grad_row(float *restrict da, float *restrict dc, const float *restrict dh,
                          const float *restrict dy, const float *restrict a,
                          const float *restrict tc, const float *restrict cprev, int H)
{
    const float *restrict i = a, *restrict f = a + H, *restrict g = a + 2 * H,
                          *restrict o = a + 3 * H;
    for (int j = 0; j < H; j++) {
        float dhj = dh[j] + dy[j];
        float d = dc[j] + dhj * o[j] * (1.0f - tc[j] * tc[j]);
        da[j] = d * g[j] * i[j] * (1.0f - i[j]);
        da[H + j] = d * cprev[j] * f[j] * (1.0f - f[j]);
        da[2 * H + j] = d * i[j] * (1.0f - g[j] * g[j]);
        da[3 * H + j] = dhj * tc[j] * o[j] * (1.0f - o[j]);
        dc[j] = d * f[j];
    }
}

void cj_lstm_backward(float *din, float *dh0, float *dc0, const cj_recurrent_grads *g,
                      const float *dout, const float *dh_n, const float *dc_n, float *workspace,
                      const float *in, const cj_recurrent_params *p,
                      const cj_recurrent_feedback *fb, int T, int B, int n_in, int H)
{
    const size_t bh = (size_t)B * H, H4 = 4 * (size_t)H;
    const int ldd = d_stride(4 * H), S = chunk_steps(T, B);
    lstm_tape tp = lstm_layout(workspace, T, B, n_in, H);
    const float *f_hh = cj_rec_pack(tp.packed, feedback_hh(fb, p), H, 4 * H);
    const float *f_ih = feedback_ih(fb, p);
    const int want_db = g && (g->bias_ih || g->bias_hh);

    copy_or_zero(tp.dh, dh_n, bh);
    copy_or_zero(tp.dc, dc_n, bh);
    memset(tp.db, 0, sizeof(float) * H4);
    for (int t = T - 1; t >= 0; t--) {
        float *da = tp.da + (size_t)(t % S) * B * ldd;
        for (int b = 0; b < B; b++) {
            size_t o = (size_t)b * H;
            lstm_grad_row(da + (size_t)b * ldd, tp.dc + o, tp.dh + o, dout + (size_t)t * bh + o,
                          tp.gates + (size_t)t * B * H4 + b * H4, tp.tc + (size_t)t * bh + o,
                          tp.cs + (size_t)t * bh + o, H);
        }
        if (want_db) add_colsum(tp.db, da, B, 4 * H, ldd);
        /* dL/dh_{t−1} = da W_hh */
        cj_rec_gemm(tp.dh, H, da, ldd, f_hh, B, H, 4 * H, 0);
        if (t % S == 0) { /* steps t .. t + S - 1 are done */
            size_t r0 = (size_t)t * B, rows = (size_t)(T - t < S ? T - t : S) * B;
            chunk_grads(din ? din + r0 * n_in : NULL, g, tp.da, ldd, in + r0 * n_in,
                        tp.hs + r0 * H, f_ih, rows, n_in, H, 4 * H, tp.wg);
        }
    }
    if (dh0)
        for (size_t k = 0; k < bh; k++) dh0[k] += tp.dh[k];
    if (dc0)
        for (size_t k = 0; k < bh; k++) dc0[k] += tp.dc[k];
    if (g) {
        add_to(g->bias_ih, tp.db, 4 * H);
        add_to(g->bias_hh, tp.db, 4 * H);
    }
}
