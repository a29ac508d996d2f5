/* model_file.h — a trained model as a file that stands on its own.
 *
 * cajal's model.safetensors carries, in its safetensors "__metadata__",
 * what is needed to rebuild the network and prepare its inputs — the layer
 * list, the input shape, the pixel scaling with the training set's mean
 * and std — and which epoch it holds, so it can be evaluated without its
 * experiment file (`cajal eval`). The keys are listed in docs/outputs.md
 * and stay stable; every value is a string, as the format requires.
 *
 *     cj_model m;
 *     cj_model_info info;
 *     if (cj_model_from_file("runs/mlp/model.safetensors", 256, &m, &info, &err)) ...
 *     cj_eval_result r;
 *     cj_evaluate(&m, info.loss, &test_source, &batch, &r, &err);  // scaled as info says
 *     cj_model_free(&m);
 */
#ifndef CAJAL_MODEL_FILE_H
#define CAJAL_MODEL_FILE_H

#include <stdint.h>

#include "cajal/data.h"
#include "cajal/experiment.h"
#include "cajal/io.h"
#include "cajal/model.h"
#include "cajal/objectives.h"
#include "cajal/rules.h"
#include "cajal/source.h"
#include "cajal/status.h"
#include "cajal/tasks.h"

typedef struct {
    char version[32];          /* cajal_version that wrote the file (on reading) */
    char layers[CJ_SPEC_MAX];  /* model.layers, exactly as cajal parses it */
    cj_shape input;            /* one sample (one time step), channels x height x width */
    int classes;               /* labels: classes trained on (<= its outputs); values and counts:
                                * values per target (= its outputs) */
    const cj_objective_ops *loss;  /* the objective */
    const cj_rule_ops *rule;   /* the learning rule */
    cj_data_format format;     /* data.format the inputs came in (absent in older files: idx) */
    cj_target_kind targets;    /* what the outputs were compared with (absent: labels) */
    int sequence;              /* data.sequence: npy inputs were [N, T, F] (absent: false) */
    cj_pixel_scale scale;      /* how inputs were scaled ... */
    float scale_mean, scale_std;  /* ... with the training inputs' statistics (IDX: of pixel/255) */
    int epoch;                 /* the epoch whose parameters the file holds */
    long step;                 /* optimiser steps taken by then */
    uint64_t seed;             /* train.seed */
    char task[CJ_TASK_SPEC_MAX]; /* data.format = task: data.task in full (every option written); else "" */
} cj_model_info;

/* Save m's parameters with info as metadata (cajal_version is this
 * library's), atomically. */
cj_status cj_model_save_info(cj_model *m, const cj_model_info *info, const char *path, cj_error *err);

/* Read info from a file's metadata. A file without cajal metadata, a
 * missing key and a malformed value are errors naming `path`, the key and
 * the value. */
cj_status cj_model_info_read(const cj_safetensors *st, const char *path, cj_model_info *info, cj_error *err);

/* The same for sequences of up to max_steps steps per pass
 * (cj_model_create_seq); max_steps 1 is cj_model_from_file. */
cj_status cj_model_from_file_seq(const char *path, int max_steps, int max_batch, cj_model *m, cj_model_info *info,
                                 cj_error *err);

/* Read only the metadata of the model file at `path` (errors as above). */
cj_status cj_model_file_info(const char *path, cj_model_info *info, cj_error *err);

/* Read `path`, rebuild its model for batches of up to max_batch samples
 * and load its parameters. On failure nothing needs freeing; on success
 * free m with cj_model_free. */
cj_status cj_model_from_file(const char *path, int max_batch, cj_model *m, cj_model_info *info, cj_error *err);

/* ---- evaluation ----------------------------------------------------------- */

typedef struct {
    int samples;
    double loss;      /* mean loss over the samples (NaN when there are none) */
    double accuracy;  /* fraction of samples whose largest output is the label (NaN without labels) */
    /* On a task source (tasks.h): each task's performance, the fraction of
     * its trials scored correct (cj_task_score), in cj_source_tasks order;
     * NaN for a task none of the trials came from. n_tasks is 0 otherwise. */
    int n_tasks;
    double performance[CJ_SOURCE_MAX_TASKS];
    int task_trials[CJ_SOURCE_MAX_TASKS];
    char task_names[CJ_SOURCE_MAX_TASKS][CJ_TASK_NAME_MAX];
} cj_eval_result;

/* Loss and accuracy of m on every sample of src (scaled as the source
 * says), read through `batch` (capacity at least m->max_batch) in chunks
 * of m->max_batch: what the trainer reports as test_loss and test_acc
 * (and val_loss, val_acc). With a mask the loss is the mask-weighted mean
 * and the accuracy the mask-weighted fraction correct. accuracy is NaN
 * for value and count targets. Data the feed-forward model cannot take
 * (T > 1) are CJ_ERR_SHAPE. */
cj_status cj_evaluate(cj_model *m, const cj_objective *loss, cj_source *src, cj_batch *batch, cj_eval_result *r,
                      cj_error *err);

/* Evaluate the model file at model_path on a test set in the format the
 * metadata names (IDX: files->inputs are the images, files->labels the
 * labels; npy: inputs with the labels, targets or counts the model was
 * trained on, and an optional mask), scaled as in training (the stored
 * scale, mean and std), in batches of `batch`. The inputs' shape must be
 * the metadata's input_shape, labels within its classes and values of its
 * size; a mismatch names both. info gets the file's metadata. */
cj_status cj_model_file_evaluate(const char *model_path, const cj_data_files *files, int batch,
                                 cj_model_info *info, cj_eval_result *r, cj_error *err);

/* The model file at model_path rebuilt for batches of up to max_batch and
 * its test set `files` opened as cj_model_file_evaluate opens them
 * (checked against the metadata, scaled as in training): what a caller
 * that changes the model before evaluating it needs (a lesion, lesion.h).
 * On failure nothing needs freeing; else free m and src. */
cj_status cj_model_file_open_data(const char *model_path, const cj_data_files *files, int max_batch, cj_model *m,
                                  cj_model_info *info, cj_source *src, cj_error *err);

/* A model trained on tasks (metadata data_format = task), rebuilt for
 * batches of max_batch, and n_trials trials of its tasks (metadata task)
 * from (seed, stream), scaled as in training. With the training seed and
 * CJ_TASK_STREAM_TEST they are the run's test trials. On failure nothing
 * needs freeing; else free m and src. */
cj_status cj_model_file_open_task(const char *model_path, int n_trials, uint64_t seed, uint64_t stream,
                                  int max_batch, cj_model *m, cj_model_info *info, cj_source *src, cj_error *err);

/* Evaluate a model trained on tasks (metadata data_format = task) on
 * n_trials new trials of its tasks (metadata task) from (seed, stream):
 * with the training seed and CJ_TASK_STREAM_TEST these are the trials
 * whose performance metrics.jsonl reports (its first data.test_trials). */
cj_status cj_model_file_evaluate_task(const char *model_path, int n_trials, uint64_t seed, uint64_t stream,
                                      int batch, cj_model_info *info, cj_eval_result *r, cj_error *err);

/* {"model", "data", "samples", "loss", "accuracy", "epoch"} written
 * atomically to json_path. */
cj_status cj_eval_write_json(const char *json_path, const char *model_path, const char *data,
                             const cj_model_info *info, const cj_eval_result *r, cj_error *err);

#endif
