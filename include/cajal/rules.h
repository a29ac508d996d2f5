/* rules.h — the learning-rule component: given a batch, a rule proposes an
 * update direction for every parameter (written into the model's gradient
 * buffer, which the optimiser then follows). Backprop proposes the true
 * gradient; the biologically plausible rules propose something else, and
 * how far that is from the true gradient is measured by
 * cj_rule_diagnose (Richards et al. 2019, Fig. 3; Lillicrap et al. 2020).
 *
 * Rules see layers only through cj_model's forward activations and
 * cj_layer_backward's `feedback` argument; no layer knows its rule. */
#ifndef CAJAL_RULES_H
#define CAJAL_RULES_H

#include "cajal/model.h"
#include "cajal/objectives.h"
#include "cajal/optim.h"
#include "cajal/rng.h"
#include "cajal/status.h"

typedef struct cj_rule cj_rule;
typedef struct cj_rule_ops cj_rule_ops;

/* Which rule.* keys of the experiment file a rule reads (cj_rule_ops.keys);
 * setting one the chosen rule does not read is an error naming it. */
enum {
    CJ_RULE_KEY_SIGMA = 1,
    CJ_RULE_KEY_SAMPLES = 2,
    CJ_RULE_KEY_DECAY = 4,
    CJ_RULE_KEY_CALIBRATE = 8,  /* rule.calibrate (DFA) */
    CJ_RULE_KEY_MIRROR = 16,    /* rule.mirror_lr, mirror_decay, mirror_steps (weight mirror) */
    CJ_RULE_KEY_EXPLORE = 32    /* rule.perturb_rate, perturb_amp (reward-modulated Hebbian) */
};

typedef struct {
    const cj_rule_ops *kind;
    float sigma;   /* perturbation standard deviation (node/weight perturbation) */
    int samples;   /* perturbation draws averaged per update */
    float decay;   /* Kolen-Pollack: decay added to the update of both W and B */
    int calibrate; /* DFA: scale each B_l once so the first batch's error has backprop's size */
    /* Weight mirror (Akrout et al. 2019): B learns from noise x ~ N(0, 1)
     * sent through W, dB = lr (W x) x^T - decay B, mirror_steps batches of
     * noise after every optimiser step; B tends to (lr / decay) W. */
    float mirror_lr, mirror_decay;
    int mirror_steps;
    int bptt_truncate; /* train.bptt_truncate: backprop through time in chunks of this many steps (0 = whole) */
    /* Reward-modulated Hebbian learning (Miconi 2017): each unit is kicked
     * independently with this probability per step, by an amplitude drawn
     * from U(-perturb_amp, perturb_amp) added to its input current. 0 means
     * Miconi's values: 0.003 per 1 ms step (3 Hz) and his 16 scaled to the
     * layer's alpha, 16 (1/30) / alpha (src/rules/hebbian.c). */
    float perturb_rate, perturb_amp;
    /* Hebbian: only the readout learns (the recurrent weights keep their
     * start), the reservoir control that says what the recurrent learning
     * adds (Jaeger 2001; Sussillo & Abbott 2009 read out random networks). */
    int readout_only;
} cj_rule_config;

/* A learning rule is a table of functions (kann-style). Adding one: write
 * src/rules/NAME.c with its cj_rule_ops, add one line to src/rules/registry.c
 * and a test. */
struct cj_rule_ops {
    const char *name;      /* rule.name */
    const char *summary;   /* one line: what it is, with the paper */
    unsigned keys;         /* CJ_RULE_KEY_* it reads */
    int stochastic;        /* an update is a random estimate: diagnostics draw several */
    int truncates;         /* honours train.bptt_truncate */
    /* Allocate the rule's own state for model m (optional). */
    cj_status (*create)(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err);
    /* Write the proposed update for x [T, B, ...] against t into m->grads;
     * return the batch loss before any update. */
    float (*update)(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int B);
    /* After the optimiser applied m->grads (optional): Kolen-Pollack moves
     * its feedback weights with the same update, the weight mirror learns
     * them from noise (m->grads may be overwritten). */
    cj_status (*after_step)(cj_rule *r, cj_model *m, const cj_optim_config *opt, cj_error *err);
    /* Called when a stopped run resumes, after the saved feedback weights,
     * random stream and optimiser state are back (optional): e.g. DFA's
     * one-time calibration is already in its feedback weights. */
    void (*resumed)(cj_rule *r);
    /* Free what create allocated beyond the shared fields (optional). */
    void (*destroy)(cj_rule *r);
};

/* The registered rules, in the order messages list them, and lookup. */
const cj_rule_ops *const *cj_rule_registry(int *n);
extern const cj_rule_ops cj_rule_bp, cj_rule_fa, cj_rule_dfa, cj_rule_sign_symmetry, cj_rule_kolen_pollack,
    cj_rule_weight_mirror, cj_rule_node_perturbation, cj_rule_weight_perturbation, cj_rule_rflo, cj_rule_hebbian;

cj_rule_config cj_rule_defaults(const cj_rule_ops *kind);
cj_status cj_rule_parse(const char *name, const cj_rule_ops **kind, cj_error *err);
static inline const char *cj_rule_name(const cj_rule_ops *kind) { return kind->name; }
static inline int cj_rule_is_stochastic(const cj_rule_ops *kind) { return kind->stochastic; }

struct cj_rule {
    cj_rule_config cfg;
    cj_objective loss;     /* a copy, with its own work memory */
    int n_layers;
    /* FA, sign symmetry, KP, weight mirror: feedback_buf is laid out like the model's
     * params, holding a matrix at every weight's place (weights and
     * recurrent weights; zeros at biases), and feedback[i] points at layer
     * i's part. DFA: feedback[i] is [n_outputs, size of the next parametric
     * layer's input]. NULL for layers that need none. */
    float **feedback;
    float *feedback_buf;   /* laid out like the model's params (owned) */
    size_t feedback_floats; /* feedback_buf's length (saved to resume a run) */
    float *kp_grad;        /* KP: the update proposed for the feedback weights */
    cj_optim kp_optim;     /* KP: moves the feedback weights as W moves */
    int kp_optim_ready;
    float *work;           /* scratch: perturbation noise, saved losses */
    size_t work_floats;
    /* A rule's own scratch beyond these (ops->destroy frees it). Resuming
     * a run restores feedback_buf, kp_optim, rng and `saved` only, so
     * anything here must not carry from one update to the next. */
    cj_rng *streams;       /* the model's layer streams at the start of an update (owned) */
    void *state;
    /* A rule's own state that carries from one update to the next and is
     * not feedback weights (the Hebbian rule's reward baselines): a run
     * saves it ("rule.state" in train_state.safetensors) and --resume
     * restores it bit for bit. The rule's create allocates it and its
     * destroy frees it; NULL for rules without such state. */
    float *saved;
    size_t saved_floats;
    /* A fixed perturbation for the next updates in place of random draws
     * (cj_rule_fix_perturbation); NULL: draw them. */
    const float *fixed_perturbation;
    cj_rng rng;
};

/* Tests: make the perturbation rules use xi instead of drawing it, until
 * called with NULL. The layout is the rule's own: node_perturbation takes
 * every parametric layer's noise in order, [T, B, units] each (a rate RNN's
 * enters inside its recurrence, the others' on their outputs), the same
 * for each of rule.samples; hebbian takes the RNN's [T, B, H] kicks (zeros
 * where a unit is not kicked). The caller keeps xi alive meanwhile. */
static inline void cj_rule_fix_perturbation(cj_rule *r, const float *xi) { r->fixed_perturbation = xi; }

/* Reward-modulated Hebbian learning (src/rules/hebbian.c), after an update
 * of T steps of B trials: trial b's eligibility traces e [H, H] (e_ij, i
 * postsynaptic), and the reward R and baseline R̄ its update used (R̄
 * before that trial; NULL to skip either). Fails with CJ_ERR_ARG when r is
 * not a hebbian rule or b is not a trial of the last update. */
cj_status cj_rule_hebbian_trace(const cj_rule *r, int b, float *e, double *reward, double *baseline,
                                cj_error *err);

/* Prepare rule state for model m (random feedback drawn from rng). */
cj_status cj_rule_create(cj_rule *r, const cj_rule_config *cfg, cj_model *m, const cj_objective *loss,
                         cj_rng *rng, cj_error *err);
void cj_rule_free(cj_rule *r);

/* Write the update the rule proposes for batch (x, t) into m->grads, and
 * x is [T, batch, input] (T = 1 for feed-forward data), run from the
 * initial state; 
 * the batch loss (before any update) into *loss. Fails with CJ_ERR_NUMERIC
 * naming the first layer whose activations are not finite. */
cj_status cj_rule_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch,
                         float *loss, cj_error *err);

/* Called after the optimiser has applied m->grads: Kolen-Pollack moves its
 * feedback weights with the same update (optimiser `opt`), the weight
 * mirror runs its mirror steps; the others do nothing. */
cj_status cj_rule_after_step(cj_rule *r, cj_model *m, const cj_optim_config *opt, cj_error *err);

/* The true gradient by backprop, into m->grads; returns the loss. */
float cj_backprop(cj_model *m, const cj_objective *loss, const float *x, const cj_target *t, int T, int batch);

/* The loss of a sequence x [T, B, input] against t and its gradient by
 * backprop through time into m->grads (overwritten), from the initial
 * state. K > 0 truncates it to chunks of K steps (train.bptt_truncate; the
 * model's tape needs only K steps); feedback, when not NULL, is passed to
 * cj_model_backward (feedback alignment and its relatives). */
float cj_sequence_gradient(cj_model *m, const cj_objective *loss, const float *x, const cj_target *t, int T, int B,
                           int K, const float *feedback);

/* The loss of the model's last output against t, and (dout not NULL) its
 * gradient into dout [T, B, out]: over every step when t has one target per
 * step (t->steps == T), else at the last step only (the error is zero at the
 * others). per_sample (may be NULL) gets each compared row's loss. */
float cj_output_loss(const cj_objective *loss, const cj_model *m, const cj_target *t, float *dout, float *per_sample);

/* How a rule's update compares with the true gradient on one batch, per
 * parametric layer (weight and bias together):
 *   align_deg[k]  angle in degrees between the proposed update and the true
 *                 gradient (mean over draws for stochastic rules);
 *   bias[k]       |E[u] - g| / |g|, variance[k] = E|u - E[u]|^2 / |g|^2,
 *                 over `draws` independent updates (stochastic rules only;
 *                 set to NaN for deterministic ones).
 * Stochastic rules also get 95% intervals over the draws, as (low, high)
 * pairs: align_ci[2k], align_ci[2k+1] for the mean angle (Student's t over
 * the draws' angles), and bias_ci, variance_ci from the delete-a-group
 * jackknife of the draws (src/rules/diagnostics.c says how; at most 20
 * groups, so memory is min(draws, 20) x the parameter count in floats).
 * Each holds its point estimate. NaN for deterministic rules, and for
 * bias and variance with fewer than 3 draws.
 * Arrays have n = cj_model_n_param_layers(m) entries (the intervals 2n),
 * allocated by cj_rule_diagnose (start from a zeroed struct; calling it
 * again reuses them) and freed by cj_rule_diagnostics_free. Uses its own
 * random stream, so training is unaffected; the intervals use no random
 * numbers at all. Overwrites m->grads and activations. */
typedef struct {
    int n;
    double *align_deg;   /* [n] */
    double *bias;        /* [n] */
    double *variance;    /* [n] */
    double *align_ci;    /* [2n]: low, high per layer */
    double *bias_ci;     /* [2n] */
    double *variance_ci; /* [2n] */
} cj_rule_diagnostics;

void cj_rule_diagnostics_free(cj_rule_diagnostics *d);

cj_status cj_rule_diagnose(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch,
                           int draws, cj_rng *rng, cj_rule_diagnostics *out, cj_error *err);

/* Angle in degrees between two vectors (90 if either is zero). */
double cj_angle_deg(const float *a, const float *b, size_t n);

#endif
