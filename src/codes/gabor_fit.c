/* gabor_fit.c — least-squares fit of a 2-D Gabor (include/cajal/gabor.h)
 * to one filter: starts from the zero-padded spectrum's peak and the
 * energy centroid, then Levenberg-Marquardt with the analytic Jacobian.
 *
 * The parameter vector is p = (x0, y0, theta, freq, phase, sigma_across,
 * sigma_along, A). During the iterations A may turn negative and theta
 * leave [0, pi); the symmetries of the model (A -> -A with phase + pi;
 * theta + pi with -phase; freq -> -freq with -phase) bring the result to
 * the documented ranges at the end without changing the image. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/gabor.h"

enum { NP = 8, MAX_EVALS = 300, MAX_STARTS = 4 };

typedef struct {
    const float *f; /* the filter, S x S */
    int S;
} problem;

/* Fold freq >= 0 exactly (cos(-2 pi f u + phi) = cos(2 pi f u - phi)) and
 * keep the rest inside ranges where the model still means something: a
 * centre far outside the square or an envelope far wider than it is a
 * plane wave the data cannot pin down. */
static void project(double *p, int S)
{
    if (p[3] < 0) p[3] = -p[3], p[4] = -p[4];
    if (p[3] > 0.5) p[3] = 0.5;
    for (int k = 0; k < 2; k++) {
        if (p[k] < -0.5 * S) p[k] = -0.5 * S;
        if (p[k] > 1.5 * S) p[k] = 1.5 * S;
    }
    for (int k = 5; k < 7; k++) {
        p[k] = fabs(p[k]);
        if (p[k] < 0.4) p[k] = 0.4;
        if (p[k] > 2.0 * S) p[k] = 2.0 * S;
    }
}

/* Sum of squared residuals at p; with jtj/jtr not NULL also J^T J (upper
 * triangle, row-major NP x NP) and J^T r, r = f - g, in the same pass so
 * nothing is stored per pixel. Derivatives of g = A E cos(ph), with
 * E = exp(-u^2/(2 su^2) - v^2/(2 sv^2)), ph = 2 pi f u + phi:
 *   dg/du = A E (-u/su^2 cos ph - 2 pi f sin ph),  dg/dv = -A E v/sv^2 cos ph,
 *   du/dx0 = -c, dv/dx0 = s, du/dy0 = -s, dv/dy0 = -c, du/dth = v, dv/dth = -u. */
static double evaluate(const problem *pb, const double *p, double *jtj, double *jtr)
{
    int S = pb->S;
    double c = cos(p[2]), s = sin(p[2]), f = p[3], su = p[5], sv = p[6], A = p[7];
    double iu = 1.0 / (su * su), iv = 1.0 / (sv * sv), w = 2 * M_PI * f;
    double sse = 0;
    if (jtj) memset(jtj, 0, sizeof(double) * NP * NP), memset(jtr, 0, sizeof(double) * NP);
    for (int y = 0; y < S; y++) {
        double dy = y - p[1];
        for (int x = 0; x < S; x++) {
            double dx = x - p[0];
            double u = dx * c + dy * s, v = -dx * s + dy * c;
            double E = exp(-0.5 * (u * u * iu + v * v * iv));
            double ph = w * u + p[4], cp = cos(ph), sp = sin(ph);
            double g = A * E * cp, r = pb->f[y * S + x] - g;
            sse += r * r;
            if (!jtj) continue;
            double gu = A * E * (-u * iu * cp - w * sp), gv = -A * E * v * iv * cp;
            double J[NP] = {
                -c * gu + s * gv,           /* x0 */
                -s * gu - c * gv,           /* y0 */
                v * gu - u * gv,            /* theta */
                -A * E * sp * 2 * M_PI * u, /* freq */
                -A * E * sp,                /* phase */
                A * E * cp * u * u * iu / su, /* sigma_across */
                A * E * cp * v * v * iv / sv, /* sigma_along */
                E * cp,                     /* A */
            };
            for (int i = 0; i < NP; i++) {
                jtr[i] += J[i] * r;
                for (int j = i; j < NP; j++) jtj[i * NP + j] += J[i] * J[j];
            }
        }
    }
    return sse;
}

/* Solves H d = b for symmetric positive definite H (upper triangle given)
 * by Cholesky; 0 when H is not positive definite. */
static int solve_spd(const double *H, const double *b, double *d)
{
    double L[NP * NP] = {0};
    for (int i = 0; i < NP; i++)
        for (int j = 0; j <= i; j++) {
            double a = H[j * NP + i]; /* H[j][i], j <= i: the upper triangle */
            for (int k = 0; k < j; k++) a -= L[i * NP + k] * L[j * NP + k];
            if (i == j) {
                if (!(a > 0)) return 0;
                L[i * NP + i] = sqrt(a);
            } else {
                L[i * NP + j] = a / L[j * NP + j];
            }
        }
    double z[NP];
    for (int i = 0; i < NP; i++) {
        double a = b[i];
        for (int k = 0; k < i; k++) a -= L[i * NP + k] * z[k];
        z[i] = a / L[i * NP + i];
    }
    for (int i = NP - 1; i >= 0; i--) {
        double a = z[i];
        for (int k = i + 1; k < NP; k++) a -= L[k * NP + i] * d[k];
        d[i] = a / L[i * NP + i];
    }
    return 1;
}

/* Levenberg-Marquardt with Marquardt's scaling (the damping is a multiple
 * of diag(J^T J), so the step does not depend on the parameters' units);
 * p is improved in place, the final SSE returned. */
static double levenberg_marquardt(const problem *pb, double *p)
{
    double jtj[NP * NP], jtr[NP], H[NP * NP], d[NP], q[NP];
    double lambda = 1e-3;
    double sse = evaluate(pb, p, jtj, jtr);
    for (int evals = 1; evals < MAX_EVALS;) {
        memcpy(H, jtj, sizeof H);
        for (int i = 0; i < NP; i++) H[i * NP + i] += lambda * jtj[i * NP + i] + 1e-12;
        if (!solve_spd(H, jtr, d)) {
            lambda *= 10;
            if (lambda > 1e10) break;
            continue;
        }
        for (int i = 0; i < NP; i++) q[i] = p[i] + d[i];
        project(q, pb->S);
        double trial = evaluate(pb, q, NULL, NULL);
        evals++;
        if (trial < sse) {
            double gain = sse - trial;
            memcpy(p, q, sizeof q);
            sse = trial;
            lambda = fmax(lambda * 0.3, 1e-9);
            if (gain <= 1e-12 * sse + 1e-30) break;
            sse = evaluate(pb, p, jtj, jtr);
            evals++;
        } else {
            lambda *= 10;
            if (lambda > 1e10) break;
        }
    }
    return sse;
}

/* Amplitude and phase for fixed position, orientation, frequency and
 * envelope: the model is linear in (A cos phi, A sin phi), so two normal
 * equations give them exactly. */
static void linear_amplitude_phase(const problem *pb, double *p)
{
    int S = pb->S;
    double c = cos(p[2]), s = sin(p[2]), w = 2 * M_PI * p[3];
    double aa = 0, ab = 0, bb = 0, fa = 0, fb = 0;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            double dx = x - p[0], dy = y - p[1];
            double u = dx * c + dy * s, v = -dx * s + dy * c;
            double E = exp(-0.5 * (u * u / (p[5] * p[5]) + v * v / (p[6] * p[6])));
            /* A cos(wu + phi) = (A cos phi) cos wu - (A sin phi) sin wu */
            double a = E * cos(w * u), b = -E * sin(w * u), f = pb->f[y * S + x];
            aa += a * a, ab += a * b, bb += b * b, fa += f * a, fb += f * b;
        }
    double det = aa * bb - ab * ab;
    double C = 0, D = 0;
    if (det > 1e-12 * (aa * bb + 1e-300)) {
        C = (bb * fa - ab * fb) / det, D = (aa * fb - ab * fa) / det;
    } else if (aa > 0) {
        C = fa / aa;
    }
    p[7] = hypot(C, D);
    p[4] = atan2(D, C);
}

/* |F|^2 of the filter zero-padded to M x M (M = 2S, so the peak is found
 * to half a cycle per window), at frequencies (ky, kx), kx in 0..M/2
 * (the other half is the mirror image for a real filter). Separable DFT
 * from a table of M roots of unity: O(S M^2), no FFT needed at this size. */
static void power_spectrum(const float *f, int S, int M, double *tab, double *T, double *P)
{
    int H = M / 2 + 1;
    for (int k = 0; k < M; k++) tab[2 * k] = cos(2 * M_PI * k / M), tab[2 * k + 1] = -sin(2 * M_PI * k / M);
    for (int r = 0; r < S; r++)
        for (int kx = 0; kx < H; kx++) {
            double re = 0, im = 0;
            for (int c = 0; c < S; c++) {
                int t = (kx * c) % M;
                re += f[r * S + c] * tab[2 * t], im += f[r * S + c] * tab[2 * t + 1];
            }
            T[2 * (r * H + kx)] = re, T[2 * (r * H + kx) + 1] = im;
        }
    for (int ky = 0; ky < M; ky++)
        for (int kx = 0; kx < H; kx++) {
            double re = 0, im = 0;
            for (int r = 0; r < S; r++) {
                int t = (ky * r) % M;
                double a = T[2 * (r * H + kx)], b = T[2 * (r * H + kx) + 1], c = tab[2 * t], d = tab[2 * t + 1];
                re += a * c - b * d, im += a * d + b * c;
            }
            P[ky * H + kx] = re * re + im * im;
        }
}

/* The largest bin of P other than DC and, when avoid is given, farther
 * than two bins from (avoid) and its mirror; frequency in cycles/pixel. */
static int spectral_peak(const double *P, int M, const double *avoid, double *fx, double *fy)
{
    int H = M / 2 + 1, found = 0;
    double best = -1;
    for (int ky = 0; ky < M; ky++)
        for (int kx = 0; kx < H; kx++) {
            int sy = ky <= M / 2 ? ky : ky - M;
            if (kx == 0 && sy == 0) continue;
            if (avoid) {
                double ax = avoid[0] * M, ay = avoid[1] * M;
                if (hypot(kx - ax, sy - ay) <= 2 || hypot(kx + ax, sy + ay) <= 2) continue;
            }
            if (P[ky * H + kx] > best) best = P[ky * H + kx], *fx = (double)kx / M, *fy = (double)sy / M, found = 1;
        }
    return found;
}

/* Brings a fit to the documented ranges (gabor.h) without changing g. */
static void canonical(const double *p, double sse, double sst, cj_gabor_fit *o)
{
    double theta = p[2], phase = p[4], A = p[7];
    if (A < 0) A = -A, phase += M_PI;
    theta = fmod(theta, 2 * M_PI);
    if (theta < 0) theta += 2 * M_PI;
    if (theta >= M_PI) theta -= M_PI, phase = -phase;
    if (theta >= M_PI) theta = 0; /* rounding at exactly pi */
    phase = remainder(phase, 2 * M_PI);
    if (phase <= -M_PI) phase += 2 * M_PI;
    o->x0 = p[0], o->y0 = p[1], o->theta = theta, o->freq = p[3], o->phase = phase;
    o->sigma_across = fabs(p[5]), o->sigma_along = fabs(p[6]), o->amplitude = A;
    o->r2 = sst > 0 ? 1 - sse / sst : 0;
}

cj_status cj_gabor_fit_one(const float *filter, int size, cj_gabor_fit *out, cj_error *err)
{
    if (!filter || !out) return cj_fail(err, CJ_ERR_ARG, "gabor fit: NULL filter or result");
    if (size < CJ_GABOR_MIN_SIZE || size > CJ_GABOR_MAX_SIZE)
        return cj_fail(err, CJ_ERR_ARG, "gabor fit: filter side %d outside [%d, %d]", size, CJ_GABOR_MIN_SIZE,
                       CJ_GABOR_MAX_SIZE);
    int S = size, n = S * S;
    double mean = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(filter[i]))
            return cj_fail(err, CJ_ERR_NUMERIC, "gabor fit: pixel (row %d, column %d) is %g", i / S, i % S,
                           (double)filter[i]);
        mean += filter[i];
    }
    mean /= n;
    double sst = 0, e = 0, ex = 0, ey = 0;
    for (int i = 0; i < n; i++) {
        double d = filter[i] - mean, w = (double)filter[i] * filter[i];
        sst += d * d, e += w, ex += w * (i % S), ey += w * (i / S);
    }
    memset(out, 0, sizeof *out);
    if (e == 0) { /* an all-zero filter: nothing to fit */
        out->x0 = out->y0 = 0.5 * (S - 1), out->sigma_along = out->sigma_across = 0.25 * S;
        return CJ_OK;
    }
    /* Energy centroid and spread: for g^2 ~ E^2, each axis's variance is
     * sigma^2 / 2, so sigma starts at sqrt(2 var), the mean of both axes. */
    ex /= e, ey /= e;
    double var = 0;
    for (int i = 0; i < n; i++) {
        double w = (double)filter[i] * filter[i], dx = i % S - ex, dy = i / S - ey;
        var += w * (dx * dx + dy * dy);
    }
    var /= 2 * e;
    double sigma0 = fmin(fmax(sqrt(2 * var), 0.8), 0.5 * S);

    int M = 2 * S, H = M / 2 + 1;
    double *work = malloc(sizeof(double) * (2 * M + 2 * S * H + M * H));
    if (!work) return cj_fail(err, CJ_ERR_NOMEM, "gabor fit: no memory for the %d x %d spectrum", M, M);
    double *tab = work, *T = tab + 2 * M, *P = T + 2 * S * H;
    power_spectrum(filter, S, M, tab, T, P);

    /* Starts: the main peak with the measured envelope and with narrower
     * and wider ones (a sparse atom's energy spread mixes envelope and
     * carrier), and the second peak (a filter with two carriers, or a
     * peak pulled by noise). */
    double starts[MAX_STARTS][NP];
    int ns = 0;
    double f1[2] = {0, 0}, f2[2] = {0, 0};
    if (spectral_peak(P, M, NULL, &f1[0], &f1[1])) {
        static const double scale[3] = {1.0, 0.6, 1.6};
        for (int k = 0; k < 3; k++) {
            double *p = starts[ns++];
            p[0] = ex, p[1] = ey, p[2] = atan2(f1[1], f1[0]), p[3] = hypot(f1[0], f1[1]);
            p[5] = p[6] = sigma0 * scale[k];
        }
        if (spectral_peak(P, M, f1, &f2[0], &f2[1])) {
            double *p = starts[ns++];
            p[0] = ex, p[1] = ey, p[2] = atan2(f2[1], f2[0]), p[3] = hypot(f2[0], f2[1]);
            p[5] = p[6] = sigma0;
        }
    }
    free(work);

    problem pb = {filter, S};
    double best[NP] = {0}, best_sse = INFINITY;
    for (int k = 0; k < ns; k++) {
        double *p = starts[k];
        project(p, S);
        linear_amplitude_phase(&pb, p);
        double sse = levenberg_marquardt(&pb, p);
        if (sse < best_sse) best_sse = sse, memcpy(best, p, sizeof best);
    }
    if (!(best_sse < INFINITY)) return CJ_OK; /* unreachable: e > 0 has a non-DC bin */
    canonical(best, best_sse, sst, out);
    return CJ_OK;
}

cj_status cj_gabor_fit_all(const float *filters, int n, int size, cj_gabor_fit *fits, cj_error *err)
{
    if (!filters || !fits || n < 0) return cj_fail(err, CJ_ERR_ARG, "gabor fit: %d filters, NULL buffers", n);
    for (int i = 0; i < n; i++) {
        cj_error e;
        cj_status st = cj_gabor_fit_one(filters + (size_t)i * size * size, size, &fits[i], &e);
        if (st) return cj_fail(err, st, "filter %d: %s", i, e.msg);
    }
    return CJ_OK;
}

void cj_gabor_render(const cj_gabor_fit *g, int size, float *img)
{
    double c = cos(g->theta), s = sin(g->theta), w = 2 * M_PI * g->freq;
    double iu = 1.0 / (g->sigma_across * g->sigma_across), iv = 1.0 / (g->sigma_along * g->sigma_along);
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            double dx = x - g->x0, dy = y - g->y0;
            double u = dx * c + dy * s, v = -dx * s + dy * c;
            img[y * size + x] =
                (float)(g->amplitude * exp(-0.5 * (u * u * iu + v * v * iv)) * cos(w * u + g->phase));
        }
}
