/* test_curriculum.c — one task per batch (data.task_batches = one) and
 * staged task curricula ([curriculum]).
 *
 * The task source: a one-task batch holds trials of one task only, drawn
 * with the weights' frequencies (a chi-square test over many batches), and
 * lasts that task's own max_steps; trial i of it is the trial a source of
 * that task alone makes for i; batches and their tasks are the same
 * whenever they are made. A stage's tasks restrict a mixed batch in the
 * same way, and with every task active nothing differs from a source that
 * never heard of stages.
 *
 * The trainer: a curriculum advances at its threshold and after its
 * epochs, exactly as the rule replayed here from metrics.jsonl says;
 * train.stop_at_performance waits for the last stage; config.ini holds the
 * stages and reads back to the same experiment; bad stages are refused
 * with one line naming the key and value. Resuming in the right stage is
 * in test_resume.c. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/train.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"
#include "metrics_fixture.h"
#include "task_fixture.h"

static const char *tdir;
static const char *cajal;

/* Three of Yang et al.'s tasks of different lengths: 135, 150 and 170
 * steps of 20 ms. */
enum { T_FDGO = 135, T_REACTGO = 150, T_DELAYGO = 170 };

static int three_tasks(const char *list, cj_task *tasks)
{
    cj_error err = {0};
    int n = 0;
    if (cj_tasks_parse(list, tasks, CJ_SOURCE_MAX_TASKS, &n, &err) || n != 3) {
        test_fail("'%s': %s", list, err.msg);
        return 0;
    }
    return 1;
}

/* sum (observed - expected)^2 / expected over n categories. */
static double chi_square(const int *count, const double *p, int n, int total)
{
    double chi = 0;
    for (int k = 0; k < n; k++) {
        double e = p[k] * total;
        chi += (count[k] - e) * (count[k] - e) / e;
    }
    return chi;
}

/* Batch b's tasks follow the weights 1 : 2 : 5 over 20000 batches: the
 * chi-square statistic with 2 degrees of freedom stays under 13.82 (its
 * 0.999 quantile); drawn uniformly, it would be about 2500. Another
 * epoch draws other tasks for the same batch numbers. */
TEST(one_task_batches_follow_the_weights)
{
    cj_task tasks[CJ_SOURCE_MAX_TASKS];
    if (!three_tasks("fdgo weight=1, reactgo weight=2, delaygo weight=5", tasks)) return;
    cj_source src;
    cj_error err = {0};
    if (cj_source_task(tasks, 3, 64, 11, CJ_TASK_STREAM_TRAIN, &src, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    enum { N = 20000 };
    int count[3] = {0}, same_next_epoch = 0;
    int *first = malloc(sizeof(int) * N);
    cj_source_task_set_epoch(&src, 1);
    for (int b = 0; b < N; b++) count[first[b] = cj_source_task_batch_task(&src, b)]++;
    const double p[3] = {1.0 / 8, 2.0 / 8, 5.0 / 8};
    double chi = chi_square(count, p, 3, N);
    printf("  one task per batch, weights 1:2:5 over %d batches: %d %d %d, chi-square %.2f\n", N, count[0], count[1],
           count[2], chi);
    CHECK(chi < 13.82);
    cj_source_task_set_epoch(&src, 2);
    for (int b = 0; b < N; b++) same_next_epoch += cj_source_task_batch_task(&src, b) == first[b];
    /* Independent draws agree with probability sum p^2 = 30/64. */
    CHECK(fabs((double)same_next_epoch / N - 30.0 / 64) < 0.02);
    /* A stage of fdgo and delaygo: only those, 1 : 5 (1 degree of freedom,
     * 0.999 quantile 10.83). */
    cj_source_task_set_active(&src, 1u | 4u);
    int two[3] = {0};
    for (int b = 0; b < N; b++) two[cj_source_task_batch_task(&src, b)]++;
    const double q[2] = {1.0 / 6, 5.0 / 6};
    int pair[2] = {two[0], two[2]};
    CHECK(two[1] == 0 && chi_square(pair, q, 2, N) < 10.83);
    free(first);
    cj_source_free(&src);
}

/* Every trial of a one-task batch is that task's, the batch lasts its
 * max_steps, and trial i is bit for bit what a source of that task alone
 * (same seed, stream and epoch) makes for i. Made again later, after other
 * batches, a batch is the same. */
TEST(a_one_task_batch_is_that_tasks_own_trials)
{
    cj_task tasks[CJ_SOURCE_MAX_TASKS];
    if (!three_tasks("fdgo, reactgo, delaygo", tasks)) return;
    const int steps[3] = {T_FDGO, T_REACTGO, T_DELAYGO};
    for (int k = 0; k < 3; k++) CHECK(tasks[k].max_steps == steps[k]);
    enum { B = 6, BATCHES = 40 };
    cj_source src, alone[3];
    cj_batch batch, ref;
    cj_error err = {0};
    if (cj_source_task(tasks, 3, 1000, 5, CJ_TASK_STREAM_TRAIN, &src, &err) || cj_batch_alloc(&batch, &src, B, &err) ||
        cj_batch_alloc(&ref, &src, B, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    for (int k = 0; k < 3; k++)
        if (cj_source_task(&tasks[k], 1, 1000, 5, CJ_TASK_STREAM_TRAIN, &alone[k], &err)) test_fail("%s", err.msg);
    int seen[3] = {0}, all_one = 1, lengths = 1, same = 1, again = 1;
    size_t obs = (size_t)tasks[0].n_obs, out = (size_t)tasks[0].n_actions;
    float *keep = malloc(sizeof(float) * (size_t)T_DELAYGO * B * obs);
    for (int b = 0; b < BATCHES; b++) {
        int idx[B];
        for (int i = 0; i < B; i++) idx[i] = 997 - 7 * b - 3 * i;
        for (int e = 1; e <= 2; e++) {
            cj_source_task_set_epoch(&src, e);
            cj_source_task_set_batch(&src, b);
            int k = cj_source_task_batch_task(&src, b);
            if (cj_source_fill(&src, idx, B, &batch, &err)) {
                test_fail("%s", err.msg);
                break;
            }
            seen[k]++;
            const int *task_of;
            int n;
            cj_source_task_trials(&src, &task_of, &n);
            for (int i = 0; i < B; i++) all_one &= task_of[i] == k;
            lengths &= batch.T == steps[k] && batch.target_steps == steps[k];
            cj_source_task_set_epoch(&alone[k], e);
            if (cj_source_fill(&alone[k], idx, B, &ref, &err)) test_fail("%s", err.msg);
            size_t nx = (size_t)batch.T * B * obs, nv = (size_t)batch.T * B * out, nm = (size_t)batch.T * B;
            same &= ref.T == batch.T && !memcmp(ref.x, batch.x, sizeof(float) * nx) &&
                    !memcmp(ref.values, batch.values, sizeof(float) * nv) &&
                    !memcmp(ref.mask, batch.mask, sizeof(float) * nm);
            if (e == 1 && b == 3) memcpy(keep, batch.x, sizeof(float) * nx);
        }
    }
    /* Batch 3 of epoch 1 again, after 36 other batches and another epoch. */
    cj_source_task_set_epoch(&src, 1);
    cj_source_task_set_batch(&src, 3);
    int idx3[B];
    for (int i = 0; i < B; i++) idx3[i] = 997 - 21 - 3 * i;
    if (!cj_source_fill(&src, idx3, B, &batch, &err))
        again = !memcmp(keep, batch.x, sizeof(float) * (size_t)batch.T * B * obs);
    /* Back to mixed: the longest task's length again. */
    cj_source_task_set_batch(&src, CJ_TASK_BATCH_MIXED);
    CHECK(!cj_source_fill(&src, idx3, B, &batch, &err) && batch.T == T_DELAYGO);
    CHECK(all_one && lengths && same && again);
    CHECK(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
    free(keep);
    for (int k = 0; k < 3; k++) cj_source_free(&alone[k]);
    cj_batch_free(&batch);
    cj_batch_free(&ref);
    cj_source_free(&src);
}

/* A stage's tasks restrict mixed batches: only they come, in proportion
 * to their weights, and the batch lasts the longest of them. With every
 * task active again, a batch is bit for bit a fresh source's. */
TEST(a_stage_restricts_mixed_batches)
{
    cj_task tasks[CJ_SOURCE_MAX_TASKS];
    if (!three_tasks("fdgo weight=1, reactgo weight=3, delaygo", tasks)) return;
    enum { B = 200 };
    cj_source src, fresh;
    cj_batch batch, ref;
    cj_error err = {0};
    if (cj_source_task(tasks, 3, 4000, 9, CJ_TASK_STREAM_TRAIN, &src, &err) ||
        cj_source_task(tasks, 3, 4000, 9, CJ_TASK_STREAM_TRAIN, &fresh, &err) ||
        cj_batch_alloc(&batch, &src, B, &err) || cj_batch_alloc(&ref, &src, B, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    int idx[B], count[3] = {0};
    cj_source_task_set_active(&src, 1u | 2u);
    for (int start = 0; start < 4000; start += B) {
        for (int i = 0; i < B; i++) idx[i] = start + i;
        if (cj_source_fill(&src, idx, B, &batch, &err)) break;
        CHECK(batch.T == T_REACTGO);
        const int *task_of;
        int n;
        cj_source_task_trials(&src, &task_of, &n);
        for (int i = 0; i < n; i++) count[task_of[i]]++;
    }
    const double q[2] = {0.25, 0.75};
    int pair[2] = {count[0], count[1]};
    printf("  stage of fdgo (1) and reactgo (3): %d and %d of 4000 trials, %d of delaygo\n", count[0], count[1],
           count[2]);
    CHECK(count[2] == 0 && chi_square(pair, q, 2, 4000) < 10.83);
    cj_source_task_set_active(&src, 0);
    for (int i = 0; i < B; i++) idx[i] = 3 * i;
    CHECK(!cj_source_fill(&src, idx, B, &batch, &err) && !cj_source_fill(&fresh, idx, B, &ref, &err));
    CHECK(batch.T == T_DELAYGO && ref.T == T_DELAYGO);
    size_t n = (size_t)batch.T * B;
    CHECK(!memcmp(batch.x, ref.x, sizeof(float) * n * tasks[0].n_obs) &&
          !memcmp(batch.values, ref.values, sizeof(float) * n * tasks[0].n_actions) &&
          !memcmp(batch.mask, ref.mask, sizeof(float) * n));
    cj_batch_free(&batch);
    cj_batch_free(&ref);
    cj_source_free(&src);
    cj_source_free(&fresh);
}

/* ---- training ------------------------------------------------------------------ */

static const char *const BASE[] = {
    "data.format=task", "data.task=fdgo, reactgo, delaygo", "data.train_trials=640", "data.test_trials=200",
    "model.layers=rnn 32 nonlinearity=softplus tau=100 dt=20 noise=0.05 init=orthogonal, dense 33",
    "objective.name=mse", "optim.name=adam", "optim.lr=0.003", "train.batch=32", "train.diag_batch=32", NULL};

static int experiment(cj_experiment *e, const char *const *sets, cj_error *err)
{
    cj_experiment_defaults(e);
    for (int i = 0; BASE[i]; i++)
        if (cj_experiment_set(e, BASE[i], err)) return 0;
    for (int i = 0; sets && sets[i]; i++)
        if (cj_experiment_set(e, sets[i], err)) return 0;
    return cj_experiment_finish(e, err) == CJ_OK;
}

enum { MAX_EPOCHS = 12 };

/* What each epoch reported. */
typedef struct {
    int n;
    int stage[MAX_EPOCHS], stages[MAX_EPOCHS], reached[MAX_EPOCHS];
    cj_stage_end end[MAX_EPOCHS];
    double perf[MAX_EPOCHS][3];
    int progress_stage_wrong;  /* an on_step report whose stage is not its epoch's */
    int step_stage;
} reports;

static void on_step(const cj_train_progress *p, void *user)
{
    reports *r = user;
    r->step_stage = p->stage;
}

static void on_epoch(const cj_epoch_report *rep, void *user)
{
    reports *r = user;
    if (r->n >= MAX_EPOCHS || rep->n_tasks != 3) return;
    r->stage[r->n] = rep->stage;
    r->stages[r->n] = rep->stages;
    r->end[r->n] = rep->stage_end;
    r->reached[r->n] = rep->reached;
    for (int k = 0; k < 3; k++) r->perf[r->n][k] = rep->performance[k];
    if (r->step_stage != rep->stage) r->progress_stage_wrong = 1;
    r->n++;
}

static int train(const char *name, const char *const *sets, reports *r, char **run)
{
    cj_experiment e;
    cj_error err = {0};
    memset(r, 0, sizeof *r);
    *run = cj_path_printf("%s/%s", tdir, name);
    if (!experiment(&e, sets, &err)) {
        test_fail("%s: %s", name, err.msg);
        return 0;
    }
    cj_train_callbacks cb = {.on_step = on_step, .on_epoch = on_epoch, .user = r};
    cj_train_options opt = {CJ_TRAIN_FORCE};
    if (cj_train(&e, *run, &opt, &cb, &err)) {
        test_fail("%s: %s", name, err.msg);
        return 0;
    }
    return 1;
}

/* The stage rule, written out again from docs/tasks.md: stage s (1-based,
 * of n + 1) ends after an epoch at which every one of its tasks is at
 * `until` (when until > 0), or once it has trained `max` epochs (when
 * max > 0); the last stage never ends. Checks every epoch of r against it
 * and against metrics.jsonl's "stage". */
typedef struct {
    unsigned tasks;  /* bit k: task k */
    double until;
    int max;
} stage_rule;

static void check_progression(const char *run, const reports *r, const stage_rule *rules, int n)
{
    int stage = 1, in_stage = 0;
    for (int e = 0; e < r->n; e++) {
        cJSON *j = metrics_line(run, e);
        double logged = j ? json_num(j, "stage") : NAN;
        cJSON_Delete(j);
        if (r->stage[e] != stage || logged != stage || r->stages[e] != n + 1) {
            test_fail("epoch %d: stage %d (metrics.jsonl %g) of %d, expected %d of %d", e + 1, r->stage[e], logged,
                      r->stages[e], stage, n + 1);
            return;
        }
        in_stage++;
        cj_stage_end want = CJ_STAGE_GOES_ON;
        if (stage <= n) {
            const stage_rule *s = &rules[stage - 1];
            int all = 1;
            for (int k = 0; k < 3; k++)
                if (s->tasks >> k & 1) all &= r->perf[e][k] >= s->until;
            if (s->until > 0 && all) want = CJ_STAGE_REACHED;
            else if (s->max > 0 && in_stage >= s->max) want = CJ_STAGE_RAN_ITS_EPOCHS;
        }
        if (r->end[e] != want) test_fail("epoch %d: stage end %d, expected %d", e + 1, r->end[e], want);
        if (want != CJ_STAGE_GOES_ON) stage++, in_stage = 0;
    }
    CHECK(!r->progress_stage_wrong);
}

/* fdgo and reactgo until both are at 0.5 (they get there in a few epochs;
 * delaygo stays below), then delaygo for 1 epoch, then all three. */
TEST(a_stage_ends_at_its_threshold)
{
    const char *sets[] = {"train.epochs=7", "curriculum.stage1=fdgo,reactgo", "curriculum.stage1_until=0.5",
                          "curriculum.stage1_max_epochs=6", "curriculum.stage2 = delaygo",
                          "curriculum.stage2_max_epochs=1", NULL};
    reports r;
    char *run;
    if (!train("threshold", sets, &r, &run)) {
        free(run);
        return;
    }
    CHECK(r.n == 7);
    const stage_rule rules[] = {{1u | 2u, 0.5, 6}, {4u, 0, 1}};
    check_progression(run, &r, rules, 2);
    int first = -1;
    for (int e = 0; e < r.n && first < 0; e++)
        if (r.end[e] == CJ_STAGE_REACHED) first = e;
    printf("  stage 1 reached 0.5 at epoch %d (fdgo %.3f, reactgo %.3f)\n", first + 1, first >= 0 ? r.perf[first][0] : NAN,
           first >= 0 ? r.perf[first][1] : NAN);
    CHECK(first >= 0 && first < 5);
    if (first >= 0) CHECK(r.end[first + 1] == CJ_STAGE_RAN_ITS_EPOCHS && r.stage[first + 2] == 3);
    free(run);
}

/* A threshold no network reaches in two epochs: the stage ends after its
 * max_epochs; one task per batch trains the same way. */
TEST(a_stage_ends_after_its_epochs)
{
    const char *sets[] = {"train.epochs=4", "data.task_batches=one", "curriculum.stage1=delaygo",
                          "curriculum.stage1_until=0.999", "curriculum.stage1_max_epochs=2", NULL};
    reports r;
    char *run;
    if (!train("max_epochs", sets, &r, &run)) {
        free(run);
        return;
    }
    CHECK(r.n == 4);
    const stage_rule rules[] = {{4u, 0.999, 2}};
    check_progression(run, &r, rules, 1);
    CHECK(r.stage[0] == 1 && r.stage[1] == 1 && r.end[1] == CJ_STAGE_RAN_ITS_EPOCHS && r.stage[2] == 2);
    free(run);
}

/* train.stop_at_performance is met from the first epoch (0.01), but only
 * ends the run once the last stage trains: epoch 3, after stage 1's two. */
TEST(stop_at_performance_waits_for_the_last_stage)
{
    const char *sets[] = {"train.epochs=8", "train.stop_at_performance=0.01", "curriculum.stage1=fdgo",
                          "curriculum.stage1_max_epochs=2", NULL};
    reports r;
    char *run;
    if (!train("stop_after_stages", sets, &r, &run)) {
        free(run);
        return;
    }
    CHECK(r.n == 3 && !r.reached[0] && !r.reached[1] && r.reached[2] && r.stage[2] == 2);
    for (int e = 0; e < r.n; e++) CHECK(r.perf[e][0] >= 0.01 || r.perf[e][1] >= 0.01);
    /* Resumed, it has nothing left to train. */
    char out[4096];
    char *args = cj_path_printf("train --resume %s", run);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 0 && strstr(out, "nothing to train"));
    free(args);
    free(run);
}

/* One task per batch trains, and the test set still scores every task
 * (mixed, all of them) every epoch. */
TEST(one_task_per_batch_trains_and_scores_every_task)
{
    const char *sets[] = {"train.epochs=3", "data.task_batches=one", NULL};
    reports r;
    char *run;
    if (!train("one", sets, &r, &run)) {
        free(run);
        return;
    }
    CHECK(r.n == 3);
    for (int e = 0; e < r.n; e++) CHECK(r.stage[e] == 0 && r.stages[e] == 0 && r.end[e] == CJ_STAGE_GOES_ON);
    cJSON *j = metrics_line(run, 2);
    const cJSON *perf = j ? cJSON_GetObjectItem(j, "performance") : NULL;
    CHECK(cJSON_IsObject(perf) && cJSON_GetArraySize(perf) == 3 && json_is_null(j, "stage"));
    CHECK(json_num(perf, "fdgo") > 0.5 && isfinite(json_num(j, "test_loss")));
    cJSON_Delete(j);
    char *path = cj_path_printf("%s/config.ini", run), *text = fixture_read(path, NULL);
    CHECK(text && strstr(text, "task_batches = one\n") && !strstr(text, "[curriculum]"));
    free(text);
    free(path);
    free(run);
}

/* A run without stages and with mixed batches writes the config.ini it
 * wrote before either existed (no task_batches line, no [curriculum]), so
 * runs saved then still resume: their config.ini is compared line by
 * line. */
TEST(defaults_leave_config_ini_as_it_was)
{
    cj_experiment e;
    cj_error err = {0};
    if (!experiment(&e, NULL, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    char *path = cj_path_printf("%s/defaults.ini", tdir);
    FILE *f = fopen(path, "w");
    cj_experiment_write(&e, f);
    fclose(f);
    char *text = fixture_read(path, NULL);
    CHECK(text && strstr(text, "test_trials = 200\ndir = \n") && !strstr(text, "task_batches") &&
          !strstr(text, "curriculum") && !strstr(text, "stage"));
    cj_experiment back;
    cj_experiment_defaults(&back);
    CHECK(cj_experiment_load(&back, path, &err) == CJ_OK && cj_experiment_finish(&back, &err) == CJ_OK &&
          back.task_batches == CJ_TASK_BATCHES_MIXED);
    free(text);
    free(path);
}

/* config.ini holds the stages in use (and no others), canonically, and
 * reads back to the same experiment. */
TEST(config_holds_the_stages_and_reads_back)
{
    const char *sets[] = {"data.task_batches=one", "curriculum.stage1= reactgo ,fdgo", "curriculum.stage1_until=0.75",
                          "curriculum.stage2=delaygo", "curriculum.stage2_max_epochs=3", NULL};
    cj_experiment e, back;
    cj_error err = {0};
    if (!experiment(&e, sets, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    CHECK(cj_experiment_n_stages(&e) == 2 && !strcmp(e.stages[0].tasks, "reactgo, fdgo"));
    char *path = cj_path_printf("%s/stages.ini", tdir);
    FILE *f = fopen(path, "w");
    cj_experiment_write(&e, f);
    fclose(f);
    char *text = fixture_read(path, NULL);
    CHECK(text && strstr(text, "\n[curriculum]\nstage1 = reactgo, fdgo\nstage1_until = 0.75\nstage1_max_epochs = 0\n"
                               "stage2 = delaygo\nstage2_until = 0\nstage2_max_epochs = 3\n") &&
          !strstr(text, "stage3"));
    cj_experiment_defaults(&back);
    CHECK(cj_experiment_load(&back, path, &err) == CJ_OK && cj_experiment_finish(&back, &err) == CJ_OK);
    back.keys_given = e.keys_given;
    CHECK(memcmp(&e, &back, sizeof e) == 0);
    free(text);
    free(path);
}

/* Each bad setting is refused, naming the key and the value. */
TEST(bad_stages_are_refused_by_name)
{
    const struct {
        const char *sets[4];
        const char *want;
    } cases[] = {
        {{"curriculum.stage1=fdgo, nosuch", "curriculum.stage1_until=0.5"},
         "curriculum.stage1: 'nosuch' is not in data.task (fdgo, reactgo, delaygo)"},
        {{"curriculum.stage1=", "curriculum.stage1_until=0.5"}, "curriculum.stage1 is empty"},
        {{"curriculum.stage1=fdgo,,reactgo", "curriculum.stage1_until=0.5"},
         "curriculum.stage1 = 'fdgo,,reactgo': item 2 is empty"},
        {{"curriculum.stage1=fdgo, fdgo", "curriculum.stage1_until=0.5"}, "names fdgo twice"},
        {{"curriculum.stage1=fdgo dt=10", "curriculum.stage1_until=0.5"},
         "'fdgo dt=10' is not a task's name (a stage names tasks of data.task, without options)"},
        {{"curriculum.stage1=fdgo"}, "curriculum.stage1 has no end: set curriculum.stage1_until"},
        {{"curriculum.stage1=fdgo", "curriculum.stage1_until=1.5"}, "curriculum.stage1_until = '1.5' must be below 1"},
        {{"curriculum.stage1=fdgo", "curriculum.stage1_until=-0.2"},
         "curriculum.stage1_until = '-0.2' must be non-negative"},
        {{"curriculum.stage1=fdgo", "curriculum.stage1_max_epochs=two"},
         "curriculum.stage1_max_epochs = 'two' is not a whole number"},
        {{"curriculum.stage2=fdgo", "curriculum.stage2_until=0.5"},
         "curriculum.stage2 is set but curriculum.stage1 is not (stages are numbered from 1 without gaps)"},
        {{"curriculum.stage1=fdgo", "curriculum.stage1_until=0.5", "curriculum.stage2_max_epochs=3"},
         "curriculum.stage2_max_epochs is set but curriculum.stage2 is not"},
        {{"curriculum.stage9=fdgo"}, "unknown key 'stage9' in [curriculum]"},
        {{"curriculum.stage1_unitl=0.5"}, "did you mean 'stage1_until'?"},
        {{"data.task_batches=each"}, "data.task_batches: 'each' is not mixed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cj_experiment e;
        cj_error err = {0};
        if (experiment(&e, cases[i].sets, &err)) test_fail("case %zu ('%s') was accepted", i, cases[i].sets[0]);
        else if (!strstr(err.msg, cases[i].want) || strchr(err.msg, '\n'))
            test_fail("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].want);
    }
    /* Under another format, the keys apply to nothing. */
    cj_experiment e;
    cj_error err = {0};
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_set(&e, "curriculum.stage1=fdgo", &err) == CJ_OK && cj_experiment_finish(&e, &err) &&
          strstr(err.msg, "curriculum.stage1 is set but applies only to data.format = task, not data.format = idx"));
    /* The command line: one line, exit status 1. */
    char *ini = fixture_text(tdir, "bad.ini", "[data]\nformat = task\ntask = fdgo, reactgo\n[model]\n"
                                              "layers = rnn 8, dense 33\n[objective]\nname = mse\n"
                                              "[curriculum]\nstage1 = fdgo, dmsgo\nstage1_max_epochs = 2\n");
    char *args = cj_path_printf("train %s --out %s/bad --force --quiet", ini, tdir);
    char out[4096];
    int rc = run_cajal(cajal, args, out, sizeof out);
    CHECK(rc == 1 && count_lines(out) == 1 && strstr(out, "curriculum.stage1: 'dmsgo' is not in data.task"));
    free(args);
    free(ini);
}

int main(void)
{
    tdir = fixture_dir("curriculum");
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    RUN(one_task_batches_follow_the_weights);
    RUN(a_one_task_batch_is_that_tasks_own_trials);
    RUN(a_stage_restricts_mixed_batches);
    RUN(a_stage_ends_at_its_threshold);
    RUN(a_stage_ends_after_its_epochs);
    RUN(stop_at_performance_waits_for_the_last_stage);
    RUN(one_task_per_batch_trains_and_scores_every_task);
    RUN(config_holds_the_stages_and_reads_back);
    RUN(defaults_leave_config_ini_as_it_was);
    RUN(bad_stages_are_refused_by_name);
    return test_summary("curriculum");
}
