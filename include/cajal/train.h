/* train.h — run an experiment: load the data, build the model, rule and
 * optimiser, train, and after every epoch write metrics.jsonl and
 * model.safetensors (atomically) into the output folder. */
#ifndef CAJAL_TRAIN_H
#define CAJAL_TRAIN_H

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
    double train_loss, test_loss, test_acc, seconds, samples_per_s, lr;
    const cj_rule_diagnostics *diag;  /* align_deg etc. per parametric layer */
    const char *json;                 /* the metrics.jsonl line, without newline */
} cj_epoch_report;

typedef struct {
    /* Called after every optimiser step (may be NULL). */
    void (*on_step)(const cj_train_progress *p, void *user);
    /* Called after each epoch's files are written (may be NULL). */
    void (*on_epoch)(const cj_epoch_report *r, void *user);
    void *user;
} cj_train_callbacks;

/* Train as `e` says (after cj_experiment_finish), writing into out_dir
 * (created if missing): config.ini, metrics.jsonl, model.safetensors. A
 * NaN or Inf loss stops the run with a message naming the step and layer;
 * finished epochs stay on disk. */
cj_status cj_train(const cj_experiment *e, const char *out_dir, const cj_train_callbacks *cb,
                   cj_error *err);

#endif
