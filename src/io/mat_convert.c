/* mat_convert.c — numbers and strings out of the variables libmatio has
 * read: column-major MATLAB arrays into row-major C arrays of float or
 * double with MATLAB's dimensions, char data (UTF-8, UTF-16, UTF-32 or
 * 8-bit) into UTF-8 C strings (see include/cajal/mat.h). Every byte count
 * libmatio reports is checked against what the dimensions need before
 * anything is read. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mat_common.h"

static cj_status fail(const mat_node *n, cj_error *err, cj_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static cj_status fail(const mat_node *n, cj_error *err, cj_status code, const char *fmt, ...)
{
    char what[384], q[80];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return cj_fail(err, code, "%s: %s: %s", n->file->path, cj_error_quote(n->expr, q, sizeof q), what);
}

/* Bytes per element of libmatio's in-memory numeric types; 0 for others. */
static size_t numeric_width(enum matio_types t)
{
    switch (t) {
    case MAT_T_INT8: case MAT_T_UINT8: return 1;
    case MAT_T_INT16: case MAT_T_UINT16: return 2;
    case MAT_T_INT32: case MAT_T_UINT32: case MAT_T_SINGLE: return 4;
    case MAT_T_INT64: case MAT_T_UINT64: case MAT_T_DOUBLE: return 8;
    default: return 0;
    }
}

/* What a variable that cannot be read as numbers is, for the message. */
static cj_status not_numeric(const mat_node *n, cj_error *err)
{
    const matvar_t *v = n->var;
    switch (v->class_type) {
    case MAT_C_CHAR:
        return fail(n, err, CJ_ERR_ARG, "is text (char), not numbers: read it as strings");
    case MAT_C_CELL:
        return fail(n, err, CJ_ERR_ARG, "is a cell array: index one cell, e.g. %s{1}", n->expr);
    case MAT_C_STRUCT:
        return fail(n, err, CJ_ERR_ARG, "is a struct: read one of its fields, e.g. %s.FIELD", n->expr);
    default:
        return fail(n, err, CJ_ERR_FORMAT, "is a %s array, which cajal does not read", mat_class_name(v));
    }
}

enum { TILE = 32 };

/* Copy a column-major array of `rank` dims into row-major order. The
 * odometer runs over every dimension but the last in C order; the last is
 * the inner loop, a strided read of the source. */
#define TRANSPOSE(SRC_T, DST_T)                                                                  \
    do {                                                                                         \
        const SRC_T *src = (const SRC_T *)v->data;                                               \
        DST_T *dst = (DST_T *)out;                                                               \
        if (rank == 2) { /* tiles, so reads and writes both stay in cache */                      \
            size_t d0 = dims[0], d1 = dims[1];                                                   \
            for (size_t i0 = 0; i0 < d0; i0 += TILE)                                             \
                for (size_t j0 = 0; j0 < d1; j0 += TILE)                                         \
                    for (size_t i = i0; i < d0 && i < i0 + TILE; i++)                            \
                        for (size_t j = j0; j < d1 && j < j0 + TILE; j++)                        \
                            dst[i * d1 + j] = (DST_T)src[i + j * d0];                            \
            break;                                                                               \
        }                                                                                        \
        size_t inner = dims[rank - 1], step = stride[rank - 1], o = 0, base = 0;                 \
        for (size_t row = 0; row < rows; row++) {                                                \
            for (size_t k = 0; k < inner; k++) dst[o++] = (DST_T)src[base + k * step];           \
            for (int j = rank - 2; j >= 0; j--) {                                                \
                base += stride[j];                                                               \
                if (++idx[j] < dims[j]) break;                                                   \
                base -= dims[j] * stride[j];                                                     \
                idx[j] = 0;                                                                      \
            }                                                                                    \
        }                                                                                        \
    } while (0)

#define DISPATCH(DST_T)                                                   \
    switch (v->data_type) {                                               \
    case MAT_T_INT8: TRANSPOSE(int8_t, DST_T); break;                     \
    case MAT_T_UINT8: TRANSPOSE(uint8_t, DST_T); break;                   \
    case MAT_T_INT16: TRANSPOSE(int16_t, DST_T); break;                   \
    case MAT_T_UINT16: TRANSPOSE(uint16_t, DST_T); break;                 \
    case MAT_T_INT32: TRANSPOSE(int32_t, DST_T); break;                   \
    case MAT_T_UINT32: TRANSPOSE(uint32_t, DST_T); break;                 \
    case MAT_T_INT64: TRANSPOSE(int64_t, DST_T); break;                   \
    case MAT_T_UINT64: TRANSPOSE(uint64_t, DST_T); break;                 \
    case MAT_T_SINGLE: TRANSPOSE(float, DST_T); break;                    \
    default: TRANSPOSE(double, DST_T); break;                             \
    }

static void to_row_major(const matvar_t *v, size_t numel, cj_mat_type type, void *out)
{
    int rank = v->rank;
    const size_t *dims = v->dims;
    size_t stride[CJ_MAT_MAX_DIMS], idx[CJ_MAT_MAX_DIMS] = {0};
    stride[0] = 1;
    for (int j = 1; j < rank; j++) stride[j] = stride[j - 1] * dims[j - 1];
    size_t rows = numel / dims[rank - 1];
    if (type == CJ_MAT_F32) {
        DISPATCH(float)
    } else {
        DISPATCH(double)
    }
}

cj_status mat_convert_numeric(const mat_node *n, cj_mat_type type, cj_mat_array *out, cj_error *err)
{
    const matvar_t *v = n->var;
    memset(out, 0, sizeof *out);
    switch (v->class_type) {
    case MAT_C_DOUBLE: case MAT_C_SINGLE: case MAT_C_INT8: case MAT_C_UINT8: case MAT_C_INT16:
    case MAT_C_UINT16: case MAT_C_INT32: case MAT_C_UINT32: case MAT_C_INT64: case MAT_C_UINT64:
        break;
    default:
        return not_numeric(n, err);
    }
    if (v->isComplex) return fail(n, err, CJ_ERR_FORMAT, "is complex; only real arrays are read");
    size_t numel, width = numeric_width(v->data_type);
    if (!mat_numel(v, &numel) || v->rank < 2)
        return fail(n, err, CJ_ERR_FORMAT, "has no valid dimensions (corrupt file?)");
    if (v->rank > CJ_MAT_MAX_DIMS)
        return fail(n, err, CJ_ERR_FORMAT, "has %d dimensions (at most %d are read)", v->rank, CJ_MAT_MAX_DIMS);
    if (!width)
        return fail(n, err, CJ_ERR_FORMAT, "holds its %s values in an unexpected data type %d", mat_class_name(v),
                    (int)v->data_type);
    if (numel && (numel > SIZE_MAX / 8 || !v->data || v->nbytes < numel * width)) {
        char dims[96];
        return fail(n, err, CJ_ERR_FORMAT, "%s %s needs %zu bytes, the file gave %zu (truncated or corrupt)",
                    mat_dims_str(v, dims, sizeof dims), mat_class_name(v), numel * width,
                    v->data ? v->nbytes : (size_t)0);
    }
    size_t out_width = type == CJ_MAT_F32 ? sizeof(float) : sizeof(double);
    void *data = NULL;
    if (numel) {
        data = malloc(numel * out_width);
        if (!data) return fail(n, err, CJ_ERR_NOMEM, "out of memory for %zu values", numel);
        to_row_major(v, numel, type, data);
    }
    out->type = type;
    out->ndim = v->rank;
    for (int i = 0; i < v->rank; i++) out->shape[i] = (int64_t)v->dims[i];
    out->numel = numel;
    snprintf(out->class_name, sizeof out->class_name, "%s", mat_class_name(v));
    out->data = data;
    return CJ_OK;
}

void cj_mat_array_free(cj_mat_array *a)
{
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* ---- strings --------------------------------------------------------------- */

/* Append code point cp as UTF-8 (<= 4 bytes). */
static size_t put_utf8(char *s, uint32_t cp)
{
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD; /* a lone surrogate */
    if (cp > 0x10FFFF) cp = 0xFFFD;
    if (cp < 0x80) {
        s[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        s[0] = (char)(0xC0 | (cp >> 6));
        s[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        s[0] = (char)(0xE0 | (cp >> 12));
        s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    s[0] = (char)(0xF0 | (cp >> 18));
    s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    s[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Row `row` of an m x len char array (column-major) as a new UTF-8 string.
 * For UTF-8 data of one row the bytes are taken as they are (a character
 * may be several bytes, so nbytes, not len, is the length). */
static cj_status char_row(const mat_node *n, const matvar_t *v, size_t m, size_t len, size_t row, char **out,
                          cj_error *err)
{
    *out = NULL;
    size_t width = v->data_type == MAT_T_UINT16 || v->data_type == MAT_T_UTF16   ? 2
                   : v->data_type == MAT_T_UINT32 || v->data_type == MAT_T_UTF32 ? 4
                   : v->data_type == MAT_T_UINT8 || v->data_type == MAT_T_INT8 || v->data_type == MAT_T_UTF8 ? 1
                                                                                                             : 0;
    if (!width) return fail(n, err, CJ_ERR_FORMAT, "holds text in an unexpected data type %d", (int)v->data_type);
    size_t numel = m * len;
    if (numel && (numel > SIZE_MAX / 8 || !v->data || v->nbytes < numel * width))
        return fail(n, err, CJ_ERR_FORMAT, "%zux%zu char needs %zu bytes, the file gave %zu (corrupt file?)", m, len,
                    numel * width, v->data ? v->nbytes : (size_t)0);
    int raw_utf8 = v->data_type == MAT_T_UTF8;
    if (raw_utf8 && m > 1 && v->nbytes != numel)
        return fail(n, err, CJ_ERR_FORMAT, "a %zu-row char array in UTF-8 with multi-byte characters", m);
    size_t bytes = raw_utf8 && m == 1 ? v->nbytes : len;
    if (bytes > SIZE_MAX / 4 - 1) return fail(n, err, CJ_ERR_FORMAT, "text too long");
    char *s = malloc(bytes * 4 + 1);
    if (!s) return fail(n, err, CJ_ERR_NOMEM, "out of memory for %zu characters", bytes);
    size_t o = 0;
    if (raw_utf8 && m == 1) {
        if (bytes) memcpy(s, v->data, bytes);
        o = bytes;
        if (memchr(s, 0, o)) {
            free(s);
            return fail(n, err, CJ_ERR_FORMAT, "holds a NUL character");
        }
    } else {
        for (size_t j = 0; j < len; j++) {
            size_t at = row + j * m;
            uint32_t cp;
            if (width == 1) {
                cp = ((const uint8_t *)v->data)[at];
            } else if (width == 4) {
                cp = ((const uint32_t *)v->data)[at];
            } else {
                cp = ((const uint16_t *)v->data)[at];
                if (cp >= 0xD800 && cp <= 0xDBFF && j + 1 < len) {
                    uint32_t lo = ((const uint16_t *)v->data)[at + m];
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        j++;
                    }
                }
            }
            if (!cp) {
                free(s);
                return fail(n, err, CJ_ERR_FORMAT, "holds a NUL character (row %zu, column %zu)", row + 1, j + 1);
            }
            o += put_utf8(s + o, cp);
        }
    }
    s[o] = '\0';
    *out = s;
    return CJ_OK;
}

enum { MAX_EMPTY_ROWS = 1 << 16 };

static int allocate(cj_mat_strings *out, size_t count)
{
    if (count > (size_t)1 << 30) return 0;
    out->s = calloc(count ? count : 1, sizeof *out->s);
    if (!out->s) return 0;
    out->n = (int)count;
    return 1;
}

/* MATLAB's (column-major) offset of the element at row-major index c. */
static size_t column_major(const matvar_t *v, size_t c)
{
    size_t off = 0, stride = 1, rest = c;
    size_t sub[64];
    for (int j = v->rank - 1; j >= 0; j--) {
        sub[j] = rest % v->dims[j];
        rest /= v->dims[j];
    }
    for (int j = 0; j < v->rank; j++) {
        off += sub[j] * stride;
        stride *= v->dims[j];
    }
    return off;
}

static cj_status cell_strings(const mat_node *n, cj_mat_strings *out, cj_error *err)
{
    const matvar_t *v = n->var;
    size_t numel;
    if (!mat_numel(v, &numel) || v->rank < 2 || v->rank > CJ_MAT_MAX_DIMS)
        return fail(n, err, CJ_ERR_FORMAT, "cell array without valid dimensions");
    if (numel && (numel > SIZE_MAX / sizeof(matvar_t *) || !v->data || v->nbytes < numel * sizeof(matvar_t *)))
        return fail(n, err, CJ_ERR_FORMAT, "cell array is corrupt (cells missing)");
    if (!allocate(out, numel)) return fail(n, err, CJ_ERR_NOMEM, "out of memory for %zu strings", numel);
    out->ndim = v->rank;
    for (int i = 0; i < v->rank; i++) out->shape[i] = (int64_t)v->dims[i];
    for (size_t c = 0; c < numel; c++) {
        size_t k = column_major(v, c);
        const matvar_t *cell = ((matvar_t *const *)v->data)[k];
        size_t cn;
        char dims[96];
        if (!cell || !mat_numel(cell, &cn))
            return fail(n, err, CJ_ERR_FORMAT, "cell %zu is missing or has no dimensions (corrupt file?)", k + 1);
        if (cn == 0) {
            out->s[c] = calloc(1, 1);
            if (!out->s[c]) return fail(n, err, CJ_ERR_NOMEM, "out of memory");
            continue;
        }
        if (cell->class_type != MAT_C_CHAR || cell->rank != 2 || cell->dims[0] != 1)
            return fail(n, err, CJ_ERR_FORMAT, "cell {%zu} is a %s %s, not one row of text", k + 1,
                        mat_dims_str(cell, dims, sizeof dims), mat_class_name(cell));
        mat_node sub = *n;
        sub.var = (matvar_t *)cell;
        cj_status st = char_row(&sub, cell, 1, cell->dims[1], 0, &out->s[c], err);
        if (st) return st;
    }
    return CJ_OK;
}

static cj_status char_strings(const mat_node *n, cj_mat_strings *out, cj_error *err)
{
    const matvar_t *v = n->var;
    size_t numel;
    if (!mat_numel(v, &numel) || v->rank < 2)
        return fail(n, err, CJ_ERR_FORMAT, "char array without valid dimensions");
    for (int j = 2; j < v->rank; j++)
        if (v->dims[j] != 1) return fail(n, err, CJ_ERR_FORMAT, "is a char array of %d dimensions", v->rank);
    if (v->isComplex) return fail(n, err, CJ_ERR_FORMAT, "is complex char");
    size_t m = v->dims[0], len = v->dims[1];
    size_t rows = m ? m : 1; /* '' (0x0) is one empty string */
    /* Rows are counted from data that is there (every character is at
     * least a byte), so a corrupt header cannot ask for more strings than
     * the file holds; an m x 0 char of empty rows is capped outright. */
    if (len == 0 && rows > MAX_EMPTY_ROWS)
        return fail(n, err, CJ_ERR_FORMAT, "a %zux0 char array: more than %d empty strings", m, MAX_EMPTY_ROWS);
    if (len && (!v->data || v->nbytes < numel))
        return fail(n, err, CJ_ERR_FORMAT, "%zux%zu char needs %zu characters, the file gave %zu bytes (corrupt file?)",
                    m, len, numel, v->data ? v->nbytes : (size_t)0);
    if (!allocate(out, rows)) return fail(n, err, CJ_ERR_NOMEM, "out of memory for %zu strings", rows);
    out->ndim = 1;
    out->shape[0] = (int64_t)rows;
    for (size_t r = 0; r < rows; r++) {
        cj_status st = m ? char_row(n, v, m, len, r, &out->s[r], err) : CJ_OK;
        if (st) return st;
        if (!m && !(out->s[r] = calloc(1, 1))) return fail(n, err, CJ_ERR_NOMEM, "out of memory");
    }
    return CJ_OK;
}

cj_status mat_convert_strings(const mat_node *n, cj_mat_strings *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    cj_status st;
    if (n->var->class_type == MAT_C_CHAR)
        st = char_strings(n, out, err);
    else if (n->var->class_type == MAT_C_CELL)
        st = cell_strings(n, out, err);
    else
        st = fail(n, err, CJ_ERR_ARG, "is a %s, not text (char or a cell array of char)", mat_class_name(n->var));
    if (st) cj_mat_strings_free(out);
    return st;
}

void cj_mat_strings_free(cj_mat_strings *s)
{
    if (!s) return;
    for (int i = 0; s->s && i < s->n; i++) free(s->s[i]);
    free(s->s);
    memset(s, 0, sizeof *s);
}
