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
 * Forward, gi + gh of blocks r and z is one product of [x_t | h_{t−1}]
 * (cj_rec_gemm_xh); block n needs gi_n and gh_n apart, one product each.
 *
 * Tape: HS = h_0..h_T [(T+1), B, H]; GATES = r, z, n [T, B, 3H];
 * HN = gh_n [T, B, H]. Scratch: D, one chunk of steps' rows
 * [da_r, da_z, da_n ⊙ r, da_n] (d_stride(4H) apart), so that dgh is its
 * first 3H columns and dgi its blocks 0, 1, 3; one [B, H] carry; the bias
 * gradients [4H] (column sums of D); the packed weights (forward:
 * packed_forward_floats; backward: the feedback matrix); the
 * weight-gradient products' scratch. */
#include "../core/clones.h"
#include "recurrent_common.h"

/* The forward products' packed weights, three in one slot:
 *   rz = [W_ir W_iz | W_hr W_hz]^T + b_ir + b_hr, b_iz + b_hz   (k = I + H)
 *   xn = W_in^T + b_in (k = I),   hn = W_hn^T + b_hn (k = H)               */
static size_t packed_forward_floats(int n_in, int H)
{
    return cj_rec_packed_xh_floats(2 * H, n_in, H) + cj_rec_packed_xh_floats(H, n_in, 0) +
           cj_rec_packed_xh_floats(H, 0, H);
}

/* The tape and the scratch (header comment), as pointers into the
 * workspace. */
typedef struct {
    float *hs, *gates, *hn, *d, *carry, *db, *packed, *wg;
} gru_tape;

enum { N_PARTS = 8 };

/* Offsets of the parts of gru_tape, in order, in floats; returns the total. */
static size_t gru_offsets(size_t o[N_PARTS], int T, int B, int n_in, int H)
{
    size_t bh = (size_t)B * H, tbh = (size_t)T * bh, k = 0;
    const size_t n[N_PARTS] = {(size_t)(T + 1) * bh, 3 * tbh, tbh,
                               chunk_rows(T, B) * d_stride(4 * H), bh,
                               4 * (size_t)H,
                               max_floats(packed_forward_floats(n_in, H),
                                          cj_rec_packed_floats(H, 3 * H)),
                               cj_rec_weight_grad_floats(2 * H, n_in + H)};
    for (int i = 0; i < N_PARTS; i++) o[i] = k, k += n[i];
    return k;
}

static gru_tape gru_layout(float *w, int T, int B, int n_in, int H)
{
    size_t o[N_PARTS];
    gru_offsets(o, T, B, n_in, H);
    gru_tape t = {w + o[0], w + o[1], w + o[2], w + o[3], w + o[4], w + o[5], w + o[6], w + o[7]};
    return t;
}

size_t cj_gru_workspace_floats(int T, int B, int n_in, int H)
{
    size_t o[N_PARTS];
    return gru_offsets(o, T, B, n_in, H);
}

/* One row of the gate maths: g = [gi_r + gh_r, gi_z + gh_z, gi_n] (biases
 * included) and hn = gh_n in, [r, z, n] out; h and out receive h_t. */
CJ_TARGET_CLONES static void gru_cell_row(float *restrict g, const float *restrict hn, float *restrict h,
                         float *restrict out, const float *restrict hprev, int H)
{
    float *restrict r = g, *restrict z = g + H, *restrict n = g + 2 * H;
    for (int j = 0; j < H; j++) {
        float rj = cj_fast_sigmoid(r[j]);
        float zj = cj_fast_sigmoid(z[j]);
        float nj = cj_fast_tanh(n[j] + rj * hn[j]);
        float hj = (1.0f - zj) * nj + zj * hprev[j];
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
    gru_tape tp = gru_layout(workspace, T, B, n_in, H);
    const float *wi = p->weight_ih, *wh = p->weight_hh, *bi = p->bias_ih, *bh_ = p->bias_hh;
    float *slot2 = tp.packed + cj_rec_packed_xh_floats(2 * H, n_in, H);
    float *slot3 = slot2 + cj_rec_packed_xh_floats(H, n_in, 0);
    const float *w_rz = cj_rec_pack_xh(tp.packed, 2 * H, wi, n_in, wh, H, bi, bh_);
    const float *w_xn = cj_rec_pack_xh(slot2, H, wi + (size_t)2 * H * n_in, n_in, NULL, 0,
                                       bi ? bi + 2 * H : NULL, NULL);
    const float *w_hn = cj_rec_pack_xh(slot3, H, NULL, 0, wh + (size_t)2 * H * H, H, NULL,
                                       bh_ ? bh_ + 2 * H : NULL);

    copy_or_zero(tp.hs, h0, bh);
    for (int t = 0; t < T; t++) {
        const float *hprev = tp.hs + (size_t)t * bh, *x = in + (size_t)t * B * n_in;
        float *h = tp.hs + (size_t)(t + 1) * bh, *g = tp.gates + (size_t)t * B * H3;
        float *hn = tp.hn + (size_t)t * bh;
        cj_rec_gemm_xh(g, 3 * H, x, n_in, n_in, hprev, H, H, w_rz, B, 2 * H);
        cj_rec_gemm_xh(g + 2 * H, 3 * H, x, n_in, n_in, NULL, 0, 0, w_xn, B, H);
        cj_rec_gemm_xh(hn, H, NULL, 0, 0, hprev, H, H, w_hn, B, H);
        for (int b = 0; b < B; b++)
            gru_cell_row(g + b * H3, hn + (size_t)b * H, h + (size_t)b * H,
                         out + (size_t)t * bh + (size_t)b * H, hprev + (size_t)b * H, H);
    }
    if (h_n) memcpy(h_n, tp.hs + (size_t)T * bh, sizeof(float) * bh);
}

/* One row of the backward gate maths (header comment) into d [4H] =
 * [da_r, da_z, da_n ⊙ r, da_n]; carry holds dL/dh_t from step t+1 on
 * entry (dy adds the output's) and dh ⊙ z on return. */
CJ_TARGET_CLONES static void gru_grad_row(float *restrict d, float *restrict carry, const float *restrict dy,
                         const float *restrict g, const float *restrict hn,
                         const float *restrict hprev, int H)
{
    const float *restrict r = g, *restrict z = g + H, *restrict n = g + 2 * H;
    for (int j = 0; j < H; j++) {
        float dh = carry[j] + dy[j];
        float dan = dh * (1.0f - z[j]) * (1.0f - n[j] * n[j]);
        d[j] = dan * hn[j] * r[j] * (1.0f - r[j]);
        d[H + j] = dh * (hprev[j] - n[j]) * z[j] * (1.0f - z[j]);
        d[2 * H + j] = dan * r[j];
        d[3 * H + j] = dan;
        carry[j] = dh * z[j];
    }
}

/* dW and dX from one chunk's rows of D: rows r, z of both weights share
 * D's first 2H columns (one pass for [dW_ih | dW_hh] where narrow); row
 * block n takes da_n ⊙ r for W_hh and da_n for W_ih. */
static void gru_chunk_grads(float *din, const cj_recurrent_grads *g, const float *d,
                            const float *x, const float *h_prev, const float *f_ih, size_t rows,
                            int n_in, int H, float *scratch)
{
    const int ldd = d_stride(4 * H);
    if (g) {
        float *wih = g->weight_ih, *whh = g->weight_hh;
        weight_grads(wih, x, n_in, whh, h_prev, H, d, ldd, 2 * H, rows, scratch);
        if (whh)
            weight_grads(NULL, NULL, 0, whh + (size_t)2 * H * H, h_prev, H, d + 2 * H, ldd, H,
                         rows, scratch);
        if (wih)
            weight_grads(wih + (size_t)2 * H * n_in, x, n_in, NULL, NULL, 0, d + 3 * H, ldd, H,
                         rows, scratch);
    }
    if (din) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, n_in, 2 * H, 1.0f, d,
                    ldd, f_ih, n_in, 1.0f, din, n_in);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, n_in, H, 1.0f,
                    d + 3 * H, ldd, f_ih + (size_t)2 * H * n_in, n_in, 1.0f, din, n_in);
    }
}

void cj_gru_backward(float *din, float *dh0, const cj_recurrent_grads *g, const float *dout,
                     const float *dh_n, float *workspace, const float *in,
                     const cj_recurrent_params *p, const cj_recurrent_feedback *fb, int T, int B,
                     int n_in, int H)
{
    const size_t bh = (size_t)B * H, H3 = 3 * (size_t)H, H4 = 4 * (size_t)H;
    const int ldd = d_stride(4 * H), S = chunk_steps(T, B);
    gru_tape tp = gru_layout(workspace, T, B, n_in, H);
    const float *f_hh = cj_rec_pack(tp.packed, feedback_hh(fb, p), H, 3 * H);
    const float *f_ih = feedback_ih(fb, p);
    const int want_db = g && (g->bias_ih || g->bias_hh);

    copy_or_zero(tp.carry, dh_n, bh);
    memset(tp.db, 0, sizeof(float) * H4);
    for (int t = T - 1; t >= 0; t--) {
        float *d = tp.d + (size_t)(t % S) * B * ldd;
        for (int b = 0; b < B; b++) {
            size_t row = (size_t)t * B + b;
            gru_grad_row(d + (size_t)b * ldd, tp.carry + (size_t)b * H, dout + row * H,
                         tp.gates + row * H3, tp.hn + row * H,
                         tp.hs + (size_t)t * bh + (size_t)b * H, H);
        }
        if (want_db) add_colsum(tp.db, d, B, 4 * H, ldd);
        /* dL/dh_{t−1} = dh ⊙ z + dgh W_hh, dgh = D's first 3H columns */
        cj_rec_gemm(tp.carry, H, d, ldd, f_hh, B, H, 3 * H, 1);
        if (t % S == 0) { /* steps t .. t + S - 1 are done */
            size_t r0 = (size_t)t * B, rows = (size_t)(T - t < S ? T - t : S) * B;
            gru_chunk_grads(din ? din + r0 * n_in : NULL, g, tp.d, in + r0 * n_in, tp.hs + r0 * H,
                            f_ih, rows, n_in, H, tp.wg);
        }
    }
    if (dh0)
        for (size_t i = 0; i < bh; i++) dh0[i] += tp.carry[i];
    if (g) {
        add_to(g->bias_ih, tp.db, 2 * H);
        add_to(g->bias_hh, tp.db, 2 * H);
        add_to(g->bias_ih ? g->bias_ih + 2 * H : NULL, tp.db + 3 * H, H);
        add_to(g->bias_hh ? g->bias_hh + 2 * H : NULL, tp.db + 2 * H, H);
    }
}
