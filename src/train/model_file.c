/* model_file.c — the metadata that makes model.safetensors self-contained
 * (include/cajal/model_file.h): written with every save, read back to
 * rebuild the network without its experiment file. Every value is a
 * string, as the safetensors format requires; numbers are printed so that
 * they read back exactly (floats with 9 significant digits). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/model_file.h"

#ifndef CJ_VERSION
#define CJ_VERSION "unknown"
#endif

/* Counts and sizes are bounded as in model.layers (docs/experiment-file.md). */
enum { MAX_DIM = 16777216 };

cj_status cj_model_save_info(cj_model *m, const cj_model_info *info, const char *path, cj_error *err)
{
    char shape[48], classes[16], mean[32], sd[32], epoch[16], step[24], seed[24];
    snprintf(shape, sizeof shape, "%d,%d,%d", info->input.c, info->input.h, info->input.w);
    snprintf(classes, sizeof classes, "%d", info->classes);
    snprintf(mean, sizeof mean, "%.9g", info->scale_mean);
    snprintf(sd, sizeof sd, "%.9g", info->scale_std);
    snprintf(epoch, sizeof epoch, "%d", info->epoch);
    snprintf(step, sizeof step, "%ld", info->step);
    snprintf(seed, sizeof seed, "%" PRIu64, info->seed);
    const cj_meta_entry meta[] = {
        {"format", "cajal"},
        {"cajal_version", CJ_VERSION},
        {"layers", info->layers},
        {"input_shape", shape},
        {"classes", classes},
        {"objective", info->loss->name},
        {"rule", cj_rule_name(info->rule)},
        {"data_format", cj_data_format_name(info->format)},
        {"targets", cj_target_kind_name(info->targets)},
        {"sequence", info->sequence ? "true" : "false"},
        {"scale", cj_pixel_scale_name(info->scale)},
        {"scale_mean", mean},
        {"scale_std", sd},
        {"epoch", epoch},
        {"step", step},
        {"seed", seed},
        {"task", info->task},
    };
    /* "task" only for models trained on tasks: the last entry. */
    int n = (int)(sizeof meta / sizeof meta[0]) - !info->task[0];
    return cj_model_save_meta(m, path, n, meta, err);
}

/* ---- reading -------------------------------------------------------------- */

/* What a reader is told to do with a file cajal eval cannot use alone. */
#define NO_METADATA_HINT                                                                               \
    "; cajal eval needs the layers and input shape cajal train records: load it with model.init in an " \
    "experiment file with the same model.layers instead"

static cj_status check_format(const cj_safetensors *st, const char *path, cj_error *err)
{
    const char *format = cj_safetensors_meta(st, "format");
    char buf[96];
    if (!format)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: no cajal metadata (written by another tool or an older cajal?)%s",
                       path, NO_METADATA_HINT);
    if (strcmp(format, "cajal"))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: metadata format = '%s', not 'cajal' (written by another tool?)%s",
                       path, cj_error_quote(format, buf, sizeof buf), NO_METADATA_HINT);
    return CJ_OK;
}

/* The value of a key every cajal model file has. */
static cj_status need(const cj_safetensors *st, const char *path, const char *key, const char **value,
                      cj_error *err)
{
    if (!(*value = cj_safetensors_meta(st, key)))
        return cj_fail(err, CJ_ERR_FORMAT, "%s: metadata key '%s' is missing (not a whole cajal model file?)",
                       path, key);
    return CJ_OK;
}

static cj_status malformed(const char *path, const char *key, const char *value, const char *expected,
                           cj_error *err)
{
    char buf[96];
    return cj_fail(err, CJ_ERR_FORMAT, "%s: metadata %s = '%s' is not %s", path, key, cj_error_quote(value, buf, sizeof buf),
                   expected);
}

/* A whole number in [lo, hi], all of the string. */
static int parse_whole(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    /* strtoll would also take leading blanks and a '+'. */
    int digit = s[0] == '-' || (s[0] >= '0' && s[0] <= '9');
    if (!digit || end == s || *end || errno || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

static cj_status get_whole(const cj_safetensors *st, const char *path, const char *key, long long lo,
                           long long hi, long long *out, cj_error *err)
{
    const char *v;
    cj_status s = need(st, path, key, &v, err);
    if (s) return s;
    if (parse_whole(v, lo, hi, out)) return CJ_OK;
    char expected[96];
    snprintf(expected, sizeof expected, "a whole number from %lld to %lld", lo, hi);
    return malformed(path, key, v, expected, err);
}

static cj_status get_u64(const cj_safetensors *st, const char *path, const char *key, uint64_t *out,
                         cj_error *err)
{
    const char *v;
    cj_status s = need(st, path, key, &v, err);
    if (s) return s;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (end == v || *end || errno || v[0] < '0' || v[0] > '9')
        return malformed(path, key, v, "a non-negative whole number", err);
    *out = x;
    return CJ_OK;
}

/* A finite float, non-negative when `nonneg` (a mean of .npy inputs may
 * be negative; a standard deviation never is). */
static cj_status get_float(const cj_safetensors *st, const char *path, const char *key, int nonneg, float *out,
                           cj_error *err)
{
    const char *v;
    cj_status s = need(st, path, key, &v, err);
    if (s) return s;
    char *end;
    float x = strtof(v, &end);
    const char *digits = v[0] == '-' && !nonneg ? v + 1 : v;
    if (end == v || *end || !isfinite(x) || (nonneg && x < 0) ||
        !(digits[0] == '.' || (digits[0] >= '0' && digits[0] <= '9')))
        return malformed(path, key, v, nonneg ? "a finite non-negative number" : "a finite number", err);
    *out = x;
    return CJ_OK;
}

/* "C,H,W", three whole numbers from 1 to MAX_DIM, nothing else. */
static cj_status get_shape(const cj_safetensors *st, const char *path, cj_shape *shape, cj_error *err)
{
    const char *v;
    cj_status s = need(st, path, "input_shape", &v, err);
    if (s) return s;
    int dims[3], n = 0;
    for (const char *p = v; n < 3; n++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char part[24];
        long long x;
        /* Commas after the second, or none before the third number, fail here. */
        if (len == 0 || len >= sizeof part || (n < 2) != (comma != NULL)) break;
        memcpy(part, p, len);
        part[len] = '\0';
        if (!parse_whole(part, 1, MAX_DIM, &x)) break;
        dims[n] = (int)x;
        p = comma ? comma + 1 : p + len;
    }
    if (n != 3) return malformed(path, "input_shape", v, "C,H,W (three whole numbers from 1 to 16777216)", err);
    *shape = (cj_shape){dims[0], dims[1], dims[2]};
    return CJ_OK;
}

/* A name one of the library's parsers knows (objective, rule, scale). */
static cj_status get_named(const cj_safetensors *st, const char *path, const char *key,
                           cj_status (*parse)(const char *, void *, cj_error *), void *out, cj_error *err)
{
    const char *v;
    cj_status s = need(st, path, key, &v, err);
    if (s) return s;
    cj_error inner;
    if ((s = parse(v, out, &inner))) return cj_fail(err, CJ_ERR_FORMAT, "%s: metadata %s: %s", path, key, inner.msg);
    return CJ_OK;
}

static cj_status parse_loss(const char *v, void *out, cj_error *err) { return cj_objective_parse(v, out, err); }
static cj_status parse_rule(const char *v, void *out, cj_error *err) { return cj_rule_parse(v, out, err); }
static cj_status parse_scale(const char *v, void *out, cj_error *err) { return cj_pixel_scale_parse(v, out, err); }
static cj_status parse_format(const char *v, void *out, cj_error *err) { return cj_data_format_parse(v, out, err); }
static cj_status parse_targets(const char *v, void *out, cj_error *err) { return cj_target_kind_parse(v, out, err); }
static cj_status parse_flag(const char *v, void *out, cj_error *err)
{
    if (!strcmp(v, "true") || !strcmp(v, "false")) {
        *(int *)out = v[0] == 't';
        return CJ_OK;
    }
    return cj_fail(err, CJ_ERR_FORMAT, "'%s' is not true or false", v);
}

/* A key that files by an older cajal lack: absent keeps *out's default. */
static cj_status get_optional(const cj_safetensors *st, const char *path, const char *key,
                              cj_status (*parse)(const char *, void *, cj_error *), void *out, cj_error *err)
{
    if (!cj_safetensors_meta(st, key)) return CJ_OK;
    return get_named(st, path, key, parse, out, err);
}

static cj_status get_text(const cj_safetensors *st, const char *path, const char *key, char *dst, size_t cap,
                          cj_error *err)
{
    const char *v;
    cj_status s = need(st, path, key, &v, err);
    if (s) return s;
    size_t len = strlen(v);
    if (len >= cap)
        return cj_fail(err, CJ_ERR_FORMAT, "%s: metadata %s is %zu characters long (%zu at most)", path, key, len,
                       cap - 1);
    memcpy(dst, v, len + 1);
    return CJ_OK;
}

cj_status cj_model_info_read(const cj_safetensors *st, const char *path, cj_model_info *info, cj_error *err)
{
    memset(info, 0, sizeof *info);
    long long classes = 0, epoch = 0, step = 0;
    cj_status s = check_format(st, path, err);
    if (!s) s = get_text(st, path, "cajal_version", info->version, sizeof info->version, err);
    if (!s) s = get_text(st, path, "layers", info->layers, sizeof info->layers, err);
    if (!s) s = get_shape(st, path, &info->input, err);
    if (!s) s = get_whole(st, path, "classes", 1, MAX_DIM, &classes, err);
    if (!s) s = get_named(st, path, "objective", parse_loss, &info->loss, err);
    if (!s) s = get_named(st, path, "rule", parse_rule, &info->rule, err);
    if (!s) s = get_optional(st, path, "data_format", parse_format, &info->format, err);
    if (!s) s = get_optional(st, path, "targets", parse_targets, &info->targets, err);
    if (!s) s = get_optional(st, path, "sequence", parse_flag, &info->sequence, err);
    if (!s) s = get_named(st, path, "scale", parse_scale, &info->scale, err);
    if (!s) s = get_float(st, path, "scale_mean", 0, &info->scale_mean, err);
    if (!s) s = get_float(st, path, "scale_std", 1, &info->scale_std, err);
    if (!s) s = get_whole(st, path, "epoch", 0, 2147483647, &epoch, err);
    if (!s) s = get_whole(st, path, "step", 0, INT64_MAX, &step, err);
    if (!s) s = get_u64(st, path, "seed", &info->seed, err);
    if (!s && cj_safetensors_meta(st, "task")) s = get_text(st, path, "task", info->task, sizeof info->task, err);
    if (!s && info->format == CJ_DATA_TASK && !info->task[0])
        s = cj_fail(err, CJ_ERR_FORMAT, "%s: metadata data_format = task but no task", path);
    info->classes = (int)classes;
    info->epoch = (int)epoch;
    info->step = (long)step;
    return s;
}

/* The network the metadata describes, checked against its classes. */
static cj_status build_model(const cj_model_info *info, const char *path, int max_steps, int max_batch, cj_model *m,
                             cj_error *err)
{
    cj_error inner;
    char buf[96];
    cj_status st = max_steps > 1 ? cj_model_create_seq(m, info->layers, info->input, max_steps, max_batch, &inner)
                                 : cj_model_create(m, info->layers, info->input, max_batch, &inner);
    if (st)
        return cj_fail(err, inner.code, "%s: metadata layers = '%s': %s", path,
                       cj_error_quote(info->layers, buf, sizeof buf), inner.msg);
    int n_out = (int)cj_shape_size(cj_model_output_shape(m));
    /* Labels need an output per class (exactly, for MSE against one-hot
     * codes); values and counts one output per value. */
    int exact = info->targets != CJ_TARGET_LABELS || info->loss == &cj_mse_ops;
    if (n_out < info->classes || (exact && n_out != info->classes)) {
        cj_model_free(m);
        return cj_fail(err, CJ_ERR_FORMAT, "%s: metadata classes = '%d' but the layers end with %d outputs", path,
                       info->classes, n_out);
    }
    return CJ_OK;
}

cj_status cj_model_file_info(const char *path, cj_model_info *info, cj_error *err)
{
    cj_safetensors file;
    cj_status s = cj_safetensors_read(path, &file, err);
    if (s) return s;
    s = cj_model_info_read(&file, path, info, err);
    cj_safetensors_free(&file);
    return s;
}

cj_status cj_model_from_file_seq(const char *path, int max_steps, int max_batch, cj_model *m, cj_model_info *info,
                                 cj_error *err)
{
    memset(m, 0, sizeof *m);
    cj_safetensors file;
    cj_status s = cj_safetensors_read(path, &file, err);
    if (s) return s;
    s = cj_model_info_read(&file, path, info, err);
    if (!s) s = build_model(info, path, max_steps, max_batch, m, err);
    if (!s && (s = cj_model_set_params(m, &file, path, err))) cj_model_free(m);
    cj_safetensors_free(&file);
    return s;
}

cj_status cj_model_from_file(const char *path, int max_batch, cj_model *m, cj_model_info *info, cj_error *err)
{
    return cj_model_from_file_seq(path, 1, max_batch, m, info, err);
}
