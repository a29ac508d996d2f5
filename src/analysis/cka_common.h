/* cka_common.h — what the CKA files share (src/analysis/cka_*.c): column
 * means with the finiteness check, the centred products of two
 * representations in feature space, the centred Gram matrix, and CKA from
 * the few sums both forms reduce to. Private to src/analysis. */
#ifndef CAJAL_ANALYSIS_CKA_COMMON_H
#define CAJAL_ANALYSIS_CKA_COMMON_H

#include <stddef.h>

#include "cajal/status.h"

/* Rows per block of the feature-space products: enough for ssyrk to run
 * near its peak, small enough (4 MB for p + q = 1,024) to stay in cache. */
enum { CKA_BLOCK_ROWS = 1024, CKA_BLOCK_COLS = 256 };

/* Stimuli whose float products are summed in float before they are added
 * into the double accumulator (a multiple of CKA_BLOCK_ROWS). */
#ifndef CKA_FLUSH_ROWS
#define CKA_FLUSH_ROWS 4096
#endif

/* Column means of x [n, p] into mean [p] (double sums). A value that is
 * not finite fails with CJ_ERR_ARG naming "<fn>: <name>[i, j] = v". */
cj_status cka_column_means(const float *x, size_t n, int p, const char *fn, const char *name, double *mean,
                           cj_error *err);

/* The sums CKA needs, whichever form computed them: with xc, yc the
 * centred representations, K = xc xc^T, L = yc yc^T, k_i = K_ii, l_i = L_ii,
 *   xy = ||yc^T xc||_F^2 = sum_ij K_ij L_ij,  xx = ||K||_F^2,  yy = ||L||_F^2,
 *   kl = sum_i k_i l_i, kk = sum_i k_i^2, ll = sum_i l_i^2,
 *   tx = sum_i k_i = ||xc||_F^2, ty = sum_i l_i. */
typedef struct {
    double xy, xx, yy, kl, kk, ll, tx, ty;
} cka_sums;

/* The centred products in feature space: g [(p+q), (p+q)] double, full
 * (both triangles), = [xc yc]^T [xc yc], so g[0:p, 0:p] = xc^T xc,
 * g[0:p, p:] = xc^T yc, g[p:, p:] = yc^T yc; and the row-norm sums of *s
 * (xy, xx, yy left 0: cka_sums_from_products fills them). Each block of
 * CKA_BLOCK_ROWS rows is centred and multiplied in float (ssyrk) when
 * in_double = 0, in double (dsyrk) when 1; blocks are summed in double.
 * g is allocated here (the caller frees it). */
cj_status cka_feature_products(const float *x, const float *y, size_t n, int p, int q, int in_double, const char *fn,
                               double **g, cka_sums *s, cj_error *err);

/* xy, xx, yy from the products g of cka_feature_products. */
void cka_sums_from_products(const double *g, int p, int q, cka_sums *s);

/* k [n, n] = xc xc^T in double, full symmetric, xc = x - mean (mean [p]
 * from cka_column_means), by dsyrk over blocks of CKA_BLOCK_COLS columns. */
cj_status cka_centred_gram(const float *x, size_t n, int p, const double *mean, const char *fn, double *k,
                           cj_error *err);

/* Both centred Gram matrices, k = xc xc^T and l = yc yc^T [n, n] (double,
 * full; allocated here, the caller frees them), and the sums of *s from
 * them: the Gram form of cka_feature_products. */
cj_status cka_centred_grams(const float *x, const float *y, size_t n, int p, int q, const char *fn, double **k,
                            double **l, cka_sums *s, cj_error *err);

/* CKA from the sums: biased xy / sqrt(xx yy), or debiased with the
 * feature-space form of Song et al.'s estimator (cajal/cka.h). NaN when a
 * normaliser is not positive. */
double cka_from_sums(const cka_sums *s, size_t n, int debiased);

#endif
