/* perceptual_dm_rt.c — perceptual decision making in reaction time: the
 * random-dot motion task of Roitman & Shadlen (2002, J Neurosci 22:9475),
 * where the monkey may report its choice whenever it is ready after the
 * dots appear. NeuroGym poses it as PerceptualDecisionMaking-v0 wrapped in
 * its ReactionTime wrapper (neurogym.envs.collections.roitman02); this is
 * that task, with the wrapper's defaults.
 *
 * The stimulus is perceptualdm's: two channels 0.5 ± c/200 for coherence
 * c (%), plus N(0, (sigma/sqrt(dt))^2) per step, while the stimulus is on.
 * As in NeuroGym's PerceptualDecisionMaking, the fixation input is 1 in
 * the fixation period only: its offset at stimulus onset is the go
 * signal, so the network may answer from then on.
 *
 * Response window: as NeuroGym's wrapper, which moves the decision start
 * to stimulus onset + dt, the window opens one step after stimulus onset
 * and lasts to the end of the trial; the target is the correct choice
 * from that step on and "fixate" before it. An answer at the onset step
 * itself (the wrapper neither rewards nor punishes it) counts here as an
 * anticipation: fixation broken, as any other answer before the window.
 * The wrapper's default ends the trial with the stimulus (decision=0);
 * decision=300 keeps 300 ms of window after the dots are off, as its
 * end_on_stimulus=False does.
 *
 * The reaction time of a scored trial s (cj_trial_score) is the time from
 * stimulus onset to the end of the step of the first answer:
 *     RT = (s.response_step - stimulus_start + 1) * dt   ms,
 * stimulus_start from cj_trial_period(trial, "stimulus", ...); no RT when
 * s.response_step is -1 (the network never answered).
 *
 * Conditions: coherence (signed: positive favours choice 1) and the
 * ground truth (1 or 2; a coin flip at coherence 0). */
#include "dots.h"

/* NeuroGym's PerceptualDecisionMaking timing, ms; the wrapper ends the
 * trial with the stimulus, hence no decision period by default. */
static const cj_task_period_def PERIODS[] = {
    {"fixation", "100"}, {"stimulus", "2000"}, {"decision", "0"},
};
enum { P_FIXATION, P_STIMULUS, P_DECISION, N_PERIODS };

static void trial(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y)
{
    cj_task_draw_periods(t, rng, tr);
    int s0 = tr->period[P_STIMULUS].start, s1 = tr->period[P_STIMULUS].end;
    cj_task_set_obs(t, obs, 0, s0, CJ_DOTS_FIXATION, 1.0f);
    int gt = cj_dots_stimulus(t, rng, tr, obs, s0, s1);
    /* A stimulus of under 2 steps leaves a window of the decision period
     * alone, or none. */
    cj_task_decision_targets(tr, y, s0 + 1 < tr->T ? s0 + 1 : tr->T, gt);
}

const cj_task_ops cj_perceptual_dm_rt_ops = {
    .name = "perceptualdm_rt",
    .summary = "two-choice random-dot motion discrimination in reaction time (Roitman & Shadlen 2002; "
               "NeuroGym PerceptualDecisionMaking + ReactionTime)",
    .options = "coherences=",
    .periods = PERIODS,
    .n_periods = N_PERIODS,
    .conditions = "coherence,ground_truth",
    .parse = cj_dots_parse,
    .trial = trial,
    .format_options = cj_dots_format,
};
