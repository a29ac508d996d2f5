/* status.h — error codes and messages.
 *
 * Every library function that can fail returns a cj_status and, on failure,
 * fills a caller-owned cj_error with one line naming the file, key, value or
 * shape at fault. The library never prints and never exits; the CLI prints
 * err.msg and exits non-zero. */
#ifndef CAJAL_STATUS_H
#define CAJAL_STATUS_H

#include <stddef.h>

typedef enum {
    CJ_OK = 0,
    CJ_ERR_IO,       /* a file could not be opened, read or written */
    CJ_ERR_FORMAT,   /* a file's contents are malformed or truncated */
    CJ_ERR_CONFIG,   /* an experiment file or option is wrong */
    CJ_ERR_SHAPE,    /* tensor shapes do not fit together */
    CJ_ERR_NUMERIC,  /* NaN or Inf appeared */
    CJ_ERR_NOMEM,    /* an allocation failed */
    CJ_ERR_ARG,      /* a bad argument to a library function */
    CJ_ERR_INTERRUPTED /* the caller asked a long run to stop (e.g. Ctrl-C) */
} cj_status;

#define CJ_ERROR_MSG_MAX 512

typedef struct {
    cj_status code;
    char msg[CJ_ERROR_MSG_MAX];
} cj_error;

/* Record a failure in err (which may be NULL) and return code, so callers
 * can write `return cj_fail(err, CJ_ERR_IO, "%s: cannot open", path);`. */
cj_status cj_fail(cj_error *err, cj_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A string from a file, made safe for a one-line message: at most 64
 * bytes, control characters as \xNN, "..." when cut. Writes into buf (cap
 * bytes, at least 16) and returns it. */
const char *cj_error_quote(const char *s, char *buf, size_t cap);

/* "a, b or c" from the names of n registry entries (layers, rules,
 * objectives: tables whose first member is their name), into out, for
 * "expected ..." messages; cut short rather than overflow. */
void cj_names_join(const void *const *tables, int n, char *out, size_t len);

/* Short name of a status code, e.g. "I/O error". */
const char *cj_status_name(cj_status code);

#endif
