/* waveform_net.c — train the waveform-similarity network (see
 * include/cajal/waveform_net.h): an autoencoder on every half-session
 * waveform, then InfoNCE fine-tuning of its encoder with the two halves of a
 * unit as the positive pair. Everything a step needs is allocated before the
 * first step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cajal/objectives.h"
#include "cajal/optim.h"
#include "cajal/waveform_net.h"

enum { EMBED_CHUNK = 256 }; /* samples per encoder call when embedding */

void cj_wavenet_defaults(cj_wavenet_config *c)
{
    cj_wavefeat_defaults(&c->features);
    c->rule = &cj_rule_bp;
    c->hidden = 64;
    c->dim = 32;
    c->ae_epochs = 10;
    c->ae_batch = 64;
    c->ae_lr = 1e-3f;
    c->nce_epochs = 20;
    c->nce_batch = 64;
    c->nce_lr = 1e-3f;
    c->tau = 0.3f;
    c->aug_shift_rows = 1.0f;
    c->aug_gain = 0.05f;
}

cj_status cj_wavenet_check(const cj_wavenet_config *c, cj_error *err)
{
    cj_status st = cj_wavefeat_check(&c->features, err);
    if (st) return st;
    if (c->hidden < 1 || c->hidden > 4096)
        return cj_fail(err, CJ_ERR_ARG, "hidden = %d: must be in 1..4096", c->hidden);
    if (c->dim < 2 || c->dim > 1024) return cj_fail(err, CJ_ERR_ARG, "dim = %d: must be in 2..1024", c->dim);
    if (c->ae_epochs < 0 || c->nce_epochs < 0)
        return cj_fail(err, CJ_ERR_ARG, "ae_epochs = %d, nce_epochs = %d: must not be negative", c->ae_epochs,
                       c->nce_epochs);
    if (c->ae_batch < 1 || c->ae_batch > 65536)
        return cj_fail(err, CJ_ERR_ARG, "ae_batch = %d: must be in 1..65536", c->ae_batch);
    if (c->nce_batch < 2 || c->nce_batch > 4096)
        return cj_fail(err, CJ_ERR_ARG, "nce_batch = %d: must be in 2..4096 (a batch needs negatives)",
                       c->nce_batch);
    if (!(c->ae_lr > 0.0f && c->ae_lr < 1.0f) || !(c->nce_lr > 0.0f && c->nce_lr < 1.0f))
        return cj_fail(err, CJ_ERR_ARG, "ae_lr = %g, nce_lr = %g: must be in (0, 1)", (double)c->ae_lr,
                       (double)c->nce_lr);
    if (!(c->tau >= 1e-3f && c->tau <= 10.0f))
        return cj_fail(err, CJ_ERR_ARG, "tau = %g: must be in 0.001..10", (double)c->tau);
    if (!(c->aug_shift_rows >= 0.0f && c->aug_shift_rows <= 4.0f))
        return cj_fail(err, CJ_ERR_ARG, "aug_shift_rows = %g: must be in 0..4", (double)c->aug_shift_rows);
    if (!(c->aug_gain >= 0.0f && c->aug_gain <= 1.0f))
        return cj_fail(err, CJ_ERR_ARG, "aug_gain = %g: must be in 0..1", (double)c->aug_gain);
    return CJ_OK;
}

void cj_wavenet_free(cj_wavenet *net)
{
    cj_model_free(&net->encoder);
    free(net->ae_loss);
    free(net->nce_loss);
    memset(net, 0, sizeof *net);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- the training set --------------------------------------------------- */

/* Where every unit of every session is, found once. Units are numbered
 * session by session: session s holds units first[s] .. first[s + 1] - 1. */
typedef struct {
    const cj_ephys_session *sessions;
    int n_sessions, n_units;
    int *first;                /* n_sessions + 1 */
    cj_wavefeat_probe *probes; /* n_sessions */
    cj_wavefeat_unit *where;   /* n_units */
} unit_set;

static void unit_set_free(unit_set *d)
{
    for (int s = 0; d->probes && s < d->n_sessions; s++) cj_wavefeat_probe_free(&d->probes[s]);
    free(d->probes);
    free(d->first);
    free(d->where);
}

static cj_status unit_set_build(unit_set *d, const cj_ephys_session *sessions, int n_sessions, cj_error *err)
{
    memset(d, 0, sizeof *d);
    d->sessions = sessions;
    d->n_sessions = n_sessions;
    d->first = malloc(sizeof(int) * ((size_t)n_sessions + 1));
    d->probes = calloc((size_t)n_sessions, sizeof *d->probes);
    if (!d->first || !d->probes) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d sessions", n_sessions);
    d->first[0] = 0;
    for (int s = 0; s < n_sessions; s++) {
        if (sessions[s].n_units < 1 || sessions[s].n_samples < 1)
            return cj_fail(err, CJ_ERR_SHAPE, "session %d (%s) has %d units of %d samples", s,
                           sessions[s].name ? sessions[s].name : "?", sessions[s].n_units, sessions[s].n_samples);
        d->first[s + 1] = d->first[s] + sessions[s].n_units;
    }
    d->n_units = d->first[n_sessions];
    d->where = malloc(sizeof *d->where * (size_t)d->n_units);
    if (!d->where) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d units", d->n_units);
    for (int s = 0; s < n_sessions; s++) {
        cj_status st = cj_wavefeat_probe_build(&d->probes[s], &sessions[s], err);
        if (st) return st;
        for (int u = 0; u < sessions[s].n_units; u++)
            cj_wavefeat_locate(&sessions[s], &d->probes[s], u, &d->where[d->first[s] + u]);
    }
    return CJ_OK;
}

/* Features of global unit g's half h, window shifted by shift rows. */
static void fill_unit(const unit_set *d, const cj_wavefeat_config *c, int g, int h, float shift, float *x)
{
    int s = 0;
    while (g >= d->first[s + 1]) s++;
    cj_wavefeat_fill(&d->sessions[s], &d->probes[s], c, &d->where[g], g - d->first[s], h, shift, x);
}

/* ---- stage 1: autoencoder ----------------------------------------------- */

/* One pass over all halves x (n x in) in the order `order`, each batch one
 * step of the library's rule and optimiser; returns the mean loss. */
static cj_status autoencoder_epoch(cj_model *ae, cj_rule *rule, cj_optim *opt, const float *x, const int *order,
                                   int n, int batch, double *mean, cj_error *err)
{
    int in = (int)cj_shape_size(ae->input);
    double total = 0.0;
    for (int start = 0; start < n; start += batch) {
        int b = n - start < batch ? n - start : batch;
        for (int i = 0; i < b; i++)
            memcpy(ae->acts[0] + (size_t)i * in, x + (size_t)order[start + i] * in, sizeof(float) * in);
        cj_target t = {.values = ae->acts[0]}; /* reconstruct the input */
        float loss;
        cj_status st = cj_rule_update(rule, ae, ae->acts[0], &t, 1, b, &loss, err);
        if (!st) st = cj_rule_after_step(rule, ae, &opt->cfg, err);
        if (st) return st;
        cj_optim_step(opt, ae->params, ae->grads);
        total += (double)loss * b;
    }
    *mean = total / n;
    return CJ_OK;
}

/* The stages' rule for model m and objective o. It gets its own random
 * stream, a child of a copy of `rng`, so that choosing a rule leaves every
 * other number of the stage as it was. */
static cj_status stage_rule(cj_rule *r, const cj_wavenet_config *c, cj_model *m, const cj_objective *o,
                            const cj_rng *rng, cj_error *err)
{
    cj_rng copy = *rng, own = cj_rng_split(&copy);
    cj_rule_config rc = cj_rule_defaults(c->rule ? c->rule : &cj_rule_bp);
    return cj_rule_create(r, &rc, m, o, &own, err);
}

static cj_status train_autoencoder(cj_wavenet *net, const unit_set *d, cj_rng *rng, cj_error *err)
{
    const cj_wavenet_config *c = &net->cfg;
    int in = net->in_dim, n = d->n_units * 2;
    char spec[160];
    snprintf(spec, sizeof spec, "dense %d, tanh, dense %d, dense %d, tanh, dense %d", c->hidden, c->dim,
             c->hidden, in);
    cj_model ae = {0};
    cj_optim opt = {0};
    cj_rule rule = {0};
    int have_rule = 0;
    cj_optim_config oc = cj_optim_defaults(CJ_OPTIM_ADAM);
    oc.lr = c->ae_lr;
    float *x = malloc(sizeof(float) * (size_t)n * in);
    int *order = malloc(sizeof(int) * (size_t)n);
    net->ae_loss = calloc((size_t)c->ae_epochs, sizeof(float));
    cj_status st = !x || !order || !net->ae_loss
                       ? cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d x %d autoencoder inputs", n, in)
                       : cj_model_create(&ae, spec, (cj_shape){in, 1, 1}, c->ae_batch, err);
    if (!st) st = cj_optim_create(&opt, &oc, ae.n_params, err);
    if (!st && !(st = stage_rule(&rule, c, &ae, &cj_objective_mse, rng, err))) have_rule = 1;
    if (!st) {
        cj_model_init(&ae, rng); /* the encoder's own initial weights serve only without this stage */
        for (int i = 0; i < n; i++) {
            fill_unit(d, &c->features, i / 2, i % 2, 0.0f, x + (size_t)i * in);
            order[i] = i;
        }
    }
    for (int e = 0; !st && e < c->ae_epochs; e++) {
        cj_rng_shuffle(rng, order, (size_t)n);
        double mean = NAN;
        if ((st = autoencoder_epoch(&ae, &rule, &opt, x, order, n, c->ae_batch, &mean, err))) break;
        net->ae_loss[e] = (float)mean;
        if (!isfinite(net->ae_loss[e]))
            st = cj_fail(err, CJ_ERR_NUMERIC, "autoencoder epoch %d: loss is %g", e + 1, (double)net->ae_loss[e]);
    }
    if (!st) memcpy(net->encoder.params, ae.params, sizeof(float) * net->encoder.n_params);
    if (have_rule) cj_rule_free(&rule);
    cj_optim_free(&opt);
    cj_model_free(&ae);
    free(x);
    free(order);
    return st;
}

/* ---- stage 2: contrastive fine-tuning ----------------------------------- */

typedef struct {
    int session, start, count; /* units perm[first[session] + start ...] */
} nce_batch;

typedef struct {
    int n_batches;
    nce_batch *batches;
    int *batch_order; /* n_batches */
    int *perm;        /* n_units: a shuffle of each session's units, in place */
    cj_optim opt;
    cj_rule rule;     /* the stage's rule, with the infonce objective */
    int have_rule;
} nce_state;

static void nce_state_free(nce_state *t)
{
    cj_optim_free(&t->opt);
    if (t->have_rule) cj_rule_free(&t->rule);
    free(t->batches);
    free(t->batch_order);
    free(t->perm);
}

/* Batches of near-equal size (differing by at most one unit) per session,
 * so that no batch is left with only a few negatives. */
static cj_status nce_state_create(nce_state *t, const unit_set *d, const cj_wavenet_config *c, cj_model *m,
                                  const cj_rng *rng, cj_error *err)
{
    memset(t, 0, sizeof *t);
    for (int s = 0; s < d->n_sessions; s++) {
        int n = d->first[s + 1] - d->first[s];
        if (n >= 2) t->n_batches += (n + c->nce_batch - 1) / c->nce_batch;
    }
    if (t->n_batches == 0)
        return cj_fail(err, CJ_ERR_SHAPE, "contrastive training needs a session with at least 2 units");
    t->batches = malloc(sizeof *t->batches * (size_t)t->n_batches);
    t->batch_order = malloc(sizeof(int) * (size_t)t->n_batches);
    t->perm = malloc(sizeof(int) * (size_t)d->n_units);
    if (!t->batches || !t->batch_order || !t->perm)
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for contrastive training");
    cj_optim_config oc = cj_optim_defaults(CJ_OPTIM_ADAM);
    oc.lr = c->nce_lr;
    cj_status st = cj_optim_create(&t->opt, &oc, m->n_params, err);
    if (st) return st;
    cj_objective nce = cj_objective_of(&cj_infonce_ops);
    nce.temperature = c->tau;
    if ((st = stage_rule(&t->rule, c, m, &nce, rng, err))) return st;
    t->have_rule = 1;
    int k = 0;
    for (int s = 0; s < d->n_sessions; s++) {
        int n = d->first[s + 1] - d->first[s];
        if (n < 2) continue;
        int nb = (n + c->nce_batch - 1) / c->nce_batch;
        for (int b = 0; b < nb; b++, k++) {
            int lo = (int)((long)n * b / nb), hi = (int)((long)n * (b + 1) / nb);
            t->batches[k] = (nce_batch){s, lo, hi - lo};
            t->batch_order[k] = k;
        }
    }
    for (int g = 0; g < d->n_units; g++) t->perm[g] = g;
    return CJ_OK;
}

/* One augmented view of global unit g's half h into x. */
static void augmented_view(const unit_set *d, const cj_wavenet_config *c, int g, int h, cj_rng *rng, float *x)
{
    float shift = c->aug_shift_rows * (2.0f * cj_rng_uniform(rng) - 1.0f);
    fill_unit(d, &c->features, g, h, shift, x);
    x[cj_wavefeat_dim(&c->features) - 1] += c->features.amp_weight * c->aug_gain * cj_rng_normal(rng);
}

/* One pass over every unit, in batches from one session each: the first
 * halves' embeddings are rows 0..n-1 of the encoder's batch, the second
 * halves' rows n..2n-1 (the pairs the infonce objective takes). The mean
 * loss per pair goes to *mean. */
static cj_status contrastive_epoch(cj_wavenet *net, const unit_set *d, nce_state *t, cj_rng *rng, double *mean,
                                   cj_error *err)
{
    const cj_wavenet_config *c = &net->cfg;
    cj_model *m = &net->encoder;
    int in = net->in_dim;
    for (int s = 0; s < d->n_sessions; s++)
        cj_rng_shuffle(rng, t->perm + d->first[s], (size_t)(d->first[s + 1] - d->first[s]));
    cj_rng_shuffle(rng, t->batch_order, (size_t)t->n_batches);
    double total = 0.0;
    long pairs = 0;
    for (int i = 0; i < t->n_batches; i++) {
        const nce_batch *b = &t->batches[t->batch_order[i]];
        int n = b->count;
        const int *units = t->perm + d->first[b->session] + b->start;
        for (int j = 0; j < n; j++) {
            augmented_view(d, c, units[j], 0, rng, m->acts[0] + (size_t)j * in);
            augmented_view(d, c, units[j], 1, rng, m->acts[0] + (size_t)(n + j) * in);
        }
        cj_target none = {0};
        float loss;
        cj_status st = cj_rule_update(&t->rule, m, m->acts[0], &none, 1, 2 * n, &loss, err);
        if (!st) st = cj_rule_after_step(&t->rule, m, &t->opt.cfg, err);
        if (st) return st;
        cj_optim_step(&t->opt, m->params, m->grads);
        total += (double)loss * n;
        pairs += n;
    }
    *mean = total / pairs;
    return CJ_OK;
}

static cj_status train_contrastive(cj_wavenet *net, const unit_set *d, cj_rng *rng, cj_error *err)
{
    int epochs = net->cfg.nce_epochs;
    nce_state t;
    cj_status st = nce_state_create(&t, d, &net->cfg, &net->encoder, rng, err);
    if (!st && !(net->nce_loss = calloc((size_t)epochs, sizeof(float))))
        st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d epochs", epochs);
    for (int e = 0; !st && e < epochs; e++) {
        double mean = NAN;
        if ((st = contrastive_epoch(net, d, &t, rng, &mean, err))) break;
        net->nce_loss[e] = (float)mean;
        if (!isfinite(net->nce_loss[e]))
            st = cj_fail(err, CJ_ERR_NUMERIC, "contrastive epoch %d: loss is %g", e + 1, (double)net->nce_loss[e]);
    }
    nce_state_free(&t);
    return st;
}

/* ---- public entry points ------------------------------------------------ */

cj_status cj_wavenet_train(cj_wavenet *net, const cj_ephys_session *sessions, int n_sessions,
                           const cj_wavenet_config *cfg, cj_rng *rng, cj_error *err)
{
    memset(net, 0, sizeof *net);
    cj_status st = cj_wavenet_check(cfg, err);
    if (st) return st;
    if (n_sessions < 1 || !sessions) return cj_fail(err, CJ_ERR_ARG, "n_sessions = %d: need at least one", n_sessions);
    net->cfg = *cfg;
    net->in_dim = cj_wavefeat_dim(&cfg->features);
    char spec[96];
    snprintf(spec, sizeof spec, "dense %d, tanh, dense %d", cfg->hidden, cfg->dim);
    int max_batch = 2 * cfg->nce_batch > EMBED_CHUNK ? 2 * cfg->nce_batch : EMBED_CHUNK;
    if ((st = cj_model_create(&net->encoder, spec, (cj_shape){net->in_dim, 1, 1}, max_batch, err))) return st;
    cj_rng init_rng = cj_rng_split(rng), ae_rng = cj_rng_split(rng), nce_rng = cj_rng_split(rng);
    cj_model_init(&net->encoder, &init_rng);

    unit_set d;
    double t0 = now_seconds();
    st = unit_set_build(&d, sessions, n_sessions, err);
    if (!st && cfg->ae_epochs > 0) st = train_autoencoder(net, &d, &ae_rng, err);
    double t1 = now_seconds();
    if (!st && cfg->nce_epochs > 0) st = train_contrastive(net, &d, &nce_rng, err);
    net->ae_seconds = t1 - t0;
    net->nce_seconds = now_seconds() - t1;
    unit_set_free(&d);
    if (st) cj_wavenet_free(net);
    return st;
}

cj_status cj_wavenet_embed(cj_wavenet *net, const cj_ephys_session *s, float *emb, cj_error *err)
{
    cj_model *m = &net->encoder;
    if (!m->params) return cj_fail(err, CJ_ERR_ARG, "cj_wavenet_embed: the network is not trained");
    unit_set d;
    cj_status st = unit_set_build(&d, s, 1, err);
    if (st) {
        unit_set_free(&d);
        return st;
    }
    int in = net->in_dim, dim = net->cfg.dim, n = s->n_units * 2;
    for (int start = 0; start < n; start += m->max_batch) {
        int b = n - start < m->max_batch ? n - start : m->max_batch;
        for (int i = 0; i < b; i++)
            fill_unit(&d, &net->cfg.features, (start + i) / 2, (start + i) % 2, 0.0f, m->acts[0] + (size_t)i * in);
        const float *z = cj_model_forward(m, m->acts[0], b);
        for (int i = 0; i < b; i++) {
            const float *zi = z + (size_t)i * dim;
            float *out = emb + (size_t)(start + i) * dim;
            double ss = 0.0;
            for (int k = 0; k < dim; k++) ss += (double)zi[k] * zi[k];
            float inv = ss > 0.0 ? (float)(1.0 / sqrt(ss)) : 0.0f;
            for (int k = 0; k < dim; k++) out[k] = zi[k] * inv;
        }
    }
    unit_set_free(&d);
    return CJ_OK;
}
