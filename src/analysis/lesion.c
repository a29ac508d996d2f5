/* lesion.c — silencing units of a trained network (include/cajal/lesion.h). */
#include "cajal/lesion.h"

cj_status cj_lesion_units(cj_model *m, int layer, const int *units, int n, cj_error *err)
{
    if (layer < 0 || layer >= m->n_layers)
        return cj_fail(err, CJ_ERR_ARG, "layer %d: the model has layers 0 to %d", layer, m->n_layers - 1);
    cj_layer *l = &m->layers[layer];
    cj_param *w = cj_layer_param(l, CJ_PARAM_RECURRENT);
    if (!w || w->ndim != 2 || w->shape[0] % w->shape[1])
        return cj_fail(err, CJ_ERR_ARG, "layer %d (%s) has no recurrent weight to lesion", layer, cj_layer_name(l));
    int H = w->shape[1], rows = w->shape[0]; /* GRU and LSTM stack their gates' rows */
    for (int k = 0; k < n; k++)
        if (units[k] < 0 || units[k] >= H)
            return cj_fail(err, CJ_ERR_ARG, "unit %d: layer %d (%s) has units 0 to %d", units[k], layer,
                           cj_layer_name(l), H - 1);
    cj_param *next = NULL;
    int next_layer = -1;
    for (int i = layer + 1; i < m->n_layers && !next; i++)
        if ((next = cj_layer_param(&m->layers[i], CJ_PARAM_WEIGHT))) next_layer = i;
    if (next && (next->ndim != 2 || next->shape[1] != H))
        return cj_fail(err, CJ_ERR_ARG, "layer %d (%s) after the recurrent layer does not take its %d units directly",
                       next_layer, cj_layer_name(&m->layers[next_layer]), H);
    for (int k = 0; k < n; k++) {
        for (int i = 0; i < rows; i++) w->data[(size_t)i * H + units[k]] = 0;
        for (int i = 0; next && i < next->shape[0]; i++) next->data[(size_t)i * H + units[k]] = 0;
    }
    return CJ_OK;
}
