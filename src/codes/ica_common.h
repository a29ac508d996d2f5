/* ica_common.h — what ica_infomax.c, ica_fastica.c, ica_picard.c and ica_fit.c share
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
#include "../core/fastmath.h"

/* 1 - 2 sigma(x) = 1 - 2 / (1 + e^{-x}), the logistic infomax score. */
static inline float ica_logistic_score(float x) { return 1.0f - 2.0f / (1.0f + cj_fast_exp(-x)); }

/* Variance, skewness and excess kurtosis of each column of a [n, k]
 * (ica_fit.c); scratch [4k]. */
void cj_ica_moments_scratch(const float *a, long n, int k, double *var, double *skew, double *kurt, double *scratch);

/* W [k, k] = a seeded standard-normal matrix, symmetrically decorrelated
 * (W W^T)^{-1/2} W: FastICA's start (ica_fastica.c), also Picard's on the
 * orthogonal problem. 0 when it is singular or memory runs out. */
int cj_ica_random_orthogonal(int k, uint64_t seed, double *W);

static inline double ica_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

#endif
