/* evaluate.c — how well match probabilities separate true from false
 * matches: ROC AUC and precision / recall / F1 at a threshold. */
#include <math.h>
#include <stdlib.h>

#include "cajal/match.h"

typedef struct {
    float score;
    unsigned char positive;
} scored;

static int cmp_scored(const void *pa, const void *pb)
{
    float a = ((const scored *)pa)->score, b = ((const scored *)pb)->score;
    return (a > b) - (a < b);
}

/* AUC = P(score of a random positive > that of a random negative) + P(tie)/2
 * = (R+ - n+(n+ + 1)/2) / (n+ n-), R+ the sum of the positives' ranks with
 * tied scores sharing their mean rank (Mann & Whitney 1947; Hanley & McNeil
 * 1982). scikit-learn integrates the ROC curve with the trapezoid rule over
 * distinct thresholds, which gives ties the same half credit. */
cj_status cj_roc_auc(const float *score, const unsigned char *label, size_t n, double *auc, cj_error *err)
{
    *auc = NAN;
    size_t n_pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(score[i])) return cj_fail(err, CJ_ERR_NUMERIC, "roc auc: score %zu is NaN", i);
        n_pos += label[i] != 0;
    }
    if (n_pos == 0 || n_pos == n)
        return cj_fail(err, CJ_ERR_ARG, "roc auc: %zu of %zu labels are positive; need both classes", n_pos, n);
    scored *v = malloc(n * sizeof *v);
    if (!v) return cj_fail(err, CJ_ERR_NOMEM, "roc auc: out of memory for %zu scores", n);
    for (size_t i = 0; i < n; i++) {
        v[i].score = score[i];
        v[i].positive = label[i] != 0;
    }
    qsort(v, n, sizeof *v, cmp_scored);
    /* Ranks are 1-based; a run of ties [i, j) shares rank (i + 1 + j) / 2. */
    double rank_sum = 0.0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1, pos = v[i].positive;
        while (j < n && v[j].score == v[i].score) pos += v[j++].positive;
        rank_sum += (double)pos * 0.5 * (double)(i + 1 + j);
        i = j;
    }
    free(v);
    double np = (double)n_pos, nn = (double)(n - n_pos);
    *auc = (rank_sum - 0.5 * np * (np + 1.0)) / (np * nn);
    return CJ_OK;
}

void cj_binary_scores_at(const float *score, const unsigned char *label, size_t n, float threshold,
                         cj_binary_scores *out)
{
    size_t tp = 0, fp = 0, tn = 0, fn = 0;
    for (size_t i = 0; i < n; i++) {
        int pred = score[i] >= threshold, pos = label[i] != 0;
        tp += pred && pos;
        fp += pred && !pos;
        fn += !pred && pos;
        tn += !pred && !pos;
    }
    out->tp = tp;
    out->fp = fp;
    out->tn = tn;
    out->fn = fn;
    out->precision = tp + fp ? (double)tp / (double)(tp + fp) : 0.0;
    out->recall = tp + fn ? (double)tp / (double)(tp + fn) : 0.0;
    double s = out->precision + out->recall;
    out->f1 = s > 0.0 ? 2.0 * out->precision * out->recall / s : 0.0;
}
