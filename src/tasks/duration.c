/* duration.c — NeuroGym-style timing distributions (include/cajal/tasks.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/tasks.h"

/* The numbers after "kind:" in text, at most max of them. */
static int parse_numbers(const char *text, float *v, int max, char *why, size_t why_len)
{
    int n = 0;
    const char *p = text;
    while (*p) {
        if (n == max) {
            snprintf(why, why_len, "more than %d values", max);
            return -1;
        }
        char *end;
        float x = strtof(p, &end);
        if (end == p || (*end && *end != ':') || !isfinite(x) || x < 0 || x > CJ_TASK_MAX_MS) {
            snprintf(why, why_len, "'%.*s' is not a duration in ms from 0 to %d", (int)strcspn(p, ":"), p,
                     CJ_TASK_MAX_MS);
            return -1;
        }
        v[n++] = x;
        p = *end ? end + 1 : end;
        if (*end && !*p) {
            snprintf(why, why_len, "it ends with ':'");
            return -1;
        }
    }
    return n;
}

cj_status cj_duration_parse(const char *text, cj_duration *d, char *why, size_t why_len)
{
    memset(d, 0, sizeof *d);
    static const struct {
        const char *prefix;
        cj_duration_kind kind;
        int min, max;
    } KINDS[] = {
        {"uniform:", CJ_DURATION_UNIFORM, 2, 2},
        {"choice:", CJ_DURATION_CHOICE, 1, CJ_DURATION_MAX_CHOICES},
        {"truncexp:", CJ_DURATION_TRUNCEXP, 3, 3},
    };
    const char *body = text;
    int min = 1, max = 1;
    d->kind = CJ_DURATION_CONSTANT;
    for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++)
        if (!strncmp(text, KINDS[k].prefix, strlen(KINDS[k].prefix))) {
            d->kind = KINDS[k].kind;
            body = text + strlen(KINDS[k].prefix);
            min = KINDS[k].min;
            max = KINDS[k].max;
        }
    if (!*body) {
        snprintf(why, why_len, "expected ms, uniform:LO:HI, choice:A:B:... or truncexp:MEAN:LO:HI");
        return CJ_ERR_CONFIG;
    }
    int n = parse_numbers(body, d->v, max > 1 ? max : 2, why, why_len);
    if (n < 0) return CJ_ERR_CONFIG;
    if (n < min || n > max) {
        if (d->kind == CJ_DURATION_CONSTANT)
            snprintf(why, why_len, "expected ms, uniform:LO:HI, choice:A:B:... or truncexp:MEAN:LO:HI");
        else
            snprintf(why, why_len, "%s takes %d%s value%s", d->kind == CJ_DURATION_UNIFORM ? "uniform" :
                     d->kind == CJ_DURATION_CHOICE ? "choice" : "truncexp", min,
                     min == max ? "" : " or more", min == 1 && max > 1 ? "" : "s");
        return CJ_ERR_CONFIG;
    }
    d->n = n;
    if (d->kind == CJ_DURATION_UNIFORM && d->v[0] > d->v[1]) {
        snprintf(why, why_len, "uniform:LO:HI needs LO <= HI");
        return CJ_ERR_CONFIG;
    }
    if (d->kind == CJ_DURATION_TRUNCEXP && (d->v[1] > d->v[2] || d->v[0] <= 0)) {
        snprintf(why, why_len, "truncexp:MEAN:LO:HI needs MEAN > 0 and LO <= HI");
        return CJ_ERR_CONFIG;
    }
    return CJ_OK;
}

float cj_duration_max(const cj_duration *d)
{
    switch (d->kind) {
    case CJ_DURATION_CONSTANT: return d->v[0];
    case CJ_DURATION_UNIFORM: return d->v[1];
    case CJ_DURATION_TRUNCEXP: return d->v[2];
    case CJ_DURATION_CHOICE: break;
    }
    float m = d->v[0];
    for (int i = 1; i < d->n; i++) m = d->v[i] > m ? d->v[i] : m;
    return m;
}

float cj_duration_draw(const cj_duration *d, cj_rng *rng)
{
    switch (d->kind) {
    case CJ_DURATION_CONSTANT: return d->v[0];
    case CJ_DURATION_UNIFORM: return d->v[0] + (d->v[1] - d->v[0]) * cj_rng_uniform(rng);
    case CJ_DURATION_CHOICE: return d->v[cj_rng_below(rng, (uint32_t)d->n)];
    case CJ_DURATION_TRUNCEXP: break;
    }
    /* Inverse CDF of the exponential truncated to [lo, hi]: one draw, no
     * rejection loop, the same distribution as NeuroGym's redrawing. */
    float mean = d->v[0], lo = d->v[1], hi = d->v[2];
    double a = exp(-lo / mean), b = exp(-hi / mean);
    double u = cj_rng_uniform(rng);
    double x = -mean * log(a - u * (a - b));
    return x < lo ? lo : x > hi ? hi : (float)x;
}

void cj_duration_format(const cj_duration *d, char *out, size_t len)
{
    static const char *PREFIX[] = {"", "uniform:", "choice:", "truncexp:"};
    size_t used = (size_t)snprintf(out, len, "%s", PREFIX[d->kind]);
    for (int i = 0; i < d->n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%g", i ? ":" : "", d->v[i]);
}
