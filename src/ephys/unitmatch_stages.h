/* unitmatch_stages.h — the stages of cj_unitmatch_run that live in their
 * own files (private to src/ephys/; the public API is include/cajal/unitmatch.h). */
#ifndef CAJAL_EPHYS_UNITMATCH_STAGES_H
#define CAJAL_EPHYS_UNITMATCH_STAGES_H

#include "cajal/unitmatch.h"

/* match_training.c: the Naive Bayes training rows. The first n_within rows
 * are within-session pairs (session >= 0), the rest putative
 * across-session matches (session -1). */
typedef struct {
    size_t n, cap, n_within;
    float *sim, *dist, *dist_exact, *hand; /* hand: n x CJ_HANDMADE_N */
    unsigned char *label;                  /* 1 match, 0 non-match */
    unsigned char *use;                    /* bit 0: network models, bit 1: baseline */
    int *session;
    size_t *n_nonmatch;                    /* per session, before subsampling */
} cj_unitmatch_train;

void cj_unitmatch_train_free(cj_unitmatch_train *t);
/* Stage 1: within-session quasi-ground truth; fits r's three models and
 * sets r->self_match. */
cj_status cj_unitmatch_fit_within(const cj_unitmatch_opts *o, cj_rng *rng, cj_unitmatch_result *r,
                                  cj_unitmatch_train *t, cj_error *err);
/* Stage 2: add the putative across-session matches among r->pairs and refit. */
cj_status cj_unitmatch_refit(const cj_unitmatch_opts *o, cj_unitmatch_result *r, cj_unitmatch_train *t,
                             cj_error *err);
/* Within-session false-positive rates of r's current models. */
void cj_unitmatch_within_fp(const cj_unitmatch_opts *o, const cj_unitmatch_train *t, cj_unitmatch_result *r);

/* match_pairs.c: for every pair of sessions, drift, candidate pairs and
 * (with truth) evaluation; fills r->session_pairs, r->pairs and the pooled
 * r->eval. Needs r's positions, descriptors, embeddings and models. */
cj_status cj_unitmatch_score_pairs(const cj_ephys_session *sessions, const int *truth, const cj_unitmatch_opts *o,
                                   cj_unitmatch_result *r, cj_error *err);

/* tracking.c: "same tracked id" against "same neuron" over every
 * across-session pair of units. */
void cj_unitmatch_track_eval(const int *id, const int *truth, const int *first, int n_sessions,
                             cj_binary_scores *out);

/* match_pairs.c: precision, recall and F1 from the four counts. */
void cj_unitmatch_scores_finish(cj_binary_scores *s);

#endif
