/* experiment.c — experiment files: one table of keys drives the INI reader
 * (ini.c), the --set overrides and the resolved-config writer, so the three
 * can never disagree about which keys exist. Values from a file and from
 * --set pass through the same checks, and every message quotes the value
 * as the user wrote it. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cajal/experiment.h"
#include "cajal/files.h"
#include "curriculum.h"
#include "experiment_data.h"
#include "ini.h"

/* An experiment file is a few kilobytes; anything near this is not one. */
enum { MAX_FILE_BYTES = 1 << 20 };

/* Ranges of T_FLOAT keys. */
enum { F_NONNEG, F_POSITIVE, F_BELOW_ONE };

typedef enum {
    T_STRING, T_INT, T_FLOAT, T_BOOL, T_U64, T_SCALE, T_LOSS, T_RULE, T_OPTIM, T_SCHEDULE, T_FORMAT, T_TASK_BATCHES,
    T_RBM_METHOD
} key_type;

/* Keys that mean something only for one data format, optimiser or rule:
 * `applies` says whether they do for this experiment, `only` names where
 * they do, `chosen` what the experiment chose instead. PyTorch refuses an
 * unexpected keyword the same way (Adam has no momentum); silently
 * ignoring one hides a mistake in the experiment. */
typedef struct {
    int (*applies)(const cj_experiment *e);
    const char *only;
    const char *(*chosen)(const cj_experiment *e);
} key_scope;

typedef struct {
    const char *section, *key;
    key_type type;
    size_t offset;
    size_t size;  /* T_STRING: buffer size */
    int limit;    /* T_INT: smallest allowed value; T_FLOAT: its range, F_* */
    const char *help;
    key_scope scope; /* {NULL}: every experiment */
} key_def;

static int is_sgd(const cj_experiment *e) { return e->optim.kind == CJ_OPTIM_SGD; }
static int is_adam(const cj_experiment *e) { return e->optim.kind == CJ_OPTIM_ADAM; }
static int reads_temperature(const cj_experiment *e)
{
    return (e->loss.ops->keys & CJ_OBJECTIVE_KEY_TEMPERATURE) != 0;
}
static int reads_sigma(const cj_experiment *e) { return (e->rule.kind->keys & CJ_RULE_KEY_SIGMA) != 0; }
static int reads_samples(const cj_experiment *e) { return (e->rule.kind->keys & CJ_RULE_KEY_SAMPLES) != 0; }
static int reads_decay(const cj_experiment *e) { return (e->rule.kind->keys & CJ_RULE_KEY_DECAY) != 0; }
static int is_idx(const cj_experiment *e) { return e->format == CJ_DATA_IDX; }
static int is_npy(const cj_experiment *e) { return e->format == CJ_DATA_NPY; }
static int is_task(const cj_experiment *e) { return e->format == CJ_DATA_TASK; }
static int reads_calibrate(const cj_experiment *e) { return (e->rule.kind->keys & CJ_RULE_KEY_CALIBRATE) != 0; }
static int reads_mirror(const cj_experiment *e) { return (e->rule.kind->keys & CJ_RULE_KEY_MIRROR) != 0; }
static int reads_explore(const cj_experiment *e) { return (e->rule.kind->keys & CJ_RULE_KEY_EXPLORE) != 0; }

/* model.layers = rbm H: a restricted Boltzmann machine, trained by
 * contrastive divergence instead of a rule (src/train/rbm_run.c). */
static int is_rbm(const cj_experiment *e)
{
    int rbm = 0, hidden;
    return !cj_rbm_parse_layers(e->layers, &rbm, &hidden, NULL) && rbm;
}
static const char *chosen_layers(const cj_experiment *e) { return e->layers; }

static const char *chosen_optim(const cj_experiment *e) { return cj_optim_name(e->optim.kind); }
static const char *chosen_objective(const cj_experiment *e) { return e->loss.ops->name; }
static const char *chosen_rule(const cj_experiment *e) { return cj_rule_name(e->rule.kind); }
static const char *chosen_format(const cj_experiment *e) { return cj_data_format_name(e->format); }

#define ANY {NULL, NULL, NULL}
#define SGD_ONLY {is_sgd, "optim.name = sgd", chosen_optim}
#define ADAM_ONLY {is_adam, "optim.name = adam", chosen_optim}
/* Rule keys: the rules that read them are listed from the registry. */
#define RULE_KEY(fn) {fn, NULL, chosen_rule}
#define IDX_ONLY {is_idx, "data.format = idx", chosen_format}
#define NPY_ONLY {is_npy, "data.format = npy", chosen_format}
#define TASK_ONLY {is_task, "data.format = task", chosen_format}
#define RBM_ONLY {is_rbm, "model.layers = rbm H", chosen_layers}

#define OFF(field) offsetof(cj_experiment, field)
#define STR(field) OFF(field), sizeof(((cj_experiment *)0)->field)
/* Stage i's three keys: curriculum.stageI, stageI_until, stageI_max_epochs. */
#define STAGE_KEYS(i)                                                                                            \
    {"curriculum", "stage" #i, T_STRING, STR(stages[i - 1].tasks), 0, "stage " #i "'s tasks, names of data.task's, " \
     "comma-separated", TASK_ONLY},                                                                          \
    {"curriculum", "stage" #i "_until", T_FLOAT, OFF(stages[i - 1].until), 0, F_BELOW_ONE, "stage " #i " ends "  \
     "once every task of it has this test performance (0 = no threshold)", TASK_ONLY},                        \
    {"curriculum", "stage" #i "_max_epochs", T_INT, OFF(stages[i - 1].max_epochs), 0, 0, "stage " #i " ends "    \
     "after this many epochs (0 = no limit)", TASK_ONLY}

static const key_def KEYS[] = {
    {"data", "format", T_FORMAT, OFF(format), 0, 0, "idx (IDX image and label files), npy (NumPy arrays) or "
     "task (generated trials of cognitive tasks)", ANY},
    {"data", "task", T_STRING, STR(task), 0, "the tasks, comma-separated, with options (docs/tasks.md)", TASK_ONLY},
    {"data", "train_trials", T_INT, OFF(train_trials), 0, 1, "new training trials every epoch", TASK_ONLY},
    {"data", "test_trials", T_INT, OFF(test_trials), 0, 1, "held-out test trials (the same every epoch)", TASK_ONLY},
    {"data", "task_batches", T_TASK_BATCHES, OFF(task_batches), 0, 0, "mixed (each trial draws its task) or one "
     "(each training batch draws one task, and lasts that task's trials)", TASK_ONLY},
    {"data", "dir", T_STRING, STR(data_dir), 0, "folder holding the data files", ANY},
    {"data", "train_images", T_STRING, STR(train_images), 0, "training images (relative to data.dir)", IDX_ONLY},
    {"data", "train_inputs", T_STRING, STR(train_inputs), 0, "training inputs [N, ...] (.npy)", NPY_ONLY},
    {"data", "train_labels", T_STRING, STR(train_labels), 0, "training class labels", ANY},
    {"data", "train_targets", T_STRING, STR(train_targets), 0, "training regression targets (.npy)", NPY_ONLY},
    {"data", "train_counts", T_STRING, STR(train_counts), 0, "training spike counts (.npy)", NPY_ONLY},
    {"data", "train_mask", T_STRING, STR(train_mask), 0, "training loss weights (.npy)", NPY_ONLY},
    {"data", "test_images", T_STRING, STR(test_images), 0, "test images", IDX_ONLY},
    {"data", "test_inputs", T_STRING, STR(test_inputs), 0, "test inputs (.npy; empty = no test set)", NPY_ONLY},
    {"data", "test_labels", T_STRING, STR(test_labels), 0, "test labels", ANY},
    {"data", "test_targets", T_STRING, STR(test_targets), 0, "test regression targets (.npy)", NPY_ONLY},
    {"data", "test_counts", T_STRING, STR(test_counts), 0, "test spike counts (.npy)", NPY_ONLY},
    {"data", "test_mask", T_STRING, STR(test_mask), 0, "test loss weights (.npy)", NPY_ONLY},
    {"data", "sequence", T_BOOL, OFF(sequence), 0, 0, "inputs are sequences [N, T, F]", NPY_ONLY},
    {"data", "scale", T_SCALE, OFF(scale), 0, 0, "unit (pixel/255; idx), raw or standard", ANY},
    {"data", "validation", T_FLOAT, OFF(validation), 0, F_BELOW_ONE, "fraction of the training set held out", ANY},
    {"data", "train_samples", T_INT, OFF(train_samples), 0, 0, "use the first N training samples (0 = all)", ANY},
    {"data", "test_samples", T_INT, OFF(test_samples), 0, 0, "use the first N test samples (0 = all)", ANY},
    {"model", "layers", T_STRING, STR(layers), 0, "comma-separated layer list", ANY},
    {"model", "init", T_STRING, STR(init), 0, "safetensors file to start from", ANY},
    {"objective", "name", T_LOSS, OFF(loss.ops), 0, 0, "cross_entropy, mse, poisson or infonce", ANY},
    {"objective", "temperature", T_FLOAT, OFF(loss.temperature), 0, F_POSITIVE, "infonce: softmax temperature",
     {reads_temperature, "objective.name = infonce", chosen_objective}},
    {"rule", "name", T_RULE, OFF(rule.kind), 0, 0, "learning rule", ANY},
    {"rule", "sigma", T_FLOAT, OFF(rule.sigma), 0, 0, "perturbation standard deviation", RULE_KEY(reads_sigma)},
    {"rule", "samples", T_INT, OFF(rule.samples), 0, 1, "perturbation draws per update", RULE_KEY(reads_samples)},
    {"rule", "decay", T_FLOAT, OFF(rule.decay), 0, 0, "Kolen-Pollack decay of W and B", RULE_KEY(reads_decay)},
    {"rule", "calibrate", T_BOOL, OFF(rule.calibrate), 0, 0, "DFA: scale B so the first batch's errors have "
     "backprop's size", RULE_KEY(reads_calibrate)},
    {"rule", "mirror_lr", T_FLOAT, OFF(rule.mirror_lr), 0, F_POSITIVE, "weight mirror: learning rate of B",
     RULE_KEY(reads_mirror)},
    {"rule", "mirror_decay", T_FLOAT, OFF(rule.mirror_decay), 0, 0, "weight mirror: decay of B",
     RULE_KEY(reads_mirror)},
    {"rule", "mirror_steps", T_INT, OFF(rule.mirror_steps), 0, 0, "weight mirror: noise batches after each step",
     RULE_KEY(reads_mirror)},
    {"rule", "perturb_rate", T_FLOAT, OFF(rule.perturb_rate), 0, F_BELOW_ONE, "Hebbian: chance per unit and "
     "step of an exploratory kick (0 = Miconi's 0.003, 3 Hz at dt = 1 ms)", RULE_KEY(reads_explore)},
    {"rule", "perturb_amp", T_FLOAT, OFF(rule.perturb_amp), 0, 0, "Hebbian: kicks are U(-A, A) in the input "
     "current (0 = Miconi's 16)", RULE_KEY(reads_explore)},
    {"rule", "readout_only", T_BOOL, OFF(rule.readout_only), 0, 0, "Hebbian: only the readout learns; the "
     "recurrent weights keep their start (the reservoir control)", RULE_KEY(reads_explore)},
    {"optim", "name", T_OPTIM, OFF(optim.kind), 0, 0, "sgd or adam", ANY},
    {"optim", "schedule", T_SCHEDULE, OFF(optim.schedule), 0, 0, "constant or cosine learning rate", ANY},
    {"optim", "lr", T_FLOAT, OFF(optim.lr), 0, F_POSITIVE, "learning rate", ANY},
    {"optim", "momentum", T_FLOAT, OFF(optim.momentum), 0, 0, "SGD momentum", SGD_ONLY},
    {"optim", "dampening", T_FLOAT, OFF(optim.dampening), 0, 0, "SGD dampening", SGD_ONLY},
    {"optim", "nesterov", T_BOOL, OFF(optim.nesterov), 0, 0, "SGD Nesterov momentum", SGD_ONLY},
    {"optim", "weight_decay", T_FLOAT, OFF(optim.weight_decay), 0, 0, "L2 penalty", ANY},
    {"optim", "clip_norm", T_FLOAT, OFF(optim.clip_norm), 0, 0, "clip the gradient's 2-norm to this (0 = off)", ANY},
    {"optim", "beta1", T_FLOAT, OFF(optim.beta1), 0, F_BELOW_ONE, "Adam beta1", ADAM_ONLY},
    {"optim", "beta2", T_FLOAT, OFF(optim.beta2), 0, F_BELOW_ONE, "Adam beta2", ADAM_ONLY},
    {"optim", "eps", T_FLOAT, OFF(optim.eps), 0, 0, "Adam epsilon", ADAM_ONLY},
    {"train", "epochs", T_INT, OFF(epochs), 0, 1, "passes over the training set", ANY},
    {"train", "batch", T_INT, OFF(batch), 0, 1, "samples per optimiser step", ANY},
    {"train", "seed", T_U64, OFF(seed), 0, 0, "seed of every random number", ANY},
    {"train", "shuffle", T_BOOL, OFF(shuffle), 0, 0, "reshuffle the training set every epoch", ANY},
    {"train", "checkpoints", T_BOOL, OFF(checkpoints), 0, 0,
     "also keep each epoch's model as checkpoints/epoch_NNN/model.safetensors", ANY},
    {"train", "steps", T_INT, OFF(steps), 0, 0, "stop after this many optimiser steps (0 = no limit)", ANY},
    {"train", "stop_at_performance", T_FLOAT, OFF(stop_at_performance), 0, F_BELOW_ONE,
     "stop once every task's test performance is at least this (0 = off)", TASK_ONLY},
    {"train", "bptt_truncate", T_INT, OFF(rule.bptt_truncate), 0, 0,
     "backprop through time in chunks of this many steps (0 = the whole sequence)", ANY},
    {"train", "diag_batch", T_INT, OFF(diag_batch), 0, 1, "samples in the fixed diagnostics batch", ANY},
    {"train", "diag_draws", T_INT, OFF(diag_draws), 0, 2, "draws for the bias/variance of stochastic rules", ANY},
    {"rbm", "method", T_RBM_METHOD, OFF(rbm.method), 0, 0, "cd (contrastive divergence, Hinton 2002) or pcd "
     "(persistent CD, Tieleman 2008)", RBM_ONLY},
    {"rbm", "k", T_INT, OFF(rbm.k), 0, 1, "Gibbs steps of the negative phase (CD-k)", RBM_ONLY},
    {"rbm", "initial_momentum", T_FLOAT, OFF(rbm.initial_momentum), 0, F_BELOW_ONE, "momentum of the first "
     "rbm.momentum_epochs epochs, then optim.momentum (Hinton 2010: 0.5, then 0.9)", RBM_ONLY},
    {"rbm", "momentum_epochs", T_INT, OFF(rbm.momentum_epochs), 0, 0, "epochs trained with rbm.initial_momentum",
     RBM_ONLY},
    {"rbm", "ais_runs", T_INT, OFF(rbm.ais_runs), 0, 0, "annealed importance sampling runs for log Z after "
     "training (0 = no AIS)", RBM_ONLY},
    {"rbm", "ais_betas", T_INT, OFF(rbm.ais_betas), 0, 3, "intermediate distributions of each AIS run "
     "(Salakhutdinov & Murray 2008: 14500)", RBM_ONLY},
    {"rbm", "sample_steps", T_INT, OFF(rbm.sample_steps), 0, 1, "Gibbs steps of the longest chain in samples.png",
     RBM_ONLY},
    STAGE_KEYS(1), STAGE_KEYS(2), STAGE_KEYS(3), STAGE_KEYS(4),
    STAGE_KEYS(5), STAGE_KEYS(6), STAGE_KEYS(7), STAGE_KEYS(8),
};
enum { N_KEYS = sizeof KEYS / sizeof KEYS[0] };
_Static_assert(N_KEYS <= 64 * (int)(sizeof(cj_key_set) / sizeof(uint64_t)), "cj_key_set has one bit per key");
_Static_assert(CJ_CURRICULUM_MAX_STAGES == 8, "one STAGE_KEYS line per stage");

static int key_given(const cj_key_set *g, int i) { return (int)(g->bits[i / 64] >> (i % 64) & 1); }
static void key_mark(cj_key_set *g, int i) { g->bits[i / 64] |= (uint64_t)1 << (i % 64); }
enum { INT_LIMIT = 1000000000 };

void cj_experiment_defaults(cj_experiment *e)
{
    memset(e, 0, sizeof *e);
    strcpy(e->data_dir, "/usr/share/datasets/fashion-mnist");
    strcpy(e->train_images, "train-images-idx3-ubyte.gz");
    strcpy(e->train_labels, "train-labels-idx1-ubyte.gz");
    strcpy(e->test_images, "t10k-images-idx3-ubyte.gz");
    strcpy(e->test_labels, "t10k-labels-idx1-ubyte.gz");
    e->scale = CJ_SCALE_UNIT;
    strcpy(e->layers, "flatten, dense 256, relu, dense 256, relu, dense 10");
    e->loss.ops = &cj_cross_entropy_ops; /* fields one by one: memset above zeroed the padding */
    e->loss.temperature = 0.1f;
    e->rule = cj_rule_defaults(&cj_rule_bp);
    e->optim = cj_optim_defaults(CJ_OPTIM_SGD);
    e->optim.lr = NAN;  /* filled from optim.name by cj_experiment_finish */
    e->epochs = 10;
    e->batch = 64;
    e->shuffle = 1;
    e->seed = 1;
    e->diag_batch = 256;
    e->diag_draws = 20;
    e->train_trials = 10000;
    e->test_trials = 2000;
    e->rbm = cj_rbm_config_defaults();
}

/* Edit distance (insertions, deletions, substitutions) between two short
 * names, capped: anything above `cap` counts as cap + 1. */
static int edit_distance(const char *a, const char *b, int cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return cap + 1;
    int row[64];
    for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0], best = row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int v = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < v) v = up + 1;
            if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best) best = v;
        }
        if (best > cap) return cap + 1;
    }
    return row[lb];
}

/* The known name closest to `name` (at most two edits away), or NULL:
 * `section` NULL compares section names, else keys of that section. */
static const char *closest(const char *name, const char *section)
{
    const char *best = NULL;
    int best_d = 3;
    for (int i = 0; i < N_KEYS; i++) {
        if (section && strcmp(KEYS[i].section, section)) continue;
        const char *candidate = section ? KEYS[i].key : KEYS[i].section;
        int d = edit_distance(name, candidate, 2);
        if (d < best_d) best = candidate, best_d = d;
    }
    return best;
}

static cj_status check_section(const char *section, const char *where, cj_error *err)
{
    for (int i = 0; i < N_KEYS; i++)
        if (!strcmp(KEYS[i].section, section)) return CJ_OK;
    const char *hint = closest(section, NULL);
    if (hint)
        return cj_fail(err, CJ_ERR_CONFIG, "%sunknown section [%.64s] (did you mean [%s]?)", where, section, hint);
    return cj_fail(err, CJ_ERR_CONFIG,
                   "%sunknown section [%.64s] (expected data, model, objective, rule, optim, train, curriculum or "
                   "rbm)", where, section);
}

static const key_def *find_key(const char *section, const char *key, cj_error *err, const char *where)
{
    if (check_section(section, where, err)) return NULL;
    for (int i = 0; i < N_KEYS; i++)
        if (!strcmp(KEYS[i].section, section) && !strcmp(KEYS[i].key, key)) return &KEYS[i];
    const char *hint = closest(key, section);
    if (hint)
        cj_fail(err, CJ_ERR_CONFIG, "%sunknown key '%.64s' in [%s] (did you mean '%s'?)", where, key, section,
                hint);
    else
        cj_fail(err, CJ_ERR_CONFIG, "%sunknown key '%.64s' in [%s] (see docs/experiment-file.md)", where, key,
                section);
    return NULL;
}

static int parse_bool(const char *v, int *out)
{
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1")) *out = 1;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0")) *out = 0;
    else return 0;
    return 1;
}

/* A string value must survive being written to config.ini and read back:
 * no control characters (a line break would end the line early) and no
 * " ;" (it would start a comment). Only --set can deliver either. */
static cj_status check_string(const key_def *k, const char *value, const char *where, cj_error *err)
{
    size_t len = strlen(value);
    if (len >= k->size)
        return cj_fail(err, CJ_ERR_CONFIG, "%s%s.%s = '%.40s...' is too long (%zu characters, %zu at most)", where,
                       k->section, k->key, value, len, k->size - 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return cj_fail(err, CJ_ERR_CONFIG, "%s%s.%s: the value contains a control character (byte 0x%02x)",
                           where, k->section, k->key, c);
        if (c == ';' && i > 0 && (value[i - 1] == ' ' || value[i - 1] == '\t'))
            return cj_fail(err, CJ_ERR_CONFIG, "%s%s.%s = '%s': ' ;' would start a comment in config.ini",
                           where, k->section, k->key, value);
    }
    return CJ_OK;
}

static cj_status set_int(const key_def *k, const char *value, int *field, const char *where, cj_error *err)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (end == value || *end || errno || v < k->limit || v > INT_LIMIT)
        return cj_fail(err, CJ_ERR_CONFIG, "%s%s.%s = '%s' is not a whole number from %d to %d", where,
                       k->section, k->key, value, k->limit, INT_LIMIT);
    *field = (int)v;
    return CJ_OK;
}

/* strtof sets ERANGE when the value overflows to inf or underflows to 0
 * (or a subnormal): "lr = 1e-50" must not quietly become lr = 0. */
static cj_status set_float(const key_def *k, const char *value, float *field, const char *where, cj_error *err)
{
    char *end;
    errno = 0;
    float v = strtof(value, &end);
    if (end == value || *end || isnan(v))
        return cj_fail(err, CJ_ERR_CONFIG, "%s%s.%s = '%s' is not a number", where, k->section, k->key, value);
    if (errno == ERANGE || isinf(v))
        return cj_fail(err, CJ_ERR_CONFIG, "%s%s.%s = '%s' is out of a float's range (non-zero magnitudes %g to %g)",
                       where, k->section, k->key, value, FLT_MIN, FLT_MAX);
    if (v < 0 || (k->limit == F_POSITIVE && v == 0))
        return cj_fail(err, CJ_ERR_CONFIG, "%s%s.%s = '%s' must be %s", where, k->section, k->key, value,
                       k->limit == F_POSITIVE ? "positive" : "non-negative");
    if (k->limit == F_BELOW_ONE && v >= 1)
        return cj_fail(err, CJ_ERR_CONFIG, "%s%s.%s = '%s' must be below 1", where, k->section, k->key, value);
    *field = v;
    return CJ_OK;
}

static cj_status set_named(const key_def *k, const char *value, void *field, const char *where, cj_error *err)
{
    cj_error inner;
    cj_status st = CJ_OK;
    if (k->type == T_SCALE) st = cj_pixel_scale_parse(value, field, &inner);
    else if (k->type == T_LOSS) st = cj_objective_parse(value, field, &inner);
    else if (k->type == T_RULE) st = cj_rule_parse(value, field, &inner);
    else if (k->type == T_OPTIM) st = cj_optim_parse(value, field, &inner);
    else if (k->type == T_SCHEDULE) st = cj_schedule_parse(value, field, &inner);
    else if (k->type == T_FORMAT) st = cj_data_format_parse(value, field, &inner);
    else if (k->type == T_TASK_BATCHES) st = cj_task_batches_parse(value, field, &inner);
    else if (k->type == T_RBM_METHOD) st = cj_rbm_method_parse(value, field, &inner);
    if (st) return cj_fail(err, st, "%s%s.%s: %s", where, k->section, k->key, inner.msg);
    return CJ_OK;
}

static cj_status parse_value(cj_experiment *e, const key_def *k, const char *value, const char *where,
                             cj_error *err)
{
    void *field = (char *)e + k->offset;
    switch (k->type) {
    case T_STRING: {
        cj_status st = check_string(k, value, where, err);
        if (st) return st;
        /* Clear the whole buffer so equal experiments compare equal bytewise. */
        memset(field, 0, k->size);
        memcpy(field, value, strlen(value));
        return CJ_OK;
    }
    case T_INT: return set_int(k, value, field, where, err);
    case T_FLOAT: return set_float(k, value, field, where, err);
    case T_U64: {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(value, &end, 10);
        if (end == value || *end || errno || value[0] == '-')
            return cj_fail(err, CJ_ERR_CONFIG, "%s%s.%s = '%s' is not a non-negative whole number", where,
                           k->section, k->key, value);
        *(uint64_t *)field = v;
        return CJ_OK;
    }
    case T_BOOL:
        if (!parse_bool(value, field))
            return cj_fail(err, CJ_ERR_CONFIG, "%s%s.%s = '%s' is not true or false", where, k->section, k->key,
                           value);
        return CJ_OK;
    default:
        return set_named(k, value, field, where, err);
    }
}

/* Parse a value into its field and remember that the user gave the key. */
static cj_status set_value(cj_experiment *e, const key_def *k, const char *value, const char *where,
                           cj_error *err)
{
    cj_status st = parse_value(e, k, value, where, err);
    if (!st) key_mark(&e->keys_given, (int)(k - KEYS));
    return st;
}

/* "rule.name = a or b": the registered rules for which `applies` holds. */
static void rules_reading(const cj_experiment *e, int (*applies)(const cj_experiment *), char *out, size_t len)
{
    int n, count = 0, found = 0;
    const cj_rule_ops *const *all = cj_rule_registry(&n);
    cj_experiment probe = *e;
    for (int i = 0; i < n; i++) {
        probe.rule.kind = all[i];
        count += applies(&probe);
    }
    size_t used = (size_t)snprintf(out, len, "rule.name = ");
    for (int i = 0; i < n && used < len; i++) {
        probe.rule.kind = all[i];
        if (!applies(&probe)) continue;
        found++;
        used += (size_t)snprintf(out + used, len - used, "%s%s", found == 1 ? "" : found == count ? " or " : ", ",
                                 all[i]->name);
    }
}

/* A key given for another data format, optimiser or rule than the chosen
 * one. */
static cj_status check_scopes(const cj_experiment *e, cj_error *err)
{
    for (int i = 0; i < N_KEYS; i++) {
        const key_def *k = &KEYS[i];
        if (!key_given(&e->keys_given, i) || !k->scope.applies || k->scope.applies(e)) continue;
        char only[256];
        if (k->scope.only) snprintf(only, sizeof only, "%s", k->scope.only);
        else rules_reading(e, k->scope.applies, only, sizeof only);
        /* "optim.name = sgd" -> the setting's name, "optim.name" */
        const char *eq = strchr(only, ' ');
        int by = eq ? (int)(eq - only) : (int)strlen(only);
        return cj_fail(err, CJ_ERR_CONFIG, "%s.%s is set but applies only to %s, not %.*s = %s (remove it)",
                       k->section, k->key, only, by, only, k->scope.chosen(e));
    }
    return CJ_OK;
}

/* Where a field of e lies in it, for a field that offsetof cannot name (an
 * array element chosen at run time). */
static size_t field_offset(const cj_experiment *e, const void *field)
{
    return (size_t)((const char *)field - (const char *)e);
}

/* Whether the user gave the key whose field is at `offset`. */
static int given(const cj_experiment *e, size_t offset)
{
    for (int i = 0; i < N_KEYS; i++)
        if (KEYS[i].offset == offset) return key_given(&e->keys_given, i);
    return 0;
}

/* One key (or, with key == NULL, a [section] line) of an experiment file. */
static cj_status on_ini_value(void *user, const char *section, const char *key, const char *value,
                              const char *where, cj_error *err)
{
    if (!key) return check_section(section, where, err);
    const key_def *k = find_key(section, key, err, where);
    if (!k) return CJ_ERR_CONFIG;
    return set_value(user, k, value, where, err);
}

cj_status cj_experiment_load(cj_experiment *e, const char *path, cj_error *err)
{
    /* cj_text_read refuses folders and FIFOs and names a NUL byte's line,
     * which would otherwise cut a value short without a word. */
    char *text;
    size_t len;
    cj_status st = cj_text_read(path, MAX_FILE_BYTES, &text, &len, err);
    if (st) return st;
    st = cj_ini_parse(text, len, path, on_ini_value, e, err);
    free(text);
    return st;
}

static void copy_trimmed(char *dst, const char *begin, const char *end)
{
    while (begin < end && (*begin == ' ' || *begin == '\t')) begin++;
    while (end > begin && (end[-1] == ' ' || end[-1] == '\t')) end--;
    memcpy(dst, begin, (size_t)(end - begin));
    dst[end - begin] = '\0';
}

cj_status cj_experiment_set(cj_experiment *e, const char *assignment, cj_error *err)
{
    const char *dot = strchr(assignment, '.'), *eq = strchr(assignment, '=');
    if (!dot || !eq || dot > eq)
        return cj_fail(err, CJ_ERR_CONFIG, "--set '%.200s': expected section.key=value", assignment);
    char section[64], key[64];
    size_t ls = (size_t)(dot - assignment), lk = (size_t)(eq - dot - 1);
    if (ls >= sizeof section || lk >= sizeof key)
        return cj_fail(err, CJ_ERR_CONFIG, "--set '%.200s': section or key too long", assignment);
    /* Blanks around the parts are dropped, as in a file. */
    copy_trimmed(section, assignment, dot);
    copy_trimmed(key, dot + 1, eq);
    const key_def *k = find_key(section, key, err, "--set: ");
    if (!k) return CJ_ERR_CONFIG;
    const char *value = eq + 1;
    char *v = malloc(strlen(value) + 1);
    if (!v) return cj_fail(err, CJ_ERR_NOMEM, "--set: out of memory");
    copy_trimmed(v, value, value + strlen(value));
    cj_status st = set_value(e, k, v, "--set: ", err);
    free(v);
    return st;
}

static int is_explicit_path(const char *file)
{
    return file[0] == '/' || !strncmp(file, "./", 2) || !strncmp(file, "../", 3);
}

/* Put `file` under data.dir unless it already is a path. A relative
 * data.dir gets "./" in front, so that the resolved name in config.ini is
 * taken as it is when read back instead of going under data.dir again. */
static cj_status resolve(char *file, const char *key, const char *dir, cj_error *err)
{
    if (is_explicit_path(file)) return CJ_OK;
    char *joined = is_explicit_path(dir) || !dir[0] ? cj_path_join(dir[0] ? dir : ".", file)
                                                    : cj_path_printf("./%s/%s", dir, file);
    if (!joined) return cj_fail(err, CJ_ERR_NOMEM, "out of memory resolving data.%s", key);
    size_t len = strlen(joined);
    if (len >= CJ_PATH_MAX) {
        cj_fail(err, CJ_ERR_CONFIG, "data.%s: %.40s... is too long (%zu characters, %d at most)", key, joined,
                len, CJ_PATH_MAX - 1);
        free(joined);
        return CJ_ERR_CONFIG;
    }
    memset(file, 0, CJ_PATH_MAX);
    memcpy(file, joined, len);
    free(joined);
    return CJ_OK;
}

/* Keys an RBM (model.layers = rbm H) has no use for: it has no objective
 * or rule of its own (contrastive divergence is both), trains on binarised
 * IDX images and keeps no per-step diagnostics. */
static const char *const NOT_FOR_RBM[] = {
    "data.scale", "data.validation", "model.init", "objective.name", "rule.name", "optim.dampening",
    "optim.nesterov", "optim.clip_norm", "optim.schedule", "train.steps", "train.checkpoints",
    "train.bptt_truncate", "train.diag_batch", "train.diag_draws",
};

/* Whether key k is one of NOT_FOR_RBM. */
static int not_for_rbm(const key_def *k)
{
    char name[64];
    snprintf(name, sizeof name, "%s.%s", k->section, k->key);
    for (size_t j = 0; j < sizeof NOT_FOR_RBM / sizeof NOT_FOR_RBM[0]; j++)
        if (!strcmp(name, NOT_FOR_RBM[j])) return 1;
    return 0;
}

/* An RBM experiment: the keys that do not apply are errors naming them, and
 * optim's defaults become Hinton's (2010, sec. 4, 9-10): lr 0.1, momentum
 * 0.9 (after rbm.initial_momentum), weight decay 1e-4. */
static cj_status finish_rbm(cj_experiment *e, int *rbm, cj_error *err)
{
    int hidden;
    cj_status st = cj_rbm_parse_layers(e->layers, rbm, &hidden, err);
    if (st || !*rbm) return st;
    for (int i = 0; i < N_KEYS; i++)
        if (key_given(&e->keys_given, i) && not_for_rbm(&KEYS[i]))
            return cj_fail(err, CJ_ERR_CONFIG, "%s.%s is set but does not apply to model.layers = %s (an RBM "
                           "trains by contrastive divergence on binarised IDX images; remove it)", KEYS[i].section,
                           KEYS[i].key, e->layers);
    if (e->format != CJ_DATA_IDX)
        return cj_fail(err, CJ_ERR_CONFIG, "data.format = %s: model.layers = %s trains on IDX images "
                       "(data.format = idx)", cj_data_format_name(e->format), e->layers);
    if (e->optim.kind != CJ_OPTIM_SGD)
        return cj_fail(err, CJ_ERR_CONFIG, "optim.name = %s: model.layers = %s trains with SGD and momentum "
                       "(optim.name = sgd)", cj_optim_name(e->optim.kind), e->layers);
    if (isnan(e->optim.lr)) e->optim.lr = 0.1f;
    if (!given(e, OFF(optim.momentum))) e->optim.momentum = 0.9f;
    if (!given(e, OFF(optim.weight_decay))) e->optim.weight_decay = 1e-4f;
    return CJ_OK;
}

int cj_experiment_is_rbm(const cj_experiment *e) { return is_rbm(e); }

cj_status cj_experiment_finish(cj_experiment *e, cj_error *err)
{
    /* A malformed "rbm ..." first: the [rbm] keys' scope depends on it. */
    int rbm = 0, hidden;
    cj_status scope = cj_rbm_parse_layers(e->layers, &rbm, &hidden, err);
    if (!scope) scope = check_scopes(e, err);
    if (!scope) scope = finish_rbm(e, &rbm, err);
    if (scope) return scope;
    cj_data_keys_given data = {given(e, OFF(data_dir)), given(e, OFF(train_labels)), given(e, OFF(test_labels)),
                               given(e, OFF(scale))};
    if ((scope = cj_experiment_finish_data(e, &data, err))) return scope;
    if (e->format == CJ_DATA_TASK) {
        cj_stage_keys_given stages[CJ_CURRICULUM_MAX_STAGES];
        for (int i = 0; i < CJ_CURRICULUM_MAX_STAGES; i++)
            stages[i] = (cj_stage_keys_given){given(e, field_offset(e, e->stages[i].tasks)),
                                              given(e, field_offset(e, &e->stages[i].until)),
                                              given(e, field_offset(e, &e->stages[i].max_epochs))};
        if ((scope = cj_curriculum_finish(e, stages, err))) return scope;
    }
    if (isnan(e->optim.lr)) e->optim.lr = cj_optim_defaults(e->optim.kind).lr;
    /* Values from files and --set were checked as they were read; these
     * catch an experiment filled in by code. */
    if (!(e->optim.lr > 0)) return cj_fail(err, CJ_ERR_CONFIG, "optim.lr = %.9g must be positive", e->optim.lr);
    if (!(e->optim.beta1 < 1 && e->optim.beta2 < 1))
        return cj_fail(err, CJ_ERR_CONFIG, "optim.beta1 = %.9g and optim.beta2 = %.9g must be below 1",
                       e->optim.beta1, e->optim.beta2);
    char *paths[] = {e->train_images, e->train_labels, e->test_images,  e->test_labels,
                     e->train_inputs, e->train_targets, e->train_counts, e->train_mask,
                     e->test_inputs,  e->test_targets,  e->test_counts,  e->test_mask};
    const char *keys[] = {"train_images", "train_labels",  "test_images",  "test_labels",
                          "train_inputs", "train_targets", "train_counts", "train_mask",
                          "test_inputs",  "test_targets",  "test_counts",  "test_mask"};
    for (int i = 0; i < (int)(sizeof paths / sizeof paths[0]); i++) {
        /* An empty name is a file not given (an npy split's absent parts). */
        cj_status st = paths[i][0] ? resolve(paths[i], keys[i], e->data_dir, err) : CJ_OK;
        if (st) return st;
    }
    return CJ_OK;
}

/* A key of a [curriculum] stage that is not in use: config.ini leaves out
 * the stages an experiment does not have. */
static int unused_stage(const cj_experiment *e, const key_def *k)
{
    const size_t base = OFF(stages), size = sizeof e->stages[0];
    if (k->offset < base || k->offset >= base + sizeof e->stages) return 0;
    return !e->stages[(k->offset - base) / size].tasks[0];
}

/* data.task_batches = mixed, the default, is left out: a run saved before
 * the key existed keeps the config.ini it had, which --resume compares
 * line by line with the experiment (run_folder.c). */
static int default_batches(const cj_experiment *e, const key_def *k)
{
    return k->offset == OFF(task_batches) && e->task_batches == CJ_TASK_BATCHES_MIXED;
}

void cj_experiment_write(const cj_experiment *e, FILE *f)
{
    const char *section = "";
    const int rbm = is_rbm(e);
    for (int i = 0; i < N_KEYS; i++) {
        const key_def *k = &KEYS[i];
        if (k->scope.applies && !k->scope.applies(e)) continue; /* would not load back */
        if (unused_stage(e, k) || default_batches(e, k)) continue;
        if (rbm && not_for_rbm(k)) continue; /* would be refused when read back */
        if (strcmp(section, k->section)) {
            fprintf(f, "%s[%s]\n", i ? "\n" : "", k->section);
            section = k->section;
        }
        const void *field = (const char *)e + k->offset;
        fprintf(f, "%s = ", k->key);
        switch (k->type) {
        case T_STRING: fprintf(f, "%s", (const char *)field); break;
        case T_INT: fprintf(f, "%d", *(const int *)field); break;
        case T_U64: fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)field); break;
        case T_FLOAT: fprintf(f, "%.9g", *(const float *)field); break;
        case T_BOOL: fprintf(f, "%s", *(const int *)field ? "true" : "false"); break;
        case T_SCALE: fprintf(f, "%s", cj_pixel_scale_name(*(const cj_pixel_scale *)field)); break;
        case T_LOSS: fprintf(f, "%s", (*(const cj_objective_ops *const *)field)->name); break;
        case T_RULE: fprintf(f, "%s", cj_rule_name(*(const cj_rule_ops *const *)field)); break;
        case T_OPTIM: fprintf(f, "%s", cj_optim_name(*(const cj_optim_kind *)field)); break;
        case T_SCHEDULE: fprintf(f, "%s", cj_schedule_name(*(const cj_schedule_kind *)field)); break;
        case T_FORMAT: fprintf(f, "%s", cj_data_format_name(*(const cj_data_format *)field)); break;
        case T_TASK_BATCHES: fprintf(f, "%s", cj_task_batches_name(*(const cj_task_batches *)field)); break;
        case T_RBM_METHOD: fprintf(f, "%s", cj_rbm_method_name(*(const cj_rbm_method *)field)); break;
        }
        fprintf(f, "\n");
    }
}
