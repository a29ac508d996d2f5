/* cmd_hopfield.c — `cajal hopfield capacity|modern ...`: the capacity sweep
 * of the classic binary Hopfield network and image retrieval by the modern
 * continuous one (include/cajal/hopfield.h; the library does the work, this
 * file parses). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "brain_cli.h"
#include "cajal/data.h"
#include "cajal/hopfield.h"
#include "commands.h"

static const char WHO_CAP[] = "cajal hopfield capacity", WHO_MOD[] = "cajal hopfield modern";
#define DEFAULT_IMAGES "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
enum { MAX_LOADS = 10000 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal hopfield capacity [--units N] [--loads A:B:STEP] [--rule hebb|pinv] [--flip F]\n"
            "                               [--trials T] [--sweeps S] [--seed S] --out DIR\n"
            "       cajal hopfield modern [--images FILE] [--patterns P] [--cues Q] [--beta B] [--steps K]\n"
            "                             [--pixels binary|grey] [--seed S] --out DIR\n\n"
            "capacity: the classic binary Hopfield network (Hopfield 1982). For each load P/N on the grid,\n"
            "store P random +-1 patterns (Hebb: W = (1/N) sum xi xi^T, or pinv: the projection rule;\n"
            "zero diagonal), start asynchronous dynamics (random order, seeded) from each stored pattern\n"
            "and count it recalled when the fixed point has <= 1%% bit errors. Amit, Gutfreund &\n"
            "Sompolinsky (1985): the Hebb rule's retrieval states vanish at P/N = 0.138.\n"
            "  --units N      network size (default 1000)\n"
            "  --loads A:B:S  loads from A to B (included) in steps of S (default 0.05:0.25:0.01)\n"
            "  --rule R       hebb (default) or pinv (needs P <= N)\n"
            "  --flip F       start from the pattern with a fraction F of its bits flipped (default 0:\n"
            "                 the stability of the stored patterns, Amit et al.'s measure)\n"
            "  --trials T     independent networks per load, pooled (default 5)\n"
            "  --sweeps S     at most S asynchronous sweeps per recall (default 100)\n"
            "  --seed S       random seed (default 1)\n"
            "  writes capacity.csv (load,recall_fraction), capacity.json (transition, bit errors),\n"
            "  capacity.png\n\n"
            "modern: the modern continuous Hopfield network (Ramsauer et al. 2020),\n"
            "xi <- X^T softmax(beta X xi), with the first P images stored (pixels as -1/+1, or grey\n"
            "levels in [-1, 1]); Q of them, drawn at random, are cued with their lower half set to 0\n"
            "and counted retrieved when the stored image nearest the result (Euclidean) is the one cued.\n"
            "  --images FILE  IDX image file (default " DEFAULT_IMAGES ")\n"
            "  --patterns P   images stored (default 10000, about 12.8 N for 28x28 images)\n"
            "  --cues Q       images cued (default 1000, at most P)\n"
            "  --beta B       inverse temperature (default 1)\n"
            "  --steps K      updates per cue (default 1)\n"
            "  --pixels M     binary (default: pixel > 0.5 is +1, else -1) or grey (2 pixel - 1); grey\n"
            "                 images are not separable by the dot product (see docs/codes.md)\n"
            "  --seed S       which images are cued (default 1)\n"
            "  writes retrieval.csv (cue,target,nearest,correct,pixel_error,masked_error), retrieval.json,\n"
            "  retrieval.png (cues, results, targets)\n\n"
            "Definitions: docs/codes.md; files: docs/outputs.md; results: docs/results_codes.md\n");
}

/* A:B:STEP with 0 < A <= B and STEP > 0, into loads; 0 ok, 2 printed. */
static int parse_loads(const char *v, double *loads, int *n)
{
    char *e1, *e2, *e3;
    double a = strtod(v, &e1), b = NAN, s = NAN;
    if (*e1 == ':') b = strtod(e1 + 1, &e2);
    if (*e1 == ':' && *e2 == ':') s = strtod(e2 + 1, &e3);
    if (!(*e1 == ':' && *e2 == ':' && *e3 == 0 && a > 0 && b >= a && s > 0 && isfinite(b) && b <= 10)) {
        char q[80];
        fprintf(stderr, "%s: --loads '%s': expected A:B:STEP with 0 < A <= B <= 10 and STEP > 0\n", WHO_CAP,
                cj_error_quote(v, q, sizeof q));
        return 2;
    }
    double count = floor((b - a) / s + 1e-9) + 1;
    if (count > MAX_LOADS) {
        fprintf(stderr, "%s: --loads '%s' makes %.0f loads (at most %d)\n", WHO_CAP, v, count, MAX_LOADS);
        return 2;
    }
    *n = (int)count;
    /* each load from its index, not by adding STEP, so 0.14 prints as 0.14 */
    for (int k = 0; k < *n; k++) loads[k] = round((a + k * s) * 1e9) / 1e9;
    return 0;
}

typedef struct {
    const char *out, *images, *rule, *pixels;
    int units, sweeps, trials, patterns, cues, steps, n_loads;
    double flip, beta;
    uint64_t seed;
    double *loads;
} options;

static int parse(int argc, char **argv, options *o, const char *who)
{
    static const char *const valued[] = {"--units", "--loads", "--rule",  "--flip",  "--sweeps", "--seed", "--trials",
                                         "--out",   "--images", "--patterns", "--cues", "--beta", "--steps", "--pixels", NULL};
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i], *v;
        char name[32];
        if (!cj_brain_known_option(arg, valued)) {
            fprintf(stderr, "%s: unknown option or argument '%.*s' (see 'cajal hopfield --help')\n", who,
                    (int)strcspn(arg, "="), arg);
            return 2;
        }
        if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
            fprintf(stderr, "%s: option '%s' needs a value (see 'cajal hopfield --help')\n", who, arg);
            return 2;
        }
        int ok = 1;
        if (!strcmp(name, "--out")) o->out = v;
        else if (!strcmp(name, "--images")) o->images = v;
        else if (!strcmp(name, "--rule")) o->rule = v;
        else if (!strcmp(name, "--pixels")) {
            if (strcmp(v, "binary") && strcmp(v, "grey")) {
                fprintf(stderr, "%s: --pixels '%s': expected binary or grey\n", who, v);
                return 2;
            }
            o->pixels = v;
        }
        else if (!strcmp(name, "--units")) ok = cj_brain_int(who, name, v, 2, 20000, &o->units);
        else if (!strcmp(name, "--trials")) ok = cj_brain_int(who, name, v, 1, 100000, &o->trials);
        else if (!strcmp(name, "--sweeps")) ok = cj_brain_int(who, name, v, 1, 100000, &o->sweeps);
        else if (!strcmp(name, "--patterns")) ok = cj_brain_int(who, name, v, 1, 1000000, &o->patterns);
        else if (!strcmp(name, "--cues")) ok = cj_brain_int(who, name, v, 1, 1000000, &o->cues);
        else if (!strcmp(name, "--steps")) ok = cj_brain_int(who, name, v, 1, 1000, &o->steps);
        else if (!strcmp(name, "--beta")) ok = cj_brain_positive(who, name, v, &o->beta);
        else if (!strcmp(name, "--loads")) {
            if (parse_loads(v, o->loads, &o->n_loads)) return 2;
        } else if (!strcmp(name, "--flip")) {
            char *e;
            o->flip = strtod(v, &e);
            if (*e || !(o->flip >= 0 && o->flip <= 0.5)) {
                fprintf(stderr, "%s: --flip '%s' is not a fraction from 0 to 0.5\n", who, v);
                return 2;
            }
        } else if (!strcmp(name, "--seed")) {
            if (!cj_cli_parse_u64(v, &o->seed)) {
                fprintf(stderr, "%s: --seed '%s' is not a whole number >= 0\n", who, v);
                return 2;
            }
        }
        if (!ok) return 2;
    }
    if (!o->out) {
        fprintf(stderr, "%s: --out DIR is required (see 'cajal hopfield --help')\n", who);
        return 2;
    }
    return 0;
}

static int capacity(int argc, char **argv)
{
    options o = {.units = 1000, .sweeps = 100, .trials = 5, .seed = 1};
    o.loads = malloc(MAX_LOADS * sizeof *o.loads);
    if (!o.loads) {
        fprintf(stderr, "%s: out of memory\n", WHO_CAP);
        return 1;
    }
    int rc = parse(argc, argv, &o, WHO_CAP);
    if (!rc && (o.images || o.patterns || o.cues || o.steps || o.beta || o.pixels)) {
        fprintf(stderr, "%s: --images, --patterns, --cues, --beta, --steps and --pixels belong to 'cajal hopfield modern'\n",
                WHO_CAP);
        rc = 2;
    }
    if (!rc && !o.n_loads) parse_loads("0.05:0.25:0.01", o.loads, &o.n_loads);
    cj_error err = {0};
    cj_hopfield_capacity_opts co = {.units = o.units, .n_loads = o.n_loads, .loads = o.loads,
                                    .cue_flip = o.flip, .max_error = 0.01, .max_sweeps = o.sweeps, .trials = o.trials, .seed = o.seed};
    if (!rc && o.rule && cj_hopfield_rule_parse(o.rule, &co.rule, &err)) {
        fprintf(stderr, "%s: %s\n", WHO_CAP, err.msg);
        rc = 2;
    }
    double *recall = NULL, *be = NULL;
    if (!rc) {
        recall = malloc((size_t)o.n_loads * sizeof *recall), be = malloc((size_t)o.n_loads * sizeof *be);
        if (!recall || !be) err.code = cj_fail(&err, CJ_ERR_NOMEM, "out of memory");
        else if (!cj_hopfield_capacity(&co, recall, be, &err)) cj_hopfield_capacity_write(o.out, &co, recall, be, &err);
        if (err.code) {
            fprintf(stderr, "%s: %s\n", WHO_CAP, err.msg);
            rc = 1;
        } else {
            double t = cj_hopfield_transition(o.loads, recall, o.n_loads);
            if (isfinite(t))
                printf("%s: N = %d, %s: recall falls through 0.5 at P/N = %.4f (Amit et al. 1985: 0.138); %s/capacity.csv\n",
                       WHO_CAP, o.units, cj_hopfield_rule_name(co.rule), t, o.out);
            else
                printf("%s: N = %d, %s: recall never falls through 0.5 on this grid; %s/capacity.csv\n", WHO_CAP,
                       o.units, cj_hopfield_rule_name(co.rule), o.out);
        }
    }
    free(recall), free(be), free(o.loads);
    return rc;
}

static int modern(int argc, char **argv)
{
    options o = {.seed = 1};
    int rc = parse(argc, argv, &o, WHO_MOD);
    if (!rc && (o.rule || o.units || o.sweeps || o.trials || o.n_loads || o.flip)) {
        fprintf(stderr, "%s: --units, --loads, --rule, --flip, --trials and --sweeps belong to 'cajal hopfield capacity'\n",
                WHO_MOD);
        rc = 2;
    }
    if (rc) return rc;
    cj_hopfield_modern_opts mo = {.patterns = o.patterns ? o.patterns : 10000,
                                  .beta = o.beta ? (float)o.beta : 1.0f,
                                  .steps = o.steps ? o.steps : 1,
                                  .binary = !o.pixels || !strcmp(o.pixels, "binary"),
                                  .seed = o.seed};
    mo.cues = o.cues ? o.cues : (mo.patterns < 1000 ? mo.patterns : 1000);
    const char *path = o.images ? o.images : DEFAULT_IMAGES;
    cj_error err = {0};
    cj_dataset d = {0};
    cj_hopfield_modern_result r = {0};
    if (!cj_idx_load_images(path, &d, &err) &&
        !cj_hopfield_modern_retrieve(d.x, d.n, d.shape.h, d.shape.w, &mo, &r, &err) &&
        !cj_hopfield_modern_write(o.out, &mo, d.shape.h, d.shape.w, d.x, &r, &err)) {
        int N = d.shape.h * d.shape.w;
        printf("%s: P = %d (%.1f N), beta = %g: %.1f%% of %d half-masked cues retrieved; %s/retrieval.csv\n", WHO_MOD,
               mo.patterns, (double)mo.patterns / N, (double)mo.beta, 100 * r.fraction, r.n_cues, o.out);
    } else {
        fprintf(stderr, "%s: %s\n", WHO_MOD, err.msg);
        rc = 1;
    }
    cj_hopfield_modern_result_free(&r);
    cj_dataset_free(&d);
    return rc;
}

int cj_cmd_hopfield(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    if (!strcmp(argv[1], "capacity")) return capacity(argc, argv);
    if (!strcmp(argv[1], "modern")) return modern(argc, argv);
    char q[80];
    fprintf(stderr, "cajal hopfield: unknown mode '%s' (expected capacity or modern)\n", cj_error_quote(argv[1], q, sizeof q));
    return 2;
}
