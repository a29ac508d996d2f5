/* eval_rbm.c — `cajal eval RUN_DIR` for an RBM run: the model file alone
 * does not say which images it was trained on, so the base-rate model of
 * AIS comes from --train-images (default: Fashion-MNIST's training set),
 * as `cajal train` made it (Laplace-smoothed marginals). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cajal/io.h"
#include "cajal/rbm.h"
#include "cajal/train.h"
#include "eval_rbm.h"

int cj_eval_is_rbm(const char *model)
{
    cj_safetensors f;
    if (cj_safetensors_read(model, &f, NULL)) return 0;
    const char *m = cj_safetensors_meta(&f, "model");
    int yes = m && !strcmp(m, "rbm");
    cj_safetensors_free(&f);
    return yes;
}

static uint64_t model_seed(const char *model)
{
    cj_safetensors f;
    uint64_t seed = 1;
    if (cj_safetensors_read(model, &f, NULL)) return seed;
    const char *s = cj_safetensors_meta(&f, "seed");
    if (s) seed = strtoull(s, NULL, 10);
    cj_safetensors_free(&f);
    return seed;
}

static cj_status evaluate(const char *model, const char *test_images, const char *train_images, int runs, int betas,
                          cj_rbm_ais_result *res, double *ll, int *n_test, cj_error *err)
{
    cj_rbm r;
    float *train = NULL, *test = NULL, *base = NULL;
    int n, rows, cols, tr, tc;
    cj_status st = cj_rbm_load(&r, model, err);
    if (!st) st = cj_rbm_images(train_images, 0, &train, &n, &rows, &cols, err);
    if (!st) st = cj_rbm_images(test_images, 0, &test, n_test, &tr, &tc, err);
    if (!st && (rows * cols != r.visible || tr * tc != r.visible))
        st = cj_fail(err, CJ_ERR_SHAPE, "%s has %d visible units, but %s holds %dx%d images and %s %dx%d", model,
                     r.visible, train_images, rows, cols, test_images, tr, tc);
    if (!st && !(base = malloc(sizeof(float) * r.visible))) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st) {
        cj_rbm_marginals(train, n, r.visible, base);
        for (int i = 0; i < r.visible; i++) base[i] = logf(base[i] / (1.0f - base[i]));
        /* The seed cajal train's AIS used is not recorded; the model's
         * training seed fixes this one. */
        cj_rbm_ais_opts o = {runs, betas, model_seed(model)};
        st = cj_rbm_ais(&r, base, &o, res, err);
    }
    if (!st) st = cj_rbm_mean_log_prob(&r, test, *n_test, res->log_z, ll, err);
    free(train), free(test), free(base);
    cj_rbm_free(&r);
    return st;
}

/* {model, data, samples, runs, betas, log_z, log_z_lo (null for -inf),
 * log_z_hi, log_w_sd, test_log_likelihood}, atomically. */
static cj_status write_json(const char *path, const char *model, const char *data, int n, int runs, int betas,
                            const cj_rbm_ais_result *res, double ll, cj_error *err)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "model", model) && cJSON_AddStringToObject(o, "data", data) &&
             cJSON_AddNumberToObject(o, "samples", n) && cJSON_AddNumberToObject(o, "runs", runs) &&
             cJSON_AddNumberToObject(o, "betas", betas) && cJSON_AddNumberToObject(o, "log_z", res->log_z) &&
             (isfinite(res->log_z_lo) ? cJSON_AddNumberToObject(o, "log_z_lo", res->log_z_lo) != NULL
                                      : cJSON_AddNullToObject(o, "log_z_lo") != NULL) &&
             cJSON_AddNumberToObject(o, "log_z_hi", res->log_z_hi) &&
             cJSON_AddNumberToObject(o, "log_w_sd", res->log_w_sd) &&
             cJSON_AddNumberToObject(o, "test_log_likelihood", ll);
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    size_t len = strlen(text);
    text[len] = '\n'; /* cJSON's buffer has room for its NUL: the newline takes it */
    cj_status st = cj_write_file_atomic(path, text, len + 1, err);
    cJSON_free(text);
    return st;
}

int cj_eval_rbm(const char *model, const char *test_images, const char *train_images, int runs, int betas,
                const char *json)
{
    cj_error err = {0};
    cj_rbm_ais_result res;
    double ll = NAN;
    int n = 0;
    cj_status st = evaluate(model, test_images, train_images, runs, betas, &res, &ll, &n, &err);
    if (!st && json) st = write_json(json, model, test_images, n, runs, betas, &res, ll, &err);
    if (st) {
        fprintf(stderr, "cajal eval: %s\n", err.msg);
        return 1;
    }
    printf("log-likelihood %.2f nats per image (%d images; AIS log Z %.2f, +-3 sigma %.2f to %.2f, %d runs x %d "
           "distributions)\n", ll, n, res.log_z, res.log_z_lo, res.log_z_hi, runs, betas);
    return 0;
}
