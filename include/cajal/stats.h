/* stats.h — reusable statistics: confidence intervals for a mean and for
 * the first two moments of a random vector seen through independent draws
 * (what cj_rule_diagnose reports about a stochastic learning rule's
 * gradient estimate).
 *
 *     double ci[2];
 *     double m = cj_mean_interval(angles, draws, 0.95, ci);   // m ± t s / sqrt(n)
 *
 * Also rank statistics for comparing two vectors or two paired samples
 * (what the RSA library, cajal/rsa.h, builds on): average ranks, Pearson,
 * Spearman, Kendall's tau (a and b) by Knight's O(n log n) algorithm, the
 * Wilcoxon signed-rank test and percentile intervals.
 *
 *     double tau;
 *     cj_kendall_tau_a(x, y, n, &tau, &err);   // (concordant - discordant) / (n(n-1)/2)
 *
 * Nothing here prints or keeps state; the functions that need scratch
 * memory say so and return CJ_ERR_NOMEM when it cannot be had;
 * cj_kendall_count_sorted and cj_kendall_count_ranked are allocation-free
 * kernels for loops. */
#ifndef CAJAL_STATS_H
#define CAJAL_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/status.h"

/* The two-sided critical value of Student's t with `dof` degrees of
 * freedom: the t with P(|T| <= t) = level, e.g. 12.706 (dof 1), 2.093
 * (dof 19) and 1.960 (dof -> infinity) at level 0.95. Exact for every
 * integer dof (the closed forms of Abramowitz & Stegun 26.7.3-4, solved by
 * bisection). NaN for dof < 1 or level outside (0, 1). */
double cj_t_critical(double level, int dof);

/* The mean of x[0..n) and its Student-t interval at `level`,
 * mean ± cj_t_critical(level, n-1) s / sqrt(n) with s the sample standard
 * deviation, into ci[0] (low) and ci[1] (high). ci is NaN for n < 2 or
 * when a value is not finite. Returns the mean (NaN for n < 1). */
double cj_mean_interval(const double *x, int n, double level, double ci[2]);

/* Independent draws e_1..e_D of a random vector e, pooled into `groups`
 * disjoint groups (a group of one draw each when memory allows): for
 * group a, count[a] draws, sq[a] = sum of |e_i|^2 over them, and
 * gram[a * groups + b] = S_a . S_b where S_a is the sum of its draws.
 * These few numbers hold everything the estimates below need, so the
 * draws themselves can be summed as they arrive and thrown away. */
typedef struct {
    int groups;
    const int *count;   /* [groups], each >= 1 */
    const double *sq;   /* [groups] */
    const double *gram; /* [groups * groups], symmetric */
} cj_draw_sums;

/* Unbiased estimates of the squared mean |E e|^2 and of the total variance
 * E|e - E e|^2 — U-statistics of order 2,
 *   mean_sq = sum over i != j of e_i . e_j / (D (D - 1)),
 *   var     = sum over i of |e_i - mean|^2 / (D - 1),
 * and their standard errors by the delete-a-group jackknife (Quenouille
 * 1956; Efron & Stein 1981, Ann. Stat. 9:586, show it errs on the large
 * side; Arvesen 1969, Ann. Math. Stat. 40:2076, for U-statistics), with
 * Busing, Meijer & van der Leeden's weights when groups differ in size
 * (1999, Stat. Comput. 9:3). An interval is estimate ± t se with
 * t = cj_t_critical(level, dof). */
typedef struct {
    int draws;       /* D, the sum of count[] */
    double mean_sq;  /* may be negative when |E e| is small next to the noise */
    double var;      /* >= 0 up to rounding */
    double mean_sq_se, var_se; /* NaN when a group left out leaves < 2 draws */
    int dof;         /* groups - 1 */
} cj_draw_moments;

/* Fails with CJ_ERR_ARG for fewer than one group or two draws, or a group
 * with no draws. */
cj_status cj_draw_moments_estimate(const cj_draw_sums *s, cj_draw_moments *out, cj_error *err);

/* ---- rank statistics ----------------------------------------------------
 * Inputs are double (ranks and ties are decided by exact comparisons, and
 * the RDMs they mostly compare are double: cajal/rsa.h) and may not hold
 * NaN: a caller that has missing values leaves them out first (as
 * cj_rsa_compare does). */

/* The ranks 1..n of x[0..n), ties given the mean of the ranks they span:
 * scipy.stats.rankdata(x) (method 'average'), by one sort. Allocates n
 * (value, position) pairs; fails with CJ_ERR_ARG for a NaN. */
cj_status cj_rank_average(const double *x, size_t n, double *ranks, cj_error *err);

/* Pearson's r of x and y (two passes: deviations from the means, so large
 * offsets do not cancel). NaN for n < 2 or a constant vector, as scipy's
 * pearsonr. */
double cj_pearson(const double *x, const double *y, size_t n);

/* Spearman's rho: Pearson's r of the average ranks (scipy.stats.spearmanr,
 * ties included). NaN as cj_pearson. Allocates 2n doubles. */
cj_status cj_spearman(const double *x, const double *y, size_t n, double *rho, cj_error *err);

/* The cosine of the angle between x and y, x.y / (|x| |y|); NaN when
 * either is all zero. */
double cj_cosine_similarity(const double *x, const double *y, size_t n);

/* Kendall's pair counts over the n(n-1)/2 pairs {i, j} of observations
 * (Kendall 1938; ties as Kendall 1945): a pair is concordant when x and y
 * order it the same way, discordant when they order it oppositely, and
 * neither when it is tied in x or in y. With weights (below) observation i
 * stands for w[i] identical copies, and pairs counts every pair of the
 * N = sum w copies, N(N-1)/2. */
typedef struct {
    int64_t pairs;      /* n(n-1)/2 */
    int64_t discordant;
    int64_t tied_x;     /* pairs with x_i == x_j (those tied in y too included) */
    int64_t tied_y;     /* pairs with y_i == y_j (those tied in x too included) */
    int64_t tied_xy;    /* pairs tied in both */
} cj_kendall_counts;

/* concordant = pairs - tied_x - tied_y + tied_xy - discordant. */
int64_t cj_kendall_concordant(const cj_kendall_counts *c);
/* tau_a = (concordant - discordant) / pairs: ties count as neither and
 * stay in the denominator, so a model that predicts ties (a categorical
 * RDM has two values) is not rewarded for them (Nili et al. 2014, PLoS
 * Comput. Biol. 10:e1003553). NaN for no pairs. */
double cj_kendall_tau_a_of(const cj_kendall_counts *c);
/* tau_b = (concordant - discordant) / sqrt((pairs - tied_x)(pairs -
 * tied_y)), scipy.stats.kendalltau's default; NaN when a side is
 * constant. */
double cj_kendall_tau_b_of(const cj_kendall_counts *c);

/* The counts of x[0..n), y[0..n) in O(n log n) (Knight 1966, J. Am. Stat.
 * Assoc. 61:436): sort by x with ties broken by y, count the ties, then
 * merge-sort by y counting the exchanges, which are the discordant pairs.
 * Allocates 7n words; fails with CJ_ERR_ARG for a NaN. */
cj_status cj_kendall_count(const double *x, const double *y, size_t n, cj_kendall_counts *out, cj_error *err);
/* tau_a of x and y (cj_kendall_count, then cj_kendall_tau_a_of). */
cj_status cj_kendall_tau_a(const double *x, const double *y, size_t n, double *tau, cj_error *err);

/* The kernel of cj_kendall_count, allocation-free, for observations
 * already in ascending order of x with ties in x in ascending order of y
 * (NaN-free), each standing for w[i] >= 1 copies. ys and w are merge-sorted
 * in place (destroyed); ywork and wwork are scratch of n elements each.
 * Weighted, it counts the pairs of the expanded sample without expanding
 * it (a bootstrap sample's repeated entries). */
void cj_kendall_count_sorted(const double *xs, double *ys, int64_t *w, size_t n, double *ywork, int64_t *wwork,
                             cj_kendall_counts *out);

/* The same counts for observations given by class ranks, allocation-free,
 * in O(n log k): gx[i] the rank of x_i among the distinct x values
 * (non-decreasing: observations in ascending x) and ry[i] in [0, k) the
 * rank of y_i among the distinct y values, ascending within each run of
 * equal gx; each observation stands for w[i] >= 1 copies. The discordant
 * pairs are counted in one pass in x order with a Fenwick tree over the y
 * ranks (Fenwick 1994, Softw. Pract. Exper. 24:327) holding the weight seen
 * so far at each rank: an observation is discordant with the weight above
 * its y rank among the smaller x. tree [k + 34] and hist [k] are scratch.
 * When the ranks are known in advance — a bootstrap sample only reweights
 * the entries of two fixed RDMs — this is about three times faster than
 * merge-sorting each sample (cj_rsa_bootstrap uses it, with the variable of
 * fewer distinct values as y, so the tree is small). */
void cj_kendall_count_ranked(const int *gx, const int *ry, const int64_t *w, size_t n, int k, int64_t *tree,
                             int64_t *hist, cj_kendall_counts *out);

/* The Wilcoxon signed-rank test of paired samples x, y (y NULL: x against
 * 0), two-sided, as scipy.stats.wilcoxon(x, y) with its defaults: the
 * differences d = x - y that are 0 are dropped ("wilcox"), |d| are ranked
 * with average ties, R+ and R- are the rank sums of the positive and
 * negative d, and the statistic is T = min(R+, R-). The p-value is exact
 * (the distribution of R+ over the 2^n sign patterns, by dynamic
 * programming) when n <= 50 and no d is 0 or tied in |d|; otherwise it is
 * the normal approximation z = (T - n(n+1)/4) / sigma with sigma^2 =
 * (n(n+1)(2n+1) - sum_t (t^3 - t) / 2) / 24 over the groups of t tied |d|
 * (no continuity correction), p = 2 (1 - Phi(|z|)). (scipy 1.10 stays
 * exact when |d| are tied and then misreads R+; cajal does not.) */
typedef struct {
    int n;            /* non-zero differences ranked */
    int zeros;        /* differences that were 0, dropped */
    int exact;        /* 1: the exact distribution; 0: normal approximation */
    double r_plus;    /* R+ */
    double statistic; /* T = min(R+, R-), scipy's statistic */
    double z;         /* the approximation's z (NaN when exact) */
    double p;         /* two-sided */
} cj_wilcoxon;

/* Fails with CJ_ERR_ARG for n < 1, a NaN or infinite value, or only zero
 * differences. Allocates O(n). */
cj_status cj_wilcoxon_signed_rank(const double *x, const double *y, int n, cj_wilcoxon *out, cj_error *err);

/* The q-quantile (0 <= q <= 1) of sorted[0..n) (ascending, no NaN) by
 * linear interpolation between order statistics: NumPy's default
 * (np.quantile method 'linear'; Hyndman & Fan 1996 type 7). NaN for n = 0. */
double cj_quantile_sorted(const double *sorted, size_t n, double q);

/* The central percentile interval at `level` (0.95: the 2.5th and 97.5th
 * percentiles, np.percentile's default method) of the finite values of
 * x[0..n): the bootstrap's percentile interval (Efron & Tibshirani 1993,
 * ch. 13). NaN entries (failed bootstrap samples) are left out; `used`
 * (may be NULL) gets how many were kept; ci is NaN when none is. Allocates
 * a sorted copy; fails with CJ_ERR_ARG for level outside (0, 1). */
cj_status cj_percentile_interval(const double *x, size_t n, double level, double ci[2], size_t *used,
                                 cj_error *err);

/* A percentile-bootstrap interval for the median of the finite values of
 * x[0..n) (Efron & Tibshirani 1993, ch. 13): `samples` resamples of those
 * m values with replacement, drawn from `seed` (cj_rng), each one's median
 * (NumPy's), and the central `level` percentile interval of the medians,
 * into ci. NaN entries are left out first; ci is NaN for m < 2. What
 * `cajal predict` draws as a layer's interval over its units. Fails with
 * CJ_ERR_ARG for samples < 1 or level outside (0, 1); allocates
 * (2 m + samples) doubles. */
cj_status cj_bootstrap_median_interval(const double *x, size_t n, int samples, uint64_t seed, double level,
                                       double ci[2], cj_error *err);

/* ---- the F distribution (fdist.c) ------------------------------------ */

/* The regularized incomplete beta function I_x(a, b) into *lower and
 * 1 - I_x(a, b) into *upper (either may be NULL), each summed directly on
 * its own side of the distribution's bulk so that a small tail keeps its
 * relative precision (continued fraction, DLMF 8.17.22; about 1e-14
 * relative). x outside [0, 1] is taken as 0 or 1; NaN for a, b <= 0. */
void cj_beta_inc(double x, double a, double b, double *lower, double *upper);

/* P(F > f) for Fisher's F with d1 and d2 degrees of freedom: the p-value
 * of an F statistic (scipy.stats.f.sf). 1 for f <= 0, 0 for f = inf, NaN
 * for NaN f or d1, d2 not finite and > 0. */
double cj_f_sf(double f, double d1, double d2);

#endif
