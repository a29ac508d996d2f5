/* tuning_common.h — what tuning_report.c takes from tuning_table.c (and the
 * fuzzer from both): the rows --where keeps and each trial's window of
 * steps, from the stimulus table (cajal/tuning.h, cj_tuning_report_opts). */
#ifndef CAJAL_TUNING_COMMON_H
#define CAJAL_TUNING_COMMON_H

#include "cajal/trials_csv.h"
#include "cajal/tuning.h"

/* keep[t->n_rows]: 1 for the rows where every "COLUMN=VALUE" of where[]
 * holds (the same text, or the same number), else 0. `what` names the
 * table in errors: a malformed condition, an unknown column, a condition
 * no (remaining) row meets. */
cj_status cj_tuning_where(const cj_trials_text *t, const char *what, const char *const *where, int n_where,
                          unsigned char *keep, cj_error *err);

/* Each kept row's window [start, end) of a layer of T steps per trial,
 * from `steps` as cj_tuning_report_opts.steps says (NULL: the whole
 * trial), cut at the row's `steps` column when the table has one. Rows not
 * kept get 0:T. Errors name the line: a cell that is not a step (an empty
 * one: a period the trial's task does not have), an empty window. */
cj_status cj_tuning_windows(const cj_trials_text *t, const char *what, const char *steps, const unsigned char *keep,
                            int T, int *start, int *end, cj_error *err);

#endif
