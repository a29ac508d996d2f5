/* prune_run.c — the rounds of iterative magnitude pruning (prune.h;
 * Frankle & Carbin 2019, Algorithm 1 with iterative pruning):
 *
 *   1. train f(x; W0) to W_T                 (the run given, `cajal train`)
 *   2. prune p% of the remaining weights of W_T by |w|: mask m
 *   3. reset the survivors to W_E (E = --rewind; W_0 = the initialisation)
 *      and retrain f(x; m ⊙ W_E) with the run's experiment
 *   4. repeat 2-3 from the retrained weights, `rounds` times.
 *
 * Each round also trains f(x; m ⊙ W'), W' a fresh draw of the same
 * initialisation (the "random reinit" control), and with random_mask a
 * random mask m' of m's per-tensor sparsity on W_E. Every training is a
 * whole cajal train run (trainer.c) whose model.init is the masked start;
 * the trainer keeps the mask (model.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/metrics.h"
#include "cajal/model_file.h"
#include "cajal/prune.h"
#include "prune_common.h"

enum { MAX_ROUNDS = 100 };

void cj_prune_opts_default(cj_prune_opts *o)
{
    memset(o, 0, sizeof *o);
    o->rounds = 10;
    o->rate = 0.2;
    o->output_rate = -1.0;
    o->scope = CJ_PRUNE_LAYER;
    o->seed = 1;
}

cj_status cj_prune_scope_parse(const char *name, cj_prune_scope *scope, cj_error *err)
{
    if (!strcmp(name, "layer")) *scope = CJ_PRUNE_LAYER;
    else if (!strcmp(name, "global")) *scope = CJ_PRUNE_GLOBAL;
    else return cj_fail(err, CJ_ERR_ARG, "--scope '%s' is not layer or global", name);
    return CJ_OK;
}

const char *cj_prune_scope_name(cj_prune_scope scope) { return scope == CJ_PRUNE_GLOBAL ? "global" : "layer"; }

const char *cj_prune_net_name(cj_prune_net net)
{
    return net == CJ_PRUNE_TICKET ? "ticket" : net == CJ_PRUNE_CONTROL ? "control" : "random";
}

/* A pruned tensor: its place in the model's buffers. */
typedef struct {
    size_t offset, n;
    int output; /* in the last parametric layer: pruned at output_rate */
} tensor;

typedef struct {
    const cj_prune_opts *o;
    const cj_prune_callbacks *cb;
    cj_experiment e;     /* the run's experiment (RUN/config.ini) */
    cj_model_info info;  /* RUN/model.safetensors' metadata, written with every start */
    cj_model cur;        /* the weights pruned next and their mask */
    cj_model rewind;     /* W_E */
    cj_model start;      /* scratch: a network's starting weights and mask */
    int n_tensors;
    tensor *tensors;
    char **names;
    cj_prune_table table;
    cj_rng rng;          /* the controls' initialisations and random masks */
    double out_rate;
} prune_state;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static cj_status check_opts(const cj_prune_opts *o, cj_error *err)
{
    if (!o->run_dir || !o->out_dir) return cj_fail(err, CJ_ERR_ARG, "a run folder and an output folder are needed");
    if (o->rounds < 1 || o->rounds > MAX_ROUNDS)
        return cj_fail(err, CJ_ERR_ARG, "--rounds %d is not from 1 to %d", o->rounds, MAX_ROUNDS);
    if (!(o->rate > 0.0 && o->rate < 1.0)) return cj_fail(err, CJ_ERR_ARG, "--rate %g is not above 0 and below 1", o->rate);
    if (o->output_rate >= 1.0 || isnan(o->output_rate))
        return cj_fail(err, CJ_ERR_ARG, "--output-rate %g is not from 0 to below 1", o->output_rate);
    if (o->rewind < 0) return cj_fail(err, CJ_ERR_ARG, "--rewind %d is not an epoch >= 0", o->rewind);
    return CJ_OK;
}

/* The run's experiment, as `cajal train --resume` reads it. */
static cj_status load_experiment(prune_state *s, cj_error *err)
{
    char *path = cj_path_join(s->o->run_dir, "config.ini");
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    struct stat sb;
    cj_status st = CJ_OK;
    if (stat(path, &sb) != 0)
        st = cj_fail(err, CJ_ERR_IO, "%s: not a training run (no config.ini; cajal prune takes the folder cajal train "
                     "wrote)", s->o->run_dir);
    cj_experiment_defaults(&s->e);
    if (!st) st = cj_experiment_load(&s->e, path, err);
    if (!st) st = cj_experiment_finish(&s->e, err);
    free(path);
    return st;
}

/* The dense network's test accuracy: the last line of RUN/metrics.jsonl. */
static cj_status dense_accuracy(prune_state *s, double *acc, cj_error *err)
{
    char *path = cj_path_join(s->o->run_dir, "metrics.jsonl");
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_metrics m;
    cj_status st = cj_metrics_read(path, &m, err);
    if (!st) {
        *acc = m.test_acc[m.n_epochs - 1];
        if (!isfinite(*acc))
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: the last epoch has no test_acc (cajal prune compares test "
                         "accuracies: the run needs a labelled test set)", path);
    }
    cj_metrics_free(&m);
    free(path);
    return st;
}

/* The trained model (into cur, and the same network as start and rewind)
 * and W_E from RUN/checkpoints/epoch_EEE (rewind). */
static cj_status load_models(prune_state *s, cj_error *err)
{
    const cj_prune_opts *o = s->o;
    char *model = cj_path_join(o->run_dir, "model.safetensors");
    char *ckpt = cj_path_printf("%s/checkpoints/epoch_%03d/model.safetensors", o->run_dir, o->rewind);
    cj_status st = model && ckpt ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_model_info other;
    if (!st) st = cj_model_from_file(model, 1, &s->cur, &s->info, err);
    if (!st && o->rewind > s->info.epoch)
        st = cj_fail(err, CJ_ERR_ARG, "--rewind %d: %s holds epoch %d, the last the run trained", o->rewind, model,
                     s->info.epoch);
    if (!st) st = cj_model_from_file(model, 1, &s->start, &other, err);
    if (!st) st = cj_model_from_file(model, 1, &s->rewind, &other, err);
    struct stat sb;
    if (!st && stat(ckpt, &sb) != 0)
        st = cj_fail(err, CJ_ERR_IO, "%s: %s; --rewind %d needs the run's weights after epoch %d: train it with "
                     "train.checkpoints = true (--set train.checkpoints=true)", ckpt, strerror(errno), o->rewind,
                     o->rewind);
    if (!st) st = cj_model_load(&s->rewind, ckpt, err);
    if (!st) st = cj_model_mask_enable(&s->cur, err);
    if (!st) st = cj_model_mask_enable(&s->start, err);
    free(model);
    free(ckpt);
    return st;
}

/* The weights to prune: every weight tensor (not biases or states). */
static cj_status find_tensors(prune_state *s, cj_error *err)
{
    cj_model *m = &s->cur;
    int n = 0, last = cj_model_param_layer(m, cj_model_n_param_layers(m) - 1);
    for (int pass = 0; pass < 2; pass++) {
        n = 0;
        for (int i = 0; i < m->n_layers; i++)
            for (int k = 0; k < m->layers[i].n_params; k++) {
                const cj_param *p = &m->layers[i].params[k];
                if (p->role != CJ_PARAM_WEIGHT && p->role != CJ_PARAM_RECURRENT) continue;
                if (pass) {
                    s->tensors[n] = (tensor){cj_model_param_offset(m, p), p->n, i == last};
                    if (!(s->names[n] = cj_path_printf("%d.%s", i, p->name)))
                        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
                }
                n++;
            }
        if (pass) break;
        if (n == 0) return cj_fail(err, CJ_ERR_ARG, "%s: the model has no weights to prune", s->o->run_dir);
        s->tensors = calloc((size_t)n, sizeof *s->tensors);
        s->names = calloc((size_t)n, sizeof *s->names);
        if (!s->tensors || !s->names) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    s->n_tensors = n;
    return cj_prune_table_create(&s->table, n, (const char *const *)s->names, s->o->rounds + 1, err);
}

/* The fraction of each tensor cur's mask keeps, into table row r. */
static void record_remaining(prune_state *s, int r)
{
    cj_prune_table *t = &s->table;
    size_t kept_all = 0, all = 0;
    for (int i = 0; i < s->n_tensors; i++) {
        const float *mk = s->cur.mask + s->tensors[i].offset;
        size_t kept = 0, n = s->tensors[i].n;
        for (size_t k = 0; k < n; k++) kept += mk[k] != 0.0f;
        t->remaining[(size_t)r * s->n_tensors + i] = (double)kept / (double)n;
        kept_all += kept;
        all += n;
    }
    t->total[r] = (double)kept_all / (double)all;
    t->ticket[r] = t->control[r] = t->random[r] = t->seconds[r] = NAN;
    t->n_rows = r + 1;
}

/* Step 2: prune cur's trained weights by magnitude, within its mask. */
static cj_status prune_cur(prune_state *s, cj_error *err)
{
    cj_prune_part *parts = calloc((size_t)s->n_tensors, sizeof *parts);
    if (!parts) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    int n_hidden = 0;
    cj_status st = CJ_OK;
    for (int i = 0; i < s->n_tensors && !st; i++) {
        cj_prune_part p = {s->cur.params + s->tensors[i].offset, s->cur.mask + s->tensors[i].offset,
                           s->tensors[i].n};
        if (s->tensors[i].output) st = cj_prune_smallest(&p, 1, s->out_rate, NULL, err);
        else if (s->o->scope == CJ_PRUNE_LAYER) st = cj_prune_smallest(&p, 1, s->o->rate, NULL, err);
        else parts[n_hidden++] = p;
    }
    if (!st && n_hidden) st = cj_prune_smallest(parts, n_hidden, s->o->rate, NULL, err);
    free(parts);
    cj_model_mask_params(&s->cur);
    return st;
}

/* The starting weights of network `net` into start (with its mask),
 * written as dir/init.safetensors (path allocated into *init). */
static cj_status make_start(prune_state *s, cj_prune_net net, cj_rng *ctrl, cj_rng *rand, const char *dir,
                            char **init, cj_error *err)
{
    cj_model *m = &s->start;
    cj_status st = CJ_OK;
    if (net == CJ_PRUNE_CONTROL) cj_model_init(m, ctrl);
    else memcpy(m->params, s->rewind.params, sizeof(float) * m->n_params);
    memcpy(m->mask, s->cur.mask, sizeof(float) * m->n_params);
    for (int i = 0; net == CJ_PRUNE_RANDOM && i < s->n_tensors && !st; i++) {
        const tensor *t = &s->tensors[i];
        st = cj_prune_random_like(s->cur.mask + t->offset, m->mask + t->offset, t->n, rand, err);
    }
    if (st) return st;
    cj_model_mask_params(m);
    if ((st = cj_make_dirs(dir, err))) return st;
    if (!(*init = cj_path_join(dir, "init.safetensors"))) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_model_info info = s->info;
    info.epoch = net == CJ_PRUNE_CONTROL ? 0 : s->o->rewind;
    info.step = 0;
    return cj_model_save_info(m, &info, *init, err);
}

typedef struct {
    const cj_prune_callbacks *cb;
    double test_acc;
} capture;

static void on_epoch(const cj_epoch_report *r, void *user)
{
    capture *c = user;
    c->test_acc = r->test_acc;
    if (c->cb && c->cb->train.on_epoch) c->cb->train.on_epoch(r, c->cb->train.user);
}

static void on_step(const cj_train_progress *p, void *user)
{
    capture *c = user;
    if (c->cb && c->cb->train.on_step) c->cb->train.on_step(p, c->cb->train.user);
}

static void on_warning(const char *msg, void *user)
{
    capture *c = user;
    if (c->cb && c->cb->train.on_warning) c->cb->train.on_warning(msg, c->cb->train.user);
}

/* Steps 3 (and the controls): train network `net` of round r from its
 * masked start, into OUT/round_RR/NET/; its test accuracy into *acc. */
static cj_status train_net(prune_state *s, int r, cj_prune_net net, cj_rng *ctrl, cj_rng *rand, double *acc,
                           cj_error *err)
{
    char *dir = cj_path_printf("%s/round_%02d/%s", s->o->out_dir, r, cj_prune_net_name(net)), *init = NULL;
    if (!dir) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_status st = make_start(s, net, ctrl, rand, dir, &init, err);
    cj_experiment e = s->e;
    if (!st && strlen(init) >= sizeof e.init)
        st = cj_fail(err, CJ_ERR_ARG, "%s: the path is longer than model.init takes (%zu bytes)", init,
                     sizeof e.init - 1);
    if (!st) {
        snprintf(e.init, sizeof e.init, "%s", init);
        e.checkpoints = 0;
        capture c = {s->cb, NAN};
        cj_train_callbacks tcb = {on_step, on_epoch, &c, s->cb ? s->cb->train.stop : NULL, on_warning, NULL};
        cj_train_options opt = {s->o->force ? CJ_TRAIN_FORCE : CJ_TRAIN_NEW};
        double t0 = now_seconds();
        st = cj_train(&e, dir, &opt, &tcb, err);
        if (st) {
            char why[CJ_ERROR_MSG_MAX];
            memcpy(why, err->msg, sizeof why);
            cj_fail(err, st, "round %d, %s: %s", r, cj_prune_net_name(net), why);
        }
        *acc = c.test_acc;
        if (!st && s->cb && s->cb->on_trained) s->cb->on_trained(r, net, c.test_acc, now_seconds() - t0, s->cb->user);
    }
    /* The ticket's trained weights are what the next round prunes. */
    if (!st && net == CJ_PRUNE_TICKET) {
        char *model = cj_path_join(dir, "model.safetensors");
        st = model ? cj_model_load(&s->cur, model, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        if (!st && !s->cur.mask) st = cj_model_mask_enable(&s->cur, err);
        free(model);
    }
    free(init);
    free(dir);
    return st;
}

static cj_status write_files(prune_state *s, cj_error *err)
{
    char *csv = cj_path_join(s->o->out_dir, "rounds.csv"), *png = cj_path_join(s->o->out_dir, "lottery.png");
    cj_status st = csv && png ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    char title[160];
    snprintf(title, sizeof title, "Lottery tickets: %s pruning, %g%% per round, rewind to epoch %d",
             s->o->scope == CJ_PRUNE_GLOBAL ? "global" : "layer-wise", 100.0 * s->o->rate, s->o->rewind);
    if (!st) st = cj_prune_write_csv(&s->table, csv, err);
    if (!st) st = cj_prune_write_figure(&s->table, title, png, err);
    free(csv);
    free(png);
    return st;
}

static void report_row(prune_state *s, int r)
{
    if (!s->cb || !s->cb->on_round) return;
    const cj_prune_table *t = &s->table;
    cj_prune_row row = {r, s->o->rounds, s->n_tensors, (const char *const *)s->names,
                        t->remaining + (size_t)r * s->n_tensors, t->total[r], t->ticket[r], t->control[r],
                        t->random[r], t->seconds[r]};
    s->cb->on_round(&row, s->cb->user);
}

/* A new prune run needs a folder without rounds.csv (or --force). */
static cj_status check_out(const cj_prune_opts *o, cj_error *err)
{
    char *csv = cj_path_join(o->out_dir, "rounds.csv");
    if (!csv) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    struct stat sb;
    int held = stat(csv, &sb) == 0;
    free(csv);
    if (held && !o->force)
        return cj_fail(err, CJ_ERR_ARG, "%s: holds a prune run already (rounds.csv); replace it with --force",
                       o->out_dir);
    return cj_make_dirs(o->out_dir, err);
}

static cj_status run_rounds(prune_state *s, cj_error *err)
{
    const cj_prune_opts *o = s->o;
    for (int r = 1; r <= o->rounds; r++) {
        double t0 = now_seconds();
        /* Two streams a round whether or not a random mask is trained, so
         * the controls are the same with and without one. */
        cj_rng ctrl = cj_rng_split(&s->rng), rand = cj_rng_split(&s->rng);
        cj_status st = prune_cur(s, err);
        if (st) return st;
        record_remaining(s, r);
        cj_prune_table *t = &s->table;
        /* The controls first: the ticket's training replaces cur's weights
         * (not its mask) with the next round's. */
        if ((st = train_net(s, r, CJ_PRUNE_CONTROL, &ctrl, &rand, &t->control[r], err))) return st;
        if (o->random_mask && (st = train_net(s, r, CJ_PRUNE_RANDOM, &ctrl, &rand, &t->random[r], err))) return st;
        if ((st = train_net(s, r, CJ_PRUNE_TICKET, &ctrl, &rand, &t->ticket[r], err))) return st;
        t->seconds[r] = now_seconds() - t0;
        if ((st = write_files(s, err))) return st;
        report_row(s, r);
    }
    return CJ_OK;
}

cj_status cj_prune(const cj_prune_opts *o, const cj_prune_callbacks *cb, cj_error *err)
{
    prune_state s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.cb = cb;
    s.out_rate = o->output_rate < 0 ? o->rate / 2 : o->output_rate;
    cj_rng_seed(&s.rng, o->seed);
    double dense = NAN;
    cj_status st = check_opts(o, err);
    if (!st) st = load_experiment(&s, err);
    if (!st) st = dense_accuracy(&s, &dense, err);
    if (!st) st = load_models(&s, err);
    if (!st) st = find_tensors(&s, err);
    if (!st) st = check_out(o, err);
    if (!st) {
        record_remaining(&s, 0);
        s.table.ticket[0] = dense;
        st = write_files(&s, err);
        if (!st) report_row(&s, 0);
    }
    if (!st) st = run_rounds(&s, err);
    cj_prune_table_free(&s.table);
    for (int i = 0; s.names && i < s.n_tensors; i++) free(s.names[i]);
    free(s.names);
    free(s.tensors);
    cj_model_free(&s.cur);
    cj_model_free(&s.start);
    cj_model_free(&s.rewind);
    return st;
}
