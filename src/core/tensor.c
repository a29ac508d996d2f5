#include "cajal/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t cj_tensor_numel(const cj_tensor *t)
{
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= (size_t)t->shape[i];
    return n;
}

const char *cj_tensor_shape_str(const cj_tensor *t, char *buf, size_t len)
{
    size_t used = 0;
    used += (size_t)snprintf(buf + used, len - used, "[");
    for (int i = 0; i < t->ndim && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%lld", i ? ", " : "",
                                 (long long)t->shape[i]);
    if (used < len) snprintf(buf + used, len - used, "]");
    return buf;
}

struct cj_arena_block {
    cj_arena_block *next;
    size_t size, used;
    _Alignas(64) unsigned char data[];
};

enum { ALIGN = 64 };

void cj_arena_init(cj_arena *a, size_t block_bytes)
{
    a->head = NULL;
    a->block_bytes = block_bytes ? block_bytes : (size_t)1 << 20;
}

void *cj_arena_alloc(cj_arena *a, size_t bytes)
{
    bytes = (bytes + ALIGN - 1) / ALIGN * ALIGN;
    if (bytes == 0) bytes = ALIGN;
    cj_arena_block *b = a->head;
    if (!b || b->size - b->used < bytes) {
        size_t size = bytes > a->block_bytes ? bytes : a->block_bytes;
        b = aligned_alloc(ALIGN, (sizeof *b + size + ALIGN - 1) / ALIGN * ALIGN);
        if (!b) return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += bytes;
    memset(p, 0, bytes);
    return p;
}

float *cj_arena_floats(cj_arena *a, size_t n) { return cj_arena_alloc(a, n * sizeof(float)); }

void cj_arena_free(cj_arena *a)
{
    cj_arena_block *b = a->head;
    while (b) {
        cj_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}
