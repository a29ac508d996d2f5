/* test_divergence.c — the diverging-run warnings on loss sequences whose
 * answer is known: when each warning fires, that it fires once, and that
 * ordinary training (falling, noisy, recovering) never warns. */
#include <math.h>
#include <string.h>

#include "cajal/divergence.h"
#include "harness.h"

/* The 1-based index of the step that warns first, or 0 if none does. */
static int first_step_warning(const double *loss, int n, char *msg, size_t cap)
{
    cj_divergence_watch w;
    cj_divergence_init(&w);
    int first = 0;
    for (int i = 0; i < n; i++)
        if (cj_divergence_step(&w, 1, i + 1, loss[i], msg, cap) && !first) first = i + 1;
        else if (first) CHECK(w.warned_jump);
    return first;
}

TEST(a_loss_above_ten_times_the_first_warns_once)
{
    char msg[256] = "";
    double jump[] = {2.3, 2.0, 15.0, 23.1, 40.0, 50.0};
    CHECK(first_step_warning(jump, 6, msg, sizeof msg) == 4);
    CHECK(!strcmp(msg, "epoch 1, step 4: training loss 23.1 is more than 10x the first step's 2.3; the run may "
                       "be diverging (try a smaller optim.lr)"));
    double exactly[] = {2.0, 20.0, 19.9};  /* 10x is not more than 10x */
    CHECK(first_step_warning(exactly, 3, msg, sizeof msg) == 0);
    double falling[] = {2.3, 1.1, 0.6, 0.4, 0.45, 0.3};
    CHECK(first_step_warning(falling, 6, msg, sizeof msg) == 0);
    double solved[] = {0.0, 1.0, 5.0};     /* no multiple of a zero first loss */
    CHECK(first_step_warning(solved, 3, msg, sizeof msg) == 0);
}

TEST(an_epoch_loss_growing_three_times_in_a_row_warns_once)
{
    char msg[256] = "";
    cj_divergence_watch w;
    cj_divergence_init(&w);
    double epochs[] = {0.50, 0.40, 0.45, 0.47, 0.49, 0.52, 0.60};
    int fired = 0, at = 0;
    for (int i = 0; i < 7; i++)
        if (cj_divergence_epoch(&w, i + 1, 100L * (i + 1), epochs[i], msg, sizeof msg)) fired++, at = i + 1;
    CHECK(fired == 1 && at == 5); /* 0.45, 0.47, 0.49: third rise at epoch 5 */
    CHECK(!strcmp(msg, "epoch 5, step 500: the epoch's training loss (0.49) has grown 3 epochs in a row; the "
                       "run may be diverging (try a smaller optim.lr)"));
    /* two rises, a fall, two rises: never three in a row */
    cj_divergence_init(&w);
    double zigzag[] = {0.5, 0.6, 0.7, 0.65, 0.7, 0.8, 0.75};
    fired = 0;
    for (int i = 0; i < 7; i++) fired += cj_divergence_epoch(&w, i + 1, i + 1, zigzag[i], msg, sizeof msg);
    CHECK(fired == 0);
    /* NaN never counts as growth (the run stops on it elsewhere) */
    cj_divergence_init(&w);
    double nan_run[] = {0.5, NAN, 0.6, 0.7};
    fired = 0;
    for (int i = 0; i < 4; i++) fired += cj_divergence_epoch(&w, i + 1, i + 1, nan_run[i], msg, sizeof msg);
    CHECK(fired == 0);
}

int main(void)
{
    RUN(a_loss_above_ten_times_the_first_warns_once);
    RUN(an_epoch_loss_growing_three_times_in_a_row_warns_once);
    return test_summary("divergence");
}
