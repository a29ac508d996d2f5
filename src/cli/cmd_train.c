/* cmd_train.c — `cajal train EXPERIMENT.ini [--set k=v]... [--out DIR]
 * [--threads N]`. */
#include <cblas.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cajal/blas.h"
#include "cajal/data.h"
#include "cajal/files.h"
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
            "usage: cajal train EXPERIMENT.ini [--set section.key=value]... [--out DIR] [--threads N] [--quiet]\n\n"
            "Train the network an experiment file describes. After every epoch DIR gets\n"
            "metrics.jsonl (one JSON object per epoch) and model.safetensors (PyTorch names).\n\n"
            "  --set K=V     override a key of the experiment file, e.g. --set rule.name=fa\n"
            "  --out DIR     output folder (default: runs/<experiment name>)\n"
            "  --threads N   BLAS threads (default: from the sizes of the model's matrix products,\n"
            "                one per 16 MFLOP of a typical product, at most one per core); a seed and\n"
            "                N fix every number\n"
            "  --quiet       no progress bar and no per-epoch summary\n\n"
            "Ctrl-C stops before the next step and keeps the last finished epoch in both files\n"
            "(exit status 130); a second Ctrl-C stops at once.\n"
            "Keys and their defaults: docs/experiment-file.md\n");
}

typedef struct {
    int tty;
    int quiet;
} progress_state;

static void on_step(const cj_train_progress *p, void *user)
{
    progress_state *s = user;
    if (!s->tty || s->quiet) return;
    /* Redraw about 100 times an epoch: terminal writes are slow. */
    long every = p->batches_per_epoch / 100 + 1;
    if (p->batch_in_epoch % every && p->batch_in_epoch != p->batches_per_epoch) return;
    int width = 30, filled = (int)(width * p->batch_in_epoch / p->batches_per_epoch);
    fprintf(stderr, "\repoch %d/%d [", p->epoch, p->epochs);
    for (int i = 0; i < width; i++) fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %ld/%ld  loss %.4f ", p->batch_in_epoch, p->batches_per_epoch, p->loss);
    fflush(stderr);
}

/* One readable line per epoch; the full record is in metrics.jsonl. */
static void on_epoch(const cj_epoch_report *r, void *user)
{
    progress_state *s = user;
    if (s->quiet) return;
    if (s->tty) fprintf(stderr, "\r\033[K");
    fprintf(stderr, "epoch %d/%d  train loss %.4f", r->epoch, r->epochs, r->train_loss);
    /* Only what the run has: no validation part, no test set, or value
     * targets (no accuracy) leave their numbers out. */
    if (isfinite(r->val_loss)) fprintf(stderr, "  val loss %.4f", r->val_loss);
    if (isfinite(r->val_acc)) fprintf(stderr, "  val acc %.2f%%", 100 * r->val_acc);
    if (isfinite(r->test_loss)) fprintf(stderr, "  test loss %.4f", r->test_loss);
    if (isfinite(r->test_acc)) fprintf(stderr, "  test acc %.2f%%", 100 * r->test_acc);
    fprintf(stderr, "  %.0f samples/s  align", r->samples_per_s);
    for (int k = 0; k < r->diag->n; k++) fprintf(stderr, "%s%.0f", k ? "/" : " ", r->diag->align_deg[k]);
    fprintf(stderr, " deg\n");
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

int cj_cmd_train(int argc, char **argv)
{
    const char *config = NULL, *out = NULL;
    int threads = 0, quiet = 0;  /* 0: default_threads */
    cj_experiment e;
    cj_experiment_defaults(&e);
    cj_error err = {0};
    /* Overrides apply after the file, whatever their order on the line. */
    const char **sets = calloc((size_t)argc, sizeof *sets);
    int n_sets = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            free(sets);
            return 0;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if ((!strcmp(a, "--set") || !strcmp(a, "--out") || !strcmp(a, "--threads")) && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(a, "--set")) sets[n_sets++] = v;
            else if (!strcmp(a, "--out")) out = v;
            else {
                char *end;
                long n = strtol(v, &end, 10);
                if (*end || n < 1 || n > 1024) {
                    fprintf(stderr, "cajal train: --threads '%s' is not a positive number\n", v);
                    free(sets);
                    return 2;
                }
                threads = (int)n;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "cajal train: unknown or incomplete option '%s' (see 'cajal train --help')\n", a);
            free(sets);
            return 2;
        } else if (!config) {
            config = a;
        } else {
            fprintf(stderr, "cajal train: unexpected argument '%s'\n", a);
            free(sets);
            return 2;
        }
    }
    if (!config) {
        usage(stderr);
        free(sets);
        return 2;
    }
    cj_status st = cj_experiment_load(&e, config, &err);
    for (int i = 0; !st && i < n_sets; i++) st = cj_experiment_set(&e, sets[i], &err);
    free(sets);
    if (!st) st = cj_experiment_finish(&e, &err);
    if (st) {
        fprintf(stderr, "cajal train: %s\n", err.msg);
        return 1;
    }
    char *default_out = NULL;
    if (!out) {
        if (!(out = default_out = default_out_dir(config))) {
            fprintf(stderr, "cajal train: out of memory\n");
            return 1;
        }
    }
    double typical = 0.0;
    int chosen = !threads;
    if (chosen) threads = default_threads(&e, &typical);
    openblas_set_num_threads(threads);
    progress_state ps = {isatty(STDERR_FILENO), quiet};
    struct sigaction old[2];
    catch_stop_signals(old);
    cj_train_callbacks cb = {on_step, on_epoch, &ps, &stop_signal, on_warning};
    if (!quiet) {
        cj_cli_note_blas(stderr, "cajal train");
        fprintf(stderr, "cajal train: %s, rule %s, optimiser %s, %d epochs -> %s\n", config,
                cj_rule_name(e.rule.kind), cj_optim_name(e.optim.kind), e.epochs, out);
        const char *plural = threads == 1 ? "" : "s";
        if (!chosen) fprintf(stderr, "cajal train: %d BLAS thread%s (--threads)\n", threads, plural);
        else if (typical > 0)
            fprintf(stderr, "cajal train: %d BLAS thread%s (typical matrix product %.1f MFLOP; --threads N to change)\n",
                    threads, plural, typical / 1e6);
        else
            fprintf(stderr, "cajal train: %d BLAS thread%s (--threads N to change)\n", threads, plural);
    }
    st = cj_train(&e, out, &cb, &err);
    restore_signals(old);
    int code = 0;
    if (st) {
        if (ps.tty && !quiet) fprintf(stderr, "\r\033[K");
        fprintf(stderr, "cajal train: %s\n", err.msg);
        code = st == CJ_ERR_INTERRUPTED && stop_signal ? 128 + stop_signal : 1;
    } else if (!quiet) {
        fprintf(stderr, "cajal train: wrote %s/metrics.jsonl and %s/model.safetensors\n", out, out);
    }
    free(default_out);
    return code;
}
