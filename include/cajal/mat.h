/* mat.h — MATLAB .mat files (v4, v5 and, when libmatio was built with
 * HDF5, v7.3), read through libmatio (https://github.com/tbeu/matio).
 *
 *     cj_mat_file *f;
 *     cj_mat_array img;
 *     cj_mat_strings ids;
 *     if (cj_mat_open("stimuli.mat", &f, &err)) ...;
 *     if (cj_mat_read(f, "stimuli_92objs(5).image", CJ_MAT_F32, &img, &err)) ...;
 *     // img.shape = {175, 175, 3}: float pixel (i, j, c) = img.data[(i * 175 + j) * 3 + c]
 *     if (cj_mat_read_strings(f, "raster_labels.stimulus_ID", &ids, &err)) ...;
 *     // ids.n = 420, ids.s[0] = "hand"
 *     cj_mat_array_free(&img);
 *     cj_mat_strings_free(&ids);
 *     cj_mat_close(f);
 *
 * What to read is a MATLAB expression: a variable name, then any number of
 * `.field`, `(i)`, `(i,j,...)` and `{i}` steps, with 1-based indices as in
 * MATLAB:
 *     raster_data                 a variable
 *     raster_labels.stimulus_ID   a field of a 1x1 struct
 *     stimuli_92objs(5).image     a field of element 5 of a struct array
 *     RDMs(1,3,2).RDM             element (1,3,2) of a 1x4x2 struct array
 *     categoryLabels{3}           a cell's contents (`(3)` means the same on a cell)
 * One index is MATLAB's linear (column-major) index; k indices of an n-d
 * array follow MATLAB too (the last one runs over the trailing dimensions;
 * extra indices must be 1). Indexing is for struct and cell arrays; a
 * numeric array is read whole. A struct array of more than one element
 * needs an index before `.field`.
 *
 * Layout. MATLAB stores arrays column-major. cj_mat_read returns them in C
 * (row-major) order with MATLAB's dimensions in MATLAB's order — the array
 * scipy.io.loadmat returns and NumPy indexes the same way: element
 * data[i1 * d2 * ... * dn + ... + in] (0-based) is MATLAB's A(i1+1, ..., in+1).
 * A 420x1000 raster is 420 rows of 1000 ms; a 175x175x3 image is
 * height x width x RGB, channels last. MATLAB arrays have at least two
 * dimensions, so a scalar is [1, 1] and a row vector [1, n]; trailing
 * singleton dimensions beyond the second are kept as the file has them.
 *
 * Classes. double, single, int8..int64, uint8..uint64 and logical convert
 * to float32 or float64, as asked (64-bit integers above 2^53 round to the
 * nearest double); class_name says what the file held. char arrays and
 * cell arrays of char rows come out as UTF-8 C strings (cj_mat_read_strings):
 * one string per row of a char matrix, one per cell of a cell array (in
 * row-major order of the cell array, like numbers). A string holding a NUL
 * character is refused (it would be cut short). Complex, sparse, function
 * handle and object arrays are refused with an error naming the class.
 *
 * Checks. Before libmatio reads anything, cj_mat_open walks every header
 * of the file as libmatio will read it (src/io/mat_guard.c) and refuses a
 * file whose sizes its bytes cannot hold: libmatio allocates from header
 * sizes before reading what follows, so a few corrupt bytes could ask for
 * gigabytes. A truncated variable, compressed data that does not inflate
 * whole, and function handles are refused too (libmatio reads on after
 * such errors with whatever its buffers held). v7.3 (HDF5) files are left
 * to HDF5's own checks. Then every size is checked again as it is used:
 * the product of the dimensions (without overflow) and the bytes libmatio
 * holds against what the dimensions need. Errors are one line naming the
 * file and the expression: "x.mat: stimuli_92objs(93).image: index 93 is
 * past the end of the 1x92 struct array stimuli_92objs". A file is opened
 * once and each variable read from it once: the handle keeps the variables
 * it has read (so reading 92 images from one struct array inflates it once)
 * until cj_mat_close. libmatio logs nothing unless a program installs a log
 * function (Mat_LogInit); cj_mat never does. */
#ifndef CAJAL_MAT_H
#define CAJAL_MAT_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/status.h"

#define CJ_MAT_MAX_DIMS 8

typedef enum { CJ_MAT_F32 = 0, CJ_MAT_F64 = 1 } cj_mat_type;

typedef struct cj_mat_file cj_mat_file; /* opaque: the open file and the variables read */

typedef struct {
    cj_mat_type type;               /* element type of `data` (as asked) */
    int ndim;                       /* >= 2 */
    int64_t shape[CJ_MAT_MAX_DIMS]; /* MATLAB's dimensions; unused entries 0 */
    size_t numel;                   /* product of the shape (0 for an empty array) */
    char class_name[12];            /* "double", "single", "uint8", "logical", ... */
    void *data;                     /* owned: numel floats or doubles, C order; NULL when numel is 0 */
} cj_mat_array;

typedef struct {
    int n;                          /* number of strings */
    int ndim;                       /* a cell array: its MATLAB dimensions; a char array: 1, shape[0] = n */
    int64_t shape[CJ_MAT_MAX_DIMS];
    char **s;                       /* owned: n NUL-terminated UTF-8 strings */
} cj_mat_strings;

/* What an expression names, without converting anything. */
typedef struct {
    char class_name[12];            /* also "char", "cell", "struct", "sparse", "object", ... */
    int ndim;
    int64_t shape[CJ_MAT_MAX_DIMS];
    size_t numel;
    int complex_values;             /* 1 for a complex numeric array */
    int n_fields;                   /* struct arrays: the fields, in file order */
    const char *const *fields;      /* owned by the handle: valid until cj_mat_close */
} cj_mat_info;

/* Open a .mat file for reading. Fails naming the path when it is missing,
 * a folder, or not a MATLAB file libmatio can read. Close with cj_mat_close. */
cj_status cj_mat_open(const char *path, cj_mat_file **out, cj_error *err);
void cj_mat_close(cj_mat_file *f);

/* The path given to cj_mat_open. */
const char *cj_mat_path(const cj_mat_file *f);

/* The names of the file's variables, in file order: *n of them, owned by
 * the handle. */
cj_status cj_mat_names(cj_mat_file *f, const char *const **names, int *n, cj_error *err);

/* Class and dimensions of what `expr` names. */
cj_status cj_mat_info_of(cj_mat_file *f, const char *expr, cj_mat_info *out, cj_error *err);

/* A numeric or logical array, converted to `type` in C order (see above).
 * On failure *out is empty (data NULL). Free with cj_mat_array_free. */
cj_status cj_mat_read(cj_mat_file *f, const char *expr, cj_mat_type type, cj_mat_array *out, cj_error *err);
void cj_mat_array_free(cj_mat_array *a);

/* A numeric or logical array of exactly one element, as a double. */
cj_status cj_mat_read_scalar(cj_mat_file *f, const char *expr, double *out, cj_error *err);

/* A char array (one string per row; a 1xN char is one string, an empty
 * char one empty string) or a cell array whose cells are char rows or empty
 * (one string per cell). On failure *out is empty. Free with
 * cj_mat_strings_free. */
cj_status cj_mat_read_strings(cj_mat_file *f, const char *expr, cj_mat_strings *out, cj_error *err);
void cj_mat_strings_free(cj_mat_strings *s);

/* The version of libmatio in use, "1.5.23". */
const char *cj_mat_library_version(char *buf, size_t cap);

#endif
