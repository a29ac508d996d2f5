/* fixtures.h — temporary folders and files for tests that read inputs.
 *
 *     const char *dir = fixture_dir("npy");          // /tmp/cj_npy_XXXXXX, made once per call
 *     char *p = fixture_file(dir, "a.npy", bytes, n); // write bytes, get the path (free it)
 *
 * Folders are left in /tmp on purpose: a failing test's inputs can then be
 * looked at. */
#ifndef CAJAL_TEST_FIXTURES_H
#define CAJAL_TEST_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cajal/files.h"

/* A new empty folder /tmp/cj_<tag>_XXXXXX (a static buffer per call site is
 * not needed: the result is allocated and lives until exit). */
static inline const char *fixture_dir(const char *tag)
{
    char *dir = cj_path_printf("/tmp/cj_%s_XXXXXX", tag);
    if (!dir || !mkdtemp(dir)) {
        fprintf(stderr, "fixture_dir: cannot create /tmp/cj_%s_XXXXXX\n", tag);
        exit(2);
    }
    return dir;
}

/* Write len bytes to dir/name; returns the path (free it). */
static inline char *fixture_file(const char *dir, const char *name, const void *bytes, size_t len)
{
    char *path = cj_path_join(dir, name);
    FILE *f = path ? fopen(path, "wb") : NULL;
    if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "fixture_file: cannot write %s/%s\n", dir, name);
        exit(2);
    }
    return path;
}

/* The whole file at path, binary-safe, in a NUL-terminated buffer (free
 * it), its length in *len (may be NULL); NULL when it cannot be read. */
static inline char *fixture_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
        size_t got = fread(buf, 1, (size_t)n, f);
        buf[got] = '\0';
        if (len) *len = got;
    }
    fclose(f);
    return buf;
}

/* The same for a NUL-terminated text. */
static inline char *fixture_text(const char *dir, const char *name, const char *text)
{
    return fixture_file(dir, name, text, strlen(text));
}

#endif
