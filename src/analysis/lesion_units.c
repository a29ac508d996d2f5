/* lesion_units.c — which units a lesion silences: "0-15", "3,7,9-12",
 * "random:N" (cj_lesion_parse_units in lesion.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/lesion.h"

static int ascending(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

void cj_lesion_draw_units(cj_rng *rng, int n_units, int n, int *units, int *scratch)
{
    for (int i = 0; i < n_units; i++) scratch[i] = i;
    cj_rng_shuffle(rng, scratch, (size_t)n_units);
    memcpy(units, scratch, sizeof(int) * (size_t)n);
    qsort(units, (size_t)n, sizeof(int), ascending);
}

/* A whole number >= 0 at *p (no sign, no space), advancing *p; -1 when
 * there is none or it does not fit an int. */
static long number(const char **p)
{
    if (**p < '0' || **p > '9') return -1;
    char *end;
    errno = 0;
    long v = strtol(*p, &end, 10);
    if (errno || v > 2147483647L) return -1;
    *p = end;
    return v;
}

static cj_status draw(const char *spec, int n_units, uint64_t seed, int *units, int *n, cj_error *err)
{
    const char *p = spec + 7;
    long k = number(&p);
    if (k < 1 || k > n_units || *p)
        return cj_fail(err, CJ_ERR_ARG, "units '%s': random:N needs N from 1 to %d (the layer's units)", spec,
                       n_units);
    int *scratch = malloc(sizeof(int) * (size_t)n_units);
    if (!scratch) return cj_fail(err, CJ_ERR_NOMEM, "units '%s': out of memory", spec);
    cj_rng rng;
    cj_rng_seed(&rng, seed ^ 0x6c6573696f6eULL);
    cj_lesion_draw_units(&rng, n_units, (int)k, units, scratch);
    free(scratch);
    *n = (int)k;
    return CJ_OK;
}

cj_status cj_lesion_parse_units(const char *spec, int n_units, uint64_t seed, int *units, int *n, cj_error *err)
{
    *n = 0;
    if (n_units < 1) return cj_fail(err, CJ_ERR_ARG, "units '%s': the layer has no units", spec);
    if (!strncmp(spec, "random:", 7)) return draw(spec, n_units, seed, units, n, err);
    if (!*spec) return cj_fail(err, CJ_ERR_ARG, "units '': no unit given (a list 3,7,9-12 or random:N)");
    /* Mark each unit named, then list the marks in order: each once. */
    unsigned char *on = calloc((size_t)n_units, 1);
    if (!on) return cj_fail(err, CJ_ERR_NOMEM, "units '%s': out of memory", spec);
    cj_status st = CJ_OK;
    for (const char *p = spec; !st;) {
        const char *part = p;
        int len = (int)strcspn(part, ",");
        long lo = number(&p), hi = lo;
        if (lo >= 0 && *p == '-') {
            p++;
            hi = number(&p);
        }
        if (lo < 0 || hi < 0 || (*p && *p != ','))
            st = cj_fail(err, CJ_ERR_ARG, "units '%s': '%.*s' is not a unit or a range A-B (or use random:N)", spec,
                         len, part);
        else if (hi < lo)
            st = cj_fail(err, CJ_ERR_ARG, "units '%s': range '%.*s' ends before it starts", spec, len, part);
        else if (hi >= n_units)
            st = cj_fail(err, CJ_ERR_ARG, "units '%s': '%.*s' is not a unit from 0 to %d", spec, len, part,
                         n_units - 1);
        for (long u = lo; !st && u <= hi; u++) on[u] = 1;
        if (st || !*p) break;
        p++; /* the comma */
    }
    for (int u = 0; !st && u < n_units; u++)
        if (on[u]) units[(*n)++] = u;
    free(on);
    return st;
}
