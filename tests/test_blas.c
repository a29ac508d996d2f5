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

/* Closed forms of the step's product sizes (2 m n k FLOPs each). */
TEST(step_work_counts_the_products_of_a_step)
{
    cj_model m;
    cj_error err = {0};
    cj_shape img = {1, 28, 28};
    CHECK(cj_model_create(&m, "flatten, dense 256, relu, dense 256, relu, dense 10", img, 1, &err) == CJ_OK);
    /* Forward and weight gradient for each layer, an input gradient for the
     * last two only. */
    double f1 = 2.0 * 64 * 784 * 256, f2 = 2.0 * 64 * 256 * 256, f3 = 2.0 * 64 * 256 * 10;
    double flops = 2 * f1 + 3 * f2 + 3 * f3;
    cj_step_work w = cj_step_gemm_work(&m, 64);
    CHECK_NEAR(w.flops, flops, 0.5);
    CHECK_NEAR(w.typical, (2 * f1 * f1 + 3 * f2 * f2 + 3 * f3 * f3) / flops, 1.0);
    CHECK_NEAR(w.flops, 77529088.0, 0.5);
    cj_model_free(&m);

    /* A convolution counts one sample's im2col product per sample. */
    CHECK(cj_model_create(&m, "conv2d 16 kernel=5 padding=2, relu, maxpool 2, flatten, dense 10", img, 1, &err) ==
          CJ_OK);
    double conv = 2.0 * 16 * 1 * 25 * 28 * 28, dense = 2.0 * 8 * 16 * 14 * 14 * 10;
    flops = 2 * 8 * conv + 3 * dense;
    w = cj_step_gemm_work(&m, 8);
    CHECK_NEAR(w.flops, flops, 0.5);
    CHECK_NEAR(w.typical, (2 * 8 * conv * conv + 3 * dense * dense) / flops, 1.0);
    cj_model_free(&m);

    /* A recurrent layer: its input weight (3 H x in for a GRU) and its
     * recurrent weight (3 H x H), whose error goes back in time even in the
     * first parametric layer. */
    CHECK(cj_model_create(&m, "flatten, gru 16, dense 10", img, 1, &err) == CJ_OK);
    double ih = 2.0 * 4 * 48 * 784, hh = 2.0 * 4 * 48 * 16, out = 2.0 * 4 * 10 * 16;
    flops = 2 * ih + 3 * hh + 3 * out;
    w = cj_step_gemm_work(&m, 4);
    CHECK_NEAR(w.flops, flops, 0.5);
    CHECK_NEAR(w.typical, (2 * ih * ih + 3 * hh * hh + 3 * out * out) / flops, 1.0);
    cj_model_free(&m);

    CHECK(cj_model_create(&m, "flatten, relu", img, 1, &err) == CJ_OK);
    w = cj_step_gemm_work(&m, 64);
    CHECK(w.flops == 0.0 && w.typical == 0.0);
    cj_model_free(&m);
}

TEST(threads_follow_the_typical_product)
{
    cj_step_work w = {0.0, 0.0};
    CHECK(cj_blas_threads_for(w, 8) == 1);
    w.typical = 19.8e6;  /* the 784-256-256-10 MLP at batch 64 */
    CHECK(cj_blas_threads_for(w, 8) == 1);
    w.typical = 42.2e6;  /* the same 512 wide */
    CHECK(cj_blas_threads_for(w, 8) == 2);
    CHECK(cj_blas_threads_for(w, 1) == 1);
    w.typical = 1e15;
    CHECK(cj_blas_threads_for(w, 16) == 16);
    w.typical = 3.5 * CJ_BLAS_FLOPS_PER_THREAD;
    CHECK(cj_blas_threads_for(w, 16) == 3);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    RUN(kernel_sets_are_ranked_by_vector_width);
    RUN(an_upgrade_is_strictly_better);
    RUN(cajal_runs_the_best_kernels_unless_told_otherwise);
    RUN(step_work_counts_the_products_of_a_step);
    RUN(threads_follow_the_typical_product);
    return test_summary("blas");
}
