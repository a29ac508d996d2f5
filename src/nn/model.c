/* model.c — parse a layer list, lay out parameters, activations, tapes and
 * state, and run the network forward and backward over time-major
 * sequences. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/model.h"

enum { MAX_ITEM = 256 };

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
    return s;
}

/* What a model needs: its layers (parsed and set up), and the floats of
 * parameters, the largest scratch, and per layer boundary a [T, B] of
 * activations and their gradients, tapes and state. */
typedef struct {
    cj_layer *layers;  /* [n] (malloc'd, priv owned) */
    int n, cap;
    size_t n_params, scratch, floats;
} model_plan;

static void plan_free(model_plan *p)
{
    for (int i = 0; i < p->n; i++) cj_layer_release(&p->layers[i]);
    free(p->layers);
    memset(p, 0, sizeof *p);
}

static cj_status add_layer(model_plan *p, char *item, cj_shape *shape, cj_error *err)
{
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 8;
        cj_layer *grown = realloc(p->layers, sizeof(cj_layer) * cap);
        if (!grown) return cj_fail(err, CJ_ERR_NOMEM, "model.layers: out of memory at item %d", p->n);
        p->layers = grown;
        p->cap = cap;
    }
    cj_layer *l = &p->layers[p->n];
    cj_status st = cj_layer_parse(trim(item), p->n, l, err);
    if (st) return st;
    p->n++; /* owned by the plan from here, even if setup fails */
    l->in = *shape;
    if ((st = cj_layer_setup(l, p->n - 1, err))) return st;
    *shape = l->out;
    return CJ_OK;
}

static cj_status parse_spec(model_plan *p, const char *spec, cj_shape input, cj_error *err)
{
    cj_shape shape = input;
    for (const char *s = spec; *s;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char item[MAX_ITEM];
        if (len >= sizeof item) return cj_fail(err, CJ_ERR_CONFIG, "model.layers: item %d is too long", p->n);
        memcpy(item, s, len);
        item[len] = '\0';
        cj_status st = add_layer(p, item, &shape, err);
        if (st) return st;
        s += len + (comma ? 1 : 0);
    }
    if (p->n == 0) return cj_fail(err, CJ_ERR_CONFIG, "model.layers is empty");
    return CJ_OK;
}

static cj_status rows_fit(const char *what, int index, cj_shape s, size_t rows, int T, int B, cj_error *err)
{
    if (cj_shape_size(s) <= CJ_MAX_ELEMENTS / rows) return CJ_OK;
    if (T == 1)
        return cj_fail(err, CJ_ERR_SHAPE, "%s %d: a batch of %d samples of %dx%dx%d is more than %u elements", what,
                       index, B, s.c, s.h, s.w, CJ_MAX_ELEMENTS);
    return cj_fail(err, CJ_ERR_SHAPE, "%s %d: %d steps of %d samples of %dx%dx%d is more than %u elements", what,
                   index, T, B, s.c, s.h, s.w, CJ_MAX_ELEMENTS);
}

static cj_status plan_model(model_plan *p, const char *spec, cj_shape input, int T, int B, cj_error *err)
{
    memset(p, 0, sizeof *p);
    if (B < 1) return cj_fail(err, CJ_ERR_ARG, "batch size %d must be positive", B);
    if (T < 1) return cj_fail(err, CJ_ERR_ARG, "sequence length %d must be positive", T);
    if ((size_t)T * B > CJ_MAX_ELEMENTS) return cj_fail(err, CJ_ERR_ARG, "%d steps of %d samples are too many", T, B);
    size_t rows = (size_t)T * B;
    cj_status st = parse_spec(p, spec, input, err);
    if (!st) st = rows_fit("input of layer", 0, input, rows, T, B, err);
    if (st) return st;
    p->floats = 2 * rows * cj_shape_size(input);
    for (int i = 0; i < p->n; i++) {
        const cj_layer *l = &p->layers[i];
        if ((st = rows_fit("output of layer", i, l->out, rows, T, B, err))) return st;
        if (!l->ops->in_place) p->floats += 2 * rows * cj_shape_size(l->out);
        p->n_params += cj_layer_param_count(l); /* each below 2^31: no wrap */
        if (p->n_params > CJ_MAX_ELEMENTS)
            return cj_fail(err, CJ_ERR_SHAPE, "model.layers: %zu parameters up to layer %d (%s), more than %u",
                           p->n_params, i, cj_layer_name(l), CJ_MAX_ELEMENTS);
        size_t s = cj_layer_scratch_floats_seq(l, T, B), tape = cj_layer_tape_floats(l, T, B);
        size_t state = l->ops->state_floats ? l->ops->state_floats(l) * (size_t)B : 0;
        if (s > CJ_MAX_ELEMENTS || tape > CJ_MAX_ELEMENTS || state > CJ_MAX_ELEMENTS)
            return cj_fail(err, CJ_ERR_SHAPE, "layer %d (%s): %d steps of %d samples need more than %u floats of "
                           "scratch or tape", i, cj_layer_name(l), T, B, CJ_MAX_ELEMENTS);
        if (s > p->scratch) p->scratch = s;
        p->floats += tape + state;
    }
    p->floats += 2 * p->n_params + p->scratch;
    return CJ_OK;
}

cj_status cj_model_plan(const char *spec, cj_shape input, int max_batch, size_t *floats, cj_error *err)
{
    model_plan p;
    cj_status st = plan_model(&p, spec, input, 1, max_batch, err);
    if (!st) *floats = p.floats;
    plan_free(&p);
    return st;
}

/* Carve the planned buffers from the model's arena; the layers' settings
 * move there too. */
static int allocate(cj_model *m, model_plan *p)
{
    int n = p->n;
    size_t rows = (size_t)m->max_steps * m->max_batch;
    m->layers = cj_arena_alloc(&m->arena, sizeof(cj_layer) * n);
    m->acts = cj_arena_alloc(&m->arena, sizeof(float *) * (n + 1));
    m->dacts = cj_arena_alloc(&m->arena, sizeof(float *) * (n + 1));
    m->tapes = cj_arena_alloc(&m->arena, sizeof(float *) * n);
    m->params = cj_arena_floats(&m->arena, p->n_params ? p->n_params : 1);
    m->grads = cj_arena_floats(&m->arena, p->n_params ? p->n_params : 1);
    m->scratch = p->scratch ? cj_arena_floats(&m->arena, p->scratch) : NULL;
    if (!m->layers || !m->acts || !m->dacts || !m->tapes || !m->params || !m->grads || (!m->scratch && p->scratch))
        return 0;
    size_t offset = 0;
    for (int i = 0; i <= n; i++) {
        cj_shape s = i == 0 ? m->input : p->layers[i - 1].out;
        if (i > 0 && p->layers[i - 1].ops->in_place) {
            m->acts[i] = m->acts[i - 1]; /* same elements, same order: no copy */
            m->dacts[i] = m->dacts[i - 1];
        } else {
            m->acts[i] = cj_arena_floats(&m->arena, rows * cj_shape_size(s));
            m->dacts[i] = cj_arena_floats(&m->arena, rows * cj_shape_size(s));
        }
        if (!m->acts[i] || !m->dacts[i]) return 0;
        if (i == n) break;
        cj_layer *l = &m->layers[i];
        *l = p->layers[i];
        if (l->priv) {
            void *priv = cj_arena_alloc(&m->arena, l->ops->priv_bytes);
            if (!priv) return 0;
            memcpy(priv, l->priv, l->ops->priv_bytes);
            free(l->priv);
            l->priv = priv;
            p->layers[i].priv = NULL; /* the arena owns it now */
        }
        size_t tape = cj_layer_tape_floats(l, m->max_steps, m->max_batch);
        m->tapes[i] = tape ? cj_arena_floats(&m->arena, tape) : NULL;
        if (l->ops->state_floats) {
            l->state = cj_arena_floats(&m->arena, l->ops->state_floats(l) * (size_t)m->max_batch);
            if (!l->state) return 0;
        }
        if (tape && !m->tapes[i]) return 0;
        for (int k = 0; k < l->n_params; k++) {
            l->params[k].data = m->params + offset;
            l->params[k].grad = m->grads + offset;
            offset += l->params[k].n;
        }
    }
    return 1;
}

cj_status cj_model_create_seq(cj_model *m, const char *spec, cj_shape input, int max_steps, int max_batch,
                              cj_error *err)
{
    memset(m, 0, sizeof *m);
    model_plan p;
    cj_status st = plan_model(&p, spec, input, max_steps, max_batch, err);
    if (st) {
        plan_free(&p);
        return st;
    }
    cj_arena_init(&m->arena, 0);
    m->n_layers = p.n;
    m->input = input;
    m->max_batch = max_batch;
    m->max_steps = max_steps;
    m->n_params = p.n_params;
    int ok = allocate(m, &p);
    size_t n_params = p.n_params;
    plan_free(&p);
    if (!ok) {
        cj_model_free(m);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory allocating the model (%zu parameters, %d steps of %d)",
                       n_params, max_steps, max_batch);
    }
    cj_model_reset(m, max_batch);
    return CJ_OK;
}

cj_status cj_model_create(cj_model *m, const char *spec, cj_shape input, int max_batch, cj_error *err)
{
    return cj_model_create_seq(m, spec, input, 1, max_batch, err);
}

void cj_model_free(cj_model *m)
{
    free(m->mask);
    cj_arena_free(&m->arena);
    memset(m, 0, sizeof *m);
}

void cj_model_init(cj_model *m, cj_rng *rng)
{
    for (int i = 0; i < m->n_layers; i++) {
        cj_layer *l = &m->layers[i];
        if (l->ops->init) {
            l->ops->init(l, rng);
            continue;
        }
        for (int k = 0; k < l->n_params; k++) {
            cj_param *p = &l->params[k];
            if (p->init_bound > 0) cj_rng_fill_uniform(rng, p->data, p->n, -p->init_bound, p->init_bound);
            else memset(p->data, 0, sizeof(float) * p->n);
        }
    }
}

int cj_model_is_recurrent(const cj_model *m)
{
    for (int i = 0; i < m->n_layers; i++)
        if (cj_layer_is_recurrent(&m->layers[i])) return 1;
    return 0;
}

void cj_model_reset(cj_model *m, int batch)
{
    for (int i = 0; i < m->n_layers; i++)
        if (m->layers[i].ops->reset) m->layers[i].ops->reset(&m->layers[i], batch);
}

const float *cj_model_forward_hook(cj_model *m, const float *x, int T, int B, cj_layer_hook hook, void *user)
{
    if (x != m->acts[0]) memcpy(m->acts[0], x, sizeof(float) * (size_t)T * B * cj_shape_size(m->input));
    m->steps = T;
    m->batch = B;
    for (int i = 0; i < m->n_layers; i++) {
        cj_pass p = {.T = T, .B = B, .in = m->acts[i], .out = m->acts[i + 1], .tape = m->tapes[i],
                     .scratch = m->scratch};
        m->layers[i].ops->forward(&m->layers[i], &p);
        if (hook) hook(m, i, user);
    }
    return m->acts[m->n_layers];
}

const float *cj_model_forward_seq(cj_model *m, const float *x, int T, int B)
{
    return cj_model_forward_hook(m, x, T, B, NULL, NULL);
}

const float *cj_model_forward(cj_model *m, const float *x, int batch)
{
    cj_model_reset(m, batch);
    return cj_model_forward_hook(m, x, 1, batch, NULL, NULL);
}

/* Backward through layer i, sending the error to dacts[i] when want_din. */
static void layer_backward(cj_model *m, int i, int want_din, const float *feedback, int accumulate)
{
    cj_layer *l = &m->layers[i];
    const float *fb[CJ_LAYER_MAX_PARAMS] = {0};
    if (feedback)
        for (int k = 0; k < l->n_params; k++) fb[k] = feedback + cj_model_param_offset(m, &l->params[k]);
    cj_pass p = {.T = m->steps, .B = m->batch, .in = m->acts[i], .out = m->acts[i + 1], .dout = m->dacts[i + 1],
                 .din = want_din ? m->dacts[i] : NULL, .tape = m->tapes[i], .scratch = m->scratch,
                 .feedback = feedback ? fb : NULL, .accumulate = accumulate};
    l->ops->backward(l, &p);
}

void cj_model_backward(cj_model *m, const float *dout, const float *feedback, int accumulate)
{
    int n = m->n_layers;
    size_t rows = (size_t)m->steps * m->batch;
    if (dout != m->dacts[n]) memcpy(m->dacts[n], dout, sizeof(float) * rows * cj_shape_size(cj_model_output_shape(m)));
    /* Nothing below the first parametric layer needs an error signal (the
     * input is data), so stop there: for "flatten, dense ..." this skips a
     * whole [batch x 784] product per step. */
    int first = 0;
    while (first < n - 1 && !cj_layer_has_params(&m->layers[first])) first++;
    for (int i = n - 1; i >= first; i--) layer_backward(m, i, i > first, feedback, accumulate);
}

void cj_model_backward_range(cj_model *m, int top, int bottom)
{
    for (int i = top; i >= bottom; i--) layer_backward(m, i, i > bottom, NULL, 0);
}

void cj_model_backward_input(cj_model *m, int top)
{
    for (int i = top; i >= 0; i--) layer_backward(m, i, 1, NULL, 0);
}

int cj_model_n_streams(const cj_model *m)
{
    int n = 0;
    for (int i = 0; i < m->n_layers; i++) n += cj_layer_rng(&m->layers[i]) != NULL;
    return n;
}

void cj_model_save_streams(cj_model *m, cj_rng *buf)
{
    for (int i = 0; i < m->n_layers; i++) {
        cj_rng *r = cj_layer_rng(&m->layers[i]);
        if (r) *buf++ = *r;
    }
}

void cj_model_restore_streams(cj_model *m, const cj_rng *buf)
{
    for (int i = 0; i < m->n_layers; i++) {
        cj_rng *r = cj_layer_rng(&m->layers[i]);
        if (r) *r = *buf++;
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

static void param_view(const cj_param *p, cj_tensor *t)
{
    memset(t, 0, sizeof *t);
    t->data = p->data;
    t->ndim = p->ndim;
    for (int d = 0; d < p->ndim; d++) t->shape[d] = p->shape[d];
}

cj_status cj_model_each_param(cj_model *m, cj_param_visitor visit, void *user)
{
    for (int i = 0; i < m->n_layers; i++) {
        const cj_layer *l = &m->layers[i];
        for (int k = 0; k < l->n_params; k++) {
            char name[16 + CJ_PARAM_NAME_MAX];
            cj_tensor t;
            snprintf(name, sizeof name, "%d.%s", i, l->params[k].name);
            param_view(&l->params[k], &t);
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
    for (int k = 0; k < l->n_params; k++)
        if (!strcmp(end + 1, l->params[k].name)) {
            if (view) param_view(&l->params[k], view);
            return l->params[k].data;
        }
    return NULL;
}
