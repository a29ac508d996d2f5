/* patches.h — natural-image patches and whitening, the input of ICA and
 * sparse coding (`cajal patches`; docs/codes.md).
 *
 *     cj_patch_opts o;
 *     cj_patch_opts_default(&o);           // 16 x 16, 100000 patches, ZCA
 *     o.whiten = CJ_WHITEN_PCA;
 *     cj_patch_result r;
 *     if (cj_patches_make("../shared/data/natural_images", &o, NULL, NULL, &r, &err)) ...
 *     // r.x is [r.n, r.w.out] float32; whitened = (grey - mean) @ whiten^T
 *     cj_patches_write("runs/patches.npy", &o, &r, &err);
 *     cj_patch_result_free(&r);
 *
 * Steps, in order: every image made grey by luminance, Y = 0.299 R +
 * 0.587 G + 0.114 B (ITU-R BT.601, as cj_image_to_input), optionally
 * log(Y + 1/255) (one 8-bit step keeps black pixels finite); for the
 * Olshausen whitening the whole image filtered in the Fourier domain;
 * square patches cut at random positions of randomly chosen images
 * (seeded: the same seed gives the same patches); each patch's own mean
 * (its DC) removed unless keep_dc; the mean patch over all patches
 * removed; PCA or ZCA whitening fitted on the patches and applied. */
#ifndef CAJAL_PATCHES_H
#define CAJAL_PATCHES_H

#include <stdint.h>

#include "cajal/status.h"

typedef enum { CJ_WHITEN_NONE, CJ_WHITEN_PCA, CJ_WHITEN_ZCA, CJ_WHITEN_OLSHAUSEN } cj_whiten_kind;

/* "none", "pca", "zca", "olshausen"; -1 from the parse for another name. */
const char *cj_whiten_name(cj_whiten_kind k);
int cj_whiten_parse(const char *name);

/* Olshausen & Field's cut-off, cycles/pixel (1996 Nature 381:607; 1997
 * Vision Res 37:3311: f0 = 200 cycles/picture on 512-pixel images). */
#define CJ_OLSHAUSEN_F0 0.4

typedef struct {
    int size;            /* patch side, pixels (1..64) */
    long count;          /* patches */
    int log_luminance;   /* 1: log(Y + 1/255) */
    int keep_dc;         /* 1: leave each patch's own mean in */
    uint64_t seed;
    cj_whiten_kind whiten;
    int components;      /* PCA/ZCA: keep the K largest (0: all that are not null) */
    double epsilon;      /* added to each eigenvalue, as a fraction of their mean */
    double f0;           /* Olshausen roll-off, cycles/pixel */
} cj_patch_opts;

void cj_patch_opts_default(cj_patch_opts *o);

/* ---- images ------------------------------------------------------------ */

/* Grey luminance of an [h, w, 3] RGB image in [0, 1] into grey [h, w]
 * (log(Y + 1/255) when log_luminance). */
void cj_patches_grey(const float *rgb, int h, int w, int log_luminance, float *grey);

/* Where patch i comes from: image img[i], top-left row r[i], column c[i].
 * The image is picked uniformly (as Olshausen's sparsenet does, whatever
 * its size), the position uniformly among those that keep the patch
 * `border` pixels inside every edge. Images too small for one patch are
 * never picked; when none is big enough, an error naming the size. */
cj_status cj_patches_positions(const int *h, const int *w, int n_images, int size, int border, long count,
                               uint64_t seed, int *img, int *r, int *c, cj_error *err);

/* Copy patch i (size x size, row-major) of grey images `images` (image k
 * [h[k], w[k]]) at the given positions into out [count, size * size]. */
void cj_patches_cut(const float *const *images, const int *w, int size, long count, const int *img,
                    const int *r, const int *c, float *out);

/* Subtract each row's mean from x [n, d]. */
void cj_patches_remove_dc(float *x, long n, int d);

/* ---- Olshausen & Field's whitening filter ------------------------------- */

/* R(f) = f exp(-(f / f0)^4), f the radial frequency in cycles/pixel: the
 * 1/f amplitude spectrum of natural images flattened, with a roll-off
 * that keeps the noise of the highest frequencies and the square
 * sampling lattice's corners out (Olshausen & Field 1997, Sec. 2.4). */
double cj_olshausen_response(double f, double f0);

/* In-place complex FFT of length n (a power of two), interleaved re/im;
 * inverse = 1 computes the unnormalised inverse (sum with e^{+i...}). */
cj_status cj_fft(double *z, int n, int inverse, cj_error *err);

/* Filter a grey [h, w] image by R(f): its mean subtracted, mirrored out
 * to the next power of two on each axis (so a 512 x 512 image is
 * filtered as it is, as Olshausen's were, and other sizes see no wrap
 * from the opposite edge), multiplied in the Fourier domain and cut back
 * to [h, w]. The frequencies are fx = kx / Px, fy = ky / Py for the
 * padded sides Px, Py. */
cj_status cj_olshausen_filter(float *img, int h, int w, double f0, cj_error *err);

/* ---- PCA and ZCA whitening --------------------------------------------- */

typedef struct {
    cj_whiten_kind kind;
    int dims;             /* d: input dimensions */
    int out;              /* rows of `whiten`: K for PCA, d for ZCA, none/Olshausen */
    int kept;             /* components kept (K) */
    double eps;           /* the absolute epsilon added to each eigenvalue */
    float *mean;          /* [d] subtracted before `whiten` */
    float *whiten;        /* [out, d]: y = whiten (x - mean) */
    float *dewhiten;      /* [d, out]: x - mean ~ dewhiten y (exact on the kept subspace) */
    double *eigenvalues;  /* [d] of the covariance, descending */
} cj_whitening;

/* Fit on x [n, d] (rows = samples): the mean, the covariance (1/n) and
 * its eigendecomposition C = E diag(l) E^T (LAPACK dsyevd). Components
 * with l <= 1e-6 l_max are null (e.g. the DC direction after DC removal)
 * and never kept. With e = epsilon * mean(l):
 *   PCA: whiten = diag(1/sqrt(l_k + e)) E_K^T           [K, d]
 *   ZCA: whiten = E_K diag(1/sqrt(l_k + e)) E_K^T       [d, d], symmetric;
 *        of all whitenings the one closest to the identity, minimising
 *        E||x - W x||^2 (Bell & Sejnowski 1997; Kessy et al. 2018)
 *   none, Olshausen: whiten = dewhiten = I [d, d] (the mean only).
 * The sign of each eigenvector is fixed so its largest entry is positive. */
cj_status cj_whitening_fit(const float *x, long n, int d, cj_whiten_kind kind, int components, double epsilon,
                           cj_whitening *w, cj_error *err);
/* y [n, w->out] = (x - mean) whiten^T; y may not alias x. */
void cj_whitening_apply(const cj_whitening *w, const float *x, long n, float *y);
void cj_whitening_free(cj_whitening *w);

/* ---- the whole pipeline ------------------------------------------------- */

enum { CJ_PATCH_EXAMPLES = 64 };

typedef struct {
    long n;
    int d;                /* size * size */
    float *x;             /* [n, w.out] the output patches */
    cj_whitening w;
    int n_images;
    char **image_names;   /* [n_images] */
    int n_examples;       /* min(64, n) */
    float *before;        /* [n_examples, d] grey patches as cut (before any mean removal) */
} cj_patch_result;

/* Progress: called now and then with a stage name and done/total. */
typedef void (*cj_patch_progress)(void *ctx, const char *stage, long done, long total);

/* Load the PNG folder (cj_image_set_load) and make the patches. */
cj_status cj_patches_make(const char *folder, const cj_patch_opts *o, cj_patch_progress progress, void *ctx,
                          cj_patch_result *res, cj_error *err);
/* FILE.npy [n, out]; beside it (FILE without .npy, then): .whitening.npy
 * [out, d], .dewhitening.npy [d, out], .mean.npy [d], .eigenvalues.npy [d]
 * (zeros for none/Olshausen), .json (what was applied) and .png (64
 * examples before and after). All written atomically. */
cj_status cj_patches_write(const char *path, const cj_patch_opts *o, const cj_patch_result *res, cj_error *err);
void cj_patch_result_free(cj_patch_result *r);

/* The example figure alone: n (up to 64) patches before (left) and after
 * (right), each with its own mean removed, each side on one grey scale of
 * +-3 times the RMS of its pixels (clipped). */
cj_status cj_patches_write_examples(const char *png, const float *before, const float *after, int n, int size,
                                    const char *after_title, cj_error *err);

#endif
