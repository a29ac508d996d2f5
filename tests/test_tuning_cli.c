/* test_tuning_cli.c — `cajal tuning` as a user runs it, on small activations
 * folders written here: a task network's [trials, T, units] layer with
 * conditions.csv (a multitask table: --where, --steps by period, trials
 * shorter than T), a flat layer, feature maps with named categories; the
 * files as docs/outputs.md describes them, every number against window
 * means computed here and the library's own tuning of them, and each error
 * as one line with its exit status. Runs the binary named by $CAJAL. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/rng.h"
#include "cajal/trials_csv.h"
#include "cajal/tuning.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"
#include "npy_fixture.h"

enum { N = 48, T = 6, U = 3, FLAT = 2 };

static const char *cajal, *root;
static char output[16384];
static char *task_dir;  /* the task folder: 0_rnn.npy, 1_out.npy, conditions.csv */
static float rnn[N * T * U], flat[N * FLAT];
static double stim_dir[N];
static int is_go[N], steps_of[N], s0[N], s1[N];

#define run(...) run_cajalf(cajal, output, sizeof output, __VA_ARGS__)
#define one_line_with(text) one_line_holding(output, text)

/* Trials alternate between "fdgo" (a direction, a stimulus period) and
 * "dm" (neither: empty cells, as cajal record leaves them). Unit 0 is
 * tuned to the direction during the stimulus only, unit 1 not at all,
 * unit 2 the other way round, late in the trial. Every third trial ends a
 * step early (steps = 5 of T = 6). */
static void make_task_folder(void)
{
    task_dir = cj_path_join(root, "task/acts");
    char *parent = cj_path_join(root, "task");
    mkdir(parent, 0700);
    mkdir(task_dir, 0700);
    free(parent);
    cj_rng rng;
    cj_rng_seed(&rng, 7);
    char *csv = malloc(64 * (N + 1)), *p = csv;
    p += sprintf(p, "trial,task,steps,stim_dir,stim1_start,stim1_end,coh,note\n");
    for (int i = 0; i < N; i++) {
        is_go[i] = i % 2 == 0;
        steps_of[i] = i % 3 == 0 ? 5 : 6;
        stim_dir[i] = (i / 2 % 4) * M_PI / 2; /* 0, 90, 180, 270 degrees, 6 fdgo trials each */
        s0[i] = 1 + i % 2;
        s1[i] = 4;
        for (int t = 0; t < T; t++) {
            float *x = rnn + ((size_t)i * T + t) * U;
            int in_stim = t >= s0[i] && t < s1[i];
            x[0] = (float)((in_stim ? 1 + cos(stim_dir[i] - 0.5) : 0.2) + 0.2 * cj_rng_normal(&rng));
            x[1] = (float)(0.5 + 0.2 * cj_rng_normal(&rng));
            x[2] = (float)((t >= 4 ? 2 * sin(stim_dir[i]) : 0) + 0.2 * cj_rng_normal(&rng));
        }
        flat[i * FLAT] = (float)(stim_dir[i] + 0.3 * cj_rng_normal(&rng));
        flat[i * FLAT + 1] = (float)cj_rng_normal(&rng);
        if (is_go[i])
            p += sprintf(p, "%d,fdgo,%d,%.17g,%d,%d,0.5,\"a, b\"\n", i, steps_of[i], stim_dir[i], s0[i], s1[i]);
        else
            p += sprintf(p, "%d,dm,%d,,,,0.5,x\n", i, steps_of[i]);
    }
    free(fixture_text(task_dir, "conditions.csv", csv));
    free(csv);
    int64_t shape3[] = {N, T, U}, shape2[] = {N, FLAT};
    free(npy_f32(task_dir, "0_rnn.npy", 3, shape3, rnn));
    free(npy_f32(task_dir, "1_out.npy", 2, shape2, flat));
}

/* The window means of the kept trials, as a [N, U] array (0 elsewhere). */
static void window_means(const int *start, const int *end, float *out)
{
    for (int i = 0; i < N; i++)
        for (int u = 0; u < U; u++) {
            double s = 0;
            int a = start[i], b = end[i] < steps_of[i] ? end[i] : steps_of[i];
            for (int t = a; t < b; t++) s += rnn[((size_t)i * T + t) * U + u];
            out[i * U + u] = b > a ? (float)(s / (b - a)) : 0;
        }
}

/* The library's tuning of x [N, units] to the fdgo trials' directions. */
static int library_tuning(const float *x, int units, cj_tuning_levels *lv, cj_tuning *t)
{
    const char *values[N];
    char text[N][32];
    unsigned char keep[N];
    for (int i = 0; i < N; i++) {
        snprintf(text[i], sizeof text[i], "%.17g", stim_dir[i]);
        values[i] = is_go[i] ? text[i] : "";
        keep[i] = (unsigned char)is_go[i];
    }
    cj_tuning_level_opts o = {.circular = CJ_TUNING_RADIANS};
    cj_error e;
    if (cj_tuning_levels_make(values, N, keep, &o, lv, &e) || cj_tuning_compute(x, N, units, lv, t, &e)) {
        test_fail("library: %s", e.msg);
        return 0;
    }
    return 1;
}

static int same(double got, double want)
{
    if (isnan(want) || isnan(got)) return isnan(want) && isnan(got);
    if (isinf(want)) return got == want;
    return fabs(got - want) <= 1e-8 * fmax(1.0, fabs(want));
}

static double cell_num(const cj_trials_text *c, int row, const char *col)
{
    int j = cj_trials_text_find(c, col);
    if (j < 0) {
        test_fail("no column %s", col);
        return NAN;
    }
    const char *s = c->cells[(size_t)row * c->n_cols + j];
    return !strcmp(s, "nan") ? NAN : !strcmp(s, "inf") ? INFINITY : strtod(s, NULL);
}

static const char *cell(const cj_trials_text *c, int row, const char *col)
{
    int j = cj_trials_text_find(c, col);
    return j < 0 ? "?" : c->cells[(size_t)row * c->n_cols + j];
}

static int read_csv(const char *dir, const char *name, const char *header, cj_trials_text *c)
{
    char *path = cj_path_join(dir, name);
    char *text = fixture_read(path, NULL);
    int ok = text && !strncmp(text, header, strlen(header)) && text[strlen(header)] == '\n';
    if (!ok) test_fail("%s does not start with '%s'", name, header);
    cj_error e;
    if (ok && cj_trials_csv_read_text(path, NULL, 0, c, &e)) {
        test_fail("%s: %s", name, e.msg);
        ok = 0;
    }
    free(text);
    free(path);
    return ok;
}

static int file_exists(const char *dir, const char *name)
{
    char *path = cj_path_join(dir, name);
    struct stat s;
    int ok = stat(path, &s) == 0 && s.st_size > 1000;
    free(path);
    return ok;
}

/* The rows of one layer in tuning.csv and units.csv against the library. */
static void check_layer(const cj_trials_text *tc, int *row_t, const cj_trials_text *uc, int *row_u, const char *layer,
                        const cj_tuning *t, const cj_tuning_levels *lv)
{
    for (int u = 0; u < t->n_units; u++) {
        for (int k = 0; k < t->n_levels; k++, ++*row_t) {
            int r = *row_t;
            size_t c = (size_t)u * t->n_levels + k;
            if (r >= tc->n_rows || strcmp(cell(tc, r, "layer"), layer) || (int)cell_num(tc, r, "unit") != u ||
                strcmp(cell(tc, r, "level"), lv->labels[k])) {
                test_fail("tuning.csv row %d is not %s unit %d level %s", r, layer, u, lv->labels[k]);
                return;
            }
            if (!same(cell_num(tc, r, "x"), lv->x[k]) || !same(cell_num(tc, r, "mean"), t->mean[c]) ||
                !same(cell_num(tc, r, "sd"), t->sd[c]) || !same(cell_num(tc, r, "sem"), t->sem[c]) ||
                (int)cell_num(tc, r, "n") != t->n[k])
                test_fail("tuning.csv row %d (%s unit %d level %d): %s,%s,%s,%s vs the library's %.9g,%.9g,%.9g", r,
                          layer, u, k, cell(tc, r, "mean"), cell(tc, r, "sd"), cell(tc, r, "sem"), cell(tc, r, "n"),
                          t->mean[c], t->sd[c], t->sem[c]);
        }
        int r = (*row_u)++;
        if (r >= uc->n_rows || strcmp(cell(uc, r, "layer"), layer) || (int)cell_num(uc, r, "unit") != u) {
            test_fail("units.csv row %d is not %s unit %d", r, layer, u);
            return;
        }
        const char *pref = t->preferred[u] >= 0 ? lv->labels[t->preferred[u]] : "";
        if (strcmp(cell(uc, r, "preferred"), pref) || !same(cell_num(uc, r, "F"), t->F[u]) ||
            !same(cell_num(uc, r, "p"), t->p[u]) || !same(cell_num(uc, r, "eta2"), t->eta2[u]))
            test_fail("units.csv row %d: %s,%s,%s,%s vs %s,%.9g,%.9g,%.9g", r, cell(uc, r, "preferred"),
                      cell(uc, r, "F"), cell(uc, r, "p"), cell(uc, r, "eta2"), pref, t->F[u], t->p[u], t->eta2[u]);
        if (t->pref_dir && (!same(cell_num(uc, r, "pref_dir"), t->pref_dir[u]) ||
                            !same(cell_num(uc, r, "depth"), t->depth[u])))
            test_fail("units.csv row %d: pref_dir %s depth %s vs %.9g %.9g", r, cell(uc, r, "pref_dir"),
                      cell(uc, r, "depth"), t->pref_dir[u], t->depth[u]);
    }
}

TEST(help_and_registration)
{
    CHECK(run("--help") == 0 && strstr(output, "tuning"));
    CHECK(run("tuning --help") == 0 && strstr(output, "--variable") && strstr(output, "--steps") &&
          strstr(output, "--circular") && strstr(output, "units.csv"));
}

TEST(task_layers_over_the_stimulus_period)
{
    char *out = cj_path_join(root, "out_stim");
    CHECK(run("tuning %s --variable stim_dir --circular rad --where task=fdgo --steps stim1 --out %s --top 2",
              task_dir, out) == 0);
    CHECK(strstr(output, "cajal tuning: 0_rnn (3 units, steps averaged):") && strstr(output, "1_out (2 units)") &&
          strstr(output, "wrote"));
    float means[N * U];
    window_means(s0, s1, means);
    cj_tuning_levels lv;
    cj_tuning t0, t1;
    cj_trials_text tc, uc;
    if (library_tuning(means, U, &lv, &t0)) {
        CHECK(lv.n_levels == 4 && lv.n_used == N / 2);
        cj_tuning_levels lv1 = {0};
        int ok1 = library_tuning(flat, FLAT, &lv1, &t1);
        if (ok1 && read_csv(out, "tuning.csv", "layer,unit,level,x,mean,sd,sem,n", &tc)) {
            if (read_csv(out, "units.csv", "layer,unit,preferred,F,p,eta2,pref_dir,depth", &uc)) {
                CHECK(tc.n_rows == (U + FLAT) * 4 && uc.n_rows == U + FLAT);
                int rt = 0, ru = 0;
                check_layer(&tc, &rt, &uc, &ru, "0_rnn", &t0, &lv);
                check_layer(&tc, &rt, &uc, &ru, "1_out", &t1, &lv);
                /* the designed tuning: unit 0 prefers 0.5 rad in the stimulus, unit 2 is untuned then */
                CHECK(t0.p[0] < 1e-6 && fabs(t0.pref_dir[0] - 0.5) < 0.3 && t0.p[2] > 1e-3);
                CHECK(!strcmp(cell(&tc, 0, "level"), "0") && !strcmp(cell(&tc, 1, "level"), "1.5707963267948966"));
                cj_trials_text_free(&uc);
            }
            cj_trials_text_free(&tc);
        }
        if (ok1) cj_tuning_free(&t1);
        cj_tuning_levels_free(&lv1);
        cj_tuning_free(&t0);
        cj_tuning_levels_free(&lv);
    }
    CHECK(file_exists(out, "tuning_0_rnn.png") && file_exists(out, "tuning_1_out.png"));
    char *json = cj_path_join(out, "tuning.json"), *text = fixture_read(json, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    CHECK(j && cJSON_GetArraySize(cJSON_GetObjectItem(j, "levels")) == 4 &&
          cJSON_GetObjectItem(j, "stimuli_used")->valuedouble == N / 2 &&
          cJSON_GetObjectItem(j, "left_out_by_where")->valuedouble == N / 2 &&
          !strcmp(cJSON_GetObjectItem(j, "steps")->valuestring, "stim1") &&
          cJSON_GetArraySize(cJSON_GetObjectItem(j, "layers")) == 2);
    cJSON_Delete(j);
    free(text);
    free(json);
    free(out);
}

TEST(late_steps_by_number_and_one_layer)
{
    /* --steps 4: (to the end of each trial, 5 or 6) and --layer: unit 2's tuning shows */
    char *out = cj_path_join(root, "out_late");
    CHECK(run("tuning %s --variable %s/conditions.csv:stim_dir --circular rad --where task=fdgo --steps 4: "
              "--layer 0_rnn --out %s --quiet", task_dir, task_dir, out) == 0);
    /* --quiet: the closing line only (a sanitizer build may add its own report) */
    CHECK(strstr(output, "wrote") && !strstr(output, "steps averaged"));
    int a[N], b[N];
    for (int i = 0; i < N; i++) a[i] = 4, b[i] = T;
    float means[N * U];
    window_means(a, b, means);
    cj_tuning_levels lv;
    cj_tuning t;
    cj_trials_text tc, uc;
    if (library_tuning(means, U, &lv, &t)) {
        CHECK(t.p[2] < 1e-6 && t.p[0] > 1e-3);
        if (read_csv(out, "tuning.csv", "layer,unit,level,x,mean,sd,sem,n", &tc)) {
            if (read_csv(out, "units.csv", "layer,unit,preferred,F,p,eta2,pref_dir,depth", &uc)) {
                int rt = 0, ru = 0;
                CHECK(tc.n_rows == U * 4 && uc.n_rows == U);
                check_layer(&tc, &rt, &uc, &ru, "0_rnn", &t, &lv);
                cj_trials_text_free(&uc);
            }
            cj_trials_text_free(&tc);
        }
        cj_tuning_free(&t);
        cj_tuning_levels_free(&lv);
    }
    CHECK(!file_exists(out, "tuning_1_out.png"));
    free(out);
}

TEST(feature_maps_and_named_categories)
{
    /* [12 stimuli, 2 channels, 2, 3] maps; categories.csv found without a file name */
    char *dir = cj_path_join(root, "maps");
    mkdir(dir, 0700);
    enum { S = 12, C = 2, H = 2, W = 3 };
    static const char *const cats[] = {"face", "body", "tool"};
    float m[S * C * H * W];
    char csv[1024], *p = csv;
    p += sprintf(p, "stimulus,category,animal\n");
    for (int i = 0; i < S; i++) {
        for (int j = 0; j < C * H * W; j++)
            m[i * C * H * W + j] = (float)(j < H * W ? (i % 3 == 0) * 2.0 + 0.1 * ((i * 7 + j) % 5) : 0.3 * (j % 4) + 0.01 * i);
        p += sprintf(p, "img%02d,%s,%d\n", i, cats[i % 3], i % 3 != 2);
    }
    int64_t shape[] = {S, C, H, W};
    free(npy_f32(dir, "conv.npy", 4, shape, m));
    free(fixture_text(dir, "categories.csv", csv));
    char *out = cj_path_join(root, "out_maps");
    CHECK(run("tuning %s --variable category --out %s", dir, out) == 0);
    CHECK(strstr(output, "conv (2 units, channels (mean over positions))") &&
          strstr(output, "preferred face"));
    cj_trials_text tc, uc;
    if (read_csv(out, "units.csv", "layer,unit,preferred,F,p,eta2", &uc)) {
        CHECK(uc.n_rows == 2 && !strcmp(cell(&uc, 0, "preferred"), "face"));
        cj_trials_text_free(&uc);
    }
    if (read_csv(out, "tuning.csv", "layer,unit,level,x,mean,sd,sem,n", &tc)) {
        /* channel 0, faces (stimuli 0, 3, 6, 9): the mean over the 6 positions of 2 + 0.1 ((7i + j) % 5) */
        double want = 0;
        for (int i = 0; i < S; i += 3)
            for (int j = 0; j < H * W; j++) want += 2.0 + 0.1 * ((i * 7 + j) % 5);
        want /= 4 * H * W;
        CHECK(tc.n_rows == 2 * 3 && !strcmp(cell(&tc, 0, "level"), "face") && !strcmp(cell(&tc, 2, "level"), "tool"));
        CHECK(fabs(cell_num(&tc, 0, "mean") - want) < 1e-6 && (int)cell_num(&tc, 0, "n") == 4 &&
              cell_num(&tc, 1, "x") == 1);
        cj_trials_text_free(&tc);
    }
    CHECK(file_exists(out, "tuning_conv.png"));
    /* one position; a numeric 0/1 variable */
    CHECK(run("tuning %s --variable animal --position 1,2 --out %s --quiet", dir, out) == 0);
    if (read_csv(out, "tuning.csv", "layer,unit,level,x,mean,sd,sem,n", &tc)) {
        /* channel 0 at (1, 2) = element 5 of the map; animal 0 = stimuli 2, 5, 8, 11 */
        double want = 0;
        for (int i = 2; i < S; i += 3) want += m[i * C * H * W + 5];
        CHECK(!strcmp(cell(&tc, 0, "level"), "0") && fabs(cell_num(&tc, 0, "mean") - want / 4) < 1e-6);
        cj_trials_text_free(&tc);
    }
    CHECK(run("tuning %s --variable category --position 2,0 --out %s", dir, out) == 1 &&
          one_line_with("position 2,0 is outside the 2 x 3 feature maps"));
    CHECK(run("tuning %s --variable category --bins 3 --out %s", dir, out) == 1 &&
          one_line_with("categories.csv, column 'category': stimulus 0: 'face' is not a number, and --bins needs "
                        "numbers (line 2)"));
    CHECK(run("tuning %s --variable category --steps 0:2 --out %s", dir, out) == 1 &&
          one_line_with("--steps: no layer of"));
    free(out);
    free(dir);
}

TEST(errors_are_one_line)
{
    char *out = cj_path_join(root, "out_err");
    const char *d = task_dir;
    CHECK(run("tuning %s --variable nope --out %s", d, out) == 1 &&
          one_line_with("conditions.csv: no column 'nope' (its columns: trial, task, steps, stim_dir"));
    CHECK(run("tuning %s --variable stim_dir --circular rad --out %s", d, out) == 1 &&
          one_line_with("column 'stim_dir': stimulus 1 has no value (an empty cell) (line 3)"));
    CHECK(run("tuning %s --variable coh --out %s", d, out) == 1 &&
          one_line_with("column 'coh': one level ('0.5' for all 48 stimuli used): a tuning curve needs at least two"));
    CHECK(run("tuning %s --variable stim_dir --where task=xyz --out %s", d, out) == 1 &&
          one_line_with("--where 'task=xyz': no row of"));
    CHECK(run("tuning %s --variable stim_dir --where task --out %s", d, out) == 1 &&
          one_line_with("--where 'task': expected COLUMN=VALUE"));
    CHECK(run("tuning %s --variable stim_dir --where mood=1 --out %s", d, out) == 1 &&
          one_line_with("has no column 'mood'"));
    CHECK(run("tuning %s --variable stim_dir --where task=fdgo --steps delay1 --out %s", d, out) == 1 &&
          one_line_with("--steps 'delay1':") && strstr(output, "no columns delay1_start and delay1_end (its periods: "
                                                                "stim1)"));
    CHECK(run("tuning %s --variable stim_dir --where task=fdgo --steps 7:9 --out %s", d, out) == 1 &&
          one_line_with("the window of steps 7:5 is empty within the trial's steps"));
    CHECK(run("tuning %s --variable stim_dir --where task=fdgo --steps stim1_start:wat --out %s", d, out) == 1 &&
          one_line_with("--steps: 'wat' is neither a step number nor a column of"));
    CHECK(run("tuning %s --variable stim_dir --where task=dm --steps stim1 --out %s", d, out) == 1 &&
          one_line_with("column 'stim_dir': stimulus 1 has no value"));
    CHECK(run("tuning %s --variable note --steps stim1 --out %s", d, out) == 1 &&
          one_line_with("line 3, column 'stim1_start': '' is not a step (a whole number >= 0); the trial has no such "
                        "period (select trials with --where task=...)"));
    CHECK(run("tuning %s --variable trial --where task=fdgo --max-levels 10 --out %s", d, out) == 1 &&
          one_line_with("24 distinct values (0 to 46): too many levels for tuning curves (at most 10); bin them"));
    CHECK(run("tuning %s --variable stim_dir --where task=fdgo --layer 9_nope --out %s", d, out) == 1 &&
          one_line_with("--layer:") && strstr(output, "9_nope"));
    CHECK(run("tuning %s --variable stim_dir --where task=fdgo --position 0,0 --out %s", d, out) == 1 &&
          one_line_with("--position: no layer of"));
    char *short_csv = fixture_text(root, "short.csv", "x\n1\n2\n1\n");
    CHECK(run("tuning %s --variable %s:x --out %s", d, short_csv, out) == 1 &&
          one_line_with("short.csv has 3 rows but") && strstr(output, "has 48 stimuli: the table needs one row per "
                                                                     "stimulus"));
    CHECK(run("tuning %s/nothing --variable x --out %s", root, out) == 2 &&
          one_line_with("names no file, and") && strstr(output, "neither conditions.csv nor categories.csv"));
    CHECK(run("tuning %s/nothing --variable %s:x --out %s", root, short_csv, out) == 1 &&
          one_line_with("cannot open the activations folder"));
    /* usage errors: exit 2 */
    CHECK(run("tuning %s --variable stim_dir --circular grad", d) == 2 && one_line_with("expected rad or deg"));
    CHECK(run("tuning %s --variable stim_dir --bins 1", d) == 2 && one_line_with("--bins '1' is not a whole number"));
    CHECK(run("tuning %s --variable stim_dir --edges 3,1", d) == 2 && one_line_with("increasing numbers"));
    CHECK(run("tuning %s --variable stim_dir --edges 3", d) == 2 && one_line_with("give at least two"));
    CHECK(run("tuning %s --variable stim_dir --bins 3 --edges 0,1", d) == 2 && one_line_with("choose one"));
    CHECK(run("tuning %s --variable stim_dir --position a,b", d) == 2 && one_line_with("expected Y,X"));
    CHECK(run("tuning %s --variable stim_dir --top 0", d) == 2 && one_line_with("--top '0'"));
    CHECK(run("tuning %s --variable stim_dir --colour red", d) == 2 && one_line_with("unknown option '--colour'"));
    CHECK(run("tuning %s --variable stim_dir --bins", d) == 2 && one_line_with("needs a value"));
    CHECK(run("tuning %s %s --variable x", d, d) == 2 && one_line_with("unexpected argument"));
    CHECK(run("tuning %s --variable %s:", d, short_csv) == 2 && one_line_with("no column after the ':'"));
    CHECK(run("tuning %s", d) == 2 && strstr(output, "cajal tuning: --variable [FILE.csv:]COLUMN is needed") &&
          strstr(output, "usage: cajal tuning"));
    free(short_csv);
    free(out);
}

TEST(bins_and_edges_from_the_command_line)
{
    char *out = cj_path_join(root, "out_bins");
    CHECK(run("tuning %s --variable trial --bins 4 --layer 1_out --out %s --quiet", task_dir, out) == 0);
    cj_trials_text tc;
    if (read_csv(out, "tuning.csv", "layer,unit,level,x,mean,sd,sem,n", &tc)) {
        /* trials 0..47 in 4 equal-count bins of 12: (-inf..11.75], ... as labels lo..hi */
        CHECK(tc.n_rows == FLAT * 4 && !strcmp(cell(&tc, 0, "level"), "0..11.75") &&
              (int)cell_num(&tc, 0, "n") == 12 && cell_num(&tc, 0, "x") == 5.5);
        cj_trials_text_free(&tc);
    }
    CHECK(run("tuning %s --variable trial --edges 10,20,30 --layer 1_out --out %s --quiet", task_dir, out) == 0);
    if (read_csv(out, "tuning.csv", "layer,unit,level,x,mean,sd,sem,n", &tc)) {
        /* [10, 20] holds 11 trials (10..20), (20, 30] 10 */
        CHECK(tc.n_rows == FLAT * 2 && (int)cell_num(&tc, 0, "n") == 11 && (int)cell_num(&tc, 1, "n") == 10);
        cj_trials_text_free(&tc);
    }
    char *json = cj_path_join(out, "tuning.json"), *text = fixture_read(json, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    CHECK(j && cJSON_GetObjectItem(j, "outside_edges")->valuedouble == N - 21 &&
          !strcmp(cJSON_GetObjectItem(j, "levels_from")->valuestring, "edges"));
    cJSON_Delete(j);
    free(text);
    free(json);
    free(out);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    root = fixture_dir("tuning_cli");
    make_task_folder();
    RUN(help_and_registration);
    RUN(task_layers_over_the_stimulus_period);
    RUN(late_steps_by_number_and_one_layer);
    RUN(feature_maps_and_named_categories);
    RUN(errors_are_one_line);
    RUN(bins_and_edges_from_the_command_line);
    free(task_dir);
    return test_summary("tuning_cli");
}
