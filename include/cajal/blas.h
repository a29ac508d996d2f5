/* blas.h — which matrix-product kernels run, and which this CPU could run.
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

#endif
