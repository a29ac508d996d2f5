/* test_eval.c — self-contained model files (issue 8): the metadata cajal
 * train writes, rebuilding and evaluating a model from it alone (library
 * and `cajal eval`), which must reproduce the trainer's own test numbers,
 * and the one-line errors for files that lack or garble it. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/model_file.h"
#include "cajal/train.h"
#include "cli_runner.h"
#include "cajal/npy.h"
#include "cajal/objectives.h"
#include "harness.h"
#include "idx_fixture.h"

/* cj_model_file_evaluate on an IDX image/label pair. */
static cj_status evaluate_idx(const char *model, const char *images, const char *labels, int batch, cj_model_info *info,
                              cj_eval_result *r, cj_error *err)
{
    cj_data_files f = {.inputs = images, .labels = labels};
    return cj_model_file_evaluate(model, &f, batch, info, r, err);
}

static char dir[] = "/tmp/cajal-test-eval-XXXXXX";
static const char *cajal;
static char output[8192];
static char *model_path, *test_images, *test_labels;
static cj_epoch_report last;  /* the trainer's last epoch (json pointer dropped) */

static int run(const char *args) { return run_cajal(cajal, args, output, sizeof output); }

static char *in_dir(const char *name) { return cj_path_join(dir, name); }

static void keep_last(const cj_epoch_report *r, void *user)
{
    last = *r;
    last.diag = NULL;
    last.json = NULL;
}

/* A toy run standardised with the training set's statistics: evaluating
 * it with any other scaling gives other numbers. 3 epochs of 13 steps. */
static int train_toy(void)
{
    cj_experiment e;
    cj_error err = {0};
    cj_experiment_defaults(&e);
    char *set = cj_path_printf("data.dir=%s", dir);
    const char *sets[] = {set, "data.train_images=train-images.gz", "data.train_labels=train-labels.gz",
                          "data.test_images=test-images.gz", "data.test_labels=test-labels.gz",
                          "data.scale=standard", "model.layers=flatten, dense 8, relu, dense 2",
                          "train.epochs=3", "train.batch=16", "train.diag_batch=32", "train.seed=7",
                          "optim.lr=0.05"};
    cj_status st = CJ_OK;
    for (size_t i = 0; !st && i < sizeof sets / sizeof sets[0]; i++) st = cj_experiment_set(&e, sets[i], &err);
    free(set);
    if (!st) st = cj_experiment_finish(&e, &err);
    char *run_dir = in_dir("run");
    cj_train_callbacks cb = {NULL, keep_last, NULL, NULL, NULL, NULL};
    if (!st) st = cj_train(&e, run_dir, NULL, &cb, &err);
    if (st) printf("  training failed: %s\n", err.msg);
    model_path = cj_path_join(run_dir, "model.safetensors");
    free(run_dir);
    return st;
}

static double rel_diff(double a, double b) { return fabs(a - b) / (fabs(b) > 1 ? fabs(b) : 1); }

/* The last metrics.jsonl line's value of key. */
static double last_metric(const char *key)
{
    char *path = in_dir("run/metrics.jsonl"), *text = NULL;
    size_t len;
    cj_error err;
    double v = NAN;
    if (!cj_text_read(path, 1 << 20, &text, &len, &err)) {
        char *line = text;
        for (char *nl; (nl = strchr(line, '\n')) && nl[1];) line = nl + 1;
        cJSON *j = cJSON_Parse(line);
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(j, key);
        if (cJSON_IsNumber(item)) v = item->valuedouble;
        cJSON_Delete(j);
    }
    free(text);
    free(path);
    return v;
}

TEST(metadata_describes_the_run)
{
    cj_safetensors st;
    cj_error err = {0};
    CHECK(cj_safetensors_read(model_path, &st, &err) == CJ_OK);
    cj_model_info info;
    CHECK(cj_model_info_read(&st, model_path, &info, &err) == CJ_OK);
    CHECK(!strcmp(cj_safetensors_meta(&st, "format"), "cajal"));
    CHECK(!strcmp(info.version, CJ_VERSION));
    CHECK(!strcmp(info.layers, "flatten, dense 8, relu, dense 2"));
    CHECK(!strcmp(cj_safetensors_meta(&st, "input_shape"), "1,6,6"));
    CHECK(info.input.c == 1 && info.input.h == 6 && info.input.w == 6);
    CHECK(info.classes == 2 && info.loss == &cj_cross_entropy_ops && info.rule == &cj_rule_bp);
    CHECK(info.scale == CJ_SCALE_STANDARD);
    CHECK(info.epoch == 3 && info.step == 39 && info.seed == 7);
    /* The training set's statistics, exactly (the %.9g text reads back to
     * the same float). */
    cj_dataset train;
    char *ti = in_dir("train-images.gz"), *tl = in_dir("train-labels.gz");
    CHECK(cj_idx_load(ti, tl, &train, &err) == CJ_OK);
    float mean, sd;
    cj_dataset_stats(&train, &mean, &sd);
    CHECK(info.scale_mean == mean && info.scale_std == sd);
    CHECK(mean > 0.1f && sd > 0.1f);
    cj_dataset_free(&train);
    free(ti);
    free(tl);
    /* The epoch agrees with the last metrics line. */
    CHECK(last_metric("epoch") == info.epoch && last_metric("step") == info.step);
    cj_safetensors_free(&st);
}

/* Same data, same scaling, same chunking (the trainer evaluates in chunks
 * of max(batch, diag_batch) = 32): the trainer's numbers. */
TEST(library_evaluation_matches_the_trainer)
{
    cj_model_info info;
    cj_eval_result r;
    cj_error err = {0};
    cj_status st = evaluate_idx(model_path, test_images, test_labels, 32, &info, &r, &err);
    CHECK(st == CJ_OK);
    if (st) printf("  %s\n", err.msg);
    CHECK(r.samples == 100);
    CHECK_NEAR(r.loss, last.test_loss, 1e-12);
    CHECK_NEAR(r.accuracy, last.test_acc, 1e-12);
    CHECK(rel_diff(r.loss, last_metric("test_loss")) < 1e-5);
    CHECK(rel_diff(r.accuracy, last_metric("test_acc")) < 1e-5);
    CHECK(last.test_acc > 0.9);
    /* Another batch size changes only the rounding. */
    cj_eval_result r7;
    CHECK(evaluate_idx(model_path, test_images, test_labels, 7, &info, &r7, &err) == CJ_OK);
    CHECK_NEAR(r7.loss, r.loss, 1e-5);
    CHECK_NEAR(r7.accuracy, r.accuracy, 1e-12);
}

/* Rewrite model_path's tensors with its metadata changed: key set to
 * value, or dropped when value is NULL. Returns the new file (free it). */
static char *with_meta(const char *name, const char *key, const char *value)
{
    cj_safetensors st;
    cj_error err = {0};
    char *out = in_dir(name);
    if (cj_safetensors_read(model_path, &st, &err)) return out;
    cj_meta_entry meta[32];
    int n = 0;
    for (int i = 0; i < st.n_meta && n < 32; i++) {
        if (!strcmp(st.meta_keys[i], key) && !value) continue;
        meta[n].key = st.meta_keys[i];
        meta[n++].value = strcmp(st.meta_keys[i], key) ? st.meta_values[i] : value;
    }
    if (cj_safetensors_write(out, st.n, (const char *const *)st.names, st.tensors, n, meta, &err))
        printf("  with_meta: %s\n", err.msg);
    cj_safetensors_free(&st);
    return out;
}

/* A test that fails if the scaling metadata is ignored: the same weights
 * fed unit-scaled pixels give other numbers. */
TEST(scaling_metadata_matters)
{
    char *unit = with_meta("unit.safetensors", "scale", "unit");
    char *shifted = with_meta("shifted.safetensors", "scale_mean", "0.5");
    cj_model_info info;
    cj_eval_result a, b;
    cj_error err = {0};
    CHECK(evaluate_idx(unit, test_images, test_labels, 32, &info, &a, &err) == CJ_OK);
    CHECK(evaluate_idx(shifted, test_images, test_labels, 32, &info, &b, &err) == CJ_OK);
    CHECK(fabs(a.loss - last.test_loss) > 1e-3);
    CHECK(fabs(b.loss - last.test_loss) > 1e-3);
    free(unit);
    free(shifted);
}

static double json_num(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

TEST(cli_prints_one_line_and_writes_json)
{
    char *json = in_dir("eval.json");
    char *args = cj_path_printf("eval %s --images %s --labels %s --batch 32 --json %s --threads 1", model_path,
                                test_images, test_labels, json);
    CHECK(run(args) == 0);
    char want[128];
    snprintf(want, sizeof want, "loss %.4f  accuracy %.2f%% (100 samples)\n", last.test_loss, 100 * last.test_acc);
    CHECK(!strcmp(output, want));
    if (strcmp(output, want)) printf("    output: %s    expected: %s", output, want);
    char *text = NULL;
    size_t len;
    cj_error err;
    CHECK(cj_text_read(json, 1 << 16, &text, &len, &err) == CJ_OK);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    CHECK(j != NULL);
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(j, "model");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
    CHECK(cJSON_IsString(model) && !strcmp(model->valuestring, model_path));
    CHECK(cJSON_IsString(data) && !strcmp(data->valuestring, test_images));
    CHECK(json_num(j, "samples") == 100 && json_num(j, "epoch") == 3);
    CHECK(rel_diff(json_num(j, "loss"), last.test_loss) < 1e-6);
    CHECK(json_num(j, "accuracy") == last.test_acc);
    cJSON_Delete(j);
    free(text);
    free(args);
    free(json);
}

/* A run folder stands for its model.safetensors. */
TEST(cli_run_folder_means_its_model)
{
    char *run_dir = cj_path_printf("%.*s", (int)(strrchr(model_path, '/') - model_path), model_path);
    char *args = cj_path_printf("eval %s --images %s --labels %s --batch 32", run_dir, test_images, test_labels);
    CHECK(run(args) == 0 && strstr(output, "(100 samples)"));
    free(args);
    args = cj_path_printf("eval %s/nothing_here --images %s --labels %s", run_dir, test_images, test_labels);
    CHECK(run(args) == 1 && strstr(output, "nothing_here: cannot open") != NULL);
    free(args);
    free(run_dir);
}

/* --data DIR reads the Fashion-MNIST test file names inside DIR. */
TEST(cli_data_folder_uses_the_test_file_names)
{
    char *data = in_dir("t10k");
    char *mk = cj_path_printf("mkdir -p %s && cp %s %s/t10k-images-idx3-ubyte.gz && cp %s %s/t10k-labels-idx1-ubyte.gz",
                              data, test_images, data, test_labels, data);
    CHECK(system(mk) == 0);
    char *args = cj_path_printf("eval %s --data %s --batch 32", model_path, data);
    CHECK(run(args) == 0 && strstr(output, "(100 samples)"));
    free(args);
    args = cj_path_printf("eval %s --data=%s/missing", model_path, data);
    CHECK(run(args) == 1 && count_lines(output) == 1);
    CHECK(strstr(output, "missing/t10k-images-idx3-ubyte.gz: cannot open") != NULL);
    free(args);
    free(mk);
    free(data);
}

/* cajal eval on `file` fails with exit 1 and exactly "cajal eval: <msg>". */
static void expect_cli_error(const char *file, const char *msg)
{
    char *args = cj_path_printf("eval %s --images %s --labels %s", file, test_images, test_labels);
    int rc = run(args);
    char *want = cj_path_printf("cajal eval: %s\n", msg);
    CHECK(rc == 1);
    CHECK(!strcmp(output, want));
    if (strcmp(output, want)) printf("    output:   %s    expected: %s", output, want);
    free(want);
    free(args);
}

/* The library fails on `file` with exactly "<file>: <rest>". */
static void expect_error(const char *file, const char *rest)
{
    cj_model_info info;
    cj_eval_result r;
    cj_error err = {0};
    CHECK(evaluate_idx(file, test_images, test_labels, 32, &info, &r, &err) != CJ_OK);
    char *want = cj_path_printf("%s: %s", file, rest);
    CHECK(!strcmp(err.msg, want));
    if (strcmp(err.msg, want)) printf("    message was: %s\n    expected:    %s\n", err.msg, want);
    expect_cli_error(file, want);
    free(want);
}

#define HINT                                                                                          \
    "; cajal eval needs the layers and input shape cajal train records: load it with model.init in an " \
    "experiment file with the same model.layers instead"

TEST(a_file_without_metadata_says_what_to_do)
{
    cj_model m;
    cj_error err = {0};
    char *plain = in_dir("plain.safetensors");
    CHECK(cj_model_create(&m, "flatten, dense 2", (cj_shape){1, 6, 6}, 1, &err) == CJ_OK);
    CHECK(cj_model_save(&m, plain, &err) == CJ_OK);
    cj_model_free(&m);
    expect_error(plain, "no cajal metadata (written by another tool or an older cajal?)" HINT);
    char *pt = with_meta("pt.safetensors", "format", "pt");
    expect_error(pt, "metadata format = 'pt', not 'cajal' (written by another tool?)" HINT);
    free(pt);
    free(plain);
}

TEST(missing_and_malformed_keys_are_named)
{
    static const struct {
        const char *key, *value, *rest;
    } cases[] = {
        {"layers", NULL, "metadata key 'layers' is missing (not a whole cajal model file?)"},
        {"seed", NULL, "metadata key 'seed' is missing (not a whole cajal model file?)"},
        {"input_shape", "1,6", "metadata input_shape = '1,6' is not C,H,W (three whole numbers from 1 to 16777216)"},
        {"input_shape", "1,6,6,1", "metadata input_shape = '1,6,6,1' is not C,H,W (three whole numbers from 1 to "
                                   "16777216)"},
        {"input_shape", "1,6,", "metadata input_shape = '1,6,' is not C,H,W (three whole numbers from 1 to "
                                "16777216)"},
        {"input_shape", " 1,6,6", "metadata input_shape = ' 1,6,6' is not C,H,W (three whole numbers from 1 to "
                                  "16777216)"},
        {"input_shape", "1,0,6", "metadata input_shape = '1,0,6' is not C,H,W (three whole numbers from 1 to "
                                 "16777216)"},
        {"classes", "two", "metadata classes = 'two' is not a whole number from 1 to 16777216"},
        {"classes", "3", "metadata classes = '3' but the layers end with 2 outputs"},
        {"epoch", "-1", "metadata epoch = '-1' is not a whole number from 0 to 2147483647"},
        {"scale", "z", "metadata scale: unknown pixel scale 'z' (expected unit, raw or standard)"},
        {"objective", "l1", "metadata objective: unknown objective 'l1' (expected cross_entropy, mse, poisson or infonce)"},
        {"scale_mean", "nan", "metadata scale_mean = 'nan' is not a finite number"},
        {"data_format", "hdf5", "metadata data_format: unknown data format 'hdf5' (expected idx, npy or task)"},
        {"targets", "spikes", "metadata targets: unknown target kind 'spikes' (expected labels, values or counts)"},
        {"sequence", "yes", "metadata sequence: 'yes' is not true or false"},
        {"scale_std", "1\n", "metadata scale_std = '1\\x0a' is not a finite non-negative number"},
        {"seed", "-3", "metadata seed = '-3' is not a non-negative whole number"},
        {"layers", "flatten, dense 0", "metadata layers = 'flatten, dense 0': model.layers: item 1 (dense): '0' "
                                       "is not a positive size"},
        {"layers", "flatten, dense 9, relu, dense 2",
         "tensor '1.weight' has shape [8, 36] in the file but the model expects [9, 36]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *name = cj_path_printf("bad%zu.safetensors", i);
        char *file = with_meta(name, cases[i].key, cases[i].value);
        expect_error(file, cases[i].rest);
        free(file);
        free(name);
    }
}

/* Data that are not what the model was trained on: both sides named. */
TEST(data_mismatches_name_both_sides)
{
    if (write_toy_set(dir, "big", 10, 8, 8, 3)) return;
    char *images = in_dir("big-images.gz"), *labels = in_dir("big-labels.gz");
    cj_model_info info;
    cj_eval_result r;
    cj_error err = {0};
    CHECK(evaluate_idx(model_path, images, labels, 32, &info, &r, &err) == CJ_ERR_SHAPE);
    char *want = cj_path_printf("%s: images are 1x8x8 but %s takes 1x6x6 (metadata input_shape)", images,
                                model_path);
    CHECK(!strcmp(err.msg, want));
    if (strcmp(err.msg, want)) printf("    message was: %s\n", err.msg);
    free(want);
    free(images);
    free(labels);

    /* Labels 0..2 for a two-class model. */
    unsigned char px[4 * 36] = {0}, lab[4] = {0, 1, 2, 1};
    unsigned idims[3] = {4, 6, 6}, ldims[1] = {4};
    images = in_dir("three-images.gz");
    labels = in_dir("three-labels.gz");
    CHECK(write_idx(images, idims, 3, px, sizeof px, 0) == 0 && write_idx(labels, ldims, 1, lab, 4, 0) == 0);
    CHECK(evaluate_idx(model_path, images, labels, 32, &info, &r, &err) == CJ_ERR_SHAPE);
    want = cj_path_printf("%s: labels go up to 2 but %s was trained on 2 classes (metadata classes)", labels,
                          model_path);
    CHECK(!strcmp(err.msg, want));
    if (strcmp(err.msg, want)) printf("    message was: %s\n", err.msg);
    char *args = cj_path_printf("eval %s --images %s --labels %s", model_path, images, labels);
    CHECK(run(args) == 1 && count_lines(output) == 1 && strstr(output, want));
    free(args);
    free(want);
    free(images);
    free(labels);
}

TEST(cli_usage_errors_exit_2)
{
    CHECK(run("eval --help") == 0 && strstr(output, "--images") && strstr(output, "--json"));
    CHECK(run("--help") == 0 && strstr(output, "eval"));
    CHECK(run("eval") == 2 && strstr(output, "no model file given"));
    char *args = cj_path_printf("eval %s --data /x --images a --labels b", model_path);
    CHECK(run(args) == 2 && strstr(output, "--data and --images/--labels exclude each other"));
    free(args);
    args = cj_path_printf("eval %s --images a", model_path);
    CHECK(run(args) == 2 && strstr(output, "--images and --labels go together"));
    free(args);
    args = cj_path_printf("eval %s --batch 0", model_path);
    CHECK(run(args) == 2 && strstr(output, "--batch '0' is not a whole number from 1 to 1048576"));
    free(args);
    args = cj_path_printf("eval %s --bogus 1", model_path);
    CHECK(run(args) == 2 && strstr(output, "unknown option '--bogus'"));
    free(args);
    args = cj_path_printf("eval %s --json", model_path);
    CHECK(run(args) == 2 && strstr(output, "option '--json' needs a value"));
    free(args);
    args = cj_path_printf("eval %s other.safetensors", model_path);
    CHECK(run(args) == 2 && strstr(output, "unexpected argument 'other.safetensors'"));
    free(args);
    /* A missing model is a failure, not a usage error. */
    char *missing = in_dir("missing.safetensors");
    args = cj_path_printf("eval %s", missing);
    CHECK(run(args) == 1 && count_lines(output) == 1 && strstr(output, "missing.safetensors: cannot open"));
    free(args);
    free(missing);
}

/* cajal record on the test images: the recorded output layer gives the
 * trainer's own test accuracy, so the inputs were scaled as in training
 * (this run standardises them) and every stimulus is in its place. */
TEST(cli_record_reproduces_the_test_accuracy)
{
    char *acts = in_dir("acts");
    char *args = cj_path_printf("record %s --inputs %s --out %s --batch 7", model_path, test_images, acts);
    CHECK(run(args) == 0);
    CHECK(strstr(output, "recorded 100 stimuli") != NULL);
    char *logits = cj_path_join(acts, "3_dense.npy"), *lab = in_dir("test-labels.gz");
    cj_npy_array a;
    cj_dataset d;
    cj_error err;
    if (!cj_npy_read(logits, CJ_NPY_F32, &a, &err) && !cj_idx_load(test_images, lab, &d, &err)) {
        CHECK(a.ndim == 2 && a.shape[0] == 100 && a.shape[1] == 2);
        int correct = cj_count_correct(a.data, d.y, 100, 2);
        CHECK_NEAR(correct / 100.0, last.test_acc, 1e-12);
        cj_npy_free(&a);
        cj_dataset_free(&d);
    } else {
        test_fail("%s", err.msg);
    }
    /* Usage errors exit 2 with one line; a wrong input file names it. */
    CHECK(run("record") == 2 && strstr(output, "no model file given"));
    free(args);
    args = cj_path_printf("record %s", model_path);
    CHECK(run(args) == 2 && strstr(output, "--inputs FILE (or --trials N for a model trained on tasks) is needed"));
    free(args);
    args = cj_path_printf("record %s --inputs %s/nothing.gz --out %s", model_path, dir, acts);
    CHECK(run(args) == 1 && strstr(output, "nothing.gz"));
    free(args);
    free(logits);
    free(lab);
    free(acts);
}

/* The same test images as a float32 .npy of pixel/255 ([N, H, W], as
 * NumPy users make stimuli) give the IDX recording's numbers exactly; the
 * same array in 0..255 is refused, naming the first value out of range. */
TEST(cli_record_takes_npy_pixels_for_an_idx_model)
{
    char *npy = in_dir("test-images.npy"), *npy255 = in_dir("test-images-255.npy"), *acts = in_dir("acts_npy");
    char *from_idx = in_dir("acts/3_dense.npy"), *from_npy = in_dir("acts_npy/3_dense.npy");
    cj_dataset d;
    cj_error err;
    if (cj_idx_load_images(test_images, &d, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    int64_t shape[3] = {d.n, d.shape.h, d.shape.w};
    CHECK(cj_npy_write_f32(npy, 3, shape, d.x, &err) == CJ_OK);
    char *args = cj_path_printf("record %s --inputs %s --out %s", model_path, npy, acts);
    CHECK(run(args) == 0 && strstr(output, "recorded 100 stimuli"));
    cj_npy_array a, b;
    if (!cj_npy_read(from_idx, CJ_NPY_F32, &a, &err)) {
        if (!cj_npy_read(from_npy, CJ_NPY_F32, &b, &err)) {
            CHECK(a.numel == b.numel && !memcmp(a.data, b.data, sizeof(float) * a.numel));
            cj_npy_free(&b);
        } else {
            test_fail("%s", err.msg);
        }
        cj_npy_free(&a);
    } else {
        test_fail("%s", err.msg);
    }
    for (size_t i = 0; i < (size_t)d.n * cj_shape_size(d.shape); i++) d.x[i] *= 255.0f;
    d.x[0] = 2.0f; /* the first value out of [0, 1], whatever the toy image holds there */
    CHECK(cj_npy_write_f32(npy255, 3, shape, d.x, &err) == CJ_OK);
    free(args);
    args = cj_path_printf("record %s --inputs %s --out %s", model_path, npy255, acts);
    CHECK(run(args) == 1 && count_lines(output) == 1 &&
          strstr(output, "stimulus 0, element 0 is 2, but a model trained on IDX images takes .npy stimuli as "
                         "pixel/255, from 0 to 1"));
    cj_dataset_free(&d);
    free(args);
    free(npy);
    free(npy255);
    free(acts);
    free(from_idx);
    free(from_npy);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    if (!mkdtemp(dir)) return 1;
    if (write_toy_set(dir, "train", 200, 6, 6, 1) || write_toy_set(dir, "test", 100, 6, 6, 2)) return 1;
    test_images = in_dir("test-images.gz");
    test_labels = in_dir("test-labels.gz");
    if (train_toy()) return 1;
    RUN(metadata_describes_the_run);
    RUN(library_evaluation_matches_the_trainer);
    RUN(scaling_metadata_matters);
    RUN(cli_prints_one_line_and_writes_json);
    RUN(cli_run_folder_means_its_model);
    RUN(cli_data_folder_uses_the_test_file_names);
    RUN(a_file_without_metadata_says_what_to_do);
    RUN(missing_and_malformed_keys_are_named);
    RUN(data_mismatches_name_both_sides);
    RUN(cli_usage_errors_exit_2);
    RUN(cli_record_reproduces_the_test_accuracy);
    RUN(cli_record_takes_npy_pixels_for_an_idx_model);
    char *rm = cj_path_printf("rm -rf %s", dir);
    if (system(rm)) printf("could not remove %s\n", dir);
    free(rm);
    free(model_path);
    free((char *)test_images);
    free((char *)test_labels);
    return test_summary("eval");
}
