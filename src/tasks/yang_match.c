/* yang_match.c — the matching family of Yang et al. (2019, Nat Neurosci
 * 22:297, Fig. 1; task.py dms_, dmc_): a sample stimulus, a delay, then a
 * test stimulus that stays on; each on ring 1 or 2 independently. The
 * fixation input stays on throughout: the test's onset is the go cue. On
 * a "go" trial the network responds towards the test stimulus; on the
 * others it must keep fixating (no response target).
 *
 *   dmsgo    delayed match-to-sample: go when the test is at the sample's
 *            direction (half the trials); else it is at sample ± U(pi/9,
 *            17 pi/9), at least 20 degrees away
 *   dmsnogo  delayed non-match-to-sample: go when it is not
 *   dmcgo    delayed match-to-category: sample and test each one of
 *            0.1 pi, 0.3 pi, ..., 1.9 pi; the category is direction < pi;
 *            go when the categories match
 *   dmcnogo  delayed non-match-to-category: go when they differ
 *
 * Timing (Yang's random mode): fix1 and stim1 in {200, 400, 600} ms,
 * delay1 in {200, 400, 800, 1600}; go1 = 500 (dms), in {200, 400, 600}
 * (dmc).
 *
 * Conditions: target_dir (the test's direction on go trials, else -1),
 * stim1_dir, stim2_dir (rad), stim1_mod, stim2_mod (1 or 2), match (1
 * when the test matches the sample: same direction for dms, same
 * category for dmc). */
#include <string.h>

#include "yang.h"

typedef struct {
    int category;      /* dmc: match by category, not direction */
    int go_on_match;   /* dmsgo, dmcgo; the nogo tasks respond to non-matches */
} match_task;

static const struct {
    const char *name;
    int category, go_on_match;
} VARIANTS[] = {
    {"dmsgo", 0, 1}, {"dmsnogo", 0, 0}, {"dmcgo", 1, 1}, {"dmcnogo", 1, 0},
};

static const cj_task_period_def DMS_PERIODS[] = {
    {"fix1", "choice:200:400:600"}, {"stim1", "choice:200:400:600"}, {"delay1", "choice:200:400:800:1600"},
    {"go1", "500"},
};
static const cj_task_period_def DMC_PERIODS[] = {
    {"fix1", "choice:200:400:600"}, {"stim1", "choice:200:400:600"}, {"delay1", "choice:200:400:800:1600"},
    {"go1", "choice:200:400:600"},
};

static cj_status parse(cj_task *t, cj_spec_args *a, cj_error *err)
{
    match_task *p = (match_task *)t->priv;
    for (size_t i = 0; i < sizeof VARIANTS / sizeof VARIANTS[0]; i++)
        if (!strcmp(VARIANTS[i].name, t->ops->name)) {
            p->category = VARIANTS[i].category;
            p->go_on_match = VARIANTS[i].go_on_match;
        }
    return cj_yang_parse_common(t, a, err);
}

/* One of Yang's ten category-task directions, 0.1 pi ... 1.9 pi. */
static float category_direction(cj_rng *rng)
{
    return (0.1f + 0.2f * (float)cj_rng_below(rng, 10)) * 3.14159265358979323846f;
}

static void trial(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y)
{
    const match_task *p = (const match_task *)t->priv;
    const float PI = 3.14159265358979323846f;
    cj_task_draw_periods(t, rng, tr);
    int mod1 = 1 + (int)cj_rng_below(rng, 2), mod2 = 1 + (int)cj_rng_below(rng, 2);
    float dir1, dir2;
    int match;
    if (p->category) {
        dir1 = category_direction(rng);
        dir2 = category_direction(rng);
        match = (dir1 < PI) == (dir2 < PI);
    } else {
        match = (int)cj_rng_below(rng, 2);
        float dist = cj_yang_uniform(rng, PI / 9, 17 * PI / 9) * cj_yang_sign(rng);
        dir1 = cj_yang_wrap(cj_yang_uniform(rng, 0, 2 * PI));
        dir2 = match ? dir1 : cj_yang_wrap(dir1 + dist);
    }
    int s0, s1, go, g1;
    cj_trial_period(tr, "stim1", &s0, &s1);
    cj_trial_period(tr, "go1", &go, &g1);
    cj_yang_stimulus(t, obs, s0, s1, mod1, dir1, 1.0f);
    cj_yang_stimulus(t, obs, go, tr->T, mod2, dir2, 1.0f);
    tr->condition[1] = dir1;
    tr->condition[2] = dir2;
    tr->condition[3] = mod1;
    tr->condition[4] = mod2;
    tr->condition[5] = match;
    int responds = match == p->go_on_match;
    cj_yang_finish(t, rng, tr, obs, y, tr->T, go, responds ? dir2 : -1.0f);
}

_Static_assert(sizeof(match_task) <= sizeof(((cj_task *)0)->priv), "match_task fits in cj_task.priv");

#define MATCH_TASK(ID, SUMMARY, PERIODS)                                                               \
    const cj_task_ops cj_yang_##ID##_ops = {                                                           \
        .name = #ID,                                                                                   \
        .summary = SUMMARY,                                                                            \
        .periods = PERIODS,                                                                            \
        .n_periods = (int)(sizeof PERIODS / sizeof PERIODS[0]),                                        \
        .conditions = "target_dir,stim1_dir,stim2_dir,stim1_mod,stim2_mod,match",                      \
        .target = CJ_TARGET_VALUES,                                                                    \
        .output_weights = cj_yang_output_weights,                                                      \
        .parse = parse,                                                                                \
        .trial = trial,                                                                                \
        .score = cj_yang_score,                                                                        \
    }

MATCH_TASK(dmsgo, "DMS: respond to the test only if it matches the sample's direction (Yang et al. 2019)",
           DMS_PERIODS);
MATCH_TASK(dmsnogo, "DNMS: respond to the test only if it differs from the sample (Yang et al. 2019)",
           DMS_PERIODS);
MATCH_TASK(dmcgo, "DMC: respond to the test only if its category matches the sample's (Yang et al. 2019)",
           DMC_PERIODS);
MATCH_TASK(dmcnogo, "DNMC: respond to the test only if its category differs (Yang et al. 2019)", DMC_PERIODS);
