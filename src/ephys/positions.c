/* positions.c — where each unit sits on the probe, from its waveform
 * (see include/cajal/unitmatch.h).
 *
 * The location is the centroid of the channels within window_um of the unit
 * along the probe, each weighted by its squared peak-to-peak amplitude
 * (UnitMatch, van Beest et al. 2024, uses an amplitude-weighted centroid of
 * the channels near the peak). Two choices make it stable across sessions,
 * measured on simulated recordings (5 x 300 units, the same neuron in two
 * sessions, true drift removed; median / 95th percentile of |dy|):
 *   window on the peak channel, radius 50 µm, weights ptp    6.1 / 18.1 µm
 *   window on the peak channel, +-100 µm, weights ptp^2      2.2 /  6.4 µm
 *   window recentred on the estimate, +-100 µm, ptp^2        2.0 /  6.0 µm
 * against a floor of 1.9 / 5.5 µm set by the simulated non-rigid motion. A
 * window fixed on the peak channel is lopsided whenever the unit sits
 * between rows, and the bias changes as drift moves the unit across rows.
 *
 * The centroid is computed three times per unit: from the mean of both
 * half-session waveforms ("exact") and from each half alone, on the same
 * channels (chosen on the mean), so the per-half centroids differ by the
 * noise of each half and by the probe's motion within the session: the
 * measurement noise and motion that a distance between two recordings also
 * carries and the exact centroid hides (the pitfall in
 * include/cajal/match.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/unitmatch.h"

enum { RECENTRE_ROUNDS = 3 }; /* the first round is centred on the peak channel */

void cj_position_defaults(cj_position_opts *o) { o->window_um = 100.0f; }

cj_status cj_position_check(const cj_position_opts *o, cj_error *err)
{
    if (!(o->window_um >= 1.0f && o->window_um <= 1000.0f))
        return cj_fail(err, CJ_ERR_ARG, "positions: window_um = %g, expected 1..1000", (double)o->window_um);
    return CJ_OK;
}

/* Peak-to-peak amplitude of every channel of unit u: ptp[c * 3 + h] for
 * half h = 0, 1 and h = 2 the mean of both. One pass over the waveform in
 * file order (time-major), keeping running minima and maxima per channel. */
static void channel_ptp(const cj_ephys_session *s, const cj_ephys_unit *u, float *lo, float *hi, float *ptp)
{
    int nc = s->n_channels;
    for (int i = 0; i < nc * 3; i++) lo[i] = INFINITY, hi[i] = -INFINITY;
    for (int t = 0; t < s->n_samples; t++) {
        const float *row = u->waveform + (size_t)t * nc * 2;
        for (int c = 0; c < nc; c++) {
            float v[3] = {row[2 * c], row[2 * c + 1], 0.5f * (row[2 * c] + row[2 * c + 1])};
            for (int h = 0; h < 3; h++) {
                float *l = &lo[c * 3 + h], *g = &hi[c * 3 + h];
                *l = v[h] < *l ? v[h] : *l;
                *g = v[h] > *g ? v[h] : *g;
            }
        }
    }
    for (int i = 0; i < nc * 3; i++) ptp[i] = hi[i] - lo[i];
}

/* Centroid of the channels of `shank` within `window` µm of y0 along the
 * probe, each weighted by its squared amplitude in half h. Returns 0 (and
 * leaves x, y) when no channel there has any amplitude. Other shanks are
 * left out: at the same depth they are hundreds of µm away across the
 * probe, and any amplitude there belongs to another neuron. */
static int centroid(const cj_ephys_session *s, const float *ptp, int h, int shank, float y0, float window, float *x,
                    float *y)
{
    double sw = 0.0, sx = 0.0, sy = 0.0;
    for (int c = 0; c < s->n_channels; c++) {
        float cy = s->channel_pos[2 * c + 1];
        if (fabsf(cy - y0) > window || cj_ephys_shank_of(s, c) != shank) continue;
        double a = ptp[c * 3 + h], w = a * a;
        sw += w;
        sx += w * s->channel_pos[2 * c];
        sy += w * cy;
    }
    if (!(sw > 0.0)) return 0;
    *x = (float)(sx / sw);
    *y = (float)(sy / sw);
    return 1;
}

cj_status cj_unit_positions(const cj_ephys_session *s, const cj_position_opts *o, cj_unit_position *pos,
                            cj_error *err)
{
    cj_status st = cj_position_check(o, err);
    if (st) return st;
    int nc = s->n_channels;
    if (nc < 1 || s->n_samples < 1)
        return cj_fail(err, CJ_ERR_SHAPE, "session %s: %d channels, %d samples", s->name ? s->name : "?", nc,
                       s->n_samples);
    float *buf = malloc(sizeof(float) * (size_t)nc * 9);
    if (!buf) return cj_fail(err, CJ_ERR_NOMEM, "session %s: out of memory for %d channels", s->name, nc);
    float *lo = buf, *hi = buf + 3 * nc, *ptp = buf + 6 * nc;
    for (int u = 0; u < s->n_units; u++) {
        channel_ptp(s, &s->units[u], lo, hi, ptp);
        int peak = 0;
        for (int c = 1; c < nc; c++)
            if (ptp[c * 3 + 2] > ptp[peak * 3 + 2]) peak = c;
        cj_unit_position *p = &pos[u];
        p->peak_channel = peak;
        p->shank = cj_ephys_shank_of(s, peak);
        p->amp_uv = ptp[peak * 3 + 2];
        p->x_um = s->channel_pos[2 * peak];
        p->y_um = s->channel_pos[2 * peak + 1];
        /* Recentre the window on the estimate: a window fixed on the peak
         * channel is lopsided whenever the unit sits between rows. */
        float y0 = p->y_um;
        for (int it = 0; it < RECENTRE_ROUNDS; it++) {
            y0 = p->y_um;
            centroid(s, ptp, 2, p->shank, y0, o->window_um, &p->x_um, &p->y_um);
        }
        for (int h = 0; h < 2; h++) {
            p->half_x_um[h] = p->x_um, p->half_y_um[h] = p->y_um;
            centroid(s, ptp, h, p->shank, y0, o->window_um, &p->half_x_um[h], &p->half_y_um[h]);
        }
    }
    free(buf);
    return CJ_OK;
}
