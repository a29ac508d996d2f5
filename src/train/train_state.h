/* train_state.h — what a training run carries from one epoch to the next
 * besides the model's parameters, as DIR/train_state.safetensors: the
 * optimiser's moments and step, every random stream (the trainer's, the
 * rule's and each layer's), the rule's feedback weights and Kolen-Pollack's
 * optimiser, the sample order, the divergence watch and a curriculum's
 * stage. With it, `cajal
 * train --resume` continues a run with the numbers of an uninterrupted one
 * (docs/outputs.md lists the tensors and metadata keys). Private to
 * src/train/. */
#ifndef CAJAL_TRAIN_STATE_H
#define CAJAL_TRAIN_STATE_H

#include "cajal/divergence.h"
#include "cajal/experiment.h"
#include "cajal/io.h"
#include "cajal/model.h"
#include "cajal/optim.h"
#include "cajal/rng.h"
#include "cajal/rules.h"
#include "curriculum.h"

/* The pieces of a run the file is written from and restored into (views;
 * the trainer owns them). */
typedef struct {
    cj_model *model;            /* its layers' random streams (cj_layer_rng) */
    cj_rule *rule;              /* feedback_buf, kp_optim, rng */
    cj_optim *optim;            /* m, v, step */
    cj_rng *shuffle, *diag;     /* the trainer's own streams */
    int *order;                 /* the sample order of the last epoch, n_order entries */
    int n_order;
    cj_divergence_watch *watch;
    cj_curriculum *curriculum;  /* the stage the next epoch trains in; kept only when there are stages */
} cj_train_parts;

/* Where a run stands: the epoch and step its files hold, train.epochs, and
 * its experiment as config.ini's text (cj_train_config_text). */
typedef struct {
    int epoch, epochs;
    long step;
    const char *config;
} cj_train_mark;

/* Write p and mark to path atomically. */
cj_status cj_train_state_write(const char *path, const cj_train_parts *p, const cj_train_mark *mark,
                               cj_error *err);

/* A state file read and its mark parsed (mark.config points into file). */
typedef struct {
    cj_safetensors file;
    char *path;                 /* for messages (owned) */
    cj_train_mark mark;
} cj_train_state;

/* Read path and parse its mark; errors name path and the key at fault. On
 * failure nothing needs freeing. */
cj_status cj_train_state_read(const char *path, cj_train_state *ts, cj_error *err);

/* Check every tensor and value of ts against p (sizes, the optimiser's
 * kind, which streams exist, the order being a permutation of n_order),
 * then copy them into p. A failure names the file and key and changes
 * nothing. */
cj_status cj_train_state_apply(const cj_train_state *ts, cj_train_parts *p, cj_error *err);

void cj_train_state_free(cj_train_state *ts);

/* e as config.ini's text (cj_experiment_write), with every byte outside
 * printable ASCII and newline written as \xNN and a backslash as \\, so it
 * is valid UTF-8 whatever the paths hold (allocated; NULL when out of
 * memory). */
char *cj_train_config_text(const cj_experiment *e);

/* ---- the pieces, for runs with their own loop (the RBM's rbm_state.c) ---- */

#define CJ_TRAIN_STATE_FORMAT_KEY "cajal_train_state"
#define CJ_TRAIN_STATE_FORMAT_VERSION "1"
enum { CJ_TRAIN_VALUE_MAX = 96 }; /* room for a stream's text */

/* A stream as text (into buf[CJ_TRAIN_VALUE_MAX]), and read back from
 * metadata key of ts (an error names the file and key). */
void cj_train_rng_text(const cj_rng *r, char *buf);
cj_status cj_train_state_rng(const cj_train_state *ts, const char *key, cj_rng *out, cj_error *err);
/* A sample order as the text of metadata "order" (allocated), and read back:
 * a permutation of 0..n-1 exactly. */
char *cj_train_order_text(const int *order, int n);
cj_status cj_train_state_order(const cj_train_state *ts, int n, int *order, cj_error *err);

#endif
