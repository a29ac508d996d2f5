/* rsa_compare.c — comparing two RDMs: on all finite entries through the
 * rank statistics of cajal/stats.h, and after resampling the stimuli
 * through a weighted plan (rsa_common.h); a model's fit to several subject
 * RDMs (see cajal/rsa.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rsa_common.h"

static const char *const measure_names[CJ_RSA_MEASURES] = {"tau_a", "spearman", "pearson", "cosine"};

const char *cj_rsa_measure_name(cj_rsa_measure m)
{
    return (unsigned)m < CJ_RSA_MEASURES ? measure_names[m] : "?";
}

cj_status cj_rsa_measure_parse(const char *name, cj_rsa_measure *m, cj_error *err)
{
    for (int i = 0; i < CJ_RSA_MEASURES; i++)
        if (name && !strcmp(name, measure_names[i])) {
            *m = (cj_rsa_measure)i;
            return CJ_OK;
        }
    char q[80];
    return cj_fail(err, CJ_ERR_CONFIG, "RDM comparison '%s': expected tau_a, spearman, pearson or cosine",
                   cj_error_quote(name ? name : "", q, sizeof q));
}

cj_status cj_rsa_compare(const double *a, const double *b, size_t len, cj_rsa_measure m, double *value,
                         cj_error *err)
{
    *value = NAN;
    size_t cnt;
    cj_status chk = rsa_check_entries(a, b, len, m, &cnt, err);
    if (chk) return chk;
    if (cnt < 2) return CJ_OK;
    const double *x = a, *y = b;
    double *buf = NULL;
    if (cnt < len) {
        if (!(buf = malloc(2 * cnt * sizeof *buf)))
            return cj_fail(err, CJ_ERR_NOMEM, "RSA: no memory for %zu entries", cnt);
        size_t q = 0;
        for (size_t k = 0; k < len; k++)
            if (!isnan(a[k]) && !isnan(b[k])) {
                buf[q] = a[k];
                buf[cnt + q++] = b[k];
            }
        x = buf;
        y = buf + cnt;
    }
    cj_status st = CJ_OK;
    switch (m) {
    case CJ_RSA_TAU_A: st = cj_kendall_tau_a(x, y, cnt, value, err); break;
    case CJ_RSA_SPEARMAN: st = cj_spearman(x, y, cnt, value, err); break;
    case CJ_RSA_PEARSON: *value = cj_pearson(x, y, cnt); break;
    case CJ_RSA_COSINE: *value = cj_cosine_similarity(x, y, cnt); break;
    }
    free(buf);
    return st;
}

cj_status cj_rsa_compare_resampled(const double *a, const double *b, int n, const int *sample, cj_rsa_measure m,
                                   double *value, cj_error *err)
{
    *value = NAN;
    if (n < 2) return cj_fail(err, CJ_ERR_ARG, "resampled RDM comparison: %d stimuli (need at least 2)", n);
    size_t len = cj_rdm_len(n);
    int *count = malloc((size_t)n * sizeof *count);
    int64_t *weight = malloc(len * sizeof *weight);
    rsa_plan p;
    rsa_work w;
    memset(&p, 0, sizeof p);
    memset(&w, 0, sizeof w);
    cj_status st = CJ_OK;
    if (!count || !weight) {
        st = cj_fail(err, CJ_ERR_NOMEM, "resampled RDM comparison: no memory for %d stimuli", n);
        goto done;
    }
    int distinct = rsa_sample_counts(sample, n, count);
    if (distinct < 0) {
        for (int s = 0; s < n; s++)
            if (sample[s] < 0 || sample[s] >= n) {
                st = cj_fail(err, CJ_ERR_ARG, "resampled RDM comparison: draw %d is stimulus %d, not in [0, %d)", s,
                             sample[s], n);
                break;
            }
        goto done;
    }
    if ((st = rsa_plan_build(&p, a, b, len, m, err)) || (st = rsa_work_init(&w, p.m, err))) goto done;
    if (distinct >= 3) {
        rsa_pair_weights(count, n, weight);
        *value = rsa_plan_eval(&p, weight, &w);
    }
done:
    rsa_plan_free(&p);
    rsa_work_free(&w);
    free(count);
    free(weight);
    return st;
}

cj_status cj_rsa_fit(const double *models, int n_models, const double *subjects, int n_subjects, size_t len,
                     cj_rsa_measure m, double *fit, double *per_subject, cj_error *err)
{
    if (n_models < 1 || n_subjects < 1)
        return cj_fail(err, CJ_ERR_ARG, "RSA fit: %d models and %d subjects (need at least 1 each)", n_models,
                       n_subjects);
    for (int j = 0; j < n_models; j++) {
        double sum = 0.0;
        for (int s = 0; s < n_subjects; s++) {
            double v;
            cj_status st = cj_rsa_compare(models + (size_t)j * len, subjects + (size_t)s * len, len, m, &v, err);
            if (st) return st;
            if (per_subject) per_subject[(size_t)j * n_subjects + s] = v;
            sum += v;
        }
        fit[j] = sum / n_subjects;
    }
    return CJ_OK;
}
