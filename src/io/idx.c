/* idx.c — the IDX format of MNIST and Fashion-MNIST (LeCun et al.): a magic
 * number 0x0000TTDD (TT = 0x08 for unsigned bytes, DD = number of
 * dimensions), DD big-endian uint32 sizes, then the data. zlib's gzread
 * reads gzip and plain files alike. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cajal/data.h"

static cj_status read_exact(gzFile f, void *buf, size_t len, const char *path, const char *what,
                            cj_error *err)
{
    unsigned char *p = buf;
    while (len > 0) {
        unsigned chunk = len > (1u << 30) ? (1u << 30) : (unsigned)len;
        int got = gzread(f, p, chunk);
        if (got < 0) {
            int code;
            const char *msg = gzerror(f, &code);
            return cj_fail(err, CJ_ERR_FORMAT, "%s: cannot read %s (%s)", path, what, msg);
        }
        if (got == 0) return cj_fail(err, CJ_ERR_FORMAT, "%s: file is truncated (while reading %s)", path, what);
        p += got;
        len -= (size_t)got;
    }
    return CJ_OK;
}

/* Open an IDX file of unsigned bytes with `ndim` dimensions; dims gets the
 * sizes. */
static cj_status open_idx(const char *path, int ndim, uint32_t *dims, gzFile *out, cj_error *err)
{
    gzFile f = gzopen(path, "rb");
    if (!f)
        return cj_fail(err, CJ_ERR_IO, "%s: cannot open (%s)", path, errno ? strerror(errno) : "gzopen failed");
    unsigned char head[4];
    cj_status st = read_exact(f, head, 4, path, "the magic number", err);
    if (!st && (head[0] || head[1] || head[2] != 0x08))
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: not an IDX file of unsigned bytes (magic %02x%02x%02x%02x)", path,
                     head[0], head[1], head[2], head[3]);
    if (!st && head[3] != ndim)
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: expected %d dimensions, file has %d", path, ndim, head[3]);
    for (int i = 0; !st && i < ndim; i++) {
        unsigned char b[4];
        st = read_exact(f, b, 4, path, "the header", err);
        dims[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (!st && (dims[i] == 0 || dims[i] > (1u << 28)))
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: dimension %d has implausible size %u", path, i, dims[i]);
    }
    if (st) {
        gzclose(f);
        return st;
    }
    *out = f;
    return CJ_OK;
}

cj_status cj_idx_load(const char *images_path, const char *labels_path, cj_dataset *d, cj_error *err)
{
    memset(d, 0, sizeof *d);
    uint32_t idims[3], ldims[1];
    gzFile fi = NULL, fl = NULL;
    unsigned char *buf = NULL;
    cj_status st = open_idx(images_path, 3, idims, &fi, err);
    if (!st) st = open_idx(labels_path, 1, ldims, &fl, err);
    if (!st && idims[0] != ldims[0])
        st = cj_fail(err, CJ_ERR_FORMAT, "%s has %u images but %s has %u labels", images_path, idims[0],
                     labels_path, ldims[0]);
    size_t n = st ? 0 : idims[0], pixels = st ? 0 : (size_t)idims[1] * idims[2];
    if (!st) {
        buf = malloc(n * pixels);
        d->x = malloc(n * pixels * sizeof(float));
        d->y = malloc(n * sizeof(int));
        if (!buf || !d->x || !d->y) st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", images_path);
    }
    if (!st) st = read_exact(fi, buf, n * pixels, images_path, "the pixels", err);
    if (!st)
        for (size_t i = 0; i < n * pixels; i++) d->x[i] = buf[i] * (1.0f / 255.0f);
    if (!st) st = read_exact(fl, buf, n, labels_path, "the labels", err);
    if (!st) {
        int max_label = 0;
        for (size_t i = 0; i < n; i++) {
            d->y[i] = buf[i];
            if (buf[i] > max_label) max_label = buf[i];
        }
        d->n = (int)n;
        d->shape = (cj_shape){1, (int)idims[1], (int)idims[2]};
        d->n_classes = max_label + 1;
    }
    free(buf);
    if (fi) gzclose(fi);
    if (fl) gzclose(fl);
    if (st) cj_dataset_free(d);
    return st;
}

void cj_dataset_free(cj_dataset *d)
{
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

cj_status cj_pixel_scale_parse(const char *name, cj_pixel_scale *scale, cj_error *err)
{
    if (!strcmp(name, "unit")) *scale = CJ_SCALE_UNIT;
    else if (!strcmp(name, "raw")) *scale = CJ_SCALE_RAW;
    else if (!strcmp(name, "standard")) *scale = CJ_SCALE_STANDARD;
    else return cj_fail(err, CJ_ERR_CONFIG, "unknown pixel scale '%s' (expected unit, raw or standard)", name);
    return CJ_OK;
}

void cj_dataset_stats(const cj_dataset *d, float *mean, float *sd)
{
    size_t len = (size_t)d->n * cj_shape_size(d->shape);
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < len; i++) {
        sum += d->x[i];
        sq += (double)d->x[i] * d->x[i];
    }
    double m = len ? sum / len : 0.0, var = len ? sq / len - m * m : 0.0;
    *mean = (float)m;
    *sd = (float)sqrt(var > 0 ? var : 0.0);
}

void cj_dataset_rescale(cj_dataset *d, cj_pixel_scale scale, float mean, float sd)
{
    size_t len = (size_t)d->n * cj_shape_size(d->shape);
    if (scale == CJ_SCALE_RAW) {
        for (size_t i = 0; i < len; i++) d->x[i] *= 255.0f;
    } else if (scale == CJ_SCALE_STANDARD) {
        float inv = 1.0f / (sd > 0 ? sd : 1.0f);
        for (size_t i = 0; i < len; i++) d->x[i] = (d->x[i] - mean) * inv;
    }
}
