/* rbm_files.c — an RBM as safetensors: "W" [hidden, visible], "v_bias"
 * [visible], "h_bias" [hidden], the names PyTorch RBM code uses, so that
 * `safetensors.torch.load_file` gives a state dict such code loads. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/io.h"
#include "cajal/rbm.h"

static const char *const NAMES[3] = {"W", "v_bias", "h_bias"};

cj_status cj_rbm_save(const cj_rbm *r, const char *path, int n_meta, const cj_meta_entry *meta, cj_error *err)
{
    cj_tensor t[3] = {{r->W, 2, {r->hidden, r->visible}}, {r->b, 1, {r->visible}}, {r->c, 1, {r->hidden}}};
    cj_meta_entry *all = malloc(sizeof *all * (size_t)(n_meta + 2));
    if (!all) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    all[0] = (cj_meta_entry){"format", "pt"};
    all[1] = (cj_meta_entry){"model", "rbm"};
    for (int i = 0; i < n_meta; i++) all[i + 2] = meta[i];
    cj_status st = cj_safetensors_write(path, 3, NAMES, t, n_meta + 2, all, err);
    free(all);
    return st;
}

static cj_status check_tensor(const cj_safetensors *f, const char *path, int which, int ndim, cj_error *err)
{
    const cj_tensor *t = cj_safetensors_get(f, NAMES[which]);
    if (!t) return cj_fail(err, CJ_ERR_FORMAT, "%s: no tensor \"%s\" (an RBM file has W, v_bias and h_bias)", path,
                           NAMES[which]);
    char shape[64];
    if (t->ndim != ndim || t->shape[0] < 1 || t->shape[0] > (1 << 24) || (ndim == 2 && (t->shape[1] < 1 ||
                                                                                     t->shape[1] > (1 << 24))))
        return cj_fail(err, CJ_ERR_SHAPE, "%s: tensor \"%s\" has shape %s (expected %s)", path, NAMES[which],
                       cj_tensor_shape_str(t, shape, sizeof shape), ndim == 2 ? "[hidden, visible]" : "a vector");
    size_t n = cj_tensor_numel(t);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(t->data[i]))
            return cj_fail(err, CJ_ERR_NUMERIC, "%s: tensor \"%s\" holds a non-finite value at %zu", path,
                           NAMES[which], i);
    return CJ_OK;
}

cj_status cj_rbm_from_file(cj_rbm *r, const cj_safetensors *f, const char *path, cj_error *err)
{
    memset(r, 0, sizeof *r);
    cj_status st = CJ_OK;
    for (int i = 0; i < 3 && !st; i++) st = check_tensor(f, path, i, i == 0 ? 2 : 1, err);
    for (int i = 0; i < f->n && !st; i++)
        if (strcmp(f->names[i], "W") && strcmp(f->names[i], "v_bias") && strcmp(f->names[i], "h_bias"))
            st = cj_fail(err, CJ_ERR_FORMAT, "%s: unknown tensor \"%.64s\" in an RBM file", path, f->names[i]);
    if (!st) {
        const cj_tensor *W = cj_safetensors_get(f, "W"), *b = cj_safetensors_get(f, "v_bias"),
                        *c = cj_safetensors_get(f, "h_bias");
        const int H = (int)W->shape[0], V = (int)W->shape[1];
        if (b->shape[0] != V || c->shape[0] != H)
            st = cj_fail(err, CJ_ERR_SHAPE, "%s: W is [%d, %d] but v_bias has %lld and h_bias %lld entries "
                         "(expected %d and %d)", path, H, V, (long long)b->shape[0], (long long)c->shape[0], V, H);
        if (!st) st = cj_rbm_create(r, V, H, err);
        if (!st) {
            memcpy(r->W, W->data, sizeof(float) * (size_t)H * V);
            memcpy(r->b, b->data, sizeof(float) * (size_t)V);
            memcpy(r->c, c->data, sizeof(float) * (size_t)H);
        }
    }
    return st;
}

cj_status cj_rbm_load(cj_rbm *r, const char *path, cj_error *err)
{
    memset(r, 0, sizeof *r);
    cj_safetensors f;
    cj_status st = cj_safetensors_read(path, &f, err);
    if (st) return st;
    st = cj_rbm_from_file(r, &f, path, err);
    cj_safetensors_free(&f);
    return st;
}

int cj_rbm_file_epoch(const cj_safetensors *f)
{
    const char *model = cj_safetensors_meta(f, "model"), *epoch = cj_safetensors_meta(f, "epoch");
    if (!model || !epoch || strcmp(model, "rbm")) return -1;
    char *end;
    long e = strtol(epoch, &end, 10);
    return end != epoch && !*end && e >= 0 && e <= INT_MAX ? (int)e : -1;
}
