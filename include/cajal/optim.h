/* optim.h — optimisers with the update equations of torch.optim.SGD and
 * torch.optim.Adam, so the same initial weights, data order and
 * hyper-parameters give the same weights as PyTorch.
 *
 * An optimiser updates a flat parameter buffer from a gradient buffer of the
 * same length (a model's params/grads, or a learning rule's own feedback
 * weights); it owns its state. */
#ifndef CAJAL_OPTIM_H
#define CAJAL_OPTIM_H

#include <stddef.h>

#include "cajal/status.h"

typedef enum { CJ_OPTIM_SGD, CJ_OPTIM_ADAM } cj_optim_kind;

/* How the learning rate changes over epochs. */
typedef enum {
    CJ_SCHEDULE_CONSTANT,
    CJ_SCHEDULE_COSINE  /* torch.optim.lr_scheduler.CosineAnnealingLR(T_max=epochs), stepped per epoch */
} cj_schedule_kind;

typedef struct {
    cj_optim_kind kind;
    float lr;
    float momentum;      /* SGD */
    float dampening;     /* SGD */
    int nesterov;        /* SGD */
    float weight_decay;  /* L2 penalty added to the gradient (both) */
    float beta1, beta2, eps;  /* Adam */
    cj_schedule_kind schedule;
    float clip_norm;     /* clip the gradient's 2-norm to this before each step (0 = off) */
} cj_optim_config;

/* PyTorch's defaults for the kind (lr 1e-3 for Adam, 0.01 for SGD). */
cj_optim_config cj_optim_defaults(cj_optim_kind kind);
cj_status cj_optim_parse(const char *name, cj_optim_kind *kind, cj_error *err);
const char *cj_optim_name(cj_optim_kind kind);

typedef struct {
    cj_optim_config cfg;
    size_t n;
    long step;
    float *m, *v;  /* momentum buffer (SGD) or moments (Adam); owned */
} cj_optim;

cj_status cj_schedule_parse(const char *name, cj_schedule_kind *kind, cj_error *err);
const char *cj_schedule_name(cj_schedule_kind kind);
/* Learning rate for 0-based `epoch` of `epochs` under cfg's schedule. */
float cj_schedule_lr(const cj_optim_config *cfg, int epoch, int epochs);

cj_status cj_optim_create(cj_optim *o, const cj_optim_config *cfg, size_t n, cj_error *err);
void cj_optim_free(cj_optim *o);
/* params -= update(grads); grads are left unchanged. */
void cj_optim_step(cj_optim *o, float *params, const float *grads);

/* Scale grads[0..n) so their 2-norm is at most max_norm, as
 * torch.nn.utils.clip_grad_norm_; returns the norm before clipping. */
float cj_clip_grad_norm(float *grads, size_t n, float max_norm);

void cj_sgd_step(cj_optim *o, float *params, const float *grads);
void cj_adam_step(cj_optim *o, float *params, const float *grads);

#endif
