/* simulate.c — chronic Neuropixels 1.0 recordings with known identities,
 * written in the Kilosort/phy + UnitMatch layout (see include/cajal/ephys.h).
 *
 * The generative model, per neuron:
 *   position   fixed in the tissue: x across the shank U(-20, 90) µm, y along
 *              it (uniform, away from the probe ends), z (distance from the
 *              probe plane) U(0, 25) µm;
 *   amplitude  A ~ lognormal (median 110 µV, sd of log 0.45) at the nearest
 *              point of the probe plane, falling off with the 3-D distance d
 *              from the soma as A exp(-(d - z) / lambda), lambda U(20, 40) µm;
 *   shape      w(t) = -g(t; s_trough) + r_peak g(t - t_peak; s_peak)
 *                     + r_pre g(t + 0.15 ms; 0.08 ms), g a unit Gaussian bump:
 *              a trough, an after-hyperpolarisation (30% narrow units with
 *              t_peak 0.2–0.35 ms, the rest 0.4–0.8 ms) and a small
 *              pre-trough bump. Away from the soma the signal arrives later
 *              (planar distance / speed, 0.15–0.5 m/s), widens and becomes
 *              relatively more positive, as backpropagating spikes do;
 *   days       every session, amplitude, lambda and shape take a small
 *              multiplicative random-walk step (slow change across days),
 *              and each recorded unit sits a little off its tissue position
 *              (N(0, 2 µm) along the probe, N(0, 1 µm) across: non-rigid
 *              motion);
 *   presence   a unit of one session is in the next with P = survival; an
 *              absent neuron comes back with P = 0.05; new neurons fill the
 *              session up to n_units good units;
 *   drift      session 1 is the reference; every later session shifts the
 *              whole tissue along the probe by U(-max_drift, max_drift) µm;
 *   halves     the probe also moves during a recording (a few µm over an
 *              hour), so each half-session mean waveform is taken at a
 *              slightly different place: the two halves of every unit of
 *              session s sit -D_s / 2 and +D_s / 2 along the probe from the
 *              unit's position, D_s ~ N(0, within_drift_um) once per session
 *              (rigid: the same for all its units), plus each half's own
 *              jitter N(0, within_drift_um / 4) along and
 *              N(0, within_drift_um / 8) across the probe (non-rigid
 *              motion within the session). Each half gets its own gain
 *              exp(N(0, 0.03)) and its own noise: AR(1) in time (rho 0.5),
 *              sd 12 µV / sqrt(n_spikes); the unit's n_spikes per half is
 *              log-uniform in [30, 600] and each half's count differs from
 *              it by a factor exp(N(0, 0.4)) (firing rates change within a
 *              session; at least 10 spikes), i.e. background noise averaged
 *              over the spikes of one half.
 * Besides the good units every session lists n_units / 10 "mua" and
 * "noise" clusters (no waveform files, as a loader must skip them), and
 * cluster ids are a random permutation, so ids and file order say nothing
 * about identity. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/ephys.h"
#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/npy.h"

enum { N_CHANNELS = 384 };

static const float ROW_PITCH_UM = 20.0f;
static const float SAMPLES_PER_MS = 30.0f; /* 30 kHz */
static const float P_RETURN = 0.05f;       /* P(an absent neuron reappears) per session */
/* Within-session motion of one half, relative to the rigid D_s: sd along
 * and across the probe as fractions of within_drift_um. */
static const float HALF_JITTER_Y = 0.25f, HALF_JITTER_X = 0.125f;
static const float HALF_RATE_SD = 0.4f;    /* sd of ln(spikes in a half / the unit's typical count) */
static const float MIN_HALF_SPIKES = 10.0f;

typedef struct {
    float x, y, z;           /* µm, fixed in the tissue (session-1 frame) */
    float amp_uv;            /* amplitude at the nearest point of the probe plane */
    float lambda_um;         /* spatial decay length */
    float trough_ms;         /* sd of the trough */
    float peak_ratio;        /* after-hyperpolarisation height / trough depth */
    float peak_delay_ms;     /* trough to peak */
    float peak_ms;           /* sd of the after-hyperpolarisation */
    float pre_ratio;         /* pre-trough bump height / trough depth */
    float speed_um_per_ms;   /* propagation speed along the probe */
    int present;             /* 1: recorded in the current session (-1: may return) */
} neuron;

/* Neuropixels 1.0: two sites per 20 µm row, rows staggered: even rows at
 * x = 43, 11 µm, odd rows at x = 59, 27 µm; y = 20 µm * row. */
static void site_xy(int c, float *x, float *y)
{
    int row = c / 2, col = c % 2;
    static const float xs[2][2] = {{43.0f, 11.0f}, {59.0f, 27.0f}};
    *x = xs[row % 2][col];
    *y = ROW_PITCH_UM * (float)row;
}

static float uniform(cj_rng *rng, float lo, float hi) { return lo + (hi - lo) * cj_rng_uniform(rng); }

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

static void new_neuron(neuron *n, cj_rng *rng, float y_lo, float y_hi)
{
    n->x = uniform(rng, -20.0f, 90.0f);
    n->y = uniform(rng, y_lo, y_hi);
    n->z = uniform(rng, 0.0f, 25.0f);
    n->amp_uv = clampf(expf(logf(110.0f) + 0.45f * cj_rng_normal(rng)), 40.0f, 500.0f);
    n->lambda_um = uniform(rng, 20.0f, 40.0f);
    n->trough_ms = uniform(rng, 0.06f, 0.13f);
    int narrow = cj_rng_uniform(rng) < 0.3f;
    n->peak_delay_ms = narrow ? uniform(rng, 0.2f, 0.35f) : uniform(rng, 0.4f, 0.8f);
    n->peak_ms = narrow ? uniform(rng, 0.1f, 0.18f) : uniform(rng, 0.15f, 0.3f);
    n->peak_ratio = uniform(rng, 0.15f, 0.5f);
    n->pre_ratio = uniform(rng, 0.0f, 0.15f);
    n->speed_um_per_ms = uniform(rng, 150.0f, 500.0f);
    n->present = 0;
}

/* One day of slow change: multiplicative random-walk steps, kept in range. */
static void age_neuron(neuron *n, cj_rng *rng)
{
    n->amp_uv = clampf(n->amp_uv * expf(0.08f * cj_rng_normal(rng)), 25.0f, 600.0f);
    n->lambda_um = clampf(n->lambda_um * expf(0.03f * cj_rng_normal(rng)), 15.0f, 50.0f);
    n->trough_ms = clampf(n->trough_ms * expf(0.03f * cj_rng_normal(rng)), 0.04f, 0.2f);
    n->peak_ratio = clampf(n->peak_ratio * expf(0.06f * cj_rng_normal(rng)), 0.05f, 0.8f);
    n->peak_delay_ms = clampf(n->peak_delay_ms * expf(0.03f * cj_rng_normal(rng)), 0.15f, 1.0f);
    n->peak_ms = clampf(n->peak_ms * expf(0.03f * cj_rng_normal(rng)), 0.08f, 0.4f);
}

static float bump(float t_ms, float sd_ms) { return expf(-0.5f * (t_ms * t_ms) / (sd_ms * sd_ms)); }

/* The noise-free waveform of neuron n with its soma at (xs, ys): base[t, c]
 * in µV, samples x channels. */
static void clean_waveform(const neuron *n, float xs, float ys, int n_samples, float *base)
{
    int t0 = n_samples == 61 ? 20 : n_samples / 2; /* trough sample, as Kilosort aligns */
    memset(base, 0, sizeof(float) * (size_t)n_samples * N_CHANNELS);
    for (int c = 0; c < N_CHANNELS; c++) {
        float cx, cy;
        site_xy(c, &cx, &cy);
        float dx = cx - xs, dy = cy - ys;
        float planar = sqrtf(dx * dx + dy * dy);
        float beyond = sqrtf(planar * planar + n->z * n->z) - n->z; /* µm past the closest approach */
        float a = n->amp_uv * expf(-beyond / n->lambda_um);
        if (a < 0.01f) continue; /* far below the noise: leave zero */
        /* Far sites see a later, broader, more positive signal. */
        float delay = planar / n->speed_um_per_ms;
        float widen = 1.0f + 0.5f * beyond / 100.0f;
        float pr = n->peak_ratio * (1.0f + 0.3f * beyond / n->lambda_um);
        for (int t = 0; t < n_samples; t++) {
            float tm = (float)(t - t0) / SAMPLES_PER_MS - delay;
            float w = -bump(tm, n->trough_ms * widen) +
                      pr * bump(tm - n->peak_delay_ms, n->peak_ms * widen) +
                      n->pre_ratio * bump(tm + 0.15f, 0.08f);
            base[(size_t)t * N_CHANNELS + c] = a * w;
        }
    }
}

/* Half h of a unit's mean waveform from its clean waveform base (samples x
 * channels): its own gain and AR(1) noise of sd 12 µV / sqrt(n_spikes).
 * wave is samples x channels x 2, as UnitMatch stores it. */
static void noisy_half(const float *base, int n_samples, float n_spikes, cj_rng *rng, float *wave, int h)
{
    const float rho = 0.5f;
    float sd = 12.0f / sqrtf(n_spikes);
    float innov = sd * sqrtf(1.0f - rho * rho); /* keeps the AR(1) marginal sd at sd */
    float gain = expf(0.03f * cj_rng_normal(rng));
    for (int c = 0; c < N_CHANNELS; c++) {
        float e = sd * cj_rng_normal(rng);
        for (int t = 0; t < n_samples; t++) {
            if (t) e = rho * e + innov * cj_rng_normal(rng);
            size_t i = (size_t)t * N_CHANNELS + c;
            wave[i * 2 + h] = gain * base[i] + e;
        }
    }
}

/* ---- text output ------------------------------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} text;

static void text_printf(text *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_printf(text *b, const char *fmt, ...)
{
    if (b->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->failed = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

static cj_status text_write(text *b, const char *path, cj_error *err)
{
    if (b->failed) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory composing the file", path);
    return cj_write_file_atomic(path, b->s ? b->s : "", b->len, err);
}

/* ---- folders ----------------------------------------------------------- */

/* Write b to dir/name. */
static cj_status text_write_in(text *b, const char *dir, const char *name, cj_error *err)
{
    char *path = cj_path_join(dir, name);
    cj_status st = path ? text_write(b, path, err) : cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    free(path);
    return st;
}

/* ---- sessions ---------------------------------------------------------- */

typedef struct {
    const cj_ephys_sim_opts *o;
    const char *dir;
    neuron *neurons; /* every neuron ever created */
    int n_neurons;
    float y_lo, y_hi;   /* µm: where somata may sit */
    float *base, *wave; /* scratch for one unit */
    text truth, drift;
} sim;

/* Decide who is recorded in a later session: each neuron ages a day, units
 * of the previous session survive with P = survival, and absent neurons
 * come back with P = P_RETURN while slots are free (survivors never exceed
 * n_units, as the previous session had exactly n_units). Every neuron draws
 * once in a fixed order, so the stream never depends on the counts.
 * Returns how many are present. */
static int choose_present(sim *m, cj_rng *rng)
{
    int count = 0;
    for (int i = 0; i < m->n_neurons; i++) {
        neuron *n = &m->neurons[i];
        age_neuron(n, rng);
        float u = cj_rng_uniform(rng);
        n->present = n->present ? (u < m->o->survival) : (u < P_RETURN ? -1 : 0);
        count += n->present == 1;
    }
    for (int i = 0; i < m->n_neurons; i++) {
        neuron *n = &m->neurons[i];
        if (n->present != -1) continue;
        n->present = count < m->o->n_units;
        count += n->present;
    }
    return count;
}

/* One unit of a session whose tissue is shifted by shift_um along the probe
 * and moves by within_um between the two halves of the recording. Every
 * draw is made whatever the options, so within_drift_um = 0 changes the
 * waveforms but not the rest of the data set. */
static cj_status write_unit(sim *m, const char *sdir, int id, const neuron *n, float shift_um, float within_um,
                            cj_rng *rng, cj_error *err)
{
    int ns = m->o->n_samples;
    float wd = m->o->within_drift_um;
    float xs = n->x + 1.0f * cj_rng_normal(rng);
    float ys = n->y + shift_um + 2.0f * cj_rng_normal(rng);
    float n_spikes = expf(uniform(rng, logf(30.0f), logf(600.0f)));
    for (int h = 0; h < 2; h++) {
        float xh = xs + HALF_JITTER_X * wd * cj_rng_normal(rng);
        float yh = ys + (h ? 0.5f : -0.5f) * within_um + HALF_JITTER_Y * wd * cj_rng_normal(rng);
        float spikes = n_spikes * expf(HALF_RATE_SD * cj_rng_normal(rng));
        clean_waveform(n, xh, yh, ns, m->base);
        noisy_half(m->base, ns, spikes > MIN_HALF_SPIKES ? spikes : MIN_HALF_SPIKES, rng, m->wave, h);
    }
    char *path = cj_path_printf("%s/RawWaveforms/Unit%d_RawSpikes.npy", sdir, id);
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", sdir);
    int64_t shape[3] = {ns, N_CHANNELS, 2};
    cj_status st = cj_npy_write_f32(path, 3, shape, m->wave, err);
    free(path);
    return st;
}

static cj_status write_probe(const char *sdir, cj_error *err)
{
    float pos[N_CHANNELS * 2];
    for (int c = 0; c < N_CHANNELS; c++) site_xy(c, &pos[2 * c], &pos[2 * c + 1]);
    char *path = cj_path_join(sdir, "channel_positions.npy");
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", sdir);
    int64_t shape[2] = {N_CHANNELS, 2};
    cj_status st = cj_npy_write_f32(path, 2, shape, pos, err);
    free(path);
    return st;
}

/* unit_of[id] is the neuron behind good cluster `id`, or -1 (mua), -2 (noise). */
static cj_status write_labels(sim *m, const char *sdir, const char *name, const int *unit_of, int n_ids,
                              cj_error *err)
{
    text tsv = {0};
    text_printf(&tsv, "cluster_id\tgroup\n");
    for (int id = 0; id < n_ids; id++) {
        const char *g = unit_of[id] >= 0 ? "good" : unit_of[id] == -1 ? "mua" : "noise";
        text_printf(&tsv, "%d\t%s\n", id, g);
        if (unit_of[id] >= 0) text_printf(&m->truth, "%s,%d,%d\n", name, id, unit_of[id]);
    }
    cj_status st = text_write_in(&tsv, sdir, "cluster_group.tsv", err);
    free(tsv.s);
    return st;
}

static cj_status simulate_session(sim *m, int s, cj_rng *rng, cj_error *err)
{
    const cj_ephys_sim_opts *o = m->o;
    int present = s ? choose_present(m, rng) : 0;
    while (present < o->n_units) {
        neuron *n = &m->neurons[m->n_neurons++];
        new_neuron(n, rng, m->y_lo, m->y_hi);
        n->present = 1;
        present++;
    }
    float shift = s ? uniform(rng, -o->max_drift_um, o->max_drift_um) : 0.0f;
    float within = o->within_drift_um * cj_rng_normal(rng); /* second half minus first, µm */

    /* Random cluster ids: the first n_units of a permutation are good. */
    int n_ids = present + o->n_units / 10;
    int *perm = malloc(sizeof(int) * (size_t)n_ids * 2);
    if (!perm) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d cluster ids", m->dir, n_ids);
    int *unit_of = perm + n_ids;
    for (int i = 0; i < n_ids; i++) perm[i] = i;
    cj_rng_shuffle(rng, perm, (size_t)n_ids);
    for (int k = 0, j = 0; k < n_ids; k++) {
        while (k < present && !m->neurons[j].present) j++;
        unit_of[perm[k]] = k < present ? j++ : cj_rng_uniform(rng) < 0.5f ? -1 : -2;
    }

    char name[32];
    snprintf(name, sizeof name, "session%d", s + 1); /* at most 17 characters */
    char *sdir = cj_path_join(m->dir, name), *sub = sdir ? cj_path_join(sdir, "RawWaveforms") : NULL;
    cj_status st = CJ_OK;
    if (!sub) st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", m->dir);
    if (!st) st = cj_make_dirs(sdir, err);
    if (!st) st = cj_make_dirs(sub, err);
    if (!st) st = write_probe(sdir, err);
    for (int id = 0; id < n_ids && !st; id++)
        if (unit_of[id] >= 0) st = write_unit(m, sdir, id, &m->neurons[unit_of[id]], shift, within, rng, err);
    if (!st) st = write_labels(m, sdir, name, unit_of, n_ids, err);
    text_printf(&m->drift, "%s,%.3f,%.3f\n", name, shift, within);
    free(sdir);
    free(sub);
    free(perm);
    return st;
}

/* Where each neuron sits in the tissue (session-1 frame), for checking
 * position estimates: in session s a unit is near (x, y + shift_s). */
static cj_status write_neurons(const sim *m, cj_error *err)
{
    text t = {0};
    text_printf(&t, "neuron,x_um,y_um,z_um\n");
    for (int i = 0; i < m->n_neurons; i++)
        text_printf(&t, "%d,%.2f,%.2f,%.2f\n", i, m->neurons[i].x, m->neurons[i].y, m->neurons[i].z);
    cj_status st = text_write_in(&t, m->dir, "neurons.csv", err);
    free(t.s);
    return st;
}

/* ---- entry point ------------------------------------------------------- */

void cj_ephys_sim_defaults(cj_ephys_sim_opts *o)
{
    o->n_sessions = 5;
    o->n_units = 300;
    o->max_drift_um = 60.0f;
    o->survival = 0.8f;
    o->n_samples = 82;
    o->within_drift_um = 2.5f;
}

cj_status cj_ephys_sim_check(const cj_ephys_sim_opts *o, cj_error *err)
{
    if (o->n_sessions < 1 || o->n_sessions > 1000)
        return cj_fail(err, CJ_ERR_ARG, "sessions = %d: must be in 1..1000", o->n_sessions);
    if (o->n_units < 1 || o->n_units > 100000)
        return cj_fail(err, CJ_ERR_ARG, "units = %d: must be in 1..100000", o->n_units);
    if (!(o->max_drift_um >= 0.0f && o->max_drift_um <= 1000.0f))
        return cj_fail(err, CJ_ERR_ARG, "drift = %g um: must be in 0..1000", (double)o->max_drift_um);
    if (!(o->within_drift_um >= 0.0f && o->within_drift_um <= 100.0f))
        return cj_fail(err, CJ_ERR_ARG, "within-session drift = %g um: must be in 0..100", (double)o->within_drift_um);
    if (!(o->survival >= 0.0f && o->survival <= 1.0f))
        return cj_fail(err, CJ_ERR_ARG, "survival = %g: must be in 0..1", (double)o->survival);
    if (o->n_samples != 82 && o->n_samples != 61)
        return cj_fail(err, CJ_ERR_ARG, "samples = %d: must be 82 (Kilosort 2.5) or 61 (Kilosort 4)",
                       o->n_samples);
    return CJ_OK;
}

cj_status cj_ephys_simulate(const char *dir, const cj_ephys_sim_opts *o, cj_rng *rng,
                            cj_ephys_sim_summary *summary, cj_error *err)
{
    cj_status st = cj_ephys_sim_check(o, err);
    if (st) return st;
    if ((st = cj_make_dirs(dir, err))) return st;

    /* Somata stay far enough from the probe ends that drift never moves a
     * footprint (a few lambda) off the 3820 µm of sites. */
    float margin = o->max_drift_um + 60.0f;
    sim m = {.o = o, .dir = dir, .y_lo = margin, .y_hi = ROW_PITCH_UM * (N_CHANNELS / 2 - 1) - margin};
    size_t per_unit = (size_t)o->n_samples * N_CHANNELS;
    m.neurons = calloc((size_t)o->n_units * (size_t)o->n_sessions, sizeof *m.neurons);
    m.base = malloc(sizeof(float) * per_unit);
    m.wave = malloc(sizeof(float) * per_unit * 2);
    if (!m.neurons || !m.base || !m.wave) {
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d x %d units", dir, o->n_sessions, o->n_units);
        goto done;
    }
    text_printf(&m.truth, "session,unit,neuron\n");
    text_printf(&m.drift, "session,shift_um,within_shift_um\n");
    for (int s = 0; s < o->n_sessions && !st; s++) st = simulate_session(&m, s, rng, err);

    if (!st) st = text_write_in(&m.truth, dir, "truth.csv", err);
    if (!st) st = text_write_in(&m.drift, dir, "drift.csv", err);
    if (!st) st = write_neurons(&m, err);
    if (!st && summary) {
        summary->n_sessions = o->n_sessions;
        summary->n_units = o->n_sessions * o->n_units;
        summary->n_neurons = m.n_neurons;
    }
done:
    free(m.neurons);
    free(m.base);
    free(m.wave);
    free(m.truth.s);
    free(m.drift.s);
    return st;
}
