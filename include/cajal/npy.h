/* npy.h — NumPy .npy files (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
 *
 * A .npy file is the 6-byte magic "\x93NUMPY", a version (1.0, 2.0 or 3.0),
 * a little-endian header length (2 bytes in 1.0, 4 bytes later), a Python
 * dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 * padded with spaces to a 64-byte boundary, then the raw array data.
 *
 * Reading accepts the little-endian numeric dtypes NumPy writes for plain
 * arrays (<f4 <f8 <i1..<i8 <u1..<u8 |b1) in C or Fortran order, up to 4-D,
 * and converts them to float32 or float64 in C order, or, for the integer
 * and bool dtypes, to exact int64. Integers convert to a float type in one
 * rounding (an <i8 above 2^24 becomes the nearest float32, not the float32
 * nearest to the nearest double); read ids, sample indices and other
 * integers that must stay exact as CJ_NPY_I64. Sizes in the header are
 * checked for overflow and against the file's size before anything is
 * allocated, so a short file claiming a huge shape reports "data
 * truncated" with the shape and the bytes needed and present. Writing produces
 * float32, C order, version 1.0, through a temp file + rename so a crash
 * never leaves a torn file. Every error message names the file. */
#ifndef CAJAL_NPY_H
#define CAJAL_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/status.h"

#define CJ_NPY_MAX_DIMS 4

/* Element type a caller wants the data converted to. CJ_NPY_I64 gives
 * int64_t data, exactly, from integer and bool dtypes only: a float dtype
 * is refused, and so is a <u8 value of 2^63 or more (the error names the
 * file and the element's index). */
typedef enum { CJ_NPY_F32 = 0, CJ_NPY_F64 = 1, CJ_NPY_I64 = 2 } cj_npy_type;

typedef struct {
    cj_npy_type type;               /* element type of `data` (as requested) */
    int ndim;                       /* 0..CJ_NPY_MAX_DIMS (0 = a scalar) */
    int64_t shape[CJ_NPY_MAX_DIMS]; /* unused trailing entries are 0 */
    size_t numel;                   /* product of the shape (1 for a scalar) */
    char descr[16];                 /* dtype as stored in the file, e.g. "<i8" */
    int fortran_order;              /* order in the file; `data` is always C order */
    void *data;                     /* owned: numel floats, doubles or int64_t, C order */
} cj_npy_array;

/* Read `path` into *out, converting to `type`. On failure *out is left
 * empty (data NULL) and err says which file and what is wrong. Free with
 * cj_npy_free. */
cj_status cj_npy_read(const char *path, cj_npy_type type, cj_npy_array *out, cj_error *err);
void cj_npy_free(cj_npy_array *a);
/* Only the header of `path`: ndim, shape, numel, descr and fortran_order
 * as cj_npy_read gives them, data NULL (nothing to free), after the same
 * checks of the dtype and of the data's size against the file's. For
 * learning the shapes of many large arrays before reading any of them. */
cj_status cj_npy_read_header(const char *path, cj_npy_array *out, cj_error *err);

/* Write a float32 array of the given shape (C order) to `path` atomically.
 * ndim may be 0..CJ_NPY_MAX_DIMS. */
cj_status cj_npy_write_f32(const char *path, int ndim, const int64_t *shape, const float *data,
                           cj_error *err);

#endif
