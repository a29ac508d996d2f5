/* perceptual_dm.c — perceptual decision making, two alternatives: the
 * random-dot motion task of Shadlen & Newsome (2001) and Roitman &
 * Shadlen (2002), as NeuroGym's PerceptualDecisionMaking-v0 poses it.
 *
 * Two stimulus channels carry the evidence for each choice, 0.5 ± c/200
 * for coherence c (%), plus noise N(0, (sigma/sqrt(dt))^2) per step, in
 * the stimulus period only. The fixation input is 1 until the decision
 * period, whose start is the go cue: the network must then report the
 * choice whose channel was higher on average. At coherence 0 the correct
 * choice is a coin flip, as the monkeys' reward was.
 *
 * Conditions: coherence (signed: positive favours choice 1) and the
 * ground truth (1 or 2). */
#include "dots.h"

static const cj_task_period_def PERIODS[] = {
    {"fixation", "100"}, {"stimulus", "2000"}, {"delay", "0"}, {"decision", "100"},
};
enum { P_FIXATION, P_STIMULUS, P_DELAY, P_DECISION, N_PERIODS };

static void trial(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y)
{
    cj_task_draw_periods(t, rng, tr);
    int s0 = tr->period[P_STIMULUS].start, s1 = tr->period[P_STIMULUS].end;
    int d0 = tr->period[P_DECISION].start;
    cj_task_set_obs(t, obs, 0, d0, CJ_DOTS_FIXATION, 1.0f);
    int gt = cj_dots_stimulus(t, rng, tr, obs, s0, s1);
    cj_task_decision_targets(tr, y, d0, gt);
}

const cj_task_ops cj_perceptual_dm_ops = {
    .name = "perceptualdm",
    .summary = "two-choice random-dot motion discrimination, fixed duration (NeuroGym PerceptualDecisionMaking)",
    .options = "coherences=",
    .periods = PERIODS,
    .n_periods = N_PERIODS,
    .conditions = "coherence,ground_truth",
    .parse = cj_dots_parse,
    .trial = trial,
    .format_options = cj_dots_format,
};
