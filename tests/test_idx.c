/* IDX reading: values, scaling and the one-line errors for bad files. */
#include <stdlib.h>
#include <string.h>

#include "cajal/data.h"
#include "fixtures.h"
#include "harness.h"

/* A folder for the hand-made files (fixtures.h), one per program and
 * reachable until exit. */
static const char *tdir;
#include "idx_fixture.h"

static char dir[] = "/tmp/cajal-test-idx-XXXXXX";

static void path_of(char *buf, const char *name) { snprintf(buf, 512, "%s/%s", dir, name); }

TEST(reads_pixels_and_labels)
{
    unsigned char px[2 * 2 * 3] = {0, 255, 51, 102, 0, 0, 1, 2, 3, 4, 5, 6};
    unsigned char lab[2] = {7, 3};
    unsigned idims[3] = {2, 2, 3}, ldims[1] = {2};
    char ip[512], lp[512];
    path_of(ip, "a-images.gz");
    path_of(lp, "a-labels.gz");
    CHECK(write_idx(ip, idims, 3, px, sizeof px, 0) == 0);
    CHECK(write_idx(lp, ldims, 1, lab, sizeof lab, 0) == 0);
    cj_dataset d;
    cj_error err;
    CHECK(cj_idx_load(ip, lp, &d, &err) == CJ_OK);
    CHECK(d.n == 2 && d.shape.c == 1 && d.shape.h == 2 && d.shape.w == 3);
    CHECK(d.n_classes == 8);
    CHECK(d.y[0] == 7 && d.y[1] == 3);
    CHECK_NEAR(d.x[1], 1.0, 1e-7);
    CHECK_NEAR(d.x[2], 0.2, 1e-7);
    CHECK_NEAR(d.x[11], 6.0 / 255.0, 1e-7);

    float mean, sd;
    cj_dataset_stats(&d, &mean, &sd);
    cj_dataset_rescale(&d, CJ_SCALE_STANDARD, mean, sd);
    float m2, s2;
    cj_dataset_stats(&d, &m2, &s2);
    CHECK_NEAR(m2, 0.0, 1e-6);
    CHECK_NEAR(s2, 1.0, 1e-5);
    cj_dataset_free(&d);
}

/* The load fails and the message names `expect_in_msg`. */
static void expect_failure(const char *images, const char *labels, const char *expect_in_msg)
{
    cj_dataset d;
    cj_error err = {0};
    cj_status st = cj_idx_load(images, labels, &d, &err);
    CHECK(st != CJ_OK);
    CHECK(strstr(err.msg, expect_in_msg) != NULL);
    CHECK(strchr(err.msg, '\n') == NULL);
    if (!strstr(err.msg, expect_in_msg)) printf("  message was: %s\n", err.msg);
}

TEST(missing_truncated_and_mismatched_files_are_named)
{
    unsigned char px[3 * 2 * 2] = {0}, lab[3] = {0, 1, 2};
    unsigned idims[3] = {3, 2, 2}, ldims[1] = {3}, ldims2[1] = {2};
    char ip[512], lp[512], tp[512], mp[512], bp[512], missing[512];
    path_of(ip, "b-images.gz");
    path_of(lp, "b-labels.gz");
    path_of(tp, "b-truncated.gz");
    path_of(mp, "b-two-labels.gz");
    path_of(bp, "b-bad-magic.gz");
    path_of(missing, "no-such-file.gz");
    write_idx(ip, idims, 3, px, sizeof px, 0);
    write_idx(lp, ldims, 1, lab, sizeof lab, 0);
    write_idx(tp, idims, 3, px, sizeof px, 5);
    write_idx(mp, ldims2, 1, lab, 2, 0);
    FILE *f = fopen(bp, "wb");
    fputs("this is not an idx file", f);
    fclose(f);

    expect_failure(missing, lp, "no-such-file.gz: cannot open");
    expect_failure(tp, lp, "b-truncated.gz: file is truncated");
    expect_failure(ip, mp, "has 3 images but");
    expect_failure(bp, lp, "b-bad-magic.gz: not an IDX file");
    expect_failure(lp, lp, "b-labels.gz: expected 3 dimensions");
}

/* The load fails with exactly the message `expect` (one line). */
static void expect_message(const char *images, const char *labels, const char *expect)
{
    cj_dataset d;
    cj_error err = {0};
    CHECK(cj_idx_load(images, labels, &d, &err) != CJ_OK);
    CHECK(strcmp(err.msg, expect) == 0);
    if (strcmp(err.msg, expect)) printf("  message was: %s\n  expected:    %s\n", err.msg, expect);
    CHECK(d.x == NULL && d.y == NULL && d.n == 0);
}

/* An uncompressed IDX header with the given sizes and `extra` data bytes. */
static char *plain_idx(const char *folder, const char *name, const unsigned *dims, int ndim, size_t extra)
{
    unsigned char buf[64] = {0, 0, 0x08, (unsigned char)ndim};
    for (int i = 0; i < ndim; i++)
        for (int b = 0; b < 4; b++) buf[4 + 4 * i + b] = (unsigned char)(dims[i] >> (24 - 8 * b));
    return fixture_file(folder, name, buf, 4 + 4 * (size_t)ndim + extra);
}

/* 2^28 x 2^28 x 2^8 is exactly 2^64: the product used to wrap to 0, so a
 * zero-byte buffer was allocated and then overrun by the labels. */
TEST(size_products_that_wrap_are_rejected)
{
    unsigned idims[3] = {1u << 28, 1u << 28, 1u << 8}, ldims[1] = {1u << 28};
    char *ip = plain_idx(tdir, "wrap-images", idims, 3, 8);
    char *lp = plain_idx(tdir, "wrap-labels", ldims, 1, 8);
    char *want = cj_path_printf("%s: the header claims 268435456 x 268435456 x 256 images, too many to "
                                "hold in memory", ip);
    expect_message(ip, lp, want);
    free(want);
    free(ip);
    free(lp);
}

/* A plain file is checked against its size before anything is allocated. */
TEST(plain_file_shorter_than_its_header_claims)
{
    unsigned idims[3] = {3, 2, 2}, ldims[1] = {3};
    char *ip = plain_idx(tdir, "short-images", idims, 3, 5);
    char *lp = plain_idx(tdir, "short-labels", ldims, 1, 3);
    char *want = cj_path_printf("%s: file is truncated: the header claims 3 x 2 x 2 images (12 bytes) but "
                                "the file holds 5 bytes", ip);
    expect_message(ip, lp, want);
    free(want);
    char *ip2 = plain_idx(tdir, "ok-images", idims, 3, 12);
    char *lp2 = plain_idx(tdir, "short2-labels", ldims, 1, 2);
    want = cj_path_printf("%s: file is truncated: the header claims 3 labels (3 bytes) but the file holds "
                          "2 bytes", lp2);
    expect_message(ip2, lp2, want);
    free(want);
    free(ip);
    free(lp);
    free(ip2);
    free(lp2);
}

/* A gzip file's decompressed size is unknown: a few bytes claiming 2^48
 * pixels must come out as truncated, never as an attempt to allocate
 * 256 TiB (which fails as "out of memory", or aborts under ASan). */
TEST(tiny_gzip_claiming_terabytes_is_truncated)
{
    unsigned char px[12] = {1, 2, 3};
    unsigned idims[3] = {1u << 28, 1u << 10, 1u << 10}, ldims[1] = {1u << 28};
    char ip[512], lp[512];
    path_of(ip, "huge-images.gz");
    path_of(lp, "huge-labels.gz");
    CHECK(write_idx(ip, idims, 3, px, sizeof px, 0) == 0);
    CHECK(write_idx(lp, ldims, 1, px, sizeof px, 0) == 0);
    char *want = cj_path_printf("%s: file is truncated: the header claims 268435456 x 1024 x 1024 images "
                                "(281474976710656 bytes) but the data end after 12 bytes", ip);
    expect_message(ip, lp, want);
    free(want);
}

TEST(folders_are_refused_by_name)
{
    unsigned ldims[1] = {3};
    char *lp = plain_idx(tdir, "labels", ldims, 1, 3);
    char *want = cj_path_printf("%s: is a folder, not a file", tdir);
    expect_message(tdir, lp, want);
    free(want);
    free(lp);
}

/* The reader grows its buffer as data arrive; a set larger than the first
 * buffer (1 MiB + 16 x the compressed size) still reads whole and exact. */
TEST(large_gzip_reads_past_the_first_buffer)
{
    unsigned n = 3000, h = 28, w = 28;
    unsigned char *px = malloc((size_t)n * h * w), *lab = malloc(n);
    for (size_t i = 0; i < (size_t)n * h * w; i++) px[i] = (unsigned char)(i % 7 == 0 ? 255 : 0);
    for (unsigned i = 0; i < n; i++) lab[i] = (unsigned char)(i % 10);
    unsigned idims[3] = {n, h, w}, ldims[1] = {n};
    char ip[512], lp[512];
    path_of(ip, "big-images.gz");
    path_of(lp, "big-labels.gz");
    CHECK(write_idx(ip, idims, 3, px, (size_t)n * h * w, 0) == 0);
    CHECK(write_idx(lp, ldims, 1, lab, n, 0) == 0);
    cj_dataset d;
    cj_error err = {0};
    cj_status st = cj_idx_load(ip, lp, &d, &err);
    if (st) printf("  %s\n", err.msg);
    CHECK(st == CJ_OK);
    if (st) return;
    CHECK(d.n == (int)n && d.n_classes == 10 && d.y[n - 1] == (int)((n - 1) % 10));
    size_t wrong = 0;
    for (size_t i = 0; i < (size_t)n * h * w; i++) wrong += d.x[i] != px[i] * (1.0f / 255.0f);
    CHECK(wrong == 0);
    cj_dataset_free(&d);
    free(px);
    free(lab);
}

/* The shape from the header alone: a truncated file (data missing) still
 * has one; a labels file (1 dimension) does not. */
TEST(image_shape_from_the_header)
{
    unsigned char px[3 * 5 * 7] = {0};
    unsigned idims[3] = {3, 5, 7}, ldims[1] = {3};
    char ip[512], lp[512];
    path_of(ip, "shape-images.gz");
    path_of(lp, "shape-labels.gz");
    CHECK(write_idx(ip, idims, 3, px, sizeof px, 40) == 0);
    CHECK(write_idx(lp, ldims, 1, px, 3, 0) == 0);
    cj_shape s = {0, 0, 0};
    cj_error err = {0};
    CHECK(cj_idx_image_shape(ip, &s, &err) == CJ_OK);
    CHECK(s.c == 1 && s.h == 5 && s.w == 7);
    CHECK(cj_idx_image_shape(lp, &s, &err) != CJ_OK);
    CHECK(strstr(err.msg, "expected 3 dimensions") != NULL);
    path_of(ip, "no-such-images.gz");
    CHECK(cj_idx_image_shape(ip, &s, &err) != CJ_OK);
    CHECK(strstr(err.msg, "no-such-images.gz") != NULL);
}

TEST(pixel_scale_names)
{
    cj_pixel_scale s;
    cj_error err;
    CHECK(cj_pixel_scale_parse("raw", &s, &err) == CJ_OK && s == CJ_SCALE_RAW);
    CHECK(cj_pixel_scale_parse("zscore", &s, &err) == CJ_ERR_CONFIG && strstr(err.msg, "'zscore'"));
}

int main(void)
{
    tdir = fixture_dir("idx");
    if (!mkdtemp(dir)) return 1;
    RUN(reads_pixels_and_labels);
    RUN(missing_truncated_and_mismatched_files_are_named);
    RUN(size_products_that_wrap_are_rejected);
    RUN(plain_file_shorter_than_its_header_claims);
    RUN(tiny_gzip_claiming_terabytes_is_truncated);
    RUN(folders_are_refused_by_name);
    RUN(large_gzip_reads_past_the_first_buffer);
    RUN(image_shape_from_the_header);
    RUN(pixel_scale_names);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) printf("could not remove %s\n", dir);
    return test_summary("idx");
}
