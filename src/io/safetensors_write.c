/* safetensors_write.c — writing safetensors files (format: safetensors.c):
 * F32 tensors and optional string metadata, atomically. Everything is
 * checked before a byte is written, against the same rules the reader
 * applies, plus UTF-8 (the reference reader parses the header as UTF-8). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cajal/io.h"
#include "safetensors_common.h"


/* No string twice, found by sorting a copy: O(n log n). `what` names them
 * in the message ("tensor name", "metadata key"). */
static cj_status check_unique_strings(const char *path, int n, const char *const *strings, const char *what,
                                      cj_error *err)
{
    const char **sorted = malloc(sizeof *sorted * (n > 0 ? (size_t)n : 1));
    if (!sorted) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory checking %d %ss", path, n, what);
    if (n > 0) memcpy(sorted, strings, sizeof *sorted * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, by_string);
    cj_status st = CJ_OK;
    for (int i = 1; i < n && !st; i++)
        if (!strcmp(sorted[i - 1], sorted[i]))
            st = cj_fail(err, CJ_ERR_ARG, "%s: %s '%s' is used twice", path, what, sorted[i]);
    free(sorted);
    return st;
}

/* Whether s is well-formed UTF-8 (no overlong forms, surrogates or code
 * points above U+10FFFF): the reference reader parses the header as a Rust
 * str and refuses the whole file otherwise. */
static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
                                           : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (!len) return 0;
        uint32_t cp = len == 1 ? c : c & (0x7fu >> len);
        for (unsigned k = 1; k < len; k++) {
            if ((p[k] & 0xc0) != 0x80) return 0;
            cp = cp << 6 | (p[k] & 0x3fu);
        }
        static const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < smallest[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
        p += len;
    }
    return 1;
}

static cj_status check_meta(const char *path, int n_meta, const cj_meta_entry *meta, cj_error *err)
{
    if (n_meta < 0 || (n_meta > 0 && !meta))
        return cj_fail(err, CJ_ERR_ARG, "%s: %d metadata entries to write", path, n_meta);
    const char **keys = malloc(sizeof *keys * (n_meta > 0 ? (size_t)n_meta : 1));
    if (!keys) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory checking the metadata", path);
    cj_status st = CJ_OK;
    for (int i = 0; i < n_meta && !st; i++) {
        const char *k = meta[i].key, *v = meta[i].value;
        keys[i] = k;
        if (!k || !*k || !v)
            st = cj_fail(err, CJ_ERR_ARG, "%s: metadata entry %d has %s", path, i,
                         !k || !*k ? "no key" : "no value");
        else if (!valid_utf8(k) || !valid_utf8(v))
            st = cj_fail(err, CJ_ERR_ARG, "%s: metadata key '%.64s': the %s is not valid UTF-8", path, k,
                         valid_utf8(k) ? "value" : "key");
    }
    if (!st) st = check_unique_strings(path, n_meta, keys, "metadata key", err);
    free(keys);
    return st;
}

static cj_status check_tensors(const char *path, int n, const char *const *names,
                               const cj_tensor *tensors, cj_error *err)
{
    if (n < 0) return cj_fail(err, CJ_ERR_ARG, "%s: %d tensors to write", path, n);
    for (int i = 0; i < n; i++) {
        const char *name = names[i];
        const cj_tensor *t = &tensors[i];
        if (!name || !*name || !strcmp(name, "__metadata__"))
            return cj_fail(err, CJ_ERR_ARG, "%s: tensor %d has an invalid name '%s'", path, i,
                           name ? name : "(null)");
        /* What the reader refuses is never written. */
        cj_status st = check_name(path, name, CJ_ERR_ARG, err);
        if (st) return st;
        if (!valid_utf8(name))
            return cj_fail(err, CJ_ERR_ARG, "%s: tensor name '%.64s' is not valid UTF-8", path, name);
        if (t->ndim < 0 || t->ndim > CJ_MAX_DIMS)
            return cj_fail(err, CJ_ERR_ARG, "%s: tensor '%s' has %d dimensions", path, name, t->ndim);
        for (int d = 0; d < t->ndim; d++)
            if (t->shape[d] < 0)
                return cj_fail(err, CJ_ERR_ARG, "%s: tensor '%s' has a negative dimension", path, name);
        if (!t->data && cj_tensor_numel(t) > 0)
            return cj_fail(err, CJ_ERR_ARG, "%s: tensor '%s' has no data", path, name);
    }
    return check_unique_strings(path, n, names, "tensor name", err);
}

/* "__metadata__" first, as the reference implementation writes it; cJSON
 * escapes quotes, backslashes and control characters. */
static int add_metadata(cJSON *root, int n_meta, const cj_meta_entry *meta)
{
    if (n_meta == 0) return 1;
    cJSON *obj = cJSON_AddObjectToObject(root, "__metadata__");
    for (int i = 0; obj && i < n_meta; i++)
        if (!cJSON_AddStringToObject(obj, meta[i].key, meta[i].value)) return 0;
    return obj != NULL;
}

/* The JSON header, padded with spaces so the data section starts on an
 * 8-byte boundary (what the reference implementation does, so readers can
 * map F32/F64 data in place). Returns a malloc'd string or NULL. */
static char *make_header(int n, const char *const *names, const cj_tensor *tensors, int n_meta,
                         const cj_meta_entry *meta, size_t *len)
{
    cJSON *root = cJSON_CreateObject();
    if (root && !add_metadata(root, n_meta, meta)) {
        cJSON_Delete(root);
        root = NULL;
    }
    uint64_t offset = 0;
    for (int i = 0; root && i < n; i++) {
        const cj_tensor *t = &tensors[i];
        cJSON *e = cJSON_AddObjectToObject(root, names[i]);
        cJSON *dt = e ? cJSON_AddStringToObject(e, "dtype", "F32") : NULL;
        cJSON *shape = dt ? cJSON_AddArrayToObject(e, "shape") : NULL;
        cJSON *offsets = shape ? cJSON_AddArrayToObject(e, "data_offsets") : NULL;
        int ok = offsets != NULL;
        for (int d = 0; ok && d < t->ndim; d++)
            ok = cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->shape[d]));
        uint64_t end = offset + cj_tensor_numel(t) * sizeof(float);
        /* cJSON prints whole numbers below 1e15 without an exponent, which
         * is what strict (Rust serde) readers require; no tensor file comes
         * near a petabyte. */
        ok = ok && cJSON_AddItemToArray(offsets, cJSON_CreateNumber((double)offset)) &&
             cJSON_AddItemToArray(offsets, cJSON_CreateNumber((double)end));
        offset = end;
        if (!ok) {
            cJSON_Delete(root);
            root = NULL;
        }
    }
    char *json = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!json) return NULL;
    size_t raw = strlen(json), padded = (raw + 7) / 8 * 8;
    char *out = malloc(padded + 1);
    if (out) {
        memcpy(out, json, raw);
        memset(out + raw, ' ', padded - raw);
    }
    cJSON_free(json);
    if (!out) return NULL;
    out[padded] = '\0';
    *len = padded;
    return out;
}

static int write_floats(FILE *f, const float *x, size_t n)
{
    unsigned char chunk[4096];
    while (n > 0) {
        size_t k = n < sizeof chunk / 4 ? n : sizeof chunk / 4;
        for (size_t i = 0; i < k; i++) {
            uint32_t u;
            memcpy(&u, &x[i], sizeof u);
            store_u32(chunk + 4 * i, u);
        }
        if (fwrite(chunk, 4, k, f) != k) return 0;
        x += k;
        n -= k;
    }
    return 1;
}

cj_status cj_safetensors_write(const char *path, int n, const char *const *names, const cj_tensor *tensors,
                               int n_meta, const cj_meta_entry *meta, cj_error *err)
{
    cj_status st = check_tensors(path, n, names, tensors, err);
    if (!st) st = check_meta(path, n_meta, meta, err);
    if (st) return st;
    size_t header_len = 0;
    char *header = make_header(n, names, tensors, n_meta, meta, &header_len);
    if (!header) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory building the header", path);
    cj_atomic_file af;
    if ((st = cj_atomic_open(&af, path, err))) {
        free(header);
        return st;
    }
    unsigned char len_bytes[8];
    store_u64(len_bytes, header_len);
    int ok = fwrite(len_bytes, 1, 8, af.f) == 8 && fwrite(header, 1, header_len, af.f) == header_len;
    for (int i = 0; ok && i < n; i++) ok = write_floats(af.f, tensors[i].data, cj_tensor_numel(&tensors[i]));
    free(header);
    if (!ok) {
        int saved = errno;
        cj_atomic_abort(&af);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot write: %s", path, strerror(saved));
    }
    return cj_atomic_commit(&af, err);
}
