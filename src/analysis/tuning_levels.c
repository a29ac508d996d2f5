/* tuning_levels.c — the levels of a stimulus variable for tuning curves
 * (cj_tuning_levels_make in cajal/tuning.h): its distinct values, or
 * equal-count bins as pandas.qcut cuts them, or bins on given edges as
 * pandas.cut(include_lowest=True) does, with directions wrapped onto one
 * turn first. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/tuning.h"

static const double TWO_PI = 6.28318530717958647692;

void cj_tuning_levels_free(cj_tuning_levels *lv)
{
    if (lv->labels)
        for (int k = 0; k < lv->n_levels; k++) free(lv->labels[k]);
    free(lv->labels);
    free(lv->x);
    free(lv->lo);
    free(lv->hi);
    free(lv->angle);
    free(lv->count);
    free(lv->level);
    *lv = (cj_tuning_levels){0};
}

/* The whole of s as a number, or 0. */
static int number_of(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return end != s && *end == '\0';
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double period_of(cj_tuning_circular c) { return c == CJ_TUNING_DEGREES ? 360.0 : TWO_PI; }

/* v onto [0, period): fmod, then the rounding cases (-1e-20 + 360 is 360). */
static double wrap(double v, double period)
{
    double w = fmod(v, period);
    if (w < 0) w += period;
    return w >= period ? 0.0 : w;
}

/* Room for n_levels levels, every stimulus without one. */
static cj_status alloc_levels(cj_tuning_levels *lv, int n, int n_levels, int circular, cj_error *err)
{
    lv->labels = calloc((size_t)n_levels, sizeof *lv->labels);
    lv->x = malloc(sizeof(double) * n_levels);
    lv->lo = malloc(sizeof(double) * n_levels);
    lv->hi = malloc(sizeof(double) * n_levels);
    lv->angle = circular ? malloc(sizeof(double) * n_levels) : NULL;
    lv->count = calloc((size_t)n_levels, sizeof *lv->count);
    lv->level = malloc(sizeof(int) * (size_t)n);
    if (!lv->labels || !lv->x || !lv->lo || !lv->hi || (circular && !lv->angle) || !lv->count || !lv->level)
        return cj_fail(err, CJ_ERR_NOMEM, "tuning levels: out of memory for %d levels of %d stimuli", n_levels, n);
    lv->n_levels = n_levels;
    for (int i = 0; i < n; i++) lv->level[i] = -1;
    for (int k = 0; k < n_levels; k++) lv->lo[k] = lv->hi[k] = NAN;
    return CJ_OK;
}

static cj_status set_label(cj_tuning_levels *lv, int k, const char *text, cj_error *err)
{
    if (!(lv->labels[k] = strdup(text))) return cj_fail(err, CJ_ERR_NOMEM, "tuning levels: out of memory");
    return CJ_OK;
}

/* ---- categories -------------------------------------------------------- */

/* Names in order of first appearance. */
static cj_status name_levels(const char *const *values, int n, const unsigned char *keep, int max_levels,
                             cj_tuning_levels *lv, cj_error *err)
{
    const char **names = malloc(sizeof *names * (size_t)(max_levels + 1));
    int *level = malloc(sizeof(int) * (size_t)n);
    if (!names || !level) {
        free(names);
        free(level);
        return cj_fail(err, CJ_ERR_NOMEM, "tuning levels: out of memory");
    }
    int k_n = 0;
    cj_status st = CJ_OK;
    for (int i = 0; i < n && !st; i++) {
        level[i] = -1;
        if (keep && !keep[i]) continue;
        int k = 0;
        while (k < k_n && strcmp(names[k], values[i])) k++;
        if (k == k_n) {
            if (k_n == max_levels) {
                char q[80];
                st = cj_fail(err, CJ_ERR_ARG, "more than %d distinct values (stimulus %d is '%s'): too many levels "
                             "for tuning curves; bin a numeric variable (--bins N or --edges)", max_levels, i,
                             cj_error_quote(values[i], q, sizeof q));
                break;
            }
            names[k_n++] = values[i];
        }
        level[i] = k;
    }
    if (!st) st = alloc_levels(lv, n, k_n, 0, err);
    for (int k = 0; k < k_n && !st; k++) {
        lv->x[k] = k;
        st = set_label(lv, k, names[k], err);
    }
    if (!st) memcpy(lv->level, level, sizeof(int) * (size_t)n);
    free(names);
    free(level);
    return st;
}

/* Distinct numbers in increasing order. */
static cj_status number_levels(const double *v, int n, const unsigned char *keep, int max_levels,
                               cj_tuning_levels *lv, cj_error *err)
{
    double *s = malloc(sizeof(double) * (size_t)n);
    if (!s) return cj_fail(err, CJ_ERR_NOMEM, "tuning levels: out of memory for %d values", n);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (!keep || keep[i]) s[m++] = v[i];
    qsort(s, (size_t)m, sizeof *s, cmp_double);
    int k_n = 0;
    for (int i = 0; i < m; i++)
        if (!k_n || s[i] != s[k_n - 1]) s[k_n++] = s[i];
    cj_status st = CJ_OK;
    if (k_n > max_levels)
        st = cj_fail(err, CJ_ERR_ARG, "%d distinct values (%.6g to %.6g): too many levels for tuning curves (at most "
                     "%d); bin them with --bins N (equal-count bins) or --edges", k_n, s[0], s[k_n - 1], max_levels);
    if (!st) st = alloc_levels(lv, n, k_n, lv->circular != CJ_TUNING_LINEAR, err);
    for (int k = 0; k < k_n && !st; k++) {
        /* the shortest text that reads back as the value: "0.5", not 0.50000000000000000 */
        char text[40];
        snprintf(text, sizeof text, "%.15g", s[k]);
        if (strtod(text, NULL) != s[k]) snprintf(text, sizeof text, "%.17g", s[k]);
        lv->x[k] = s[k];
        st = set_label(lv, k, text, err);
    }
    for (int i = 0; i < n && !st; i++) {
        if (keep && !keep[i]) continue;
        const double *hit = bsearch(&v[i], s, (size_t)k_n, sizeof *s, cmp_double);
        lv->level[i] = (int)(hit - s);
    }
    free(s);
    return st;
}

/* ---- bins ---------------------------------------------------------------- */

/* NumPy's linear interpolation between a and b (numpy.lib._function_base
 * _lerp: from the nearer end, so that t = 1 gives b exactly). */
static double lerp(double a, double b, double t)
{
    double d = b - a;
    return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

/* The quantile edges of `bins` equal-count bins of the sorted s[m]:
 * numpy.quantile(s, k / bins), k = 0..bins, as pandas.qcut takes them. */
static void quantile_edges(const double *s, int m, int bins, double *edges)
{
    for (int k = 0; k <= bins; k++) {
        double h = (double)(m - 1) * k / bins;
        int j = (int)floor(h);
        if (j >= m - 1) {
            edges[k] = s[m - 1];
        } else {
            edges[k] = lerp(s[j], s[j + 1], h - j);
        }
    }
}

/* The bin of v among edges e[0..B]: (e_k, e_k+1], the first closed; -1
 * outside [e_0, e_B]. */
static int bin_of(double v, const double *e, int B)
{
    if (v < e[0] || v > e[B]) return -1;
    int lo = 0, hi = B - 1; /* the first k with v <= e[k + 1] */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (v <= e[mid + 1]) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static cj_status bin_levels(const double *v, int n, const unsigned char *keep, const cj_tuning_level_opts *o,
                            cj_tuning_levels *lv, cj_error *err)
{
    int B = o->bins > 0 ? o->bins : o->n_edges - 1, circular = o->circular != CJ_TUNING_LINEAR;
    double *e = malloc(sizeof(double) * (size_t)(B + 1)), *sum = calloc((size_t)B, sizeof(double));
    double *s = o->bins > 0 ? malloc(sizeof(double) * (size_t)n) : NULL;
    cj_status st = e && sum && (s || o->bins <= 0) ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "tuning bins: out of memory");
    if (!st && o->bins > 0) {
        int m = 0;
        for (int i = 0; i < n; i++)
            if (!keep || keep[i]) s[m++] = v[i];
        if (m < B) {
            st = cj_fail(err, CJ_ERR_ARG, "%d equal-count bins of %d stimuli: fewer stimuli than bins", B, m);
        } else {
            qsort(s, (size_t)m, sizeof *s, cmp_double);
            quantile_edges(s, m, B, e);
            for (int k = 0; k < B && !st; k++)
                if (!(e[k] < e[k + 1]))
                    st = cj_fail(err, CJ_ERR_ARG, "%d equal-count bins: edges %d and %d are both %.6g (more than a "
                                 "bin's share of the stimuli have that value); use fewer bins, --edges, or no bins "
                                 "(one level per value)", B, k, k + 1, e[k]);
        }
    } else if (!st) {
        memcpy(e, o->edges, sizeof(double) * (size_t)(B + 1));
        for (int k = 0; k <= B && !st; k++)
            if (!isfinite(e[k]) || (k && !(e[k - 1] < e[k])))
                st = cj_fail(err, CJ_ERR_ARG, "edges: edge %d (%g) is %s", k, e[k],
                             isfinite(e[k]) ? "not above the one before it: edges must increase" : "not finite");
    }
    if (!st) st = alloc_levels(lv, n, B, circular, err);
    for (int i = 0; i < n && !st; i++) {
        if (keep && !keep[i]) continue;
        int k = bin_of(v[i], e, B);
        lv->level[i] = k;
        if (k < 0) {
            lv->n_outside++;
            continue;
        }
        lv->count[k]++;
        sum[k] += v[i];
    }
    for (int k = 0; k < B && !st; k++) {
        if (!lv->count[k]) {
            st = cj_fail(err, CJ_ERR_ARG, "bin %d (%g..%g) holds no stimulus: give edges that every bin has stimuli "
                         "between", k, e[k], e[k + 1]);
            break;
        }
        char text[64];
        snprintf(text, sizeof text, "%g..%g", e[k], e[k + 1]);
        lv->lo[k] = e[k];
        lv->hi[k] = e[k + 1];
        lv->x[k] = sum[k] / lv->count[k];
        st = set_label(lv, k, text, err);
    }
    free(e);
    free(sum);
    free(s);
    return st;
}

/* ---- the entry point ------------------------------------------------------ */

/* Every kept value as a number (wrapped onto a turn when circular) into
 * v[n]; *numeric 0 (and the first non-number in *bad) when one is not. */
static cj_status read_numbers(const char *const *values, int n, const unsigned char *keep, cj_tuning_circular c,
                              double *v, int *numeric, int *bad, cj_error *err)
{
    *numeric = 1;
    *bad = -1;
    for (int i = 0; i < n; i++) {
        v[i] = NAN;
        if (keep && !keep[i]) continue;
        char q[80];
        if (!values[i][0]) return cj_fail(err, CJ_ERR_ARG, "stimulus %d has no value (an empty cell)", i);
        if (!number_of(values[i], &v[i])) {
            if (*numeric) *bad = i;
            *numeric = 0;
            continue;
        }
        if (!isfinite(v[i]))
            return cj_fail(err, CJ_ERR_ARG, "stimulus %d: '%s' is not a finite number", i,
                           cj_error_quote(values[i], q, sizeof q));
        if (c != CJ_TUNING_LINEAR) v[i] = wrap(v[i], period_of(c));
    }
    return CJ_OK;
}

cj_status cj_tuning_levels_make(const char *const *values, int n, const unsigned char *keep,
                                const cj_tuning_level_opts *o, cj_tuning_levels *out, cj_error *err)
{
    *out = (cj_tuning_levels){0};
    if (!values || !o || n < 1) return cj_fail(err, CJ_ERR_ARG, "tuning levels: %d values", n);
    for (int i = 0; i < n; i++)
        if (!values[i]) return cj_fail(err, CJ_ERR_ARG, "tuning levels: value %d is NULL", i);
    int binned = o->bins > 0 || o->n_edges > 0;
    if (o->bins > 0 && o->n_edges > 0) return cj_fail(err, CJ_ERR_ARG, "bins and edges: give one of them, not both");
    if (o->n_edges == 1 || (o->n_edges > 1 && !o->edges))
        return cj_fail(err, CJ_ERR_ARG, "edges: %d given, a bin needs two", o->n_edges);
    int max_levels = o->max_levels > 0 ? o->max_levels : CJ_TUNING_MAX_LEVELS_DEFAULT;
    int kept = 0;
    for (int i = 0; i < n; i++) kept += !keep || keep[i];
    if (!kept) return cj_fail(err, CJ_ERR_ARG, "none of the %d stimuli is selected", n);
    double *v = malloc(sizeof(double) * (size_t)n);
    if (!v) return cj_fail(err, CJ_ERR_NOMEM, "tuning levels: out of memory for %d values", n);
    int numeric, bad;
    out->circular = o->circular;
    cj_status st = read_numbers(values, n, keep, o->circular, v, &numeric, &bad, err);
    if (!st && !numeric && (binned || o->circular != CJ_TUNING_LINEAR)) {
        char q[80];
        st = cj_fail(err, CJ_ERR_ARG, "stimulus %d: '%s' is not a number, and %s needs numbers", bad,
                     cj_error_quote(values[bad], q, sizeof q),
                     binned ? (o->bins > 0 ? "--bins" : "--edges") : "--circular");
    }
    if (!st) {
        if (binned) st = bin_levels(v, n, keep, o, out, err);
        else if (numeric) st = number_levels(v, n, keep, max_levels, out, err);
        else st = name_levels(values, n, keep, max_levels, out, err);
    }
    free(v);
    if (st) {
        cj_tuning_levels_free(out);
        return st;
    }
    out->circular = o->circular;
    out->n_stimuli = n;
    out->numeric = numeric;
    out->binned = binned;
    out->n_left_out = n - kept;
    if (!binned) /* counts of the categories (bins counted theirs) */
        for (int i = 0; i < n; i++)
            if (out->level[i] >= 0) out->count[out->level[i]]++;
    for (int k = 0; k < out->n_levels; k++) out->n_used += out->count[k];
    if (out->angle)
        for (int k = 0; k < out->n_levels; k++)
            out->angle[k] = o->circular == CJ_TUNING_DEGREES ? out->x[k] * (TWO_PI / 360.0) : out->x[k];
    if (out->n_levels < 2) {
        char q[80];
        st = cj_fail(err, CJ_ERR_ARG, "one level ('%s' for all %d stimuli used): a tuning curve needs at least two",
                     cj_error_quote(out->labels[0], q, sizeof q), out->n_used);
    } else if (out->n_used <= out->n_levels) {
        st = cj_fail(err, CJ_ERR_ARG, "%d levels for %d stimuli: every level holds one stimulus, so there is no "
                     "variation within levels to test against; bin the variable (--bins N)", out->n_levels,
                     out->n_used);
    }
    if (st) cj_tuning_levels_free(out);
    return st;
}
