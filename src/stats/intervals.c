/* intervals.c — Student-t critical values, the t interval of a mean, and
 * jackknife standard errors for the squared mean and the variance of a
 * random vector (see cajal/stats.h). */
#include <math.h>

#include "cajal/stats.h"

/* P(|T| <= t) for Student's t with dof degrees of freedom, from the finite
 * series of Abramowitz & Stegun 26.7.3 (odd dof) and 26.7.4 (even dof),
 * with theta = atan(t / sqrt(dof)). Each term is the one before times
 * cos^2(theta) (j + 1) / (j + 2). */
static double t_two_sided(double t, int dof)
{
    double theta = atan(t / sqrt((double)dof)), c = cos(theta), s = sin(theta), c2 = c * c;
    if (dof % 2) {
        double sum = 0.0, term = c;
        for (int j = 1; j <= dof - 2; j += 2) {
            sum += term;
            term *= c2 * (j + 1) / (j + 2);
        }
        return 2.0 / M_PI * (theta + s * sum);
    }
    double sum = 0.0, term = 1.0;
    for (int j = 0; j <= dof - 2; j += 2) {
        sum += term;
        term *= c2 * (j + 1) / (j + 2);
    }
    return s * sum;
}

double cj_t_critical(double level, int dof)
{
    if (dof < 1 || !(level > 0.0 && level < 1.0)) return NAN;
    /* The probability grows with t: bracket the root, then halve. */
    double lo = 0.0, hi = 1.0;
    while (t_two_sided(hi, dof) < level && hi < 1e300) lo = hi, hi *= 2.0;
    for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (t_two_sided(mid, dof) < level)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

double cj_mean_interval(const double *x, int n, double level, double ci[2])
{
    ci[0] = ci[1] = NAN;
    if (n < 1) return NAN;
    double mean = 0.0;
    for (int i = 0; i < n; i++) mean += x[i];
    mean /= n;
    if (n < 2 || !isfinite(mean)) return mean;
    /* Two passes: the deviations, not sum(x^2) - n mean^2, which cancels. */
    double ss = 0.0;
    for (int i = 0; i < n; i++) ss += (x[i] - mean) * (x[i] - mean);
    double half = cj_t_critical(level, n - 1) * sqrt(ss / (n - 1) / n);
    ci[0] = mean - half;
    ci[1] = mean + half;
    return mean;
}

/* The two U-statistics from n draws whose sum has squared norm t2 and whose
 * squared norms add up to q: sum_{i != j} e_i.e_j = t2 - q. */
static void moments(double n, double t2, double q, double *mean_sq, double *var)
{
    *mean_sq = (t2 - q) / (n * (n - 1));
    *var = (q - t2 / n) / (n - 1);
}

/* The estimates without group a: the sum loses S_a, so its squared norm
 * loses 2 S_a.sum - |S_a|^2. */
static void leave_out(const cj_draw_sums *s, int a, double n, double t2, double q, double *mean_sq,
                      double *var)
{
    const int g = s->groups;
    double row = 0.0;
    for (int b = 0; b < g; b++) row += s->gram[(size_t)a * g + b];
    moments(n - s->count[a], t2 - 2.0 * row + s->gram[(size_t)a * g + a], q - s->sq[a], mean_sq, var);
}

cj_status cj_draw_moments_estimate(const cj_draw_sums *s, cj_draw_moments *out, cj_error *err)
{
    const int g = s->groups;
    out->mean_sq = out->var = out->mean_sq_se = out->var_se = NAN;
    out->draws = 0;
    out->dof = g - 1;
    if (g < 1) return cj_fail(err, CJ_ERR_ARG, "draw moments: %d groups, need at least one", g);
    double t2 = 0.0, q = 0.0;
    long d = 0;
    for (int a = 0; a < g; a++) {
        if (s->count[a] < 1)
            return cj_fail(err, CJ_ERR_ARG, "draw moments: group %d of %d has %d draws", a, g, s->count[a]);
        d += s->count[a];
        q += s->sq[a];
        for (int b = 0; b < g; b++) t2 += s->gram[(size_t)a * g + b];
    }
    if (d < 2) return cj_fail(err, CJ_ERR_ARG, "draw moments: %ld draw, need at least two", d);
    out->draws = (int)d;
    const double n = (double)d;
    moments(n, t2, q, &out->mean_sq, &out->var);

    /* Pseudo-values and weights h_a = D / m_a as in Busing et al. (1999)
     * for groups of unequal size; with equal groups this is the usual (g - 1)/g times the
     * sum of squared deviations of the leave-one-group-out estimates. Two
     * passes recompute those (O(g^2) each) rather than store them. */
    for (int a = 0; a < g; a++)
        if (n - s->count[a] < 2) return CJ_OK; /* a group left out leaves too few: se stays NaN */
    double jack_m = g * out->mean_sq, jack_v = g * out->var;
    for (int a = 0; a < g; a++) {
        double lm, lv;
        leave_out(s, a, n, t2, q, &lm, &lv);
        jack_m -= (1.0 - s->count[a] / n) * lm;
        jack_v -= (1.0 - s->count[a] / n) * lv;
    }
    double ss_m = 0.0, ss_v = 0.0;
    for (int a = 0; a < g; a++) {
        double lm, lv, h = n / s->count[a];
        leave_out(s, a, n, t2, q, &lm, &lv);
        double pm = h * out->mean_sq - (h - 1.0) * lm - jack_m;
        double pv = h * out->var - (h - 1.0) * lv - jack_v;
        ss_m += pm * pm / (h - 1.0);
        ss_v += pv * pv / (h - 1.0);
    }
    out->mean_sq_se = sqrt(ss_m / g);
    out->var_se = sqrt(ss_v / g);
    return CJ_OK;
}
