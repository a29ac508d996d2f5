/* cmd_ephys.c — `cajal ephys <subcommand>`: neural-data tools.
 *   cajal ephys simulate --out DIR [--sessions N] [--units N] [--seed S]
 *                        [--drift UM] [--within-drift UM] [--survival P]
 *                        [--samples 82|61] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/ephys.h"
#include "args.h"
#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: cajal ephys <subcommand> [<args>]\n\n"
               "subcommands:\n"
               "  simulate   write chronic Neuropixels sessions with known neuron identities\n\n"
               "Run 'cajal ephys <subcommand> --help' for its options.\n");
}

static void usage_simulate(FILE *f)
{
    fprintf(f,
            "usage: cajal ephys simulate --out DIR [--sessions N] [--units N] [--seed S]\n"
            "                            [--drift UM] [--within-drift UM] [--survival P]\n"
            "                            [--samples 82|61]\n\n"
            "Simulate spike-sorted Neuropixels 1.0 sessions in the Kilosort/phy layout that\n"
            "UnitMatch reads (DIR/session1, ...: channel_positions.npy, cluster_group.tsv,\n"
            "RawWaveforms/Unit<id>_RawSpikes.npy), with the true identities in DIR/truth.csv\n"
            "(session,unit,neuron), each session's rigid drift in DIR/drift.csv and each\n"
            "neuron's position in DIR/neurons.csv.\n\n"
            "  --out DIR       output folder (created if missing)\n"
            "  --sessions N    number of sessions (default 5)\n"
            "  --units N       good units per session (default 300)\n"
            "  --seed S        random seed; a seed fixes every byte written (default 1)\n"
            "  --drift UM      largest rigid shift along the probe vs session1, in um (default 60)\n"
            "  --within-drift UM\n"
            "                  sd of the probe's motion between the two halves of a session, in um\n"
            "                  (one rigid draw per session, plus a quarter of it per unit; default 2.5)\n"
            "  --survival P    probability a unit is still recorded next session (default 0.8)\n"
            "  --samples N     waveform length: 82 (Kilosort 2.5, default) or 61 (Kilosort 4)\n");
}

static int parse_int(const char *opt, const char *v, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || *end || errno || n < -2147483647L || n > 2147483647L) {
        fprintf(stderr, "cajal ephys simulate: %s '%s' is not an integer\n", opt, v);
        return 0;
    }
    *out = (int)n;
    return 1;
}

static int parse_float(const char *opt, const char *v, float *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno) {
        fprintf(stderr, "cajal ephys simulate: %s '%s' is not a number\n", opt, v);
        return 0;
    }
    *out = (float)x;
    return 1;
}

static int parse_seed(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long s = strtoull(v, &end, 10);
    if (end == v || *end || errno || v[0] == '-') {
        fprintf(stderr, "cajal ephys simulate: --seed '%s' is not a non-negative integer\n", v);
        return 0;
    }
    *out = (uint64_t)s;
    return 1;
}

/* One option with its value, given as "--opt value" or "--opt=value". Returns
 * 1 when consumed, 0 on a usage error (already reported). */
static int parse_option(const char *a, const char *v, cj_ephys_sim_opts *o, const char **out, uint64_t *seed)
{
    if (!strcmp(a, "--out")) return (*out = v), 1;
    if (!strcmp(a, "--sessions")) return parse_int(a, v, &o->n_sessions);
    if (!strcmp(a, "--units")) return parse_int(a, v, &o->n_units);
    if (!strcmp(a, "--samples")) return parse_int(a, v, &o->n_samples);
    if (!strcmp(a, "--drift")) return parse_float(a, v, &o->max_drift_um);
    if (!strcmp(a, "--within-drift")) return parse_float(a, v, &o->within_drift_um);
    if (!strcmp(a, "--survival")) return parse_float(a, v, &o->survival);
    if (!strcmp(a, "--seed")) return parse_seed(v, seed);
    fprintf(stderr, "cajal ephys simulate: unknown option '%s' (see 'cajal ephys simulate --help')\n", a);
    return 0;
}

static int cmd_simulate(int argc, char **argv)
{
    cj_ephys_sim_opts o;
    cj_ephys_sim_defaults(&o);
    const char *out = NULL;
    uint64_t seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage_simulate(stdout);
            return 0;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "cajal ephys simulate: unexpected argument '%s'\n", a);
            return 2;
        }
        char name[64];
        const char *v;
        if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
            fprintf(stderr, "cajal ephys simulate: option '%s' needs a value\n", a);
            return 2;
        }
        if (!parse_option(name, v, &o, &out, &seed)) return 2;
    }
    if (!out) {
        fprintf(stderr, "cajal ephys simulate: --out DIR is required (see 'cajal ephys simulate --help')\n");
        return 2;
    }
    cj_error err = {0};
    if (cj_ephys_sim_check(&o, &err)) {
        fprintf(stderr, "cajal ephys simulate: %s\n", err.msg);
        return 2;
    }
    cj_rng rng;
    cj_rng_seed(&rng, seed);
    cj_ephys_sim_summary sum;
    if (cj_ephys_simulate(out, &o, &rng, &sum, &err)) {
        fprintf(stderr, "cajal ephys simulate: %s\n", err.msg);
        return 1;
    }
    printf("wrote %d sessions, %d good units, %d neurons to %s\n", sum.n_sessions,
           sum.n_units, sum.n_neurons, out);
    return 0;
}

int cj_cmd_ephys(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(sub, "simulate")) return cmd_simulate(argc - 1, argv + 1);
    fprintf(stderr, "cajal ephys: unknown subcommand '%s' (see 'cajal ephys --help')\n", sub);
    return 2;
}
