/* atomic.c — write a file so that readers see either the old contents or
 * the complete new ones, never a torn file: write "<path>.tmp.<pid>" in the
 * same directory (rename is only atomic within one file system), flush it to
 * the disk, then rename it over the target. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cajal/files.h"
#include "cajal/io.h"

static void release(cj_atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    af->path = af->tmp = NULL;
}

cj_status cj_atomic_open(cj_atomic_file *af, const char *path, cj_error *err)
{
    memset(af, 0, sizeof *af);
    if (!path[0]) return cj_fail(err, CJ_ERR_ARG, "cannot write a file with an empty path");
    af->path = cj_path_printf("%s", path);
    /* The pid keeps two processes writing the same file from sharing a
     * temp file; the last rename wins, and each rename is whole. */
    af->tmp = cj_path_printf("%s.tmp.%ld", path, (long)getpid());
    if (!af->path || !af->tmp) {
        release(af);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    }
    af->f = fopen(af->tmp, "wb");
    if (!af->f) {
        int saved = errno;
        cj_fail(err, CJ_ERR_IO, "%s: cannot create temporary file %s: %s", path, af->tmp, strerror(saved));
        release(af);
        return CJ_ERR_IO;
    }
    return CJ_OK;
}

/* fsync the directory holding `path` so the rename itself survives a crash.
 * Best effort: some file systems refuse to fsync directories, and the data
 * is already safe in the renamed file. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = !slash ? cj_path_printf(".") : slash == path ? cj_path_printf("/")
                                                             : cj_path_printf("%.*s", (int)(slash - path), path);
    if (!dir) return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    free(dir);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

cj_status cj_atomic_commit(cj_atomic_file *af, cj_error *err)
{
    if (!af->f) return cj_fail(err, CJ_ERR_ARG, "%s: atomic file is not open", af->path ? af->path : "?");
    FILE *f = af->f;
    af->f = NULL;
    /* ferror catches a failed fwrite the caller did not check; fflush and
     * fsync catch a full disk, which often shows only when data leaves the
     * stdio buffer or the page cache. */
    errno = 0;
    int failed = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
    int saved = errno;
    if (fclose(f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    cj_status st = CJ_OK;
    if (failed) {
        remove(af->tmp);
        st = cj_fail(err, CJ_ERR_IO, "%s: cannot write: %s", af->path, saved ? strerror(saved) : "write error");
    } else if (rename(af->tmp, af->path) != 0) {
        saved = errno;
        remove(af->tmp);
        st = cj_fail(err, CJ_ERR_IO, "%s: cannot rename %s over it: %s", af->path, af->tmp, strerror(saved));
    } else {
        sync_parent_dir(af->path);
    }
    release(af);
    return st;
}

void cj_atomic_abort(cj_atomic_file *af)
{
    if (af->f) {
        fclose(af->f);
        af->f = NULL;
        remove(af->tmp);
    }
    release(af);
}

cj_status cj_write_file_atomic(const char *path, const void *data, size_t len, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) return st;
    if (len && fwrite(data, 1, len, af.f) != len) {
        int saved = errno;
        cj_atomic_abort(&af);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot write %zu bytes: %s", path, len, strerror(saved));
    }
    return cj_atomic_commit(&af, err);
}
