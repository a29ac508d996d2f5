/* mat_common.h — what src/io/mat.c (files, names, expressions) and
 * src/io/mat_convert.c (numbers and strings out of libmatio's variables)
 * share. Private to src/io. */
#ifndef CAJAL_IO_MAT_COMMON_H
#define CAJAL_IO_MAT_COMMON_H

#include <matio.h>
#include <stddef.h>
#include <stdint.h>

#include "cajal/mat.h"

/* The open file: libmatio's handle, the variables' headers (read once, at
 * open, in file order), and which of them have had their data read. */
struct cj_mat_file {
    char *path;
    mat_t *mat;
    uint64_t file_size;
    int n;               /* variables */
    char **names;        /* [n], owned */
    matvar_t **info;     /* [n] headers (no data), owned */
    matvar_t **full;     /* [n] info[i] once its data is read, NULL until then */
    char *failed;        /* [n] 1 when reading the data failed */
};

/* A variable or a part of one, with the text of the expression that named
 * it (for messages). */
typedef struct {
    const cj_mat_file *file;
    const char *expr;    /* the whole expression asked for */
    matvar_t *var;
} mat_node;

/* Walk every header of the file at `path` (size bytes) as libmatio will,
 * and refuse sizes the bytes after them cannot hold (mat_guard.c), before
 * libmatio allocates from them. */
cj_status mat_guard(const char *path, uint64_t size, cj_error *err);

/* MATLAB's name of a variable's class: "double", "logical", "cell", ... */
const char *mat_class_name(const matvar_t *v);

/* The product of v's dimensions into *numel; 0 when it overflows or the
 * variable has no dimensions (a corrupt file). */
int mat_numel(const matvar_t *v, size_t *numel);

/* "1x92", into buf. */
const char *mat_dims_str(const matvar_t *v, char *buf, size_t cap);

/* Convert the numeric or logical variable of `node` into out (see mat.h). */
cj_status mat_convert_numeric(const mat_node *node, cj_mat_type type, cj_mat_array *out, cj_error *err);

/* The strings of a char or cell variable (see mat.h). */
cj_status mat_convert_strings(const mat_node *node, cj_mat_strings *out, cj_error *err);

#endif
