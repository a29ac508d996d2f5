/* tuning_table.c — the stimulus table behind `cajal tuning` (tuning_report.c):
 * which rows --where keeps, and each trial's window of steps from --steps
 * (numbers, or columns such as conditions.csv's stim1_start and
 * stim1_end). Kept apart from the report so that the fuzzer can reach it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/trials_csv.h"
#include "tuning_common.h"

/* Two cells equal as --where means it: the same text, or the same number
 * ("1" and "1.0"). */
static int cells_equal(const char *a, const char *b)
{
    if (!strcmp(a, b)) return 1;
    char *ea, *eb;
    double x = strtod(a, &ea), y = strtod(b, &eb);
    return ea != a && !*ea && eb != b && !*eb && x == y;
}

cj_status cj_tuning_where(const cj_trials_text *t, const char *what, const char *const *where, int n_where,
                          unsigned char *keep, cj_error *err)
{
    for (int i = 0; i < t->n_rows; i++) keep[i] = 1;
    for (int w = 0; w < n_where; w++) {
        char q[80], qv[80];
        const char *eq = strchr(where[w], '=');
        if (!eq || eq == where[w])
            return cj_fail(err, CJ_ERR_ARG, "--where '%s': expected COLUMN=VALUE", cj_error_quote(where[w], q, sizeof q));
        size_t len = (size_t)(eq - where[w]);
        int col = -1;
        for (int j = 0; j < t->n_cols && col < 0; j++)
            if (strlen(t->names[j]) == len && !strncmp(t->names[j], where[w], len)) col = j;
        if (col < 0)
            return cj_fail(err, CJ_ERR_ARG, "--where '%s': %s has no column '%.*s'", cj_error_quote(where[w], q, sizeof q),
                           what, (int)len, where[w]);
        int matched = 0;
        for (int i = 0; i < t->n_rows; i++) {
            int hit = cells_equal(t->cells[(size_t)i * t->n_cols + col], eq + 1);
            matched += hit && keep[i];
            keep[i] &= (unsigned char)hit;
        }
        if (!matched)
            return cj_fail(err, CJ_ERR_ARG, "--where '%s': no row of %s has %s = '%s'%s",
                           cj_error_quote(where[w], q, sizeof q), what, t->names[col],
                           cj_error_quote(eq + 1, qv, sizeof qv), w ? " among the rows the --where before it kept" : "");
    }
    return CJ_OK;
}

/* One side of --steps: "" (the default), a whole number, or a column. */
typedef struct {
    int fixed;      /* 1: a number (value), 0: a column (col) */
    int value, col;
} step_side;

static cj_status parse_side(const cj_trials_text *t, const char *what, const char *text, size_t len, int dflt,
                            step_side *s, cj_error *err)
{
    s->fixed = 1;
    s->value = dflt;
    s->col = -1;
    if (!len) return CJ_OK;
    char *end;
    long v = strtol(text, &end, 10);
    if ((size_t)(end - text) == len && text[0] != '+' && text[0] != ' ') {
        if (v < 0 || v > 1000000000)
            return cj_fail(err, CJ_ERR_ARG, "--steps: step %ld is not from 0 to 1e9", v);
        s->value = (int)v;
        return CJ_OK;
    }
    for (int j = 0; j < t->n_cols; j++)
        if (strlen(t->names[j]) == len && !strncmp(t->names[j], text, len)) {
            s->fixed = 0;
            s->col = j;
            return CJ_OK;
        }
    return cj_fail(err, CJ_ERR_ARG, "--steps: '%.*s' is neither a step number nor a column of %s", (int)len > 64 ? 64
                   : (int)len, text, what);
}

/* Row i's step from side s, or -1 with the error set. */
static int side_value(const cj_trials_text *t, const char *what, const step_side *s, int i, cj_error *err)
{
    if (s->fixed) return s->value;
    const char *cell = t->cells[(size_t)i * t->n_cols + s->col];
    char *end, q[80];
    long v = strtol(cell, &end, 10);
    if (end == cell || *end || v < 0 || v > 1000000000) {
        cj_fail(err, CJ_ERR_ARG, "%s: line %d, column '%s': '%s' is not a step (a whole number >= 0)%s", what,
                t->line[i], t->names[s->col], cj_error_quote(cell, q, sizeof q),
                !cell[0] ? "; the trial has no such period (select trials with --where task=...)" : "");
        return -1;
    }
    return (int)v;
}

cj_status cj_tuning_windows(const cj_trials_text *t, const char *what, const char *steps, const unsigned char *keep,
                            int T, int *start, int *end, cj_error *err)
{
    int steps_col = cj_trials_text_find(t, "steps");
    step_side a, b;
    cj_status st;
    const char *colon = steps ? strchr(steps, ':') : NULL;
    if (!steps) {
        a = (step_side){1, 0, -1};
        b = (step_side){1, T, -1};
    } else if (colon) {
        if ((st = parse_side(t, what, steps, (size_t)(colon - steps), 0, &a, err))) return st;
        if ((st = parse_side(t, what, colon + 1, strlen(colon + 1), T, &b, err))) return st;
    } else {
        /* a period: NAME_start:NAME_end */
        char *s0 = malloc(strlen(steps) + 8), *s1 = malloc(strlen(steps) + 8);
        if (!s0 || !s1) {
            free(s0);
            free(s1);
            return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        }
        sprintf(s0, "%s_start", steps);
        sprintf(s1, "%s_end", steps);
        int c0 = cj_trials_text_find(t, s0), c1 = cj_trials_text_find(t, s1);
        free(s0);
        free(s1);
        if (c0 < 0 || c1 < 0) {
            char periods[200] = "", q[80];
            size_t used = 0;
            for (int j = 0; j < t->n_cols; j++) {
                const char *nm = t->names[j];
                size_t len = strlen(nm);
                if (len > 6 && !strcmp(nm + len - 6, "_start") && used + len < sizeof periods - 8)
                    used += (size_t)snprintf(periods + used, sizeof periods - used, "%s%.*s", used ? ", " : "",
                                             (int)(len - 6), nm);
            }
            return cj_fail(err, CJ_ERR_ARG, "--steps '%s': %s has no columns %s_start and %s_end (%s%s)",
                           cj_error_quote(steps, q, sizeof q), what, steps, steps,
                           used ? "its periods: " : "it has no period columns; give --steps A:B with step numbers",
                           periods);
        }
        a = (step_side){0, 0, c0};
        b = (step_side){0, 0, c1};
    }
    for (int i = 0; i < t->n_rows; i++) {
        start[i] = 0;
        end[i] = T;
        if (keep && !keep[i]) continue;
        int s = side_value(t, what, &a, i, err);
        if (s < 0) return CJ_ERR_ARG;
        int e = side_value(t, what, &b, i, err);
        if (e < 0) return CJ_ERR_ARG;
        /* A trial ends at its `steps` (cajal record pads shorter trials
         * with zero input after it): the window is cut there. */
        if (steps_col >= 0) {
            const char *cell = t->cells[(size_t)i * t->n_cols + steps_col];
            char *stop;
            long n = strtol(cell, &stop, 10);
            if (stop != cell && !*stop && n >= 1 && n < e) e = (int)n;
        }
        if (e > T) e = T;
        if (s >= e)
            return cj_fail(err, CJ_ERR_ARG, "%s: line %d: the window of steps %d:%d is empty%s (the layer has %d steps)",
                           what, t->line[i], s, e, steps_col >= 0 ? " within the trial's steps" : "", T);
        start[i] = s;
        end[i] = e;
    }
    return CJ_OK;
}
