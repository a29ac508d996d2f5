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

/* Each sample's loss into losses[B]: the mean over the steps compared
 * (the batch loss is the mean of these). Uses losses[B..] as room for
 * per-step losses. Returns the batch loss. */
static float per_sample_loss(cj_rule *r, cj_model *m, const cj_target *t, float *losses)
{
    int T = m->steps, B = m->batch;
    float L = cj_output_loss(&r->loss, m, t, NULL, losses);
    int rows = t->steps == T && T > 1 ? T : 1;
    if (losses && rows > 1) {
        for (int b = 0; b < B; b++) {
            double sum = 0.0;
            for (int s = 0; s < rows; s++) sum += losses[(size_t)s * B + b];
            losses[b] = (float)(sum / rows);
        }
    }
    return L;
}

typedef struct {
    cj_rule *r;
    float *xi; /* where the next layer's noise goes */
} perturb_state;

/* After a parametric layer: add noise xi ~ N(0, sigma^2) to its output. */
static void add_noise(cj_model *m, int i, void *user)
{
    perturb_state *ps = user;
    const cj_layer *l = &m->layers[i];
    if (!cj_layer_has_params(l)) return;
    size_t size = (size_t)m->steps * m->batch * cj_shape_size(l->out);
    cj_rng_fill_normal(&ps->r->rng, ps->xi, size, ps->r->cfg.sigma);
    float *a = m->acts[i + 1];
    for (size_t k = 0; k < size; k++) a[k] += ps->xi[k];
    ps->xi += size;
}

static float node_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch)
{
    const float sigma = r->cfg.sigma;
    const int samples = r->cfg.samples;
    size_t rows = (size_t)T * batch;
    float *clean = r->work, *perturbed = r->work + rows;
    float *noise = r->work + 2 * rows;

    /* Every pass of the update replays the same recurrent noise, so the
     * loss changes are the perturbation's alone. */
    if (r->streams) cj_model_save_streams(m, r->streams);
    cj_model_reset(m, batch);
    cj_model_forward_seq(m, x, T, batch);
    float L = per_sample_loss(r, m, t, clean);
    for (int i = 0; i < m->n_layers; i++)
        if (cj_layer_has_params(&m->layers[i]))
            memset(m->dacts[i + 1], 0, sizeof(float) * rows * cj_shape_size(m->layers[i].out));

    for (int s = 0; s < samples; s++) {
        /* Forward pass with noise added to each parametric layer's output. */
        perturb_state ps = {r, noise};
        if (r->streams) cj_model_restore_streams(m, r->streams);
        cj_model_reset(m, batch);
        cj_model_forward_hook(m, x, T, batch, add_noise, &ps);
        per_sample_loss(r, m, t, perturbed);
        /* The batch loss is the mean of per-sample losses, hence 1/batch. */
        const float *xi = noise;
        for (int i = 0; i < m->n_layers; i++) {
            const cj_layer *l = &m->layers[i];
            if (!cj_layer_has_params(l)) continue;
            size_t size = cj_shape_size(l->out);
            for (size_t row = 0; row < rows; row++) {
                int b = (int)(row % (size_t)batch); /* time-major: row = t B + b */
                float coef = (perturbed[b] - clean[b]) / (sigma * sigma * (float)batch * samples);
                float *g = m->dacts[i + 1] + row * size;
                const float *xb = xi + row * size;
                for (size_t k = 0; k < size; k++) g[k] += coef * xb[k];
            }
            xi += rows * size;
        }
    }

    /* Clean activations back, then dW = (dL/da)^T x layer by layer. */
    if (r->streams) cj_model_restore_streams(m, r->streams);
    cj_model_reset(m, batch);
    cj_model_forward_seq(m, x, T, batch);
    for (int i = 0; i < m->n_layers; i++)
        if (cj_layer_has_params(&m->layers[i])) cj_model_backward_range(m, i, i);
    return L;
}

static float weight_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch)
{
    const float sigma = r->cfg.sigma;
    const int samples = r->cfg.samples;
    const size_t n = m->n_params;
    float *saved = r->work, *psi = r->work + n;
    float *grad = m->grads;

    if (r->streams) cj_model_save_streams(m, r->streams);
    cj_model_reset(m, batch);
    cj_model_forward_seq(m, x, T, batch);
    float L = per_sample_loss(r, m, t, NULL);
    memcpy(saved, m->params, n * sizeof(float));
    memset(grad, 0, n * sizeof(float));
    for (int s = 0; s < samples; s++) {
        cj_rng_fill_normal(&r->rng, psi, n, sigma);
        for (size_t k = 0; k < n; k++) m->params[k] = saved[k] + psi[k];
        if (r->streams) cj_model_restore_streams(m, r->streams);
        cj_model_reset(m, batch);
        cj_model_forward_seq(m, x, T, batch);
        float L1 = per_sample_loss(r, m, t, NULL);
        float coef = (L1 - L) / (sigma * sigma * samples);
        for (size_t k = 0; k < n; k++) grad[k] += coef * psi[k];
    }
    memcpy(m->params, saved, n * sizeof(float));
    if (r->streams) cj_model_restore_streams(m, r->streams);
    cj_model_reset(m, batch);
    cj_model_forward_seq(m, x, T, batch);
    return L;
}

/* Work: clean and perturbed losses per row, then the noise of every
 * parametric layer's output. */
static cj_status node_create(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err)
{
    size_t outs = 0;
    for (int i = 0; i < m->n_layers; i++)
        if (cj_layer_has_params(&m->layers[i])) outs += cj_shape_size(m->layers[i].out);
    r->work_floats = (size_t)m->max_steps * m->max_batch * (outs + 2);
    return CJ_OK;
}

/* Work: the saved weights and the noise. */
static cj_status weight_create(cj_rule *r, cj_model *m, cj_rng *rng, cj_error *err)
{
    r->work_floats = 2 * m->n_params;
    return CJ_OK;
}

const cj_rule_ops cj_rule_node_perturbation = {
    .name = "node_perturbation",
    .summary = "gradient estimate from the loss change under noise on units' outputs (Werfel, Xie & Seung 2005)",
    .keys = CJ_RULE_KEY_SIGMA | CJ_RULE_KEY_SAMPLES,
    .stochastic = 1,
    .create = node_create,
    .update = node_update,
};

const cj_rule_ops cj_rule_weight_perturbation = {
    .name = "weight_perturbation",
    .summary = "gradient estimate from the loss change under noise on all weights (Werfel, Xie & Seung 2005)",
    .keys = CJ_RULE_KEY_SIGMA | CJ_RULE_KEY_SAMPLES,
    .stochastic = 1,
    .create = weight_create,
    .update = weight_update,
};
