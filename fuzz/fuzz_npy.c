/* fuzz_npy.c — the .npy reader on arbitrary bytes: the header alone, then
 * read as float32, as float64 and as exact int64. Any crash, hang, leak or
 * sanitizer report is a finding. */
#include "cajal/npy.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("input.npy", data, size);
    cj_npy_array h;
    cj_error herr;
    if (cj_npy_read_header(path, &h, &herr) == CJ_OK && h.data) abort(); /* a header has no data */
    cj_npy_type types[] = {CJ_NPY_F32, CJ_NPY_F64, CJ_NPY_I64};
    for (int i = 0; i < 3; i++) {
        cj_npy_array a;
        cj_error err;
        if (cj_npy_read(path, types[i], &a, &err) == CJ_OK) {
            /* Touch every element so a wrong numel shows as an overflow. */
            volatile double sum = 0;
            for (size_t k = 0; k < a.numel; k++)
                sum += types[i] == CJ_NPY_F32   ? ((float *)a.data)[k]
                       : types[i] == CJ_NPY_F64 ? ((double *)a.data)[k]
                                                : (double)((int64_t *)a.data)[k];
            (void)sum;
        }
        cj_npy_free(&a);
    }
    return 0;
}
