/* test_lesion.c — lesions of feed-forward layers (include/cajal/lesion.h):
 * the cut is exact (a lesioned model's output equals a forward pass
 * written out here by hand, loop by loop, with the silenced units'
 * activity set to 0, through pooling and flatten), unit specs, every
 * error message, and the control statistics of a lesion study
 * (lesion_study.h). */
#include <math.h>
#include <string.h>

#include "cajal/lesion.h"
#include "cajal/lesion_study.h"
#include "cajal/model.h"
#include "harness.h"

/* ---- a forward pass by hand -------------------------------------------------
 * One sample through the layer kinds these tests use, from the model's
 * parameters but none of its kernels. After layer `zero_at` the channels
 * zero[0..nz) of its output [C, H, W] are set to 0: the lesion as it is
 * defined, activity silenced. */

static void conv_ref(const cj_layer *l, const float *in, float *out)
{
    const float *w = l->params[0].data, *b = l->params[1].data;
    int C = l->in.c, H = l->in.h, W = l->in.w, O = l->out.c, OH = l->out.h, OW = l->out.w;
    int k = l->kernel, s = l->stride, p = l->padding;
    for (int o = 0; o < O; o++)
        for (int y = 0; y < OH; y++)
            for (int x = 0; x < OW; x++) {
                double acc = b[o];
                for (int c = 0; c < C; c++)
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++) {
                            int yy = y * s - p + i, xx = x * s - p + j;
                            if (yy >= 0 && yy < H && xx >= 0 && xx < W)
                                acc += (double)w[((o * C + c) * k + i) * k + j] * in[(c * H + yy) * W + xx];
                        }
                out[(o * OH + y) * OW + x] = (float)acc;
            }
}

static void maxpool_ref(const cj_layer *l, const float *in, float *out)
{
    int C = l->in.c, H = l->in.h, W = l->in.w, OH = l->out.h, OW = l->out.w, k = l->kernel, s = l->stride;
    for (int c = 0; c < C; c++)
        for (int y = 0; y < OH; y++)
            for (int x = 0; x < OW; x++) {
                float best = -INFINITY;
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++) {
                        float v = in[(c * H + y * s + i) * W + x * s + j];
                        if (v > best) best = v;
                    }
                out[(c * OH + y) * OW + x] = best;
            }
}

static void dense_ref(const cj_layer *l, const float *in, float *out)
{
    const float *w = l->params[0].data, *b = l->params[1].data;
    int I = l->in.c, O = l->out.c;
    for (int o = 0; o < O; o++) {
        double acc = b[o];
        for (int i = 0; i < I; i++) acc += (double)w[o * I + i] * in[i];
        out[o] = (float)acc;
    }
}

/* y [outputs] of sample x; returns 0 for a kind this reference lacks. */
static int forward_ref(const cj_model *m, const float *x, int zero_at, const int *zero, int nz, float *y)
{
    float a[512], b[512];
    size_t n = cj_shape_size(m->input);
    memcpy(a, x, sizeof(float) * n);
    for (int i = 0; i < m->n_layers; i++) {
        const cj_layer *l = &m->layers[i];
        const char *w = l->ops->word;
        size_t size = cj_shape_size(l->out);
        if (!strcmp(w, "conv2d")) conv_ref(l, a, b);
        else if (!strcmp(w, "maxpool")) maxpool_ref(l, a, b);
        else if (!strcmp(w, "dense")) dense_ref(l, a, b);
        else if (!strcmp(w, "flatten")) memcpy(b, a, sizeof(float) * size);
        else if (!strcmp(w, "relu"))
            for (size_t j = 0; j < size; j++) b[j] = a[j] > 0 ? a[j] : 0;
        else if (!strcmp(w, "tanh"))
            for (size_t j = 0; j < size; j++) b[j] = tanhf(a[j]);
        else if (!strcmp(w, "sigmoid"))
            for (size_t j = 0; j < size; j++) b[j] = 1 / (1 + expf(-a[j]));
        else return 0;
        if (i == zero_at) {
            size_t hw = (size_t)l->out.h * l->out.w;
            for (int k = 0; k < nz; k++) memset(b + zero[k] * hw, 0, sizeof(float) * hw);
        }
        memcpy(a, b, sizeof(float) * size);
    }
    memcpy(y, a, sizeof(float) * cj_shape_size(cj_model_output_shape(m)));
    return 1;
}

/* ---- the cut is exact -------------------------------------------------------- */

typedef struct {
    const char *spec;
    cj_shape in;
    int layer;         /* lesioned */
    int units[4], n;
    int zero_at;       /* where the hand-written pass zeroes them */
    int target;        /* the layer whose weights are cut */
} lesion_case;

static const lesion_case CASES[] = {
    /* a conv layer's channels, through relu, maxpool and flatten */
    {"conv2d 3 kernel=3 padding=1, relu, maxpool 2, flatten, dense 4, tanh, dense 2", {1, 4, 4}, 0, {0, 2}, 2, 0, 4},
    /* the same channels named at the relu or the pool: the same cut */
    {"conv2d 3 kernel=3 padding=1, relu, maxpool 2, flatten, dense 4, tanh, dense 2", {1, 4, 4}, 1, {1}, 1, 1, 4},
    {"conv2d 3 kernel=3 padding=1, relu, maxpool 2, flatten, dense 4, tanh, dense 2", {1, 4, 4}, 2, {0, 1, 2}, 3, 2, 4},
    /* flatten's units are positions */
    {"conv2d 3 kernel=3 padding=1, relu, maxpool 2, flatten, dense 4, tanh, dense 2", {1, 4, 4}, 3, {5, 11}, 2, 3, 4},
    /* dense units through tanh (tanh(0) = 0: the same as silencing the unit itself) */
    {"conv2d 3 kernel=3 padding=1, relu, maxpool 2, flatten, dense 4, tanh, dense 2", {1, 4, 4}, 4, {1, 3}, 2, 4, 6},
    {"conv2d 3 kernel=3 padding=1, relu, maxpool 2, flatten, dense 4, tanh, dense 2", {1, 4, 4}, 5, {1, 3}, 2, 5, 6},
    /* conv to conv (stride 2), 2 input channels */
    {"conv2d 2 kernel=3 padding=1, relu, conv2d 3 kernel=3 stride=2 padding=1, relu, flatten, dense 2", {2, 5, 5}, 0,
     {1}, 1, 0, 2},
    /* the second conv's channels into the dense layer after flatten */
    {"conv2d 2 kernel=3 padding=1, relu, conv2d 3 kernel=3 stride=2 padding=1, relu, flatten, dense 2", {2, 5, 5}, 2,
     {0, 2}, 2, 2, 5},
    /* sigmoid(0) = 0.5: the target reads 0 where the sigmoid's output was */
    {"dense 3, sigmoid, dense 2", {4, 1, 1}, 0, {1}, 1, 1, 2},
    /* a convolution after a flatten reads each channel's positions as channels */
    {"conv2d 2 kernel=3 padding=1, flatten, conv2d 2 kernel=1, flatten, dense 2", {1, 2, 2}, 0, {1}, 1, 0, 2},
};

TEST(cut_equals_silenced_activity)
{
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        const lesion_case *t = &CASES[c];
        cj_model m;
        cj_error err;
        enum { B = 3 };
        if (cj_model_create(&m, t->spec, t->in, B, &err)) {
            test_fail("case %zu: %s", c, err.msg);
            continue;
        }
        cj_rng rng;
        cj_rng_seed(&rng, 11 + c);
        cj_model_init(&m, &rng);
        /* larger biases than PyTorch's init, so relu units are off for some
         * samples and on for others */
        for (int i = 0; i < m.n_layers; i++) {
            cj_param *bias = cj_layer_param(&m.layers[i], CJ_PARAM_BIAS);
            if (bias) cj_rng_fill_normal(&rng, bias->data, bias->n, 0.5f);
        }
        size_t in = cj_shape_size(t->in), out = cj_shape_size(cj_model_output_shape(&m));
        float x[B * 64], intact[B * 8], want[B * 8], y[B * 8];
        cj_rng_fill_normal(&rng, x, B * in, 1.0f);
        /* the hand-written pass is the model's own when nothing is zeroed */
        int ok = 1;
        for (int s = 0; s < B; s++) ok &= forward_ref(&m, x + s * in, -1, NULL, 0, want + s * out);
        memcpy(intact, cj_model_forward(&m, x, B), sizeof(float) * B * out);
        CHECK(ok && max_rel_diff(intact, want, B * out) < 1e-5);
        for (int s = 0; s < B; s++) forward_ref(&m, x + s * in, t->zero_at, t->units, t->n, want + s * out);
        int target = -2;
        CHECK(cj_lesion_target(&m, t->layer, &target, &err) == CJ_OK && target == t->target);
        if (cj_lesion_units(&m, t->layer, t->units, t->n, &err)) {
            test_fail("case %zu: %s", c, err.msg);
        } else {
            memcpy(y, cj_model_forward(&m, x, B), sizeof(float) * B * out);
            double d = max_rel_diff(y, want, B * out), moved = max_rel_diff(y, intact, B * out);
            if (!(d < 1e-5) || !(moved > 1e-4))
                test_fail("case %zu (%s, layer %d): lesioned output %.3g from the silenced reference, %.3g from "
                          "intact", c, t->spec, t->layer, d, moved);
        }
        cj_model_free(&m);
    }
}

/* Every unit of a layer silenced: the output is the rest of the network's
 * answer to nothing, the same for every input. */
TEST(all_units_silenced_gives_a_constant_output)
{
    cj_model m;
    cj_error err;
    if (cj_model_create(&m, "conv2d 4 kernel=3 padding=1, relu, maxpool 2, flatten, dense 3, relu, dense 2",
                        (cj_shape){1, 6, 6}, 4, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    cj_model_init(&m, &rng);
    int units[4];
    int n;
    CHECK(cj_lesion_parse_units("0-3", 4, 1, units, &n, &err) == CJ_OK && n == 4);
    CHECK(cj_lesion_units(&m, 0, units, n, &err) == CJ_OK);
    float x[4 * 36];
    cj_rng_fill_normal(&rng, x, 4 * 36, 1.0f);
    const float *y = cj_model_forward(&m, x, 4);
    /* dense 3 sees only its bias: the hidden layer is relu(b4), the output W6 relu(b4) + b6 */
    const cj_param *b4 = cj_layer_param(&m.layers[4], CJ_PARAM_BIAS), *w6 = cj_layer_param(&m.layers[6], CJ_PARAM_WEIGHT),
                   *b6 = cj_layer_param(&m.layers[6], CJ_PARAM_BIAS);
    for (int s = 0; s < 4; s++)
        for (int o = 0; o < 2; o++) {
            double want = b6->data[o];
            for (int h = 0; h < 3; h++) want += w6->data[o * 3 + h] * (b4->data[h] > 0 ? b4->data[h] : 0);
            CHECK_NEAR(y[s * 2 + o], want, 1e-6);
        }
    cj_model_free(&m);
}

/* ---- errors ------------------------------------------------------------------- */

TEST(lesion_errors_name_layer_and_unit)
{
    cj_model m;
    cj_error err;
    if (cj_model_create(&m, "conv2d 3 kernel=3 padding=1, relu, maxpool 2, flatten, dense 4, tanh, dense 2",
                        (cj_shape){1, 4, 4}, 1, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    cj_rng rng;
    cj_rng_seed(&rng, 3);
    cj_model_init(&m, &rng);
    float *before = malloc(sizeof(float) * m.n_params);
    memcpy(before, m.params, sizeof(float) * m.n_params);
    int target, u3[] = {3}, neg[] = {-1}, ok[] = {0};
    CHECK(cj_lesion_units(&m, 0, u3, 1, &err) == CJ_ERR_ARG && !strcmp(err.msg, "unit 3: layer 0 (Conv2d) has units 0 to 2"));
    CHECK(cj_lesion_units(&m, 4, neg, 1, &err) == CJ_ERR_ARG && strstr(err.msg, "unit -1: layer 4 (Linear) has units 0 to 3"));
    CHECK(cj_lesion_units(&m, 7, ok, 1, &err) == CJ_ERR_ARG && !strcmp(err.msg, "layer 7: the model has layers 0 to 6"));
    CHECK(cj_lesion_target(&m, -1, &target, &err) == CJ_ERR_ARG && strstr(err.msg, "layer -1: the model has layers 0 to 6"));
    CHECK(cj_lesion_units(&m, 6, ok, 1, &err) == CJ_ERR_ARG &&
          !strcmp(err.msg, "layer 6 (Linear) sends to no later layer with weights, so there is nothing to cut (lesion "
                           "a layer below the output)"));
    /* Layers that would break the cut's arithmetic cannot be built (each
     * layer takes what the one before gives); shapes altered here stand in
     * for them, so the guards' messages are seen. */
    m.layers[2].out.c = 2;
    CHECK(cj_lesion_target(&m, 0, &target, &err) == CJ_ERR_ARG &&
          !strcmp(err.msg, "layer 2 (MaxPool2d) between layer 0 (Conv2d) and the next layer with weights turns 3 "
                           "channels into 2: the units cannot be followed through it"));
    m.layers[2].out.c = 3;
    m.layers[4].params[0].shape[1] = 11;
    CHECK(cj_lesion_target(&m, 1, &target, &err) == CJ_ERR_ARG &&
          !strcmp(err.msg, "layer 4 (Linear) after layer 1 (ReLU) does not take its 3 units as channels (it reads "
                           "12x1x1)"));
    m.layers[4].params[0].shape[1] = 12;
    /* nothing changed on any failure */
    CHECK(!memcmp(before, m.params, sizeof(float) * m.n_params));
    CHECK(cj_lesion_layer_units(&m, 0) == 3 && cj_lesion_layer_units(&m, 3) == 12 && cj_lesion_layer_units(&m, 9) == 0);
    free(before);
    cj_model_free(&m);
}

/* ---- unit specs ------------------------------------------------------------------ */

static int parsed(const char *spec, int n_units, const int *want, int n_want)
{
    int units[64], n = -1;
    cj_error err;
    if (cj_lesion_parse_units(spec, n_units, 1, units, &n, &err)) {
        printf("  %s: %s\n", spec, err.msg);
        return 0;
    }
    return n == n_want && !memcmp(units, want, sizeof(int) * n);
}

TEST(unit_specs)
{
    int r16[16];
    for (int i = 0; i < 16; i++) r16[i] = i;
    CHECK(parsed("0-15", 32, r16, 16));
    CHECK(parsed("3,7,9-12", 32, (int[]){3, 7, 9, 10, 11, 12}, 6));
    CHECK(parsed("9-12,3,7,10,3", 32, (int[]){3, 7, 9, 10, 11, 12}, 6)); /* each once, in order */
    CHECK(parsed("31", 32, (int[]){31}, 1));
    CHECK(parsed("5-5", 32, (int[]){5}, 1));
    CHECK(parsed("0-31", 32, (int[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                      23, 24, 25, 26, 27, 28, 29, 30, 31}, 32));
}

/* random:N is the first N of a Fisher-Yates shuffle of the stream seeded
 * with seed ^ "lesion", sorted: written out here with the rng alone. */
TEST(random_units_are_the_documented_draw)
{
    for (uint64_t seed = 0; seed < 5; seed++) {
        int units[32], n = 0, order[32];
        cj_error err;
        CHECK(cj_lesion_parse_units("random:10", 32, seed, units, &n, &err) == CJ_OK && n == 10);
        for (int i = 0; i < 32; i++) order[i] = i;
        cj_rng rng;
        cj_rng_seed(&rng, seed ^ 0x6c6573696f6eULL);
        cj_rng_shuffle(&rng, order, 32);
        unsigned char in[32] = {0};
        for (int i = 0; i < 10; i++) in[order[i]] = 1;
        int k = 0, same = 1;
        for (int u = 0; u < 32; u++)
            if (in[u]) same &= k < n && units[k++] == u;
        CHECK(same && k == 10);
    }
    int a[32], b[32], na, nb;
    cj_error err;
    CHECK(!cj_lesion_parse_units("random:16", 32, 1, a, &na, &err) && !cj_lesion_parse_units("random:16", 32, 2, b, &nb, &err));
    CHECK(memcmp(a, b, sizeof(int) * 16) != 0);
    CHECK(!cj_lesion_parse_units("random:32", 32, 9, a, &na, &err) && na == 32 && a[0] == 0 && a[31] == 31);
}

static const char *spec_error(const char *spec, int n_units)
{
    static cj_error err;
    int units[64], n = 7;
    if (cj_lesion_parse_units(spec, n_units, 1, units, &n, &err) != CJ_ERR_ARG || n != 0) return "(accepted)";
    return err.msg;
}

TEST(unit_spec_errors)
{
    CHECK(!strcmp(spec_error("", 32), "units '': no unit given (a list 3,7,9-12 or random:N)"));
    CHECK(!strcmp(spec_error("abc", 32), "units 'abc': 'abc' is not a unit or a range A-B (or use random:N)"));
    CHECK(!strcmp(spec_error("3,,4", 32), "units '3,,4': '' is not a unit or a range A-B (or use random:N)"));
    CHECK(!strcmp(spec_error("3,", 32), "units '3,': '' is not a unit or a range A-B (or use random:N)"));
    CHECK(!strcmp(spec_error("-3", 32), "units '-3': '-3' is not a unit or a range A-B (or use random:N)"));
    CHECK(!strcmp(spec_error("3-", 32), "units '3-': '3-' is not a unit or a range A-B (or use random:N)"));
    CHECK(!strcmp(spec_error("1.5", 32), "units '1.5': '1.5' is not a unit or a range A-B (or use random:N)"));
    CHECK(!strcmp(spec_error(" 3", 32), "units ' 3': ' 3' is not a unit or a range A-B (or use random:N)"));
    CHECK(!strcmp(spec_error("2,99999999999", 32),
                  "units '2,99999999999': '99999999999' is not a unit or a range A-B (or use random:N)"));
    CHECK(!strcmp(spec_error("12-4", 32), "units '12-4': range '12-4' ends before it starts"));
    CHECK(!strcmp(spec_error("1,40", 32), "units '1,40': '40' is not a unit from 0 to 31"));
    CHECK(!strcmp(spec_error("30-32", 32), "units '30-32': '30-32' is not a unit from 0 to 31"));
    CHECK(!strcmp(spec_error("random:0", 32), "units 'random:0': random:N needs N from 1 to 32 (the layer's units)"));
    CHECK(!strcmp(spec_error("random:33", 32), "units 'random:33': random:N needs N from 1 to 32 (the layer's units)"));
    CHECK(!strcmp(spec_error("random:x", 32), "units 'random:x': random:N needs N from 1 to 32 (the layer's units)"));
    CHECK(!strcmp(spec_error("random:4x", 32), "units 'random:4x': random:N needs N from 1 to 32 (the layer's units)"));
    CHECK(!strcmp(spec_error("random:", 8), "units 'random:': random:N needs N from 1 to 8 (the layer's units)"));
    CHECK(!strcmp(spec_error("0", 0), "units '0': the layer has no units"));
}

/* ---- control statistics -------------------------------------------------------- */

TEST(control_mean_sd_and_p)
{
    /* accuracy 0.90 intact, 0.70 lesioned; controls 0.85, 0.60, 0.88, NaN, 0.80 */
    double intact[1] = {0.90}, lesioned[1] = {0.70}, control[5] = {0.85, 0.60, 0.88, NAN, 0.80};
    cj_lesion_study s = {.n_measures = 1, .controls = 5, .intact = intact, .lesioned = lesioned, .control = control};
    double mean, sd, p;
    cj_lesion_study_control(&s, 0, &mean, &sd, &p);
    /* four finite controls: mean 0.7825, sd (n - 1) by hand; |change| >= 0.2 for 0.60 only */
    double m = (0.85 + 0.60 + 0.88 + 0.80) / 4;
    double v = ((0.85 - m) * (0.85 - m) + (0.60 - m) * (0.60 - m) + (0.88 - m) * (0.88 - m) + (0.80 - m) * (0.80 - m)) / 3;
    CHECK_NEAR(mean, 0.7825, 1e-12);
    CHECK_NEAR(sd, sqrt(v), 1e-12);
    CHECK_NEAR(p, (1.0 + 1) / (1.0 + 4), 1e-12);
    /* an effect no control reaches: the smallest p four controls allow */
    lesioned[0] = 0.2;
    cj_lesion_study_control(&s, 0, &mean, &sd, &p);
    CHECK_NEAR(p, 1.0 / 5, 1e-12);
    /* an increase counts as much as a drop (two-sided) */
    lesioned[0] = 1.05;
    cj_lesion_study_control(&s, 0, &mean, &sd, &p);
    CHECK_NEAR(p, (1.0 + 1) / 5, 1e-12); /* |change| >= 0.15: 0.60 only */
    /* controls that agree (a layer before the cut) give their value and sd 0 exactly */
    double same[7] = {0.0566669007, 0.0566669007, 0.0566669007, 0.0566669007, 0.0566669007, 0.0566669007,
                      0.0566669007};
    intact[0] = lesioned[0] = 0.0566669007;
    s.control = same;
    s.controls = 7;
    cj_lesion_study_control(&s, 0, &mean, &sd, &p);
    CHECK(mean == 0.0566669007 && sd == 0 && p == 1);
    /* no finite control: NaN everywhere; one: no sd */
    lesioned[0] = 1.05;
    intact[0] = 0.90;
    double none[2] = {NAN, NAN};
    s.control = none;
    s.controls = 2;
    cj_lesion_study_control(&s, 0, &mean, &sd, &p);
    CHECK(isnan(mean) && isnan(sd) && isnan(p));
    none[1] = 0.5;
    cj_lesion_study_control(&s, 0, &mean, &sd, &p);
    CHECK(mean == 0.5 && isnan(sd) && p == 1.0);
}

int main(void)
{
    RUN(cut_equals_silenced_activity);
    RUN(all_units_silenced_gives_a_constant_output);
    RUN(lesion_errors_name_layer_and_unit);
    RUN(unit_specs);
    RUN(random_units_are_the_documented_draw);
    RUN(unit_spec_errors);
    RUN(control_mean_sd_and_p);
    return test_summary("lesion");
}
