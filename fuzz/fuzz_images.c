/* fuzz_images.c — the stimulus-image reader (src/io/images.c) on arbitrary
 * bytes: the first byte picks the format (even: one PNG in a folder, read
 * by cairo; odd: a .mat file, whose struct array of images, categories and
 * flags cajal walks itself), the rest is the file. Every image loaded is
 * then converted to a model input both shrinking (1 x 3 x 2, grey) and
 * growing (3 x 9 x 7), as `cajal record --images` does. Any crash, hang,
 * leak or sanitizer report is a finding. Seeds: tools/make_image_seeds.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/images.h"
#include "fuzz_common.h"

/* libmatio leaks a half-read variable of a corrupt file (see fuzz_mat.c). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libmatio.so\n"; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    cj_image_set s;
    cj_error err;
    cj_status st;
    if (data[0] % 2 == 0) {
        /* A folder holding only this PNG. */
        static char folder[512];
        if (!folder[0]) {
            snprintf(folder, sizeof folder, "%s/pngs", fuzz_dir());
            if (mkdir(folder, 0700) != 0) return 0;
        }
        char path[600];
        snprintf(path, sizeof path, "%s/a.png", folder);
        FILE *f = fopen(path, "wb");
        if (!f) abort();
        if (size > 1 && fwrite(data + 1, 1, size - 1, f) != size - 1) abort();
        fclose(f);
        st = cj_image_set_load(folder, &s, &err);
    } else {
        st = cj_image_set_load(fuzz_write("input.mat", data + 1, size - 1), &s, &err);
    }
    if (st != CJ_OK) return 0;
    float small[1 * 3 * 2], big[3 * 9 * 7];
    for (int k = 0; k < s.n; k++) {
        cj_image_to_input(&s.img[k], 1, 3, 2, small);
        cj_image_to_input(&s.img[k], 3, 9, 7, big);
        volatile size_t len = strlen(s.names[k]) + (s.category ? strlen(s.category[k]) : 0);
        (void)len;
    }
    cj_image_set_free(&s);
    return 0;
}
