/* test_prune.c — lottery tickets (prune.h, `cajal prune`); the masks
 * themselves are tested in test_mask.c:
 *  - magnitude selection on hand cases (layer-wise and global, ties,
 *    rounding, an existing mask), against a full sort on random cases, and
 *    against NumPy over four rounds of both scopes
 *    (tools/make_prune_refs.py); the random mask's count and seed;
 *  - train.checkpoints' epoch_000 is the exact initialisation, and a
 *    ticket starts from exactly it (or from epoch 1 with --rewind 1) times
 *    the mask, the controls from other values or another mask;
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
#include "cajal/train.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"
#include "idx_fixture.h"
#include "toy_experiment.h"

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
    if (!toy_experiment(&e, tdir, TOY, sets, 1) || !toy_train(&e, base_run)) return;
    /* The same experiment from epoch_000 as model.init trains to the same
     * model bit for bit: epoch_000 held exactly the initial weights. */
    char *init = cj_path_printf("%s/checkpoints/epoch_000/model.safetensors", base_run);
    char *again = cj_path_join(tdir, "from_epoch_000");
    cj_model_info info;
    cj_error err;
    CHECK(!cj_model_file_info(init, &info, &err) && info.epoch == 0 && info.step == 0);
    e.checkpoints = 0;
    snprintf(e.init, sizeof e.init, "%s", init);
    if (toy_train(&e, again)) {
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
    if (toy_experiment(&e, tdir, TOY, NULL, 0)) toy_train(&e, nocheck);
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
    RUN(epoch_000_is_the_exact_initialisation);
    RUN(a_ticket_starts_from_the_rewound_weights);
    RUN(late_rewinding_starts_from_that_epoch);
    RUN(rounds_reproduce_by_seed);
    RUN(errors_are_one_line);
    free(base_run);
    return test_summary("prune");
}
