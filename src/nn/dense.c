/* dense.c — fully connected layer, y = x W^T + b (torch.nn.Linear).
 * x: [B, in], W: [out, in], b: [out], y: [B, out]. */
#include <cblas.h>
#include <string.h>

#include "cajal/layers.h"

void cj_dense_forward(float *out, const float *in, const float *weight, const float *bias,
                      int batch, int n_in, int n_out)
{
    for (int b = 0; b < batch; b++) memcpy(out + (size_t)b * n_out, bias, sizeof(float) * n_out);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, n_out, n_in, 1.0f, in, n_in,
                weight, n_in, 1.0f, out, n_out);
}

/* dW = dy^T x, db = sum_b dy, dx = dy F (F = W for backprop). */
void cj_dense_backward(float *din, float *dweight, float *dbias, const float *dout,
                       const float *in, const float *feedback, int batch, int n_in, int n_out)
{
    if (dweight)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n_out, n_in, batch, 1.0f, dout, n_out,
                    in, n_in, 0.0f, dweight, n_in);
    if (dbias) {
        memset(dbias, 0, sizeof(float) * n_out);
        for (int b = 0; b < batch; b++) {
            const float *row = dout + (size_t)b * n_out;
            for (int o = 0; o < n_out; o++) dbias[o] += row[o];
        }
    }
    if (din)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, n_in, n_out, 1.0f, dout,
                    n_out, feedback, n_in, 0.0f, din, n_in);
}
