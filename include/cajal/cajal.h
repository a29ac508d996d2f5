/* cajal.h — everything in libcajal, for programs that want it all.
 *
 * cajal is a deep-learning framework for neuroscience (Richards et al. 2019):
 * a model is an architecture (layers.h, model.h), an objective
 * (objectives.h) and a learning rule (rules.h) chosen independently, with
 * the rule's distance from the true gradient measured (cj_rule_diagnose).
 * A worked example — a rate RNN with a readout at every step, trained by
 * backprop through time on one batch of sequences, then recorded:
 *
 *     #include <cajal/cajal.h>
 *
 *     cj_error err;
 *     cj_model m;                       // input: 3 features per time step
 *     if (cj_model_create_seq(&m, "rnn 64 nonlinearity=relu tau=100 dt=20, dense 2",
 *                             (cj_shape){3, 1, 1}, 50, 32, &err))   // T <= 50, B <= 32
 *         { fprintf(stderr, "%s\n", err.msg); return 1; }
 *     cj_rng rng;
 *     cj_rng_seed(&rng, 1);
 *     cj_model_init(&m, &rng);          // PyTorch's initialisation
 *
 *     cj_rule rule;                     // any rule: bp, fa, rflo, ...
 *     cj_rule_config rc = cj_rule_defaults(&cj_rule_bp);
 *     cj_optim opt;
 *     cj_optim_config oc = cj_optim_defaults(CJ_OPTIM_ADAM);
 *     cj_rule_create(&rule, &rc, &m, &cj_objective_mse, &rng, &err);
 *     cj_optim_create(&opt, &oc, m.n_params, &err);
 *
 *     // x [T, B, 3] time-major, y [T, B, 2]: a target at every step
 *     cj_target t = {.values = y, .steps = T};
 *     float loss;
 *     cj_rule_update(&rule, &m, x, &t, T, B, &loss, &err);   // m.grads = the proposed update
 *     cj_model_mask_grads(&m);          // pruned weights (a mask, prune.h) get no update;
 *     cj_clip_grad_norm(m.grads, m.n_params, 1.0f);
 *     cj_optim_step(&opt, m.params, m.grads);
 *     cj_model_mask_params(&m);         // ... and stay exactly 0 (both no-ops without a mask)
 *
 *     cj_record(&m, stimuli, n, T, "acts", &err);  // every layer, every step, as .npy
 *     cj_model_save(&m, "model.safetensors", &err);  // PyTorch's names: 0.weight_hh_l0, ...
 *
 * Every function that can fail returns a cj_status and fills a cj_error
 * with one line naming the file, key or value; the library never prints or
 * exits. Batches of x and t by sample index, from IDX or .npy files, come
 * from a data source (source.h). Training from an experiment file is
 * cj_train (train.h), which the `cajal train` command calls. The folder
 * cj_record writes is read back by cj_acts_open (acts.h), and its layers
 * compared with another model's by cj_acts_cka or with recorded units by
 * cj_predictivity_run (predictivity.h), as `cajal cka` and `cajal predict`
 * do. */
#ifndef CAJAL_CAJAL_H
#define CAJAL_CAJAL_H

#include "cajal/acts.h"
#include "cajal/blas.h"
#include "cajal/cka.h"
#include "cajal/clusters.h"
#include "cajal/data.h"
#include "cajal/decode.h"
#include "cajal/divergence.h"
#include "cajal/ephys.h"
#include "cajal/experiment.h"
#include "cajal/files.h"
#include "cajal/fixedpoints.h"
#include "cajal/gabor.h"
#include "cajal/hopfield.h"
#include "cajal/io.h"
#include "cajal/layers.h"
#include "cajal/lesion.h"
#include "cajal/lesion_study.h"
#include "cajal/mat.h"
#include "cajal/match.h"
#include "cajal/maximize.h"
#include "cajal/metrics.h"
#include "cajal/model.h"
#include "cajal/model_file.h"
#include "cajal/npy.h"
#include "cajal/patches.h"
#include "cajal/sparsecode.h"
#include "cajal/ica.h"
#include "cajal/objectives.h"
#include "cajal/optim.h"
#include "cajal/plot.h"
#include "cajal/predictivity.h"
#include "cajal/prune.h"
#include "cajal/psychometric.h"
#include "cajal/rbm.h"
#include "cajal/record.h"
#include "cajal/recurrent.h"
#include "cajal/rng.h"
#include "cajal/rsa.h"
#include "cajal/rules.h"
#include "cajal/source.h"
#include "cajal/spec.h"
#include "cajal/stats.h"
#include "cajal/status.h"
#include "cajal/subspace.h"
#include "cajal/task_run.h"
#include "cajal/tasks.h"
#include "cajal/taskvariance.h"
#include "cajal/tensor.h"
#include "cajal/train.h"
#include "cajal/trials_csv.h"
#include "cajal/tuning.h"
#include "cajal/unitmatch.h"
#include "cajal/waveform_net.h"

#endif
