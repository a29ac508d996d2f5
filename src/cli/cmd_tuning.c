/* cmd_tuning.c — `cajal tuning ACTS --variable [FILE.csv:]COLUMN [--layer
 * NAME ...] [--bins N | --edges a,b,c] [--circular rad|deg] [--steps A:B]
 * [--where COLUMN=VALUE ...] [--position Y,X] [--top K] [--max-levels N]
 * [--out DIR] [--quiet]`: tuning curves of every unit of an activations
 * folder to a stimulus variable, with each unit's selectivity (one-way
 * ANOVA, eta^2) and, for directions, its preferred direction
 * (include/cajal/tuning.h; the library does the work, this file parses). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "brain_cli.h"
#include "cajal/files.h"
#include "cajal/tuning.h"
#include "commands.h"

static const char WHO[] = "cajal tuning";

enum { MAX_EDGES = 1001, MAX_WHERE = 16, MAX_LAYER_ARGS = 64 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cajal tuning ACTS --variable [FILE.csv:]COLUMN [--layer NAME ...]\n"
            "                    [--bins N | --edges a,b,c] [--circular rad|deg] [--steps A:B]\n"
            "                    [--where COLUMN=VALUE ...] [--position Y,X] [--top K]\n"
            "                    [--max-levels N] [--out DIR] [--quiet]\n\n"
            "Tuning curves of a model's units, as a physiologist measures a neuron's: each unit's\n"
            "mean response, SD, SEM and n at each level of a stimulus variable, its selectivity\n"
            "(one-way ANOVA across levels: F, p and eta^2, the fraction of its variance the\n"
            "variable explains), its preferred level and, for directions, its preferred direction\n"
            "and tuning depth (the vector sum of the curve). ACTS is an activations folder (cajal\n"
            "record): [stimuli, units] layers as they are, [trials, T, units] layers averaged over a\n"
            "window of steps, [stimuli, C, H, W] feature maps averaged over positions per channel.\n\n"
            "  --variable [FILE:]COL  the stimulus variable: column COL of FILE.csv, one row per\n"
            "                     stimulus in the folder's order; without FILE, ACTS/conditions.csv\n"
            "                     (cajal record --trials) or else ACTS/categories.csv (--images)\n"
            "  --layer NAME       only this layer (repeat, or a comma-separated list; default: all)\n"
            "  --bins N           cut a numeric variable into N equal-count bins (pandas.qcut)\n"
            "  --edges a,b,c      or into the bins (a,b], (b,c] (the first closed); outside: left out\n"
            "                     (default: one level per distinct value, at most --max-levels)\n"
            "  --circular rad|deg the variable is a direction: values wrapped onto one turn, and\n"
            "                     units.csv gets pref_dir (in these units) and depth\n"
            "  --steps A:B        the steps averaged in [trials, T, units] layers: A and B step\n"
            "                     numbers (B excluded) or columns of FILE (stim1_start:stim1_end);\n"
            "                     --steps NAME for a period, NAME_start:NAME_end (e.g. stim1, delay1);\n"
            "                     default: the whole trial (to its `steps` column when FILE has one)\n"
            "  --where COL=VALUE  only the rows where column COL is VALUE (text, or the same\n"
            "                     number); repeat to require several (e.g. task=fdgo, correct=1)\n"
            "  --position Y,X     feature maps: the channel's response at row Y, column X instead of\n"
            "                     its mean over positions\n"
            "  --top K            units drawn per layer, the K with the largest eta^2 (default 15)\n"
            "  --max-levels N     distinct values allowed without --bins (default 100)\n"
            "  --out DIR          where to write (default: tuning/ beside ACTS)\n"
            "  --quiet            no line per layer\n\n"
            "Writes tuning.csv (layer,unit,level,x,mean,sd,sem,n), units.csv (layer,unit,\n"
            "preferred,F,p,eta2[,pref_dir,depth]), tuning.json and tuning_LAYER.png per layer.\n"
            "Definitions: docs/analysis.md (Tuning curves); files: docs/outputs.md\n");
}

typedef struct {
    const char *acts, *variable, *out, *steps, *circular;
    const char *layer_args[MAX_LAYER_ARGS];
    int n_layer_args;
    const char *where[MAX_WHERE];
    int n_where;
    int bins, top, max_levels, quiet, pos_y, pos_x;
    double edges[MAX_EDGES];
    int n_edges;
} options;

/* --edges: increasing numbers, comma-separated; 0 ok, 2 printed. */
static int parse_edges(options *o, const char *v)
{
    char quoted[80];
    cj_error_quote(v, quoted, sizeof quoted);
    o->n_edges = 0;
    for (const char *c = v;;) {
        char *end;
        double e = strtod(c, &end);
        if (end == c || (*end && *end != ',') || !isfinite(e) || o->n_edges == MAX_EDGES ||
            (o->n_edges && !(e > o->edges[o->n_edges - 1]))) {
            fprintf(stderr, "%s: --edges '%s': expected 2 to %d increasing numbers, comma-separated\n", WHO, quoted,
                    MAX_EDGES);
            return 2;
        }
        o->edges[o->n_edges++] = e;
        if (!*end) break;
        c = end + 1;
    }
    if (o->n_edges < 2) {
        fprintf(stderr, "%s: --edges '%s': one edge makes no bin; give at least two\n", WHO, quoted);
        return 2;
    }
    return 0;
}

static int parse_position(options *o, const char *v)
{
    int y, x, used = 0;
    if (sscanf(v, "%d,%d%n", &y, &x, &used) != 2 || v[used] || y < 0 || x < 0) {
        char quoted[80];
        fprintf(stderr, "%s: --position '%s': expected Y,X (row and column, from 0)\n", WHO,
                cj_error_quote(v, quoted, sizeof quoted));
        return 2;
    }
    o->pos_y = y, o->pos_x = x;
    return 0;
}

static int parse(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->top = 15;
    o->pos_y = o->pos_x = -1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        char name[32];
        if (!strcmp(arg, "--quiet") || !strcmp(arg, "-q")) {
            o->quiet = 1;
            continue;
        }
        if (!(arg[0] == '-' && arg[1])) {
            if (o->acts) {
                fprintf(stderr, "%s: unexpected argument '%s' (one activations folder at a time)\n", WHO, arg);
                return 2;
            }
            o->acts = arg;
            continue;
        }
        static const char *const valued[] = {"--variable", "--layer", "--layers",   "--bins", "--edges",
                                             "--circular", "--steps", "--where",    "--top",  "--out",
                                             "--position", "--max-levels", NULL};
        if (!cj_brain_known_option(arg, valued)) {
            fprintf(stderr, "%s: unknown option '%.*s' (see '%s --help')\n", WHO, (int)strcspn(arg, "="), arg, WHO);
            return 2;
        }
        if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
            fprintf(stderr, "%s: option '%s' needs a value (see '%s --help')\n", WHO, arg, WHO);
            return 2;
        }
        int ok = 1;
        if (!strcmp(name, "--variable")) o->variable = v;
        else if (!strcmp(name, "--out")) o->out = v;
        else if (!strcmp(name, "--steps")) o->steps = v;
        else if (!strcmp(name, "--layer") || !strcmp(name, "--layers")) {
            if (o->n_layer_args == MAX_LAYER_ARGS) {
                fprintf(stderr, "%s: more than %d --layer options; give a comma-separated list\n", WHO,
                        MAX_LAYER_ARGS);
                return 2;
            }
            o->layer_args[o->n_layer_args++] = v;
        } else if (!strcmp(name, "--where")) {
            if (o->n_where == MAX_WHERE) {
                fprintf(stderr, "%s: more than %d --where options\n", WHO, MAX_WHERE);
                return 2;
            }
            o->where[o->n_where++] = v;
        } else if (!strcmp(name, "--circular")) {
            if (strcmp(v, "rad") && strcmp(v, "deg")) {
                char quoted[80];
                fprintf(stderr, "%s: --circular '%s': expected rad or deg (the units of the directions)\n", WHO,
                        cj_error_quote(v, quoted, sizeof quoted));
                return 2;
            }
            o->circular = v;
        } else if (!strcmp(name, "--edges")) {
            if (parse_edges(o, v)) return 2;
        } else if (!strcmp(name, "--position")) {
            if (parse_position(o, v)) return 2;
        } else if (!strcmp(name, "--bins")) ok = cj_brain_int(WHO, name, v, 2, 1000, &o->bins);
        else if (!strcmp(name, "--top")) ok = cj_brain_int(WHO, name, v, 1, 100, &o->top);
        else if (!strcmp(name, "--max-levels")) ok = cj_brain_int(WHO, name, v, 2, 100000, &o->max_levels);
        if (!ok) return 2;
    }
    const char *problem = !o->acts                      ? "no activations folder given"
                          : !o->variable                ? "--variable [FILE.csv:]COLUMN is needed"
                          : o->bins && o->n_edges       ? "--bins and --edges both given: choose one"
                                                        : NULL;
    if (problem) {
        fprintf(stderr, "%s: %s\n", WHO, problem);
        if (!o->acts || !o->variable) usage(stderr);
        return 2;
    }
    return 0;
}

static int is_file(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 && S_ISREG(s.st_mode);
}

/* --variable into the table's path (a new allocation) and the column:
 * "FILE:COLUMN" split at the last ':', or COLUMN alone with the folder's
 * conditions.csv or categories.csv. NULL when none is found (printed). */
static char *variable_table(const options *o, const char **column)
{
    const char *colon = strrchr(o->variable, ':');
    if (colon && colon != o->variable) {
        *column = colon + 1;
        if (!colon[1]) {
            fprintf(stderr, "%s: --variable '%s': no column after the ':'\n", WHO, o->variable);
            return NULL;
        }
        char *path = strndup(o->variable, (size_t)(colon - o->variable));
        if (!path) fprintf(stderr, "%s: out of memory\n", WHO);
        return path;
    }
    *column = colon ? colon + 1 : o->variable;
    static const char *const tables[] = {"conditions.csv", "categories.csv"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char *path = cj_path_join(o->acts, tables[i]);
        if (path && is_file(path)) return path;
        free(path);
    }
    fprintf(stderr, "%s: --variable %s names no file, and %s has neither conditions.csv nor categories.csv: give "
            "--variable FILE.csv:%s\n", WHO, o->variable, o->acts, *column);
    return NULL;
}

static void layer_done(void *user, const cj_tuning_layer_summary *s)
{
    const options *o = user;
    if (o->quiet) return;
    static const char *const how[] = {"", ", steps averaged", ", channels (mean over positions)",
                                      ", channels at one position"};
    printf("%s: %s (%d units%s): %d with p < 0.05", WHO, s->layer, s->units, how[s->reduced], s->significant);
    if (s->constant) printf(", %d constant", s->constant);
    if (s->best_unit >= 0) {
        printf("; median eta^2 %.3f; most selective unit %d (eta^2 %.3f, preferred %s", s->median_eta2, s->best_unit,
               s->best_eta2, s->best_preferred);
        if (!isnan(s->best_pref_dir)) printf(", direction %.3g", s->best_pref_dir);
        printf(")");
    }
    printf("\n");
}

int cj_cmd_tuning(int argc, char **argv)
{
    if (cj_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    options o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc;
    const char *column = NULL;
    char *table = variable_table(&o, &column);
    if (!table) return 2;
    /* the --layer options as one comma-separated list for cj_acts_select */
    char *layers = NULL;
    for (int i = 0; i < o.n_layer_args; i++) {
        char *joined = layers ? cj_path_printf("%s,%s", layers, o.layer_args[i]) : strdup(o.layer_args[i]);
        free(layers);
        if (!(layers = joined)) {
            free(table);
            fprintf(stderr, "%s: out of memory\n", WHO);
            return 1;
        }
    }
    cj_tuning_report_opts r;
    cj_tuning_report_defaults(&r);
    r.acts = o.acts;
    r.table = table;
    r.column = column;
    r.layers = layers;
    r.where = o.where;
    r.n_where = o.n_where;
    r.levels.bins = o.bins;
    r.levels.edges = o.n_edges ? o.edges : NULL;
    r.levels.n_edges = o.n_edges;
    r.levels.max_levels = o.max_levels;
    r.levels.circular = !o.circular             ? CJ_TUNING_LINEAR
                        : !strcmp(o.circular, "rad") ? CJ_TUNING_RADIANS
                                                     : CJ_TUNING_DEGREES;
    r.steps = o.steps;
    r.pos_y = o.pos_y;
    r.pos_x = o.pos_x;
    r.top = o.top;
    r.layer_done = layer_done;
    r.user = &o;
    char *out = o.out ? strdup(o.out) : cj_brain_default_out(o.acts, "tuning");
    cj_error err = {0};
    cj_status st = out ? cj_tuning_report(&r, out, &err) : cj_fail(&err, CJ_ERR_NOMEM, "out of memory");
    if (st) {
        fprintf(stderr, "%s: %s\n", WHO, err.msg);
        rc = 1;
    } else {
        printf("%s: wrote %s/tuning.csv, units.csv, tuning.json and a tuning_LAYER.png per layer\n", WHO, out);
    }
    free(out);
    free(layers);
    free(table);
    return rc;
}
