/* match.c — delayed match to sample (dms) and delayed non-match to sample
 * (dnms) with two stimuli, A and B, in the timing of Miconi (2017, eLife
 * 6:e20899, Fig. 1 and its code): a sample shown 200 ms, a 200 ms delay,
 * a test shown 200 ms, and the answer read over the last 200 ms of a
 * 1000 ms trial (so 200 ms after the test ends: delay2=200; delay2=0
 * asks for it at once). The four trial types AA, AB, BA, BB (numbered 0..3
 * in that order, as Miconi's) are equally likely, so sample and test are
 * independent and half the trials match.
 *
 * Inputs: fixation, A, B. A stimulus is its one-hot channel at 1 for its
 * period, plus noise N(0, (sigma/sqrt(dt))^2) on both stimulus channels
 * during the sample and the test (NeuroGym's DelayMatchSample); the
 * fixation input is 1 until the decision period, the go cue.
 *
 * The two tasks answer differently, so they are two problems, not one
 * with its labels swapped:
 *   dms   NeuroGym's DelayMatchSample actions: fixate, 1 "match",
 *         2 "non-match"; a choice on every trial.
 *   dnms  respond / withhold, as Miconi's output (+1 "different", -1
 *         "same") and Yang et al. (2019)'s dnms pose it: actions fixate,
 *         1 "respond"; respond on a non-match (ground truth 1), keep
 *         fixating on a match (ground truth 0, a no-go trial).
 *
 * Conditions: sample and test (0 A, 1 B), the ground truth, and the
 * trial type 0..3 (2 sample + test), for rules that keep a reward
 * baseline per trial type as Miconi's does. */
#include "cajal/tasks.h"

enum { OBS_FIXATION, OBS_A, OBS_B, N_OBS };

static const cj_task_period_def PERIODS[] = {
    {"fixation", "0"}, {"sample", "200"}, {"delay", "200"}, {"test", "200"}, {"delay2", "200"}, {"decision", "200"},
};
enum { P_FIXATION, P_SAMPLE, P_DELAY, P_TEST, P_DELAY2, P_DECISION, N_PERIODS };

typedef struct {
    int nonmatch; /* dnms: respond on non-match only */
} match_task;

static cj_status parse_dms(cj_task *t, cj_spec_args *a, cj_error *err)
{
    match_task *p = (match_task *)t->priv;
    p->nonmatch = 0;
    t->n_obs = N_OBS;
    t->n_actions = 3;
    t->obs_names = "fixation,A,B";
    t->action_names = "fixate,match,non_match";
    return CJ_OK;
}

static cj_status parse_dnms(cj_task *t, cj_spec_args *a, cj_error *err)
{
    match_task *p = (match_task *)t->priv;
    p->nonmatch = 1;
    t->n_obs = N_OBS;
    t->n_actions = 2;
    t->obs_names = "fixation,A,B";
    t->action_names = "fixate,respond";
    return CJ_OK;
}

static void trial(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y)
{
    const match_task *p = (const match_task *)t->priv;
    cj_task_draw_periods(t, rng, tr);
    int type = (int)cj_rng_below(rng, 4);
    int sample = type / 2, test = type % 2, match = sample == test;
    int gt = p->nonmatch ? !match : match ? 1 : 2;
    int a0 = tr->period[P_SAMPLE].start, a1 = tr->period[P_SAMPLE].end;
    int b0 = tr->period[P_TEST].start, b1 = tr->period[P_TEST].end;
    int d0 = tr->period[P_DECISION].start;
    cj_task_set_obs(t, obs, 0, d0, OBS_FIXATION, 1.0f);
    cj_task_set_obs(t, obs, a0, a1, OBS_A + sample, 1.0f);
    cj_task_set_obs(t, obs, b0, b1, OBS_A + test, 1.0f);
    cj_task_add_noise(t, rng, obs, a0, a1, OBS_A, 2);
    cj_task_add_noise(t, rng, obs, b0, b1, OBS_A, 2);
    cj_task_decision_targets(tr, y, d0, gt);
    tr->condition[0] = sample;
    tr->condition[1] = test;
    tr->condition[2] = gt;
    tr->condition[3] = type;
}

_Static_assert(sizeof(match_task) <= sizeof(((cj_task *)0)->priv), "match_task fits in cj_task.priv");

const cj_task_ops cj_dms_ops = {
    .name = "dms",
    .summary = "delayed match to sample, A/B, match or non-match (Miconi 2017's timing; NeuroGym DelayMatchSample)",
    .periods = PERIODS,
    .n_periods = N_PERIODS,
    .conditions = "sample,test,ground_truth,trial_type",
    .parse = parse_dms,
    .trial = trial,
};

const cj_task_ops cj_dnms_ops = {
    .name = "dnms",
    .summary = "delayed non-match to sample, A/B, respond on non-match (Miconi 2017)",
    .periods = PERIODS,
    .n_periods = N_PERIODS,
    .conditions = "sample,test,ground_truth,trial_type",
    .parse = parse_dnms,
    .trial = trial,
};
