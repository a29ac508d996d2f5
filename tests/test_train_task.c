/* test_train_task.c — training on cognitive tasks end to end through the
 * command line: metrics.jsonl's performance per task, config.ini holding
 * data.task in full, cajal eval regenerating the test trials and agreeing
 * with the trainer to the last digit (recurrent noise included), and the
 * errors of data.format = task. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"
#include "metrics_fixture.h"

static const char *tdir;
static const char *cajal;

static const char EXPERIMENT[] = "[data]\n"
                                 "format = task\n"
                                 "task = perceptualdm stimulus=300 coherences=25.6:51.2\n"
                                 "train_trials = 640\n"
                                 "test_trials = 300\n"
                                 "[model]\n"
                                 "layers = rnn 16 nonlinearity=relu tau=100 dt=20 noise=0.1 init=identity, dense 3\n"
                                 "[optim]\n"
                                 "name = adam\n"
                                 "lr = 0.01\n"
                                 "[train]\n"
                                 "epochs = 3\n"
                                 "batch = 32\n";

static char *run_dir;

static void train_once(void)
{
    if (run_dir) return;
    char *ini = fixture_text(tdir, "task.ini", EXPERIMENT);
    run_dir = cj_path_printf("%s/run", tdir);
    char *args = cj_path_printf("train %s --out %s --quiet", ini, run_dir);
    char out[4096];
    int rc = run_cajal(cajal, args, out, sizeof out);
    if (rc) test_fail("cajal %s: rc %d: %s", args, rc, out);
    free(args);
    free(ini);
}

/* Every epoch's line has "performance": {"perceptualdm": fraction}. */
TEST(metrics_report_performance_per_task)
{
    train_once();
    for (int epoch = 0; epoch < 3; epoch++) {
        cJSON *j = metrics_line(run_dir, epoch);
        if (!j) {
            test_fail("no metrics line %d", epoch);
            return;
        }
        const cJSON *perf = cJSON_GetObjectItem(j, "performance");
        CHECK(cJSON_IsObject(perf) && cJSON_GetArraySize(perf) == 1);
        double p = json_num(perf, "perceptualdm");
        CHECK(p >= 0 && p <= 1);
        /* 300 test trials: a whole number of them correct (metrics.jsonl
         * keeps 6 significant digits). */
        CHECK_NEAR(p * 300, round(p * 300), 1e-3);
        cJSON_Delete(j);
    }
    /* Easy coherences: a trained network does far better than chance. */
    cJSON *last = metrics_line(run_dir, 2);
    if (last) CHECK(json_num(cJSON_GetObjectItem(last, "performance"), "perceptualdm") > 0.7);
    cJSON_Delete(last);
}

/* config.ini writes every task option, so the run can be redone even if
 * a default changes; it trains again to the same numbers. */
TEST(config_holds_the_task_in_full)
{
    train_once();
    char *path = cj_path_printf("%s/config.ini", run_dir);
    char *text = fixture_read(path, NULL);
    CHECK(text && strstr(text, "task = perceptualdm dt=20 sigma=1 fixation=100 stimulus=300 delay=0 decision=100 "
                               "coherences=25.6:51.2\n"));
    CHECK(text && strstr(text, "train_trials = 640\n") && strstr(text, "test_trials = 300\n"));
    free(text);
    char *again = cj_path_printf("%s/again", tdir);
    char *args = cj_path_printf("train %s --out %s --quiet", path, again);
    char out[4096];
    CHECK(run_cajal(cajal, args, out, sizeof out) == 0);
    cJSON *a = metrics_line(run_dir, 2), *b = metrics_line(again, 2);
    CHECK(a && b && json_num(a, "test_loss") == json_num(b, "test_loss"));
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(args);
    free(again);
    free(path);
}

/* cajal eval on the run makes the same test trials (training seed, test
 * stream) and scores them as the trainer did. */
TEST(eval_reproduces_the_trainers_test_performance)
{
    train_once();
    char *args = cj_path_printf("eval %s --trials 300 --json %s/eval.json", run_dir, tdir);
    char out[4096];
    int rc = run_cajal(cajal, args, out, sizeof out);
    CHECK(rc == 0 && strstr(out, "performance: perceptualdm"));
    char *json_path = cj_path_printf("%s/eval.json", tdir);
    char *text = fixture_read(json_path, NULL);
    cJSON *e = text ? cJSON_Parse(text) : NULL, *m = metrics_line(run_dir, 2);
    CHECK(e && m);
    if (e && m) {
        CHECK_NEAR(json_num(cJSON_GetObjectItem(e, "performance"), "perceptualdm"),
                   json_num(cJSON_GetObjectItem(m, "performance"), "perceptualdm"), 1e-5);
        CHECK_NEAR(json_num(e, "loss"), json_num(m, "test_loss"), 1e-6);
        CHECK(json_num(e, "samples") == 300);
    }
    cJSON_Delete(e);
    cJSON_Delete(m);
    free(text);
    free(json_path);
    free(args);
    /* Other trials (another seed) differ; data files are refused. */
    args = cj_path_printf("eval %s --trials 300 --seed 99", run_dir);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 0);
    free(args);
    args = cj_path_printf("eval %s --inputs x.npy --labels y.npy", run_dir);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 1 && strstr(out, "it reads no data files"));
    free(args);
}

/* train.stop_at_performance ends the run after the first epoch at which
 * every task reaches it, and a resumed run then has nothing to train. */
TEST(stop_at_performance_ends_the_run)
{
    char *ini = fixture_text(tdir, "task.ini", EXPERIMENT);
    char *run = cj_path_printf("%s/stop", tdir);
    char *args = cj_path_printf("train %s --out %s --quiet --set train.epochs=12 --set train.stop_at_performance=0.6",
                                ini, run);
    char out[4096];
    CHECK(run_cajal(cajal, args, out, sizeof out) == 0 && strstr(out, "every task reached train.stop_at_performance"));
    free(args);
    char *path = cj_path_printf("%s/metrics.jsonl", run), *text = fixture_read(path, NULL);
    int n = text ? count_lines(text) : 0;
    CHECK(n >= 1 && n < 12);
    for (int epoch = 0; epoch < n; epoch++) {
        cJSON *j = metrics_line(run, epoch);
        double p = j ? json_num(cJSON_GetObjectItem(j, "performance"), "perceptualdm") : NAN;
        CHECK(epoch == n - 1 ? p >= 0.6 : p < 0.6);
        cJSON_Delete(j);
    }
    args = cj_path_printf("train --resume %s", run);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 0 && strstr(out, "nothing to train"));
    free(args);
    free(text);
    free(path);
    free(run);
    free(ini);
}

TEST(task_experiment_errors)
{
    const struct {
        const char *set, *want;
    } cases[] = {
        {"data.task=", "data.format = task needs data.task, e.g. data.task = contextdm"},
        {"data.task=nosuch", "data.task: unknown task 'nosuch' (item 1); expected perceptualdm, contextdm, perceptualdm_rt"},
        {"data.task=contextdm, perceptualdm", "perceptualdm has 3 inputs and 3 actions but contextdm has 7 and 3"},
        {"data.task=perceptualdm delay=-3", "delay=-3: '-3' is not a duration in ms"},
        {"objective.name=poisson", "not the task's actions"},
        {"data.train_labels=y.npy", "data.train_labels is set but data.format = task makes its trials"},
        {"data.scale=unit", "data.scale = unit (pixel/255) applies only to data.format = idx"},
        {"data.train_trials=0", "train_trials"},
        {"model.layers=rnn 8, dense 2", "3"},
        {"train.stop_at_performance=1.5", "stop_at_performance"},
    };
    char *ini = fixture_text(tdir, "task.ini", EXPERIMENT);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *args = cj_path_printf("train %s --out %s/bad --force --quiet --set '%s'", ini, tdir, cases[i].set);
        char out[4096];
        int rc = run_cajal(cajal, args, out, sizeof out);
        if (rc == 0 || !strstr(out, cases[i].want)) test_fail("--set '%s': rc %d: %s", cases[i].set, rc, out);
        free(args);
    }
    /* Task keys under another format are refused too. */
    char *idx = fixture_text(tdir, "idx.ini", "[data]\nformat = idx\ntask = contextdm\n");
    char *args = cj_path_printf("train %s --out %s/bad --force --quiet", idx, tdir);
    char out[4096];
    int rc = run_cajal(cajal, args, out, sizeof out);
    if (rc == 0 || !strstr(out, "data.task is set but applies only to data.format = task, not data.format = idx")) test_fail("rc %d: %s", rc, out);
    free(args);
    free(ini);
    free(idx);
}

int main(void)
{
    tdir = fixture_dir("train_task");
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    RUN(metrics_report_performance_per_task);
    RUN(config_holds_the_task_in_full);
    RUN(eval_reproduces_the_trainers_test_performance);
    RUN(stop_at_performance_ends_the_run);
    RUN(task_experiment_errors);
    free(run_dir);
    return test_summary("train_task");
}
