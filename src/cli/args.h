/* args.h — command-line helpers shared by the subcommands. */
#ifndef CAJAL_CLI_ARGS_H
#define CAJAL_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Split argv[*i], an option "--name=value" or "--name" followed by its
 * value in argv[*i + 1] (then *i advances), into name and *value. Returns 0
 * when the value is missing. */
int cj_cli_option(int argc, char **argv, int *i, char *name, size_t len, const char **value);

/* Is --help or -h among argv[1..argc)? (A command asked for help prints
 * its usage and succeeds, whatever else is on the line.) */
int cj_cli_wants_help(int argc, char **argv);

/* A whole number >= 0 written in decimal, all of `text`: 1 and *out, or 0. */
int cj_cli_parse_u64(const char *text, uint64_t *out);

/* Set by `cajal` before it restarts itself with better OpenBLAS kernels
 * (main.c): the kernels OpenBLAS chose on its own. */
#define CJ_CLI_BLAS_DETECTED_ENV "CAJAL_OPENBLAS_DETECTED"

/* When OPENBLAS_CORETYPE forces weaker kernels than this CPU supports
 * (e.g. Haswell on an AVX-512 machine), say so on one line, prefixed by
 * `who`: such a setting costs up to 1.6x on every product, silently. */
void cj_cli_note_blas(FILE *f, const char *who);

#endif
