/* loss.c — softmax cross-entropy and mean squared error, means over the
 * batch as in torch.nn.CrossEntropyLoss and torch.nn.MSELoss. */
#include <math.h>
#include <string.h>

#include "cajal/objectives.h"

cj_status cj_loss_parse(const char *name, cj_loss_kind *kind, cj_error *err)
{
    if (!strcmp(name, "cross_entropy")) *kind = CJ_LOSS_CROSS_ENTROPY;
    else if (!strcmp(name, "mse")) *kind = CJ_LOSS_MSE;
    else
        return cj_fail(err, CJ_ERR_CONFIG, "unknown objective '%s' (expected cross_entropy or mse)", name);
    return CJ_OK;
}

const char *cj_loss_name(cj_loss_kind kind)
{
    return kind == CJ_LOSS_MSE ? "mse" : "cross_entropy";
}

/* -log softmax(z)[y] = logsumexp(z) - z[y]; gradient softmax(z) - onehot(y). */
static float cross_entropy(const float *pred, const int *labels, int batch, int dim, float *dpred,
                           float *per_sample)
{
    double total = 0.0;
    for (int b = 0; b < batch; b++) {
        const float *z = pred + (size_t)b * dim;
        float zmax = z[0];
        for (int j = 1; j < dim; j++) zmax = z[j] > zmax ? z[j] : zmax;
        double sum = 0.0;
        for (int j = 0; j < dim; j++) sum += exp((double)z[j] - zmax);
        double lse = zmax + log(sum);
        double loss = lse - z[labels[b]];
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

/* mean over all batch*dim elements of (p - t)^2; the target is t.values or
 * the one-hot code of t.labels. */
static float mse(const float *pred, const cj_target *t, int batch, int dim, float *dpred,
                 float *per_sample)
{
    double total = 0.0;
    float scale = 2.0f / ((float)batch * dim);
    for (int b = 0; b < batch; b++) {
        double sample = 0.0;
        for (int j = 0; j < dim; j++) {
            size_t i = (size_t)b * dim + j;
            float target = t->values ? t->values[i] : (float)(t->labels[b] == j);
            float diff = pred[i] - target;
            sample += (double)diff * diff;
            if (dpred) dpred[i] = scale * diff;
        }
        total += sample;
        if (per_sample) per_sample[b] = (float)(sample / dim);
    }
    return (float)(total / ((double)batch * dim));
}

float cj_loss_eval(cj_loss_kind kind, const float *pred, const cj_target *t, int batch, int dim,
                   float *dpred, float *per_sample)
{
    if (kind == CJ_LOSS_CROSS_ENTROPY) return cross_entropy(pred, t->labels, batch, dim, dpred, per_sample);
    return mse(pred, t, batch, dim, dpred, per_sample);
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
