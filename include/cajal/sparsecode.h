/* sparsecode.h — Olshausen & Field's sparse coding (`cajal sparsecode`;
 * docs/codes.md):
 *
 *     min over D, a   1/2 ||x - a D||^2 + lambda ||a||_1,   rows of D unit norm
 *
 * for samples x (rows of X [n, d]), codes a [k] and a dictionary D
 * [k atoms, d] (Olshausen & Field 1996, Nature 381:607, eq. 2-3 with
 * S(a) = |a|). Inference of the codes for a fixed D by FISTA (Beck &
 * Teboulle 2009, SIAM J Imaging Sci 2:183) or the locally competitive
 * algorithm (Rozell et al. 2008, Neural Comput 20:2526); learning of D by
 * gradient steps on mini-batches, atoms renormalised after each step.
 *
 *     cj_sc_opts o;
 *     cj_sc_opts_default(&o);              // 256 atoms, lambda 0.1, FISTA
 *     cj_sc_model m;
 *     if (cj_sc_learn(x, n, d, &o, NULL, NULL, &m, &err)) ...
 *     // m.dict [k, d]; cj_sc_encode(&m, ...) gives codes of new samples
 *     cj_sc_model_free(&m);
 *
 * A seed fixes every number: the initial atoms and the mini-batch order
 * come from it, and the inference's stopping rule depends only on the batch. */
#ifndef CAJAL_SPARSECODE_H
#define CAJAL_SPARSECODE_H

#include <stdint.h>

#include "cajal/status.h"

typedef enum { CJ_SC_FISTA, CJ_SC_LCA } cj_sc_inference;

/* "fista", "lca"; -1 from the parse for another name. */
const char *cj_sc_inference_name(cj_sc_inference k);
int cj_sc_inference_parse(const char *name);

typedef struct {
    int atoms;                 /* k (default 256) */
    double lambda;             /* L1 weight (default 0.1) */
    cj_sc_inference inference; /* default FISTA */
    int nonneg;                /* 1: codes constrained to a >= 0 */
    int epochs;                /* passes over the samples (default 10) */
    int batch;                 /* mini-batch size (default 100, as Olshausen's sparsenet) */
    double lr;                 /* dictionary step (default 0.05; see cj_sc_dict_step) */
    int iters;                 /* most inference iterations per mini-batch (default 100) */
    double tol;                /* FISTA stops when ||a_t - a_{t-1}|| <= tol ||a_t|| (default 1e-2; 0: never early) */
    double code_tol;           /* the same for the codes written at the end, up to 100 x iters iterations (default 1e-4) */
    uint64_t seed;             /* default 1 */
} cj_sc_opts;

void cj_sc_opts_default(cj_sc_opts *o);

/* ---- inference for a fixed dictionary ------------------------------------ */

/* Workspace for coding up to `rows` samples with k atoms: the Gram matrix
 * G = D D^T [k, k], its largest eigenvalue L (the Lipschitz constant of
 * the smooth part's gradient, ||D||_2^2) and three [rows, k] buffers. One
 * allocation, reused for every mini-batch. */
typedef struct {
    int k, d, rows;
    float *gram;   /* [k, k] */
    double lipschitz;
    float *b, *y, *prev; /* [rows, k] each */
    float *eigvec, *eigtmp; /* [k] each: the power iteration's vector, kept between calls */
} cj_sc_work;

cj_status cj_sc_work_init(cj_sc_work *w, int k, int d, int rows, cj_error *err);
void cj_sc_work_free(cj_sc_work *w);
/* G = D D^T and L = lambda_max(G) by power iteration, started from the
 * previous call's eigenvector (all ones the first time: deterministic), until
 * the estimate changes by less than 1e-6 of itself (at most 100 iterations).
 * During learning the atoms move little between batches, so a few
 * iterations suffice. L is raised 1% above the estimate. */
void cj_sc_work_set_dict(cj_sc_work *w, const float *dict);

/* Codes a [n, k] of x [n, d] (n <= w->rows) for the dictionary last given
 * to cj_sc_work_set_dict, by at most `iters` iterations of FISTA or LCA
 * started at a = 0; returns the number run. Both are matrix products
 * through BLAS over the whole batch: b = x D^T, gradient of the smooth part
 * at a: a G - b.
 * FISTA (Beck & Teboulle 2009, eq. 4.1-4.3): a_t = T(y - (y G - b)/L,
 *   lambda/L), s_{t+1} = (1 + sqrt(1 + 4 s_t^2))/2,
 *   y = a_t + ((s_t - 1)/s_{t+1})(a_t - a_{t-1}).
 * LCA (Rozell 2008, eq. 3.1 and 3.3), Euler steps of dt/tau = eta = 1/L:
 *   u <- u + eta (b - u - (a G - a)), a = T(u, lambda).
 * T is the soft threshold sign(v) max(|v| - t, 0), or max(v - t, 0) when
 * nonneg (the proximal map of t||a||_1 + indicator(a >= 0)).
 * FISTA stops early once an iteration changes the batch's codes by at
 * most tol of their norm, ||a_t - a_{t-1}||_F <= tol ||a_t||_F (tol = 0:
 * only at an exact fixed point); the batch is one problem, so its rows
 * stop together and the result does not depend on the other batches. LCA,
 * a model of neural dynamics, always runs its `iters` Euler steps. */
int cj_sc_encode(cj_sc_work *w, const float *dict, const float *x, int n, double lambda, int nonneg,
                 cj_sc_inference inference, int iters, double tol, float *a);

/* 1/2 ||x - a D||^2 + lambda ||a||_1 summed over the n rows, and the
 * squared residual alone in *sq; resid [n, d] gets x - a D. */
double cj_sc_objective(const float *dict, int k, int d, const float *x, int n, const float *a, double lambda,
                       float *resid, double *sq);

/* ---- dictionary learning ------------------------------------------------- */

/* One step on a mini-batch with codes a and residual r = x - a D:
 *   D_j <- D_j + lr (a^T r)_j / max((a^T a)_jj, 1e-8 + ...)   for every atom j,
 * the gradient of the batch's squared error scaled per atom by its own
 * curvature (a^T a)_jj, so lr = 1 is the exact minimiser along atom j
 * alone (the block-coordinate step of Mairal et al. 2010, JMLR 11:19, Alg.
 * 2, taken for all atoms at once) and the step does not depend on the
 * scale of the data or of the codes; then every atom renormalised to unit
 * norm (Olshausen & Field 1996 keep the atoms' norms fixed so that the
 * penalty cannot be cheated by shrinking codes and growing atoms). Atoms
 * unused in the batch ((a^T a)_jj = 0) do not move. scratch [k, d + k]. */
void cj_sc_dict_step(float *dict, int k, int d, const float *a, const float *r, int n, double lr, float *scratch);

/* Renormalise every row of dict [k, d] to unit Euclidean norm. */
void cj_sc_normalise(float *dict, int k, int d);

typedef struct {
    int epoch;
    double objective;   /* mean over the epoch's samples of 1/2||x - aD||^2 + lambda||a||_1 */
    double mse;         /* mean over samples and dims of (x - aD)^2 */
    double snr_db;      /* 10 log10(sum x^2 / sum (x - aD)^2) over the epoch */
    double nonzero;     /* mean fraction of non-zero coefficients */
    double iters;       /* mean inference iterations per mini-batch (at most opts.iters) */
    double seconds;     /* since the start */
} cj_sc_epoch;

/* Called after every epoch (may be NULL); non-zero stops the run (error
 * CJ_ERR_INTERRUPTED). */
typedef int (*cj_sc_progress)(void *ctx, const cj_sc_epoch *e);

typedef struct {
    int k, d;
    float *dict;          /* [k, d] unit-norm atoms */
    int n_epochs;
    cj_sc_epoch *history; /* [n_epochs] */
} cj_sc_model;

/* Learn D from x [n, d] (rows = samples): atoms start as seeded Gaussian
 * vectors of unit norm; each epoch visits the samples in a seeded random
 * order in mini-batches of o->batch (the last one smaller), codes each
 * batch with the current D (cj_sc_encode), adds its objective to the
 * epoch's, and takes one cj_sc_dict_step. The epoch's numbers are those
 * of the codes found during the epoch (each batch before its step), as
 * online dictionary learning reports them. Errors for bad options, n < 1,
 * non-finite samples or a NaN in the run. */
cj_status cj_sc_learn(const float *x, long n, int d, const cj_sc_opts *o, cj_sc_progress progress, void *ctx,
                      cj_sc_model *m, cj_error *err);
void cj_sc_model_free(cj_sc_model *m);

/* unmixing [k, d] = G^+ D, G = D D^T (pseudo-inverse through the
 * eigendecomposition, eigenvalues below 1e-6 of the largest dropped): the
 * rows of pinv(D^T), so x unmixing^T = argmin_a ||x - a D||^2 (of least
 * norm), the best *linear* code. The sparse code itself is not linear
 * (cj_sc_encode); this is the linear map scripts get in its place. */
cj_status cj_sc_unmixing(const float *dict, int k, int d, float *unmixing, cj_error *err);

/* Sparsity of codes a [n, k]: fraction of non-zeros, excess kurtosis of
 * all coefficients (E a^4 / (E a^2)^2 - 3, about 0 around zero), of the
 * non-zero ones, and per atom the fraction of samples using it. */
typedef struct {
    double nonzero, kurtosis, rms;
    double *atom_use; /* [k] */
} cj_sc_sparsity;

cj_status cj_sc_sparsity_of(const float *a, long n, int k, cj_sc_sparsity *s, cj_error *err);

/* ---- files -------------------------------------------------------------- */

/* Everything `cajal sparsecode` writes into dir (docs/outputs.md):
 * basis.npy, unmixing.npy, codes_sample.npy, metrics.jsonl, sparsity.json,
 * coefficients.csv, sparsity.png, filters.png and, when dewhiten [s*s, d]
 * is given, basis_image.npy and filters_image.png. x/n: samples used for
 * the sparsity statistics (coded again with the final dictionary). */
cj_status cj_sc_write(const char *dir, const cj_sc_opts *o, const cj_sc_model *m, const float *x, long n,
                      const float *dewhiten, int size, cj_error *err);

/* Grid of atoms [n, size*size] as grey squares, each on its own symmetric
 * scale (max |value| = black/white), into a PNG. */
cj_status cj_sc_write_grid(const char *png, const float *atoms, int n, int size, const char *title, cj_error *err);

#endif
