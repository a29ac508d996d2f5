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

/* room: slots per parameter (2 leaves one for its mask). */
static cj_status list_params(cj_model *m, param_list *p, const char *path, int room, cj_error *err)
{
    p->n = 0;
    p->cap = 0;
    for (int i = 0; i < m->n_layers; i++) p->cap += m->layers[i].n_params;
    size_t slots = (size_t)room * (p->cap ? (size_t)p->cap : 1);
    p->names = malloc(sizeof *p->names * slots);
    p->views = malloc(sizeof *p->views * slots);
    cj_status st = p->names && p->views ? cj_model_each_param(m, collect_param, p) : CJ_ERR_NOMEM;
    if (st) {
        free_params(p);
        return st == CJ_ERR_NOMEM ? cj_fail(err, st, "%s: out of memory listing the model's parameters", path)
                                  : cj_fail(err, st, "%s: the model lists more than %d parameter tensors", path,
                                            p->cap);
    }
    return CJ_OK;
}

/* A pruned parameter's mask goes beside it as "<name>_mask", PyTorch's
 * buffer name under torch.nn.utils.prune, while "<name>" holds the
 * weight with its zeros in place (PyTorch's prune would store the unpruned
 * values as "<name>_orig" instead): load_state_dict takes the file once the
 * masks are popped, and the network it gives is the pruned one. Only
 * tensors with at least one pruned entry get a mask, so a dense model's
 * file is unchanged. */
static cj_status add_masks(cj_model *m, param_list *p, const char *path, cj_error *err)
{
    int n = p->n;
    for (int i = 0; i < n; i++) {
        const float *mk = m->mask + (p->views[i].data - m->params);
        size_t len = cj_tensor_numel(&p->views[i]), k = 0;
        while (k < len && mk[k] != 0.0f) k++;
        if (k == len) continue;
        char *name = malloc(strlen(p->names[i]) + sizeof "_mask");
        if (!name) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory naming the masks", path);
        strcpy(name, p->names[i]);
        strcat(name, "_mask");
        p->names[p->n] = name;
        p->views[p->n] = p->views[i];
        p->views[p->n++].data = (float *)mk;
    }
    return CJ_OK;
}

cj_status cj_model_save_meta(cj_model *m, const char *path, int n_meta, const cj_meta_entry *meta,
                             cj_error *err)
{
    param_list p;
    cj_status st = list_params(m, &p, path, m->mask ? 2 : 1, err);
    if (st) return st;
    if (m->mask) st = add_masks(m, &p, path, err);
    if (!st) st = cj_safetensors_write(path, p.n, (const char *const *)p.names, p.views, n_meta, meta, err);
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

/* Where parameter i's values and mask are in the file. */
typedef struct {
    const cj_tensor *values, *mask;
} found;

/* "<name><suffix>" in the file, or NULL. */
static const cj_tensor *get_suffixed(const cj_safetensors *file, const char *name, const char *suffix)
{
    char buf[64 + CJ_PARAM_NAME_MAX];
    if ((size_t)snprintf(buf, sizeof buf, "%s%s", name, suffix) >= sizeof buf) return NULL;
    return cj_safetensors_get(file, buf);
}

/* Is file name `name` parameter `param`, or its "_mask" or "_orig"? */
static int names_param(const char *name, const char *param)
{
    size_t len = strlen(param);
    if (strncmp(name, param, len)) return 0;
    return !name[len] || !strcmp(name + len, "_mask") || !strcmp(name + len, "_orig");
}

static cj_status check_mask(const char *path, const char *name, const cj_tensor *mk, const cj_tensor *view,
                            cj_error *err)
{
    char a[96], b[96];
    if (!same_shape(mk, view))
        return cj_fail(err, CJ_ERR_SHAPE, "%s: tensor '%s_mask' has shape %s in the file but '%s' is %s", path, name,
                       cj_tensor_shape_str(mk, a, sizeof a), name, cj_tensor_shape_str(view, b, sizeof b));
    size_t n = cj_tensor_numel(mk);
    for (size_t k = 0; k < n; k++)
        if (mk->data[k] != 0.0f && mk->data[k] != 1.0f)
            return cj_fail(err, CJ_ERR_FORMAT, "%s: tensor '%s_mask' holds %g at index %zu (a mask holds 0 or 1)",
                           path, name, mk->data[k], k);
    return CJ_OK;
}

/* Parameter i in the file: "<name>", or PyTorch prune's "<name>_orig"
 * (the unpruned values, which the mask then zeroes), and its optional
 * "<name>_mask". */
static cj_status find_param(const char *path, const cj_safetensors *file, const param_list *p, int i, found *f,
                            cj_error *err)
{
    char a[96], b[96];
    const char *name = p->names[i];
    const cj_tensor *plain = cj_safetensors_get(file, name), *orig = get_suffixed(file, name, "_orig");
    if (plain && orig)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: both '%s' and '%s_orig' are in the file (one of them, please)", path,
                       name, name);
    f->values = plain ? plain : orig;
    f->mask = get_suffixed(file, name, "_mask");
    if (!f->values)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: tensor '%s' is missing (the model needs shape %s)", path, name,
                       cj_tensor_shape_str(&p->views[i], a, sizeof a));
    if (!same_shape(f->values, &p->views[i]))
        return cj_fail(err, CJ_ERR_SHAPE, "%s: tensor '%s%s' has shape %s in the file but the model expects %s",
                       path, name, plain ? "" : "_orig", cj_tensor_shape_str(f->values, a, sizeof a), cj_tensor_shape_str(&p->views[i], b, sizeof b));
    if (f->mask) return check_mask(path, name, f->mask, &p->views[i], err);
    if (orig)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: tensor '%s_orig' has no '%s_mask' beside it (PyTorch's prune saves "
                       "both)", path, name, name);
    return CJ_OK;
}

/* Everything is checked (and the mask allocated) before anything is
 * copied, so a failed load leaves the model as it was. A file with masks
 * gives the model a mask (tensors without one are kept whole); a file
 * without any makes the model dense. */
static cj_status check_and_copy(cj_model *m, const char *path, const cj_safetensors *file, const param_list *p,
                                cj_error *err)
{
    found *f = calloc(p->n ? (size_t)p->n : 1, sizeof *f);
    if (!f) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    cj_status st = CJ_OK;
    int masked = 0;
    for (int i = 0; i < p->n && !st; i++) {
        st = find_param(path, file, p, i, &f[i], err);
        masked |= f[i].mask != NULL;
    }
    for (int j = 0; j < file->n && !st; j++) {
        int known = 0;
        for (int i = 0; i < p->n && !known; i++) known = names_param(file->names[j], p->names[i]);
        if (!known)
            st = cj_fail(err, CJ_ERR_SHAPE, "%s: unknown tensor '%s' in file (the model has %d parameter tensors)",
                         path, file->names[j], p->n);
    }
    if (!st && masked) st = cj_model_mask_enable(m, err);
    if (st) {
        free(f);
        return st;
    }
    if (!masked) cj_model_mask_clear(m);
    for (int i = 0; i < p->n; i++) {
        size_t n = cj_tensor_numel(f[i].values);
        memcpy(p->views[i].data, f[i].values->data, n * sizeof(float));
        if (!masked) continue;
        float *mk = m->mask + (p->views[i].data - m->params);
        if (f[i].mask) memcpy(mk, f[i].mask->data, n * sizeof(float));
        else
            for (size_t k = 0; k < n; k++) mk[k] = 1.0f;
    }
    cj_model_mask_params(m);
    free(f);
    return CJ_OK;
}

cj_status cj_model_set_params(cj_model *m, const cj_safetensors *file, const char *path, cj_error *err)
{
    param_list p;
    cj_status st = list_params(m, &p, path, 1, err);
    if (st) return st;
    st = check_and_copy(m, path, file, &p, err);
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
