/* dense.c — fully connected layer, y = x W^T + b (torch.nn.Linear).
 * x: [B, in], W: [out, in], b: [out], y: [B, out]. Over a sequence the
 * T x B steps are independent rows, so a readout at every time step is one
 * product. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "cajal/layers.h"
#include "recurrent_common.h"

void cj_dense_forward(float *out, const float *in, const float *weight, const float *bias,
                      int batch, int n_in, int n_out)
{
    for (int b = 0; b < batch; b++) memcpy(out + (size_t)b * n_out, bias, sizeof(float) * n_out);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, n_out, n_in, 1.0f, in, n_in,
                weight, n_in, 1.0f, out, n_out);
}

/* A readout's backward pass (a few dozen outputs from many rows, like the
 * 33 outputs at each of T x B = 6400 steps of a recurrent layer) by the
 * recurrent cells' register-tiled kernels (src/nn/recurrent_gemm.c)
 * instead of sgemm: dW^T = x^T dy by the weight-gradient kernel with x's
 * n_in columns as its panels (whole panels when n_in is a multiple of 32),
 * dx = dy F with F packed on the stack: 5-9% of the H = 64 rate-RNN step
 * (docs/benchmarks.md). For a batch of 64 rows (an MLP's last layer) sgemm
 * was as fast or faster. Returns 0, doing nothing, for other shapes. */
enum { READOUT_MIN_ROWS = 1024, READOUT_MAX_OUT = 64, READOUT_MAX_IN = 256, READOUT_STACK = 24576 };

static int readout_backward(float *din, float *dweight, const float *dout, const float *in,
                            const float *feedback, int rows, int n_in, int n_out, float beta)
{
    if (rows < READOUT_MIN_ROWS || n_out > READOUT_MAX_OUT || n_in > READOUT_MAX_IN || n_in % 32 != 0)
        return 0;
    if (cj_rec_weight_grad_floats(n_in, n_out) + (size_t)n_in * n_out > READOUT_STACK ||
        cj_rec_packed_floats(n_in, n_out) > READOUT_STACK)
        return 0;
    float work[READOUT_STACK];
    if (dweight) {
        float *dwt = work, *scratch = work + (size_t)n_in * n_out;  /* dW^T [n_in, n_out] */
        memset(dwt, 0, sizeof(float) * (size_t)n_in * n_out);
        cj_rec_weight_grad(dwt, dout, n_out, NULL, NULL, 0, in, n_in, n_in, (size_t)rows, scratch);
        for (int o = 0; o < n_out; o++)
            for (int i = 0; i < n_in; i++) {
                float g = dwt[(size_t)i * n_out + o];
                dweight[(size_t)o * n_in + i] = beta == 0.0f ? g : dweight[(size_t)o * n_in + i] + g;
            }
    }
    if (din) {
        const float *fp = cj_rec_pack(work, feedback, n_in, n_out);
        cj_rec_gemm(din, n_in, dout, n_out, fp, rows, n_in, n_out, 0);
    }
    return 1;
}

/* dW = dy^T x, db = sum_b dy, dx = dy F (F = W for backprop); beta = 1
 * adds the parameter gradients to what dweight and dbias hold. */
void cj_dense_backward(float *din, float *dweight, float *dbias, const float *dout,
                       const float *in, const float *feedback, int batch, int n_in, int n_out, float beta)
{
    int readout = readout_backward(din, dweight, dout, in, feedback, batch, n_in, n_out, beta);
    if (dweight && !readout)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n_out, n_in, batch, 1.0f, dout, n_out,
                    in, n_in, beta, dweight, n_in);
    if (dbias) {
        if (beta == 0.0f) memset(dbias, 0, sizeof(float) * n_out);
        for (int b = 0; b < batch; b++) {
            const float *row = dout + (size_t)b * n_out;
            for (int o = 0; o < n_out; o++) dbias[o] += row[o];
        }
    }
    if (din && !readout) {
        /* memset and beta = 1: for beta = 0 OpenBLAS 0.3.21 zeroes C with
         * one scalar store per float (sgemm_beta), 4 % of a rate-RNN step
         * whose readout's input gradient is [6400, 64] */
        memset(din, 0, sizeof(float) * (size_t)batch * n_in);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, n_in, n_out, 1.0f, dout,
                    n_out, feedback, n_in, 1.0f, din, n_in);
    }
}

static cj_status dense_parse(cj_layer *l, cj_spec_args *a, cj_error *err)
{
    return cj_spec_count(a, 1, 0, "number of outputs", &l->units, err);
}

static cj_status dense_setup(cj_layer *l, cj_error *err)
{
    cj_shape in = l->in;
    if (in.h != 1 || in.w != 1)
        return cj_fail(err, CJ_ERR_SHAPE,
                       "layer %d (Linear) needs a flat input but gets %dx%dx%d; add 'flatten' before it", l->index,
                       in.c, in.h, in.w);
    if ((size_t)l->units * (size_t)in.c > CJ_MAX_ELEMENTS)
        return cj_fail(err, CJ_ERR_SHAPE, "layer %d (Linear): weight %dx%d is more than %u elements", l->index,
                       l->units, in.c, CJ_MAX_ELEMENTS);
    l->out = (cj_shape){l->units, 1, 1};
    float bound = 1.0f / sqrtf((float)in.c);
    cj_layer_add_param(l, "weight", CJ_PARAM_WEIGHT, bound, 2, (int[]){l->units, in.c});
    cj_layer_add_param(l, "bias", CJ_PARAM_BIAS, bound, 1, (int[]){l->units});
    return CJ_OK;
}

static void dense_layer_forward(cj_layer *l, const cj_pass *p)
{
    cj_dense_forward(p->out, p->in, l->params[0].data, l->params[1].data, p->T * p->B, l->in.c, l->out.c);
}

static void dense_layer_backward(cj_layer *l, const cj_pass *p)
{
    const float *fb = p->feedback && p->feedback[0] ? p->feedback[0] : l->params[0].data;
    cj_dense_backward(p->din, l->params[0].grad, l->params[1].grad, p->dout, p->in, fb, p->T * p->B, l->in.c,
                      l->out.c, p->accumulate ? 1.0f : 0.0f);
}

const cj_layer_ops cj_dense_ops = {
    .word = "dense",
    .alias = "linear",
    .torch_name = "Linear",
    .parse = dense_parse,
    .setup = dense_setup,
    .forward = dense_layer_forward,
    .backward = dense_layer_backward,
};
