/* train_state.c — DIR/train_state.safetensors (train_state.h). Float
 * buffers are F32 tensors, read back bit for bit; everything else must
 * round-trip exactly and is not a float — random-stream words, the sample
 * order, step counts, the divergence watch's doubles — so it is text in the
 * safetensors metadata: whole numbers in decimal, 64-bit words and the bits
 * of floats and doubles in fixed-width lowercase hex. The reader accepts
 * exactly what the writer produces, and checks every number's range and
 * every tensor's length against the run before it copies anything. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train_state.h"

#define FORMAT_KEY CJ_TRAIN_STATE_FORMAT_KEY
#define FORMAT_VERSION CJ_TRAIN_STATE_FORMAT_VERSION

/* Room for the longest short value: a stream, 4 x 17 + 8 characters. */
enum { VALUE_MAX = 96, KEY_MAX = 32, MAX_TENSORS = 6, FIXED_META = 13 };

/* ---- text forms ---------------------------------------------------------- */

/* "s0 s1 s2 s3 spare": the four state words, then the cached normal's bits,
 * or "-" when none is cached. */
static void rng_text(const cj_rng *r, char *buf)
{
    int n = snprintf(buf, VALUE_MAX, "%016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " ", r->s[0],
                     r->s[1], r->s[2], r->s[3]);
    uint32_t bits;
    memcpy(&bits, &r->spare, sizeof bits);
    if (r->has_spare) snprintf(buf + n, VALUE_MAX - (size_t)n, "%08" PRIx32, bits);
    else snprintf(buf + n, VALUE_MAX - (size_t)n, "-");
}

static uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* "first last rising warned_jump warned_rising", the two losses as the
 * bits of their doubles (NaN until seen). */
static void watch_text(const cj_divergence_watch *w, char *buf)
{
    snprintf(buf, VALUE_MAX, "%016" PRIx64 " %016" PRIx64 " %d %d %d", double_bits(w->first_loss),
             double_bits(w->last_epoch_loss), w->rising, w->warned_jump, w->warned_rising);
}

/* The order as decimal indices separated by single spaces (allocated). */
static char *order_text(const int *order, int n)
{
    char *s = malloc((size_t)n * 11 + 1), *o = s;
    if (!s) return NULL;
    *o = '\0';
    for (int i = 0; i < n; i++) o += sprintf(o, i ? " %d" : "%d", order[i]);
    return s;
}

/* Parsers: each advances *p past what it takes and fails (0) on anything
 * else; none reads past a NUL. */
static int take_char(const char **p, char c)
{
    if (**p != c) return 0;
    ++*p;
    return 1;
}

static int take_hex(const char **p, int digits, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < digits; i++) {
        char c = (*p)[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return 0;
        v = v << 4 | (uint64_t)d;
    }
    *p += digits;
    *out = v;
    return 1;
}

/* A decimal whole number in [0, max]. */
static int take_dec(const char **p, uint64_t max, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9') return 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (d > max || v > (max - d) / 10) return 0;
        v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return 1;
}

/* An all-zero state is the one xoshiro256** never leaves: every draw
 * would be 0, and a normal draw would loop forever. */
static int parse_rng(const char *s, cj_rng *r)
{
    cj_rng v;
    memset(&v, 0, sizeof v);
    for (int i = 0; i < 4; i++)
        if (!take_hex(&s, 16, &v.s[i]) || !take_char(&s, ' ')) return 0;
    if (!(v.s[0] | v.s[1] | v.s[2] | v.s[3])) return 0;
    uint64_t bits;
    if (take_char(&s, '-')) {
        v.has_spare = 0;
    } else if (take_hex(&s, 8, &bits)) {
        uint32_t b = (uint32_t)bits;
        memcpy(&v.spare, &b, sizeof b);
        v.has_spare = 1;
    } else {
        return 0;
    }
    if (*s) return 0;
    *r = v;
    return 1;
}

static int parse_watch(const char *s, cj_divergence_watch *w)
{
    uint64_t first, last, rising, jump, warned;
    if (!take_hex(&s, 16, &first) || !take_char(&s, ' ') || !take_hex(&s, 16, &last) || !take_char(&s, ' ') ||
        !take_dec(&s, INT_MAX, &rising) || !take_char(&s, ' ') || !take_dec(&s, 1, &jump) || !take_char(&s, ' ') ||
        !take_dec(&s, 1, &warned) || *s)
        return 0;
    memcpy(&w->first_loss, &first, sizeof first);
    memcpy(&w->last_epoch_loss, &last, sizeof last);
    w->rising = (int)rising;
    w->warned_jump = (int)jump;
    w->warned_rising = (int)warned;
    return 1;
}

static int parse_whole(const char *s, uint64_t lo, uint64_t max, uint64_t *out)
{
    return take_dec(&s, max, out) && !*s && *out >= lo;
}

/* ---- writing ------------------------------------------------------------- */

typedef struct {
    int n_meta, n_tensors;
    cj_meta_entry *meta;
    char (*values)[VALUE_MAX];
    char (*keys)[KEY_MAX];
    const char *names[MAX_TENSORS];
    cj_tensor tensors[MAX_TENSORS];
} writer;

static char *add_value(writer *w, const char *key)
{
    char *v = w->values[w->n_meta];
    w->meta[w->n_meta++] = (cj_meta_entry){key, v};
    return v;
}

static void add_tensor(writer *w, const char *name, float *data, size_t n)
{
    w->names[w->n_tensors] = name;
    w->tensors[w->n_tensors++] = (cj_tensor){.data = data, .ndim = 1, .shape = {(int64_t)n}};
}

static void add_streams(writer *w, const cj_train_parts *p)
{
    rng_text(p->shuffle, add_value(w, "rng.shuffle"));
    rng_text(p->diag, add_value(w, "rng.diagnostics"));
    rng_text(&p->rule->rng, add_value(w, "rng.rule"));
    for (int i = 0; i < p->model->n_layers; i++) {
        cj_rng *r = cj_layer_rng(&p->model->layers[i]);
        if (!r) continue;
        snprintf(w->keys[i], KEY_MAX, "rng.layer.%d", i);
        rng_text(r, add_value(w, w->keys[i]));
    }
}

static void add_floats(writer *w, const cj_train_parts *p)
{
    const cj_rule *r = p->rule;
    add_tensor(w, "optim.m", p->optim->m, p->optim->n);
    if (p->optim->v) add_tensor(w, "optim.v", p->optim->v, p->optim->n);
    if (r->feedback_buf && r->feedback_floats) add_tensor(w, "rule.feedback", r->feedback_buf, r->feedback_floats);
    if (r->saved && r->saved_floats) add_tensor(w, "rule.state", r->saved, r->saved_floats);
    if (r->kp_optim_ready) {
        add_tensor(w, "rule.kp_optim.m", r->kp_optim.m, r->kp_optim.n);
        if (r->kp_optim.v) add_tensor(w, "rule.kp_optim.v", r->kp_optim.v, r->kp_optim.n);
        snprintf(add_value(w, "rule.kp_optim.step"), VALUE_MAX, "%ld", r->kp_optim.step);
    }
}

/* A run with [curriculum] stages keeps the one it is in. */
static int has_stages(const cj_train_parts *p) { return p->curriculum && p->curriculum->n_stages > 0; }

cj_status cj_train_state_write(const char *path, const cj_train_parts *p, const cj_train_mark *mark,
                               cj_error *err)
{
    int cap = FIXED_META + p->model->n_layers;
    writer w = {0};
    w.meta = calloc((size_t)cap, sizeof *w.meta);
    w.values = calloc((size_t)cap, sizeof *w.values);
    w.keys = calloc((size_t)p->model->n_layers + 1, sizeof *w.keys);
    char *order = order_text(p->order, p->n_order);
    cj_status st = CJ_OK;
    if (!w.meta || !w.values || !w.keys || !order) {
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    } else {
        snprintf(add_value(&w, FORMAT_KEY), VALUE_MAX, FORMAT_VERSION);
        snprintf(add_value(&w, "epoch"), VALUE_MAX, "%d", mark->epoch);
        snprintf(add_value(&w, "epochs"), VALUE_MAX, "%d", mark->epochs);
        snprintf(add_value(&w, "step"), VALUE_MAX, "%ld", mark->step);
        snprintf(add_value(&w, "optim.step"), VALUE_MAX, "%ld", p->optim->step);
        watch_text(p->watch, add_value(&w, "divergence"));
        w.meta[w.n_meta++] = (cj_meta_entry){"config", mark->config};
        w.meta[w.n_meta++] = (cj_meta_entry){"order", order};
        add_streams(&w, p);
        add_floats(&w, p);
        if (has_stages(p)) cj_curriculum_text(p->curriculum, add_value(&w, "curriculum"), VALUE_MAX);
        st = cj_safetensors_write(path, w.n_tensors, w.names, w.tensors, w.n_meta, w.meta, err);
    }
    free(order);
    free(w.meta);
    free(w.values);
    free(w.keys);
    return st;
}

/* ---- reading ------------------------------------------------------------- */

static cj_status meta_value(const cj_train_state *ts, const char *key, const char **value, cj_error *err)
{
    *value = cj_safetensors_meta(&ts->file, key);
    if (!*value) return cj_fail(err, CJ_ERR_FORMAT, "%s: no metadata '%s' (the file is damaged)", ts->path, key);
    return CJ_OK;
}

static cj_status bad_value(const cj_train_state *ts, const char *key, const char *value, const char *want,
                           cj_error *err)
{
    char q[96];
    return cj_fail(err, CJ_ERR_FORMAT, "%s: metadata '%s' = '%s' is not %s", ts->path, key,
                   cj_error_quote(value, q, sizeof q), want);
}

static cj_status read_whole(const cj_train_state *ts, const char *key, uint64_t lo, uint64_t max, uint64_t *out,
                            cj_error *err)
{
    const char *v;
    cj_status st = meta_value(ts, key, &v, err);
    if (st) return st;
    if (!parse_whole(v, lo, max, out)) {
        char want[64];
        snprintf(want, sizeof want, "a whole number in [%llu, %llu]", (unsigned long long)lo,
                 (unsigned long long)max);
        return bad_value(ts, key, v, want, err);
    }
    return CJ_OK;
}

static cj_status read_mark(cj_train_state *ts, cj_error *err)
{
    const char *format = cj_safetensors_meta(&ts->file, FORMAT_KEY);
    if (!format)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: no %s metadata: not a cajal train state", ts->path, FORMAT_KEY);
    if (strcmp(format, FORMAT_VERSION)) {
        char q[96];
        return cj_fail(err, CJ_ERR_FORMAT, "%s: train state format '%s'; this cajal reads format %s", ts->path,
                       cj_error_quote(format, q, sizeof q), FORMAT_VERSION);
    }
    uint64_t epoch, epochs, step;
    cj_status st = read_whole(ts, "epoch", 1, INT_MAX, &epoch, err);
    if (!st) st = read_whole(ts, "epochs", 1, INT_MAX, &epochs, err);
    if (!st) st = read_whole(ts, "step", 0, LONG_MAX, &step, err);
    if (!st) st = meta_value(ts, "config", &ts->mark.config, err);
    if (st) return st;
    ts->mark.epoch = (int)epoch;
    ts->mark.epochs = (int)epochs;
    ts->mark.step = (long)step;
    return CJ_OK;
}

cj_status cj_train_state_read(const char *path, cj_train_state *ts, cj_error *err)
{
    memset(ts, 0, sizeof *ts);
    if (!(ts->path = strdup(path))) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    cj_status st = cj_safetensors_read(path, &ts->file, err);
    if (!st) st = read_mark(ts, err);
    if (st) cj_train_state_free(ts);
    return st;
}

void cj_train_state_free(cj_train_state *ts)
{
    cj_safetensors_free(&ts->file);
    free(ts->path);
    ts->path = NULL;
}

/* ---- checking and restoring ---------------------------------------------- */

/* One float buffer the file must hold: its name, what it is for messages,
 * where it goes and its length. */
typedef struct {
    const char *name, *what;
    float *dst;
    size_t n;
} slot;

/* What the file holds, parsed and checked, before any of it is copied. */
typedef struct {
    slot slots[MAX_TENSORS];
    int n_slots, has_kp;
    cj_rng shuffle, diag, rule;
    cj_rng *layers;          /* [n_layers]; only those with a stream are set */
    int *order;
    cj_divergence_watch watch;
    cj_curriculum curriculum;
    uint64_t optim_step, kp_step;
    cj_optim kp;             /* Kolen-Pollack's optimiser, made here */
    int kp_made;
} restored;

static void restored_free(restored *r)
{
    free(r->layers);
    free(r->order);
    if (r->kp_made) cj_optim_free(&r->kp);
}

static cj_status read_rng(const cj_train_state *ts, const char *key, cj_rng *out, cj_error *err)
{
    const char *v;
    cj_status st = meta_value(ts, key, &v, err);
    if (!st && !parse_rng(v, out))
        st = bad_value(ts, key, v, "a random-stream state (four 16-hex-digit words, not all zero, and a spare)", err);
    return st;
}

static cj_status read_order(const cj_train_state *ts, int n, int *order, cj_error *err)
{
    const char *v;
    cj_status st = meta_value(ts, "order", &v, err);
    if (st) return st;
    unsigned char *seen = calloc((size_t)n + 1, 1);
    if (!seen) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for the order of %d samples", ts->path, n);
    const char *s = v;
    for (int i = 0; i < n && !st; i++) {
        uint64_t k;
        if ((i && !take_char(&s, ' ')) || !take_dec(&s, (uint64_t)(n - 1), &k))
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: metadata 'order': entry %d is missing or not a sample index "
                         "below %d (the training set has %d samples)", ts->path, i, n, n);
        else if (seen[k]++)
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: metadata 'order': sample %llu appears twice", ts->path,
                         (unsigned long long)k);
        else
            order[i] = (int)k;
    }
    if (!st && *s)
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: metadata 'order' lists more than the training set's %d samples",
                     ts->path, n);
    free(seen);
    return st;
}

static cj_status read_values(const cj_train_state *ts, const cj_train_parts *p, restored *r, cj_error *err)
{
    const cj_model *m = p->model;
    r->layers = calloc((size_t)m->n_layers + 1, sizeof *r->layers);
    r->order = malloc(sizeof(int) * ((size_t)p->n_order + 1));
    if (!r->layers || !r->order) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", ts->path);
    const char *watch;
    cj_status st = read_rng(ts, "rng.shuffle", &r->shuffle, err);
    if (!st) st = read_rng(ts, "rng.diagnostics", &r->diag, err);
    if (!st) st = read_rng(ts, "rng.rule", &r->rule, err);
    for (int i = 0; !st && i < m->n_layers; i++) {
        if (!cj_layer_rng(&m->layers[i])) continue;
        char key[KEY_MAX];
        snprintf(key, sizeof key, "rng.layer.%d", i);
        st = read_rng(ts, key, &r->layers[i], err);
    }
    if (!st) st = read_whole(ts, "optim.step", 0, LONG_MAX, &r->optim_step, err);
    if (!st && r->has_kp) st = read_whole(ts, "rule.kp_optim.step", 0, LONG_MAX, &r->kp_step, err);
    if (!st && !(st = meta_value(ts, "divergence", &watch, err)) && !parse_watch(watch, &r->watch))
        st = bad_value(ts, "divergence", watch, "a divergence watch (two 16-hex-digit doubles and three counts)",
                       err);
    if (!st) st = read_order(ts, p->n_order, r->order, err);
    if (!st && has_stages(p)) {
        const char *v;
        r->curriculum = *p->curriculum;
        if (!(st = meta_value(ts, "curriculum", &v, err)) && !cj_curriculum_parse(&r->curriculum, v, ts->mark.epoch)) {
            char want[128];
            snprintf(want, sizeof want, "a curriculum stage and the epoch it began after (\"STAGE EPOCH\", the stage "
                     "0..%d, the epoch at most %d)", p->curriculum->n_stages, ts->mark.epoch);
            st = bad_value(ts, "curriculum", v, want, err);
        }
    }
    return st;
}

/* Every metadata key the file may hold for this run is expected; one more
 * means the file was written for another model or by another cajal. */
static int expected_key(const cj_train_parts *p, int has_kp, const char *key)
{
    static const char *const fixed[] = {FORMAT_KEY, "epoch", "epochs", "step", "optim.step", "divergence",
                                        "config", "order", "rng.shuffle", "rng.diagnostics", "rng.rule"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        if (!strcmp(key, fixed[i])) return 1;
    if (has_kp && !strcmp(key, "rule.kp_optim.step")) return 1;
    if (has_stages(p) && !strcmp(key, "curriculum")) return 1;
    const char *s = key;
    uint64_t i;
    if (p->model->n_layers < 1 || strncmp(s, "rng.layer.", 10)) return 0;
    s += 10;
    if (!take_dec(&s, (uint64_t)p->model->n_layers - 1, &i) || *s || !cj_layer_rng(&p->model->layers[i])) return 0;
    /* Only the spelling the writer uses ("rng.layer.01" is not layer 1's). */
    char canonical[KEY_MAX];
    snprintf(canonical, sizeof canonical, "rng.layer.%d", (int)i);
    return !strcmp(key, canonical);
}

static cj_status check_keys(const cj_train_state *ts, const cj_train_parts *p, const restored *r, cj_error *err)
{
    for (int i = 0; i < ts->file.n_meta; i++)
        if (!expected_key(p, r->has_kp, ts->file.meta_keys[i])) {
            char q[96];
            return cj_fail(err, CJ_ERR_FORMAT, "%s: unexpected metadata '%s' (written for another model?)", ts->path,
                           cj_error_quote(ts->file.meta_keys[i], q, sizeof q));
        }
    for (int i = 0; i < ts->file.n; i++) {
        int known = 0;
        for (int k = 0; k < r->n_slots; k++) known |= !strcmp(ts->file.names[i], r->slots[k].name);
        if (!known) {
            char q[96];
            return cj_fail(err, CJ_ERR_FORMAT, "%s: unexpected tensor '%s' (written for another model or rule?)",
                           ts->path, cj_error_quote(ts->file.names[i], q, sizeof q));
        }
    }
    return CJ_OK;
}

static void add_slot(restored *r, const char *name, const char *what, float *dst, size_t n)
{
    r->slots[r->n_slots++] = (slot){name, what, dst, n};
}

/* The float buffers this run has, each of which the file must hold with
 * its exact length. Kolen-Pollack's optimiser exists once a step was taken
 * (it is made at the first), so the file holds it exactly then. */
static cj_status plan_slots(const cj_train_state *ts, const cj_train_parts *p, restored *r, cj_error *err)
{
    const cj_optim *o = p->optim;
    cj_rule *rule = p->rule;
    add_slot(r, "optim.m", "optimiser's momentum or first moments", o->m, o->n);
    if (o->v) add_slot(r, "optim.v", "optimiser's second moments", o->v, o->n);
    if (rule->feedback_buf && rule->feedback_floats)
        add_slot(r, "rule.feedback", "rule's feedback weights", rule->feedback_buf, rule->feedback_floats);
    if (rule->saved && rule->saved_floats)
        add_slot(r, "rule.state", "rule's own state (e.g. reward baselines)", rule->saved, rule->saved_floats);
    r->has_kp = cj_safetensors_get(&ts->file, "rule.kp_optim.m") != NULL;
    int kp_rule = rule->kp_grad != NULL;
    if (r->has_kp && !kp_rule)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: holds Kolen-Pollack's optimiser, but rule.name = %s has none",
                       ts->path, cj_rule_name(rule->cfg.kind));
    if (!r->has_kp && kp_rule && ts->mark.step > 0)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: no tensor 'rule.kp_optim.m' (Kolen-Pollack's optimiser)", ts->path);
    if (r->has_kp) {
        size_t n = p->model->n_params;
        add_slot(r, "rule.kp_optim.m", "Kolen-Pollack optimiser's first moments", NULL, n);
        if (o->cfg.kind == CJ_OPTIM_ADAM) add_slot(r, "rule.kp_optim.v", "Kolen-Pollack optimiser's second moments",
                                                   NULL, n);
    }
    return CJ_OK;
}

static cj_status check_slots(const cj_train_state *ts, const restored *r, cj_error *err)
{
    for (int k = 0; k < r->n_slots; k++) {
        const slot *s = &r->slots[k];
        const cj_tensor *t = cj_safetensors_get(&ts->file, s->name);
        if (!t) return cj_fail(err, CJ_ERR_FORMAT, "%s: no tensor '%s' (the %s)", ts->path, s->name, s->what);
        if (t->ndim != 1 || (uint64_t)t->shape[0] != (uint64_t)s->n) {
            char shape[64];
            return cj_fail(err, CJ_ERR_SHAPE, "%s: tensor '%s' has shape %s, but this run's %s are [%zu]", ts->path,
                           s->name, cj_tensor_shape_str(t, shape, sizeof shape), s->what, s->n);
        }
    }
    return CJ_OK;
}

/* Kolen-Pollack's optimiser as its first step would make it (the model's
 * optimiser settings), its buffers the slots' destinations. */
static cj_status make_kp(const cj_train_parts *p, restored *r, cj_error *err)
{
    if (!r->has_kp) return CJ_OK;
    cj_status st = cj_optim_create(&r->kp, &p->optim->cfg, p->model->n_params, err);
    if (st) return st;
    r->kp_made = 1;
    r->kp.step = (long)r->kp_step;
    for (int k = 0; k < r->n_slots; k++) {
        if (!strcmp(r->slots[k].name, "rule.kp_optim.m")) r->slots[k].dst = r->kp.m;
        if (!strcmp(r->slots[k].name, "rule.kp_optim.v")) r->slots[k].dst = r->kp.v;
    }
    return CJ_OK;
}

static void copy_in(const cj_train_state *ts, cj_train_parts *p, restored *r)
{
    for (int k = 0; k < r->n_slots; k++)
        memcpy(r->slots[k].dst, cj_safetensors_get(&ts->file, r->slots[k].name)->data, sizeof(float) * r->slots[k].n);
    *p->shuffle = r->shuffle;
    *p->diag = r->diag;
    p->rule->rng = r->rule;
    for (int i = 0; i < p->model->n_layers; i++) {
        cj_rng *l = cj_layer_rng(&p->model->layers[i]);
        if (l) *l = r->layers[i];
    }
    memcpy(p->order, r->order, sizeof(int) * (size_t)p->n_order);
    *p->watch = r->watch;
    if (has_stages(p)) *p->curriculum = r->curriculum;
    p->optim->step = (long)r->optim_step;
    if (r->has_kp) {
        if (p->rule->kp_optim_ready) cj_optim_free(&p->rule->kp_optim);
        p->rule->kp_optim = r->kp;
        p->rule->kp_optim_ready = 1;
        r->kp_made = 0; /* the rule owns it now */
    }
}

cj_status cj_train_state_apply(const cj_train_state *ts, cj_train_parts *p, cj_error *err)
{
    restored r;
    memset(&r, 0, sizeof r);
    cj_status st = plan_slots(ts, p, &r, err);
    if (!st) st = check_slots(ts, &r, err);
    if (!st) st = read_values(ts, p, &r, err);
    if (!st) st = check_keys(ts, p, &r, err);
    if (!st) st = make_kp(p, &r, err);
    if (!st) copy_in(ts, p, &r);
    restored_free(&r);
    return st;
}

/* ---- the experiment as text ---------------------------------------------- */

char *cj_train_config_text(const cj_experiment *e)
{
    char *raw = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&raw, &len);
    if (!f) return NULL;
    cj_experiment_write(e, f);
    int failed = ferror(f);
    if (fclose(f) != 0 || failed) {
        free(raw);
        return NULL;
    }
    char *out = malloc(len * 4 + 1), *o = out;
    for (size_t i = 0; out && i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '\\') o += sprintf(o, "\\\\");
        else if (c == '\n' || (c >= 0x20 && c < 0x7f)) *o++ = (char)c;
        else o += sprintf(o, "\\x%02x", c);
    }
    if (out) *o = '\0';
    free(raw);
    return out;
}

void cj_train_rng_text(const cj_rng *r, char *buf) { rng_text(r, buf); }

cj_status cj_train_state_rng(const cj_train_state *ts, const char *key, cj_rng *out, cj_error *err)
{
    return read_rng(ts, key, out, err);
}

char *cj_train_order_text(const int *order, int n) { return order_text(order, n); }

cj_status cj_train_state_order(const cj_train_state *ts, int n, int *order, cj_error *err)
{
    return read_order(ts, n, order, err);
}
