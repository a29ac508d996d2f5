/* test_safetensors.c — safetensors reading and writing, atomic writes, and
 * saving/loading models: round trips, files written by hand byte by byte
 * (other dtypes, __metadata__), and every malformed file the reader must
 * reject with a message that names the file and the tensor. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cajal/io.h"
#include "cajal/model.h"
#include "cajal/rng.h"
#include "harness.h"

static char dir[64];  /* a fresh temporary directory, removed at the end */

static const char *in_dir(const char *name)
{
    static char path[sizeof dir + 256 + 2];  /* any d_name fits */
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
}

/* A safetensors file from a JSON header and a data section, with the
 * header length filled in. */
static const char *write_raw(const char *name, const char *json, const void *data, size_t data_len)
{
    const char *path = in_dir(name);
    size_t n = strlen(json);
    unsigned char *buf = malloc(8 + n + data_len + 1);
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(buf + 8, json, n);
    if (data_len) memcpy(buf + 8 + n, data, data_len);
    write_bytes(path, buf, 8 + n + data_len);
    free(buf);
    return path;
}

/* Reading `path` must fail with `code` and a message that contains the
 * path and each of up to two further strings. */
static void expect_read_error(const char *path, cj_status code, const char *s1, const char *s2)
{
    cj_safetensors st;
    cj_error err = {0};
    cj_status got = cj_safetensors_read(path, &st, &err);
    CHECK(got == code);
    int ok = strstr(err.msg, path) && (!s1 || strstr(err.msg, s1)) && (!s2 || strstr(err.msg, s2));
    CHECK(ok);
    CHECK(strchr(err.msg, '\n') == NULL);
    if (got != code || !ok) printf("    message was: %s\n", err.msg);
    CHECK(st.n == 0 && st.names == NULL && st.blob == NULL);
    if (got == CJ_OK) cj_safetensors_free(&st);
}

static int same_floats(const float *a, const float *b, size_t n)
{
    return n == 0 || memcmp(a, b, n * sizeof(float)) == 0;
}

TEST(round_trip_keeps_names_shapes_and_values)
{
    float a[6] = {1, -2, 3.5f, 1e-30f, -0.0f, 65504};
    float b[4] = {0.1f, 0.2f, 0.3f, 0.4f};
    float c[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    float s = 42;
    const char *names[] = {"layer.0.weight", "b", "conv \"quoted\"\\name", "scalar", "empty"};
    cj_tensor ts[5] = {
        {a, 2, {2, 3}}, {b, 1, {4}}, {c, 4, {1, 2, 2, 2}}, {&s, 0, {0}}, {NULL, 2, {0, 3}},
    };
    const char *path = in_dir("round.safetensors");
    cj_error err = {0};
    CHECK(cj_safetensors_write(path, 5, names, ts, &err) == CJ_OK);

    /* The data section starts 8-byte aligned (header padded with spaces). */
    FILE *f = fopen(path, "rb");
    unsigned char len[8] = {0};
    CHECK(f && fread(len, 1, 8, f) == 8);
    if (f) fclose(f);
    uint64_t header_len = 0;
    for (int i = 0; i < 8; i++) header_len |= (uint64_t)len[i] << (8 * i);
    CHECK(header_len % 8 == 0);

    cj_safetensors st;
    CHECK(cj_safetensors_read(path, &st, &err) == CJ_OK);
    CHECK(st.n == 5);
    for (int i = 0; i < st.n && i < 5; i++) {
        CHECK(!strcmp(st.names[i], names[i]));
        CHECK(st.tensors[i].ndim == ts[i].ndim);
        for (int d = 0; d < ts[i].ndim; d++) CHECK(st.tensors[i].shape[d] == ts[i].shape[d]);
        CHECK(cj_tensor_numel(&st.tensors[i]) == cj_tensor_numel(&ts[i]));
        CHECK(same_floats(st.tensors[i].data, ts[i].data, cj_tensor_numel(&ts[i])));
    }
    CHECK(cj_safetensors_get(&st, "b") == &st.tensors[1]);
    CHECK(cj_safetensors_get(&st, "missing") == NULL);
    cj_safetensors_free(&st);
    CHECK(st.n == 0 && st.blob == NULL);
}

TEST(write_rejects_duplicate_names)
{
    float x = 1;
    const char *names[] = {"w", "w"};
    cj_tensor ts[2] = {{&x, 1, {1}}, {&x, 1, {1}}};
    cj_error err = {0};
    CHECK(cj_safetensors_write(in_dir("dup.safetensors"), 2, names, ts, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "'w'") != NULL);
    CHECK(access(in_dir("dup.safetensors"), F_OK) != 0);
}

TEST(metadata_is_skipped)
{
    float data[2] = {3, 4};
    const char *path = write_raw("meta.safetensors",
                                 "{\"__metadata__\":{\"format\":\"pt\"},"
                                 "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}    ",
                                 data, sizeof data);
    cj_safetensors st;
    cj_error err = {0};
    CHECK(cj_safetensors_read(path, &st, &err) == CJ_OK);
    CHECK(st.n == 1);
    const cj_tensor *x = cj_safetensors_get(&st, "x");
    CHECK(x && x->data[0] == 3 && x->data[1] == 4);
    CHECK(cj_safetensors_get(&st, "__metadata__") == NULL);
    cj_safetensors_free(&st);
}

/* F64, F16 and BF16 are converted to float32; offsets need not be aligned. */
TEST(other_float_dtypes_convert_to_f32)
{
    unsigned char data[16 + 6 + 4];
    double f64[2] = {1.5, -2.25};
    memcpy(data, f64, 16);  /* the test host is little-endian, like the file */
    const uint16_t f16[3] = {0x3C00 /* 1 */, 0xC000 /* -2 */, 0x0001 /* 2^-24, subnormal */};
    const uint16_t bf16[2] = {0x3F80 /* 1 */, 0xC040 /* -3 */};
    memcpy(data + 16, f16, 6);
    memcpy(data + 22, bf16, 4);
    const char *path = write_raw("dtypes.safetensors",
                                 "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                                 "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[16,22]},"
                                 "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[22,26]}}",
                                 data, sizeof data);
    cj_safetensors st;
    cj_error err = {0};
    CHECK(cj_safetensors_read(path, &st, &err) == CJ_OK);
    const cj_tensor *d = cj_safetensors_get(&st, "d"), *h = cj_safetensors_get(&st, "h"),
                    *b = cj_safetensors_get(&st, "b");
    CHECK(d && h && b);
    if (d && h && b) {
        CHECK(d->data[0] == 1.5f && d->data[1] == -2.25f);
        CHECK(h->data[0] == 1.0f && h->data[1] == -2.0f && h->data[2] == 0x1p-24f);
        CHECK(b->data[0] == 1.0f && b->data[1] == -3.0f);
    }
    cj_safetensors_free(&st);
}

TEST(missing_and_short_files_are_rejected)
{
    expect_read_error(in_dir("does_not_exist.safetensors"), CJ_ERR_IO, "cannot open", NULL);
    const char *empty = in_dir("empty.safetensors");
    write_bytes(empty, "", 0);
    expect_read_error(empty, CJ_ERR_FORMAT, "too short", NULL);
    const char *five = in_dir("five.safetensors");
    write_bytes(five, "\x10\0\0\0\0", 5);
    expect_read_error(five, CJ_ERR_FORMAT, "5 bytes", NULL);
    const char *big = in_dir("big_header.safetensors");
    write_bytes(big, "\xe8\x03\0\0\0\0\0\0{\"a\":1}", 15);  /* claims 1000 bytes of header */
    expect_read_error(big, CJ_ERR_FORMAT, "header length 1000", NULL);
}

TEST(malformed_headers_are_rejected)
{
    float data[4] = {1, 2, 3, 4};
    const char *p;
    p = write_raw("bad_json.safetensors", "{\"a\":{\"dtype\":\"F32\",", data, 0);
    expect_read_error(p, CJ_ERR_FORMAT, "not valid JSON", NULL);
    p = write_raw("array.safetensors", "[1, 2]", data, 0);
    expect_read_error(p, CJ_ERR_FORMAT, "not a JSON object", NULL);
    p = write_raw("trailing.safetensors", "{} x", data, 0);
    expect_read_error(p, CJ_ERR_FORMAT, "trailing", NULL);
    p = write_raw("entry.safetensors", "{\"w\":[1]}", data, 0);
    expect_read_error(p, CJ_ERR_FORMAT, "'w'", "not a JSON object");
    p = write_raw("no_dtype.safetensors", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", data, 4);
    expect_read_error(p, CJ_ERR_FORMAT, "'w'", "dtype");
    p = write_raw("no_shape.safetensors", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", data, 4);
    expect_read_error(p, CJ_ERR_FORMAT, "'w'", "shape");
    p = write_raw("no_offsets.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", data, 4);
    expect_read_error(p, CJ_ERR_FORMAT, "'w'", "data_offsets");
    p = write_raw("i64.safetensors", "{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}",
                  data, 8);
    expect_read_error(p, CJ_ERR_FORMAT, "'w'", "I64");
    p = write_raw("dims.safetensors",
                  "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1],\"data_offsets\":[0,4]}}", data, 4);
    expect_read_error(p, CJ_ERR_FORMAT, "'w'", "5 dimensions");
    p = write_raw("neg.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
                  data, 4);
    expect_read_error(p, CJ_ERR_FORMAT, "'w'", "shape[0]");
    p = write_raw("twice.safetensors",
                  "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                  "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data, 8);
    expect_read_error(p, CJ_ERR_FORMAT, "'w'", "twice");
}

TEST(bad_offsets_are_rejected)
{
    float data[4] = {1, 2, 3, 4};
    const char *p;
    p = write_raw("range.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[100],\"data_offsets\":[0,400]}}",
                  data, 16);
    expect_read_error(p, CJ_ERR_FORMAT, "'w'", "16-byte data section");
    p = write_raw("reversed.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}",
                  data, 8);
    expect_read_error(p, CJ_ERR_FORMAT, "'w'", "[8, 4] end before");
    p = write_raw("past_end.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
                  data, 16);
    expect_read_error(p, CJ_ERR_FORMAT, "'w'", "[8, 24] lie outside the 16-byte");
    p = write_raw("size.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                  data, 16);
    expect_read_error(p, CJ_ERR_FORMAT, "'w'", "F32 [3] needs 12");
    p = write_raw("overlap.safetensors",
                  "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", data, 12);
    expect_read_error(p, CJ_ERR_FORMAT, "'b'", "overlaps tensor 'a'");
    p = write_raw("gap.safetensors",
                  "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", data, 12);
    expect_read_error(p, CJ_ERR_FORMAT, "'b'", "belong to no tensor");
    p = write_raw("tail.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                  data, 8);
    expect_read_error(p, CJ_ERR_FORMAT, "cover only 4", NULL);
}

static const char *MLP_SPEC = "flatten, dense 16, relu, dense 12, tanh, dense 5";
static const char *CNN_SPEC =
    "conv2d 3 kernel=3 padding=1, relu, maxpool 2, conv2d 4 kernel=3 stride=2 padding=1, "
    "sigmoid, avgpool 2, flatten, dense 5";

/* A model with random parameters. */
static int make_model(cj_model *m, const char *spec, cj_shape input, uint64_t seed)
{
    cj_error err = {0};
    cj_status st = cj_model_create(m, spec, input, 2, &err);
    if (st) printf("    %s\n", err.msg);
    CHECK(st == CJ_OK);
    if (st) return 0;
    cj_rng rng;
    cj_rng_seed(&rng, seed);
    cj_model_init(m, &rng);
    return 1;
}

static void check_model_round_trip(const char *spec, cj_shape input, const char *file)
{
    cj_model a, b;
    cj_error err = {0};
    if (!make_model(&a, spec, input, 1)) return;
    if (make_model(&b, spec, input, 2)) {
        const char *path = in_dir(file);
        CHECK(cj_model_save(&a, path, &err) == CJ_OK);
        CHECK(!same_floats(a.params, b.params, a.n_params));
        cj_status st = cj_model_load(&b, path, &err);
        if (st) printf("    %s\n", err.msg);
        CHECK(st == CJ_OK);
        CHECK(a.n_params == b.n_params && same_floats(a.params, b.params, a.n_params));
        cj_model_free(&b);
    }
    cj_model_free(&a);
}

TEST(model_save_then_load_gives_identical_parameters)
{
    check_model_round_trip(MLP_SPEC, (cj_shape){1, 4, 4}, "mlp.safetensors");
    check_model_round_trip(CNN_SPEC, (cj_shape){2, 8, 8}, "cnn.safetensors");
}

/* Load the file saved from spec `from` into a model of spec `into`; it must
 * fail naming the file and the given strings, leaving the model as it was. */
static void expect_load_error(const char *from, const char *into, const char *s1, const char *s2,
                              const char *s3)
{
    cj_model a, b;
    cj_error err = {0};
    cj_shape in = {1, 4, 4};
    if (!make_model(&a, from, in, 1)) return;
    if (make_model(&b, into, in, 2)) {
        const char *path = in_dir("mismatch.safetensors");
        CHECK(cj_model_save(&a, path, &err) == CJ_OK);
        float *before = malloc(sizeof(float) * b.n_params);
        memcpy(before, b.params, sizeof(float) * b.n_params);
        CHECK(cj_model_load(&b, path, &err) == CJ_ERR_SHAPE);
        int ok = strstr(err.msg, path) && strstr(err.msg, s1) && (!s2 || strstr(err.msg, s2)) &&
                 (!s3 || strstr(err.msg, s3));
        CHECK(ok);
        if (!ok) printf("    message was: %s\n", err.msg);
        CHECK(same_floats(before, b.params, b.n_params));
        free(before);
        cj_model_free(&b);
    }
    cj_model_free(&a);
}

TEST(model_load_rejects_other_architectures)
{
    /* Same layers, different width: the shapes differ. */
    expect_load_error(MLP_SPEC, "flatten, dense 8, relu, dense 12, tanh, dense 5", "'1.weight'",
                      "[16, 16]", "[8, 16]");
    /* The file lacks a layer the model has. */
    expect_load_error("flatten, dense 4", "flatten, dense 4, relu, dense 3", "'3.weight'", "missing",
                      NULL);
    /* The file has a layer the model lacks. */
    expect_load_error("flatten, dense 4, relu, dense 3", "flatten, dense 4", "unknown tensor '3.weight'",
                      NULL, NULL);
}

static int count_temp_files(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp.") != NULL;
    if (d) closedir(d);
    return n;
}

static int file_is(const char *path, const char *text)
{
    char buf[64] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(text) && !memcmp(buf, text, n);
}

TEST(atomic_write_commits_or_leaves_the_old_file)
{
    const char *path = in_dir("atomic.txt");
    cj_error err = {0};
    CHECK(cj_write_file_atomic(path, "first", 5, &err) == CJ_OK);
    CHECK(file_is(path, "first"));

    cj_atomic_file af;
    CHECK(cj_atomic_open(&af, path, &err) == CJ_OK);
    fputs("second", af.f);
    CHECK(count_temp_files() == 1);
    cj_atomic_abort(&af);
    CHECK(file_is(path, "first"));
    CHECK(count_temp_files() == 0);

    CHECK(cj_atomic_open(&af, path, &err) == CJ_OK);
    fputs("third", af.f);
    CHECK(cj_atomic_commit(&af, &err) == CJ_OK);
    CHECK(file_is(path, "third"));
    CHECK(count_temp_files() == 0);

    const char *bad = in_dir("no_such_dir/x.txt");
    CHECK(cj_write_file_atomic(bad, "x", 1, &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, bad) && strstr(err.msg, "No such file"));
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) remove(in_dir(e->d_name));
    if (d) closedir(d);
    rmdir(dir);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/cajal_safetensors_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(round_trip_keeps_names_shapes_and_values);
    RUN(write_rejects_duplicate_names);
    RUN(metadata_is_skipped);
    RUN(other_float_dtypes_convert_to_f32);
    RUN(missing_and_short_files_are_rejected);
    RUN(malformed_headers_are_rejected);
    RUN(bad_offsets_are_rejected);
    RUN(model_save_then_load_gives_identical_parameters);
    RUN(model_load_rejects_other_architectures);
    RUN(atomic_write_commits_or_leaves_the_old_file);
    remove_dir();
    return test_summary("safetensors");
}
