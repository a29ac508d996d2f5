/* session_names.c — what to call each session in the outputs, and a check
 * of the order the sessions were given in (see include/cajal/ephys.h).
 *
 * Kilosort writes into a folder named after itself (kilosort4/), so the
 * sessions of a chronic recording are often day1/kilosort4,
 * day2/kilosort4, ...: the folder's base name does not tell them apart. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/ephys.h"
#include "cajal/files.h"

/* The last k '/'-separated components of an absolute path ("/a/b/c", 2 ->
 * "b/c"), or NULL when it has fewer. */
static const char *suffix(const char *path, int k)
{
    const char *p = path + strlen(path);
    for (int found = 0; p > path; p--)
        if (p[-1] == '/' && ++found == k) return p;
    return NULL;
}

static int count_components(const char *path)
{
    int n = 0;
    for (const char *p = path; *p; p++) n += p[0] == '/' && p[1] && p[1] != '/';
    return n;
}

/* Does any other path end in the same k components as path i? */
static int shared(char *const *real, int n, int i, int k)
{
    const char *si = suffix(real[i], k);
    for (int j = 0; j < n; j++) {
        const char *sj = j == i ? NULL : suffix(real[j], k);
        if (sj && !strcmp(si, sj)) return 1;
    }
    return 0;
}

static cj_status resolve_all(const char *const *dirs, int n, char **real, cj_error *err)
{
    for (int i = 0; i < n; i++) {
        real[i] = realpath(dirs[i], NULL);
        if (!real[i]) return cj_fail(err, CJ_ERR_IO, "%s: cannot resolve the folder: %s", dirs[i], strerror(errno));
        for (int j = 0; j < i; j++)
            if (!strcmp(real[i], real[j]))
                return cj_fail(err, CJ_ERR_ARG, "%s and %s are the same folder (%s), given twice", dirs[j], dirs[i],
                               real[i]);
    }
    return CJ_OK;
}

cj_status cj_ephys_session_names(const char *const *dirs, int n, char **names, cj_error *err)
{
    for (int i = 0; i < n; i++) names[i] = NULL;
    char **real = calloc(n > 0 ? (size_t)n : 1, sizeof *real);
    if (!real) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d session names", n);
    /* Distinct real paths, so every folder has a distinct suffix (its
     * whole path at worst). n is the number of sessions (tens), so
     * comparing every pair costs nothing. */
    cj_status st = resolve_all(dirs, n, real, err);
    for (int i = 0; i < n && !st; i++) {
        int depth = count_components(real[i]), k = 1;
        while (k < depth && shared(real, n, i, k)) k++;
        const char *name = depth ? suffix(real[i], k) : real[i]; /* "/" itself has no component */
        if (!(names[i] = cj_path_printf("%s", name)))
            st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d session names", n);
    }
    for (int i = 0; i < n; i++) free(real[i]);
    free(real);
    if (st)
        for (int i = 0; i < n; i++) free(names[i]), names[i] = NULL;
    return st;
}

/* The last number in the name's first component ("session10" -> 10,
 * "day3/kilosort4" -> 3): the part that tells sessions apart. -1 if none. */
static long trailing_number(const char *name)
{
    const char *end = strchr(name, '/');
    if (!end) end = name + strlen(name);
    const char *p = end;
    while (p > name && !isdigit((unsigned char)p[-1])) p--;
    const char *digits_end = p;
    while (p > name && isdigit((unsigned char)p[-1])) p--;
    if (p == digits_end || digits_end - p > 9) return -1;
    return strtol(p, NULL, 10);
}

char *cj_ephys_order_warning(const char *const *names, int n)
{
    for (int i = 0; i + 1 < n; i++) {
        long a = trailing_number(names[i]), b = trailing_number(names[i + 1]);
        if (a < 0 || b < 0) return NULL;
        if (a > b)
            return cj_path_printf("sessions are taken in the order given, and %s comes before %s: a shell glob "
                                  "sorts names as text (session10 before session2); list the folders in "
                                  "recording order if that is not it",
                                  names[i], names[i + 1]);
    }
    return NULL;
}
