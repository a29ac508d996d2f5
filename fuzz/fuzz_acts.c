/* fuzz_acts.c — the activations-folder reader (cajal/acts.h) on arbitrary
 * bytes. An input is packed as: 2 bytes (little-endian) n1, 2 bytes n2,
 * then n1 bytes of layers.txt, n2 bytes of stimuli.txt and the rest as the
 * layer file c.npy (n1 = 0xffff: no layers.txt; n2 = 0xffff: no
 * stimuli.txt). The folder also holds two fixed layers, a.npy [3, 2] and
 * b.npy [3, 1], so layers.txt can name real files. Every layer found is
 * loaded, a --layers list taken from the input's first bytes is applied,
 * and the folder is compared with itself; it is also read whole
 * (cj_acts_read). Any crash, hang, leak or
 * sanitizer report is a finding (fuzz/make_acts_seeds.py makes the seeds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cajal/acts.h"
#include "cajal/npy.h"
#include "fuzz_common.h"

static char folder[300];

static void write_at(const char *name, const uint8_t *data, size_t size)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    if (!data) {
        unlink(path);
        return;
    }
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) abort();
}

static void setup(void)
{
    snprintf(folder, sizeof folder, "%s/acts", fuzz_dir());
    mkdir(folder, 0700);
    char path[400];
    float a[6] = {1, 2, 3, 4, 5, 6}, b[3] = {1, -1, 0.5f};
    int64_t sa[2] = {3, 2}, sb[2] = {3, 1};
    cj_error err;
    snprintf(path, sizeof path, "%s/a.npy", folder);
    if (cj_npy_write_f32(path, 2, sa, a, &err)) abort();
    snprintf(path, sizeof path, "%s/b.npy", folder);
    if (cj_npy_write_f32(path, 2, sb, b, &err)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!folder[0]) setup();
    if (size < 4) return 0;
    size_t n1 = data[0] | (size_t)data[1] << 8, n2 = data[2] | (size_t)data[3] << 8;
    const uint8_t *p = data + 4, *end = data + size;
    int has_index = n1 != 0xffff, has_stimuli = n2 != 0xffff;
    if (!has_index) n1 = 0;
    if (!has_stimuli) n2 = 0;
    if (n1 > (size_t)(end - p)) n1 = (size_t)(end - p);
    const uint8_t *index = p;
    p += n1;
    if (n2 > (size_t)(end - p)) n2 = (size_t)(end - p);
    const uint8_t *stimuli = p;
    p += n2;
    write_at("layers.txt", has_index ? index : NULL, n1);
    write_at("stimuli.txt", has_stimuli ? stimuli : NULL, n2);
    write_at("c.npy", p, (size_t)(end - p));

    /* the parsers on memory, then the whole folder */
    cj_error err;
    char **names;
    int n;
    size_t m;
    if (!cj_acts_parse_index((const char *)index, n1, "layers.txt", &names, &n, &err))
        cj_acts_free_names(names, (size_t)n);
    if (!cj_acts_parse_stimuli((const char *)stimuli, n2, "stimuli.txt", &names, &m, &err))
        cj_acts_free_names(names, m);
    cj_acts all; /* the whole folder at once, as cajal rsa reads it */
    if (!cj_acts_read(folder, &all, &err)) {
        volatile float first = 0;
        for (int l = 0; l < all.n_layers; l++) first += all.x[l][0];
        (void)first;
    }
    cj_acts_free(&all);
    cj_acts_folder f;
    if (cj_acts_open(folder, &f, &err)) return 0;
    for (int l = 0; l < f.n_layers; l++) {
        float *x;
        int features;
        if (!cj_acts_load(&f, l, &x, &features, &err)) {
            volatile float sum = 0;
            for (size_t k = 0; k < f.n_stimuli * (size_t)features; k++) sum += x[k];
            (void)sum;
            free(x);
        }
    }
    (void)cj_acts_same_stimuli(&f, &f, &err);
    char list[64];
    size_t len = n1 < sizeof list - 1 ? n1 : sizeof list - 1;
    memcpy(list, index, len);
    list[len] = '\0';
    for (size_t k = 0; k < len; k++)
        if (list[k] == '\n') list[k] = ',';
    (void)cj_acts_select(&f, list, &err);
    cj_acts_close(&f);
    return 0;
}
