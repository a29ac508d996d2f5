#include "cajal/rng.h"

#include <math.h>
#include <string.h>

#include "clones.h"
#include "fast_math.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void cj_rng_seed(cj_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&seed);
    rng->has_spare = 0;
    rng->spare = 0.0f;
}

uint64_t cj_rng_u64(cj_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

cj_rng cj_rng_split(cj_rng *rng)
{
    cj_rng child;
    cj_rng_seed(&child, cj_rng_u64(rng));
    return child;
}

float cj_rng_uniform(cj_rng *rng)
{
    /* 24 random bits give every float in [0,1) on a 2^-24 grid. */
    return (float)(cj_rng_u64(rng) >> 40) * (1.0f / 16777216.0f);
}

uint32_t cj_rng_below(cj_rng *rng, uint32_t n)
{
    /* Lemire's multiply-shift; the bias for n << 2^32 is negligible. */
    return (uint32_t)(((cj_rng_u64(rng) >> 32) * (uint64_t)n) >> 32);
}

float cj_rng_normal(cj_rng *rng)
{
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    double u1, u2;
    do {
        u1 = (double)(cj_rng_u64(rng) >> 11) * (1.0 / 9007199254740992.0);
    } while (u1 <= 0.0);
    u2 = (double)(cj_rng_u64(rng) >> 11) * (1.0 / 9007199254740992.0);
    double r = sqrt(-2.0 * log(u1));
    double a = 2.0 * M_PI * u2;
    rng->spare = (float)(r * sin(a));
    rng->has_spare = 1;
    return (float)(r * cos(a));
}

void cj_rng_fill_uniform(cj_rng *rng, float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * cj_rng_uniform(rng);
}

void cj_rng_fill_normal(cj_rng *rng, float *x, size_t n, float sd)
{
    for (size_t i = 0; i < n; i++) x[i] = sd * cj_rng_normal(rng);
}

void cj_rng_shuffle(cj_rng *rng, int *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = cj_rng_below(rng, (uint32_t)i);
        int t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

/* Box-Muller on a block of pairs: z[2j], z[2j+1] = sd r (cos, sin)(2 pi v)
 * with r = sqrt(-2 log u), in float polynomials that vectorise (no libm
 * call: sqrtf's errno path alone keeps a loop scalar). */
CJ_TARGET_CLONES
static void box_muller(float *restrict z, const float *restrict u, const float *restrict v, size_t pairs, float sd)
{
    for (size_t j = 0; j < pairs; j++) {
        float r = sd * cj_fast_sqrt(-2.0f * cj_fast_log(u[j]));
        float s, c;
        cj_fast_sincos_turn(v[j], &s, &c);
        z[2 * j] = r * c;
        z[2 * j + 1] = r * s;
    }
}

void cj_rng_fill_normal_fast(cj_rng *rng, float *x, size_t n, float sd)
{
    enum { PAIRS = 256 };
    float u[PAIRS], v[PAIRS], z[2 * PAIRS];
    for (size_t i = 0; i < n;) {
        size_t pairs = (n - i + 1) / 2;
        if (pairs > PAIRS) pairs = PAIRS;
        /* One 64-bit draw per pair: 24 bits for u in (0, 1], 24 for v in [0, 1). */
        for (size_t j = 0; j < pairs; j++) {
            uint64_t b = cj_rng_u64(rng);
            u[j] = (float)((b >> 40) + 1) * (1.0f / 16777216.0f);
            v[j] = (float)((b >> 16) & 0xffffff) * (1.0f / 16777216.0f);
        }
        box_muller(z, u, v, pairs, sd);
        size_t take = n - i < 2 * pairs ? n - i : 2 * pairs;
        memcpy(x + i, z, sizeof(float) * take);
        i += take;
    }
}
