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
    int stage, stages;          /* [curriculum]: the stage trained in (1-based) of how many, the last being
                                 * every task of data.task; 0, 0 without a curriculum */
} cj_train_progress;

/* How an epoch left its curriculum stage. */
typedef enum {
    CJ_STAGE_GOES_ON,       /* the next epoch trains in the same stage (or there is no curriculum) */
    CJ_STAGE_REACHED,       /* every task of the stage reached its curriculum.stageN_until */
    CJ_STAGE_RAN_ITS_EPOCHS /* the stage trained its curriculum.stageN_max_epochs */
} cj_stage_end;

/* What one finished epoch measured (the same numbers as its metrics line). */
typedef struct {
    int epoch, epochs;
    long step;
    double train_loss, test_loss, test_acc, seconds, samples_per_s, lr;  /* test_*: NaN without a test set;
                                                                         * test_acc: NaN without labels */
    const cj_rule_diagnostics *diag;  /* align_deg etc. per parametric layer */
    const char *json;                 /* the metrics.jsonl line, without newline */
    double val_loss, val_acc;         /* on the data.validation part; NaN without one */
    /* data.format = task: the test trials' performance per task (tasks.h) */
    int n_tasks;
    const double *performance;        /* [n_tasks] */
    const char *const *task_names;    /* [n_tasks] */
    int reached;                      /* train.stop_at_performance was met: the last epoch trained */
    /* [curriculum]: the stage this epoch trained in (1-based) of how many
     * (the last: every task), and whether the next epoch trains in the
     * next stage and why; 0, 0 and CJ_STAGE_GOES_ON without one. */
    int stage, stages;
    cj_stage_end stage_end;
} cj_epoch_report;

typedef struct {
    int epoch, epochs;  /* the last finished epoch, of train.epochs */
    long step;          /* optimiser steps by then */
    int done;           /* nothing left to train (cj_train_is_done): cj_train returns CJ_OK at once */
    int reached;        /* ... because its last epoch met train.stop_at_performance */
} cj_resume_report;

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
    /* A resumed run (CJ_TRAIN_RESUME), once its folder has been checked:
     * the epoch and step it continues after, and whether nothing is left
     * to train (may be NULL). */
    void (*on_resume)(const cj_resume_report *r, void *user);
} cj_train_callbacks;

/* What to do with an output folder that already holds a run (its
 * config.ini, metrics.jsonl, model.safetensors or train_state.safetensors). */
typedef enum {
    CJ_TRAIN_NEW,    /* refuse it: an error naming the folder */
    CJ_TRAIN_FORCE,  /* start afresh: its files are removed once the experiment has been checked */
    CJ_TRAIN_RESUME  /* continue it from its last finished epoch */
} cj_train_mode;

typedef struct {
    cj_train_mode mode;
} cj_train_options;

/* True when a run at `epoch` and `step` has nothing left to train:
 * train.epochs done, or train.steps reached. */
int cj_train_is_done(const cj_experiment *e, int epoch, long step);

/* Train as `e` says (after cj_experiment_finish), writing into out_dir
 * (created if missing): config.ini, metrics.jsonl, model.safetensors and
 * train_state.safetensors (what resuming needs: optimiser state, random
 * streams, sample order; docs/outputs.md). After every epoch the files are
 * replaced together, so they always hold the same, last saved epoch,
 * whatever stops the run: a stop request (CJ_ERR_INTERRUPTED, "interrupted
 * at epoch 3 after step 1234; model.safetensors and metrics.jsonl hold
 * epoch 2"), a failed write (the message says which epoch the files still
 * hold; no temporary file is left) or a NaN or Inf loss (a message naming
 * the step and layer).
 *
 * opt (NULL = CJ_TRAIN_NEW) says what to do with a folder that holds a run.
 * CJ_TRAIN_RESUME continues it after its last finished epoch with the
 * numbers an uninterrupted run would give (every metric but the timings,
 * and the model bit for bit, for the same BLAS thread count). `e` must be
 * the experiment the run was saved with (load out_dir/config.ini) except
 * for train.epochs (more epochs, unless optim.schedule = cosine) and
 * train.steps; files that disagree with each other or with `e` are an error
 * naming the file. */
cj_status cj_train(const cj_experiment *e, const char *out_dir, const cj_train_options *opt,
                   const cj_train_callbacks *cb, cj_error *err);

/* ---- restricted Boltzmann machines (model.layers = rbm H) ----------------
 * Their own loop (src/train/rbm_run.c): no rule, objective or backward
 * pass, so no cj_train_callbacks report fits them. */

/* One finished epoch, the numbers of its metrics.jsonl line. Scores are
 * over the test set and the first 10,000 training images. */
typedef struct {
    int epoch, epochs;
    long step;
    double recon_train, recon_test;   /* mean-field reconstruction error, pixels^2 per image */
    double pl_train, pl_test;         /* pseudo-log-likelihood, nats per image */
    double lr, momentum, seconds, samples_per_s;
    const char *json;                 /* the metrics line, without newline */
} cj_rbm_epoch_report;

/* The end of the run (ais.json): log Z by AIS and the average
 * log-likelihoods in nats, log p(v) = -F(v) - log Z. */
typedef struct {
    double log_z, log_z_lo, log_z_hi, log_z_base, log_w_sd;
    double test_ll, train_ll;
    int test_n, train_n, runs, betas;
    double seconds;
} cj_rbm_final_report;

typedef struct {
    void (*on_step)(const cj_train_progress *p, void *user);    /* loss is NaN: CD has none */
    void (*on_epoch)(const cj_rbm_epoch_report *r, void *user);
    void (*on_phase)(const char *what, void *user);             /* "figures", "AIS": a long step begins;
                                                                   else a sentence (a resumed run's start) */
    void (*on_done)(const cj_rbm_final_report *r, void *user);  /* after AIS (not called without it) */
    void *user;
    const volatile sig_atomic_t *stop;                          /* as cj_train_callbacks.stop */
} cj_rbm_callbacks;

/* The images of an IDX file as an RBM sees them, binarised as
 * pixel/255 > 0.5 -> 1 (else 0): the first `limit` (0 = all), x [n, rows *
 * cols] allocated (free it). Errors name the file. */
cj_status cj_rbm_images(const char *path, int limit, float **x, int *n, int *rows, int *cols, cj_error *err);

/* Train the RBM `e` describes (cj_experiment_is_rbm) into out_dir:
 * config.ini, and after every epoch model.safetensors and metrics.jsonl;
 * at the end curves.png, filters.png, samples.png and, with rbm.ais_runs > 0, ais.json
 * (docs/outputs.md). CJ_TRAIN_RESUME is refused (an RBM run is not
 * resumable); CJ_TRAIN_NEW and CJ_TRAIN_FORCE treat the folder as
 * cj_train does. */
cj_status cj_rbm_train(const cj_experiment *e, const char *out_dir, const cj_train_options *opt,
                       const cj_rbm_callbacks *cb, cj_error *err);

#endif
