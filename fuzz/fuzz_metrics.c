/* fuzz_metrics.c — the metrics.jsonl reader that `cajal plot` uses
 * (cj_metrics_read) on arbitrary bytes. Every column, per-layer table and
 * name is touched, so a wrong line or layer count shows as an overflow;
 * any crash, hang, leak or sanitizer report is a finding. */
#include "cajal/metrics.h"
#include "fuzz_common.h"

static double sum_table(const double *t, size_t n)
{
    double s = 0;
    for (size_t i = 0; t && i < n; i++) s += t[i];
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("metrics.jsonl", data, size);
    cj_metrics m;
    cj_error err;
    if (cj_metrics_read(path, &m, &err) == CJ_OK) {
        size_t e = (size_t)m.n_epochs, cells = e * (size_t)m.n_layers;
        const double *cols[] = {m.epoch, m.step, m.train_loss, m.test_loss, m.test_acc, m.seconds,
                                m.samples_per_s};
        volatile double sum = 0;
        for (int c = 0; c < 7; c++) sum += sum_table(cols[c], e);
        sum += sum_table(m.align_deg, cells) + sum_table(m.grad_bias, cells) + sum_table(m.grad_variance, cells);
        sum += sum_table(m.align_deg_ci, 2 * cells) + sum_table(m.grad_bias_ci, 2 * cells) +
               sum_table(m.grad_variance_ci, 2 * cells);
        volatile size_t chars = m.rule ? strlen(m.rule) : 0;
        for (int l = 0; l < m.n_layers; l++) chars += strlen(m.layers[l]);
        (void)sum;
        (void)chars;
    }
    cj_metrics_free(&m);
    return 0;
}
