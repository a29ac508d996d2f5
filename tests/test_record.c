/* test_record.c — cj_record: every layer's response to every stimulus (and
 * every step), in stimulus order, whatever the batching, as .npy files
 * NumPy reads, with layers.txt naming them. The reference is the model run
 * on one stimulus at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/npy.h"
#include "cajal/record.h"
#include "fixtures.h"
#include "harness.h"

/* Record n stimuli with batches of 2, then compare every layer's file with
 * runs of single stimuli. */
static void check_recording(const char *spec, cj_shape input, int T, int n)
{
    cj_model m, one;
    cj_error err;
    if (cj_model_create_seq(&m, spec, input, T, 2, &err) || cj_model_create_seq(&one, spec, input, T, 1, &err)) {
        test_fail("%s: %s", spec, err.msg);
        return;
    }
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    cj_model_init(&m, &rng);
    memcpy(one.params, m.params, sizeof(float) * m.n_params);
    size_t in = cj_shape_size(input);
    float *x = malloc(sizeof(float) * n * T * in);
    cj_rng_fill_normal(&rng, x, (size_t)n * T * in, 1.0f);
    const char *dir = fixture_dir("record");
    char *out = cj_path_join(dir, "acts");
    CHECK(cj_record(&m, x, n, T, out, &err) == CJ_OK);
    for (int i = 0; i < m.n_layers; i++) {
        char name[64];
        cj_record_file_name(&m, i, name, sizeof name);
        char *path = cj_path_join(out, name);
        cj_npy_array a;
        if (cj_npy_read(path, CJ_NPY_F32, &a, &err)) {
            test_fail("%s", err.msg);
            free(path);
            continue;
        }
        const cj_layer *l = &m.layers[i];
        size_t size = cj_shape_size(l->out);
        CHECK(a.shape[0] == n && (T == 1 || a.shape[1] == T));
        CHECK(a.numel == (size_t)n * T * size);
        double worst = 0.0;
        for (int s = 0; s < n; s++) {
            cj_model_reset(&one, 1);
            cj_model_forward_seq(&one, x + (size_t)s * T * in, T, 1); /* [T, 1, in] is [1, T, in] */
            const float *got = (const float *)a.data + (size_t)s * T * size;
            double d = max_rel_diff(got, one.acts[i + 1], (size_t)T * size);
            if (d > worst) worst = d;
        }
        if (!(worst <= 1e-6)) test_fail("%s: %s differs from single-stimulus runs by %.3g", spec, name, worst);
        cj_npy_free(&a);
        free(path);
    }
    char *index = cj_path_join(out, "layers.txt");
    FILE *f = fopen(index, "r");
    char line[256];
    CHECK(f && fgets(line, sizeof line, f));
    if (f) fclose(f);
    char first[64];
    cj_record_file_name(&m, 0, first, sizeof first);
    CHECK(!strncmp(line, first, strlen(first)));
    free(index);
    free(out);
    free((char *)dir);
    free(x);
    cj_model_free(&m);
    cj_model_free(&one);
}

TEST(records_static_layers_in_stimulus_order)
{
    check_recording("conv2d 2 kernel=3, relu, flatten, dense 3", (cj_shape){1, 5, 5}, 1, 5);
}

TEST(records_every_step_of_recurrent_layers)
{
    check_recording("rnn 4 alpha=0.5 nonlinearity=relu, dense 2", (cj_shape){3, 1, 1}, 4, 5);
    check_recording("lstm 3, dense 2", (cj_shape){2, 1, 1}, 3, 3);
}

TEST(feature_maps_keep_their_shape)
{
    cj_model m;
    cj_error err;
    CHECK(cj_model_create(&m, "conv2d 2 kernel=3, flatten", (cj_shape){1, 5, 5}, 4, &err) == CJ_OK);
    float x[2 * 25] = {0};
    const char *dir = fixture_dir("record_shape");
    CHECK(cj_record(&m, x, 2, 1, dir, &err) == CJ_OK);
    char *p = cj_path_join(dir, "0_conv2d.npy");
    cj_npy_array a;
    CHECK(cj_npy_read(p, CJ_NPY_F32, &a, &err) == CJ_OK);
    CHECK(a.ndim == 4 && a.shape[0] == 2 && a.shape[1] == 2 && a.shape[2] == 3 && a.shape[3] == 3);
    cj_npy_free(&a);
    free(p);
    p = cj_path_join(dir, "1_flatten.npy");
    CHECK(cj_npy_read(p, CJ_NPY_F32, &a, &err) == CJ_OK);
    CHECK(a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 18);
    cj_npy_free(&a);
    free(p);
    /* More steps than the model was built for is an error naming both. */
    CHECK(cj_record(&m, x, 1, 2, dir, &err) == CJ_ERR_ARG && strstr(err.msg, "at most 1"));
    free((char *)dir);
    cj_model_free(&m);
}

int main(void)
{
    RUN(records_static_layers_in_stimulus_order);
    RUN(records_every_step_of_recurrent_layers);
    RUN(feature_maps_keep_their_shape);
    return test_summary("record");
}
