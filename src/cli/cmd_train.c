/* cmd_train.c — `cajal train EXPERIMENT.ini [--set k=v]... [--out DIR]
 * [--force] [--threads N]` and `cajal train --resume DIR`. */
#include <cblas.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cajal/blas.h"
#include "cajal/data.h"
#include "cajal/files.h"
#include "cajal/rbm.h"
#include "cajal/train.h"
#include "commands.h"

/* The signal that asked the run to stop (0 = none). A signal handler can
 * only reach a file-scope object; the library sees it through
 * cj_train_callbacks.stop and polls it between steps. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

/* Ctrl-C or SIGTERM: finish the current step, keep the last whole epoch on
 * disk and exit 128 + signal. SA_RESETHAND restores the default action, so
 * a second Ctrl-C kills at once. */
static void catch_stop_signals(struct sigaction old[2])
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    sigaction(SIGINT, &sa, &old[0]);
    sigaction(SIGTERM, &sa, &old[1]);
}

static void restore_signals(const struct sigaction old[2])
{
    sigaction(SIGINT, &old[0], NULL);
    sigaction(SIGTERM, &old[1], NULL);
}

/* runs/<experiment file name without its extension> (allocated). */
static char *default_out_dir(const char *config)
{
    const char *slash = strrchr(config, '/');
    const char *base = slash ? slash + 1 : config, *dot = strrchr(base, '.');
    int len = dot && dot > base ? (int)(dot - base) : (int)strlen(base);
    return cj_path_printf("runs/%.*s", len, base);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal train EXPERIMENT.ini [--set section.key=value]... [--out DIR] [--force]\n"
            "                   [--threads N] [--quiet]\n"
            "       cajal train --resume DIR [--set train.epochs=N] [--set train.steps=N] [--threads N] [--quiet]\n\n"
            "Train the network an experiment file describes. After every epoch DIR gets\n"
            "metrics.jsonl (one JSON object per epoch), model.safetensors (PyTorch names) and\n"
            "train_state.safetensors (what --resume needs).\n\n"
            "  --set K=V     override a key of the experiment file, e.g. --set rule.name=fa\n"
            "  --out DIR     output folder (default: runs/<experiment name>)\n"
            "  --force       DIR holds a run already: replace it (its files are removed)\n"
            "  --resume DIR  continue the run in DIR after its last finished epoch, with its\n"
            "                experiment (DIR/config.ini) and the numbers an uninterrupted run gives;\n"
            "                --set may only raise train.epochs (not with optim.schedule = cosine)\n"
            "                or change train.steps. A finished run trains nothing and exits 0\n"
            "  --threads N   BLAS threads (default: from the sizes of the model's matrix products,\n"
            "                one per 16 MFLOP of a typical product, at most one per core); a seed and\n"
            "                N fix every number, also across --resume\n"
            "  --quiet       no progress bar and no per-epoch summary\n\n"
            "A folder that holds a run is refused without --resume or --force.\n"
            "model.layers = rbm H trains a restricted Boltzmann machine instead ([rbm] keys):\n"
            "docs/codes.md.\n"
            "Ctrl-C stops before the next step and keeps the last finished epoch in the files\n"
            "(exit status 130); a second Ctrl-C stops at once.\n"
            "Keys and their defaults: docs/experiment-file.md\n");
}

typedef struct {
    int tty;
    int quiet;
    const char *out;  /* the run folder, for messages */
    int done;         /* a resumed run had nothing left to train */
    const cj_experiment *e;  /* for the curriculum's stages */
} progress_state;

static void on_step(const cj_train_progress *p, void *user)
{
    progress_state *s = user;
    if (!s->tty || s->quiet) return;
    /* Redraw about 100 times an epoch: terminal writes are slow. */
    long every = p->batches_per_epoch / 100 + 1;
    if (p->batch_in_epoch % every && p->batch_in_epoch != p->batches_per_epoch) return;
    int width = 30, filled = (int)(width * p->batch_in_epoch / p->batches_per_epoch);
    fprintf(stderr, "\repoch %d/%d", p->epoch, p->epochs);
    if (p->stages) fprintf(stderr, "  stage %d/%d", p->stage, p->stages);
    fputs(" [", stderr);
    for (int i = 0; i < width; i++) fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %ld/%ld  loss %.4f ", p->batch_in_epoch, p->batches_per_epoch, p->loss);
    fflush(stderr);
}

/* A curriculum stage done: why, and what the next one trains. */
static void note_stage_end(const cj_epoch_report *r, const cj_experiment *e)
{
    const int next = r->stage + 1;
    fprintf(stderr, "cajal train: stage %d/%d done at epoch %d (", r->stage, r->stages, r->epoch);
    if (r->stage_end == CJ_STAGE_REACHED)
        fprintf(stderr, "every task of it at curriculum.stage%d_until = %g", r->stage, e->stages[r->stage - 1].until);
    else
        fprintf(stderr, "curriculum.stage%d_max_epochs = %d trained", r->stage, e->stages[r->stage - 1].max_epochs);
    if (next == r->stages) fprintf(stderr, "): stage %d trains every task of data.task\n", next);
    else fprintf(stderr, "): stage %d trains %s\n", next, e->stages[next - 1].tasks);
}

/* One readable line per epoch; the full record is in metrics.jsonl. */
static void on_epoch(const cj_epoch_report *r, void *user)
{
    progress_state *s = user;
    /* Why a run ends early is said even with --quiet. */
    static const char REACHED[] = "cajal train: every task reached train.stop_at_performance at epoch %d: done\n";
    if (s->quiet) {
        if (r->reached) fprintf(stderr, REACHED, r->epoch);
        return;
    }
    if (s->tty) fprintf(stderr, "\r\033[K");
    fprintf(stderr, "epoch %d/%d", r->epoch, r->epochs);
    if (r->stages) fprintf(stderr, "  stage %d/%d", r->stage, r->stages);
    fprintf(stderr, "  train loss %.4f", r->train_loss);
    /* Only what the run has: no validation part, no test set, or value
     * targets (no accuracy) leave their numbers out. */
    if (isfinite(r->val_loss)) fprintf(stderr, "  val loss %.4f", r->val_loss);
    if (isfinite(r->val_acc)) fprintf(stderr, "  val acc %.2f%%", 100 * r->val_acc);
    if (isfinite(r->test_loss)) fprintf(stderr, "  test loss %.4f", r->test_loss);
    if (isfinite(r->test_acc)) fprintf(stderr, "  test acc %.2f%%", 100 * r->test_acc);
    /* A task's performance is what a user trains for: per task, up to a
     * few; beyond that the mean and the worst. */
    if (r->n_tasks > 0 && r->n_tasks <= 3) {
        for (int k = 0; k < r->n_tasks; k++)
            fprintf(stderr, "  %s %.1f%%", r->task_names[k], 100 * r->performance[k]);
    } else if (r->n_tasks > 3) {
        /* A task with no test trial (a small test set) has no performance:
         * the mean and the worst are over the tasks that have one. */
        double sum = 0, worst = 2;
        int w = -1, measured = 0;
        for (int k = 0; k < r->n_tasks; k++) {
            if (!isfinite(r->performance[k])) continue;
            sum += r->performance[k];
            measured++;
            if (r->performance[k] < worst) worst = r->performance[k], w = k;
        }
        if (measured)
            fprintf(stderr, "  performance: mean %.1f%%, worst %s %.1f%%", 100 * sum / measured, r->task_names[w],
                    100 * worst);
        if (measured < r->n_tasks)
            fprintf(stderr, " (%d of %d tasks had no test trial)", r->n_tasks - measured, r->n_tasks);
    }
    fprintf(stderr, "  %.0f samples/s", r->samples_per_s);
    /* Backprop's update is the gradient: its angle to itself says nothing. */
    if (s->e->rule.kind != &cj_rule_bp && r->diag->n > 0) {
        fputs("  align", stderr);
        for (int k = 0; k < r->diag->n; k++) fprintf(stderr, "%s%.0f", k ? "/" : " ", r->diag->align_deg[k]);
        fputs(" deg", stderr);
    }
    fputc('\n', stderr);
    if (r->stage_end != CJ_STAGE_GOES_ON) note_stage_end(r, s->e);
    if (r->reached) fprintf(stderr, REACHED, r->epoch);
}

/* Where a resumed run continues; a finished one is said even with --quiet,
 * since nothing else explains a run that trains nothing. */
static void on_resume(const cj_resume_report *r, void *user)
{
    progress_state *s = user;
    s->done = r->done;
    if (r->done && r->reached)
        fprintf(stderr, "cajal train: %s holds a finished run: every task reached train.stop_at_performance at "
                "epoch %d (step %ld); nothing to train\n", s->out, r->epoch, r->step);
    else if (r->done)
        fprintf(stderr, "cajal train: %s holds a finished run (epoch %d of %d, step %ld); nothing to train "
                "(--set train.epochs=N trains more)\n", s->out, r->epoch, r->epochs, r->step);
    else if (!s->quiet)
        fprintf(stderr, "cajal train: resuming %s after epoch %d of %d (step %ld)\n", s->out, r->epoch, r->epochs,
                r->step);
}

/* Warnings are shown even with --quiet: they are about the results. */
static void on_warning(const char *msg, void *user)
{
    progress_state *s = user;
    if (s->tty && !s->quiet) fprintf(stderr, "\r\033[K");
    fprintf(stderr, "cajal train: warning: %s\n", msg);
}

/* The default thread count: from the sizes of the model's matrix products
 * (cj_blas_threads_for), so that it depends on the experiment and the
 * machine's core count but never on timings. The input shape comes from the
 * IDX training images' header. For .npy data, or when the header cannot be
 * read (cj_train will then say why), it is 1 thread: .npy inputs would
 * have to be read to learn their shape and sequence length. */
static int default_threads(const cj_experiment *e, double *typical)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cj_error err = {0};
    cj_shape input;
    cj_model m;
    *typical = 0.0;
    if (e->format != CJ_DATA_IDX || cj_idx_image_shape(e->train_images, &input, &err)) return 1;
    /* One sample's worth of buffers: only the layer shapes are needed. */
    if (cj_model_create(&m, e->layers, input, 1, &err)) return 1;
    cj_step_work w = cj_step_gemm_work(&m, e->batch);
    cj_model_free(&m);
    *typical = w.typical;
    return cj_blas_threads_for(w, cores < 1 ? 1 : cores > 1024 ? 1024 : (int)cores);
}

/* What `cajal train` was asked to do. */
typedef struct {
    const char *config, *out, *resume;
    const char **sets;  /* argc entries; n_sets used */
    int n_sets, threads, quiet, force;  /* threads 0: default_threads */
} train_args;

/* A resumed run keeps its experiment: only how long it runs may change. */
static int resume_may_set(const char *assignment)
{
    size_t n = strcspn(assignment, "=");
    return (n == 12 && !strncmp(assignment, "train.epochs", n)) || (n == 11 && !strncmp(assignment, "train.steps", n));
}

static int take_option(train_args *a, const char *name, const char *v)
{
    if (!strcmp(name, "--set")) {
        a->sets[a->n_sets++] = v;
    } else if (!strcmp(name, "--out")) {
        a->out = v;
    } else if (!strcmp(name, "--resume")) {
        a->resume = v;
    } else if (!strcmp(name, "--threads")) {
        char *end;
        long n = strtol(v, &end, 10);
        if (!*v || *end || n < 1 || n > 1024) {
            fprintf(stderr, "cajal train: --threads '%s' is not a positive number\n", v);
            return 0;
        }
        a->threads = (int)n;
    } else {
        fprintf(stderr, "cajal train: unknown option '%s' (see 'cajal train --help')\n", name);
        return 0;
    }
    return 1;
}

/* The combination given, checked: NULL when it makes sense. */
static const char *args_problem(const train_args *a)
{
    if (!a->resume) return a->config ? NULL : "no experiment file given";
    if (a->config) return "--resume takes its experiment from DIR/config.ini; give no experiment file";
    if (a->out) return "--resume DIR writes into DIR; --out does not go with it";
    if (a->force) return "--resume and --force exclude each other";
    for (int i = 0; i < a->n_sets; i++)
        if (!resume_may_set(a->sets[i]))
            return "a resumed run keeps its experiment: --set takes only train.epochs and train.steps with --resume";
    return NULL;
}

/* -1 go on, 0 help printed, 2 usage error (printed). */
static int parse_args(int argc, char **argv, train_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        char name[32];
        const char *v;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(arg, "--quiet") || !strcmp(arg, "-q")) {
            a->quiet = 1;
        } else if (!strcmp(arg, "--force")) {
            a->force = 1;
        } else if (arg[0] == '-' && arg[1]) {
            if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
                fprintf(stderr, "cajal train: unknown or incomplete option '%s' (see 'cajal train --help')\n", arg);
                return 2;
            }
            if (!take_option(a, name, v)) return 2;
        } else if (!a->config) {
            a->config = arg;
        } else {
            fprintf(stderr, "cajal train: unexpected argument '%s'\n", arg);
            return 2;
        }
    }
    const char *problem = args_problem(a);
    if (!problem) return -1;
    if (a->config || a->resume) fprintf(stderr, "cajal train: %s\n", problem);
    else usage(stderr);
    return 2;
}

/* The experiment: the file and --set, or a resumed run's config.ini. */
static cj_status load_experiment(const train_args *a, const char *config, cj_experiment *e, cj_error *err)
{
    cj_experiment_defaults(e);
    struct stat sb;
    if (a->resume && stat(config, &sb) != 0)
        return cj_fail(err, CJ_ERR_IO, "%s: holds no training run to resume (no config.ini)", a->resume);
    cj_status st = cj_experiment_load(e, config, err);
    for (int i = 0; !st && i < a->n_sets; i++) st = cj_experiment_set(e, a->sets[i], err);
    if (!st) st = cj_experiment_finish(e, err);
    return st;
}

/* ---- model.layers = rbm H ----------------------------------------------- */

static void on_rbm_step(const cj_train_progress *p, void *user)
{
    progress_state *s = user;
    if (!s->tty || s->quiet) return;
    long every = p->batches_per_epoch / 100 + 1;
    if (p->batch_in_epoch % every && p->batch_in_epoch != p->batches_per_epoch) return;
    int width = 30, filled = (int)(width * p->batch_in_epoch / p->batches_per_epoch);
    fprintf(stderr, "\repoch %d/%d [", p->epoch, p->epochs);
    for (int i = 0; i < width; i++) fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %ld/%ld ", p->batch_in_epoch, p->batches_per_epoch);
    fflush(stderr);
}

static void on_rbm_epoch(const cj_rbm_epoch_report *r, void *user)
{
    progress_state *s = user;
    if (s->quiet) return;
    if (s->tty) fprintf(stderr, "\r\033[K");
    fprintf(stderr, "epoch %d/%d  recon train %.2f test %.2f  pseudo-LL train %.2f test %.2f  momentum %.2f  "
            "%.0f samples/s\n", r->epoch, r->epochs, r->recon_train, r->recon_test, r->pl_train, r->pl_test,
            r->momentum, r->samples_per_s);
}

static void on_rbm_phase(const char *what, void *user)
{
    progress_state *s = user;
    if (s->quiet) return;
    if (!strcmp(what, "AIS"))
        fprintf(stderr, "cajal train: AIS: %d runs x %d intermediate distributions (Salakhutdinov & Murray 2008)\n",
                s->e->rbm.ais_runs, s->e->rbm.ais_betas);
    else if (!strcmp(what, "figures"))
        fprintf(stderr, "cajal train: writing curves.png, filters.png and samples.png\n");
    else
        fprintf(stderr, "cajal train: %s\n", what);
}

static void on_rbm_done(const cj_rbm_final_report *r, void *user)
{
    progress_state *s = user;
    if (!s->quiet) {
        fprintf(stderr, "cajal train: AIS log Z = %.2f (+-3 sigma: %.2f to %.2f; base rate %.2f), %.0f s\n", r->log_z,
                r->log_z_lo, r->log_z_hi, r->log_z_base, r->seconds);
        fprintf(stderr, "cajal train: average log-likelihood: test %.2f nats (%d images), train %.2f nats (%d "
                "images)\n", r->test_ll, r->test_n, r->train_ll, r->train_n);
    }
    /* Said even with --quiet: it is about the result. */
    if (!isfinite(r->log_z_lo))
        fprintf(stderr, "cajal train: warning: the AIS log-weights spread widely (sd %.2f nats), so a few runs carry "
                "the estimate and log Z may be too low; more rbm.ais_runs or rbm.ais_betas tighten it\n",
                r->log_w_sd);
}

/* 6 products a CD-1 step ([B x V][V x H] and its like), 2 B V H FLOPs
 * each: the typical product decides the threads, as for a network. */
static int rbm_threads(const cj_experiment *e, int *hidden, double *typical)
{
    int is_rbm;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cj_shape in;
    *typical = 0;
    if (cj_rbm_parse_layers(e->layers, &is_rbm, hidden, NULL) || cj_idx_image_shape(e->train_images, &in, NULL))
        return 1;
    cj_step_work w = {0, 2.0 * e->batch * (double)cj_shape_size(in) * *hidden};
    w.flops = 6 * w.typical;
    *typical = w.typical;
    return cj_blas_threads_for(w, cores < 1 ? 1 : cores > 1024 ? 1024 : (int)cores);
}

static int train_rbm(const train_args *a, const cj_experiment *e, const char *config, const char *out)
{
    cj_error err = {0};
    int hidden = 0;
    double typical;
    int threads = a->threads ? a->threads : rbm_threads(e, &hidden, &typical);
    openblas_set_num_threads(threads);
    progress_state ps = {isatty(STDERR_FILENO), a->quiet, out, 0, e};
    if (!a->quiet) {
        cj_cli_note_blas(stderr, "cajal train");
        fprintf(stderr, "cajal train: %s, RBM (%s), %s-%d, lr %g, momentum %g for %d epochs then %g, weight decay %g, "
                "%d epochs -> %s\n", config, e->layers, e->rbm.method == CJ_RBM_PCD ? "PCD" : "CD", e->rbm.k,
                e->optim.lr, e->rbm.initial_momentum, e->rbm.momentum_epochs, e->optim.momentum,
                e->optim.weight_decay, e->epochs, out);
        fprintf(stderr, "cajal train: %d BLAS thread%s%s\n", threads, threads == 1 ? "" : "s",
                a->threads ? " (--threads)" : " (--threads N to change)");
    }
    struct sigaction old[2];
    catch_stop_signals(old);
    cj_rbm_callbacks cb = {on_rbm_step, on_rbm_epoch, on_rbm_phase, on_rbm_done, &ps, &stop_signal};
    cj_train_options opt = {a->resume ? CJ_TRAIN_RESUME : a->force ? CJ_TRAIN_FORCE : CJ_TRAIN_NEW};
    cj_status st = cj_rbm_train(e, out, &opt, &cb, &err);
    restore_signals(old);
    if (st) {
        if (ps.tty && !a->quiet) fprintf(stderr, "\r\033[K");
        fprintf(stderr, "cajal train: %s\n", err.msg);
        return st == CJ_ERR_INTERRUPTED && stop_signal ? 128 + stop_signal : 1;
    }
    if (!a->quiet)
        fprintf(stderr, "cajal train: wrote %s/metrics.jsonl, model.safetensors, curves.png, filters.png, "
                "samples.png%s\n", out, e->rbm.ais_runs > 0 ? ", ais.json" : "");
    return 0;
}

static int train(const train_args *a, const char *config, const char *out)
{
    cj_experiment e;
    cj_error err = {0};
    if (load_experiment(a, config, &e, &err)) {
        fprintf(stderr, "cajal train: %s\n", err.msg);
        return 1;
    }
    if (cj_experiment_is_rbm(&e)) return train_rbm(a, &e, config, out);
    double typical = 0.0;
    int threads = a->threads ? a->threads : default_threads(&e, &typical);
    openblas_set_num_threads(threads);
    progress_state ps = {isatty(STDERR_FILENO), a->quiet, out, 0, &e};
    struct sigaction old[2];
    catch_stop_signals(old);
    cj_train_callbacks cb = {on_step, on_epoch, &ps, &stop_signal, on_warning, on_resume};
    if (!a->quiet) {
        cj_cli_note_blas(stderr, "cajal train");
        fprintf(stderr, "cajal train: %s, rule %s, optimiser %s, %d epochs -> %s\n", config,
                cj_rule_name(e.rule.kind), cj_optim_name(e.optim.kind), e.epochs, out);
        const char *plural = threads == 1 ? "" : "s";
        if (a->threads) fprintf(stderr, "cajal train: %d BLAS thread%s (--threads)\n", threads, plural);
        else if (typical > 0)
            fprintf(stderr, "cajal train: %d BLAS thread%s (typical matrix product %.1f MFLOP; --threads N to change)\n",
                    threads, plural, typical / 1e6);
        else
            fprintf(stderr, "cajal train: %d BLAS thread%s (--threads N to change)\n", threads, plural);
    }
    cj_train_options opt = {a->resume ? CJ_TRAIN_RESUME : a->force ? CJ_TRAIN_FORCE : CJ_TRAIN_NEW};
    cj_status st = cj_train(&e, out, &opt, &cb, &err);
    restore_signals(old);
    if (st) {
        if (ps.tty && !a->quiet) fprintf(stderr, "\r\033[K");
        if (st == CJ_ERR_INTERRUPTED)
            fprintf(stderr, "cajal train: %s (continue with: cajal train --resume %s)\n", err.msg, out);
        else
            fprintf(stderr, "cajal train: %s\n", err.msg);
        return st == CJ_ERR_INTERRUPTED && stop_signal ? 128 + stop_signal : 1;
    }
    if (!a->quiet && !ps.done)
        fprintf(stderr, "cajal train: wrote %s/metrics.jsonl and %s/model.safetensors\n", out, out);
    return 0;
}

int cj_cmd_train(int argc, char **argv)
{
    train_args a = {.threads = 0};
    /* Overrides apply after the file, whatever their order on the line. */
    a.sets = calloc((size_t)argc, sizeof *a.sets);
    if (!a.sets) {
        fprintf(stderr, "cajal train: out of memory\n");
        return 1;
    }
    int code = parse_args(argc, argv, &a);
    if (code >= 0) {
        free(a.sets);
        return code;
    }
    const char *out = a.resume ? a.resume : a.out;
    char *made_out = out ? NULL : default_out_dir(a.config);
    char *config = a.resume ? cj_path_join(a.resume, "config.ini") : NULL;
    if ((!out && !made_out) || (a.resume && !config)) {
        fprintf(stderr, "cajal train: out of memory\n");
        code = 1;
    } else {
        code = train(&a, config ? config : a.config, out ? out : made_out);
    }
    free(made_out);
    free(config);
    free(a.sets);
    return code;
}
