/* lesion.h — silence units of a trained network, as a lesion study does
 * (Yang et al. 2019, Fig. 3: clusters of units lesioned, every task
 * measured again; for image models, e.g. Morcos et al. 2018, ICLR, "On the
 * importance of single directions for generalization": units ablated,
 * accuracy measured again against random ablations).
 *
 *     int units[16], n;
 *     if (cj_lesion_parse_units("0-15", cj_lesion_layer_units(&m, 3), 1, units, &n, &err)) ...
 *     if (cj_lesion_units(&m, 3, units, n, &err)) ...   // layer 3, e.g. "conv2d 32": channels 0..15
 *
 * A unit of layer L is one channel of its output: a dense or recurrent
 * layer's unit, a convolutional layer's feature map (all its positions),
 * and for a layer without weights (relu, maxpool, flatten) the channel of
 * its output. Layers are counted from 0 as in the model's layer list, the
 * numbers `cajal record` puts in its file names ("3_conv2d.npy").
 *
 * A unit is silenced by cutting its output: the next layer with weights
 * (the "target" layer) gets 0 in every weight from it — a dense or
 * recurrent layer's input columns, a convolution's input channels — so its
 * activity reaches no other unit and no output. Between the two, layers
 * without weights must keep channels (activations, pooling), and a flatten
 * turns channel c of [C, H, W] into the positions c*H*W .. (c+1)*H*W - 1,
 * so the cut follows it there. A recurrent layer's own recurrent weights
 * from the unit are cut too (every gate's, for a GRU or LSTM). The unit's
 * own response, and that of the weightless layers between, still happen,
 * unseen: the lesioned network computes what the intact one would with the
 * unit's activity replaced by 0 where the target layer reads it (for relu,
 * tanh, pooling and flatten between, which map 0 to 0, that is the unit's
 * own output set to 0). The model's parameters change in place; reload
 * them (or copy cj_model.params back) to undo. */
#ifndef CAJAL_LESION_H
#define CAJAL_LESION_H

#include <stdint.h>

#include "cajal/model.h"
#include "cajal/rng.h"
#include "cajal/status.h"

/* How many units layer `layer` has (its output's channels), or 0 when there
 * is no such layer. */
int cj_lesion_layer_units(const cj_model *m, int layer);

/* The layer whose weights a lesion of `layer` cuts, into *target: the next
 * layer with weights, or -1 for a recurrent layer that is the last with
 * weights (only its own recurrent weights are cut). Fails with CJ_ERR_ARG
 * naming the layer when there is no such layer, when a feed-forward layer
 * has no later layer with weights (its units reach nothing to cut: lesion
 * a layer below the output), when a weightless layer between changes the
 * number of channels, and when the target's weight does not take the
 * channels as they arrive (it names both layers and shapes). */
cj_status cj_lesion_target(const cj_model *m, int layer, int *target, cj_error *err);

/* Silence units[0..n) of layer `layer` of m (see above). A unit outside
 * the layer is CJ_ERR_ARG naming it, the layer and its range; so are the
 * failures of cj_lesion_target. Nothing changes on failure. */
cj_status cj_lesion_units(cj_model *m, int layer, const int *units, int n, cj_error *err);

/* The units a text names, for a layer of n_units units, into
 * units[0..*n) (capacity n_units), each once, in increasing order:
 *   "0-15"       a range, both ends included;
 *   "3,7,9-12"   a list of units and ranges;
 *   "random:N"   N different units drawn with cj_lesion_draw_units from a
 *                stream seeded with seed ^ 0x6c6573696f6e ("lesion").
 * An empty spec, a unit outside 0..n_units-1, a reversed range and N
 * outside 1..n_units are CJ_ERR_ARG quoting the spec and the part at fault. */
cj_status cj_lesion_parse_units(const char *spec, int n_units, uint64_t seed, int *units, int *n, cj_error *err);

/* n different units of 0..n_units-1 from rng into units[0..n), sorted:
 * the first n of a Fisher-Yates shuffle (cj_rng_shuffle) of 0..n_units-1,
 * which `scratch` [n_units] holds. 1 <= n <= n_units. */
void cj_lesion_draw_units(cj_rng *rng, int n_units, int n, int *units, int *scratch);

#endif
