/* fast_math.h — float log, log1p and sine/cosine as polynomials on the
 * bits of the argument, so that loops over arrays vectorise (libm's
 * logf/sinf are calls the compiler cannot vectorise without -ffast-math).
 * Accuracy: a few float ulps (relative error below 5e-7 over the ranges
 * stated; tests/test_fast_math.c measures it against libm in double).
 * Private to src/. */
#ifndef CAJAL_CORE_FAST_MATH_H
#define CAJAL_CORE_FAST_MATH_H

#include <stdint.h>
#include <string.h>

/* sqrt y for y >= 0: y / sqrt(y) from the bit-level first guess of
 * 1/sqrt(y) and three Newton steps (relative error < 5e-7; 0 and -0 give 0). */
static inline float cj_fast_sqrt(float y)
{
    uint32_t bits;
    memcpy(&bits, &y, sizeof bits);
    /* Unsigned, and without the sign bit: -0 (from -2 log 1) gives 0. */
    bits = 0x5f375a86u - ((bits & 0x7fffffffu) >> 1);
    float g;
    memcpy(&g, &bits, sizeof g);
    g = g * (1.5f - 0.5f * y * g * g);
    g = g * (1.5f - 0.5f * y * g * g);
    g = g * (1.5f - 0.5f * y * g * g);
    return y * g;
}

/* 2 atanh(s) = log((1 + s) / (1 - s)) for |s| <= 0.1716 (s = (m - 1)/(m + 1),
 * m in [sqrt(1/2), sqrt(2))): the odd series to s^11, error < 3e-9. */
static inline float cj_fast_atanh2(float s)
{
    float s2 = s * s;
    float p = 0.0909090909f;        /* 1/11 */
    p = p * s2 + 0.1111111111f;     /* 1/9 */
    p = p * s2 + 0.1428571429f;     /* 1/7 */
    p = p * s2 + 0.2f;              /* 1/5 */
    p = p * s2 + 0.3333333333f;     /* 1/3 */
    return 2.0f * s * (p * s2 + 1.0f);
}

/* log x for finite x > 0 (normal floats). */
static inline float cj_fast_log(float x)
{
    int32_t bits;
    memcpy(&bits, &x, sizeof bits);
    /* x = m 2^e with m in [sqrt(1/2), sqrt(2)): shift the split point of
     * the mantissa by sqrt(1/2)'s bits so that m is centred on 1. */
    int32_t e = (bits - 0x3f3504f3) >> 23;               /* floor: GCC and clang shift arithmetically */
    int32_t mb = (int32_t)((uint32_t)bits - ((uint32_t)e << 23)); /* unsigned: e may be negative */
    float m;
    memcpy(&m, &mb, sizeof m);
    return (float)e * 0.693147180559945f + cj_fast_atanh2((m - 1.0f) / (m + 1.0f));
}

/* log(1 + y) for y in [0, 1]: 2 atanh(y / (2 + y)) without forming 1 + y,
 * so small y keep their relative accuracy. The series converges for
 * y/(2+y) <= 1/3, to s^15 here: error < 1.2e-8 at y = 1. */
static inline float cj_fast_log1p01(float y)
{
    float s = y / (2.0f + y), s2 = s * s;
    float p = 0.0666666667f;        /* 1/15 */
    p = p * s2 + 0.0769230769f;     /* 1/13 */
    p = p * s2 + 0.0909090909f;
    p = p * s2 + 0.1111111111f;
    p = p * s2 + 0.1428571429f;
    p = p * s2 + 0.2f;
    p = p * s2 + 0.3333333333f;
    return 2.0f * s * (p * s2 + 1.0f);
}

/* sin and cos of 2 pi u for u in [0, 1): the quarter turn q and the
 * angle a in [-pi/4, pi/4] left over, Taylor polynomials on a (error
 * < 4e-8), then the quadrant's rotation. */
static inline void cj_fast_sincos_turn(float u, float *s, float *c)
{
    float k = u * 4.0f;
    int q = (int)(k + 0.5f);                 /* nearest quarter, 0..4 */
    float a = (k - (float)q) * 1.5707963268f; /* in [-pi/4, pi/4] */
    float a2 = a * a;
    float sp = -1.9841270e-4f;               /* -1/7! */
    sp = sp * a2 + 8.3333333e-3f;            /* 1/5! */
    sp = sp * a2 - 1.6666667e-1f;            /* -1/3! */
    float sa = a + a * a2 * sp;
    float cp = 2.4801587e-5f;                /* 1/8! */
    cp = cp * a2 - 1.3888889e-3f;            /* -1/6! */
    cp = cp * a2 + 4.1666667e-2f;            /* 1/4! */
    cp = cp * a2 - 0.5f;
    float ca = 1.0f + a2 * cp;
    /* Rotate by q quarter turns: (c, s) -> (-s, c) each. */
    int r = q & 3;
    float cs = r == 0 ? ca : r == 1 ? -sa : r == 2 ? -ca : sa;
    float sn = r == 0 ? sa : r == 1 ? ca : r == 2 ? -sa : -ca;
    *s = sn;
    *c = cs;
}

#endif
