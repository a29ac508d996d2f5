/* wilcoxon.c — the Wilcoxon signed-rank test of paired samples (Wilcoxon
 * 1945), two-sided, as scipy.stats.wilcoxon with its defaults (see
 * cajal/stats.h). */
#include <math.h>
#include <stdlib.h>

#include "cajal/stats.h"
#include "ranks_common.h"

/* Largest n for the exact distribution, as scipy's method='auto'. */
enum { EXACT_MAX = 50 };

/* Two-sided exact p of R+ = r over the 2^n equally likely sign patterns:
 * count[s] = the number of subsets of {1..n} summing to s, built one rank
 * at a time (counts stay below 2^53, exact in double, for n <= 50). */
static double exact_p(int n, int r)
{
    enum { MAX_SUM = EXACT_MAX * (EXACT_MAX + 1) / 2 };
    double count[MAX_SUM + 1] = {1.0};
    int top = 0;
    for (int k = 1; k <= n; k++) {
        top += k;
        for (int s = top; s >= k; s--) count[s] += count[s - k];
    }
    /* scipy: the centre of the distribution gives p = 1 exactly. */
    if (r == top / 2) return 1.0;
    double below = 0.0, above = 0.0, all = ldexp(1.0, n);
    for (int s = 0; s <= top; s++) {
        if (s <= r) below += count[s];
        if (s >= r) above += count[s];
    }
    double p = 2.0 * (below < above ? below : above) / all;
    return p > 1.0 ? 1.0 : p;
}

cj_status cj_wilcoxon_signed_rank(const double *x, const double *y, int n, cj_wilcoxon *out, cj_error *err)
{
    *out = (cj_wilcoxon){.statistic = NAN, .r_plus = NAN, .z = NAN, .p = NAN};
    if (n < 1) return cj_fail(err, CJ_ERR_ARG, "wilcoxon: %d pairs (need at least 1)", n);
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i]) || (y && !isfinite(y[i])))
            return cj_fail(err, CJ_ERR_ARG, "wilcoxon: pair %d holds a non-finite value", i);
    rank_item *s = malloc((size_t)n * sizeof *s);
    double *rank = malloc((size_t)n * sizeof *rank);
    if (!s || !rank) {
        free(s);
        free(rank);
        return cj_fail(err, CJ_ERR_NOMEM, "wilcoxon: no memory for %d pairs", n);
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        double d = x[i] - (y ? y[i] : 0.0);
        if (d == 0.0)
            out->zeros++;
        else
            s[m++] = (rank_item){fabs(d), (size_t)i};
    }
    out->n = m;
    if (m == 0) {
        free(s);
        free(rank);
        return cj_fail(err, CJ_ERR_ARG, "wilcoxon: all %d differences are 0", n);
    }
    qsort(s, (size_t)m, sizeof *s, rank_item_cmp);
    /* Ranks by sorted position (rank_average_sorted indexes by .i). */
    double tie_term = 0.0;
    int ties = 0;
    for (int k = 0; k < m;) {
        int e = k + 1;
        while (e < m && s[e].v == s[k].v) e++;
        double t = e - k, r = 0.5 * ((double)(k + 1) + (double)e);
        for (int q = k; q < e; q++) rank[q] = r;
        if (e - k > 1) {
            ties = 1;
            tie_term += t * (t * t - 1.0);
        }
        k = e;
    }
    double rp = 0.0, rm = 0.0;
    for (int k = 0; k < m; k++) {
        size_t i = s[k].i;
        double d = x[i] - (y ? y[i] : 0.0);
        if (d > 0.0)
            rp += rank[k];
        else
            rm += rank[k];
    }
    free(s);
    free(rank);
    out->r_plus = rp;
    out->statistic = rp < rm ? rp : rm;
    out->exact = out->zeros == 0 && !ties && n <= EXACT_MAX;
    if (out->exact) {
        out->p = exact_p(m, (int)rp);
        return CJ_OK;
    }
    double mn = m * (m + 1.0) * 0.25;
    double var = (m * (m + 1.0) * (2.0 * m + 1.0) - 0.5 * tie_term) / 24.0;
    out->z = (out->statistic - mn) / sqrt(var);
    out->p = var > 0.0 ? erfc(fabs(out->z) / sqrt(2.0)) : 1.0;
    return CJ_OK;
}
