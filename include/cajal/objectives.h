/* objectives.h — the objective component: a loss over a batch and its
 * gradient with respect to the network's output. The losses are means over
 * the batch, as PyTorch's defaults (CrossEntropyLoss, MSELoss,
 * PoissonNLLLoss with reduction='mean').
 *
 * A target may carry a mask, one non-negative weight per row (a sample, or
 * one time step of a sample): the loss is then sum_b mask_b l_b / sum_b
 * mask_b, where l_b is row b's own loss (for MSE and Poisson the mean over
 * its dim outputs), i.e. in PyTorch
 *     (mask * F.cross_entropy(pred, y, reduction='none')).sum() / mask.sum()
 *     (mask * ((pred - y) ** 2).mean(1)).sum() / mask.sum()
 * Without a mask every row weighs 1, which is the plain mean. A row whose
 * mask is 0 contributes nothing, not even a NaN: its prediction, label and
 * value are never read (padding after a short trial may hold anything, as
 * with ignore_index). A batch whose mask sums to 0 has loss 0 and gradient 0
 * (PyTorch would give 0/0 = NaN). */
#ifndef CAJAL_OBJECTIVES_H
#define CAJAL_OBJECTIVES_H

#include <stddef.h>

#include "cajal/status.h"

/* What the output is compared with: class labels (cross-entropy, or MSE
 * and Poisson against their one-hot codes) or target values of the
 * output's shape (MSE; counts for Poisson), and optionally a mask. */
/* How a reward-driven rule learns what its actions earned: the task judges
 * the network's outputs on trial b of the batch (out + t * stride is step
 * t's output), as an environment rewards an animal, and says which type
 * of trial it was, so that a rule can keep a reward baseline per type
 * (Miconi 2017's running average per trial type). */
enum { CJ_CRITIC_TYPES = 64 };
typedef struct cj_critic {
    double (*reward)(void *user, int b, const float *out, size_t stride);
    int (*trial_type)(void *user, int b); /* in [0, CJ_CRITIC_TYPES) */
    void *user;
} cj_critic;

typedef struct {
    const int *labels;    /* [rows], or NULL */
    const float *values;  /* [rows, dim], or NULL */
    /* For a model run over T steps: 1 (or 0) when there is one target per
     * sample, compared with the last step's output; T when every step has
     * its own, rows = T x B in time-major order. */
    int steps;
    /* For reward-driven rules (reward-modulated Hebbian learning): what
     * the network's actions earned, judged by its task; NULL otherwise. */
    const struct cj_critic *critic;
    /* [rows] non-negative weights of the rows in the loss (time-major
     * [T, B] with per-step targets), or NULL (all 1). */
    const float *mask;
    /* [dim] for value and count targets: each column's weight in the loss
     * (Yang et al. 2019 weigh their fixation output above the ring), or
     * NULL (all 1). A row's loss is then (1/dim) sum_j w_j l_j. */
    const float *value_weights;
} cj_target;

/* An objective is a table of functions (kann-style) plus the settings an
 * experiment gives it. Adding one: write src/objectives/NAME.c with its
 * cj_objective_ops, add one line to src/objectives/registry.c and a test. */
typedef struct cj_objective_ops cj_objective_ops;

typedef struct {
    const cj_objective_ops *ops;
    float temperature;  /* infonce: tau of the softmax over similarities (objective.temperature) */
    /* Work memory for objectives that need it (infonce's similarity
     * matrix): cj_objective_reserve allocates it once, never per step. */
    float *scratch;
    size_t scratch_floats;
} cj_objective;

/* Which targets an objective compares outputs with (cj_objective_ops.targets). */
enum { CJ_OBJECTIVE_LABELS = 1, CJ_OBJECTIVE_VALUES = 2, CJ_OBJECTIVE_COUNTS = 4, CJ_OBJECTIVE_PAIRS = 8 };
/* Which objective.* keys an objective reads (cj_objective_ops.keys). */
enum { CJ_OBJECTIVE_KEY_TEMPERATURE = 1 };

struct cj_objective_ops {
    const char *name;     /* objective.name */
    const char *summary;  /* one line, with the PyTorch equivalent */
    unsigned targets;     /* CJ_OBJECTIVE_*: labels, values, counts, or pairs of rows */
    unsigned keys;        /* CJ_OBJECTIVE_KEY_* it reads */
    int classifies;       /* outputs are class scores: accuracy means something */
    /* The loss of pred [rows, dim] against t (the mean over rows, masked as
     * above); dpred (may be NULL) receives dLoss/dpred and per_row (may be
     * NULL) each row's share, whose mean is the loss. */
    float (*eval)(const cj_objective *o, const float *pred, const cj_target *t, int rows, int dim, float *dpred,
                  float *per_row);
    /* Floats of work memory for `rows` rows of `dim` (NULL: none). */
    size_t (*scratch_floats)(int rows, int dim);
};

extern const cj_objective_ops cj_cross_entropy_ops, cj_mse_ops, cj_poisson_ops, cj_infonce_ops;
/* The registered objectives, in the order messages list them. */
const cj_objective_ops *const *cj_objective_registry(int *n);

/* The objectives with their default settings, for callers that need no
 * others (infonce needs work memory, so it has none). */
extern const cj_objective cj_objective_cross_entropy, cj_objective_mse, cj_objective_poisson;

/* An objective with its default settings (temperature 0.1). */
cj_objective cj_objective_of(const cj_objective_ops *ops);
/* Parse objective.name into o->ops (settings untouched). */
cj_status cj_objective_parse(const char *name, const cj_objective_ops **ops, cj_error *err);
static inline const char *cj_objective_name(const cj_objective *o) { return o->ops->name; }
/* Work memory for batches of up to `rows` rows of `dim` (a no-op for
 * objectives that need none); cj_objective_release frees it. */
cj_status cj_objective_reserve(cj_objective *o, int rows, int dim, cj_error *err);
void cj_objective_release(cj_objective *o);

/* Loss of `pred` ([batch, dim]) against t by o. When dpred is not NULL it
 * receives dLoss/dpred; when per_sample is not NULL it receives each
 * sample's share of the loss, whose mean is the returned value: its own
 * loss without a mask, l_b mask_b batch / sum(mask) with one (so a rule
 * that averages per-sample losses, like node perturbation, follows the
 * masked loss). */
float cj_loss_eval(const cj_objective *o, const float *pred, const cj_target *t, int batch, int dim, float *dpred,
                   float *per_sample);

/* Poisson negative log-likelihood with log-rate outputs, as
 * torch.nn.PoissonNLLLoss(log_input=True, full=False): per element
 *     l = exp(pred) - y pred,   dl/dpred = exp(pred) - y,
 * the mean over all batch x dim elements (masked as above: rows weighted,
 * each row the mean over its dim). The constant log(y!) is left out, as
 * PyTorch's full=False does: it does not depend on the model. y comes from
 * t->values (spike counts, non-negative) or, without values, the one-hot
 * code of t->labels. The poisson objective's eval. */
float cj_poisson_nll(const float *pred, const cj_target *t, int batch, int dim, float *dpred, float *per_sample);

/* InfoNCE, the contrastive objective of CPC (van den Oord et al. 2018) in
 * the symmetric form of CLIP/SimCLR: rows a_i and b_i (n pairs of
 * d-dimensional embeddings) are a positive pair, every a_i, b_j with i != j
 * a negative one. With unit vectors â, b̂ and S = â b̂^T / tau,
 *     L = (1/2n) sum_i [ -log softmax_j(S_ij)[i] - log softmax_j(S_ji)[i] ].
 * da and db (may be NULL) receive dL/da and dL/db; scratch must hold
 * cj_infonce_scratch_floats(n, d) floats. */
size_t cj_infonce_scratch_floats(int n, int d);
/* The infonce objective takes a batch of 2n rows: row i and row n + i are
 * the two views of pair i (the labels are not read). */
float cj_infonce_loss(const float *a, const float *b, int n, int d, float tau, float *da, float *db,
                      float *scratch);

/* Number of samples whose largest output is at their label. */
int cj_count_correct(const float *pred, const int *labels, int batch, int dim);

#endif
