/* cmd_decode.c — `cajal decode RASTER_DIR --label NAME --out DIR`:
 * time-resolved population decoding of spike rasters (NeuroDecodeR's
 * method; include/cajal/decode.h, docs/analysis.md "Population decoding"). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cajal/decode.h"
#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/npy.h"
#include "args.h"
#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal decode RASTER_DIR --label NAME --out DIR [--bin MS] [--step MS]\n"
            "                    [--classifier max_corr|lda|poisson_nb] [--folds K] [--repeats R]\n"
            "                    [--resamples N] [--permutations P] [--null-resamples M] [--no-zscore]\n"
            "                    [--no-cross] [--seed S] [--threads T] [--quiet]\n\n"
            "Decode a label from pseudo-populations of units at every time bin. RASTER_DIR holds one\n"
            ".mat file per unit in NeuroDecodeR's raster format: raster_data [trials, ms] of spikes,\n"
            "raster_labels.NAME (one label per trial), and optionally\n"
            "raster_site_info.alignment_event_time (the column of time 0). Writes to DIR:\n"
            "  accuracy.csv   bin_start_ms,bin_end_ms,accuracy,chance,null_p95 (one line per bin)\n"
            "  tcd.npy        [bins, bins] float32: trained at bin t (row), tested at bin s (column)\n"
            "  summary.json   settings, units used and dropped, accuracy before 0 ms, the best bin\n"
            "  decode.png     accuracy over time with chance and the null; the cross-decoding matrix\n\n"
            "  --label NAME       the raster_labels field to decode (required)\n"
            "  --out DIR          output folder (created if missing)\n"
            "  --bin MS           bin width in ms (default 150)\n"
            "  --step MS          ms between bin starts (default 50)\n"
            "  --classifier C     max_corr (default: NeuroDecodeR's), lda (Ledoit-Wolf shrinkage, as\n"
            "                     scikit-learn's) or poisson_nb (on counts; implies --no-zscore)\n"
            "  --folds K          cross-validation splits (default 10); a unit needs K x R trials of\n"
            "                     every label, else it is dropped\n"
            "  --repeats R        trials of each label per split (default 1)\n"
            "  --resamples N      resample runs, each with new pseudo-populations (default 50)\n"
            "  --permutations P   shuffled-label null runs (default 0); null_p95 needs them\n"
            "  --null-resamples M resample runs per permutation (default 10)\n"
            "  --no-zscore        no z-scoring of the features with the training statistics\n"
            "  --no-cross         train and test at the same bin only (no tcd.npy)\n"
            "  --seed S           random seed (default 1); a seed fixes every number, whatever T\n"
            "  --threads T        threads (default: all cores)\n"
            "  --quiet            no progress on stderr\n"
            "See docs/analysis.md, \"Population decoding\".\n");
}

typedef struct {
    const char *dir, *label, *out;
    int bin, step, quiet, zscore_set, n_args;
    cj_decode_config c;
} options;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void say(const options *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const options *o, const char *fmt, ...)
{
    if (o->quiet) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cajal decode: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

/* A whole number in [lo, hi] for option `name`; 0 after reporting it. */
static int whole(const char *name, const char *v, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || *end || errno || n < lo || n > hi) {
        fprintf(stderr, "cajal decode: %s '%s' is not a whole number in %ld..%ld\n", name, v, lo, hi);
        return 0;
    }
    *out = (int)n;
    return 1;
}

static int set_option(options *o, const char *name, const char *v)
{
    if (!strcmp(name, "--label")) o->label = v;
    else if (!strcmp(name, "--out")) o->out = v;
    else if (!strcmp(name, "--bin")) return whole(name, v, 1, 1000000, &o->bin);
    else if (!strcmp(name, "--step")) return whole(name, v, 1, 1000000, &o->step);
    else if (!strcmp(name, "--folds")) return whole(name, v, 2, 1000, &o->c.n_folds);
    else if (!strcmp(name, "--repeats")) return whole(name, v, 1, 1000, &o->c.repeats_per_fold);
    else if (!strcmp(name, "--resamples")) return whole(name, v, 1, 100000, &o->c.n_resamples);
    else if (!strcmp(name, "--permutations")) return whole(name, v, 0, 100000, &o->c.n_permutations);
    else if (!strcmp(name, "--null-resamples")) return whole(name, v, 1, 100000, &o->c.null_resamples);
    else if (!strcmp(name, "--threads")) return whole(name, v, 1, 1024, &o->c.n_threads);
    else if (!strcmp(name, "--classifier")) o->c.classifier = v;
    else if (!strcmp(name, "--seed")) {
        uint64_t s;
        if (!cj_cli_parse_u64(v, &s)) {
            fprintf(stderr, "cajal decode: --seed '%s' is not a non-negative integer\n", v);
            return 0;
        }
        o->c.seed = s;
    } else {
        fprintf(stderr, "cajal decode: unknown option '%s' (see 'cajal decode --help')\n", name);
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
        if (!strcmp(a, "--no-zscore")) {
            o->c.zscore = 0;
            o->zscore_set = 1;
            continue;
        }
        if (!strcmp(a, "--no-cross")) {
            o->c.temporal_cross = 0;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            o->dir = a;
            o->n_args++;
            continue;
        }
        char name[64];
        const char *v;
        if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
            fprintf(stderr, "cajal decode: option '%s' needs a value (see 'cajal decode --help')\n", a);
            return 2;
        }
        if (!set_option(o, name, v)) return 2;
    }
    const char *missing = o->n_args != 1 ? "one RASTER_DIR" : !o->label ? "--label NAME" : !o->out ? "--out DIR" : NULL;
    if (missing) {
        fprintf(stderr, "cajal decode: %s is required%s (see 'cajal decode --help')\n", missing,
                o->n_args > 1 ? " (more than one folder given)" : "");
        return 2;
    }
    /* Poisson naive Bayes models counts: z-scoring them would be wrong. */
    if (!strcmp(o->c.classifier, "poisson_nb") && !o->zscore_set) o->c.zscore = 0;
    cj_error err = {0};
    if (cj_decode_check(&o->c, &err)) {
        fprintf(stderr, "cajal decode: %s\n", err.msg);
        return 2;
    }
    return -1;
}

static int write_outputs(const options *o, const cj_binned *b, const cj_decode_result *r, double seconds)
{
    cj_error err = {0};
    char *csv = cj_path_join(o->out, "accuracy.csv"), *tcd = cj_path_join(o->out, "tcd.npy");
    char *json = cj_path_join(o->out, "summary.json"), *png = cj_path_join(o->out, "decode.png");
    float *m = r->tcd ? malloc(sizeof(float) * (size_t)r->n_bins * r->n_bins) : NULL;
    int rc = 0;
    if (!csv || !tcd || !json || !png || (r->tcd && !m)) {
        fprintf(stderr, "cajal decode: out of memory\n");
        rc = 1;
    }
    cj_status st = rc ? CJ_ERR_NOMEM : cj_make_dirs(o->out, &err);
    if (!st) st = cj_decode_write_csv(csv, r, &err);
    if (!st && m) {
        for (int i = 0; i < r->n_bins * r->n_bins; i++) m[i] = (float)r->tcd[i];
        st = cj_npy_write_f32(tcd, 2, (int64_t[]){r->n_bins, r->n_bins}, m, &err);
    }
    if (!st) st = cj_decode_write_summary(json, b, &o->c, r, seconds, &err);
    if (!st) {
        char title[160];
        snprintf(title, sizeof title, "%s: %d units, %s, %d ms bins every %d ms", o->label, r->n_units_used,
                 o->c.classifier, b->width_ms, b->step_ms);
        st = cj_decode_plot(r, title, png, &err);
    }
    if (st && !rc) {
        fprintf(stderr, "cajal decode: %s\n", err.msg);
        rc = 1;
    }
    if (!rc && !o->quiet) {
        printf("wrote %s, %s%s%s, %s\n", csv, m ? tcd : "", m ? ", " : "", json, png);
    }
    free(m);
    free(csv);
    free(tcd);
    free(json);
    free(png);
    return rc;
}

int cj_cmd_decode(int argc, char **argv)
{
    options o = {.bin = 150, .step = 50};
    cj_decode_defaults(&o.c);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o.c.n_threads = cores > 0 && cores <= 1024 ? (int)cores : 1;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) return rc;
    cj_error err = {0};
    cj_rasters r;
    cj_binned b;
    cj_decode_result res;
    double t0 = now_seconds();
    if (cj_rasters_load_dir(o.dir, o.label, &r, &err)) {
        fprintf(stderr, "cajal decode: %s\n", err.msg);
        return 1;
    }
    double t1 = now_seconds();
    say(&o, "%d units from %s, %d ms each, %d labels of %s (read in %.1f s)", r.n_units, o.dir, r.n_ms, r.n_labels,
        o.label, t1 - t0);
    cj_status st = cj_rasters_bin(&r, o.bin, o.step, &b, &err);
    cj_rasters_free(&r);
    if (st) {
        fprintf(stderr, "cajal decode: --bin %d --step %d: %s\n", o.bin, o.step, err.msg);
        return 1;
    }
    if ((st = cj_decode_run(&b, &o.c, &res, &err))) {
        fprintf(stderr, "cajal decode: %s\n", err.msg);
        cj_binned_free(&b);
        return 1;
    }
    double t2 = now_seconds();
    say(&o, "%s: %d units used, %d dropped (fewer than %d trials of a label); %d bins x %d resample runs%s in %.1f s",
        o.c.classifier, res.n_units_used, res.n_units_dropped, res.trials_per_label, res.n_bins, o.c.n_resamples,
        o.c.n_permutations ? " + the null" : "", t2 - t1);
    double pre = 0, peak = -1;
    int n_pre = 0, at = 0;
    for (int t = 0; t < res.n_bins; t++) {
        if (res.bin_end_ms[t] <= 0) pre += res.accuracy[t], n_pre++;
        if (res.accuracy[t] > peak) peak = res.accuracy[t], at = t;
    }
    if (!o.quiet) {
        if (n_pre) printf("accuracy before 0 ms: %.3f (chance %.3f)\n", pre / n_pre, res.chance);
        printf("peak accuracy: %.3f at %g..%g ms", peak, res.bin_start_ms[at], res.bin_end_ms[at]);
        if (res.n_permutations) printf(" (null 95th percentile %.3f, p = %.3g)", res.null_p95[at], res.null_p[at]);
        printf("\n");
    }
    rc = write_outputs(&o, &b, &res, t2 - t0);
    cj_decode_result_free(&res);
    cj_binned_free(&b);
    return rc;
}
