/* rng.h — a seeded random stream, passed explicitly (no global state).
 *
 * xoshiro128+-style generators are fast but we use splitmix64-seeded
 * xoshiro256** for quality; normals come from Box-Muller with the spare
 * value cached in the stream, so a stream's output depends only on its seed
 * and the sequence of calls. */
#ifndef CAJAL_RNG_H
#define CAJAL_RNG_H

#include <stdint.h>
#include <stddef.h>

typedef struct {
    uint64_t s[4];
    int has_spare;
    float spare;
} cj_rng;

void cj_rng_seed(cj_rng *rng, uint64_t seed);
/* An independent stream derived from this one (for a component that needs
 * its own randomness without disturbing the parent's sequence). */
cj_rng cj_rng_split(cj_rng *rng);
uint64_t cj_rng_u64(cj_rng *rng);
/* Uniform in [0, 1). */
float cj_rng_uniform(cj_rng *rng);
/* Uniform integer in [0, n). */
uint32_t cj_rng_below(cj_rng *rng, uint32_t n);
/* Standard normal. */
float cj_rng_normal(cj_rng *rng);
/* Fill x[0..n) with U(lo, hi) or N(0, sd^2). */
void cj_rng_fill_uniform(cj_rng *rng, float *x, size_t n, float lo, float hi);
void cj_rng_fill_normal(cj_rng *rng, float *x, size_t n, float sd);
/* The same distribution, several times faster: one 64-bit draw per pair
 * of normals and Box-Muller in float polynomials that vectorise (a
 * different stream from cj_rng_fill_normal's; an odd n drops the last
 * sample of its pair). For bulk noise, e.g. a rate RNN's recurrent noise. */
void cj_rng_fill_normal_fast(cj_rng *rng, float *x, size_t n, float sd);
/* Fisher-Yates shuffle of an index array. */
void cj_rng_shuffle(cj_rng *rng, int *idx, size_t n);

#endif
