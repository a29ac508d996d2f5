/* bench_prune.c — what pruning costs in cajal, on the Fashion-MNIST MLP
 * (784-256-256-10, batch 64, backprop, SGD with momentum, one thread):
 *   - a training step without a mask and with one (80% of the weights
 *     pruned: the model's mask applied to the update and to the weights
 *     after the step, as src/train/trainer.c does);
 *   - one round's magnitude selection (cj_prune_smallest) over the
 *     268,800 weights, layer-wise, 20% (output layer 10%).
 * Prints "cajal_step_dense_ms", "cajal_step_masked_ms" and
 * "cajal_select_ms", each the fastest of 5 repeats in CPU time
 * (bench/run_prune.sh compares the selection with NumPy).
 *     build/release/bench/bench_prune [STEPS] */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cajal/model.h"
#include "cajal/objectives.h"
#include "cajal/optim.h"
#include "cajal/prune.h"
#include "cajal/rules.h"

enum { BATCH = 64, N_BATCHES = 16, REPEATS = 5 };

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int fail(const cj_error *err)
{
    fprintf(stderr, "bench_prune: %s\n", err->msg);
    return 1;
}

/* `steps` training steps as train_epoch takes them, the mask's two hooks
 * included (NULL tests when the model has none). */
static int run_steps(cj_model *m, cj_rule *r, cj_optim *o, const float *x, const int *labels, long steps,
                     float *loss_sum, cj_error *err)
{
    size_t in = cj_shape_size(m->input);
    for (long k = 0; k < steps; k++) {
        int b = (int)(k % N_BATCHES);
        cj_target t = {.labels = labels + (size_t)b * BATCH};
        float loss;
        if (cj_rule_update(r, m, x + (size_t)b * BATCH * in, &t, 1, BATCH, &loss, err)) return 1;
        cj_model_mask_grads(m);
        cj_optim_step(o, m->params, m->grads);
        cj_model_mask_params(m);
        *loss_sum += loss;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long steps = argc > 1 && atol(argv[1]) > 0 ? atol(argv[1]) : 500;
    openblas_set_num_threads(1);
    cj_error err;
    cj_model m;
    if (cj_model_create(&m, "flatten, dense 256, relu, dense 256, relu, dense 10", (cj_shape){1, 28, 28}, BATCH, &err))
        return fail(&err);
    cj_rng rng;
    cj_rng_seed(&rng, 1);
    cj_model_init(&m, &rng);
    cj_rule rule;
    cj_rule_config rc = cj_rule_defaults(&cj_rule_bp);
    cj_optim opt;
    cj_optim_config oc = cj_optim_defaults(CJ_OPTIM_SGD);
    oc.lr = 0.02f;
    oc.momentum = 0.9f;
    if (cj_rule_create(&rule, &rc, &m, &cj_objective_cross_entropy, &rng, &err) ||
        cj_optim_create(&opt, &oc, m.n_params, &err))
        return fail(&err);
    size_t in = cj_shape_size(m.input);
    float *x = malloc(sizeof(float) * in * BATCH * N_BATCHES);
    int *labels = malloc(sizeof(int) * BATCH * N_BATCHES);
    cj_rng_fill_normal(&rng, x, in * BATCH * N_BATCHES, 1.0f);
    for (int i = 0; i < BATCH * N_BATCHES; i++) labels[i] = (int)cj_rng_below(&rng, 10);
    float loss_sum = 0;
    double best[2] = {INFINITY, INFINITY};
    for (int masked = 0; masked < 2; masked++) {
        if (masked) {
            if (cj_model_mask_enable(&m, &err)) return fail(&err);
            for (size_t i = 0; i < m.n_params; i++) m.mask[i] = cj_rng_uniform(&rng) < 0.2f;
            cj_model_mask_params(&m);
        }
        if (run_steps(&m, &rule, &opt, x, labels, steps / 5, &loss_sum, &err)) return fail(&err); /* warm-up */
        for (int rep = 0; rep < REPEATS; rep++) {
            double t0 = cpu_seconds();
            if (run_steps(&m, &rule, &opt, x, labels, steps, &loss_sum, &err)) return fail(&err);
            best[masked] = fmin(best[masked], (cpu_seconds() - t0) / steps);
        }
    }
    /* One round's selection on trained-like weights: the current ones. */
    cj_model_mask_clear(&m);
    float *mask = malloc(sizeof(float) * m.n_params);
    double select = INFINITY;
    for (int rep = 0; rep < REPEATS; rep++) {
        for (size_t i = 0; i < m.n_params; i++) mask[i] = 1.0f;
        double t0 = cpu_seconds();
        for (int l = 1; l < m.n_layers; l += 2) {
            cj_param *p = &m.layers[l].params[0];
            cj_prune_part part = {p->data, mask + cj_model_param_offset(&m, p), p->n};
            if (cj_prune_smallest(&part, 1, l == m.n_layers - 1 ? 0.1 : 0.2, NULL, &err)) return fail(&err);
        }
        select = fmin(select, cpu_seconds() - t0);
    }
    printf("cajal_step_dense_ms %.4f\ncajal_step_masked_ms %.4f\ncajal_select_ms %.3f\nparams %zu\nloss_sum %g\n",
           1e3 * best[0], 1e3 * best[1], 1e3 * select, m.n_params, loss_sum);
    free(mask);
    free(x);
    free(labels);
    cj_optim_free(&opt);
    cj_rule_free(&rule);
    cj_model_free(&m);
    return 0;
}
