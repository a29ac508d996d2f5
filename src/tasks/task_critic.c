/* task_critic.c — a task source's batch as a critic for reward-driven
 * rules (include/cajal/tasks.h, objectives.h). */
#include <stdlib.h>
#include <string.h>

#include "cajal/tasks.h"

static double critic_reward(void *user, int b, const float *out, size_t stride)
{
    const cj_task_critic *c = user;
    const cj_task *tasks;
    int n;
    tasks = cj_source_tasks(c->src, &n);
    const cj_task *t = &tasks[c->task_of[b]];
    cj_trial_score s = cj_task_score(t, &c->trials[b], out, stride);
    return cj_task_reward(t, &c->trials[b], &s);
}

/* FNV-1a over the task and the conditions' bits: a stable type per
 * distinct condition, the same on every run and after --resume. */
static int critic_type(void *user, int b)
{
    const cj_task_critic *c = user;
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)c->task_of[b];
    const unsigned char *p = (const unsigned char *)c->trials[b].condition;
    for (size_t i = 0; i < sizeof c->trials[b].condition; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return (int)(h % CJ_CRITIC_TYPES);
}

cj_status cj_task_critic_capture(cj_task_critic *c, const cj_source *src, cj_error *err)
{
    if (!cj_source_is_task(src)) return cj_fail(err, CJ_ERR_ARG, "%s is not a task source: no rewards", src->name);
    const int *task_of;
    int n;
    const cj_trial *trials = cj_source_task_trials(src, &task_of, &n);
    if (n > c->cap) {
        cj_trial *t = realloc(c->trials, sizeof *t * (size_t)n);
        if (t) c->trials = t;
        int *k = t ? realloc(c->task_of, sizeof *k * (size_t)n) : NULL;
        if (k) c->task_of = k;
        if (!t || !k) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory for the rewards of %d trials", src->name, n);
        c->cap = n;
    }
    memcpy(c->trials, trials, sizeof *trials * (size_t)n);
    memcpy(c->task_of, task_of, sizeof *task_of * (size_t)n);
    c->n = n;
    c->src = src;
    c->critic = (cj_critic){critic_reward, critic_type, c};
    return CJ_OK;
}

void cj_task_critic_free(cj_task_critic *c)
{
    free(c->trials);
    free(c->task_of);
    memset(c, 0, sizeof *c);
}
