/* fuzz_safetensors.c — the safetensors reader (cj_safetensors_read, what
 * cj_model_load and model.init use) on arbitrary bytes. Every tensor's
 * name and every float is touched, so a wrong shape, offset or size shows
 * as an overflow; any crash, hang, leak or sanitizer report is a finding. */
#include "cajal/io.h"
#include "fuzz_common.h"

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
        (void)sum;
        (void)chars;
        cj_safetensors_free(&st);
    }
    return 0;
}
