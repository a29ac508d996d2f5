/* rule.c — learning-rule state, names and dispatch. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clones.h"
#include "cajal/rules.h"

cj_status cj_rule_parse(const char *name, const cj_rule_ops **kind, cj_error *err)
{
    int n;
    const cj_rule_ops *const *all = cj_rule_registry(&n);
    for (int i = 0; i < n; i++)
        if (!strcmp(name, all[i]->name)) {
            *kind = all[i];
            return CJ_OK;
        }
    char known[512];
    cj_names_join((const void *const *)all, n, known, sizeof known);
    return cj_fail(err, CJ_ERR_CONFIG, "unknown learning rule '%s' (expected %s)", name, known);
}

cj_rule_config cj_rule_defaults(const cj_rule_ops *kind)
{
    /* Field by field over zeroed memory, padding included: experiments are
     * compared byte for byte (a written config must read back identically). */
    cj_rule_config c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.samples = 1;
    c.sigma = 1e-3f;
    c.calibrate = 1;
    c.mirror_lr = 0.01f;
    c.mirror_decay = 0.01f;
    c.mirror_steps = 1;
    return c;
}

cj_status cj_rule_create(cj_rule *r, const cj_rule_config *cfg, cj_model *m, const cj_objective *loss,
                         cj_rng *rng, cj_error *err)
{
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    r->loss = *loss;
    r->loss.scratch = NULL; /* the rule's own, reserved below */
    r->loss.scratch_floats = 0;
    r->n_layers = m->n_layers;
    r->rng = cj_rng_split(rng);
    if (cfg->samples < 1) return cj_fail(err, CJ_ERR_CONFIG, "rule.samples = %d must be at least 1", cfg->samples);
    if ((cfg->kind->keys & CJ_RULE_KEY_SIGMA) && !(cfg->sigma > 0))
        return cj_fail(err, CJ_ERR_CONFIG, "rule.sigma = %g must be positive", cfg->sigma);
    if (cfg->bptt_truncate < 0)
        return cj_fail(err, CJ_ERR_CONFIG, "train.bptt_truncate = %d must be 0 (whole sequences) or positive",
                       cfg->bptt_truncate);
    if (cfg->bptt_truncate > 0 && !cfg->kind->truncates)
        return cj_fail(err, CJ_ERR_CONFIG, "train.bptt_truncate does not apply to rule.name = %s (it runs whole "
                       "sequences)", cj_rule_name(cfg->kind));
    r->feedback = calloc((size_t)m->n_layers, sizeof(float *));
    if (!r->feedback) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for rule state");
    cj_status st = cj_objective_reserve(&r->loss, m->max_steps * m->max_batch,
                                        (int)cj_shape_size(cj_model_output_shape(m)), err);
    int n_streams = cj_model_n_streams(m);
    if (!st && n_streams && !(r->streams = malloc(sizeof(cj_rng) * (size_t)n_streams)))
        st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for rule state");
    if (!st) st = cfg->kind->create ? cfg->kind->create(r, m, rng, err) : CJ_OK;
    if (!st && r->work_floats) {
        r->work = malloc(r->work_floats * sizeof(float));
        if (!r->work) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for the rule's work buffers");
    }
    if (st) cj_rule_free(r);
    return st;
}

void cj_rule_free(cj_rule *r)
{
    if (r->cfg.kind && r->cfg.kind->destroy) r->cfg.kind->destroy(r);
    free(r->feedback);
    free(r->feedback_buf);
    free(r->kp_grad);
    free(r->work);
    free(r->streams);
    cj_objective_release(&r->loss);
    if (r->kp_optim_ready) cj_optim_free(&r->kp_optim);
    memset(r, 0, sizeof *r);
}

/* NaN and Inf are the floats whose exponent bits are all ones; an integer
 * OR-reduction over them vectorises, unlike a float sum. It reads every
 * gradient and activation of a step, so it gets wider vectors where the CPU
 * has them (clones.h). */
CJ_TARGET_CLONES static int all_finite(const float *x, size_t n)
{
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], sizeof u);
        bad |= (u & 0x7f800000u) == 0x7f800000u;
    }
    return !bad;
}

/* Every layer's output from the clean forward pass each rule ends with.
 * The loss and the update alone can miss a non-finite input or weight:
 * ReLU's backward pass and a max-pool's unchosen inputs drop NaN from the
 * gradients, and weight perturbation never multiplies the input into its
 * update. A layer that keeps finite values finite (keeps_finite) needs no
 * check of its own once its input has passed one: of an MNIST CNN's
 * activations that leaves the two convolutions' and the readout's, 43%
 * of the floats. */
static int outputs_finite(const cj_model *m)
{
    size_t rows = (size_t)m->steps * m->batch;
    int input_checked = 0;  /* acts[0], the data, is not */
    for (int i = 0; i < m->n_layers; i++) {
        const cj_layer *l = &m->layers[i];
        if (input_checked && l->ops->keeps_finite) continue;
        if (!all_finite(m->acts[i + 1], rows * cj_shape_size(l->out))) return 0;
        input_checked = 1;
    }
    return 1;
}

/* Name the first layer whose output, or whose parameter update, is not
 * finite. */
static cj_status report_non_finite(const cj_model *m, float value, cj_error *err)
{
    size_t rows = (size_t)m->steps * m->batch;
    const char *loss = isnan(value) ? "NaN" : isinf(value) ? "Inf" : "finite";
    for (int i = 0; i < m->n_layers; i++) {
        const cj_layer *l = &m->layers[i];
        if (!all_finite(m->acts[i + 1], rows * cj_shape_size(l->out)))
            return cj_fail(err, CJ_ERR_NUMERIC,
                           "loss is %s: the output of layer %d (%s) is not finite; lower optim.lr or "
                           "check the input data", loss, i, cj_layer_name(l));
    }
    for (int i = 0; i < m->n_layers; i++) {
        const cj_layer *l = &m->layers[i];
        if (cj_layer_has_params(l) && !all_finite(l->params[0].grad, cj_layer_param_count(l)))
            return cj_fail(err, CJ_ERR_NUMERIC,
                           "the update for layer %d (%s) is not finite; lower optim.lr or rule.sigma",
                           i, cj_layer_name(l));
    }
    return cj_fail(err, CJ_ERR_NUMERIC, "loss is %s; lower optim.lr", loss);
}

cj_status cj_rule_update(cj_rule *r, cj_model *m, const float *x, const cj_target *t, int T, int batch,
                         float *loss, cj_error *err)
{
    float L = r->cfg.kind->update(r, m, x, t, T, batch);
    *loss = L;
    if (!isfinite(L) || !all_finite(m->grads, m->n_params) || !outputs_finite(m))
        return report_non_finite(m, L, err);
    return CJ_OK;
}

double cj_angle_deg(const float *a, const float *b, size_t n)
{
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (size_t i = 0; i < n; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    if (aa == 0.0 || bb == 0.0) return 90.0;
    double c = ab / sqrt(aa * bb);
    c = c > 1.0 ? 1.0 : c < -1.0 ? -1.0 : c;
    return acos(c) * 180.0 / M_PI;
}

cj_status cj_rule_after_step(cj_rule *r, cj_model *m, const cj_optim_config *opt, cj_error *err)
{
    return r->cfg.kind->after_step ? r->cfg.kind->after_step(r, m, opt, err) : CJ_OK;
}
