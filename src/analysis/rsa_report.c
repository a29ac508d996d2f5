/* rsa_report.c — `cajal rsa` (cj_rsa_report in rsa_report.h): layer RDMs,
 * their fit to each brain region with bootstrap intervals and the noise
 * ceiling, table.csv, the RDMs as .npy, and the figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/npy.h"
#include "cajal/rsa_report.h"

void cj_rsa_report_defaults(cj_rsa_report_opts *o)
{
    memset(o, 0, sizeof *o);
    o->distance = CJ_RDM_CORRELATION;
    o->n_measures = 1;
    o->measures[0] = CJ_RSA_TAU_A;
    cj_rsa_boot_defaults(&o->boot);
    o->figures = 1;
}

/* An RDM as a square float32 .npy (what NumPy users load and plot). */
static cj_status write_rdm(const char *dir, const char *name, const double *rdm, int n, cj_error *err)
{
    char *path = cj_path_printf("%s/rdm_%s.npy", dir, name);
    double *full = malloc(sizeof(double) * n * n);
    float *f = malloc(sizeof(float) * n * n);
    cj_status st = path && full && f ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st) {
        cj_rdm_to_square(rdm, n, full);
        for (size_t i = 0; i < (size_t)n * n; i++) f[i] = (float)full[i];
        int64_t shape[2] = {n, n};
        st = cj_npy_write_f32(path, 2, shape, f, err);
    }
    free(path);
    free(full);
    free(f);
    return st;
}

/* The category column of ACTS/categories.csv (stimulus,category,...), or NULL. */
static char **read_categories(const char *dir, int n)
{
    char *path = cj_path_join(dir, "categories.csv"), *text = NULL;
    size_t len = 0;
    FILE *probe = path ? fopen(path, "rb") : NULL;
    char **cat = NULL;
    if (probe) {
        fclose(probe);
        if (cj_text_read(path, 16 << 20, &text, &len, NULL) == CJ_OK && (cat = calloc((size_t)n, sizeof *cat))) {
            char *line = strchr(text, '\n'); /* skip the header */
            int i = 0;
            for (; line && line[1] && i < n; i++) {
                line++;
                char *comma = strchr(line, ','), *end = strchr(line, '\n');
                if (!comma || (end && comma > end)) break;
                size_t w = strcspn(comma + 1, ",\r\n");
                cat[i] = strndup(comma + 1, w);
                line = end;
            }
            if (i != n) {
                for (int k = 0; k < n; k++) free(cat[k]);
                free(cat);
                cat = NULL;
            }
        }
        free(text);
    }
    free(path);
    return cat;
}

typedef struct {
    size_t len;
    int L;
    double *rdms;   /* [L, len] */
    double *boot;   /* [L, samples] */
    double *fit;    /* [L, regions, measures] */
    double *ci;     /* [L, regions, measures, 2] */
} work;

static cj_status model_rdms(const cj_acts *a, const cj_rsa_report_opts *o, work *w, cj_error *err)
{
    for (int l = 0; l < a->n_layers; l++) {
        if (a->features[l] > 1u << 30)
            return cj_fail(err, CJ_ERR_SHAPE, "layer %s: %zu features is too many", a->layers[l], a->features[l]);
        cj_status st = cj_rdm_compute(a->x[l], a->n, (int)a->features[l], o->distance, w->rdms + w->len * l, err);
        if (st) {
            char why[CJ_ERROR_MSG_MAX] = "";
            if (err) memcpy(why, err->msg, sizeof why);
            return cj_fail(err, st, "layer %s: %s", a->layers[l], why);
        }
    }
    return CJ_OK;
}

static cj_status fit_all(const cj_acts *a, const cj_rsa_brain *b, const cj_rsa_report_opts *o, work *w,
                         double *ceiling, cj_error *err)
{
    int R = b->n_regions, M = o->n_measures, L = a->n_layers;
    double *fit = malloc(sizeof(double) * L);
    if (!fit) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_status st = CJ_OK;
    for (int r = 0; !st && r < R; r++) {
        const double *ref = b->n_subjects[r] ? b->subjects[r] : b->rdm[r];
        int S = b->n_subjects[r] ? b->n_subjects[r] : 1;
        for (int k = 0; !st && k < M; k++) {
            cj_rsa_measure m = o->measures[k];
            double *c = ceiling + ((size_t)r * M + k) * 2;
            c[0] = c[1] = NAN;
            if (b->n_subjects[r] >= 2) st = cj_rsa_noise_ceiling(ref, S, w->len, m, CJ_RSA_POOL_MEAN, c, err);
            if (!st) st = cj_rsa_fit(w->rdms, L, ref, S, w->len, m, fit, NULL, err);
            if (!st) st = cj_rsa_bootstrap(w->rdms, L, ref, S, a->n, m, &o->boot, w->boot, err);
            for (int l = 0; !st && l < L; l++) {
                size_t at = ((size_t)l * R + r) * M + k;
                w->fit[at] = fit[l];
                st = cj_percentile_interval(w->boot + (size_t)l * o->boot.samples, o->boot.samples, 0.95,
                                            w->ci + 2 * at, NULL, err);
            }
        }
    }
    free(fit);
    return st;
}

static void csv_num(FILE *f, double v)
{
    if (isnan(v)) fputs(",", f);
    else fprintf(f, ",%.6g", v);
}

cj_status cj_rsa_report(const cj_acts *acts, int n_models, const char *const *model_names,
                        const char *const *dirs, const cj_rsa_brain *b,
                        const cj_rsa_report_opts *o, const char *out_dir, cj_error *err)
{
    if (n_models < 1 || b->n_regions < 1 || o->n_measures < 1 || o->boot.samples < 1)
        return cj_fail(err, CJ_ERR_ARG, "cj_rsa_report: nothing to compare");
    for (int i = 0; i < n_models; i++)
        if (acts[i].n != b->n)
            return cj_fail(err, CJ_ERR_SHAPE, "%s: the layers hold %d stimuli but the brain RDMs are %d x %d",
                           model_names[i], acts[i].n, b->n, b->n);
    cj_status st = cj_make_dirs(out_dir, err);
    if (st) return st;
    int R = b->n_regions, M = o->n_measures;
    char *table = NULL;
    size_t table_len = 0;
    FILE *t = open_memstream(&table, &table_len);
    if (!t) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    fprintf(t, "%slayer,region,measure,value,ci_low,ci_high,ceiling_low,ceiling_high\n", n_models > 1 ? "model," : "");
    double *ceiling = malloc(sizeof(double) * 2 * R * M);
    if (!ceiling) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int i = 0; !st && i < n_models; i++) {
        const cj_acts *a = &acts[i];
        int L = a->n_layers;
        work w = {cj_rdm_len(a->n), L, NULL, NULL, NULL, NULL};
        w.rdms = malloc(sizeof(double) * w.len * L);
        w.boot = malloc(sizeof(double) * (size_t)o->boot.samples * L);
        w.fit = malloc(sizeof(double) * L * R * M);
        w.ci = malloc(sizeof(double) * 2 * L * R * M);
        char *dir = n_models > 1 ? cj_path_join(out_dir, model_names[i]) : strdup(out_dir);
        if (!w.rdms || !w.boot || !w.fit || !w.ci || !dir) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        if (!st && n_models > 1) st = cj_make_dirs(dir, err);
        if (!st) st = model_rdms(a, o, &w, err);
        if (!st) st = fit_all(a, b, o, &w, ceiling, err);
        for (int l = 0; !st && l < L; l++)
            for (int r = 0; r < R; r++)
                for (int k = 0; k < M; k++) {
                    size_t at = ((size_t)l * R + r) * M + k;
                    if (n_models > 1) fprintf(t, "%s,", model_names[i]);
                    fprintf(t, "%s,%s,%s", a->layers[l], b->names[r], cj_rsa_measure_name(o->measures[k]));
                    csv_num(t, w.fit[at]);
                    csv_num(t, w.ci[2 * at]);
                    csv_num(t, w.ci[2 * at + 1]);
                    csv_num(t, ceiling[(r * M + k) * 2]);
                    csv_num(t, ceiling[(r * M + k) * 2 + 1]);
                    fputc('\n', t);
                }
        for (int l = 0; !st && l < L; l++) st = write_rdm(dir, a->layers[l], w.rdms + w.len * l, a->n, err);
        for (int r = 0; !st && r < R; r++) st = write_rdm(dir, b->names[r], b->rdm[r], b->n, err);
        if (!st && o->figures) {
            /* the figures show the first measure */
            double *fit1 = malloc(sizeof(double) * L * R), *ci1 = malloc(sizeof(double) * 2 * L * R),
                   *ceil1 = malloc(sizeof(double) * 2 * R);
            const double **lr = malloc(sizeof *lr * L);
            char **cat = read_categories(dirs[i], a->n);
            if (!fit1 || !ci1 || !ceil1 || !lr) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
            for (int l = 0; !st && l < L; l++) {
                lr[l] = w.rdms + w.len * l;
                for (int r = 0; r < R; r++) {
                    size_t at = ((size_t)l * R + r) * M;
                    fit1[l * R + r] = w.fit[at];
                    ci1[2 * (l * R + r)] = w.ci[2 * at];
                    ci1[2 * (l * R + r) + 1] = w.ci[2 * at + 1];
                }
            }
            for (int r = 0; !st && r < R; r++) {
                ceil1[2 * r] = ceiling[r * M * 2];
                ceil1[2 * r + 1] = ceiling[r * M * 2 + 1];
            }
            cj_rsa_figure_data d = {a->n, L, R, (const char *const *)a->layers, lr, fit1, ci1, ceil1,
                                    cj_rsa_measure_name(o->measures[0]), (const char *const *)cat};
            if (!st) st = cj_rsa_figures(&d, b, dir, err);
            if (cat)
                for (int k = 0; k < a->n; k++) free(cat[k]);
            free(cat);
            free(fit1);
            free(ci1);
            free(ceil1);
            free(lr);
        }
        free(dir);
        free(w.rdms);
        free(w.boot);
        free(w.fit);
        free(w.ci);
    }
    free(ceiling);
    int bad = ferror(t);
    if (fclose(t) || bad) {
        free(table);
        return st ? st : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    if (!st) {
        char *path = cj_path_join(out_dir, "table.csv");
        st = path ? cj_write_file_atomic(path, table, table_len, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        free(path);
    }
    free(table);
    return st;
}
