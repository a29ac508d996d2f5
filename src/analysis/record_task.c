/* record_task.c — record a network trained on tasks on trials of them
 * (cj_model_file_record_task in record.h): every layer as [trials, T,
 * units], and conditions.csv, one row per trial: its task, conditions,
 * periods and how the network did. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/model_file.h"
#include "cajal/record.h"
#include "cajal/task_run.h"

/* Up to `max` distinct names from every task's comma-separated list
 * (conditions or period names), in order of first appearance. */
static int union_names(const cj_task_run *run, int periods, char names[][32], int max)
{
    int n = 0;
    for (int k = 0; k < run->n_tasks; k++) {
        const cj_task_ops *ops = run->tasks[k].ops;
        int count = periods ? ops->n_periods : CJ_TASK_MAX_CONDITIONS;
        for (int i = 0; i < count && n < max; i++) {
            char name[32];
            if (periods) snprintf(name, sizeof name, "%s", ops->periods[i].period);
            else if (!*cj_task_list_item(ops->conditions, i, name, sizeof name)) break;
            int seen = 0;
            for (int j = 0; j < n && !seen; j++) seen = !strcmp(names[j], name);
            if (!seen) memcpy(names[n++], name, sizeof name);
        }
    }
    return n;
}

static cj_status write_conditions(const cj_task_run *run, const char *out_dir, cj_error *err)
{
    char conds[CJ_TASK_MAX_CONDITIONS * 4][32], periods[CJ_TASK_MAX_PERIODS * 4][32];
    int nc = union_names(run, 0, conds, CJ_TASK_MAX_CONDITIONS * 4);
    int np = union_names(run, 1, periods, CJ_TASK_MAX_PERIODS * 4);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    fprintf(f, "trial,task,steps");
    for (int i = 0; i < nc; i++) fprintf(f, ",%s", conds[i]);
    for (int i = 0; i < np; i++) fprintf(f, ",%s_start,%s_end", periods[i], periods[i]);
    fprintf(f, ",correct,fixation_broken,response,response_step,choice\n");
    for (int i = 0; i < run->n; i++) {
        const cj_trial *tr = &run->trials[i];
        const cj_task *t = &run->tasks[run->task_of[i]];
        fprintf(f, "%d,%s,%d", i, t->name, tr->T);
        for (int c = 0; c < nc; c++) {
            int k = cj_task_list_index(t->ops->conditions, conds[c]);
            if (k >= 0) fprintf(f, ",%.9g", tr->condition[k]);
            else fputc(',', f);
        }
        for (int p = 0; p < np; p++) {
            int s0, s1;
            int has = cj_trial_period(tr, periods[p], &s0, &s1);
            if (has) fprintf(f, ",%d,%d", s0, s1);
            else fputs(",,", f);
        }
        const cj_trial_score *s = &run->scores[i];
        fprintf(f, ",%d,%d,%d,%d,%d\n", s->correct, s->fixation_broken, s->response, s->response_step, s->choice);
    }
    int bad = ferror(f);
    if (fclose(f) || bad) {
        free(text);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    char *path = cj_path_join(out_dir, "conditions.csv");
    cj_status st = path ? cj_write_file_atomic(path, text, len, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(path);
    free(text);
    return st;
}

cj_status cj_model_file_record_task(const char *model_path, int n_trials, uint64_t seed, int seed_given, int batch,
                                    const char *out_dir, cj_error *err)
{
    cj_model_info info;
    cj_status st = cj_model_file_info(model_path, &info, err);
    if (st) return st;
    cj_model m;
    cj_source src;
    if ((st = cj_model_file_open_task(model_path, n_trials, seed_given ? seed : info.seed, CJ_TASK_STREAM_TEST,
                                      batch, &m, &info, &src, err)))
        return st;
    /* The trials as sample-major inputs [n, T, n_obs] for cj_record. */
    size_t per = (size_t)src.T * src.step.c;
    float *x = malloc(sizeof(float) * per * n_trials);
    cj_batch b;
    int have_batch = 0;
    if (!x) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d trials", n_trials);
    if (!st && !(st = cj_batch_alloc(&b, &src, batch, err))) have_batch = 1;
    int *idx = malloc(sizeof(int) * (size_t)batch);
    if (!st && !idx) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int start = 0; !st && start < n_trials; start += batch) {
        int nb = n_trials - start < batch ? n_trials - start : batch;
        for (int i = 0; i < nb; i++) idx[i] = start + i;
        if ((st = cj_source_fill(&src, idx, nb, &b, err))) break;
        for (int i = 0; i < nb; i++)
            for (int t = 0; t < src.T; t++)
                memcpy(x + ((size_t)start + i) * per + (size_t)t * src.step.c, b.x + ((size_t)t * nb + i) * src.step.c,
                       sizeof(float) * src.step.c);
    }
    free(idx);
    if (have_batch) cj_batch_free(&b);
    if (!st) st = cj_record(&m, x, n_trials, src.T, out_dir, err);
    free(x);
    cj_task_run run;
    cj_task_run_options o = {.layer = -1, .state_layer = -1};
    if (!st && !(st = cj_task_run_model(&m, &src, n_trials, &o, &run, err))) {
        st = write_conditions(&run, out_dir, err);
        cj_task_run_free(&run);
    }
    cj_model_free(&m);
    cj_source_free(&src);
    return st;
}
