/* record.h — record a model's units like neurons: every layer's response to
 * a set of inputs, at every time step for sequences, saved as .npy arrays
 * that NumPy, rsatoolbox or `cajal rsa` read. It runs the model's own
 * forward pass (the activations every pass leaves in cj_model.acts), so no
 * training code is involved.
 *
 * An activations folder holds, per layer i, "<i>_<word>.npy" (e.g.
 * "1_dense.npy", "2_relu.npy") of shape [stimuli, C] for flat layers or
 * [stimuli, C, H, W] for feature maps, with a time axis after the stimulus
 * axis for sequences ([stimuli, T, ...]), in stimulus order; and
 * layers.txt, one line per file: "<file> <torch module> <shape>"; and from
 * cj_model_file_record, stimuli.txt, one line per stimulus.
 *
 *     cj_model m;  ...trained or loaded (cj_model_from_file)...
 *     if (cj_record(&m, x, n_stimuli, 1, "runs/cnn/acts", &err)) ...
 */
#ifndef CAJAL_RECORD_H
#define CAJAL_RECORD_H

#include <stdint.h>

#include "cajal/model.h"
#include "cajal/model_file.h"
#include "cajal/status.h"

/* Run the n samples of x (sample-major, [n, T, input]; T = 1 for static
 * inputs; each sample from the initial state) through m in batches of
 * m->max_batch, and write every layer's response into out_dir (created if
 * missing; files replaced atomically). T must be at most m->max_steps. */
cj_status cj_record(cj_model *m, const float *x, int n, int T, const char *out_dir, cj_error *err);

/* Record a saved model (a cajal model.safetensors, rebuilt from its
 * metadata) on the stimuli in `inputs`, read and scaled as its training
 * inputs were: an IDX image file for a model trained on IDX data, else a
 * .npy array [N, ...] of the training inputs' shape ([N, T, F] for a
 * sequence model). Also writes stimuli.txt ("INPUTS:row" per line). The
 * number of stimuli goes to *n_stimuli (may be NULL). */
cj_status cj_model_file_record(const char *model_path, const char *inputs, int batch, const char *out_dir,
                               int *n_stimuli, cj_error *err);

/* The stimuli in `inputs` as a saved model (metadata `info`) takes them:
 * read as cj_model_file_record reads them and scaled as its training
 * inputs were. *x [n, T, input] is allocated (free it). */
cj_status cj_model_file_read_stimuli(const char *inputs, const cj_model_info *info, float **x, int *n, int *T,
                                     cj_error *err);

/* Record a saved image model (input C x H x W, C = 1 or 3) on a set of
 * images (cj_image_set_load: a folder of PNG files or a .mat struct array
 * such as the 92-image set's stimuli_92objs), each converted by
 * cj_image_to_input to [C, H, W] in [0, 1] and then scaled as the model's
 * training inputs were (its metadata's data.scale with the training mean
 * and std: unit as is, raw x 255, standard (x - mean) / std). Writes the
 * layers, stimuli.txt (the image names) and, when the images have
 * categories, categories.csv (stimulus,category,human,face,animal,natural). */
cj_status cj_model_file_record_images(const char *model_path, const char *images, int batch, const char *out_dir,
                                      int *n_stimuli, cj_error *err);

/* Record a model trained on tasks (metadata data_format = task) on
 * n_trials trials of its tasks made from the seed (the training seed
 * unless seed_given; then the run's test trials): every layer
 * [trials, T, ...] and conditions.csv, one row per trial (trial, task,
 * steps, the tasks' conditions, each period's start and end step, and
 * correct, fixation_broken, response, response_step, choice as
 * cj_task_score gives them). Trials shorter than T are padded with zero
 * inputs; their steps column says where they end. */
cj_status cj_model_file_record_task(const char *model_path, int n_trials, uint64_t seed, int seed_given, int batch,
                                    const char *out_dir, cj_error *err);

/* The file name cj_record gives layer i ("3_relu.npy"), into buf. */
void cj_record_file_name(const cj_model *m, int i, char *buf, size_t len);

#endif
