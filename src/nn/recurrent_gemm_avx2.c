/* recurrent_gemm_avx2.c — the recurrent products for AVX2 with FMA, 8 floats per vector, for the
 * portable build (recurrent_gemm_variants.h). "avx2" alone leaves out FMA (a separate extension), and
 * every multiply-add of the register tile became a multiply and an add: half the rate, measured on an
 * AMD EPYC (Zen 3) whose widest variant is this one. Every AVX2 CPU of Intel (Haswell on) and AMD
 * (Zen on) has FMA; recurrent_gemm.c checks both. */
#include "recurrent_gemm_variants.h"

#if CJ_REC_MULTI
#pragma GCC target("avx2,fma")
#define REC_VL 8
#define REC_MR 6
#define REC(name) name##_avx2
#include "recurrent_gemm_impl.h"
#endif
