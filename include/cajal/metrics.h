/* metrics.h — reading the metrics.jsonl a training run writes: one JSON
 * object per finished epoch, e.g.
 *
 *   {"epoch":1,"step":938,"train_loss":0.51,"val_loss":0.47,"val_acc":0.83,
 *    "test_loss":0.46,"test_acc":0.84,
 *    "seconds":2.3,"samples_per_s":25974,"rule":"fa",
 *    "layers":["1.weight","3.weight"],"align_deg":[62.1,45.3],
 *    "grad_bias":null,"grad_variance":null}
 *
 * Stochastic rules (node and weight perturbation) fill "grad_bias" and
 * "grad_variance" too, and give each per-layer array a 95% interval over
 * the diagnostic draws: "align_deg_ci":[[88.2,89.9],[85.5,87.7]], likewise
 * "grad_bias_ci" and "grad_variance_ci" (null for deterministic rules; a
 * layer's entry may be null).
 *
 * Only "epoch" is required. Values that are null or absent read as NaN, so
 * plots show a gap; keys we do not know are ignored, so newer runs still
 * open in older tools. */
#ifndef CAJAL_METRICS_H
#define CAJAL_METRICS_H

#include "cajal/status.h"

typedef struct {
    int n_epochs; /* lines read, in file order */
    int n_layers; /* entries of "layers" / the per-layer arrays; 0 if none */
    char *rule;   /* first non-null "rule", or NULL */
    char **layers; /* [n_layers]; "layer 1", ... when the file names none */

    /* [n_epochs] each; NaN where a line had null or nothing */
    double *epoch, *step, *train_loss, *test_loss, *test_acc, *seconds, *samples_per_s;
    double *val_loss, *val_acc; /* the data.validation part (null without one) */

    /* [n_epochs * n_layers], epoch-major: align_deg[e * n_layers + l] is
     * the angle in degrees between the rule's update and the backprop
     * gradient at layer l after epoch e. NULL when no line has the key. */
    double *align_deg;
    double *grad_bias;     /* relative bias of a perturbation estimate */
    double *grad_variance; /* relative variance of the same */

    /* [n_epochs * n_layers * 2]: the 95% interval of the table above,
     * low at [2 * (e * n_layers + l)], high just after; NaN where a line
     * had null or nothing, NULL when no line has the key (files written
     * before the intervals existed). */
    double *align_deg_ci, *grad_bias_ci, *grad_variance_ci;
} cj_metrics;

/* Read path into m (fully replaced; free with cj_metrics_free even after a
 * failure). Errors are one line naming the file and, for bad contents, the
 * line: a missing or unreadable file, a folder, a file over 256 MiB, a NUL
 * byte (raw, or "\u0000" in a string), no lines at all, malformed JSON, a
 * line that is not an object, a missing "epoch", a value of the wrong type,
 * a per-layer array whose length differs from the layers seen before, or
 * one so long that its table (lines x entries) would hold more than 16
 * values per byte of the file. Strings are kept whole, however long. */
cj_status cj_metrics_read(const char *path, cj_metrics *m, cj_error *err);
void cj_metrics_free(cj_metrics *m);

#endif
