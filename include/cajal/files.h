/* files.h — opening the files a user names, and building paths from them.
 *
 * Every reader opens its input through cj_file_open, so one place decides
 * what an input may be: a regular file. A folder, a FIFO, a socket or a
 * device is refused at once with a message naming the path (a FIFO would
 * otherwise block the reader forever, and a folder reads as an empty or
 * unreadable file). Paths are built with cj_path_join/cj_path_printf, which
 * allocate exactly what the path needs, so no path is ever cut short by a
 * fixed-size buffer. */
#ifndef CAJAL_FILES_H
#define CAJAL_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cajal/status.h"

/* Open `path` for reading ("rb"). Fails with CJ_ERR_IO naming the path
 * when it is missing, unreadable, a folder or not a regular file. *size
 * (may be NULL) gets the file's length in bytes, for checking sizes a
 * header claims before allocating for them. */
cj_status cj_file_open(const char *path, FILE **out, uint64_t *size, cj_error *err);

/* The same, returning a file descriptor (for gzdopen and the like). */
cj_status cj_file_open_fd(const char *path, int *fd, uint64_t *size, cj_error *err);

/* Read a whole text file into a NUL-terminated buffer (owned by the
 * caller). A NUL byte inside the file is an error naming its line: a text
 * reader would otherwise stop at it and silently drop the rest. Files over
 * `max_bytes` are refused (a text input is never gigabytes). */
cj_status cj_text_read(const char *path, size_t max_bytes, char **text, size_t *len, cj_error *err);

/* The same check on text already in memory, `what` naming it in the error
 * (a path, or "--set"). */
cj_status cj_text_check_nul(const char *text, size_t len, const char *what, cj_error *err);

/* "dir/name" in a new allocation (free it), or NULL when out of memory.
 * An empty dir gives name unchanged. */
char *cj_path_join(const char *dir, const char *name);

/* printf into a new allocation (free it), or NULL when out of memory. */
char *cj_path_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
