/* diagnostics.c — how far a rule's update is from the true gradient, per
 * parametric layer: the angle between them, and for stochastic rules the
 * bias and variance of the estimate over repeated draws (Richards et al.
 * 2019, Fig. 3). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/rules.h"

void cj_rule_diagnostics_free(cj_rule_diagnostics *d)
{
    free(d->align_deg);
    free(d->bias);
    free(d->variance);
    memset(d, 0, sizeof *d);
}

/* Arrays for n layers (kept when they already have that size), zeroed. */
static cj_status diagnostics_size(cj_rule_diagnostics *d, int n, cj_error *err)
{
    if (d->n != n || !d->align_deg) {
        cj_rule_diagnostics_free(d);
        d->align_deg = calloc((size_t)n + 1, sizeof(double));
        d->bias = calloc((size_t)n + 1, sizeof(double));
        d->variance = calloc((size_t)n + 1, sizeof(double));
        if (!d->align_deg || !d->bias || !d->variance) {
            cj_rule_diagnostics_free(d);
            return cj_fail(err, CJ_ERR_NOMEM, "out of memory for rule diagnostics of %d layers", n);
        }
        d->n = n;
    }
    for (int k = 0; k < n; k++) d->align_deg[k] = d->bias[k] = d->variance[k] = 0.0;
    return CJ_OK;
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
    float *truth = malloc(n * sizeof(float));
    float *mean = calloc(n, sizeof(float));
    double *sq = calloc((size_t)n_param_layers, sizeof(double));
    if (!truth || !mean || !sq) {
        free(truth), free(mean), free(sq);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for rule diagnostics");
    }

    cj_backprop(m, &r->loss, x, t, T, batch);
    memcpy(truth, m->grads, n * sizeof(float));

    /* Draws use the caller's stream, not the rule's training stream. */
    cj_rng saved_rng = r->rng;
    r->rng = cj_rng_split(rng);
    cj_status st = CJ_OK;
    for (int d = 0; d < draws && !st; d++) {
        float loss;
        st = cj_rule_update(r, m, x, t, T, batch, &loss, err);
        for (int k = 0; k < n_param_layers && !st; k++) {
            const cj_layer *l = &m->layers[cj_model_param_layer(m, k)];
            size_t off = cj_model_param_offset(m, &l->params[0]), len = cj_layer_param_count(l);
            out->align_deg[k] += cj_angle_deg(m->grads + off, truth + off, len) / draws;
            double s = 0.0;
            for (size_t i = off; i < off + len; i++) {
                mean[i] += m->grads[i] / draws;
                s += (double)m->grads[i] * m->grads[i];
            }
            sq[k] += s / draws;
        }
    }
    r->rng = saved_rng;

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
        } else {
            out->bias[k] = out->variance[k] = NAN;
        }
    }
    free(truth), free(mean), free(sq);
    return st;
}
