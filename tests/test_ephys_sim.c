/* test_ephys_sim.c — the recording simulator and the session loader:
 * simulate a small chronic data set, load it back, and check it against the
 * ground truth the simulator wrote (identities, drift, positions); check
 * that a seed fixes every byte; and check the loader's error messages. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cajal/ephys.h"
#include "cajal/npy.h"
#include "cajal/unitmatch.h"
#include "fixtures.h"
#include "harness.h"

enum { N_SESSIONS = 3, N_UNITS = 40, MAX_ROWS = 4096 };

/* Shared by the tests: one simulated data set (seed 1). */
static char g_dir[64];
static cj_ephys_sim_opts g_opts;
static cj_ephys_sim_summary g_sum;

/* ---- helpers ------------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void rm_rf(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = 0;
    fclose(f);
    return buf;
}

/* 1 if the two files exist and hold the same bytes. */
static int same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static void write_text(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(s, f);
        fclose(f);
    }
}

typedef struct {
    int session, unit, neuron;
} truth_row;

/* Parse truth.csv ("session,unit,neuron", sessions named "session<k>"). */
static int read_truth(const char *dir, truth_row *rows, int max)
{
    char path[256];
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[256];
    int n = 0;
    if (!fgets(line, sizeof line, f) || strcmp(line, "session,unit,neuron\n") != 0) n = -1;
    while (n >= 0 && n < max && fgets(line, sizeof line, f)) {
        truth_row r;
        if (sscanf(line, "session%d,%d,%d", &r.session, &r.unit, &r.neuron) != 3) {
            n = -1;
            break;
        }
        rows[n++] = r;
    }
    fclose(f);
    return n;
}

/* drift.csv: shift[s] for session s+1 and, when within is not NULL, the
 * probe's motion between the session's halves; returns the row count. */
static int read_drift(const char *dir, float *shift, float *within, int max)
{
    char path[256], line[256];
    snprintf(path, sizeof path, "%s/drift.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int n = 0, k;
    float v, w;
    if (!fgets(line, sizeof line, f) || strcmp(line, "session,shift_um,within_shift_um\n") != 0) n = -1;
    while (n >= 0 && n < max && fgets(line, sizeof line, f))
        if (sscanf(line, "session%d,%f,%f", &k, &v, &w) == 3 && k == n + 1) {
            if (within) within[n] = w;
            shift[n++] = v;
        } else {
            n = -1;
        }
    fclose(f);
    return n;
}

/* neurons.csv: y_um of each neuron (index = neuron id). */
static int read_neuron_y(const char *dir, float *y, int max)
{
    char path[256], line[256];
    snprintf(path, sizeof path, "%s/neurons.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int n = 0, id;
    float xv, yv, zv;
    if (!fgets(line, sizeof line, f) || strcmp(line, "neuron,x_um,y_um,z_um\n") != 0) n = -1;
    while (n >= 0 && n < max && fgets(line, sizeof line, f))
        if (sscanf(line, "%d,%f,%f,%f", &id, &xv, &yv, &zv) == 4 && id == n) y[n++] = yv;
        else n = -1;
    fclose(f);
    return n;
}

static cj_status load_session(const char *dir, int k, cj_ephys_session *s, cj_error *err)
{
    char path[256];
    snprintf(path, sizeof path, "%s/session%d", dir, k);
    return cj_ephys_session_load(path, s, err);
}

/* Channel with the largest peak-to-peak amplitude in the first half. */
static int peak_channel(const cj_ephys_session *s, const cj_ephys_unit *u)
{
    int best = 0;
    float best_ptp = -1.0f;
    for (int c = 0; c < s->n_channels; c++) {
        float lo = 1e30f, hi = -1e30f;
        for (int t = 0; t < s->n_samples; t++) {
            float v = cj_ephys_wave_at(s, u, t, c, 0);
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        if (hi - lo > best_ptp) best_ptp = hi - lo, best = c;
    }
    return best;
}

/* Peak-to-peak amplitude of channel c in half h (h = 2: the mean of both). */
static float channel_ptp(const cj_ephys_session *s, const cj_ephys_unit *u, int c, int h)
{
    float lo = 1e30f, hi = -1e30f;
    for (int t = 0; t < s->n_samples; t++) {
        float v = h < 2 ? cj_ephys_wave_at(s, u, t, c, h)
                        : 0.5f * (cj_ephys_wave_at(s, u, t, c, 0) + cj_ephys_wave_at(s, u, t, c, 1));
        if (v < lo) lo = v;
        if (v > hi) hi = v;
    }
    return hi - lo;
}

/* Position along the probe of half h of unit u: the centroid of the
 * channels within 100 µm of the peak channel of the mean, weighted by their
 * squared peak-to-peak amplitude in that half. (Deliberately simpler than
 * src/ephys/positions.c: it only has to follow the unit.) */
static double half_y(const cj_ephys_session *s, const cj_ephys_unit *u, int h)
{
    int peak = 0;
    float best = -1.0f;
    for (int c = 0; c < s->n_channels; c++) {
        float a = channel_ptp(s, u, c, 2);
        if (a > best) best = a, peak = c;
    }
    double sw = 0.0, sy = 0.0, y0 = s->channel_pos[2 * peak + 1];
    for (int c = 0; c < s->n_channels; c++) {
        double y = s->channel_pos[2 * c + 1];
        if (fabs(y - y0) > 100.0) continue;
        double a = channel_ptp(s, u, c, h);
        sw += a * a;
        sy += a * a * y;
    }
    return sy / sw;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Median over the units of session k of dir of (second half's position -
 * first half's), µm. */
static double median_half_motion(const char *dir, int k)
{
    cj_ephys_session s;
    cj_error err = {0};
    if (load_session(dir, k, &s, &err)) return NAN;
    double *d = malloc(sizeof(double) * (size_t)s.n_units);
    for (int u = 0; u < s.n_units; u++) d[u] = half_y(&s, &s.units[u], 1) - half_y(&s, &s.units[u], 0);
    qsort(d, (size_t)s.n_units, sizeof *d, cmp_double);
    double med = s.n_units % 2 ? d[s.n_units / 2] : 0.5 * (d[s.n_units / 2 - 1] + d[s.n_units / 2]);
    free(d);
    cj_ephys_session_free(&s);
    return med;
}

/* ---- tests -------------------------------------------------------------- */

TEST(simulates_and_loads_back)
{
    CHECK(g_sum.n_sessions == N_SESSIONS && g_sum.n_units == N_SESSIONS * N_UNITS);
    CHECK(g_sum.n_neurons >= N_UNITS && g_sum.n_neurons <= N_SESSIONS * N_UNITS);
    for (int k = 1; k <= N_SESSIONS; k++) {
        cj_ephys_session s;
        cj_error err = {0};
        cj_status st = load_session(g_dir, k, &s, &err);
        if (st) printf("  %s\n", err.msg);
        CHECK(st == CJ_OK);
        if (st) continue;
        char name[32];
        snprintf(name, sizeof name, "session%d", k);
        CHECK(strcmp(s.name, name) == 0);
        CHECK(s.n_units == N_UNITS); /* the mua/noise clusters are skipped */
        CHECK(s.n_channels == 384 && s.n_samples == 82);
        /* Neuropixels 1.0 geometry: staggered rows, 20 µm pitch */
        CHECK_NEAR(s.channel_pos[0], 43, 0);
        CHECK_NEAR(s.channel_pos[3], 0, 0);
        CHECK_NEAR(s.channel_pos[2 * 2], 59, 0);
        CHECK_NEAR(s.channel_pos[2 * 383 + 1], 3820, 0);
        cj_ephys_session_free(&s);
    }
}

TEST(truth_matches_the_loaded_units)
{
    static truth_row rows[MAX_ROWS];
    int n = read_truth(g_dir, rows, MAX_ROWS);
    CHECK(n == N_SESSIONS * N_UNITS);
    if (n <= 0) return;
    int max_neuron = -1, shared12 = 0;
    for (int k = 1; k <= N_SESSIONS; k++) {
        cj_ephys_session s;
        cj_error err = {0};
        if (load_session(g_dir, k, &s, &err)) {
            CHECK(0);
            continue;
        }
        int in_truth = 0;
        for (int i = 0; i < n; i++) {
            if (rows[i].session != k) continue;
            int found = 0;
            for (int u = 0; u < s.n_units; u++) found += s.units[u].id == rows[i].unit;
            CHECK(found == 1);
            in_truth++;
        }
        CHECK(in_truth == s.n_units);
        cj_ephys_session_free(&s);
    }
    /* Each neuron at most once per session; with survival 0.8 most
     * session-1 neurons are back in session 2. */
    for (int i = 0; i < n; i++) {
        if (rows[i].neuron > max_neuron) max_neuron = rows[i].neuron;
        for (int j = i + 1; j < n; j++) {
            CHECK(!(rows[i].session == rows[j].session && rows[i].neuron == rows[j].neuron));
            shared12 += rows[i].session == 1 && rows[j].session == 2 && rows[i].neuron == rows[j].neuron;
        }
    }
    CHECK(max_neuron + 1 == g_sum.n_neurons);
    CHECK(shared12 >= N_UNITS / 2 && shared12 < N_UNITS);
}

TEST(drift_within_limit_and_peaks_near_true_positions)
{
    float shift[N_SESSIONS + 1];
    CHECK(read_drift(g_dir, shift, NULL, N_SESSIONS + 1) == N_SESSIONS);
    CHECK_NEAR(shift[0], 0, 0);
    for (int k = 0; k < N_SESSIONS; k++) CHECK(fabsf(shift[k]) <= g_opts.max_drift_um);
    CHECK(fabsf(shift[1]) + fabsf(shift[2]) > 0);

    static float ny[MAX_ROWS];
    static truth_row rows[MAX_ROWS];
    int n_neurons = read_neuron_y(g_dir, ny, MAX_ROWS), n = read_truth(g_dir, rows, MAX_ROWS);
    CHECK(n_neurons == g_sum.n_neurons);
    if (n_neurons <= 0 || n <= 0) return;
    /* A soma lies within a few µm of the probe plane and at most ~30 µm
     * beside the sites, so its largest signal is on a site within a row
     * or two of it (plus ~2 µm of per-session jitter). */
    double worst = 0.0;
    for (int k = 1; k <= N_SESSIONS; k++) {
        cj_ephys_session s;
        cj_error err = {0};
        if (load_session(g_dir, k, &s, &err)) continue;
        for (int i = 0; i < n; i++) {
            if (rows[i].session != k) continue;
            for (int u = 0; u < s.n_units; u++) {
                if (s.units[u].id != rows[i].unit) continue;
                int c = peak_channel(&s, &s.units[u]);
                double d = fabs(s.channel_pos[2 * c + 1] - (ny[rows[i].neuron] + shift[k - 1]));
                if (d > worst) worst = d;
            }
        }
        cj_ephys_session_free(&s);
    }
    CHECK(worst <= 30.0);
    if (worst > 30.0) printf("  worst peak-channel distance %.1f um\n", worst);
}

/* The probe moves between the two halves of a session: drift.csv gives
 * each session's rigid within-session shift, drawn N(0, within_drift_um),
 * and the halves' positions, measured from the waveforms, differ by it. */
TEST(halves_move_with_the_within_session_drift)
{
    enum { SESSIONS = 12, UNITS = 8 };
    char dir[] = "/tmp/cj_ephys_within_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    cj_ephys_sim_opts o;
    cj_ephys_sim_defaults(&o);
    CHECK_NEAR(o.within_drift_um, 2.5, 0);
    o.n_sessions = SESSIONS;
    o.n_units = UNITS;
    o.within_drift_um = 4.0f;
    cj_rng rng;
    cj_rng_seed(&rng, 11);
    cj_error err = {0};
    CHECK(cj_ephys_simulate(dir, &o, &rng, NULL, &err) == CJ_OK);
    float shift[SESSIONS], within[SESSIONS];
    CHECK(read_drift(dir, shift, within, SESSIONS) == SESSIONS);
    /* The session's shift against the median over its units of the
     * measured motion: a line through 0 with slope 1, up to each half's own
     * jitter (N(0, 1 um) here) and the noise of the centroids. */
    double ss = 0.0, sxy = 0.0, sxx = 0.0, sres = 0.0, m[SESSIONS];
    for (int k = 0; k < SESSIONS; k++) {
        m[k] = median_half_motion(dir, k + 1);
        ss += (double)within[k] * within[k];
        sxy += m[k] * within[k];
        sres += (m[k] - within[k]) * (m[k] - within[k]);
    }
    sxx = ss;
    /* sqrt(chi-square / 12 dof) is in [0.5, 1.6] with P > 0.99. */
    double rms = sqrt(ss / SESSIONS), slope = sxy / sxx, res = sqrt(sres / SESSIONS);
    CHECK(rms > 0.5 * o.within_drift_um && rms < 1.6 * o.within_drift_um);
    CHECK(slope > 0.85 && slope < 1.15);
    CHECK(res < 1.0);
    printf("  within-session shifts: rms %.2f um (configured sd %.1f); measured = %.3f x shift, rms residual %.2f um\n",
           rms, (double)o.within_drift_um, slope, res);
    rm_rf(dir);

    /* --within-drift 0: both halves of a unit at one place. */
    CHECK(mkdtemp(strcpy(dir, "/tmp/cj_ephys_within_XXXXXX")) != NULL);
    o.n_sessions = 2;
    o.within_drift_um = 0.0f;
    CHECK(cj_ephys_simulate(dir, &o, &rng, NULL, &err) == CJ_OK);
    CHECK(read_drift(dir, shift, within, 2) == 2);
    for (int k = 0; k < 2; k++) {
        CHECK_NEAR(within[k], 0.0, 0);
        CHECK_NEAR(median_half_motion(dir, k + 1), 0.0, 0.3);
    }
    rm_rf(dir);
}

/* Every file of data set a (truth, drift, neurons, and each session's
 * geometry, labels and waveforms) has a byte-identical twin in b. Returns
 * how many waveform files matched. */
static int compare_sets(const char *a_dir, const char *b_dir, int n_sessions)
{
    const char *top[] = {"truth.csv", "drift.csv", "neurons.csv"};
    char a[512], b[512];
    for (int i = 0; i < 3; i++) {
        snprintf(a, sizeof a, "%s/%s", a_dir, top[i]);
        snprintf(b, sizeof b, "%s/%s", b_dir, top[i]);
        CHECK(same_file(a, b));
    }
    int matched = 0;
    cj_error err = {0};
    for (int k = 1; k <= n_sessions; k++) {
        cj_ephys_session s;
        if (load_session(a_dir, k, &s, &err)) continue;
        const char *files[] = {"channel_positions.npy", "cluster_group.tsv"};
        for (int i = 0; i < 2; i++) {
            snprintf(a, sizeof a, "%s/session%d/%s", a_dir, k, files[i]);
            snprintf(b, sizeof b, "%s/session%d/%s", b_dir, k, files[i]);
            CHECK(same_file(a, b));
        }
        for (int u = 0; u < s.n_units; u++) {
            snprintf(a, sizeof a, "%s/session%d/RawWaveforms/Unit%d_RawSpikes.npy", a_dir, k, s.units[u].id);
            snprintf(b, sizeof b, "%s/session%d/RawWaveforms/Unit%d_RawSpikes.npy", b_dir, k, s.units[u].id);
            matched += same_file(a, b);
        }
        cj_ephys_session_free(&s);
    }
    return matched;
}

/* Two runs with one seed write the same bytes; another seed does not. A
 * smaller set than the shared one keeps the test fast (each file is
 * fsynced). */
TEST(same_seed_same_bytes)
{
    char d1[] = "/tmp/cj_ephys_seed_XXXXXX", d2[] = "/tmp/cj_ephys_seed_XXXXXX";
    CHECK(mkdtemp(d1) != NULL && mkdtemp(d2) != NULL);
    cj_ephys_sim_opts o = g_opts;
    o.n_sessions = 2;
    o.n_units = 12;
    cj_rng rng;
    cj_error err = {0};
    cj_rng_seed(&rng, 3);
    CHECK(cj_ephys_simulate(d1, &o, &rng, NULL, &err) == CJ_OK);
    cj_rng_seed(&rng, 3);
    CHECK(cj_ephys_simulate(d2, &o, &rng, NULL, &err) == CJ_OK);
    CHECK(compare_sets(d1, d2, o.n_sessions) == o.n_sessions * o.n_units);

    cj_rng_seed(&rng, 4);
    CHECK(cj_ephys_simulate(d2, &o, &rng, NULL, &err) == CJ_OK);
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/truth.csv", d1);
    snprintf(b, sizeof b, "%s/truth.csv", d2);
    CHECK(!same_file(a, b));
    rm_rf(d1);
    rm_rf(d2);
}

TEST(kilosort4_length_and_bombcell_labels)
{
    char dir[] = "/tmp/cj_ephys_ks4_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    cj_ephys_sim_opts o;
    cj_ephys_sim_defaults(&o);
    o.n_sessions = 1;
    o.n_units = 10;
    o.n_samples = 61;
    cj_rng rng;
    cj_rng_seed(&rng, 7);
    cj_error err = {0};
    CHECK(cj_ephys_simulate(dir, &o, &rng, NULL, &err) == CJ_OK);

    /* Replace phy's labels with bombcell's: the same units, upper case. */
    char path[256], tsv[256], bc[256];
    snprintf(tsv, sizeof tsv, "%s/session1/cluster_group.tsv", dir);
    snprintf(bc, sizeof bc, "%s/session1/cluster_bc_unitType.tsv", dir);
    size_t len;
    char *txt = (char *)slurp(tsv, &len);
    CHECK(txt != NULL);
    if (!txt) return;
    FILE *f = fopen(bc, "w");
    fputs("cluster_id\tbc_unitType\r\n", f); /* CRLF too */
    for (char *line = strchr(txt, '\n') + 1; line && *line; line = strchr(line, '\n') + 1) {
        int id;
        char g[16];
        if (sscanf(line, "%d\t%15s", &id, g) != 2) break;
        fprintf(f, "%d\t%s\r\n", id, !strcmp(g, "good") ? "GOOD" : !strcmp(g, "mua") ? "MUA" : "NOISE");
    }
    fclose(f);
    free(txt);
    remove(tsv);

    cj_ephys_session s;
    snprintf(path, sizeof path, "%s/session1/", dir); /* trailing slash: name still "session1" */
    cj_status st = cj_ephys_session_load(path, &s, &err);
    if (st) printf("  %s\n", err.msg);
    CHECK(st == CJ_OK);
    if (!st) {
        CHECK(s.n_units == 10 && s.n_samples == 61 && strcmp(s.name, "session1") == 0);
        cj_ephys_session_free(&s);
    }
    rm_rf(dir);
}

/* The loader fails with `code` and a one-line message containing `word`
 * and, when given, the file name `file`. */
static void check_load_error(const char *dir, cj_status code, const char *file, const char *word)
{
    cj_ephys_session s;
    cj_error err = {0};
    cj_status st = cj_ephys_session_load(dir, &s, &err);
    CHECK(st == code);
    CHECK(s.units == NULL && s.name == NULL);
    if (file) CHECK(strstr(err.msg, file) != NULL);
    CHECK(strstr(err.msg, word) != NULL);
    CHECK(strchr(err.msg, '\n') == NULL);
    if (st != code || !strstr(err.msg, word) || (file && !strstr(err.msg, file))) printf("  got: %s\n", err.msg);
}

TEST(loader_errors_name_the_file)
{
    char sdir[256], path[400], moved[410];
    snprintf(sdir, sizeof sdir, "%s/session%d", g_dir, N_SESSIONS);
    cj_ephys_session s;
    cj_error err = {0};
    if (load_session(g_dir, N_SESSIONS, &s, &err)) {
        CHECK(0);
        return;
    }
    int victim = s.units[s.n_units / 2].id;
    cj_ephys_session_free(&s);

    /* a good unit without its waveform file */
    char wave[64];
    snprintf(wave, sizeof wave, "Unit%d_RawSpikes.npy", victim);
    snprintf(path, sizeof path, "%s/RawWaveforms/%s", sdir, wave);
    snprintf(moved, sizeof moved, "%s.bak", path);
    CHECK(rename(path, moved) == 0);
    check_load_error(sdir, CJ_ERR_IO, wave, "missing waveform file");

    /* a waveform with the wrong channel count */
    float zeros[82 * 383 * 2] = {0};
    int64_t shape[3] = {82, 383, 2};
    CHECK(cj_npy_write_f32(path, 3, shape, zeros, &err) == CJ_OK);
    check_load_error(sdir, CJ_ERR_SHAPE, wave, "expected [samples, 384, 2]");
    CHECK(rename(moved, path) == 0);

    /* broken, then label-less cluster_group.tsv */
    char tsv[300], tsv_bak[310];
    snprintf(tsv, sizeof tsv, "%s/cluster_group.tsv", sdir);
    snprintf(tsv_bak, sizeof tsv_bak, "%s.bak", tsv);
    CHECK(rename(tsv, tsv_bak) == 0);
    write_text(tsv, "cluster\tlabel\n0\tgood\n");
    check_load_error(sdir, CJ_ERR_FORMAT, "cluster_group.tsv", "'cluster_id'");
    write_text(tsv, "cluster_id\tgroup\n0\tgood\nseven\tgood\n");
    check_load_error(sdir, CJ_ERR_FORMAT, "cluster_group.tsv", "line 3");
    write_text(tsv, "cluster_id\tgroup\n0\tmua\n1\tnoise\n");
    check_load_error(sdir, CJ_ERR_FORMAT, "cluster_group.tsv", "no units labelled good");
    remove(tsv);
    check_load_error(sdir, CJ_ERR_IO, "cluster_bc_unitType.tsv", "neither");
    CHECK(rename(tsv_bak, tsv) == 0);

    /* no probe geometry */
    snprintf(path, sizeof path, "%s/channel_positions.npy", sdir);
    snprintf(moved, sizeof moved, "%s.bak", path);
    CHECK(rename(path, moved) == 0);
    check_load_error(sdir, CJ_ERR_IO, "channel_positions.npy", "cannot open");
    CHECK(rename(moved, path) == 0);

    /* restored: loads again */
    CHECK(load_session(g_dir, N_SESSIONS, &s, &err) == CJ_OK);
    cj_ephys_session_free(&s);
}

/* ---- issue 7: bad inputs, Kilosort folders ------------------------------- */

/* A fresh copy of simulated session k in its own folder; returns the
 * session folder (allocated, lives until exit). */
static char *copy_session(int k, const char *tag)
{
    const char *dir = fixture_dir(tag);
    char *dst = cj_path_join(dir, "kilosort4");
    char *cmd = cj_path_printf("cp -r %s/session%d %s", g_dir, k, dst);
    if (!dst || !cmd || system(cmd) != 0) {
        printf("  cannot copy session%d to %s\n", k, dst ? dst : "?");
        exit(2);
    }
    free(cmd);
    free((char *)dir);
    return dst;
}

/* The copy's folder (its parent, the fixture folder) is removed when the
 * test passed, kept for a look when it failed. */
static void done_with(const char *session_dir)
{
    char *parent = cj_path_printf("%s", session_dir), *slash = strrchr(parent, '/');
    if (slash && strstr(parent, "kilosort4")) *slash = '\0';
    if (!harness_current_failed) rm_rf(parent);
    free(parent);
    free((char *)session_dir);
}

/* The first good unit's id and waveform (samples x 384 x 2) of folder dir. */
static float *first_unit(const char *dir, int *id, int64_t shape[3])
{
    cj_ephys_session s;
    cj_error err = {0};
    if (cj_ephys_session_load(dir, &s, &err)) {
        printf("  %s\n", err.msg);
        return NULL;
    }
    *id = s.units[0].id;
    shape[0] = s.n_samples, shape[1] = s.n_channels, shape[2] = 2;
    float *w = s.units[0].waveform;
    s.units[0].waveform = NULL;
    cj_ephys_session_free(&s);
    return w;
}

static char *unit_file(const char *dir, int id) { return cj_path_printf("%s/RawWaveforms/Unit%d_RawSpikes.npy", dir, id); }

/* One +Inf sample used to reach an array index (a segfault in cajal match);
 * a NaN was accepted. Both are errors naming the file and the unit. */
TEST(non_finite_samples_name_the_file_and_unit)
{
    char *dir = copy_session(1, "nonfinite");
    int id;
    int64_t shape[3];
    float *w = first_unit(dir, &id, shape);
    CHECK(w != NULL);
    if (!w) return;
    char *path = unit_file(dir, id), file[64], unit[32];
    snprintf(file, sizeof file, "Unit%d_RawSpikes.npy", id);
    snprintf(unit, sizeof unit, "unit %d:", id);
    const float bad[3] = {INFINITY, NAN, -INFINITY};
    const char *word[3] = {"+Inf", "NaN", "-Inf"};
    for (int k = 0; k < 3; k++) {
        size_t at = ((size_t)5 * 384 + 7) * 2 + 1; /* sample 5, channel 7, second half */
        float keep = w[at];
        w[at] = bad[k];
        cj_error err = {0};
        CHECK(cj_npy_write_f32(path, 3, shape, w, &err) == CJ_OK);
        check_load_error(dir, CJ_ERR_FORMAT, file, word[k]);
        check_load_error(dir, CJ_ERR_FORMAT, unit, "sample (5, 7, 1)");
        w[at] = keep;
    }
    free(w);
    free(path);
    done_with(dir);
}

/* A dead unit (all-zero waveform, or one all-zero half) is skipped with a
 * warning returned to the caller; the rest of the session loads. */
TEST(dead_units_are_skipped_with_a_warning)
{
    char *dir = copy_session(1, "dead");
    int id;
    int64_t shape[3];
    float *w = first_unit(dir, &id, shape);
    CHECK(w != NULL);
    if (!w) return;
    char *path = unit_file(dir, id), unit[32];
    snprintf(unit, sizeof unit, "unit %d:", id);
    size_t n = (size_t)shape[0] * shape[1] * 2;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++)
            if (pass == 0 || i % 2 == 1) w[i] = 0.0f; /* pass 1: half 1 only (half 0 already zero: redo) */
        if (pass == 1)
            for (size_t i = 0; i < n; i += 2) w[i] = 1.0f;
        cj_error err = {0};
        CHECK(cj_npy_write_f32(path, 3, shape, w, &err) == CJ_OK);
        cj_ephys_session s;
        cj_status st = cj_ephys_session_load(dir, &s, &err);
        CHECK(st == CJ_OK);
        if (st) {
            printf("  %s\n", err.msg);
            continue;
        }
        CHECK(s.n_units == N_UNITS - 1 && s.units[0].id != id);
        CHECK(s.n_warnings == 1 && strstr(s.warnings[0], unit) && strstr(s.warnings[0], "skipped"));
        CHECK(strstr(s.warnings[0], pass == 0 ? "waveform is all zero" : "half 1 of its waveform is all zero"));
        cj_ephys_session_free(&s);
    }
    free(w);
    free(path);
    done_with(dir);
}

/* A NUL byte in cluster_group.tsv made every later line vanish. */
TEST(nul_in_labels_is_an_error_naming_the_line)
{
    char *dir = copy_session(1, "nul");
    static const char tsv[] = "cluster_id\tgroup\n0\tgood\n1\tgo\0od\n2\tgood\n";
    free(fixture_file(dir, "cluster_group.tsv", tsv, sizeof tsv - 1));
    check_load_error(dir, CJ_ERR_FORMAT, "cluster_group.tsv: line 3:", "NUL byte");
    done_with(dir);
}

/* The error used to read the shape after freeing it ("0 dims [0, 0, ...]"). */
TEST(channel_positions_error_gives_the_real_shape)
{
    char *dir = copy_session(1, "pos3d");
    char *path = cj_path_join(dir, "channel_positions.npy");
    float pos[384 * 2] = {0};
    int64_t shape[3] = {384, 2, 1};
    cj_error err = {0};
    CHECK(cj_npy_write_f32(path, 3, shape, pos, &err) == CJ_OK);
    check_load_error(dir, CJ_ERR_SHAPE, "channel_positions.npy", "shape [384, 2, 1] (3-D), expected [channels, 2]");
    pos[9] = NAN;
    CHECK(cj_npy_write_f32(path, 2, shape, pos, &err) == CJ_OK);
    check_load_error(dir, CJ_ERR_FORMAT, "channel_positions.npy", "channel 4: y position is not finite");
    free(path);
    done_with(dir);
}

/* Duplicates are found by sorting: the first repeat in file order is named
 * with both lines, also among 60000 clusters. */
TEST(duplicate_clusters_name_both_lines)
{
    char *dir = copy_session(1, "dup");
    free(fixture_text(dir, "cluster_group.tsv", "cluster_id\tgroup\n3\tgood\n5\tmua\n5\tgood\n3\tgood\n"));
    check_load_error(dir, CJ_ERR_FORMAT, "cluster_group.tsv: line 4:", "cluster 5 is listed twice (first on line 3)");
    enum { N = 60000 };
    char *big = malloc((size_t)N * 16 + 64), *p = big;
    p += sprintf(p, "cluster_id\tgroup\n");
    for (int i = 0; i < N; i++) p += sprintf(p, "%d\tmua\n", N - i); /* descending: no sorted shortcut */
    sprintf(p, "%d\tgood\n", N / 2);
    free(fixture_text(dir, "cluster_group.tsv", big));
    char want[96];
    snprintf(want, sizeof want, "line %d: cluster %d is listed twice (first on line %d)", N + 2, N / 2, N / 2 + 2);
    check_load_error(dir, CJ_ERR_FORMAT, "cluster_group.tsv", want);
    free(big);
    done_with(dir);
}

/* Kilosort's own labels when there is nothing else; --all-clusters loads
 * the mua too. The loader says which file it used. */
TEST(kilosort_labels_and_all_clusters)
{
    char *dir = copy_session(1, "kslabel");
    char *tsv = cj_path_join(dir, "cluster_group.tsv");
    size_t len;
    char *txt = (char *)slurp(tsv, &len);
    CHECK(txt != NULL && remove(tsv) == 0);
    if (!txt) return;
    /* Every other good unit becomes mua; noise and mua (no waveforms) are dropped. */
    char *out = malloc(len + 64), *p = out;
    p += sprintf(p, "cluster_id\tKSLabel\n");
    int good = 0, listed = 0;
    for (char *line = strchr(txt, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        int id;
        char g[16];
        if (sscanf(line, "%d\t%15s", &id, g) != 2) break;
        if (strcmp(g, "good")) continue;
        p += sprintf(p, "%d\t%s\n", id, listed++ % 2 ? "mua" : "good");
        good += listed % 2;
    }
    free(fixture_text(dir, "cluster_KSLabel.tsv", out));
    cj_ephys_session s;
    cj_error err = {0};
    cj_status st = cj_ephys_session_load(dir, &s, &err);
    CHECK(st == CJ_OK);
    if (!st) {
        CHECK(s.n_units == good && !strcmp(s.label_file, "cluster_KSLabel.tsv"));
        cj_ephys_session_free(&s);
    }
    cj_ephys_load_opts all = {.all_clusters = 1};
    st = cj_ephys_session_load_opts(dir, &all, &s, &err);
    CHECK(st == CJ_OK);
    if (!st) {
        CHECK(s.n_units == listed && listed == N_UNITS);
        cj_ephys_session_free(&s);
    }
    free(txt);
    free(out);
    free(tsv);
    done_with(dir);
}

/* Only templates.npy: both halves are the template, with a warning. */
TEST(templates_only_session)
{
    char *dir = copy_session(1, "templates");
    cj_ephys_session s;
    cj_error err = {0};
    CHECK(cj_ephys_session_load(dir, &s, &err) == CJ_OK);
    int max_id = 0;
    for (int u = 0; u < s.n_units; u++) max_id = s.units[u].id > max_id ? s.units[u].id : max_id;
    int64_t shape[3] = {max_id + 2, s.n_samples, s.n_channels}; /* one more: a cluster without a unit */
    size_t per = (size_t)s.n_samples * s.n_channels;
    float *t = calloc((size_t)shape[0] * per, sizeof(float));
    for (int u = 0; u < s.n_units; u++)
        for (size_t i = 0; i < per; i++)
            t[(size_t)s.units[u].id * per + i] = 0.5f * (s.units[u].waveform[2 * i] + s.units[u].waveform[2 * i + 1]);
    char *path = cj_path_join(dir, "templates.npy"), *cmd = cj_path_printf("rm -r %s/RawWaveforms", dir);
    CHECK(cj_npy_write_f32(path, 3, shape, t, &err) == CJ_OK && system(cmd) == 0);
    int n = s.n_units, id0 = s.units[0].id;
    cj_ephys_session_free(&s);
    cj_status st = cj_ephys_session_load(dir, &s, &err);
    CHECK(st == CJ_OK);
    if (st) printf("  %s\n", err.msg);
    if (!st) {
        CHECK(s.n_units == n && s.units[0].id == id0 && s.from_templates == 1);
        CHECK(s.n_warnings == 1 && strstr(s.warnings[0], "templates.npy") && strstr(s.warnings[0], "both halves"));
        int same = 1;
        for (size_t i = 0; i < per; i++) same &= s.units[0].waveform[2 * i] == s.units[0].waveform[2 * i + 1];
        CHECK(same && s.units[0].waveform[0] == t[(size_t)id0 * per]);
        cj_ephys_session_free(&s);
    }
    /* A good cluster past the last template (made in phy) is named. */
    free(fixture_text(dir, "cluster_group.tsv", "cluster_id\tgroup\n100000\tgood\n"));
    check_load_error(dir, CJ_ERR_SHAPE, "templates.npy", "unit 100000 has no template");
    free(t);
    free(path);
    free(cmd);
    done_with(dir);
}

/* Two shanks side by side (x + 250 µm): found from the x gap or from
 * channel_shanks.npy, and a unit's centroid uses its own shank only. */
TEST(two_shank_session)
{
    char *dir = copy_session(1, "shanks");
    cj_ephys_session s;
    cj_error err = {0};
    CHECK(cj_ephys_session_load(dir, &s, &err) == CJ_OK);
    int nc = s.n_channels, ns = s.n_samples;
    float *pos = malloc(sizeof(float) * 4 * nc);
    for (int c = 0; c < nc; c++)
        for (int k = 0; k < 2; k++) {
            pos[2 * c + k] = s.channel_pos[2 * c + k];
            pos[2 * (nc + c) + k] = s.channel_pos[2 * c + k] + (k == 0 ? 250.0f : 0.0f);
        }
    int64_t pshape[2] = {2 * nc, 2}, wshape[3] = {ns, 2 * nc, 2};
    char *ppath = cj_path_join(dir, "channel_positions.npy");
    CHECK(cj_npy_write_f32(ppath, 2, pshape, pos, &err) == CJ_OK);
    /* Unit u on shank u % 2, with a copy at 60 % amplitude on the other. */
    float *w = malloc(sizeof(float) * (size_t)ns * 2 * nc * 2);
    for (int u = 0; u < s.n_units; u++) {
        int home = u % 2;
        for (int t = 0; t < ns; t++)
            for (int c = 0; c < nc; c++)
                for (int h = 0; h < 2; h++) {
                    float v = cj_ephys_wave_at(&s, &s.units[u], t, c, h);
                    w[((size_t)t * 2 * nc + home * nc + c) * 2 + h] = v;
                    w[((size_t)t * 2 * nc + (1 - home) * nc + c) * 2 + h] = 0.6f * v;
                }
        char *path = unit_file(dir, s.units[u].id);
        CHECK(cj_npy_write_f32(path, 3, wshape, w, &err) == CJ_OK);
        free(path);
    }
    int n = s.n_units;
    cj_ephys_session_free(&s);
    for (int with_file = 0; with_file < 2; with_file++) {
        if (with_file) {
            float *sh = malloc(sizeof(float) * 2 * nc);
            for (int c = 0; c < 2 * nc; c++) sh[c] = c < nc ? 3.0f : 7.0f; /* any numbers: renumbered 0, 1 */
            int64_t shape[1] = {2 * nc};
            char *path = cj_path_join(dir, "channel_shanks.npy");
            CHECK(cj_npy_write_f32(path, 1, shape, sh, &err) == CJ_OK);
            free(path);
            free(sh);
        }
        cj_status st = cj_ephys_session_load(dir, &s, &err);
        CHECK(st == CJ_OK);
        if (st) {
            printf("  %s\n", err.msg);
            continue;
        }
        CHECK(s.n_units == n && s.n_shanks == 2 && s.shanks_inferred == !with_file);
        CHECK(s.channel_shank[0] == 0 && s.channel_shank[nc] == 1);
        cj_unit_position *p = malloc(sizeof *p * (size_t)n);
        cj_position_opts po;
        cj_position_defaults(&po);
        CHECK(cj_unit_positions(&s, &po, p, &err) == CJ_OK);
        int own = 0;
        for (int u = 0; u < n; u++) {
            float x0 = (u % 2) * 250.0f; /* shank u % 2 spans x0 + 0..70 µm */
            own += p[u].shank == u % 2 && p[u].x_um >= x0 && p[u].x_um <= x0 + 70.0f &&
                   p[u].half_x_um[0] >= x0 && p[u].half_x_um[1] <= x0 + 70.0f;
        }
        CHECK(own == n);
        if (own != n) printf("  %d of %d units located on their own shank\n", own, n);
        free(p);
        cj_ephys_session_free(&s);
    }
    free(pos);
    free(w);
    free(ppath);
    done_with(dir);
}

/* Session names: the shortest path suffix that tells folders apart. */
TEST(session_names_tell_same_named_folders_apart)
{
    const char *root = fixture_dir("names");
    const char *rel[4] = {"a/day1/kilosort4", "b/day2/kilosort4", "b/day2/other", "c"};
    char *dirs[4], *names[4];
    for (int i = 0; i < 4; i++) {
        dirs[i] = cj_path_join(root, rel[i]);
        char *cmd = cj_path_printf("mkdir -p %s", dirs[i]);
        CHECK(system(cmd) == 0);
        free(cmd);
    }
    cj_error err = {0};
    CHECK(cj_ephys_session_names((const char *const *)dirs, 4, names, &err) == CJ_OK);
    CHECK(!strcmp(names[0], "day1/kilosort4") && !strcmp(names[1], "day2/kilosort4"));
    CHECK(!strcmp(names[2], "other") && !strcmp(names[3], "c"));
    for (int i = 0; i < 4; i++) free(names[i]);
    /* The same folder twice (once with a trailing slash and a ".."). */
    char *again = cj_path_printf("%s/a/day1/../day1/kilosort4/", root);
    const char *twice[2] = {dirs[0], again};
    CHECK(cj_ephys_session_names(twice, 2, names, &err) == CJ_ERR_ARG && strstr(err.msg, "same folder"));
    free(again);
    for (int i = 0; i < 4; i++) free(dirs[i]);

    const char *glob[3] = {"session1", "session10", "session2"}, *ordered[3] = {"session1", "session2", "session10"};
    const char *days[2] = {"day1/kilosort4", "day2/kilosort4"}, *plain[2] = {"left", "right"};
    char *w = cj_ephys_order_warning(glob, 3);
    CHECK(w && strstr(w, "session10 comes before session2"));
    free(w);
    CHECK(cj_ephys_order_warning(ordered, 3) == NULL);
    CHECK(cj_ephys_order_warning(days, 2) == NULL);
    CHECK(cj_ephys_order_warning(plain, 2) == NULL);
    done_with(root);
}

TEST(rejects_bad_options)
{
    cj_ephys_sim_opts o;
    cj_error err = {0};
    cj_ephys_sim_defaults(&o);
    CHECK(cj_ephys_sim_check(&o, &err) == CJ_OK);
    o.n_samples = 64;
    CHECK(cj_ephys_sim_check(&o, &err) == CJ_ERR_ARG && strstr(err.msg, "samples = 64"));
    cj_ephys_sim_defaults(&o);
    o.survival = 1.5f;
    CHECK(cj_ephys_sim_check(&o, &err) == CJ_ERR_ARG && strstr(err.msg, "survival"));
    cj_ephys_sim_defaults(&o);
    o.within_drift_um = -1.0f;
    CHECK(cj_ephys_sim_check(&o, &err) == CJ_ERR_ARG && strstr(err.msg, "within-session drift"));
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/cj_ephys_sim_XXXXXX");
    if (!mkdtemp(g_dir)) {
        printf("cannot create a temporary folder\n");
        return 1;
    }
    cj_ephys_sim_defaults(&g_opts);
    g_opts.n_sessions = N_SESSIONS;
    g_opts.n_units = N_UNITS;
    cj_rng rng;
    cj_rng_seed(&rng, 1);
    cj_error err = {0};
    if (cj_ephys_simulate(g_dir, &g_opts, &rng, &g_sum, &err)) {
        printf("simulate failed: %s\n", err.msg);
        rm_rf(g_dir);
        return 1;
    }
    RUN(simulates_and_loads_back);
    RUN(truth_matches_the_loaded_units);
    RUN(drift_within_limit_and_peaks_near_true_positions);
    RUN(halves_move_with_the_within_session_drift);
    RUN(same_seed_same_bytes);
    RUN(kilosort4_length_and_bombcell_labels);
    RUN(loader_errors_name_the_file);
    RUN(rejects_bad_options);
    RUN(non_finite_samples_name_the_file_and_unit);
    RUN(dead_units_are_skipped_with_a_warning);
    RUN(nul_in_labels_is_an_error_naming_the_line);
    RUN(channel_positions_error_gives_the_real_shape);
    RUN(duplicate_clusters_name_both_lines);
    RUN(kilosort_labels_and_all_clusters);
    RUN(templates_only_session);
    RUN(two_shank_session);
    RUN(session_names_tell_same_named_folders_apart);
    rm_rf(g_dir);
    return test_summary("ephys_sim");
}
