/* test_rflo.c — random feedback local online learning (Murray 2019) against
 * an independent NumPy implementation (tools/make_rflo_refs.py,
 * tests/ref/rflo/), and against backprop through time where they must
 * agree (the readout's gradient is exact in both); RFLO lowers the loss;
 * wrong models are refused by name. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/io.h"
#include "cajal/model.h"
#include "cajal/optim.h"
#include "cajal/rules.h"
#include "harness.h"

enum { T = 6, B = 2, NI = 3, NH = 5, NO = 2 };

typedef struct {
    cj_safetensors ref;
    cj_model m;
    cj_rule r;
    int labels[B];
    cj_target t;
    int ready;
} fixture;

static const float *ref(fixture *f, const char *name)
{
    const cj_tensor *t = cj_safetensors_get(&f->ref, name);
    return t ? t->data : NULL;
}

static int open_case(fixture *f, const char *name, const char *spec)
{
    memset(f, 0, sizeof *f);
    char path[256];
    snprintf(path, sizeof path, "tests/ref/rflo/%s.safetensors", name);
    cj_error err;
    if (cj_safetensors_read(path, &f->ref, &err)) {
        test_fail("%s (run tools/make_rflo_refs.py)", err.msg);
        return 0;
    }
    if (cj_model_create_seq(&f->m, spec, (cj_shape){NI, 1, 1}, T, B, &err)) {
        test_fail("%s: %s", spec, err.msg);
        return 0;
    }
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < f->m.layers[i].n_params; k++) {
            cj_param *p = &f->m.layers[i].params[k];
            char pname[64];
            snprintf(pname, sizeof pname, "%d.%s", i, p->name);
            const float *v = ref(f, pname);
            if (!v) {
                test_fail("%s: no reference %s", name, pname);
                return 0;
            }
            memcpy(p->data, v, sizeof(float) * p->n);
        }
    cj_rng rng;
    cj_rng_seed(&rng, 1);
    cj_rule_config cfg = cj_rule_defaults(&cj_rule_rflo);
    const cj_objective * loss = ref(f, "labels") ? &cj_objective_cross_entropy : &cj_objective_mse;
    if (cj_rule_create(&f->r, &cfg, &f->m, loss, &rng, &err)) {
        test_fail("rflo: %s", err.msg);
        return 0;
    }
    memcpy(f->r.feedback[1], ref(f, "feedback"), sizeof(float) * NO * NH);
    if (ref(f, "labels")) {
        for (int b = 0; b < B; b++) f->labels[b] = (int)ref(f, "labels")[b];
        f->t = (cj_target){.labels = f->labels, .steps = 1};
    } else {
        f->t = (cj_target){.values = ref(f, "targets"), .mask = ref(f, "mask"), .steps = T};
    }
    f->ready = 1;
    return 1;
}

static void close_case(fixture *f)
{
    if (f->ready) cj_rule_free(&f->r);
    cj_model_free(&f->m);
    cj_safetensors_free(&f->ref);
}

static void check_against_numpy(const char *name, const char *spec)
{
    fixture f;
    if (open_case(&f, name, spec)) {
        cj_error err;
        float L = 0;
        CHECK(cj_rule_update(&f.r, &f.m, ref(&f, "input"), &f.t, T, B, &L, &err) == CJ_OK);
        CHECK_NEAR(L, ref(&f, "loss")[0], 1e-5);
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < f.m.layers[i].n_params; k++) {
                cj_param *p = &f.m.layers[i].params[k];
                char gname[64];
                snprintf(gname, sizeof gname, "grad.%d.%s", i, p->name);
                double d = max_rel_diff(p->grad, ref(&f, gname), p->n);
                if (!(d <= 2e-5)) test_fail("%s: %s off by %.3g", name, gname, d);
            }
    }
    close_case(&f);
}

TEST(rflo_matches_numpy_per_step_mse)
{
    check_against_numpy("tanh_mse_per_step", "rnn 5 alpha=0.3 nonlinearity=tanh, dense 2");
}

TEST(rflo_matches_numpy_with_a_mask)
{
    check_against_numpy("tanh_mse_masked", "rnn 5 alpha=0.3 nonlinearity=tanh, dense 2");
}

TEST(rflo_matches_numpy_last_step_with_trained_h0)
{
    check_against_numpy("softplus_ce_last_h0", "rnn 5 alpha=0.5 nonlinearity=softplus train_h0=true, dense 2");
}

/* The readout's update is its true gradient (it is local); the recurrent
 * weights' is not, but points within 90 degrees of it here. */
TEST(rflo_readout_gradient_is_exact)
{
    fixture f;
    if (open_case(&f, "tanh_mse_per_step", "rnn 5 alpha=0.3 nonlinearity=tanh, dense 2")) {
        cj_error err;
        float L;
        CHECK(cj_rule_update(&f.r, &f.m, ref(&f, "input"), &f.t, T, B, &L, &err) == CJ_OK);
        float *rflo = malloc(sizeof(float) * f.m.n_params);
        memcpy(rflo, f.m.grads, sizeof(float) * f.m.n_params);
        float Lbp = cj_backprop(&f.m, &cj_objective_mse, ref(&f, "input"), &f.t, T, B);
        CHECK_NEAR(L, Lbp, 1e-6);
        const cj_param *w = &f.m.layers[1].params[0];
        size_t off = cj_model_param_offset(&f.m, w);
        CHECK(max_rel_diff(rflo + off, f.m.grads + off, w->n + NO) <= 1e-5);
        const cj_param *hh = &f.m.layers[0].params[1];
        size_t o2 = cj_model_param_offset(&f.m, hh);
        double angle = cj_angle_deg(rflo + o2, f.m.grads + o2, hh->n);
        CHECK(angle > 0.5 && angle < 90.0); /* an approximation, not the gradient */
        free(rflo);
    }
    close_case(&f);
}

/* A hundred RFLO steps fit per-step targets better than the start. */
TEST(rflo_lowers_the_loss)
{
    fixture f;
    if (open_case(&f, "tanh_mse_per_step", "rnn 5 alpha=0.3 nonlinearity=tanh, dense 2")) {
        cj_optim o;
        cj_error err;
        cj_optim_config oc = cj_optim_defaults(CJ_OPTIM_ADAM);
        oc.lr = 0.02f;
        CHECK(cj_optim_create(&o, &oc, f.m.n_params, &err) == CJ_OK);
        float first = 0, last = 0;
        for (int s = 0; s < 100; s++) {
            CHECK(cj_rule_update(&f.r, &f.m, ref(&f, "input"), &f.t, T, B, &last, &err) == CJ_OK);
            if (s == 0) first = last;
            cj_optim_step(&o, f.m.params, f.m.grads);
        }
        if (!(last < 0.7f * first)) test_fail("loss %g -> %g", first, last);
        cj_optim_free(&o);
    }
    close_case(&f);
}

TEST(rflo_refuses_other_models)
{
    static const char *specs[] = {"dense 4, relu, dense 2", "rnn 5, relu, dense 2", "gru 5, dense 2",
                                  "rnn 5 dale=true, dense 2"};
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        cj_model m;
        cj_error err;
        CHECK(cj_model_create_seq(&m, specs[i], (cj_shape){NI, 1, 1}, T, B, &err) == CJ_OK);
        cj_rng rng;
        cj_rng_seed(&rng, 1);
        cj_rule r;
        cj_rule_config cfg = cj_rule_defaults(&cj_rule_rflo);
        cj_status st = cj_rule_create(&r, &cfg, &m, &cj_objective_mse, &rng, &err);
        CHECK(st == CJ_ERR_CONFIG);
        if (st == CJ_OK) cj_rule_free(&r);
        else CHECK(strstr(err.msg, "rule.name = rflo") != NULL);
        cj_model_free(&m);
    }
}

int main(void)
{
    RUN(rflo_matches_numpy_per_step_mse);
    RUN(rflo_matches_numpy_with_a_mask);
    RUN(rflo_matches_numpy_last_step_with_trained_h0);
    RUN(rflo_readout_gradient_is_exact);
    RUN(rflo_lowers_the_loss);
    RUN(rflo_refuses_other_models);
    return test_summary("rflo");
}
