/* rsa_plan.c — comparison plans of two condensed RDMs, evaluated under
 * integer entry weights (see rsa_common.h). Weighted, each measure is the
 * one scipy computes on the expanded vectors: means, variances and
 * products are sums with weights, an average rank is the weight before
 * the class plus (class weight + 1) / 2, and Kendall's counts come from
 * cj_kendall_count_sorted with weights. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rsa_common.h"

typedef struct {
    double x, y;
    size_t i;
} plan_item;

static int plan_item_cmp(const void *a, const void *b)
{
    const plan_item *p = a, *q = b;
    if (p->x != q->x) return p->x < q->x ? -1 : 1;
    if (p->y != q->y) return p->y < q->y ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

/* Dense classes of v[order], computed by sorting the values' positions. */
static cj_status classes(const double *v, size_t m, int *cls, int *k, cj_error *err)
{
    plan_item *s = malloc((m ? m : 1) * sizeof *s);
    if (!s) return cj_fail(err, CJ_ERR_NOMEM, "RSA: no memory for %zu entries", m);
    for (size_t i = 0; i < m; i++) s[i] = (plan_item){v[i], 0.0, i};
    qsort(s, m, sizeof *s, plan_item_cmp);
    int c = -1;
    for (size_t i = 0; i < m; i++) {
        if (i == 0 || s[i].x != s[i - 1].x) c++;
        cls[s[i].i] = c;
    }
    *k = c + 1;
    free(s);
    return CJ_OK;
}

void rsa_plan_free(rsa_plan *p)
{
    free(p->idx);
    free(p->x);
    free(p->y);
    free(p->cx);
    free(p->cy);
    memset(p, 0, sizeof *p);
}

cj_status rsa_plan_build(rsa_plan *p, const double *a, const double *b, size_t len, cj_rsa_measure m,
                         cj_error *err)
{
    memset(p, 0, sizeof *p);
    p->measure = m;
    if ((unsigned)m >= CJ_RSA_MEASURES) return cj_fail(err, CJ_ERR_ARG, "RSA measure %d is not one of cj_rsa_measure", m);
    size_t cnt = 0;
    for (size_t k = 0; k < len; k++) {
        if (isinf(a[k]) || isinf(b[k]))
            return cj_fail(err, CJ_ERR_ARG, "RDM entry %zu of %zu is infinite (%g, %g)", k, len, a[k], b[k]);
        cnt += !isnan(a[k]) && !isnan(b[k]);
    }
    size_t c = cnt ? cnt : 1;
    plan_item *s = malloc(c * sizeof *s);
    p->idx = malloc(c * sizeof *p->idx);
    p->x = malloc(c * sizeof *p->x);
    p->y = malloc(c * sizeof *p->y);
    if (m == CJ_RSA_SPEARMAN) {
        p->cx = malloc(c * sizeof *p->cx);
        p->cy = malloc(c * sizeof *p->cy);
    }
    if (!s || !p->idx || !p->x || !p->y || (m == CJ_RSA_SPEARMAN && (!p->cx || !p->cy))) {
        free(s);
        rsa_plan_free(p);
        return cj_fail(err, CJ_ERR_NOMEM, "RSA: no memory for a comparison of %zu entries", len);
    }
    size_t q = 0;
    for (size_t k = 0; k < len; k++)
        if (!isnan(a[k]) && !isnan(b[k])) s[q++] = (plan_item){a[k], b[k], k};
    /* Ascending (x, y): what the Kendall kernel needs; any order serves the others. */
    qsort(s, cnt, sizeof *s, plan_item_cmp);
    for (size_t k = 0; k < cnt; k++) {
        p->idx[k] = s[k].i;
        p->x[k] = s[k].x;
        p->y[k] = s[k].y;
    }
    free(s);
    p->m = cnt;
    if (m == CJ_RSA_SPEARMAN) {
        cj_status st = classes(p->x, cnt, p->cx, &p->kx, err);
        if (!st) st = classes(p->y, cnt, p->cy, &p->ky, err);
        if (st) {
            rsa_plan_free(p);
            return st;
        }
    }
    return CJ_OK;
}

void rsa_work_free(rsa_work *w)
{
    free(w->xs);
    free(w->ys);
    free(w->yw);
    free(w->w);
    free(w->ww);
    free(w->wx);
    free(w->wy);
    free(w->rx);
    free(w->ry);
    memset(w, 0, sizeof *w);
}

cj_status rsa_work_init(rsa_work *w, size_t cap, cj_error *err)
{
    memset(w, 0, sizeof *w);
    size_t c = cap ? cap : 1;
    w->cap = cap;
    double **d[] = {&w->xs, &w->ys, &w->yw, &w->wx, &w->wy, &w->rx, &w->ry};
    int ok = 1;
    for (size_t i = 0; i < sizeof d / sizeof *d; i++) ok &= (*d[i] = malloc(c * sizeof(double))) != NULL;
    ok &= (w->w = malloc(c * sizeof *w->w)) != NULL;
    ok &= (w->ww = malloc(c * sizeof *w->ww)) != NULL;
    if (!ok) {
        rsa_work_free(w);
        return cj_fail(err, CJ_ERR_NOMEM, "RSA: no memory for scratch of %zu entries", cap);
    }
    return CJ_OK;
}

/* Weighted Pearson (centre != 0) or cosine of u, v over the plan's entries. */
static double weighted_corr(const rsa_plan *p, const double *u, const double *v, const int64_t *weight, int centre)
{
    double sw = 0.0, mu = 0.0, mv = 0.0;
    if (centre) {
        for (size_t k = 0; k < p->m; k++) {
            double wt = (double)weight[p->idx[k]];
            sw += wt;
            mu += wt * u[k];
            mv += wt * v[k];
        }
        if (sw < 2.0) return NAN;
        mu /= sw;
        mv /= sw;
    }
    double suv = 0.0, suu = 0.0, svv = 0.0, total = 0.0;
    for (size_t k = 0; k < p->m; k++) {
        double wt = (double)weight[p->idx[k]], a = u[k] - mu, b = v[k] - mv;
        total += wt;
        suv += wt * a * b;
        suu += wt * a * a;
        svv += wt * b * b;
    }
    if (total < 2.0 || !(suu > 0.0 && svv > 0.0)) return NAN;
    double r = suv / sqrt(suu * svv);
    return r > 1.0 ? 1.0 : r < -1.0 ? -1.0 : r;
}

/* Average ranks of the classes under the weights: the class weights,
 * then rank = weight of the lower classes + (class weight + 1) / 2. */
static void class_ranks(const rsa_plan *p, const int *cls, int k, const int64_t *weight, double *cw, double *rank)
{
    for (int c = 0; c < k; c++) cw[c] = 0.0;
    for (size_t e = 0; e < p->m; e++) cw[cls[e]] += (double)weight[p->idx[e]];
    double below = 0.0;
    for (int c = 0; c < k; c++) {
        rank[c] = below + 0.5 * (cw[c] + 1.0);
        below += cw[c];
    }
}

double rsa_plan_eval(const rsa_plan *p, const int64_t *weight, rsa_work *w)
{
    switch (p->measure) {
    case CJ_RSA_PEARSON:
        return weighted_corr(p, p->x, p->y, weight, 1);
    case CJ_RSA_COSINE:
        return weighted_corr(p, p->x, p->y, weight, 0);
    case CJ_RSA_SPEARMAN: {
        class_ranks(p, p->cx, p->kx, weight, w->wx, w->rx);
        class_ranks(p, p->cy, p->ky, weight, w->wy, w->ry);
        /* The entries' ranks go where the tau_a scratch would. */
        for (size_t e = 0; e < p->m; e++) {
            w->xs[e] = w->rx[p->cx[e]];
            w->ys[e] = w->ry[p->cy[e]];
        }
        return weighted_corr(p, w->xs, w->ys, weight, 1);
    }
    case CJ_RSA_TAU_A: {
        size_t q = 0;
        for (size_t e = 0; e < p->m; e++) {
            int64_t wt = weight[p->idx[e]];
            if (wt <= 0) continue;
            w->xs[q] = p->x[e];
            w->ys[q] = p->y[e];
            w->w[q++] = wt;
        }
        cj_kendall_counts c;
        cj_kendall_count_sorted(w->xs, w->ys, w->w, q, w->yw, w->ww, &c);
        return cj_kendall_tau_a_of(&c);
    }
    }
    return NAN;
}

int rsa_sample_counts(const int *sample, int n, int *count)
{
    memset(count, 0, (size_t)n * sizeof *count);
    int distinct = 0;
    for (int s = 0; s < n; s++) {
        if (sample[s] < 0 || sample[s] >= n) return -1;
        distinct += count[sample[s]]++ == 0;
    }
    return distinct;
}

void rsa_pair_weights(const int *count, int n, int64_t *weight)
{
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        int64_t ci = count[i];
        for (int j = i + 1; j < n; j++) weight[k++] = ci * count[j];
    }
}
