/* cmd_ica.c — `cajal ica FILE.npy --components K --method infomax|fastica
 * --out DIR`: independent component analysis of any float32 [samples,
 * dims] array (include/cajal/ica.h; docs/codes.md, "ICA"). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "brain_cli.h"
#include "cajal/ica.h"
#include "cajal/npy.h"
#include "commands.h"

static const char WHO[] = "cajal ica";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal ica FILE.npy --out DIR [--components K] [--method infomax|fastica]\n"
            "                 [--solver classic|picard] [--extended on|off] [--max-iter N] [--tol T]\n"
            "                 [--lrate R] [--block B]"
            " [--seed S] [--threads N] [--quiet]\n\n"
            "Independent component analysis of a float32 .npy [samples, dims] such as `cajal patches`\n"
            "writes: mean removal and PCA whitening to K components, then infomax (Bell & Sejnowski 1995,\n"
            "natural gradient, extended to sub-Gaussian sources by Lee et al. 1999) or FastICA\n"
            "(Hyvarinen 1999, symmetric, logcosh), each by its own algorithm or by Picard (Ablin et al.\n"
            "2018: L-BFGS on the same objective, far fewer passes). sources = (x - mean) @ unmixing.T.\n\n"
            "  --components K   independent components (default: every principal component with variance)\n"
            "  --method M       infomax (default) or fastica\n"
            "  --solver S       classic (default: runica's natural gradient / FastICA's fixed point)\n"
            "                   or picard (preconditioned L-BFGS, the same estimator)\n"
            "  --extended on|off  infomax: extended (default on) or the original logistic rule (classic)\n"
            "  --max-iter N     passes (infomax) or iterations (fastica, picard); default 200\n"
            "  --tol T          stop below this change (default: infomax 1e-12, fastica 1e-4;\n"
            "                   picard: max |relative gradient| 1e-3)\n"
            "  --lrate R        classic infomax's learning rate (default 0.01 / ln(K^2))\n"
            "  --block B        classic infomax's samples per update (default floor(sqrt(samples / 3)))\n"
            "  --seed S         sample order, kurtosis samples, FastICA's start (default 1)\n"
            "  --threads N      BLAS threads (default 1; with the seed it fixes every number)\n"
            "  --out DIR        unmixing.npy, basis.npy, mean.npy, whitening.npy, sources_sample.npy,\n"
            "                   components.csv, metrics.jsonl, ica.json; square patches also filters.png,\n"
            "                   gabor.csv, rf_stats.png, tiling.png; with FILE.dewhitening.npy and\n"
            "                   FILE.whitening.npy beside the input also basis_image.npy,\n"
            "                   filters_image.npy and their PNGs\n"
            "  --quiet          no progress lines\n\n"
            "Files and their shapes: docs/codes.md, docs/outputs.md\n");
}

typedef struct {
    const char *in, *out;
    cj_ica_opts o;
    int quiet, threads;
    int restarts_seen; /* for the progress lines */
} options;

static int number(const char *name, const char *v, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || !isfinite(x) || x <= 0) {
        fprintf(stderr, "%s: %s '%s' is not a number > 0\n", WHO, name, v);
        return 2;
    }
    *out = x;
    return 0;
}

static int set_option(options *p, const char *name, const char *v)
{
    cj_ica_opts *o = &p->o;
    if (!strcmp(name, "--out")) p->out = v;
    else if (!strcmp(name, "--components")) return cj_brain_int(WHO, name, v, 1, 65536, &o->components) ? 0 : 2;
    else if (!strcmp(name, "--max-iter")) return cj_brain_int(WHO, name, v, 1, 1000000, &o->max_iter) ? 0 : 2;
    else if (!strcmp(name, "--block")) return cj_brain_int(WHO, name, v, 1, 1000000000, &o->block) ? 0 : 2;
    else if (!strcmp(name, "--threads")) return cj_brain_int(WHO, name, v, 1, 1024, &p->threads) ? 0 : 2;
    else if (!strcmp(name, "--tol")) return number(name, v, &o->tol);
    else if (!strcmp(name, "--lrate")) return number(name, v, &o->lrate);
    else if (!strcmp(name, "--method")) {
        int m = cj_ica_method_parse(v);
        if (m < 0) {
            fprintf(stderr, "%s: --method '%s' is not infomax or fastica\n", WHO, v);
            return 2;
        }
        o->method = (cj_ica_method)m;
    } else if (!strcmp(name, "--solver")) {
        int sv = cj_ica_solver_parse(v);
        if (sv < 0) {
            fprintf(stderr, "%s: --solver '%s' is not classic or picard\n", WHO, v);
            return 2;
        }
        o->solver = (cj_ica_solver)sv;
    } else if (!strcmp(name, "--extended")) {
        if (strcmp(v, "on") && strcmp(v, "off")) {
            fprintf(stderr, "%s: --extended '%s' is not on or off\n", WHO, v);
            return 2;
        }
        o->extended = !strcmp(v, "on");
    } else if (!strcmp(name, "--seed")) {
        if (!cj_cli_parse_u64(v, &o->seed)) {
            fprintf(stderr, "%s: --seed '%s' is not a whole number >= 0\n", WHO, v);
            return 2;
        }
    }
    return 0;
}

/* cj_brain_parse_args' callback (ica has no flags but --quiet). */
static int set_arg(void *ctx, const char *name, const char *v)
{
    return set_option(ctx, name, v);
}

static int parse(int argc, char **argv, options *p)
{
    memset(p, 0, sizeof *p);
    cj_ica_opts_default(&p->o);
    p->threads = 1;
    static const char *const valued[] = {"--components", "--method", "--solver", "--extended", "--max-iter", "--tol", "--lrate",
                                         "--block",      "--seed",   "--threads",  "--out",      NULL};
    cj_brain_args a = {WHO, valued, NULL, "one .npy file", set_arg, p};
    int rc = cj_brain_parse_args(&a, argc, argv, &p->in, &p->quiet);
    if (rc) return rc;
    /* options of classic infomax's blocks have no meaning elsewhere: say so rather than ignore them */
    int runica = p->o.method == CJ_ICA_INFOMAX && p->o.solver == CJ_ICA_CLASSIC;
    const char *misplaced = runica              ? NULL
                            : p->o.lrate > 0    ? "--lrate"
                            : p->o.block > 0    ? "--block"
                            : !p->o.extended    ? "--extended off (the logistic rule)"
                                                : NULL;
    if (misplaced) {
        fprintf(stderr, "%s: %s applies to --method infomax --solver classic only\n", WHO, misplaced);
        return 2;
    }
    const char *problem = !p->in ? "no input .npy given" : !p->out ? "--out DIR is needed" : NULL;
    if (problem) {
        fprintf(stderr, "%s: %s\n", WHO, problem);
        usage(stderr);
        return 2;
    }
    return 0;
}

static int progress(void *ctx, const cj_ica_step *s)
{
    options *p = ctx;
    if (p->quiet) return 0;
    if (s->restarts > p->restarts_seen) {
        p->restarts_seen = s->restarts;
        fprintf(stderr, "%s: the weights blew up (a weight above 1e8 or not finite): restart %d from the identity\n",
                WHO, s->restarts);
    }
    if (p->o.solver == CJ_ICA_PICARD)
        fprintf(stderr, "%s: iteration %d  loss %.8g  max |gradient| %.3g  step %.3g  %d sub-Gaussian  %ld samples  %.1f s\n",
                WHO, s->iter, s->loss, s->change, s->lrate, s->subgaussian, s->samples, s->seconds);
    else if (p->o.method == CJ_ICA_INFOMAX)
        fprintf(stderr, "%s: pass %d  change %.4g  angle %.1f deg  lrate %.3g  %.1f s\n", WHO, s->iter, s->change,
                s->angle, s->lrate, s->seconds);
    else
        fprintf(stderr, "%s: iteration %d  max |1 - |w1.w||  %.3g  %.1f s\n", WHO, s->iter, s->change, s->seconds);
    if (p->o.method == CJ_ICA_INFOMAX && p->o.solver == CJ_ICA_CLASSIC && p->o.extended && s->iter % 10 == 1)
        fprintf(stderr, "%s:   %d sources treated as sub-Gaussian\n", WHO, s->subgaussian);
    return 0;
}

int cj_cmd_ica(int argc, char **argv)
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
    cj_error err = {0};
    cj_npy_array x;
    if (cj_npy_read(p.in, CJ_NPY_F32, &x, &err)) {
        fprintf(stderr, "%s: %s\n", WHO, cj_brain_unprefixed(err.msg, "ica"));
        return 1;
    }
    if (x.ndim != 2 || x.shape[0] < 2 || x.shape[1] < 1 || x.shape[0] > 2147483647 || x.shape[1] > 65536) {
        fprintf(stderr, "%s: %s must be [samples, dims] with at least 2 samples and 1..65536 dims (it has shape [",
                WHO, p.in);
        for (int i = 0; i < x.ndim; i++) fprintf(stderr, "%s%lld", i ? ", " : "", (long long)x.shape[i]);
        fprintf(stderr, "])\n");
        cj_npy_free(&x);
        return 1;
    }
    long n = (long)x.shape[0];
    int d = (int)x.shape[1], size = 0, size2 = 0;
    float *dewhiten = NULL, *whiten = NULL;
    if (cj_brain_load_beside(WHO, p.in, ".dewhitening.npy", d, 0, &dewhiten, &size) ||
        (dewhiten && cj_brain_load_beside(WHO, p.in, ".whitening.npy", d, 1, &whiten, &size2))) {
        free(dewhiten);
        cj_npy_free(&x);
        return 1;
    }
    if (dewhiten && (!whiten || size2 != size)) {
        if (!p.quiet) fprintf(stderr, "%s: a dewhitening.npy beside %s without a matching whitening.npy: no image space\n", WHO, p.in);
        free(dewhiten), free(whiten);
        dewhiten = whiten = NULL;
    }
    int side = (int)lround(sqrt((double)d));
    if (!p.quiet) {
        char kk[32];
        snprintf(kk, sizeof kk, "%d", p.o.components);
        fprintf(stderr, "%s: %ld samples of %d dims, %s%s%s, %s components, seed %llu, %d BLAS thread%s\n", WHO, n, d,
                p.o.method == CJ_ICA_INFOMAX && p.o.extended ? "extended " : "", cj_ica_method_name(p.o.method),
                p.o.solver == CJ_ICA_PICARD ? " by picard" : "",
                p.o.components ? kk : "all", (unsigned long long)p.o.seed, p.threads, p.threads == 1 ? "" : "s");
        if (side * side != d || side < 4 || side > 256)
            fprintf(stderr, "%s: %d dims are not a square patch of side 4..256: no filters.png or Gabor fits\n", WHO, d);
    }
    cj_ica_model m;
    double t0 = cj_brain_now(), good = NAN;
    rc = 0;
    if (cj_ica_fit(x.data, n, d, &p.o, progress, &p, &m, &err)) {
        fprintf(stderr, "%s: %s\n", WHO, cj_brain_unprefixed(err.msg, "ica"));
        rc = 1;
    } else {
        if (!p.quiet)
            fprintf(stderr, "%s: %d components, %d %s in %.1f s (%s); fitting Gabors and writing %s\n", WHO, m.k,
                    m.run.iterations, m.opts.method == CJ_ICA_INFOMAX && m.opts.solver == CJ_ICA_CLASSIC ? "passes" : "iterations", m.seconds,
                    m.run.converged == 3 ? "no step lowers the loss"
                    : m.run.converged    ? "converged"
                                         : "max-iter reached",
                    p.out);
        if (cj_ica_write(p.out, &m, x.data, n, p.in, dewhiten, whiten, size, &good, &err)) {
            fprintf(stderr, "%s: %s\n", WHO, cj_brain_unprefixed(err.msg, "ica"));
            rc = 1;
        } else if (!p.quiet) {
            if (isfinite(good))
                fprintf(stderr, "%s: %.1f%% of %d basis functions fit by a Gabor with R^2 >= 0.8\n", WHO, 100 * good,
                        m.k);
            fprintf(stderr, "%s: %d components -> %s in %.1f s\n", WHO, m.k, p.out, cj_brain_now() - t0);
        }
        cj_ica_model_free(&m);
    }
    free(dewhiten), free(whiten);
    cj_npy_free(&x);
    return rc;
}
