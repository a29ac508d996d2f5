/* test_metrics.c — reading metrics.jsonl (cj_metrics_read): the bytes and
 * sizes a file can get wrong, each with its exact one-line message. The
 * values themselves are checked in test_plot.c, next to the plots, except
 * the intervals' pairs, checked here with their messages. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/metrics.h"
#include "fixtures.h"
#include "harness.h"

/* One folder for the whole program (fixtures.h), reachable until exit. */
static const char *dir;

/* Reading `path` fails with exactly "<path>: <rest>". */
static void expect_exact(const char *path, const char *rest)
{
    cj_metrics m;
    cj_error err = {0};
    CHECK(cj_metrics_read(path, &m, &err) != CJ_OK);
    char *want = cj_path_printf("%s: %s", path, rest);
    CHECK(strcmp(err.msg, want) == 0);
    if (strcmp(err.msg, want)) printf("  message was: %s\n  expected:    %s\n", err.msg, want);
    CHECK(m.epoch == NULL && m.layers == NULL && m.n_epochs == 0);
    cj_metrics_free(&m);
    free(want);
}

/* A NUL byte used to end the text early, dropping every later epoch. */
TEST(nul_bytes_are_errors_naming_the_line)
{
    const char raw[] = "{\"epoch\":1}\n{\"epoch\":2,\0\"x\":1}\n{\"epoch\":3}\n";
    char *p = fixture_file(dir, "raw.jsonl", raw, sizeof raw - 1);
    expect_exact(p, "line 2: contains a NUL byte (not a text file?)");
    free(p);
    p = fixture_text(dir, "esc.jsonl", "{\"epoch\":1}\n{\"epoch\":2,\"rule\":\"fa\\u0000bp\"}\n");
    expect_exact(p, "line 2: column 22: \\u0000 puts a NUL byte in a string");
    free(p);
    /* An escaped backslash before "u0000" is plain text. */
    p = fixture_text(dir, "plain.jsonl", "{\"epoch\":1,\"rule\":\"a\\\\u0000\"}\n");
    cj_metrics m;
    cj_error err = {0};
    CHECK(cj_metrics_read(p, &m, &err) == CJ_OK);
    CHECK(m.rule && !strcmp(m.rule, "a\\u0000"));
    cj_metrics_free(&m);
    free(p);
}

/* val_loss and val_acc (data.validation) read like the other scalars;
 * files from before they existed read them as NaN. */
TEST(validation_columns_read_and_default_to_nan)
{
    char *p = fixture_text(dir, "val.jsonl",
                           "{\"epoch\":1,\"val_loss\":0.5,\"val_acc\":0.75,\"test_loss\":0.4}\n"
                           "{\"epoch\":2,\"val_loss\":null,\"val_acc\":null}\n{\"epoch\":3}\n");
    cj_metrics m;
    cj_error err = {0};
    CHECK(cj_metrics_read(p, &m, &err) == CJ_OK);
    CHECK(m.n_epochs == 3 && m.val_loss[0] == 0.5 && m.val_acc[0] == 0.75 && m.test_loss[0] == 0.4);
    CHECK(isnan(m.val_loss[1]) && isnan(m.val_acc[1]) && isnan(m.val_loss[2]) && isnan(m.test_acc[0]));
    cj_metrics_free(&m);
    free(p);
    p = fixture_text(dir, "val_bad.jsonl", "{\"epoch\":1,\"val_acc\":\"high\"}\n");
    expect_exact(p, "line 1: \"val_acc\" is a string, expected a number");
    free(p);
}

TEST(folders_and_missing_files_are_named)
{
    expect_exact(dir, "is a folder, not a file");
    char *p = cj_path_join(dir, "none.jsonl");
    expect_exact(p, "cannot open: No such file or directory");
    free(p);
}

/* 100k short lines and one array of 1M entries asked for 10^11 doubles
 * (800 GB): "out of memory", or an abort under ASan. */
TEST(per_layer_tables_are_bounded_by_the_file)
{
    enum { LINES = 100000, ENTRIES = 1000000 };
    size_t cap = (size_t)ENTRIES * 2 + (size_t)LINES * 16 + 64, n = 0;
    char *text = malloc(cap);
    n += (size_t)snprintf(text, cap, "{\"epoch\":0,\"align_deg\":[");
    for (int i = 0; i < ENTRIES; i++) text[n++] = '0', text[n++] = i + 1 < ENTRIES ? ',' : ']';
    n += (size_t)snprintf(text + n, cap - n, "}\n");
    for (int i = 1; i < LINES; i++) n += (size_t)snprintf(text + n, cap - n, "{\"epoch\":%d}\n", i % 10);
    char *p = fixture_file(dir, "wide.jsonl", text, n);
    char *rest = cj_path_printf("line 1: \"align_deg\" has 1000000 entries for 100000 lines: a table of "
                                "100000000000 values is implausibly large for a %zu-byte file", n);
    expect_exact(p, rest);
    free(rest);
    free(text);
    unlink(p);
    free(p);
}

/* Sparse tables of an honest run still read: 50 layers measured every
 * tenth epoch of 1000. */
TEST(sparse_per_layer_tables_still_read)
{
    size_t cap = 1 << 20, n = 0;
    char *text = malloc(cap);
    for (int e = 0; e < 1000; e++) {
        n += (size_t)snprintf(text + n, cap - n, "{\"epoch\":%d", e + 1);
        if (e % 10 == 0) {
            n += (size_t)snprintf(text + n, cap - n, ",\"align_deg\":[");
            for (int l = 0; l < 50; l++) n += (size_t)snprintf(text + n, cap - n, "%s%d", l ? "," : "", l);
            n += (size_t)snprintf(text + n, cap - n, "]");
        }
        n += (size_t)snprintf(text + n, cap - n, "}\n");
    }
    char *p = fixture_file(dir, "sparse.jsonl", text, n);
    cj_metrics m;
    cj_error err = {0};
    cj_status st = cj_metrics_read(p, &m, &err);
    if (st) printf("  %s\n", err.msg);
    CHECK(st == CJ_OK);
    if (!st) {
        CHECK(m.n_epochs == 1000 && m.n_layers == 50);
        CHECK(m.align_deg[990 * 50 + 49] == 49 && isnan(m.align_deg[991 * 50]));
        CHECK(!strcmp(m.layers[49], "layer 50"));
    }
    cj_metrics_free(&m);
    free(text);
    free(p);
}

/* Names are kept whole, however long. */
TEST(long_names_are_not_cut_short)
{
    char name[2001];
    memset(name, 'n', 2000);
    name[2000] = '\0';
    char *text = cj_path_printf("{\"epoch\":1,\"rule\":\"%s\",\"layers\":[\"%s\"],\"align_deg\":[1]}\n", name,
                                name);
    char *p = fixture_text(dir, "long.jsonl", text);
    cj_metrics m;
    cj_error err = {0};
    CHECK(cj_metrics_read(p, &m, &err) == CJ_OK);
    CHECK(m.rule && strlen(m.rule) == 2000);
    CHECK(m.n_layers == 1 && m.layers && strlen(m.layers[0]) == 2000);
    cj_metrics_free(&m);
    free(text);
    free(p);
}

TEST(bad_lines_give_one_exact_line)
{
    char *p = fixture_text(dir, "bad.jsonl", "{\"epoch\":1}\n\n{\"epoch\":2,\"train_loss\":}\n");
    expect_exact(p, "line 3: malformed JSON at column 25");
    free(p);
    p = fixture_text(dir, "empty.jsonl", "\n \n");
    expect_exact(p, "empty file, no metrics lines");
    free(p);
    p = fixture_text(dir, "layers.jsonl", "{\"epoch\":1,\"layers\":[\"a\",\"b\"]}\n{\"epoch\":2,\"align_deg\":[1]}\n");
    expect_exact(p, "line 2: \"align_deg\" has 1 entries, but earlier lines have 2 layers");
    free(p);
}

/* The 95% intervals of stochastic rules: [low, high] per layer, a null
 * entry or a null bound read as NaN; files from before they existed, or
 * lines of deterministic rules (null), leave the tables NULL. */
TEST(interval_tables_read_pairs_and_nulls)
{
    char *p = fixture_text(dir, "ci.jsonl",
                           "{\"epoch\":1,\"layers\":[\"1:Linear\",\"3:Linear\"],\"align_deg\":[80,70],"
                           "\"align_deg_ci\":[[79,81],null],\"grad_bias\":[0.1,0],"
                           "\"grad_bias_ci\":[[0,0.5],[null,0.4]],\"grad_variance\":[5,6],"
                           "\"grad_variance_ci\":[[4,6.5],[5.5,7]]}\n"
                           "{\"epoch\":2,\"align_deg\":[79,69],\"grad_bias_ci\":null}\n");
    cj_metrics m;
    cj_error err = {0};
    CHECK(cj_metrics_read(p, &m, &err) == CJ_OK);
    CHECK(m.n_epochs == 2 && m.n_layers == 2 && m.align_deg_ci && m.grad_bias_ci && m.grad_variance_ci);
    if (m.align_deg_ci && m.grad_bias_ci && m.grad_variance_ci) {
        CHECK(m.align_deg_ci[0] == 79 && m.align_deg_ci[1] == 81 && isnan(m.align_deg_ci[2]) &&
              isnan(m.align_deg_ci[3]));
        CHECK(m.grad_bias_ci[1] == 0.5 && isnan(m.grad_bias_ci[2]) && m.grad_bias_ci[3] == 0.4);
        CHECK(m.grad_variance_ci[2] == 5.5 && m.grad_variance_ci[3] == 7);
        for (int i = 4; i < 8; i++) /* line 2 has none */
            CHECK(isnan(m.align_deg_ci[i]) && isnan(m.grad_bias_ci[i]) && isnan(m.grad_variance_ci[i]));
    }
    cj_metrics_free(&m);
    CHECK(m.grad_bias_ci == NULL);
    free(p);
    p = fixture_text(dir, "old.jsonl",
                     "{\"epoch\":1,\"align_deg\":[80],\"grad_bias\":[0.1],\"grad_variance\":[5]}\n"
                     "{\"epoch\":2,\"align_deg\":[10],\"align_deg_ci\":null,\"grad_bias_ci\":null,"
                     "\"grad_variance_ci\":null}\n");
    CHECK(cj_metrics_read(p, &m, &err) == CJ_OK);
    CHECK(m.n_epochs == 2 && m.grad_bias[0] == 0.1);
    CHECK(!m.align_deg_ci && !m.grad_bias_ci && !m.grad_variance_ci);
    cj_metrics_free(&m);
    free(p);
}

TEST(bad_intervals_give_one_exact_line)
{
    char *p = fixture_text(dir, "ci3.jsonl", "{\"epoch\":1,\"grad_bias_ci\":[[0,1],[0,1,2]]}\n");
    expect_exact(p, "line 1: \"grad_bias_ci\"[1] is an array of another length, expected [low, high] or null");
    free(p);
    p = fixture_text(dir, "cinum.jsonl", "{\"epoch\":1,\"align_deg_ci\":[0.5]}\n");
    expect_exact(p, "line 1: \"align_deg_ci\"[0] is a number, expected [low, high] or null");
    free(p);
    p = fixture_text(dir, "cistr.jsonl", "{\"epoch\":1,\"grad_variance_ci\":[[1,\"2\"]]}\n");
    expect_exact(p, "line 1: \"grad_variance_ci\"[0][1] is a string, expected a number or null");
    free(p);
    p = fixture_text(dir, "cilen.jsonl", "{\"epoch\":1,\"align_deg\":[1,2],\"align_deg_ci\":[[0,1]]}\n");
    expect_exact(p, "line 1: \"align_deg_ci\" has 1 entries, but earlier lines have 2 layers");
    free(p);
    p = fixture_text(dir, "ciobj.jsonl", "{\"epoch\":1,\"grad_bias_ci\":{}}\n");
    expect_exact(p, "line 1: \"grad_bias_ci\" is an object, expected an array");
    free(p);
}

int main(void)
{
    dir = fixture_dir("metrics");
    RUN(validation_columns_read_and_default_to_nan);
    RUN(nul_bytes_are_errors_naming_the_line);
    RUN(folders_and_missing_files_are_named);
    RUN(per_layer_tables_are_bounded_by_the_file);
    RUN(sparse_per_layer_tables_still_read);
    RUN(long_names_are_not_cut_short);
    RUN(bad_lines_give_one_exact_line);
    RUN(interval_tables_read_pairs_and_nulls);
    RUN(bad_intervals_give_one_exact_line);
    return test_summary("metrics");
}
