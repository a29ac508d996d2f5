/* infonce.c — symmetric InfoNCE over cosine similarities (see
 * objectives.h). The n x n similarity matrix goes through one sgemm; the
 * gradient flows back through the softmaxes and the normalisations:
 *     dS = (softmax_rows(S) - I + softmax_cols(S) - I) / 2n
 *     dâ = dS b̂ / tau,  db̂ = dS^T â / tau
 *     da = (dâ - â (â·dâ)) / |a|   (and likewise for b). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "cajal/objectives.h"

size_t cj_infonce_scratch_floats(int n, int d) { return (size_t)n * n + 2 * (size_t)n * d + 4 * (size_t)n; }

/* Unit rows of x into u; norms into norm. */
static void normalise_rows(const float *x, float *u, float *norm, int n, int d)
{
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int k = 0; k < d; k++) s += (double)x[(size_t)i * d + k] * x[(size_t)i * d + k];
        float r = (float)sqrt(s);
        norm[i] = r > 1e-12f ? r : 1e-12f;
        for (int k = 0; k < d; k++) u[(size_t)i * d + k] = x[(size_t)i * d + k] / norm[i];
    }
}

/* dx = (du - u (u·du)) / |x|, row by row, in place over du. */
static void unnormalise_grad(const float *u, const float *norm, float *du, int n, int d)
{
    for (int i = 0; i < n; i++) {
        float *g = du + (size_t)i * d;
        const float *ui = u + (size_t)i * d;
        double dot = 0.0;
        for (int k = 0; k < d; k++) dot += (double)ui[k] * g[k];
        for (int k = 0; k < d; k++) g[k] = (g[k] - ui[k] * (float)dot) / norm[i];
    }
}

float cj_infonce_loss(const float *a, const float *b, int n, int d, float tau, float *da, float *db,
                      float *scratch)
{
    float *S = scratch, *ua = S + (size_t)n * n, *ub = ua + (size_t)n * d;
    float *na = ub + (size_t)n * d, *nb = na + n, *row_lse = nb + n, *col_lse = row_lse + n;
    normalise_rows(a, ua, na, n, d);
    normalise_rows(b, ub, nb, n, d);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, d, 1.0f / tau, ua, d, ub, d, 0.0f, S, n);

    /* Row and column log-sum-exps; S is overwritten by dS below, so the
     * loss is accumulated first. */
    double loss = 0.0;
    for (int i = 0; i < n; i++) {
        float mr = -INFINITY, mc = -INFINITY;
        for (int j = 0; j < n; j++) {
            mr = fmaxf(mr, S[(size_t)i * n + j]);
            mc = fmaxf(mc, S[(size_t)j * n + i]);
        }
        double sr = 0.0, sc = 0.0;
        for (int j = 0; j < n; j++) {
            sr += exp((double)S[(size_t)i * n + j] - mr);
            sc += exp((double)S[(size_t)j * n + i] - mc);
        }
        row_lse[i] = (float)(mr + log(sr));
        col_lse[i] = (float)(mc + log(sc));
        loss += row_lse[i] + col_lse[i] - 2.0 * S[(size_t)i * n + i];
    }
    loss /= 2.0 * n;
    if (!da && !db) return (float)loss;

    const float scale = 1.0f / (2.0f * n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            float s = S[(size_t)i * n + j];
            float g = expf(s - row_lse[i]) + expf(s - col_lse[j]) - (i == j ? 2.0f : 0.0f);
            S[(size_t)i * n + j] = g * scale;
        }
    if (da) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, n, 1.0f / tau, S, n, ub, d, 0.0f, da, d);
        unnormalise_grad(ua, na, da, n, d);
    }
    if (db) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, d, n, 1.0f / tau, S, n, ua, d, 0.0f, db, d);
        unnormalise_grad(ub, nb, db, n, d);
    }
    return (float)loss;
}

/* The objective: 2n rows, pairs (i, n + i); per-row shares are the loss. */
static float infonce_eval(const cj_objective *o, const float *pred, const cj_target *t, int rows, int dim,
                          float *dpred, float *per_row)
{
    int n = rows / 2;
    float L = cj_infonce_loss(pred, pred + (size_t)n * dim, n, dim, o->temperature, dpred,
                              dpred ? dpred + (size_t)n * dim : NULL, o->scratch);
    for (int i = 0; per_row && i < rows; i++) per_row[i] = L;
    return L;
}

static size_t infonce_scratch(int rows, int dim) { return cj_infonce_scratch_floats(rows / 2, dim); }

const cj_objective_ops cj_infonce_ops = {
    .name = "infonce",
    .summary = "symmetric InfoNCE over cosine similarities of paired views (CPC, SimCLR, CLIP)",
    .targets = CJ_OBJECTIVE_PAIRS,
    .keys = CJ_OBJECTIVE_KEY_TEMPERATURE,
    .eval = infonce_eval,
    .scratch_floats = infonce_scratch,
};
