/* ranks_common.h — what the rank statistics (ranks.c, kendall.c,
 * wilcoxon.c) share: sorting values with their positions, and average
 * ranks over a sorted run. Internal to src/stats. */
#ifndef CAJAL_STATS_RANKS_COMMON_H
#define CAJAL_STATS_RANKS_COMMON_H

#include <stddef.h>

typedef struct {
    double v;
    size_t i;
} rank_item;

/* Ascending by value, then by position: a total order, so qsort's lack of
 * stability cannot show. */
static inline int rank_item_cmp(const void *a, const void *b)
{
    const rank_item *p = a, *q = b;
    if (p->v < q->v) return -1;
    if (p->v > q->v) return 1;
    return (p->i > q->i) - (p->i < q->i);
}

/* ranks[s[k].i] for items s[0..n) sorted by value: a run of t equal values
 * from sorted position k gets (k + 1 + k + t) / 2, the mean of the ranks
 * k + 1 .. k + t. */
static inline void rank_average_sorted(const rank_item *s, size_t n, double *ranks)
{
    for (size_t k = 0; k < n;) {
        size_t e = k + 1;
        while (e < n && s[e].v == s[k].v) e++;
        double r = 0.5 * ((double)(k + 1) + (double)e);
        for (size_t m = k; m < e; m++) ranks[s[m].i] = r;
        k = e;
    }
}

#endif
