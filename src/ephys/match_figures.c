/* match_figures.c — the figures of unit matching (listed in
 * include/cajal/unitmatch.h; how to read them in docs/unit-matching.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/plot.h"
#include "cajal/unitmatch.h"

enum {
    CURVE_POINTS = 400,
    MATRIX_MAX_UNITS = 1000 /* shown per matrix figure (a pixel each at most): a band of depths if more */
};

static void announce(const cj_unitmatch_opts *o, const char *path)
{
    if (!o->progress) return;
    char *msg = cj_path_printf("wrote %s", path);
    if (msg) o->progress(o->progress_ctx, msg);
    free(msg);
}

static cj_status write_figure(cj_figure *fig, const char *dir, const char *file, const cj_unitmatch_opts *o,
                              cj_error *err)
{
    char *path = cj_path_join(dir, file);
    cj_status st = path ? cj_figure_write_png(fig, path, err) : cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    if (!st) announce(o, path);
    free(path);
    cj_figure_free(fig);
    return st;
}

/* "matrices_<A>_<B>.png" with any '/' of a session name (day1/kilosort4)
 * made '-', so the file lands in dir and not in a subfolder. */
static char *matrices_file(const char *a, const char *b)
{
    char *f = cj_path_printf("matrices_%s_%s.png", a, b);
    for (char *p = f; p && *p; p++)
        if (*p == '/') *p = '-';
    return f;
}

static cj_line_style style(int colour, cj_dash dash, cj_marker marker)
{
    cj_line_style s = cj_line_style_default(colour);
    s.dash = dash;
    s.marker = marker;
    return s;
}

/* ---- quality.png ------------------------------------------------------------ */

static cj_status quality_figure(const char *dir, const cj_unitmatch_result *r, const cj_unitmatch_opts *o,
                                cj_error *err)
{
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, 1, 2, 1200, 450, err);
    if (st) return st;
    cj_figure_set_title(fig, "Quality checks (sessions in command-line order)");
    int n = r->n_sessions;
    double *x = malloc(sizeof(double) * (size_t)n * 4);
    if (!x) {
        cj_figure_free(fig);
        return cj_fail(err, CJ_ERR_NOMEM, "quality.png: out of memory");
    }
    double *self = x + n, *fp = x + 2 * n, *fpe = x + 3 * n;
    for (int s = 0; s < n; s++) {
        x[s] = s + 1;
        self[s] = r->self_match[s];
        fp[s] = 100.0 * r->within_fp[s];
        fpe[s] = 100.0 * r->within_fp_exact[s];
    }
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    cj_panel_set_title(p, "Split-half self-match rate");
    cj_panel_set_labels(p, "session", "units whose best match is themselves");
    cj_panel_set_xinteger(p, 1);
    cj_panel_set_ylim(p, 0.0, 1.05);
    cj_panel_set_legend(p, CJ_LEGEND_NONE);
    st = cj_panel_add_line(p, x, self, n, style(0, CJ_DASH_SOLID, CJ_MARKER_CIRCLE), NULL, err);
    if (!st) {
        p = cj_figure_panel(fig, 0, 1);
        cj_panel_set_title(p, "Within-session false positives");
        cj_panel_set_labels(p, "session", "different-unit pairs with P > 0.5 (%)");
        cj_panel_set_xinteger(p, 1);
        cj_panel_set_ylim(p, 0.0, NAN);
        st = cj_panel_add_line(p, x, fp, n, style(0, CJ_DASH_SOLID, CJ_MARKER_CIRCLE), "centroid distance", err);
    }
    if (!st) st = cj_panel_add_line(p, x, fpe, n, style(1, CJ_DASH_DASHED, CJ_MARKER_SQUARE), "exact distance", err);
    free(x);
    if (st) {
        cj_figure_free(fig);
        return st;
    }
    return write_figure(fig, dir, "quality.png", o, err);
}

/* ---- methods.png ------------------------------------------------------------ */

typedef enum { VALUE_AUC, VALUE_MISRANKED, VALUE_MATCHES } method_value;

static double value_of(const cj_unitmatch_eval *e, method_value v)
{
    return v == VALUE_AUC ? e->auc : v == VALUE_MISRANKED ? 1.0 - e->auc_all : (double)e->n_called;
}

/* One line per method (solid: final models; dashed: the Naive Bayes models
 * fitted to within-session pairs only) over the pairs of sessions. */
static cj_status method_lines(cj_panel *p, const cj_unitmatch_result *r, method_value v, double *x, double *y,
                              cj_error *err)
{
    int n = r->n_session_pairs;
    static const cj_marker markers[CJ_UM_N_METHODS] = {CJ_MARKER_CIRCLE, CJ_MARKER_SQUARE, CJ_MARKER_TRIANGLE,
                                                       CJ_MARKER_CIRCLE, CJ_MARKER_SQUARE};
    cj_status st = CJ_OK;
    /* nb_exact after nb_centroid, drawn thinner and dash-dotted: where the
     * two coincide both stay visible. */
    static const int order[CJ_UM_N_METHODS] = {CJ_UM_NETWORK, CJ_UM_NETWORK_FILTER, CJ_UM_NB_CENTROID, CJ_UM_NB_EXACT,
                                               CJ_UM_BASELINE};
    for (int o = 0; o < CJ_UM_N_METHODS && !st; o++) {
        int m = order[o];
        /* Among candidates the network's AUC is the filtered network's. */
        if (v == VALUE_AUC && m == CJ_UM_NETWORK) continue;
        for (int k = 0; k < n; k++) {
            const cj_unitmatch_session_pair *sp = &r->session_pairs[k];
            y[k] = v == VALUE_MATCHES && !r->evaluated ? (double)sp->n_called[m] : value_of(&sp->eval[m], v);
        }
        cj_line_style ls = style(m, m == CJ_UM_NB_EXACT ? CJ_DASH_DASHDOT : CJ_DASH_SOLID, markers[m]);
        if (m == CJ_UM_NB_EXACT) ls.width = 1.5;
        st = cj_panel_add_line(p, x, y, n, ls, cj_unitmatch_method_name(m), err);
    }
    for (int m = CJ_UM_NB_EXACT; r->evaluated && m < CJ_UM_N_METHODS && !st; m++) {
        for (int k = 0; k < n; k++) y[k] = value_of(&r->session_pairs[k].eval_within[m], v);
        char label[64];
        snprintf(label, sizeof label, "%s, within only", cj_unitmatch_method_name(m));
        st = cj_panel_add_line(p, x, y, n, style(m, CJ_DASH_DASHED, CJ_MARKER_NONE), label, err);
    }
    if (!st && v == VALUE_MATCHES && r->evaluated) {
        for (int k = 0; k < n; k++) y[k] = (double)r->session_pairs[k].n_true;
        cj_line_style truth = {{0, 0, 0}, CJ_DASH_DOTTED, 2.5, CJ_MARKER_NONE};
        st = cj_panel_add_line(p, x, y, n, truth, "true matches", err);
    }
    return st;
}

/* "pairs: 1 = (1,2), 2 = (1,3), ..." in session numbers, while it fits. */
static void pair_legend(const cj_unitmatch_result *r, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "Per pair of sessions; pair k =");
    for (int k = 0; k < r->n_session_pairs && used < len; k++) {
        if (used > 90) {
            snprintf(buf + used, len - used, " ... (order of summary.json)");
            return;
        }
        used += (size_t)snprintf(buf + used, len - used, " %d:(%d,%d)", k + 1, r->session_pairs[k].a + 1,
                                 r->session_pairs[k].b + 1);
    }
}

static cj_status methods_figure(const char *dir, const cj_unitmatch_result *r, const cj_unitmatch_opts *o,
                                cj_error *err)
{
    int n = r->n_session_pairs, panels = r->evaluated ? 3 : 1;
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, 1, panels, 600 * panels, 520, err);
    if (st) return st;
    char title[256];
    pair_legend(r, title, sizeof title);
    cj_figure_set_title(fig, title);
    double *x = malloc(sizeof(double) * (size_t)n * 2);
    if (!x) {
        cj_figure_free(fig);
        return cj_fail(err, CJ_ERR_NOMEM, "methods.png: out of memory");
    }
    double *y = x + n;
    for (int k = 0; k < n; k++) x[k] = k + 1;
    int col = 0;
    if (r->evaluated) {
        cj_panel *p = cj_figure_panel(fig, 0, col++);
        cj_panel_set_title(p, "AUC among candidate pairs (network = network_filter)");
        cj_panel_set_labels(p, "pair of sessions", "AUC (true matches vs others within max distance)");
        cj_panel_set_xinteger(p, 1);
        cj_panel_set_legend(p, CJ_LEGEND_NONE);
        st = method_lines(p, r, VALUE_AUC, x, y, err);
        p = cj_figure_panel(fig, 0, col++);
        cj_panel_set_title(p, "Misranked pairs, all pairs (1 - AUC)");
        cj_panel_set_labels(p, "pair of sessions", "1 - AUC (lower is better)");
        cj_panel_set_xinteger(p, 1);
        cj_panel_set_yscale(p, CJ_SCALE_LOG);
        cj_panel_set_legend(p, CJ_LEGEND_NONE);
        if (!st) st = method_lines(p, r, VALUE_MISRANKED, x, y, err);
    }
    cj_panel *p = cj_figure_panel(fig, 0, col);
    cj_panel_set_title(p, "Matches called (P > 0.5)");
    cj_panel_set_labels(p, "pair of sessions", "pairs called matches");
    cj_panel_set_xinteger(p, 1);
    cj_panel_set_ylim(p, 0.0, NAN);
    cj_panel_set_legend(p, CJ_LEGEND_OUTSIDE);
    if (!st) st = method_lines(p, r, VALUE_MATCHES, x, y, err);
    free(x);
    if (st) {
        cj_figure_free(fig);
        return st;
    }
    return write_figure(fig, dir, "methods.png", o, err);
}

/* ---- distributions.png -------------------------------------------------------- */

/* exp(log density) of k at n points from lo to hi. */
static void density_curve(const cj_kde *k, double lo, double hi, double *x, double *y)
{
    for (int i = 0; i < CURVE_POINTS; i++) {
        x[i] = lo + (hi - lo) * i / (CURVE_POINTS - 1);
        y[i] = exp(cj_kde_log_density_at(k, x[i]));
    }
}

typedef struct {
    const cj_kde *kde;
    const char *label;
    int colour;
    cj_dash dash;
} curve;

/* The curves on a log axis spanning five decades below the highest. */
static cj_status density_panel(cj_panel *p, const curve *c, int n, double lo, double hi, double *x, double *y,
                               cj_error *err)
{
    cj_status st = CJ_OK;
    double top = 0.0;
    for (int i = 0; i < n && !st; i++) {
        density_curve(c[i].kde, lo, hi, x, y);
        for (int k = 0; k < CURVE_POINTS; k++) top = y[k] > top ? y[k] : top;
        st = cj_panel_add_line(p, x, y, CURVE_POINTS, style(c[i].colour, c[i].dash, CJ_MARKER_NONE), c[i].label, err);
    }
    if (top > 0.0) cj_panel_set_ylim(p, top * 1e-5, top * 2.0);
    cj_panel_set_yscale(p, CJ_SCALE_LOG);
    return st;
}

static cj_status distributions_figure(const char *dir, const cj_unitmatch_result *r, const cj_unitmatch_opts *o,
                                      cj_error *err)
{
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, 1, 2, 1300, 520, err);
    if (st) return st;
    cj_figure_set_title(fig, "Naive Bayes densities: similarity refitted with across-session putative matches, "
                             "distance from within-session pairs");
    double *x = malloc(sizeof(double) * CURVE_POINTS * 2);
    if (!x) {
        cj_figure_free(fig);
        return cj_fail(err, CJ_ERR_NOMEM, "distributions.png: out of memory");
    }
    double *y = x + CURVE_POINTS;
    const cj_match_nb *fin = &r->nb_centroid, *wc = &r->nb_centroid_within;
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    cj_panel_set_title(p, "Waveform similarity (network)");
    cj_panel_set_labels(p, "cosine similarity", "density");
    cj_panel_set_legend(p, CJ_LEGEND_OUTSIDE);
    curve sim[] = {{&fin->sim[0], "non-match", 7, CJ_DASH_SOLID},
                   {wc->n_train[1] ? &wc->sim[1] : &fin->sim[1], "match, within-session only", 3, CJ_DASH_DASHED},
                   {&fin->sim[1], "match, refit", 2, CJ_DASH_SOLID}};
    st = density_panel(p, sim, 3, -0.5, 1.0, x, y, err);
    p = cj_figure_panel(fig, 0, 1);
    cj_panel_set_title(p, "Distance (within-session training pairs)");
    cj_panel_set_labels(p, "distance (um)", "density (1/um)");
    cj_panel_set_legend(p, CJ_LEGEND_OUTSIDE);
    /* Both distance densities come from within-session pairs only (the
     * refit leaves them): the exact one is the pitfall's spike at 0. */
    curve dist[] = {{&fin->dist[0], "non-match", 7, CJ_DASH_SOLID},
                    {&r->nb_exact.dist[1], "match, exact (mean-waveform centroids)", 1, CJ_DASH_DOTTED},
                    {&fin->dist[1], "match, per-half centroids", 2, CJ_DASH_SOLID}};
    if (!st) st = density_panel(p, dist, 3, 0.0, 30.0, x, y, err);
    free(x);
    if (st) {
        cj_figure_free(fig);
        return st;
    }
    return write_figure(fig, dir, "distributions.png", o, err);
}

/* ---- matrices_<A>_<B>.png ------------------------------------------------------ */

typedef struct {
    int g;   /* global unit */
    float y; /* depth, drift-corrected for session B */
} by_depth;

static int cmp_depth(const void *pa, const void *pb)
{
    const by_depth *a = pa, *b = pb;
    if (a->y != b->y) return a->y < b->y ? -1 : 1;
    return a->g - b->g;
}

/* The three 2x2-block matrices of sessions a and b (units of a, then b,
 * each by depth): similarity, distance, probability. */
static void fill_matrices(const cj_unitmatch_result *r, const cj_unitmatch_session_pair *sp, const by_depth *u,
                          int n, int n_a, float max_distance, double *sim, double *dist, double *prob)
{
    int dim = r->dim;
    double prior_within[2];
    for (int side = 0; side < 2; side++) {
        int s = side ? sp->b : sp->a, m = r->first[s + 1] - r->first[s];
        size_t near = 0; /* ordered pairs within max_distance, as in the within-session prior */
        for (int i = r->first[s]; i < r->first[s + 1]; i++)
            for (int j = r->first[s]; j < r->first[s + 1]; j++) {
                float dx = r->pos[i].x_um - r->pos[j].x_um, dy = r->pos[i].y_um - r->pos[j].y_um;
                near += r->pos[i].shank == r->pos[j].shank && sqrtf(dx * dx + dy * dy) <= max_distance;
            }
        prior_within[side] = near ? (double)m / (double)near : 0.5;
        if (prior_within[side] > 0.5) prior_within[side] = 0.5;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int gi = u[i].g, gj = u[j].g, bi = i >= n_a, bj = j >= n_a;
            float shift = bi == bj ? 0.0f : bj ? sp->drift_um : -sp->drift_um;
            float s;
            cj_unitmatch_similarity(r->emb + (size_t)gi * 2 * dim, 1, r->emb + (size_t)gj * 2 * dim, 1, dim, &s);
            float d = cj_unitmatch_half_distance(&r->pos[gi], &r->pos[gj], shift);
            float dx = r->pos[gi].x_um - r->pos[gj].x_um, dy = r->pos[gi].y_um - (r->pos[gj].y_um - shift);
            double prior = bi == bj ? prior_within[bi] : sp->prior;
            size_t k = (size_t)i * n + j;
            sim[k] = s;
            dist[k] = d;
            prob[k] = r->pos[gi].shank == r->pos[gj].shank && sqrtf(dx * dx + dy * dy) <= max_distance
                          ? 1.0 / (1.0 + exp(-cj_unitmatch_nb_logit(&r->nb_centroid, s, d, prior)))
                          : 0.0;
        }
}

static cj_status matrices_figure(const char *dir, const cj_ephys_session *sessions, const cj_unitmatch_result *r,
                                 const cj_unitmatch_session_pair *sp, const cj_unitmatch_opts *o, cj_error *err)
{
    int all_a = r->first[sp->a + 1] - r->first[sp->a], all_b = r->first[sp->b + 1] - r->first[sp->b];
    by_depth *u = malloc(sizeof *u * (size_t)(all_a + all_b) * 2);
    if (!u) return cj_fail(err, CJ_ERR_NOMEM, "matrices: out of memory for %d units", all_a + all_b);
    for (int i = 0; i < all_a; i++) u[i] = (by_depth){r->first[sp->a] + i, r->pos[r->first[sp->a] + i].y_um};
    for (int j = 0; j < all_b; j++) {
        int g = r->first[sp->b] + j;
        u[all_a + j] = (by_depth){g, r->pos[g].y_um - sp->drift_um};
    }
    /* Too many units for one pixel each: keep the band of depths around the
     * middle that holds MATRIX_MAX_UNITS of them, so matches stay in view. */
    float lo = -INFINITY, hi = INFINITY;
    if (all_a + all_b > MATRIX_MAX_UNITS) {
        by_depth *both = u + all_a + all_b;
        memcpy(both, u, sizeof *u * (size_t)(all_a + all_b));
        qsort(both, (size_t)(all_a + all_b), sizeof *u, cmp_depth);
        int start = (all_a + all_b - MATRIX_MAX_UNITS) / 2;
        lo = both[start].y;
        hi = both[start + MATRIX_MAX_UNITS - 1].y;
    }
    qsort(u, (size_t)all_a, sizeof *u, cmp_depth);
    qsort(u + all_a, (size_t)all_b, sizeof *u, cmp_depth);
    int n_a = 0, n = 0;
    for (int i = 0; i < all_a + all_b; i++) {
        if (i == all_a) n_a = n;
        if (u[i].y >= lo && u[i].y <= hi) u[n++] = u[i];
    }
    if (all_b == 0) n_a = n;
    double *m = malloc(sizeof(double) * (size_t)n * n * 3);
    if (!m) {
        free(u);
        return cj_fail(err, CJ_ERR_NOMEM, "matrices: out of memory for %d units", n);
    }
    double *sim = m, *dist = m + (size_t)n * n, *prob = m + 2 * (size_t)n * n;
    fill_matrices(r, sp, u, n, n_a, o->max_distance_um, sim, dist, prob);

    cj_figure *fig = NULL;
    cj_status st = cj_figure_create(&fig, 1, 3, 1950, 640, err);
    char title[512], xlabel[200], band[64] = ""; /* labels only: a long name is cut, never a path */
    if (isfinite(lo)) snprintf(band, sizeof band, ", depths %.0f-%.0f um only", (double)lo, (double)hi);
    snprintf(title, sizeof title, "%s (rows 1-%d) | %s (rows %d-%d) by depth%s; drift %.1f um corrected",
             sessions[sp->a].name, n_a, sessions[sp->b].name, n_a + 1, n, band, (double)sp->drift_um);
    snprintf(xlabel, sizeof xlabel, "unit (%s, then %s)", sessions[sp->a].name, sessions[sp->b].name);
    char *file = matrices_file(sessions[sp->a].name, sessions[sp->b].name);
    if (!file && !st) st = cj_fail(err, CJ_ERR_NOMEM, "matrices: out of memory");
    if (!st) {
        cj_figure_set_title(fig, title);
        static const char *titles[3] = {"Waveform similarity", "Distance", "Match probability (centroid)"};
        static const char *cbar[3] = {"cosine similarity", "um", "P(match)"};
        const double vmin[3] = {-1.0, 0.0, 0.0}, vmax[3] = {1.0, 2.0 * o->max_distance_um, 1.0};
        const cj_colormap cmap[3] = {CJ_CMAP_DIVERGING, CJ_CMAP_VIRIDIS, CJ_CMAP_VIRIDIS};
        for (int k = 0; k < 3 && !st; k++) {
            cj_panel *p = cj_figure_panel(fig, 0, k);
            cj_panel_set_title(p, titles[k]);
            cj_panel_set_labels(p, xlabel, "unit (same order)");
            double *mk = m + (size_t)k * n * n;
            if (k == 1) /* distances past the colour scale saturate */
                for (size_t i = 0; i < (size_t)n * n; i++) mk[i] = mk[i] < vmax[1] ? mk[i] : vmax[1];
            st = cj_panel_set_heatmap(p, mk, n, n, vmin[k], vmax[k], cmap[k], cbar[k], err);
        }
    }
    free(u), free(m);
    if (st) {
        if (fig) cj_figure_free(fig);
        free(file);
        return st;
    }
    st = write_figure(fig, dir, file, o, err);
    free(file);
    return st;
}

cj_status cj_unitmatch_figures(const char *dir, const cj_ephys_session *sessions, const cj_unitmatch_result *r,
                               const cj_unitmatch_opts *o, cj_error *err)
{
    cj_status st = quality_figure(dir, r, o, err);
    if (!st) st = methods_figure(dir, r, o, err);
    if (!st) st = distributions_figure(dir, r, o, err);
    for (int k = 0; k < r->n_session_pairs && !st; k++) {
        const cj_unitmatch_session_pair *sp = &r->session_pairs[k];
        if (sp->b == sp->a + 1) st = matrices_figure(dir, sessions, r, sp, o, err);
    }
    return st;
}
