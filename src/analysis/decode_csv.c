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
