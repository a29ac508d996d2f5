/* The `cajal` command as a user meets it: help, version, exit codes and
 * one-line errors. Runs the binary named by $CAJAL (set by make test). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fixtures.h"
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
    CHECK(strstr(output, "typo.ini: line 2: unknown key 'epocs' in [train]") && count_lines(output) == 1);

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


static void write_toy_ini(const char *name, int epochs)
{
    char text[1024];
    snprintf(text, sizeof text,
             "[data]\ndir = %s\ntrain_images = train-images.gz\ntrain_labels = train-labels.gz\n"
             "test_images = train-images.gz\ntest_labels = train-labels.gz\n"
             "[model]\nlayers = flatten, dense 4, tanh,\n         dense 2\n[train]\nepochs = %d\nbatch = 10\n",
             dir, epochs);
    write_text(name, text);
}

/* A step size far too large: the loss jumps past 10x its first value, and
 * the user is told so (the run may then stop on NaN, or not). */
TEST(a_diverging_run_is_warned_about)
{
    write_toy_ini("div.ini", 3);
    char args[1024];
    snprintf(args, sizeof args, "train %s/div.ini --threads 1 --quiet --set optim.lr=200 --out %s/div", dir, dir);
    int rc = run(args);
    CHECK(rc == 0 || rc == 1);
    CHECK(strstr(output, "cajal train: warning: epoch 1, step ") != NULL);
    CHECK(strstr(output, "the run may be diverging (try a smaller optim.lr)") != NULL);
    if (!strstr(output, "warning")) printf("  output: %s", output);
    snprintf(args, sizeof args, "train %s/div.ini --threads 1 --quiet --out %s/nodiv", dir, dir);
    CHECK(run(args) == 0 && !strstr(output, "warning"));
}

/* A folder or a FIFO as the experiment file: one line naming it, exit 1
 * (the folder used to train the defaults, the FIFO to hang). */
TEST(folder_and_fifo_as_experiment_are_refused)
{
    char args[1024];
    snprintf(args, sizeof args, "train %s --quiet", dir);
    CHECK(run(args) == 1 && count_lines(output) == 1);
    char want[600];
    snprintf(want, sizeof want, "cajal train: %s: is a folder, not a file\n", dir);
    CHECK(!strcmp(output, want));
    snprintf(args, sizeof args, "%s/pipe.ini", dir);
    CHECK(mkfifo(args, 0600) == 0);
    snprintf(args, sizeof args, "train %s/pipe.ini --quiet", dir);
    CHECK(run(args) == 1 && strstr(output, "pipe.ini: is a FIFO (named pipe), not a file") && count_lines(output) == 1);
    write_toy_ini("init.ini", 1);
    snprintf(args, sizeof args, "train %s/init.ini --quiet --set model.init=%s --out %s/init_run", dir, dir, dir);
    CHECK(run(args) == 1 && count_lines(output) == 1);
    snprintf(want, sizeof want, "cajal train: model.init: %s: is a folder, not a file\n", dir);
    CHECK(!strcmp(output, want));
}

/* --out of ~1.5 KB: the three files land in that folder under their names. */
TEST(long_out_folder_gets_all_three_files)
{
    write_toy_ini("long.ini", 1);
    char out[2048];
    int used = snprintf(out, sizeof out, "%s/long", dir);
    for (int i = 0; i < 7; i++) used += snprintf(out + used, sizeof out - used, "/%0200d", i);
    char *args = cj_path_printf("train %s/long.ini --quiet --threads 1 --out %s", dir, out);
    CHECK(run(args) == 0);
    const char *names[] = {"config.ini", "metrics.jsonl", "model.safetensors"};
    for (int i = 0; i < 3; i++) {
        char *path = cj_path_join(out, names[i]);
        struct stat sb;
        CHECK(stat(path, &sb) == 0 && sb.st_size > 0);
        free(path);
    }
    free(args);
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static int lines_in(const char *path)
{
    char *text = fixture_read(path, NULL);
    int n = text ? count_lines(text) : -1;
    free(text);
    return n;
}

/* Ctrl-C: the run stops between steps, says which epoch the files hold,
 * leaves no temporary file and exits 130; the saved model is exactly the
 * model of a run of that many epochs, and --resume continues it as if it
 * had never stopped. */
TEST(sigint_stops_cleanly_with_consistent_files)
{
    write_toy_ini("long_run.ini", 1000000);
    char ini[600], out[600], log[600], metrics[700];
    snprintf(ini, sizeof ini, "%s/long_run.ini", dir);
    snprintf(out, sizeof out, "%s/sigint", dir);
    snprintf(log, sizeof log, "%s/sigint.log", dir);
    snprintf(metrics, sizeof metrics, "%s/metrics.jsonl", out);
    char *argv[] = {(char *)cajal, "train", ini, "--quiet", "--threads", "1", "--out", out, NULL};
    pid_t pid = spawn_cajal(cajal, argv, log);
    CHECK(pid > 0);
    if (pid <= 0) return;
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 3000 && !file_exists(metrics); i++) nanosleep(&tick, NULL);
    kill(pid, SIGINT);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 130);
    char *text = fixture_read(log, NULL);
    int epoch = 0, held = -1;
    long step = 0;
    CHECK(text && count_lines(text) == 1);
    CHECK(text && sscanf(text, "cajal train: interrupted at epoch %d after step %ld; model.safetensors and "
                               "metrics.jsonl hold epoch %d", &epoch, &step, &held) == 3);
    if (text) printf("  (%.*s)\n", (int)strcspn(text, "\n"), text);
    free(text);
    CHECK(held >= 1 && epoch == held + 1 && lines_in(metrics) == held);
    char tmp_pattern[1000];
    snprintf(tmp_pattern, sizeof tmp_pattern, "ls -A %s | grep -qv -e '^config.ini$' -e '^metrics.jsonl$' "
             "-e '^model.safetensors$' -e '^train_state.safetensors$'", out);
    CHECK(system(tmp_pattern) != 0);  /* nothing else in the folder */

    char args[1600];
    snprintf(args, sizeof args, "train %s --quiet --threads 1 --set train.epochs=%d --out %s/sigint_ref", ini, held,
             dir);
    CHECK(run(args) == 0);
    snprintf(args, sizeof args, "cmp -s %s/model.safetensors %s/sigint_ref/model.safetensors", out, dir);
    CHECK(system(args) == 0);

    /* --resume goes on from there: one more epoch gives the files of a run
     * of held + 1 epochs. */
    snprintf(args, sizeof args, "train --resume %s --quiet --threads 1 --set train.epochs=%d", out, held + 1);
    CHECK(run(args) == 0 && lines_in(metrics) == held + 1);
    snprintf(args, sizeof args, "train %s --quiet --threads 1 --set train.epochs=%d --out %s/sigint_ref2", ini,
             held + 1, dir);
    CHECK(run(args) == 0);
    const char *same[] = {"model.safetensors", "train_state.safetensors", "config.ini"};
    for (int i = 0; i < 3; i++) {
        snprintf(args, sizeof args, "cmp -s %s/%s %s/sigint_ref2/%s", out, same[i], dir, same[i]);
        CHECK(system(args) == 0);
    }
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
    RUN(a_diverging_run_is_warned_about);
    RUN(folder_and_fifo_as_experiment_are_refused);
    RUN(long_out_folder_gets_all_three_files);
    RUN(sigint_stops_cleanly_with_consistent_files);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) printf("could not remove %s\n", dir);
    return test_summary("cli");
}
