/* bptt.c — the gradient of a loss over a sequence by backpropagation
 * through time, whole or truncated.
 *
 * Truncated BPTT with K steps (train.bptt_truncate) runs the sequence in
 * chunks of K: forward through the chunk from the state the previous chunk
 * left, then backward through the chunk only, so no error crosses a chunk
 * boundary — PyTorch's `h = h.detach()` every K steps — and the tape holds
 * K steps instead of T (Williams & Peng 1990). The chunks' gradients add up
 * to that of the loss over the whole sequence: with one target per step
 * the chunk's (masked) mean loss is weighted by its share of the rows (of
 * the mask's total); with one target per sequence only the last chunk has
 * a loss.
 *
 * `feedback` (NULL for backprop) is passed to cj_model_backward, so the
 * feedback-alignment family truncates the same way. */
#include <string.h>

#include "cajal/rules.h"

/* The part of t for steps [t0, t0 + n) of B samples. */
static cj_target chunk_target(const cj_target *t, int t0, int n, int B, int dim)
{
    cj_target c = *t;
    size_t rows = (size_t)t0 * B;
    if (t->labels) c.labels = t->labels + rows;
    if (t->values) c.values = t->values + rows * dim;
    if (t->mask) c.mask = t->mask + rows;
    c.steps = n;
    return c;
}

/* Sum of mask[0..n), or n without a mask: a chunk's weight in the loss. */
static double mask_weight(const float *mask, size_t n)
{
    if (!mask) return (double)n;
    double w = 0.0;
    for (size_t i = 0; i < n; i++) w += mask[i];
    return w;
}

float cj_sequence_gradient(cj_model *m, const cj_objective *loss, const float *x, const cj_target *t, int T, int B,
                           int K, const float *feedback)
{
    float *dout = m->dacts[m->n_layers];
    cj_model_reset(m, B);
    if (K <= 0 || K >= T) {
        cj_model_forward_seq(m, x, T, B);
        float L = cj_output_loss(loss, m, t, dout, NULL);
        cj_model_backward(m, dout, feedback, 0);
        return L;
    }
    int per_step = t->steps == T;
    int dim = (int)cj_shape_size(cj_model_output_shape(m));
    size_t in = cj_shape_size(m->input);
    double total = 0.0, all = per_step ? mask_weight(t->mask, (size_t)T * B) : 1.0;
    int have_grads = 0;
    for (int t0 = 0; t0 < T; t0 += K) {
        int n = T - t0 < K ? T - t0 : K;
        cj_model_forward_seq(m, x + (size_t)t0 * B * in, n, B);
        int last = t0 + n == T;
        if (!per_step && !last) continue; /* no loss here, and none can reach back into it */
        cj_target c = per_step ? chunk_target(t, t0, n, B, dim) : *t;
        double part = per_step ? mask_weight(c.mask, (size_t)n * B) : 1.0;
        if (part == 0.0) continue; /* nothing of this chunk counts */
        float L = cj_output_loss(loss, m, &c, dout, NULL);
        float share = (float)(part / all);
        if (share != 1.0f)
            for (size_t i = 0, len = (size_t)n * B * dim; i < len; i++) dout[i] *= share;
        total += (double)L * share;
        cj_model_backward(m, dout, feedback, have_grads);
        have_grads = 1;
    }
    if (!have_grads) memset(m->grads, 0, sizeof(float) * m->n_params); /* no target counted anywhere */
    return (float)total;
}
