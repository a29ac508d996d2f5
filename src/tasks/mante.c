/* mante.c — context-dependent integration as Mante, Sussillo, Shenoy &
 * Newsome (2013, Nature 503:78, Methods "Recurrent neural network model")
 * posed it to their network, rather than as NeuroGym's categorical task
 * (contextdm, context_dm.c):
 *
 *   - one input per stimulus, its signed coherence (a fraction: c / 100)
 *     plus white noise, for "motion" and "colour", shown together;
 *   - two tonic context inputs, one of them 1 for the whole trial;
 *   - one linear output z, trained (MSE) to be +1 or −1 — the sign of the
 *     relevant stimulus's coherence — only at the end, in the decision
 *     period; no fixation output and no target during the stimulus, so
 *     nothing asks the network to make its choice categorical early.
 *
 * That last point is why the task exists beside contextdm: a readout that
 * has to say "fixate" during the stimulus and is scored by cross-entropy
 * rewards pushing the state into one of two attractors, while Mante's
 * network, graded by squared error at the end only, integrates the
 * relevant evidence along a line of slow points (their Fig. 5).
 *
 * Periods: stimulus 750 ms (Mante's), then decision 100 ms with the
 * stimuli off (delay= in between if wanted). Conditions as contextdm's
 * (context 0 motion / 1 colour, motion_coh, colour_coh in signed %, the
 * ground truth 1 for +1, 2 for −1), so the psychometric and TDR analyses
 * read both tasks alike. A trial is correct when the mean output over the
 * decision period has the target's sign. */
#include <stdio.h>
#include <string.h>

#include "cajal/tasks.h"

enum { MAX_COHERENCES = 16 };

typedef struct {
    float coherences[MAX_COHERENCES];
    int n_coherences;
} mante_task;

enum { OBS_MOTION, OBS_COLOUR, OBS_CTX_MOTION, OBS_CTX_COLOUR, N_OBS };

static const cj_task_period_def PERIODS[] = {
    {"stimulus", "750"},
    {"delay", "0"},
    {"decision", "100"},
};
enum { P_STIMULUS, P_DELAY, P_DECISION, N_PERIODS };

static cj_status parse(cj_task *t, cj_spec_args *a, cj_error *err)
{
    mante_task *p = (mante_task *)t->priv;
    cj_status st = cj_task_arg_list(a, "coherences", "5:15:50", 0, 100, MAX_COHERENCES, p->coherences,
                                    &p->n_coherences, err);
    t->n_obs = N_OBS;
    t->n_actions = 1;
    t->obs_names = "motion,colour,context_motion,context_colour";
    t->action_names = "choice";
    return st;
}

static void trial(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y)
{
    const mante_task *p = (const mante_task *)t->priv;
    cj_task_draw_periods(t, rng, tr);
    cj_context_draw c = cj_task_draw_context(rng, p->coherences, p->n_coherences);
    int context = c.context, gt = c.ground_truth;
    float motion = c.motion, colour = c.colour;
    int s0 = tr->period[P_STIMULUS].start, s1 = tr->period[P_STIMULUS].end;
    int d0 = tr->period[P_DECISION].start;
    cj_task_set_obs(t, obs, 0, tr->T, context == 0 ? OBS_CTX_MOTION : OBS_CTX_COLOUR, 1.0f);
    cj_task_set_obs(t, obs, s0, s1, OBS_MOTION, motion / 100.0f);
    cj_task_set_obs(t, obs, s0, s1, OBS_COLOUR, colour / 100.0f);
    cj_task_add_noise(t, rng, obs, s0, s1, OBS_MOTION, 2);
    for (int s = 0; s < tr->T; s++) {
        y->values[s] = s >= d0 ? (gt == 1 ? 1.0f : -1.0f) : 0.0f;
        y->mask[s] = s >= d0 ? 1.0f : 0.0f;
    }
    tr->response_start = d0;
    tr->response_end = tr->T;
    tr->ground_truth = gt;
    tr->condition[0] = context;
    tr->condition[1] = motion;
    tr->condition[2] = colour;
    tr->condition[3] = gt;
}

/* The choice is the sign of the mean output over the decision period. */
static cj_trial_score score(const cj_task *t, const cj_trial *tr, const float *out, size_t stride)
{
    (void)t;
    cj_trial_score s = {.response_step = -1};
    double sum = 0;
    for (int step = tr->response_start; step < tr->response_end; step++) sum += out[(size_t)step * stride];
    if (tr->response_end <= tr->response_start || !(sum == sum)) return s; /* no window, or NaN: wrong */
    s.choice = sum > 0 ? 1 : 2;
    s.response = s.choice;
    s.response_step = tr->response_start;
    s.correct = s.choice == tr->ground_truth;
    return s;
}

static void format_options(const cj_task *t, char *out, size_t len)
{
    const mante_task *p = (const mante_task *)t->priv;
    cj_task_format_numbers("coherences", p->coherences, p->n_coherences, out, len);
}

_Static_assert(sizeof(mante_task) <= sizeof(((cj_task *)0)->priv), "mante_task fits in cj_task.priv");

const cj_task_ops cj_mante_ops = {
    .name = "mante",
    .summary = "context-dependent integration as Mante et al. (2013) trained their network: one signed input per "
               "stimulus, one output read only at the end (MSE)",
    .options = "coherences=",
    .periods = PERIODS,
    .n_periods = N_PERIODS,
    .conditions = "context,motion_coh,colour_coh,ground_truth",
    .target = CJ_TARGET_VALUES,
    .parse = parse,
    .trial = trial,
    .score = score,
    .format_options = format_options,
};
