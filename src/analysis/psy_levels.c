/* psy_levels.c — per-level summaries of choices and reaction times (the
 * psychometric and chronometric curves as points with intervals), Wilson
 * intervals, the normal quantile and the signed-coherence mapping (see
 * cajal/psychometric.h). */
#include <math.h>
#include <stdlib.h>

#include "cajal/psychometric.h"
#include "cajal/stats.h"

#define SQRT1_2 0.70710678118654752440
#define LOG_SQRT_2PI 0.91893853320467274178

/* Phi^-1(p): the rational start of Abramowitz & Stegun 26.2.23 (|error| <
 * 4.5e-4), then Halley steps on the tail that holds p, where erfc keeps
 * full relative precision; three steps reach double precision from there. */
double cj_psy_normal_quantile(double p)
{
    if (!(p > 0.0 && p < 1.0)) return NAN;
    if (p == 0.5) return 0.0;
    double lower = p < 0.5 ? p : 1.0 - p; /* the tail area, <= 0.5 */
    double t = sqrt(-2.0 * log(lower));
    double x = t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
    x = -x; /* the quantile of the lower tail, <= 0 */
    for (int i = 0; i < 6; i++) {
        /* f(x) = Phi(x) - lower, f' = phi, f'' = -x phi. When p > 0.5 the
         * tail area 1 - p is exact only when p was; that is the best any
         * quantile of p can do. */
        double phi = exp(-0.5 * x * x - LOG_SQRT_2PI);
        if (!(phi > 0)) break;
        double r = (0.5 * erfc(-x * SQRT1_2) - lower) / phi;
        double dx = r / (1.0 + 0.5 * x * r);
        x -= dx;
        if (fabs(dx) <= 1e-16 * fabs(x)) break;
    }
    return p < 0.5 ? x : -x;
}

double cj_psy_wilson(double k, double n, double level, double ci[2])
{
    ci[0] = ci[1] = NAN;
    if (!(n > 0) || !isfinite(n)) return NAN;
    double p = k / n;
    if (!(k >= 0 && k <= n) || !(level > 0 && level < 1)) return p;
    double z = cj_psy_normal_quantile(0.5 * (1.0 + level)), z2 = z * z;
    double centre = p + z2 / (2.0 * n), half = z * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
    double scale = 1.0 + z2 / n;
    ci[0] = (centre - half) / scale;
    ci[1] = (centre + half) / scale;
    /* The exact ends at k = 0 and k = n are 0 and 1; keep rounding off them. */
    if (k == 0) ci[0] = 0.0;
    if (k == n) ci[1] = 1.0;
    return p;
}

typedef struct {
    double x;
    int i;
} keyed;

static int by_x(const void *a, const void *b)
{
    double u = ((const keyed *)a)->x, v = ((const keyed *)b)->x;
    if (u < v) return -1;
    if (u > v) return 1;
    /* equal x (including -0 and +0): by row, so the RTs of a level keep their order */
    return ((const keyed *)a)->i - ((const keyed *)b)->i;
}

cj_status cj_psy_levels(const double *x, const double *y, const double *rt, int n, double level,
                        cj_psy_level *out, int cap, int *n_levels, cj_error *err)
{
    *n_levels = 0;
    if (n < 1 || !x || !y) return cj_fail(err, CJ_ERR_ARG, "psychometric levels: %d trials (or x, y NULL)", n);
    if (!(level > 0 && level < 1))
        return cj_fail(err, CJ_ERR_ARG, "psychometric levels: level %g is outside (0, 1)", level);
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i])) return cj_fail(err, CJ_ERR_ARG, "psychometric levels: x[%d] = %g is not finite", i, x[i]);
        if (y[i] != 0.0 && y[i] != 1.0)
            return cj_fail(err, CJ_ERR_ARG, "psychometric levels: y[%d] = %g, expected 0 or 1", i, y[i]);
        if (rt && isinf(rt[i]))
            return cj_fail(err, CJ_ERR_ARG, "psychometric levels: rt[%d] = %g is infinite (NaN marks a missing RT)",
                           i, rt[i]);
    }
    keyed *order = malloc((size_t)n * sizeof *order);
    double *rts = rt ? malloc((size_t)n * sizeof *rts) : NULL;
    if (!order || (rt && !rts)) {
        free(order);
        free(rts);
        return cj_fail(err, CJ_ERR_NOMEM, "psychometric levels: out of memory for %d trials", n);
    }
    for (int i = 0; i < n; i++) order[i] = (keyed){x[i], i};
    qsort(order, (size_t)n, sizeof *order, by_x);

    int levels = 0;
    for (int a = 0; a < n; a++)
        if (a == 0 || order[a].x != order[a - 1].x) levels++;
    if (levels > cap) {
        free(order);
        free(rts);
        return cj_fail(err, CJ_ERR_ARG, "psychometric levels: %d distinct x values, room for %d", levels, cap);
    }
    int l = 0;
    for (int a = 0; a < n;) {
        int b = a, count = 0, nrt = 0;
        for (; b < n && order[b].x == order[a].x; b++) {
            int i = order[b].i;
            count += y[i] == 1.0;
            if (rt && !isnan(rt[i])) rts[nrt++] = rt[i];
        }
        cj_psy_level *v = &out[l++];
        v->x = order[a].x == 0.0 ? 0.0 : order[a].x; /* -0 reads as 0 */
        v->trials = b - a;
        v->count = count;
        v->p = cj_psy_wilson(count, b - a, level, v->p_ci);
        v->rt_n = nrt;
        v->rt_mean = v->rt_ci[0] = v->rt_ci[1] = NAN;
        if (nrt > 0) v->rt_mean = cj_mean_interval(rts, nrt, level, v->rt_ci);
        a = b;
    }
    free(order);
    free(rts);
    *n_levels = levels;
    return CJ_OK;
}

cj_status cj_psy_sign_by_choice(const double *coh, const double *correct, const double *choice, int n,
                                double option, double *x, double *y, cj_error *err)
{
    for (int i = 0; i < n; i++) {
        if (!(isfinite(coh[i]) && coh[i] >= 0))
            return cj_fail(err, CJ_ERR_ARG, "signed coherence: coh[%d] = %g, expected a finite value >= 0", i, coh[i]);
        if (correct[i] != 0.0 && correct[i] != 1.0)
            return cj_fail(err, CJ_ERR_ARG, "signed coherence: correct[%d] = %g, expected 0 or 1", i, correct[i]);
        if (!isfinite(choice[i]))
            return cj_fail(err, CJ_ERR_ARG, "signed coherence: choice[%d] = %g is not finite", i, choice[i]);
    }
    for (int i = 0; i < n; i++) {
        /* Chose `option` and was right, or chose the other and was wrong:
         * the motion pointed at `option`. */
        y[i] = choice[i] == option ? 1.0 : 0.0;
        x[i] = y[i] == correct[i] ? coh[i] : -coh[i];
    }
    return CJ_OK;
}
