/* diagnostics.c — how far a rule's update is from the true gradient, per
 * parametric layer: the angle between them, and for stochastic rules the
 * bias and variance of the estimate over repeated draws (Richards et al.
 * 2019, Fig. 3), each with a 95% interval over those draws.
 *
 * The intervals come from the draws alone and use no random numbers, so
 * they change neither training nor the point estimates:
 *  - mean angle: Student's t over the draws' angles, which are independent;
 *  - bias and variance: their squares are U-statistics of the draws e = u - g,
 *    whose standard errors the delete-a-group jackknife gives
 *    (cj_draw_moments_estimate, src/stats/intervals.c); the interval for the
 *    squared bias, estimate ± t se, is cut at 0 and square-rooted, and the
 *    variance's is taken on the log scale, v exp(± t se / v) (the delta
 *    method), so it stays positive and is as wide on a log axis either side. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rules.h"
#include "cajal/stats.h"

#define DIAG_LEVEL 0.95
/* The jackknife pools the draws into at most this many groups: it keeps
 * each group's sum of u - g, groups x parameters floats. Past ~20 groups
 * the t quantile gains little (2.09 at 19 dof, 1.96 at infinity); the
 * default train.diag_draws of 20 gets one group per draw. */
#define DIAG_GROUPS_MAX 20
/* Parameters per slice of the group sums turned to double for one dsyrk
 * (groups x this many doubles: 320 KiB, in cache). */
#define GRAM_CHUNK 2048

void cj_rule_diagnostics_free(cj_rule_diagnostics *d)
{
    free(d->align_deg);
    free(d->bias);
    free(d->variance);
    free(d->align_ci);
    free(d->bias_ci);
    free(d->variance_ci);
    memset(d, 0, sizeof *d);
}

/* Arrays for n layers (kept when they already have that size), zeroed;
 * the intervals NaN until measured. */
static cj_status diagnostics_size(cj_rule_diagnostics *d, int n, cj_error *err)
{
    if (d->n != n || !d->align_deg) {
        cj_rule_diagnostics_free(d);
        d->align_deg = calloc((size_t)n + 1, sizeof(double));
        d->bias = calloc((size_t)n + 1, sizeof(double));
        d->variance = calloc((size_t)n + 1, sizeof(double));
        d->align_ci = calloc(2 * (size_t)n + 1, sizeof(double));
        d->bias_ci = calloc(2 * (size_t)n + 1, sizeof(double));
        d->variance_ci = calloc(2 * (size_t)n + 1, sizeof(double));
        if (!d->align_deg || !d->bias || !d->variance || !d->align_ci || !d->bias_ci || !d->variance_ci) {
            cj_rule_diagnostics_free(d);
            return cj_fail(err, CJ_ERR_NOMEM, "out of memory for rule diagnostics of %d layers", n);
        }
        d->n = n;
    }
    for (int k = 0; k < n; k++) d->align_deg[k] = d->bias[k] = d->variance[k] = 0.0;
    for (int k = 0; k < 2 * n; k++) d->align_ci[k] = d->bias_ci[k] = d->variance_ci[k] = NAN;
    return CJ_OK;
}

/* What the intervals need from the draws of a stochastic rule, summed as
 * they arrive (cj_draw_sums). */
typedef struct {
    int groups, n_layers;
    size_t n;       /* parameters */
    float *sums;    /* [groups * n]: each group's sum of u - g */
    double *sq;     /* [n_layers * groups]: each group's sum of |u - g|^2, layer by layer */
    int *count;     /* [groups] */
    double *angles; /* [n_layers * draws]: layer k's draws together */
    double *gram;   /* [groups * groups], per layer in turn */
    double *chunk;  /* [groups * GRAM_CHUNK] scratch */
} draw_record;

static void record_free(draw_record *rec)
{
    free(rec->sums), free(rec->sq), free(rec->count), free(rec->angles), free(rec->gram), free(rec->chunk);
}

static cj_status record_alloc(draw_record *rec, int draws, size_t n, int n_layers, cj_error *err)
{
    memset(rec, 0, sizeof *rec);
    rec->groups = draws < DIAG_GROUPS_MAX ? draws : DIAG_GROUPS_MAX;
    rec->n_layers = n_layers;
    rec->n = n;
    size_t g = (size_t)rec->groups, nl = (size_t)n_layers + 1;
    rec->sums = calloc(g * n + 1, sizeof(float));
    rec->sq = calloc(g * nl, sizeof(double));
    rec->count = calloc(g, sizeof(int));
    rec->angles = calloc((size_t)draws * nl, sizeof(double));
    rec->gram = calloc(g * g, sizeof(double));
    rec->chunk = malloc(g * GRAM_CHUNK * sizeof(double));
    if (!rec->sums || !rec->sq || !rec->count || !rec->angles || !rec->gram || !rec->chunk) {
        record_free(rec);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the intervals of rule diagnostics: %d groups of %zu "
                       "parameters", (int)g, n);
    }
    return CJ_OK;
}

/* Draw d's update in m->grads, at layer k's parameters [off, off + len):
 * add u - g to its group's sum. Groups are runs of consecutive draws whose
 * sizes differ by at most one. */
static void record_layer(draw_record *rec, int d, int draws, int k, const float *grads, const float *truth,
                         size_t off, size_t len)
{
    int a = (int)((long)d * rec->groups / draws);
    float *s = rec->sums + (size_t)a * rec->n;
    double e2 = 0.0;
    for (size_t i = off; i < off + len; i++) {
        float e = grads[i] - truth[i];
        s[i] += e;
        e2 += (double)e * e;
    }
    rec->sq[(size_t)k * rec->groups + a] += e2;
    if (k == 0) rec->count[a]++;
}

/* Layer k's interval for the mean angle, from the draws' angles (which are
 * independent), centred on the reported mean (summed in another order);
 * an angle lies in [0, 180]. */
static void angle_interval(cj_rule_diagnostics *out, const draw_record *rec, int k, int draws)
{
    double ci[2];
    cj_mean_interval(rec->angles + (size_t)k * draws, draws, DIAG_LEVEL, ci);
    double half = (ci[1] - ci[0]) / 2;
    if (!isfinite(half)) return;
    out->align_ci[2 * k] = fmax(0.0, out->align_deg[k] - half);
    out->align_ci[2 * k + 1] = fmin(180.0, out->align_deg[k] + half);
}

/* gram[a][b] = S_a . S_b over parameters [off, off + len), in double: when
 * the bias is small the entries nearly cancel in the squared bias, and a
 * float product would lose it. Slices of the float sums are widened to
 * double and added by dsyrk, which fills the upper triangle. */
static void layer_gram(draw_record *rec, size_t off, size_t len)
{
    const int g = rec->groups;
    memset(rec->gram, 0, (size_t)g * g * sizeof(double));
    for (size_t c0 = off; c0 < off + len; c0 += GRAM_CHUNK) {
        const int c = (int)(off + len - c0 < GRAM_CHUNK ? off + len - c0 : GRAM_CHUNK);
        for (int a = 0; a < g; a++) {
            const float *sa = rec->sums + (size_t)a * rec->n + c0;
            double *row = rec->chunk + (size_t)a * c;
            for (int i = 0; i < c; i++) row[i] = sa[i];
        }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, g, c, 1.0, rec->chunk, c, 1.0, rec->gram, g);
    }
    for (int a = 0; a < g; a++)
        for (int b = 0; b < a; b++) rec->gram[(size_t)a * g + b] = rec->gram[(size_t)b * g + a];
}

/* Layer k's intervals for bias and variance, around the point estimates:
 * b2 the squared bias before it was cut at 0, var the variance and g2 =
 * |g|^2, as cj_rule_diagnose computed them. */
static void moment_intervals(cj_rule_diagnostics *out, draw_record *rec, int k, size_t off, size_t len, double b2,
                             double var, double g2)
{
    const int g = rec->groups;
    layer_gram(rec, off, len);
    cj_draw_sums sums = {g, rec->count, rec->sq + (size_t)k * g, rec->gram};
    cj_draw_moments mo;
    if (cj_draw_moments_estimate(&sums, &mo, NULL) || !isfinite(mo.mean_sq_se) || !isfinite(mo.var_se)) return;
    double t = cj_t_critical(DIAG_LEVEL, mo.dof);
    double lo2 = b2 - t * mo.mean_sq_se, hi2 = b2 + t * mo.mean_sq_se;
    out->bias_ci[2 * k] = sqrt(lo2 > 0 ? lo2 / g2 : 0.0);
    out->bias_ci[2 * k + 1] = sqrt(hi2 > 0 ? hi2 / g2 : 0.0);
    if (var > 0) {
        double spread = exp(t * mo.var_se / var);
        out->variance_ci[2 * k] = var / spread / g2;
        out->variance_ci[2 * k + 1] = var * spread / g2;
    } else {
        out->variance_ci[2 * k] = 0.0;
        out->variance_ci[2 * k + 1] = t * mo.var_se / g2;
    }
}

cj_status cj_rule_diagnose(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch,
                           int draws, cj_rng *rng, cj_rule_diagnostics *out, cj_error *err)
{
    const size_t n = m->n_params;
    const int stochastic = cj_rule_is_stochastic(r->cfg.kind);
    if (!stochastic) draws = 1;
    if (draws < 1) return cj_fail(err, CJ_ERR_ARG, "rule diagnostics need at least one draw (got %d)", draws);
    int n_param_layers = cj_model_n_param_layers(m);
    cj_status sized = diagnostics_size(out, n_param_layers, err);
    if (sized) return sized;
    draw_record rec = {0};
    if (stochastic) {
        cj_status st = record_alloc(&rec, draws, n, n_param_layers, err);
        if (st) return st;
    }
    float *truth = malloc(n * sizeof(float));
    float *mean = calloc(n, sizeof(float));
    double *sq = calloc((size_t)n_param_layers, sizeof(double));
    if (!truth || !mean || !sq) {
        free(truth), free(mean), free(sq);
        record_free(&rec);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for rule diagnostics");
    }

    /* Every pass here replays the recurrent noise the next training step
     * would draw, and leaves the layers' streams as they were: the true
     * gradient and each draw of the rule see the same noise, and measuring
     * does not change the training run. */
    int n_streams = cj_model_n_streams(m);
    cj_rng *streams = n_streams ? malloc(sizeof(cj_rng) * (size_t)n_streams) : NULL;
    if (n_streams && !streams) {
        free(truth), free(mean), free(sq);
        record_free(&rec);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for rule diagnostics");
    }
    if (streams) cj_model_save_streams(m, streams);
    cj_backprop(m, &r->loss, x, t, T, batch);
    /* A pruned model's parameters are the weights its mask keeps: the pruned
     * ones take no part in the angle, bias or variance (the trainer drops
     * their updates the same way). No mask: nothing happens. */
    cj_model_mask_grads(m);
    memcpy(truth, m->grads, n * sizeof(float));

    /* Draws use the caller's stream, not the rule's training stream. */
    cj_rng saved_rng = r->rng;
    r->rng = cj_rng_split(rng);
    cj_status st = CJ_OK;
    for (int d = 0; d < draws && !st; d++) {
        float loss;
        if (streams) cj_model_restore_streams(m, streams);
        st = cj_rule_update(r, m, x, t, T, batch, &loss, err);
        cj_model_mask_grads(m);
        for (int k = 0; k < n_param_layers && !st; k++) {
            const cj_layer *l = &m->layers[cj_model_param_layer(m, k)];
            size_t off = cj_model_param_offset(m, &l->params[0]), len = cj_layer_param_count(l);
            double angle = cj_angle_deg(m->grads + off, truth + off, len);
            out->align_deg[k] += angle / draws;
            double s = 0.0;
            for (size_t i = off; i < off + len; i++) {
                mean[i] += m->grads[i] / draws;
                s += (double)m->grads[i] * m->grads[i];
            }
            sq[k] += s / draws;
            if (stochastic) {
                rec.angles[(size_t)k * draws + d] = angle;
                record_layer(&rec, d, draws, k, m->grads, truth, off, len);
            }
        }
    }
    r->rng = saved_rng;
    if (streams) cj_model_restore_streams(m, streams);
    free(streams);

    for (int k = 0; k < n_param_layers && !st; k++) {
        const cj_layer *l = &m->layers[cj_model_param_layer(m, k)];
        size_t off = cj_model_param_offset(m, &l->params[0]), len = cj_layer_param_count(l);
        double g2 = 0.0, bias2 = 0.0, mean2 = 0.0;
        for (size_t i = off; i < off + len; i++) {
            double d = (double)mean[i] - truth[i];
            g2 += (double)truth[i] * truth[i];
            bias2 += d * d;
            mean2 += (double)mean[i] * mean[i];
        }
        if (stochastic && g2 > 0) {
            /* E|u - E u|^2 = E|u|^2 - |E u|^2, with Bessel's correction. */
            double var = (sq[k] - mean2) * (draws > 1 ? (double)draws / (draws - 1) : 0.0);
            var = var > 0 ? var : 0.0;
            /* |mean - g|^2 overestimates the squared bias by var / draws. */
            double b2 = bias2 - var / draws;
            out->bias[k] = sqrt(b2 > 0 ? b2 / g2 : 0.0);
            out->variance[k] = var / g2;
            moment_intervals(out, &rec, k, off, len, b2, var, g2);
        } else {
            out->bias[k] = out->variance[k] = NAN;
        }
        if (stochastic) angle_interval(out, &rec, k, draws);
    }
    free(truth), free(mean), free(sq);
    record_free(&rec);
    return st;
}
