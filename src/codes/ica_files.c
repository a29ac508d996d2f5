/* ica_files.c — what `cajal ica` writes (docs/outputs.md, "cajal ica"):
 * the unmixing and basis in input space, the mean and whitening, a sample
 * of sources, per-source statistics, the run's history and settings, the
 * receptive-field report and, for `cajal patches` input, the filters and
 * basis functions in image space. Every file atomic. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/gabor.h"
#include "cajal/ica.h"
#include "cajal/io.h"
#include "cajal/npy.h"
#include "cajal/sparsecode.h"

enum { SAMPLE_MAX = 20000, ORI_BINS = 12 };

static cj_status write_npy(const char *dir, const char *name, int ndim, int64_t r, int64_t c, const float *v,
                           cj_error *err)
{
    char *p = cj_path_join(dir, name);
    if (!p) return cj_fail(err, CJ_ERR_NOMEM, "%s/%s: no memory for the path", dir, name);
    int64_t shape[2] = {r, c};
    cj_status st = cj_npy_write_f32(p, ndim, ndim == 1 ? shape + 1 : shape, v, err);
    free(p);
    return st;
}

static cj_status open_text(const char *dir, const char *name, cj_atomic_file *af, cj_error *err)
{
    char *p = cj_path_join(dir, name);
    if (!p) return cj_fail(err, CJ_ERR_NOMEM, "%s/%s: no memory for the path", dir, name);
    cj_status st = cj_atomic_open(af, p, err);
    free(p);
    return st;
}

static cj_status grid(const char *dir, const char *name, const float *f, int k, int size, const char *title,
                      cj_error *err)
{
    char *p = cj_path_join(dir, name);
    if (!p) return cj_fail(err, CJ_ERR_NOMEM, "%s/%s: no memory", dir, name);
    cj_status st = cj_sc_write_grid(p, f, k, size, title, err);
    free(p);
    return st;
}

static const char *stop_rule(const cj_ica_model *m)
{
    if (m->run.converged == 1 && m->opts.solver == CJ_ICA_PICARD) return "max |relative gradient| below tol";
    if (m->run.converged == 1)
        return m->opts.method == CJ_ICA_FASTICA ? "max |1 - |diag(W1 W^T)|| below tol" : "weight change below tol";
    if (m->run.converged == 2) return "more than 20 passes without annealing";
    if (m->run.converged == 3) return "no step lowers the loss (the precision of its sums)";
    return "max_iter reached";
}

static cj_status write_history(const char *dir, const cj_ica_model *m, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = open_text(dir, "metrics.jsonl", &af, err);
    if (st) return st;
    for (int i = 0; i < m->run.n_steps; i++) {
        const cj_ica_step *s = &m->run.history[i];
        if (m->opts.solver == CJ_ICA_PICARD)
            fprintf(af.f, "{\"iteration\":%d,\"gradient_max\":%.8g,\"loss\":%.10g,\"step\":%.6g,\"subgaussian\":%d,"
                          "\"samples\":%ld,\"seconds\":%.3f}\n", s->iter, s->change, s->loss, s->lrate, s->subgaussian,
                    s->samples, s->seconds);
        else if (m->opts.method == CJ_ICA_INFOMAX)
            fprintf(af.f, "{\"pass\":%d,\"change\":%.8g,\"angle_deg\":%.4g,\"lrate\":%.6g,\"subgaussian\":%d,"
                          "\"seconds\":%.3f}\n", s->iter, s->change, s->angle, s->lrate, s->subgaussian, s->seconds);
        else
            fprintf(af.f, "{\"iteration\":%d,\"change\":%.8g,\"seconds\":%.3f}\n", s->iter, s->change, s->seconds);
    }
    return cj_atomic_commit(&af, err);
}

static cj_status write_components(const char *dir, const cj_ica_model *m, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = open_text(dir, "components.csv", &af, err);
    if (st) return st;
    fprintf(af.f, "index,kurtosis,skewness,variance_share\n");
    for (int j = 0; j < m->k; j++)
        fprintf(af.f, "%d,%.6g,%.6g,%.6g\n", j, m->kurtosis[j], m->skewness[j], m->variance[j]);
    return cj_atomic_commit(&af, err);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    if (n < 1) return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.8g", v);
    else fprintf(f, "null");
}

/* The receptive-field summary: good fits, their orientation histogram and
 * spread (1 - |mean e^{2i theta}|: 0 all one orientation, 1 evenly spread;
 * orientation is axial, hence 2 theta), median R^2 and frequency. */
static void rf_json(FILE *f, const cj_gabor_fit *g, int k, const char *space, double *good_fraction)
{
    int good = 0, hist[ORI_BINS] = {0};
    double c = 0, s = 0, *r2 = malloc(sizeof(double) * (size_t)k), *fr = malloc(sizeof(double) * (size_t)k);
    int nf = 0;
    for (int j = 0; j < k; j++) {
        if (r2) r2[j] = g[j].r2;
        if (!(g[j].r2 >= CJ_GABOR_GOOD_R2)) continue;
        good++;
        int b = (int)(g[j].theta / M_PI * ORI_BINS);
        hist[b < 0 ? 0 : b >= ORI_BINS ? ORI_BINS - 1 : b]++;
        c += cos(2 * g[j].theta), s += sin(2 * g[j].theta);
        if (fr) fr[nf++] = g[j].freq;
    }
    fprintf(f, "  \"receptive_fields\": {\n    \"fitted\": \"%s\",\n    \"filters\": %d,\n    \"r2_threshold\": %.2f,\n"
               "    \"good\": %d,\n    \"good_fraction\": ", space, k, CJ_GABOR_GOOD_R2, good);
    json_num(f, (double)good / k);
    fprintf(f, ",\n    \"median_r2\": ");
    json_num(f, r2 ? median(r2, k) : NAN);
    fprintf(f, ",\n    \"median_freq_good\": ");
    json_num(f, fr ? median(fr, nf) : NAN);
    fprintf(f, ",\n    \"orientation_spread_good\": ");
    json_num(f, good ? 1 - sqrt(c * c + s * s) / good : NAN);
    fprintf(f, ",\n    \"orientation_hist_15deg_good\": [");
    for (int b = 0; b < ORI_BINS; b++) fprintf(f, "%s%d", b ? ", " : "", hist[b]);
    fprintf(f, "]\n  },\n");
    if (good_fraction) *good_fraction = (double)good / k;
    free(r2), free(fr);
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

static cj_status write_json(const char *dir, const cj_ica_model *m, long n, const char *input, const cj_gabor_fit *g,
                            const char *space, int image_space, double *good_fraction, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = open_text(dir, "ica.json", &af, err);
    if (st) return st;
    const cj_ica_opts *o = &m->opts;
    FILE *f = af.f;
    fprintf(f, "{\n  \"input\": ");
    json_string(f, input);
    fprintf(f, ",\n  \"samples\": %ld,\n  \"dims\": %d,\n  \"components\": %d,\n  \"rank\": %d,\n", n, m->d, m->k,
            m->white.rank);
    fprintf(f, "  \"method\": \"%s\",\n  \"solver\": \"%s\",\n", cj_ica_method_name(o->method),
            cj_ica_solver_name(o->solver));
    if (o->solver == CJ_ICA_PICARD)
        fprintf(f, "  \"nonlinearity\": \"tanh (log cosh), sign switched per source\",\n  \"constraint\": \"%s\",\n",
                o->method == CJ_ICA_FASTICA ? "orthogonal (FastICA's objective)" : "none (extended infomax's likelihood)");
    else if (o->method == CJ_ICA_INFOMAX)
        fprintf(f, "  \"extended\": %s,\n  \"nonlinearity\": \"%s\",\n  \"block\": %d,\n  \"lrate_initial\": %.8g,\n"
                   "  \"lrate_final\": %.8g,\n  \"restarts\": %d,\n",
                o->extended ? "true" : "false", o->extended ? "tanh, sign switched by kurtosis" : "logistic", o->block,
                o->lrate, m->run.lrate, m->run.restarts);
    else
        fprintf(f, "  \"nonlinearity\": \"logcosh\",\n  \"decorrelation\": \"symmetric\",\n");
    fprintf(f, "  \"tol\": %.8g,\n  \"max_iter\": %d,\n  \"seed\": %llu,\n  \"iterations\": %d,\n  \"converged\": %s,\n"
               "  \"stopped_by\": \"%s\",\n  \"final_change\": %.8g,\n  \"seconds\": %.3f,\n",
            o->tol, o->max_iter, (unsigned long long)o->seed, m->run.iterations, m->run.converged == 1 || m->run.converged == 2 ? "true" : "false",
            stop_rule(m), m->run.change, m->seconds);
    fprintf(f, "  \"apply\": \"sources = (x - mean) @ unmixing.T; x - mean ~ sources @ basis\",\n"
               "  \"order\": \"excess kurtosis of the sources, descending; each source unit variance, skewness >= 0\",\n");
    int sub = 0;
    double *kc = malloc(sizeof(double) * (size_t)m->k);
    for (int j = 0; j < m->k; j++) {
        sub += m->kurtosis[j] < 0;
        if (kc) kc[j] = m->kurtosis[j];
    }
    fprintf(f, "  \"kurtosis_max\": %.6g,\n  \"kurtosis_median\": ", m->kurtosis[0]);
    json_num(f, kc ? median(kc, m->k) : NAN);
    fprintf(f, ",\n  \"kurtosis_min\": %.6g,\n  \"subgaussian_sources\": %d,\n", m->kurtosis[m->k - 1], sub);
    free(kc);
    fprintf(f, "  \"image_space\": %s,\n", image_space ? "true" : "false");
    if (g) rf_json(f, g, m->k, space, good_fraction);
    fprintf(f, "  \"files\": [\"unmixing.npy\", \"basis.npy\", \"mean.npy\", \"whitening.npy\", \"sources_sample.npy\", "
               "\"components.csv\", \"metrics.jsonl\"%s%s]\n}\n",
            g ? ", \"filters.png\", \"gabor.csv\", \"rf_stats.png\", \"tiling.png\"" : "",
            image_space ? ", \"basis_image.npy\", \"filters_image.npy\", \"basis_image.png\", \"filters_image.png\"" : "");
    return cj_atomic_commit(&af, err);
}

cj_status cj_ica_write(const char *dir, const cj_ica_model *m, const float *x, long n, const char *input,
                       const float *dewhiten, const float *whiten, int size, double *good_fraction, cj_error *err)
{
    int k = m->k, d = m->d;
    if (good_fraction) *good_fraction = NAN;
    cj_status st = cj_make_dirs(dir, err);
    if (st) return st;
    long ns = n < SAMPLE_MAX ? n : SAMPLE_MAX;
    int side = (int)lround(sqrt((double)d)), s2 = size * size;
    int square = side * side == d && side >= CJ_GABOR_MIN_SIZE && side <= CJ_GABOR_MAX_SIZE;
    int image = dewhiten && whiten && size > 0;
    float *src = malloc(sizeof(float) * (size_t)ns * k);
    cj_gabor_fit *fits = square ? malloc(sizeof *fits * (size_t)k) : NULL;
    float *img = image ? malloc(sizeof(float) * (size_t)k * s2) : NULL;
    if (!src || (square && !fits) || (image && !img)) {
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for the outputs", dir);
        goto done;
    }
    cj_ica_sources(m, x, ns, src);
    if ((st = write_npy(dir, "unmixing.npy", 2, k, d, m->unmixing, err)) ||
        (st = write_npy(dir, "basis.npy", 2, k, d, m->basis, err)) ||
        (st = write_npy(dir, "mean.npy", 1, 1, d, m->white.mean, err)) ||
        (st = write_npy(dir, "whitening.npy", 2, k, d, m->white.whitening, err)) ||
        (st = write_npy(dir, "sources_sample.npy", 2, ns, k, src, err)) || (st = write_components(dir, m, err)) ||
        (st = write_history(dir, m, err)))
        goto done;
    /* The Gabor fits are of basis.npy, the space ICA ran in: for ZCA
     * patches (Bell & Sejnowski 1997's input) the basis functions there
     * equal the filters up to the small non-orthogonality of W, and are
     * the localised oriented edges of their Fig. 4; image space is shown
     * below, not fitted. */
    char title[160];
    snprintf(title, sizeof title, "ICA (%s%s) basis functions (basis.npy), input space, sparsest first",
             m->opts.method == CJ_ICA_INFOMAX && m->opts.extended ? "extended " : "", cj_ica_method_name(m->opts.method));
    if (square && (st = cj_rf_report_write(dir, m->basis, k, side, title, fits, err))) goto done;
    if (image) {
        /* basis functions are generative (x - mean ~ s basis), so they map
         * to pixels through the dewhitening: dewhiten [S^2, d] basis_j;
         * filters act on data, so an unmixing row maps as u_j whiten
         * [d, S^2] (docs/codes.md, cajal patches' files) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, s2, d, 1.0f, m->basis, d, dewhiten, d, 0.0f, img, s2);
        if ((st = write_npy(dir, "basis_image.npy", 2, k, s2, img, err)) ||
            (st = grid(dir, "basis_image.png", img, k, size, "ICA basis functions in image space (dewhitened)", err)))
            goto done;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, s2, d, 1.0f, m->unmixing, d, whiten, s2, 0.0f, img,
                    s2);
        if ((st = write_npy(dir, "filters_image.npy", 2, k, s2, img, err)) ||
            (st = grid(dir, "filters_image.png", img, k, size, "ICA filters in image space (unmixing x whitening)", err)))
            goto done;
    }
    st = write_json(dir, m, n, input, square ? fits : NULL, "basis.npy (input space)", image, good_fraction, err);
done:
    free(src), free(fits), free(img);
    return st;
}
