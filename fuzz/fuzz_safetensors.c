/* fuzz_safetensors.c — the safetensors reader (cj_safetensors_read, what
 * cj_model_load, model.init and cajal eval use) on arbitrary bytes. Every
 * tensor's name and every float is touched, and every metadata key and
 * value, which then go through the model-file metadata parser; so a wrong
 * shape, offset or size shows as an overflow; any crash, hang, leak or
 * sanitizer report is a finding. */
#include "cajal/io.h"
#include "cajal/model_file.h"
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
        (void)sum;
        (void)chars;
        cj_safetensors_free(&st);
    }
    return 0;
}
