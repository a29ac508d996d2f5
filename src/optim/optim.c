/* optim.c — optimiser configuration, state and dispatch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/optim.h"

cj_optim_config cj_optim_defaults(cj_optim_kind kind)
{
    cj_optim_config c = {.kind = kind, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    c.lr = kind == CJ_OPTIM_ADAM ? 1e-3f : 0.01f;
    return c;
}

cj_status cj_optim_parse(const char *name, cj_optim_kind *kind, cj_error *err)
{
    if (!strcmp(name, "sgd")) *kind = CJ_OPTIM_SGD;
    else if (!strcmp(name, "adam")) *kind = CJ_OPTIM_ADAM;
    else return cj_fail(err, CJ_ERR_CONFIG, "unknown optimiser '%s' (expected sgd or adam)", name);
    return CJ_OK;
}

const char *cj_optim_name(cj_optim_kind kind) { return kind == CJ_OPTIM_ADAM ? "adam" : "sgd"; }

cj_status cj_schedule_parse(const char *name, cj_schedule_kind *kind, cj_error *err)
{
    if (!strcmp(name, "constant")) *kind = CJ_SCHEDULE_CONSTANT;
    else if (!strcmp(name, "cosine")) *kind = CJ_SCHEDULE_COSINE;
    else return cj_fail(err, CJ_ERR_CONFIG, "unknown schedule '%s' (expected constant or cosine)", name);
    return CJ_OK;
}

const char *cj_schedule_name(cj_schedule_kind kind) { return kind == CJ_SCHEDULE_COSINE ? "cosine" : "constant"; }

float cj_schedule_lr(const cj_optim_config *cfg, int epoch, int epochs)
{
    if (cfg->schedule == CJ_SCHEDULE_CONSTANT || epochs < 1) return cfg->lr;
    /* eta_t = eta (1 + cos(pi t / T)) / 2, with eta_min = 0 */
    return (float)(cfg->lr * 0.5 * (1.0 + cos(M_PI * epoch / epochs)));
}

cj_status cj_optim_create(cj_optim *o, const cj_optim_config *cfg, size_t n, cj_error *err)
{
    memset(o, 0, sizeof *o);
    o->cfg = *cfg;
    o->n = n;
    o->m = calloc(n ? n : 1, sizeof(float));
    if (cfg->kind == CJ_OPTIM_ADAM) o->v = calloc(n ? n : 1, sizeof(float));
    if (!o->m || (cfg->kind == CJ_OPTIM_ADAM && !o->v)) {
        cj_optim_free(o);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for optimiser state (%zu parameters)", n);
    }
    return CJ_OK;
}

void cj_optim_free(cj_optim *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

void cj_optim_step(cj_optim *o, float *params, const float *grads)
{
    o->step++;
    if (o->cfg.kind == CJ_OPTIM_ADAM) cj_adam_step(o, params, grads);
    else cj_sgd_step(o, params, grads);
}
