/* acts.c — reading activations folders (include/cajal/acts.h): the layer
 * files, their order (layers.txt, or file names in natural order), their
 * shapes from the .npy headers, and stimuli.txt. */
#include "cajal/acts.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/npy.h"

/* Text inputs are never this large; a bigger file is not an index. */
enum { MAX_INDEX_BYTES = 16 << 20, MAX_STIMULI_BYTES = 256 << 20, MAX_LAYERS = 1 << 20 };

int cj_acts_name_cmp(const char *a, const char *b)
{
    const char *p = a, *q = b;
    while (*p && *q) {
        if (isdigit((unsigned char)*p) && isdigit((unsigned char)*q)) {
            while (*p == '0' && isdigit((unsigned char)p[1])) p++;
            while (*q == '0' && isdigit((unsigned char)q[1])) q++;
            size_t lp = 0, lq = 0;
            while (isdigit((unsigned char)p[lp])) lp++;
            while (isdigit((unsigned char)q[lq])) lq++;
            if (lp != lq) return lp < lq ? -1 : 1; /* more digits, larger number */
            int c = memcmp(p, q, lp);
            if (c) return c;
            p += lp;
            q += lq;
            continue;
        }
        if (*p != *q) return (unsigned char)*p < (unsigned char)*q ? -1 : 1;
        p++;
        q++;
    }
    if (*p || *q) return *p ? 1 : -1;
    return strcmp(a, b); /* "01" and "1": equal as numbers, still ordered */
}

void cj_acts_free_names(char **names, size_t n)
{
    if (!names) return;
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

void cj_acts_close(cj_acts_folder *f)
{
    if (!f) return;
    free(f->dir);
    cj_acts_free_names(f->names, (size_t)f->n_layers);
    cj_acts_free_names(f->paths, (size_t)f->n_layers);
    free(f->features);
    cj_acts_free_names(f->stimuli, f->stimuli ? f->n_stimuli : 0);
    memset(f, 0, sizeof *f);
}

/* A growing array of strings. */
typedef struct {
    char **v;
    size_t n, cap;
} strings;

static int push(strings *s, const char *text, size_t len)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        char **v = realloc(s->v, cap * sizeof *v);
        if (!v) return 0;
        s->v = v;
        s->cap = cap;
    }
    char *c = malloc(len + 1);
    if (!c) return 0;
    memcpy(c, text, len);
    c[len] = '\0';
    s->v[s->n++] = c;
    return 1;
}

/* Why `name` cannot be a layer name, or NULL. */
static const char *bad_name(const char *name)
{
    if (!name[0]) return "is empty";
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        if (*c == ',' || *c == '"')
            return "holds a comma or a quote (layer names go into CSV columns and --layers lists)";
        if (*c < 0x20 || *c == 0x7f) return "holds a control character";
    }
    return NULL;
}

static int ends_with_npy(const char *s, size_t len) { return len > 4 && !memcmp(s + len - 4, ".npy", 4); }

cj_status cj_acts_parse_index(const char *text, size_t len, const char *what, char ***names, int *n,
                              cj_error *err)
{
    *names = NULL;
    *n = 0;
    cj_status st = cj_text_check_nul(text, len, what, err);
    if (st) return st;
    strings s = {0};
    int line = 0;
    char quoted[80];
    for (size_t i = 0; i < len && !st;) {
        size_t end = i;
        while (end < len && text[end] != '\n') end++;
        line++;
        size_t a = i, b;
        while (a < end && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r')) a++;
        for (b = a; b < end && text[b] != ' ' && text[b] != '\t' && text[b] != '\r';) b++;
        i = end + 1;
        if (a == b) continue; /* a blank line */
        /* the file name, ".npy" optional */
        size_t w = b - a;
        char *file = malloc(w + 5);
        if (!file) {
            st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", what);
            break;
        }
        memcpy(file, text + a, w);
        file[w] = '\0';
        if (!ends_with_npy(file, w)) memcpy(file + w, ".npy", 5);
        size_t fl = strlen(file);
        file[fl - 4] = '\0'; /* the layer's name */
        const char *why = strchr(file, '/') ? "is not a plain file name (no folders)" : bad_name(file);
        if (why) {
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: line %d: layer '%s' %s", what, line,
                         cj_error_quote(file, quoted, sizeof quoted), why);
        } else {
            for (size_t k = 0; k < s.n && !st; k++)
                if (!strcmp(s.v[k], file))
                    st = cj_fail(err, CJ_ERR_FORMAT, "%s: line %d: layer '%s' is listed twice", what, line,
                                 cj_error_quote(file, quoted, sizeof quoted));
            if (!st && s.n >= MAX_LAYERS)
                st = cj_fail(err, CJ_ERR_FORMAT, "%s: more than %d layers", what, MAX_LAYERS);
            if (!st && !push(&s, file, strlen(file))) st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", what);
        }
        free(file);
    }
    if (!st && s.n == 0) st = cj_fail(err, CJ_ERR_FORMAT, "%s: lists no layer", what);
    if (st) {
        cj_acts_free_names(s.v, s.n);
        return st;
    }
    *names = s.v;
    *n = (int)s.n;
    return CJ_OK;
}

cj_status cj_acts_parse_stimuli(const char *text, size_t len, const char *what, char ***lines, size_t *n,
                                cj_error *err)
{
    *lines = NULL;
    *n = 0;
    cj_status st = cj_text_check_nul(text, len, what, err);
    if (st) return st;
    strings s = {0};
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && text[end] != '\n') end++;
        size_t e = end;
        if (e > i && text[e - 1] == '\r') e--; /* written on Windows */
        if (!push(&s, text + i, e - i)) {
            cj_acts_free_names(s.v, s.n);
            return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory at line %zu", what, s.n + 1);
        }
        i = end + 1;
    }
    *lines = s.v;
    *n = s.n;
    return CJ_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return cj_acts_name_cmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.npy regular file in dir (not hidden), as layer names, sorted. */
static cj_status scan_folder(const char *dir, strings *s, cj_error *err)
{
    DIR *d = opendir(dir);
    if (!d) return cj_fail(err, CJ_ERR_IO, "%s: cannot open the folder: %s", dir, strerror(errno));
    cj_status st = CJ_OK;
    struct dirent *e;
    char quoted[80];
    while (!st && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        /* hidden files, and the RDMs cajal rsa writes, are not layers */
        if (e->d_name[0] == '.' || !ends_with_npy(e->d_name, len) || !strncmp(e->d_name, "rdm_", 4)) continue;
        char *path = cj_path_join(dir, e->d_name);
        struct stat sb;
        int regular = path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
        free(path);
        if (!regular) continue;
        char name[NAME_MAX + 1];
        memcpy(name, e->d_name, len - 4);
        name[len - 4] = '\0';
        const char *why = bad_name(name);
        if (why)
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: layer file '%s' %s", dir,
                         cj_error_quote(e->d_name, quoted, sizeof quoted), why);
        else if (s->n >= MAX_LAYERS)
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: more than %d layer files", dir, MAX_LAYERS);
        else if (!push(s, name, len - 4))
            st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    }
    closedir(d);
    if (!st && s->n == 0)
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: no .npy file (an activations folder holds one LAYER.npy per layer)", dir);
    if (!st) qsort(s->v, s->n, sizeof *s->v, cmp_names);
    return st;
}

static void shape_text(const cj_npy_array *a, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int d = 0; d < a->ndim && len + 24 < cap; d++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%lld", d ? "x" : "", (long long)a->shape[d]);
    if (a->ndim == 0) snprintf(buf, cap, "a scalar");
}

/* n_stimuli and features of the header of a layer file. */
static cj_status layer_shape(const char *path, const cj_npy_array *h, size_t *stimuli, int *features, cj_error *err)
{
    char shape[96];
    shape_text(h, shape, sizeof shape);
    if (h->ndim < 1)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: shape %s, expected [stimuli, ...]", path, shape);
    if (h->shape[0] < 1) return cj_fail(err, CJ_ERR_SHAPE, "%s: shape %s holds no stimulus", path, shape);
    size_t per = h->numel / (size_t)h->shape[0];
    if (per < 1) return cj_fail(err, CJ_ERR_SHAPE, "%s: shape %s has no features", path, shape);
    if (per > INT_MAX)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: shape %s has %zu features per stimulus, at most %d are supported", path,
                       shape, per, INT_MAX);
    *stimuli = (size_t)h->shape[0];
    *features = (int)per;
    return CJ_OK;
}

static cj_status read_stimuli(cj_acts_folder *f, cj_error *err)
{
    char *path = cj_path_join(f->dir, "stimuli.txt");
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    struct stat sb;
    cj_status st = CJ_OK;
    if (stat(path, &sb) == 0) {
        char *text = NULL;
        size_t len = 0, n = 0;
        st = cj_text_read(path, MAX_STIMULI_BYTES, &text, &len, err);
        if (!st) st = cj_acts_parse_stimuli(text, len, path, &f->stimuli, &n, err);
        free(text);
        if (!st && n != f->n_stimuli) {
            st = cj_fail(err, CJ_ERR_SHAPE, "%s: %zu lines, but the layers have %zu stimuli (%s)", path, n,
                         f->n_stimuli, f->paths[0]);
            cj_acts_free_names(f->stimuli, n);
            f->stimuli = NULL;
        }
    }
    free(path);
    return st;
}

/* names -> paths, features and the common number of stimuli */
static cj_status read_headers(cj_acts_folder *f, cj_error *err)
{
    int n = f->n_layers;
    f->paths = calloc((size_t)n, sizeof *f->paths);
    f->features = calloc((size_t)n, sizeof *f->features);
    if (!f->paths || !f->features) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d layers", f->dir, n);
    for (int l = 0; l < n; l++) {
        f->paths[l] = cj_path_printf("%s%s%s.npy", f->dir, f->dir[0] ? "/" : "", f->names[l]);
        if (!f->paths[l]) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        cj_npy_array h;
        cj_status st = cj_npy_read_header(f->paths[l], &h, err);
        size_t stimuli = 0;
        if (!st) st = layer_shape(f->paths[l], &h, &stimuli, &f->features[l], err);
        if (st) return st;
        if (l == 0) f->n_stimuli = stimuli;
        else if (stimuli != f->n_stimuli)
            return cj_fail(err, CJ_ERR_SHAPE,
                           "%s: %zu stimuli, but %s has %zu (every layer needs one row per stimulus)", f->paths[l],
                           stimuli, f->paths[0], f->n_stimuli);
    }
    return CJ_OK;
}

cj_status cj_acts_open(const char *dir, cj_acts_folder *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return cj_fail(err, CJ_ERR_IO, "%s: cannot open the activations folder: %s", dir, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return cj_fail(err, CJ_ERR_IO, "%s: is a file, not an activations folder (one LAYER.npy per layer)", dir);
    if (!(out->dir = strdup(dir))) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    char *index = cj_path_join(dir, "layers.txt");
    cj_status st = index ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st && stat(index, &sb) == 0) {
        char *text = NULL;
        size_t len = 0;
        st = cj_text_read(index, MAX_INDEX_BYTES, &text, &len, err);
        if (!st) st = cj_acts_parse_index(text, len, index, &out->names, &out->n_layers, err);
        free(text);
        out->from_index = 1;
    } else if (!st) {
        strings s = {0};
        st = scan_folder(dir, &s, err);
        if (st) cj_acts_free_names(s.v, s.n);
        else {
            out->names = s.v;
            out->n_layers = (int)s.n;
        }
    }
    free(index);
    if (!st) st = read_headers(out, err);
    if (!st) st = read_stimuli(out, err);
    if (st) cj_acts_close(out);
    return st;
}

cj_status cj_acts_load(const cj_acts_folder *f, int layer, float **x, int *features, cj_error *err)
{
    *x = NULL;
    if (layer < 0 || layer >= f->n_layers)
        return cj_fail(err, CJ_ERR_ARG, "%s: layer %d of %d", f->dir, layer, f->n_layers);
    const char *path = f->paths[layer];
    cj_npy_array a;
    cj_status st = cj_npy_read(path, CJ_NPY_F32, &a, err);
    if (st) return st;
    size_t stimuli = 0;
    int p = 0;
    st = layer_shape(path, &a, &stimuli, &p, err);
    if (!st && (stimuli != f->n_stimuli || p != f->features[layer]))
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: changed while being read (%zu x %d, was %zu x %d)", path, stimuli, p,
                     f->n_stimuli, f->features[layer]);
    const float *v = a.data;
    for (size_t i = 0; !st && i < a.numel; i++)
        if (!isfinite(v[i]))
            st = cj_fail(err, CJ_ERR_NUMERIC, "%s: %s at stimulus %zu, feature %zu (of %d): every value must be "
                         "finite", path, isnan(v[i]) ? "NaN" : "an infinite value", i / (size_t)p, i % (size_t)p, p);
    if (st) {
        cj_npy_free(&a);
        return st;
    }
    *x = a.data; /* taken over */
    *features = p;
    return CJ_OK;
}

int cj_acts_find(const cj_acts_folder *f, const char *name)
{
    for (int l = 0; l < f->n_layers; l++)
        if (!strcmp(f->names[l], name)) return l;
    return -1;
}

/* "a, b, c" of the folder's layer names, cut short to fit. */
static void list_layers(const cj_acts_folder *f, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int l = 0; l < f->n_layers; l++) {
        int w = snprintf(buf + len, cap - len, "%s%s", l ? ", " : "", f->names[l]);
        if (w < 0 || (size_t)w >= cap - len) {
            if (cap > 4) strcpy(buf + cap - 4, "...");
            return;
        }
        len += (size_t)w;
    }
}

cj_status cj_acts_select(cj_acts_folder *f, const char *list, cj_error *err)
{
    int cap = 1;
    for (const char *c = list; *c; c++) cap += *c == ',';
    int *pick = malloc(sizeof(int) * (size_t)cap);
    if (!pick) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    int n = 0;
    cj_status st = CJ_OK;
    char known[256], quoted[80];
    for (const char *c = list; !st;) {
        const char *e = strchr(c, ',');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        while (len && isspace((unsigned char)*c)) c++, len--;
        while (len && isspace((unsigned char)c[len - 1])) len--;
        char *name = strndup(c, len);
        if (!name) {
            st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
            break;
        }
        int l = cj_acts_find(f, name);
        if (!len) {
            st = cj_fail(err, CJ_ERR_ARG, "'%s': an empty name", cj_error_quote(list, quoted, sizeof quoted));
        } else if (l < 0) {
            list_layers(f, known, sizeof known);
            st = cj_fail(err, CJ_ERR_ARG, "%s has no layer '%s' (its layers: %s)", f->dir,
                         cj_error_quote(name, quoted, sizeof quoted), known);
        } else {
            for (int k = 0; k < n && !st; k++)
                if (pick[k] == l)
                    st = cj_fail(err, CJ_ERR_ARG, "'%s' is listed twice",
                                 cj_error_quote(name, quoted, sizeof quoted));
            if (!st) pick[n++] = l;
        }
        free(name);
        if (!e) break;
        c = e + 1;
    }
    if (st) {
        free(pick);
        return st;
    }
    /* Reorder in place: the picked layers first, in list order; free the rest. */
    char **names = malloc(sizeof(char *) * (size_t)n), **paths = malloc(sizeof(char *) * (size_t)n);
    int *features = malloc(sizeof(int) * (size_t)n);
    if (!names || !paths || !features) {
        free(names);
        free(paths);
        free(features);
        free(pick);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < n; k++) {
        names[k] = f->names[pick[k]];
        paths[k] = f->paths[pick[k]];
        features[k] = f->features[pick[k]];
        f->names[pick[k]] = f->paths[pick[k]] = NULL;
    }
    for (int l = 0; l < f->n_layers; l++) {
        free(f->names[l]);
        free(f->paths[l]);
    }
    free(f->names);
    free(f->paths);
    free(f->features);
    f->names = names;
    f->paths = paths;
    f->features = features;
    f->n_layers = n;
    free(pick);
    return CJ_OK;
}

cj_status cj_acts_same_stimuli(const cj_acts_folder *a, const cj_acts_folder *b, cj_error *err)
{
    if (a->n_stimuli != b->n_stimuli)
        return cj_fail(err, CJ_ERR_SHAPE, "%s has %zu stimuli but %s has %zu: both must hold responses to the same "
                       "stimuli", a->dir, a->n_stimuli, b->dir, b->n_stimuli);
    if (!a->stimuli || !b->stimuli) return CJ_OK;
    char qa[80], qb[80];
    for (size_t i = 0; i < a->n_stimuli; i++)
        if (strcmp(a->stimuli[i], b->stimuli[i]))
            return cj_fail(err, CJ_ERR_SHAPE, "%s/stimuli.txt line %zu is '%s' but %s/stimuli.txt line %zu is '%s': "
                           "both folders must list the same stimuli in the same order", a->dir, i + 1,
                           cj_error_quote(a->stimuli[i], qa, sizeof qa), b->dir, i + 1,
                           cj_error_quote(b->stimuli[i], qb, sizeof qb));
    return CJ_OK;
}

/* ---- a whole folder in memory ------------------------------------------ */

/* rsa's RDMs are n x n: more stimuli than this are not a recording it can
 * use, and the count must fit its int. */
enum { MAX_READ_STIMULI = 1000000 };

void cj_acts_free(cj_acts *a)
{
    if (!a) return;
    for (int l = 0; l < a->n_layers; l++) {
        if (a->layers) free(a->layers[l]);
        if (a->x) free(a->x[l]);
    }
    if (a->stimuli)
        for (int i = 0; i < a->n; i++) free(a->stimuli[i]);
    free(a->layers);
    free(a->x);
    free(a->features);
    free(a->stimuli);
    memset(a, 0, sizeof *a);
}

cj_status cj_acts_read(const char *dir, cj_acts *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    cj_acts_folder f;
    cj_status st = cj_acts_open(dir, &f, err);
    if (st) return st;
    if (f.n_stimuli > MAX_READ_STIMULI) {
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: %zu stimuli, at most %d can be read at once", dir, f.n_stimuli,
                     MAX_READ_STIMULI);
        cj_acts_close(&f);
        return st;
    }
    int n = f.n_layers;
    out->n = (int)f.n_stimuli;
    out->layers = calloc((size_t)n, sizeof *out->layers);
    out->x = calloc((size_t)n, sizeof *out->x);
    out->features = calloc((size_t)n, sizeof *out->features);
    if (!out->layers || !out->x || !out->features) st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    else out->n_layers = n;
    for (int l = 0; !st && l < n; l++) {
        int p = 0;
        st = cj_acts_load(&f, l, &out->x[l], &p, err);
        out->features[l] = (size_t)p;
        out->layers[l] = f.names[l]; /* taken over */
        f.names[l] = NULL;
    }
    if (!st) {
        out->stimuli = f.stimuli; /* taken over (or NULL) */
        f.stimuli = NULL;
    }
    cj_acts_close(&f);
    if (st) cj_acts_free(out);
    return st;
}
