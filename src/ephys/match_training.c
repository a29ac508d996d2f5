/* match_training.c — the training data of the Naive Bayes models.
 *
 * Stage 1, within-session quasi-ground truth (no labels needed): in every
 * session, each unit's two halves are a match and every two different
 * units whose centroids are within max_distance_um are a non-match. The
 * match distance is taken from the per-half centroids ("centroid") or,
 * to show the pitfall, from the mean-waveform centroids ("exact": every
 * match at 0 µm). This is the only difference between the two variants.
 *
 * Stage 2, across-session putative matches for the similarity (the
 * refit): a neuron's waveform changes from day to day in ways no pair
 * within a session shows (on simulated data the median network similarity
 * of a unit's two halves is 0.996, of one neuron on two days 0.94, a tenth
 * of them below 0.66), so p(similarity | match) fitted to within-session
 * matches is far too narrow, and no choice of within-session feature can
 * widen it. UnitMatch meets the same problem by labelling candidate pairs
 * across days by a threshold on its total score and refitting (van Beest
 * et al. 2024; RunNaiveBayes.m). We use a rule that needs no tuning: after
 * drift correction, a candidate pair of two sessions is a putative match
 * when it is the mutual best pair by the score (network similarity for the
 * network's models; the stage-1 log-likelihood ratio for the hand-made
 * baseline) and its score exceeds the 95th percentile of the same score
 * over within-session non-matches. The similarity densities (for the
 * baseline: every feature but the distance) are refitted on
 * within-session pairs plus putative matches; the distance densities stay
 * those of stage 1. Distance is where the pitfall lives and where the fix
 * works within a session: the halves of a recording are taken a few µm
 * apart as the probe moves, and the per-half centroids show it. Refitting
 * the distance on putative matches as well would hide the difference
 * between the variants (both become the same model) and would learn from
 * pairs whose distances were shrunk by the drift fit and that include the
 * putative rule's false matches; measured on the simulated set it gives
 * the same F1 with a lower AUC (docs/unit-matching.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "unitmatch_stages.h"

enum { USE_NETWORK = 1, USE_BASELINE = 2 }; /* which models a training row is for */
enum { HAND_DISTANCE = 4 };                 /* the distance among the hand-made features (unitmatch.h) */

static const double PUTATIVE_QUANTILE = 0.95;

void cj_unitmatch_train_free(cj_unitmatch_train *t)
{
    free(t->sim);
    free(t->dist);
    free(t->dist_exact);
    free(t->hand);
    free(t->label);
    free(t->use);
    free(t->session);
    free(t->n_nonmatch);
    memset(t, 0, sizeof *t);
}

static int grow(cj_unitmatch_train *t)
{
    if (t->n < t->cap) return 1;
    size_t cap = t->cap ? 2 * t->cap : 4096;
    float *sim = realloc(t->sim, sizeof(float) * cap);
    if (sim) t->sim = sim;
    float *dist = realloc(t->dist, sizeof(float) * cap);
    if (dist) t->dist = dist;
    float *de = realloc(t->dist_exact, sizeof(float) * cap);
    if (de) t->dist_exact = de;
    float *hand = realloc(t->hand, sizeof(float) * cap * CJ_HANDMADE_N);
    if (hand) t->hand = hand;
    unsigned char *label = realloc(t->label, cap), *use = label ? realloc(t->use, cap) : NULL;
    if (label) t->label = label;
    if (use) t->use = use;
    int *session = realloc(t->session, sizeof(int) * cap);
    if (session) t->session = session;
    if (!sim || !dist || !de || !hand || !label || !use || !session) return 0;
    t->cap = cap;
    return 1;
}

/* Units on different shanks are never within any distance: a rigid drift
 * along the probe cannot move a neuron from one shank to another. */
static float exact_distance(const cj_unit_position *a, const cj_unit_position *b, float shift_y_um)
{
    if (a->shank != b->shank) return INFINITY;
    float dx = a->x_um - b->x_um, dy = a->y_um - (b->y_um - shift_y_um);
    return sqrtf(dx * dx + dy * dy);
}

/* Append one row; returns 0 when out of memory. */
static int append(cj_unitmatch_train *t, float sim, float dist, float dist_exact, const cj_handmade_unit *ha,
                  const cj_handmade_unit *hb, float shift, int label, int use, int session)
{
    if (!grow(t)) return 0;
    size_t k = t->n++;
    t->sim[k] = sim;
    t->dist[k] = dist;
    t->dist_exact[k] = dist_exact;
    cj_handmade_pair(ha, hb, shift, t->hand + k * CJ_HANDMADE_N);
    t->label[k] = (unsigned char)label;
    t->use[k] = (unsigned char)use;
    t->session[k] = session;
    return 1;
}

/* ---- stage 1 -------------------------------------------------------------- */

/* Session s's pairs, and its split-half self-match rate. */
static cj_status session_pairs(int s, const cj_unitmatch_opts *o, cj_unitmatch_result *r, cj_unitmatch_train *t,
                               cj_error *err)
{
    int g0 = r->first[s], n = r->first[s + 1] - g0, dim = r->dim;
    const float *e = r->emb + (size_t)g0 * 2 * dim;
    float *sim = malloc(sizeof(float) * (size_t)n * n);
    if (!sim) return cj_fail(err, CJ_ERR_NOMEM, "session %d: out of memory for a %d x %d matrix", s, n, n);
    cj_unitmatch_similarity(e, n, e, n, dim, sim);

    /* Self-match: is unit i's first half closest to its own second half? */
    int self = 0;
    for (int i = 0; i < n; i++) {
        const float *a0 = e + (size_t)i * 2 * dim;
        int best = 0;
        float best_v = -INFINITY;
        for (int j = 0; j < n; j++) {
            const float *b1 = e + (size_t)j * 2 * dim + dim;
            float v = 0.0f;
            for (int k = 0; k < dim; k++) v += a0[k] * b1[k];
            if (v > best_v) best_v = v, best = j;
        }
        self += best == i;
    }
    r->self_match[s] = (double)self / n;

    size_t pairs = 0;
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++) {
            const cj_unit_position *pi = &r->pos[g0 + i], *pj = &r->pos[g0 + j];
            float de = exact_distance(pi, pj, 0.0f);
            if (i != j && de > o->max_distance_um) continue;
            if (!append(t, sim[(size_t)i * n + j], cj_unitmatch_half_distance(pi, pj, 0.0f), de, &r->hand[g0 + i],
                        &r->hand[g0 + j], 0.0f, i == j, USE_NETWORK | USE_BASELINE, s)) {
                free(sim);
                return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %zu training pairs", t->n);
            }
            pairs += i != j;
        }
    t->n_nonmatch[s] = pairs;
    free(sim);
    return CJ_OK;
}

/* Keep every match and a random max_keep of the non-matches (a 1-D density
 * needs no more; see the cost note in include/cajal/match.h). */
static void subsample(cj_unitmatch_train *t, size_t max_keep, cj_rng *rng)
{
    size_t n_non = 0;
    for (size_t i = 0; i < t->n; i++) n_non += !t->label[i];
    if (n_non <= max_keep) return;
    /* Selection sampling (Knuth, TAOCP vol. 2, 3.4.2, algorithm S), in place. */
    size_t seen = 0, kept = 0, w = 0;
    for (size_t i = 0; i < t->n; i++) {
        int keep = t->label[i];
        if (!keep) {
            keep = (double)(n_non - seen) * cj_rng_uniform(rng) < (double)(max_keep - kept);
            seen++;
            kept += keep;
        }
        if (!keep) continue;
        t->sim[w] = t->sim[i];
        t->dist[w] = t->dist[i];
        t->dist_exact[w] = t->dist_exact[i];
        memmove(t->hand + w * CJ_HANDMADE_N, t->hand + i * CJ_HANDMADE_N, sizeof(float) * CJ_HANDMADE_N);
        t->label[w] = t->label[i];
        t->use[w] = t->use[i];
        t->session[w] = t->session[i];
        w++;
    }
    t->n = w;
}

/* The Naive Bayes of the network's similarity and one distance, from the
 * n compacted rows of which the first n_within are within-session pairs:
 * the similarity densities from all rows, the distance densities from the
 * within-session rows only (see the top of this file). */
static cj_status fit_network_nb(cj_match_nb *m, const float *sim, const float *dist, const unsigned char *label,
                                size_t n, size_t n_within, const cj_match_nb_opts *nbo, cj_error *err)
{
    cj_status st = cj_match_nb_fit(m, sim, dist, label, n, nbo, err);
    if (st || n_within == n) return st;
    cj_match_nb within;
    if ((st = cj_match_nb_fit(&within, sim, dist, label, n_within, nbo, err))) {
        cj_match_nb_free(m);
        return st;
    }
    for (int c = 0; c < 2; c++) {
        cj_kde k = m->dist[c];
        m->dist[c] = within.dist[c];
        within.dist[c] = k;
    }
    cj_match_nb_free(&within);
    return CJ_OK;
}

/* The same for the hand-made baseline: its distance feature from the
 * within-session rows only. */
static cj_status fit_baseline_nb(cj_handmade_nb *m, const float *hand, const unsigned char *label, size_t n,
                                 size_t n_within, cj_error *err)
{
    cj_status st = cj_handmade_nb_fit(m, hand, label, n, err);
    if (st || n_within == n) return st;
    cj_handmade_nb within;
    if ((st = cj_handmade_nb_fit(&within, hand, label, n_within, err))) {
        cj_handmade_nb_free(m);
        return st;
    }
    for (int c = 0; c < 2; c++) {
        cj_kde k = m->kde[HAND_DISTANCE][c];
        m->kde[HAND_DISTANCE][c] = within.kde[HAND_DISTANCE][c];
        within.kde[HAND_DISTANCE][c] = k;
    }
    cj_handmade_nb_free(&within);
    return CJ_OK;
}

/* The rows for `use`, compacted into scratch (n rows each, within-session
 * rows first), then fit. */
static cj_status fit(const cj_unitmatch_opts *o, cj_unitmatch_result *r, const cj_unitmatch_train *t, int use,
                     cj_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) n += (t->use[i] & use) != 0;
    float *buf = malloc(sizeof(float) * (n ? n : 1) * (3 + CJ_HANDMADE_N));
    unsigned char *label = malloc(n ? n : 1);
    if (!buf || !label) {
        free(buf), free(label);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %zu training pairs", n);
    }
    float *sim = buf, *dist = buf + n, *de = buf + 2 * n, *hand = buf + 3 * n;
    size_t m = 0, n_match = 0, n_within = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!(t->use[i] & use)) continue;
        sim[m] = t->sim[i], dist[m] = t->dist[i], de[m] = t->dist_exact[i], label[m] = t->label[i];
        memcpy(hand + m * CJ_HANDMADE_N, t->hand + i * CJ_HANDMADE_N, sizeof(float) * CJ_HANDMADE_N);
        n_match += label[m] != 0;
        n_within += i < t->n_within;
        m++;
    }
    cj_status st = CJ_OK;
    if (use == USE_NETWORK) {
        cj_match_nb_opts nbo = o->nb;
        nbo.prior = 0.0; /* set per pair of sessions */
        cj_match_nb_free(&r->nb_centroid);
        cj_match_nb_free(&r->nb_exact);
        st = fit_network_nb(&r->nb_centroid, sim, dist, label, n, n_within, &nbo, err);
        if (!st) st = fit_network_nb(&r->nb_exact, sim, de, label, n, n_within, &nbo, err);
        r->n_train[0] = n - n_match;
        r->n_train[1] = n_match;
    } else {
        cj_handmade_nb_free(&r->nb_baseline);
        st = fit_baseline_nb(&r->nb_baseline, hand, label, n, n_within, err);
    }
    free(buf), free(label);
    return st;
}

cj_status cj_unitmatch_fit_within(const cj_unitmatch_opts *o, cj_rng *rng, cj_unitmatch_result *r,
                                  cj_unitmatch_train *t, cj_error *err)
{
    memset(t, 0, sizeof *t);
    t->n_nonmatch = calloc((size_t)r->n_sessions, sizeof *t->n_nonmatch);
    cj_status st = t->n_nonmatch ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int s = 0; s < r->n_sessions && !st; s++) st = session_pairs(s, o, r, t, err);
    if (st) return st;
    double self = 0.0;
    for (int s = 0; s < r->n_sessions; s++) self += r->self_match[s] * (r->first[s + 1] - r->first[s]);
    r->self_match_all = self / r->n_units;
    subsample(t, o->max_train_pairs, rng);
    t->n_within = t->n;
    size_t n_non = 0;
    for (size_t i = 0; i < t->n; i++) n_non += !t->label[i];
    if (n_non == 0)
        return cj_fail(err, CJ_ERR_ARG, "no two units of any session are within %g um: nothing to learn non-matches from",
                       (double)o->max_distance_um);
    st = fit(o, r, t, USE_NETWORK, err);
    if (!st) st = fit(o, r, t, USE_BASELINE, err);
    return st;
}

/* ---- stage 2 -------------------------------------------------------------- */

static int cmp_float(const void *pa, const void *pb)
{
    float a = *(const float *)pa, b = *(const float *)pb;
    return (a > b) - (a < b);
}

/* The q-quantile of the score of the within-session non-matches. */
static cj_status nonmatch_quantile(const cj_unitmatch_result *r, const cj_unitmatch_train *t, int use, double q,
                                   float *out, cj_error *err)
{
    float *v = malloc(sizeof(float) * (t->n_within ? t->n_within : 1));
    if (!v) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %zu scores", t->n_within);
    size_t m = 0;
    for (size_t i = 0; i < t->n_within; i++) {
        if (t->label[i]) continue;
        v[m++] = use == USE_NETWORK ? t->sim[i] : (float)cj_handmade_nb_logit(&r->nb_baseline, t->hand + i * CJ_HANDMADE_N, 0.5);
    }
    qsort(v, m, sizeof *v, cmp_float);
    *out = m ? v[(size_t)(q * (double)(m - 1))] : INFINITY;
    free(v);
    return CJ_OK;
}

/* A candidate's score for picking putative matches: the similarity, or the
 * baseline's log-likelihood ratio (its log odds without the prior). */
static float putative_score(const cj_unitmatch_pair *p, int use, double prior)
{
    return use == USE_NETWORK ? p->similarity : p->logit_baseline - (float)log(prior / (1.0 - prior));
}

/* Mutual best candidates of each pair of sessions by the score, above thr,
 * appended as matches for `use`. Returns how many. */
static cj_status add_putative(const cj_unitmatch_result *r, cj_unitmatch_train *t, int use, float thr, size_t *count,
                              cj_error *err)
{
    int *best = malloc(sizeof(int) * (size_t)r->n_units);
    if (!best) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d units", r->n_units);
    *count = 0;
    size_t off = 0;
    for (int k = 0; k < r->n_session_pairs; k++) {
        const cj_unitmatch_session_pair *sp = &r->session_pairs[k];
        const cj_unitmatch_pair *pairs = r->pairs + off;
        size_t n = sp->n_candidates;
        off += n;
        /* best[g]: the candidate of unit g with the highest score. */
        for (int g = r->first[sp->a]; g < r->first[sp->a + 1]; g++) best[g] = -1;
        for (int g = r->first[sp->b]; g < r->first[sp->b + 1]; g++) best[g] = -1;
        for (size_t c = 0; c < n; c++) {
            int ga = r->first[sp->a] + pairs[c].unit_a, gb = r->first[sp->b] + pairs[c].unit_b;
            float v = putative_score(&pairs[c], use, sp->prior);
            if (best[ga] < 0 || v > putative_score(&pairs[best[ga]], use, sp->prior)) best[ga] = (int)c;
            if (best[gb] < 0 || v > putative_score(&pairs[best[gb]], use, sp->prior)) best[gb] = (int)c;
        }
        for (size_t c = 0; c < n; c++) {
            const cj_unitmatch_pair *p = &pairs[c];
            int ga = r->first[sp->a] + p->unit_a, gb = r->first[sp->b] + p->unit_b;
            if (best[ga] != (int)c || best[gb] != (int)c || !(putative_score(p, use, sp->prior) > thr)) continue;
            if (!append(t, p->similarity, p->distance, p->distance_exact, &r->hand[ga], &r->hand[gb], sp->drift_um, 1,
                        use, -1)) {
                free(best);
                return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %zu training pairs", t->n);
            }
            ++*count;
        }
    }
    free(best);
    return CJ_OK;
}

cj_status cj_unitmatch_refit(const cj_unitmatch_opts *o, cj_unitmatch_result *r, cj_unitmatch_train *t,
                             cj_error *err)
{
    t->n = t->n_within; /* drop the putative matches of an earlier refit */
    /* Keep the within-session models (for the figures); fit() makes new ones. */
    cj_match_nb_free(&r->nb_exact_within);
    cj_match_nb_free(&r->nb_centroid_within);
    r->nb_exact_within = r->nb_exact;
    r->nb_centroid_within = r->nb_centroid;
    memset(&r->nb_exact, 0, sizeof r->nb_exact);
    memset(&r->nb_centroid, 0, sizeof r->nb_centroid);
    float thr_net = INFINITY, thr_base = INFINITY;
    cj_status st = nonmatch_quantile(r, t, USE_NETWORK, PUTATIVE_QUANTILE, &thr_net, err);
    if (!st) st = nonmatch_quantile(r, t, USE_BASELINE, PUTATIVE_QUANTILE, &thr_base, err);
    if (!st) st = add_putative(r, t, USE_NETWORK, thr_net, &r->n_putative[0], err);
    if (!st) st = add_putative(r, t, USE_BASELINE, thr_base, &r->n_putative[1], err);
    if (!st) st = fit(o, r, t, USE_NETWORK, err);
    if (!st) st = fit(o, r, t, USE_BASELINE, err);
    return st;
}

/* ---- quality -------------------------------------------------------------- */

void cj_unitmatch_within_fp(const cj_unitmatch_opts *o, const cj_unitmatch_train *t, cj_unitmatch_result *r)
{
    size_t fp_all = 0, fpe_all = 0, non_all = 0;
    for (int s = 0; s < r->n_sessions; s++) {
        int n = r->first[s + 1] - r->first[s];
        /* n self pairs and m non-match pairs, each seen from both sides as in
         * an n x n matrix. */
        double prior = (double)n / ((double)n + 2.0 * (double)t->n_nonmatch[s]);
        double thr = log(o->threshold / (1.0 - o->threshold));
        size_t fp = 0, fpe = 0, non = 0;
        for (size_t i = 0; i < t->n_within; i++) {
            if (t->session[i] != s || t->label[i]) continue;
            fp += cj_unitmatch_nb_logit(&r->nb_centroid, t->sim[i], t->dist[i], prior) > thr;
            fpe += cj_unitmatch_nb_logit(&r->nb_exact, t->sim[i], t->dist_exact[i], prior) > thr;
            non++;
        }
        r->within_fp[s] = non ? (double)fp / non : 0.0;
        r->within_fp_exact[s] = non ? (double)fpe / non : 0.0;
        fp_all += fp, fpe_all += fpe, non_all += non;
    }
    r->within_fp_all = non_all ? (double)fp_all / non_all : 0.0;
    r->within_fp_exact_all = non_all ? (double)fpe_all / non_all : 0.0;
}
