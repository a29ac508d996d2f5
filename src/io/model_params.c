/* model_params.c — a model's parameters as a safetensors file, under the
 * names of the equivalent torch.nn.Sequential's state dict ("1.weight",
 * "1.bias", ...), so PyTorch's load_state_dict takes the file unchanged. */
#include <stdlib.h>
#include <string.h>

#include "cajal/io.h"

/* ---- models -------------------------------------------------------------- */

/* A model's parameters as (name, view) pairs, gathered with
 * cj_model_each_param. Names are copied whole, however long. */
typedef struct {
    int n, cap;
    char **names;
    cj_tensor *views;
} param_list;

static cj_status collect_param(const char *name, cj_tensor *t, void *user)
{
    param_list *p = user;
    if (p->n == p->cap) return CJ_ERR_ARG;  /* cannot happen: sized from the layers */
    if (!(p->names[p->n] = strdup(name))) return CJ_ERR_NOMEM;
    p->views[p->n++] = *t;
    return CJ_OK;
}

static void free_params(param_list *p)
{
    for (int i = 0; p->names && i < p->n; i++) free(p->names[i]);
    free(p->names);
    free(p->views);
}

static cj_status list_params(cj_model *m, param_list *p, const char *path, cj_error *err)
{
    p->n = 0;
    p->cap = 0;
    for (int i = 0; i < m->n_layers; i++) p->cap += m->layers[i].n_params;
    p->names = malloc(sizeof *p->names * (p->cap ? (size_t)p->cap : 1));
    p->views = malloc(sizeof *p->views * (p->cap ? (size_t)p->cap : 1));
    cj_status st = p->names && p->views ? cj_model_each_param(m, collect_param, p) : CJ_ERR_NOMEM;
    if (st) {
        free_params(p);
        return st == CJ_ERR_NOMEM ? cj_fail(err, st, "%s: out of memory listing the model's parameters", path)
                                  : cj_fail(err, st, "%s: the model lists more than %d parameter tensors", path,
                                            p->cap);
    }
    return CJ_OK;
}

cj_status cj_model_save_meta(cj_model *m, const char *path, int n_meta, const cj_meta_entry *meta,
                             cj_error *err)
{
    param_list p;
    cj_status st = list_params(m, &p, path, err);
    if (st) return st;
    st = cj_safetensors_write(path, p.n, (const char *const *)p.names, p.views, n_meta, meta, err);
    free_params(&p);
    return st;
}

cj_status cj_model_save(cj_model *m, const char *path, cj_error *err)
{
    return cj_model_save_meta(m, path, 0, NULL, err);
}

static int same_shape(const cj_tensor *a, const cj_tensor *b)
{
    if (a->ndim != b->ndim) return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return 0;
    return 1;
}

/* Everything is checked before anything is copied, so a failed load leaves
 * the model as it was. */
static cj_status check_and_copy(const char *path, const cj_safetensors *file, const param_list *p,
                                cj_error *err)
{
    char a[96], b[96];
    for (int i = 0; i < p->n; i++) {
        const cj_tensor *t = cj_safetensors_get(file, p->names[i]);
        if (!t)
            return cj_fail(err, CJ_ERR_SHAPE, "%s: tensor '%s' is missing (the model needs shape %s)",
                           path, p->names[i], cj_tensor_shape_str(&p->views[i], a, sizeof a));
        if (!same_shape(t, &p->views[i]))
            return cj_fail(err, CJ_ERR_SHAPE, "%s: tensor '%s' has shape %s in the file but the model expects %s",
                           path, p->names[i], cj_tensor_shape_str(t, a, sizeof a),
                           cj_tensor_shape_str(&p->views[i], b, sizeof b));
    }
    for (int j = 0; j < file->n; j++) {
        int known = 0;
        for (int i = 0; i < p->n && !known; i++) known = !strcmp(file->names[j], p->names[i]);
        if (!known)
            return cj_fail(err, CJ_ERR_SHAPE,
                           "%s: unknown tensor '%s' in file (the model has %d parameter tensors)",
                           path, file->names[j], p->n);
    }
    for (int i = 0; i < p->n; i++) {
        const cj_tensor *t = cj_safetensors_get(file, p->names[i]);
        memcpy(p->views[i].data, t->data, cj_tensor_numel(t) * sizeof(float));
    }
    return CJ_OK;
}

cj_status cj_model_set_params(cj_model *m, const cj_safetensors *file, const char *path, cj_error *err)
{
    param_list p;
    cj_status st = list_params(m, &p, path, err);
    if (st) return st;
    st = check_and_copy(path, file, &p, err);
    free_params(&p);
    return st;
}

cj_status cj_model_load(cj_model *m, const char *path, cj_error *err)
{
    cj_safetensors file;
    cj_status st = cj_safetensors_read(path, &file, err);
    if (st) return st;
    st = cj_model_set_params(m, &file, path, err);
    cj_safetensors_free(&file);
    return st;
}
