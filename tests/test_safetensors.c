/* test_safetensors.c — safetensors reading and writing, atomic writes, and
 * saving/loading models: round trips, files written by hand byte by byte
 * (other dtypes, __metadata__), and every malformed file the reader must
 * reject with a message that names the file and the tensor. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cajal/io.h"
#include "cajal/model.h"
#include "cajal/rng.h"
#include "fixtures.h"
#include "harness.h"

/* A folder for the hand-made files (fixtures.h), one per program and
 * reachable until exit. */
static const char *tdir;

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
    CHECK(cj_safetensors_write(path, 5, names, ts, 0, NULL, &err) == CJ_OK);

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
    CHECK(cj_safetensors_write(in_dir("dup.safetensors"), 2, names, ts, 0, NULL, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "'w'") != NULL);
    CHECK(access(in_dir("dup.safetensors"), F_OK) != 0);
}

TEST(metadata_is_read_and_is_not_a_tensor)
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
    CHECK(st.n_meta == 1 && !strcmp(cj_safetensors_meta(&st, "format"), "pt"));
    CHECK(cj_safetensors_meta(&st, "x") == NULL);
    cj_safetensors_free(&st);
    CHECK(st.n_meta == 0 && st.meta_keys == NULL && st.meta_values == NULL);
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

/* ---- issue 7: sizes, NUL bytes, many names, folders, long paths ---------- */

/* A safetensors file from a header of `n` bytes (NULs allowed) and data. */
static char *write_raw_n(const char *folder, const char *name, const char *json, size_t n, const void *data,
                         size_t data_len)
{
    unsigned char *buf = malloc(8 + n + data_len + 1);
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)n >> (8 * i));
    memcpy(buf + 8, json, n);
    if (data_len) memcpy(buf + 8 + n, data, data_len);
    char *path = fixture_file(folder, name, buf, 8 + n + data_len);
    free(buf);
    return path;
}

/* Reading fails with exactly "<path>: <rest>" and leaves st empty. */
static void expect_exact(const char *path, const char *rest)
{
    cj_safetensors st;
    cj_error err = {0};
    CHECK(cj_safetensors_read(path, &st, &err) != CJ_OK);
    char *want = cj_path_printf("%s: %s", path, rest);
    CHECK(strcmp(err.msg, want) == 0);
    if (strcmp(err.msg, want)) printf("    message was: %s\n    expected:    %s\n", err.msg, want);
    CHECK(st.n == 0 && st.names == NULL && st.blob == NULL);
    free(want);
}

/* cJSON turns "\u0000" into a NUL that ends the C string: "w\u0000x" would
 * have been read as a tensor named "w". */
TEST(nul_in_a_tensor_name_is_an_error)
{
    float data[1] = {1};
    const char *esc = "{\"w\\u0000x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    char *p = write_raw_n(tdir, "esc.safetensors", esc, strlen(esc), data, 4);
    expect_exact(p, "header byte 3: \\u0000 puts a NUL byte in a string (names and metadata cannot contain NUL)");
    free(p);
    const char raw[] = "{\"w\0x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    p = write_raw_n(tdir, "raw.safetensors", raw, sizeof raw - 1, data, 4);
    expect_exact(p, "header byte 3 is a NUL byte (names and metadata cannot contain NUL)");
    free(p);
    /* An escaped backslash followed by "u0000" is six plain characters. */
    const char *plain = "{\"w\\\\u0000\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    p = write_raw_n(tdir, "plain.safetensors", plain, strlen(plain), data, 4);
    cj_safetensors st;
    cj_error err = {0};
    CHECK(cj_safetensors_read(p, &st, &err) == CJ_OK);
    CHECK(st.n == 1 && st.names && !strcmp(st.names[0], "w\\u0000"));
    cj_safetensors_free(&st);
    free(p);
    /* Control characters would break the one-line messages that name it. */
    const char *nl = "{\"a\\nb\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    p = write_raw_n(tdir, "nl.safetensors", nl, strlen(nl), data, 4);
    expect_exact(p, "tensor name 'a\\x0ab' contains control character 0x0a");
    free(p);
}

TEST(sizes_in_the_header_are_checked_first)
{
    char *p = write_raw_n(tdir, "len.safetensors", "{}", 2, NULL, 0);
    FILE *f = fopen(p, "r+b");
    fwrite("\xff\xff\xff\xff\xff\xff\xff\xff", 1, 8, f);  /* header length 2^64 - 1 */
    fclose(f);
    expect_exact(p, "header length 18446744073709551615 exceeds the 2 bytes after it (not a safetensors file?)");
    free(p);
    /* 2^53 cubed wraps 64 bits; every partial product is bounded. */
    float data[1] = {1};
    const char *wrap = "{\"w\":{\"dtype\":\"F32\",\"shape\":[9007199254740992,9007199254740992,"
                       "9007199254740992],\"data_offsets\":[0,4]}}";
    p = write_raw_n(tdir, "wrap.safetensors", wrap, strlen(wrap), data, 4);
    expect_exact(p, "tensor 'w': its shape needs more bytes than the 4-byte data section");
    free(p);
    const char *offs = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,9007199254740992]}}";
    p = write_raw_n(tdir, "offs.safetensors", offs, strlen(offs), data, 4);
    expect_exact(p, "tensor 'w': data_offsets [0, 9007199254740992] lie outside the 4-byte data section");
    free(p);
    /* An extent 0 makes the tensor empty whatever the others are. */
    const char *empty = "{\"w\":{\"dtype\":\"F64\",\"shape\":[9007199254740992,0,9007199254740992],"
                        "\"data_offsets\":[0,0]}}";
    p = write_raw_n(tdir, "empty.safetensors", empty, strlen(empty), NULL, 0);
    cj_safetensors st;
    cj_error err = {0};
    CHECK(cj_safetensors_read(p, &st, &err) == CJ_OK);
    CHECK(st.n == 1 && cj_tensor_numel(&st.tensors[0]) == 0);
    cj_safetensors_free(&st);
    free(p);
}

/* n tensors "t0".."t<n-1>" of one float each; `dup` >= 0 renames the last
 * one to "t<dup>". */
static char *many_tensors(const char *folder, const char *name, int n, int dup)
{
    size_t cap = (size_t)n * 80 + 16, used = 0;
    char *json = malloc(cap);
    used += (size_t)snprintf(json, cap, "{");
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(json + used, cap - used,
                                 "%s\"t%d\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%d,%d]}",
                                 i ? "," : "", i == n - 1 && dup >= 0 ? dup : i, 4 * i, 4 * i + 4);
    used += (size_t)snprintf(json + used, cap - used, "}");
    float *data = malloc(sizeof(float) * (size_t)n);
    for (int i = 0; i < n; i++) data[i] = (float)i;
    char *path = write_raw_n(folder, name, json, used, data, sizeof(float) * (size_t)n);
    free(json);
    free(data);
    return path;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

/* Comparing every pair of names took 43 s for 100k tensors; sorted, it is
 * well under a second (10 s leaves room for a loaded machine and ASan). */
TEST(hundred_thousand_names_read_fast_and_duplicates_still_fail)
{
    enum { N = 100000 };
    char *ok = many_tensors(tdir, "many.safetensors", N, -1);
    char *dup = many_tensors(tdir, "many_dup.safetensors", N, 31337);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cj_safetensors st;
    cj_error err = {0};
    cj_status got = cj_safetensors_read(ok, &st, &err);
    if (got) printf("    %s\n", err.msg);
    CHECK(got == CJ_OK);
    CHECK(st.n == N);
    if (st.n == N) CHECK(!strcmp(st.names[N - 1], "t99999") && st.tensors[N - 1].data[0] == (float)(N - 1));
    cj_safetensors_free(&st);
    expect_exact(dup, "tensor 't31337' appears twice in the header");
    double took = seconds_since(&t0);
    CHECK(took < 10.0);
    if (took >= 10.0) printf("    took %.1f s\n", took);

    /* The writer checks its names the same way. */
    char **names = malloc(sizeof *names * N);
    cj_tensor *ts = calloc(N, sizeof *ts);
    float x = 1;
    for (int i = 0; i < N; i++) {
        names[i] = cj_path_printf("w%d", i == N - 1 ? 4242 : i);
        ts[i] = (cj_tensor){&x, 1, {1}};
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *wp = cj_path_join(tdir, "written.safetensors");
    CHECK(cj_safetensors_write(wp, N, (const char *const *)names, ts, 0, NULL, &err) == CJ_ERR_ARG);
    char *want = cj_path_printf("%s: tensor name 'w4242' is used twice", wp);
    CHECK(!strcmp(err.msg, want));
    CHECK(seconds_since(&t0) < 10.0);
    for (int i = 0; i < N; i++) free(names[i]);
    free(names);
    free(ts);
    free(want);
    free(wp);
    unlink(ok); /* 7 MB each: not worth keeping */
    unlink(dup);
    free(ok);
    free(dup);
}

/* model.init naming a folder said "not a regular file" or a stale errno. */
TEST(a_folder_is_not_a_file)
{
    expect_exact(tdir, "is a folder, not a file");
    cj_model m;
    if (!make_model(&m, "flatten, dense 3", (cj_shape){1, 2, 2}, 1)) return;
    cj_error err = {0};
    CHECK(cj_model_load(&m, tdir, &err) == CJ_ERR_IO);
    char *want = cj_path_printf("%s: is a folder, not a file", tdir);
    CHECK(!strcmp(err.msg, want));
    free(want);
    cj_model_free(&m);
}

/* Paths are never cut short: save and load under a 1200-character path. */
TEST(model_round_trip_under_a_long_path)
{
    char part[201];
    memset(part, 'd', 200);
    part[200] = '\0';
    char *deep = cj_path_printf("%s/%s/%s/%s/%s/%s", tdir, part, part, part, part, part);
    cj_error err = {0};
    CHECK(cj_make_dirs(deep, &err) == CJ_OK);
    char *path = cj_path_printf("%s/%s.safetensors", deep, part);
    CHECK(strlen(path) > 1200);
    cj_model a, b;
    if (!make_model(&a, MLP_SPEC, (cj_shape){1, 4, 4}, 1)) return;
    if (make_model(&b, MLP_SPEC, (cj_shape){1, 4, 4}, 2)) {
        cj_status st = cj_model_save(&a, path, &err);
        if (st) printf("    %s\n", err.msg);
        CHECK(st == CJ_OK);
        CHECK(access(path, F_OK) == 0);
        CHECK(cj_model_load(&b, path, &err) == CJ_OK);
        CHECK(same_floats(a.params, b.params, a.n_params));
        cj_model_free(&b);
    }
    cj_model_free(&a);
    free(path);
    free(deep);
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

/* ---- issue 8: __metadata__ ---------------------------------------------- */

/* Strings that need escaping in JSON, and non-ASCII UTF-8, come back as
 * they were, in the order given; the header stays plain JSON. */
TEST(metadata_round_trip_keeps_every_string)
{
    float w[2] = {1, 2};
    const char *names[] = {"w"};
    cj_tensor ts[1] = {{w, 1, {2}}};
    const cj_meta_entry meta[] = {
        {"format", "cajal"},
        {"quote", "say \"hi\""},
        {"backslash", "C:\\dir\\ and \\u0041"},
        {"unicode", "\xc2\xb5m \xe2\x80\x94 \xc3\xbc \xe7\xa5\x9e \xf0\x9f\x98\x80"},
        {"control", "a\nb\tc\x01"},
        {"empty", ""},
        {"k\xc3\xa9y \"q\"", "v"},
    };
    int n_meta = (int)(sizeof meta / sizeof meta[0]);
    char *path = cj_path_join(tdir, "meta_round.safetensors");
    cj_error err = {0};
    CHECK(cj_safetensors_write(path, 1, names, ts, n_meta, meta, &err) == CJ_OK);
    cj_safetensors st;
    CHECK(cj_safetensors_read(path, &st, &err) == CJ_OK);
    CHECK(st.n == 1 && st.n_meta == n_meta);
    for (int i = 0; i < st.n_meta && i < n_meta; i++) {
        CHECK(!strcmp(st.meta_keys[i], meta[i].key));
        CHECK(!strcmp(st.meta_values[i], meta[i].value));
        CHECK(cj_safetensors_meta(&st, meta[i].key) == st.meta_values[i]);
    }
    CHECK(cj_safetensors_meta(&st, "missing") == NULL);
    CHECK(same_floats(st.tensors[0].data, w, 2));
    cj_safetensors_free(&st);
    /* __metadata__ comes first, as the reference writer puts it, and the
     * escapes are JSON's own. */
    FILE *f = fopen(path, "rb");
    char head[512] = {0};
    CHECK(f && fread(head, 1, sizeof head - 1, f) > 8);
    if (f) fclose(f);
    CHECK(!strncmp(head + 8, "{\"__metadata__\":{\"format\":\"cajal\",\"quote\":\"say \\\"hi\\\"\"", 52));
    CHECK(strstr(head + 8, "\"a\\nb\\tc\\u0001\"") != NULL);
    free(path);
}

/* What the reader would refuse, or PyTorch could not parse, is not written. */
TEST(metadata_writer_rejects_bad_entries)
{
    float w = 1;
    const char *names[] = {"w"};
    cj_tensor ts[1] = {{&w, 1, {1}}};
    char *path = cj_path_join(tdir, "meta_bad.safetensors");
    struct {
        cj_meta_entry meta[2];
        const char *rest;
    } cases[] = {
        {{{"a", "1"}, {"a", "2"}}, "metadata key 'a' is used twice"},
        {{{"a", "1"}, {"b", NULL}}, "metadata entry 1 has no value"},
        {{{"a", "1"}, {"", "2"}}, "metadata entry 1 has no key"},
        {{{"a", "1"}, {"b", "\xff"}}, "metadata key 'b': the value is not valid UTF-8"},
        {{{"a", "1"}, {"b", "\xc0\xaf"}}, "metadata key 'b': the value is not valid UTF-8"},   /* overlong '/' */
        {{{"a", "1"}, {"b", "\xed\xa0\x80"}}, "metadata key 'b': the value is not valid UTF-8"}, /* surrogate */
        {{{"a", "1"}, {"b", "\xf4\x90\x80\x80"}}, "metadata key 'b': the value is not valid UTF-8"}, /* > U+10FFFF */
        {{{"a", "1"}, {"\xe2\x82", "2"}}, "metadata key '\xe2\x82': the key is not valid UTF-8"},  /* cut short */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cj_error err = {0};
        CHECK(cj_safetensors_write(path, 1, names, ts, 2, cases[i].meta, &err) == CJ_ERR_ARG);
        char *want = cj_path_printf("%s: %s", path, cases[i].rest);
        CHECK(!strcmp(err.msg, want));
        if (strcmp(err.msg, want)) printf("    message was: %s\n    expected:    %s\n", err.msg, want);
        free(want);
        CHECK(access(path, F_OK) != 0);
    }
    cj_error err = {0};
    const char *bad_name[] = {"w\xff"};
    CHECK(cj_safetensors_write(path, 1, bad_name, ts, 0, NULL, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "tensor name 'w\xff' is not valid UTF-8") != NULL);
    free(path);
}

/* The spec makes __metadata__ an object of strings; anything else, a key
 * twice and a NUL in it are errors naming the file and the key. */
TEST(metadata_that_is_not_strings_is_an_error)
{
    static const char *const X = "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    struct {
        const char *meta, *rest;
    } cases[] = {
        {"{\"__metadata__\":[\"a\"],", "__metadata__ is an array, not an object of strings"},
        {"{\"__metadata__\":\"cajal\",", "__metadata__ is a string, not an object of strings"},
        {"{\"__metadata__\":{\"epoch\":3},", "__metadata__ key 'epoch' is a number, not a string"},
        {"{\"__metadata__\":{\"a\":\"1\",\"b\":{}},", "__metadata__ key 'b' is an object, not a string"},
        {"{\"__metadata__\":{\"a\\nb\":null},", "__metadata__ key 'a\\x0ab' is null, not a string"},
        {"{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"},", "__metadata__ key 'a' appears twice"},
        {"{\"__metadata__\":{},\"__metadata__\":{},", "__metadata__ appears twice in the header"},
        {"{\"__metadata__\":{\"a\":\"x\\u0000y\"},",
         "header byte 23: \\u0000 puts a NUL byte in a string (names and metadata cannot contain NUL)"},
    };
    float data[1] = {1};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = cj_path_printf("%s%s", cases[i].meta, X);
        char *name = cj_path_printf("meta_err%zu.safetensors", i);
        char *p = write_raw_n(tdir, name, json, strlen(json), data, 4);
        expect_exact(p, cases[i].rest);
        free(p);
        free(name);
        free(json);
    }
    /* A raw NUL inside a metadata value. */
    const char raw[] = "{\"__metadata__\":{\"a\":\"x\0y\"},\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    char *p = write_raw_n(tdir, "meta_rawnul.safetensors", raw, sizeof raw - 1, data, 4);
    expect_exact(p, "header byte 23 is a NUL byte (names and metadata cannot contain NUL)");
    free(p);
    /* An empty object is fine: no metadata. */
    char *json = cj_path_printf("{\"__metadata__\":{},%s", X);
    p = write_raw_n(tdir, "meta_empty.safetensors", json, strlen(json), data, 4);
    cj_safetensors st;
    cj_error err = {0};
    CHECK(cj_safetensors_read(p, &st, &err) == CJ_OK && st.n == 1 && st.n_meta == 0);
    cj_safetensors_free(&st);
    free(p);
    free(json);
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
    tdir = fixture_dir("st");
    snprintf(dir, sizeof dir, "/tmp/cajal_safetensors_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(round_trip_keeps_names_shapes_and_values);
    RUN(write_rejects_duplicate_names);
    RUN(metadata_is_read_and_is_not_a_tensor);
    RUN(other_float_dtypes_convert_to_f32);
    RUN(missing_and_short_files_are_rejected);
    RUN(malformed_headers_are_rejected);
    RUN(bad_offsets_are_rejected);
    RUN(model_save_then_load_gives_identical_parameters);
    RUN(model_load_rejects_other_architectures);
    RUN(atomic_write_commits_or_leaves_the_old_file);
    RUN(nul_in_a_tensor_name_is_an_error);
    RUN(sizes_in_the_header_are_checked_first);
    RUN(hundred_thousand_names_read_fast_and_duplicates_still_fail);
    RUN(a_folder_is_not_a_file);
    RUN(model_round_trip_under_a_long_path);
    RUN(metadata_round_trip_keeps_every_string);
    RUN(metadata_writer_rejects_bad_entries);
    RUN(metadata_that_is_not_strings_is_an_error);
    remove_dir();
    return test_summary("safetensors");
}
