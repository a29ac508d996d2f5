/* safetensors.c — the tensor file format PyTorch users share weights in
 * (https://github.com/huggingface/safetensors), so a cajal model opens in
 * PyTorch with load_state_dict and a PyTorch model's weights load here.
 *
 * Layout: an unsigned 64-bit little-endian header length N; N bytes of JSON
 *     {"__metadata__": {...}, "name": {"dtype": "F32", "shape": [2, 3],
 *      "data_offsets": [begin, end]}, ...}
 * then the data section, little-endian, row-major. Offsets count from the
 * first byte after the header; the tensors must tile the data section
 * exactly (no overlaps, no holes). We write F32 and read F32, F64, F16 and
 * BF16, converting to float32 on the way in. "__metadata__" maps string
 * keys to string values; cajal records there what a model file needs to be
 * used on its own (src/train/model_file.c). This file reads;
 * safetensors_write.c writes. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "safetensors_common.h"

/* ---- dtypes -------------------------------------------------------------- */

typedef enum { DT_F32, DT_F64, DT_F16, DT_BF16 } dtype;

static const struct {
    const char *name;
    size_t size;
} DTYPES[] = {{"F32", 4}, {"F64", 8}, {"F16", 2}, {"BF16", 2}};

static int parse_dtype(const char *s, dtype *dt)
{
    for (size_t i = 0; i < sizeof DTYPES / sizeof DTYPES[0]; i++)
        if (!strcmp(s, DTYPES[i].name)) {
            *dt = (dtype)i;
            return 1;
        }
    return 0;
}

/* Byte-wise little-endian loads: correct on any host, and compilers turn
 * them into single loads on little-endian ones. */
static uint16_t load_u16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t load_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t load_u64(const unsigned char *p)
{
    return (uint64_t)load_u32(p) | (uint64_t)load_u32(p + 4) << 32;
}
static float bits_to_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* IEEE binary16 -> binary32, exact (every half is a float). */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 0x1f) return bits_to_float(sign | 0x7f800000u | mant << 13);  /* inf, NaN */
    if (exp == 0) {  /* zero or subnormal: mant * 2^-24 */
        float v = (float)mant * 0x1p-24f;
        return sign ? -v : v;
    }
    return bits_to_float(sign | (exp + 112) << 23 | mant << 13);  /* rebias 15 -> 127 */
}

static void decode(dtype dt, const unsigned char *src, float *dst, size_t n)
{
    switch (dt) {
    case DT_F32:
        for (size_t i = 0; i < n; i++) dst[i] = bits_to_float(load_u32(src + 4 * i));
        break;
    case DT_F64:
        for (size_t i = 0; i < n; i++) {
            uint64_t u = load_u64(src + 8 * i);
            double d;
            memcpy(&d, &u, sizeof d);
            dst[i] = (float)d;
        }
        break;
    case DT_F16:
        for (size_t i = 0; i < n; i++) dst[i] = half_to_float(load_u16(src + 2 * i));
        break;
    case DT_BF16:  /* the top half of a float32 */
        for (size_t i = 0; i < n; i++) dst[i] = bits_to_float((uint32_t)load_u16(src + 2 * i) << 16);
        break;
    }
}

/* ---- reading ------------------------------------------------------------- */

/* One tensor's header entry, validated. */
typedef struct {
    const char *name;  /* points into the cJSON tree */
    dtype dt;
    int ndim;
    int64_t shape[CJ_MAX_DIMS];
    size_t numel;
    size_t first;      /* index of its first float in the blob */
    uint64_t begin, end;
} entry;

/* JSON numbers are doubles: accept whole numbers in [0, 2^53], where every
 * integer is exact. */
static int json_uint(const cJSON *item, uint64_t *out)
{
    if (!cJSON_IsNumber(item)) return 0;
    double d = item->valuedouble;
    if (!(d >= 0 && d <= 9007199254740992.0) || d != (double)(uint64_t)d) return 0;
    *out = (uint64_t)d;
    return 1;
}

/* cJSON decodes "\u0000" into a NUL byte that silently ends the C string,
 * so "w\u0000x" would read as a tensor named "w". Refuse a NUL anywhere in
 * the header, raw or escaped; a backslash occurs only inside strings, where
 * it starts an escape of known length. */
static cj_status check_no_nul(const char *json, size_t len, const char *path, cj_error *err)
{
    for (size_t i = 0; i < len; i++) {
        if (json[i] == '\0')
            return cj_fail(err, CJ_ERR_FORMAT, "%s: header byte %zu is a NUL byte (names and metadata "
                           "cannot contain NUL)", path, i);
        if (json[i] != '\\' || i + 1 >= len) continue;
        if (json[i + 1] == 'u' && i + 5 < len && !memcmp(json + i + 2, "0000", 4))
            return cj_fail(err, CJ_ERR_FORMAT, "%s: header byte %zu: \\u0000 puts a NUL byte in a string "
                           "(names and metadata cannot contain NUL)", path, i);
        i++;
    }
    return CJ_OK;
}

/* The 8-byte length and the JSON header, checked against the file's size
 * before the header is allocated. */
static cj_status read_header(FILE *f, const char *path, uint64_t size, char **json, uint64_t *len,
                             cj_error *err)
{
    *json = NULL;
    unsigned char head[8];
    if (size < 8)
        return cj_fail(err, CJ_ERR_FORMAT,
                       "%s: file is %llu bytes, too short for the 8-byte safetensors header length", path,
                       (unsigned long long)size);
    if (fread(head, 1, 8, f) != 8) return cj_fail(err, CJ_ERR_IO, "%s: cannot read the header length", path);
    *len = load_u64(head);
    if (*len > size - 8)
        return cj_fail(err, CJ_ERR_FORMAT,
                       "%s: header length %llu exceeds the %llu bytes after it (not a safetensors file?)",
                       path, (unsigned long long)*len, (unsigned long long)(size - 8));
    if (*len > SIZE_MAX - 1) return cj_fail(err, CJ_ERR_NOMEM, "%s: header too large for memory", path);
    char *text = malloc((size_t)*len + 1);
    if (!text)
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for a %llu-byte header", path,
                       (unsigned long long)*len);
    if (fread(text, 1, (size_t)*len, f) != *len) {
        free(text);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot read the %llu-byte header (file shrank while reading?)",
                       path, (unsigned long long)*len);
    }
    text[*len] = '\0';
    *json = text;
    return CJ_OK;
}

/* Parse the header text into a JSON object, allowing the space padding
 * writers add to align the data section. */
static cj_status parse_json(const char *path, const char *json, size_t len, cJSON **root, cj_error *err)
{
    cj_status st = check_no_nul(json, len, path, err);
    if (st) return st;
    const char *parse_end = NULL;
    *root = cJSON_ParseWithLengthOpts(json, len, &parse_end, 0);
    if (!*root)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: header is not valid JSON (error at byte %ld of %zu)", path,
                       parse_end ? (long)(parse_end - json) : -1L, len);
    for (const char *p = parse_end; p < json + len; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return cj_fail(err, CJ_ERR_FORMAT, "%s: header has trailing bytes after the JSON object "
                           "(at byte %ld)", path, (long)(p - json));
    if (!cJSON_IsObject(*root)) return cj_fail(err, CJ_ERR_FORMAT, "%s: header is not a JSON object", path);
    return CJ_OK;
}

/* Shape entries, each a whole number; their product times the dtype size
 * must fit the data section, and bounding each partial product by
 * data_size rules out overflow. */
static cj_status parse_shape(const char *path, const cJSON *shape, uint64_t data_size, entry *e,
                             uint64_t *bytes, cj_error *err)
{
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > CJ_MAX_DIMS)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: tensor '%s' has %d dimensions; at most %d are supported",
                       path, e->name, ndim, CJ_MAX_DIMS);
    e->ndim = ndim;
    const cJSON *dim;
    int d = 0, zero = 0;
    cJSON_ArrayForEach(dim, shape) {
        uint64_t v;
        if (!json_uint(dim, &v))
            return cj_fail(err, CJ_ERR_FORMAT, "%s: tensor '%s': shape[%d] is not a non-negative integer",
                           path, e->name, d);
        e->shape[d++] = (int64_t)v;
        zero |= v == 0;
    }
    *bytes = zero ? 0 : DTYPES[e->dt].size;
    for (int k = 0; k < ndim && *bytes; k++) {
        uint64_t v = (uint64_t)e->shape[k];
        if (*bytes > data_size / v)
            return cj_fail(err, CJ_ERR_FORMAT,
                           "%s: tensor '%s': its shape needs more bytes than the %llu-byte data section",
                           path, e->name, (unsigned long long)data_size);
        *bytes *= v;
    }
    e->numel = (size_t)(*bytes / DTYPES[e->dt].size);
    return CJ_OK;
}

static cj_status parse_offsets(const char *path, const cJSON *offsets, uint64_t data_size, uint64_t bytes,
                               entry *e, cj_error *err)
{
    const char *name = e->name;
    if (cJSON_GetArraySize(offsets) != 2 || !json_uint(cJSON_GetArrayItem(offsets, 0), &e->begin) ||
        !json_uint(cJSON_GetArrayItem(offsets, 1), &e->end))
        return cj_fail(err, CJ_ERR_FORMAT,
                       "%s: tensor '%s': data_offsets must be two non-negative integers [begin, end]", path,
                       name);
    if (e->begin > e->end)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: tensor '%s': data_offsets [%llu, %llu] end before they begin",
                       path, name, (unsigned long long)e->begin, (unsigned long long)e->end);
    if (e->end > data_size)
        return cj_fail(err, CJ_ERR_FORMAT,
                       "%s: tensor '%s': data_offsets [%llu, %llu] lie outside the %llu-byte data section",
                       path, name, (unsigned long long)e->begin, (unsigned long long)e->end,
                       (unsigned long long)data_size);
    if (e->end - e->begin != bytes) {
        char buf[96];
        cj_tensor t = {.ndim = e->ndim};
        memcpy(t.shape, e->shape, sizeof t.shape);
        return cj_fail(err, CJ_ERR_FORMAT, "%s: tensor '%s': data_offsets span %llu bytes but %s %s needs %llu",
                       path, name, (unsigned long long)(e->end - e->begin), DTYPES[e->dt].name,
                       cj_tensor_shape_str(&t, buf, sizeof buf), (unsigned long long)bytes);
    }
    return CJ_OK;
}

/* Validate one header entry {"dtype", "shape", "data_offsets"} against a
 * data section of data_size bytes. */
static cj_status parse_entry(const char *path, const cJSON *item, uint64_t data_size, entry *e,
                             cj_error *err)
{
    const char *name = item->string;
    memset(e, 0, sizeof *e);
    e->name = name;
    cj_status st = check_name(path, name, CJ_ERR_FORMAT, err);
    if (st) return st;
    if (!cJSON_IsObject(item))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: tensor '%s': header entry is not a JSON object", path, name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
    const cJSON *offsets = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    if (!cJSON_IsString(dt))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: tensor '%s': missing \"dtype\" string", path, name);
    if (!cJSON_IsArray(shape))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: tensor '%s': missing \"shape\" array", path, name);
    if (!cJSON_IsArray(offsets))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: tensor '%s': missing \"data_offsets\" array", path, name);
    if (!parse_dtype(dt->valuestring, &e->dt)) {
        char buf[96];
        return cj_fail(err, CJ_ERR_FORMAT, "%s: tensor '%s': dtype %s is not supported (F32, F64, F16 or BF16)",
                       path, name, cj_error_quote(dt->valuestring, buf, sizeof buf));
    }
    uint64_t bytes = 0;
    if ((st = parse_shape(path, shape, data_size, e, &bytes, err))) return st;
    return parse_offsets(path, offsets, data_size, bytes, e, err);
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const entry *const *)a)->name, (*(const entry *const *)b)->name);
}

static int by_offset(const void *a, const void *b)
{
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Sorted by name, a repeated name sits next to itself: O(n log n), where
 * comparing every pair took 43 s for 100k tensors. */
static cj_status check_unique(const char *path, entry **order, int n, cj_error *err)
{
    qsort(order, (size_t)n, sizeof *order, by_name);
    for (int i = 1; i < n; i++)
        if (!strcmp(order[i - 1]->name, order[i]->name))
            return cj_fail(err, CJ_ERR_FORMAT, "%s: tensor '%s' appears twice in the header", path,
                           order[i]->name);
    return CJ_OK;
}

/* The spec requires the tensors to tile the data section: sorted by
 * offset, each must start where the previous one ended. `order` is left
 * sorted by offset, the order the data section is read in. */
static cj_status check_tiling(const char *path, entry **order, int n, uint64_t data_size, cj_error *err)
{
    qsort(order, (size_t)n, sizeof *order, by_offset);
    uint64_t pos = 0;
    const char *prev = NULL;
    for (int i = 0; i < n; i++) {
        const entry *e = order[i];
        if (e->begin < pos)
            return cj_fail(err, CJ_ERR_FORMAT, "%s: tensor '%s' (bytes %llu..%llu) overlaps tensor '%s'", path,
                           e->name, (unsigned long long)e->begin, (unsigned long long)e->end, prev);
        if (e->begin > pos)
            return cj_fail(err, CJ_ERR_FORMAT,
                           "%s: bytes %llu..%llu of the data section, before tensor '%s', belong to no tensor",
                           path, (unsigned long long)pos, (unsigned long long)e->begin, e->name);
        pos = e->end;
        prev = e->name;
    }
    if (pos != data_size)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: the data section has %llu bytes but the tensors cover only %llu",
                       path, (unsigned long long)data_size, (unsigned long long)pos);
    return CJ_OK;
}

/* Every name is a tensor except "__metadata__". */
static int is_tensor(const cJSON *item) { return strcmp(item->string, "__metadata__") != 0; }

/* A JSON value's type, for "is a number, not a string". */
static const char *json_type(const cJSON *v)
{
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "a string";
}

/* Sorted, a repeated key sits next to itself: O(n log n). */
static cj_status check_unique_keys(const char *path, const cJSON *meta, cj_error *err)
{
    int n = cJSON_GetArraySize(meta);
    const char **keys = malloc(sizeof *keys * (n > 0 ? (size_t)n : 1));
    if (!keys) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d metadata keys", path, n);
    int i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, meta) keys[i++] = item->string;
    qsort(keys, (size_t)n, sizeof *keys, by_string);
    cj_status st = CJ_OK;
    for (i = 1; i < n && !st; i++)
        if (!strcmp(keys[i - 1], keys[i])) {
            char buf[96];
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: __metadata__ key '%s' appears twice", path,
                         cj_error_quote(keys[i], buf, sizeof buf));
        }
    free(keys);
    return st;
}

/* The spec makes "__metadata__" a map of strings to strings: at most one
 * such entry, an object, every value a string, no key twice. *meta gets
 * it, or NULL when the file has none. */
static cj_status parse_metadata(const char *path, const cJSON *root, const cJSON **meta, cj_error *err)
{
    *meta = NULL;
    const cJSON *item;
    cJSON_ArrayForEach(item, root) {
        if (is_tensor(item)) continue;
        if (*meta) return cj_fail(err, CJ_ERR_FORMAT, "%s: __metadata__ appears twice in the header", path);
        *meta = item;
    }
    if (!*meta) return CJ_OK;
    if (!cJSON_IsObject(*meta))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: __metadata__ is %s, not an object of strings", path,
                       json_type(*meta));
    cJSON_ArrayForEach(item, *meta)
        if (!cJSON_IsString(item)) {
            char buf[96];
            return cj_fail(err, CJ_ERR_FORMAT, "%s: __metadata__ key '%s' is %s, not a string", path,
                           cj_error_quote(item->string, buf, sizeof buf), json_type(item));
        }
    return check_unique_keys(path, *meta, err);
}

/* Copy the validated metadata into st, in file order. */
static cj_status copy_metadata(const char *path, const cJSON *meta, cj_safetensors *st, cj_error *err)
{
    int n = meta ? cJSON_GetArraySize(meta) : 0;
    if (n == 0) return CJ_OK;
    st->meta_keys = calloc((size_t)n, sizeof(char *));
    st->meta_values = calloc((size_t)n, sizeof(char *));
    if (!st->meta_keys || !st->meta_values)
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d metadata entries", path, n);
    const cJSON *item;
    cJSON_ArrayForEach(item, meta) {
        int i = st->n_meta;
        st->meta_keys[i] = strdup(item->string);
        st->meta_values[i] = strdup(item->valuestring);
        st->n_meta++;  /* counted before checking, so free releases a half-copied entry */
        if (!st->meta_keys[i] || !st->meta_values[i])
            return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for the metadata", path);
    }
    return CJ_OK;
}

/* Validate every entry of the header: each on its own, then no name twice,
 * then the tiling. *order gets the entries sorted by offset. */
static cj_status parse_entries(const char *path, const cJSON *root, uint64_t data_size, entry **entries,
                               entry ***order, int *count, cj_error *err)
{
    int n = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, root) n += is_tensor(item);
    *count = n;
    *entries = calloc(n > 0 ? (size_t)n : 1, sizeof **entries);
    *order = malloc((n > 0 ? (size_t)n : 1) * sizeof **order);
    if (!*entries || !*order) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d tensors", path, n);
    int i = 0;
    cj_status st;
    cJSON_ArrayForEach(item, root) {
        if (!is_tensor(item)) continue;
        if ((st = parse_entry(path, item, data_size, &(*entries)[i], err))) return st;
        (*order)[i] = &(*entries)[i];
        i++;
    }
    if ((st = check_unique(path, *order, n, err))) return st;
    return check_tiling(path, *order, n, data_size, err);
}

/* Read the data section, whose tensors lie back to back in `order`, and
 * decode each into its place in the blob, in chunks so no second copy of
 * the file is ever held. */
static cj_status read_data(FILE *f, const char *path, entry *const *order, int n, float *blob, cj_error *err)
{
    unsigned char chunk[1 << 16]; /* a multiple of every dtype size */
    for (int i = 0; i < n; i++) {
        const entry *e = order[i];
        size_t item = DTYPES[e->dt].size, done = 0, left = (size_t)(e->end - e->begin);
        while (left > 0) {
            size_t k = left < sizeof chunk ? left : sizeof chunk;
            if (fread(chunk, 1, k, f) != k)
                return cj_fail(err, CJ_ERR_IO, "%s: cannot read tensor '%s' (file shrank while reading?)", path,
                               e->name);
            decode(e->dt, chunk, blob + e->first + done, k / item);
            done += k / item;
            left -= k;
        }
    }
    return CJ_OK;
}

/* Fill st from a validated header: one float buffer for all tensors, in
 * header order. */
static cj_status build(FILE *f, const char *path, entry *entries, entry *const *order, int n,
                       cj_safetensors *st, cj_error *err)
{
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        entries[i].first = total;
        total += entries[i].numel;
    }
    if (total > (SIZE_MAX - 63) / sizeof(float))
        return cj_fail(err, CJ_ERR_NOMEM, "%s: %zu floats are too many for memory", path, total);
    size_t slots = n > 0 ? (size_t)n : 1;
    st->names = calloc(slots, sizeof(char *));
    st->tensors = calloc(slots, sizeof(cj_tensor));
    /* 64-byte aligned like the arena, so the floats suit SIMD loops. */
    size_t bytes = (total * sizeof(float) + 63) / 64 * 64;
    st->blob = aligned_alloc(64, bytes ? bytes : 64);
    if (!st->names || !st->tensors || !st->blob)
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %zu floats", path, total);
    for (int i = 0; i < n; i++) {
        const entry *e = &entries[i];
        if (!(st->names[i] = strdup(e->name))) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
        st->n = i + 1;
        cj_tensor *t = &st->tensors[i];
        t->data = (float *)st->blob + e->first;
        t->ndim = e->ndim;
        memcpy(t->shape, e->shape, sizeof t->shape);
    }
    return read_data(f, path, order, n, st->blob, err);
}

cj_status cj_safetensors_read(const char *path, cj_safetensors *st, cj_error *err)
{
    memset(st, 0, sizeof *st);
    FILE *f;
    uint64_t size, header_len = 0;
    cj_status status = cj_file_open(path, &f, &size, err);
    if (status) return status;
    char *json = NULL;
    cJSON *root = NULL;
    const cJSON *meta = NULL;
    entry *entries = NULL, **order = NULL;
    int n = 0;
    status = read_header(f, path, size, &json, &header_len, err);
    if (!status) status = parse_json(path, json, (size_t)header_len, &root, err);
    if (!status) status = parse_metadata(path, root, &meta, err);
    if (!status) status = parse_entries(path, root, size - 8 - header_len, &entries, &order, &n, err);
    if (!status) status = build(f, path, entries, order, n, st, err);
    if (!status) status = copy_metadata(path, meta, st, err);
    if (status) cj_safetensors_free(st);
    free(order);
    free(entries);
    cJSON_Delete(root);
    free(json);
    fclose(f);
    return status;
}

void cj_safetensors_free(cj_safetensors *st)
{
    if (st->names)
        for (int i = 0; i < st->n; i++) free(st->names[i]);
    free(st->names);
    free(st->tensors);
    free(st->blob);
    for (int i = 0; i < st->n_meta; i++) {
        free(st->meta_keys[i]);
        free(st->meta_values[i]);
    }
    free(st->meta_keys);
    free(st->meta_values);
    memset(st, 0, sizeof *st);
}

const cj_tensor *cj_safetensors_get(const cj_safetensors *st, const char *name)
{
    for (int i = 0; i < st->n; i++)
        if (!strcmp(st->names[i], name)) return &st->tensors[i];
    return NULL;
}

const char *cj_safetensors_meta(const cj_safetensors *st, const char *key)
{
    for (int i = 0; i < st->n_meta; i++)
        if (!strcmp(st->meta_keys[i], key)) return st->meta_values[i];
    return NULL;
}
