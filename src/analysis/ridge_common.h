/* ridge_common.h — the workspace of cross-validated ridge regression and
 * the one-fold solver (src/analysis/ridge_fold.c), shared with the fold
 * loop (ridge_cv.c). Everything is allocated once for the largest fold, so
 * no fold allocates. Private to src/analysis. */
#ifndef CAJAL_ANALYSIS_RIDGE_COMMON_H
#define CAJAL_ANALYSIS_RIDGE_COMMON_H

#include <stddef.h>

#include "cajal/predictivity.h"

typedef struct {
    int p, units, n_alphas, dmax;
    size_t mmax, tmax;        /* the most training and test stimuli of any fold */
    size_t *tr, *te;          /* [mmax], [tmax] this fold's stimuli */
    double *a, *b;            /* [mmax, p] training, [tmax, p] test features, scaled */
    double *mu, *sd;          /* [p] training mean and 1 / scale */
    double *eig, *wv;         /* [dmax, dmax] Gram, then eigenvectors; [dmax] eigenvalues */
    double *work;
    int *iwork, lwork, liwork;
    double *u, *v, *s;        /* [mmax, r] U; [p, r] V (when p <= m; otherwise
                                 [t, m] scratch for Xtest Xc^T); [r] singular values */
    double *u2;               /* [mmax, r] U squared elementwise */
    double *z;                /* [tmax, r] test features on V */
    double *yc, *ybar;        /* [mmax, units] centred training responses; [units] means */
    double *uty, *wk;         /* [r, units] U^T yc; scratch */
    double *fit;              /* [mmax, units] */
    double *f, *h;            /* [r] shrinkage factors; [mmax] hat diagonal */
    double *mse;              /* [n_alphas, units] LOO squared errors, summed */
    int *best;                /* [units] chosen alpha index */
    double *pred;             /* [tmax, units] test predictions */
} ridge_ws;

cj_status ridge_ws_alloc(ridge_ws *w, int p, int units, int n_alphas, size_t mmax, size_t tmax, cj_error *err);
void ridge_ws_free(ridge_ws *w);

/* Fit on the m stimuli w->tr, choose alpha, predict the t stimuli w->te
 * into w->pred (and w->best). x [n, p] float, y [n, units]. */
cj_status ridge_fold_fit(ridge_ws *w, const float *x, const double *y, size_t m, size_t t, const double *alphas,
                         const cj_ridge_cv_opts *o, cj_error *err);

#endif
