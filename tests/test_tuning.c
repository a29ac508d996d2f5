/* test_tuning.c — tuning curves (cajal/tuning.h) against NumPy/SciPy
 * (tests/ref/tuning/tuning.txt from tools/make_tuning_refs.py: numpy means
 * and SEMs, scipy.stats.f_oneway, pandas.qcut's equal-count bins, the
 * vector sum of a direction curve), the F distribution's tail
 * (scipy.stats.f.sf), closed forms for the response windows, every error
 * of the level maker, the text CSV reader, and the figure. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/stats.h"
#include "cajal/trials_csv.h"
#include "cajal/tuning.h"
#include "fixtures.h"
#include "harness.h"
#include "ref_text.h"

static const char REF[] = "tests/ref/tuning/tuning.txt";
static ref_text ref;
static int have_ref;

/* n values as the text a CSV cell holds (%.17g: read back exactly). */
typedef struct {
    char **s;
    int n;
} texts;

static texts as_text(const double *v, int n)
{
    texts t = {malloc(sizeof(char *) * (size_t)n), n};
    for (int i = 0; i < n; i++) {
        t.s[i] = malloc(32);
        snprintf(t.s[i], 32, "%.17g", v[i]);
    }
    return t;
}

static void texts_free(texts *t)
{
    for (int i = 0; i < t->n; i++) free(t->s[i]);
    free(t->s);
}

/* |a - b| <= tol max(|b|, tiny): relative, for p-values spanning 1e-113..1. */
static int close_rel(double a, double b, double tol)
{
    if (isinf(b) || isnan(b)) return a == b || (isnan(a) && isnan(b));
    return fabs(a - b) <= tol * fmax(fabs(b), 1e-300);
}

static void check_rel(const char *what, const double *got, const double *want, int n, double tol)
{
    for (int i = 0; i < n; i++)
        if (!close_rel(got[i], want[i], tol)) {
            test_fail("%s[%d] = %.17g, scipy %.17g", what, i, got[i], want[i]);
            return;
        }
}

static const double *get(const char *name, int n) { return have_ref ? ref_text_get(&ref, name, n) : NULL; }

/* ---- the F distribution ---------------------------------------------------- */

TEST(f_tail_matches_scipy)
{
    const double *f = get("fsf.f", 12), *d1 = get("fsf.d1", 12), *d2 = get("fsf.d2", 12), *p = get("fsf.p", 12);
    if (!f || !d1 || !d2 || !p) return;
    for (int i = 0; i < 12; i++) {
        double got = cj_f_sf(f[i], d1[i], d2[i]);
        if (!close_rel(got, p[i], 1e-10) && !(p[i] == 0 && got < 1e-300))
            test_fail("P(F(%g, %g) > %g) = %.17g, scipy %.17g", d1[i], d2[i], f[i], got, p[i]);
    }
    CHECK(cj_f_sf(0, 3, 10) == 1 && cj_f_sf(-1, 3, 10) == 1 && cj_f_sf(INFINITY, 3, 10) == 0);
    CHECK(isnan(cj_f_sf(NAN, 3, 10)) && isnan(cj_f_sf(1, 0, 10)) && isnan(cj_f_sf(1, 3, -1)));
}

TEST(incomplete_beta_closed_forms)
{
    /* I_x(1, 1) = x, I_x(a, 1) = x^a, I_x(1, b) = 1 - (1 - x)^b, and the two tails add to 1 */
    for (double x = 0.05; x < 1; x += 0.1) {
        double lo, up;
        cj_beta_inc(x, 1, 1, &lo, &up);
        CHECK_NEAR(lo, x, 1e-14);
        cj_beta_inc(x, 3.5, 1, &lo, &up);
        CHECK_NEAR(lo, pow(x, 3.5), 1e-14);
        CHECK_NEAR(lo + up, 1, 1e-15);
        cj_beta_inc(x, 1, 2.5, &lo, &up);
        CHECK_NEAR(up, pow(1 - x, 2.5), 1e-14);
    }
    double lo, up;
    cj_beta_inc(0, 2, 3, &lo, &up);
    CHECK(lo == 0 && up == 1);
    cj_beta_inc(1, 2, 3, &lo, &up);
    CHECK(lo == 1 && up == 0);
    cj_beta_inc(0.5, -1, 3, &lo, &up);
    CHECK(isnan(lo) && isnan(up));
}

/* ---- tuning against SciPy -------------------------------------------------- */

/* Levels of ref values `vname` with opts, checked against `levname` (the
 * reference level of each stimulus); responses `xname` [N, U]. */
typedef struct {
    cj_tuning_levels lv;
    cj_tuning t;
    float *x;
    int N, U, ok;
} ref_case;

static ref_case run_case(const char *vname, const char *xname, const char *levname, int N, int U,
                         const cj_tuning_level_opts *o)
{
    ref_case c = {.N = N, .U = U};
    const double *v = get(vname, N), *x = get(xname, N * U), *lev = get(levname, N);
    if (!v || !x || !lev) return c;
    texts s = as_text(v, N);
    cj_error e;
    cj_status st = cj_tuning_levels_make((const char *const *)s.s, N, NULL, o, &c.lv, &e);
    texts_free(&s);
    if (st) {
        test_fail("%s: levels: %s", vname, e.msg);
        return c;
    }
    for (int i = 0; i < N; i++)
        if (c.lv.level[i] != (int)lev[i]) {
            test_fail("%s: stimulus %d is in level %d, numpy says %d", vname, i, c.lv.level[i], (int)lev[i]);
            return c;
        }
    c.x = floats_from_doubles(x, (size_t)N * U);
    if ((st = cj_tuning_compute(c.x, N, U, &c.lv, &c.t, &e))) {
        test_fail("%s: compute: %s", vname, e.msg);
        return c;
    }
    c.ok = 1;
    return c;
}

static void case_free(ref_case *c)
{
    cj_tuning_free(&c->t);
    cj_tuning_levels_free(&c->lv);
    free(c->x);
}

static void check_stats(const char *tag, const ref_case *c, int check_sd)
{
    int K = c->lv.n_levels, U = c->U;
    char name[40];
    snprintf(name, sizeof name, "%s.mean", tag);
    const double *mean = get(name, U * K);
    if (mean) CHECK(max_rel_diff_d(c->t.mean, mean, (size_t)U * K) < 1e-12);
    if (check_sd) {
        snprintf(name, sizeof name, "%s.sd", tag);
        const double *sd = get(name, U * K);
        snprintf(name, sizeof name, "%s.sem", tag);
        const double *sem = get(name, U * K);
        if (sd) CHECK(max_rel_diff_d(c->t.sd, sd, (size_t)U * K) < 1e-11);
        if (sem) CHECK(max_rel_diff_d(c->t.sem, sem, (size_t)U * K) < 1e-11);
    }
    snprintf(name, sizeof name, "%s.F", tag);
    const double *F = get(name, U);
    snprintf(name, sizeof name, "%s.p", tag);
    const double *p = get(name, U);
    snprintf(name, sizeof name, "%s.eta2", tag);
    const double *eta2 = get(name, U);
    if (F) check_rel("F", c->t.F, F, U, 1e-10);
    if (p) check_rel("p", c->t.p, p, U, 1e-8);
    if (eta2) check_rel("eta2", c->t.eta2, eta2, U, 1e-11);
}

TEST(categories_match_scipy)
{
    cj_tuning_level_opts o = {0};
    ref_case c = run_case("cat.values", "cat.x", "cat.level", 60, 4, &o);
    if (c.ok) {
        const double *levels = get("cat.levels", 5), *pref = get("cat.pref", 4);
        CHECK(c.lv.n_levels == 5 && c.lv.numeric && !c.lv.binned && !c.lv.angle && !c.t.pref_dir);
        if (levels && c.lv.n_levels == 5) CHECK(max_rel_diff_d(c.lv.x, levels, 5) == 0);
        CHECK(!strcmp(c.lv.labels[1], "0.032") && c.lv.count[1] == 12 && c.lv.n_used == 60);
        CHECK(c.t.df_between == 4 && c.t.df_within == 55);
        check_stats("cat", &c, 1);
        for (int u = 0; pref && u < 4; u++) CHECK(c.t.preferred[u] == (int)pref[u]);
    }
    case_free(&c);
}

TEST(direction_bins_match_scipy)
{
    /* U(-pi, 3 pi) directions wrapped onto [0, 2 pi), 8 equal-count bins */
    cj_tuning_level_opts o = {.bins = 8, .circular = CJ_TUNING_RADIANS};
    ref_case c = run_case("dir.raw", "dir.x", "dir.level", 210, 6, &o);
    if (c.ok) {
        const double *edges = get("dir.edges", 9), *theta = get("dir.theta", 8), *pref = get("dir.pref", 6);
        const double *dir = get("dir.pref_dir", 6), *depth = get("dir.depth", 6);
        CHECK(c.lv.n_levels == 8 && c.lv.binned && c.lv.angle && c.t.pref_dir && c.t.depth);
        for (int k = 0; edges && k < 8; k++) {
            CHECK_NEAR(c.lv.lo[k], edges[k], 1e-15);
            CHECK_NEAR(c.lv.hi[k], edges[k + 1], 1e-15);
            CHECK(c.lv.count[k] >= 26 && c.lv.count[k] <= 27); /* 210 / 8 */
        }
        if (theta) CHECK(max_rel_diff_d(c.lv.angle, theta, 8) < 1e-14);
        check_stats("dir", &c, 1);
        for (int u = 0; pref && u < 6; u++) CHECK(c.t.preferred[u] == (int)pref[u]);
        if (dir) check_rel("pref_dir", c.t.pref_dir, dir, 6, 1e-12);
        if (depth) check_rel("depth", c.t.depth, depth, 6, 1e-12);
        /* unit 5 is constant within bins: F = inf, p = 0, eta^2 = 1 (scipy's answer too) */
        CHECK(isinf(c.t.F[5]) && c.t.p[5] == 0 && c.t.eta2[5] == 1);
    }
    case_free(&c);
}

TEST(degrees_wrap_and_match)
{
    cj_tuning_level_opts o = {.circular = CJ_TUNING_DEGREES};
    ref_case c = run_case("deg.raw", "deg.x", "deg.level", 84, 3, &o);
    if (c.ok) {
        const double *levels = get("deg.levels", 7), *dir = get("deg.pref_dir", 3), *depth = get("deg.depth", 3);
        CHECK(c.lv.n_levels == 7 && !c.lv.binned);
        if (levels) CHECK(max_rel_diff_d(c.lv.x, levels, 7) == 0);
        CHECK_NEAR(c.lv.angle[2], M_PI / 2, 1e-15); /* 90 degrees */
        check_stats("deg", &c, 0);
        /* pref_dir is radians in the struct; the reference is degrees */
        for (int u = 0; dir && u < 3; u++) CHECK_NEAR(c.t.pref_dir[u] * 180 / M_PI, dir[u], 1e-9);
        if (depth) check_rel("depth", c.t.depth, depth, 3, 1e-12);
    }
    case_free(&c);
}

TEST(equal_count_bins)
{
    /* distinct values: exactly n / B each, edges at the order statistics' midpoints */
    double v[80];
    for (int i = 0; i < 80; i++) v[i] = (double)((i * 37) % 80) * 0.5 - 3;
    texts s = as_text(v, 80);
    cj_tuning_level_opts o = {.bins = 4};
    cj_tuning_levels lv;
    cj_error e;
    CHECK(cj_tuning_levels_make((const char *const *)s.s, 80, NULL, &o, &lv, &e) == CJ_OK);
    for (int k = 0; k < lv.n_levels; k++) CHECK(lv.count[k] == 20);
    /* sorted values are -3, -2.5, ..., 36.5: the 0.25 quantile at index 19.75 is 6.875 */
    CHECK_NEAR(lv.hi[0], 6.875, 1e-12);
    CHECK_NEAR(lv.x[0], (-3 + 6.5) / 2, 1e-12); /* the bin's mean value */
    CHECK(!strcmp(lv.labels[0], "-3..6.875"));
    cj_tuning_levels_free(&lv);
    texts_free(&s);

    /* ties: qcut's edges and the counts they give (not equal) */
    const double *tv = get("tie.v", 100), *edges = get("tie.edges", 5), *lev = get("tie.level", 100);
    const double *count = get("tie.count", 4), *x = get("tie.x", 4);
    if (!tv || !edges || !lev || !count || !x) return;
    s = as_text(tv, 100);
    CHECK(cj_tuning_levels_make((const char *const *)s.s, 100, NULL, &o, &lv, &e) == CJ_OK);
    for (int k = 0; k < 4; k++) {
        CHECK_NEAR(lv.lo[k], edges[k], 1e-12);
        CHECK(lv.count[k] == (int)count[k]);
        CHECK_NEAR(lv.x[k], x[k], 1e-12);
    }
    for (int i = 0; i < 100; i++) CHECK(lv.level[i] == (int)lev[i]);
    cj_tuning_levels_free(&lv);
    texts_free(&s);
}

TEST(given_edges)
{
    const double *v = get("edge.v", 80), *edges = get("edge.edges", 4), *lev = get("edge.level", 80);
    const double *count = get("edge.count", 3);
    if (!v || !edges || !lev || !count) return;
    texts s = as_text(v, 80);
    cj_tuning_level_opts o = {.edges = edges, .n_edges = 4};
    cj_tuning_levels lv;
    cj_error e;
    CHECK(cj_tuning_levels_make((const char *const *)s.s, 80, NULL, &o, &lv, &e) == CJ_OK);
    int outside = 0;
    for (int i = 0; i < 80; i++) {
        CHECK(lv.level[i] == (int)lev[i]);
        outside += lev[i] < 0;
    }
    for (int k = 0; k < 3; k++) CHECK(lv.count[k] == (int)count[k]);
    CHECK(lv.n_outside == outside && lv.n_used == 80 - outside && outside > 0);
    CHECK(lv.level[0] == 0 && lv.level[1] == 0 && lv.level[2] == 1 && lv.level[3] == 2); /* 0, 2.5, 5, 10 */
    cj_tuning_levels_free(&lv);
    texts_free(&s);
}

/* ---- names, keep, constant units, ranking ---------------------------------- */

TEST(named_levels_in_order_of_appearance)
{
    const char *v[] = {"face", "body", "face", "tool", "body", "tool", "face", "x", "body"};
    unsigned char keep[] = {1, 1, 1, 1, 1, 1, 1, 0, 1}; /* "x" left out */
    float x[9 * 2];
    for (int i = 0; i < 9; i++) {
        x[2 * i] = (float)(v[i][0] == 'f' ? 5 + 0.1 * i : 1 + 0.1 * i); /* unit 0 prefers faces */
        x[2 * i + 1] = 3;                                         /* unit 1 constant */
    }
    cj_tuning_level_opts o = {0};
    cj_tuning_levels lv;
    cj_tuning t;
    cj_error e;
    CHECK(cj_tuning_levels_make(v, 9, keep, &o, &lv, &e) == CJ_OK);
    CHECK(lv.n_levels == 3 && !lv.numeric && lv.n_used == 8 && lv.n_left_out == 1 && lv.level[7] == -1);
    CHECK(!strcmp(lv.labels[0], "face") && !strcmp(lv.labels[1], "body") && !strcmp(lv.labels[2], "tool"));
    CHECK(lv.x[2] == 2 && lv.count[0] == 3 && lv.count[1] == 3 && lv.count[2] == 2);
    CHECK(cj_tuning_compute(x, 9, 2, &lv, &t, &e) == CJ_OK);
    CHECK(t.preferred[0] == 0 && t.preferred[1] == -1);
    CHECK_NEAR(t.mean[0], (5 + 5.2 + 5.6) / 3.0, 1e-6);
    CHECK(isnan(t.F[1]) && isnan(t.p[1]) && isnan(t.eta2[1]) && t.eta2[0] > 0.9);
    int order[2];
    cj_tuning_rank(&t, order);
    CHECK(order[0] == 0 && order[1] == 1);
    cj_tuning_free(&t);
    cj_tuning_levels_free(&lv);
}

TEST(rank_puts_the_most_selective_first)
{
    double eta2[] = {0.2, NAN, 0.9, 0.2, 1, 1}, F[] = {3, NAN, 20, 3, INFINITY, 50}, p[6] = {0};
    cj_tuning t = {.n_units = 6, .eta2 = eta2, .F = F, .p = p};
    int order[6];
    cj_tuning_rank(&t, order);
    int want[] = {4, 5, 2, 0, 3, 1};
    for (int i = 0; i < 6; i++) CHECK(order[i] == want[i]);
}

/* ---- errors ------------------------------------------------------------------ */

static void expect_error(const char *const *v, int n, const cj_tuning_level_opts *o, const char *text)
{
    cj_tuning_levels lv;
    cj_error e = {0};
    cj_status st = cj_tuning_levels_make(v, n, NULL, o, &lv, &e);
    if (st == CJ_OK) {
        test_fail("expected an error holding '%s'", text);
        cj_tuning_levels_free(&lv);
    } else if (!strstr(e.msg, text)) {
        test_fail("error '%s' does not hold '%s'", e.msg, text);
    }
}

TEST(level_errors)
{
    cj_tuning_level_opts none = {0}, bins3 = {.bins = 3}, circ = {.circular = CJ_TUNING_DEGREES};
    const char *one[] = {"a", "a", "a"};
    expect_error(one, 3, &none, "one level ('a' for all 3 stimuli used)");
    const char *empty[] = {"1", "", "2"};
    expect_error(empty, 3, &none, "stimulus 1 has no value");
    const char *words[] = {"1", "2", "left", "3"};
    expect_error(words, 4, &bins3, "stimulus 2: 'left' is not a number, and --bins needs numbers");
    expect_error(words, 4, &circ, "and --circular needs numbers");
    const char *nan[] = {"1", "nan", "2", "2"};
    expect_error(nan, 4, &none, "stimulus 1: 'nan' is not a finite number");
    const char *each[] = {"1", "2", "3"};
    expect_error(each, 3, &none, "3 levels for 3 stimuli: every level holds one stimulus");
    const char *ties[] = {"1", "1", "1", "1", "1", "2", "3"};
    expect_error(ties, 7, &bins3, "edges 0 and 1 are both 1");
    cj_tuning_level_opts few = {.max_levels = 3};
    const char *many[] = {"1", "2", "3", "4", "1", "2"};
    expect_error(many, 6, &few, "4 distinct values (1 to 4): too many levels");
    const char *names[] = {"a", "b", "c", "d", "a"};
    expect_error(names, 5, &few, "more than 3 distinct values (stimulus 3 is 'd')");
    double bad[] = {0, 2, 1}, gap[] = {0, 1, 5, 10};
    cj_tuning_level_opts down = {.edges = bad, .n_edges = 3}, hole = {.edges = gap, .n_edges = 4};
    expect_error(each, 3, &down, "edge 2 (1) is not above the one before it");
    const char *spread[] = {"0.5", "0.7", "6", "9"};
    expect_error(spread, 4, &hole, "bin 1 (1..5) holds no stimulus");
    cj_tuning_level_opts both = {.bins = 2, .edges = gap, .n_edges = 4};
    expect_error(spread, 4, &both, "give one of them");
    cj_tuning_level_opts more_bins = {.bins = 5};
    expect_error(spread, 4, &more_bins, "fewer stimuli than bins");
    unsigned char keep0[4] = {0};
    cj_tuning_levels lv;
    cj_error e;
    CHECK(cj_tuning_levels_make(spread, 4, keep0, &none, &lv, &e) == CJ_ERR_ARG && strstr(e.msg, "none of the 4"));
}

/* ---- responses from a layer ------------------------------------------------ */

TEST(responses_windows_and_maps)
{
    /* [3 trials, 5 steps, 2 units]: x = 100 i + 10 t + u */
    float x[3 * 5 * 2];
    for (int i = 0; i < 3; i++)
        for (int t = 0; t < 5; t++)
            for (int u = 0; u < 2; u++) x[(i * 5 + t) * 2 + u] = (float)(100 * i + 10 * t + u);
    int64_t shape3[] = {3, 5, 2};
    int start[] = {0, 1, 4}, end[] = {5, 3, 5};
    cj_tuning_reduce r = {.start = start, .end = end, .y = -1};
    float *out;
    int units;
    cj_error e;
    CHECK(cj_tuning_responses(x, 3, shape3, &r, &out, &units, &e) == CJ_OK && units == 2);
    CHECK_NEAR(out[0], 20, 1e-5);      /* steps 0..4 of trial 0: mean t = 2 */
    CHECK_NEAR(out[3], 100 + 15 + 1, 1e-5); /* trial 1, steps 1, 2, unit 1 */
    CHECK_NEAR(out[4], 200 + 40, 1e-5);
    free(out);
    int bad_end[] = {5, 6, 5};
    r.end = bad_end;
    CHECK(cj_tuning_responses(x, 3, shape3, &r, &out, &units, &e) == CJ_ERR_ARG &&
          strstr(e.msg, "trial 1: the window of steps 1:6 is outside the trial"));
    unsigned char keep[] = {1, 0, 1};
    r.keep = keep; /* trial 1 is not used, so its window is not checked */
    CHECK(cj_tuning_responses(x, 3, shape3, &r, &out, &units, &e) == CJ_OK);
    free(out);

    /* [2 stimuli, 3 channels, 2, 2] feature maps: the mean over positions, or one */
    float m[2 * 3 * 4];
    for (int i = 0; i < 24; i++) m[i] = (float)i;
    int64_t shape4[] = {2, 3, 2, 2};
    cj_tuning_reduce mean = {.y = -1}, one = {.y = 1, .x = 0}, off = {.y = 2, .x = 0};
    CHECK(cj_tuning_responses(m, 4, shape4, &mean, &out, &units, &e) == CJ_OK && units == 3);
    CHECK_NEAR(out[0], 1.5, 1e-6);
    CHECK_NEAR(out[5], 12 + 8 + 1.5, 1e-6);
    free(out);
    CHECK(cj_tuning_responses(m, 4, shape4, &one, &out, &units, &e) == CJ_OK);
    CHECK(out[1] == 6 && out[3] == 14); /* channel 1 of stimulus 0 at (1, 0); channel 0 of stimulus 1 */
    free(out);
    CHECK(cj_tuning_responses(m, 4, shape4, &off, &out, &units, &e) == CJ_ERR_ARG &&
          strstr(e.msg, "position 2,0 is outside the 2 x 2 feature maps"));
    int64_t flat[] = {4};
    CHECK(cj_tuning_responses(m, 1, flat, &mean, &out, &units, &e) == CJ_OK && units == 1 && out[3] == 3);
    free(out);
}

/* ---- the text CSV reader --------------------------------------------------- */

TEST(csv_text_columns)
{
    const char *dir = fixture_dir("tuning_csv");
    char *path = fixture_text(dir, "t.csv",
                              "\xEF\xBB\xBFtrial,task, name ,dir\n0,fdgo,\"a, b\",1.5\n\n1,delaygo,\"say \"\"hi\"\"\",\n"
                              "2,fdgo,  plain  ,3\r\n");
    cj_trials_text t;
    cj_error e;
    CHECK(cj_trials_csv_read_text(path, NULL, 0, &t, &e) == CJ_OK);
    CHECK(t.n_rows == 3 && t.n_cols == 4 && !strcmp(t.names[2], "name"));
    CHECK(!strcmp(t.cells[0 * 4 + 2], "a, b") && !strcmp(t.cells[1 * 4 + 2], "say \"hi\""));
    CHECK(!strcmp(t.cells[1 * 4 + 3], "") && !strcmp(t.cells[2 * 4 + 2], "plain") && !strcmp(t.cells[2 * 4 + 3], "3"));
    CHECK(t.line[0] == 2 && t.line[1] == 4 && t.line[2] == 5);
    CHECK(cj_trials_text_find(&t, "dir") == 3 && cj_trials_text_find(&t, "nope") == -1);
    cj_trials_text_free(&t);
    const char *want[] = {"dir", "task"};
    CHECK(cj_trials_csv_read_text(path, want, 2, &t, &e) == CJ_OK);
    CHECK(t.n_cols == 2 && !strcmp(t.cells[0], "1.5") && !strcmp(t.cells[3], "delaygo"));
    cj_trials_text_free(&t);
    free(path);

    path = fixture_text(dir, "ragged.csv", "a,b\n1,2\n3\n");
    CHECK(cj_trials_csv_read_text(path, NULL, 0, &t, &e) == CJ_ERR_FORMAT &&
          strstr(e.msg, "line 3 has 1 fields, the header (line 1) has 2"));
    free(path);
    path = fixture_text(dir, "dup.csv", "a,b,a\n1,2,3\n");
    CHECK(cj_trials_csv_read_text(path, NULL, 0, &t, &e) == CJ_ERR_FORMAT &&
          strstr(e.msg, "column 'a' is both field 1 and field 3"));
    free(path);
    path = fixture_text(dir, "noname.csv", "a,,b\n1,2,3\n");
    CHECK(cj_trials_csv_read_text(path, NULL, 0, &t, &e) == CJ_ERR_FORMAT && strstr(e.msg, "field 2 of the header"));
    free(path);
    path = fixture_text(dir, "empty.csv", "\n\n");
    CHECK(cj_trials_csv_read_text(path, NULL, 0, &t, &e) == CJ_ERR_FORMAT && strstr(e.msg, "empty file"));
    const char *missing[] = {"zzz"};
    free(path);
    path = fixture_text(dir, "ok.csv", "a,b\n1,2\n");
    CHECK(cj_trials_csv_read_text(path, missing, 1, &t, &e) == CJ_ERR_FORMAT &&
          strstr(e.msg, "no column 'zzz' (the header has 'a', 'b')"));
    free(path);
    free((char *)dir);
}

/* ---- the figure --------------------------------------------------------------- */

static int is_png(const char *path)
{
    size_t len = 0;
    char *b = fixture_read(path, &len);
    int ok = b && len > 1000 && !memcmp(b, "\x89PNG", 4);
    free(b);
    return ok;
}

TEST(figure_is_written)
{
    const char *dir = fixture_dir("tuning_fig");
    cj_tuning_level_opts o = {.bins = 8, .circular = CJ_TUNING_RADIANS};
    ref_case c = run_case("dir.raw", "dir.x", "dir.level", 210, 6, &o);
    if (!c.ok) {
        case_free(&c);
        free((char *)dir);
        return;
    }
    int order[6];
    cj_tuning_rank(&c.t, order);
    char *path = cj_path_join(dir, "dir.png");
    cj_error e;
    CHECK(cj_tuning_figure(&c.t, &c.lv, order, 4, "test", "direction", path, &e) == CJ_OK && is_png(path));
    free(path);
    path = cj_path_join(dir, "dir.txt");
    CHECK(cj_tuning_figure(&c.t, &c.lv, order, 4, "test", "direction", path, &e) != CJ_OK);
    free(path);
    case_free(&c);
    free((char *)dir);
}

TEST(reference_loads) { have_ref = ref_text_load(&ref, REF); }

/* Under LeakSanitizer, fontconfig's one-time allocations when cairo first
 * draws text are not ours (as in test_plot.c). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

int main(void)
{
    RUN(reference_loads);
    RUN(f_tail_matches_scipy);
    RUN(incomplete_beta_closed_forms);
    RUN(categories_match_scipy);
    RUN(direction_bins_match_scipy);
    RUN(degrees_wrap_and_match);
    RUN(equal_count_bins);
    RUN(given_edges);
    RUN(named_levels_in_order_of_appearance);
    RUN(rank_puts_the_most_selective_first);
    RUN(level_errors);
    RUN(responses_windows_and_maps);
    RUN(csv_text_columns);
    RUN(figure_is_written);
    if (have_ref) ref_text_free(&ref);
    return test_summary("tuning");
}
