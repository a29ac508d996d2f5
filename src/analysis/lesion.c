/* lesion.c — silencing units of a trained network by cutting their
 * outgoing weights (include/cajal/lesion.h). */
#include "cajal/lesion.h"

int cj_lesion_layer_units(const cj_model *m, int layer)
{
    return layer >= 0 && layer < m->n_layers ? m->layers[layer].out.c : 0;
}

/* The shape the units' signal has when it reaches the target layer: c
 * channels of hw positions each. A flatten makes C*H*W channels of one
 * position, unit u's positions staying together, in order. */
typedef struct {
    int c, hw;
} arrival;

cj_status cj_lesion_target(const cj_model *m, int layer, int *target, cj_error *err)
{
    if (layer < 0 || layer >= m->n_layers)
        return cj_fail(err, CJ_ERR_ARG, "layer %d: the model has layers 0 to %d", layer, m->n_layers - 1);
    const cj_layer *l = &m->layers[layer];
    int C = l->out.c;
    arrival a = {C, l->out.h * l->out.w};
    for (int i = layer + 1; i < m->n_layers; i++) {
        const cj_layer *li = &m->layers[i];
        const cj_param *w = cj_layer_param((cj_layer *)li, CJ_PARAM_WEIGHT);
        if (w) {
            /* A convolution reads channels; a dense or recurrent layer
             * reads the flat [C, H, W] vector. (The layers' own setup makes
             * these agree: this guards the arithmetic of the cut.) */
            int ok = w->ndim == 4 ? w->shape[1] == a.c
                                  : w->ndim == 2 && (size_t)w->shape[1] == (size_t)a.c * a.hw;
            if (!ok)
                return cj_fail(err, CJ_ERR_ARG, "layer %d (%s) after layer %d (%s) does not take its %d unit%s as "
                               "channels (it reads %dx%dx%d)", i, cj_layer_name(li), layer, cj_layer_name(l), C,
                               C == 1 ? "" : "s", li->in.c, li->in.h, li->in.w);
            *target = i;
            return CJ_OK;
        }
        if (li->ops == &cj_flatten_ops) {
            a.c *= a.hw;
            a.hw = 1;
        } else if (li->out.c != li->in.c || cj_layer_has_params(li)) {
            return cj_fail(err, CJ_ERR_ARG, "layer %d (%s) between layer %d (%s) and the next layer with weights "
                           "turns %d channels into %d: the units cannot be followed through it",
                           i, cj_layer_name(li), layer, cj_layer_name(l), li->in.c, li->out.c);
        } else {
            a.hw = li->out.h * li->out.w;
        }
    }
    if (cj_layer_param((cj_layer *)l, CJ_PARAM_RECURRENT)) {
        *target = -1;
        return CJ_OK;
    }
    return cj_fail(err, CJ_ERR_ARG, "layer %d (%s) sends to no later layer with weights, so there is nothing to "
                   "cut (lesion a layer below the output)", layer, cj_layer_name(l));
}

/* Zero the recurrent weight's columns of the units (every gate's rows). */
static void cut_recurrent(cj_param *w, const int *units, int n)
{
    int H = w->shape[1], rows = w->shape[0];
    for (int k = 0; k < n; k++)
        for (int i = 0; i < rows; i++) w->data[(size_t)i * H + units[k]] = 0;
}

/* Zero the target's weights from the units. Either weight is [rows, in,
 * rest] row-major: a convolution's [out, in channels, kh * kw] or a dense
 * or recurrent layer's [rows, in features, 1]. Unit u of the C units is
 * the block of per = in / C inputs u*per .. (u+1)*per - 1: itself (per = 1)
 * without a flatten between, the H*W positions of its channel after one. */
static void cut_target(cj_param *w, int C, const int *units, int n)
{
    size_t in = (size_t)w->shape[1], rest = w->ndim == 4 ? (size_t)w->shape[2] * w->shape[3] : 1;
    size_t per = in / (size_t)C;
    for (int o = 0; o < w->shape[0]; o++)
        for (int k = 0; k < n; k++) {
            float *p = w->data + ((size_t)o * in + (size_t)units[k] * per) * rest;
            for (size_t j = 0; j < per * rest; j++) p[j] = 0;
        }
}

cj_status cj_lesion_units(cj_model *m, int layer, const int *units, int n, cj_error *err)
{
    int target;
    cj_status st = cj_lesion_target(m, layer, &target, err);
    if (st) return st;
    cj_layer *l = &m->layers[layer];
    int C = l->out.c;
    for (int k = 0; k < n; k++)
        if (units[k] < 0 || units[k] >= C)
            return cj_fail(err, CJ_ERR_ARG, "unit %d: layer %d (%s) has units 0 to %d", units[k], layer,
                           cj_layer_name(l), C - 1);
    cj_param *rec = cj_layer_param(l, CJ_PARAM_RECURRENT);
    if (rec && rec->ndim == 2 && rec->shape[1] == C && rec->shape[0] % C == 0) cut_recurrent(rec, units, n);
    if (target >= 0) cut_target(cj_layer_param(&m->layers[target], CJ_PARAM_WEIGHT), C, units, n);
    return CJ_OK;
}
