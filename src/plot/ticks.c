/* ticks.c — choosing round tick values and printing them.
 *
 * Linear ticks are spaced 1, 2 or 5 times a power of ten, as in Heckbert,
 * "Nice numbers for graph labels" (Graphics Gems, 1990); of those spacings
 * we take the one whose tick count inside the range is closest to the
 * target (the coarser on a tie), which behaves better than rounding the
 * raw spacing when the range is only a few steps wide (10 epochs). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cajal/plot.h"

static double count_in(double lo, double hi, double step)
{
    return floor(hi / step + 1e-9) - ceil(lo / step - 1e-9) + 1;
}

/* Multiples of step within [lo, hi]; the small slack keeps an end tick
 * that rounding put a hair outside. Returns how many there would be, even
 * if more than fit, without visiting them: with a step far below the
 * values' resolution the count is astronomical, and k + 1 == k once k
 * passes 2^53, so a loop over all of them would never end. */
static double multiples(double lo, double hi, double step, cj_ticks *t)
{
    double slack = 1e-9;
    double k0 = ceil(lo / step - slack), k1 = floor(hi / step + slack);
    double count = k1 >= k0 ? k1 - k0 + 1 : 0;
    if (!(count <= CJ_TICKS_MAX)) return isfinite(count) ? count : HUGE_VAL;
    int n = (int)count;
    for (int i = 0; i < n; i++) {
        double v = (k0 + i) * step; /* k * step, not a running sum: no drift */
        t->v[i] = fabs(v) < step * 1e-9 ? 0.0 : v;
    }
    t->n = n;
    return count;
}

/* A range narrower than about a millionth of a unit in the last place of
 * its values has no ticks to tell apart: treat it as a single value. */
static int is_flat(double lo, double hi)
{
    return hi - lo <= 1e-12 * fmax(fabs(lo), fabs(hi));
}

int cj_ticks_linear(double lo, double hi, int target, int integer, cj_ticks *t)
{
    memset(t, 0, sizeof *t);
    if (!isfinite(lo) || !isfinite(hi)) return 0;
    if (hi < lo) {
        double s = lo;
        lo = hi;
        hi = s;
    }
    if (target < 2) target = 2;
    if (target > CJ_TICKS_MAX) target = CJ_TICKS_MAX;
    if (is_flat(lo, hi)) {
        t->n = 1;
        t->v[0] = lo;
        t->step = lo != 0 ? pow(10.0, floor(log10(fabs(lo)))) : 1.0;
        return 1;
    }
    /* Spacings from a decade below to a decade above the raw one cover
     * every count near the target. */
    double raw = hi / target - lo / target, best = 0, best_miss = INFINITY; /* hi - lo may overflow */
    double p = pow(10.0, floor(log10(raw)) - 1);
    static const double m125[] = {1, 2, 5};
    for (int d = 0; d < 3; d++, p *= 10) {
        for (int i = 0; i < 3; i++) {
            double step = m125[i] * p;
            if (integer && step < 1) continue;
            double miss = fabs(count_in(lo, hi, step) - target);
            if (miss <= best_miss) best = step, best_miss = miss;
        }
    }
    double step = best > 0 ? best : 1; /* integer axis narrower than 1 */
    /* A caller's odd input (target far above CJ_TICKS_MAX) gets coarser
     * steps until the ticks fit the array. */
    while (multiples(lo, hi, step, t) > CJ_TICKS_MAX) step *= 2; /* at most ~5 doublings */
    t->step = step;
    return t->n;
}

static void add_tick(cj_ticks *t, double v, double lo, double hi)
{
    double slack = 1e-9 * v;
    if (v >= lo - slack && v <= hi + slack && t->n < CJ_TICKS_MAX) t->v[t->n++] = v;
}

int cj_ticks_log(double lo, double hi, int target, cj_ticks *t)
{
    memset(t, 0, sizeof *t);
    if (!(lo > 0) || !(hi > 0) || !isfinite(lo) || !isfinite(hi)) return 0;
    if (hi < lo) {
        double s = lo;
        lo = hi;
        hi = s;
    }
    if (target < 2) target = 2;
    double a = log10(lo), b = log10(hi);
    int e0 = (int)ceil(a - 1e-9), e1 = (int)floor(b + 1e-9);
    int decades = e1 - e0 + 1;
    if (decades >= 2) {
        /* every k-th power of ten, on multiples of k so that 1e-6, 1e-3, 1
         * are chosen rather than 1e-5, 1e-2, 10 */
        int k = (decades + target - 1) / target;
        for (int e = e0; e <= e1; e++)
            if (((e % k) + k) % k == 0) add_tick(t, pow(10.0, e), lo, hi);
        if (t->n >= 2) return t->n;
        t->n = 0;
    }
    static const double m125[] = {1, 2, 5};
    for (int e = (int)floor(a); e <= (int)floor(b) && t->n < CJ_TICKS_MAX; e++)
        for (int i = 0; i < 3; i++) add_tick(t, m125[i] * pow(10.0, e), lo, hi);
    if (t->n >= 2) return t->n;
    t->n = 0;
    for (int e = (int)floor(a); e <= (int)floor(b) && t->n < CJ_TICKS_MAX; e++)
        for (int m = 1; m <= 9; m++) add_tick(t, m * pow(10.0, e), lo, hi);
    if (t->n >= 2) return t->n;
    /* Less than one step of 1..9 x 10^k: ordinary linear ticks read best. */
    return cj_ticks_linear(lo, hi, target, 0, t);
}

/* "2.5e-05" is hard to read on an axis; "2.5e-5" is what people write. */
static void exp_label(double v, char *buf, size_t len)
{
    int e = (int)floor(log10(fabs(v)) + 1e-9);
    double m = v / pow(10.0, e);
    if (fabs(fabs(m) - 1) < 1e-9)
        snprintf(buf, len, "%se%d", m < 0 ? "-1" : "1", e);
    else
        snprintf(buf, len, "%.3ge%d", m, e);
}

void cj_tick_label(double v, double step, char *buf, size_t len)
{
    if (len == 0) return;
    if (!isfinite(v)) {
        snprintf(buf, len, "%g", v);
        return;
    }
    double tiny = step > 0 ? step * 1e-9 : 0;
    if (v == 0 || fabs(v) <= tiny) {
        snprintf(buf, len, "0");
        return;
    }
    if (step <= 0) { /* log axis: no common spacing to size decimals by */
        if (fabs(v) >= 1e-3 && fabs(v) < 1e4)
            snprintf(buf, len, "%g", v);
        else
            exp_label(v, buf, len);
        return;
    }
    if (fabs(v) >= 1e6 || step < 1e-6) {
        exp_label(v, buf, len);
        return;
    }
    /* Fewest decimals that still show the step exactly: 0.25 needs 2,
     * 0.2 needs 1, 5 needs 0. */
    int d = 0;
    for (double s = step; d < 10 && fabs(s - round(s)) > 1e-6 * s; s *= 10) d++;
    snprintf(buf, len, "%.*f", d, v);
}
