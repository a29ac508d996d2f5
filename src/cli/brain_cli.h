/* brain_cli.h — what the analysis and coding commands share (`cajal cka`,
 * `predict`, `ica`, `sparsecode`, `prune`, ...): where their output goes by
 * default, numbers in CSV cells, whole-number options, the argument loop,
 * the files `cajal patches` leaves beside its .npy, progress and timing. */
#ifndef CAJAL_CLI_BRAIN_H
#define CAJAL_CLI_BRAIN_H

#include <stdio.h>

#include "cajal/status.h"

/* "DIR/../name": an output folder beside the activations folder `acts`
 * (runs/cnn/acts -> runs/cnn/name), or "name" when acts has no parent. A
 * new allocation, NULL when out of memory. */
char *cj_brain_default_out(const char *acts, const char *name);

/* The last two parts of a path, for titles and labels: "runs/cnn/acts"
 * -> "cnn/acts". A pointer into dir. */
const char *cj_brain_short_dir(const char *dir);

/* A CSV cell: %.9g, or "nan" for NaN and infinities ("inf", "-inf"),
 * which pandas, NumPy and Python's float() all read back. */
void cj_brain_csv_num(FILE *f, double v);

/* A whole number in [lo, hi], all of `text`, into *out; else print
 * "WHO: NAME 'TEXT' is not a whole number from LO to HI" and return 0. */
int cj_brain_int(const char *who, const char *name, const char *text, long lo, long hi, int *out);
/* A finite number > 0, all of `text`; else print and return 0. */
int cj_brain_positive(const char *who, const char *name, const char *text, double *out);

/* Whether argv option `arg` ("--name" or "--name=value") is one of the
 * NULL-terminated `names`, so that an unknown option is reported as such
 * even when it comes last, without a value. */
int cj_brain_known_option(const char *arg, const char *const *names);

/* The argument loop of a command that takes one input and options (`cajal
 * ica`, `sparsecode`, `prune`): "--quiet"/"-q" sets *quiet; a flag (an
 * option of `flags`, no value) calls set(ctx, name, NULL); an option of
 * `valued` ("--name V" or "--name=V") calls set(ctx, name, V), which
 * returns 0 or the exit status after printing its own message; the first
 * other argument goes to *input, a second is "unexpected argument 'X'
 * (input_what)". Unknown options and missing values are one-line errors
 * naming them and the command's --help. Returns 0 or the exit status (2). */
typedef struct {
    const char *who;
    const char *const *valued; /* NULL-terminated */
    const char *const *flags;  /* NULL-terminated, or NULL */
    const char *input_what;    /* e.g. "one .npy file" */
    int (*set)(void *ctx, const char *name, const char *value);
    void *ctx;
} cj_brain_args;

int cj_brain_parse_args(const cj_brain_args *a, int argc, char **argv, const char **input, int *quiet);

/* FILE<suffix> beside the input FILE.npy (what `cajal patches` writes
 * there: ".dewhitening.npy" [S*S, d], ".whitening.npy" [d, S*S] with
 * d_first), when it is there: float32 [rows, cols] with one side d and the
 * other a square S*S, into *out (malloc'd) and *size = S. 0 with *out NULL
 * when the file is absent; 1, after a message naming it, when it is there
 * but unreadable or of another shape. */
int cj_brain_load_beside(const char *who, const char *in, const char *suffix, int d, int d_first, float **out,
                         int *size);

/* Seconds on a monotonic clock. */
double cj_brain_now(void);

/* msg without a leading "<noun>: " that repeats the command's own name
 * (the library's "ica: ..." under "cajal ica: "), else msg itself. */
const char *cj_brain_unprefixed(const char *msg, const char *noun);

/* Progress on stderr for a long run: at most one line every 2 s, the first
 * after 1 s, so that short runs print none. */
typedef struct {
    const char *who, *what; /* "cajal cka", "pairs" */
    double start, last;
    int quiet;
} cj_brain_progress;

void cj_brain_progress_start(cj_brain_progress *p, const char *who, const char *what, int quiet);
void cj_brain_progress_tick(cj_brain_progress *p, long done, long total);

#endif
