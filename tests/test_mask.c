/* test_mask.c — pruning masks in the core (model.h, io.h; prune.h makes
 * them):
 *  - masks saved and loaded: cajal's "<name>_mask" beside each pruned
 *    tensor, PyTorch prune's "<name>_orig" + "<name>_mask", and every
 *    malformed mask an error that leaves the model as it was;
 *  - a masked model trained by every learning rule, with SGD (momentum,
 *    weight decay) and with Adam (weight decay), keeps its pruned weights
 *    at exactly +0.0 in the file it writes, while the kept ones move. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/model.h"
#include "cajal/model_file.h"
#include "cajal/rules.h"
#include "cajal/train.h"
#include "fixtures.h"
#include "harness.h"
#include "idx_fixture.h"
#include "toy_experiment.h"

static const char *tdir;

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

static void masked_training(const char *rule, const char *const *optim, int recurrent)
{
    const char *const *base = recurrent ? TASK : TOY;
    char rule_set[64];
    snprintf(rule_set, sizeof rule_set, "rule.name=%s", rule);
    const char *sets[5] = {rule_set, optim[0], optim[1], optim[2], recurrent ? "rule.perturb_rate=0.1" : NULL};
    if (strcmp(rule, "hebbian")) sets[4] = NULL;
    cj_experiment e;
    if (!toy_experiment(&e, tdir, base, sets, 5)) return;
    char *dense = cj_path_printf("%s/dense_%s", tdir, rule), *pruned = cj_path_printf("%s/pruned_%s", tdir, rule);
    cj_model m;
    cj_error err = {0};
    if (!toy_train(&e, dense)) goto out;
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
    if (toy_train(&e, pruned) && !cj_safetensors_read(trained, &f, &err) && !cj_model_set_params(&m, &f, trained, &err)) {
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

int main(void)
{
    tdir = fixture_dir("mask");
    if (write_toy_set(tdir, "train", 200, 6, 6, 1) || write_toy_set(tdir, "test", 100, 6, 6, 2)) return 1;
    RUN(masks_survive_save_and_load);
    RUN(pytorch_prune_state_dict_loads);
    RUN(every_rule_and_optimiser_keeps_pruned_weights_at_zero);
    return test_summary("mask");
}
