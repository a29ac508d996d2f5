/* trials_csv.c — reading named numeric columns of a CSV trial table (see
 * cajal/trials_csv.h).
 *
 * The file is read whole (cj_text_read: a regular file, no NUL bytes, a
 * size cap), so no line is ever cut at a buffer's length. Two passes over
 * it: one counts the rows, so the table is allocated once at its exact
 * size, the other splits and converts. Fields are spans of the text, never
 * copied, except a few bytes for a message. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/trials_csv.h"

/* A field: the bytes between its separators, less surrounding blanks and
 * quotes. `escapes` marks a quoted field holding "" (the span then differs
 * from the value by those doubled quotes). */
typedef struct {
    const char *s;
    size_t len;
    int quoted, escapes;
} field;

typedef struct {
    const char *path;
    int line;
    cj_error *err;
} where;

static int blank_char(char c) { return c == ' ' || c == '\t'; }

/* The next line of text[*pos..len): its bounds (a final '\r' dropped) and
 * *pos moved past its '\n'. 0 at the end of the text. */
static int next_line(const char *text, size_t len, size_t *pos, const char **b, const char **e)
{
    if (*pos >= len) return 0;
    const char *s = text + *pos, *nl = memchr(s, '\n', len - *pos);
    const char *end = nl ? nl : text + len;
    *pos = (size_t)(end - text) + (nl ? 1 : 0);
    *b = s;
    *e = end > s && end[-1] == '\r' ? end - 1 : end;
    return 1;
}

static int blank_line(const char *b, const char *e)
{
    for (; b < e; b++)
        if (!blank_char(*b)) return 0;
    return 1;
}

/* Split the field starting at p on a line ending at e into *f; returns
 * where it ends (at its ',' or at e), or NULL with the error set. */
static const char *next_field(const char *p, const char *e, field *f, int index, const where *w)
{
    while (p < e && blank_char(*p)) p++;
    *f = (field){.s = p};
    if (p < e && *p == '"') {
        const char *q = p + 1;
        for (;;) {
            if (q >= e) {
                cj_fail(w->err, CJ_ERR_FORMAT, "%s: line %d: field %d: quote not closed before the end of the line",
                        w->path, w->line, index + 1);
                return NULL;
            }
            if (*q == '"') {
                if (q + 1 < e && q[1] == '"') {
                    f->escapes = 1;
                    q += 2;
                    continue;
                }
                break;
            }
            q++;
        }
        f->s = p + 1;
        f->len = (size_t)(q - f->s);
        f->quoted = 1;
        for (q++; q < e && blank_char(*q); q++) {}
        if (q < e && *q != ',') {
            cj_fail(w->err, CJ_ERR_FORMAT, "%s: line %d: field %d: text after its closing quote", w->path, w->line,
                    index + 1);
            return NULL;
        }
        return q;
    }
    const char *q = p;
    while (q < e && *q != ',') q++;
    const char *end = q;
    while (end > p && blank_char(end[-1])) end--;
    f->len = (size_t)(end - p);
    return q;
}

/* The field's value (quotes undone) into buf, cut to cap - 1 bytes. */
static const char *field_text(const field *f, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < f->len && o + 1 < cap; i++) {
        buf[o++] = f->s[i];
        if (f->escapes && f->s[i] == '"') i++; /* "" is one quote */
    }
    buf[o] = '\0';
    return buf;
}

static int field_is(const field *f, const char *name)
{
    size_t o = 0;
    for (size_t i = 0; i < f->len; i++, o++) {
        if (name[o] != f->s[i]) return 0;
        if (f->escapes && f->s[i] == '"') i++;
    }
    return name[o] == '\0';
}

/* Fields of a line into *count, calling back for each; -1 on a split error. */
typedef int (*field_fn)(void *ctx, const field *f, int index);

static int split(const char *b, const char *e, const where *w, field_fn fn, void *ctx, int *count)
{
    int n = 0;
    for (const char *p = b;; p++) {
        field f;
        if (!(p = next_field(p, e, &f, n, w))) return -1;
        if (n == INT_MAX) {
            cj_fail(w->err, CJ_ERR_FORMAT, "%s: line %d: too many fields", w->path, w->line);
            return -1;
        }
        if (fn && fn(ctx, &f, n)) return -1;
        n++;
        if (p >= e) break;
    }
    *count = n;
    return 0;
}

/* ---- the header ---- */

typedef struct {
    const char *const *want;
    int n_want;
    int *field_of; /* [n_want] header field index, -1 until seen */
    const where *w;
} header_ctx;

static int header_field(void *ctx, const field *f, int index)
{
    header_ctx *h = ctx;
    for (int j = 0; j < h->n_want; j++) {
        if (!field_is(f, h->want[j])) continue;
        if (h->field_of[j] >= 0) {
            char q[80];
            cj_fail(h->w->err, CJ_ERR_FORMAT, "%s: line %d: column '%s' is both field %d and field %d of the header",
                    h->w->path, h->w->line, cj_error_quote(h->want[j], q, sizeof q), h->field_of[j] + 1, index + 1);
            return -1;
        }
        h->field_of[j] = index;
    }
    return 0;
}

/* "a, b, c" from the header's fields, for a missing-column message. */
typedef struct {
    char *out;
    size_t cap, used;
} list_ctx;

static int list_field(void *ctx, const field *f, int index)
{
    list_ctx *l = ctx;
    char name[48], q[80];
    int wrote = snprintf(l->out + l->used, l->cap - l->used, "%s'%s'", index ? ", " : "",
                         cj_error_quote(field_text(f, name, sizeof name), q, sizeof q));
    if (wrote > 0) l->used += (size_t)wrote < l->cap - l->used ? (size_t)wrote : l->cap - l->used - 1;
    return 0;
}

/* ---- the rows ---- */

typedef struct {
    cj_trials *t;
    const int *col_of; /* [header fields] requested column, or -1 */
    int header_fields;
    int row;
    const where *w;
} row_ctx;

static int row_field(void *ctx, const field *f, int index)
{
    row_ctx *r = ctx;
    if (index >= r->header_fields) return 0; /* counted, reported as ragged by the caller */
    int j = r->col_of[index];
    if (j < 0) return 0;
    char text[48], q[80], qn[80];
    if (f->len == 0) {
        cj_fail(r->w->err, CJ_ERR_FORMAT, "%s: line %d, column '%s' (field %d): empty cell, expected a number",
                r->w->path, r->w->line, cj_error_quote(r->t->names[j], q, sizeof q), index + 1);
        return -1;
    }
    /* The span starts with a non-blank byte and is followed by one that
     * ends any number (',', '"', a blank, '\r', '\n' or the text's NUL),
     * so strtod stops inside it; it must use all of it. */
    char *end;
    double v = f->escapes ? 0.0 : strtod(f->s, &end);
    if (f->escapes || end != f->s + f->len) {
        cj_fail(r->w->err, CJ_ERR_FORMAT, "%s: line %d, column '%s' (field %d): '%s' is not a number", r->w->path,
                r->w->line, cj_error_quote(r->t->names[j], qn, sizeof qn), index + 1,
                cj_error_quote(field_text(f, text, sizeof text), q, sizeof q));
        return -1;
    }
    r->t->col[j][r->row] = v;
    return 0;
}

void cj_trials_free(cj_trials *t)
{
    free(t->names);
    free(t->col);
    free(t->data);
    free(t->name_text);
    *t = (cj_trials){0};
}

/* An empty table of n_cols columns named `names`, with room for rows. */
static cj_status alloc_table(cj_trials *t, const char *const *names, int n_cols, size_t rows, const char *what,
                             cj_error *err)
{
    *t = (cj_trials){0};
    if (rows > INT_MAX || (rows && (size_t)n_cols > SIZE_MAX / sizeof(double) / rows))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: %zu rows x %d columns is too large a table", what, rows, n_cols);
    size_t text = 0;
    for (int j = 0; j < n_cols; j++) text += strlen(names[j]) + 1;
    t->names = malloc((size_t)n_cols * sizeof *t->names);
    t->col = malloc((size_t)n_cols * sizeof *t->col);
    t->data = malloc((rows ? rows : 1) * (size_t)n_cols * sizeof *t->data);
    t->name_text = malloc(text);
    if (!t->names || !t->col || !t->data || !t->name_text) {
        cj_trials_free(t);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %zu rows x %d columns", what, rows, n_cols);
    }
    char *p = t->name_text;
    for (int j = 0; j < n_cols; j++) {
        size_t n = strlen(names[j]) + 1;
        memcpy(p, names[j], n);
        t->names[j] = p;
        p += n;
        t->col[j] = t->data + (size_t)j * rows;
    }
    t->n_cols = n_cols;
    t->n_rows = (int)rows;
    return CJ_OK;
}

static cj_status parse(const char *path, const char *text, size_t len, const char *const *columns, int n_columns,
                       cj_trials *out, int *field_of, cj_error *err)
{
    where w = {.path = path, .err = err};
    size_t pos = 0;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) pos = 3; /* UTF-8 byte order mark */
    const char *b, *e;
    int have = 0;
    while ((have = next_line(text, len, &pos, &b, &e))) {
        w.line++;
        if (!blank_line(b, e)) break;
    }
    if (!have) return cj_fail(err, CJ_ERR_FORMAT, "%s: empty file, expected a header line naming the columns", path);
    int header_fields;
    header_ctx h = {.want = columns, .n_want = n_columns, .field_of = field_of, .w = &w};
    if (split(b, e, &w, header_field, &h, &header_fields)) return err ? err->code : CJ_ERR_FORMAT;
    const int header_line = w.line;
    for (int j = 0; j < n_columns; j++)
        if (field_of[j] < 0) {
            char names[240], q[80];
            list_ctx l = {.out = names, .cap = sizeof names};
            names[0] = '\0';
            int ignored;
            split(b, e, &w, list_field, &l, &ignored);
            return cj_fail(err, CJ_ERR_FORMAT, "%s: line %d: no column '%s' (the header has %s)", path, header_line,
                           cj_error_quote(columns[j], q, sizeof q), names);
        }

    /* Pass 1: count the rows. */
    size_t rows = 0, body = pos;
    while (next_line(text, len, &pos, &b, &e)) rows += !blank_line(b, e);
    cj_status st = alloc_table(out, columns, n_columns, rows, path, err);
    if (st) return st;

    int *col_of = malloc((size_t)header_fields * sizeof *col_of);
    if (!col_of) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d header fields", path, header_fields);
    for (int f = 0; f < header_fields; f++) col_of[f] = -1;
    for (int j = 0; j < n_columns; j++) col_of[field_of[j]] = j;

    /* Pass 2: split and convert. */
    row_ctx r = {.t = out, .col_of = col_of, .header_fields = header_fields, .w = &w};
    pos = body;
    st = CJ_OK;
    while (!st && next_line(text, len, &pos, &b, &e)) {
        w.line++;
        if (blank_line(b, e)) continue;
        int fields;
        if (split(b, e, &w, row_field, &r, &fields)) {
            st = err ? err->code : CJ_ERR_FORMAT;
        } else if (fields != header_fields) {
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: line %d has %d fields, the header (line %d) has %d", path, w.line,
                         fields, header_line, header_fields);
        }
        r.row++;
    }
    free(col_of);
    return st;
}

cj_status cj_trials_csv_read(const char *path, const char *const *columns, int n_columns, cj_trials *out,
                             cj_error *err)
{
    *out = (cj_trials){0};
    if (n_columns < 1 || !columns)
        return cj_fail(err, CJ_ERR_ARG, "%s: %d columns asked for, need at least one", path, n_columns);
    for (int j = 0; j < n_columns; j++) {
        char q[80];
        if (!columns[j] || !columns[j][0])
            return cj_fail(err, CJ_ERR_ARG, "%s: column name %d is empty", path, j + 1);
        for (int i = 0; i < j; i++)
            if (!strcmp(columns[i], columns[j]))
                return cj_fail(err, CJ_ERR_ARG, "%s: column '%s' asked for twice", path,
                               cj_error_quote(columns[j], q, sizeof q));
    }
    char *text;
    size_t len;
    cj_status st = cj_text_read(path, CJ_TRIALS_CSV_MAX_BYTES, &text, &len, err);
    if (st) return st;
    int *field_of = malloc((size_t)n_columns * sizeof *field_of);
    if (!field_of) {
        free(text);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    }
    for (int j = 0; j < n_columns; j++) field_of[j] = -1;
    st = parse(path, text, len, columns, n_columns, out, field_of, err);
    free(field_of);
    free(text);
    if (st) cj_trials_free(out);
    return st;
}

const double *cj_trials_column(const cj_trials *t, const char *name)
{
    for (int j = 0; j < t->n_cols; j++)
        if (!strcmp(t->names[j], name)) return t->col[j];
    return NULL;
}

cj_status cj_trials_select(const cj_trials *t, const char *column, double value, cj_trials *out, cj_error *err)
{
    *out = (cj_trials){0};
    char q[80];
    const double *key = cj_trials_column(t, column);
    if (!key)
        return cj_fail(err, CJ_ERR_ARG, "trial table: no column '%s' to select on", cj_error_quote(column, q, sizeof q));
    if (isnan(value))
        return cj_fail(err, CJ_ERR_ARG, "trial table: selecting '%s' == NaN matches nothing",
                       cj_error_quote(column, q, sizeof q));
    size_t rows = 0;
    for (int i = 0; i < t->n_rows; i++) rows += key[i] == value;
    cj_status st = alloc_table(out, (const char *const *)t->names, t->n_cols, rows, "trial table", err);
    if (st) return st;
    for (int i = 0, o = 0; i < t->n_rows; i++) {
        if (key[i] != value) continue;
        for (int j = 0; j < t->n_cols; j++) out->col[j][o] = t->col[j][i];
        o++;
    }
    return CJ_OK;
}
