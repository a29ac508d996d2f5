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

/* Where the header says the table is: field_of[j] is the header field of
 * columns[j]; the body (the rows) starts at *body, after line
 * *header_line, and holds *rows non-blank lines. */
typedef struct {
    int header_fields, header_line;
    size_t body, rows;
} layout;

static cj_status parse_header(const char *path, const char *text, size_t len, const char *const *columns,
                              int n_columns, int *field_of, layout *lay, where *w, cj_error *err)
{
    size_t pos = 0;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) pos = 3; /* UTF-8 byte order mark */
    const char *b, *e;
    int have = 0;
    while ((have = next_line(text, len, &pos, &b, &e))) {
        w->line++;
        if (!blank_line(b, e)) break;
    }
    if (!have) return cj_fail(err, CJ_ERR_FORMAT, "%s: empty file, expected a header line naming the columns", path);
    header_ctx h = {.want = columns, .n_want = n_columns, .field_of = field_of, .w = w};
    if (split(b, e, w, header_field, &h, &lay->header_fields)) return err ? err->code : CJ_ERR_FORMAT;
    lay->header_line = w->line;
    for (int j = 0; j < n_columns; j++)
        if (field_of[j] < 0) {
            char names[240], q[80];
            list_ctx l = {.out = names, .cap = sizeof names};
            names[0] = '\0';
            int ignored;
            split(b, e, w, list_field, &l, &ignored);
            return cj_fail(err, CJ_ERR_FORMAT, "%s: line %d: no column '%s' (the header has %s)", path,
                           lay->header_line, cj_error_quote(columns[j], q, sizeof q), names);
        }
    /* Pass 1: count the rows. */
    lay->body = pos;
    lay->rows = 0;
    while (next_line(text, len, &pos, &b, &e)) lay->rows += !blank_line(b, e);
    return CJ_OK;
}

/* The requested column of each header field, or -1 (a new allocation). */
static int *columns_of_fields(const layout *lay, const int *field_of, int n_columns)
{
    int *col_of = malloc((size_t)lay->header_fields * sizeof *col_of);
    if (!col_of) return NULL;
    for (int f = 0; f < lay->header_fields; f++) col_of[f] = -1;
    for (int j = 0; j < n_columns; j++) col_of[field_of[j]] = j;
    return col_of;
}

/* Pass 2: every non-blank line after the header split by `fn` (whose
 * context's row counter *row it advances), each checked to have the
 * header's number of fields. */
static cj_status parse_rows(const char *path, const char *text, size_t len, const layout *lay, where *w, field_fn fn,
                            void *ctx, int *row, cj_error *err)
{
    size_t pos = lay->body;
    const char *b, *e;
    cj_status st = CJ_OK;
    while (!st && next_line(text, len, &pos, &b, &e)) {
        w->line++;
        if (blank_line(b, e)) continue;
        int fields;
        if (split(b, e, w, fn, ctx, &fields)) {
            st = err ? err->code : CJ_ERR_FORMAT;
        } else if (fields != lay->header_fields) {
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: line %d has %d fields, the header (line %d) has %d", path, w->line,
                         fields, lay->header_line, lay->header_fields);
        }
        ++*row;
    }
    return st;
}

static cj_status parse(const char *path, const char *text, size_t len, const char *const *columns, int n_columns,
                       cj_trials *out, int *field_of, cj_error *err)
{
    where w = {.path = path, .err = err};
    layout lay;
    cj_status st = parse_header(path, text, len, columns, n_columns, field_of, &lay, &w, err);
    if (!st) st = alloc_table(out, columns, n_columns, lay.rows, path, err);
    if (st) return st;
    int *col_of = columns_of_fields(&lay, field_of, n_columns);
    if (!col_of) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d header fields", path, lay.header_fields);
    row_ctx r = {.t = out, .col_of = col_of, .header_fields = lay.header_fields, .w = &w};
    st = parse_rows(path, text, len, &lay, &w, row_field, &r, &r.row, err);
    free(col_of);
    return st;
}

/* The checks both readers make of the columns asked for, then the file
 * read whole, and field_of[n_columns] (all -1) for parse_header. */
static cj_status read_for_columns(const char *path, const char *const *columns, int n_columns, char **text,
                                  size_t *len, int **field_of, cj_error *err)
{
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
    cj_status st = cj_text_read(path, CJ_TRIALS_CSV_MAX_BYTES, text, len, err);
    if (st) return st;
    *field_of = malloc((size_t)n_columns * sizeof **field_of);
    if (!*field_of) {
        free(*text);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    }
    for (int j = 0; j < n_columns; j++) (*field_of)[j] = -1;
    return CJ_OK;
}

cj_status cj_trials_csv_read(const char *path, const char *const *columns, int n_columns, cj_trials *out,
                             cj_error *err)
{
    *out = (cj_trials){0};
    char *text;
    size_t len;
    int *field_of;
    cj_status st = read_for_columns(path, columns, n_columns, &text, &len, &field_of, err);
    if (st) return st;
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

/* ---- columns as text ---- */

typedef struct {
    cj_trials_text *t;
    const int *col_of;
    int header_fields;
    int row;
    char *next;        /* where the next cell's bytes go in t->text */
    const where *w;
} text_ctx;

static int text_field(void *ctx, const field *f, int index)
{
    text_ctx *r = ctx;
    if (index == 0) r->t->line[r->row] = r->w->line;
    if (index >= r->header_fields) return 0; /* counted, reported as ragged by the caller */
    int j = r->col_of[index];
    if (j < 0) return 0;
    char *dst = r->next;
    size_t o = 0;
    for (size_t i = 0; i < f->len; i++) {
        dst[o++] = f->s[i];
        if (f->escapes && f->s[i] == '"') i++; /* "" is one quote */
    }
    dst[o] = '\0';
    r->t->cells[(size_t)r->row * r->t->n_cols + j] = dst;
    r->next = dst + o + 1;
    return 0;
}

void cj_trials_text_free(cj_trials_text *t)
{
    free(t->names);
    free(t->cells);
    free(t->line);
    free(t->text);
    *t = (cj_trials_text){0};
}

static cj_status parse_text(const char *path, const char *text, size_t len, const char *const *columns,
                            int n_columns, cj_trials_text *out, int *field_of, cj_error *err)
{
    where w = {.path = path, .err = err};
    layout lay;
    cj_status st = parse_header(path, text, len, columns, n_columns, field_of, &lay, &w, err);
    if (st) return st;
    if (lay.rows > INT_MAX || (lay.rows && (size_t)n_columns > SIZE_MAX / sizeof(char *) / lay.rows))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: %zu rows x %d columns is too large a table", path, lay.rows,
                       n_columns);
    /* Every cell is a span of the file plus its NUL, and spans do not
     * overlap, so the file's length plus one byte per cell holds them. */
    size_t cells = lay.rows * (size_t)n_columns, names = 0;
    for (int j = 0; j < n_columns; j++) names += strlen(columns[j]) + 1;
    if (cells > SIZE_MAX - len - names)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: %zu cells is too many", path, cells);
    out->names = malloc((size_t)n_columns * sizeof *out->names);
    out->cells = calloc(cells ? cells : 1, sizeof *out->cells);
    out->line = malloc((lay.rows ? lay.rows : 1) * sizeof *out->line);
    out->text = malloc(names + len + cells + 1);
    if (!out->names || !out->cells || !out->line || !out->text)
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %zu rows x %d columns", path, lay.rows, n_columns);
    out->n_rows = (int)lay.rows;
    out->n_cols = n_columns;
    char *p = out->text;
    for (int j = 0; j < n_columns; j++) {
        size_t n = strlen(columns[j]) + 1;
        memcpy(p, columns[j], n);
        out->names[j] = p;
        p += n;
    }
    int *col_of = columns_of_fields(&lay, field_of, n_columns);
    if (!col_of) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d header fields", path, lay.header_fields);
    text_ctx r = {.t = out, .col_of = col_of, .header_fields = lay.header_fields, .next = p, .w = &w};
    st = parse_rows(path, text, len, &lay, &w, text_field, &r, &r.row, err);
    free(col_of);
    return st;
}

/* Every field of the header line, quotes undone, as new strings. */
typedef struct {
    char **names;
    int n, cap, failed;
} names_ctx;

static int name_field(void *ctx, const field *f, int index)
{
    names_ctx *c = ctx;
    if (c->n == CJ_TRIALS_CSV_MAX_ALL_COLUMNS) return c->failed = 2, -1;
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 16;
        char **grown = cap > c->cap ? realloc(c->names, sizeof *grown * (size_t)cap) : NULL;
        if (!grown) return c->failed = 1, -1;
        c->names = grown;
        c->cap = cap;
    }
    char *name = malloc(f->len + 1);
    if (!name) return c->failed = 1, -1;
    field_text(f, name, f->len + 1);
    c->names[c->n++] = name;
    return 0;
}

static cj_status header_names(const char *path, const char *text, size_t len, names_ctx *c, cj_error *err)
{
    where w = {.path = path, .err = err};
    size_t pos = len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    const char *b, *e;
    int have;
    while ((have = next_line(text, len, &pos, &b, &e)) && blank_line(b, e)) w.line++;
    w.line++;
    if (!have) return cj_fail(err, CJ_ERR_FORMAT, "%s: empty file, expected a header line naming the columns", path);
    int count;
    if (split(b, e, &w, name_field, c, &count))
        return c->failed == 2 ? cj_fail(err, CJ_ERR_FORMAT, "%s: line %d: more than %d columns", path, w.line,
                                        CJ_TRIALS_CSV_MAX_ALL_COLUMNS)
               : c->failed    ? cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for the header", path)
               : err          ? err->code
                              : CJ_ERR_FORMAT;
    for (int j = 0; j < c->n; j++)
        if (!c->names[j][0])
            return cj_fail(err, CJ_ERR_FORMAT, "%s: line %d: field %d of the header is empty: every column needs a "
                           "name", path, w.line, j + 1);
    for (int j = 0; j < c->n; j++)
        for (int i = 0; i < j; i++)
            if (!strcmp(c->names[i], c->names[j])) {
                char q[80];
                return cj_fail(err, CJ_ERR_FORMAT, "%s: line %d: column '%s' is both field %d and field %d of the "
                               "header", path, w.line, cj_error_quote(c->names[j], q, sizeof q), i + 1, j + 1);
            }
    return CJ_OK;
}

cj_status cj_trials_csv_read_text(const char *path, const char *const *columns, int n_columns, cj_trials_text *out,
                                  cj_error *err)
{
    *out = (cj_trials_text){0};
    char *text = NULL;
    size_t len;
    int *field_of = NULL;
    names_ctx all = {0};
    cj_status st;
    if (!columns && n_columns == 0) { /* every column the header names */
        st = cj_text_read(path, CJ_TRIALS_CSV_MAX_BYTES, &text, &len, err);
        if (!st) st = header_names(path, text, len, &all, err);
        free(text);
        text = NULL;
        columns = (const char *const *)all.names;
        n_columns = all.n;
    } else {
        st = CJ_OK;
    }
    if (!st) st = read_for_columns(path, columns, n_columns, &text, &len, &field_of, err);
    if (!st) st = parse_text(path, text, len, columns, n_columns, out, field_of, err);
    free(field_of);
    free(text);
    for (int j = 0; j < all.n; j++) free(all.names[j]);
    free(all.names);
    if (st) cj_trials_text_free(out);
    return st;
}

int cj_trials_text_find(const cj_trials_text *t, const char *name)
{
    for (int j = 0; j < t->n_cols; j++)
        if (!strcmp(t->names[j], name)) return j;
    return -1;
}
