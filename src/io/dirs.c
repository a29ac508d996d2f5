/* dirs.c — creating output folders (mkdir -p). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/io.h"

static cj_status make_dir(const char *path, cj_error *err)
{
    if (mkdir(path, 0777) == 0) return CJ_OK;
    int saved = errno;
    struct stat sb;
    if (saved == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return CJ_OK;
    return cj_fail(err, CJ_ERR_IO, "%s: cannot create folder: %s", path,
                   saved == EEXIST ? "a file of that name exists" : strerror(saved));
}

cj_status cj_make_dirs(const char *path, cj_error *err)
{
    if (!path[0]) return cj_fail(err, CJ_ERR_ARG, "cannot create a folder with an empty name");
    char *buf = cj_path_printf("%s", path);  /* a copy to cut at each '/' */
    if (!buf) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    cj_status st = CJ_OK;
    for (char *p = buf + 1; !st && *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        st = make_dir(buf, err);
        *p = '/';
    }
    if (!st) st = make_dir(buf, err);
    free(buf);
    return st;
}
