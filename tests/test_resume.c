/* test_resume.c — resuming a training run (cj_train with CJ_TRAIN_RESUME,
 * `cajal train --resume`). A run stopped after epoch 2 of 4 and resumed
 * must end with exactly the files of the same run left alone: every
 * metrics field but the timings, model.safetensors and
 * train_state.safetensors byte for byte. One case per kind of state a run
 * carries: SGD momentum, Adam's moments, Kolen-Pollack's learned feedback
 * and its optimiser, a stochastic rule's noise stream, the shuffled order,
 * a recurrent layer's own noise stream and a validation split, task
 * trials one task per batch and a curriculum's stage. Then the
 * folders that cannot be resumed, and the state file cut short or altered:
 * each is an error naming the file and what is wrong. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/rng.h"
#include "cajal/train.h"
#include "cli_runner.h"
#include "fixtures.h"
#include "harness.h"
#include "idx_fixture.h"
#include "metrics_fixture.h"
#include "npy_fixture.h"

static const char *tdir;
static const char *cajal; /* the binary, for the command-line tests */
static char *seq_x, *seq_y; /* the .npy sequence set */

/* The toy IDX set: 200 training images of 6x6, 100 test images; 13 steps
 * an epoch at batch 16. */
static const char *const TOY[] = {"data.train_images=train-images.gz", "data.train_labels=train-labels.gz",
                                  "data.test_images=test-images.gz", "data.test_labels=test-labels.gz",
                                  "model.layers=flatten, dense 8, relu, dense 2", "train.epochs=4",
                                  "train.batch=16", "train.diag_batch=32", "optim.lr=0.05", NULL};

static int apply(cj_experiment *e, const char *const *sets, cj_error *err)
{
    for (int i = 0; sets && sets[i]; i++)
        if (cj_experiment_set(e, sets[i], err)) return 0;
    return 1;
}

/* The toy experiment with `sets` over it (sequence runs replace the data
 * and model through them). */
static int experiment(cj_experiment *e, const char *const *base, const char *const *sets)
{
    cj_error err = {0};
    cj_experiment_defaults(e);
    char *d = cj_path_printf("data.dir=%s", tdir);
    int ok = !cj_experiment_set(e, d, &err) && apply(e, base, &err) && apply(e, sets, &err) &&
             !cj_experiment_finish(e, &err);
    free(d);
    if (!ok) test_fail("experiment: %s", err.msg);
    return ok;
}

static int same_file(const char *a, const char *b, const char *name)
{
    char *pa = cj_path_join(a, name), *pb = cj_path_join(b, name);
    size_t la = 0, lb = 0;
    char *x = fixture_read(pa, &la), *y = fixture_read(pb, &lb);
    int same = x && y && la == lb && !memcmp(x, y, la);
    if (!same) printf("  %s and %s differ (%zu and %zu bytes)\n", pa, pb, la, lb);
    free(x), free(y), free(pa), free(pb);
    return same;
}

/* run/metrics.jsonl without the two timing fields (allocated). */
static char *metrics_sans_timings(const char *run)
{
    char *path = cj_path_join(run, "metrics.jsonl");
    char *text = fixture_read(path, NULL);
    free(path);
    if (!text) return NULL;
    for (char *p; (p = strstr(text, ",\"seconds\":"));) {
        char *end = strstr(p, ",\"lr\":");
        if (!end) break;
        memmove(p, end, strlen(end) + 1);
    }
    return text;
}

static int lines_of(const char *run)
{
    char *text = metrics_sans_timings(run);
    int n = text ? count_lines(text) : -1;
    free(text);
    return n;
}

/* Stops a run once epoch `at_epoch` is saved, or after step `at_step`. */
typedef struct {
    volatile sig_atomic_t stop;
    int at_epoch;
    long at_step;
    int resumed_after, resumed_done, reports;
    char *warnings;  /* where to append warnings, one a line (NULL: drop them) */
} stopper;

static void note_warning(const char *msg, void *user)
{
    stopper *s = user;
    if (s->warnings) strcat(strcat(s->warnings, msg), "\n");
}

static void stop_on_epoch(const cj_epoch_report *r, void *user)
{
    stopper *s = user;
    if (r->epoch == s->at_epoch) s->stop = 1;
}

static void stop_on_step(const cj_train_progress *p, void *user)
{
    stopper *s = user;
    if (s->at_step && p->step == s->at_step) s->stop = 1;
}

static void note_resume(const cj_resume_report *r, void *user)
{
    stopper *s = user;
    s->resumed_after = r->epoch;
    s->resumed_done = r->done;
    s->reports++;
}

/* What `cajal train --resume run` does: run/config.ini (with `sets`, the
 * overrides --resume allows), then cj_train in resume mode. */
static cj_status resume(const char *run, const char *const *sets, stopper *s, cj_error *err)
{
    cj_experiment e;
    cj_experiment_defaults(&e);
    char *config = cj_path_join(run, "config.ini");
    cj_status st = cj_experiment_load(&e, config, err);
    free(config);
    for (int i = 0; !st && sets && sets[i]; i++) st = cj_experiment_set(&e, sets[i], err);
    if (!st) st = cj_experiment_finish(&e, err);
    if (st) return st;
    stopper none = {0};
    if (!s) s = &none;
    cj_train_callbacks cb = {stop_on_step, stop_on_epoch, s, &s->stop, note_warning, note_resume};
    cj_train_options opt = {CJ_TRAIN_RESUME};
    return cj_train(&e, run, &opt, &cb, err);
}

/* Train into tdir/name with a stopper (NULL: to the end). */
static cj_status train(const cj_experiment *e, const char *run, cj_train_mode mode, stopper *s, cj_error *err)
{
    stopper none = {0};
    if (!s) s = &none;
    cj_train_callbacks cb = {stop_on_step, stop_on_epoch, s, &s->stop, note_warning, note_resume};
    cj_train_options opt = {mode};
    return cj_train(e, run, &opt, &cb, err);
}

/* The files of the two runs are the same: the resumed run is the
 * uninterrupted one. */
static void check_same_run(const char *whole, const char *cut)
{
    char *a = metrics_sans_timings(whole), *b = metrics_sans_timings(cut);
    CHECK(a && b && count_lines(a) == 4);
    if (a && b && strcmp(a, b)) printf("  metrics differ:\n%s\n  resumed:\n%s\n", a, b);
    CHECK(a && b && !strcmp(a, b));
    CHECK(same_file(whole, cut, "model.safetensors"));
    CHECK(same_file(whole, cut, "train_state.safetensors"));
    CHECK(same_file(whole, cut, "config.ini"));
    free(a);
    free(b);
}

/* The warnings of the last uninterrupted run, and of its stopped and
 * resumed twin. */
static char warned_whole[4096], warned_cut[4096];

/* Uninterrupted into name-whole; stopped after epoch 2 (and, when at_step
 * is given, stopped again mid-epoch after resuming) into name-cut, then
 * resumed to the end. */
static void check_resumes_exactly(const char *name, const char *const *base, const char *const *sets, long at_step)
{
    cj_experiment e;
    if (!experiment(&e, base, sets)) return;
    char *whole = cj_path_printf("%s/%s-whole", tdir, name), *cut = cj_path_printf("%s/%s-cut", tdir, name);
    cj_error err = {0};
    /* The warnings too: the resumed run warns as the whole one would have. */
    warned_whole[0] = warned_cut[0] = '\0';
    stopper w = {.warnings = warned_whole};
    cj_status st = train(&e, whole, CJ_TRAIN_NEW, &w, &err);
    if (st) test_fail("%s: %s", whole, err.msg);
    stopper s = {.at_epoch = 2, .warnings = warned_cut};
    CHECK(train(&e, cut, CJ_TRAIN_NEW, &s, &err) == CJ_ERR_INTERRUPTED);
    CHECK(lines_of(cut) == 2);
    if (at_step) {
        /* Resumed, then stopped inside epoch 4: the files keep epoch 3. */
        stopper again = {.at_step = at_step, .warnings = warned_cut};
        CHECK(resume(cut, NULL, &again, &err) == CJ_ERR_INTERRUPTED);
        CHECK(again.reports == 1 && again.resumed_after == 2 && !again.resumed_done);
        CHECK(lines_of(cut) == 3);
    }
    stopper done = {.warnings = warned_cut};
    st = resume(cut, NULL, &done, &err);
    if (st) test_fail("resuming %s: %s", cut, err.msg);
    CHECK(done.reports == 1 && done.resumed_after == (at_step ? 3 : 2) && !done.resumed_done);
    check_same_run(whole, cut);
    if (strcmp(warned_whole, warned_cut)) printf("  warnings differ:\n%s  resumed:\n%s", warned_whole, warned_cut);
    CHECK(!strcmp(warned_whole, warned_cut));
    free(whole);
    free(cut);
}

TEST(bp_sgd_momentum_shuffled)
{
    const char *sets[] = {"optim.momentum=0.9", "train.shuffle=true", NULL};
    check_resumes_exactly("bp", TOY, sets, 0);
}

TEST(adam_stopped_twice)
{
    const char *sets[] = {"optim.name=adam", "optim.lr=0.01", NULL};
    check_resumes_exactly("adam", TOY, sets, 3 * 13 + 5);
}

TEST(kolen_pollack_feedback_and_its_optimiser)
{
    const char *sets[] = {"rule.name=kolen_pollack", "rule.decay=0.01", "optim.name=adam", "optim.lr=0.01", NULL};
    check_resumes_exactly("kp", TOY, sets, 0);
}

TEST(node_perturbation_noise_stream)
{
    const char *sets[] = {"rule.name=node_perturbation", "rule.sigma=0.01", "rule.samples=2", "optim.momentum=0.9",
                          "train.diag_draws=3", NULL};
    check_resumes_exactly("np", TOY, sets, 0);
}

TEST(feedback_alignment_fixed_feedback)
{
    const char *sets[] = {"rule.name=fa", NULL};
    check_resumes_exactly("fa", TOY, sets, 0);
}

/* DFA calibrates its feedback once, on the first batch: a resumed run
 * keeps the calibrated matrices and does not scale them again. */
TEST(dfa_calibrated_feedback)
{
    const char *sets[] = {"rule.name=dfa", "optim.name=adam", "optim.lr=0.005", NULL};
    check_resumes_exactly("dfa", TOY, sets, 0);
}

/* The weight mirror's feedback learns from its own noise stream. */
TEST(weight_mirror_learned_feedback)
{
    const char *sets[] = {"rule.name=weight_mirror", "optim.name=adam", "optim.lr=0.005", NULL};
    check_resumes_exactly("wm", TOY, sets, 0);
}

/* A step size far too large: the divergence watch warns once, and a
 * resumed run remembers that it did (and the first step's loss). */
TEST(diverging_run_warns_once)
{
    const char *sets[] = {"optim.lr=8", NULL};
    check_resumes_exactly("diverging", TOY, sets, 0);
    CHECK(count_lines(warned_whole) == 1 && strstr(warned_whole, "epoch 1, step 3: training loss"));
}

/* A rate RNN draws its own noise every forward pass (training, evaluation
 * and diagnostics), on .npy sequences with a held-out validation part. */
TEST(recurrent_noise_and_validation)
{
    char *x = cj_path_printf("data.train_inputs=%s", seq_x), *y = cj_path_printf("data.train_labels=%s", seq_y);
    const char *base[] = {"data.format=npy", x, y, "data.sequence=true", "data.validation=0.25",
                          "model.layers=rnn 8 noise=0.1 alpha=0.5, dense 2", "train.epochs=4", "train.batch=16",
                          "train.diag_batch=32", "optim.name=adam", "optim.lr=0.01", NULL};
    check_resumes_exactly("rnn", base, NULL, 0);
    free(x);
    free(y);
}

/* A task makes new training trials every epoch from the seed and the
 * epoch: a resumed run must make the same ones. */
TEST(task_trials_of_later_epochs)
{
    const char *base[] = {"data.format=task", "data.task=perceptualdm stimulus=200 delay=uniform:0:100",
                          "data.train_trials=64", "data.test_trials=32", "data.validation=0.25",
                          "model.layers=rnn 8 noise=0.1 tau=100 dt=20, dense 3", "train.epochs=4", "train.batch=16",
                          "train.diag_batch=16", "optim.name=adam", "optim.lr=0.01", NULL};
    check_resumes_exactly("task", base, NULL, 0);
}

/* Three of Yang et al.'s tasks, 96 new trials an epoch (6 batches of 16). */
#define YANG_TASKS "data.format=task", "data.task=fdgo, reactgo weight=2, delaygo", "data.train_trials=96", \
        "data.test_trials=48", "model.layers=rnn 8 noise=0.1 tau=100 dt=20, dense 33", "objective.name=mse", \
        "train.epochs=4", "train.batch=16", "train.diag_batch=16", "optim.name=adam", "optim.lr=0.01"

/* One task per batch: batch k's task comes from (seed, epoch, k), so a
 * resumed epoch makes the same batches, whatever the shuffle. */
TEST(task_one_per_batch)
{
    const char *base[] = {YANG_TASKS, "data.task_batches=one", "train.shuffle=true", NULL};
    check_resumes_exactly("one-task", base, NULL, 3 * 6 + 2);
}

/* A curriculum whose first stage ends exactly where the run is cut (its
 * 2 epochs), the second after one more; stopped again inside epoch 4, it
 * resumes in the last stage. Stages 1, 1, 2, 3 either way. */
TEST(curriculum_stage_across_a_resume)
{
    const char *base[] = {YANG_TASKS, "curriculum.stage1=fdgo, reactgo", "curriculum.stage1_max_epochs=2",
                          "curriculum.stage2=delaygo", "curriculum.stage2_until=0.99", "curriculum.stage2_max_epochs=1",
                          NULL};
    check_resumes_exactly("curriculum", base, NULL, 3 * 6 + 2);
    char *run = cj_path_printf("%s/curriculum-cut", tdir);
    const double want[4] = {1, 1, 2, 3};
    for (int e = 0; e < 4; e++) {
        cJSON *j = metrics_line(run, e);
        CHECK(j && json_num(j, "stage") == want[e]);
        cJSON_Delete(j);
    }
    free(run);
}

/* The same from a model.init: the noise stream is seeded without the
 * layer's init (unseeded, it hung the first noisy forward pass). */
TEST(recurrent_noise_from_model_init)
{
    char *x = cj_path_printf("data.train_inputs=%s", seq_x), *y = cj_path_printf("data.train_labels=%s", seq_y);
    const char *first[] = {"data.format=npy", x, y, "data.sequence=true", "model.layers=rnn 8 noise=0.1, dense 2",
                           "train.epochs=1", "train.batch=16", NULL};
    cj_experiment e;
    cj_error err = {0};
    char *run = cj_path_printf("%s/rnn-init-from", tdir);
    if (!experiment(&e, first, NULL) || train(&e, run, CJ_TRAIN_NEW, NULL, &err)) {
        test_fail("%s: %s", run, err.msg);
        return;
    }
    char *init = cj_path_printf("model.init=%s/model.safetensors", run);
    const char *sets[] = {init, "train.epochs=4", NULL};
    check_resumes_exactly("rnn-init", first, sets, 0);
    free(init);
    free(run);
    free(x);
    free(y);
}

/* ---- folders --------------------------------------------------------------- */

/* A finished 2-epoch toy run in tdir/name (allocated path). */
static char *finished_run(const char *name, const char *const *sets)
{
    cj_experiment e;
    char *run = cj_path_printf("%s/%s", tdir, name);
    cj_error err = {0};
    const char *two[] = {"train.epochs=2", NULL};
    if (!experiment(&e, TOY, sets ? sets : two)) return run;
    if (sets) e.epochs = 2;
    if (train(&e, run, CJ_TRAIN_NEW, NULL, &err)) test_fail("%s: %s", run, err.msg);
    return run;
}

TEST(a_folder_holding_a_run_needs_resume_or_force)
{
    char *run = finished_run("taken", NULL);
    cj_experiment e;
    const char *one[] = {"train.epochs=1", NULL};
    if (!experiment(&e, TOY, one)) return;
    cj_error err = {0};
    CHECK(train(&e, run, CJ_TRAIN_NEW, NULL, &err) == CJ_ERR_ARG);
    char *want = cj_path_printf("%s: holds a training run already (config.ini, metrics.jsonl, model.safetensors, "
                                "train_state.safetensors); resume it (--resume) or replace it (--force)", run);
    CHECK(!strcmp(err.msg, want));
    CHECK(lines_of(run) == 2);

    /* --force with an experiment that fails its checks keeps the old run. */
    cj_experiment bad;
    const char *mismatch[] = {"model.layers=flatten, dense 1", NULL};
    if (!experiment(&bad, TOY, mismatch)) return;
    CHECK(train(&bad, run, CJ_TRAIN_FORCE, NULL, &err) == CJ_ERR_SHAPE);
    CHECK(lines_of(run) == 2);

    /* --force starts afresh: the files are those of a new 1-epoch run. */
    CHECK(train(&e, run, CJ_TRAIN_FORCE, NULL, &err) == CJ_OK);
    char *fresh = cj_path_printf("%s/fresh1", tdir);
    CHECK(train(&e, fresh, CJ_TRAIN_NEW, NULL, &err) == CJ_OK);
    CHECK(lines_of(run) == 1);
    CHECK(same_file(run, fresh, "model.safetensors") && same_file(run, fresh, "train_state.safetensors"));
    /* Stopped before its first epoch, a forced run leaves only its config. */
    stopper now = {.stop = 1};
    CHECK(train(&e, run, CJ_TRAIN_FORCE, &now, &err) == CJ_ERR_INTERRUPTED);
    CHECK(lines_of(run) == -1);
    CHECK(resume(run, NULL, NULL, &err) == CJ_ERR_IO);
    free(want);
    want = cj_path_printf("%s: no epoch of this run finished, so there is nothing to resume (start it afresh with "
                          "--force)", run);
    CHECK(!strcmp(err.msg, want));
    free(want);
    free(fresh);
    free(run);
}

TEST(a_finished_run_trains_nothing_unless_epochs_are_raised)
{
    char *run = finished_run("finished", NULL);
    char *path = cj_path_join(run, "metrics.jsonl");
    size_t n0 = 0;
    char *raw0 = fixture_read(path, &n0);
    stopper s = {0};
    cj_error err = {0};
    CHECK(resume(run, NULL, &s, &err) == CJ_OK);
    CHECK(s.reports == 1 && s.resumed_after == 2 && s.resumed_done);
    size_t n1 = 0;
    char *raw1 = fixture_read(path, &n1);
    CHECK(raw0 && raw1 && n0 == n1 && !memcmp(raw0, raw1, n0)); /* not even rewritten */

    /* Fewer epochs than done is an error; more train them, as a longer run would. */
    const char *fewer[] = {"train.epochs=1", NULL};
    CHECK(resume(run, fewer, NULL, &err) == CJ_ERR_CONFIG);
    CHECK(strstr(err.msg, "train.epochs = 1, but ") && strstr(err.msg, "train_state.safetensors holds epoch 2"));
    const char *more[] = {"train.epochs=4", NULL};
    CHECK(resume(run, more, NULL, &err) == CJ_OK);
    char *whole = cj_path_printf("%s/finished4", tdir);
    cj_experiment e;
    if (experiment(&e, TOY, NULL)) CHECK(train(&e, whole, CJ_TRAIN_NEW, NULL, &err) == CJ_OK);
    check_same_run(whole, run);
    free(whole);
    free(raw0);
    free(raw1);
    free(path);
    free(run);
}

TEST(cosine_schedule_keeps_its_epochs)
{
    const char *sets[] = {"optim.schedule=cosine", NULL};
    char *run = finished_run("cosine", sets);
    const char *more[] = {"train.epochs=4", NULL};
    cj_error err = {0};
    CHECK(resume(run, more, NULL, &err) == CJ_ERR_CONFIG);
    CHECK(strstr(err.msg, "optim.schedule = cosine anneals over the run's 2 epochs") != NULL);
    free(run);
}

static void remove_in(const char *run, const char *name)
{
    char *p = cj_path_join(run, name);
    remove(p);
    free(p);
}

TEST(folders_without_a_state_say_why)
{
    cj_error err = {0};
    char *nowhere = cj_path_printf("%s/nowhere", tdir);
    CHECK(resume(nowhere, NULL, NULL, &err) == CJ_ERR_IO); /* no config.ini to load */
    char *run = finished_run("old", NULL);
    remove_in(run, "train_state.safetensors");
    CHECK(resume(run, NULL, NULL, &err) == CJ_ERR_IO);
    char *want = cj_path_printf("%s: no train_state.safetensors to resume from (was it written by an older cajal?)",
                                run);
    CHECK(!strcmp(err.msg, want));
    free(want);
    free(run);
    free(nowhere);
}

/* The experiment changed after the run was saved (config.ini edited). */
TEST(an_edited_config_is_named)
{
    char *run = finished_run("edited", NULL);
    const char *lr[] = {"optim.lr=0.1", "train.epochs=3", NULL};
    cj_error err = {0};
    CHECK(resume(run, lr, NULL, &err) == CJ_ERR_CONFIG);
    CHECK(strstr(err.msg, "the run was saved with 'lr = 0.0500000007' in [optim], but the experiment has 'lr = "
                          "0.100000001'") != NULL);
    printf("  (message: %s)\n", err.msg);
    free(run);
}

/* ---- the state file cut short or altered ------------------------------------ */

static void copy_file(const char *from_dir, const char *name, const char *to_dir, const char *to_name)
{
    char *a = cj_path_join(from_dir, name);
    size_t n = 0;
    char *data = fixture_read(a, &n);
    if (data) free(fixture_file(to_dir, to_name, data, n));
    else test_fail("cannot read %s", a);
    free(data);
    free(a);
}

/* A copy of run's four files in tdir/name, the state file replaced by
 * `bytes` (allocated path). */
static char *copy_with_state(const char *run, const char *name, const void *bytes, size_t len)
{
    char *to = cj_path_printf("%s/%s", tdir, name);
    mkdir(to, 0700);
    const char *files[] = {"config.ini", "metrics.jsonl", "model.safetensors"};
    for (int i = 0; i < 3; i++) copy_file(run, files[i], to, files[i]);
    free(fixture_file(to, "train_state.safetensors", bytes, len));
    return to;
}

/* Every cut of the state file fails with a message naming it, before
 * anything is trained (the metrics keep their two lines): each length in
 * the first and last 64 bytes (the header's length, the end of the data)
 * and every fifth between (file writes are what makes this slow). */
TEST(a_truncated_state_is_refused_at_every_length)
{
    char *run = finished_run("whole_state", NULL);
    char *path = cj_path_join(run, "train_state.safetensors");
    size_t len = 0;
    char *bytes = fixture_read(path, &len);
    CHECK(bytes && len > 1000);
    int tries = 0, refused = 0, named = 0;
    const char *more[] = {"train.epochs=3", NULL};
    char *to = copy_with_state(run, "cut_state", bytes, 0);
    char *state = cj_path_join(to, "train_state.safetensors");
    for (size_t cut = 0; bytes && cut < len; cut += cut < 64 || cut + 64 >= len ? 1 : 5) {
        FILE *f = fopen(state, "wb");
        if (!f || (cut && fwrite(bytes, 1, cut, f) != cut) || fclose(f)) break;
        cj_error err = {0};
        cj_status st = resume(to, more, NULL, &err);
        tries++;
        refused += st == CJ_ERR_FORMAT || st == CJ_ERR_IO;
        named += strstr(err.msg, "train_state.safetensors") != NULL;
        if (st == CJ_OK) printf("  a state cut to %zu of %zu bytes was accepted\n", cut, len);
    }
    CHECK(tries > (int)len / 5 && refused == tries && named == tries);
    CHECK(lines_of(to) == 2);
    free(state);
    free(to);
    free(bytes);
    free(path);
    free(run);
}

/* The state file rewritten with one value or tensor changed. */
typedef struct {
    const char *key;        /* metadata key to replace or add (NULL: none) */
    const char *value;      /* its new value (NULL: drop the key) */
    const char *tensor;     /* tensor to change (NULL: none) */
    int tensor_len;         /* its new length (0: drop it) */
    const char *extra;      /* a tensor to add (NULL: none) */
} alteration;

static char *altered_state(const char *run, const char *name, const alteration *a)
{
    char *path = cj_path_join(run, "train_state.safetensors");
    cj_safetensors st;
    cj_error err;
    char *to = NULL;
    if (cj_safetensors_read(path, &st, &err)) {
        test_fail("%s", err.msg);
        free(path);
        return NULL;
    }
    cj_meta_entry meta[64];
    int n_meta = 0, n = 0;
    int replaced = 0;
    for (int i = 0; i < st.n_meta && n_meta < 63; i++) {
        int hit = a->key && !strcmp(st.meta_keys[i], a->key);
        replaced |= hit;
        if (hit && !a->value) continue;
        meta[n_meta++] = (cj_meta_entry){st.meta_keys[i], hit ? a->value : st.meta_values[i]};
    }
    if (a->key && a->value && !replaced) meta[n_meta++] = (cj_meta_entry){a->key, a->value};
    const char *names[8];
    cj_tensor tensors[8];
    float zeros[4] = {0};
    for (int i = 0; i < st.n && n < 7; i++) {
        cj_tensor t = st.tensors[i];
        if (a->tensor && !strcmp(st.names[i], a->tensor)) {
            if (!a->tensor_len) continue;
            t.shape[0] = a->tensor_len;
        }
        names[n] = st.names[i];
        tensors[n++] = t;
    }
    if (a->extra) {
        names[n] = a->extra;
        tensors[n++] = (cj_tensor){.data = zeros, .ndim = 1, .shape = {4}};
    }
    char *tmp = cj_path_printf("%s/altered.safetensors", tdir);
    if (cj_safetensors_write(tmp, n, names, tensors, n_meta, meta, &err)) {
        test_fail("%s", err.msg);
    } else {
        size_t len = 0;
        char *bytes = fixture_read(tmp, &len);
        to = copy_with_state(run, name, bytes, len);
        free(bytes);
    }
    free(tmp);
    cj_safetensors_free(&st);
    free(path);
    return to;
}

/* Each alteration is refused with a message naming the file and `want`. */
static void check_refused(const char *run, const alteration *a, cj_status code, const char *want)
{
    char *to = altered_state(run, "altered", a);
    if (!to) return;
    cj_error err = {0};
    const char *more[] = {"train.epochs=3", NULL};
    cj_status st = resume(to, more, NULL, &err);
    if (st != code || !strstr(err.msg, "train_state.safetensors") || !strstr(err.msg, want))
        test_fail("altering %s: status %d, message '%s' (wanted '%s')", a->key ? a->key : a->tensor ? a->tensor
                  : a->extra, (int)st, err.msg, want);
    CHECK(lines_of(to) == 2);
    free(to);
}

TEST(an_altered_state_is_refused_by_name)
{
    const char *sets[] = {"optim.name=adam", "train.epochs=2", NULL};
    char *run = finished_run("alter", sets);
    char zeros[96];
    snprintf(zeros, sizeof zeros, "%016d %016d %016d %016d -", 0, 0, 0, 0);
    const struct {
        alteration a;
        cj_status code;
        const char *want;
    } cases[] = {
        {{.key = "cajal_train_state", .value = "2"}, CJ_ERR_FORMAT, "train state format '2'; this cajal reads format 1"},
        {{.key = "cajal_train_state", .value = NULL}, CJ_ERR_FORMAT, "no cajal_train_state metadata"},
        {{.key = "epoch", .value = "3"}, CJ_ERR_FORMAT, "metrics.jsonl: does not end with epoch 3"},
        {{.key = "epoch", .value = "0"}, CJ_ERR_FORMAT, "metadata 'epoch' = '0' is not a whole number in [1, 2147483647]"},
        {{.key = "step", .value = "12x"}, CJ_ERR_FORMAT, "metadata 'step' = '12x' is not a whole number"},
        {{.key = "step", .value = "99999999999999999999999"}, CJ_ERR_FORMAT, "metadata 'step'"},
        {{.key = "step", .value = "25"}, CJ_ERR_FORMAT, "holds epoch 2 (step 26), but "},
        {{.key = "optim.step", .value = NULL}, CJ_ERR_FORMAT, "no metadata 'optim.step'"},
        {{.key = "rng.shuffle", .value = zeros}, CJ_ERR_FORMAT, "metadata 'rng.shuffle'"},
        {{.key = "rng.rule", .value = "0123"}, CJ_ERR_FORMAT, "metadata 'rng.rule' = '0123' is not a random-stream state"},
        {{.key = "divergence", .value = "nan"}, CJ_ERR_FORMAT, "metadata 'divergence'"},
        {{.key = "order", .value = "0 1 2"}, CJ_ERR_FORMAT, "metadata 'order': entry 3 is missing"},
        {{.key = "order", .value = "0 0"}, CJ_ERR_FORMAT, "metadata 'order': sample 0 appears twice"},
        {{.key = "order", .value = "-1"}, CJ_ERR_FORMAT, "metadata 'order': entry 0"},
        {{.key = "rng.layer.1", .value = "x"}, CJ_ERR_FORMAT, "unexpected metadata 'rng.layer.1'"},
        {{.tensor = "optim.v", .tensor_len = 3}, CJ_ERR_SHAPE, "tensor 'optim.v' has shape [3], but this run's "
                                                               "optimiser's second moments are [314]"},
        {{.tensor = "optim.m"}, CJ_ERR_FORMAT, "no tensor 'optim.m'"},
        {{.extra = "rule.kp_optim.m"}, CJ_ERR_FORMAT, "holds Kolen-Pollack's optimiser, but rule.name = bp has none"},
        {{.extra = "surprise"}, CJ_ERR_FORMAT, "unexpected tensor 'surprise'"},
        {{.key = "curriculum", .value = "0 0"}, CJ_ERR_FORMAT, "unexpected metadata 'curriculum'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        alteration a = cases[i].a;
        /* An order of 200 entries with one repeated, for the duplicate case. */
        char *order = NULL;
        if (a.key && !strcmp(a.key, "order") && !strcmp(a.value, "0 0")) {
            order = malloc(200 * 4 + 8);
            char *o = order;
            for (int k = 0; k < 200; k++) o += sprintf(o, k ? " %d" : "%d", k);
            memcpy(order, "0 0", 3); /* "0 0 2 3 ...": 0 twice, 1 missing */
            a.value = order;
        }
        check_refused(run, &a, cases[i].code, cases[i].want);
        free(order);
    }
    free(run);
}

/* A curriculum run's stage: missing, past its stages, or beginning after
 * the epoch the state holds, it is refused by name. */
TEST(an_altered_curriculum_stage_is_refused)
{
    const char *base[] = {YANG_TASKS, "train.epochs=2", "curriculum.stage1=fdgo", "curriculum.stage1_max_epochs=1",
                          NULL};
    cj_experiment e;
    cj_error err = {0};
    char *run = cj_path_printf("%s/curriculum-alter", tdir);
    if (!experiment(&e, base, NULL) || train(&e, run, CJ_TRAIN_NEW, NULL, &err)) {
        test_fail("%s: %s", run, err.msg);
        free(run);
        return;
    }
    const struct {
        alteration a;
        const char *want;
    } cases[] = {
        {{.key = "curriculum", .value = NULL}, "no metadata 'curriculum'"},
        {{.key = "curriculum", .value = "2 1"}, "metadata 'curriculum' = '2 1' is not a curriculum stage"},
        {{.key = "curriculum", .value = "1 3"}, "metadata 'curriculum' = '1 3'"},
        {{.key = "curriculum", .value = "1 0"}, "metadata 'curriculum' = '1 0'"},
        {{.key = "curriculum", .value = "1"}, "metadata 'curriculum' = '1'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) check_refused(run, &cases[i].a, CJ_ERR_FORMAT, cases[i].want);
    /* Unaltered, it resumes. */
    const char *more[] = {"train.epochs=3", NULL};
    CHECK(resume(run, more, NULL, &err) == CJ_OK && lines_of(run) == 3);
    free(run);
}

/* ---- a save cut short --------------------------------------------------------- */


/* A crash while saving epoch 3: with metrics.jsonl written (the commit
 * record), --resume finishes the renames and goes on from epoch 3; without
 * it, it drops the staged files and redoes epoch 3. Both end as the
 * uninterrupted run. */
TEST(a_save_cut_short_is_finished_or_dropped)
{
    cj_experiment e;
    const char *sets[] = {"optim.momentum=0.9", NULL};
    if (!experiment(&e, TOY, sets)) return;
    cj_error err = {0};
    char *whole = cj_path_printf("%s/crash-whole", tdir), *three = cj_path_printf("%s/crash-three", tdir);
    CHECK(train(&e, whole, CJ_TRAIN_NEW, NULL, &err) == CJ_OK);
    stopper at3 = {.at_epoch = 3};
    CHECK(train(&e, three, CJ_TRAIN_NEW, &at3, &err) == CJ_ERR_INTERRUPTED);
    for (int committed = 0; committed < 2; committed++) {
        char *cut = cj_path_printf("%s/crash-%d", tdir, committed);
        stopper at2 = {.at_epoch = 2};
        CHECK(train(&e, cut, CJ_TRAIN_NEW, &at2, &err) == CJ_ERR_INTERRUPTED);
        copy_file(three, "model.safetensors", cut, "model.safetensors.new");
        copy_file(three, "train_state.safetensors", cut, "train_state.safetensors.new");
        if (committed) copy_file(three, "metrics.jsonl", cut, "metrics.jsonl");
        stopper s = {0};
        CHECK(resume(cut, NULL, &s, &err) == CJ_OK);
        CHECK(s.resumed_after == 2 + committed);
        check_same_run(whole, cut);
        free(cut);
    }
    free(whole);
    free(three);
}

/* ---- the command line ------------------------------------------------------------ */

TEST(cli_resume_and_force)
{
    char out[4096];
    char *ini = cj_path_printf("%s/cli.ini", tdir);
    FILE *f = fopen(ini, "w");
    fprintf(f, "[data]\ndir = %s\ntrain_images = train-images.gz\ntrain_labels = train-labels.gz\n"
               "test_images = test-images.gz\ntest_labels = test-labels.gz\n[model]\nlayers = flatten, dense 2\n[train]\n"
               "epochs = 2\nbatch = 16\n", tdir);
    fclose(f);
    char *run = cj_path_printf("%s/cli-run", tdir);
    char *args = cj_path_printf("train %s --quiet --threads 1 --out %s", ini, run);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 0);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 1 && count_lines(out) == 1 && strstr(out, run) &&
          strstr(out, "holds a training run already"));
    free(args);
    args = cj_path_printf("train %s --quiet --threads 1 --out %s --force", ini, run);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 0);
    free(args);
    args = cj_path_printf("train --resume %s --quiet --threads 1", run);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 0 && count_lines(out) == 1 &&
          strstr(out, "holds a finished run (epoch 2 of 2, step 26); nothing to train"));
    free(args);
    args = cj_path_printf("train --resume %s --quiet --threads 1 --set train.epochs=3", run);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 0 && lines_of(run) == 3);
    free(args);
    const char *refused[][2] = {
        {"--set optim.lr=1", "--set takes only train.epochs and train.steps with --resume"},
        {"--force", "--resume and --force exclude each other"},
        {"--out elsewhere", "--out does not go with it"},
        {"other.ini", "give no experiment file"},
    };
    for (int i = 0; i < 4; i++) {
        args = cj_path_printf("train --resume %s --quiet %s", run, refused[i][0]);
        CHECK(run_cajal(cajal, args, out, sizeof out) == 2 && strstr(out, refused[i][1]) && count_lines(out) == 1);
        free(args);
    }
    args = cj_path_printf("train --resume %s/none --quiet", tdir);
    CHECK(run_cajal(cajal, args, out, sizeof out) == 1 && strstr(out, "holds no training run to resume (no "
                                                                      "config.ini)"));
    free(args);
    free(run);
    free(ini);
}

/* Sequences [N, T, F] of T = 6 steps: label = the sign of the sum. */
static void write_sequences(void)
{
    enum { N = 96, T = 6, F = 2 };
    cj_rng rng;
    cj_rng_seed(&rng, 9);
    float *x = malloc(sizeof(float) * N * T * F);
    int64_t y[N];
    for (int n = 0; n < N; n++) {
        double sum = 0;
        for (int i = 0; i < T * F; i++) sum += x[n * T * F + i] = cj_rng_normal(&rng);
        y[n] = sum > 0;
    }
    int64_t sx[3] = {N, T, F}, sy[1] = {N};
    seq_x = npy_f32(tdir, "seq_x.npy", 3, sx, x);
    seq_y = npy_typed(tdir, "seq_y.npy", "<i8", 1, sy, y, 8);
    free(x);
}

int main(void)
{
    cajal = getenv("CAJAL");
    if (!cajal) cajal = "./cajal";
    tdir = fixture_dir("resume");
    if (write_toy_set(tdir, "train", 200, 6, 6, 1) || write_toy_set(tdir, "test", 100, 6, 6, 2)) return 1;
    write_sequences();
    RUN(bp_sgd_momentum_shuffled);
    RUN(adam_stopped_twice);
    RUN(kolen_pollack_feedback_and_its_optimiser);
    RUN(dfa_calibrated_feedback);
    RUN(weight_mirror_learned_feedback);
    RUN(node_perturbation_noise_stream);
    RUN(feedback_alignment_fixed_feedback);
    RUN(recurrent_noise_and_validation);
    RUN(task_trials_of_later_epochs);
    RUN(task_one_per_batch);
    RUN(curriculum_stage_across_a_resume);
    RUN(recurrent_noise_from_model_init);
    RUN(diverging_run_warns_once);
    RUN(a_folder_holding_a_run_needs_resume_or_force);
    RUN(a_finished_run_trains_nothing_unless_epochs_are_raised);
    RUN(cosine_schedule_keeps_its_epochs);
    RUN(folders_without_a_state_say_why);
    RUN(an_edited_config_is_named);
    RUN(a_truncated_state_is_refused_at_every_length);
    RUN(an_altered_state_is_refused_by_name);
    RUN(an_altered_curriculum_stage_is_refused);
    RUN(a_save_cut_short_is_finished_or_dropped);
    RUN(cli_resume_and_force);
    free(seq_x);
    free(seq_y);
    return test_summary("resume");
}
