/* model.c — parse a layer list, lay out parameters and activations, and run
 * the network forward and backward. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/model.h"

enum { MAX_LAYERS = 64, MAX_ITEM = 128 };

static const struct {
    const char *word;
    cj_layer_kind kind;
} KIND_WORDS[] = {
    {"dense", CJ_LAYER_DENSE},     {"linear", CJ_LAYER_DENSE},     {"conv2d", CJ_LAYER_CONV2D},
    {"conv", CJ_LAYER_CONV2D},     {"maxpool", CJ_LAYER_MAXPOOL},  {"avgpool", CJ_LAYER_AVGPOOL},
    {"flatten", CJ_LAYER_FLATTEN}, {"relu", CJ_LAYER_RELU},        {"tanh", CJ_LAYER_TANH},
    {"sigmoid", CJ_LAYER_SIGMOID}, {"softplus", CJ_LAYER_SOFTPLUS},
};

static int parse_positive(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 0 || v > 1 << 24) return 0;
    *out = (int)v;
    return 1;
}

/* One item such as "conv2d 32 kernel=5 padding=2" into l (before setup). */
static cj_status parse_item(char *item, int index, cj_layer *l, cj_error *err)
{
    char *save = NULL;
    char *word = strtok_r(item, " \t", &save);
    if (!word) return cj_fail(err, CJ_ERR_CONFIG, "model.layers: item %d is empty", index);
    int found = 0;
    for (size_t k = 0; k < sizeof KIND_WORDS / sizeof KIND_WORDS[0]; k++)
        if (!strcmp(word, KIND_WORDS[k].word)) {
            l->kind = KIND_WORDS[k].kind;
            found = 1;
        }
    if (!found)
        return cj_fail(err, CJ_ERR_CONFIG,
                       "model.layers: unknown layer '%s' (item %d); expected dense, conv2d, maxpool, "
                       "avgpool, flatten, relu, tanh, sigmoid or softplus", word, index);
    int is_window = l->kind == CJ_LAYER_CONV2D || l->kind == CJ_LAYER_MAXPOOL ||
                    l->kind == CJ_LAYER_AVGPOOL;
    int wants_count = l->kind == CJ_LAYER_DENSE || is_window;
    l->kernel = l->kind == CJ_LAYER_CONV2D ? 3 : 2;
    l->stride = -1;  /* default: 1 for conv, the kernel for pooling */
    l->padding = 0;
    int have_count = 0;
    for (char *tok; (tok = strtok_r(NULL, " \t", &save));) {
        char *eq = strchr(tok, '=');
        int value;
        if (!eq && wants_count && !have_count) {
            if (!parse_positive(tok, &value) || value < 1)
                return cj_fail(err, CJ_ERR_CONFIG, "model.layers: item %d (%s): '%s' is not a positive size",
                               index, word, tok);
            if (l->kind == CJ_LAYER_DENSE || l->kind == CJ_LAYER_CONV2D) l->out.c = value;
            else l->kernel = value;
            have_count = 1;
            continue;
        }
        if (!eq || !is_window)
            return cj_fail(err, CJ_ERR_CONFIG, "model.layers: item %d (%s): unexpected '%s'", index,
                           word, tok);
        *eq = '\0';
        const char *key = tok, *val = eq + 1;
        if (!parse_positive(val, &value))
            return cj_fail(err, CJ_ERR_CONFIG, "model.layers: item %d (%s): %s=%s is not a whole number",
                           index, word, key, val);
        if (!strcmp(key, "kernel")) l->kernel = value;
        else if (!strcmp(key, "stride")) l->stride = value;
        else if (!strcmp(key, "padding")) l->padding = value;
        else
            return cj_fail(err, CJ_ERR_CONFIG,
                           "model.layers: item %d (%s): unknown option '%s' (kernel, stride, padding)",
                           index, word, key);
    }
    if ((l->kind == CJ_LAYER_DENSE || l->kind == CJ_LAYER_CONV2D) && !have_count)
        return cj_fail(err, CJ_ERR_CONFIG, "model.layers: item %d (%s) needs its number of outputs, e.g. '%s 64'",
                       index, word, word);
    if (l->stride < 0) l->stride = l->kind == CJ_LAYER_CONV2D ? 1 : l->kernel;
    return CJ_OK;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
    return s;
}

static cj_status parse_spec(const char *spec, cj_shape input, cj_layer *layers, int *n_layers,
                            cj_error *err)
{
    int n = 0;
    const char *p = spec;
    cj_shape shape = input;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[MAX_ITEM];
        if (len >= sizeof item)
            return cj_fail(err, CJ_ERR_CONFIG, "model.layers: item %d is too long", n);
        memcpy(item, p, len);
        item[len] = '\0';
        if (n == MAX_LAYERS)
            return cj_fail(err, CJ_ERR_CONFIG, "model.layers: more than %d layers", MAX_LAYERS);
        cj_layer *l = &layers[n];
        memset(l, 0, sizeof *l);
        cj_status st = parse_item(trim(item), n, l, err);
        if (st) return st;
        l->in = shape;
        if ((st = cj_layer_setup(l, n, err))) return st;
        shape = l->out;
        n++;
        p += len + (comma ? 1 : 0);
    }
    if (n == 0) return cj_fail(err, CJ_ERR_CONFIG, "model.layers is empty");
    *n_layers = n;
    return CJ_OK;
}

/* What a model needs besides its layers: parameters, the largest layer
 * scratch, and per layer boundary a batch of activations. */
typedef struct {
    cj_layer layers[MAX_LAYERS];
    int n;
    size_t n_params, scratch, floats;
} model_plan;

static cj_status batch_fits(const char *what, int index, cj_shape s, int max_batch, cj_error *err)
{
    size_t per_sample = cj_shape_size(s);
    if (per_sample > CJ_MAX_ELEMENTS / (size_t)max_batch)
        return cj_fail(err, CJ_ERR_SHAPE, "%s %d: a batch of %d samples of %dx%dx%d is more than %u elements", what,
                       index, max_batch, s.c, s.h, s.w, CJ_MAX_ELEMENTS);
    return CJ_OK;
}

static cj_status plan_model(model_plan *p, const char *spec, cj_shape input, int max_batch, cj_error *err)
{
    memset(p, 0, sizeof *p);
    if (max_batch < 1) return cj_fail(err, CJ_ERR_ARG, "batch size %d must be positive", max_batch);
    cj_status st = parse_spec(spec, input, p->layers, &p->n, err);
    if (st) return st;
    if ((st = batch_fits("input of layer", 0, input, max_batch, err))) return st;
    p->floats = 2 * (size_t)max_batch * cj_shape_size(input);
    for (int i = 0; i < p->n; i++) {
        const cj_layer *l = &p->layers[i];
        if ((st = batch_fits("output of layer", i, l->out, max_batch, err))) return st;
        p->floats += 2 * (size_t)max_batch * cj_shape_size(l->out);
        p->n_params += l->n_weight + l->n_bias;  /* each below 2^31: no wrap */
        if (p->n_params > CJ_MAX_ELEMENTS)
            return cj_fail(err, CJ_ERR_SHAPE, "model.layers: %zu parameters up to layer %d (%s), more than %u",
                           p->n_params, i, cj_layer_kind_name(l->kind), CJ_MAX_ELEMENTS);
        size_t s = cj_layer_scratch_floats(l, max_batch);
        if (s > CJ_MAX_ELEMENTS)
            return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s): %zu floats of scratch for a batch of %d, more than %u",
                           i, cj_layer_kind_name(l->kind), s, max_batch, CJ_MAX_ELEMENTS);
        if (s > p->scratch) p->scratch = s;
    }
    p->floats += 2 * p->n_params + p->scratch;
    return CJ_OK;
}

cj_status cj_model_plan(const char *spec, cj_shape input, int max_batch, size_t *floats, cj_error *err)
{
    model_plan p;
    cj_status st = plan_model(&p, spec, input, max_batch, err);
    if (!st) *floats = p.floats;
    return st;
}

/* Carve the planned buffers from the model's arena. */
static int allocate(cj_model *m, const model_plan *p)
{
    int n = p->n;
    m->layers = cj_arena_alloc(&m->arena, sizeof(cj_layer) * n);
    m->acts = cj_arena_alloc(&m->arena, sizeof(float *) * (n + 1));
    m->dacts = cj_arena_alloc(&m->arena, sizeof(float *) * (n + 1));
    m->params = cj_arena_floats(&m->arena, p->n_params);
    m->grads = cj_arena_floats(&m->arena, p->n_params);
    m->scratch = p->scratch ? cj_arena_floats(&m->arena, p->scratch) : NULL;
    int ok = m->layers && m->acts && m->dacts && m->params && m->grads && (m->scratch || !p->scratch);
    size_t offset = 0;
    for (int i = 0; ok && i <= n; i++) {
        cj_shape s = i == 0 ? m->input : p->layers[i - 1].out;
        size_t size = (size_t)m->max_batch * cj_shape_size(s);
        m->acts[i] = cj_arena_floats(&m->arena, size);
        m->dacts[i] = cj_arena_floats(&m->arena, size);
        ok = m->acts[i] && m->dacts[i];
        if (i == n) break;
        cj_layer *l = &m->layers[i];
        *l = p->layers[i];
        if (cj_layer_has_params(l)) {
            l->weight = m->params + offset;
            l->dweight = m->grads + offset;
            offset += l->n_weight;
            l->bias = m->params + offset;
            l->dbias = m->grads + offset;
            offset += l->n_bias;
        }
    }
    return ok;
}

cj_status cj_model_create(cj_model *m, const char *spec, cj_shape input, int max_batch,
                          cj_error *err)
{
    memset(m, 0, sizeof *m);
    model_plan p;
    cj_status st = plan_model(&p, spec, input, max_batch, err);
    if (st) return st;
    cj_arena_init(&m->arena, 0);
    m->n_layers = p.n;
    m->input = input;
    m->max_batch = max_batch;
    m->n_params = p.n_params;
    if (!allocate(m, &p)) {
        cj_model_free(m);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory allocating the model (%zu parameters, batch %d)",
                       p.n_params, max_batch);
    }
    return CJ_OK;
}

void cj_model_free(cj_model *m)
{
    cj_arena_free(&m->arena);
    memset(m, 0, sizeof *m);
}

void cj_model_init(cj_model *m, cj_rng *rng)
{
    for (int i = 0; i < m->n_layers; i++) {
        cj_layer *l = &m->layers[i];
        if (!cj_layer_has_params(l)) continue;
        size_t fan_in = l->n_weight / (size_t)l->out.c;
        float bound = 1.0f / sqrtf((float)fan_in);
        cj_rng_fill_uniform(rng, l->weight, l->n_weight, -bound, bound);
        cj_rng_fill_uniform(rng, l->bias, l->n_bias, -bound, bound);
    }
}

const float *cj_model_forward(cj_model *m, const float *x, int batch)
{
    if (x != m->acts[0]) memcpy(m->acts[0], x, sizeof(float) * batch * cj_shape_size(m->input));
    for (int i = 0; i < m->n_layers; i++)
        cj_layer_forward(&m->layers[i], m->acts[i], m->acts[i + 1], batch, m->scratch);
    return m->acts[m->n_layers];
}

void cj_model_backward(cj_model *m, const float *dout, int batch, const float *const *feedback)
{
    int n = m->n_layers;
    if (dout != m->dacts[n])
        memcpy(m->dacts[n], dout, sizeof(float) * batch * cj_shape_size(cj_model_output_shape(m)));
    /* Nothing below the first parametric layer needs an error signal (the
     * input is data), so stop there: for "flatten, dense ..." this skips a
     * whole [batch x 784] product per step. */
    int first = 0;
    while (first < n - 1 && !cj_layer_has_params(&m->layers[first])) first++;
    for (int i = n - 1; i >= first; i--) {
        const float *fb = feedback ? feedback[i] : NULL;
        cj_layer_backward(&m->layers[i], m->acts[i], m->acts[i + 1], m->dacts[i + 1], fb,
                          i > first ? m->dacts[i] : NULL, batch, m->scratch);
    }
}

int cj_model_n_param_layers(const cj_model *m)
{
    int count = 0;
    for (int i = 0; i < m->n_layers; i++) count += cj_layer_has_params(&m->layers[i]);
    return count;
}

int cj_model_param_layer(const cj_model *m, int k)
{
    for (int i = 0; i < m->n_layers; i++)
        if (cj_layer_has_params(&m->layers[i]) && k-- == 0) return i;
    return -1;
}

static void param_view(const cj_layer *l, int is_bias, cj_tensor *t)
{
    memset(t, 0, sizeof *t);
    if (is_bias) {
        t->data = l->bias;
        t->ndim = 1;
        t->shape[0] = l->out.c;
    } else if (l->kind == CJ_LAYER_DENSE) {
        t->data = l->weight;
        t->ndim = 2;
        t->shape[0] = l->out.c;
        t->shape[1] = l->in.c;
    } else {
        t->data = l->weight;
        t->ndim = 4;
        t->shape[0] = l->out.c;
        t->shape[1] = l->in.c;
        t->shape[2] = t->shape[3] = l->kernel;
    }
}

cj_status cj_model_each_param(cj_model *m, cj_param_visitor visit, void *user)
{
    for (int i = 0; i < m->n_layers; i++) {
        if (!cj_layer_has_params(&m->layers[i])) continue;
        for (int is_bias = 0; is_bias < 2; is_bias++) {
            char name[32];
            cj_tensor t;
            snprintf(name, sizeof name, "%d.%s", i, is_bias ? "bias" : "weight");
            param_view(&m->layers[i], is_bias, &t);
            cj_status st = visit(name, &t, user);
            if (st) return st;
        }
    }
    return CJ_OK;
}

float *cj_model_find_param(cj_model *m, const char *name, cj_tensor *view)
{
    char *end;
    long i = strtol(name, &end, 10);
    if (end == name || *end != '.' || i < 0 || i >= m->n_layers) return NULL;
    const cj_layer *l = &m->layers[i];
    if (!cj_layer_has_params(l)) return NULL;
    int is_bias = !strcmp(end + 1, "bias");
    if (!is_bias && strcmp(end + 1, "weight")) return NULL;
    cj_tensor t;
    param_view(l, is_bias, &t);
    if (view) *view = t;
    return t.data;
}
