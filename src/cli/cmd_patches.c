/* cmd_patches.c — `cajal patches FOLDER --size S --count N [--whiten
 * pca|zca|olshausen|none] [...] --out FILE.npy`: random natural-image
 * patches, whitened, for ICA and sparse coding (include/cajal/patches.h;
 * docs/codes.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "brain_cli.h"
#include "cajal/patches.h"
#include "commands.h"

static const char WHO[] = "cajal patches";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal patches FOLDER|FILE.mat --out FILE.npy [--size S] [--count N] [--whiten pca|zca|olshausen|none]\n"
            "                     [--components K] [--epsilon E] [--log] [--keep-dc] [--f0 F] [--seed S]\n"
            "                     [--quiet]\n\n"
            "Random square patches of the PNG images in FOLDER (e.g. ../shared/data/natural_images),\n"
            "or of a .mat image set as cajal record --images reads (the 92 photos of rsa92),\n"
            "made grey (BT.601 luma), each patch's own mean removed, the mean patch removed, and\n"
            "whitened: the input of ICA and sparse coding (Olshausen & Field 1996; Bell &\n"
            "Sejnowski 1997). The same seed gives the same patches.\n\n"
            "  --size S        patch side in pixels (default 16; 1 to 64)\n"
            "  --count N       patches (default 100000)\n"
            "  --whiten W      zca (default; --whiten alone means zca), pca, olshausen or none:\n"
            "                  pca/zca from the eigendecomposition of the patch covariance;\n"
            "                  olshausen: each whole image filtered by R(f) = f exp(-(f/f0)^4)\n"
            "                  before the patches are cut (Olshausen & Field 1997)\n"
            "  --components K  pca/zca: keep the K largest components (default: all that are\n"
            "                  not null; removing the DC leaves one null)\n"
            "  --epsilon E     pca/zca: E times the mean eigenvalue is added to each eigenvalue\n"
            "                  (default 1e-5)\n"
            "  --log           log luminance, log(Y + 1/255), in place of Y in [0, 1]\n"
            "  --keep-dc       leave each patch's own mean in\n"
            "  --f0 F          olshausen: the roll-off, cycles/pixel (default 0.4)\n"
            "  --seed S        which patches (default 1)\n"
            "  --out FILE.npy  the patches [N, D] float32; beside it FILE.whitening.npy [D, S*S],\n"
            "                  FILE.dewhitening.npy [S*S, D], FILE.mean.npy [S*S],\n"
            "                  FILE.eigenvalues.npy [S*S], FILE.json and FILE.png (64 examples\n"
            "                  before and after). D = K for pca, S*S otherwise.\n"
            "  --quiet         no progress lines\n\n"
            "Files and their shapes: docs/codes.md\n");
}

typedef struct {
    const char *folder, *out;
    cj_patch_opts o;
    int quiet;
} options;

static int set_option(options *p, const char *name, const char *v)
{
    cj_patch_opts *o = &p->o;
    if (!strcmp(name, "--out")) p->out = v;
    else if (!strcmp(name, "--size")) return cj_brain_int(WHO, name, v, 1, 64, &o->size) ? 0 : 2;
    else if (!strcmp(name, "--components")) return cj_brain_int(WHO, name, v, 1, 4096, &o->components) ? 0 : 2;
    else if (!strcmp(name, "--count")) {
        uint64_t n;
        if (!cj_cli_parse_u64(v, &n) || n < 2 || n > 100000000) {
            fprintf(stderr, "%s: --count '%s' is not a whole number from 2 to 100000000\n", WHO, v);
            return 2;
        }
        o->count = (long)n;
    } else if (!strcmp(name, "--whiten")) {
        int k = cj_whiten_parse(v);
        if (k < 0) {
            fprintf(stderr, "%s: --whiten '%s' is not pca, zca, olshausen or none\n", WHO, v);
            return 2;
        }
        o->whiten = (cj_whiten_kind)k;
    } else if (!strcmp(name, "--epsilon")) {
        char *end;
        double e = strtod(v, &end);
        if (end == v || *end || !isfinite(e) || e < 0) {
            fprintf(stderr, "%s: --epsilon '%s' is not a number >= 0\n", WHO, v);
            return 2;
        }
        o->epsilon = e;
    } else if (!strcmp(name, "--f0")) {
        double f;
        if (!cj_brain_positive(WHO, name, v, &f)) return 2;
        if (f > 1) {
            fprintf(stderr, "%s: --f0 '%s' is above 1 cycle/pixel\n", WHO, v);
            return 2;
        }
        o->f0 = f;
    } else if (!strcmp(name, "--seed")) {
        if (!cj_cli_parse_u64(v, &o->seed)) {
            fprintf(stderr, "%s: --seed '%s' is not a whole number >= 0\n", WHO, v);
            return 2;
        }
    }
    return 0;
}

static int parse(int argc, char **argv, options *p)
{
    memset(p, 0, sizeof *p);
    cj_patch_opts_default(&p->o);
    static const char *const valued[] = {"--size", "--count", "--whiten", "--components", "--epsilon",
                                         "--f0", "--seed", "--out", NULL};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        char name[32];
        if (!strcmp(arg, "--quiet") || !strcmp(arg, "-q")) {
            p->quiet = 1;
        } else if (!strcmp(arg, "--log")) {
            p->o.log_luminance = 1;
        } else if (!strcmp(arg, "--keep-dc")) {
            p->o.keep_dc = 1;
        } else if (!strcmp(arg, "--whiten") && (i + 1 == argc || argv[i + 1][0] == '-')) {
            p->o.whiten = CJ_WHITEN_ZCA; /* the issue's `--whiten` alone */
        } else if (arg[0] == '-' && arg[1]) {
            if (!cj_brain_known_option(arg, valued)) {
                fprintf(stderr, "%s: unknown option '%.*s' (see '%s --help')\n", WHO, (int)strcspn(arg, "="), arg, WHO);
                return 2;
            }
            if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
                fprintf(stderr, "%s: option '%s' needs a value (see '%s --help')\n", WHO, arg, WHO);
                return 2;
            }
            int rc = set_option(p, name, v);
            if (rc) return rc;
        } else if (!p->folder) {
            p->folder = arg;
        } else {
            fprintf(stderr, "%s: unexpected argument '%s' (one image folder or .mat file)\n", WHO, arg);
            return 2;
        }
    }
    const char *problem = !p->folder ? "no image folder given" : !p->out ? "--out FILE.npy is needed" : NULL;
    if (problem) {
        fprintf(stderr, "%s: %s\n", WHO, problem);
        usage(stderr);
        return 2;
    }
    size_t len = strlen(p->out);
    if (len < 5 || strcmp(p->out + len - 4, ".npy")) {
        fprintf(stderr, "%s: --out '%s' must end in .npy\n", WHO, p->out);
        return 2;
    }
    if (p->o.components && p->o.whiten != CJ_WHITEN_PCA && p->o.whiten != CJ_WHITEN_ZCA) {
        fprintf(stderr, "%s: --components needs --whiten pca or zca\n", WHO);
        return 2;
    }
    return 0;
}

static void progress(void *ctx, const char *stage, long done, long total)
{
    if (!*(int *)ctx) fprintf(stderr, "%s: %s %ld/%ld\n", WHO, stage, done, total);
}

int cj_cmd_patches(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    options p;
    int rc = parse(argc, argv, &p);
    if (rc) return rc;
    double t0 = cj_brain_now();
    cj_error err = {0};
    cj_patch_result r;
    if (cj_patches_make(p.folder, &p.o, progress, &p.quiet, &r, &err) || cj_patches_write(p.out, &p.o, &r, &err)) {
        fprintf(stderr, "%s: %s\n", WHO, err.msg);
        if (r.x || r.before) cj_patch_result_free(&r);
        return 1;
    }
    if (!p.quiet)
        fprintf(stderr, "%s: %ld patches of %dx%d from %d images, %s whitening (%d components) -> %s in %.1f s\n", WHO,
                r.n, p.o.size, p.o.size, r.n_images, cj_whiten_name(p.o.whiten), r.w.kept, p.out,
                cj_brain_now() - t0);
    cj_patch_result_free(&r);
    return 0;
}
