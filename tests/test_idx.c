/* IDX reading: values, scaling and the one-line errors for bad files. */
#include <stdlib.h>
#include <string.h>

#include "cajal/data.h"
#include "harness.h"
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

TEST(pixel_scale_names)
{
    cj_pixel_scale s;
    cj_error err;
    CHECK(cj_pixel_scale_parse("raw", &s, &err) == CJ_OK && s == CJ_SCALE_RAW);
    CHECK(cj_pixel_scale_parse("zscore", &s, &err) == CJ_ERR_CONFIG && strstr(err.msg, "'zscore'"));
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    RUN(reads_pixels_and_labels);
    RUN(missing_truncated_and_mismatched_files_are_named);
    RUN(pixel_scale_names);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) printf("could not remove %s\n", dir);
    return test_summary("idx");
}
