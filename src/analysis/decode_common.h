/* decode_common.h — the classifiers as a table of functions, shared by
 * decode_classify.c (their maths), decode_lda.c (the shrinkage LDA) and
 * decode_run.c (the cross-validation loop). Private to src/analysis. */
#ifndef CAJAL_ANALYSIS_DECODE_COMMON_H
#define CAJAL_ANALYSIS_DECODE_COMMON_H

#include <stddef.h>

#include "cajal/decode.h"

/* A classifier trains once on [n, p] with labels 0..k-1 and scores many
 * test sets. Its state lives in a workspace of `workspace(n, p, k)`
 * doubles allocated by the caller once per run, so the loop allocates
 * nothing per fold or bin. */
typedef struct {
    const char *name;
    int needs_counts; /* trained on raw counts: z-scoring is refused */
    size_t (*workspace)(int n, int p, int k);
    /* 0 on success; -1 when the training set cannot be used (a label with
     * too few trials); no messages here, the caller names the setting. */
    int (*fit)(double *ws, const double *x, const int *y, int n, int p, int k);
    /* scores [n, k] for x [n, p]; higher is more likely. */
    void (*scores)(const double *ws, const double *x, int n, int p, int k, double *out);
} decode_classifier;

extern const decode_classifier decode_max_corr, decode_lda, decode_poisson_nb;

/* The classifier called `name`, or NULL. */
const decode_classifier *decode_find_classifier(const char *name);

/* The label with the highest score; ties, and NaN scores (counted as
 * lowest), broken uniformly at random. */
int decode_argmax(const double *scores, int k, cj_rng *rng);

/* Column means and sample standard deviations of x [n, p] into mean, sd
 * (sd 0 for a constant column); then z = (x - mean) / sd in place, 0
 * where sd is 0. */
void decode_zscore_fit(const double *x, int n, int p, double *mean, double *sd);
void decode_zscore_apply(double *x, int n, int p, const double *mean, const double *sd);

#endif
