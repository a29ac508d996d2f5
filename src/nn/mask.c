/* mask.c — pruning masks on a model's parameters (model.h, prune.h).
 *
 * A mask is a float per parameter, laid out like m->params, as PyTorch's
 * torch.nn.utils.prune keeps a float `weight_mask` beside each pruned
 * tensor. Keeping it a float lets the mask be saved as an ordinary
 * tensor and applied by a branch-free select the compiler vectorises. */
#include <stdlib.h>

#include "cajal/model.h"

cj_status cj_model_mask_enable(cj_model *m, cj_error *err)
{
    if (m->mask) return CJ_OK;
    float *mask = malloc(sizeof(float) * (m->n_params ? m->n_params : 1));
    if (!mask) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the pruning mask (%zu parameters)", m->n_params);
    for (size_t i = 0; i < m->n_params; i++) mask[i] = 1.0f;
    m->mask = mask;
    return CJ_OK;
}

void cj_model_mask_clear(cj_model *m)
{
    free(m->mask);
    m->mask = NULL;
}

/* A select rather than x * mask: a negative weight times 0 is -0.0, and a
 * pruned weight should read back as the same +0.0 however it got there. */
void cj_mask_apply(float *restrict x, const float *restrict mask, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = mask[i] != 0.0f ? x[i] : 0.0f;
}

size_t cj_model_mask_kept(const cj_model *m, const cj_param *p)
{
    if (!m->mask) return p->n;
    const float *mk = m->mask + cj_model_param_offset(m, p);
    size_t kept = 0;
    for (size_t i = 0; i < p->n; i++) kept += mk[i] != 0.0f;
    return kept;
}
