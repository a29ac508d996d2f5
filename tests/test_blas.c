/* test_blas.c — the matrix-product kernels: OpenBLAS's kernel sets ranked
 * by vector width, and the `cajal` command ending up with kernels at least
 * as capable as the CPU supports whenever the user has not forced a choice
 * with OPENBLAS_CORETYPE (it restarts itself when OpenBLAS picked weaker
 * ones, as Debian 12's OpenBLAS does on CPUs newer than itself). */
#include <stdlib.h>
#include <string.h>

#include "cajal/blas.h"
#include "cli_runner.h"
#include "harness.h"

static const char *cajal;

TEST(kernel_sets_are_ranked_by_vector_width)
{
    CHECK(cj_blas_kernel_tier("Prescott") == 0);
    CHECK(cj_blas_kernel_tier("Sandybridge") == 1);
    CHECK(cj_blas_kernel_tier("Haswell") == 2 && cj_blas_kernel_tier("zen") == 2);
    CHECK(cj_blas_kernel_tier("SkylakeX") == 3 && cj_blas_kernel_tier("COOPERLAKE") == 3);
    CHECK(cj_blas_kernel_tier("Neoverse-N1") == -1 && cj_blas_kernel_tier(NULL) == -1);
    const char *best = cj_blas_best_kernels();
    CHECK(best == NULL || cj_blas_kernel_tier(best) >= 2);
    CHECK(cj_blas_kernels() != NULL && cj_blas_kernels()[0]);
}

/* An upgrade is only ever to something better than what runs now. */
TEST(an_upgrade_is_strictly_better)
{
    const char *up = cj_blas_upgrade();
    if (up) CHECK(cj_blas_kernel_tier(up) > cj_blas_kernel_tier(cj_blas_kernels()));
    else
        CHECK(!cj_blas_best_kernels() || cj_blas_kernel_tier(cj_blas_kernels()) < 0 ||
              cj_blas_kernel_tier(cj_blas_kernels()) >= cj_blas_kernel_tier(cj_blas_best_kernels()));
}

/* The kernels `cajal --version` reports, as a tier. */
static int version_tier(const char *env, char *out, size_t len)
{
    char *args = cj_path_printf("--version");
    char *cmd = cj_path_printf("%s %s", env, cajal);
    int rc = run_cajal(cmd, args, out, len);
    free(args);
    free(cmd);
    CHECK(rc == 0);
    const char *p = strstr(out, "blas: OpenBLAS ");
    CHECK(p != NULL);
    if (!p) return -2;
    char name[64] = "";
    sscanf(p + strlen("blas: OpenBLAS "), "%63s", name);
    return cj_blas_kernel_tier(name);
}

TEST(cajal_runs_the_best_kernels_unless_told_otherwise)
{
    char out[1024];
    const char *best = cj_blas_best_kernels();
    int tier = version_tier("env -u OPENBLAS_CORETYPE", out, sizeof out);
    if (best && tier >= 0) CHECK(tier >= cj_blas_kernel_tier(best));
    if (best && tier >= 0 && tier < cj_blas_kernel_tier(best)) printf("  --version said: %s", out);
    /* A user's choice stands, and a weaker one is pointed out. */
    tier = version_tier("env OPENBLAS_CORETYPE=Prescott", out, sizeof out);
    CHECK(tier == 0);
    CHECK(strstr(out, "(OPENBLAS_CORETYPE)") != NULL);
    if (best) CHECK(strstr(out, "note: OPENBLAS_CORETYPE=Prescott runs OpenBLAS's Prescott kernels") != NULL);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    RUN(kernel_sets_are_ranked_by_vector_width);
    RUN(an_upgrade_is_strictly_better);
    RUN(cajal_runs_the_best_kernels_unless_told_otherwise);
    return test_summary("blas");
}
