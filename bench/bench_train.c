/* bench_train.c — samples per second of one training step (forward,
 * cross-entropy, the learning rule's update, SGD with momentum) in cajal,
 * for the same models and the same timing scheme as bench/torch_train.py,
 * and for the MLPs the machine's matrix-product limit: the same step with
 * nothing but its sgemm calls.
 *
 *   bench_train [case ...]        cases: mlp_bp mlp_fa cnn_bp (default: all)
 *
 * Environment: BENCH_SECONDS (target length of one timed repeat, default 2),
 * BENCH_REPEATS (timed repeats per case, default 3).
 *
 * Output on stdout (bench/run.sh parses it), per case:
 *   cajal <case> <best samples/s> <median samples/s> <repeat 1> <repeat 2> ...
 *   cajal <case>/cpu ...   the same per second of CPU time (see cpu_seconds)
 * and for a case whose parametric layers are all dense:
 *   cajal <case>/gemm ...  the same for the step's sgemm calls alone
 *   flops <case> <FLOPs of those calls per step>
 * and once at the end the core's multiply-add limit (bench/fma_peak.h):
 *   peak <GFLOP/s> <vector ISA>
 * Progress and settings go to stderr as '#' lines.
 *
 * A step is exactly what src/train/trainer.c does per batch: cj_rule_update,
 * cj_optim_step, cj_rule_after_step. The data are random (fixed seed),
 * generated before any timing, and cycled through N_BATCHES batches so the
 * input is not the same cache-hot buffer every step. OpenBLAS is held to one
 * thread so the comparison with single-threaded PyTorch is like for like. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cajal/blas.h"
#include "cajal/model.h"
#include "cajal/objectives.h"
#include "cajal/optim.h"
#include "cajal/rules.h"
#include "fma_peak.h"

enum { BATCH = 64, N_BATCHES = 8, N_CLASSES = 10, WARMUP_STEPS = 5 };

typedef struct {
    const char *name;
    const char *layers;
    const cj_rule_ops *rule;
} bench_case;

static const bench_case CASES[] = {
    {"mlp_bp", "flatten, dense 256, relu, dense 256, relu, dense 10", &cj_rule_bp},
    {"mlp_fa", "flatten, dense 256, relu, dense 256, relu, dense 10", &cj_rule_fa},
    {"cnn_bp",
     "conv2d 32 kernel=5 padding=2, relu, maxpool 2, conv2d 64 kernel=5 padding=2, relu, "
     "maxpool 2, flatten, dense 10",
     &cj_rule_bp},
};
enum { N_CASES = sizeof CASES / sizeof CASES[0] };

static double clock_seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static double now_seconds(void) { return clock_seconds(CLOCK_MONOTONIC); }
/* CPU time of this (single-threaded) process: on a shared machine it leaves
 * out the time other processes held the core. */
static double cpu_seconds(void) { return clock_seconds(CLOCK_PROCESS_CPUTIME_ID); }

static double env_double(const char *name, double fallback)
{
    const char *s = getenv(name);
    if (!s || !*s) return fallback;
    char *end;
    double v = strtod(s, &end);
    return end != s && v > 0 ? v : fallback;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    cj_model model;
    cj_rule rule;
    cj_optim optim;
    cj_optim_config optim_cfg;
    float *x;     /* N_BATCHES batches of inputs */
    int *labels;  /* N_BATCHES batches of labels */
    size_t in_size;
    long step;
    float loss_sum;  /* consumed after timing so no step can be optimised away */
} bench_state;

static cj_status setup(bench_state *s, const bench_case *c, cj_error *err)
{
    memset(s, 0, sizeof *s);
    cj_shape input = {1, 28, 28};
    cj_status st = cj_model_create(&s->model, c->layers, input, BATCH, err);
    if (st) return st;
    cj_rng rng;
    cj_rng_seed(&rng, 1234);
    cj_model_init(&s->model, &rng);
    cj_rule_config rule_cfg = cj_rule_defaults(c->rule);
    if ((st = cj_rule_create(&s->rule, &rule_cfg, &s->model, &cj_objective_cross_entropy, &rng, err))) return st;
    s->optim_cfg = cj_optim_defaults(CJ_OPTIM_SGD);
    s->optim_cfg.lr = 0.01f;
    s->optim_cfg.momentum = 0.9f;
    if ((st = cj_optim_create(&s->optim, &s->optim_cfg, s->model.n_params, err))) return st;

    s->in_size = cj_shape_size(input);
    s->x = malloc(sizeof(float) * s->in_size * BATCH * N_BATCHES);
    s->labels = malloc(sizeof(int) * BATCH * N_BATCHES);
    if (!s->x || !s->labels) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for benchmark data");
    cj_rng_fill_normal(&rng, s->x, s->in_size * BATCH * N_BATCHES, 1.0f);
    for (int i = 0; i < BATCH * N_BATCHES; i++) s->labels[i] = (int)cj_rng_below(&rng, N_CLASSES);
    return CJ_OK;
}

static void teardown(bench_state *s)
{
    cj_optim_free(&s->optim);
    cj_rule_free(&s->rule);
    cj_model_free(&s->model);
    free(s->x);
    free(s->labels);
}

typedef cj_status (*step_fn)(bench_state *s, long n, cj_error *err);

/* n training steps, as in train_epoch (src/train/trainer.c). */
static cj_status run_steps(bench_state *s, long n, cj_error *err)
{
    for (long k = 0; k < n; k++, s->step++) {
        int b = (int)(s->step % N_BATCHES);
        cj_target t = {.labels = s->labels + (size_t)b * BATCH};
        float loss;
        cj_status st = cj_rule_update(&s->rule, &s->model, s->x + (size_t)b * BATCH * s->in_size, &t, 1, BATCH,
                                      &loss, err);
        if (st) return st;
        cj_optim_step(&s->optim, s->model.params, s->model.grads);
        if ((st = cj_rule_after_step(&s->rule, &s->model, &s->optim_cfg, err))) return st;
        s->loss_sum += loss;
    }
    return CJ_OK;
}

/* Whether every parametric layer is dense: then gemm_steps makes all of
 * the step's matrix products. */
static int all_dense(const cj_model *m)
{
    for (int i = 0; i < m->n_layers; i++)
        if (cj_layer_has_params(&m->layers[i]) && m->layers[i].ops != &cj_dense_ops) return 0;
    return 1;
}

/* The step's matrix products alone, n times: the sgemm calls that
 * cj_dense_forward and cj_dense_backward make (src/nn/dense.c), with their
 * shapes, transposes and beta, on the model's own buffers, in a step's
 * order (no input gradient for the first parametric layer, as in
 * cj_model_backward). Returns the FLOPs of one such step. The buffers'
 * values stop meaning anything, so this runs after the training steps. */
static double gemm_steps(cj_model *m, long n)
{
    const int B = BATCH;
    double flops = 0.0;
    int first = 0;
    while (first < m->n_layers - 1 && !cj_layer_has_params(&m->layers[first])) first++;
    for (long k = 0; k < n; k++) {
        flops = 0.0;
        for (int i = 0; i < m->n_layers; i++) {
            const cj_layer *l = &m->layers[i];
            if (!cj_layer_has_params(l)) continue;
            int in = l->in.c, out = l->out.c;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, out, in, 1.0f, m->acts[i], in, l->params[0].data, in,
                        1.0f, m->acts[i + 1], out);
            flops += 2.0 * B * in * out;
        }
        for (int i = m->n_layers - 1; i >= first; i--) {
            const cj_layer *l = &m->layers[i];
            if (!cj_layer_has_params(l)) continue;
            int in = l->in.c, out = l->out.c;
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, B, 1.0f, m->dacts[i + 1], out, m->acts[i],
                        in, 0.0f, l->params[0].grad, in);
            flops += 2.0 * B * in * out;
            if (i == first) continue;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, in, out, 1.0f, m->dacts[i + 1], out, l->params[0].data,
                        in, 0.0f, m->dacts[i], in);
            flops += 2.0 * B * in * out;
        }
    }
    return flops;
}

static cj_status run_gemm_steps(bench_state *s, long n, cj_error *err)
{
    gemm_steps(&s->model, n);
    return CJ_OK;
}

/* Warm up, calibrate the step count to ~seconds per repeat, then time
 * `repeats` repeats of `run`; fills sps[] and cpu_sps[] (samples per
 * wall-clock and per CPU second of each repeat). */
static cj_status time_steps(bench_state *s, step_fn run, const char *what, double seconds, int repeats,
                            double *sps, double *cpu_sps, cj_error *err)
{
    cj_status st = run(s, WARMUP_STEPS, err);
    /* Calibrate: at least 0.3 s or 3 steps, whichever is longer. */
    long calib = 0;
    double t0 = now_seconds(), elapsed = 0.0;
    while (!st && (elapsed < 0.3 || calib < 3)) {
        st = run(s, 1, err);
        calib++;
        elapsed = now_seconds() - t0;
    }
    long steps = st ? 0 : (long)(seconds / (elapsed / calib) + 0.5);
    if (steps < 1) steps = 1;
    for (int r = 0; !st && r < repeats; r++) {
        double start = now_seconds(), cpu_start = cpu_seconds();
        st = run(s, steps, err);
        double dt = now_seconds() - start, cpu = cpu_seconds() - cpu_start;
        sps[r] = (double)steps * BATCH / dt;
        cpu_sps[r] = (double)steps * BATCH / cpu;
        fprintf(stderr, "# cajal %s repeat %d: %ld steps in %.3f s (%.3f s CPU) = %.1f samples/s\n", what, r + 1,
                steps, dt, cpu, sps[r]);
    }
    return st;
}

typedef struct {
    double sps[64], cpu_sps[64];     /* training steps */
    double gemm_sps[64], gemm_cpu[64];  /* the same steps' sgemm calls alone */
    double gemm_flops;               /* per step; 0 when the case has no limit */
} case_result;

/* The training steps, then (for an all-dense model) their products alone. */
static cj_status bench_one(const bench_case *c, double seconds, int repeats, case_result *res, cj_error *err)
{
    bench_state s;
    res->gemm_flops = 0.0;
    cj_status st = setup(&s, c, err);
    if (!st) st = time_steps(&s, run_steps, c->name, seconds, repeats, res->sps, res->cpu_sps, err);
    if (!st) fprintf(stderr, "# cajal %s mean loss over all steps %.4f\n", c->name, s.loss_sum / s.step);
    if (!st && all_dense(&s.model)) {
        char what[64];
        snprintf(what, sizeof what, "%s/gemm", c->name);
        st = time_steps(&s, run_gemm_steps, what, seconds, repeats, res->gemm_sps, res->gemm_cpu, err);
        res->gemm_flops = gemm_steps(&s.model, 1);
        /* The library's own count (the one --threads is chosen from) must be
         * the products timed here. */
        double counted = cj_step_gemm_work(&s.model, BATCH).flops;
        if (counted != res->gemm_flops)
            fprintf(stderr, "# warning: %s: the GEMM calls timed make %.0f FLOPs, cj_step_gemm_work counts %.0f\n",
                    c->name, res->gemm_flops, counted);
    }
    teardown(&s);
    return st;
}

/* "cajal <case><suffix> <best> <median> <each repeat>" */
static void print_result(const char *name, const char *suffix, const double *sps, int repeats)
{
    double sorted[64];
    memcpy(sorted, sps, sizeof(double) * repeats);
    qsort(sorted, (size_t)repeats, sizeof(double), compare_double);
    double median = repeats % 2 ? sorted[repeats / 2] : 0.5 * (sorted[repeats / 2 - 1] + sorted[repeats / 2]);
    printf("cajal %s%s %.1f %.1f", name, suffix, sorted[repeats - 1], median);
    for (int r = 0; r < repeats; r++) printf(" %.1f", sps[r]);
    printf("\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    openblas_set_num_threads(1);
    double seconds = env_double("BENCH_SECONDS", 2.0);
    int repeats = (int)env_double("BENCH_REPEATS", 3.0);
    if (repeats > 64) repeats = 64;
    for (int a = 1; a < argc; a++) {
        int known = 0;
        for (int k = 0; k < N_CASES; k++) known |= !strcmp(argv[a], CASES[k].name);
        if (!known) {
            fprintf(stderr, "bench_train: unknown case '%s' (expected mlp_bp, mlp_fa or cnn_bp)\n", argv[a]);
            return 2;
        }
    }
    fprintf(stderr, "# cajal: batch %d, %d warm-up steps, %d repeats of ~%.1f s, 1 BLAS thread (%s)\n", BATCH,
            WARMUP_STEPS, repeats, seconds, openblas_get_config());
    for (int k = 0; k < N_CASES; k++) {
        int wanted = argc == 1;
        for (int a = 1; a < argc; a++) wanted |= !strcmp(argv[a], CASES[k].name);
        if (!wanted) continue;
        case_result res;
        cj_error err = {0};
        if (bench_one(&CASES[k], seconds, repeats, &res, &err)) {
            fprintf(stderr, "bench_train: %s: %s\n", CASES[k].name, err.msg);
            return 1;
        }
        print_result(CASES[k].name, "", res.sps, repeats);
        print_result(CASES[k].name, "/cpu", res.cpu_sps, repeats);
        if (res.gemm_flops > 0) {
            print_result(CASES[k].name, "/gemm", res.gemm_sps, repeats);
            print_result(CASES[k].name, "/gemm/cpu", res.gemm_cpu, repeats);
            printf("flops %s %.0f\n", CASES[k].name, res.gemm_flops);
            fflush(stdout);
        }
    }
    fma_peak_print();
    return 0;
}
