/* rbm_state.h — what an RBM run (rbm_run.c) carries from one epoch to the
 * next besides the RBM's parameters, as DIR/train_state.safetensors in the
 * format of train_state.h (the same mark, so run_folder.c's checks apply):
 * the momenta, PCD's chains, the sample order and the random streams. With
 * it `cajal train --resume` continues an RBM run with the numbers of an
 * uninterrupted one. Private to src/train/. */
#ifndef CAJAL_TRAIN_RBM_STATE_H
#define CAJAL_TRAIN_RBM_STATE_H

#include "cajal/rbm.h"
#include "train_state.h"

/* Views of the run's pieces (rbm_run.c owns them). */
typedef struct {
    cj_rbm_trainer *t;            /* vW, vb, vc; chain and chain_started for PCD */
    cj_rng *order_rng, *gibbs_rng;
    int *order;                   /* the sample order after the last epoch, n_order entries */
    int n_order;
} cj_rbm_parts;

/* Write p and mark to path atomically. */
cj_status cj_rbm_state_write(const char *path, const cj_rbm_parts *p, const cj_train_mark *mark, cj_error *err);

/* Check ts against p (an RBM run's state, every key and tensor length, the
 * order a permutation), then copy it into p; a failure names the file and
 * key and changes nothing. */
cj_status cj_rbm_state_apply(const cj_train_state *ts, cj_rbm_parts *p, cj_error *err);

#endif
