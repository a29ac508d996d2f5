/* test_cajal_h.c — the worked example at the top of include/cajal/cajal.h,
 * compiled and run, so the manual stays true: a rate RNN with a readout
 * trained by BPTT on one batch lowers its loss, and is recorded and saved. */
#include <stdlib.h>

#include "cajal/cajal.h"
#include "fixtures.h"
#include "harness.h"

enum { T = 20, B = 8 };

TEST(the_umbrella_example_runs)
{
    cj_error err;
    cj_model m;
    CHECK(cj_model_create_seq(&m, "rnn 16 nonlinearity=relu tau=100 dt=20, dense 2", (cj_shape){3, 1, 1}, T, B,
                              &err) == CJ_OK);
    cj_rng rng;
    cj_rng_seed(&rng, 1);
    cj_model_init(&m, &rng);
    cj_rule rule;
    cj_rule_config rc = cj_rule_defaults(&cj_rule_bp);
    cj_optim opt;
    cj_optim_config oc = cj_optim_defaults(CJ_OPTIM_ADAM);
    oc.lr = 0.01f;
    CHECK(cj_rule_create(&rule, &rc, &m, &cj_objective_mse, &rng, &err) == CJ_OK);
    CHECK(cj_optim_create(&opt, &oc, m.n_params, &err) == CJ_OK);
    static float x[T * B * 3], y[T * B * 2];
    cj_rng_fill_normal(&rng, x, T * B * 3, 1.0f);
    /* Target: a leaky running sum of the first input, and its sign. */
    for (int b = 0; b < B; b++) {
        float acc = 0;
        for (int t = 0; t < T; t++) {
            acc = 0.8f * acc + 0.2f * x[(t * B + b) * 3];
            y[(t * B + b) * 2] = acc;
            y[(t * B + b) * 2 + 1] = acc > 0 ? 0.5f : -0.5f;
        }
    }
    cj_target t = {.values = y, .steps = T};
    float first = 0, loss = 0;
    for (int step = 0; step < 200; step++) {
        CHECK(cj_rule_update(&rule, &m, x, &t, T, B, &loss, &err) == CJ_OK);
        if (step == 0) first = loss;
        cj_clip_grad_norm(m.grads, m.n_params, 1.0f);
        cj_optim_step(&opt, m.params, m.grads);
    }
    if (!(loss < 0.5f * first)) test_fail("loss %g -> %g", first, loss);
    const char *dir = fixture_dir("umbrella");
    char *acts = cj_path_join(dir, "acts"), *file = cj_path_join(dir, "model.safetensors");
    CHECK(cj_record(&m, x, 2, T, acts, &err) == CJ_OK); /* the first two rows as samples: any floats do */
    if (cj_model_save(&m, file, &err)) test_fail("%s", err.msg);
    free(acts);
    free(file);
    free((char *)dir);
    cj_optim_free(&opt);
    cj_rule_free(&rule);
    cj_model_free(&m);
}

int main(void)
{
    RUN(the_umbrella_example_runs);
    return test_summary("cajal_h");
}
