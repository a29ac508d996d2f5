/* rsa_ceiling.c — pooling subject RDMs and the noise ceiling (Nili et al.
 * 2014, PLoS Comput. Biol. 10:e1003553; rsatoolbox's pool_rdm and
 * boot_noise_ceiling; see cajal/rsa.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rsa.h"

/* One RDM made ready for pooling under m (rsatoolbox's pool_rdm): into out,
 * NaN entries kept. */
static cj_status normalise(const double *v, size_t len, cj_rsa_measure m, double *out, double *scratch,
                           size_t *pos, cj_error *err)
{
    double sum = 0.0, sq = 0.0;
    size_t cnt = 0;
    for (size_t k = 0; k < len; k++)
        if (!isnan(v[k])) {
            sum += v[k];
            sq += v[k] * v[k];
            cnt++;
        }
    if (m == CJ_RSA_COSINE) {
        /* v / sqrt(nanmean(v^2)) */
        double s = cnt ? sqrt(sq / (double)cnt) : NAN;
        for (size_t k = 0; k < len; k++) out[k] = v[k] / s;
    } else if (m == CJ_RSA_PEARSON) {
        /* (v - nanmean) / nanstd, ddof 0 */
        double mean = cnt ? sum / (double)cnt : NAN, ss = 0.0;
        for (size_t k = 0; k < len; k++)
            if (!isnan(v[k])) ss += (v[k] - mean) * (v[k] - mean);
        double sd = sqrt(ss / (double)cnt);
        for (size_t k = 0; k < len; k++) out[k] = (v[k] - mean) / sd;
    } else {
        /* ranks of the finite entries */
        size_t q = 0;
        for (size_t k = 0; k < len; k++)
            if (!isnan(v[k])) {
                scratch[q] = v[k];
                pos[q++] = k;
            }
        cj_status st = cj_rank_average(scratch, q, scratch + len, err);
        if (st) return st;
        for (size_t k = 0; k < len; k++) out[k] = NAN;
        for (size_t i = 0; i < q; i++) out[pos[i]] = scratch[len + i];
    }
    return CJ_OK;
}

cj_status cj_rsa_pool_rdms(const double *rdms, int count, size_t len, cj_rsa_measure m, cj_rsa_pool pool,
                           double *out, cj_error *err)
{
    if (count < 1) return cj_fail(err, CJ_ERR_ARG, "pooling %d RDMs (need at least 1)", count);
    if ((unsigned)m >= CJ_RSA_MEASURES) return cj_fail(err, CJ_ERR_ARG, "RSA measure %d is not one of cj_rsa_measure", m);
    if (pool == CJ_RSA_POOL_MEAN) {
        cj_rdm_mean(rdms, count, len, out);
        return CJ_OK;
    }
    if (pool != CJ_RSA_POOL_MATCHED) return cj_fail(err, CJ_ERR_ARG, "RDM pooling %d is not one of cj_rsa_pool", pool);
    size_t l = len ? len : 1;
    double *one = malloc(l * sizeof *one), *scratch = malloc(2 * l * sizeof *scratch);
    size_t *pos = malloc(l * sizeof *pos);
    cj_status st = CJ_OK;
    if (!one || !scratch || !pos) {
        st = cj_fail(err, CJ_ERR_NOMEM, "pooling %d RDMs of %zu entries: no memory", count, len);
        goto done;
    }
    for (size_t k = 0; k < len; k++) out[k] = 0.0;
    for (int r = 0; r < count; r++) {
        if ((st = normalise(rdms + (size_t)r * len, len, m, one, scratch, pos, err))) goto done;
        for (size_t k = 0; k < len; k++) out[k] += one[k];
    }
    for (size_t k = 0; k < len; k++) out[k] /= count;
    if (m == CJ_RSA_PEARSON) {
        /* rsatoolbox subtracts the minimum so the pooled RDM stays >= 0;
         * no correlation changes. */
        double lo = INFINITY;
        for (size_t k = 0; k < len; k++)
            if (out[k] < lo) lo = out[k];
        if (isfinite(lo))
            for (size_t k = 0; k < len; k++) out[k] -= lo;
    }
done:
    free(one);
    free(scratch);
    free(pos);
    return st;
}

cj_status cj_rsa_noise_ceiling(const double *subjects, int n_subjects, size_t len, cj_rsa_measure m,
                               cj_rsa_pool pool, double ceiling[2], cj_error *err)
{
    ceiling[0] = ceiling[1] = NAN;
    if (n_subjects < 2)
        return cj_fail(err, CJ_ERR_ARG, "noise ceiling of %d subject RDMs: need at least 2", n_subjects);
    size_t l = len ? len : 1;
    double *all = malloc(l * sizeof *all), *others = malloc(l * sizeof *others);
    double *rest = malloc((size_t)(n_subjects - 1) * l * sizeof *rest);
    cj_status st = CJ_OK;
    if (!all || !others || !rest) {
        st = cj_fail(err, CJ_ERR_NOMEM, "noise ceiling of %d subject RDMs: no memory", n_subjects);
        goto done;
    }
    if ((st = cj_rsa_pool_rdms(subjects, n_subjects, len, m, pool, all, err))) goto done;
    double lo = 0.0, hi = 0.0;
    for (int s = 0; s < n_subjects; s++) {
        const double *own = subjects + (size_t)s * len;
        for (int r = 0, q = 0; r < n_subjects; r++)
            if (r != s) memcpy(rest + (size_t)q++ * len, subjects + (size_t)r * len, len * sizeof *rest);
        double up, down;
        if ((st = cj_rsa_pool_rdms(rest, n_subjects - 1, len, m, pool, others, err)) ||
            (st = cj_rsa_compare(own, all, len, m, &up, err)) ||
            (st = cj_rsa_compare(own, others, len, m, &down, err)))
            goto done;
        hi += up;
        lo += down;
    }
    ceiling[0] = lo / n_subjects;
    ceiling[1] = hi / n_subjects;
done:
    free(all);
    free(others);
    free(rest);
    return st;
}
