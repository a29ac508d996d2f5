/* brain_cli.c — helpers shared by `cajal cka` and `cajal predict`
 * (brain_cli.h). */
#include "args.h"
#include "brain_cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cajal/files.h"
#include "cajal/npy.h"

char *cj_brain_default_out(const char *acts, const char *name)
{
    size_t len = strlen(acts);
    while (len > 1 && acts[len - 1] == '/') len--; /* "runs/cnn/acts/" */
    const char *slash = NULL;
    for (size_t i = 0; i < len; i++)
        if (acts[i] == '/') slash = acts + i;
    if (!slash) return cj_path_printf("%s", name);
    return cj_path_printf("%.*s/%s", (int)(slash - acts), slash == acts ? "/" : acts, name);
}

const char *cj_brain_short_dir(const char *dir)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;
    int slashes = 0;
    for (size_t i = len; i-- > 0;)
        if (dir[i] == '/' && ++slashes == 2) return dir + i + 1;
    return dir;
}

void cj_brain_csv_num(FILE *f, double v)
{
    if (isnan(v)) fputs("nan", f);
    else if (isinf(v)) fputs(v > 0 ? "inf" : "-inf", f);
    else fprintf(f, "%.9g", v);
}

int cj_brain_int(const char *who, const char *name, const char *text, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "%s: %s '%s' is not a whole number from %ld to %ld\n", who, name, text, lo, hi);
        return 0;
    }
    *out = (int)v;
    return 1;
}

int cj_brain_positive(const char *who, const char *name, const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || !isfinite(v) || v <= 0) {
        fprintf(stderr, "%s: %s '%s' is not a number > 0\n", who, name, text);
        return 0;
    }
    *out = v;
    return 1;
}

int cj_brain_known_option(const char *arg, const char *const *names)
{
    size_t len = strcspn(arg, "=");
    for (; *names; names++)
        if (strlen(*names) == len && !strncmp(*names, arg, len)) return 1;
    return 0;
}

int cj_brain_parse_args(const cj_brain_args *a, int argc, char **argv, const char **input, int *quiet)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        char name[32];
        if (!strcmp(arg, "--quiet") || !strcmp(arg, "-q")) {
            *quiet = 1;
        } else if (a->flags && cj_brain_known_option(arg, a->flags) && !strchr(arg, '=')) {
            int rc = a->set(a->ctx, arg, NULL);
            if (rc) return rc;
        } else if (arg[0] == '-' && arg[1]) {
            if (!cj_brain_known_option(arg, a->valued)) {
                fprintf(stderr, "%s: unknown option '%.*s' (see '%s --help')\n", a->who, (int)strcspn(arg, "="), arg,
                        a->who);
                return 2;
            }
            if (!cj_cli_option(argc, argv, &i, name, sizeof name, &v)) {
                fprintf(stderr, "%s: option '%s' needs a value (see '%s --help')\n", a->who, arg, a->who);
                return 2;
            }
            int rc = a->set(a->ctx, name, v);
            if (rc) return rc;
        } else if (!*input) {
            *input = arg;
        } else {
            fprintf(stderr, "%s: unexpected argument '%s' (%s)\n", a->who, arg, a->input_what);
            return 2;
        }
    }
    return 0;
}

int cj_brain_load_beside(const char *who, const char *in, const char *suffix, int d, int d_first, float **out, int *size)
{
    *out = NULL;
    size_t len = strlen(in);
    if (len < 5 || strcmp(in + len - 4, ".npy")) return 0;
    char *path = malloc(len + strlen(suffix) + 1);
    if (!path) return 0;
    memcpy(path, in, len - 4);
    strcpy(path + len - 4, suffix);
    FILE *f = fopen(path, "rb");
    if (!f) {
        free(path);
        return 0;
    }
    fclose(f);
    cj_error err = {0};
    cj_npy_array a;
    if (cj_npy_read(path, CJ_NPY_F32, &a, &err)) {
        fprintf(stderr, "%s: %s\n", who, err.msg);
        free(path);
        return 1;
    }
    int64_t sq = a.ndim == 2 ? a.shape[d_first ? 1 : 0] : 0, dd = a.ndim == 2 ? a.shape[d_first ? 0 : 1] : 0;
    int s = sq > 0 && sq <= 65536 ? (int)lround(sqrt((double)sq)) : 0;
    if (a.ndim != 2 || dd != d || s < 1 || (int64_t)s * s != sq) {
        char want[32];
        snprintf(want, sizeof want, d_first ? "[%d, S*S]" : "[S*S, %d]", d);
        fprintf(stderr, "%s: %s has shape [%lld, %lld], not %s for the %d input dims\n", who, path,
                (long long)(a.ndim >= 1 ? a.shape[0] : 0), (long long)(a.ndim == 2 ? a.shape[1] : 0), want, d);
        cj_npy_free(&a);
        free(path);
        return 1;
    }
    free(path);
    *out = a.data, *size = s;
    return 0;
}

double cj_brain_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

const char *cj_brain_unprefixed(const char *msg, const char *noun)
{
    size_t n = strlen(noun);
    return !strncmp(msg, noun, n) && msg[n] == ':' && msg[n + 1] == ' ' ? msg + n + 2 : msg;
}

void cj_brain_progress_start(cj_brain_progress *p, const char *who, const char *what, int quiet)
{
    p->who = who;
    p->what = what;
    p->start = cj_brain_now();
    p->last = p->start - 1.0; /* the first line after 1 s */
    p->quiet = quiet;
}

void cj_brain_progress_tick(cj_brain_progress *p, long done, long total)
{
    double t = cj_brain_now();
    if (p->quiet || done >= total || t - p->last < 2.0) return;
    p->last = t;
    double left = done > 0 ? (t - p->start) * (double)(total - done) / done : NAN;
    fprintf(stderr, "%s: %ld of %ld %s (%.0f%%), %.1f s", p->who, done, total, p->what, 100.0 * done / total,
            t - p->start);
    if (isfinite(left)) fprintf(stderr, ", about %.0f s to go", left);
    fputc('\n', stderr);
}
