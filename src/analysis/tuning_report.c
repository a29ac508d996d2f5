/* tuning_report.c — `cajal tuning`: tuning curves of every layer of an
 * activations folder to one column of a stimulus table (cj_tuning_report
 * in cajal/tuning.h), written as tuning.csv, units.csv, tuning.json and a
 * figure per layer. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/acts.h"
#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/npy.h"
#include "tuning_common.h"

static const double RAD_TO_DEG = 57.295779513082320876798;

void cj_tuning_report_defaults(cj_tuning_report_opts *o)
{
    memset(o, 0, sizeof *o);
    o->pos_y = o->pos_x = -1;
    o->top = 15;
    o->figures = 1;
}

/* ---- CSV cells ------------------------------------------------------------ */

static void csv_num(FILE *f, double v)
{
    if (isnan(v)) fputs("nan", f);
    else if (isinf(v)) fputs(v > 0 ? "inf" : "-inf", f);
    else fprintf(f, "%.9g", v);
}

/* Text as a CSV cell: quoted ("" for ") when it holds a separator. */
static void csv_text(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* A value in the variable's own units: directions given in degrees are
 * reported in degrees. */
static double in_units(const cj_tuning_levels *lv, double radians)
{
    return lv->circular == CJ_TUNING_DEGREES ? radians * RAD_TO_DEG : radians;
}

static void write_rows(FILE *tc, FILE *uc, const char *layer, const cj_tuning *t, const cj_tuning_levels *lv)
{
    for (int u = 0; u < t->n_units; u++) {
        for (int k = 0; k < t->n_levels; k++) {
            size_t c = (size_t)u * t->n_levels + k;
            fprintf(tc, "%s,%d,", layer, u);
            csv_text(tc, lv->labels[k]);
            double v[] = {lv->x[k], t->mean[c], t->sd[c], t->sem[c]};
            for (int j = 0; j < 4; j++) {
                fputc(',', tc);
                csv_num(tc, v[j]);
            }
            fprintf(tc, ",%d\n", t->n[k]);
        }
        fprintf(uc, "%s,%d,", layer, u);
        if (t->preferred[u] >= 0) csv_text(uc, lv->labels[t->preferred[u]]);
        double v[] = {t->F[u], t->p[u], t->eta2[u]};
        for (int j = 0; j < 3; j++) {
            fputc(',', uc);
            csv_num(uc, v[j]);
        }
        if (t->pref_dir) {
            fputc(',', uc);
            csv_num(uc, in_units(lv, t->pref_dir[u]));
            fputc(',', uc);
            csv_num(uc, t->depth[u]);
        }
        fputc('\n', uc);
    }
}

/* ---- the stimulus table ---------------------------------------------------- */

typedef struct {
    cj_trials_text t;
    unsigned char *keep;   /* [rows] */
    const char **values;   /* [rows] the variable's cells */
    cj_tuning_levels lv;
    int *start, *end;      /* [rows] windows for the current T, or NULL */
    int windows_T;         /* the T they were made for (0: none) */
} table;

static void table_free(table *tb)
{
    cj_trials_text_free(&tb->t);
    free(tb->keep);
    free(tb->values);
    cj_tuning_levels_free(&tb->lv);
    free(tb->start);
    free(tb->end);
}

/* "a, b, c" of the table's columns, cut short, for a missing-column message. */
static void column_list(const cj_trials_text *t, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (int j = 0; j < t->n_cols && used + 8 < cap; j++) {
        int w = snprintf(out + used, cap - used, "%s%s", j ? ", " : "", t->names[j]);
        used = w > 0 && (size_t)w < cap - used ? used + (size_t)w : cap - 1;
    }
    if (used >= cap - 1 && cap > 4) memcpy(out + cap - 4, "...", 4);
}

static cj_status read_table(const cj_tuning_report_opts *o, size_t n_stimuli, const char *acts, table *tb,
                            cj_error *err)
{
    cj_status st = cj_trials_csv_read_text(o->table, NULL, 0, &tb->t, err);
    if (st) return st;
    char q[80];
    cj_error_quote(o->column, q, sizeof q);
    int col = cj_trials_text_find(&tb->t, o->column);
    if (col < 0) {
        char cols[300];
        column_list(&tb->t, cols, sizeof cols);
        return cj_fail(err, CJ_ERR_ARG, "%s: no column '%s' (its columns: %s)", o->table, q, cols);
    }
    if ((size_t)tb->t.n_rows != n_stimuli)
        return cj_fail(err, CJ_ERR_SHAPE, "%s has %d rows but %s has %zu stimuli: the table needs one row per "
                       "stimulus, in the folder's order", o->table, tb->t.n_rows, acts, n_stimuli);
    int n = tb->t.n_rows;
    tb->keep = malloc((size_t)n);
    tb->values = malloc(sizeof *tb->values * (size_t)n);
    if (!tb->keep || !tb->values) return cj_fail(err, CJ_ERR_NOMEM, "out of memory for %d rows", n);
    if ((st = cj_tuning_where(&tb->t, o->table, o->where, o->n_where, tb->keep, err))) return st;
    for (int i = 0; i < n; i++) tb->values[i] = tb->t.cells[(size_t)i * tb->t.n_cols + col];
    cj_error e;
    if ((st = cj_tuning_levels_make(tb->values, n, tb->keep, &o->levels, &tb->lv, &e))) {
        /* "stimulus i" is row i: say which line of the file that is */
        const char *s = strstr(e.msg, "stimulus ");
        int row = -1;
        if (s && sscanf(s, "stimulus %d", &row) == 1 && row >= 0 && row < n)
            return cj_fail(err, st, "%s, column '%s': %s (line %d)", o->table, q, e.msg, tb->t.line[row]);
        return cj_fail(err, st, "%s, column '%s': %s", o->table, q, e.msg);
    }
    return CJ_OK;
}

/* ---- one layer ------------------------------------------------------------- */

typedef struct {
    const cj_tuning_report_opts *o;
    const cj_acts_folder *f;
    const char *out_dir;
    table *tb;
    FILE *tc, *uc;
    cJSON *layers;
} run;

static const char *const REDUCED[] = {"as recorded", "mean over the window of steps", "mean over positions",
                                      "one position"};

static cj_status layer_responses(run *r, int l, const cj_npy_array *h, float **resp, int *units, int *reduced,
                                 cj_error *err)
{
    float *x;
    int features;
    cj_status st = cj_acts_load(r->f, l, &x, &features, err);
    if (st) return st;
    cj_tuning_reduce red = {.y = r->o->pos_y, .x = r->o->pos_x, .keep = r->tb->keep};
    *reduced = 0;
    if (h->ndim == 3) {
        int T = (int)h->shape[1];
        table *tb = r->tb;
        if (tb->windows_T != T) {
            int n = tb->t.n_rows;
            if (!tb->start) tb->start = malloc(sizeof(int) * (size_t)n);
            if (!tb->end) tb->end = malloc(sizeof(int) * (size_t)n);
            if (!tb->start || !tb->end) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
            if (!st) st = cj_tuning_windows(&tb->t, r->o->table, r->o->steps, tb->keep, T, tb->start, tb->end, err);
            tb->windows_T = st ? 0 : T;
        }
        red.start = tb->start;
        red.end = tb->end;
        *reduced = 1;
    } else if (h->ndim == 4) {
        *reduced = r->o->pos_y >= 0 ? 3 : 2;
    }
    cj_error e;
    if (!st && (st = cj_tuning_responses(x, h->ndim, h->shape, &red, resp, units, &e)))
        cj_fail(err, st, "%s: %s", r->f->paths[l], e.msg);
    free(x);
    return st;
}

static void summarise(const cj_tuning *t, const cj_tuning_levels *lv, const int *order, const char *layer,
                      int reduced, cj_tuning_layer_summary *s)
{
    *s = (cj_tuning_layer_summary){.layer = layer, .units = t->n_units, .best_unit = -1, .best_pref_dir = NAN,
                                   .median_eta2 = NAN, .best_eta2 = NAN, .reduced = reduced};
    int valid = 0;
    for (int u = 0; u < t->n_units; u++) {
        s->constant += isnan(t->eta2[u]) != 0;
        s->significant += t->p[u] < 0.05;
        valid += !isnan(t->eta2[u]);
    }
    /* order puts the valid units first, most selective first: the median is in the middle of them */
    if (valid) {
        double a = t->eta2[order[(valid - 1) / 2]], b = t->eta2[order[valid / 2]];
        s->median_eta2 = (a + b) / 2;
        int u = order[0];
        s->best_unit = u;
        s->best_eta2 = t->eta2[u];
        s->best_preferred = lv->labels[t->preferred[u]];
        if (t->pref_dir) s->best_pref_dir = in_units(lv, t->pref_dir[u]);
    }
}

static cj_status one_layer(run *r, int l, cj_error *err)
{
    const char *name = r->f->names[l];
    cj_npy_array h;
    cj_status st = cj_npy_read_header(r->f->paths[l], &h, err);
    if (st) return st;
    float *resp = NULL;
    int units = 0, reduced = 0, *order = NULL;
    cj_tuning t = {0};
    st = layer_responses(r, l, &h, &resp, &units, &reduced, err);
    cj_error e;
    if (!st && (st = cj_tuning_compute(resp, r->tb->t.n_rows, units, &r->tb->lv, &t, &e)))
        cj_fail(err, st, "%s: %s", r->f->paths[l], e.msg);
    if (!st && !(order = malloc(sizeof(int) * (size_t)units))) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st) {
        cj_tuning_rank(&t, order);
        write_rows(r->tc, r->uc, name, &t, &r->tb->lv);
    }
    if (!st && r->o->figures) {
        char title[200];
        char how[96] = "";
        if (reduced == 1) snprintf(how, sizeof how, "; steps %.60s", r->o->steps ? r->o->steps : "of the whole trial");
        if (reduced == 2) snprintf(how, sizeof how, "; channels, mean over positions");
        if (reduced == 3) snprintf(how, sizeof how, "; channels at row %d, column %d", r->o->pos_y, r->o->pos_x);
        snprintf(title, sizeof title, "%s: tuning to %s (%d %s, %d levels%s)", name, r->o->column, r->tb->lv.n_used,
                 reduced == 1 ? "trials" : "stimuli", r->tb->lv.n_levels, how);
        char *file = cj_path_printf("tuning_%s.png", name), *path = file ? cj_path_join(r->out_dir, file) : NULL;
        st = path ? cj_tuning_figure(&t, &r->tb->lv, order, r->o->top, title, r->o->column, path, err)
                  : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
        free(path);
        free(file);
    }
    if (!st) {
        cJSON *j = cJSON_CreateObject(), *shape = cJSON_CreateArray();
        for (int d = 0; d < h.ndim; d++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)h.shape[d]));
        cJSON_AddStringToObject(j, "name", name);
        cJSON_AddItemToObject(j, "shape", shape);
        cJSON_AddNumberToObject(j, "units", units);
        cJSON_AddStringToObject(j, "responses", REDUCED[reduced]);
        cJSON_AddItemToArray(r->layers, j);
        if (r->o->layer_done) {
            cj_tuning_layer_summary s;
            summarise(&t, &r->tb->lv, order, name, reduced, &s);
            r->o->layer_done(r->o->user, &s);
        }
    }
    free(order);
    free(resp);
    cj_tuning_free(&t);
    return st;
}

/* ---- tuning.json ----------------------------------------------------------- */

static cj_status write_json(const cj_tuning_report_opts *o, const cj_acts_folder *f, const table *tb, cJSON *layers,
                            const char *out_dir, cj_error *err)
{
    const cj_tuning_levels *lv = &tb->lv;
    cJSON *root = cJSON_CreateObject(), *where = cJSON_CreateArray(), *levels = cJSON_CreateArray();
    cJSON_AddStringToObject(root, "acts", f->dir);
    cJSON_AddStringToObject(root, "table", o->table);
    cJSON_AddStringToObject(root, "variable", o->column);
    for (int w = 0; w < o->n_where; w++) cJSON_AddItemToArray(where, cJSON_CreateString(o->where[w]));
    cJSON_AddItemToObject(root, "where", where);
    cJSON_AddStringToObject(root, "levels_from", lv->binned ? (o->levels.bins > 0 ? "equal-count bins" : "edges")
                                                 : lv->numeric ? "values" : "names");
    cJSON_AddStringToObject(root, "circular", lv->circular == CJ_TUNING_RADIANS   ? "rad"
                                              : lv->circular == CJ_TUNING_DEGREES ? "deg"
                                                                                  : "no");
    if (o->steps) cJSON_AddStringToObject(root, "steps", o->steps);
    else cJSON_AddNullToObject(root, "steps");
    if (o->pos_y >= 0) {
        cJSON *pos = cJSON_CreateArray();
        cJSON_AddItemToArray(pos, cJSON_CreateNumber(o->pos_y));
        cJSON_AddItemToArray(pos, cJSON_CreateNumber(o->pos_x));
        cJSON_AddItemToObject(root, "position", pos);
    } else {
        cJSON_AddNullToObject(root, "position");
    }
    cJSON_AddNumberToObject(root, "stimuli", lv->n_stimuli);
    cJSON_AddNumberToObject(root, "stimuli_used", lv->n_used);
    cJSON_AddNumberToObject(root, "left_out_by_where", lv->n_left_out);
    cJSON_AddNumberToObject(root, "outside_edges", lv->n_outside);
    for (int k = 0; k < lv->n_levels; k++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "label", lv->labels[k]);
        cJSON_AddNumberToObject(j, "x", lv->x[k]);
        if (lv->binned) {
            cJSON_AddNumberToObject(j, "lo", lv->lo[k]);
            cJSON_AddNumberToObject(j, "hi", lv->hi[k]);
        }
        cJSON_AddNumberToObject(j, "n", lv->count[k]);
        cJSON_AddItemToArray(levels, j);
    }
    cJSON_AddItemToObject(root, "levels", levels);
    cJSON_AddItemToObject(root, "layers", cJSON_Duplicate(layers, 1));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    char *path = cj_path_join(out_dir, "tuning.json"), *body = text ? cj_path_printf("%s\n", text) : NULL;
    cj_status st = path && body ? cj_write_file_atomic(path, body, strlen(body), err)
                                : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(body);
    free(path);
    free(text);
    return st;
}

/* ---- the report ------------------------------------------------------------ */

/* --steps for no recurrent layer, or a position for no feature map, is a
 * mistake worth a message rather than silence. */
static cj_status check_shapes(const cj_tuning_report_opts *o, const cj_acts_folder *f, cj_error *err)
{
    int any3 = 0, any4 = 0;
    for (int l = 0; l < f->n_layers; l++) {
        cj_npy_array h;
        cj_status st = cj_npy_read_header(f->paths[l], &h, err);
        if (st) return st;
        if (h.ndim > 4 || h.ndim < 1)
            return cj_fail(err, CJ_ERR_SHAPE, "%s: %d dimensions, expected [stimuli, units], [trials, T, units] or "
                           "[stimuli, C, H, W]", f->paths[l], h.ndim);
        any3 |= h.ndim == 3;
        any4 |= h.ndim == 4;
    }
    if (o->steps && !any3)
        return cj_fail(err, CJ_ERR_ARG, "--steps: no layer of %s has time steps ([trials, T, units])", f->dir);
    if (o->pos_y >= 0 && !any4)
        return cj_fail(err, CJ_ERR_ARG, "--position: no layer of %s is a feature map ([stimuli, C, H, W])", f->dir);
    return CJ_OK;
}

static cj_status open_csv(cj_atomic_file *af, const char *dir, const char *name, const char *header, cj_error *err)
{
    char *path = cj_path_join(dir, name);
    cj_status st = path ? cj_atomic_open(af, path, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(path);
    if (!st) fputs(header, af->f);
    return st;
}

cj_status cj_tuning_report(const cj_tuning_report_opts *o, const char *out_dir, cj_error *err)
{
    if (!o || !o->acts || !o->table || !o->column || !out_dir)
        return cj_fail(err, CJ_ERR_ARG, "tuning report: the folder, table, column and output are all needed");
    if (o->top < 1 || o->top > 100) return cj_fail(err, CJ_ERR_ARG, "--top %d: expected 1 to 100 units", o->top);
    cj_acts_folder f = {0};
    table tb;
    memset(&tb, 0, sizeof tb);
    cj_atomic_file tc = {0}, uc = {0};
    int open_t = 0, open_u = 0;
    cJSON *layers = cJSON_CreateArray();
    cj_status st = layers ? CJ_OK : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    if (!st) st = cj_acts_open(o->acts, &f, err);
    if (!st && o->layers) {
        cj_error e;
        if ((st = cj_acts_select(&f, o->layers, &e))) cj_fail(err, st, "--layer: %s", e.msg);
    }
    if (!st) st = check_shapes(o, &f, err);
    if (!st) st = read_table(o, f.n_stimuli, f.dir, &tb, err);
    if (!st) st = cj_make_dirs(out_dir, err);
    if (!st) open_t = !(st = open_csv(&tc, out_dir, "tuning.csv", "layer,unit,level,x,mean,sd,sem,n\n", err));
    if (!st)
        open_u = !(st = open_csv(&uc, out_dir, "units.csv",
                                 tb.lv.angle ? "layer,unit,preferred,F,p,eta2,pref_dir,depth\n"
                                             : "layer,unit,preferred,F,p,eta2\n",
                                 err));
    run r = {.o = o, .f = &f, .out_dir = out_dir, .tb = &tb, .tc = tc.f, .uc = uc.f, .layers = layers};
    for (int l = 0; !st && l < f.n_layers; l++) st = one_layer(&r, l, err);
    if (open_t) {
        if (!st) st = cj_atomic_commit(&tc, err);
        else cj_atomic_abort(&tc);
    }
    if (open_u) {
        if (!st) st = cj_atomic_commit(&uc, err);
        else cj_atomic_abort(&uc);
    }
    if (!st) st = write_json(o, &f, &tb, layers, out_dir, err);
    cJSON_Delete(layers);
    table_free(&tb);
    cj_acts_close(&f);
    return st;
}
