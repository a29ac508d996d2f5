/* spec.c — items of list settings: a word, a count, key=value options
 * (include/cajal/spec.h). */
#include "cajal/spec.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cj_status cj_spec_fail(const cj_spec_args *a, cj_error *err, const char *fmt, ...)
{
    char what[CJ_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return cj_fail(err, CJ_ERR_CONFIG, "%s: item %d (%s): %s", a->setting, a->index, a->word, what);
}

/* A word where a count or an option belongs ("flatten dense 256", "dense
 * 256 relu") is most likely the next item with its comma left out: the
 * error says so. */
static int looks_like_a_word(const char *tok) { return (*tok >= 'a' && *tok <= 'z') || (*tok >= 'A' && *tok <= 'Z'); }

static const char comma_hint[] = " (a comma missing before it?)";

cj_status cj_spec_split(char *item, const char *setting, int index, cj_spec_args *a, cj_error *err)
{
    memset(a, 0, sizeof *a);
    a->setting = setting;
    a->index = index;
    char *save = NULL;
    a->word = strtok_r(item, " \t", &save);
    if (!a->word) return cj_fail(err, CJ_ERR_CONFIG, "%s: item %d is empty", setting, index);
    for (char *tok; (tok = strtok_r(NULL, " \t", &save));) {
        char *eq = strchr(tok, '=');
        if (!eq && !a->count && !a->n) {
            a->count = tok;
            continue;
        }
        if (!eq && a->count && looks_like_a_word(a->count))
            return cj_spec_fail(a, err, "unexpected '%s %s'%s", a->count, tok, comma_hint);
        if (!eq || eq == tok)
            return cj_spec_fail(a, err, "unexpected '%s'%s", tok, !eq && looks_like_a_word(tok) ? comma_hint : "");
        if (a->n == CJ_SPEC_MAX_OPTIONS) return cj_spec_fail(a, err, "more than %d options", CJ_SPEC_MAX_OPTIONS);
        *eq = '\0';
        a->keys[a->n] = tok;
        a->values[a->n++] = eq + 1;
    }
    return CJ_OK;
}

static int find_option(cj_spec_args *a, const char *key)
{
    for (int i = 0; i < a->n; i++)
        if (!strcmp(a->keys[i], key)) {
            a->used |= 1u << i;
            return i;
        }
    return -1;
}

const char *cj_spec_value(cj_spec_args *a, const char *key)
{
    int i = find_option(a, key);
    return i < 0 ? NULL : a->values[i];
}

cj_status cj_spec_int(cj_spec_args *a, const char *key, int def, int lo, int hi, int *out, cj_error *err)
{
    const char *s = cj_spec_value(a, key);
    if (!s) {
        *out = def;
        return CJ_OK;
    }
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return cj_spec_fail(a, err, "%s=%s is not a whole number from %d to %d", key, s, lo, hi);
    *out = (int)v;
    return CJ_OK;
}

cj_status cj_spec_float(cj_spec_args *a, const char *key, float def, float lo, float hi, float *out,
                        cj_error *err)
{
    const char *s = cj_spec_value(a, key);
    if (!s) {
        *out = def;
        return CJ_OK;
    }
    char *end;
    float v = strtof(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi)
        return cj_spec_fail(a, err, "%s=%s is not a number from %g to %g", key, s, lo, hi);
    *out = v;
    return CJ_OK;
}

cj_status cj_spec_choice(cj_spec_args *a, const char *key, const char *choices, int def, int *out, cj_error *err)
{
    const char *v = cj_spec_value(a, key);
    if (!v) {
        *out = def;
        return CJ_OK;
    }
    size_t len = strlen(v);
    int k = 0;
    for (const char *c = choices; *c; k++) {
        const char *bar = strchr(c, '|');
        size_t n = bar ? (size_t)(bar - c) : strlen(c);
        if (n == len && !strncmp(c, v, n)) {
            *out = k;
            return CJ_OK;
        }
        c += n + (bar ? 1 : 0);
    }
    return cj_spec_fail(a, err, "%s=%s is not one of %s", key, v, choices);
}

cj_status cj_spec_bool(cj_spec_args *a, const char *key, int def, int *out, cj_error *err)
{
    int k;
    cj_status st = cj_spec_choice(a, key, "false|true|0|1", def, &k, err);
    if (!st) *out = k % 2;
    return st;
}

cj_status cj_spec_count(cj_spec_args *a, int required, int def, const char *what, int *out, cj_error *err)
{
    a->count_used = 1;
    if (!a->count) {
        if (required)
            return cj_fail(err, CJ_ERR_CONFIG, "%s: item %d (%s) needs its %s, e.g. '%s 64'", a->setting, a->index,
                           a->word, what, a->word);
        *out = def;
        return CJ_OK;
    }
    char *end;
    errno = 0;
    long v = strtol(a->count, &end, 10);
    if (end == a->count || *end || errno || v < 1 || v > 1 << 24)
        return cj_spec_fail(a, err, "'%s' is not a positive size", a->count);
    *out = (int)v;
    return CJ_OK;
}

cj_status cj_spec_finish(const cj_spec_args *a, const char *options, cj_error *err)
{
    if (a->count && !a->count_used)
        return cj_spec_fail(a, err, "unexpected '%s'%s", a->count, looks_like_a_word(a->count) ? comma_hint : "");
    for (int i = 0; i < a->n; i++)
        if (!(a->used & 1u << i))
            return options ? cj_spec_fail(a, err, "unknown option '%s' (%s)", a->keys[i], options)
                           : cj_spec_fail(a, err, "unexpected '%s=%s'", a->keys[i], a->values[i]);
    return CJ_OK;
}
