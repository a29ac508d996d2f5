/* fuzz_experiment.c — experiment files and --set overrides.
 *
 * Input: an INI text, optionally followed by a line "--set" and then one
 * "section.key=value" per line, applied in order as `cajal train --set`
 * would (each ends at a NUL too, as a command-line argument does). Then:
 *   - cj_experiment_finish;
 *   - config.ini must reproduce the experiment: write it, read it back and
 *     compare (a difference aborts, so it shows as a finding);
 *   - model.layers is built for two small input shapes. The library refuses
 *     absurd sizes itself (CJ_MAX_ELEMENTS); this harness only skips
 *     allocating legal but large models (over 16 M floats) and running
 *     forward/backward when that would take more than ~10^7 operations. */
#include <stdlib.h>
#include <string.h>

#include "cajal/experiment.h"
#include "cajal/model.h"
#include "fuzz_common.h"

enum { MAX_FLOATS = 1 << 24 };
static const double MAX_OPERATIONS = 1e7;

static const char SEPARATOR[] = "\n--set\n";

/* Work of one forward pass for batch 1: weights times output pixels. */
static double forward_cost(const cj_model *m)
{
    double ops = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const cj_layer *l = &m->layers[i];
        ops += (double)cj_shape_size(l->in) + (double)cj_shape_size(l->out);
        if (l->ops == &cj_conv2d_ops) ops += (double)l->params[0].n * l->out.h * l->out.w;
        else if (l->ops == &cj_dense_ops) ops += (double)l->params[0].n;
        else if (l->ops == &cj_maxpool_ops || l->ops == &cj_avgpool_ops)
            ops += (double)cj_shape_size(l->out) * l->kernel * l->kernel;
    }
    return ops;
}

static void build_model(const char *spec, cj_shape in)
{
    cj_error err;
    size_t floats;
    if (cj_model_plan(spec, in, 2, &floats, &err) != CJ_OK || floats > MAX_FLOATS) return;
    cj_model m;
    if (cj_model_create(&m, spec, in, 2, &err) != CJ_OK) return;
    if (forward_cost(&m) <= MAX_OPERATIONS) {
        cj_rng rng;
        cj_rng_seed(&rng, 1);
        cj_model_init(&m, &rng);
        const float *out = cj_model_forward(&m, m.acts[0], 2);
        (void)out;
        cj_model_backward(&m, m.dacts[m.n_layers], NULL, 0);
    }
    cj_model_free(&m);
}

/* Apply each line of `sets` (len bytes) with cj_experiment_set. */
static int apply_sets(cj_experiment *e, const char *sets, size_t len)
{
    const char *p = sets, *end = sets + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *line = malloc(n + 1);
        if (!line) abort();
        memcpy(line, p, n);
        line[n] = '\0';
        cj_error err;
        cj_status st = line[0] ? cj_experiment_set(e, line, &err) : CJ_OK;
        free(line);
        if (st) return 0;
        p += n + 1;
    }
    return 1;
}

/* config.ini written from `e` must load back to the same experiment. */
static void check_round_trip(const cj_experiment *e)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) abort();
    cj_experiment_write(e, f);
    fclose(f);
    const char *path = fuzz_write("config.ini", (const uint8_t *)text, len);
    cj_experiment back;
    cj_error err;
    cj_experiment_defaults(&back);
    if (cj_experiment_load(&back, path, &err) != CJ_OK || cj_experiment_finish(&back, &err) != CJ_OK) {
        fprintf(stderr, "config.ini does not load back: %s\n%s", err.msg, text);
        abort();
    }
    /* Which keys were given is provenance, not a value: config.ini gives all. */
    back.keys_given = e->keys_given;
    if (memcmp(e, &back, sizeof back) != 0) {
        fprintf(stderr, "config.ini loads back differently:\n%s", text);
        abort();
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *sep = memmem(text, size, SEPARATOR, sizeof SEPARATOR - 1);
    size_t ini_len = sep ? (size_t)(sep - text) + 1 : size;
    const char *path = fuzz_write("experiment.ini", data, ini_len);
    cj_experiment e;
    cj_error err;
    cj_experiment_defaults(&e);
    if (cj_experiment_load(&e, path, &err) != CJ_OK) return 0;
    if (sep) {
        const char *sets = sep + sizeof SEPARATOR - 1;
        if (!apply_sets(&e, sets, size - (size_t)(sets - text))) return 0;
    }
    if (cj_experiment_finish(&e, &err) != CJ_OK) return 0;
    check_round_trip(&e);
    build_model(e.layers, (cj_shape){1, 8, 8});
    build_model(e.layers, (cj_shape){2, 5, 7});
    return 0;
}
