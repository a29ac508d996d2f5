/* brain_cli.c — helpers shared by `cajal cka` and `cajal predict`
 * (brain_cli.h). */
#include "brain_cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cajal/files.h"

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
