/* blas.h — which matrix-product kernels run, which this CPU could run, and
 * how many threads a model's products can use.
 *
 * Every dense and convolutional product goes through OpenBLAS, which picks
 * its kernels for the CPU when the library loads. Debian 12's OpenBLAS
 * 0.3.21 does not know recent CPUs (AMD Zen 4, Intel Sapphire/Emerald
 * Rapids) and falls back to older kernels: on a Zen 4 EPYC it picks its
 * AVX2 "Haswell" kernels, and cajal's MLP training step runs ~1.6x slower
 * than with its AVX-512 "SkylakeX" kernels (docs/benchmarks.md). The choice
 * can only be changed before OpenBLAS loads, through OPENBLAS_CORETYPE, so
 * the library only says what would be better; the `cajal` command acts on
 * it (it restarts itself once with OPENBLAS_CORETYPE set). */
#ifndef CAJAL_BLAS_H
#define CAJAL_BLAS_H

#include "cajal/model.h"

/* The kernels OpenBLAS is using now, e.g. "Haswell" (owned by OpenBLAS). */
const char *cj_blas_kernels(void);

/* The best OpenBLAS kernel set this CPU supports: "SkylakeX" (AVX-512 F,
 * BW, DQ, VL), "Haswell" (AVX2 + FMA), or NULL (anything older, or not
 * x86-64). */
const char *cj_blas_best_kernels(void);

/* How capable a kernel set is: 3 AVX-512, 2 AVX2, 1 AVX, 0 older, -1 a
 * name this table does not know (never replaced). Case-insensitive. */
int cj_blas_kernel_tier(const char *name);

/* The kernel set to ask OpenBLAS for because it chose a weaker one than
 * the CPU supports, or NULL when its own choice is as good. */
const char *cj_blas_upgrade(void);

/* ---- threads ------------------------------------------------------------
 * OpenBLAS splits each product among its threads; that pays only when every
 * thread gets enough of it. A step's work is counted from the layer shapes
 * alone (never from timings), so a seed and a thread count still fix every
 * number of a run. */

/* The matrix products of one backprop training step. */
typedef struct {
    double flops;    /* all products: forward, weight and input gradients */
    double typical;  /* FLOP-weighted mean size of one product, in FLOPs:
                        the size of the product an average FLOP belongs to */
} cj_step_work;

/* The products of one step of m at `batch` samples, one time step each:
 * for every weight W (and recurrent weight) of a layer with a flat output
 * (dense, rnn, gru, lstm) the forward [B x in][in x out] and the weight and
 * input gradients of the same size, 2 B |W| FLOPs each (no input gradient
 * for the first parametric layer's input weight, which cj_model_backward
 * skips); for a conv2d layer the same three as one im2col product per
 * sample, [O x C k k][C k k x OH OW]. That is the order of size of the
 * products the convolution really makes: it splits the batch into
 * cache-sized chunks, or into Winograd's 36 thin products with the channels
 * as inner dimension (src/nn/conv2d.c). Other rules make products of the
 * same sizes, or fewer. */
cj_step_work cj_step_gemm_work(const cj_model *m, int batch);

/* FLOPs of a typical product that justify one more thread: a fraction of a
 * millisecond of one core's sgemm, enough to outweigh waking and joining
 * the threads (measurements in docs/benchmarks.md, "Threads"). */
#define CJ_BLAS_FLOPS_PER_THREAD 16e6

/* Threads for a step: w.typical / CJ_BLAS_FLOPS_PER_THREAD, rounded down,
 * at least 1 and at most `cores`. The 784-256-256-10 MLP at batch 64
 * (typical product 20 MFLOP) gets 1; at 512 wide (42 MFLOP), 2. */
int cj_blas_threads_for(cj_step_work w, int cores);

#endif
