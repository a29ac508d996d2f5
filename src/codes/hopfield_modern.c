/* hopfield_modern.c — the modern continuous Hopfield network (Ramsauer et
 * al. 2020, "Hopfield networks is all you need"): the update
 * xi <- X^T softmax(beta X xi), and retrieval of stored images from cues
 * with their lower half masked (include/cajal/hopfield.h). */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/hopfield.h"

enum { BATCH = 256 };  /* cues per product: scratch stays BATCH x P */

void cj_hopfield_modern_update(const float *X, int P, int N, float beta, const float *xi, int Q, float *out,
                               float *scratch)
{
    /* scores [Q, P] = beta xi X^T */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Q, P, N, beta, xi, N, X, N, 0.0f, scratch, P);
    for (int q = 0; q < Q; q++) {
        float *a = scratch + (size_t)q * P;
        float m = -FLT_MAX;
        for (int p = 0; p < P; p++) m = a[p] > m ? a[p] : m;
        double z = 0;
        for (int p = 0; p < P; p++) z += a[p] = expf(a[p] - m);
        float inv = (float)(1.0 / z);
        for (int p = 0; p < P; p++) a[p] *= inv;
    }
    /* out [Q, N] = softmax [Q, P] X [P, N] */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Q, N, P, 1.0f, scratch, P, X, N, 0.0f, out, N);
}

void cj_hopfield_modern_result_free(cj_hopfield_modern_result *r)
{
    free(r->target), free(r->nearest), free(r->pixel_err), free(r->masked_err), free(r->cue), free(r->result);
    memset(r, 0, sizeof *r);
}

/* nearest[q] = argmin_p |y_q - X_p|^2 = argmax_p (y_q . X_p - |X_p|^2 / 2). */
static void nearest_patterns(const float *X, const float *half_norm2, int P, int N, const float *y, int Q,
                             float *scratch, int *nearest)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Q, P, N, 1.0f, y, N, X, N, 0.0f, scratch, P);
    for (int q = 0; q < Q; q++) {
        const float *a = scratch + (size_t)q * P;
        int best = 0;
        float bv = -FLT_MAX;
        for (int p = 0; p < P; p++) {
            float v = a[p] - half_norm2[p];
            if (v > bv) bv = v, best = p;
        }
        nearest[q] = best;
    }
}

cj_status cj_hopfield_modern_retrieve(const float *images, int n, int H, int W, const cj_hopfield_modern_opts *o,
                                      cj_hopfield_modern_result *r, cj_error *err)
{
    memset(r, 0, sizeof *r);
    int N = H * W, P = o->patterns, Q = o->cues;
    if (H < 2 || W < 1) return cj_fail(err, CJ_ERR_SHAPE, "hopfield modern: images of %dx%d cannot be half-masked", H, W);
    if (P < 1 || P > n)
        return cj_fail(err, CJ_ERR_ARG, "--patterns %d: expected 1..%d (the images in the file)", P, n);
    if (Q < 1 || Q > P) return cj_fail(err, CJ_ERR_ARG, "--cues %d: expected 1..%d (the stored patterns)", Q, P);
    if (!(o->beta > 0) || !isfinite(o->beta)) return cj_fail(err, CJ_ERR_ARG, "--beta %g: expected > 0", o->beta);
    if (o->steps < 1 || o->steps > 1000) return cj_fail(err, CJ_ERR_ARG, "--steps %d: expected 1..1000", o->steps);
    int B = Q < BATCH ? Q : BATCH;
    float *X = malloc((size_t)P * N * sizeof *X), *hn = malloc((size_t)P * sizeof *hn);
    float *scratch = malloc((size_t)B * P * sizeof *scratch);
    float *a = malloc((size_t)B * N * sizeof *a), *b = malloc((size_t)B * N * sizeof *b);
    int *idx = malloc((size_t)P * sizeof *idx);
    r->target = malloc((size_t)Q * sizeof *r->target);
    r->nearest = malloc((size_t)Q * sizeof *r->nearest);
    r->pixel_err = malloc((size_t)Q * sizeof *r->pixel_err);
    r->masked_err = malloc((size_t)Q * sizeof *r->masked_err);
    r->cue = malloc((size_t)Q * N * sizeof *r->cue);
    r->result = malloc((size_t)Q * N * sizeof *r->result);
    cj_status st = CJ_OK;
    if (!X || !hn || !scratch || !a || !b || !idx || !r->target || !r->nearest || !r->pixel_err || !r->masked_err ||
        !r->cue || !r->result) {
        st = cj_fail(err, CJ_ERR_NOMEM, "hopfield modern: no memory for %d patterns of %d pixels", P, N);
        goto done;
    }
    r->n_cues = Q;
    /* pixels in [0, 1] -> [-1, 1], so a masked pixel (0) is neutral: it adds
     * nothing to any pattern's score */
    for (size_t k = 0; k < (size_t)P * N; k++) X[k] = cj_hopfield_pixel(images[k], o->binary);
    for (int p = 0; p < P; p++) {
        double s = 0;
        for (int i = 0; i < N; i++) s += (double)X[(size_t)p * N + i] * X[(size_t)p * N + i];
        hn[p] = (float)(0.5 * s);
    }
    cj_rng rng;
    cj_rng_seed(&rng, o->seed);
    for (int p = 0; p < P; p++) idx[p] = p;
    cj_rng_shuffle(&rng, idx, (size_t)P);
    int top = (H / 2) * W;  /* pixels kept: rows 0..H/2-1 */
    int ok = 0;
    for (int q0 = 0; q0 < Q; q0 += B) {
        int nb = Q - q0 < B ? Q - q0 : B;
        for (int q = 0; q < nb; q++) {
            int t = idx[q0 + q];
            r->target[q0 + q] = t;
            float *c = a + (size_t)q * N;
            for (int i = 0; i < N; i++) c[i] = i < top ? X[(size_t)t * N + i] : 0.0f;
        }
        for (size_t k = 0; k < (size_t)nb * N; k++) r->cue[(size_t)q0 * N + k] = 0.5f * (a[k] + 1.0f);
        float *cur = a, *nxt = b;
        for (int s = 0; s < o->steps; s++) {
            cj_hopfield_modern_update(X, P, N, o->beta, cur, nb, nxt, scratch);
            float *tmp = cur;
            cur = nxt, nxt = tmp;
        }
        nearest_patterns(X, hn, P, N, cur, nb, scratch, r->nearest + q0);
        for (int q = 0; q < nb; q++) {
            int t = r->target[q0 + q];
            float *res = r->result + (size_t)(q0 + q) * N;
            double e = 0, em = 0;
            for (int i = 0; i < N; i++) {
                float v = 0.5f * (cur[(size_t)q * N + i] + 1.0f);
                res[i] = v < 0 ? 0 : v > 1 ? 1 : v;
                double d = fabs((double)res[i] - 0.5 * (X[(size_t)t * N + i] + 1.0));
                e += d;
                if (i >= top) em += d;
            }
            r->pixel_err[q0 + q] = e / N;
            r->masked_err[q0 + q] = em / (N - top);
            ok += r->nearest[q0 + q] == t;
        }
    }
    r->fraction = (double)ok / Q;
done:
    free(X), free(hn), free(scratch), free(a), free(b), free(idx);
    if (st) cj_hopfield_modern_result_free(r);
    return st;
}
