/* cka_products.c — the centred products behind CKA and the shape measures
 * (cka_common.h): feature-space [xc yc]^T [xc yc] a block of stimuli at a
 * time, and the centred Gram matrix xc xc^T a block of features at a time.
 *
 * Why blocks: the centred copy of a 10,000 x 512 pair would be 40 MB more
 * memory, and a single float ssyrk over all 10,000 stimuli would sum 10^4
 * float products per entry. A block of 1,024 rows is centred into a small
 * buffer (in cache), multiplied by ssyrk, and added into a double
 * accumulator, so float sums never run past one block and memory is one
 * block plus the (p + q)^2 result. Centring first (two passes over the data)
 * rather than sum(x x^T) - n m m^T keeps large means from cancelling. */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cka_common.h"

cj_status cka_column_means(const float *x, size_t n, int p, const char *fn, const char *name, double *mean,
                           cj_error *err)
{
    memset(mean, 0, sizeof(double) * (size_t)p);
    for (size_t i = 0; i < n; i++) {
        const float *row = x + i * (size_t)p;
        for (int j = 0; j < p; j++) mean[j] += (double)row[j];
    }
    /* A NaN or infinity anywhere leaves its column's sum non-finite (finite
     * floats cannot overflow a double sum of any length we can hold); only
     * then look for it, so the common case stays one vectorised pass. */
    for (int j = 0; j < p; j++)
        if (!isfinite(mean[j]))
            for (size_t i = 0; i < n; i++) {
                float v = x[i * (size_t)p + (size_t)j];
                if (!isfinite(v))
                    return cj_fail(err, CJ_ERR_ARG, "%s: %s[%zu, %d] = %g is not finite", fn, name, i, j, (double)v);
            }
    for (int j = 0; j < p; j++) mean[j] /= (double)n;
    return CJ_OK;
}

/* Rows [r0, r0 + b) of x [., p] minus mean into columns [c0, c0 + p) of the
 * block [b, m], float or double; adds each row's squared norm into norm[r]. */
static void centre_rows_f(const float *x, size_t r0, int b, int p, const double *mean, float *blk, int m, int c0,
                          double *norm)
{
    for (int r = 0; r < b; r++) {
        const float *in = x + (r0 + (size_t)r) * (size_t)p;
        float *out = blk + (size_t)r * m + c0;
        double s = 0.0;
        for (int j = 0; j < p; j++) {
            float v = (float)((double)in[j] - mean[j]);
            out[j] = v;
            s += (double)v * (double)v;
        }
        norm[r] = s;
    }
}

static void centre_rows_d(const float *x, size_t r0, int b, int p, const double *mean, double *blk, int m, int c0,
                          double *norm)
{
    for (int r = 0; r < b; r++) {
        const float *in = x + (r0 + (size_t)r) * (size_t)p;
        double *out = blk + (size_t)r * m + c0;
        double s = 0.0;
        for (int j = 0; j < p; j++) {
            double v = (double)in[j] - mean[j];
            out[j] = v;
            s += v * v;
        }
        norm[r] = s;
    }
}

/* The upper triangle of the row-major m x m matrix g copied to the lower. */
static void mirror_upper(double *g, size_t m)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++) g[j * m + i] = g[i * m + j];
}

cj_status cka_feature_products(const float *x, const float *y, size_t n, int p, int q, int in_double, const char *fn,
                               double **g_out, cka_sums *s, cj_error *err)
{
    *g_out = NULL;
    memset(s, 0, sizeof *s);
    const int m = p + q;
    const size_t mm = (size_t)m * (size_t)m;
    const size_t blk_n = (size_t)CKA_BLOCK_ROWS * (size_t)m;
    double *g = calloc(mm, sizeof(double)), *mean = malloc(sizeof(double) * (size_t)m);
    double *kn = malloc(sizeof(double) * 2 * CKA_BLOCK_ROWS), *ln = kn ? kn + CKA_BLOCK_ROWS : NULL;
    /* float path: block [B, m] and the block's product [m, m] in float */
    float *bf = in_double ? NULL : malloc(sizeof(float) * blk_n);
    float *gf = in_double ? NULL : malloc(sizeof(float) * mm);
    double *bd = in_double ? malloc(sizeof(double) * blk_n) : NULL;
    cj_status st = CJ_OK;
    if (!g || !mean || !kn || (in_double ? !bd : (!bf || !gf)))
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for the %d x %d feature products (p + q = %d + %d)", fn, m, m,
                     p, q);
    if (!st) st = cka_column_means(x, n, p, fn, "x", mean, err);
    if (!st) st = cka_column_means(y, n, q, fn, "y", mean + p, err);
    for (size_t r0 = 0; !st && r0 < n; r0 += CKA_BLOCK_ROWS) {
        int b = n - r0 < CKA_BLOCK_ROWS ? (int)(n - r0) : CKA_BLOCK_ROWS;
        if (in_double) {
            centre_rows_d(x, r0, b, p, mean, bd, m, 0, kn);
            centre_rows_d(y, r0, b, q, mean + p, bd, m, p, ln);
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, m, b, 1.0, bd, m, 1.0, g, m);
        } else {
            centre_rows_f(x, r0, b, p, mean, bf, m, 0, kn);
            centre_rows_f(y, r0, b, q, mean + p, bf, m, p, ln);
            /* float sums over at most CKA_FLUSH_ROWS stimuli, then into g */
            int fresh = r0 % CKA_FLUSH_ROWS == 0;
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, m, b, 1.0f, bf, m, fresh ? 0.0f : 1.0f, gf, m);
            if ((r0 + (size_t)b) % CKA_FLUSH_ROWS == 0 || r0 + (size_t)b == n)
                for (size_t i = 0; i < (size_t)m; i++) {
                    const float *src = gf + i * m;
                    double *dst = g + i * m;
                    for (size_t j = i; j < (size_t)m; j++) dst[j] += (double)src[j];
                }
        }
        for (int r = 0; r < b; r++) {
            s->kl += kn[r] * ln[r];
            s->kk += kn[r] * kn[r];
            s->ll += ln[r] * ln[r];
            s->tx += kn[r];
            s->ty += ln[r];
        }
    }
    free(mean), free(kn), free(bf), free(gf), free(bd);
    if (st) {
        free(g);
        return st;
    }
    mirror_upper(g, (size_t)m);
    *g_out = g;
    return CJ_OK;
}

void cka_sums_from_products(const double *g, int p, int q, cka_sums *s)
{
    const size_t m = (size_t)p + (size_t)q;
    double xx = 0.0, yy = 0.0, xy = 0.0;
    for (size_t i = 0; i < m; i++) {
        const double *row = g + i * m;
        double a = 0.0, c = 0.0;
        for (size_t j = 0; j < (size_t)p; j++) a += row[j] * row[j];
        for (size_t j = (size_t)p; j < m; j++) c += row[j] * row[j];
        if (i < (size_t)p) xx += a, xy += c;
        else yy += c;
    }
    s->xx = xx, s->yy = yy, s->xy = xy;
}

cj_status cka_centred_gram(const float *x, size_t n, int p, const double *mean, const char *fn, double *k,
                           cj_error *err)
{
    const int cb = p < CKA_BLOCK_COLS ? p : CKA_BLOCK_COLS;
    double *blk = malloc(sizeof(double) * n * (size_t)cb);
    if (!blk) return cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for a %zu x %d block of features", fn, n, cb);
    for (int c0 = 0; c0 < p; c0 += cb) {
        int w = p - c0 < cb ? p - c0 : cb;
        for (size_t i = 0; i < n; i++) {
            const float *in = x + i * (size_t)p + c0;
            double *out = blk + i * (size_t)w;
            for (int j = 0; j < w; j++) out[j] = (double)in[j] - mean[c0 + j];
        }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, w, 1.0, blk, w, c0 ? 1.0 : 0.0, k, (int)n);
    }
    free(blk);
    mirror_upper(k, n);
    return CJ_OK;
}

double cka_from_sums(const cka_sums *s, size_t n, int debiased)
{
    double xy = s->xy, xx = s->xx, yy = s->yy;
    if (debiased) {
        /* Kornblith's _debiased_dot_product_similarity_helper: Song et al.'s
         * unbiased HSIC for centred features, up to a factor of n alone,
         * which cancels in the ratio (docs/analysis.md). */
        const double dn = (double)n, a = dn / (dn - 2.0), c = 1.0 / ((dn - 1.0) * (dn - 2.0));
        xy = xy - a * s->kl + s->tx * s->ty * c;
        xx = xx - a * s->kk + s->tx * s->tx * c;
        yy = yy - a * s->ll + s->ty * s->ty * c;
    }
    if (!(xx > 0.0) || !(yy > 0.0)) return NAN;
    return xy / sqrt(xx * yy);
}

cj_status cka_centred_grams(const float *x, const float *y, size_t n, int p, int q, const char *fn, double **k,
                            double **l, cka_sums *s, cj_error *err)
{
    *k = *l = NULL;
    if (n > INT_MAX) return cj_fail(err, CJ_ERR_ARG, "%s: n = %zu stimuli is too many for the Gram form", fn, n);
    double *kx = malloc(sizeof(double) * n * n), *ly = malloc(sizeof(double) * n * n);
    double *mean = malloc(sizeof(double) * ((size_t)p + (size_t)q));
    cj_status st = CJ_OK;
    if (!kx || !ly || !mean)
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for two %zu x %zu Gram matrices", fn, n, n);
    if (!st) st = cka_column_means(x, n, p, fn, "x", mean, err);
    if (!st) st = cka_column_means(y, n, q, fn, "y", mean + p, err);
    if (!st) st = cka_centred_gram(x, n, p, mean, fn, kx, err);
    if (!st) st = cka_centred_gram(y, n, q, mean + p, fn, ly, err);
    if (!st) {
        double xy = 0.0, xx = 0.0, yy = 0.0;
        for (size_t i = 0; i < n * n; i++) {
            xy += kx[i] * ly[i];
            xx += kx[i] * kx[i];
            yy += ly[i] * ly[i];
        }
        s->xy = xy, s->xx = xx, s->yy = yy;
        s->kl = s->kk = s->ll = s->tx = s->ty = 0.0;
        for (size_t i = 0; i < n; i++) {
            double a = kx[i * n + i], b = ly[i * n + i];
            s->kl += a * b;
            s->kk += a * a;
            s->ll += b * b;
            s->tx += a;
            s->ty += b;
        }
    }
    free(mean);
    if (st) {
        free(kx), free(ly);
        return st;
    }
    *k = kx, *l = ly;
    return CJ_OK;
}
