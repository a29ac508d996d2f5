/* bench_recurrent.c — one BPTT training step of a recurrent network
 * (include/cajal/recurrent.h), timed as bench/torch_recurrent.py times the
 * same step in PyTorch: B = 64, T = 100, input 33, hidden H = 64 and 256,
 * a dense readout to 33 outputs at every step, MSE loss, Adam, one BLAS
 * thread.
 *
 *   bench_recurrent [case ...]   cases rnn_h64 ... lstm_h256, default all
 *                                (bench/run_recurrent.sh runs both sides)
 *
 * One step, as a training loop runs it (and as PyTorch's zero_grad /
 * forward / loss / backward / step): zero the gradients; recurrent forward
 * over the sequence from h0 = 0; readout y_t = W_out h_t + b_out for all
 * T*B rows; MSE against a fixed target; backward through the readout and
 * through time (no input or initial-state gradient: neither side needs
 * one); one Adam step over all parameters (one flat buffer, as the model's).
 * The cells: the rate RNN with α = 1 and tanh, which is exactly
 * torch.nn.RNN; GRU and LSTM as torch.nn.GRU / torch.nn.LSTM.
 *
 * Environment: BENCH_REPEATS (timed repeats per case, default 20).
 * Output, one line per case on stdout:
 *     cajal <case> <median ms> <best ms> <median CPU ms> <best CPU ms>
 * by wall clock and by the process's CPU time (which leaves out time other
 * processes held the core on a shared machine), then
 *     flops <case> <multiply-add FLOPs per step>
 * and, once at the end, the core's limit (bench/fma_peak.h):
 *     peak <GFLOP/s> <vector ISA>
 * Data are random (fixed seed) and made before timing. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cajal/layers.h"
#include "cajal/objectives.h"
#include "cajal/optim.h"
#include "cajal/recurrent.h"
#include "fma_peak.h"

enum { T = 100, B = 64, N_IN = 33, N_OUT = 33, WARMUP = 3 };

static double now(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Uniform in [-scale, scale) from a fixed LCG. */
static void fill_uniform(float *x, size_t n, unsigned *seed, float scale)
{
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        x[i] = scale * ((float)(*seed >> 8) / 16777216.0f * 2.0f - 1.0f);
    }
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef enum { CELL_RNN, CELL_GRU, CELL_LSTM } cell_kind;

/* The network's parameters in one flat buffer (and its gradients in a
 * second of the same layout): W_ih, W_hh, b_ih, b_hh, W_out, b_out. */
typedef struct {
    size_t off[7]; /* offsets of the six tensors, and the total */
} layout;

static layout make_layout(int G, int H)
{
    size_t gh = (size_t)G * H, n[6] = {gh * N_IN, gh * H, gh, gh, (size_t)N_OUT * H, N_OUT};
    layout l = {{0}};
    for (int k = 0; k < 6; k++) l.off[k + 1] = l.off[k] + n[k];
    return l;
}

static size_t workspace_floats(cell_kind c, int H)
{
    return c == CELL_RNN   ? cj_rate_rnn_workspace_floats(T, B, N_IN, H)
           : c == CELL_GRU ? cj_gru_workspace_floats(T, B, N_IN, H)
                           : cj_lstm_workspace_floats(T, B, N_IN, H);
}

typedef struct {
    cell_kind cell;
    int H;
    layout l;
    float *params, *grads, *in, *target, *hs, *y, *dy, *dhs, *ws;
    cj_optim adam;
} net;

/* One training step; returns the loss. */
static float train_step(net *n)
{
    const int H = n->H, rows = T * B;
    const size_t *o = n->l.off;
    float *P = n->params, *dP = n->grads;
    cj_recurrent_params p = {P + o[0], P + o[1], P + o[2], P + o[3]};
    cj_recurrent_grads g = {dP + o[0], dP + o[1], dP + o[2], dP + o[3]};
    cj_rate_rnn_config cfg = {1.0f, CJ_RATE_TANH};

    memset(dP, 0, sizeof(float) * o[6]);
    if (n->cell == CELL_RNN)
        cj_rate_rnn_forward(n->hs, NULL, n->ws, n->in, NULL, NULL, &p, &cfg, T, B, N_IN, H);
    else if (n->cell == CELL_GRU)
        cj_gru_forward(n->hs, NULL, n->ws, n->in, NULL, &p, T, B, N_IN, H);
    else
        cj_lstm_forward(n->hs, NULL, NULL, n->ws, n->in, NULL, NULL, &p, T, B, N_IN, H);
    cj_dense_forward(n->y, n->hs, P + o[4], P + o[5], rows, H, N_OUT);
    cj_target t = {.values = n->target};
    float loss = cj_loss_eval(&cj_objective_mse, n->y, &t, rows, N_OUT, n->dy, NULL);
    cj_dense_backward(n->dhs, dP + o[4], dP + o[5], n->dy, n->hs, P + o[4], rows, H, N_OUT, 0.0f);
    if (n->cell == CELL_RNN)
        cj_rate_rnn_backward(NULL, NULL, &g, n->dhs, NULL, n->ws, n->in, &p, NULL, &cfg, T, B,
                             N_IN, H);
    else if (n->cell == CELL_GRU)
        cj_gru_backward(NULL, NULL, &g, n->dhs, NULL, n->ws, n->in, &p, NULL, T, B, N_IN, H);
    else
        cj_lstm_backward(NULL, NULL, NULL, &g, n->dhs, NULL, NULL, n->ws, n->in, &p, NULL, T, B,
                         N_IN, H);
    cj_optim_step(&n->adam, P, dP);
    return loss;
}

/* The step's matrix products, 2 FLOPs per multiply-add, as the step runs
 * them: forward [x | h] W^T over I + H for G gates of H units and the
 * readout; backward the readout's weight and input gradients, the
 * recurrent input gradient dh W_hh, and the weight gradients of W_ih and
 * W_hh. Element-wise work (gates, loss, Adam) is not counted. */
static double step_flops(int G, int H)
{
    const double rows = (double)T * B, gh = (double)G * H;
    return 2.0 * rows * (2.0 * (N_IN + H) * gh + gh * H + 3.0 * H * N_OUT);
}

static int bench(const char *name, cell_kind cell, int G, int H, int repeats)
{
    unsigned seed = 1234;
    const size_t rows = (size_t)T * B;
    net n = {.cell = cell, .H = H, .l = make_layout(G, H)};
    const size_t np = n.l.off[6];
    n.params = malloc(sizeof(float) * np);
    n.grads = malloc(sizeof(float) * np);
    n.in = malloc(sizeof(float) * rows * N_IN);
    n.target = malloc(sizeof(float) * rows * N_OUT);
    n.hs = malloc(sizeof(float) * rows * H);
    n.dhs = malloc(sizeof(float) * rows * H);
    n.y = malloc(sizeof(float) * rows * N_OUT);
    n.dy = malloc(sizeof(float) * rows * N_OUT);
    n.ws = malloc(sizeof(float) * workspace_floats(cell, H));
    double *ms = malloc(sizeof(double) * repeats), *cpu = malloc(sizeof(double) * repeats);
    cj_optim_config oc = cj_optim_defaults(CJ_OPTIM_ADAM);
    cj_error err;
    if (!n.params || !n.grads || !n.in || !n.target || !n.hs || !n.dhs || !n.y || !n.dy || !n.ws ||
        !ms || !cpu || cj_optim_create(&n.adam, &oc, np, &err) != CJ_OK) {
        fprintf(stderr, "bench_recurrent: out of memory for %s\n", name);
        return 1;
    }
    /* PyTorch's initialisation: U(-1/sqrt(H), 1/sqrt(H)) for the cell,
     * the same bound for the readout (whose fan-in is H). */
    fill_uniform(n.params, np, &seed, 1.0f / sqrtf((float)H));
    fill_uniform(n.in, rows * N_IN, &seed, 1.0f);
    fill_uniform(n.target, rows * N_OUT, &seed, 1.0f);

    float loss = 0.0f;
    for (int r = -WARMUP; r < repeats; r++) {
        double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        loss = train_step(&n);
        if (r >= 0) {
            ms[r] = (now(CLOCK_MONOTONIC) - t0) * 1e3;
            cpu[r] = (now(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e3;
        }
    }
    qsort(ms, repeats, sizeof(double), cmp);
    qsort(cpu, repeats, sizeof(double), cmp);
    printf("cajal %s %.3f %.3f %.3f %.3f\n", name, ms[repeats / 2], ms[0], cpu[repeats / 2], cpu[0]);
    printf("flops %s %.0f\n", name, step_flops(G, H));
    fflush(stdout);
    int bad = !isfinite(loss);
    if (bad) fprintf(stderr, "bench_recurrent: %s: loss is %g\n", name, loss);
    cj_optim_free(&n.adam);
    free(n.params), free(n.grads), free(n.in), free(n.target), free(n.hs), free(n.dhs);
    free(n.y), free(n.dy), free(n.ws), free(ms), free(cpu);
    return bad;
}

int main(int argc, char **argv)
{
    openblas_set_num_threads(1);
    const char *env = getenv("BENCH_REPEATS");
    int repeats = env ? atoi(env) : 20;
    if (repeats < 1) repeats = 1;
    static const char *const CELLS[] = {"rnn", "gru", "lstm"};
    static const int GATES[] = {1, 3, 4}, HIDDEN[] = {64, 256};
    int bad = 0;
    for (int h = 0; h < 2; h++)
        for (int c = 0; c < 3; c++) {
            char name[32];
            snprintf(name, sizeof name, "%s_h%d", CELLS[c], HIDDEN[h]);
            int wanted = argc < 2;
            for (int a = 1; a < argc; a++) wanted |= !strcmp(argv[a], name);
            if (!wanted) continue;
            bad |= bench(name, (cell_kind)c, GATES[c], HIDDEN[h], repeats);
        }
    fma_peak_print();
    return bad;
}
