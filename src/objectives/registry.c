/* registry.c — every objective objective.name can choose, in the order
 * messages list them, and what all of them share: parsing, default
 * settings, work memory. Adding an objective is one line in REGISTRY. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/objectives.h"

static const cj_objective_ops *const REGISTRY[] = {
    &cj_cross_entropy_ops,
    &cj_mse_ops,
    &cj_poisson_ops,
    &cj_infonce_ops,
};

const cj_objective_ops *const *cj_objective_registry(int *n)
{
    *n = (int)(sizeof REGISTRY / sizeof REGISTRY[0]);
    return REGISTRY;
}

const cj_objective cj_objective_cross_entropy = {.ops = &cj_cross_entropy_ops, .temperature = 0.1f};
const cj_objective cj_objective_mse = {.ops = &cj_mse_ops, .temperature = 0.1f};
const cj_objective cj_objective_poisson = {.ops = &cj_poisson_ops, .temperature = 0.1f};

cj_objective cj_objective_of(const cj_objective_ops *ops)
{
    cj_objective o = {.ops = ops, .temperature = 0.1f};
    return o;
}

cj_status cj_objective_parse(const char *name, const cj_objective_ops **ops, cj_error *err)
{
    int n;
    const cj_objective_ops *const *all = cj_objective_registry(&n);
    for (int i = 0; i < n; i++)
        if (!strcmp(name, all[i]->name)) {
            *ops = all[i];
            return CJ_OK;
        }
    char known[256];
    cj_names_join((const void *const *)all, n, known, sizeof known);
    return cj_fail(err, CJ_ERR_CONFIG, "unknown objective '%s' (expected %s)", name, known);
}

cj_status cj_objective_reserve(cj_objective *o, int rows, int dim, cj_error *err)
{
    size_t need = o->ops->scratch_floats ? o->ops->scratch_floats(rows, dim) : 0;
    if (need <= o->scratch_floats) return CJ_OK;
    float *grown = realloc(o->scratch, sizeof(float) * need);
    if (!grown)
        return cj_fail(err, CJ_ERR_NOMEM, "objective %s: out of memory for %zu floats of work", o->ops->name, need);
    o->scratch = grown;
    o->scratch_floats = need;
    return CJ_OK;
}

void cj_objective_release(cj_objective *o)
{
    free(o->scratch);
    o->scratch = NULL;
    o->scratch_floats = 0;
}
