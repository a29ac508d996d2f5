/* waveform_features.c — fixed-size waveform features around each unit's
 * centroid (layout and rationale in include/cajal/waveform_net.h).
 *
 * Locating a unit reads its whole waveform once (samples x channels x 2);
 * filling a feature vector then reads only the (2 rows + 2) x 2 sites x
 * window it needs, so the contrastive stage can re-read a unit at a shifted
 * window centre every step without copying waveforms. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/waveform_net.h"

enum { CENTROID_ROWS = 2 }; /* rows each side of the peak row in the centroid */

static const float ROW_TOL_UM = 0.5f; /* sites closer than this in y share a row */

void cj_wavefeat_defaults(cj_wavefeat_config *c)
{
    c->rows = 4;
    c->pre = 12;
    c->post = 36;
    c->step = 2;
    c->amp_weight = 1.0f;
}

cj_status cj_wavefeat_check(const cj_wavefeat_config *c, cj_error *err)
{
    if (c->rows < 0 || c->rows > 64)
        return cj_fail(err, CJ_ERR_ARG, "features.rows = %d: must be in 0..64", c->rows);
    if (c->pre < 0 || c->pre > 1000 || c->post < 0 || c->post > 1000)
        return cj_fail(err, CJ_ERR_ARG, "features.pre = %d, post = %d: must be in 0..1000", c->pre, c->post);
    if (c->step < 1 || c->step > c->pre + c->post + 1)
        return cj_fail(err, CJ_ERR_ARG, "features.step = %d: must be in 1..pre+post+1 (%d)", c->step,
                       c->pre + c->post + 1);
    if (!(c->amp_weight >= 0.0f && c->amp_weight <= 100.0f))
        return cj_fail(err, CJ_ERR_ARG, "features.amp_weight = %g: must be in 0..100", (double)c->amp_weight);
    return CJ_OK;
}

static int n_times(const cj_wavefeat_config *c) { return (c->pre + c->post) / c->step + 1; }

int cj_wavefeat_dim(const cj_wavefeat_config *c) { return (2 * c->rows + 1) * 2 * n_times(c) + 1; }

/* ---- probe rows --------------------------------------------------------- */

typedef struct {
    float x, y;
    int c, shank;
} site_pos;

/* Rows are per shank: the sites of one depth on two shanks are hundreds of
 * µm apart and see different neurons. */
static int by_shank_y_x(const void *pa, const void *pb)
{
    const site_pos *a = pa, *b = pb;
    if (a->shank != b->shank) return a->shank - b->shank;
    if (a->y != b->y) return a->y < b->y ? -1 : 1;
    if (a->x != b->x) return a->x < b->x ? -1 : 1;
    return a->c - b->c;
}

void cj_wavefeat_probe_free(cj_wavefeat_probe *p)
{
    free(p->y_um);
    free(p->site);
    free(p->row_of);
    free(p->row_shank);
    memset(p, 0, sizeof *p);
}

cj_status cj_wavefeat_probe_build(cj_wavefeat_probe *p, const cj_ephys_session *s, cj_error *err)
{
    memset(p, 0, sizeof *p);
    int n = s->n_channels;
    if (n < 1) return cj_fail(err, CJ_ERR_SHAPE, "session %s: no channels", s->name ? s->name : "?");
    site_pos *sorted = malloc(sizeof *sorted * (size_t)n);
    p->y_um = malloc(sizeof(float) * (size_t)n);
    p->site = malloc(sizeof(int) * 2 * (size_t)n);
    p->row_of = malloc(sizeof(int) * (size_t)n);
    p->row_shank = malloc(sizeof(int) * (size_t)n);
    if (!sorted || !p->y_um || !p->site || !p->row_of || !p->row_shank) {
        free(sorted);
        cj_wavefeat_probe_free(p);
        return cj_fail(err, CJ_ERR_NOMEM, "session %s: out of memory for %d channels", s->name, n);
    }
    for (int c = 0; c < n; c++)
        sorted[c] = (site_pos){s->channel_pos[2 * c], s->channel_pos[2 * c + 1], c, cj_ephys_shank_of(s, c)};
    qsort(sorted, (size_t)n, sizeof *sorted, by_shank_y_x);
    int rows = 0, in_row = 0;
    for (int i = 0; i < n; i++) {
        if (i == 0 || sorted[i].shank != p->row_shank[rows - 1] || sorted[i].y - p->y_um[rows - 1] > ROW_TOL_UM) {
            p->y_um[rows] = sorted[i].y;
            p->row_shank[rows] = sorted[i].shank;
            p->site[2 * rows] = p->site[2 * rows + 1] = -1;
            rows++;
            in_row = 0;
        }
        if (in_row < 2) p->site[2 * (rows - 1) + in_row] = sorted[i].c;
        in_row++;
        p->row_of[sorted[i].c] = rows - 1;
    }
    free(sorted);
    p->n_rows = rows;
    p->n_channels = n;
    return CJ_OK;
}

/* Is r a row of the probe on the same shank as row `home`? */
static int same_shank_row(const cj_wavefeat_probe *p, int home, int r)
{
    return r >= 0 && r < p->n_rows && p->row_shank[r] == p->row_shank[home];
}

/* ---- locating a unit ---------------------------------------------------- */

/* Peak-to-peak amplitude of channel c in half h (h = 2: the mean of both). */
static float channel_ptp(const cj_ephys_session *s, const cj_ephys_unit *u, int c, int h)
{
    const float *w = u->waveform + (size_t)c * 2;
    size_t stride = (size_t)s->n_channels * 2;
    float lo = INFINITY, hi = -INFINITY;
    for (int t = 0; t < s->n_samples; t++) {
        const float *v = w + (size_t)t * stride;
        float x = h == 2 ? 0.5f * (v[0] + v[1]) : v[h];
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    return hi - lo;
}

void cj_wavefeat_locate(const cj_ephys_session *s, const cj_wavefeat_probe *p, int u,
                        cj_wavefeat_unit *info)
{
    const cj_ephys_unit *unit = &s->units[u];
    int peak = 0;
    float best = -1.0f;
    for (int c = 0; c < s->n_channels; c++) {
        float a = channel_ptp(s, unit, c, 2);
        if (a > best) best = a, peak = c;
    }
    info->peak_channel = peak;
    info->amp_uv[0] = channel_ptp(s, unit, peak, 0);
    info->amp_uv[1] = channel_ptp(s, unit, peak, 1);

    float lo = INFINITY;
    info->trough = 0;
    for (int t = 0; t < s->n_samples; t++) {
        float v = 0.5f * (cj_ephys_wave_at(s, unit, t, peak, 0) + cj_ephys_wave_at(s, unit, t, peak, 1));
        if (v < lo) lo = v, info->trough = t;
    }

    /* Amplitude-weighted mean row over the sites within CENTROID_ROWS rows
     * of the peak on its shank: close enough that noise-only sites barely
     * weigh in. */
    int pr = p->row_of[peak];
    double sw = 0.0, swr = 0.0;
    for (int r = pr - CENTROID_ROWS; r <= pr + CENTROID_ROWS; r++) {
        if (!same_shank_row(p, pr, r)) continue;
        for (int j = 0; j < 2; j++) {
            int c = p->site[2 * r + j];
            if (c < 0) continue;
            double w = channel_ptp(s, unit, c, 2);
            sw += w;
            swr += w * r;
        }
    }
    /* A weight that is not finite (possible only in a session that did not
     * come through the loader, which rejects non-finite samples) would make
     * the row NaN and the index below garbage: fall back to the peak row. */
    double row = sw > 0.0 ? swr / sw : pr;
    info->row = isfinite(row) ? (float)row : (float)pr;
    int r0 = (int)floorf(info->row);
    if (!same_shank_row(p, pr, r0)) r0 = pr; /* rounding at the shank's end */
    float f = info->row - (float)r0;
    info->y_um = same_shank_row(p, pr, r0 + 1) ? (1.0f - f) * p->y_um[r0] + f * p->y_um[r0 + 1] : p->y_um[r0];
}

/* ---- filling a feature vector ------------------------------------------ */

/* Box average of `step` samples from t of channel c (-1: none) in half h;
 * samples outside the recording count as zero. */
static float sample_at(const cj_ephys_session *s, const cj_ephys_unit *u, int c, int h, int t, int step)
{
    if (c < 0) return 0.0f;
    float sum = 0.0f;
    for (int k = 0; k < step; k++)
        if (t + k >= 0 && t + k < s->n_samples) sum += cj_ephys_wave_at(s, u, t + k, c, h);
    return sum / (float)step;
}

void cj_wavefeat_fill(const cj_ephys_session *s, const cj_wavefeat_probe *p, const cj_wavefeat_config *c,
                      const cj_wavefeat_unit *info, int u, int half, float shift_rows, float *x)
{
    const cj_ephys_unit *unit = &s->units[u];
    int nt = n_times(c), dim = cj_wavefeat_dim(c);
    int t0 = info->trough - c->pre - (c->step - 1) / 2; /* box centred on the kept sample */
    int home = p->row_of[info->peak_channel]; /* rows of other shanks read as absent */
    for (int k = -c->rows; k <= c->rows; k++) {
        float r = info->row + shift_rows + (float)k;
        int r0 = (int)floorf(r);
        float f = r - (float)r0;
        for (int j = 0; j < 2; j++) {
            int ca = same_shank_row(p, home, r0) ? p->site[2 * r0 + j] : -1;
            int cb = same_shank_row(p, home, r0 + 1) ? p->site[2 * (r0 + 1) + j] : -1;
            float *out = x + ((size_t)(k + c->rows) * 2 + j) * nt;
            for (int i = 0; i < nt; i++) {
                int t = t0 + i * c->step;
                out[i] = (1.0f - f) * sample_at(s, unit, ca, half, t, c->step) +
                         f * sample_at(s, unit, cb, half, t, c->step);
            }
        }
    }
    double ss = 0.0;
    for (int i = 0; i < dim - 1; i++) ss += (double)x[i] * x[i];
    float rms = (float)sqrt(ss / (dim - 1));
    float inv = rms > 1e-6f ? 1.0f / rms : 0.0f;
    for (int i = 0; i < dim - 1; i++) x[i] *= inv;
    float amp = info->amp_uv[half] > 1e-3f ? info->amp_uv[half] : 1e-3f;
    x[dim - 1] = c->amp_weight * log10f(amp / 100.0f);
}

cj_status cj_wavefeat_extract(const cj_ephys_session *s, const cj_wavefeat_config *c, float *x,
                              cj_wavefeat_unit *info, cj_error *err)
{
    cj_status st = cj_wavefeat_check(c, err);
    if (st) return st;
    cj_wavefeat_probe p;
    if ((st = cj_wavefeat_probe_build(&p, s, err))) return st;
    int dim = cj_wavefeat_dim(c);
    for (int u = 0; u < s->n_units; u++) {
        cj_wavefeat_unit where;
        cj_wavefeat_locate(s, &p, u, &where);
        for (int h = 0; h < 2; h++) cj_wavefeat_fill(s, &p, c, &where, u, h, 0.0f, x + ((size_t)u * 2 + h) * dim);
        if (info) info[u] = where;
    }
    cj_wavefeat_probe_free(&p);
    return CJ_OK;
}
