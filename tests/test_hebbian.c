/* test_hebbian.c — reward-modulated Hebbian learning (Miconi 2017) and node
 * perturbation through time (Fiete & Seung 2006) on a rate RNN:
 *  - both against an independent NumPy implementation given the same
 *    perturbations (tools/make_hebbian_refs.py, tests/ref/hebbian/): the
 *    eligibility traces, rewards, baselines and proposed updates;
 *  - node perturbation through time is unbiased: the mean of many draws
 *    matches the BPTT gradient within its 95% interval;
 *  - a Hebbian run stopped and resumed equals the uninterrupted one (the
 *    reward baselines are saved);
 *  - rule.name = hebbian with a model that is not "rnn N, dense K" is an
 *    error naming what it needs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/experiment.h"
#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/model.h"
#include "cajal/rules.h"
#include "cajal/stats.h"
#include "cajal/train.h"
#include "fixtures.h"
#include "harness.h"

enum { T = 8, B = 2, NI = 2, NH = 5, NO = 3 };
static const char *SPEC = "rnn 5 nonlinearity=tanh alpha=0.5, dense 3";

static const float *get(const cj_safetensors *f, const char *name)
{
    const cj_tensor *t = cj_safetensors_get(f, name);
    if (!t) test_fail("no reference tensor %s (run tools/make_hebbian_refs.py)", name);
    return t ? t->data : NULL;
}

/* The model with the reference's parameters. */
static int load_model(cj_model *m, const cj_safetensors *ref)
{
    cj_error err;
    if (cj_model_create_seq(m, SPEC, (cj_shape){NI, 1, 1}, T, B, &err)) {
        test_fail("%s", err.msg);
        return 0;
    }
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < m->layers[i].n_params; k++) {
            cj_param *p = &m->layers[i].params[k];
            char name[64];
            snprintf(name, sizeof name, "%d.%s", i, p->name);
            const float *v = get(ref, name);
            if (!v) return 0;
            memcpy(p->data, v, sizeof(float) * p->n);
        }
    return 1;
}

/* The test's critic: R_b = mean_t (y_t[0] - y_t[1]); every trial type 3. */
static double toy_reward(void *user, int b, const float *out, size_t stride)
{
    (void)user, (void)b;
    double s = 0.0;
    for (int t = 0; t < T; t++) s += out[t * stride] - out[t * stride + 1];
    return s / T;
}
static int toy_type(void *user, int b) { return (void)user, (void)b, 3; }

static void check_grad(const char *what, const float *got, const float *want, size_t n, double tol)
{
    if (!want) return;
    double d = max_rel_diff(got, want, n);
    if (!(d <= tol)) test_fail("%s off by %.3g (relative to its largest entry)", what, d);
}

/* The NumPy reference and the model it was made for; 0 (and the test
 * failed) when either cannot be had. */
static int open_reference(cj_safetensors *ref, cj_model *m)
{
    cj_error err;
    if (cj_safetensors_read("tests/ref/hebbian/hebbian.safetensors", ref, &err)) {
        test_fail("%s (run tools/make_hebbian_refs.py)", err.msg);
        return 0;
    }
    if (!load_model(m, ref)) {
        cj_safetensors_free(ref);
        return 0;
    }
    return 1;
}

TEST(hebbian_matches_numpy)
{
    cj_safetensors ref;
    cj_error err;
    cj_model m;
    if (!open_reference(&ref, &m)) return;
    cj_rng rng;
    cj_rng_seed(&rng, 1);
    cj_rule r;
    cj_rule_config cfg = cj_rule_defaults(&cj_rule_hebbian);
    CHECK(cj_rule_create(&r, &cfg, &m, &cj_objective_mse, &rng, &err) == CJ_OK);
    CHECK_NEAR(r.cfg.perturb_rate, 0.003, 1e-9); /* Miconi's values by default */
    CHECK_NEAR(r.cfg.perturb_amp, 16.0 / 30 / 0.5, 1e-6); /* his kick's state change at alpha = 0.5 */
    cj_critic critic = {toy_reward, toy_type, NULL};
    cj_layer *rnn = &m.layers[0], *out = &m.layers[1];
    for (int u = 0; u < 2; u++) {
        char name[64];
#define REF(fmt, ...) (snprintf(name, sizeof name, fmt, __VA_ARGS__), get(&ref, name))
        const float *x = REF("u%d.input", u), *kicks = REF("u%d.kicks", u);
        if (!x || !kicks) break;
        cj_target t = {.values = REF("u%d.targets", u), .steps = T, .critic = &critic};
        cj_rule_fix_perturbation(&r, kicks);
        float L;
        CHECK(cj_rule_update(&r, &m, x, &t, T, B, &L, &err) == CJ_OK);
        const float *want_loss = REF("u%d.loss", u);
        if (want_loss) CHECK_NEAR(L, want_loss[0], 1e-5);
        for (int b = 0; b < B; b++) {
            float e[NH * NH];
            double R, base;
            CHECK(cj_rule_hebbian_trace(&r, b, e, &R, &base, &err) == CJ_OK);
            snprintf(name, sizeof name, "u%d.trace.%d", u, b);
            check_grad(name, e, get(&ref, name), NH * NH, 1e-5);
            const float *wr = REF("u%d.reward.%d", u, b), *wb = REF("u%d.baseline.%d", u, b);
            if (wr) CHECK_NEAR(R, wr[0], 1e-5);
            if (wb) CHECK_NEAR(base, wb[0], 1e-5);
        }
        check_grad("W_hh update", rnn->params[1].grad, REF("u%d.grad.0.weight_hh_l0", u), NH * NH, 1e-5);
        check_grad("readout weight", out->params[0].grad, REF("u%d.grad.1.weight", u), NO * NH, 1e-5);
        check_grad("readout bias", out->params[1].grad, REF("u%d.grad.1.bias", u), NO, 1e-5);
        /* Nothing else in the RNN learns. */
        for (int k = 0; k < rnn->n_params; k++)
            if (k != 1)
                for (size_t i = 0; i < rnn->params[k].n; i++) CHECK(rnn->params[k].grad[i] == 0.0f);
        if (u == 0) {
            /* The first update proposes nothing for the first trial of its
             * type: the baseline is its reward. Measuring must not move the
             * baselines, only after_step does. */
            float before = r.saved[3];
            CHECK(before == 0.0f && r.saved[64 + 3] == 0.0f);
        }
        CHECK(cj_rule_after_step(&r, &m, NULL, &err) == CJ_OK);
#undef REF
    }
    const float *want = get(&ref, "baseline");
    if (want) CHECK_NEAR(r.saved[3], want[0], 1e-5);
    CHECK(r.saved[64 + 3] == 1.0f);
    CHECK(r.saved_floats == 2 * CJ_CRITIC_TYPES);
    /* The trace of a trial the update did not have is an error. */
    CHECK(cj_rule_hebbian_trace(&r, B, NULL, NULL, NULL, &err) == CJ_ERR_ARG);
    cj_rule_free(&r);
    cj_model_free(&m);
    cj_safetensors_free(&ref);
}

/* rule.readout_only: the same updates for the readout as NumPy's, and
 * none at all for the recurrent weights (the reservoir control). */
TEST(hebbian_readout_only_leaves_the_recurrent_weights)
{
    cj_safetensors ref;
    cj_error err;
    cj_model m;
    if (!open_reference(&ref, &m)) return;
    cj_rng rng;
    cj_rng_seed(&rng, 1);
    cj_rule r;
    cj_rule_config cfg = cj_rule_defaults(&cj_rule_hebbian);
    cfg.readout_only = 1;
    CHECK(cj_rule_create(&r, &cfg, &m, &cj_objective_mse, &rng, &err) == CJ_OK);
    cj_critic critic = {toy_reward, toy_type, NULL};
    const float *x = get(&ref, "u1.input"), *kicks = get(&ref, "u1.kicks");
    cj_target t = {.values = get(&ref, "u1.targets"), .steps = T, .critic = &critic};
    float L;
    if (x && kicks) {
        cj_rule_fix_perturbation(&r, kicks);
        CHECK(cj_rule_update(&r, &m, x, &t, T, B, &L, &err) == CJ_OK);
        const cj_layer *rnn = &m.layers[0], *out = &m.layers[1];
        for (int k = 0; k < rnn->n_params; k++)
            for (size_t i = 0; i < rnn->params[k].n; i++) CHECK(rnn->params[k].grad[i] == 0.0f);
        check_grad("readout weight", out->params[0].grad, get(&ref, "u1.grad.1.weight"), NO * NH, 1e-5);
    }
    cj_rule_free(&r);
    cj_model_free(&m);
    cj_safetensors_free(&ref);
}

TEST(node_perturbation_through_time_matches_numpy)
{
    cj_safetensors ref;
    cj_error err;
    if (cj_safetensors_read("tests/ref/hebbian/nptt.safetensors", &ref, &err)) {
        test_fail("%s (run tools/make_hebbian_refs.py)", err.msg);
        return;
    }
    cj_model m;
    if (!load_model(&m, &ref)) {
        cj_safetensors_free(&ref);
        return;
    }
    cj_rng rng;
    cj_rng_seed(&rng, 1);
    cj_rule r;
    cj_rule_config cfg = cj_rule_defaults(&cj_rule_node_perturbation);
    const float *sigma = get(&ref, "sigma"), *noise = get(&ref, "noise"), *x = get(&ref, "input");
    if (sigma && noise && x) {
        cfg.sigma = sigma[0];
        CHECK(cj_rule_create(&r, &cfg, &m, &cj_objective_mse, &rng, &err) == CJ_OK);
        cj_rule_fix_perturbation(&r, noise);
        cj_target t = {.values = get(&ref, "targets"), .steps = T};
        float L;
        CHECK(cj_rule_update(&r, &m, x, &t, T, B, &L, &err) == CJ_OK);
        CHECK_NEAR(L, get(&ref, "loss")[0], 1e-5);
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < m.layers[i].n_params; k++) {
                cj_param *p = &m.layers[i].params[k];
                char name[64];
                snprintf(name, sizeof name, "grad.%d.%s", i, p->name);
                /* a difference of two losses over sigma^2: float32 loses digits */
                check_grad(name, p->grad, get(&ref, name), p->n, 2e-4);
            }
        cj_rule_free(&r);
    }
    cj_model_free(&m);
    cj_safetensors_free(&ref);
}

/* The mean of D draws of node perturbation through time against the BPTT
 * gradient g, layer by layer, along g and along a direction w orthogonal to
 * it: s = u.g / |g|^2 has mean 1 and u.w / |g| mean 0, each within its 95%
 * Student-t interval over the draws. */
TEST(node_perturbation_through_time_is_unbiased)
{
    enum { D = 20000, TT = 4, BB = 1 };
    cj_model m;
    cj_error err;
    CHECK(cj_model_create_seq(&m, "rnn 3 alpha=0.5, dense 2", (cj_shape){2, 1, 1}, TT, BB, &err) == CJ_OK);
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    cj_model_init(&m, &rng);
    float x[TT * BB * 2], y[TT * BB * 2];
    cj_rng_fill_normal(&rng, x, TT * BB * 2, 1.0f);
    cj_rng_fill_normal(&rng, y, TT * BB * 2, 1.0f);
    cj_target t = {.values = y, .steps = TT};
    size_t n = m.n_params;
    float *g = malloc(sizeof(float) * n), *w = malloc(sizeof(float) * n);
    double *along = malloc(sizeof(double) * D * 2), *across = malloc(sizeof(double) * D * 2);
    cj_backprop(&m, &cj_objective_mse, x, &t, TT, BB);
    memcpy(g, m.grads, sizeof(float) * n);
    cj_rng_fill_normal(&rng, w, n, 1.0f);
    cj_rule r;
    cj_rule_config cfg = cj_rule_defaults(&cj_rule_node_perturbation);
    cfg.sigma = 1e-2f;
    CHECK(cj_rule_create(&r, &cfg, &m, &cj_objective_mse, &rng, &err) == CJ_OK);
    size_t off[3] = {0, cj_layer_param_count(&m.layers[0]), n};
    double gg[2];
    for (int k = 0; k < 2; k++) {
        /* w orthogonal to g, scaled to |g|, within layer k */
        double dot = 0, g2 = 0, w2 = 0;
        for (size_t i = off[k]; i < off[k + 1]; i++) dot += (double)w[i] * g[i], g2 += (double)g[i] * g[i];
        for (size_t i = off[k]; i < off[k + 1]; i++) w[i] -= (float)(dot / g2) * g[i];
        for (size_t i = off[k]; i < off[k + 1]; i++) w2 += (double)w[i] * w[i];
        for (size_t i = off[k]; i < off[k + 1]; i++) w[i] *= (float)sqrt(g2 / w2);
        gg[k] = g2;
    }
    for (int d = 0; d < D; d++) {
        float L;
        if (cj_rule_update(&r, &m, x, &t, TT, BB, &L, &err)) {
            test_fail("%s", err.msg);
            break;
        }
        for (int k = 0; k < 2; k++) {
            double a = 0, c = 0;
            for (size_t i = off[k]; i < off[k + 1]; i++) a += (double)m.grads[i] * g[i], c += (double)m.grads[i] * w[i];
            along[k * D + d] = a / gg[k];
            across[k * D + d] = c / gg[k];
        }
    }
    for (int k = 0; k < 2; k++) {
        double ci[2], ci2[2];
        double mean = cj_mean_interval(along + k * D, D, 0.95, ci);
        double mean2 = cj_mean_interval(across + k * D, D, 0.95, ci2);
        if (!(ci[0] <= 1.0 && 1.0 <= ci[1]))
            test_fail("layer %d: mean projection on the gradient %.4f, interval [%.4f, %.4f] misses 1", k, mean, ci[0],
                      ci[1]);
        if (!(ci2[0] <= 0.0 && 0.0 <= ci2[1]))
            test_fail("layer %d: mean projection across the gradient %.4f, interval [%.4f, %.4f] misses 0", k, mean2,
                      ci2[0], ci2[1]);
        /* and the interval is tight enough to mean something */
        CHECK(ci[1] - ci[0] < 0.5);
    }
    cj_rule_free(&r);
    free(g), free(w), free(along), free(across);
    cj_model_free(&m);
}

TEST(hebbian_refuses_other_models)
{
    static const char *specs[] = {"dense 4, relu, dense 2", "rnn 5, relu, dense 2", "gru 5, dense 2",
                                  "rnn 5 dale=true, dense 2", "rnn 5"};
    for (size_t k = 0; k < sizeof specs / sizeof *specs; k++) {
        cj_model m;
        cj_error err;
        if (cj_model_create_seq(&m, specs[k], (cj_shape){2, 1, 1}, 4, 2, &err)) {
            test_fail("%s: %s", specs[k], err.msg);
            continue;
        }
        cj_rng rng;
        cj_rng_seed(&rng, 1);
        cj_rule r;
        cj_rule_config cfg = cj_rule_defaults(&cj_rule_hebbian);
        CHECK(cj_rule_create(&r, &cfg, &m, &cj_objective_mse, &rng, &err) == CJ_ERR_CONFIG);
        CHECK(strstr(err.msg, "hebbian") != NULL);
        CHECK(strstr(err.msg, k == 3 ? "dale" : "rnn N ..., dense OUTPUTS") != NULL);
        cj_model_free(&m);
    }
}

/* ---- a stopped and resumed run ------------------------------------------- */

typedef struct {
    int at_epoch, stop;
} stopper;

static void stop_on_epoch(const cj_epoch_report *rep, void *user)
{
    stopper *s = user;
    if (rep->epoch == s->at_epoch) s->stop = 1;
}

static const char *const RUN[] = {"data.format=task", "data.task=perceptualdm dt=100", "data.train_trials=64",
                                  "data.test_trials=32", "model.layers=rnn 8 tau=200 dt=100, dense 3",
                                  "rule.name=hebbian", "rule.perturb_rate=0.1", "rule.perturb_amp=4",
                                  "optim.name=adam", "optim.lr=0.01", "train.epochs=3", "train.batch=16",
                                  "train.diag_draws=3", NULL};

static cj_status train_run(const char *dir, int mode, stopper *s, cj_error *err)
{
    cj_experiment e;
    cj_status st = CJ_OK;
    if (mode == CJ_TRAIN_NEW) {
        cj_experiment_defaults(&e);
        for (int i = 0; !st && RUN[i]; i++) st = cj_experiment_set(&e, RUN[i], err);
    } else {
        cj_experiment_defaults(&e);
        char *config = cj_path_join(dir, "config.ini");
        st = cj_experiment_load(&e, config, err);
        free(config);
    }
    if (!st) st = cj_experiment_finish(&e, err);
    if (st) return st;
    cj_train_callbacks cb = {NULL, stop_on_epoch, s, &s->stop, NULL, NULL};
    cj_train_options opt = {mode};
    return cj_train(&e, dir, &opt, &cb, err);
}

static int same_bytes(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = fixture_read(a, &na), *y = fixture_read(b, &nb);
    int same = x && y && na == nb && !memcmp(x, y, na);
    free(x), free(y);
    return same;
}

TEST(hebbian_resumes_exactly)
{
    const char *tdir = fixture_dir("hebbian");
    char *whole = cj_path_printf("%s/whole", tdir), *cut = cj_path_printf("%s/cut", tdir);
    cj_error err = {0};
    stopper none = {0}, at1 = {.at_epoch = 1}, rest = {0};
    if (train_run(whole, CJ_TRAIN_NEW, &none, &err)) test_fail("%s: %s", whole, err.msg);
    CHECK(train_run(cut, CJ_TRAIN_NEW, &at1, &err) == CJ_ERR_INTERRUPTED);
    if (train_run(cut, CJ_TRAIN_RESUME, &rest, &err)) test_fail("resuming %s: %s", cut, err.msg);
    char *ma = cj_path_join(whole, "model.safetensors"), *mb = cj_path_join(cut, "model.safetensors");
    CHECK(same_bytes(ma, mb));
    /* The state holds the baselines, and they moved. */
    char *state = cj_path_join(cut, "train_state.safetensors");
    cj_safetensors ts;
    if (!cj_safetensors_read(state, &ts, &err)) {
        const cj_tensor *t = cj_safetensors_get(&ts, "rule.state");
        CHECK(t != NULL && t->shape[0] == 2 * CJ_CRITIC_TYPES);
        int seen = 0;
        for (int k = 0; t && k < CJ_CRITIC_TYPES; k++) seen += t->data[CJ_CRITIC_TYPES + k] == 1.0f;
        CHECK(seen > 1);
        cj_safetensors_free(&ts);
    } else {
        test_fail("%s", err.msg);
    }
    free(state), free(ma), free(mb), free(whole), free(cut), free((char *)tdir);
}

int main(void)
{
    RUN(hebbian_matches_numpy);
    RUN(hebbian_readout_only_leaves_the_recurrent_weights);
    RUN(node_perturbation_through_time_matches_numpy);
    RUN(node_perturbation_through_time_is_unbiased);
    RUN(hebbian_refuses_other_models);
    RUN(hebbian_resumes_exactly);
    return test_summary("hebbian");
}
