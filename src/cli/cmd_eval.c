/* cmd_eval.c — `cajal eval MODEL.safetensors [--data DIR | --images FILE
 * --labels FILE | --inputs FILE --labels|--targets|--counts FILE [--mask
 * FILE]] [--batch N] [--json FILE] [--threads N]`: a saved model's loss
 * and accuracy on a test set, from the model file alone (its metadata says
 * how to rebuild and feed it; include/cajal/model_file.h). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cajal/files.h"
#include "cajal/model_file.h"
#include "commands.h"
#include "eval_rbm.h"

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"
#define TEST_IMAGES "t10k-images-idx3-ubyte.gz"
#define TEST_LABELS "t10k-labels-idx1-ubyte.gz"
#define TRAIN_IMAGES "train-images-idx3-ubyte.gz"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal eval MODEL.safetensors|RUN_DIR [--data DIR | --images FILE --labels FILE |\n"
            "                  --inputs FILE --labels|--targets|--counts FILE [--mask FILE]] [--batch N]\n"
            "                  [--json FILE] [--threads N]\n\n"
            "Loss and accuracy of a model saved by cajal train, on a test set in the format it\n"
            "was trained on (IDX or .npy). The model file's metadata gives the layers, input\n"
            "shape and scaling (with the training inputs' mean and std), so no experiment file\n"
            "is needed. A run folder stands for its model.safetensors.\n\n"
            "  --data DIR      folder with " TEST_IMAGES " and " TEST_LABELS "\n"
            "                  (default: " DEFAULT_DATA ")\n"
            "  --images FILE   test images (IDX ubyte [n, h, w], gzip or plain), with --labels\n"
            "  --labels FILE   test labels (IDX ubyte [n], or .npy [n] or per step [n, T] with --inputs)\n"
            "  --inputs FILE   .npy test inputs, for a model trained with data.format = npy, with\n"
            "                  --labels, --targets (real values) or --counts (spike counts)\n"
            "  --mask FILE     .npy loss weights [n] (or [n, T] with per-step targets) for --inputs\n"
            "                  (optional)\n"
            "  --trials N      a model trained on tasks (data.format = task): evaluate on N trials\n"
            "                  (default 2000) made from --seed S (default: the training seed, whose\n"
            "                  trials are the run's test trials) instead of files\n"
            "  --batch N       samples per forward pass (default 256)\n"
            "  --json FILE     also write {model, data, samples, loss, accuracy, epoch} to FILE\n"
            "  --threads N     BLAS threads (default: all cores)\n\n"
            "An RBM (a run of model.layers = rbm H) gets its test log-likelihood instead, by AIS\n"
            "(docs/codes.md), from the base rates of its training images:\n"
            "  --train-images FILE   (default: " TRAIN_IMAGES " of --data)\n"
            "  --ais-runs N, --ais-betas N   (default 100 and 14500)\n\n"
            "Prints one line: loss L  accuracy A%% (N samples), and for tasks each task's\n"
            "performance. Metadata keys: docs/outputs.md\n");
}

typedef struct {
    const char *model, *data, *images, *labels, *json;
    const char *inputs, *targets, *counts, *mask;  /* .npy test sets */
    int batch, threads;
    int trials;                 /* task models; 0 = not given */
    const char *seed;           /* task models: seed of the trials; NULL = the training seed */
    const char *train_images;   /* RBMs: the base rates of AIS */
    int ais_runs, ais_betas;    /* RBMs; 0 = not given */
} eval_args;

/* A whole number in [1, max] for option `name`; 0 when it is not one. */
static int positive(const char *name, const char *v, long max, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < 1 || n > max) {
        fprintf(stderr, "cajal eval: %s '%s' is not a whole number from 1 to %ld\n", name, v, max);
        return 0;
    }
    *out = (int)n;
    return 1;
}

/* One option and its value; returns 0 on a usage error (already printed). */
static int take_option(eval_args *a, const char *name, const char *v)
{
    if (!strcmp(name, "--data")) a->data = v;
    else if (!strcmp(name, "--images")) a->images = v;
    else if (!strcmp(name, "--labels")) a->labels = v;
    else if (!strcmp(name, "--json")) a->json = v;
    else if (!strcmp(name, "--inputs")) a->inputs = v;
    else if (!strcmp(name, "--targets")) a->targets = v;
    else if (!strcmp(name, "--counts")) a->counts = v;
    else if (!strcmp(name, "--mask")) a->mask = v;
    else if (!strcmp(name, "--batch")) return positive(name, v, 1 << 20, &a->batch);
    else if (!strcmp(name, "--trials")) return positive(name, v, 100000000, &a->trials);
    else if (!strcmp(name, "--seed")) a->seed = v;
    else if (!strcmp(name, "--threads")) return positive(name, v, 1024, &a->threads);
    else if (!strcmp(name, "--train-images")) a->train_images = v;
    else if (!strcmp(name, "--ais-runs")) return positive(name, v, 1000000, &a->ais_runs);
    else if (!strcmp(name, "--ais-betas")) return positive(name, v, 100000000, &a->ais_betas);
    else {
        fprintf(stderr, "cajal eval: unknown option '%s' (see 'cajal eval --help')\n", name);
        return 0;
    }
    return 1;
}

/* 0 ok, 1 help printed, 2 usage error (printed). */
static int parse_args(int argc, char **argv, eval_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        char name[32];
        const char *v;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 1;
        } else if (arg[0] == '-' && arg[1]) {
            if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
                fprintf(stderr, "cajal eval: option '%s' needs a value (see 'cajal eval --help')\n", arg);
                return 2;
            }
            if (!take_option(a, name, v)) return 2;
        } else if (!a->model) {
            a->model = arg;
        } else {
            fprintf(stderr, "cajal eval: unexpected argument '%s' (one model file at a time)\n", arg);
            return 2;
        }
    }
    int npy = a->inputs || a->targets || a->counts || a->mask;
    int targets = !!a->labels + !!a->targets + !!a->counts;
    const char *problem = !a->model ? "no model file given"
                          : npy && (a->data || a->images) ? "--inputs and --data/--images exclude each other"
                          : npy && !a->inputs             ? "--targets, --counts and --mask go with --inputs"
                          : npy && targets != 1           ? "--inputs goes with one of --labels, --targets or --counts"
                          : npy                           ? NULL
                          : a->data && (a->images || a->labels) ? "--data and --images/--labels exclude each other"
                          : !a->images != !a->labels       ? "--images and --labels go together"
                                                           : NULL;
    if (!problem) return 0;
    fprintf(stderr, "cajal eval: %s\n", problem);
    usage(stderr);
    return 2;
}

/* The image and label paths to read (allocated when built from a folder). */
static int resolve_data(const eval_args *a, char **images, char **labels)
{
    const char *dir = a->data ? a->data : DEFAULT_DATA;
    const char *in = a->inputs ? a->inputs : a->images;
    *images = in ? strdup(in) : cj_path_join(dir, TEST_IMAGES);
    *labels = a->labels ? strdup(a->labels) : a->inputs ? strdup("") : cj_path_join(dir, TEST_LABELS);
    return *images && *labels;
}

/* The test set's options must be those of the format the model was
 * trained on; the metadata says which. */
static int format_fits(const char *model, const eval_args *a, cj_error *err)
{
    cj_model_info info;
    if (cj_model_file_info(model, &info, err)) return 0;
    if (info.format == CJ_DATA_NPY && !a->inputs) {
        cj_fail(err, CJ_ERR_ARG, "%s was trained on .npy data (metadata data_format = npy): give --inputs and "
                "--%s", model, info.targets == CJ_TARGET_LABELS ? "labels" : info.targets == CJ_TARGET_COUNTS ? "counts" : "targets");
        return 0;
    }
    if (info.format == CJ_DATA_TASK) {
        if (a->inputs || a->images || a->data || a->labels) {
            cj_fail(err, CJ_ERR_ARG, "%s was trained on tasks (metadata data_format = task): it makes its own "
                    "trials (--trials, --seed), it reads no data files", model);
            return 0;
        }
        return 1;
    }
    if (a->trials || a->seed) {
        cj_fail(err, CJ_ERR_ARG, "--trials and --seed are for models trained on tasks; %s was trained on %s data",
                model, cj_data_format_name(info.format));
        return 0;
    }
    if (info.format == CJ_DATA_IDX && a->inputs) {
        cj_fail(err, CJ_ERR_ARG, "%s was trained on IDX images (metadata data_format = idx): use --data or "
                "--images and --labels, not --inputs", model);
        return 0;
    }
    return 1;
}

int cj_cmd_eval(int argc, char **argv)
{
    eval_args a = {.batch = 256, .threads = (int)sysconf(_SC_NPROCESSORS_ONLN)};
    int code = parse_args(argc, argv, &a);
    if (code) return code == 1 ? 0 : 2;
    /* A run folder (what cajal train --out made) means its model file. */
    struct stat sb;
    char *model = stat(a.model, &sb) == 0 && S_ISDIR(sb.st_mode) ? cj_path_join(a.model, "model.safetensors")
                                                                  : strdup(a.model);
    char *images = NULL, *labels = NULL;
    if (!model || !resolve_data(&a, &images, &labels)) {
        free(model);
        free(images);
        free(labels);
        fprintf(stderr, "cajal eval: out of memory\n");
        return 1;
    }
    openblas_set_num_threads(a.threads);
    if (cj_eval_is_rbm(model)) {
        char *train = a.train_images ? strdup(a.train_images) : cj_path_join(a.data ? a.data : DEFAULT_DATA,
                                                                             TRAIN_IMAGES);
        code = train ? cj_eval_rbm(model, images, train, a.ais_runs ? a.ais_runs : 100,
                                   a.ais_betas ? a.ais_betas : 14500, a.json)
                     : 1;
        free(train), free(model), free(images), free(labels);
        return code;
    }
    /* (a file that cannot be read gets the usual message below) */
    if ((a.train_images || a.ais_runs || a.ais_betas) && access(model, R_OK) == 0) {
        fprintf(stderr, "cajal eval: --train-images, --ais-runs and --ais-betas are for RBM models; %s is not one\n",
                model);
        free(model), free(images), free(labels);
        return 2;
    }
    cj_model_info info;
    cj_eval_result r;
    cj_error err = {0};
    cj_data_files files = {images, labels, a.targets, a.counts, a.mask};
    cj_status st = format_fits(model, &a, &err) ? CJ_OK : err.code;
    cj_model_info peek;
    int task = !st && !cj_model_file_info(model, &peek, &err) && peek.format == CJ_DATA_TASK;
    uint64_t seed = peek.seed;
    if (task && a.seed && !cj_cli_parse_u64(a.seed, &seed)) st = cj_fail(&err, CJ_ERR_ARG, "--seed '%s' is not a "
                                                                      "whole number >= 0", a.seed);
    if (!st && task)
        st = cj_model_file_evaluate_task(model, a.trials ? a.trials : 2000, seed, CJ_TASK_STREAM_TEST, a.batch, &info,
                                         &r, &err);
    else if (!st)
        st = cj_model_file_evaluate(model, &files, a.batch, &info, &r, &err);
    /* A task model's "data" are its tasks. */
    if (!st && a.json) st = cj_eval_write_json(a.json, model, task ? info.task : images, &info, &r, &err);
    if (st) {
        fprintf(stderr, "cajal eval: %s\n", err.msg);
    } else if (r.n_tasks) {
        printf("loss %.4f", r.loss);
        if (isfinite(r.accuracy)) printf("  accuracy %.2f%% per step", 100 * r.accuracy);
        printf(" (%d trials)  performance:", r.samples);
        for (int k = 0; k < r.n_tasks; k++) printf(" %s %.2f%%", r.task_names[k], 100 * r.performance[k]);
        printf("\n");
    } else if (isfinite(r.accuracy)) {
        printf("loss %.4f  accuracy %.2f%% (%d samples)\n", r.loss, 100 * r.accuracy, r.samples);
    } else {
        /* Value and count targets have no accuracy. */
        printf("loss %.4f (%d samples)\n", r.loss, r.samples);
    }
    free(model);
    free(images);
    free(labels);
    return st ? 1 : 0;
}
