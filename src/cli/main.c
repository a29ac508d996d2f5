/* main.c — the `cajal` command: dispatch to a subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cajal/blas.h"
#include "commands.h"


static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} COMMANDS[] = {
    {"train", cj_cmd_train, "train a network from an experiment file"},
    {"eval", cj_cmd_eval, "evaluate a saved model on a test set, from the model file alone"},
    {"record", cj_cmd_record, "record every layer of a saved model on a set of stimuli, as .npy"},
    {"plot", cj_cmd_plot, "plot learning curves and alignment angles of runs"},
    {"ephys", cj_cmd_ephys, "neural-data tools (simulate recording sessions)"},
    {"match", cj_cmd_match, "track the same neurons across recording sessions"},
    {"decode", cj_cmd_decode, "decode a label from spike rasters over time (population decoding)"},
    {"rsa", cj_cmd_rsa, "compare model layers with brain RDMs (RSA): table, intervals, noise ceiling, figures"},
    {"tasks", cj_cmd_tasks, "list the cognitive tasks networks train on, or show one in full"},
    {"analyze", cj_cmd_analyze, "study a network trained on tasks like a brain (psychometrics, fixed points, ...)"},
    {"cka", cj_cmd_cka, "layer-by-layer similarity of two models' activations (CKA, Procrustes, CCA)"},
    {"predict", cj_cmd_predict, "how well each layer predicts recorded units (cross-validated ridge, ceiled)"},
    {"maximize", cj_cmd_maximize, "what drives a unit: its preferred input by gradient ascent, as PNGs"},
    {"tuning", cj_cmd_tuning, "tuning curves of units to a stimulus variable: selectivity, preferred level/direction"},
    {"lesion", cj_cmd_lesion, "silence units of an image model's layer; accuracy and RDM fit again, against random lesions"},
    {"hopfield", cj_cmd_hopfield, "associative memory: Hopfield capacity sweep (0.138 N) and modern Hopfield image retrieval"},
    {"patches", cj_cmd_patches, "random natural-image patches, PCA/ZCA or Olshausen 1/f whitened, for ICA and sparse coding"},
    {"sparsecode", cj_cmd_sparsecode, "Olshausen & Field sparse coding (FISTA or LCA), dictionary and sparsity statistics"},
    {"prune", cj_cmd_prune, "iterative magnitude pruning to lottery tickets, against random re-initialisation"},
    {"ica", cj_cmd_ica, "independent component analysis: extended infomax or FastICA, filters and Gabor fits"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: cajal [--version] [--help] <command> [<args>]\n\n"
               "cajal %s — a deep learning framework for neuroscience.\n\ncommands:\n", CJ_VERSION);
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(f, "  %-8s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(f, "\nRun 'cajal <command> --help' for a command's options.\n");
}

/* Under LeakSanitizer (make test SANITIZE=1), ignore fontconfig's one-time
 * allocations made when cairo first draws text: they are not ours and not
 * growing. Without a sanitizer this function is never called. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

/* OpenBLAS fixes its kernels when it loads, so a better choice needs a new
 * process: restart once with OPENBLAS_CORETYPE set (include/cajal/blas.h).
 * A user's own OPENBLAS_CORETYPE is left alone, and after the restart it is
 * set, so this never loops. If exec fails, run on with the old kernels. */
static void use_best_blas_kernels(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE")) return;
    const char *better = cj_blas_upgrade();
    if (!better) return;
    setenv(CJ_CLI_BLAS_DETECTED_ENV, cj_blas_kernels(), 1);
    setenv("OPENBLAS_CORETYPE", better, 1);
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv(CJ_CLI_BLAS_DETECTED_ENV);
}

static void print_version(void)
{
    printf("cajal %s\n", CJ_VERSION);
    const char *detected = getenv(CJ_CLI_BLAS_DETECTED_ENV);
    printf("blas: OpenBLAS %s kernels", cj_blas_kernels());
    if (detected) printf(" (chosen by cajal for this CPU; OpenBLAS alone picked %s)", detected);
    else if (getenv("OPENBLAS_CORETYPE")) printf(" (OPENBLAS_CORETYPE)");
    printf("\n");
    cj_cli_note_blas(stdout, "blas");
}

int main(int argc, char **argv)
{
    use_best_blas_kernels(argv);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        print_version();
        return 0;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (!strcmp(argv[1], COMMANDS[i].name)) return COMMANDS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "cajal: unknown command '%s' (see 'cajal --help')\n", argv[1]);
    return 2;
}
