/* lesion_report.c — the files of a lesion study (cj_lesion_study_write in
 * lesion_study.h): lesion.json with every number, lesion.csv with one row
 * per measure, lesion.png with the bars. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cajal/files.h"
#include "cajal/io.h"
#include "cajal/lesion_study.h"
#include "cajal/plot.h"

static cj_status write_text(const char *dir, const char *name, const char *text, size_t len, cj_error *err)
{
    char *path = cj_path_join(dir, name);
    cj_status st = path ? cj_write_file_atomic(path, text, len, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(path);
    return st;
}

/* ---- lesion.csv ------------------------------------------------------------ */

static void csv_num(FILE *f, double v)
{
    if (isnan(v)) fputs(",nan", f);
    else fprintf(f, ",%.9g", v);
}

static cj_status write_csv(const cj_lesion_study *s, const char *dir, cj_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    fprintf(f, "measure,region,intact,lesioned%s\n", s->controls ? ",control_mean,control_sd,control_p" : "");
    for (int k = 0; k < s->n_measures; k++) {
        fprintf(f, "%s,%s", s->measure[k], s->region[k]);
        csv_num(f, s->intact[k]);
        csv_num(f, s->lesioned[k]);
        if (s->controls) {
            double mean, sd, p;
            cj_lesion_study_control(s, k, &mean, &sd, &p);
            csv_num(f, mean);
            csv_num(f, sd);
            csv_num(f, p);
        }
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fclose(f) || bad || !text) {
        free(text);
        return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    }
    cj_status st = write_text(dir, "lesion.csv", text, len, err);
    free(text);
    return st;
}

/* ---- lesion.json ----------------------------------------------------------- */

/* JSON has no NaN: an undefined number is null. */
static cJSON *num(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static cJSON *ints(const int *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

static cJSON *text_or_null(const char *t) { return t ? cJSON_CreateString(t) : cJSON_CreateNull(); }

static cJSON *measure_json(const cj_lesion_study *s, int k)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "measure", s->measure[k]);
    cJSON_AddStringToObject(o, "region", s->region[k]);
    cJSON_AddItemToObject(o, "intact", num(s->intact[k]));
    cJSON_AddItemToObject(o, "lesioned", num(s->lesioned[k]));
    if (s->controls) {
        double mean, sd, p;
        cj_lesion_study_control(s, k, &mean, &sd, &p);
        cJSON_AddItemToObject(o, "control_mean", num(mean));
        cJSON_AddItemToObject(o, "control_sd", num(sd));
        cJSON_AddItemToObject(o, "control_p", num(p));
        cJSON *c = cJSON_CreateArray();
        for (int i = 0; c && i < s->controls; i++) cJSON_AddItemToArray(c, num(s->control[(size_t)i * s->n_measures + k]));
        cJSON_AddItemToObject(o, "controls", c);
    }
    return o;
}

static cj_status write_json(const cj_lesion_study *s, const char *dir, cj_error *err)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    cJSON_AddStringToObject(root, "model", s->model_path);
    cJSON_AddNumberToObject(root, "layer", s->layer);
    cJSON_AddStringToObject(root, "layer_name", s->layer_name);
    cJSON_AddNumberToObject(root, "layer_units", s->layer_units);
    if (s->target >= 0) {
        cJSON_AddNumberToObject(root, "cut_layer", s->target);
        cJSON_AddStringToObject(root, "cut_layer_name", s->target_name);
    } else {
        cJSON_AddNullToObject(root, "cut_layer");
        cJSON_AddNullToObject(root, "cut_layer_name");
    }
    cJSON_AddStringToObject(root, "units_spec", s->units_spec);
    cJSON_AddItemToObject(root, "units", ints(s->units, s->n_units));
    /* a seed can exceed 2^53: as text, so it reads back exactly */
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->seed);
    cJSON_AddStringToObject(root, "seed", seed);
    cJSON_AddItemToObject(root, "test_inputs", text_or_null(s->test_inputs));
    cJSON_AddNumberToObject(root, "test_samples", s->samples);
    cJSON_AddItemToObject(root, "images", text_or_null(s->images));
    cJSON_AddItemToObject(root, "brain", text_or_null(s->brain));
    cJSON_AddNumberToObject(root, "stimuli", s->stimuli);
    cJSON_AddStringToObject(root, "rdm_distance", "correlation");
    cJSON_AddStringToObject(root, "rdm_measure", "tau_a");
    cJSON_AddNumberToObject(root, "controls", s->controls);
    cJSON *sets = cJSON_CreateArray();
    for (int k = 0; sets && k < s->controls; k++)
        cJSON_AddItemToArray(sets, ints(s->control_units + (size_t)k * s->n_units, s->n_units));
    cJSON_AddItemToObject(root, "control_units", sets);
    cJSON *ms = cJSON_CreateArray();
    for (int k = 0; ms && k < s->n_measures; k++) cJSON_AddItemToArray(ms, measure_json(s, k));
    cJSON_AddItemToObject(root, "measures", ms);
    cJSON_AddNumberToObject(root, "undefined_fits", s->undefined);
    cJSON_AddStringToObject(root, "note", s->note);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    char *body = text ? cj_path_printf("%s\n", text) : NULL;
    cj_status st = body ? write_text(dir, "lesion.json", body, strlen(body), err)
                        : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(body);
    free(text);
    return st;
}

/* ---- lesion.png ------------------------------------------------------------ */

/* Intact, lesioned and the controls' mean +- sd of measures first..first+n
 * (every `step`-th), times `scale`, as three bar series on panel p. */
static cj_status bars(cj_panel *p, const cj_lesion_study *s, int first, int n, int step, double scale, cj_error *err)
{
    double *v = malloc(sizeof(double) * 5 * (size_t)n);
    if (!v) return cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    double *in = v, *les = v + n, *mean = v + 2 * n, *lo = v + 3 * n, *hi = v + 4 * n;
    for (int i = 0; i < n; i++) {
        int k = first + i * step;
        double sd, pv;
        in[i] = scale * s->intact[k];
        les[i] = scale * s->lesioned[k];
        cj_lesion_study_control(s, k, &mean[i], &sd, &pv);
        if (isnan(sd)) sd = 0;
        mean[i] *= scale;
        lo[i] = mean[i] - scale * sd;
        hi[i] = mean[i] + scale * sd;
    }
    char label[96];
    snprintf(label, sizeof label, "lesioned (%d unit%s)", s->n_units, s->n_units == 1 ? "" : "s");
    cj_status st = cj_panel_add_bars(p, in, NULL, NULL, n, cj_palette(0), "intact", err);
    if (!st) st = cj_panel_add_bars(p, les, NULL, NULL, n, cj_palette(3), label, err);
    if (!st && s->controls) {
        snprintf(label, sizeof label, "%d random set%s (mean \xc2\xb1 sd)", s->controls, s->controls == 1 ? "" : "s");
        st = cj_panel_add_bars(p, mean, lo, hi, n, (cj_rgb){0.6, 0.6, 0.6}, label, err);
    }
    free(v);
    return st;
}

/* The range the bars of measures first, first + step, ... (n of them)
 * span, with 0: where the line marking the cut runs. */
static void bar_range(const cj_lesion_study *s, int first, int n, int step, double *lo, double *hi)
{
    *lo = *hi = 0;
    for (int i = 0; i < n; i++) {
        int k = first + i * step;
        double mean, sd, p, v[4] = {s->intact[k], s->lesioned[k], NAN, NAN};
        cj_lesion_study_control(s, k, &mean, &sd, &p);
        v[2] = mean - (isnan(sd) ? 0 : sd);
        v[3] = mean + (isnan(sd) ? 0 : sd);
        for (int j = 0; j < 4; j++)
            if (isfinite(v[j])) *lo = v[j] < *lo ? v[j] : *lo, *hi = v[j] > *hi ? v[j] : *hi;
    }
}

static cj_status accuracy_panel(cj_panel *p, const cj_lesion_study *s, cj_error *err)
{
    char title[160], samples[64];
    int n = snprintf(title, sizeof title, "Test accuracy %.1f%% \xe2\x86\x92 %.1f%%", 100 * s->intact[0],
                     100 * s->lesioned[0]);
    if (s->controls) {
        double mean, sd, pv;
        cj_lesion_study_control(s, 0, &mean, &sd, &pv);
        snprintf(title + n, sizeof title - n, " (random %.1f \xc2\xb1 %.1f%%)", 100 * mean, 100 * (isnan(sd) ? 0 : sd));
    }
    snprintf(samples, sizeof samples, "test set (%d samples)", s->samples);
    const char *acc[] = {samples};
    cj_panel_set_title(p, title);
    cj_panel_set_labels(p, "", "accuracy (%)");
    cj_status st = cj_panel_set_categories(p, acc, 1, err);
    if (!st) st = bars(p, s, 0, 1, 1, 100, err);
    if (!st && s->n_regions && s->target >= 0) {
        char label[96];
        snprintf(label, sizeof label, "weights into %s cut (RDM panels)", s->target_name);
        cj_line_style cut = {{0.3, 0.3, 0.3}, CJ_DASH_DASHED, 1.5, CJ_MARKER_NONE};
        st = cj_panel_add_line(p, NULL, NULL, 0, cut, label, err);
    }
    cj_panel_set_legend(p, CJ_LEGEND_OUTSIDE);
    return st;
}

/* One region's fit, layer by layer; a dashed line where the cut is (the
 * layers left of it cannot change). */
static cj_status region_panel(cj_panel *p, const cj_lesion_study *s, int r, const char **names, cj_error *err)
{
    int R = s->n_regions, L = s->n_layers;
    for (int l = 0; l < L; l++) names[l] = s->measure[2 + l * R] + 6; /* after "tau_a:" */
    char t[128];
    snprintf(t, sizeof t, "RDM fit to %s", s->region[2 + r]);
    cj_panel_set_title(p, t);
    cj_panel_set_labels(p, "layer", "Kendall \xcf\x84" "A (correlation-distance RDMs)");
    cj_status st = cj_panel_set_categories(p, names, L, err);
    if (!st) st = bars(p, s, 2 + r, L, R, 1, err);
    double y[2];
    bar_range(s, 2 + r, L, R, &y[0], &y[1]);
    /* room above the tallest bar (and below the lowest), so none touches the frame */
    double pad = 0.08 * (y[1] - y[0]);
    if (pad > 0) cj_panel_set_ylim(p, y[0] < 0 ? y[0] - pad : 0, y[1] > 0 ? y[1] + pad : 0);
    if (!st && s->target >= 0) {
        double x[2] = {s->target - 0.5, s->target - 0.5};
        cj_line_style cut = {{0.3, 0.3, 0.3}, CJ_DASH_DASHED, 1.5, CJ_MARKER_NONE};
        st = cj_panel_add_line(p, x, y, 2, cut, NULL, err);
    }
    cj_panel_set_legend(p, CJ_LEGEND_NONE);
    return st;
}

static cj_status write_figure(const cj_lesion_study *s, const char *dir, cj_error *err)
{
    int R = s->n_regions, L = s->n_layers;
    int width = R ? 480 + R * (240 + 48 * L) : 560;
    width = width > 3000 ? 3000 : width;
    cj_figure *fig;
    cj_status st = cj_figure_create(&fig, 1, 1 + R, width, 520, err);
    if (st) return st;
    char title[512];
    snprintf(title, sizeof title, "%s: %d of %d units silenced (%s)%s%s", s->layer_name, s->n_units, s->layer_units,
             s->units_spec, s->target >= 0 ? ", weights into " : "", s->target_name);
    cj_figure_set_title(fig, title);
    st = accuracy_panel(cj_figure_panel(fig, 0, 0), s, err);
    const char **names = malloc(sizeof *names * (L ? L : 1));
    if (!st && !names) st = cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    for (int r = 0; !st && r < R; r++) st = region_panel(cj_figure_panel(fig, 0, 1 + r), s, r, names, err);
    free(names);
    char *path = cj_path_join(dir, "lesion.png");
    if (!st) st = path ? cj_figure_write(fig, path, err) : cj_fail(err, CJ_ERR_NOMEM, "out of memory");
    free(path);
    cj_figure_free(fig);
    return st;
}

cj_status cj_lesion_study_write(const cj_lesion_study *s, const char *out_dir, cj_error *err)
{
    cj_status st = cj_make_dirs(out_dir, err);
    if (!st) st = write_json(s, out_dir, err);
    if (!st) st = write_csv(s, out_dir, err);
    if (!st) st = write_figure(s, out_dir, err);
    return st;
}
