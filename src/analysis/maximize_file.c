/* maximize_file.c — activation maximisation of a saved model, start to
 * finish (cj_maximize_model_file in maximize.h): the model rebuilt from
 * its file, layer and units checked, the box from its metadata, the run,
 * real stimuli measured when given, and the pictures, arrays and table
 * written. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/maximize.h"
#include "cajal/npy.h"
#include "cajal/record.h"

enum { MAX_UNITS = 4096 };

/* What one run holds, freed in one place. */
typedef struct {
    cj_model m;
    int have_model;
    cj_model_info info;
    int *units, n;
    char **labels;           /* [n] */
    float *images, *pixels;  /* [n, input] */
    float *final, *start, *trace, *mean, *max;
    int *argmax;
    float *data, *mean_image; /* the real stimuli [n_data, input]; the start image (their mean, or the box's middle) */
    int n_data;
    int layer;
    char *dir, *stem;        /* where the files go: folder, or FILE without ".png" */
} run_state;

static void state_free(run_state *s)
{
    if (s->have_model) cj_model_free(&s->m);
    if (s->labels)
        for (int k = 0; k < s->n; k++) free(s->labels[k]);
    free(s->labels);
    free(s->units);
    free(s->images);
    free(s->pixels);
    free(s->final);
    free(s->start);
    free(s->trace);
    free(s->mean);
    free(s->max);
    free(s->argmax);
    free(s->data);
    free(s->mean_image);
    free(s->dir);
    free(s->stem);
}

void cj_maximize_report_free(cj_maximize_report *rep)
{
    free(rep->figure);
    rep->figure = NULL;
}

static cj_status check_images(const char *path, const cj_model_info *info, cj_error *err)
{
    cj_shape s = info->input;
    if (info->format == CJ_DATA_TASK || info->sequence || (s.c != 1 && s.c != 3) || (size_t)s.h * s.w < 2)
        return cj_fail(err, CJ_ERR_SHAPE, "%s: takes inputs of %dx%dx%d (metadata input_shape)%s; maximize draws the "
                       "input as an image, so it needs a model of images of 1 (grey) or 3 (RGB) channels", path, s.c,
                       s.h, s.w, info->format == CJ_DATA_TASK ? " from tasks" : info->sequence ? " as sequences" : "");
    return CJ_OK;
}

/* --labels: one name per unit, no more, no fewer. */
static cj_status parse_labels(const char *text, int n, char ***out, cj_error *err)
{
    char **l = calloc((size_t)n, sizeof(char *));
    if (!l) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    *out = l;
    int k = 0;
    for (const char *s = text;; k++) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (k < n && !(l[k] = cj_path_printf("%.*s", (int)len, s))) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        if (k < n && strpbrk(l[k], "\n\r\""))
            return cj_fail(err, CJ_ERR_ARG, "labels: name %d holds a line break or a quote (they go into units.csv)",
                           k + 1);
        if (!comma) break;
        s = comma + 1;
    }
    if (k + 1 != n)
        return cj_fail(err, CJ_ERR_ARG, "labels: %d names for %d units (one per unit, comma-separated)", k + 1, n);
    return CJ_OK;
}

/* Where the files go (s->dir, and s->stem for FILE.png); the folders made. */
static cj_status place_outputs(const cj_maximize_job *job, const char *layer_name, run_state *s, cj_error *err)
{
    const char *out = job->out;
    size_t len = out ? strlen(out) : 0;
    if (out && len > 4 && !strcasecmp(out + len - 4, ".png")) {
        s->stem = cj_path_printf("%.*s", (int)(len - 4), out);
        const char *slash = strrchr(out, '/');
        s->dir = slash ? cj_path_printf("%.*s", (int)(slash - out), out) : NULL;
        if (!s->stem || (slash && !s->dir)) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        return s->dir && *s->dir ? cj_make_dirs(s->dir, err) : CJ_OK;
    }
    if (out) {
        s->dir = cj_path_printf("%s", out);
    } else {
        /* maximize_LAYER beside the model file */
        const char *slash = strrchr(job->model_path, '/');
        s->dir = slash ? cj_path_printf("%.*s/maximize_%s", (int)(slash - job->model_path), job->model_path, layer_name)
                       : cj_path_printf("maximize_%s", layer_name);
    }
    if (!s->dir) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    return cj_make_dirs(s->dir, err);
}

/* FILE.png's companions ("FILE" + suffix), or the folder's file `name`. */
static char *out_path(const run_state *s, const char *suffix, const char *name)
{
    return s->stem ? cj_path_printf("%s%s", s->stem, suffix) : cj_path_join(s->dir, name);
}

static void csv_num(FILE *f, double v)
{
    if (isnan(v)) fputs(",nan", f);
    else if (isinf(v)) fputs(v > 0 ? ",inf" : ",-inf", f);
    else fprintf(f, ",%.9g", v);
}

static cj_status write_table(const run_state *s, const cj_maximize_job *job, const char *layer_name, cj_error *err)
{
    char *path = out_path(s, ".csv", "units.csv");
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    free(path);
    if (st) return st;
    fputs("layer,unit,label,at,activation,start_activation,data_mean,data_max,data_argmax\n", af.f);
    const char *at = job->opts.at == CJ_MAXIMIZE_CENTRE ? "centre" : "mean";
    for (int k = 0; k < s->n; k++) {
        fprintf(af.f, "%s,%d,%s,%s", layer_name, s->units[k], s->labels ? s->labels[k] : "", at);
        csv_num(af.f, s->final[k]);
        csv_num(af.f, s->start[k]);
        csv_num(af.f, s->mean ? s->mean[k] : NAN);
        csv_num(af.f, s->max ? s->max[k] : NAN);
        if (s->argmax) fprintf(af.f, ",%d\n", s->argmax[k]);
        else fputs(",\n", af.f);
    }
    return cj_atomic_commit(&af, err);
}

static cj_status write_arrays(const run_state *s, int steps, cj_error *err)
{
    cj_shape in = s->m.input;
    int64_t ishape[4] = {s->n, in.c, in.h, in.w}, tshape[2] = {s->n, steps};
    char *ip = out_path(s, ".npy", "inputs.npy"), *tp = out_path(s, "_trace.npy", "trace.npy");
    cj_status st = ip && tp ? cj_npy_write_f32(ip, 4, ishape, s->images, err)
                            : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st) st = cj_npy_write_f32(tp, 2, tshape, s->trace, err);
    free(ip);
    free(tp);
    return st;
}

/* The last two parts of a path, for the title: "runs/cnn/model.safetensors"
 * -> "cnn/model.safetensors". */
static const char *short_path(const char *path)
{
    int slashes = 0;
    for (size_t i = strlen(path); i-- > 0;)
        if (path[i] == '/' && ++slashes == 2) return path + i + 1;
    return path;
}

/* "cnn/model.safetensors, layer 3_conv2d (centre position): 256 Adam
 * steps, l2 0, jitter 2 px, blur 0.5 px every 4, from the middle, seed 1" */
static void title_of(const cj_maximize_job *job, const cj_maximize_opts *o, const cj_layer *l, const char *layer_name,
                     char *buf, size_t cap)
{
    const char *where = l->out.h * l->out.w == 1 ? "" : o->at == CJ_MAXIMIZE_CENTRE ? " (centre position)"
                                                                                   : " (channel mean)";
    int k = snprintf(buf, cap, "%s, layer %s%s: %d %s steps, l2 %g, jitter %d px", short_path(job->model_path),
                     layer_name, where, o->steps, o->optim == CJ_MAXIMIZE_ADAM ? "Adam" : "normalised", o->l2,
                     o->jitter);
    if (k < 0 || (size_t)k >= cap) return;
    if (o->blur_sigma > 0)
        k += snprintf(buf + k, cap - k, ", blur %g px every %d", o->blur_sigma, o->blur_every);
    const char *start = job->start == CJ_MAXIMIZE_START_MIDDLE ? ", from the middle"
                        : job->start == CJ_MAXIMIZE_START_MEAN   ? ", from the data's mean"
                                                                 : "";
    if (k >= 0 && (size_t)k < cap) snprintf(buf + k, cap - k, "%s, seed %llu", start, (unsigned long long)o->seed);
}

/* "a = 12.3", with the real stimuli's largest value under it when measured. */
static char *note_of(const run_state *s, int k)
{
    if (s->max) return cj_path_printf("a = %.3g\ndata max %.3g", s->final[k], s->max[k]);
    return cj_path_printf("a = %.3g", s->final[k]);
}

static cj_status write_pictures(run_state *s, const cj_maximize_job *job, const cj_maximize_opts *o,
                                const char *layer_name, cj_maximize_report *rep, cj_error *err)
{
    cj_shape in = s->m.input;
    size_t D = cj_shape_size(in);
    memcpy(s->pixels, s->images, sizeof(float) * s->n * D);
    cj_maximize_to_pixels(&s->info, s->pixels, s->n, D);
    cj_status st = CJ_OK;
    if (!s->stem)
        for (int k = 0; k < s->n && !st; k++) {
            char name[32];
            snprintf(name, sizeof name, "unit_%d.png", s->units[k]);
            char *p = cj_path_join(s->dir, name);
            st = p ? cj_maximize_write_png(p, s->pixels + k * D, in.c, in.h, in.w, job->zoom, err)
                   : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
            if (!st && s->n == 1) rep->figure = p;
            else free(p);
        }
    if (st) return st;
    if (s->stem && s->n == 1) {
        rep->figure = out_path(s, ".png", NULL);
        return rep->figure ? cj_maximize_write_png(rep->figure, s->pixels, in.c, in.h, in.w, job->zoom, err)
                           : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    if (s->n == 1) return CJ_OK;
    char **labels = calloc((size_t)s->n, sizeof(char *)), **notes = calloc((size_t)s->n, sizeof(char *));
    rep->figure = out_path(s, ".png", "grid.png");
    char title[320];
    title_of(job, o, &s->m.layers[s->layer], layer_name, title, sizeof title);
    if (!labels || !notes || !rep->figure) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int k = 0; !st && k < s->n; k++) {
        labels[k] = s->labels ? cj_path_printf("%d: %s", s->units[k], s->labels[k])
                              : cj_path_printf("unit %d", s->units[k]);
        notes[k] = note_of(s, k);
        if (!labels[k] || !notes[k]) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    if (!st)
        st = cj_maximize_write_grid(rep->figure, s->pixels, s->n, in.c, in.h, in.w, job->zoom, title,
                                    (const char *const *)labels, (const char *const *)notes, err);
    for (int k = 0; k < s->n && labels && notes; k++) free(labels[k]), free(notes[k]);
    free(labels);
    free(notes);
    return st;
}

/* The real stimuli, and their mean image when the run starts from it. */
static cj_status read_data(run_state *s, const cj_maximize_job *job, cj_error *err)
{
    int T = 1;
    cj_status st = cj_model_file_read_stimuli(job->inputs, &s->info, &s->data, &s->n_data, &T, err);
    if (st || job->start != CJ_MAXIMIZE_START_MEAN) return st;
    size_t D = cj_shape_size(s->m.input);
    double *sum = calloc(D, sizeof(double));
    if (!sum || !(s->mean_image = malloc(sizeof(float) * D))) {
        free(sum);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < s->n_data; k++)
        for (size_t i = 0; i < D; i++) sum[i] += s->data[(size_t)k * D + i];
    for (size_t i = 0; i < D; i++) s->mean_image[i] = (float)(sum[i] / s->n_data);
    free(sum);
    return CJ_OK;
}

/* A start image at the middle of the box (0 where a side is open). */
static cj_status middle_start(run_state *s, const cj_maximize_opts *o, cj_error *err)
{
    size_t D = cj_shape_size(s->m.input);
    if (!(s->mean_image = malloc(sizeof(float) * D))) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    float mid = isfinite(o->lo) && isfinite(o->hi) ? 0.5f * (o->lo + o->hi) : 0.0f;
    for (size_t i = 0; i < D; i++) s->mean_image[i] = mid;
    return CJ_OK;
}

/* Each unit's mean and largest activation on the real stimuli. */
static cj_status measure_data(run_state *s, const cj_maximize_job *job, int layer, cj_error *err)
{
    if (!(s->mean = malloc(sizeof(float) * s->n)) || !(s->max = malloc(sizeof(float) * s->n)) ||
        !(s->argmax = malloc(sizeof(int) * s->n)))
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    return cj_maximize_data_stats(&s->m, layer, s->units, s->n, job->opts.at, s->data, s->n_data, s->mean, s->max,
                                  s->argmax, err);
}

static cj_status allocate(run_state *s, int steps, cj_error *err)
{
    size_t D = cj_shape_size(s->m.input), n = (size_t)s->n;
    s->images = malloc(sizeof(float) * n * D);
    s->pixels = malloc(sizeof(float) * n * D);
    s->final = malloc(sizeof(float) * n);
    s->start = malloc(sizeof(float) * n);
    s->trace = malloc(sizeof(float) * n * steps);
    if (!s->images || !s->pixels || !s->final || !s->start || !s->trace)
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d images of %zu inputs", s->n, D);
    return CJ_OK;
}

/* The box and the step sizes that scale with it. */
static void set_box(const cj_maximize_job *job, run_state *s, cj_maximize_opts *o)
{
    o->lo = -INFINITY;
    o->hi = INFINITY;
    if (job->range > 0) o->lo = job->lo, o->hi = job->hi;
    else if (job->range == 0) cj_maximize_box(&s->info, &o->lo, &o->hi);
    float width = isfinite(o->hi - o->lo) ? o->hi - o->lo : 1.0f;
    if (!(o->lr > 0)) o->lr = 0.05f * width;
    if (!(o->init_std > 0)) o->init_std = 0.01f * width;
}

cj_status cj_maximize_model_file(const cj_maximize_job *job, cj_maximize_report *rep, cj_error *err)
{
    memset(rep, 0, sizeof *rep);
    if (job->zoom < 1 || job->batch < 1)
        return cj_fail(err, CJ_ERR_ARG, "maximize: zoom %d and batch %d must be at least 1", job->zoom, job->batch);
    if (job->range > 0 && !(job->lo < job->hi))
        return cj_fail(err, CJ_ERR_ARG, "maximize: range %g,%g: the low end must be below the high end", job->lo,
                       job->hi);
    run_state s;
    memset(&s, 0, sizeof s);
    cj_status st = cj_model_file_info(job->model_path, &s.info, err);
    if (!st) st = check_images(job->model_path, &s.info, err);
    if (!st) st = cj_model_from_file(job->model_path, job->batch, &s.m, &s.info, err);
    if (st) return st;
    s.have_model = 1;
    int layer = 0;
    cj_error e;
    if ((st = cj_maximize_find_layer(&s.m, job->layer, &layer, &e))) cj_fail(err, st, "--layer: %s", e.msg);
    if (!st && (st = cj_maximize_parse_units(job->units, s.m.layers[layer].out.c, MAX_UNITS, &s.units, &s.n, &e)))
        cj_fail(err, st, "layer %d: %s", layer, e.msg);
    if (!st && job->labels) st = parse_labels(job->labels, s.n, &s.labels, err);
    s.layer = layer;
    char layer_name[64];
    snprintf(layer_name, sizeof layer_name, "%d_%s", layer, s.m.layers[layer].ops->word);
    cj_maximize_opts o = job->opts;
    set_box(job, &s, &o);
    if (!st && job->start == CJ_MAXIMIZE_START_MEAN && !job->inputs)
        st = cj_fail(err, CJ_ERR_ARG, "maximize: starting from the data's mean image needs the data (inputs)");
    if (!st && job->inputs) st = read_data(&s, job, err);
    if (!st && job->start == CJ_MAXIMIZE_START_MIDDLE) st = middle_start(&s, &o, err);
    o.start_image = s.mean_image;
    if (!st) st = place_outputs(job, layer_name, &s, err);
    if (!st) st = allocate(&s, o.steps, err);
    cj_maximize_result r = {.images = s.images, .final = s.final, .start = s.start, .trace = s.trace,
                            .progress = job->progress, .user = job->user};
    if (!st) st = cj_maximize(&s.m, layer, s.units, s.n, &o, &r, err);
    if (!st && job->inputs) st = measure_data(&s, job, layer, err);
    if (!st) st = write_arrays(&s, o.steps, err);
    if (!st) st = write_table(&s, job, layer_name, err);
    if (!st) st = write_pictures(&s, job, &o, layer_name, rep, err);
    if (!st) {
        rep->layer = layer;
        rep->n_units = s.n;
        snprintf(rep->layer_name, sizeof rep->layer_name, "%s", layer_name);
        rep->lo = o.lo;
        rep->hi = o.hi;
        rep->lr = o.lr;
        rep->best = -INFINITY;
        rep->worst = INFINITY;
        for (int k = 0; k < s.n; k++) {
            rep->best = fmaxf(rep->best, s.final[k]);
            rep->worst = fminf(rep->worst, s.final[k]);
        }
    } else {
        cj_maximize_report_free(rep);
    }
    state_free(&s);
    return st;
}
