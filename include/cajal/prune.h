/* prune.h — iterative magnitude pruning and lottery tickets (Frankle &
 * Carbin 2019, "The lottery ticket hypothesis", ICLR).
 *
 * A trained run is pruned in rounds. Each round removes `rate` of the
 * weights still there, those of smallest magnitude after training, resets
 * the survivors to the run's weights after epoch `rewind` (0: its
 * initialisation, Frankle & Carbin's Algorithm 1; later epochs: the
 * "rewinding" of Frankle et al. 2020, "Linear mode connectivity and the
 * lottery ticket hypothesis", ICML) and retrains them with the run's own
 * experiment. The pruned weights are held at 0 by the model's mask
 * (model.h), which every learning rule and optimiser respects. Beside each
 * ticket the same mask is trained from a fresh random initialisation
 * (Frankle & Carbin's "random reinit" control), and
 * optionally a random mask of the same per-layer sparsity on the rewind
 * weights (a control for the choice of the surviving weights).
 *
 *     cj_prune_opts o;
 *     cj_prune_opts_default(&o);
 *     o.run_dir = "runs/mlp";      // trained with train.checkpoints = true
 *     o.out_dir = "runs/lottery";
 *     if (cj_prune(&o, NULL, &err)) ...   // rounds.csv, lottery.png, round_NN/...
 *
 * What is pruned: the weights (Linear and Conv2d weights, recurrent
 * weight_ih/weight_hh), never biases or initial states. The last
 * parametric layer (the output layer) is pruned at its own rate, half the
 * others' by default as Frankle & Carbin do for Lenet-300-100 and Conv-2/4/6
 * (their table of architectures: fully connected layers at 20% per round, the output layer
 * at 10%), in both scopes. */
#ifndef CAJAL_PRUNE_H
#define CAJAL_PRUNE_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/rng.h"
#include "cajal/status.h"
#include "cajal/train.h"

/* ---- magnitude selection -------------------------------------------------- */

/* One tensor's weights and its mask (1 kept, 0 pruned), n entries each. */
typedef struct {
    const float *w;
    float *mask;
    size_t n;
} cj_prune_part;

/* Remove the round(rate * kept) kept entries of parts[0..n_parts) with
 * the smallest |w|, ranked together (global pruning over those tensors;
 * one part: layer-wise). Ties in |w| go first to the earlier part, then to
 * the lower index, so the same weights give the same mask. *removed (may
 * be NULL) gets how many were removed. rate must lie in [0, 1]. */
cj_status cj_prune_smallest(cj_prune_part *parts, int n_parts, double rate, size_t *removed, cj_error *err);

/* A random mask with the same number of kept entries as `like` (n
 * entries), drawn uniformly from all subsets of that size (partial
 * Fisher-Yates shuffle from rng). */
cj_status cj_prune_random_like(const float *like, float *mask, size_t n, cj_rng *rng, cj_error *err);

/* ---- rounds --------------------------------------------------------------- */

typedef enum {
    CJ_PRUNE_LAYER,  /* each weight tensor loses `rate` of its own remaining weights (the default) */
    CJ_PRUNE_GLOBAL  /* the hidden layers' weights are ranked together (the output layer apart) */
} cj_prune_scope;

cj_status cj_prune_scope_parse(const char *name, cj_prune_scope *scope, cj_error *err);
const char *cj_prune_scope_name(cj_prune_scope scope);

typedef struct {
    const char *run_dir;  /* a cajal train run: config.ini, metrics.jsonl, model.safetensors, and
                           * checkpoints/epoch_EEE/model.safetensors for --rewind E */
    const char *out_dir;  /* rounds.csv, lottery.png, round_NN/{ticket,control,random}/ */
    int rounds;           /* pruning rounds (default 10) */
    double rate;          /* fraction of the remaining weights removed per round (default 0.2) */
    double output_rate;   /* the same for the output layer; < 0 (default): rate / 2 */
    int rewind;           /* survivors restart from the weights after this epoch (default 0: the init) */
    cj_prune_scope scope; /* default CJ_PRUNE_LAYER */
    int random_mask;      /* also train a random mask of the same sparsity each round (default off) */
    uint64_t seed;        /* the controls' fresh initialisations and random masks (default 1) */
    int force;            /* out_dir may hold an earlier prune run: its files are replaced */
} cj_prune_opts;

void cj_prune_opts_default(cj_prune_opts *o);

/* Which network a training in a round trains. */
typedef enum { CJ_PRUNE_TICKET, CJ_PRUNE_CONTROL, CJ_PRUNE_RANDOM } cj_prune_net;
const char *cj_prune_net_name(cj_prune_net net); /* "ticket", "control", "random" */

/* One row of rounds.csv. Round 0 is the dense run itself (its last epoch's
 * test accuracy as ticket_acc, no controls). */
typedef struct {
    int round, rounds;
    int n_tensors;               /* pruned tensors (the weights), in model order */
    const char *const *names;    /* [n_tensors] their names ("0.weight" is module 0's) */
    const double *remaining;     /* [n_tensors] fraction of each tensor's weights kept */
    double remaining_total;      /* the same over all of them together */
    double ticket_acc, control_acc, random_acc; /* test accuracy (NaN: not trained) */
    double seconds;              /* the round's wall-clock time */
} cj_prune_row;

typedef struct {
    /* After each training of a round ends (may be NULL): its last epoch's
     * test accuracy and the training's wall-clock seconds. */
    void (*on_trained)(int round, cj_prune_net net, double test_acc, double seconds, void *user);
    /* After each round's row is written to rounds.csv (may be NULL). */
    void (*on_round)(const cj_prune_row *row, void *user);
    /* Passed to each training: each epoch's report and stop requests. */
    cj_train_callbacks train;
    void *user;
} cj_prune_callbacks;

/* Run o->rounds rounds. After every round rounds.csv and lottery.png are
 * rewritten (atomically), so an interrupted run keeps the rounds it
 * finished; each round's networks are cajal train run folders
 * (round_NN/ticket/ etc., each with init.safetensors, the masked weights it
 * started from, as its model.init). Every number is fixed by the run's
 * train.seed, o->seed and the BLAS thread count. Errors name the file and
 * key, or the option and value. */
cj_status cj_prune(const cj_prune_opts *o, const cj_prune_callbacks *cb, cj_error *err);

#endif
