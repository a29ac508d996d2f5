/* test_analyze.c — `cajal analyze` and `cajal record --trials` on a small
 * network trained here on context-dependent integration: every analysis
 * writes the files it names, readable and of the shapes it documents; the
 * psychometric fits show the context at work; and the errors (a model not
 * trained on tasks, an unknown analysis or option, a bad value). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/lesion.h"
#include "cajal/model.h"
#include "cajal/rng.h"
#include "cajal/task_run.h"
#include "cajal/tasks.h"
#include "cajal/npy.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"

static const char *tdir;
static const char *cajal;
static char *run_dir;

/* A quickly trained contextdm network (a few seconds): it has learned to
 * follow the stimuli, not yet the context (that takes the example's 40
 * epochs; docs/results_rnn.md). */
static const char EXPERIMENT[] = "[data]\nformat = task\ntask = contextdm stimulus=400 sigma=0.5\n"
                                 "train_trials = 3000\ntest_trials = 200\n"
                                 "[model]\nlayers = rnn 24 nonlinearity=softplus tau=100 dt=20 init=identity, dense 3\n"
                                 "[optim]\nname = adam\nlr = 0.003\nclip_norm = 1\nschedule = cosine\n"
                                 "[train]\nepochs = 12\nbatch = 32\n";

static int train_once(void)
{
    if (run_dir) return 1;
    char *ini = fixture_text(tdir, "ctx.ini", EXPERIMENT);
    run_dir = cj_path_printf("%s/ctx", tdir);
    char *args = cj_path_printf("train %s --out %s --quiet", ini, run_dir);
    char out[4096];
    int rc = run_cajal(cajal, args, out, sizeof out);
    free(args);
    free(ini);
    if (rc) test_fail("train: rc %d: %s", rc, out);
    return rc == 0;
}

/* Run `cajal analyze ARGS`; its output into out. */
static int analyze(const char *args, char *out, size_t len)
{
    char *cmd = cj_path_printf("analyze %s", args);
    int rc = run_cajal(cajal, cmd, out, len);
    free(cmd);
    return rc;
}

static int has_file(const char *dir, const char *name)
{
    char *path = cj_path_printf("%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    free(path);
    if (f) fclose(f);
    return f != NULL;
}

/* The shape of an .npy file, or ndim 0 when it does not read. */
static int npy_shape(const char *dir, const char *name, int64_t *shape)
{
    char *path = cj_path_printf("%s/%s", dir, name);
    cj_npy_array a;
    cj_error err;
    int nd = cj_npy_read(path, CJ_NPY_F32, &a, &err) ? 0 : a.ndim;
    for (int d = 0; d < nd; d++) shape[d] = a.shape[d];
    if (nd) cj_npy_free(&a);
    free(path);
    return nd;
}

TEST(trials_figure)
{
    if (!train_once()) return;
    char out[4096], *args = cj_path_printf("trials %s --trials 50", run_dir), *dir = cj_path_printf("%s/trials", run_dir);
    CHECK(analyze(args, out, sizeof out) == 0 && has_file(dir, "trials.png"));
    /* trials.csv names the four trials drawn: both contexts, both answers. */
    char *path = cj_path_printf("%s/trials.csv", dir), *text = fixture_read(path, NULL);
    CHECK(text && !strncmp(text, "row,trial,task,steps,correct,fixation_broken,conditions\n0,", 58));
    CHECK(text && count_lines(text) == 5 && strstr(text, ",contextdm,40,") && strstr(text, "context=1 "));
    free(text);
    free(path);
    free(args);
    free(dir);
}

/* Four curves (two contexts x two modalities), each with a positive,
 * finite slope: the network chooses the side the evidence favours. */
TEST(psychometric_fits_follow_the_context)
{
    if (!train_once()) return;
    char out[8192], *args = cj_path_printf("psychometric %s --trials 600 --out %s/psy", run_dir, tdir);
    int rc = analyze(args, out, sizeof out);
    CHECK(rc == 0 && strstr(out, "irrelevant/relevant slope"));
    char *path = cj_path_printf("%s/psy/fits.json", tdir);
    char *text = fixture_read(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL, *fits = j ? cJSON_GetObjectItem(j, "fits") : NULL;
    CHECK(cJSON_GetArraySize(fits) == 4);
    int seen = 0;
    for (int k = 0; fits && k < cJSON_GetArraySize(fits); k++) {
        cJSON *f = cJSON_GetArrayItem(fits, k);
        int ctx = cJSON_GetObjectItem(f, "context")->valueint;
        int colour = !strcmp(cJSON_GetObjectItem(f, "condition")->valuestring, "colour_coh");
        cJSON *b1 = cJSON_GetObjectItem(f, "b1");
        CHECK(cJSON_IsNumber(b1) && b1->valuedouble > 0 && isfinite(b1->valuedouble));
        seen |= 1 << (2 * ctx + colour);
    }
    CHECK(seen == 15);
    char *dir = cj_path_printf("%s/psy", tdir);
    CHECK(has_file(dir, "psychometric.png") && has_file(dir, "psychometric.csv"));
    cJSON_Delete(j);
    free(text);
    free(path);
    free(dir);
    free(args);
}

/* The monkeys' curves of the shared Roitman data overlay a perceptual
 * decision network's; a --compare file that is not a trial table is an
 * error naming it. */
TEST(psychometric_compare_reads_the_monkeys)
{
    if (!train_once()) return;
    char out[4096];
    char *args = cj_path_printf("psychometric %s --trials 200 --out %s/cmp --compare "
                                "../shared/data/roitman2002/roitman_rts.csv", run_dir, tdir);
    CHECK(analyze(args, out, sizeof out) == 0);
    free(args);
    char *bad = fixture_text(tdir, "bad.csv", "a,b\n1,2\n");
    args = cj_path_printf("psychometric %s --trials 200 --out %s/cmp --compare %s", run_dir, tdir, bad);
    CHECK(analyze(args, out, sizeof out) == 1 && strstr(out, "bad.csv") && strstr(out, "monkey"));
    free(args);
    free(bad);
}

TEST(pca_and_tdr_write_their_arrays)
{
    if (!train_once()) return;
    char out[8192], *args = cj_path_printf("pca %s --trials 300 --out %s/pca", run_dir, tdir);
    CHECK(analyze(args, out, sizeof out) == 0);
    char *dir = cj_path_printf("%s/pca", tdir);
    int64_t s[4];
    /* 72 conditions (2 contexts x 6 motion x 6 colour) unless a rare one
     * is missing among 300 trials; T = (300 + 400 + 100) / 20 = 40 steps. */
    int nd = npy_shape(dir, "pca_trajectories.npy", s);
    CHECK(nd == 3 && s[0] >= 60 && s[0] <= 72 && s[1] == 40 && s[2] == 10);
    CHECK(npy_shape(dir, "pca_components.npy", s) == 2 && s[0] == 10 && s[1] == 24);
    CHECK(has_file(dir, "pca.png") && has_file(dir, "pca_explained.csv") && has_file(dir, "conditions.csv"));
    free(args);
    free(dir);
    args = cj_path_printf("tdr %s --trials 600 --out %s/tdr", run_dir, tdir);
    CHECK(analyze(args, out, sizeof out) == 0);
    dir = cj_path_printf("%s/tdr", tdir);
    CHECK(npy_shape(dir, "tdr_axes.npy", s) == 2 && s[0] == 4 && s[1] == 24);
    CHECK(npy_shape(dir, "tdr_projections.npy", s) == 3 && s[1] == 40 && s[2] == 4);
    char *path = cj_path_printf("%s/tdr.json", dir), *text = fixture_read(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    cJSON *names = j ? cJSON_GetObjectItem(j, "regressors") : NULL;
    CHECK(cJSON_GetArraySize(names) == 4 && !strcmp(cJSON_GetArrayItem(names, 0)->valuestring, "choice") &&
          !strcmp(cJSON_GetArrayItem(names, 3)->valuestring, "context"));
    cJSON_Delete(j);
    free(text);
    free(path);
    free(dir);
    free(args);
    args = cj_path_printf("tdr %s --trials 600 --out %s/tdr --pcs 2", run_dir, tdir);
    CHECK(analyze(args, out, sizeof out) == 1 && strstr(out, "n_pca"));
    free(args);
}

TEST(fixedpoints_reports_its_points)
{
    if (!train_once()) return;
    char out[8192], *args = cj_path_printf("fixedpoints %s --trials 200 --inits 32 --q 10 --out %s/fp", run_dir, tdir);
    CHECK(analyze(args, out, sizeof out) == 0 && strstr(out, "context 0:") && strstr(out, "context 1:"));
    char *dir = cj_path_printf("%s/fp", tdir);
    CHECK(has_file(dir, "fixedpoints.png") && has_file(dir, "fixedpoints.csv") && has_file(dir, "chain.csv"));
    int64_t s[4];
    int nd = npy_shape(dir, "fixedpoints.npy", s);
    CHECK(nd == 0 || (nd == 2 && s[1] == 24));
    free(dir);
    free(args);
    args = cj_path_printf("fixedpoints %s --inits 0", run_dir);
    CHECK(analyze(args, out, sizeof out) == 1 && strstr(out, "--inits 0"));
    free(args);
}

TEST(record_trials_writes_conditions)
{
    if (!train_once()) return;
    char out[4096], *args = cj_path_printf("record %s --trials 30 --out %s/rec", run_dir, tdir);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 0);
    char *dir = cj_path_printf("%s/rec", tdir);
    int64_t s[4];
    CHECK(npy_shape(dir, "0_rnn.npy", s) == 3 && s[0] == 30 && s[1] == 40 && s[2] == 24);
    char *path = cj_path_printf("%s/conditions.csv", dir), *text = fixture_read(path, NULL);
    CHECK(text && !strncmp(text, "trial,task,steps,context,motion_coh,colour_coh,ground_truth,fixation_start", 74));
    CHECK(text && count_lines(text) == 31);
    free(text);
    free(path);
    free(dir);
    free(args);
}

/* Two of Yang et al.'s tasks trained together (a second network, quickly). */
static char *two_dir;
static int train_two(void)
{
    if (two_dir) return 1;
    char *ini = fixture_text(tdir, "two.ini", "[data]\nformat = task\ntask = fdgo, fdanti\n"
                                                    "train_trials = 640\ntest_trials = 100\n"
                                                    "[model]\nlayers = rnn 16 nonlinearity=softplus tau=100 dt=20, "
                                                    "dense 33\n[objective]\nname = mse\n"
                                                    "[optim]\nname = adam\nlr = 0.003\n[train]\nepochs = 2\n");
    char out[8192], *run = cj_path_printf("%s/two", tdir);
    char *args = cj_path_printf("train %s --out %s --quiet", ini, run);
    int rc = run_cajal(cajal, args, out, sizeof out);
    free(args);
    free(ini);
    if (rc) {
        test_fail("train: %s", out);
        free(run);
        return 0;
    }
    two_dir = run;
    return 1;
}

/* Task variance clusters the units and lesion measures both tasks again. */
TEST(taskvariance_and_lesion)
{
    if (!train_two()) return;
    char out[8192], *run = two_dir, *args = cj_path_printf("taskvariance %s --trials 400", run);
    CHECK(analyze(args, out, sizeof out) == 0 && strstr(out, "clusters (silhouette"));
    free(args);
    char *dir = cj_path_printf("%s/taskvariance", run);
    int64_t s[4];
    CHECK(npy_shape(dir, "taskvariance.npy", s) == 2 && s[0] == 16 && s[1] == 2);
    char *path = cj_path_printf("%s/clusters.csv", dir), *text = fixture_read(path, NULL);
    CHECK(text && !strncmp(text, "unit,active,cluster,fdgo,fdanti\n", 31) && count_lines(text) == 17);
    free(text);
    free(path);
    CHECK(has_file(dir, "taskvariance.png") && has_file(dir, "silhouette.csv"));
    free(dir);
    args = cj_path_printf("lesion %s --trials 400 --units cluster:0", run);
    CHECK(analyze(args, out, sizeof out) == 0 && strstr(out, "units silenced"));
    free(args);
    args = cj_path_printf("lesion %s --trials 400 --units random:16 --out %s/all", run, tdir);
    CHECK(analyze(args, out, sizeof out) == 0);
    free(args);
    path = cj_path_printf("%s/all/lesion.csv", tdir);
    text = fixture_read(path, NULL);
    CHECK(text && !strncmp(text, "task,intact,lesioned,change\nfdgo,", 33) && strstr(text, "\nfdanti,"));
    free(text);
    free(path);
    args = cj_path_printf("lesion %s --units 3,99", run);
    CHECK(analyze(args, out, sizeof out) == 1 && strstr(out, "'99' is not a unit from 0 to 15"));
    free(args);
}

/* How many rows of a trials.csv have task `task`; *rows: all its rows. */
static int csv_rows_of(const char *text, const char *task, int *rows)
{
    int n = 0, all = 0;
    char want[64];
    snprintf(want, sizeof want, ",%s,", task);
    for (const char *line = text ? strchr(text, '\n') : NULL; line && line[1]; line = strchr(line + 1, '\n')) {
        const char *end = strchr(line + 1, '\n');
        size_t len = end ? (size_t)(end - line - 1) : strlen(line + 1);
        char row[512];
        snprintf(row, sizeof row, "%.*s", (int)len, line + 1);
        all++;
        n += strstr(row, want) != NULL;
    }
    *rows = all;
    return n;
}

/* pca's conditions.csv: 1 when every condition's target direction is its
 * stimulus direction (a go task), 0 when every one lies opposite (anti),
 * -1 for a mixture or an unreadable file. */
static int pca_conditions_go(const char *dir)
{
    char *path = cj_path_printf("%s/conditions.csv", dir), *text = fixture_read(path, NULL);
    free(path);
    if (!text || strncmp(text, "condition,target_dir,stim_dir,stim_mod,trials\n", 46)) {
        free(text);
        return -1;
    }
    int go = 0, anti = 0;
    for (const char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        int c, trials;
        double target, stim, mod;
        if (sscanf(line + 1, "%d,%lf,%lf,%lf,%d", &c, &target, &stim, &mod, &trials) != 5) continue;
        double d = fabs(target - stim);
        go += d < 1e-4;
        anti += fabs(d - M_PI) < 1e-4;
    }
    free(text);
    return go && !anti ? 1 : anti && !go ? 0 : -1;
}

/* --task: the trials of one task of a multitask model, or one example of
 * each task named; the single-task analyses study the task named; a name
 * the model was not trained on lists the ones it was. */
TEST(task_option_picks_the_trials)
{
    if (!train_two()) return;
    char out[8192], *args = cj_path_printf("trials %s --trials 60 --task fdanti --out %s/t_anti", two_dir, tdir);
    CHECK(analyze(args, out, sizeof out) == 0);
    free(args);
    char *path = cj_path_printf("%s/t_anti/trials.csv", tdir), *text = fixture_read(path, NULL);
    int rows = 0;
    CHECK(csv_rows_of(text, "fdanti", &rows) == 4 && rows == 4);
    free(text);
    free(path);
    /* Without --task: one of each task first (fdgo in row 0), then others. */
    args = cj_path_printf("trials %s --trials 60 --out %s/t_all", two_dir, tdir);
    CHECK(analyze(args, out, sizeof out) == 0);
    free(args);
    path = cj_path_printf("%s/t_all/trials.csv", tdir);
    text = fixture_read(path, NULL);
    char first[32] = "";
    int trial0 = -1;
    CHECK(text && strchr(text, '\n') && sscanf(strchr(text, '\n') + 1, "0,%d,%31[^,],", &trial0, first) == 2 &&
          !strcmp(first, "fdgo"));
    CHECK(csv_rows_of(text, "fdanti", &rows) >= 1 && rows == 4);
    free(text);
    free(path);
    /* A list: one row per task named. */
    args = cj_path_printf("trials %s --trials 60 --task fdanti,fdgo --out %s/t_both", two_dir, tdir);
    CHECK(analyze(args, out, sizeof out) == 0 && strstr(out, "(2 example trials)"));
    free(args);
    path = cj_path_printf("%s/t_both/trials.csv", tdir);
    text = fixture_read(path, NULL);
    CHECK(csv_rows_of(text, "fdgo", &rows) == 1 && csv_rows_of(text, "fdanti", &rows) == 1 && rows == 2);
    free(text);
    free(path);
    /* pca studies the first task, or the one named. */
    args = cj_path_printf("pca %s --trials 200 --out %s/p_go", two_dir, tdir);
    CHECK(analyze(args, out, sizeof out) == 0);
    free(args);
    path = cj_path_printf("%s/p_go", tdir);
    CHECK(pca_conditions_go(path) == 1);
    free(path);
    args = cj_path_printf("pca %s --trials 200 --task fdanti --out %s/p_anti", two_dir, tdir);
    CHECK(analyze(args, out, sizeof out) == 0);
    free(args);
    path = cj_path_printf("%s/p_anti", tdir);
    CHECK(pca_conditions_go(path) == 0);
    free(path);
    /* Errors. */
    args = cj_path_printf("trials %s --task fdgo,nosuch", two_dir);
    CHECK(analyze(args, out, sizeof out) == 1 && strstr(out, "--task 'nosuch'") && strstr(out, "fdgo, fdanti"));
    free(args);
    args = cj_path_printf("pca %s --task fdgo,fdanti", two_dir);
    CHECK(analyze(args, out, sizeof out) == 1 && strstr(out, "one at a time"));
    free(args);
    args = cj_path_printf("lesion %s --task fdgo --units 1", two_dir);
    CHECK(analyze(args, out, sizeof out) == 2 && strstr(out, "unknown option '--task'"));
    free(args);
}

/* A run on only some of a source's tasks (as --task makes it): each batch
 * lasts the longest trial of those tasks, fewer steps than the source's T;
 * the trials and outputs are those of a source of that task alone, and
 * the steps past the batch stay 0 (not the network run on whatever the
 * batch buffer held there). */
TEST(task_run_of_some_tasks)
{
    cj_error err = {0};
    char a[] = "fdgo", b[] = "delaygo";
    cj_task tasks[2];
    if (cj_task_parse(a, 0, &tasks[0], &err) || cj_task_parse(b, 1, &tasks[1], &err)) {
        test_fail("%s", err.msg);
        return;
    }
    CHECK(tasks[0].max_steps < tasks[1].max_steps);
    cj_source both, alone;
    cj_model m;
    if (cj_source_task(tasks, 2, 40, 3, CJ_TASK_STREAM_TEST, &both, &err) ||
        cj_source_task(tasks, 1, 40, 3, CJ_TASK_STREAM_TEST, &alone, &err) ||
        cj_model_create_seq(&m, "rnn 8 nonlinearity=softplus tau=100 dt=20, dense 33", (cj_shape){85, 1, 1}, both.T,
                            16, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    cj_model_init(&m, &rng);
    cj_source_task_set_active(&both, 1); /* fdgo only */
    cj_task_run_options o = {.layer = 0, .state_layer = -1, .keep_outputs = 1};
    cj_task_run r1, r2;
    CHECK(cj_task_run_model(&m, &both, 40, &o, &r1, &err) == CJ_OK);
    CHECK(cj_task_run_model(&m, &alone, 40, &o, &r2, &err) == CJ_OK);
    CHECK(r1.T == tasks[1].max_steps && r2.T == tasks[0].max_steps);
    int same = 1, zero = 1;
    for (int i = 0; i < 40; i++) {
        same &= r1.task_of[i] == 0 && r1.trials[i].T == r2.trials[i].T &&
                r1.trials[i].condition[0] == r2.trials[i].condition[0];
        for (int t = 0; t < r1.T; t++)
            for (int j = 0; j < 33; j++) {
                float v = r1.outputs[((size_t)i * r1.T + t) * 33 + j];
                if (t < r2.T) same &= fabsf(v - r2.outputs[((size_t)i * r2.T + t) * 33 + j]) <= 1e-5f;
                else zero &= v == 0;
            }
        for (int t = r2.T; t < r1.T; t++)
            for (int u = 0; u < 8; u++) zero &= r1.states[((size_t)i * r1.T + t) * 8 + u] == 0;
    }
    CHECK(same);
    CHECK(zero);
    cj_task_run_free(&r1);
    cj_task_run_free(&r2);
    cj_model_free(&m);
    cj_source_free(&both);
    cj_source_free(&alone);
}

/* Silenced units reach nothing: with every unit of the layer silenced the
 * outputs are the readout's bias for any input; with some silenced, a
 * change of those units' activity changes no output. */
TEST(lesioned_units_reach_nothing)
{
    const char *specs[] = {"rnn 6 alpha=0.5, dense 2", "gru 6, dense 2", "lstm 6, dense 2"};
    for (int s = 0; s < 3; s++) {
        cj_model m;
        cj_error err;
        if (cj_model_create_seq(&m, specs[s], (cj_shape){3, 1, 1}, 5, 2, &err)) {
            test_fail("%s: %s", specs[s], err.msg);
            continue;
        }
        cj_rng rng;
        cj_rng_seed(&rng, 4);
        cj_model_init(&m, &rng);
        int all[6] = {0, 1, 2, 3, 4, 5};
        CHECK(cj_lesion_units(&m, 0, all, 6, &err) == CJ_OK);
        float x[5 * 2 * 3];
        cj_rng_fill_normal(&rng, x, 30, 1.0f);
        cj_model_reset(&m, 2);
        const float *y = cj_model_forward_seq(&m, x, 5, 2);
        const cj_param *b = cj_layer_param(&m.layers[1], CJ_PARAM_BIAS);
        for (int i = 0; i < 5 * 2; i++)
            for (int j = 0; j < 2; j++) CHECK_NEAR(y[i * 2 + j], b->data[j], 1e-6);
        int bad[1] = {6};
        CHECK(cj_lesion_units(&m, 0, bad, 1, &err) == CJ_ERR_ARG && strstr(err.msg, "unit 6"));
        CHECK(cj_lesion_units(&m, 1, all, 1, &err) == CJ_ERR_ARG && strstr(err.msg, "sends to no later layer"));
        cj_model_free(&m);
    }
}

TEST(analyze_errors)
{
    if (!train_once()) return;
    char out[8192];
    CHECK(analyze("nosuch x", out, sizeof out) == 2 && strstr(out, "unknown analysis 'nosuch'"));
    char *args = cj_path_printf("pca %s --colour red", run_dir);
    CHECK(analyze(args, out, sizeof out) == 2 && strstr(out, "unknown option '--colour'"));
    free(args);
    args = cj_path_printf("pca %s --trials 0", run_dir);
    CHECK(analyze(args, out, sizeof out) == 2 && strstr(out, "--trials '0'"));
    free(args);
    CHECK(analyze("pca", out, sizeof out) == 2 && strstr(out, "no run folder"));
    CHECK(analyze("pca /nonexistent/run", out, sizeof out) == 1 && strstr(out, "/nonexistent/run"));
    /* A network trained on files, not tasks. */
    char *ini = fixture_text(tdir, "npy.ini", "[data]\nformat = idx\n[train]\nepochs = 1\nsteps = 1\n"
                                                    "[data]\ntrain_samples = 64\ntest_samples = 64\n");
    char *idx_run = cj_path_printf("%s/idx", tdir);
    args = cj_path_printf("train %s --out %s --quiet", ini, idx_run);
    if (run_cajal(cajal, args, out, sizeof out) == 0) {
        free(args);
        args = cj_path_printf("pca %s", idx_run);
        CHECK(analyze(args, out, sizeof out) == 1 && strstr(out, "not on tasks"));
    }
    free(args);
    free(idx_run);
    free(ini);
}

int main(void)
{
    tdir = fixture_dir("analyze");
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    RUN(trials_figure);
    RUN(psychometric_fits_follow_the_context);
    RUN(psychometric_compare_reads_the_monkeys);
    RUN(pca_and_tdr_write_their_arrays);
    RUN(fixedpoints_reports_its_points);
    RUN(record_trials_writes_conditions);
    RUN(taskvariance_and_lesion);
    RUN(task_option_picks_the_trials);
    RUN(task_run_of_some_tasks);
    RUN(lesioned_units_reach_nothing);
    RUN(analyze_errors);
    free(run_dir);
    free(two_dir);
    return test_summary("analyze");
}
