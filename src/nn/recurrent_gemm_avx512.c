/* recurrent_gemm_avx512.c — the recurrent products for AVX-512, 16 floats per vector, for the portable build
 * (recurrent_gemm_variants.h). */
#include "recurrent_gemm_variants.h"

#if CJ_REC_MULTI
#pragma GCC target("avx512f")
#define REC_VL 16
#define REC_MR 8
#define REC(name) name##_avx512
#include "recurrent_gemm_impl.h"
#endif
