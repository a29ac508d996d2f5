/* fuzz_idx.c — the IDX reader (images and labels) on arbitrary bytes. The
 * input is split in two: its first two bytes (little-endian) are the length
 * of the image file that follows; the rest is the label file. */
#include "cajal/data.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t cut = 2 + ((size_t)data[0] | (size_t)data[1] << 8);
    if (cut > size) cut = size;
    char images[512];
    snprintf(images, sizeof images, "%s", fuzz_write("images.idx", data + 2, cut - 2));
    const char *labels = fuzz_write("labels.idx", data + cut, size - cut);
    cj_dataset d;
    cj_error err;
    if (cj_idx_load(images, labels, &d, &err) == CJ_OK) {
        volatile float sum = 0;
        for (size_t k = 0; k < (size_t)d.n * cj_shape_size(d.shape); k++) sum += d.x[k];
        for (int k = 0; k < d.n; k++) sum += (float)d.y[k];
        (void)sum;
        cj_dataset_free(&d);
    }
    return 0;
}
