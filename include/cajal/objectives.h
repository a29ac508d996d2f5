/* objectives.h — the objective component: a loss over a batch and its
 * gradient with respect to the network's output. Both losses are means over
 * the batch, as PyTorch's defaults (CrossEntropyLoss, MSELoss). */
#ifndef CAJAL_OBJECTIVES_H
#define CAJAL_OBJECTIVES_H

#include <stddef.h>

#include "cajal/status.h"

typedef enum {
    CJ_LOSS_CROSS_ENTROPY, /* softmax cross-entropy against integer labels */
    CJ_LOSS_MSE            /* mean squared error over all elements */
} cj_loss_kind;

/* What the output is compared with: class labels (cross-entropy, or MSE
 * against their one-hot codes) or target values of the output's shape. */
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
} cj_target;

/* Parse "cross_entropy" / "mse". */
cj_status cj_loss_parse(const char *name, cj_loss_kind *kind, cj_error *err);
const char *cj_loss_name(cj_loss_kind kind);

/* Loss of `pred` ([batch, dim]) against t. When dpred is not NULL it
 * receives dLoss/dpred; when per_sample is not NULL it receives each
 * sample's own loss (whose mean is the returned value). */
float cj_loss_eval(cj_loss_kind kind, const float *pred, const cj_target *t, int batch, int dim,
                   float *dpred, float *per_sample);

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
