/* ica_common.h — what ica_infomax.c, ica_fastica.c and ica_fit.c share
 * (private to src/codes): branch-free tanh and logistic over rows so that
 * the element-wise loops between the matrix products vectorise (glibc's
 * tanhf/expf are scalar calls without -ffast-math, and would cost as much
 * as the products), and the run's history. */
#ifndef CAJAL_CODES_ICA_COMMON_H
#define CAJAL_CODES_ICA_COMMON_H

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "cajal/ica.h"

/* exp(x), Cephes' expf polynomial (the one src/nn/recurrent_common.h uses):
 * x = n ln2 + r, |r| <= ln2/2, degree-7 polynomial, 2^n in the exponent
 * bits; input clamped to [-87.3, 88.3]; relative error below 1e-7. */
static inline float ica_exp(float x)
{
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.3f ? 88.3f : x;
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) * (1 << 23);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* tanh x = 1 - 2 / (e^{2x} + 1): absolute error below 2e-7. */
static inline float ica_tanh(float x) { return 1.0f - 2.0f / (ica_exp(2.0f * x) + 1.0f); }

/* 1 - 2 sigma(x) = 1 - 2 / (1 + e^{-x}), the logistic infomax score. */
static inline float ica_logistic_score(float x) { return 1.0f - 2.0f / (1.0f + ica_exp(-x)); }

/* Variance, skewness and excess kurtosis of each column of a [n, k]
 * (ica_fit.c); scratch [4k]. */
void cj_ica_moments_scratch(const float *a, long n, int k, double *var, double *skew, double *kurt, double *scratch);

static inline double ica_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

#endif
