/* prune_common.h — the table of pruning rounds that prune_run.c fills and
 * prune_files.c writes as rounds.csv and lottery.png. Private to
 * src/train/. */
#ifndef CAJAL_TRAIN_PRUNE_COMMON_H
#define CAJAL_TRAIN_PRUNE_COMMON_H

#include "cajal/prune.h"

typedef struct {
    int n_tensors;         /* pruned tensors, in model order */
    char **names;          /* [n_tensors] ("0.weight") */
    int n_rows, cap;       /* rows so far (round 0, the dense run, first) and room */
    double *remaining;     /* [cap * n_tensors]: row-major, fraction kept per tensor */
    double *total;         /* [cap]: fraction kept over all pruned tensors */
    double *ticket, *control, *random, *seconds; /* [cap]: test accuracies (NaN: not trained) */
} cj_prune_table;

/* Room for `rows` rows of n_tensors tensors (names copied). */
cj_status cj_prune_table_create(cj_prune_table *t, int n_tensors, const char *const *names, int rows,
                                cj_error *err);
void cj_prune_table_free(cj_prune_table *t);

/* rounds.csv, atomically: round,remaining,remaining_NAME...,ticket_acc,
 * control_acc,random_acc,seconds; an empty field for a network not
 * trained. */
cj_status cj_prune_write_csv(const cj_prune_table *t, const char *path, cj_error *err);

/* lottery.png: test accuracy against the percentage of weights left (log
 * axis), the ticket, the random re-initialisation, the random mask where
 * trained, and the dense network's accuracy (with 1 point below it) as
 * horizontal lines. */
cj_status cj_prune_write_figure(const cj_prune_table *t, const char *title, const char *path, cj_error *err);

#endif
