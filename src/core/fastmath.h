/* fastmath.h — exp, the logistic function and tanh without library calls
 * or branches, so that loops over them vectorise (glibc's expf/tanhf are
 * scalar calls without -ffast-math, and the nonlinearities would then cost
 * as much as the matrix products beside them). Used by the recurrent
 * layers' gate loops (src/nn/) and by ICA's score functions (src/codes/).
 * Private to the library. */
#ifndef CAJAL_CORE_FASTMATH_H
#define CAJAL_CORE_FASTMATH_H

#include <stdint.h>
#include <string.h>

/* exp(x), Cephes' expf: x = n ln2 + r
 * with |r| <= ln2/2, exp(r) by a degree-7 polynomial, 2^n through the
 * exponent bits. n is rounded by adding and subtracting 1.5 * 2^23, which
 * leaves no fraction bits (a call to floorf or rintf would stop the
 * vectoriser on some targets). The input is clamped to [-87.3, 88.3], so
 * the result is finite and normal. Relative error below 8.4e-8 (0.7
 * FLT_EPSILON; measured against exp in double every 1e-4 over [-87, 88];
 * docs/benchmarks.md). */
static inline float cj_fast_exp(float x)
{
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.3f ? 88.3f : x;
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f; /* ln 2 = 0.693359375 - 2.12194440e-4, exact first part */
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

/* σ(x) = 1 / (1 + e^{−x}): relative error below 1.5e-7 over [-30, 30]. */
static inline float cj_fast_sigmoid(float x) { return 1.0f / (1.0f + cj_fast_exp(-x)); }

/* tanh x = 1 − 2 / (e^{2x} + 1): absolute error below 1.8e-7 over
 * [-30, 30]; relative error 1.1e-5 at |x| = 0.01, growing as |x| shrinks
 * (the cancellation in 1 − ...), where the value is that small anyway. */
static inline float cj_fast_tanh(float x) { return 1.0f - 2.0f / (cj_fast_exp(2.0f * x) + 1.0f); }

/* log(x) for x in [1, 2] (enough for log cosh y = |y| + log(1 + e^{-2|y|})
 * - log 2, ICA's contrast): Cephes' logf polynomial on f = m - 1 with m
 * = x or x/2 in [sqrt(1/2), sqrt 2), chosen without a branch. Absolute
 * error below 5e-8 over [1, 2] (measured against log every 1e-6). */
static inline float cj_fast_log_1to2(float x)
{
    int big = x > 1.41421356f;
    float m = big ? 0.5f * x : x, f = m - 1.0f, z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f - 1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f - 1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f - 1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f - 2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    float r = f + (f * z * p - 0.5f * z);
    return big ? r + 0.693147180560f : r;
}

#endif
