/* Optimiser odds and ends not covered by the PyTorch references in
 * test_reference.c: learning-rate schedules and names. */
#include <math.h>
#include <string.h>

#include "cajal/optim.h"
#include "harness.h"

TEST(cosine_schedule_matches_closed_form)
{
    /* CosineAnnealingLR(T_max=10, eta_min=0): eta_e = eta (1 + cos(pi e / 10)) / 2 */
    cj_optim_config c = cj_optim_defaults(CJ_OPTIM_SGD);
    c.lr = 0.1f;
    c.schedule = CJ_SCHEDULE_COSINE;
    CHECK_NEAR(cj_schedule_lr(&c, 0, 10), 0.1, 1e-8);
    CHECK_NEAR(cj_schedule_lr(&c, 5, 10), 0.05, 1e-8);
    CHECK_NEAR(cj_schedule_lr(&c, 9, 10), 0.1 * (1 + cos(M_PI * 0.9)) / 2, 1e-8);
    c.schedule = CJ_SCHEDULE_CONSTANT;
    CHECK_NEAR(cj_schedule_lr(&c, 9, 10), 0.1, 1e-8);
}

TEST(sgd_first_step_and_plain_step)
{
    /* Plain SGD: p -= lr (g + wd p). */
    cj_optim_config c = cj_optim_defaults(CJ_OPTIM_SGD);
    c.lr = 0.5f;
    c.weight_decay = 0.1f;
    cj_optim o;
    cj_error err;
    float p[2] = {1, -2}, g[2] = {0.2f, 0.4f};
    CHECK(cj_optim_create(&o, &c, 2, &err) == CJ_OK);
    cj_optim_step(&o, p, g);
    CHECK_NEAR(p[0], 1 - 0.5 * (0.2 + 0.1), 1e-7);
    CHECK_NEAR(p[1], -2 - 0.5 * (0.4 - 0.2), 1e-7);
    cj_optim_free(&o);
}

TEST(adam_first_step_is_lr_times_sign)
{
    /* After bias correction, Adam's first step is lr * g / (|g| + eps). */
    cj_optim_config c = cj_optim_defaults(CJ_OPTIM_ADAM);
    cj_optim o;
    cj_error err;
    float p[3] = {0, 0, 0}, g[3] = {3, -0.01f, 0};
    CHECK(cj_optim_create(&o, &c, 3, &err) == CJ_OK);
    cj_optim_step(&o, p, g);
    CHECK_NEAR(p[0], -1e-3, 1e-9);
    CHECK_NEAR(p[1], 1e-3, 1e-8);
    CHECK_NEAR(p[2], 0, 0);
    cj_optim_free(&o);
}

TEST(names)
{
    cj_optim_kind k;
    cj_schedule_kind s;
    cj_error err;
    CHECK(cj_optim_parse("adam", &k, &err) == CJ_OK && k == CJ_OPTIM_ADAM);
    CHECK(cj_optim_parse("rmsprop", &k, &err) == CJ_ERR_CONFIG && strstr(err.msg, "'rmsprop'"));
    CHECK(cj_schedule_parse("cosine", &s, &err) == CJ_OK && s == CJ_SCHEDULE_COSINE);
    CHECK(cj_schedule_parse("step", &s, &err) == CJ_ERR_CONFIG && strstr(err.msg, "'step'"));
}

int main(void)
{
    RUN(cosine_schedule_matches_closed_form);
    RUN(sgd_first_step_and_plain_step);
    RUN(adam_first_step_is_lr_times_sign);
    RUN(names);
    return test_summary("optim");
}
