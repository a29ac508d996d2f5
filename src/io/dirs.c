/* dirs.c — creating output folders (mkdir -p). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/io.h"

static cj_status make_dir(const char *path, cj_error *err)
{
    if (mkdir(path, 0777) == 0) return CJ_OK;
    struct stat sb;
    if (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return CJ_OK;
    return cj_fail(err, CJ_ERR_IO, "%s: cannot create folder: %s", path,
                   errno == EEXIST ? "a file of that name exists" : strerror(errno));
}

cj_status cj_make_dirs(const char *path, cj_error *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return cj_fail(err, CJ_ERR_ARG, "%.64s...: path too long", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        cj_status st = make_dir(buf, err);
        *p = '/';
        if (st) return st;
    }
    return make_dir(buf, err);
}
