/* bench_recurrent.c — one forward + backward through time of the recurrent
 * layers (include/cajal/recurrent.h), timed as bench/torch_recurrent.py
 * times torch.nn.RNN, GRU and LSTM: B = 64, T = 100, input 33, H = 64 and
 * 256, one BLAS thread.
 *
 *   bench_recurrent            (bench/run_recurrent.sh runs both sides)
 *
 * Environment: BENCH_REPEATS (timed repeats per case, default 20).
 * Output, one line per case on stdout: "cajal <case> <median ms> <best ms>".
 * Data are random (fixed seed) and made before timing; gradients are zeroed
 * before each repeat, as PyTorch's zero_grad would. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cajal/recurrent.h"

enum { T = 100, B = 64, N_IN = 33, WARMUP = 3 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *randn_like(size_t n, unsigned *seed, float scale)
{
    float *x = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        x[i] = scale * ((float)(*seed >> 8) / 16777216.0f * 2.0f - 1.0f);
    }
    return x;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void bench(const char *cell, int G, int H, int repeats)
{
    unsigned seed = 1234;
    size_t gh = (size_t)G * H, bh = (size_t)B * H;
    float *in = randn_like((size_t)T * B * N_IN, &seed, 1.0f);
    float *dout = randn_like((size_t)T * bh, &seed, 1.0f);
    float *w[4], *dw[4];
    size_t n[4] = {gh * N_IN, gh * H, gh, gh};
    for (int k = 0; k < 4; k++) {
        w[k] = randn_like(n[k], &seed, 1.0f / (float)H);
        dw[k] = calloc(n[k], sizeof(float));
    }
    float *out = malloc(sizeof(float) * T * bh), *din = malloc(sizeof(float) * T * B * N_IN);
    float *h0 = calloc(bh, sizeof(float)), *dh0 = calloc(bh, sizeof(float));
    float *dc0 = calloc(bh, sizeof(float));
    size_t nws = !strcmp(cell, "rnn")   ? cj_rate_rnn_workspace_floats(T, B, N_IN, H)
                 : !strcmp(cell, "gru") ? cj_gru_workspace_floats(T, B, N_IN, H)
                                        : cj_lstm_workspace_floats(T, B, N_IN, H);
    float *ws = malloc(sizeof(float) * nws);
    cj_recurrent_params p = {w[0], w[1], w[2], w[3]};
    cj_recurrent_grads g = {dw[0], dw[1], dw[2], dw[3]};
    cj_rate_rnn_config cfg = {1.0f, CJ_RATE_TANH};
    double *ms = malloc(sizeof(double) * repeats);
    for (int r = -WARMUP; r < repeats; r++) {
        double t0 = now();
        for (int k = 0; k < 4; k++) memset(dw[k], 0, sizeof(float) * n[k]);
        memset(din, 0, sizeof(float) * T * B * N_IN);
        memset(dh0, 0, sizeof(float) * bh);
        if (!strcmp(cell, "rnn")) {
            cj_rate_rnn_forward(out, NULL, ws, in, h0, NULL, &p, &cfg, T, B, N_IN, H);
            cj_rate_rnn_backward(din, dh0, &g, dout, NULL, ws, in, &p, NULL, &cfg, T, B, N_IN, H);
        } else if (!strcmp(cell, "gru")) {
            cj_gru_forward(out, NULL, ws, in, h0, &p, T, B, N_IN, H);
            cj_gru_backward(din, dh0, &g, dout, NULL, ws, in, &p, NULL, T, B, N_IN, H);
        } else {
            memset(dc0, 0, sizeof(float) * bh);
            cj_lstm_forward(out, NULL, NULL, ws, in, h0, h0, &p, T, B, N_IN, H);
            cj_lstm_backward(din, dh0, dc0, &g, dout, NULL, NULL, ws, in, &p, NULL, T, B, N_IN, H);
        }
        if (r >= 0) ms[r] = (now() - t0) * 1e3;
    }
    qsort(ms, repeats, sizeof(double), cmp);
    printf("cajal %s_h%d %.3f %.3f\n", cell, H, ms[repeats / 2], ms[0]);
    for (int k = 0; k < 4; k++) free(w[k]), free(dw[k]);
    free(in), free(dout), free(out), free(din), free(h0), free(dh0), free(dc0), free(ws), free(ms);
}

int main(void)
{
    openblas_set_num_threads(1);
    const char *env = getenv("BENCH_REPEATS");
    int repeats = env ? atoi(env) : 20;
    if (repeats < 1) repeats = 1;
    static const char *const CELLS[] = {"rnn", "gru", "lstm"};
    static const int GATES[] = {1, 3, 4}, HIDDEN[] = {64, 256};
    for (int h = 0; h < 2; h++)
        for (int c = 0; c < 3; c++) bench(CELLS[c], GATES[c], HIDDEN[h], repeats);
    return 0;
}
