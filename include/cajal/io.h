/* io.h — reading and writing files other tools open: safetensors (PyTorch),
 * and atomic writes (temp file + rename, so a crash never leaves a torn
 * file). */
#ifndef CAJAL_IO_H
#define CAJAL_IO_H

#include <stddef.h>
#include <stdio.h>

#include "cajal/model.h"
#include "cajal/status.h"
#include "cajal/tensor.h"

/* ---- atomic writes ------------------------------------------------------
 * cj_atomic_open creates "<path>.tmp.<pid>" for writing; cj_atomic_commit
 * flushes, fsyncs and renames it over `path` (or removes it and fails);
 * cj_atomic_abort removes it. Either of the two ends every open file and
 * frees what it holds. */
typedef struct {
    FILE *f;
    char *path, *tmp;  /* allocated: no path is ever cut short */
} cj_atomic_file;

cj_status cj_atomic_open(cj_atomic_file *af, const char *path, cj_error *err);
cj_status cj_atomic_commit(cj_atomic_file *af, cj_error *err);
void cj_atomic_abort(cj_atomic_file *af);
/* Create `path` and any missing folders above it (mkdir -p); an existing
 * folder is fine, an existing file of that name is an error. */
cj_status cj_make_dirs(const char *path, cj_error *err);
/* Write len bytes to path atomically. */
cj_status cj_write_file_atomic(const char *path, const void *data, size_t len, cj_error *err);

/* ---- safetensors ---------------------------------------------------------
 * https://github.com/huggingface/safetensors: an 8-byte little-endian header
 * length, a JSON header {name: {dtype, shape, data_offsets}}, then the raw
 * little-endian data. We write F32 and read F32, F64, F16 and BF16 (as
 * float32), up to CJ_MAX_DIMS dimensions.
 *
 * Reading checks every size in the header before allocating for it: the
 * header length against the file, each shape's byte count (overflow-free)
 * and data_offsets against the data section, which the tensors must tile
 * exactly. A name may appear once (checked in O(n log n)) and may not hold
 * a NUL byte (raw or "\u0000") or another control character. Errors are
 * one line naming the file and, where there is one, the tensor; a folder
 * is "<path>: is a folder, not a file". */
typedef struct {
    int n;
    char **names;       /* owned */
    cj_tensor *tensors; /* data owned by the file (one buffer) */
    void *blob;
} cj_safetensors;

cj_status cj_safetensors_read(const char *path, cj_safetensors *st, cj_error *err);
void cj_safetensors_free(cj_safetensors *st);
/* The tensor named `name`, or NULL. */
const cj_tensor *cj_safetensors_get(const cj_safetensors *st, const char *name);
/* Write n named tensors atomically. */
cj_status cj_safetensors_write(const char *path, int n, const char *const *names,
                               const cj_tensor *tensors, cj_error *err);

/* A model's parameters under their PyTorch names ("1.weight", ...). Loading
 * requires every parameter to be present with its exact shape and rejects
 * unknown names, naming the file and tensor. */
cj_status cj_model_save(cj_model *m, const char *path, cj_error *err);
cj_status cj_model_load(cj_model *m, const char *path, cj_error *err);

#endif
