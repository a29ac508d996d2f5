/* cli_runner.h — run the `cajal` binary from a test and capture what it
 * prints, as a user would see it. */
#ifndef CAJAL_TEST_CLI_RUNNER_H
#define CAJAL_TEST_CLI_RUNNER_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cajal/files.h"

/* Run `cajal args` with stdout and stderr into out[0..len); returns the
 * exit status, or -1 if it could not run or was killed. The command line
 * is allocated, so long arguments reach cajal whole. */
static inline int run_cajal(const char *cajal, const char *args, char *out, size_t len)
{
    char *cmd = cj_path_printf("%s %s 2>&1", cajal, args);
    FILE *p = cmd ? popen(cmd, "r") : NULL;
    free(cmd);
    if (!p) return -1;
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Start `cajal argv...` in the background with stdout and stderr going to
 * the file `log`; returns its pid, or -1. */
static inline pid_t spawn_cajal(const char *cajal, char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid != 0) return pid;
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) _exit(127);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    execv(cajal, argv);
    _exit(127);
}

static inline int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* run_cajal with the arguments formatted printf-style. */
static inline int run_cajalf(const char *cajal, char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int run_cajalf(const char *cajal, char *out, size_t len, const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return run_cajal(cajal, args, out, len);
}

/* The output is one line and holds `text` (else it is printed). */
static inline int one_line_holding(const char *out, const char *text)
{
    int ok = count_lines(out) == 1 && strstr(out, text);
    if (!ok) printf("  output: %s", out);
    return ok;
}

/* Call a subcommand in-process (e.g. cj_cmd_plot) with its stdout and
 * stderr thrown away (error cases print on purpose); returns its status. */
static inline int run_command_quietly(int (*cmd)(int, char **), int argc, char **argv)
{
    fflush(stdout);
    fflush(stderr);
    int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    int rc = cmd(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    close(null);
    return rc;
}

#endif
