/* metrics_read.c — reading a run's metrics.jsonl (see cajal/metrics.h).
 *
 * The file is read whole (cj_text_read: a regular file, no NUL bytes),
 * then parsed line by line: a run still training may append while we read,
 * and one snapshot keeps the line count and the lines consistent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cajal/files.h"
#include "cajal/metrics.h"

/* Per-line context for error messages. */
typedef struct {
    const char *path;
    int line;
    size_t file_bytes; /* for bounding the per-layer tables */
    cj_error *err;
} where;

/* A metrics file holds a few hundred bytes per epoch; anything near this
 * is not one. */
#define MAX_FILE_BYTES ((size_t)1 << 28)

/* A per-layer table is lines x layers doubles. A line that has the key
 * spends at least two bytes per entry, so an honest file needs few values
 * per byte even when only every tenth line has the key; this bound stops
 * a small file of many short lines and one long array from asking for
 * gigabytes. */
#define CELLS_PER_BYTE 16
#define MIN_CELLS ((size_t)1 << 20)

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
    return 1;
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsNumber(v)) return "a number";
    return "not a JSON value";
}

static double *nan_array(size_t n)
{
    double *a = malloc((n ? n : 1) * sizeof *a);
    if (a)
        for (size_t i = 0; i < n; i++) a[i] = NAN;
    return a;
}

/* A number, or NaN for null/absent; anything else is an error. */
static cj_status get_number(const cJSON *obj, const char *key, double *out, const where *w)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) return CJ_OK;
    if (!cJSON_IsNumber(v))
        return cj_fail(w->err, CJ_ERR_FORMAT, "%s: line %d: \"%s\" is %s, expected a number",
                       w->path, w->line, key, type_name(v));
    *out = v->valuedouble;
    return CJ_OK;
}

/* The first per-layer key seen fixes the layer count; later ones must agree,
 * or the per-layer columns would not line up. */
static cj_status check_layers(cj_metrics *m, const char *key, int count, const where *w)
{
    if (m->n_layers == 0) {
        m->n_layers = count;
        return CJ_OK;
    }
    if (count != m->n_layers)
        return cj_fail(w->err, CJ_ERR_FORMAT,
                       "%s: line %d: \"%s\" has %d entries, but earlier lines have %d layers",
                       w->path, w->line, key, count, m->n_layers);
    return CJ_OK;
}

static cj_status get_layer_names(cj_metrics *m, const cJSON *obj, const where *w)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "layers");
    if (!v || cJSON_IsNull(v)) return CJ_OK;
    if (!cJSON_IsArray(v))
        return cj_fail(w->err, CJ_ERR_FORMAT, "%s: line %d: \"layers\" is %s, expected an array",
                       w->path, w->line, type_name(v));
    int count = cJSON_GetArraySize(v);
    if (count == 0) return CJ_OK;
    cj_status st = check_layers(m, "layers", count, w);
    if (st || m->layers) return st;
    char **names = calloc((size_t)count, sizeof *names);
    if (!names) return cj_fail(w->err, CJ_ERR_NOMEM, "%s: out of memory", w->path);
    m->layers = names;
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v) {
        if (!cJSON_IsString(e))
            return cj_fail(w->err, CJ_ERR_FORMAT,
                           "%s: line %d: \"layers\"[%d] is %s, expected a string", w->path,
                           w->line, i, type_name(e));
        names[i] = strdup(e->valuestring);
        if (!names[i]) return cj_fail(w->err, CJ_ERR_NOMEM, "%s: out of memory", w->path);
        i++;
    }
    return CJ_OK;
}

/* The per-layer table for `key`, made (all NaN) the first time any line
 * has the key: capacity lines x count layers x width values. */
static cj_status make_table(double **table, const char *key, int capacity, int count, int width,
                            const where *w)
{
    if (*table) return CJ_OK;
    size_t cells = (size_t)capacity * (size_t)count * (size_t)width;
    if (cells > MIN_CELLS && cells / CELLS_PER_BYTE > w->file_bytes)
        return cj_fail(w->err, CJ_ERR_FORMAT,
                       "%s: line %d: \"%s\" has %d entries for %d lines: a table of %zu values is "
                       "implausibly large for a %zu-byte file", w->path, w->line, key, count, capacity,
                       cells, w->file_bytes);
    *table = nan_array(cells);
    if (!*table) return cj_fail(w->err, CJ_ERR_NOMEM, "%s: out of memory", w->path);
    return CJ_OK;
}

/* The array under `key`, or NULL (and CJ_OK) when it is null, absent or
 * empty; its length must match the layers seen before. */
static cj_status layer_array(cj_metrics *m, const cJSON *obj, const char *key, const cJSON **out,
                             const where *w)
{
    *out = NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) return CJ_OK;
    if (!cJSON_IsArray(v))
        return cj_fail(w->err, CJ_ERR_FORMAT, "%s: line %d: \"%s\" is %s, expected an array",
                       w->path, w->line, key, type_name(v));
    int count = cJSON_GetArraySize(v);
    if (count == 0) return CJ_OK;
    cj_status st = check_layers(m, key, count, w);
    if (!st) *out = v;
    return st;
}

/* Row `epoch` of a per-layer table such as "align_deg". */
static cj_status get_per_layer(cj_metrics *m, const cJSON *obj, const char *key, double **table,
                               int capacity, int epoch, const where *w)
{
    const cJSON *v;
    cj_status st = layer_array(m, obj, key, &v, w);
    if (st || !v) return st;
    int count = cJSON_GetArraySize(v);
    st = make_table(table, key, capacity, count, 1, w);
    if (st) return st;
    double *row = *table + (size_t)epoch * (size_t)count;
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v) {
        if (cJSON_IsNumber(e))
            row[i] = e->valuedouble;
        else if (!cJSON_IsNull(e))
            return cj_fail(w->err, CJ_ERR_FORMAT,
                           "%s: line %d: \"%s\"[%d] is %s, expected a number or null", w->path,
                           w->line, key, i, type_name(e));
        i++;
    }
    return CJ_OK;
}

/* Row `epoch` of a per-layer interval table such as "grad_bias_ci": one
 * [low, high] per layer (either may be null), or null for the whole layer. */
static cj_status get_per_layer_ci(cj_metrics *m, const cJSON *obj, const char *key, double **table,
                                  int capacity, int epoch, const where *w)
{
    const cJSON *v;
    cj_status st = layer_array(m, obj, key, &v, w);
    if (st || !v) return st;
    int count = cJSON_GetArraySize(v);
    st = make_table(table, key, capacity, count, 2, w);
    if (st) return st;
    double *row = *table + (size_t)epoch * (size_t)count * 2;
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v) {
        if (!cJSON_IsNull(e)) {
            if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2)
                return cj_fail(w->err, CJ_ERR_FORMAT,
                               "%s: line %d: \"%s\"[%d] is %s, expected [low, high] or null", w->path,
                               w->line, key, i,
                               cJSON_IsArray(e) ? "an array of another length" : type_name(e));
            for (int j = 0; j < 2; j++) {
                const cJSON *b = cJSON_GetArrayItem(e, j);
                if (cJSON_IsNumber(b))
                    row[2 * i + j] = b->valuedouble;
                else if (!cJSON_IsNull(b))
                    return cj_fail(w->err, CJ_ERR_FORMAT,
                                   "%s: line %d: \"%s\"[%d][%d] is %s, expected a number or null",
                                   w->path, w->line, key, i, j, type_name(b));
            }
        }
        i++;
    }
    return CJ_OK;
}

static cj_status parse_object(cj_metrics *m, const cJSON *obj, int e, int capacity,
                              const where *w)
{
    const cJSON *ep = cJSON_GetObjectItemCaseSensitive(obj, "epoch");
    if (!ep)
        return cj_fail(w->err, CJ_ERR_FORMAT, "%s: line %d: missing required key \"epoch\"",
                       w->path, w->line);
    if (!cJSON_IsNumber(ep))
        return cj_fail(w->err, CJ_ERR_FORMAT, "%s: line %d: \"epoch\" is %s, expected a number",
                       w->path, w->line, type_name(ep));
    m->epoch[e] = ep->valuedouble;

    struct {
        const char *key;
        double *col;
    } scalars[] = {
        {"step", m->step},         {"train_loss", m->train_loss},
        {"test_loss", m->test_loss}, {"test_acc", m->test_acc},
        {"seconds", m->seconds},   {"samples_per_s", m->samples_per_s},
        {"val_loss", m->val_loss}, {"val_acc", m->val_acc},
    };
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        cj_status st = get_number(obj, scalars[i].key, &scalars[i].col[e], w);
        if (st) return st;
    }

    const cJSON *rule = cJSON_GetObjectItemCaseSensitive(obj, "rule");
    if (rule && !cJSON_IsNull(rule)) {
        if (!cJSON_IsString(rule))
            return cj_fail(w->err, CJ_ERR_FORMAT, "%s: line %d: \"rule\" is %s, expected a string",
                           w->path, w->line, type_name(rule));
        if (!m->rule && !(m->rule = strdup(rule->valuestring)))
            return cj_fail(w->err, CJ_ERR_NOMEM, "%s: out of memory", w->path);
    }

    cj_status st = get_layer_names(m, obj, w);
    if (!st) st = get_per_layer(m, obj, "align_deg", &m->align_deg, capacity, e, w);
    if (!st) st = get_per_layer(m, obj, "grad_bias", &m->grad_bias, capacity, e, w);
    if (!st) st = get_per_layer(m, obj, "grad_variance", &m->grad_variance, capacity, e, w);
    if (!st) st = get_per_layer_ci(m, obj, "align_deg_ci", &m->align_deg_ci, capacity, e, w);
    if (!st) st = get_per_layer_ci(m, obj, "grad_bias_ci", &m->grad_bias_ci, capacity, e, w);
    if (!st) st = get_per_layer_ci(m, obj, "grad_variance_ci", &m->grad_variance_ci, capacity, e, w);
    return st;
}

/* cJSON decodes "\u0000" into a NUL that silently cuts a string short (a
 * rule or layer name); cj_text_read has refused raw NULs already. A
 * backslash occurs only inside strings, where it starts an escape. */
static cj_status check_escaped_nul(const char *s, size_t n, const where *w)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '\\') continue;
        if (s[i + 1] == 'u' && i + 5 < n && !memcmp(s + i + 2, "0000", 4))
            return cj_fail(w->err, CJ_ERR_FORMAT, "%s: line %d: column %zu: \\u0000 puts a NUL byte in a string",
                           w->path, w->line, i + 1);
        i++;
    }
    return CJ_OK;
}

static cj_status parse_line(cj_metrics *m, const char *s, size_t n, int e, int capacity,
                            const where *w)
{
    cj_status nul = check_escaped_nul(s, n, w);
    if (nul) return nul;
    const char *end = NULL;
    cJSON *obj = cJSON_ParseWithLengthOpts(s, n, &end, 0);
    if (!obj) {
        long col = end && end >= s ? (long)(end - s) + 1 : 1;
        return cj_fail(w->err, CJ_ERR_FORMAT, "%s: line %d: malformed JSON at column %ld",
                       w->path, w->line, col);
    }
    cj_status st = CJ_OK;
    size_t used = (size_t)(end - s);
    if (used < n && !blank(end, n - used))
        st = cj_fail(w->err, CJ_ERR_FORMAT,
                     "%s: line %d: malformed JSON: text after the object at column %zu", w->path,
                     w->line, used + 1);
    else if (!cJSON_IsObject(obj))
        st = cj_fail(w->err, CJ_ERR_FORMAT, "%s: line %d: %s, expected a JSON object", w->path,
                     w->line, type_name(obj));
    else
        st = parse_object(m, obj, e, capacity, w);
    cJSON_Delete(obj);
    return st;
}

static cj_status name_layers(cj_metrics *m, const char *path, cj_error *err)
{
    if (m->n_layers == 0 || m->layers) return CJ_OK;
    m->layers = calloc((size_t)m->n_layers, sizeof *m->layers);
    if (!m->layers) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    for (int i = 0; i < m->n_layers; i++)
        if (!(m->layers[i] = cj_path_printf("layer %d", i + 1)))
            return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    return CJ_OK;
}

cj_status cj_metrics_read(const char *path, cj_metrics *m, cj_error *err)
{
    memset(m, 0, sizeof *m);
    char *buf = NULL;
    size_t len = 0;
    cj_status st = cj_text_read(path, MAX_FILE_BYTES, &buf, &len, err);
    if (st) return st;

    int lines = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
        if (!blank(buf + i, n)) lines++;
        i += n + 1;
    }
    if (lines == 0) {
        free(buf);
        return cj_fail(err, CJ_ERR_FORMAT, "%s: empty file, no metrics lines", path);
    }

    /* The scalar columns share one block of 9 x lines doubles. */
    double *block = nan_array((size_t)lines * 9);
    if (!block) {
        free(buf);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: %d lines: out of memory", path, lines);
    }
    double **cols[] = {&m->epoch,   &m->step,          &m->train_loss, &m->test_loss, &m->test_acc,
                       &m->seconds, &m->samples_per_s, &m->val_loss,   &m->val_acc};
    for (int c = 0; c < 9; c++) *cols[c] = block + (size_t)c * lines;

    where w = {path, 0, len, err};
    int e = 0;
    for (size_t i = 0; i < len && !st;) {
        const char *s = buf + i;
        const char *nl = memchr(s, '\n', len - i);
        size_t n = nl ? (size_t)(nl - s) : len - i;
        w.line++;
        if (!blank(s, n)) st = parse_line(m, s, n, e++, lines, &w);
        i += n + 1;
    }
    free(buf);
    m->n_epochs = e;
    if (!st) st = name_layers(m, path, err);
    if (st) cj_metrics_free(m);
    return st;
}

void cj_metrics_free(cj_metrics *m)
{
    if (!m) return;
    free(m->epoch); /* the block holding every scalar column */
    free(m->align_deg);
    free(m->grad_bias);
    free(m->grad_variance);
    free(m->align_deg_ci);
    free(m->grad_bias_ci);
    free(m->grad_variance_ci);
    if (m->layers)
        for (int i = 0; i < m->n_layers; i++) free(m->layers[i]);
    free(m->layers);
    free(m->rule);
    memset(m, 0, sizeof *m);
}
