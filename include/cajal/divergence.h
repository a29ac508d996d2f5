/* divergence.h — noticing a training run that is going wrong before it
 * reaches NaN: a loss more than 10x its first value, or an epoch loss that
 * has grown for several epochs in a row. NaN and Inf still stop a run (the
 * rules check every step); these only warn, because a loss can rise for a
 * while and recover (a learning-rate warm restart, a noisy rule). */
#ifndef CAJAL_DIVERGENCE_H
#define CAJAL_DIVERGENCE_H

#include <stddef.h>

enum {
    CJ_DIVERGENCE_FACTOR = 10,      /* a step loss above 10x the first step's */
    CJ_DIVERGENCE_RISING_EPOCHS = 3 /* epoch losses growing this many times in a row */
};

typedef struct {
    double first_loss;     /* the first step's loss (NaN until seen) */
    double last_epoch_loss;
    int rising;            /* epochs in a row whose loss grew */
    int warned_jump, warned_rising; /* each warning is given once */
} cj_divergence_watch;

void cj_divergence_init(cj_divergence_watch *w);

/* Feed one optimiser step's loss. Returns 1, with a one-line warning in
 * msg, the first time the loss exceeds CJ_DIVERGENCE_FACTOR x the first
 * step's; else 0. */
int cj_divergence_step(cj_divergence_watch *w, int epoch, long step, double loss, char *msg, size_t cap);

/* Feed one epoch's mean training loss. Returns 1, with a warning, the first
 * time it has grown CJ_DIVERGENCE_RISING_EPOCHS epochs in a row. */
int cj_divergence_epoch(cj_divergence_watch *w, int epoch, long step, double loss, char *msg, size_t cap);

#endif
