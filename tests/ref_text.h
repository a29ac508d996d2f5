/* ref_text.h — reference files in the text format of tests/ref/'s .txt
 * files (rules_mlp.txt, losses.txt): a first comment line starting with
 * '#', then blocks "name count" followed by count whitespace-separated
 * numbers (read as double).
 *
 *     ref_text r;
 *     if (ref_text_load(&r, "tests/ref/losses.txt")) {
 *         const double *v = ref_text_get(&r, "poisson.loss", 1);  // NULL + failure if absent
 *         ...
 *         ref_text_free(&r);
 *     } */
#ifndef CAJAL_TEST_REF_TEXT_H
#define CAJAL_TEST_REF_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

enum { REF_TEXT_MAX_BLOCKS = 64 };

typedef struct {
    int n_blocks;
    char name[REF_TEXT_MAX_BLOCKS][40];
    int n[REF_TEXT_MAX_BLOCKS];
    double *v[REF_TEXT_MAX_BLOCKS];
} ref_text;

static inline void ref_text_free(ref_text *r)
{
    for (int i = 0; i < r->n_blocks; i++) free(r->v[i]);
    r->n_blocks = 0;
}

/* 1 when the file was read whole; otherwise 0 and the test fails. */
static inline int ref_text_load(ref_text *r, const char *path)
{
    memset(r, 0, sizeof *r);
    FILE *f = fopen(path, "r");
    if (!f) {
        test_fail("cannot open %s (see tools/ for the script that writes it)", path);
        return 0;
    }
    int c = fgetc(f), ok = 1;
    if (c == '#')
        while ((c = fgetc(f)) != EOF && c != '\n') {}
    else
        ungetc(c, f);
    char name[40];
    int n;
    while (ok && r->n_blocks < REF_TEXT_MAX_BLOCKS && fscanf(f, "%39s %d", name, &n) == 2) {
        double *v = n > 0 ? malloc(sizeof(double) * n) : NULL;
        ok = v != NULL;
        for (int i = 0; ok && i < n; i++) ok = fscanf(f, "%lf", &v[i]) == 1;
        if (!ok) {
            test_fail("%s: block '%s' (%d numbers) is truncated", path, name, n);
            free(v);
            break;
        }
        int k = r->n_blocks++;
        snprintf(r->name[k], sizeof r->name[k], "%s", name);
        r->n[k] = n;
        r->v[k] = v;
    }
    fclose(f);
    if (!ok) ref_text_free(r);
    return ok && r->n_blocks > 0;
}

/* Block `name`, which must hold n numbers; NULL (and a failure) otherwise. */
static inline const double *ref_text_get(const ref_text *r, const char *name, int n)
{
    for (int i = 0; i < r->n_blocks; i++)
        if (!strcmp(r->name[i], name)) {
            if (r->n[i] == n) return r->v[i];
            test_fail("reference '%s' has %d numbers, expected %d", name, r->n[i], n);
            return NULL;
        }
    test_fail("reference '%s' is missing", name);
    return NULL;
}

#endif
