/* test_sequence_model.c — whole models over time: a recurrent layer with a
 * Linear readout at every step, trained on sequences, against PyTorch
 * (tools/make_sequence_refs.py, tests/ref/sequence/): outputs, loss and
 * every parameter gradient, with whole and truncated backprop through time
 * and gradient clipping; and finite differences through time for the rate
 * RNN's own options (α < 1, Dale's law, trainable initial state), which
 * PyTorch has no module for. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cajal/io.h"
#include "cajal/model.h"
#include "cajal/optim.h"
#include "cajal/recurrent.h"
#include "cajal/rules.h"
#include "harness.h"

enum { T = 7, B = 3, I = 4, O = 3 };

typedef struct {
    cj_safetensors ref;
    cj_model m;
    float *labels_f;
    int *labels;
    cj_target t;
    int ok;
} fixture;

static int load(fixture *f, const char *name, const char *spec, int max_steps)
{
    memset(f, 0, sizeof *f);
    char path[256];
    snprintf(path, sizeof path, "tests/ref/sequence/%s.safetensors", name);
    cj_error err;
    if (cj_safetensors_read(path, &f->ref, &err)) {
        test_fail("%s (run tools/make_sequence_refs.py)", err.msg);
        return 0;
    }
    if (cj_model_create_seq(&f->m, spec, (cj_shape){I, 1, 1}, max_steps, B, &err)) {
        test_fail("%s: %s", spec, err.msg);
        cj_safetensors_free(&f->ref);
        return 0;
    }
    /* Every model parameter has its reference under the same name. */
    for (int i = 0; i < f->m.n_layers; i++) {
        cj_layer *l = &f->m.layers[i];
        for (int k = 0; k < l->n_params; k++) {
            char pname[64];
            snprintf(pname, sizeof pname, "%d.%s", i, l->params[k].name);
            const cj_tensor *r = cj_safetensors_get(&f->ref, pname);
            if (!r || cj_tensor_numel(r) != l->params[k].n) {
                test_fail("%s: reference has no tensor %s of %zu floats", name, pname, l->params[k].n);
                return 0;
            }
            memcpy(l->params[k].data, r->data, sizeof(float) * l->params[k].n);
        }
    }
    const cj_tensor *lab = cj_safetensors_get(&f->ref, "labels");
    if (lab) {
        size_t n = cj_tensor_numel(lab);
        f->labels = malloc(sizeof(int) * n);
        for (size_t i = 0; i < n; i++) f->labels[i] = (int)((const float *)lab->data)[i];
        f->t.labels = f->labels;
        f->t.steps = n == (size_t)T * B ? T : 1;
    } else {
        f->t.values = cj_safetensors_get(&f->ref, "targets")->data;
        f->t.steps = T;
    }
    const cj_tensor *mask = cj_safetensors_get(&f->ref, "mask");
    if (mask) f->t.mask = mask->data;
    f->ok = 1;
    return 1;
}

static void unload(fixture *f)
{
    if (f->ok) cj_model_free(&f->m);
    if (f->ok) cj_safetensors_free(&f->ref);
    free(f->labels);
}

static const float *ref(fixture *f, const char *name) { return cj_safetensors_get(&f->ref, name)->data; }

/* Every parameter's gradient against grad.<name>, relative to the largest. */
static void check_grads(fixture *f, const char *what, double tol)
{
    for (int i = 0; i < f->m.n_layers; i++) {
        cj_layer *l = &f->m.layers[i];
        for (int k = 0; k < l->n_params; k++) {
            char gname[80];
            snprintf(gname, sizeof gname, "grad.%d.%s", i, l->params[k].name);
            double d = max_rel_diff(l->params[k].grad, ref(f, gname), l->params[k].n);
            if (!(d <= tol)) test_fail("%s: %s off by %.3g", what, gname, d);
        }
    }
}

static void check_case(const char *name, const char *spec, const cj_objective * loss, int K)
{
    fixture f;
    if (!load(&f, name, spec, K ? K : T)) return unload(&f);
    float L = cj_sequence_gradient(&f.m, loss, ref(&f, "input"), &f.t, T, B, K, NULL);
    CHECK_NEAR(L, ref(&f, "loss")[0], 2e-6);
    if (!K) {
        double d = max_rel_diff(cj_model_output(&f.m), ref(&f, "output"), (size_t)T * B * O);
        if (!(d <= 2e-6)) test_fail("%s: output off by %.3g", name, d);
    }
    check_grads(&f, name, 5e-5);
    unload(&f);
}

TEST(rnn_with_readout_matches_torch_per_step_labels)
{
    check_case("rnn_per_step", "rnn 6, dense 3", &cj_objective_cross_entropy, 0);
}

TEST(gru_with_readout_matches_torch_at_the_last_step)
{
    check_case("gru_last_step", "gru 6, linear 3", &cj_objective_cross_entropy, 0);
}

TEST(lstm_with_readout_matches_torch_mse_per_step)
{
    check_case("lstm_per_step", "lstm 6, dense 3", &cj_objective_mse, 0);
}

/* K = 3 of T = 7: chunks 3, 3, 1, the tape sized for 3 steps only. */
TEST(truncated_bptt_matches_torch_detach)
{
    check_case("rnn_truncated", "rnn 6, dense 3", &cj_objective_cross_entropy, 3);
}

/* With a loss mask, each chunk weighs by its share of the mask; one chunk
 * is all zeros and must add nothing. */
TEST(truncated_bptt_with_a_mask_matches_torch)
{
    check_case("rnn_truncated_masked", "rnn 6, dense 3", &cj_objective_cross_entropy, 3);
}

TEST(clipped_gradient_matches_clip_grad_norm)
{
    fixture f;
    if (!load(&f, "rnn_clipped", "rnn 6, dense 3", T)) return unload(&f);
    cj_sequence_gradient(&f.m, &cj_objective_cross_entropy, ref(&f, "input"), &f.t, T, B, 0, NULL);
    float max_norm = ref(&f, "clip_norm")[0];
    float norm = cj_clip_grad_norm(f.m.grads, f.m.n_params, max_norm);
    CHECK(norm > max_norm); /* the case does clip */
    check_grads(&f, "rnn_clipped", 5e-5);
    /* Below the limit nothing changes. */
    float before = f.m.grads[0];
    cj_clip_grad_norm(f.m.grads, f.m.n_params, 1e3f);
    CHECK(f.m.grads[0] == before);
    unload(&f);
}

/* Parameters keep PyTorch's names and shapes, module by module. */
TEST(recurrent_parameters_have_torch_names_and_roles)
{
    cj_model m;
    cj_error err;
    CHECK(cj_model_create_seq(&m, "lstm 5, dense 2", (cj_shape){3, 1, 1}, 4, 2, &err) == CJ_OK);
    cj_tensor v;
    CHECK(cj_model_find_param(&m, "0.weight_ih_l0", &v) && v.ndim == 2 && v.shape[0] == 20 && v.shape[1] == 3);
    CHECK(cj_model_find_param(&m, "0.weight_hh_l0", &v) && v.shape[0] == 20 && v.shape[1] == 5);
    CHECK(cj_model_find_param(&m, "0.bias_hh_l0", &v) && v.ndim == 1 && v.shape[0] == 20);
    CHECK(cj_model_find_param(&m, "1.weight", &v) && v.shape[0] == 2 && v.shape[1] == 5);
    CHECK(!cj_model_find_param(&m, "0.weight", NULL));
    CHECK(cj_layer_param(&m.layers[0], CJ_PARAM_RECURRENT) == &m.layers[0].params[1]);
    CHECK(m.n_params == 20 * 3 + 20 * 5 + 2 * 20 + 2 * 5 + 2);
    cj_model_free(&m);
}

/* ---- the rate RNN's own options, by finite differences ------------------- */

typedef struct {
    cj_model *m;
    const float *x;
    const cj_target *t;
} fd_ctx;

static double fd_loss(fd_ctx *c)
{
    cj_model_reset(c->m, B);
    cj_model_forward_seq(c->m, c->x, T, B);
    return cj_output_loss(&cj_objective_mse, c->m, c->t, NULL, NULL);
}

static void check_rate_rnn_fd(const char *spec)
{
    cj_model m;
    cj_error err;
    if (cj_model_create_seq(&m, spec, (cj_shape){I, 1, 1}, T, B, &err)) {
        test_fail("%s: %s", spec, err.msg);
        return;
    }
    cj_rng rng;
    cj_rng_seed(&rng, 7);
    cj_model_init(&m, &rng);
    /* A non-zero initial state, so its gradient is exercised. */
    cj_param *h0 = cj_layer_param(&m.layers[0], CJ_PARAM_STATE);
    if (h0) cj_rng_fill_normal(&rng, h0->data, h0->n, 0.5f);
    float x[T * B * I], y[T * B * O];
    cj_rng_fill_normal(&rng, x, sizeof x / sizeof x[0], 1.0f);
    cj_rng_fill_normal(&rng, y, sizeof y / sizeof y[0], 1.0f);
    cj_target t = {.values = y, .steps = T};
    cj_sequence_gradient(&m, &cj_objective_mse, x, &t, T, B, 0, NULL);
    float *g = malloc(sizeof(float) * m.n_params);
    memcpy(g, m.grads, sizeof(float) * m.n_params);
    fd_ctx c = {&m, x, &t};
    double worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < m.n_params; i++) {
        float keep = m.params[i], h = 1e-2f * fmaxf(1.0f, fabsf(keep));
        m.params[i] = keep + h;
        double up = fd_loss(&c);
        m.params[i] = keep - h;
        double down = fd_loss(&c);
        m.params[i] = keep;
        double fd = (up - down) / (2.0 * h), d = fabs(fd - g[i]) / (1e-3 + fabs(fd));
        if (fabs(fd - g[i]) > 2e-4 + 2e-2 * fabs(fd) && d > worst) {
            worst = d;
            at = i;
        }
    }
    if (worst > 0) test_fail("%s: gradient %zu = %g differs from finite differences (rel %.3g)", spec, at, g[at], worst);
    free(g);
    cj_model_free(&m);
}

TEST(rate_rnn_options_match_finite_differences_through_time)
{
    check_rate_rnn_fd("rnn 5 nonlinearity=softplus alpha=0.2, dense 3");
    check_rate_rnn_fd("rnn 5 nonlinearity=tanh tau=100 dt=20 train_h0=true, dense 3");
    check_rate_rnn_fd("rnn 5 nonlinearity=relu alpha=0.5 dale=true e_fraction=0.6, dense 3");
}

/* Dale's law: every effective recurrent weight from an excitatory unit is
 * >= 0 and from an inhibitory one <= 0, before and after training steps. */
TEST(dale_law_keeps_the_signs_of_units)
{
    cj_model m;
    cj_error err;
    CHECK(cj_model_create_seq(&m, "rnn 10 dale=true nonlinearity=relu alpha=0.2, dense 2", (cj_shape){I, 1, 1}, T,
                              B, &err) == CJ_OK);
    cj_rng rng;
    cj_rng_seed(&rng, 3);
    cj_model_init(&m, &rng);
    const cj_param *w = cj_layer_param(&m.layers[0], CJ_PARAM_RECURRENT);
    size_t negative = 0;
    for (size_t k = 0; k < w->n; k++) negative += w->data[k] < 0;
    CHECK(negative == 0); /* magnitudes: the signs come from the units */
    cj_optim o;
    cj_optim_config oc = cj_optim_defaults(CJ_OPTIM_SGD);
    oc.lr = 0.5f;
    CHECK(cj_optim_create(&o, &oc, m.n_params, &err) == CJ_OK);
    float x[T * B * I], y[T * B * 2];
    cj_rng_fill_normal(&rng, x, sizeof x / sizeof x[0], 1.0f);
    cj_rng_fill_normal(&rng, y, sizeof y / sizeof y[0], 3.0f);
    cj_target t = {.values = y, .steps = T};
    for (int s = 0; s < 20; s++) {
        cj_sequence_gradient(&m, &cj_objective_mse, x, &t, T, B, 0, NULL);
        cj_optim_step(&o, m.params, m.grads);
    }
    /* The effective weights are on the tape after a forward pass. */
    cj_model_reset(&m, B);
    cj_model_forward_seq(&m, x, T, B);
    const float *eff = m.tapes[0] + cj_rate_rnn_workspace_floats(T, B, I, 10);
    int wrong = 0;
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++) wrong += j < 8 ? eff[i * 10 + j] < 0 : eff[i * 10 + j] > 0;
    CHECK(wrong == 0);
    cj_optim_free(&o);
    cj_model_free(&m);
}

/* init=orthogonal gives W W^T = gain^2 I; init=identity gives gain I; the
 * input weights keep PyTorch's uniform start either way. */
TEST(recurrent_init_options_start_where_they_say)
{
    const char *specs[] = {"rnn 12 init=orthogonal gain=1.5, dense 2", "rnn 12 init=identity gain=0.9, dense 2"};
    for (int s = 0; s < 2; s++) {
        cj_model m;
        cj_error err;
        if (cj_model_create_seq(&m, specs[s], (cj_shape){I, 1, 1}, T, B, &err)) {
            test_fail("%s: %s", specs[s], err.msg);
            continue;
        }
        cj_rng rng;
        cj_rng_seed(&rng, 8);
        cj_model_init(&m, &rng);
        const cj_param *w = cj_layer_param(&m.layers[0], CJ_PARAM_RECURRENT);
        const cj_param *u = cj_layer_param(&m.layers[0], CJ_PARAM_WEIGHT);
        double worst = 0;
        for (int i = 0; i < 12; i++)
            for (int j = 0; j < 12; j++) {
                double g = 0;
                if (s == 0) {
                    for (int k = 0; k < 12; k++) g += (double)w->data[i * 12 + k] * w->data[j * 12 + k];
                    g -= i == j ? 2.25 : 0;
                } else {
                    g = w->data[i * 12 + j] - (i == j ? 0.9 : 0);
                }
                worst = fabs(g) > worst ? fabs(g) : worst;
            }
        CHECK(worst < 1e-5);
        float bound = 1 / sqrtf(12.0f), biggest = 0;
        for (size_t k = 0; k < u->n; k++) biggest = fabsf(u->data[k]) > biggest ? fabsf(u->data[k]) : biggest;
        CHECK(biggest <= bound && biggest > 0.5f * bound);
        cj_model_free(&m);
    }
}

/* init_ih=normal draws the input weights from N(0, 1/I): over 400 x 4
 * weights the sample SD is within 7% of 1/2 (its own SD is ~1.8%), the
 * mean near 0, and some weights lie outside PyTorch's uniform bound. */
TEST(recurrent_input_init_normal_has_lecun_scale)
{
    cj_model m;
    cj_error err;
    if (cj_model_create_seq(&m, "rnn 400 init_ih=normal, dense 2", (cj_shape){I, 1, 1}, T, B, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    cj_rng rng;
    cj_rng_seed(&rng, 9);
    cj_model_init(&m, &rng);
    const cj_param *u = cj_layer_param(&m.layers[0], CJ_PARAM_WEIGHT);
    double sum = 0, sq = 0;
    size_t outside = 0;
    for (size_t k = 0; k < u->n; k++) {
        sum += u->data[k];
        sq += (double)u->data[k] * u->data[k];
        outside += fabsf(u->data[k]) > 1 / sqrtf(400.0f);
    }
    double mean = sum / (double)u->n, sd = sqrt(sq / (double)u->n - mean * mean);
    CHECK(fabs(sd - 0.5) < 0.035 && fabs(mean) < 0.05 && outside > u->n / 2);
    cj_model_free(&m);
}

/* Running T steps at once, or step by step carrying the state, gives the
 * same outputs (the state is kept between calls until reset). */
TEST(state_carries_between_calls)
{
    const char *specs[] = {"rnn 6 alpha=0.3, dense 3", "gru 6, dense 3", "lstm 6, dense 3"};
    for (int s = 0; s < 3; s++) {
        cj_model m;
        cj_error err;
        CHECK(cj_model_create_seq(&m, specs[s], (cj_shape){I, 1, 1}, T, B, &err) == CJ_OK);
        cj_rng rng;
        cj_rng_seed(&rng, 11);
        cj_model_init(&m, &rng);
        float x[T * B * I], whole[T * B * O];
        cj_rng_fill_normal(&rng, x, sizeof x / sizeof x[0], 1.0f);
        cj_model_reset(&m, B);
        memcpy(whole, cj_model_forward_seq(&m, x, T, B), sizeof whole);
        cj_model_reset(&m, B);
        double worst = 0.0;
        for (int t = 0; t < T; t++) {
            const float *y = cj_model_forward_seq(&m, x + (size_t)t * B * I, 1, B);
            double d = max_rel_diff(y, whole + (size_t)t * B * O, (size_t)B * O);
            if (d > worst) worst = d;
        }
        if (!(worst <= 1e-6)) test_fail("%s: step by step differs by %.3g", specs[s], worst);
        cj_model_free(&m);
    }
}

/* A noisy rate RNN whose parameters come from a file rather than
 * cj_model_init (cajal eval, model.init) still draws its noise: before the
 * fix its stream was all zeros and the first forward pass never returned
 * (the alarm turns such a hang into a failure of this program). The noise
 * changes from one pass to the next and is the same for the same model. */
TEST(rnn_noise_is_drawn_without_init)
{
    alarm(60);
    float x[T * B * I], y[2][T * B * O], first[T * B * O];
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    cj_rng_fill_normal(&rng, x, sizeof x / sizeof x[0], 1.0f);
    for (int run = 0; run < 2; run++) {
        cj_model m;
        cj_error err;
        CHECK(cj_model_create_seq(&m, "rnn 6 alpha=0.5 noise=0.5, dense 3", (cj_shape){I, 1, 1}, T, B, &err) ==
              CJ_OK);
        /* Weights as a loaded file would set them: any values, no init. */
        for (size_t i = 0; i < m.n_params; i++) m.params[i] = 0.1f * (float)((int)(i % 7) - 3);
        cj_model_reset(&m, B);
        memcpy(y[0], cj_model_forward_seq(&m, x, T, B), sizeof y[0]);
        cj_model_reset(&m, B);
        memcpy(y[1], cj_model_forward_seq(&m, x, T, B), sizeof y[1]);
        int finite = 1;
        for (int i = 0; i < T * B * O; i++) finite &= isfinite(y[0][i]) && isfinite(y[1][i]);
        CHECK(finite);
        CHECK(max_rel_diff(y[0], y[1], (size_t)T * B * O) > 1e-3);
        if (run == 0) memcpy(first, y[0], sizeof first);
        else CHECK(max_rel_diff(first, y[0], (size_t)T * B * O) == 0.0);
        cj_model_free(&m);
    }
    alarm(0);
}

/* With recurrent noise, the diagnostics replay the noise the next step
 * would draw for the true gradient and for every draw of the rule, and put
 * the streams back: backprop is then exactly aligned with itself, node
 * perturbation estimates the gradient rather than noise-to-noise
 * differences, and measuring leaves the training run unchanged. */
TEST(diagnostics_replay_the_recurrent_noise)
{
    cj_model m;
    cj_error err;
    CHECK(cj_model_create_seq(&m, "rnn 6 noise=0.2 alpha=0.5, dense 3", (cj_shape){I, 1, 1}, T, B, &err) == CJ_OK);
    cj_rng rng;
    cj_rng_seed(&rng, 9);
    cj_model_init(&m, &rng);
    float x[T * B * I], y[T * B * O];
    cj_rng_fill_normal(&rng, x, sizeof x / sizeof x[0], 1.0f);
    cj_rng_fill_normal(&rng, y, sizeof y / sizeof y[0], 1.0f);
    cj_target t = {.values = y, .steps = T};
    const cj_rule_ops *rules[] = {&cj_rule_bp, &cj_rule_node_perturbation};
    for (int k = 0; k < 2; k++) {
        cj_rule r;
        cj_rule_config rc = cj_rule_defaults(rules[k]);
        rc.samples = 50;
        CHECK(cj_rule_create(&r, &rc, &m, &cj_objective_mse, &rng, &err) == CJ_OK);
        cj_rng before = *cj_layer_rng(&m.layers[0]);
        cj_rule_diagnostics d = {0};
        cj_rng drng;
        cj_rng_seed(&drng, 4);
        CHECK(cj_rule_diagnose(&r, &m, x, &t, T, B, 4, &drng, &d, &err) == CJ_OK);
        cj_rng after = *cj_layer_rng(&m.layers[0]);
        CHECK(!memcmp(&before, &after, sizeof before));
        if (k == 0) CHECK(d.align_deg[0] < 1e-3 && d.align_deg[1] < 1e-3);
        /* Node perturbation through time perturbs the recurrence itself
         * (no backprop inside the layer), so 50 draws leave it near 45-65
         * degrees; noise that was not replayed would leave it near 90. */
        else if (!(d.align_deg[0] < 75 && d.align_deg[1] < 60))
            test_fail("node perturbation with noise: %.1f / %.1f degrees", d.align_deg[0], d.align_deg[1]);
        cj_rule_diagnostics_free(&d);
        cj_rule_free(&r);
    }
    cj_model_free(&m);
}

TEST(bad_recurrent_options_are_errors_naming_them)
{
    static const struct {
        const char *spec, *needle;
    } cases[] = {
        {"rnn, dense 2", "needs its number of hidden units"},
        {"rnn 4 alpha=2, dense 2", "alpha=2 is not a number from"},
        {"rnn 4 alpha=0.5 tau=100 dt=10, dense 2", "give alpha or tau and dt, not both"},
        {"rnn 4 tau=100, dense 2", "tau and dt go together"},
        {"rnn 4 tau=10 dt=20, dense 2", "dt=20 is more than tau=10"},
        {"rnn 4 nonlinearity=sigmoid, dense 2", "nonlinearity=sigmoid is not one of tanh|relu|softplus"},
        {"rnn 4 dale=true e_fraction=1, dense 2", "needs excitatory and inhibitory units"},
        {"rnn 4 leak=0.1, dense 2", "unknown option 'leak' (nonlinearity, alpha"},
        {"gru 4 alpha=0.5, dense 2", "unexpected 'alpha=0.5'"},
        {"lstm 4 8, dense 2", "unexpected '8'"},
        {"rnn 4, flatten dense 2", "item 1 (flatten): unexpected 'dense 2' (a comma missing before it?)"},
        {"rnn 4, dense 2 relu", "item 1 (dense): unexpected 'relu' (a comma missing before it?)"},
        {"rnn 4 init=xavier, dense 2", "init=xavier is not one of pytorch|orthogonal|identity"},
        {"rnn 4 gain=2, dense 2", "gain= scales init=orthogonal or init=identity"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cj_model m;
        cj_error err = {0};
        if (cj_model_create_seq(&m, cases[i].spec, (cj_shape){I, 1, 1}, T, B, &err) == CJ_OK) {
            test_fail("'%s' was accepted", cases[i].spec);
            cj_model_free(&m);
        } else if (!strstr(err.msg, cases[i].needle)) {
            test_fail("'%s': message '%s' lacks '%s'", cases[i].spec, err.msg, cases[i].needle);
        }
    }
}

int main(void)
{
    RUN(rnn_with_readout_matches_torch_per_step_labels);
    RUN(gru_with_readout_matches_torch_at_the_last_step);
    RUN(lstm_with_readout_matches_torch_mse_per_step);
    RUN(truncated_bptt_matches_torch_detach);
    RUN(truncated_bptt_with_a_mask_matches_torch);
    RUN(clipped_gradient_matches_clip_grad_norm);
    RUN(recurrent_parameters_have_torch_names_and_roles);
    RUN(rate_rnn_options_match_finite_differences_through_time);
    RUN(dale_law_keeps_the_signs_of_units);
    RUN(recurrent_init_options_start_where_they_say);
    RUN(recurrent_input_init_normal_has_lecun_scale);
    RUN(state_carries_between_calls);
    RUN(rnn_noise_is_drawn_without_init);
    RUN(diagnostics_replay_the_recurrent_noise);
    RUN(bad_recurrent_options_are_errors_naming_them);
    return test_summary("sequence_model");
}
