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

/* The same columns as text, for tables whose cells are names (the task
 * of a trial, a stimulus's category): every cell as written, quotes
 * undone and the blanks around it dropped, empty cells as "". The same
 * format and errors as cj_trials_csv_read, less the numeric checks.
 *
 *     const char *want[] = {"task", "stim_dir"};
 *     cj_trials_text t;
 *     if (cj_trials_csv_read_text("acts/conditions.csv", want, 2, &t, &err)) ...;
 *     const char *task_of_row_3 = t.cells[3 * t.n_cols + 0];   // file line t.line[3]
 *     cj_trials_text_free(&t);
 */
typedef struct {
    int n_rows, n_cols;
    char **names;  /* [n_cols], the columns as asked */
    char **cells;  /* [n_rows * n_cols]: row i of column j at cells[i * n_cols + j] */
    int *line;     /* [n_rows]: the line of the file each row is on (1-based), for messages */
    char *text;    /* the one block names[] and cells[] point into */
} cj_trials_text;

/* columns NULL and n_columns 0: every column of the header, in its order
 * (a header field that is empty, a name twice, or more than
 * CJ_TRIALS_CSV_MAX_ALL_COLUMNS fields is then an error). */
#define CJ_TRIALS_CSV_MAX_ALL_COLUMNS 4096
cj_status cj_trials_csv_read_text(const char *path, const char *const *columns, int n_columns, cj_trials_text *out,
                                  cj_error *err);
/* The index of column `name`, or -1. */
int cj_trials_text_find(const cj_trials_text *t, const char *name);
void cj_trials_text_free(cj_trials_text *t);

#endif
