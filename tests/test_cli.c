/* The `cajal` command as a user meets it: help, version, exit codes and
 * one-line errors. Runs the binary named by $CAJAL (set by make test). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "cli_runner.h"
#include "idx_fixture.h"

static char dir[] = "/tmp/cajal-test-cli-XXXXXX";
static const char *cajal;
static char output[8192];

static int run(const char *args) { return run_cajal(cajal, args, output, sizeof output); }

static void write_text(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

TEST(help_and_version)
{
    CHECK(run("--version") == 0 && !strncmp(output, "cajal ", 6));
    CHECK(run("--help") == 0 && strstr(output, "train") && strstr(output, "plot"));
    CHECK(run("train --help") == 0 && strstr(output, "--set"));
    CHECK(run("") == 2);
    CHECK(run("frobnicate") == 2 && strstr(output, "unknown command 'frobnicate'"));
    CHECK(run("train") == 2);
    CHECK(run("train x.ini --bogus") == 2 && strstr(output, "'--bogus'"));
}

TEST(config_errors_are_one_line_and_exit_1)
{
    char args[1024];
    write_text("typo.ini", "[train]\nepocs = 3\n");
    snprintf(args, sizeof args, "train %s/typo.ini --quiet", dir);
    CHECK(run(args) == 1);
    CHECK(strstr(output, "typo.ini: unknown key 'epocs' in [train]") && count_lines(output) == 1);

    snprintf(args, sizeof args, "train %s/missing.ini", dir);
    CHECK(run(args) == 1 && strstr(output, "missing.ini: cannot open") && count_lines(output) == 1);

    write_text("ok.ini", "[train]\nepochs = 1\n");
    snprintf(args, sizeof args, "train %s/ok.ini --quiet --set rule.name=backprop", dir);
    CHECK(run(args) == 1 && strstr(output, "unknown learning rule 'backprop'") && count_lines(output) == 1);

    snprintf(args, sizeof args, "train %s/ok.ini --quiet --set model.layers='flatten, dense 0'", dir);
    CHECK(run(args) == 1 && strstr(output, "'0'") && count_lines(output) == 1);
}

TEST(missing_data_file_is_named)
{
    char args[1024];
    write_text("nodata.ini", "[data]\ndir = /nonexistent-data\n[train]\nepochs = 1\n");
    snprintf(args, sizeof args, "train %s/nodata.ini --quiet --out %s/run", dir, dir);
    CHECK(run(args) == 1);
    CHECK(strstr(output, "/nonexistent-data/train-images-idx3-ubyte.gz: cannot open") && count_lines(output) == 1);
}

TEST(trains_a_toy_experiment)
{
    char text[1024], args[1024];
    snprintf(text, sizeof text,
             "[data]\ndir = %s\ntrain_images = train-images.gz\ntrain_labels = train-labels.gz\n"
             "test_images = train-images.gz\ntest_labels = train-labels.gz\n"
             "[model]\nlayers = flatten, dense 4, tanh, dense 2\n[train]\nepochs = 2\nbatch = 10\n",
             dir);
    write_text("toy.ini", text);
    snprintf(args, sizeof args, "train %s/toy.ini --threads 1 --set rule.name=dfa --out %s/toy", dir, dir);
    CHECK(run(args) == 0);
    CHECK(strstr(output, "epoch 2/2  train loss") != NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/toy/model.safetensors", dir);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f) fclose(f);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    if (!mkdtemp(dir)) return 1;
    if (write_toy_set(dir, "train", 60, 4, 4, 3)) return 1;
    RUN(help_and_version);
    RUN(config_errors_are_one_line_and_exit_1);
    RUN(missing_data_file_is_named);
    RUN(trains_a_toy_experiment);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) printf("could not remove %s\n", dir);
    return test_summary("cli");
}
