/* winograd.c — convolution by Winograd's minimal filtering, F(2x2, r x r)
 * for 3x3 and 5x5 kernels at stride 1 (Lavin & Gray 2016, "Fast
 * Algorithms for Convolutional Neural Networks"): each 2x2 block of outputs
 * costs t^2 = (r + 1)^2 multiplications per channel pair instead of 4 r^2,
 * done as t^2 OpenBLAS products over all tiles. Forward and backward share
 * the transformed tiles; see src/nn/conv2d.c for when it is used and its
 * rounding. */
#include <cblas.h>
#include <string.h>

#include "../core/clones.h"
#include "conv2d_internal.h"

/* ---- Winograd F(2x2, r x r) ------------------------------------------- */

enum { TILE_MAX = 6 };  /* t = r + 1 for r <= 5 */

/* B^T [t, t], G [t, r] and A^T [2, t] for the interpolation points 0, 1, -1
 * (and 1/2, -2 for r = 5) and infinity, derived with exact fractions
 * (Toom-Cook, as in Lavin & Gray) and checked against direct sums by
 * tests/test_layers.c. B^T and A^T are exact in binary; G, with its thirds
 * and fifteenths, is applied in double and rounded once. */
static const float BT3[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, -1, 0, 1}};
static const double G3[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
static const float AT3[2][4] = {{1, 1, 1, 0}, {0, 1, -1, 1}};

static const float BT5[6][6] = {{1, -1.5f, -2, 1.5f, 1, 0},  {0, -1, 0.5f, 2.5f, 1, 0},
                                {0, 1, -2.5f, 0.5f, 1, 0},   {0, -2, -1, 2, 1, 0},
                                {0, 0.5f, -1, -0.5f, 1, 0},  {0, 1, -1.5f, -2, 1.5f, 1}};
static const double G5[6][5] = {{1, 0, 0, 0, 0},
                                {1 / 3.0, 1 / 3.0, 1 / 3.0, 1 / 3.0, 1 / 3.0},
                                {-1 / 3.0, 1 / 3.0, -1 / 3.0, 1 / 3.0, -1 / 3.0},
                                {-16 / 15.0, -8 / 15.0, -4 / 15.0, -2 / 15.0, -1 / 15.0},
                                {1 / 15.0, -2 / 15.0, 4 / 15.0, -8 / 15.0, 16 / 15.0},
                                {0, 0, 0, 0, 1}};
static const float AT5[2][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 0.5f, -2, 1}};

/* B^T and A^T are not here: winograd_tiles picks them by r, so that each of
 * its loops has its matrix as a compile-time constant. */
struct winograd {
    int r, t;
    const double *g;   /* G, t x r */
};

static const winograd WINOGRAD3 = {3, 4, &G3[0][0]};
static const winograd WINOGRAD5 = {5, 6, &G5[0][0]};

const winograd *cj_winograd_for(const geom *g)
{
    if (g->s != 1 || g->c < WINOGRAD_MIN_CHANNELS || g->o < WINOGRAD_MIN_CHANNELS) return NULL;
    return g->k == 3 ? &WINOGRAD3 : g->k == 5 ? &WINOGRAD5 : NULL;
}

/* The tiles of one sample, and the zero-padded input plane that covers
 * their patches (a last half tile reads past the padding). */
typedef struct {
    int th, tw;     /* tile rows and columns: ceil(OH / 2), ceil(OW / 2) */
    int hq, wq;     /* padded plane: 2 th + r - 1 rows, 2 tw + r - 1 columns */
    size_t tiles;   /* th tw */
} tiling;

static tiling tiling_of(const geom *g)
{
    tiling tl;
    tl.th = (g->oh + 1) / 2;
    tl.tw = (g->ow + 1) / 2;
    tl.hq = 2 * tl.th + g->k - 1;
    tl.wq = 2 * tl.tw + g->k - 1;
    tl.tiles = (size_t)tl.th * tl.tw;
    return tl;
}

/* Channels per block of the tile transforms: one AVX-512 vector, two AVX2
 * ones, four SSE2 ones. */
enum { CB = 16 };

/* CB floats as one vector (GCC/clang vector extensions). Plain loops over
 * the lanes were vectorised by GCC 12 along the wrong axis, with gathers. */
typedef float block_vec __attribute__((vector_size(CB * sizeof(float))));

/* The helpers below pass such vectors by value, which GCC warns changes the
 * ABI outside AVX-512 (clang too); they are always inlined, so no call
 * passes one. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

static inline __attribute__((always_inline)) block_vec load_block(const float *p)
{
    block_vec v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* acc (+)= c x, where c is a constant once inlined: zero terms drop out and
 * +-1 leave a plain add or subtract. `*have` says whether acc holds a term. */
static inline __attribute__((always_inline)) void add_term(block_vec *acc, int *have, float c,
                                                           block_vec x)
{
    if (c == 0.0f) return;
    block_vec term = c == 1.0f ? x : c == -1.0f ? -x : c * x;
    *acc = *have ? *acc + term : term;
    *have = 1;
}

/* Where entry (a, b) of tile (ty, tx) of a channels-last array starts, in
 * floats: ty * ty_step + tx * tx_step + a * a_step + b * b_step, with its
 * channels contiguous from there. Patches of a plane, 2 x 2 blocks of an
 * output and the t^2 matrices of transformed tiles are all such arrays. */
typedef struct {
    size_t ty, tx, a, b;
} tile_layout;

/* One tile, CB channels: out[a][b] (+)= sum_{i,j} M(a, i) M(b, j) in[i][j],
 * with M(a, i) = mat[a ma + i mi] one of the constant matrices above (B^T,
 * its transpose B, A^T or A) and every size a constant where this is
 * inlined, so that the loops unroll and the matrix entries fold into the
 * code. Columns first: mid[i][b] = sum_j M(b, j) in[i][j]. */
static inline __attribute__((always_inline)) void sandwich_tile(
    const float *mat, int ma, int mi, int n_out, int n_in, const float *src, size_t sa, size_t sb,
    float *dst, size_t da, size_t db, int add)
{
    block_vec mid[TILE_MAX][TILE_MAX];
#pragma GCC unroll 6
    for (int i = 0; i < n_in; i++) {
        block_vec row[TILE_MAX];
#pragma GCC unroll 6
        for (int j = 0; j < n_in; j++) row[j] = load_block(src + (size_t)i * sa + (size_t)j * sb);
#pragma GCC unroll 6
        for (int b = 0; b < n_out; b++) {
            block_vec acc = {0};
            int have = 0;
#pragma GCC unroll 6
            for (int j = 0; j < n_in; j++) add_term(&acc, &have, mat[b * ma + j * mi], row[j]);
            mid[i][b] = acc;
        }
    }
#pragma GCC unroll 6
    for (int a = 0; a < n_out; a++)
#pragma GCC unroll 6
        for (int b = 0; b < n_out; b++) {
            block_vec acc = {0};
            int have = 0;
#pragma GCC unroll 6
            for (int i = 0; i < n_in; i++) add_term(&acc, &have, mat[a * ma + i * mi], mid[i][b]);
            float *d = dst + (size_t)a * da + (size_t)b * db;
            if (add) acc += load_block(d);
            memcpy(d, &acc, sizeof acc);
        }
}

/* sandwich_tile over every tile of a th x tw grid and all ch channels; the
 * last ch % CB channels go through zero-padded copies of their patches. */
static inline __attribute__((always_inline)) void sandwich_grid(
    const float *mat, int ma, int mi, int n_out, int n_in, int th, int tw, int ch,
    const float *src, tile_layout sl, float *dst, tile_layout dl, int add)
{
    for (int ty = 0; ty < th; ty++)
        for (int tx = 0; tx < tw; tx++) {
            const float *s = src + ty * sl.ty + tx * sl.tx;
            float *d = dst + ty * dl.ty + tx * dl.tx;
            int c = 0;
            for (; c + CB <= ch; c += CB)
                sandwich_tile(mat, ma, mi, n_out, n_in, s + c, sl.a, sl.b, d + c, dl.a, dl.b, add);
            if (c == ch) continue;
            size_t lanes = sizeof(float) * (size_t)(ch - c);
            float in[TILE_MAX][TILE_MAX][CB] = {{{0}}}, out[TILE_MAX][TILE_MAX][CB] = {{{0}}};
            for (int i = 0; i < n_in; i++)
                for (int j = 0; j < n_in; j++) memcpy(in[i][j], s + c + i * sl.a + j * sl.b, lanes);
            for (int i = 0; add && i < n_out; i++)
                for (int j = 0; j < n_out; j++) memcpy(out[i][j], d + c + i * dl.a + j * dl.b, lanes);
            sandwich_tile(mat, ma, mi, n_out, n_in, &in[0][0][0], TILE_MAX * CB, CB, &out[0][0][0],
                          TILE_MAX * CB, CB, add);
            for (int i = 0; i < n_out; i++)
                for (int j = 0; j < n_out; j++) memcpy(d + c + i * dl.a + j * dl.b, out[i][j], lanes);
        }
}

/* The four tile transforms: input patches (B^T d B), output-gradient
 * blocks (A dy A^T), outputs (A^T m A) and input gradients (B dv B^T, the
 * adjoint of the first; overlapping patches summed tile by tile). */
typedef enum { PATCHES, OUTPUT_GRADS, OUTPUTS, INPUT_GRADS } tile_transform;

/* One loop per kernel size and transform, each with its matrix folded in,
 * compiled for wider vectors (clones.h). */
CJ_TARGET_CLONES static void winograd_tiles(int r, tile_transform kind, int th, int tw, int ch,
                                            const float *src, tile_layout sl, float *dst,
                                            tile_layout dl, int add)
{
#define GRID(mat, ma, mi, n_out, n_in) \
    sandwich_grid(mat, ma, mi, n_out, n_in, th, tw, ch, src, sl, dst, dl, add)
    if (r == 5) {
        switch (kind) {
        case PATCHES: GRID(&BT5[0][0], 6, 1, 6, 6); break;
        case OUTPUT_GRADS: GRID(&AT5[0][0], 1, 6, 6, 2); break;
        case OUTPUTS: GRID(&AT5[0][0], 6, 1, 2, 6); break;
        case INPUT_GRADS: GRID(&BT5[0][0], 1, 6, 6, 6); break;
        }
    } else {
        switch (kind) {
        case PATCHES: GRID(&BT3[0][0], 4, 1, 4, 4); break;
        case OUTPUT_GRADS: GRID(&AT3[0][0], 1, 4, 4, 2); break;
        case OUTPUTS: GRID(&AT3[0][0], 4, 1, 2, 4); break;
        case INPUT_GRADS: GRID(&BT3[0][0], 1, 4, 4, 4); break;
        }
    }
#undef GRID
}

/* A channels-last plane [rows][cols][ch] read by tiles: patch entry (i, j)
 * of tile (ty, tx) is row 2 ty + i, column 2 tx + j. */
static tile_layout plane_layout(int cols, int ch)
{
    size_t row = (size_t)cols * ch;
    tile_layout l = {2 * row, (size_t)2 * ch, row, (size_t)ch};
    return l;
}

/* t^2 matrices [tiles][ch], `block` floats apart, read by tiles: entry
 * (xi, eta) of tile (ty, tx) is matrix xi t + eta, row ty tw + tx. */
static tile_layout matrices_layout(int tw, int ch, int t, size_t block)
{
    tile_layout l = {(size_t)tw * ch, (size_t)ch, t * block, block};
    return l;
}

/* The conversions between a sample's planes [ch][h][w] and one channels-last
 * plane move 4 x 4 blocks (4 channels by 4 pixels of a row) through SSE
 * registers; one float at a time, their strided stores took 10% of an MNIST
 * CNN's training step. SSE is part of x86-64; elsewhere only the scalar
 * loops run. */
#if defined(__SSE2__)
#include <xmmintrin.h>
#define BLOCK4 4
#else
#define BLOCK4 0
#endif

/* One sample's planes [ch][h][w] as one zero-bordered channels-last plane
 * [hq][wq][ch]: plane[y + p][x + p][c] = src[c][y][x]. */
CJ_TARGET_CLONES static void to_channels_last(const float *restrict src, int ch, int h, int w, int p, int hq,
                             int wq, float *restrict plane)
{
    size_t chw = (size_t)h * w;
    memset(plane, 0, sizeof(float) * hq * wq * ch);
    for (int y = 0; y < h; y++) {
        float *restrict row = plane + ((size_t)(y + p) * wq + p) * ch;
        const float *restrict s = src + (size_t)y * w;
        int x = 0;
#if BLOCK4
        for (; x + 4 <= w; x += 4) {
            int c = 0;
            for (; c + 4 <= ch; c += 4) {
                __m128 r0 = _mm_loadu_ps(s + (size_t)c * chw + x);
                __m128 r1 = _mm_loadu_ps(s + (size_t)(c + 1) * chw + x);
                __m128 r2 = _mm_loadu_ps(s + (size_t)(c + 2) * chw + x);
                __m128 r3 = _mm_loadu_ps(s + (size_t)(c + 3) * chw + x);
                _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                _mm_storeu_ps(row + (size_t)x * ch + c, r0);
                _mm_storeu_ps(row + (size_t)(x + 1) * ch + c, r1);
                _mm_storeu_ps(row + (size_t)(x + 2) * ch + c, r2);
                _mm_storeu_ps(row + (size_t)(x + 3) * ch + c, r3);
            }
            for (; c < ch; c++)
                for (int k = 0; k < 4; k++) row[(size_t)(x + k) * ch + c] = s[c * chw + x + k];
        }
#endif
        for (; x < w; x++)
            for (int c = 0; c < ch; c++) row[(size_t)x * ch + c] = s[c * chw + x];
    }
}

/* The inverse, border dropped, plus bias[c] when bias is not NULL:
 * dst[c][y][x] = plane[y + p][x + p][c] (+ bias[c]). */
CJ_TARGET_CLONES static void from_channels_last(const float *restrict plane, int ch, int h, int w, int p,
                               int wq, const float *restrict bias, float *restrict dst)
{
    size_t chw = (size_t)h * w;
    for (int y = 0; y < h; y++) {
        const float *restrict row = plane + ((size_t)(y + p) * wq + p) * ch;
        float *restrict d = dst + (size_t)y * w;
        int x = 0;
#if BLOCK4
        for (; x + 4 <= w; x += 4) {
            int c = 0;
            for (; c + 4 <= ch; c += 4) {
                __m128 r0 = _mm_loadu_ps(row + (size_t)x * ch + c);
                __m128 r1 = _mm_loadu_ps(row + (size_t)(x + 1) * ch + c);
                __m128 r2 = _mm_loadu_ps(row + (size_t)(x + 2) * ch + c);
                __m128 r3 = _mm_loadu_ps(row + (size_t)(x + 3) * ch + c);
                _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                if (bias) {
                    r0 = _mm_add_ps(r0, _mm_set1_ps(bias[c]));
                    r1 = _mm_add_ps(r1, _mm_set1_ps(bias[c + 1]));
                    r2 = _mm_add_ps(r2, _mm_set1_ps(bias[c + 2]));
                    r3 = _mm_add_ps(r3, _mm_set1_ps(bias[c + 3]));
                }
                _mm_storeu_ps(d + (size_t)c * chw + x, r0);
                _mm_storeu_ps(d + (size_t)(c + 1) * chw + x, r1);
                _mm_storeu_ps(d + (size_t)(c + 2) * chw + x, r2);
                _mm_storeu_ps(d + (size_t)(c + 3) * chw + x, r3);
            }
            for (; c < ch; c++)
                for (int k = 0; k < 4; k++)
                    d[c * chw + x + k] = row[(size_t)(x + k) * ch + c] + (bias ? bias[c] : 0.0f);
        }
#endif
        for (; x < w; x++)
            for (int c = 0; c < ch; c++) d[c * chw + x] = row[(size_t)x * ch + c] + (bias ? bias[c] : 0.0f);
    }
}

/* The weight transforms work on WB channel pairs at a time, in double:
 * G's thirds and fifteenths are rounded once, at the end. */
enum { WB = 16 };
typedef double lanes[WB];

/* out[a][b] = sum_{i,j} M(a, i) M(b, j) in[i][j] for each lane, with
 * M(a, i) = m[a sa + i si] an n_out x n_in matrix: G K G^T for
 * (sa, si) = (r, 1), and G^T dU G for (1, r). */
static void sandwich(const double *m, int sa, int si, int n_out, int n_in,
                     lanes in[TILE_MAX][TILE_MAX], lanes out[TILE_MAX][TILE_MAX])
{
    lanes tmp[TILE_MAX][TILE_MAX];  /* M in */
    for (int a = 0; a < n_out; a++)
        for (int j = 0; j < n_in; j++) {
            for (int q = 0; q < WB; q++) tmp[a][j][q] = 0.0;
            for (int i = 0; i < n_in; i++) {
                double mv = m[a * sa + i * si];
                for (int q = 0; q < WB; q++) tmp[a][j][q] += mv * in[i][j][q];
            }
        }
    for (int a = 0; a < n_out; a++)
        for (int b = 0; b < n_out; b++) {
            for (int q = 0; q < WB; q++) out[a][b][q] = 0.0;
            for (int j = 0; j < n_in; j++) {
                double mv = m[b * sa + j * si];
                for (int q = 0; q < WB; q++) out[a][b][q] += mv * tmp[a][j][q];
            }
        }
}

/* u[xi t + eta][c][o] = (G W[o, c] G^T)[xi][eta] for w [n_out, n_in, r, r]. */
static void weight_transform(const winograd *wg, const float *w, int n_out, int n_in, float *u)
{
    int r = wg->r, t = wg->t;
    size_t rr = (size_t)r * r;
    for (int c = 0; c < n_in; c++)
        for (int o0 = 0; o0 < n_out; o0 += WB) {
            int nb = n_out - o0 < WB ? n_out - o0 : WB;
            lanes k[TILE_MAX][TILE_MAX] = {{{0}}}, gkg[TILE_MAX][TILE_MAX];
            for (int q = 0; q < nb; q++) {
                const float *wq = w + ((size_t)(o0 + q) * n_in + c) * rr;
                for (int i = 0; i < r; i++)
                    for (int j = 0; j < r; j++) k[i][j][q] = wq[i * r + j];
            }
            sandwich(wg->g, r, 1, t, r, k, gkg);
            for (int xi = 0; xi < t; xi++)
                for (int eta = 0; eta < t; eta++) {
                    float *dst = u + ((size_t)(xi * t + eta) * n_in + c) * n_out + o0;
                    for (int q = 0; q < nb; q++) dst[q] = (float)gkg[xi][eta][q];
                }
        }
}

/* dw[o, c] = G^T dU[c, o] G, with du [t^2][C][O]: the chain rule through
 * weight_transform. */
static void weight_grad_transform(const winograd *wg, const float *du, int n_out, int n_in,
                                  float *dw)
{
    int r = wg->r, t = wg->t;
    size_t block = (size_t)n_in * n_out, rr = (size_t)r * r;
    for (int c = 0; c < n_in; c++)
        for (int o0 = 0; o0 < n_out; o0 += WB) {
            int nb = n_out - o0 < WB ? n_out - o0 : WB;
            lanes d[TILE_MAX][TILE_MAX] = {{{0}}}, gdg[TILE_MAX][TILE_MAX];
            for (int xi = 0; xi < t; xi++)
                for (int eta = 0; eta < t; eta++) {
                    const float *src = du + (size_t)(xi * t + eta) * block + (size_t)c * n_out + o0;
                    for (int q = 0; q < nb; q++) d[xi][eta][q] = src[q];
                }
            sandwich(wg->g, 1, r, r, t, d, gdg);
            for (int q = 0; q < nb; q++) {
                float *k = dw + ((size_t)(o0 + q) * n_in + c) * rr;
                for (int i = 0; i < r; i++)
                    for (int j = 0; j < r; j++) k[i * r + j] = (float)gdg[i][j][q];
            }
        }
}

/* Floats of transformed tiles per sample: V or dV (C channels) and M or
 * the transformed output gradient (O channels), t^2 positions each. */
static size_t winograd_per_sample(const geom *g, const winograd *wg)
{
    return (size_t)wg->t * wg->t * tiling_of(g).tiles * (g->c + (size_t)g->o);
}

static int winograd_chunk(const geom *g, const winograd *wg, int batch)
{
    return chunk_samples(WINOGRAD_TARGET_FLOATS, winograd_per_sample(g, wg), batch);
}

/* Per-sample working space: the channels-last plane of the input or of
 * its gradient, or the output (or its gradient) in 2 x 2 tiles. */
static size_t plane_floats(const geom *g, const tiling *tl)
{
    size_t in = (size_t)tl->hq * tl->wq * g->c, out = (size_t)4 * tl->tiles * g->o;
    return max_size(in, out);
}

/* Two t^2 C O matrices (U, or dU and the feedback's U), a chunk's tiles
 * and the per-sample plane. */
size_t cj_winograd_scratch_floats(const geom *g, const winograd *wg, int batch)
{
    tiling tl = tiling_of(g);
    return (size_t)2 * wg->t * wg->t * g->c * g->o +
           (size_t)winograd_chunk(g, wg, batch) * winograd_per_sample(g, wg) + plane_floats(g, &tl);
}

typedef struct {
    float *u, *du;  /* U (of the weight or feedback) and dU, [t^2][C][O] */
    float *v;       /* V, then dV: [t^2][chunk tiles][C] */
    float *m;       /* M or the transformed dY: [t^2][chunk tiles][O] */
    float *plane;   /* one sample, channels last */
} winograd_buffers;

static winograd_buffers winograd_carve(float *scratch, const geom *g, const winograd *wg,
                                       int chunk)
{
    tiling tl = tiling_of(g);
    size_t t2 = (size_t)wg->t * wg->t, n_tiles = (size_t)chunk * tl.tiles;
    winograd_buffers s;
    s.u = scratch;
    s.du = s.u + t2 * g->c * g->o;
    s.v = s.du + t2 * g->c * g->o;
    s.m = s.v + t2 * n_tiles * g->c;
    s.plane = s.m + t2 * n_tiles * g->o;
    return s;
}

/* V of sample b of a chunk of n_tiles tiles: B^T patch B for each tile. */
static void input_tiles(const geom *g, const winograd *wg, 
                        const float *in, const winograd_buffers *s, int b, size_t n_tiles)
{
    tiling tl = tiling_of(g);
    to_channels_last(in, g->c, g->h, g->w, g->p, tl.hq, tl.wq, s->plane);
    winograd_tiles(wg->r, PATCHES, tl.th, tl.tw, g->c, s->plane, plane_layout(tl.wq, g->c),
                   s->v + (size_t)b * tl.tiles * g->c,
                   matrices_layout(tl.tw, g->c, wg->t, n_tiles * g->c), 0);
}

/* The transformed output gradient of sample b: A dY_tile A^T for each 2 x 2
 * tile of dout (zero past its edge). */
static void output_grad_tiles(const geom *g, const winograd *wg, 
                              const float *dout, const winograd_buffers *s, int b, size_t n_tiles)
{
    tiling tl = tiling_of(g);
    to_channels_last(dout, g->o, g->oh, g->ow, 0, 2 * tl.th, 2 * tl.tw, s->plane);
    winograd_tiles(wg->r, OUTPUT_GRADS, tl.th, tl.tw, g->o, s->plane, plane_layout(2 * tl.tw, g->o),
                   s->m + (size_t)b * tl.tiles * g->o,
                   matrices_layout(tl.tw, g->o, wg->t, n_tiles * g->o), 0);
}

/* out[o][2 ty + u][2 tx + v] = bias[o] + sum_{xi,eta} A^T[u][xi] A^T[v][eta] m[xi t + eta][tile][o]
 * for sample b, dropping the outputs of a last half tile. */
static void output_tiles(const geom *g, const winograd *wg, 
                         const winograd_buffers *s, int b, size_t n_tiles, const float *bias,
                         float *out)
{
    tiling tl = tiling_of(g);
    winograd_tiles(wg->r, OUTPUTS, tl.th, tl.tw, g->o, s->m + (size_t)b * tl.tiles * g->o,
                   matrices_layout(tl.tw, g->o, wg->t, n_tiles * g->o), s->plane,
                   plane_layout(2 * tl.tw, g->o), 0);
    from_channels_last(s->plane, g->o, g->oh, g->ow, 0, 2 * tl.tw, bias, out);
}

/* din of sample b from dV: B dV B^T added up over the overlapping patches. */
static void input_grad_tiles(const geom *g, const winograd *wg, 
                             const winograd_buffers *s, int b, size_t n_tiles, float *din)
{
    tiling tl = tiling_of(g);
    memset(s->plane, 0, sizeof(float) * tl.hq * tl.wq * g->c);
    winograd_tiles(wg->r, INPUT_GRADS, tl.th, tl.tw, g->c, s->v + (size_t)b * tl.tiles * g->c,
                   matrices_layout(tl.tw, g->c, wg->t, n_tiles * g->c), s->plane,
                   plane_layout(tl.wq, g->c), 1);
    from_channels_last(s->plane, g->c, g->h, g->w, g->p, tl.wq, NULL, din);
}

void cj_winograd_forward(const geom *g, const winograd *wg, const float *weight,
                         const float *bias, const float *in, float *out, int batch,
                             float *scratch)
{
    tiling tl = tiling_of(g);
    int t2 = wg->t * wg->t, chunk = winograd_chunk(g, wg, batch);
    winograd_buffers s = winograd_carve(scratch, g, wg, chunk);
    weight_transform(wg, weight, g->o, g->c, s.u);
    size_t in_size = (size_t)g->c * g->h * g->w, out_size = (size_t)g->o * g->np;
    for (int b0 = 0; b0 < batch; b0 += chunk) {
        int n = batch - b0 < chunk ? batch - b0 : chunk;
        size_t n_tiles = (size_t)n * tl.tiles;
        for (int b = 0; b < n; b++)
            input_tiles(g, wg, in + (size_t)(b0 + b) * in_size, &s, b, n_tiles);
        /* M_xi[T, O] = V_xi[T, C] U_xi[C, O] */
        for (int xi = 0; xi < t2; xi++)
            gemm(g, CblasNoTrans, CblasNoTrans, (int)n_tiles, g->o, g->c, s.v + xi * n_tiles * g->c,
                 g->c, s.u + (size_t)xi * g->c * g->o, g->o, s.m + xi * n_tiles * g->o, 0);
        for (int b = 0; b < n; b++)
            output_tiles(g, wg, &s, b, n_tiles, bias, out + (size_t)(b0 + b) * out_size);
    }
}

/* dweight and din (either may be NULL) of the forward formula, chunk by
 * chunk from the transformed output gradient dM:
 *   dU_xi[C, O] += V_xi[T, C]^T dM_xi[T, O]   (then dW = G^T dU G)
 *   dV_xi[T, C]  = dM_xi[T, O] U_xi[C, O]^T   (then din = sum of B dV B^T)
 * with U from the feedback matrix. */
void cj_winograd_backward(const geom *g, const winograd *wg, const float *in,
                          const float *dout, const float *feedback, float *dweight,
                              float *din, int batch, float *scratch)
{
    tiling tl = tiling_of(g);
    int t2 = wg->t * wg->t, chunk = winograd_chunk(g, wg, batch);
    winograd_buffers s = winograd_carve(scratch, g, wg, chunk);
    if (din) weight_transform(wg, feedback, g->o, g->c, s.u);
    size_t in_size = (size_t)g->c * g->h * g->w, out_size = (size_t)g->o * g->np;
    for (int b0 = 0; b0 < batch; b0 += chunk) {
        int n = batch - b0 < chunk ? batch - b0 : chunk;
        size_t n_tiles = (size_t)n * tl.tiles;
        for (int b = 0; b < n; b++) {
            if (dweight) input_tiles(g, wg, in + (size_t)(b0 + b) * in_size, &s, b, n_tiles);
            output_grad_tiles(g, wg, dout + (size_t)(b0 + b) * out_size, &s, b, n_tiles);
        }
        for (int xi = 0; dweight && xi < t2; xi++)
            gemm(g, CblasTrans, CblasNoTrans, g->c, g->o, (int)n_tiles, s.v + xi * n_tiles * g->c,
                 g->c, s.m + xi * n_tiles * g->o, g->o, s.du + (size_t)xi * g->c * g->o, b0 > 0);
        if (!din) continue;
        for (int xi = 0; xi < t2; xi++)  /* V is spent: dV takes its place */
            gemm(g, CblasNoTrans, CblasTrans, (int)n_tiles, g->c, g->o, s.m + xi * n_tiles * g->o,
                 g->o, s.u + (size_t)xi * g->c * g->o, g->o, s.v + xi * n_tiles * g->c, 0);
        for (int b = 0; b < n; b++)
            input_grad_tiles(g, wg, &s, b, n_tiles, din + (size_t)(b0 + b) * in_size);
    }
    if (dweight) weight_grad_transform(wg, s.du, g->o, g->c, dweight);
}

