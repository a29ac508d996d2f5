/* patches_fft.c — Olshausen & Field's whitening filter, R(f) = f
 * exp(-(f/f0)^4), applied to whole images in the Fourier domain, with a
 * plain radix-2 FFT: the images are filtered once, a few 512 x 512
 * transforms, so a library (FFTW) would add a dependency for nothing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/patches.h"

double cj_olshausen_response(double f, double f0)
{
    double q = f / f0;
    return f * exp(-q * q * q * q);
}

cj_status cj_fft(double *z, int n, int inverse, cj_error *err)
{
    if (n < 1 || (n & (n - 1))) return cj_fail(err, CJ_ERR_ARG, "FFT length %d is not a power of two", n);
    /* bit reversal, then the Cooley-Tukey butterflies */
    for (int i = 1, j = 0; i < n; i++) {
        int bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            double t0 = z[2 * i], t1 = z[2 * i + 1];
            z[2 * i] = z[2 * j], z[2 * i + 1] = z[2 * j + 1];
            z[2 * j] = t0, z[2 * j + 1] = t1;
        }
    }
    for (int len = 2; len <= n; len <<= 1) {
        double ang = (inverse ? 2 : -2) * M_PI / len;
        for (int k = 0; k < len / 2; k++) {
            double wr = cos(ang * k), wi = sin(ang * k);
            for (int i = k; i < n; i += len) {
                double *a = z + 2 * i, *b = z + 2 * (i + len / 2);
                double br = b[0] * wr - b[1] * wi, bi = b[0] * wi + b[1] * wr;
                b[0] = a[0] - br, b[1] = a[1] - bi;
                a[0] += br, a[1] += bi;
            }
        }
    }
    return CJ_OK;
}

static int next_pow2(int n)
{
    int p = 1;
    while (p < n) p <<= 1;
    return p;
}

/* Index into [0, n) of position i of the mirrored extension (..., 1, 0 | 0, 1, ..., n-1 | n-1, n-2, ...). */
static int mirror(int i, int n)
{
    int period = 2 * n;
    i %= period;
    return i < n ? i : period - 1 - i;
}

/* 2-D transform of z [py, px] complex: rows, then columns through col. */
static cj_status fft2(double *z, int py, int px, int inverse, double *col, cj_error *err)
{
    for (int y = 0; y < py; y++)
        if (cj_fft(z + (size_t)2 * y * px, px, inverse, err)) return err ? err->code : CJ_ERR_ARG;
    for (int x = 0; x < px; x++) {
        for (int y = 0; y < py; y++) col[2 * y] = z[2 * ((size_t)y * px + x)], col[2 * y + 1] = z[2 * ((size_t)y * px + x) + 1];
        if (cj_fft(col, py, inverse, err)) return err ? err->code : CJ_ERR_ARG;
        for (int y = 0; y < py; y++) z[2 * ((size_t)y * px + x)] = col[2 * y], z[2 * ((size_t)y * px + x) + 1] = col[2 * y + 1];
    }
    return CJ_OK;
}

cj_status cj_olshausen_filter(float *img, int h, int w, double f0, cj_error *err)
{
    if (h < 1 || w < 1 || h > 16384 || w > 16384)
        return cj_fail(err, CJ_ERR_ARG, "image of %d x %d pixels cannot be filtered", h, w);
    if (!(f0 > 0)) return cj_fail(err, CJ_ERR_ARG, "Olshausen cut-off f0 %g is not > 0", f0);
    int py = next_pow2(h), px = next_pow2(w);
    double *z = malloc(sizeof(double) * 2 * (size_t)py * px), *col = malloc(sizeof(double) * 2 * (size_t)py);
    if (!z || !col) {
        free(z), free(col);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory filtering a %d x %d image", h, w);
    }
    double mean = 0;
    for (size_t i = 0; i < (size_t)h * w; i++) mean += img[i];
    mean /= (double)h * w;
    for (int y = 0; y < py; y++)
        for (int x = 0; x < px; x++) {
            z[2 * ((size_t)y * px + x)] = img[(size_t)mirror(y, h) * w + mirror(x, w)] - mean;
            z[2 * ((size_t)y * px + x) + 1] = 0;
        }
    cj_status st = fft2(z, py, px, 0, col, err);
    for (int y = 0; !st && y < py; y++) {
        double fy = (y <= py / 2 ? y : y - py) / (double)py;
        for (int x = 0; x < px; x++) {
            double fx = (x <= px / 2 ? x : x - px) / (double)px;
            double g = cj_olshausen_response(sqrt(fx * fx + fy * fy), f0);
            z[2 * ((size_t)y * px + x)] *= g;
            z[2 * ((size_t)y * px + x) + 1] *= g;
        }
    }
    if (!st) st = fft2(z, py, px, 1, col, err);
    if (!st) {
        double scale = 1.0 / ((double)py * px);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img[(size_t)y * w + x] = (float)(z[2 * ((size_t)y * px + x)] * scale);
    }
    free(z), free(col);
    return st;
}
