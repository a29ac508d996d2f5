/* hopfield_capacity.c — the capacity sweep of the classic network: recall
 * fraction against load P/N (Amit, Gutfreund & Sompolinsky 1985 find the
 * retrieval states of the Hebb rule vanish at alpha_c = 0.138), and its
 * files (include/cajal/hopfield.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cajal/files.h"
#include "cajal/hopfield.h"
#include "cajal/io.h"
#include "cajal/plot.h"

/* Amit, Gutfreund & Sompolinsky (1985), Phys. Rev. Lett. 55, 1530. */
#define AGS_ALPHA_C 0.138

static int patterns_at(double load, int N)
{
    long p = lround(load * N);
    return p < 1 ? 1 : (int)p;
}

/* One load: store P patterns, recall each; *recall and *bit_error. */
static cj_status one_load(const cj_hopfield_capacity_opts *o, int P, cj_rng *rng, float *xi, float *W, float *s,
                          float *h, int *order, double *recall, double *bit_error, cj_error *err)
{
    int N = o->units;
    for (size_t k = 0; k < (size_t)P * N; k++) xi[k] = (cj_rng_u64(rng) >> 63) ? 1.0f : -1.0f;
    cj_status st = cj_hopfield_store(xi, P, N, o->rule, W, err);
    if (st) return st;
    int ok = 0;
    double errs = 0;
    int tol = (int)floor(o->max_error * N + 1e-9);
    for (int mu = 0; mu < P; mu++) {
        const float *pat = xi + (size_t)mu * N;
        for (int i = 0; i < N; i++) s[i] = pat[i];
        cj_hopfield_corrupt(s, N, o->cue_flip, rng, order);
        cj_hopfield_run_async(W, N, s, o->max_sweeps, rng, h, order, NULL, NULL);
        int e = cj_hopfield_bit_errors(s, pat, N);
        /* a state and its mirror image store the same memory, but Amit et
         * al.'s measure is the overlap with the pattern itself: -xi counts
         * as not recalled */
        ok += e <= tol;
        errs += (double)e / N;
    }
    *recall = (double)ok / P;
    *bit_error = errs / P;
    return CJ_OK;
}

cj_status cj_hopfield_capacity(const cj_hopfield_capacity_opts *o, double *recall, double *bit_error,
                               cj_error *err)
{
    int N = o->units;
    if (N < 2 || N > 20000) return cj_fail(err, CJ_ERR_ARG, "--units %d: expected 2..20000", N);
    if (o->n_loads < 1) return cj_fail(err, CJ_ERR_ARG, "--loads: no loads");
    int Pmax = 1;
    for (int k = 0; k < o->n_loads; k++) {
        double l = o->loads[k];
        if (!(l > 0) || l > 10) return cj_fail(err, CJ_ERR_ARG, "--loads: load %g outside (0, 10]", l);
        int P = patterns_at(l, N);
        if (P > Pmax) Pmax = P;
    }
    if (!(o->cue_flip >= 0 && o->cue_flip <= 0.5))
        return cj_fail(err, CJ_ERR_ARG, "--flip %g: expected a fraction in [0, 0.5]", o->cue_flip);
    if (o->trials < 0 || o->trials > 100000) return cj_fail(err, CJ_ERR_ARG, "--trials %d: expected 1..100000", o->trials);
    if (o->max_sweeps < 1) return cj_fail(err, CJ_ERR_ARG, "max_sweeps %d: expected >= 1", o->max_sweeps);
    float *xi = malloc((size_t)Pmax * N * sizeof *xi);
    float *W = malloc((size_t)N * N * sizeof *W);
    float *s = malloc((size_t)N * sizeof *s), *h = malloc((size_t)N * sizeof *h);
    int *order = malloc((size_t)N * sizeof *order);
    cj_status st = CJ_OK;
    if (!xi || !W || !s || !h || !order) st = cj_fail(err, CJ_ERR_NOMEM, "hopfield capacity: no memory for N = %d", N);
    cj_rng master;
    cj_rng_seed(&master, o->seed);
    int trials = o->trials > 0 ? o->trials : 1;
    for (int k = 0; !st && k < o->n_loads; k++) {
        cj_rng rng = cj_rng_split(&master);
        double rsum = 0, bsum = 0;
        /* every trial stores the same number of patterns, so the pooled
         * fraction is the mean of the trials' fractions */
        for (int t = 0; !st && t < trials; t++) {
            double r = 0, be = 0;
            st = one_load(o, patterns_at(o->loads[k], N), &rng, xi, W, s, h, order, &r, &be, err);
            rsum += r, bsum += be;
        }
        recall[k] = rsum / trials;
        if (bit_error) bit_error[k] = bsum / trials;
    }
    free(xi), free(W), free(s), free(h), free(order);
    return st;
}

double cj_hopfield_transition(const double *loads, const double *recall, int n)
{
    for (int k = 1; k < n; k++)
        if (recall[k - 1] >= 0.5 && recall[k] < 0.5) {
            double t = (recall[k - 1] - 0.5) / (recall[k - 1] - recall[k]);
            return loads[k - 1] + t * (loads[k] - loads[k - 1]);
        }
    return NAN;
}

static cj_status write_csv(const char *path, const cj_hopfield_capacity_opts *o, const double *recall, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) return st;
    fprintf(af.f, "load,recall_fraction\n");
    for (int k = 0; k < o->n_loads; k++) fprintf(af.f, "%.6g,%.6g\n", o->loads[k], recall[k]);
    return cj_atomic_commit(&af, err);
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.6g", v);
    else fprintf(f, "null");
}

static cj_status write_json(const char *path, const cj_hopfield_capacity_opts *o, const double *recall,
                            const double *bit_error, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) return st;
    FILE *f = af.f;
    fprintf(f, "{\n  \"units\": %d,\n  \"rule\": \"%s\",\n  \"cue_flip\": ", o->units, cj_hopfield_rule_name(o->rule));
    json_num(f, o->cue_flip);
    fprintf(f, ",\n  \"max_error\": ");
    json_num(f, o->max_error);
    fprintf(f, ",\n  \"trials\": %d,\n  \"max_sweeps\": %d,\n  \"seed\": %llu,\n  \"transition_load\": ", o->trials > 0 ? o->trials : 1,
            o->max_sweeps, (unsigned long long)o->seed);
    json_num(f, cj_hopfield_transition(o->loads, recall, o->n_loads));
    fprintf(f, ",\n  \"amit_gutfreund_sompolinsky\": %g,\n  \"loads\": [\n", AGS_ALPHA_C);
    for (int k = 0; k < o->n_loads; k++) {
        fprintf(f, "    {\"load\": ");
        json_num(f, o->loads[k]);
        fprintf(f, ", \"patterns\": %d, \"recall_fraction\": ", patterns_at(o->loads[k], o->units));
        json_num(f, recall[k]);
        fprintf(f, ", \"mean_bit_error\": ");
        json_num(f, bit_error ? bit_error[k] : NAN);
        fprintf(f, "}%s\n", k + 1 < o->n_loads ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
    return cj_atomic_commit(&af, err);
}

static cj_status write_png(const char *path, const cj_hopfield_capacity_opts *o, const double *recall,
                           const double *bit_error, cj_error *err)
{
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, 1, 1, 700, 500, err);
    if (st) return st;
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    char title[128];
    double tr = cj_hopfield_transition(o->loads, recall, o->n_loads);
    if (isfinite(tr))
        snprintf(title, sizeof title, "Hopfield capacity, N = %d (%s): 50%% at P/N = %.3f", o->units,
                 cj_hopfield_rule_name(o->rule), tr);
    else
        snprintf(title, sizeof title, "Hopfield capacity, N = %d (%s)", o->units, cj_hopfield_rule_name(o->rule));
    cj_panel_set_title(p, title);
    cj_panel_set_labels(p, "load P/N", "fraction recalled (<= 1% bit errors)");
    cj_panel_set_ylim(p, 0, 1.02);
    cj_line_style ls = cj_line_style_default(0);
    ls.marker = CJ_MARKER_CIRCLE;
    st = cj_panel_add_line(p, o->loads, recall, o->n_loads, ls, "recall fraction", err);
    if (!st && bit_error) {
        cj_line_style be = cj_line_style_default(1);
        be.dash = CJ_DASH_DOTTED;
        st = cj_panel_add_line(p, o->loads, bit_error, o->n_loads, be, "mean bit-error fraction", err);
    }
    if (!st) {
        double x[2] = {AGS_ALPHA_C, AGS_ALPHA_C}, y[2] = {0, 1};
        cj_line_style ag = cj_line_style_default(7);
        ag.dash = CJ_DASH_DASHED;
        st = cj_panel_add_line(p, x, y, 2, ag, "0.138 (Amit et al. 1985)", err);
    }
    if (!st) st = cj_figure_write(fig, path, err);
    cj_figure_free(fig);
    return st;
}

cj_status cj_hopfield_capacity_write(const char *dir, const cj_hopfield_capacity_opts *o, const double *recall,
                                     const double *bit_error, cj_error *err)
{
    cj_status st = cj_make_dirs(dir, err);
    if (st) return st;
    const char *names[3] = {"capacity.csv", "capacity.json", "capacity.png"};
    for (int i = 0; i < 3 && !st; i++) {
        char *path = cj_path_join(dir, names[i]);
        if (!path) return cj_fail(err, CJ_ERR_NOMEM, "%s: no memory for a path", dir);
        st = i == 0 ? write_csv(path, o, recall, err)
             : i == 1 ? write_json(path, o, recall, bit_error, err)
                      : write_png(path, o, recall, bit_error, err);
        free(path);
    }
    return st;
}
