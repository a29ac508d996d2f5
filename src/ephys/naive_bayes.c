/* naive_bayes.c — P(match | similarity, distance) from four 1-D kernel
 * density estimates and a prior, as in UnitMatch (van Beest et al. 2024):
 * the two features are treated as independent given the class (Naive
 * Bayes), and the class-conditional densities are KDEs fitted to
 * within-session quasi-ground truth. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/match.h"

void cj_match_nb_defaults(cj_match_nb_opts *o)
{
    memset(o, 0, sizeof *o);
    cj_kde_defaults(&o->sim);
    o->sim.rule = CJ_KDE_BW_SCOTT;
    /* A cosine similarity carries ~3 significant digits of signal; the floor
     * only stops a collapse, it does not smooth real data. */
    o->sim.min_bandwidth = 0.005;
    o->sim.boundary = CJ_KDE_BOUND_REFLECT;
    o->sim.lo = -1.0;
    o->sim.hi = 1.0;
    cj_kde_defaults(&o->dist);
    o->dist.rule = CJ_KDE_BW_SCOTT;
    /* Half a micrometre: well below the 20 µm site pitch of Neuropixels, so
     * it never blurs real centroid noise, but it keeps p(d|M) finite when
     * the match distances are all 0 (see the pitfall in match.h). */
    o->dist.min_bandwidth = 0.5;
    o->dist.boundary = CJ_KDE_BOUND_REFLECT;
    o->dist.lo = 0.0;
    o->dist.hi = INFINITY;
    o->prior = 0.0;
}

void cj_match_nb_free(cj_match_nb *m)
{
    if (!m) return;
    for (int c = 0; c < 2; c++) {
        cj_kde_free(&m->sim[c]);
        cj_kde_free(&m->dist[c]);
    }
    memset(m, 0, sizeof *m);
}

cj_status cj_match_nb_set_prior(cj_match_nb *m, double prior, cj_error *err)
{
    if (!(prior > 0.0 && prior < 1.0))
        return cj_fail(err, CJ_ERR_ARG, "naive bayes: prior = %g, expected 0 < prior < 1", prior);
    m->prior = prior;
    return CJ_OK;
}

/* Copy the feature values of class c (0 or 1) into out; returns the count. */
static size_t gather_class(const float *x, const unsigned char *is_match, size_t n, int c, float *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if ((is_match[i] != 0) == c) out[m++] = x[i];
    return m;
}

/* Fit p(x | non-match) and p(x | match) for one feature. Both grids span
 * the range of the feature over both classes, so that the queries — pairs
 * of every kind — rarely fall outside either grid. */
static cj_status fit_feature(cj_kde kde[2], const char *name, const float *x, const unsigned char *is_match,
                             size_t n, const cj_kde_opts *base, float *buf, cj_error *err)
{
    cj_kde_opts o = *base;
    float xmin = INFINITY, xmax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return cj_fail(err, CJ_ERR_NUMERIC, "naive bayes: %s of training pair %zu is %g", name, i,
                           (double)x[i]);
        if (x[i] < xmin) xmin = x[i];
        if (x[i] > xmax) xmax = x[i];
    }
    if (!isfinite(o.grid_lo)) o.grid_lo = xmin;
    if (!isfinite(o.grid_hi)) o.grid_hi = xmax;
    for (int c = 0; c < 2; c++) {
        size_t m = gather_class(x, is_match, n, c, buf);
        cj_error sub;
        if (cj_kde_fit(&kde[c], buf, m, &o, &sub))
            return cj_fail(err, sub.code, "naive bayes: %s given %s: %s", name, c ? "match" : "non-match",
                           sub.msg);
    }
    return CJ_OK;
}

cj_status cj_match_nb_fit(cj_match_nb *m, const float *sim, const float *dist,
                          const unsigned char *is_match, size_t n, const cj_match_nb_opts *o, cj_error *err)
{
    memset(m, 0, sizeof *m);
    size_t n_match = 0;
    for (size_t i = 0; i < n; i++) n_match += is_match[i] != 0;
    if (n_match == 0 || n_match == n)
        return cj_fail(err, CJ_ERR_ARG, "naive bayes: %zu of %zu training pairs are matches; need both classes",
                       n_match, n);
    double prior = o->prior == 0.0 ? (double)n_match / (double)n : o->prior;
    if (!(prior > 0.0 && prior < 1.0))
        return cj_fail(err, CJ_ERR_ARG, "naive bayes: prior = %g, expected 0 < prior < 1 (or 0)", o->prior);
    float *buf = malloc(n * sizeof *buf);
    if (!buf) return cj_fail(err, CJ_ERR_NOMEM, "naive bayes: out of memory for %zu training pairs", n);
    cj_status st = fit_feature(m->sim, "similarity", sim, is_match, n, &o->sim, buf, err);
    if (!st) st = fit_feature(m->dist, "distance", dist, is_match, n, &o->dist, buf, err);
    free(buf);
    if (st) {
        cj_match_nb_free(m);
        return st;
    }
    m->prior = prior;
    m->n_train[0] = n - n_match;
    m->n_train[1] = n_match;
    return CJ_OK;
}

/* P(match) from the four log densities, in log space: with
 * a = log pi + log p(s|M) + log p(d|M) and b likewise for non-matches,
 * P = e^a / (e^a + e^b) = 1 / (1 + e^(b-a)); e^(b-a) may overflow to inf,
 * which gives exactly 0. */
static float posterior(double log_pi, double log_1mpi, double ls1, double ld1, double ls0, double ld0)
{
    double a = log_pi + ls1 + ld1, b = log_1mpi + ls0 + ld0;
    return (float)(1.0 / (1.0 + exp(b - a)));
}

void cj_match_nb_posterior(const cj_match_nb *m, const float *sim, const float *dist, size_t n, float *p)
{
    double lp = log(m->prior), lq = log1p(-m->prior);
    for (size_t i = 0; i < n; i++) {
        double s = sim[i], d = dist[i];
        p[i] = posterior(lp, lq, cj_kde_log_density_fast_at(&m->sim[1], s),
                         cj_kde_log_density_fast_at(&m->dist[1], d), cj_kde_log_density_fast_at(&m->sim[0], s),
                         cj_kde_log_density_fast_at(&m->dist[0], d));
    }
}

void cj_match_nb_posterior_exact(const cj_match_nb *m, const float *sim, const float *dist, size_t n, float *p)
{
    double lp = log(m->prior), lq = log1p(-m->prior);
    for (size_t i = 0; i < n; i++) {
        double s = sim[i], d = dist[i];
        p[i] = posterior(lp, lq, cj_kde_log_density_at(&m->sim[1], s), cj_kde_log_density_at(&m->dist[1], d),
                         cj_kde_log_density_at(&m->sim[0], s), cj_kde_log_density_at(&m->dist[0], d));
    }
}
