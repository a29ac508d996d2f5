/* unitmatch.h — tracking the same neurons across recording sessions: unit
 * positions, the matching pipeline (waveform network + drift correction +
 * Naive Bayes), a hand-made-score baseline, tracked neuron ids and the
 * outputs of `cajal match` (method and outputs in docs/unit-matching.md).
 *
 * The method follows UnitMatch (van Beest et al. 2024, Nature Methods,
 * doi:10.1038/s41592-024-02440-1) with the waveform similarity learnt
 * (include/cajal/waveform_net.h) instead of hand-made:
 *   1. train the waveform network on every unit of every session and embed
 *      each unit's two half-session waveforms;
 *   2. fit the Naive Bayes of include/cajal/match.h on within-session
 *      quasi-ground truth (a unit's two halves = match, two different units
 *      within max_distance_um = non-match), with the distance taken from
 *      per-half centroids ("centroid") and, to show the pitfall, from the
 *      centroids of the mean waveform ("exact", every match at 0 µm);
 *   3. for every pair of sessions, estimate the rigid drift along the probe
 *      from mutual-best matches, correct it, rescore, repeat, and score
 *      every across-session pair within max_distance_um;
 *   4. refit: add the putative across-session matches (mutual best by
 *      similarity, well above within-session non-matches) to the match
 *      class, because a unit's two halves look far more alike than one
 *      neuron on two days (see src/ephys/match_training.c), then repeat 3;
 *   5. chain the matches into tracked neuron ids.
 *
 * Areas, one file each under src/ephys/:
 *   positions.c       where each unit is (amplitude-weighted centroids)
 *   baseline.c        hand-made scores and their own Naive Bayes
 *   unitmatch.c       the pipeline: network, stages in order, timings
 *   match_training.c  training pairs: within-session, putative across-session
 *   match_pairs.c     one pair of sessions: drift, candidates, evaluation
 *   tracking.c        tracked neuron ids (liberal, conservative)
 *   match_report.c    truth.csv in; matches.csv, units.csv, summary.json out
 *   match_figures.c   the PNG figures
 *
 * Memory: the sessions' waveforms dominate (samples x channels x 2 floats
 * per unit: 252 KB for 82 samples on 384 channels). Pairwise matrices are
 * float32 and exist for one pair of sessions (or one session) at a time per
 * thread (a few n_a n_b floats), never for all units at once; the
 * across-session pairs kept are only those within max_distance_um, and a
 * figure shows at most 1,000 units. */
#ifndef CAJAL_UNITMATCH_H
#define CAJAL_UNITMATCH_H

#include <stddef.h>

#include "cajal/ephys.h"
#include "cajal/match.h"
#include "cajal/rng.h"
#include "cajal/status.h"
#include "cajal/waveform_net.h"

/* ==== positions (src/ephys/positions.c) ==================================
 * A unit's location is the centroid of the channels of its own shank
 * within window_um of it along the probe, each weighted by its squared peak-to-peak amplitude, the
 * window recentred on the estimate (starting from the peak channel). The
 * channels are chosen on the mean of both halves; the centroid is then
 * taken of the mean ("exact") and of each half alone ("per half"). The two
 * per-half centroids of a unit differ by measurement noise only, which is
 * what makes them the right training data for the distance feature. */

typedef struct {
    float window_um; /* channels this far from the unit along the probe (default 100 µm) */
} cj_position_opts;

typedef struct {
    int peak_channel;                 /* largest peak-to-peak amplitude, mean of both halves */
    int shank;                        /* the peak channel's shank: the centroid uses only its
                                       * channels, and units on different shanks are never
                                       * candidate matches */
    float amp_uv;                     /* that amplitude, µV */
    float x_um, y_um;                 /* centroid of the mean of both halves ("exact") */
    float half_x_um[2], half_y_um[2]; /* centroid of each half alone */
} cj_unit_position;

void cj_position_defaults(cj_position_opts *o);
cj_status cj_position_check(const cj_position_opts *o, cj_error *err);
/* Positions of every unit of s into pos[0 .. s->n_units). */
cj_status cj_unit_positions(const cj_ephys_session *s, const cj_position_opts *o, cj_unit_position *pos,
                            cj_error *err);

/* ==== hand-made scores: the UnitMatch-style baseline (src/ephys/baseline.c)
 * What UnitMatch compares between two waveforms, computed per half so that
 * within-session training pairs carry measurement noise (the same fix as
 * the centroid distance). For two unit-halves the features are
 *   0 amplitude    |ln(a1 / a2)|, a the peak channel's peak-to-peak (µV)
 *   1 decay        |ln(l1 / l2)|, l the spatial decay length: least squares
 *                  fit of ln(amplitude) against distance from the centroid
 *                  over the channels within 100 µm of the peak channel
 *   2 correlation  Pearson r of the amplitude-weighted mean waveforms of the
 *                  channels within 50 µm of the peak channel (a
 *                  trough-aligned window of CJ_HANDMADE_WAVE samples)
 *   3 rmse         root mean squared difference of those waveforms, each
 *                  divided by its own peak-to-peak (shape only)
 *   4 distance     between the per-half centroids, µm (after drift correction)
 *   5 trajectory   RMS difference of the centroid trajectories (the centroid
 *                  of |w(t, c)| at CJ_HANDMADE_TRAJ times from the trough on,
 *                  relative to the unit's centroid), µm
 * and a Naive Bayes over all six (one KDE per feature and class, the
 * product of the likelihood ratios times the prior odds). */

enum { CJ_HANDMADE_N = 6, CJ_HANDMADE_WAVE = 41, CJ_HANDMADE_TRAJ = 10 };

typedef struct {
    float amp_uv[2];                        /* per half */
    float decay_um[2];
    float wave[2][CJ_HANDMADE_WAVE];        /* from 10 samples before the trough */
    float traj[2][CJ_HANDMADE_TRAJ][2];     /* (x, y) µm, every 3 samples from 6 before the trough */
    float x_um[2], y_um[2];                 /* per-half centroids (copied from the positions) */
} cj_handmade_unit;

/* Descriptors of every unit of s from its positions (cj_unit_positions). */
cj_status cj_handmade_describe(const cj_ephys_session *s, const cj_unit_position *pos, cj_handmade_unit *out,
                               cj_error *err);
/* Features of half ha of a against half hb of b, with b's positions moved
 * by -shift_y_um along the probe (drift correction). */
void cj_handmade_features(const cj_handmade_unit *a, int ha, const cj_handmade_unit *b, int hb, float shift_y_um,
                          float out[CJ_HANDMADE_N]);
/* The cross-validated features of a pair: the mean of (a half 0, b half 1)
 * and (a half 1, b half 0). For a == b this compares a unit's two halves. */
void cj_handmade_pair(const cj_handmade_unit *a, const cj_handmade_unit *b, float shift_y_um,
                      float out[CJ_HANDMADE_N]);

typedef struct {
    cj_kde kde[CJ_HANDMADE_N][2]; /* [feature][0 non-match, 1 match] */
    size_t n_train[2];
} cj_handmade_nb;

/* Fit to n training rows x[i * CJ_HANDMADE_N + k] labelled is_match[i]. */
cj_status cj_handmade_nb_fit(cj_handmade_nb *m, const float *x, const unsigned char *is_match, size_t n,
                             cj_error *err);
/* Log odds of a match, ln P/(1-P), given features x, with prior pi
 * (0 < pi < 1). */
double cj_handmade_nb_logit(const cj_handmade_nb *m, const float *x, double prior);
void cj_handmade_nb_free(cj_handmade_nb *m);

/* ==== the pipeline (src/ephys/unitmatch.c, match_training.c, match_pairs.c,
 *      tracking.c) ============================================================ */

/* The scores compared against truth. */
typedef enum {
    CJ_UM_NETWORK = 0,    /* network similarity alone, every pair (no position) */
    CJ_UM_NETWORK_FILTER, /* network similarity, pairs within max_distance_um after drift correction */
    CJ_UM_NB_EXACT,       /* Naive Bayes, distance from mean-waveform centroids (the pitfall) */
    CJ_UM_NB_CENTROID,    /* Naive Bayes, distance from per-half centroids (the fix; matches.csv) */
    CJ_UM_BASELINE,       /* Naive Bayes on the six hand-made scores (refitted the same way, its
                           * putative matches chosen by its own score) */
    CJ_UM_N_METHODS
} cj_unitmatch_method;

/* "network", "network_filter", "nb_exact", "nb_centroid", "baseline". */
const char *cj_unitmatch_method_name(int method);

typedef struct {
    float max_distance_um;   /* candidate pairs: centroids this close after drift correction (default 100) */
    float drift_window_um;   /* first drift round: mutual best similarity within this distance (default 200) */
    int drift_rounds;        /* rounds of correct-rescore-estimate after the first (default 2) */
    float threshold;         /* P > threshold is a match (default 0.5) */
    size_t max_train_pairs;  /* non-match training pairs kept, subsampled above (default 200000) */
    int threads;             /* pairs of sessions processed at once (default 1); the CLI also gives
                              * the network's BLAS this many */
    cj_position_opts positions;
    cj_wavenet_config net;
    cj_match_nb_opts nb;     /* prior is ignored: set per pair of sessions (below) */
    cj_drift_opts drift;
    /* Called once per finished stage with a one-line message (no newline);
     * NULL for silence. The library itself never prints. */
    void (*progress)(void *ctx, const char *msg);
    void *progress_ctx;
} cj_unitmatch_opts;

/* One across-session candidate pair (a row of matches.csv). */
typedef struct {
    int session_a, unit_a, session_b, unit_b; /* sessions[session_a].units[unit_a], session_a < session_b */
    float similarity;     /* network: mean of cos(a half 0, b half 1) and cos(a half 1, b half 0) */
    float distance;       /* µm: mean of the two cross-half centroid distances, after drift correction */
    float distance_exact; /* µm: between the mean-waveform centroids, after drift correction */
    float probability;    /* Naive Bayes centroid posterior */
    /* Log odds ln(P / (1 - P)) of the three Naive Bayes models: the same
     * order as P but without P's saturation at 0 and 1 in float, so AUCs
     * and rankings use them. */
    float logit, logit_exact, logit_baseline;
} cj_unitmatch_pair;

/* One method against truth. */
typedef struct {
    double auc;            /* candidate pairs only (within max_distance_um after correction) */
    double auc_all;        /* every pair of the two sessions; pairs past max_distance_um score
                            * lowest, except for CJ_UM_NETWORK which scores every pair */
    size_t n_called;       /* pairs called matches */
    cj_binary_scores scores; /* over every pair: true matches never offered count as misses */
} cj_unitmatch_eval;

typedef struct {
    int a, b;               /* session indices, a < b */
    float drift_um;         /* shift of b relative to a along the probe (y_b - y_a), µm */
    int drift_ok;           /* 0: too few confident pairs in the last round (previous estimate kept) */
    size_t drift_used, drift_inliers; /* mutual-best pairs used, biweight inliers (last round) */
    size_t n_candidates;    /* pairs within max_distance_um after correction */
    double prior;           /* min(n_a, n_b) / n_candidates */
    size_t n_called[CJ_UM_N_METHODS];
    /* Against truth (when given): */
    size_t n_true;          /* true matches among all n_a x n_b pairs */
    size_t n_true_candidates;
    cj_unitmatch_eval eval[CJ_UM_N_METHODS];
    cj_unitmatch_eval eval_within[CJ_UM_N_METHODS]; /* models fitted to within-session pairs only */
} cj_unitmatch_session_pair;

typedef struct {
    int n_sessions, n_units;
    int *first;               /* n_sessions + 1: session s holds global units first[s] .. first[s+1]-1 */
    cj_unit_position *pos;    /* n_units */
    cj_handmade_unit *hand;   /* n_units */
    int dim;
    float *emb;               /* n_units x 2 x dim, unit-norm embeddings per half */
    float ae_loss, nce_loss;  /* last epoch's training losses */
    cj_match_nb nb_exact, nb_centroid;          /* final models (after the refit) */
    cj_match_nb nb_exact_within, nb_centroid_within; /* fitted to within-session pairs only */
    cj_handmade_nb nb_baseline;
    size_t n_train[2];        /* training pairs of the network's models: non-matches, matches */
    size_t n_putative[2];     /* putative across-session matches added: network models, baseline */

    /* Quality, per session and over all (checks a user makes first). */
    double *self_match;       /* n_sessions: fraction of units whose best cross-half match is themselves */
    double *within_fp;        /* n_sessions: fraction of different-unit pairs within max_distance_um
                               * with P(centroid) > threshold */
    double *within_fp_exact;  /* the same for the exact-distance Naive Bayes */
    double self_match_all, within_fp_all, within_fp_exact_all;

    int n_session_pairs;
    cj_unitmatch_session_pair *session_pairs; /* (0,1), (0,2), ..., (1,2), ... */
    size_t n_pairs;
    cj_unitmatch_pair *pairs; /* every candidate pair, grouped by session pair in the order above */

    int *liberal_id, *conservative_id; /* n_units, tracked neuron ids from 1 */
    int n_liberal, n_conservative;

    /* Against truth (when given): pooled over all session pairs. */
    int evaluated;
    size_t n_true, n_true_candidates;
    cj_unitmatch_eval eval[CJ_UM_N_METHODS];
    /* The same for the models fitted to within-session pairs only (before
     * the refit of the similarity densities), indexed by method. */
    cj_unitmatch_eval eval_within[CJ_UM_N_METHODS];
    /* Tracking: over across-session unit pairs, "same tracked id" against
     * "same neuron". */
    cj_binary_scores track_liberal, track_conservative;

    /* Seconds per stage. */
    double t_positions, t_train, t_embed, t_fit, t_pairs, t_refit, t_tracking;
} cj_unitmatch_result;

void cj_unitmatch_defaults(cj_unitmatch_opts *o);
cj_status cj_unitmatch_check(const cj_unitmatch_opts *o, cj_error *err);

/* Run the pipeline on n_sessions >= 2 loaded sessions. truth is NULL or
 * gives the neuron of every unit, truth[first[s] + u] (global numbering as
 * in result->first), from cj_unitmatch_truth_read. All randomness (network
 * training, subsampling) comes from rng. On failure *r is left empty (safe
 * to free). */
cj_status cj_unitmatch_run(const cj_ephys_session *sessions, int n_sessions, const int *truth,
                           const cj_unitmatch_opts *o, cj_rng *rng, cj_unitmatch_result *r, cj_error *err);
void cj_unitmatch_free(cj_unitmatch_result *r);

/* ---- helpers the stages share (exposed for tests and figures) ---------- */

/* sim[i * n_b + j] = 0.5 (ea[i,0] . eb[j,1] + ea[i,1] . eb[j,0]) for
 * embeddings laid out as cj_wavenet_embed writes them. With ea == eb the
 * diagonal is cos(half 0, half 1) of each unit. */
void cj_unitmatch_similarity(const float *ea, int n_a, const float *eb, int n_b, int dim, float *sim);
/* The cross-half centroid distance of a pair, b moved by -shift_y_um. */
float cj_unitmatch_half_distance(const cj_unit_position *a, const cj_unit_position *b, float shift_y_um);
/* P(match | similarity) alone: the Naive Bayes's similarity densities with
 * prior pi. */
float cj_unitmatch_sim_posterior(const cj_match_nb *m, float sim, double prior);
/* Log odds ln P/(1-P) of the Naive Bayes with prior pi, through the grids
 * (cj_match_nb_posterior is 1 / (1 + exp(-logit))). */
double cj_unitmatch_nb_logit(const cj_match_nb *m, float sim, float dist, double prior);

/* Tracked neuron ids from the candidate pairs (P = probability):
 *   liberal       connected components of the pairs with P > threshold;
 *   conservative  UnitMatch's serial assignment: pairs with P > threshold
 *                 in order of decreasing P join two groups only when every
 *                 pair across the two groups is itself a match (P >
 *                 threshold; pairs not offered, e.g. in the same session,
 *                 count as non-matches), so each group is a clique with at
 *                 most one unit per session.
 * Ids run from 1 in order of each group's first unit. */
cj_status cj_unitmatch_track(const cj_unitmatch_pair *pairs, size_t n_pairs, const int *first, int n_sessions,
                             float threshold, int *liberal_id, int *conservative_id, int *n_liberal,
                             int *n_conservative, cj_error *err);

/* ==== files (src/ephys/match_report.c, match_figures.c) ================= */

/* Read "session,unit,neuron" (as cajal ephys simulate writes it) into
 * neuron[first[s] + u] for every loaded unit. Rows about other sessions or
 * units are ignored; a loaded unit missing from the file is an error
 * naming it. */
cj_status cj_unitmatch_truth_read(const char *path, const cj_ephys_session *sessions, int n_sessions,
                                  int *neuron, cj_error *err);

/* matches.csv, units.csv and summary.json in dir (which must exist),
 * each written atomically. opts is recorded in summary.json; seed likewise. */
cj_status cj_unitmatch_write(const char *dir, const cj_ephys_session *sessions, const cj_unitmatch_result *r,
                             const cj_unitmatch_opts *o, unsigned long long seed, double total_seconds,
                             cj_error *err);

/* The figures, as PNG in dir:
 *   quality.png               split-half self-match and within-session
 *                             false-positive rates per session
 *   methods.png               per pair of sessions: AUC and matches per method
 *                             (AUC panel only with truth)
 *   distributions.png         the Naive Bayes densities: similarity, exact
 *                             distance (the pitfall), centroid distance
 *   matrices_<A>_<B>.png      for each pair of consecutive sessions: the
 *                             2x2-block similarity, distance and match
 *                             probability matrices, units sorted by depth
 * Paths written are reported through o->progress. */
cj_status cj_unitmatch_figures(const char *dir, const cj_ephys_session *sessions, const cj_unitmatch_result *r,
                               const cj_unitmatch_opts *o, cj_error *err);

#endif
