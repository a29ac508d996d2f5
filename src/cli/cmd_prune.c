/* cmd_prune.c — `cajal prune RUN --out DIR [--rounds N] [--rate R]
 * [--rewind E] [--scope layer|global] [...]`: iterative magnitude pruning
 * of a trained run to lottery tickets, with the random re-initialisation
 * control (include/cajal/prune.h; docs/codes.md). */
#include <cblas.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "brain_cli.h"
#include "cajal/prune.h"
#include "commands.h"

static const char WHO[] = "cajal prune";

/* The signal that asked the run to stop (0 = none): a handler can only
 * reach a file-scope object; the trainer polls it between steps. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal prune RUN --out DIR [--rounds N] [--rate R] [--output-rate R] [--rewind E]\n"
            "                   [--scope layer|global] [--random-mask] [--seed S] [--threads N]\n"
            "                   [--force] [--quiet]\n\n"
            "Iterative magnitude pruning of a trained run to lottery tickets (Frankle & Carbin\n"
            "2019): each round removes R of the remaining weights with the smallest |w|, resets\n"
            "the survivors to the run's weights after epoch E and retrains them with the run's\n"
            "own experiment; the same mask from a fresh random initialisation is trained beside\n"
            "it as the control. Biases are never pruned.\n\n"
            "  RUN             a cajal train run folder (config.ini, metrics.jsonl, model.safetensors),\n"
            "                  trained with train.checkpoints = true, whose checkpoints/epoch_000\n"
            "                  holds the initial weights --rewind 0 needs\n"
            "  --out DIR       rounds.csv, lottery.png and round_NN/{ticket,control,random}/ (each a\n"
            "                  cajal train run folder, its masked start as init.safetensors)\n"
            "  --rounds N      pruning rounds (default 10; 1 to 100)\n"
            "  --rate R        fraction of the remaining weights removed per round (default 0.2)\n"
            "  --output-rate R the same for the output layer (default R/2, as Frankle & Carbin)\n"
            "  --rewind E      survivors restart from the weights after epoch E (default 0: the\n"
            "                  initialisation; E > 0 needs checkpoints/epoch_EEE)\n"
            "  --scope S       layer (default): each weight tensor loses R of its own weights;\n"
            "                  global: the hidden layers' weights are ranked together\n"
            "  --random-mask   also train a random mask of the same per-layer sparsity each round\n"
            "  --seed S        the controls' initialisations and random masks (default 1)\n"
            "  --threads N     BLAS threads (default 1); the seeds and N fix every number\n"
            "  --force         DIR holds a prune run already: replace it\n"
            "  --quiet         no progress lines\n\n"
            "Ctrl-C stops before the next training step; rounds.csv keeps the finished rounds.\n"
            "Files and columns: docs/outputs.md\n");
}

typedef struct {
    cj_prune_opts o;
    int threads, quiet;
} options;

/* A fraction: above 0 (or at 0 when zero_ok) and below 1. */
static int parse_fraction(const char *name, const char *v, int zero_ok, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || !isfinite(x) || x >= 1.0 || (zero_ok ? x < 0.0 : x <= 0.0)) {
        fprintf(stderr, "%s: %s '%s' is not a number %s 0 and below 1\n", WHO, name, v, zero_ok ? "from" : "above");
        return 0;
    }
    *out = x;
    return 1;
}

static int set_option(options *p, const char *name, const char *v)
{
    cj_prune_opts *o = &p->o;
    cj_error err;
    if (!strcmp(name, "--out")) o->out_dir = v;
    else if (!strcmp(name, "--rounds")) return cj_brain_int(WHO, name, v, 1, 100, &o->rounds) ? 0 : 2;
    else if (!strcmp(name, "--rewind")) return cj_brain_int(WHO, name, v, 0, 2147483647, &o->rewind) ? 0 : 2;
    else if (!strcmp(name, "--threads")) return cj_brain_int(WHO, name, v, 1, 1024, &p->threads) ? 0 : 2;
    else if (!strcmp(name, "--rate")) return parse_fraction(name, v, 0, &o->rate) ? 0 : 2;
    else if (!strcmp(name, "--output-rate")) return parse_fraction(name, v, 1, &o->output_rate) ? 0 : 2;
    else if (!strcmp(name, "--scope")) {
        if (cj_prune_scope_parse(v, &o->scope, &err)) {
            fprintf(stderr, "%s: %s\n", WHO, err.msg);
            return 2;
        }
    } else if (!strcmp(name, "--seed") && !cj_cli_parse_u64(v, &o->seed)) {
        fprintf(stderr, "%s: --seed '%s' is not a whole number >= 0\n", WHO, v);
        return 2;
    }
    return 0;
}

/* cj_brain_parse_args' callback: a flag (value NULL) or a valued option. */
static int set_arg(void *ctx, const char *name, const char *v)
{
    options *p = ctx;
    if (!v) {
        if (!strcmp(name, "--force")) p->o.force = 1;
        else p->o.random_mask = 1;
        return 0;
    }
    return set_option(p, name, v);
}

static int parse(int argc, char **argv, options *p)
{
    memset(p, 0, sizeof *p);
    cj_prune_opts_default(&p->o);
    p->threads = 1;
    static const char *const valued[] = {"--out", "--rounds", "--rate", "--output-rate", "--rewind", "--scope",
                                         "--seed", "--threads", NULL};
    static const char *const flags[] = {"--force", "--random-mask", NULL};
    cj_brain_args a = {WHO, valued, flags, "one run folder", set_arg, p};
    int rc = cj_brain_parse_args(&a, argc, argv, &p->o.run_dir, &p->quiet);
    if (rc) return rc;
    const char *problem = !p->o.run_dir ? "no run folder given" : !p->o.out_dir ? "--out DIR is needed" : NULL;
    if (problem) {
        fprintf(stderr, "%s: %s\n", WHO, problem);
        usage(stderr);
        return 2;
    }
    return 0;
}

static void on_trained(int round, cj_prune_net net, double acc, double seconds, void *user)
{
    const options *p = user;
    if (!p->quiet)
        fprintf(stderr, "%s: round %d/%d %s: test accuracy %.2f%% (%.1f s)\n", WHO, round, p->o.rounds,
                cj_prune_net_name(net), 100.0 * acc, seconds);
}

static void on_round(const cj_prune_row *r, void *user)
{
    const options *p = user;
    if (p->quiet) return;
    fprintf(stderr, "%s: round %d/%d: %.2f%% of the weights left (", WHO, r->round, r->rounds,
            100.0 * r->remaining_total);
    for (int i = 0; i < r->n_tensors; i++)
        fprintf(stderr, "%s%s %.1f%%", i ? ", " : "", r->names[i], 100.0 * r->remaining[i]);
    if (r->round == 0) fprintf(stderr, "): dense test accuracy %.2f%%\n", 100.0 * r->ticket_acc);
    else fprintf(stderr, "): ticket %.2f%%, control %.2f%%\n", 100.0 * r->ticket_acc, 100.0 * r->control_acc);
}

int cj_cmd_prune(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    options p;
    int rc = parse(argc, argv, &p);
    if (rc) return rc;
    openblas_set_num_threads(p.threads);
    struct sigaction sa, old[2];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    sigaction(SIGINT, &sa, &old[0]);
    sigaction(SIGTERM, &sa, &old[1]);
    cj_prune_callbacks cb = {on_trained, on_round, {.stop = &stop_signal}, &p};
    double t0 = cj_brain_now();
    cj_error err = {0};
    cj_status st = cj_prune(&p.o, &cb, &err);
    sigaction(SIGINT, &old[0], NULL);
    sigaction(SIGTERM, &old[1], NULL);
    if (st) {
        fprintf(stderr, "%s: %s\n", WHO, err.msg);
        return st == CJ_ERR_INTERRUPTED && stop_signal ? 128 + stop_signal : 1;
    }
    if (!p.quiet)
        fprintf(stderr, "%s: %d rounds in %.1f s -> %s/rounds.csv, %s/lottery.png\n", WHO, p.o.rounds,
                cj_brain_now() - t0, p.o.out_dir, p.o.out_dir);
    return 0;
}
