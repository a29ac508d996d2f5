/* maximize_units.c — what activation maximisation is asked to do
 * (include/cajal/maximize.h): which layer and units, checked against the
 * model, and the box of a saved model's inputs with its map back to
 * pixels. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/maximize.h"
#include "cajal/record.h"
#include "cajal/source.h"

/* "0_conv2d, 1_relu, ..." into buf, cut short rather than overflow. */
static void layer_list(const cj_model *m, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < m->n_layers && used + 1 < cap; i++) {
        int k = snprintf(buf + used, cap - used, "%s%d_%s", i ? ", " : "", i, m->layers[i].ops->word);
        if (k < 0) break;
        used += (size_t)k;
    }
}

cj_status cj_maximize_check(const cj_model *m, int layer, const int *units, int n_units, cj_error *err)
{
    char list[256];
    if (layer < 0 || layer >= m->n_layers) {
        layer_list(m, list, sizeof list);
        return cj_fail(err, CJ_ERR_ARG, "layer %d is out of range: the model's layers are 0 to %d (%s)", layer,
                       m->n_layers - 1, list);
    }
    for (int i = 0; i < m->n_layers; i++)
        if (cj_layer_is_recurrent(&m->layers[i]))
            return cj_fail(err, CJ_ERR_ARG, "layer %d (%s) is recurrent: activation maximisation needs a "
                           "feed-forward model", i, cj_layer_name(&m->layers[i]));
    if (n_units < 1) return cj_fail(err, CJ_ERR_ARG, "no units to maximise");
    const cj_layer *l = &m->layers[layer];
    for (int k = 0; k < n_units; k++)
        if (units[k] < 0 || units[k] >= l->out.c)
            return cj_fail(err, CJ_ERR_ARG, "unit %d is out of range: layer %d (%d_%s, output %dx%dx%d) has units 0 to "
                           "%d", units[k], layer, layer, l->ops->word, l->out.c, l->out.h, l->out.w, l->out.c - 1);
    return CJ_OK;
}

cj_status cj_maximize_find_layer(const cj_model *m, const char *text, int *layer, cj_error *err)
{
    char list[256], quoted[80];
    if (isdigit((unsigned char)text[0])) {
        char *end;
        errno = 0;
        long v = strtol(text, &end, 10);
        if (!*end && !errno && v < m->n_layers) {
            *layer = (int)v;
            return CJ_OK;
        }
    }
    for (int i = 0; i < m->n_layers; i++) {
        char name[64];
        cj_record_file_name(m, i, name, sizeof name); /* "3_conv2d.npy" */
        size_t stem = strlen(name) - 4;
        if (!strcmp(text, name) || (strlen(text) == stem && !strncmp(text, name, stem))) {
            *layer = i;
            return CJ_OK;
        }
    }
    layer_list(m, list, sizeof list);
    return cj_fail(err, CJ_ERR_ARG, "layer '%s' is not one of the model's layers 0 to %d (%s)",
                   cj_error_quote(text, quoted, sizeof quoted), m->n_layers - 1, list);
}

/* A whole number >= 0, all of [s, e), into *v. */
static int whole(const char *s, const char *e, long *v)
{
    if (s == e) return 0;
    long n = 0;
    for (const char *p = s; p < e; p++) {
        if (!isdigit((unsigned char)*p) || n > 100000000) return 0;
        n = 10 * n + (*p - '0');
    }
    *v = n;
    return 1;
}

cj_status cj_maximize_parse_units(const char *spec, int channels, int max_units, int **units, int *n_units,
                                  cj_error *err)
{
    char quoted[80], item[80];
    *units = NULL;
    *n_units = 0;
    const char *q = cj_error_quote(spec, quoted, sizeof quoted);
    if (!*spec) return cj_fail(err, CJ_ERR_ARG, "units: empty (give 7, 0,3,5, 0-9 or all)");
    /* A unit is asked for once at most, so the list never outgrows the layer. */
    int *u = malloc(sizeof(int) * (size_t)(channels > 0 ? channels : 1));
    char *seen = calloc((size_t)(channels > 0 ? channels : 1), 1);
    if (!u || !seen) {
        free(u);
        free(seen);
        return cj_fail(err, CJ_ERR_NOMEM, "units %s: out of memory", q);
    }
    int n = 0;
    cj_status st = CJ_OK;
    for (const char *s = spec; !st;) {
        const char *comma = strchr(s, ','), *e = comma ? comma : s + strlen(s);
        const char *dash = memchr(s, '-', (size_t)(e - s));
        long a = 0, b = 0;
        snprintf(item, sizeof item, "%.*s", (int)(e - s), s);
        if ((size_t)(e - s) == 3 && !strncmp(s, "all", 3)) a = 0, b = channels - 1;
        else if (dash ? !(whole(s, dash, &a) && whole(dash + 1, e, &b)) : !whole(s, e, &a))
            st = cj_fail(err, CJ_ERR_ARG, "units %s: '%s' is not a unit, a range A-B or all", q,
                         cj_error_quote(item, quoted, sizeof quoted));
        else if (!dash) b = a;
        if (!st && a > b)
            st = cj_fail(err, CJ_ERR_ARG, "units %s: the range '%s' runs backwards", q, item);
        if (!st && b >= channels)
            st = cj_fail(err, CJ_ERR_ARG, "units %s: unit %ld is out of range: the layer has units 0 to %d", q, b,
                         channels - 1);
        for (long k = a; !st && k <= b; k++) {
            if (seen[k]) continue;
            if (n == max_units)
                st = cj_fail(err, CJ_ERR_ARG, "units %s: more than %d units at once", q, max_units);
            else seen[k] = 1, u[n++] = (int)k;
        }
        if (!comma) break;
        s = comma + 1;
    }
    free(seen);
    if (st) {
        free(u);
        return st;
    }
    *units = u;
    *n_units = n;
    return CJ_OK;
}

/* The training inputs' map from pixels p in [0, 1]: x = (p - offset) * gain
 * (cj_source_set_scale, the same float operations). */
static void pixel_map(const cj_model_info *info, float *offset, float *gain)
{
    cj_source s = {0};
    cj_source_set_scale(&s, info->format, info->scale, info->scale_mean, info->scale_std);
    *offset = s.x_scaled ? s.x_offset : 0.0f;
    *gain = s.x_scaled ? s.x_gain : 1.0f;
}

int cj_maximize_box(const cj_model_info *info, float *lo, float *hi)
{
    if (info->format != CJ_DATA_IDX) return 0;
    float offset, gain;
    pixel_map(info, &offset, &gain);
    *lo = (0.0f - offset) * gain;
    *hi = (1.0f - offset) * gain;
    return 1;
}

void cj_maximize_to_pixels(const cj_model_info *info, float *x, int n, size_t size)
{
    if (info->format == CJ_DATA_IDX) {
        float offset, gain;
        pixel_map(info, &offset, &gain);
        for (size_t i = 0; i < (size_t)n * size; i++) {
            float p = x[i] / gain + offset;
            x[i] = p < 0 ? 0 : p > 1 ? 1 : p;
        }
        return;
    }
    /* Unknown pixels: each image from its own darkest to its brightest. */
    for (int k = 0; k < n; k++) {
        float *v = x + (size_t)k * size, lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < size; i++) lo = fminf(lo, v[i]), hi = fmaxf(hi, v[i]);
        for (size_t i = 0; i < size; i++) v[i] = hi > lo ? (v[i] - lo) / (hi - lo) : 0.5f;
    }
}
