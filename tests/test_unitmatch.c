/* test_unitmatch.c — tracking neurons across sessions: positions, drift,
 * the Naive Bayes variants, tracking, and `cajal match` as a user meets it.
 *
 * A small simulated set (3 sessions x 60 units, cj_ephys_simulate, fixed
 * seed) provides the truth: truth.csv says which units are one neuron,
 * drift.csv each session's rigid shift (and the probe's motion between its
 * two halves) and neurons.csv where each neuron
 * sits. Helpers and tracking are checked against closed forms on hand-made
 * inputs. The command runs as the binary named by $CAJAL (set by make test). */
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "cajal/npy.h"
#include "cajal/unitmatch.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"

enum { N_SESSIONS = 3, N_UNITS = 60, MAX_NEURONS = 1024, SEED = 7 };

static char g_dir[64];
static const char *g_cajal;
static cj_ephys_session g_sessions[N_SESSIONS];
static int g_truth[N_SESSIONS * N_UNITS];
static float g_shift[N_SESSIONS], g_within[N_SESSIONS]; /* drift.csv, µm */
static float g_nx[MAX_NEURONS], g_ny[MAX_NEURONS];
static int g_ready;
static cj_unitmatch_result g_result;
static int g_ran;
static char g_output[16384];

/* ---- helpers ------------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) { return remove(path); }
static void rm_rf(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The q-quantile of v[0..n) (sorts v). */
static double quantile(double *v, int n, double q)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[(int)(q * (n - 1))];
}

static int run_cli(const char *args) { return run_cajal(g_cajal, args, g_output, sizeof g_output); }

/* drift.csv and neurons.csv of the simulated set. */
static int read_sim_files(void)
{
    char path[256], line[256];
    snprintf(path, sizeof path, "%s/drift.csv", g_dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int s;
    float shift, within;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "session%d,%f,%f", &s, &shift, &within) == 3 && s >= 1 && s <= N_SESSIONS)
            g_shift[s - 1] = shift, g_within[s - 1] = within;
    fclose(f);
    snprintf(path, sizeof path, "%s/neurons.csv", g_dir);
    if (!(f = fopen(path, "r"))) return 0;
    int n;
    float x, y, z;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%d,%f,%f,%f", &n, &x, &y, &z) == 4 && n >= 0 && n < MAX_NEURONS) g_nx[n] = x, g_ny[n] = y;
    fclose(f);
    return 1;
}

static int setup(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/cajal-test-unitmatch-XXXXXX");
    if (!mkdtemp(g_dir)) return 0;
    cj_ephys_sim_opts o;
    cj_ephys_sim_defaults(&o);
    o.n_sessions = N_SESSIONS;
    o.n_units = N_UNITS;
    cj_rng rng;
    cj_rng_seed(&rng, SEED);
    cj_error err;
    if (cj_ephys_simulate(g_dir, &o, &rng, NULL, &err)) {
        printf("  simulate: %s\n", err.msg);
        return 0;
    }
    for (int s = 0; s < N_SESSIONS; s++) {
        char path[128];
        snprintf(path, sizeof path, "%s/session%d", g_dir, s + 1);
        if (cj_ephys_session_load(path, &g_sessions[s], &err)) {
            printf("  load: %s\n", err.msg);
            return 0;
        }
    }
    char path[128];
    snprintf(path, sizeof path, "%s/truth.csv", g_dir);
    if (cj_unitmatch_truth_read(path, g_sessions, N_SESSIONS, g_truth, &err)) {
        printf("  truth: %s\n", err.msg);
        return 0;
    }
    return read_sim_files();
}

/* The pipeline on the simulated set, once for all tests that need it. */
static const cj_unitmatch_result *result(void)
{
    if (g_ran) return g_ran > 0 ? &g_result : NULL;
    cj_unitmatch_opts o;
    cj_unitmatch_defaults(&o);
    cj_rng rng;
    cj_rng_seed(&rng, 1);
    cj_error err;
    g_ran = cj_unitmatch_run(g_sessions, N_SESSIONS, g_truth, &o, &rng, &g_result, &err) ? -1 : 1;
    if (g_ran < 0) printf("  cj_unitmatch_run: %s\n", err.msg);
    return g_ran > 0 ? &g_result : NULL;
}

/* ---- closed forms ----------------------------------------------------------- */

TEST(similarity_is_the_cross_half_cosine)
{
    /* dim 2: a's halves (1,0), (0,1); b's (0,1), (0.6,0.8). */
    float ea[4] = {1, 0, 0, 1}, eb[4] = {0, 1, 0.6f, 0.8f}, s;
    cj_unitmatch_similarity(ea, 1, eb, 1, 2, &s);
    CHECK_NEAR(s, 0.5 * (1 * 0.6 + 1 * 1.0), 1e-6); /* (a0.b1 + a1.b0) / 2 */
    cj_unitmatch_similarity(ea, 1, ea, 1, 2, &s);
    CHECK_NEAR(s, 0.0, 1e-6); /* a unit against itself: cos(half 0, half 1) */

    /* Two identical halves (templates.npy used for both): a unit vector
     * whose float self-product rounds past 1 must still give exactly 1,
     * the edge of the similarity densities' support. */
    float e[8];
    double ss = 0.0;
    for (int k = 0; k < 4; k++) e[k] = 1.0f + 0.1f * (float)k, ss += (double)e[k] * e[k];
    for (int k = 0; k < 4; k++) e[k] *= (float)(1.0 / sqrt(ss)), e[4 + k] = e[k];
    cj_unitmatch_similarity(e, 1, e, 1, 4, &s);
    CHECK(s <= 1.0f && s > 0.9999f);

    cj_unit_position a = {.half_x_um = {0, 3}, .half_y_um = {0, 4}};
    cj_unit_position b = {.half_x_um = {0, 0}, .half_y_um = {10, 22}};
    /* |a0 - b1| = |(0, 0) - (0, 22)| = 22, |a1 - b0| = |(3, 4) - (0, 10)| = sqrt(45);
     * with b moved by -12 um: |(0, 0) - (0, 10)| = 10, |(3, 4) - (0, -2)| = sqrt(45). */
    CHECK_NEAR(cj_unitmatch_half_distance(&a, &b, 0.0f), 0.5 * (22.0 + sqrt(45.0)), 1e-4);
    CHECK_NEAR(cj_unitmatch_half_distance(&a, &b, 12.0f), 0.5 * (10.0 + sqrt(45.0)), 1e-4);
    CHECK_NEAR(cj_unitmatch_half_distance(&a, &a, 0.0f), 5.0, 1e-5);
}

/* Three sessions, units 0 | 1, 2 | 3 (first = {0, 1, 3, 4}). */
TEST(tracking_liberal_chains_conservative_needs_cliques)
{
    int first[4] = {0, 1, 3, 4};
    cj_unitmatch_pair pairs[4] = {
        {.session_a = 0, .unit_a = 0, .session_b = 1, .unit_b = 0, .probability = 0.9f, .logit = 2.2f},
        {.session_a = 1, .unit_a = 0, .session_b = 2, .unit_b = 0, .probability = 0.8f, .logit = 1.4f},
        {.session_a = 0, .unit_a = 0, .session_b = 2, .unit_b = 0, .probability = 0.1f, .logit = -2.2f},
        {.session_a = 0, .unit_a = 0, .session_b = 1, .unit_b = 1, .probability = 0.7f, .logit = 0.8f},
    };
    int lib[4], con[4], n_lib, n_con;
    cj_error err;
    CHECK(cj_unitmatch_track(pairs, 4, first, 3, 0.5f, lib, con, &n_lib, &n_con, &err) == CJ_OK);
    /* Liberal: 0-1, 1-3 and 0-2 chain everything into one neuron. */
    CHECK(n_lib == 1 && lib[0] == 1 && lib[1] == 1 && lib[2] == 1 && lib[3] == 1);
    /* Conservative: 0-1 first (highest P); 3 would need 0-3 too (P 0.1);
     * 2 is in 1's session, never a match of 1. */
    CHECK(n_con == 3);
    CHECK(con[0] == con[1] && con[2] != con[0] && con[3] != con[0] && con[2] != con[3]);
    CHECK(con[0] == 1 && con[2] == 2 && con[3] == 3); /* numbered by first unit */
}

/* ---- on the simulated set --------------------------------------------------- */

TEST(positions_near_the_truth)
{
    CHECK(g_ready);
    if (!g_ready) return;
    double dy[N_SESSIONS * N_UNITS], dx[N_SESSIONS * N_UNITS], mid[N_SESSIONS * N_UNITS];
    int n = 0, nx = 0;
    for (int s = 0; s < N_SESSIONS; s++) {
        cj_unit_position pos[N_UNITS];
        cj_position_opts o;
        cj_position_defaults(&o);
        cj_error err;
        CHECK(cj_unit_positions(&g_sessions[s], &o, pos, &err) == CJ_OK);
        double moved[N_UNITS];
        int nu = g_sessions[s].n_units;
        for (int u = 0; u < nu; u++, n++) {
            int who = g_truth[s * N_UNITS + u];
            dy[n] = fabs(pos[u].y_um - (g_ny[who] + g_shift[s]));
            /* Across the shank the centroid cannot leave the sites (11-59 um). */
            if (g_nx[who] > 15 && g_nx[who] < 55) dx[nx++] = fabs(pos[u].x_um - g_nx[who]);
            mid[n] = fabs(pos[u].y_um - 0.5 * (pos[u].half_y_um[0] + pos[u].half_y_um[1]));
            moved[u] = pos[u].half_y_um[1] - pos[u].half_y_um[0];
        }
        /* The probe moved by within_shift_um between the halves of this
         * session (the same for every unit, plus N(0, 0.6 um) per half):
         * the per-half centroids follow it. */
        double med = quantile(moved, nu, 0.5);
        CHECK_NEAR(med, g_within[s], 0.75);
    }
    /* The simulator moves each unit by N(0, 2 um) along the probe per session. */
    double med_y = quantile(dy, n, 0.5), q90_y = quantile(dy, n, 0.9), med_x = quantile(dx, nx, 0.5);
    CHECK(med_y < 4.0);
    CHECK(q90_y < 10.0);
    CHECK(med_x < 8.0);
    /* The mean waveform's centroid sits between the per-half ones; noise
     * (squared peak-to-peak weights of a noisy half) moves it a little. */
    CHECK(quantile(mid, n, 0.5) < 0.5 && quantile(mid, n, 1.0) < 3.0);
    if (med_y >= 4.0 || q90_y >= 10.0 || med_x >= 8.0)
        printf("  |dy| median %.2f, 90%% %.2f; |dx| median %.2f\n", med_y, q90_y, med_x);
}

TEST(drift_estimate_recovers_the_simulated_shift)
{
    const cj_unitmatch_result *r = result();
    CHECK(r != NULL);
    if (!r) return;
    CHECK(r->n_session_pairs == 3);
    for (int k = 0; k < r->n_session_pairs; k++) {
        const cj_unitmatch_session_pair *sp = &r->session_pairs[k];
        CHECK(sp->drift_ok);
        CHECK_NEAR(sp->drift_um, g_shift[sp->b] - g_shift[sp->a], 3.0);
    }
}

/* The two Naive Bayes variants are one procedure that differs only in the
 * distance of the within-session training matches: 0 µm (mean-waveform
 * centroids) or the per-half centroid distance. */
TEST(exact_and_centroid_variants_differ_only_in_distance)
{
    const cj_unitmatch_result *r = result();
    if (!r) return;
    const cj_match_nb *ex = &r->nb_exact, *ce = &r->nb_centroid;
    for (int c = 0; c < 2; c++) {
        CHECK(ex->sim[c].bandwidth == ce->sim[c].bandwidth && ex->sim[c].n == ce->sim[c].n);
        for (double v = -0.5; v <= 1.0; v += 0.25)
            CHECK(cj_kde_log_density_at(&ex->sim[c], v) == cj_kde_log_density_at(&ce->sim[c], v));
    }
    /* The refit widened p(similarity | match) with across-session putative
     * matches and left the distance densities to the within-session pairs. */
    CHECK(r->n_putative[0] > 0);
    CHECK(ce->sim[1].bandwidth > 2.0 * r->nb_centroid_within.sim[1].bandwidth);
    for (int c = 0; c < 2; c++) {
        CHECK(ce->dist[c].bandwidth == r->nb_centroid_within.dist[c].bandwidth);
        CHECK(ex->dist[c].bandwidth == r->nb_exact_within.dist[c].bandwidth);
        for (double d = 0.0; d <= 20.0; d += 2.5) {
            const cj_kde *wc = &r->nb_centroid_within.dist[c], *we = &r->nb_exact_within.dist[c];
            CHECK(cj_kde_log_density_at(&ce->dist[c], d) == cj_kde_log_density_at(wc, d));
            CHECK(cj_kde_log_density_at(&ex->dist[c], d) == cj_kde_log_density_at(we, d));
        }
    }
}

TEST(centroid_variant_beats_exact_distance)
{
    const cj_unitmatch_result *r = result();
    if (!r) return;
    CHECK(r->evaluated);
    /* The pitfall: every exact within-session match distance is 0, so
     * p(d | match) is the floored spike at 0 and a true match a few µm away
     * looks unlikely; the per-half centroids moved with the probe during
     * the session, so their match density has the spread of real matches. */
    const cj_match_nb *ex = &r->nb_exact, *ce = &r->nb_centroid;
    CHECK(ex->dist[1].floored && ex->dist[1].bandwidth == 0.5);
    CHECK(cj_kde_log_density_at(&ce->dist[1], 3.0) > cj_kde_log_density_at(&ex->dist[1], 3.0) + 5.0);
    const cj_unitmatch_eval *e = &r->eval[CJ_UM_NB_EXACT], *c = &r->eval[CJ_UM_NB_CENTROID];
    CHECK(c->scores.f1 > e->scores.f1 + 0.15);
    CHECK(c->scores.recall > e->scores.recall + 0.2);
    CHECK(c->auc >= e->auc);
    /* The same before the refit, with within-session training only. */
    const cj_unitmatch_eval *we = &r->eval_within[CJ_UM_NB_EXACT], *wc = &r->eval_within[CJ_UM_NB_CENTROID];
    CHECK(wc->scores.f1 > we->scores.f1 + 0.1);
    printf("  F1 centroid %.3f vs exact %.3f (within-session training only: %.3f vs %.3f); AUC %.4f vs %.4f\n",
           c->scores.f1, e->scores.f1, wc->scores.f1, we->scores.f1, c->auc, e->auc);
}

TEST(final_model_meets_the_targets_on_a_small_set)
{
    const cj_unitmatch_result *r = result();
    if (!r) return;
    const cj_unitmatch_eval *nb = &r->eval[CJ_UM_NB_CENTROID], *net = &r->eval[CJ_UM_NETWORK];
    CHECK(nb->auc >= 0.95);
    CHECK(nb->scores.f1 >= 0.9);
    CHECK(nb->scores.f1 > net->scores.f1);
    CHECK(nb->auc_all > net->auc_all);
    CHECK(r->self_match_all > 0.95);
    CHECK(r->within_fp_all < 0.05);
    /* Conservative groups are cliques: precise; liberal chains find more. */
    CHECK(r->track_conservative.precision > 0.9);
    CHECK(r->track_liberal.recall >= r->track_conservative.recall);
    printf("  nb_centroid AUC %.4f F1 %.3f (network F1 %.3f); tracking precision %.3f recall %.3f\n", nb->auc,
           nb->scores.f1, net->scores.f1, r->track_conservative.precision, r->track_conservative.recall);
}

/* ---- the command ------------------------------------------------------------- */

static int count_fields(const char *line)
{
    int n = 1;
    for (; *line; line++) n += *line == ',';
    return n;
}

/* Which loaded unit is (session name, cluster id)? -1 if none. */
static int global_unit(const char *name, int id)
{
    for (int s = 0; s < N_SESSIONS; s++) {
        if (strcmp(g_sessions[s].name, name)) continue;
        for (int u = 0; u < g_sessions[s].n_units; u++)
            if (g_sessions[s].units[u].id == id) return s * N_UNITS + u;
    }
    return -1;
}

static void check_matches_csv(const char *out)
{
    char path[256], line[512];
    snprintf(path, sizeof path, "%s/matches.csv", out);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(fgets(line, sizeof line, f) && !strcmp(line, "session_a,unit_a,session_b,unit_b,similarity,distance,probability\n"));
    int rows = 0, bad = 0, true_called = 0, called = 0;
    while (fgets(line, sizeof line, f)) {
        char sa[64], sb[64];
        int ua, ub;
        float sim, dist, prob;
        int ok = count_fields(line) == 7 &&
                 sscanf(line, "%63[^,],%d,%63[^,],%d,%f,%f,%f", sa, &ua, sb, &ub, &sim, &dist, &prob) == 7;
        int ga = ok ? global_unit(sa, ua) : -1, gb = ok ? global_unit(sb, ub) : -1;
        ok = ok && ga >= 0 && gb >= 0 && strcmp(sa, sb) < 0 && sim >= -1.0f && sim <= 1.0f && dist >= 0.0f &&
             dist <= 105.0f && prob >= 0.0f && prob <= 1.0f;
        bad += !ok;
        if (ok && prob > 0.5f) called++, true_called += g_truth[ga] == g_truth[gb];
        rows++;
    }
    fclose(f);
    CHECK(rows > 100 && bad == 0);
    CHECK(called > 50 && true_called >= 0.9 * called);
}

static void check_units_csv(const char *out)
{
    char path[256], line[256];
    snprintf(path, sizeof path, "%s/units.csv", out);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(fgets(line, sizeof line, f) && !strcmp(line, "session,unit,liberal_id,conservative_id\n"));
    static int lib[N_SESSIONS * N_UNITS], con[N_SESSIONS * N_UNITS];
    int rows = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        char name[64];
        int id, l, c;
        int g = sscanf(line, "%63[^,],%d,%d,%d", name, &id, &l, &c) == 4 ? global_unit(name, id) : -1;
        if (g < 0 || l < 1 || c < 1) {
            bad++;
            continue;
        }
        lib[g] = l, con[g] = c;
        rows++;
    }
    fclose(f);
    CHECK(rows == N_SESSIONS * N_UNITS && bad == 0);
    /* A unit's tracked id is consistent with the truth when the units
     * sharing its conservative id are exactly its neuron's units. */
    int consistent[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        const int *id = k ? con : lib;
        for (int u = 0; u < N_SESSIONS * N_UNITS; u++) {
            int ok = 1;
            for (int v = 0; v < N_SESSIONS * N_UNITS && ok; v++) ok = (id[u] == id[v]) == (g_truth[u] == g_truth[v]);
            consistent[k] += ok;
        }
    }
    CHECK(consistent[1] >= 0.85 * N_SESSIONS * N_UNITS);
    CHECK(consistent[0] >= 0.75 * N_SESSIONS * N_UNITS);
    printf("  units.csv: the ids of %d (liberal) and %d (conservative) of %d units match the truth exactly\n",
           consistent[0], consistent[1], N_SESSIONS * N_UNITS);
}

static void check_summary(const char *out)
{
    char path[256];
    snprintf(path, sizeof path, "%s/summary.json", out);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    static char text[1 << 18];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    cJSON *root = cJSON_Parse(text);
    CHECK(root != NULL);
    cJSON *q = cJSON_GetObjectItem(root, "quality"), *pairs = cJSON_GetObjectItem(root, "session_pairs");
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(q, "self_match_rate")));
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(q, "within_false_positive_rate")));
    CHECK(cJSON_GetArraySize(pairs) == 3);
    cJSON *p0 = cJSON_GetArrayItem(pairs, 0);
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(p0, "drift_um")));
    cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(p0, "methods"), "nb_centroid");
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(m, "auc")) && cJSON_IsNumber(cJSON_GetObjectItem(m, "f1")));
    cJSON_Delete(root);
    static const char *pngs[] = {"quality.png", "methods.png", "distributions.png", "matrices_session1_session2.png",
                                 "matrices_session2_session3.png"};
    for (size_t i = 0; i < sizeof pngs / sizeof pngs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", out, pngs[i]);
        FILE *png = fopen(path, "rb");
        unsigned char sig[4] = {0};
        CHECK(png && fread(sig, 1, 4, png) == 4 && sig[1] == 'P' && sig[2] == 'N' && sig[3] == 'G');
        if (png) fclose(png);
    }
}

TEST(match_command_writes_the_outputs)
{
    char args[1024], out[128];
    snprintf(out, sizeof out, "%s/out", g_dir);
    snprintf(args, sizeof args, "match %s/session1 %s/session2 %s/session3 --out %s --threads 2 --quiet", g_dir, g_dir,
             g_dir, out);
    CHECK(run_cli(args) == 0);
    CHECK(!strstr(g_output, "cajal match")); /* --quiet (a sanitizer may still print its report) */
    check_matches_csv(out);
    check_units_csv(out);
    check_summary(out);
}

TEST(match_command_errors_are_one_line)
{
    char args[1024];
    snprintf(args, sizeof args, "match %s/session1 %s/nosuch --out %s/err --quiet", g_dir, g_dir, g_dir);
    CHECK(run_cli(args) == 1 && strstr(g_output, "nosuch") && count_lines(g_output) == 1);

    snprintf(args, sizeof args, "match %s/session1 --out %s/err --quiet", g_dir, g_dir);
    CHECK(run_cli(args) == 2 && strstr(g_output, "at least two") && count_lines(g_output) == 1);

    snprintf(args, sizeof args, "match %s/session1 %s/session2 --quiet", g_dir, g_dir);
    CHECK(run_cli(args) == 2 && strstr(g_output, "--out") && count_lines(g_output) == 1);

    /* A session whose units are all mua. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/nogood && cp %s/session1/channel_positions.npy %s/nogood/ && "
             "printf 'cluster_id\\tgroup\\n0\\tmua\\n1\\tnoise\\n' > %s/nogood/cluster_group.tsv",
             g_dir, g_dir, g_dir, g_dir);
    CHECK(system(cmd) == 0);
    snprintf(args, sizeof args, "match %s/session1 %s/nogood --out %s/err --quiet", g_dir, g_dir, g_dir);
    CHECK(run_cli(args) == 1 && strstr(g_output, "no units labelled good") && count_lines(g_output) == 1);

    snprintf(args, sizeof args, "match %s/session1 %s/session2 --out %s/err --max-distance -5", g_dir, g_dir, g_dir);
    CHECK(run_cli(args) == 2 && strstr(g_output, "--max-distance") && count_lines(g_output) == 1);
}

/* ---- issue 7: real Kilosort folders ------------------------------------------ */

/* Fixture folders hold copies of sessions (tens of MB): removed when the
 * test passed, kept for a look when it failed. */
static void done_with(const char *root)
{
    if (!harness_current_failed) rm_rf(root);
    free((char *)root);
}

/* A shell command built printf-style; 1 if it exits 0. */
static int shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int shell(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char cmd[4096];
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd) == 0;
}

/* Lines the command printed (a sanitizer's report, in SANITIZE builds,
 * adds its own). */
static int cajal_lines(const char *out)
{
    int n = 0;
    for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        n += strncmp(p, "cajal match", 11) == 0;
    return n;
}

/* Rows of out/matches.csv; per row calls fn(session_a, unit_a, session_b, unit_b). */
static int for_each_match(const char *out, void (*fn)(const char *, int, const char *, int, void *), void *ctx)
{
    char path[512], line[512];
    snprintf(path, sizeof path, "%s/matches.csv", out);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(line, sizeof line, f)) {
        if (f) fclose(f);
        return -1;
    }
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        char sa[128], sb[128];
        int ua, ub;
        if (sscanf(line, "%127[^,],%d,%127[^,],%d,", sa, &ua, sb, &ub) != 4) continue;
        fn(sa, ua, sb, ub, ctx);
        rows++;
    }
    fclose(f);
    return rows;
}

typedef struct {
    const char *a, *b;
    int named, cross_shank;
} row_check;

static void check_row(const char *sa, int ua, const char *sb, int ub, void *ctx)
{
    row_check *c = ctx;
    c->named += !strcmp(sa, c->a) && !strcmp(sb, c->b);
    c->cross_shank += ua % 2 != ub % 2; /* the two-shank sessions put unit id % 2 on shank id % 2 */
}

/* Folders a/kilosort4 and b/kilosort4 (Kilosort names its output folder
 * after itself): named "a/kilosort4" and "b/kilosort4" in the outputs. A
 * dead unit in b is skipped with a warning instead of failing the run. */
TEST(match_same_named_folders_and_a_dead_unit)
{
    const char *root = fixture_dir("um_same");
    CHECK(shell("mkdir -p %s/a %s/b && cp -r %s/session1 %s/a/kilosort4 && cp -r %s/session2 %s/b/kilosort4", root,
                root, g_dir, root, g_dir, root));
    int dead = g_sessions[1].units[3].id;
    char path[512];
    snprintf(path, sizeof path, "%s/b/kilosort4/RawWaveforms/Unit%d_RawSpikes.npy", root, dead);
    size_t n = (size_t)g_sessions[1].n_samples * g_sessions[1].n_channels * 2;
    float *zero = calloc(n, sizeof(float));
    int64_t shape[3] = {g_sessions[1].n_samples, g_sessions[1].n_channels, 2};
    cj_error err;
    CHECK(cj_npy_write_f32(path, 3, shape, zero, &err) == CJ_OK);
    free(zero);
    char args[2048];
    snprintf(args, sizeof args, "match %s/a/kilosort4 %s/b/kilosort4/ --out %s/out --threads 2 --quiet", root, root,
             root);
    CHECK(run_cli(args) == 0);
    char want[64];
    snprintf(want, sizeof want, "unit %d: waveform is all zero", dead);
    CHECK(cajal_lines(g_output) == 1 && strstr(g_output, "cajal match: warning: ") && strstr(g_output, want));
    if (harness_current_failed) printf("  %s", g_output);
    snprintf(path, sizeof path, "%s/out", root);
    row_check c = {"a/kilosort4", "b/kilosort4", 0, 0};
    int rows = for_each_match(path, check_row, &c);
    CHECK(rows > 20 && c.named == rows);
    snprintf(path, sizeof path, "%s/out/matrices_a-kilosort4_b-kilosort4.png", root);
    CHECK(access(path, R_OK) == 0);
    done_with(root);
}

/* A +Inf sample used to segfault cajal match: now one line naming the
 * file and unit, exit 1. Glob order (session10 before session2) is warned
 * about. */
TEST(match_non_finite_sample_is_one_line)
{
    const char *root = fixture_dir("um_inf");
    CHECK(shell("cp -r %s/session1 %s/session10 && cp -r %s/session2 %s/session2", g_dir, root, g_dir, root));
    int id = g_sessions[1].units[0].id;
    char path[512];
    snprintf(path, sizeof path, "%s/session2/RawWaveforms/Unit%d_RawSpikes.npy", root, id);
    size_t n = (size_t)g_sessions[1].n_samples * g_sessions[1].n_channels * 2;
    float *w = malloc(n * sizeof(float));
    memcpy(w, g_sessions[1].units[0].waveform, n * sizeof(float));
    w[100] = INFINITY;
    int64_t shape[3] = {g_sessions[1].n_samples, g_sessions[1].n_channels, 2};
    cj_error err;
    CHECK(cj_npy_write_f32(path, 3, shape, w, &err) == CJ_OK);
    free(w);
    char args[2048], want[128];
    snprintf(args, sizeof args, "match %s/session10 %s/session2 --out %s/out --quiet", root, root, root);
    snprintf(want, sizeof want, "Unit%d_RawSpikes.npy: unit %d: sample (0, 50, 0) is +Inf", id, id);
    CHECK(run_cli(args) == 1);
    CHECK(cajal_lines(g_output) == 2 && strstr(g_output, want) && strstr(g_output, "session10 comes before session2"));
    if (harness_current_failed) printf("%s", g_output);
    done_with(root);
}

/* Kilosort output without UnitMatch's extraction: cluster_KSLabel.tsv and
 * templates.npy only. Runs with a warning per session; --names names them. */
TEST(match_templates_and_kslabel_only)
{
    const char *root = fixture_dir("um_templates");
    for (int s = 0; s < 2; s++) {
        const cj_ephys_session *x = &g_sessions[s];
        CHECK(shell("mkdir -p %s/s%d && cp %s/session%d/channel_positions.npy %s/s%d/", root, s, g_dir, s + 1, root,
                    s));
        char path[512];
        snprintf(path, sizeof path, "%s/s%d/cluster_KSLabel.tsv", root, s);
        FILE *f = fopen(path, "w");
        int max_id = 0;
        fprintf(f, "cluster_id\tKSLabel\n");
        for (int u = 0; u < x->n_units; u++) {
            fprintf(f, "%d\tgood\n", x->units[u].id);
            max_id = x->units[u].id > max_id ? x->units[u].id : max_id;
        }
        fclose(f);
        size_t per = (size_t)x->n_samples * x->n_channels;
        float *t = calloc((size_t)(max_id + 1) * per, sizeof(float));
        for (int u = 0; u < x->n_units; u++)
            for (size_t i = 0; i < per; i++)
                t[(size_t)x->units[u].id * per + i] = 0.5f * (x->units[u].waveform[2 * i] + x->units[u].waveform[2 * i + 1]);
        int64_t shape[3] = {max_id + 1, x->n_samples, x->n_channels};
        snprintf(path, sizeof path, "%s/s%d/templates.npy", root, s);
        cj_error err;
        CHECK(cj_npy_write_f32(path, 3, shape, t, &err) == CJ_OK);
        free(t);
    }
    char args[2048], out[512];
    snprintf(out, sizeof out, "%s/out", root);
    snprintf(args, sizeof args, "match %s/s0 %s/s1 --names day1,day2 --out %s --threads 2 --quiet", root, root, out);
    CHECK(run_cli(args) == 0);
    CHECK(cajal_lines(g_output) == 2 && strstr(g_output, "templates.npy: no RawWaveforms folder"));
    if (harness_current_failed) printf("%s", g_output);
    row_check c = {"day1", "day2", 0, 0};
    int rows = for_each_match(out, check_row, &c);
    CHECK(rows > 20 && c.named == rows);

    snprintf(args, sizeof args, "match %s/s0 %s/s1 --names day1 --out %s --quiet", root, root, out);
    CHECK(run_cli(args) == 2 && cajal_lines(g_output) == 1 && strstr(g_output, "--names gives 1 name for 2"));
    snprintf(args, sizeof args, "match %s/s0 %s/s1 --names d,d --out %s --quiet", root, root, out);
    CHECK(run_cli(args) == 2 && cajal_lines(g_output) == 1 && strstr(g_output, "'d' is given twice"));
    done_with(root);
}

/* Session s as a two-shank probe: the 384 sites again 64 µm to the right,
 * given as shank 1 by channel_shanks.npy, unit id % 2 on shank id % 2. The
 * shanks are closer than --max-distance, so only the shank rule keeps
 * pairs across them out. */
static void write_two_shank(const char *dir, int s)
{
    const cj_ephys_session *x = &g_sessions[s];
    int nc = x->n_channels, ns = x->n_samples;
    CHECK(shell("mkdir -p %s/RawWaveforms && cp %s/session%d/cluster_group.tsv %s/", dir, g_dir, s + 1, dir));
    float *pos = malloc(sizeof(float) * 4 * nc), *w = calloc((size_t)ns * 2 * nc * 2, sizeof(float));
    for (int c = 0; c < nc; c++) {
        pos[2 * c] = x->channel_pos[2 * c], pos[2 * c + 1] = x->channel_pos[2 * c + 1];
        pos[2 * (nc + c)] = x->channel_pos[2 * c] + 64.0f, pos[2 * (nc + c) + 1] = x->channel_pos[2 * c + 1];
    }
    char path[512];
    cj_error err;
    int64_t pshape[2] = {2 * nc, 2}, wshape[3] = {ns, 2 * nc, 2};
    snprintf(path, sizeof path, "%s/channel_positions.npy", dir);
    CHECK(cj_npy_write_f32(path, 2, pshape, pos, &err) == CJ_OK);
    for (int c = 0; c < 2 * nc; c++) pos[c] = c >= nc;
    int64_t sshape[1] = {2 * nc};
    snprintf(path, sizeof path, "%s/channel_shanks.npy", dir);
    CHECK(cj_npy_write_f32(path, 1, sshape, pos, &err) == CJ_OK);
    for (int u = 0; u < x->n_units; u++) {
        int id = x->units[u].id, off = (id % 2) * nc;
        memset(w, 0, sizeof(float) * (size_t)ns * 2 * nc * 2);
        for (int t = 0; t < ns; t++)
            for (int c = 0; c < nc; c++)
                for (int h = 0; h < 2; h++) w[((size_t)t * 2 * nc + off + c) * 2 + h] = cj_ephys_wave_at(x, &x->units[u], t, c, h);
        snprintf(path, sizeof path, "%s/RawWaveforms/Unit%d_RawSpikes.npy", dir, id);
        CHECK(cj_npy_write_f32(path, 3, wshape, w, &err) == CJ_OK);
    }
    free(pos);
    free(w);
}

/* Units on different shanks are never candidate matches. */
TEST(match_two_shank_sessions)
{
    const char *root = fixture_dir("um_shanks");
    char a[512], b[512], out[512], args[2048];
    snprintf(a, sizeof a, "%s/session1", root);
    snprintf(b, sizeof b, "%s/session2", root);
    snprintf(out, sizeof out, "%s/out", root);
    write_two_shank(a, 0);
    write_two_shank(b, 1);
    snprintf(args, sizeof args, "match %s %s --out %s --threads 2", a, b, out);
    CHECK(run_cli(args) == 0);
    CHECK(strstr(g_output, "session1: 60 good units from") && strstr(g_output, "on 2 shanks (channel_shanks.npy)"));
    row_check c = {"session1", "session2", 0, 0};
    int rows = for_each_match(out, check_row, &c);
    CHECK(rows > 20 && c.named == rows && c.cross_shank == 0);
    printf("  %d candidate pairs, %d across shanks\n", rows, c.cross_shank);
    done_with(root);
}

int main(void)
{
    g_cajal = getenv("CAJAL");
    if (!g_cajal) g_cajal = "./cajal";
    g_ready = setup();
    RUN(similarity_is_the_cross_half_cosine);
    RUN(tracking_liberal_chains_conservative_needs_cliques);
    RUN(positions_near_the_truth);
    RUN(drift_estimate_recovers_the_simulated_shift);
    RUN(exact_and_centroid_variants_differ_only_in_distance);
    RUN(centroid_variant_beats_exact_distance);
    RUN(final_model_meets_the_targets_on_a_small_set);
    RUN(match_command_writes_the_outputs);
    RUN(match_command_errors_are_one_line);
    RUN(match_same_named_folders_and_a_dead_unit);
    RUN(match_non_finite_sample_is_one_line);
    RUN(match_templates_and_kslabel_only);
    RUN(match_two_shank_sessions);
    if (g_ran > 0) cj_unitmatch_free(&g_result);
    for (int s = 0; s < N_SESSIONS; s++) cj_ephys_session_free(&g_sessions[s]);
    if (g_dir[0]) rm_rf(g_dir);
    return test_summary("unitmatch");
}
