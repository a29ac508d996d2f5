/* loss.c — the cross_entropy and mse objectives, means over the
 * batch as in torch.nn.CrossEntropyLoss and torch.nn.MSELoss, optionally
 * weighted per row by a mask (objectives.h); the Poisson NLL is in
 * poisson.c. Without a mask the arithmetic is exactly that of the plain
 * means, so unmasked results do not depend on the mask code. */
#include <math.h>
#include <string.h>

#include "cajal/objectives.h"
#include "mask_common.h"

/* -log softmax(z)[y] = logsumexp(z) - z[y]; gradient softmax(z) - onehot(y). */
static double row_cross_entropy(const float *z, int label, int dim, double *lse_out)
{
    float zmax = z[0];
    for (int j = 1; j < dim; j++) zmax = z[j] > zmax ? z[j] : zmax;
    double sum = 0.0;
    for (int j = 0; j < dim; j++) sum += exp((double)z[j] - zmax);
    double lse = zmax + log(sum);
    *lse_out = lse;
    return lse - z[label];
}

static float cross_entropy(const float *pred, const int *labels, int batch, int dim, float *dpred,
                           float *per_sample)
{
    double total = 0.0;
    for (int b = 0; b < batch; b++) {
        const float *z = pred + (size_t)b * dim;
        double lse, loss = row_cross_entropy(z, labels[b], dim, &lse);
        total += loss;
        if (per_sample) per_sample[b] = (float)loss;
        if (dpred) {
            float *d = dpred + (size_t)b * dim;
            for (int j = 0; j < dim; j++) d[j] = (float)(exp((double)z[j] - lse) / batch);
            d[labels[b]] -= 1.0f / batch;
        }
    }
    return (float)(total / batch);
}

/* sum_b mask_b CE_b / sum_b mask_b; rows with mask 0 are skipped whole. */
static float masked_cross_entropy(const float *pred, const int *labels, const float *mask, int batch, int dim,
                                  float *dpred, float *per_sample)
{
    double wsum = mask_total(mask, batch), total = 0.0;
    for (int b = 0; b < batch; b++) {
        const float *z = pred + (size_t)b * dim;
        float *d = dpred ? dpred + (size_t)b * dim : NULL;
        if (mask[b] == 0) {
            if (d) memset(d, 0, sizeof(float) * dim);
            if (per_sample) per_sample[b] = 0.0f;
            continue;
        }
        double lse, loss = row_cross_entropy(z, labels[b], dim, &lse), w = mask_weight(mask, b, wsum);
        total += mask[b] * loss;
        if (per_sample) per_sample[b] = (float)(w * batch * loss);
        if (d) {
            for (int j = 0; j < dim; j++) d[j] = (float)(w * exp((double)z[j] - lse));
            d[labels[b]] -= (float)w;
        }
    }
    return wsum > 0 ? (float)(total / wsum) : 0.0f;
}

/* mean over all batch*dim elements of (p - t)^2; the target is t.values or
 * the one-hot code of t.labels. With a mask, row b (the mean of its dim
 * squares) weighs mask_b / sum(mask); with t.value_weights, column j's
 * square weighs w_j within its row. */
static float mse(const float *pred, const cj_target *t, int batch, int dim, float *dpred, float *per_sample)
{
    const float *mask = t->mask, *cw = t->value_weights;
    double wsum = mask ? mask_total(mask, batch) : batch, total = 0.0;
    float scale = 2.0f / ((float)batch * dim);
    for (int b = 0; b < batch; b++) {
        if (mask && mask[b] == 0) {
            if (dpred) memset(dpred + (size_t)b * dim, 0, sizeof(float) * dim);
            if (per_sample) per_sample[b] = 0.0f;
            continue;
        }
        double w = mask ? mask_weight(mask, b, wsum) : 0.0;
        float row_scale = mask ? (float)(2.0 * w / dim) : scale;
        /* PARTS independent sums: one running sum is a chain of dependent
         * double adds, 4 cycles each (5% of a rate-RNN step whose readout is
         * 6400 x 33) */
        enum { PARTS = 4 };
        double part[PARTS] = {0};
        const float *p = pred + (size_t)b * dim;
        const float *v = t->values ? t->values + (size_t)b * dim : NULL;
        float *dp = dpred ? dpred + (size_t)b * dim : NULL;
        int j = 0;
        if (v && !cw && dp)  /* the common case, without per-element branches */
            for (; j + PARTS <= dim; j += PARTS)
                for (int q = 0; q < PARTS; q++) {
                    float diff = p[j + q] - v[j + q];
                    part[q] += (double)diff * diff;
                    dp[j + q] = row_scale * diff;
                }
        for (; j < dim; j++) {
            float target = v ? v[j] : (float)(t->labels[b] == j);
            float diff = p[j] - target, wdiff = cw ? cw[j] * diff : diff;
            part[j % PARTS] += (double)wdiff * diff;
            if (dp) dp[j] = row_scale * wdiff;
        }
        double sample = (part[0] + part[1]) + (part[2] + part[3]);
        if (!mask) {
            total += sample;
            if (per_sample) per_sample[b] = (float)(sample / dim);
        } else {
            total += mask[b] * sample / dim;
            if (per_sample) per_sample[b] = (float)(w * batch * sample / dim);
        }
    }
    if (mask) return wsum > 0 ? (float)(total / wsum) : 0.0f;
    return (float)(total / ((double)batch * dim));
}

static float cross_entropy_eval(const cj_objective *o, const float *pred, const cj_target *t, int batch, int dim,
                                float *dpred, float *per_sample)
{
    if (t->mask) return masked_cross_entropy(pred, t->labels, t->mask, batch, dim, dpred, per_sample);
    return cross_entropy(pred, t->labels, batch, dim, dpred, per_sample);
}

static float mse_eval(const cj_objective *o, const float *pred, const cj_target *t, int batch, int dim,
                      float *dpred, float *per_sample)
{
    return mse(pred, t, batch, dim, dpred, per_sample);
}

const cj_objective_ops cj_cross_entropy_ops = {
    .name = "cross_entropy",
    .summary = "softmax cross-entropy against class labels (nn.CrossEntropyLoss)",
    .targets = CJ_OBJECTIVE_LABELS,
    .classifies = 1,
    .eval = cross_entropy_eval,
};

const cj_objective_ops cj_mse_ops = {
    .name = "mse",
    .summary = "mean squared error against values, counts or one-hot labels (nn.MSELoss)",
    .targets = CJ_OBJECTIVE_LABELS | CJ_OBJECTIVE_VALUES | CJ_OBJECTIVE_COUNTS,
    .classifies = 1,
    .eval = mse_eval,
};

float cj_loss_eval(const cj_objective *o, const float *pred, const cj_target *t, int batch, int dim, float *dpred,
                   float *per_sample)
{
    return o->ops->eval(o, pred, t, batch, dim, dpred, per_sample);
}

int cj_count_correct(const float *pred, const int *labels, int batch, int dim)
{
    int correct = 0;
    for (int b = 0; b < batch; b++) {
        const float *z = pred + (size_t)b * dim;
        int best = 0;
        for (int j = 1; j < dim; j++)
            if (z[j] > z[best]) best = j;
        correct += best == labels[b];
    }
    return correct;
}
