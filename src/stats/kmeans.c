/* kmeans.c — Lloyd's k-means from greedy k-means++ starts, with restarts
 * (see cajal/clusters.h). It follows scikit-learn's KMeans(algorithm=
 * "lloyd") step for step — the start, the empty-cluster rule, the stopping
 * rule, the final relabelling — so that its inertia and partitions can be
 * checked against it, though the random draws differ. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/clusters.h"
#include "cajal/rng.h"

cj_kmeans_options cj_kmeans_defaults(int k)
{
    return (cj_kmeans_options){.k = k, .n_init = 10, .max_iter = 300, .tol = 1e-4, .seed = 0};
}

/* Scratch for one call, allocated once and shared by the restarts. */
typedef struct {
    double *centres;   /* [k, d] the restart's current centres */
    double *next;      /* [k, d] the update */
    double *dist;      /* [n] squared distance to the closest start / assigned centre */
    double *count;     /* [k] members per cluster */
    int *labels;       /* [n] the restart's labels */
    char *taken;       /* [n] points already moved into an empty cluster */
} scratch;

static double sq_dist(const double *restrict a, const double *restrict b, int d)
{
    double s = 0.0;
    for (int f = 0; f < d; f++) {
        double t = a[f] - b[f];
        s += t * t;
    }
    return s;
}

/* Uniform in [0, 1) with 53 random bits: cj_rng_uniform's 24 bits would
 * make points of small weight unreachable when n is large. */
static double uniform53(cj_rng *rng)
{
    return (double)(cj_rng_u64(rng) >> 11) * 0x1.0p-53;
}

/* The first index whose running sum of w exceeds r (the last index when
 * rounding leaves r at or beyond the total). */
static int draw_weighted(const double *w, int n, double r)
{
    double c = 0.0;
    for (int i = 0; i < n; i++) {
        c += w[i];
        if (c > r) return i;
    }
    return n - 1;
}

/* Greedy k-means++ (scikit-learn's _kmeans_plusplus): the first centre a
 * uniform draw; each next one the best of 2 + floor(ln k) draws with
 * probability proportional to the squared distance to the closest centre
 * so far, "best" meaning the lowest total squared distance once added. */
static void plus_plus(const double *x, int n, int d, int k, cj_rng *rng, scratch *s)
{
    const int trials = 2 + (int)log((double)k);
    int first = (int)cj_rng_below(rng, (uint32_t)n);
    memcpy(s->centres, x + (size_t)first * d, sizeof(double) * d);
    double pot = 0.0;
    for (int i = 0; i < n; i++) pot += s->dist[i] = sq_dist(x + (size_t)i * d, s->centres, d);
    for (int c = 1; c < k; c++) {
        int best = -1;
        double best_pot = INFINITY;
        for (int t = 0; t < trials; t++) {
            int cand = draw_weighted(s->dist, n, uniform53(rng) * pot);
            const double *xc = x + (size_t)cand * d;
            double p = 0.0;
            for (int i = 0; i < n; i++) {
                double q = sq_dist(x + (size_t)i * d, xc, d);
                p += q < s->dist[i] ? q : s->dist[i];
            }
            if (p < best_pot) best_pot = p, best = cand;
        }
        const double *xb = x + (size_t)best * d;
        memcpy(s->centres + (size_t)c * d, xb, sizeof(double) * d);
        pot = 0.0;
        for (int i = 0; i < n; i++) {
            double q = sq_dist(x + (size_t)i * d, xb, d);
            if (q < s->dist[i]) s->dist[i] = q;
            pot += s->dist[i];
        }
    }
}

/* Label each point with its closest centre (the lowest index on a tie),
 * its squared distance into dist; returns how many labels changed. */
static int assign(const double *x, int n, int d, const double *centres, int k, int *labels,
                  double *dist)
{
    int changed = 0;
    for (int i = 0; i < n; i++) {
        const double *xi = x + (size_t)i * d;
        int best = 0;
        double bd = sq_dist(xi, centres, d);
        for (int j = 1; j < k; j++) {
            double q = sq_dist(xi, centres + (size_t)j * d, d);
            if (q < bd) bd = q, best = j;
        }
        changed += labels[i] != best;
        labels[i] = best;
        dist[i] = bd;
    }
    return changed;
}

/* The M step: next = the means of the clusters. A cluster with no member
 * takes the point farthest from its own centre (the e-th empty cluster the
 * e-th farthest point), which leaves the cluster it came from, as in
 * scikit-learn's _relocate_empty_clusters_dense. */
static void update(const double *x, int n, int d, int k, scratch *s)
{
    memset(s->next, 0, sizeof(double) * (size_t)k * d);
    memset(s->count, 0, sizeof(double) * k);
    for (int i = 0; i < n; i++) {
        double *c = s->next + (size_t)s->labels[i] * d;
        const double *xi = x + (size_t)i * d;
        for (int f = 0; f < d; f++) c[f] += xi[f];
        s->count[s->labels[i]] += 1.0;
    }
    int empty = 0; /* marked -1 first: a cluster emptied by a re-seed below is not re-seeded */
    for (int j = 0; j < k; j++)
        if (s->count[j] == 0.0) s->count[j] = -1.0, empty++;
    if (empty) {
        /* Empty clusters are rare and few: a scan per cluster for the
         * farthest point not yet taken (the lowest index on a tie). */
        memset(s->taken, 0, n);
        for (int j = 0; j < k; j++) {
            if (s->count[j] != -1.0) continue;
            int p = -1;
            for (int i = 0; i < n; i++)
                if (!s->taken[i] && (p < 0 || s->dist[i] > s->dist[p])) p = i;
            s->taken[p] = 1;
            int from = s->labels[p];
            const double *xp = x + (size_t)p * d;
            for (int f = 0; f < d; f++) {
                s->next[(size_t)from * d + f] -= xp[f];
                s->next[(size_t)j * d + f] = xp[f];
            }
            s->count[from] -= 1.0;
            s->count[j] = 1.0;
        }
    }
    for (int j = 0; j < k; j++) {
        double *c = s->next + (size_t)j * d;
        if (s->count[j] > 0.0)
            for (int f = 0; f < d; f++) c[f] /= s->count[j];
        else /* emptied by a re-seed (only when points coincide): stay put */
            memcpy(c, s->centres + (size_t)j * d, sizeof(double) * d);
    }
}

/* One restart from s->centres; its labels and final centres stay in s. */
static double lloyd(const double *x, int n, int d, int k, int max_iter, double tol, scratch *s,
                    int *iterations, int *converged)
{
    for (int i = 0; i < n; i++) s->labels[i] = -1;
    int it = 0, strict = 0;
    *converged = 0;
    while (it < max_iter) {
        int changed = assign(x, n, d, s->centres, k, s->labels, s->dist);
        it++;
        update(x, n, d, k, s);
        double shift = 0.0;
        for (int j = 0; j < k; j++)
            shift += sq_dist(s->next + (size_t)j * d, s->centres + (size_t)j * d, d);
        double *t = s->centres;
        s->centres = s->next, s->next = t;
        /* Labels that did not change were computed from these very
         * centres' predecessors, and the update reproduced them. */
        if (it > 1 && changed == 0) {
            strict = 1;
            *converged = 1;
            break;
        }
        if (shift <= tol) {
            *converged = 1;
            break;
        }
    }
    /* Unless the labels came to rest, the last update moved the centres
     * after the labels were drawn: label again so the two agree. */
    if (!strict) assign(x, n, d, s->centres, k, s->labels, s->dist);
    double inertia = 0.0;
    for (int i = 0; i < n; i++) inertia += s->dist[i];
    *iterations = it;
    return inertia;
}

static cj_status check_args(const double *x, int n, int d, const cj_kmeans_options *o, cj_error *err)
{
    if (n < 1 || d < 1)
        return cj_fail(err, CJ_ERR_ARG, "k-means: data are [%d, %d], need at least one sample and one feature",
                       n, d);
    if (o->k < 1 || o->k > n)
        return cj_fail(err, CJ_ERR_ARG, "k-means: k = %d clusters for %d samples (need 1 <= k <= n)", o->k, n);
    if (o->n_init < 1) return cj_fail(err, CJ_ERR_ARG, "k-means: n_init = %d (need >= 1)", o->n_init);
    if (o->max_iter < 1) return cj_fail(err, CJ_ERR_ARG, "k-means: max_iter = %d (need >= 1)", o->max_iter);
    if (!(o->tol >= 0.0)) return cj_fail(err, CJ_ERR_ARG, "k-means: tol = %g (need >= 0)", o->tol);
    for (size_t i = 0; i < (size_t)n * d; i++)
        if (!isfinite(x[i]))
            return cj_fail(err, CJ_ERR_NUMERIC, "k-means: x[%zu, %zu] = %g is not finite", i / d, i % d, x[i]);
    return CJ_OK;
}

cj_status cj_kmeans(const double *x, int n, int d, const cj_kmeans_options *opt, int *labels,
                    double *centres, cj_kmeans_info *info, cj_error *err)
{
    cj_status st = check_args(x, n, d, opt, err);
    if (st) return st;
    const int k = opt->k;
    const size_t nd = (size_t)n * d, kd = (size_t)k * d;
    scratch s = {0};
    /* Centred data, as scikit-learn clusters them: distances are the same,
     * and the sums of the updates lose less to rounding. */
    double *xc = malloc(sizeof(double) * nd), *mean = calloc(d, sizeof(double));
    s.centres = malloc(sizeof(double) * kd);
    s.next = malloc(sizeof(double) * kd);
    s.dist = malloc(sizeof(double) * n);
    s.count = malloc(sizeof(double) * k);
    s.labels = malloc(sizeof(int) * n);
    s.taken = malloc(n);
    if (!xc || !mean || !s.centres || !s.next || !s.dist || !s.count || !s.labels || !s.taken) {
        st = cj_fail(err, CJ_ERR_NOMEM, "k-means: no memory for %d samples of %d features", n, d);
        goto done;
    }
    for (int i = 0; i < n; i++)
        for (int f = 0; f < d; f++) mean[f] += x[(size_t)i * d + f];
    for (int f = 0; f < d; f++) mean[f] /= n;
    double var = 0.0; /* mean over features of the (population) variance */
    for (int i = 0; i < n; i++)
        for (int f = 0; f < d; f++) {
            double t = xc[(size_t)i * d + f] = x[(size_t)i * d + f] - mean[f];
            var += t * t;
        }
    const double tol = opt->tol * var / (double)nd;

    cj_rng rng;
    cj_rng_seed(&rng, opt->seed);
    double best = INFINITY;
    cj_kmeans_info kept = {0};
    for (int r = 0; r < opt->n_init; r++) {
        plus_plus(xc, n, d, k, &rng, &s);
        int iters, conv;
        double inertia = lloyd(xc, n, d, k, opt->max_iter, tol, &s, &iters, &conv);
        if (inertia < best || r == 0) {
            best = inertia;
            kept = (cj_kmeans_info){.inertia = inertia, .iterations = iters, .restart = r, .converged = conv};
            memcpy(labels, s.labels, sizeof(int) * n);
            memcpy(centres, s.centres, sizeof(double) * kd);
        }
    }
    for (int j = 0; j < k; j++)
        for (int f = 0; f < d; f++) centres[(size_t)j * d + f] += mean[f];
    if (info) *info = kept;
done:
    free(xc);
    free(mean);
    free(s.centres);
    free(s.next);
    free(s.dist);
    free(s.count);
    free(s.labels);
    free(s.taken);
    return st;
}
