/* test_tasks.c — cognitive tasks (tasks.h): duration syntax and draws
 * against closed forms; each task's periods, inputs, targets and masks
 * against its definition; performance on hand-made outputs (perfect,
 * wrong, broken fixation, no response); trials reproducible from (seed,
 * stream, epoch, index) whatever the batch; option errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/tasks.h"
#include "harness.h"
#include "task_fixture.h"

/* ---- durations ----------------------------------------------------------- */

TEST(durations_parse_and_refuse)
{
    cj_duration d;
    char why[160];
    CHECK(cj_duration_parse("300", &d, why, sizeof why) == CJ_OK && d.kind == CJ_DURATION_CONSTANT && d.v[0] == 300);
    CHECK(cj_duration_parse("uniform:300:700", &d, why, sizeof why) == CJ_OK && d.kind == CJ_DURATION_UNIFORM);
    CHECK(cj_duration_max(&d) == 700);
    CHECK(cj_duration_parse("choice:100:400:200", &d, why, sizeof why) == CJ_OK && d.n == 3);
    CHECK(cj_duration_max(&d) == 400);
    CHECK(cj_duration_parse("truncexp:600:300:3000", &d, why, sizeof why) == CJ_OK && cj_duration_max(&d) == 3000);
    char back[64];
    cj_duration_format(&d, back, sizeof back);
    CHECK(!strcmp(back, "truncexp:600:300:3000"));
    const char *bad[] = {"", "-5", "abc", "300:400", "uniform:700:300", "uniform:300", "choice:", "truncexp:600:300",
                         "truncexp:0:1:2", "uniform:300:", "1e9", "nan"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (cj_duration_parse(bad[i], &d, why, sizeof why) == CJ_OK) test_fail("'%s' parsed as a duration", bad[i]);
}

/* Sample means against the closed forms: uniform (lo + hi) / 2; the
 * exponential of mean m truncated to [a, b]:
 *     E = a + m - (b - a) e^{-(b-a)/m} / (1 - e^{-(b-a)/m}). */
TEST(duration_draws_match_their_distributions)
{
    cj_rng rng;
    cj_rng_seed(&rng, 5);
    cj_duration u, e, c;
    char why[160];
    cj_duration_parse("uniform:300:700", &u, why, sizeof why);
    cj_duration_parse("truncexp:600:300:3000", &e, why, sizeof why);
    cj_duration_parse("choice:100:200:400", &c, why, sizeof why);
    enum { N = 200000 };
    double su = 0, se = 0, sc = 0, lo = 1e9, hi = -1e9;
    int counts[3] = {0};
    for (int i = 0; i < N; i++) {
        double x = cj_duration_draw(&u, &rng), y = cj_duration_draw(&e, &rng), z = cj_duration_draw(&c, &rng);
        su += x;
        se += y;
        sc += z;
        lo = y < lo ? y : lo;
        hi = y > hi ? y : hi;
        counts[z == 100 ? 0 : z == 200 ? 1 : 2]++;
    }
    double m = 600, a = 300, b = 3000, q = exp(-(b - a) / m);
    double truncated_mean = a + m - (b - a) * q / (1 - q);
    CHECK_NEAR(su / N, 500, 1.0);
    CHECK_NEAR(se / N, truncated_mean, 4.0);
    CHECK(lo >= 300 && hi <= 3000);
    CHECK_NEAR(sc / N, 700.0 / 3, 1.0);
    for (int k = 0; k < 3; k++) CHECK_NEAR(counts[k], N / 3.0, 1000);
}

/* ---- parsing ---------------------------------------------------------------- */

TEST(task_options_parse_and_write_back)
{
    cj_task t, again;
    if (!task_parse_ok("contextdm", &t)) return;
    CHECK(t.n_obs == 7 && t.n_actions == 3 && t.dt == 20 && t.sigma == 1);
    CHECK(t.max_steps == 15 + 38 + 0 + 5); /* 750 / 20 = 37.5 rounds to 38 */
    if (!task_parse_ok("perceptualdm dt=10 sigma=0.5 stimulus=uniform:200:800 coherences=0:10:20", &t)) return;
    CHECK(t.dt == 10 && t.sigma == 0.5f);
    CHECK(t.max_steps == (100 + 800 + 0 + 100) / 10);
    char text[512];
    cj_task_format(&t, text, sizeof text);
    CHECK(!strcmp(text, "perceptualdm dt=10 sigma=0.5 fixation=100 stimulus=uniform:200:800 delay=0 decision=100 "
                        "coherences=0:10:20"));
    if (!task_parse_ok(text, &again)) return;
    char text2[512];
    cj_task_format(&again, text2, sizeof text2);
    CHECK(!strcmp(text, text2));
}

TEST(task_errors_name_the_problem)
{
    task_parse_fails("nosuchtask", "unknown task 'nosuchtask' (item 1); expected perceptualdm, contextdm, perceptualdm_rt");
    task_parse_fails("contextdm speed=3", "unknown option 'speed' (dt=, sigma=, weight=, fixation=, stimulus=, delay=, "
                                     "decision=, coherences=, baseline=)");
    task_parse_fails("contextdm stimulus=uniform:900:100", "data.task: item 1 (contextdm): stimulus=uniform:900:100: "
                                                       "uniform:LO:HI needs LO <= HI");
    task_parse_fails("contextdm coherences=5:x", "coherences=5:x: 'x' is not a number from 0 to 100");
    task_parse_fails("contextdm coherences=5:150", "'150' is not a number from 0 to 100");
    task_parse_fails("contextdm dt=0", "dt=0 is not a number from 0.1 to 1000");
    task_parse_fails("contextdm fixation=0 stimulus=0 decision=0", "every period lasts 0 ms");
    task_parse_fails("contextdm 64", "unexpected '64'");
}

/* ---- trials ------------------------------------------------------------------ */

/* Perceptual decision making, sigma = 0: the periods in order, the
 * inputs 0.5 ± c/200 in the stimulus period only, fixation on until the
 * decision period, the target the ground truth from then on. */
TEST(perceptual_dm_trials_follow_the_definition)
{
    cj_task t;
    if (!task_parse_ok("perceptualdm sigma=0 fixation=100 stimulus=400 delay=choice:0:200 decision=100", &t)) return;
    task_trials f;
    enum { B = 64 };
    if (!task_trials_make(&t, 1, B, 3, 0, &f)) return;
    int T = f.src.T, padded = 0, seen_delay = 0;
    CHECK(T == (100 + 400 + 200 + 100) / 20);
    for (int b = 0; b < B; b++) {
        const cj_trial *tr = &f.trials[b];
        int f0, f1, s0, s1, d0, d1, e0, e1;
        CHECK(cj_trial_period(tr, "fixation", &f0, &f1) && f0 == 0 && f1 == 5);
        CHECK(cj_trial_period(tr, "stimulus", &s0, &s1) && s0 == 5 && s1 == 25);
        int has_delay = cj_trial_period(tr, "delay", &d0, &d1);
        CHECK(cj_trial_period(tr, "decision", &e0, &e1) && e1 - e0 == 5 && e1 == tr->T);
        CHECK(has_delay ? d1 - d0 == 10 && e0 == 35 : e0 == 25);
        seen_delay += has_delay;
        padded += tr->T < T;
        CHECK(tr->response_start == e0 && tr->response_end == e1);
        int gt = tr->ground_truth;
        double c = fabs(tr->condition[0]);
        CHECK(gt == 1 || gt == 2);
        CHECK((tr->condition[0] >= 0) == (gt == 1) || c == 0);
        CHECK(c == 0 || c == 3.2 || c == 6.4 || c == 12.8 || c == 25.6 || c == 51.2 ||
              fabs(c - 3.2) < 1e-5 || fabs(c - 6.4) < 1e-5 || fabs(c - 12.8) < 1e-5 || fabs(c - 25.6) < 1e-5 ||
              fabs(c - 51.2) < 1e-5);
        for (int s = 0; s < T; s++) {
            const float *x = f.batch.x + ((size_t)s * B + b) * 3;
            int label = f.batch.labels[s * B + b];
            float mask = f.batch.mask[s * B + b];
            if (s >= tr->T) {
                CHECK(x[0] == 0 && x[1] == 0 && x[2] == 0 && label == 0 && mask == 0);
                continue;
            }
            CHECK(mask == 1);
            CHECK(x[0] == (s < e0 ? 1.0f : 0.0f));
            CHECK(label == (s >= e0 ? gt : 0));
            float on = s >= s0 && s < s1, favoured = 0.5f + (float)c / 200, other = 0.5f - (float)c / 200;
            CHECK_NEAR(x[gt], on * favoured, 1e-6);
            CHECK_NEAR(x[3 - gt], on * other, 1e-6);
        }
    }
    CHECK(padded > 0 && padded < B && padded == B - seen_delay);
    task_trials_free(&f);
}

/* Context-dependent integration, sigma = 0: both stimuli on, the context
 * cue and the fixation input until the decision, the ground truth the
 * side of the relevant coherence; contexts and signs balanced. */
TEST(context_dm_trials_follow_the_definition)
{
    cj_task t;
    if (!task_parse_ok("contextdm sigma=0", &t)) return;
    task_trials f;
    enum { B = 400 };
    if (!task_trials_make(&t, 1, B, 11, 0, &f)) return;
    int contexts[2] = {0}, agree = 0;
    for (int b = 0; b < B; b++) {
        const cj_trial *tr = &f.trials[b];
        int ctx = (int)tr->condition[0];
        double motion = tr->condition[1], colour = tr->condition[2];
        double relevant = ctx == 0 ? motion : colour, irrelevant = ctx == 0 ? colour : motion;
        contexts[ctx]++;
        agree += (relevant > 0) == (irrelevant > 0);
        CHECK(tr->ground_truth == (relevant > 0 ? 1 : 2));
        CHECK(tr->condition[3] == tr->ground_truth);
        CHECK(fabs(motion) == 5 || fabs(motion) == 15 || fabs(motion) == 50);
        int s0, s1, e0, e1;
        cj_trial_period(tr, "stimulus", &s0, &s1);
        cj_trial_period(tr, "decision", &e0, &e1);
        for (int s = 0; s < tr->T; s++) {
            const float *x = f.batch.x + ((size_t)s * B + b) * 7;
            float on = s >= s0 && s < s1;
            CHECK(x[0] == (s < e0));
            CHECK(x[5] == (s < e0 && ctx == 0) && x[6] == (s < e0 && ctx == 1));
            CHECK_NEAR(x[1] - x[2], on * motion / 100, 1e-6);
            CHECK_NEAR(x[3] - x[4], on * colour / 100, 1e-6);
            CHECK_NEAR(x[1] + x[2], on, 1e-6);
        }
    }
    CHECK(contexts[0] > 150 && contexts[1] > 150);
    CHECK(agree > 150 && agree < 250);
    task_trials_free(&f);
}

/* The noise is N(0, sigma^2 / dt) on the stimulus channels during the
 * stimulus, and nowhere else. */
TEST(input_noise_has_neurogym_scale)
{
    cj_task t;
    if (!task_parse_ok("perceptualdm sigma=1 dt=20 coherences=0", &t)) return;
    task_trials f;
    enum { B = 200 };
    if (!task_trials_make(&t, 1, B, 2, 0, &f)) return;
    double sum = 0, sq = 0;
    long n = 0;
    for (int b = 0; b < B; b++) {
        int s0, s1;
        cj_trial_period(&f.trials[b], "stimulus", &s0, &s1);
        for (int s = 0; s < f.trials[b].T; s++) {
            const float *x = f.batch.x + ((size_t)s * B + b) * 3;
            if (s < s0 || s >= s1) {
                CHECK(x[1] == 0 && x[2] == 0);
                continue;
            }
            for (int k = 1; k < 3; k++) {
                double r = x[k] - 0.5;
                sum += r;
                sq += r * r;
                n++;
            }
        }
    }
    double mean = sum / n, sd = sqrt(sq / n - mean * mean);
    CHECK_NEAR(mean, 0, 0.005);
    CHECK_NEAR(sd, 1 / sqrt(20.0), 0.005);
    task_trials_free(&f);
}

/* ---- performance ------------------------------------------------------------ */

/* Outputs [T, B, 3] that choose `action(s)` at each step of trial b. */
typedef int (*policy)(const cj_trial *tr, int s);

static int perfect(const cj_trial *tr, int s) { return s < tr->response_start ? 0 : tr->ground_truth; }
static int wrong(const cj_trial *tr, int s) { return s < tr->response_start ? 0 : 3 - tr->ground_truth; }
static int impatient(const cj_trial *tr, int s) { return s == tr->response_start - 2 ? 1 : perfect(tr, s); }
static int silent(const cj_trial *tr, int s) { return 0; }
static int late(const cj_trial *tr, int s) { return s < tr->response_end - 1 ? 0 : tr->ground_truth; }
static int hesitant(const cj_trial *tr, int s) { return s == tr->response_start ? 3 - tr->ground_truth : perfect(tr, s); }

static float *outputs(const task_trials *f, policy p)
{
    int T = f->src.T, B = f->batch.B;
    float *out = calloc((size_t)T * B * 3, sizeof(float));
    for (int b = 0; b < B; b++)
        for (int s = 0; s < T; s++) {
            float *z = out + ((size_t)s * B + b) * 3;
            z[0] = -1, z[1] = -1, z[2] = -1;
            z[s < f->trials[b].T ? p(&f->trials[b], s) : 0] = 2;
        }
    return out;
}

TEST(performance_on_hand_made_outputs)
{
    cj_task t;
    if (!task_parse_ok("contextdm", &t)) return;
    task_trials f;
    enum { B = 50 };
    if (!task_trials_make(&t, 1, B, 1, 0, &f)) return;
    const struct {
        policy p;
        int correct, broken, responds, choice_right;
    } cases[] = {
        {perfect, 1, 0, 1, 1}, {wrong, 0, 0, 1, 0}, {impatient, 0, 1, 1, 1},
        {silent, 0, 0, 0, -1}, {late, 1, 0, 1, 1},  {hesitant, 0, 0, 1, 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        float *out = outputs(&f, cases[c].p);
        for (int b = 0; b < B; b++) {
            const cj_trial *tr = &f.trials[b];
            cj_trial_score s = cj_task_score(&t, tr, out + (size_t)b * 3, (size_t)B * 3);
            if (s.correct != cases[c].correct || s.fixation_broken != cases[c].broken ||
                (s.response != 0) != cases[c].responds ||
                (cases[c].choice_right >= 0 && (s.choice == tr->ground_truth) != cases[c].choice_right)) {
                test_fail("case %zu, trial %d: correct %d broken %d response %d choice %d (truth %d)", c, b,
                          s.correct, s.fixation_broken, s.response, s.choice, tr->ground_truth);
                break;
            }
            if (cases[c].responds) CHECK(s.response_step >= tr->response_start && s.response_step < tr->response_end);
        }
        free(out);
    }
    task_trials_free(&f);
}

/* The critic of a batch rewards as NeuroGym: +1 correct, 0 wrong, -0.1
 * for breaking fixation; trials with the same conditions share a type. */
TEST(critic_rewards_the_batch_it_captured)
{
    cj_task t;
    if (!task_parse_ok("contextdm", &t)) return;
    task_trials f;
    enum { B = 40 };
    if (!task_trials_make(&t, 1, B, 4, 0, &f)) return;
    cj_task_critic c = {0};
    cj_error err = {0};
    CHECK(cj_task_critic_capture(&c, &f.src, &err) == CJ_OK);
    /* Another batch filled afterwards (the same trials in reverse order)
     * does not change what it judges: the outputs below follow the
     * captured trials. */
    int other[B];
    for (int i = 0; i < B; i++) other[i] = B - 1 - i;
    CHECK(cj_source_fill(&f.src, other, B, &f.batch, &err) == CJ_OK);
    f.trials = c.trials;
    const struct {
        policy p;
        double reward;
    } cases[] = {{perfect, 1.0}, {wrong, 0.0}, {impatient, -0.1}, {silent, 0.0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        float *out = outputs(&f, cases[k].p);
        for (int b = 0; b < B; b++)
            CHECK_NEAR(c.critic.reward(c.critic.user, b, out + (size_t)b * 3, (size_t)B * 3), cases[k].reward, 1e-12);
        free(out);
    }
    int same = 0, differ = 0;
    for (int a = 0; a < B; a++)
        for (int b = a + 1; b < B; b++) {
            int ta = c.critic.trial_type(c.critic.user, a), tb = c.critic.trial_type(c.critic.user, b);
            CHECK(ta >= 0 && ta < CJ_CRITIC_TYPES);
            int equal = !memcmp(f.trials[a].condition, f.trials[b].condition, sizeof f.trials[a].condition);
            if (equal) same += ta == tb;
            else differ += ta != tb;
        }
    CHECK(same > 0 && differ > 0);
    cj_task_critic_free(&c);
    task_trials_free(&f);
}

/* ---- reproducibility ------------------------------------------------------------ */

/* Trial i is the same whichever batch it is filled in, in whatever
 * order; the stream and the epoch change it. */
TEST(trials_depend_only_on_seed_stream_epoch_and_index)
{
    cj_task t;
    if (!task_parse_ok("contextdm delay=uniform:0:400", &t)) return;
    cj_error err = {0};
    cj_source s;
    cj_batch one, many;
    if (cj_source_task(&t, 1, 100, 42, 0, &s, &err) || cj_batch_alloc(&one, &s, 1, &err) ||
        cj_batch_alloc(&many, &s, 8, &err)) {
        test_fail("%s", err.msg);
        return;
    }
    int idx[8] = {17, 3, 99, 0, 42, 5, 6, 77};
    cj_source_fill(&s, idx, 8, &many, &err);
    size_t step = 7;
    int T = s.T, differs = 0;
    for (int k = 0; k < 8; k++) {
        cj_source_fill(&s, &idx[k], 1, &one, &err);
        for (int t2 = 0; t2 < T; t2++) {
            if (memcmp(one.x + (size_t)t2 * step, many.x + ((size_t)t2 * 8 + k) * step, step * sizeof(float)) ||
                one.labels[t2] != many.labels[t2 * 8 + k] || one.mask[t2] != many.mask[t2 * 8 + k])
                differs = 1;
        }
    }
    CHECK(!differs);
    /* Another epoch and another stream give other trials. */
    float first[64];
    cj_source_fill(&s, idx, 1, &one, &err);
    memcpy(first, one.x + 20 * step, step * sizeof(float));
    cj_source_task_set_epoch(&s, 2);
    cj_source_fill(&s, idx, 1, &one, &err);
    CHECK(memcmp(first, one.x + 20 * step, step * sizeof(float)) != 0);
    cj_source_task_set_epoch(&s, 0);
    cj_source_fill(&s, idx, 1, &one, &err);
    CHECK(memcmp(first, one.x + 20 * step, step * sizeof(float)) == 0);
    cj_source other;
    cj_source_task(&t, 1, 100, 42, 1, &other, &err);
    cj_source_fill(&other, idx, 1, &one, &err);
    CHECK(memcmp(first, one.x + 20 * step, step * sizeof(float)) != 0);
    cj_source_free(&other);
    cj_batch_free(&one);
    cj_batch_free(&many);
    cj_source_free(&s);
}

/* weight= sets how often a task's trials come: 3 to 1 gives 75%; the
 * weight is written back only when it is not 1. */
TEST(task_weights_set_the_mix)
{
    cj_task two[2];
    if (!task_parse_ok("fdgo weight=3", &two[0]) || !task_parse_ok("fdanti", &two[1])) return;
    char text[512];
    cj_task_format(&two[0], text, sizeof text);
    CHECK(strstr(text, " weight=3") != NULL);
    cj_task_format(&two[1], text, sizeof text);
    CHECK(strstr(text, "weight") == NULL);
    task_trials f;
    enum { B = 4000 };
    if (!task_trials_make(two, 2, B, 9, 0, &f)) return;
    int first = 0;
    for (int b = 0; b < B; b++) first += f.task_of[b] == 0;
    /* Binomial(4000, 0.75): sd 27. */
    CHECK_NEAR(first, 3000, 120);
    task_trials_free(&f);
}

TEST(task_sources_refuse_what_does_not_fit)
{
    cj_task a, b;
    cj_source s;
    cj_error err = {0};
    if (!task_parse_ok("contextdm", &a) || !task_parse_ok("perceptualdm", &b)) return;
    cj_task both[2] = {a, b};
    CHECK(cj_source_task(both, 2, 10, 1, 0, &s, &err) == CJ_ERR_CONFIG);
    CHECK(strstr(err.msg, "perceptualdm has 3 inputs and 3 actions but contextdm has 7 and 3") != NULL);
    CHECK(cj_source_task(&a, 1, 0, 1, 0, &s, &err) == CJ_ERR_ARG);
    CHECK(cj_source_task(&a, 0, 10, 1, 0, &s, &err) == CJ_ERR_ARG);
}

int main(void)
{
    RUN(durations_parse_and_refuse);
    RUN(duration_draws_match_their_distributions);
    RUN(task_options_parse_and_write_back);
    RUN(task_errors_name_the_problem);
    RUN(perceptual_dm_trials_follow_the_definition);
    RUN(context_dm_trials_follow_the_definition);
    RUN(input_noise_has_neurogym_scale);
    RUN(performance_on_hand_made_outputs);
    RUN(critic_rewards_the_batch_it_captured);
    RUN(trials_depend_only_on_seed_stream_epoch_and_index);
    RUN(task_weights_set_the_mix);
    RUN(task_sources_refuse_what_does_not_fit);
    return test_summary("tasks");
}
