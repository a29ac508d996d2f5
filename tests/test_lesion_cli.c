/* test_lesion_cli.c — `cajal lesion` end to end on a tiny CNN trained here
 * (seconds): its numbers against independent routes to them — cajal eval's
 * evaluation of the run, of a model file lesioned and saved by the library,
 * and cajal record + cajal rsa on both for the RDM fits — the layer named
 * by number or name, the test set from config.ini or --data, the files,
 * and every error the command reports. */
#include <cairo.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/lesion.h"
#include "cajal/model_file.h"
#include "cajal/npy.h"
#include "cajal/train.h"
#include "cli_runner.h"
#include "harness.h"
#include "idx_fixture.h"

static char dir[] = "/tmp/cajal-test-lesion-XXXXXX";
static const char *cajal;
static char output[16384];

#define LAYERS "conv2d 4 kernel=3 padding=1, relu, maxpool 2, flatten, dense 6, relu, dense 2"
enum { N_IMAGES = 8 };

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *args = NULL;
    int rc = vasprintf(&args, fmt, ap) < 0 ? -1 : run_cajal(cajal, args, output, sizeof output);
    va_end(ap);
    free(args);
    return rc;
}

static char *in_dir(const char *name) { return cj_path_join(dir, name); }

/* ---- fixtures ------------------------------------------------------------------- */

/* A run folder (config.ini, model.safetensors) from 2 epochs on 8x8 toy
 * images; the test set under the names cajal eval --data looks for. */
static int train_run(void)
{
    char *data = in_dir("data");
    mkdir(data, 0700);
    int rc = write_toy_set(data, "train", 200, 8, 8, 1) || write_toy_set(data, "t10k", 120, 8, 8, 2);
    /* cajal eval --data's names for the same test files */
    char *a = in_dir("data/t10k-images.gz"), *b = in_dir("data/t10k-images-idx3-ubyte.gz");
    char *c = in_dir("data/t10k-labels.gz"), *d = in_dir("data/t10k-labels-idx1-ubyte.gz");
    rc = rc || rename(a, b) || rename(c, d);
    free(a), free(b), free(c), free(d);
    cj_experiment e;
    cj_error err = {0};
    cj_experiment_defaults(&e);
    char *set = cj_path_printf("data.dir=%s", data);
    const char *sets[] = {set, "data.train_images=train-images.gz", "data.train_labels=train-labels.gz",
                          "data.test_images=t10k-images-idx3-ubyte.gz", "data.test_labels=t10k-labels-idx1-ubyte.gz",
                          "data.scale=standard", "model.layers=" LAYERS, "train.epochs=2", "train.batch=16",
                          "train.seed=3", "optim.lr=0.05"};
    cj_status st = rc ? CJ_ERR_IO : CJ_OK;
    for (size_t i = 0; !st && i < sizeof sets / sizeof sets[0]; i++) st = cj_experiment_set(&e, sets[i], &err);
    if (!st) st = cj_experiment_finish(&e, &err);
    char *run_dir = in_dir("run");
    if (!st) st = cj_train(&e, run_dir, NULL, NULL, &err);
    if (st) printf("  training failed: %s\n", err.msg);
    free(run_dir);
    free(set);
    free(data);
    return st;
}

/* N_IMAGES 12x12 PNGs of coloured blobs, and brain RDMs for them: a stack
 * of 3 subjects [3, n, n] (good.npy) and a 5 x 5 RDM (small.npy). */
static int write_stimuli(void)
{
    char *images = in_dir("images");
    mkdir(images, 0700);
    unsigned seed = 7;
    int bad = 0;
    for (int k = 0; k < N_IMAGES && !bad; k++) {
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 12, 12);
        cairo_t *cr = cairo_create(s);
        cairo_set_source_rgb(cr, 0.1 * k / N_IMAGES, 0.2, 0.3);
        cairo_paint(cr);
        for (int b = 0; b < 4; b++) {
            seed = seed * 1103515245u + 12345u;
            double x = (seed >> 16) % 12, y = (seed >> 8) % 12, g = ((seed >> 4) % 100) / 100.0;
            cairo_set_source_rgb(cr, g, 1 - g, (k % 3) / 2.0);
            cairo_arc(cr, x, y, 1.5 + (k + b) % 3, 0, 6.2832);
            cairo_fill(cr);
        }
        char *path = cj_path_printf("%s/img%02d.png", images, k);
        bad = cairo_surface_write_to_png(s, path) != CAIRO_STATUS_SUCCESS;
        free(path);
        cairo_destroy(cr);
        cairo_surface_destroy(s);
    }
    free(images);
    float stack[3 * N_IMAGES * N_IMAGES], small[25] = {0};
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < N_IMAGES; i++)
            for (int j = 0; j <= i; j++) {
                seed = seed * 1103515245u + 12345u;
                float v = i == j ? 0 : 0.2f + (float)(i % 3 + j % 2) + ((seed >> 16) % 1000) / 1000.0f;
                stack[(s * N_IMAGES + i) * N_IMAGES + j] = stack[(s * N_IMAGES + j) * N_IMAGES + i] = v;
            }
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) small[i * 5 + j] = i == j ? 0 : 1 + (i + j) % 3;
    cj_error err;
    char *good = in_dir("good.npy"), *five = in_dir("small.npy");
    bad = bad || cj_npy_write_f32(good, 3, (int64_t[]){3, N_IMAGES, N_IMAGES}, stack, &err) ||
          cj_npy_write_f32(five, 2, (int64_t[]){5, 5}, small, &err);
    free(good);
    free(five);
    return bad;
}

/* A model file with the metadata of a run of this data format (weights
 * random): for the errors about models lesion does not take. */
static int write_model(const char *name, cj_data_format format, const char *task)
{
    cj_model m;
    cj_error err;
    if (cj_model_create(&m, "flatten, dense 3, relu, dense 2", (cj_shape){1, 8, 8}, 4, &err)) return 1;
    cj_model_info info = {.input = {1, 8, 8}, .classes = 2, .loss = &cj_cross_entropy_ops, .rule = &cj_rule_bp,
                          .format = format, .scale = CJ_SCALE_UNIT, .scale_std = 1, .epoch = 1};
    snprintf(info.layers, sizeof info.layers, "flatten, dense 3, relu, dense 2");
    snprintf(info.task, sizeof info.task, "%s", task);
    char *path = in_dir(name);
    cj_status st = cj_model_save_info(&m, &info, path, &err);
    free(path);
    cj_model_free(&m);
    return st != CJ_OK;
}

/* ---- reading what the command wrote ---------------------------------------------- */

typedef struct {
    int n;
    char measure[32][64], region[32][32];
    double v[32][5]; /* intact, lesioned, control mean, sd, p */
} csv_rows;

static char *slurp(const char *path)
{
    char *text = NULL;
    size_t len;
    cj_error err;
    return cj_text_read(path, 1 << 22, &text, &len, &err) ? NULL : text;
}

static int read_csv(const char *path, csv_rows *t, const char *header)
{
    char *text = slurp(path);
    memset(t, 0, sizeof *t);
    if (!text || strncmp(text, header, strlen(header)) || text[strlen(header)] != '\n') {
        free(text);
        return 0;
    }
    char *line = text + strlen(header) + 1;
    while (*line && t->n < 32) {
        int k = t->n, used = 0;
        double *v = t->v[k];
        v[2] = v[3] = v[4] = NAN;
        char rest[256];
        if (sscanf(line, "%63[^,],%31[^,],%255[^\n]%n", t->measure[k], t->region[k], rest, &used) < 3 &&
            sscanf(line, "%63[^,],,%255[^\n]%n", t->measure[k], rest, &used) < 2)
            break;
        if (sscanf(rest, "%lf,%lf,%lf,%lf,%lf", &v[0], &v[1], &v[2], &v[3], &v[4]) < 2) break;
        t->n++;
        char *nl = strchr(line, '\n');
        if (!nl) break;
        line = nl + 1;
    }
    free(text);
    return t->n;
}

/* table.csv of cajal rsa: the value of (layer, region). */
static double rsa_value(const char *table, const char *layer, const char *region)
{
    char *text = slurp(table), key[128];
    double v = NAN;
    snprintf(key, sizeof key, "\n%s,%s,tau_a,", layer, region);
    char *at = text ? strstr(text, key) : NULL;
    if (at) v = strtod(at + strlen(key), NULL);
    free(text);
    return v;
}

/* Accuracy and loss of a model file, lesioned here by the library when
 * units are given, on the toy test set (cajal eval's own evaluation). */
static int evaluate(int layer, const int *units, int n, double *acc, double *loss, const char *save_as)
{
    char *model = in_dir("run/model.safetensors"), *images = in_dir("data/t10k-images-idx3-ubyte.gz"),
         *labels = in_dir("data/t10k-labels-idx1-ubyte.gz"), *out = save_as ? in_dir(save_as) : NULL;
    cj_model m;
    cj_model_info info;
    cj_error err;
    cj_status st = cj_model_from_file(model, 64, &m, &info, &err);
    if (!st && n) st = cj_lesion_units(&m, layer, units, n, &err);
    char *tmp = in_dir("evaluated.safetensors");
    if (!st) st = cj_model_save_info(&m, &info, out ? out : tmp, &err);
    if (!st) cj_model_free(&m);
    cj_data_files f = {.inputs = images, .labels = labels};
    cj_eval_result r;
    if (!st) st = cj_model_file_evaluate(out ? out : tmp, &f, 64, &info, &r, &err);
    if (st) printf("  evaluate: %s\n", err.msg);
    *acc = r.accuracy;
    *loss = r.loss;
    free(model), free(images), free(labels), free(out), free(tmp);
    return st == CJ_OK;
}

/* cajal record + cajal rsa on a model file: table.csv's path. */
static char *rsa_table(const char *model, const char *name)
{
    char *acts = cj_path_printf("%s/%s_acts", dir, name), *rsa = cj_path_printf("%s/%s_rsa", dir, name);
    int ok = run("record %s --images %s/images --out %s", model, dir, acts) == 0 &&
             run("rsa %s --brain %s/good.npy --out %s --bootstraps 10 --no-figures", acts, dir, rsa) == 0;
    if (!ok) printf("  %s\n", output);
    char *table = ok ? cj_path_printf("%s/table.csv", rsa) : NULL;
    free(acts);
    free(rsa);
    return table;
}

static const char *const LAYER_NAMES[] = {"0_conv2d", "1_relu", "2_maxpool", "3_flatten",
                                          "4_dense",  "5_relu", "6_dense"};

#define HEADER "measure,region,intact,lesioned,control_mean,control_sd,control_p"

/* ---- the tests ------------------------------------------------------------------- */

TEST(lesion_matches_independent_routes)
{
    int rc = run("lesion %s/run --layer 0 --units 0-1 --random-controls 3 --images %s/images --brain %s/good.npy "
                 "--out %s/les --quiet", dir, dir, dir, dir);
    if (rc) {
        test_fail("rc %d: %s", rc, output);
        return;
    }
    CHECK(strstr(output, "0_conv2d, 2 of 4 units silenced (0-1) -> weights into 4_dense"));
    CHECK(strstr(output, "test accuracy") && !strstr(output, "model states measured")); /* --quiet */
    csv_rows t;
    char *csv = cj_path_printf("%s/les/lesion.csv", dir);
    CHECK(read_csv(csv, &t, HEADER) == 2 + 7);
    free(csv);
    CHECK(!strcmp(t.measure[0], "accuracy") && !strcmp(t.measure[1], "loss") && !t.region[0][0]);
    /* intact: cajal eval's numbers for the run */
    double acc, loss;
    if (evaluate(0, NULL, 0, &acc, &loss, NULL)) {
        CHECK_NEAR(t.v[0][0], acc, 1e-8);
        CHECK_NEAR(t.v[1][0], loss, 1e-7 * (1 + loss));
    }
    /* lesioned: the model file lesioned by the library, saved, evaluated */
    if (evaluate(0, (int[]){0, 1}, 2, &acc, &loss, "lesioned.safetensors")) {
        CHECK_NEAR(t.v[0][1], acc, 1e-8);
        CHECK_NEAR(t.v[1][1], loss, 1e-7 * (1 + loss));
    }
    CHECK(t.v[1][1] != t.v[1][0]);
    /* the RDM fits: cajal record + cajal rsa on the run and on the lesioned file */
    char *run_model = in_dir("run/model.safetensors"), *les_model = in_dir("lesioned.safetensors");
    char *ti = rsa_table(run_model, "intact"), *tl = rsa_table(les_model, "lesioned");
    for (int l = 0; l < 7 && ti && tl; l++) {
        int k = 2 + l;
        char want[64];
        snprintf(want, sizeof want, "tau_a:%s", LAYER_NAMES[l]);
        CHECK(!strcmp(t.measure[k], want) && !strcmp(t.region[k], "good"));
        CHECK_NEAR(t.v[k][0], rsa_value(ti, LAYER_NAMES[l], "good"), 2e-6);
        CHECK_NEAR(t.v[k][1], rsa_value(tl, LAYER_NAMES[l], "good"), 2e-6);
        /* before the cut nothing can change */
        if (l < 4) CHECK(t.v[k][0] == t.v[k][1] && t.v[k][3] == 0);
    }
    CHECK(t.v[2 + 4][0] != t.v[2 + 4][1]);
    free(ti), free(tl), free(run_model), free(les_model);
    /* lesion.json: what was silenced, and the controls' units and numbers */
    char *path = cj_path_printf("%s/les/lesion.json", dir), *text = slurp(path);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    CHECK(j != NULL);
    if (j) {
        CHECK(cJSON_GetObjectItem(j, "layer")->valueint == 0);
        CHECK(!strcmp(cJSON_GetObjectItem(j, "layer_name")->valuestring, "0_conv2d"));
        CHECK(cJSON_GetObjectItem(j, "layer_units")->valueint == 4);
        CHECK(cJSON_GetObjectItem(j, "cut_layer")->valueint == 4);
        CHECK(!strcmp(cJSON_GetObjectItem(j, "cut_layer_name")->valuestring, "4_dense"));
        CHECK(!strcmp(cJSON_GetObjectItem(j, "seed")->valuestring, "1"));
        CHECK(cJSON_GetObjectItem(j, "test_samples")->valueint == 120 && cJSON_GetObjectItem(j, "stimuli")->valueint == 8);
        cJSON *units = cJSON_GetObjectItem(j, "units");
        CHECK(cJSON_GetArraySize(units) == 2 && cJSON_GetArrayItem(units, 1)->valueint == 1);
        cJSON *sets = cJSON_GetObjectItem(j, "control_units"), *ms = cJSON_GetObjectItem(j, "measures");
        CHECK(cJSON_GetArraySize(sets) == 3 && cJSON_GetArraySize(ms) == 9);
        cJSON *s0 = cJSON_GetArrayItem(sets, 0);
        int u[2] = {cJSON_GetArrayItem(s0, 0)->valueint, cJSON_GetArrayItem(s0, 1)->valueint};
        CHECK(0 <= u[0] && u[0] < u[1] && u[1] < 4);
        cJSON *accm = cJSON_GetArrayItem(ms, 0), *c = cJSON_GetObjectItem(accm, "controls");
        CHECK(cJSON_GetArraySize(c) == 3);
        /* control 0 is that unit set's lesion, evaluated independently */
        if (evaluate(0, u, 2, &acc, &loss, NULL)) CHECK_NEAR(cJSON_GetArrayItem(c, 0)->valuedouble, acc, 1e-8);
        double mean = 0;
        for (int i = 0; i < 3; i++) mean += cJSON_GetArrayItem(c, i)->valuedouble / 3;
        CHECK_NEAR(cJSON_GetObjectItem(accm, "control_mean")->valuedouble, mean, 1e-12);
        CHECK_NEAR(t.v[0][2], mean, 1e-8);
        cJSON_Delete(j);
    }
    free(text);
    free(path);
    /* the figure: an accuracy panel and one per region */
    path = cj_path_printf("%s/les/lesion.png", dir);
    cairo_surface_t *png = cairo_image_surface_create_from_png(path);
    CHECK(cairo_surface_status(png) == CAIRO_STATUS_SUCCESS && cairo_image_surface_get_width(png) == 480 + 240 + 48 * 7 &&
          cairo_image_surface_get_height(png) == 520);
    cairo_surface_destroy(png);
    free(path);
}

/* The relu after the conv has the same channels: the same cut, the same
 * numbers; and its name works as well as its number. */
TEST(layer_by_name_and_through_relu)
{
    CHECK(run("lesion %s/run --layer 0 --units 1,3 --random-controls 2 --seed 9 --out %s/by0 --quiet", dir, dir) == 0);
    CHECK(run("lesion %s/run --layer 1_relu --units 1,3 --random-controls 2 --seed 9 --out %s/byrelu --quiet", dir,
              dir) == 0);
    char *a = cj_path_printf("%s/by0/lesion.csv", dir), *b = cj_path_printf("%s/byrelu/lesion.csv", dir);
    char *ta = slurp(a), *tb = slurp(b);
    CHECK(ta && tb && !strcmp(ta, tb));
    CHECK(ta && !strncmp(ta, HEADER "\naccuracy,,", strlen(HEADER) + 11));
    CHECK(ta && count_lines(ta) == 3); /* no RDM rows without --images */
    free(a), free(b), free(ta), free(tb);
    /* without controls, no control columns */
    CHECK(run("lesion %s/run --layer 4_dense --units 5 --out %s/nocontrol", dir, dir) == 0);
    a = cj_path_printf("%s/nocontrol/lesion.csv", dir);
    ta = slurp(a);
    CHECK(ta && !strncmp(ta, "measure,region,intact,lesioned\naccuracy,,", 41));
    free(a), free(ta);
}

/* A model file outside its run: --data names the test set, random:N comes
 * from --seed, and the files go beside the model. */
TEST(model_file_with_data_and_random_units)
{
    char *copy = cj_path_printf("cp %s/run/model.safetensors %s/alone.safetensors", dir, dir);
    CHECK(system(copy) == 0);
    free(copy);
    CHECK(run("lesion %s/alone.safetensors --data %s/data --layer 4 --units random:3 --seed 5 --quiet", dir, dir) == 0);
    char *path = cj_path_printf("%s/lesion/lesion.json", dir), *text = slurp(path);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    int want[6], n;
    cj_error err;
    CHECK(cj_lesion_parse_units("random:3", 6, 5, want, &n, &err) == CJ_OK && n == 3);
    if (j) {
        cJSON *units = cJSON_GetObjectItem(j, "units");
        CHECK(cJSON_GetArraySize(units) == 3);
        for (int i = 0; i < 3 && i < cJSON_GetArraySize(units); i++)
            CHECK(cJSON_GetArrayItem(units, i)->valueint == want[i]);
        CHECK(strstr(cJSON_GetObjectItem(j, "test_inputs")->valuestring, "/data/t10k-images-idx3-ubyte.gz"));
        CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "images")) && cJSON_GetObjectItem(j, "controls")->valueint == 0);
        CHECK(!strcmp(cJSON_GetObjectItem(j, "cut_layer_name")->valuestring, "6_dense"));
        cJSON_Delete(j);
    } else {
        test_fail("no lesion.json beside the model: %s", output);
    }
    free(text);
    free(path);
}

static int fails(int code, const char *message, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fails(int code, const char *message, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *args = NULL;
    int rc = vasprintf(&args, fmt, ap) < 0 ? -1 : run_cajal(cajal, args, output, sizeof output);
    va_end(ap);
    free(args);
    if (rc == code && strstr(output, message) && !strstr(output, "cajal lesion: wrote")) return 1;
    printf("  expected exit %d and '%s', got %d: %s\n", code, message, rc, output);
    return 0;
}

TEST(errors)
{
    CHECK(fails(2, "cajal lesion: no run folder or model file given", "lesion"));
    CHECK(fails(2, "cajal lesion: --layer L is needed", "lesion %s/run --units 0", dir));
    CHECK(fails(2, "cajal lesion: --units SPEC is needed", "lesion %s/run --layer 0", dir));
    CHECK(fails(2, "cajal lesion: --images and --brain go together", "lesion %s/run --layer 0 --units 0 --images x",
                dir));
    CHECK(fails(2, "cajal lesion: unknown option '--colour'", "lesion %s/run --colour red", dir));
    CHECK(fails(2, "cajal lesion: option '--out' needs a value", "lesion %s/run --out", dir));
    CHECK(fails(2, "cajal lesion: --random-controls '-1' is not a whole number from 0 to 100000",
                "lesion %s/run --layer 0 --units 0 --random-controls -1", dir));
    CHECK(fails(2, "cajal lesion: --seed 'x' is not a whole number >= 0", "lesion %s/run --layer 0 --units 0 --seed x",
                dir));
    CHECK(fails(2, "cajal lesion: unexpected argument 'again'", "lesion %s/run again", dir));
    CHECK(fails(1, "cajal lesion: layer '99': the model's layers are 0_conv2d, 1_relu, 2_maxpool, 3_flatten, 4_dense, "
                   "5_relu, 6_dense", "lesion %s/run --layer 99 --units 0", dir));
    CHECK(fails(1, "cajal lesion: layer '3_relu': the model's layers are", "lesion %s/run --layer 3_relu --units 0", dir));
    CHECK(fails(1, "cajal lesion: layer 6 (Linear) sends to no later layer with weights",
                "lesion %s/run --layer 6 --units 0", dir));
    CHECK(fails(1, "cajal lesion: units '0-9': '0-9' is not a unit from 0 to 3", "lesion %s/run --layer 0 --units 0-9",
                dir));
    CHECK(fails(1, "cajal lesion: units 'random:5': random:N needs N from 1 to 4",
                "lesion %s/run --layer 2_maxpool --units random:5", dir));
    CHECK(fails(1, "are 8 stimuli but the brain RDMs of", "lesion %s/run --layer 0 --units 0 --images %s/images --brain "
                   "%s/small.npy --out %s/x", dir, dir, dir, dir));
    CHECK(fails(1, "cajal lesion: ", "lesion %s/run --layer 0 --units 0 --images %s/nosuch --brain %s/good.npy", dir,
                dir, dir));
    CHECK(fails(1, "cajal lesion: ", "lesion %s/nosuch --layer 0 --units 0", dir));
    CHECK(fails(1, "trained on tasks (metadata data_format = task): lesion it with 'cajal analyze lesion'",
                "lesion %s/task.safetensors --layer 1 --units 0", dir));
    CHECK(fails(1, "--data /x: a folder of IDX test files, but", "lesion %s/npy.safetensors --data /x --layer 1 --units 0",
                dir));
    CHECK(fails(1, "npy.safetensors: no config.ini beside it to name its npy test set",
                "lesion %s/npy.safetensors --layer 1 --units 0", dir));
    CHECK(fails(1, "npyrun/config.ini names no test set", "lesion %s/npyrun --layer 1 --units 0", dir));
    CHECK(run("lesion --help") == 0 && strstr(output, "usage: cajal lesion RUN|MODEL --layer L --units SPEC"));
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    if (!mkdtemp(dir)) return 1;
    int bad = train_run() || write_stimuli() || write_model("task.safetensors", CJ_DATA_TASK, "fdgo") ||
              write_model("npy.safetensors", CJ_DATA_NPY, "");
    /* a run of npy data whose config.ini names no test set */
    char *npyrun = in_dir("npyrun"), *config = in_dir("npyrun/config.ini");
    mkdir(npyrun, 0700);
    FILE *f = fopen(config, "w");
    if (f) fprintf(f, "[data]\nformat = npy\ntrain_inputs = x.npy\ntrain_labels = y.npy\n");
    bad = bad || !f || fclose(f) || write_model("npyrun/model.safetensors", CJ_DATA_NPY, "");
    free(npyrun);
    free(config);
    if (bad) {
        printf("fixtures failed\n");
        return 1;
    }
    RUN(lesion_matches_independent_routes);
    RUN(layer_by_name_and_through_relu);
    RUN(model_file_with_data_and_random_units);
    RUN(errors);
    char *rm = cj_path_printf("rm -rf %s", dir);
    if (system(rm)) printf("could not remove %s\n", dir);
    free(rm);
    return test_summary("lesion_cli");
}
