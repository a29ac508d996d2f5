/* gabor.h — receptive-field analysis: a 2-D Gabor fitted to each learned
 * filter (sparse-coding atoms, ICA filters; docs/codes.md,
 * "Receptive-field analysis").
 *
 *     cj_gabor_fit g;
 *     if (cj_gabor_fit_one(atom, 16, &g, &err)) ...   // atom: 16 x 16 floats, row-major
 *     printf("%.1f deg, %.3f c/px, R^2 %.3f\n", g.theta * 180 / M_PI, g.freq, g.r2);
 *
 * Conventions. A filter is S x S floats, row-major: pixel (row r, column
 * c) is filter[r * S + c]. x is the column (0 at the left, growing to the
 * right), y the row (0 at the top, growing down, as the image is drawn);
 * pixel centres are at integer coordinates 0..S-1. The model is
 *
 *     g(x, y) = A exp(-u^2 / (2 sigma_across^2) - v^2 / (2 sigma_along^2))
 *                 cos(2 pi freq u + phase),
 *     u =  (x - x0) cos theta + (y - y0) sin theta,
 *     v = -(x - x0) sin theta + (y - y0) cos theta,
 *
 * (Jones & Palmer 1987, J Neurophysiol 58:1233, eq. 1, with the carrier
 * along the envelope's first axis). theta is the direction of the
 * carrier's wave vector, in radians in [0, pi), measured from +x towards
 * +y (clockwise on screen, since y grows down); the stripes (bars) run
 * along v, at theta + pi/2. sigma_along is the envelope's width along the
 * stripes (the receptive field's length), sigma_across its width across
 * them (along the wave vector), both in pixels. freq is in cycles/pixel,
 * in [0, 0.5]. phase is in (-pi, pi]: 0 is an even (cosine, on-centre)
 * filter, pi an even off-centre one, +-pi/2 odd ones. amplitude >= 0 (a
 * sign is a phase of pi). Turning theta by pi negates u, the same as
 * negating the phase; the fit reports the theta in [0, pi) and the phase
 * that goes with it. r2 = 1 - SSE / sum((f - mean f)^2) over the
 * filter's own S^2 pixels (0 for a constant filter). */
#ifndef CAJAL_GABOR_H
#define CAJAL_GABOR_H

#include "cajal/status.h"

typedef struct cj_gabor_fit {
    double x0, y0, theta, freq, phase, sigma_along, sigma_across, amplitude, r2;
} cj_gabor_fit;

/* Smallest and largest filter side the fit takes. */
#define CJ_GABOR_MIN_SIZE 4
#define CJ_GABOR_MAX_SIZE 256

/* The Gabor g(x, y) of fit at pixel (row y, column x) of an S x S image,
 * written into img[S * S] (float, row-major): to compare a fit with its
 * filter, or to make test filters. */
void cj_gabor_render(const cj_gabor_fit *fit, int size, float *img);

/* Fits a Gabor to one S x S filter by least squares: starts from the
 * spectrum's peak (orientation, frequency), the energy centroid (x0, y0)
 * and the energy spread (sigmas), plus a few alternative starts (second
 * spectral peak, narrower and wider envelopes), then Levenberg-Marquardt
 * in double with the analytic Jacobian (Marquardt 1963, SIAM J Appl Math
 * 11:431), keeping the start with the least squared error. Deterministic:
 * no random numbers. Errors: size outside [4, 256] (CJ_ERR_ARG), a NaN or
 * Inf pixel (CJ_ERR_NUMERIC, naming it), a failed allocation. */
cj_status cj_gabor_fit_one(const float *filter, int size, cj_gabor_fit *out, cj_error *err);

/* Fits every filter of filters[n][size * size] into fits[n]; stops at the
 * first error, whose message names the filter's index. */
cj_status cj_gabor_fit_all(const float *filters, int n, int size, cj_gabor_fit *fits, cj_error *err);

/* R^2 from which a fit counts as a good Gabor in the report's figures. */
#define CJ_GABOR_GOOD_R2 0.8

/* Fits every filter and writes, atomically, into the existing directory
 * dir: gabor.csv (one row per filter; docs/outputs.md), filters.png (all
 * filters in a grid, each on its own symmetric scale, mid-grey = 0),
 * rf_stats.png (orientation and frequency histograms of the good fits)
 * and tiling.png (each good fit as a bar at its position and orientation,
 * as long as its envelope along the stripes). title heads filters.png.
 * When fits_out_or_NULL is not NULL it receives the n fits. */
cj_status cj_rf_report_write(const char *dir, const float *filters, int n, int size, const char *title,
                             cj_gabor_fit *fits_out_or_NULL, cj_error *err);

#endif
