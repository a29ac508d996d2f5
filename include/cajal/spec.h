/* spec.h — one item of a list setting: a word, an optional leading count
 * and key=value options, as in model.layers ("conv2d 32 kernel=5
 * padding=2") and data.task ("contextdm dt=20 delay=uniform:300:1500").
 * The layer or task the word names reads the options it knows with
 * cj_spec_*; cj_spec_finish then refuses whatever is left, listing the
 * options it does know, as PyTorch refuses an unexpected keyword.
 *
 *     cj_spec_args a;
 *     if (cj_spec_split(item, "model.layers", 2, &a, &err)) ...   // item is tokenised in place
 *     int k;
 *     if (cj_spec_int(&a, "kernel", 3, 1, 64, &k, &err)) ...
 *     if (cj_spec_finish(&a, "kernel=, stride=, padding=", &err)) ...
 *
 * Every message starts "<setting>: item <index> (<word>): ". */
#ifndef CAJAL_SPEC_H
#define CAJAL_SPEC_H

#include "cajal/status.h"

enum { CJ_SPEC_MAX_OPTIONS = 16 };

typedef struct {
    const char *setting;  /* the key the list came from, for messages: "model.layers" */
    int index;            /* position in the list, for messages */
    const char *word;     /* the item's first word */
    const char *count;    /* the leading bare number, or NULL */
    int n;
    const char *keys[CJ_SPEC_MAX_OPTIONS], *values[CJ_SPEC_MAX_OPTIONS];
    unsigned used;        /* bit i: option i was read */
    int count_used;       /* the count was read */
} cj_spec_args;

/* Split `item` (modified in place: a's strings point into it) at spaces
 * and tabs into its word, an optional bare count right after it, and
 * key=value options. An empty item, a second bare word, "=value" and more
 * than CJ_SPEC_MAX_OPTIONS options are CJ_ERR_CONFIG. */
cj_status cj_spec_split(char *item, const char *setting, int index, cj_spec_args *a, cj_error *err);

/* Option `key` as it was written (marked as read), or NULL when absent. */
const char *cj_spec_value(cj_spec_args *a, const char *key);
/* Option `key` as an integer in [lo, hi] (default `def` when absent). */
cj_status cj_spec_int(cj_spec_args *a, const char *key, int def, int lo, int hi, int *out, cj_error *err);
/* Option `key` as a float in [lo, hi]. */
cj_status cj_spec_float(cj_spec_args *a, const char *key, float def, float lo, float hi, float *out,
                        cj_error *err);
/* Option `key` as one of the '|'-separated words in `choices` ("relu|tanh"): its index. */
cj_status cj_spec_choice(cj_spec_args *a, const char *key, const char *choices, int def, int *out,
                         cj_error *err);
/* Option `key` as a boolean (true/false, 1/0). */
cj_status cj_spec_bool(cj_spec_args *a, const char *key, int def, int *out, cj_error *err);
/* The leading count as a positive integer; `what` names it in the error
 * when it is required and missing ("number of outputs"). */
cj_status cj_spec_count(cj_spec_args *a, int required, int def, const char *what, int *out, cj_error *err);

/* CJ_ERR_CONFIG about this item: "<setting>: item <index> (<word>): " + fmt. */
cj_status cj_spec_fail(const cj_spec_args *a, cj_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* After the item's reader took what it knows: a count or option it did
 * not read is CJ_ERR_CONFIG naming it and listing `options` (the reader's
 * own, e.g. "kernel=, stride=, padding="; NULL when it takes none). */
cj_status cj_spec_finish(const cj_spec_args *a, const char *options, cj_error *err);

#endif
