/* unitmatch.c — the unit-matching pipeline (see include/cajal/unitmatch.h
 * and docs/unit-matching.md): positions and hand-made descriptors, the
 * waveform network, the Naive Bayes models fitted on within-session
 * quasi-ground truth with the quality checks that come with it, then the
 * pairs of sessions (match_pairs.c) and tracking (tracking.c). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unitmatch_stages.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void report(const cj_unitmatch_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(const cj_unitmatch_opts *o, const char *fmt, ...)
{
    if (!o->progress) return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->progress(o->progress_ctx, msg);
}

const char *cj_unitmatch_method_name(int method)
{
    static const char *const names[CJ_UM_N_METHODS] = {"network", "network_filter", "nb_exact", "nb_centroid",
                                                       "baseline"};
    return method >= 0 && method < CJ_UM_N_METHODS ? names[method] : "?";
}

void cj_unitmatch_defaults(cj_unitmatch_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_distance_um = 100.0f;
    o->drift_window_um = 200.0f;
    o->drift_rounds = 2;
    o->threshold = 0.5f;
    o->max_train_pairs = 200000;
    o->threads = 1;
    cj_position_defaults(&o->positions);
    cj_wavenet_defaults(&o->net);
    cj_match_nb_defaults(&o->nb);
    cj_drift_defaults(&o->drift);
}

cj_status cj_unitmatch_check(const cj_unitmatch_opts *o, cj_error *err)
{
    if (!(o->max_distance_um > 0.0f && o->max_distance_um <= 10000.0f))
        return cj_fail(err, CJ_ERR_ARG, "max distance = %g um: must be in (0, 10000]", (double)o->max_distance_um);
    if (!(o->drift_window_um > 0.0f && o->drift_window_um <= 10000.0f))
        return cj_fail(err, CJ_ERR_ARG, "drift window = %g um: must be in (0, 10000]", (double)o->drift_window_um);
    if (o->drift_rounds < 0 || o->drift_rounds > 20)
        return cj_fail(err, CJ_ERR_ARG, "drift rounds = %d: must be in 0..20", o->drift_rounds);
    if (!(o->threshold > 0.0f && o->threshold < 1.0f))
        return cj_fail(err, CJ_ERR_ARG, "threshold = %g: must be in (0, 1)", (double)o->threshold);
    if (o->max_train_pairs < 100)
        return cj_fail(err, CJ_ERR_ARG, "max training pairs = %zu: must be at least 100", o->max_train_pairs);
    if (o->threads < 1 || o->threads > 1024)
        return cj_fail(err, CJ_ERR_ARG, "threads = %d: must be in 1..1024", o->threads);
    cj_status st = cj_position_check(&o->positions, err);
    if (!st) st = cj_wavenet_check(&o->net, err);
    return st;
}

/* ---- stage 1: where the units are, what they look like ------------------- */

static cj_status describe_units(const cj_ephys_session *sessions, const cj_unitmatch_opts *o, cj_unitmatch_result *r,
                                cj_error *err)
{
    r->pos = malloc(sizeof *r->pos * (size_t)r->n_units);
    r->hand = malloc(sizeof *r->hand * (size_t)r->n_units);
    if (!r->pos || !r->hand) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d units", r->n_units);
    for (int s = 0; s < r->n_sessions; s++) {
        cj_status st = cj_unit_positions(&sessions[s], &o->positions, r->pos + r->first[s], err);
        if (!st) st = cj_handmade_describe(&sessions[s], r->pos + r->first[s], r->hand + r->first[s], err);
        if (st) return st;
    }
    return CJ_OK;
}

/* ---- stage 2: the waveform network --------------------------------------- */

static cj_status train_and_embed(const cj_ephys_session *sessions, const cj_unitmatch_opts *o, cj_rng *rng,
                                 cj_unitmatch_result *r, cj_error *err)
{
    double t0 = now_seconds();
    cj_wavenet net;
    cj_status st = cj_wavenet_train(&net, sessions, r->n_sessions, &o->net, rng, err);
    if (st) return st;
    r->t_train = now_seconds() - t0;
    r->ae_loss = net.ae_loss && o->net.ae_epochs ? net.ae_loss[o->net.ae_epochs - 1] : NAN;
    r->nce_loss = net.nce_loss && o->net.nce_epochs ? net.nce_loss[o->net.nce_epochs - 1] : NAN;
    report(o, "trained the waveform network on %d units: autoencoder %d epochs (%.1f s), contrastive %d epochs, "
              "loss %.3f (%.1f s)",
           r->n_units, o->net.ae_epochs, net.ae_seconds, o->net.nce_epochs, (double)r->nce_loss, net.nce_seconds);
    t0 = now_seconds();
    r->dim = cj_wavenet_dim(&net);
    r->emb = malloc(sizeof(float) * (size_t)r->n_units * 2 * r->dim);
    if (!r->emb) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d x 2 x %d embeddings", r->n_units, r->dim);
    for (int s = 0; s < r->n_sessions && !st; s++)
        st = cj_wavenet_embed(&net, &sessions[s], r->emb + (size_t)r->first[s] * 2 * r->dim, err);
    cj_wavenet_free(&net);
    r->t_embed = now_seconds() - t0;
    return st;
}

/* ---- the whole pipeline --------------------------------------------------- */

void cj_unitmatch_free(cj_unitmatch_result *r)
{
    free(r->first);
    free(r->pos);
    free(r->hand);
    free(r->emb);
    cj_match_nb_free(&r->nb_exact);
    cj_match_nb_free(&r->nb_centroid);
    cj_match_nb_free(&r->nb_exact_within);
    cj_match_nb_free(&r->nb_centroid_within);
    cj_handmade_nb_free(&r->nb_baseline);
    free(r->self_match);
    free(r->within_fp);
    free(r->within_fp_exact);
    free(r->session_pairs);
    free(r->pairs);
    free(r->liberal_id);
    free(r->conservative_id);
    memset(r, 0, sizeof *r);
}

static cj_status setup(const cj_ephys_session *sessions, int n_sessions, cj_unitmatch_result *r, cj_error *err)
{
    r->n_sessions = n_sessions;
    r->first = malloc(sizeof(int) * ((size_t)n_sessions + 1));
    r->self_match = calloc((size_t)n_sessions, sizeof(double));
    r->within_fp = calloc((size_t)n_sessions, sizeof(double));
    r->within_fp_exact = calloc((size_t)n_sessions, sizeof(double));
    if (!r->first || !r->self_match || !r->within_fp || !r->within_fp_exact)
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d sessions", n_sessions);
    r->first[0] = 0;
    for (int s = 0; s < n_sessions; s++) {
        const cj_ephys_session *x = &sessions[s];
        if (x->n_units < 1)
            return cj_fail(err, CJ_ERR_ARG, "session %s has no good units", x->name ? x->name : "?");
        if (s && (x->n_channels != sessions[0].n_channels))
            return cj_fail(err, CJ_ERR_SHAPE, "session %s has %d channels, session %s %d: one probe layout expected",
                           x->name, x->n_channels, sessions[0].name, sessions[0].n_channels);
        if (s && x->n_shanks != sessions[0].n_shanks)
            return cj_fail(err, CJ_ERR_SHAPE, "session %s has %d shanks, session %s %d: one probe layout expected",
                           x->name, x->n_shanks, sessions[0].name, sessions[0].n_shanks);
        r->first[s + 1] = r->first[s] + x->n_units;
    }
    r->n_units = r->first[n_sessions];
    return CJ_OK;
}

/* Stage 4: refit the similarity densities with the putative across-session
 * matches (the distance densities stay the within-session ones; see
 * match_training.c) and score every pair of sessions again, keeping the
 * first pass's evaluation as eval_within. */
static cj_status refit_and_rescore(const cj_ephys_session *sessions, const int *truth, const cj_unitmatch_opts *o,
                                   cj_unitmatch_result *r, cj_unitmatch_train *train, cj_error *err)
{
    memcpy(r->eval_within, r->eval, sizeof r->eval);
    cj_status st = cj_unitmatch_refit(o, r, train, err);
    if (st) return st;
    cj_unitmatch_session_pair *first_pass = r->session_pairs;
    free(r->pairs);
    r->pairs = NULL, r->session_pairs = NULL;
    r->n_pairs = 0, r->n_session_pairs = 0;
    r->n_true = r->n_true_candidates = 0;
    memset(r->eval, 0, sizeof r->eval);
    st = cj_unitmatch_score_pairs(sessions, truth, o, r, err);
    for (int k = 0; !st && k < r->n_session_pairs; k++)
        memcpy(r->session_pairs[k].eval_within, first_pass[k].eval, sizeof first_pass[k].eval);
    free(first_pass);
    if (!st) cj_unitmatch_within_fp(o, train, r);
    return st;
}

cj_status cj_unitmatch_run(const cj_ephys_session *sessions, int n_sessions, const int *truth,
                           const cj_unitmatch_opts *o, cj_rng *rng, cj_unitmatch_result *r, cj_error *err)
{
    memset(r, 0, sizeof *r);
    cj_status st = cj_unitmatch_check(o, err);
    if (st) return st;
    if (n_sessions < 2)
        return cj_fail(err, CJ_ERR_ARG, "%d session given: matching needs at least two", n_sessions);
    cj_rng net_rng = cj_rng_split(rng), sample_rng = cj_rng_split(rng);

    double t0 = now_seconds();
    st = setup(sessions, n_sessions, r, err);
    if (!st) st = describe_units(sessions, o, r, err);
    r->t_positions = now_seconds() - t0;
    if (!st) report(o, "located %d units in %d sessions (%.2f s)", r->n_units, n_sessions, r->t_positions);
    if (!st) st = train_and_embed(sessions, o, &net_rng, r, err);
    if (!st) report(o, "embedded %d units (%.2f s)", r->n_units, r->t_embed);

    t0 = now_seconds();
    cj_unitmatch_train train = {0};
    if (!st) st = cj_unitmatch_fit_within(o, &sample_rng, r, &train, err);
    r->t_fit = now_seconds() - t0;
    if (!st)
        report(o, "fitted the Naive Bayes on %zu within-session pairs (%zu matches): split-half self-match %.3f "
                  "(%.2f s)",
               r->n_train[0] + r->n_train[1], r->n_train[1], r->self_match_all, r->t_fit);

    t0 = now_seconds();
    if (!st) st = cj_unitmatch_score_pairs(sessions, truth, o, r, err);
    r->t_pairs = now_seconds() - t0;
    if (!st)
        report(o, "scored %d session pairs: %zu candidate pairs within %g um after drift correction (%.2f s)",
               r->n_session_pairs, r->n_pairs, (double)o->max_distance_um, r->t_pairs);

    t0 = now_seconds();
    if (!st) st = refit_and_rescore(sessions, truth, o, r, &train, err);
    r->t_refit = now_seconds() - t0;
    if (!st)
        report(o, "refitted the similarity with %zu putative across-session matches and scored again: "
                  "within-session false positives %.4f (exact distance %.4f) (%.2f s)",
               r->n_putative[0], r->within_fp_all, r->within_fp_exact_all, r->t_refit);
    cj_unitmatch_train_free(&train);

    t0 = now_seconds();
    if (!st) {
        r->liberal_id = malloc(sizeof(int) * (size_t)r->n_units);
        r->conservative_id = malloc(sizeof(int) * (size_t)r->n_units);
        st = !r->liberal_id || !r->conservative_id
                 ? cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d tracked ids", r->n_units)
                 : cj_unitmatch_track(r->pairs, r->n_pairs, r->first, n_sessions, o->threshold, r->liberal_id,
                                      r->conservative_id, &r->n_liberal, &r->n_conservative, err);
    }
    if (!st && truth) {
        cj_unitmatch_track_eval(r->liberal_id, truth, r->first, n_sessions, &r->track_liberal);
        cj_unitmatch_track_eval(r->conservative_id, truth, r->first, n_sessions, &r->track_conservative);
    }
    r->t_tracking = now_seconds() - t0;
    if (!st)
        report(o, "tracked %d units as %d neurons (liberal), %d (conservative) (%.2f s)", r->n_units, r->n_liberal,
               r->n_conservative, r->t_tracking);
    if (st) cj_unitmatch_free(r);
    return st;
}
