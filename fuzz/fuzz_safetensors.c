/* fuzz_safetensors.c — the safetensors reader (cj_safetensors_read, what
 * cj_model_load, model.init and cajal eval use) on arbitrary bytes. Every
 * tensor's name and every float is touched, and every metadata key and
 * value, which then go through the model-file metadata parser; so a wrong
 * shape, offset or size shows as an overflow; any crash, hang, leak or
 * sanitizer report is a finding. Every file read is then loaded into a
 * small model (cj_model_set_params: names, shapes, the pruning masks
 * "<name>_mask" and PyTorch prune's "<name>_orig"); a load that succeeds
 * must leave a mask of 0s and 1s and every masked parameter at +0.0.
 * Each file is also read as an RBM (cj_rbm_from_file, cj_rbm_file_epoch:
 * what `cajal eval` and `cajal train --resume` of an RBM run do), which
 * must give consistent sizes and finite values when it succeeds. */
#include <math.h>

#include "cajal/io.h"
#include "cajal/model.h"
#include "cajal/model_file.h"
#include "cajal/rbm.h"
#include "fuzz_common.h"

static void touch_metadata(const cj_safetensors *st, const char *path)
{
    volatile size_t chars = 0;
    for (int i = 0; i < st->n_meta; i++) {
        chars += strlen(st->meta_keys[i]) + strlen(st->meta_values[i]);
        /* Keys are unique, so each finds its own value. */
        if (cj_safetensors_meta(st, st->meta_keys[i]) != st->meta_values[i]) abort();
    }
    (void)chars;
    cj_model_info info;
    cj_error err;
    cj_model_info_read(st, path, &info, &err);
}

/* The seeds' network (fuzz/corpus/safetensors/seed_masked*.safetensors):
 * 1.weight [3, 4], 1.bias [3], 3.weight [2, 3], 3.bias [2]. */
static void load_into_model(const cj_safetensors *st, const char *path)
{
    cj_model m;
    cj_error err;
    if (cj_model_create(&m, "flatten, dense 3, relu, dense 2", (cj_shape){1, 2, 2}, 1, &err)) abort();
    if (cj_model_set_params(&m, st, path, &err) == CJ_OK && m.mask)
        for (size_t i = 0; i < m.n_params; i++) {
            if (m.mask[i] != 0.0f && m.mask[i] != 1.0f) abort();
            if (m.mask[i] == 0.0f && (m.params[i] != 0.0f || signbit(m.params[i]))) abort();
        }
    cj_model_free(&m);
}

static void load_as_rbm(const cj_safetensors *st, const char *path)
{
    cj_rbm r;
    cj_error err;
    if (cj_rbm_from_file(&r, st, path, &err) == CJ_OK) {
        size_t n = (size_t)r.hidden * r.visible + r.visible + r.hidden;
        if (r.hidden < 1 || r.visible < 1) abort();
        for (size_t i = 0; i < n; i++)
            if (!isfinite(r.block[i])) abort();
        cj_rbm_free(&r);
    }
    if (cj_rbm_file_epoch(st) < -1) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("input.safetensors", data, size);
    cj_safetensors st;
    cj_error err;
    if (cj_safetensors_read(path, &st, &err) == CJ_OK) {
        volatile float sum = 0;
        volatile size_t chars = 0;
        for (int i = 0; i < st.n; i++) {
            chars += strlen(st.names[i]);
            const cj_tensor *t = &st.tensors[i];
            size_t n = cj_tensor_numel(t);
            for (size_t k = 0; k < n; k++) sum += t->data[k];
            if (cj_safetensors_get(&st, st.names[i]) == NULL) abort(); /* every name is found */
        }
        touch_metadata(&st, path);
        load_into_model(&st, path);
        load_as_rbm(&st, path);
        (void)sum;
        (void)chars;
        cj_safetensors_free(&st);
    }
    return 0;
}
