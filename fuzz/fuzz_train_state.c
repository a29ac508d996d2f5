/* fuzz_train_state.c — the train state reader (cj_train_state_read, then
 * cj_train_state_apply, what `cajal train --resume` does with
 * DIR/train_state.safetensors) on arbitrary bytes, against one fixed run:
 * a rate RNN with noise and a readout ("rnn 4 noise=0.1, dense 2" on 3
 * inputs, 46 parameters), Kolen-Pollack with Adam, 5 training samples,
 * applied twice: as a run without a curriculum, and as one with two
 * [curriculum] stages (which must find its stage in the file).
 * Whatever it accepts must leave a usable run: the order a permutation,
 * every stream drawable, Kolen-Pollack's optimiser sized like the model,
 * the curriculum's stage one it has. Then the same file as an RBM run's
 * state (cj_rbm_state_apply: a 4 x 3 PCD trainer, batch 2, 5 samples).
 * The seeds come from fuzz/make_train_state_seeds.py and
 * fuzz/corpus/train_state/seed_rbm_pcd (tests/test_rbm.c's resume writes
 * the same format). */
#include <stdlib.h>

#include "../src/train/rbm_state.h"
#include "../src/train/train_state.h"
#include "fuzz_common.h"

enum { N_ORDER = 5 };

typedef struct {
    cj_model model;
    cj_rule rule;
    cj_optim optim;
    cj_rng shuffle, diag;
    int order[N_ORDER];
    cj_divergence_watch watch;
    cj_curriculum curriculum;
    cj_train_parts parts, staged;  /* without and with curriculum stages */
} run;

/* Made once: every input is applied to the same run, as a resumed run
 * applies its file once to a freshly made one. */
static run *the_run(void)
{
    static run r;
    static int made;
    if (made) return &r;
    cj_error err;
    cj_rng rng;
    cj_rng_seed(&rng, 1);
    cj_rule_config rule = cj_rule_defaults(&cj_rule_kolen_pollack);
    cj_optim_config adam = cj_optim_defaults(CJ_OPTIM_ADAM);
    cj_objective loss = {.ops = &cj_cross_entropy_ops};
    if (cj_model_create_seq(&r.model, "rnn 4 noise=0.1, dense 2", (cj_shape){3, 1, 1}, 2, 4, &err) ||
        cj_rule_create(&r.rule, &rule, &r.model, &loss, &rng, &err) ||
        cj_optim_create(&r.optim, &adam, r.model.n_params, &err)) {
        fprintf(stderr, "fuzz_train_state: %s\n", err.msg);
        abort();
    }
    cj_model_init(&r.model, &rng);
    r.shuffle = cj_rng_split(&rng);
    r.diag = cj_rng_split(&rng);
    cj_divergence_init(&r.watch);
    r.parts = (cj_train_parts){&r.model, &r.rule, &r.optim, &r.shuffle, &r.diag, r.order, N_ORDER, &r.watch, NULL};
    r.curriculum.n_stages = 2;
    r.curriculum.tasks[0] = 1;
    r.curriculum.tasks[1] = 3;
    r.curriculum.max_epochs[0] = r.curriculum.max_epochs[1] = 1;
    r.staged = r.parts;
    r.staged.curriculum = &r.curriculum;
    made = 1;
    return &r;
}

static void check_usable(run *r, int epoch)
{
    const cj_curriculum *c = &r->curriculum;
    if (c->stage < 0 || c->stage > c->n_stages || c->since < 0 || c->since > epoch) abort();
    int seen[N_ORDER] = {0};
    for (int i = 0; i < N_ORDER; i++) {
        if (r->order[i] < 0 || r->order[i] >= N_ORDER || seen[r->order[i]]++) abort();
    }
    volatile float draws = cj_rng_normal(&r->shuffle) + cj_rng_normal(&r->diag) + cj_rng_normal(&r->rule.rng);
    cj_rng *noise = cj_layer_rng(&r->model.layers[0]);
    if (!noise) abort();
    draws += cj_rng_normal(noise);
    (void)draws;
    if (r->rule.kp_optim_ready) {
        if (r->rule.kp_optim.n != r->model.n_params || !r->rule.kp_optim.v) abort();
        volatile float sum = 0;
        for (size_t i = 0; i < r->rule.kp_optim.n; i++) sum += r->rule.kp_optim.m[i] + r->rule.kp_optim.v[i];
        (void)sum;
    }
}

typedef struct {
    cj_rbm rbm;
    cj_rbm_trainer t;
    cj_rng order_rng, gibbs_rng;
    int order[N_ORDER];
    cj_rbm_parts parts;
} rbm_run;

static rbm_run *the_rbm(void)
{
    static rbm_run r;
    static int made;
    if (made) return &r;
    cj_error err;
    if (cj_rbm_create(&r.rbm, 4, 3, &err) || cj_rbm_trainer_init(&r.t, &r.rbm, 2, CJ_RBM_PCD, 1, &err)) {
        fprintf(stderr, "fuzz_train_state: %s\n", err.msg);
        abort();
    }
    cj_rng_seed(&r.order_rng, 2);
    cj_rng_seed(&r.gibbs_rng, 3);
    for (int i = 0; i < N_ORDER; i++) r.order[i] = i;
    r.parts = (cj_rbm_parts){&r.t, &r.order_rng, &r.gibbs_rng, r.order, N_ORDER};
    made = 1;
    return &r;
}

static void check_rbm_usable(rbm_run *r)
{
    int seen[N_ORDER] = {0};
    for (int i = 0; i < N_ORDER; i++)
        if (r->order[i] < 0 || r->order[i] >= N_ORDER || seen[r->order[i]]++) abort();
    if (r->t.chain_started != 0 && r->t.chain_started != 1) abort();
    volatile float draws = cj_rng_normal(&r->order_rng) + cj_rng_normal(&r->gibbs_rng);
    (void)draws;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run *r = the_run();
    const char *path = fuzz_write("train_state.safetensors", data, size);
    cj_train_state ts;
    cj_error err;
    if (cj_train_state_read(path, &ts, &err) == CJ_OK) {
        if (ts.mark.epoch < 1 || ts.mark.step < 0 || !ts.mark.config) abort();
        if (cj_train_state_apply(&ts, &r->parts, &err) == CJ_OK) check_usable(r, ts.mark.epoch);
        if (cj_train_state_apply(&ts, &r->staged, &err) == CJ_OK) check_usable(r, ts.mark.epoch);
        rbm_run *b = the_rbm();
        if (cj_rbm_state_apply(&ts, &b->parts, &err) == CJ_OK) check_rbm_usable(b);
        cj_train_state_free(&ts);
    }
    return 0;
}
