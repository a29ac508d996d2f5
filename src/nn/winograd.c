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

struct winograd {
    int r, t;
    const float *bt;   /* B^T, t x t */
    const double *g;   /* G, t x r */
    const float *at;   /* A^T, 2 x t */
};

static const winograd WINOGRAD3 = {3, 4, &BT3[0][0], &G3[0][0], &AT3[0][0]};
static const winograd WINOGRAD5 = {5, 6, &BT5[0][0], &G5[0][0], &AT5[0][0]};

const winograd *cj_winograd_for(const geom *g)
{
    if (g->s != 1 || g->c < WINOGRAD_MIN_CHANNELS || g->o < WINOGRAD_MIN_CHANNELS) return NULL;
    return g->k == 3 ? &WINOGRAD3 : g->k == 5 ? &WINOGRAD5 : NULL;
}

/* The tiles of one sample, and the zero-padded input plane that covers
 * their patches (a last half tile reads past the padding). */
typedef struct {
    int th, tw;     /* tile rows and columns: ceil(OH / 2), ceil(OW / 2) */
    int hq, wh;     /* padded plane: 2 th + r - 1 rows, 2 wh >= 2 tw + r - 1 columns */
    size_t tiles;   /* th tw */
} tiling;

static tiling tiling_of(const geom *g)
{
    tiling tl;
    tl.th = (g->oh + 1) / 2;
    tl.tw = (g->ow + 1) / 2;
    tl.hq = 2 * tl.th + g->k - 1;
    tl.wh = (2 * tl.tw + g->k) / 2;
    tl.tiles = (size_t)tl.th * tl.tw;
    return tl;
}

/* One row of a small constant matrix as its nonzero entries, so that the
 * transforms skip the zeros (a third of B^T's entries). */
typedef struct {
    int n, idx[TILE_MAX];
    float coef[TILE_MAX];
} taps;

/* Row i of the rows x cols matrix m read with strides (row_step, col_step):
 * (cols, 1) for m itself, (1, cols of m) for its transpose. */
static void taps_of(taps *tp, const float *m, int rows, int cols, int row_step, int col_step)
{
    for (int i = 0; i < rows; i++) {
        tp[i].n = 0;
        for (int j = 0; j < cols; j++) {
            float v = m[i * row_step + j * col_step];
            if (v != 0.0f) {
                tp[i].idx[tp[i].n] = j;
                tp[i].coef[tp[i].n++] = v;
            }
        }
        for (int j = tp[i].n; j < TILE_MAX; j++) {
            tp[i].idx[j] = 0;
            tp[i].coef[j] = 0.0f;
        }
    }
}

/* dst[q] (+)= sum_m coef[m] src[m][q] for q < len: one row of a transform
 * applied along whole rows of tiles and channels. One loop per tap count,
 * so that each is a single vectorised pass; `add` is a constant in each
 * caller below. */
static inline void apply_taps(float *restrict dst, const float *const *src, const taps *tp,
                              size_t len, int add)
{
    const float *restrict s0 = src[0], *restrict s1 = src[1], *restrict s2 = src[2];
    const float *restrict s3 = src[3], *restrict s4 = src[4], *restrict s5 = src[5];
    float k0 = tp->coef[0], k1 = tp->coef[1], k2 = tp->coef[2];
    float k3 = tp->coef[3], k4 = tp->coef[4], k5 = tp->coef[5];
#define TAP_LOOP(expr)                                 \
    for (size_t q = 0; q < len; q++) {                 \
        float v = expr;                                \
        dst[q] = add ? dst[q] + v : v;                 \
    }
    switch (tp->n) {
    case 0: if (!add) memset(dst, 0, sizeof(float) * len); break;
    case 1: TAP_LOOP(k0 * s0[q]) break;
    case 2: TAP_LOOP(k0 * s0[q] + k1 * s1[q]) break;
    case 3: TAP_LOOP(k0 * s0[q] + k1 * s1[q] + k2 * s2[q]) break;
    case 4: TAP_LOOP(k0 * s0[q] + k1 * s1[q] + k2 * s2[q] + k3 * s3[q]) break;
    case 5: TAP_LOOP(k0 * s0[q] + k1 * s1[q] + k2 * s2[q] + k3 * s3[q] + k4 * s4[q]) break;
    default:
        TAP_LOOP(k0 * s0[q] + k1 * s1[q] + k2 * s2[q] + k3 * s3[q] + k4 * s4[q] + k5 * s5[q])
        break;
    }
#undef TAP_LOOP
}

/* apply_taps with source m at base + idx[m] stride. This, combine_columns
 * and the channels-last copies hold all of the transforms' vector work, so
 * they are the functions compiled for wider vectors (clones.h). */
CJ_TARGET_CLONES static void combine(float *dst, const float *base, size_t stride, const taps *tp, size_t len,
                    int add)
{
    const float *src[TILE_MAX];
    for (int m = 0; m < TILE_MAX; m++) src[m] = base + (size_t)tp->idx[m] * stride;
    if (add) apply_taps(dst, src, tp, len, 1);
    else apply_taps(dst, src, tp, len, 0);
}

/* The same with source m in the parity-split plane below: column 2 tx + j
 * of row y, for all tx at once, is half[j % 2][y][tx + j / 2][...]. */
CJ_TARGET_CLONES static void combine_columns(float *dst, const float *half, size_t half_size, size_t at,
                            size_t ch, const taps *tp, size_t len, int add)
{
    const float *src[TILE_MAX];
    for (int m = 0; m < TILE_MAX; m++) {
        int j = tp->idx[m];
        src[m] = half + (j & 1) * half_size + at + (size_t)(j >> 1) * ch;
    }
    if (add) apply_taps(dst, src, tp, len, 1);
    else apply_taps(dst, src, tp, len, 0);
}

/* One sample's planes [ch][h][w], channels last, padded by p and split by
 * column parity: half[xx % 2][y + p][xx / 2][c] = src[c][y][x] with
 * xx = x + p, zero elsewhere; each half is hq x wh x ch. Tiles start at
 * even columns, so that column 2 tx + j of all tiles of a row is one
 * contiguous run. */
CJ_TARGET_CLONES static void to_channels_last(const float *restrict src, int ch, int h, int w, int p, int hq,
                             int wh, float *restrict half)
{
    size_t half_size = (size_t)hq * wh * ch, plane = (size_t)h * w;
    memset(half, 0, sizeof(float) * 2 * half_size);
    /* Channels innermost: strided reads, contiguous writes (2.7x faster than
     * the other way round for 32 channels of 14 x 14). */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int xx = x + p;
            float *restrict d = half + (xx & 1) * half_size + ((size_t)(y + p) * wh + (xx >> 1)) * ch;
            const float *restrict s = src + (size_t)y * w + x;
            for (int c = 0; c < ch; c++) d[c] = s[c * plane];
        }
}

/* The inverse: dst[c][y][x] = half[xx % 2][y + p][xx / 2][c], border dropped. */
CJ_TARGET_CLONES static void from_channels_last(const float *restrict half, int ch, int h, int w, int p, int hq,
                               int wh, float *restrict dst)
{
    size_t half_size = (size_t)hq * wh * ch, plane = (size_t)h * w;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int xx = x + p;
            const float *restrict s = half + (xx & 1) * half_size + ((size_t)(y + p) * wh + (xx >> 1)) * ch;
            float *restrict d = dst + (size_t)y * w + x;
            for (int c = 0; c < ch; c++) d[c * plane] = s[c];
        }
}

/* dst[xi t + eta][ty tw + tx][c] = sum_{i,j} M[xi][i] M[eta][j] plane[2 ty + i][2 tx + j][c]
 * for every tile of a th x tw grid, M given as t rows of taps (B^T for
 * input patches, A for 2 x 2 blocks of the output gradient) and the plane
 * as to_channels_last's halves. Rows first: tmp[eta][y][tx][c] holds the
 * plane's rows transformed (t hq tw ch floats). The t^2 blocks of dst are
 * `block` floats apart. */
static void tile_transform(const float *half, int hq, int wh, int th, int tw, int ch,
                           const taps *m, int t, float *tmp, float *dst, size_t block)
{
    size_t row = (size_t)tw * ch, half_size = (size_t)hq * wh * ch;
    for (int eta = 0; eta < t; eta++)
        for (int y = 0; y < hq; y++)
            combine_columns(tmp + ((size_t)eta * hq + y) * row, half, half_size,
                            (size_t)y * wh * ch, (size_t)ch, &m[eta], row, 0);
    for (int xi = 0; xi < t; xi++)
        for (int eta = 0; eta < t; eta++)
            for (int ty = 0; ty < th; ty++)
                combine(dst + (size_t)(xi * t + eta) * block + ty * row,
                        tmp + ((size_t)eta * hq + 2 * ty) * row, row, &m[xi], row, 0);
}

/* The adjoint of tile_transform for input patches: every tile's patch
 * B dV B^T is added onto the plane at its position (patches overlap by
 * r - 1 rows and columns). mt holds the columns of B^T as taps. */
static void tile_transform_adjoint(const float *src, size_t block, int hq, int wh, int th, int tw,
                                   int ch, const taps *mt, int t, float *tmp, float *half)
{
    size_t row = (size_t)tw * ch, half_size = (size_t)hq * wh * ch;
    memset(tmp, 0, sizeof(float) * t * hq * row);
    for (int eta = 0; eta < t; eta++)
        for (int ty = 0; ty < th; ty++)
            for (int i = 0; i < t; i++)
                combine(tmp + ((size_t)eta * hq + 2 * ty + i) * row,
                        src + (size_t)eta * block + ty * row, t * block, &mt[i], row, 1);
    memset(half, 0, sizeof(float) * 2 * half_size);
    for (int y = 0; y < hq; y++)
        for (int j = 0; j < t; j++) {
            float *dst = half + (j & 1) * half_size + ((size_t)y * wh + (j >> 1)) * ch;
            combine(dst, tmp + (size_t)y * row, hq * row, &mt[j], row, 1);
        }
}

/* out[o][2 ty + u][2 tx + v] = bias[o] + sum_{xi,eta} A^T[u][xi] A^T[v][eta] m[xi t + eta][tile][o]
 * for one sample, dropping the outputs of a last half tile. The t^2 blocks
 * of m are `block` floats apart; tmp holds (2 t + 4) tiles O floats. */
static void output_transform(const float *m, size_t block, const geom *g, const tiling *tl,
                             const taps *at, int t, const float *bias, float *out, float *tmp)
{
    size_t len = tl->tiles * g->o;
    float *z = tmp, *y = tmp + 2 * t * len;  /* z[u][eta][tile][o], y[u][v][tile][o] */
    for (int u = 0; u < 2; u++)
        for (int eta = 0; eta < t; eta++)
            combine(z + (size_t)(u * t + eta) * len, m + eta * block, t * block, &at[u], len, 0);
    for (int u = 0; u < 2; u++)
        for (int v = 0; v < 2; v++)
            combine(y + (size_t)(u * 2 + v) * len, z + (size_t)u * t * len, len, &at[v], len, 0);
    for (int o = 0; o < g->o; o++) {
        float bo = bias[o];
        float *restrict d = out + (size_t)o * g->np;
        for (int yy = 0; yy < g->oh; yy++)
            for (int xx = 0; xx < g->ow; xx++) {
                size_t tile = (size_t)(yy >> 1) * tl->tw + (xx >> 1);
                size_t uv = (size_t)(yy & 1) * 2 + (xx & 1);
                d[(size_t)yy * g->ow + xx] = y[(uv * tl->tiles + tile) * g->o + o] + bo;
            }
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

/* Per-sample working space (see winograd_carve): a channels-last plane
 * (the input, or the output gradient in 2 x 2 tiles) and its rows after
 * the first pass of tile_transform; or output_transform's (2 t + 4) tiles O
 * floats. */
static size_t plane_floats(const geom *g, const tiling *tl)
{
    size_t in = (size_t)2 * tl->hq * tl->wh * g->c, dy = (size_t)2 * 2 * tl->th * tl->tw * g->o;
    return max_size(in, dy);
}

static size_t winograd_sample_floats(const geom *g, const winograd *wg)
{
    tiling tl = tiling_of(g);
    size_t t = (size_t)wg->t;
    size_t rows = max_size(t * tl.hq * tl.tw * g->c, t * 2 * tl.th * tl.tw * g->o);
    return max_size(plane_floats(g, &tl) + rows, (2 * t + 4) * tl.tiles * g->o);
}

/* Two t^2 C O matrices (U, or dU and the feedback's U), a chunk's tiles
 * and the per-sample space. */
size_t cj_winograd_scratch_floats(const geom *g, const winograd *wg, int batch)
{
    return (size_t)2 * wg->t * wg->t * g->c * g->o +
           (size_t)winograd_chunk(g, wg, batch) * winograd_per_sample(g, wg) +
           winograd_sample_floats(g, wg);
}

typedef struct {
    float *u, *du;  /* U (of the weight or feedback) and dU, [t^2][C][O] */
    float *v;       /* V, then dV: [t^2][chunk tiles][C] */
    float *m;       /* M or the transformed dY: [t^2][chunk tiles][O] */
    float *plane;   /* one sample, channels last */
    float *rows;    /* the same after tile_transform's first pass */
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
    s.rows = s.plane + plane_floats(g, &tl);
    return s;
}

/* The Winograd kind's taps: B^T by rows and by columns, A^T, A. */
typedef struct {
    taps bt[TILE_MAX], b[TILE_MAX], at[2], a[TILE_MAX];
} winograd_taps;

static void winograd_taps_of(const winograd *wg, winograd_taps *tp)
{
    int t = wg->t;
    taps_of(tp->bt, wg->bt, t, t, t, 1);
    taps_of(tp->b, wg->bt, t, t, 1, t);
    taps_of(tp->at, wg->at, 2, t, t, 1);
    taps_of(tp->a, wg->at, t, 2, 1, t);
}

/* V of sample b of a chunk of n_tiles tiles: B^T patch B for each tile. */
static void input_tiles(const geom *g, const winograd *wg, const winograd_taps *tp,
                        const float *in, const winograd_buffers *s, int b, size_t n_tiles)
{
    tiling tl = tiling_of(g);
    to_channels_last(in, g->c, g->h, g->w, g->p, tl.hq, tl.wh, s->plane);
    tile_transform(s->plane, tl.hq, tl.wh, tl.th, tl.tw, g->c, tp->bt, wg->t, s->rows,
                   s->v + (size_t)b * tl.tiles * g->c, n_tiles * g->c);
}

/* The transformed output gradient of sample b: A dY_tile A^T for each 2 x 2
 * tile of dout (zero past its edge). */
static void output_grad_tiles(const geom *g, const winograd *wg, const winograd_taps *tp,
                              const float *dout, const winograd_buffers *s, int b, size_t n_tiles)
{
    tiling tl = tiling_of(g);
    to_channels_last(dout, g->o, g->oh, g->ow, 0, 2 * tl.th, tl.tw, s->plane);
    tile_transform(s->plane, 2 * tl.th, tl.tw, tl.th, tl.tw, g->o, tp->a, wg->t, s->rows,
                   s->m + (size_t)b * tl.tiles * g->o, n_tiles * g->o);
}

/* din of sample b from dV: B dV B^T added up over the tiles. */
static void input_grad_tiles(const geom *g, const winograd *wg, const winograd_taps *tp,
                             const winograd_buffers *s, int b, size_t n_tiles, float *din)
{
    tiling tl = tiling_of(g);
    tile_transform_adjoint(s->v + (size_t)b * tl.tiles * g->c, n_tiles * g->c, tl.hq, tl.wh,
                           tl.th, tl.tw, g->c, tp->b, wg->t, s->rows, s->plane);
    from_channels_last(s->plane, g->c, g->h, g->w, g->p, tl.hq, tl.wh, din);
}

void cj_winograd_forward(const geom *g, const winograd *wg, const float *weight,
                         const float *bias, const float *in, float *out, int batch,
                             float *scratch)
{
    tiling tl = tiling_of(g);
    int t2 = wg->t * wg->t, chunk = winograd_chunk(g, wg, batch);
    winograd_buffers s = winograd_carve(scratch, g, wg, chunk);
    winograd_taps tp;
    winograd_taps_of(wg, &tp);
    weight_transform(wg, weight, g->o, g->c, s.u);
    size_t in_size = (size_t)g->c * g->h * g->w, out_size = (size_t)g->o * g->np;
    for (int b0 = 0; b0 < batch; b0 += chunk) {
        int n = batch - b0 < chunk ? batch - b0 : chunk;
        size_t n_tiles = (size_t)n * tl.tiles;
        for (int b = 0; b < n; b++)
            input_tiles(g, wg, &tp, in + (size_t)(b0 + b) * in_size, &s, b, n_tiles);
        /* M_xi[T, O] = V_xi[T, C] U_xi[C, O] */
        for (int xi = 0; xi < t2; xi++)
            gemm(CblasNoTrans, CblasNoTrans, (int)n_tiles, g->o, g->c, s.v + xi * n_tiles * g->c,
                 g->c, s.u + (size_t)xi * g->c * g->o, g->o, s.m + xi * n_tiles * g->o, 0);
        for (int b = 0; b < n; b++)
            output_transform(s.m + (size_t)b * tl.tiles * g->o, n_tiles * g->o, g, &tl, tp.at,
                             wg->t, bias, out + (size_t)(b0 + b) * out_size, s.plane);
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
    winograd_taps tp;
    winograd_taps_of(wg, &tp);
    if (din) weight_transform(wg, feedback, g->o, g->c, s.u);
    size_t in_size = (size_t)g->c * g->h * g->w, out_size = (size_t)g->o * g->np;
    for (int b0 = 0; b0 < batch; b0 += chunk) {
        int n = batch - b0 < chunk ? batch - b0 : chunk;
        size_t n_tiles = (size_t)n * tl.tiles;
        for (int b = 0; b < n; b++) {
            if (dweight) input_tiles(g, wg, &tp, in + (size_t)(b0 + b) * in_size, &s, b, n_tiles);
            output_grad_tiles(g, wg, &tp, dout + (size_t)(b0 + b) * out_size, &s, b, n_tiles);
        }
        for (int xi = 0; dweight && xi < t2; xi++)
            gemm(CblasTrans, CblasNoTrans, g->c, g->o, (int)n_tiles, s.v + xi * n_tiles * g->c,
                 g->c, s.m + xi * n_tiles * g->o, g->o, s.du + (size_t)xi * g->c * g->o, b0 > 0);
        if (!din) continue;
        for (int xi = 0; xi < t2; xi++)  /* V is spent: dV takes its place */
            gemm(CblasNoTrans, CblasTrans, (int)n_tiles, g->c, g->o, s.m + xi * n_tiles * g->o,
                 g->o, s.u + (size_t)xi * g->c * g->o, g->o, s.v + xi * n_tiles * g->c, 0);
        for (int b = 0; b < n; b++)
            input_grad_tiles(g, wg, &tp, &s, b, n_tiles, din + (size_t)(b0 + b) * in_size);
    }
    if (dweight) weight_grad_transform(wg, s.du, g->o, g->c, dweight);
}

