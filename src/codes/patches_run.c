/* patches_run.c — the whole of `cajal patches`: images in, patches and
 * their whitening out (include/cajal/patches.h; docs/codes.md). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/images.h"
#include "cajal/io.h"
#include "cajal/npy.h"
#include "cajal/patches.h"

/* Pixels kept clear of every edge after the Olshausen filter, whose
 * impulse response spreads a few pixels (sparsenet's BUFF = 4). */
enum { OLSHAUSEN_BORDER = 4 };

void cj_patch_result_free(cj_patch_result *r)
{
    free(r->x), free(r->before);
    for (int k = 0; r->image_names && k < r->n_images; k++) free(r->image_names[k]);
    free(r->image_names);
    cj_whitening_free(&r->w);
    memset(r, 0, sizeof *r);
}

static cj_status check_opts(const cj_patch_opts *o, cj_error *err)
{
    if (o->size < 1 || o->size > 64) return cj_fail(err, CJ_ERR_ARG, "--size %d is not from 1 to 64 pixels", o->size);
    if (o->count < 2 || o->count > 100000000L)
        return cj_fail(err, CJ_ERR_ARG, "--count %ld is not from 2 to 100000000", o->count);
    if ((unsigned)o->whiten > CJ_WHITEN_OLSHAUSEN) return cj_fail(err, CJ_ERR_ARG, "unknown whitening %d", (int)o->whiten);
    if (!(o->f0 > 0) || o->f0 > 1) return cj_fail(err, CJ_ERR_ARG, "Olshausen f0 %g is not in (0, 1] cycles/pixel", o->f0);
    return CJ_OK;
}

/* Grey images into grey[k]; sizes into h, w. */
static cj_status grey_images(const cj_image_set *s, const cj_patch_opts *o, float **grey, int *h, int *w,
                             cj_error *err)
{
    for (int k = 0; k < s->n; k++) {
        h[k] = s->img[k].h, w[k] = s->img[k].w;
        grey[k] = malloc(sizeof(float) * (size_t)h[k] * w[k]);
        if (!grey[k]) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for image %s", s->names[k]);
        cj_patches_grey(s->img[k].rgb, h[k], w[k], o->log_luminance, grey[k]);
    }
    return CJ_OK;
}

/* Olshausen's filter on every grey image, each then scaled to variance
 * 0.1 as in his IMAGES.mat (sparsenet). */
static cj_status filter_images(const cj_image_set *s, const cj_patch_opts *o, float **grey, const int *h,
                               const int *w, cj_patch_progress progress, void *ctx, cj_error *err)
{
    for (int k = 0; k < s->n; k++) {
        cj_status st = cj_olshausen_filter(grey[k], h[k], w[k], o->f0, err);
        if (st) return st;
        double ss = 0;
        size_t n = (size_t)h[k] * w[k];
        for (size_t i = 0; i < n; i++) ss += (double)grey[k][i] * grey[k][i];
        if (!(ss > 0)) return cj_fail(err, CJ_ERR_NUMERIC, "image %s is flat: nothing left after whitening", s->names[k]);
        float g = (float)sqrt(0.1 * n / ss);
        for (size_t i = 0; i < n; i++) grey[k][i] *= g;
        if (progress) progress(ctx, "filtering images", k + 1, s->n);
    }
    return CJ_OK;
}

cj_status cj_patches_make(const char *folder, const cj_patch_opts *o, cj_patch_progress progress, void *ctx,
                          cj_patch_result *res, cj_error *err)
{
    memset(res, 0, sizeof *res);
    cj_status st = check_opts(o, err);
    if (st) return st;
    cj_image_set s;
    if ((st = cj_image_set_load(folder, &s, err))) return st;
    int d = o->size * o->size, n_img = s.n;
    long n = o->count;
    float **grey = calloc((size_t)n_img, sizeof *grey);
    int *h = malloc(sizeof(int) * n_img), *w = malloc(sizeof(int) * n_img);
    int *img = malloc(sizeof(int) * n), *r = malloc(sizeof(int) * n), *c = malloc(sizeof(int) * n);
    float *raw = malloc(sizeof(float) * (size_t)n * d);
    res->n = n, res->d = d, res->n_images = n_img;
    res->n_examples = n < CJ_PATCH_EXAMPLES ? (int)n : CJ_PATCH_EXAMPLES;
    res->before = malloc(sizeof(float) * (size_t)res->n_examples * d);
    res->image_names = calloc((size_t)n_img, sizeof(char *));
    if (!grey || !h || !w || !img || !r || !c || !raw || !res->before || !res->image_names) {
        st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for %ld patches of %d x %d", n, o->size, o->size);
        goto done;
    }
    for (int k = 0; k < n_img; k++)
        if (!(res->image_names[k] = strdup(s.names[k]))) {
            st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
            goto done;
        }
    if ((st = grey_images(&s, o, grey, h, w, err))) goto done;
    int border = o->whiten == CJ_WHITEN_OLSHAUSEN ? OLSHAUSEN_BORDER : 0;
    if ((st = cj_patches_positions(h, w, n_img, o->size, border, n, o->seed, img, r, c, err))) {
        char msg[CJ_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
        st = cj_fail(err, st, "%s: %s", folder, msg);
        goto done;
    }
    /* the examples "before" are cut from the grey images, before any filter */
    cj_patches_cut((const float *const *)grey, w, o->size, res->n_examples, img, r, c, res->before);
    if (o->whiten == CJ_WHITEN_OLSHAUSEN && (st = filter_images(&s, o, grey, h, w, progress, ctx, err))) goto done;
    cj_patches_cut((const float *const *)grey, w, o->size, n, img, r, c, raw);
    if (progress) progress(ctx, "cutting patches", n, n);
    if (!o->keep_dc) cj_patches_remove_dc(raw, n, d);
    if ((st = cj_whitening_fit(raw, n, d, o->whiten, o->components, o->epsilon, &res->w, err))) goto done;
    if (progress) progress(ctx, "whitening", 1, 2);
    if (!(res->x = malloc(sizeof(float) * (size_t)n * res->w.out))) {
        st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for %ld whitened patches", n);
        goto done;
    }
    cj_whitening_apply(&res->w, raw, n, res->x);
    if (progress) progress(ctx, "whitening", 2, 2);
done:
    for (int k = 0; grey && k < n_img; k++) free(grey[k]);
    free(grey), free(h), free(w), free(img), free(r), free(c), free(raw);
    cj_image_set_free(&s);
    if (st) cj_patch_result_free(res);
    return st;
}

/* "runs/patches.npy" + ".whitening.npy" -> "runs/patches.whitening.npy" */
static char *beside(const char *path, const char *suffix)
{
    size_t len = strlen(path);
    if (len > 4 && !strcmp(path + len - 4, ".npy")) len -= 4;
    return cj_path_printf("%.*s%s", (int)len, path, suffix);
}

static cj_status write_json(const char *path, const cj_patch_opts *o, const cj_patch_result *r, cj_error *err)
{
    cJSON *j = cJSON_CreateObject(), *names = cJSON_CreateArray();
    if (!j || !names) {
        cJSON_Delete(j), cJSON_Delete(names);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    }
    cJSON_AddNumberToObject(j, "size", o->size);
    cJSON_AddNumberToObject(j, "count", (double)r->n);
    cJSON_AddNumberToObject(j, "dims", r->d);
    cJSON_AddNumberToObject(j, "out", r->w.out);
    cJSON_AddNumberToObject(j, "seed", (double)o->seed);
    cJSON_AddStringToObject(j, "luminance", o->log_luminance ? "log(Y + 1/255), Y = BT.601 luma in [0, 1]"
                                                             : "Y = BT.601 luma in [0, 1]");
    cJSON_AddBoolToObject(j, "patch_dc_removed", !o->keep_dc);
    cJSON_AddBoolToObject(j, "pixel_mean_removed", 1);
    cJSON_AddStringToObject(j, "whiten", cj_whiten_name(o->whiten));
    if (o->whiten == CJ_WHITEN_PCA || o->whiten == CJ_WHITEN_ZCA) {
        cJSON_AddNumberToObject(j, "components", r->w.kept);
        cJSON_AddNumberToObject(j, "epsilon_relative", o->epsilon);
        cJSON_AddNumberToObject(j, "epsilon", r->w.eps);
    }
    if (o->whiten == CJ_WHITEN_OLSHAUSEN) {
        cJSON_AddNumberToObject(j, "f0_cycles_per_pixel", o->f0);
        cJSON_AddStringToObject(j, "filter", "R(f) = f exp(-(f/f0)^4) on whole images, mirrored to a power of two; "
                                             "each image then scaled to variance 0.1");
        cJSON_AddNumberToObject(j, "border", OLSHAUSEN_BORDER);
    }
    cJSON_AddStringToObject(j, "apply", "patches = (grey_patch - patch_dc - mean) @ whitening.T");
    for (int k = 0; k < r->n_images; k++) cJSON_AddItemToArray(names, cJSON_CreateString(r->image_names[k]));
    cJSON_AddItemToObject(j, "images", names);
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    if (!text) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    size_t len = strlen(text);
    char *withnl = realloc(text, len + 2);
    if (!withnl) {
        free(text);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    }
    withnl[len] = '\n', withnl[len + 1] = 0;
    cj_status st = cj_write_file_atomic(path, withnl, len + 1, err);
    free(withnl);
    return st;
}

/* The output examples as images of pixels: ZCA, none and Olshausen are
 * already; PCA's K coordinates are rotated back, E_K^T y (which is the
 * ZCA-whitened patch). */
static float *examples_in_pixels(const cj_patch_result *r)
{
    int d = r->d, out = r->w.out, m = r->n_examples;
    float *px = calloc((size_t)m * d, sizeof(float));
    if (!px) return NULL;
    for (int i = 0; i < m; i++) {
        const float *y = r->x + (size_t)i * out;
        if (r->w.kind != CJ_WHITEN_PCA) {
            memcpy(px + (size_t)i * d, y, sizeof(float) * d);
            continue;
        }
        for (int k = 0; k < out; k++) {
            double s = sqrt(r->w.eigenvalues[k] + r->w.eps);
            for (int j = 0; j < d; j++) px[(size_t)i * d + j] += (float)(y[k] * r->w.whiten[(size_t)k * d + j] * s);
        }
    }
    return px;
}

cj_status cj_patches_write(const char *path, const cj_patch_opts *o, const cj_patch_result *r, cj_error *err)
{
    int64_t xs[2] = {r->n, r->w.out}, ws[2] = {r->w.out, r->d}, ds[2] = {r->d, r->w.out}, ms[1] = {r->d};
    char *pw = beside(path, ".whitening.npy"), *pd = beside(path, ".dewhitening.npy"), *pm = beside(path, ".mean.npy");
    char *pe = beside(path, ".eigenvalues.npy"), *pj = beside(path, ".json"), *pp = beside(path, ".png");
    float *ev = malloc(sizeof(float) * r->d), *px = r->x ? examples_in_pixels(r) : NULL;
    cj_status st = CJ_OK;
    if (!pw || !pd || !pm || !pe || !pj || !pp || !ev || !px) {
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    for (int j = 0; j < r->d; j++) ev[j] = (float)r->w.eigenvalues[j];
    char title[96];
    snprintf(title, sizeof title, "%s",
             o->whiten == CJ_WHITEN_NONE  ? "after mean removal"
             : o->whiten == CJ_WHITEN_PCA ? "PCA-whitened (in pixels: E y)"
             : o->whiten == CJ_WHITEN_ZCA ? "after ZCA whitening"
                                          : "after Olshausen 1/f whitening");
    if ((st = cj_npy_write_f32(path, 2, xs, r->x, err)) || (st = cj_npy_write_f32(pw, 2, ws, r->w.whiten, err)) ||
        (st = cj_npy_write_f32(pd, 2, ds, r->w.dewhiten, err)) || (st = cj_npy_write_f32(pm, 1, ms, r->w.mean, err)) ||
        (st = cj_npy_write_f32(pe, 1, ms, ev, err)) || (st = write_json(pj, o, r, err)) ||
        (st = cj_patches_write_examples(pp, r->before, px, r->n_examples, o->size, title, err)))
        goto done;
done:
    free(pw), free(pd), free(pm), free(pe), free(pj), free(pp), free(ev), free(px);
    return st;
}
