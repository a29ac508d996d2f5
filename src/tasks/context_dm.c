/* context_dm.c — context-dependent integration (Mante, Sussillo, Shenoy &
 * Newsome 2013, Nature 503:78), as NeuroGym's ContextDecisionMaking-v0.
 *
 * Each trial shows two noisy stimuli at once, "motion" and "colour", each
 * as a pair of channels 0.5 ± c/200 for its own signed coherence and its
 * own correct side; a context cue says which one to report. The network
 * must integrate the relevant stimulus and ignore the other, which is
 * drawn independently (so it agrees with the relevant one half the time).
 *
 * Inputs: fixation, motion choice 1/2, colour choice 1/2, context motion,
 * context colour (7). The fixation input and the context cue are on until
 * the decision period (the go cue); noise is on the stimulus channels in
 * the stimulus period. Conditions: context (0 motion, 1 colour),
 * motion_coh and colour_coh (signed %: positive favours choice 1) and the
 * ground truth (1 or 2). Mante's monkeys saw a delay after the dots;
 * delay=truncexp:600:300:3000 gives NeuroGym's (the default here is none,
 * to train fast). */
#include <stdio.h>
#include <string.h>

#include "cajal/tasks.h"

enum { MAX_COHERENCES = 16 };

typedef struct {
    float coherences[MAX_COHERENCES];
    int n_coherences;
    float baseline;     /* each stimulus channel's level at coherence 0 (NeuroGym's 0.5) */
} context_dm;

enum { OBS_FIXATION, OBS_MOTION1, OBS_MOTION2, OBS_COLOUR1, OBS_COLOUR2, OBS_CTX_MOTION, OBS_CTX_COLOUR, N_OBS };

static const cj_task_period_def PERIODS[] = {
    {"fixation", "300"}, {"stimulus", "750"}, {"delay", "0"}, {"decision", "100"},
};
enum { P_FIXATION, P_STIMULUS, P_DELAY, P_DECISION, N_PERIODS };

static cj_status parse(cj_task *t, cj_spec_args *a, cj_error *err)
{
    context_dm *p = (context_dm *)t->priv;
    /* NeuroGym's coherences, %, each drawn with either sign. */
    cj_status st = cj_task_arg_list(a, "coherences", "5:15:50", 0, 100, MAX_COHERENCES, p->coherences,
                                    &p->n_coherences, err);
    if (!st) st = cj_spec_float(a, "baseline", 0.5f, -10, 10, &p->baseline, err);
    t->n_obs = N_OBS;
    t->n_actions = 3;
    t->obs_names = "fixation,motion1,motion2,colour1,colour2,context_motion,context_colour";
    t->action_names = "fixate,choice1,choice2";
    return st;
}

/* One stimulus's pair of channels for signed coherence c. */
static void stimulus(const cj_task *t, float *obs, int s0, int s1, int ch1, float c)
{
    const context_dm *p = (const context_dm *)t->priv;
    cj_task_set_obs(t, obs, s0, s1, ch1, p->baseline + c / 200.0f);
    cj_task_set_obs(t, obs, s0, s1, ch1 + 1, p->baseline - c / 200.0f);
}

static void trial(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y)
{
    const context_dm *p = (const context_dm *)t->priv;
    cj_task_draw_periods(t, rng, tr);
    cj_context_draw c = cj_task_draw_context(rng, p->coherences, p->n_coherences);
    int context = c.context, gt = c.ground_truth;
    float motion = c.motion, colour = c.colour;
    int s0 = tr->period[P_STIMULUS].start, s1 = tr->period[P_STIMULUS].end;
    int d0 = tr->period[P_DECISION].start;
    cj_task_set_obs(t, obs, 0, d0, OBS_FIXATION, 1.0f);
    cj_task_set_obs(t, obs, 0, d0, context == 0 ? OBS_CTX_MOTION : OBS_CTX_COLOUR, 1.0f);
    stimulus(t, obs, s0, s1, OBS_MOTION1, motion);
    stimulus(t, obs, s0, s1, OBS_COLOUR1, colour);
    cj_task_add_noise(t, rng, obs, s0, s1, OBS_MOTION1, 4);
    cj_task_decision_targets(tr, y, d0, gt);
    tr->condition[0] = context;
    tr->condition[1] = motion;
    tr->condition[2] = colour;
    tr->condition[3] = gt;
}

static void format_options(const cj_task *t, char *out, size_t len)
{
    const context_dm *p = (const context_dm *)t->priv;
    cj_task_format_numbers("coherences", p->coherences, p->n_coherences, out, len);
    size_t used = strlen(out);
    if (used < len) snprintf(out + used, len - used, " baseline=%g", p->baseline);
}

_Static_assert(sizeof(context_dm) <= sizeof(((cj_task *)0)->priv), "context_dm fits in cj_task.priv");

const cj_task_ops cj_context_dm_ops = {
    .name = "contextdm",
    .summary = "context-dependent integration of motion or colour (Mante et al. 2013; NeuroGym ContextDecisionMaking)",
    .options = "coherences=, baseline=",
    .periods = PERIODS,
    .n_periods = N_PERIODS,
    .conditions = "context,motion_coh,colour_coh,ground_truth",
    .parse = parse,
    .trial = trial,
    .format_options = format_options,
};
