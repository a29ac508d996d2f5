/* ica.h — independent component analysis (`cajal ica`; docs/codes.md,
 * "ICA"): for samples x (rows of X [n, d]) find K sources
 *
 *     s = (x - mean) unmixing^T,      x - mean ~ s basis
 *
 * that are as independent as possible. The data are centred and
 * PCA-whitened to K components first (cj_ica_whiten), then an orthogonal-ish
 * K x K rotation of the white data is learned by
 *
 *   - infomax (Bell & Sejnowski 1995, Neural Comput 7:1129) in Amari,
 *     Cichocki & Yang's (1996) natural-gradient form, with the logistic
 *     nonlinearity, or (default) extended to sub-Gaussian sources with the
 *     kurtosis-switched tanh rule of Lee, Girolami & Sejnowski 1999 (Neural
 *     Comput 11:417), with the block size, learning-rate annealing and
 *     stopping rule of EEGLAB's runica and MNE's infomax; or
 *   - FastICA (Hyvarinen 1999, IEEE Trans Neural Netw 10:626), symmetric
 *     (parallel) fixed-point iteration, G = log cosh, with scikit-learn's
 *     defaults (tol 1e-4, 200 iterations);
 * or either objective by Picard (solver CJ_ICA_PICARD; Ablin, Cardoso &
 * Gramfort 2018): L-BFGS with a Hessian-approximation preconditioner, on
 * the extended-infomax likelihood or, under the orthogonal constraint, on
 * FastICA's log cosh contrast. The same estimators, found in far fewer
 * passes over the data on natural images (docs/benchmarks.md).
 *
 *     cj_ica_opts o;
 *     cj_ica_opts_default(&o);          // extended infomax, all components
 *     cj_ica_model m;
 *     if (cj_ica_fit(x, n, d, &o, NULL, NULL, &m, &err)) ...
 *     // m.unmixing [k, d], m.basis [k, d], m.mean [d]
 *     cj_ica_model_free(&m);
 *
 * A seed and the BLAS thread count fix every number: the sample order of
 * infomax, its kurtosis subsamples and FastICA's initial matrix come from
 * the seed. */
#ifndef CAJAL_ICA_H
#define CAJAL_ICA_H

#include <stdint.h>

#include "cajal/status.h"

typedef enum { CJ_ICA_INFOMAX, CJ_ICA_FASTICA } cj_ica_method;

/* classic: the method's own algorithm (runica's natural-gradient blocks,
 * FastICA's fixed point); picard: L-BFGS on the same objective. */
typedef enum { CJ_ICA_CLASSIC, CJ_ICA_PICARD } cj_ica_solver;

/* "classic", "picard"; -1 from the parse for another name. */
const char *cj_ica_solver_name(cj_ica_solver s);
int cj_ica_solver_parse(const char *name);

/* Picard's default tolerance on max |relative gradient|. */
#define CJ_ICA_PICARD_TOL 1e-3

/* "infomax", "fastica"; -1 from the parse for another name. */
const char *cj_ica_method_name(cj_ica_method m);
int cj_ica_method_parse(const char *name);

typedef struct {
    int components;       /* K; 0 (default): every principal component with variance */
    cj_ica_method method; /* default infomax */
    cj_ica_solver solver; /* default classic */
    int extended;         /* infomax: 1 (default) extended, 0 Bell & Sejnowski's logistic
                             (classic solver only) */
    int max_iter;         /* passes (infomax) / iterations (FastICA); default 200 (MNE, sklearn) */
    double tol;           /* 0 (default): the method's own. FastICA: max |1 - |diag(W_new W^T)||
                             to stop (1e-4, sklearn); infomax: squared weight change of a
                             pass to stop (1e-12, MNE); picard: max |relative gradient|
                             (CJ_ICA_PICARD_TOL) */
    double lrate;         /* infomax: 0 (default) = 0.01 / ln(K^2) (MNE, runica) */
    int block;            /* infomax: samples per update; 0 (default) = floor(sqrt(n / 3)) */
    uint64_t seed;        /* default 1 */
} cj_ica_opts;

void cj_ica_opts_default(cj_ica_opts *o);

/* One pass (infomax) or iteration (FastICA, Picard), for progress lines
 * and ica.json. change: infomax the squared Frobenius norm of the pass's
 * weight change; FastICA max_i |1 - |(W_new W^T)_ii||; Picard max |relative
 * gradient| before the step. angle: infomax's angle in degrees between
 * this change and the reference one (0 otherwise). lrate: infomax's rate,
 * Picard's step length (1 or a power of 1/2). */
typedef struct {
    int iter;
    double change, angle, lrate, seconds;
    int subgaussian; /* extended infomax: sources with the sub-Gaussian sign */
    int restarts;    /* infomax: restarts so far (the pass count starts again at 1) */
    double loss;     /* Picard: the objective after the step (0 otherwise) */
    long samples;    /* Picard: the samples it is measured over (a quarter in the coarse stage) */
} cj_ica_step;

/* Called after every pass/iteration (may be NULL); non-zero stops the run
 * (CJ_ERR_INTERRUPTED). */
typedef int (*cj_ica_progress)(void *ctx, const cj_ica_step *s);

/* ---- whitening ------------------------------------------------------------ */

/* The centring and PCA whitening of x [n, d]: mean [d]; the covariance
 * C = (x - mean)^T (x - mean) / n in double, C = E diag(lambda) E^T by
 * LAPACK dsyevd, eigenvalues descending, each eigenvector signed so its
 * largest entry is positive; components with lambda <= 1e-6 lambda_max
 * have no variance. whitening [k, d] = diag(1/sqrt(lambda_k)) E_k^T and
 * dewhitening [d, k] = E_k diag(sqrt(lambda_k)), so z = (x - mean)
 * whitening^T has identity covariance and x - mean = z dewhitening^T on
 * the kept components. k = 0 asks for every component with variance.
 * Errors: k > d, k < 0, k above the components with variance (naming how
 * many have), n < 2, a non-finite value (naming sample and dim). */
typedef struct {
    int k, d, rank;       /* rank: components with variance */
    float *mean;          /* [d] */
    float *whitening;     /* [k, d] */
    float *dewhitening;   /* [d, k] */
    double *eigenvalues;  /* [d], descending */
} cj_ica_white;

cj_status cj_ica_whiten(const float *x, long n, int d, int k, cj_ica_white *w, cj_error *err);
void cj_ica_white_free(cj_ica_white *w);

/* z [n, k] = (x - mean) whitening^T, through BLAS in blocks of rows. */
cj_status cj_ica_white_apply(const cj_ica_white *w, const float *x, long n, float *z, cj_error *err);

/* ---- the two algorithms on white data z [n, k] --------------------------- */

typedef struct {
    int iterations;   /* passes / iterations run (of the last start, for infomax) */
    int converged;    /* 1: change below tol, 2 (infomax): more than 20 passes without
                         annealing, 3 (picard): no step lowers the loss any more (the
                         precision of its sums), 0: max_iter reached */
    int restarts;     /* infomax: restarts after the weights blew up */
    double lrate;     /* infomax: final learning rate */
    double change;    /* the last step's change */
    int n_steps;
    cj_ica_step *history; /* [n_steps], malloc'd (caller frees) */
} cj_ica_run;

/* Infomax on z [n, k] (rows = samples). W [k, k] (out, row-major) unmixes
 * the white data, s = z W^T; it starts at the identity. Each pass visits
 * the samples in a seeded random order in floor(n / block) blocks of
 * `block` rows U = Z_b W^T + 1 b^T (b a bias, as MNE) and updates
 * (Amari 1996's natural gradient of Bell & Sejnowski's log-likelihood,
 * summed over the block):
 *   logistic: W <- W + lr (block I + (1 - 2 y)^T U) W,  y = 1/(1 + e^-U),
 *             b <- b + lr sum_rows(1 - 2 y)
 *   extended: W <- W + lr (block I - D tanh(U)^T U - U^T U) W,
 *             b <- b - 2 lr sum_rows(tanh U),
 *             D = diag(k_i), k_i = sign(kurt_i + 0.02) (Lee et al. 1999,
 *             eq. 2.16 with the switching moment kurtosis),
 *             kurt the excess kurtosis of each source on 6,000 seeded
 *             random samples (all when n is smaller), smoothed 0.5/0.5
 *             with the previous estimate, estimated every `ext_blocks`
 *             blocks (1 at first, doubled after 25 estimates in a row with
 *             no sign change); the first source starts sub-Gaussian.
 * After each pass, with delta the pass's weight change and change =
 * ||delta||^2: the angle between delta and the reference delta (that of
 * the last annealing); above 60 degrees lr *= 0.9 and delta becomes the
 * reference; the run stops when change < tol (after pass 2), or after
 * more than 20 passes in a row without annealing, or at max_iter;
 * change > 1e4 halves lr. A weight above 1e8 in size or a NaN restarts
 * from the identity with lr *= 0.9 (error below lr 1e-10). */
cj_status cj_ica_infomax(const float *z, long n, int k, const cj_ica_opts *o, cj_ica_progress progress, void *ctx,
                         float *W, cj_ica_run *run, cj_error *err);

/* FastICA on z [n, k]: W starts as a seeded standard-normal k x k matrix,
 * decorrelated; each iteration
 *   W1 = E[g(W z) z^T] - diag(E[g'(W z)]) W,  g = tanh, g' = 1 - tanh^2
 *   W1 <- (W1 W1^T)^{-1/2} W1   (symmetric decorrelation, eigh)
 * (Hyvarinen 1999, eq. 20 with the symmetric orthogonalisation of
 * Sec. 4.2), stopping when max_i |1 - |(W1 W^T)_ii|| < tol. The
 * expectations are over all n samples, through BLAS in blocks of rows. */
cj_status cj_ica_fastica(const float *z, long n, int k, const cj_ica_opts *o, cj_ica_progress progress, void *ctx,
                         float *W, cj_ica_run *run, cj_error *err);

/* Picard on z [n, k] (ica_picard.c's comment has the equations): ortho 1
 * minimises FastICA's objective, sum_i s_i E[log cosh y_i] over orthogonal
 * W, from FastICA's seeded start; ortho 0 the extended-infomax negative
 * log-likelihood from the identity (o->extended 0 drops the sign switch:
 * every source super-Gaussian). s_i = +-1 are the extended signs. Each
 * iteration is one evaluation of W over all samples (two products; three
 * without ortho) unless the line search halves the step. Stops when
 * max |relative gradient| < tol (converged 1), when no step lowers the loss
 * (3) or at max_iter. */
cj_status cj_ica_picard(const float *z, long n, int k, const cj_ica_opts *o, int ortho, cj_ica_progress progress,
                        void *ctx, float *W, cj_ica_run *run, cj_error *err);

/* ---- the whole fit ------------------------------------------------------- */

typedef struct {
    int k, d;
    cj_ica_opts opts;     /* as run (defaults resolved: lrate, block, components) */
    cj_ica_white white;
    float *unmixing;      /* [k, d]: s = (x - mean) unmixing^T */
    float *basis;         /* [k, d]: x - mean ~ s basis (rows of the mixing matrix's transpose) */
    double *kurtosis;     /* [k]: excess kurtosis of each source, descending */
    double *skewness;     /* [k] (>= 0 after the sign rule) */
    double *variance;     /* [k]: share of the input's variance each basis function carries */
    cj_ica_run run;
    double seconds;       /* the algorithm alone */
} cj_ica_model;

/* Whiten (cj_ica_whiten), run the method, then in input space:
 * unmixing = W whitening, each row scaled so its source has unit variance
 * over the n samples and signed so the source's skewness is >= 0 (the
 * heavy tail positive: an edge detector fires positively); sources sorted
 * by excess kurtosis, largest (sparsest) first. basis = pinv(unmixing)^T
 * = W^-T diag(sqrt lambda) E_k^T, by an LU solve: the basis functions,
 * row j the input-space pattern source j adds. Errors for bad options and
 * shapes (naming them), NaN input, a NaN in the run. */
cj_status cj_ica_fit(const float *x, long n, int d, const cj_ica_opts *o, cj_ica_progress progress, void *ctx,
                     cj_ica_model *m, cj_error *err);
void cj_ica_model_free(cj_ica_model *m);

/* sources [n, k] = (x - mean) unmixing^T */
void cj_ica_sources(const cj_ica_model *m, const float *x, long n, float *sources);

/* Amari's performance index of P = W A [k, k] (Amari, Cichocki & Yang
 * 1996, eq. 16), normalised to [0, 1] by 2k(k - 1):
 *   (sum_i (sum_j |p_ij| / max_l |p_il| - 1) + sum_j (sum_i |p_ij| / max_l |p_lj| - 1)) / (2k(k - 1)),
 * 0 exactly when P is a scaled permutation. k = 1 gives 0. */
double cj_ica_amari(const double *p, int k);

/* Excess kurtosis (m4 / m2^2 - 3, moments about the mean, as SciPy's
 * kurtosis(fisher=True, bias=True)) and skewness of column j of a [n, k]. */
void cj_ica_moments(const float *a, long n, int k, double *kurt, double *skew);

/* ---- files -------------------------------------------------------------- */

/* Everything `cajal ica` writes into dir (docs/outputs.md): unmixing.npy,
 * basis.npy, mean.npy, whitening.npy, sources_sample.npy (the first 20,000
 * samples' sources), components.csv, metrics.jsonl, ica.json and, for
 * square dims of side 4..256, the receptive-field report of basis.npy
 * (filters.png, gabor.csv, rf_stats.png, tiling.png); when dewhiten
 * [size^2, d] (FILE.dewhitening.npy of `cajal patches`) and whiten
 * [d, size^2] (FILE.whitening.npy) are given, basis_image.npy (dewhiten
 * basis_j) and filters_image.npy (unmixing_j whiten) with their PNGs.
 * input names the data in ica.json; x/n are the data fitted (the first
 * 20,000 rows give sources_sample.npy). good_fraction (may be NULL) gets
 * the share of Gabor fits with R^2 >= 0.8 (NaN without fits). */
cj_status cj_ica_write(const char *dir, const cj_ica_model *m, const float *x, long n, const char *input,
                       const float *dewhiten, const float *whiten, int size, double *good_fraction, cj_error *err);

#endif
