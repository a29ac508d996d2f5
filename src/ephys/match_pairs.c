/* match_pairs.c — one pair of sessions at a time: drift correction,
 * candidate pairs, their scores and (with truth) the evaluation of every
 * method; then the evaluation pooled over all pairs of sessions.
 *
 * Drift (UnitMatch's scheme, van Beest et al. 2024, Methods "Drift
 * correction", with our robust estimator from drift.c): round 0 has no
 * position to trust yet, so it takes the mutual best matches by the
 * similarity-only posterior among pairs within drift_window_um; each later
 * round corrects B by the current shift, scores the candidates with the
 * centroid Naive Bayes and re-estimates the shift from the mutual best
 * matches with P >= drift.min_prob. The shift is always measured from the
 * uncorrected positions, so it is the total shift, not an increment.
 *
 * The prior of a pair of sessions is min(n_a, n_b) / n_candidates: at most
 * every unit of the smaller session has its partner among the candidates
 * (it is capped at 0.5 for tiny sessions). Pairs of sessions run on
 * o->threads threads; each job holds only its own n_a x n_b float
 * matrices. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unitmatch_stages.h"

enum { HIST_BINS = 1 << 16 }; /* network similarity bins for the pooled all-pairs AUC (width 3e-5) */

typedef struct {
    const cj_ephys_session *sessions;
    const int *truth;
    const cj_unitmatch_opts *o;
    const cj_unitmatch_result *r;
} pair_ctx;

typedef struct {
    int a, b;
    cj_unitmatch_session_pair sp;
    cj_unitmatch_pair *pairs; /* sp.n_candidates of them */
    cj_status st;
    cj_error err;
} pair_job;

typedef struct {
    const pair_ctx *c;
    pair_job *jobs;
    int n_jobs, next;
    pthread_mutex_t lock;
} job_queue;

typedef struct {
    job_queue *q;
    uint64_t *hist; /* 2 x HIST_BINS: [0] non-matches, [1] matches; NULL without truth */
} worker;

void cj_unitmatch_scores_finish(cj_binary_scores *s)
{
    s->precision = s->tp + s->fp ? (double)s->tp / (double)(s->tp + s->fp) : 0.0;
    s->recall = s->tp + s->fn ? (double)s->tp / (double)(s->tp + s->fn) : 0.0;
    s->f1 = s->precision + s->recall > 0.0 ? 2.0 * s->precision * s->recall / (s->precision + s->recall) : 0.0;
}

/* Units on different shanks are never within any distance: a rigid drift
 * along the probe cannot move a neuron from one shank to another. */
static float exact_distance(const cj_unit_position *a, const cj_unit_position *b, float shift_y_um)
{
    if (a->shank != b->shank) return INFINITY;
    float dx = a->x_um - b->x_um, dy = a->y_um - (b->y_um - shift_y_um);
    return sqrtf(dx * dx + dy * dy);
}

static double pair_prior(int n_a, int n_b, size_t n_candidates)
{
    double p = n_candidates ? (double)(n_a < n_b ? n_a : n_b) / (double)n_candidates : 0.5;
    return p < 0.5 ? (p > 1e-9 ? p : 1e-9) : 0.5;
}

/* ---- drift ------------------------------------------------------------------ */

typedef struct {
    int n_a, n_b;
    const cj_unit_position *pa, *pb;
    const float *sim;
    float *prob, *xy_a, *xy_b;
} pair_mats;

static size_t count_within(const pair_mats *m, float shift, float radius)
{
    size_t n = 0;
    for (int i = 0; i < m->n_a; i++)
        for (int j = 0; j < m->n_b; j++) n += exact_distance(&m->pa[i], &m->pb[j], shift) <= radius;
    return n;
}

/* Round 0: similarity-only posterior within the drift window. */
static void prob_by_similarity(const pair_mats *m, const cj_match_nb *nb, float window)
{
    double prior = pair_prior(m->n_a, m->n_b, count_within(m, 0.0f, window));
    for (int i = 0; i < m->n_a; i++)
        for (int j = 0; j < m->n_b; j++) {
            size_t k = (size_t)i * m->n_b + j;
            m->prob[k] = exact_distance(&m->pa[i], &m->pb[j], 0.0f) <= window
                             ? cj_unitmatch_sim_posterior(nb, m->sim[k], prior)
                             : 0.0f;
        }
}

/* Later rounds: the centroid Naive Bayes on the candidates at this shift. */
static void prob_by_naive_bayes(const pair_mats *m, const cj_match_nb *nb, float shift, float max_distance)
{
    cj_match_nb local = *nb;
    local.prior = pair_prior(m->n_a, m->n_b, count_within(m, shift, max_distance));
    for (int i = 0; i < m->n_a; i++)
        for (int j = 0; j < m->n_b; j++) {
            size_t k = (size_t)i * m->n_b + j;
            m->prob[k] = 0.0f;
            if (exact_distance(&m->pa[i], &m->pb[j], shift) > max_distance) continue;
            float d = cj_unitmatch_half_distance(&m->pa[i], &m->pb[j], shift);
            cj_match_nb_posterior(&local, &m->sim[k], &d, 1, &m->prob[k]);
        }
}

static void estimate_drift(const pair_ctx *c, const pair_mats *m, pair_job *job)
{
    const cj_unitmatch_opts *o = c->o;
    float shift = 0.0f;
    cj_drift d;
    cj_error ignored;
    prob_by_similarity(m, &c->r->nb_centroid, o->drift_window_um);
    int ok = !cj_drift_mutual_best(m->prob, (size_t)m->n_a, (size_t)m->n_b, m->xy_a, m->xy_b, &o->drift, &d, &ignored);
    if (ok) shift = d.dy;
    for (int round = 0; round < o->drift_rounds; round++) {
        prob_by_naive_bayes(m, &c->r->nb_centroid, shift, o->max_distance_um);
        ok = !cj_drift_mutual_best(m->prob, (size_t)m->n_a, (size_t)m->n_b, m->xy_a, m->xy_b, &o->drift, &d,
                                   &ignored);
        if (ok) shift = d.dy;
    }
    job->sp.drift_um = shift;
    job->sp.drift_ok = ok;
    job->sp.drift_used = ok ? d.n_used : 0;
    job->sp.drift_inliers = ok ? d.n_inliers : 0;
}

/* ---- final scores and evaluation ------------------------------------------ */

static float score_of(const cj_unitmatch_pair *p, int method)
{
    switch (method) {
    case CJ_UM_NETWORK:
    case CJ_UM_NETWORK_FILTER: return p->similarity;
    case CJ_UM_NB_EXACT: return p->logit_exact;
    case CJ_UM_NB_CENTROID: return p->logit;
    default: return p->logit_baseline;
    }
}

/* Is candidate p called a match by `method` (not CJ_UM_NETWORK)? */
static int called(const cj_match_nb *nb, const cj_unitmatch_pair *p, int method, double prior, float threshold)
{
    if (method == CJ_UM_NETWORK_FILTER) return cj_unitmatch_sim_posterior(nb, p->similarity, prior) > threshold;
    return score_of(p, method) > logf(threshold / (1.0f - threshold));
}

/* AUC over every pair when the candidates' AUC is auc_c and every other pair
 * scores below all candidates (ties among those count half). */
static double auc_with_outside(double auc_c, size_t pos_c, size_t neg_c, size_t pos_all, size_t neg_all)
{
    if (!pos_all || !neg_all) return NAN;
    double u = pos_c && neg_c ? auc_c * (double)pos_c * (double)neg_c : 0.0;
    double neg_out = (double)(neg_all - neg_c), pos_out = (double)(pos_all - pos_c);
    u += (double)pos_c * neg_out + 0.5 * pos_out * neg_out;
    return u / ((double)pos_all * (double)neg_all);
}

static double auc_or_nan(const float *score, const unsigned char *label, size_t n)
{
    double auc;
    cj_error ignored;
    return cj_roc_auc(score, label, n, &auc, &ignored) ? NAN : auc;
}

/* Evaluate every method on this pair of sessions: label[] over all n_a x n_b
 * pairs, the candidates in job->pairs. */
static cj_status evaluate_pair(const pair_ctx *c, const pair_mats *m, pair_job *job, uint64_t *hist, cj_error *err)
{
    const cj_unitmatch_result *r = c->r;
    const int *ta = c->truth + r->first[job->a], *tb = c->truth + r->first[job->b];
    size_t nn = (size_t)m->n_a * m->n_b, nc = job->sp.n_candidates;
    unsigned char *label = malloc(nn), *clabel = malloc(nc ? nc : 1);
    float *score = malloc(sizeof(float) * (nc ? nc : 1));
    if (!label || !clabel || !score) {
        free(label), free(clabel), free(score);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory evaluating a %d x %d pair of sessions", m->n_a, m->n_b);
    }
    cj_unitmatch_session_pair *sp = &job->sp;
    double prior_all = pair_prior(m->n_a, m->n_b, nn);
    cj_binary_scores *net = &sp->eval[CJ_UM_NETWORK].scores;
    for (int i = 0; i < m->n_a; i++)
        for (int j = 0; j < m->n_b; j++) {
            size_t k = (size_t)i * m->n_b + j;
            label[k] = ta[i] == tb[j];
            sp->n_true += label[k];
            int call = cj_unitmatch_sim_posterior(&r->nb_centroid, m->sim[k], prior_all) > c->o->threshold;
            net->tp += call && label[k];
            net->fp += call && !label[k];
            float s = m->sim[k] < -1.0f ? -1.0f : m->sim[k] > 1.0f ? 1.0f : m->sim[k];
            int bin = (int)((s + 1.0f) * 0.5f * (HIST_BINS - 1) + 0.5f);
            hist[(size_t)label[k] * HIST_BINS + bin]++;
        }
    sp->eval[CJ_UM_NETWORK].auc_all = auc_or_nan(m->sim, label, nn);
    for (size_t k = 0; k < nc; k++) {
        const cj_unitmatch_pair *p = &job->pairs[k];
        clabel[k] = c->truth[r->first[p->session_a] + p->unit_a] == c->truth[r->first[p->session_b] + p->unit_b];
        sp->n_true_candidates += clabel[k];
    }
    size_t neg_all = nn - sp->n_true, neg_c = nc - sp->n_true_candidates;
    for (int method = 0; method < CJ_UM_N_METHODS; method++) {
        cj_unitmatch_eval *e = &sp->eval[method];
        for (size_t k = 0; k < nc; k++) score[k] = score_of(&job->pairs[k], method);
        e->auc = auc_or_nan(score, clabel, nc);
        if (method != CJ_UM_NETWORK) {
            e->auc_all = auc_with_outside(e->auc, sp->n_true_candidates, neg_c, sp->n_true, neg_all);
            for (size_t k = 0; k < nc; k++) {
                int call = called(&r->nb_centroid, &job->pairs[k], method, sp->prior, c->o->threshold);
                e->scores.tp += call && clabel[k];
                e->scores.fp += call && !clabel[k];
            }
        }
        e->n_called = e->scores.tp + e->scores.fp;
        e->scores.fn = sp->n_true - e->scores.tp;
        e->scores.tn = neg_all - e->scores.fp;
        cj_unitmatch_scores_finish(&e->scores);
    }
    free(label), free(clabel), free(score);
    return CJ_OK;
}

/* The candidates of this pair of sessions at the final shift, into job->pairs. */
static cj_status collect_candidates(const pair_ctx *c, const pair_mats *m, pair_job *job, cj_error *err)
{
    const cj_unitmatch_result *r = c->r;
    const cj_unitmatch_opts *o = c->o;
    float shift = job->sp.drift_um;
    size_t nc = count_within(m, shift, o->max_distance_um);
    job->sp.n_candidates = nc;
    job->sp.prior = pair_prior(m->n_a, m->n_b, nc);
    job->pairs = malloc(sizeof *job->pairs * (nc ? nc : 1));
    if (!job->pairs) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %zu candidate pairs", nc);
    const cj_handmade_unit *ha = r->hand + r->first[job->a], *hb = r->hand + r->first[job->b];
    size_t k = 0;
    for (int i = 0; i < m->n_a; i++)
        for (int j = 0; j < m->n_b; j++) {
            float de = exact_distance(&m->pa[i], &m->pb[j], shift);
            if (de > o->max_distance_um) continue;
            cj_unitmatch_pair *p = &job->pairs[k++];
            p->session_a = job->a, p->unit_a = i, p->session_b = job->b, p->unit_b = j;
            p->similarity = m->sim[(size_t)i * m->n_b + j];
            p->distance = cj_unitmatch_half_distance(&m->pa[i], &m->pb[j], shift);
            p->distance_exact = de;
            double prior = job->sp.prior;
            p->logit = (float)cj_unitmatch_nb_logit(&r->nb_centroid, p->similarity, p->distance, prior);
            p->probability = (float)(1.0 / (1.0 + exp(-(double)p->logit)));
            p->logit_exact = (float)cj_unitmatch_nb_logit(&r->nb_exact, p->similarity, p->distance_exact, prior);
            float f[CJ_HANDMADE_N];
            cj_handmade_pair(&ha[i], &hb[j], shift, f);
            p->logit_baseline = (float)cj_handmade_nb_logit(&r->nb_baseline, f, prior);
        }
    /* Matches called, with or without truth. */
    double prior_all = pair_prior(m->n_a, m->n_b, (size_t)m->n_a * m->n_b);
    size_t *n_called = job->sp.n_called;
    for (size_t x = 0; x < (size_t)m->n_a * m->n_b; x++)
        n_called[CJ_UM_NETWORK] += cj_unitmatch_sim_posterior(&r->nb_centroid, m->sim[x], prior_all) > o->threshold;
    for (size_t x = 0; x < nc; x++)
        for (int method = CJ_UM_NETWORK_FILTER; method < CJ_UM_N_METHODS; method++)
            n_called[method] += called(&r->nb_centroid, &job->pairs[x], method, job->sp.prior, o->threshold);
    return CJ_OK;
}

static cj_status process_pair(const pair_ctx *c, pair_job *job, uint64_t *hist, cj_error *err)
{
    const cj_unitmatch_result *r = c->r;
    int a = job->a, b = job->b;
    pair_mats m = {.n_a = r->first[a + 1] - r->first[a], .n_b = r->first[b + 1] - r->first[b]};
    m.pa = r->pos + r->first[a];
    m.pb = r->pos + r->first[b];
    size_t nn = (size_t)m.n_a * m.n_b;
    float *sim = malloc(sizeof(float) * nn);
    m.prob = malloc(sizeof(float) * nn);
    m.xy_a = malloc(sizeof(float) * 2 * (size_t)m.n_a);
    m.xy_b = malloc(sizeof(float) * 2 * (size_t)m.n_b);
    cj_status st = CJ_OK;
    if (!sim || !m.prob || !m.xy_a || !m.xy_b) {
        st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for a %d x %d pair of sessions", m.n_a, m.n_b);
        goto done;
    }
    m.sim = sim;
    cj_unitmatch_similarity(r->emb + (size_t)r->first[a] * 2 * r->dim, m.n_a,
                            r->emb + (size_t)r->first[b] * 2 * r->dim, m.n_b, r->dim, sim);
    for (int i = 0; i < m.n_a; i++) m.xy_a[2 * i] = m.pa[i].x_um, m.xy_a[2 * i + 1] = m.pa[i].y_um;
    for (int j = 0; j < m.n_b; j++) m.xy_b[2 * j] = m.pb[j].x_um, m.xy_b[2 * j + 1] = m.pb[j].y_um;
    estimate_drift(c, &m, job);
    st = collect_candidates(c, &m, job, err);
    if (!st && c->truth) st = evaluate_pair(c, &m, job, hist, err);
done:
    free(sim);
    free(m.prob);
    free(m.xy_a);
    free(m.xy_b);
    return st;
}

static void *work(void *arg)
{
    worker *w = arg;
    job_queue *q = w->q;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        int k = q->next++;
        pthread_mutex_unlock(&q->lock);
        if (k >= q->n_jobs) return NULL;
        pair_job *job = &q->jobs[k];
        job->st = process_pair(q->c, job, w->hist, &job->err);
    }
}

/* ---- pooling ---------------------------------------------------------------- */

static double auc_from_hist(const uint64_t *hist)
{
    const uint64_t *neg = hist, *pos = hist + HIST_BINS;
    double u = 0.0, below = 0.0, n_pos = 0.0;
    for (int b = 0; b < HIST_BINS; b++) {
        u += (double)pos[b] * (below + 0.5 * (double)neg[b]);
        below += (double)neg[b];
        n_pos += (double)pos[b];
    }
    return n_pos > 0.0 && below > 0.0 ? u / (n_pos * below) : NAN;
}

static cj_status pool(const pair_ctx *c, cj_unitmatch_result *r, const uint64_t *hist, cj_error *err)
{
    size_t n = r->n_pairs, neg_all = 0;
    float *score = malloc(sizeof(float) * (n ? n : 1));
    unsigned char *label = malloc(n ? n : 1);
    if (!score || !label) {
        free(score), free(label);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory pooling %zu pairs", n);
    }
    for (size_t k = 0; k < n; k++) {
        const cj_unitmatch_pair *p = &r->pairs[k];
        label[k] = c->truth[r->first[p->session_a] + p->unit_a] == c->truth[r->first[p->session_b] + p->unit_b];
    }
    for (int s = 0; s < r->n_session_pairs; s++) {
        const cj_unitmatch_session_pair *sp = &r->session_pairs[s];
        r->n_true += sp->n_true;
        r->n_true_candidates += sp->n_true_candidates;
        neg_all += (size_t)(r->first[sp->a + 1] - r->first[sp->a]) * (size_t)(r->first[sp->b + 1] - r->first[sp->b]) -
                   sp->n_true;
        for (int method = 0; method < CJ_UM_N_METHODS; method++) {
            const cj_binary_scores *x = &sp->eval[method].scores;
            cj_binary_scores *y = &r->eval[method].scores;
            y->tp += x->tp, y->fp += x->fp, y->fn += x->fn, y->tn += x->tn;
        }
    }
    size_t neg_c = n - r->n_true_candidates;
    for (int method = 0; method < CJ_UM_N_METHODS; method++) {
        cj_unitmatch_eval *e = &r->eval[method];
        for (size_t k = 0; k < n; k++) score[k] = score_of(&r->pairs[k], method);
        e->auc = auc_or_nan(score, label, n);
        e->auc_all = method == CJ_UM_NETWORK ? auc_from_hist(hist)
                                             : auc_with_outside(e->auc, r->n_true_candidates, neg_c, r->n_true, neg_all);
        e->n_called = e->scores.tp + e->scores.fp;
        cj_unitmatch_scores_finish(&e->scores);
    }
    r->evaluated = 1;
    free(score), free(label);
    return CJ_OK;
}

/* ---- entry point ------------------------------------------------------------ */

cj_status cj_unitmatch_score_pairs(const cj_ephys_session *sessions, const int *truth, const cj_unitmatch_opts *o,
                                   cj_unitmatch_result *r, cj_error *err)
{
    int ns = r->n_sessions, n_jobs = ns * (ns - 1) / 2;
    int n_threads = o->threads < n_jobs ? o->threads : n_jobs;
    pair_ctx c = {sessions, truth, o, r};
    job_queue q = {.c = &c, .n_jobs = n_jobs};
    q.jobs = calloc((size_t)n_jobs, sizeof *q.jobs);
    worker *workers = calloc((size_t)n_threads, sizeof *workers);
    pthread_t *tids = calloc((size_t)n_threads, sizeof *tids);
    cj_status st = !q.jobs || !workers || !tids ? cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d jobs", n_jobs)
                                                : CJ_OK;
    for (int t = 0; t < n_threads && !st && truth; t++)
        if (!(workers[t].hist = calloc(2 * HIST_BINS, sizeof(uint64_t))))
            st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for evaluation histograms");
    if (st) goto done;
    for (int a = 0, k = 0; a < ns; a++)
        for (int b = a + 1; b < ns; b++, k++) q.jobs[k].a = a, q.jobs[k].b = b;
    pthread_mutex_init(&q.lock, NULL);
    int started = 0;
    for (int t = 0; t < n_threads; t++) {
        workers[t].q = &q;
        if (t == 0) continue; /* this thread is worker 0 */
        if (pthread_create(&tids[t], NULL, work, &workers[t]) != 0) break;
        started = t;
    }
    work(&workers[0]);
    for (int t = 1; t <= started; t++) pthread_join(tids[t], NULL);
    pthread_mutex_destroy(&q.lock);

    size_t total = 0;
    for (int k = 0; k < n_jobs && !st; k++) {
        if (q.jobs[k].st) {
            *err = q.jobs[k].err;
            st = q.jobs[k].st;
        }
        total += q.jobs[k].sp.n_candidates;
    }
    if (st) goto done;
    r->session_pairs = malloc(sizeof *r->session_pairs * (size_t)n_jobs);
    r->pairs = malloc(sizeof *r->pairs * (total ? total : 1));
    if (!r->session_pairs || !r->pairs) {
        st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for %zu candidate pairs", total);
        goto done;
    }
    r->n_session_pairs = n_jobs;
    for (int k = 0; k < n_jobs; k++) {
        pair_job *job = &q.jobs[k];
        job->sp.a = job->a, job->sp.b = job->b;
        r->session_pairs[k] = job->sp;
        memcpy(r->pairs + r->n_pairs, job->pairs, sizeof *job->pairs * job->sp.n_candidates);
        r->n_pairs += job->sp.n_candidates;
    }
    if (truth) {
        for (int t = 1; t < n_threads; t++)
            for (size_t i = 0; i < 2 * HIST_BINS; i++) workers[0].hist[i] += workers[t].hist[i];
        st = pool(&c, r, workers[0].hist, err);
    }
done:
    for (int k = 0; q.jobs && k < n_jobs; k++) free(q.jobs[k].pairs);
    for (int t = 0; workers && t < n_threads; t++) free(workers[t].hist);
    free(q.jobs);
    free(workers);
    free(tids);
    return st;
}
