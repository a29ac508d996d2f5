/* activations.c — read an activations folder (activations.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/activations.h"
#include "cajal/files.h"
#include "cajal/npy.h"

enum { MAX_LAYERS = 4096, MAX_TEXT = 64 << 20 };

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

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static cj_status add_name(char ***names, int *n, const char *s, size_t len, const char *dir, cj_error *err)
{
    if (*n >= MAX_LAYERS) return cj_fail(err, CJ_ERR_FORMAT, "%s: more than %d layers", dir, MAX_LAYERS);
    char **grown = realloc(*names, sizeof **names * (*n + 1));
    if (!grown) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    *names = grown;
    if (!(grown[*n] = strndup(s, len))) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    ++*n;
    return CJ_OK;
}

/* The layer files: layers.txt's first words, else the sorted *.npy. */
static cj_status list_layers(const char *dir, char ***names, int *n, cj_error *err)
{
    *names = NULL;
    *n = 0;
    char *path = cj_path_join(dir, "layers.txt"), *text = NULL;
    size_t len = 0;
    cj_status st = CJ_OK;
    FILE *probe = path ? fopen(path, "rb") : NULL;
    if (probe) {
        fclose(probe);
        st = cj_text_read(path, MAX_TEXT, &text, &len, err);
        if (!st) st = cj_text_check_nul(text, len, path, err);
        for (char *line = text; !st && line && *line;) {
            char *end = strchr(line, '\n');
            size_t w = strcspn(line, " \t\r\n");
            if (w > 0) st = add_name(names, n, line, w, dir, err);
            line = end ? end + 1 : NULL;
        }
        free(text);
    } else {
        DIR *d = opendir(dir);
        if (!d) st = cj_fail(err, CJ_ERR_IO, "%s: cannot open this activations folder", dir);
        for (struct dirent *e; !st && (e = readdir(d));) {
            size_t l = strlen(e->d_name);
            if (e->d_name[0] != '.' && l > 4 && !strcmp(e->d_name + l - 4, ".npy") && strncmp(e->d_name, "rdm_", 4))
                st = add_name(names, n, e->d_name, l, dir, err);
        }
        if (d) closedir(d);
        if (!st && *n) qsort(*names, (size_t)*n, sizeof **names, by_name);
    }
    free(path);
    if (!st && *n == 0) st = cj_fail(err, CJ_ERR_FORMAT, "%s: no layers (no layers.txt and no .npy files)", dir);
    return st;
}

static cj_status read_stimuli(const char *dir, cj_acts *a, cj_error *err)
{
    char *path = cj_path_join(dir, "stimuli.txt"), *text = NULL;
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        free(path);
        return CJ_OK; /* optional */
    }
    fclose(probe);
    size_t len = 0;
    cj_status st = cj_text_read(path, MAX_TEXT, &text, &len, err);
    if (!st) st = cj_text_check_nul(text, len, path, err);
    int lines = 0;
    for (size_t i = 0; !st && i < len; i++) lines += text[i] == '\n';
    if (!st && len && text[len - 1] != '\n') lines++;
    if (!st && lines != a->n)
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: %d lines but the layers hold %d stimuli", path, lines, a->n);
    if (!st && !(a->stimuli = calloc((size_t)a->n, sizeof *a->stimuli)))
        st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    char *line = text;
    for (int i = 0; !st && i < a->n; i++) {
        size_t w = strcspn(line, "\r\n");
        if (!(a->stimuli[i] = strndup(line, w))) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        line += w;
        while (*line == '\r') line++;
        if (*line == '\n') line++;
    }
    free(text);
    free(path);
    return st;
}

cj_status cj_acts_read(const char *dir, cj_acts *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    char **files;
    int n;
    cj_status st = list_layers(dir, &files, &n, err);
    if (st) {
        for (int i = 0; i < n; i++) free(files[i]);
        free(files);
        return st;
    }
    out->layers = calloc((size_t)n, sizeof *out->layers);
    out->x = calloc((size_t)n, sizeof *out->x);
    out->features = calloc((size_t)n, sizeof *out->features);
    if (!out->layers || !out->x || !out->features) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    else out->n_layers = n;
    for (int l = 0; !st && l < n; l++) {
        size_t len = strlen(files[l]);
        if (len > 4 && !strcmp(files[l] + len - 4, ".npy")) len -= 4;
        out->layers[l] = strndup(files[l], len);
        char *path = cj_path_join(dir, files[l]);
        cj_npy_array arr;
        if (!out->layers[l] || !path) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        else if (strchr(files[l], '/')) st = cj_fail(err, CJ_ERR_FORMAT, "%s: layer '%s' is not a file name in it", dir, files[l]);
        else st = cj_npy_read(path, CJ_NPY_F32, &arr, err);
        if (!st) {
            if (arr.ndim < 2 || arr.shape[0] < 1 || arr.shape[0] > 1000000 || arr.numel / arr.shape[0] < 1) {
                st = cj_fail(err, CJ_ERR_SHAPE, "%s: a layer must be [stimuli, ...] with at least one feature "
                             "(ndim %d)", path, arr.ndim);
            } else if (l > 0 && arr.shape[0] != out->n) {
                st = cj_fail(err, CJ_ERR_SHAPE, "%s: %lld stimuli but %s has %d", path, (long long)arr.shape[0],
                             files[0], out->n);
            } else {
                out->n = (int)arr.shape[0];
                out->features[l] = arr.numel / (size_t)arr.shape[0];
                out->x[l] = arr.data; /* taken over */
                arr.data = NULL;
            }
            cj_npy_free(&arr);
        }
        free(path);
    }
    for (int i = 0; i < n; i++) free(files[i]);
    free(files);
    if (!st) st = read_stimuli(dir, out, err);
    if (st) cj_acts_free(out);
    return st;
}
