/* test_prune.c — pruning masks and lottery tickets (prune.h, model.h's
 * masks, `cajal prune`):
 *  - magnitude selection on hand cases (layer-wise and global, ties,
 *    rounding, an existing mask) and against NumPy over four rounds of
 *    both scopes (tools/make_prune_refs.py);
 *  - masks saved and loaded (cajal's <name>_mask and PyTorch prune's
 *    <name>_orig + <name>_mask), and every malformed mask an error;
 *  - a masked model trained by every learning rule and by SGD with
 *    momentum, Adam and weight decay keeps its pruned weights at exactly
 *    +0.0 while the others move;
 *  - train.checkpoints' epoch_000 is the exact initialisation, and a
 *    ticket starts from exactly it times the mask;
 *  - prune rounds reproduce by seed, the controls depend on --seed only;
 *  - every error of `cajal prune` is one line naming what is wrong. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/model.h"
#include "cajal/model_file.h"
#include "cajal/npy.h"
#include "cajal/prune.h"
#include "cajal/rules.h"
#include "cajal/train.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"
#include "idx_fixture.h"

static const char *tdir;
static const char *cajal;

/* ---- magnitude selection ------------------------------------------------ */

static int mask_is(const float *mask, const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (mask[i] != want[i]) {
            printf("  mask[%zu] = %g, expected %g\n", i, mask[i], want[i]);
            return 0;
        }
    return 1;
}

TEST(smallest_magnitudes_go_first)
{
    float w[5] = {0.5f, -0.1f, 0.3f, -0.2f, 0.05f}, mask[5] = {1, 1, 1, 1, 1};
    cj_prune_part p = {w, mask, 5};
    size_t removed;
    cj_error err;
    CHECK(cj_prune_smallest(&p, 1, 0.4, &removed, &err) == CJ_OK && removed == 2);
    const float want[5] = {1, 0, 1, 1, 0}; /* |-0.1| and |0.05|: the sign does not count */
    CHECK(mask_is(mask, want, 5));
    /* Only kept weights count and are ranked: 3 kept, 0.4 of them -> 1. */
    CHECK(cj_prune_smallest(&p, 1, 0.4, &removed, &err) == CJ_OK && removed == 1);
    const float want2[5] = {1, 0, 1, 0, 0};
    CHECK(mask_is(mask, want2, 5));
}

TEST(rounding_of_the_count)
{
    /* round(rate * kept), halves up: 0.2 x 5 = 1, 0.2 x 3 = 0.6 -> 1,
     * 0.2 x 2 = 0.4 -> 0, 0.5 x 3 = 1.5 -> 2. */
    const struct {
        size_t n;
        double rate;
        size_t removed;
    } cases[] = {{5, 0.2, 1}, {3, 0.2, 1}, {2, 0.2, 0}, {3, 0.5, 2}, {4, 0.0, 0}, {4, 1.0, 4}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        float w[5] = {0.4f, 0.3f, 0.2f, 0.1f, 0.5f}, mask[5] = {1, 1, 1, 1, 1};
        cj_prune_part p = {w, mask, cases[c].n};
        size_t removed = 99;
        cj_error err;
        CHECK(cj_prune_smallest(&p, 1, cases[c].rate, &removed, &err) == CJ_OK);
        if (removed != cases[c].removed)
            test_fail("n %zu rate %g: removed %zu, expected %zu", cases[c].n, cases[c].rate, removed, cases[c].removed);
    }
}

TEST(ties_go_to_the_earlier_weight)
{
    float w[4] = {0.2f, -0.2f, 0.2f, 0.2f}, mask[4] = {1, 1, 1, 1};
    cj_prune_part p = {w, mask, 4};
    cj_error err;
    CHECK(cj_prune_smallest(&p, 1, 0.5, NULL, &err) == CJ_OK);
    const float want[4] = {0, 0, 1, 1};
    CHECK(mask_is(mask, want, 4));
    /* Across tensors: the earlier tensor's tie first. */
    float a[2] = {0.1f, 0.3f}, b[2] = {0.1f, 0.3f}, ma[2] = {1, 1}, mb[2] = {1, 1};
    cj_prune_part parts[2] = {{a, ma, 2}, {b, mb, 2}};
    CHECK(cj_prune_smallest(parts, 2, 0.25, NULL, &err) == CJ_OK);
    const float wa[2] = {0, 1}, wb[2] = {1, 1};
    CHECK(mask_is(ma, wa, 2) && mask_is(mb, wb, 2));
}

TEST(global_ranks_tensors_together_layer_wise_does_not)
{
    float a[4] = {1, 2, 3, 4}, b[4] = {0.1f, 0.2f, 0.3f, 0.4f};
    float ma[4] = {1, 1, 1, 1}, mb[4] = {1, 1, 1, 1};
    cj_prune_part parts[2] = {{a, ma, 4}, {b, mb, 4}};
    cj_error err;
    CHECK(cj_prune_smallest(parts, 2, 0.5, NULL, &err) == CJ_OK);
    const float all[4] = {1, 1, 1, 1}, none[4] = {0, 0, 0, 0}, half[4] = {0, 0, 1, 1};
    CHECK(mask_is(ma, all, 4) && mask_is(mb, none, 4));
    for (int i = 0; i < 4; i++) ma[i] = mb[i] = 1;
    CHECK(cj_prune_smallest(&parts[0], 1, 0.5, NULL, &err) == CJ_OK);
    CHECK(cj_prune_smallest(&parts[1], 1, 0.5, NULL, &err) == CJ_OK);
    CHECK(mask_is(ma, half, 4) && mask_is(mb, half, 4));
}

TEST(rate_outside_zero_one_is_an_error)
{
    float w[1] = {1}, mask[1] = {1};
    cj_prune_part p = {w, mask, 1};
    cj_error err;
    CHECK(cj_prune_smallest(&p, 1, 1.5, NULL, &err) == CJ_ERR_ARG && strstr(err.msg, "rate 1.5 is not in [0, 1]"));
    CHECK(cj_prune_smallest(&p, 1, NAN, NULL, &err) == CJ_ERR_ARG && mask[0] == 1);
}

static float *read_f32(const char *path, cj_npy_array *a)
{
    cj_error err;
    if (cj_npy_read(path, CJ_NPY_F32, a, &err)) {
        test_fail("%s", err.msg);
        return NULL;
    }
    return a->data;
}

/* Four rounds of both scopes against tools/make_prune_refs.py. */
TEST(rounds_match_numpy)
{
    cj_npy_array wa, sa, la, ga;
    cj_error err;
    const float *w = read_f32("tests/ref/prune/weights.npy", &wa);
    if (!w || cj_npy_read("tests/ref/prune/sizes.npy", CJ_NPY_I64, &sa, &err)) {
        test_fail("references missing");
        return;
    }
    const float *ref[2] = {read_f32("tests/ref/prune/masks_layer.npy", &la),
                           read_f32("tests/ref/prune/masks_global.npy", &ga)};
    const int64_t *sizes = sa.data;
    size_t total = (size_t)(sizes[0] + sizes[1] + sizes[2]);
    int rounds = (int)wa.shape[0];
    CHECK(rounds == 4 && ref[0] && ref[1] && wa.shape[1] == (int64_t)total);
    float *mask = malloc(sizeof(float) * total);
    for (int scope = 0; scope < 2 && ref[0] && ref[1]; scope++) {
        for (size_t i = 0; i < total; i++) mask[i] = 1;
        for (int r = 0; r < rounds; r++) {
            const float *wr = w + (size_t)r * total;
            cj_prune_part parts[3];
            size_t off = 0;
            for (int t = 0; t < 3; t++) {
                parts[t] = (cj_prune_part){wr + off, mask + off, (size_t)sizes[t]};
                off += (size_t)sizes[t];
            }
            CHECK(!cj_prune_smallest(&parts[2], 1, 0.1, NULL, &err));
            if (scope == 0) CHECK(!cj_prune_smallest(&parts[0], 1, 0.2, NULL, &err) && !cj_prune_smallest(&parts[1], 1, 0.2, NULL, &err));
            else CHECK(!cj_prune_smallest(parts, 2, 0.2, NULL, &err));
            if (memcmp(mask, ref[scope] + (size_t)r * total, sizeof(float) * total))
                test_fail("%s scope, round %d: mask differs from NumPy's", scope ? "global" : "layer", r + 1);
        }
    }
    free(mask);
    cj_npy_free(&wa);
    cj_npy_free(&sa);
    cj_npy_free(&la);
    cj_npy_free(&ga);
}

typedef struct {
    float mag;
    size_t pos;
} ranked;

static int by_mag_then_pos(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->mag != y->mag) return x->mag < y->mag ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The selection against a full sort, on many sizes, rates and tie patterns. */
TEST(selection_agrees_with_a_full_sort)
{
    cj_rng rng;
    cj_rng_seed(&rng, 21);
    float *w = malloc(sizeof(float) * 3000), *mask = malloc(sizeof(float) * 3000), *want = malloc(sizeof(float) * 3000);
    ranked *r = malloc(sizeof *r * 3000);
    int bad = 0;
    for (int trial = 0; trial < 300 && !bad; trial++) {
        size_t n = 1 + cj_rng_below(&rng, 3000);
        int levels = 1 + (int)cj_rng_below(&rng, trial % 3 ? 1000 : 4); /* few levels: many ties */
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            w[i] = (float)((int)cj_rng_below(&rng, (uint32_t)(2 * levels)) - levels);
            mask[i] = want[i] = cj_rng_uniform(&rng) < 0.8f;
            if (mask[i] != 0.0f) r[kept++] = (ranked){fabsf(w[i]), i};
        }
        double rate = cj_rng_uniform(&rng);
        qsort(r, kept, sizeof *r, by_mag_then_pos);
        size_t k = (size_t)floor(rate * (double)kept + 0.5);
        for (size_t j = 0; j < k; j++) want[r[j].pos] = 0.0f;
        /* Two parts ranked together, split at a random place. */
        size_t cut = cj_rng_below(&rng, (uint32_t)n + 1);
        cj_prune_part parts[2] = {{w, mask, cut}, {w + cut, mask + cut, n - cut}};
        cj_error err;
        size_t removed;
        CHECK(!cj_prune_smallest(parts, 2, rate, &removed, &err) && removed == k);
        if (memcmp(mask, want, sizeof(float) * n)) {
            test_fail("trial %d (n %zu, %d levels, rate %g): mask differs from the full sort's", trial, n, levels, rate);
            bad = 1;
        }
    }
    free(w), free(mask), free(want), free(r);
}

TEST(random_mask_keeps_the_count)
{
    enum { N = 1000 };
    float like[N], m1[N], m2[N], m3[N];
    for (int i = 0; i < N; i++) like[i] = i % 10 < 3; /* 300 kept, all in the first places of each ten */
    cj_rng a, b, c;
    cj_rng_seed(&a, 4);
    cj_rng_seed(&b, 4);
    cj_rng_seed(&c, 5);
    cj_error err;
    CHECK(!cj_prune_random_like(like, m1, N, &a, &err) && !cj_prune_random_like(like, m2, N, &b, &err) &&
          !cj_prune_random_like(like, m3, N, &c, &err));
    int kept = 0, same_as_like = 0;
    for (int i = 0; i < N; i++) {
        kept += m1[i] == 1.0f;
        same_as_like += m1[i] == like[i];
        CHECK(m1[i] == 0.0f || m1[i] == 1.0f);
    }
    CHECK(kept == 300);
    /* A uniform subset agrees with `like` at about 0.3^2 + 0.7^2 = 58% of places. */
    CHECK(same_as_like > 500 && same_as_like < 660);
    CHECK(!memcmp(m1, m2, sizeof m1) && memcmp(m1, m3, sizeof m1));
}

/* ---- masks in model files ------------------------------------------------ */

static const char SPEC[] = "flatten, dense 5, relu, dense 3";

static int small_model(cj_model *m, uint64_t seed)
{
    cj_error err;
    if (cj_model_create(m, SPEC, (cj_shape){1, 2, 2}, 4, &err)) {
        test_fail("%s", err.msg);
        return 0;
    }
    cj_rng rng;
    cj_rng_seed(&rng, seed);
    cj_model_init(m, &rng);
    return 1;
}

TEST(masks_survive_save_and_load)
{
    cj_model a, b;
    if (!small_model(&a, 1) || !small_model(&b, 2)) return;
    cj_error err;
    CHECK(!cj_model_mask_enable(&a, &err));
    float *w1 = cj_model_find_param(&a, "1.weight", NULL);
    size_t off = (size_t)(w1 - a.params);
    for (int i = 0; i < 20; i += 3) a.mask[off + i] = 0;
    cj_model_mask_params(&a);
    for (int i = 0; i < 20; i++) CHECK((i % 3 == 0) == (w1[i] == 0.0f));
    char *path = cj_path_join(tdir, "masked.safetensors");
    CHECK(!cj_model_save(&a, path, &err));
    cj_safetensors f;
    CHECK(!cj_safetensors_read(path, &f, &err));
    /* Only the pruned tensor has a mask, under PyTorch prune's name. */
    CHECK(cj_safetensors_get(&f, "1.weight_mask") && !cj_safetensors_get(&f, "1.bias_mask") &&
          !cj_safetensors_get(&f, "3.weight_mask") && f.n == 5);
    cj_safetensors_free(&f);
    CHECK(!b.mask && !cj_model_load(&b, path, &err));
    CHECK(b.mask && !memcmp(a.mask, b.mask, sizeof(float) * a.n_params) &&
          !memcmp(a.params, b.params, sizeof(float) * a.n_params));
    /* A file without masks makes the model dense again. */
    cj_model_mask_clear(&a);
    CHECK(!cj_model_save(&a, path, &err) && !cj_model_load(&b, path, &err) && !b.mask);
    free(path);
    cj_model_free(&a);
    cj_model_free(&b);
}

/* A file of the small model's tensors, "1.weight" renamed or joined by
 * extra tensors as `names` says. */
static char *write_variant(const char *file, const char *const *names, const cj_tensor *tensors, int n)
{
    char *path = cj_path_join(tdir, file);
    cj_error err;
    if (cj_safetensors_write(path, n, names, tensors, 0, NULL, &err)) test_fail("%s", err.msg);
    return path;
}

TEST(pytorch_prune_state_dict_loads)
{
    cj_model m;
    if (!small_model(&m, 3)) return;
    float orig[20], mask[20], b1[5] = {0}, w3[15], b3[3] = {0};
    for (int i = 0; i < 20; i++) {
        orig[i] = (float)(i + 1);
        mask[i] = i < 10;
    }
    for (int i = 0; i < 15; i++) w3[i] = 0.5f;
    cj_tensor t[5] = {{.data = orig, .ndim = 2, .shape = {5, 4}}, {.data = mask, .ndim = 2, .shape = {5, 4}},
                      {.data = b1, .ndim = 1, .shape = {5}}, {.data = w3, .ndim = 2, .shape = {3, 5}},
                      {.data = b3, .ndim = 1, .shape = {3}}};
    const char *names[5] = {"1.weight_orig", "1.weight_mask", "1.bias", "3.weight", "3.bias"};
    char *path = write_variant("torch.safetensors", names, t, 5);
    cj_error err;
    CHECK(!cj_model_load(&m, path, &err));
    const float *w = cj_model_find_param(&m, "1.weight", NULL);
    for (int i = 0; i < 20; i++) CHECK(w[i] == (i < 10 ? (float)(i + 1) : 0.0f));
    CHECK(m.mask && cj_model_mask_kept(&m, &m.layers[1].params[0]) == 10);
    free(path);

    /* Malformed masks: each an error naming the tensor, the model untouched. */
    float half[20];
    memcpy(half, mask, sizeof half);
    half[7] = 0.5f;
    cj_tensor bad_value[5] = {t[0], t[1], t[2], t[3], t[4]};
    bad_value[1].data = half;
    cj_tensor bad_shape[5] = {t[0], t[1], t[2], t[3], t[4]};
    bad_shape[1].shape[0] = 4, bad_shape[1].shape[1] = 5;
    const char *both[6] = {"1.weight_orig", "1.weight_mask", "1.bias", "3.weight", "3.bias", "1.weight"};
    cj_tensor t6[6] = {t[0], t[1], t[2], t[3], t[4], t[0]};
    const char *no_mask[5] = {"1.weight_orig", "3.weight_mask", "1.bias", "3.weight", "3.bias"};
    cj_tensor tn[5] = {t[0], t[3], t[2], t[3], t[4]};
    const struct {
        const char *file;
        const char *const *names;
        const cj_tensor *t;
        int n;
        const char *msg;
    } bad[] = {
        {"value.safetensors", names, bad_value, 5, "tensor '1.weight_mask' holds 0.5 at index 7 (a mask holds 0 or 1)"},
        {"shape.safetensors", names, bad_shape, 5, "tensor '1.weight_mask' has shape [4, 5] in the file but '1.weight' is [5, 4]"},
        {"both.safetensors", both, t6, 6, "both '1.weight' and '1.weight_orig' are in the file"},
        {"orig.safetensors", no_mask, tn, 5, "tensor '1.weight_orig' has no '1.weight_mask' beside it"},
    };
    float before[64];
    memcpy(before, m.params, sizeof(float) * m.n_params);
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        char *p = write_variant(bad[c].file, bad[c].names, bad[c].t, bad[c].n);
        cj_status st = cj_model_load(&m, p, &err);
        if (st == CJ_OK || !strstr(err.msg, bad[c].msg) || !strstr(err.msg, p))
            test_fail("%s: status %d, message '%s'", bad[c].file, st, st ? err.msg : "");
        CHECK(!memcmp(before, m.params, sizeof(float) * m.n_params));
        free(p);
    }
    cj_model_free(&m);
}

/* ---- training keeps pruned weights at 0 -------------------------------- */

/* The toy IDX set: 200 training images of 6x6 (two classes), 100 test. */
static const char *const TOY[] = {"data.train_images=train-images.gz", "data.train_labels=train-labels.gz",
                                  "data.test_images=test-images.gz", "data.test_labels=test-labels.gz",
                                  "model.layers=flatten, dense 8, relu, dense 6, relu, dense 2", "train.epochs=2",
                                  "train.batch=16", "train.diag_batch=32", "optim.lr=0.05", NULL};
/* A rate RNN on a task, for the recurrent rules (rflo, hebbian). */
static const char *const TASK[] = {"data.format=task", "data.task=perceptualdm dt=100", "data.train_trials=64",
                                   "data.test_trials=32", "model.layers=rnn 8 tau=200 dt=100, dense 3",
                                   "train.epochs=2", "train.batch=16", "train.diag_batch=16", "train.diag_draws=3",
                                   NULL};

static int experiment(cj_experiment *e, const char *const *base, const char *const *sets, int n_sets)
{
    cj_error err = {0};
    cj_experiment_defaults(e);
    char *d = cj_path_printf("data.dir=%s", tdir);
    int ok = !cj_experiment_set(e, d, &err);
    for (int i = 0; ok && base[i]; i++) ok = !cj_experiment_set(e, base[i], &err);
    for (int i = 0; ok && i < n_sets; i++) ok = !sets[i] || !cj_experiment_set(e, sets[i], &err);
    ok = ok && !cj_experiment_finish(e, &err);
    free(d);
    if (!ok) test_fail("experiment: %s", err.msg);
    return ok;
}

static int train(const cj_experiment *e, const char *dir)
{
    cj_error err = {0};
    cj_train_options opt = {CJ_TRAIN_FORCE};
    if (cj_train(e, dir, &opt, NULL, &err)) {
        test_fail("train %s: %s", dir, err.msg);
        return 0;
    }
    return 1;
}

/* Train `rule` with `optim` from a start whose weights are half pruned:
 * every pruned weight is +0.0 after training, in memory and in the file's
 * mask, and most kept ones have moved. */
static void masked_training(const char *rule, const char *const *optim, int recurrent)
{
    const char *const *base = recurrent ? TASK : TOY;
    char rule_set[64];
    snprintf(rule_set, sizeof rule_set, "rule.name=%s", rule);
    const char *sets[5] = {rule_set, optim[0], optim[1], optim[2], recurrent ? "rule.perturb_rate=0.1" : NULL};
    if (strcmp(rule, "hebbian")) sets[4] = NULL;
    cj_experiment e;
    if (!experiment(&e, base, sets, 5)) return;
    char *dense = cj_path_printf("%s/dense_%s", tdir, rule), *pruned = cj_path_printf("%s/pruned_%s", tdir, rule);
    cj_model m;
    cj_error err = {0};
    if (!train(&e, dense)) goto out;
    char *model_path = cj_path_join(dense, "model.safetensors");
    cj_model_info info;
    cj_status st = cj_model_from_file_seq(model_path, 1, 1, &m, &info, &err);
    free(model_path);
    if (st) {
        test_fail("%s", err.msg);
        goto out;
    }
    /* Prune every other weight of every weight tensor (biases kept). */
    cj_model_mask_enable(&m, &err);
    for (int i = 0; i < m.n_layers; i++)
        for (int k = 0; k < m.layers[i].n_params; k++) {
            const cj_param *p = &m.layers[i].params[k];
            if (p->role == CJ_PARAM_WEIGHT || p->role == CJ_PARAM_RECURRENT)
                for (size_t j = 0; j < p->n; j += 2) m.mask[cj_model_param_offset(&m, p) + j] = 0;
        }
    cj_model_mask_params(&m);
    char *init = cj_path_join(tdir, "masked_init.safetensors");
    CHECK(!cj_model_save_info(&m, &info, init, &err));
    snprintf(e.init, sizeof e.init, "%s", init);
    free(init);
    float *start = malloc(sizeof(float) * m.n_params), *mask = malloc(sizeof(float) * m.n_params);
    memcpy(start, m.params, sizeof(float) * m.n_params);
    memcpy(mask, m.mask, sizeof(float) * m.n_params);
    /* The file as written, not as loading it would mask it again. */
    char *trained = cj_path_join(pruned, "model.safetensors");
    cj_safetensors f;
    if (train(&e, pruned) && !cj_safetensors_read(trained, &f, &err) && !cj_model_set_params(&m, &f, trained, &err)) {
        size_t pruned_nonzero = 0, kept = 0, moved = 0;
        for (int i = 0; i < m.n_layers; i++)
            for (int k = 0; k < m.layers[i].n_params; k++) {
                const cj_param *p = &m.layers[i].params[k];
                char name[64];
                snprintf(name, sizeof name, "%d.%s", i, p->name);
                const cj_tensor *t = cj_safetensors_get(&f, name);
                size_t off = cj_model_param_offset(&m, p);
                for (size_t j = 0; t && j < p->n; j++) {
                    float v = t->data[j];
                    if (mask[off + j] == 0.0f) pruned_nonzero += v != 0.0f || signbit(v);
                    else kept++, moved += v != start[off + j];
                }
            }
        if (pruned_nonzero) test_fail("%s, %s: %zu pruned weights are not +0.0", rule, optim[0], pruned_nonzero);
        if (!m.mask || memcmp(mask, m.mask, sizeof(float) * m.n_params))
            test_fail("%s, %s: the saved mask differs from the start's", rule, optim[0]);
        /* Hebbian learning changes the recurrent weights only: the rest of the kept ones stay. */
        if (moved < kept / (strcmp(rule, "hebbian") ? 2 : 10))
            test_fail("%s, %s: only %zu of %zu kept parameters moved", rule, optim[0], moved, kept);
        cj_safetensors_free(&f);
    } else {
        test_fail("%s, %s: %s", rule, optim[0], err.msg);
    }
    free(trained);
    free(start);
    free(mask);
    cj_model_free(&m);
out:
    free(dense);
    free(pruned);
}

TEST(every_rule_and_optimiser_keeps_pruned_weights_at_zero)
{
    static const char *const SGD[3] = {"optim.name=sgd", "optim.momentum=0.9", "optim.weight_decay=0.01"};
    static const char *const ADAM[3] = {"optim.name=adam", "optim.weight_decay=0.01", "optim.lr=0.01"};
    int n;
    const cj_rule_ops *const *all = cj_rule_registry(&n);
    for (int k = 0; k < n; k++) {
        int recurrent = all[k] == &cj_rule_rflo || all[k] == &cj_rule_hebbian;
        masked_training(all[k]->name, SGD, recurrent);
        masked_training(all[k]->name, ADAM, recurrent);
    }
}

/* ---- rewinding and rounds ---------------------------------------------- */

static char *base_run; /* the toy run trained with checkpoints, for the prune tests */

static int same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *x = fixture_read(a, &la), *y = fixture_read(b, &lb);
    int same = x && y && la == lb && !memcmp(x, y, la);
    if (!same) printf("  %s and %s differ\n", a, b);
    free(x);
    free(y);
    return same;
}

TEST(epoch_000_is_the_exact_initialisation)
{
    static const char *const sets[1] = {"train.checkpoints=true"};
    cj_experiment e;
    base_run = cj_path_join(tdir, "base");
    if (!experiment(&e, TOY, sets, 1) || !train(&e, base_run)) return;
    /* The same experiment from epoch_000 as model.init trains to the same
     * model bit for bit: epoch_000 held exactly the initial weights. */
    char *init = cj_path_printf("%s/checkpoints/epoch_000/model.safetensors", base_run);
    char *again = cj_path_join(tdir, "from_epoch_000");
    cj_model_info info;
    cj_error err;
    CHECK(!cj_model_file_info(init, &info, &err) && info.epoch == 0 && info.step == 0);
    e.checkpoints = 0;
    snprintf(e.init, sizeof e.init, "%s", init);
    if (train(&e, again)) {
        char *a = cj_path_join(base_run, "model.safetensors"), *b = cj_path_join(again, "model.safetensors");
        CHECK(same_file(a, b));
        free(a);
        free(b);
    }
    free(init);
    free(again);
}

static int prune_cli(const char *out_dir, const char *extra, char *output, size_t len)
{
    return run_cajalf(cajal, output, len, "prune %s --out %s --rounds 2 --quiet %s", base_run, out_dir, extra);
}

/* rounds.csv without its seconds column (allocated). */
static char *rounds_sans_seconds(const char *dir)
{
    char *path = cj_path_join(dir, "rounds.csv");
    char *text = fixture_read(path, NULL);
    free(path);
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n'), *comma = end;
        while (comma > line && *comma != ',') comma--;
        memmove(comma, end, strlen(end) + 1);
        line = comma + 1;
    }
    return text;
}

TEST(a_ticket_starts_from_the_rewound_weights)
{
    if (!base_run) return;
    char out[4096];
    char *dir = cj_path_join(tdir, "lottery");
    CHECK(prune_cli(dir, "--random-mask", out, sizeof out) == 0);
    cj_model w0, ticket, control, random, trained;
    cj_model_info info;
    cj_error err;
    char *p0 = cj_path_printf("%s/checkpoints/epoch_000/model.safetensors", base_run);
    char *pt = cj_path_printf("%s/round_01/ticket/init.safetensors", dir);
    char *pc = cj_path_printf("%s/round_01/control/init.safetensors", dir);
    char *pr = cj_path_printf("%s/round_01/random/init.safetensors", dir);
    char *pm = cj_path_join(base_run, "model.safetensors");
    if (cj_model_from_file(p0, 1, &w0, &info, &err) || cj_model_from_file(pt, 1, &ticket, &info, &err) ||
        cj_model_from_file(pc, 1, &control, &info, &err) || cj_model_from_file(pr, 1, &random, &info, &err) ||
        cj_model_from_file(pm, 1, &trained, &info, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    CHECK(ticket.mask && control.mask && random.mask && !w0.mask);
    CHECK(!memcmp(ticket.mask, control.mask, sizeof(float) * w0.n_params));
    size_t same_control = 0, kept = 0;
    for (size_t i = 0; i < w0.n_params; i++) {
        /* The ticket: W0 times the mask, exactly. */
        float want = ticket.mask[i] != 0.0f ? w0.params[i] : 0.0f;
        if (memcmp(&ticket.params[i], &want, sizeof want)) {
            test_fail("ticket start [%zu] = %g, expected %g", i, ticket.params[i], want);
            break;
        }
        if (ticket.mask[i] != 0.0f) kept++, same_control += control.params[i] == w0.params[i];
    }
    CHECK(kept > 0 && same_control == 0);
    /* The mask of round 1 removed the smallest trained weights: every
     * pruned weight of a tensor is no larger than every kept one. */
    for (int l = 0; l < trained.n_layers; l++)
        for (int k = 0; k < trained.layers[l].n_params; k++) {
            const cj_param *p = &trained.layers[l].params[k];
            size_t off = cj_model_param_offset(&trained, p), left = cj_model_mask_kept(&ticket, &ticket.layers[l].params[k]);
            if (p->role == CJ_PARAM_BIAS) {
                CHECK(left == p->n);
                continue;
            }
            float max_pruned = 0, min_kept = INFINITY;
            for (size_t j = 0; j < p->n; j++) {
                float a = fabsf(p->data[j]);
                if (ticket.mask[off + j] != 0.0f) min_kept = fminf(min_kept, a);
                else max_pruned = fmaxf(max_pruned, a);
            }
            CHECK(max_pruned <= min_kept);
            /* 20% of the hidden layers, 10% of the output layer (5 x 2... */
            size_t want = l == 5 ? p->n - (size_t)floor(0.1 * p->n + 0.5) : p->n - (size_t)floor(0.2 * p->n + 0.5);
            if (left != want) test_fail("%d.%s: %zu kept, expected %zu", l, p->name, left, want);
            /* The random mask: the same count per tensor, another choice. */
            CHECK(cj_model_mask_kept(&random, &random.layers[l].params[k]) == left);
        }
    CHECK(memcmp(ticket.mask, random.mask, sizeof(float) * w0.n_params));
    char *png = cj_path_join(dir, "lottery.png");
    size_t n = 0;
    char *bytes = fixture_read(png, &n);
    CHECK(bytes && n > 8 && !memcmp(bytes, "\x89PNG", 4));
    free(bytes);
    free(png);
    char *csv = rounds_sans_seconds(dir);
    CHECK(csv && !strncmp(csv, "round,remaining,remaining_1.weight,remaining_3.weight,remaining_5.weight,ticket_acc,"
                               "control_acc,random_acc\n0,1,1,1,1,", 100));
    CHECK(csv && count_lines(csv) == 4);
    free(csv);
    cj_model_free(&w0);
    cj_model_free(&ticket);
    cj_model_free(&control);
    cj_model_free(&random);
    cj_model_free(&trained);
    free(p0), free(pt), free(pc), free(pr), free(pm), free(dir);
}

/* --rewind 1: the survivors restart from the weights after epoch 1. */
TEST(late_rewinding_starts_from_that_epoch)
{
    if (!base_run) return;
    char out[4096];
    char *dir = cj_path_join(tdir, "rewind1");
    CHECK(run_cajalf(cajal, out, sizeof out, "prune %s --out %s --rounds 1 --rewind 1 --quiet", base_run, dir) == 0);
    char *p1 = cj_path_printf("%s/checkpoints/epoch_001/model.safetensors", base_run);
    char *pt = cj_path_printf("%s/round_01/ticket/init.safetensors", dir);
    cj_model w1, ticket;
    cj_model_info info;
    cj_error err;
    if (cj_model_from_file(p1, 1, &w1, &info, &err) || cj_model_from_file(pt, 1, &ticket, &info, &err)) {
        test_fail("%s", err.msg);
    } else {
        CHECK(info.epoch == 1 && ticket.mask);
        size_t wrong = 0, kept = 0;
        for (size_t i = 0; i < w1.n_params; i++) {
            float want = ticket.mask[i] != 0.0f ? w1.params[i] : 0.0f;
            wrong += memcmp(&want, &ticket.params[i], sizeof want) != 0;
            kept += ticket.mask[i] != 0.0f;
        }
        CHECK(wrong == 0 && kept > 0 && kept < w1.n_params);
        cj_model_free(&w1);
        cj_model_free(&ticket);
    }
    free(p1), free(pt), free(dir);
}

TEST(rounds_reproduce_by_seed)
{
    if (!base_run) return;
    char out[4096];
    char *a = cj_path_join(tdir, "rep_a"), *b = cj_path_join(tdir, "rep_b"), *c = cj_path_join(tdir, "rep_c");
    CHECK(prune_cli(a, "--scope global", out, sizeof out) == 0);
    CHECK(prune_cli(b, "--scope global", out, sizeof out) == 0);
    CHECK(prune_cli(c, "--scope global --seed 7", out, sizeof out) == 0);
    char *ta = rounds_sans_seconds(a), *tb = rounds_sans_seconds(b);
    CHECK(ta && tb && !strcmp(ta, tb));
    const char *files[] = {"round_02/ticket/model.safetensors", "round_02/control/model.safetensors",
                           "round_02/control/init.safetensors"};
    for (int i = 0; i < 3; i++) {
        char *fa = cj_path_join(a, files[i]), *fb = cj_path_join(b, files[i]), *fc = cj_path_join(c, files[i]);
        CHECK(same_file(fa, fb));
        /* --seed moves the controls only. */
        size_t la = 0, lc = 0;
        char *x = fixture_read(fa, &la), *y = fixture_read(fc, &lc);
        int same = x && y && la == lc && !memcmp(x, y, la);
        CHECK(i == 0 ? same : !same);
        free(x), free(y), free(fa), free(fb), free(fc);
    }
    free(ta), free(tb), free(a), free(b), free(c);
}

TEST(errors_are_one_line)
{
    if (!base_run) return;
    char out[4096];
    char *dir = cj_path_join(tdir, "err"), *nocheck = cj_path_join(tdir, "nocheck");
    /* A run without checkpoints, and one folder with no run at all. */
    cj_experiment e;
    if (experiment(&e, TOY, NULL, 0)) train(&e, nocheck);
    const struct {
        const char *args;
        int rc;
        const char *msg;
    } cases[] = {
        {"prune /nonexistent --out X", 1, "/nonexistent: not a training run (no config.ini"},
        {"prune BASE --out DIR --rewind 3", 1, "--rewind 3: "},
        {"prune NOCHECK --out DIR", 1, "checkpoints/epoch_000/model.safetensors: No such file or directory; --rewind 0 "
                                       "needs the run's weights after epoch 0: train it with train.checkpoints = true"},
        {"prune BASE --out DIR --rate 1.5", 2, "--rate '1.5' is not a number above 0 and below 1"},
        {"prune BASE --out DIR --rate 0", 2, "--rate '0' is not a number above 0 and below 1"},
        {"prune BASE --out DIR --output-rate -0.1", 2, "--output-rate '-0.1' is not a number from 0 and below 1"},
        {"prune BASE --out DIR --rounds 0", 2, "--rounds '0' is not a whole number from 1 to 100"},
        {"prune BASE --out DIR --rewind -1", 2, "--rewind '-1' is not a whole number from 0"},
        {"prune BASE --out DIR --scope all", 2, "--scope 'all' is not layer or global"},
        {"prune BASE --out DIR --seed x", 2, "--seed 'x' is not a whole number >= 0"},
        {"prune BASE --out DIR --rounds", 2, "option '--rounds' needs a value"},
        {"prune BASE --out DIR --frobnicate", 2, "unknown option '--frobnicate'"},
        {"prune BASE BASE --out DIR", 2, "unexpected argument"},
        {"prune BASE", 2, "--out DIR is needed"},
        {"prune --out DIR", 2, "no run folder given"},
        {"prune BASE --out LOTTERY", 1, "holds a prune run already (rounds.csv); replace it with --force"},
    };
    char *lottery = cj_path_join(tdir, "lottery");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char args[1024], *p = args;
        for (const char *s = cases[c].args; *s;) {
            const char *sub = !strncmp(s, "BASE", 4) ? base_run : !strncmp(s, "NOCHECK", 7) ? nocheck
                            : !strncmp(s, "DIR", 3) ? dir : !strncmp(s, "LOTTERY", 7) ? lottery : NULL;
            if (sub) {
                p += sprintf(p, "%s", sub);
                s += !strncmp(s, "BASE", 4) ? 4 : !strncmp(s, "DIR", 3) ? 3 : 7;
            } else {
                *p++ = *s++;
            }
        }
        *p = '\0';
        int rc = run_cajal(cajal, args, out, sizeof out);
        int lines = cases[c].rc == 2 && (strstr(out, "is needed") || strstr(out, "no run folder")) ? -1 : 1;
        if (rc != cases[c].rc || !strstr(out, cases[c].msg) || (lines == 1 && count_lines(out) != 1))
            test_fail("'%s': exit %d, output: %s", cases[c].args, rc, out);
    }
    free(lottery);
    free(dir);
    free(nocheck);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    tdir = fixture_dir("prune");
    if (write_toy_set(tdir, "train", 200, 6, 6, 1) || write_toy_set(tdir, "test", 100, 6, 6, 2)) return 1;
    RUN(smallest_magnitudes_go_first);
    RUN(rounding_of_the_count);
    RUN(ties_go_to_the_earlier_weight);
    RUN(global_ranks_tensors_together_layer_wise_does_not);
    RUN(rate_outside_zero_one_is_an_error);
    RUN(rounds_match_numpy);
    RUN(selection_agrees_with_a_full_sort);
    RUN(random_mask_keeps_the_count);
    RUN(masks_survive_save_and_load);
    RUN(pytorch_prune_state_dict_loads);
    RUN(every_rule_and_optimiser_keeps_pruned_weights_at_zero);
    RUN(epoch_000_is_the_exact_initialisation);
    RUN(a_ticket_starts_from_the_rewound_weights);
    RUN(late_rewinding_starts_from_that_epoch);
    RUN(rounds_reproduce_by_seed);
    RUN(errors_are_one_line);
    free(base_run);
    return test_summary("prune");
}
