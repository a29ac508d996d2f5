/* tuning_stats.c — tuning curves and selectivity per unit (cj_tuning_compute
 * in cajal/tuning.h): mean, SD and SEM per level, the one-way ANOVA across
 * levels with eta^2, the preferred level, and for directions the vector
 * sum of the curve. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/stats.h"
#include "cajal/tuning.h"

static const double TWO_PI = 6.28318530717958647692;

void cj_tuning_free(cj_tuning *t)
{
    free(t->mean);
    free(t->sd);
    free(t->sem);
    free(t->F);
    free(t->p);
    free(t->eta2);
    free(t->preferred);
    free(t->pref_dir);
    free(t->depth);
    *t = (cj_tuning){0};
}

/* One-way ANOVA of unit u from its level means m[K] and the responses:
 * SS_between = sum_k n_k (m_k - grand)^2, SS_within = sum_i (x_i -
 * m_level(i))^2, both in double from the same means, as f_oneway does. */
static void anova(const float *x, int n, int units, int u, const int *level, const int *count, const double *m,
                  int K, int N, double *sd, double *F, double *p, double *eta2)
{
    double grand = 0;
    for (int k = 0; k < K; k++) grand += count[k] * m[k];
    grand /= N;
    double *ss = sd; /* each level's sum of squares, turned into its SD below */
    for (int k = 0; k < K; k++) ss[k] = 0;
    for (int i = 0; i < n; i++) {
        int k = level[i];
        if (k < 0) continue;
        double d = x[(size_t)i * units + u] - m[k];
        ss[k] += d * d;
    }
    double within = 0, between = 0;
    for (int k = 0; k < K; k++) {
        within += ss[k];
        double d = m[k] - grand;
        between += count[k] * d * d;
        sd[k] = count[k] > 1 ? sqrt(ss[k] / (count[k] - 1)) : NAN;
    }
    double total = within + between;
    int d1 = K - 1, d2 = N - K;
    if (!(total > 0)) { /* a constant unit: nothing to explain */
        *F = *p = *eta2 = NAN;
    } else if (!(within > 0)) { /* every level constant, the levels differ */
        *F = INFINITY;
        *p = 0;
        *eta2 = 1;
    } else {
        *F = (between / d1) / (within / d2);
        *p = cj_f_sf(*F, d1, d2);
        *eta2 = between / total;
    }
}

/* The vector sum of curve m[K] at angles theta[K] (tuning.h): rates used
 * as they are, or measured from the lowest when it is below zero. */
static void vector_sum(const double *m, const double *theta, int K, double *dir, double *depth)
{
    double low = 0;
    for (int k = 0; k < K; k++)
        if (m[k] < low) low = m[k];
    double re = 0, im = 0, sum = 0;
    for (int k = 0; k < K; k++) {
        double r = m[k] - low;
        re += r * cos(theta[k]);
        im += r * sin(theta[k]);
        sum += r;
    }
    if (!(sum > 0)) {
        *dir = *depth = NAN;
        return;
    }
    double a = atan2(im, re);
    if (a < 0) a += TWO_PI;
    *dir = a >= TWO_PI ? 0.0 : a;
    *depth = hypot(re, im) / sum;
}

cj_status cj_tuning_compute(const float *x, int n_stimuli, int n_units, const cj_tuning_levels *lv, cj_tuning *out,
                            cj_error *err)
{
    *out = (cj_tuning){0};
    if (!x || !lv || !lv->level || !lv->count)
        return cj_fail(err, CJ_ERR_ARG, "tuning: responses or levels missing");
    if (n_units < 1 || n_stimuli != lv->n_stimuli)
        return cj_fail(err, CJ_ERR_ARG, "tuning: responses [%d, %d] for levels of %d stimuli", n_stimuli, n_units,
                       lv->n_stimuli);
    int K = lv->n_levels, N = 0;
    for (int k = 0; k < K; k++) N += lv->count[k];
    if (K < 2 || N <= K)
        return cj_fail(err, CJ_ERR_ARG, "tuning: %d levels over %d stimuli, need at least 2 and more stimuli", K, N);
    size_t cells = (size_t)n_units * K;
    out->mean = malloc(sizeof(double) * cells);
    out->sd = malloc(sizeof(double) * cells);
    out->sem = malloc(sizeof(double) * cells);
    out->F = malloc(sizeof(double) * n_units);
    out->p = malloc(sizeof(double) * n_units);
    out->eta2 = malloc(sizeof(double) * n_units);
    out->preferred = malloc(sizeof(int) * n_units);
    if (lv->angle) {
        out->pref_dir = malloc(sizeof(double) * n_units);
        out->depth = malloc(sizeof(double) * n_units);
    }
    if (!out->mean || !out->sd || !out->sem || !out->F || !out->p || !out->eta2 || !out->preferred ||
        (lv->angle && (!out->pref_dir || !out->depth))) {
        cj_tuning_free(out);
        return cj_fail(err, CJ_ERR_NOMEM, "tuning: out of memory for %d units x %d levels", n_units, K);
    }
    out->n_units = n_units;
    out->n_levels = K;
    out->n = lv->count;
    out->df_between = K - 1;
    out->df_within = N - K;
    /* Level sums of every unit in one pass over the rows (x is stimulus-major). */
    memset(out->mean, 0, sizeof(double) * cells);
    for (int i = 0; i < n_stimuli; i++) {
        int k = lv->level[i];
        if (k < 0) continue;
        const float *row = x + (size_t)i * n_units;
        for (int u = 0; u < n_units; u++) out->mean[(size_t)u * K + k] += row[u];
    }
    for (int u = 0; u < n_units; u++) {
        double *m = out->mean + (size_t)u * K, *sd = out->sd + (size_t)u * K, *sem = out->sem + (size_t)u * K;
        for (int k = 0; k < K; k++) m[k] /= lv->count[k];
        anova(x, n_stimuli, n_units, u, lv->level, lv->count, m, K, N, sd, &out->F[u], &out->p[u], &out->eta2[u]);
        int best = 0;
        for (int k = 0; k < K; k++) {
            sem[k] = sd[k] / sqrt(lv->count[k]);
            if (m[k] > m[best]) best = k;
        }
        out->preferred[u] = isnan(out->eta2[u]) ? -1 : best;
        if (lv->angle) vector_sum(m, lv->angle, K, &out->pref_dir[u], &out->depth[u]);
    }
    return CJ_OK;
}

/* ---- ranking ------------------------------------------------------------- */

typedef struct {
    double eta2, F;
    int unit;
} ranked;

static int by_selectivity(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    int na = isnan(a->eta2), nb = isnan(b->eta2);
    if (na != nb) return na - nb;
    if (!na && a->eta2 != b->eta2) return a->eta2 < b->eta2 ? 1 : -1;
    if (!na && a->F != b->F) return a->F < b->F ? 1 : -1;
    return (a->unit > b->unit) - (a->unit < b->unit);
}

void cj_tuning_rank(const cj_tuning *t, int *order)
{
    ranked *r = malloc(sizeof *r * (size_t)(t->n_units > 0 ? t->n_units : 1));
    if (!r) { /* no memory to sort: unit order, still a valid permutation */
        for (int u = 0; u < t->n_units; u++) order[u] = u;
        return;
    }
    for (int u = 0; u < t->n_units; u++) r[u] = (ranked){t->eta2[u], t->F[u], u};
    qsort(r, (size_t)t->n_units, sizeof *r, by_selectivity);
    for (int u = 0; u < t->n_units; u++) order[u] = r[u].unit;
    free(r);
}
