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
    rm_rf(g_dir);
    return test_summary("ephys_sim");
}
