/* test_mat.c — the .mat reader (include/cajal/mat.h) on the fixtures that
 * tools/make_mat_fixtures.py writes with scipy.io.savemat (tests/ref/mat/:
 * values given by their NumPy index, so a missed column-major transpose
 * fails), on hand-written UTF-16 text, on broken files, and on every file
 * of ../shared/data/rsa92/ and ../shared/data/zhang_desimone_it/, against
 * numbers read from them with scipy.io.loadmat. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cajal/mat.h"
#include "harness.h"

#define REF "tests/ref/mat/"
#define ZD "../shared/data/zhang_desimone_it/"
#define RSA "../shared/data/rsa92/"

static cj_mat_file *open_or_fail(const char *path)
{
    cj_mat_file *f = NULL;
    cj_error err;
    if (cj_mat_open(path, &f, &err) != CJ_OK) test_fail("cj_mat_open(%s): %s", path, err.msg);
    return f;
}

/* Read expr, failing the test on an error. */
static int read_ok(cj_mat_file *f, const char *expr, cj_mat_type type, cj_mat_array *a)
{
    cj_error err;
    if (cj_mat_read(f, expr, type, a, &err) != CJ_OK) {
        test_fail("cj_mat_read(%s): %s", expr, err.msg);
        return 0;
    }
    return 1;
}

static int strings_ok(cj_mat_file *f, const char *expr, cj_mat_strings *s)
{
    cj_error err;
    if (cj_mat_read_strings(f, expr, s, &err) != CJ_OK) {
        test_fail("cj_mat_read_strings(%s): %s", expr, err.msg);
        return 0;
    }
    return 1;
}

/* cj_mat_read of expr fails with `code` and a message holding the file's
 * path and `word`. */
static void read_fails(cj_mat_file *f, const char *expr, cj_status code, const char *word)
{
    cj_mat_array a;
    cj_error err;
    cj_status st = cj_mat_read(f, expr, CJ_MAT_F64, &a, &err);
    CHECK(st == code);
    CHECK(a.data == NULL);
    if (st == CJ_OK) {
        test_fail("%s: read, expected an error with '%s'", expr, word);
        cj_mat_array_free(&a);
        return;
    }
    if (!strstr(err.msg, cj_mat_path(f)) || !strstr(err.msg, word))
        test_fail("%s: message '%s' lacks the path or '%s'", expr, err.msg, word);
}

static void strings_fail(cj_mat_file *f, const char *expr, const char *word)
{
    cj_mat_strings s;
    cj_error err;
    if (cj_mat_read_strings(f, expr, &s, &err) == CJ_OK) {
        test_fail("%s: read as strings, expected an error with '%s'", expr, word);
        cj_mat_strings_free(&s);
        return;
    }
    CHECK(s.s == NULL);
    if (!strstr(err.msg, cj_mat_path(f)) || !strstr(err.msg, word))
        test_fail("%s: message '%s' lacks the path or '%s'", expr, err.msg, word);
}

static int shape_is(const cj_mat_array *a, int ndim, const int64_t *shape)
{
    if (a->ndim != ndim) return 0;
    for (int i = 0; i < ndim; i++)
        if (a->shape[i] != shape[i]) return 0;
    return 1;
}

TEST(numeric_classes_come_back_row_major_with_matlab_dims)
{
    cj_mat_file *f = open_or_fail(REF "numeric.mat");
    if (!f) return;
    cj_mat_array a;
    if (read_ok(f, "d2", CJ_MAT_F64, &a)) {
        CHECK(shape_is(&a, 2, (int64_t[]){2, 3}) && a.numel == 6 && a.type == CJ_MAT_F64);
        CHECK(strcmp(a.class_name, "double") == 0);
        int bad = 0;
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++) bad += ((double *)a.data)[i * 3 + j] != 10 * i + j + 0.5;
        CHECK(bad == 0);
        cj_mat_array_free(&a);
    }
    if (read_ok(f, "s3", CJ_MAT_F32, &a)) {
        CHECK(shape_is(&a, 3, (int64_t[]){3, 2, 4}) && strcmp(a.class_name, "single") == 0);
        int bad = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 2; j++)
                for (int k = 0; k < 4; k++)
                    bad += ((float *)a.data)[(i * 2 + j) * 4 + k] != 100 * i + 10 * j + k - 7;
        CHECK(bad == 0);
        cj_mat_array_free(&a);
    }
    if (read_ok(f, "nd4", CJ_MAT_F64, &a)) {
        CHECK(shape_is(&a, 4, (int64_t[]){2, 1, 3, 2}));
        int bad = 0;
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 3; k++)
                for (int l = 0; l < 2; l++) bad += ((double *)a.data)[(i * 3 + k) * 2 + l] != 1000 * i + 10 * k + l;
        CHECK(bad == 0);
        cj_mat_array_free(&a);
    }
    if (read_ok(f, "u8", CJ_MAT_F32, &a)) {
        CHECK(strcmp(a.class_name, "uint8") == 0);
        float *x = a.data;
        CHECK(x[0] == 200 && x[1] == 201 && x[2] == 210 && x[3] == 211);
        cj_mat_array_free(&a);
    }
    if (read_ok(f, "i16", CJ_MAT_F64, &a)) {
        double *x = a.data;
        CHECK(strcmp(a.class_name, "int16") == 0 && x[1] == -1 && x[4] == -11 && x[5] == -12);
        cj_mat_array_free(&a);
    }
    if (read_ok(f, "i32", CJ_MAT_F64, &a)) {
        double *x = a.data;
        CHECK(x[0] == -2147483648.0 && x[1] == 2147483647.0);
        cj_mat_array_free(&a);
    }
    if (read_ok(f, "i64", CJ_MAT_F64, &a)) {
        double *x = a.data;
        CHECK(strcmp(a.class_name, "int64") == 0 && x[0] == -5 && x[1] == 1099511627776.0);
        cj_mat_array_free(&a);
    }
    if (read_ok(f, "u64", CJ_MAT_F64, &a)) {
        CHECK(((double *)a.data)[0] == 9223372036854777856.0); /* 2^63 + 2048, exact in a double */
        cj_mat_array_free(&a);
    }
    if (read_ok(f, "flag", CJ_MAT_F32, &a)) {
        float *x = a.data;
        CHECK(strcmp(a.class_name, "logical") == 0 && x[0] == 1 && x[1] == 0 && x[2] == 1);
        cj_mat_array_free(&a);
    }
    if (read_ok(f, "col", CJ_MAT_F64, &a)) {
        CHECK(shape_is(&a, 2, (int64_t[]){4, 1}) && ((double *)a.data)[3] == 3);
        cj_mat_array_free(&a);
    }
    if (read_ok(f, "empty", CJ_MAT_F64, &a)) {
        CHECK(a.numel == 0 && a.data == NULL && shape_is(&a, 2, (int64_t[]){0, 0}));
        cj_mat_array_free(&a);
    }
    double v = 0;
    cj_error err;
    CHECK(cj_mat_read_scalar(f, "scalar", &v, &err) == CJ_OK && v == 3.25);
    CHECK(cj_mat_read_scalar(f, "d2", &v, &err) == CJ_ERR_SHAPE && strstr(err.msg, "expected one number"));
    read_fails(f, "cplx", CJ_ERR_FORMAT, "complex");
    read_fails(f, "sparse", CJ_ERR_FORMAT, "sparse");
    read_fails(f, "nope", CJ_ERR_ARG, "no variable nope in the file (it holds d2, s3, u8");
    read_fails(f, "d2(1)", CJ_ERR_ARG, "only struct and cell arrays are indexed");
    const char *const *names;
    int n = 0;
    CHECK(cj_mat_names(f, &names, &n, &err) == CJ_OK && n == 14);
    CHECK(n == 14 && strcmp(names[0], "d2") == 0 && strcmp(names[13], "sparse") == 0);
    cj_mat_close(f);
}

TEST(text_comes_back_as_utf8_strings)
{
    cj_mat_file *f = open_or_fail(REF "strings.mat");
    if (!f) return;
    cj_mat_strings s;
    if (strings_ok(f, "word", &s)) {
        CHECK(s.n == 1 && strcmp(s.s[0], "hello") == 0);
        cj_mat_strings_free(&s);
    }
    if (strings_ok(f, "rows", &s)) {
        CHECK(s.n == 2 && s.ndim == 1 && s.shape[0] == 2 && strcmp(s.s[0], "abc") == 0 && strcmp(s.s[1], "xyz") == 0);
        cj_mat_strings_free(&s);
    }
    if (strings_ok(f, "uni", &s)) {
        CHECK(s.n == 1 && strcmp(s.s[0], "caf\xc3\xa9 \xe2\x9c\x93") == 0);
        cj_mat_strings_free(&s);
    }
    if (strings_ok(f, "cellstr", &s)) {
        CHECK(s.n == 3 && s.ndim == 2 && s.shape[0] == 1 && s.shape[1] == 3);
        CHECK(s.n == 3 && !strcmp(s.s[0], "car") && !strcmp(s.s[1], "couch") && !strcmp(s.s[2], "face"));
        cj_mat_strings_free(&s);
    }
    if (strings_ok(f, "cell2d", &s)) { /* row-major, as NumPy: a b / c d */
        CHECK(s.n == 4 && !strcmp(s.s[0], "a") && !strcmp(s.s[1], "b") && !strcmp(s.s[2], "c") &&
              !strcmp(s.s[3], "d"));
        cj_mat_strings_free(&s);
    }
    if (strings_ok(f, "withempty", &s)) {
        CHECK(s.n == 2 && !strcmp(s.s[0], "x") && !strcmp(s.s[1], ""));
        cj_mat_strings_free(&s);
    }
    if (strings_ok(f, "emptystr", &s)) {
        CHECK(s.n == 1 && !strcmp(s.s[0], ""));
        cj_mat_strings_free(&s);
    }
    if (strings_ok(f, "cellstr{2}", &s)) {
        CHECK(s.n == 1 && !strcmp(s.s[0], "couch"));
        cj_mat_strings_free(&s);
    }
    strings_fail(f, "mixed", "cell {2} is a 1x1 double, not one row of text");
    read_fails(f, "word", CJ_ERR_ARG, "is text (char)");
    read_fails(f, "cellstr", CJ_ERR_ARG, "is a cell array: index one cell, e.g. cellstr{1}");
    cj_mat_close(f);
    f = open_or_fail(REF "numeric.mat");
    if (f) {
        strings_fail(f, "d2", "is a double, not text");
        cj_mat_close(f);
    }
}

TEST(utf16_text_written_as_matlab_does)
{
    cj_mat_file *f = open_or_fail(REF "utf16.mat");
    if (!f) return;
    cj_mat_strings s;
    if (strings_ok(f, "u16", &s)) { /* a surrogate pair joins into one 4-byte character */
        CHECK(s.n == 1 && strcmp(s.s[0], "h\xc3\xa9llo \xf0\x9f\x98\x80") == 0);
        cj_mat_strings_free(&s);
    }
    if (strings_ok(f, "utf16rows", &s)) {
        CHECK(s.n == 2 && !strcmp(s.s[0], "ab") && !strcmp(s.s[1], "\xc3\xa7" "d"));
        cj_mat_strings_free(&s);
    }
    strings_fail(f, "nul", "NUL character");
    cj_mat_close(f);
}

TEST(struct_fields_and_elements_by_matlab_expression)
{
    const char *files[] = {REF "structs.mat", REF "compressed.mat"};
    for (int fi = 0; fi < 2; fi++) {
        cj_mat_file *f = open_or_fail(files[fi]);
        if (!f) return;
        cj_mat_array a;
        cj_mat_strings s;
        if (read_ok(f, "st.a", CJ_MAT_F64, &a)) {
            CHECK(shape_is(&a, 2, (int64_t[]){2, 3}) && ((double *)a.data)[5] == 12);
            cj_mat_array_free(&a);
        }
        double v = 0;
        cj_error err;
        CHECK(cj_mat_read_scalar(f, "st.inner.x", &v, &err) == CJ_OK && v == 7);
        if (strings_ok(f, "st.inner.txt", &s)) {
            CHECK(s.n == 1 && !strcmp(s.s[0], "deep"));
            cj_mat_strings_free(&s);
        }
        if (read_ok(f, "sa(2).image", CJ_MAT_F32, &a)) {
            CHECK(shape_is(&a, 3, (int64_t[]){2, 2, 3}) && strcmp(a.class_name, "uint8") == 0);
            int bad = 0;
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    for (int k = 0; k < 3; k++)
                        bad += ((float *)a.data)[(i * 2 + j) * 3 + k] != 100 * i + 10 * j + k + 10;
            CHECK(bad == 0);
            cj_mat_array_free(&a);
        }
        if (strings_ok(f, "sa(3).label", &s)) {
            CHECK(s.n == 1 && !strcmp(s.s[0], "img3"));
            cj_mat_strings_free(&s);
        }
        /* s3 is 1x2x2; s3(...).RDM holds MATLAB's linear index of the element. */
        const struct {
            const char *expr;
            double want;
        } idx[] = {{"s3(1,2,1).RDM", 2}, {"s3(3).RDM", 3},       {"s3(1,2,2).RDM", 4},
                   {"s3(1, 3).RDM", 3},  {"s3(1,1,2,1).RDM", 3}, {"s3(4).RDM", 4}};
        for (size_t k = 0; k < sizeof idx / sizeof idx[0]; k++)
            if (read_ok(f, idx[k].expr, CJ_MAT_F64, &a)) {
                if (((double *)a.data)[3] != idx[k].want)
                    test_fail("%s = %g, expected %g", idx[k].expr, ((double *)a.data)[3], idx[k].want);
                cj_mat_array_free(&a);
            }
        if (read_ok(f, "nested{1}", CJ_MAT_F64, &a)) {
            CHECK(shape_is(&a, 2, (int64_t[]){1, 3}) && ((double *)a.data)[2] == 3);
            cj_mat_array_free(&a);
        }
        CHECK(cj_mat_read_scalar(f, "nested{3}{1}", &v, &err) == CJ_OK && v == 4);
        if (strings_ok(f, "nested(2)", &s)) {
            CHECK(s.n == 1 && !strcmp(s.s[0], "txt"));
            cj_mat_strings_free(&s);
        }
        cj_mat_info info;
        CHECK(cj_mat_info_of(f, "sa", &info, &err) == CJ_OK);
        CHECK(!strcmp(info.class_name, "struct") && info.ndim == 2 && info.shape[1] == 3 && info.n_fields == 2);
        CHECK(info.n_fields == 2 && !strcmp(info.fields[0], "image") && !strcmp(info.fields[1], "label"));
        CHECK(cj_mat_info_of(f, "sa(1).image", &info, &err) == CJ_OK && !strcmp(info.class_name, "uint8") &&
              info.numel == 12);
        read_fails(f, "sa.image", CJ_ERR_ARG, "sa is a 1x3 struct array: index it first, e.g. sa(1).image");
        read_fails(f, "sa(4).image", CJ_ERR_ARG, "index 4 is past the end of the 1x3 struct array sa");
        read_fails(f, "s3(1,3,1).RDM", CJ_ERR_ARG, "index (1,3,1) is past the end of the 1x2x2 struct array s3");
        read_fails(f, "s3(1,1,2,2).RDM", CJ_ERR_ARG, "past the end");
        read_fails(f, "st.nope", CJ_ERR_ARG, "struct st has no field nope (its fields: a, name, inner)");
        read_fails(f, "sa(0).image", CJ_ERR_ARG, "positive integer");
        read_fails(f, "sa(2)", CJ_ERR_ARG, "names one element of a struct array: add .FIELD (its fields: image, label)");
        read_fails(f, "st", CJ_ERR_ARG, "is a struct: read one of its fields, e.g. st.FIELD");
        read_fails(f, "st{1}", CJ_ERR_ARG, "not a cell");
        read_fails(f, "nested{1}.x", CJ_ERR_ARG, "is a double, not a struct");
        read_fails(f, "st..a", CJ_ERR_ARG, "a field name must follow '.'");
        read_fails(f, "st.a)", CJ_ERR_ARG, "unexpected ')'");
        read_fails(f, "sa(2.image", CJ_ERR_ARG, "expected ',' or ')'");
        read_fails(f, "sa(99999999999999999999999).image", CJ_ERR_ARG, "positive integer");
        read_fails(f, "3x", CJ_ERR_ARG, "starts with a variable name");
        cj_mat_close(f);
    }
}

TEST(compressed_and_v4_files)
{
    cj_mat_file *f = open_or_fail(REF "compressed.mat");
    if (f) {
        cj_mat_array a;
        if (read_ok(f, "big", CJ_MAT_F64, &a)) {
            CHECK(shape_is(&a, 2, (int64_t[]){50, 40}));
            double sum = 0;
            for (size_t i = 0; i < a.numel; i++) sum += ((double *)a.data)[i];
            CHECK(sum == 40 * 10 * (49 * 50 / 2) + 50 * (39 * 40 / 2)); /* sum of 10 i + j */
            CHECK(((double *)a.data)[7 * 40 + 3] == 73);
            cj_mat_array_free(&a);
        }
        cj_mat_close(f);
    }
    f = open_or_fail(REF "v4.mat");
    if (f) {
        cj_mat_array a;
        if (read_ok(f, "d2", CJ_MAT_F32, &a)) {
            CHECK(shape_is(&a, 2, (int64_t[]){2, 3}) && ((float *)a.data)[4] == 11.5f);
            cj_mat_array_free(&a);
        }
        cj_mat_close(f);
    }
}

static void open_fails(const char *path, const char *word)
{
    cj_mat_file *f = (cj_mat_file *)1;
    cj_error err;
    if (cj_mat_open(path, &f, &err) == CJ_OK) {
        test_fail("%s opened, expected '%s'", path, word);
        cj_mat_close(f);
        return;
    }
    CHECK(f == NULL);
    if (!strstr(err.msg, path) || !strstr(err.msg, word)) test_fail("%s: message '%s' lacks '%s'", path, err.msg, word);
}

TEST(broken_files_give_one_line_errors)
{
    open_fails(REF "not_mat.mat", "not a MATLAB .mat file");
    open_fails(REF "no_such_file.mat", "no_such_file.mat");
    open_fails("tests/ref", "folder");
    /* Inputs the fuzzer found that made libmatio ask for gigabytes while it
     * listed the variables, refused by the header walk (mat_guard.c). */
    open_fails("fuzz/corpus/mat/regress_struct_dims_ask_8gb.mat", "corrupt .mat file: a dimensions array of");
    open_fails("fuzz/corpus/mat/regress_sparse_jc_asks_4gb.mat", "corrupt .mat file: a data element of");
    open_fails("fuzz/corpus/mat/regress_damaged_zlib_stale_buffer.mat",
               "corrupt .mat file: the compressed variable at byte 304 does not inflate (zlib: incorrect data check)");
    open_fails("fuzz/corpus/mat/regress_header_past_its_element.mat",
               "corrupt .mat file: the variable at byte 128 declares 1 bytes, too few for its header");
    open_fails("fuzz/corpus/mat/regress_function_handle_dims.mat",
               "holds a function handle (nesting level 1), which cajal does not read");
    open_fails("fuzz/corpus/mat/regress_sparse_parts_past_element.mat",
               "corrupt .mat file: an array with 1 of its 4 data elements (nesting level 2)");
    open_fails("fuzz/corpus/mat/regress_v4_sparse_rows.mat", "corrupt .mat file: a sparse v4 matrix with columns of 0");
    open_fails("fuzz/corpus/mat/regress_dims_not_whole_int32.mat", "dimensions that are not whole int32s, bytes of 9");
    open_fails("fuzz/corpus/mat/regress_function_handle_child_name.mat", "holds a function handle");
    open_fails("fuzz/corpus/mat/regress_empty_top_level_matrix.mat",
               "corrupt .mat file: the variable at byte 128 declares 0 bytes, too few for its header");
    open_fails("fuzz/corpus/mat/regress_empty_cell_then_garbage.mat", "corrupt .mat file: a dimensions array of 1634467848");
    cj_mat_file *rows = open_or_fail("fuzz/corpus/mat/regress_char_rows_without_data.mat");
    if (rows) {
        strings_fail(rows, "utf16rows", "a 134217730x0 char array: more than 65536 empty strings");
        cj_mat_close(rows);
    }
    /* Cut in half: refused whole, since libmatio reads on after a short read. */
    open_fails(REF "truncated.mat", "truncated .mat file: the variable at byte 677 declares 1329 bytes, 367 remain");
    cj_mat_file *f = NULL;
    cj_error err;
    if (cj_mat_open(REF "header_only.mat", &f, &err) == CJ_OK) {
        const char *const *names;
        int n = -1;
        cj_mat_names(f, &names, &n, &err);
        CHECK(n == 0);
        read_fails(f, "x", CJ_ERR_ARG, "no variable x in the file (it holds none)");
        cj_mat_close(f);
    }
}

/* ---- the shared data, against scipy.io.loadmat ------------------------- */

TEST(zhang_desimone_unit_matches_scipy)
{
    cj_mat_file *f = open_or_fail(ZD "bp1001spk_01A_raster_data.mat");
    if (!f) return;
    cj_mat_array r;
    if (read_ok(f, "raster_data", CJ_MAT_F32, &r)) {
        CHECK(shape_is(&r, 2, (int64_t[]){420, 1000}) && strcmp(r.class_name, "double") == 0);
        const float *x = r.data;
        double sum = 0, row0 = 0, col600 = 0;
        for (size_t i = 0; i < r.numel; i++) sum += x[i];
        for (int j = 0; j < 1000; j++) row0 += x[j];
        for (int i = 0; i < 420; i++) col600 += x[i * 1000 + 600];
        CHECK(sum == 1525 && row0 == 15 && col600 == 0);
        int first = -1; /* scipy: np.nonzero(r[3])[0][0] == 302 */
        for (int j = 0; j < 1000 && first < 0; j++)
            if (x[3 * 1000 + j] != 0) first = j;
        CHECK(first == 302);
        cj_mat_array_free(&r);
    }
    cj_mat_strings s;
    if (strings_ok(f, "raster_labels.stimulus_ID", &s)) {
        CHECK(s.n == 420 && !strcmp(s.s[0], "hand") && !strcmp(s.s[1], "flower") && !strcmp(s.s[419], "couch"));
        cj_mat_strings_free(&s);
    }
    if (strings_ok(f, "raster_labels.stimulus_position", &s)) {
        CHECK(s.n == 420 && !strcmp(s.s[0], "upper") && !strcmp(s.s[419], "lower"));
        cj_mat_strings_free(&s);
    }
    if (strings_ok(f, "raster_labels.combined_ID_position{420}", &s)) {
        CHECK(s.n == 1 && !strcmp(s.s[0], "couch_lower"));
        cj_mat_strings_free(&s);
    }
    if (strings_ok(f, "raster_site_info.unit", &s)) {
        CHECK(s.n == 1 && !strcmp(s.s[0], "A"));
        cj_mat_strings_free(&s);
    }
    double v = 0;
    cj_error err;
    CHECK(cj_mat_read_scalar(f, "raster_site_info.session_ID", &v, &err) == CJ_OK && v == 1001);
    CHECK(cj_mat_read_scalar(f, "raster_site_info.alignment_event_time", &v, &err) == CJ_OK && v == 501);
    cj_mat_close(f);
}

TEST(every_zhang_desimone_file_reads)
{
    DIR *d = opendir(ZD);
    if (!d) {
        test_fail("cannot open %s", ZD);
        return;
    }
    struct dirent *e;
    int files = 0, with_420 = 0, with_419 = 0;
    double spikes = 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 4, ".mat") != 0) continue;
        char path[512];
        snprintf(path, sizeof path, "%s%s", ZD, e->d_name);
        cj_mat_file *f = open_or_fail(path);
        if (!f) continue;
        cj_mat_array r;
        cj_mat_strings s;
        if (read_ok(f, "raster_data", CJ_MAT_F32, &r) && strings_ok(f, "raster_labels.stimulus_ID", &s)) {
            files++;
            if (r.ndim != 2 || r.shape[1] != 1000 || r.shape[0] != s.n) test_fail("%s: shape/labels differ", path);
            with_420 += r.shape[0] == 420;
            with_419 += r.shape[0] == 419;
            for (size_t i = 0; i < r.numel; i++) spikes += ((float *)r.data)[i];
            cj_mat_strings_free(&s);
        }
        cj_mat_array_free(&r);
        cj_mat_close(f);
    }
    closedir(d);
    /* scipy: 132 files, 125 of 420 trials and 7 of 419, 603003 spikes in all. */
    CHECK(files == 132 && with_420 == 125 && with_419 == 7);
    CHECK_NEAR(spikes, 603003, 0);
}

TEST(rsa92_files_match_scipy)
{
    cj_mat_file *f = open_or_fail(RSA "Kriegeskorte_Neuron2008_supplementalData.mat");
    if (f) {
        cj_mat_array a;
        if (read_ok(f, "stimuli_92objs(5).image", CJ_MAT_F32, &a)) {
            CHECK(shape_is(&a, 3, (int64_t[]){175, 175, 3}) && strcmp(a.class_name, "uint8") == 0);
            const float *x = a.data;
            CHECK(x[(10 * 175 + 20) * 3 + 0] == 128 && x[(10 * 175 + 20) * 3 + 2] == 128);
            CHECK(x[(100 * 175 + 50) * 3 + 2] == 31);
            double sum = 0;
            for (size_t i = 0; i < a.numel; i++) sum += x[i];
            CHECK(sum == 8364645);
            cj_mat_array_free(&a);
        }
        /* Every image from one handle: the struct array is inflated once. */
        clock_t t0 = clock();
        int ok = 0;
        for (int i = 1; i <= 92; i++) {
            char expr[64];
            snprintf(expr, sizeof expr, "stimuli_92objs(%d).image", i);
            if (read_ok(f, expr, CJ_MAT_F32, &a)) ok += a.numel == 175 * 175 * 3;
            cj_mat_array_free(&a);
        }
        CHECK(ok == 92);
        printf("  92 images read in %.1f ms\n", 1e3 * (double)(clock() - t0) / CLOCKS_PER_SEC);
        cj_mat_strings s;
        if (strings_ok(f, "stimuli_92objs(1).category", &s)) {
            CHECK(!strcmp(s.s[0], "human bodypart"));
            cj_mat_strings_free(&s);
        }
        if (strings_ok(f, "stimuli_92objs(92).category", &s)) {
            CHECK(!strcmp(s.s[0], "artificial inanimate"));
            cj_mat_strings_free(&s);
        }
        double v = -1;
        cj_error err;
        CHECK(cj_mat_read_scalar(f, "stimuli_92objs(92).face", &v, &err) == CJ_OK && v == 0);
        if (strings_ok(f, "categoryLabels", &s)) {
            CHECK(s.n == 12 && !strcmp(s.s[0], "animate") && !strcmp(s.s[11], "monkeyape"));
            cj_mat_strings_free(&s);
        }
        if (read_ok(f, "categoryVectors", CJ_MAT_F64, &a)) {
            CHECK(shape_is(&a, 2, (int64_t[]){92, 12}));
            double sum = 0;
            for (size_t i = 0; i < a.numel; i++) sum += ((double *)a.data)[i];
            const double row0[12] = {1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0};
            CHECK(sum == 353 && memcmp(a.data, row0, sizeof row0) == 0);
            cj_mat_array_free(&a);
        }
        if (read_ok(f, "RDMs_mIT_hIT_fig1(1).RDM", CJ_MAT_F64, &a)) {
            const double *x = a.data;
            CHECK(shape_is(&a, 2, (int64_t[]){1, 4186}));
            CHECK_NEAR(x[0], 0.96691272, 1e-8);
            CHECK_NEAR(x[1], 0.69978381, 1e-8);
            CHECK_NEAR(x[4185], 0.80466306, 1e-8);
            cj_mat_array_free(&a);
        }
        if (read_ok(f, "RDMs_mIT_hIT_fig1(2).RDM", CJ_MAT_F64, &a)) {
            CHECK_NEAR(((double *)a.data)[100], 0.87110436, 1e-8);
            cj_mat_array_free(&a);
        }
        if (strings_ok(f, "RDMs_mIT_hIT_fig1(2).name", &s)) {
            CHECK(!strcmp(s.s[0], "hITvisStim_316vx"));
            cj_mat_strings_free(&s);
        }
        cj_mat_close(f);
    }
    f = open_or_fail(RSA "92_brainRDMs.mat");
    if (f) {
        cj_mat_array a;
        cj_mat_strings s;
        cj_mat_info info;
        cj_error err;
        CHECK(cj_mat_info_of(f, "RDMs", &info, &err) == CJ_OK && info.ndim == 3 && info.shape[1] == 4 &&
              info.shape[2] == 2);
        if (read_ok(f, "RDMs(1,3,2).RDM", CJ_MAT_F32, &a)) {
            const float *x = a.data;
            CHECK(shape_is(&a, 2, (int64_t[]){92, 92}) && strcmp(a.class_name, "single") == 0);
            CHECK(x[1] == 0.8718804f && x[5 * 92 + 7] == 0.86265457f && x[7 * 92 + 5] == 0.86265457f);
            cj_mat_array_free(&a);
        }
        if (read_ok(f, "RDMs(1,1,1).RDM", CJ_MAT_F32, &a)) {
            CHECK(((float *)a.data)[1] == 0.82878304f);
            cj_mat_array_free(&a);
        }
        if (strings_ok(f, "RDMs(1,3,2).name", &s)) {
            CHECK(!strcmp(s.s[0], "hIT | SN | Session: 2"));
            cj_mat_strings_free(&s);
        }
        cj_mat_close(f);
    }
    f = open_or_fail(RSA "92_modelRDMs.mat");
    if (f) {
        cj_mat_array a;
        cj_mat_strings s;
        if (strings_ok(f, "Models(2).name", &s)) {
            CHECK(!strcmp(s.s[0], "FaceBodyManmadeNatobj"));
            cj_mat_strings_free(&s);
        }
        if (read_ok(f, "Models(2).RDM", CJ_MAT_F64, &a)) {
            double sum = 0;
            for (size_t i = 0; i < a.numel; i++) sum += ((double *)a.data)[i];
            CHECK(sum == 6342 && ((double *)a.data)[50] == 1);
            cj_mat_array_free(&a);
        }
        if (read_ok(f, "Models(8).RDM", CJ_MAT_F64, &a)) {
            CHECK(((double *)a.data)[3 * 92 + 60] == 0.03377973323582839);
            cj_mat_array_free(&a);
        }
        cj_mat_close(f);
    }
}

int main(void)
{
    RUN(numeric_classes_come_back_row_major_with_matlab_dims);
    RUN(text_comes_back_as_utf8_strings);
    RUN(utf16_text_written_as_matlab_does);
    RUN(struct_fields_and_elements_by_matlab_expression);
    RUN(compressed_and_v4_files);
    RUN(broken_files_give_one_line_errors);
    RUN(zhang_desimone_unit_matches_scipy);
    RUN(every_zhang_desimone_file_reads);
    RUN(rsa92_files_match_scipy);
    return test_summary("mat");
}
