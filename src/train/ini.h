/* ini.h — the INI reader behind experiment files (private to src/train/).
 *
 * Written here rather than taken from libinih because inih, as Debian
 * builds it, cuts lines at 200 bytes (a long model.layers or data path then
 * fails with a misleading error), lets an indented line silently replace
 * the value above it, and is configured through process-wide variables.
 * The syntax is documented in docs/experiment-file.md. */
#ifndef CAJAL_TRAIN_INI_H
#define CAJAL_TRAIN_INI_H

#include <stddef.h>

#include "cajal/status.h"

/* Called once per key with its whole value (continuation lines already
 * joined) and the line the key is on. `where` is "PATH: line N: ", ready
 * to start an error message. A non-zero status stops the parse. */
typedef cj_status (*cj_ini_handler)(void *user, const char *section, const char *key, const char *value,
                                    const char *where, cj_error *err);

/* Parse `text` (len bytes, NUL-free, as cj_text_read gives it); `path`
 * names it in errors. */
cj_status cj_ini_parse(const char *text, size_t len, const char *path, cj_ini_handler handler, void *user,
                       cj_error *err);

#endif
