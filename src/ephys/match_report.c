/* match_report.c — the files of unit matching: truth.csv in; matches.csv,
 * units.csv and summary.json out (columns and keys in
 * docs/unit-matching.md). Every output is written atomically. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/unitmatch.h"

/* ---- truth.csv ---------------------------------------------------------- */

typedef struct {
    int id, index;
} id_index;

static int by_id(const void *pa, const void *pb)
{
    const id_index *a = pa, *b = pb;
    return (a->id > b->id) - (a->id < b->id);
}

/* Parse "name,unit,neuron" in place; 0 on a malformed line. */
static int parse_row(char *line, char **name, long *unit, long *neuron)
{
    char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    if (!c2) return 0;
    *c1 = *c2 = '\0';
    *name = line;
    char *end;
    errno = 0;
    *unit = strtol(c1 + 1, &end, 10);
    if (end == c1 + 1 || *end || errno) return 0;
    *neuron = strtol(c2 + 1, &end, 10);
    return end != c2 + 1 && (*end == '\0' || *end == '\r' || *end == '\n') && !errno;
}

/* The next line of *cursor (cut at '\n' and a '\r' before it, in place),
 * or NULL at the end. */
static char *next_line(char **cursor)
{
    char *line = *cursor;
    if (!*line) return NULL;
    char *nl = strchr(line, '\n');
    *cursor = nl ? nl + 1 : line + strlen(line);
    if (nl) *nl = '\0';
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r') line[len - 1] = '\0';
    return line;
}

/* Per session, its units sorted by cluster id, for lookups: map[first[s] ..). */
static void index_units(const cj_ephys_session *sessions, int n_sessions, id_index *map, int *first)
{
    first[0] = 0;
    for (int s = 0; s < n_sessions; s++) {
        first[s + 1] = first[s] + sessions[s].n_units;
        for (int u = 0; u < sessions[s].n_units; u++) map[first[s] + u] = (id_index){sessions[s].units[u].id, u};
        qsort(map + first[s], (size_t)sessions[s].n_units, sizeof *map, by_id);
    }
}

static cj_status parse_truth(char *txt, const char *path, const cj_ephys_session *sessions, int n_sessions,
                             const id_index *map, const int *first, int *neuron, cj_error *err)
{
    char *cursor = txt, *line = next_line(&cursor);
    if (!line || strcmp(line, "session,unit,neuron") != 0)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: header is '%.60s', expected 'session,unit,neuron'", path,
                       line ? line : "");
    for (int lineno = 2; (line = next_line(&cursor)); lineno++) {
        if (!*line) continue;
        char *name;
        long unit, who;
        if (!parse_row(line, &name, &unit, &who) || who < 0 || who > 2147483647L)
            return cj_fail(err, CJ_ERR_FORMAT,
                           "%s: line %d: expected 'session,unit,neuron' with integer unit and neuron", path, lineno);
        for (int s = 0; s < n_sessions; s++) {
            if (strcmp(sessions[s].name, name) != 0) continue;
            id_index k = {(int)unit, 0};
            id_index *hit = bsearch(&k, map + first[s], (size_t)sessions[s].n_units, sizeof *map, by_id);
            if (hit) neuron[first[s] + hit->index] = (int)who;
        }
    }
    for (int s = 0; s < n_sessions; s++)
        for (int u = 0; u < sessions[s].n_units; u++)
            if (neuron[first[s] + u] < 0)
                return cj_fail(err, CJ_ERR_FORMAT, "%s: unit %d of session %s is not listed", path,
                               sessions[s].units[u].id, sessions[s].name);
    return CJ_OK;
}

cj_status cj_unitmatch_truth_read(const char *path, const cj_ephys_session *sessions, int n_sessions, int *neuron,
                                  cj_error *err)
{
    char *txt;
    size_t len;
    cj_status st = cj_text_read(path, (size_t)1 << 30, &txt, &len, err); /* NUL bytes: an error naming the line */
    if (st) return st;
    int n_units = 0;
    for (int s = 0; s < n_sessions; s++) n_units += sessions[s].n_units;
    id_index *map = malloc(sizeof *map * (size_t)(n_units ? n_units : 1));
    int *first = malloc(sizeof(int) * ((size_t)n_sessions + 1));
    if (!map || !first) {
        st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    } else {
        index_units(sessions, n_sessions, map, first);
        for (int g = 0; g < n_units; g++) neuron[g] = -1;
        st = parse_truth(txt, path, sessions, n_sessions, map, first, neuron, err);
    }
    free(txt);
    free(map);
    free(first);
    return st;
}

/* ---- CSV outputs ---------------------------------------------------------- */

/* Open dir/file for an atomic write. */
static cj_status open_in(cj_atomic_file *af, const char *dir, const char *file, cj_error *err)
{
    char *path = cj_path_join(dir, file);
    cj_status st = path ? cj_atomic_open(af, path, err) : cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    free(path);
    return st;
}

static cj_status write_matches(const char *dir, const cj_ephys_session *sessions, const cj_unitmatch_result *r,
                               cj_error *err)
{
    cj_atomic_file af;
    cj_status st = open_in(&af, dir, "matches.csv", err);
    if (st) return st;
    fprintf(af.f, "session_a,unit_a,session_b,unit_b,similarity,distance,probability\n");
    for (size_t k = 0; k < r->n_pairs; k++) {
        const cj_unitmatch_pair *p = &r->pairs[k];
        fprintf(af.f, "%s,%d,%s,%d,%.5f,%.2f,%.5f\n", sessions[p->session_a].name,
                sessions[p->session_a].units[p->unit_a].id, sessions[p->session_b].name,
                sessions[p->session_b].units[p->unit_b].id, (double)p->similarity, (double)p->distance,
                (double)p->probability);
    }
    return cj_atomic_commit(&af, err);
}

static cj_status write_units(const char *dir, const cj_ephys_session *sessions, const cj_unitmatch_result *r,
                             cj_error *err)
{
    cj_atomic_file af;
    cj_status st = open_in(&af, dir, "units.csv", err);
    if (st) return st;
    fprintf(af.f, "session,unit,liberal_id,conservative_id\n");
    for (int s = 0; s < r->n_sessions; s++)
        for (int u = 0; u < sessions[s].n_units; u++) {
            int g = r->first[s] + u;
            fprintf(af.f, "%s,%d,%d,%d\n", sessions[s].name, sessions[s].units[u].id, r->liberal_id[g],
                    r->conservative_id[g]);
        }
    return cj_atomic_commit(&af, err);
}

/* ---- summary.json ----------------------------------------------------------- */

/* Numbers to 6 significant digits (cJSON would print 17), NaN as null. */
static void add_num(cJSON *o, const char *key, double v)
{
    if (!isfinite(v)) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%.6g", v);
    cJSON_AddNumberToObject(o, key, strtod(buf, NULL));
}

static void add_eval(cJSON *o, const cj_unitmatch_eval *e)
{
    add_num(o, "auc", e->auc);
    add_num(o, "auc_all_pairs", e->auc_all);
    add_num(o, "matches", (double)e->n_called);
    add_num(o, "true_positives", (double)e->scores.tp);
    add_num(o, "precision", e->scores.precision);
    add_num(o, "recall", e->scores.recall);
    add_num(o, "f1", e->scores.f1);
}

/* "methods": every method's final scores; "within_only": the Naive Bayes
 * models fitted to within-session pairs only, before the refit. */
static void add_methods(cJSON *o, const cj_unitmatch_eval *eval, const cj_unitmatch_eval *within)
{
    cJSON *ms = cJSON_AddObjectToObject(o, "methods");
    for (int x = 0; ms && x < CJ_UM_N_METHODS; x++) {
        cJSON *e = cJSON_AddObjectToObject(ms, cj_unitmatch_method_name(x));
        if (e) add_eval(e, &eval[x]);
    }
    cJSON *w = cJSON_AddObjectToObject(o, "within_only");
    for (int x = CJ_UM_NB_EXACT; w && x < CJ_UM_N_METHODS; x++) {
        cJSON *e = cJSON_AddObjectToObject(w, cj_unitmatch_method_name(x));
        if (e) add_eval(e, &within[x]);
    }
}

static void add_sessions(cJSON *root, const cj_ephys_session *sessions, const cj_unitmatch_result *r)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "sessions");
    for (int s = 0; arr && s < r->n_sessions; s++) {
        cJSON *o = cJSON_CreateObject();
        if (!o) return;
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "name", sessions[s].name);
        add_num(o, "units", sessions[s].n_units);
        add_num(o, "self_match_rate", r->self_match[s]);
        add_num(o, "within_false_positive_rate", r->within_fp[s]);
        add_num(o, "within_false_positive_rate_exact", r->within_fp_exact[s]);
    }
}

static void add_models(cJSON *root, const cj_unitmatch_result *r)
{
    cJSON *q = cJSON_AddObjectToObject(root, "quality");
    if (q) {
        add_num(q, "self_match_rate", r->self_match_all);
        add_num(q, "within_false_positive_rate", r->within_fp_all);
        add_num(q, "within_false_positive_rate_exact", r->within_fp_exact_all);
    }
    cJSON *t = cJSON_AddObjectToObject(root, "training");
    if (!t) return;
    add_num(t, "matches", (double)r->n_train[1]);
    add_num(t, "nonmatches", (double)r->n_train[0]);
    add_num(t, "putative_across_session_matches", (double)r->n_putative[0]);
    add_num(t, "putative_across_session_matches_baseline", (double)r->n_putative[1]);
    cJSON_AddStringToObject(t, "prior", "min(n_a, n_b) / candidate pairs, per session pair");
    add_num(t, "autoencoder_loss", r->ae_loss);
    add_num(t, "contrastive_loss", r->nce_loss);
    cJSON *bw = cJSON_AddObjectToObject(t, "bandwidth");
    if (!bw) return;
    add_num(bw, "similarity_match", r->nb_centroid.sim[1].bandwidth);
    add_num(bw, "similarity_nonmatch", r->nb_centroid.sim[0].bandwidth);
    add_num(bw, "distance_centroid_match_um", r->nb_centroid.dist[1].bandwidth);
    add_num(bw, "distance_centroid_nonmatch_um", r->nb_centroid.dist[0].bandwidth);
    add_num(bw, "distance_exact_match_um", r->nb_exact.dist[1].bandwidth);
    add_num(bw, "distance_exact_nonmatch_um", r->nb_exact.dist[0].bandwidth);
    cJSON_AddBoolToObject(bw, "distance_exact_match_floored", r->nb_exact.dist[1].floored);
    /* The models fitted to within-session pairs only: where the pitfall is. */
    cJSON *bww = cJSON_AddObjectToObject(t, "bandwidth_within_only");
    if (!bww) return;
    add_num(bww, "similarity_match", r->nb_centroid_within.sim[1].bandwidth);
    add_num(bww, "distance_centroid_match_um", r->nb_centroid_within.dist[1].bandwidth);
    add_num(bww, "distance_exact_match_um", r->nb_exact_within.dist[1].bandwidth);
    cJSON_AddBoolToObject(bww, "distance_centroid_match_floored", r->nb_centroid_within.dist[1].floored);
    cJSON_AddBoolToObject(bww, "distance_exact_match_floored", r->nb_exact_within.dist[1].floored);
}

static void add_session_pairs(cJSON *root, const cj_ephys_session *sessions, const cj_unitmatch_result *r)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "session_pairs");
    for (int k = 0; arr && k < r->n_session_pairs; k++) {
        const cj_unitmatch_session_pair *sp = &r->session_pairs[k];
        cJSON *o = cJSON_CreateObject();
        if (!o) return;
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "session_a", sessions[sp->a].name);
        cJSON_AddStringToObject(o, "session_b", sessions[sp->b].name);
        add_num(o, "drift_um", sp->drift_um);
        cJSON_AddBoolToObject(o, "drift_ok", sp->drift_ok);
        add_num(o, "drift_pairs", (double)sp->drift_used);
        add_num(o, "drift_inliers", (double)sp->drift_inliers);
        add_num(o, "candidates", (double)sp->n_candidates);
        add_num(o, "prior", sp->prior);
        cJSON *m = cJSON_AddObjectToObject(o, "matches");
        for (int x = 0; m && x < CJ_UM_N_METHODS; x++) add_num(m, cj_unitmatch_method_name(x), (double)sp->n_called[x]);
        if (!r->evaluated) continue;
        add_num(o, "true_matches", (double)sp->n_true);
        add_num(o, "true_matches_candidates", (double)sp->n_true_candidates);
        add_methods(o, sp->eval, sp->eval_within);
    }
}

static void add_evaluation(cJSON *root, const cj_unitmatch_result *r)
{
    if (!r->evaluated) {
        cJSON_AddNullToObject(root, "evaluation");
        return;
    }
    cJSON *o = cJSON_AddObjectToObject(root, "evaluation");
    if (!o) return;
    add_num(o, "true_matches", (double)r->n_true);
    add_num(o, "true_matches_candidates", (double)r->n_true_candidates);
    add_methods(o, r->eval, r->eval_within);
}

static void add_tracking(cJSON *root, const cj_unitmatch_result *r)
{
    cJSON *t = cJSON_AddObjectToObject(root, "tracking");
    const char *names[2] = {"liberal", "conservative"};
    const int counts[2] = {r->n_liberal, r->n_conservative};
    const cj_binary_scores *scores[2] = {&r->track_liberal, &r->track_conservative};
    for (int k = 0; t && k < 2; k++) {
        cJSON *o = cJSON_AddObjectToObject(t, names[k]);
        if (!o) return;
        add_num(o, "neurons", counts[k]);
        if (!r->evaluated) continue;
        add_num(o, "pair_precision", scores[k]->precision);
        add_num(o, "pair_recall", scores[k]->recall);
        add_num(o, "pair_f1", scores[k]->f1);
    }
}

static cj_status write_summary(const char *dir, const cj_ephys_session *sessions, const cj_unitmatch_result *r,
                               const cj_unitmatch_opts *o, unsigned long long seed, double total_seconds,
                               cj_error *err)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) return cj_fail(err, CJ_ERR_NOMEM, "summary.json: out of memory");
    add_num(root, "units", r->n_units);
    add_sessions(root, sessions, r);
    cJSON *opt = cJSON_AddObjectToObject(root, "options");
    if (opt) {
        add_num(opt, "max_distance_um", o->max_distance_um);
        add_num(opt, "drift_window_um", o->drift_window_um);
        add_num(opt, "drift_rounds", o->drift_rounds);
        add_num(opt, "threshold", o->threshold);
        add_num(opt, "seed", (double)seed);
        add_num(opt, "threads", o->threads);
    }
    add_models(root, r);
    add_session_pairs(root, sessions, r);
    add_evaluation(root, r);
    add_tracking(root, r);
    cJSON *t = cJSON_AddObjectToObject(root, "timings_s");
    if (t) {
        add_num(t, "positions", r->t_positions);
        add_num(t, "train_network", r->t_train);
        add_num(t, "embed", r->t_embed);
        add_num(t, "naive_bayes", r->t_fit);
        add_num(t, "session_pairs", r->t_pairs);
        add_num(t, "refit", r->t_refit);
        add_num(t, "tracking", r->t_tracking);
        add_num(t, "total_before_outputs", total_seconds);
    }
    char *json = cJSON_Print(root);
    cJSON_Delete(root);
    if (!json) return cj_fail(err, CJ_ERR_NOMEM, "summary.json: out of memory printing it");
    char *path = cj_path_join(dir, "summary.json");
    cj_status st = path ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    if (!st) {
        size_t len = strlen(json);
        json[len] = '\n'; /* replace the terminator: the file ends with a newline */
        st = cj_write_file_atomic(path, json, len + 1, err);
    }
    free(path);
    free(json);
    return st;
}

cj_status cj_unitmatch_write(const char *dir, const cj_ephys_session *sessions, const cj_unitmatch_result *r,
                             const cj_unitmatch_opts *o, unsigned long long seed, double total_seconds,
                             cj_error *err)
{
    cj_status st = write_matches(dir, sessions, r, err);
    if (!st) st = write_units(dir, sessions, r, err);
    if (!st) st = write_summary(dir, sessions, r, o, seed, total_seconds, err);
    return st;
}
