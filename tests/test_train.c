/* The training loop end to end on a small synthetic IDX data set: outputs,
 * learning, determinism, the step limit and the NaN stop. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/train.h"
#include "harness.h"
#include "metrics_fixture.h"
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

TEST(writes_metrics_and_model_and_learns)
{
    cj_experiment e;
    cj_error err = {0};
    toy_experiment(&e);
    CHECK(cj_experiment_finish(&e, &err) == CJ_OK);
    char run[600];
    snprintf(run, sizeof run, "%s/runs/a", dir);  /* nested folders are created */
    cj_status st = cj_train(&e, run, NULL, NULL, &err);
    CHECK(st == CJ_OK);
    if (st) printf("  %s\n", err.msg);
    cJSON *first = metrics_line(run, 0), *last = metrics_line(run, 2);
    CHECK(first && last);
    CHECK(metrics_line(run, 3) == NULL);
    if (!first || !last) return;
    CHECK(json_num(last, "epoch") == 3);
    CHECK(json_num(last, "step") == 3 * 13);  /* 200 samples / batch 16 = 13 steps an epoch */
    CHECK(json_num(last, "test_acc") > 0.9);
    CHECK(json_num(last, "train_loss") < json_num(first, "train_loss"));
    CHECK(json_num(last, "samples_per_s") > 0 && json_num(last, "seconds") > 0);
    const cJSON *align = cJSON_GetObjectItemCaseSensitive(last, "align_deg");
    CHECK(cJSON_GetArraySize(align) == 2);
    CHECK(json_num(last, "test_loss") > 0);
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
    CHECK(cj_train(&e, run, NULL, NULL, &err) == CJ_OK);
    cJSON *cont = metrics_line(run, 0);
    CHECK(cont && json_num(cont, "test_acc") > 0.9);
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
        CHECK(cj_train(&e, runs[i], NULL, NULL, &err) == CJ_OK);
    }
    size_t len[3];
    char *data[3];
    for (int i = 0; i < 3; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/model.safetensors", runs[i]);
        data[i] = fixture_read(path, &len[i]);
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
    CHECK(cj_train(&e, run, NULL, NULL, &err) == CJ_OK);
    cJSON *l0 = metrics_line(run, 0), *l1 = metrics_line(run, 1);
    CHECK(l0 && l1 && !metrics_line(run, 2));
    if (l0 && l1) {
        CHECK(json_num(l0, "step") == 13);
        CHECK(json_num(l1, "step") == 20);  /* stopped inside epoch 2 */
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
    cj_status st = cj_train(&e, run, NULL, NULL, &err);
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
    CHECK(cj_train(&e, run, NULL, NULL, &err) == CJ_ERR_SHAPE);
    CHECK(strstr(err.msg, "1 outputs but the data have 2 classes") != NULL);

    toy_experiment(&e);
    cj_experiment_set(&e, "data.test_labels=missing-labels.gz", &err);
    cj_experiment_finish(&e, &err);
    CHECK(cj_train(&e, run, NULL, NULL, &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, "missing-labels.gz") != NULL);
}


/* Lines in run/metrics.jsonl (-1 if it is missing). */
static int metrics_lines(const char *run)
{
    char *path = cj_path_join(run, "metrics.jsonl");
    char *text = fixture_read(path, NULL);
    free(path);
    if (!text) return -1;
    int n = 0;
    for (const char *p = text; *p; p++) n += *p == '\n';
    free(text);
    return n;
}

/* Files in run other than config.ini, metrics.jsonl, model.safetensors and
 * train_state.safetensors (temporary or staged files left behind). */
static int stray_files(const char *run)
{
    DIR *d = opendir(run);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *de; (de = readdir(d));) {
        const char *f = de->d_name;
        if (strcmp(f, ".") && strcmp(f, "..") && strcmp(f, "config.ini") && strcmp(f, "metrics.jsonl") &&
            strcmp(f, "model.safetensors") && strcmp(f, "train_state.safetensors")) {
            printf("  stray file %s/%s\n", run, f);
            n++;
        }
    }
    closedir(d);
    return n;
}

/* Whether run_a/model.safetensors and run_b/model.safetensors are the same bytes. */
static int same_model(const char *run_a, const char *run_b)
{
    char *pa = cj_path_join(run_a, "model.safetensors"), *pb = cj_path_join(run_b, "model.safetensors");
    size_t la = 0, lb = 0;
    char *a = fixture_read(pa, &la), *b = fixture_read(pb, &lb);
    int same = a && b && la == lb && !memcmp(a, b, la);
    free(a);
    free(b);
    free(pa);
    free(pb);
    return same;
}

/* The toy run with `epochs` epochs into dir/name (the reference a stopped
 * run's files are compared with). */
static char *reference_run(const char *name, int epochs, const char *layers)
{
    cj_experiment e;
    cj_error err;
    toy_experiment(&e);
    e.epochs = epochs;
    if (layers) snprintf(e.layers, sizeof e.layers, "%s", layers);
    cj_experiment_finish(&e, &err);
    char *run = cj_path_join(dir, name);
    CHECK(cj_train(&e, run, NULL, NULL, &err) == CJ_OK);
    return run;
}

typedef struct {
    volatile sig_atomic_t stop;
    long stop_at_step;        /* set stop after this step (0: never) */
    int limit_at_epoch;       /* after this epoch's files, limit file sizes (-1: never; 0: at the first step) */
    rlim_t limit;
} fault_plan;

static void fault_on_step(const cj_train_progress *p, void *user)
{
    fault_plan *f = user;
    if (f->stop_at_step && p->step == f->stop_at_step) f->stop = 1;
    if (f->limit_at_epoch == 0 && p->step == 1) {
        struct rlimit r = {f->limit, RLIM_INFINITY};
        setrlimit(RLIMIT_FSIZE, &r);
    }
}

/* A full disk, made deterministic: RLIMIT_FSIZE makes writes past `limit`
 * bytes fail with EFBIG (SIGXFSZ is ignored in main), for root too. */
static void fault_on_epoch(const cj_epoch_report *r, void *user)
{
    fault_plan *f = user;
    if (r->epoch == f->limit_at_epoch) {
        struct rlimit lim = {f->limit, RLIM_INFINITY};
        setrlimit(RLIMIT_FSIZE, &lim);
    }
}

static cj_status run_with_faults(const char *run, fault_plan *f, const char *layers, int epochs, cj_error *err)
{
    cj_experiment e;
    toy_experiment(&e);
    e.epochs = epochs;
    if (layers) snprintf(e.layers, sizeof e.layers, "%s", layers);
    cj_experiment_finish(&e, err);
    cj_train_callbacks cb = {fault_on_step, fault_on_epoch, f, &f->stop, NULL, NULL};
    cj_status st = cj_train(&e, run, NULL, &cb, err);
    struct rlimit none = {RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_FSIZE, &none);
    printf("  (message: %s)\n", err->msg);
    return st;
}

/* A stop request ends the run between steps; both files hold the last whole epoch. */
TEST(stop_request_keeps_the_last_whole_epoch)
{
    char *ref = reference_run("ref1", 1, NULL);
    char *run = cj_path_join(dir, "stopped");
    fault_plan f = {0, 20, -1, 0};
    cj_error err = {0};
    CHECK(run_with_faults(run, &f, NULL, 3, &err) == CJ_ERR_INTERRUPTED);
    CHECK(!strcmp(err.msg, "interrupted at epoch 2 after step 20; model.safetensors and metrics.jsonl hold epoch 1"));
    CHECK(metrics_lines(run) == 1);
    CHECK(same_model(run, ref));
    CHECK(stray_files(run) == 0);
    free(run);
    free(ref);
}

/* The model of epoch 2 cannot be written: the files keep epoch 1, and the
 * metrics do not list an epoch the model lacks (they used to). */
TEST(failed_model_write_keeps_both_files_at_the_last_epoch)
{
    char *ref = reference_run("ref1b", 1, NULL);
    char *run = cj_path_join(dir, "full_model");
    fault_plan f = {0, 0, 1, 100};  /* the model is ~450 bytes */
    cj_error err = {0};
    CHECK(run_with_faults(run, &f, NULL, 3, &err) == CJ_ERR_IO);
    CHECK(!strncmp(err.msg, "epoch 2 not saved (model.safetensors and metrics.jsonl hold epoch 1): ", 70));
    CHECK(strstr(err.msg, "model.safetensors.new") && strstr(err.msg, "File too large"));
    CHECK(metrics_lines(run) == 1);
    CHECK(same_model(run, ref));
    CHECK(stray_files(run) == 0);
    free(run);
    free(ref);
}

/* The metrics of epoch 13 cannot be written: the staged model and train
 * state are dropped. */
TEST(failed_metrics_write_keeps_both_files_at_the_last_epoch)
{
    /* The smallest model is ~700 bytes with its metadata, its train state
     * ~2200 (the sample order and the experiment), a metrics line of it
     * ~250: a file limit a little above the model, the state and twelve
     * lines lets both be staged but not a thirteenth line be written. */
    const char *small = "flatten, dense 2";
    char *ref = reference_run("ref12", 12, small);
    char *run = cj_path_join(dir, "full_metrics");
    char *metrics = cj_path_join(ref, "metrics.jsonl"), *model = cj_path_join(ref, "model.safetensors");
    char *state = cj_path_join(ref, "train_state.safetensors");
    size_t lines = 0, model_bytes = 0, state_bytes = 0;
    free(fixture_read(metrics, &lines));
    free(fixture_read(model, &model_bytes));
    free(fixture_read(state, &state_bytes));
    free(model);
    free(state);
    size_t limit = model_bytes > lines ? model_bytes : lines;
    limit = (state_bytes > limit ? state_bytes : limit) + 20;
    CHECK(limit < lines / 12 * 13);  /* a thirteenth line does not fit */
    fault_plan f = {0, 0, 12, limit};
    cj_error err = {0};
    CHECK(run_with_faults(run, &f, small, 13, &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, "epoch 13 not saved (model.safetensors and metrics.jsonl hold epoch 12): ") == err.msg);
    CHECK(strstr(err.msg, "metrics.jsonl: cannot write") != NULL);
    CHECK(metrics_lines(run) == 12);
    CHECK(same_model(run, ref));
    CHECK(stray_files(run) == 0);
    free(metrics);
    free(run);
    free(ref);
}

/* Nothing finished: no model and no metrics, and no temporary file. */
TEST(failed_first_epoch_writes_nothing)
{
    char *run = cj_path_join(dir, "full_first");
    fault_plan f = {0, 0, 0, 100};
    cj_error err = {0};
    CHECK(run_with_faults(run, &f, NULL, 3, &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, "epoch 1 not saved (no epoch finished, so model.safetensors and metrics.jsonl were not "
                          "written): ") == err.msg);
    CHECK(metrics_lines(run) == -1);
    CHECK(stray_files(run) == 0);
    free(run);
}

/* An output folder path of ~1.5 KB: every file lands under it with its own
 * name (they were all written to one truncated sibling path). */
TEST(long_output_paths_are_not_cut)
{
    char *run = cj_path_printf("%s/runs", dir);
    for (int i = 0; i < 7; i++) {
        char *deeper = cj_path_printf("%s/%0200d", run, i);
        free(run);
        run = deeper;
    }
    CHECK(strlen(run) > 1400);
    cj_experiment e;
    cj_error err = {0};
    toy_experiment(&e);
    e.epochs = 1;
    cj_experiment_finish(&e, &err);
    CHECK(cj_train(&e, run, NULL, NULL, &err) == CJ_OK);
    CHECK(metrics_lines(run) == 1);
    CHECK(same_model(run, run));
    char *config = cj_path_join(run, "config.ini");
    char *text = fixture_read(config, NULL);
    CHECK(text && strstr(text, "[train]"));
    CHECK(stray_files(run) == 0);
    free(text);
    free(config);
    free(run);
}

/* A folder as model.init fails at once, naming the key and the path. */
TEST(folder_as_model_init_is_named)
{
    cj_experiment e;
    cj_error err = {0};
    toy_experiment(&e);
    char *set = cj_path_printf("model.init=%s", dir);
    CHECK(cj_experiment_set(&e, set, &err) == CJ_OK);
    cj_experiment_finish(&e, &err);
    char *run = cj_path_join(dir, "init_dir");
    CHECK(cj_train(&e, run, NULL, NULL, &err) == CJ_ERR_IO);
    char *want = cj_path_printf("model.init: %s: is a folder, not a file", dir);
    CHECK(!strcmp(err.msg, want));
    free(want);
    free(run);
    free(set);
}

/* Every element of metrics key `ci` is [low, high] around the same layer
 * of `key`; returns the number of layers, or -1 on a bad shape. */
static int check_intervals(const cJSON *line, const char *key, const char *ci)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(line, key);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(line, ci);
    if (!cJSON_IsArray(v) || !cJSON_IsArray(c) || cJSON_GetArraySize(v) != cJSON_GetArraySize(c)) return -1;
    for (int k = 0; k < cJSON_GetArraySize(c); k++) {
        const cJSON *pair = cJSON_GetArrayItem(c, k);
        double x = cJSON_GetArrayItem(v, k)->valuedouble;
        if (cJSON_GetArraySize(pair) != 2) return -1;
        double lo = cJSON_GetArrayItem(pair, 0)->valuedouble, hi = cJSON_GetArrayItem(pair, 1)->valuedouble;
        if (!(lo <= x && x <= hi)) {
            printf("  %s[%d] = %g, %s = [%g, %g]\n", key, k, x, ci, lo, hi);
            return -1;
        }
    }
    return cJSON_GetArraySize(c);
}

/* Stochastic rules write a 95% interval beside each diagnostic, around its
 * value; deterministic ones write null. */
TEST(metrics_carry_intervals_for_stochastic_rules)
{
    cj_experiment e;
    cj_error err = {0};
    const char *rules[2] = {"rule.name=node_perturbation", "rule.name=bp"};
    for (int r = 0; r < 2; r++) {
        toy_experiment(&e);
        cj_experiment_set(&e, rules[r], &err);
        cj_experiment_set(&e, "train.epochs=1", &err);
        cj_experiment_set(&e, "train.diag_draws=6", &err);
        CHECK(cj_experiment_finish(&e, &err) == CJ_OK);
        char run[600];
        snprintf(run, sizeof run, "%s/ci%d", dir, r);
        CHECK(cj_train(&e, run, NULL, NULL, &err) == CJ_OK);
        cJSON *line = metrics_line(run, 0);
        CHECK(line != NULL);
        if (!line) continue;
        const char *keys[3][2] = {{"align_deg", "align_deg_ci"},
                                  {"grad_bias", "grad_bias_ci"},
                                  {"grad_variance", "grad_variance_ci"}};
        for (int k = 0; k < 3; k++) {
            if (r == 0)
                CHECK(check_intervals(line, keys[k][0], keys[k][1]) == 2);
            else
                CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(line, keys[k][1])));
        }
        cJSON_Delete(line);
    }
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
    signal(SIGXFSZ, SIG_IGN);
    RUN(stop_request_keeps_the_last_whole_epoch);
    RUN(failed_model_write_keeps_both_files_at_the_last_epoch);
    RUN(failed_metrics_write_keeps_both_files_at_the_last_epoch);
    RUN(failed_first_epoch_writes_nothing);
    RUN(long_output_paths_are_not_cut);
    RUN(folder_as_model_init_is_named);
    RUN(metrics_carry_intervals_for_stochastic_rules);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) printf("could not remove %s\n", dir);
    return test_summary("train");
}
