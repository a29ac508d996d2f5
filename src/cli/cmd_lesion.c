/* cmd_lesion.c — `cajal lesion RUN|MODEL --layer L --units SPEC [--seed S]
 * [--data DIR] [--images SRC --brain DIR] [--random-controls K] [--out DIR]
 * [--batch N] [--threads N] [--quiet]`: a virtual lesion of a saved image
 * model — units of one layer silenced, test accuracy and every layer's
 * RDM fit measured again, against random lesions of as many units
 * (include/cajal/lesion_study.h). This file finds the test set and prints;
 * the library does the rest. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "brain_cli.h"
#include "cajal/experiment.h"
#include "cajal/files.h"
#include "cajal/lesion_study.h"
#include "cajal/model_file.h"
#include "commands.h"

static const char WHO[] = "cajal lesion";

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"
#define TEST_IMAGES "t10k-images-idx3-ubyte.gz"
#define TEST_LABELS "t10k-labels-idx1-ubyte.gz"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal lesion RUN|MODEL --layer L --units SPEC [--seed S] [--data DIR]\n"
            "                    [--images SRC --brain DIR] [--random-controls K] [--out DIR]\n"
            "                    [--batch N] [--threads N] [--quiet]\n\n"
            "A virtual lesion of a feed-forward (image) model saved by cajal train: silence units\n"
            "of one layer by cutting their outgoing weights (the next layer with weights gets 0\n"
            "from them, through activation, pooling and flatten layers), then measure the test\n"
            "accuracy and, with --images and --brain, every layer's RDM fit again. Random sets of\n"
            "as many units of the same layer (--random-controls) show what any lesion that size\n"
            "does. RUN is a folder cajal train wrote (its model.safetensors and config.ini).\n\n"
            "  --layer L            the layer: its number or name as cajal record names it\n"
            "                       (layers.txt: 3 or 3_conv2d); its units are its output channels\n"
            "  --units SPEC         0-15, a list 3,7,9-12, or random:N (N units drawn from --seed)\n"
            "  --seed S             seed of random:N and of the control sets (default 1)\n"
            "  --data DIR           test set: folder with " TEST_IMAGES " and\n"
            "                       " TEST_LABELS " (default: the test files in\n"
            "                       RUN/config.ini, else " DEFAULT_DATA ")\n"
            "  --images SRC         stimuli for the RDM fits: the 92-image .mat file or a folder\n"
            "                       of PNGs, read and scaled as cajal record --images does\n"
            "  --brain DIR          brain RDMs, as cajal rsa --brain (the rsa92 folder, or .npy)\n"
            "  --random-controls K  also lesion K random unit sets of the same size (default 0)\n"
            "  --out DIR            where to write (default: RUN/lesion, or lesion/ beside MODEL)\n"
            "  --batch N            samples per forward pass (default 256)\n"
            "  --threads N          BLAS threads (default 1)\n"
            "  --quiet              no progress lines on stderr\n\n"
            "RDM fits are Kendall tau_a between correlation-distance RDMs, the mean over a region's\n"
            "subjects where it has them, as in cajal rsa's table.csv. Writes lesion.json (every\n"
            "number), lesion.csv (measure,region,intact,lesioned[,control_mean,control_sd,\n"
            "control_p]) and lesion.png. Method and files: docs/analysis.md, docs/outputs.md\n");
}

typedef struct {
    const char *target, *layer, *units, *seed_arg, *data, *images, *brain, *out;
    int controls, batch, threads, quiet;
    uint64_t seed;
} options;

/* 0 ok, 1 help printed, 2 usage error (printed). */
static int parse(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->batch = 256;
    o->threads = 1;
    static const char *const valued[] = {"--layer", "--units", "--seed",  "--data",  "--images", "--brain",
                                         "--random-controls", "--out", "--batch", "--threads", NULL};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        char name[32];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(arg, "--quiet") || !strcmp(arg, "-q")) {
            o->quiet = 1;
        } else if (arg[0] == '-' && arg[1]) {
            if (!cj_brain_known_option(arg, valued)) {
                fprintf(stderr, "%s: unknown option '%.*s' (see '%s --help')\n", WHO, (int)strcspn(arg, "="), arg, WHO);
                return 2;
            }
            if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
                fprintf(stderr, "%s: option '%s' needs a value (see '%s --help')\n", WHO, arg, WHO);
                return 2;
            }
            int ok = 1;
            if (!strcmp(name, "--layer")) o->layer = v;
            else if (!strcmp(name, "--units")) o->units = v;
            else if (!strcmp(name, "--seed")) o->seed_arg = v;
            else if (!strcmp(name, "--data")) o->data = v;
            else if (!strcmp(name, "--images")) o->images = v;
            else if (!strcmp(name, "--brain")) o->brain = v;
            else if (!strcmp(name, "--out")) o->out = v;
            else if (!strcmp(name, "--random-controls")) ok = cj_brain_int(WHO, name, v, 0, 100000, &o->controls);
            else if (!strcmp(name, "--batch")) ok = cj_brain_int(WHO, name, v, 1, 1 << 20, &o->batch);
            else ok = cj_brain_int(WHO, name, v, 1, 1024, &o->threads);
            if (!ok) return 2;
        } else if (!o->target) {
            o->target = arg;
        } else {
            fprintf(stderr, "%s: unexpected argument '%s' (one run or model at a time)\n", WHO, arg);
            return 2;
        }
    }
    if (o->seed_arg && !cj_cli_parse_u64(o->seed_arg, &o->seed)) {
        fprintf(stderr, "%s: --seed '%s' is not a whole number >= 0\n", WHO, o->seed_arg);
        return 2;
    }
    const char *problem = !o->target              ? "no run folder or model file given"
                          : !o->layer             ? "--layer L is needed (a number or name from layers.txt)"
                          : !o->units             ? "--units SPEC is needed (0-15, 3,7,9-12 or random:N)"
                          : !o->images != !o->brain ? "--images and --brain go together"
                                                    : NULL;
    if (!problem) return 0;
    fprintf(stderr, "%s: %s\n", WHO, problem);
    usage(stderr);
    return 2;
}

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int is_file(const char *path)
{
    struct stat sb;
    return path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Where the test set is, as cajal eval finds it, and with a run folder
 * the test files its config.ini names (what the run was tested on). */
typedef struct {
    char *model, *config, *images, *labels;
    cj_experiment *e;     /* config.ini, when one is used */
    cj_data_files files;
} test_set;

static void test_set_free(test_set *t)
{
    free(t->model);
    free(t->config);
    free(t->images);
    free(t->labels);
    free(t->e);
}

static cj_status find_test_set(const options *o, test_set *t, cj_error *err)
{
    memset(t, 0, sizeof *t);
    int dir = is_dir(o->target);
    t->model = dir ? cj_path_join(o->target, "model.safetensors") : strdup(o->target);
    if (!t->model) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_model_info info;
    cj_status st = cj_model_file_info(t->model, &info, err);
    if (st) return st;
    if (info.format == CJ_DATA_TASK) return CJ_OK; /* no test files: the library says what to use instead */
    if (o->data) {
        if (info.format != CJ_DATA_IDX)
            return cj_fail(err, CJ_ERR_ARG, "--data %s: a folder of IDX test files, but %s was trained on %s data "
                           "(give the run folder, whose config.ini names its test set)", o->data, t->model,
                           cj_data_format_name(info.format));
        t->images = cj_path_join(o->data, TEST_IMAGES);
        t->labels = cj_path_join(o->data, TEST_LABELS);
        t->files = (cj_data_files){.inputs = t->images, .labels = t->labels};
        return t->images && t->labels ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    /* The run's config.ini: beside model.safetensors (a run folder, or a
     * model file given inside one). */
    const char *slash = strrchr(t->model, '/');
    t->config = slash ? cj_path_printf("%.*s/config.ini", (int)(slash - t->model), t->model) : strdup("config.ini");
    if (!t->config) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!is_file(t->config)) {
        if (info.format != CJ_DATA_IDX)
            return cj_fail(err, CJ_ERR_ARG, "%s: no config.ini beside it to name its %s test set", t->model,
                           cj_data_format_name(info.format));
        t->images = cj_path_join(DEFAULT_DATA, TEST_IMAGES);
        t->labels = cj_path_join(DEFAULT_DATA, TEST_LABELS);
        t->files = (cj_data_files){.inputs = t->images, .labels = t->labels};
        return t->images && t->labels ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    if (!(t->e = malloc(sizeof *t->e))) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cj_experiment_defaults(t->e);
    if ((st = cj_experiment_load(t->e, t->config, err))) return st;
    t->files = cj_experiment_test_files(t->e);
    if (!t->files.inputs || !t->files.inputs[0])
        return cj_fail(err, CJ_ERR_ARG, "%s names no test set (data.test_inputs): give --data", t->config);
    return CJ_OK;
}

static void progress(void *user, int done, int total)
{
    cj_brain_progress_tick(user, done, total);
}

/* The lines on stdout: accuracy, and the fits of the layers the cut
 * reaches (the ones before it cannot change). */
static void summary(const cj_lesion_study *s, const char *out)
{
    double mean, sd, p;
    printf("%s: %s, %d of %d units silenced (%s) -> weights into %s\n", WHO, s->layer_name, s->n_units,
           s->layer_units, s->units_spec, s->target >= 0 ? s->target_name : "(none)");
    printf("test accuracy %.2f%% intact, %.2f%% lesioned (%d samples)", 100 * s->intact[0], 100 * s->lesioned[0],
           s->samples);
    if (s->controls) {
        cj_lesion_study_control(s, 0, &mean, &sd, &p);
        printf("; %d random sets %.2f%% +- %.2f%%, p = %.3g", s->controls, 100 * mean, 100 * sd, p);
    }
    printf("\n");
    for (int l = s->target >= 0 ? s->target : s->n_layers; l < s->n_layers; l++) {
        printf("  %-12s", s->measure[2 + l * s->n_regions] + 6);
        for (int r = 0; r < s->n_regions; r++) {
            int k = 2 + l * s->n_regions + r;
            printf("  %s tau_a %.3f -> %.3f", s->region[k], s->intact[k], s->lesioned[k]);
            if (s->controls) {
                cj_lesion_study_control(s, k, &mean, &sd, &p);
                printf(" (random %.3f +- %.3f)", mean, sd);
            }
        }
        printf("\n");
    }
    if (s->undefined) printf("%s: note: %d RDM fits undefined (NaN), e.g. %s\n", WHO, s->undefined, s->note);
    printf("%s: wrote %s/{lesion.json, lesion.csv, lesion.png}\n", WHO, out);
}

int cj_cmd_lesion(int argc, char **argv)
{
    options o;
    int code = parse(argc, argv, &o);
    if (code) return code == 1 ? 0 : 2;
    openblas_set_num_threads(o.threads);
    cj_error err = {0};
    test_set t;
    cj_status st = find_test_set(&o, &t, &err);
    char *out = NULL;
    if (!st) {
        out = o.out ? strdup(o.out) : is_dir(o.target) ? cj_path_join(o.target, "lesion")
                                                       : cj_brain_default_out(o.target, "lesion");
        if (!out) st = cj_fail(&err, CJ_ERR_NOMEM, "out of memory");
    }
    cj_brain_progress bar;
    cj_brain_progress_start(&bar, WHO, "model states measured", o.quiet);
    cj_lesion_study_opts so = {.model_path = t.model, .test = t.files, .layer = o.layer, .units = o.units,
                               .seed = o.seed, .controls = o.controls, .images = o.images, .brain = o.brain,
                               .batch = o.batch, .progress = progress, .user = &bar};
    cj_lesion_study s;
    if (!st && !(st = cj_lesion_study_run(&so, &s, &err))) {
        st = cj_lesion_study_write(&s, out, &err);
        if (!st) summary(&s, out);
        cj_lesion_study_free(&s);
    }
    if (st) fprintf(stderr, "%s: %s\n", WHO, err.msg);
    free(out);
    test_set_free(&t);
    return st ? 1 : 0;
}
