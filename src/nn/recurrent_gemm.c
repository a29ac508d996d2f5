/* recurrent_gemm.c — the per-step product of the recurrent cells,
 * C [m, n] (+)= A [m, k] B [k, n], with m = the batch (tens of rows) and B a
 * weight matrix that stays the same for all T steps of a sequence.
 *
 * Why not sgemm: OpenBLAS packs both operands on every call. Here B is
 * packed once per sequence (cj_rec_pack) and A, a few rows of hidden state
 * already in cache, is read in place, so a step costs only its
 * multiply-adds. For the shapes of bench/bench_recurrent.c (m = 64, k and n
 * 64 to 1024) this runs at 150-165 GFLOP/s on one AVX-512 core against
 * sgemm's 85-110 (docs/benchmarks.md).
 *
 * Method (Goto & van de Geijn 2008, the register tile only): B is cut into
 * panels of NR columns stored k-major, [k][NR], zero-padded to a whole panel;
 * an MR x NR tile of C is held in MR * NR / VL vector registers while k runs,
 * each step loading one row of the panel and broadcasting MR values of A.
 * Vectors are GCC/Clang vector extensions, so the same source compiles to
 * AVX-512, AVX2 or NEON; the build's -march picks the width. */
#include "recurrent_common.h"

#include <string.h>

typedef float vf __attribute__((vector_size(CJ_REC_VL * sizeof(float))));

/* Unaligned vector load and store (compiled to one instruction). */
static inline vf vload(const float *p)
{
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void vstore(float *p, vf v) { memcpy(p, &v, sizeof v); }

#define NV (CJ_REC_NR / CJ_REC_VL) /* vectors per tile row */

size_t cj_rec_packed_floats(int n, int k)
{
    size_t panels = ((size_t)n + CJ_REC_NR - 1) / CJ_REC_NR;
    return panels * CJ_REC_NR * (size_t)k + CJ_REC_ALIGN_FLOATS;
}

const float *cj_rec_pack(float *dst, const float *w, int n, int k, int transposed)
{
    /* Start each panel on a cache line, so no vector load splits two. */
    uintptr_t mis = (uintptr_t)dst % (CJ_REC_ALIGN_FLOATS * sizeof(float));
    float *bp = dst + (mis ? CJ_REC_ALIGN_FLOATS - mis / sizeof(float) : 0);
    for (int j0 = 0; j0 < n; j0 += CJ_REC_NR) {
        float *panel = bp + (size_t)j0 * k;
        int nc = n - j0 < CJ_REC_NR ? n - j0 : CJ_REC_NR;
        for (int kk = 0; kk < k; kk++) {
            float *row = panel + (size_t)kk * CJ_REC_NR;
            if (transposed)
                for (int j = 0; j < nc; j++) row[j] = w[(size_t)(j0 + j) * k + kk];
            else
                memcpy(row, w + (size_t)kk * n + j0, sizeof(float) * nc);
            for (int j = nc; j < CJ_REC_NR; j++) row[j] = 0.0f;
        }
    }
    return bp;
}

/* One mr x nc tile (mr <= MR, nc <= NR) of C (+)= A B over all k. Inlined
 * with constant mr = MR and nc = NR for whole tiles, where the loops unroll
 * and the accumulators stay in registers; the edges take a generic copy. */
static inline __attribute__((always_inline)) void tile(float *restrict c, int ldc,
                                                       const float *restrict a, int lda,
                                                       const float *restrict panel, int k, int mr,
                                                       int nc, int accumulate)
{
    vf acc[CJ_REC_MR][NV];
    for (int i = 0; i < CJ_REC_MR; i++)
        for (int v = 0; v < NV; v++) acc[i][v] = (vf){0};
    for (int kk = 0; kk < k; kk++) {
        vf b[NV];
        for (int v = 0; v < NV; v++) b[v] = vload(panel + (size_t)kk * CJ_REC_NR + v * CJ_REC_VL);
        for (int i = 0; i < mr; i++) {
            float s = a[(size_t)i * lda + kk];
            for (int v = 0; v < NV; v++) acc[i][v] += s * b[v];
        }
    }
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        if (nc == CJ_REC_NR) {
            for (int v = 0; v < NV; v++) {
                vf out = acc[i][v];
                if (accumulate) out += vload(row + v * CJ_REC_VL);
                vstore(row + v * CJ_REC_VL, out);
            }
        } else {
            float tmp[CJ_REC_NR];
            for (int v = 0; v < NV; v++) vstore(tmp + v * CJ_REC_VL, acc[i][v]);
            for (int j = 0; j < nc; j++) row[j] = accumulate ? row[j] + tmp[j] : tmp[j];
        }
    }
}

static void tile_edge(float *c, int ldc, const float *a, int lda, const float *panel, int k,
                      int mr, int nc, int accumulate)
{
    tile(c, ldc, a, lda, panel, k, mr, nc, accumulate);
}

void cj_rec_gemm(float *c, int ldc, const float *a, int lda, const float *bp, int m, int n, int k,
                 int accumulate)
{
    for (int j0 = 0; j0 < n; j0 += CJ_REC_NR) {
        const float *panel = bp + (size_t)j0 * k;
        int nc = n - j0 < CJ_REC_NR ? n - j0 : CJ_REC_NR, i0 = 0;
        if (nc == CJ_REC_NR)
            for (; i0 + CJ_REC_MR <= m; i0 += CJ_REC_MR) {
                float *ct = c + (size_t)i0 * ldc + j0;
                const float *at = a + (size_t)i0 * lda;
                if (accumulate) tile(ct, ldc, at, lda, panel, k, CJ_REC_MR, CJ_REC_NR, 1);
                else tile(ct, ldc, at, lda, panel, k, CJ_REC_MR, CJ_REC_NR, 0);
            }
        for (; i0 < m; i0 += CJ_REC_MR) {
            int mr = m - i0 < CJ_REC_MR ? m - i0 : CJ_REC_MR;
            tile_edge(c + (size_t)i0 * ldc + j0, ldc, a + (size_t)i0 * lda, lda, panel, k, mr, nc,
                      accumulate);
        }
    }
}
