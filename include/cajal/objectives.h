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

typedef enum {
    CJ_LOSS_CROSS_ENTROPY, /* softmax cross-entropy against integer labels */
    CJ_LOSS_MSE,           /* mean squared error over all elements */
    CJ_LOSS_POISSON        /* Poisson negative log-likelihood of counts; the output is the log rate */
} cj_loss_kind;

/* What the output is compared with: class labels (cross-entropy, or MSE
 * and Poisson against their one-hot codes) or target values of the
 * output's shape (MSE; counts for Poisson), and optionally a mask. */
typedef struct {
    const int *labels;    /* [rows], or NULL */
    const float *values;  /* [rows, dim], or NULL */
    /* For a model run over T steps: 1 (or 0) when there is one target per
     * sample, compared with the last step's output; T when every step has
     * its own, rows = T x B in time-major order. */
    int steps;
    /* A scalar reward or advantage per trial [B] for reward-driven rules
     * (reward-modulated Hebbian learning, e-prop); NULL otherwise. */
    const float *reward;
    /* [rows] non-negative weights of the rows in the loss (time-major
     * [T, B] with per-step targets), or NULL (all 1). */
    const float *mask;
} cj_target;

/* Parse "cross_entropy" / "mse" / "poisson". */
cj_status cj_loss_parse(const char *name, cj_loss_kind *kind, cj_error *err);
const char *cj_loss_name(cj_loss_kind kind);

/* Loss of `pred` ([batch, dim]) against t. When dpred is not NULL it
 * receives dLoss/dpred; when per_sample is not NULL it receives each
 * sample's share of the loss, whose mean is the returned value: its own
 * loss without a mask, l_b mask_b batch / sum(mask) with one (so a rule
 * that averages per-sample losses, like node perturbation, follows the
 * masked loss). */
float cj_loss_eval(cj_loss_kind kind, const float *pred, const cj_target *t, int batch, int dim,
                   float *dpred, float *per_sample);

/* Poisson negative log-likelihood with log-rate outputs, as
 * torch.nn.PoissonNLLLoss(log_input=True, full=False): per element
 *     l = exp(pred) - y pred,   dl/dpred = exp(pred) - y,
 * the mean over all batch x dim elements (masked as above: rows weighted,
 * each row the mean over its dim). The constant log(y!) is left out, as
 * PyTorch's full=False does: it does not depend on the model. y comes from
 * t->values (spike counts, non-negative) or, without values, the one-hot
 * code of t->labels. cj_loss_eval(CJ_LOSS_POISSON, ...) calls this. */
float cj_poisson_nll(const float *pred, const cj_target *t, int batch, int dim, float *dpred, float *per_sample);

/* InfoNCE, the contrastive objective of CPC (van den Oord et al. 2018) in
 * the symmetric form of CLIP/SimCLR: rows a_i and b_i (n pairs of
 * d-dimensional embeddings) are a positive pair, every a_i, b_j with i != j
 * a negative one. With unit vectors â, b̂ and S = â b̂^T / tau,
 *     L = (1/2n) sum_i [ -log softmax_j(S_ij)[i] - log softmax_j(S_ji)[i] ].
 * da and db (may be NULL) receive dL/da and dL/db; scratch must hold
 * cj_infonce_scratch_floats(n, d) floats. */
size_t cj_infonce_scratch_floats(int n, int d);
float cj_infonce_loss(const float *a, const float *b, int n, int d, float tau, float *da, float *db,
                      float *scratch);

/* Number of samples whose largest output is at their label. */
int cj_count_correct(const float *pred, const int *labels, int batch, int dim);

#endif
