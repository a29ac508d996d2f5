/* session_labels.c — which clusters of a session to load: the label files
 * of phy, bombcell and Kilosort (layout in include/cajal/ephys.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "session_internal.h"

enum {
    MAX_FIELDS = 64,
    MAX_CLUSTER_ID = 100000000
};

/* A label file is a few bytes per cluster; anything near this is not one. */
static const size_t MAX_LABEL_BYTES = (size_t)64 << 20;

/* The label files in order of preference: a human's curation in phy, then
 * bombcell's classification, then Kilosort's own refractoriness label.
 * Kilosort 4 also writes cluster_group.tsv, a copy of cluster_KSLabel.tsv
 * with the column named KSLabel, hence the second column name. */
typedef struct {
    const char *file;
    const char *column[2];
} label_source;

static const label_source SOURCES[] = {
    {"cluster_group.tsv", {"group", "KSLabel"}},
    {"cluster_bc_unitType.tsv", {"bc_unitType", NULL}},
    {"cluster_KSLabel.tsv", {"KSLabel", NULL}},
};
enum { N_SOURCES = sizeof SOURCES / sizeof SOURCES[0] };

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
    for (int i = 0; name && i < n; i++)
        if (strcmp(fields[i], name) == 0) return i;
    return -1;
}

/* One listed cluster and the line it is on, for the duplicate check. */
typedef struct {
    int id, line;
} listed;

static int by_id_then_line(const void *pa, const void *pb)
{
    const listed *a = pa, *b = pb;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return (a->line > b->line) - (a->line < b->line);
}

/* A cluster listed twice is an error naming both lines: sorting makes the
 * check O(n log n) (a quadratic scan took minutes on 10^5 clusters). */
static cj_status check_duplicates(listed *all, int n, const char *path, cj_error *err)
{
    if (n < 2) return CJ_OK; /* also keeps a NULL array of no rows away from qsort */
    qsort(all, (size_t)n, sizeof *all, by_id_then_line);
    int worst = -1; /* the duplicate seen first when reading the file */
    for (int i = 1; i < n; i++)
        if (all[i].id == all[i - 1].id && (worst < 0 || all[i].line < all[worst].line)) worst = i;
    if (worst < 0) return CJ_OK;
    return cj_fail(err, CJ_ERR_FORMAT, "%s: line %d: cluster %d is listed twice (first on line %d)", path,
                   all[worst].line, all[worst].id, all[worst - 1].line);
}

typedef struct {
    int *ids;    /* clusters to load, file order */
    listed *all; /* every row, for the duplicate check */
    int n_ids, n_all, cap;
} id_list;

static int grow(id_list *l)
{
    if (l->n_all < l->cap) return 1;
    int cap = l->cap ? 2 * l->cap : 256;
    int *ids = realloc(l->ids, sizeof(int) * (size_t)cap);
    if (ids) l->ids = ids;
    listed *all = realloc(l->all, sizeof(listed) * (size_t)cap);
    if (all) l->all = all;
    if (!ids || !all) return 0;
    l->cap = cap;
    return 1;
}

/* One data row: its cluster id, and whether it is to be loaded. */
static cj_status parse_row(char **fields, int nf, int ci, int gi, int all_clusters, int lineno, const char *path,
                           id_list *l, cj_error *err)
{
    if (nf <= ci || nf <= gi)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: line %d has %d fields, expected at least %d", path, lineno, nf,
                       (ci > gi ? ci : gi) + 1);
    char *end;
    errno = 0;
    long id = strtol(fields[ci], &end, 10);
    if (end == fields[ci] || *end || errno || id < 0 || id > MAX_CLUSTER_ID)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: line %d: cluster_id '%.32s' is not a cluster number", path,
                       lineno, fields[ci]);
    if (!grow(l)) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d clusters", path, l->cap);
    l->all[l->n_all++] = (listed){(int)id, lineno};
    /* phy and Kilosort write good, bombcell GOOD */
    if (all_clusters || strcasecmp(fields[gi], "good") == 0) l->ids[l->n_ids++] = (int)id;
    return CJ_OK;
}

/* The clusters to load out of a label file's text (modified). */
static cj_status parse_labels(char *txt, const char *path, const label_source *src, int all_clusters, id_list *l,
                              cj_error *err)
{
    char *fields[MAX_FIELDS], *cursor = txt;
    char *line = next_line(&cursor);
    int nf = line ? split_tabs(line, fields, MAX_FIELDS) : 0;
    int ci = column_of(fields, nf, "cluster_id"), gi = column_of(fields, nf, src->column[0]);
    if (gi < 0) gi = column_of(fields, nf, src->column[1]);
    if (ci < 0 || gi < 0)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: header must name columns 'cluster_id' and '%s'", path,
                       src->column[0]);
    cj_status st = CJ_OK;
    for (int lineno = 2; !st && (line = next_line(&cursor)); lineno++) {
        nf = split_tabs(line, fields, MAX_FIELDS);
        if (nf == 1 && fields[0][0] == '\0') continue;
        st = parse_row(fields, nf, ci, gi, all_clusters, lineno, path, l, err);
    }
    if (!st) st = check_duplicates(l->all, l->n_all, path, err);
    if (!st && l->n_ids == 0)
        st = all_clusters ? cj_fail(err, CJ_ERR_FORMAT, "%s: no clusters listed", path)
                          : cj_fail(err, CJ_ERR_FORMAT, "%s: no units labelled good", path);
    return st;
}

/* Anything by that name counts (a folder is then refused by cj_text_read
 * with a message naming it, not skipped in silence). */
static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static cj_status read_source(const char *path, const label_source *src, int all_clusters, int **ids, int *n,
                             cj_error *err)
{
    char *txt;
    size_t len;
    cj_status st = cj_text_read(path, MAX_LABEL_BYTES, &txt, &len, err);
    if (st) return st;
    id_list l = {0};
    st = parse_labels(txt, path, src, all_clusters, &l, err);
    free(txt);
    free(l.all);
    if (st) {
        free(l.ids);
        return st;
    }
    *ids = l.ids;
    *n = l.n_ids;
    return CJ_OK;
}

cj_status cj_ephys_labels_read(const char *dir, int all_clusters, int **ids, int *n, const char **file,
                               cj_error *err)
{
    *ids = NULL;
    *n = 0;
    for (int k = 0; k < N_SOURCES; k++) {
        char *path = cj_path_join(dir, SOURCES[k].file);
        if (!path) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
        cj_status st = CJ_OK;
        int found = exists(path);
        if (found) st = read_source(path, &SOURCES[k], all_clusters, ids, n, err);
        free(path);
        if (found) {
            if (!st) *file = SOURCES[k].file;
            return st;
        }
    }
    return cj_fail(err, CJ_ERR_IO,
                   "%s: no cluster labels: neither cluster_group.tsv, cluster_bc_unitType.tsv nor "
                   "cluster_KSLabel.tsv found",
                   dir);
}
