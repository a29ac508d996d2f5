/* session_waveforms.c — each unit's two half-session waveforms, from
 * UnitMatch's RawWaveforms folder or, failing that, Kilosort's templates
 * (layout in include/cajal/ephys.h; which tool writes what in
 * docs/unit-matching.md).
 *
 * Every sample must be finite: UnitMatch and bombcell take a nanmedian over
 * each half's spikes, so a unit with too few spikes gets NaN, and one NaN
 * used to reach an array index downstream. A unit whose waveform (or one
 * half) is all zero carries no information and would make every distance
 * and similarity of it meaningless; it is skipped with a warning instead of
 * failing the whole session. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/npy.h"
#include "session_internal.h"

enum { MAX_SAMPLES = 10000 }; /* a waveform is ~2-3 ms; 10000 samples is 0.3 s at 30 kHz */

/* Largest |sample| accepted. Waveforms are in µV or ADC units (int16), far
 * below this; a larger value is corrupt, and squaring amplitudes near
 * FLT_MAX (the centroid weights) would overflow to Inf and then NaN. */
static const float MAX_ABS_SAMPLE = 1e7f;

typedef enum { WAVE_OK = 0, WAVE_DEAD } wave_state;

/* Finite and not dead: an error naming the first non-finite sample, or
 * *state = WAVE_DEAD with the reason in why[]. */
static cj_status check_wave(const float *w, int n_samples, int n_channels, const char *path, int id,
                            wave_state *state, char *why, size_t why_len, cj_error *err)
{
    int live[2] = {0, 0};
    size_t n = (size_t)n_samples * n_channels * 2;
    for (size_t i = 0; i < n; i++) {
        size_t t = i / ((size_t)n_channels * 2), c = (i / 2) % (size_t)n_channels;
        if (!isfinite(w[i]))
            return cj_fail(err, CJ_ERR_FORMAT,
                           "%s: unit %d: sample (%zu, %zu, %zu) is %s, expected a finite value (a half "
                           "with no spikes?)",
                           path, id, t, c, i % 2, isnan(w[i]) ? "NaN" : w[i] > 0 ? "+Inf" : "-Inf");
        if (fabsf(w[i]) > MAX_ABS_SAMPLE)
            return cj_fail(err, CJ_ERR_FORMAT, "%s: unit %d: sample (%zu, %zu, %zu) is %g, beyond +-%g", path, id,
                           t, c, i % 2, (double)w[i], (double)MAX_ABS_SAMPLE);
        live[i % 2] |= w[i] != 0.0f;
    }
    *state = live[0] && live[1] ? WAVE_OK : WAVE_DEAD;
    if (!live[0] && !live[1])
        snprintf(why, why_len, "waveform is all zero");
    else if (!live[0] || !live[1])
        snprintf(why, why_len, "half %d of its waveform is all zero", live[0] ? 1 : 0);
    return CJ_OK;
}

/* ---- RawWaveforms/Unit<id>_RawSpikes.npy --------------------------------- */

static cj_status read_raw(const char *dir, cj_ephys_session *s, int id, float **wave, char **path_out,
                          cj_error *err)
{
    *wave = NULL;
    char file[64]; /* "RawWaveforms/Unit<int>_RawSpikes.npy" is at most 47 characters */
    snprintf(file, sizeof file, "RawWaveforms/Unit%d_RawSpikes.npy", id);
    char *path = cj_path_join(dir, file);
    *path_out = path;
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return cj_fail(err, CJ_ERR_IO, "%s: missing waveform file for unit %d, which is labelled good", path, id);
    cj_npy_array a;
    cj_status st = cj_npy_read(path, CJ_NPY_F32, &a, err);
    if (st) return st;
    if (a.ndim != 3 || a.shape[1] != s->n_channels || a.shape[2] != 2 || a.shape[0] < 1 ||
        a.shape[0] > MAX_SAMPLES) {
        st = cj_fail(err, CJ_ERR_SHAPE,
                     "%s: waveform shape [%lld, %lld, %lld] (%d-D), expected [samples, %d, 2] "
                     "(%d channels in channel_positions.npy, 1..%d samples)",
                     path, (long long)a.shape[0], (long long)a.shape[1], (long long)a.shape[2], a.ndim,
                     s->n_channels, s->n_channels, MAX_SAMPLES);
    } else if (s->n_samples && a.shape[0] != s->n_samples) {
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: waveform has %lld samples, earlier units have %d", path,
                     (long long)a.shape[0], s->n_samples);
    }
    if (st) {
        cj_npy_free(&a);
        return st;
    }
    s->n_samples = (int)a.shape[0];
    *wave = a.data; /* ownership moves to the caller */
    return CJ_OK;
}

/* ---- templates.npy ----------------------------------------------------------- */

/* Kilosort's templates: clusters x samples x channels. */
static cj_status read_templates(const char *dir, const cj_ephys_session *s, cj_npy_array *a, char **path_out,
                                cj_error *err)
{
    char *path = cj_path_join(dir, "templates.npy");
    *path_out = path;
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    cj_status st = cj_npy_read(path, CJ_NPY_F32, a, err);
    if (st) return st;
    if (a->ndim != 3 || a->shape[2] != s->n_channels || a->shape[1] < 1 || a->shape[1] > MAX_SAMPLES ||
        a->shape[0] < 1) {
        st = cj_fail(err, CJ_ERR_SHAPE,
                     "%s: templates shape [%lld, %lld, %lld] (%d-D), expected [clusters, samples, %d] "
                     "(%d channels in channel_positions.npy, 1..%d samples)",
                     path, (long long)a->shape[0], (long long)a->shape[1], (long long)a->shape[2], a->ndim,
                     s->n_channels, s->n_channels, MAX_SAMPLES);
        cj_npy_free(a);
    }
    return st;
}

/* Cluster id's template as both halves of a waveform. The cluster id is
 * the template's row: true for Kilosort's output, not for clusters that
 * phy made by merging or splitting, which have no template. */
static cj_status template_wave(const cj_npy_array *t, const char *path, int id, int n_channels, float **wave,
                               cj_error *err)
{
    *wave = NULL;
    if (id >= t->shape[0])
        return cj_fail(err, CJ_ERR_SHAPE,
                       "%s: unit %d has no template (%lld templates; a cluster made in phy?)", path, id,
                       (long long)t->shape[0]);
    size_t per = (size_t)t->shape[1] * n_channels;
    float *w = malloc(sizeof(float) * per * 2);
    if (!w) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for unit %d", path, id);
    const float *src = (const float *)t->data + (size_t)id * per;
    for (size_t i = 0; i < per; i++) w[2 * i] = w[2 * i + 1] = src[i];
    *wave = w;
    return CJ_OK;
}

/* ---- both ------------------------------------------------------------------------ */

static int has_folder(const char *dir, const char *name)
{
    char *path = cj_path_join(dir, name);
    struct stat sb;
    int yes = path && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
    free(path);
    return yes;
}

static int has_file(const char *dir, const char *name)
{
    char *path = cj_path_join(dir, name);
    struct stat sb;
    int yes = path && stat(path, &sb) == 0;
    free(path);
    return yes;
}

/* Keep unit id's waveform w in s, or skip it with a warning when dead. */
static cj_status keep_or_skip(cj_ephys_session *s, const char *path, int id, float *w, cj_error *err)
{
    wave_state state = WAVE_OK;
    char why[64] = "";
    cj_status st = check_wave(w, s->n_samples, s->n_channels, path, id, &state, why, sizeof why, err);
    if (!st && state == WAVE_DEAD) st = cj_ephys_warn(s, err, "%s: unit %d: %s (a dead unit?); skipped", path, id, why);
    if (st || state == WAVE_DEAD) {
        free(w);
        return st;
    }
    s->units[s->n_units++] = (cj_ephys_unit){id, w};
    return CJ_OK;
}

static cj_status load_from_templates(const char *dir, cj_ephys_session *s, const int *ids, int n, cj_error *err)
{
    cj_npy_array t = {0};
    char *path;
    cj_status st = read_templates(dir, s, &t, &path, err);
    if (!st) {
        s->n_samples = (int)t.shape[1];
        s->from_templates = 1;
        st = cj_ephys_warn(s, err,
                           "%s: no RawWaveforms folder: using Kilosort's templates (whitened) as both halves, so "
                           "within-session stability cannot be measured",
                           path);
    }
    for (int i = 0; i < n && !st; i++) {
        float *w;
        st = template_wave(&t, path, ids[i], s->n_channels, &w, err);
        if (!st) st = keep_or_skip(s, path, ids[i], w, err);
    }
    cj_npy_free(&t);
    free(path);
    return st;
}

cj_status cj_ephys_waveforms_load(const char *dir, cj_ephys_session *s, const int *ids, int n, cj_error *err)
{
    s->units = calloc((size_t)n, sizeof *s->units);
    if (!s->units) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d units", dir, n);
    cj_status st = CJ_OK;
    int raw = has_folder(dir, "RawWaveforms"), templates = has_file(dir, "templates.npy");
    if (!raw && !templates) {
        st = cj_fail(err, CJ_ERR_IO, "%s: no waveforms: neither a RawWaveforms folder nor templates.npy found", dir);
    } else if (!raw) {
        st = load_from_templates(dir, s, ids, n, err);
    } else {
        for (int i = 0; i < n && !st; i++) {
            float *w;
            char *path;
            st = read_raw(dir, s, ids[i], &w, &path, err);
            if (!st) st = keep_or_skip(s, path, ids[i], w, err);
            free(path);
        }
    }
    if (!st && s->n_units == 0)
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: none of the %d units has a usable waveform (all skipped as dead)",
                     dir, n);
    return st;
}
