/* metrics_fixture.h — reading a run's metrics.jsonl in tests.
 *
 *     cJSON *j = metrics_line("runs/x", 2);   // the third epoch's line
 *     double acc = json_num(j, "test_acc");     // NaN when absent or null
 *     cJSON_Delete(j);
 */
#ifndef CAJAL_TEST_METRICS_FIXTURE_H
#define CAJAL_TEST_METRICS_FIXTURE_H

#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fixtures.h"

/* Line n (0-based) of run/metrics.jsonl, parsed; NULL if absent. */
static inline cJSON *metrics_line(const char *run, int n)
{
    char *path = cj_path_join(run, "metrics.jsonl"), *text = path ? fixture_read(path, NULL) : NULL;
    free(path);
    if (!text) return NULL;
    char *line = text;
    for (int i = 0; i < n && line; i++)
        if ((line = strchr(line, '\n'))) line++;
    cJSON *j = line && *line ? cJSON_Parse(line) : NULL;
    free(text);
    return j;
}

/* A number field of j; NaN when it is absent or not a number. */
static inline double json_num(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static inline int json_is_null(const cJSON *j, const char *key)
{
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, key));
}

#endif
