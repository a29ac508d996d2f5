/* hopfield_modern_files.c — the files of a modern-Hopfield retrieval run:
 * retrieval.csv, retrieval.json and retrieval.png (docs/outputs.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cajal/files.h"
#include "cajal/hopfield.h"
#include "cajal/io.h"
#include "cajal/maximize.h"

enum { SHOWN = 8 };  /* cues drawn: one row of the 8-column grid each for cues, results, targets */

static double mean(const double *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += v[i];
    return n ? s / n : NAN;
}

static cj_status write_csv(const char *path, const cj_hopfield_modern_result *r, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) return st;
    fprintf(af.f, "cue,target,nearest,correct,pixel_error,masked_error\n");
    for (int q = 0; q < r->n_cues; q++)
        fprintf(af.f, "%d,%d,%d,%d,%.6g,%.6g\n", q, r->target[q], r->nearest[q], r->nearest[q] == r->target[q],
                r->pixel_err[q], r->masked_err[q]);
    return cj_atomic_commit(&af, err);
}

static cj_status write_json(const char *path, const cj_hopfield_modern_opts *o, int H, int W,
                            const cj_hopfield_modern_result *r, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) return st;
    int N = H * W;
    fprintf(af.f,
            "{\n  \"patterns\": %d,\n  \"units\": %d,\n  \"load\": %.6g,\n  \"cues\": %d,\n  \"beta\": %.6g,\n"
            "  \"steps\": %d,\n  \"pixels\": \"%s\",\n  \"seed\": %llu,\n  \"mask\": \"rows %d..%d of %d set to 0 in [-1, 1] units\",\n"
            "  \"retrieved_fraction\": %.6g,\n  \"mean_pixel_error\": %.6g,\n  \"mean_masked_error\": %.6g\n}\n",
            o->patterns, N, (double)o->patterns / N, r->n_cues, (double)o->beta, o->steps,
            o->binary ? "binary" : "grey", (unsigned long long)o->seed, H / 2, H - 1, H, r->fraction, mean(r->pixel_err, r->n_cues),
            mean(r->masked_err, r->n_cues));
    return cj_atomic_commit(&af, err);
}

static cj_status write_png(const char *path, const cj_hopfield_modern_opts *o, int H, int W, const float *images,
                           const cj_hopfield_modern_result *r, cj_error *err)
{
    int N = H * W, n = r->n_cues < SHOWN ? r->n_cues : SHOWN;
    float *px = malloc((size_t)3 * SHOWN * N * sizeof *px);
    char (*lab)[32] = malloc((size_t)3 * SHOWN * sizeof *lab);
    const char **labels = malloc((size_t)3 * SHOWN * sizeof *labels);
    if (!px || !lab || !labels) {
        free(px), free(lab), free(labels);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for the figure", path);
    }
    /* rows of the grid: cues, results, targets; a short row pads with blanks */
    for (int row = 0; row < 3; row++)
        for (int c = 0; c < SHOWN; c++) {
            int k = row * SHOWN + c;
            float *dst = px + (size_t)k * N;
            if (c >= n) {
                for (int i = 0; i < N; i++) dst[i] = 1.0f;
                lab[k][0] = 0;
            } else {
                const float *src = row == 0   ? r->cue + (size_t)c * N
                                   : row == 1 ? r->result + (size_t)c * N
                                              : images + (size_t)r->target[c] * N;
                for (int i = 0; i < N; i++)
                    dst[i] = row == 2 ? 0.5f * (cj_hopfield_pixel(src[i], o->binary) + 1.0f) : src[i];
                if (row == 0) snprintf(lab[k], sizeof lab[k], "cue %d", c);
                else if (row == 1)
                    snprintf(lab[k], sizeof lab[k], "result %s", r->nearest[c] == r->target[c] ? "ok" : "WRONG");
                else snprintf(lab[k], sizeof lab[k], "stored #%d", r->target[c]);
            }
            labels[k] = lab[k];
        }
    char title[160];
    snprintf(title, sizeof title, "Modern Hopfield, P = %d (%.1f N), beta = %g: %.1f%% retrieved from lower-half-masked cues",
             o->patterns, (double)o->patterns / N, (double)o->beta, 100.0 * r->fraction);
    cj_status st = cj_maximize_write_grid(path, px, 3 * SHOWN, 1, H, W, 4, title, labels, NULL, err);
    free(px), free(lab), free(labels);
    return st;
}

cj_status cj_hopfield_modern_write(const char *dir, const cj_hopfield_modern_opts *o, int H, int W,
                                   const float *images, const cj_hopfield_modern_result *r, cj_error *err)
{
    cj_status st = cj_make_dirs(dir, err);
    if (st) return st;
    const char *names[3] = {"retrieval.csv", "retrieval.json", "retrieval.png"};
    for (int i = 0; i < 3 && !st; i++) {
        char *path = cj_path_join(dir, names[i]);
        if (!path) return cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for a path", dir);
        st = i == 0 ? write_csv(path, r, err) : i == 1 ? write_json(path, o, H, W, r, err)
                                                       : write_png(path, o, H, W, images, r, err);
        free(path);
    }
    return st;
}
