/* romo.c — delayed comparison of two vibrotactile frequencies (Romo,
 * Brody, Hernández & Lemus 1999, Nature 399:470): a flutter stimulus f1,
 * a delay to hold it in memory, a second one f2, then the report "was f1
 * higher than f2?". As NeuroGym's DelayComparison-v0.
 *
 * Frequencies come in NeuroGym's pairs, each 8 Hz apart (Hz, larger first:
 * pairs=18:10:22:14:26:18:30:22:34:26, the default): a trial draws a pair
 * uniformly and, with probability 1/2, swaps it, so f1 > f2 in half the
 * trials. Each frequency is one input channel as
 * NeuroGym represents it: scaled to [0, 1] over the pairs' range, then to
 * [0.5, 1] so every stimulus drives the channel positively:
 *     x(f) = (1 + (f - fmin) / (fmax - fmin)) / 2.
 * Noise N(0, (sigma/sqrt(dt))^2) is on that channel during the two
 * stimuli (NeuroGym's code adds it to the fixation input too; here, as in
 * the other tasks, the fixation input stays clean). The fixation input is
 * 1 until the decision period, the go cue.
 *
 * Actions: fixate, 1 "f1 > f2", 2 "f1 < f2". Conditions: f1, f2 (Hz) and
 * the ground truth. NeuroGym's timing (ms): fixation 500, stimulus1 500,
 * delay 1000, stimulus2 500, decision 100; Romo et al.'s monkeys held
 * f1 over 3000 ms (delay=3000). */
#include "cajal/tasks.h"

enum { MAX_PAIRS = 16 };

typedef struct {
    float pairs[2 * MAX_PAIRS]; /* (larger, smaller), Hz */
    int n_values;               /* 2 * the number of pairs */
    float fmin, fmax;
} romo;

enum { OBS_FIXATION, OBS_STIMULUS, N_OBS };

static const cj_task_period_def PERIODS[] = {
    {"fixation", "500"}, {"stimulus1", "500"}, {"delay", "1000"}, {"stimulus2", "500"}, {"decision", "100"},
};
enum { P_FIXATION, P_STIMULUS1, P_DELAY, P_STIMULUS2, P_DECISION, N_PERIODS };

static cj_status parse(cj_task *t, cj_spec_args *a, cj_error *err)
{
    romo *p = (romo *)t->priv;
    cj_status st = cj_task_arg_list(a, "pairs", "18:10:22:14:26:18:30:22:34:26", 1, 1000, 2 * MAX_PAIRS, p->pairs,
                                    &p->n_values, err);
    if (st) return st;
    if (p->n_values % 2)
        return cj_spec_fail(a, err, "pairs= has %d frequencies: it needs pairs f1:f2 (an even number)", p->n_values);
    p->fmin = p->fmax = p->pairs[0];
    for (int i = 0; i < p->n_values; i++) {
        p->fmin = p->pairs[i] < p->fmin ? p->pairs[i] : p->fmin;
        p->fmax = p->pairs[i] > p->fmax ? p->pairs[i] : p->fmax;
    }
    for (int i = 0; i < p->n_values; i += 2)
        if (p->pairs[i] <= p->pairs[i + 1])
            return cj_spec_fail(a, err, "pairs= pair %d is %g:%g: write each pair larger first", i / 2 + 1,
                                p->pairs[i], p->pairs[i + 1]);
    t->n_obs = N_OBS;
    t->n_actions = 3;
    t->obs_names = "fixation,stimulus";
    t->action_names = "fixate,f1_higher,f2_higher";
    return CJ_OK;
}

/* NeuroGym's DelayComparison.represent. */
static float represent(const romo *p, float f) { return 0.5f * (1.0f + (f - p->fmin) / (p->fmax - p->fmin)); }

static void trial(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y)
{
    const romo *p = (const romo *)t->priv;
    cj_task_draw_periods(t, rng, tr);
    int gt = 1 + (int)cj_rng_below(rng, 2);
    int k = (int)cj_rng_below(rng, (uint32_t)(p->n_values / 2));
    float f1 = p->pairs[2 * k], f2 = p->pairs[2 * k + 1];
    if (gt == 2) f1 = p->pairs[2 * k + 1], f2 = p->pairs[2 * k];
    int a0 = tr->period[P_STIMULUS1].start, a1 = tr->period[P_STIMULUS1].end;
    int b0 = tr->period[P_STIMULUS2].start, b1 = tr->period[P_STIMULUS2].end;
    int d0 = tr->period[P_DECISION].start;
    cj_task_set_obs(t, obs, 0, d0, OBS_FIXATION, 1.0f);
    cj_task_set_obs(t, obs, a0, a1, OBS_STIMULUS, represent(p, f1));
    cj_task_set_obs(t, obs, b0, b1, OBS_STIMULUS, represent(p, f2));
    cj_task_add_noise(t, rng, obs, a0, a1, OBS_STIMULUS, 1);
    cj_task_add_noise(t, rng, obs, b0, b1, OBS_STIMULUS, 1);
    cj_task_decision_targets(tr, y, d0, gt);
    tr->condition[0] = f1;
    tr->condition[1] = f2;
    tr->condition[2] = gt;
}

static void format_options(const cj_task *t, char *out, size_t len)
{
    const romo *p = (const romo *)t->priv;
    cj_task_format_numbers("pairs", p->pairs, p->n_values, out, len);
}

_Static_assert(sizeof(romo) <= sizeof(((cj_task *)0)->priv), "romo fits in cj_task.priv");

const cj_task_ops cj_romo_ops = {
    .name = "romo",
    .summary = "delayed comparison of two vibrotactile frequencies, f1 > f2? (Romo et al. 1999; NeuroGym "
               "DelayComparison)",
    .options = "pairs=",
    .periods = PERIODS,
    .n_periods = N_PERIODS,
    .conditions = "f1,f2,ground_truth",
    .parse = parse,
    .trial = trial,
    .format_options = format_options,
};
