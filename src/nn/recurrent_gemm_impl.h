/* recurrent_gemm_impl.h — the body of the recurrent products
 * (recurrent_gemm.c has the method), compiled once per vector width by
 * recurrent_gemm_{base,avx2,avx512}.c with REC_VL (floats per vector),
 * REC_MR (rows of the register tile) and REC(name) (the variant's name for
 * each public function) defined. Include only from those files. */
#include <string.h>

#include "recurrent_common.h"

typedef float vf __attribute__((vector_size(REC_VL * sizeof(float))));

enum { VL = REC_VL, MR = REC_MR, NR = 2 * REC_VL, NV = NR / VL };

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

size_t REC(cj_rec_packed_floats)(int n, int k)
{
    size_t panels = ((size_t)n + NR - 1) / NR;
    return panels * NR * (size_t)k + CJ_REC_ALIGN_FLOATS;
}

const float *REC(cj_rec_pack)(float *dst, const float *w, int n, int k)
{
    float *bp = align_line(dst);
    for (int j0 = 0; j0 < n; j0 += NR) {
        float *panel = bp + (size_t)j0 * k;
        int nc = min_int(n - j0, NR);
        for (int kk = 0; kk < k; kk++) {
            float *row = panel + (size_t)kk * NR;
            memcpy(row, w + (size_t)kk * n + j0, sizeof(float) * nc);
            for (int j = nc; j < NR; j++) row[j] = 0.0f;
        }
    }
    return bp;
}

size_t REC(cj_rec_packed_xh_floats)(int n, int k1, int k2) { return REC(cj_rec_packed_floats)(n, k1 + k2 + 1); }

const float *REC(cj_rec_pack_xh)(float *dst, int n, const float *w1, int k1, const float *w2, int k2,
                            const float *b1, const float *b2)
{
    float *bp = align_line(dst);
    const int k = k1 + k2 + 1;
    for (int j0 = 0; j0 < n; j0 += NR) {
        float *panel = bp + (size_t)j0 * k;
        int nc = min_int(n - j0, NR);
        for (int kk = 0; kk < k; kk++) {
            float *row = panel + (size_t)kk * NR;
            for (int j = 0; j < nc; j++) {
                size_t col = (size_t)(j0 + j);
                row[j] = kk < k1       ? w1[col * k1 + kk]
                         : kk < k - 1 ? w2[col * k2 + (kk - k1)]
                                      : (b1 ? b1[col] : 0.0f) + (b2 ? b2[col] : 0.0f);
            }
            for (int j = nc; j < NR; j++) row[j] = 0.0f;
        }
    }
    return bp;
}

/* The operands of one product: C (+)= [A1 | A2] B (+ the bias row of B),
 * A1 [m, k1] and A2 [m, k2] row-major with strides lda1, lda2. */
typedef struct {
    const float *a1, *a2;
    int lda1, lda2, k1, k2;
    int bias;       /* B has a bias row after its k1 + k2 rows: C starts there */
    int accumulate; /* C += instead of C = */
} operands;

/* One mr x NR tile at rows a1, a2 (already offset to the tile's first row)
 * of C (+)= [A1 | A2] B over k1 + k2; the first nc columns are stored.
 * Inlined with constant mr = MR and nc = NR for whole tiles, where the
 * loops unroll and the accumulators stay in registers; tile_edge is the
 * generic copy. */
static inline __attribute__((always_inline)) void tile(float *restrict c, int ldc,
                                                       const float *restrict a1,
                                                       const float *restrict a2,
                                                       const float *restrict panel,
                                                       const operands *op, int mr, int nc)
{
    vf acc[MR][NV];
    const int k1 = op->k1, k = op->k1 + op->k2;
    for (int v = 0; v < NV; v++) {
        vf b0 = op->bias ? vload(panel + (size_t)k * NR + v * VL) : (vf){0};
        for (int i = 0; i < MR; i++) acc[i][v] = b0;
    }
    for (int kk = 0; kk < k1; kk++) {
        vf b[NV];
        for (int v = 0; v < NV; v++) b[v] = vload(panel + (size_t)kk * NR + v * VL);
        for (int i = 0; i < mr; i++) {
            float s = a1[(size_t)i * op->lda1 + kk];
            for (int v = 0; v < NV; v++) acc[i][v] += s * b[v];
        }
    }
    for (int kk = k1; kk < k; kk++) {
        vf b[NV];
        for (int v = 0; v < NV; v++) b[v] = vload(panel + (size_t)kk * NR + v * VL);
        for (int i = 0; i < mr; i++) {
            float s = a2[(size_t)i * op->lda2 + (kk - k1)];
            for (int v = 0; v < NV; v++) acc[i][v] += s * b[v];
        }
    }
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        if (nc == NR) {
            for (int v = 0; v < NV; v++) {
                vf out = acc[i][v];
                if (op->accumulate) out += vload(row + v * VL);
                vstore(row + v * VL, out);
            }
        } else {
            float tmp[NR];
            for (int v = 0; v < NV; v++) vstore(tmp + v * VL, acc[i][v]);
            for (int j = 0; j < nc; j++) row[j] = op->accumulate ? row[j] + tmp[j] : tmp[j];
        }
    }
}

static void tile_edge(float *c, int ldc, const float *a1, const float *a2, const float *panel,
                      const operands *op, int mr, int nc)
{
    tile(c, ldc, a1, a2, panel, op, mr, nc);
}

/* Whole tiles, specialised on the two flags so that they are constants in
 * the inner loop. */
static void tile_full(float *c, int ldc, const float *a1, const float *a2, const float *panel,
                      const operands *op)
{
    operands o = *op;
    if (o.accumulate) {
        o.accumulate = 1, o.bias = 0;
        tile(c, ldc, a1, a2, panel, &o, MR, NR);
    } else if (o.bias) {
        o.accumulate = 0, o.bias = 1;
        tile(c, ldc, a1, a2, panel, &o, MR, NR);
    } else {
        o.accumulate = 0, o.bias = 0;
        tile(c, ldc, a1, a2, panel, &o, MR, NR);
    }
}

/* Rows [0, MR) of one panel's tile, but only rows >= keep stored: the last
 * block of a batch that is not a multiple of MR is computed as a whole
 * tile overlapping the one before it. */
static void tile_overlap(float *c, int ldc, const float *a1, const float *a2, const float *panel,
                         const operands *op, int keep, int nc)
{
    float tmp[MR * NR];
    operands o = *op;
    o.accumulate = 0;
    tile_full(tmp, NR, a1, a2, panel, &o);
    for (int i = keep; i < MR; i++)
        for (int j = 0; j < nc; j++) {
            float *out = c + (size_t)i * ldc + j;
            *out = op->accumulate ? *out + tmp[i * NR + j] : tmp[i * NR + j];
        }
}

static void gemm(float *c, int ldc, const float *bp, int m, int n, const operands *op)
{
    const int kp = op->k1 + op->k2 + (op->bias ? 1 : 0); /* rows per panel */
    for (int j0 = 0; j0 < n; j0 += NR) {
        const float *panel = bp + (size_t)j0 * kp;
        int nc = min_int(n - j0, NR), i0 = 0;
#define ROWS(i) (op->a1 ? op->a1 + (size_t)(i) * op->lda1 : NULL), \
                (op->a2 ? op->a2 + (size_t)(i) * op->lda2 : NULL)
        for (; i0 + MR <= m; i0 += MR) {
            float *ct = c + (size_t)i0 * ldc + j0;
            if (nc < NR) tile_edge(ct, ldc, ROWS(i0), panel, op, MR, nc);
            else tile_full(ct, ldc, ROWS(i0), panel, op);
        }
        if (i0 < m && m >= MR)
            tile_overlap(c + (size_t)(m - MR) * ldc + j0, ldc, ROWS(m - MR), panel, op,
                         i0 - (m - MR), nc);
        else if (i0 < m)
            tile_edge(c + (size_t)i0 * ldc + j0, ldc, ROWS(i0), panel, op, m - i0, nc);
#undef ROWS
    }
}

void REC(cj_rec_gemm)(float *c, int ldc, const float *a, int lda, const float *bp, int m, int n, int k,
                 int accumulate)
{
    operands op = {NULL, a, 0, lda, 0, k, 0, accumulate};
    gemm(c, ldc, bp, m, n, &op);
}

void REC(cj_rec_gemm_xh)(float *c, int ldc, const float *a1, int lda1, int k1, const float *a2,
                    int lda2, int k2, const float *bp, int m, int n)
{
    operands op = {a1, a2, lda1, lda2, k1, k2, 1, 0};
    gemm(c, ldc, bp, m, n, &op);
}

/* ---- weight gradients ------------------------------------------------------
 * dW += D^T X over all T*B rows, computed as its transpose C = X^T D
 * [n, m] in scratch: the features of X (33 inputs, H states) are the rows
 * of C, read by broadcasts from X's rows in place, and D's rows are the B
 * panels, read in place too (the cells give D a row stride that is not a
 * multiple of 4 KB, so a panel's rows do not all fall into one L1 set).
 * Nothing is packed except a zero-padded copy of a last, partial panel.
 * Rows are taken in chunks of KC so that a chunk of D stays in cache while
 * every tile of C passes over it. */

enum { KC = 128 };

size_t REC(cj_rec_weight_grad_floats)(int m, int n)
{
    size_t m_pad = ((size_t)m + NR - 1) / NR * NR;
    return (size_t)n * m_pad + (size_t)KC * NR + 2 * CJ_REC_ALIGN_FLOATS;
}

/* One tile of C (+)= A B over k with A (i, kk) = a[kk * lda + i] (rows of
 * X read across) and B rows b + kk * ldb, NR wide; mr rows stored. */
static inline __attribute__((always_inline)) void tile_t(float *restrict c, int ldc,
                                                         const float *restrict a, int lda,
                                                         const float *restrict b, int ldb, int k,
                                                         int mr, int accumulate)
{
    vf acc[MR][NV];
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < NV; v++)
            acc[i][v] = accumulate && i < mr ? vload(c + (size_t)i * ldc + v * VL) : (vf){0};
    for (int kk = 0; kk < k; kk++) {
        vf bv[NV];
        for (int v = 0; v < NV; v++) bv[v] = vload(b + (size_t)kk * ldb + v * VL);
        for (int i = 0; i < mr; i++) {
            float s = a[(size_t)kk * lda + i];
            for (int v = 0; v < NV; v++) acc[i][v] += s * bv[v];
        }
    }
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < NV; v++) vstore(c + (size_t)i * ldc + v * VL, acc[i][v]);
}

static void tile_t_edge(float *c, int ldc, const float *a, int lda, const float *b, int ldb, int k,
                        int mr)
{
    tile_t(c, ldc, a, lda, b, ldb, k, mr, 1);
}

/* C rows [0, n) (+)= x^T over rows [k0, k0 + kb) times one panel of D. */
static void panel_t(float *c, int ldc, const float *x, int n, const float *b, int ldb, int kb)
{
    int i0 = 0;
    for (; i0 + MR <= n; i0 += MR) tile_t(c + (size_t)i0 * ldc, ldc, x + i0, n, b, ldb, kb, MR, 1);
    if (i0 < n && n >= MR) {
        /* the last rows as a whole tile overlapping the one before */
        float tmp[MR * NR];
        int keep = i0 - (n - MR);
        tile_t(tmp, NR, x + (n - MR), n, b, ldb, kb, MR, 0);
        for (int i = keep; i < MR; i++)
            for (int j = 0; j < NR; j++) c[(size_t)(n - MR + i) * ldc + j] += tmp[i * NR + j];
    } else if (i0 < n) {
        tile_t_edge(c + (size_t)i0 * ldc, ldc, x + i0, n, b, ldb, kb, n - i0);
    }
}

/* dw [m, n] += ct^T, ct [n, m_pad], in blocks that stay in L1. */
static void add_transposed(float *restrict dw, const float *restrict ct, int m, int n, int m_pad)
{
    enum { BLK = 16 };
    for (int u0 = 0; u0 < m; u0 += BLK)
        for (int f0 = 0; f0 < n; f0 += BLK)
            for (int u = u0; u < m && u < u0 + BLK; u++)
                for (int f = f0; f < n && f < f0 + BLK; f++)
                    dw[(size_t)u * n + f] += ct[(size_t)f * m_pad + u];
}

void REC(cj_rec_weight_grad)(float *dw1, const float *x1, int n1, float *dw2, const float *x2, int n2,
                        const float *d, int ldd, int m, size_t rows, float *scratch)
{
    if (!dw1) n1 = 0;
    if (!dw2) n2 = 0;
    if (n1 + n2 == 0 || m == 0) return;
    const int m_pad = (m + NR - 1) / NR * NR, m_full = m / NR * NR;
    float *ct = align_line(scratch), *tail = align_line(ct + (size_t)(n1 + n2) * m_pad);
    memset(ct, 0, sizeof(float) * (size_t)(n1 + n2) * m_pad);
    for (size_t k0 = 0; k0 < rows; k0 += KC) {
        int kb = rows - k0 < KC ? (int)(rows - k0) : KC;
        const float *dk = d + k0 * (size_t)ldd;
        if (m_full < m) /* D's last columns, zero-padded to a panel */
            for (int kk = 0; kk < kb; kk++) {
                float *row = tail + (size_t)kk * NR;
                memcpy(row, dk + (size_t)kk * ldd + m_full, sizeof(float) * (m - m_full));
                for (int j = m - m_full; j < NR; j++) row[j] = 0.0f;
            }
        for (int j0 = 0; j0 < m; j0 += NR) {
            const float *b = j0 < m_full ? dk + j0 : tail;
            int ldb = j0 < m_full ? ldd : NR;
            if (n1) panel_t(ct + j0, m_pad, x1 + k0 * n1, n1, b, ldb, kb);
            if (n2) panel_t(ct + (size_t)n1 * m_pad + j0, m_pad, x2 + k0 * n2, n2, b, ldb, kb);
        }
    }
    if (n1) add_transposed(dw1, ct, m, n1, m_pad);
    if (n2) add_transposed(dw2, ct + (size_t)n1 * m_pad, m, n2, m_pad);
}
