/* hopfield.h — associative memories: the classic binary Hopfield network
 * (Hopfield 1982) and the modern continuous one (Ramsauer et al. 2020).
 *
 * Classic network: N units s_i = +-1 (stored as floats), symmetric weights
 * W [N, N] row-major with a zero diagonal, energy E = -1/2 s^T W s. Patterns
 * are the rows of xi [P, N] (+-1). Storage rules:
 *   hebb  W = (1/N) sum_mu xi^mu xi^mu^T, diagonal set to 0 (Hopfield 1982);
 *   pinv  W = (1/N) Xi^T C^-1 Xi with C = Xi Xi^T / N, the projection onto
 *         the patterns' span (Personnaz, Guyon & Dreyfus 1985; Kanter &
 *         Sompolinsky 1987), diagonal set to 0 as well: every stored pattern
 *         stays a fixed point while W_ii < 1 (W_ii is about P/N), and the
 *         zero diagonal widens the basins (Kanter & Sompolinsky 1987).
 * A unit's update is s_i = sign(h_i), h = W s; h_i = 0 leaves s_i as it is.
 *
 * Modern network: patterns are the rows of X [P, N] (real valued); one
 * update of a state xi is xi <- X^T softmax(beta X xi) (Ramsauer et al.
 * 2020, eq. 3, with the patterns as columns there). */
#ifndef CAJAL_HOPFIELD_H
#define CAJAL_HOPFIELD_H

#include <stdint.h>

#include "cajal/rng.h"
#include "cajal/status.h"

typedef enum { CJ_HOPFIELD_HEBB, CJ_HOPFIELD_PINV } cj_hopfield_rule;

/* "hebb" or "pinv"; anything else is CJ_ERR_ARG naming the value. */
cj_status cj_hopfield_rule_parse(const char *name, cj_hopfield_rule *rule, cj_error *err);
const char *cj_hopfield_rule_name(cj_hopfield_rule rule);

/* W [N, N] from P patterns xi [P, N] of +-1. pinv fails (CJ_ERR_NUMERIC)
 * when the patterns are linearly dependent (e.g. P > N): C is singular. */
cj_status cj_hopfield_store(const float *xi, int P, int N, cj_hopfield_rule rule, float *W, cj_error *err);

/* E = -1/2 s^T W s. */
double cj_hopfield_energy(const float *W, const float *s, int N);

/* Asynchronous dynamics: sweeps of single-unit updates in a fresh random
 * order (from rng) each sweep, until a sweep changes no unit (a fixed
 * point) or max_sweeps sweeps. The local fields h [N] are kept up to date
 * incrementally (one row of W per flip), so a sweep costs O(N) plus O(N)
 * per flip. scratch: h [N] floats, order [N] ints. When energy is not
 * NULL it gets E after every single-unit update, energy[k] for update k
 * (room for max_sweeps * N + 1 values; energy[0] is the start). Returns
 * the sweeps run; *converged (may be NULL) is 1 at a fixed point. */
int cj_hopfield_run_async(const float *W, int N, float *s, int max_sweeps, cj_rng *rng, float *h, int *order,
                          double *energy, int *converged);

/* Synchronous dynamics: s <- sign(W s) for all units at once, until s no
 * longer changes or max_steps steps (it may end in a 2-cycle, which is why
 * it can stop without converging). scratch [N]. Returns the steps run. */
int cj_hopfield_run_sync(const float *W, int N, float *s, int max_steps, float *scratch, int *converged);

/* Flip round(frac * N) distinct units of s, chosen by rng (frac in [0, 1]).
 * order: scratch [N] ints. */
void cj_hopfield_corrupt(float *s, int N, double frac, cj_rng *rng, int *order);

/* Number of units where a and b differ in sign. */
int cj_hopfield_bit_errors(const float *a, const float *b, int N);

/* ---- capacity sweep ------------------------------------------------------ */
typedef struct {
    int units;            /* N */
    int n_loads;
    const double *loads;  /* [n_loads] P/N; P = round(load * N), at least 1 */
    cj_hopfield_rule rule;
    double cue_flip;      /* fraction of bits flipped in each start state (0: the stored pattern itself) */
    double max_error;     /* recalled when final bit errors <= max_error * N (0.01) */
    int max_sweeps;       /* asynchronous sweeps per recall (e.g. 100) */
    int trials;           /* independent networks per load, pooled (0 means 1) */
    uint64_t seed;
} cj_hopfield_capacity_opts;

/* For each load: P random +-1 patterns (each bit +-1 with probability 1/2),
 * stored by opts->rule, each recalled by asynchronous dynamics from itself
 * (or a corrupted copy); recall[k] is the fraction recalled, bit_error[k]
 * (may be NULL) the mean final bit-error fraction, both pooled over
 * o->trials independent networks per load. Every load has its own
 * random stream split from the seed in order, so the result depends only
 * on the options. */
cj_status cj_hopfield_capacity(const cj_hopfield_capacity_opts *o, double *recall, double *bit_error,
                               cj_error *err);

/* The load where recall first falls through 0.5, linearly interpolated
 * between the two grid points around it; NaN when it never does. */
double cj_hopfield_transition(const double *loads, const double *recall, int n);

/* capacity.csv (load,recall_fraction), capacity.json and capacity.png
 * (recall against load with the 0.138 line of Amit, Gutfreund & Sompolinsky
 * 1985) in dir, all atomic. */
cj_status cj_hopfield_capacity_write(const char *dir, const cj_hopfield_capacity_opts *o, const double *recall,
                                     const double *bit_error, cj_error *err);

/* ---- modern (continuous) Hopfield network ---------------------------------- */

/* One update of Q states at once: out[q] = X^T softmax(beta X xi[q]).
 * X [P, N], xi [Q, N], out [Q, N], scratch [Q, P]. xi and out may not
 * overlap. */
void cj_hopfield_modern_update(const float *X, int P, int N, float beta, const float *xi, int Q, float *out,
                               float *scratch);

typedef struct {
    int patterns;      /* P: the first P images are stored */
    int cues;          /* how many stored images are cued (at random, seeded); <= P */
    float beta;
    int steps;         /* updates per cue (1 is usually enough: Ramsauer et al. 2020, thm. 4) */
    int binary;        /* store pixels > 0.5 as +1, others -1 (else 2 pixel - 1, grey levels kept) */
    uint64_t seed;
} cj_hopfield_modern_opts;

typedef struct {
    int n_cues;
    int *target;       /* [n_cues] index of the stored image cued */
    int *nearest;      /* [n_cues] the stored image nearest (Euclidean) to the result */
    double *pixel_err; /* [n_cues] mean |result - target| over all pixels, in [0, 1] pixel units */
    double *masked_err;/* [n_cues] the same over the masked (lower) half only */
    float *cue, *result;  /* [n_cues, N] in [0, 1] pixel units */
    double fraction;   /* of cues whose nearest stored image is the target */
} cj_hopfield_modern_result;

/* Store the first o->patterns images of `images` ([n, H*W] pixels in
 * [0, 1]), mapped to [-1, 1] (o->binary: to -1 or +1, cj_hopfield_pixel);
 * cue o->cues of them with the lower half
 * (rows H/2..H-1) set to 0, the middle of that range; run o->steps updates
 * and compare. Images beyond P are not used. */
cj_status cj_hopfield_modern_retrieve(const float *images, int n, int H, int W, const cj_hopfield_modern_opts *o,
                                      cj_hopfield_modern_result *r, cj_error *err);
/* A pixel in [0, 1] as a stored value in [-1, 1]. Binary: the dot
 * product with a cue then peaks at the cued pattern itself (no stored
 * pattern can match the cue's +-1 pixels better), which grey levels do not
 * guarantee: a brighter, saturated image can outscore a grey target. */
static inline float cj_hopfield_pixel(float p, int binary)
{
    return binary ? (p > 0.5f ? 1.0f : -1.0f) : 2.0f * p - 1.0f;
}

void cj_hopfield_modern_result_free(cj_hopfield_modern_result *r);

/* retrieval.csv (cue,target,nearest,correct,pixel_error,masked_error),
 * retrieval.json and retrieval.png (cues, results and targets of the first
 * cues) in dir, all atomic. */
cj_status cj_hopfield_modern_write(const char *dir, const cj_hopfield_modern_opts *o, int H, int W,
                                   const float *images, const cj_hopfield_modern_result *r, cj_error *err);

#endif
