/* idx.c — the IDX format of MNIST and Fashion-MNIST (LeCun et al.): a magic
 * number 0x0000TTDD (TT = 0x08 for unsigned bytes, DD = number of
 * dimensions), DD big-endian uint32 sizes, then the data. zlib's gzread
 * reads gzip and plain files alike. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cajal/data.h"
#include "cajal/files.h"

/* The first buffer for a file's data holds at most this much more than
 * INFLATE_GUESS times the file's size; it then doubles as data arrive. An
 * honest file fits in the first buffer, and a tiny file whose header claims
 * gigabytes costs a few MiB before it is found to be truncated. */
enum { FIRST_SLACK = 1 << 20, INFLATE_GUESS = 16 };

/* An open IDX file: the sizes from its header and what we know of the
 * bytes behind them. */
typedef struct {
    gzFile f;
    const char *path;
    uint64_t file_size; /* on disk (compressed for gzip) */
    int plain;          /* not gzip: file_size bounds the data exactly */
    int ndim;
    uint32_t dims[3];
    size_t count;       /* product of dims: bytes of data the header claims */
} idx_file;

/* "60000 x 28 x 28 images" or "60000 labels", for messages. */
static void describe(const idx_file *x, char *buf, size_t cap)
{
    if (x->ndim == 3)
        snprintf(buf, cap, "%u x %u x %u images", x->dims[0], x->dims[1], x->dims[2]);
    else
        snprintf(buf, cap, "%u labels", x->dims[0]);
}

/* Read up to len bytes; *got < len only at the end of the data. gzread
 * takes an unsigned count, so large reads go in 1 GiB pieces. */
static cj_status read_upto(gzFile f, unsigned char *p, size_t len, size_t *got, const char *path,
                           cj_error *err)
{
    *got = 0;
    while (*got < len) {
        size_t left = len - *got;
        unsigned chunk = left > (1u << 30) ? (1u << 30) : (unsigned)left;
        int n = gzread(f, p + *got, chunk);
        if (n < 0) {
            int code;
            return cj_fail(err, CJ_ERR_FORMAT, "%s: cannot read: %s", path, gzerror(f, &code));
        }
        if (n == 0) break;
        *got += (size_t)n;
    }
    return CJ_OK;
}

static cj_status read_exact(gzFile f, void *buf, size_t len, const char *path, const char *what,
                            cj_error *err)
{
    size_t got;
    cj_status st = read_upto(f, buf, len, &got, path, err);
    if (!st && got < len)
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: file is truncated (while reading %s)", path, what);
    return st;
}

static cj_status truncated(const idx_file *x, size_t have, cj_error *err)
{
    char what[96];
    describe(x, what, sizeof what);
    return cj_fail(err, CJ_ERR_FORMAT, "%s: file is truncated: the header claims %s (%zu bytes) but %s %zu bytes",
                   x->path, what, x->count, x->plain ? "the file holds" : "the data end after", have);
}

/* The x->count data bytes, in a buffer grown as they arrive: a gzip file's
 * decompressed size is known only once it is read, so the header's claim
 * is never allocated up front. */
static cj_status read_data(const idx_file *x, unsigned char **out, cj_error *err)
{
    *out = NULL;
    size_t len = x->count, have = 0;
    uint64_t guess = x->file_size * INFLATE_GUESS + FIRST_SLACK;
    size_t cap = (uint64_t)len < guess ? len : (size_t)guess;
    unsigned char *buf = malloc(cap ? cap : 1);
    for (;;) {
        if (!buf) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %zu bytes", x->path, cap);
        size_t got;
        cj_status st = read_upto(x->f, buf + have, cap - have, &got, x->path, err);
        have += got;
        if (!st && have < cap) st = truncated(x, have, err);
        if (st) {
            free(buf);
            return st;
        }
        if (have == len) break;
        cap = cap > len / 2 ? len : cap * 2;
        unsigned char *bigger = realloc(buf, cap);
        if (!bigger) free(buf);
        buf = bigger;
    }
    *out = buf;
    return CJ_OK;
}

/* The product of the header's sizes; too large for memory is an error
 * rather than a wrapped-around small number. */
static cj_status count_bytes(idx_file *x, cj_error *err)
{
    size_t n = 1;
    for (int i = 0; i < x->ndim; i++) {
        if (n > SIZE_MAX / sizeof(float) / x->dims[i]) {
            char what[96];
            describe(x, what, sizeof what);
            return cj_fail(err, CJ_ERR_FORMAT, "%s: the header claims %s, too many to hold in memory",
                           x->path, what);
        }
        n *= x->dims[i];
    }
    x->count = n;
    /* A plain file's size bounds its data exactly: check before reading. */
    uint64_t header = 4 + 4 * (uint64_t)x->ndim;
    uint64_t behind = x->file_size > header ? x->file_size - header : 0;
    if (x->plain && x->count > behind) return truncated(x, (size_t)behind, err);
    return CJ_OK;
}

static cj_status read_header(idx_file *x, cj_error *err)
{
    unsigned char head[4];
    cj_status st = read_exact(x->f, head, 4, x->path, "the magic number", err);
    if (st) return st;
    if (head[0] || head[1] || head[2] != 0x08)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: not an IDX file of unsigned bytes (magic %02x%02x%02x%02x)",
                       x->path, head[0], head[1], head[2], head[3]);
    if (head[3] != x->ndim)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: expected %d dimensions, file has %d", x->path, x->ndim,
                       head[3]);
    for (int i = 0; i < x->ndim; i++) {
        unsigned char b[4];
        if ((st = read_exact(x->f, b, 4, x->path, "the header", err))) return st;
        x->dims[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (x->dims[i] == 0 || x->dims[i] > (1u << 28))
            return cj_fail(err, CJ_ERR_FORMAT, "%s: dimension %d has implausible size %u", x->path, i,
                           x->dims[i]);
    }
    /* gzdirect is reliable once something has been read. */
    x->plain = gzdirect(x->f);
    return count_bytes(x, err);
}

/* Open an IDX file of unsigned bytes with x->ndim dimensions and read its
 * header. cj_file_open_fd refuses folders and FIFOs; zlib reads gzip and
 * plain files alike. */
static cj_status open_idx(const char *path, int ndim, idx_file *x, cj_error *err)
{
    memset(x, 0, sizeof *x);
    x->path = path;
    x->ndim = ndim;
    int fd;
    cj_status st = cj_file_open_fd(path, &fd, &x->file_size, err);
    if (st) return st;
    if (!(x->f = gzdopen(fd, "rb"))) {
        close(fd);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: cannot open: out of memory for zlib", path);
    }
    if ((st = read_header(x, err))) {
        gzclose(x->f);
        x->f = NULL;
    }
    return st;
}

static cj_status fill_dataset(const idx_file *im, const unsigned char *px, const idx_file *lb,
                              const unsigned char *lab, cj_dataset *d, cj_error *err)
{
    size_t n = lb->count, len = im->count;
    d->x = malloc(len * sizeof(float));
    d->y = malloc(n * sizeof(int));
    if (!d->x || !d->y) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %zu pixels", im->path, len);
    for (size_t i = 0; i < len; i++) d->x[i] = px[i] * (1.0f / 255.0f);
    int max_label = 0;
    for (size_t i = 0; i < n; i++) {
        d->y[i] = lab[i];
        if (lab[i] > max_label) max_label = lab[i];
    }
    d->n = (int)n;
    d->shape = (cj_shape){1, (int)im->dims[1], (int)im->dims[2]};
    d->n_classes = max_label + 1;
    return CJ_OK;
}

cj_status cj_idx_load(const char *images_path, const char *labels_path, cj_dataset *d, cj_error *err)
{
    memset(d, 0, sizeof *d);
    idx_file im = {0}, lb = {0};
    unsigned char *px = NULL, *lab = NULL;
    cj_status st = open_idx(images_path, 3, &im, err);
    if (!st) st = open_idx(labels_path, 1, &lb, err);
    if (!st && im.dims[0] != lb.dims[0])
        st = cj_fail(err, CJ_ERR_FORMAT, "%s has %u images but %s has %u labels", images_path, im.dims[0],
                     labels_path, lb.dims[0]);
    /* Floats are allocated only once the bytes behind them have arrived. */
    if (!st) st = read_data(&im, &px, err);
    if (!st) st = read_data(&lb, &lab, err);
    if (!st) st = fill_dataset(&im, px, &lb, lab, d, err);
    free(px);
    free(lab);
    if (im.f) gzclose(im.f);
    if (lb.f) gzclose(lb.f);
    if (st) cj_dataset_free(d);
    return st;
}

cj_status cj_idx_load_images(const char *images_path, cj_dataset *d, cj_error *err)
{
    memset(d, 0, sizeof *d);
    idx_file im = {0};
    unsigned char *px = NULL;
    cj_status st = open_idx(images_path, 3, &im, err);
    if (!st) st = read_data(&im, &px, err);
    if (!st && !(d->x = malloc(im.count * sizeof(float))))
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %zu pixels", images_path, im.count);
    if (!st) {
        for (size_t i = 0; i < im.count; i++) d->x[i] = px[i] * (1.0f / 255.0f);
        d->n = (int)im.dims[0];
        d->shape = (cj_shape){1, (int)im.dims[1], (int)im.dims[2]};
    }
    free(px);
    if (im.f) gzclose(im.f);
    if (st) cj_dataset_free(d);
    return st;
}

cj_status cj_idx_image_shape(const char *images_path, cj_shape *shape, cj_error *err)
{
    idx_file im;
    cj_status st = open_idx(images_path, 3, &im, err);
    if (st) return st;
    *shape = (cj_shape){1, (int)im.dims[1], (int)im.dims[2]};
    gzclose(im.f);
    return CJ_OK;
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

const char *cj_pixel_scale_name(cj_pixel_scale scale)
{
    return scale == CJ_SCALE_RAW ? "raw" : scale == CJ_SCALE_STANDARD ? "standard" : "unit";
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
