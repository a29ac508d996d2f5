/* decode_classify.c — the decoders' building blocks: z-scoring with the
 * training statistics (NeuroDecodeR's fp_zscore), the maximum correlation
 * coefficient classifier (cl_max_correlation) and Poisson naive Bayes
 * (cl_poisson_naive_bayes), tie-breaking, and the table that names them.
 * The shrinkage LDA is in decode_lda.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode_common.h"

/* ---- z-scoring ---------------------------------------------------------- */

void decode_zscore_fit(const double *x, int n, int p, double *mean, double *sd)
{
    for (int j = 0; j < p; j++) mean[j] = sd[j] = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < p; j++) mean[j] += x[(size_t)i * p + j];
    for (int j = 0; j < p; j++) mean[j] /= n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < p; j++) {
            double d = x[(size_t)i * p + j] - mean[j];
            sd[j] += d * d;
        }
    /* R's scale(): the sample standard deviation (n - 1). */
    for (int j = 0; j < p; j++) sd[j] = n > 1 ? sqrt(sd[j] / (n - 1)) : 0.0;
}

void decode_zscore_apply(double *x, int n, int p, const double *mean, const double *sd)
{
    for (int i = 0; i < n; i++) {
        double *row = x + (size_t)i * p;
        /* fp_zscore sets the NaN and Inf of a constant column to 0. */
        for (int j = 0; j < p; j++) row[j] = sd[j] > 0 ? (row[j] - mean[j]) / sd[j] : 0.0;
    }
}

void cj_decode_zscore(double *x_train, int n_train, double *x_test, int n_test, int p)
{
    double *mean = malloc(sizeof(double) * 2 * (size_t)(p > 0 ? p : 1));
    if (!mean) return;
    double *sd = mean + p;
    decode_zscore_fit(x_train, n_train, p, mean, sd);
    decode_zscore_apply(x_train, n_train, p, mean, sd);
    if (x_test) decode_zscore_apply(x_test, n_test, p, mean, sd);
    free(mean);
}

int decode_argmax(const double *scores, int k, cj_rng *rng)
{
    double best = -INFINITY;
    int ties = 0, pick = 0;
    for (int c = 0; c < k; c++) {
        double s = scores[c];
        if (!(s >= best)) continue; /* NaN never wins */
        if (s > best) {
            best = s;
            ties = 0;
        }
        ties++;
    }
    if (ties == 0) return (int)cj_rng_below(rng, (uint32_t)k); /* every score NaN */
    if (ties == 1) {
        for (int c = 0; c < k; c++)
            if (scores[c] == best) return c;
    }
    int r = (int)cj_rng_below(rng, (uint32_t)ties);
    for (int c = 0; c < k; c++)
        if (scores[c] == best && r-- == 0) pick = c;
    return pick;
}

/* Class means of x [n, p] into means [k, p] and counts [k]; -1 when a label
 * has no trial. */
static int class_means(const double *x, const int *y, int n, int p, int k, double *means, double *counts)
{
    memset(means, 0, sizeof(double) * (size_t)k * p);
    memset(counts, 0, sizeof(double) * (size_t)k);
    for (int i = 0; i < n; i++) {
        if (y[i] < 0 || y[i] >= k) return -1;
        double *m = means + (size_t)y[i] * p;
        const double *row = x + (size_t)i * p;
        for (int j = 0; j < p; j++) m[j] += row[j];
        counts[y[i]] += 1;
    }
    for (int c = 0; c < k; c++) {
        if (counts[c] == 0) return -1;
        for (int j = 0; j < p; j++) means[(size_t)c * p + j] /= counts[c];
    }
    return 0;
}

/* ---- maximum correlation coefficient ------------------------------------------
 * Workspace: k templates, each centred and scaled to unit norm (NaN when a
 * template is constant: its correlation is undefined, as R's cor() gives
 * NA), then k counts. Since a centred template sums to 0, the correlation
 * with a test vector z is T . z / |z - mean(z)| without centring z. */

static size_t max_corr_workspace(int n, int p, int k) { return (size_t)k * p + (size_t)k; }

static int max_corr_fit(double *ws, const double *x, const int *y, int n, int p, int k)
{
    double *t = ws, *counts = ws + (size_t)k * p;
    if (class_means(x, y, n, p, k, t, counts)) return -1;
    for (int c = 0; c < k; c++) {
        double *row = t + (size_t)c * p, mean = 0, ss = 0;
        for (int j = 0; j < p; j++) mean += row[j];
        mean /= p;
        for (int j = 0; j < p; j++) {
            row[j] -= mean;
            ss += row[j] * row[j];
        }
        double inv = ss > 0 ? 1.0 / sqrt(ss) : NAN;
        for (int j = 0; j < p; j++) row[j] *= inv;
    }
    return 0;
}

static void max_corr_scores(const double *ws, const double *x, int n, int p, int k, double *out)
{
    for (int i = 0; i < n; i++) {
        const double *z = x + (size_t)i * p;
        double mean = 0, ss = 0;
        for (int j = 0; j < p; j++) mean += z[j];
        mean /= p;
        for (int j = 0; j < p; j++) ss += (z[j] - mean) * (z[j] - mean);
        double inv = ss > 0 ? 1.0 / sqrt(ss) : NAN;
        for (int c = 0; c < k; c++) {
            const double *t = ws + (size_t)c * p;
            double dot = 0;
            for (int j = 0; j < p; j++) dot += t[j] * z[j];
            out[(size_t)i * k + c] = dot * inv;
        }
    }
}

const decode_classifier decode_max_corr = {"max_corr", 0, max_corr_workspace, max_corr_fit, max_corr_scores};

/* ---- Poisson naive Bayes ------------------------------------------------------
 * Each unit's count is Poisson with the label's mean rate; log P(x | c) =
 * sum_j x_j log l_cj - sum_j l_cj - sum_j log x_j!. A rate of 0 becomes
 * 1 / (n_c + 1), as if one more training trial had one spike, so a test
 * count above 0 is not impossible (NeuroDecodeR's rule). Workspace: log
 * rates [k, p], then the summed rates [k] and the counts [k]. */

static size_t poisson_workspace(int n, int p, int k) { return (size_t)k * p + 2 * (size_t)k; }

static int poisson_fit(double *ws, const double *x, const int *y, int n, int p, int k)
{
    double *lam = ws, *sum = ws + (size_t)k * p, *counts = sum + k;
    if (class_means(x, y, n, p, k, lam, counts)) return -1;
    for (int c = 0; c < k; c++) {
        double *row = lam + (size_t)c * p, s = 0;
        for (int j = 0; j < p; j++) {
            if (row[j] <= 0) row[j] = 1.0 / (counts[c] + 1);
            s += row[j];
            row[j] = log(row[j]);
        }
        sum[c] = s;
    }
    return 0;
}

static void poisson_scores(const double *ws, const double *x, int n, int p, int k, double *out)
{
    const double *sum = ws + (size_t)k * p;
    for (int i = 0; i < n; i++) {
        const double *xi = x + (size_t)i * p;
        double lfact = 0;
        for (int j = 0; j < p; j++) lfact += lgamma(xi[j] + 1);
        for (int c = 0; c < k; c++) {
            const double *ll = ws + (size_t)c * p;
            double dot = 0;
            for (int j = 0; j < p; j++) dot += xi[j] * ll[j];
            out[(size_t)i * k + c] = dot - sum[c] - lfact;
        }
    }
}

const decode_classifier decode_poisson_nb = {"poisson_nb", 1, poisson_workspace, poisson_fit, poisson_scores};

/* ---- the table ------------------------------------------------------------ */

static const decode_classifier *const CLASSIFIERS[] = {&decode_max_corr, &decode_lda, &decode_poisson_nb};

const decode_classifier *decode_find_classifier(const char *name)
{
    for (size_t i = 0; name && i < sizeof CLASSIFIERS / sizeof CLASSIFIERS[0]; i++)
        if (!strcmp(CLASSIFIERS[i]->name, name)) return CLASSIFIERS[i];
    return NULL;
}

cj_status cj_decode_classify(const char *classifier, const double *x_train, const int *y_train, int n_train, int p,
                             int k, const double *x_test, int n_test, double *scores, int *pred, cj_rng *rng,
                             cj_error *err)
{
    const decode_classifier *cl = decode_find_classifier(classifier);
    if (!cl)
        return cj_fail(err, CJ_ERR_ARG, "classifier: unknown '%s' (expected max_corr, lda or poisson_nb)",
                       classifier ? classifier : "(null)");
    if (n_train < 1 || p < 1 || k < 2 || n_test < 0)
        return cj_fail(err, CJ_ERR_ARG, "classify: need trials, features and two labels (n_train %d, p %d, k %d)",
                       n_train, p, k);
    double *ws = malloc(sizeof(double) * cl->workspace(n_train, p, k));
    double *s = scores ? scores : malloc(sizeof(double) * ((size_t)n_test * k + 1));
    if (!ws || !s) {
        free(ws);
        if (!scores) free(s);
        return cj_fail(err, CJ_ERR_NOMEM, "classify: out of memory");
    }
    cj_status st = CJ_OK;
    if (cl->fit(ws, x_train, y_train, n_train, p, k))
        st = cj_fail(err, CJ_ERR_ARG, "classify: %s: every label 0..%d needs a training trial", cl->name, k - 1);
    if (!st) {
        cl->scores(ws, x_test, n_test, p, k, s);
        for (int i = 0; pred && i < n_test; i++) pred[i] = decode_argmax(s + (size_t)i * k, k, rng);
    }
    free(ws);
    if (!scores) free(s);
    return st;
}
