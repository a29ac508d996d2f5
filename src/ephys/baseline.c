/* baseline.c — the hand-made waveform scores UnitMatch compares (van Beest
 * et al. 2024, Methods "Similarity scores"), computed per half-session
 * waveform, and a Naive Bayes over them: the baseline that shows what the
 * waveform network adds (features listed in include/cajal/unitmatch.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/unitmatch.h"

enum {
    WAVE_PRE = 10, /* samples kept before the trough (0.33 ms at 30 kHz) */
    TRAJ_PRE = 6,  /* first trajectory point, samples before the trough */
    TRAJ_STEP = 3  /* samples between trajectory points (0.1 ms) */
};

/* Channels this close to the peak channel make the mean waveform and the
 * trajectory; twice as far, the spatial decay fit. */
static const float NEAR_UM = 50.0f;

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Peak-to-peak of channel c in half h. */
static float ptp_of(const cj_ephys_session *s, const cj_ephys_unit *u, int c, int h)
{
    float lo = INFINITY, hi = -INFINITY;
    for (int t = 0; t < s->n_samples; t++) {
        float v = cj_ephys_wave_at(s, u, t, c, h);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    return hi - lo;
}

/* Spatial decay length (µm) of half h: ln(amplitude) against distance from
 * the centroid (cx, cy), least squares over the channels in far[0..n). */
static float decay_length(const cj_ephys_session *s, const int *far, const float *amp, int n, float cx, float cy)
{
    double sd = 0, sl = 0, sdd = 0, sdl = 0;
    int m = 0;
    for (int k = 0; k < n; k++) {
        if (!(amp[k] > 1e-3f)) continue;
        int c = far[k];
        double dx = s->channel_pos[2 * c] - cx, dy = s->channel_pos[2 * c + 1] - cy;
        double d = sqrt(dx * dx + dy * dy), l = log(amp[k]);
        sd += d, sl += l, sdd += d * d, sdl += d * l;
        m++;
    }
    if (m < 3) return 1000.0f;
    double var = sdd - sd * sd / m, cov = sdl - sd * sl / m;
    if (!(var > 0.0) || !(cov < 0.0)) return 1000.0f;
    return clampf((float)(-var / cov), 1.0f, 1000.0f);
}

/* Descriptors of one half h of unit u. near/far: channel lists (radius and
 * twice the radius around the peak), amp: scratch for n_far + n_near
 * amplitudes. */
static void describe_half(const cj_ephys_session *s, int u, int h, int trough, const int *near, int n_near,
                          const int *far, int n_far, float *amp, const cj_unit_position *p, cj_handmade_unit *out)
{
    const cj_ephys_unit *unit = &s->units[u];
    float cx = p->half_x_um[h], cy = p->half_y_um[h];
    out->x_um[h] = cx;
    out->y_um[h] = cy;
    out->amp_uv[h] = ptp_of(s, unit, p->peak_channel, h);
    for (int k = 0; k < n_far; k++) amp[k] = ptp_of(s, unit, far[k], h);
    out->decay_um[h] = decay_length(s, far, amp, n_far, cx, cy);

    float *amp_near = amp + n_far;
    for (int j = 0; j < n_near; j++) amp_near[j] = ptp_of(s, unit, near[j], h);
    for (int i = 0; i < CJ_HANDMADE_WAVE; i++) {
        int t = trough - WAVE_PRE + i;
        double sw = 0.0, sv = 0.0;
        if (t >= 0 && t < s->n_samples)
            for (int j = 0; j < n_near; j++) {
                sw += amp_near[j];
                sv += amp_near[j] * cj_ephys_wave_at(s, unit, t, near[j], h);
            }
        out->wave[h][i] = sw > 0.0 ? (float)(sv / sw) : 0.0f;
    }
    for (int i = 0; i < CJ_HANDMADE_TRAJ; i++) {
        int t = trough - TRAJ_PRE + TRAJ_STEP * i;
        double sw = 0.0, sx = 0.0, sy = 0.0;
        if (t >= 0 && t < s->n_samples)
            for (int j = 0; j < n_near; j++) {
                int c = near[j];
                double w = fabs(cj_ephys_wave_at(s, unit, t, c, h));
                sw += w;
                sx += w * s->channel_pos[2 * c];
                sy += w * s->channel_pos[2 * c + 1];
            }
        out->traj[h][i][0] = sw > 0.0 ? (float)(sx / sw) - cx : 0.0f;
        out->traj[h][i][1] = sw > 0.0 ? (float)(sy / sw) - cy : 0.0f;
    }
}

cj_status cj_handmade_describe(const cj_ephys_session *s, const cj_unit_position *pos, cj_handmade_unit *out,
                               cj_error *err)
{
    int nc = s->n_channels;
    int *near = malloc(sizeof(int) * (size_t)nc * 2);
    float *amp = malloc(sizeof(float) * (size_t)nc * 2);
    if (!near || !amp) {
        free(near);
        free(amp);
        return cj_fail(err, CJ_ERR_NOMEM, "session %s: out of memory for %d channels", s->name, nc);
    }
    int *far = near + nc;
    const float r = NEAR_UM;
    for (int u = 0; u < s->n_units; u++) {
        const cj_unit_position *p = &pos[u];
        int peak = p->peak_channel, trough = 0;
        float lo = INFINITY;
        for (int t = 0; t < s->n_samples; t++) {
            const cj_ephys_unit *unit = &s->units[u];
            float v = cj_ephys_wave_at(s, unit, t, peak, 0) + cj_ephys_wave_at(s, unit, t, peak, 1);
            if (v < lo) lo = v, trough = t;
        }
        float px = s->channel_pos[2 * peak], py = s->channel_pos[2 * peak + 1];
        int n_near = 0, n_far = 0;
        for (int c = 0; c < nc; c++) {
            if (cj_ephys_shank_of(s, c) != p->shank) continue; /* another neuron's channels */
            float dx = s->channel_pos[2 * c] - px, dy = s->channel_pos[2 * c + 1] - py, d2 = dx * dx + dy * dy;
            if (d2 <= r * r) near[n_near++] = c;
            if (d2 <= 4.0f * r * r) far[n_far++] = c;
        }
        for (int h = 0; h < 2; h++) describe_half(s, u, h, trough, near, n_near, far, n_far, amp, p, &out[u]);
    }
    free(near);
    free(amp);
    return CJ_OK;
}

/* ---- pair features ------------------------------------------------------ */

static float pearson(const float *a, const float *b, int n)
{
    double ma = 0, mb = 0;
    for (int i = 0; i < n; i++) ma += a[i], mb += b[i];
    ma /= n, mb /= n;
    double sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        double da = a[i] - ma, db = b[i] - mb;
        sab += da * db, saa += da * da, sbb += db * db;
    }
    return saa > 0 && sbb > 0 ? (float)(sab / sqrt(saa * sbb)) : 0.0f;
}

static float span(const float *a, int n)
{
    float lo = a[0], hi = a[0];
    for (int i = 1; i < n; i++) lo = a[i] < lo ? a[i] : lo, hi = a[i] > hi ? a[i] : hi;
    return hi - lo > 1e-6f ? hi - lo : 1e-6f;
}

void cj_handmade_features(const cj_handmade_unit *a, int ha, const cj_handmade_unit *b, int hb, float shift_y_um,
                          float out[CJ_HANDMADE_N])
{
    float aa = a->amp_uv[ha] > 1e-3f ? a->amp_uv[ha] : 1e-3f, ab = b->amp_uv[hb] > 1e-3f ? b->amp_uv[hb] : 1e-3f;
    out[0] = fabsf(logf(aa / ab));
    out[1] = fabsf(logf(a->decay_um[ha] / b->decay_um[hb]));
    out[2] = pearson(a->wave[ha], b->wave[hb], CJ_HANDMADE_WAVE);
    float ia = 1.0f / span(a->wave[ha], CJ_HANDMADE_WAVE), ib = 1.0f / span(b->wave[hb], CJ_HANDMADE_WAVE);
    double ss = 0.0;
    for (int i = 0; i < CJ_HANDMADE_WAVE; i++) {
        double d = a->wave[ha][i] * ia - b->wave[hb][i] * ib;
        ss += d * d;
    }
    out[3] = (float)sqrt(ss / CJ_HANDMADE_WAVE);
    float dx = a->x_um[ha] - b->x_um[hb], dy = a->y_um[ha] - (b->y_um[hb] - shift_y_um);
    out[4] = sqrtf(dx * dx + dy * dy);
    ss = 0.0;
    for (int i = 0; i < CJ_HANDMADE_TRAJ; i++)
        for (int k = 0; k < 2; k++) {
            double d = a->traj[ha][i][k] - b->traj[hb][i][k];
            ss += d * d;
        }
    out[5] = (float)sqrt(ss / CJ_HANDMADE_TRAJ);
}

void cj_handmade_pair(const cj_handmade_unit *a, const cj_handmade_unit *b, float shift_y_um,
                      float out[CJ_HANDMADE_N])
{
    float f01[CJ_HANDMADE_N], f10[CJ_HANDMADE_N];
    cj_handmade_features(a, 0, b, 1, shift_y_um, f01);
    cj_handmade_features(a, 1, b, 0, shift_y_um, f10);
    for (int k = 0; k < CJ_HANDMADE_N; k++) out[k] = 0.5f * (f01[k] + f10[k]);
}

/* ---- Naive Bayes over the six features ----------------------------------- */

static const char *const FEATURE_NAMES[CJ_HANDMADE_N] = {"amplitude", "decay", "correlation",
                                                         "waveform rmse", "distance", "trajectory"};

/* KDE options per feature: Scott's rule, a floor on the bandwidth well
 * below each feature's real spread (it only stops a collapse), reflection
 * at the natural bounds. */
static void feature_opts(int k, cj_kde_opts *o)
{
    static const double floor_bw[CJ_HANDMADE_N] = {0.005, 0.005, 0.001, 0.001, 0.5, 0.1};
    cj_kde_defaults(o);
    o->rule = CJ_KDE_BW_SCOTT;
    o->min_bandwidth = floor_bw[k];
    o->boundary = CJ_KDE_BOUND_REFLECT;
    o->lo = k == 2 ? -1.0 : 0.0;
    o->hi = k == 2 ? 1.0 : INFINITY;
}

void cj_handmade_nb_free(cj_handmade_nb *m)
{
    for (int k = 0; k < CJ_HANDMADE_N; k++) {
        cj_kde_free(&m->kde[k][0]);
        cj_kde_free(&m->kde[k][1]);
    }
    memset(m, 0, sizeof *m);
}

cj_status cj_handmade_nb_fit(cj_handmade_nb *m, const float *x, const unsigned char *is_match, size_t n,
                             cj_error *err)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < n; i++) m->n_train[is_match[i] != 0]++;
    if (!m->n_train[0] || !m->n_train[1])
        return cj_fail(err, CJ_ERR_ARG, "baseline: %zu matches and %zu non-matches to train on; need both",
                       m->n_train[1], m->n_train[0]);
    float *buf = malloc(sizeof(float) * n);
    if (!buf) return cj_fail(err, CJ_ERR_NOMEM, "baseline: out of memory for %zu training pairs", n);
    cj_status st = CJ_OK;
    for (int k = 0; k < CJ_HANDMADE_N && !st; k++) {
        cj_kde_opts o;
        feature_opts(k, &o);
        float lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            float v = x[i * CJ_HANDMADE_N + k];
            if (!isfinite(v)) {
                st = cj_fail(err, CJ_ERR_NUMERIC, "baseline: %s of training pair %zu is %g", FEATURE_NAMES[k], i,
                             (double)v);
                break;
            }
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        o.grid_lo = lo;
        o.grid_hi = hi;
        for (int c = 0; c < 2 && !st; c++) {
            size_t m_c = 0;
            for (size_t i = 0; i < n; i++)
                if ((is_match[i] != 0) == c) buf[m_c++] = x[i * CJ_HANDMADE_N + k];
            cj_error sub;
            if (cj_kde_fit(&m->kde[k][c], buf, m_c, &o, &sub))
                st = cj_fail(err, sub.code, "baseline: %s given %s: %s", FEATURE_NAMES[k], c ? "match" : "non-match",
                             sub.msg);
        }
    }
    free(buf);
    if (st) cj_handmade_nb_free(m);
    return st;
}

double cj_handmade_nb_logit(const cj_handmade_nb *m, const float *x, double prior)
{
    double a = log(prior), b = log1p(-prior);
    for (int k = 0; k < CJ_HANDMADE_N; k++) {
        a += cj_kde_log_density_fast_at(&m->kde[k][1], x[k]);
        b += cj_kde_log_density_fast_at(&m->kde[k][0], x[k]);
    }
    return a - b;
}
