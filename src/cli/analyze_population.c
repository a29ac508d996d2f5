/* analyze_population.c — trials grouped by condition, and the population
 * activity of the analyses (analyze.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

cj_status cj_analysis_task_conditions(const cj_task_run *run, int task, int **condition_of, int *n_conditions,
                                      double **values, int *n_values, cj_error *err)
{
    const char *names = run->tasks[task].ops->conditions;
    int nv = 0, keep[CJ_TASK_MAX_CONDITIONS], truth = cj_task_list_index(names, "ground_truth");
    char buf[CJ_TASK_NAME_MAX];
    for (int k = 0; k < CJ_TASK_MAX_CONDITIONS && *cj_task_list_item(names, k, buf, sizeof buf); k++)
        if (k != truth) keep[nv++] = k;
    int *of = malloc(sizeof(int) * (size_t)run->n);
    double *v = malloc(sizeof(double) * (size_t)run->n * (nv ? nv : 1));
    if (!of || !v) {
        free(of);
        free(v);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory grouping %d trials", run->n);
    }
    int n = 0;
    for (int i = 0; i < run->n; i++) {
        of[i] = -1;
        if (run->task_of[i] != task) continue;
        int c = 0;
        for (; c < n; c++) {
            int same = 1;
            for (int k = 0; k < nv && same; k++) same = v[c * nv + k] == run->trials[i].condition[keep[k]];
            if (same) break;
        }
        if (c == n) {
            for (int k = 0; k < nv; k++) v[n * nv + k] = run->trials[i].condition[keep[k]];
            n++;
        }
        of[i] = c;
    }
    *condition_of = of;
    *values = v;
    *n_conditions = n;
    *n_values = nv;
    return CJ_OK;
}

cj_status cj_analysis_population_make(const cj_task_run *run, int task, const float *activity, int size,
                                      cj_analysis_population *p, cj_error *err)
{
    memset(p, 0, sizeof *p);
    cj_status st =
        cj_analysis_task_conditions(run, task, &p->condition_of, &p->n_conditions, &p->values, &p->n_values, err);
    if (st) return st;
    int T = run->T;
    for (int i = 0; i < run->n; i++)
        if (run->task_of[i] == task) {
            p->n++;
            T = run->trials[i].T < T ? run->trials[i].T : T;
        }
    if (!p->n) {
        cj_analysis_population_free(p);
        return cj_fail(err, CJ_ERR_ARG, "no trial of task %s among the %d run", run->tasks[task].name, run->n);
    }
    p->T = T;
    p->units = size;
    p->trial = malloc(sizeof(int) * (size_t)p->n);
    p->condition = malloc(sizeof(int) * (size_t)p->n);
    p->x = malloc(sizeof(float) * (size_t)p->n * T * size);
    if (!p->trial || !p->condition || !p->x) {
        cj_analysis_population_free(p);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d trials x %d steps x %d units", run->n, T, size);
    }
    int k = 0;
    for (int i = 0; i < run->n; i++) {
        if (run->task_of[i] != task) continue;
        p->trial[k] = i;
        p->condition[k] = p->condition_of[i];
        memcpy(p->x + (size_t)k * T * size, activity + (size_t)i * run->T * size, sizeof(float) * (size_t)T * size);
        k++;
    }
    return CJ_OK;
}

void cj_analysis_population_free(cj_analysis_population *p)
{
    free(p->condition_of);
    free(p->values);
    free(p->trial);
    free(p->condition);
    free(p->x);
    memset(p, 0, sizeof *p);
}

void cj_analysis_condition_names(const cj_task_run *run, int task, char *out, size_t len)
{
    const char *names = run->tasks[task].ops->conditions;
    int truth = cj_task_list_index(names, "ground_truth");
    size_t used = 0;
    out[0] = '\0';
    char buf[CJ_TASK_NAME_MAX];
    for (int k = 0; *cj_task_list_item(names, k, buf, sizeof buf) && used < len; k++)
        if (k != truth) used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", buf);
}

int cj_analysis_is_coherence(const char *name)
{
    size_t n = strlen(name);
    return !strcmp(name, "coherence") || (n >= 3 && !strcmp(name + n - 3, "coh"));
}
