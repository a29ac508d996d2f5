/* lesion.h — silence units of a trained network, as a lesion study does
 * (Yang et al. 2019, Fig. 3: clusters of units lesioned, every task
 * measured again).
 *
 *     int units[] = {3, 17, 20};
 *     if (cj_lesion_units(&m, 0, units, 3, &err)) ...   // layer 0, e.g. "rnn 64"
 *
 * A unit is silenced by cutting its output: its column of the layer's
 * recurrent weights (every gate's, for a GRU or LSTM) and of the next
 * parametric layer's input weights become 0, so its activity reaches no
 * other unit and no output (its own state still evolves, unseen). The
 * model's parameters change in place; reload them to undo. */
#ifndef CAJAL_LESION_H
#define CAJAL_LESION_H

#include "cajal/model.h"
#include "cajal/status.h"

/* Silence units[0..n) of recurrent layer `layer` of m. A layer without a
 * recurrent weight, a unit outside the layer or a next layer that does not
 * take the layer's units directly is CJ_ERR_ARG naming it. */
cj_status cj_lesion_units(cj_model *m, int layer, const int *units, int n, cj_error *err);

#endif
