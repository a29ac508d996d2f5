/* rsa.h — representational similarity analysis (Kriegeskorte, Mur &
 * Bandettini 2008, Front. Syst. Neurosci. 2:4): representational
 * dissimilarity matrices (RDMs) from response patterns, their comparison
 * with brain RDMs, bootstrap intervals, noise ceilings and paired tests, as
 * rsatoolbox computes them (github.com/rsagroup/rsatoolbox; docs/analysis.md,
 * "Comparing representations (RSA)").
 *
 *     // a layer's responses to 92 images, [stimuli, features] row-major
 *     double model[4186], fit, ceiling[2], boot[1000], ci[2];
 *     cj_rdm_compute(acts, 92, 4096, CJ_RDM_CORRELATION, model, &err);
 *     // subjects: 4 human-IT RDMs, condensed, [subjects, 4186]
 *     cj_rsa_fit(model, 1, subjects, 4, 4186, CJ_RSA_TAU_A, &fit, NULL, &err);
 *     cj_rsa_noise_ceiling(subjects, 4, 4186, CJ_RSA_TAU_A, CJ_RSA_POOL_MEAN, ceiling, &err);
 *     cj_rsa_boot_opts o;
 *     cj_rsa_boot_defaults(&o);               // 1000 stimulus bootstraps, seed 1
 *     cj_rsa_bootstrap(model, 1, subjects, 4, 92, CJ_RSA_TAU_A, &o, boot, &err);
 *     cj_percentile_interval(boot, 1000, 0.95, ci, NULL, &err);   // stats.h
 *
 * Layout. An RDM of n stimuli is either the full n x n matrix (row-major,
 * symmetric, zero diagonal) or its condensed form: the upper triangle
 * i < j row by row, n(n-1)/2 entries — the order of scipy's pdist and
 * squareform and of MATLAB's squareform / rsatoolbox's vectors, so a
 * 1 x 4186 vector from a .mat file is one already. Every function below
 * takes condensed RDMs; cj_rdm_to_square / cj_rdm_from_square convert.
 *
 * Precision. Patterns are float (as layers and .npy files hold them); RDMs
 * are double: distances are computed in double, and the rank measures
 * decide order and ties by exact comparison, so rounding distances to float
 * could invent ties (and 4186 doubles are 33 kB). A NaN entry in an RDM
 * marks a missing dissimilarity: comparisons leave out the pairs that are
 * NaN in either RDM.
 *
 * Nothing here prints or keeps state; randomness comes only from the seed in
 * the options. Functions allocate their scratch memory once per call (never
 * per bootstrap sample) and fail with CJ_ERR_NOMEM when they cannot. */
#ifndef CAJAL_RSA_H
#define CAJAL_RSA_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/stats.h"
#include "cajal/status.h"

/* ---- layout ------------------------------------------------------------ */

/* n(n-1)/2: the length of a condensed RDM of n stimuli (0 for n < 2). */
size_t cj_rdm_len(int n);

/* The position of the pair {i, j} (i != j, both in [0, n)) in a condensed
 * RDM: for i < j, n i - i(i+1)/2 + j - i - 1 (scipy's squareform). */
size_t cj_rdm_index(int n, int i, int j);

/* The n with n(n-1)/2 == len (n >= 2), for a condensed RDM read from a
 * file; fails with CJ_ERR_SHAPE naming len when there is none. */
cj_status cj_rdm_stimuli(size_t len, int *n, cj_error *err);

/* The full n x n matrix of a condensed RDM, zero diagonal. */
void cj_rdm_to_square(const double *rdm, int n, double *full);

/* The condensed upper triangle of a full n x n matrix. Fails with
 * CJ_ERR_FORMAT when it is not symmetric (|a_ij - a_ji| above 1e-5 times
 * the largest |entry|, or NaN on one side only) or a diagonal entry is
 * neither 0 nor NaN (rsatoolbox marks the diagonal NaN), naming the entry. */
cj_status cj_rdm_from_square(const double *full, int n, double *rdm, cj_error *err);

/* out = the entrywise mean of `count` RDMs [count, len] (NaN where any is
 * NaN): e.g. a subject's two session RDMs, averaged before the noise
 * ceiling, as Nili et al. (2014) do for the 92-image human-IT data. */
void cj_rdm_mean(const double *rdms, int count, size_t len, double *out);

/* ---- RDMs from response patterns ---------------------------------------
 * x is [n stimuli, features] row-major float; the result is condensed. */
typedef enum {
    CJ_RDM_CORRELATION, /* 1 - Pearson r of the two patterns (pdist 'correlation'; rsatoolbox 'correlation') */
    CJ_RDM_EUCLIDEAN,   /* |x_i - x_j| (pdist 'euclidean') */
    CJ_RDM_SQEUCLIDEAN, /* |x_i - x_j|^2 (pdist 'sqeuclidean'; rsatoolbox's 'euclidean' is this / features) */
    CJ_RDM_COSINE,      /* 1 - x_i.x_j / (|x_i| |x_j|) (pdist 'cosine') */
} cj_rdm_distance;

/* "correlation", "euclidean", "sqeuclidean", "cosine". */
const char *cj_rdm_distance_name(cj_rdm_distance d);
/* The distance called `name`; CJ_ERR_CONFIG listing the names otherwise. */
cj_status cj_rdm_distance_parse(const char *name, cj_rdm_distance *d, cj_error *err);

/* The RDM of patterns x [n, features] under distance d, into rdm
 * [cj_rdm_len(n)]. All pairs at once from one Gram matrix in double
 * (BLAS dsyrk) of the centred (correlation: each pattern; Euclidean: each
 * feature) patterns. Fails with CJ_ERR_SHAPE for n < 2 or features < 1,
 * CJ_ERR_NUMERIC for a non-finite value or, for correlation (cosine), a
 * constant (all-zero) pattern, whose distance is undefined — naming the
 * stimulus. */
cj_status cj_rdm_compute(const float *x, int n, int features, cj_rdm_distance d, double *rdm, cj_error *err);

/* The cross-validated Mahalanobis ("crossnobis") RDM (Walther et al. 2016,
 * NeuroImage 137:188; rsatoolbox's calc_rdm_crossnobis with one precision
 * matrix) of patterns x [n stimuli, folds, units] row-major float: fold k
 * holds one independent measurement of every stimulus (a run, or a
 * repetition). With delta_k = x_ik - x_jk the pair's difference in fold k,
 *
 *     d_ij = 1 / (K (K-1) units) * sum over k != l of delta_k^T P delta_l,
 *
 * the mean over ordered pairs of distinct folds, P the noise precision
 * [units, units] row-major (NULL: identity, the cross-validated squared
 * Euclidean distance). This equals rsatoolbox's leave-one-fold-out average
 * of (mean of the other folds' delta)^T P delta_k / units. Noise that is
 * independent across folds has zero mean in every product, so d is
 * unbiased: its expectation is the true squared distance, 0 for identical
 * patterns, and it can be negative. Computed in double from K + 1 Gram
 * matrices (the folds' sum against itself, minus each fold against itself).
 * Fails with CJ_ERR_SHAPE for n < 2, folds < 2 or units < 1, and
 * CJ_ERR_NUMERIC for a non-finite value. */
cj_status cj_rdm_crossnobis(const float *x, int n, int folds, int units, const double *precision, double *rdm,
                            cj_error *err);

/* ---- comparing two RDMs ------------------------------------------------ */
typedef enum {
    CJ_RSA_TAU_A,    /* Kendall's tau_a (cj_kendall_tau_a_of): what rsatoolbox recommends when a model predicts ties */
    CJ_RSA_SPEARMAN, /* Spearman's rho with average ranks (scipy.stats.spearmanr) */
    CJ_RSA_PEARSON,  /* Pearson's r (rsatoolbox 'corr') */
    CJ_RSA_COSINE,   /* cosine similarity of the dissimilarity vectors (rsatoolbox 'cosine') */
} cj_rsa_measure;

enum { CJ_RSA_MEASURES = 4 };

/* "tau_a", "spearman", "pearson", "cosine": the `measure` column of
 * `cajal rsa`'s table.csv. */
const char *cj_rsa_measure_name(cj_rsa_measure m);
/* The measure called `name`; CJ_ERR_CONFIG listing the names otherwise. */
cj_status cj_rsa_measure_parse(const char *name, cj_rsa_measure *m, cj_error *err);

/* The similarity of condensed RDMs a and b [len] under m, over the entries
 * finite in both (NaN entries are left out pairwise). NaN (with CJ_OK)
 * when fewer than 2 entries remain or the measure is undefined (a constant
 * RDM for Pearson and Spearman, an all-zero one for cosine), as scipy
 * returns it. Fails with CJ_ERR_ARG for an infinite entry. */
cj_status cj_rsa_compare(const double *a, const double *b, size_t len, cj_rsa_measure m, double *value,
                         cj_error *err);

/* The similarity of a and b (condensed, n stimuli) after resampling the
 * stimuli: sample[0..n) lists the stimuli drawn (with repeats), and the
 * bootstrapped RDMs are rsatoolbox's subsample_pattern: every pair of
 * draws (s, t) with sample[s] != sample[t] contributes the original
 * entry, and pairs of a stimulus with a copy of itself are dropped (their
 * dissimilarity would be 0 in every RDM: trivially predicted). Computed
 * without building the resampled RDMs: an entry of stimuli i, j counts
 * c_i c_j times, c_i the copies of i drawn. NaN when fewer than 3
 * distinct stimuli are drawn (rsatoolbox's rule). Fails with CJ_ERR_ARG
 * for a stimulus index outside [0, n). */
cj_status cj_rsa_compare_resampled(const double *a, const double *b, int n, const int *sample, cj_rsa_measure m,
                                   double *value, cj_error *err);

/* ---- fits to several subjects, and the noise ceiling --------------------
 * subjects is [n_subjects, len] condensed (a region's RDM per subject;
 * one subject for a single RDM such as monkey IT). A model's fit to them is
 * the mean over subjects of its similarity to each (rsatoolbox's
 * evaluation: mean of compare). */

/* fit[j] = the mean over subjects of cj_rsa_compare(model j, subject s) for
 * models [n_models, len]; per_subject (may be NULL) gets the values
 * [n_models, n_subjects] (what cj_wilcoxon_signed_rank compares for two
 * models over subjects). */
cj_status cj_rsa_fit(const double *models, int n_models, const double *subjects, int n_subjects, size_t len,
                     cj_rsa_measure m, double *fit, double *per_subject, cj_error *err);

/* How the subject RDMs are pooled into the reference RDM of the ceiling. */
typedef enum {
    CJ_RSA_POOL_MEAN,    /* the entrywise mean (Nili et al. 2014; the figures in ../shared/data/README.md) */
    CJ_RSA_POOL_MATCHED, /* rsatoolbox's pool_rdm: the mean after the measure's own normalisation — cosine: each
                            RDM / its root mean square; pearson: each z-scored (then the minimum subtracted);
                            spearman and tau_a: each RDM's ranks */
} cj_rsa_pool;

/* The pooled RDM of `count` RDMs [count, len] into out [len] (NaN where any
 * is NaN). */
cj_status cj_rsa_pool_rdms(const double *rdms, int count, size_t len, cj_rsa_measure m, cj_rsa_pool pool,
                           double *out, cj_error *err);

/* The noise ceiling of subject RDMs (Nili et al. 2014; rsatoolbox's
 * boot_noise_ceiling): the range in which the true model's fit is expected.
 *   ceiling[1], upper bound: the mean over subjects s of compare(subject s,
 *     pool of all subjects) — overfits, as subject s is in the pool;
 *   ceiling[0], lower bound: the mean over s of compare(subject s, pool of
 *     the others) — leave one out.
 * With CJ_RSA_TAU_A, CJ_RSA_POOL_MEAN and each subject's two sessions
 * averaged (cj_rdm_mean), the 92-image human-IT RDMs give 0.2585 to
 * 0.4761. Fails with CJ_ERR_ARG for fewer than 2 subjects. */
cj_status cj_rsa_noise_ceiling(const double *subjects, int n_subjects, size_t len, cj_rsa_measure m,
                               cj_rsa_pool pool, double ceiling[2], cj_error *err);

/* ---- bootstrap ----------------------------------------------------------
 * Each sample resamples the stimuli (rsatoolbox's bootstrap_sample_pattern,
 * with cj_rsa_compare_resampled's rule for copies), the subjects
 * (bootstrap_sample_rdm: the mean over subjects drawn with replacement), or
 * both; every model sees the same samples, so two models' samples are
 * paired (cj_rsa_boot_paired). The draws are, for sample b = 0, 1, ...,
 * from one cj_rng seeded with `seed`: first, when stimuli are resampled, n
 * draws cj_rng_below(rng, n) (the stimuli), then, when subjects are, n_subjects
 * draws cj_rng_below(rng, n_subjects) — so a sample can be rebuilt outside. */
typedef struct {
    int samples;        /* bootstrap samples (default 1000) */
    uint64_t seed;      /* default 1 */
    int stimuli;        /* 1: resample stimuli (default 1) */
    int subjects;       /* 1: resample subjects (default 0) */
} cj_rsa_boot_opts;

void cj_rsa_boot_defaults(cj_rsa_boot_opts *o);

/* out [n_models, samples]: model j's fit (as cj_rsa_fit) in each sample,
 * NaN for a sample with fewer than 3 distinct stimuli. 95% intervals are
 * cj_percentile_interval(out + j * samples, samples, 0.95, ...). Scratch is
 * allocated once; the samples themselves allocate nothing. Fails with
 * CJ_ERR_ARG for samples < 1, neither stimuli nor subjects resampled,
 * n < 3 or n_models / n_subjects < 1, and as cj_rsa_compare. */
cj_status cj_rsa_bootstrap(const double *models, int n_models, const double *subjects, int n_subjects, int n,
                           cj_rsa_measure m, const cj_rsa_boot_opts *o, double *out, cj_error *err);

/* A paired bootstrap test of two models' fits (rsatoolbox's
 * bootstrap_pair_tests) from their samples a, b [samples] of one
 * cj_rsa_bootstrap call: the differences a - b, their mean and percentile
 * interval at `level`, and the two-sided p-value
 *     p = (N - 1)/N * 2 min(f, 1 - f) + 1/N,   f = #(a < b) / (N - #(a == b)),
 * over the N samples where both are finite (the 1/N keeps p above 0: a
 * bootstrap of N samples cannot resolve less). */
typedef struct {
    int samples;       /* N */
    double mean_diff;  /* mean of a - b */
    double ci[2];      /* percentile interval of a - b */
    double p;          /* two-sided */
} cj_rsa_paired;

/* Fails with CJ_ERR_ARG for samples < 1, a level outside (0, 1), or no
 * sample where both are finite. */
cj_status cj_rsa_boot_paired(const double *a, const double *b, int samples, double level, cj_rsa_paired *out,
                             cj_error *err);

#endif
