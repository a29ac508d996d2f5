/* predictivity.h — how well a model's features predict recorded units:
 * cross-validated ridge regression from features to each unit, scored by
 * Pearson r on held-out stimuli and ceiled by each unit's split-half
 * reliability (Brain-Score's neural predictivity, Schrimpf et al. 2018,
 * bioRxiv 407007; Yamins et al. 2014, PNAS 111:8619).
 *
 *     // x [n, p] a layer's features; resp [n, reps, units] recorded responses
 *     cj_predictivity_opts o;
 *     cj_predictivity_defaults(&o);          // 10 folds, alphas 1e-2..1e7, z-scored
 *     o.ridge.seed = 7;
 *     cj_predictivity pr;
 *     if (cj_predictivity_run(x, n, p, resp, reps, units, &o, &pr, &err)) ...
 *     printf("median r %.3f, ceiled %.3f\n", pr.median_r, pr.median_ceiled_r);
 *     // per unit: pr.ridge.r[u], pr.reliability[u], pr.ceiled_r[u], ...
 *     cj_predictivity_free(&pr);
 *
 * The regression, for each outer fold f of a k-fold split of the stimuli:
 *   1. the features of the training stimuli are z-scored with the training
 *      mean and standard deviation (divisor n_train, as scikit-learn's
 *      StandardScaler; a feature constant on the training stimuli is only
 *      centred), or only centred (CJ_RIDGE_CENTER); the test stimuli get
 *      the same transform. Each unit is centred with its training mean
 *      (the intercept, not penalised).
 *   2. alpha is chosen from the grid by leave-one-out cross-validation on
 *      the training stimuli: the exact LOO residual of ridge regression is
 *      (y_i - yhat_i) / (1 - H_ii) with H = U diag(s^2/(s^2 + alpha)) U^T
 *      + 11^T / n_train, from one decomposition Xc = U S V^T of the training
 *      features per fold, which gives every alpha's solution (the
 *      eigendecomposition of Xc^T Xc or of Xc Xc^T, whichever is smaller).
 *      This is scikit-learn's RidgeCV(alphas, alpha_per_target=True) (its
 *      default cv=None), whose choices the tests reproduce; per unit, or one
 *      alpha per fold minimising the mean over units (alpha_per_unit = 0,
 *      RidgeCV's alpha_per_target=False). Ties go to the first alpha.
 *   3. the ridge fit with that alpha, w = V diag(s/(s^2 + alpha)) U^T yc,
 *      predicts the held-out stimuli: pred = (x_test scaled) w + mean.
 * Directions of the training features with variance below 1e-12 of the
 * largest are dropped (rounding; their ridge weight is below 1e-12 /
 * alpha of the others').
 *
 * Scores per unit: r_fold, Pearson r between prediction and response on
 * each test fold; r, their mean over the folds (Brain-Score's
 * CrossRegressedCorrelation: mean over splits, then median over units);
 * r_pooled, Pearson r over all n held-out predictions at once.
 *
 * Ceiling (Spearman-Brown): for each of `splits` seeded random splits of
 * the repetitions into halves (the first reps/2 of a shuffled order, and
 * the rest), r_half is Pearson r across stimuli between the two halves'
 * mean responses, corrected to the full number of repetitions as
 * 2 r_half / (1 + r_half); a unit's reliability is the mean of the
 * corrected values over splits. Then per unit
 *   ceiled_r = r / sqrt(reliability)     the correlation a noiseless
 *                                        model would have (Spearman's
 *                                        correction for attenuation);
 *   ev       = sign(r) r^2 / reliability the fraction of the explainable
 *                                        variance predicted (signed, so that
 *                                        an anti-correlated model does not
 *                                        count as explaining the unit);
 *   brainscore_r = r / reliability      Brain-Score's own ceil_score
 *                                        (metrics/ceiling.py), which
 *                                        divides by the ceiling itself, not
 *                                        its square root.
 * NaN where undefined: a unit constant on a test fold (its r_fold; r
 * averages the folds that have one), reliability <= 0 or reps < 2 (the
 * ceiled values). Medians are over the units where the value is finite.
 *
 * Types: features and responses float as recorded, row-major
 * [stimuli, ...]; everything computed is double (the regression's
 * decompositions in LAPACK's dsyevd). Deterministic: the fold split and the
 * repetition splits come from seeded cj_rng streams. */
#ifndef CAJAL_PREDICTIVITY_H
#define CAJAL_PREDICTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/status.h"

/* ---- cross-validated ridge regression ----------------------------------- */

typedef enum {
    CJ_RIDGE_ZSCORE = 0, /* features z-scored with training statistics */
    CJ_RIDGE_CENTER = 1  /* features centred with the training means only */
} cj_ridge_scaling;

typedef struct {
    int folds;            /* k of the outer k-fold, >= 2 (default 10) */
    const int *fold;      /* optional [n] fold of each stimulus in [0, folds),
                             every fold with >= 2 stimuli; NULL: the stimuli
                             are shuffled by `seed` and cut into k folds of
                             n/k or n/k + 1 (the larger first), as
                             scikit-learn's KFold(k, shuffle=True) */
    uint64_t seed;        /* for the shuffle (default 0) */
    const double *alphas; /* grid, each finite and > 0; NULL: the default */
    int n_alphas;
    cj_ridge_scaling scaling;
    int alpha_per_unit;   /* 1 (default): each unit its own alpha; 0: one per fold */
} cj_ridge_cv_opts;

/* The default grid: 10^-2, 10^-1, ..., 10^7 (10 values). With z-scored
 * features the eigenvalues of Xc^T Xc sum to n_train p, so the grid spans
 * from almost no shrinkage to almost all of it for typical layers; an
 * alpha chosen at an end of the grid says the grid should be wider. */
extern const double cj_ridge_default_alphas[10];

/* folds 10, fold NULL, seed 0, the default grid, z-scoring, per unit. */
void cj_ridge_cv_defaults(cj_ridge_cv_opts *o);

typedef struct {
    size_t n;
    int units, folds;
    int *fold;        /* [n] the fold of each stimulus (given or drawn) */
    double *pred;     /* [n, units] each stimulus predicted by the fit without its fold */
    double *alpha;    /* [folds, units] the alpha chosen (the same across a row when shared) */
    double *r_fold;   /* [folds, units] Pearson r on each test fold */
    double *r;        /* [units] mean over folds of r_fold */
    double *r_pooled; /* [units] Pearson r of pred against y over all n */
} cj_ridge_cv;

/* Cross-validated ridge from x [n, p] (float) to y [n, units] (double).
 * Fails with CJ_ERR_ARG for: NULL pointers, p or units < 1, folds < 2 or
 * > n/2 (each test fold needs 2 stimuli for a correlation), a fold id out
 * of range or a fold with fewer than 2 stimuli, an alpha that is not
 * finite and > 0, a value of x or y that is not finite (naming [i, j]);
 * CJ_ERR_NOMEM; CJ_ERR_NUMERIC if LAPACK fails. On failure *out holds
 * nothing to free (cj_ridge_cv_free is still safe).
 * Memory: the training and test features in double (8 n p bytes), a
 * min(n, p)^2 decomposition, and a few [n, units] arrays; time per fold
 * n min(n, p) max(n, p) for the decomposition plus
 * n_alphas n min(n, p) units for the leave-one-out errors. */
cj_status cj_ridge_cv_run(const float *x, size_t n, int p, const double *y, int units, const cj_ridge_cv_opts *o,
                          cj_ridge_cv *out, cj_error *err);

void cj_ridge_cv_free(cj_ridge_cv *cv);

/* ---- split-half reliability ------------------------------------------- */

/* Pearson r across stimuli, per unit, between the mean over the
 * repetitions with first_half[k] != 0 and the mean over the others, of
 * resp [n, reps, units]; into r [units] (NaN where a half's means are
 * constant). Each half needs at least one repetition; n >= 2. */
cj_status cj_split_half_r(const float *resp, size_t n, int reps, int units, const unsigned char *first_half,
                          double *r, cj_error *err);

/* The Spearman-Brown corrected split-half reliability of each unit,
 * averaged over `splits` (>= 1) random splits drawn from `seed`, into
 * rel [units] (NaN where no split gave a finite value). reps >= 2. */
cj_status cj_split_half_reliability(const float *resp, size_t n, int reps, int units, int splits, uint64_t seed,
                                    double *rel, cj_error *err);

/* ---- predictivity ------------------------------------------------------ */

typedef struct {
    cj_ridge_cv_opts ridge;
    int splits;            /* repetition splits for the reliability (default 10) */
    uint64_t split_seed;   /* (default 0) */
} cj_predictivity_opts;

void cj_predictivity_defaults(cj_predictivity_opts *o);

typedef struct {
    int units, reps;
    cj_ridge_cv ridge;     /* the regression, to y = the mean over repetitions */
    double *reliability;   /* [units] (NaN when reps < 2) */
    double *ceiled_r;      /* [units] r / sqrt(reliability) */
    double *ev;            /* [units] sign(r) r^2 / reliability */
    double *brainscore_r;  /* [units] r / reliability */
    double median_r, median_r_pooled, median_reliability;
    double median_ceiled_r, median_ev, median_brainscore_r;
    double brainscore;     /* median_r / median_reliability: Brain-Score's
                              aggregate (the medians first, then the ratio) */
    int units_valid;       /* units with a finite ceiled_r */
} cj_predictivity;

/* Ridge predictivity of x [n, p] for resp [n, reps, units] (reps >= 1;
 * with reps = 1 the responses are already averaged and nothing is ceiled).
 * The responses' mean over repetitions is the regression's target.
 * Errors as cj_ridge_cv_run, plus splits < 1 (CJ_ERR_ARG) and a response
 * that is not finite. */
cj_status cj_predictivity_run(const float *x, size_t n, int p, const float *resp, int reps, int units,
                              const cj_predictivity_opts *o, cj_predictivity *out, cj_error *err);

void cj_predictivity_free(cj_predictivity *pr);

#endif
