/* run_folder.h — a training run's output folder as a whole: whether it
 * already holds a run, clearing one away (--force), and for --resume
 * finishing a save a crash cut short and checking that config, metrics,
 * model and train state agree. Private to src/train/.
 *
 * How an epoch is saved (trainer.c, save_epoch) makes metrics.jsonl the
 * commit record: the model and the train state are first written in full
 * to model.safetensors.new and train_state.safetensors.new, then
 * metrics.jsonl gets the epoch's line (atomically), and only then are the
 * two renamed into place. So a staged file that holds the epoch of
 * metrics.jsonl's last line belongs to a save that was committed and only
 * needs its rename; any other staged file is from a save that never was. */
#ifndef CAJAL_TRAIN_RUN_FOLDER_H
#define CAJAL_TRAIN_RUN_FOLDER_H

#include <stddef.h>

#include "cajal/experiment.h"
#include "cajal/model.h"
#include "cajal/status.h"
#include "train_state.h"

#define CJ_RUN_STATE_FILE "train_state.safetensors"

/* Fail, naming dir and what it holds, when dir holds any of a run's files:
 * a new run never mixes its epochs with an older run's. */
cj_status cj_run_folder_check_new(const char *dir, cj_error *err);

/* Remove a run's files from dir (--force, once the new run's experiment
 * has been checked), so that a new run stopped before its first epoch
 * leaves none of the old epochs behind. Missing files are fine. */
cj_status cj_run_folder_clear(const char *dir, cj_error *err);

/* For --resume: finish or drop staged files (above), then read
 * dir/train_state.safetensors. A folder without one is an error that says
 * why (no run, no finished epoch, or a run from an older cajal). */
cj_status cj_run_folder_open_state(const char *dir, cj_train_state *ts, cj_error *err);

/* e against the experiment the state was saved with: the same in every key
 * but train.epochs and train.steps; train.epochs no fewer than the epochs
 * done, and unchanged under optim.schedule = cosine (which anneals over
 * train.epochs, so a longer run would not continue this one). */
cj_status cj_run_folder_check_config(const cj_train_state *ts, const cj_experiment *e, cj_error *err);

/* dir/metrics.jsonl, which must hold exactly the state's epochs, the last
 * line being the state's epoch, into *log (allocated; *cap bytes). */
cj_status cj_run_folder_read_log(const char *dir, const cj_train_state *ts, char **log, size_t *len, size_t *cap,
                                 cj_error *err);

/* dir/model.safetensors into m, which must hold the state's epoch and
 * step. */
cj_status cj_run_folder_load_model(const char *dir, const cj_train_state *ts, cj_model *m, cj_error *err);

#endif
