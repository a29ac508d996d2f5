/* test_more_tasks.c — the tasks perceptualdm_rt, romo, dms, dnms and
 * gonogo (src/tasks/) and the per-trial rewards (cj_task_reward). With
 * sigma = 0 every trial is checked step by step against the task's
 * definition written out again here (NeuroGym's timing, input codes and
 * targets; Miconi 2017's trial types); performance and rewards on
 * hand-made outputs (perfect, wrong, broken fixation, silent, responding
 * on no-go) against the rules of tasks.h and NeuroGym's reward tables;
 * the reaction time from response_step; reproducibility; and the balance
 * of trial types over many trials against binomial bounds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/tasks.h"
#include "harness.h"
#include "task_fixture.h"

static const float *obs_at(const task_trials *f, int s, int b)
{
    return f->batch.x + ((size_t)s * f->B + b) * f->src.step.c;
}
static int label_at(const task_trials *f, int s, int b) { return f->batch.labels[(size_t)s * f->B + b]; }
static float mask_at(const task_trials *f, int s, int b) { return f->batch.mask[(size_t)s * f->B + b]; }

/* Every step of every trial: mask 1 inside it, and the padding after it
 * all zero with mask 0. */
static void check_masks_and_padding(const task_trials *f)
{
    for (int b = 0; b < f->B; b++)
        for (int s = 0; s < f->src.T; s++) {
            if (s < f->trials[b].T) {
                CHECK(mask_at(f, s, b) == 1);
                continue;
            }
            CHECK(mask_at(f, s, b) == 0 && label_at(f, s, b) == 0);
            for (int c = 0; c < f->src.step.c; c++) CHECK(obs_at(f, s, b)[c] == 0);
        }
}

/* Count n_k of k outcomes each of probability 1/k over n trials: within
 * 4.5 binomial standard deviations (a fixed seed: it passes or fails
 * the same way every run, and a correct generator passes with p > 0.9999). */
static void check_balanced(const int *counts, int k, int n, const char *what)
{
    double p = 1.0 / k, sd = sqrt(n * p * (1 - p));
    for (int i = 0; i < k; i++)
        if (fabs(counts[i] - n * p) > 4.5 * sd)
            test_fail("%s %d: %d of %d trials, expected %.0f ± %.0f", what, i, counts[i], n, n * p, 4.5 * sd);
}

/* ---- hand-made outputs -------------------------------------------------------- */

/* An output policy: the action it takes at step s of trial tr. */
typedef int (*policy)(const cj_task *t, const cj_trial *tr, int s);

static int perfect(const cj_task *t, const cj_trial *tr, int s) { return s < tr->response_start ? 0 : tr->ground_truth; }
/* The other answer: the other choice in two-choice tasks; in go / no-go
 * tasks responding on no-go and withholding on go. */
static int wrong(const cj_task *t, const cj_trial *tr, int s)
{
    if (s < tr->response_start) return 0;
    return t->n_actions == 3 ? 3 - tr->ground_truth : 1 - tr->ground_truth;
}
/* Perfect, but action 1 two steps before the window. */
static int impatient(const cj_task *t, const cj_trial *tr, int s)
{
    return s == tr->response_start - 2 ? 1 : perfect(t, tr, s);
}
static int silent(const cj_task *t, const cj_trial *tr, int s) { return 0; }
/* Action 1 throughout the window, whatever the trial. */
static int eager(const cj_task *t, const cj_trial *tr, int s) { return s < tr->response_start ? 0 : 1; }

/* Outputs [T, B, n_actions]: 2 for the policy's action, -1 elsewhere. */
static float *outputs(const cj_task *t, const task_trials *f, policy p)
{
    int n = t->n_actions;
    float *out = malloc(sizeof(float) * (size_t)f->src.T * f->B * n);
    for (int b = 0; b < f->B; b++)
        for (int s = 0; s < f->src.T; s++) {
            float *z = out + ((size_t)s * f->B + b) * n;
            for (int j = 0; j < n; j++) z[j] = -1;
            z[s < f->trials[b].T ? p(t, &f->trials[b], s) : 0] = 2;
        }
    return out;
}

static cj_trial_score score_of(const cj_task *t, const task_trials *f, const float *out, int b)
{
    return cj_task_score(t, &f->trials[b], out + (size_t)b * t->n_actions, (size_t)f->B * t->n_actions);
}

/* The expected performance of each policy on trial tr (tasks.h): correct
 * when fixation held and the first answer in the window is the ground
 * truth (none on a no-go trial). */
static int expected_correct(policy p, const cj_trial *tr)
{
    if (p == perfect) return 1;
    if (p == wrong || p == impatient) return 0;
    if (p == silent) return tr->ground_truth == 0;
    return tr->ground_truth == 1; /* eager */
}

/* Score every trial under every policy; rewards against `reward_of`. */
static void check_performance(const char *spec, double (*reward_of)(policy p, const cj_trial *tr))
{
    cj_task t;
    if (!task_parse_ok(spec, &t)) return;
    task_trials f;
    enum { B = 64 };
    if (!task_trials_make(&t, 1, B, 21, 0, &f)) return;
    const policy policies[] = {perfect, wrong, impatient, silent, eager};
    const char *names[] = {"perfect", "wrong", "impatient", "silent", "eager"};
    for (int k = 0; k < 5; k++) {
        float *out = outputs(&t, &f, policies[k]);
        int failures = 0;
        for (int b = 0; b < B && failures < 3; b++) {
            const cj_trial *tr = &f.trials[b];
            if (policies[k] == impatient && tr->response_start < 2) continue;
            cj_trial_score s = score_of(&t, &f, out, b);
            int want = expected_correct(policies[k], tr);
            double r = cj_task_reward(&t, tr, &s), want_r = reward_of(policies[k], tr);
            if (s.correct != want || s.fixation_broken != (policies[k] == impatient) || r != want_r) {
                test_fail("%s, %s, trial %d (truth %d): correct %d (want %d) broken %d reward %g (want %g)", spec,
                          names[k], b, tr->ground_truth, s.correct, want, s.fixation_broken, r, want_r);
                failures++;
            }
        }
        free(out);
    }
    task_trials_free(&f);
}

/* NeuroGym's default rewards: abort -0.1, correct +1, fail 0. */
static double default_reward(policy p, const cj_trial *tr)
{
    return p == impatient ? -0.1 : expected_correct(p, tr) ? 1.0 : 0.0;
}

/* NeuroGym GoNogo's: abort -0.1, correct +1, fail -0.5, miss -0.5, and 0
 * for withholding on no-go. */
static double gonogo_reward(policy p, const cj_trial *tr)
{
    if (p == impatient) return -0.1;
    int responds = p == perfect ? tr->ground_truth : p == wrong ? !tr->ground_truth : p == eager;
    if (tr->ground_truth) return responds ? 1.0 : -0.5;
    return responds ? -0.5 : 0.0;
}

/* ---- perceptualdm_rt ---------------------------------------------------------- */

/* sigma = 0, stimulus 400 ms at dt 20: fixation steps [0, 5), stimulus
 * [5, 25); the fixation input on in the fixation period only; the
 * window and the target from step 6 (onset + one step) to the end. */
TEST(rt_trials_follow_the_definition)
{
    cj_task t;
    if (!task_parse_ok("perceptualdm_rt sigma=0 fixation=100 stimulus=400", &t)) return;
    CHECK(t.n_obs == 3 && t.n_actions == 3 && t.max_steps == 25);
    task_trials f;
    enum { B = 600 };
    if (!task_trials_make(&t, 1, B, 4, 0, &f)) return;
    CHECK(f.src.T == 25);
    const double cohs[] = {0, 3.2, 6.4, 12.8, 25.6, 51.2};
    int coh_count[6] = {0}, gt_count[2] = {0};
    for (int b = 0; b < B; b++) {
        const cj_trial *tr = &f.trials[b];
        int f0, f1, s0, s1, d0, d1;
        CHECK(cj_trial_period(tr, "fixation", &f0, &f1) && f0 == 0 && f1 == 5);
        CHECK(cj_trial_period(tr, "stimulus", &s0, &s1) && s0 == 5 && s1 == 25);
        CHECK(!cj_trial_period(tr, "decision", &d0, &d1));
        CHECK(tr->T == 25 && tr->response_start == 6 && tr->response_end == 25);
        int gt = tr->ground_truth;
        double c = fabs(tr->condition[0]);
        CHECK(gt == 1 || gt == 2);
        CHECK(tr->condition[1] == gt);
        CHECK(c == 0 || (tr->condition[0] > 0) == (gt == 1));
        int which = -1;
        for (int k = 0; k < 6; k++)
            if (fabs(c - cohs[k]) < 1e-5) which = k;
        CHECK(which >= 0);
        if (which >= 0) coh_count[which]++;
        gt_count[gt - 1]++;
        for (int s = 0; s < tr->T; s++) {
            const float *x = obs_at(&f, s, b);
            CHECK(x[0] == (s < 5 ? 1.0f : 0.0f));
            float on = s >= 5, hi = 0.5f + (float)c / 200, lo = 0.5f - (float)c / 200;
            CHECK_NEAR(x[gt], on * hi, 1e-6);
            CHECK_NEAR(x[3 - gt], on * lo, 1e-6);
            CHECK(label_at(&f, s, b) == (s >= 6 ? gt : 0));
        }
    }
    check_masks_and_padding(&f);
    check_balanced(coh_count, 6, B, "coherence");
    check_balanced(gt_count, 2, B, "ground truth");
    task_trials_free(&f);
}

/* decision=100 keeps the window 5 steps after the dots are off (NeuroGym's
 * end_on_stimulus=False): stimulus inputs 0 there, target still the
 * choice. */
TEST(rt_decision_period_extends_the_window)
{
    cj_task t;
    if (!task_parse_ok("perceptualdm_rt sigma=0 fixation=100 stimulus=400 decision=100", &t)) return;
    task_trials f;
    if (!task_trials_make(&t, 1, 20, 9, 0, &f)) return;
    for (int b = 0; b < 20; b++) {
        const cj_trial *tr = &f.trials[b];
        int d0, d1;
        CHECK(cj_trial_period(tr, "decision", &d0, &d1) && d0 == 25 && d1 == 30);
        CHECK(tr->T == 30 && tr->response_start == 6 && tr->response_end == 30);
        for (int s = 25; s < 30; s++) {
            const float *x = obs_at(&f, s, b);
            CHECK(x[0] == 0 && x[1] == 0 && x[2] == 0);
            CHECK(label_at(&f, s, b) == tr->ground_truth);
        }
    }
    task_trials_free(&f);
}

/* A network that answers at step k: response_step k, and RT = (k - 5 + 1)
 * * 20 ms; answering at the onset step (5) is an anticipation. */
TEST(rt_reaction_time_from_response_step)
{
    cj_task t;
    if (!task_parse_ok("perceptualdm_rt sigma=0 fixation=100 stimulus=400", &t)) return;
    task_trials f;
    enum { B = 8 };
    if (!task_trials_make(&t, 1, B, 5, 0, &f)) return;
    float *out = malloc(sizeof(float) * (size_t)f.src.T * B * 3);
    for (int k = 5; k < 25; k++) {
        for (int b = 0; b < B; b++)
            for (int s = 0; s < f.src.T; s++) {
                float *z = out + ((size_t)s * B + b) * 3;
                z[0] = z[1] = z[2] = 0;
                z[s < k ? 0 : f.trials[b].ground_truth] = 1;
            }
        for (int b = 0; b < B; b++) {
            const cj_trial *tr = &f.trials[b];
            cj_trial_score s = score_of(&t, &f, out, b);
            int s0, s1;
            cj_trial_period(tr, "stimulus", &s0, &s1);
            if (k == 5) {
                CHECK(s.fixation_broken && !s.correct);
                CHECK(cj_task_reward(&t, tr, &s) == -0.1);
                continue;
            }
            CHECK(s.correct && !s.fixation_broken && s.response == tr->ground_truth);
            CHECK(s.response_step == k);
            CHECK_NEAR((s.response_step - s0 + 1) * t.dt, (k - 4) * 20.0, 1e-9);
            CHECK(cj_task_reward(&t, tr, &s) == 1.0);
        }
    }
    /* No answer: no response step, not correct, reward 0. */
    for (size_t i = 0; i < (size_t)f.src.T * B * 3; i++) out[i] = i % 3 == 0;
    cj_trial_score s = score_of(&t, &f, out, 0);
    CHECK(s.response_step == -1 && s.response == 0 && !s.correct && !s.fixation_broken);
    CHECK(cj_task_reward(&t, &f.trials[0], &s) == 0.0);
    free(out);
    task_trials_free(&f);
}

/* ---- romo --------------------------------------------------------------------- */

/* NeuroGym's DelayComparison: the pairs (18,10) ... (34,26) Hz, x(f) =
 * (1 + (f - 10) / 24) / 2 during the two stimuli, fixation until the
 * decision, the answer 1 when f1 > f2. Timing 500/500/1000/500/100 ms. */
TEST(romo_trials_follow_the_definition)
{
    cj_task t;
    if (!task_parse_ok("romo sigma=0", &t)) return;
    CHECK(t.n_obs == 2 && t.n_actions == 3 && t.max_steps == (500 + 500 + 1000 + 500 + 100) / 20);
    task_trials f;
    enum { B = 2000 };
    if (!task_trials_make(&t, 1, B, 8, 0, &f)) return;
    const double pairs[5][2] = {{18, 10}, {22, 14}, {26, 18}, {30, 22}, {34, 26}};
    int seen[10] = {0}, gt_count[2] = {0};
    for (int b = 0; b < B; b++) {
        const cj_trial *tr = &f.trials[b];
        int p[10];
        const char *names[] = {"fixation", "stimulus1", "delay", "stimulus2", "decision"};
        for (int k = 0; k < 5; k++) CHECK(cj_trial_period(tr, names[k], &p[2 * k], &p[2 * k + 1]));
        CHECK(p[0] == 0 && p[1] == 25 && p[3] == 50 && p[5] == 100 && p[7] == 125 && p[9] == 130 && tr->T == 130);
        CHECK(tr->response_start == 125 && tr->response_end == 130);
        double f1 = tr->condition[0], f2 = tr->condition[1];
        int gt = tr->ground_truth, which = -1;
        CHECK(tr->condition[2] == gt && gt == (f1 > f2 ? 1 : 2));
        for (int k = 0; k < 5; k++) {
            if (f1 == pairs[k][0] && f2 == pairs[k][1]) which = 2 * k;
            if (f1 == pairs[k][1] && f2 == pairs[k][0]) which = 2 * k + 1;
        }
        CHECK(which >= 0);
        if (which >= 0) seen[which]++;
        gt_count[gt - 1]++;
        double x1 = (1 + (f1 - 10) / 24) / 2, x2 = (1 + (f2 - 10) / 24) / 2;
        for (int s = 0; s < tr->T; s++) {
            const float *x = obs_at(&f, s, b);
            CHECK(x[0] == (s < 125 ? 1.0f : 0.0f));
            double want = s >= 25 && s < 50 ? x1 : s >= 100 && s < 125 ? x2 : 0;
            CHECK_NEAR(x[1], want, 1e-6);
            CHECK(label_at(&f, s, b) == (s >= 125 ? gt : 0));
        }
    }
    /* Stimulus values in [0.5, 1]: 10 Hz gives 0.5, 34 Hz gives 1. */
    check_masks_and_padding(&f);
    check_balanced(seen, 10, B, "pair and order");
    check_balanced(gt_count, 2, B, "ground truth");
    task_trials_free(&f);
}

/* mante (Mante et al. 2013's own formulation): with sigma = 0 the inputs
 * are the signed coherences / 100 in the stimulus period only, the context
 * input is on for the whole trial, the target is +1 / -1 (the relevant
 * coherence's sign) in the decision period only, where alone the mask is
 * 1; a perfect output is correct and its negation wrong on every trial. */
TEST(mante_trials_follow_the_definition)
{
    cj_task t;
    if (!task_parse_ok("mante sigma=0", &t)) return;
    CHECK(t.n_obs == 4 && t.n_actions == 1 && t.max_steps == 43); /* 750 ms: 37.5 steps, rounded to 38 */
    task_trials f;
    enum { B = 400 };
    if (!task_trials_make(&t, 1, B, 5, 0, &f)) return;
    CHECK(f.batch.values && f.batch.dim == 1 && f.batch.mask);
    int contexts[2] = {0};
    float *out = malloc(sizeof(float) * (size_t)f.src.T * B);
    for (int b = 0; b < B && out; b++) {
        const cj_trial *tr = &f.trials[b];
        int ctx = (int)tr->condition[0], gt = tr->ground_truth;
        double motion = tr->condition[1], colour = tr->condition[2], rel = ctx == 0 ? motion : colour;
        CHECK(fabs(motion) == 5 || fabs(motion) == 15 || fabs(motion) == 50);
        CHECK(gt == (rel > 0 ? 1 : 2) && tr->condition[3] == gt);
        CHECK(tr->T == 43 && tr->response_start == 38 && tr->response_end == 43);
        contexts[ctx]++;
        for (int s = 0; s < f.src.T; s++) {
            const float *x = obs_at(&f, s, b);
            int in = s < tr->T, stim = s < 38;
            CHECK_NEAR(x[0], in && stim ? motion / 100 : 0, 1e-6);
            CHECK_NEAR(x[1], in && stim ? colour / 100 : 0, 1e-6);
            CHECK(x[2] == (in && ctx == 0 ? 1.0f : 0.0f) && x[3] == (in && ctx == 1 ? 1.0f : 0.0f));
            float want = in && s >= 38 ? (gt == 1 ? 1.0f : -1.0f) : 0.0f;
            CHECK(f.batch.values[(size_t)s * B + b] == want);
            CHECK(mask_at(&f, s, b) == (in && s >= 38 ? 1.0f : 0.0f));
        }
    }
    check_balanced(contexts, 2, B, "context");
    /* Scores: the targets themselves, and their negation. */
    for (int sign = 1; sign >= -1 && out; sign -= 2)
        for (int b = 0; b < B; b++) {
            for (int s = 0; s < f.src.T; s++) out[s] = sign * f.batch.values[(size_t)s * B + b];
            cj_trial_score sc = cj_task_score(&t, &f.trials[b], out, 1);
            int want_choice = sign > 0 ? f.trials[b].ground_truth : 3 - f.trials[b].ground_truth;
            CHECK(sc.correct == (sign > 0) && sc.choice == want_choice && !sc.fixation_broken);
        }
    free(out);
    task_trials_free(&f);
}

/* Other pairs rescale the code to their own range; pairs must come in
 * twos, larger first. */
TEST(romo_pairs_option)
{
    cj_task t;
    if (!task_parse_ok("romo sigma=0 pairs=40:20 delay=0", &t)) return;
    task_trials f;
    if (!task_trials_make(&t, 1, 40, 2, 0, &f)) return;
    for (int b = 0; b < 40; b++) {
        const cj_trial *tr = &f.trials[b];
        int a0, a1, b0, b1;
        cj_trial_period(tr, "stimulus1", &a0, &a1);
        cj_trial_period(tr, "stimulus2", &b0, &b1);
        float want1 = tr->condition[0] == 40 ? 1.0f : 0.5f, want2 = 1.5f - want1;
        CHECK(obs_at(&f, a0, b)[1] == want1 && obs_at(&f, b0, b)[1] == want2);
        CHECK(tr->ground_truth == (want1 == 1.0f ? 1 : 2));
    }
    task_trials_free(&f);
    char text[512];
    cj_task_format(&t, text, sizeof text);
    CHECK(strstr(text, " pairs=40:20") != NULL);
    task_parse_fails("romo pairs=40:20:30", "pairs= has 3 frequencies");
    task_parse_fails("romo pairs=20:40", "pair 1 is 20:40: write each pair larger first");
    task_parse_fails("romo pairs=30:30", "pair 1 is 30:30");
}

/* ---- dms / dnms ------------------------------------------------------------------ */

/* Miconi (2017)'s timing at dt 20: sample [0, 10), delay [10, 20), test
 * [20, 30), the wait [30, 40), the answer [40, 50) (the last 200 ms of
 * 1000). One-hot stimuli; fixation until the answer. */
static void check_match_task(const char *spec, int nonmatch)
{
    cj_task t;
    if (!task_parse_ok(spec, &t)) return;
    CHECK(t.n_obs == 3 && t.n_actions == (nonmatch ? 2 : 3) && t.max_steps == 50);
    task_trials f;
    enum { B = 2000 };
    if (!task_trials_make(&t, 1, B, 13, 0, &f)) return;
    int types[4] = {0}, gts[3] = {0};
    for (int b = 0; b < B; b++) {
        const cj_trial *tr = &f.trials[b];
        int a0, a1, d0, d1, b0, b1, w0, w1, e0, e1, x0, x1;
        CHECK(!cj_trial_period(tr, "fixation", &x0, &x1));
        CHECK(cj_trial_period(tr, "sample", &a0, &a1) && a0 == 0 && a1 == 10);
        CHECK(cj_trial_period(tr, "delay", &d0, &d1) && d0 == 10 && d1 == 20);
        CHECK(cj_trial_period(tr, "test", &b0, &b1) && b0 == 20 && b1 == 30);
        CHECK(cj_trial_period(tr, "delay2", &w0, &w1) && w0 == 30 && w1 == 40);
        CHECK(cj_trial_period(tr, "decision", &e0, &e1) && e0 == 40 && e1 == 50);
        CHECK(tr->T == 50 && tr->response_start == 40 && tr->response_end == 50);
        int sample = (int)tr->condition[0], test = (int)tr->condition[1], type = (int)tr->condition[3];
        CHECK(sample == 0 || sample == 1);
        CHECK(test == 0 || test == 1);
        CHECK(type == 2 * sample + test);
        int match = sample == test, gt = tr->ground_truth;
        CHECK(gt == (nonmatch ? (match ? 0 : 1) : (match ? 1 : 2)));
        CHECK(tr->condition[2] == gt);
        types[type]++;
        gts[gt]++;
        for (int s = 0; s < tr->T; s++) {
            const float *x = obs_at(&f, s, b);
            CHECK(x[0] == (s < 40 ? 1.0f : 0.0f));
            int shown = s < 10 ? sample : s >= 20 && s < 30 ? test : -1;
            CHECK(x[1] == (shown == 0 ? 1.0f : 0.0f) && x[2] == (shown == 1 ? 1.0f : 0.0f));
            CHECK(label_at(&f, s, b) == (s >= 40 ? gt : 0));
        }
    }
    check_masks_and_padding(&f);
    check_balanced(types, 4, B, "trial type");
    int two[2] = {nonmatch ? gts[0] : gts[1], nonmatch ? gts[1] : gts[2]};
    check_balanced(two, 2, B, "match / non-match");
    task_trials_free(&f);
}

TEST(dms_trials_follow_the_definition) { check_match_task("dms sigma=0", 0); }
TEST(dnms_trials_follow_the_definition) { check_match_task("dnms sigma=0", 1); }

/* The noise is N(0, sigma^2/dt) on both stimulus channels during the
 * sample and the test only. */
TEST(match_noise_where_neurogym_puts_it)
{
    cj_task t;
    if (!task_parse_ok("dms sigma=1", &t)) return;
    task_trials f;
    enum { B = 400 };
    if (!task_trials_make(&t, 1, B, 3, 0, &f)) return;
    double sq = 0;
    long n = 0;
    for (int b = 0; b < B; b++) {
        int sample = (int)f.trials[b].condition[0], test = (int)f.trials[b].condition[1];
        for (int s = 0; s < 50; s++) {
            const float *x = obs_at(&f, s, b);
            CHECK(x[0] == (s < 40));
            int shown = s < 10 ? sample : s >= 20 && s < 30 ? test : -1;
            if (shown < 0) {
                CHECK(x[1] == 0 && x[2] == 0);
                continue;
            }
            for (int c = 0; c < 2; c++) {
                double r = x[1 + c] - (shown == c);
                sq += r * r;
                n++;
            }
        }
    }
    CHECK_NEAR(sqrt(sq / n), 1 / sqrt(20.0), 0.005);
    task_trials_free(&f);
}

/* ---- gonogo ----------------------------------------------------------------------- */

/* NeuroGym's GoNogo: stimulus [0, 25), delay [25, 50), decision [50, 75)
 * at dt 20; the cue on its channel (nogo 1, go 2); noiseless by default. */
TEST(gonogo_trials_follow_the_definition)
{
    cj_task t;
    if (!task_parse_ok("gonogo", &t)) return;
    CHECK(t.sigma == 0 && t.n_obs == 3 && t.n_actions == 2 && t.max_steps == 75);
    task_trials f;
    enum { B = 1000 };
    if (!task_trials_make(&t, 1, B, 6, 0, &f)) return;
    int counts[2] = {0};
    for (int b = 0; b < B; b++) {
        const cj_trial *tr = &f.trials[b];
        int s0, s1, d0, d1, e0, e1;
        CHECK(cj_trial_period(tr, "stimulus", &s0, &s1) && s0 == 0 && s1 == 25);
        CHECK(cj_trial_period(tr, "delay", &d0, &d1) && d0 == 25 && d1 == 50);
        CHECK(cj_trial_period(tr, "decision", &e0, &e1) && e0 == 50 && e1 == 75);
        CHECK(tr->response_start == 50 && tr->response_end == 75);
        int go = (int)tr->condition[0];
        CHECK((go == 0 || go == 1) && tr->ground_truth == go && tr->condition[1] == go);
        counts[go]++;
        for (int s = 0; s < tr->T; s++) {
            const float *x = obs_at(&f, s, b);
            CHECK(x[0] == (s < 50 ? 1.0f : 0.0f));
            CHECK(x[1] == (s < 25 && !go ? 1.0f : 0.0f) && x[2] == (s < 25 && go ? 1.0f : 0.0f));
            CHECK(label_at(&f, s, b) == (s >= 50 ? go : 0));
        }
    }
    check_masks_and_padding(&f);
    check_balanced(counts, 2, B, "go");
    task_trials_free(&f);
    /* sigma= given is kept, and written back. */
    if (!task_parse_ok("gonogo sigma=0.5", &t)) return;
    CHECK(t.sigma == 0.5f);
    char text[512];
    cj_task_format(&t, text, sizeof text);
    CHECK(!strcmp(text, "gonogo dt=20 sigma=0.5 fixation=0 stimulus=500 delay=500 decision=500"));
}

/* ---- performance and rewards ------------------------------------------------------- */

TEST(performance_and_default_rewards_on_hand_made_outputs)
{
    check_performance("perceptualdm_rt", default_reward);
    check_performance("perceptualdm_rt decision=200", default_reward);
    check_performance("romo", default_reward);
    check_performance("dms", default_reward);
    check_performance("dnms", default_reward);
    /* The tasks that already existed get the default too. */
    check_performance("perceptualdm", default_reward);
}

TEST(gonogo_performance_and_neurogym_rewards)
{
    check_performance("gonogo", gonogo_reward);
    check_performance("gonogo sigma=1 delay=uniform:200:800", gonogo_reward);
}

/* The default reward straight from scores, whatever the task. */
TEST(default_reward_table)
{
    cj_task t;
    if (!task_parse_ok("dms", &t)) return;
    cj_trial tr = {.ground_truth = 1};
    cj_trial_score right = {.correct = 1, .response = 1}, wrong = {.response = 2}, none = {.response_step = -1},
                   broken = {.fixation_broken = 1, .response = 1};
    CHECK(cj_task_reward_default(&t, &tr, &right) == 1.0);
    CHECK(cj_task_reward_default(&t, &tr, &wrong) == 0.0);
    CHECK(cj_task_reward_default(&t, &tr, &none) == 0.0);
    CHECK(cj_task_reward_default(&t, &tr, &broken) == -0.1);
    CHECK(cj_task_reward(&t, &tr, &broken) == -0.1);
    if (!task_parse_ok("gonogo", &t)) return;
    cj_trial nogo = {.ground_truth = 0};
    cj_trial_score withheld = {.correct = 1, .response_step = -1};
    CHECK(cj_task_reward_default(&t, &nogo, &withheld) == 1.0);
    CHECK(cj_task_reward(&t, &nogo, &withheld) == 0.0);
    CHECK(cj_task_reward(&t, &nogo, &right) == -0.5);
}

/* ---- reproducibility, parsing ---------------------------------------------------- */

static int batches_equal(const task_trials *a, const task_trials *b)
{
    size_t steps = (size_t)a->src.T * a->B;
    return a->src.T == b->src.T && !memcmp(a->batch.x, b->batch.x, sizeof(float) * steps * a->src.step.c) &&
           !memcmp(a->batch.labels, b->batch.labels, sizeof(int) * steps) &&
           !memcmp(a->batch.mask, b->batch.mask, sizeof(float) * steps);
}

TEST(trials_reproducible_by_seed)
{
    const char *specs[] = {"perceptualdm_rt stimulus=uniform:200:800", "romo delay=choice:500:1000", "dms",
                           "dnms delay=uniform:100:400", "gonogo sigma=1"};
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        cj_task t;
        if (!task_parse_ok(specs[i], &t)) continue;
        task_trials a, b, c;
        if (!task_trials_make(&t, 1, 32, 77, 0, &a)) continue;
        if (!task_trials_make(&t, 1, 32, 77, 0, &b) || !task_trials_make(&t, 1, 32, 78, 0, &c)) {
            task_trials_free(&a);
            continue;
        }
        if (!batches_equal(&a, &b)) test_fail("%s: seed 77 twice gives two batches", specs[i]);
        if (batches_equal(&a, &c)) test_fail("%s: seeds 77 and 78 give the same batch", specs[i]);
        int same_trials = 1;
        for (int k = 0; k < 32; k++)
            same_trials &= !memcmp(&a.trials[k].condition, &b.trials[k].condition, sizeof a.trials[k].condition) &&
                           a.trials[k].T == b.trials[k].T && a.trials[k].ground_truth == b.trials[k].ground_truth;
        CHECK(same_trials);
        task_trials_free(&a);
        task_trials_free(&b);
        task_trials_free(&c);
    }
}

TEST(new_tasks_register_parse_and_write_back)
{
    const char *names[] = {"perceptualdm_rt", "romo", "dms", "dnms", "gonogo"};
    const char *conditions[] = {"coherence,ground_truth", "f1,f2,ground_truth", "sample,test,ground_truth,trial_type",
                                "sample,test,ground_truth,trial_type", "go,ground_truth"};
    for (int i = 0; i < 5; i++) {
        const cj_task_ops *ops = cj_task_ops_find(names[i]);
        CHECK(ops != NULL);
        if (!ops) continue;
        CHECK(!strcmp(ops->conditions, conditions[i]));
        cj_task t, again;
        if (!task_parse_ok(names[i], &t)) continue;
        char text[512], text2[512];
        cj_task_format(&t, text, sizeof text);
        if (!task_parse_ok(text, &again)) continue;
        cj_task_format(&again, text2, sizeof text2);
        if (strcmp(text, text2)) test_fail("'%s' writes back as '%s'", text, text2);
        CHECK(again.max_steps == t.max_steps && again.n_obs == t.n_obs && again.n_actions == t.n_actions);
    }
    cj_task t;
    if (task_parse_ok("perceptualdm_rt coherences=0:50", &t)) {
        char text[512];
        cj_task_format(&t, text, sizeof text);
        CHECK(!strcmp(text, "perceptualdm_rt dt=20 sigma=1 fixation=100 stimulus=2000 decision=0 coherences=0:50"));
    }
    task_parse_fails("dms coherences=5", "unknown option 'coherences' (dt=, sigma=, weight=, fixation=, sample=, delay=, test=, "
                                    "delay2=, decision=)");
    task_parse_fails("romo speed=1", "pairs=)");
}

int main(void)
{
    RUN(rt_trials_follow_the_definition);
    RUN(rt_decision_period_extends_the_window);
    RUN(rt_reaction_time_from_response_step);
    RUN(romo_trials_follow_the_definition);
    RUN(romo_pairs_option);
    RUN(mante_trials_follow_the_definition);
    RUN(dms_trials_follow_the_definition);
    RUN(dnms_trials_follow_the_definition);
    RUN(match_noise_where_neurogym_puts_it);
    RUN(gonogo_trials_follow_the_definition);
    RUN(performance_and_default_rewards_on_hand_made_outputs);
    RUN(gonogo_performance_and_neurogym_rewards);
    RUN(default_reward_table);
    RUN(trials_reproducible_by_seed);
    RUN(new_tasks_register_parse_and_write_back);
    return test_summary("more_tasks");
}
