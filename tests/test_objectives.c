/* Objectives: closed-form values and finite-difference gradients. */
#include <math.h>
#include <string.h>

#include "cajal/objectives.h"
#include "harness.h"

TEST(cross_entropy_of_uniform_logits_is_log_classes)
{
    float z[2 * 5] = {0};
    int y[2] = {1, 4};
    cj_target t = {.labels = y};
    CHECK_NEAR(cj_loss_eval(CJ_LOSS_CROSS_ENTROPY, z, &t, 2, 5, NULL, NULL), log(5.0), 1e-6);
}

TEST(cross_entropy_closed_form_and_shift_invariance)
{
    /* One sample, logits (1, 2, 3), label 0: log(e + e^2 + e^3) - 1. */
    float z[3] = {1, 2, 3}, zs[3] = {1001, 1002, 1003}, per[1];
    int y[1] = {0};
    cj_target t = {.labels = y};
    double expect = log(exp(1.0) + exp(2.0) + exp(3.0)) - 1.0;
    CHECK_NEAR(cj_loss_eval(CJ_LOSS_CROSS_ENTROPY, z, &t, 1, 3, NULL, per), expect, 1e-6);
    CHECK_NEAR(per[0], expect, 1e-6);
    /* Large logits must not overflow: softmax is shift invariant. */
    CHECK_NEAR(cj_loss_eval(CJ_LOSS_CROSS_ENTROPY, zs, &t, 1, 3, NULL, NULL), expect, 1e-4);
}

TEST(mse_closed_form_with_values_and_one_hot_labels)
{
    float p[4] = {1, 2, 3, 4}, v[4] = {0, 2, 5, 4}, per[2];
    cj_target t = {.values = v};
    /* (1 + 0 + 4 + 0) / 4 */
    CHECK_NEAR(cj_loss_eval(CJ_LOSS_MSE, p, &t, 2, 2, NULL, per), 1.25, 1e-6);
    CHECK_NEAR(per[0], 0.5, 1e-6);
    CHECK_NEAR(per[1], 2.0, 1e-6);
    int y[2] = {1, 0};
    cj_target tl = {.labels = y};
    /* targets (0,1),(1,0): (1 + 1 + 4 + 16) / 4 */
    CHECK_NEAR(cj_loss_eval(CJ_LOSS_MSE, p, &tl, 2, 2, NULL, NULL), 5.5, 1e-6);
}

/* Central differences in float with a step large enough to beat rounding. */
static void check_gradient(cj_loss_kind kind, const cj_target *t, int batch, int dim)
{
    float p[24] = {0}, d[24] = {0};
    for (int i = 0; i < batch * dim; i++) p[i] = sinf(1.7f * i + 0.3f);
    cj_loss_eval(kind, p, t, batch, dim, d, NULL);
    for (int i = 0; i < batch * dim; i++) {
        const float h = 1e-2f;
        float keep = p[i];
        p[i] = keep + h;
        double up = cj_loss_eval(kind, p, t, batch, dim, NULL, NULL);
        p[i] = keep - h;
        double down = cj_loss_eval(kind, p, t, batch, dim, NULL, NULL);
        p[i] = keep;
        CHECK_NEAR(d[i], (up - down) / (2 * h), 2e-4);
    }
}

TEST(cross_entropy_gradient_matches_finite_differences)
{
    int y[4] = {0, 5, 2, 3};
    cj_target t = {.labels = y};
    check_gradient(CJ_LOSS_CROSS_ENTROPY, &t, 4, 6);
}

TEST(mse_gradient_matches_finite_differences)
{
    float v[24];
    for (int i = 0; i < 24; i++) v[i] = cosf(0.9f * i);
    cj_target t = {.values = v};
    check_gradient(CJ_LOSS_MSE, &t, 4, 6);
    int y[4] = {0, 5, 2, 3};
    cj_target tl = {.labels = y};
    check_gradient(CJ_LOSS_MSE, &tl, 4, 6);
}

TEST(count_correct_and_names)
{
    float z[6] = {0.1f, 0.9f, 0.0f, 0.5f, 0.2f, 0.3f};
    int y[2] = {1, 2};
    CHECK(cj_count_correct(z, y, 2, 3) == 1);
    cj_loss_kind k;
    cj_error err;
    CHECK(cj_loss_parse("mse", &k, &err) == CJ_OK && k == CJ_LOSS_MSE);
    CHECK(cj_loss_parse("hinge", &k, &err) == CJ_ERR_CONFIG && strstr(err.msg, "'hinge'"));
}

TEST(infonce_closed_form)
{
    /* a = b = identity rows: S = I / tau, each row loses log(1 + e^{-1/tau}). */
    float a[4] = {1, 0, 0, 1}, scratch[64];
    float tau = 0.5f;
    CHECK(cj_infonce_scratch_floats(2, 2) <= 64);
    CHECK_NEAR(cj_infonce_loss(a, a, 2, 2, tau, NULL, NULL, scratch), log1p(exp(-1.0 / tau)), 1e-6);
    /* Scaling an embedding does not change the loss (cosine similarity). */
    float b[4] = {3, 0, 0, 0.5f};
    CHECK_NEAR(cj_infonce_loss(a, b, 2, 2, tau, NULL, NULL, scratch), log1p(exp(-1.0 / tau)), 1e-6);
    /* A single pair has nothing to be contrasted with. */
    CHECK_NEAR(cj_infonce_loss(a, b, 1, 2, tau, NULL, NULL, scratch), 0.0, 1e-7);
}

TEST(infonce_gradient_matches_finite_differences)
{
    enum { N = 5, D = 4 };
    float a[N * D], b[N * D], da[N * D], db[N * D];
    float scratch[N * N + 2 * N * D + 4 * N];
    for (int i = 0; i < N * D; i++) {
        a[i] = sinf(0.7f * i + 0.1f);
        b[i] = cosf(1.3f * i) + 0.3f * a[i];
    }
    const float tau = 0.3f;
    cj_infonce_loss(a, b, N, D, tau, da, db, scratch);
    for (int which = 0; which < 2; which++) {
        float *x = which ? b : a, *g = which ? db : da;
        for (int i = 0; i < N * D; i++) {
            const float h = 1e-2f;
            float keep = x[i];
            x[i] = keep + h;
            double up = cj_infonce_loss(a, b, N, D, tau, NULL, NULL, scratch);
            x[i] = keep - h;
            double down = cj_infonce_loss(a, b, N, D, tau, NULL, NULL, scratch);
            x[i] = keep;
            CHECK_NEAR(g[i], (up - down) / (2 * h), 2e-3);
        }
    }
}

int main(void)
{
    RUN(infonce_closed_form);
    RUN(infonce_gradient_matches_finite_differences);
    RUN(cross_entropy_of_uniform_logits_is_log_classes);
    RUN(cross_entropy_closed_form_and_shift_invariance);
    RUN(mse_closed_form_with_values_and_one_hot_labels);
    RUN(cross_entropy_gradient_matches_finite_differences);
    RUN(mse_gradient_matches_finite_differences);
    RUN(count_correct_and_names);
    return test_summary("objectives");
}
