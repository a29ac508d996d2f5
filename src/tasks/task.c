/* task.c — what every task shares (include/cajal/tasks.h): the common
 * options (dt, sigma, one duration per period), trial timing, and scoring
 * a network's outputs on a trial. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/tasks.h"

const cj_task_ops *cj_task_ops_find(const char *name)
{
    int n;
    const cj_task_ops *const *all = cj_task_registry(&n);
    for (int i = 0; i < n; i++)
        if (!strcmp(name, all[i]->name)) return all[i];
    return NULL;
}

/* The common options and the periods, read before the task's own. */
static cj_status parse_common(cj_task *t, cj_spec_args *a, cj_error *err)
{
    cj_status st;
    if ((st = cj_spec_float(a, "dt", 20.0f, 0.1f, 1000.0f, &t->dt, err))) return st;
    if ((st = cj_spec_float(a, "sigma", 1.0f, 0.0f, 100.0f, &t->sigma, err))) return st;
    if ((st = cj_spec_float(a, "weight", 1.0f, 1e-6f, 1e6f, &t->weight, err))) return st;
    float longest = 0;
    for (int i = 0; i < t->ops->n_periods; i++) {
        const cj_task_period_def *p = &t->ops->periods[i];
        const char *given = cj_spec_value(a, p->period);
        char why[160];
        if (cj_duration_parse(given ? given : p->def, &t->timing[i], why, sizeof why))
            return cj_spec_fail(a, err, "%s=%s: %s", p->period, given ? given : p->def, why);
        longest += roundf(cj_duration_max(&t->timing[i]) / t->dt);
    }
    if (longest < 1) return cj_spec_fail(a, err, "every period lasts 0 ms: a trial has no steps");
    if (longest > 100000)
        return cj_spec_fail(a, err, "trials of up to %.0f steps of dt = %g ms: at most 100000", longest, t->dt);
    t->max_steps = (int)longest;
    return CJ_OK;
}

/* "dt=, sigma=, fixation=, stimulus=, ..." and the task's own. */
static void known_options(const cj_task *t, char *out, size_t len)
{
    size_t used = (size_t)snprintf(out, len, "dt=, sigma=, weight=");
    for (int i = 0; i < t->ops->n_periods && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, ", %s=", t->ops->periods[i].period);
    if (t->ops->options && used < len) snprintf(out + used, len - used, ", %s", t->ops->options);
}

cj_status cj_task_parse(char *item, int index, cj_task *t, cj_error *err)
{
    memset(t, 0, sizeof *t);
    cj_spec_args a;
    cj_status st = cj_spec_split(item, "data.task", index, &a, err);
    if (st) return st;
    t->ops = cj_task_ops_find(a.word);
    if (!t->ops) {
        char known[512];
        int n;
        const cj_task_ops *const *all = cj_task_registry(&n);
        cj_names_join((const void *const *)all, n, known, sizeof known);
        return cj_fail(err, CJ_ERR_CONFIG, "data.task: unknown task '%s' (item %d); expected %s", a.word, index,
                       known);
    }
    snprintf(t->name, sizeof t->name, "%s", t->ops->name);
    if ((st = parse_common(t, &a, err))) return st;
    if ((st = t->ops->parse(t, &a, err))) return st;
    char options[512];
    known_options(t, options, sizeof options);
    return cj_spec_finish(&a, options, err);
}

void cj_task_format(const cj_task *t, char *out, size_t len)
{
    size_t used = (size_t)snprintf(out, len, "%s dt=%g sigma=%g", t->ops->name, t->dt, t->sigma);
    if (t->weight != 1.0f && used < len) used += (size_t)snprintf(out + used, len - used, " weight=%g", t->weight);
    for (int i = 0; i < t->ops->n_periods && used < len; i++) {
        char d[160];
        cj_duration_format(&t->timing[i], d, sizeof d);
        used += (size_t)snprintf(out + used, len - used, " %s=%s", t->ops->periods[i].period, d);
    }
    if (t->ops->format_options && used < len) t->ops->format_options(t, out + used, len - used);
}

cj_status cj_tasks_parse(const char *list, cj_task *tasks, int max, int *n, cj_error *err)
{
    char copy[CJ_TASK_SPEC_MAX];
    if (strlen(list) >= sizeof copy)
        return cj_fail(err, CJ_ERR_CONFIG, "data.task: %zu characters (at most %zu)", strlen(list), sizeof copy - 1);
    memcpy(copy, list, strlen(list) + 1);
    *n = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        if (*n == max) return cj_fail(err, CJ_ERR_CONFIG, "data.task: more than %d tasks", max);
        cj_status st = cj_task_parse(item, *n + 1, &tasks[*n], err);
        if (st) return st;
        (*n)++;
    }
    if (!*n)
        return cj_fail(err, CJ_ERR_CONFIG, "data.format = task needs data.task, e.g. data.task = contextdm "
                       "(tasks: docs/tasks.md)");
    return cj_tasks_check(tasks, *n, err);
}

cj_status cj_tasks_check(const cj_task *tasks, int n, cj_error *err)
{
    for (int k = 1; k < n; k++)
        if (tasks[k].n_obs != tasks[0].n_obs || tasks[k].n_actions != tasks[0].n_actions ||
            tasks[k].ops->target != tasks[0].ops->target)
            return cj_fail(err, CJ_ERR_CONFIG, "data.task: %s has %d inputs and %d %s but %s has %d and %d %s: "
                           "tasks trained together must share them", tasks[k].name, tasks[k].n_obs,
                           tasks[k].n_actions, tasks[k].ops->target == CJ_TARGET_VALUES ? "output values" : "actions",
                           tasks[0].name, tasks[0].n_obs, tasks[0].n_actions,
                           tasks[0].ops->target == CJ_TARGET_VALUES ? "output values" : "actions");
    return CJ_OK;
}

cj_status cj_tasks_format(const cj_task *tasks, int n, char *out, size_t len, cj_error *err)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        char item[1024];
        cj_task_format(&tasks[i], item, sizeof item);
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", item);
        if (used >= len)
            return cj_fail(err, CJ_ERR_CONFIG, "data.task: written out in full the tasks take more than %zu "
                           "characters", len - 1);
    }
    return CJ_OK;
}

void cj_task_draw_periods(const cj_task *t, cj_rng *rng, cj_trial *trial)
{
    int step = 0;
    trial->n_periods = t->ops->n_periods;
    for (int i = 0; i < t->ops->n_periods; i++) {
        int n = (int)roundf(cj_duration_draw(&t->timing[i], rng) / t->dt);
        trial->period[i].name = t->ops->periods[i].period;
        trial->period[i].start = step;
        trial->period[i].end = step += n;
    }
    trial->T = step;
}

int cj_trial_period(const cj_trial *trial, const char *name, int *start, int *end)
{
    for (int i = 0; i < trial->n_periods; i++)
        if (!strcmp(trial->period[i].name, name)) {
            *start = trial->period[i].start;
            *end = trial->period[i].end;
            return *end > *start;
        }
    *start = *end = 0;
    return 0;
}

static int argmax(const float *z, int from, int n)
{
    int best = from;
    for (int j = from + 1; j < n; j++)
        if (z[j] > z[best]) best = j;
    return best;
}

cj_trial_score cj_task_score(const cj_task *task, const cj_trial *trial, const float *out, size_t stride)
{
    return task->ops->score ? task->ops->score(task, trial, out, stride) : cj_task_score_actions(task, trial, out, stride);
}

cj_trial_score cj_task_score_actions(const cj_task *task, const cj_trial *trial, const float *out, size_t stride)
{
    cj_trial_score s = {.response_step = -1};
    int n = task->n_actions;
    for (int t = 0; t < trial->response_start && !s.fixation_broken; t++)
        s.fixation_broken = argmax(out + (size_t)t * stride, 0, n) != 0;
    for (int t = trial->response_start; t < trial->response_end; t++) {
        int a = argmax(out + (size_t)t * stride, 0, n);
        if (a != 0) {
            s.response = a;
            s.response_step = t;
            break;
        }
    }
    if (trial->response_end > trial->response_start && n > 1)
        s.choice = argmax(out + (size_t)(trial->response_end - 1) * stride, 1, n);
    s.correct = !s.fixation_broken && s.response == trial->ground_truth;
    return s;
}

const char *cj_task_list_item(const char *list, int k, char *buf, size_t len)
{
    const char *p = list;
    for (int i = 0; i < k && p; i++) {
        p = strchr(p, ',');
        if (p) p++;
    }
    snprintf(buf, len, "%.*s", p ? (int)strcspn(p, ",") : 0, p ? p : "");
    return buf;
}

int cj_task_list_index(const char *list, const char *name)
{
    size_t n = strlen(name);
    const char *p = list;
    for (int i = 0; p && *p; i++) {
        size_t len = strcspn(p, ",");
        if (len == n && !strncmp(p, name, n)) return i;
        p = p[len] ? p + len + 1 : NULL;
    }
    return -1;
}

/* ---- helpers for the tasks --------------------------------------------------- */

cj_status cj_task_arg_list(cj_spec_args *a, const char *key, const char *def, float lo, float hi, int max,
                           float *v, int *n, cj_error *err)
{
    const char *given = cj_spec_value(a, key);
    const char *text = given ? given : def;
    *n = 0;
    for (const char *p = text; *p;) {
        char *end;
        float x = strtof(p, &end);
        if (end == p || (*end && *end != ':') || !isfinite(x) || x < lo || x > hi)
            return cj_spec_fail(a, err, "%s=%s: '%.*s' is not a number from %g to %g", key, text,
                                (int)strcspn(p, ":"), p, lo, hi);
        if (*n == max) return cj_spec_fail(a, err, "%s=%s: more than %d values", key, text, max);
        v[(*n)++] = x;
        p = *end ? end + 1 : end;
        if (*end && !*p) return cj_spec_fail(a, err, "%s=%s ends with ':'", key, text);
    }
    if (!*n) return cj_spec_fail(a, err, "%s is empty (values separated by ':', e.g. 5:15:50)", key);
    return CJ_OK;
}

void cj_task_format_numbers(const char *key, const float *v, int n, char *out, size_t len)
{
    size_t used = (size_t)snprintf(out, len, " %s=", key);
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%g", i ? ":" : "", v[i]);
}

void cj_task_add_noise(const cj_task *t, cj_rng *rng, float *obs, int start, int end, int ch, int n_ch)
{
    if (t->sigma == 0 || end <= start || n_ch < 1) return;
    float sd = t->sigma / sqrtf(t->dt);
    /* The normals in blocks from the fast sampler (rng.h): a trial of
     * Yang et al.'s tasks has noise on 85 channels at every step. */
    enum { BLOCK = 512 };
    float z[BLOCK];
    size_t total = (size_t)(end - start) * n_ch, done = 0;
    while (done < total) {
        size_t n = total - done < BLOCK ? total - done : BLOCK;
        cj_rng_fill_normal_fast(rng, z, n, sd);
        for (size_t i = 0; i < n; i++) {
            size_t k = done + i;
            obs[((size_t)start + k / (size_t)n_ch) * t->n_obs + ch + k % (size_t)n_ch] += z[i];
        }
        done += n;
    }
}

void cj_task_decision_targets(cj_trial *tr, const cj_task_targets *y, int d0, int gt)
{
    for (int s = 0; s < tr->T; s++) {
        y->action[s] = s >= d0 ? gt : 0;
        y->mask[s] = 1.0f;
    }
    tr->response_start = d0;
    tr->response_end = tr->T;
    tr->ground_truth = gt;
}

void cj_task_set_obs(const cj_task *t, float *obs, int start, int end, int ch, float value)
{
    for (int s = start; s < end; s++) obs[(size_t)s * t->n_obs + ch] = value;
}

cj_context_draw cj_task_draw_context(cj_rng *rng, const float *coherences, int n)
{
    cj_context_draw d;
    d.context = (int)cj_rng_below(rng, 2);
    d.motion = coherences[cj_rng_below(rng, (uint32_t)n)] * (cj_rng_below(rng, 2) ? -1.0f : 1.0f);
    d.colour = coherences[cj_rng_below(rng, (uint32_t)n)] * (cj_rng_below(rng, 2) ? -1.0f : 1.0f);
    float relevant = d.context == 0 ? d.motion : d.colour;
    d.ground_truth = relevant > 0 ? 1 : relevant < 0 ? 2 : 1 + (int)cj_rng_below(rng, 2);
    return d;
}

/* ---- rewards (tasks.h) ------------------------------------------------------ */

double cj_task_reward_default(const cj_task *t, const cj_trial *trial, const cj_trial_score *s)
{
    (void)t, (void)trial;
    if (s->fixation_broken) return -0.1; /* NeuroGym's rewards["abort"] */
    return s->correct ? 1.0 : 0.0;       /* rewards["correct"], rewards["fail"] */
}

double cj_task_reward(const cj_task *t, const cj_trial *trial, const cj_trial_score *s)
{
    return t->ops->reward ? t->ops->reward(t, trial, s) : cj_task_reward_default(t, trial, s);
}
