/* fuzz_tuning_csv.c — the stimulus table of `cajal tuning` on arbitrary
 * bytes: the CSV read whole as text (cj_trials_csv_read_text with every
 * column), --where on the first column's first cell, the levels of the
 * last column (as they are, in 3 equal-count bins, and as directions in
 * degrees), each kept row's window of steps (--steps "stim1", "1:4" and
 * "start:end" when there are such columns) and the tuning of a small
 * synthetic layer over those levels. Every cell is touched, so a wrong row
 * or column count shows as an overflow, and odd values (empty cells, nan,
 * 1e308, a single level, ties) reach the numerics. Any crash, hang, leak
 * or sanitizer report is a finding. */
#include <math.h>

#include "../src/analysis/tuning_common.h"
#include "cajal/trials_csv.h"
#include "cajal/tuning.h"
#include "fuzz_common.h"

enum { T = 10, MAX_ROWS = 4096 };

static void levels_and_tuning(const char *const *values, int n, const unsigned char *keep,
                              const cj_tuning_level_opts *o)
{
    cj_tuning_levels lv;
    cj_error err;
    if (cj_tuning_levels_make(values, n, keep, o, &lv, &err) != CJ_OK) return;
    volatile double sum = 0;
    for (int k = 0; k < lv.n_levels; k++) sum += lv.x[k] + lv.count[k] + (double)strlen(lv.labels[k]);
    float *x = malloc(sizeof(float) * (size_t)n * 2);
    for (int i = 0; x && i < n; i++) {
        x[2 * i] = (float)(lv.level[i] + 1) * 0.5f;
        x[2 * i + 1] = (float)((i * 7919) % 13);
    }
    cj_tuning t;
    if (x && cj_tuning_compute(x, n, 2, &lv, &t, &err) == CJ_OK) {
        for (int u = 0; u < 2; u++) {
            sum += t.F[u] + t.p[u] + t.eta2[u] + t.preferred[u];
            if (t.pref_dir) sum += t.pref_dir[u] + t.depth[u];
            for (int k = 0; k < lv.n_levels; k++) sum += t.mean[u * lv.n_levels + k] + t.sem[u * lv.n_levels + k];
        }
        int order[2];
        cj_tuning_rank(&t, order);
        cj_tuning_free(&t);
    }
    (void)sum;
    free(x);
    cj_tuning_levels_free(&lv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("table.csv", data, size);
    cj_trials_text t;
    cj_error err;
    if (cj_trials_csv_read_text(path, NULL, 0, &t, &err) != CJ_OK) return 0;
    volatile size_t bytes = 0;
    for (size_t i = 0; i < (size_t)t.n_rows * t.n_cols; i++) bytes += strlen(t.cells[i]);
    for (int i = 0; i < t.n_rows; i++) bytes += (size_t)t.line[i];
    (void)bytes;
    int n = t.n_rows;
    if (n < 1 || n > MAX_ROWS) {
        cj_trials_text_free(&t);
        return 0;
    }
    unsigned char *keep = malloc((size_t)n);
    const char **values = malloc(sizeof *values * (size_t)n);
    int *start = malloc(sizeof(int) * (size_t)n), *end = malloc(sizeof(int) * (size_t)n);
    if (keep && values && start && end) {
        char where[80];
        snprintf(where, sizeof where, "%s=%.40s", t.names[0], t.cells[0]);
        const char *w[] = {where};
        if (cj_tuning_where(&t, "table.csv", w, 1, keep, &err) != CJ_OK) memset(keep, 1, (size_t)n);
        for (int i = 0; i < n; i++) values[i] = t.cells[(size_t)i * t.n_cols + t.n_cols - 1];
        cj_tuning_level_opts plain = {.max_levels = 50}, bins = {.bins = 3},
                             deg = {.circular = CJ_TUNING_DEGREES, .max_levels = 50};
        levels_and_tuning(values, n, keep, &plain);
        levels_and_tuning(values, n, keep, &bins);
        levels_and_tuning(values, n, keep, &deg);
        static const char *const steps[] = {"stim1", "1:4", "start:end", ":3", NULL};
        for (int s = 0; steps[s]; s++)
            if (cj_tuning_windows(&t, "table.csv", steps[s], keep, T, start, end, &err) == CJ_OK)
                for (int i = 0; i < n; i++)
                    if (keep[i] && (start[i] < 0 || end[i] > T || start[i] >= end[i])) abort();
        cj_tuning_windows(&t, "table.csv", NULL, NULL, T, start, end, &err);
    }
    free(keep);
    free(values);
    free(start);
    free(end);
    cj_trials_text_free(&t);
    return 0;
}
