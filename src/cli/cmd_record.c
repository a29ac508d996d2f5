/* cmd_record.c — `cajal record MODEL|RUN_DIR --inputs FILE [--out DIR]
 * [--batch N] [--threads N]`: every layer's response of a saved model to a
 * set of stimuli, as .npy (include/cajal/record.h), from the model file
 * alone. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "cajal/files.h"
#include "cajal/record.h"
#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal record MODEL.safetensors|RUN_DIR --inputs FILE [--out DIR] [--batch N]\n"
            "                    [--threads N]\n"
            "       cajal record MODEL|RUN_DIR --images FOLDER|FILE.mat [--out DIR] [--batch N]\n"
            "       cajal record RUN_DIR --trials N [--seed S] [--out DIR] [--batch N] [--threads N]\n\n"
            "Record every layer of a model saved by cajal train, like neurons: its response to\n"
            "each stimulus (at every time step for recurrent layers), one LAYER.npy per layer\n"
            "[stimuli, ...] in stimulus order, with layers.txt and stimuli.txt. The model file's\n"
            "metadata gives the layers, input shape and input scaling. A run folder stands for\n"
            "its model.safetensors.\n\n"
            "  --inputs FILE   the stimuli: for a model trained on IDX data IDX images, or a\n"
            "                  float32 .npy [N, ...] of pixel/255 values in [0, 1]; else a .npy\n"
            "                  [N, ...] of the training inputs' shape ([N, T, F] for sequences)\n"
            "  --images SRC    the stimuli as images: a folder of .png files, or a .mat file with a\n"
            "                  struct array of images (e.g. the 92-image set's stimuli_92objs);\n"
            "                  each is resized to the model's input (area averaging / bilinear),\n"
            "                  made grey by luminance for 1-channel models, taken to [0, 1] and\n"
            "                  scaled as the training inputs were (docs/analysis.md)\n"
            "  --trials N      for a model trained on tasks: record N trials of its tasks, made from\n"
            "                  --seed S (default: the training seed, i.e. the run's test trials);\n"
            "                  layers are [trials, T, ...] and conditions.csv has one row per trial\n"
            "  --out DIR       where to write (default: acts/ beside the model file)\n"
            "  --batch N       stimuli per forward pass (default 256)\n"
            "  --threads N     BLAS threads (default 1)\n\n"
            "Files and their shapes: docs/outputs.md\n");
}

static int positive(const char *name, const char *v, long max, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < 1 || n > max) {
        fprintf(stderr, "cajal record: %s '%s' is not a whole number from 1 to %ld\n", name, v, max);
        return 0;
    }
    *out = (int)n;
    return 1;
}

int cj_cmd_record(int argc, char **argv)
{
    const char *model_arg = NULL, *inputs = NULL, *images = NULL, *out = NULL, *seed_arg = NULL;
    int batch = 256, threads = 1, trials = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        char name[32];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 0;
        }
        if (arg[0] == '-' && arg[1]) {
            if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
                fprintf(stderr, "cajal record: option '%s' needs a value (see 'cajal record --help')\n", arg);
                return 2;
            }
            if (!strcmp(name, "--inputs")) inputs = v;
            else if (!strcmp(name, "--images")) images = v;
            else if (!strcmp(name, "--seed")) seed_arg = v;
            else if (!strcmp(name, "--trials")) {
                if (!positive(name, v, 10000000, &trials)) return 2;
            }
            else if (!strcmp(name, "--out")) out = v;
            else if (!strcmp(name, "--batch")) {
                if (!positive(name, v, 1 << 20, &batch)) return 2;
            } else if (!strcmp(name, "--threads")) {
                if (!positive(name, v, 1024, &threads)) return 2;
            } else {
                fprintf(stderr, "cajal record: unknown option '%s' (see 'cajal record --help')\n", name);
                return 2;
            }
        } else if (!model_arg) {
            model_arg = arg;
        } else {
            fprintf(stderr, "cajal record: unexpected argument '%s' (one model at a time)\n", arg);
            return 2;
        }
    }
    uint64_t seed = 0;
    if (seed_arg && !cj_cli_parse_u64(seed_arg, &seed)) {
        fprintf(stderr, "cajal record: --seed '%s' is not a whole number >= 0\n", seed_arg);
        return 2;
    }
    const char *problem = !model_arg                    ? "no model file given"
                          : (inputs != NULL) + (images != NULL) + (trials > 0) > 1
                              ? "give one of --inputs, --images and --trials"
                          : (inputs || images) && seed_arg ? "--inputs is for models trained on data files; "
                                                             "--trials and --seed for models trained on tasks"
                          : !inputs && !images && !trials          ? "--inputs FILE (or --trials N for a model trained on "
                                                          "tasks) is needed"
                                                        : NULL;
    if (problem) {
        fprintf(stderr, "cajal record: %s\n", problem);
        usage(stderr);
        return 2;
    }
    openblas_set_num_threads(threads);
    struct stat sb;
    int is_dir = stat(model_arg, &sb) == 0 && S_ISDIR(sb.st_mode);
    char *model = is_dir ? cj_path_join(model_arg, "model.safetensors") : strdup(model_arg);
    char *dir = NULL;
    if (!out) {
        /* acts/ beside the model file */
        const char *slash = strrchr(model ? model : "", '/');
        dir = slash ? cj_path_printf("%.*s/acts", (int)(slash - model), model) : strdup("acts");
    }
    const char *where = out ? out : dir;
    cj_error err;
    int n = 0;
    int rc = 0;
    if (!model || !where) {
        fprintf(stderr, "cajal record: out of memory\n");
        rc = 1;
    } else if (trials) {
        if (cj_model_file_record_task(model, trials, seed, seed_arg != NULL, batch, where, &err)) {
            fprintf(stderr, "cajal record: %s\n", err.msg);
            rc = 1;
        } else {
            printf("recorded %d trials into %s (layers.txt lists the files; conditions.csv the trials)\n", trials,
                   where);
        }
    } else if (images) {
        if (cj_model_file_record_images(model, images, batch, where, &n, &err)) {
            fprintf(stderr, "cajal record: %s\n", err.msg);
            rc = 1;
        } else {
            printf("recorded %d images from %s into %s (layers.txt lists the files; stimuli.txt the images)\n", n,
                   images, where);
        }
    } else if (cj_model_file_record(model, inputs, batch, where, &n, &err)) {
        fprintf(stderr, "cajal record: %s\n", err.msg);
        rc = 1;
    } else {
        printf("recorded %d stimuli from %s into %s (layers.txt lists the files)\n", n, inputs, where);
    }
    free(model);
    free(dir);
    return rc;
}
