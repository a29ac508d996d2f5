/* rbm_run.c — `cajal train` for model.layers = rbm H: a restricted
 * Boltzmann machine on binarised IDX images (pixel/255 > 0.5 -> 1), trained
 * by CD-k or PCD-k with its own loop (an RBM has no backward pass for the
 * rule machinery of trainer.c), scored every epoch, and at the end log Z by
 * AIS, the test log-likelihood, curves.png, filters.png and samples.png. The maths is
 * in src/codes/rbm*.c; this file is the run folder around it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cajal/data.h"
#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/plot.h"
#include "cajal/rbm.h"
#include "cajal/sparsecode.h"
#include "cajal/train.h"
#include "rbm_state.h"
#include "run_folder.h"

/* Rows scored per product; at most SCORED_TRAIN training images scored each
 * epoch (the first ones: the same every epoch); samples.png's chains, the
 * first FROM_DATA of them started from test images. */
enum { CHUNK = 1000, SCORED_TRAIN = 10000, CHAINS = 10, FROM_DATA = 5 };

typedef struct {
    int n, rows, cols;  /* images, their height and width */
    float *x;           /* [n, rows * cols] of 0/1 */
} binary_images;

typedef struct {
    cj_rbm rbm;
    cj_rbm_trainer t;
    binary_images train, test;
    float *base;        /* log-odds of the training marginals [V] */
    float *batch, *u, *scratch;
    int *order, *flip_train, *flip_test;
    double *pl;
    double *curves;     /* [4, epochs]: recon train, test, pl train, test per epoch, for curves.png */
    char *log;          /* metrics.jsonl so far */
    size_t log_len;
    char *config_path, *metrics_path, *model_path, *model_staged, *state_path, *state_staged;
    char *config_text;  /* the experiment as the state file's mark carries it */
    cj_rbm_parts parts; /* what train_state.safetensors holds besides the model */
} rbm_run;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

cj_status cj_rbm_images(const char *path, int limit, float **x, int *n, int *rows, int *cols, cj_error *err)
{
    cj_dataset d;
    *x = NULL;
    cj_status st = cj_idx_load_images(path, &d, err);
    if (st) return st;
    if (d.shape.c != 1) {
        cj_dataset_free(&d);
        return cj_fail(err, CJ_ERR_FORMAT, "%s: images of %d channels (an RBM takes one)", path, d.shape.c);
    }
    *n = limit > 0 && limit < d.n ? limit : d.n;
    *rows = d.shape.h, *cols = d.shape.w;
    const size_t count = (size_t)*n * d.shape.h * d.shape.w;
    /* Binary units need binary data: pixel/255 > 0.5, as Salakhutdinov &
     * Murray 2008 binarise MNIST (they sample; a fixed threshold keeps the
     * data set the same in every run). */
    for (size_t i = 0; i < count; i++) d.x[i] = d.x[i] > 0.5f ? 1.0f : 0.0f;
    *x = d.x;  /* taken over: the dataset's other parts are freed */
    d.x = NULL;
    cj_dataset_free(&d);
    return CJ_OK;
}

/* The images of `path`, the first `limit` (0 = all), binarised. */
static cj_status load_binary(const char *path, const char *key, int limit, binary_images *out, cj_error *err)
{
    cj_error inner;
    cj_status st = cj_rbm_images(path, limit, &out->x, &out->n, &out->rows, &out->cols, &inner);
    if (st) return cj_fail(err, st, "data.%s: %s", key, inner.msg);
    return CJ_OK;
}

static void run_free(rbm_run *s)
{
    cj_rbm_free(&s->rbm);
    cj_rbm_trainer_free(&s->t);
    free(s->train.x), free(s->test.x), free(s->base), free(s->batch), free(s->u), free(s->scratch);
    free(s->order), free(s->flip_train), free(s->flip_test), free(s->pl), free(s->log), free(s->curves);
    free(s->config_path), free(s->metrics_path), free(s->model_path), free(s->model_staged), free(s->state_path);
    free(s->state_staged), free(s->config_text);
}

static cj_status setup(rbm_run *s, const cj_experiment *e, int hidden, cj_rng *rng, cj_error *err)
{
    cj_status st = load_binary(e->train_images, "train_images", e->train_samples, &s->train, err);
    if (!st) st = load_binary(e->test_images, "test_images", e->test_samples, &s->test, err);
    if (st) return st;
    const int V = s->train.rows * s->train.cols;
    if (s->test.rows != s->train.rows || s->test.cols != s->train.cols)
        return cj_fail(err, CJ_ERR_SHAPE, "data.test_images: %s: images of %dx%d, the training images are %dx%d",
                       e->test_images, s->test.rows, s->test.cols, s->train.rows, s->train.cols);
    const int batch = e->batch < s->train.n ? e->batch : s->train.n;
    if ((st = cj_rbm_create(&s->rbm, V, hidden, err))) return st;
    if ((st = cj_rbm_trainer_init(&s->t, &s->rbm, batch, e->rbm.method, e->rbm.k, err))) return st;
    const int scored = s->train.n < SCORED_TRAIN ? s->train.n : SCORED_TRAIN;
    s->base = malloc(sizeof(float) * V);
    s->batch = malloc(sizeof(float) * (size_t)batch * V);
    s->u = malloc(sizeof(float) * cj_rbm_uniforms(&s->t, batch));
    s->scratch = malloc(sizeof(float) * (size_t)CHUNK * (hidden + V));
    s->order = malloc(sizeof(int) * (size_t)s->train.n);
    s->flip_train = malloc(sizeof(int) * (size_t)scored);
    s->flip_test = malloc(sizeof(int) * (size_t)(s->test.n ? s->test.n : 1));
    s->pl = malloc(sizeof(double) * CHUNK);
    s->curves = malloc(sizeof(double) * 4 * (size_t)e->epochs);
    if (!s->base || !s->batch || !s->u || !s->scratch || !s->order || !s->flip_train || !s->flip_test || !s->pl ||
        !s->curves)
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for an RBM of %d x %d units", hidden, V);
    /* Streams in a fixed order: the seed fixes every number. */
    cj_rng init_rng = cj_rng_split(rng), flip_rng = cj_rng_split(rng);
    cj_rbm_marginals(s->train.x, s->train.n, V, s->base);
    cj_rbm_init(&s->rbm, s->base, &init_rng);
    for (int i = 0; i < V; i++) s->base[i] = s->rbm.b[i];  /* the log-odds: AIS's base-rate model */
    for (int i = 0; i < s->train.n; i++) s->order[i] = i;
    /* The bit each scored image has flipped for its pseudo-likelihood is
     * drawn once, so epochs are compared on the same estimate. */
    for (int i = 0; i < scored; i++) s->flip_train[i] = (int)cj_rng_below(&flip_rng, (uint32_t)V);
    for (int i = 0; i < s->test.n; i++) s->flip_test[i] = (int)cj_rng_below(&flip_rng, (uint32_t)V);
    return CJ_OK;
}

/* Mean reconstruction error and pseudo-log-likelihood over n images. */
static void score(rbm_run *s, const float *x, int n, const int *flip, double *recon, double *pl)
{
    const int V = s->rbm.visible;
    double r = 0, p = 0;
    for (int at = 0; at < n; at += CHUNK) {
        int m = n - at < CHUNK ? n - at : CHUNK;
        const float *v = x + (size_t)at * V;
        r += m * cj_rbm_reconstruction_error(&s->rbm, v, m, s->scratch);
        cj_rbm_pseudo_likelihood(&s->rbm, v, m, flip + at, s->scratch, s->pl);
        for (int i = 0; i < m; i++) p += s->pl[i];
    }
    *recon = n ? r / n : NAN;
    *pl = n ? p / n : NAN;
}

static int params_finite(const cj_rbm *r)
{
    size_t n = (size_t)r->hidden * r->visible + r->visible + r->hidden;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(r->block[i])) return 0;
    return 1;
}

/* The metadata every saved model carries, plus the AIS numbers at the end. */
static cj_status save_model(rbm_run *s, const cj_experiment *e, int epoch, const cj_rbm_final_report *fin,
                            const char *path, cj_error *err)
{
    char buf[10][64];
    snprintf(buf[0], 64, "%d", s->rbm.visible);
    snprintf(buf[1], 64, "%d", s->rbm.hidden);
    snprintf(buf[2], 64, "%d", s->train.rows);
    snprintf(buf[3], 64, "%d", s->train.cols);
    snprintf(buf[4], 64, "%d", e->rbm.k);
    snprintf(buf[5], 64, "%d", epoch);
    snprintf(buf[6], 64, "%llu", (unsigned long long)e->seed);
    cj_meta_entry meta[12] = {{"visible", buf[0]}, {"hidden", buf[1]}, {"image_height", buf[2]},
                              {"image_width", buf[3]}, {"method", cj_rbm_method_name(e->rbm.method)},
                              {"k", buf[4]}, {"epoch", buf[5]}, {"seed", buf[6]},
                              {"binarize", "pixel/255 > 0.5"}};
    int n = 9;
    if (fin) {
        snprintf(buf[7], 64, "%.6f", fin->log_z);
        snprintf(buf[8], 64, "%.6f", fin->test_ll);
        snprintf(buf[9], 64, "%.6f", fin->log_z_base);
        meta[n++] = (cj_meta_entry){"ais_log_z", buf[7]};
        meta[n++] = (cj_meta_entry){"ais_test_log_likelihood", buf[8]};
        meta[n++] = (cj_meta_entry){"ais_log_z_base", buf[9]};
    }
    return cj_rbm_save(&s->rbm, path, n, meta, err);
}

/* Epoch `epoch` into the files so that metrics.jsonl, model.safetensors
 * and train_state.safetensors always hold the same epoch (as trainer.c's
 * save_epoch): the model and the state to staging files, the metrics
 * atomically, then the renames; --resume finishes a save cut short between
 * them (run_folder.c). */
static cj_status save_epoch(rbm_run *s, const cj_experiment *e, int epoch, long step, const char *line,
                            cj_error *err)
{
    size_t len = strlen(line), old_len = s->log_len;
    char *p = realloc(s->log, s->log_len + len + 2);
    if (!p) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for the metrics log");
    s->log = p;
    cj_train_mark mark = {.epoch = epoch, .epochs = e->epochs, .step = step, .config = s->config_text};
    cj_status st = save_model(s, e, epoch, NULL, s->model_staged, err);
    if (!st) st = cj_rbm_state_write(s->state_staged, &s->parts, &mark, err);
    if (st) return st;
    memcpy(s->log + s->log_len, line, len);
    s->log_len += len;
    s->log[s->log_len++] = '\n';
    s->log[s->log_len] = '\0';
    if ((st = cj_write_file_atomic(s->metrics_path, s->log, s->log_len, err))) {
        s->log_len = old_len;
        return st;
    }
    if (rename(s->model_staged, s->model_path) != 0) {
        int saved = errno;
        s->log_len = old_len;
        cj_write_file_atomic(s->metrics_path, s->log, old_len, NULL); /* back to the epoch the model holds */
        return cj_fail(err, CJ_ERR_IO, "%s: cannot rename %s over it: %s", s->model_path, s->model_staged,
                       strerror(saved));
    }
    if (rename(s->state_staged, s->state_path) != 0)
        return cj_fail(err, CJ_ERR_IO, "epoch %d: model.safetensors and metrics.jsonl hold it, but %s cannot be "
                       "renamed over %s: %s (resuming the run finishes the save)", epoch, s->state_staged,
                       s->state_path, strerror(errno));
    return CJ_OK;
}

/* A JSON number, or null for NaN and infinities (JSON has neither). */
static void json_num(char *out, size_t len, double v)
{
    if (isfinite(v)) snprintf(out, len, "%.6f", v);
    else snprintf(out, len, "null");
}

static cj_status end_epoch(rbm_run *s, const cj_experiment *e, int epoch, long step, float momentum,
                           double seconds, const cj_rbm_callbacks *cb, cj_error *err)
{
    if (!params_finite(&s->rbm))
        return cj_fail(err, CJ_ERR_NUMERIC, "epoch %d: the RBM's parameters are no longer finite (optim.lr = %g "
                       "too large?)", epoch, e->optim.lr);
    cj_rbm_epoch_report r = {epoch, e->epochs, step, 0, 0, 0, 0, e->optim.lr, momentum, seconds,
                             s->train.n / (seconds > 0 ? seconds : 1e-9), NULL};
    int scored = s->train.n < SCORED_TRAIN ? s->train.n : SCORED_TRAIN;
    score(s, s->train.x, scored, s->flip_train, &r.recon_train, &r.pl_train);
    score(s, s->test.x, s->test.n, s->flip_test, &r.recon_test, &r.pl_test);
    double *c = s->curves + (epoch - 1);
    c[0] = r.recon_train, c[e->epochs] = r.recon_test, c[2 * e->epochs] = r.pl_train, c[3 * e->epochs] = r.pl_test;
    char v[4][32], line[512];
    json_num(v[0], 32, r.recon_train), json_num(v[1], 32, r.recon_test);
    json_num(v[2], 32, r.pl_train), json_num(v[3], 32, r.pl_test);
    snprintf(line, sizeof line, "{\"epoch\":%d,\"step\":%ld,\"recon_train\":%s,\"recon_test\":%s,\"pl_train\":%s,"
             "\"pl_test\":%s,\"lr\":%.9g,\"momentum\":%.9g,\"seconds\":%.3f,\"samples_per_s\":%.1f}",
             epoch, step, v[0], v[1], v[2], v[3], e->optim.lr, momentum, seconds, r.samples_per_s);
    r.json = line;
    cj_status st = save_epoch(s, e, epoch, step, line, err);
    if (!st && cb && cb->on_epoch) cb->on_epoch(&r, cb->user);
    return st;
}

static cj_status run_epoch(rbm_run *s, const cj_experiment *e, int epoch, long *step, cj_rng *order_rng,
                           cj_rng *gibbs_rng, const cj_rbm_callbacks *cb, cj_error *err)
{
    const int V = s->rbm.visible, batch = s->t.batch, n = s->train.n;
    const long batches = (n + batch - 1) / batch;
    /* Hinton 2010, sec. 9: a small momentum while the weights are settling. */
    const float momentum = epoch <= e->rbm.momentum_epochs ? e->rbm.initial_momentum : e->optim.momentum;
    if (e->shuffle) cj_rng_shuffle(order_rng, s->order, (size_t)n);
    double t0 = now();
    for (long b = 0; b < batches; b++) {
        if (cb && cb->stop && *cb->stop) {
            if (epoch == 1)
                return cj_fail(err, CJ_ERR_INTERRUPTED, "interrupted at epoch 1 after step %ld; no epoch finished, so "
                               "model.safetensors and metrics.jsonl were not written", *step);
            return cj_fail(err, CJ_ERR_INTERRUPTED, "interrupted at epoch %d after step %ld; model.safetensors and "
                           "metrics.jsonl hold epoch %d", epoch, *step, epoch - 1);
        }
        const int at = (int)(b * batch), B = n - at < batch ? n - at : batch;
        for (int i = 0; i < B; i++)
            memcpy(s->batch + (size_t)i * V, s->train.x + (size_t)s->order[at + i] * V, sizeof(float) * V);
        cj_rng_fill_uniform(gibbs_rng, s->u, cj_rbm_uniforms(&s->t, B), 0.0f, 1.0f);
        cj_rbm_gradient(&s->t, &s->rbm, s->batch, B, s->u);
        cj_rbm_update(&s->t, &s->rbm, e->optim.lr, momentum, e->optim.weight_decay);
        ++*step;
        if (cb && cb->on_step) {
            cj_train_progress p = {epoch, e->epochs, *step, b + 1, batches, NAN, 0, 0};
            cb->on_step(&p, cb->user);
        }
    }
    return end_epoch(s, e, epoch, *step, momentum, now() - t0, cb, err);
}

/* Steps shown in samples.png: 0, 1, 10, 100, ... up to rbm.sample_steps. */
static int sample_columns(int last, int *steps, int max)
{
    int n = 0;
    steps[n++] = 0;
    for (long p = 1; p < last && n < max - 1; p *= 10) steps[n++] = (int)p;
    steps[n++] = last;
    return n;
}

/* CHAINS Gibbs chains, FROM_DATA of them from random test images and the
 * rest from Bernoulli(0.5) noise; column j shows p(v | h) after steps[j]
 * steps (column 0 the start). */
static cj_status write_samples(rbm_run *s, const cj_experiment *e, const char *out_dir, cj_rng *rng, cj_error *err)
{
    const int V = s->rbm.visible, H = s->rbm.hidden;
    int steps[16];
    const int cols = sample_columns(e->rbm.sample_steps, steps, 16);
    float *img = malloc(sizeof(float) * (size_t)CHAINS * cols * V), *v = malloc(sizeof(float) * CHAINS * V);
    float *ph = malloc(sizeof(float) * CHAINS * H), *pv = malloc(sizeof(float) * CHAINS * V);
    float *u = malloc(sizeof(float) * CHAINS * (V > H ? V : H));
    char *png = cj_path_join(out_dir, "samples.png");
    cj_status st = CJ_OK;
    if (!img || !v || !ph || !pv || !u || !png) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for samples.png");
    const char *rows[CHAINS];
    char names[CHAINS][32];
    for (int c = 0; !st && c < CHAINS; c++) {
        if (c < FROM_DATA && s->test.n > 0) {
            int pick = (int)cj_rng_below(rng, (uint32_t)s->test.n);
            memcpy(v + (size_t)c * V, s->test.x + (size_t)pick * V, sizeof(float) * V);
            snprintf(names[c], 32, "test image %d", pick);
        } else {
            for (int i = 0; i < V; i++) v[(size_t)c * V + i] = cj_rng_uniform(rng) < 0.5f ? 1.0f : 0.0f;
            snprintf(names[c], 32, "noise");
        }
        rows[c] = names[c];
        memcpy(img + (size_t)c * cols * V, v + (size_t)c * V, sizeof(float) * V);
    }
    for (int step = 1, col = 1; !st && col < cols; step++) {
        cj_rbm_hidden_probs(&s->rbm, v, CHAINS, ph);
        cj_rng_fill_uniform(rng, u, (size_t)CHAINS * H, 0.0f, 1.0f);
        cj_rbm_sample(ph, u, (size_t)CHAINS * H, ph);
        cj_rbm_visible_probs(&s->rbm, ph, CHAINS, pv);
        cj_rng_fill_uniform(rng, u, (size_t)CHAINS * V, 0.0f, 1.0f);
        cj_rbm_sample(pv, u, (size_t)CHAINS * V, v);
        if (step == steps[col]) {
            for (int c = 0; c < CHAINS; c++)
                memcpy(img + ((size_t)c * cols + col) * V, pv + (size_t)c * V, sizeof(float) * V);
            col++;
        }
    }
    char heads[16][32];
    const char *col_labels[16];
    for (int j = 0; j < cols; j++) {
        snprintf(heads[j], 32, j ? "step %d" : "start", steps[j]);
        col_labels[j] = heads[j];
    }
    char title[160];
    snprintf(title, sizeof title, "Gibbs chains of the RBM (%d hidden, %s-%d): p(v | h)", H,
             e->rbm.method == CJ_RBM_PCD ? "PCD" : "CD", e->rbm.k);
    if (!st && s->train.rows == s->train.cols)
        st = cj_rbm_write_chains(png, img, CHAINS, cols, s->train.rows, col_labels, rows, title, err);
    free(img), free(v), free(ph), free(pv), free(u), free(png);
    return st;
}

/* curves.png: reconstruction error and pseudo-log-likelihood per epoch,
 * training images solid, test dashed. */
static cj_status write_curves(rbm_run *s, const cj_experiment *e, const char *out_dir, cj_error *err)
{
    const int n = e->epochs;
    double *x = malloc(sizeof(double) * n);
    char *png = cj_path_join(out_dir, "curves.png");
    cj_figure *fig = NULL;
    cj_status st = x && png ? cj_figure_create(&fig, 1, 2, 1100, 450, err)
                            : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n && x; i++) x[i] = i + 1;
    const char *titles[2] = {"Reconstruction error", "Pseudo-log-likelihood"};
    const char *ylabels[2] = {"squared error (pixels per image)", "nats per image"};
    for (int p = 0; !st && p < 2; p++) {
        cj_panel *panel = cj_figure_panel(fig, 0, p);
        cj_panel_set_title(panel, titles[p]);
        cj_panel_set_labels(panel, "epoch", ylabels[p]);
        cj_panel_set_xinteger(panel, 1);
        cj_line_style train = cj_line_style_default(0), test = cj_line_style_default(1);
        test.dash = CJ_DASH_DASHED;
        st = cj_panel_add_line(panel, x, s->curves + (size_t)(2 * p) * n, n, train, "train (first 10,000)", err);
        if (!st) st = cj_panel_add_line(panel, x, s->curves + (size_t)(2 * p + 1) * n, n, test, "test", err);
    }
    if (!st) {
        char title[128];
        snprintf(title, sizeof title, "RBM %d hidden, %s-%d, lr %g", s->rbm.hidden,
                 e->rbm.method == CJ_RBM_PCD ? "PCD" : "CD", e->rbm.k, e->optim.lr);
        cj_figure_set_title(fig, title);
        st = cj_figure_write(fig, png, err);
    }
    if (fig) cj_figure_free(fig);
    free(x), free(png);
    return st;
}

static cj_status write_filters(rbm_run *s, const char *out_dir, cj_error *err)
{
    if (s->train.rows != s->train.cols) return CJ_OK; /* the grid takes square images */
    char *png = cj_path_join(out_dir, "filters.png"), title[96];
    if (!png) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    snprintf(title, sizeof title, "RBM filters: W of the %d hidden units (each on its own scale, 0 = grey)",
             s->rbm.hidden);
    cj_status st = cj_sc_write_grid(png, s->rbm.W, s->rbm.hidden, s->train.rows, title, err);
    free(png);
    return st;
}

static cj_status write_ais(const char *out_dir, const cj_rbm_final_report *f, cj_error *err)
{
    char *path = cj_path_join(out_dir, "ais.json");
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    char v[7][32], text[1024];
    json_num(v[0], 32, f->log_z), json_num(v[1], 32, f->log_z_lo), json_num(v[2], 32, f->log_z_hi);
    json_num(v[3], 32, f->log_z_base), json_num(v[4], 32, f->test_ll), json_num(v[5], 32, f->train_ll);
    json_num(v[6], 32, f->log_w_sd);
    int n = snprintf(text, sizeof text, "{\"runs\":%d,\"betas\":%d,\"log_z\":%s,\"log_z_lo\":%s,\"log_z_hi\":%s,"
                     "\"log_z_base\":%s,\"log_w_sd\":%s,\"test_log_likelihood\":%s,\"train_log_likelihood\":%s,"
                     "\"test_images\":%d,\"train_images\":%d,\"seconds\":%.3f}\n",
                     f->runs, f->betas, v[0], v[1], v[2], v[3], v[6], v[4], v[5], f->test_n, f->train_n, f->seconds);
    cj_status st = cj_write_file_atomic(path, text, (size_t)n, err);
    free(path);
    return st;
}

/* log Z by AIS, the average log-likelihoods, ais.json and the model's
 * metadata. */
static cj_status finish(rbm_run *s, const cj_experiment *e, const char *out_dir, uint64_t ais_seed,
                        const cj_rbm_callbacks *cb, cj_error *err)
{
    if (e->rbm.ais_runs < 1) return CJ_OK;
    if (cb && cb->on_phase) cb->on_phase("AIS", cb->user);
    double t0 = now();
    cj_rbm_ais_opts o = {e->rbm.ais_runs, e->rbm.ais_betas, ais_seed};
    cj_rbm_ais_result res;
    cj_status st = cj_rbm_ais(&s->rbm, s->base, &o, &res, err);
    if (st) return st;
    const int scored = s->train.n < SCORED_TRAIN ? s->train.n : SCORED_TRAIN;
    cj_rbm_final_report f = {res.log_z, res.log_z_lo, res.log_z_hi, res.log_z_base, res.log_w_sd, NAN, NAN,
                             s->test.n, scored, o.runs, o.betas, 0};
    st = cj_rbm_mean_log_prob(&s->rbm, s->test.x, s->test.n, res.log_z, &f.test_ll, err);
    if (!st) st = cj_rbm_mean_log_prob(&s->rbm, s->train.x, scored, res.log_z, &f.train_ll, err);
    f.seconds = now() - t0;
    if (!st) st = write_ais(out_dir, &f, err);
    if (!st) st = save_model(s, e, e->epochs, &f, s->model_path, err);
    if (!st && cb && cb->on_done) cb->on_done(&f, cb->user);
    return st;
}

/* A number after "key": in a metrics line (null: NaN). */
static double log_number(const char *line, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = strstr(line, pat);
    if (!at) return NAN;
    at += strlen(pat);
    char *end;
    double v = strtod(at, &end);
    return end == at ? NAN : v;
}

/* A resumed run: the finished epochs' files read back into s (after setup,
 * which made everything an uninterrupted run has before its first epoch).
 * Returns the epochs done in *done and the steps in *step. */
static cj_status resume(rbm_run *s, const cj_experiment *e, const char *dir, int *done, long *step, cj_error *err)
{
    cj_train_state ts;
    cj_status st = cj_run_folder_open_state(dir, &ts, err);
    if (st) return st;
    size_t cap = 0;
    if (!(st = cj_run_folder_check_config(&ts, e, err))) st = cj_rbm_state_apply(&ts, &s->parts, err);
    if (!st) st = cj_run_folder_read_log(dir, &ts, &s->log, &s->log_len, &cap, err);
    /* the model, which must hold the state's epoch (it always does after save_epoch) */
    cj_rbm saved;
    memset(&saved, 0, sizeof saved);
    cj_safetensors file;
    int have_file = !st && !(st = cj_safetensors_read(s->model_path, &file, err));
    if (have_file) st = cj_rbm_from_file(&saved, &file, s->model_path, err);
    if (!st && (saved.visible != s->rbm.visible || saved.hidden != s->rbm.hidden))
        st = cj_fail(err, CJ_ERR_SHAPE, "%s: an RBM of %d x %d units, but this run's is %d x %d", s->model_path,
                     saved.hidden, saved.visible, s->rbm.hidden, s->rbm.visible);
    if (!st && cj_rbm_file_epoch(&file) != ts.mark.epoch) {
        const char *ep = cj_safetensors_meta(&file, "epoch");
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: holds epoch %s, but %s holds epoch %d (the files disagree; start "
                     "afresh with --force)", s->model_path, ep ? ep : "(none)", ts.path, ts.mark.epoch);
    }
    if (have_file) cj_safetensors_free(&file);
    if (!st) {
        memcpy(s->rbm.block, saved.block,
               sizeof(float) * ((size_t)saved.hidden * saved.visible + saved.visible + saved.hidden));
        *done = ts.mark.epoch, *step = ts.mark.step;
        /* curves.png's earlier points, from the log */
        const char *line = s->log;
        for (int i = 0; i < *done && line; i++) {
            double *c = s->curves + i;
            c[0] = log_number(line, "recon_train"), c[e->epochs] = log_number(line, "recon_test");
            c[2 * e->epochs] = log_number(line, "pl_train"), c[3 * e->epochs] = log_number(line, "pl_test");
            line = strchr(line, '\n');
            if (line) line++;
        }
    }
    cj_rbm_free(&saved);
    cj_train_state_free(&ts);
    return st;
}

cj_status cj_rbm_train(const cj_experiment *e, const char *out_dir, const cj_train_options *opt,
                       const cj_rbm_callbacks *cb, cj_error *err)
{
    cj_train_mode mode = opt ? opt->mode : CJ_TRAIN_NEW;
    int is_rbm = 0, hidden = 0;
    cj_status st = cj_rbm_parse_layers(e->layers, &is_rbm, &hidden, err);
    if (st) return st;
    if (!is_rbm) return cj_fail(err, CJ_ERR_CONFIG, "model.layers = '%.64s' is not an RBM (rbm H)", e->layers);
    rbm_run s;
    memset(&s, 0, sizeof s);
    s.config_path = cj_path_join(out_dir, "config.ini");
    s.metrics_path = cj_path_join(out_dir, "metrics.jsonl");
    s.model_path = cj_path_join(out_dir, "model.safetensors");
    s.model_staged = cj_path_join(out_dir, "model.safetensors.new");
    s.state_path = cj_path_join(out_dir, CJ_RUN_STATE_FILE);
    s.state_staged = cj_path_join(out_dir, CJ_RUN_STATE_FILE ".new");
    s.config_text = cj_train_config_text(e);
    if (!s.config_path || !s.metrics_path || !s.model_path || !s.model_staged || !s.state_path || !s.state_staged ||
        !s.config_text)
        st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st && mode == CJ_TRAIN_NEW) st = cj_run_folder_check_new(out_dir, err);
    cj_rng rng;
    cj_rng_seed(&rng, e->seed);
    if (!st) st = setup(&s, e, hidden, &rng, err);
    cj_rng order_rng = cj_rng_split(&rng), gibbs_rng = cj_rng_split(&rng), sample_rng = cj_rng_split(&rng);
    const uint64_t ais_seed = cj_rng_u64(&rng);
    s.parts = (cj_rbm_parts){&s.t, &order_rng, &gibbs_rng, s.order, s.train.n};
    int done = 0;
    long step = 0;
    if (!st && mode == CJ_TRAIN_RESUME) st = resume(&s, e, out_dir, &done, &step, err);
    if (!st && mode == CJ_TRAIN_RESUME && cb && cb->on_phase) {
        char what[160];
        snprintf(what, sizeof what, "resuming %s after epoch %d of %d (step %ld)%s", out_dir, done, e->epochs, step,
                 done == e->epochs ? ": every epoch is done, so only the figures and AIS are made again" : "");
        cb->on_phase(what, cb->user);
    }
    if (!st && mode != CJ_TRAIN_RESUME) st = cj_make_dirs(out_dir, err);
    if (!st && mode == CJ_TRAIN_FORCE) st = cj_run_folder_clear(out_dir, err);
    if (!st) {
        cj_atomic_file af;
        st = cj_atomic_open(&af, s.config_path, err);
        if (!st) {
            cj_experiment_write(e, af.f);
            st = cj_atomic_commit(&af, err);
        }
    }
    for (int epoch = done + 1; !st && epoch <= e->epochs; epoch++)
        st = run_epoch(&s, e, epoch, &step, &order_rng, &gibbs_rng, cb, err);
    if (!st && cb && cb->on_phase) cb->on_phase("figures", cb->user);
    if (!st) st = write_curves(&s, e, out_dir, err);
    if (!st) st = write_filters(&s, out_dir, err);
    if (!st) st = write_samples(&s, e, out_dir, &sample_rng, err);
    if (!st) st = finish(&s, e, out_dir, ais_seed, cb, err);
    run_free(&s);
    return st;
}
