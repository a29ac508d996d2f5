/* idx_source.c — IDX image and label files (MNIST, Fashion-MNIST) as a
 * source: cj_idx_load reads them (src/io/idx.c), and the arrays move into
 * an array-backed source unchanged: inputs pixel/255, 1 x h x w, one label
 * per image, so batches hold exactly the floats the trainer used before
 * sources existed. */
#include <string.h>

#include "cajal/source.h"

cj_status cj_source_idx(const char *images, const char *labels, cj_source *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    cj_dataset d;
    cj_status st = cj_idx_load(images, labels, &d, err);
    if (st) return st;
    cj_arrays a = {.n = d.n,
                   .T = 1,
                   .step = d.shape,
                   .target = CJ_TARGET_LABELS,
                   .target_steps = 1,
                   .x = d.x,
                   .labels = d.y};
    /* The arrays now belong to the source (freed with it, or on failure). */
    return cj_source_from_arrays(&a, images, out, err);
}
