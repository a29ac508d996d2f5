/* run_folder.c — a training run's output folder as a whole (run_folder.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/model_file.h"
#include "cajal/rbm.h"
#include "run_folder.h"

/* The files a run writes; the staged ones last (a save cut short). */
static const char *const RUN_FILES[] = {"config.ini", "metrics.jsonl", "model.safetensors", CJ_RUN_STATE_FILE,
                                        "model.safetensors.new", CJ_RUN_STATE_FILE ".new"};
enum { N_RUN_FILES = 6, N_FINAL_FILES = 4 };

/* metrics.jsonl is a few hundred bytes an epoch: a gigabyte is no log. */
#define LOG_MAX ((size_t)1 << 30)

static int exists_in(const char *dir, const char *name)
{
    char *path = cj_path_join(dir, name);
    struct stat sb;
    int yes = path && lstat(path, &sb) == 0;
    free(path);
    return yes;
}

cj_status cj_run_folder_check_new(const char *dir, cj_error *err)
{
    char held[160] = "";
    size_t used = 0;
    for (int i = 0; i < N_RUN_FILES; i++)
        if (exists_in(dir, RUN_FILES[i]))
            used += (size_t)snprintf(held + used, sizeof held - used, "%s%s", used ? ", " : "", RUN_FILES[i]);
    if (!used) return CJ_OK;
    return cj_fail(err, CJ_ERR_ARG, "%s: holds a training run already (%s); resume it (--resume) or replace it "
                   "(--force)", dir, held);
}

cj_status cj_run_folder_clear(const char *dir, cj_error *err)
{
    for (int i = 0; i < N_RUN_FILES; i++) {
        char *path = cj_path_join(dir, RUN_FILES[i]);
        if (!path) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
        int failed = remove(path) != 0 && errno != ENOENT;
        cj_status st = failed ? cj_fail(err, CJ_ERR_IO, "%s: cannot remove it to start afresh: %s", path,
                                        strerror(errno))
                              : CJ_OK;
        free(path);
        if (st) return st;
    }
    return CJ_OK;
}

/* Lines of dir/metrics.jsonl (0 when it is missing or unreadable: a save
 * that never reached it). */
static int log_lines(const char *dir)
{
    char *path = cj_path_join(dir, "metrics.jsonl"), *text = NULL;
    size_t len = 0;
    int n = 0;
    if (path && !cj_text_read(path, LOG_MAX, &text, &len, NULL))
        for (size_t i = 0; i < len; i++) n += text[i] == '\n';
    free(text);
    free(path);
    return n;
}

/* The epoch a staged file holds, or -1 when it cannot be read. */
static int staged_epoch(const char *path, int is_state)
{
    if (is_state) {
        cj_train_state ts;
        if (cj_train_state_read(path, &ts, NULL)) return -1;
        int epoch = ts.mark.epoch;
        cj_train_state_free(&ts);
        return epoch;
    }
    cj_model_info info;
    if (!cj_model_file_info(path, &info, NULL)) return info.epoch;
    /* an RBM run's model (rbm_run.c) is no layer stack: its "epoch" metadata */
    cj_safetensors file;
    if (cj_safetensors_read(path, &file, NULL)) return -1;
    int epoch = cj_rbm_file_epoch(&file);
    cj_safetensors_free(&file);
    return epoch;
}

/* Rename a staged file whose save was committed; remove any other. */
static cj_status settle(const char *dir, const char *name, int is_state, int committed, cj_error *err)
{
    char *final = cj_path_join(dir, name), *staged = cj_path_printf("%s/%s.new", dir, name);
    cj_status st = !final || !staged ? cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir) : CJ_OK;
    struct stat sb;
    if (!st && lstat(staged, &sb) == 0) {
        if (staged_epoch(staged, is_state) == committed && committed > 0) {
            if (rename(staged, final) != 0)
                st = cj_fail(err, CJ_ERR_IO, "%s: cannot rename %s over it to finish saving epoch %d: %s", final,
                             staged, committed, strerror(errno));
        } else if (remove(staged) != 0) {
            st = cj_fail(err, CJ_ERR_IO, "%s: cannot remove this unfinished save: %s", staged, strerror(errno));
        }
    }
    free(final);
    free(staged);
    return st;
}

/* Why there is nothing to resume in dir. */
static cj_status no_state(const char *dir, cj_error *err)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return cj_fail(err, CJ_ERR_IO, "%s: no such run folder to resume", dir);
    if (exists_in(dir, "metrics.jsonl") || exists_in(dir, "model.safetensors"))
        return cj_fail(err, CJ_ERR_IO, "%s: no %s to resume from (was it written by an older cajal?)", dir,
                       CJ_RUN_STATE_FILE);
    if (exists_in(dir, "config.ini"))
        return cj_fail(err, CJ_ERR_IO, "%s: no epoch of this run finished, so there is nothing to resume (start it "
                       "afresh with --force)", dir);
    return cj_fail(err, CJ_ERR_IO, "%s: holds no training run to resume (no %s)", dir, CJ_RUN_STATE_FILE);
}

cj_status cj_run_folder_open_state(const char *dir, cj_train_state *ts, cj_error *err)
{
    memset(ts, 0, sizeof *ts);
    int committed = log_lines(dir);
    cj_status st = settle(dir, "model.safetensors", 0, committed, err);
    if (!st) st = settle(dir, CJ_RUN_STATE_FILE, 1, committed, err);
    if (st) return st;
    if (!exists_in(dir, CJ_RUN_STATE_FILE)) return no_state(dir, err);
    char *path = cj_path_join(dir, CJ_RUN_STATE_FILE);
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    st = cj_train_state_read(path, ts, err);
    free(path);
    return st;
}

/* ---- agreement ----------------------------------------------------------- */

/* The line at *s (its length in *len), moving *s past it; NULL at the end. */
static const char *next_line(const char **s, size_t *len)
{
    if (!**s) return NULL;
    const char *line = *s, *nl = strchr(line, '\n');
    *len = nl ? (size_t)(nl - line) : strlen(line);
    *s = line + *len + (nl != NULL);
    return line;
}

/* The next line that must agree: not train.epochs or train.steps, which a
 * resumed run may change. *section tracks the [section] lines passed. */
static const char *next_kept(const char **s, size_t *len, char *section, size_t cap)
{
    const char *line;
    while ((line = next_line(s, len))) {
        if (*len > 1 && line[0] == '[') snprintf(section, cap, "%.*s", (int)*len, line);
        int changeable = !strcmp(section, "[train]") &&
                         ((*len >= 9 && !strncmp(line, "epochs = ", 9)) || (*len >= 8 && !strncmp(line, "steps = ", 8)));
        if (!changeable) return line;
    }
    return NULL;
}

cj_status cj_run_folder_check_config(const cj_train_state *ts, const cj_experiment *e, cj_error *err)
{
    char *now = cj_train_config_text(e);
    if (!now) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", ts->path);
    const char *a = ts->mark.config, *b = now;
    char sa[64] = "", sb[64] = "";
    cj_status st = CJ_OK;
    for (;;) {
        size_t la = 0, lb = 0;
        const char *x = next_kept(&a, &la, sa, sizeof sa), *y = next_kept(&b, &lb, sb, sizeof sb);
        if (!x && !y) break;
        if (x && y && la == lb && !memcmp(x, y, la)) continue;
        st = cj_fail(err, CJ_ERR_CONFIG, "%s: the run was saved with '%.*s' in %s, but the experiment has '%.*s'; a "
                     "resumed run keeps its experiment (only train.epochs and train.steps may change)", ts->path,
                     x ? (int)(la < 100 ? la : 100) : 9, x ? x : "no line", x ? sa : "the end",
                     y ? (int)(lb < 100 ? lb : 100) : 9, y ? y : "no line");
        break;
    }
    free(now);
    if (st) return st;
    if (e->epochs < ts->mark.epoch)
        return cj_fail(err, CJ_ERR_CONFIG, "train.epochs = %d, but %s holds epoch %d already", e->epochs, ts->path,
                       ts->mark.epoch);
    if (e->epochs != ts->mark.epochs && e->optim.schedule == CJ_SCHEDULE_COSINE)
        return cj_fail(err, CJ_ERR_CONFIG, "train.epochs = %d: optim.schedule = cosine anneals over the run's %d "
                       "epochs, so a run of %d would not continue this one (start afresh with --force)", e->epochs,
                       ts->mark.epochs, e->epochs);
    return CJ_OK;
}

cj_status cj_run_folder_read_log(const char *dir, const cj_train_state *ts, char **log, size_t *len, size_t *cap,
                                 cj_error *err)
{
    char *path = cj_path_join(dir, "metrics.jsonl"), *text = NULL;
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    size_t n = 0;
    cj_status st = cj_text_read(path, LOG_MAX, &text, &n, err);
    int lines = 0;
    const char *last = text;
    for (size_t i = 0; !st && i < n; i++)
        if (text[i] == '\n') {
            if (i + 1 < n) last = text + i + 1;
            lines++;
        }
    /* Every line is whole and the last is the state's epoch. */
    char want[32];
    int k = snprintf(want, sizeof want, "{\"epoch\":%d,", ts->mark.epoch);
    if (!st && (lines != ts->mark.epoch || text[n - 1] != '\n' || strncmp(last, want, (size_t)k)))
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: does not end with epoch %d, which %s holds (the files disagree; "
                     "start afresh with --force)", path, ts->mark.epoch, ts->path);
    free(path);
    if (st) {
        free(text);
        return st;
    }
    *log = text;
    *len = n;
    *cap = n + 1;
    return CJ_OK;
}

cj_status cj_run_folder_load_model(const char *dir, const cj_train_state *ts, cj_model *m, cj_error *err)
{
    char *path = cj_path_join(dir, "model.safetensors");
    if (!path) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", dir);
    cj_safetensors file;
    cj_model_info info;
    cj_status st = cj_safetensors_read(path, &file, err);
    if (st) {
        free(path);
        return st;
    }
    st = cj_model_info_read(&file, path, &info, err);
    if (!st && (info.epoch != ts->mark.epoch || info.step != ts->mark.step))
        st = cj_fail(err, CJ_ERR_FORMAT, "%s: holds epoch %d (step %ld), but %s holds epoch %d (step %ld)", path,
                     info.epoch, info.step, ts->path, ts->mark.epoch, ts->mark.step);
    if (!st) st = cj_model_set_params(m, &file, path, err);
    cj_safetensors_free(&file);
    free(path);
    return st;
}
