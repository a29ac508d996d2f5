/* session.c — load one Kilosort/phy session folder with UnitMatch's
 * RawWaveforms (layout in include/cajal/ephys.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cajal/ephys.h"
#include "cajal/npy.h"

enum { PATH_CAP = 4096 };

static cj_status path_join(char *out, const char *dir, const char *file, cj_error *err)
{
    if (snprintf(out, PATH_CAP, "%s/%s", dir, file) >= PATH_CAP)
        return cj_fail(err, CJ_ERR_ARG, "%.64s...: path too long", dir);
    return CJ_OK;
}

/* The folder's base name, ignoring trailing slashes ("a/session1/" -> "session1"). */
static char *base_name(const char *dir)
{
    size_t end = strlen(dir);
    while (end > 1 && dir[end - 1] == '/') end--;
    size_t start = end;
    while (start > 0 && dir[start - 1] != '/') start--;
    char *name = malloc(end - start + 1);
    if (name) {
        memcpy(name, dir + start, end - start);
        name[end - start] = '\0';
    }
    return name;
}

static cj_status load_positions(const char *dir, cj_ephys_session *s, cj_error *err)
{
    char path[PATH_CAP];
    cj_status st = path_join(path, dir, "channel_positions.npy", err);
    cj_npy_array a;
    if (!st) st = cj_npy_read(path, CJ_NPY_F32, &a, err);
    if (st) return st;
    if (a.ndim != 2 || a.shape[1] != 2 || a.shape[0] < 1 || a.shape[0] > 100000) {
        cj_npy_free(&a);
        return cj_fail(err, CJ_ERR_SHAPE, "%s: shape has %d dims [%lld, %lld, ...], expected [channels, 2]",
                       path, a.ndim, (long long)a.shape[0], (long long)a.shape[1]);
    }
    s->n_channels = (int)a.shape[0];
    s->channel_pos = a.data; /* ownership moves to the session */
    return CJ_OK;
}

/* ---- cluster labels ---------------------------------------------------- */

static cj_status read_text(const char *path, char **out, cj_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return cj_fail(err, CJ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - 1 - len, f);
        if (len < cap - 1) break;
        char *grown = realloc(buf, cap * 2);
        if (!grown) free(buf);
        buf = grown;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory reading it", path);
    if (bad) {
        free(buf);
        return cj_fail(err, CJ_ERR_IO, "%s: read error", path);
    }
    buf[len] = '\0';
    *out = buf;
    return CJ_OK;
}

/* The next line of *cursor (cut at '\n', modified in place), or NULL at the end. */
static char *next_line(char **cursor)
{
    char *line = *cursor;
    if (!line || !*line) return NULL;
    char *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *cursor = nl + 1;
    } else {
        *cursor = line + strlen(line);
    }
    return line;
}

/* Split a line (modified in place) at tabs; strips a trailing '\r'. */
static int split_tabs(char *line, char **fields, int max)
{
    size_t n = strlen(line);
    if (n && line[n - 1] == '\r') line[n - 1] = '\0';
    int k = 0;
    fields[k++] = line;
    for (char *p = line; *p && k < max; p++)
        if (*p == '\t') {
            *p = '\0';
            fields[k++] = p + 1;
        }
    return k;
}

static int column_of(char **fields, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(fields[i], name) == 0) return i;
    return -1;
}

/* Parse the good cluster ids out of a label file's text (modified). */
static cj_status parse_labels(char *txt, const char *path, const char *column, int **ids_out, int *n_out,
                              cj_error *err)
{
    enum { MAX_FIELDS = 64 };
    char *fields[MAX_FIELDS], *cursor = txt;
    char *line = next_line(&cursor);
    int nf = line ? split_tabs(line, fields, MAX_FIELDS) : 0;
    int ci = column_of(fields, nf, "cluster_id"), gi = column_of(fields, nf, column);
    if (ci < 0 || gi < 0)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: header must name columns 'cluster_id' and '%s'", path, column);
    int *ids = NULL, n = 0, cap = 0, lineno = 1;
    while ((line = next_line(&cursor))) {
        lineno++;
        nf = split_tabs(line, fields, MAX_FIELDS);
        if (nf == 1 && fields[0][0] == '\0') continue;
        if (nf <= ci || nf <= gi) {
            free(ids);
            return cj_fail(err, CJ_ERR_FORMAT, "%s: line %d has %d fields, expected at least %d", path, lineno,
                           nf, (ci > gi ? ci : gi) + 1);
        }
        char *end;
        errno = 0;
        long id = strtol(fields[ci], &end, 10);
        if (end == fields[ci] || *end || errno || id < 0 || id > 100000000) {
            free(ids);
            return cj_fail(err, CJ_ERR_FORMAT, "%s: line %d: cluster_id '%.32s' is not a cluster number", path,
                           lineno, fields[ci]);
        }
        if (strcasecmp(fields[gi], "good") != 0) continue; /* phy writes good, bombcell GOOD */
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            int *grown = realloc(ids, sizeof(int) * (size_t)cap);
            if (!grown) {
                free(ids);
                return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d ids", path, cap);
            }
            ids = grown;
        }
        for (int k = 0; k < n; k++)
            if (ids[k] == (int)id) {
                free(ids);
                return cj_fail(err, CJ_ERR_FORMAT, "%s: line %d: cluster %ld is listed twice", path, lineno, id);
            }
        ids[n++] = (int)id;
    }
    if (n == 0) return cj_fail(err, CJ_ERR_FORMAT, "%s: no units labelled good", path);
    *ids_out = ids;
    *n_out = n;
    return CJ_OK;
}

/* The good units from cluster_group.tsv (phy), or else from
 * cluster_bc_unitType.tsv (bombcell). */
static cj_status read_good_ids(const char *dir, int **ids, int *n, cj_error *err)
{
    static const char *files[2] = {"cluster_group.tsv", "cluster_bc_unitType.tsv"};
    static const char *columns[2] = {"group", "bc_unitType"};
    char path[PATH_CAP];
    for (int k = 0; k < 2; k++) {
        cj_status st = path_join(path, dir, files[k], err);
        if (st) return st;
        if (access(path, F_OK) != 0) continue;
        char *txt;
        if ((st = read_text(path, &txt, err))) return st;
        st = parse_labels(txt, path, columns[k], ids, n, err);
        free(txt);
        return st;
    }
    return cj_fail(err, CJ_ERR_IO, "%s: neither cluster_group.tsv nor cluster_bc_unitType.tsv found", dir);
}

/* ---- waveforms --------------------------------------------------------- */

static cj_status load_waveform(const char *dir, cj_ephys_session *s, cj_ephys_unit *u, cj_error *err)
{
    char file[64], path[PATH_CAP];
    snprintf(file, sizeof file, "RawWaveforms/Unit%d_RawSpikes.npy", u->id);
    cj_status st = path_join(path, dir, file, err);
    if (st) return st;
    if (access(path, F_OK) != 0)
        return cj_fail(err, CJ_ERR_IO, "%s: missing waveform file for unit %d, which is labelled good", path,
                       u->id);
    cj_npy_array a;
    if ((st = cj_npy_read(path, CJ_NPY_F32, &a, err))) return st;
    if (a.ndim != 3 || a.shape[1] != s->n_channels || a.shape[2] != 2 || a.shape[0] < 1) {
        st = cj_fail(err, CJ_ERR_SHAPE,
                     "%s: waveform shape [%lld, %lld, %lld] (%d-D), expected [samples, %d, 2] "
                     "(%d channels in channel_positions.npy)",
                     path, (long long)a.shape[0], (long long)a.shape[1], (long long)a.shape[2], a.ndim,
                     s->n_channels, s->n_channels);
    } else if (s->n_samples && a.shape[0] != s->n_samples) {
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: waveform has %lld samples, earlier units have %d", path,
                     (long long)a.shape[0], s->n_samples);
    }
    if (st) {
        cj_npy_free(&a);
        return st;
    }
    s->n_samples = (int)a.shape[0];
    u->waveform = a.data; /* ownership moves to the session */
    return CJ_OK;
}

cj_status cj_ephys_session_load(const char *dir, cj_ephys_session *s, cj_error *err)
{
    memset(s, 0, sizeof *s);
    s->name = base_name(dir);
    if (!s->name) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    int *ids = NULL, n = 0;
    cj_status st = load_positions(dir, s, err);
    if (!st) st = read_good_ids(dir, &ids, &n, err);
    if (!st && !(s->units = calloc((size_t)n, sizeof *s->units)))
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d units", dir, n);
    for (int i = 0; i < n && !st; i++) {
        s->units[i].id = ids[i];
        s->n_units = i + 1;
        st = load_waveform(dir, s, &s->units[i], err);
    }
    free(ids);
    if (st) cj_ephys_session_free(s);
    return st;
}

void cj_ephys_session_free(cj_ephys_session *s)
{
    if (!s) return;
    for (int i = 0; i < s->n_units; i++) free(s->units[i].waveform);
    free(s->units);
    free(s->channel_pos);
    free(s->name);
    memset(s, 0, sizeof *s);
}
