/* match.h — deciding whether two units recorded in different sessions are
 * the same neuron, as UnitMatch does (van Beest et al. 2024, Nature Methods,
 * doi:10.1038/s41592-024-02440-1).
 *
 * Each pair of units (one from session A, one from B) is described by two
 * numbers: the similarity s of their waveforms (cosine similarity of
 * embeddings, in [-1, 1]) and the distance d between their positions (µm,
 * after correcting for probe drift). A Naive Bayes classifier turns them into
 * a calibrated probability
 *
 *     P(match | s, d) = π p(s|M) p(d|M) / (π p(s|M) p(d|M) + (1-π) p(s|N) p(d|N))
 *
 * where p(.|M) and p(.|N) are one-dimensional Gaussian kernel density
 * estimates fitted to quasi-ground truth (within a session, a unit's two
 * half-session waveforms are a match; different units are non-matches), and
 * π is the prior probability that a pair is a match.
 *
 * Areas, one file each under src/ephys/:
 *   kde.c          1-D Gaussian kernel density estimates
 *   naive_bayes.c  the two-feature classifier above
 *   drift.c        the rigid shift of the probe between two sessions
 *   evaluate.c     ROC AUC, precision, recall, F1
 *
 * Arrays of pairs are float32 and flat (a 5,000 x 5,000 comparison is 25M
 * pairs); the scoring functions allocate nothing and take a const model, so
 * callers may score chunks of a big matrix from several threads. */
#ifndef CAJAL_MATCH_H
#define CAJAL_MATCH_H

#include <stddef.h>

#include "cajal/status.h"

/* ==== kernel density estimates (src/ephys/kde.c) =========================
 * f(x) = 1/(n h) sum_i phi((x - x_i) / h), phi the standard normal density.
 *
 * With the default options the exact path equals scikit-learn's
 * KernelDensity(kernel='gaussian', bandwidth=h).score_samples (which returns
 * log f): terms whose weight is below e^-40 of the largest are skipped, so
 * the relative error of f is below n * 4e-18.
 *
 * Bandwidth rules follow scipy.stats.gaussian_kde (Scott 1992, Silverman
 * 1986), scaled by the sample standard deviation sigma (ddof = 1):
 *     Scott      h = sigma * n^(-1/5)
 *     Silverman  h = sigma * (3n/4)^(-1/5)
 * (scikit-learn's bandwidth='scott'/'silverman' omit sigma, i.e. assume
 * standardised data; we do not, because distances are in µm.)
 *
 * The fast path interpolates log f on a uniform grid with cubic Hermite
 * splines, using the exact value and slope at every node. Log f of a
 * Gaussian KDE is a parabola in the tails and smooth on the scale h
 * elsewhere, so a step of h/4 is usually enough. Accuracy is measured, not
 * assumed: at fit time the interpolant is compared with the exact value at
 * u = 1/4, 1/2, 3/4 of every cell, and any cell off by more than grid_tol
 * nats is marked to be evaluated exactly. Points outside the grid are also
 * evaluated exactly. The error of the fast path is therefore about grid_tol
 * (default 1e-4 nats, 0.01 % of the density) at most, and grid_err reports
 * the largest error measured over the cells that are interpolated
 * (tests/test_match.c measures at most 9e-5 on random points).
 *
 * Cost. The exact path visits the samples within ~9h of x: O(n) per point
 * for broad data. Fitting sorts the samples and fills the grid by fast
 * Gaussian gridding (about 400 multiply-adds per sample, no exp per node);
 * a lookup is one cache line and a cubic. 1e5 samples fit in ~0.1 s; a
 * 1-D density needs no more, so subsample larger training sets. */

typedef enum {
    CJ_KDE_BW_FIXED = 0, /* h = opts.bandwidth */
    CJ_KDE_BW_SCOTT,
    CJ_KDE_BW_SILVERMAN
} cj_kde_bw_rule;

typedef enum {
    CJ_KDE_BOUND_NONE = 0, /* scikit-learn's estimate: mass may leak past the support */
    /* Reflection at lo and/or hi (Silverman 1986, sec. 2.10; Schuster 1985):
     * every sample also contributes its mirror images 2lo - x_i and
     * 2hi - x_i, so the density integrates to 1 over [lo, hi] and has zero
     * slope at the bounds. Points outside [lo, hi] are clipped to the nearest
     * bound before evaluation (the features are bounded by construction, so
     * such points are rounding error). */
    CJ_KDE_BOUND_REFLECT
} cj_kde_boundary;

typedef struct {
    cj_kde_bw_rule rule;      /* default CJ_KDE_BW_FIXED */
    double bandwidth;         /* h for CJ_KDE_BW_FIXED; default 1 */
    /* Floor on h, applied after the rule (default 0: none). A rule gives
     * h = 0 when all samples are equal; the density would then be a delta
     * and log f infinite. With a floor the fit succeeds and sets `floored`;
     * without one such a fit fails with CJ_ERR_NUMERIC. */
    double min_bandwidth;
    cj_kde_boundary boundary; /* default CJ_KDE_BOUND_NONE */
    double lo, hi;            /* support for reflection; -INFINITY / INFINITY for an open side */
    /* Grid for the fast path. The grid spans the samples +- 9h, widened to
     * cover [grid_lo, grid_hi] when those are finite (set them to the range
     * the queries will take, so that few fall outside). */
    double grid_step;         /* in bandwidths; default 0.25; 0 = no grid (fast = exact) */
    double grid_tol;          /* nats; default 1e-4 */
    size_t grid_max;          /* most nodes; default 1 << 20 (the step grows to fit) */
    double grid_lo, grid_hi;  /* default NAN: from the samples only */
} cj_kde_opts;

typedef struct {
    size_t n;                 /* samples fitted */
    double bandwidth;         /* h actually used (after the rule and the floor), same units as x */
    int floored;              /* 1 if the rule gave less than min_bandwidth (degenerate samples) */
    cj_kde_boundary boundary;
    double lo, hi;
    size_t n_pts;             /* samples plus their mirror images */
    double *pts;              /* owned: the n_pts points, sorted */
    double log_norm;          /* -log n - log h - log(2 pi)/2 */
    /* fast path */
    size_t grid_n;            /* nodes (0 = no grid); cell j is [x0 + j step, x0 + (j+1) step] */
    double grid_x0, grid_step, grid_inv_step;
    /* owned: 4 per cell, the cubic c0 + c1 u + c2 u^2 + c3 u^3 in u in [0, 1]
     * (one cache line fetch per lookup); c0 = NaN marks a cell evaluated exactly */
    double *grid_c;
    size_t grid_n_exact;      /* cells so marked */
    double grid_err;          /* largest measured error of the interpolated cells, nats */
} cj_kde;

void cj_kde_defaults(cj_kde_opts *o);
/* Fit to x[0..n). On failure *k is left empty (safe to free) and err names
 * the option or sample at fault. Free with cj_kde_free. */
cj_status cj_kde_fit(cj_kde *k, const float *x, size_t n, const cj_kde_opts *o, cj_error *err);
void cj_kde_free(cj_kde *k);

/* log f(x), exact (as scikit-learn). NaN for NaN x. */
double cj_kde_log_density_at(const cj_kde *k, double x);
/* log f(x) from the grid (exact where the grid does not reach). */
double cj_kde_log_density_fast_at(const cj_kde *k, double x);
/* The same for x[0..n) into out[0..n). */
void cj_kde_log_density(const cj_kde *k, const float *x, size_t n, float *out);
void cj_kde_log_density_fast(const cj_kde *k, const float *x, size_t n, float *out);

/* ==== Naive Bayes match classifier (src/ephys/naive_bayes.c) =============
 * Four independent KDEs, p(s|M), p(s|N), p(d|M), p(d|N), combined with the
 * prior in log space (so nothing overflows or divides by zero):
 *     a = log pi + log p(s|M) + log p(d|M),  b = log(1-pi) + log p(s|N) + log p(d|N)
 *     P(match) = 1 / (1 + exp(b - a))
 * With one training sample per class and fixed bandwidths each density is a
 * single normal, so the posterior can be written down and checked by hand
 * (tests/test_match.c does).
 *
 * The pitfall of degenerate training data. If the distances of the training
 * matches are all (nearly) equal — e.g. a unit's two halves given the same
 * position because positions come from the template or the peak channel —
 * a data-driven bandwidth collapses and p(d|M) becomes a spike at d = 0.
 * min_bandwidth keeps the spike finite (nothing divides by zero, and
 * dist[1].floored is set so callers can warn), but it stays tall: any
 * non-match pair at d ~ 0 (two units on the same site) gets a likelihood
 * ratio for distance in the thousands, which can outweigh a low waveform
 * similarity. The cure is in the features, not the classifier: compute each
 * half's position separately (e.g. the amplitude-weighted centroid of each
 * half-session waveform), so that the training match distances carry the
 * same measurement noise as cross-session matches. tests/test_match.c shows
 * both cases. */

typedef struct {
    cj_kde_opts sim;  /* default: Scott's rule, floor 0.005, reflected at [-1, 1] */
    cj_kde_opts dist; /* default: Scott's rule, floor 0.5 µm, reflected at 0 */
    /* pi = P(match) for the pairs to be scored, in (0, 1). Default 0: the
     * fraction of matches among the training pairs. For n units compared
     * with n others where each has at most one partner, n_expected / n^2. */
    double prior;
} cj_match_nb_opts;

typedef struct {
    cj_kde sim[2];    /* p(similarity | class): [0] non-match, [1] match */
    cj_kde dist[2];   /* p(distance | class), µm */
    double prior;     /* pi */
    size_t n_train[2]; /* training pairs per class */
} cj_match_nb;

void cj_match_nb_defaults(cj_match_nb_opts *o);
/* Fit to n training pairs: sim[i], dist[i], is_match[i] (nonzero = match).
 * Both classes must be present; features must be finite. Unless the options
 * already set grid_lo/grid_hi, each feature's grids cover the training range
 * of both classes, where nearly all queries fall. */
cj_status cj_match_nb_fit(cj_match_nb *m, const float *sim, const float *dist,
                          const unsigned char *is_match, size_t n, const cj_match_nb_opts *o,
                          cj_error *err);
/* Change pi without refitting (0 < prior < 1). */
cj_status cj_match_nb_set_prior(cj_match_nb *m, double prior, cj_error *err);
/* P(match) for n pairs, through the grids (the fast path) or exactly.
 * NaN in, NaN out. */
void cj_match_nb_posterior(const cj_match_nb *m, const float *sim, const float *dist, size_t n,
                           float *p);
void cj_match_nb_posterior_exact(const cj_match_nb *m, const float *sim, const float *dist, size_t n,
                                 float *p);
void cj_match_nb_free(cj_match_nb *m);

/* ==== drift between sessions (src/ephys/drift.c) =========================
 * A rigid shift of the probe relative to the tissue moves every unit of
 * session B by the same (dx, dy) µm. It is estimated from pairs that are
 * probably the same neuron: their position differences pos_B - pos_A
 * cluster at the shift, apart from false matches. The estimate is Tukey's
 * biweight M-estimate of location (Mosteller & Tukey 1977; Huber 1981),
 * started from the median with the scale fixed at 1.4826 * MAD, so up to
 * half of the pairs may be outliers. Correct B's positions by subtracting
 * the shift, rescore, and estimate again (a couple of rounds) as UnitMatch
 * does. */

typedef struct {
    float min_prob;     /* pairs with prob >= min_prob are used; default 0.5 */
    int estimate_x;     /* also estimate dx (default 0: Neuropixels drift is along the shank, y) */
    size_t min_pairs;   /* fewer usable pairs is an error; default 3 */
    float min_scale_um; /* floor on the robust scale, µm; default 1 */
} cj_drift_opts;

typedef struct {
    float dx, dy;     /* shift of session B relative to A, µm (pos_B - pos_A) */
    size_t n_used;    /* pairs that passed min_prob (or mutual best) */
    size_t n_inliers; /* of those, pairs with nonzero biweight weight */
} cj_drift;

void cj_drift_defaults(cj_drift_opts *o);
/* From n candidate pairs with position differences (dx[i], dy[i]) =
 * pos_B - pos_A and match probabilities prob[i]. dx may be NULL when
 * estimate_x is 0; prob may be NULL to use every pair. */
cj_status cj_drift_estimate(const float *dx, const float *dy, const float *prob, size_t n,
                            const cj_drift_opts *o, cj_drift *out, cj_error *err);
/* From a probability matrix prob[n_a x n_b] (row-major, rows = units of A)
 * and unit positions pos_a[n_a x 2], pos_b[n_b x 2] ((x, y) in µm): uses the
 * mutual best matches (i's best j is j and j's best i is i) with
 * prob >= min_prob. */
cj_status cj_drift_mutual_best(const float *prob, size_t n_a, size_t n_b, const float *pos_a,
                               const float *pos_b, const cj_drift_opts *o, cj_drift *out,
                               cj_error *err);

/* ==== evaluation (src/ephys/evaluate.c) ================================== */

/* Area under the ROC curve of scores against labels (nonzero = positive),
 * computed as the Mann-Whitney U statistic with tied scores given half
 * credit, which equals scikit-learn's roc_auc_score. Fails when a class is
 * missing or a score is NaN. */
cj_status cj_roc_auc(const float *score, const unsigned char *label, size_t n, double *auc,
                     cj_error *err);

typedef struct {
    size_t tp, fp, tn, fn;
    double precision; /* tp / (tp + fp), 0 when nothing is predicted positive (as scikit-learn) */
    double recall;    /* tp / (tp + fn), 0 when there are no positives */
    double f1;        /* 2 P R / (P + R), 0 when both are 0 */
} cj_binary_scores;

/* Predict positive where score >= threshold (a NaN score is a negative). */
void cj_binary_scores_at(const float *score, const unsigned char *label, size_t n, float threshold,
                         cj_binary_scores *out);

#endif
