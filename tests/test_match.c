/* test_match.c — unit matching: KDEs against scikit-learn (references from
 * tools/make_kde_refs.py), the grid path against the exact one, the Naive
 * Bayes posterior against its closed form, the degenerate-distance pitfall,
 * drift recovery with outliers, and ROC AUC / precision / recall / F1
 * against scikit-learn. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/match.h"
#include "cajal/rng.h"
#include "harness.h"

#define REF "tests/ref/"

/* ---- reference files: sections "<name> <count>" then count values ------- */

enum { MAX_SECTIONS = 16 };

typedef struct {
    char name[32];
    size_t n;
    double *v;
} ref_section;

typedef struct {
    int n;
    ref_section s[MAX_SECTIONS];
} ref_file;

static void ref_free(ref_file *f)
{
    for (int i = 0; i < f->n; i++) free(f->s[i].v);
    f->n = 0;
}

/* 1 on success; on failure prints why and returns 0. */
static int ref_load(const char *path, ref_file *f)
{
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        printf("  cannot open %s (run /usr/bin/python3 tools/make_kde_refs.py)\n", path);
        return 0;
    }
    char line[256];
    int ok = 1;
    while (ok && fgets(line, sizeof line, fp)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        ref_section *s = &f->s[f->n];
        if (f->n == MAX_SECTIONS || sscanf(line, "%31s %zu", s->name, &s->n) != 2) {
            ok = 0;
            break;
        }
        s->v = malloc((s->n ? s->n : 1) * sizeof *s->v);
        f->n++;
        for (size_t i = 0; ok && i < s->n; i++)
            ok = s->v && fgets(line, sizeof line, fp) && sscanf(line, "%lf", &s->v[i]) == 1;
    }
    fclose(fp);
    if (!ok) {
        printf("  %s: malformed\n", path);
        ref_free(f);
    }
    return ok;
}

static const ref_section *ref_get(const ref_file *f, const char *name)
{
    static const ref_section empty = {"", 0, NULL};
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->s[i].name, name)) return &f->s[i];
    printf("  section %s missing\n", name);
    return &empty;
}

static float *to_float(const ref_section *s)
{
    float *x = malloc((s->n ? s->n : 1) * sizeof *x);
    for (size_t i = 0; i < s->n; i++) x[i] = (float)s->v[i];
    return x;
}

/* ---- KDE against scikit-learn ------------------------------------------- */

typedef struct {
    const char *file;
    cj_kde_bw_rule rule;
    int reflect;
} kde_case;

static const kde_case kde_cases[] = {
    {"kde_normal.txt", CJ_KDE_BW_FIXED, 0},     {"kde_bimodal.txt", CJ_KDE_BW_FIXED, 0},
    {"kde_ties.txt", CJ_KDE_BW_FIXED, 0},       {"kde_scott.txt", CJ_KDE_BW_SCOTT, 0},
    {"kde_silverman.txt", CJ_KDE_BW_SILVERMAN, 0}, {"kde_reflect_lo.txt", CJ_KDE_BW_FIXED, 1},
    {"kde_reflect_both.txt", CJ_KDE_BW_FIXED, 1},
};
enum { N_KDE_CASES = sizeof kde_cases / sizeof kde_cases[0] };

/* Fit the case's samples with its options; 1 on success. */
static int fit_case(const kde_case *c, const ref_file *f, cj_kde *k)
{
    const ref_section *xs = ref_get(f, "samples");
    cj_kde_opts o;
    cj_kde_defaults(&o);
    o.rule = c->rule;
    if (c->rule == CJ_KDE_BW_FIXED) o.bandwidth = ref_get(f, "bandwidth")->v[0];
    if (c->reflect) {
        o.boundary = CJ_KDE_BOUND_REFLECT;
        o.lo = ref_get(f, "lo")->v[0];
        o.hi = ref_get(f, "hi")->v[0];
    }
    float *x = to_float(xs);
    cj_error err = {0};
    cj_status st = cj_kde_fit(k, x, xs->n, &o, &err);
    free(x);
    if (st) printf("  %s: %s\n", c->file, err.msg);
    return st == CJ_OK;
}

TEST(kde_exact_matches_sklearn)
{
    for (int ci = 0; ci < N_KDE_CASES; ci++) {
        const kde_case *c = &kde_cases[ci];
        char path[256];
        snprintf(path, sizeof path, REF "%s", c->file);
        ref_file f;
        cj_kde k;
        if (!ref_load(path, &f)) {
            CHECK(0);
            continue;
        }
        if (!fit_case(c, &f, &k)) {
            CHECK(0);
            ref_free(&f);
            continue;
        }
        double h_ref = ref_get(&f, "bandwidth")->v[0];
        CHECK_NEAR(k.bandwidth, h_ref, 1e-9 * h_ref);
        const ref_section *q = ref_get(&f, "queries"), *ld = ref_get(&f, "log_density");
        double worst = 0.0;
        for (size_t i = 0; i < q->n; i++) {
            double got = cj_kde_log_density_at(&k, (float)q->v[i]);
            double e = fabs(got - ld->v[i]) / fmax(1.0, fabs(ld->v[i]));
            if (!(e <= worst)) worst = e;
        }
        /* The float32 array interface rounds only the output. */
        float *qf = to_float(q), *out = malloc(q->n * sizeof *out);
        cj_kde_log_density(&k, qf, q->n, out);
        double worst_f = 0.0;
        for (size_t i = 0; i < q->n; i++) {
            double e = fabs(out[i] - ld->v[i]) / fmax(1.0, fabs(ld->v[i]));
            if (!(e <= worst_f)) worst_f = e;
        }
        printf("  %-22s h %-10.4g exact: max rel err %.2e (float32 out %.2e)\n", c->file, k.bandwidth, worst,
               worst_f);
        /* scikit-learn's tree walk is itself 2e-7 off the brute-force sum in
         * one tail of kde_reflect_both (tools/make_kde_refs.py prints it);
         * elsewhere the two agree to ~1e-14. */
        CHECK(worst <= 1e-6);
        CHECK(worst_f <= 1e-6);
        free(qf);
        free(out);
        cj_kde_free(&k);
        ref_free(&f);
    }
}

/* Largest |fast - exact| over the reference queries and 20,000 random
 * points spanning the samples +- 12 h. */
static double grid_error(const cj_kde *k, const ref_section *q, cj_rng *rng)
{
    double worst = 0.0, lo = k->pts[0] - 12 * k->bandwidth, hi = k->pts[k->n_pts - 1] + 12 * k->bandwidth;
    for (size_t i = 0; i < q->n + 20000; i++) {
        double x = i < q->n ? q->v[i] : lo + (hi - lo) * cj_rng_uniform(rng);
        double e = fabs(cj_kde_log_density_fast_at(k, x) - cj_kde_log_density_at(k, x));
        if (!(e <= worst)) worst = e;
    }
    return worst;
}

TEST(kde_grid_within_documented_tolerance)
{
    cj_rng rng;
    cj_rng_seed(&rng, 7);
    for (int ci = 0; ci < N_KDE_CASES; ci++) {
        const kde_case *c = &kde_cases[ci];
        char path[256];
        snprintf(path, sizeof path, REF "%s", c->file);
        ref_file f;
        cj_kde k;
        if (!ref_load(path, &f) || !fit_case(c, &f, &k)) {
            CHECK(0);
            ref_free(&f);
            continue;
        }
        double worst = grid_error(&k, ref_get(&f, "queries"), &rng);
        printf("  %-22s %6zu nodes, %3zu exact cells, grid_err %.1e, measured %.1e nats\n", c->file, k.grid_n,
               k.grid_n_exact, k.grid_err, worst);
        CHECK(k.grid_n > 1);
        CHECK(k.grid_err <= 1e-4);
        CHECK(worst <= 2e-4); /* grid_tol, with margin for points between the probes */
        cj_kde_free(&k);
        ref_free(&f);
    }
}

/* A grid 8x too coarse still meets its tolerance: the cells that miss are
 * evaluated exactly. */
TEST(kde_coarse_grid_falls_back_to_exact)
{
    ref_file f;
    cj_kde k;
    if (!ref_load(REF "kde_bimodal.txt", &f)) {
        CHECK(0);
        return;
    }
    const ref_section *xs = ref_get(&f, "samples");
    float *x = to_float(xs);
    cj_kde_opts o;
    cj_kde_defaults(&o);
    o.bandwidth = 0.2;
    o.grid_step = 2.0;
    cj_error err;
    CHECK(cj_kde_fit(&k, x, xs->n, &o, &err) == CJ_OK);
    cj_rng rng;
    cj_rng_seed(&rng, 8);
    double worst = grid_error(&k, ref_get(&f, "queries"), &rng);
    printf("  step 2h: %zu of %zu cells exact, measured %.1e nats\n", k.grid_n_exact, k.grid_n - 1, worst);
    CHECK(k.grid_n_exact > 0);
    CHECK(worst <= 2e-4);
    cj_kde_free(&k);
    free(x);
    ref_free(&f);
}

TEST(kde_rejects_bad_input_and_floors_degenerate_samples)
{
    cj_kde k;
    cj_kde_opts o;
    cj_error err = {0};
    float same[5] = {3.5f, 3.5f, 3.5f, 3.5f, 3.5f};
    cj_kde_defaults(&o);
    o.rule = CJ_KDE_BW_SCOTT;
    CHECK(cj_kde_fit(&k, same, 5, &o, &err) == CJ_ERR_NUMERIC);
    CHECK(strstr(err.msg, "min_bandwidth") != NULL);
    o.min_bandwidth = 0.25;
    CHECK(cj_kde_fit(&k, same, 5, &o, &err) == CJ_OK);
    CHECK(k.floored == 1);
    CHECK_NEAR(k.bandwidth, 0.25, 0);
    /* a delta smoothed by the floor: exactly one normal of sd 0.25 */
    CHECK_NEAR(cj_kde_log_density_at(&k, 3.5), -log(0.25) - 0.5 * log(2 * M_PI), 1e-12);
    cj_kde_free(&k);

    CHECK(cj_kde_fit(&k, same, 0, &o, &err) == CJ_ERR_ARG);
    float bad[3] = {1.0f, NAN, 2.0f};
    CHECK(cj_kde_fit(&k, bad, 3, &o, &err) == CJ_ERR_NUMERIC);
    CHECK(strstr(err.msg, "sample 1") != NULL);
    cj_kde_defaults(&o);
    o.bandwidth = -1.0;
    CHECK(cj_kde_fit(&k, same, 5, &o, &err) == CJ_ERR_ARG);
    cj_kde_defaults(&o);
    o.boundary = CJ_KDE_BOUND_REFLECT;
    o.lo = 0.0;
    o.hi = 1.0;
    CHECK(cj_kde_fit(&k, same, 5, &o, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "outside the support") != NULL);
}

/* ---- Naive Bayes --------------------------------------------------------- */

static double normal_pdf(double x, double mu, double sd)
{
    double z = (x - mu) / sd;
    return exp(-0.5 * z * z) / (sd * sqrt(2 * M_PI));
}

/* Mean of normal densities centred on c[0..n) with sd h: a KDE written out. */
static double mixture(double x, const double *c, int n, double h)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += normal_pdf(x, c[i], h);
    return s / n;
}

TEST(nb_posterior_matches_closed_form)
{
    /* 2 matches and 3 non-matches with fixed bandwidths: every density is a
     * small mixture of normals, so P(match) can be written down. */
    const float sim[5] = {0.7f, 0.9f, 0.1f, 0.3f, 0.2f};
    const float dist[5] = {3.0f, 8.0f, 40.0f, 90.0f, 150.0f};
    const unsigned char lab[5] = {1, 1, 0, 0, 0};
    const double sm[2] = {0.7, 0.9}, dm[2] = {3.0, 8.0}, sn[3] = {0.1, 0.3, 0.2}, dn[3] = {40, 90, 150};
    const double hs = 0.15, hd = 20.0;
    cj_match_nb_opts o;
    cj_match_nb_defaults(&o);
    cj_kde_defaults(&o.sim);
    cj_kde_defaults(&o.dist);
    o.sim.bandwidth = hs;
    o.dist.bandwidth = hd;
    cj_match_nb m;
    cj_error err;
    if (cj_match_nb_fit(&m, sim, dist, lab, 5, &o, &err)) {
        printf("  %s\n", err.msg);
        CHECK(0);
        return;
    }
    CHECK_NEAR(m.prior, 0.4, 1e-15); /* default: 2 of 5 training pairs */
    const double priors[3] = {0.4, 0.01, 0.9};
    double worst_exact = 0, worst_fast = 0;
    for (int pi = 0; pi < 3; pi++) {
        CHECK(cj_match_nb_set_prior(&m, priors[pi], &err) == CJ_OK);
        for (int a = 0; a <= 20; a++)
            for (int b = 0; b <= 20; b++) {
                float s = -0.2f + 0.07f * (float)a, d = -10.0f + 9.0f * (float)b;
                double pm = priors[pi] * mixture(s, sm, 2, hs) * mixture(d, dm, 2, hd);
                double pn = (1 - priors[pi]) * mixture(s, sn, 3, hs) * mixture(d, dn, 3, hd);
                double want = pm / (pm + pn);
                float got_e, got_f;
                cj_match_nb_posterior_exact(&m, &s, &d, 1, &got_e);
                cj_match_nb_posterior(&m, &s, &d, 1, &got_f);
                worst_exact = fmax(worst_exact, fabs(got_e - want));
                worst_fast = fmax(worst_fast, fabs(got_f - want));
            }
    }
    printf("  max |P - closed form|: exact %.1e, grid %.1e\n", worst_exact, worst_fast);
    CHECK(worst_exact <= 1e-6);
    CHECK(worst_fast <= 2e-4);
    CHECK(cj_match_nb_set_prior(&m, 1.0, &err) == CJ_ERR_ARG);
    float nan_s = NAN, d0 = 5, p;
    cj_match_nb_posterior(&m, &nan_s, &d0, 1, &p);
    CHECK(isnan(p));
    cj_match_nb_free(&m);

    unsigned char all_match[5] = {1, 1, 1, 1, 1};
    CHECK(cj_match_nb_fit(&m, sim, dist, all_match, 5, &o, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "both classes") != NULL);
}

/* Within-session quasi-ground truth for 300 units on a 3 mm stretch of
 * probe: each unit's two halves are a match, 20,000 random pairs of
 * different units are non-matches. Match similarity ~ N(0.85, 0.06),
 * non-match ~ N(0.35, 0.12). Distances of non-matches are |y1 - y2| for
 * units uniform along the probe; distances of matches are either exactly 0
 * (both halves given the unit's one position: the exact-distance variant)
 * or the distance between the centroids of the two halves, each off by
 * N(0, 3 µm) per coordinate (the centroid variant). */
static void pitfall_training(cj_rng *rng, int centroid, float *sim, float *dist, unsigned char *lab, size_t n_match,
                             size_t n)
{
    for (size_t i = 0; i < n; i++) {
        lab[i] = i < n_match;
        if (lab[i]) {
            sim[i] = fminf(1.0f, 0.85f + 0.06f * cj_rng_normal(rng));
            float ex = 3.0f * cj_rng_normal(rng) - 3.0f * cj_rng_normal(rng);
            float ey = 3.0f * cj_rng_normal(rng) - 3.0f * cj_rng_normal(rng);
            dist[i] = centroid ? sqrtf(ex * ex + ey * ey) : 0.0f;
        } else {
            sim[i] = fmaxf(-1.0f, fminf(1.0f, 0.35f + 0.12f * cj_rng_normal(rng)));
            dist[i] = fabsf(3000.0f * cj_rng_uniform(rng) - 3000.0f * cj_rng_uniform(rng));
        }
    }
}

/* P(match | s, d) at the query point of the pitfall test. */
static float posterior_at(const cj_match_nb *m, float s, float d)
{
    float p;
    cj_match_nb_posterior(m, &s, &d, 1, &p);
    return p;
}

TEST(nb_pitfall_degenerate_match_distances)
{
    enum { N_MATCH = 300, N = 20300 };
    float *sim = malloc(N * sizeof *sim), *dist = malloc(N * sizeof *dist);
    unsigned char *lab = malloc(N);
    /* A nearby non-match: two different units on the same site (d = 0)
     * whose waveforms are only moderately alike. */
    const float s = 0.61f, d = 0.0f;
    float p[2] = {NAN, NAN}, s50[2] = {NAN, NAN};
    double lr_d[2] = {NAN, NAN};
    for (int centroid = 0; centroid < 2; centroid++) {
        cj_rng rng;
        cj_rng_seed(&rng, 11);
        pitfall_training(&rng, centroid, sim, dist, lab, N_MATCH, N);
        cj_match_nb_opts o;
        cj_match_nb_defaults(&o);
        cj_match_nb m;
        cj_error err;
        if (cj_match_nb_fit(&m, sim, dist, lab, N, &o, &err)) {
            printf("  %s\n", err.msg);
            CHECK(0);
            break;
        }
        /* "Low similarity": on its own it says non-match. */
        CHECK(cj_kde_log_density_at(&m.sim[1], s) < cj_kde_log_density_at(&m.sim[0], s));
        CHECK(m.dist[1].floored == !centroid); /* the collapse is detected */
        lr_d[centroid] = exp(cj_kde_log_density_at(&m.dist[1], d) - cj_kde_log_density_at(&m.dist[0], d));
        p[centroid] = posterior_at(&m, s, d);
        /* The lowest similarity (to 0.005) at which a same-site pair is called a match. */
        for (float t = 0.3f; t <= 1.0f; t += 0.005f)
            if (posterior_at(&m, t, d) >= 0.5f) {
                s50[centroid] = t;
                break;
            }
        printf("  %-8s variant: h(d|match) %.2f um, LR(d = 0) %5.0f, P(match | s %.2f, d 0) = %.3f, "
               "P >= 0.5 from s = %.3f\n",
               centroid ? "centroid" : "exact", m.dist[1].bandwidth, lr_d[centroid], (double)s,
               (double)p[centroid], (double)s50[centroid]);
        cj_match_nb_free(&m);
    }
    CHECK(p[0] > 0.5);  /* exact distances: a confident false match */
    CHECK(p[1] < 0.15); /* centroid distances: rejected */
    CHECK(lr_d[0] > 10 * lr_d[1]);
    CHECK(s50[0] + 0.03f < s50[1]);
    free(sim);
    free(dist);
    free(lab);
}

/* The grid path of the classifier against the exact one, with the default
 * options (reflection at the bounds), over pairs of every kind: four log
 * densities each within grid_tol = 1e-4 nats move P by at most
 * P (1 - P) 4e-4 <= 1e-4. */
TEST(nb_grid_matches_exact)
{
    enum { N_MATCH = 300, N = 20300, NQ = 3000 };
    float *sim = malloc(N * sizeof *sim), *dist = malloc(N * sizeof *dist);
    unsigned char *lab = malloc(N);
    cj_rng rng;
    cj_rng_seed(&rng, 12);
    pitfall_training(&rng, 1, sim, dist, lab, N_MATCH, N);
    cj_match_nb_opts o;
    cj_match_nb_defaults(&o);
    cj_match_nb m;
    cj_error err;
    CHECK(cj_match_nb_fit(&m, sim, dist, lab, N, &o, &err) == CJ_OK);
    /* queries: half near the matches, half anywhere */
    float qs[NQ], qd[NQ], pf[NQ], pe[NQ];
    for (int i = 0; i < NQ; i++) {
        qs[i] = i % 2 ? -1.0f + 2.0f * cj_rng_uniform(&rng) : 0.5f + 0.5f * cj_rng_uniform(&rng);
        qd[i] = i % 2 ? 3200.0f * cj_rng_uniform(&rng) : 30.0f * cj_rng_uniform(&rng);
    }
    cj_match_nb_posterior(&m, qs, qd, NQ, pf);
    cj_match_nb_posterior_exact(&m, qs, qd, NQ, pe);
    double worst = 0.0, pmax = 0.0;
    for (int i = 0; i < NQ; i++) {
        worst = fmax(worst, fabs((double)pf[i] - (double)pe[i]));
        pmax = fmax(pmax, pe[i]);
    }
    printf("  max |P grid - P exact| %.1e over %d pairs (largest P %.3f)\n", worst, NQ, pmax);
    CHECK(worst <= 1e-4);
    CHECK(pmax > 0.9); /* the queries did include likely matches */
    cj_match_nb_free(&m);
    free(sim);
    free(dist);
    free(lab);
}

/* ---- drift --------------------------------------------------------------- */

TEST(drift_recovers_shift_with_outliers)
{
    enum { N = 500 };
    float dx[N], dy[N], prob[N];
    cj_rng rng;
    cj_rng_seed(&rng, 3);
    size_t confident = 0;
    for (int i = 0; i < N; i++) {
        float u = cj_rng_uniform(&rng);
        if (u < 0.8f) { /* true matches: shift (-12, 37) µm plus position noise */
            dx[i] = -12.0f + 3.0f * cj_rng_normal(&rng);
            dy[i] = 37.0f + 3.0f * cj_rng_normal(&rng);
        } else { /* false matches anywhere within 300 µm */
            dx[i] = -40.0f + 80.0f * cj_rng_uniform(&rng);
            dy[i] = -300.0f + 600.0f * cj_rng_uniform(&rng);
        }
        /* Most pairs look confident, outliers included; a few do not and
         * carry a decoy shift that must be ignored. */
        prob[i] = i % 10 == 0 ? 0.2f : 0.9f;
        if (i % 10 == 0) dy[i] = -150.0f;
        confident += prob[i] >= 0.5f;
    }
    cj_drift_opts o;
    cj_drift_defaults(&o);
    cj_drift out;
    cj_error err;
    CHECK(cj_drift_estimate(NULL, dy, prob, N, &o, &out, &err) == CJ_OK);
    printf("  y only: dy %.2f um from %zu pairs (%zu inliers)\n", (double)out.dy, out.n_used, out.n_inliers);
    CHECK_NEAR(out.dy, 37.0, 2.0);
    CHECK(out.n_used == confident);
    CHECK(out.dx == 0.0f);
    o.estimate_x = 1;
    CHECK(cj_drift_estimate(dx, dy, prob, N, &o, &out, &err) == CJ_OK);
    printf("  x and y: (%.2f, %.2f) um\n", (double)out.dx, (double)out.dy);
    CHECK_NEAR(out.dx, -12.0, 2.0);
    CHECK_NEAR(out.dy, 37.0, 2.0);
    o.min_prob = 0.95f;
    CHECK(cj_drift_estimate(dx, dy, prob, N, &o, &out, &err) == CJ_ERR_NUMERIC);
    CHECK(strstr(err.msg, "need 3") != NULL);
}

TEST(drift_from_mutual_best_matches)
{
    /* 60 units in A; 48 survive into B, moved by +37 µm along y; 12 new
     * units in B. 6 false pairs out-score the true partner of an A unit. */
    enum { NA = 60, NB = 60 };
    float pos_a[NA * 2], pos_b[NB * 2], prob[NA * NB];
    int partner[NA];
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    for (int i = 0; i < NA; i++) {
        pos_a[2 * i] = 11.0f + 16.0f * (float)cj_rng_below(&rng, 4);
        pos_a[2 * i + 1] = 2000.0f * cj_rng_uniform(&rng);
    }
    for (int j = 0; j < NB; j++) {
        pos_b[2 * j] = 11.0f + 16.0f * (float)cj_rng_below(&rng, 4);
        pos_b[2 * j + 1] = 2000.0f * cj_rng_uniform(&rng);
    }
    for (int i = 0; i < NA; i++) {
        partner[i] = i < 48 ? (i * 7) % NB : -1; /* 7 is coprime with 60: a permutation */
        if (partner[i] >= 0) {
            int j = partner[i];
            pos_b[2 * j] = pos_a[2 * i] + 2.0f * cj_rng_normal(&rng);
            pos_b[2 * j + 1] = pos_a[2 * i + 1] + 37.0f + 2.0f * cj_rng_normal(&rng);
        }
    }
    for (int i = 0; i < NA; i++)
        for (int j = 0; j < NB; j++)
            prob[i * NB + j] = j == partner[i] ? 0.7f + 0.29f * cj_rng_uniform(&rng) : 0.3f * cj_rng_uniform(&rng);
    for (int k = 0; k < 6; k++) prob[(k * 8) * NB + (NB - 1 - k)] = 0.995f;
    cj_drift_opts o;
    cj_drift_defaults(&o);
    cj_drift out;
    cj_error err;
    CHECK(cj_drift_mutual_best(prob, NA, NB, pos_a, pos_b, &o, &out, &err) == CJ_OK);
    printf("  mutual best: dy %.2f um from %zu pairs (%zu inliers)\n", (double)out.dy, out.n_used,
           out.n_inliers);
    CHECK_NEAR(out.dy, 37.0, 2.0);
    CHECK(out.n_used >= 40);
}

/* ---- evaluation ---------------------------------------------------------- */

TEST(auc_precision_recall_match_sklearn)
{
    const char *files[3] = {"auc_ties.txt", "auc_random.txt", "auc_alltied.txt"};
    for (int fi = 0; fi < 3; fi++) {
        char path[256];
        snprintf(path, sizeof path, REF "%s", files[fi]);
        ref_file f;
        if (!ref_load(path, &f)) {
            CHECK(0);
            continue;
        }
        const ref_section *sc = ref_get(&f, "score"), *lb = ref_get(&f, "label");
        float *score = to_float(sc);
        unsigned char *label = malloc(lb->n);
        for (size_t i = 0; i < lb->n; i++) label[i] = lb->v[i] != 0.0;
        double auc = -1;
        cj_error err;
        CHECK(cj_roc_auc(score, label, sc->n, &auc, &err) == CJ_OK);
        CHECK_NEAR(auc, ref_get(&f, "auc")->v[0], 1e-12);
        cj_binary_scores b;
        cj_binary_scores_at(score, label, sc->n, (float)ref_get(&f, "threshold")->v[0], &b);
        CHECK_NEAR(b.precision, ref_get(&f, "precision")->v[0], 1e-12);
        CHECK_NEAR(b.recall, ref_get(&f, "recall")->v[0], 1e-12);
        CHECK_NEAR(b.f1, ref_get(&f, "f1")->v[0], 1e-12);
        CHECK(b.tp + b.fp + b.tn + b.fn == sc->n);
        printf("  %-16s AUC %.6f (sklearn %.6f)  P %.4f R %.4f F1 %.4f\n", files[fi], auc,
               ref_get(&f, "auc")->v[0], b.precision, b.recall, b.f1);
        free(score);
        free(label);
        ref_free(&f);
    }
}

TEST(auc_edge_cases)
{
    float s[4] = {0.1f, 0.4f, 0.35f, 0.8f};
    unsigned char y[4] = {0, 0, 1, 1}, none[4] = {0, 0, 0, 0};
    double auc;
    cj_error err;
    CHECK(cj_roc_auc(s, y, 4, &auc, &err) == CJ_OK);
    CHECK_NEAR(auc, 0.75, 1e-15); /* the textbook example of roc_auc_score's docs */
    CHECK(cj_roc_auc(s, none, 4, &auc, &err) == CJ_ERR_ARG);
    CHECK(isnan(auc));
    s[2] = NAN;
    CHECK(cj_roc_auc(s, y, 4, &auc, &err) == CJ_ERR_NUMERIC);
    cj_binary_scores b;
    cj_binary_scores_at(s, none, 4, 2.0f, &b); /* nothing predicted, nothing positive */
    CHECK(b.precision == 0.0 && b.recall == 0.0 && b.f1 == 0.0 && b.tn == 4);
}

int main(void)
{
    RUN(kde_exact_matches_sklearn);
    RUN(kde_grid_within_documented_tolerance);
    RUN(kde_coarse_grid_falls_back_to_exact);
    RUN(kde_rejects_bad_input_and_floors_degenerate_samples);
    RUN(nb_posterior_matches_closed_form);
    RUN(nb_pitfall_degenerate_match_distances);
    RUN(nb_grid_matches_exact);
    RUN(drift_recovers_shift_with_outliers);
    RUN(drift_from_mutual_best_matches);
    RUN(auc_precision_recall_match_sklearn);
    RUN(auc_edge_cases);
    return test_summary("match");
}
