/* test_patches.c — natural-image patches and whitening (include/cajal/patches.h):
 * the FFT against a direct DFT; Olshausen's filter against the closed form
 * of its impulse response and spectrum; patch cuts against hand-computed
 * crops and reproducible by seed; PCA/ZCA whitening giving the identity
 * covariance on synthetic and real patches; ZCA symmetric, equal to
 * NumPy's (tools/make_patches_refs.py) and the closest whitening to the
 * identity; the files written and every error message. */
#include <cairo.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/npy.h"
#include "cajal/patches.h"
#include "cajal/rng.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"

static const char *cajal;

static int has(const cj_error *e, const char *text)
{
    int ok = strstr(e->msg, text) != NULL;
    if (!ok) printf("  message: %s (expected to hold '%s')\n", e->msg, text);
    return ok;
}

TEST(fft_matches_direct_dft)
{
    enum { N = 16 };
    double z[2 * N], ref[2 * N];
    cj_rng rng;
    cj_rng_seed(&rng, 3);
    for (int i = 0; i < 2 * N; i++) z[i] = cj_rng_normal(&rng);
    for (int k = 0; k < N; k++) {
        double re = 0, im = 0;
        for (int t = 0; t < N; t++) {
            double a = -2 * M_PI * k * t / N;
            re += z[2 * t] * cos(a) - z[2 * t + 1] * sin(a);
            im += z[2 * t] * sin(a) + z[2 * t + 1] * cos(a);
        }
        ref[2 * k] = re, ref[2 * k + 1] = im;
    }
    double back[2 * N];
    memcpy(back, z, sizeof z);
    cj_error err;
    CHECK(cj_fft(z, N, 0, &err) == CJ_OK);
    for (int i = 0; i < 2 * N; i++) CHECK_NEAR(z[i], ref[i], 1e-9);
    CHECK(cj_fft(z, N, 1, &err) == CJ_OK);
    for (int i = 0; i < 2 * N; i++) CHECK_NEAR(z[i] / N, back[i], 1e-12);
}

TEST(olshausen_response_closed_form)
{
    CHECK_NEAR(cj_olshausen_response(0, 0.4), 0, 0);
    CHECK_NEAR(cj_olshausen_response(0.2, 0.4), 0.2 * exp(-0.0625), 1e-15);
    CHECK_NEAR(cj_olshausen_response(0.4, 0.4), 0.4 * exp(-1.0), 1e-15);
    /* the peak of f exp(-(f/f0)^4) is at f0 / 4^(1/4) */
    double fp = 0.4 / pow(4, 0.25);
    CHECK(cj_olshausen_response(fp, 0.4) > cj_olshausen_response(fp * 0.99, 0.4));
    CHECK(cj_olshausen_response(fp, 0.4) > cj_olshausen_response(fp * 1.01, 0.4));
}

/* An impulse at (y0, x0) of a 32 x 32 image (a power of two: no mirror)
 * filtered: the result is (1/N^2) sum_k R(|f_k|) cos(2 pi k.(x - x0) / N),
 * summed here directly over all 1,024 frequencies; and its spectrum,
 * through the FFT, is R(|f|) e^{-i...} of magnitude R. */
TEST(olshausen_filter_impulse_response)
{
    enum { N = 32 };
    float img[N * N] = {0};
    int y0 = 5, x0 = 9;
    img[y0 * N + x0] = 1;
    cj_error err;
    CHECK(cj_olshausen_filter(img, N, N, 0.4, &err) == CJ_OK);
    double worst = 0;
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            double s = 0;
            for (int ky = 0; ky < N; ky++)
                for (int kx = 0; kx < N; kx++) {
                    double fy = (ky <= N / 2 ? ky : ky - N) / (double)N, fx = (kx <= N / 2 ? kx : kx - N) / (double)N;
                    s += cj_olshausen_response(sqrt(fx * fx + fy * fy), 0.4) *
                         cos(2 * M_PI * (fx * (x - x0) + fy * (y - y0)));
                }
            worst = fmax(worst, fabs(img[y * N + x] - s / (N * N)));
        }
    CHECK(worst < 1e-6);
    /* spectrum magnitude */
    double z[2 * N * N], col[2 * N];
    for (int i = 0; i < N * N; i++) z[2 * i] = img[i], z[2 * i + 1] = 0;
    for (int y = 0; y < N; y++) CHECK(cj_fft(z + 2 * y * N, N, 0, &err) == CJ_OK);
    for (int x = 0; x < N; x++) {
        for (int y = 0; y < N; y++) col[2 * y] = z[2 * (y * N + x)], col[2 * y + 1] = z[2 * (y * N + x) + 1];
        CHECK(cj_fft(col, N, 0, &err) == CJ_OK);
        for (int y = 0; y < N; y++) z[2 * (y * N + x)] = col[2 * y], z[2 * (y * N + x) + 1] = col[2 * y + 1];
    }
    worst = 0;
    for (int ky = 0; ky < N; ky++)
        for (int kx = 0; kx < N; kx++) {
            double fy = (ky <= N / 2 ? ky : ky - N) / (double)N, fx = (kx <= N / 2 ? kx : kx - N) / (double)N;
            double mag = hypot(z[2 * (ky * N + kx)], z[2 * (ky * N + kx) + 1]);
            worst = fmax(worst, fabs(mag - cj_olshausen_response(sqrt(fx * fx + fy * fy), 0.4)));
        }
    CHECK(worst < 1e-5);
}

/* A 16 x 32 image (rows x columns): each axis has its own frequencies,
 * fy = ky / 16 and fx = kx / 32, and a 16 x 32 image is not padded. */
TEST(olshausen_filter_rectangular)
{
    enum { H = 16, W = 32 };
    float img[H * W] = {0};
    img[3 * W + 20] = 1;
    cj_error err;
    CHECK(cj_olshausen_filter(img, H, W, 0.3, &err) == CJ_OK);
    double worst = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double s = 0;
            for (int ky = 0; ky < H; ky++)
                for (int kx = 0; kx < W; kx++) {
                    double fy = (ky <= H / 2 ? ky : ky - H) / (double)H, fx = (kx <= W / 2 ? kx : kx - W) / (double)W;
                    s += cj_olshausen_response(sqrt(fx * fx + fy * fy), 0.3) *
                         cos(2 * M_PI * (fx * (x - 20) + fy * (y - 3)));
                }
            worst = fmax(worst, fabs(img[y * W + x] - s / (H * W)));
        }
    CHECK(worst < 1e-6);
}

/* A non-power-of-two image is mirrored out: a flat one comes back zero,
 * and a ramp (whose mirror has no jump at the seams) stays smooth. */
TEST(olshausen_filter_other_sizes)
{
    float flat[20 * 12];
    for (int i = 0; i < 240; i++) flat[i] = 0.7f;
    cj_error err;
    CHECK(cj_olshausen_filter(flat, 20, 12, 0.4, &err) == CJ_OK);
    double m = 0;
    for (int i = 0; i < 240; i++) m = fmax(m, fabs(flat[i]));
    CHECK(m < 1e-6);
}

TEST(grey_is_bt601_luma)
{
    float rgb[9] = {1, 0, 0, 0, 1, 0, 0.2f, 0.4f, 0.6f}, g[3];
    cj_patches_grey(rgb, 1, 3, 0, g);
    CHECK_NEAR(g[0], 0.299, 1e-7);
    CHECK_NEAR(g[1], 0.587, 1e-7);
    CHECK_NEAR(g[2], 0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6, 1e-6);
    cj_patches_grey(rgb, 1, 3, 1, g);
    CHECK_NEAR(g[0], log(0.299 + 1.0 / 255), 1e-6);
}

/* image pixel (r, c) = 100 r + c, so a crop is known by hand */
TEST(cut_matches_hand_crops)
{
    enum { H = 7, W = 9 };
    float im[H * W];
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) im[r * W + c] = 100 * r + c;
    const float *ims[1] = {im};
    int w[1] = {W}, img[1] = {0}, r[1] = {2}, c[1] = {5};
    float p[4];
    cj_patches_cut(ims, w, 2, 1, img, r, c, p);
    CHECK(p[0] == 205 && p[1] == 206 && p[2] == 305 && p[3] == 306);

    /* random positions: inside the border, and each patch is its crop */
    int hh[2] = {H, 3}, ww[2] = {W, 30}; /* the second image is too small for 3 + 2*1 */
    enum { N = 500 };
    int pi[N], pr[N], pc[N], qi[N], qr[N], qc[N];
    cj_error err;
    CHECK(cj_patches_positions(hh, ww, 2, 3, 1, N, 42, pi, pr, pc, &err) == CJ_OK);
    CHECK(cj_patches_positions(hh, ww, 2, 3, 1, N, 42, qi, qr, qc, &err) == CJ_OK);
    CHECK(!memcmp(pi, qi, sizeof pi) && !memcmp(pr, qr, sizeof pr) && !memcmp(pc, qc, sizeof pc));
    int lo_r = 99, hi_r = 0, lo_c = 99, hi_c = 0, bad = 0;
    for (int i = 0; i < N; i++) {
        bad += pi[i] != 0;
        lo_r = pr[i] < lo_r ? pr[i] : lo_r, hi_r = pr[i] > hi_r ? pr[i] : hi_r;
        lo_c = pc[i] < lo_c ? pc[i] : lo_c, hi_c = pc[i] > hi_c ? pc[i] : hi_c;
    }
    CHECK(bad == 0);
    CHECK(lo_r == 1 && hi_r == H - 1 - 3 && lo_c == 1 && hi_c == W - 1 - 3); /* every position reached */
    float *out = malloc(sizeof(float) * N * 9);
    const float *both[2] = {im, im};
    cj_patches_cut(both, ww, 3, N, pi, pr, pc, out);
    int wrong = 0;
    for (int i = 0; i < N; i++)
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++) wrong += out[i * 9 + y * 3 + x] != 100 * (pr[i] + y) + pc[i] + x;
    CHECK(wrong == 0);
    free(out);
    CHECK(cj_patches_positions(hh, ww, 2, 3, 1, N, 43, qi, qr, qc, &err) == CJ_OK);
    CHECK(memcmp(pr, qr, sizeof pr) || memcmp(pc, qc, sizeof pc));
}

TEST(remove_dc)
{
    float x[6] = {1, 2, 3, 10, 10, 40};
    cj_patches_remove_dc(x, 2, 3);
    CHECK_NEAR(x[0], -1, 1e-6);
    CHECK_NEAR(x[2], 1, 1e-6);
    CHECK_NEAR(x[3], -10, 1e-6);
    CHECK_NEAR(x[5], 20, 1e-6);
}

/* covariance (1/n) of y [n, k] against the identity: largest |C - I| */
static double off_identity(const float *y, long n, int k)
{
    double worst = 0;
    double *m = calloc((size_t)k, sizeof(double));
    for (long i = 0; i < n; i++)
        for (int a = 0; a < k; a++) m[a] += y[i * k + a] / (double)n;
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double s = 0;
            for (long i = 0; i < n; i++) s += (y[i * k + a] - m[a]) * (y[i * k + b] - m[b]);
            worst = fmax(worst, fabs(s / n - (a == b)));
        }
    free(m);
    return worst;
}

/* correlated Gaussian data x = z A + b, [n, d] */
static float *correlated(long n, int d, uint64_t seed)
{
    cj_rng rng;
    cj_rng_seed(&rng, seed);
    float *a = malloc(sizeof(float) * d * d), *x = malloc(sizeof(float) * n * d);
    for (int i = 0; i < d * d; i++) a[i] = cj_rng_normal(&rng) / (1 + i % d);
    for (long i = 0; i < n; i++) {
        float z[16];
        for (int j = 0; j < d; j++) z[j] = cj_rng_normal(&rng);
        for (int j = 0; j < d; j++) {
            double s = 3 + j;
            for (int k = 0; k < d; k++) s += z[k] * a[k * d + j];
            x[i * d + j] = (float)s;
        }
    }
    free(a);
    return x;
}

TEST(pca_zca_identity_covariance_synthetic)
{
    enum { N = 4000, D = 8 };
    float *x = correlated(N, D, 5), *y = malloc(sizeof(float) * N * D);
    cj_error err;
    for (int kind = CJ_WHITEN_PCA; kind <= CJ_WHITEN_ZCA; kind++) {
        cj_whitening w;
        CHECK(cj_whitening_fit(x, N, D, kind, 0, 0, &w, &err) == CJ_OK);
        CHECK(w.out == D && w.kept == D);
        cj_whitening_apply(&w, x, N, y);
        CHECK(off_identity(y, N, D) < 1e-4);
        /* dewhiten whiten = I on the full space */
        double worst = 0;
        for (int i = 0; i < D; i++)
            for (int j = 0; j < D; j++) {
                double s = 0;
                for (int k = 0; k < w.out; k++) s += w.dewhiten[i * w.out + k] * w.whiten[k * D + j];
                worst = fmax(worst, fabs(s - (i == j)));
            }
        CHECK(worst < 1e-4);
        for (int k = 1; k < D; k++) CHECK(w.eigenvalues[k] <= w.eigenvalues[k - 1]);
        cj_whitening_free(&w);
    }
    /* with epsilon: the covariance of PCA output is diag(l / (l + eps)) exactly */
    {
        cj_whitening w;
        CHECK(cj_whitening_fit(x, N, D, CJ_WHITEN_PCA, 0, 0.05, &w, &err) == CJ_OK);
        double mean_l = 0;
        for (int k = 0; k < D; k++) mean_l += w.eigenvalues[k] / D;
        CHECK_NEAR(w.eps, 0.05 * mean_l, 1e-9 * mean_l);
        cj_whitening_apply(&w, x, N, y);
        for (int k = 0; k < D; k++) {
            double v = 0, m = 0;
            for (long i = 0; i < N; i++) m += y[i * D + k] / (double)N;
            for (long i = 0; i < N; i++) v += (y[i * D + k] - m) * (y[i * D + k] - m) / N;
            CHECK_NEAR(v, w.eigenvalues[k] / (w.eigenvalues[k] + w.eps), 1e-4);
        }
        cj_whitening_free(&w);
    }
    /* K components: PCA keeps K rows; ZCA stays [d, d] and whitens the K-dim subspace */
    cj_whitening w;
    CHECK(cj_whitening_fit(x, N, D, CJ_WHITEN_PCA, 3, 0, &w, &err) == CJ_OK);
    CHECK(w.out == 3 && w.kept == 3);
    cj_whitening_apply(&w, x, N, y);
    CHECK(off_identity(y, N, 3) < 1e-4);
    cj_whitening_free(&w);
    free(x), free(y);
}

static float *read_ref(const char *name, int64_t *rows, int64_t *cols)
{
    cj_npy_array a;
    cj_error err;
    char *path = cj_path_printf("tests/ref/%s", name);
    cj_status st = cj_npy_read(path, CJ_NPY_F32, &a, &err);
    free(path);
    if (st) {
        printf("  %s\n", err.msg);
        return NULL;
    }
    *rows = a.shape[0], *cols = a.ndim > 1 ? a.shape[1] : 1;
    return a.data;
}

TEST(zca_matches_numpy_and_is_closest)
{
    int64_t n, d, r, c, e1, e2;
    float *x = read_ref("patches_x.npy", &n, &d), *zref = read_ref("patches_zca.npy", &r, &c);
    float *lref = read_ref("patches_eigenvalues.npy", &e1, &e2);
    CHECK(x && zref && lref);
    if (!x || !zref || !lref) return;
    cj_whitening w;
    cj_error err;
    CHECK(cj_whitening_fit(x, n, (int)d, CJ_WHITEN_ZCA, 0, 1e-5, &w, &err) == CJ_OK);
    for (int k = 0; k < d; k++) CHECK_NEAR(w.eigenvalues[k], lref[k], 1e-4 * lref[0]);
    double worst = 0, sym = 0, big = 0;
    for (int i = 0; i < d * d; i++) big = fmax(big, fabs(zref[i]));
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            worst = fmax(worst, fabs(w.whiten[i * d + j] - zref[i * d + j]));
            sym = fmax(sym, fabs(w.whiten[i * d + j] - w.whiten[j * d + i]));
        }
    CHECK(worst < 2e-3 * big);
    CHECK(sym < 1e-6 * big);
    /* every whitening is Q W_zca with Q orthogonal; ZCA minimises
     * E||x - W x||^2 (centred x): compare with random rotations of it */
    float *xc = malloc(sizeof(float) * n * d), *y = malloc(sizeof(float) * n * d);
    for (long i = 0; i < n; i++)
        for (int j = 0; j < d; j++) xc[i * d + j] = x[i * d + j] - w.mean[j];
    cj_whitening_apply(&w, x, n, y);
    double base = 0;
    for (long i = 0; i < n * d; i++) base += (xc[i] - y[i]) * (double)(xc[i] - y[i]);
    cj_rng rng;
    cj_rng_seed(&rng, 8);
    int beaten = 0;
    for (int t = 0; t < 50; t++) {
        /* a random rotation by Gram-Schmidt of a Gaussian matrix */
        double q[36];
        for (int i = 0; i < d * d; i++) q[i] = cj_rng_normal(&rng);
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < i; k++) {
                double dot = 0;
                for (int j = 0; j < d; j++) dot += q[i * d + j] * q[k * d + j];
                for (int j = 0; j < d; j++) q[i * d + j] -= dot * q[k * d + j];
            }
            double nn = 0;
            for (int j = 0; j < d; j++) nn += q[i * d + j] * q[i * d + j];
            for (int j = 0; j < d; j++) q[i * d + j] /= sqrt(nn);
        }
        double cost = 0;
        for (long i = 0; i < n; i++)
            for (int a = 0; a < d; a++) {
                double s = 0;
                for (int b = 0; b < d; b++) s += q[a * d + b] * y[i * d + b];
                cost += (xc[i * d + a] - s) * (xc[i * d + a] - s);
            }
        beaten += cost < base;
    }
    CHECK(beaten == 0);
    free(xc), free(y), free(x), free(zref), free(lref);
    cj_whitening_free(&w);
}

TEST(real_patches_whitened)
{
    struct stat sb;
    if (stat("../shared/data/natural_images", &sb)) {
        printf("  (skipped: ../shared/data/natural_images not here)\n");
        return;
    }
    cj_patch_opts o;
    cj_patch_opts_default(&o);
    o.size = 8, o.count = 20000, o.whiten = CJ_WHITEN_PCA;
    cj_patch_result r;
    cj_error err;
    CHECK(cj_patches_make("../shared/data/natural_images", &o, NULL, NULL, &r, &err) == CJ_OK);
    CHECK(r.n_images == 6 && r.w.kept == 63 && r.w.out == 63); /* the DC direction is null */
    /* the covariance is diag(l / (l + eps)): the identity up to eps */
    double worst = 0, lmin = r.w.eigenvalues[62];
    worst = off_identity(r.x, r.n, r.w.out);
    CHECK(worst < 1.5 * r.w.eps / lmin + 1e-4);
    cj_patch_result again;
    CHECK(cj_patches_make("../shared/data/natural_images", &o, NULL, NULL, &again, &err) == CJ_OK);
    CHECK(!memcmp(r.x, again.x, sizeof(float) * r.n * r.w.out));
    cj_patch_result_free(&again);
    cj_patch_result_free(&r);
    /* ZCA on real patches: C = I - 11^T/d (the DC direction removed) */
    o.whiten = CJ_WHITEN_ZCA;
    CHECK(cj_patches_make("../shared/data/natural_images", &o, NULL, NULL, &r, &err) == CJ_OK);
    float *y = malloc(sizeof(float) * r.n * 64);
    memcpy(y, r.x, sizeof(float) * r.n * 64);
    /* add back a unit-variance DC so the covariance becomes I */
    cj_rng rng;
    cj_rng_seed(&rng, 1);
    for (long i = 0; i < r.n; i++) {
        float g = cj_rng_normal(&rng) / 8.0f;
        for (int j = 0; j < 64; j++) y[i * 64 + j] += g;
    }
    CHECK(off_identity(y, r.n, 64) < 0.05);
    free(y);
    cj_patch_result_free(&r);
}

/* A folder with one w x h PNG of noise */
static const char *png_folder(int w, int h)
{
    const char *dir = fixture_dir("patches");
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    cj_rng rng;
    cj_rng_seed(&rng, 2);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t v = cj_rng_below(&rng, 256);
            ((uint32_t *)(data + y * stride))[x] = v | v << 8 | v << 16;
        }
    cairo_surface_mark_dirty(s);
    char *p = cj_path_join(dir, "a.png");
    cairo_surface_write_to_png(s, p);
    cairo_surface_destroy(s);
    free(p);
    return dir;
}

TEST(files_written)
{
    const char *dir = png_folder(40, 30);
    char *out = cj_path_join(dir, "p.npy"), *wh = cj_path_join(dir, "p.whitening.npy"),
         *dw = cj_path_join(dir, "p.dewhitening.npy"), *mn = cj_path_join(dir, "p.mean.npy"),
         *js = cj_path_join(dir, "p.json"), *png = cj_path_join(dir, "p.png");
    char buf[4096];
    int rc = run_cajalf(cajal, buf, sizeof buf, "patches %s --size 4 --count 300 --whiten pca --components 10 --out %s --quiet",
                        dir, out);
    CHECK(rc == 0);
    if (rc) printf("  output: %s", buf);
    cj_npy_array a;
    cj_error err;
    CHECK(cj_npy_read(out, CJ_NPY_F32, &a, &err) == CJ_OK && a.shape[0] == 300 && a.shape[1] == 10);
    cj_npy_free(&a);
    CHECK(cj_npy_read(wh, CJ_NPY_F32, &a, &err) == CJ_OK && a.shape[0] == 10 && a.shape[1] == 16);
    cj_npy_free(&a);
    CHECK(cj_npy_read(dw, CJ_NPY_F32, &a, &err) == CJ_OK && a.shape[0] == 16 && a.shape[1] == 10);
    cj_npy_free(&a);
    CHECK(cj_npy_read(mn, CJ_NPY_F32, &a, &err) == CJ_OK && a.ndim == 1 && a.shape[0] == 16);
    cj_npy_free(&a);
    char *text = fixture_read(js, NULL);
    CHECK(text && strstr(text, "\"whiten\":\t\"pca\"") && strstr(text, "\"components\":\t10"));
    free(text);
    struct stat sb;
    CHECK(stat(png, &sb) == 0 && sb.st_size > 1000);
    free(out), free(wh), free(dw), free(mn), free(js), free(png);
    free((char *)dir);
}

TEST(every_error_message)
{
    cj_error err;
    double z[6];
    CHECK(cj_fft(z, 3, 0, &err) == CJ_ERR_ARG && has(&err, "FFT length 3 is not a power of two"));
    float img[4] = {0};
    CHECK(cj_olshausen_filter(img, 2, 2, 0, &err) == CJ_ERR_ARG && has(&err, "cut-off f0 0 is not > 0"));
    CHECK(cj_olshausen_filter(img, 0, 2, 0.4, &err) == CJ_ERR_ARG && has(&err, "image of 0 x 2 pixels"));
    int h[1] = {5}, w[1] = {5}, a[1], b[1], c[1];
    CHECK(cj_patches_positions(h, w, 1, 4, 1, 1, 1, a, b, c, &err) == CJ_ERR_ARG &&
          has(&err, "no image is at least 6 x 6 pixels (patch size 4, border 1)"));
    float x[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    cj_whitening wh;
    CHECK(cj_whitening_fit(x, 4, 2, CJ_WHITEN_PCA, 0, 0, &wh, &err) == CJ_ERR_NUMERIC && has(&err, "have no variance"));
    CHECK(cj_whitening_fit(x, 1, 2, CJ_WHITEN_PCA, 0, 0, &wh, &err) == CJ_ERR_ARG && has(&err, "1 samples, need at least 2"));
    CHECK(cj_whitening_fit(x, 4, 2, CJ_WHITEN_PCA, 3, 0, &wh, &err) == CJ_ERR_ARG && has(&err, "--components 3 is not from 1 to 2"));
    CHECK(cj_whitening_fit(x, 4, 2, CJ_WHITEN_PCA, 0, -1, &wh, &err) == CJ_ERR_ARG && has(&err, "epsilon -1 is not"));
    float y[8] = {1, 1, 2, 2, 3, 3, 4, 4}; /* rank 1 */
    CHECK(cj_whitening_fit(y, 4, 2, CJ_WHITEN_ZCA, 2, 0, &wh, &err) == CJ_ERR_ARG &&
          has(&err, "--components 2, but only 1 components have variance"));
    cj_patch_opts o;
    cj_patch_opts_default(&o);
    cj_patch_result r;
    o.size = 0;
    CHECK(cj_patches_make("nowhere", &o, NULL, NULL, &r, &err) == CJ_ERR_ARG && has(&err, "--size 0 is not from 1 to 64"));
    o.size = 8, o.count = 1;
    CHECK(cj_patches_make("nowhere", &o, NULL, NULL, &r, &err) == CJ_ERR_ARG && has(&err, "--count 1 is not from 2"));
    o.count = 10;
    CHECK(cj_patches_make("/nonexistent_patches_dir", &o, NULL, NULL, &r, &err) != CJ_OK &&
          has(&err, "/nonexistent_patches_dir"));
    const char *small = png_folder(6, 6);
    CHECK(cj_patches_make(small, &o, NULL, NULL, &r, &err) == CJ_ERR_ARG && has(&err, small) &&
          has(&err, "no image is at least 8 x 8 pixels"));

    /* the command's own messages: one line each, exit 2 */
    char buf[4096];
    struct {
        const char *args, *text;
    } usage_errors[] = {
        {"patches x --out a.npy --whiten pcb", "--whiten 'pcb' is not pca, zca, olshausen or none"},
        {"patches x --out a.npy --size 65", "--size '65' is not a whole number from 1 to 64"},
        {"patches x --out a.npy --count 1", "--count '1' is not a whole number from 2 to 100000000"},
        {"patches x --out a.npy --epsilon -2", "--epsilon '-2' is not a number >= 0"},
        {"patches x --out a.npy --f0 2", "--f0 '2' is above 1 cycle/pixel"},
        {"patches x --out a.npy --seed -1", "--seed '-1' is not a whole number >= 0"},
        {"patches x --out a.txt", "--out 'a.txt' must end in .npy"},
        {"patches x --out a.npy --whiten none --components 4", "--components needs --whiten pca or zca"},
        {"patches x --out a.npy --bogus 1", "unknown option '--bogus'"},
        {"patches x y --out a.npy", "unexpected argument 'y'"},
    };
    for (size_t i = 0; i < sizeof usage_errors / sizeof usage_errors[0]; i++) {
        int rc = run_cajal(cajal, usage_errors[i].args, buf, sizeof buf);
        CHECK(rc == 2 && one_line_holding(buf, usage_errors[i].text));
    }
    CHECK(run_cajal(cajal, "patches --out a.npy", buf, sizeof buf) == 2 && strstr(buf, "no image folder given"));
    CHECK(run_cajal(cajal, "patches x", buf, sizeof buf) == 2 && strstr(buf, "--out FILE.npy is needed"));
    int rc = run_cajalf(cajal, buf, sizeof buf, "patches %s --out %s/o.npy --size 8 --quiet", small, small);
    CHECK(rc == 1 && one_line_holding(buf, "cajal patches: ") && strstr(buf, "no image is at least 8 x 8"));
    CHECK(run_cajal(cajal, "patches --help", buf, sizeof buf) == 0 && strstr(buf, "usage: cajal patches FOLDER|FILE.mat"));
    free((char *)small);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    RUN(fft_matches_direct_dft);
    RUN(olshausen_response_closed_form);
    RUN(olshausen_filter_impulse_response);
    RUN(olshausen_filter_rectangular);
    RUN(olshausen_filter_other_sizes);
    RUN(grey_is_bt601_luma);
    RUN(cut_matches_hand_crops);
    RUN(remove_dc);
    RUN(pca_zca_identity_covariance_synthetic);
    RUN(zca_matches_numpy_and_is_closest);
    RUN(real_patches_whitened);
    RUN(files_written);
    RUN(every_error_message);
    return test_summary("patches");
}
