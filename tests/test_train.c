/* The training loop end to end on a small synthetic IDX data set: outputs,
 * learning, determinism, the step limit and the NaN stop. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/io.h"
#include "cajal/train.h"
#include "harness.h"
#include "idx_fixture.h"

static char dir[] = "/tmp/cajal-test-train-XXXXXX";

static void toy_experiment(cj_experiment *e)
{
    cj_error err;
    char buf[600];
    cj_experiment_defaults(e);
    snprintf(buf, sizeof buf, "data.dir=%s", dir);
    cj_experiment_set(e, buf, &err);
    cj_experiment_set(e, "data.train_images=train-images.gz", &err);
    cj_experiment_set(e, "data.train_labels=train-labels.gz", &err);
    cj_experiment_set(e, "data.test_images=test-images.gz", &err);
    cj_experiment_set(e, "data.test_labels=test-labels.gz", &err);
    cj_experiment_set(e, "model.layers=flatten, dense 8, relu, dense 2", &err);
    cj_experiment_set(e, "train.epochs=3", &err);
    cj_experiment_set(e, "train.batch=16", &err);
    cj_experiment_set(e, "train.diag_batch=32", &err);
    cj_experiment_set(e, "optim.lr=0.05", &err);
    cj_experiment_set(e, "optim.momentum=0.9", &err);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    if (len) *len = got;
    return buf;
}

/* The n-th (0-based) line of a metrics file, parsed. */
static cJSON *metrics_line(const char *run, int n)
{
    char path[600];
    snprintf(path, sizeof path, "%s/metrics.jsonl", run);
    char *text = slurp(path, NULL);
    if (!text) return NULL;
    char *line = text;
    for (int i = 0; i < n && line; i++) {
        line = strchr(line, '\n');
        if (line) line++;
    }
    cJSON *j = line && *line ? cJSON_Parse(line) : NULL;
    free(text);
    return j;
}

static double num(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

TEST(writes_metrics_and_model_and_learns)
{
    cj_experiment e;
    cj_error err = {0};
    toy_experiment(&e);
    CHECK(cj_experiment_finish(&e, &err) == CJ_OK);
    char run[600];
    snprintf(run, sizeof run, "%s/runs/a", dir);  /* nested folders are created */
    cj_status st = cj_train(&e, run, NULL, &err);
    CHECK(st == CJ_OK);
    if (st) printf("  %s\n", err.msg);
    cJSON *first = metrics_line(run, 0), *last = metrics_line(run, 2);
    CHECK(first && last);
    CHECK(metrics_line(run, 3) == NULL);
    if (!first || !last) return;
    CHECK(num(last, "epoch") == 3);
    CHECK(num(last, "step") == 3 * 13);  /* 200 samples / batch 16 = 13 steps an epoch */
    CHECK(num(last, "test_acc") > 0.9);
    CHECK(num(last, "train_loss") < num(first, "train_loss"));
    CHECK(num(last, "samples_per_s") > 0 && num(last, "seconds") > 0);
    const cJSON *align = cJSON_GetObjectItemCaseSensitive(last, "align_deg");
    CHECK(cJSON_GetArraySize(align) == 2);
    CHECK(num(last, "test_loss") > 0);
    cJSON_Delete(first);
    cJSON_Delete(last);

    char path[700];
    snprintf(path, sizeof path, "%s/model.safetensors", run);
    cj_safetensors stf;
    CHECK(cj_safetensors_read(path, &stf, &err) == CJ_OK);
    const cj_tensor *w = cj_safetensors_get(&stf, "1.weight");
    CHECK(w && w->ndim == 2 && w->shape[0] == 8 && w->shape[1] == 36);
    CHECK(cj_safetensors_get(&stf, "3.bias") != NULL);
    cj_safetensors_free(&stf);

    /* model.init continues from a saved model. */
    char set[800];
    snprintf(set, sizeof set, "model.init=%s", path);
    CHECK(cj_experiment_set(&e, set, &err) == CJ_OK);
    cj_experiment_set(&e, "train.epochs=1", &err);
    snprintf(run, sizeof run, "%s/runs/b", dir);
    CHECK(cj_train(&e, run, NULL, &err) == CJ_OK);
    cJSON *cont = metrics_line(run, 0);
    CHECK(cont && num(cont, "test_acc") > 0.9);
    cJSON_Delete(cont);
}

TEST(same_seed_same_model_other_seed_differs)
{
    cj_experiment e;
    cj_error err;
    toy_experiment(&e);
    cj_experiment_set(&e, "rule.name=node_perturbation", &err);
    cj_experiment_set(&e, "train.epochs=1", &err);
    cj_experiment_finish(&e, &err);
    char runs[3][256];
    for (int i = 0; i < 3; i++) {
        snprintf(runs[i], sizeof runs[i], "%s/seed%d", dir, i);
        if (i == 2) e.seed = 2;
        CHECK(cj_train(&e, runs[i], NULL, &err) == CJ_OK);
    }
    size_t len[3];
    char *data[3];
    for (int i = 0; i < 3; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/model.safetensors", runs[i]);
        data[i] = slurp(path, &len[i]);
    }
    CHECK(data[0] && data[1] && data[2]);
    CHECK(len[0] == len[1] && memcmp(data[0], data[1], len[0]) == 0);
    CHECK(len[0] == len[2] && memcmp(data[0], data[2], len[0]) != 0);
    for (int i = 0; i < 3; i++) free(data[i]);
}

TEST(step_limit_and_file_order)
{
    cj_experiment e;
    cj_error err;
    toy_experiment(&e);
    cj_experiment_set(&e, "train.steps=20", &err);
    cj_experiment_set(&e, "train.shuffle=false", &err);
    cj_experiment_finish(&e, &err);
    char run[600];
    snprintf(run, sizeof run, "%s/steps", dir);
    CHECK(cj_train(&e, run, NULL, &err) == CJ_OK);
    cJSON *l0 = metrics_line(run, 0), *l1 = metrics_line(run, 1);
    CHECK(l0 && l1 && !metrics_line(run, 2));
    if (l0 && l1) {
        CHECK(num(l0, "step") == 13);
        CHECK(num(l1, "step") == 20);  /* stopped inside epoch 2 */
    }
    cJSON_Delete(l0);
    cJSON_Delete(l1);
}

TEST(diverging_run_stops_with_step_and_layer)
{
    cj_experiment e;
    cj_error err = {0};
    toy_experiment(&e);
    cj_experiment_set(&e, "optim.lr=1e30", &err);
    cj_experiment_finish(&e, &err);
    char run[600];
    snprintf(run, sizeof run, "%s/nan", dir);
    cj_status st = cj_train(&e, run, NULL, &err);
    CHECK(st == CJ_ERR_NUMERIC);
    CHECK(strstr(err.msg, "step ") != NULL);
    CHECK(strstr(err.msg, "layer ") != NULL);
    CHECK(strchr(err.msg, '\n') == NULL);
    printf("  (message: %s)\n", err.msg);
}

TEST(data_and_model_mismatch_is_reported)
{
    cj_experiment e;
    cj_error err = {0};
    toy_experiment(&e);
    cj_experiment_set(&e, "model.layers=flatten, dense 8, relu, dense 1", &err);
    cj_experiment_finish(&e, &err);
    char run[600];
    snprintf(run, sizeof run, "%s/mismatch", dir);
    CHECK(cj_train(&e, run, NULL, &err) == CJ_ERR_SHAPE);
    CHECK(strstr(err.msg, "1 outputs but the data have 2 classes") != NULL);

    toy_experiment(&e);
    cj_experiment_set(&e, "data.test_labels=missing-labels.gz", &err);
    cj_experiment_finish(&e, &err);
    CHECK(cj_train(&e, run, NULL, &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, "missing-labels.gz") != NULL);
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    if (write_toy_set(dir, "train", 200, 6, 6, 1) || write_toy_set(dir, "test", 100, 6, 6, 2)) return 1;
    RUN(writes_metrics_and_model_and_learns);
    RUN(same_seed_same_model_other_seed_differs);
    RUN(step_limit_and_file_order);
    RUN(diverging_run_stops_with_step_and_layer);
    RUN(data_and_model_mismatch_is_reported);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) printf("could not remove %s\n", dir);
    return test_summary("train");
}
