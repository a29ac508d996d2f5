/* recurrent_gemm.c — the per-step matrix product of the recurrent cells,
 *
 * per step, C [m, n] (+)= A [m, k] B, with m = the batch (tens of rows)
 * and B a weight matrix that stays the same for all T steps of a sequence.
 *
 * Why not sgemm: OpenBLAS packs both operands on every call, which for the
 * per-step shapes costs as much as the multiply-adds. Here B is packed once
 * per sequence (cj_rec_pack) and A, a few rows of hidden state already in
 * cache, is read in place. Measured against sgemm in docs/benchmarks.md.
 *
 * Method (Goto & van de Geijn 2008, ACM TOMS 34:12): B is cut into panels
 * of NR columns stored k-major, [k][NR], zero-padded to a whole panel; an
 * MR x NR tile of C is held in MR * NR / VL vector registers while k runs,
 * each step loading one row of the panel and broadcasting MR values of A.
 * Vectors are GCC/Clang vector extensions, so the same source compiles to
 * AVX-512, AVX2 or NEON; the build's -march picks the width. */
#include "recurrent_common.h"

#include <string.h>

typedef float vf __attribute__((vector_size(CJ_REC_VL * sizeof(float))));

enum { VL = CJ_REC_VL, MR = CJ_REC_MR, NR = CJ_REC_NR, NV = NR / VL };

/* Unaligned vector load and store (compiled to one instruction). */
static inline vf vload(const float *p)
{
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void vstore(float *p, vf v) { memcpy(p, &v, sizeof v); }

static inline int min_int(int a, int b) { return a < b ? a : b; }

/* dst rounded up to a cache line, so that no vector load splits two. */
static inline float *align_line(float *dst)
{
    uintptr_t mis = (uintptr_t)dst % (CJ_REC_ALIGN_FLOATS * sizeof(float));
    return dst + (mis ? CJ_REC_ALIGN_FLOATS - mis / sizeof(float) : 0);
}

size_t cj_rec_packed_floats(int n, int k)
{
    size_t panels = ((size_t)n + NR - 1) / NR;
    return panels * NR * (size_t)k + CJ_REC_ALIGN_FLOATS;
}

const float *cj_rec_pack(float *dst, const float *w, int n, int k, int transposed)
{
    float *bp = align_line(dst);
    for (int j0 = 0; j0 < n; j0 += NR) {
        float *panel = bp + (size_t)j0 * k;
        int nc = min_int(n - j0, NR);
        for (int kk = 0; kk < k; kk++) {
            float *row = panel + (size_t)kk * NR;
            if (transposed)
                for (int j = 0; j < nc; j++) row[j] = w[(size_t)(j0 + j) * k + kk];
            else
                memcpy(row, w + (size_t)kk * n + j0, sizeof(float) * nc);
            for (int j = nc; j < NR; j++) row[j] = 0.0f;
        }
    }
    return bp;
}

/* One mr x NR tile of C (+)= A B over k: A's element (i, kk) is
 * a[i * a_rs + kk * a_cs]; the first nc columns are stored. Inlined with
 * constant mr = MR and nc = NR for whole tiles, where the loops unroll and
 * the accumulators stay in registers; tile_edge is the generic copy. */
static inline __attribute__((always_inline)) void tile(float *restrict c, int ldc,
                                                       const float *restrict a, size_t a_rs,
                                                       size_t a_cs, const float *restrict panel,
                                                       int k, int mr, int nc, int accumulate)
{
    vf acc[MR][NV];
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < NV; v++) acc[i][v] = (vf){0};
    for (int kk = 0; kk < k; kk++) {
        vf b[NV];
        for (int v = 0; v < NV; v++) b[v] = vload(panel + (size_t)kk * NR + v * VL);
        for (int i = 0; i < mr; i++) {
            float s = a[i * a_rs + kk * a_cs];
            for (int v = 0; v < NV; v++) acc[i][v] += s * b[v];
        }
    }
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        if (nc == NR) {
            for (int v = 0; v < NV; v++) {
                vf out = acc[i][v];
                if (accumulate) out += vload(row + v * VL);
                vstore(row + v * VL, out);
            }
        } else {
            float tmp[NR];
            for (int v = 0; v < NV; v++) vstore(tmp + v * VL, acc[i][v]);
            for (int j = 0; j < nc; j++) row[j] = accumulate ? row[j] + tmp[j] : tmp[j];
        }
    }
}

static void tile_edge(float *c, int ldc, const float *a, size_t a_rs, size_t a_cs,
                      const float *panel, int k, int mr, int nc, int accumulate)
{
    tile(c, ldc, a, a_rs, a_cs, panel, k, mr, nc, accumulate);
}

/* Rows [i0, i0 + MR) of one panel's tile, but only rows >= keep stored:
 * the last block of a batch that is not a multiple of MR is computed as a
 * whole tile overlapping the one before it. */
static void tile_overlap(float *c, int ldc, const float *a, int lda, const float *panel, int k,
                         int keep, int nc, int accumulate)
{
    float tmp[MR * NR];
    tile(tmp, NR, a, (size_t)lda, 1, panel, k, MR, NR, 0);
    for (int i = keep; i < MR; i++)
        for (int j = 0; j < nc; j++) {
            float *o = c + (size_t)i * ldc + j;
            *o = accumulate ? *o + tmp[i * NR + j] : tmp[i * NR + j];
        }
}

void cj_rec_gemm(float *c, int ldc, const float *a, int lda, const float *bp, int m, int n, int k,
                 int accumulate)
{
    for (int j0 = 0; j0 < n; j0 += NR) {
        const float *panel = bp + (size_t)j0 * k;
        int nc = min_int(n - j0, NR), i0 = 0;
        for (; i0 + MR <= m; i0 += MR) {
            float *ct = c + (size_t)i0 * ldc + j0;
            const float *at = a + (size_t)i0 * lda;
            if (nc < NR) tile_edge(ct, ldc, at, (size_t)lda, 1, panel, k, MR, nc, accumulate);
            else if (accumulate) tile(ct, ldc, at, (size_t)lda, 1, panel, k, MR, NR, 1);
            else tile(ct, ldc, at, (size_t)lda, 1, panel, k, MR, NR, 0);
        }
        if (i0 < m && m >= MR)
            tile_overlap(c + (size_t)(m - MR) * ldc + j0, ldc, a + (size_t)(m - MR) * lda, lda,
                         panel, k, i0 - (m - MR), nc, accumulate);
        else if (i0 < m)
            tile_edge(c + (size_t)i0 * ldc + j0, ldc, a + (size_t)i0 * lda, (size_t)lda, 1, panel,
                      k, m - i0, nc, accumulate);
    }
}
