/* test_npy.c — .npy reading against fixtures written by NumPy
 * (tools/make_npy_fixtures.py), writing checked byte-for-byte against
 * NumPy's own output, and one test per error message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cajal/npy.h"
#include "fixtures.h"
#include "harness.h"

/* A folder for the hand-made files (fixtures.h), one per program and
 * reachable until exit. */
static const char *tdir;

#define REF "tests/ref/npy/"

/* Values the fixtures hold: a[idx] = sum idx[k] * 10^(ndim-1-k). */
static double index_value(const cj_npy_array *a, size_t flat)
{
    double v = 0.0, w = 1.0;
    for (int k = a->ndim - 1; k >= 0; k--) {
        size_t ik = flat % (size_t)a->shape[k];
        flat /= (size_t)a->shape[k];
        v += w * (double)ik;
        w *= 10.0;
    }
    return v;
}

/* Largest |data - (scale * index_value + offset)| over the array. */
static double worst_f32(const cj_npy_array *a, double scale, double offset)
{
    double worst = 0.0;
    const float *x = a->data;
    for (size_t i = 0; i < a->numel; i++) {
        double d = fabs((double)x[i] - (scale * index_value(a, i) + offset));
        if (!(d <= worst)) worst = d;
    }
    return worst;
}

static double worst_f64(const cj_npy_array *a, double scale, double offset)
{
    double worst = 0.0;
    const double *x = a->data;
    for (size_t i = 0; i < a->numel; i++) {
        double d = fabs(x[i] - (scale * index_value(a, i) + offset));
        if (!(d <= worst)) worst = d;
    }
    return worst;
}

static int shape_is(const cj_npy_array *a, int ndim, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    int64_t d[4] = {d0, d1, d2, d3};
    if (a->ndim != ndim) return 0;
    for (int i = 0; i < ndim; i++)
        if (a->shape[i] != d[i]) return 0;
    return 1;
}

/* Read `name` as `type`, check shape and index values. */
static void check_fixture(const char *name, cj_npy_type type, int ndim, int64_t d0, int64_t d1, int64_t d2,
                          int64_t d3, double scale, double offset, int fortran)
{
    char path[256];
    snprintf(path, sizeof path, REF "%s", name);
    cj_npy_array a;
    cj_error err = {0};
    cj_status st = cj_npy_read(path, type, &a, &err);
    if (st) printf("  %s: %s\n", name, err.msg);
    CHECK(st == CJ_OK);
    if (st) return;
    CHECK(shape_is(&a, ndim, d0, d1, d2, d3));
    CHECK(a.fortran_order == fortran);
    CHECK(a.type == type);
    double w = type == CJ_NPY_F32 ? worst_f32(&a, scale, offset) : worst_f64(&a, scale, offset);
    CHECK_NEAR(w, 0.0, 0.0);
    cj_npy_free(&a);
}

TEST(reads_float_c_order)
{
    check_fixture("f32_c.npy", CJ_NPY_F32, 2, 3, 4, 0, 0, 1, 0.25, 0);
    check_fixture("f32_c.npy", CJ_NPY_F64, 2, 3, 4, 0, 0, 1, 0.25, 0);
    check_fixture("f64_c.npy", CJ_NPY_F64, 2, 3, 4, 0, 0, -1, -0.125, 0);
    check_fixture("f64_c.npy", CJ_NPY_F32, 2, 3, 4, 0, 0, -1, -0.125, 0);
    check_fixture("f32_3d.npy", CJ_NPY_F32, 3, 2, 3, 4, 0, 1, 0, 0);
    check_fixture("f32_4d.npy", CJ_NPY_F32, 4, 2, 2, 2, 3, 1, 0, 0);
}

TEST(reads_fortran_order_into_c_order)
{
    check_fixture("f32_fortran.npy", CJ_NPY_F32, 2, 3, 4, 0, 0, 1, 0.25, 1);
    check_fixture("f64_fortran_3d.npy", CJ_NPY_F64, 3, 2, 3, 4, 0, 1, 0.5, 1);
    check_fixture("f64_fortran_3d.npy", CJ_NPY_F32, 3, 2, 3, 4, 0, 1, 0.5, 1);
    check_fixture("i8_fortran.npy", CJ_NPY_F64, 2, 3, 4, 0, 0, -1e9, 0, 1);
}

TEST(reads_integer_and_bool_dtypes)
{
    check_fixture("i4_c.npy", CJ_NPY_F32, 2, 3, 4, 0, 0, 1, -20, 0);

    cj_npy_array a;
    cj_error err = {0};
    CHECK(cj_npy_read(REF "i2_c.npy", CJ_NPY_F64, &a, &err) == CJ_OK);
    CHECK(shape_is(&a, 1, 5, 0, 0, 0) && strcmp(a.descr, "<i2") == 0);
    const double i2[5] = {-300, -1, 0, 1, 300};
    for (int i = 0; i < 5 && a.data; i++) CHECK_NEAR(((double *)a.data)[i], i2[i], 0);
    cj_npy_free(&a);

    CHECK(cj_npy_read(REF "u1_c.npy", CJ_NPY_F32, &a, &err) == CJ_OK);
    const float u1[4] = {0, 1, 200, 255};
    for (int i = 0; i < 4 && a.data; i++) CHECK_NEAR(((float *)a.data)[i], u1[i], 0);
    cj_npy_free(&a);

    CHECK(cj_npy_read(REF "b1_c.npy", CJ_NPY_F32, &a, &err) == CJ_OK);
    CHECK(shape_is(&a, 2, 2, 2, 0, 0));
    const float b1[4] = {1, 0, 0, 1};
    for (int i = 0; i < 4 && a.data; i++) CHECK_NEAR(((float *)a.data)[i], b1[i], 0);
    cj_npy_free(&a);
}

TEST(reads_header_versions_2_and_3_and_scalars)
{
    check_fixture("f32_v2.npy", CJ_NPY_F32, 2, 2, 3, 0, 0, 1, 0, 0);
    check_fixture("f64_v3.npy", CJ_NPY_F64, 2, 2, 3, 0, 0, 1, 0, 0);

    cj_npy_array a;
    cj_error err = {0};
    CHECK(cj_npy_read(REF "f64_scalar.npy", CJ_NPY_F64, &a, &err) == CJ_OK);
    CHECK(a.ndim == 0 && a.numel == 1);
    if (a.data) CHECK_NEAR(((double *)a.data)[0], 3.5, 0);
    cj_npy_free(&a);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

static int same_bytes(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* Our writer must produce exactly what NumPy writes (same header text and
 * padding), so files round-trip through np.load and compare by checksum. */
TEST(writes_what_numpy_writes)
{
    char dir[] = "/tmp/cj_npy_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    cj_error err = {0};
    cj_npy_array ref;

    const char *names[] = {"f32_c.npy", "f32_3d.npy", "f32_4d.npy"};
    for (int k = 0; k < 3; k++) {
        char refpath[256];
        snprintf(refpath, sizeof refpath, REF "%s", names[k]);
        CHECK(cj_npy_read(refpath, CJ_NPY_F32, &ref, &err) == CJ_OK);
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        CHECK(cj_npy_write_f32(path, ref.ndim, ref.shape, ref.data, &err) == CJ_OK);
        CHECK(same_bytes(path, refpath));
        cj_npy_free(&ref);
        unlink(path);
    }

    /* 1-D "(n,)" and 0-D "()" shapes round-trip */
    const float v[3] = {1.5f, -2.0f, 1e-30f};
    int64_t n = 3;
    snprintf(path, sizeof path, "%s/v.npy", dir);
    CHECK(cj_npy_write_f32(path, 1, &n, v, &err) == CJ_OK);
    CHECK(cj_npy_read(path, CJ_NPY_F32, &ref, &err) == CJ_OK);
    CHECK(shape_is(&ref, 1, 3, 0, 0, 0));
    CHECK(ref.data && memcmp(ref.data, v, sizeof v) == 0);
    cj_npy_free(&ref);
    CHECK(cj_npy_write_f32(path, 0, NULL, v, &err) == CJ_OK);
    CHECK(cj_npy_read(path, CJ_NPY_F32, &ref, &err) == CJ_OK);
    CHECK(ref.ndim == 0 && ref.numel == 1 && ref.data && ((float *)ref.data)[0] == 1.5f);
    cj_npy_free(&ref);
    unlink(path);
    rmdir(dir);
}

/* Each broken file fails with `code` and a one-line message naming the file
 * and containing `word`; the output array stays empty. */
static void check_error(const char *path, cj_status code, const char *word)
{
    cj_npy_array a;
    cj_error err = {0};
    cj_status st = cj_npy_read(path, CJ_NPY_F32, &a, &err);
    CHECK(st == code);
    CHECK(a.data == NULL);
    CHECK(strstr(err.msg, path) != NULL);
    CHECK(strstr(err.msg, word) != NULL);
    CHECK(strchr(err.msg, '\n') == NULL);
    if (st != code || !strstr(err.msg, word)) printf("  got: %s\n", err.msg);
}

TEST(errors_name_the_file)
{
    check_error(REF "no_such_file.npy", CJ_ERR_IO, "cannot open");
    check_error(REF "bad_magic.npy", CJ_ERR_FORMAT, "bad magic");
    check_error(REF "truncated_header.npy", CJ_ERR_FORMAT, "truncated .npy header");
    check_error(REF "truncated_data.npy", CJ_ERR_FORMAT, "data truncated");
    check_error(REF "big_endian.npy", CJ_ERR_FORMAT, "big-endian dtype '>f4'");
    check_error(REF "bad_dict.npy", CJ_ERR_FORMAT, "unparsable .npy header");
    check_error(REF "complex.npy", CJ_ERR_FORMAT, "unsupported dtype '<c8'");
    check_error(REF "five_d.npy", CJ_ERR_FORMAT, "dimensions");
}

/* ---- hand-made files: sizes, integers, exact errors ---------------------- */

/* A version-1.0 .npy file with the given header fields and data bytes, as
 * the format document lays it out (the header padded to 64 bytes). */
static char *npy_file(const char *folder, const char *name, const char *descr, const char *fortran,
                      const char *shape, const void *data, size_t len)
{
    char *dict = cj_path_printf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, fortran, shape);
    size_t text = strlen(dict), pad = (64 - (10 + text + 1) % 64) % 64, hlen = text + pad + 1;
    unsigned char *buf = malloc(10 + hlen + len);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)hlen;
    buf[9] = (unsigned char)(hlen >> 8);
    memcpy(buf + 10, dict, text);
    memset(buf + 10 + text, ' ', pad);
    buf[10 + hlen - 1] = '\n';
    if (len) memcpy(buf + 10 + hlen, data, len);
    char *path = fixture_file(folder, name, buf, 10 + hlen + len);
    free(buf);
    free(dict);
    return path;
}

/* Reading `path` as `type` fails with exactly "<path>: <rest>". */
static void expect_message(const char *path, cj_npy_type type, const char *rest)
{
    cj_npy_array a;
    cj_error err = {0};
    CHECK(cj_npy_read(path, type, &a, &err) != CJ_OK);
    CHECK(a.data == NULL);
    char *want = cj_path_printf("%s: %s", path, rest);
    CHECK(strcmp(err.msg, want) == 0);
    if (strcmp(err.msg, want)) printf("  message was: %s\n  expected:    %s\n", err.msg, want);
    free(want);
}

/* Issue 7: shape (2^40, 2) in a 128-byte file asked for 8 TiB and said
 * "out of memory"; the file is simply too short. */
TEST(huge_shape_in_small_file_is_truncated)
{
    char *p = npy_file(tdir, "huge.npy", "<f4", "False", "(1099511627776, 2)", NULL, 0);
    FILE *f = fopen(p, "rb");
    fseek(f, 0, SEEK_END);
    CHECK(ftell(f) == 128);
    fclose(f);
    expect_message(p, CJ_NPY_F32, "data truncated: shape (1099511627776, 2) of '<f4' needs 8796093022208 "
                                  "bytes, the file has 0 after the header");
    free(p);
    float four[4] = {1, 2, 3, 4};
    p = npy_file(tdir, "short.npy", "<f8", "False", "(3,)", four, sizeof four);
    expect_message(p, CJ_NPY_F64, "data truncated: shape (3,) of '<f8' needs 24 bytes, the file has 16 "
                                  "after the header");
    free(p);
}

/* 2^62 x 4 elements is 2^64: the product wraps to 0 unless checked. */
TEST(shape_products_that_wrap_are_rejected)
{
    char *p = npy_file(tdir, "wrap.npy", "<f4", "False", "(4611686018427387904, 4)", NULL, 0);
    expect_message(p, CJ_NPY_F32, "data truncated: shape (4611686018427387904, 4) of '<f4' needs more than "
                                  "2^64 bytes, the file has 0 after the header");
    free(p);
    p = npy_file(tdir, "wrap3.npy", "|u1", "True", "(4294967296, 4294967296, 1)", NULL, 0);
    expect_message(p, CJ_NPY_F64, "data truncated: shape (4294967296, 4294967296, 1) of '|u1' needs more "
                                  "than 2^64 bytes, the file has 0 after the header");
    free(p);
}

/* A Fortran array with an extent 0 is empty; reordering it used to walk
 * the other extents (10^12 steps) and never return. */
TEST(fortran_order_with_zero_extent_is_empty)
{
    char *p = npy_file(tdir, "empty_f.npy", "<f4", "True", "(1000000000000, 0)", NULL, 0);
    cj_npy_type types[] = {CJ_NPY_F32, CJ_NPY_F64};
    for (int i = 0; i < 2; i++) {
        cj_npy_array a;
        cj_error err = {0};
        CHECK(cj_npy_read(p, types[i], &a, &err) == CJ_OK);
        CHECK(a.numel == 0 && shape_is(&a, 2, 1000000000000LL, 0, 0, 0) && a.fortran_order == 1);
        cj_npy_free(&a);
    }
    free(p);
}

static void store_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* 2^60 + 2^36 + 1 lies just above halfway between the float32s 2^60 and
 * 2^60 + 2^37. Through double it first loses the +1 and then ties to even
 * (2^60); converted directly it rounds up, as it should. */
TEST(int64_converts_to_float_in_one_rounding)
{
    unsigned char raw[16];
    store_le64(raw, (1ULL << 60) + (1ULL << 36) + 1);
    store_le64(raw + 8, (uint64_t) - (int64_t)((1ULL << 60) + (1ULL << 36) + 1));
    char *pi = npy_file(tdir, "i8.npy", "<i8", "False", "(2,)", raw, sizeof raw);
    char *pu = npy_file(tdir, "u8.npy", "<u8", "False", "(1,)", raw, 8);
    cj_npy_array a;
    cj_error err = {0};
    CHECK(cj_npy_read(pi, CJ_NPY_F32, &a, &err) == CJ_OK);
    if (a.data) {
        CHECK(((float *)a.data)[0] == 0x1.000002p60f);
        CHECK(((float *)a.data)[1] == -0x1.000002p60f);
    }
    cj_npy_free(&a);
    CHECK(cj_npy_read(pu, CJ_NPY_F32, &a, &err) == CJ_OK);
    if (a.data) CHECK(((float *)a.data)[0] == 0x1.000002p60f);
    cj_npy_free(&a);
    free(pi);
    free(pu);
}

/* CJ_NPY_I64 keeps every integer exact, including those above 2^53 that
 * a double would round, and C order after a Fortran file. */
TEST(int64_reads_exactly)
{
    const int64_t want[4] = {(1LL << 53) + 1, INT64_MIN, INT64_MAX, -7};
    unsigned char raw[32];
    for (int i = 0; i < 4; i++) store_le64(raw + 8 * i, (uint64_t)want[i]);
    char *p = npy_file(tdir, "exact.npy", "<i8", "False", "(4,)", raw, sizeof raw);
    cj_npy_array a;
    cj_error err = {0};
    CHECK(cj_npy_read(p, CJ_NPY_I64, &a, &err) == CJ_OK);
    CHECK(a.type == CJ_NPY_I64 && a.numel == 4);
    for (int i = 0; i < 4 && a.data; i++) CHECK(((int64_t *)a.data)[i] == want[i]);
    cj_npy_free(&a);
    free(p);

    store_le64(raw, (uint64_t)INT64_MAX);
    p = npy_file(tdir, "u8max.npy", "<u8", "False", "()", raw, 8);
    CHECK(cj_npy_read(p, CJ_NPY_I64, &a, &err) == CJ_OK);
    CHECK(a.ndim == 0 && a.data && ((int64_t *)a.data)[0] == INT64_MAX);
    cj_npy_free(&a);
    free(p);

    CHECK(cj_npy_read(REF "i8_fortran.npy", CJ_NPY_I64, &a, &err) == CJ_OK);
    CHECK(shape_is(&a, 2, 3, 4, 0, 0));
    for (size_t i = 0; i < a.numel && a.data; i++)
        CHECK(((int64_t *)a.data)[i] == -1000000000LL * (int64_t)index_value(&a, i));
    cj_npy_free(&a);

    CHECK(cj_npy_read(REF "b1_c.npy", CJ_NPY_I64, &a, &err) == CJ_OK);
    const int64_t b1[4] = {1, 0, 0, 1};
    for (int i = 0; i < 4 && a.data; i++) CHECK(((int64_t *)a.data)[i] == b1[i]);
    cj_npy_free(&a);
    CHECK(cj_npy_read(REF "i2_c.npy", CJ_NPY_I64, &a, &err) == CJ_OK);
    CHECK(a.data && ((int64_t *)a.data)[0] == -300 && ((int64_t *)a.data)[4] == 300);
    cj_npy_free(&a);
}

TEST(int64_refuses_what_it_cannot_hold)
{
    unsigned char raw[32] = {0};
    store_le64(raw + 8, 1ULL << 63);
    char *p = npy_file(tdir, "u8big.npy", "<u8", "False", "(2,)", raw, 16);
    expect_message(p, CJ_NPY_I64, "element [1] is 9223372036854775808, which does not fit int64");
    free(p);
    /* Fortran order: file position 1 is row 1 of column 0. */
    p = npy_file(tdir, "u8big_f.npy", "<u8", "True", "(2, 2)", raw, 32);
    expect_message(p, CJ_NPY_I64, "element [1, 0] is 9223372036854775808, which does not fit int64");
    free(p);
    expect_message(REF "f32_c.npy", CJ_NPY_I64,
                   "dtype '<f4' holds floats, not exact integers (read it as F32 or F64)");
}

TEST(folders_are_refused_by_name)
{
    expect_message(tdir, CJ_NPY_F32, "is a folder, not a file");
}

int main(void)
{
    tdir = fixture_dir("npy");
    RUN(reads_float_c_order);
    RUN(reads_fortran_order_into_c_order);
    RUN(reads_integer_and_bool_dtypes);
    RUN(reads_header_versions_2_and_3_and_scalars);
    RUN(writes_what_numpy_writes);
    RUN(errors_name_the_file);
    RUN(huge_shape_in_small_file_is_truncated);
    RUN(shape_products_that_wrap_are_rejected);
    RUN(fortran_order_with_zero_extent_is_empty);
    RUN(int64_converts_to_float_in_one_rounding);
    RUN(int64_reads_exactly);
    RUN(int64_refuses_what_it_cannot_hold);
    RUN(folders_are_refused_by_name);
    return test_summary("npy");
}
