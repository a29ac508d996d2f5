/* cli_runner.h — run the `cajal` binary from a test and capture what it
 * prints, as a user would see it. */
#ifndef CAJAL_TEST_CLI_RUNNER_H
#define CAJAL_TEST_CLI_RUNNER_H

#include <stdio.h>
#include <sys/wait.h>

/* Run `cajal args` with stdout and stderr into out[0..len); returns the
 * exit status, or -1 if it could not run or was killed. */
static inline int run_cajal(const char *cajal, const char *args, char *out, size_t len)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", cajal, args);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static inline int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

#endif
