/* test_files.c — opening inputs: regular files only (folders, FIFOs and
 * devices are refused at once, never read or waited on), NUL bytes in text
 * inputs named by line, and path joins that are never cut short. */
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "fixtures.h"
#include "harness.h"

static const char *dir;

TEST(a_regular_file_opens_with_its_size)
{
    char *p = fixture_text(dir, "a.txt", "hello\n");
    FILE *f;
    uint64_t size = 0;
    cj_error err = {0};
    CHECK(cj_file_open(p, &f, &size, &err) == CJ_OK);
    CHECK(size == 6);
    if (f) fclose(f);
    free(p);
}

TEST(a_folder_is_refused_by_name)
{
    FILE *f;
    cj_error err = {0};
    CHECK(cj_file_open(dir, &f, NULL, &err) == CJ_ERR_IO);
    CHECK(f == NULL);
    CHECK(strstr(err.msg, dir) && strstr(err.msg, "is a folder, not a file"));
}

/* Without O_NONBLOCK this open would wait forever for a writer. */
TEST(a_fifo_is_refused_without_blocking)
{
    char *p = cj_path_join(dir, "pipe");
    CHECK(mkfifo(p, 0600) == 0);
    FILE *f;
    cj_error err = {0};
    CHECK(cj_file_open(p, &f, NULL, &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, "FIFO"));
    free(p);
}

TEST(a_device_is_refused)
{
    int fd;
    cj_error err = {0};
    CHECK(cj_file_open_fd("/dev/zero", &fd, NULL, &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, "/dev/zero: is a device"));
}

TEST(a_missing_file_names_the_path_and_reason)
{
    FILE *f;
    cj_error err = {0};
    CHECK(cj_file_open("/nonexistent/x.npy", &f, NULL, &err) == CJ_ERR_IO);
    CHECK(!strcmp(err.msg, "/nonexistent/x.npy: cannot open: No such file or directory"));
}

TEST(text_with_a_nul_byte_names_its_line)
{
    char *p = fixture_file(dir, "nul.tsv", "a\tb\nc\td\ne\0f\ng\th\n", 15);
    char *text;
    size_t len;
    cj_error err = {0};
    CHECK(cj_text_read(p, 1 << 20, &text, &len, &err) == CJ_ERR_FORMAT);
    CHECK(text == NULL);
    CHECK(strstr(err.msg, "nul.tsv: line 3: contains a NUL byte"));
    free(p);
}

TEST(text_reads_whole_and_terminated)
{
    char *p = fixture_text(dir, "t.txt", "x = 1\ny = 2");
    char *text;
    size_t len;
    cj_error err = {0};
    CHECK(cj_text_read(p, 1 << 20, &text, &len, &err) == CJ_OK);
    CHECK(len == 11 && text && !strcmp(text, "x = 1\ny = 2"));
    free(text); /* the next call sets text to NULL first */
    CHECK(cj_text_read(p, 4, &text, &len, &err) == CJ_ERR_FORMAT);
    CHECK(strstr(err.msg, "too large"));
    free(text);
    free(p);
}

TEST(paths_are_never_cut_short)
{
    char longdir[5000];
    memset(longdir, 'd', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = '\0';
    char *p = cj_path_join(longdir, "metrics.jsonl");
    CHECK(p && strlen(p) == 4999 + 1 + 13 && !strcmp(p + 5000, "metrics.jsonl"));
    free(p);
    p = cj_path_join("runs/", "a");
    CHECK(p && !strcmp(p, "runs/a"));
    free(p);
    p = cj_path_join("", "a");
    CHECK(p && !strcmp(p, "a"));
    free(p);
}

int main(void)
{
    dir = fixture_dir("files");
    RUN(a_regular_file_opens_with_its_size);
    RUN(a_folder_is_refused_by_name);
    RUN(a_fifo_is_refused_without_blocking);
    RUN(a_device_is_refused);
    RUN(a_missing_file_names_the_path_and_reason);
    RUN(text_with_a_nul_byte_names_its_line);
    RUN(text_reads_whole_and_terminated);
    RUN(paths_are_never_cut_short);
    return test_summary("files");
}
