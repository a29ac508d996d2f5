/* kendall.c — Kendall's pair counts in O(n log n) by Knight's (1966)
 * merge-sort algorithm, with integer weights so that a bootstrap sample's
 * repeated entries are counted without being expanded (see cajal/stats.h).
 *
 * With the observations in ascending (x, y) order, a pair i < j is
 * discordant exactly when y_i > y_j (ties in x are in ascending y, so they
 * never look discordant; ties in y are not inversions). Merge-sorting y and
 * counting, each time an element of the right half overtakes the left
 * half's remaining elements, their weight times its own gives the weighted
 * number of discordant pairs. Ties are counted on the sorted runs: a run of
 * equal values with total weight W holds W(W-1)/2 pairs (copies of one
 * observation included: they are tied in both).
 *
 * cj_kendall_count_ranked counts the same pairs from precomputed class
 * ranks with a Fenwick tree instead of the merge sort: for repeated counts
 * over fixed values (bootstrap samples). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/stats.h"

int64_t cj_kendall_concordant(const cj_kendall_counts *c)
{
    return c->pairs - c->tied_x - c->tied_y + c->tied_xy - c->discordant;
}

double cj_kendall_tau_a_of(const cj_kendall_counts *c)
{
    if (c->pairs <= 0) return NAN;
    double t = (double)(cj_kendall_concordant(c) - c->discordant) / (double)c->pairs;
    return t > 1.0 ? 1.0 : t < -1.0 ? -1.0 : t;
}

double cj_kendall_tau_b_of(const cj_kendall_counts *c)
{
    double a = (double)(c->pairs - c->tied_x), b = (double)(c->pairs - c->tied_y);
    if (!(a > 0.0 && b > 0.0)) return NAN;
    double t = (double)(cj_kendall_concordant(c) - c->discordant) / sqrt(a) / sqrt(b);
    return t > 1.0 ? 1.0 : t < -1.0 ? -1.0 : t;
}

static int64_t run_pairs(int64_t w) { return w * (w - 1) / 2; }

/* Sort runs of RUN elements by insertion, counting each exchange of
 * neighbours as w_a w_b discordant pairs. */
enum { RUN = 16 };

static int64_t insertion_runs(double *y, int64_t *w, size_t n)
{
    int64_t d = 0;
    for (size_t lo = 0; lo < n; lo += RUN) {
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            double v = y[i];
            int64_t wv = w[i], over = 0;
            size_t k = i;
            while (k > lo && y[k - 1] > v) {
                y[k] = y[k - 1];
                w[k] = w[k - 1];
                over += w[k];
                k--;
            }
            y[k] = v;
            w[k] = wv;
            d += over * wv;
        }
    }
    return d;
}

/* Merge sorted [lo, mid) and [mid, hi) of (y, w) into (oy, ow). */
static int64_t merge(const double *restrict y, const int64_t *restrict w, double *restrict oy,
                     int64_t *restrict ow, size_t lo, size_t mid, size_t hi)
{
    int64_t left = 0, d = 0;
    for (size_t i = lo; i < mid; i++) left += w[i];
    size_t i = lo, j = mid, o = lo;
    while (i < mid && j < hi) {
        if (y[i] <= y[j]) {
            left -= w[i];
            oy[o] = y[i];
            ow[o++] = w[i++];
        } else {
            d += w[j] * left;
            oy[o] = y[j];
            ow[o++] = w[j++];
        }
    }
    size_t rest = mid - i;
    memcpy(oy + o, y + i, rest * sizeof *y);
    memcpy(ow + o, w + i, rest * sizeof *w);
    o += rest;
    memcpy(oy + o, y + j, (hi - j) * sizeof *y);
    memcpy(ow + o, w + j, (hi - j) * sizeof *w);
    return d;
}

void cj_kendall_count_sorted(const double *xs, double *ys, int64_t *w, size_t n, double *ywork, int64_t *wwork,
                             cj_kendall_counts *out)
{
    memset(out, 0, sizeof *out);
    int64_t total = 0;
    for (size_t k = 0; k < n;) {
        size_t e = k;
        int64_t wx = 0;
        while (e < n && xs[e] == xs[k]) {
            /* Within a run of equal x, runs of equal y are the joint ties. */
            size_t f = e;
            int64_t wxy = 0;
            while (f < n && xs[f] == xs[k] && ys[f] == ys[e]) wxy += w[f++];
            out->tied_xy += run_pairs(wxy);
            wx += wxy;
            e = f;
        }
        out->tied_x += run_pairs(wx);
        total += wx;
        k = e;
    }
    out->pairs = run_pairs(total);

    double *y = ys, *oy = ywork;
    int64_t *wy = w, *ow = wwork;
    int64_t d = insertion_runs(y, wy, n);
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            d += merge(y, wy, oy, ow, lo, mid, hi);
        }
        double *t = y;
        y = oy;
        oy = t;
        int64_t *tw = wy;
        wy = ow;
        ow = tw;
    }
    out->discordant = d;
    for (size_t k = 0; k < n;) {
        size_t e = k;
        int64_t wt = 0;
        while (e < n && y[e] == y[k]) wt += wy[e++];
        out->tied_y += run_pairs(wt);
        k = e;
    }
}

typedef struct {
    double x, y;
} xy_item;

static int xy_cmp(const void *a, const void *b)
{
    const xy_item *p = a, *q = b;
    if (p->x != q->x) return p->x < q->x ? -1 : 1;
    return (p->y > q->y) - (p->y < q->y);
}

cj_status cj_kendall_count(const double *x, const double *y, size_t n, cj_kendall_counts *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]) || isnan(y[i]))
            return cj_fail(err, CJ_ERR_ARG, "kendall: pair %zu of %zu holds a NaN", i, n);
    if (n < 2) return CJ_OK;
    xy_item *s = malloc(n * sizeof *s);
    double *buf = malloc(3 * n * sizeof *buf);
    int64_t *w = malloc(2 * n * sizeof *w);
    if (!s || !buf || !w) {
        free(s);
        free(buf);
        free(w);
        return cj_fail(err, CJ_ERR_NOMEM, "kendall: no memory for %zu pairs", n);
    }
    for (size_t i = 0; i < n; i++) s[i] = (xy_item){x[i], y[i]};
    qsort(s, n, sizeof *s, xy_cmp);
    double *xs = buf, *ys = buf + n, *yw = buf + 2 * n;
    for (size_t i = 0; i < n; i++) {
        xs[i] = s[i].x;
        ys[i] = s[i].y;
        w[i] = 1;
    }
    free(s);
    cj_kendall_count_sorted(xs, ys, w, n, yw, w + n, out);
    free(buf);
    free(w);
    return CJ_OK;
}

cj_status cj_kendall_tau_a(const double *x, const double *y, size_t n, double *tau, cj_error *err)
{
    cj_kendall_counts c;
    *tau = NAN;
    cj_status st = cj_kendall_count(x, y, n, &c, err);
    if (!st) *tau = cj_kendall_tau_a_of(&c);
    return st;
}

/* The Fenwick tree's two operations with a fixed number of steps, `bits`
 * (enough for any rank < 2^bits), and no branch: the loop exits of the
 * textbook versions depend on the rank and mispredict about once per call,
 * which costs more than the extra steps. A query that reaches node 0 keeps
 * adding tree[0], which stays 0; an update that passes the top goes on
 * adding into junk nodes k + 2 + step, one per step so that no chain of
 * updates to one address forms. */
static inline int64_t tree_prefix(const int64_t *tree, int i, int bits)
{
    int64_t s = 0;
    for (int b = 0; b < bits; b++) {
        s += tree[i];
        i &= i - 1;
    }
    return s;
}

static inline void tree_add(int64_t *tree, int i, int64_t w, int k, int bits)
{
    for (int b = 0; b < bits; b++) {
        tree[i] += w;
        int next = i + (i & -i);
        i = next > k ? k + 2 + b : next;
    }
}

void cj_kendall_count_ranked(const int *gx, const int *ry, const int64_t *w, size_t n, int k, int64_t *tree,
                             int64_t *hist, cj_kendall_counts *out)
{
    memset(out, 0, sizeof *out);
    int bits = 1;
    while (bits < 31 && (1 << bits) <= k) bits++;
    memset(tree, 0, (size_t)(k + 2 + bits) * sizeof *tree);
    memset(hist, 0, (size_t)k * sizeof *hist);
    int64_t inserted = 0, d = 0;
    int distinct_x = 1;
    for (size_t e = 1; e < n && distinct_x; e++) distinct_x = gx[e] != gx[e - 1];
    if (distinct_x) {
        /* No ties in x (the usual case: x is the RDM with more distinct
         * values): query and insert one observation at a time; the only
         * pairs tied in x are an observation's copies, tied in y too. */
        for (size_t e = 0; e < n; e++) {
            int64_t we = w[e];
            d += we * (inserted - tree_prefix(tree, ry[e] + 1, bits));
            tree_add(tree, ry[e] + 1, we, k, bits);
            hist[ry[e]] += we;
            inserted += we;
            out->tied_x += run_pairs(we);
        }
        out->tied_xy = out->tied_x;
        n = 0; /* skip the general loop */
    }
    for (size_t s = 0; s < n;) {
        /* One run of equal x: query all of it before inserting any, so
         * pairs tied in x are never counted as discordant. */
        size_t e = s;
        int64_t wg = 0;
        for (; e < n && gx[e] == gx[s]; e++) {
            d += w[e] * (inserted - tree_prefix(tree, ry[e] + 1, bits));
            wg += w[e];
        }
        for (size_t j = s; j < e;) {
            size_t f = j;
            int64_t wj = 0;
            while (f < e && ry[f] == ry[j]) wj += w[f++];
            out->tied_xy += run_pairs(wj);
            j = f;
        }
        for (size_t j = s; j < e; j++) {
            tree_add(tree, ry[j] + 1, w[j], k, bits);
            hist[ry[j]] += w[j];
        }
        inserted += wg;
        out->tied_x += run_pairs(wg);
        s = e;
    }
    for (int c = 0; c < k; c++) out->tied_y += run_pairs(hist[c]);
    out->discordant = d;
    out->pairs = run_pairs(inserted);
}
