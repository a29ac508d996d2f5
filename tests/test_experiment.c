/* Experiment files: values, overrides and one-line errors naming the
 * section, key or value at fault. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/experiment.h"
#include "harness.h"

static char dir[] = "/tmp/cajal-test-exp-XXXXXX";

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
    CHECK(e.rule.kind == CJ_RULE_KOLEN_POLLACK);
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
    expect_error("[train]\nthis line has no equals sign\n", NULL, "line 2");
    expect_error(NULL, "train.epochs", "expected section.key=value");
    expect_error(NULL, "model.depth=3", "unknown key 'depth' in [model]");
    expect_error(NULL, "optim.name=rmsprop", "unknown optimiser 'rmsprop'");
    expect_error(NULL, "data.scale=zscore", "unknown pixel scale 'zscore'");
    /* The file's name is part of the message. */
    expect_error("[train]\nbatch = 0\n", NULL, "bad.ini");
}

TEST(missing_file_is_named)
{
    cj_experiment e;
    cj_error err;
    cj_experiment_defaults(&e);
    CHECK(cj_experiment_load(&e, "/nonexistent/x.ini", &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, "/nonexistent/x.ini: cannot open") != NULL);
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    RUN(reads_values_and_applies_overrides);
    RUN(written_config_reads_back_identically);
    RUN(bad_files_and_overrides_are_named);
    RUN(missing_file_is_named);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) printf("could not remove %s\n", dir);
    return test_summary("experiment");
}
