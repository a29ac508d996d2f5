/* rsa_plan.c — comparison plans of two condensed RDMs, evaluated under
 * integer entry weights (see rsa_common.h). Weighted, each measure is the
 * one scipy computes on the expanded vectors: means, variances and
 * products are sums with weights, an average rank is the weight of the
 * lower values plus (weight of the value + 1) / 2, and Kendall's counts
 * come from cj_kendall_count_ranked with weights. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rsa_common.h"

typedef struct {
    double v;
    size_t i;
} value_item;

static int value_cmp(const void *a, const void *b)
{
    const value_item *p = a, *q = b;
    if (p->v != q->v) return p->v < q->v ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

typedef struct {
    int a, b;
    size_t i;
} rank_pair;

static int rank_pair_cmp(const void *x, const void *y)
{
    const rank_pair *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    if (p->b != q->b) return p->b < q->b ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

/* cls[i] = the rank of v[i] among the distinct values of v[0..m), from 0;
 * *k = their number. */
static cj_status classes(const double *v, size_t m, int *cls, int *k, cj_error *err)
{
    value_item *s = malloc((m ? m : 1) * sizeof *s);
    if (!s) return cj_fail(err, CJ_ERR_NOMEM, "RSA: no memory for %zu entries", m);
    for (size_t i = 0; i < m; i++) s[i] = (value_item){v[i], i};
    qsort(s, m, sizeof *s, value_cmp);
    int c = -1;
    for (size_t i = 0; i < m; i++) {
        if (i == 0 || s[i].v != s[i - 1].v) c++;
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

/* tau_a: the RDM with fewer distinct values as y, then the entries in
 * ascending (x rank, y rank) order, as cj_kendall_count_ranked reads them. */
static cj_status order_for_kendall(rsa_plan *p, cj_error *err)
{
    if (p->ky > p->kx) {
        int *t = p->cx, k = p->kx;
        p->cx = p->cy;
        p->cy = t;
        p->kx = p->ky;
        p->ky = k;
    }
    rank_pair *s = malloc((p->m ? p->m : 1) * sizeof *s);
    if (!s) return cj_fail(err, CJ_ERR_NOMEM, "RSA: no memory for %zu entries", p->m);
    for (size_t e = 0; e < p->m; e++) s[e] = (rank_pair){p->cx[e], p->cy[e], p->idx[e]};
    qsort(s, p->m, sizeof *s, rank_pair_cmp);
    for (size_t e = 0; e < p->m; e++) {
        p->cx[e] = s[e].a;
        p->cy[e] = s[e].b;
        p->idx[e] = s[e].i;
    }
    free(s);
    return CJ_OK;
}

cj_status rsa_check_entries(const double *a, const double *b, size_t len, cj_rsa_measure m, size_t *count,
                            cj_error *err)
{
    *count = 0;
    if ((unsigned)m >= CJ_RSA_MEASURES) return cj_fail(err, CJ_ERR_ARG, "RSA measure %d is not one of cj_rsa_measure", m);
    size_t cnt = 0;
    for (size_t k = 0; k < len; k++) {
        if (isinf(a[k]) || isinf(b[k]))
            return cj_fail(err, CJ_ERR_ARG, "RDM entry %zu of %zu is infinite (%g, %g)", k, len, a[k], b[k]);
        cnt += !isnan(a[k]) && !isnan(b[k]);
    }
    *count = cnt;
    return CJ_OK;
}

cj_status rsa_plan_build(rsa_plan *p, const double *a, const double *b, size_t len, cj_rsa_measure m,
                         cj_error *err)
{
    memset(p, 0, sizeof *p);
    p->measure = m;
    size_t cnt;
    cj_status chk = rsa_check_entries(a, b, len, m, &cnt, err);
    if (chk) return chk;
    size_t c = cnt ? cnt : 1;
    const int ranked = m == CJ_RSA_SPEARMAN || m == CJ_RSA_TAU_A;
    p->idx = malloc(c * sizeof *p->idx);
    p->x = malloc(c * sizeof *p->x);
    p->y = malloc(c * sizeof *p->y);
    if (ranked) {
        p->cx = malloc(c * sizeof *p->cx);
        p->cy = malloc(c * sizeof *p->cy);
    }
    if (!p->idx || !p->x || !p->y || (ranked && (!p->cx || !p->cy))) {
        rsa_plan_free(p);
        return cj_fail(err, CJ_ERR_NOMEM, "RSA: no memory for a comparison of %zu entries", len);
    }
    size_t q = 0;
    for (size_t k = 0; k < len; k++)
        if (!isnan(a[k]) && !isnan(b[k])) {
            p->idx[q] = k;
            p->x[q] = a[k];
            p->y[q++] = b[k];
        }
    p->m = cnt;
    cj_status st = CJ_OK;
    if (ranked && !(st = classes(p->x, cnt, p->cx, &p->kx, err)) && !(st = classes(p->y, cnt, p->cy, &p->ky, err)) &&
        m == CJ_RSA_TAU_A)
        st = order_for_kendall(p, err);
    if (st) rsa_plan_free(p);
    return st;
}

void rsa_work_free(rsa_work *w)
{
    free(w->gx);
    free(w->ry);
    free(w->w);
    free(w->tree);
    free(w->hist);
    free(w->u);
    free(w->v);
    free(w->wx);
    free(w->wy);
    free(w->rx);
    free(w->ry_rank);
    memset(w, 0, sizeof *w);
}

cj_status rsa_work_init(rsa_work *w, size_t cap, cj_error *err)
{
    memset(w, 0, sizeof *w);
    size_t c = cap + 34; /* the Fenwick tree's size for ranks < cap (cj_kendall_count_ranked) */
    w->cap = cap;
    double **d[] = {&w->u, &w->v, &w->wx, &w->wy, &w->rx, &w->ry_rank};
    int64_t **l[] = {&w->w, &w->tree, &w->hist};
    int ok = (w->gx = malloc(c * sizeof *w->gx)) != NULL && (w->ry = malloc(c * sizeof *w->ry)) != NULL;
    for (size_t i = 0; i < sizeof d / sizeof *d; i++) ok &= (*d[i] = malloc(c * sizeof(double))) != NULL;
    for (size_t i = 0; i < sizeof l / sizeof *l; i++) ok &= (*l[i] = malloc(c * sizeof(int64_t))) != NULL;
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
    for (size_t k = 0; k < p->m; k++) {
        double wt = (double)weight[p->idx[k]];
        sw += wt;
        mu += wt * u[k];
        mv += wt * v[k];
    }
    if (sw < 2.0) return NAN;
    if (centre) {
        mu /= sw;
        mv /= sw;
    } else {
        mu = mv = 0.0;
    }
    double suv = 0.0, suu = 0.0, svv = 0.0;
    for (size_t k = 0; k < p->m; k++) {
        double wt = (double)weight[p->idx[k]], a = u[k] - mu, b = v[k] - mv;
        suv += wt * a * b;
        suu += wt * a * a;
        svv += wt * b * b;
    }
    if (!(suu > 0.0 && svv > 0.0)) return NAN;
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
        class_ranks(p, p->cy, p->ky, weight, w->wy, w->ry_rank);
        for (size_t e = 0; e < p->m; e++) {
            w->u[e] = w->rx[p->cx[e]];
            w->v[e] = w->ry_rank[p->cy[e]];
        }
        return weighted_corr(p, w->u, w->v, weight, 1);
    }
    case CJ_RSA_TAU_A: {
        /* Keep the entries drawn (weight > 0) without a branch: about half
         * of them are not, at random, which a branch would mispredict. */
        size_t q = 0;
        for (size_t e = 0; e < p->m; e++) {
            int64_t wt = weight[p->idx[e]];
            w->gx[q] = p->cx[e];
            w->ry[q] = p->cy[e];
            w->w[q] = wt;
            q += wt > 0;
        }
        cj_kendall_counts c;
        cj_kendall_count_ranked(w->gx, w->ry, w->w, q, p->ky, w->tree, w->hist, &c);
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
