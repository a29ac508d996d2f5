/* cmd_sparsecode.c — `cajal sparsecode FILE.npy --atoms K --lambda L --out
 * DIR`: Olshausen & Field's sparse coding of any float32 [samples, dims]
 * array (include/cajal/sparsecode.h; docs/codes.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "brain_cli.h"
#include "cajal/npy.h"
#include "cajal/sparsecode.h"
#include "commands.h"

static const char WHO[] = "cajal sparsecode";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal sparsecode FILE.npy --out DIR [--atoms K] [--lambda L] [--inference fista|lca]\n"
            "                        [--nonneg] [--epochs E] [--batch B] [--lr R] [--iters T] [--tol E]\n"
            "                        [--code-tol E] [--seed S] [--quiet]\n\n"
            "Sparse coding (Olshausen & Field 1996): min 1/2||x - a D||^2 + L ||a||_1 over codes a and\n"
            "unit-norm atoms D, on a float32 .npy [samples, dims] such as `cajal patches` writes.\n\n"
            "  --atoms K        dictionary atoms (default 256)\n"
            "  --lambda L       L1 weight (default 0.1)\n"
            "  --inference I    fista (default; Beck & Teboulle 2009) or lca (Rozell et al. 2008)\n"
            "  --nonneg         codes constrained to a >= 0\n"
            "  --epochs E       passes over the samples (default 10)\n"
            "  --batch B        samples per mini-batch (default 100)\n"
            "  --lr R           dictionary step, per atom scaled by its curvature (default 0.05)\n"
            "  --iters T        most inference iterations per mini-batch (default 100)\n"
            "  --tol E          FISTA stops on a batch once an iteration changes its codes by at\n"
            "                   most E of their norm (default 1e-2; 0: always T iterations;\n"
            "                   LCA always runs T steps)\n"
            "  --code-tol E     the same for the codes written at the end (codes_sample.npy,\n"
            "                   sparsity.json), up to 100 T iterations (default 1e-4)\n"
            "  --seed S         initial atoms and batch order (default 1)\n"
            "  --out DIR        basis.npy, unmixing.npy, metrics.jsonl, sparsity.json,\n"
            "                   coefficients.csv, codes_sample.npy, sparsity.png, filters.png;\n"
            "                   with FILE.dewhitening.npy beside the input also basis_image.npy\n"
            "                   and filters_image.png\n"
            "  --quiet          no progress lines\n\n"
            "Files and their shapes: docs/codes.md, docs/outputs.md\n");
}

typedef struct {
    const char *in, *out;
    cj_sc_opts o;
    int quiet;
} options;

static int set_option(options *p, const char *name, const char *v)
{
    cj_sc_opts *o = &p->o;
    if (!strcmp(name, "--out")) p->out = v;
    else if (!strcmp(name, "--atoms")) return cj_brain_int(WHO, name, v, 1, 65536, &o->atoms) ? 0 : 2;
    else if (!strcmp(name, "--epochs")) return cj_brain_int(WHO, name, v, 1, 1000000, &o->epochs) ? 0 : 2;
    else if (!strcmp(name, "--batch")) return cj_brain_int(WHO, name, v, 1, 1000000, &o->batch) ? 0 : 2;
    else if (!strcmp(name, "--iters")) return cj_brain_int(WHO, name, v, 1, 1000000, &o->iters) ? 0 : 2;
    else if (!strcmp(name, "--lr")) return cj_brain_positive(WHO, name, v, &o->lr) ? 0 : 2;
    else if (!strcmp(name, "--tol") || !strcmp(name, "--code-tol")) {
        char *end;
        double e = strtod(v, &end);
        if (end == v || *end || !isfinite(e) || e < 0) {
            fprintf(stderr, "%s: %s '%s' is not a number >= 0\n", WHO, name, v);
            return 2;
        }
        *(!strcmp(name, "--tol") ? &o->tol : &o->code_tol) = e;
    }
    else if (!strcmp(name, "--lambda")) {
        char *end;
        double l = strtod(v, &end);
        if (end == v || *end || !isfinite(l) || l < 0) {
            fprintf(stderr, "%s: --lambda '%s' is not a number >= 0\n", WHO, v);
            return 2;
        }
        o->lambda = l;
    } else if (!strcmp(name, "--inference")) {
        int k = cj_sc_inference_parse(v);
        if (k < 0) {
            fprintf(stderr, "%s: --inference '%s' is not fista or lca\n", WHO, v);
            return 2;
        }
        o->inference = (cj_sc_inference)k;
    } else if (!strcmp(name, "--seed")) {
        if (!cj_cli_parse_u64(v, &o->seed)) {
            fprintf(stderr, "%s: --seed '%s' is not a whole number >= 0\n", WHO, v);
            return 2;
        }
    }
    return 0;
}

/* cj_brain_parse_args' callback: a flag (value NULL) or a valued option. */
static int set_arg(void *ctx, const char *name, const char *v)
{
    options *p = ctx;
    if (!v) return p->o.nonneg = 1, 0; /* --nonneg, the one flag */
    return set_option(p, name, v);
}

static int parse(int argc, char **argv, options *p)
{
    memset(p, 0, sizeof *p);
    cj_sc_opts_default(&p->o);
    static const char *const valued[] = {"--atoms", "--lambda", "--inference", "--epochs", "--batch",
                                         "--lr",    "--iters",  "--tol",       "--code-tol", "--seed", "--out", NULL};
    static const char *const flags[] = {"--nonneg", NULL};
    cj_brain_args a = {WHO, valued, flags, "one .npy file", set_arg, p};
    int rc = cj_brain_parse_args(&a, argc, argv, &p->in, &p->quiet);
    if (rc) return rc;
    const char *problem = !p->in ? "no input .npy given" : !p->out ? "--out DIR is needed" : NULL;
    if (problem) {
        fprintf(stderr, "%s: %s\n", WHO, problem);
        usage(stderr);
        return 2;
    }
    return 0;
}

static int progress(void *ctx, const cj_sc_epoch *e)
{
    if (!*(int *)ctx)
        fprintf(stderr, "%s: epoch %d objective %.5g  mse %.4g  snr %.2f dB  non-zero %.2f%%  %.1f iterations  %.1f s\n", WHO,
                e->epoch, e->objective, e->mse, e->snr_db, 100 * e->nonzero, e->iters, e->seconds);
    return 0;
}

int cj_cmd_sparsecode(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    options p;
    int rc = parse(argc, argv, &p);
    if (rc) return rc;
    cj_error err = {0};
    cj_npy_array x;
    if (cj_npy_read(p.in, CJ_NPY_F32, &x, &err)) {
        fprintf(stderr, "%s: %s\n", WHO, cj_brain_unprefixed(err.msg, "sparsecode"));
        return 1;
    }
    if (x.ndim != 2 || x.shape[0] < 1 || x.shape[1] < 1 || x.shape[0] > 2147483647 || x.shape[1] > 65536) {
        fprintf(stderr, "%s: %s must be [samples, dims] with 1..65536 dims (it has %d dimensions)\n", WHO, p.in,
                x.ndim);
        cj_npy_free(&x);
        return 1;
    }
    long n = (long)x.shape[0];
    int d = (int)x.shape[1], size = 0;
    float *dewhiten = NULL;
    if (cj_brain_load_beside(WHO, p.in, ".dewhitening.npy", d, 0, &dewhiten, &size)) {
        cj_npy_free(&x);
        return 1;
    }
    if (!p.quiet)
        fprintf(stderr, "%s: %ld samples of %d dims, %d atoms, lambda %g, %s%s\n", WHO, n, d, p.o.atoms, p.o.lambda,
                cj_sc_inference_name(p.o.inference), p.o.nonneg ? ", non-negative" : "");
    cj_sc_model m;
    double t0 = cj_brain_now();
    rc = 0;
    if (cj_sc_learn(x.data, n, d, &p.o, progress, &p.quiet, &m, &err) ||
        cj_sc_write(p.out, &p.o, &m, x.data, n, dewhiten, size, &err)) {
        fprintf(stderr, "%s: %s\n", WHO, cj_brain_unprefixed(err.msg, "sparsecode"));
        rc = 1;
    } else if (!p.quiet) {
        fprintf(stderr, "%s: %d atoms -> %s in %.1f s\n", WHO, m.k, p.out, cj_brain_now() - t0);
    }
    cj_sc_model_free(&m);
    free(dewhiten);
    cj_npy_free(&x);
    return rc;
}
