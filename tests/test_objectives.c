/* Objectives: closed-form values, finite-difference gradients, and the
 * Poisson NLL and masked losses against PyTorch (tools/make_loss_refs.py
 * writes tests/ref/losses.txt). */
#include <math.h>
#include <string.h>

#include "cajal/objectives.h"
#include "harness.h"
#include "ref_text.h"

TEST(cross_entropy_of_uniform_logits_is_log_classes)
{
    float z[2 * 5] = {0};
    int y[2] = {1, 4};
    cj_target t = {.labels = y};
    CHECK_NEAR(cj_loss_eval(&cj_objective_cross_entropy, z, &t, 2, 5, NULL, NULL), log(5.0), 1e-6);
}

TEST(cross_entropy_closed_form_and_shift_invariance)
{
    /* One sample, logits (1, 2, 3), label 0: log(e + e^2 + e^3) - 1. */
    float z[3] = {1, 2, 3}, zs[3] = {1001, 1002, 1003}, per[1];
    int y[1] = {0};
    cj_target t = {.labels = y};
    double expect = log(exp(1.0) + exp(2.0) + exp(3.0)) - 1.0;
    CHECK_NEAR(cj_loss_eval(&cj_objective_cross_entropy, z, &t, 1, 3, NULL, per), expect, 1e-6);
    CHECK_NEAR(per[0], expect, 1e-6);
    /* Large logits must not overflow: softmax is shift invariant. */
    CHECK_NEAR(cj_loss_eval(&cj_objective_cross_entropy, zs, &t, 1, 3, NULL, NULL), expect, 1e-4);
}

TEST(mse_closed_form_with_values_and_one_hot_labels)
{
    float p[4] = {1, 2, 3, 4}, v[4] = {0, 2, 5, 4}, per[2];
    cj_target t = {.values = v};
    /* (1 + 0 + 4 + 0) / 4 */
    CHECK_NEAR(cj_loss_eval(&cj_objective_mse, p, &t, 2, 2, NULL, per), 1.25, 1e-6);
    CHECK_NEAR(per[0], 0.5, 1e-6);
    CHECK_NEAR(per[1], 2.0, 1e-6);
    int y[2] = {1, 0};
    cj_target tl = {.labels = y};
    /* targets (0,1),(1,0): (1 + 1 + 4 + 16) / 4 */
    CHECK_NEAR(cj_loss_eval(&cj_objective_mse, p, &tl, 2, 2, NULL, NULL), 5.5, 1e-6);
}

/* Central differences in float with a step large enough to beat rounding. */
static void check_gradient(const cj_objective * kind, const cj_target *t, int batch, int dim)
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
    check_gradient(&cj_objective_cross_entropy, &t, 4, 6);
}

TEST(mse_gradient_matches_finite_differences)
{
    float v[24];
    for (int i = 0; i < 24; i++) v[i] = cosf(0.9f * i);
    cj_target t = {.values = v};
    check_gradient(&cj_objective_mse, &t, 4, 6);
    int y[4] = {0, 5, 2, 3};
    cj_target tl = {.labels = y};
    check_gradient(&cj_objective_mse, &tl, 4, 6);
}

TEST(poisson_closed_form)
{
    /* log rate 0, count 0: exp(0) - 0 = 1; log rate log 2, count 3:
     * 2 - 3 log 2. Mean over the two elements. */
    float p[2] = {0.0f, (float)log(2.0)}, y[2] = {0, 3}, d[2], per[1];
    cj_target t = {.values = y};
    double expect = (1.0 + (2.0 - 3.0 * (double)p[1])) / 2;
    CHECK_NEAR(cj_loss_eval(&cj_objective_poisson, p, &t, 1, 2, d, per), expect, 1e-6);
    CHECK_NEAR(per[0], expect, 1e-6);
    /* dl/dpred = (exp(pred) - y) / count */
    CHECK_NEAR(d[0], (1.0 - 0.0) / 2, 1e-7);
    CHECK_NEAR(d[1], (2.0 - 3.0) / 2, 1e-6);
    const cj_objective_ops *k;
    cj_error err;
    CHECK(cj_objective_parse("poisson", &k, &err) == CJ_OK && k == &cj_poisson_ops);
    CHECK(!strcmp(cj_objective_name(&cj_objective_poisson), "poisson"));
}

TEST(poisson_gradient_matches_finite_differences)
{
    float y[24];
    for (int i = 0; i < 24; i++) y[i] = (float)(i % 4);
    cj_target t = {.values = y};
    check_gradient(&cj_objective_poisson, &t, 4, 6);
    float mask[4] = {1.0f, 0.0f, 0.25f, 2.0f};
    cj_target tm = {.values = y, .mask = mask};
    check_gradient(&cj_objective_poisson, &tm, 4, 6);
}

TEST(masked_gradients_match_finite_differences)
{
    float v[24], mask[4] = {0.5f, 1.0f, 0.0f, 3.0f};
    for (int i = 0; i < 24; i++) v[i] = cosf(0.9f * i);
    int y[4] = {0, 5, 2, 3};
    cj_target tv = {.values = v, .mask = mask}, tl = {.labels = y, .mask = mask};
    check_gradient(&cj_objective_mse, &tv, 4, 6);
    check_gradient(&cj_objective_cross_entropy, &tl, 4, 6);
}

/* Column weights (Yang et al.'s doubled fixation output): a row's loss is
 * (1/dim) sum_j w_j l_j, with the rows' mask on top. */
TEST(value_weights_weigh_each_column)
{
    float p[4] = {1, 2, 3, 4}, v[4] = {0, 2, 5, 4}, w[2] = {4, 1}, per[2], d[4];
    cj_target t = {.values = v, .value_weights = w};
    /* (4*1 + 0 + 4*4 + 0) / 4 */
    CHECK_NEAR(cj_loss_eval(&cj_objective_mse, p, &t, 2, 2, d, per), 5.0, 1e-6);
    CHECK_NEAR(per[0], 2.0, 1e-6);
    CHECK_NEAR(per[1], 8.0, 1e-6);
    /* d/dp of w (p - v)^2 / 4 */
    CHECK_NEAR(d[0], 2.0, 1e-6);
    CHECK_NEAR(d[2], -4.0, 1e-6);
    float mask[2] = {1, 3};
    cj_target tm = {.values = v, .value_weights = w, .mask = mask};
    /* (1 * 4/2 + 3 * 16/2) / (1 + 3) */
    CHECK_NEAR(cj_loss_eval(&cj_objective_mse, p, &tm, 2, 2, NULL, NULL), 6.5, 1e-6);
    /* Poisson: 4 (exp(0) - 0) + 1 (exp(0) - 0), over 2 columns. */
    float z[2] = {0, 0}, y0[2] = {0, 0};
    cj_target tp = {.values = y0, .value_weights = w};
    CHECK_NEAR(cj_loss_eval(&cj_objective_poisson, z, &tp, 1, 2, NULL, NULL), 2.5, 1e-6);
    float vv[24], ww[6] = {4, 1, 0.5f, 2, 1, 0}, mk[4] = {0.5f, 1.0f, 0.0f, 3.0f};
    for (int i = 0; i < 24; i++) vv[i] = cosf(0.9f * i);
    cj_target g = {.values = vv, .value_weights = ww, .mask = mk}, gp = {.values = vv, .value_weights = ww};
    check_gradient(&cj_objective_mse, &g, 4, 6);
    check_gradient(&cj_objective_poisson, &gp, 4, 6);
}

/* The loss and gradient of `kind` on the reference batch against the
 * PyTorch values of `name`. */
static void check_against_torch(const ref_text *r, const char *name, const cj_objective * kind, const cj_target *t)
{
    enum { B = 6, D = 4 };
    const double *pred = ref_text_get(r, "pred", B * D);
    char key[64];
    snprintf(key, sizeof key, "%s.loss", name);
    const double *loss = ref_text_get(r, key, 1);
    snprintf(key, sizeof key, "%s.grad", name);
    const double *grad = ref_text_get(r, key, B * D);
    if (!pred || !loss || !grad) return;
    float p[B * D], d[B * D], want[B * D], per[B];
    for (int i = 0; i < B * D; i++) p[i] = (float)pred[i], want[i] = (float)grad[i];
    float L = cj_loss_eval(kind, p, t, B, D, d, per);
    CHECK_NEAR(L, loss[0], 1e-6 * (1 + fabs(loss[0])));
    double g = max_rel_diff(d, want, B * D);
    if (!(g <= 1e-6)) test_fail("%s: gradient differs from PyTorch's by %g (relative)", name, g);
    /* The per-sample shares average to the loss, masked or not. */
    double mean = 0;
    for (int b = 0; b < B; b++) mean += per[b] / B;
    CHECK_NEAR(mean, L, 1e-6);
}

TEST(poisson_and_masked_losses_match_pytorch)
{
    enum { B = 6, D = 4 };
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/losses.txt")) return;
    const double *counts = ref_text_get(&r, "counts", B * D), *values = ref_text_get(&r, "values", B * D);
    const double *labels = ref_text_get(&r, "labels", B), *masked = ref_text_get(&r, "masked_labels", B);
    const double *mask = ref_text_get(&r, "mask", B);
    if (counts && values && labels && masked && mask) {
        float c[B * D], v[B * D], m[B];
        int y[B], ym[B];
        for (int i = 0; i < B * D; i++) c[i] = (float)counts[i], v[i] = (float)values[i];
        for (int b = 0; b < B; b++) y[b] = (int)labels[b], ym[b] = (int)masked[b], m[b] = (float)mask[b];
        /* -100 (ignore_index) marks the masked rows: cajal must not read it. */
        CHECK(ym[1] == -100 && m[1] == 0);
        cj_target poisson = {.values = c}, poisson_masked = {.values = c, .mask = m};
        cj_target ce_masked = {.labels = ym, .mask = m}, mse_masked = {.values = v, .mask = m};
        cj_target onehot = {.labels = y};
        check_against_torch(&r, "poisson", &cj_objective_poisson, &poisson);
        check_against_torch(&r, "poisson_masked", &cj_objective_poisson, &poisson_masked);
        check_against_torch(&r, "ce_masked", &cj_objective_cross_entropy, &ce_masked);
        check_against_torch(&r, "mse_masked", &cj_objective_mse, &mse_masked);
        check_against_torch(&r, "poisson_onehot", &cj_objective_poisson, &onehot);
    }
    ref_text_free(&r);
}

TEST(masked_rows_are_never_read_and_an_empty_mask_gives_zero)
{
    /* Row 1 is masked out and holds a NaN prediction, an out-of-range
     * label and a NaN target: nothing of it may reach the loss. */
    float p[6] = {0.1f, 0.7f, NAN, NAN, -0.3f, 0.2f}, v[6] = {1, 0, NAN, NAN, 2, 1}, d[6], per[3];
    float mask[3] = {1, 0, 1}, ones[3] = {1, 1, 1}, zeros[3] = {0, 0, 0};
    int y[3] = {1, 99, 0};
    const cj_objective * kinds[3] = {&cj_objective_cross_entropy, &cj_objective_mse, &cj_objective_poisson};
    for (int k = 0; k < 3; k++) {
        cj_target t = {.labels = y, .values = kinds[k] == &cj_objective_cross_entropy ? NULL : v, .mask = mask};
        float L = cj_loss_eval(kinds[k], p, &t, 3, 2, d, per);
        CHECK(isfinite(L) && d[2] == 0 && d[3] == 0 && per[1] == 0);
        /* The same as the two unmasked rows alone. */
        float p2[4] = {p[0], p[1], p[4], p[5]}, v2[4] = {v[0], v[1], v[4], v[5]};
        int y2[2] = {y[0], y[2]};
        cj_target t2 = {.labels = y2, .values = t.values ? v2 : NULL};
        CHECK_NEAR(L, cj_loss_eval(kinds[k], p2, &t2, 2, 2, NULL, NULL), 1e-6);
        /* A mask of ones is no mask. */
        float q[6] = {0.1f, 0.7f, 0.4f, -1.0f, -0.3f, 0.2f}, w[6] = {1, 0, 3, 0, 2, 1};
        cj_target all = {.labels = (int[3]){1, 1, 0}, .values = t.values ? w : NULL, .mask = ones};
        cj_target none = all;
        none.mask = NULL;
        CHECK_NEAR(cj_loss_eval(kinds[k], q, &all, 3, 2, NULL, NULL), cj_loss_eval(kinds[k], q, &none, 3, 2, NULL, NULL),
                   1e-6);
        /* Nothing to weigh: loss and gradient 0, not 0/0. */
        cj_target empty = {.labels = y, .values = t.values, .mask = zeros};
        CHECK(cj_loss_eval(kinds[k], p, &empty, 3, 2, d, NULL) == 0.0f);
        CHECK(d[0] == 0 && d[5] == 0);
    }
}

TEST(count_correct_and_names)
{
    float z[6] = {0.1f, 0.9f, 0.0f, 0.5f, 0.2f, 0.3f};
    int y[2] = {1, 2};
    CHECK(cj_count_correct(z, y, 2, 3) == 1);
    const cj_objective_ops *k;
    cj_error err;
    CHECK(cj_objective_parse("mse", &k, &err) == CJ_OK && k == &cj_mse_ops);
    CHECK(cj_objective_parse("hinge", &k, &err) == CJ_ERR_CONFIG && strstr(err.msg, "'hinge'"));
    /* Every registered objective parses back from its name. */
    int n;
    const cj_objective_ops *const *all = cj_objective_registry(&n);
    for (int i = 0; i < n; i++) CHECK(cj_objective_parse(all[i]->name, &k, &err) == CJ_OK && k == all[i]);
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
    RUN(poisson_closed_form);
    RUN(poisson_gradient_matches_finite_differences);
    RUN(masked_gradients_match_finite_differences);
    RUN(value_weights_weigh_each_column);
    RUN(poisson_and_masked_losses_match_pytorch);
    RUN(masked_rows_are_never_read_and_an_empty_mask_gives_zero);
    return test_summary("objectives");
}
