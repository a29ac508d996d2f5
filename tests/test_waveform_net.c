/* test_waveform_net.c — waveform features and the waveform-similarity
 * network.
 *
 * Features are checked against closed forms on hand-made sessions: a unit
 * moved by two rows (40 µm, the period of the staggered Neuropixels 1.0
 * layout) gives the same vector, as does the same waveform stored with 82
 * or 61 samples; a gain changes only the log-amplitude element, by
 * log10(gain); rows past the probe end read as zero.
 *
 * The network is trained on simulated recordings (cj_ephys_simulate), whose
 * truth.csv says which units are the same neuron; the AUCs are computed here
 * with the Mann-Whitney count, independently of the library. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cajal/waveform_net.h"
#include "harness.h"

enum { N_SESSIONS = 3, N_UNITS = 50, MAX_NEURONS = 1024 };

static char g_dir[64];
static cj_ephys_session g_sessions[N_SESSIONS];
static int *g_neuron[N_SESSIONS]; /* neuron of each loaded unit, from truth.csv */
static float g_nx[MAX_NEURONS], g_ny[MAX_NEURONS];
static int g_loaded;

/* ---- helpers ------------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) { return remove(path); }
static void rm_rf(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* A session on a Neuropixels 1.0 probe with no units yet. */
static void np1_session(cj_ephys_session *s, int n_samples, int n_units)
{
    memset(s, 0, sizeof *s);
    s->n_channels = 384;
    s->n_samples = n_samples;
    s->channel_pos = malloc(sizeof(float) * 384 * 2);
    for (int c = 0; c < 384; c++) {
        static const float xs[2][2] = {{43, 11}, {59, 27}};
        s->channel_pos[2 * c] = xs[(c / 2) % 2][c % 2];
        s->channel_pos[2 * c + 1] = 20.0f * (float)(c / 2);
    }
    s->n_units = n_units;
    s->units = calloc((size_t)n_units, sizeof *s->units);
}

static void free_session(cj_ephys_session *s)
{
    for (int u = 0; u < s->n_units; u++) free(s->units[u].waveform);
    free(s->units);
    free(s->channel_pos);
}

/* Unit u: a trough at sample `trough` and a later bump, amplitude falling
 * off with the distance from (x0, y0) µm; half 1 is half 0 times gain1. */
static void put_unit(cj_ephys_session *s, int u, float x0, float y0, int trough, float gain1)
{
    float *w = malloc(sizeof(float) * (size_t)s->n_samples * 384 * 2);
    for (int t = 0; t < s->n_samples; t++)
        for (int c = 0; c < 384; c++) {
            float dx = s->channel_pos[2 * c] - x0, dy = s->channel_pos[2 * c + 1] - y0;
            float a = 100.0f * expf(-sqrtf(dx * dx + dy * dy) / 25.0f);
            float tm = (float)(t - trough) - 0.02f * sqrtf(dx * dx + dy * dy);
            float v = a * (-expf(-0.5f * tm * tm / 4.0f) + 0.3f * expf(-0.5f * (tm - 12) * (tm - 12) / 25.0f));
            w[((size_t)t * 384 + c) * 2] = v;
            w[((size_t)t * 384 + c) * 2 + 1] = gain1 * v;
        }
    s->units[u].id = u;
    s->units[u].waveform = w;
}

/* P(score of a positive > score of a negative), ties counting half: the
 * Mann-Whitney U statistic over all pairs. */
static double auc(const float *pos, int n_pos, const float *neg, int n_neg)
{
    double wins = 0.0;
    for (int i = 0; i < n_pos; i++)
        for (int j = 0; j < n_neg; j++) wins += pos[i] > neg[j] ? 1.0 : pos[i] == neg[j] ? 0.5 : 0.0;
    return wins / ((double)n_pos * n_neg);
}

static float dot(const float *a, const float *b, int d)
{
    float s = 0.0f;
    for (int k = 0; k < d; k++) s += a[k] * b[k];
    return s;
}

/* Within one session: first half of unit i vs second half of unit j. */
static double within_auc(const float *emb, int n, int d)
{
    float *pos = malloc(sizeof(float) * n), *neg = malloc(sizeof(float) * (size_t)n * n);
    int np = 0, nn = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            float s = dot(emb + (size_t)(2 * i) * d, emb + (size_t)(2 * j + 1) * d, d);
            if (i == j) pos[np++] = s;
            else neg[nn++] = s;
        }
    double a = auc(pos, np, neg, nn);
    free(pos);
    free(neg);
    return a;
}

/* Across sessions: pairs of the same neuron (truth.csv) vs pairs of
 * different neurons within 100 µm of each other in the tissue; a pair's
 * similarity is the mean cosine over its four half pairs. */
static double across_auc(float *const *emb, int d)
{
    int cap = N_SESSIONS * N_SESSIONS * N_UNITS * N_UNITS;
    float *pos = malloc(sizeof(float) * cap), *neg = malloc(sizeof(float) * cap);
    int np = 0, nn = 0;
    for (int a = 0; a < N_SESSIONS; a++)
        for (int b = a + 1; b < N_SESSIONS; b++)
            for (int i = 0; i < g_sessions[a].n_units; i++)
                for (int j = 0; j < g_sessions[b].n_units; j++) {
                    const float *ea = emb[a] + (size_t)2 * i * d, *eb = emb[b] + (size_t)2 * j * d;
                    float s = 0.25f * (dot(ea, eb, d) + dot(ea, eb + d, d) + dot(ea + d, eb, d) +
                                       dot(ea + d, eb + d, d));
                    int na = g_neuron[a][i], nb = g_neuron[b][j];
                    float dx = g_nx[na] - g_nx[nb], dy = g_ny[na] - g_ny[nb];
                    if (na == nb) pos[np++] = s;
                    else if (dx * dx + dy * dy < 100.0f * 100.0f) neg[nn++] = s;
                }
    CHECK(np > N_UNITS && nn > np); /* most neurons survive; the probe is crowded */
    double a = auc(pos, np, neg, nn);
    free(pos);
    free(neg);
    return a;
}

static int read_truth(const char *dir)
{
    char path[256], line[256];
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(line, sizeof line, f)) return -1;
    int k, id, n, rows = 0;
    while (fgets(line, sizeof line, f) && sscanf(line, "session%d,%d,%d", &k, &id, &n) == 3) {
        if (k < 1 || k > N_SESSIONS) continue;
        for (int u = 0; u < g_sessions[k - 1].n_units; u++)
            if (g_sessions[k - 1].units[u].id == id) g_neuron[k - 1][u] = n, rows++;
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/neurons.csv", dir);
    if (!(f = fopen(path, "r")) || !fgets(line, sizeof line, f)) return -1;
    float x, y, z;
    while (fgets(line, sizeof line, f) && sscanf(line, "%d,%f,%f,%f", &n, &x, &y, &z) == 4)
        if (n >= 0 && n < MAX_NEURONS) g_nx[n] = x, g_ny[n] = y;
    fclose(f);
    return rows;
}

static cj_status simulate_and_load(const char *dir, int n_sessions, int n_units, int n_samples, uint64_t seed,
                                   cj_ephys_session *out)
{
    cj_ephys_sim_opts o;
    cj_ephys_sim_defaults(&o);
    o.n_sessions = n_sessions;
    o.n_units = n_units;
    o.n_samples = n_samples;
    cj_rng rng;
    cj_rng_seed(&rng, seed);
    cj_error err = {0};
    cj_status st = cj_ephys_simulate(dir, &o, &rng, NULL, &err);
    for (int k = 0; !st && k < n_sessions; k++) {
        char path[256];
        snprintf(path, sizeof path, "%s/session%d", dir, k + 1);
        st = cj_ephys_session_load(path, &out[k], &err);
    }
    if (st) printf("  %s\n", err.msg);
    return st;
}

/* A small, quick configuration for the test sets (the defaults are sized
 * for ~300 units per session). */
static void test_config(cj_wavenet_config *c)
{
    cj_wavenet_defaults(c);
    c->ae_epochs = 20;
    c->nce_epochs = 60;
    c->nce_batch = 25;
}

/* ---- features ----------------------------------------------------------- */

TEST(features_follow_the_unit_along_the_probe)
{
    cj_ephys_session s;
    np1_session(&s, 82, 4);
    put_unit(&s, 0, 30.0f, 1500.0f, 41, 1.0f);
    put_unit(&s, 1, 30.0f, 1540.0f, 41, 1.0f); /* two rows up: same sites around it */
    put_unit(&s, 2, 30.0f, 1500.0f, 41, 2.0f); /* second half twice as large */
    put_unit(&s, 3, 30.0f, 5.0f, 41, 1.0f);    /* at the bottom end of the probe */
    cj_wavefeat_config c;
    cj_wavefeat_defaults(&c);
    int d = cj_wavefeat_dim(&c), nt = (c.pre + c.post) / c.step + 1;
    CHECK(d == (2 * c.rows + 1) * 2 * nt + 1);
    float *x = malloc(sizeof(float) * 8 * d);
    cj_wavefeat_unit info[4];
    cj_error err = {0};
    CHECK(cj_wavefeat_extract(&s, &c, x, info, &err) == CJ_OK);

    /* Peak on a site of the row at y = 1500 µm, trough where it was put. */
    CHECK_NEAR(s.channel_pos[2 * info[0].peak_channel + 1], 1500, 0);
    CHECK(info[0].trough == 41);
    CHECK_NEAR(info[0].y_um, 1500, 5);
    CHECK_NEAR(info[1].y_um - info[0].y_um, 40, 1e-3);
    CHECK_NEAR(info[1].row - info[0].row, 2, 1e-4);
    CHECK(max_rel_diff(x + 2 * d, x, (size_t)d) < 1e-4);
    /* The shape is normalised: RMS 1 over the window. */
    double ss = 0.0;
    for (int i = 0; i < d - 1; i++) ss += (double)x[i] * x[i];
    CHECK_NEAR(ss / (d - 1), 1.0, 1e-4);

    /* Gain: same shape, log-amplitude up by log10(2). */
    const float *h0 = x + 4 * d, *h1 = x + 5 * d;
    CHECK(max_rel_diff(h1, h0, (size_t)(d - 1)) < 1e-5);
    CHECK_NEAR(h1[d - 1] - h0[d - 1], log10(2.0), 1e-5);
    CHECK_NEAR(info[2].amp_uv[1] / info[2].amp_uv[0], 2, 1e-4);

    /* Near the probe end the rows below row 0 are zero. */
    CHECK(info[3].row < 1.0f);
    int below = 0, nonzero = 0;
    for (int k = -c.rows; k <= c.rows; k++) {
        float r = info[3].row + (float)k;
        for (int i = 0; i < 2 * nt; i++) {
            float v = x[6 * d + (size_t)(k + c.rows) * 2 * nt + i];
            if (r < -1.0f) below += v != 0.0f;
            else nonzero += v != 0.0f;
        }
    }
    CHECK(below == 0 && nonzero > 0);
    free(x);
    free_session(&s);
}

TEST(features_ignore_the_waveform_length)
{
    /* Kilosort 2.5 stores 82 samples with the trough at 41, Kilosort 4 61
     * with it at 20: the window around the trough is the same. */
    cj_ephys_session a, b;
    np1_session(&a, 82, 1);
    np1_session(&b, 61, 1);
    put_unit(&a, 0, 20.0f, 2000.0f, 41, 1.0f);
    put_unit(&b, 0, 20.0f, 2000.0f, 20, 1.0f);
    cj_wavefeat_config c;
    cj_wavefeat_defaults(&c);
    int d = cj_wavefeat_dim(&c);
    float *xa = malloc(sizeof(float) * 2 * d), *xb = malloc(sizeof(float) * 2 * d);
    cj_error err = {0};
    CHECK(cj_wavefeat_extract(&a, &c, xa, NULL, &err) == CJ_OK);
    CHECK(cj_wavefeat_extract(&b, &c, xb, NULL, &err) == CJ_OK);
    /* The default window (12 samples before the trough, 37 after) fits in
     * both lengths (20 before, 40 after in the 61-sample one), so nothing
     * is cut. */
    CHECK(max_rel_diff(xb, xa, 2 * (size_t)d) < 1e-5);
    free(xa);
    free(xb);
    free_session(&a);
    free_session(&b);
}

TEST(rejects_bad_configs)
{
    cj_wavenet_config c;
    cj_error err = {0};
    cj_wavenet_defaults(&c);
    CHECK(cj_wavenet_check(&c, &err) == CJ_OK);
    c.tau = 0.0f;
    CHECK(cj_wavenet_check(&c, &err) == CJ_ERR_ARG && strstr(err.msg, "tau"));
    cj_wavenet_defaults(&c);
    c.nce_batch = 1;
    CHECK(cj_wavenet_check(&c, &err) == CJ_ERR_ARG && strstr(err.msg, "nce_batch"));
    cj_wavenet_defaults(&c);
    c.features.step = 0;
    CHECK(cj_wavenet_check(&c, &err) == CJ_ERR_ARG && strstr(err.msg, "features.step"));
    cj_wavenet_defaults(&c);
    cj_wavenet net;
    cj_rng rng;
    cj_rng_seed(&rng, 1);
    CHECK(cj_wavenet_train(&net, g_sessions, 0, &c, &rng, &err) == CJ_ERR_ARG && strstr(err.msg, "n_sessions"));
    cj_wavenet_free(&net);
}

/* ---- the network on simulated recordings -------------------------------- */

/* Every rule works with every objective: the same network trained by
 * feedback alignment (fixed random feedback in both stages, InfoNCE in
 * the second) still learns, and its halves of a unit come out alike. */
TEST(feedback_alignment_trains_with_infonce)
{
    CHECK(g_loaded);
    if (!g_loaded) return;
    cj_wavenet_config c;
    test_config(&c);
    c.rule = &cj_rule_fa;
    cj_rng rng;
    cj_rng_seed(&rng, 11);
    cj_wavenet net;
    cj_error err = {0};
    cj_status st = cj_wavenet_train(&net, g_sessions, N_SESSIONS, &c, &rng, &err);
    if (st) printf("  %s\n", err.msg);
    CHECK(st == CJ_OK);
    if (st) return;
    CHECK(net.ae_loss[c.ae_epochs - 1] < 0.7f * net.ae_loss[0]);
    CHECK(net.nce_loss[c.nce_epochs - 1] < 0.9f * net.nce_loss[0]);
    int d = cj_wavenet_dim(&net);
    float *emb = malloc(sizeof(float) * (size_t)g_sessions[0].n_units * 2 * d);
    CHECK(cj_wavenet_embed(&net, &g_sessions[0], emb, &err) == CJ_OK);
    double auc = within_auc(emb, g_sessions[0].n_units, d);
    printf("  fa: reconstruction %.4f -> %.4f, InfoNCE %.3f -> %.3f, within-session AUC %.4f\n", net.ae_loss[0],
           net.ae_loss[c.ae_epochs - 1], net.nce_loss[0], net.nce_loss[c.nce_epochs - 1], auc);
    CHECK(auc > 0.9);
    free(emb);
    cj_wavenet_free(&net);
}

TEST(learns_to_tell_units_apart_across_sessions)
{
    CHECK(g_loaded);
    if (!g_loaded) return;
    cj_wavenet_config c;
    test_config(&c);
    cj_rng rng;
    cj_rng_seed(&rng, 11);
    cj_wavenet net;
    cj_error err = {0};
    cj_status st = cj_wavenet_train(&net, g_sessions, N_SESSIONS, &c, &rng, &err);
    if (st) printf("  %s\n", err.msg);
    CHECK(st == CJ_OK);
    if (st) return;
    int d = cj_wavenet_dim(&net);
    CHECK(d == c.dim);

    /* Both losses fall. */
    CHECK(net.ae_loss[c.ae_epochs - 1] < 0.5f * net.ae_loss[0]);
    CHECK(net.nce_loss[c.nce_epochs - 1] < 0.8f * net.nce_loss[0]);
    printf("  reconstruction %.4f -> %.4f, InfoNCE %.3f -> %.3f (%.2f s + %.2f s)\n", net.ae_loss[0],
           net.ae_loss[c.ae_epochs - 1], net.nce_loss[0], net.nce_loss[c.nce_epochs - 1], net.ae_seconds,
           net.nce_seconds);

    float *emb[N_SESSIONS];
    for (int k = 0; k < N_SESSIONS; k++) {
        emb[k] = malloc(sizeof(float) * (size_t)g_sessions[k].n_units * 2 * d);
        CHECK(cj_wavenet_embed(&net, &g_sessions[k], emb[k], &err) == CJ_OK);
        CHECK_NEAR(dot(emb[k], emb[k], d), 1.0, 1e-5);
    }

    /* Within a session the two halves of a unit are the most alike. */
    double worst = 1.0;
    for (int k = 0; k < N_SESSIONS; k++) {
        double a = within_auc(emb[k], g_sessions[k].n_units, d);
        worst = a < worst ? a : worst;
    }
    printf("  within-session AUC (halves) >= %.4f\n", worst);
    CHECK(worst > 0.95);

    /* Across sessions: the same neuron (truth.csv) vs different neurons
     * within 100 µm of it (those a position alone cannot tell apart). */
    double across = across_auc(emb, d);
    CHECK(across > 0.9);

    /* Training is what gets it there: the same encoder before training
     * (random weights over the same features) separates them less well. */
    cj_wavenet_config untrained = c;
    untrained.ae_epochs = untrained.nce_epochs = 0;
    cj_wavenet raw;
    cj_rng_seed(&rng, 11);
    CHECK(cj_wavenet_train(&raw, g_sessions, N_SESSIONS, &untrained, &rng, &err) == CJ_OK);
    float *er[N_SESSIONS];
    for (int k = 0; k < N_SESSIONS; k++) {
        er[k] = malloc(sizeof(float) * (size_t)g_sessions[k].n_units * 2 * d);
        CHECK(cj_wavenet_embed(&raw, &g_sessions[k], er[k], &err) == CJ_OK);
    }
    double before = across_auc(er, d);
    printf("  across-session AUC %.4f trained, %.4f untrained\n", across, before);
    CHECK(1.0 - across < 0.5 * (1.0 - before));
    for (int k = 0; k < N_SESSIONS; k++) free(er[k]);
    cj_wavenet_free(&raw);

    /* The same seed gives the same embeddings, bit for bit. */
    cj_wavenet again;
    cj_rng_seed(&rng, 11);
    CHECK(cj_wavenet_train(&again, g_sessions, N_SESSIONS, &c, &rng, &err) == CJ_OK);
    float *e2 = malloc(sizeof(float) * (size_t)g_sessions[1].n_units * 2 * d);
    CHECK(cj_wavenet_embed(&again, &g_sessions[1], e2, &err) == CJ_OK);
    CHECK(memcmp(e2, emb[1], sizeof(float) * (size_t)g_sessions[1].n_units * 2 * d) == 0);
    CHECK(memcmp(again.nce_loss, net.nce_loss, sizeof(float) * c.nce_epochs) == 0);

    free(e2);
    for (int k = 0; k < N_SESSIONS; k++) free(emb[k]);
    cj_wavenet_free(&again);
    cj_wavenet_free(&net);
}

TEST(kilosort4_sessions_work_too)
{
    char dir[] = "/tmp/cj_wavenet_ks4_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    cj_ephys_session s[2];
    memset(s, 0, sizeof s);
    CHECK(simulate_and_load(dir, 2, 30, 61, 5, s) == CJ_OK);
    CHECK(s[0].n_samples == 61);
    cj_wavenet_config c;
    test_config(&c);
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    cj_wavenet net;
    cj_error err = {0};
    CHECK(cj_wavenet_train(&net, s, 2, &c, &rng, &err) == CJ_OK);
    int d = cj_wavenet_dim(&net);
    float *emb = malloc(sizeof(float) * (size_t)s[1].n_units * 2 * d);
    CHECK(cj_wavenet_embed(&net, &s[1], emb, &err) == CJ_OK);
    double a = within_auc(emb, s[1].n_units, d);
    printf("  Kilosort 4 within-session AUC %.4f\n", a);
    CHECK(a > 0.95);
    /* A network trained on 61-sample sessions embeds 82-sample ones: the
     * features have the same length. */
    if (g_loaded) {
        float *e82 = malloc(sizeof(float) * (size_t)g_sessions[0].n_units * 2 * d);
        CHECK(cj_wavenet_embed(&net, &g_sessions[0], e82, &err) == CJ_OK);
        CHECK(within_auc(e82, g_sessions[0].n_units, d) > 0.9);
        free(e82);
    }
    free(emb);
    cj_wavenet_free(&net);
    for (int k = 0; k < 2; k++) cj_ephys_session_free(&s[k]);
    rm_rf(dir);
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/cj_wavenet_XXXXXX");
    if (!mkdtemp(g_dir)) {
        printf("cannot create a temporary folder\n");
        return 1;
    }
    for (int k = 0; k < N_SESSIONS; k++) {
        g_neuron[k] = NULL;
        memset(&g_sessions[k], 0, sizeof g_sessions[k]);
    }
    if (simulate_and_load(g_dir, N_SESSIONS, N_UNITS, 82, 1, g_sessions) == CJ_OK) {
        for (int k = 0; k < N_SESSIONS; k++) g_neuron[k] = calloc((size_t)g_sessions[k].n_units, sizeof(int));
        g_loaded = read_truth(g_dir) == N_SESSIONS * N_UNITS;
    }
    RUN(features_follow_the_unit_along_the_probe);
    RUN(features_ignore_the_waveform_length);
    RUN(rejects_bad_configs);
    RUN(feedback_alignment_trains_with_infonce);
    RUN(learns_to_tell_units_apart_across_sessions);
    RUN(kilosort4_sessions_work_too);
    for (int k = 0; k < N_SESSIONS; k++) {
        cj_ephys_session_free(&g_sessions[k]);
        free(g_neuron[k]);
    }
    rm_rf(g_dir);
    return test_summary("waveform_net");
}
