/* cmd_maximize.c — `cajal maximize MODEL|RUN_DIR --layer L --unit U |
 * --units SPEC [...]`: what drives a unit, by gradient ascent on the input
 * with jitter, blur and L2 (include/cajal/maximize.h), as PNGs, the raw
 * inputs as .npy and a table of the activations reached
 * (docs/analysis.md, docs/outputs.md). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "brain_cli.h"
#include "cajal/files.h"
#include "cajal/maximize.h"
#include "commands.h"

static const char WHO[] = "cajal maximize";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal maximize MODEL.safetensors|RUN_DIR --layer L (--unit U | --units SPEC)\n"
            "                      [--at mean|centre] [--steps N] [--lr X] [--optim adam|normalized]\n"
            "                      [--l2 X] [--jitter J] [--blur-sigma S] [--blur-every K] [--seed S]\n"
            "                      [--init-std X] [--start zero|middle|mean] [--range LO,HI|none] [--inputs FILE]\n"
            "                      [--labels A,B,..] [--zoom Z] [--batch N] [--out FILE.png|DIR] [--threads N]\n"
            "                      [--quiet]\n\n"
            "What drives a unit: the input that maximises its activation, found by gradient\n"
            "ascent on the input from a small random start (Erhan et al. 2009; Simonyan et al.\n"
            "2014), with the regularisers of Yosinski et al. 2015, DeepDream and Olah et al. 2017\n"
            "(\"Feature Visualization\"): each step the input is rolled by up to J pixels, the\n"
            "gradient minus 2 l2 x is climbed, the input is clipped to the range the training\n"
            "inputs took after their scaling, and every K steps it is blurred. A run folder\n"
            "stands for its model.safetensors; the model must take images (1 or 3 channels).\n\n"
            "  --layer L        the layer as cajal record numbers it: 3 or 3_conv2d (the output of\n"
            "                   module 3). Take the conv/dense layer, not the ReLU after it: a unit\n"
            "                   at zero has no gradient to climb\n"
            "  --unit U         one unit (a dense unit or a conv channel)\n"
            "  --units SPEC     several, in a grid: 0,3,5 or 0-9 or all (at most 4096)\n"
            "  --at WHERE       a conv channel's mean over space (mean, default) or its value at\n"
            "                   the centre position (centre: one neuron); the same for dense units\n"
            "  --steps N        gradient steps (default 256)\n"
            "  --lr X           step size in input units (default: 5%% of the input range)\n"
            "  --optim O        adam (default) or normalized (x += lr g / mean|g|, as DeepDream)\n"
            "  --l2 X           weight of the penalty l2 ||x||^2 (default 0)\n"
            "  --jitter J       roll the input by up to J pixels each step (default 1; 0: none)\n"
            "  --blur-sigma S   Gaussian blur of S pixels ... (default 0.5; 0: none)\n"
            "  --blur-every K   ... after every K-th step (default 4)\n"
            "  --seed S         the random start and jitter (default 1): a seed fixes every image\n"
            "  --init-std X     sd of the random start (default: 1%% of the input range)\n"
            "  --start S        where the noise starts: zero (default; black for [0, 1] inputs),\n"
            "                   middle (the middle of the range: mid-grey, so the picture shows\n"
            "                   what darkens as well as what lights) or mean (the mean image of\n"
            "                   --inputs, Nguyen et al. 2016)\n"
            "  --range LO,HI    the box the input is clipped to, in input units (default: the\n"
            "                   training pixels' [0, 1] after the model's scaling; none for models\n"
            "                   trained on .npy data); none: no box\n"
            "  --inputs FILE    real stimuli (as for cajal record --inputs): each unit's mean and\n"
            "                   largest activation on them go into the table and under the grid\n"
            "  --labels LIST    names of the units, comma-separated, one per unit, for the grid\n"
            "  --zoom Z         picture pixels per input pixel, nearest (default 8)\n"
            "  --batch N        units per forward pass (default 64)\n"
            "  --out PATH       FILE.png: the picture (a grid for several units) with FILE.npy,\n"
            "                   FILE.csv and FILE_trace.npy beside it; else a folder with\n"
            "                   unit_U.png per unit, grid.png, inputs.npy, units.csv and trace.npy\n"
            "                   (default: maximize_LAYER/ beside the model file)\n"
            "  --threads N      BLAS threads (default 1)\n"
            "  --quiet          no progress lines\n\n"
            "Files and their shapes: docs/outputs.md\n");
}

typedef struct {
    const char *model, *layer, *unit, *units, *optim, *at, *range, *start;
    cj_maximize_job job;
    int threads, quiet;
} options;

static int number(const char *name, const char *v, double lo, double hi, float *out)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !isfinite(d) || d < lo || d > hi) {
        fprintf(stderr, "%s: %s '%s' is not a number from %g to %g\n", WHO, name, v, lo, hi);
        return 0;
    }
    *out = (float)d;
    return 1;
}

/* --range LO,HI or none; 0 ok, 2 printed */
static int parse_range(options *o)
{
    if (!strcmp(o->range, "none")) {
        o->job.range = -1;
        return 0;
    }
    const char *comma = strchr(o->range, ',');
    char lo[64];
    if (!comma || (size_t)(comma - o->range) >= sizeof lo) {
        fprintf(stderr, "%s: --range '%s' is not LO,HI or none\n", WHO, o->range);
        return 2;
    }
    snprintf(lo, sizeof lo, "%.*s", (int)(comma - o->range), o->range);
    if (!number("--range", lo, -1e30, 1e30, &o->job.lo) || !number("--range", comma + 1, -1e30, 1e30, &o->job.hi))
        return 2;
    if (!(o->job.lo < o->job.hi)) {
        fprintf(stderr, "%s: --range '%s': LO must be below HI\n", WHO, o->range);
        return 2;
    }
    o->job.range = 1;
    return 0;
}

/* One option with its value; 0 ok, 2 printed. */
static int set_option(options *o, const char *name, const char *v)
{
    cj_maximize_opts *m = &o->job.opts;
    if (!strcmp(name, "--layer")) o->layer = v;
    else if (!strcmp(name, "--unit")) o->unit = v;
    else if (!strcmp(name, "--units")) o->units = v;
    else if (!strcmp(name, "--at")) o->at = v;
    else if (!strcmp(name, "--optim")) o->optim = v;
    else if (!strcmp(name, "--range")) o->range = v;
    else if (!strcmp(name, "--start")) o->start = v;
    else if (!strcmp(name, "--inputs")) o->job.inputs = v;
    else if (!strcmp(name, "--labels")) o->job.labels = v;
    else if (!strcmp(name, "--out")) o->job.out = v;
    else if (!strcmp(name, "--steps")) return cj_brain_int(WHO, name, v, 1, 10000000, &m->steps) ? 0 : 2;
    else if (!strcmp(name, "--jitter")) return cj_brain_int(WHO, name, v, 0, 4096, &m->jitter) ? 0 : 2;
    else if (!strcmp(name, "--blur-every")) return cj_brain_int(WHO, name, v, 1, 10000000, &m->blur_every) ? 0 : 2;
    else if (!strcmp(name, "--zoom")) return cj_brain_int(WHO, name, v, 1, 64, &o->job.zoom) ? 0 : 2;
    else if (!strcmp(name, "--batch")) return cj_brain_int(WHO, name, v, 1, 4096, &o->job.batch) ? 0 : 2;
    else if (!strcmp(name, "--threads")) return cj_brain_int(WHO, name, v, 1, 1024, &o->threads) ? 0 : 2;
    else if (!strcmp(name, "--lr")) return number(name, v, 1e-30, 1e30, &m->lr) ? 0 : 2;
    else if (!strcmp(name, "--init-std")) return number(name, v, 1e-30, 1e30, &m->init_std) ? 0 : 2;
    else if (!strcmp(name, "--l2")) return number(name, v, 0, 1e30, &m->l2) ? 0 : 2;
    else if (!strcmp(name, "--blur-sigma")) return number(name, v, 0, 64, &m->blur_sigma) ? 0 : 2;
    else if (!strcmp(name, "--seed")) {
        if (!cj_cli_parse_u64(v, &m->seed)) {
            fprintf(stderr, "%s: --seed '%s' is not a whole number >= 0\n", WHO, v);
            return 2;
        }
    } else {
        fprintf(stderr, "%s: unknown option '%s' (see '%s --help')\n", WHO, name, WHO);
        return 2;
    }
    return 0;
}

static int parse(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    cj_maximize_defaults(&o->job.opts);
    o->job.opts.lr = 0;       /* 5% of the box unless given */
    o->job.opts.init_std = 0; /* 1% of the box unless given */
    o->job.zoom = 8;
    o->job.batch = 64;
    o->threads = 1;
    static const char *const valued[] = {"--layer", "--unit", "--units", "--at", "--steps", "--lr", "--optim",
                                         "--l2", "--jitter", "--blur-sigma", "--blur-every", "--seed", "--init-std",
                                         "--range", "--start", "--inputs", "--labels", "--zoom", "--batch", "--out",
                                         "--threads", NULL};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        char name[32];
        if (!strcmp(arg, "--quiet") || !strcmp(arg, "-q")) {
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
            int rc = set_option(o, name, v);
            if (rc) return rc;
        } else if (!o->model) {
            o->model = arg;
        } else {
            fprintf(stderr, "%s: unexpected argument '%s' (one model at a time)\n", WHO, arg);
            return 2;
        }
    }
    const char *problem = !o->model                ? "no model file given"
                          : !o->layer              ? "--layer L is needed"
                          : !o->unit && !o->units  ? "--unit U or --units SPEC is needed"
                          : o->unit && o->units    ? "give --unit or --units, not both"
                                                   : NULL;
    if (problem) {
        fprintf(stderr, "%s: %s\n", WHO, problem);
        usage(stderr);
        return 2;
    }
    if (o->at && !strcmp(o->at, "centre")) o->job.opts.at = CJ_MAXIMIZE_CENTRE;
    else if (o->at && !strcmp(o->at, "center")) o->job.opts.at = CJ_MAXIMIZE_CENTRE;
    else if (o->at && strcmp(o->at, "mean")) {
        fprintf(stderr, "%s: --at '%s' is not mean or centre\n", WHO, o->at);
        return 2;
    }
    if (o->optim && !strcmp(o->optim, "normalized")) o->job.opts.optim = CJ_MAXIMIZE_NORMALIZED;
    else if (o->optim && strcmp(o->optim, "adam")) {
        fprintf(stderr, "%s: --optim '%s' is not adam or normalized\n", WHO, o->optim);
        return 2;
    }
    if (o->start && !strcmp(o->start, "mean")) {
        if (!o->job.inputs) {
            fprintf(stderr, "%s: --start mean starts from the mean image of --inputs FILE: give it\n", WHO);
            return 2;
        }
        o->job.start = CJ_MAXIMIZE_START_MEAN;
    } else if (o->start && !strcmp(o->start, "middle")) {
        o->job.start = CJ_MAXIMIZE_START_MIDDLE;
    } else if (o->start && strcmp(o->start, "zero")) {
        fprintf(stderr, "%s: --start '%s' is not zero, middle or mean\n", WHO, o->start);
        return 2;
    }
    if (o->unit) {
        /* --unit is --units of one: a list or range is refused here */
        if (strspn(o->unit, "0123456789") != strlen(o->unit) || !*o->unit) {
            fprintf(stderr, "%s: --unit '%s' is not a whole number >= 0 (several: --units)\n", WHO, o->unit);
            return 2;
        }
        o->job.units = o->unit;
    } else {
        o->job.units = o->units;
    }
    return o->range ? parse_range(o) : 0;
}

static int progress(void *user, long done, long total)
{
    cj_brain_progress_tick(user, done, total);
    return 0;
}

int cj_cmd_maximize(int argc, char **argv)
{
    if (cj_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    options o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc;
    openblas_set_num_threads(o.threads);
    struct stat sb;
    int is_dir = stat(o.model, &sb) == 0 && S_ISDIR(sb.st_mode);
    char *model = is_dir ? cj_path_join(o.model, "model.safetensors") : strdup(o.model);
    if (!model) {
        fprintf(stderr, "%s: out of memory\n", WHO);
        return 1;
    }
    cj_brain_progress pr;
    cj_brain_progress_start(&pr, WHO, "unit-steps", o.quiet);
    o.job.model_path = model;
    o.job.layer = o.layer;
    o.job.progress = progress;
    o.job.user = &pr;
    double t0 = cj_brain_now();
    cj_maximize_report rep;
    cj_error err;
    if (cj_maximize_model_file(&o.job, &rep, &err)) {
        fprintf(stderr, "%s: %s\n", WHO, err.msg);
        rc = 1;
    } else {
        printf("%s: %d unit%s of layer %s, %d steps in %.1f s; final activation %.4g", WHO, rep.n_units,
               rep.n_units == 1 ? "" : "s", rep.layer_name, o.job.opts.steps, cj_brain_now() - t0, rep.worst);
        if (rep.n_units > 1) printf(" to %.4g", rep.best);
        printf("; wrote %s\n", rep.figure ? rep.figure : "(no picture)");
        cj_maximize_report_free(&rep);
    }
    free(model);
    return rc;
}
