/* test_train_npy.c — training on .npy data end to end: a linear-nonlinear-
 * Poisson population fitted with the Poisson NLL, a linear regression
 * with MSE, labels with a mask, the held-out validation part, recurrent
 * models on sequences (a label per sequence, masked per-step counts),
 * cajal eval on the saved models, and the errors for data the model
 * cannot take. The
 * data are generated here and written with the library's .npy writer. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/model_file.h"
#include "cajal/rng.h"
#include "cajal/train.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"
#include "metrics_fixture.h"
#include "npy_fixture.h"

static const char *tdir;
static const char *cajal; /* the binary, for the command-line tests */

enum { N_TRAIN = 600, N_TEST = 200, F = 8, D = 5 };

/* Knuth's multiplication method: fine for the small rates used here. */
static int poisson_draw(cj_rng *rng, double rate)
{
    double limit = exp(-rate), p = 1.0;
    int k = 0;
    do {
        k++;
        p *= cj_rng_uniform(rng);
    } while (p > limit);
    return k - 1;
}

/* The true population: log rate_d = W_d . x + b_d, W ~ N(0, 0.3^2), b = -0.5;
 * its mean NLL on the test set (Poisson NLL without log y!, as the
 * objective) is what a fitted linear model should approach. */
typedef struct {
    float w[D * F], b[D];
} population;

static void make_population(population *p, cj_rng *rng)
{
    for (int i = 0; i < D * F; i++) p->w[i] = 0.3f * cj_rng_normal(rng);
    for (int d = 0; d < D; d++) p->b[d] = -0.5f;
}

/* x [n, F] standard normal and counts [n, D]; returns the true model's
 * mean NLL on these samples. */
static double make_responses(const population *p, cj_rng *rng, int n, float *x, float *counts)
{
    double nll = 0.0;
    for (int i = 0; i < n * F; i++) x[i] = cj_rng_normal(rng);
    for (int s = 0; s < n; s++)
        for (int d = 0; d < D; d++) {
            double eta = p->b[d];
            for (int f = 0; f < F; f++) eta += p->w[d * F + f] * x[s * F + f];
            int c = poisson_draw(rng, exp(eta));
            counts[s * D + d] = (float)c;
            nll += exp(eta) - c * eta;
        }
    return nll / ((double)n * D);
}

static double true_test_nll;
static char *train_x, *train_c, *test_x, *test_c, *train_y, *train_t, *test_t, *test_y;

/* The data sets every test here uses: counts, real targets (a linear
 * map of x plus noise of variance 0.01) and labels (argmax of the map). */
static void write_data(void)
{
    cj_rng rng;
    cj_rng_seed(&rng, 42);
    population p;
    make_population(&p, &rng);
    float *x = malloc(sizeof(float) * N_TRAIN * F), *c = malloc(sizeof(float) * N_TRAIN * D);
    float *t = malloc(sizeof(float) * N_TRAIN * D);
    int64_t *y = malloc(sizeof(int64_t) * N_TRAIN);
    int64_t sx[2] = {N_TRAIN, F}, sc[2] = {N_TRAIN, D}, sy[1] = {N_TRAIN};
    const char *names[2][5] = {{"train_x.npy", "train_c.npy", "train_t.npy", "train_y.npy"},
                               {"test_x.npy", "test_c.npy", "test_t.npy", "test_y.npy"}};
    char **paths[2][4] = {{&train_x, &train_c, &train_t, &train_y}, {&test_x, &test_c, &test_t, &test_y}};
    for (int split = 0; split < 2; split++) {
        int n = split ? N_TEST : N_TRAIN;
        sx[0] = sc[0] = sy[0] = n;
        double nll = make_responses(&p, &rng, n, x, c);
        if (split) true_test_nll = nll;
        for (int s = 0; s < n; s++) {
            int best = 0;
            for (int d = 0; d < D; d++) {
                double v = 0;
                for (int f = 0; f < F; f++) v += p.w[d * F + f] * x[s * F + f];
                t[s * D + d] = (float)v + 0.1f * cj_rng_normal(&rng);
                if (t[s * D + d] > t[s * D + best]) best = d;
            }
            y[s] = best;
        }
        *paths[split][0] = npy_f32(tdir, names[split][0], 2, sx, x);
        *paths[split][1] = npy_f32(tdir, names[split][1], 2, sc, c);
        *paths[split][2] = npy_f32(tdir, names[split][2], 2, sc, t);
        *paths[split][3] = npy_typed(tdir, names[split][3], "<i8", 1, sy, y, 8);
    }
    free(x);
    free(c);
    free(t);
    free(y);
}

/* An npy experiment from "key=value" settings (NULL-terminated). */
static int experiment(cj_experiment *e, const char *const *sets)
{
    cj_error err = {0};
    cj_experiment_defaults(e);
    const char *base[] = {"data.format=npy", "model.layers=dense 5", "train.epochs=8", "train.batch=32",
                          "train.diag_batch=64", "optim.name=adam", "optim.lr=0.02", NULL};
    for (int i = 0; base[i]; i++)
        if (cj_experiment_set(e, base[i], &err)) return test_fail("%s: %s", base[i], err.msg), 0;
    for (int i = 0; sets[i]; i++)
        if (cj_experiment_set(e, sets[i], &err)) return test_fail("%s: %s", sets[i], err.msg), 0;
    if (cj_experiment_finish(e, &err)) return test_fail("finish: %s", err.msg), 0;
    return 1;
}

static char *setting(const char *key, const char *value) { return cj_path_printf("%s=%s", key, value); }

/* Train into tdir/name; returns the run folder (free it) or NULL. */
static char *train(const char *name, const cj_experiment *e)
{
    char *run = cj_path_join(tdir, name);
    cj_error err = {0};
    if (cj_train(e, run, NULL, NULL, &err)) {
        test_fail("%s: %s", name, err.msg);
        free(run);
        return NULL;
    }
    return run;
}

TEST(poisson_fit_of_a_population_approaches_the_true_model)
{
    char *s[6] = {setting("data.train_inputs", train_x), setting("data.train_counts", train_c),
                  setting("data.test_inputs", test_x), setting("data.test_counts", test_c)};
    const char *sets[] = {s[0], s[1], s[2], s[3], "objective.name=poisson", NULL};
    cj_experiment e;
    char *run = experiment(&e, sets) ? train("poisson", &e) : NULL;
    cJSON *first = run ? metrics_line(run, 0) : NULL, *last = run ? metrics_line(run, 7) : NULL;
    if (first && last) {
        double l0 = json_num(first, "train_loss"), l1 = json_num(last, "train_loss"), test = json_num(last, "test_loss");
        printf("  poisson: train loss %.4f -> %.4f, test %.4f (true model %.4f)\n", l0, l1, test, true_test_nll);
        CHECK(l1 < l0);
        /* A linear model of the log rate can be the true model: the fit
         * ends close to the true rates' NLL (sampling noise ~ 0.01). */
        CHECK(fabs(test - true_test_nll) < 0.03);
        CHECK(json_is_null(last, "test_acc") && json_is_null(last, "val_loss") && json_is_null(last, "val_acc"));
    } else {
        CHECK(first && last);
    }
    /* cajal eval on the saved model and the npy test set: the last epoch's
     * test loss. */
    if (run && last) {
        char *model = cj_path_join(run, "model.safetensors");
        cj_data_files f = {.inputs = test_x, .counts = test_c};
        cj_model_info info;
        cj_eval_result r;
        cj_error err = {0};
        CHECK(cj_model_file_evaluate(model, &f, 17, &info, &r, &err) == CJ_OK);
        if (err.msg[0]) printf("  %s\n", err.msg);
        CHECK(info.format == CJ_DATA_NPY && info.targets == CJ_TARGET_COUNTS && info.classes == D);
        CHECK(r.samples == N_TEST && isnan(r.accuracy));
        CHECK_NEAR(r.loss, json_num(last, "test_loss"), 1e-5 * fabs(r.loss));
        /* Labels for a counts model are refused by name. */
        cj_data_files wrong = {.inputs = test_x, .labels = test_y};
        CHECK(cj_model_file_evaluate(model, &wrong, 17, &info, &r, &err) != CJ_OK &&
              strstr(err.msg, "trained on counts (metadata targets)"));
        free(model);
    }
    cJSON_Delete(first);
    cJSON_Delete(last);
    for (int i = 0; i < 4; i++) free(s[i]);
    free(run);
}

TEST(regression_with_mse_and_standard_scaling_lowers_the_loss)
{
    char *s[4] = {setting("data.train_inputs", train_x), setting("data.train_targets", train_t),
                  setting("data.test_inputs", test_x), setting("data.test_targets", test_t)};
    const char *sets[] = {s[0], s[1], s[2], s[3], "objective.name=mse", "data.scale=standard", NULL};
    cj_experiment e;
    char *run = experiment(&e, sets) ? train("mse", &e) : NULL;
    cJSON *first = run ? metrics_line(run, 0) : NULL, *last = run ? metrics_line(run, 7) : NULL;
    if (first && last) {
        double l0 = json_num(first, "train_loss"), test = json_num(last, "test_loss");
        printf("  mse: train loss %.4f -> %.4f, test %.4f (noise variance 0.01)\n", l0, json_num(last, "train_loss"),
               test);
        /* Standardised inputs are a linear map of x: a linear model still
         * fits, down to about the noise. */
        CHECK(test < 0.3 * l0 && test < 0.03);
        CHECK(json_is_null(last, "test_acc"));
    } else {
        CHECK(first && last);
    }
    cJSON_Delete(first);
    cJSON_Delete(last);
    for (int i = 0; i < 4; i++) free(s[i]);
    free(run);
}

/* data.validation: the held-out part is not trained on (fewer steps) and
 * is reported every epoch; the same seed gives the same numbers. */
TEST(validation_part_is_reported_and_deterministic)
{
    char *s[4] = {setting("data.train_inputs", train_x), setting("data.train_labels", train_y),
                  setting("data.test_inputs", test_x), setting("data.test_labels", test_y)};
    const char *sets[] = {s[0], s[1], s[2], s[3], "data.validation=0.25", "train.epochs=2", NULL};
    cj_experiment e;
    char *a = experiment(&e, sets) ? train("val_a", &e) : NULL;
    char *b = a ? train("val_b", &e) : NULL;
    cJSON *la = a ? metrics_line(a, 1) : NULL, *lb = b ? metrics_line(b, 1) : NULL;
    if (la && lb) {
        /* 600 - 150 held out = 450 samples: 15 steps of 32 per epoch. */
        CHECK(json_num(la, "step") == 30);
        double acc = json_num(la, "val_acc"), loss = json_num(la, "val_loss");
        CHECK(acc >= 0 && acc <= 1 && loss > 0 && json_num(la, "test_acc") > 0.4);
        CHECK(acc == json_num(lb, "val_acc") && loss == json_num(lb, "val_loss") && json_num(la, "test_loss") == json_num(lb, "test_loss"));
    } else {
        CHECK(la && lb);
    }
    cJSON_Delete(la);
    cJSON_Delete(lb);
    for (int i = 0; i < 4; i++) free(s[i]);
    free(a);
    free(b);
}

/* A mask of ones trains as no mask does (to rounding); a mask that drops
 * samples with nonsense labels (-1) trains without reading them. */
TEST(masked_labels_train_and_ones_are_no_mask)
{
    float *ones = malloc(sizeof(float) * N_TRAIN), *half = malloc(sizeof(float) * N_TRAIN);
    int64_t *y = malloc(sizeof(int64_t) * N_TRAIN), sy[1] = {N_TRAIN};
    cj_npy_array labels;
    cj_error err = {0};
    CHECK(cj_npy_read(train_y, CJ_NPY_I64, &labels, &err) == CJ_OK);
    for (int i = 0; i < N_TRAIN; i++) {
        ones[i] = 1.0f;
        half[i] = i % 2 ? 1.0f : 0.0f;
        y[i] = i % 2 ? ((int64_t *)labels.data)[i] : -1;
    }
    cj_npy_free(&labels);
    char *m1 = npy_f32(tdir, "mask_ones.npy", 1, sy, ones), *mh = npy_f32(tdir, "mask_half.npy", 1, sy, half);
    char *yh = npy_typed(tdir, "labels_half.npy", "<i8", 1, sy, y, 8);
    char *s[6] = {setting("data.train_inputs", train_x), setting("data.train_labels", train_y),
                  setting("data.train_mask", m1), setting("data.train_labels", yh), setting("data.train_mask", mh)};
    const char *plain[] = {s[0], s[1], "train.epochs=2", NULL};
    const char *masked[] = {s[0], s[1], s[2], "train.epochs=2", NULL};
    const char *halved[] = {s[0], s[3], s[4], "train.epochs=2", NULL};
    cj_experiment e;
    char *a = experiment(&e, plain) ? train("mask_none", &e) : NULL;
    char *b = experiment(&e, masked) ? train("mask_ones", &e) : NULL;
    char *c = experiment(&e, halved) ? train("mask_half", &e) : NULL;
    cJSON *la = a ? metrics_line(a, 1) : NULL, *lb = b ? metrics_line(b, 1) : NULL, *lc = c ? metrics_line(c, 1) : NULL;
    if (la && lb && lc) {
        CHECK_NEAR(json_num(la, "train_loss"), json_num(lb, "train_loss"), 1e-4);
        double l = json_num(lc, "train_loss");
        CHECK(isfinite(l) && l > 0 && l < 1.7);
    } else {
        CHECK(la && lb && lc);
    }
    cJSON_Delete(la);
    cJSON_Delete(lb);
    cJSON_Delete(lc);
    for (int i = 0; i < 5; i++) free(s[i]);
    free(a), free(b), free(c), free(m1), free(mh), free(yh), free(ones), free(half), free(y);
}

/* Sequences [N, T, F] into a recurrent model: the sign of the summed input
 * (one label per sequence, read at the last step), and per-step spike
 * counts of a leaky integrator over trials of different lengths (a mask
 * drops the padding, whose counts are -1 and must never be read). */
TEST(recurrent_models_learn_npy_sequences)
{
    enum { N = 480, NT = 160, T = 8, TL = 10 };
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    float *x = malloc(sizeof(float) * (N + NT) * TL), *c = malloc(sizeof(float) * (N + NT) * TL);
    float *m = malloc(sizeof(float) * (N + NT) * TL);
    int64_t *y = malloc(sizeof(int64_t) * (N + NT));
    double true_nll = 0.0, rows = 0.0;
    for (int n = 0; n < N + NT; n++) {
        double sum = 0.0, h = 0.0;
        int len = 5 + (int)cj_rng_below(&rng, TL - 4); /* 5 .. TL steps */
        for (int t = 0; t < TL; t++) {
            float u = cj_rng_normal(&rng);
            x[n * TL + t] = u;
            if (t < T) sum += u;
            h = 0.7 * h + u;
            double eta = 0.6 * h - 0.3;
            int in = t < len;
            m[n * TL + t] = in ? 1.0f : 0.0f;
            int k = poisson_draw(&rng, exp(eta));
            c[n * TL + t] = in ? (float)k : -1.0f;
            if (in && n >= N) true_nll += exp(eta) - k * eta, rows += 1;
        }
        y[n] = sum > 0;
    }
    /* The label task uses the first T steps of the same inputs. */
    float *xs = malloc(sizeof(float) * (N + NT) * T);
    for (int n = 0; n < N + NT; n++) memcpy(xs + n * T, x + n * TL, sizeof(float) * T);
    int64_t s8[3] = {N, T, 1}, s8t[3] = {NT, T, 1}, s10[3] = {N, TL, 1}, s10t[3] = {NT, TL, 1};
    int64_t sy[1] = {N}, syt[1] = {NT}, sm[2] = {N, TL}, smt[2] = {NT, TL};
    char *f[10] = {npy_f32(tdir, "sq_x.npy", 3, s8, xs), npy_f32(tdir, "sq_xt.npy", 3, s8t, xs + N * T),
                   npy_typed(tdir, "sq_y.npy", "<i8", 1, sy, y, 8), npy_typed(tdir, "sq_yt.npy", "<i8", 1, syt, y + N, 8),
                   npy_f32(tdir, "lc_x.npy", 3, s10, x), npy_f32(tdir, "lc_xt.npy", 3, s10t, x + N * TL),
                   npy_f32(tdir, "lc_c.npy", 3, s10, c), npy_f32(tdir, "lc_ct.npy", 3, s10t, c + N * TL),
                   npy_f32(tdir, "lc_m.npy", 2, sm, m), npy_f32(tdir, "lc_mt.npy", 2, smt, m + N * TL)};
    true_nll /= rows;
    /* One constant rate for every step: what a model ignoring its input
     * reaches at best. */
    double mean_count = 0.0, flat_nll = 0.0;
    for (int i = N * TL; i < (N + NT) * TL; i++) mean_count += m[i] ? c[i] / rows : 0.0;
    for (int i = N * TL; i < (N + NT) * TL; i++)
        if (m[i]) flat_nll += (mean_count - c[i] * log(mean_count)) / rows;
    const char *keys[10] = {"data.train_inputs", "data.test_inputs", "data.train_labels", "data.test_labels",
                            "data.train_inputs", "data.test_inputs", "data.train_counts", "data.test_counts",
                            "data.train_mask", "data.test_mask"};
    char *s[10];
    for (int i = 0; i < 10; i++) s[i] = setting(keys[i], f[i]);
    const char *labels[] = {s[0], s[1], s[2], s[3], "data.sequence=true", "model.layers=gru 16, dense 2",
                            "train.epochs=10", NULL};
    const char *counts[] = {s[4], s[5], s[6], s[7], s[8], s[9], "data.sequence=true", "objective.name=poisson",
                            "model.layers=gru 8, dense 1", "train.epochs=10", NULL};
    cj_experiment e;
    char *a = experiment(&e, labels) ? train("seq_labels", &e) : NULL;
    cJSON *la = a ? metrics_line(a, 9) : NULL;
    if (la) {
        printf("  gru on the sign of a sum: test accuracy %.3f\n", json_num(la, "test_acc"));
        CHECK(json_num(la, "test_acc") > 0.85);
    } else {
        CHECK(la != NULL);
    }
    char *b = experiment(&e, counts) ? train("seq_counts", &e) : NULL;
    cJSON *first = b ? metrics_line(b, 0) : NULL, *lb = b ? metrics_line(b, 9) : NULL;
    if (first && lb) {
        double test = json_num(lb, "test_loss");
        printf("  gru on per-step counts: test loss %.4f -> %.4f (true rates %.4f, a constant rate %.4f)\n",
               json_num(first, "test_loss"), test, true_nll, flat_nll);
        /* Most of the way from a constant rate to the true rates. */
        CHECK(isfinite(test) && test < json_num(first, "test_loss") && test < true_nll + 0.25 * (flat_nll - true_nll));
        /* cajal eval on the sequences: the same test loss. */
        char *model = cj_path_join(b, "model.safetensors");
        cj_data_files df = {.inputs = f[5], .counts = f[7], .mask = f[9]};
        cj_model_info info;
        cj_eval_result r;
        cj_error err = {0};
        CHECK(cj_model_file_evaluate(model, &df, 64, &info, &r, &err) == CJ_OK);
        if (err.msg[0]) printf("  %s\n", err.msg);
        CHECK(info.sequence == 1 && r.samples == NT);
        CHECK_NEAR(r.loss, test, 1e-5 * (1 + fabs(test)));
        free(model);
    } else {
        CHECK(first && lb);
    }
    cJSON_Delete(la);
    cJSON_Delete(first);
    cJSON_Delete(lb);
    for (int i = 0; i < 10; i++) free(s[i]), free(f[i]);
    free(a), free(b), free(x), free(xs), free(c), free(m), free(y);
}

/* Loading `sets` and training fails with a message containing `want`. */
static void train_fails(const char *const *sets, const char *want)
{
    cj_experiment e;
    if (!experiment(&e, sets)) return;
    char *run = cj_path_join(tdir, "failed");
    cj_error err = {0};
    CHECK(cj_train(&e, run, NULL, NULL, &err) != CJ_OK);
    if (!strstr(err.msg, want)) test_fail("message '%s' lacks '%s'", err.msg, want);
    free(run);
}

TEST(data_the_model_cannot_take_are_named)
{
    enum { N = 10, T = 6 };
    float x[N * T * F] = {0}, y[N * D] = {0};
    int64_t sx[3] = {N, T, F}, sy[2] = {N, D};
    char *seq = npy_f32(tdir, "seq_x.npy", 3, sx, x), *sc = npy_f32(tdir, "seq_c.npy", 2, sy, y);
    char *s[4] = {setting("data.train_inputs", seq), setting("data.train_counts", sc),
                  setting("data.train_inputs", train_x), setting("data.train_counts", train_c)};
    const char *sequence[] = {s[0], s[1], "data.sequence=true", "objective.name=poisson", NULL};
    train_fails(sequence, "is a sequence [N, T, F] of T = 6 steps; this model has no recurrent layer (add rnn, gru "
                          "or lstm to model.layers)");
    const char *outputs[] = {s[2], s[3], "objective.name=poisson", "model.layers=dense 3", NULL};
    train_fails(outputs, "model.layers ends with 3 outputs but the data have 5 counts per sample");
    for (int i = 0; i < 4; i++) free(s[i]);
    free(seq);
    free(sc);
}

/* The command line on npy data: cajal train prints only the numbers the
 * run has, cajal eval reads an npy test set and refuses IDX options for an
 * npy model. */
TEST(cli_trains_and_evaluates_npy_data)
{
    char *ini = cj_path_printf("[data]\nformat = npy\ntrain_inputs = %s\ntrain_counts = %s\ntest_inputs = %s\n"
                               "test_counts = %s\nvalidation = 0.1\n[model]\nlayers = dense 5\n[objective]\n"
                               "name = poisson\n[optim]\nname = adam\nlr = 0.02\n[train]\nepochs = 2\n",
                               train_x, train_c, test_x, test_c);
    char *path = fixture_text(tdir, "poisson.ini", ini);
    char *run = cj_path_join(tdir, "cli_run");
    char out[8192];
    char *args = cj_path_printf("train %s --out %s --threads 1", path, run);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 0);
    CHECK(strstr(out, "epoch 2/2  train loss ") && strstr(out, "val loss ") && strstr(out, "test loss ") &&
          !strstr(out, "acc"));
    if (!strstr(out, "val loss")) printf("  output: %s\n", out);
    free(args);
    args = cj_path_printf("eval %s --inputs %s --counts %s", run, test_x, test_c);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 0 && strstr(out, "loss ") && strstr(out, "(200 samples)") &&
          !strstr(out, "accuracy"));
    free(args);
    args = cj_path_printf("eval %s", run);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 1 &&
          strstr(out, "was trained on .npy data (metadata data_format = npy): give --inputs and --counts"));
    free(args);
    args = cj_path_printf("eval %s --counts %s", run, test_c);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 2 && strstr(out, "--targets, --counts and --mask go with --inputs"));
    free(args);
    args = cj_path_printf("eval %s --inputs %s --labels %s --counts %s", run, test_x, test_y, test_c);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 2 && strstr(out, "one of --labels, --targets or --counts"));
    free(args);
    free(ini);
    free(path);
    free(run);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    tdir = fixture_dir("train_npy");
    write_data();
    RUN(poisson_fit_of_a_population_approaches_the_true_model);
    RUN(regression_with_mse_and_standard_scaling_lowers_the_loss);
    RUN(validation_part_is_reported_and_deterministic);
    RUN(masked_labels_train_and_ones_are_no_mask);
    RUN(data_the_model_cannot_take_are_named);
    RUN(recurrent_models_learn_npy_sequences);
    RUN(cli_trains_and_evaluates_npy_data);
    return test_summary("train_npy");
}
