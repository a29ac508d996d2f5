/* fixedpoints.h — fixed and slow points of a recurrent network, as in
 * Sussillo & Barak 2013 (Neural Comput. 25:626) and the FixedPointFinder
 * package (Golub & Sussillo 2018, JOSS 3:1003).
 *
 * A trained network with its input held at a constant u is a map
 * F: R^N -> R^N on its state, x_{t+1} = F(x_t). Its fixed points x* = F(x*)
 * and slow points (local minima of the speed with F(x) ≈ x) are found by
 * minimising
 *
 *     q(x) = ½ ‖F(x) − x‖²                      (Sussillo & Barak, eq. 2.2)
 *
 * from many initial states (usually states the network visits on the task),
 * then merged, filtered and linearised:
 *
 *     cj_fp_system sys;                        // F of layer 0 at input u
 *     cj_fp_layer_system(&m.layers[0], u, &sys, &err);
 *     cj_fp_options o;
 *     cj_fp_options_default(&o);
 *     cj_fp_result res;
 *     cj_fp_find(&sys, init, n_inits, &o, &res, &err);   // init [n_inits, N]
 *     for (int k = 0; k < res.n_points; k++)
 *         if (res.points[k].q < 1e-6) ... res.points[k].modes.kind ...
 *     cj_fp_result_free(&res);
 *     cj_fp_system_free(&sys);
 *
 * Method. FixedPointFinder minimises q with Adam on its gradient. Here each
 * initial state runs Levenberg–Marquardt on the residual r(x) = F(x) − x
 * (Levenberg 1944; Marquardt 1963; the damping schedule of Nielsen 1999,
 * Madsen, Nielsen & Tingleff 2004, "Methods for non-linear least squares
 * problems", §3.2): the step solves (J_rᵀJ_r + λI) δ = −J_rᵀ r with
 * J_r = dF/dx − I. Why: near a fixed point whose J_r is regular this is
 * Newton's method and converges quadratically, so q falls from 1e-4 to
 * below the 1e-12 tolerance in a handful of iterations in double precision,
 * where Adam's linear convergence needs thousands and stalls at the size of
 * its step; far away, λ grows and the step becomes a short gradient step on
 * q (J_rᵀ r = ∇q), so it still descends. It minimises q rather than solving
 * r = 0, so it also settles on slow points (∇q = 0 with q > 0), which it
 * reports with their q (a slow point usually ends CJ_FP_STOP_STALLED: its
 * q is too large for a decrease of tol_dq = 1e-20 to be seen in double).
 * With relu units q is only piecewise smooth, and a run may also stall on
 * a kink (a unit's state exactly at 0) where ∇q ≠ 0; its q, usually far
 * above any fixed point's, tells it apart. The price is a Jacobian and an
 * N×N Cholesky solve per iteration, O(N³): small for the N ≤ a few hundred
 * of cognitive-task networks. The callbacks of one system share scratch
 * memory: one search per system at a time.
 *
 * Everything is double precision: the adapters convert the layer's float
 * parameters once and evaluate F, and its Jacobian, in double, so q can
 * reach 1e-12 (a float forward pass alone leaves q ~ 1e-14 N at best).
 *
 * Nothing here prints or keeps global state; cj_fp_find is deterministic
 * given its initial states and options (the seed drives the optional noise
 * on the initial states). */
#ifndef CAJAL_FIXEDPOINTS_H
#define CAJAL_FIXEDPOINTS_H

#include <stdint.h>

#include "cajal/layers.h"
#include "cajal/status.h"

/* ---- the map ---------------------------------------------------------------
 * F on a batch of states: x [batch, n] -> fx [batch, n], row-major; and
 * optionally its Jacobian jac [batch, n, n] with jac[b][i][j] = dF_i/dx_j
 * at row b. A callback must accept any batch from 1 to max_batch (0: any).
 * Without a Jacobian the finder takes central differences through map,
 * 2n perturbed states per point in batched calls (cj_fp_jacobian). */
typedef void (*cj_fp_map_fn)(void *user, const double *x, double *fx, int batch);
typedef void (*cj_fp_jacobian_fn)(void *user, const double *x, double *jac, int batch);

typedef struct {
    int n;                      /* state dimension N */
    cj_fp_map_fn map;           /* required */
    cj_fp_jacobian_fn jacobian; /* NULL: central differences */
    int max_batch;              /* the largest batch the callbacks take; 0 = no limit */
    void *user;
} cj_fp_system;

/* ---- options (FixedPointFinder's defaults) --------------------------------- */
typedef struct {
    double tol_q;       /* stop a run when q < tol_q (1e-12) */
    double tol_dq;      /* ... or when an accepted step lowers q by less (1e-20) */
    int max_iters;      /* ... or after this many trial steps (5000; LM rarely needs 50) */
    /* Runs ending within tol_unique (Euclidean distance) of each other are
     * one point; FixedPointFinder's get_unique: scanning in order, each
     * point not yet merged collects every unmerged point within tol_unique
     * and keeps the one with the smallest q (1e-3). 0 merges only equal
     * points. */
    double tol_unique;
    /* Drop points farther from the centroid of the initial states than
     * outlier_distance_scale times the initial states' mean distance to that
     * centroid (FixedPointFinder's identify_distance_non_outliers; 10).
     * 0 keeps every point, as does a spread of 0 (a single initial state,
     * or all equal). */
    double outlier_distance_scale;
    /* Gaussian noise of this standard deviation added to every initial
     * state before the search, from `seed` (FixedPointFinder's noise_scale,
     * default 0: none). */
    double noise_scale;
    uint64_t seed;
    /* Central-difference step, relative: h_j = fd_step * max(1, |x_j|),
     * when the system has no Jacobian (1e-5: truncation error h² ~ 1e-10
     * against rounding 1e-16/h ~ 1e-11). */
    double fd_step;
    /* Compute each unique point's Jacobian and its eigen-decomposition (1). */
    int decompose;
} cj_fp_options;

void cj_fp_options_default(cj_fp_options *o);

/* ---- linearisation --------------------------------------------------------- */
/* A discrete-time map's fixed point is stable when every eigenvalue of
 * dF/dx lies inside the unit circle, unstable when every one lies outside,
 * a saddle with some of each; marginal otherwise (|λ| = 1 exactly, with
 * none outside or none inside). */
typedef enum { CJ_FP_STABLE, CJ_FP_UNSTABLE, CJ_FP_SADDLE, CJ_FP_MARGINAL } cj_fp_kind;

const char *cj_fp_kind_name(cj_fp_kind k); /* "stable", "unstable", "saddle", "marginal" */

/* The caller points re, im and the four vectors at n doubles each. */
typedef struct {
    double *re, *im;   /* eigenvalues, |λ| descending (ties: larger re, then larger im first) */
    cj_fp_kind kind;
    int n_unstable;    /* eigenvalues with |λ| > 1: the unstable modes */
    /* The slowest mode: the eigenvalue nearest 1 (|λ − 1| smallest; a line
     * attractor's), its index in re/im, and its right eigenvector v
     * (J v = λ v, unit norm, largest entry real and positive) and left
     * eigenvector w (wᴴ J = λ wᴴ) scaled so that wᴴ v = 1. w is Mante et
     * al. 2013's selection vector (Nature 503:78): an input pulse p moves
     * the state along the line by (wᴴ p) v. Imaginary parts are 0 for a
     * real eigenvalue. */
    int slow;
    double slow_re, slow_im;
    double *right_re, *right_im, *left_re, *left_im;
} cj_fp_modes;

/* Eigen-decomposition of jac [n, n] (row-major, J_ij = dF_i/dx_j) by
 * LAPACK's dgeev. Fails on n < 1, a non-finite entry or no convergence. */
cj_status cj_fp_modes_compute(const double *jac, int n, cj_fp_modes *m, cj_error *err);

/* The Jacobian of sys at `batch` states x [batch, n] into jac
 * [batch, n, n]: the system's own, or central differences with relative
 * step fd_step (0: 1e-5) through batched calls of map. */
cj_status cj_fp_jacobian(const cj_fp_system *sys, const double *x, int batch, double fd_step, double *jac,
                         cj_error *err);

/* ---- the search ------------------------------------------------------------ */
typedef enum {
    CJ_FP_STOP_Q,      /* q < tol_q: a fixed point */
    CJ_FP_STOP_DQ,     /* progress below tol_dq: a slow point, or a fixed point at rounding level */
    CJ_FP_STOP_ITERS,  /* max_iters reached */
    CJ_FP_STOP_STALLED /* no step lowers q any more (λ grew past 1e30): q's rounding floor */
} cj_fp_stop;

typedef struct {
    const double *x;    /* [n] */
    double q;           /* ½‖F(x) − x‖²: the caller's threshold tells fixed from slow */
    int run;            /* the run (initial state) it came from */
    int n_merged;       /* runs that ended here (within tol_unique) */
    int iters;
    cj_fp_stop stop;
    const double *jacobian; /* [n, n], when options.decompose (else NULL) */
    cj_fp_modes modes;      /* when options.decompose */
} cj_fixed_point;

typedef struct {
    int n, n_inits;
    /* Every run, in the order of the initial states. */
    double *init;        /* [n_inits, n] the initial states used (noise included) */
    double *x_all;       /* [n_inits, n] where each run ended */
    double *q_all;       /* [n_inits] */
    int *iters_all;      /* [n_inits] */
    cj_fp_stop *stop_all;
    int n_unique;        /* points after merging, before outlier removal */
    int n_outliers;      /* unique points dropped as distance outliers */
    /* The unique points kept, in the order of their first run. */
    int n_points;
    cj_fixed_point *points;
    double *buf;         /* owns what the points' pointers show */
} cj_fp_result;

/* Run the search from init [n_inits, n] (the system's state layout: see
 * the adapters) and fill res (free it with cj_fp_result_free, also after
 * a failure). Fails with CJ_ERR_ARG on a bad argument or option, naming
 * it, and CJ_ERR_NUMERIC when F is not finite at an initial state. */
cj_status cj_fp_find(const cj_fp_system *sys, const double *init, int n_inits, const cj_fp_options *opt,
                     cj_fp_result *res, cj_error *err);
void cj_fp_result_free(cj_fp_result *res);

/* q(x) = ½‖F(x) − x‖² of n states x [n, N] into q [n], in batches of
 * the system's max_batch: how fast the network moves there. */
cj_status cj_fp_speeds(const cj_fp_system *sys, const double *x, int n, double *q, cj_error *err);

/* Separate attractors or one line of slow points? The chain through
 * points [n, N] (n >= 2; e.g. the slow points a search kept), ordered
 * along their first principal component, sampled `steps` times per link:
 * path [(n − 1) steps + 1, N] gets the states (the points themselves at
 * every steps-th row) and q [same] their q(x) = ½‖F(x) − x‖². Small q all
 * along the chain (against the task's speed) makes the points samples of
 * one slow manifold: an approximate line attractor (Mante et al. 2013);
 * a rise between two points makes them separate attractors. */
cj_status cj_fp_chain(const cj_fp_system *sys, const double *points, int n, int steps, double *path, double *q,
                      cj_error *err);

/* ---- adapters: a cajal layer at constant input ----------------------------
 * F is one step of the layer with input u [l->in.c] (NULL: zeros) held
 * fixed, in double precision from the layer's parameters as they are now
 * (copied: later changes to the model do not reach sys):
 *
 *   rate RNN (cj_rnn_ops), state x [H] (the layer's state, not the rate):
 *     F(x) = (1 − α) x + α (W_eff f(x) + W_ih u + b_ih + b_hh), no noise;
 *     dF/dx = (1 − α) I + α W_eff diag(f'(x)), analytic. W_eff = W_hh, or
 *     [W_hh]_+ D under Dale's law (rnn_layer.c: the first
 *     cj_rnn_layer_excitatory(l) presynaptic units excitatory, the rest
 *     inhibitory). The layer is not run: its state and streams stay.
 *   GRU (cj_gru_ops), state h [H]: torch.nn.GRUCell, analytic Jacobian.
 *   LSTM (cj_lstm_ops), state [h, c] [2H] per sample (h then c):
 *     torch.nn.LSTMCell, analytic Jacobian.
 *
 * Fails with CJ_ERR_ARG for any other layer, naming it. */
cj_status cj_fp_layer_system(cj_layer *l, const float *u, cj_fp_system *sys, cj_error *err);
void cj_fp_system_free(cj_fp_system *sys);

#endif
