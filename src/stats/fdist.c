/* fdist.c — the regularized incomplete beta function and the upper tail of
 * Fisher's F distribution (see cajal/stats.h), for the p-value of a
 * one-way ANOVA (cajal/tuning.h).
 *
 * I_x(a, b) is evaluated by its continued fraction (DLMF 8.17.22; Press et
 * al., Numerical Recipes, 3rd ed., section 6.4), summed by the modified
 * Lentz method (Lentz 1976; Thompson & Barnett 1986), which converges
 * quickly for x < (a + 1) / (a + b + 2). Above that point the fraction is
 * summed for the mirror image I_{1-x}(b, a) instead, and each of I and
 * 1 - I is returned from whichever side was summed directly, so a tiny
 * upper tail (the p of a large F) keeps its relative precision instead of
 * being 1 minus a number close to 1. */
#include <math.h>

#include "cajal/stats.h"

/* The continued fraction of I_x(a, b) without its prefactor (DLMF
 * 8.17.22: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
 * d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))). */
static double beta_fraction(double x, double a, double b)
{
    const double tiny = 1e-300, eps = 1e-16;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; m++) {
        double m2 = 2.0 * m;
        double even = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + even * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + even / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + odd * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + odd / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double step = d * c;
        h *= step;
        if (fabs(step - 1.0) < eps) break;
    }
    return h;
}

/* I_x(a, b) and 1 - I_x(a, b), given x and y = 1 - x each to full
 * precision (the caller may know 1 - x better than 1.0 - x rounds it). */
static void beta_inc(double x, double y, double a, double b, double *lower, double *upper)
{
    double lo, up;
    if (!(a > 0) || !(b > 0) || isnan(x) || isnan(y) || !isfinite(a) || !isfinite(b)) {
        lo = up = NAN;
    } else if (x <= 0) {
        lo = 0, up = 1;
    } else if (y <= 0) {
        lo = 1, up = 0;
    } else {
        /* x^a y^b / B(a, b), in logs so that large a, b do not overflow */
        double log_front = a * log(x) + b * log(y) + lgamma(a + b) - lgamma(a) - lgamma(b);
        if (x < (a + 1.0) / (a + b + 2.0)) {
            lo = exp(log_front) * beta_fraction(x, a, b) / a;
            up = 1.0 - lo;
        } else {
            up = exp(log_front) * beta_fraction(y, b, a) / b;
            lo = 1.0 - up;
        }
    }
    if (lower) *lower = lo;
    if (upper) *upper = up;
}

void cj_beta_inc(double x, double a, double b, double *lower, double *upper)
{
    beta_inc(x, 1.0 - x, a, b, lower, upper);
}

double cj_f_sf(double f, double d1, double d2)
{
    if (isnan(f) || !(d1 > 0) || !(d2 > 0) || !isfinite(d1) || !isfinite(d2)) return NAN;
    if (f <= 0) return 1.0;
    if (isinf(f)) return 0.0;
    /* P(F > f) = 1 - I_x(d1 / 2, d2 / 2) with x = d1 f / (d1 f + d2)
     * (Abramowitz & Stegun 26.6.2); 1 - x = d2 / (d1 f + d2) is passed
     * as such, so a large f, where x rounds to 1, keeps its tiny tail. */
    double upper, t = d1 * f;
    beta_inc(t / (t + d2), d2 / (t + d2), d1 / 2.0, d2 / 2.0, NULL, &upper);
    return upper;
}
