/* train.h — run an experiment: load the data, build the model, rule and
 * optimiser, train, and after every epoch write metrics.jsonl and
 * model.safetensors (atomically) into the output folder. */
#ifndef CAJAL_TRAIN_H
#define CAJAL_TRAIN_H

#include <signal.h>

#include "cajal/experiment.h"
#include "cajal/rules.h"
#include "cajal/status.h"

typedef struct {
    int epoch, epochs;          /* 1-based epoch, of how many */
    long step;                  /* optimiser steps so far, all epochs */
    long batch_in_epoch, batches_per_epoch;
    float loss;                 /* mean training loss so far this epoch */
} cj_train_progress;

/* What one finished epoch measured (the same numbers as its metrics line). */
typedef struct {
    int epoch, epochs;
    long step;
    double train_loss, test_loss, test_acc, seconds, samples_per_s, lr;  /* test_*: NaN without a test set;
                                                                         * test_acc: NaN without labels */
    const cj_rule_diagnostics *diag;  /* align_deg etc. per parametric layer */
    const char *json;                 /* the metrics.jsonl line, without newline */
    double val_loss, val_acc;         /* on the data.validation part; NaN without one */
} cj_epoch_report;

typedef struct {
    /* Called after every optimiser step (may be NULL). */
    void (*on_step)(const cj_train_progress *p, void *user);
    /* Called after each epoch's files are written (may be NULL). */
    void (*on_epoch)(const cj_epoch_report *r, void *user);
    void *user;
    /* Polled before every optimiser step (may be NULL): once *stop is
     * non-zero the run ends with CJ_ERR_INTERRUPTED. A signal handler in
     * the caller sets it; the library installs none. */
    const volatile sig_atomic_t *stop;
    /* Called with a one-line warning (may be NULL): a loss more than 10x
     * its first value, or growing for several epochs (divergence.h). */
    void (*on_warning)(const char *msg, void *user);
} cj_train_callbacks;

/* Train as `e` says (after cj_experiment_finish), writing into out_dir
 * (created if missing): config.ini, metrics.jsonl, model.safetensors.
 * After every epoch both files are replaced together, so they always hold
 * the same, last saved epoch, whatever stops the run: a stop request
 * (CJ_ERR_INTERRUPTED, "interrupted at epoch 3 after step 1234;
 * model.safetensors and metrics.jsonl hold epoch 2"), a failed write (the
 * message says which epoch the files still hold; no temporary file is left)
 * or a NaN or Inf loss (a message naming the step and layer). */
cj_status cj_train(const cj_experiment *e, const char *out_dir, const cj_train_callbacks *cb,
                   cj_error *err);

#endif
