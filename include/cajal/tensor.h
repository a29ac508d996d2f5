/* tensor.h — float32 tensors (row-major, PyTorch shapes) and the arena that
 * owns their memory.
 *
 * A cj_tensor is a view: it never owns data. Long-lived tensors (a model's
 * parameters, activations, optimiser state) are carved out of a cj_arena
 * owned by that model; freeing the arena frees them all at once. */
#ifndef CAJAL_TENSOR_H
#define CAJAL_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/status.h"

#define CJ_MAX_DIMS 4

typedef struct {
    float *data;
    int ndim;
    int64_t shape[CJ_MAX_DIMS];
} cj_tensor;

/* Number of elements (1 for a 0-d tensor). */
size_t cj_tensor_numel(const cj_tensor *t);
/* Shape as text, e.g. "[64, 1, 28, 28]", into buf. */
const char *cj_tensor_shape_str(const cj_tensor *t, char *buf, size_t len);

/* A bump allocator made of blocks; allocations are 64-byte aligned (one
 * cache line, enough for any SIMD width) and zero-filled. */
typedef struct cj_arena_block cj_arena_block;
typedef struct {
    cj_arena_block *head;
    size_t block_bytes;
} cj_arena;

void cj_arena_init(cj_arena *a, size_t block_bytes);
/* Returns NULL when out of memory. */
void *cj_arena_alloc(cj_arena *a, size_t bytes);
float *cj_arena_floats(cj_arena *a, size_t n);
void cj_arena_free(cj_arena *a);

#endif
