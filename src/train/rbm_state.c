/* rbm_state.c — an RBM run's train_state.safetensors (rbm_state.h): the
 * run's mark (epoch, epochs, step, config, as train_state.c writes it, so
 * run_folder.c's checks apply unchanged), "model" = "rbm", the sample
 * order, the two random streams, the momenta of W, b and c and, for PCD
 * once started, the persistent chains. Floats are F32 tensors read back bit
 * for bit; the reader checks every key and length before it copies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rbm_state.h"

enum { N_TENSORS = 4 };

static const char *const KEYS[] = {CJ_TRAIN_STATE_FORMAT_KEY, "epoch", "epochs", "step", "config", "model",
                                   "order", "rng.order", "rng.gibbs", "rbm.chain_started"};
enum { N_KEYS = sizeof KEYS / sizeof *KEYS };

typedef struct {
    const char *name, *what;
    float *data;
    size_t n;
} slot;

/* The float buffers of this run, in file order; the chains only for PCD
 * once started (chain_started: the trainer's, or the file's when reading). */
static int slots(const cj_rbm_parts *p, int chain_started, slot *s)
{
    const cj_rbm_trainer *t = p->t;
    const size_t HV = (size_t)t->H * t->V;
    int n = 0;
    s[n++] = (slot){"rbm.vW", "momentum of W", t->vW, HV};
    s[n++] = (slot){"rbm.vb", "momentum of the visible biases", t->vb, (size_t)t->V};
    s[n++] = (slot){"rbm.vc", "momentum of the hidden biases", t->vc, (size_t)t->H};
    if (t->method == CJ_RBM_PCD && chain_started)
        s[n++] = (slot){"rbm.chain", "persistent chains", t->chain, (size_t)t->batch * t->H};
    return n;
}

cj_status cj_rbm_state_write(const char *path, const cj_rbm_parts *p, const cj_train_mark *mark, cj_error *err)
{
    char v[N_KEYS][CJ_TRAIN_VALUE_MAX];
    char *order = cj_train_order_text(p->order, p->n_order);
    if (!order) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    snprintf(v[0], sizeof v[0], "%s", CJ_TRAIN_STATE_FORMAT_VERSION);
    snprintf(v[1], sizeof v[1], "%d", mark->epoch);
    snprintf(v[2], sizeof v[2], "%d", mark->epochs);
    snprintf(v[3], sizeof v[3], "%ld", mark->step);
    cj_train_rng_text(p->order_rng, v[7]);
    cj_train_rng_text(p->gibbs_rng, v[8]);
    snprintf(v[9], sizeof v[9], "%d", p->t->chain_started);
    cj_meta_entry meta[N_KEYS] = {{KEYS[0], v[0]}, {KEYS[1], v[1]}, {KEYS[2], v[2]}, {KEYS[3], v[3]},
                                  {KEYS[4], mark->config}, {KEYS[5], "rbm"}, {KEYS[6], order},
                                  {KEYS[7], v[7]}, {KEYS[8], v[8]}, {KEYS[9], v[9]}};
    slot s[N_TENSORS];
    int n = slots(p, p->t->chain_started, s);
    const char *names[N_TENSORS];
    cj_tensor tensors[N_TENSORS];
    for (int i = 0; i < n; i++) {
        names[i] = s[i].name;
        tensors[i] = (cj_tensor){.data = s[i].data, .ndim = 1, .shape = {(int64_t)s[i].n}};
    }
    cj_status st = cj_safetensors_write(path, n, names, tensors, N_KEYS, meta, err);
    free(order);
    return st;
}

static cj_status wrong_file(const cj_train_state *ts, const char *what, const char *name, cj_error *err)
{
    char q[96];
    return cj_fail(err, CJ_ERR_FORMAT, "%s: unexpected %s '%s' (not an RBM run's state?)", ts->path, what,
                   cj_error_quote(name, q, sizeof q));
}

cj_status cj_rbm_state_apply(const cj_train_state *ts, cj_rbm_parts *p, cj_error *err)
{
    const char *model = cj_safetensors_meta(&ts->file, "model");
    if (!model || strcmp(model, "rbm"))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: not the state of an RBM run (no metadata 'model' = 'rbm')", ts->path);
    for (int i = 0; i < ts->file.n_meta; i++) {
        int known = 0;
        for (int k = 0; k < N_KEYS; k++) known |= !strcmp(ts->file.meta_keys[i], KEYS[k]);
        if (!known) return wrong_file(ts, "metadata", ts->file.meta_keys[i], err);
    }
    const char *started = cj_safetensors_meta(&ts->file, "rbm.chain_started");
    if (!started || (strcmp(started, "0") && strcmp(started, "1")))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: metadata 'rbm.chain_started' is missing or not 0 or 1", ts->path);
    const int chain_started = started[0] == '1';
    slot s[N_TENSORS];
    int n = slots(p, chain_started, s);
    for (int i = 0; i < ts->file.n; i++) {
        int known = 0;
        for (int k = 0; k < n; k++) known |= !strcmp(ts->file.names[i], s[k].name);
        if (!known) return wrong_file(ts, "tensor", ts->file.names[i], err);
    }
    for (int k = 0; k < n; k++) {
        const cj_tensor *x = cj_safetensors_get(&ts->file, s[k].name);
        if (!x) return cj_fail(err, CJ_ERR_FORMAT, "%s: no tensor '%s' (the %s)", ts->path, s[k].name, s[k].what);
        if (x->ndim != 1 || (uint64_t)x->shape[0] != (uint64_t)s[k].n) {
            char shape[64];
            return cj_fail(err, CJ_ERR_SHAPE, "%s: tensor '%s' has shape %s, but this run's %s are [%zu]", ts->path,
                           s[k].name, cj_tensor_shape_str(x, shape, sizeof shape), s[k].what, s[k].n);
        }
    }
    cj_rng order_rng, gibbs_rng;
    int *order = malloc(sizeof(int) * (size_t)(p->n_order > 0 ? p->n_order : 1));
    if (!order) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", ts->path);
    cj_status st = cj_train_state_rng(ts, "rng.order", &order_rng, err);
    if (!st) st = cj_train_state_rng(ts, "rng.gibbs", &gibbs_rng, err);
    if (!st) st = cj_train_state_order(ts, p->n_order, order, err);
    if (!st) {
        /* everything checked: copy */
        for (int k = 0; k < n; k++)
            memcpy(s[k].data, cj_safetensors_get(&ts->file, s[k].name)->data, sizeof(float) * s[k].n);
        p->t->chain_started = chain_started;
        memcpy(p->order, order, sizeof(int) * (size_t)p->n_order);
        *p->order_rng = order_rng, *p->gibbs_rng = gibbs_rng;
    }
    free(order);
    return st;
}
