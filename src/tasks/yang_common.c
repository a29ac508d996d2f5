/* yang_common.c — what the 20 tasks of Yang et al. (2019) share
 * (src/tasks/yang.h): the ring code, the common end of every trial, and
 * Yang's performance measure.
 *
 * Targets and loss mask, against Yang's multitask code (task.py, Trial):
 *   - fixation output 0.85 before the response, 0.05 in it, as the
 *     paper's Methods state. The public code's Trial.add('fix_out') *sets*
 *     0.8 over the 0.05 baseline where the ring targets add to it; we
 *     follow the paper (CJ_YANG_FIX_HIGH is the one place to change).
 *   - ring outputs 0.05 + 0.8 exp(-d^2 / 2) around the response direction
 *     from the go cue on; 0.05 throughout a no-go trial.
 *   - the mask (Trial.add_c_mask): 0 for the first 100 ms of the trial
 *     ("never check the first 100ms"), 1 until the response, 0 for the
 *     first 100 ms of the response period (the grace period), 5 after,
 *     and the fixation output's column doubled. Steps are int(100 / dt),
 *     as Yang's. His loss (network.py) is mean(((y - y_hat) c_mask)^2):
 *     the mask multiplies the error before it is squared, so a squared
 *     error weighs c_mask^2. MSE here weighs squared errors by the step's
 *     mask and the column's weight, so the step mask is 25 after the grace
 *     period (CJ_YANG_RESPONSE_WEIGHT) and the fixation output weighs 4
 *     (cj_yang_output_weights): the same loss up to one factor per batch
 *     (Yang averages over every element, cajal over the masked weight).
 *
 * Input noise: N(0, (sigma / sqrt(dt))^2) on all 85 inputs at every step,
 * as Yang adds sigma_x sqrt(2 / alpha) noise to the whole input; the
 * default sigma (CJ_YANG_SIGMA = 0.1414) reproduces Yang's sigma_x = 0.01
 * at tau = 100 ms for any dt.
 *
 * Performance (network.py get_perf): only the last step of the trial
 * counts. When the correct response is to keep fixating, the trial is
 * correct iff the fixation output is > 0.5; otherwise iff it is not
 * (the network left fixation) and the population vector of the ring
 * outputs points within 0.2 pi of the target direction. Breaking
 * fixation early is reported (fixation_broken) but, as in Yang's
 * measure, does not by itself make a trial wrong. */
#include <math.h>
#include <string.h>

#include "yang.h"

static const float TWO_PI = 6.28318530717958647692f;
static const float PI = 3.14159265358979323846f;

/* Each output's weight in the loss: Yang's c_mask[:, :, 0] *= 2 on the
 * fixation output, squared as his loss squares the mask (above). */
const float cj_yang_output_weights[CJ_YANG_N_OUT] = {
    4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

/* Yang's list (task.py rules_dict['all']): the order of the rule inputs. */
static const char *const RULES[CJ_YANG_RULES] = {
    "fdgo", "reactgo", "delaygo", "fdanti", "reactanti", "delayanti",                     /* go, anti */
    "dm1", "dm2", "contextdm1", "contextdm2", "multidm",                                 /* decision making */
    "delaydm1", "delaydm2", "contextdelaydm1", "contextdelaydm2", "multidelaydm",        /* delayed */
    "dmsgo", "dmsnogo", "dmcgo", "dmcnogo",                                              /* matching */
};

static const char OBS_NAMES[] =
    "fixation,"
    "ring1_0,ring1_1,ring1_2,ring1_3,ring1_4,ring1_5,ring1_6,ring1_7,"
    "ring1_8,ring1_9,ring1_10,ring1_11,ring1_12,ring1_13,ring1_14,ring1_15,"
    "ring1_16,ring1_17,ring1_18,ring1_19,ring1_20,ring1_21,ring1_22,ring1_23,"
    "ring1_24,ring1_25,ring1_26,ring1_27,ring1_28,ring1_29,ring1_30,ring1_31,"
    "ring2_0,ring2_1,ring2_2,ring2_3,ring2_4,ring2_5,ring2_6,ring2_7,"
    "ring2_8,ring2_9,ring2_10,ring2_11,ring2_12,ring2_13,ring2_14,ring2_15,"
    "ring2_16,ring2_17,ring2_18,ring2_19,ring2_20,ring2_21,ring2_22,ring2_23,"
    "ring2_24,ring2_25,ring2_26,ring2_27,ring2_28,ring2_29,ring2_30,ring2_31,"
    "rule_fdgo,rule_reactgo,rule_delaygo,rule_fdanti,rule_reactanti,"
    "rule_delayanti,rule_dm1,rule_dm2,rule_contextdm1,rule_contextdm2,"
    "rule_multidm,rule_delaydm1,rule_delaydm2,rule_contextdelaydm1,rule_contextdelaydm2,"
    "rule_multidelaydm,rule_dmsgo,rule_dmsnogo,rule_dmcgo,rule_dmcnogo";

static const char OUT_NAMES[] =
    "fixation,"
    "out_0,out_1,out_2,out_3,out_4,out_5,out_6,out_7,"
    "out_8,out_9,out_10,out_11,out_12,out_13,out_14,out_15,"
    "out_16,out_17,out_18,out_19,out_20,out_21,out_22,out_23,"
    "out_24,out_25,out_26,out_27,out_28,out_29,out_30,out_31";

int cj_yang_rule_index(const char *name)
{
    for (int i = 0; i < CJ_YANG_RULES; i++)
        if (!strcmp(name, RULES[i])) return i;
    return -1;
}

cj_status cj_yang_parse_common(cj_task *t, cj_spec_args *a, cj_error *err)
{
    if (cj_yang_rule_index(t->ops->name) < 0)
        return cj_spec_fail(a, err, "'%s' is not one of Yang et al.'s 20 tasks", t->ops->name);
    /* The common sigma= defaults to NeuroGym's 1; these tasks default to
     * Yang's own noise (yang.h). */
    if (!cj_spec_value(a, "sigma")) t->sigma = CJ_YANG_SIGMA;
    t->n_obs = CJ_YANG_N_IN;
    t->n_actions = CJ_YANG_N_OUT;
    t->obs_names = OBS_NAMES;
    t->action_names = OUT_NAMES;
    return CJ_OK;
}

/* ---- the ring ----------------------------------------------------------------- */

float cj_yang_wrap(float angle)
{
    float a = fmodf(angle, TWO_PI);
    if (a < 0) a += TWO_PI;
    return a >= TWO_PI ? 0.0f : a; /* -tiny + 2 pi rounds to 2 pi */
}

float cj_yang_distance(float a, float b)
{
    float d = fabsf(cj_yang_wrap(a) - cj_yang_wrap(b));
    return d < TWO_PI - d ? d : TWO_PI - d;
}

float cj_yang_bump(float dir, int k)
{
    float d = cj_yang_distance(dir, TWO_PI * (float)k / CJ_YANG_RING) / (PI / 8);
    return CJ_YANG_BUMP * expf(-0.5f * d * d);
}

int cj_yang_nearest_unit(float dir)
{
    int k = (int)lroundf(cj_yang_wrap(dir) / (TWO_PI / CJ_YANG_RING));
    return k % CJ_YANG_RING;
}

/* Yang divides both sums by the sum of the outputs, which cannot change
 * the angle of positive (sigmoid) outputs; leaving it out keeps the
 * decoded direction right for outputs of any sign (a constant offset adds
 * nothing to either sum over the full ring). */
float cj_yang_popvec(const float *ring)
{
    double c = 0, s = 0;
    for (int k = 0; k < CJ_YANG_RING; k++) {
        double pref = 2 * M_PI * k / CJ_YANG_RING;
        c += ring[k] * cos(pref);
        s += ring[k] * sin(pref);
    }
    return cj_yang_wrap((float)atan2(s, c));
}

float cj_yang_uniform(cj_rng *rng, float lo, float hi) { return lo + (hi - lo) * cj_rng_uniform(rng); }

float cj_yang_sign(cj_rng *rng) { return cj_rng_below(rng, 2) ? 1.0f : -1.0f; }

void cj_yang_stimulus(const cj_task *t, float *obs, int s0, int s1, int modality, float dir, float s)
{
    float drive[CJ_YANG_RING];
    for (int k = 0; k < CJ_YANG_RING; k++) drive[k] = s * cj_yang_bump(dir, k);
    int ch = CJ_YANG_IN_RING1 + (modality - 1) * CJ_YANG_RING;
    for (int step = s0; step < s1; step++)
        for (int k = 0; k < CJ_YANG_RING; k++) obs[(size_t)step * t->n_obs + ch + k] += drive[k];
}

/* ---- the end of every trial ------------------------------------------------- */

/* int(100 / dt) as Yang's, robust to 100 / dt landing just under a whole number. */
static int steps_100ms(const cj_task *t) { return (int)floorf(100.0f / t->dt + 1e-4f); }

void cj_yang_finish(const cj_task *t, cj_rng *rng, cj_trial *tr, float *obs, const cj_task_targets *y, int fix_end,
                    int go, float target_dir)
{
    const int T = tr->T, n_out = t->n_actions, responds = target_dir >= 0;
    cj_task_set_obs(t, obs, 0, fix_end, CJ_YANG_IN_FIXATION, 1.0f);
    cj_task_set_obs(t, obs, 0, T, CJ_YANG_IN_RULE + cj_yang_rule_index(t->ops->name), 1.0f);
    float bump[CJ_YANG_RING];
    for (int k = 0; k < CJ_YANG_RING; k++) bump[k] = responds ? cj_yang_bump(target_dir, k) : 0.0f;
    int skip = steps_100ms(t), grace_end = go + steps_100ms(t);
    for (int s = 0; s < T; s++) {
        float *v = y->values + (size_t)s * n_out;
        int responding = responds && s >= go;
        v[0] = responding ? CJ_YANG_FIX_LOW : CJ_YANG_FIX_HIGH;
        for (int k = 0; k < CJ_YANG_RING; k++) v[1 + k] = CJ_YANG_BASELINE + (responding ? bump[k] : 0.0f);
        y->mask[s] = s < skip ? 0.0f : s < go ? 1.0f : s < grace_end ? 0.0f : CJ_YANG_RESPONSE_WEIGHT;
    }
    tr->response_start = go;
    tr->response_end = T;
    tr->ground_truth = responds ? 1 + cj_yang_nearest_unit(target_dir) : 0;
    tr->condition[CJ_YANG_COND_TARGET] = responds ? target_dir : -1.0;
    cj_task_add_noise(t, rng, obs, 0, T, 0, t->n_obs);
}

/* ---- performance ---------------------------------------------------------------- */

cj_trial_score cj_yang_score(const cj_task *t, const cj_trial *tr, const float *out, size_t stride)
{
    (void)t;
    cj_trial_score s = {.response_step = -1};
    if (tr->T < 1) return s;
    /* Fixating is Yang's "fixation output > 0.5"; a NaN output is not. */
    for (int step = 0; step < tr->response_start && !s.fixation_broken; step++)
        s.fixation_broken = !(out[(size_t)step * stride] > 0.5f);
    const float *last = out + (size_t)(tr->T - 1) * stride;
    int fixating = last[0] > 0.5f;
    float dir = cj_yang_popvec(last + 1);
    s.choice = 1 + cj_yang_nearest_unit(dir);
    s.response = !fixating;
    if (s.response) {
        /* The step from which it stopped fixating for good. */
        int step = tr->T - 1;
        while (step > tr->response_start && !(out[(size_t)(step - 1) * stride] > 0.5f)) step--;
        s.response_step = step;
    }
    double target = tr->condition[CJ_YANG_COND_TARGET];
    if (tr->ground_truth == 0 || target < 0)
        s.correct = fixating;
    else
        s.correct = !fixating && cj_yang_distance(dir, (float)target) < 0.2f * PI;
    return s;
}
