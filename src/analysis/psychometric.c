/* psychometric.c — maximum-likelihood psychometric fits, P(y = 1 | x) =
 * F(b0 + b1 x) with a logistic or probit F (see cajal/psychometric.h).
 *
 * Fisher scoring (IRLS) on two parameters: each step solves the 2x2
 * system I(c) step = g(c) in closed form, halving the step while it lowers
 * the log-likelihood. The iteration runs on x standardised to zero mean and
 * unit spread, so the stopping rule and the step-halving do not depend on
 * the units of x (coherence in 0..1 or in %, duration in ms); the
 * estimates and their covariance are mapped back at the end. */
#include <math.h>
#include <stddef.h>

#include "cajal/psychometric.h"

cj_psy_options cj_psy_options_default(void)
{
    return (cj_psy_options){.link = CJ_PSY_LOGIT, .level = 0.95, .threshold_p = 0.75, .max_iter = 100,
                            .tol = 1e-10};
}

/* Row i as choice-1 mass k1 = w k and choice-0 mass k0 = w (m - k). */
static void row_mass(const cj_psy_data *d, int i, double *k1, double *k0)
{
    double w = d->weight ? d->weight[i] : 1.0, m = d->trials ? d->trials[i] : 1.0, k = d->y[i];
    *k1 = w * k;
    *k0 = w * (m - k);
}

static cj_status check_data(const cj_psy_data *d, cj_error *err)
{
    if (!d || !d->x || !d->y) return cj_fail(err, CJ_ERR_ARG, "psychometric fit: x or y is NULL");
    if (d->n < 2) return cj_fail(err, CJ_ERR_ARG, "psychometric fit: %d rows, need at least 2", d->n);
    int rows = 0, distinct = 0;
    double first = 0.0;
    for (int i = 0; i < d->n; i++) {
        double x = d->x[i], y = d->y[i], m = d->trials ? d->trials[i] : 1.0, w = d->weight ? d->weight[i] : 1.0;
        if (!isfinite(x)) return cj_fail(err, CJ_ERR_ARG, "psychometric fit: x[%d] = %g is not finite", i, x);
        if (!(isfinite(w) && w >= 0.0))
            return cj_fail(err, CJ_ERR_ARG, "psychometric fit: weight[%d] = %g, expected a finite value >= 0", i, w);
        if (!(isfinite(m) && m >= 0.0))
            return cj_fail(err, CJ_ERR_ARG, "psychometric fit: trials[%d] = %g, expected a finite count >= 0", i, m);
        if (d->trials) {
            if (!(y >= 0.0 && y <= m))
                return cj_fail(err, CJ_ERR_ARG, "psychometric fit: y[%d] = %g choices of 1 out of trials[%d] = %g",
                               i, y, i, m);
        } else if (!(y >= 0.0 && y <= 1.0)) {
            return cj_fail(err, CJ_ERR_ARG, "psychometric fit: y[%d] = %g is outside [0, 1]", i, y);
        }
        if (w * m > 0.0) {
            if (rows++ == 0)
                first = x;
            else if (x != first)
                distinct = 1;
        }
    }
    if (rows < 2)
        return cj_fail(err, CJ_ERR_ARG, "psychometric fit: %d rows carry trials (weight * trials > 0), need 2", rows);
    if (!distinct)
        return cj_fail(err, CJ_ERR_ARG, "psychometric fit: every trial is at x = %g, the slope is undefined", first);
    return CJ_OK;
}

static cj_status check_options(const cj_psy_options *o, cj_error *err)
{
    if (o->link != CJ_PSY_LOGIT && o->link != CJ_PSY_PROBIT)
        return cj_fail(err, CJ_ERR_ARG, "psychometric fit: link %d, expected logit (0) or probit (1)", (int)o->link);
    if (!(o->level > 0.0 && o->level < 1.0))
        return cj_fail(err, CJ_ERR_ARG, "psychometric fit: level %g is outside (0, 1)", o->level);
    if (!(o->threshold_p > 0.0 && o->threshold_p < 1.0))
        return cj_fail(err, CJ_ERR_ARG, "psychometric fit: threshold_p %g is outside (0, 1)", o->threshold_p);
    if (o->max_iter < 1) return cj_fail(err, CJ_ERR_ARG, "psychometric fit: max_iter %d < 1", o->max_iter);
    if (!(o->tol > 0.0 && isfinite(o->tol)))
        return cj_fail(err, CJ_ERR_ARG, "psychometric fit: tol %g, expected a finite value > 0", o->tol);
    return CJ_OK;
}

/* ---- the two links: log F, log(1 - F), and the score and information
 * weights, all stable far into the tails (a separated fit drives |u| to
 * tens). ---- */

/* log(1 + e^z) without overflow. */
static double softplus(double z) { return (z > 0 ? z : 0.0) + log1p(exp(-fabs(z))); }

#define SQRT1_2 0.70710678118654752440
#define LOG_SQRT_2PI 0.91893853320467274178

/* Beyond this many standard deviations erfc underflows, so Phi(u) for
 * u < -TAIL comes from the asymptotic series Phi(u) = phi(u)/|u| (1 - 1/u^2
 * + 3/u^4 - 15/u^6 + 105/u^8 - ...) (Abramowitz & Stegun 26.2.12), whose
 * next term is below 2e-13 there. */
#define TAIL 37.0

static double mills_series(double u)
{
    double r = 1.0 / (u * u);
    return 1.0 - r * (1.0 - r * (3.0 - r * (15.0 - r * 105.0)));
}

/* log Phi(u) */
static double log_phi_cdf(double u)
{
    if (u > 0) return log1p(-0.5 * erfc(u * SQRT1_2));
    if (u > -TAIL) return log(0.5 * erfc(-u * SQRT1_2));
    return -0.5 * u * u - LOG_SQRT_2PI - log(-u) + log(mills_series(u));
}

/* phi(u) / Phi(u), the inverse Mills ratio. */
static double mills_inv(double u)
{
    if (u > -TAIL) return exp(-0.5 * u * u - LOG_SQRT_2PI) / (0.5 * erfc(-u * SQRT1_2));
    return -u / mills_series(u);
}

/* log P(y=1) and log P(y=0) at linear predictor u. */
static void log_probs(cj_psy_link link, double u, double *lp1, double *lp0)
{
    if (link == CJ_PSY_LOGIT) {
        *lp1 = -softplus(-u);
        *lp0 = -softplus(u);
    } else {
        *lp1 = log_phi_cdf(u);
        *lp0 = log_phi_cdf(-u);
    }
}

/* d loglik / du for masses k1, k0, and the expected information
 * (k1 + k0) F'(u)^2 / (F (1 - F)). Logit: k1 - (k1 + k0) F and
 * (k1 + k0) F (1 - F). Probit: with lambda(u) = phi / Phi,
 * k1 lambda(u) - k0 lambda(-u) and (k1 + k0) phi (lambda(u) + lambda(-u)),
 * since 1 / (F (1 - F)) = 1/F + 1/(1 - F). */
static void score_info(cj_psy_link link, double u, double k1, double k0, double *s, double *w)
{
    if (link == CJ_PSY_LOGIT) {
        double p = 1.0 / (1.0 + exp(-u)), q = 1.0 / (1.0 + exp(u));
        *s = k1 * q - k0 * p;
        *w = (k1 + k0) * p * q;
    } else {
        double a = mills_inv(u), b = mills_inv(-u);
        *s = k1 * a - k0 * b;
        *w = (k1 + k0) * exp(-0.5 * u * u - LOG_SQRT_2PI) * (a + b);
    }
}

/* F^-1(p) */
static double link_quantile(cj_psy_link link, double p)
{
    return link == CJ_PSY_LOGIT ? log(p / (1.0 - p)) : cj_psy_normal_quantile(p);
}

/* ---- the fit, on standardised t = (x - mu) / sd: u = c0 + c1 t ---- */

typedef struct {
    const cj_psy_data *d;
    cj_psy_link link;
    double mu, sd; /* of x, weighted by trials */
    double ones;   /* weighted choices of 1 */
} problem;

static double xlogy(double x, double y) { return x > 0 ? x * log(y) : 0.0; }

static double loglik(const problem *pb, const double c[2])
{
    double ll = 0.0;
    for (int i = 0; i < pb->d->n; i++) {
        double k1, k0, lp1, lp0;
        row_mass(pb->d, i, &k1, &k0);
        if (k1 + k0 <= 0) continue;
        log_probs(pb->link, c[0] + c[1] * (pb->d->x[i] - pb->mu) / pb->sd, &lp1, &lp0);
        /* 0 * log 0 = 0: a choice never made costs nothing however unlikely. */
        if (k1 > 0) ll += k1 * lp1;
        if (k0 > 0) ll += k0 * lp0;
    }
    return ll;
}

/* Score g and information I (symmetric 2x2: I[0], I[1], I[2] = 00, 01, 11). */
static void gradient(const problem *pb, const double c[2], double g[2], double I[3])
{
    g[0] = g[1] = I[0] = I[1] = I[2] = 0.0;
    for (int i = 0; i < pb->d->n; i++) {
        double k1, k0, s, w;
        row_mass(pb->d, i, &k1, &k0);
        if (k1 + k0 <= 0) continue;
        double t = (pb->d->x[i] - pb->mu) / pb->sd;
        score_info(pb->link, c[0] + c[1] * t, k1, k0, &s, &w);
        g[0] += s;
        g[1] += s * t;
        I[0] += w;
        I[1] += w * t;
        I[2] += w * t * t;
    }
}

/* inv(I) into V; 0 when I is not positive definite to working precision. */
static int invert2(const double I[3], double V[3])
{
    double det = I[0] * I[2] - I[1] * I[1];
    if (!(det > 1e-14 * I[0] * I[2]) || !isfinite(det)) return 0;
    V[0] = I[2] / det;
    V[1] = -I[1] / det;
    V[2] = I[0] / det;
    return 1;
}

/* The exact existence check of cajal/psychometric.h. */
static void separation(const cj_psy_data *d, cj_psy_fit *f)
{
    double min1 = INFINITY, max1 = -INFINITY, min0 = INFINITY, max0 = -INFINITY;
    for (int i = 0; i < d->n; i++) {
        double k1, k0, x = d->x[i];
        row_mass(d, i, &k1, &k0);
        if (k1 > 0) min1 = fmin(min1, x), max1 = fmax(max1, x);
        if (k0 > 0) min0 = fmin(min0, x), max0 = fmax(max0, x);
    }
    f->separation = CJ_PSY_SEP_NONE;
    f->sep_sign = 0;
    f->gap[0] = f->gap[1] = NAN;
    if (min1 == INFINITY || min0 == INFINITY) {
        f->separation = CJ_PSY_SEP_ONE_RESPONSE;
    } else if (max0 <= min1) {
        f->separation = max0 < min1 ? CJ_PSY_SEP_COMPLETE : CJ_PSY_SEP_QUASI;
        f->sep_sign = 1;
        f->gap[0] = max0;
        f->gap[1] = min1;
    } else if (max1 <= min0) {
        f->separation = max1 < min0 ? CJ_PSY_SEP_COMPLETE : CJ_PSY_SEP_QUASI;
        f->sep_sign = -1;
        f->gap[0] = max1;
        f->gap[1] = min0;
    }
}

static void set_nan(cj_psy_fit *f)
{
    f->b0 = f->b1 = f->se_b0 = f->se_b1 = f->cov_b0b1 = NAN;
    f->pse = f->pse_se = f->threshold = f->threshold_se = NAN;
    for (int j = 0; j < 2; j++)
        f->b0_ci[j] = f->b1_ci[j] = f->pse_ci[j] = f->threshold_ci[j] = NAN;
}

static void wald(double est, double se, double z, double ci[2])
{
    ci[0] = est - z * se;
    ci[1] = est + z * se;
}

/* Totals, the saturated and null log-likelihoods, the mean and spread of
 * x; fails when the trial mass or the spread of x overflows (x near
 * 1e308, weights near 1e308), where no step could be computed. */
static cj_status describe(problem *pb, cj_psy_fit *f, double *ll_sat, double *ll_null, cj_error *err)
{
    const cj_psy_data *d = pb->d;
    double s1 = 0, s0 = 0, sx = 0, sat = 0;
    int rows = 0;
    for (int i = 0; i < d->n; i++) {
        double k1, k0;
        row_mass(d, i, &k1, &k0);
        if (k1 + k0 <= 0) continue;
        rows++;
        s1 += k1;
        s0 += k0;
        sx += (k1 + k0) * d->x[i];
        sat += xlogy(k1, k1 / (k1 + k0)) + xlogy(k0, k0 / (k1 + k0));
    }
    double m = s1 + s0, mean = sx / m, ss = 0;
    for (int i = 0; i < d->n; i++) {
        double k1, k0;
        row_mass(d, i, &k1, &k0);
        if (k1 + k0 > 0) ss += (k1 + k0) * (d->x[i] - mean) * (d->x[i] - mean);
    }
    f->rows = rows;
    f->df_resid = rows - 2;
    f->total_trials = m;
    *ll_sat = sat;
    *ll_null = xlogy(s1, s1 / m) + xlogy(s0, s0 / m);
    pb->ones = s1;
    pb->mu = mean;
    pb->sd = sqrt(ss / m);
    if (!(pb->sd > 0)) pb->sd = 1.0; /* distinct x with rounding to 0 spread: keep raw units */
    if (!isfinite(m) || !isfinite(pb->sd) || !isfinite(mean))
        return cj_fail(err, CJ_ERR_ARG, "psychometric fit: %g trials with x spread %g overflow a double", m, pb->sd);
    return CJ_OK;
}

/* Fisher scoring from c; returns the steps taken. *settled is set when
 * the Newton decrement g' inv(I) g = step' I step falls below tol^2, so
 * that the next step would move each coefficient by less than tol of its
 * standard error (Boyd & Vandenberghe 2004, Convex Optimization, 9.5.1),
 * or when no fraction of the step raises the likelihood any more and the
 * decrement is already below 1e-6 (rounding, not a wrong direction). */
static int iterate(const problem *pb, const cj_psy_options *o, double c[2], double *ll, int *settled)
{
    *settled = 0;
    *ll = loglik(pb, c);
    int it = 0;
    for (; it < o->max_iter; it++) {
        double g[2], I[3], V[3];
        gradient(pb, c, g, I);
        if (!invert2(I, V)) break; /* information gone: a separated fit far along its ray */
        double step[2] = {V[0] * g[0] + V[1] * g[1], V[1] * g[0] + V[2] * g[1]};
        double dec = g[0] * step[0] + g[1] * step[1];
        if (dec < o->tol * o->tol) {
            *settled = 1;
            break;
        }
        /* Step-halving (McCullagh & Nelder sec. 2.5): accept the first
         * fraction of the step that does not lower the likelihood by more
         * than its rounding error. Every term of the sum is <= 0, so that
         * error is a small multiple of eps |ll|; without the slack, steps
         * near the optimum, whose gain is below it, are halved to nothing
         * and Fisher scoring (linear for probit) stalls short of tol. */
        double slack = 1e-11 * fabs(*ll), t = 1.0, next[2], ll_next = -INFINITY;
        int h = 0;
        for (; h < 60; h++, t *= 0.5) {
            next[0] = c[0] + t * step[0];
            next[1] = c[1] + t * step[1];
            ll_next = loglik(pb, next);
            if (ll_next >= *ll - slack) break;
        }
        if (h == 60) {
            *settled = dec < 1e-6;
            break;
        }
        c[0] = next[0];
        c[1] = next[1];
        *ll = ll_next;
    }
    return it;
}

/* Standard errors and Wald intervals from V = inv(I), the covariance of
 * the standardised coefficients c. Back in the units of x, b = A c with
 * A = [1, -mu/sd; 0, 1/sd], so Cov b = A V A'. */
static void intervals(cj_psy_fit *f, const double V[3], const problem *pb, double q, double level)
{
    double a = -pb->mu / pb->sd, s = 1.0 / pb->sd;
    double v00 = V[0] + 2.0 * a * V[1] + a * a * V[2], v01 = s * (V[1] + a * V[2]), v11 = s * s * V[2];
    f->se_b0 = sqrt(v00);
    f->se_b1 = sqrt(v11);
    f->cov_b0b1 = v01;
    double z = cj_psy_normal_quantile(0.5 * (1.0 + level));
    wald(f->b0, f->se_b0, z, f->b0_ci);
    wald(f->b1, f->se_b1, z, f->b1_ci);
    /* Delta method: grad(-b0/b1) = (-1/b1, b0/b1^2), grad(q/b1) = (0, -q/b1^2). */
    double g0 = -1.0 / f->b1, g1 = f->b0 / (f->b1 * f->b1);
    f->pse_se = sqrt(g0 * g0 * v00 + 2.0 * g0 * g1 * v01 + g1 * g1 * v11);
    f->threshold_se = fabs(q) * f->se_b1 / (f->b1 * f->b1);
    wald(f->pse, f->pse_se, z, f->pse_ci);
    wald(f->threshold, f->threshold_se, z, f->threshold_ci);
}

cj_status cj_psy_fit_binary(const cj_psy_data *d, const cj_psy_options *opt, cj_psy_fit *out, cj_error *err)
{
    cj_psy_options o = opt ? *opt : cj_psy_options_default();
    cj_status st = check_options(&o, err);
    if (st) return st;
    if ((st = check_data(d, err))) return st;

    *out = (cj_psy_fit){.link = o.link};
    set_nan(out);
    problem pb = {.d = d, .link = o.link};
    double ll_sat, ll_null;
    if ((st = describe(&pb, out, &ll_sat, &ll_null, err))) return st;
    out->null_deviance = 2.0 * (ll_sat - ll_null);
    separation(d, out);

    const double ones = pb.ones; /* weighted choices of 1 */
    if (out->separation == CJ_PSY_SEP_ONE_RESPONSE) {
        /* Every choice the same: F(b0) -> 1 (or 0) fits perfectly, and the
         * slope is not identified at all. */
        out->b0 = ones > 0 ? INFINITY : -INFINITY;
        out->loglik = 0.0;
        out->deviance = 2.0 * ll_sat; /* 0: one response is its own saturated fit */
        return CJ_OK;
    }

    /* Start from the intercept-only fit: F(c0) = overall proportion. */
    double c[2] = {link_quantile(o.link, ones / out->total_trials), 0.0};
    double ll;
    int settled;
    out->iterations = iterate(&pb, &o, c, &ll, &settled);
    out->loglik = ll;
    out->deviance = 2.0 * (ll_sat - ll);

    /* Back to the units of x: b1 = c1 / sd, b0 = c0 - c1 mu / sd. */
    out->b1 = c[1] / pb.sd;
    out->b0 = c[0] - c[1] * pb.mu / pb.sd;
    double q = link_quantile(o.link, o.threshold_p);
    out->pse = -out->b0 / out->b1;
    out->threshold = q / out->b1;
    if (out->separation != CJ_PSY_SEP_NONE) return CJ_OK; /* se stay NaN: see the header */

    double g[2], I[3], V[3];
    gradient(&pb, c, g, I);
    if (!invert2(I, V)) return CJ_OK;
    out->converged = settled;
    intervals(out, V, &pb, q, o.level);
    return CJ_OK;
}
