/* kde.c — one-dimensional Gaussian kernel density estimates: an exact path
 * that reproduces scikit-learn's KernelDensity, and a grid path that
 * interpolates log f with cubic Hermite splines (accuracy measured at fit
 * time; see include/cajal/match.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/match.h"

/* Kernel terms whose weight is below e^-CUT of the largest are skipped:
 * with n terms the relative error of the sum is at most n e^-40 = n 4e-18. */
#define CUT 40.0
/* The grid covers the samples +- PAD bandwidths; beyond that the density of
 * every class is negligible and the rare query is evaluated exactly. */
#define PAD 9.0

void cj_kde_defaults(cj_kde_opts *o)
{
    memset(o, 0, sizeof *o);
    o->rule = CJ_KDE_BW_FIXED;
    o->bandwidth = 1.0;
    o->min_bandwidth = 0.0;
    o->boundary = CJ_KDE_BOUND_NONE;
    o->lo = -INFINITY;
    o->hi = INFINITY;
    o->grid_step = 0.25;
    o->grid_tol = 1e-4;
    o->grid_max = (size_t)1 << 20;
    o->grid_lo = NAN;
    o->grid_hi = NAN;
}

void cj_kde_free(cj_kde *k)
{
    if (!k) return;
    free(k->pts);
    free(k->grid_c);
    memset(k, 0, sizeof *k);
}

/* ---- exact evaluation ---------------------------------------------------- */

/* First index i in sorted a[0..n) with a[i] >= v (n if none). */
static size_t lower_bound(const double *a, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < v) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* First index i with a[i] > v. */
static size_t upper_bound(const double *a, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] <= v) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static double clip_to_support(const cj_kde *k, double x)
{
    if (k->boundary != CJ_KDE_BOUND_REFLECT) return x;
    return x < k->lo ? k->lo : x > k->hi ? k->hi : x;
}

/* log sum_i exp(-z_i^2 / 2) with z_i = (p_i - x) / h, and (if slope is not
 * NULL) its derivative in x, sum_i w_i z_i / (h sum_i w_i). The sum is
 * taken relative to the nearest point (the log-sum-exp shift), so it never
 * underflows however far x is from the samples, and only the points within
 * the window where a term exceeds e^-CUT of the largest are visited. */
static double log_kernel_sum(const cj_kde *k, double x, double *slope)
{
    const double *p = k->pts;
    size_t n = k->n_pts;
    double h = k->bandwidth, inv_h = 1.0 / h;
    size_t j = lower_bound(p, n, x);
    double dmin = INFINITY;
    if (j < n) dmin = p[j] - x;
    if (j > 0 && x - p[j - 1] < dmin) dmin = x - p[j - 1];
    double zmin = dmin * inv_h, base = 0.5 * zmin * zmin;
    double r = h * sqrt(zmin * zmin + 2.0 * CUT);
    size_t a = lower_bound(p, j, x - r);
    size_t b = j + upper_bound(p + j, n - j, x + r);
    double s = 0.0, t = 0.0;
    for (size_t i = a; i < b; i++) {
        double z = (p[i] - x) * inv_h;
        double w = exp(base - 0.5 * z * z);
        s += w;
        t += w * z;
    }
    if (slope) *slope = t / s * inv_h;
    return log(s) - base;
}

double cj_kde_log_density_at(const cj_kde *k, double x)
{
    if (isnan(x)) return NAN;
    return log_kernel_sum(k, clip_to_support(k, x), NULL) + k->log_norm;
}

void cj_kde_log_density(const cj_kde *k, const float *x, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++) out[i] = (float)cj_kde_log_density_at(k, x[i]);
}

/* ---- grid evaluation ----------------------------------------------------- */

/* Cubic Hermite interpolation on the unit cell: values g0, g1 and slopes
 * (already times the step) d0, d1 at u = 0 and 1, as the coefficients of
 * c0 + c1 u + c2 u^2 + c3 u^3. Reproduces any cubic, in particular the
 * parabolic tails of log f, exactly. */
static void hermite_coeffs(double g0, double d0, double g1, double d1, double *c)
{
    c[0] = g0;
    c[1] = d0;
    c[2] = 3.0 * (g1 - g0) - 2.0 * d0 - d1;
    c[3] = 2.0 * (g0 - g1) + d0 + d1;
}

static double cubic(const double *c, double u) { return c[0] + u * (c[1] + u * (c[2] + u * c[3])); }

double cj_kde_log_density_fast_at(const cj_kde *k, double x)
{
    double t = (clip_to_support(k, x) - k->grid_x0) * k->grid_inv_step;
    /* NaN x, no grid (grid_n = 0 gives the empty range) and points off the
     * grid all fail this test. The last node belongs to the last cell, so a
     * point clipped to a bound (a similarity of exactly 1) stays on the grid. */
    if (t >= 0.0 && t <= (double)k->grid_n - 1.0) {
        size_t i = (size_t)t < k->grid_n - 2 ? (size_t)t : k->grid_n - 2;
        const double *c = k->grid_c + 4 * i;
        if (!isnan(c[0])) return cubic(c, t - (double)i);
    }
    return cj_kde_log_density_at(k, x);
}

void cj_kde_log_density_fast(const cj_kde *k, const float *x, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++) out[i] = (float)cj_kde_log_density_fast_at(k, x[i]);
}

/* Fast Gaussian gridding (Greengard & Lee 2004, sec. 3): every point adds
 * its kernel to the fine-grid nodes within W bandwidths, y_m = a + m step,
 * for m < n. Successive terms differ by a factor that itself changes by a
 * constant factor,
 *     t_{m+1} = t_m rho_m,  rho_{m+1} = rho_m e^-dz^2,  dz = step / h,
 * so after three exp() per point each node costs a few multiplications.
 * The nodes are visited four at a time, each lane stepping by 4 with its
 * own ratio (which changes by e^-16dz^2): four independent multiplication
 * chains instead of one, which the CPU overlaps. On return
 *     sum[m] = sum_i e^(-z^2/2),  mom[m] = sum_i (p_i - a) e^(-z^2/2),
 * z = (p_i - y_m) / h; sum_i z e^(-z^2/2) is then (mom - (y_m - a) sum) / h
 * (p_i - a is constant per point, which keeps z out of the inner loop). */
#define W 12.0
static void scatter(const cj_kde *k, double a, double step, size_t n, double *restrict sum, double *restrict mom)
{
    double h = k->bandwidth, inv_h = 1.0 / h, dz = step * inv_h;
    double q = exp(-dz * dz), q4 = exp(-4.0 * dz * dz), q16 = exp(-16.0 * dz * dz);
    for (size_t i = 0; i < k->n_pts; i++) {
        double p = k->pts[i], pa = p - a;
        double first = ceil((pa - W * h) / step), last = floor((pa + W * h) / step);
        if (first < 0.0) first = 0.0;
        if (last > (double)(n - 1)) last = (double)(n - 1);
        if (first > last) continue;
        size_t m = (size_t)first, end = (size_t)last + 1;
        double z0 = (pa - first * step) * inv_h;
        double rho = exp(z0 * dz - 0.5 * dz * dz);
        double t0 = exp(-0.5 * z0 * z0), t1 = t0 * rho, t2 = t1 * rho * q, t3 = t2 * rho * q * q;
        double r0 = exp(4.0 * dz * z0 - 8.0 * dz * dz); /* t_{m+4} / t_m */
        double r1 = r0 * q4, r2 = r1 * q4, r3 = r2 * q4;
        for (; m + 4 <= end; m += 4) {
            sum[m] += t0;
            sum[m + 1] += t1;
            sum[m + 2] += t2;
            sum[m + 3] += t3;
            mom[m] += t0 * pa;
            mom[m + 1] += t1 * pa;
            mom[m + 2] += t2 * pa;
            mom[m + 3] += t3 * pa;
            t0 *= r0;
            t1 *= r1;
            t2 *= r2;
            t3 *= r3;
            r0 *= q16;
            r1 *= q16;
            r2 *= q16;
            r3 *= q16;
        }
        double t[4] = {t0, t1, t2, t3};
        for (int l = 0; m < end; m++, l++) {
            sum[m] += t[l];
            mom[m] += t[l] * pa;
        }
    }
}

/* Lay the grid over [xmin - PAD h, xmax + PAD h] (widened to grid_lo/hi,
 * clipped to the support) and compute log f and its slope on a grid four
 * times finer: the nodes are every fourth point, and the three between
 * check each cell at u = 1/4, 1/2, 3/4; cells that miss grid_tol are marked
 * for exact evaluation. Gridded sums skip terms beyond W bandwidths, each
 * below e^-72; where a sum is at least e^-(W^2/2 - CUT) that is within the
 * exact path's error bound, and elsewhere (gaps, far tails) the point is
 * evaluated exactly. */
static cj_status build_grid(cj_kde *k, double xmin, double xmax, const cj_kde_opts *o, cj_error *err)
{
    double h = k->bandwidth;
    double a = xmin - PAD * h, b = xmax + PAD * h;
    if (isfinite(o->grid_lo) && o->grid_lo < a) a = o->grid_lo;
    if (isfinite(o->grid_hi) && o->grid_hi > b) b = o->grid_hi;
    if (k->boundary == CJ_KDE_BOUND_REFLECT) {
        if (a < k->lo) a = k->lo;
        if (b > k->hi) b = k->hi;
    }
    double cells = ceil((b - a) / (o->grid_step * h));
    size_t n = cells < (double)(o->grid_max - 1) ? (size_t)cells + 1 : o->grid_max;
    if (n < 2) n = 2;
    double step = (b - a) / (double)(n - 1), fstep = 0.25 * step;
    size_t nf = 4 * (n - 1) + 1;

    k->grid_c = malloc(4 * (n - 1) * sizeof *k->grid_c);
    double *fg = calloc(nf, sizeof *fg), *fd = calloc(nf, sizeof *fd);
    if (!k->grid_c || !fg || !fd) {
        free(fg);
        free(fd);
        return cj_fail(err, CJ_ERR_NOMEM, "kde: out of memory for a grid of %zu nodes", n);
    }
    k->grid_n = n;
    k->grid_x0 = a;
    k->grid_step = step;
    k->grid_inv_step = 1.0 / step;

    scatter(k, a, fstep, nf, fg, fd);
    double accept = exp(-(0.5 * W * W - CUT));
    for (size_t m = 0; m < nf; m++) {
        if (fg[m] >= accept) {
            fd[m] = (fd[m] / fg[m] - (double)m * fstep) / (h * h);
            fg[m] = log(fg[m]) + k->log_norm;
        } else {
            fg[m] = log_kernel_sum(k, a + (double)m * fstep, &fd[m]) + k->log_norm;
        }
    }
    for (size_t j = 0; j + 1 < n; j++) {
        double *c = k->grid_c + 4 * j, worst = 0.0;
        hermite_coeffs(fg[4 * j], fd[4 * j] * step, fg[4 * j + 4], fd[4 * j + 4] * step, c);
        for (int q = 1; q < 4; q++) {
            double e = fabs(cubic(c, 0.25 * q) - fg[4 * j + (size_t)q]);
            if (!(e <= worst)) worst = e;
        }
        if (!(worst <= o->grid_tol)) {
            c[0] = NAN;
            k->grid_n_exact++;
        } else if (worst > k->grid_err) {
            k->grid_err = worst;
        }
    }
    free(fg);
    free(fd);
    return CJ_OK;
}

/* ---- fitting ------------------------------------------------------------- */

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The rule's bandwidth, sigma times scipy's factor (0 when sigma is). */
static double rule_bandwidth(const float *x, size_t n, cj_kde_bw_rule rule)
{
    if (n < 2) return 0.0;
    double mean = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++) mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) ss += ((double)x[i] - mean) * ((double)x[i] - mean);
    double sigma = sqrt(ss / (double)(n - 1));
    double neff = rule == CJ_KDE_BW_SILVERMAN ? 0.75 * (double)n : (double)n;
    return sigma * pow(neff, -0.2);
}

static cj_status check_opts(const cj_kde_opts *o, cj_error *err)
{
    if (o->rule != CJ_KDE_BW_FIXED && o->rule != CJ_KDE_BW_SCOTT && o->rule != CJ_KDE_BW_SILVERMAN)
        return cj_fail(err, CJ_ERR_ARG, "kde: rule = %d is not a bandwidth rule", (int)o->rule);
    if (o->rule == CJ_KDE_BW_FIXED && !(o->bandwidth > 0.0 && isfinite(o->bandwidth)))
        return cj_fail(err, CJ_ERR_ARG, "kde: bandwidth = %g, expected a finite value > 0", o->bandwidth);
    if (!(o->min_bandwidth >= 0.0 && isfinite(o->min_bandwidth)))
        return cj_fail(err, CJ_ERR_ARG, "kde: min_bandwidth = %g, expected a finite value >= 0",
                       o->min_bandwidth);
    if (o->boundary != CJ_KDE_BOUND_NONE && o->boundary != CJ_KDE_BOUND_REFLECT)
        return cj_fail(err, CJ_ERR_ARG, "kde: boundary = %d is not a boundary mode", (int)o->boundary);
    if (o->boundary == CJ_KDE_BOUND_REFLECT && !(o->lo < o->hi) )
        return cj_fail(err, CJ_ERR_ARG, "kde: support [lo, hi] = [%g, %g] is empty", o->lo, o->hi);
    if (!(o->grid_step >= 0.0 && isfinite(o->grid_step)))
        return cj_fail(err, CJ_ERR_ARG, "kde: grid_step = %g, expected a finite value >= 0", o->grid_step);
    if (o->grid_step > 0.0 && !(o->grid_tol > 0.0))
        return cj_fail(err, CJ_ERR_ARG, "kde: grid_tol = %g, expected > 0", o->grid_tol);
    if (o->grid_step > 0.0 && o->grid_max < 2)
        return cj_fail(err, CJ_ERR_ARG, "kde: grid_max = %zu, expected >= 2", o->grid_max);
    return CJ_OK;
}

/* The samples and, with reflection, their mirror images at each finite
 * bound, sorted so that evaluation can find its window by bisection. */
static cj_status build_points(cj_kde *k, const float *x, size_t n, cj_error *err)
{
    int reflect = k->boundary == CJ_KDE_BOUND_REFLECT;
    int copies = 1 + (reflect && isfinite(k->lo)) + (reflect && isfinite(k->hi));
    k->pts = malloc((size_t)copies * n * sizeof *k->pts);
    if (!k->pts) return cj_fail(err, CJ_ERR_NOMEM, "kde: out of memory for %zu samples", n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) k->pts[m++] = x[i];
    if (reflect && isfinite(k->lo))
        for (size_t i = 0; i < n; i++) k->pts[m++] = 2.0 * k->lo - x[i];
    if (reflect && isfinite(k->hi))
        for (size_t i = 0; i < n; i++) k->pts[m++] = 2.0 * k->hi - x[i];
    k->n_pts = m;
    qsort(k->pts, m, sizeof *k->pts, cmp_double);
    return CJ_OK;
}

cj_status cj_kde_fit(cj_kde *k, const float *x, size_t n, const cj_kde_opts *o, cj_error *err)
{
    memset(k, 0, sizeof *k);
    cj_status st = check_opts(o, err);
    if (st) return st;
    if (n == 0) return cj_fail(err, CJ_ERR_ARG, "kde: no samples to fit");
    int reflect = o->boundary == CJ_KDE_BOUND_REFLECT;
    double xmin = INFINITY, xmax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) return cj_fail(err, CJ_ERR_NUMERIC, "kde: sample %zu is %g", i, (double)x[i]);
        if (reflect && (x[i] < o->lo || x[i] > o->hi))
            return cj_fail(err, CJ_ERR_ARG, "kde: sample %zu = %g lies outside the support [%g, %g]", i,
                           (double)x[i], o->lo, o->hi);
        if (x[i] < xmin) xmin = x[i];
        if (x[i] > xmax) xmax = x[i];
    }
    double h = o->rule == CJ_KDE_BW_FIXED ? o->bandwidth : rule_bandwidth(x, n, o->rule);
    if (h < o->min_bandwidth) {
        h = o->min_bandwidth;
        k->floored = 1;
    }
    if (!(h > 0.0))
        return cj_fail(err, CJ_ERR_NUMERIC,
                       "kde: bandwidth rule gives 0 (the %zu samples have no spread); set min_bandwidth", n);

    k->n = n;
    k->bandwidth = h;
    k->boundary = o->boundary;
    k->lo = reflect ? o->lo : -INFINITY;
    k->hi = reflect ? o->hi : INFINITY;
    k->log_norm = -log((double)n) - log(h) - 0.5 * log(2.0 * M_PI);
    st = build_points(k, x, n, err);
    if (!st && o->grid_step > 0.0) st = build_grid(k, xmin, xmax, o, err);
    if (st) cj_kde_free(k);
    return st;
}
