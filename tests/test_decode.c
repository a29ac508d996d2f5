/* test_decode.c — population decoding (include/cajal/decode.h): the
 * classifiers against NumPy and scikit-learn on fixed splits
 * (tools/make_decode_refs.py, tests/ref/decode/splits.txt), binning against
 * direct sums, the whole procedure on planted data (near perfect where the
 * labels drive the units, at chance where they do not and with shuffled
 * labels, the null below the real accuracy), reproducibility by seed and
 * across thread counts, dropped units, bad settings, accuracy.csv, and the
 * Zhang & Desimone rasters against numbers from scipy.io.loadmat. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cajal/decode.h"
#include "cli_runner.h"
#include "harness.h"
#include "ref_text.h"

#define ZD "../shared/data/zhang_desimone_it"

static double max_abs_diff(const double *a, const double *b, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(a[i] - b[i]);
        if (!(d <= worst)) worst = d;
    }
    return worst;
}

/* ---- classifiers on the reference splits --------------------------------- */

typedef struct {
    int k, ntr, nte, p;
    const double *xtr, *ytr, *xte, *yte, *ztr, *zte, *corr, *corr_pred, *lda, *lda_pred, *pnb, *pnb_pred;
} split;

static int load_split(ref_text *r, const char *name, split *s)
{
    char key[40];
#define GET(field, count)                                           \
    snprintf(key, sizeof key, "%s." #field, name);                  \
    if (!(s->field = ref_text_get(r, key, (count)))) return 0;
    const double *shape;
    snprintf(key, sizeof key, "%s.shape", name);
    if (!(shape = ref_text_get(r, key, 4))) return 0;
    s->k = (int)shape[0], s->ntr = (int)shape[1], s->nte = (int)shape[2], s->p = (int)shape[3];
    GET(xtr, s->ntr * s->p)
    GET(ytr, s->ntr)
    GET(xte, s->nte * s->p)
    GET(yte, s->nte)
    GET(ztr, s->ntr * s->p)
    GET(zte, s->nte * s->p)
    GET(corr, s->nte * s->k)
    GET(corr_pred, s->nte)
    GET(lda, s->nte * s->k)
    GET(lda_pred, s->nte)
    GET(pnb, s->nte * s->k)
    GET(pnb_pred, s->nte)
#undef GET
    return 1;
}

/* Run one classifier on split s; scores compared with ref (tolerance tol,
 * relative to the largest |ref|), predictions with ref_pred. */
static void check_classifier(const split *s, const char *name, int zscored, const double *ref, const double *ref_pred,
                             double tol)
{
    size_t ntr = (size_t)s->ntr * s->p, nte = (size_t)s->nte * s->p;
    double *xtr = malloc(sizeof(double) * ntr), *xte = malloc(sizeof(double) * nte);
    double *scores = malloc(sizeof(double) * (size_t)s->nte * s->k);
    int *y = malloc(sizeof(int) * (size_t)s->ntr), *pred = malloc(sizeof(int) * (size_t)s->nte);
    memcpy(xtr, zscored ? s->ztr : s->xtr, sizeof(double) * ntr);
    memcpy(xte, zscored ? s->zte : s->xte, sizeof(double) * nte);
    for (int i = 0; i < s->ntr; i++) y[i] = (int)s->ytr[i];
    cj_rng rng;
    cj_rng_seed(&rng, 7);
    cj_error err;
    if (cj_decode_classify(name, xtr, y, s->ntr, s->p, s->k, xte, s->nte, scores, pred, &rng, &err)) {
        test_fail("%s: %s", name, err.msg);
    } else {
        double scale = 1;
        for (int i = 0; i < s->nte * s->k; i++)
            if (fabs(ref[i]) > scale) scale = fabs(ref[i]);
        double d = max_abs_diff(scores, ref, (size_t)s->nte * s->k) / scale;
        if (!(d <= tol)) test_fail("%s: scores differ from the reference by %g (relative; tol %g)", name, d, tol);
        int wrong = 0;
        for (int i = 0; i < s->nte; i++) wrong += pred[i] != (int)ref_pred[i];
        if (wrong) test_fail("%s: %d of %d predictions differ from the reference", name, wrong, s->nte);
    }
    free(xtr);
    free(xte);
    free(scores);
    free(y);
    free(pred);
}

TEST(classifiers_match_numpy_and_sklearn_on_fixed_splits)
{
    ref_text r;
    if (!ref_text_load(&r, "tests/ref/decode/splits.txt")) return;
    const char *names[] = {"a", "b"};
    for (int i = 0; i < 2; i++) {
        split s;
        if (!load_split(&r, names[i], &s)) break;
        /* z-scoring with the training statistics (fp_zscore) */
        size_t ntr = (size_t)s.ntr * s.p, nte = (size_t)s.nte * s.p;
        double *ztr = malloc(sizeof(double) * ntr), *zte = malloc(sizeof(double) * nte);
        memcpy(ztr, s.xtr, sizeof(double) * ntr);
        memcpy(zte, s.xte, sizeof(double) * nte);
        cj_decode_zscore(ztr, s.ntr, zte, s.nte, s.p);
        CHECK(max_abs_diff(ztr, s.ztr, ntr) < 1e-12);
        CHECK(max_abs_diff(zte, s.zte, nte) < 1e-12);
        free(ztr);
        free(zte);
        check_classifier(&s, "max_corr", 1, s.corr, s.corr_pred, 1e-12);
        check_classifier(&s, "lda", 1, s.lda, s.lda_pred, 1e-9);
        check_classifier(&s, "poisson_nb", 0, s.pnb, s.pnb_pred, 1e-12);
    }
    ref_text_free(&r);
}

TEST(ties_and_nan_scores_are_broken_at_random)
{
    /* A constant test vector has no correlation with anything: every label
     * is as likely, so predictions spread over all of them. */
    double xtr[4 * 2] = {1, 0, 0, 1, 2, 0, 0, 2}, xte[2] = {1, 1};
    int y[4] = {0, 1, 0, 1}, seen[2] = {0, 0};
    cj_rng rng;
    cj_rng_seed(&rng, 3);
    cj_error err;
    for (int i = 0; i < 200; i++) {
        int pred = -1;
        double s[2];
        CHECK(cj_decode_classify("max_corr", xtr, y, 4, 2, 2, xte, 1, s, &pred, &rng, &err) == CJ_OK);
        if (pred >= 0 && pred < 2) seen[pred]++;
        if (i == 0) CHECK(isnan(s[0]) && isnan(s[1]));
    }
    CHECK(seen[0] > 70 && seen[1] > 70);
    int pred;
    CHECK(cj_decode_classify("svm", xtr, y, 4, 2, 2, xte, 1, NULL, &pred, &rng, &err) == CJ_ERR_ARG);
    CHECK(strstr(err.msg, "unknown 'svm' (expected max_corr, lda or poisson_nb)") != NULL);
    int y_missing[4] = {0, 0, 0, 0};
    CHECK(cj_decode_classify("lda", xtr, y_missing, 4, 2, 2, xte, 1, NULL, &pred, &rng, &err) == CJ_ERR_ARG);
}

/* ---- planted data ------------------------------------------------------------ */

enum { PL_UNITS = 24, PL_LABELS = 3, PL_TRIALS = 90, PL_MS = 200 };

/* Units fire at 20 Hz throughout; from 100 ms on, a unit fires at 150 Hz
 * on trials of its preferred label (unit u prefers label u % 3). Each unit
 * has its own trials (pseudo-populations), labels in a shuffled order.
 * shuffled: the labels given to the decoder are a permutation of the true
 * ones, so nothing is decodable anywhere. */
static void planted(cj_rasters *r, int shuffled, uint64_t seed)
{
    const char *names[PL_LABELS] = {"a", "b", "c"};
    cj_error err;
    CHECK(cj_rasters_init(r, PL_UNITS, PL_MS, -100, PL_LABELS, names, &err) == CJ_OK);
    cj_rng rng;
    cj_rng_seed(&rng, seed);
    static uint8_t spikes[PL_TRIALS * PL_MS];
    int labels[PL_TRIALS], given[PL_TRIALS];
    for (int u = 0; u < PL_UNITS; u++) {
        for (int i = 0; i < PL_TRIALS; i++) labels[i] = given[i] = i % PL_LABELS;
        cj_rng_shuffle(&rng, labels, PL_TRIALS);
        memcpy(given, labels, sizeof labels);
        if (shuffled) cj_rng_shuffle(&rng, given, PL_TRIALS);
        for (int i = 0; i < PL_TRIALS; i++)
            for (int m = 0; m < PL_MS; m++) {
                double rate = m >= 100 && labels[i] == u % PL_LABELS ? 0.150 : 0.020;
                spikes[i * PL_MS + m] = cj_rng_uniform(&rng) < rate;
            }
        char name[16];
        snprintf(name, sizeof name, "u%02d", u);
        CHECK(cj_rasters_set_unit(r, u, name, PL_TRIALS, spikes, given, &err) == CJ_OK);
    }
}

static void decode_planted(int shuffled, const char *classifier, int zscore, int perms, cj_decode_result *res)
{
    cj_rasters r;
    cj_binned b;
    cj_error err;
    planted(&r, shuffled, 11);
    CHECK(cj_rasters_bin(&r, 50, 50, &b, &err) == CJ_OK); /* bins -100..-50, -50..0, 0..50, 50..100 */
    cj_decode_config c;
    cj_decode_defaults(&c);
    c.classifier = classifier;
    c.zscore = zscore;
    c.n_folds = 6;
    c.n_resamples = 20;
    c.n_permutations = perms;
    c.null_resamples = 4;
    c.n_threads = 2;
    if (cj_decode_run(&b, &c, res, &err)) test_fail("decode %s: %s", classifier, err.msg);
    cj_binned_free(&b);
    cj_rasters_free(&r);
}

TEST(planted_labels_decode_near_perfectly_and_chance_elsewhere)
{
    const char *cls[] = {"max_corr", "lda", "poisson_nb"};
    for (int i = 0; i < 3; i++) {
        cj_decode_result res;
        decode_planted(0, cls[i], i < 2, 0, &res);
        if (!res.accuracy) continue;
        CHECK(res.n_bins == 4 && res.n_units_used == PL_UNITS && res.n_units_dropped == 0);
        CHECK(res.bin_start_ms[0] == -100 && res.bin_end_ms[0] == -50 && res.bin_start_ms[3] == 50);
        CHECK_NEAR(res.chance, 1.0 / 3, 1e-15);
        for (int t = 2; t < 4; t++)
            if (!(res.accuracy[t] > 0.95)) test_fail("%s: bin %d after onset: accuracy %.3f", cls[i], t, res.accuracy[t]);
        /* Before onset, and trained after onset but tested before: nothing
         * to find. (Single bins of this small set stray by up to ~0.1 from
         * chance; the means of several are closer.) */
        double pre = (res.accuracy[0] + res.accuracy[1]) / 2, cross = 0;
        for (int t = 2; t < 4; t++)
            for (int s = 0; s < 2; s++) cross += (res.tcd ? res.tcd[t * 4 + s] : NAN) / 4;
        if (!(fabs(pre - 1.0 / 3) < 0.07 && fabs(cross - 1.0 / 3) < 0.07))
            test_fail("%s: before onset %.3f, trained after and tested before %.3f; chance 0.333", cls[i], pre, cross);
        CHECK(res.tcd && res.tcd[3 * 4 + 2] > 0.9);
        CHECK(res.tcd && res.tcd[2 * 4 + 2] == res.accuracy[2]);
        cj_decode_result_free(&res);
    }
}

TEST(shuffled_labels_decode_at_chance_and_the_null_sits_below_real_accuracy)
{
    cj_decode_result res;
    decode_planted(1, "max_corr", 1, 0, &res);
    if (res.accuracy) {
        double mean = 0;
        for (int t = 0; t < 4; t++) mean += res.accuracy[t] / 4;
        if (!(fabs(mean - 1.0 / 3) < 0.05)) test_fail("shuffled labels: mean accuracy %.3f, chance 0.333", mean);
        CHECK(isnan(res.null_p95[0])); /* no permutations asked */
        cj_decode_result_free(&res);
    }
    decode_planted(0, "max_corr", 1, 20, &res);
    if (res.accuracy) {
        CHECK(res.n_permutations == 20);
        for (int t = 0; t < 4; t++) {
            CHECK(fabs(res.null_mean[t] - 1.0 / 3) < 0.06);
            CHECK(res.null_p95[t] > res.null_mean[t] && res.null_p95[t] < 0.6);
        }
        for (int t = 2; t < 4; t++) CHECK(res.accuracy[t] > res.null_p95[t] && res.null_p[t] == 1.0 / 21);
        cj_decode_result_free(&res);
    }
}

TEST(a_seed_fixes_every_number_whatever_the_threads)
{
    cj_rasters r;
    cj_binned b;
    cj_error err;
    planted(&r, 0, 5);
    CHECK(cj_rasters_bin(&r, 40, 20, &b, &err) == CJ_OK);
    cj_decode_config c;
    cj_decode_defaults(&c);
    c.n_folds = 4;
    c.n_resamples = 6;
    c.n_permutations = 5;
    c.null_resamples = 2;
    cj_decode_result a, d, e;
    c.n_threads = 1;
    CHECK(cj_decode_run(&b, &c, &a, &err) == CJ_OK);
    c.n_threads = 3;
    CHECK(cj_decode_run(&b, &c, &d, &err) == CJ_OK);
    c.seed = 2;
    CHECK(cj_decode_run(&b, &c, &e, &err) == CJ_OK);
    if (a.accuracy && d.accuracy && e.accuracy) {
        size_t n = (size_t)a.n_bins;
        CHECK(memcmp(a.accuracy, d.accuracy, n * sizeof(double)) == 0);
        CHECK(memcmp(a.tcd, d.tcd, n * n * sizeof(double)) == 0);
        CHECK(memcmp(a.null_p95, d.null_p95, n * sizeof(double)) == 0);
        CHECK(memcmp(a.accuracy, e.accuracy, n * sizeof(double)) != 0);
    }
    cj_decode_result_free(&a);
    cj_decode_result_free(&d);
    cj_decode_result_free(&e);
    cj_binned_free(&b);
    cj_rasters_free(&r);
}

TEST(bins_are_direct_sums)
{
    enum { MS = 23, TR = 3 };
    const char *names[2] = {"y", "x"};
    cj_rasters r;
    cj_error err;
    CHECK(cj_rasters_init(&r, 1, MS, -10, 2, names, &err) == CJ_OK);
    CHECK(!strcmp(r.label_names[0], "x") && !strcmp(r.label_names[1], "y")); /* sorted */
    uint8_t spikes[TR * MS];
    int labels[TR] = {0, 1, 0};
    for (int i = 0; i < TR; i++)
        for (int m = 0; m < MS; m++) spikes[i * MS + m] = (uint8_t)((i * 7 + m * m) % 4);
    CHECK(cj_rasters_set_unit(&r, 0, "u", TR, spikes, labels, &err) == CJ_OK);
    const int widths[3][2] = {{5, 3}, {2, 5}, {23, 1}}; /* overlapping, gaps between bins, one bin */
    for (int w = 0; w < 3; w++) {
        cj_binned b;
        int width = widths[w][0], step = widths[w][1];
        if (cj_rasters_bin(&r, width, step, &b, &err)) {
            test_fail("bin %d/%d: %s", width, step, err.msg);
            continue;
        }
        CHECK(b.n_bins == (MS - width) / step + 1);
        int bad = 0;
        for (int i = 0; i < TR; i++)
            for (int t = 0; t < b.n_bins; t++) {
                int sum = 0;
                for (int m = t * step; m < t * step + width; m++) sum += spikes[i * MS + m];
                bad += b.counts[0][i * b.n_bins + t] != sum;
            }
        CHECK(bad == 0);
        int last = b.n_bins - 1;
        CHECK(b.bin_start_ms[last] == -10 + last * step && b.bin_end_ms[last] == -10 + last * step + width);
        cj_binned_free(&b);
    }
    cj_binned b;
    CHECK(cj_rasters_bin(&r, 24, 1, &b, &err) == CJ_ERR_ARG && strstr(err.msg, "longer than the 23 ms"));
    CHECK(cj_rasters_bin(&r, 5, 0, &b, &err) == CJ_ERR_ARG);
    int bad_label[TR] = {0, 2, 0};
    CHECK(cj_rasters_set_unit(&r, 0, "u", TR, spikes, bad_label, &err) == CJ_ERR_ARG);
    cj_rasters_free(&r);
}

TEST(units_without_enough_trials_are_dropped_and_bad_settings_refused)
{
    cj_rasters r;
    cj_binned b;
    cj_error err;
    planted(&r, 0, 9);
    /* Unit 0 keeps only 5 trials of label "a": too few for 6 folds. */
    int labels[PL_TRIALS], n = 0, kept_a = 0;
    static uint8_t spikes[PL_TRIALS * PL_MS];
    for (int i = 0; i < PL_TRIALS; i++) {
        int lab = r.units[0].label[i];
        if (lab == 0 && kept_a == 5) continue;
        kept_a += lab == 0;
        labels[n] = lab;
        memcpy(spikes + (size_t)n * PL_MS, r.units[0].spikes + (size_t)i * PL_MS, PL_MS);
        n++;
    }
    CHECK(cj_rasters_set_unit(&r, 0, "short", n, spikes, labels, &err) == CJ_OK);
    CHECK(cj_rasters_bin(&r, 50, 50, &b, &err) == CJ_OK);
    cj_decode_config c;
    cj_decode_defaults(&c);
    c.n_folds = 6;
    c.n_resamples = 2;
    c.temporal_cross = 0;
    cj_decode_result res;
    if (cj_decode_run(&b, &c, &res, &err) == CJ_OK) {
        CHECK(res.n_units_used == PL_UNITS - 1 && res.n_units_dropped == 1 && res.unit_used[0] == 0 &&
              res.unit_used[1] == 1 && res.trials_per_label == 6 && res.tcd == NULL);
        cj_decode_result_free(&res);
    } else {
        test_fail("%s", err.msg);
    }
    c.n_folds = 5; /* 5 trials of "a" are enough for 5 folds */
    if (cj_decode_run(&b, &c, &res, &err) == CJ_OK) {
        CHECK(res.n_units_dropped == 0);
        cj_decode_result_free(&res);
    }
    const struct {
        const char *classifier;
        int folds, zscore, resamples;
        const char *word;
    } bad[] = {{"knn", 5, 1, 2, "unknown 'knn'"},
               {"poisson_nb", 5, 1, 2, "poisson_nb models spike counts: turn z-scoring off"},
               {"max_corr", 1, 1, 2, "folds: 1"},
               {"max_corr", 5, 1, 0, "resample runs: 0"},
               {"max_corr", 31, 1, 2, "no unit has 31 trials of every label"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c.classifier = bad[i].classifier;
        c.n_folds = bad[i].folds;
        c.zscore = bad[i].zscore;
        c.n_resamples = bad[i].resamples;
        if (cj_decode_run(&b, &c, &res, &err) == CJ_OK) {
            test_fail("expected an error with '%s'", bad[i].word);
            cj_decode_result_free(&res);
        } else if (!strstr(err.msg, bad[i].word)) {
            test_fail("message '%s' lacks '%s'", err.msg, bad[i].word);
        }
        CHECK(res.accuracy == NULL);
    }
    cj_binned_free(&b);
    cj_rasters_free(&r);
}

TEST(accuracy_csv_has_the_binding_columns)
{
    double start[2] = {-500, -450}, end[2] = {-350, -300}, acc[2] = {0.125, 0.8}, p95[2] = {0.2, NAN};
    cj_decode_result r = {.n_bins = 2, .bin_start_ms = start, .bin_end_ms = end, .accuracy = acc,
                          .chance = 1.0 / 7, .null_p95 = p95};
    char dir[] = "/tmp/cj_test_decode_XXXXXX";
    if (!mkdtemp(dir)) {
        test_fail("mkdtemp");
        return;
    }
    char path[64];
    snprintf(path, sizeof path, "%s/accuracy.csv", dir);
    cj_error err;
    CHECK(cj_decode_write_csv(path, &r, &err) == CJ_OK);
    FILE *f = fopen(path, "r");
    char text[512] = {0};
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    CHECK(strcmp(text, "bin_start_ms,bin_end_ms,accuracy,chance,null_p95\n"
                       "-500,-350,0.125,0.1428571429,0.2\n"
                       "-450,-300,0.8,0.1428571429,\n") == 0);
    if (strcmp(text, "") == 0 || !strstr(text, "-450")) printf("  got:\n%s", text);
    CHECK(cj_decode_write_csv("/nonexistent/dir/accuracy.csv", &r, &err) == CJ_ERR_IO);
    CHECK(strstr(err.msg, "/nonexistent/dir/accuracy.csv") != NULL);
    remove(path);
    rmdir(dir);
}

/* ---- the Zhang & Desimone rasters ------------------------------------------ */

TEST(zhang_desimone_rasters_bin_as_scipy_and_decode_after_onset)
{
    cj_rasters r;
    cj_error err;
    if (cj_rasters_load_dir(ZD, "stimulus_ID", &r, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    CHECK(r.n_units == 132 && r.n_ms == 1000 && r.t0_ms == -500 && r.n_labels == 7);
    const char *want[7] = {"car", "couch", "face", "flower", "guitar", "hand", "kiwi"};
    for (int c = 0; c < 7 && c < r.n_labels; c++) CHECK(!strcmp(r.label_names[c], want[c]));
    CHECK(!strcmp(r.units[0].name, "bp1001spk_01A_raster_data") && r.units[0].n_trials == 420);
    CHECK(!strcmp(r.label_names[r.units[0].label[0]], "hand") && !strcmp(r.label_names[r.units[0].label[419]], "couch"));
    cj_binned b;
    CHECK(cj_rasters_bin(&r, 150, 50, &b, &err) == CJ_OK);
    CHECK(b.n_bins == 18 && b.bin_start_ms[0] == -500 && b.bin_end_ms[0] == -350 && b.bin_start_ms[17] == 350 &&
          b.bin_end_ms[17] == 500);
    /* scipy: r[:, s:s+150].sum(1) for s = 0, 50, ..., 850 */
    const double unit0_trial0[18] = {1, 2, 3, 2, 1, 1, 1, 2, 2, 2, 1, 1, 2, 3, 3, 3, 5, 5};
    const double last_trial419[18] = {1, 0, 1, 1, 2, 1, 2, 4, 5, 5, 4, 3, 2, 0, 1, 1, 1, 0};
    CHECK(memcmp(b.counts[0], unit0_trial0, sizeof unit0_trial0) == 0);
    CHECK(b.n_trials[131] == 420 && memcmp(b.counts[131] + 419 * 18, last_trial419, sizeof last_trial419) == 0);
    double sum0 = 0, sum131 = 0;
    for (int i = 0; i < 420 * 18; i++) sum0 += b.counts[0][i], sum131 += b.counts[131][i];
    CHECK(sum0 == 4225 && sum131 == 10241);
    cj_decode_config c;
    cj_decode_defaults(&c);
    c.n_resamples = 5;
    c.temporal_cross = 0;
    c.n_threads = 2;
    cj_decode_result res;
    if (cj_decode_run(&b, &c, &res, &err) == CJ_OK) {
        CHECK(res.n_units_used == 132 && res.n_units_dropped == 0);
        double pre = 0, peak = 0;
        int n_pre = 0;
        for (int t = 0; t < res.n_bins; t++) {
            if (res.bin_end_ms[t] <= 0) pre += res.accuracy[t], n_pre++;
            if (res.accuracy[t] > peak) peak = res.accuracy[t];
        }
        pre /= n_pre;
        printf("  before onset %.3f (chance %.3f), peak %.3f\n", pre, res.chance, peak);
        CHECK(fabs(pre - 1.0 / 7) < 0.04 && peak > 0.7);
        cj_decode_result_free(&res);
    } else {
        test_fail("%s", err.msg);
    }
    cj_binned_free(&b);
    cj_rasters_free(&r);
    CHECK(cj_rasters_load_dir(ZD, "nope", &r, &err) != CJ_OK);
    CHECK(strstr(err.msg, "bp1001spk_01A_raster_data.mat") && strstr(err.msg, "has no field nope") &&
          strstr(err.msg, "stimulus_ID"));
    CHECK(cj_rasters_load_dir("tests", "stimulus_ID", &r, &err) == CJ_ERR_IO && strstr(err.msg, "no .mat raster files"));
}

static const char *cajal; /* the binary, for the command-line test */

TEST(cajal_decode_writes_its_four_files_and_refuses_bad_options)
{
    char dir[] = "/tmp/cj_test_decode_cli_XXXXXX";
    if (!mkdtemp(dir)) {
        test_fail("mkdtemp");
        return;
    }
    static char out[8192];
    char args[512];
    snprintf(args, sizeof args,
             "decode " ZD " --label stimulus_ID --out %s/run --resamples 2 --permutations 2 --null-resamples 1 --threads 2 "
                "--quiet",
             dir);
    int rc = run_cajal(cajal, args, out, sizeof out);
    if (rc != 0) test_fail("cajal decode %s: exit %d: %s", args, rc, out);
    const char *files[4] = {"accuracy.csv", "tcd.npy", "summary.json", "decode.png"};
    for (int i = 0; i < 4; i++) {
        snprintf(args, sizeof args, "%s/run/%s", dir, files[i]);
        if (access(args, R_OK) != 0) test_fail("cajal decode wrote no %s", files[i]);
    }
    snprintf(args, sizeof args, "%s/run/accuracy.csv", dir);
    FILE *f = fopen(args, "r");
    char line[256];
    int lines = 0, with_null = 0;
    if (f) {
        if (fgets(line, sizeof line, f)) CHECK(!strcmp(line, "bin_start_ms,bin_end_ms,accuracy,chance,null_p95\n"));
        while (fgets(line, sizeof line, f)) {
            lines++;
            size_t n = strlen(line);
            with_null += n > 2 && line[n - 2] != ',';
        }
        fclose(f);
    }
    CHECK(lines == 18 && with_null == 18);
    const struct {
        const char *args;
        int rc;
        const char *word;
    } bad[] = {{ZD " --label stimulus_ID --out /tmp/x --classifier svm", 2, "unknown 'svm'"},
               {ZD " --out /tmp/x", 2, "--label NAME is required"},
               {ZD " --label stimulus_ID --out /tmp/x --folds 1", 2, "--folds '1' is not a whole number in 2..1000"},
               {ZD " --label nope --out /tmp/x", 1, "has no field nope"},
               {ZD " --label stimulus_ID --out /tmp/x --bin 2000", 1, "bin width 2000 ms is longer than the 1000 ms"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "decode %s --quiet", bad[i].args);
        rc = run_cajal(cajal, args, out, sizeof out);
        if (rc != bad[i].rc || !strstr(out, bad[i].word) || count_lines(out) != 1)
            test_fail("cajal %s: exit %d (expected %d), output '%s' (expected one line with '%s')", args, rc,
                      bad[i].rc, out, bad[i].word);
    }
    snprintf(args, sizeof args, "rm -rf %s", dir);
    CHECK(system(args) == 0);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    RUN(classifiers_match_numpy_and_sklearn_on_fixed_splits);
    RUN(ties_and_nan_scores_are_broken_at_random);
    RUN(planted_labels_decode_near_perfectly_and_chance_elsewhere);
    RUN(shuffled_labels_decode_at_chance_and_the_null_sits_below_real_accuracy);
    RUN(a_seed_fixes_every_number_whatever_the_threads);
    RUN(bins_are_direct_sums);
    RUN(units_without_enough_trials_are_dropped_and_bad_settings_refused);
    RUN(accuracy_csv_has_the_binding_columns);
    RUN(zhang_desimone_rasters_bin_as_scipy_and_decode_after_onset);
    RUN(cajal_decode_writes_its_four_files_and_refuses_bad_options);
    return test_summary("decode");
}
