/* curriculum.c — staged task schedules (curriculum.h): first some tasks,
 * then more, as animals are shaped through a sequence of simpler tasks
 * before the full one and as multitask networks are often pretrained on a
 * few rules (Yang et al. 2019 train every rule at once; a stage per group
 * of rules is the usual variant). A stage ends when every task of it is at
 * its threshold on the test trials, or after its epochs. */
#include <stdio.h>
#include <string.h>

#include "curriculum.h"

int cj_experiment_n_stages(const cj_experiment *e)
{
    int n = 0;
    while (n < CJ_CURRICULUM_MAX_STAGES && e->stages[n].tasks[0]) n++;
    return n;
}

/* One name of a stage's list: [begin, end) with blanks trimmed. */
typedef struct {
    const char *begin;
    size_t len;
} name_span;

/* The next comma-separated item at *p, trimmed; advances *p past its comma
 * (to NULL after the last). */
static name_span next_item(const char **p)
{
    const char *s = *p, *comma = strchr(s, ',');
    const char *end = comma ? comma : s + strlen(s);
    *p = comma ? comma + 1 : NULL;
    while (s < end && (*s == ' ' || *s == '\t')) s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t')) end--;
    return (name_span){s, (size_t)(end - s)};
}

static int span_is(name_span n, const char *name) { return strlen(name) == n.len && !strncmp(n.begin, name, n.len); }

/* data.task's names, ", "-separated, for messages. */
static void task_names(const cj_task *tasks, int n, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < n && used < len; k++) {
        int dup = 0;
        for (int j = 0; j < k; j++) dup |= !strcmp(tasks[j].name, tasks[k].name);
        if (!dup) used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "", tasks[k].name);
    }
}

/* The tasks of stage i's list as a set over data.task (every item of a
 * name: data.task may list a task twice with other options), with the
 * list written back canonically into `canon`. */
static cj_status stage_tasks(const char *list, int i, const cj_task *tasks, int n_tasks, uint32_t *mask, char *canon,
                             size_t canon_len, cj_error *err)
{
    *mask = 0;
    size_t used = 0;
    canon[0] = '\0';
    int item = 0;
    for (const char *p = list; p;) {
        name_span name = next_item(&p);
        item++;
        if (!name.len)
            return cj_fail(err, CJ_ERR_CONFIG, "curriculum.stage%d = '%.200s': item %d is empty (name data.task's "
                           "tasks, comma-separated)", i, list, item);
        if (strcspn(name.begin, " \t=") < name.len)
            return cj_fail(err, CJ_ERR_CONFIG, "curriculum.stage%d = '%.200s': '%.*s' is not a task's name (a stage "
                           "names tasks of data.task, without options)", i, list, (int)name.len, name.begin);
        uint32_t these = 0;
        for (int k = 0; k < n_tasks; k++)
            if (span_is(name, tasks[k].name)) these |= (uint32_t)1 << k;
        if (!these) {
            char known[CJ_ERROR_MSG_MAX];
            task_names(tasks, n_tasks, known, sizeof known);
            return cj_fail(err, CJ_ERR_CONFIG, "curriculum.stage%d: '%.*s' is not in data.task (%s)", i,
                           name.len > 64 ? 64 : (int)name.len, name.begin, known);
        }
        if (*mask & these)
            return cj_fail(err, CJ_ERR_CONFIG, "curriculum.stage%d = '%.200s' names %.*s twice", i, list,
                           (int)name.len, name.begin);
        *mask |= these;
        used += (size_t)snprintf(canon + used, used < canon_len ? canon_len - used : 0, "%s%.*s", used ? ", " : "",
                                 (int)name.len, name.begin);
    }
    if (used >= canon_len)
        return cj_fail(err, CJ_ERR_CONFIG, "curriculum.stage%d: the list written back with ', ' is %zu characters "
                       "(%zu at most)", i, used, canon_len - 1);
    return CJ_OK;
}

/* The rules that need no tasks: numbering, stray keys, an end to each. */
static cj_status check_layout(const cj_experiment *e, const cj_stage_keys_given given[CJ_CURRICULUM_MAX_STAGES],
                              cj_error *err)
{
    for (int i = 0; i < CJ_CURRICULUM_MAX_STAGES; i++) {
        const cj_curriculum_stage *s = &e->stages[i];
        const int n = i + 1;
        if (given[i].tasks && !s->tasks[0])
            return cj_fail(err, CJ_ERR_CONFIG, "curriculum.stage%d is empty: name one or more of data.task's tasks "
                           "(or remove it and its keys)", n);
        if (!s->tasks[0]) {
            if (given[i].until || given[i].max_epochs)
                return cj_fail(err, CJ_ERR_CONFIG, "curriculum.stage%d_%s is set but curriculum.stage%d is not "
                               "(name its tasks)", n, given[i].until ? "until" : "max_epochs", n);
            continue;
        }
        if (i > 0 && !e->stages[i - 1].tasks[0])
            return cj_fail(err, CJ_ERR_CONFIG, "curriculum.stage%d is set but curriculum.stage%d is not (stages "
                           "are numbered from 1 without gaps)", n, i);
        if (!(s->until > 0) && s->max_epochs <= 0)
            return cj_fail(err, CJ_ERR_CONFIG, "curriculum.stage%d has no end: set curriculum.stage%d_until (a "
                           "test performance every task of it must reach) or curriculum.stage%d_max_epochs", n, n,
                           n);
        /* Values filled in by code rather than read: the reader's ranges. */
        if (!(s->until >= 0 && s->until < 1))
            return cj_fail(err, CJ_ERR_CONFIG, "curriculum.stage%d_until = %g must be from 0 to below 1", n,
                           s->until);
        if (s->max_epochs < 0)
            return cj_fail(err, CJ_ERR_CONFIG, "curriculum.stage%d_max_epochs = %d must be non-negative", n,
                           s->max_epochs);
    }
    return CJ_OK;
}

cj_status cj_curriculum_finish(cj_experiment *e, const cj_stage_keys_given given[CJ_CURRICULUM_MAX_STAGES],
                               cj_error *err)
{
    cj_status st = check_layout(e, given, err);
    int n = cj_experiment_n_stages(e);
    if (st || !n) return st;
    cj_task tasks[CJ_SOURCE_MAX_TASKS]; /* about 20 kB */
    int n_tasks;
    if ((st = cj_experiment_tasks(e, tasks, CJ_SOURCE_MAX_TASKS, &n_tasks, err))) return st;
    for (int i = 0; i < n; i++) {
        char canon[CJ_STAGE_TASKS_MAX];
        uint32_t mask;
        if ((st = stage_tasks(e->stages[i].tasks, i + 1, tasks, n_tasks, &mask, canon, sizeof canon, err)))
            return st;
        /* The whole field, so equal experiments compare equal bytewise. */
        memset(e->stages[i].tasks, 0, sizeof e->stages[i].tasks);
        memcpy(e->stages[i].tasks, canon, strlen(canon));
    }
    return CJ_OK;
}

cj_status cj_curriculum_make(cj_curriculum *c, const cj_experiment *e, const cj_task *tasks, int n_tasks,
                             cj_error *err)
{
    memset(c, 0, sizeof *c);
    int n = cj_experiment_n_stages(e);
    for (int i = 0; i < n; i++) {
        char canon[CJ_STAGE_TASKS_MAX];
        cj_status st = stage_tasks(e->stages[i].tasks, i + 1, tasks, n_tasks, &c->tasks[i], canon, sizeof canon, err);
        if (st) return st;
        c->until[i] = e->stages[i].until;
        c->max_epochs[i] = e->stages[i].max_epochs;
    }
    c->n_stages = n;
    return CJ_OK;
}

uint32_t cj_curriculum_active(const cj_curriculum *c)
{
    return c->stage < c->n_stages ? c->tasks[c->stage] : 0;
}

int cj_curriculum_in_last(const cj_curriculum *c) { return c->stage >= c->n_stages; }

cj_stage_end cj_curriculum_after_epoch(cj_curriculum *c, int epoch, const double *performance, int n_tasks)
{
    if (cj_curriculum_in_last(c)) return CJ_STAGE_GOES_ON;
    const int s = c->stage;
    cj_stage_end end = CJ_STAGE_GOES_ON;
    if (c->until[s] > 0) {
        int all = 1;
        for (int k = 0; k < n_tasks; k++)
            if (c->tasks[s] >> k & 1) all &= performance[k] >= c->until[s]; /* NaN: not reached */
        if (all) end = CJ_STAGE_REACHED;
    }
    if (end == CJ_STAGE_GOES_ON && c->max_epochs[s] > 0 && epoch - c->since >= c->max_epochs[s])
        end = CJ_STAGE_RAN_ITS_EPOCHS;
    if (end != CJ_STAGE_GOES_ON) {
        c->stage = s + 1;
        c->since = epoch;
    }
    return end;
}

void cj_curriculum_text(const cj_curriculum *c, char *buf, size_t len)
{
    snprintf(buf, len, "%d %d", c->stage, c->since);
}

/* A decimal whole number in [0, max] (max an int), nothing before it;
 * advances *p. */
static int take_whole(const char **p, long long max, long long *out)
{
    const char *s = *p;
    long long v = 0;
    if (*s < '0' || *s > '9') return 0;
    for (; *s >= '0' && *s <= '9'; s++)
        if ((v = v * 10 + (*s - '0')) > max) return 0;
    *p = s;
    *out = v;
    return 1;
}

int cj_curriculum_parse(cj_curriculum *c, const char *text, int epoch)
{
    const char *p = text;
    long long stage, since;
    if (!take_whole(&p, c->n_stages, &stage) || *p++ != ' ' || !take_whole(&p, epoch, &since) || *p) return 0;
    /* Every stage before the current one trained at least an epoch. */
    if (stage == 0 ? since != 0 : since < stage) return 0;
    c->stage = (int)stage;
    c->since = (int)since;
    return 1;
}
