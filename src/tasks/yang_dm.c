/* yang_dm.c — the decision-making family of Yang et al. (2019, Nat
 * Neurosci 22:297, Fig. 1; task.py _dm, _contextdm, _delaydm,
 * _contextdelaydm): two stimuli at directions at least pi/2 apart
 * (stim2 = stim1 ± U(pi/2, 3 pi/2)); respond towards the stronger one
 * when the fixation input turns off.
 *
 *   dm1, dm2                  both stimuli at once on ring 1 (dm1) or 2 (dm2)
 *   contextdm1, contextdm2    both stimuli on both rings, with independent
 *                             strengths on each; only ring 1 (2) counts
 *   multidm                   both rings; what counts is the sum of a
 *                             stimulus's strengths over the two rings
 *   delaydm1, delaydm2,       as above, but the two stimuli come one after
 *   contextdelaydm1, 2,       the other with a delay between, and a second
 *   multidelaydm              delay before the go cue
 *
 * Strengths (contextdm_genstim): mean m ~ U(0.8, 1.2), coherence c from
 * coherences= (Yang's 0.01:0.02:0.04:0.08 for the simultaneous tasks,
 * 0.08:0.16:0.32 for the delayed ones), sign ±1: stim1 = m + c sign,
 * stim2 = m - c sign. In multidm each stimulus's strength s is split over
 * the rings as s ± s U(0.2, 0.8) / 2 (random sign), so neither ring alone
 * tells the answer reliably. Yang draws that split from numpy's global
 * generator; here it comes from the trial's own stream, so every trial is
 * reproducible.
 *
 * Timing (Yang's random mode; rounded to the nearest step):
 *   simultaneous  fix1 = U(100, 400) ms, stim1 in {400, 800, 1600}, go1 = 500
 *   delayed       fix1, stim1, stim2 in {200, 400, 600}, delay1 in
 *                 {200, 400, 800, 1600}, delay2 = U(100, 300), go1 = 500
 *
 * Conditions: target_dir, stim1_dir, stim2_dir (rad); stim1_mod1,
 * stim2_mod1, stim1_mod2, stim2_mod2 (each stimulus's strength on ring 1
 * and ring 2; 0 where a ring shows nothing); modality: the ring that
 * counts (1 or 2), 0 when both do (multidm, multidelaydm). The attended
 * coherence is (stim1 - stim2) / 2 on that ring (or of the sums). */
#include <string.h>

#include "yang.h"

enum { MAX_COHERENCES = 16 };

typedef struct {
    int delayed;      /* stimuli in sequence (delaydm...) or at once */
    int both_rings;   /* stimuli shown on both rings (context, multi) */
    int attend;       /* the ring that counts: 1, 2, or 0 for both summed */
    float coherences[MAX_COHERENCES];
    int n_coherences;
} dm_task;

static const struct {
    const char *name;
    int delayed, both_rings, attend;
} VARIANTS[] = {
    {"dm1", 0, 0, 1},      {"dm2", 0, 0, 2},      {"contextdm1", 0, 1, 1},      {"contextdm2", 0, 1, 2},
    {"multidm", 0, 1, 0},  {"delaydm1", 1, 0, 1}, {"delaydm2", 1, 0, 2},        {"contextdelaydm1", 1, 1, 1},
    {"contextdelaydm2", 1, 1, 2},                 {"multidelaydm", 1, 1, 0},
};

static const cj_task_period_def DM_PERIODS[] = {
    {"fix1", "uniform:100:400"}, {"stim1", "choice:400:800:1600"}, {"go1", "500"},
};
static const cj_task_period_def DELAY_PERIODS[] = {
    {"fix1", "choice:200:400:600"},  {"stim1", "choice:200:400:600"}, {"delay1", "choice:200:400:800:1600"},
    {"stim2", "choice:200:400:600"}, {"delay2", "uniform:100:300"},   {"go1", "500"},
};

static cj_status parse(cj_task *t, cj_spec_args *a, cj_error *err)
{
    dm_task *p = (dm_task *)t->priv;
    for (size_t i = 0; i < sizeof VARIANTS / sizeof VARIANTS[0]; i++)
        if (!strcmp(VARIANTS[i].name, t->ops->name)) {
            p->delayed = VARIANTS[i].delayed;
            p->both_rings = VARIANTS[i].both_rings;
            p->attend = VARIANTS[i].attend;
        }
    /* Coherence 0 would leave no right answer; above 0.8 a strength could
     * go negative (m >= 0.8). */
    cj_status st = cj_task_arg_list(a, "coherences", p->delayed ? "0.08:0.16:0.32" : "0.01:0.02:0.04:0.08",
                                    0.001f, 0.8f, MAX_COHERENCES, p->coherences, &p->n_coherences, err);
    if (st) return st;
    return cj_yang_parse_common(t, a, err);
}

/* contextdm_genstim: the two stimuli's strengths, mean ± coherence. */
static void strengths(const dm_task *p, cj_rng *rng, float *s1, float *s2)
{
    float mean = cj_yang_uniform(rng, 0.8f, 1.2f);
    float coh = p->coherences[cj_rng_below(rng, (uint32_t)p->n_coherences)];
    float sign = cj_yang_sign(rng);
    *s1 = mean + coh * sign;
    *s2 = mean - coh * sign;
}

/* multidm: strength s split over the two rings, s ± s U(0.2, 0.8) / 2. */
static void split(cj_rng *rng, float s, float *on1, float *on2)
{
    float diff = s * cj_yang_uniform(rng, 0.2f, 0.8f) * cj_yang_sign(rng);
    *on1 = s + diff / 2;
    *on2 = s - diff / 2;
}

static void trial(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y)
{
    const dm_task *p = (const dm_task *)t->priv;
    const float PI = 3.14159265358979323846f;
    cj_task_draw_periods(t, rng, tr);
    float dist = cj_yang_uniform(rng, 0.5f * PI, 1.5f * PI) * cj_yang_sign(rng);
    float dir1 = cj_yang_wrap(cj_yang_uniform(rng, 0, 2 * PI));
    float dir2 = cj_yang_wrap(dir1 + dist);
    /* s[ring][stimulus]: strengths on rings 1 and 2 (index 0 and 1). */
    float s[2][2] = {{0, 0}, {0, 0}};
    float c1, c2; /* what the decision compares */
    if (!p->both_rings) {
        strengths(p, rng, &c1, &c2);
        s[p->attend - 1][0] = c1;
        s[p->attend - 1][1] = c2;
    } else if (p->attend) {
        strengths(p, rng, &s[0][0], &s[0][1]);
        strengths(p, rng, &s[1][0], &s[1][1]);
        c1 = s[p->attend - 1][0];
        c2 = s[p->attend - 1][1];
    } else {
        float a, b;
        strengths(p, rng, &a, &b);
        split(rng, a, &s[0][0], &s[1][0]);
        split(rng, b, &s[0][1], &s[1][1]);
        c1 = s[0][0] + s[1][0];
        c2 = s[0][1] + s[1][1];
    }
    int a0, a1, b0, b1, go, g1;
    cj_trial_period(tr, "stim1", &a0, &a1);
    cj_trial_period(tr, "go1", &go, &g1);
    if (p->delayed)
        cj_trial_period(tr, "stim2", &b0, &b1);
    else
        b0 = a0, b1 = a1;
    for (int ring = 0; ring < 2; ring++) {
        if (!p->both_rings && ring != p->attend - 1) continue;
        cj_yang_stimulus(t, obs, a0, a1, ring + 1, dir1, s[ring][0]);
        cj_yang_stimulus(t, obs, b0, b1, ring + 1, dir2, s[ring][1]);
    }
    tr->condition[1] = dir1;
    tr->condition[2] = dir2;
    tr->condition[3] = s[0][0];
    tr->condition[4] = s[0][1];
    tr->condition[5] = s[1][0];
    tr->condition[6] = s[1][1];
    tr->condition[7] = p->attend;
    /* Never a tie: the coherence is > 0 and the split keeps the sums. */
    cj_yang_finish(t, rng, tr, obs, y, go, go, c1 > c2 ? dir1 : dir2);
}

static void format_options(const cj_task *t, char *out, size_t len)
{
    const dm_task *p = (const dm_task *)t->priv;
    cj_task_format_numbers("coherences", p->coherences, p->n_coherences, out, len);
}

_Static_assert(sizeof(dm_task) <= sizeof(((cj_task *)0)->priv), "dm_task fits in cj_task.priv");

#define DM_TASK(ID, SUMMARY, PERIODS)                                                                  \
    const cj_task_ops cj_yang_##ID##_ops = {                                                           \
        .name = #ID,                                                                                   \
        .summary = SUMMARY,                                                                            \
        .options = "coherences=",                                                                      \
        .periods = PERIODS,                                                                            \
        .n_periods = (int)(sizeof PERIODS / sizeof PERIODS[0]),                                        \
        .conditions = "target_dir,stim1_dir,stim2_dir,stim1_mod1,stim2_mod1,stim1_mod2,stim2_mod2,modality", \
        .target = CJ_TARGET_VALUES,                                                                    \
        .output_weights = cj_yang_output_weights,                                                      \
        .parse = parse,                                                                                \
        .trial = trial,                                                                                \
        .score = cj_yang_score,                                                                        \
        .format_options = format_options,                                                              \
    }

DM_TASK(dm1, "DM 1: respond towards the stronger of two stimuli on ring 1 (Yang et al. 2019)", DM_PERIODS);
DM_TASK(dm2, "DM 2: respond towards the stronger of two stimuli on ring 2 (Yang et al. 2019)", DM_PERIODS);
DM_TASK(contextdm1, "Ctx DM 1: the stronger stimulus on ring 1, ignoring ring 2 (Yang et al. 2019)", DM_PERIODS);
DM_TASK(contextdm2, "Ctx DM 2: the stronger stimulus on ring 2, ignoring ring 1 (Yang et al. 2019)", DM_PERIODS);
DM_TASK(multidm, "MultSen DM: the stimulus stronger summed over both rings (Yang et al. 2019)", DM_PERIODS);
DM_TASK(delaydm1, "Dly DM 1: the stronger of two stimuli shown in sequence on ring 1 (Yang et al. 2019)",
        DELAY_PERIODS);
DM_TASK(delaydm2, "Dly DM 2: the stronger of two stimuli shown in sequence on ring 2 (Yang et al. 2019)",
        DELAY_PERIODS);
DM_TASK(contextdelaydm1, "Ctx Dly DM 1: as delaydm1 with distractors on ring 2 (Yang et al. 2019)",
        DELAY_PERIODS);
DM_TASK(contextdelaydm2, "Ctx Dly DM 2: as delaydm2 with distractors on ring 1 (Yang et al. 2019)",
        DELAY_PERIODS);
DM_TASK(multidelaydm, "MultSen Dly DM: stimuli in sequence, strengths summed over both rings (Yang et al. 2019)",
        DELAY_PERIODS);
