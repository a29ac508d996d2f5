/* cmd_rsa.c — `cajal rsa ACTS_DIR [ACTS_DIR ...] --brain SRC --out DIR`:
 * every layer's RDM against brain RDMs (include/cajal/rsa_report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cajal/rsa_report.h"
#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: cajal rsa ACTS_DIR [ACTS_DIR ...] --brain SRC --out DIR [--distance D]\n"
               "                 [--measures M,...] [--bootstraps N] [--seed S] [--no-figures]\n\n"
               "Compare every layer of activation folders (cajal record) with brain RDMs: table.csv\n"
               "(layer,region,measure,value,ci_low,ci_high,ceiling_low,ceiling_high; a leading model\n"
               "column when several folders are given, their files in DIR/MODEL/), rdm_*.npy and\n"
               "figures rsa_rdms.png, rsa_fit.png, rsa_mds.png.\n\n"
               "  --brain SRC      the rsa92 folder (monkey IT, human IT and its 4 subjects), or a\n"
               "                   .npy RDM [n, n] or subject stack [subjects, n, n]\n"
               "  --distance D     correlation (default), euclidean, sqeuclidean, cosine\n"
               "  --measures M,..  tau_a (default), spearman, pearson, cosine\n"
               "  --bootstraps N   stimulus bootstraps for the 95%% intervals (default 1000)\n"
               "  --seed S         bootstrap seed (default 1)\n\n"
               "Method and files: docs/analysis.md, \"cajal rsa\"\n");
}

/* A model's name: its folder, or the folder above when it is called acts. */
static char *model_name(const char *dir)
{
    char *d = strdup(dir);
    if (!d) return NULL;
    size_t l = strlen(d);
    while (l > 1 && d[l - 1] == '/') d[--l] = 0;
    char *slash = strrchr(d, '/');
    const char *base = slash ? slash + 1 : d;
    if (!strcmp(base, "acts") && slash) {
        *slash = 0;
        char *up = strrchr(d, '/');
        base = up ? up + 1 : d;
    }
    char *out = strdup(base);
    free(d);
    return out;
}

int cj_cmd_rsa(int argc, char **argv)
{
    const char *brain = NULL, *out = NULL;
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    int n = 0;
    cj_rsa_report_opts o;
    cj_rsa_report_defaults(&o);
    cj_error err;
    if (!dirs) return 1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        char name[32];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            free(dirs);
            return 0;
        }
        if (!strcmp(arg, "--no-figures")) {
            o.figures = 0;
            continue;
        }
        if (arg[0] == '-' && arg[1]) {
            if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
                fprintf(stderr, "cajal rsa: option '%s' needs a value (see 'cajal rsa --help')\n", arg);
                free(dirs);
                return 2;
            }
            int bad = 0;
            if (!strcmp(name, "--brain")) brain = v;
            else if (!strcmp(name, "--out")) out = v;
            else if (!strcmp(name, "--distance")) bad = cj_rdm_distance_parse(v, &o.distance, &err) != CJ_OK;
            else if (!strcmp(name, "--measures")) {
                o.n_measures = 0;
                char buf[256];
                snprintf(buf, sizeof buf, "%s", v);
                for (char *tok = strtok(buf, ","); tok && !bad; tok = strtok(NULL, ",")) {
                    if (o.n_measures == CJ_RSA_MEASURES) {
                        snprintf(err.msg, sizeof err.msg, "--measures '%s': at most %d measures", v, CJ_RSA_MEASURES);
                        bad = 1;
                    } else {
                        bad = cj_rsa_measure_parse(tok, &o.measures[o.n_measures++], &err) != CJ_OK;
                    }
                }
                if (!bad && o.n_measures == 0) {
                    snprintf(err.msg, sizeof err.msg, "--measures '%s': no measure", v);
                    bad = 1;
                }
            } else if (!strcmp(name, "--bootstraps")) {
                char *end;
                long b = strtol(v, &end, 10);
                if (end == v || *end || b < 1 || b > 1000000) {
                    snprintf(err.msg, sizeof err.msg, "--bootstraps '%s' is not a whole number from 1 to 1000000", v);
                    bad = 1;
                }
                o.boot.samples = (int)b;
            } else if (!strcmp(name, "--seed")) {
                if (!cj_cli_parse_u64(v, &o.boot.seed)) {
                    snprintf(err.msg, sizeof err.msg, "--seed '%s' is not a whole number >= 0", v);
                    bad = 1;
                }
            } else {
                snprintf(err.msg, sizeof err.msg, "unknown option '%s' (see 'cajal rsa --help')", name);
                bad = 1;
            }
            if (bad) {
                fprintf(stderr, "cajal rsa: %s\n", err.msg);
                free(dirs);
                return 2;
            }
        } else {
            dirs[n++] = arg;
        }
    }
    if (!n || !brain || !out) {
        fprintf(stderr, "cajal rsa: %s\n", !n ? "no activations folder given" : !brain ? "--brain SRC is needed"
                                                                                     : "--out DIR is needed");
        usage(stderr);
        free(dirs);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cj_acts *acts = calloc((size_t)n, sizeof *acts);
    char **names = calloc((size_t)n, sizeof *names);
    cj_rsa_brain b;
    int rc = 0, loaded = 0, regions = 0;
    if (!acts || !names) {
        fprintf(stderr, "cajal rsa: out of memory\n");
        rc = 1;
    }
    for (; !rc && loaded < n; loaded++) {
        names[loaded] = model_name(dirs[loaded]);
        if (cj_acts_read(dirs[loaded], &acts[loaded], &err)) {
            fprintf(stderr, "cajal rsa: %s\n", err.msg);
            rc = 1;
        }
    }
    for (int i = 0; !rc && i < n; i++)
        for (int j = 0; j < i; j++)
            if (names[i] && names[j] && !strcmp(names[i], names[j])) {
                free(names[i]);
                names[i] = strdup(dirs[i]);
                for (char *c = names[i]; c && *c; c++)
                    if (*c == '/') *c = '_';
            }
    if (!rc && cj_rsa_brain_load(brain, &b, &err)) {
        fprintf(stderr, "cajal rsa: %s\n", err.msg);
        rc = 1;
    } else if (!rc) {
        regions = b.n_regions;
        if (cj_rsa_report(acts, n, (const char *const *)names, dirs, &b, &o, out, &err)) {
            fprintf(stderr, "cajal rsa: %s\n", err.msg);
            rc = 1;
        }
        cj_rsa_brain_free(&b);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!rc)
        printf("cajal rsa: %d model%s x %d regions, %d bootstraps -> %s/table.csv in %.2f s\n", n, n > 1 ? "s" : "",
               regions, o.boot.samples, out,
               (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
    for (int i = 0; i < n; i++) {
        if (i < loaded) cj_acts_free(&acts[i]);
        if (names) free(names[i]);
    }
    free(acts);
    free(names);
    free(dirs);
    return rc;
}
