/* taskvariance.c — the task variance of each unit, the inactive units
 * dropped, the rest normalised, clustered and put in heat-map order
 * (Yang et al. 2019, Methods; see cajal/taskvariance.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/taskvariance.h"

/* "task 'name'" or "task <index>" for messages. */
static const char *task_label(const cj_task_recording *t, int a, char *buf, size_t cap)
{
    if (t->name) {
        char q[80];
        snprintf(buf, cap, "task '%s'", cj_error_quote(t->name, q, sizeof q));
    } else {
        snprintf(buf, cap, "task %d", a);
    }
    return buf;
}

static cj_status check_task(const cj_task_recording *t, int a, int units, cj_error *err)
{
    char tl[100];
    task_label(t, a, tl, sizeof tl);
    if (!t->responses || t->trials < 1 || t->steps < 1)
        return cj_fail(err, CJ_ERR_ARG, "task variance: %s has %d trials of %d steps%s (need at least one of each)",
                       tl, t->trials, t->steps, t->responses ? "" : " and no responses");
    if (t->t0 < 0 || t->t0 >= t->steps || t->t1 <= t->t0 || t->t1 > t->steps)
        return cj_fail(err, CJ_ERR_ARG,
                       "task variance: %s: window [%d, %d) is empty or outside the trial's steps [0, %d)", tl, t->t0,
                       t->t1, t->steps);
    if (t->condition)
        for (int r = 0; r < t->trials; r++)
            if (t->condition[r] < 0)
                return cj_fail(err, CJ_ERR_ARG, "task variance: %s: condition[%d] = %d (ids must be >= 0)", tl, r,
                               t->condition[r]);
    const float *x = t->responses;
    for (int r = 0; r < t->trials; r++)
        for (int s = t->t0; s < t->t1; s++)
            for (int u = 0; u < units; u++)
                if (!isfinite(x[((size_t)r * t->steps + s) * units + u]))
                    return cj_fail(err, CJ_ERR_NUMERIC,
                                   "task variance: %s: the response of unit %d at step %d of trial %d is %g", tl, u,
                                   s, r, (double)x[((size_t)r * t->steps + s) * units + u]);
    return CJ_OK;
}

typedef struct {
    int id, trial;
} id_trial;

static int by_id(const void *pa, const void *pb)
{
    const id_trial *a = pa, *b = pb;
    if (a->id != b->id) return (a->id > b->id) - (a->id < b->id);
    return (a->trial > b->trial) - (a->trial < b->trial);
}

/* Trials grouped by condition: trial[] in condition order, start[c] ..
 * start[c + 1] the trials of condition c; returns the number of
 * conditions. */
static int group_trials(const cj_task_recording *t, id_trial *it, int *trial, int *start)
{
    for (int r = 0; r < t->trials; r++) it[r] = (id_trial){t->condition ? t->condition[r] : r, r};
    qsort(it, t->trials, sizeof *it, by_id);
    int c = 0;
    for (int r = 0; r < t->trials; r++) {
        if (r == 0 || it[r].id != it[r - 1].id) start[c++] = r;
        trial[r] = it[r].trial;
    }
    start[c] = t->trials;
    return c;
}

/* One task's column of TV: at each step of the window, the condition means
 * [C, units], their variance across conditions, added up over the window. */
static void task_column(const cj_task_recording *t, int units, int C, const int *trial, const int *start,
                        double *means, double *col)
{
    for (int u = 0; u < units; u++) col[u] = 0.0;
    for (int s = t->t0; s < t->t1; s++) {
        for (int c = 0; c < C; c++) {
            double *m = means + (size_t)c * units;
            for (int u = 0; u < units; u++) m[u] = 0.0;
            for (int j = start[c]; j < start[c + 1]; j++) {
                const float *x = t->responses + ((size_t)trial[j] * t->steps + s) * units;
                for (int u = 0; u < units; u++) m[u] += x[u];
            }
            const double inv = 1.0 / (start[c + 1] - start[c]);
            for (int u = 0; u < units; u++) m[u] *= inv;
        }
        /* Two passes (mean, then squared deviations), as numpy's var. */
        for (int u = 0; u < units; u++) {
            double mu = 0.0, ss = 0.0;
            for (int c = 0; c < C; c++) mu += means[(size_t)c * units + u];
            mu /= C;
            for (int c = 0; c < C; c++) {
                double e = means[(size_t)c * units + u] - mu;
                ss += e * e;
            }
            col[u] += ss / C;
        }
    }
    for (int u = 0; u < units; u++) col[u] /= (t->t1 - t->t0);
}

cj_status cj_task_variance(const cj_task_recording *tasks, int n_tasks, int units, double *tv, cj_error *err)
{
    if (n_tasks < 1 || units < 1)
        return cj_fail(err, CJ_ERR_ARG, "task variance: %d tasks of %d units (need at least one of each)", n_tasks,
                       units);
    int max_trials = 0;
    for (int a = 0; a < n_tasks; a++) {
        cj_status st = check_task(&tasks[a], a, units, err);
        if (st) return st;
        if (tasks[a].trials > max_trials) max_trials = tasks[a].trials;
    }
    id_trial *it = malloc(sizeof *it * max_trials);
    int *trial = malloc(sizeof(int) * max_trials), *start = malloc(sizeof(int) * (max_trials + 1));
    double *means = malloc(sizeof(double) * (size_t)max_trials * units), *col = malloc(sizeof(double) * units);
    cj_status st = CJ_OK;
    if (!it || !trial || !start || !means || !col) {
        st = cj_fail(err, CJ_ERR_NOMEM, "task variance: no memory for %d trials of %d units", max_trials, units);
        goto done;
    }
    for (int a = 0; a < n_tasks && !st; a++) {
        int C = group_trials(&tasks[a], it, trial, start);
        if (C < 2) {
            char tl[100];
            st = cj_fail(err, CJ_ERR_ARG,
                         "task variance: %s: all %d trials are of one stimulus condition (the variance across "
                         "conditions needs two)",
                         task_label(&tasks[a], a, tl, sizeof tl), tasks[a].trials);
            break;
        }
        task_column(&tasks[a], units, C, trial, start, means, col);
        for (int u = 0; u < units; u++) tv[(size_t)u * n_tasks + a] = col[u];
    }
done:
    free(it);
    free(trial);
    free(start);
    free(means);
    free(col);
    return st;
}

cj_status cj_task_variance_normalize(const double *tv, int units, int n_tasks, double min_total_variance,
                                     unsigned char *active, int *n_active, int *unit, double *normalized,
                                     cj_error *err)
{
    if (units < 1 || n_tasks < 1)
        return cj_fail(err, CJ_ERR_ARG, "task variance: %d units of %d tasks (need at least one of each)", units,
                       n_tasks);
    if (!(min_total_variance >= 0.0))
        return cj_fail(err, CJ_ERR_ARG, "task variance: min_total_variance = %g (need >= 0)", min_total_variance);
    int kept = 0;
    double largest = 0.0;
    for (int u = 0; u < units; u++) {
        const double *row = tv + (size_t)u * n_tasks;
        double sum = 0.0, top = 0.0;
        for (int a = 0; a < n_tasks; a++) {
            if (!(row[a] >= 0.0) || !isfinite(row[a]))
                return cj_fail(err, CJ_ERR_NUMERIC, "task variance: TV[%d, %d] = %g (need finite and >= 0)", u, a,
                               row[a]);
            sum += row[a];
            if (row[a] > top) top = row[a];
        }
        if (sum > largest) largest = sum;
        active[u] = sum > min_total_variance;
        if (!active[u]) continue;
        /* sum > 0, so top > 0. */
        for (int a = 0; a < n_tasks; a++) normalized[(size_t)kept * n_tasks + a] = row[a] / top;
        unit[kept++] = u;
    }
    *n_active = kept;
    if (!kept)
        return cj_fail(err, CJ_ERR_ARG,
                       "task variance: no unit's summed variance over tasks exceeds min_total_variance = %g (the "
                       "largest of %d units is %g)",
                       min_total_variance, units, largest);
    return CJ_OK;
}

static int argmax(const double *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

/* Sort keys: (cluster or preferred task, row) pairs in lexicographic order. */
typedef struct {
    int key, sub, row;
} sort_key;

static int by_key(const void *pa, const void *pb)
{
    const sort_key *a = pa, *b = pb;
    if (a->key != b->key) return (a->key > b->key) - (a->key < b->key);
    if (a->sub != b->sub) return (a->sub > b->sub) - (a->sub < b->sub);
    return (a->row > b->row) - (a->row < b->row);
}

cj_status cj_task_variance_order(const double *normalized, int n, int n_tasks, int *labels, int k, int *order,
                                 int *k_used, cj_error *err)
{
    if (n < 1 || n_tasks < 1 || k < 1)
        return cj_fail(err, CJ_ERR_ARG, "task variance order: %d rows of %d tasks in %d clusters (need >= 1 each)", n,
                       n_tasks, k);
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= k)
            return cj_fail(err, CJ_ERR_ARG, "task variance order: label[%d] = %d is outside [0, %d)", i, labels[i], k);
    double *sum = calloc((size_t)k * n_tasks, sizeof(double));
    int *first = malloc(sizeof(int) * k), *rename = malloc(sizeof(int) * k);
    sort_key *key = malloc(sizeof *key * (n > k ? n : k));
    if (!sum || !first || !rename || !key) {
        free(sum), free(first), free(rename), free(key);
        return cj_fail(err, CJ_ERR_NOMEM, "task variance order: no memory for %d rows", n);
    }
    for (int c = 0; c < k; c++) first[c] = -1;
    for (int i = 0; i < n; i++) {
        const int c = labels[i];
        if (first[c] < 0) first[c] = i;
        for (int a = 0; a < n_tasks; a++) sum[(size_t)c * n_tasks + a] += normalized[(size_t)i * n_tasks + a];
    }
    /* Clusters by preferred task, then by their lowest row. */
    int used = 0;
    for (int c = 0; c < k; c++)
        if (first[c] >= 0) key[used++] = (sort_key){argmax(sum + (size_t)c * n_tasks, n_tasks), first[c], c};
    qsort(key, used, sizeof *key, by_key);
    for (int j = 0; j < used; j++) rename[key[j].row] = j;
    for (int i = 0; i < n; i++) labels[i] = rename[labels[i]];
    for (int i = 0; i < n; i++) key[i] = (sort_key){labels[i], argmax(normalized + (size_t)i * n_tasks, n_tasks), i};
    qsort(key, n, sizeof *key, by_key);
    for (int i = 0; i < n; i++) order[i] = key[i].row;
    if (k_used) *k_used = used;
    free(sum), free(first), free(rename), free(key);
    return CJ_OK;
}

cj_taskvar_options cj_taskvar_defaults(void)
{
    cj_taskvar_options o = {.min_total_variance = 1e-3, .k_min = 3, .k_max = 40, .kmeans = cj_kmeans_defaults(0)};
    o.kmeans.n_init = 20;
    return o;
}

void cj_taskvar_result_free(cj_taskvar_result *r)
{
    free(r->tv);
    free(r->active);
    free(r->unit);
    free(r->normalized);
    free(r->silhouette);
    free(r->labels);
    free(r->order);
    memset(r, 0, sizeof *r);
}

cj_status cj_taskvar_analyze(const cj_task_recording *tasks, int n_tasks, int units, const cj_taskvar_options *opt,
                             cj_taskvar_result *out, cj_error *err)
{
    memset(out, 0, sizeof *out);
    if (n_tasks < 1 || units < 1)
        return cj_fail(err, CJ_ERR_ARG, "task variance: %d tasks of %d units (need at least one of each)", n_tasks,
                       units);
    if (opt->k_min < 2 || opt->k_max < opt->k_min)
        return cj_fail(err, CJ_ERR_ARG, "task variance: the range of k [%d, %d] is empty or starts below 2",
                       opt->k_min, opt->k_max);
    cj_taskvar_result r = {.units = units, .tasks = n_tasks};
    const size_t ut = (size_t)units * n_tasks;
    r.tv = malloc(sizeof(double) * ut);
    r.active = malloc(units);
    r.unit = malloc(sizeof(int) * units);
    r.normalized = malloc(sizeof(double) * ut);
    r.labels = malloc(sizeof(int) * units);
    r.order = malloc(sizeof(int) * units);
    cj_status st = CJ_OK;
    if (!r.tv || !r.active || !r.unit || !r.normalized || !r.labels || !r.order) {
        st = cj_fail(err, CJ_ERR_NOMEM, "task variance: no memory for %d units x %d tasks", units, n_tasks);
        goto fail;
    }
    if ((st = cj_task_variance(tasks, n_tasks, units, r.tv, err))) goto fail;
    if ((st = cj_task_variance_normalize(r.tv, units, n_tasks, opt->min_total_variance, r.active, &r.n_active, r.unit,
                                         r.normalized, err)))
        goto fail;
    r.k_min = opt->k_min;
    r.k_max = opt->k_max < r.n_active - 1 ? opt->k_max : r.n_active - 1;
    if (r.k_max < r.k_min) {
        st = cj_fail(err, CJ_ERR_ARG,
                     "task variance: %d of %d units are active (summed variance > %g), too few to choose k from "
                     "[%d, %d] (need k_min + 1 = %d)",
                     r.n_active, units, opt->min_total_variance, opt->k_min, opt->k_max, opt->k_min + 1);
        goto fail;
    }
    r.silhouette = malloc(sizeof(double) * (r.k_max - r.k_min + 1));
    if (!r.silhouette) {
        st = cj_fail(err, CJ_ERR_NOMEM, "task variance: no memory for %d scores", r.k_max - r.k_min + 1);
        goto fail;
    }
    if ((st = cj_kmeans_choose_k(r.normalized, r.n_active, n_tasks, r.k_min, r.k_max, &opt->kmeans, &r.k, r.labels,
                                 r.silhouette, err)))
        goto fail;
    if ((st = cj_task_variance_order(r.normalized, r.n_active, n_tasks, r.labels, r.k, r.order, &r.k, err))) goto fail;
    *out = r;
    return CJ_OK;
fail:
    cj_taskvar_result_free(&r);
    return st;
}

void cj_taskvar_heatmap(const cj_taskvar_result *r, double *m)
{
    for (int a = 0; a < r->tasks; a++)
        for (int j = 0; j < r->n_active; j++)
            m[(size_t)a * r->n_active + j] = r->normalized[(size_t)r->order[j] * r->tasks + a];
}
