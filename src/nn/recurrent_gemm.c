/* recurrent_gemm.c — the per-step matrix products of the recurrent cells,
 * C [m, n] = [A1 | A2] B (+ bias) or C (+)= A B, with m = the batch (tens
 * of rows) and B weight matrices that stay the same for all T steps of a
 * sequence.
 *
 * Why not sgemm: OpenBLAS packs both operands on every call, which for the
 * per-step shapes costs as much as the multiply-adds. Here B is packed once
 * per sequence (cj_rec_pack, cj_rec_pack_xh) and A, a few rows of input
 * and hidden state already in cache, is read in place. Measured against
 * sgemm in docs/benchmarks.md.
 *
 * Forward, the input projection rides along with the recurrent one:
 * a_t = x_t W_ih^T + h_{t−1} W_hh^T + b is one product over k = I + H, so
 * the pre-activations of step t are written once, while in cache, instead
 * of by a T*B-row sgemm before the loop and re-read from memory per step.
 *
 * Method (Goto & van de Geijn 2008, ACM TOMS 34:12, the register tile): B
 * is cut into panels of NR columns stored k-major, [k][NR], zero-padded to
 * a whole panel; an MR x NR tile of C is held in MR * NR / VL vector
 * registers while k runs, each step loading one row of the panel and
 * broadcasting MR values of A. Vectors are GCC/Clang vector extensions, so
 * the same source (recurrent_gemm_impl.h) compiles to AVX-512, AVX2, SSE or
 * NEON. The portable build compiles it three times (baseline, AVX2 + FMA,
 * AVX-512: recurrent_gemm_{base,avx2,avx512}.c) and this file sends every
 * call to the widest the CPU runs, the same for packing and products (the
 * packed layout depends on the width); make NATIVE=1 builds the native
 * width alone. As elsewhere (clones.h), GCC fuses multiply-adds in the
 * AVX-512 variant, so its last bits may differ from the other widths'. */
#include "recurrent_common.h"
#include "recurrent_gemm_variants.h"

#if CJ_REC_MULTI
typedef enum { ISA_BASE, ISA_AVX2, ISA_AVX512 } isa;

/* The widest variant this CPU runs: a read of what libgcc found at start-up. */
static isa widest(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ISA_AVX2;
    return ISA_BASE;
}

#define DISPATCH(name, ...)                                                                                     \
    (widest() == ISA_AVX512 ? name##_avx512(__VA_ARGS__) : widest() == ISA_AVX2 ? name##_avx2(__VA_ARGS__)   \
                                                                              : name##_base(__VA_ARGS__))
#else
#define DISPATCH(name, ...) name##_base(__VA_ARGS__)
#endif

size_t cj_rec_packed_floats(int n, int k) { return DISPATCH(cj_rec_packed_floats, n, k); }

const float *cj_rec_pack(float *dst, const float *w, int n, int k) { return DISPATCH(cj_rec_pack, dst, w, n, k); }

size_t cj_rec_packed_xh_floats(int n, int k1, int k2) { return DISPATCH(cj_rec_packed_xh_floats, n, k1, k2); }

const float *cj_rec_pack_xh(float *dst, int n, const float *w1, int k1, const float *w2, int k2, const float *b1,
                            const float *b2)
{
    return DISPATCH(cj_rec_pack_xh, dst, n, w1, k1, w2, k2, b1, b2);
}

void cj_rec_gemm(float *c, int ldc, const float *a, int lda, const float *bp, int m, int n, int k, int accumulate)
{
    DISPATCH(cj_rec_gemm, c, ldc, a, lda, bp, m, n, k, accumulate);
}

void cj_rec_gemm_xh(float *c, int ldc, const float *a1, int lda1, int k1, const float *a2, int lda2, int k2,
                    const float *bp, int m, int n)
{
    DISPATCH(cj_rec_gemm_xh, c, ldc, a1, lda1, k1, a2, lda2, k2, bp, m, n);
}

size_t cj_rec_weight_grad_floats(int m, int n) { return DISPATCH(cj_rec_weight_grad_floats, m, n); }

void cj_rec_weight_grad(float *dw1, const float *x1, int n1, float *dw2, const float *x2, int n2, const float *d,
                        int ldd, int m, size_t rows, float *scratch)
{
    DISPATCH(cj_rec_weight_grad, dw1, x1, n1, dw2, x2, n2, d, ldd, m, rows, scratch);
}
