/* images.c — stimulus image sets (images.h): a folder of PNG files read
 * with cairo, or a struct array of images in a .mat file read with
 * cj_mat; and the conversion of one image to a model's input. */
#include <cairo.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/images.h"
#include "cajal/mat.h"

enum { MAX_SIDE = 4096, MAX_IMAGES = 1000000 };

const char *const CJ_IMAGE_FLAG_NAMES[CJ_IMAGE_FLAGS] = {"human", "face", "animal", "natural"};

void cj_image_set_free(cj_image_set *s)
{
    if (!s) return;
    for (int i = 0; i < s->n; i++) {
        if (s->img) free(s->img[i].rgb);
        if (s->names) free(s->names[i]);
        if (s->category) free(s->category[i]);
    }
    free(s->img);
    free(s->names);
    free(s->category);
    free(s->flags);
    memset(s, 0, sizeof *s);
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcasecmp(s + n - t, tail) == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static cj_status alloc_set(cj_image_set *s, int n, int with_categories, const char *path, cj_error *err)
{
    memset(s, 0, sizeof *s);
    s->img = calloc((size_t)n, sizeof *s->img);
    s->names = calloc((size_t)n, sizeof *s->names);
    if (with_categories) {
        s->category = calloc((size_t)n, sizeof *s->category);
        s->flags = calloc((size_t)n * CJ_IMAGE_FLAGS, sizeof *s->flags);
    }
    if (!s->img || !s->names || (with_categories && (!s->category || !s->flags))) {
        free(s->img);
        free(s->names);
        free(s->category);
        free(s->flags);
        memset(s, 0, sizeof *s);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d images", path, n);
    }
    s->n = n;
    return CJ_OK;
}

/* ---- PNG folder ---------------------------------------------------------- */

static cj_status read_png(const char *path, cj_image *im, cj_error *err)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    cairo_status_t cs = cairo_surface_status(s);
    if (cs != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return cj_fail(err, CJ_ERR_FORMAT, "%s: not a PNG image cairo can read (%s)", path,
                       cairo_status_to_string(cs));
    }
    cairo_surface_flush(s);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    cairo_format_t f = cairo_image_surface_get_format(s);
    if (w < 1 || h < 1 || w > MAX_SIDE || h > MAX_SIDE || (f != CAIRO_FORMAT_ARGB32 && f != CAIRO_FORMAT_RGB24)) {
        cairo_surface_destroy(s);
        return cj_fail(err, CJ_ERR_FORMAT, "%s: %dx%d image: sides must be 1 to %d px", path, w, h, MAX_SIDE);
    }
    im->rgb = malloc(sizeof(float) * 3 * (size_t)w * h);
    if (!im->rgb) {
        cairo_surface_destroy(s);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    }
    im->w = w;
    im->h = h;
    const unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(data + (size_t)y * stride);
        for (int x = 0; x < w; x++) {
            uint32_t p = row[x];
            /* cairo keeps colour premultiplied by alpha: composite on white */
            float a = f == CAIRO_FORMAT_ARGB32 ? (float)(p >> 24) / 255.0f : 1.0f;
            float *o = im->rgb + ((size_t)y * w + x) * 3;
            o[0] = (float)((p >> 16) & 255) / 255.0f + (1.0f - a);
            o[1] = (float)((p >> 8) & 255) / 255.0f + (1.0f - a);
            o[2] = (float)(p & 255) / 255.0f + (1.0f - a);
        }
    }
    cairo_surface_destroy(s);
    return CJ_OK;
}

static cj_status load_folder(const char *dir, cj_image_set *out, cj_error *err)
{
    DIR *d = opendir(dir);
    if (!d) return cj_fail(err, CJ_ERR_IO, "%s: cannot open this folder of images", dir);
    char **names = NULL;
    int n = 0, cap = 0;
    cj_status st = CJ_OK;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, ".png")) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 128;
            char **grown = cap <= MAX_IMAGES ? realloc(names, sizeof *names * cap) : NULL;
            if (!grown) {
                st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory (or more than %d images)", dir, MAX_IMAGES);
                break;
            }
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name))) {
            st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
            break;
        }
        n++;
    }
    closedir(d);
    if (!st && n == 0) st = cj_fail(err, CJ_ERR_FORMAT, "%s: no .png images in this folder", dir);
    if (!st) {
        qsort(names, (size_t)n, sizeof *names, by_name);
        st = alloc_set(out, n, 0, dir, err);
    }
    for (int i = 0; !st && i < n; i++) {
        char *path = cj_path_join(dir, names[i]);
        st = path ? read_png(path, &out->img[i], err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        free(path);
        out->names[i] = names[i];
        names[i] = NULL;
    }
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    if (st) cj_image_set_free(out);
    return st;
}

/* ---- .mat struct array ---------------------------------------------------- */

static int has_field(const cj_mat_info *info, const char *name)
{
    for (int i = 0; i < info->n_fields; i++)
        if (!strcmp(info->fields[i], name)) return 1;
    return 0;
}

static cj_status mat_image(cj_mat_file *f, const char *var, int k, cj_image *im, cj_error *err)
{
    char expr[192];
    snprintf(expr, sizeof expr, "%s(%d).image", var, k + 1);
    cj_mat_array a;
    cj_status st = cj_mat_read(f, expr, CJ_MAT_F32, &a, err);
    if (st) return st;
    int grey = a.ndim == 2;
    if (!(grey || (a.ndim == 3 && a.shape[2] == 3)) || a.shape[0] < 1 || a.shape[1] < 1 || a.shape[0] > MAX_SIDE ||
        a.shape[1] > MAX_SIDE) {
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: %s is not an image of [h, w, 3] or [h, w] pixels (sides 1 to %d)",
                     cj_mat_path(f), expr, MAX_SIDE);
        cj_mat_array_free(&a);
        return st;
    }
    im->h = (int)a.shape[0];
    im->w = (int)a.shape[1];
    size_t px = (size_t)im->h * im->w;
    if (!(im->rgb = malloc(sizeof(float) * 3 * px))) {
        cj_mat_array_free(&a);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: %s: out of memory", cj_mat_path(f), expr);
    }
    float gain = !strcmp(a.class_name, "uint8") ? 1.0f / 255.0f : 1.0f;
    const float *src = a.data;
    for (size_t p = 0; p < px; p++)
        for (int c = 0; c < 3; c++) {
            float v = src[grey ? p : 3 * p + c] * gain;
            im->rgb[3 * p + c] = isfinite(v) ? v : 0.0f;
        }
    cj_mat_array_free(&a);
    return CJ_OK;
}

static cj_status mat_labels(cj_mat_file *f, const char *var, int k, cj_image_set *s, cj_error *err)
{
    char expr[192];
    snprintf(expr, sizeof expr, "%s(%d).category", var, k + 1);
    cj_mat_strings str;
    cj_status st = cj_mat_read_strings(f, expr, &str, err);
    if (st) return st;
    s->category[k] = strdup(str.n > 0 ? str.s[0] : "");
    cj_mat_strings_free(&str);
    if (!s->category[k]) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int j = 0; j < CJ_IMAGE_FLAGS; j++) {
        double v = 0;
        snprintf(expr, sizeof expr, "%s(%d).%s", var, k + 1, CJ_IMAGE_FLAG_NAMES[j]);
        cj_mat_info info;
        if (cj_mat_info_of(f, expr, &info, NULL) == CJ_OK && (st = cj_mat_read_scalar(f, expr, &v, err))) return st;
        s->flags[k * CJ_IMAGE_FLAGS + j] = v != 0;
    }
    return CJ_OK;
}

static cj_status load_mat(const char *path, cj_image_set *out, cj_error *err)
{
    cj_mat_file *f;
    cj_status st = cj_mat_open(path, &f, err);
    if (st) return st;
    const char *const *names;
    int n_vars;
    const char *var = NULL;
    cj_mat_info info;
    if (!(st = cj_mat_names(f, &names, &n_vars, err)))
        for (int i = 0; i < n_vars && !var; i++)
            if (cj_mat_info_of(f, names[i], &info, NULL) == CJ_OK && !strcmp(info.class_name, "struct") &&
                has_field(&info, "image"))
                var = names[i];
    if (!st && !var)
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: no struct array with an 'image' field (such as stimuli_92objs) among "
                     "its %d variables", path, n_vars);
    if (!st && (info.numel < 1 || info.numel > MAX_IMAGES))
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: %s holds %zu images (1 to %d)", path, var, info.numel, MAX_IMAGES);
    int labelled = !st && has_field(&info, "category");
    if (!st) st = alloc_set(out, (int)info.numel, labelled, path, err);
    for (int k = 0; !st && k < out->n; k++) {
        char name[32];
        snprintf(name, sizeof name, "image%03d", k + 1);
        if (!(out->names[k] = strdup(name))) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        if (!st) st = mat_image(f, var, k, &out->img[k], err);
        if (!st && labelled) st = mat_labels(f, var, k, out, err);
    }
    if (st && out->n) cj_image_set_free(out);
    cj_mat_close(f);
    return st;
}

cj_status cj_image_set_load(const char *path, cj_image_set *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    return ends_with(path, ".mat") ? load_mat(path, out, err) : load_folder(path, out, err);
}

/* ---- to a model input ------------------------------------------------------ */

/* The weights of source pixels for output pixel o of an axis of `in`
 * pixels resized to `out`: area averaging (out <= in) or bilinear with
 * half-pixel centres (out > in). Fills lo and w[0..count) and returns
 * count (at most in). */
static int axis_weights(int in, int out, int o, int *lo, float *w)
{
    if (out <= in) {
        double scale = (double)in / out, a = o * scale, b = (o + 1) * scale;
        int first = (int)floor(a), last = (int)ceil(b) - 1, count = 0;
        if (last > in - 1) last = in - 1;
        for (int i = first; i <= last; i++) {
            double cover = fmin(b, i + 1.0) - fmax(a, (double)i);
            w[count++] = (float)(cover / scale);
        }
        *lo = first;
        return count;
    }
    double c = (o + 0.5) * in / out - 0.5;
    if (c < 0) c = 0;
    int i0 = (int)floor(c);
    if (i0 > in - 1) i0 = in - 1;
    int i1 = i0 + 1 < in ? i0 + 1 : i0;
    float t = (float)(c - i0);
    *lo = i0;
    if (i1 == i0) {
        w[0] = 1.0f;
        return 1;
    }
    w[0] = 1.0f - t;
    w[1] = t;
    return 2;
}

void cj_image_to_input(const cj_image *im, int channels, int H, int W, float *out)
{
    static const float luma[3] = {0.299f, 0.587f, 0.114f};
    /* Footprints cover at most ceil(in / out) + 1 source pixels per axis;
     * the sides are bounded by MAX_SIDE, so these fit on the stack. */
    float wy[MAX_SIDE + 2], wx[MAX_SIDE + 2];
    for (int oy = 0; oy < H; oy++) {
        int y0, ny = axis_weights(im->h, H, oy, &y0, wy);
        for (int ox = 0; ox < W; ox++) {
            int x0, nx = axis_weights(im->w, W, ox, &x0, wx);
            float acc[3] = {0, 0, 0};
            for (int j = 0; j < ny; j++) {
                const float *row = im->rgb + ((size_t)(y0 + j) * im->w + x0) * 3;
                for (int i = 0; i < nx; i++)
                    for (int c = 0; c < 3; c++) acc[c] += wy[j] * wx[i] * row[3 * i + c];
            }
            if (channels == 1)
                out[(size_t)oy * W + ox] = luma[0] * acc[0] + luma[1] * acc[1] + luma[2] * acc[2];
            else
                for (int c = 0; c < 3; c++) out[((size_t)c * H + oy) * W + ox] = acc[c];
        }
    }
}
