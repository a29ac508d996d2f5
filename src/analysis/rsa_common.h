/* rsa_common.h — what the RSA files share: a comparison "plan" of two
 * condensed RDMs, evaluated under integer weights per entry. A stimulus
 * bootstrap sample changes only how often each original entry appears
 * (c_i c_j times for stimuli i, j: cajal/rsa.h, cj_rsa_compare_resampled),
 * never the values, so everything that depends on the values alone — which
 * entries are finite, the ranks of their values, their order — is worked
 * out once here, and each sample costs one weighted pass (for tau_a one
 * pass with a Fenwick tree, cj_kendall_count_ranked). Internal to src/analysis/rsa_*.c. */
#ifndef CAJAL_RSA_COMMON_H
#define CAJAL_RSA_COMMON_H

#include <stdint.h>

#include "cajal/rsa.h"

typedef struct {
    cj_rsa_measure measure;
    size_t m;       /* entries finite in both RDMs */
    size_t *idx;    /* [m] their condensed positions (tau_a: in ascending (cx, cy) order; else ascending) */
    double *x, *y;  /* [m] their values in the two RDMs (Pearson, cosine) */
    int *cx, *cy;   /* [m] (Spearman, tau_a) the rank of each value among the distinct values of its RDM */
    int kx, ky;     /* (Spearman, tau_a) the number of distinct values; for tau_a the RDMs are swapped if
                       need be so that ky <= kx (tau is symmetric), which keeps the Fenwick tree small */
} rsa_plan;

/* Scratch for rsa_plan_eval, for plans of up to `cap` entries. */
typedef struct {
    size_t cap;
    int *gx, *ry;                /* tau_a: the entries with non-zero weight */
    int64_t *w, *tree, *hist;    /* tau_a: their weights, the Fenwick tree [cap + 34], y-rank totals */
    double *u, *v;               /* Spearman: the entries' average ranks */
    double *wx, *wy, *rx, *ry_rank; /* Spearman: class weights and average ranks */
} rsa_work;

/* Checks measure m and the entries of a and b [len]: CJ_ERR_ARG for an
 * unknown measure or an infinite entry; *count = the entries finite in both
 * (NaN entries are left out of every comparison). */
cj_status rsa_check_entries(const double *a, const double *b, size_t len, cj_rsa_measure m, size_t *count,
                            cj_error *err);

/* Builds the plan of a and b [len] for measure m. Fails with CJ_ERR_ARG for
 * an infinite entry (NaN entries are left out). */
cj_status rsa_plan_build(rsa_plan *p, const double *a, const double *b, size_t len, cj_rsa_measure m,
                         cj_error *err);
void rsa_plan_free(rsa_plan *p);

cj_status rsa_work_init(rsa_work *w, size_t cap, cj_error *err);
void rsa_work_free(rsa_work *w);

/* The measure over the plan's entries, entry idx counted weight[idx] >= 0
 * times (weight is indexed by condensed position). NaN when fewer than 2
 * copies are left or the measure is undefined. Allocates nothing. */
double rsa_plan_eval(const rsa_plan *p, const int64_t *weight, rsa_work *w);

/* The copies of each stimulus in sample[0..n) into count[n]; the number of
 * distinct stimuli drawn, or -1 for an index outside [0, n). */
int rsa_sample_counts(const int *sample, int n, int *count);

/* weight[cj_rdm_index(n, i, j)] = count[i] count[j]: how often entry
 * {i, j} appears in the resampled RDM. */
void rsa_pair_weights(const int *count, int n, int64_t *weight);

#endif
