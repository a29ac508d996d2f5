/* sparsecode_files.c — what `cajal sparsecode` writes (docs/outputs.md):
 * the dictionary, its linear unmixing map, per-epoch metrics, sparsity
 * statistics of the final codes, and figures. Every file atomic. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/gabor.h"
#include "cajal/io.h"
#include "cajal/npy.h"
#include "cajal/plot.h"
#include "cajal/sparsecode.h"

enum { BINS = 81, SAMPLE_MAX = 20000 };

static cj_status write_text(const char *dir, const char *name, const char *text, cj_error *err)
{
    char *p = cj_path_join(dir, name);
    if (!p) return cj_fail(err, CJ_ERR_NOMEM, "%s/%s: no memory for the path", dir, name);
    cj_status st = cj_write_file_atomic(p, text, strlen(text), err);
    free(p);
    return st;
}

static cj_status write_npy(const char *dir, const char *name, int64_t r, int64_t c, const float *v, cj_error *err)
{
    char *p = cj_path_join(dir, name);
    if (!p) return cj_fail(err, CJ_ERR_NOMEM, "%s/%s: no memory for the path", dir, name);
    int64_t shape[2] = {r, c};
    cj_status st = cj_npy_write_f32(p, 2, shape, v, err);
    free(p);
    return st;
}

/* Grows a text buffer; returns 0 when out of memory. */
typedef struct {
    char *s;
    size_t len, cap;
} text;

static int __attribute__((format(printf, 2, 3))) add(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = t->cap - t->len;
        int m = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? room : 0, fmt, ap);
        va_end(ap);
        if (m < 0) return 0;
        if ((size_t)m < room && t->s) {
            t->len += (size_t)m;
            return 1;
        }
        size_t cap = t->cap * 2 + (size_t)m + 256;
        char *s = realloc(t->s, cap);
        if (!s) return 0;
        t->s = s, t->cap = cap;
    }
}

/* Histogram of the coefficients (all of them, zeros in the middle bin)
 * over +-6 RMS, and the counts a Gaussian of the same variance would give. */
static cj_status histogram(const char *dir, const float *a, size_t N, double rms, cj_error *err, double *lo,
                           double *cnt, double *gauss)
{
    double w = 12 * rms / BINS;
    for (int b = 0; b < BINS; b++) cnt[b] = 0, lo[b] = -6 * rms + b * w;
    for (size_t i = 0; i < N; i++) {
        int b = (int)floor((a[i] + 6 * rms) / w);
        if (b >= 0 && b < BINS) cnt[b]++;
    }
    text t = {0};
    int ok = add(&t, "bin_lo,bin_hi,count,gaussian\n");
    for (int b = 0; b < BINS; b++) {
        double z0 = lo[b] / rms, z1 = (lo[b] + w) / rms;
        gauss[b] = N * 0.5 * (erf(z1 / sqrt(2)) - erf(z0 / sqrt(2)));
        ok = ok && add(&t, "%.6g,%.6g,%.0f,%.3f\n", lo[b], lo[b] + w, cnt[b], gauss[b]);
    }
    cj_status st = ok ? write_text(dir, "coefficients.csv", t.s, err)
                      : cj_fail(err, CJ_ERR_NOMEM, "%s/coefficients.csv: no memory", dir);
    free(t.s);
    return st;
}

static cj_status sparsity_figure(const char *dir, const double *lo, const double *cnt, const double *gauss,
                                 double rms, const cj_sc_sparsity *s, int k, cj_error *err)
{
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, 1, 2, 1100, 450, err);
    if (st) return st;
    double x[BINS], yc[BINS], yg[BINS];
    for (int b = 0; b < BINS; b++) {
        x[b] = (lo[b] + 6 * rms / BINS) / rms;
        yc[b] = cnt[b] > 0 ? cnt[b] : NAN;
        yg[b] = gauss[b] >= 1 ? gauss[b] : NAN;
    }
    char title[128];
    snprintf(title, sizeof title, "sparse codes: %.1f%% non-zero, excess kurtosis %.1f", 100 * s->nonzero, s->kurtosis);
    cj_figure_set_title(fig, title);
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    cj_panel_set_title(p, "coefficient histogram");
    cj_panel_set_labels(p, "coefficient / RMS", "count");
    cj_panel_set_yscale(p, CJ_SCALE_LOG);
    cj_line_style g = cj_line_style_default(7);
    g.dash = CJ_DASH_DASHED;
    if (!(st = cj_panel_add_line(p, x, yc, BINS, cj_line_style_default(0), "codes", err)))
        st = cj_panel_add_line(p, x, yg, BINS, g, "Gaussian, same variance", err);
    double *rank = malloc(sizeof(double) * 2 * (size_t)k);
    if (!st && !rank) st = cj_fail(err, CJ_ERR_NOMEM, "%s/sparsity.png: no memory", dir);
    if (!st) {
        double *use = rank + k;
        for (int j = 0; j < k; j++) rank[j] = j + 1, use[j] = 100 * s->atom_use[j];
        /* sorted descending: each atom's share of samples, most used first */
        for (int i = 1; i < k; i++)
            for (int j = i; j > 0 && use[j] > use[j - 1]; j--) {
                double t = use[j];
                use[j] = use[j - 1], use[j - 1] = t;
            }
        cj_panel *q = cj_figure_panel(fig, 0, 1);
        cj_panel_set_title(q, "how often each atom is used");
        cj_panel_set_labels(q, "atom (most used first)", "% of samples with a != 0");
        cj_panel_set_legend(q, CJ_LEGEND_NONE);
        st = cj_panel_add_line(q, rank, use, k, cj_line_style_default(1), NULL, err);
    }
    if (!st) {
        char *path = cj_path_join(dir, "sparsity.png");
        st = path ? cj_figure_write(fig, path, err) : cj_fail(err, CJ_ERR_NOMEM, "%s: no memory", dir);
        free(path);
    }
    free(rank);
    cj_figure_free(fig);
    return st;
}

static cj_status grid(const char *dir, const char *name, const float *atoms, int k, int d, const char *title,
                      cj_error *err)
{
    int size = (int)lround(sqrt((double)d));
    if (size * size != d) return CJ_OK; /* not square patches: no picture */
    char *p = cj_path_join(dir, name);
    if (!p) return cj_fail(err, CJ_ERR_NOMEM, "%s/%s: no memory", dir, name);
    cj_status st = cj_sc_write_grid(p, atoms, k, size, title, err);
    free(p);
    return st;
}

cj_status cj_sc_write(const char *dir, const cj_sc_opts *o, const cj_sc_model *m, const float *x, long n,
                      const float *dewhiten, int size, cj_error *err)
{
    int k = m->k, d = m->d;
    cj_status st = cj_make_dirs(dir, err);
    if (st) return st;
    long ns = n < SAMPLE_MAX ? n : SAMPLE_MAX;
    float *unmix = malloc(sizeof(float) * (size_t)k * d);
    float *codes = malloc(sizeof(float) * (size_t)ns * k);
    double *hist = malloc(sizeof(double) * 3 * BINS);
    cj_sc_work w = {0};
    cj_sc_sparsity sp = {0};
    text t = {0};
    float *img = NULL;
    if (!unmix || !codes || !hist) {
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for the outputs", dir);
        goto done;
    }
    if ((st = write_npy(dir, "basis.npy", k, d, m->dict, err)) || (st = cj_sc_unmixing(m->dict, k, d, unmix, err)) ||
        (st = write_npy(dir, "unmixing.npy", k, d, unmix, err)))
        goto done;
    /* metrics.jsonl: one object per epoch */
    int ok = 1;
    for (int e = 0; e < m->n_epochs; e++) {
        const cj_sc_epoch *h = &m->history[e];
        ok = ok && add(&t, "{\"epoch\":%d,\"objective\":%.8g,\"mse\":%.8g,\"snr_db\":%.6g,\"nonzero\":%.6g,\"iters\":%.4g,\"seconds\":%.3f}\n",
                       h->epoch, h->objective, h->mse, h->snr_db, h->nonzero, h->iters, h->seconds);
    }
    if (!ok) {
        st = cj_fail(err, CJ_ERR_NOMEM, "%s/metrics.jsonl: no memory", dir);
        goto done;
    }
    if ((st = write_text(dir, "metrics.jsonl", t.s, err))) goto done;
    /* the first ns samples coded again with the final dictionary, in
     * blocks, to the tighter code_tol: these codes are results, while
     * those of learning only have to move the dictionary the right way */
    int rows = ns < o->batch ? (int)ns : o->batch;
    int code_iters = o->iters > INT_MAX / 100 ? INT_MAX : 100 * o->iters;
    if ((st = cj_sc_work_init(&w, k, d, rows, err))) goto done;
    cj_sc_work_set_dict(&w, m->dict);
    for (long s = 0; s < ns; s += rows) {
        int nb = (int)(ns - s < rows ? ns - s : rows);
        cj_sc_encode(&w, m->dict, x + (size_t)s * d, nb, o->lambda, o->nonneg, o->inference, code_iters,
                     o->code_tol, codes + (size_t)s * k);
    }
    if ((st = write_npy(dir, "codes_sample.npy", ns, k, codes, err)) || (st = cj_sc_sparsity_of(codes, ns, k, &sp, err)))
        goto done;
    double *lo = hist, *cnt = hist + BINS, *gauss = hist + 2 * BINS;
    if ((st = histogram(dir, codes, (size_t)ns * k, sp.rms > 0 ? sp.rms : 1, err, lo, cnt, gauss)) ||
        (st = sparsity_figure(dir, lo, cnt, gauss, sp.rms > 0 ? sp.rms : 1, &sp, k, err)))
        goto done;
    t.len = 0;
    const cj_sc_epoch *last = m->n_epochs ? &m->history[m->n_epochs - 1] : NULL;
    ok = add(&t, "{\n  \"samples_coded\": %ld,\n  \"atoms\": %d,\n  \"dims\": %d,\n  \"lambda\": %.8g,\n"
                 "  \"inference\": \"%s\",\n  \"iters\": %d,\n  \"tol\": %.6g,\n  \"code_tol\": %.6g,\n"
                 "  \"nonneg\": %s,\n  \"nonzero_fraction\": %.6g,\n"
                 "  \"mean_active_atoms\": %.4g,\n  \"excess_kurtosis\": %.6g,\n  \"coefficient_rms\": %.6g,\n"
                 "  \"final_objective\": %.8g,\n  \"final_snr_db\": %.6g,\n  \"atoms_never_used\": ",
             ns, k, d, o->lambda, cj_sc_inference_name(o->inference), o->iters, o->tol, o->code_tol, o->nonneg ? "true" : "false", sp.nonzero,
             sp.nonzero * k, sp.kurtosis, sp.rms, last ? last->objective : 0, last ? last->snr_db : 0);
    int unused = 0;
    for (int j = 0; j < k; j++) unused += sp.atom_use[j] == 0;
    ok = ok && add(&t, "%d\n}\n", unused);
    if (!ok) {
        st = cj_fail(err, CJ_ERR_NOMEM, "%s/sparsity.json: no memory", dir);
        goto done;
    }
    if ((st = write_text(dir, "sparsity.json", t.s, err))) goto done;
    /* The Gabor fits are of the atoms as learned (basis.npy, the whitened
     * space), which is what Olshausen & Field 1996 (Fig. 4) show and fit;
     * for Olshausen-whitened patches that is the image space too. The
     * report draws filters.png with the same grid as before. */
    int side = (int)lround(sqrt((double)d));
    const char *gtitle = "sparse-coding dictionary (basis.npy), input space";
    if (side * side == d && side >= CJ_GABOR_MIN_SIZE && side <= CJ_GABOR_MAX_SIZE)
        st = cj_rf_report_write(dir, m->dict, k, side, gtitle, NULL, err);
    else
        st = grid(dir, "filters.png", m->dict, k, d, gtitle, err);
    if (st) goto done;
    if (dewhiten && size > 0) {
        /* image-space atoms: the basis functions are generative (x = a D),
         * so they map back through the dewhitening matrix: phi = A_dw D_j */
        int s2 = size * size;
        img = malloc(sizeof(float) * (size_t)k * s2);
        if (!img) {
            st = cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for image-space atoms", dir);
            goto done;
        }
        for (int j = 0; j < k; j++)
            for (int p = 0; p < s2; p++) {
                double v = 0;
                for (int i = 0; i < d; i++) v += (double)dewhiten[(size_t)p * d + i] * m->dict[(size_t)j * d + i];
                img[(size_t)j * s2 + p] = (float)v;
            }
        if ((st = write_npy(dir, "basis_image.npy", k, s2, img, err)) ||
            (st = grid(dir, "filters_image.png", img, k, s2, "dictionary in image space (dewhitened)", err)))
            goto done;
    }
done:
    free(img);
    free(t.s);
    free(sp.atom_use);
    cj_sc_work_free(&w);
    free(unmix);
    free(codes);
    free(hist);
    return st;
}
