/* tracking.c — one id per neuron across all sessions, from the matched
 * pairs, as UnitMatch's UniqueID (van Beest et al. 2024, Results "Tracking
 * over many recordings"; their AssignUniqueID):
 *   liberal       a unit joins a group when it matches any member:
 *                 connected components of the pairs with P > threshold;
 *   conservative  pairs with P > threshold, in order of decreasing P, join
 *                 their two groups only when every pair across the groups
 *                 matches too. UnitMatch checks the new unit against the
 *                 members of the group it joins; merging two groups, we
 *                 check every cross pair, which is the same when one group
 *                 is a single unit and keeps every group a clique. Pairs
 *                 never offered (same session, or past max_distance_um) are
 *                 non-matches, so a group holds at most one unit per
 *                 session.
 * (UnitMatch's "intermediate" variant, which relaxes the clique to
 * neighbouring recordings, is not implemented.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unitmatch_stages.h"

static int find_root(int *parent, int u)
{
    while (parent[u] != u) {
        parent[u] = parent[parent[u]]; /* path halving */
        u = parent[u];
    }
    return u;
}

/* Ids 1, 2, ... in order of each group's first unit; group[u] is any label
 * shared by the members. Returns the number of groups. */
static int number_groups(const int *group, int n, int *id, int *scratch)
{
    for (int u = 0; u < n; u++) scratch[u] = 0;
    int next = 0;
    for (int u = 0; u < n; u++) {
        if (!scratch[group[u]]) scratch[group[u]] = ++next;
        id[u] = scratch[group[u]];
    }
    return next;
}

static uint64_t key(int u, int v)
{
    if (u > v) {
        int t = u;
        u = v;
        v = t;
    }
    return (uint64_t)u << 32 | (uint32_t)v;
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

typedef struct {
    float logit; /* order of assignment: decreasing P, ties in P split by the log odds */
    int u, v;
} edge;

static int by_prob_desc(const void *pa, const void *pb)
{
    const edge *a = pa, *b = pb;
    if (a->logit != b->logit) return a->logit < b->logit ? 1 : -1;
    if (a->u != b->u) return a->u - b->u; /* deterministic order among ties */
    return a->v - b->v;
}

static int is_match(const uint64_t *keys, size_t n, int u, int v)
{
    uint64_t k = key(u, v);
    return bsearch(&k, keys, n, sizeof *keys, cmp_u64) != NULL;
}

/* Greedy cliques (see the top of this file). */
static void conservative(const edge *edges, size_t n_edges, const uint64_t *keys, int n, int *group, int *next)
{
    for (int u = 0; u < n; u++) group[u] = u, next[u] = -1;
    for (size_t e = 0; e < n_edges; e++) {
        int gu = group[edges[e].u], gv = group[edges[e].v];
        if (gu == gv) continue;
        int ok = 1;
        for (int x = gu; x >= 0 && ok; x = next[x])
            for (int y = gv; y >= 0 && ok; y = next[y]) ok = is_match(keys, n_edges, x, y);
        if (!ok) continue;
        /* Append gv's list to gu's and relabel its members. Groups are
         * named by their head, which is also the first unit of the list. */
        int tail = gu;
        while (next[tail] >= 0) tail = next[tail];
        next[tail] = gv;
        for (int y = gv; y >= 0; y = next[y]) group[y] = gu;
    }
}

cj_status cj_unitmatch_track(const cj_unitmatch_pair *pairs, size_t n_pairs, const int *first, int n_sessions,
                             float threshold, int *liberal_id, int *conservative_id, int *n_liberal,
                             int *n_conservative, cj_error *err)
{
    int n = first[n_sessions];
    size_t n_edges = 0;
    for (size_t k = 0; k < n_pairs; k++) n_edges += pairs[k].probability > threshold;
    int *buf = malloc(sizeof(int) * (size_t)n * 3);
    edge *edges = malloc(sizeof *edges * (n_edges ? n_edges : 1));
    uint64_t *keys = malloc(sizeof *keys * (n_edges ? n_edges : 1));
    if (!buf || !edges || !keys) {
        free(buf), free(edges), free(keys);
        return cj_fail(err, CJ_ERR_NOMEM, "tracking: out of memory for %d units, %zu matches", n, n_edges);
    }
    int *group = buf, *next = buf + n, *scratch = buf + 2 * n;
    size_t m = 0;
    for (size_t k = 0; k < n_pairs; k++) {
        const cj_unitmatch_pair *p = &pairs[k];
        if (!(p->probability > threshold)) continue;
        int u = first[p->session_a] + p->unit_a, v = first[p->session_b] + p->unit_b;
        edges[m] = (edge){p->logit, u < v ? u : v, u < v ? v : u};
        keys[m] = key(u, v);
        m++;
    }
    qsort(keys, n_edges, sizeof *keys, cmp_u64);
    qsort(edges, n_edges, sizeof *edges, by_prob_desc);

    for (int u = 0; u < n; u++) group[u] = u;
    for (size_t e = 0; e < n_edges; e++) {
        int ru = find_root(group, edges[e].u), rv = find_root(group, edges[e].v);
        if (ru != rv) group[ru > rv ? ru : rv] = ru < rv ? ru : rv;
    }
    for (int u = 0; u < n; u++) next[u] = find_root(group, u);
    *n_liberal = number_groups(next, n, liberal_id, scratch);

    conservative(edges, n_edges, keys, n, group, next);
    *n_conservative = number_groups(group, n, conservative_id, scratch);
    free(buf), free(edges), free(keys);
    return CJ_OK;
}

void cj_unitmatch_track_eval(const int *id, const int *truth, const int *first, int n_sessions,
                             cj_binary_scores *out)
{
    memset(out, 0, sizeof *out);
    for (int s = 0; s < n_sessions; s++)
        for (int u = first[s]; u < first[s + 1]; u++)
            for (int v = first[s + 1]; v < first[n_sessions]; v++) {
                int same = id[u] == id[v], real = truth[u] == truth[v];
                out->tp += same && real;
                out->fp += same && !real;
                out->fn += !same && real;
                out->tn += !same && !real;
            }
    cj_unitmatch_scores_finish(out);
}
