/* files.c — opening inputs (regular files only) and building paths
 * (see include/cajal/files.h). */
#include "cajal/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a non-regular file is, for the error message. */
static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    return "not a regular file";
}

cj_status cj_file_open_fd(const char *path, int *fd_out, uint64_t *size, cj_error *err)
{
    *fd_out = -1;
    /* O_NONBLOCK: opening a FIFO with no writer would otherwise block here,
     * before fstat can tell us what it is. It is cleared again below. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return cj_fail(err, CJ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int saved = errno;
        close(fd);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot read: %s", path, strerror(saved));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return cj_fail(err, CJ_ERR_IO, "%s: is %s, not a file", path, file_kind(sb.st_mode));
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    if (size) *size = (uint64_t)sb.st_size;
    *fd_out = fd;
    return CJ_OK;
}

cj_status cj_file_open(const char *path, FILE **out, uint64_t *size, cj_error *err)
{
    *out = NULL;
    int fd;
    cj_status st = cj_file_open_fd(path, &fd, size, err);
    if (st) return st;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int saved = errno;
        close(fd);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot open: %s", path, strerror(saved));
    }
    *out = f;
    return CJ_OK;
}

cj_status cj_text_check_nul(const char *text, size_t len, const char *what, cj_error *err)
{
    const char *nul = memchr(text, '\0', len);
    if (!nul) return CJ_OK;
    long line = 1;
    for (const char *p = text; p < nul; p++) line += *p == '\n';
    return cj_fail(err, CJ_ERR_FORMAT, "%s: line %ld: contains a NUL byte (not a text file?)", what, line);
}

cj_status cj_text_read(const char *path, size_t max_bytes, char **text, size_t *len, cj_error *err)
{
    *text = NULL;
    *len = 0;
    FILE *f;
    uint64_t size;
    cj_status st = cj_file_open(path, &f, &size, err);
    if (st) return st;
    if (size > max_bytes) {
        fclose(f);
        return cj_fail(err, CJ_ERR_FORMAT, "%s: %llu bytes is too large for a text input (%zu at most)", path,
                       (unsigned long long)size, max_bytes);
    }
    char *buf = malloc((size_t)size + 1);
    if (!buf) {
        fclose(f);
        return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory reading %llu bytes", path, (unsigned long long)size);
    }
    size_t got = fread(buf, 1, (size_t)size, f);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return cj_fail(err, CJ_ERR_IO, "%s: cannot read", path);
    }
    buf[got] = '\0';
    if ((st = cj_text_check_nul(buf, got, path, err))) {
        free(buf);
        return st;
    }
    *text = buf;
    *len = got;
    return CJ_OK;
}

char *cj_path_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *buf = malloc((size_t)n + 1);
    if (!buf) return NULL;
    va_start(ap, fmt);
    vsnprintf(buf, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return buf;
}

char *cj_path_join(const char *dir, const char *name)
{
    if (!dir[0]) return cj_path_printf("%s", name);
    size_t n = strlen(dir);
    return cj_path_printf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
}
