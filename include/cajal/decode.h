/* decode.h — time-resolved population decoding from spike rasters, the
 * method of the Neural Decoding Toolbox and NeuroDecodeR (Meyers 2013,
 * Front. Neuroinform. 7:8; NeuroDecodeR's ds_basic, fp_zscore,
 * cl_max_correlation and cv_standard).
 *
 *     cj_rasters r;                 // one raster per unit: trials x ms of spikes, a label per trial
 *     cj_binned b;
 *     cj_decode_config c;
 *     cj_decode_result res;
 *     cj_rasters_load_dir("../shared/data/zhang_desimone_it", "stimulus_ID", &r, &err);
 *     cj_rasters_bin(&r, 150, 50, &b, &err);          // 150 ms bins every 50 ms
 *     cj_decode_defaults(&c);                          // max_corr, 10 folds, 50 resample runs
 *     c.n_permutations = 100;                          // the shuffled-label null
 *     cj_decode_run(&b, &c, &res, &err);
 *     cj_decode_write_csv("runs/decode/accuracy.csv", &res, &err);
 *     cj_decode_result_free(&res); cj_binned_free(&b); cj_rasters_free(&r);
 *
 * The method, step by step:
 *  1. Binning. Each unit's spikes are counted in bins of `width` ms whose
 *     starts are `step` ms apart (a boxcar), from the first millisecond to
 *     the last bin that fits. (NeuroDecodeR averages instead of counting:
 *     the same numbers divided by the width, which neither the z-scoring
 *     nor any of the classifiers below can tell apart, except the Poisson
 *     one, which needs counts.) Times are in ms from the alignment event
 *     (the stimulus onset for the Zhang & Desimone data): a bin covers
 *     [bin_start_ms, bin_end_ms).
 *  2. Units. Units were recorded in different sessions, so trials are not
 *     simultaneous: every resample run builds pseudo-populations. A unit
 *     is used when it has at least k = n_folds x repeats_per_fold trials of
 *     every label; the others are dropped (n_units_dropped says how many).
 *  3. Pseudo-populations (ds_basic). For every label and used unit, k of
 *     the unit's trials with that label are drawn without replacement; the
 *     j-th draws of all units together make pseudo-trial j of that label.
 *     Pseudo-trials j in [f R, (f+1) R) form fold f (R = repeats_per_fold),
 *     so each fold holds R pseudo-trials of every label.
 *  4. Cross-validation (cv_standard). For each fold f and each bin t the
 *     classifier is trained on the other folds' pseudo-trials at bin t and
 *     tested on fold f's at bin t — and, for the temporal cross-decoding
 *     matrix, at every other bin s too (train t, test s). Each feature is
 *     z-scored first with the mean and the sample standard deviation of the
 *     training pseudo-trials (fp_zscore; a feature constant in training
 *     becomes 0 in training and test). The Poisson classifier takes counts
 *     as they are.
 *  5. Accuracy: the fraction of test pseudo-trials labelled correctly, over
 *     all folds, averaged over n_resamples runs, each with new draws. Chance
 *     is 1 / labels.
 *  6. Null: for each of n_permutations permutations, every unit's labels
 *     are permuted across its trials (as ds_basic's randomly_shuffled_labels
 *     does), then the whole procedure runs with null_resamples resample
 *     runs; null_p95 is the 95th percentile of those mean accuracies per bin
 *     (linear interpolation between order statistics, NumPy's default), and
 *     null_p the permutation p-value (1 + #null >= accuracy) / (1 + N).
 *
 * Classifiers (by name):
 *  - "max_corr": maximum correlation coefficient (cl_max_correlation): the
 *    mean of each label's training vectors is its template; a test vector
 *    is given the label whose template has the highest Pearson correlation
 *    with it. NeuroDecodeR's default.
 *  - "lda": linear discriminant analysis with the within-label covariance
 *    shrunk by the Ledoit–Wolf formula (Ledoit & Wolf 2004), exactly
 *    scikit-learn's LinearDiscriminantAnalysis(solver="lsqr",
 *    shrinkage="auto"). It is the linear decoder because, unlike the
 *    template match, it weighs units by their noise covariance, and with
 *    shrinkage it stays well-posed with more units than training trials
 *    (132 units against 63 training pseudo-trials here), where plain LDA
 *    is singular; it needs no hyperparameter search, and scikit-learn gives
 *    an exact reference.
 *  - "poisson_nb": Poisson naive Bayes (cl_poisson_naive_bayes) on counts,
 *    rates of 0 replaced by 1 / (training trials of the label + 1); needs
 *    zscore = 0.
 * Ties between labels (equal scores, or NaN scores: a test vector with no
 * variance) are broken at random, as NeuroDecodeR's rand_which_max does.
 *
 * Everything is double: the covariance solve of "lda" and the comparisons
 * with scikit-learn need it, and the arrays are small (units x trials x
 * bins). A seed fixes every number, whatever the thread count: each
 * resample run and each permutation draws from its own stream derived
 * from the seed and its index. */
#ifndef CAJAL_DECODE_H
#define CAJAL_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/rng.h"
#include "cajal/status.h"

/* ---- rasters --------------------------------------------------------------- */

typedef struct {
    char *name;        /* where it came from (the file name without .mat) */
    int n_trials;
    uint8_t *spikes;   /* [n_trials, n_ms]: spikes in each millisecond */
    int *label;        /* [n_trials]: index into cj_rasters.label_names */
} cj_raster_unit;

typedef struct {
    int n_units, n_ms;
    double t0_ms;      /* time of column 0 from the alignment event: column j covers [t0 + j, t0 + j + 1) */
    int n_labels;
    char **label_names;  /* [n_labels], sorted by strcmp (as NeuroDecodeR's factor levels) */
    cj_raster_unit *units;
} cj_rasters;

/* Every *.mat file in `dir` (in name order) in NeuroDecodeR's raster format:
 * `raster_data` [trials, ms] of whole spike counts 0..255, the labels in
 * `raster_labels.<label>` (a cell array of text, or numbers, one per
 * trial), and optionally `raster_site_info.alignment_event_time` (MATLAB's
 * 1-based column of time 0; without it column 1 is time 0). All files must
 * have the same number of ms and the same alignment. Errors name the file
 * and the variable. */
cj_status cj_rasters_load_dir(const char *dir, const char *label, cj_rasters *out, cj_error *err);

/* Rasters built in memory (tests, simulations): n_units empty units and
 * the label names (copied, then sorted). Fill each unit with
 * cj_rasters_set_unit. */
cj_status cj_rasters_init(cj_rasters *r, int n_units, int n_ms, double t0_ms, int n_labels,
                          const char *const *label_names, cj_error *err);
/* Copy unit u's spikes [n_trials, n_ms] and labels (indices into the
 * sorted r->label_names). */
cj_status cj_rasters_set_unit(cj_rasters *r, int u, const char *name, int n_trials, const uint8_t *spikes,
                              const int *labels, cj_error *err);
void cj_rasters_free(cj_rasters *r);

/* ---- binning --------------------------------------------------------------- */

typedef struct {
    int n_units, n_bins, n_labels;
    int width_ms, step_ms;
    double *bin_start_ms, *bin_end_ms; /* [n_bins] */
    int *n_trials;                     /* [n_units] */
    double **counts;                   /* [n_units][n_trials * n_bins]: spikes in trial i, bin t at i * n_bins + t */
    int **label;                       /* [n_units][n_trials] */
    char **label_names;                /* [n_labels] */
    char **unit_names;                 /* [n_units] */
} cj_binned;

/* Bins start at columns 0, step, 2 step, ... as long as the bin fits. */
cj_status cj_rasters_bin(const cj_rasters *r, int width_ms, int step_ms, cj_binned *out, cj_error *err);
void cj_binned_free(cj_binned *b);

/* ---- decoding --------------------------------------------------------------- */

typedef struct {
    const char *classifier;  /* "max_corr" (default), "lda" or "poisson_nb" */
    int n_folds;             /* NeuroDecodeR's num_cv_splits (default 10) */
    int repeats_per_fold;    /* num_label_repeats_per_cv_split (default 1) */
    int n_resamples;         /* num_resample_runs (default 50) */
    int zscore;              /* fp_zscore with the training statistics (default 1) */
    int temporal_cross;      /* also train at each bin, test at every bin (default 1) */
    int n_permutations;      /* shuffled-label null runs (default 0: none) */
    int null_resamples;      /* resample runs per permutation (default 10) */
    int n_threads;           /* resample runs and permutations in parallel (default 1) */
    uint64_t seed;           /* default 1 */
} cj_decode_config;

void cj_decode_defaults(cj_decode_config *c);
/* The settings alone, before any data is read: the classifier's name,
 * z-scoring with "poisson_nb", the ranges. CJ_ERR_ARG naming the setting. */
cj_status cj_decode_check(const cj_decode_config *c, cj_error *err);

typedef struct {
    int n_bins, n_labels;
    int n_units_used, n_units_dropped;
    int *unit_used;          /* [binned n_units]: 1 when used */
    int trials_per_label;    /* k = n_folds x repeats_per_fold */
    double *bin_start_ms, *bin_end_ms;  /* [n_bins] */
    double chance;           /* 1 / n_labels */
    double *accuracy;        /* [n_bins]: train and test at the same bin, mean over resample runs */
    double *accuracy_sd;     /* [n_bins]: standard deviation over resample runs */
    double *tcd;             /* [n_bins * n_bins]: train t, test s at t * n_bins + s; NULL unless temporal_cross */
    int n_permutations;
    double *null_p95;        /* [n_bins]: NaN without permutations */
    double *null_mean;       /* [n_bins] */
    double *null_p;          /* [n_bins]: permutation p-value */
} cj_decode_result;

/* Decode b's labels at every bin. Fails (CJ_ERR_ARG, naming the setting)
 * on a bad configuration, when fewer than one unit or two labels are left
 * once units without k trials per label are dropped, or for "poisson_nb"
 * with z-scoring; CJ_ERR_INTERRUPTED never. */
cj_status cj_decode_run(const cj_binned *b, const cj_decode_config *c, cj_decode_result *out, cj_error *err);
void cj_decode_result_free(cj_decode_result *r);

/* accuracy.csv, written atomically: a header line
 *     bin_start_ms,bin_end_ms,accuracy,chance,null_p95
 * then one line per bin (null_p95 empty without permutations). */
cj_status cj_decode_write_csv(const char *path, const cj_decode_result *r, cj_error *err);

/* summary.json, atomically: the settings, the labels, units used and
 * dropped, chance, the mean accuracy of the bins that end by 0 ms, the
 * best bin and its accuracy, and `seconds` (the caller's timing). */
cj_status cj_decode_write_summary(const char *path, const cj_binned *b, const cj_decode_config *c,
                                  const cj_decode_result *r, double seconds, cj_error *err);

/* The figure (PNG, SVG or PDF by the extension of path): accuracy over
 * time at the bin centres, with a band of one standard deviation over
 * resample runs, chance, and the 95th percentile of the shuffled-label
 * null; beside it, when there is one, the temporal cross-decoding matrix
 * (train bin in rows, test bin in columns). title may be NULL. */
cj_status cj_decode_plot(const cj_decode_result *r, const char *title, const char *path, cj_error *err);

/* ---- one classifier on one split (the building block, for tests) ----------- */

/* Z-score x_train [n_train, p] in place with its own column means and
 * sample standard deviations, and x_test [n_test, p] (may be NULL) with
 * the same; constant columns become 0 in both. */
void cj_decode_zscore(double *x_train, int n_train, double *x_test, int n_test, int p);

/* Train `classifier` on x_train [n_train, p] with labels y_train (0..k-1,
 * each label at least once) and score
 * x_test [n_test, p]: scores [n_test, k] (correlations, LDA decision values
 * or Poisson log likelihoods; may be NULL), pred [n_test] the best label,
 * ties broken with rng. */
cj_status cj_decode_classify(const char *classifier, const double *x_train, const int *y_train, int n_train, int p,
                             int k, const double *x_test, int n_test, double *scores, int *pred, cj_rng *rng,
                             cj_error *err);

#endif
