/* fma_peak.h — what one core can multiply-add: single-precision GFLOP/s of
 * fused multiply-adds on registers alone (no memory), by the widest vectors
 * the CPU runs, so that a benchmark can print its result next to the
 * machine's limit. 12 independent accumulators cover the FMA latency of
 * current x86 cores (4 cycles, 2 units). The figure separates cores whose
 * 512-bit FMAs are twice their 256-bit ones (Intel Xeon, AMD Zen 5) from
 * those that split a 512-bit FMA in two halves (AMD Zen 4), which have
 * half the peak per cycle. Header-only, for bench/ programs. */
#ifndef CJ_BENCH_FMA_PEAK_H
#define CJ_BENCH_FMA_PEAK_H

#include <stdio.h>
#include <time.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

enum { FMA_PEAK_ITERS = 20 * 1000 * 1000 };

static double fma_peak_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The accumulators start apart, or the compiler merges equal chains. */
#define FMA_PEAK_BODY(V, SET, FMA, ADD, FIRST, LANES)                                                        \
    V acc[12];                                                                                                \
    for (int i = 0; i < 12; i++) acc[i] = SET(0.1f + 0.01f * (float)i);                                       \
    const V b = SET(0.9999f), c = SET(0.0001f);                                                               \
    double t0 = fma_peak_seconds();                                                                           \
    for (long it = 0; it < FMA_PEAK_ITERS; it++) {                                                            \
        acc[0] = FMA(acc[0], b, c), acc[1] = FMA(acc[1], b, c), acc[2] = FMA(acc[2], b, c);                   \
        acc[3] = FMA(acc[3], b, c), acc[4] = FMA(acc[4], b, c), acc[5] = FMA(acc[5], b, c);                   \
        acc[6] = FMA(acc[6], b, c), acc[7] = FMA(acc[7], b, c), acc[8] = FMA(acc[8], b, c);                   \
        acc[9] = FMA(acc[9], b, c), acc[10] = FMA(acc[10], b, c), acc[11] = FMA(acc[11], b, c);               \
    }                                                                                                         \
    double t = fma_peak_seconds() - t0;                                                                       \
    V s = acc[0];                                                                                             \
    for (int i = 1; i < 12; i++) s = ADD(s, acc[i]);                                                          \
    *sink = FIRST(s);                                                                                         \
    return 2.0 * 12 * (LANES) * (double)FMA_PEAK_ITERS / t / 1e9;

__attribute__((target("avx512f"))) static double fma_peak_avx512(float *sink)
{
    FMA_PEAK_BODY(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_cvtss_f32, 16)
}

__attribute__((target("avx2,fma"))) static double fma_peak_avx2(float *sink)
{
    FMA_PEAK_BODY(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, _mm256_cvtss_f32, 8)
}
#undef FMA_PEAK_BODY

/* Best of three runs of a few hundredths of a second each; *isa names the
 * vectors used. Returns 0 where the CPU has no FMA. */
static double fma_peak_gflops(const char **isa)
{
    float sink = 0.0f;
    double best = 0.0;
    __builtin_cpu_init();
    int wide = __builtin_cpu_supports("avx512f");
    int fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    *isa = wide ? "avx512f" : fma ? "avx2+fma" : "none";
    for (int r = 0; r < 3 && (wide || fma); r++) {
        double g = wide ? fma_peak_avx512(&sink) : fma_peak_avx2(&sink);
        if (g > best) best = g;
    }
    return sink == sink ? best : 0.0; /* reads sink, so the loops are kept */
}
#else
static double fma_peak_gflops(const char **isa)
{
    *isa = "unknown";
    return 0.0;
}
#endif

/* The line bench/run.sh and bench/run_recurrent.sh read: peak GFLOPS ISA. */
static void fma_peak_print(void)
{
    const char *isa;
    double peak = fma_peak_gflops(&isa);
    printf("peak %.1f %s\n", peak, isa);
}

#endif
