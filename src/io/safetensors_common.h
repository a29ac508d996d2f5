/* safetensors_common.h — what the safetensors reader (safetensors.c) and
 * writer (safetensors_write.c) share: the rules for names, so that the
 * writer never produces what the reader refuses, and message helpers. */
#ifndef CAJAL_SAFETENSORS_COMMON_H
#define CAJAL_SAFETENSORS_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cajal/status.h"

static inline void store_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline void store_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* Names are printed in messages and compared as C strings: no control
 * characters (PyTorch's dotted names never have them). `code` tells a bad
 * file (reading) from a bad argument (writing). */
static inline cj_status check_name(const char *path, const char *name, cj_status code, cj_error *err)
{
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            char buf[96];
            return cj_fail(err, code, "%s: tensor name '%s' contains control character 0x%02x",
                           path, cj_error_quote(name, buf, sizeof buf), (unsigned char)*c);
        }
    return CJ_OK;
}

static inline int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#endif
