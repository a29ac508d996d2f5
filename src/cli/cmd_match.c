/* cmd_match.c — `cajal match SESSION_DIR... --out DIR`: track the same
 * neurons across recording sessions (the method, the files and the figures
 * are described in docs/unit-matching.md). */
#include <cblas.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/unitmatch.h"
#include "args.h"
#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal match SESSION_DIR... --out DIR [--seed S] [--threads N] [--truth FILE]\n"
            "                   [--max-distance UM] [--names A,B,...] [--all-clusters] [--quiet]\n\n"
            "Decide which units of different sessions are the same neuron. Each SESSION_DIR is a\n"
            "Kilosort/phy folder with channel_positions.npy, cluster labels (cluster_group.tsv,\n"
            "cluster_bc_unitType.tsv or cluster_KSLabel.tsv) and RawWaveforms/Unit<id>_RawSpikes.npy\n"
            "(two half-session waveforms per unit; without that folder, templates.npy); at least\n"
            "two are needed, in recording order. Writes to DIR:\n"
            "  matches.csv    session_a,unit_a,session_b,unit_b,similarity,distance,probability:\n"
            "                 every across-session pair within --max-distance after drift correction\n"
            "  units.csv      session,unit,liberal_id,conservative_id: tracked neuron ids\n"
            "  summary.json   drift per session pair, quality checks, matches and AUC per method, timings\n"
            "  *.png          quality.png, methods.png, distributions.png, matrices_<A>_<B>.png\n\n"
            "  --out DIR          output folder (created if missing)\n"
            "  --seed S           random seed for network training (default 1)\n"
            "  --threads N        threads (default: all cores); a seed and N fix every number\n"
            "  --truth FILE       session,unit,neuron identities to evaluate against (default:\n"
            "                     truth.csv beside the session folders, if there is one)\n"
            "  --max-distance UM  candidate pairs: centroids this close after drift correction\n"
            "                     (default 100)\n"
            "  --names A,B,...    session names in the outputs, one per SESSION_DIR (default: the\n"
            "                     shortest path suffix that tells the folders apart)\n"
            "  --all-clusters     every cluster of the label file, not only those labelled good\n"
            "  --quiet            no progress on stderr\n"
            "See docs/unit-matching.md.\n");
}

typedef struct {
    const char *out, *truth, *names;
    unsigned long long seed;
    int threads, quiet, n_dirs, all_clusters;
    float max_distance;
    const char **dirs;
} options;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void progress(void *ctx, const char *msg)
{
    const options *o = ctx;
    if (!o->quiet) fprintf(stderr, "cajal match: %s\n", msg);
}

static void say(const options *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const options *o, const char *fmt, ...)
{
    if (o->quiet) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cajal match: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

/* One option's value; returns 0 after reporting a usage error. */
static int set_option(options *o, const char *name, const char *v)
{
    char *end;
    errno = 0;
    if (!strcmp(name, "--out")) {
        o->out = v;
    } else if (!strcmp(name, "--truth")) {
        o->truth = v;
    } else if (!strcmp(name, "--names")) {
        o->names = v;
    } else if (!strcmp(name, "--seed")) {
        o->seed = strtoull(v, &end, 10);
        if (end == v || *end || errno || v[0] == '-') {
            fprintf(stderr, "cajal match: --seed '%s' is not a non-negative integer\n", v);
            return 0;
        }
    } else if (!strcmp(name, "--threads")) {
        long n = strtol(v, &end, 10);
        if (end == v || *end || errno || n < 1 || n > 1024) {
            fprintf(stderr, "cajal match: --threads '%s' is not a number in 1..1024\n", v);
            return 0;
        }
        o->threads = (int)n;
    } else if (!strcmp(name, "--max-distance")) {
        double d = strtod(v, &end);
        if (end == v || *end || errno || !(d > 0.0 && d <= 10000.0)) {
            fprintf(stderr, "cajal match: --max-distance '%s' is not a distance in (0, 10000] um\n", v);
            return 0;
        }
        o->max_distance = (float)d;
    } else {
        fprintf(stderr, "cajal match: unknown option '%s' (see 'cajal match --help')\n", name);
        return 0;
    }
    return 1;
}

/* -1: go on; otherwise the exit status (0 after --help, 2 on a usage error). */
static int parse_args(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = 1;
            continue;
        }
        if (!strcmp(a, "--all-clusters")) {
            o->all_clusters = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            o->dirs[o->n_dirs++] = a;
            continue;
        }
        char name[64];
        const char *v;
        if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
            fprintf(stderr, "cajal match: option '%s' needs a value (see 'cajal match --help')\n", a);
            return 2;
        }
        if (!set_option(o, name, v)) return 2;
    }
    if (!o->out) {
        fprintf(stderr, "cajal match: --out DIR is required (see 'cajal match --help')\n");
        return 2;
    }
    if (o->n_dirs < 2) {
        fprintf(stderr, "cajal match: %d session folder%s given; matching needs at least two\n", o->n_dirs,
                o->n_dirs == 1 ? "" : "s");
        return 2;
    }
    return -1;
}

/* --names A,B,...: one name per folder, split in place into names[]. */
static int split_names(const options *o, char *list, char **names)
{
    int n = 0;
    for (char *p = list, *next; p; p = next) {
        next = strchr(p, ',');
        if (next) *next++ = '\0';
        if (n < o->n_dirs) names[n] = p;
        n++;
    }
    if (n != o->n_dirs) {
        fprintf(stderr, "cajal match: --names gives %d name%s for %d session folders\n", n, n == 1 ? "" : "s",
                o->n_dirs);
        return 0;
    }
    return 1;
}

static int by_string(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Names go into CSV rows and file names: none empty, none twice, no
 * commas, quotes or control characters. */
static int check_names(const options *o, char **names)
{
    for (int s = 0; s < o->n_dirs; s++) {
        const char *bad = names[s];
        while (*bad && *bad != ',' && *bad != '"' && (unsigned char)*bad >= 0x20) bad++;
        if (!names[s][0] || *bad) {
            fprintf(stderr, "cajal match: %s: session name '%s' is empty or has a comma, quote or control "
                            "character; give --names\n", o->dirs[s], names[s]);
            return 0;
        }
    }
    char **sorted = malloc(sizeof *sorted * (size_t)o->n_dirs);
    if (!sorted) return 0;
    memcpy(sorted, names, sizeof *sorted * (size_t)o->n_dirs);
    qsort(sorted, (size_t)o->n_dirs, sizeof *sorted, by_string);
    int ok = 1;
    for (int s = 1; s < o->n_dirs && ok; s++)
        if (!strcmp(sorted[s], sorted[s - 1])) {
            fprintf(stderr, "cajal match: --names: '%s' is given twice\n", sorted[s]);
            ok = 0;
        }
    free(sorted);
    return ok;
}

/* Each session's name: --names, else the shortest distinct path suffix.
 * names[] are allocated by the library or point into `list`. */
static int session_names(const options *o, char *list, char **names, int *owned)
{
    for (int s = 0; s < o->n_dirs; s++) {
        struct stat sb;
        if (stat(o->dirs[s], &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "cajal match: %s: no such session folder\n", o->dirs[s]);
            return 1;
        }
    }
    if (list) {
        *owned = 0;
        if (!split_names(o, list, names)) return 2;
    } else {
        cj_error err = {0};
        *owned = 1;
        if (cj_ephys_session_names(o->dirs, o->n_dirs, names, &err)) {
            fprintf(stderr, "cajal match: %s\n", err.msg);
            return 2;
        }
    }
    return check_names(o, names) ? 0 : 2;
}

/* The library returns warnings rather than printing them; they are shown
 * even with --quiet, which silences progress only. */
static void print_warnings(const cj_ephys_session *s)
{
    for (int k = 0; k < s->n_warnings; k++) fprintf(stderr, "cajal match: warning: %s\n", s->warnings[k]);
}

static int load_one(const options *o, int s, const char *name, cj_ephys_session *session)
{
    cj_ephys_load_opts lo = {.all_clusters = o->all_clusters};
    cj_error err = {0};
    if (cj_ephys_session_load_opts(o->dirs[s], &lo, session, &err) ||
        cj_ephys_session_rename(session, name, &err)) {
        fprintf(stderr, "cajal match: %s\n", err.msg);
        return 1;
    }
    print_warnings(session);
    say(o, "%s: %d %s from %s/%s, %d channel%s on %d shank%s%s", name, session->n_units,
        o->all_clusters ? "clusters" : "good units", o->dirs[s], session->label_file, session->n_channels,
        session->n_channels == 1 ? "" : "s", session->n_shanks, session->n_shanks == 1 ? "" : "s",
        session->n_shanks > 1 ? (session->shanks_inferred ? " (from x gaps)" : " (channel_shanks.npy)") : "");
    return 0;
}

static int load_sessions(const options *o, cj_ephys_session *sessions)
{
    double t0 = now_seconds();
    char **names = calloc((size_t)o->n_dirs, sizeof *names);
    char *list = o->names ? strdup(o->names) : NULL;
    int owned = 0, n_units = 0;
    int rc = !names || (o->names && !list) ? 1 : session_names(o, list, names, &owned);
    if (!rc) {
        char *warn = cj_ephys_order_warning((const char *const *)names, o->n_dirs);
        if (warn) fprintf(stderr, "cajal match: warning: %s\n", warn);
        free(warn);
    }
    for (int s = 0; s < o->n_dirs && !rc; s++) {
        rc = load_one(o, s, names[s], &sessions[s]);
        n_units += sessions[s].n_units;
    }
    if (!rc) say(o, "loaded %d sessions, %d units (%.2f s)", o->n_dirs, n_units, now_seconds() - t0);
    for (int s = 0; owned && s < o->n_dirs; s++) free(names[s]);
    free(names);
    free(list);
    return rc;
}

/* The truth to evaluate against: --truth, else truth.csv beside the first
 * session folder. Returns 1 on a hard error (an explicit --truth that
 * cannot be used). */
static int load_truth(const options *o, const cj_ephys_session *sessions, int **truth)
{
    *truth = NULL;
    char *auto_path = NULL;
    const char *path = o->truth;
    if (!path) {
        const char *d = o->dirs[0];
        size_t n = strlen(d);
        while (n > 1 && d[n - 1] == '/') n--;
        auto_path = cj_path_printf("%.*s/../truth.csv", (int)n, d);
        if (!auto_path || access(auto_path, R_OK) != 0) {
            free(auto_path);
            return 0;
        }
        path = auto_path;
    }
    int n_units = 0;
    for (int s = 0; s < o->n_dirs; s++) n_units += sessions[s].n_units;
    int *t = malloc(sizeof(int) * (size_t)n_units);
    cj_error err = {0};
    if (!t) cj_fail(&err, CJ_ERR_NOMEM, "out of memory for the truth");
    int rc = 0;
    if (!t || cj_unitmatch_truth_read(path, sessions, o->n_dirs, t, &err)) {
        free(t);
        if (o->truth) {
            fprintf(stderr, "cajal match: %s\n", err.msg);
            rc = 1;
        } else {
            say(o, "not evaluating: %s", err.msg);
        }
    } else {
        say(o, "evaluating against %s", path);
        *truth = t;
    }
    free(auto_path);
    return rc;
}

static void print_report(const options *o, const cj_unitmatch_result *r)
{
    printf("split-half self-match rate %.4f, within-session false-positive rate %.4f (exact distance %.4f)\n",
           r->self_match_all, r->within_fp_all, r->within_fp_exact_all);
    size_t called = 0;
    for (int k = 0; k < r->n_session_pairs; k++) called += r->session_pairs[k].n_called[CJ_UM_NB_CENTROID];
    printf("%zu candidate pairs, %zu matches (P > 0.5); %d tracked neurons (liberal), %d (conservative)\n",
           r->n_pairs, called, r->n_liberal, r->n_conservative);
    if (r->evaluated) {
        printf("against truth: %zu true across-session matches (%zu among the candidates)\n", r->n_true,
               r->n_true_candidates);
        printf("%-20s %8s %10s %8s %10s %8s %8s\n", "method", "AUC", "AUC(all)", "matches", "precision", "recall",
               "F1");
        for (int k = 0; k < CJ_UM_N_METHODS + 3; k++) {
            /* The final methods, then the three Naive Bayes models fitted to
             * within-session pairs only. */
            int m = k < CJ_UM_N_METHODS ? k : CJ_UM_NB_EXACT + k - CJ_UM_N_METHODS;
            const cj_unitmatch_eval *e = k < CJ_UM_N_METHODS ? &r->eval[m] : &r->eval_within[m];
            char name[48];
            snprintf(name, sizeof name, "%s%s", cj_unitmatch_method_name(m), k < CJ_UM_N_METHODS ? "" : " (within)");
            printf("%-20s %8.4f %10.5f %8zu %10.4f %8.4f %8.4f\n", name, e->auc, e->auc_all, e->n_called,
                   e->scores.precision, e->scores.recall, e->scores.f1);
        }
        printf("tracking (pairs of units): liberal precision %.4f recall %.4f; conservative precision %.4f recall "
               "%.4f\n",
               r->track_liberal.precision, r->track_liberal.recall, r->track_conservative.precision,
               r->track_conservative.recall);
    }
    printf("wrote %s/matches.csv, units.csv, summary.json and figures\n", o->out);
}

static int run(const options *o, cj_ephys_session *sessions)
{
    double t_start = now_seconds();
    int rc = load_sessions(o, sessions);
    int *truth = NULL;
    if (!rc) rc = load_truth(o, sessions, &truth);
    if (rc) return rc;
    cj_error dir_err = {0};
    if (cj_make_dirs(o->out, &dir_err)) {
        fprintf(stderr, "cajal match: %s\n", dir_err.msg);
        free(truth);
        return 1;
    }
    cj_unitmatch_opts uo;
    cj_unitmatch_defaults(&uo);
    uo.max_distance_um = o->max_distance;
    uo.threads = o->threads;
    uo.progress = progress;
    uo.progress_ctx = (void *)o;
    openblas_set_num_threads(o->threads);
    cj_rng rng;
    cj_rng_seed(&rng, o->seed);
    cj_unitmatch_result r;
    cj_error err = {0};
    cj_status st = cj_unitmatch_run(sessions, o->n_dirs, truth, &uo, &rng, &r, &err);
    double t0 = now_seconds();
    if (!st) st = cj_unitmatch_write(o->out, sessions, &r, &uo, o->seed, t0 - t_start, &err);
    if (!st) st = cj_unitmatch_figures(o->out, sessions, &r, &uo, &err);
    if (!st) say(o, "wrote the outputs (%.2f s); %.1f s in all", now_seconds() - t0, now_seconds() - t_start);
    if (st) {
        fprintf(stderr, "cajal match: %s\n", err.msg);
    } else if (!o->quiet) {
        print_report(o, &r);
    }
    cj_unitmatch_free(&r); /* empty after a failed run: safe */
    free(truth);
    return st ? 1 : 0;
}

int cj_cmd_match(int argc, char **argv)
{
    options o = {.seed = 1, .threads = (int)sysconf(_SC_NPROCESSORS_ONLN), .max_distance = 100.0f};
    if (o.threads < 1) o.threads = 1;
    o.dirs = calloc(argc > 0 ? (size_t)argc : 1, sizeof *o.dirs);
    if (!o.dirs) {
        fprintf(stderr, "cajal match: out of memory\n");
        return 1;
    }
    int rc = parse_args(argc, argv, &o);
    if (rc < 0) {
        cj_ephys_session *sessions = calloc((size_t)o.n_dirs, sizeof *sessions);
        rc = sessions ? run(&o, sessions) : 1;
        for (int s = 0; sessions && s < o.n_dirs; s++) cj_ephys_session_free(&sessions[s]);
        free(sessions);
    }
    free(o.dirs);
    return rc;
}
