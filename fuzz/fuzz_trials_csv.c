/* fuzz_trials_csv.c — the CSV trial-table reader (cj_trials_csv_read) on
 * arbitrary bytes, asking for the columns coh, choice and rt; when a table
 * comes back, every cell is touched, rows are selected on the first coh,
 * and the per-level summaries and both psychometric fits run on it, so a
 * wrong row count shows as an overflow and odd values (NaN, inf, 1e308,
 * one level, separation) reach the numerics. Any crash, hang, leak or
 * sanitizer report is a finding. */
#include <math.h>

#include "cajal/psychometric.h"
#include "cajal/trials_csv.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("trials.csv", data, size);
    const char *cols[] = {"coh", "choice", "rt"};
    cj_trials t;
    cj_error err;
    if (cj_trials_csv_read(path, cols, 3, &t, &err) != CJ_OK) return 0;
    volatile double sum = 0;
    for (int j = 0; j < t.n_cols; j++)
        for (int i = 0; i < t.n_rows; i++) sum += t.col[j][i];
    const double *coh = cj_trials_column(&t, "coh"), *choice = cj_trials_column(&t, "choice"),
                 *rt = cj_trials_column(&t, "rt");
    if (t.n_rows > 0) {
        cj_trials s;
        if (cj_trials_select(&t, "coh", coh[0], &s, &err) == CJ_OK) {
            for (int i = 0; i < s.n_rows; i++) sum += s.col[2][i];
            cj_trials_free(&s);
        }
        cj_psy_level *lv = malloc((size_t)t.n_rows * sizeof *lv);
        int nl = 0;
        if (lv && cj_psy_levels(coh, choice, rt, t.n_rows, 0.95, lv, t.n_rows, &nl, &err) == CJ_OK)
            for (int l = 0; l < nl; l++) sum += lv[l].p + lv[l].rt_mean + lv[l].p_ci[1];
        free(lv);
        for (int link = 0; link < 2; link++) {
            cj_psy_options o = cj_psy_options_default();
            o.link = (cj_psy_link)link;
            cj_psy_data d = {.n = t.n_rows, .x = coh, .y = choice};
            cj_psy_fit f;
            if (cj_psy_fit_binary(&d, &o, &f, &err) == CJ_OK) sum += f.b1 + f.se_b1 + f.pse;
        }
    }
    (void)sum;
    cj_trials_free(&t);
    return 0;
}
