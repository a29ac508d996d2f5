/* Experiment files: values, overrides and one-line errors naming the
 * section, key or value at fault. */
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/experiment.h"
#include "cajal/model.h"
#include "fixtures.h"
#include "harness.h"

static char dir[] = "/tmp/cajal-test-exp-XXXXXX";
static const char *fixtures; /* inputs of the newer tests, left for a look when one fails */

static const char *write_ini(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

TEST(reads_values_and_applies_overrides)
{
    const char *p = write_ini("ok.ini",
                              "# comment\n[data]\ndir = /data\ntest_images = ./mine.gz\n"
                              "[model]\nlayers = flatten, dense 3\n[rule]\nname = fa\n"
                              "[optim]\nname = adam\nweight_decay = 0.5\n[train]\nepochs = 3\nshuffle = false\n"
                              "seed = 18446744073709551615\n");
    cj_experiment e;
    cj_error err;
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_load(&e, p, &err) == CJ_OK);
    CHECK(cj_experiment_set(&e, "train.epochs=7", &err) == CJ_OK);
    CHECK(cj_experiment_set(&e, "rule.name=kolen_pollack", &err) == CJ_OK);
    CHECK(cj_experiment_finish(&e, &err) == CJ_OK);
    CHECK(e.epochs == 7 && e.shuffle == 0 && e.batch == 64);
    CHECK(e.seed == 18446744073709551615ULL);
    CHECK(e.rule.kind == &cj_rule_kolen_pollack);
    CHECK(e.optim.kind == CJ_OPTIM_ADAM);
    CHECK_NEAR(e.optim.lr, 1e-3, 1e-9); /* Adam's default, since lr was not given */
    CHECK_NEAR(e.optim.weight_decay, 0.5, 1e-9);
    CHECK(!strcmp(e.layers, "flatten, dense 3"));
    CHECK(!strcmp(e.train_images, "/data/train-images-idx3-ubyte.gz"));
    CHECK(!strcmp(e.test_images, "./mine.gz"));
}

TEST(written_config_reads_back_identically)
{
    cj_experiment e, back;
    cj_error err;
    cj_experiment_defaults(&e);
    cj_experiment_set(&e, "optim.lr=0.125", &err);
    cj_experiment_set(&e, "rule.name=node_perturbation", &err);
    cj_experiment_set(&e, "data.scale=standard", &err);
    cj_experiment_finish(&e, &err);
    char path[512];
    snprintf(path, sizeof path, "%s/written.ini", dir);
    FILE *f = fopen(path, "w");
    cj_experiment_write(&e, f);
    fclose(f);
    cj_experiment_defaults(&back);
    CHECK(cj_experiment_load(&back, path, &err) == CJ_OK);
    CHECK(cj_experiment_finish(&back, &err) == CJ_OK);
    back.keys_given = e.keys_given; /* config.ini gives every key */
    CHECK(memcmp(&e, &back, sizeof e) == 0);
}

/* Loading `text` (or applying `set` to defaults) fails, naming `needle`. */
static void expect_error(const char *text, const char *set, const char *needle)
{
    cj_experiment e;
    cj_error err = {0};
    cj_experiment_defaults(&e);
    cj_status st = text ? cj_experiment_load(&e, write_ini("bad.ini", text), &err)
                        : cj_experiment_set(&e, set, &err);
    if (!st) st = cj_experiment_finish(&e, &err);
    CHECK(st == CJ_ERR_CONFIG);
    CHECK(strstr(err.msg, needle) != NULL);
    CHECK(strchr(err.msg, '\n') == NULL);
    if (!strstr(err.msg, needle)) printf("  message was: %s\n", err.msg);
}

TEST(bad_files_and_overrides_are_named)
{
    expect_error("[trian]\nepochs = 3\n", NULL, "unknown section [trian]");
    expect_error("[train]\nepoch = 3\n", NULL, "unknown key 'epoch' in [train]");
    expect_error("[train]\nepochs = three\n", NULL, "train.epochs = 'three'");
    expect_error("[train]\nepochs = 0\n", NULL, "train.epochs = '0'");
    expect_error("[train]\nshuffle = maybe\n", NULL, "train.shuffle = 'maybe' is not true or false");
    expect_error("[rule]\nname = hebb\n", NULL, "unknown learning rule 'hebb'");
    expect_error("[optim]\nlr = -1\n", NULL, "optim.lr = '-1'");
    expect_error("[optim]\nlr = nan\n", NULL, "optim.lr = 'nan'");
    expect_error("[train]\nthis line has no equals sign\n", NULL,
                 "bad.ini: line 2: not a [section] or key = value line: 'this line has no equals sign'");
    expect_error("[train]\nepoch = 3\n", NULL, "bad.ini: line 2: unknown key 'epoch' in [train]");
    expect_error("# no keys below\n[trian]\n", NULL, "bad.ini: line 2: unknown section [trian]");
    expect_error("epochs = 3\n", NULL, "bad.ini: line 1: key outside any [section]: 'epochs'");
    expect_error("[train\nepochs = 3\n", NULL, "bad.ini: line 1: missing ']' in '[train'");
    expect_error("[train]\n= 3\n", NULL, "bad.ini: line 2: no key before '='");
    expect_error(NULL, "train.epochs", "expected section.key=value");
    expect_error(NULL, "model.depth=3", "unknown key 'depth' in [model]");
    expect_error(NULL, "optim.name=rmsprop", "unknown optimiser 'rmsprop'");
    expect_error(NULL, "data.scale=zscore", "unknown pixel scale 'zscore'");
    /* The file's name is part of the message. */
    expect_error("[train]\nbatch = 0\n", NULL, "bad.ini");
}

/* A misspelt key or section names the closest known one (two edits at most). */
TEST(unknown_names_suggest_the_closest)
{
    expect_error("[train]\nepoch = 3\n", NULL, "unknown key 'epoch' in [train] (did you mean 'epochs'?)");
    expect_error(NULL, "optim.moment=0.9", "unknown key 'moment' in [optim] (did you mean 'momentum'?)");
    expect_error(NULL, "rule.sgima=0.1", "(did you mean 'sigma'?)");
    expect_error("[trian]\n", NULL, "unknown section [trian] (did you mean [train]?)");
    expect_error(NULL, "model.depth=3", "unknown key 'depth' in [model] (see docs/experiment-file.md)");
    expect_error("[network]\n", NULL, "unknown section [network] (expected data, model");
}

/* optim.momentum under Adam used to be ignored without a word. */
TEST(keys_of_another_optimiser_or_rule_are_errors)
{
    expect_error("[optim]\nname = adam\nmomentum = 0.9\n", NULL,
                 "optim.momentum is set but applies only to optim.name = sgd, not optim.name = adam");
    expect_error("[optim]\nbeta1 = 0.8\n", NULL, "optim.beta1 is set but applies only to optim.name = adam");
    expect_error("[rule]\nsigma = 0.01\n", NULL,
                 "rule.sigma is set but applies only to rule.name = node_perturbation or weight_perturbation, "
                 "not rule.name = bp");
    expect_error("[rule]\nname = fa\ndecay = 0.1\n", NULL, "rule.decay is set but applies only to rule.name = kolen_pollack");
    /* the order of name and key does not matter, and --set can fix the name */
    cj_experiment e;
    cj_error err = {0};
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_load(&e, write_ini("np.ini", "[rule]\nsigma = 0.01\nname = node_perturbation\n"), &err) == CJ_OK);
    CHECK(cj_experiment_finish(&e, &err) == CJ_OK);
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_load(&e, write_ini("np2.ini", "[rule]\nsigma = 0.01\n"), &err) == CJ_OK);
    CHECK(cj_experiment_set(&e, "rule.name=weight_perturbation", &err) == CJ_OK);
    CHECK(cj_experiment_finish(&e, &err) == CJ_OK);
    /* config.ini holds only the keys that apply, so it loads back */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cj_experiment_write(&e, f);
    fclose(f);
    CHECK(text && strstr(text, "sigma = ") && strstr(text, "momentum = ") && !strstr(text, "beta1") &&
          !strstr(text, "\ndecay = "));
    free(text);
}

TEST(missing_file_is_named)
{
    cj_experiment e;
    cj_error err;
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_load(&e, "/nonexistent/x.ini", &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, "/nonexistent/x.ini: cannot open") != NULL);
}


/* Loading `text` gives exactly the message `want`. */
static void expect_message(const char *text, size_t len, cj_status code, const char *want)
{
    char *path = fixture_file(fixtures, "bad.ini", text, len);
    cj_experiment e;
    cj_error err = {0};
    cj_experiment_defaults(&e);
    cj_status st = cj_experiment_load(&e, path, &err);
    CHECK(st == code);
    char *full = cj_path_printf("%s: %s", path, want);
    CHECK(!strcmp(err.msg, full));
    if (strcmp(err.msg, full)) printf("  message was: %s\n  expected:    %s\n", err.msg, full);
    free(full);
    free(path);
}

/* A folder or a FIFO given as the experiment file is refused by name; the
 * FIFO must not be waited on (no writer ever comes). */
TEST(folder_and_fifo_are_refused)
{
    const char *d = fixtures;
    cj_experiment e;
    cj_error err = {0};
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_load(&e, d, &err) == CJ_ERR_IO);
    char *want = cj_path_printf("%s: is a folder, not a file", d);
    CHECK(!strcmp(err.msg, want));
    free(want);
    char *fifo = cj_path_join(d, "pipe.ini");
    CHECK(mkfifo(fifo, 0600) == 0);
    CHECK(cj_experiment_load(&e, fifo, &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, "is a FIFO (named pipe), not a file") != NULL);
    free(fifo);
}

/* inih stopped at a NUL and kept "flatten" as the whole value. */
TEST(nul_byte_in_a_value_names_the_line)
{
    static const char text[] = "[model]\n# layers\nlayers = flatten\0, dense 10\n";
    expect_message(text, sizeof text - 1, CJ_ERR_FORMAT, "line 3: contains a NUL byte (not a text file?)");
}

/* Debian's inih cut lines at 200 bytes and reported the rest as a bad line. */
TEST(long_lines_are_read_whole)
{
    char layers[400] = "flatten";
    while (strlen(layers) < 290) strcat(layers, ", dense 16, relu");
    strcat(layers, ", dense 10");
    char data_dir[300];
    memset(data_dir, 'd', sizeof data_dir - 1);
    data_dir[0] = '/';
    data_dir[sizeof data_dir - 1] = '\0';
    char *text = cj_path_printf("[data]\ndir = %s\n[model]\nlayers = %s\n", data_dir, layers);
    char *path = fixture_text(fixtures, "long.ini", text);
    cj_experiment e;
    cj_error err = {0};
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_load(&e, path, &err) == CJ_OK);
    CHECK(!strcmp(e.layers, layers));
    CHECK(!strcmp(e.data_dir, data_dir));
    free(text);
    free(path);
}

static void load_text(const char *text, cj_experiment *e, cj_status want, cj_error *err)
{
    char *path = fixture_text(fixtures, "c.ini", text);
    cj_experiment_defaults(e);
    cj_status st = cj_experiment_load(e, path, err);
    CHECK(st == want);
    if (st != want) printf("  message: %s\n", err->msg);
    free(path);
}

/* An indented line continues the value above it (inih replaced it). */
TEST(indented_lines_continue_the_value)
{
    cj_experiment e;
    cj_error err = {0};
    load_text("[model]\nlayers = flatten, dense 8,\n    relu, dense 2   ; the head\n# a comment\n\tinit = \n", &e,
              CJ_OK, &err);
    CHECK(!strcmp(e.layers, "flatten, dense 8, relu, dense 2"));
    /* Indented key lines are keys, as in most INI files. */
    load_text("[train]\n  epochs = 3\n  batch = 16\n", &e, CJ_OK, &err);
    CHECK(e.epochs == 3 && e.batch == 16);
    /* A blank line ends a value: what follows continues nothing. */
    load_text("[model]\nlayers = flatten\n\n    dense 10\n", &e, CJ_ERR_CONFIG, &err);
    CHECK(strstr(err.msg, "c.ini: line 4: not a [section] or key = value line: 'dense 10'") != NULL);
    /* A continued number is still checked whole, at the key's line. */
    load_text("[train]\nepochs = 3\n   4\n", &e, CJ_ERR_CONFIG, &err);
    CHECK(strstr(err.msg, "c.ini: line 2: train.epochs = '3 4' is not a whole number") != NULL);
}

/* An empty value at the very end of the file (the reader once scanned past it). */
TEST(empty_value_at_end_of_file)
{
    cj_experiment e;
    cj_error err = {0};
    load_text("[model]\ninit = ;x\n[data]\ndir =", &e, CJ_OK, &err);
    CHECK(!strcmp(e.init, ";x") && e.data_dir[0] == '\0');
}

/* strtof("1e-50") is 0 with ERANGE: it used to become "lr = 0". */
TEST(floats_out_of_range_quote_the_value)
{
    expect_message("[optim]\nlr = 1e-50\n", 19, CJ_ERR_CONFIG,
                   "line 2: optim.lr = '1e-50' is out of a float's range (non-zero magnitudes 1.17549e-38 to "
                   "3.40282e+38)");
    expect_error("[optim]\nmomentum = 1e39\n", NULL, "optim.momentum = '1e39' is out of a float's range");
    expect_error("[rule]\nsigma = 1e-40\n", NULL, "rule.sigma = '1e-40' is out of a float's range");
    expect_error("[optim]\nlr = 0.0e0\n", NULL, "bad.ini: line 2: optim.lr = '0.0e0' must be positive");
    expect_error("[optim]\nbeta2 = 1.0\n", NULL, "optim.beta2 = '1.0' must be below 1");
    expect_error(NULL, "optim.lr=1e-50", "--set: optim.lr = '1e-50' is out of a float's range");
    expect_error(NULL, "optim.lr=0", "--set: optim.lr = '0' must be positive");
    expect_error(NULL, "train.epochs=99999999999", "--set: train.epochs = '99999999999' is not a whole number");
    cj_experiment e;
    cj_error err;
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_set(&e, "optim.weight_decay=0", &err) == CJ_OK && e.optim.weight_decay == 0);
}

/* --set goes through the same checks as a file, and what it sets must read
 * back from config.ini unchanged. */
TEST(set_values_are_checked_like_file_values)
{
    expect_error(NULL, "data.dir=/a\nb", "--set: data.dir: the value contains a control character (byte 0x0a)");
    expect_error(NULL, "model.init=x ; y", "--set: model.init = 'x ; y': ' ;' would start a comment");
    cj_experiment e;
    cj_error err;
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_set(&e, " train . epochs = 4 ", &err) == CJ_OK && e.epochs == 4);
    CHECK(cj_experiment_set(&e, "model.layers=  flatten, dense 10  ", &err) == CJ_OK);
    CHECK(!strcmp(e.layers, "flatten, dense 10"));
    char big[CJ_PATH_MAX + 20] = "model.init=";
    memset(big + 11, 'x', CJ_PATH_MAX);
    big[11 + CJ_PATH_MAX] = '\0';
    CHECK(cj_experiment_set(&e, big, &err) == CJ_ERR_CONFIG);
    CHECK(strstr(err.msg, "--set: model.init = 'xxx") && strstr(err.msg, "is too long (1024 characters, 1023 at most)"));
}

/* A relative data.dir resolves to "./dir/file", which config.ini then
 * reads back as it is instead of putting it under data.dir again. */
TEST(relative_data_dir_round_trips)
{
    cj_experiment e, back;
    cj_error err;
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_set(&e, "data.dir=data/fm", &err) == CJ_OK);
    CHECK(cj_experiment_finish(&e, &err) == CJ_OK);
    CHECK(!strcmp(e.train_images, "./data/fm/train-images-idx3-ubyte.gz"));
    char *path = cj_path_join(fixtures, "config.ini");
    FILE *f = fopen(path, "w");
    cj_experiment_write(&e, f);
    fclose(f);
    cj_experiment_defaults(&back);
    CHECK(cj_experiment_load(&back, path, &err) == CJ_OK);
    CHECK(cj_experiment_finish(&back, &err) == CJ_OK);
    back.keys_given = e.keys_given;
    CHECK(memcmp(&e, &back, sizeof e) == 0);
    free(path);
}

/* conv2d 16777216 on 28x28 used to overflow the int flatten size. */
TEST(oversized_layers_are_refused_by_name)
{
    cj_model m;
    cj_error err = {0};
    cj_shape in = {1, 28, 28};
    CHECK(cj_model_create(&m, "conv2d 16777216, flatten, dense 10", in, 64, &err) == CJ_ERR_SHAPE);
    CHECK(!strcmp(err.msg, "layer 0 (Conv2d): output 16777216x26x26 is more than 2147483647 elements"));
    CHECK(cj_model_create(&m, "flatten, dense 16777216", in, 64, &err) == CJ_ERR_SHAPE);
    CHECK(!strcmp(err.msg, "layer 1 (Linear): weight 16777216x784 is more than 2147483647 elements"));
    CHECK(cj_model_create(&m, "conv2d 1 kernel=1 padding=16777216", in, 1, &err) == CJ_ERR_SHAPE);
    CHECK(!strcmp(err.msg, "layer 0 (Conv2d): padded input 1x33554460x33554460 is more than 2147483647 elements"));
    size_t floats;
    CHECK(cj_model_plan("conv2d 4096 kernel=1", in, 1024, &floats, &err) == CJ_ERR_SHAPE);
    CHECK(!strcmp(err.msg, "output of layer 0: a batch of 1024 samples of 4096x28x28 is more than 2147483647 elements"));
    CHECK(cj_model_plan("flatten, dense 10", in, 2, &floats, &err) == CJ_OK);
    /* 7850 parameters and gradients, 2 x (784 + 10) activations and their
     * gradients: flatten works in place, in its input's memory. */
    CHECK(floats == 2 * 7850 + 2 * 2 * (784 + 10));
}

/* The keys of one data format are errors under the other, like those of
 * another optimiser; the npy files must make one training set (and at most
 * one test set) of one target kind that suits the objective. */
TEST(data_format_keys_and_their_errors)
{
    expect_error("[data]\ntrain_inputs = x.npy\n", NULL,
                 "data.train_inputs is set but applies only to data.format = npy, not data.format = idx (remove it)");
    expect_error("[data]\nformat = npy\ntrain_images = x.gz\ntrain_inputs = x.npy\ntrain_labels = y.npy\n", NULL,
                 "data.train_images is set but applies only to data.format = idx, not data.format = npy");
    expect_error(NULL, "data.sequence=true", "data.sequence is set but applies only to data.format = npy");
    expect_error(NULL, "data.format=hdf5", "unknown data format 'hdf5' (expected idx, npy or task)");
    expect_error("[data]\nformat = npy\n", NULL, "data.format = npy needs data.train_inputs");
    expect_error("[data]\nformat = npy\ntrain_inputs = x.npy\n", NULL,
                 "needs one of data.train_labels, data.train_targets and data.train_counts");
    expect_error("[data]\nformat = npy\ntrain_inputs = x.npy\ntrain_labels = y.npy\ntrain_counts = c.npy\n", NULL,
                 "needs only one of data.train_labels");
    expect_error("[data]\nformat = npy\ntrain_inputs = x.npy\ntrain_counts = c.npy\ntest_counts = t.npy\n", NULL,
                 "data.test_counts is set but data.test_inputs is not");
    expect_error("[data]\nformat = npy\ntrain_inputs = x.npy\ntrain_counts = c.npy\ntest_inputs = t.npy\n"
                 "test_labels = l.npy\n[objective]\nname = poisson\n",
                 NULL, "data.test_labels is set but the training set has data.train_counts: give data.test_counts");
    expect_error("[data]\nformat = npy\ntrain_inputs = x.npy\ntrain_counts = c.npy\ntest_inputs = t.npy\n"
                 "[objective]\nname = poisson\n",
                 NULL, "data.test_inputs is set without its targets: give data.test_counts");
    expect_error("[data]\nformat = npy\ntrain_inputs = x.npy\ntrain_labels = y.npy\nscale = unit\n", NULL,
                 "data.scale = unit (pixel/255) applies only to data.format = idx");
    expect_error("[data]\nformat = npy\ntrain_inputs = x.npy\ntrain_counts = c.npy\n", NULL,
                 "objective.name = cross_entropy needs class labels (data.train_labels), not data.train_counts: use "
                 "mse or poisson");
    expect_error("[data]\nformat = npy\ntrain_inputs = x.npy\ntrain_targets = t.npy\n[objective]\nname = poisson\n",
                 NULL, "objective.name = poisson fits spike counts (data.train_counts, with data.format = npy), not "
                 "data.train_targets");
    expect_error(NULL, "objective.name=poisson", "not the IDX labels");
    expect_error(NULL, "data.validation=1", "data.validation = '1' must be below 1");
    expect_error(NULL, "data.train_images=", "data.format = idx needs data.train_images");
}

TEST(npy_experiment_defaults_and_round_trip)
{
    cj_experiment e, back;
    cj_error err = {0};
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_load(&e, write_ini("npy.ini", "[data]\nformat = npy\ntrain_inputs = x.npy\n"
                                                      "train_counts = c.npy\ntrain_mask = m.npy\nsequence = true\n"
                                                      "validation = 0.25\n[objective]\nname = poisson\n"),
                             &err) == CJ_OK);
    CHECK(cj_experiment_finish(&e, &err) == CJ_OK);
    if (err.msg[0]) printf("  %s\n", err.msg);
    /* No Debian folder, no IDX names, values as stored; paths from "." */
    CHECK(e.data_dir[0] == 0 && e.train_labels[0] == 0 && e.test_labels[0] == 0 && e.train_images[0] == 0);
    CHECK(e.scale == CJ_SCALE_RAW && e.sequence == 1 && e.format == CJ_DATA_NPY);
    CHECK_NEAR(e.validation, 0.25, 1e-7);
    CHECK(!strcmp(e.train_inputs, "./x.npy") && !strcmp(e.train_counts, "./c.npy") && !strcmp(e.train_mask, "./m.npy"));
    cj_data_files f = cj_experiment_train_files(&e), t = cj_experiment_test_files(&e);
    CHECK(f.inputs == e.train_inputs && f.counts == e.train_counts && f.mask == e.train_mask && !f.labels[0]);
    CHECK(!t.inputs[0]);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    cj_experiment_write(&e, m);
    fclose(m);
    /* Only the keys that apply: no IDX images. */
    CHECK(text && strstr(text, "format = npy") && strstr(text, "train_counts = ./c.npy") &&
          !strstr(text, "train_images") && strstr(text, "validation = 0.25"));
    cj_experiment_defaults(&back);
    CHECK(cj_experiment_load(&back, write_ini("npy_back.ini", text), &err) == CJ_OK);
    CHECK(cj_experiment_finish(&back, &err) == CJ_OK);
    back.keys_given = e.keys_given;
    CHECK(memcmp(&e, &back, sizeof e) == 0);
    free(text);
    /* An IDX config.ini names no npy key. */
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_finish(&e, &err) == CJ_OK);
    m = open_memstream(&text, &len);
    cj_experiment_write(&e, m);
    fclose(m);
    CHECK(text && strstr(text, "format = idx") && !strstr(text, "train_inputs") && !strstr(text, "sequence"));
    free(text);
}

/* Every example a user copies parses and passes the experiment's checks
 * (keys, values, scopes, data keys against the objective). */
TEST(every_example_file_is_valid)
{
    glob_t g;
    CHECK(glob("examples/*.ini", 0, NULL, &g) == 0 && g.gl_pathc >= 5);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        cj_experiment e;
        cj_error err;
        cj_experiment_defaults(&e);
        cj_status st = cj_experiment_load(&e, g.gl_pathv[i], &err);
        if (!st) st = cj_experiment_finish(&e, &err);
        if (st) test_fail("%s: %s", g.gl_pathv[i], err.msg);
    }
    globfree(&g);
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    fixtures = fixture_dir("exp");
    RUN(reads_values_and_applies_overrides);
    RUN(written_config_reads_back_identically);
    RUN(bad_files_and_overrides_are_named);
    RUN(unknown_names_suggest_the_closest);
    RUN(keys_of_another_optimiser_or_rule_are_errors);
    RUN(missing_file_is_named);
    RUN(folder_and_fifo_are_refused);
    RUN(nul_byte_in_a_value_names_the_line);
    RUN(long_lines_are_read_whole);
    RUN(indented_lines_continue_the_value);
    RUN(empty_value_at_end_of_file);
    RUN(floats_out_of_range_quote_the_value);
    RUN(set_values_are_checked_like_file_values);
    RUN(relative_data_dir_round_trips);
    RUN(oversized_layers_are_refused_by_name);
    RUN(every_example_file_is_valid);
    RUN(data_format_keys_and_their_errors);
    RUN(npy_experiment_defaults_and_round_trip);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) printf("could not remove %s\n", dir);
    return test_summary("experiment");
}
