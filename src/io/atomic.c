/* atomic.c — write a file so that readers see either the old contents or
 * the complete new ones, never a torn file: write "<path>.tmp.<pid>" in the
 * same directory (rename is only atomic within one file system), flush it to
 * the disk, then rename it over the target. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cajal/io.h"

cj_status cj_atomic_open(cj_atomic_file *af, const char *path, cj_error *err)
{
    memset(af, 0, sizeof *af);
    size_t len = strlen(path);
    if (len == 0) return cj_fail(err, CJ_ERR_ARG, "cannot write a file with an empty path");
    if (len >= sizeof af->path)
        return cj_fail(err, CJ_ERR_ARG, "%.64s...: path is longer than %zu bytes", path,
                       sizeof af->path - 1);
    memcpy(af->path, path, len + 1);
    /* The pid keeps two processes writing the same file from sharing a
     * temp file; the last rename wins, and each rename is whole. */
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%ld", path, (long)getpid());
    af->f = fopen(af->tmp, "wb");
    if (!af->f)
        return cj_fail(err, CJ_ERR_IO, "%s: cannot create temporary file %s: %s", path, af->tmp,
                       strerror(errno));
    return CJ_OK;
}

/* fsync the directory holding `path` so the rename itself survives a crash.
 * Best effort: some file systems refuse to fsync directories, and the data
 * is already safe in the renamed file. */
static void sync_parent_dir(const cj_atomic_file *af)
{
    const char *path = af->path;
    char dir[sizeof af->path];
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == path) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

cj_status cj_atomic_commit(cj_atomic_file *af, cj_error *err)
{
    if (!af->f) return cj_fail(err, CJ_ERR_ARG, "%s: atomic file is not open", af->path);
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
    if (failed) {
        remove(af->tmp);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot write: %s", af->path,
                       saved ? strerror(saved) : "write error");
    }
    if (rename(af->tmp, af->path) != 0) {
        saved = errno;
        remove(af->tmp);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot rename %s over it: %s", af->path, af->tmp,
                       strerror(saved));
    }
    sync_parent_dir(af);
    return CJ_OK;
}

void cj_atomic_abort(cj_atomic_file *af)
{
    if (!af->f) return;
    fclose(af->f);
    af->f = NULL;
    remove(af->tmp);
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
