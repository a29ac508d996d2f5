/* cmd_analyze.c — `cajal analyze <analysis> RUN_DIR|MODEL [--out DIR]
 * [--trials N] [--seed S] [--batch N] [--threads N] [analysis options]`:
 * study a network trained on tasks like a recorded brain. The model file
 * says how to rebuild the network and its tasks; the trials are made
 * afresh from the seed (by default the run's own test trials). Each
 * analysis is one file, analyze_<name>.c (analyze.h). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze.h"
#include "args.h"
#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/npy.h"
#include "commands.h"

/* What an analysis needs recorded while the network runs. */
enum { NEEDS_OUTPUTS = 1, NEEDS_RATES = 2, NEEDS_STATES = 4 };

static const struct {
    const char *name;
    cj_analysis_fn run;
    unsigned needs;      /* NEEDS_*: the outputs, the first recurrent layer's rates or its states */
    const char *summary;
    const char *options; /* its own options, for usage and checking: "--compare" */
} ANALYSES[] = {
    {"trials", cj_analyze_trials, NEEDS_OUTPUTS, "example trials: inputs, targets and the network's outputs (PNG)",
     "--task"},
    {"psychometric", cj_analyze_psychometric, 0,
     "choices against signed coherence per context and modality, with logistic fits", "--compare --task"},
    {"pca", cj_analyze_pca, NEEDS_RATES,
     "condition-averaged hidden-state trajectories in the top principal components", "--task"},
    {"fixedpoints", cj_analyze_fixedpoints, NEEDS_STATES,
     "fixed and slow points (Sussillo & Barak 2013) with their Jacobian spectra, over the trajectories",
     "--condition --inits --q --task"},
    {"tdr", cj_analyze_tdr, NEEDS_RATES,
     "targeted dimensionality reduction (Mante et al. 2013): the task axes of the units", "--pcs --task"},
    {"taskvariance", cj_analyze_taskvariance, NEEDS_RATES,
     "each unit's variance across conditions per task, units clustered (Yang et al. 2019, Fig. 2)", ""},
    {"lesion", cj_analyze_lesion, 0, "silence units (a cluster, a random set, a list) and measure every task again",
     "--units"},
};
enum { N_ANALYSES = sizeof ANALYSES / sizeof ANALYSES[0] };

static void usage(FILE *f)
{
    fprintf(f, "usage: cajal analyze <analysis> RUN_DIR|MODEL.safetensors [--out DIR] [--trials N] [--seed S]\n"
               "                     [--batch N] [--threads N] [analysis options]\n\n"
               "Study a network trained on tasks (data.format = task) as a recorded brain: the model\n"
               "file rebuilds the network and its tasks, and the analysis runs it on new trials made\n"
               "from --seed (default: the training seed, which gives the run's test trials).\n\n"
               "analyses:\n");
    for (int i = 0; i < N_ANALYSES; i++) fprintf(f, "  %-13s %s\n", ANALYSES[i].name, ANALYSES[i].summary);
    fprintf(f, "\n  --out DIR     output folder (default: RUN_DIR/<analysis>, or <analysis> beside MODEL)\n"
               "  --trials N    trials to run (default 2000)\n"
               "  --seed S      seed of the trials (default: the training seed)\n"
               "  --batch N     trials per forward pass (default 256)\n"
               "  --threads N   BLAS threads (default 1)\n"
               "  --task NAME   trials of this one of the model's tasks only (trials, psychometric, pca,\n"
               "                tdr, fixedpoints; default: the single-task analyses study the first of\n"
               "                data.task); trials takes a list, fdgo,fdanti: one example of each\n"
               "  psychometric: --compare FILE  overlay monkeys' choices from a trial CSV\n"
               "                (e.g. ../shared/data/roitman2002/roitman_rts.csv)\n"
               "  fixedpoints:  --condition K   hold the input of condition K (default: each context's\n"
               "                zero-coherence input), --inits N initial states (default 256),\n"
               "                --q Q  slow points kept up to q = Q (default: 1/100 of the median q of\n"
               "                the states the network visits on the task)\n"
               "  tdr:          --pcs K  principal components that denoise the axes (default 12)\n"
               "  lesion:       --units SET  the units to silence: cluster:K (taskvariance's clusters.csv),\n"
               "                random:N (N units drawn from --seed) or a list 3,17,20\n\n"
               "Outputs (CSV, JSON, .npy, PNG) and their columns: docs/analysis.md\n");
}

const char *cj_analysis_option(const cj_analysis *a, const char *name)
{
    for (int i = 0; i < a->n_opts; i++)
        if (!strcmp(a->opt_names[i], name)) return a->opt_values[i];
    return NULL;
}

char *cj_analysis_path(const cj_analysis *a, const char *name) { return cj_path_join(a->out_dir, name); }

cj_status cj_analysis_write_text(const cj_analysis *a, const char *name, const char *text, size_t len,
                                 cj_error *err)
{
    char *path = cj_analysis_path(a, name);
    cj_status st = path ? cj_write_file_atomic(path, text, len, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(path);
    return st;
}

cj_status cj_analysis_write_npy(const cj_analysis *a, const char *name, int ndim, const int64_t *shape,
                                const double *data, cj_error *err)
{
    size_t n = 1;
    for (int d = 0; d < ndim; d++) n *= (size_t)shape[d];
    float *f = malloc(sizeof(float) * (n ? n : 1));
    char *path = cj_analysis_path(a, name);
    cj_status st;
    if (!f || !path) {
        st = cj_fail(err, CJ_ERR_NOMEM, "out of memory writing %s", name);
    } else {
        for (size_t i = 0; i < n; i++) f[i] = (float)data[i];
        st = cj_npy_write_f32(path, ndim, shape, f, err);
    }
    free(f);
    free(path);
    return st;
}

cj_status cj_analysis_write_figure(const cj_analysis *a, const cj_figure *fig, const char *name, cj_error *err)
{
    char *path = cj_analysis_path(a, name);
    cj_status st = path ? cj_figure_write(fig, path, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(path);
    return st;
}

/* Run the network on the trials, recording what analysis k needs, and
 * hand the run to it. 0 ok, 1 failure (printed). */
static int run_analysis(cj_analysis *a, int k)
{
    unsigned needs = ANALYSES[k].needs;
    if ((needs & (NEEDS_RATES | NEEDS_STATES)) && a->recurrent < 0) {
        fprintf(stderr, "%s: %s has no recurrent layer\n", a->who, a->model_path);
        return 1;
    }
    cj_task_run_options o = {.layer = needs & NEEDS_RATES ? a->recurrent : -1,
                             .state_layer = needs & NEEDS_STATES ? a->recurrent : -1,
                             .keep_outputs = (needs & NEEDS_OUTPUTS) != 0};
    cj_task_run run;
    cj_error err = {0};
    cj_status st = cj_task_run_model(&a->model, &a->src, a->trials, &o, &run, &err);
    if (!st) {
        st = ANALYSES[k].run(a, &run, &err);
        cj_task_run_free(&run);
    }
    if (st) fprintf(stderr, "%s: %s\n", a->who, err.msg);
    return st ? 1 : 0;
}

static int first_recurrent(const cj_model *m)
{
    for (int i = 0; i < m->n_layers; i++)
        if (cj_layer_is_recurrent(&m->layers[i])) return i;
    return -1;
}

/* 0 ok, 1 help, 2 usage error (printed). */
static int parse_args(int argc, char **argv, int analysis, cj_analysis *a, const char **run_arg, int *threads)
{
    char known[64];
    snprintf(known, sizeof known, " %s ", ANALYSES[analysis].options);
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 1;
        }
        if (arg[0] != '-' || !arg[1]) {
            if (*run_arg) {
                fprintf(stderr, "%s: unexpected argument '%s' (one run at a time)\n", a->who, arg);
                return 2;
            }
            *run_arg = arg;
            continue;
        }
        char name[32];
        const char *v;
        if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
            fprintf(stderr, "%s: option '%s' needs a value (see 'cajal analyze --help')\n", a->who, arg);
            return 2;
        }
        char *end;
        long n = strtol(v, &end, 10);
        int whole = end != v && !*end;
        if (!strcmp(name, "--out")) {
            a->out_dir = v;
        } else if (!strcmp(name, "--trials") || !strcmp(name, "--batch") || !strcmp(name, "--threads")) {
            if (!whole || n < 1 || n > 10000000) {
                fprintf(stderr, "%s: %s '%s' is not a whole number from 1 to 10000000\n", a->who, name, v);
                return 2;
            }
            if (name[2] == 't' && name[3] == 'r') a->trials = (int)n;
            else if (name[2] == 'b') a->batch = (int)n;
            else *threads = (int)n;
        } else if (!strcmp(name, "--seed")) {
            if (!cj_cli_parse_u64(v, &a->seed)) {
                fprintf(stderr, "%s: --seed '%s' is not a whole number >= 0\n", a->who, v);
                return 2;
            }
            a->seed_given = 1;
        } else {
            char padded[40];
            snprintf(padded, sizeof padded, " %s ", name);
            if (!strstr(known, padded) || a->n_opts == CJ_ANALYSIS_MAX_OPTIONS) {
                fprintf(stderr, "%s: unknown option '%s' (see 'cajal analyze --help')\n", a->who, name);
                return 2;
            }
            a->opt_names[a->n_opts] = strdup(name);
            a->opt_values[a->n_opts++] = v;
        }
    }
    if (!*run_arg) {
        fprintf(stderr, "%s: no run folder or model file given\n", a->who);
        usage(stderr);
        return 2;
    }
    return 0;
}

/* --task LIST: the trials drawn among those tasks of the model only
 * (cj_source_task_set_active); the first is the one the single-task
 * analyses study. A name matches every data.task item of that name. An
 * unknown name lists the model's tasks. 1 ok, 0 failure (printed). */
static int select_tasks(cj_analysis *a, const char *analysis)
{
    const char *list = cj_analysis_option(a, "--task");
    if (!list) return 1;
    int n_tasks;
    const cj_task *tasks = cj_source_tasks(&a->src, &n_tasks);
    int named = 0;
    a->task = -1;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        int found = 0;
        for (int k = 0; k < n_tasks; k++)
            if (len && strlen(tasks[k].name) == len && !strncmp(tasks[k].name, p, len)) {
                if (a->task < 0) a->task = k;
                a->task_set |= (uint32_t)1 << k;
                found = 1;
            }
        if (!found) {
            char known[CJ_TASK_SPEC_MAX];
            size_t used = 0;
            known[0] = '\0';
            for (int k = 0; k < n_tasks && used < sizeof known; k++)
                used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", tasks[k].name);
            fprintf(stderr, "%s: --task '%.*s' is not a task of %s (it was trained on %s)\n", a->who, (int)len, p,
                    a->model_path, known);
            return 0;
        }
        named++;
        p += len;
        if (*p == ',') p++;
    }
    if (named > 1 && strcmp(analysis, "trials")) {
        fprintf(stderr, "%s: --task '%s' names %d tasks; %s studies one at a time\n", a->who, list, named, analysis);
        return 0;
    }
    cj_source_task_set_active(&a->src, a->task_set);
    return 1;
}

/* The model, its trials and the output folder. */
static int open_analysis(cj_analysis *a, const char *run_arg, const char *analysis, char **out_alloc)
{
    struct stat sb;
    int is_dir = stat(run_arg, &sb) == 0 && S_ISDIR(sb.st_mode);
    a->model_path = is_dir ? cj_path_join(run_arg, "model.safetensors") : strdup(run_arg);
    if (!a->out_dir) {
        char *dir = is_dir ? strdup(run_arg) : NULL;
        if (!is_dir) {
            const char *slash = strrchr(run_arg, '/');
            dir = slash ? strndup(run_arg, (size_t)(slash - run_arg)) : strdup(".");
        }
        *out_alloc = dir ? cj_path_join(dir, analysis) : NULL;
        free(dir);
        a->out_dir = *out_alloc;
    }
    cj_error err = {0};
    cj_model_info info;
    if (!a->model_path || !a->out_dir) {
        fprintf(stderr, "%s: out of memory\n", a->who);
        return 0;
    }
    if (cj_model_file_info(a->model_path, &info, &err)) {
        fprintf(stderr, "%s: %s\n", a->who, err.msg);
        return 0;
    }
    if (!a->seed_given) a->seed = info.seed;
    if (cj_model_file_open_task(a->model_path, a->trials, a->seed, CJ_TASK_STREAM_TEST, a->batch, &a->model,
                                &a->info, &a->src, &err)) {
        fprintf(stderr, "%s: %s%s\n", a->who, err.msg,
                err.code == CJ_ERR_ARG ? " (cajal analyze studies networks trained with data.format = task)" : "");
        return 0;
    }
    a->opened = 1;
    if (!select_tasks(a, analysis)) return 0;
    a->recurrent = first_recurrent(&a->model);
    if (cj_make_dirs(a->out_dir, &err)) {
        fprintf(stderr, "%s: %s\n", a->who, err.msg);
        return 0;
    }
    return 1;
}

int cj_cmd_analyze(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    int k = 0;
    while (k < N_ANALYSES && strcmp(argv[1], ANALYSES[k].name)) k++;
    if (k == N_ANALYSES) {
        fprintf(stderr, "cajal analyze: unknown analysis '%s' (expected trials, psychometric, pca, fixedpoints, "
                "tdr, taskvariance or lesion)\n", argv[1]);
        return 2;
    }
    char who[64];
    snprintf(who, sizeof who, "cajal analyze %s", ANALYSES[k].name);
    cj_analysis a = {.who = who, .trials = 2000, .batch = 256};
    const char *run_arg = NULL;
    int threads = 1;
    int code = parse_args(argc, argv, k, &a, &run_arg, &threads);
    char *out_alloc = NULL;
    if (!code) {
        openblas_set_num_threads(threads);
        code = open_analysis(&a, run_arg, ANALYSES[k].name, &out_alloc) ? run_analysis(&a, k) : 1;
    } else {
        code = code == 1 ? 0 : 2;
    }
    if (a.opened) {
        cj_model_free(&a.model);
        cj_source_free(&a.src);
    }
    for (int i = 0; i < a.n_opts; i++) free((char *)a.opt_names[i]);
    free(a.model_path);
    free(out_alloc);
    return code;
}
