/* cka.h — how similar two representations of the same stimuli are:
 * centred kernel alignment (CKA; Kornblith, Norouzi, Lee & Hinton 2019,
 * ICML, "Similarity of neural network representations revisited"), linear
 * and RBF, biased and debiased, and two shape measures from the same
 * products: the orthogonal Procrustes distance (Ding, Denain & Steinhardt
 * 2021; Williams et al. 2021) and the mean canonical correlation.
 *
 *     // x [n, p], y [n, q]: two layers' responses to the same n stimuli
 *     double s;
 *     cj_cka_linear(x, y, n, p, q, 0, &s, &err);          // biased linear CKA
 *     cj_cka_linear(x, y, n, p, q, 1, &s, &err);          // debiased (n >= 4)
 *     cj_cka_rbf(x, y, n, p, q, 0.5, 0, &s, &err);        // RBF, sigma = 0.5 median distance
 *
 *     // any kernels: the Gram form, e.g. a Gram matrix from elsewhere
 *     double *kx = malloc(sizeof(double) * n * n), *ky = ...;
 *     cj_gram_linear(x, n, p, kx, &err);
 *     cj_gram_rbf(y, n, q, 1.0, ky, &err);
 *     cj_cka_gram(kx, ky, n, 0, &s, &err);               // centres kx, ky in place
 *
 * Definitions (K, L the n x n Gram matrices of x and y; H = I - 11^T/n):
 *   biased    HSIC(K, L) = tr(H K H L) (up to the 1/(n-1)^2 that cancels),
 *             CKA = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L));
 *   debiased  the same ratio of Song et al.'s (2012, JMLR 13:1393, eq. 5)
 *             unbiased HSIC estimator, computed as Kornblith's
 *             center_gram(unbiased=True): the diagonals zeroed, then
 *             K_ij - u_i - u_j with u_i = sum_k K_ik / (n - 2) -
 *             sum_kl K_kl / (2 (n - 1) (n - 2)), the diagonal zeroed again.
 *   linear    K = xc xc^T with xc = x minus its column means, so that
 *             biased CKA = ||yc^T xc||_F^2 / (||xc^T xc||_F ||yc^T yc||_F),
 *             computed in feature space (p x q products, not n x n).
 *   RBF       K_ij = exp(-|x_i - x_j|^2 / (2 t^2 m)), m the median of the n^2
 *             squared distances (diagonal zeros included, as NumPy's median
 *             of the whole matrix in Kornblith's gram_rbf(x, threshold=t)).
 *
 * Types: inputs are row-major float [stimuli, features]; results double.
 * Linear CKA takes its products in float (OpenBLAS ssyrk over blocks of
 * 1,024 stimuli, summed in float over at most 4,096 stimuli) and adds those
 * partial sums in double: on the tests' data it agrees with a float64
 * NumPy reference to 1e-7 (40 stimuli) and 1e-9 (9,000 stimuli); 10,000 x
 * 512 against 10,000 x 512 agrees with NumPy's float32 feature-space form
 * to 1.4e-7 (bench/run_cka.sh). Gram
 * matrices, RBF and the shape measures are double throughout (an n x n
 * kernel's centring cancels; a median of 10^8 values needs exact ties).
 *
 * Undefined values are NaN, not errors: CKA when a representation is
 * constant over the stimuli (a dead layer: its HSIC with itself is 0) or a
 * debiased self-HSIC comes out <= 0 (possible for tiny n). Errors
 * (CJ_ERR_ARG naming the argument and value): NULL pointers, n < 2 (n < 4
 * debiased), p or q < 1, a value that is not finite, a threshold <= 0.
 * CJ_ERR_NOMEM names the buffer. Nothing here prints or keeps state; no
 * random numbers are used. */
#ifndef CAJAL_CKA_H
#define CAJAL_CKA_H

#include <stddef.h>

#include "cajal/status.h"

/* ---- linear CKA -------------------------------------------------------- */

/* Linear CKA of x [n, p] and y [n, q], biased (debiased = 0) or debiased
 * (1), into *cka. Works in feature space when 2 n >= p + q: one pass over
 * the stimuli, each block of 1,024 rows centred into [xc | yc] and
 * multiplied by ssyrk into the (p + q)^2 products xc^T xc, xc^T yc,
 * yc^T yc (n (p + q)^2 FLOPs; memory 12 (p + q)^2 bytes plus one block).
 * The debiased form in feature space (Kornblith's notebook; see
 * docs/analysis.md) needs, besides those products, only the squared row
 * norms k_i = |xc_i|^2 and l_i = |yc_i|^2:
 *   HSIC_u(x, y) ~ ||yc^T xc||^2 - n/(n-2) sum_i k_i l_i
 *                  + (sum_i k_i)(sum_i l_i) / ((n-1)(n-2)).
 * With fewer stimuli than half the features (2 n < p + q, e.g. 92 images
 * of a 4,096-unit layer) it takes the Gram form in double instead:
 * n^2 (p + q) FLOPs, 16 n^2 bytes. */
cj_status cj_cka_linear(const float *x, const float *y, size_t n, int p, int q, int debiased, double *cka,
                        cj_error *err);

/* ---- Gram matrices and the Gram form -------------------------------- */

/* k [n, n] = xc xc^T, the linear kernel of x [n, p] after subtracting its
 * column means (which CKA's centring would remove anyway: done first, it
 * keeps large means from cancelling). Double, full symmetric matrix. */
cj_status cj_gram_linear(const float *x, size_t n, int p, double *k, cj_error *err);

/* k [n, n] = Kornblith's gram_rbf(x, threshold): the Gaussian kernel with
 * bandwidth sigma = threshold * sqrt(median squared distance). Squared
 * distances |x_i|^2 + |x_j|^2 - 2 x_i.x_j are taken after centring, in
 * double, and rounding below 0 is clamped to 0. A median of 0 (over half
 * the stimuli identical) leaves sigma = 0: fails with CJ_ERR_NUMERIC.
 * Allocates n (n - 1) / 2 doubles for the median. */
cj_status cj_gram_rbf(const float *x, size_t n, int p, double threshold, double *k, cj_error *err);

/* Centre the symmetric k [n, n] in place: H k H (unbiased = 0), or the
 * unbiased centring above (unbiased = 1, n >= 3), as Kornblith's
 * center_gram. */
cj_status cj_gram_center(double *k, size_t n, int unbiased, cj_error *err);

/* CKA of two Gram matrices kx, ky [n, n] (symmetric to 1e-10 of their
 * largest entry: CJ_ERR_ARG names the first pair that is not), biased or
 * debiased. kx and ky are centred in place (overwritten). */
cj_status cj_cka_gram(double *kx, double *ky, size_t n, int debiased, double *cka, cj_error *err);

/* RBF CKA: cj_gram_rbf of x and of y with the same threshold, then
 * cj_cka_gram. Memory: 2 n^2 + n(n-1)/2 doubles (n = 5,000: 500 MB). */
cj_status cj_cka_rbf(const float *x, const float *y, size_t n, int p, int q, double threshold, int debiased,
                     double *cka, cj_error *err);

/* ---- shape measures ---------------------------------------------------- */

/* Everything one pass over x [n, p] and y [n, q] gives, from the products
 * xc^T xc, xc^T yc, yc^T yc (double, accumulated as cj_cka_linear's feature
 * path):
 *   cka, cka_debiased  as cj_cka_linear;
 *   procrustes         the squared orthogonal Procrustes distance between
 *                      xc / ||xc||_F and yc / ||yc||_F, zero-padded to the
 *                      same width: min over orthogonal Q of
 *                      ||xc/|xc| - yc/|yc| Q||_F^2 = 2 - 2 ||xc^T yc||_* /
 *                      (||xc||_F ||yc||_F), in [0, 2] (Ding et al. 2021,
 *                      eq. 2; ||.||_* the nuclear norm, the sum of the
 *                      singular values);
 *   cca_mean           mean canonical correlation rho-bar = sum rho_i / c,
 *                      c = min(p, q), the rho_i the singular values of
 *                      (xc^T xc)^-1/2 xc^T yc (yc^T yc)^-1/2;
 *   cca_r2             Kornblith's R^2_CCA = sum rho_i^2 / c (his cca()).
 * CCA needs linearly independent features: when xc^T xc or yc^T yc has an
 * eigenvalue below 1e-10 of its largest (rank < p, e.g. p >= n), cca_mean
 * and cca_r2 are NaN (reduce the features with PCA first). The products
 * are double (dsyrk) here, at half the float rate, for CCA's whitening.
 * Two forms, chosen by the shapes:
 *   p < n and q < n: feature space, as above. Limits: p + q <= 46,340.
 *     Memory: about 8 (p + q)^2 + 8,192 (p + q) bytes; time n (p + q)^2
 *     plus O((p + q)^3) for the decompositions.
 *   p >= n or q >= n (wide layers on few stimuli): the Gram matrices
 *     xc xc^T and yc yc^T [n, n], the nuclear norm from their
 *     eigendecompositions (the same value), CCA NaN without computing it.
 *     Limits: n <= CJ_CKA_GRAM_FORM_MAX_N. Memory: about 24 n^2 bytes; time
 *     n^2 (p + q) plus O(n^3). */
typedef struct {
    double cka, cka_debiased; /* cka_debiased NaN for n < 4 */
    double procrustes;
    double cca_mean, cca_r2;
} cj_cka_measures;

cj_status cj_cka_compare(const float *x, const float *y, size_t n, int p, int q, cj_cka_measures *out,
                           cj_error *err);

/* The most stimuli the Gram form takes (LAPACK's workspace for an n x n
 * eigendecomposition, 1 + 6n + 2n^2, must fit an int). */
#define CJ_CKA_GRAM_FORM_MAX_N 32000

/* About how many bytes cj_cka_compare allocates for this pair (its largest
 * buffers, by the form the shapes choose), to decide before calling. */
size_t cj_cka_compare_bytes(size_t n, int p, int q);

#endif
