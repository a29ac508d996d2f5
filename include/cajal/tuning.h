/* tuning.h — tuning curves: each unit's mean response at each level of a
 * stimulus variable (a direction, a coherence, an image category), how
 * selective it is, and for directions its preferred direction — the first
 * thing a physiologist measures of a neuron, here of a network's units
 * (issue 10; `cajal tuning`, docs/analysis.md "Tuning curves").
 *
 *     // the variable: one value per stimulus, as text (a CSV column)
 *     cj_tuning_level_opts lo = {.bins = 8, .circular = CJ_TUNING_RADIANS};
 *     cj_tuning_levels lv;
 *     cj_tuning_levels_make(values, n, NULL, &lo, &lv, &err);     // 8 equal-count bins of directions
 *     cj_tuning t;
 *     cj_tuning_compute(x, n, units, &lv, &t, &err);               // x: [n, units] responses
 *     // t.mean[u * lv.n_levels + k], t.F[u], t.p[u], t.eta2[u], t.pref_dir[u], ...
 *     cj_tuning_free(&t);
 *     cj_tuning_levels_free(&lv);
 *
 * or a whole activations folder at once, as the command does:
 *
 *     cj_tuning_report_opts o;
 *     cj_tuning_report_defaults(&o);
 *     o.acts = "runs/go/acts"; o.table = "runs/go/acts/conditions.csv"; o.column = "stim_dir";
 *     o.levels.bins = 8; o.levels.circular = CJ_TUNING_RADIANS; o.steps = "stim1";
 *     cj_tuning_report(&o, "runs/go/tuning", &err);   // tuning.csv, units.csv, tuning.json, PNGs
 *
 * Definitions (every sum over the stimuli that have a level):
 *  - Levels. Categorical: the distinct values of the variable; numbers in
 *    increasing order, names (any value that is not a number) in order of
 *    first appearance. Binned: `bins` equal-count bins, pandas.qcut's:
 *    the edges are the variable's quantiles at 0, 1/bins, ..., 1 (NumPy's
 *    linear interpolation) and a bin holds (e_k, e_k+1], the first also
 *    its lower edge; or given `edges`, the same bins on them
 *    (pandas.cut(include_lowest=True)), values outside left out.
 *  - Per level k of n_k stimuli: the mean response, the sample standard
 *    deviation (divisor n_k - 1; NaN for n_k = 1) and the standard error
 *    sd / sqrt(n_k).
 *  - Selectivity: the one-way ANOVA across levels (scipy.stats.f_oneway):
 *    F = (SS_between / (K - 1)) / (SS_within / (N - K)), its p = P(F(K-1,
 *    N-K) > F), and eta^2 = SS_between / SS_total, the fraction of the
 *    unit's variance over stimuli that the variable explains (Cohen 1973).
 *    A unit whose response varies only between levels has F = inf, p = 0;
 *    a constant unit has F, p and eta^2 NaN (and no preferred level).
 *  - Preferred level: the level with the largest mean (the first on ties).
 *  - Circular variables (directions): each level's angle theta_k (its
 *    value, or for a bin the mean of its stimuli's values, in radians) and
 *    the vector sum of the tuning curve (the population-vector practice of
 *    Georgopoulos et al. 1986; the "1 - circular variance" index of
 *    Ringach et al. 2002 and Mazurek, Kager & Van Hooser 2014, Front.
 *    Neural Circuits 8:92):
 *        z = sum_k r_k exp(i theta_k) / sum_k r_k,
 *    pref_dir = arg z in [0, 2 pi), depth = |z| in [0, 1] (0: untuned, 1:
 *    a response at one direction only), with r_k the level means. Units
 *    of a network may respond below zero (tanh, pre-activations), where
 *    the normalisation means nothing, so when the lowest mean is negative
 *    r_k is taken from it (r_k - min_k r_k); rates >= 0 are used as they
 *    are. NaN for a unit whose r_k are all 0.
 *    Values are wrapped into [0, 360) degrees or [0, 2 pi) before the
 *    levels are made, so -90 and 270 are one level.
 *
 * Everything is computed in double from the float responses (means first,
 * then squared deviations from them). Nothing here prints or keeps state. */
#ifndef CAJAL_TUNING_H
#define CAJAL_TUNING_H

#include <stddef.h>
#include <stdint.h>

#include "cajal/status.h"

/* ---- levels of the variable ------------------------------------------ */

typedef enum {
    CJ_TUNING_LINEAR = 0, /* not circular */
    CJ_TUNING_RADIANS,    /* directions in radians (period 2 pi) */
    CJ_TUNING_DEGREES     /* directions in degrees (period 360) */
} cj_tuning_circular;

enum { CJ_TUNING_MAX_LEVELS_DEFAULT = 100 };

typedef struct {
    int bins;                    /* > 0: that many equal-count bins of a numeric variable */
    const double *edges;         /* else, when n_edges >= 2: bins on these increasing edges */
    int n_edges;
    cj_tuning_circular circular;
    int max_levels;              /* distinct values allowed without bins (0: 100) */
} cj_tuning_level_opts;

typedef struct {
    int n_stimuli;               /* values given */
    int n_used;                  /* stimuli with a level */
    int n_left_out;              /* of them: not kept (keep[i] = 0) */
    int n_outside;               /* kept but outside the edges (edges only) */
    int n_levels;
    int numeric;                 /* 1: levels are numbers (increasing); 0: names */
    int binned;                  /* 1: bins (bins or edges) */
    cj_tuning_circular circular;
    char **labels;               /* [n_levels]: the value as written, or a bin "lo..hi" */
    double *x;                   /* [n_levels]: where the level goes on an axis: its value (wrapped), a bin's mean
                                    value, or for names its index */
    double *lo, *hi;             /* [n_levels]: a bin's edges; NaN for categories */
    double *angle;               /* [n_levels]: x in radians, circular variables only (else NULL) */
    int *count;                  /* [n_levels]: stimuli of each level */
    int *level;                  /* [n_stimuli]: each stimulus's level, -1 when it has none */
} cj_tuning_levels;

/* The levels of n values (text, as read from a CSV column: numbers are
 * values strtod reads whole) of which keep[i] != 0 are used (keep NULL:
 * all). Errors (CJ_ERR_ARG, naming the stimulus and value): an empty
 * value; a value that is not a number when binning or circular; a NaN or
 * infinite number; fewer than 2 levels; more than max_levels distinct
 * values without bins (with a hint to bin them); bins that cannot hold
 * equal counts because of ties (repeated quantile edges); edges not
 * increasing, or a bin on them with no stimulus; as many levels as
 * stimuli (no within-level variance to test against). On failure *out
 * holds nothing to free. */
cj_status cj_tuning_levels_make(const char *const *values, int n, const unsigned char *keep,
                                const cj_tuning_level_opts *o, cj_tuning_levels *out, cj_error *err);
void cj_tuning_levels_free(cj_tuning_levels *lv);

/* ---- one response per stimulus and unit ------------------------------ */

typedef struct {
    /* [n] each trial's window of steps [start, end) of a [n, T, units]
     * layer, averaged; NULL: every step */
    const int *start, *end;
    /* of a [n, C, H, W] feature map: the position (row y, column x) to
     * take; y < 0: the mean over positions, one response per channel */
    int y, x;
    const unsigned char *keep;   /* [n] stimuli whose window is checked (NULL: all) */
} cj_tuning_reduce;

/* The responses of a layer read as [shape[0], ...] floats (ndim 1 to 4:
 * [n], [n, units], [n, T, units] or [n, C, H, W]) as [n, *units] into a
 * new allocation *out: units as they are, time steps averaged over the
 * window, feature maps averaged over space or taken at one position.
 * Errors name the stimulus: a window outside [0, T) or empty, a position
 * outside the map. Stimuli not kept get 0. */
cj_status cj_tuning_responses(const float *data, int ndim, const int64_t *shape, const cj_tuning_reduce *r,
                              float **out, int *units, cj_error *err);

/* ---- tuning curves and selectivity ----------------------------------- */

typedef struct {
    int n_units, n_levels;
    double *mean, *sd, *sem;     /* [n_units * n_levels]: unit u, level k at u * n_levels + k */
    const int *n;                /* [n_levels] stimuli per level (the levels' counts) */
    double *F, *p, *eta2;        /* [n_units] */
    int *preferred;              /* [n_units] level of the largest mean; -1 for a constant unit */
    double *pref_dir, *depth;    /* [n_units] circular variables only (radians in [0, 2 pi)), else NULL */
    int df_between, df_within;   /* K - 1 and N - K */
} cj_tuning;

/* Tuning curves of x [n_stimuli, n_units] (row i the responses to stimulus
 * i) over lv (made from n_stimuli values; its counts are borrowed, so lv
 * outlives *out). On failure *out holds nothing to free. */
cj_status cj_tuning_compute(const float *x, int n_stimuli, int n_units, const cj_tuning_levels *lv, cj_tuning *out,
                            cj_error *err);
void cj_tuning_free(cj_tuning *t);

/* The units in order of selectivity, into order[n_units]: eta^2 largest
 * first, then F (ties of eta^2 = 1), NaN last, ties by unit index. */
void cj_tuning_rank(const cj_tuning *t, int *order);

/* A figure of one layer (tuning_plot.c) into path (.png, .svg or .pdf):
 * a histogram of every unit's eta^2, then the tuning curves of the `top`
 * units first in `order` (mean +- SEM per level; bars for named levels,
 * directions in degrees with the preferred direction marked), a panel
 * each, in a grid. `title` heads the figure, `variable` labels the x axes. */
cj_status cj_tuning_figure(const cj_tuning *t, const cj_tuning_levels *lv, const int *order, int top,
                           const char *title, const char *variable, const char *path, cj_error *err);

/* ---- a whole activations folder -------------------------------------- */

typedef struct {
    const char *layer;
    int units, constant;         /* units, and of them constant ones (eta^2 NaN) */
    int significant;             /* units with p < 0.05 */
    double median_eta2;          /* over the non-constant units */
    int best_unit;               /* the most selective unit, -1 when all are constant */
    double best_eta2;
    const char *best_preferred;  /* its preferred level's label */
    double best_pref_dir;        /* circular: its preferred direction in the variable's units, else NaN */
    int reduced;                 /* 0: [n, units]; 1: steps averaged; 2: positions averaged; 3: one position */
} cj_tuning_layer_summary;

typedef struct {
    const char *acts;            /* the activations folder (acts.h) */
    const char *table;           /* CSV with one row per stimulus, in order (trials_csv.h's format) */
    const char *column;          /* the variable: a column of table */
    const char *layers;          /* comma-separated layers to study; NULL: all */
    const char *const *where;    /* [n_where] "COLUMN=VALUE": only the rows where COLUMN is VALUE (all of them) */
    int n_where;
    cj_tuning_level_opts levels;
    /* For [n, T, units] layers, the window of steps averaged: "A:B" with A
     * and B each a step (0-based; B excluded) or a column of table holding
     * one per row (e.g. "stim1_start:stim1_end"); "NAME" for the columns
     * NAME_start:NAME_end (a period of conditions.csv); an empty side is 0
     * or the trial's end. NULL: the whole trial. The end of a trial is its
     * `steps` when table has that column (cajal record's conditions.csv),
     * else T, and a window is cut there. */
    const char *steps;
    int pos_y, pos_x;            /* feature maps: one position (pos_y >= 0), or -1: the mean over positions */
    int top;                     /* units drawn per layer (default 15) */
    int figures;                 /* write the PNGs (default 1) */
    /* Called after each layer with its summary (may be NULL). */
    void (*layer_done)(void *user, const cj_tuning_layer_summary *s);
    void *user;
} cj_tuning_report_opts;
void cj_tuning_report_defaults(cj_tuning_report_opts *o);

/* Tuning curves of every (chosen) layer of o->acts to o->column, written
 * into out_dir (created if missing; every file atomically): tuning.csv
 * (layer,unit,level,x,mean,sd,sem,n), units.csv (layer,unit,preferred,F,
 * p,eta2, and pref_dir,depth for a circular variable), tuning.json (the
 * settings and the levels) and tuning_LAYER.png per layer. Errors name
 * the file, column, row or option: a missing column, a table with another
 * number of rows than the folder has stimuli, a --where that matches no
 * row, a step window outside a trial, every level error above. */
cj_status cj_tuning_report(const cj_tuning_report_opts *o, const char *out_dir, cj_error *err);

#endif
