/* recurrent_gemm_avx2.c — the recurrent products for AVX2, 8 floats per vector, for the portable build
 * (recurrent_gemm_variants.h). */
#include "recurrent_gemm_variants.h"

#if CJ_REC_MULTI
#pragma GCC target("avx2")
#define REC_VL 8
#define REC_MR 6
#define REC(name) name##_avx2
#include "recurrent_gemm_impl.h"
#endif
