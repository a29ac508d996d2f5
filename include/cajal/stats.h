/* stats.h — reusable statistics: confidence intervals for a mean and for
 * the first two moments of a random vector seen through independent draws
 * (what cj_rule_diagnose reports about a stochastic learning rule's
 * gradient estimate).
 *
 *     double ci[2];
 *     double m = cj_mean_interval(angles, draws, 0.95, ci);   // m ± t s / sqrt(n)
 *
 * Nothing here allocates, prints or keeps state. */
#ifndef CAJAL_STATS_H
#define CAJAL_STATS_H

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

#endif
