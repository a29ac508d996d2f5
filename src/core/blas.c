/* blas.c — comparing OpenBLAS's kernel choice with the CPU's features
 * (see include/cajal/blas.h). */
#include "cajal/blas.h"

#include <cblas.h>
#include <stddef.h>
#include <strings.h>

const char *cj_blas_kernels(void) { return openblas_get_corename(); }

const char *cj_blas_best_kernels(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    /* OpenBLAS's SkylakeX kernels use AVX-512 F with BW, DQ and VL. */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
    return NULL;
}

/* OpenBLAS 0.3.21's DYNAMIC_ARCH x86-64 cores by the widest vectors their
 * sgemm kernels use. */
static const struct {
    const char *name;
    int tier;
} TIERS[] = {
    {"Prescott", 0},   {"Core2", 0},      {"Penryn", 0},  {"Dunnington", 0}, {"Nehalem", 0},
    {"Atom", 0},       {"Opteron", 0},    {"Barcelona", 0}, {"Bobcat", 0},   {"Sandybridge", 1},
    {"Bulldozer", 1},  {"Piledriver", 1}, {"Steamroller", 1}, {"Excavator", 1}, {"Haswell", 2},
    {"Zen", 2},        {"SkylakeX", 3},   {"Cooperlake", 3}, {"SapphireRapids", 3},
};

int cj_blas_kernel_tier(const char *name)
{
    if (!name) return -1;
    for (size_t i = 0; i < sizeof TIERS / sizeof TIERS[0]; i++)
        if (!strcasecmp(name, TIERS[i].name)) return TIERS[i].tier;
    return -1;
}

const char *cj_blas_upgrade(void)
{
    const char *best = cj_blas_best_kernels();
    int now = cj_blas_kernel_tier(cj_blas_kernels());
    if (!best || now < 0 || now >= cj_blas_kernel_tier(best)) return NULL;
    return best;
}
