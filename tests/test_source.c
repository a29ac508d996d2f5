/* test_source.c — data sources (source.h): .npy inputs and targets, static
 * and sequences, filled time-major; every .npy error with its message;
 * the IDX source against cj_idx_load; scaling and statistics against
 * cj_dataset_stats/rescale; subsets and the held-out split. The .npy files
 * are written here (npy_fixture.h); no Python is needed. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/source.h"
#include "fixtures.h"
#include "harness.h"
#include "idx_fixture.h"
#include "npy_fixture.h"

static const char *tdir;

/* Open files as npy, expecting success. */
static int open_ok(const cj_data_files *f, int sequence, cj_source *s)
{
    cj_error err = {0};
    cj_status st = cj_source_npy(f, sequence, s, &err);
    if (st) test_fail("cj_source_npy: %s", err.msg);
    return st == CJ_OK;
}

/* Open files as npy, expecting failure with a message containing each of
 * the NULL-terminated strings. */
static void open_fails(const cj_data_files *f, int sequence, ...)
{
    cj_error err = {0};
    cj_source s;
    cj_status st = cj_source_npy(f, sequence, &s, &err);
    if (st == CJ_OK) {
        test_fail("%s opened, expected an error", f->inputs);
        cj_source_free(&s);
        return;
    }
    if (getenv("SHOW_MESSAGES")) printf("  message: %s\n", err.msg);
    va_list ap;
    va_start(ap, sequence);
    for (const char *want; (want = va_arg(ap, const char *));)
        if (!strstr(err.msg, want)) test_fail("message '%s' lacks '%s'", err.msg, want);
    va_end(ap);
}

/* x[n, f] = 100 n + f (exact in float32), for N x F inputs. */
static char *static_inputs(const char *name, int N, int F)
{
    float *x = malloc(sizeof(float) * N * F);
    for (int n = 0; n < N; n++)
        for (int f = 0; f < F; f++) x[n * F + f] = (float)(100 * n + f);
    int64_t shape[2] = {N, F};
    char *p = npy_f32(tdir, name, 2, shape, x);
    free(x);
    return p;
}

TEST(npy_static_inputs_and_int64_labels)
{
    char *x = static_inputs("s_x.npy", 5, 3);
    int64_t y[5] = {2, 0, 1, 2, 4}, ys[1] = {5};
    char *yp = npy_typed(tdir, "s_y.npy", "<i8", 1, ys, y, 8);
    cj_source s;
    cj_batch b;
    cj_error err = {0};
    if (!open_ok(&(cj_data_files){.inputs = x, .labels = yp}, 0, &s)) return;
    CHECK(s.n == 5 && s.T == 1 && s.step.c == 3 && s.step.h == 1 && s.step.w == 1);
    CHECK(s.target == CJ_TARGET_LABELS && s.target_steps == 1 && s.dim == 0 && s.n_classes == 5 && !s.has_mask);
    CHECK(cj_batch_alloc(&b, &s, 4, &err) == CJ_OK);
    int idx[3] = {3, 0, 4};
    CHECK(cj_source_fill(&s, idx, 3, &b, &err) == CJ_OK);
    CHECK(b.T == 1 && b.B == 3 && b.target_steps == 1 && b.values == NULL && b.mask == NULL);
    for (int i = 0; i < 3; i++) {
        for (int f = 0; f < 3; f++) CHECK(b.x[i * 3 + f] == 100 * idx[i] + f);
        CHECK(b.labels[i] == y[idx[i]]);
    }
    /* Indices outside the source and batches beyond the buffer are refused. */
    int bad[1] = {5};
    CHECK(cj_source_fill(&s, bad, 1, &b, &err) == CJ_ERR_ARG && strstr(err.msg, "index 5") &&
          strstr(err.msg, "s_x.npy"));
    int many[5] = {0, 1, 2, 3, 4};
    CHECK(cj_source_fill(&s, many, 5, &b, &err) == CJ_ERR_ARG && strstr(err.msg, "buffer of 4"));
    cj_batch_free(&b);
    cj_source_free(&s);
    free(x);
    free(yp);
}

TEST(npy_images_uint8_and_nchw)
{
    unsigned char px[2 * 3 * 4];
    for (int i = 0; i < 24; i++) px[i] = (unsigned char)(10 * i);
    int64_t hw[3] = {2, 3, 4}, chw[4] = {2, 2, 3, 2}, ns[1] = {2};
    int32_t lab[2] = {1, 0};
    char *a = npy_typed(tdir, "img_hw.npy", "|u1", 3, hw, px, 1);
    char *b4 = npy_typed(tdir, "img_chw.npy", "|u1", 4, chw, px, 1);
    char *y = npy_typed(tdir, "img_y.npy", "<i4", 1, ns, lab, 4);
    cj_source s;
    cj_batch b;
    cj_error err = {0};
    if (open_ok(&(cj_data_files){.inputs = a, .labels = y}, 0, &s)) {
        /* [N, H, W] is one channel, as IDX images. */
        CHECK(s.step.c == 1 && s.step.h == 3 && s.step.w == 4 && s.n_classes == 2);
        CHECK(cj_batch_alloc(&b, &s, 2, &err) == CJ_OK);
        int idx[2] = {1, 0};
        CHECK(cj_source_fill(&s, idx, 2, &b, &err) == CJ_OK);
        /* Raw values, not pixel/255: npy data are used as stored. */
        CHECK(b.x[0] == 120 && b.x[12] == 0 && b.x[23] == 110);
        cj_batch_free(&b);
        cj_source_free(&s);
    }
    if (open_ok(&(cj_data_files){.inputs = b4, .labels = y}, 0, &s)) {
        CHECK(s.step.c == 2 && s.step.h == 3 && s.step.w == 2);
        cj_source_free(&s);
    }
    free(a);
    free(b4);
    free(y);
}

/* x[n, t, f] = 1000 n + 10 t + f for a sequence. */
static char *sequence_inputs(const char *name, int N, int T, int F)
{
    float *x = malloc(sizeof(float) * N * T * F);
    for (int n = 0; n < N; n++)
        for (int t = 0; t < T; t++)
            for (int f = 0; f < F; f++) x[(n * T + t) * F + f] = (float)(1000 * n + 10 * t + f);
    int64_t shape[3] = {N, T, F};
    char *p = npy_f32(tdir, name, 3, shape, x);
    free(x);
    return p;
}

TEST(npy_sequence_is_filled_time_major)
{
    enum { N = 4, T = 5, F = 3 };
    char *x = sequence_inputs("q_x.npy", N, T, F);
    /* Per-step labels y[n, t] = (n + t) % 3, and a mask that drops the
     * last two steps of sample 2 (their labels -1, as padding). */
    int64_t y[N * T], ys[2] = {N, T};
    float m[N * T];
    for (int n = 0; n < N; n++)
        for (int t = 0; t < T; t++) {
            int pad = n == 2 && t >= 3;
            y[n * T + t] = pad ? -1 : (n + t) % 3;
            m[n * T + t] = pad ? 0.0f : 1.0f;
        }
    char *yp = npy_typed(tdir, "q_y.npy", "<i8", 2, ys, y, 8);
    char *mp = npy_f32(tdir, "q_m.npy", 2, ys, m);
    cj_source s;
    cj_batch b;
    cj_error err = {0};
    if (!open_ok(&(cj_data_files){.inputs = x, .labels = yp, .mask = mp}, 1, &s)) return;
    CHECK(s.n == N && s.T == T && s.step.c == F && s.target_steps == T && s.has_mask && s.n_classes == 3);
    CHECK(cj_batch_alloc(&b, &s, 8, &err) == CJ_OK);
    int idx[3] = {2, 0, 3};
    enum { B = 3 };
    CHECK(cj_source_fill(&s, idx, B, &b, &err) == CJ_OK);
    CHECK(b.T == T && b.B == B && b.target_steps == T && b.mask != NULL);
    int wrong = 0;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < B; i++) {
            int n = idx[i];
            /* x[t, i, f] of the batch is sample n's step t: [T, B, F]
             * contiguous for this B, not the buffer's 8. */
            for (int f = 0; f < F; f++) wrong += b.x[(t * B + i) * F + f] != (float)(1000 * n + 10 * t + f);
            wrong += b.mask[t * B + i] != m[n * T + t];
            if (m[n * T + t] != 0) wrong += b.labels[t * B + i] != y[n * T + t];
        }
    CHECK(wrong == 0);
    cj_batch_free(&b);
    cj_source_free(&s);
    /* Without data.sequence, [N, T, F] is an image [N, H, W]. */
    int64_t ns[1] = {N};
    int64_t yl[N] = {0, 1, 0, 1};
    char *y1 = npy_typed(tdir, "q_y1.npy", "<i8", 1, ns, yl, 8);
    if (open_ok(&(cj_data_files){.inputs = x, .labels = y1}, 0, &s)) {
        CHECK(s.T == 1 && s.step.c == 1 && s.step.h == T && s.step.w == F);
        cj_source_free(&s);
    }
    free(x);
    free(yp);
    free(mp);
    free(y1);
}

TEST(npy_sequence_targets_per_sample_and_per_step)
{
    enum { N = 3, T = 4, F = 2, D = 2 };
    char *x = sequence_inputs("qt_x.npy", N, T, F);
    float last[N * D], steps[N * T * D];
    for (int i = 0; i < N * D; i++) last[i] = 0.5f * i;
    for (int i = 0; i < N * T * D; i++) steps[i] = 0.25f * i;
    int64_t s2[2] = {N, D}, s3[3] = {N, T, D};
    char *tl = npy_f32(tdir, "qt_last.npy", 2, s2, last);
    char *ts = npy_f32(tdir, "qt_steps.npy", 3, s3, steps);
    cj_source s;
    cj_batch b;
    cj_error err = {0};
    int idx[2] = {2, 1};
    if (open_ok(&(cj_data_files){.inputs = x, .targets = tl}, 1, &s)) {
        /* [N, dim]: one target per sequence, for its last step. */
        CHECK(s.target == CJ_TARGET_VALUES && s.target_steps == 1 && s.dim == D && s.T == T);
        CHECK(cj_batch_alloc(&b, &s, 2, &err) == CJ_OK && cj_source_fill(&s, idx, 2, &b, &err) == CJ_OK);
        CHECK(b.labels == NULL && b.values[0] == last[2 * D] && b.values[3] == last[1 * D + 1]);
        cj_batch_free(&b);
        cj_source_free(&s);
    }
    if (open_ok(&(cj_data_files){.inputs = x, .targets = ts}, 1, &s)) {
        CHECK(s.target_steps == T && s.dim == D);
        CHECK(cj_batch_alloc(&b, &s, 2, &err) == CJ_OK && cj_source_fill(&s, idx, 2, &b, &err) == CJ_OK);
        int wrong = 0;
        for (int t = 0; t < T; t++)
            for (int i = 0; i < 2; i++)
                for (int d = 0; d < D; d++)
                    wrong += b.values[(t * 2 + i) * D + d] != steps[(idx[i] * T + t) * D + d];
        CHECK(wrong == 0);
        cj_batch_free(&b);
        cj_source_free(&s);
    }
    free(x);
    free(tl);
    free(ts);
}

TEST(npy_counts_from_integers_and_a_1d_target)
{
    char *x = static_inputs("c_x.npy", 4, 2);
    int32_t counts[8] = {0, 3, 1, 0, 7, 2, 0, 0};
    double one[4] = {0.5, -1.0, 2.0, 3.5};
    int64_t s2[2] = {4, 2}, s1[1] = {4};
    char *c = npy_typed(tdir, "c_counts.npy", "<i4", 2, s2, counts, 4);
    char *t = npy_typed(tdir, "c_t1.npy", "<f8", 1, s1, one, 8);
    cj_source s;
    cj_batch b;
    cj_error err = {0};
    int idx[2] = {2, 1};
    if (open_ok(&(cj_data_files){.inputs = x, .counts = c}, 0, &s)) {
        CHECK(s.target == CJ_TARGET_COUNTS && s.dim == 2 && s.n_classes == 0);
        CHECK(cj_batch_alloc(&b, &s, 2, &err) == CJ_OK && cj_source_fill(&s, idx, 2, &b, &err) == CJ_OK);
        CHECK(b.values[0] == 7 && b.values[1] == 2 && b.values[2] == 1 && b.values[3] == 0);
        cj_batch_free(&b);
        cj_source_free(&s);
    }
    if (open_ok(&(cj_data_files){.inputs = x, .targets = t}, 0, &s)) {
        /* [N] is one value per sample. */
        CHECK(s.dim == 1 && s.target == CJ_TARGET_VALUES);
        cj_source_free(&s);
    }
    free(x);
    free(c);
    free(t);
}

TEST(npy_errors_name_the_file_and_the_fault)
{
    char *x = static_inputs("e_x.npy", 4, 3);
    int64_t s1[1] = {4}, s5[1] = {5}, s2[2] = {4, 2}, s0[2] = {0, 3};
    double frac[4] = {0, 1, 2.5, 1}, neg[4] = {0, -1, 2, 1};
    float negc[8] = {0, 1, 2, -3, 0, 0, 0, 0}, nant[8] = {0, 1, 2, 3, NAN, 0, 0, 0};
    float good[4] = {0, 1, 1, 0};
    int64_t lab[4] = {0, 1, 1, 0}, lab5[5] = {0, 1, 1, 0, 1};
    char *y = npy_typed(tdir, "e_y.npy", "<i8", 1, s1, lab, 8);
    char *yfrac = npy_typed(tdir, "e_frac.npy", "<f8", 1, s1, frac, 8);
    char *yneg = npy_typed(tdir, "e_neg.npy", "<f8", 1, s1, neg, 8);
    char *y5 = npy_typed(tdir, "e_y5.npy", "<i8", 1, s5, lab5, 8);
    char *cneg = npy_f32(tdir, "e_cneg.npy", 2, s2, negc);
    char *tnan = npy_f32(tdir, "e_tnan.npy", 2, s2, nant);
    char *empty = npy_f32(tdir, "e_empty.npy", 2, s0, NULL);
    char *ylab2 = npy_f32(tdir, "e_y2d.npy", 2, s2, negc);
    char *mask_neg = npy_f32(tdir, "e_mneg.npy", 1, s1, (float[4]){1, -1, 1, 1});
    char *mask_zero = npy_f32(tdir, "e_mzero.npy", 1, s1, (float[4]){0, 0, 0, 0});
    char *mask_2d = npy_f32(tdir, "e_m2d.npy", 2, s2, negc);
    float xn[12] = {0, 1, 2, 3, 4, 5, 6, NAN, 8, 9, 10, 11};
    int64_t s43[2] = {4, 3};
    char *xnan = npy_f32(tdir, "e_xnan.npy", 2, s43, xn);
    char *x1d = npy_f32(tdir, "e_x1d.npy", 1, s1, good);
    char *seq = sequence_inputs("e_seq.npy", 4, 6, 2);
    int64_t s45[2] = {4, 5};
    float steps5[20] = {0};
    char *y45 = npy_f32(tdir, "e_y45.npy", 2, s45, steps5);

    open_fails(&(cj_data_files){.inputs = x, .labels = yfrac}, 0, "e_frac.npy", "label 2.5 at [2]", "whole number",
               NULL);
    open_fails(&(cj_data_files){.inputs = x, .labels = yneg}, 0, "e_neg.npy", "label -1 at [1]", "negative", NULL);
    open_fails(&(cj_data_files){.inputs = x, .counts = cneg}, 0, "e_cneg.npy", "count -3 at [1, 1]", "negative",
               NULL);
    open_fails(&(cj_data_files){.inputs = x, .targets = tnan}, 0, "e_tnan.npy", "target at [2, 0] is NaN",
               NULL);
    open_fails(&(cj_data_files){.inputs = x, .labels = y5}, 0, "e_y5.npy has 5 samples (shape [5])",
               "e_x.npy has 4 (shape [4, 3])", NULL);
    open_fails(&(cj_data_files){.inputs = empty, .labels = y}, 0, "e_empty.npy", "empty array (shape [0, 3])", NULL);
    open_fails(&(cj_data_files){.inputs = xnan, .labels = y}, 0, "e_xnan.npy", "input [2, 1] is NaN", NULL);
    open_fails(&(cj_data_files){.inputs = x1d, .labels = y}, 0, "e_x1d.npy", "shape [4]", "[N, F]", NULL);
    open_fails(&(cj_data_files){.inputs = x, .labels = ylab2}, 0, "e_y2d.npy", "shape [4, 2]", "labels are [N]",
               NULL);
    open_fails(&(cj_data_files){.inputs = x, .labels = y, .mask = mask_neg}, 0, "e_mneg.npy", "weight -1 at [1]",
               NULL);
    open_fails(&(cj_data_files){.inputs = x, .labels = y, .mask = mask_zero}, 0, "e_mzero.npy", "every weight is 0",
               NULL);
    open_fails(&(cj_data_files){.inputs = x, .labels = y, .mask = mask_2d}, 0, "e_m2d.npy", "one weight per target",
               "[N]", NULL);
    /* T differs between a sequence and its per-step labels. */
    open_fails(&(cj_data_files){.inputs = seq, .labels = y45}, 1, "e_y45.npy has 5 time steps (shape [4, 5])",
               "e_seq.npy has 6 (shape [4, 6, 2])", NULL);
    open_fails(&(cj_data_files){.inputs = x, .labels = y}, 1, "e_x.npy", "[N, T, F]", NULL);
    open_fails(&(cj_data_files){.inputs = x, .labels = y, .counts = cneg}, 0, "e_x.npy", "more than one", NULL);
    open_fails(&(cj_data_files){.inputs = x}, 0, "e_x.npy", "no target file", NULL);
    /* A dtype the reader does not take (complex), named with the file. */
    float pairs[8] = {0};
    char *cplx = npy_typed(tdir, "e_complex.npy", "<c8", 1, s1, pairs, 8);
    open_fails(&(cj_data_files){.inputs = x, .targets = cplx}, 0, "e_complex.npy", "unsupported dtype '<c8'", NULL);
    char *missing = cj_path_join(tdir, "missing.npy");
    open_fails(&(cj_data_files){.inputs = missing, .labels = y}, 0, "missing.npy", NULL);
    /* Labels and counts under a mask of 0 may hold anything. */
    char *mask_ok = npy_f32(tdir, "e_mok.npy", 1, s1, (float[4]){1, 0, 1, 1});
    cj_source s;
    if (open_ok(&(cj_data_files){.inputs = x, .labels = yneg, .mask = mask_ok}, 0, &s)) {
        CHECK(s.n_classes == 3 && s.has_mask);
        cj_source_free(&s);
    }
    char *pieces[] = {x, y, yfrac, yneg, y5, cneg, tnan, empty, ylab2, mask_neg, mask_zero, mask_2d, xnan, x1d,
                      seq, y45, missing, mask_ok, cplx};
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) free(pieces[i]);
}

/* The IDX source holds exactly what cj_idx_load reads, and its scaling
 * and statistics are those of cj_dataset_stats and cj_dataset_rescale, bit
 * for bit (the trainer's numbers from before sources depend on it). */
TEST(idx_source_matches_idx_load_bit_for_bit)
{
    CHECK(write_toy_set(tdir, "idx", 37, 5, 4, 11) == 0);
    char *im = cj_path_printf("%s/idx-images.gz", tdir), *lb = cj_path_printf("%s/idx-labels.gz", tdir);
    cj_dataset d;
    cj_source s;
    cj_batch b;
    cj_error err = {0};
    CHECK(cj_idx_load(im, lb, &d, &err) == CJ_OK);
    CHECK(cj_source_idx(im, lb, &s, &err) == CJ_OK);
    CHECK(s.n == d.n && s.T == 1 && s.n_classes == d.n_classes && s.step.h == 5 && s.step.w == 4);
    CHECK(cj_batch_alloc(&b, &s, 8, &err) == CJ_OK);
    float mean, sd, dmean, dsd;
    CHECK(cj_source_input_stats(&s, &b, &mean, &sd, &err) == CJ_OK);
    cj_dataset_stats(&d, &dmean, &dsd);
    CHECK(memcmp(&mean, &dmean, sizeof mean) == 0 && memcmp(&sd, &dsd, sizeof sd) == 0);
    cj_pixel_scale scales[3] = {CJ_SCALE_UNIT, CJ_SCALE_RAW, CJ_SCALE_STANDARD};
    size_t in = cj_shape_size(d.shape);
    float *orig = malloc(sizeof(float) * d.n * in);
    memcpy(orig, d.x, sizeof(float) * d.n * in);
    for (int k = 0; k < 3; k++) {
        memcpy(d.x, orig, sizeof(float) * d.n * in);
        cj_dataset_rescale(&d, scales[k], mean, sd);
        cj_source_set_scale(&s, CJ_DATA_IDX, scales[k], mean, sd);
        int idx[8], wrong = 0;
        for (int i = 0; i < 8; i++) idx[i] = (i * 13 + 5) % d.n;
        CHECK(cj_source_fill(&s, idx, 8, &b, &err) == CJ_OK);
        for (int i = 0; i < 8; i++) {
            wrong += memcmp(b.x + i * in, d.x + idx[i] * in, sizeof(float) * in) != 0;
            wrong += b.labels[i] != d.y[idx[i]];
        }
        if (wrong) test_fail("scale %s: %d samples differ from cj_dataset_rescale's", cj_pixel_scale_name(scales[k]),
                             wrong);
    }
    free(orig);
    cj_batch_free(&b);
    cj_source_free(&s);
    cj_dataset_free(&d);
    free(im);
    free(lb);
}

TEST(npy_standard_scaling_uses_the_inputs_statistics)
{
    char *x = static_inputs("st_x.npy", 4, 2);  /* 0 1 100 101 200 201 300 301 */
    int64_t s1[1] = {4}, lab[4] = {0, 1, 0, 1};
    char *y = npy_typed(tdir, "st_y.npy", "<i8", 1, s1, lab, 8);
    cj_source s;
    cj_batch b;
    cj_error err = {0};
    if (!open_ok(&(cj_data_files){.inputs = x, .labels = y}, 0, &s)) return;
    CHECK(cj_batch_alloc(&b, &s, 3, &err) == CJ_OK);
    float mean, sd;
    /* Read in batches of 3: the statistics cover all 4 samples. */
    CHECK(cj_source_input_stats(&s, &b, &mean, &sd, &err) == CJ_OK);
    CHECK_NEAR(mean, 150.5, 1e-4);
    CHECK_NEAR(sd, sqrt(12500.25), 1e-3);
    cj_source_set_scale(&s, CJ_DATA_NPY, CJ_SCALE_RAW, mean, sd);
    int idx[1] = {3};
    CHECK(cj_source_fill(&s, idx, 1, &b, &err) == CJ_OK && b.x[0] == 300);
    cj_source_set_scale(&s, CJ_DATA_NPY, CJ_SCALE_STANDARD, mean, sd);
    CHECK(cj_source_fill(&s, idx, 1, &b, &err) == CJ_OK);
    CHECK_NEAR(b.x[0], (300 - 150.5) / sqrt(12500.25), 1e-6);
    cj_batch_free(&b);
    cj_source_free(&s);
    free(x);
    free(y);
}

TEST(subset_fills_the_parents_samples)
{
    char *x = static_inputs("sub_x.npy", 6, 2);
    int64_t s1[1] = {6}, lab[6] = {0, 1, 2, 3, 4, 5};
    char *y = npy_typed(tdir, "sub_y.npy", "<i8", 1, s1, lab, 8);
    cj_source s, v;
    cj_batch b;
    cj_error err = {0};
    if (!open_ok(&(cj_data_files){.inputs = x, .labels = y}, 0, &s)) return;
    int map[3] = {5, 1, 3};
    CHECK(cj_source_subset(&s, map, 3, "held out", &v, &err) == CJ_OK);
    CHECK(v.n == 3 && v.n_classes == s.n_classes && !strcmp(v.name, "held out"));
    CHECK(cj_batch_alloc(&b, &v, 3, &err) == CJ_OK);
    int idx[3] = {2, 0, 1};
    CHECK(cj_source_fill(&v, idx, 3, &b, &err) == CJ_OK);
    CHECK(b.labels[0] == 3 && b.labels[1] == 5 && b.labels[2] == 1 && b.x[0] == 300 && b.x[3] == 501);
    int out[1] = {3};
    CHECK(cj_source_fill(&v, out, 1, &b, &err) == CJ_ERR_ARG && strstr(err.msg, "held out"));
    int bad[1] = {6};
    cj_source w;
    CHECK(cj_source_subset(&s, bad, 1, NULL, &w, &err) == CJ_ERR_ARG && strstr(err.msg, "index 6"));
    cj_batch_free(&b);
    cj_source_free(&v);
    cj_source_free(&s);
    free(x);
    free(y);
}

TEST(holdout_split_sizes_determinism_and_order)
{
    enum { N = 50 };
    int a[N], b[N], c[N], held, held_b, held_c;
    cj_error err = {0};
    CHECK(cj_split_holdout(N, 0.2f, 7, a, &held, &err) == CJ_OK && held == 10);
    CHECK(cj_split_holdout(N, 0.2f, 7, b, &held_b, &err) == CJ_OK && held_b == 10);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(cj_split_holdout(N, 0.2f, 8, c, &held_c, &err) == CJ_OK && held_c == 10);
    CHECK(memcmp(a, c, sizeof a) != 0);
    /* Every sample once; each part ascending. */
    int seen[N] = {0}, sorted = 1;
    for (int i = 0; i < N; i++) seen[a[i]]++;
    for (int i = 1; i < N; i++)
        if (i != N - held && a[i] <= a[i - 1]) sorted = 0;
    int once = 1;
    for (int i = 0; i < N; i++) once &= seen[i] == 1;
    CHECK(once && sorted);
    /* Not simply the last samples. */
    CHECK(a[N - held] != N - held || a[N - 1] != N - 1 || a[N - held + 1] != N - held + 1);
    /* Sizes round to nearest: 0.7 of 10 is 7 (0.7f is 0.69999999). */
    int o[10];
    CHECK(cj_split_holdout(10, 0.7f, 1, o, &held, &err) == CJ_OK && held == 7);
    CHECK(cj_split_holdout(10, 0.01f, 1, o, &held, &err) == CJ_OK && held == 1);
    CHECK(cj_split_holdout(10, 0.99f, 1, o, &held, &err) == CJ_ERR_CONFIG && strstr(err.msg, "none to train on"));
    CHECK(cj_split_holdout(1, 0.5f, 1, o, &held, &err) == CJ_ERR_CONFIG);
    CHECK(cj_split_holdout(10, 0.0f, 1, o, &held, &err) == CJ_ERR_ARG);
}

TEST(from_arrays_checks_sizes_and_labels)
{
    cj_error err = {0};
    cj_source s;
    cj_arrays a = {.n = 2, .T = 1, .step = {3, 1, 1}, .target = CJ_TARGET_LABELS, .target_steps = 1};
    a.x = calloc(6, sizeof(float));
    a.labels = malloc(2 * sizeof(int));
    a.labels[0] = 1;
    a.labels[1] = -2;
    CHECK(cj_source_from_arrays(&a, "mine", &s, &err) == CJ_ERR_FORMAT && strstr(err.msg, "mine: label -2"));
    CHECK(a.x == NULL && a.labels == NULL); /* taken and freed */
    cj_arrays big = {.n = 70000, .T = 1, .step = {1, 200, 200}, .target = CJ_TARGET_LABELS, .target_steps = 1};
    CHECK(cj_source_from_arrays(&big, "big", &s, &err) == CJ_ERR_SHAPE && strstr(err.msg, "more than 2147483647"));
    cj_arrays steps = {.n = 1, .T = 4, .step = {1, 1, 1}, .target = CJ_TARGET_VALUES, .target_steps = 3, .dim = 1};
    CHECK(cj_source_from_arrays(&steps, "st", &s, &err) == CJ_ERR_SHAPE && strstr(err.msg, "expected 1 or 4"));
}

int main(void)
{
    tdir = fixture_dir("source");
    RUN(npy_static_inputs_and_int64_labels);
    RUN(npy_images_uint8_and_nchw);
    RUN(npy_sequence_is_filled_time_major);
    RUN(npy_sequence_targets_per_sample_and_per_step);
    RUN(npy_counts_from_integers_and_a_1d_target);
    RUN(npy_errors_name_the_file_and_the_fault);
    RUN(idx_source_matches_idx_load_bit_for_bit);
    RUN(npy_standard_scaling_uses_the_inputs_statistics);
    RUN(subset_fills_the_parents_samples);
    RUN(holdout_split_sizes_determinism_and_order);
    RUN(from_arrays_checks_sizes_and_labels);
    return test_summary("source");
}
