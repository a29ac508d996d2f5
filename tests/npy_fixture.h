/* npy_fixture.h — write small .npy files of any plain dtype for tests
 * (little-endian hosts, as the tests run on): float32 goes through the
 * library's own writer (cj_npy_write_f32), the other dtypes through a
 * version-1.0 header written here, so tests can give the readers int64
 * labels, uint8 images or float64 counts as NumPy would store them.
 *
 *     int64_t shape[2] = {4, 3};
 *     char *p = npy_f32(dir, "x.npy", 2, shape, values);            // path (free it)
 *     char *q = npy_typed(dir, "y.npy", "<i8", 1, shape, labels, 8); // int64 data as given
 */
#ifndef CAJAL_TEST_NPY_FIXTURE_H
#define CAJAL_TEST_NPY_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/npy.h"

static inline char *npy_f32(const char *dir, const char *name, int ndim, const int64_t *shape, const float *data)
{
    char *path = cj_path_join(dir, name);
    cj_error err;
    if (!path || cj_npy_write_f32(path, ndim, shape, data, &err)) {
        fprintf(stderr, "npy_f32: cannot write %s/%s\n", dir, name);
        exit(2);
    }
    return path;
}

/* `descr` such as "<i8", "<f8", "|u1", "<i4"; data holds the product of
 * the shape times elem bytes, in C order. */
static inline char *npy_typed(const char *dir, const char *name, const char *descr, int ndim, const int64_t *shape,
                              const void *data, size_t elem)
{
    char dims[128] = "";
    size_t used = 0, numel = 1;
    for (int i = 0; i < ndim; i++) {
        used += (size_t)snprintf(dims + used, sizeof dims - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
        numel *= (size_t)shape[i];
    }
    if (ndim == 1) snprintf(dims + used, sizeof dims - used, ",");
    char dict[256];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, dims);
    size_t total = 10 + (size_t)n + 1, padded = (total + 63) / 64 * 64;
    unsigned char head[320] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    memcpy(head + 10, dict, (size_t)n);
    memset(head + 10 + n, ' ', padded - total);
    head[padded - 1] = '\n';
    head[8] = (unsigned char)((padded - 10) & 0xff);
    head[9] = (unsigned char)((padded - 10) >> 8);
    char *path = cj_path_join(dir, name);
    FILE *f = path ? fopen(path, "wb") : NULL;
    if (!f || fwrite(head, 1, padded, f) != padded || (numel && fwrite(data, elem, numel, f) != numel) ||
        fclose(f) != 0) {
        fprintf(stderr, "npy_typed: cannot write %s/%s\n", dir, name);
        exit(2);
    }
    return path;
}

#endif
