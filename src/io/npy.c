/* npy.c — read and write NumPy .npy files (see include/cajal/npy.h). */
#include "cajal/npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/io.h"

static const unsigned char MAGIC[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* NumPy's own limit on 1.0 headers is 64 KiB; later versions allow 4 GiB,
 * but no real array needs more than this and it stops a corrupt length from
 * asking for gigabytes. */
enum { MAX_HEADER_BYTES = 1 << 20 };

/* ---- header dict ------------------------------------------------------- */

typedef struct {
    const char *p, *end;
    const char *path;
    cj_error *err;
} parser;

typedef struct {
    char descr[16];
    int have_descr, have_order, have_shape;
    int fortran_order;
    int ndim;
    int64_t shape[CJ_NPY_MAX_DIMS];
} header;

static void skip_space(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static cj_status bad_header(parser *ps, const char *what)
{
    return cj_fail(ps->err, CJ_ERR_FORMAT, "%s: unparsable .npy header: %s", ps->path, what);
}

static int accept(parser *ps, char c)
{
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return 1;
    }
    return 0;
}

/* A quoted Python string (no escapes occur in keys or dtype names). */
static cj_status parse_string(parser *ps, char *out, size_t cap)
{
    skip_space(ps);
    if (ps->p >= ps->end || (*ps->p != '\'' && *ps->p != '"')) return bad_header(ps, "expected a quoted string");
    char q = *ps->p++;
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != q) {
        if (n + 1 >= cap) return bad_header(ps, "string too long");
        out[n++] = *ps->p++;
    }
    if (ps->p >= ps->end) return bad_header(ps, "unterminated string");
    ps->p++;
    out[n] = '\0';
    return CJ_OK;
}

/* A non-string descr (a list: a structured dtype) — name it in the error. */
static cj_status unsupported_descr(parser *ps)
{
    const char *start = ps->p;
    int depth = 0;
    while (ps->p < ps->end) {
        char c = *ps->p++;
        if (c == '[' || c == '(' || c == '{') depth++;
        if (c == ']' || c == ')' || c == '}') depth--;
        if (depth <= 0) break;
    }
    int len = (int)(ps->p - start);
    if (len > 60) len = 60;
    return cj_fail(ps->err, CJ_ERR_FORMAT, "%s: unsupported dtype %.*s (structured arrays are not read)",
                   ps->path, len, start);
}

static cj_status parse_shape(parser *ps, header *h)
{
    if (!accept(ps, '(')) return bad_header(ps, "shape is not a tuple");
    h->ndim = 0;
    while (!accept(ps, ')')) {
        skip_space(ps);
        char *e;
        errno = 0;
        long long v = strtoll(ps->p, &e, 10);
        if (e == ps->p || e > ps->end || errno || v < 0) return bad_header(ps, "shape entry is not a size");
        ps->p = e;
        if (ps->p < ps->end && *ps->p == 'L') ps->p++; /* Python 2 long literal */
        if (h->ndim == CJ_NPY_MAX_DIMS)
            return cj_fail(ps->err, CJ_ERR_FORMAT, "%s: more than %d dimensions are not supported",
                           ps->path, CJ_NPY_MAX_DIMS);
        h->shape[h->ndim++] = v;
        if (!accept(ps, ',')) {
            if (!accept(ps, ')')) return bad_header(ps, "shape tuple not closed");
            break;
        }
    }
    h->have_shape = 1;
    return CJ_OK;
}

static cj_status parse_header(const char *text, size_t len, const char *path, header *h, cj_error *err)
{
    parser ps = {text, text + len, path, err};
    memset(h, 0, sizeof *h);
    if (!accept(&ps, '{')) return bad_header(&ps, "not a dict");
    cj_status st;
    while (!accept(&ps, '}')) {
        char key[32];
        if ((st = parse_string(&ps, key, sizeof key))) return st;
        if (!accept(&ps, ':')) return bad_header(&ps, "expected ':' after a key");
        skip_space(&ps);
        if (strcmp(key, "descr") == 0) {
            if (ps.p < ps.end && *ps.p != '\'' && *ps.p != '"') return unsupported_descr(&ps);
            if ((st = parse_string(&ps, h->descr, sizeof h->descr))) return st;
            h->have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            size_t left = (size_t)(ps.end - ps.p);
            if (left >= 4 && memcmp(ps.p, "True", 4) == 0) {
                h->fortran_order = 1;
                ps.p += 4;
            } else if (left >= 5 && memcmp(ps.p, "False", 5) == 0) {
                ps.p += 5;
            } else {
                return bad_header(&ps, "fortran_order is neither True nor False");
            }
            h->have_order = 1;
        } else if (strcmp(key, "shape") == 0) {
            if ((st = parse_shape(&ps, h))) return st;
        } else {
            return cj_fail(err, CJ_ERR_FORMAT, "%s: unparsable .npy header: unknown key '%s'", path, key);
        }
        if (!accept(&ps, ',')) {
            if (!accept(&ps, '}')) return bad_header(&ps, "expected ',' or '}'");
            break;
        }
    }
    if (!h->have_descr || !h->have_order || !h->have_shape)
        return bad_header(&ps, "missing 'descr', 'fortran_order' or 'shape'");
    return CJ_OK;
}

/* ---- dtypes ------------------------------------------------------------ */

typedef enum { KIND_FLOAT, KIND_INT, KIND_UINT, KIND_BOOL } kind;

static cj_status parse_dtype(const char *descr, const char *path, kind *k, size_t *size, cj_error *err)
{
    size_t n = strlen(descr);
    int sz = n == 3 ? descr[2] - '0' : -1;
    char letter = n == 3 ? descr[1] : 0;
    int ok = n == 3 && strchr("<>|=", descr[0]) &&
             ((letter == 'f' && (sz == 4 || sz == 8)) ||
              ((letter == 'i' || letter == 'u') && (sz == 1 || sz == 2 || sz == 4 || sz == 8)) ||
              (letter == 'b' && sz == 1));
    if (!ok) return cj_fail(err, CJ_ERR_FORMAT, "%s: unsupported dtype '%s'", path, descr);
    if (descr[0] == '>' && sz > 1)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: big-endian dtype '%s' is not supported (save as '<%c%d')",
                       path, descr, letter, sz);
    *k = letter == 'f' ? KIND_FLOAT : letter == 'i' ? KIND_INT : letter == 'u' ? KIND_UINT : KIND_BOOL;
    *size = (size_t)sz;
    return CJ_OK;
}

/* Little-endian loads written with shifts so the code is right on any host;
 * compilers turn them into plain loads on little-endian machines. */
static uint64_t load_le(const unsigned char *p, size_t size)
{
    uint64_t v = 0;
    for (size_t i = size; i-- > 0;) v = (v << 8) | p[i];
    return v;
}

static float load_f32(const unsigned char *p)
{
    uint32_t b = (uint32_t)load_le(p, 4);
    float f;
    memcpy(&f, &b, 4);
    return f;
}

static double load_f64(const unsigned char *p)
{
    uint64_t b = load_le(p, 8);
    double d;
    memcpy(&d, &b, 8);
    return d;
}

/* Sign-extend a size*8-bit integer. */
static int64_t load_signed(const unsigned char *p, size_t size)
{
    unsigned shift = (unsigned)(64 - 8 * size);
    return (int64_t)(load_le(p, size) << shift) >> shift;
}

/* Integers convert straight to the requested float type: going through
 * double first would round <i8/<u8 values above 2^24 twice. */
static float element_f32(const unsigned char *p, kind k, size_t size)
{
    switch (k) {
    case KIND_FLOAT: return size == 4 ? load_f32(p) : (float)load_f64(p);
    case KIND_INT: return (float)load_signed(p, size);
    case KIND_UINT: return (float)load_le(p, size);
    case KIND_BOOL: return load_le(p, size) ? 1.0f : 0.0f;
    }
    return 0.0f;
}

static double element_f64(const unsigned char *p, kind k, size_t size)
{
    switch (k) {
    case KIND_FLOAT: return size == 4 ? load_f32(p) : load_f64(p);
    case KIND_INT: return (double)load_signed(p, size);
    case KIND_UINT: return (double)load_le(p, size);
    case KIND_BOOL: return load_le(p, size) ? 1.0 : 0.0;
    }
    return 0.0;
}

/* "(1099511627776, 2)", as NumPy prints a shape. */
static void shape_str(const header *h, char *buf, size_t cap)
{
    size_t used = (size_t)snprintf(buf, cap, "(");
    for (int i = 0; i < h->ndim && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%lld", i ? ", " : "", (long long)h->shape[i]);
    if (used < cap) snprintf(buf + used, cap - used, "%s)", h->ndim == 1 ? "," : "");
}

/* The index "[2, 0]" of the element at position i of the file's data,
 * whose first axis varies fastest in Fortran order and last in C order. */
static void index_str(const header *h, size_t i, char *buf, size_t cap)
{
    int64_t idx[CJ_NPY_MAX_DIMS] = {0};
    for (int j = 0; j < h->ndim; j++) {
        int axis = h->fortran_order ? j : h->ndim - 1 - j;
        idx[axis] = (int64_t)(i % (size_t)h->shape[axis]);
        i /= (size_t)h->shape[axis];
    }
    size_t used = (size_t)snprintf(buf, cap, "[");
    for (int j = 0; j < h->ndim && used < cap; j++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%lld", j ? ", " : "", (long long)idx[j]);
    if (used < cap) snprintf(buf + used, cap - used, "]");
}

/* Exact integers: every <i1..<i8, <u1..<u8 and |b1 value fits int64_t
 * except <u8 values of 2^63 and above, which are refused by index. */
static cj_status convert_i64(const unsigned char *raw, kind k, size_t size, size_t n, const header *h,
                             const char *path, int64_t *o, cj_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = raw + i * size;
        if (k == KIND_INT) {
            o[i] = load_signed(p, size);
        } else if (k == KIND_BOOL) {
            o[i] = load_le(p, size) != 0;
        } else {
            uint64_t v = load_le(p, size);
            if (v > (uint64_t)INT64_MAX) {
                char at[96];
                index_str(h, i, at, sizeof at);
                return cj_fail(err, CJ_ERR_FORMAT, "%s: element %s is %llu, which does not fit int64", path,
                               at, (unsigned long long)v);
            }
            o[i] = (int64_t)v;
        }
    }
    return CJ_OK;
}

static cj_status convert(const unsigned char *raw, kind k, size_t size, size_t n, const header *h,
                         const char *path, cj_npy_type type, void *out, cj_error *err)
{
    if (type == CJ_NPY_I64) return convert_i64(raw, k, size, n, h, path, out, err);
    /* <f4 to float32 is what waveform files hold: keep that loop tight. */
    if (k == KIND_FLOAT && size == 4 && type == CJ_NPY_F32) {
        float *o = out;
        for (size_t i = 0; i < n; i++) o[i] = load_f32(raw + 4 * i);
    } else if (type == CJ_NPY_F32) {
        float *o = out;
        for (size_t i = 0; i < n; i++) o[i] = element_f32(raw + i * size, k, size);
    } else {
        double *o = out;
        for (size_t i = 0; i < n; i++) o[i] = element_f64(raw + i * size, k, size);
    }
    return CJ_OK;
}

/* Fortran order stores the first index fastest. Walk the C-order output and
 * gather each element (4 or 8 bytes) from its Fortran offset; shapes are
 * padded to 4-D with leading extent-1 axes. The caller skips empty arrays:
 * with an extent 0 the loops below would still walk every other extent
 * (10^12 steps for shape (10^12, 0)) while copying nothing. */
static void fortran_to_c(const void *src, void *dst, int ndim, const int64_t *shape, size_t elem)
{
    int64_t d[4] = {1, 1, 1, 1}, fs[4] = {0, 0, 0, 0}, stride = 1;
    for (int k = 0; k < ndim; k++) {
        d[4 - ndim + k] = shape[k];
        fs[4 - ndim + k] = stride;
        stride *= shape[k];
    }
    size_t o = 0;
    for (int64_t a = 0; a < d[0]; a++)
        for (int64_t b = 0; b < d[1]; b++)
            for (int64_t c = 0; c < d[2]; c++)
                for (int64_t e = 0; e < d[3]; e++, o++) {
                    int64_t off = a * fs[0] + b * fs[1] + c * fs[2] + e * fs[3];
                    if (elem == 4)
                        ((uint32_t *)dst)[o] = ((const uint32_t *)src)[off];
                    else
                        ((uint64_t *)dst)[o] = ((const uint64_t *)src)[off];
                }
}

/* ---- reading ----------------------------------------------------------- */

/* Read the preamble and header dict of an open file; *used gets the bytes
 * they take, so the data's size can be checked against the file's. */
static cj_status read_header(FILE *f, const char *path, header *h, uint64_t *used, cj_error *err)
{
    unsigned char pre[12];
    size_t got = fread(pre, 1, 8, f);
    if (got < 6 || memcmp(pre, MAGIC, 6) != 0)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: bad magic (not a .npy file)", path);
    if (got < 8) return cj_fail(err, CJ_ERR_FORMAT, "%s: truncated .npy header (file ends in the preamble)", path);
    int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: unsupported .npy format version %d.%d", path, major, minor);
    size_t len_bytes = major == 1 ? 2 : 4;
    if (fread(pre + 8, 1, len_bytes, f) != len_bytes)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: truncated .npy header (no header length)", path);
    size_t hlen = (size_t)load_le(pre + 8, len_bytes);
    if (hlen > MAX_HEADER_BYTES)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: .npy header length %zu is implausibly large", path, hlen);
    char *text = malloc(hlen + 1);
    if (!text) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for the header", path);
    got = fread(text, 1, hlen, f);
    text[got] = '\0'; /* strtoll in parse_shape must stop at the end */
    cj_status st = CJ_OK;
    if (got != hlen)
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: truncated .npy header: %zu of %zu bytes", path, got, hlen);
    else
        st = parse_header(text, hlen, path, h, err);
    free(text);
    *used = 8 + len_bytes + hlen;
    return st;
}

/* a * b, or 0 with *overflow set when it does not fit 64 bits. */
static uint64_t mul_checked(uint64_t a, uint64_t b, int *overflow)
{
    if (b && a > UINT64_MAX / b) {
        *overflow = 1;
        return 0;
    }
    return a * b;
}

/* The element count and the bytes the data take, checked for overflow and
 * against the `present` bytes after the header before anything is
 * allocated: a 128-byte file claiming shape (2^40, 2) is truncated, not a
 * reason to ask for 8 TiB. */
static cj_status check_sizes(const header *h, size_t item, size_t out_item, uint64_t present, const char *path,
                             size_t *numel, cj_error *err)
{
    int overflow = 0;
    uint64_t n = 1;
    for (int i = 0; i < h->ndim; i++) n = mul_checked(n, (uint64_t)h->shape[i], &overflow);
    uint64_t bytes = mul_checked(n, item, &overflow);
    char shape[160];
    if (overflow || bytes > present) {
        shape_str(h, shape, sizeof shape);
        if (overflow)
            return cj_fail(err, CJ_ERR_FORMAT, "%s: data truncated: shape %s of '%s' needs more than 2^64 bytes, "
                           "the file has %llu after the header", path, shape, h->descr,
                           (unsigned long long)present);
        return cj_fail(err, CJ_ERR_FORMAT, "%s: data truncated: shape %s of '%s' needs %llu bytes, the file has "
                       "%llu after the header", path, shape, h->descr, (unsigned long long)bytes,
                       (unsigned long long)present);
    }
    /* Present in the file, so in memory too, unless size_t is narrower. */
    if (mul_checked(n, out_item, &overflow) > SIZE_MAX || overflow) {
        shape_str(h, shape, sizeof shape);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: shape %s is too large to hold in memory", path, shape);
    }
    *numel = (size_t)n;
    return CJ_OK;
}

static size_t type_size(cj_npy_type type)
{
    return type == CJ_NPY_F32 ? sizeof(float) : type == CJ_NPY_F64 ? sizeof(double) : sizeof(int64_t);
}

static cj_status read_body(FILE *f, const char *path, const header *h, cj_npy_type type, uint64_t present,
                           cj_npy_array *out, cj_error *err)
{
    kind k = KIND_FLOAT;
    size_t item = 0, numel = 0, out_item = type_size(type);
    cj_status st = parse_dtype(h->descr, path, &k, &item, err);
    if (st) return st;
    if (type == CJ_NPY_I64 && k == KIND_FLOAT)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: dtype '%s' holds floats, not exact integers (read it as F32 or F64)",
                       path, h->descr);
    if ((st = check_sizes(h, item, out_item, present, path, &numel, err))) return st;

    size_t bytes = numel * item;
    int reorder = h->fortran_order && h->ndim > 1 && numel > 0;
    unsigned char *raw = malloc(bytes ? bytes : 1);
    void *conv = malloc(numel ? numel * out_item : 1);
    void *data = reorder ? malloc(numel * out_item) : conv;
    if (!raw || !conv || !data) {
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %zu elements", path, numel);
        goto fail;
    }
    size_t got = fread(raw, 1, bytes, f);
    if (got != bytes) {
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: data truncated: shape needs %zu bytes of %s, file has %zu",
                     path, bytes, h->descr, got);
        goto fail;
    }
    if ((st = convert(raw, k, item, numel, h, path, type, conv, err))) goto fail;
    if (reorder) {
        fortran_to_c(conv, data, h->ndim, h->shape, out_item);
        free(conv);
    }
    free(raw);
    out->data = data;
    out->numel = numel;
    return CJ_OK;

fail:
    free(raw);
    if (data != conv) free(data);
    free(conv);
    return st;
}

cj_status cj_npy_read(const char *path, cj_npy_type type, cj_npy_array *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    if (type != CJ_NPY_F32 && type != CJ_NPY_F64 && type != CJ_NPY_I64)
        return cj_fail(err, CJ_ERR_ARG, "%s: requested element type %d is not F32, F64 or I64", path, (int)type);
    FILE *f;
    uint64_t size, used = 0;
    cj_status st = cj_file_open(path, &f, &size, err);
    if (st) return st;
    header h;
    st = read_header(f, path, &h, &used, err);
    if (!st) st = read_body(f, path, &h, type, size > used ? size - used : 0, out, err);
    fclose(f);
    if (st) return st;
    out->type = type;
    out->ndim = h.ndim;
    memcpy(out->shape, h.shape, sizeof out->shape);
    memcpy(out->descr, h.descr, sizeof out->descr);
    out->fortran_order = h.fortran_order;
    return CJ_OK;
}

cj_status cj_npy_read_header(const char *path, cj_npy_array *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *f;
    uint64_t size, used = 0;
    cj_status st = cj_file_open(path, &f, &size, err);
    if (st) return st;
    header h;
    st = read_header(f, path, &h, &used, err);
    fclose(f);
    kind k = KIND_FLOAT;
    size_t item = 0, numel = 0;
    if (!st) st = parse_dtype(h.descr, path, &k, &item, err);
    /* float32 out: the size a reader of the data would need is then known
     * to fit in memory as well as in the file. */
    if (!st) st = check_sizes(&h, item, sizeof(float), size > used ? size - used : 0, path, &numel, err);
    if (st) return st;
    out->type = CJ_NPY_F32;
    out->ndim = h.ndim;
    out->numel = numel;
    memcpy(out->shape, h.shape, sizeof out->shape);
    memcpy(out->descr, h.descr, sizeof out->descr);
    out->fortran_order = h.fortran_order;
    return CJ_OK;
}

void cj_npy_free(cj_npy_array *a)
{
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* ---- writing ----------------------------------------------------------- */

/* The version-1.0 header NumPy itself writes: the dict, padded with spaces
 * and a final newline so the data starts on a 64-byte boundary (aligned
 * for memory mapping). Returns the total preamble + header length. */
static size_t format_header(char *buf, size_t cap, int ndim, const int64_t *shape)
{
    char dims[128] = "";
    size_t used = 0;
    for (int i = 0; i < ndim; i++)
        used += (size_t)snprintf(dims + used, sizeof dims - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (ndim == 1) snprintf(dims + used, sizeof dims - used, ",");
    memcpy(buf, MAGIC, 6);
    buf[6] = 1;
    buf[7] = 0;
    int n = snprintf(buf + 10, cap - 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", dims);
    size_t total = 10 + (size_t)n + 1; /* + newline */
    size_t padded = (total + 63) / 64 * 64;
    memset(buf + 10 + n, ' ', padded - total);
    buf[padded - 1] = '\n';
    size_t hlen = padded - 10;
    buf[8] = (char)(hlen & 0xff);
    buf[9] = (char)(hlen >> 8);
    return padded;
}

/* Data go out little-endian in chunks, whatever the host byte order. */
static int write_le_floats(FILE *f, const float *x, size_t n)
{
    unsigned char chunk[4096];
    while (n) {
        size_t m = n < sizeof chunk / 4 ? n : sizeof chunk / 4;
        for (size_t i = 0; i < m; i++) {
            uint32_t b;
            memcpy(&b, &x[i], 4);
            chunk[4 * i] = (unsigned char)b;
            chunk[4 * i + 1] = (unsigned char)(b >> 8);
            chunk[4 * i + 2] = (unsigned char)(b >> 16);
            chunk[4 * i + 3] = (unsigned char)(b >> 24);
        }
        if (fwrite(chunk, 4, m, f) != m) return -1;
        x += m;
        n -= m;
    }
    return 0;
}

cj_status cj_npy_write_f32(const char *path, int ndim, const int64_t *shape, const float *data,
                           cj_error *err)
{
    if (ndim < 0 || ndim > CJ_NPY_MAX_DIMS)
        return cj_fail(err, CJ_ERR_ARG, "%s: cannot write a %d-D array (at most %d-D)", path, ndim,
                       CJ_NPY_MAX_DIMS);
    size_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return cj_fail(err, CJ_ERR_ARG, "%s: negative extent %lld", path, (long long)shape[i]);
        numel *= (size_t)shape[i];
    }
    char head[256];
    size_t hbytes = format_header(head, sizeof head, ndim, shape);
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) return st;
    if (fwrite(head, 1, hbytes, af.f) != hbytes || write_le_floats(af.f, data, numel)) {
        int saved = errno;
        cj_atomic_abort(&af);
        return cj_fail(err, CJ_ERR_IO, "%s: write failed: %s", path, strerror(saved));
    }
    return cj_atomic_commit(&af, err);
}
