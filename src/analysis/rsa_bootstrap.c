/* rsa_bootstrap.c — bootstrap samples of models' fits over stimuli and/or
 * subjects, and the paired bootstrap test of two models (rsatoolbox's
 * eval_bootstrap_pattern / eval_bootstrap_rdm and bootstrap_pair_tests;
 * see cajal/rsa.h). All scratch is allocated before the first sample. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rng.h"
#include "rsa_common.h"

void cj_rsa_boot_defaults(cj_rsa_boot_opts *o)
{
    *o = (cj_rsa_boot_opts){.samples = 1000, .seed = 1, .stimuli = 1, .subjects = 0};
}

typedef struct {
    rsa_plan *plans;   /* [models * subjects] when stimuli are resampled */
    int n_plans;
    rsa_work work;
    double *value;     /* [models * subjects]: this sample's (or the full data's) comparisons */
    int *draw, *count, *subject_count;
    int64_t *weight;
} boot_state;

static void boot_free(boot_state *b)
{
    for (int i = 0; i < b->n_plans; i++) rsa_plan_free(&b->plans[i]);
    free(b->plans);
    rsa_work_free(&b->work);
    free(b->value);
    free(b->draw);
    free(b->count);
    free(b->subject_count);
    free(b->weight);
}

cj_status cj_rsa_bootstrap(const double *models, int n_models, const double *subjects, int n_subjects, int n,
                           cj_rsa_measure m, const cj_rsa_boot_opts *o, double *out, cj_error *err)
{
    if (o->samples < 1) return cj_fail(err, CJ_ERR_ARG, "RSA bootstrap: %d samples (need at least 1)", o->samples);
    if (!o->stimuli && !o->subjects)
        return cj_fail(err, CJ_ERR_ARG, "RSA bootstrap: neither stimuli nor subjects are resampled");
    if (n < 3 || n_models < 1 || n_subjects < 1)
        return cj_fail(err, CJ_ERR_ARG, "RSA bootstrap: %d stimuli, %d models, %d subjects (need 3, 1, 1)", n,
                       n_models, n_subjects);
    if ((unsigned)m >= CJ_RSA_MEASURES) return cj_fail(err, CJ_ERR_ARG, "RSA measure %d is not one of cj_rsa_measure", m);
    const size_t len = cj_rdm_len(n), pairs = (size_t)n_models * n_subjects;
    boot_state b;
    memset(&b, 0, sizeof b);
    cj_status st = CJ_OK;
    b.value = malloc(pairs * sizeof *b.value);
    b.subject_count = malloc((size_t)n_subjects * sizeof *b.subject_count);
    if (o->stimuli) {
        b.plans = calloc(pairs, sizeof *b.plans);
        b.draw = malloc((size_t)n * sizeof *b.draw);
        b.count = malloc((size_t)n * sizeof *b.count);
        b.weight = malloc(len * sizeof *b.weight);
    }
    if (!b.value || !b.subject_count || (o->stimuli && (!b.plans || !b.draw || !b.count || !b.weight))) {
        st = cj_fail(err, CJ_ERR_NOMEM, "RSA bootstrap: no memory for %d models x %d subjects", n_models, n_subjects);
        goto done;
    }
    if (o->stimuli) {
        size_t cap = 0;
        for (int j = 0; j < n_models; j++)
            for (int s = 0; s < n_subjects; s++, b.n_plans++) {
                rsa_plan *p = &b.plans[(size_t)j * n_subjects + s];
                if ((st = rsa_plan_build(p, models + (size_t)j * len, subjects + (size_t)s * len, len, m, err)))
                    goto done;
                if (p->m > cap) cap = p->m;
            }
        if ((st = rsa_work_init(&b.work, cap, err))) goto done;
    } else {
        /* Subjects only: each comparison is fixed; samples reweight them. */
        for (int j = 0; j < n_models; j++)
            for (int s = 0; s < n_subjects; s++)
                if ((st = cj_rsa_compare(models + (size_t)j * len, subjects + (size_t)s * len, len, m,
                                         &b.value[(size_t)j * n_subjects + s], err)))
                    goto done;
    }
    cj_rng rng;
    cj_rng_seed(&rng, o->seed);
    for (int i = 0; i < o->samples; i++) {
        int ok = 1;
        if (o->stimuli) {
            for (int k = 0; k < n; k++) b.draw[k] = (int)cj_rng_below(&rng, (uint32_t)n);
            ok = rsa_sample_counts(b.draw, n, b.count) >= 3;
            if (ok) rsa_pair_weights(b.count, n, b.weight);
        }
        for (int s = 0; s < n_subjects; s++) b.subject_count[s] = o->subjects ? 0 : 1;
        if (o->subjects)
            for (int k = 0; k < n_subjects; k++) b.subject_count[cj_rng_below(&rng, (uint32_t)n_subjects)]++;
        for (int j = 0; j < n_models; j++) {
            double sum = 0.0;
            for (int s = 0; s < n_subjects && ok; s++) {
                int c = b.subject_count[s];
                if (!c) continue;
                size_t q = (size_t)j * n_subjects + s;
                if (o->stimuli) b.value[q] = rsa_plan_eval(&b.plans[q], b.weight, &b.work);
                sum += c * b.value[q];
            }
            out[(size_t)j * o->samples + i] = ok ? sum / n_subjects : NAN;
        }
    }
done:
    boot_free(&b);
    return st;
}

cj_status cj_rsa_boot_paired(const double *a, const double *b, int samples, double level, cj_rsa_paired *out,
                             cj_error *err)
{
    *out = (cj_rsa_paired){.mean_diff = NAN, .ci = {NAN, NAN}, .p = NAN};
    if (samples < 1) return cj_fail(err, CJ_ERR_ARG, "paired bootstrap test: %d samples", samples);
    if (!(level > 0.0 && level < 1.0))
        return cj_fail(err, CJ_ERR_ARG, "paired bootstrap test: level %g is not in (0, 1)", level);
    double *d = malloc((size_t)samples * sizeof *d);
    if (!d) return cj_fail(err, CJ_ERR_NOMEM, "paired bootstrap test: no memory for %d samples", samples);
    int used = 0, less = 0, equal = 0;
    double sum = 0.0;
    for (int i = 0; i < samples; i++) {
        if (!isfinite(a[i]) || !isfinite(b[i])) continue;
        d[used++] = a[i] - b[i];
        sum += a[i] - b[i];
        less += a[i] < b[i];
        equal += a[i] == b[i];
    }
    if (used == 0) {
        free(d);
        return cj_fail(err, CJ_ERR_ARG, "paired bootstrap test: no sample of %d where both fits are finite", samples);
    }
    cj_status st = cj_percentile_interval(d, (size_t)used, level, out->ci, NULL, err);
    free(d);
    if (st) return st;
    out->samples = used;
    out->mean_diff = sum / used;
    /* rsatoolbox: the share of samples where a < b among those not tied;
     * when all are tied it divides 0 by 0 (p NaN), which cajal reads as no
     * evidence either way: p = 1. */
    double f = used > equal ? (double)less / (double)(used - equal) : 0.5;
    double two = 2.0 * (f < 1.0 - f ? f : 1.0 - f);
    out->p = (double)(used - 1) / used * two + 1.0 / used;
    return CJ_OK;
}
