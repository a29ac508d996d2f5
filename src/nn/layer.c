/* layer.c — what every layer shares: parsing a model.layers item into a
 * kind and its options, size checks around the kind's own setup, the
 * parameter list, and the one-step convenience passes. The kinds
 * themselves are tables of functions in their own files (registry.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/layers.h"

const cj_layer_ops *cj_layer_ops_find(const char *word)
{
    int n;
    const cj_layer_ops *const *all = cj_layer_registry(&n);
    for (int i = 0; i < n; i++)
        if (!strcmp(word, all[i]->word) || (all[i]->alias && !strcmp(word, all[i]->alias))) return all[i];
    return NULL;
}

cj_param *cj_layer_param(cj_layer *l, cj_param_role role)
{
    for (int k = 0; k < l->n_params; k++)
        if (l->params[k].role == role) return &l->params[k];
    return NULL;
}

size_t cj_layer_param_count(const cj_layer *l)
{
    size_t n = 0;
    for (int k = 0; k < l->n_params; k++) n += l->params[k].n;
    return n;
}

void cj_layer_add_param(cj_layer *l, const char *name, cj_param_role role, float init_bound, int ndim,
                        const int *shape)
{
    cj_param *p = &l->params[l->n_params++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->role = role;
    p->init_bound = init_bound;
    p->ndim = ndim;
    p->n = 1;
    for (int d = 0; d < ndim; d++) {
        p->shape[d] = shape[d];
        p->n *= (size_t)shape[d];
    }
}

/* ---- parsing ------------------------------------------------------------- */

static cj_status unknown_word(const char *word, int index, cj_error *err)
{
    char known[512];
    int n;
    const cj_layer_ops *const *all = cj_layer_registry(&n);
    cj_names_join((const void *const *)all, n, known, sizeof known);
    return cj_fail(err, CJ_ERR_CONFIG, "model.layers: unknown layer '%s' (item %d); expected %s", word, index,
                   known);
}

cj_status cj_layer_parse(char *item, int index, cj_layer *l, cj_error *err)
{
    memset(l, 0, sizeof *l);
    l->index = index;
    cj_spec_args a;
    cj_status st = cj_spec_split(item, "model.layers", index, &a, err);
    if (st) return st;
    l->ops = cj_layer_ops_find(a.word);
    if (!l->ops) return unknown_word(a.word, index, err);
    a.word = l->ops->word; /* the messages name the kind, not an alias */
    if (l->ops->priv_bytes && !(l->priv = calloc(1, l->ops->priv_bytes)))
        return cj_fail(err, CJ_ERR_NOMEM, "model.layers: item %d (%s): out of memory", index, a.word);
    st = l->ops->parse ? l->ops->parse(l, &a, err) : CJ_OK;
    if (!st) st = cj_spec_finish(&a, l->ops->options, err);
    if (st) cj_layer_release(l);
    return st;
}

void cj_layer_release(cj_layer *l)
{
    free(l->priv);
    l->priv = NULL;
}

/* ---- setup --------------------------------------------------------------- */

/* a * b, or 0 when it exceeds CJ_MAX_ELEMENTS (no factor here is 0). */
static size_t mul_capped(size_t a, size_t b) { return a && b > CJ_MAX_ELEMENTS / a ? 0 : a * b; }

static size_t shape_capped(long long c, long long h, long long w)
{
    if (c < 1 || h < 1 || w < 1 || c > CJ_MAX_ELEMENTS || h > CJ_MAX_ELEMENTS || w > CJ_MAX_ELEMENTS) return 0;
    size_t ch = mul_capped((size_t)c, (size_t)h);
    return ch ? mul_capped(ch, (size_t)w) : 0;
}

cj_status cj_layer_setup(cj_layer *l, int index, cj_error *err)
{
    const char *name = cj_layer_name(l);
    cj_shape in = l->in;
    l->index = index;
    l->n_params = 0;
    if (!shape_capped(in.c, in.h, in.w))
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s): input %dx%dx%d is empty or more than %u elements", index,
                       name, in.c, in.h, in.w, CJ_MAX_ELEMENTS);
    cj_status st = l->ops->setup ? l->ops->setup(l, err) : CJ_OK;
    if (!l->ops->setup) l->out = in;
    if (st) return st;
    if (l->out.c < 1)
        return cj_fail(err, CJ_ERR_CONFIG, "layer %d (%s) needs a positive number of outputs", index, name);
    if (!shape_capped(l->out.c, l->out.h, l->out.w))
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s): output %dx%dx%d is more than %u elements", index, name,
                       l->out.c, l->out.h, l->out.w, CJ_MAX_ELEMENTS);
    return CJ_OK;
}

/* ---- one-step passes ----------------------------------------------------- */

void cj_layer_forward(cj_layer *l, const float *in, float *out, int batch, float *scratch)
{
    cj_pass p = {.T = 1, .B = batch, .in = in, .out = out, .scratch = scratch};
    l->ops->forward(l, &p);
}

void cj_layer_backward(cj_layer *l, const float *in, const float *out, const float *dout,
                       const float *feedback, float *din, int batch, float *scratch)
{
    const float *fb[CJ_LAYER_MAX_PARAMS] = {feedback};
    cj_pass p = {.T = 1, .B = batch, .in = in, .out = (float *)out, .dout = dout, .din = din, .scratch = scratch,
                 .feedback = feedback ? fb : NULL};
    l->ops->backward(l, &p);
}
