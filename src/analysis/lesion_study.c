/* lesion_study.c — `cajal lesion`: a saved image model measured intact,
 * with units of one layer silenced, and with random sets of as many units
 * silenced instead (cj_lesion_study_run in lesion_study.h). Each lesion is
 * made on the loaded parameters and undone by copying them back, so every
 * model state is measured on the same data by the same code. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/images.h"
#include "cajal/lesion.h"
#include "cajal/lesion_study.h"
#include "cajal/model_file.h"
#include "cajal/record.h"
#include "cajal/rsa_report.h"

/* Everything one measurement needs, opened once. */
typedef struct {
    cj_model m;
    cj_model_info info;
    cj_source test;
    cj_batch batch;
    cj_objective objective;
    float *stimuli;     /* [n, input] the images as model inputs, or NULL */
    int n;
    cj_rsa_brain brain;
    float **rec;        /* [n_layers][n, layer size]: each layer's responses to the images */
    double *rdm;        /* [cj_rdm_len(n)] */
} bench;

/* "3" or "3_conv2d" (the name of cajal record's file, without .npy). */
static cj_status find_layer(const cj_model *m, const char *text, int *layer, cj_error *err)
{
    for (int i = 0; i < m->n_layers; i++) {
        char name[64], number[16];
        cj_record_file_name(m, i, name, sizeof name);
        name[strlen(name) - 4] = 0; /* ".npy" */
        snprintf(number, sizeof number, "%d", i);
        if (!strcmp(text, name) || !strcmp(text, number)) {
            *layer = i;
            return CJ_OK;
        }
    }
    char list[256];
    size_t used = 0;
    for (int i = 0; i < m->n_layers && used < sizeof list; i++) {
        char name[64];
        cj_record_file_name(m, i, name, sizeof name);
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%.*s", i ? ", " : "", (int)strlen(name) - 4,
                                 name);
    }
    return cj_fail(err, CJ_ERR_ARG, "layer '%s': the model's layers are %s", text, list);
}

/* The images as the model's inputs: [C, H, W] in [0, 1] (cj_image_to_input)
 * scaled as its training inputs were, as cj_model_file_record_images
 * records them. */
static cj_status load_stimuli(bench *b, const char *images, cj_error *err)
{
    int C = b->info.input.c, H = b->info.input.h, W = b->info.input.w;
    if (b->info.sequence || (C != 1 && C != 3))
        return cj_fail(err, CJ_ERR_SHAPE, "images '%s': the model takes inputs of %dx%dx%d%s; images need a model of "
                       "1 (grey) or 3 (RGB) channels", images, C, H, W, b->info.sequence ? " as sequences" : "");
    cj_image_set set;
    cj_status st = cj_image_set_load(images, &set, err);
    if (st) return st;
    size_t per = (size_t)C * H * W;
    b->stimuli = malloc(sizeof(float) * per * (size_t)set.n);
    if (!b->stimuli) st = cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for %d images", images, set.n);
    cj_source scale = {0};
    cj_source_set_scale(&scale, b->info.format, b->info.scale, b->info.scale_mean, b->info.scale_std);
    for (int k = 0; !st && k < set.n; k++) {
        float *x = b->stimuli + per * k;
        cj_image_to_input(&set.img[k], C, H, W, x);
        if (scale.x_scaled)
            for (size_t i = 0; i < per; i++) x[i] = (x[i] - scale.x_offset) * scale.x_gain;
    }
    b->n = set.n;
    cj_image_set_free(&set);
    return st;
}

static cj_status open_rsa(bench *b, const char *images, const char *brain, cj_error *err)
{
    cj_status st = load_stimuli(b, images, err);
    if (!st) st = cj_rsa_brain_load(brain, &b->brain, err);
    if (st) return st;
    if (b->brain.n != b->n)
        return cj_fail(err, CJ_ERR_SHAPE, "images '%s' are %d stimuli but the brain RDMs of '%s' are %d x %d", images,
                       b->n, brain, b->brain.n, b->brain.n);
    b->rec = calloc((size_t)b->m.n_layers, sizeof *b->rec);
    b->rdm = malloc(sizeof(double) * cj_rdm_len(b->n));
    if (!b->rec || !b->rdm) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int i = 0; i < b->m.n_layers; i++) {
        size_t size = cj_shape_size(b->m.layers[i].out);
        if (size > 1u << 30)
            return cj_fail(err, CJ_ERR_SHAPE, "layer %d: %zu features is too many for an RDM", i, size);
        if (!(b->rec[i] = malloc(sizeof(float) * size * (size_t)b->n)))
            return cj_fail(err, CJ_ERR_NOMEM, "out of memory for layer %d's responses to %d images", i, b->n);
    }
    return CJ_OK;
}

static void close_bench(bench *b)
{
    cj_batch_free(&b->batch);
    cj_source_free(&b->test);
    for (int i = 0; b->rec && i < b->m.n_layers; i++) free(b->rec[i]);
    free(b->rec);
    free(b->rdm);
    free(b->stimuli);
    if (b->brain.n_regions) cj_rsa_brain_free(&b->brain);
    cj_model_free(&b->m);
}

/* Every layer's tau_a to every region into fit [n_layers, n_regions], as
 * cajal rsa's table.csv has it; NaN (counted, the first reason kept) for a
 * layer whose correlation-distance RDM is undefined. */
static cj_status rdm_fits(bench *b, double *fit, cj_lesion_study *s, cj_error *err)
{
    cj_model *m = &b->m;
    size_t in = cj_shape_size(m->input), len = cj_rdm_len(b->n);
    for (int start = 0; start < b->n; start += m->max_batch) {
        int nb = b->n - start < m->max_batch ? b->n - start : m->max_batch;
        cj_model_forward(m, b->stimuli + (size_t)start * in, nb);
        for (int i = 0; i < m->n_layers; i++) {
            size_t size = cj_shape_size(m->layers[i].out);
            memcpy(b->rec[i] + (size_t)start * size, m->acts[i + 1], sizeof(float) * size * nb);
        }
    }
    int R = b->brain.n_regions;
    for (int i = 0; i < m->n_layers; i++) {
        cj_error why;
        cj_status st = cj_rdm_compute(b->rec[i], b->n, (int)cj_shape_size(m->layers[i].out), CJ_RDM_CORRELATION,
                                      b->rdm, &why);
        if (st == CJ_ERR_NUMERIC) {
            for (int r = 0; r < R; r++) fit[i * R + r] = NAN;
            if (!s->undefined++) snprintf(s->note, sizeof s->note, "layer %d: %.400s", i, why.msg);
            continue;
        }
        if (st) return cj_fail(err, st, "layer %d: %.400s", i, why.msg);
        for (int r = 0; r < R; r++) {
            const cj_rsa_brain *br = &b->brain;
            const double *ref = br->n_subjects[r] ? br->subjects[r] : br->rdm[r];
            int S = br->n_subjects[r] ? br->n_subjects[r] : 1;
            if ((st = cj_rsa_fit(b->rdm, 1, ref, S, len, CJ_RSA_TAU_A, &fit[i * R + r], NULL, err))) return st;
        }
    }
    return CJ_OK;
}

/* The model as it stands now: values [n_measures] (lesion_study.h). */
static cj_status measure(bench *b, cj_lesion_study *s, double *values, cj_error *err)
{
    cj_eval_result r;
    cj_status st = cj_evaluate(&b->m, &b->objective, &b->test, &b->batch, &r, err);
    if (st) return st;
    values[0] = r.accuracy;
    values[1] = r.loss;
    s->samples = r.samples;
    return b->stimuli ? rdm_fits(b, values + 2, s, err) : CJ_OK;
}

static cj_status open_bench(const cj_lesion_study_opts *o, bench *b, cj_error *err)
{
    memset(b, 0, sizeof *b);
    if (o->batch < 1) return cj_fail(err, CJ_ERR_ARG, "batch %d: must be at least 1", o->batch);
    if (!o->images != !o->brain)
        return cj_fail(err, CJ_ERR_ARG, "RDM fits need both the images and the brain RDMs (%s given alone)",
                       o->images ? "images" : "brain");
    cj_model_info info;
    cj_status st = cj_model_file_info(o->model_path, &info, err);
    if (st) return st;
    if (info.format == CJ_DATA_TASK)
        return cj_fail(err, CJ_ERR_ARG, "%s was trained on tasks (metadata data_format = task): lesion it with "
                       "'cajal analyze lesion'", o->model_path);
    if ((st = cj_model_file_open_data(o->model_path, &o->test, o->batch, &b->m, &b->info, &b->test, err))) return st;
    b->objective = cj_objective_of(b->info.loss);
    st = cj_batch_alloc(&b->batch, &b->test, o->batch, err);
    if (!st && o->images) st = open_rsa(b, o->images, o->brain, err);
    return st;
}

/* Names of the measures, and room for every number. */
static cj_status plan(const bench *b, cj_lesion_study *s, cj_error *err)
{
    s->n_layers = b->stimuli ? b->m.n_layers : 0;
    s->n_regions = b->stimuli ? b->brain.n_regions : 0;
    s->stimuli = b->stimuli ? b->n : 0;
    int M = s->n_measures = 2 + s->n_layers * s->n_regions;
    s->measure = calloc((size_t)M, sizeof *s->measure);
    s->region = calloc((size_t)M, sizeof *s->region);
    s->intact = malloc(sizeof(double) * M);
    s->lesioned = malloc(sizeof(double) * M);
    s->control = malloc(sizeof(double) * M * (s->controls ? s->controls : 1));
    if (!s->measure || !s->region || !s->intact || !s->lesioned || !s->control)
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    snprintf(s->measure[0], sizeof s->measure[0], "accuracy");
    snprintf(s->measure[1], sizeof s->measure[1], "loss");
    for (int l = 0; l < s->n_layers; l++)
        for (int r = 0; r < s->n_regions; r++) {
            char name[64];
            cj_record_file_name(&b->m, l, name, sizeof name);
            snprintf(s->measure[2 + l * s->n_regions + r], sizeof s->measure[0], "tau_a:%.*s",
                     (int)strlen(name) - 4, name);
            snprintf(s->region[2 + l * s->n_regions + r], sizeof s->region[0], "%s", b->brain.names[r]);
        }
    return CJ_OK;
}

/* What the options name: the layer, its units, and the control sets. */
static cj_status choose_units(const cj_lesion_study_opts *o, const bench *b, cj_lesion_study *s, cj_error *err)
{
    cj_status st = find_layer(&b->m, o->layer, &s->layer, err);
    if (!st) st = cj_lesion_target(&b->m, s->layer, &s->target, err);
    if (st) return st;
    char name[64];
    cj_record_file_name(&b->m, s->layer, name, sizeof name);
    snprintf(s->layer_name, sizeof s->layer_name, "%.*s", (int)strlen(name) - 4, name);
    if (s->target >= 0) {
        cj_record_file_name(&b->m, s->target, name, sizeof name);
        snprintf(s->target_name, sizeof s->target_name, "%.*s", (int)strlen(name) - 4, name);
    }
    int U = s->layer_units = cj_lesion_layer_units(&b->m, s->layer);
    s->units = malloc(sizeof(int) * U);
    int *scratch = malloc(sizeof(int) * U);
    if (!s->units || !scratch) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st) st = cj_lesion_parse_units(o->units, U, o->seed, s->units, &s->n_units, err);
    if (!st && o->controls > 0) {
        s->controls = o->controls;
        s->control_units = malloc(sizeof(int) * (size_t)o->controls * s->n_units);
        if (!s->control_units) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d control sets", o->controls);
        /* The controls' own stream ("controls"), apart from random:N's, so
         * a random lesion and its controls are drawn independently. */
        cj_rng rng;
        cj_rng_seed(&rng, o->seed ^ 0x636f6e74726f6cULL);
        for (int k = 0; !st && k < o->controls; k++)
            cj_lesion_draw_units(&rng, U, s->n_units, s->control_units + (size_t)k * s->n_units, scratch);
    }
    free(scratch);
    return st;
}

static char *copy(const char *text) { return text ? strdup(text) : NULL; }

cj_status cj_lesion_study_run(const cj_lesion_study_opts *o, cj_lesion_study *s, cj_error *err)
{
    memset(s, 0, sizeof *s);
    if (o->controls < 0) return cj_fail(err, CJ_ERR_ARG, "controls %d: must be 0 or more", o->controls);
    bench b;
    cj_status st = open_bench(o, &b, err);
    if (!st) st = choose_units(o, &b, s, err);
    if (!st) st = plan(&b, s, err);
    s->seed = o->seed;
    snprintf(s->units_spec, sizeof s->units_spec, "%s", o->units);
    s->model_path = copy(o->model_path);
    s->test_inputs = copy(o->test.inputs);
    s->images = copy(o->images);
    s->brain = copy(o->brain);
    size_t bytes = sizeof(float) * b.m.n_params;
    float *saved = st ? NULL : malloc(bytes ? bytes : 1);
    if (!st && !saved) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for a copy of the parameters");
    if (!st) memcpy(saved, b.m.params, bytes);
    int total = 2 + s->controls, done = 0, M = s->n_measures;
    /* intact, then lesioned, then each control, parameters restored after each */
    for (int k = -2; !st && k < s->controls; k++) {
        const int *units = k >= 0 ? s->control_units + (size_t)k * s->n_units : s->units;
        if (k >= -1) st = cj_lesion_units(&b.m, s->layer, units, s->n_units, err);
        if (!st) st = measure(&b, s, k == -2 ? s->intact : k == -1 ? s->lesioned : s->control + (size_t)k * M, err);
        memcpy(b.m.params, saved, bytes);
        if (!st && o->progress) o->progress(o->user, ++done, total);
    }
    free(saved);
    close_bench(&b);
    if (st) cj_lesion_study_free(s);
    return st;
}

void cj_lesion_study_control(const cj_lesion_study *s, int k, double *mean, double *sd, double *p)
{
    /* Sums of the differences from the first finite control, so that
     * controls that all agree (a layer before the cut) give exactly their
     * value and sd 0, not rounding noise. */
    int n = 0, beyond = 0;
    double shift = NAN, sum = 0, sq = 0, effect = fabs(s->lesioned[k] - s->intact[k]);
    for (int c = 0; c < s->controls; c++) {
        double v = s->control[(size_t)c * s->n_measures + k];
        if (!isfinite(v)) continue;
        if (!n++) shift = v;
        sum += v - shift;
        beyond += fabs(v - s->intact[k]) >= effect;
    }
    double d = n ? sum / n : NAN;
    for (int c = 0; c < s->controls; c++) {
        double v = s->control[(size_t)c * s->n_measures + k];
        if (isfinite(v)) sq += (v - shift - d) * (v - shift - d);
    }
    *mean = shift + d;
    *sd = n > 1 ? sqrt(sq / (n - 1)) : NAN;
    *p = n && isfinite(effect) ? (1.0 + beyond) / (1.0 + n) : NAN;
}

void cj_lesion_study_free(cj_lesion_study *s)
{
    free(s->units);
    free(s->control_units);
    free(s->model_path);
    free(s->test_inputs);
    free(s->images);
    free(s->brain);
    free(s->measure);
    free(s->region);
    free(s->intact);
    free(s->lesioned);
    free(s->control);
    memset(s, 0, sizeof *s);
}
