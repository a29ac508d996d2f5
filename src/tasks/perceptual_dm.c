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
#include <string.h>

#include "cajal/tasks.h"

enum { MAX_COHERENCES = 16 };

typedef struct {
    float coherences[MAX_COHERENCES];
    int n_coherences;
} perceptual_dm;

enum { OBS_FIXATION, OBS_CHOICE1, OBS_CHOICE2, N_OBS };

static const cj_task_period_def PERIODS[] = {
    {"fixation", "100"}, {"stimulus", "2000"}, {"delay", "0"}, {"decision", "100"},
};
enum { P_FIXATION, P_STIMULUS, P_DELAY, P_DECISION, N_PERIODS };

static cj_status parse(cj_task *t, cj_spec_args *a, cj_error *err)
{
    perceptual_dm *p = (perceptual_dm *)t->priv;
    /* Roitman & Shadlen (2002)'s coherences, %. */
    cj_status st = cj_task_arg_list(a, "coherences", "0:3.2:6.4:12.8:25.6:51.2", 0, 100, MAX_COHERENCES,
                                    p->coherences, &p->n_coherences, err);
    t->n_obs = N_OBS;
    t->n_actions = 3;
    t->obs_names = "fixation,choice1,choice2";
    t->action_names = "fixate,choice1,choice2";
    return st;
}

static void trial(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y)
{
    const perceptual_dm *p = (const perceptual_dm *)t->priv;
    cj_task_draw_periods(t, rng, tr);
    int gt = 1 + (int)cj_rng_below(rng, 2);
    float c = p->coherences[cj_rng_below(rng, (uint32_t)p->n_coherences)];
    int s0 = tr->period[P_STIMULUS].start, s1 = tr->period[P_STIMULUS].end;
    int d0 = tr->period[P_DECISION].start;
    cj_task_set_obs(t, obs, 0, d0, OBS_FIXATION, 1.0f);
    cj_task_set_obs(t, obs, s0, s1, gt == 1 ? OBS_CHOICE1 : OBS_CHOICE2, 0.5f + c / 200.0f);
    cj_task_set_obs(t, obs, s0, s1, gt == 1 ? OBS_CHOICE2 : OBS_CHOICE1, 0.5f - c / 200.0f);
    cj_task_add_noise(t, rng, obs, s0, s1, OBS_CHOICE1, 2);
    cj_task_decision_targets(tr, y, d0, gt);
    tr->condition[0] = gt == 1 ? c : -c;
    tr->condition[1] = gt;
}

static void format_options(const cj_task *t, char *out, size_t len)
{
    const perceptual_dm *p = (const perceptual_dm *)t->priv;
    cj_task_format_numbers("coherences", p->coherences, p->n_coherences, out, len);
}

_Static_assert(sizeof(perceptual_dm) <= sizeof(((cj_task *)0)->priv), "perceptual_dm fits in cj_task.priv");

const cj_task_ops cj_perceptual_dm_ops = {
    .name = "perceptualdm",
    .summary = "two-choice random-dot motion discrimination, fixed duration (NeuroGym PerceptualDecisionMaking)",
    .options = "coherences=",
    .periods = PERIODS,
    .n_periods = N_PERIODS,
    .conditions = "coherence,ground_truth",
    .parse = parse,
    .trial = trial,
    .format_options = format_options,
};
