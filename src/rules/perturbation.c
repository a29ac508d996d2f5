/* perturbation.c — gradient estimates from the change in loss caused by
 * random perturbations (Werfel, Xie & Seung 2005; Richards et al. 2019):
 *
 *   node perturbation    add noise xi ~ N(0, sigma^2) to every parametric
 *                        layer's output a; for each sample b,
 *                          dL/da_b ≈ (L_b(a + xi) - L_b(a)) xi_b / sigma^2,
 *                        then dW = (dL/da)^T x as usual. One perturbation
 *                        per sample, so each sample is its own trial.
 *   weight perturbation  add psi ~ N(0, sigma^2) to all parameters at once;
 *                          dL/dW ≈ (L(W + psi) - L(W)) psi / sigma^2.
 *
 * Both are unbiased to first order in sigma; their variance grows with the
 * number of perturbed units or weights, which cj_rule_diagnose measures.
 * rule.samples independent estimates are averaged per update. */
#include <string.h>

#include "cajal/rules.h"

static float per_sample_loss(cj_rule *r, cj_model *m, const cj_target *t, int batch, float *losses)
{
    int dim = (int)cj_shape_size(cj_model_output_shape(m));
    return cj_loss_eval(r->loss, cj_model_output(m), t, batch, dim, NULL, losses);
}

float cj_rule_node_perturbation(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int batch)
{
    const float sigma = r->cfg.sigma;
    const int samples = r->cfg.samples;
    float *clean = r->work, *perturbed = r->work + batch;
    float *noise = r->work + 2 * batch;

    cj_model_forward(m, x, batch);
    float L = per_sample_loss(r, m, t, batch, clean);
    for (int i = 0; i < m->n_layers; i++)
        if (cj_layer_has_params(&m->layers[i]))
            memset(m->dacts[i + 1], 0, sizeof(float) * batch * cj_shape_size(m->layers[i].out));

    for (int s = 0; s < samples; s++) {
        /* Forward pass with noise added to each parametric layer's output. */
        float *xi = noise;
        for (int i = 0; i < m->n_layers; i++) {
            const cj_layer *l = &m->layers[i];
            cj_layer_forward(l, m->acts[i], m->acts[i + 1], batch, m->scratch);
            if (!cj_layer_has_params(l)) continue;
            size_t size = (size_t)batch * cj_shape_size(l->out);
            cj_rng_fill_normal(&r->rng, xi, size, sigma);
            for (size_t k = 0; k < size; k++) m->acts[i + 1][k] += xi[k];
            xi += size;
        }
        per_sample_loss(r, m, t, batch, perturbed);
        /* The batch loss is the mean of per-sample losses, hence 1/batch. */
        xi = noise;
        for (int i = 0; i < m->n_layers; i++) {
            const cj_layer *l = &m->layers[i];
            if (!cj_layer_has_params(l)) continue;
            size_t size = cj_shape_size(l->out);
            for (int b = 0; b < batch; b++) {
                float coef = (perturbed[b] - clean[b]) / (sigma * sigma * (float)batch * samples);
                float *g = m->dacts[i + 1] + (size_t)b * size;
                const float *xb = xi + (size_t)b * size;
                for (size_t k = 0; k < size; k++) g[k] += coef * xb[k];
            }
            xi += (size_t)batch * size;
        }
    }

    /* Clean activations back, then dW = (dL/da)^T x layer by layer. */
    cj_model_forward(m, x, batch);
    for (int i = 0; i < m->n_layers; i++) {
        const cj_layer *l = &m->layers[i];
        if (cj_layer_has_params(l))
            cj_layer_backward(l, m->acts[i], m->acts[i + 1], m->dacts[i + 1], NULL, NULL, batch,
                              m->scratch);
    }
    return L;
}

float cj_rule_weight_perturbation(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int batch)
{
    const float sigma = r->cfg.sigma;
    const int samples = r->cfg.samples;
    const size_t n = m->n_params;
    float *saved = r->work, *psi = r->work + n;
    float *grad = m->grads;

    cj_model_forward(m, x, batch);
    float L = per_sample_loss(r, m, t, batch, NULL);
    memcpy(saved, m->params, n * sizeof(float));
    memset(grad, 0, n * sizeof(float));
    for (int s = 0; s < samples; s++) {
        cj_rng_fill_normal(&r->rng, psi, n, sigma);
        for (size_t k = 0; k < n; k++) m->params[k] = saved[k] + psi[k];
        cj_model_forward(m, x, batch);
        float L1 = per_sample_loss(r, m, t, batch, NULL);
        float coef = (L1 - L) / (sigma * sigma * samples);
        for (size_t k = 0; k < n; k++) grad[k] += coef * psi[k];
    }
    memcpy(m->params, saved, n * sizeof(float));
    cj_model_forward(m, x, batch);
    return L;
}
