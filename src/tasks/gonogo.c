/* gonogo.c — go / no-go with a delay, as NeuroGym's GoNogo-v0 (whose
 * reference is "Active information maintenance in working memory by a
 * sensory cortex", eLife 2019, 8:e43191): a go or a no-go cue, a delay, then the decision period, in which the
 * network must respond after a go cue and keep fixating after a no-go.
 *
 * Inputs: fixation, nogo, go. The cue is its channel at 1 for the
 * stimulus period; the fixation input is 1 until the decision period.
 * NeuroGym's GoNogo has no input noise, so sigma defaults to 0 here;
 * sigma= adds N(0, (sigma/sqrt(dt))^2) to the two cue channels during the
 * stimulus. Actions: fixate, 1 "go". The ground truth is 1 on go trials
 * and 0 on no-go (keep fixating, as cj_task_score_actions reads 0).
 * Timing (ms), NeuroGym's: fixation 0, stimulus 500, delay 500, decision
 * 500. Conditions: go (1 go, 0 no-go) and the ground truth.
 *
 * Rewards are NeuroGym's GoNogo ones, not the default: +1 for a response
 * on go; -0.5 for responding on no-go ("fail") and for not responding on
 * go ("miss"); 0 for withholding on no-go (a correct trial, unrewarded);
 * -0.1 for breaking fixation before the decision period ("abort"). */
#include "cajal/tasks.h"

enum { OBS_FIXATION, OBS_NOGO, OBS_GO, N_OBS };

static const cj_task_period_def PERIODS[] = {
    {"fixation", "0"}, {"stimulus", "500"}, {"delay", "500"}, {"decision", "500"},
};
enum { P_FIXATION, P_STIMULUS, P_DELAY, P_DECISION, N_PERIODS };

static cj_status parse(cj_task *t, cj_spec_args *a, cj_error *err)
{
    /* The common sigma= was read with its default of 1; NeuroGym's task
     * is noiseless unless asked. */
    if (!cj_spec_value(a, "sigma")) t->sigma = 0;
    t->n_obs = N_OBS;
    t->n_actions = 2;
    t->obs_names = "fixation,nogo,go";
    t->action_names = "fixate,go";
    return CJ_OK;
}

static void trial(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y)
{
    cj_task_draw_periods(t, rng, tr);
    int go = (int)cj_rng_below(rng, 2);
    int s0 = tr->period[P_STIMULUS].start, s1 = tr->period[P_STIMULUS].end;
    int d0 = tr->period[P_DECISION].start;
    cj_task_set_obs(t, obs, 0, d0, OBS_FIXATION, 1.0f);
    cj_task_set_obs(t, obs, s0, s1, go ? OBS_GO : OBS_NOGO, 1.0f);
    cj_task_add_noise(t, rng, obs, s0, s1, OBS_NOGO, 2);
    cj_task_decision_targets(tr, y, d0, go);
    tr->condition[0] = go;
    tr->condition[1] = go;
}

/* NeuroGym's GoNogo rewards {abort: -0.1, correct: +1, fail: -0.5, miss: -0.5}. */
static double reward(const cj_task *t, const cj_trial *tr, const cj_trial_score *s)
{
    if (s->fixation_broken) return -0.1;
    if (tr->ground_truth) return s->response ? 1.0 : -0.5;
    return s->response ? -0.5 : 0.0;
}

const cj_task_ops cj_gonogo_ops = {
    .name = "gonogo",
    .summary = "go / no-go after a delay: respond on go, keep fixating on no-go (NeuroGym GoNogo)",
    .periods = PERIODS,
    .n_periods = N_PERIODS,
    .conditions = "go,ground_truth",
    .parse = parse,
    .trial = trial,
    .reward = reward,
};
