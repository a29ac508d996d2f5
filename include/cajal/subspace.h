/* subspace.h — low-dimensional views of a population of units: principal
 * components, condition averages, and targeted dimensionality reduction
 * (TDR; Mante, Sussillo, Shenoy & Newsome 2013, Nature 503:78, Methods),
 * the analyses behind `cajal analyze pca` and `cajal analyze tdr`.
 *
 *     // x: [trials, T, units] responses; F: [trials, 4] choice, motion, colour, context
 *     double avg[C * T * U];
 *     cj_condition_average(x, trials, T, U, cond, C, avg, NULL, &err);   // [C, T, U]
 *     cj_pca pca;
 *     cj_pca_fit_f64(&pca, avg, (size_t)C * T, U, 3, &err);   // conditions x time as rows
 *     cj_pca_project_f64(&pca, avg, (size_t)C * T, 3, proj, &err);   // [C, T, 3]
 *     cj_pca_free(&pca);
 *
 *     const char *names[] = {"choice", "motion", "colour", "context"};
 *     cj_tdr_input in = {.x = x, .trials = trials, .T = T, .units = U, .regressors = F,
 *                        .n_regressors = 4, .names = names, .condition = cond,
 *                        .n_conditions = C, .n_pca = 12};
 *     cj_tdr tdr;
 *     cj_tdr_run(&in, &tdr, &err);     // tdr.axes [4, U], tdr.projections [C, T, 4], ...
 *     cj_tdr_free(&tdr);
 *
 * Types: responses as recorded are float ([trials, T, units], the time
 * steps of one trial contiguous); everything cajal computes from them
 * (condition averages, components, coefficients, axes, projections) is
 * double, and arrays are row-major. Results are owned by their struct and
 * freed by its _free function; nothing here prints or keeps state, and the
 * results depend on the data alone (no random numbers). */
#ifndef CAJAL_SUBSPACE_H
#define CAJAL_SUBSPACE_H

#include <stddef.h>

#include "cajal/status.h"

/* ---- principal components ------------------------------------------- */

/* PCA of a [rows, units] matrix, centred on its column means, as
 * sklearn.decomposition.PCA(n_components=k) computes it: the covariance
 * (divisor rows - 1) is diagonalised by LAPACK's dsyevd, and the top k
 * eigenvectors are the components. Sign convention: each component's
 * loading of largest magnitude is positive (the first such loading on a
 * tie), which is scikit-learn's svd_flip(u_based_decision=False), what its
 * PCA does from version 1.5 (earlier versions fixed the sign of the scores
 * instead). */
typedef struct {
    int units, k;
    double *mean;                     /* [units] column means */
    double *components;               /* [k, units], orthonormal rows, by decreasing variance */
    double *explained_variance;       /* [k] variance along each component (divisor rows - 1) */
    double *explained_variance_ratio; /* [k] the same over total_variance */
    double total_variance;            /* sum of the units' variances (divisor rows - 1) */
} cj_pca;

/* Fit the top k components (1 <= k <= units) of x, [rows, units] floats;
 * rows >= 2, every value finite. Fails with CJ_ERR_ARG naming the bad
 * value, CJ_ERR_NOMEM, or CJ_ERR_NUMERIC if LAPACK fails. On failure *pca
 * holds nothing to free (cj_pca_free is still safe). Components beyond
 * the rank of the centred data (rows - 1) have variance 0 and an
 * arbitrary direction orthogonal to the others. */
cj_status cj_pca_fit(cj_pca *pca, const float *x, size_t rows, int units, int k, cj_error *err);
/* The same for double data (e.g. cj_condition_average's output). */
cj_status cj_pca_fit_f64(cj_pca *pca, const double *x, size_t rows, int units, int k, cj_error *err);

/* Scores of the rows of x on the first k components (k <= pca->k):
 * out[r, j] = (x[r] - mean) . components[j], into out [rows, k] — what
 * sklearn's PCA.transform gives. [trials, T, units] responses are rows =
 * trials * T, and the scores come out as [trials, T, k]. */
cj_status cj_pca_project(const cj_pca *pca, const float *x, size_t rows, int k, double *out, cj_error *err);
cj_status cj_pca_project_f64(const cj_pca *pca, const double *x, size_t rows, int k, double *out, cj_error *err);

void cj_pca_free(cj_pca *pca);

/* ---- condition averages --------------------------------------------- */

/* The mean response of each condition at each time step:
 * out[c, t, u] = mean over the trials k with condition[k] = c of
 * x[k, t, u], into out [n_conditions, T, units]; counts[c] (may be NULL)
 * gets the number of trials of condition c. Every id must lie in
 * [0, n_conditions) and every condition must have a trial (CJ_ERR_ARG
 * names the trial or the empty condition). */
cj_status cj_condition_average(const float *x, int trials, int T, int units, const int *condition,
                               int n_conditions, double *out, int *counts, cj_error *err);

/* ---- targeted dimensionality reduction ------------------------------ */

/* What TDR is given. The regressors F_v(k) are per trial, e.g. choice +-1,
 * signed motion coherence, signed colour coherence, context +-1. */
typedef struct {
    const float *x;            /* [trials, T, units] responses */
    int trials, T, units;
    const double *regressors;  /* [trials, n_regressors] */
    int n_regressors;
    const char *const *names;  /* [n_regressors] for messages; NULL: "regressor 0", ... */
    const int *condition;      /* [trials] condition ids in [0, n_conditions) */
    int n_conditions;
    int n_pca;                 /* denoising components (Mante: 12); 0: no denoising */
    const int *order;          /* [n_regressors] a permutation: the order of
                                  orthogonalisation (Mante: choice, motion, colour,
                                  context); NULL: the regressors' own order */
} cj_tdr_input;

/* What TDR finds. Axes, norms and projections are indexed by regressor
 * (row v belongs to regressor v), whatever the orthogonalisation order. */
typedef struct {
    int n_regressors, T, units, n_conditions, n_pca;
    double *unit_mean, *unit_sd; /* [units] the z-scoring (see cj_tdr_run) */
    double *beta;          /* [n_regressors, T, units] regression coefficients beta_{v,i,t} */
    double *intercept;     /* [T, units] beta_0 */
    double *beta_pca;      /* [n_regressors, T, units] beta projected on the top n_pca PCs */
    double *norms;         /* [n_regressors, T] |beta_pca_{v,.,t}| */
    int *t_max;            /* [n_regressors] the t of the largest norm (the first on a tie) */
    double *beta_max;      /* [n_regressors, units] beta_pca_{v,.,t_max[v]} */
    double *angles;        /* [n_regressors, n_regressors] degrees between the beta_max, in [0, 180] */
    double *axes;          /* [n_regressors, units] orthonormal, from QR of beta_max in `order` */
    double *cond_mean;     /* [n_conditions, T, units] z-scored condition averages */
    double *projections;   /* [n_conditions, T, n_regressors] cond_mean . axes[v] */
} cj_tdr;

/* TDR as in Mante et al. 2013, Methods, "Targeted dimensionality reduction":
 *
 *  1. z-score each unit i: (x - mean_i) / sd_i, the mean and the standard
 *     deviation (divisor trials * T, NumPy's std) over all trials and
 *     times; a unit with sd_i = 0 is all zeros (its coefficients are 0),
 *     not NaN.
 *  2. regress, for every unit i and time t over trials k,
 *        r_{i,t}(k) = sum_v beta_{v,i,t} F_v(k) + beta_{0,i,t},
 *     by least squares through one QR factorisation of the design matrix
 *     [1, F] shared by all units and times (beta = R^-1 Q^T r).
 *  3. denoise: beta_pca_{v,.,t} = D beta_{v,.,t} with D = sum_a v_a v_a^T
 *     over the top n_pca principal components v_a of the z-scored
 *     condition averages (rows: conditions x time; cj_pca_fit_f64).
 *  4. beta_max_v = beta_pca_{v,.,t_max}, t_max the time of largest norm.
 *  5. orthogonalise [beta_max in `order`] by QR (dgeqrf/dorgqr); each axis
 *     is signed to point along its own beta_max (R's diagonal positive).
 *  6. project the z-scored condition averages onto the axes.
 *
 * Fails with CJ_ERR_ARG, naming the regressor where one is at fault, for:
 * trials <= n_regressors + 1 (too few to fit the coefficients with any
 * residual left), a non-finite value, a regressor constant over trials or a
 * linear combination of the intercept and the regressors before it (the
 * design is rank-deficient), more regressors than units, n_pca above
 * min(units, conditions x T - 1) (the centred averages' rank) or between
 * 1 and n_regressors - 1 (the axes could not be independent), an order that
 * is not a permutation, a beta_max of zero or in the span of those before
 * it in the order, and cj_condition_average's errors.
 * CJ_ERR_NOMEM or CJ_ERR_NUMERIC (LAPACK) otherwise. On failure *out holds
 * nothing to free (cj_tdr_free is still safe). */
cj_status cj_tdr_run(const cj_tdr_input *in, cj_tdr *out, cj_error *err);

void cj_tdr_free(cj_tdr *tdr);

#endif
