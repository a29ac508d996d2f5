/* clones.h — CJ_TARGET_CLONES: compile one function for AVX-512, AVX2 and
 * the baseline x86-64, and let the dynamic loader pick the widest this CPU
 * runs (GCC/clang function multi-versioning, resolved once through an
 * ifunc when the program starts).
 *
 * The default build is portable (Makefile), so loops that the compiler
 * vectorises would otherwise use 4-float SSE2 vectors everywhere. Mark only
 * leaf loops that measurably gain (docs/benchmarks.md, "Portable and native
 * builds"): each clone triples the function's code, and a call through the
 * ifunc cannot be inlined. None of these loops reorders a sum, and the
 * SSE2 and AVX2 clones round alike; but GCC 12 fuses multiply-adds inside
 * an avx512f clone even under -std=c11 (-ffp-contract=off does not reach
 * it), so on an AVX-512 CPU such a loop may differ from the others in the
 * last bit. A seed and a thread count still fix every number on a given
 * machine; across machines the BLAS kernels differ anyway.
 *
 * GCC only, and empty where it cannot work or is not needed: outside
 * x86-64 ELF with glibc (ifuncs), and in builds whose baseline already has
 * AVX2 (make NATIVE=1 on such a CPU). Clang 14 (the fuzz build) makes the
 * resolver of a static function a global symbol, so two files cloning
 * static functions of one name would clash at link time. */
#ifndef CAJAL_CLONES_H
#define CAJAL_CLONES_H

#include <stdint.h> /* defines __GLIBC__ under glibc */

#if defined(__has_attribute)
#if __has_attribute(target_clones) && defined(__x86_64__) && defined(__ELF__) && defined(__GLIBC__) && \
    !defined(__AVX2__) && !defined(__clang__)
#define CJ_TARGET_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif

#ifndef CJ_TARGET_CLONES
#define CJ_TARGET_CLONES
#endif

#endif
