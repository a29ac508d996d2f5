/* psychometric.h — psychometric and chronometric curves: a network's (or a
 * monkey's) choices analysed as in the psychophysics literature.
 *
 *     // per-trial: x = signed coherence, y = 1 when the subject chose option 1
 *     cj_psy_data d = {.n = n, .x = coh, .y = chose1};
 *     cj_psy_fit f;
 *     if (cj_psy_fit_binary(&d, NULL, &f, &err)) ...;      // logistic by default
 *     if (f.separation) ...;   // no finite MLE: see cj_psy_separation below
 *     printf("PSE %g +- %g, slope %g [%g, %g]\n", f.pse, f.pse_se, f.b1, f.b1_ci[0], f.b1_ci[1]);
 *
 *     // the chronometric curve: accuracy and mean RT per coherence
 *     cj_psy_level lv[n];  int nl;
 *     cj_psy_levels(coh_unsigned, correct, rt, n, 0.95, lv, n, &nl, &err);
 *
 * The model is P(y = 1 | x) = F(b0 + b1 x), F the logistic function
 * 1 / (1 + e^-u) or the standard normal CDF Phi (probit), fitted by maximum
 * likelihood with Fisher scoring (iteratively reweighted least squares;
 * McCullagh & Nelder 1989, Generalized Linear Models, 2nd ed., sec. 2.5 and
 * 4.4), halving a step whenever it lowers the likelihood (beyond rounding).
 * For the logistic link Fisher scoring is Newton-Raphson.
 *
 * Signed coherence from a two-choice data set that records the unsigned
 * coherence, whether the trial was correct and which target was chosen
 * (Roitman & Shadlen 2002, ../shared/data/roitman2002: coh, correct,
 * trgchoice = 1 or 2): the motion pointed at the chosen target on a correct
 * trial and at the other one on an error, so with y = (trgchoice == 1),
 *     x = +coh when y == correct (the motion pointed at target 1),
 *     x = -coh otherwise         (it pointed at target 2),
 * and the curve is P(choose target 1 | coherence towards target 1). Neither
 * the file nor the data README records which direction target 1 was, so
 * the sign means "towards target 1", nothing more. At 0% coherence the sign
 * is moot (-0 == +0). cj_psy_sign_by_choice does this mapping.
 *
 * Nothing here prints or keeps state. The fit allocates nothing;
 * cj_psy_levels allocates scratch space for a sort and frees it. */
#ifndef CAJAL_PSYCHOMETRIC_H
#define CAJAL_PSYCHOMETRIC_H

#include "cajal/status.h"

typedef enum {
    CJ_PSY_LOGIT = 0, /* F(u) = 1 / (1 + exp(-u)) */
    CJ_PSY_PROBIT     /* F(u) = Phi(u), the standard normal CDF */
} cj_psy_link;

/* The choices to fit, one row per trial or per stimulus level.
 *   Per trial (trials == NULL): y[i] in [0, 1], normally 0 or 1.
 *   Per level (trials != NULL): y[i] = k, the number of choices of 1 among
 *   trials[i] > 0 trials at x[i], with 0 <= k <= trials[i] (k and trials
 *   may be fractional, e.g. already weighted).
 * weight (may be NULL: all 1) multiplies row i's log-likelihood; a row of
 * weight 0 is ignored. x must be finite. */
typedef struct {
    int n;
    const double *x;      /* [n] stimulus, e.g. signed coherence */
    const double *y;      /* [n] choices of 1: 0/1 per trial, or k of trials[i] */
    const double *trials; /* [n] or NULL */
    const double *weight; /* [n] or NULL */
} cj_psy_data;

typedef struct {
    cj_psy_link link;   /* CJ_PSY_LOGIT */
    double level;       /* of the Wald intervals, 0.95 */
    double threshold_p; /* the threshold is x(threshold_p) - PSE, 0.75 */
    int max_iter;       /* 100 */
    double tol;         /* stop when a Newton step would move each coefficient by less than
                           tol standard errors (the Newton decrement below tol^2); 1e-10 */
} cj_psy_options;

/* The defaults above (passing NULL options means the same). */
cj_psy_options cj_psy_options_default(void);

/* Whether the maximum-likelihood estimate exists. For one predictor and an
 * intercept this is decided exactly from the data (Albert & Anderson 1984,
 * Biometrika 71:1; Silvapulle 1981, JRSS B 43:310 — the same conditions
 * for logit and probit): with S the x values that carry some choices of 1
 * and N those that carry some choices of 0, the MLE exists iff both are
 * non-empty and the two sets overlap in both directions, max N > min S and
 * max S > min N.
 *
 * When it does not, the likelihood keeps rising as |b1| grows, so the
 * numbers mean:
 *   b0, b1      where the iteration stopped (max_iter, or the likelihood no
 *               longer rising by tol): b1 is a LOWER BOUND on the slope's
 *               magnitude, not an estimate; its sign is sep_sign;
 *   loglik      close below its supremum (0 for complete separation);
 *   gap[0..1]   the x interval the 50% point lies in, max N .. min S (or
 *               max S .. min N when sep_sign < 0): the stimulus boundary
 *               the data do pin down. Under quasi-complete separation
 *               gap[0] == gap[1] and pse converges to it;
 *   pse         -b0/b1 at the stopping point, inside gap;
 *   threshold   F^-1(threshold_p)/b1 at the stopping point: an upper
 *               bound on the threshold;
 *   every se and interval NaN (the Fisher information tends to 0).
 * With only one response (S or N empty) nothing is fitted: b1, pse,
 * threshold and gap are NaN and b0 is +/-INFINITY. */
typedef enum {
    CJ_PSY_SEP_NONE = 0,
    CJ_PSY_SEP_QUASI,        /* the sets touch at one x: max N == min S */
    CJ_PSY_SEP_COMPLETE,     /* a gap: max N < min S */
    CJ_PSY_SEP_ONE_RESPONSE  /* every choice was 1, or every choice was 0 */
} cj_psy_separation;

typedef struct {
    cj_psy_link link;
    double b0, b1;               /* intercept and slope (per unit of x) */
    double se_b0, se_b1, cov_b0b1; /* from the inverse expected Fisher information at the MLE */
    double b0_ci[2], b1_ci[2];   /* Wald: b -/+ z se, z = Phi^-1((1 + level) / 2) */
    double pse, pse_se, pse_ci[2]; /* point of subjective equality -b0/b1; se by the delta method */
    /* x(threshold_p) - pse = F^-1(threshold_p) / b1: the stimulus change from the PSE to
     * threshold_p choices of 1 (0.75: half-way to certainty); negative with the slope */
    double threshold, threshold_se, threshold_ci[2];
    double loglik;        /* sum w [k log p + (m - k) log(1 - p)], no binomial coefficients */
    double deviance;      /* 2 (saturated loglik - loglik); = -2 loglik for 0/1 trials */
    double null_deviance; /* the same for the intercept-only model */
    int rows;             /* rows with weight > 0 and trials > 0 */
    int df_resid;         /* rows - 2 */
    double total_trials;  /* sum of weight * trials */
    int iterations;       /* Fisher-scoring steps taken */
    int converged;        /* 1 when the iteration met tol (always 0 under separation) */
    cj_psy_separation separation;
    int sep_sign;         /* +1 when choices of 1 lie at the larger x, -1 the smaller; 0 if none */
    double gap[2];        /* see cj_psy_separation; NaN when there is no separation */
} cj_psy_fit;

/* Fit the curve. Fails with CJ_ERR_ARG, naming the row and value, for
 * n < 2, NULL x or y, a non-finite x, y outside [0, 1] (or outside
 * [0, trials[i]]), trials or weight negative or not finite, fewer than two
 * rows that carry trials, all of those at one x, or sums of trials or of
 * squared x that overflow a double; bad options likewise.
 * Separation is not an error: see cj_psy_separation. out is filled (NaN
 * where undefined) whenever the data are valid. */
cj_status cj_psy_fit_binary(const cj_psy_data *d, const cj_psy_options *opt, cj_psy_fit *out, cj_error *err);

/* ---- per-level summaries: the psychometric and chronometric curves ---- */

typedef struct {
    double x;          /* the level (distinct values of x, ascending) */
    int trials;        /* trials at this level */
    int count;         /* of which y == 1 */
    double p, p_ci[2]; /* count / trials and its Wilson interval */
    int rt_n;          /* trials with a reaction time (not NaN) */
    double rt_mean, rt_ci[2]; /* mean RT and its Student-t interval (cj_mean_interval); NaN if none */
} cj_psy_level;

/* Group trials by exact value of x (sorted ascending, -0 and +0 one level)
 * and summarise each level at `level` (e.g. 0.95). y[i] must be 0 or 1;
 * rt (may be NULL) holds reaction times, NaN for a trial without one (it
 * still counts towards p). Writes at most `cap` levels to out (n levels
 * are always enough) and their number to *n_levels. Fails with CJ_ERR_ARG
 * for n < 1, a non-finite x, y not 0/1, an infinite rt, a level outside
 * (0, 1) or more than cap levels (naming how many are needed). */
cj_status cj_psy_levels(const double *x, const double *y, const double *rt, int n, double level,
                        cj_psy_level *out, int cap, int *n_levels, cj_error *err);

/* Wilson's score interval for k successes in n trials (Wilson 1927, JASA
 * 22:209; Newcombe 1998, Stat. Med. 17:857, method 3):
 *   (p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n),
 * z = Phi^-1((1 + level)/2). Into ci[0..1]; NaN for n <= 0, k outside
 * [0, n] or a level outside (0, 1). Returns k / n (NaN for n <= 0). */
double cj_psy_wilson(double k, double n, double level, double ci[2]);

/* The standard normal quantile Phi^-1(p), to about 1e-15 relative; NaN
 * outside (0, 1). (Fit here so the intervals above need no other area.) */
double cj_psy_normal_quantile(double p);

/* The signed-coherence mapping described at the top of this file: for
 * unsigned strength coh[i] >= 0, correct[i] in {0, 1} and choice[i] the
 * option chosen, writes y[i] = (choice[i] == option) and x[i] = +coh[i]
 * when y[i] == correct[i], -coh[i] otherwise. Fails with CJ_ERR_ARG naming
 * the row for a negative or non-finite coh, a correct not 0/1 or a
 * non-finite choice. x and y
 * may not alias the inputs. */
cj_status cj_psy_sign_by_choice(const double *coh, const double *correct, const double *choice, int n,
                                double option, double *x, double *y, cj_error *err);

#endif
