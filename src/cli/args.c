/* args.c — command-line helpers shared by the subcommands. */
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cajal/blas.h"

/* Copy an option name; one too long for `name` keeps its start and ends in
 * "...", so it can never be taken for a (shorter) known option. */
static void copy_name(char *name, size_t len, const char *a, size_t n)
{
    if (n < len) {
        memcpy(name, a, n);
        name[n] = '\0';
    } else if (len > 3) {
        snprintf(name, len, "%.*s...", (int)(len - 4), a);
    } else if (len) {
        name[0] = '\0';
    }
}

int cj_cli_parse_u64(const char *text, uint64_t *out)
{
    if (!isdigit((unsigned char)text[0])) return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end || errno) return 0;
    *out = v;
    return 1;
}

int cj_cli_option(int argc, char **argv, int *i, char *name, size_t len, const char **value)
{
    const char *a = argv[*i], *eq = strchr(a, '=');
    if (eq) {
        copy_name(name, len, a, (size_t)(eq - a));
        *value = eq + 1;
        return 1;
    }
    if (*i + 1 >= argc) return 0;
    copy_name(name, len, a, strlen(a));
    *value = argv[++*i];
    return 1;
}

void cj_cli_note_blas(FILE *f, const char *who)
{
    const char *forced = getenv("OPENBLAS_CORETYPE"), *best = cj_blas_best_kernels();
    if (!forced || !best || getenv(CJ_CLI_BLAS_DETECTED_ENV)) return; /* cajal's own choice */
    int tier = cj_blas_kernel_tier(cj_blas_kernels());
    if (tier < 0 || tier >= cj_blas_kernel_tier(best)) return;
    fprintf(f, "%s: note: OPENBLAS_CORETYPE=%s runs OpenBLAS's %s kernels; this CPU supports %s "
               "(unset OPENBLAS_CORETYPE for faster matrix products)\n",
            who, forced, cj_blas_kernels(), best);
}

int cj_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}
