/* recurrent_gemm_base.c — the recurrent products for the build's own width (SSE2 in the portable build; AVX-512 or AVX2 under make NATIVE=1)
 * (recurrent_gemm_variants.h). */
#include "recurrent_gemm_variants.h"

#if 1

#define REC_VL CJ_REC_VL
#define REC_MR CJ_REC_MR
#define REC(name) name##_base
#include "recurrent_gemm_impl.h"
#endif
