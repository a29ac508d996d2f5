/* test_reference.c — cajal against PyTorch, in the manner of llm.c's
 * test_gpt2.c: tools/make_reference.py builds small torch.nn.Sequential
 * networks, runs them in float64 and dumps logits, losses, every parameter
 * gradient and the parameters after a few optimiser steps into
 * tests/ref/<name>.safetensors (initial parameters in <name>_init). Here the
 * same networks, built from cajal layer specs and loaded with those
 * parameters, must reproduce every tensor to float32 precision. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/io.h"
#include "cajal/model.h"
#include "cajal/objectives.h"
#include "cajal/optim.h"
#include "harness.h"

/* max_rel_diff is relative to max(1, |reference|_inf). float32 carries ~6e-8
 * relative error per operation and these networks are a few layers deep:
 * the differences measured are below 2e-7. 1e-5 leaves room for rounding
 * but not for mistakes (dropping SGD's weight decay shows as 1.6e-4, a
 * wrong Nesterov or Adam step as 1e-2). */
#define TOL 1e-5
#define STEPS 3  /* optimiser steps, as in make_reference.py */

typedef struct {
    const char *name, *spec;
    cj_shape input;
} ref_model;

/* The specs of make_reference.py's MODELS, in cajal's syntax. */
static const ref_model MLP = {"mlp", "flatten, dense 16, relu, dense 12, tanh, dense 5", {1, 4, 4}};
static const ref_model CNN = {
    "cnn",
    "conv2d 3 kernel=3 padding=1, relu, maxpool 2, conv2d 4 kernel=3 stride=2 padding=1, "
    "sigmoid, avgpool 2, flatten, dense 5",
    {2, 8, 8}};
static const ref_model CNN_SOFTPLUS = {
    "cnn_softplus",
    "conv2d 4 kernel=2, softplus, maxpool 3 stride=2, avgpool 2 stride=1, flatten, dense 6, "
    "softplus, dense 5",
    {1, 9, 8}};

/* A model with its reference tensors loaded. */
typedef struct {
    const ref_model *rm;
    cj_model m;
    cj_safetensors ref;
    char init_path[256];
    int batch, dim;
    int *labels;
    const float *input;
} fixture;

/* Fail the current test with a message (the harness's CHECK cannot say
 * which tensor or by how much). */
/* The reference tensor `name`, which must hold n floats; NULL (and a
 * failure) otherwise. */
static const float *ref_get(const fixture *fx, const char *name, size_t n)
{
    const cj_tensor *t = cj_safetensors_get(&fx->ref, name);
    if (!t) {
        test_fail("%s: reference tensor '%s' is missing", fx->rm->name, name);
        return NULL;
    }
    if (cj_tensor_numel(t) != n) {
        test_fail("%s: reference tensor '%s' has %zu floats, expected %zu", fx->rm->name, name,
                 cj_tensor_numel(t), n);
        return NULL;
    }
    return t->data;
}

/* Compare n floats with the reference `name`; returns the difference. */
static double compare(const fixture *fx, const char *name, const float *got, size_t n)
{
    const float *want = ref_get(fx, name, n);
    if (!want) return INFINITY;
    double d = max_rel_diff(got, want, n);
    if (!(d <= TOL)) test_fail("%s: %s differs from PyTorch: max relative difference %.3g", fx->rm->name, name, d);
    return d;
}

static int fixture_open(fixture *fx, const ref_model *rm)
{
    memset(fx, 0, sizeof *fx);
    fx->rm = rm;
    char path[256];
    cj_error err = {0};
    snprintf(path, sizeof path, "tests/ref/%s.safetensors", rm->name);
    snprintf(fx->init_path, sizeof fx->init_path, "tests/ref/%s_init.safetensors", rm->name);
    if (cj_safetensors_read(path, &fx->ref, &err)) {
        printf("  %s (run tools/make_reference.py)\n", err.msg);
        CHECK(!"reference file readable");
        return 0;
    }
    const cj_tensor *x = cj_safetensors_get(&fx->ref, "input");
    int fits = x && x->ndim == 4 && x->shape[0] > 0 && x->shape[1] == rm->input.c &&
               x->shape[2] == rm->input.h && x->shape[3] == rm->input.w;
    CHECK(fits);  /* input is [batch, C, H, W] for this spec's input shape */
    if (!fits) return 0;
    fx->batch = (int)x->shape[0];
    fx->input = x->data;
    cj_status st = cj_model_create(&fx->m, rm->spec, rm->input, fx->batch, &err);
    if (st) printf("  %s\n", err.msg);
    CHECK(st == CJ_OK);
    if (st) return 0;
    fx->dim = cj_shape_size(cj_model_output_shape(&fx->m));
    if ((st = cj_model_load(&fx->m, fx->init_path, &err))) printf("  %s\n", err.msg);
    CHECK(st == CJ_OK);
    const float *y = ref_get(fx, "labels", fx->batch);
    if (st || !y) return 0;
    fx->labels = malloc(sizeof(int) * fx->batch);
    for (int b = 0; b < fx->batch; b++) {
        fx->labels[b] = (int)y[b];
        CHECK(fx->labels[b] >= 0 && fx->labels[b] < fx->dim);
        if (fx->labels[b] < 0 || fx->labels[b] >= fx->dim) return 0;
    }
    return 1;
}

static void fixture_close(fixture *fx)
{
    free(fx->labels);
    cj_safetensors_free(&fx->ref);
    cj_model_free(&fx->m);
}

/* Compare each parameter (or its gradient) with "<prefix>.<name>". */
typedef struct {
    const fixture *fx;
    const char *prefix;
    int grads;
    double worst;
} param_check;

static cj_status check_param(const char *name, cj_tensor *t, void *user)
{
    param_check *pc = user;
    const cj_model *m = &pc->fx->m;
    /* Gradients share the parameters' layout (model.h). */
    const float *got = pc->grads ? m->grads + (t->data - m->params) : t->data;
    char full[96];
    snprintf(full, sizeof full, "%s.%s", pc->prefix, name);
    double d = compare(pc->fx, full, got, cj_tensor_numel(t));
    if (!(d <= pc->worst)) pc->worst = d;
    return CJ_OK;
}

static double check_params(fixture *fx, const char *prefix, int grads)
{
    param_check pc = {fx, prefix, grads, 0.0};
    cj_model_each_param(&fx->m, check_param, &pc);
    return pc.worst;
}

static double check_loss(const fixture *fx, const char *name, float got)
{
    const float *want = ref_get(fx, name, 1);
    if (!want) return INFINITY;
    double d = fabs((double)got - *want) / fmax(1.0, fabs(*want));
    if (!(d <= TOL)) test_fail("%s: %s differs from PyTorch: relative difference %.3g", fx->rm->name, name, d);
    return d;
}

/* Forward pass, both losses and their gradients, and backprop's parameter
 * gradients for cross-entropy. */
static void check_forward_backward(const ref_model *rm)
{
    fixture fx;
    if (fixture_open(&fx, rm)) {
        cj_target target = {.labels = fx.labels};
        size_t n_out = (size_t)fx.batch * fx.dim;
        float *dlogits = malloc(sizeof(float) * n_out);
        const float *logits = cj_model_forward(&fx.m, fx.input, fx.batch);
        double d_logits = compare(&fx, "logits", logits, n_out);

        float mse = cj_loss_eval(&cj_objective_mse, logits, &target, fx.batch, fx.dim, dlogits, NULL);
        double d_loss = check_loss(&fx, "loss.mse", mse);
        double d_dlogits = compare(&fx, "dlogits.mse", dlogits, n_out);

        float ce = cj_loss_eval(&cj_objective_cross_entropy, logits, &target, fx.batch, fx.dim, dlogits, NULL);
        d_loss = fmax(d_loss, check_loss(&fx, "loss.cross_entropy", ce));
        d_dlogits = fmax(d_dlogits, compare(&fx, "dlogits.cross_entropy", dlogits, n_out));

        cj_model_backward(&fx.m, dlogits, NULL, 0);
        double d_grads = check_params(&fx, "grad", 1);
        printf("  %s: max relative difference: logits %.2g, losses %.2g, dlogits %.2g, gradients %.2g\n",
               rm->name, d_logits, d_loss, d_dlogits, d_grads);
        free(dlogits);
    }
    fixture_close(&fx);
}

/* The settings make_reference.py's OPTIMISERS use under the same names. */
static cj_optim_config optim_config(const char *name)
{
    int adam = !strcmp(name, "adam");
    cj_optim_config c = cj_optim_defaults(adam ? CJ_OPTIM_ADAM : CJ_OPTIM_SGD);
    if (adam) {
        c.lr = 1e-2f;
        c.weight_decay = 1e-3f;
        return c;
    }
    c.lr = 0.1f;
    if (!strcmp(name, "sgd_momentum")) {
        c.momentum = 0.9f;
        c.weight_decay = 1e-3f;
    } else if (!strcmp(name, "sgd_nesterov")) {
        c.momentum = 0.9f;
        c.dampening = 0.0f;
        c.nesterov = 1;
    }
    return c;
}

/* STEPS optimiser steps on the same batch, gradients recomputed each step,
 * from the initial parameters each time. */
static void check_optimisers(const ref_model *rm)
{
    static const char *const OPTIMISERS[] = {"sgd", "sgd_momentum", "sgd_nesterov", "adam"};
    enum { N_OPT = sizeof OPTIMISERS / sizeof OPTIMISERS[0] };
    double worst[N_OPT];
    fixture fx;
    if (fixture_open(&fx, rm)) {
        cj_target target = {.labels = fx.labels};
        float *dlogits = malloc(sizeof(float) * fx.batch * fx.dim);
        for (int k = 0; k < N_OPT; k++) {
            cj_error err = {0};
            cj_optim_config cfg = optim_config(OPTIMISERS[k]);
            cj_optim opt;
            worst[k] = INFINITY;
            cj_status st = cj_model_load(&fx.m, fx.init_path, &err);
            if (!st) st = cj_optim_create(&opt, &cfg, fx.m.n_params, &err);
            if (st) printf("  %s\n", err.msg);
            CHECK(st == CJ_OK);
            if (st) continue;
            for (int s = 0; s < STEPS; s++) {
                const float *logits = cj_model_forward(&fx.m, fx.input, fx.batch);
                cj_loss_eval(&cj_objective_cross_entropy, logits, &target, fx.batch, fx.dim, dlogits, NULL);
                cj_model_backward(&fx.m, dlogits, NULL, 0);
                cj_optim_step(&opt, fx.m.params, fx.m.grads);
            }
            cj_optim_free(&opt);
            worst[k] = check_params(&fx, OPTIMISERS[k], 0);
        }
        printf("  %s: max relative difference after %d steps:", rm->name, STEPS);
        for (int k = 0; k < N_OPT; k++) printf(" %s %.2g", OPTIMISERS[k], worst[k]);
        printf("\n");
        free(dlogits);
    }
    fixture_close(&fx);
}

TEST(mlp_forward_backward_matches_pytorch) { check_forward_backward(&MLP); }
TEST(mlp_optimisers_match_pytorch) { check_optimisers(&MLP); }
TEST(cnn_forward_backward_matches_pytorch) { check_forward_backward(&CNN); }
TEST(cnn_optimisers_match_pytorch) { check_optimisers(&CNN); }
TEST(cnn_softplus_forward_backward_matches_pytorch) { check_forward_backward(&CNN_SOFTPLUS); }
TEST(cnn_softplus_optimisers_match_pytorch) { check_optimisers(&CNN_SOFTPLUS); }

int main(void)
{
    /* Line-buffered, so the lines before a crash in a layer still reach
     * tests/run.sh (which reads through a pipe). */
    setvbuf(stdout, NULL, _IOLBF, 0);
    RUN(mlp_forward_backward_matches_pytorch);
    RUN(mlp_optimisers_match_pytorch);
    RUN(cnn_forward_backward_matches_pytorch);
    RUN(cnn_optimisers_match_pytorch);
    RUN(cnn_softplus_forward_backward_matches_pytorch);
    RUN(cnn_softplus_optimisers_match_pytorch);
    return test_summary("reference");
}
