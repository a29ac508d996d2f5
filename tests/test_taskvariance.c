/* test_taskvariance.c — the task variance analysis of Yang et al. 2019
 * (cajal/taskvariance.h) on synthetic units planted selective for given
 * tasks, against numpy and scikit-learn (tests/ref/clusters/taskvar.txt,
 * written by tools/make_cluster_refs.py): the variance matrix, the dropped
 * units, the normalised matrix, the clusters found, the heat-map order;
 * and the errors for bad recordings. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/plot.h"
#include "cajal/taskvariance.h"
#include "fixtures.h"
#include "harness.h"
#include "ref_text.h"

enum { TASKS = 4, UNITS = 30 };

/* The reference recordings as cj_task_recording, their arrays owned here. */
typedef struct {
    ref_text r;
    cj_task_recording rec[TASKS];
    float *resp[TASKS];
    int *cond[TASKS];
} recordings;

static void recordings_free(recordings *s)
{
    for (int a = 0; a < TASKS; a++) free(s->resp[a]), free(s->cond[a]);
    ref_text_free(&s->r);
}

static int recordings_load(recordings *s)
{
    memset(s, 0, sizeof *s);
    if (!ref_text_load(&s->r, "tests/ref/clusters/taskvar.txt")) return 0;
    for (int a = 0; a < TASKS; a++) {
        char name[40];
        snprintf(name, sizeof name, "t%d.shape", a);
        const double *shape = ref_text_get(&s->r, name, 4);
        if (!shape) return 0;
        const int trials = (int)shape[0], steps = (int)shape[1], n = trials * steps * UNITS;
        snprintf(name, sizeof name, "t%d.responses", a);
        const double *v = ref_text_get(&s->r, name, n);
        if (!v) return 0;
        s->resp[a] = malloc(sizeof(float) * n);
        for (int i = 0; i < n; i++) s->resp[a][i] = (float)v[i];
        /* Task 1 has no condition ids: each trial its own condition. */
        snprintf(name, sizeof name, "t%d.condition", a);
        if (a != 1) {
            const double *c = ref_text_get(&s->r, name, trials);
            if (!c) return 0;
            s->cond[a] = malloc(sizeof(int) * trials);
            for (int i = 0; i < trials; i++) s->cond[a][i] = (int)c[i];
        }
        s->rec[a] = (cj_task_recording){.name = NULL, .responses = s->resp[a], .trials = trials, .steps = steps,
                                        .condition = s->cond[a], .t0 = (int)shape[2], .t1 = (int)shape[3]};
    }
    return 1;
}

static double max_rel(const double *a, const double *b, int n)
{
    double w = 0.0;
    for (int i = 0; i < n; i++) {
        double d = fabs(a[i] - b[i]) / fmax(fabs(b[i]), 1e-300);
        if (!(d <= w)) w = d;
    }
    return w;
}

TEST(task_variance_matches_numpy)
{
    recordings s;
    if (!recordings_load(&s)) goto done;
    const double *ref = ref_text_get(&s.r, "tv", UNITS * TASKS), *act = ref_text_get(&s.r, "active", UNITS);
    const double *nref = ref_text_get(&s.r, "normalized", 27 * TASKS);
    if (!ref || !act || !nref) goto done;
    double tv[UNITS * TASKS], norm[UNITS * TASKS];
    unsigned char active[UNITS];
    int unit[UNITS], n_active = 0;
    cj_error err;
    CHECK(cj_task_variance(s.rec, TASKS, UNITS, tv, &err) == CJ_OK);
    /* Dead units have TV exactly or nearly 0; compare those absolutely. */
    double worst = 0.0;
    for (int i = 0; i < UNITS * TASKS; i++)
        if (ref[i] > 1e-6) worst = fmax(worst, fabs(tv[i] - ref[i]) / ref[i]);
        else if (!(fabs(tv[i] - ref[i]) <= 1e-15)) test_fail("tv[%d] = %g, numpy %g", i, tv[i], ref[i]);
    if (!(worst <= 1e-12)) test_fail("task variance differs from numpy by %g relative", worst);
    CHECK(cj_task_variance_normalize(tv, UNITS, TASKS, 1e-3, active, &n_active, unit, norm, &err) == CJ_OK);
    CHECK(n_active == 27);
    for (int u = 0, j = 0; u < UNITS; u++) {
        CHECK(active[u] == (int)act[u]);
        if (active[u] && j < n_active) CHECK(unit[j++] == u);
    }
    if (n_active == 27 && !(max_rel(norm, nref, 27 * TASKS) <= 1e-12))
        test_fail("normalised matrix differs from numpy by %g", max_rel(norm, nref, 27 * TASKS));
    /* Each row peaks at exactly 1. */
    for (int j = 0; j < n_active; j++) {
        double top = 0.0;
        for (int a = 0; a < TASKS; a++) top = fmax(top, norm[j * TASKS + a]);
        CHECK(top == 1.0);
    }
done:
    recordings_free(&s);
}

TEST(clusters_recover_the_planted_groups)
{
    recordings s;
    if (!recordings_load(&s)) goto done;
    const int n = 27;
    const double *pv = ref_text_get(&s.r, "planted", n), *score = ref_text_get(&s.r, "planted_score", 1);
    const double *lv = ref_text_get(&s.r, "labels", n), *ov = ref_text_get(&s.r, "order", n);
    const double *nref = ref_text_get(&s.r, "normalized", n * TASKS);
    if (!pv || !score || !lv || !ov || !nref) goto done;
    cj_taskvar_options o = cj_taskvar_defaults();
    o.k_min = 2;
    o.k_max = 8;
    cj_taskvar_result r, again;
    cj_error err;
    if (cj_taskvar_analyze(s.rec, TASKS, UNITS, &o, &r, &err)) {
        test_fail("%s", err.msg);
        goto done;
    }
    CHECK(r.n_active == n && r.k_min == 2 && r.k_max == 8);
    CHECK(r.k == 4);
    int planted[27];
    for (int i = 0; i < n; i++) planted[i] = (int)pv[i];
    CHECK_NEAR(cj_adjusted_rand_index(r.labels, planted, n), 1.0, 0.0);
    /* The planted partition's silhouette is sklearn's, to rounding. */
    if (!(fabs(r.silhouette[r.k - r.k_min] - score[0]) <= 1e-9 * fabs(score[0])))
        test_fail("silhouette at k = %d: %.17g, sklearn %.17g", r.k, r.silhouette[r.k - r.k_min], score[0]);
    /* Same partition, so the renumbering and the order are numpy's exactly. */
    for (int i = 0; i < n; i++) {
        CHECK(r.labels[i] == (int)lv[i]);
        CHECK(r.order[i] == (int)ov[i]);
    }
    /* The heat map is the normalised matrix, transposed, columns in order. */
    double m[TASKS * 27];
    cj_taskvar_heatmap(&r, m);
    for (int a = 0; a < TASKS; a++)
        for (int j = 0; j < n; j++) {
            CHECK(m[a * n + j] == r.normalized[(int)ov[j] * TASKS + a]);
            CHECK_NEAR(m[a * n + j], nref[(int)ov[j] * TASKS + a], 1e-12);
        }
    /* Deterministic: the same seed, the same everything. */
    CHECK(cj_taskvar_analyze(s.rec, TASKS, UNITS, &o, &again, &err) == CJ_OK);
    CHECK(again.k == r.k && !memcmp(again.labels, r.labels, sizeof(int) * n) &&
          !memcmp(again.silhouette, r.silhouette, sizeof(double) * 7));
    cj_taskvar_result_free(&again);
    /* With Yang et al.'s range 3..40, k_max drops to n - 1 = 26. */
    o = cj_taskvar_defaults();
    CHECK(cj_taskvar_analyze(s.rec, TASKS, UNITS, &o, &again, &err) == CJ_OK);
    CHECK(again.k_min == 3 && again.k_max == 26 && again.k == 4);
    cj_taskvar_result_free(&again);

    cj_figure *fig;
    const char *dir = fixture_dir("taskvariance");
    char *path = cj_path_join(dir, "fig2.svg");
    CHECK(cj_figure_create(&fig, 1, 1, 900, 400, &err) == CJ_OK);
    cj_panel *p = cj_figure_panel(fig, 0, 0);
    CHECK(cj_taskvar_plot(&r, NULL, p, &err) == CJ_OK);
    cj_panel_set_title(p, "normalised task variance");
    CHECK(cj_figure_write(fig, path, &err) == CJ_OK);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size > 1000);
    free(path);
    path = cj_path_join(dir, "fig2.png");
    CHECK(cj_figure_write(fig, path, &err) == CJ_OK);
    CHECK(stat(path, &st) == 0 && st.st_size > 1000);
    CHECK(cj_taskvar_plot(&r, NULL, NULL, &err) == CJ_ERR_ARG);
    cj_figure_free(fig);
    free(path);
    free((char *)dir);
    cj_taskvar_result_free(&r);
done:
    recordings_free(&s);
}

TEST(order_breaks_ties_by_task_then_row)
{
    /* Rows 0..5 of 3 tasks in clusters 2, 0, 2, 1, 0, 1: cluster 2 prefers
     * task 0, cluster 0 task 2, cluster 1 task 1. Label 3 is unused. */
    const double norm[6 * 3] = {1, .5, 0, 0, .2, 1, .3, 1, .1, 0, 1, .4, .1, .1, 1, .2, 1, 0};
    int labels[6] = {2, 0, 2, 1, 0, 1}, order[6], k = 0;
    cj_error err;
    CHECK(cj_task_variance_order(norm, 6, 3, labels, 4, order, &k, &err) == CJ_OK);
    CHECK(k == 3);
    const int want_labels[6] = {0, 2, 0, 1, 2, 1}, want_order[6] = {0, 2, 3, 5, 1, 4};
    /* Cluster 0 = rows 0 (prefers task 0) and 2 (task 1); cluster 1 = rows
     * 3 and 5 (both task 1, by row); cluster 2 = rows 1 and 4 (task 2). */
    for (int i = 0; i < 6; i++) CHECK(labels[i] == want_labels[i] && order[i] == want_order[i]);
    int bad[6] = {0, 1, 4, 0, 0, 0};
    CHECK(cj_task_variance_order(norm, 6, 3, bad, 4, order, NULL, &err) == CJ_ERR_ARG &&
          strstr(err.msg, "label[2] = 4"));
}

TEST(bad_recordings_are_refused)
{
    enum { R = 4, T = 5, U = 2 };
    float x[R * T * U];
    for (int i = 0; i < R * T * U; i++) x[i] = (float)((i * 7) % 5);
    int cond[R] = {0, 1, 0, 1};
    cj_task_recording t = {.name = "go", .responses = x, .trials = R, .steps = T, .condition = cond, .t0 = 1, .t1 = 5};
    double tv[U];
    cj_error err;
    CHECK(cj_task_variance(&t, 1, U, tv, &err) == CJ_OK);
    cj_task_recording b = t;
    b.t0 = 5;
    CHECK(cj_task_variance(&b, 1, U, tv, &err) == CJ_ERR_ARG && strstr(err.msg, "task 'go'") &&
          strstr(err.msg, "window [5, 5)"));
    b = t, b.t0 = -1;
    CHECK(cj_task_variance(&b, 1, U, tv, &err) == CJ_ERR_ARG && strstr(err.msg, "[-1, 5)"));
    b = t, b.t1 = 6;
    CHECK(cj_task_variance(&b, 1, U, tv, &err) == CJ_ERR_ARG && strstr(err.msg, "outside the trial's steps [0, 5)"));
    b = t, b.t0 = 3, b.t1 = 2;
    CHECK(cj_task_variance(&b, 1, U, tv, &err) == CJ_ERR_ARG);
    b = t, b.name = NULL, b.trials = 0;
    cj_task_recording two[2] = {t, b};
    CHECK(cj_task_variance(two, 2, U, tv, &err) == CJ_ERR_ARG && strstr(err.msg, "task 1"));
    int same[R] = {3, 3, 3, 3}, neg[R] = {0, 1, -2, 0};
    b = t, b.condition = same;
    CHECK(cj_task_variance(&b, 1, U, tv, &err) == CJ_ERR_ARG && strstr(err.msg, "one stimulus condition"));
    b = t, b.condition = neg;
    CHECK(cj_task_variance(&b, 1, U, tv, &err) == CJ_ERR_ARG && strstr(err.msg, "condition[2] = -2"));
    CHECK(cj_task_variance(&t, 0, U, tv, &err) == CJ_ERR_ARG);
    CHECK(cj_task_variance(&t, 1, 0, tv, &err) == CJ_ERR_ARG);
    x[(2 * T + 3) * U + 1] = NAN;
    CHECK(cj_task_variance(&t, 1, U, tv, &err) == CJ_ERR_NUMERIC && strstr(err.msg, "unit 1 at step 3 of trial 2"));
    x[(2 * T + 3) * U + 1] = 1.0f;
    /* A NaN outside the window is never read. */
    x[(2 * T + 0) * U + 1] = NAN;
    CHECK(cj_task_variance(&t, 1, U, tv, &err) == CJ_OK);

    /* No surviving units: all responses the same in every condition. */
    for (int i = 0; i < R * T * U; i++) x[i] = 0.25f;
    cj_taskvar_options o = cj_taskvar_defaults();
    cj_taskvar_result r;
    CHECK(cj_taskvar_analyze(&t, 1, U, &o, &r, &err) == CJ_ERR_ARG && strstr(err.msg, "no unit") &&
          strstr(err.msg, "0.001"));
    CHECK(r.tv == NULL && r.labels == NULL);
    o.min_total_variance = -1;
    CHECK(cj_taskvar_analyze(&t, 1, U, &o, &r, &err) == CJ_ERR_ARG && strstr(err.msg, "min_total_variance = -1"));
    /* Too few survivors for the range of k. */
    for (int i = 0; i < R * T * U; i++) x[i] = (float)(i % 3);
    o = cj_taskvar_defaults();
    CHECK(cj_taskvar_analyze(&t, 1, U, &o, &r, &err) == CJ_ERR_ARG && strstr(err.msg, "too few"));
    o.k_min = 1;
    CHECK(cj_taskvar_analyze(&t, 1, U, &o, &r, &err) == CJ_ERR_ARG && strstr(err.msg, "below 2"));
    double neg_tv[2] = {0.5, -0.1}, nrm[2];
    unsigned char act[1];
    int unit[1], na;
    CHECK(cj_task_variance_normalize(neg_tv, 1, 2, 1e-3, act, &na, unit, nrm, &err) == CJ_ERR_NUMERIC);
}

/* fontconfig (loaded by cairo for the figure's text) leaks a few hundred
 * bytes once per process; this LeakSanitizer hook, as in test_plot.c,
 * keeps that out of `make test SANITIZE=1` so only leaks of ours fail. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

int main(void)
{
    RUN(task_variance_matches_numpy);
    RUN(clusters_recover_the_planted_groups);
    RUN(order_breaks_ties_by_task_then_row);
    RUN(bad_recordings_are_refused);
    return test_summary("taskvariance");
}
