/* drift.c — the rigid shift of the probe between two sessions, from the
 * position differences of probable matches, estimated robustly (Tukey's
 * biweight, started from the median with a MAD scale). UnitMatch corrects
 * drift the same way in spirit: shift session B by the typical
 * displacement of its confident matches, rescore, and repeat. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/match.h"

/* Tuning constant of the biweight: 95 % efficiency at the normal
 * (Holland & Welsch 1977). */
#define BIWEIGHT_C 4.685
/* 1 / Phi^-1(3/4): makes the MAD a consistent estimate of a normal sigma. */
#define MAD_TO_SIGMA 1.4826
#define MAX_ITER 100

void cj_drift_defaults(cj_drift_opts *o)
{
    memset(o, 0, sizeof *o);
    o->min_prob = 0.5f;
    o->estimate_x = 0;
    o->min_pairs = 3;
    o->min_scale_um = 1.0f;
}

static int cmp_float(const void *pa, const void *pb)
{
    float a = *(const float *)pa, b = *(const float *)pb;
    return (a > b) - (a < b);
}

/* Median of v[0..n) (n > 0); sorts v. */
static double median(float *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_float);
    return n % 2 ? v[n / 2] : 0.5 * ((double)v[n / 2 - 1] + (double)v[n / 2]);
}

/* Median and MAD scale of v[0..n), using tmp[0..n) as scratch. */
static void median_scale(const float *v, size_t n, float *tmp, double min_scale, double *med, double *scale)
{
    memcpy(tmp, v, n * sizeof *tmp);
    double m = median(tmp, n);
    for (size_t i = 0; i < n; i++) tmp[i] = (float)fabs((double)v[i] - m);
    double s = MAD_TO_SIGMA * median(tmp, n);
    *med = m;
    *scale = s > min_scale ? s : min_scale;
}

/* Biweight location of the pairs (x[i], y[i]), i < n (x may be NULL: y
 * only). A pair's weight is (1 - u^2)^2 for u < 1, 0 otherwise, with
 * u^2 = ((y - my) / (c sy))^2 [+ ((x - mx) / (c sx))^2], so a pair is
 * rejected as a whole, not coordinate by coordinate. The scales stay at
 * their MAD values; the location is iterated to a fixed point. */
static size_t biweight(const float *x, const float *y, size_t n, float *tmp, double min_scale, double *mx,
                       double *my)
{
    double sx = 1.0, sy;
    *mx = 0.0;
    median_scale(y, n, tmp, min_scale, my, &sy);
    if (x) median_scale(x, n, tmp, min_scale, mx, &sx);
    size_t inliers = 0;
    for (int it = 0; it < MAX_ITER; it++) {
        double sw = 0.0, swx = 0.0, swy = 0.0;
        inliers = 0;
        for (size_t i = 0; i < n; i++) {
            double uy = ((double)y[i] - *my) / (BIWEIGHT_C * sy);
            double ux = x ? ((double)x[i] - *mx) / (BIWEIGHT_C * sx) : 0.0;
            double u2 = uy * uy + ux * ux;
            if (u2 >= 1.0) continue;
            double w = (1.0 - u2) * (1.0 - u2);
            sw += w;
            swy += w * y[i];
            if (x) swx += w * x[i];
            inliers++;
        }
        if (sw <= 0.0) break; /* cannot happen from the median start; keep it */
        double nx = x ? swx / sw : 0.0, ny = swy / sw;
        double moved = fabs(ny - *my) + fabs(nx - *mx);
        *mx = nx;
        *my = ny;
        if (moved < 1e-6 * sy) break;
    }
    return inliers;
}

cj_status cj_drift_estimate(const float *dx, const float *dy, const float *prob, size_t n, const cj_drift_opts *o,
                            cj_drift *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    if (o->estimate_x && !dx) return cj_fail(err, CJ_ERR_ARG, "drift: estimate_x is set but dx is NULL");
    if (!(o->min_scale_um > 0.0f))
        return cj_fail(err, CJ_ERR_ARG, "drift: min_scale_um = %g, expected > 0", (double)o->min_scale_um);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) used += (!prob || prob[i] >= o->min_prob);
    out->n_used = used;
    if (used < o->min_pairs || used == 0)
        return cj_fail(err, CJ_ERR_NUMERIC, "drift: %zu of %zu pairs have prob >= %g; need %zu", used, n,
                       (double)o->min_prob, o->min_pairs);
    float *buf = malloc(3 * used * sizeof *buf);
    if (!buf) return cj_fail(err, CJ_ERR_NOMEM, "drift: out of memory for %zu pairs", used);
    float *ys = buf, *xs = buf + used, *tmp = buf + 2 * used;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (prob && !(prob[i] >= o->min_prob)) continue;
        if (!isfinite(dy[i]) || (o->estimate_x && !isfinite(dx[i]))) {
            free(buf);
            return cj_fail(err, CJ_ERR_NUMERIC, "drift: position difference of pair %zu is not finite", i);
        }
        ys[m] = dy[i];
        xs[m] = o->estimate_x ? dx[i] : 0.0f;
        m++;
    }
    double mx, my;
    out->n_inliers = biweight(o->estimate_x ? xs : NULL, ys, m, tmp, o->min_scale_um, &mx, &my);
    out->dx = (float)mx;
    out->dy = (float)my;
    free(buf);
    return CJ_OK;
}

cj_status cj_drift_mutual_best(const float *prob, size_t n_a, size_t n_b, const float *pos_a, const float *pos_b,
                               const cj_drift_opts *o, cj_drift *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    if (n_a == 0 || n_b == 0) return cj_fail(err, CJ_ERR_ARG, "drift: empty %zu x %zu matrix", n_a, n_b);
    size_t *row_best = malloc(n_a * sizeof *row_best), *col_best = malloc(n_b * sizeof *col_best);
    float *d = malloc(3 * (n_a < n_b ? n_a : n_b) * sizeof *d);
    cj_status st = CJ_OK;
    if (!row_best || !col_best || !d) {
        st = cj_fail(err, CJ_ERR_NOMEM, "drift: out of memory for a %zu x %zu matrix", n_a, n_b);
        goto done;
    }
    /* One row-major pass finds both argmaxes (ties go to the first). */
    for (size_t j = 0; j < n_b; j++) col_best[j] = 0;
    for (size_t i = 0; i < n_a; i++) {
        const float *row = prob + i * n_b;
        size_t best = 0;
        for (size_t j = 0; j < n_b; j++) {
            if (row[j] > row[best]) best = j;
            if (row[j] > prob[col_best[j] * n_b + j]) col_best[j] = i;
        }
        row_best[i] = best;
    }
    size_t m = 0, cap = n_a < n_b ? n_a : n_b;
    float *ddx = d, *ddy = d + cap, *p = d + 2 * cap;
    for (size_t i = 0; i < n_a; i++) {
        size_t j = row_best[i];
        if (col_best[j] != i) continue;
        ddx[m] = pos_b[2 * j] - pos_a[2 * i];
        ddy[m] = pos_b[2 * j + 1] - pos_a[2 * i + 1];
        p[m] = prob[i * n_b + j];
        m++;
    }
    st = cj_drift_estimate(ddx, ddy, p, m, o, out, err);
done:
    free(row_best);
    free(col_best);
    free(d);
    return st;
}
