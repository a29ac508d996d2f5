/* recurrent_gemm_variants.h — the recurrent products compiled for each
 * vector width (recurrent_gemm_impl.h), and when more than one is built:
 * under GCC on x86-64 ELF with a baseline below AVX2 (the portable build),
 * the AVX2 and AVX-512 variants are compiled beside the baseline one and
 * recurrent_gemm.c picks the widest the CPU runs. Private to src/nn/. */
#ifndef CAJAL_NN_RECURRENT_GEMM_VARIANTS_H
#define CAJAL_NN_RECURRENT_GEMM_VARIANTS_H

#include <stddef.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__) && !defined(__AVX2__)
#define CJ_REC_MULTI 1
#else
#define CJ_REC_MULTI 0
#endif

#define CJ_REC_DECLARE(sfx)                                                                                    \
    size_t cj_rec_packed_floats##sfx(int n, int k);                                                          \
    const float *cj_rec_pack##sfx(float *dst, const float *w, int n, int k);                                 \
    size_t cj_rec_packed_xh_floats##sfx(int n, int k1, int k2);                                               \
    const float *cj_rec_pack_xh##sfx(float *dst, int n, const float *w1, int k1, const float *w2, int k2,    \
                                     const float *b1, const float *b2);                                      \
    void cj_rec_gemm##sfx(float *c, int ldc, const float *a, int lda, const float *bp, int m, int n, int k,  \
                          int accumulate);                                                                   \
    void cj_rec_gemm_xh##sfx(float *c, int ldc, const float *a1, int lda1, int k1, const float *a2, int lda2, \
                             int k2, const float *bp, int m, int n);                                          \
    size_t cj_rec_weight_grad_floats##sfx(int m, int n);                                                      \
    void cj_rec_weight_grad##sfx(float *dw1, const float *x1, int n1, float *dw2, const float *x2, int n2,   \
                                 const float *d, int ldd, int m, size_t rows, float *scratch);

CJ_REC_DECLARE(_base)
#if CJ_REC_MULTI
CJ_REC_DECLARE(_avx2)
CJ_REC_DECLARE(_avx512)
#endif

#endif
