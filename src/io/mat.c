/* mat.c — open MATLAB .mat files with libmatio and find what a MATLAB
 * expression (`RDMs(1,3,2).RDM`, `labels.stimulus_ID`, `c{2}`) names in
 * them (see include/cajal/mat.h). The conversion of what is found into C
 * arrays and strings is in mat_convert.c. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "mat_common.h"

/* zlib's largest compression ratio (deflate's stored-length limit: 258
 * bytes per 2-bit code, about 1032:1): a compressed variable inflates to
 * at most this many times its size in the file. */
enum { ZLIB_MAX_RATIO = 1032 };
/* libmatio stores each element in the width of its class: at most 8 bytes
 * (double, int64, a pointer to a struct field or cell) per element whose
 * smallest encoding in the file is one byte (uint8 data, or a tag). */
enum { MAX_WIDENING = 8 };
/* Nesting deeper than this (a cell in a cell in ...) is refused, so a
 * crafted file cannot exhaust the stack of the size check. */
enum { MAX_DEPTH = 64 };
/* More subscripts than this in one index is a typo, not an array. */
enum { MAX_SUBSCRIPTS = 32 };

/* ---- small helpers -------------------------------------------------------- */

const char *mat_class_name(const matvar_t *v)
{
    if (v->isLogical && v->class_type != MAT_C_SPARSE) return "logical";
    switch (v->class_type) {
    case MAT_C_DOUBLE: return "double";
    case MAT_C_SINGLE: return "single";
    case MAT_C_INT8: return "int8";
    case MAT_C_UINT8: return "uint8";
    case MAT_C_INT16: return "int16";
    case MAT_C_UINT16: return "uint16";
    case MAT_C_INT32: return "int32";
    case MAT_C_UINT32: return "uint32";
    case MAT_C_INT64: return "int64";
    case MAT_C_UINT64: return "uint64";
    case MAT_C_CHAR: return "char";
    case MAT_C_CELL: return "cell";
    case MAT_C_STRUCT: return "struct";
    case MAT_C_SPARSE: return "sparse";
    case MAT_C_FUNCTION: return "function_handle";
    case MAT_C_OBJECT: return "object";
    case MAT_C_OPAQUE: return "opaque";
    default: return "unknown";
    }
}

int mat_numel(const matvar_t *v, size_t *numel)
{
    *numel = 0;
    if (!v || v->rank < 1 || !v->dims) return 0;
    size_t n = 1;
    for (int i = 0; i < v->rank; i++) {
        size_t d = v->dims[i];
        if (d != 0 && n > SIZE_MAX / d) return 0;
        n *= d;
    }
    *numel = n;
    return 1;
}

const char *mat_dims_str(const matvar_t *v, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; v->dims && i < v->rank && used + 24 < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, i ? "x%zu" : "%zu", v->dims[i]);
    if (v->rank < 1 || !v->dims) snprintf(buf, cap, "(no dimensions)");
    return buf;
}

static int is_struct(const matvar_t *v) { return v->class_type == MAT_C_STRUCT; }
static int is_cell(const matvar_t *v) { return v->class_type == MAT_C_CELL; }

/* The pointers libmatio keeps for a struct array's fields (numel x fields)
 * or a cell array's cells: present and as many as the dimensions say. */
static int children_ok(const matvar_t *v, size_t numel, size_t per)
{
    if (numel == 0 || per == 0) return 1;
    if (numel > SIZE_MAX / per / sizeof(matvar_t *)) return 0;
    return v->data != NULL && v->nbytes >= numel * per * sizeof(matvar_t *);
}

static size_t n_fields(const matvar_t *v) { return is_struct(v) ? Mat_VarGetNumberOfFields((matvar_t *)v) : 0; }

/* ---- the size check ------------------------------------------------------ */

/* Bytes libmatio will hold for v when it reads its data, from the header
 * alone; 0 on overflow or when the header is not self-consistent. */
static int declared_bytes(const matvar_t *v, int depth, uint64_t *total)
{
    size_t numel;
    if (depth > MAX_DEPTH || !mat_numel(v, &numel)) return 0;
    uint64_t add = 0, n = numel;
    size_t per = 0;
    if (is_struct(v) || is_cell(v)) {
        per = is_cell(v) ? 1 : n_fields(v);
        if (per && n > UINT64_MAX / 8 / per) return 0;
        add = n * per * 8;
    } else if (v->class_type == MAT_C_CHAR) {
        add = n * 4; /* at most UTF-32 */
        if (n > UINT64_MAX / 4) return 0;
    } else if (v->class_type != MAT_C_SPARSE) {
        uint64_t w = Mat_SizeOfClass(v->class_type) * (v->isComplex ? 2u : 1u);
        if (w && n > UINT64_MAX / w) return 0;
        add = n * w;
    }
    if (*total > UINT64_MAX - add) return 0;
    *total += add;
    if (per && v->data && children_ok(v, numel, per))
        for (size_t i = 0; i < numel * per; i++) {
            const matvar_t *c = ((matvar_t *const *)v->data)[i];
            if (c && !declared_bytes(c, depth + 1, total)) return 0;
        }
    return 1;
}

static cj_status check_declared(const cj_mat_file *f, const matvar_t *info, cj_error *err)
{
    uint64_t bytes = 0;
    uint64_t ratio = (info->compression == MAT_COMPRESSION_ZLIB || Mat_GetVersion(f->mat) == MAT_FT_MAT73)
                         ? ZLIB_MAX_RATIO
                         : 1;
    uint64_t limit = f->file_size > UINT64_MAX / ratio / MAX_WIDENING ? UINT64_MAX
                                                                       : f->file_size * ratio * MAX_WIDENING;
    limit += 1 << 16;
    if (!declared_bytes(info, 0, &bytes))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: %s: its dimensions overflow or it is nested over %d deep (corrupt file?)",
                       f->path, info->name, MAX_DEPTH);
    if (bytes > limit)
        return cj_fail(err, CJ_ERR_FORMAT,
                       "%s: %s: declares %" PRIu64 " bytes of data, more than a %" PRIu64
                       "-byte file can hold (corrupt file?)",
                       f->path, info->name, bytes, f->file_size);
    return CJ_OK;
}

/* ---- open, close, names ---------------------------------------------------- */

const char *cj_mat_path(const cj_mat_file *f) { return f->path; }

void cj_mat_close(cj_mat_file *f)
{
    if (!f) return;
    for (int i = 0; i < f->n; i++) {
        free(f->names[i]);
        Mat_VarFree(f->info[i]); /* full[i] is info[i] once read */
    }
    free(f->names);
    free(f->info);
    free(f->full);
    free(f->failed);
    if (f->mat) Mat_Close(f->mat);
    free(f->path);
    free(f);
}

/* Read every variable's header, in file order. */
static cj_status scan(cj_mat_file *f, cj_error *err)
{
    int cap = 0;
    matvar_t *v;
    if (Mat_Rewind(f->mat) != 0) return cj_fail(err, CJ_ERR_IO, "%s: cannot rewind the file", f->path);
    while ((v = Mat_VarReadNextInfo(f->mat)) != NULL) {
        if (!v->name || !v->name[0]) { /* nothing can name it */
            Mat_VarFree(v);
            continue;
        }
        if (f->n == cap) {
            int nc = cap ? 2 * cap : 8;
            char **nn = realloc(f->names, sizeof *nn * (size_t)nc);
            if (nn) f->names = nn;
            matvar_t **ni = nn ? realloc(f->info, sizeof *ni * (size_t)nc) : NULL;
            if (ni) f->info = ni;
            matvar_t **nf = ni ? realloc(f->full, sizeof *nf * (size_t)nc) : NULL;
            if (nf) f->full = nf;
            char *nb = nf ? realloc(f->failed, (size_t)nc) : NULL;
            if (nb) f->failed = nb;
            if (!nb) {
                Mat_VarFree(v);
                return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory listing its variables", f->path);
            }
            cap = nc;
        }
        f->names[f->n] = strdup(v->name);
        f->info[f->n] = v;
        f->full[f->n] = NULL;
        f->failed[f->n] = 0;
        f->n++;
        if (!f->names[f->n - 1]) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", f->path);
    }
    return CJ_OK;
}

cj_status cj_mat_open(const char *path, cj_mat_file **out, cj_error *err)
{
    *out = NULL;
    FILE *fp;
    uint64_t size;
    cj_status st = cj_file_open(path, &fp, &size, err);
    if (st) return st;
    fclose(fp);
    cj_mat_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    }
    f->file_size = size;
    if ((st = mat_guard(path, size, err))) {
        cj_mat_close(f);
        return st;
    }
    f->mat = Mat_Open(path, MAT_ACC_RDONLY);
    if (!f->mat) {
        cj_mat_close(f);
        return cj_fail(err, CJ_ERR_FORMAT, "%s: not a MATLAB .mat file that libmatio can read (v4, v5 or v7.3)",
                       path);
    }
    if ((st = scan(f, err))) {
        cj_mat_close(f);
        return st;
    }
    *out = f;
    return CJ_OK;
}

cj_status cj_mat_names(cj_mat_file *f, const char *const **names, int *n, cj_error *err)
{
    (void)err;
    *names = (const char *const *)f->names;
    *n = f->n;
    return CJ_OK;
}

/* "a, b, c" (cut short with "..." when long), for "the file holds ..." */
static const char *join(char *const *names, int n, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (used + len + 8 >= cap) {
            snprintf(buf + used, cap - used, "%s...", i ? ", " : "");
            break;
        }
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", names[i]);
    }
    return buf;
}

/* ---- expressions --------------------------------------------------------- */

typedef struct {
    const char *expr, *p;  /* the whole text and the next character */
    const cj_mat_file *f;
    cj_error *err;
} cursor;

static cj_status bad(cursor *c, cj_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static cj_status bad(cursor *c, cj_status code, const char *fmt, ...)
{
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char q[80];
    return cj_fail(c->err, code, "%s: %s: %s", c->f->path, cj_error_quote(c->expr, q, sizeof q), what);
}

static int ident_char(char ch) { return isalnum((unsigned char)ch) || ch == '_'; }

/* A positive integer; 0 when there is none or it overflows. */
static size_t parse_index(cursor *c)
{
    while (*c->p == ' ') c->p++;
    size_t v = 0;
    int digits = 0;
    while (isdigit((unsigned char)*c->p)) {
        unsigned d = (unsigned)(*c->p++ - '0');
        if (v > (SIZE_MAX - d) / 10) return 0;
        v = v * 10 + d;
        digits++;
    }
    while (*c->p == ' ') c->p++;
    return digits ? v : 0;
}

/* MATLAB's linear index (0-based) of subscripts s[0..k) (1-based) into v. */
static cj_status linear_index(cursor *c, const matvar_t *v, const size_t *s, int k, const char *what, int what_len,
                              size_t *out)
{
    size_t numel;
    if (!mat_numel(v, &numel)) return bad(c, CJ_ERR_FORMAT, "%.*s has no valid dimensions", what_len, what);
    size_t lin = 0, stride = 1;
    int past = 0;
    for (int j = 0; j < k; j++) {
        /* The last subscript runs over every dimension from j on. */
        size_t extent = 1;
        if (j < v->rank) {
            if (j == k - 1) {
                for (int l = j; l < v->rank; l++) extent *= v->dims[l]; /* <= numel: no overflow */
            } else {
                extent = v->dims[j];
            }
        }
        if (s[j] > extent) past = 1;
        if (!past) lin += (s[j] - 1) * stride;
        if (j < v->rank) stride *= v->dims[j];
    }
    if (past || lin >= numel) {
        char idx[160], dims[96];
        size_t used = 0;
        for (int j = 0; j < k && used + 24 < sizeof idx; j++)
            used += (size_t)snprintf(idx + used, sizeof idx - used, j ? ",%zu" : "%zu", s[j]);
        return bad(c, CJ_ERR_ARG, "index %s%s%s is past the end of the %s %s array %.*s", k > 1 ? "(" : "", idx,
                   k > 1 ? ")" : "", mat_dims_str(v, dims, sizeof dims), mat_class_name(v), what_len, what);
    }
    *out = lin;
    return CJ_OK;
}

/* The top-level variable named by the first `len` characters, read whole
 * (once: the handle keeps it). */
static cj_status top_variable(cursor *c, cj_mat_file *f, size_t len, matvar_t **out)
{
    for (int i = 0; i < f->n; i++) {
        if (strncmp(f->names[i], c->expr, len) != 0 || f->names[i][len] != '\0') continue;
        if (!f->full[i]) {
            cj_status st = check_declared(f, f->info[i], c->err);
            if (st) return st;
            /* The header read at open goes on to its data: what
             * Mat_VarRead does after finding it, without a second scan of
             * the file (libmatio's cell headers are slow to inflate). A
             * failure is kept, so the variable is never half-read twice. */
            if (f->failed[i] || Mat_VarReadDataAll(f->mat, f->info[i]) != MATIO_E_NO_ERROR) {
                f->failed[i] = 1;
                return bad(c, CJ_ERR_FORMAT, "libmatio cannot read variable %s (corrupt or truncated file?)",
                           f->names[i]);
            }
            f->full[i] = f->info[i];
        }
        *out = f->full[i];
        return CJ_OK;
    }
    char list[256];
    return bad(c, CJ_ERR_ARG, "no variable %.*s in the file (it holds %s)", (int)len, c->expr,
               f->n ? join(f->names, f->n, list, sizeof list) : "none");
}

/* Walk `expr` to the variable it names. */
static cj_status resolve(cj_mat_file *f, const char *expr, mat_node *node, cj_error *err)
{
    cursor c = {.expr = expr, .p = expr, .f = f, .err = err};
    memset(node, 0, sizeof *node);
    if (!isalpha((unsigned char)*c.p) && *c.p != '_')
        return bad(&c, CJ_ERR_ARG, "an expression starts with a variable name");
    while (ident_char(*c.p)) c.p++;
    matvar_t *v = NULL;
    cj_status st = top_variable(&c, f, (size_t)(c.p - expr), &v);
    if (st) return st;
    long elem = -1; /* a struct element chosen by (), waiting for .field */
    while (*c.p) {
        int what_len = (int)(c.p - expr);
        char ch = *c.p;
        if (ch == '.') {
            const char *name = ++c.p;
            while (ident_char(*c.p)) c.p++;
            size_t len = (size_t)(c.p - name);
            if (!len) return bad(&c, CJ_ERR_ARG, "a field name must follow '.' after %.*s", what_len, expr);
            if (!is_struct(v))
                return bad(&c, CJ_ERR_ARG, "%.*s is a %s, not a struct: it has no field %.*s", what_len, expr,
                           mat_class_name(v), (int)len, name);
            size_t numel, nf = n_fields(v);
            if (!mat_numel(v, &numel) || !children_ok(v, numel, nf))
                return bad(&c, CJ_ERR_FORMAT, "struct %.*s is corrupt (fields missing)", what_len, expr);
            char dims[96];
            if (elem < 0) {
                if (numel != 1)
                    return bad(&c, CJ_ERR_ARG, "%.*s is a %s struct array: index it first, e.g. %.*s(1).%.*s",
                               what_len, expr, mat_dims_str(v, dims, sizeof dims), what_len, expr, (int)len, name);
                elem = 0;
            }
            char *const *fields = Mat_VarGetStructFieldnames(v);
            size_t k = 0;
            while (k < nf && !(fields && fields[k] && strncmp(fields[k], name, len) == 0 && fields[k][len] == '\0'))
                k++;
            if (k == nf) {
                char list[256];
                return bad(&c, CJ_ERR_ARG, "struct %.*s has no field %.*s (its fields: %s)", what_len, expr,
                           (int)len, name, nf && fields ? join(fields, (int)nf, list, sizeof list) : "none");
            }
            matvar_t *field = ((matvar_t **)v->data)[(size_t)elem * nf + k];
            if (!field) return bad(&c, CJ_ERR_FORMAT, "field %.*s is missing from the file", (int)len, name);
            v = field;
            elem = -1;
        } else if (ch == '(' || ch == '{') {
            char close = ch == '(' ? ')' : '}';
            if (elem >= 0)
                return bad(&c, CJ_ERR_ARG, "%.*s is one struct element: name a field before indexing again",
                           what_len, expr);
            if (!is_struct(v) && !is_cell(v))
                return bad(&c, CJ_ERR_ARG, "%.*s is a %s array, read whole: only struct and cell arrays are indexed",
                           what_len, expr, mat_class_name(v));
            if (ch == '{' && !is_cell(v))
                return bad(&c, CJ_ERR_ARG, "%.*s is a struct, not a cell: index it with ()", what_len, expr);
            size_t s[MAX_SUBSCRIPTS];
            int k = 0;
            c.p++;
            for (;;) {
                if (k == MAX_SUBSCRIPTS) return bad(&c, CJ_ERR_ARG, "more than %d subscripts", MAX_SUBSCRIPTS);
                if (!(s[k++] = parse_index(&c)))
                    return bad(&c, CJ_ERR_ARG, "an index must be a positive integer (MATLAB counts from 1)");
                if (*c.p == ',') {
                    c.p++;
                    continue;
                }
                if (*c.p == close) break;
                return bad(&c, CJ_ERR_ARG, "expected ',' or '%c' in an index", close);
            }
            c.p++;
            size_t lin = 0;
            if ((st = linear_index(&c, v, s, k, expr, what_len, &lin))) return st;
            if (is_cell(v)) {
                size_t numel;
                if (!mat_numel(v, &numel) || !children_ok(v, numel, 1) || !((matvar_t **)v->data)[lin])
                    return bad(&c, CJ_ERR_FORMAT, "cell array %.*s is corrupt (cells missing)", what_len, expr);
                v = ((matvar_t **)v->data)[lin];
            } else {
                elem = (long)lin;
            }
        } else {
            return bad(&c, CJ_ERR_ARG, "unexpected '%c' after %.*s (expected '.', '(' or '{')", ch, what_len, expr);
        }
    }
    if (elem >= 0) {
        char list[256];
        size_t nf = n_fields(v);
        char *const *fields = Mat_VarGetStructFieldnames(v);
        return bad(&c, CJ_ERR_ARG, "names one element of a struct array: add .FIELD (its fields: %s)",
                   nf && fields ? join(fields, (int)nf, list, sizeof list) : "none");
    }
    node->file = f;
    node->expr = expr;
    node->var = v;
    return CJ_OK;
}

/* ---- the public readers ------------------------------------------------- */

cj_status cj_mat_info_of(cj_mat_file *f, const char *expr, cj_mat_info *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    mat_node node;
    cj_status st = resolve(f, expr, &node, err);
    if (st) return st;
    const matvar_t *v = node.var;
    if (v->rank > CJ_MAT_MAX_DIMS)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: %s: has %d dimensions (at most %d are read)", f->path, expr, v->rank,
                       CJ_MAT_MAX_DIMS);
    snprintf(out->class_name, sizeof out->class_name, "%s", mat_class_name(v));
    if (!mat_numel(v, &out->numel))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: %s: has no valid dimensions", f->path, expr);
    out->ndim = v->rank;
    for (int i = 0; i < v->rank; i++) out->shape[i] = (int64_t)v->dims[i];
    out->complex_values = v->isComplex != 0;
    if (is_struct(v)) {
        out->n_fields = (int)n_fields(v);
        out->fields = (const char *const *)Mat_VarGetStructFieldnames(v);
        if (out->n_fields && !out->fields)
            return cj_fail(err, CJ_ERR_FORMAT, "%s: %s: struct without field names", f->path, expr);
    }
    return CJ_OK;
}

cj_status cj_mat_read(cj_mat_file *f, const char *expr, cj_mat_type type, cj_mat_array *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    if (type != CJ_MAT_F32 && type != CJ_MAT_F64)
        return cj_fail(err, CJ_ERR_ARG, "%s: %s: unknown element type %d", f->path, expr, (int)type);
    mat_node node;
    cj_status st = resolve(f, expr, &node, err);
    return st ? st : mat_convert_numeric(&node, type, out, err);
}

cj_status cj_mat_read_scalar(cj_mat_file *f, const char *expr, double *out, cj_error *err)
{
    cj_mat_array a;
    cj_status st = cj_mat_read(f, expr, CJ_MAT_F64, &a, err);
    if (st) return st;
    if (a.numel != 1) {
        char q[80];
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: %s: expected one number, found %zu", f->path,
                     cj_error_quote(expr, q, sizeof q), a.numel);
    } else {
        *out = ((double *)a.data)[0];
    }
    cj_mat_array_free(&a);
    return st;
}

cj_status cj_mat_read_strings(cj_mat_file *f, const char *expr, cj_mat_strings *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    mat_node node;
    cj_status st = resolve(f, expr, &node, err);
    return st ? st : mat_convert_strings(&node, out, err);
}

const char *cj_mat_library_version(char *buf, size_t cap)
{
    int major, minor, release;
    Mat_GetLibraryVersion(&major, &minor, &release);
    snprintf(buf, cap, "%d.%d.%d", major, minor, release);
    return buf;
}
