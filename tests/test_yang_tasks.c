/* test_yang_tasks.c — the 20 tasks of Yang et al. (2019) (src/tasks/yang*.c).
 *
 * For every task, with sigma = 0: the periods are Yang's epochs with
 * durations in the ranges of his code (task.py, random mode); the inputs
 * are the fixation input, the stimuli on the ring each condition names
 * (recomputed here from the conditions with the bump formula) and the
 * rule one-hot; the conditions follow the task's rules (the target is the
 * stimulus, its opposite, the stronger one, the test on go trials only);
 * the targets and the mask are the paper's; the score of hand-made
 * outputs (the targets themselves, a wrong direction, a response on a
 * no-go trial, fixation broken, no response) is what Yang's performance
 * says; trials are reproducible by seed. The ring code (bump, population
 * vector, get_perf) is checked against values written by
 * tools/make_yang_refs.py from Yang's formulas. And all 20 tasks parse as
 * one list and fill one batch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/tasks/yang.h"
#include "cajal/tasks.h"
#include "harness.h"
#include "task_fixture.h"
#include "ref_text.h"

static const double PI = 3.14159265358979323846;

/* ---- what each task should be ------------------------------------------------ */

typedef enum { F_FD, F_REACT, F_DELAYGO, F_DM, F_DELAYDM, F_DMS, F_DMC } family;

static const struct {
    const char *name;
    family fam;
    int anti;        /* go family: respond opposite */
    int attend;      /* dm family: 1, 2, or 0 = both summed */
    int both_rings;  /* dm family: stimuli on both rings */
    int go_on_match; /* match family */
} TASKS[20] = {
    {"fdgo", F_FD, 0, 0, 0, 0},
    {"reactgo", F_REACT, 0, 0, 0, 0},
    {"delaygo", F_DELAYGO, 0, 0, 0, 0},
    {"fdanti", F_FD, 1, 0, 0, 0},
    {"reactanti", F_REACT, 1, 0, 0, 0},
    {"delayanti", F_DELAYGO, 1, 0, 0, 0},
    {"dm1", F_DM, 0, 1, 0, 0},
    {"dm2", F_DM, 0, 2, 0, 0},
    {"contextdm1", F_DM, 0, 1, 1, 0},
    {"contextdm2", F_DM, 0, 2, 1, 0},
    {"multidm", F_DM, 0, 0, 1, 0},
    {"delaydm1", F_DELAYDM, 0, 1, 0, 0},
    {"delaydm2", F_DELAYDM, 0, 2, 0, 0},
    {"contextdelaydm1", F_DELAYDM, 0, 1, 1, 0},
    {"contextdelaydm2", F_DELAYDM, 0, 2, 1, 0},
    {"multidelaydm", F_DELAYDM, 0, 0, 1, 0},
    {"dmsgo", F_DMS, 0, 0, 0, 1},
    {"dmsnogo", F_DMS, 0, 0, 0, 0},
    {"dmcgo", F_DMC, 0, 0, 0, 1},
    {"dmcnogo", F_DMC, 0, 0, 0, 0},
};

/* Yang's epochs and their durations in ms: a set of values, or [lo, hi]. */
typedef struct {
    const char *name;
    int uniform;
    int n;
    float v[4];
} epoch;

typedef struct {
    int n;
    epoch e[6];
} epochs;

static const epochs *expected_epochs(family f)
{
    static const epochs FD = {3, {{"fix1", 1, 2, {300, 700}}, {"stim1", 1, 2, {500, 1500}}, {"go1", 0, 1, {500}}}};
    static const epochs REACT = {2, {{"fix1", 1, 2, {500, 2500}}, {"go1", 0, 1, {500}}}};
    static const epochs DELAYGO = {4,
                                   {{"fix1", 0, 3, {300, 500, 700}},
                                    {"stim1", 0, 3, {200, 400, 600}},
                                    {"delay1", 0, 4, {200, 400, 800, 1600}},
                                    {"go1", 0, 1, {500}}}};
    static const epochs DM = {3, {{"fix1", 1, 2, {100, 400}}, {"stim1", 0, 3, {400, 800, 1600}}, {"go1", 0, 1, {500}}}};
    static const epochs DELAYDM = {6,
                                   {{"fix1", 0, 3, {200, 400, 600}},
                                    {"stim1", 0, 3, {200, 400, 600}},
                                    {"delay1", 0, 4, {200, 400, 800, 1600}},
                                    {"stim2", 0, 3, {200, 400, 600}},
                                    {"delay2", 1, 2, {100, 300}},
                                    {"go1", 0, 1, {500}}}};
    static const epochs DMS = {4,
                               {{"fix1", 0, 3, {200, 400, 600}},
                                {"stim1", 0, 3, {200, 400, 600}},
                                {"delay1", 0, 4, {200, 400, 800, 1600}},
                                {"go1", 0, 1, {500}}}};
    static const epochs DMC = {4,
                               {{"fix1", 0, 3, {200, 400, 600}},
                                {"stim1", 0, 3, {200, 400, 600}},
                                {"delay1", 0, 4, {200, 400, 800, 1600}},
                                {"go1", 0, 3, {200, 400, 600}}}};
    switch (f) {
    case F_FD: return &FD;
    case F_REACT: return &REACT;
    case F_DELAYGO: return &DELAYGO;
    case F_DM: return &DM;
    case F_DELAYDM: return &DELAYDM;
    case F_DMS: return &DMS;
    default: return &DMC;
    }
}

/* ---- helpers ------------------------------------------------------------------ */


static int count_names(const char *list)
{
    int n = 1;
    for (const char *p = list; *p; p++) n += *p == ',';
    return n;
}

/* Periodic distance and the bump, written again from the paper: d in
 * units of pi / 8, 0.8 exp(-d^2 / 2). */
static double ring_distance(double a, double b)
{
    double d = fmod(fabs(a - b), 2 * PI);
    return d < 2 * PI - d ? d : 2 * PI - d;
}

static double bump(double dir, int k)
{
    double d = ring_distance(dir, 2 * PI * k / 32) / (PI / 8);
    return 0.8 * exp(-d * d / 2);
}

static int nearest_unit(double dir)
{
    int best = 0;
    for (int k = 1; k < 32; k++)
        if (ring_distance(dir, 2 * PI * k / 32) < ring_distance(dir, 2 * PI * best / 32)) best = k;
    return best;
}

static int in_set(double ms, const float *v, int n, double tol)
{
    for (int i = 0; i < n; i++)
        if (fabs(ms - v[i]) <= tol) return 1;
    return 0;
}

static int period(const cj_trial *tr, const char *name, int *a, int *b)
{
    cj_trial_period(tr, name, a, b);
    return *b > *a;
}

/* The 64 ring inputs task k should show at step s of trial tr. */
static void expected_rings(int k, const cj_trial *tr, int s, double *ring)
{
    memset(ring, 0, sizeof(double) * 64);
    const double *c = tr->condition;
    int go, g1, a0, a1, b0 = 0, b1 = 0;
    cj_trial_period(tr, "go1", &go, &g1);
    cj_trial_period(tr, "stim1", &a0, &a1);
    switch (TASKS[k].fam) {
    case F_FD:
    case F_REACT:
    case F_DELAYGO: {
        int on = TASKS[k].fam == F_FD ? s >= a0 : TASKS[k].fam == F_REACT ? s >= go : s >= a0 && s < a1;
        if (on)
            for (int u = 0; u < 32; u++) ring[((int)c[2] - 1) * 32 + u] = bump(c[1], u);
        break;
    }
    case F_DM:
    case F_DELAYDM: {
        if (TASKS[k].fam == F_DELAYDM)
            cj_trial_period(tr, "stim2", &b0, &b1);
        else
            b0 = a0, b1 = a1;
        for (int ring_i = 0; ring_i < 2; ring_i++)
            for (int u = 0; u < 32; u++)
                ring[ring_i * 32 + u] = (s >= a0 && s < a1 ? c[3 + 2 * ring_i] * bump(c[1], u) : 0) +
                                        (s >= b0 && s < b1 ? c[4 + 2 * ring_i] * bump(c[2], u) : 0);
        break;
    }
    default:
        for (int u = 0; u < 32; u++) {
            if (s >= a0 && s < a1) ring[((int)c[3] - 1) * 32 + u] += bump(c[1], u);
            if (s >= go) ring[((int)c[4] - 1) * 32 + u] += bump(c[2], u);
        }
    }
}

/* The target direction task k should ask for, from the other conditions. */
static double expected_target(int k, const cj_trial *tr)
{
    const double *c = tr->condition;
    switch (TASKS[k].fam) {
    case F_FD:
    case F_REACT:
    case F_DELAYGO: return TASKS[k].anti ? fmod(c[1] + PI, 2 * PI) : c[1];
    case F_DM:
    case F_DELAYDM: {
        int a = TASKS[k].attend;
        double s1 = a ? c[3 + 2 * (a - 1)] : c[3] + c[5], s2 = a ? c[4 + 2 * (a - 1)] : c[4] + c[6];
        return s1 > s2 ? c[1] : c[2];
    }
    default: return (c[5] != 0) == TASKS[k].go_on_match ? c[2] : -1;
    }
}

/* ---- registration and options ------------------------------------------------ */

TEST(all_twenty_are_registered_with_yang_shape)
{
    for (int k = 0; k < 20; k++) {
        cj_task t;
        if (!task_parse_ok(TASKS[k].name, &t)) continue;
        CHECK(cj_yang_rule_index(TASKS[k].name) == k);
        CHECK(t.n_obs == 85 && t.n_actions == 33 && t.ops->target == CJ_TARGET_VALUES && t.ops->score);
        CHECK(t.dt == 20 && t.sigma == 0.1414f);
        CHECK(count_names(t.obs_names) == 85 && count_names(t.action_names) == 33);
        CHECK(!strncmp(t.ops->conditions, "target_dir,", 11));
        CHECK(count_names(t.ops->conditions) <= CJ_TASK_MAX_CONDITIONS);
        /* The rule input of task k is named after it. */
        char rule[48];
        snprintf(rule, sizeof rule, ",rule_%s,", TASKS[k].name);
        char names[1200];
        snprintf(names, sizeof names, "%s,", t.obs_names);
        CHECK(strstr(names, rule) != NULL);
        const char *p = names;
        for (int i = 0; i < 65 + k; i++) p = strchr(p, ',') + 1;
        CHECK(!strncmp(p, rule + 1, strlen(rule) - 1));
        /* Written back in full, it parses to the same item. */
        char text[512], again_text[512];
        cj_task_format(&t, text, sizeof text);
        cj_task again;
        if (!task_parse_ok(text, &again)) continue;
        cj_task_format(&again, again_text, sizeof again_text);
        CHECK(!strcmp(text, again_text));
        CHECK(again.sigma == t.sigma);
    }
    cj_task t;
    if (task_parse_ok("dm1", &t)) {
        char text[512];
        cj_task_format(&t, text, sizeof text);
        CHECK(!strcmp(text, "dm1 dt=20 sigma=0.1414 fix1=uniform:100:400 stim1=choice:400:800:1600 go1=500 "
                            "coherences=0.01:0.02:0.04:0.08"));
    }
    if (task_parse_ok("delaydm2", &t)) {
        char text[512];
        cj_task_format(&t, text, sizeof text);
        CHECK(strstr(text, " coherences=0.08:0.16:0.32") != NULL);
    }
    if (task_parse_ok("fdgo sigma=1", &t)) CHECK(t.sigma == 1);
}

TEST(options_are_checked)
{
    const struct {
        const char *spec, *want;
    } bad[] = {
        {"dm1 coherences=0", "coherences=0: '0' is not a number from 0.001 to 0.8"},
        {"fdgo coherences=0.1", "unknown option 'coherences' (dt=, sigma=, weight=, fix1=, stim1=, go1=)"},
        {"dmsgo stim2=100", "unknown option 'stim2'"},
        {"delaygo delay1=choice:x", "delay1=choice:x"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", bad[i].spec);
        cj_error err = {0};
        cj_task t;
        if (cj_task_parse(buf, 1, &t, &err) == CJ_OK)
            test_fail("'%s' parsed", bad[i].spec);
        else if (!strstr(err.msg, bad[i].want))
            test_fail("'%s': '%s' lacks '%s'", bad[i].spec, err.msg, bad[i].want);
    }
    cj_task t;
    if (task_parse_ok("dm2 coherences=0.5 stim1=1000", &t)) {
        task_trials f;
        if (task_trials_make(&t, 1, 16, 3, 0, &f)) {
            for (int b = 0; b < 16; b++) {
                const double *c = f.trials[b].condition;
                CHECK_NEAR(fabs(c[5] - c[6]) / 2, 0.5, 1e-5);
                int a0, a1;
                CHECK(period(&f.trials[b], "stim1", &a0, &a1) && a1 - a0 == 50);
            }
            task_trials_free(&f);
        }
    }
}

/* ---- trials --------------------------------------------------------------------- */

enum { B = 48 };

TEST(periods_are_yang_epochs_in_his_ranges)
{
    for (int k = 0; k < 20; k++) {
        char spec[64];
        snprintf(spec, sizeof spec, "%s sigma=0", TASKS[k].name);
        cj_task t;
        task_trials f;
        if (!task_parse_ok(spec, &t) || !task_trials_make(&t, 1, B, 11, 0, &f)) continue;
        const epochs *want = expected_epochs(TASKS[k].fam);
        int longest = 0, failed = 0;
        for (int b = 0; b < B && !failed; b++) {
            const cj_trial *tr = &f.trials[b];
            longest = tr->T > longest ? tr->T : longest;
            failed |= tr->n_periods != want->n;
            int step = 0;
            for (int i = 0; i < want->n && !failed; i++) {
                const epoch *e = &want->e[i];
                double ms = (tr->period[i].end - tr->period[i].start) * (double)t.dt;
                /* Uniform draws are rounded to the nearest step. */
                int ok = !strcmp(tr->period[i].name, e->name) && tr->period[i].start == step &&
                         (e->uniform ? ms >= e->v[0] - t.dt / 2 && ms <= e->v[1] + t.dt / 2 : in_set(ms, e->v, e->n, 1e-3));
                if (!ok) {
                    test_fail("%s trial %d: period %d is %s [%d, %d) = %g ms, expected %s", TASKS[k].name, b, i,
                              tr->period[i].name, tr->period[i].start, tr->period[i].end, ms, e->name);
                    failed = 1;
                }
                step = tr->period[i].end;
            }
            int go, g1;
            cj_trial_period(tr, "go1", &go, &g1);
            if (!failed && (step != tr->T || tr->response_start != go || tr->response_end != tr->T || g1 != tr->T)) {
                test_fail("%s trial %d: T %d, response [%d, %d), go1 [%d, %d)", TASKS[k].name, b, tr->T,
                          tr->response_start, tr->response_end, go, g1);
                failed = 1;
            }
        }
        CHECK(f.src.T == t.max_steps && longest <= t.max_steps);
        task_trials_free(&f);
    }
}

TEST(inputs_are_fixation_rings_and_rule)
{
    for (int k = 0; k < 20; k++) {
        char spec[64];
        snprintf(spec, sizeof spec, "%s sigma=0", TASKS[k].name);
        cj_task t;
        task_trials f;
        if (!task_parse_ok(spec, &t) || !task_trials_make(&t, 1, B, 12, 0, &f)) continue;
        int T = f.src.T, failed = 0;
        double ring[64];
        for (int b = 0; b < B && !failed; b++) {
            const cj_trial *tr = &f.trials[b];
            int go = tr->response_start;
            /* The fixation input goes off at the go cue, except where the
             * stimulus onset is the go cue (react, dms, dmc). */
            family fam = TASKS[k].fam;
            int fix_end = fam == F_REACT || fam == F_DMS || fam == F_DMC ? tr->T : go;
            for (int s = 0; s < T && !failed; s++) {
                const float *x = f.batch.x + ((size_t)s * B + b) * 85;
                if (s >= tr->T) {
                    for (int c = 0; c < 85; c++) failed |= x[c] != 0;
                    if (failed) test_fail("%s trial %d: padding step %d not zero", TASKS[k].name, b, s);
                    continue;
                }
                if (x[0] != (s < fix_end ? 1.0f : 0.0f)) {
                    test_fail("%s trial %d step %d: fixation input %g (go %d)", TASKS[k].name, b, s, x[0], go);
                    failed = 1;
                }
                for (int r = 0; r < 20; r++)
                    if (x[65 + r] != (r == k ? 1.0f : 0.0f)) {
                        test_fail("%s trial %d step %d: rule input %d is %g", TASKS[k].name, b, s, r, x[65 + r]);
                        failed = 1;
                        break;
                    }
                expected_rings(k, tr, s, ring);
                for (int c = 0; c < 64 && !failed; c++)
                    if (fabs(x[1 + c] - ring[c]) > 1e-5) {
                        test_fail("%s trial %d step %d: ring input %d is %g, expected %g", TASKS[k].name, b, s, c,
                                  x[1 + c], ring[c]);
                        failed = 1;
                    }
            }
        }
        task_trials_free(&f);
    }
}

/* The conditions follow each task's rules: where the stimuli are, how
 * strong, and which one the network must report. */
TEST(conditions_follow_the_rules_of_each_task)
{
    static const float COH_DM[] = {0.01f, 0.02f, 0.04f, 0.08f}, COH_DELAY[] = {0.08f, 0.16f, 0.32f};
    for (int k = 0; k < 20; k++) {
        char spec[64];
        snprintf(spec, sizeof spec, "%s sigma=0", TASKS[k].name);
        cj_task t;
        task_trials f;
        if (!task_parse_ok(spec, &t) || !task_trials_make(&t, 1, B, 13, 0, &f)) continue;
        int go_trials = 0, matches = 0, failed = 0, mods[3] = {0};
        for (int b = 0; b < B && !failed; b++) {
            const cj_trial *tr = &f.trials[b];
            const double *c = tr->condition;
            double target = expected_target(k, tr);
            int ok = target < 0 ? c[0] == -1 : fabs(c[0] - target) < 1e-5 || fabs(ring_distance(c[0], target)) < 1e-5;
            for (int i = 1; i <= 2; i++) ok &= c[i] >= 0 && c[i] < 2 * PI;
            go_trials += target >= 0;
            family fam = TASKS[k].fam;
            if (fam == F_FD || fam == F_REACT || fam == F_DELAYGO) {
                ok &= c[2] == 1 || c[2] == 2;
                mods[(int)c[2]]++;
            } else if (fam == F_DM || fam == F_DELAYDM) {
                const float *coh = fam == F_DM ? COH_DM : COH_DELAY;
                int n_coh = fam == F_DM ? 4 : 3;
                ok &= ring_distance(c[1], c[2]) >= PI / 2 - 1e-5;
                ok &= c[7] == TASKS[k].attend;
                /* The pair that decides: mean in [0.8, 1.2], half the
                 * difference one of Yang's coherences. */
                int a = TASKS[k].attend;
                double s1 = a ? c[3 + 2 * (a - 1)] : (c[3] + c[5]) / 2, s2 = a ? c[4 + 2 * (a - 1)] : (c[4] + c[6]) / 2;
                ok &= (s1 + s2) / 2 >= 0.8 - 1e-5 && (s1 + s2) / 2 <= 1.2 + 1e-5;
                ok &= in_set(fabs(s1 - s2) / 2, coh, n_coh, 1e-5);
                if (!TASKS[k].both_rings) ok &= c[3 + 2 * (2 - a)] == 0 && c[4 + 2 * (2 - a)] == 0;
                if (!a) /* multisensory: each strength split over the rings by 20 to 80% */
                    for (int i = 0; i < 2; i++) {
                        double r = fabs(c[3 + i] - c[5 + i]) / ((c[3 + i] + c[5 + i]) / 2);
                        ok &= r >= 0.2 - 1e-5 && r <= 0.8 + 1e-5;
                    }
            } else {
                ok &= (c[3] == 1 || c[3] == 2) && (c[4] == 1 || c[4] == 2);
                mods[(int)c[3]]++;
                matches += c[5] != 0;
                if (fam == F_DMS)
                    ok &= c[5] ? c[1] == c[2] : ring_distance(c[1], c[2]) >= PI / 9 - 1e-5;
                else {
                    for (int i = 1; i <= 2; i++) {
                        double u = c[i] / PI * 10; /* 1, 3, ..., 19 */
                        ok &= fabs(u - round(u)) < 1e-4 && ((int)round(u)) % 2 == 1;
                    }
                    ok &= (c[5] != 0) == ((c[1] < PI) == (c[2] < PI));
                }
            }
            if (!ok) {
                test_fail("%s trial %d: conditions %g %g %g %g %g %g %g %g", TASKS[k].name, b, c[0], c[1], c[2], c[3],
                          c[4], c[5], c[6], c[7]);
                failed = 1;
            }
        }
        family fam = TASKS[k].fam;
        if (fam == F_DMS || fam == F_DMC) {
            /* Both kinds of trial occur (dms: half match; dmc: about half). */
            CHECK(go_trials > B / 5 && go_trials < B * 4 / 5);
            CHECK(matches > B / 5 && matches < B * 4 / 5);
        } else
            CHECK(go_trials == B);
        if (fam != F_DM && fam != F_DELAYDM) CHECK(mods[1] > B / 5 && mods[2] > B / 5);
        task_trials_free(&f);
    }
}

TEST(targets_and_mask_are_yang_s)
{
    for (int k = 0; k < 20; k++) {
        char spec[64];
        snprintf(spec, sizeof spec, "%s sigma=0", TASKS[k].name);
        cj_task t;
        task_trials f;
        if (!task_parse_ok(spec, &t) || !task_trials_make(&t, 1, B, 14, 0, &f)) continue;
        int T = f.src.T, failed = 0;
        CHECK(f.batch.values && f.batch.dim == 33 && f.batch.mask);
        for (int b = 0; b < B && !failed; b++) {
            const cj_trial *tr = &f.trials[b];
            double target = tr->condition[0];
            int go = tr->response_start, responds = target >= 0;
            CHECK(tr->ground_truth == (responds ? 1 + nearest_unit(target) : 0));
            for (int s = 0; s < T && !failed; s++) {
                const float *v = f.batch.values + ((size_t)s * B + b) * 33;
                float m = f.batch.mask[(size_t)s * B + b];
                if (s >= tr->T) {
                    failed |= m != 0;
                    continue;
                }
                /* 0 for the first 100 ms, 1 to the go cue, 0 for 100 ms of
                 * grace, then 25 (Yang's 5, squared; 5 steps of 20 ms). */
                float want_mask = s < 5 ? 0 : s < go ? 1 : s < go + 5 ? 0 : 25;
                int responding = responds && s >= go;
                double want_fix = responding ? 0.05 : 0.85;
                int ok = m == want_mask && fabs(v[0] - want_fix) < 1e-6;
                for (int u = 0; u < 32; u++) ok &= fabs(v[1 + u] - (0.05 + (responding ? bump(target, u) : 0))) < 1e-5;
                if (!ok) {
                    test_fail("%s trial %d step %d (go %d): mask %g fixation %g ring[0] %g", TASKS[k].name, b, s, go, m,
                              v[0], v[1]);
                    failed = 1;
                }
            }
        }
        task_trials_free(&f);
    }
}

/* ---- performance -------------------------------------------------------------- */

typedef enum { P_PERFECT, P_WRONG_DIRECTION, P_IMPATIENT, P_SILENT, P_RESPOND_ALWAYS } policy;

/* Hand-made outputs [T, B, 33]: the targets themselves, then altered. */
static float *outputs(const task_trials *f, policy p)
{
    int T = f->src.T;
    size_t n = (size_t)T * f->B * 33;
    float *out = malloc(sizeof(float) * n);
    memcpy(out, f->batch.values, sizeof(float) * n);
    for (int b = 0; b < f->B; b++) {
        const cj_trial *tr = &f->trials[b];
        int go = tr->response_start;
        double target = tr->condition[0];
        for (int s = 0; s < tr->T; s++) {
            float *z = out + ((size_t)s * f->B + b) * 33;
            if (p == P_IMPATIENT && s == go - 2) z[0] = 0.3f;
            if (s < go) continue;
            if (p == P_SILENT) {
                z[0] = 0.85f;
                for (int u = 0; u < 32; u++) z[1 + u] = 0.05f;
            }
            if (p == P_WRONG_DIRECTION && target >= 0)
                for (int u = 0; u < 32; u++) z[1 + u] = 0.05f + (float)bump(target + PI, u);
            if (p == P_RESPOND_ALWAYS && target < 0) {
                z[0] = 0.05f;
                for (int u = 0; u < 32; u++) z[1 + u] = 0.05f + (float)bump(tr->condition[2], u);
            }
        }
    }
    return out;
}

TEST(performance_on_hand_made_outputs)
{
    for (int k = 0; k < 20; k++) {
        char spec[64];
        snprintf(spec, sizeof spec, "%s sigma=0", TASKS[k].name);
        cj_task t;
        task_trials f;
        if (!task_parse_ok(spec, &t) || !task_trials_make(&t, 1, B, 15, 0, &f)) continue;
        for (policy p = P_PERFECT; p <= P_RESPOND_ALWAYS; p++) {
            float *out = outputs(&f, p);
            int failed = 0;
            for (int b = 0; b < B && !failed; b++) {
                const cj_trial *tr = &f.trials[b];
                int go_trial = tr->ground_truth != 0;
                cj_trial_score s = cj_task_score(&t, tr, out + (size_t)b * 33, (size_t)B * 33);
                int want_correct = p == P_PERFECT || p == P_IMPATIENT ? 1
                                   : p == P_WRONG_DIRECTION || p == P_SILENT ? !go_trial
                                                                             : go_trial;
                int want_response = p == P_SILENT ? 0 : p == P_RESPOND_ALWAYS ? 1 : go_trial;
                int ok = s.correct == want_correct && s.response == want_response &&
                         s.fixation_broken == (p == P_IMPATIENT);
                /* The decoded direction of a perfect output is the target's unit. */
                if (go_trial && (p == P_PERFECT || p == P_IMPATIENT)) ok &= s.choice == tr->ground_truth;
                if (go_trial && p == P_WRONG_DIRECTION)
                    ok &= s.choice == 1 + nearest_unit(fmod(tr->condition[0] + PI, 2 * PI));
                ok &= s.response ? s.response_step == tr->response_start : s.response_step == -1;
                if (!ok) {
                    test_fail("%s policy %d trial %d (truth %d): correct %d response %d broken %d choice %d step %d",
                              TASKS[k].name, (int)p, b, tr->ground_truth, s.correct, s.response, s.fixation_broken,
                              s.choice, s.response_step);
                    failed = 1;
                }
            }
            free(out);
        }
        task_trials_free(&f);
    }
}

/* The ring code against Yang's formulas (tools/make_yang_refs.py). */
TEST(ring_code_matches_yang_reference)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/yang/ring.txt")) return;
    const double *dirs = ref_text_get(&r, "bump.dirs", 10), *values = ref_text_get(&r, "bump.values", 320);
    const double *outs = ref_text_get(&r, "perf.outputs", 40 * 33), *y_loc = ref_text_get(&r, "perf.y_loc", 40);
    const double *angle = ref_text_get(&r, "perf.angle", 40), *correct = ref_text_get(&r, "perf.correct", 40);
    if (!dirs || !values || !outs || !y_loc || !angle || !correct) {
        ref_text_free(&r);
        return;
    }
    double worst = 0;
    for (int d = 0; d < 10; d++)
        for (int u = 0; u < 32; u++) {
            double e = fabs(cj_yang_bump((float)dirs[d], u) - values[d * 32 + u]);
            worst = e > worst ? e : worst;
        }
    CHECK(worst < 1e-6);
    int n_correct = 0, n_fix = 0;
    for (int i = 0; i < 40; i++) {
        float z[33];
        for (int j = 0; j < 33; j++) z[j] = (float)outs[i * 33 + j];
        CHECK(ring_distance(cj_yang_popvec(z + 1), angle[i]) < 1e-5);
        cj_trial tr = {.T = 1, .response_start = 0, .response_end = 1};
        tr.condition[0] = y_loc[i];
        tr.ground_truth = y_loc[i] < 0 ? 0 : 1 + cj_yang_nearest_unit((float)y_loc[i]);
        cj_trial_score s = cj_yang_score(NULL, &tr, z, 33);
        if (s.correct != (int)correct[i])
            test_fail("case %d: y_loc %g, decoded %g, fixation %g: correct %d, Yang's %g", i, y_loc[i], angle[i], z[0],
                      s.correct, correct[i]);
        n_correct += s.correct;
        n_fix += y_loc[i] < 0;
    }
    /* The reference mixes right and wrong of both kinds. */
    CHECK(n_correct > 5 && n_correct < 35 && n_fix == 8);
    /* The population vector ignores a constant offset (outputs of any sign). */
    float ring[32];
    for (int u = 0; u < 32; u++) ring[u] = (float)bump(1.0, u) - 3.0f;
    CHECK(ring_distance(cj_yang_popvec(ring), 1.0) < 1e-5);
    CHECK(cj_yang_wrap(-1e-9f) >= 0 && cj_yang_wrap(-1e-9f) < 2 * PI && cj_yang_wrap(7.0f) < 1);
    ref_text_free(&r);
}

/* ---- noise and reproducibility ---------------------------------------------------- */

/* The default noise is Yang's: sigma_x sqrt(2 / alpha) = 0.01 sqrt(10)
 * per step at dt = 20 ms, tau = 100 ms, on every input. */
TEST(default_noise_is_yang_s)
{
    cj_task t;
    task_trials f;
    if (!task_parse_ok("delaygo", &t) || !task_trials_make(&t, 1, 64, 9, 0, &f)) return;
    double sq = 0, sum = 0;
    long n = 0;
    for (int b = 0; b < 64; b++)
        for (int s = 0; s < f.trials[b].T; s++) {
            const float *x = f.batch.x + ((size_t)s * 64 + b) * 85;
            for (int c = 65; c < 85; c++) { /* rule inputs of other tasks: noise alone */
                if (c == 65 + 2) continue; /* delaygo's own */
                sum += x[c];
                sq += (double)x[c] * x[c];
                n++;
            }
        }
    double mean = sum / n, sd = sqrt(sq / n - mean * mean);
    CHECK_NEAR(mean, 0, 0.001);
    CHECK_NEAR(sd, 0.01 * sqrt(10.0), 0.0006);
    task_trials_free(&f);
}

TEST(trials_are_reproducible_by_seed)
{
    for (int k = 0; k < 20; k++) {
        cj_task t;
        if (!task_parse_ok(TASKS[k].name, &t)) continue;
        task_trials a, b, c;
        if (!task_trials_make(&t, 1, 6, 77, 0, &a)) continue;
        if (!task_trials_make(&t, 1, 6, 77, 0, &b)) {
            task_trials_free(&a);
            continue;
        }
        if (!task_trials_make(&t, 1, 6, 78, 0, &c)) {
            task_trials_free(&a);
            task_trials_free(&b);
            continue;
        }
        size_t nx = (size_t)a.src.T * 6 * 85, nv = (size_t)a.src.T * 6 * 33, nm = (size_t)a.src.T * 6;
        CHECK(!memcmp(a.batch.x, b.batch.x, sizeof(float) * nx));
        CHECK(!memcmp(a.batch.values, b.batch.values, sizeof(float) * nv));
        CHECK(!memcmp(a.batch.mask, b.batch.mask, sizeof(float) * nm));
        CHECK(!memcmp(a.trials[3].condition, b.trials[3].condition, sizeof a.trials[3].condition));
        CHECK(memcmp(a.batch.x, c.batch.x, sizeof(float) * nx) != 0);
        task_trials_free(&a);
        task_trials_free(&b);
        task_trials_free(&c);
    }
}

/* ---- all twenty together --------------------------------------------------------- */

TEST(all_twenty_train_together)
{
    char list[1024] = "";
    for (int k = 0; k < 20; k++) {
        strcat(list, TASKS[k].name);
        if (k < 19) strcat(list, ", ");
    }
    cj_task tasks[CJ_SOURCE_MAX_TASKS];
    int n = 0;
    cj_error err = {0};
    if (cj_tasks_parse(list, tasks, CJ_SOURCE_MAX_TASKS, &n, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    CHECK(n == 20);
    char back[8192];
    CHECK(cj_tasks_format(tasks, n, back, sizeof back, &err) == CJ_OK);
    cj_task again[CJ_SOURCE_MAX_TASKS];
    int n2 = 0;
    CHECK(cj_tasks_parse(back, again, CJ_SOURCE_MAX_TASKS, &n2, &err) == CJ_OK && n2 == 20);
    task_trials f;
    enum { NB = 200 };
    if (!task_trials_make(tasks, n, NB, 21, 0, &f)) return;
    int longest = 0;
    for (int k = 0; k < 20; k++) longest = tasks[k].max_steps > longest ? tasks[k].max_steps : longest;
    CHECK(f.src.T == longest && f.src.target == CJ_TARGET_VALUES && f.src.dim == 33 && f.src.step.c == 85);
    /* Yang's loss weighs the fixation output 2^2 = 4 times a ring output. */
    CHECK(f.src.value_weights && f.src.value_weights[0] == 4.0f);
    for (int j = 1; j < 33 && f.src.value_weights; j++) CHECK(f.src.value_weights[j] == 1.0f);
    const int *task_of;
    int nb;
    cj_source_task_trials(&f.src, &task_of, &nb);
    int seen[20] = {0}, wrong_rule = 0;
    for (int b = 0; b < NB; b++) {
        int k = task_of[b];
        seen[k]++;
        /* Its rule input stands out of the noise at step 0. */
        const float *x = f.batch.x + (size_t)b * 85;
        for (int r = 0; r < 20; r++) wrong_rule |= (x[65 + r] > 0.5f) != (r == k);
    }
    CHECK(!wrong_rule);
    for (int k = 0; k < 20; k++)
        if (!seen[k]) test_fail("no trial of %s among %d", TASKS[k].name, NB);
    task_trials_free(&f);
}

int main(void)
{
    RUN(all_twenty_are_registered_with_yang_shape);
    RUN(options_are_checked);
    RUN(periods_are_yang_epochs_in_his_ranges);
    RUN(inputs_are_fixation_rings_and_rule);
    RUN(conditions_follow_the_rules_of_each_task);
    RUN(targets_and_mask_are_yang_s);
    RUN(performance_on_hand_made_outputs);
    RUN(ring_code_matches_yang_reference);
    RUN(default_noise_is_yang_s);
    RUN(trials_are_reproducible_by_seed);
    RUN(all_twenty_train_together);
    return test_summary("yang_tasks");
}
