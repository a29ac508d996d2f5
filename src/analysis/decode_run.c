/* decode_run.c — NeuroDecodeR's decoding procedure (ds_basic + fp_zscore +
 * a classifier + cv_standard; include/cajal/decode.h explains each step):
 * pseudo-populations drawn anew in every resample run, k-fold
 * cross-validation at every bin (and every train/test bin pair), the
 * shuffled-label null.
 *
 * Work is split into jobs — one per resample run, one per permutation of
 * the null — each with its own random stream (seed, kind, index) and its
 * own slot for results, summed in job order at the end: the numbers do
 * not depend on the number of threads. Each thread allocates its buffers
 * once; nothing is allocated per fold or bin. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "decode_common.h"

void cj_decode_defaults(cj_decode_config *c)
{
    memset(c, 0, sizeof *c);
    c->classifier = "max_corr";
    c->n_folds = 10;
    c->repeats_per_fold = 1;
    c->n_resamples = 50;
    c->zscore = 1;
    c->temporal_cross = 1;
    c->n_permutations = 0;
    c->null_resamples = 10;
    c->n_threads = 1;
    c->seed = 1;
}

/* ---- the plan: what every job reads ---------------------------------------- */

typedef struct {
    const cj_binned *b;
    const cj_decode_config *c;
    const decode_classifier *cl;
    int n_used, *used;     /* the units kept, in order: feature j is unit used[j] */
    int C, T, k, R, F;     /* labels, bins, trials per label, per fold, folds */
    int n_train, n_test;   /* pseudo-trials in one fold's training and test sets */
} plan;

/* Per thread: the pseudo-population of one run and the buffers of one fit. */
typedef struct {
    const plan *pl;
    double *x;             /* [T][C k][p]: pseudo-trial (c, j) is row c k + j */
    double *xtr, *xte;     /* one bin's training [n_train, p] and test [n_test, p] rows */
    double *mean, *sd, *ws, *scores;
    int *ytr, *yte, *is_test;
    int *pick;             /* a copy of one unit's trials of one label, partly shuffled */
    int **lists, *list_len, *list_data; /* per used unit and label: its trials */
    int *labels;           /* every used unit's labels, permuted (the null) */
    const int **label_rows; /* [p]: where each unit's permuted labels start */
    long *correct;         /* [T * T] */
    cj_rng rng;
} worker;

/* Trials of each label for each used unit, under `labels_of(u)` (the
 * unit's labels, or a permutation of them). */
static void fill_lists(worker *w, const int *const *labels)
{
    const plan *pl = w->pl;
    int *next = w->list_data;
    for (int j = 0; j < pl->n_used; j++) {
        int u = pl->used[j], n = pl->b->n_trials[u];
        const int *lab = labels ? labels[j] : pl->b->label[u];
        for (int c = 0; c < pl->C; c++) {
            int *list = w->lists[j * pl->C + c] = next, m = 0;
            for (int i = 0; i < n; i++)
                if (lab[i] == c) list[m++] = i;
            w->list_len[j * pl->C + c] = m;
            next += m;
        }
    }
}

/* ds_basic's get_data: for every label and unit, k trials without
 * replacement (a partial Fisher–Yates shuffle); draw j of every unit
 * together is pseudo-trial j. */
static void draw_pseudo_population(worker *w)
{
    const plan *pl = w->pl;
    int p = pl->n_used, rows = pl->C * pl->k;
    for (int j = 0; j < p; j++) {
        int u = pl->used[j];
        const double *counts = pl->b->counts[u];
        for (int c = 0; c < pl->C; c++) {
            int m = w->list_len[j * pl->C + c];
            memcpy(w->pick, w->lists[j * pl->C + c], sizeof(int) * (size_t)m);
            for (int d = 0; d < pl->k; d++) {
                int r = d + (int)cj_rng_below(&w->rng, (uint32_t)(m - d));
                int tmp = w->pick[d];
                w->pick[d] = w->pick[r];
                w->pick[r] = tmp;
                const double *trial = counts + (size_t)w->pick[d] * pl->T;
                size_t row = (size_t)c * pl->k + d;
                for (int t = 0; t < pl->T; t++) w->x[((size_t)t * rows + row) * p + j] = trial[t];
            }
        }
    }
}

/* Rows of bin t into dst (is_test selects which), their labels into y. */
static void gather(const worker *w, int t, int want_test, double *dst, int *y)
{
    const plan *pl = w->pl;
    int p = pl->n_used, rows = pl->C * pl->k, n = 0;
    for (int r = 0; r < rows; r++) {
        if (w->is_test[r] != want_test) continue;
        memcpy(dst + (size_t)n * p, w->x + ((size_t)t * rows + r) * p, sizeof(double) * (size_t)p);
        if (y) y[n] = r / pl->k;
        n++;
    }
}

/* One resample run: a new pseudo-population, every fold, every train bin,
 * the test bins (all of them for the cross-temporal matrix); correct
 * predictions added into w->correct [T * T]. */
static void resample_run(worker *w, int cross)
{
    const plan *pl = w->pl;
    int p = pl->n_used, C = pl->C, T = pl->T;
    draw_pseudo_population(w);
    for (int f = 0; f < pl->F; f++) {
        for (int r = 0; r < C * pl->k; r++) {
            int j = r % pl->k;
            w->is_test[r] = j >= f * pl->R && j < (f + 1) * pl->R;
        }
        for (int t = 0; t < T; t++) {
            gather(w, t, 0, w->xtr, w->ytr);
            if (pl->c->zscore) {
                decode_zscore_fit(w->xtr, pl->n_train, p, w->mean, w->sd);
                decode_zscore_apply(w->xtr, pl->n_train, p, w->mean, w->sd);
            }
            pl->cl->fit(w->ws, w->xtr, w->ytr, pl->n_train, p, C); /* cannot fail: every label has trials */
            for (int s = cross ? 0 : t; s < (cross ? T : t + 1); s++) {
                gather(w, s, 1, w->xte, w->yte);
                if (pl->c->zscore) decode_zscore_apply(w->xte, pl->n_test, p, w->mean, w->sd);
                pl->cl->scores(w->ws, w->xte, pl->n_test, p, C, w->scores);
                long hits = 0;
                for (int i = 0; i < pl->n_test; i++)
                    hits += decode_argmax(w->scores + (size_t)i * C, C, &w->rng) == w->yte[i];
                w->correct[(size_t)t * T + s] += hits;
            }
        }
    }
}

static void worker_free(worker *w)
{
    free(w->x);
    free(w->xtr);
    free(w->xte);
    free(w->mean);
    free(w->ws);
    free(w->scores);
    free(w->ytr);
    free(w->yte);
    free(w->is_test);
    free(w->pick);
    free(w->lists);
    free(w->list_len);
    free(w->list_data);
    free(w->labels);
    free(w->label_rows);
    free(w->correct);
    memset(w, 0, sizeof *w);
}

static int worker_init(worker *w, const plan *pl)
{
    memset(w, 0, sizeof *w);
    w->pl = pl;
    int p = pl->n_used, C = pl->C, rows = C * pl->k, max_trials = 1;
    size_t total_trials = 0;
    for (int j = 0; j < p; j++) {
        int n = pl->b->n_trials[pl->used[j]];
        if (n > max_trials) max_trials = n;
        total_trials += (size_t)n;
    }
    w->x = malloc(sizeof(double) * (size_t)pl->T * rows * p);
    w->xtr = malloc(sizeof(double) * (size_t)pl->n_train * p);
    w->xte = malloc(sizeof(double) * (size_t)pl->n_test * p);
    w->mean = malloc(sizeof(double) * 2 * (size_t)p);
    w->sd = w->mean ? w->mean + p : NULL;
    w->ws = malloc(sizeof(double) * pl->cl->workspace(pl->n_train, p, C));
    w->scores = malloc(sizeof(double) * (size_t)pl->n_test * C);
    w->ytr = malloc(sizeof(int) * (size_t)pl->n_train);
    w->yte = malloc(sizeof(int) * (size_t)pl->n_test);
    w->is_test = malloc(sizeof(int) * (size_t)rows);
    w->pick = malloc(sizeof(int) * (size_t)max_trials);
    w->lists = malloc(sizeof(int *) * (size_t)p * C);
    w->list_len = malloc(sizeof(int) * (size_t)p * C);
    w->list_data = malloc(sizeof(int) * (total_trials + 1));
    w->labels = malloc(sizeof(int) * (total_trials + 1));
    w->label_rows = malloc(sizeof(int *) * (size_t)p);
    w->correct = calloc((size_t)pl->T * pl->T, sizeof(long));
    return w->x && w->xtr && w->xte && w->mean && w->ws && w->scores && w->ytr && w->yte && w->is_test && w->pick &&
           w->lists && w->list_len && w->list_data && w->labels && w->label_rows && w->correct;
}

/* ---- jobs ------------------------------------------------------------------------ */

enum { STREAM_RESAMPLE = 1, STREAM_NULL = 2 };

/* An independent stream for job `index` of a kind (splitmix64-style
 * mixing of the seed, so neighbouring indices share nothing). */
static void job_stream(cj_rng *rng, uint64_t seed, int kind, int index)
{
    uint64_t z = seed ^ ((uint64_t)kind << 56) ^ ((uint64_t)(unsigned)index * 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    cj_rng_seed(rng, z ^ (z >> 31));
}

typedef struct {
    const plan *pl;
    int n_runs, n_perms;   /* jobs 0..n_runs-1 are resample runs, then the permutations */
    double *run_acc;       /* [n_runs][T * T] (or [T] without cross-decoding, stride T * T) */
    double *perm_acc;      /* [n_perms][T] */
    int next;              /* the next job to take */
    pthread_mutex_t lock;
} queue;

static void do_job(worker *w, queue *q, int job)
{
    const plan *pl = w->pl;
    int T = pl->T;
    size_t TT = (size_t)T * T;
    memset(w->correct, 0, sizeof(long) * TT);
    double per_run = (double)pl->C * pl->k; /* test predictions per bin pair in one run */
    if (job < q->n_runs) {
        job_stream(&w->rng, pl->c->seed, STREAM_RESAMPLE, job);
        fill_lists(w, NULL);
        resample_run(w, pl->c->temporal_cross);
        for (size_t i = 0; i < TT; i++) q->run_acc[(size_t)job * TT + i] = w->correct[i] / per_run;
        return;
    }
    /* A permutation: every unit's labels shuffled across its trials, then
     * null_resamples runs on them (train and test at the same bin). */
    int perm = job - q->n_runs;
    job_stream(&w->rng, pl->c->seed, STREAM_NULL, perm);
    int *dst = w->labels;
    const int **rows = w->label_rows;
    for (int j = 0; j < pl->n_used; j++) {
        int u = pl->used[j], n = pl->b->n_trials[u];
        memcpy(dst, pl->b->label[u], sizeof(int) * (size_t)n);
        for (int i = n - 1; i > 0; i--) {
            int r = (int)cj_rng_below(&w->rng, (uint32_t)(i + 1)), tmp = dst[i];
            dst[i] = dst[r];
            dst[r] = tmp;
        }
        rows[j] = dst;
        dst += n;
    }
    fill_lists(w, rows);
    for (int r = 0; r < pl->c->null_resamples; r++) resample_run(w, 0);
    for (int t = 0; t < T; t++)
        q->perm_acc[(size_t)perm * T + t] = w->correct[(size_t)t * T + t] / (per_run * pl->c->null_resamples);
}

typedef struct {
    queue *q;
    worker w;
    int ok;
} thread_arg;

static void *work(void *arg)
{
    thread_arg *a = arg;
    queue *q = a->q;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        int job = q->next++;
        pthread_mutex_unlock(&q->lock);
        if (job >= q->n_runs + q->n_perms) break;
        do_job(&a->w, q, job);
    }
    return NULL;
}

/* ---- the result --------------------------------------------------------------- */

void cj_decode_result_free(cj_decode_result *r)
{
    if (!r) return;
    free(r->unit_used);
    free(r->bin_start_ms);
    free(r->bin_end_ms);
    free(r->accuracy);
    free(r->accuracy_sd);
    free(r->tcd);
    free(r->null_p95);
    free(r->null_mean);
    free(r->null_p);
    memset(r, 0, sizeof *r);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* NumPy's default percentile: linear between the order statistics, at
 * position q (n - 1). x is sorted in place. */
static double percentile(double *x, int n, double q)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    double pos = q * (n - 1);
    int lo = (int)floor(pos);
    if (lo >= n - 1) return x[n - 1];
    return x[lo] + (pos - lo) * (x[lo + 1] - x[lo]);
}

cj_status cj_decode_check(const cj_decode_config *c, cj_error *err)
{
    const decode_classifier *cl = decode_find_classifier(c->classifier);
    if (!cl)
        return cj_fail(err, CJ_ERR_ARG, "classifier: unknown '%s' (expected max_corr, lda or poisson_nb)",
                       c->classifier ? c->classifier : "(null)");
    if (cl->needs_counts && c->zscore)
        return cj_fail(err, CJ_ERR_ARG, "classifier: %s models spike counts: turn z-scoring off", cl->name);
    if (c->n_folds < 2 || c->n_folds > 1000)
        return cj_fail(err, CJ_ERR_ARG, "folds: %d (expected 2 to 1000)", c->n_folds);
    if (c->repeats_per_fold < 1 || c->repeats_per_fold > 1000)
        return cj_fail(err, CJ_ERR_ARG, "repeats per fold: %d (expected 1 to 1000)", c->repeats_per_fold);
    if (c->n_resamples < 1 || c->n_resamples > 100000)
        return cj_fail(err, CJ_ERR_ARG, "resample runs: %d (expected 1 to 100000)", c->n_resamples);
    if (c->n_permutations < 0 || c->n_permutations > 100000)
        return cj_fail(err, CJ_ERR_ARG, "permutations: %d (expected 0 to 100000)", c->n_permutations);
    if (c->n_permutations && (c->null_resamples < 1 || c->null_resamples > 100000))
        return cj_fail(err, CJ_ERR_ARG, "null resample runs: %d (expected 1 to 100000)", c->null_resamples);
    if (c->n_threads < 1 || c->n_threads > 1024)
        return cj_fail(err, CJ_ERR_ARG, "threads: %d (expected 1 to 1024)", c->n_threads);
    return CJ_OK;
}

static cj_status check_config(const cj_binned *b, const cj_decode_config *c, const decode_classifier **cl,
                              cj_error *err)
{
    cj_status st = cj_decode_check(c, err);
    if (st) return st;
    *cl = decode_find_classifier(c->classifier);
    if (b->n_labels < 2 || b->n_bins < 1 || b->n_units < 1)
        return cj_fail(err, CJ_ERR_ARG, "decoding needs units, bins and two labels (got %d, %d, %d)", b->n_units,
                       b->n_bins, b->n_labels);
    return CJ_OK;
}

cj_status cj_decode_run(const cj_binned *b, const cj_decode_config *c, cj_decode_result *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    const decode_classifier *cl;
    cj_status st = check_config(b, c, &cl, err);
    if (st) return st;
    plan pl = {.b = b, .c = c, .cl = cl, .C = b->n_labels, .T = b->n_bins, .R = c->repeats_per_fold,
               .F = c->n_folds};
    pl.k = pl.F * pl.R;
    pl.n_train = pl.C * (pl.k - pl.R);
    pl.n_test = pl.C * pl.R;
    int T = pl.T;
    out->unit_used = calloc((size_t)b->n_units, sizeof(int));
    pl.used = malloc(sizeof(int) * (size_t)b->n_units);
    int *per_label = malloc(sizeof(int) * (size_t)pl.C);
    if (!out->unit_used || !pl.used || !per_label) {
        free(pl.used);
        free(per_label);
        cj_decode_result_free(out);
        return cj_fail(err, CJ_ERR_NOMEM, "decode: out of memory");
    }
    /* ds_basic keeps the units with k trials of every label. */
    for (int u = 0; u < b->n_units; u++) {
        memset(per_label, 0, sizeof(int) * (size_t)pl.C);
        for (int i = 0; i < b->n_trials[u]; i++) per_label[b->label[u][i]]++;
        int ok = 1;
        for (int lab = 0; lab < pl.C; lab++) ok &= per_label[lab] >= pl.k;
        if (ok) {
            out->unit_used[u] = 1;
            pl.used[pl.n_used++] = u;
        }
    }
    free(per_label);
    out->n_units_used = pl.n_used;
    out->n_units_dropped = b->n_units - pl.n_used;
    out->trials_per_label = pl.k;
    if (pl.n_used == 0) {
        free(pl.used);
        cj_decode_result_free(out);
        return cj_fail(err, CJ_ERR_ARG,
                       "no unit has %d trials of every label (folds %d x repeats per fold %d): use fewer folds",
                       pl.k, pl.F, pl.R);
    }
    out->n_bins = T;
    out->n_labels = pl.C;
    out->chance = 1.0 / pl.C;
    out->n_permutations = c->n_permutations;
    size_t TT = (size_t)T * T;
    queue q = {.pl = &pl, .n_runs = c->n_resamples, .n_perms = c->n_permutations};
    q.run_acc = malloc(sizeof(double) * TT * (size_t)q.n_runs);
    q.perm_acc = malloc(sizeof(double) * ((size_t)T * q.n_perms + 1));
    int n_threads = c->n_threads < q.n_runs + q.n_perms ? c->n_threads : q.n_runs + q.n_perms;
    thread_arg *args = calloc((size_t)n_threads, sizeof *args);
    pthread_t *tids = calloc((size_t)n_threads, sizeof *tids);
    out->bin_start_ms = malloc(sizeof(double) * (size_t)T);
    out->bin_end_ms = malloc(sizeof(double) * (size_t)T);
    out->accuracy = malloc(sizeof(double) * (size_t)T);
    out->accuracy_sd = malloc(sizeof(double) * (size_t)T);
    out->null_p95 = malloc(sizeof(double) * (size_t)T);
    out->null_mean = malloc(sizeof(double) * (size_t)T);
    out->null_p = malloc(sizeof(double) * (size_t)T);
    out->tcd = c->temporal_cross ? malloc(sizeof(double) * TT) : NULL;
    int ok = q.run_acc && q.perm_acc && args && tids && out->bin_start_ms && out->bin_end_ms && out->accuracy &&
             out->accuracy_sd && out->null_p95 && out->null_mean && out->null_p && (out->tcd || !c->temporal_cross);
    for (int t = 0; ok && t < n_threads; t++) {
        args[t].q = &q;
        ok = worker_init(&args[t].w, &pl);
    }
    if (!ok) {
        st = cj_fail(err, CJ_ERR_NOMEM, "decode: out of memory for %d units x %d bins", pl.n_used, T);
        goto done;
    }
    pthread_mutex_init(&q.lock, NULL);
    int started = 0;
    for (int t = 1; t < n_threads; t++) {
        if (pthread_create(&tids[t], NULL, work, &args[t]) != 0) break;
        started = t;
    }
    work(&args[0]);
    for (int t = 1; t <= started; t++) pthread_join(tids[t], NULL);
    pthread_mutex_destroy(&q.lock);
    /* Means over runs, in job order. */
    for (int t = 0; t < T; t++) {
        out->bin_start_ms[t] = b->bin_start_ms[t];
        out->bin_end_ms[t] = b->bin_end_ms[t];
        double sum = 0, ss = 0;
        for (int r = 0; r < q.n_runs; r++) sum += q.run_acc[(size_t)r * TT + (size_t)t * T + t];
        double mean = sum / q.n_runs;
        for (int r = 0; r < q.n_runs; r++) {
            double d = q.run_acc[(size_t)r * TT + (size_t)t * T + t] - mean;
            ss += d * d;
        }
        out->accuracy[t] = mean;
        out->accuracy_sd[t] = q.n_runs > 1 ? sqrt(ss / (q.n_runs - 1)) : 0.0;
    }
    for (size_t i = 0; out->tcd && i < TT; i++) {
        double sum = 0;
        for (int r = 0; r < q.n_runs; r++) sum += q.run_acc[(size_t)r * TT + i];
        out->tcd[i] = sum / q.n_runs;
    }
    for (int t = 0; t < T; t++) {
        if (!q.n_perms) {
            out->null_p95[t] = out->null_mean[t] = out->null_p[t] = NAN;
            continue;
        }
        double *tmp = malloc(sizeof(double) * (size_t)q.n_perms);
        if (!tmp) {
            st = cj_fail(err, CJ_ERR_NOMEM, "decode: out of memory");
            goto done;
        }
        double sum = 0;
        int above = 0;
        for (int r = 0; r < q.n_perms; r++) {
            tmp[r] = q.perm_acc[(size_t)r * T + t];
            sum += tmp[r];
            above += tmp[r] >= out->accuracy[t];
        }
        out->null_mean[t] = sum / q.n_perms;
        out->null_p[t] = (1.0 + above) / (1.0 + q.n_perms);
        out->null_p95[t] = percentile(tmp, q.n_perms, 0.95);
        free(tmp);
    }
done:
    for (int t = 0; args && t < n_threads; t++) worker_free(&args[t].w);
    free(args);
    free(tids);
    free(q.run_acc);
    free(q.perm_acc);
    free(pl.used);
    if (st) cj_decode_result_free(out);
    return st;
}
