/* rbm_common.h — the two scalar functions the RBM files share. Private to
 * src/codes/rbm*.c. */
#ifndef CAJAL_CODES_RBM_COMMON_H
#define CAJAL_CODES_RBM_COMMON_H

#include <math.h>

/* σ(x) without overflow: e^{-|x|} is at most 1. */
static inline float cj_rbm_sigmoid(float x)
{
    float e = expf(-fabsf(x));
    return x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

/* softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}), exact for
 * large |x| where log(1 + e^x) would overflow or lose x. */
static inline double cj_rbm_softplus(double x) { return (x > 0 ? x : 0) + log1p(exp(-fabs(x))); }

#endif
