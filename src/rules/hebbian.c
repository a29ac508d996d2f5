/* hebbian.c — reward-modulated Hebbian learning in a rate RNN (Miconi 2017,
 * eLife 6:e20899, "Biologically plausible learning in recurrent neural
 * networks reproduces neural dynamics observed during cognitive tasks"),
 * for "rnn N ..., dense OUTPUTS" models.
 *
 * The network (rnn_layer.c), α = dt/τ:
 *
 *     x_t = (1 − α) x_{t−1} + α (W_rec r_{t−1} + W_in u_t + b + ξ_t),   r_t = f(x_t)
 *
 * Exploration (Miconi's Methods, "exploratory perturbations"): every unit
 * is kicked independently, at each step with probability rule.perturb_rate
 * (his 0.003 per 1 ms step, i.e. 3 Hz), by ξ_i,t ~ U(−A, A) with A =
 * rule.perturb_amp added to its input current (by default his 16 scaled
 * to the layer's α, 16 (1/30) / α, so that a kick moves the state as much
 * as his do) — where the layer's
 * own noise enters (cj_rnn_layer_perturb). At dt = 20 ms the same 3 Hz is
 * rule.perturb_rate = 0.06.
 *
 * Eligibility (his eq. 3): each recurrent synapse j -> i accumulates, over
 * the trial,
 *
 *     e_ij += S(r_j(t−1) (x_i(t) − x̄_i(t))),   S(v) = v³,
 *
 * where x̄_i(t) = 0.05 x̄_i(t−1) + 0.95 x_i(t−1) is a short running average
 * of the unit's state (his ALPHATRACEEXC = 0.05; x̄ starts at x_0 in every
 * trial). The supralinear S keeps the large, sudden fluctuations a kick
 * causes and suppresses the small, smooth ones the dynamics cause, so e
 * approximates node perturbation's Σ_t ξ_t r_{t−1}^T without the synapse
 * knowing ξ. Since S(ab) = S(a) S(b) for the cube, e = Σ_t d_t p_t^T with
 * d_t = (x_t − x̄_t)³ and p_t = r_{t−1}³, one matrix product per batch.
 * Only the steps the task counts enter (mask > 0: padding after a short
 * trial does not).
 *
 * Learning (his eq. 4): at the end of the trial,
 *
 *     ΔW_rec = η e (R − R̄),   R̄_k ← 0.75 R̄_k + 0.25 R   (his ALPHATRACE = 0.75)
 *
 * with R the trial's reward and R̄_k the running average of the reward in
 * trials of its type k. Here the rule proposes the descent direction
 * −e (R − R̄) / B (B trials per batch) in m->grads, which the optimiser
 * follows, so η is the optimiser's learning rate (optim.lr; with Adam the
 * step size is Adam's). Miconi writes it with the error, R = −|error|,
 * ΔW = −η e (err − mean err); the sign is the same. He also clips each
 * ΔW_ij to ±3e-4 and scales by the mean error; optim.clip_norm does the
 * first's job here and the second is left out. The first trial of a type
 * sets its R̄ to its reward and proposes nothing (his first 100 trials, in
 * which the baselines settle without learning, play that part).
 *
 * R and the type come from the task (cj_target.critic: NeuroGym's +1
 * correct, 0 wrong, −0.1 for breaking fixation). Data without a critic
 * get R = −(the trial's loss) and a single type, Miconi's error signal.
 *
 * Which weights learn. Miconi trained W_rec only; W_in is fixed, and the
 * response is read from a designated unit. Here W_in, the biases and h0
 * stay fixed too (their proposed update is 0), and the readout `dense`
 * layer learns by the delta rule, ΔW_out = −η Σ_t ε_t r_t^T with ε_t the
 * loss's error at the output (the task's target, mask included): the exact
 * gradient, and local — the output unit's error times its input's rate —
 * as a readout trained on a reservoir is (no error flows into the RNN;
 * nothing is backpropagated through time). The recurrent weights learn
 * from the reward alone.
 *
 * rule.readout_only = true leaves W_rec at its start (its proposed update
 * is 0, which Adam and SGD turn into no step): the readout alone, on the
 * random network, is the control that measures what the recurrent
 * learning adds.
 *
 * State. The baselines R̄ (and whether each type was seen) are the rule's
 * own state, r->saved, which a run saves and --resume restores. An update
 * works on a copy and after_step (after the optimiser applied the update)
 * makes it current, so measuring the rule (cj_rule_diagnose, which calls
 * update several times but never after_step) leaves the baselines alone.
 *
 * Each update runs the perturbed trial one step at a time (the rule reads
 * x_t after each), then a clean pass for the readout's error and the
 * batch's loss; both replay the same recurrent noise. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rules.h"

#define MICONI_RATE 0.003f   /* kicks per unit per 1 ms step (3 Hz) */
#define MICONI_AMP 16.0f     /* ALPHAMODUL */
#define MICONI_ALPHA (1.0f / 30.0f) /* his dt / tau: 1 ms / 30 ms */
#define TRACE_X 0.05f        /* ALPHATRACEEXC: x̄'s memory per step */
#define TRACE_R 0.75f        /* ALPHATRACE: R̄'s memory per trial */

typedef struct {
    int nh, ni, no;         /* hidden units, inputs, outputs */
    int T, B;               /* of the last update (for cj_rule_hebbian_trace) */
    float *xi, *d3, *p3, *g;    /* [T, B, H] each: kicks, (x − x̄)³, r_{t−1}³, d3 scaled by −(R − R̄)/B */
    float *xbar, *rprev;        /* [B, H] */
    float *out;                 /* [T, B, O]: the perturbed trial's outputs, for the critic */
    float *rows;                /* [T, B]: per-row losses when there is no critic */
    double *reward, *baseline;  /* [B] of the last update */
    float pending[2 * CJ_CRITIC_TYPES]; /* the baselines after the last update */
} hebb_state;

static cj_status hebb_create(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err)
{
    (void)rng;
    if (m->n_layers != 2 || m->layers[0].ops != &cj_rnn_ops || m->layers[1].ops != &cj_dense_ops)
        return cj_fail(err, CJ_ERR_CONFIG, "rule.name = hebbian needs model.layers = \"rnn N ..., dense OUTPUTS\" "
                       "(a rate RNN and its readout: the rule learns the recurrent weights)");
    float alpha;
    int f, dale;
    cj_rnn_layer_dynamics(&m->layers[0], &alpha, &f, &dale);
    if (dale)
        return cj_fail(err, CJ_ERR_CONFIG, "rule.name = hebbian does not support dale=true yet (its traces are for "
                       "unconstrained weights)");
    float rate = r->cfg.perturb_rate, amp = r->cfg.perturb_amp;
    if (!(rate >= 0 && rate < 1))
        return cj_fail(err, CJ_ERR_CONFIG, "rule.perturb_rate = %g must be in [0, 1)", rate);
    if (!(amp >= 0 && isfinite(amp)))
        return cj_fail(err, CJ_ERR_CONFIG, "rule.perturb_amp = %g must be 0 or positive", amp);
    if (rate == 0) r->cfg.perturb_rate = MICONI_RATE;
    /* Miconi's kick as a change of the state: 16 at his α = 1/30 moves x
     * by 0.53; the same kick at another α is 0.53 / α (at α = 0.2 his 16
     * would move x by 3.2 and throw tanh units into saturation). */
    if (amp == 0) r->cfg.perturb_amp = MICONI_AMP * MICONI_ALPHA / alpha;

    hebb_state *s = calloc(1, sizeof *s);
    if (!s) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the Hebbian rule's state");
    r->state = s;
    s->nh = m->layers[0].units;
    s->ni = m->layers[0].in.c;
    s->no = m->layers[1].out.c;
    size_t TB = (size_t)m->max_steps * m->max_batch, BH = (size_t)m->max_batch * s->nh;
    size_t need = 4 * TB * s->nh + 2 * BH + TB * s->no + TB;
    float *buf = malloc(sizeof(float) * need);
    s->reward = malloc(sizeof(double) * (size_t)m->max_batch);
    s->baseline = malloc(sizeof(double) * (size_t)m->max_batch);
    r->saved = calloc(2 * CJ_CRITIC_TYPES, sizeof(float)); /* R̄[k], then seen[k] (0 or 1) */
    if (!buf || !s->reward || !s->baseline || !r->saved) {
        free(buf);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the Hebbian rule's traces");
    }
    r->saved_floats = 2 * CJ_CRITIC_TYPES;
    s->xi = buf;
    s->d3 = s->xi + TB * s->nh;
    s->p3 = s->d3 + TB * s->nh;
    s->g = s->p3 + TB * s->nh;
    s->xbar = s->g + TB * s->nh;
    s->rprev = s->xbar + BH;
    s->out = s->rprev + BH;
    s->rows = s->out + TB * s->no;
    memcpy(s->pending, r->saved, sizeof s->pending);
    return CJ_OK;
}

static void hebb_destroy(cj_rule *r)
{
    hebb_state *s = r->state;
    if (s) {
        free(s->xi);
        free(s->reward);
        free(s->baseline);
        free(s);
    }
    free(r->saved);
    r->saved = NULL;
    r->saved_floats = 0;
    r->state = NULL;
}

/* Sparse kicks: each unit at each step with probability `rate`, U(−A, A). */
static void draw_kicks(cj_rng *rng, float *xi, size_t n, float rate, float amp)
{
    for (size_t i = 0; i < n; i++) xi[i] = cj_rng_uniform(rng) < rate ? amp * (2.0f * cj_rng_uniform(rng) - 1.0f) : 0.0f;
}

/* Does step s of trial b count (its mask, when it has one per step)? */
static int counts(const cj_target *t, int T, int B, int s, int b)
{
    return !(t->mask && t->steps == T) || t->mask[(size_t)s * B + b] > 0;
}

/* Run the perturbed trials one step at a time, recording the traces'
 * factors and the outputs. */
static void perturbed_pass(cj_rule *r, hebb_state *s, cj_model *m, const float *x, const cj_target *t, int T, int B)
{
    cj_layer *rnn = &m->layers[0];
    size_t BH = (size_t)B * s->nh, BO = (size_t)B * s->no;
    cj_model_reset(m, B);
    memcpy(s->xbar, cj_rnn_layer_state(rnn), sizeof(float) * BH);
    cj_rnn_layer_rates(rnn, B, s->rprev);
    for (int k = 0; k < T; k++) {
        cj_rnn_layer_perturb(rnn, s->xi + k * BH);
        const float *y = cj_model_forward_seq(m, x + (size_t)k * B * s->ni, 1, B);
        memcpy(s->out + k * BO, y, sizeof(float) * BO);
        const float *xs = cj_rnn_layer_state(rnn);
        float *d3 = s->d3 + k * BH, *p3 = s->p3 + k * BH;
        for (int b = 0; b < B; b++) {
            int on = counts(t, T, B, k, b);
            for (int i = 0; i < s->nh; i++) {
                size_t q = (size_t)b * s->nh + i;
                float dx = xs[q] - s->xbar[q], rp = s->rprev[q];
                d3[q] = on ? dx * dx * dx : 0.0f;
                p3[q] = on ? rp * rp * rp : 0.0f;
                s->xbar[q] = TRACE_X * s->xbar[q] + (1.0f - TRACE_X) * xs[q];
            }
        }
        memcpy(s->rprev, m->acts[1], sizeof(float) * BH);
    }
}

/* Without a critic: R = −(trial b's loss), the mean over its counted steps. */
static void rewards_from_loss(cj_rule *r, hebb_state *s, const cj_target *t, int T, int B)
{
    int per_step = t->steps == T;
    int rows = per_step ? T * B : B;
    const float *pred = per_step ? s->out : s->out + (size_t)(T - 1) * B * s->no;
    cj_target ts = *t;
    ts.critic = NULL;
    cj_loss_eval(&r->loss, pred, &ts, rows, s->no, NULL, s->rows);
    /* per-row shares are l m rows / Σm with a mask: undo the scaling */
    double all = 0.0;
    if (t->mask)
        for (int i = 0; i < rows; i++) all += t->mask[i];
    for (int b = 0; b < B; b++) {
        double sum = 0.0, w = 0.0;
        int n = per_step ? T : 1;
        for (int k = 0; k < n; k++) {
            size_t i = (size_t)k * B + b;
            sum += s->rows[i];
            w += t->mask ? t->mask[i] : 1.0;
        }
        double scale = t->mask ? all / rows : 1.0;
        s->reward[b] = w > 0 ? -sum * scale / w : 0.0;
    }
}

static float hebb_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int B)
{
    hebb_state *s = r->state;
    size_t BH = (size_t)B * s->nh, TBH = (size_t)T * BH;
    s->T = T;
    s->B = B;
    if (r->streams) cj_model_save_streams(m, r->streams);
    if (r->fixed_perturbation) memcpy(s->xi, r->fixed_perturbation, sizeof(float) * TBH);
    else draw_kicks(&r->rng, s->xi, TBH, r->cfg.perturb_rate, r->cfg.perturb_amp);
    perturbed_pass(r, s, m, x, t, T, B);

    /* The rewards and their baselines, trial by trial in batch order. */
    if (t->critic)
        for (int b = 0; b < B; b++) s->reward[b] = t->critic->reward(t->critic->user, b, s->out + (size_t)b * s->no,
                                                                    (size_t)B * s->no);
    else
        rewards_from_loss(r, s, t, T, B);
    float *rbar = s->pending, *seen = s->pending + CJ_CRITIC_TYPES;
    memcpy(s->pending, r->saved, sizeof s->pending);
    for (int b = 0; b < B; b++) {
        int k = t->critic ? t->critic->trial_type(t->critic->user, b) : 0;
        k = k < 0 || k >= CJ_CRITIC_TYPES ? 0 : k;
        double R = s->reward[b];
        double base = seen[k] ? rbar[k] : R; /* the first of its type sets the baseline */
        s->baseline[b] = base;
        float coef = (float)(-(R - base) / B);
        for (int k2 = 0; k2 < T; k2++) {
            const float *d = s->d3 + (size_t)k2 * BH + (size_t)b * s->nh;
            float *g = s->g + (size_t)k2 * BH + (size_t)b * s->nh;
            for (int i = 0; i < s->nh; i++) g[i] = coef * d[i];
        }
        rbar[k] = seen[k] ? (float)(TRACE_R * rbar[k] + (1.0 - TRACE_R) * R) : (float)R;
        seen[k] = 1.0f;
    }

    /* The clean pass: the batch's loss, and the readout's delta rule. */
    if (r->streams) cj_model_restore_streams(m, r->streams);
    cj_model_reset(m, B);
    cj_model_forward_seq(m, x, T, B);
    float L = cj_output_loss(&r->loss, m, t, m->dacts[2], NULL);
    cj_model_backward_range(m, 1, 1);

    /* ΔW_rec = Σ_{t,b} g_tb p_tb^T; nothing else in the RNN learns. */
    cj_layer *rnn = &m->layers[0];
    for (int k = 0; k < rnn->n_params; k++) memset(rnn->params[k].grad, 0, sizeof(float) * rnn->params[k].n);
    cj_param *w_hh = cj_layer_param(rnn, CJ_PARAM_RECURRENT);
    if (!r->cfg.readout_only)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, s->nh, s->nh, T * B, 1.0f, s->g, s->nh, s->p3, s->nh,
                    0.0f, w_hh->grad, s->nh);
    return L;
}

/* The baselines the last update reached become current. */
static cj_status hebb_after_step(cj_rule *r, cj_model *m, const cj_optim_config *opt, cj_error *err)
{
    (void)m, (void)opt, (void)err;
    hebb_state *s = r->state;
    memcpy(r->saved, s->pending, sizeof s->pending);
    return CJ_OK;
}

/* A resumed run's baselines are the saved ones. */
static void hebb_resumed(cj_rule *r)
{
    hebb_state *s = r->state;
    memcpy(s->pending, r->saved, sizeof s->pending);
}

cj_status cj_rule_hebbian_trace(const cj_rule *r, int b, float *e, double *reward, double *baseline, cj_error *err)
{
    if (r->cfg.kind != &cj_rule_hebbian || !r->state)
        return cj_fail(err, CJ_ERR_ARG, "cj_rule_hebbian_trace: the rule is %s, not hebbian",
                       r->cfg.kind ? cj_rule_name(r->cfg.kind) : "not made");
    const hebb_state *s = r->state;
    if (b < 0 || b >= s->B)
        return cj_fail(err, CJ_ERR_ARG, "cj_rule_hebbian_trace: trial %d is not one of the last update's %d", b, s->B);
    size_t BH = (size_t)s->B * s->nh;
    if (e)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, s->nh, s->nh, s->T, 1.0f, s->d3 + (size_t)b * s->nh,
                    (int)BH, s->p3 + (size_t)b * s->nh, (int)BH, 0.0f, e, s->nh);
    if (reward) *reward = s->reward[b];
    if (baseline) *baseline = s->baseline[b];
    return CJ_OK;
}

const cj_rule_ops cj_rule_hebbian = {
    .name = "hebbian",
    .summary = "reward-modulated Hebbian learning: sparse kicks, supralinear eligibility traces and the trial's "
               "reward against its running average (Miconi 2017)",
    .keys = CJ_RULE_KEY_EXPLORE,
    .stochastic = 1,
    .create = hebb_create,
    .update = hebb_update,
    .after_step = hebb_after_step,
    .resumed = hebb_resumed,
    .destroy = hebb_destroy,
};
