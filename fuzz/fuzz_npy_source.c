/* fuzz_npy_source.c — the .npy data source (cj_source_npy): inputs, one
 * target file and a mask checked against each other, then batches filled
 * from what was accepted, where a size or index that slipped through
 * would read out of bounds.
 *
 * Input: one flags byte (bit 0: data.sequence; bits 1-2: the target file
 * is labels, targets or counts (3 counts as labels); bit 3: a mask), then
 * up to three files in the order inputs, targets, mask, each [2 bytes:
 * little-endian length][that many bytes]; a missing file is empty. The
 * seeds are made by fuzz/make_npy_source_seeds.py. */
#include <stdint.h>
#include <string.h>

#include "cajal/source.h"
#include "fuzz_common.h"

/* The next file of the input into fuzz_dir()/name; advances *p. */
static const char *next_file(const char *name, const uint8_t **p, const uint8_t *end)
{
    size_t len = 0;
    if (end - *p >= 2) {
        len = (size_t)(*p)[0] | (size_t)(*p)[1] << 8;
        *p += 2;
    }
    if (len > (size_t)(end - *p)) len = (size_t)(end - *p);
    const uint8_t *start = *p;
    *p += len;
    static char paths[3][512];
    int slot = name[0] == 'x' ? 0 : name[0] == 'y' ? 1 : 2;
    snprintf(paths[slot], sizeof paths[slot], "%s", fuzz_write(name, start, len));
    return paths[slot];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t *p = data + 1, *end = data + size;
    int sequence = data[0] & 1, kind = (data[0] >> 1) & 3, mask = data[0] & 8;
    const char *x = next_file("x.npy", &p, end), *y = next_file("y.npy", &p, end);
    const char *m = next_file("m.npy", &p, end);
    cj_data_files f = {.inputs = x, .mask = mask ? m : NULL};
    if (kind == 1) f.targets = y;
    else if (kind == 2) f.counts = y;
    else f.labels = y;
    cj_source s;
    cj_error err;
    if (cj_source_npy(&f, sequence, &s, &err) != CJ_OK) return 0;
    /* The first and last samples, and one from the middle, in a batch of
     * three (fewer when the source has fewer). */
    cj_batch b;
    int B = s.n < 3 ? s.n : 3;
    int idx[3] = {0, s.n - 1, s.n / 2};
    if (cj_batch_alloc(&b, &s, B, &err) == CJ_OK) {
        if (cj_source_fill(&s, idx, B, &b, &err) == CJ_OK) {
            volatile double sum = 0;
            for (size_t i = 0; i < (size_t)b.T * B * b.step_size; i++) sum += b.x[i];
            for (int i = 0; i < b.target_steps * B; i++) {
                if (b.labels) sum += b.labels[i];
                if (b.mask) sum += b.mask[i];
                for (int d = 0; d < b.dim; d++) sum += b.values[(size_t)i * b.dim + d];
            }
            (void)sum;
        }
        cj_batch_free(&b);
    }
    cj_source_free(&s);
    return 0;
}
