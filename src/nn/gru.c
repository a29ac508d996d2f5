/* gru.c — gated recurrent unit exactly as torch.nn.GRU (Cho et al. 2014,
 * with PyTorch's placement of r inside the hidden projection of n):
 *
 *     gi = W_ih x_t + b_ih,   gh = W_hh h_{t−1} + b_hh     (blocks r, z, n)
 *     r = σ(gi_r + gh_r),  z = σ(gi_z + gh_z),  n = tanh(gi_n + r ⊙ gh_n)
 *     h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 *
 * Backward through time, dh = dout_t + dL/dh_t from step t+1:
 *
 *     dn = dh ⊙ (1 − z),          dz = dh ⊙ (h_{t−1} − n)
 *     da_n = dn ⊙ (1 − n²),       dr = da_n ⊙ gh_n
 *     da_r = dr ⊙ r(1 − r),       da_z = dz ⊙ z(1 − z)
 *     dgi = [da_r, da_z, da_n],   dgh = [da_r, da_z, da_n ⊙ r]
 *     dL/dh_{t−1} = dh ⊙ z + dgh W_hh
 *     dW_ih = Σ dgi^T x_t,  dW_hh = Σ dgh^T h_{t−1},  db_ih = Σ dgi,  db_hh = Σ dgh
 *
 * b_hh's r and z blocks enter only through the sums gi + gh, so they join
 * b_ih in the input projection; its n block stays inside r ⊙ gh_n.
 *
 * Tape: HS = h_0..h_T [(T+1), B, H]; GATES = r, z, n [T, B, 3H];
 * HN = gh_n [T, B, H]. Scratch: GH [B, 3H] (forward), DGI and DGH
 * [T, B, 3H], one [B, H] carry (backward), and W_hh packed for
 * cj_rec_gemm (both passes). */
#include "recurrent_common.h"

size_t cj_gru_workspace_floats(int T, int B, int n_in, int H)
{
    size_t bh = (size_t)B * H, tbh = (size_t)T * bh;
    return (size_t)(T + 1) * bh + 3 * tbh + tbh + 3 * bh + 6 * tbh + bh + packed_hh_floats(3, H);
}

typedef struct {
    float *hs, *gates, *hn, *gh, *dgi, *dgh, *carry, *packed;
} gru_tape;

static gru_tape gru_layout(float *w, int T, int B, int H)
{
    size_t bh = (size_t)B * H, tbh = (size_t)T * bh;
    gru_tape t;
    t.hs = w;
    t.gates = t.hs + (size_t)(T + 1) * bh;
    t.hn = t.gates + 3 * tbh;
    t.gh = t.hn + tbh;
    t.dgi = t.gh + 3 * bh;
    t.dgh = t.dgi + 3 * tbh;
    t.carry = t.dgh + 3 * tbh;
    t.packed = t.carry + bh;
    return t;
}

/* One row of the gate maths: g = [gi_r, gi_z, gi_n] (biases included,
 * but not b_hn) in, [r, z, n] out; h and out receive h_t. */
static void gru_cell_row(float *restrict g, float *restrict hn, float *restrict h,
                         float *restrict out, const float *restrict gh, const float *restrict b_hn,
                         const float *restrict hprev, int H)
{
    float *restrict r = g, *restrict z = g + H, *restrict n = g + 2 * H;
    for (int j = 0; j < H; j++) {
        float hnj = gh[2 * H + j] + (b_hn ? b_hn[j] : 0.0f);
        float rj = sigmoidf(r[j] + gh[j]);
        float zj = sigmoidf(z[j] + gh[H + j]);
        float nj = tanh_fast(n[j] + rj * hnj);
        float hj = (1.0f - zj) * nj + zj * hprev[j];
        hn[j] = hnj;
        r[j] = rj;
        z[j] = zj;
        n[j] = nj;
        h[j] = hj;
        out[j] = hj;
    }
}

void cj_gru_forward(float *out, float *h_n, float *workspace, const float *in, const float *h0,
                    const cj_recurrent_params *p, int T, int B, int n_in, int H)
{
    const size_t bh = (size_t)B * H, H3 = 3 * (size_t)H;
    gru_tape tp = gru_layout(workspace, T, B, H);
    const float *w_hh = cj_rec_pack(tp.packed, p->weight_hh, 3 * H, H, 1);
    const float *b_hn = p->bias_hh ? p->bias_hh + 2 * H : NULL;

    copy_or_zero(tp.hs, h0, bh);
    project_rows(tp.gates, in, p->weight_ih, p->bias_ih, p->bias_hh, 2 * H, (size_t)T * B, n_in,
                 3 * H);
    for (int t = 0; t < T; t++) {
        const float *hprev = tp.hs + (size_t)t * bh;
        float *h = tp.hs + (size_t)(t + 1) * bh;
        cj_rec_gemm(tp.gh, 3 * H, hprev, H, w_hh, B, 3 * H, H, 0);
        for (int b = 0; b < B; b++) {
            size_t row = (size_t)t * B + b;
            gru_cell_row(tp.gates + row * H3, tp.hn + row * H, h + (size_t)b * H,
                         out + row * H, tp.gh + b * H3, b_hn, hprev + (size_t)b * H, H);
        }
    }
    if (h_n) memcpy(h_n, tp.hs + (size_t)T * bh, sizeof(float) * bh);
}

/* One row of the backward gate maths (header comment); carry holds dL/dh_t
 * from step t+1 on entry (dy adds the output's) and dh ⊙ z on return. */
static void gru_grad_row(float *restrict dgi, float *restrict dgh, float *restrict carry,
                         const float *restrict dy, const float *restrict g,
                         const float *restrict hn, const float *restrict hprev, int H)
{
    const float *restrict r = g, *restrict z = g + H, *restrict n = g + 2 * H;
    for (int j = 0; j < H; j++) {
        float dh = carry[j] + dy[j];
        float dan = dh * (1.0f - z[j]) * (1.0f - n[j] * n[j]);
        float dar = dan * hn[j] * r[j] * (1.0f - r[j]);
        float daz = dh * (hprev[j] - n[j]) * z[j] * (1.0f - z[j]);
        dgi[j] = dgh[j] = dar;
        dgi[H + j] = dgh[H + j] = daz;
        dgi[2 * H + j] = dan;
        dgh[2 * H + j] = dan * r[j];
        carry[j] = dh * z[j];
    }
}

void cj_gru_backward(float *din, float *dh0, const cj_recurrent_grads *g, const float *dout,
                     const float *dh_n, float *workspace, const float *in,
                     const cj_recurrent_params *p, const cj_recurrent_feedback *fb, int T, int B,
                     int n_in, int H)
{
    const size_t bh = (size_t)B * H, H3 = 3 * (size_t)H;
    gru_tape tp = gru_layout(workspace, T, B, H);
    const float *f_hh = cj_rec_pack(tp.packed, feedback_hh(fb, p), H, 3 * H, 0);

    copy_or_zero(tp.carry, dh_n, bh);
    for (int t = T - 1; t >= 0; t--) {
        float *dgh = tp.dgh + (size_t)t * B * H3;
        for (int b = 0; b < B; b++) {
            size_t row = (size_t)t * B + b;
            gru_grad_row(tp.dgi + row * H3, dgh + b * H3, tp.carry + (size_t)b * H,
                         dout + row * H, tp.gates + row * H3, tp.hn + row * H,
                         tp.hs + (size_t)t * bh + (size_t)b * H, H);
        }
        /* dL/dh_{t−1} = dh ⊙ z + dgh W_hh */
        cj_rec_gemm(tp.carry, H, dgh, 3 * H, f_hh, B, H, 3 * H, 1);
    }
    if (dh0)
        for (size_t i = 0; i < bh; i++) dh0[i] += tp.carry[i];
    sequence_grads(din, g, tp.dgi, tp.dgh, in, tp.hs, feedback_ih(fb, p), (size_t)T * B, n_in, H,
                   3 * H);
}
