/* session_warnings.c — the warnings a session collects while it is read
 * (skipped dead units, fallbacks), kept in the session for the caller to
 * print: the library itself never prints. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "session_internal.h"

cj_status cj_ephys_warn(cj_ephys_session *s, cj_error *err, const char *fmt, ...)
{
    char **grown = realloc(s->warnings, sizeof *grown * ((size_t)s->n_warnings + 1));
    if (!grown) return cj_fail(err, CJ_ERR_NOMEM, "session %s: out of memory for a warning", s->name);
    s->warnings = grown;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *line = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!line) return cj_fail(err, CJ_ERR_NOMEM, "session %s: out of memory for a warning", s->name);
    va_start(ap, fmt);
    vsnprintf(line, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->warnings[s->n_warnings++] = line;
    return CJ_OK;
}
