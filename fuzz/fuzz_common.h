/* fuzz_common.h — shared by the libFuzzer harnesses in fuzz/.
 *
 * cajal's readers take paths, as users give them, so each harness writes
 * the fuzzer's bytes to a temporary file and calls the reader on it. The
 * file is made once per process and rewritten for every input. */
#ifndef CAJAL_FUZZ_COMMON_H
#define CAJAL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A folder of the process's own under $TMPDIR (or /tmp), made on first use. */
static inline const char *fuzz_dir(void)
{
    static char dir[256];
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/cj_fuzz_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            perror("fuzz_dir: mkdtemp");
            abort();
        }
    }
    return dir;
}

/* Write size bytes to fuzz_dir()/name and return that path (static storage,
 * valid until the next call with the same name length). */
static inline const char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("fuzz_write");
        abort();
    }
    return path;
}

#endif
