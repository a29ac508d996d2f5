/* patches_sample.c — grey images and random square patches cut from them
 * (include/cajal/patches.h). */
#include <math.h>
#include <string.h>

#include "cajal/patches.h"
#include "cajal/rng.h"

void cj_patch_opts_default(cj_patch_opts *o)
{
    memset(o, 0, sizeof *o);
    o->size = 16;
    o->count = 100000;
    o->seed = 1;
    o->whiten = CJ_WHITEN_ZCA;
    o->epsilon = 1e-5;
    o->f0 = CJ_OLSHAUSEN_F0;
}

static const char *const NAMES[] = {"none", "pca", "zca", "olshausen"};

const char *cj_whiten_name(cj_whiten_kind k)
{
    return (unsigned)k < 4 ? NAMES[k] : "?";
}

int cj_whiten_parse(const char *name)
{
    for (int k = 0; k < 4; k++)
        if (!strcmp(name, NAMES[k])) return k;
    return -1;
}

void cj_patches_grey(const float *rgb, int h, int w, int log_luminance, float *grey)
{
    size_t n = (size_t)h * w;
    for (size_t i = 0; i < n; i++) {
        /* ITU-R BT.601 luma, the weights cj_image_to_input uses */
        float y = 0.299f * rgb[3 * i] + 0.587f * rgb[3 * i + 1] + 0.114f * rgb[3 * i + 2];
        grey[i] = log_luminance ? logf(y + 1.0f / 255.0f) : y;
    }
}

cj_status cj_patches_positions(const int *h, const int *w, int n_images, int size, int border, long count,
                               uint64_t seed, int *img, int *r, int *c, cj_error *err)
{
    int need = size + 2 * border, usable = 0;
    for (int k = 0; k < n_images; k++) usable += h[k] >= need && w[k] >= need;
    if (!usable)
        return cj_fail(err, CJ_ERR_ARG, "no image is at least %d x %d pixels (patch size %d, border %d)", need,
                       need, size, border);
    cj_rng rng;
    cj_rng_seed(&rng, seed);
    for (long i = 0; i < count; i++) {
        /* the k-th usable image, so a too-small one changes nothing else */
        int pick = (int)cj_rng_below(&rng, (uint32_t)usable), k = 0;
        for (;; k++)
            if (h[k] >= need && w[k] >= need && pick-- == 0) break;
        img[i] = k;
        r[i] = border + (int)cj_rng_below(&rng, (uint32_t)(h[k] - need + 1));
        c[i] = border + (int)cj_rng_below(&rng, (uint32_t)(w[k] - need + 1));
    }
    return CJ_OK;
}

void cj_patches_cut(const float *const *images, const int *w, int size, long count, const int *img,
                    const int *r, const int *c, float *out)
{
    for (long i = 0; i < count; i++) {
        const float *im = images[img[i]];
        float *p = out + (size_t)i * size * size;
        for (int y = 0; y < size; y++)
            memcpy(p + (size_t)y * size, im + (size_t)(r[i] + y) * w[img[i]] + c[i], sizeof(float) * size);
    }
}

void cj_patches_remove_dc(float *x, long n, int d)
{
    for (long i = 0; i < n; i++) {
        float *p = x + (size_t)i * d;
        double s = 0;
        for (int j = 0; j < d; j++) s += p[j];
        float m = (float)(s / d);
        for (int j = 0; j < d; j++) p[j] -= m;
    }
}
