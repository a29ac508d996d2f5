/* yang_go.c — the Go and Anti family of Yang et al. (2019, Nat Neurosci
 * 22:297, Fig. 1; task.py fdgo_, reactgo_, delaygo_): one stimulus at a
 * random direction on ring 1 or 2 (equally likely); respond towards it
 * (Go) or to the opposite direction (Anti, theta + pi) once the go cue
 * says so.
 *
 *   fdgo, fdanti        the stimulus comes on after fix1 and stays on; the
 *                       go cue is the fixation input turning off.
 *                       fix1 = U(300, 700) ms, stim1 = U(500, 1500), go1 = 500
 *   reactgo, reactanti  the stimulus is itself the go cue: it comes on at
 *                       go1 and the fixation input stays on throughout.
 *                       fix1 = U(500, 2500), go1 = 500
 *   delaygo, delayanti  a brief stimulus, then a memory delay; the go cue
 *                       is the fixation input turning off.
 *                       fix1 in {300, 500, 700}, stim1 in {200, 400, 600},
 *                       delay1 in {200, 400, 800, 1600}, go1 = 500
 *
 * Periods are Yang's epochs (fix1, stim1, delay1, go1), drawn per trial
 * where Yang draws once per batch, and rounded to the nearest step where
 * Yang truncates (exact at dt = 20 for every choice; within one step for
 * the uniform draws). Targets, mask, noise and score: yang_common.c.
 *
 * Conditions: target_dir (rad), stim_dir (rad), stim_mod (1 or 2). */
#include <string.h>

#include "yang.h"

typedef enum { KIND_FD, KIND_REACT, KIND_DELAY } go_kind;

typedef struct {
    go_kind kind;
    int anti;
} go_task;

static const struct {
    const char *name;
    go_kind kind;
    int anti;
} VARIANTS[] = {
    {"fdgo", KIND_FD, 0},      {"reactgo", KIND_REACT, 0},   {"delaygo", KIND_DELAY, 0},
    {"fdanti", KIND_FD, 1},    {"reactanti", KIND_REACT, 1}, {"delayanti", KIND_DELAY, 1},
};

static const cj_task_period_def FD_PERIODS[] = {
    {"fix1", "uniform:300:700"}, {"stim1", "uniform:500:1500"}, {"go1", "500"},
};
static const cj_task_period_def REACT_PERIODS[] = {
    {"fix1", "uniform:500:2500"}, {"go1", "500"},
};
static const cj_task_period_def DELAY_PERIODS[] = {
    {"fix1", "choice:300:500:700"}, {"stim1", "choice:200:400:600"}, {"delay1", "choice:200:400:800:1600"},
    {"go1", "500"},
};

static cj_status parse(cj_task *t, cj_spec_args *a, cj_error *err)
{
    go_task *p = (go_task *)t->priv;
    for (size_t i = 0; i < sizeof VARIANTS / sizeof VARIANTS[0]; i++)
        if (!strcmp(VARIANTS[i].name, t->ops->name)) {
            p->kind = VARIANTS[i].kind;
            p->anti = VARIANTS[i].anti;
        }
    return cj_yang_parse_common(t, a, err);
}

static void trial(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y)
{
    const go_task *p = (const go_task *)t->priv;
    cj_task_draw_periods(t, rng, tr);
    float dir = cj_yang_uniform(rng, 0, 6.28318530717958647692f);
    dir = cj_yang_wrap(dir);
    int mod = 1 + (int)cj_rng_below(rng, 2);
    int go, g1, s0 = 0, s1 = 0, fix_end;
    cj_trial_period(tr, "go1", &go, &g1);
    if (p->kind == KIND_REACT) {
        s0 = go, s1 = tr->T, fix_end = tr->T;
    } else {
        cj_trial_period(tr, "stim1", &s0, &s1);
        if (p->kind == KIND_FD) s1 = tr->T;
        fix_end = go;
    }
    cj_yang_stimulus(t, obs, s0, s1, mod, dir, 1.0f);
    float target = p->anti ? cj_yang_wrap(dir + 3.14159265358979323846f) : dir;
    tr->condition[1] = dir;
    tr->condition[2] = mod;
    cj_yang_finish(t, rng, tr, obs, y, fix_end, go, target);
}

_Static_assert(sizeof(go_task) <= sizeof(((cj_task *)0)->priv), "go_task fits in cj_task.priv");

#define GO_TASK(ID, SUMMARY, PERIODS)                                                                  \
    const cj_task_ops cj_yang_##ID##_ops = {                                                           \
        .name = #ID,                                                                                   \
        .summary = SUMMARY,                                                                            \
        .periods = PERIODS,                                                                            \
        .n_periods = (int)(sizeof PERIODS / sizeof PERIODS[0]),                                        \
        .conditions = "target_dir,stim_dir,stim_mod",                                                  \
        .target = CJ_TARGET_VALUES,                                                                    \
        .output_weights = cj_yang_output_weights,                                                      \
        .parse = parse,                                                                                \
        .trial = trial,                                                                                \
        .score = cj_yang_score,                                                                        \
    }

GO_TASK(fdgo, "Go: respond towards the stimulus when the fixation cue goes off (Yang et al. 2019)", FD_PERIODS);
GO_TASK(reactgo, "RT Go: respond towards the stimulus as soon as it appears (Yang et al. 2019)", REACT_PERIODS);
GO_TASK(delaygo, "Dly Go: respond towards the remembered stimulus after a delay (Yang et al. 2019)",
        DELAY_PERIODS);
GO_TASK(fdanti, "Anti: respond away from the stimulus when the fixation cue goes off (Yang et al. 2019)",
        FD_PERIODS);
GO_TASK(reactanti, "RT Anti: respond away from the stimulus as soon as it appears (Yang et al. 2019)",
        REACT_PERIODS);
GO_TASK(delayanti, "Dly Anti: respond away from the remembered stimulus after a delay (Yang et al. 2019)",
        DELAY_PERIODS);
