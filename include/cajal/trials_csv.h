/* trials_csv.h — trial tables in CSV: one trial per line after a header
 * line naming the columns, e.g. ../shared/data/roitman2002/roitman_rts.csv
 *
 *     monkey,rt,coh,correct,trgchoice
 *     1,0.355,0.512,1.0,2.0
 *
 *     const char *want[] = {"monkey", "coh", "correct", "rt"};
 *     cj_trials t, m1;
 *     if (cj_trials_csv_read(path, want, 4, &t, &err)) ...;
 *     if (cj_trials_select(&t, "monkey", 1, &m1, &err)) ...;   // rows with monkey == 1
 *     const double *coh = cj_trials_column(&m1, "coh");        // m1.n_rows values
 *     cj_trials_free(&m1);
 *     cj_trials_free(&t);
 *
 * The caller names the columns it wants; only those are parsed (others may
 * hold anything, text included) and they come back as doubles in the order
 * asked. The format: fields separated by ',', optionally quoted with '"'
 * ("" inside quotes is one '"'; a quoted field may not span lines), spaces
 * and tabs around a field ignored, '\n' or '\r\n' line ends, a UTF-8 byte
 * order mark skipped, blank lines skipped. A cell is a number when strtod
 * reads all of it (so nan and inf are numbers; the C library's decimal
 * point, '.' unless the program changed LC_NUMERIC). Lines have no length
 * limit; the file is read whole and may be up to CJ_TRIALS_CSV_MAX_BYTES.
 *
 * Errors name the file, the line and the column: no header line, a column
 * asked for that is missing (or named twice in the header), a row with more
 * or fewer fields than the header, an empty or non-numeric cell, an
 * unterminated quote (CJ_ERR_FORMAT); an unreadable file (CJ_ERR_IO). */
#ifndef CAJAL_TRIALS_CSV_H
#define CAJAL_TRIALS_CSV_H

#include "cajal/status.h"

#define CJ_TRIALS_CSV_MAX_BYTES ((size_t)1 << 30)

typedef struct {
    int n_rows, n_cols;
    char **names;    /* [n_cols], the columns as asked */
    double **col;    /* [n_cols], each n_rows values: col[j][i] is row i of column j */
    double *data;    /* the one block col[] points into */
    char *name_text; /* the one block names[] point into */
} cj_trials;

/* Read columns[0..n_columns) of the CSV file at path into *out (owned by
 * the caller: cj_trials_free). n_columns >= 1. On failure *out is empty and
 * needs no free (freeing it is harmless). */
cj_status cj_trials_csv_read(const char *path, const char *const *columns, int n_columns, cj_trials *out,
                             cj_error *err);

/* Column `name`, or NULL when the table has none. */
const double *cj_trials_column(const cj_trials *t, const char *name);

/* The rows of t whose column `column` equals `value` exactly, all columns,
 * in order, into a new table *out (cj_trials_free). Zero matching rows is
 * not an error (out->n_rows = 0). Fails with CJ_ERR_ARG when t has no such
 * column or value is NaN. */
cj_status cj_trials_select(const cj_trials *t, const char *column, double value, cj_trials *out, cj_error *err);

void cj_trials_free(cj_trials *t);

#endif
