/* test_recurrent.c — the recurrent layers (include/cajal/recurrent.h)
 * against independent references:
 *
 *  - PyTorch: tools/make_recurrent_refs.py runs torch.nn.RNN (tanh, relu;
 *    cajal's rate RNN with α = 1), torch.nn.GRU and torch.nn.LSTM in
 *    float64 and stores outputs, final states and every gradient in
 *    tests/ref/recurrent/; the rate RNN with α = 0.2, noise and softplus or
 *    tanh has a NumPy forward reference and autograd gradients; *_wide
 *    cases at B = 11, I = 11, H = 40 reach the whole-tile paths of the kernels,
 *    *_long cases at T = 60 the chunked weight gradients;
 *  - central finite differences through time of the double-precision loss
 *    L = Σ out·dout + Σ (final states)·(their upstream gradients), for every
 *    cell at T = 7 and T = 1, w.r.t. inputs, initial states and parameters;
 *  - the contracts: gradients accumulate (+=) and backward leaves the tape
 *    intact; truncated chunks chained through the final-state gradient sum
 *    to the whole-sequence gradient; feedback matrices replace the weights
 *    only where the error flows; NULL biases act as zeros.
 *
 * Tolerances. Against PyTorch, max relative difference (harness.h) 1e-5:
 * float32 rounding over 7 steps measures ~1e-7, and a missing term or a
 * swapped gate is O(1e-1). Finite differences use a step of 1e-2 on a
 * smooth loss (truncation ~1e-5) evaluated in float32 (rounding ~1e-6 / step);
 * the tolerance 2e-3 + 2e-3 |fd| sits above both and far below a wrong term. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/io.h"
#include "cajal/recurrent.h"
#include "harness.h"

#define TOL 1e-5

typedef enum { RATE, GRU, LSTM } cell_kind;

/* One cell with its sizes, data and buffers, loaded from a reference file. */
typedef struct {
    const char *name;
    cell_kind kind;
    cj_rate_rnn_config cfg;
    int T, B, I, H, G;
    cj_safetensors ref;
    /* inputs (owned copies, so finite differences may perturb them) */
    float *in, *s0, *c0, *noise, *w[4], *dout, *dsn, *dcn;
    /* outputs and gradients */
    float *out, *sn, *cn, *din, *ds0, *dc0, *dw[4], *ws;
} rig;

static const char *const PARAM[4] = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"};

static size_t n_param(const rig *r, int k)
{
    size_t gh = (size_t)r->G * r->H;
    return k == 0 ? gh * r->I : k == 1 ? gh * r->H : gh;
}

static float *zeros(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

/* A float copy of reference tensor `name`, which must hold n floats. */
static float *ref_copy(rig *r, const char *name, size_t n)
{
    const cj_tensor *t = cj_safetensors_get(&r->ref, name);
    if (!t || cj_tensor_numel(t) != n) {
        test_fail("%s: reference tensor '%s' missing or not %zu floats", r->name, name, n);
        return zeros(n);
    }
    float *c = malloc(sizeof(float) * n);
    memcpy(c, t->data, sizeof(float) * n);
    return c;
}

static const char *state_name(const rig *r) { return r->kind == RATE ? "x0" : "h0"; }
static const char *final_name(const rig *r) { return r->kind == RATE ? "x_n" : "h_n"; }
static const char *dfinal_name(const rig *r) { return r->kind == RATE ? "dx_n" : "dh_n"; }

static size_t ws_floats(const rig *r, int T)
{
    switch (r->kind) {
    case RATE: return cj_rate_rnn_workspace_floats(T, r->B, r->I, r->H);
    case GRU: return cj_gru_workspace_floats(T, r->B, r->I, r->H);
    default: return cj_lstm_workspace_floats(T, r->B, r->I, r->H);
    }
}

static int rig_open(rig *r, const char *name)
{
    memset(r, 0, sizeof *r);
    r->name = name;
    char path[128];
    snprintf(path, sizeof path, "tests/ref/recurrent/%s.safetensors", name);
    cj_error err = {0};
    if (cj_safetensors_read(path, &r->ref, &err)) {
        printf("  %s (run tools/make_recurrent_refs.py)\n", err.msg);
        CHECK(!"reference file readable");
        return 0;
    }
    r->kind = !strncmp(name, "gru", 3) ? GRU : !strncmp(name, "lstm", 4) ? LSTM : RATE;
    r->G = r->kind == GRU ? 3 : r->kind == LSTM ? 4 : 1;
    const cj_tensor *x = cj_safetensors_get(&r->ref, "input");
    const cj_tensor *w = cj_safetensors_get(&r->ref, "weight_hh_l0");
    CHECK(x && x->ndim == 3 && w && w->ndim == 2);
    if (!x || x->ndim != 3 || !w || w->ndim != 2) return 0;
    r->T = (int)x->shape[0];
    r->B = (int)x->shape[1];
    r->I = (int)x->shape[2];
    r->H = (int)w->shape[1];
    r->cfg.alpha = 1.0f;
    r->cfg.f = strstr(name, "relu") ? CJ_RATE_RELU : strstr(name, "softplus") ? CJ_RATE_SOFTPLUS
                                                                               : CJ_RATE_TANH;
    if (!strncmp(name, "rate_", 5)) {
        const cj_tensor *a = cj_safetensors_get(&r->ref, "alpha");
        CHECK(a && cj_tensor_numel(a) == 1);
        if (a) r->cfg.alpha = a->data[0];
    }
    size_t tb = (size_t)r->T * r->B, bh = (size_t)r->B * r->H;
    r->in = ref_copy(r, "input", tb * r->I);
    r->s0 = ref_copy(r, state_name(r), bh);
    r->dout = ref_copy(r, "dout", tb * r->H);
    r->dsn = ref_copy(r, dfinal_name(r), bh);
    if (r->kind == LSTM) {
        r->c0 = ref_copy(r, "c0", bh);
        r->dcn = ref_copy(r, "dc_n", bh);
    }
    if (cj_safetensors_get(&r->ref, "noise")) r->noise = ref_copy(r, "noise", tb * r->H);
    for (int k = 0; k < 4; k++) {
        r->w[k] = ref_copy(r, PARAM[k], n_param(r, k));
        r->dw[k] = zeros(n_param(r, k));
    }
    r->out = zeros(tb * r->H);
    r->sn = zeros(bh);
    r->cn = zeros(bh);
    r->din = zeros(tb * r->I);
    r->ds0 = zeros(bh);
    r->dc0 = zeros(bh);
    r->ws = zeros(ws_floats(r, r->T));
    return !harness_current_failed;
}

static void rig_close(rig *r)
{
    float *bufs[] = {r->in, r->s0, r->c0, r->noise, r->dout, r->dsn, r->dcn, r->out, r->sn,
                     r->cn, r->din, r->ds0, r->dc0, r->ws};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    for (int k = 0; k < 4; k++) {
        free(r->w[k]);
        free(r->dw[k]);
    }
    cj_safetensors_free(&r->ref);
}

static cj_recurrent_params params_of(const rig *r)
{
    return (cj_recurrent_params){r->w[0], r->w[1], r->w[2], r->w[3]};
}

/* Forward over T steps of the given sequence pointers. */
static void fwd(const rig *r, const cj_recurrent_params *p, int T, const float *in,
                const float *s0, const float *c0, const float *noise, float *out, float *sn,
                float *cn, float *ws)
{
    switch (r->kind) {
    case RATE:
        cj_rate_rnn_forward(out, sn, ws, in, s0, noise, p, &r->cfg, T, r->B, r->I, r->H);
        break;
    case GRU: cj_gru_forward(out, sn, ws, in, s0, p, T, r->B, r->I, r->H); break;
    case LSTM: cj_lstm_forward(out, sn, cn, ws, in, s0, c0, p, T, r->B, r->I, r->H); break;
    }
}

static void bwd(const rig *r, const cj_recurrent_params *p, const cj_recurrent_feedback *fb,
                int T, const float *in, const float *dout, const float *dsn, const float *dcn,
                float *din, float *ds0, float *dc0, const cj_recurrent_grads *g, float *ws)
{
    switch (r->kind) {
    case RATE:
        cj_rate_rnn_backward(din, ds0, g, dout, dsn, ws, in, p, fb, &r->cfg, T, r->B, r->I, r->H);
        break;
    case GRU: cj_gru_backward(din, ds0, g, dout, dsn, ws, in, p, fb, T, r->B, r->I, r->H); break;
    case LSTM:
        cj_lstm_backward(din, ds0, dc0, g, dout, dsn, dcn, ws, in, p, fb, T, r->B, r->I, r->H);
        break;
    }
}

static cj_recurrent_grads grads_of(rig *r)
{
    return (cj_recurrent_grads){r->dw[0], r->dw[1], r->dw[2], r->dw[3]};
}

static void zero_grads(rig *r)
{
    size_t tb = (size_t)r->T * r->B, bh = (size_t)r->B * r->H;
    memset(r->din, 0, sizeof(float) * tb * r->I);
    memset(r->ds0, 0, sizeof(float) * bh);
    memset(r->dc0, 0, sizeof(float) * bh);
    for (int k = 0; k < 4; k++) memset(r->dw[k], 0, sizeof(float) * n_param(r, k));
}

/* Forward and backward over the whole sequence, gradients from zero. */
static void rig_run(rig *r)
{
    cj_recurrent_params p = params_of(r);
    cj_recurrent_grads g = grads_of(r);
    zero_grads(r);
    fwd(r, &p, r->T, r->in, r->s0, r->c0, r->noise, r->out, r->sn, r->cn, r->ws);
    bwd(r, &p, NULL, r->T, r->in, r->dout, r->dsn, r->dcn, r->din, r->ds0, r->dc0, &g, r->ws);
}

static double compare(rig *r, const char *name, const float *got, size_t n, double tol)
{
    const cj_tensor *t = cj_safetensors_get(&r->ref, name);
    if (!t || cj_tensor_numel(t) != n) {
        test_fail("%s: reference tensor '%s' missing or not %zu floats", r->name, name, n);
        return INFINITY;
    }
    double d = max_rel_diff(got, t->data, n);
    if (!(d <= tol)) test_fail("%s: %s differs: max relative difference %.3g", r->name, name, d);
    return d;
}

/* ---- against PyTorch / NumPy ------------------------------------------- */

static void check_reference(const char *name)
{
    rig r;
    if (rig_open(&r, name)) {
        rig_run(&r);
        size_t tb = (size_t)r.T * r.B, bh = (size_t)r.B * r.H;
        double fw = compare(&r, "output", r.out, tb * r.H, TOL);
        fw = fmax(fw, compare(&r, final_name(&r), r.sn, bh, TOL));
        if (r.kind == LSTM) fw = fmax(fw, compare(&r, "c_n", r.cn, bh, TOL));
        double bw = compare(&r, "grad.input", r.din, tb * r.I, TOL);
        char gname[64];
        snprintf(gname, sizeof gname, "grad.%s", state_name(&r));
        bw = fmax(bw, compare(&r, gname, r.ds0, bh, TOL));
        if (r.kind == LSTM) bw = fmax(bw, compare(&r, "grad.c0", r.dc0, bh, TOL));
        for (int k = 0; k < 4; k++) {
            snprintf(gname, sizeof gname, "grad.%s", PARAM[k]);
            bw = fmax(bw, compare(&r, gname, r.dw[k], n_param(&r, k), TOL));
        }
        printf("  %s: max relative difference: forward %.2g, gradients %.2g\n", name, fw, bw);
    }
    rig_close(&r);
}

TEST(rnn_tanh_matches_torch_rnn) { check_reference("rnn_tanh"); }
TEST(rnn_relu_matches_torch_rnn) { check_reference("rnn_relu"); }
TEST(gru_matches_torch_gru) { check_reference("gru"); }
TEST(lstm_matches_torch_lstm) { check_reference("lstm"); }
TEST(rate_rnn_softplus_leaky_noisy_matches_numpy) { check_reference("rate_softplus"); }
TEST(rate_rnn_tanh_leaky_noisy_matches_numpy) { check_reference("rate_tanh"); }
/* B = 11, H = 40: whole register tiles of the per-step product and all its
 * edges (rows past a multiple of 8 or 6, columns past a multiple of 32 or 16),
 * and I = 11 inputs for the weight-gradient tiles over the input features. */
TEST(wide_cells_match_torch)
{
    check_reference("rnn_tanh_wide");
    check_reference("gru_wide");
    check_reference("lstm_wide");
}
/* T = 60, B = 5: the weight gradients come in two chunks of steps. */
TEST(long_sequences_match_torch)
{
    check_reference("rnn_tanh_long");
    check_reference("gru_long");
    check_reference("lstm_long");
}

/* ---- finite differences through time ------------------------------------ */

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

/* L = Σ out·dout + Σ s_n·ds_n (+ Σ c_n·dc_n) over the first T steps. */
static double rig_loss(rig *r, int T)
{
    cj_recurrent_params p = params_of(r);
    size_t bh = (size_t)r->B * r->H;
    fwd(r, &p, T, r->in, r->s0, r->c0, r->noise, r->out, r->sn, r->cn, r->ws);
    double l = dot(r->out, r->dout, (size_t)T * bh) + dot(r->sn, r->dsn, bh);
    if (r->kind == LSTM) l += dot(r->cn, r->dcn, bh);
    return l;
}

static void fd_check(rig *r, int T, float *x, const float *grad, size_t n, const char *what)
{
    const float eps = 1e-2f;
    const double atol = 2e-3, rtol = 2e-3;
    size_t bad = 0, worst_i = 0;
    double worst = -1.0, worst_fd = 0.0;
    for (size_t i = 0; i < n; i++) {
        float x0 = x[i], xp = x0 + eps, xm = x0 - eps;
        x[i] = xp;
        double lp = rig_loss(r, T);
        x[i] = xm;
        double lm = rig_loss(r, T);
        x[i] = x0;
        double fd = (lp - lm) / ((double)xp - (double)xm);
        double err = fabs((double)grad[i] - fd), excess = err - (atol + rtol * fabs(fd));
        if (excess > 0 || err != err) bad++;
        if (excess > worst || err != err) {
            worst = err != err ? INFINITY : excess;
            worst_i = i;
            worst_fd = fd;
        }
    }
    if (bad)
        printf("  %s %s (T=%d): %zu of %zu gradients off; worst [%zu] analytic %.7g, finite "
               "difference %.7g\n",
               r->name, what, T, bad, n, worst_i, grad[worst_i], worst_fd);
    CHECK(bad == 0);
}

/* Gradients of the first T steps (the reference's data cut to T steps). */
static void check_finite_differences(const char *name, int T)
{
    rig r;
    if (rig_open(&r, name)) {
        cj_recurrent_params p = params_of(&r);
        cj_recurrent_grads g = grads_of(&r);
        size_t bh = (size_t)r.B * r.H;
        zero_grads(&r);
        fwd(&r, &p, T, r.in, r.s0, r.c0, r.noise, r.out, r.sn, r.cn, r.ws);
        bwd(&r, &p, NULL, T, r.in, r.dout, r.dsn, r.dcn, r.din, r.ds0, r.dc0, &g, r.ws);
        fd_check(&r, T, r.in, r.din, (size_t)T * r.B * r.I, "input");
        fd_check(&r, T, r.s0, r.ds0, bh, state_name(&r));
        if (r.kind == LSTM) fd_check(&r, T, r.c0, r.dc0, bh, "c0");
        for (int k = 0; k < 4; k++) fd_check(&r, T, r.w[k], r.dw[k], n_param(&r, k), PARAM[k]);
    }
    rig_close(&r);
}

TEST(rate_rnn_softplus_alpha_0_2_finite_differences) { check_finite_differences("rate_softplus", 7); }
TEST(rate_rnn_tanh_alpha_0_2_finite_differences) { check_finite_differences("rate_tanh", 7); }
TEST(rate_rnn_alpha_1_finite_differences) { check_finite_differences("rnn_tanh", 7); }
TEST(gru_finite_differences) { check_finite_differences("gru", 7); }
TEST(lstm_finite_differences) { check_finite_differences("lstm", 7); }
TEST(one_step_finite_differences)
{
    check_finite_differences("rate_softplus", 1);
    check_finite_differences("gru", 1);
    check_finite_differences("lstm", 1);
}

/* T = 1 runs the first step of the T = 7 reference: its output row must match. */
TEST(one_step_forward_matches_first_reference_step)
{
    static const char *const NAMES[] = {"rnn_tanh", "rate_softplus", "gru", "lstm"};
    for (int c = 0; c < 4; c++) {
        rig r;
        if (rig_open(&r, NAMES[c])) {
            cj_recurrent_params p = params_of(&r);
            fwd(&r, &p, 1, r.in, r.s0, r.c0, r.noise, r.out, r.sn, r.cn, r.ws);
            const cj_tensor *t = cj_safetensors_get(&r.ref, "output");
            double d = max_rel_diff(r.out, t->data, (size_t)r.B * r.H);
            if (!(d <= TOL)) test_fail("%s: T=1 output differs by %.3g", r.name, d);
        }
        rig_close(&r);
    }
}

/* ---- contracts ------------------------------------------------------------ */

/* Copies of every gradient buffer, in one array. */
static float *snapshot(rig *r, size_t *n_out)
{
    size_t tb = (size_t)r->T * r->B, bh = (size_t)r->B * r->H;
    size_t n = tb * r->I + 2 * bh;
    for (int k = 0; k < 4; k++) n += n_param(r, k);
    float *s = malloc(sizeof(float) * n), *q = s;
    memcpy(q, r->din, sizeof(float) * tb * r->I), q += tb * r->I;
    memcpy(q, r->ds0, sizeof(float) * bh), q += bh;
    memcpy(q, r->dc0, sizeof(float) * bh), q += bh;
    for (int k = 0; k < 4; k++) memcpy(q, r->dw[k], sizeof(float) * n_param(r, k)), q += n_param(r, k);
    *n_out = n;
    return s;
}

static const char *const CELLS[] = {"rate_softplus", "rnn_relu", "gru", "lstm"};

/* A second backward on the same tape adds the same gradients again. */
TEST(gradients_accumulate_and_tape_survives_backward)
{
    for (int c = 0; c < 4; c++) {
        rig r;
        if (rig_open(&r, CELLS[c])) {
            rig_run(&r);
            size_t n;
            float *once = snapshot(&r, &n);
            cj_recurrent_params p = params_of(&r);
            cj_recurrent_grads g = grads_of(&r);
            bwd(&r, &p, NULL, r.T, r.in, r.dout, r.dsn, r.dcn, r.din, r.ds0, r.dc0, &g, r.ws);
            float *twice = snapshot(&r, &n);
            for (size_t i = 0; i < n; i++) once[i] *= 2.0f;
            double d = max_rel_diff(twice, once, n);
            if (!(d <= 1e-6)) test_fail("%s: second backward is not +=: %.3g", r.name, d);
            free(once);
            free(twice);
        }
        rig_close(&r);
    }
}

/* Truncated BPTT: steps [0, k) and [k, T) as two chunks, the second started
 * from the first's final state(s), and the first given the second's
 * initial-state gradients as its final-state gradients, sum to the
 * whole-sequence gradients. */
TEST(truncated_chunks_sum_to_whole_sequence)
{
    for (int c = 0; c < 4; c++) {
        rig r;
        if (rig_open(&r, CELLS[c])) {
            rig_run(&r);
            size_t n;
            float *whole = snapshot(&r, &n);
            float *whole_out = malloc(sizeof(float) * r.T * r.B * r.H);
            memcpy(whole_out, r.out, sizeof(float) * r.T * r.B * r.H);
            const int k = 3, T2 = r.T - k;
            size_t bh = (size_t)r.B * r.H;
            float *ws2 = zeros(ws_floats(&r, T2));
            float *s1 = zeros(bh), *c1 = zeros(bh), *ds1 = zeros(bh), *dc1 = zeros(bh);
            cj_recurrent_params p = params_of(&r);
            cj_recurrent_grads g = grads_of(&r);
            const float *noise2 = r.noise ? r.noise + (size_t)k * bh : NULL;
            zero_grads(&r);
            fwd(&r, &p, k, r.in, r.s0, r.c0, r.noise, r.out, s1, c1, r.ws);
            fwd(&r, &p, T2, r.in + (size_t)k * r.B * r.I, s1, c1, noise2, r.out + k * bh, r.sn,
                r.cn, ws2);
            double d_out = max_rel_diff(r.out, whole_out, (size_t)r.T * bh);
            bwd(&r, &p, NULL, T2, r.in + (size_t)k * r.B * r.I, r.dout + k * bh, r.dsn, r.dcn,
                r.din + (size_t)k * r.B * r.I, ds1, dc1, &g, ws2);
            bwd(&r, &p, NULL, k, r.in, r.dout, ds1, r.kind == LSTM ? dc1 : NULL, r.din, r.ds0,
                r.dc0, &g, r.ws);
            float *chunks = snapshot(&r, &n);
            double d = max_rel_diff(chunks, whole, n);
            if (!(d_out <= 1e-6 && d <= 1e-5))
                test_fail("%s: chunks differ from the whole sequence: outputs %.3g, gradients %.3g",
                         r.name, d_out, d);
            free(whole), free(whole_out), free(chunks), free(ws2);
            free(s1), free(c1), free(ds1), free(dc1);
        }
        rig_close(&r);
    }
}

/* Feedback equal to the weights changes nothing; fb.ih = 2 W_ih doubles the
 * input gradient only; fb.hh replacing W_hh changes the error carried back
 * in time but not the forward pass. */
TEST(feedback_replaces_weights_only_in_the_error_path)
{
    for (int c = 0; c < 4; c++) {
        rig r;
        if (rig_open(&r, CELLS[c])) {
            rig_run(&r);
            size_t n, n_in = (size_t)r.T * r.B * r.I;
            float *ref = snapshot(&r, &n);
            size_t nih = n_param(&r, 0), nhh = n_param(&r, 1);
            float *fih = malloc(sizeof(float) * nih), *fhh = malloc(sizeof(float) * nhh);
            memcpy(fih, r.w[0], sizeof(float) * nih);
            memcpy(fhh, r.w[1], sizeof(float) * nhh);
            cj_recurrent_params p = params_of(&r);
            cj_recurrent_grads g = grads_of(&r);
            cj_recurrent_feedback fb = {fih, fhh};
            zero_grads(&r);
            bwd(&r, &p, &fb, r.T, r.in, r.dout, r.dsn, r.dcn, r.din, r.ds0, r.dc0, &g, r.ws);
            float *same = snapshot(&r, &n);
            CHECK(max_rel_diff(same, ref, n) == 0.0);
            for (size_t i = 0; i < nih; i++) fih[i] *= 2.0f;
            fb.hh = NULL;
            zero_grads(&r);
            bwd(&r, &p, &fb, r.T, r.in, r.dout, r.dsn, r.dcn, r.din, r.ds0, r.dc0, &g, r.ws);
            float *dbl = snapshot(&r, &n);
            for (size_t i = 0; i < n_in; i++) ref[i] *= 2.0f;
            double d = max_rel_diff(dbl, ref, n);
            if (!(d <= 1e-6)) test_fail("%s: fb.ih = 2 W_ih: %.3g", r.name, d);
            free(ref), free(same), free(dbl), free(fih), free(fhh);
        }
        rig_close(&r);
    }
}

/* bias = NULL is bias = 0, forward and backward (bias gradients skipped). */
TEST(null_biases_act_as_zeros)
{
    for (int c = 0; c < 4; c++) {
        rig r;
        if (rig_open(&r, CELLS[c])) {
            size_t nb = n_param(&r, 2), ny = (size_t)r.T * r.B * r.H;
            memset(r.w[2], 0, sizeof(float) * nb);
            memset(r.w[3], 0, sizeof(float) * nb);
            rig_run(&r);
            size_t n;
            float *ref = snapshot(&r, &n), *yref = malloc(sizeof(float) * ny);
            memcpy(yref, r.out, sizeof(float) * ny);
            cj_recurrent_params p = {r.w[0], r.w[1], NULL, NULL};
            cj_recurrent_grads g = {r.dw[0], r.dw[1], NULL, NULL};
            zero_grads(&r);
            fwd(&r, &p, r.T, r.in, r.s0, r.c0, r.noise, r.out, r.sn, r.cn, r.ws);
            bwd(&r, &p, NULL, r.T, r.in, r.dout, r.dsn, r.dcn, r.din, r.ds0, r.dc0, &g, r.ws);
            CHECK(max_rel_diff(r.out, yref, ny) == 0.0);
            /* bias gradients stay zero; compare the rest */
            float *got = snapshot(&r, &n);
            size_t nbias = 2 * nb;
            CHECK(max_rel_diff(got, ref, n - nbias) <= 1e-7);
            for (size_t i = n - nbias; i < n; i++) CHECK(got[i] == 0.0f);
            free(ref), free(yref), free(got);
        }
        rig_close(&r);
    }
}

/* A workspace sized for the largest T and B serves every smaller call (the
 * model allocates tapes once for its largest batch). */
TEST(workspace_never_shrinks_as_T_or_B_grow)
{
    size_t (*const size[3])(int, int, int, int) = {cj_rate_rnn_workspace_floats,
                                                   cj_gru_workspace_floats,
                                                   cj_lstm_workspace_floats};
    int bad = 0;
    for (int c = 0; c < 3; c++)
        for (int H = 1; H <= 70; H += 23)
            for (int T = 1; T <= 12; T++)
                for (int B = 1; B <= 300; B++) {
                    size_t w = size[c](T, B, 5, H);
                    if (size[c](T + 1, B, 5, H) < w || size[c](T, B + 1, 5, H) < w) {
                        if (!bad) printf("  cell %d: workspace shrinks after T=%d B=%d H=%d\n", c, T, B, H);
                        bad++;
                    }
                }
    CHECK(bad == 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    RUN(rnn_tanh_matches_torch_rnn);
    RUN(rnn_relu_matches_torch_rnn);
    RUN(gru_matches_torch_gru);
    RUN(lstm_matches_torch_lstm);
    RUN(rate_rnn_softplus_leaky_noisy_matches_numpy);
    RUN(rate_rnn_tanh_leaky_noisy_matches_numpy);
    RUN(wide_cells_match_torch);
    RUN(long_sequences_match_torch);
    RUN(rate_rnn_softplus_alpha_0_2_finite_differences);
    RUN(rate_rnn_tanh_alpha_0_2_finite_differences);
    RUN(rate_rnn_alpha_1_finite_differences);
    RUN(gru_finite_differences);
    RUN(lstm_finite_differences);
    RUN(one_step_finite_differences);
    RUN(one_step_forward_matches_first_reference_step);
    RUN(gradients_accumulate_and_tape_survives_backward);
    RUN(truncated_chunks_sum_to_whole_sequence);
    RUN(feedback_replaces_weights_only_in_the_error_path);
    RUN(null_biases_act_as_zeros);
    RUN(workspace_never_shrinks_as_T_or_B_grow);
    return test_summary("recurrent");
}
