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
 * float32), up to CJ_MAX_DIMS dimensions. The header may hold one
 * "__metadata__" entry, an object of string keys and string values (what
 * safetensors' safe_open(...).metadata() returns; load_file ignores it).
 *
 * Reading checks every size in the header before allocating for it: the
 * header length against the file, each shape's byte count (overflow-free)
 * and data_offsets against the data section, which the tensors must tile
 * exactly. A name may appear once (checked in O(n log n)) and may not hold
 * a NUL byte (raw or "\u0000") or another control character. Metadata must
 * be an object whose values are all strings, with no key twice; no NUL in
 * it either. Errors are one line naming the file and, where there is one,
 * the tensor or metadata key; a folder is "<path>: is a folder, not a
 * file". */
typedef struct {
    int n;
    char **names;       /* owned */
    cj_tensor *tensors; /* data owned by the file (one buffer) */
    void *blob;
    int n_meta;         /* __metadata__ entries, in file order */
    char **meta_keys, **meta_values;  /* owned */
} cj_safetensors;

/* One metadata entry to write. */
typedef struct {
    const char *key, *value;
} cj_meta_entry;

cj_status cj_safetensors_read(const char *path, cj_safetensors *st, cj_error *err);
void cj_safetensors_free(cj_safetensors *st);
/* The tensor named `name`, or NULL. */
const cj_tensor *cj_safetensors_get(const cj_safetensors *st, const char *name);
/* The metadata value of `key`, or NULL when the file has none. */
const char *cj_safetensors_meta(const cj_safetensors *st, const char *key);
/* Write n named tensors and n_meta metadata entries (in the order given;
 * meta may be NULL when n_meta is 0) atomically. Names, keys and values
 * must be valid UTF-8 (PyTorch's reader refuses anything else); keys are
 * unique and non-empty. */
cj_status cj_safetensors_write(const char *path, int n, const char *const *names, const cj_tensor *tensors,
                               int n_meta, const cj_meta_entry *meta, cj_error *err);

/* A model's parameters under their PyTorch names ("1.weight", ...). Loading
 * requires every parameter to be present with its exact shape and rejects
 * unknown names, naming the file and tensor. cj_model_save writes no
 * metadata; cj_model_save_meta adds the n_meta entries given.
 *
 * Pruning masks (model.h): a pruned parameter is saved with its zeros in
 * place under its own name, and its 0/1 mask beside it as "<name>_mask"
 * (torch.nn.utils.prune's buffer name); unpruned tensors get no mask.
 * Loading takes "<name>_mask" where present (values other than 0 and 1
 * are an error naming the tensor and index), and also PyTorch prune's own
 * state dict, "<name>_orig" with "<name>_mask"; a file with any mask
 * gives the model a mask, a file without makes it dense. */
cj_status cj_model_save(cj_model *m, const char *path, cj_error *err);
cj_status cj_model_save_meta(cj_model *m, const char *path, int n_meta, const cj_meta_entry *meta,
                             cj_error *err);
cj_status cj_model_load(cj_model *m, const char *path, cj_error *err);
/* The same check and copy from a file already read (`path` names it in
 * messages); a failure leaves the model as it was. */
cj_status cj_model_set_params(cj_model *m, const cj_safetensors *file, const char *path, cj_error *err);

#endif
