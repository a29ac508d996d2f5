/* args.c — command-line helpers shared by the subcommands. */
#include "args.h"

#include <stdio.h>
#include <string.h>

int cj_cli_option(int argc, char **argv, int *i, char *name, size_t len, const char **value)
{
    const char *a = argv[*i], *eq = strchr(a, '=');
    if (eq) {
        snprintf(name, len, "%.*s", (int)(eq - a), a);
        *value = eq + 1;
        return 1;
    }
    if (*i + 1 >= argc) return 0;
    snprintf(name, len, "%s", a);
    *value = argv[++*i];
    return 1;
}
