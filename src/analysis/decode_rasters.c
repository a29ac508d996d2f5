/* decode_rasters.c — spike rasters for population decoding: a folder of
 * NeuroDecodeR raster-format .mat files (one unit each) read into memory,
 * and spike counts in sliding bins (see include/cajal/decode.h). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/decode.h"
#include "cajal/files.h"
#include "cajal/mat.h"

/* A unit's raster may not be larger than this (trials x ms): 10^9 bytes. */
#define MAX_RASTER_CELLS 1000000000.0

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void cj_rasters_free(cj_rasters *r)
{
    if (!r) return;
    for (int u = 0; r->units && u < r->n_units; u++) {
        free(r->units[u].name);
        free(r->units[u].spikes);
        free(r->units[u].label);
    }
    for (int c = 0; r->label_names && c < r->n_labels; c++) free(r->label_names[c]);
    free(r->units);
    free(r->label_names);
    memset(r, 0, sizeof *r);
}

cj_status cj_rasters_init(cj_rasters *r, int n_units, int n_ms, double t0_ms, int n_labels,
                          const char *const *label_names, cj_error *err)
{
    memset(r, 0, sizeof *r);
    if (n_units < 1 || n_ms < 1 || n_labels < 1)
        return cj_fail(err, CJ_ERR_ARG, "rasters: need units, ms and labels (got %d, %d, %d)", n_units, n_ms,
                       n_labels);
    r->units = calloc((size_t)n_units, sizeof *r->units);
    r->label_names = calloc((size_t)n_labels, sizeof *r->label_names);
    if (!r->units || !r->label_names) {
        cj_rasters_free(r);
        return cj_fail(err, CJ_ERR_NOMEM, "rasters: out of memory");
    }
    r->n_units = n_units;
    r->n_ms = n_ms;
    r->t0_ms = t0_ms;
    r->n_labels = n_labels;
    for (int c = 0; c < n_labels; c++)
        if (!(r->label_names[c] = strdup(label_names[c]))) {
            cj_rasters_free(r);
            return cj_fail(err, CJ_ERR_NOMEM, "rasters: out of memory");
        }
    qsort(r->label_names, (size_t)n_labels, sizeof *r->label_names, cmp_str);
    for (int c = 1; c < n_labels; c++)
        if (!strcmp(r->label_names[c - 1], r->label_names[c])) {
            char q[80];
            cj_status st = cj_fail(err, CJ_ERR_ARG, "rasters: label '%s' given twice",
                                   cj_error_quote(r->label_names[c], q, sizeof q));
            cj_rasters_free(r);
            return st;
        }
    return CJ_OK;
}

cj_status cj_rasters_set_unit(cj_rasters *r, int u, const char *name, int n_trials, const uint8_t *spikes,
                              const int *labels, cj_error *err)
{
    if (u < 0 || u >= r->n_units || n_trials < 0)
        return cj_fail(err, CJ_ERR_ARG, "rasters: unit %d of %d, %d trials", u, r->n_units, n_trials);
    cj_raster_unit *x = &r->units[u];
    free(x->name);
    free(x->spikes);
    free(x->label);
    memset(x, 0, sizeof *x);
    size_t cells = (size_t)n_trials * r->n_ms;
    x->name = strdup(name ? name : "");
    x->spikes = malloc(cells ? cells : 1);
    x->label = malloc(sizeof(int) * (size_t)(n_trials ? n_trials : 1));
    if (!x->name || !x->spikes || !x->label) return cj_fail(err, CJ_ERR_NOMEM, "rasters: out of memory");
    for (int i = 0; i < n_trials; i++)
        if (labels[i] < 0 || labels[i] >= r->n_labels)
            return cj_fail(err, CJ_ERR_ARG, "rasters: unit %s trial %d: label %d outside 0..%d", x->name, i + 1,
                           labels[i], r->n_labels - 1);
    if (cells) memcpy(x->spikes, spikes, cells);
    memcpy(x->label, labels, sizeof(int) * (size_t)n_trials);
    x->n_trials = n_trials;
    return CJ_OK;
}

/* ---- a folder of raster .mat files ------------------------------------------ */

typedef struct {
    char *name;             /* file name without .mat */
    cj_mat_strings labels;  /* one per trial */
    int n_trials;
    uint8_t *spikes;
} loaded;

/* The labels of one file: text, or numbers written with %g. */
static cj_status read_labels(cj_mat_file *f, const char *expr, cj_mat_strings *out, cj_error *err)
{
    cj_mat_info info;
    cj_status st = cj_mat_info_of(f, expr, &info, err);
    if (st) return st;
    if (!strcmp(info.class_name, "char") || !strcmp(info.class_name, "cell"))
        return cj_mat_read_strings(f, expr, out, err);
    cj_mat_array a;
    if ((st = cj_mat_read(f, expr, CJ_MAT_F64, &a, err))) return st;
    memset(out, 0, sizeof *out);
    out->s = calloc(a.numel ? a.numel : 1, sizeof *out->s);
    if (!out->s) {
        cj_mat_array_free(&a);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: %s: out of memory", cj_mat_path(f), expr);
    }
    out->n = (int)a.numel;
    out->ndim = 1;
    out->shape[0] = (int64_t)a.numel;
    for (size_t i = 0; i < a.numel; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.17g", ((double *)a.data)[i]);
        if (!(out->s[i] = strdup(buf))) {
            cj_mat_array_free(&a);
            cj_mat_strings_free(out);
            return cj_fail(err, CJ_ERR_NOMEM, "%s: %s: out of memory", cj_mat_path(f), expr);
        }
    }
    cj_mat_array_free(&a);
    return CJ_OK;
}

/* One unit's file: its spikes, labels and the column of time 0 (MATLAB's
 * 1-based alignment_event_time; 1 when the file has none). */
static cj_status load_file(const char *path, const char *label, loaded *out, int *n_ms, double *align, cj_error *err)
{
    cj_mat_file *f;
    cj_status st = cj_mat_open(path, &f, err);
    if (st) return st;
    cj_mat_array a = {0};
    char *expr = cj_path_printf("raster_labels.%s", label);
    if (!expr) {
        cj_mat_close(f);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    }
    if ((st = cj_mat_read(f, "raster_data", CJ_MAT_F64, &a, err))) goto done;
    if (a.ndim != 2 || a.shape[0] < 1 || a.shape[1] < 1 || (double)a.shape[0] * a.shape[1] > MAX_RASTER_CELLS) {
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: raster_data: expected [trials, ms], got %d dimensions of %lld x %lld",
                     path, a.ndim, (long long)a.shape[0], (long long)(a.ndim > 1 ? a.shape[1] : 0));
        goto done;
    }
    out->n_trials = (int)a.shape[0];
    *n_ms = (int)a.shape[1];
    out->spikes = malloc(a.numel);
    if (!out->spikes) {
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for the raster", path);
        goto done;
    }
    for (size_t i = 0; i < a.numel; i++) {
        double v = ((double *)a.data)[i];
        if (!(v >= 0 && v <= 255 && v == floor(v))) {
            st = cj_fail(err, CJ_ERR_FORMAT,
                         "%s: raster_data(%zu, %zu) = %g: spikes per ms must be whole numbers 0..255", path,
                         i / (size_t)*n_ms + 1, i % (size_t)*n_ms + 1, v);
            goto done;
        }
        out->spikes[i] = (uint8_t)v;
    }
    if ((st = read_labels(f, expr, &out->labels, err))) goto done;
    if (out->labels.n != out->n_trials) {
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: %s has %d labels for %d trials of raster_data", path, expr,
                     out->labels.n, out->n_trials);
        goto done;
    }
    *align = 1;
    cj_mat_info info;
    cj_error ignore;
    if (cj_mat_info_of(f, "raster_site_info.alignment_event_time", &info, &ignore) == CJ_OK) {
        if ((st = cj_mat_read_scalar(f, "raster_site_info.alignment_event_time", align, err))) goto done;
        if (!(*align == floor(*align) && fabs(*align) < 1e9)) {
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: raster_site_info.alignment_event_time = %g: not a whole number",
                         path, *align);
            goto done;
        }
    }
done:
    free(expr);
    cj_mat_array_free(&a);
    cj_mat_close(f);
    return st;
}

static void free_loaded(loaded *l, int n)
{
    for (int i = 0; l && i < n; i++) {
        free(l[i].name);
        free(l[i].spikes);
        cj_mat_strings_free(&l[i].labels);
    }
    free(l);
}

/* The .mat files of dir, sorted. */
static cj_status list_mat_files(const char *dir, char ***names, int *n, cj_error *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return cj_fail(err, CJ_ERR_IO, "%s: cannot open the folder of raster files", dir);
    int cap = 0;
    struct dirent *e;
    cj_status st = CJ_OK;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".mat") != 0) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(*names, sizeof *grown * (size_t)cap);
            if (!grown) {
                st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory listing files", dir);
                break;
            }
            *names = grown;
        }
        if (!((*names)[*n] = strdup(e->d_name))) {
            st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory listing files", dir);
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (!st && *n == 0) st = cj_fail(err, CJ_ERR_IO, "%s: no .mat raster files in the folder", dir);
    if (!st) qsort(*names, (size_t)*n, sizeof **names, cmp_str);
    return st;
}

static int find_label(char *const *names, int n, const char *s)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(names[mid], s);
        if (!c) return mid;
        if (c < 0) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
}

cj_status cj_rasters_load_dir(const char *dir, const char *label, cj_rasters *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    if (!label || !label[0]) return cj_fail(err, CJ_ERR_ARG, "%s: no label to decode was named", dir);
    char **files;
    int n_files;
    cj_status st = list_mat_files(dir, &files, &n_files, err);
    loaded *l = st ? NULL : calloc((size_t)n_files, sizeof *l);
    char **all = NULL;
    if (!st && !l) st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    int n_ms = 0;
    double align = 0;
    size_t n_all = 0;
    for (int i = 0; !st && i < n_files; i++) {
        char *path = cj_path_join(dir, files[i]);
        int ms = 0;
        double a = 1;
        if (!path) {
            st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
            break;
        }
        st = load_file(path, label, &l[i], &ms, &a, err);
        if (!st && i > 0 && (ms != n_ms || a != align))
            st = cj_fail(err, CJ_ERR_FORMAT,
                         "%s: %d ms aligned at column %g, but %s has %d ms aligned at column %g: units must share "
                         "the time axis",
                         path, ms, a, files[0], n_ms, align);
        n_ms = ms;
        align = a;
        free(path);
        if (!st) {
            l[i].name = strndup(files[i], strlen(files[i]) - 4);
            if (!l[i].name) st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
            n_all += (size_t)l[i].n_trials;
        }
    }
    /* The label levels: every distinct label of every unit, sorted. */
    if (!st && !(all = malloc(sizeof *all * (n_all ? n_all : 1)))) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    int n_levels = 0;
    if (!st) {
        size_t k = 0;
        for (int i = 0; i < n_files; i++)
            for (int t = 0; t < l[i].n_trials; t++) all[k++] = l[i].labels.s[t];
        qsort(all, n_all, sizeof *all, cmp_str);
        for (size_t t = 0; t < n_all; t++)
            if (n_levels == 0 || strcmp(all[n_levels - 1], all[t])) all[n_levels++] = all[t];
        if (n_levels < 2) {
            char q[80];
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: raster_labels.%s has one value ('%s') in every file: nothing to decode",
                         dir, label, n_levels ? cj_error_quote(all[0], q, sizeof q) : "");
        }
    }
    if (!st) st = cj_rasters_init(out, n_files, n_ms, 1.0 - align, n_levels, (const char *const *)all, err);
    int *lab = NULL;
    for (int i = 0; !st && i < n_files; i++) {
        int *grown = realloc(lab, sizeof(int) * (size_t)(l[i].n_trials ? l[i].n_trials : 1));
        if (!grown) {
            st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
            break;
        }
        lab = grown;
        for (int t = 0; t < l[i].n_trials; t++) lab[t] = find_label(out->label_names, n_levels, l[i].labels.s[t]);
        st = cj_rasters_set_unit(out, i, l[i].name, l[i].n_trials, l[i].spikes, lab, err);
    }
    free(lab);
    free(all);
    free_loaded(l, n_files);
    for (int i = 0; i < n_files; i++) free(files[i]);
    free(files);
    if (st) cj_rasters_free(out);
    return st;
}

/* ---- binning ---------------------------------------------------------------- */

void cj_binned_free(cj_binned *b)
{
    if (!b) return;
    for (int u = 0; u < b->n_units; u++) {
        if (b->counts) free(b->counts[u]);
        if (b->label) free(b->label[u]);
        if (b->unit_names) free(b->unit_names[u]);
    }
    for (int c = 0; b->label_names && c < b->n_labels; c++) free(b->label_names[c]);
    free(b->counts);
    free(b->label);
    free(b->unit_names);
    free(b->label_names);
    free(b->n_trials);
    free(b->bin_start_ms);
    free(b->bin_end_ms);
    memset(b, 0, sizeof *b);
}

cj_status cj_rasters_bin(const cj_rasters *r, int width_ms, int step_ms, cj_binned *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    if (width_ms < 1 || step_ms < 1)
        return cj_fail(err, CJ_ERR_ARG, "bin width %d ms and step %d ms must be at least 1 ms", width_ms, step_ms);
    if (width_ms > r->n_ms)
        return cj_fail(err, CJ_ERR_ARG, "bin width %d ms is longer than the %d ms of the rasters", width_ms, r->n_ms);
    int n_bins = (r->n_ms - width_ms) / step_ms + 1;
    out->n_units = r->n_units;
    out->n_bins = n_bins;
    out->n_labels = r->n_labels;
    out->width_ms = width_ms;
    out->step_ms = step_ms;
    out->bin_start_ms = malloc(sizeof(double) * (size_t)n_bins);
    out->bin_end_ms = malloc(sizeof(double) * (size_t)n_bins);
    out->n_trials = calloc((size_t)r->n_units, sizeof(int));
    out->counts = calloc((size_t)r->n_units, sizeof *out->counts);
    out->label = calloc((size_t)r->n_units, sizeof *out->label);
    out->unit_names = calloc((size_t)r->n_units, sizeof *out->unit_names);
    out->label_names = calloc((size_t)r->n_labels, sizeof *out->label_names);
    int ok = out->bin_start_ms && out->bin_end_ms && out->n_trials && out->counts && out->label && out->unit_names &&
             out->label_names;
    long *pre = malloc(sizeof(long) * ((size_t)r->n_ms + 1));
    ok = ok && pre;
    for (int c = 0; ok && c < r->n_labels; c++) ok = (out->label_names[c] = strdup(r->label_names[c])) != NULL;
    for (int t = 0; ok && t < n_bins; t++) {
        out->bin_start_ms[t] = r->t0_ms + (double)t * step_ms;
        out->bin_end_ms[t] = out->bin_start_ms[t] + width_ms;
    }
    for (int u = 0; ok && u < r->n_units; u++) {
        const cj_raster_unit *x = &r->units[u];
        int n = x->n_trials;
        out->n_trials[u] = n;
        out->counts[u] = malloc(sizeof(double) * ((size_t)n * n_bins + 1));
        out->label[u] = malloc(sizeof(int) * (size_t)(n ? n : 1));
        out->unit_names[u] = strdup(x->name ? x->name : "");
        ok = out->counts[u] && out->label[u] && out->unit_names[u];
        if (!ok) break;
        if (n) memcpy(out->label[u], x->label, sizeof(int) * (size_t)n);
        for (int i = 0; i < n; i++) {
            /* Prefix sums: a bin is the difference of two. */
            const uint8_t *row = x->spikes + (size_t)i * r->n_ms;
            double *dst = out->counts[u] + (size_t)i * n_bins;
            pre[0] = 0;
            for (int m = 0; m < r->n_ms; m++) pre[m + 1] = pre[m] + row[m];
            for (int t = 0; t < n_bins; t++) dst[t] = (double)(pre[t * step_ms + width_ms] - pre[t * step_ms]);
        }
    }
    free(pre);
    if (!ok) {
        cj_binned_free(out);
        return cj_fail(err, CJ_ERR_NOMEM, "binning: out of memory");
    }
    return CJ_OK;
}
