/* task_fixture.h — one batch of trials 0..B-1 of tasks, for the task tests:
 *
 *     task_trials f;
 *     if (!task_trials_make(&task, 1, 64, seed, stream, &f)) return;   // fails the test on error
 *     ... f.batch.x, f.batch.labels, f.trials[b] ...
 *     task_trials_free(&f);
 *
 * Uses harness.h's test_fail. */
#ifndef CAJAL_TEST_TASK_FIXTURE_H
#define CAJAL_TEST_TASK_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/tasks.h"

/* Parse a task item (copied: parsing tokenises in place), failing the
 * test with the message when it does not parse. */
static inline int task_parse_ok(const char *spec, cj_task *t)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec);
    cj_error err = {0};
    cj_status st = cj_task_parse(buf, 1, t, &err);
    if (st) test_fail("'%s': %s", spec, err.msg);
    return st == CJ_OK;
}

/* Parsing must fail with a message containing `want`. */
static inline void task_parse_fails(const char *spec, const char *want)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec);
    cj_error err = {0};
    cj_task t;
    if (cj_task_parse(buf, 1, &t, &err) == CJ_OK) {
        test_fail("'%s' parsed, expected an error", spec);
        return;
    }
    if (!strstr(err.msg, want)) test_fail("'%s': message '%s' lacks '%s'", spec, err.msg, want);
}

typedef struct {
    cj_source src;
    cj_batch batch;
    const cj_trial *trials; /* [B], the source's: a later fill replaces them */
    const int *task_of;     /* [B] */
    int B;
} task_trials;

static inline int task_trials_make(const cj_task *tasks, int n_tasks, int B, uint64_t seed, uint64_t stream,
                                   task_trials *f)
{
    cj_error err = {0};
    memset(f, 0, sizeof *f);
    if (cj_source_task(tasks, n_tasks, B, seed, stream, &f->src, &err) || cj_batch_alloc(&f->batch, &f->src, B, &err)) {
        test_fail("task source: %s", err.msg);
        return 0;
    }
    int *idx = malloc(sizeof(int) * (size_t)B);
    for (int i = 0; idx && i < B; i++) idx[i] = i;
    cj_status st = idx ? cj_source_fill(&f->src, idx, B, &f->batch, &err) : CJ_ERR_NOMEM;
    free(idx);
    if (st) {
        test_fail("fill: %s", err.msg);
        return 0;
    }
    int n;
    f->trials = cj_source_task_trials(&f->src, &f->task_of, &n);
    f->B = B;
    if (n != B) test_fail("%d trials filled, expected %d", n, B);
    return n == B;
}

static inline void task_trials_free(task_trials *f)
{
    cj_batch_free(&f->batch);
    cj_source_free(&f->src);
}

#endif
