/* idx_fixture.h — write small IDX files (gzip) for tests: a synthetic
 * two-class image set where class 1 images are brighter on their left half,
 * so even a tiny network learns it within an epoch. */
#ifndef CAJAL_TEST_IDX_FIXTURE_H
#define CAJAL_TEST_IDX_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cajal/files.h"

/* Write an IDX header (unsigned bytes, ndim dims) followed by data. When
 * `cut` > 0, that many bytes are dropped from the end (a truncated file). */
static inline int write_idx(const char *path, const unsigned *dims, int ndim, const unsigned char *data,
                     size_t len, size_t cut)
{
    gzFile f = gzopen(path, "wb");
    if (!f) return -1;
    unsigned char head[4] = {0, 0, 0x08, (unsigned char)ndim};
    gzwrite(f, head, 4);
    for (int i = 0; i < ndim; i++) {
        unsigned char b[4] = {(unsigned char)(dims[i] >> 24), (unsigned char)(dims[i] >> 16),
                              (unsigned char)(dims[i] >> 8), (unsigned char)dims[i]};
        gzwrite(f, b, 4);
    }
    if (len > cut) gzwrite(f, data, (unsigned)(len - cut));
    return gzclose(f) == Z_OK ? 0 : -1;
}

/* n images of h x w and their labels under dir/<prefix>-images.gz and
 * dir/<prefix>-labels.gz. */
static inline int write_toy_set(const char *dir, const char *prefix, unsigned n, unsigned h, unsigned w,
                         unsigned seed)
{
    unsigned char *px = malloc((size_t)n * h * w), *lab = malloc(n);
    if (!px || !lab) return -1;
    for (unsigned i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        lab[i] = (unsigned char)((seed >> 16) & 1);
        for (unsigned r = 0; r < h; r++)
            for (unsigned c = 0; c < w; c++) {
                seed = seed * 1103515245u + 12345u;
                unsigned noise = (seed >> 16) % 100;
                px[((size_t)i * h + r) * w + c] = (unsigned char)(noise + (lab[i] && c < w / 2 ? 150 : 0));
            }
    }
    unsigned idims[3] = {n, h, w}, ldims[1] = {n};
    char *ip = cj_path_printf("%s/%s-images.gz", dir, prefix), *lp = cj_path_printf("%s/%s-labels.gz", dir, prefix);
    int rc = ip && lp ? write_idx(ip, idims, 3, px, (size_t)n * h * w, 0) : -1;
    rc |= ip && lp ? write_idx(lp, ldims, 1, lab, n, 0) : -1;
    free(ip);
    free(lp);
    free(px);
    free(lab);
    return rc;
}

#endif
