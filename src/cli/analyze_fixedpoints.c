/* analyze_fixedpoints.c — `cajal analyze fixedpoints`: the fixed and slow
 * points of the recurrent layer with its input held constant (Sussillo &
 * Barak 2013; fixedpoints.h), searched from states the network visits on
 * the task, each with its Jacobian's eigenvalues, drawn over the
 * condition-averaged trajectories in their top two principal components.
 *
 * The input held is, for a task with a context, each context's mean input
 * during the stimulus period (coherences of both signs average out: the
 * zero-coherence input of Mante et al. 2013's analysis), else the mean
 * stimulus input of all trials, or with --condition K that of condition K.
 * A line attractor shows as slow points along a line (their first PC holds
 * most of their spread) whose slowest eigenvalue is near 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "cajal/fixedpoints.h"
#include "cajal/plot.h"
#include "cajal/rng.h"
#include "cajal/subspace.h"

enum { MAX_GROUPS = 8 };

typedef struct {
    char label[48];
    int n_trials;
    double *u;              /* [n_obs] the input held */
    cj_fp_result res;
    int n_slow, n_fixed, n_stable, n_saddle;
    double line_fraction;   /* the slow points' variance on their first PC */
    double slow_abs;        /* mean |λ| of their slowest eigenvalue */
    double q_visited;       /* the median q of the states visited on the task */
    double q_max;           /* points kept up to this q */
    /* The chain through the kept points in the order of their first PC,
     * sampled PATH_STEPS times per link: the states between the points.
     * Slow all along it (path_q_max <= q_max), the points are not separate
     * attractors but samples of one line of slow points: an approximate
     * line attractor (Mante et al. 2013, Fig. 5; Sussillo & Barak 2013). */
    double *path;           /* [n_path, N] */
    double *path_q;         /* [n_path] */
    int n_path;
    double path_q_max;
} group;

enum { PATH_STEPS = 24 };

/* The median of q over the initial states: how fast the network moves on
 * the task, the scale "slow" is measured against. */
static cj_status median_speed(const cj_fp_system *sys, const double *x, int n, double *median, cj_error *err)
{
    double *q = malloc(sizeof(double) * (size_t)n);
    if (!q) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_status st = cj_fp_speeds(sys, x, n, q, err);
    for (int i = 1; !st && i < n; i++)
        for (int j = i; j > 0 && q[j - 1] > q[j]; j--) {
            double t = q[j];
            q[j] = q[j - 1], q[j - 1] = t;
        }
    if (!st) *median = n % 2 ? q[n / 2] : 0.5 * (q[n / 2 - 1] + q[n / 2]);
    free(q);
    return st;
}

/* Does trial i belong to group g (its context value, or condition K)? */
static int in_group(const cj_task_run *run, int task, const int *condition_of, int mode, int g, int i)
{
    if (run->task_of[i] != task) return 0;
    if (mode == 0) return 1;                                  /* all trials */
    if (mode == 1) return (int)run->trials[i].condition[0] == g; /* by context */
    return condition_of[i] == g;                              /* --condition */
}

/* The mean input over the stimulus period of the group's trials. */
static cj_status mean_input(cj_analysis *a, const cj_task_run *run, const int *condition_of, int mode, int g,
                            group *gr, cj_error *err)
{
    int n_obs = run->tasks[a->task].n_obs;
    gr->u = calloc((size_t)n_obs, sizeof(double));
    cj_batch b;
    cj_status st = gr->u ? cj_batch_alloc(&b, &a->src, 1, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (st) return st;
    long steps = 0;
    for (int i = 0; !st && i < run->n; i++) {
        if (!in_group(run, a->task, condition_of, mode, g, i)) continue;
        int s0, s1;
        if (!cj_trial_period(&run->trials[i], "stimulus", &s0, &s1)) s0 = 0, s1 = run->trials[i].response_start;
        if ((st = cj_source_fill(&a->src, &i, 1, &b, err))) break;
        for (int t = s0; t < s1; t++, steps++)
            for (int k = 0; k < n_obs; k++) gr->u[k] += b.x[(size_t)t * n_obs + k];
        gr->n_trials++;
    }
    cj_batch_free(&b);
    if (!st && !steps) st = cj_fail(err, CJ_ERR_ARG, "%s: no trial of this group has a stimulus period", gr->label);
    for (int k = 0; !st && k < n_obs; k++) gr->u[k] /= (double)steps;
    return st;
}

/* n initial states drawn uniformly from the group's visited states
 * (stimulus and later steps). */
static void draw_inits(const cj_task_run *run, int task, const int *condition_of, int mode, int g, int n,
                       uint64_t seed, double *init)
{
    cj_rng rng;
    cj_rng_seed(&rng, seed);
    int N = run->state_size, members = 0, *of = malloc(sizeof(int) * (size_t)run->n);
    for (int i = 0; of && i < run->n; i++)
        if (in_group(run, task, condition_of, mode, g, i)) of[members++] = i;
    for (int k = 0; k < n; k++) {
        int i = of && members ? of[cj_rng_below(&rng, (uint32_t)members)] : 0;
        int s0, s1;
        if (!cj_trial_period(&run->trials[i], "stimulus", &s0, &s1)) s0 = 0;
        int t = s0 + (int)cj_rng_below(&rng, (uint32_t)(run->trials[i].T - s0));
        const float *x = run->hidden + ((size_t)i * run->T + t) * N;
        for (int j = 0; j < N; j++) init[(size_t)k * N + j] = x[j];
    }
    free(of);
}

/* The chain through the group's kept points (at least 2; cj_fp_chain). */
static cj_status slow_chain(group *gr, const cj_fp_system *sys, int N, cj_error *err)
{
    gr->path_q_max = NAN;
    int n = 0;
    for (int k = 0; k < gr->res.n_points; k++) n += gr->res.points[k].q <= gr->q_max;
    if (n < 2) return CJ_OK;
    double *pts = malloc(sizeof(double) * (size_t)n * N);
    gr->n_path = (n - 1) * PATH_STEPS + 1;
    gr->path = malloc(sizeof(double) * (size_t)gr->n_path * N);
    gr->path_q = malloc(sizeof(double) * (size_t)gr->n_path);
    if (!pts || !gr->path || !gr->path_q) {
        free(pts);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    for (int k = 0, i = 0; k < gr->res.n_points; k++)
        if (gr->res.points[k].q <= gr->q_max) memcpy(pts + (size_t)i++ * N, gr->res.points[k].x, sizeof(double) * N);
    cj_status st = cj_fp_chain(sys, pts, n, PATH_STEPS, gr->path, gr->path_q, err);
    for (int i = 0; !st && i < gr->n_path; i++)
        if (i == 0 || gr->path_q[i] > gr->path_q_max) gr->path_q_max = gr->path_q[i];
    free(pts);
    return st;
}

/* Count the kinds and measure how line-like the slow points are. */
static void summarise(group *gr, double q_max, int N)
{
    int n = 0;
    double *pts = malloc(sizeof(double) * (size_t)gr->res.n_points * N), sum = 0;
    for (int k = 0; k < gr->res.n_points; k++) {
        const cj_fixed_point *p = &gr->res.points[k];
        if (p->q > q_max) continue;
        gr->n_slow++;
        gr->n_fixed += p->q < 1e-12;
        gr->n_stable += p->modes.kind == CJ_FP_STABLE;
        gr->n_saddle += p->modes.kind == CJ_FP_SADDLE;
        sum += hypot(p->modes.slow_re, p->modes.slow_im);
        if (pts) memcpy(pts + (size_t)n++ * N, p->x, sizeof(double) * N);
    }
    gr->slow_abs = gr->n_slow ? sum / gr->n_slow : NAN;
    gr->line_fraction = NAN;
    cj_pca pca = {0};
    if (pts && n >= 3 && !cj_pca_fit_f64(&pca, pts, (size_t)n, N, 1, NULL))
        gr->line_fraction = pca.explained_variance_ratio[0];
    cj_pca_free(&pca);
    free(pts);
}

static cj_status figure(cj_analysis *a, const cj_task_run *run, const group *g, int n_groups, cj_error *err)
{
    int N = run->state_size, T = run->T;
    /* PCs of the visited states: every 4th step of every trial. */
    size_t rows = 0;
    float *sample = malloc(sizeof(float) * ((size_t)run->n * ((T + 3) / 4)) * N);
    if (!sample) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int i = 0; i < run->n; i++)
        for (int t = 0; t < run->trials[i].T; t += 4)
            memcpy(sample + rows++ * N, run->hidden + ((size_t)i * T + t) * N, sizeof(float) * N);
    cj_pca pca = {0};
    cj_figure *fig = NULL;
    cj_status st = cj_pca_fit(&pca, sample, rows, N, 2, err);
    free(sample);
    if (!st) st = cj_figure_create(&fig, 1, n_groups, 560 * n_groups, 500, err);
    double *tx = malloc(sizeof(double) * T), *ty = malloc(sizeof(double) * T), *xs = malloc(sizeof(double) * N), xy[2];
    if (!st && (!tx || !ty || !xs)) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st) cj_figure_set_title(fig, "Fixed (q < 1e-12) and slow points over 20 single-trial trajectories, in the "
                                      "states' top 2 PCs");
    for (int k = 0; !st && k < n_groups; k++) {
        cj_panel *p = cj_figure_panel(fig, 0, k);
        char title[96];
        if (isnan(g[k].line_fraction))
            snprintf(title, sizeof title, "%.40s: %d point%s", g[k].label, g[k].n_slow, g[k].n_slow == 1 ? "" : "s");
        else
            snprintf(title, sizeof title, "%.40s: %d points, %.0f%% on a line", g[k].label, g[k].n_slow,
                     100 * g[k].line_fraction);
        cj_panel_set_title(p, title);
        cj_panel_set_labels(p, "state PC1", "state PC2");
        /* A few trials of the group, coloured by their correct choice. */
        int drawn = 0;
        for (int i = 0; !st && i < run->n && drawn < 20; i++) {
            if (run->task_of[i] != a->task || (n_groups > 1 && (int)run->trials[i].condition[0] != k)) continue;
            int len = run->trials[i].T;
            for (int t = 0; t < len && !st; t++) {
                double proj[2];
                const float *h = run->hidden + ((size_t)i * T + t) * N;
                for (int j = 0; j < N; j++) xs[j] = h[j];
                st = cj_pca_project_f64(&pca, xs, 1, 2, proj, err);
                tx[t] = proj[0], ty[t] = proj[1];
            }
            cj_line_style s = cj_line_style_default(run->trials[i].ground_truth - 1);
            s.width = 0.8;
            if (!st) st = cj_panel_add_line(p, tx, ty, len, s, NULL, err);
            drawn++;
        }
        /* The chain between the points: solid where it is slow (q within
         * the bound), so a line attractor shows as one unbroken grey line. */
        for (int i = 0; !st && i + 1 < g[k].n_path; i++) {
            double a2[2], b2[2], sx[2], sy[2];
            st = cj_pca_project_f64(&pca, g[k].path + (size_t)i * N, 1, 2, a2, err);
            if (!st) st = cj_pca_project_f64(&pca, g[k].path + (size_t)(i + 1) * N, 1, 2, b2, err);
            if (st || (g[k].path_q[i] > g[k].q_max && g[k].path_q[i + 1] > g[k].q_max)) continue;
            sx[0] = a2[0], sx[1] = b2[0], sy[0] = a2[1], sy[1] = b2[1];
            cj_line_style s = {.color = {0.45, 0.45, 0.45}, .width = 2.5};
            st = cj_panel_add_line(p, sx, sy, 2, s, NULL, err);
        }
        for (int j = 0; !st && j < g[k].res.n_points; j++) {
            const cj_fixed_point *fp = &g[k].res.points[j];
            if (fp->q > g[k].q_max) continue;
            st = cj_pca_project_f64(&pca, fp->x, 1, 2, xy, err);
            int stable = fp->modes.kind == CJ_FP_STABLE;
            cj_line_style s = {.color = stable ? (cj_rgb){0, 0, 0} : (cj_rgb){0.85, 0.1, 0.1}, .width = 3,
                               .marker = fp->q < 1e-12 ? (stable ? CJ_MARKER_CIRCLE : CJ_MARKER_TRIANGLE)
                                                       : CJ_MARKER_SQUARE};
            if (!st) st = cj_panel_add_line(p, &xy[0], &xy[1], 1, s, NULL, err);
        }
        if (!st && k == 0) {
            /* Only the kinds some panel shows. */
            int any_slow = 0, any_chain = 0;
            for (int j = 0; j < n_groups; j++) {
                for (int i = 0; i < g[j].res.n_points; i++)
                    any_slow |= g[j].res.points[i].q <= g[j].q_max && g[j].res.points[i].q >= 1e-12;
                any_chain |= !isnan(g[j].path_q_max) && g[j].path_q_max <= g[j].q_max;
            }
            cj_line_style s = {.color = {0, 0, 0}, .width = 3, .marker = CJ_MARKER_CIRCLE};
            st = cj_panel_add_line(p, NULL, NULL, 0, s, "stable fixed point", err);
            s.color = (cj_rgb){0.85, 0.1, 0.1}, s.marker = CJ_MARKER_TRIANGLE;
            if (!st) st = cj_panel_add_line(p, NULL, NULL, 0, s, "unstable / saddle", err);
            s.color = (cj_rgb){0, 0, 0}, s.marker = CJ_MARKER_SQUARE;
            if (!st && any_slow) st = cj_panel_add_line(p, NULL, NULL, 0, s, "slow point", err);
            cj_line_style c = {.color = {0.45, 0.45, 0.45}, .width = 2.5};
            if (!st && any_chain) st = cj_panel_add_line(p, NULL, NULL, 0, c, "slow between points", err);
        }
    }
    if (!st) st = cj_analysis_write_figure(a, fig, "fixedpoints.png", err);
    free(tx);
    free(ty);
    free(xs);
    cj_figure_free(fig);
    cj_pca_free(&pca);
    return st;
}

static cj_status write_tables(cj_analysis *a, const group *g, int n_groups, int N, cj_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    fprintf(f, "group,point,q,kind,unstable_modes,slow_re,slow_im,max_abs,runs\n");
    int total = 0;
    for (int k = 0; k < n_groups; k++)
        for (int j = 0; j < g[k].res.n_points; j++) {
            const cj_fixed_point *p = &g[k].res.points[j];
            if (p->q > g[k].q_max) continue;
            fprintf(f, "%s,%d,%.6g,%s,%d,%.6f,%.6f,%.6f,%d\n", g[k].label, total++, p->q, cj_fp_kind_name(p->modes.kind),
                    p->modes.n_unstable, p->modes.slow_re, p->modes.slow_im,
                    hypot(p->modes.re[0], p->modes.im[0]), p->n_merged);
        }
    fclose(f);
    cj_status st = text ? cj_analysis_write_text(a, "fixedpoints.csv", text, len, err)
                        : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(text);
    /* The speed along the chain between each group's points. */
    text = NULL, len = 0;
    f = st ? NULL : open_memstream(&text, &len);
    if (!st && !f) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (f) {
        fprintf(f, "group,position,q,slow_bound\n");
        for (int k = 0; k < n_groups; k++)
            for (int i = 0; i < g[k].n_path; i++)
                fprintf(f, "%s,%.6f,%.6g,%.6g\n", g[k].label, (double)i / PATH_STEPS, g[k].path_q[i], g[k].q_max);
        fclose(f);
        st = text ? cj_analysis_write_text(a, "chain.csv", text, len, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        free(text);
    }
    double *x = malloc(sizeof(double) * (size_t)(total ? total : 1) * N);
    double *ev = malloc(sizeof(double) * (size_t)(total ? total : 1) * N * 2);
    if (!st && (!x || !ev)) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    int i = 0;
    for (int k = 0; !st && k < n_groups; k++)
        for (int j = 0; j < g[k].res.n_points; j++) {
            const cj_fixed_point *p = &g[k].res.points[j];
            if (p->q > g[k].q_max) continue;
            memcpy(x + (size_t)i * N, p->x, sizeof(double) * N);
            for (int e = 0; e < N; e++) {
                ev[((size_t)i * N + e) * 2] = p->modes.re[e];
                ev[((size_t)i * N + e) * 2 + 1] = p->modes.im[e];
            }
            i++;
        }
    if (!st && total) {
        int64_t s2[2] = {total, N}, s3[3] = {total, N, 2};
        st = cj_analysis_write_npy(a, "fixedpoints.npy", 2, s2, x, err);
        if (!st) st = cj_analysis_write_npy(a, "eigenvalues.npy", 3, s3, ev, err);
    }
    free(x);
    free(ev);
    return st;
}

cj_status cj_analyze_fixedpoints(cj_analysis *a, const cj_task_run *run, cj_error *err)
{
    int *condition_of = NULL, n_conditions = 0, n_values = 0;
    double *values = NULL;
    cj_status st = cj_analysis_task_conditions(run, a->task, &condition_of, &n_conditions, &values, &n_values, err);
    if (st) return st;
    const char *cond = cj_analysis_option(a, "--condition"), *inits_opt = cj_analysis_option(a, "--inits");
    const char *q_opt = cj_analysis_option(a, "--q");
    int n_inits = inits_opt ? atoi(inits_opt) : 256;
    double q_max = q_opt ? atof(q_opt) : 0;
    const cj_task *task = &run->tasks[a->task];
    int has_context = !strncmp(task->ops->conditions, "context,", 8);
    int mode = cond ? 2 : has_context ? 1 : 0, n_groups = mode == 1 ? 2 : 1;
    if (n_inits < 1 || n_inits > 100000 || (q_opt && !(q_max > 0)))
        st = cj_fail(err, CJ_ERR_ARG, "--inits %s / --q %s: expected 1 to 100000 initial states and q > 0",
                     inits_opt ? inits_opt : "256", q_opt ? q_opt : "(default)");
    int g_cond = cond ? atoi(cond) : 0;
    if (!st && cond && (g_cond < 0 || g_cond >= n_conditions))
        st = cj_fail(err, CJ_ERR_ARG, "--condition %s: conditions are 0 to %d (pca's conditions.csv)", cond,
                     n_conditions - 1);
    group g[MAX_GROUPS] = {0};
    int N = run->state_size;
    double *init = malloc(sizeof(double) * (size_t)n_inits * N);
    if (!st && !init) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_fp_options o;
    cj_fp_options_default(&o);
    for (int k = 0; !st && k < n_groups; k++) {
        int id = mode == 2 ? g_cond : k;
        snprintf(g[k].label, sizeof g[k].label, mode == 1 ? "context %d" : mode == 2 ? "condition %d" : "all trials",
                 id);
        if ((st = mean_input(a, run, condition_of, mode, id, &g[k], err))) break;
        draw_inits(run, a->task, condition_of, mode, id, n_inits, a->seed + (uint64_t)k, init);
        float *u = malloc(sizeof(float) * (size_t)task->n_obs);
        cj_fp_system sys;
        if (!u) {
            st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
            break;
        }
        for (int j = 0; j < task->n_obs; j++) u[j] = (float)g[k].u[j];
        st = cj_fp_layer_system(&a->model.layers[a->recurrent], u, &sys, err);
        free(u);
        if (st) break;
        if (!q_opt && (st = median_speed(&sys, init, n_inits, &g[k].q_visited, err))) {
            cj_fp_system_free(&sys);
            break;
        }
        st = cj_fp_find(&sys, init, n_inits, &o, &g[k].res, err);
        g[k].q_max = q_opt ? q_max : 1e-2 * g[k].q_visited;
        if (!st) summarise(&g[k], g[k].q_max, N);
        if (!st) st = slow_chain(&g[k], &sys, N, err);
        cj_fp_system_free(&sys);
    }
    if (!st) st = write_tables(a, g, n_groups, N, err);
    if (!st) st = figure(a, run, g, n_groups, err);
    for (int k = 0; !st && k < n_groups; k++) {
        printf("%s: %d slow points (q <= %.3g%s) from %d starts", g[k].label, g[k].n_slow, g[k].q_max,
               q_opt ? "" : ", 1/100 of the task's median q", n_inits);
        /* A line needs two points; a spectrum needs one. */
        if (g[k].n_slow > 0)
            printf(", %d of them fixed (q < 1e-12): %d stable, %d saddles", g[k].n_fixed, g[k].n_stable,
                   g[k].n_saddle);
        /* Two points always lie on a line: the fraction says something from 3. */
        if (!isnan(g[k].line_fraction))
            printf("; the points' first PC holds %.1f%% of their spread", 100 * g[k].line_fraction);
        if (g[k].n_slow > 0) printf("; slowest eigenvalue |lambda| %.4f on average", g[k].slow_abs);
        if (!isnan(g[k].path_q_max))
            printf("; between them q reaches %.3g: %s", g[k].path_q_max,
                   g[k].path_q_max <= g[k].q_max ? "slow all along, one line of slow points (a line attractor)"
                                                 : "faster than the slow bound, so separate points");
        if (g[k].n_slow == 0) printf(" (try a larger --q)");
        putchar('\n');
    }
    if (!st) printf("wrote %s/{fixedpoints.png, fixedpoints.csv, chain.csv, fixedpoints.npy, eigenvalues.npy}\n", a->out_dir);
    for (int k = 0; k < n_groups; k++) {
        free(g[k].u);
        free(g[k].path);
        free(g[k].path_q);
        cj_fp_result_free(&g[k].res);
    }
    free(init);
    free(condition_of);
    free(values);
    return st;
}
