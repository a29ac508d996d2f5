/* decode_csv.c — accuracy.csv, the decoding result scripts read (format
 * in include/cajal/decode.h and docs/analysis.md), written atomically. */
#include <math.h>
#include <stdio.h>

#include "cajal/decode.h"
#include "cajal/io.h"

cj_status cj_decode_write_csv(const char *path, const cj_decode_result *r, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) return st;
    fprintf(af.f, "bin_start_ms,bin_end_ms,accuracy,chance,null_p95\n");
    for (int t = 0; t < r->n_bins; t++) {
        /* %.10g: the accuracies are ratios of small integers averaged over
         * runs; ten digits keep them exact enough and the file readable. */
        fprintf(af.f, "%.10g,%.10g,%.10g,%.10g,", r->bin_start_ms[t], r->bin_end_ms[t], r->accuracy[t], r->chance);
        if (r->null_p95 && isfinite(r->null_p95[t])) fprintf(af.f, "%.10g", r->null_p95[t]);
        fputc('\n', af.f);
    }
    if (ferror(af.f)) {
        cj_atomic_abort(&af);
        return cj_fail(err, CJ_ERR_IO, "%s: write failed", path);
    }
    return cj_atomic_commit(&af, err);
}

/* A JSON number, or null when it is not finite. */
static void num(FILE *f, const char *key, double v, int last)
{
    if (isfinite(v)) fprintf(f, "  \"%s\": %.10g%s\n", key, v, last ? "" : ",");
    else fprintf(f, "  \"%s\": null%s\n", key, last ? "" : ",");
}

cj_status cj_decode_write_summary(const char *path, const cj_binned *b, const cj_decode_config *c,
                                  const cj_decode_result *r, double seconds, cj_error *err)
{
    cj_atomic_file af;
    cj_status st = cj_atomic_open(&af, path, err);
    if (st) return st;
    FILE *f = af.f;
    /* The mean before time 0 (bins ending at or before it) and the best
     * bin: the two numbers a reader looks for first. */
    double pre = 0, peak = -1;
    int n_pre = 0, at = 0;
    for (int t = 0; t < r->n_bins; t++) {
        if (r->bin_end_ms[t] <= 0) pre += r->accuracy[t], n_pre++;
        if (r->accuracy[t] > peak) peak = r->accuracy[t], at = t;
    }
    fprintf(f, "{\n  \"classifier\": \"%s\",\n", c->classifier);
    fprintf(f, "  \"bin_ms\": %d,\n  \"step_ms\": %d,\n", b->width_ms, b->step_ms);
    fprintf(f, "  \"folds\": %d,\n  \"repeats_per_fold\": %d,\n  \"resample_runs\": %d,\n", c->n_folds,
            c->repeats_per_fold, c->n_resamples);
    fprintf(f, "  \"zscore\": %s,\n  \"permutations\": %d,\n  \"null_resample_runs\": %d,\n",
            c->zscore ? "true" : "false", c->n_permutations, c->n_permutations ? c->null_resamples : 0);
    fprintf(f, "  \"seed\": %llu,\n", (unsigned long long)c->seed);
    fprintf(f, "  \"labels\": [");
    for (int k = 0; k < b->n_labels; k++) {
        fputc('"', f);
        for (const char *p = b->label_names[k]; *p; p++) {
            unsigned char ch = (unsigned char)*p;
            if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
            else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
            else fputc(ch, f);
        }
        fprintf(f, "\"%s", k + 1 < b->n_labels ? ", " : "");
    }
    fprintf(f, "],\n  \"units\": %d,\n  \"units_used\": %d,\n  \"units_dropped\": %d,\n", b->n_units,
            r->n_units_used, r->n_units_dropped);
    fprintf(f, "  \"trials_per_label\": %d,\n", r->trials_per_label);
    num(f, "chance", r->chance, 0);
    num(f, "accuracy_before_0ms", n_pre ? pre / n_pre : NAN, 0);
    num(f, "peak_accuracy", r->n_bins ? peak : NAN, 0);
    num(f, "peak_bin_start_ms", r->n_bins ? r->bin_start_ms[at] : NAN, 0);
    num(f, "peak_bin_end_ms", r->n_bins ? r->bin_end_ms[at] : NAN, 0);
    num(f, "seconds", seconds, 1);
    fprintf(f, "}\n");
    if (ferror(f)) {
        cj_atomic_abort(&af);
        return cj_fail(err, CJ_ERR_IO, "%s: write failed", path);
    }
    return cj_atomic_commit(&af, err);
}
