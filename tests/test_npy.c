/* test_npy.c — .npy reading against fixtures written by NumPy
 * (tools/make_npy_fixtures.py), writing checked byte-for-byte against
 * NumPy's own output, and one test per error message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cajal/npy.h"
#include "harness.h"

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

int main(void)
{
    RUN(reads_float_c_order);
    RUN(reads_fortran_order_into_c_order);
    RUN(reads_integer_and_bool_dtypes);
    RUN(reads_header_versions_2_and_3_and_scalars);
    RUN(writes_what_numpy_writes);
    RUN(errors_name_the_file);
    return test_summary("npy");
}
