/* divergence.c — warnings for a run that is going wrong (see
 * include/cajal/divergence.h). */
#include "cajal/divergence.h"

#include <math.h>
#include <stdio.h>

void cj_divergence_init(cj_divergence_watch *w)
{
    *w = (cj_divergence_watch){.first_loss = NAN, .last_epoch_loss = NAN};
}

int cj_divergence_step(cj_divergence_watch *w, int epoch, long step, double loss, char *msg, size_t cap)
{
    if (isnan(w->first_loss)) {
        w->first_loss = loss;
        return 0;
    }
    /* A first loss of 0 (a solved task) has no meaningful multiple. */
    if (w->warned_jump || !(w->first_loss > 0) || !(loss > CJ_DIVERGENCE_FACTOR * w->first_loss)) return 0;
    w->warned_jump = 1;
    snprintf(msg, cap,
             "epoch %d, step %ld: training loss %.4g is more than %dx the first step's %.4g; "
             "the run may be diverging (try a smaller optim.lr)",
             epoch, step, loss, CJ_DIVERGENCE_FACTOR, w->first_loss);
    return 1;
}

int cj_divergence_epoch(cj_divergence_watch *w, int epoch, long step, double loss, char *msg, size_t cap)
{
    w->rising = loss > w->last_epoch_loss ? w->rising + 1 : 0; /* false for NaN */
    w->last_epoch_loss = loss;
    if (w->warned_rising || w->rising < CJ_DIVERGENCE_RISING_EPOCHS) return 0;
    w->warned_rising = 1;
    snprintf(msg, cap,
             "epoch %d, step %ld: the epoch's training loss (%.4g) has grown %d epochs in a row; "
             "the run may be diverging (try a smaller optim.lr)",
             epoch, step, loss, CJ_DIVERGENCE_RISING_EPOCHS);
    return 1;
}
