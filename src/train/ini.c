/* ini.c — the INI reader behind experiment files (see ini.h; the syntax is
 * in docs/experiment-file.md). Lines have no length limit; an indented line
 * continues the value above it (appended, never replacing it); every error
 * names the file and line. */
#include "ini.h"

#include <stdlib.h>
#include <string.h>

#include "cajal/files.h"

typedef struct {
    const char *path;
    cj_ini_handler handler;
    void *user;
    cj_error *err;
    const char *section;  /* NULL before the first [section] */
    const char *key;      /* the key whose value is being read, or NULL */
    char *value;          /* its value so far (owned) */
    size_t value_len;
    long key_line;
} parser;

static int is_blank(char c) { return c == ' ' || c == '\t'; }

static int is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static char *trim(char *s)
{
    while (is_blank(*s)) s++;
    char *end = s + strlen(s);
    while (end > s && is_blank(end[-1])) *--end = '\0';
    return s;
}

/* A ';' after a blank starts a comment that runs to the end of the line
 * (inih's rule, so existing files keep their meaning). */
static void cut_inline_comment(char *s)
{
    if (!*s) return;
    for (char *p = s + 1; *p; p++)
        if (*p == ';' && is_blank(p[-1])) {
            *p = '\0';
            return;
        }
}

/* "name = ..." with a single-word name: an indented line of this form is a
 * key of its own, not a continuation (layer items never look like it). */
static int is_key_line(const char *s)
{
    const char *p = s;
    while (is_word_char(*p)) p++;
    if (p == s) return 0;
    while (is_blank(*p)) p++;
    return *p == '=';
}

/* "PATH: line N: <what> '<text>'", the text cut at 80 characters. */
static cj_status fail_at(parser *p, long line, const char *what, const char *text)
{
    return cj_fail(p->err, CJ_ERR_CONFIG, "%s: line %ld: %s '%.80s%s'", p->path, line, what, text,
                   strlen(text) > 80 ? "..." : "");
}

/* Hand the pending key, if any, to the handler. */
static cj_status flush(parser *p)
{
    if (!p->key) return CJ_OK;
    char *where = cj_path_printf("%s: line %ld: ", p->path, p->key_line);
    if (!where) return cj_fail(p->err, CJ_ERR_NOMEM, "%s: out of memory", p->path);
    cj_status st = p->handler(p->user, p->section, p->key, p->value ? p->value : "", where, p->err);
    free(where);
    free(p->value);
    p->value = NULL;
    p->value_len = 0;
    p->key = NULL;
    return st;
}

static cj_status append(parser *p, const char *text)
{
    size_t n = strlen(text), sep = p->value_len ? 1 : 0;
    char *v = realloc(p->value, p->value_len + sep + n + 1);
    if (!v) return cj_fail(p->err, CJ_ERR_NOMEM, "%s: out of memory", p->path);
    if (sep) v[p->value_len] = ' ';
    memcpy(v + p->value_len + sep, text, n + 1);
    p->value = v;
    p->value_len += sep + n;
    return CJ_OK;
}

static cj_status section_line(parser *p, char *s, long line)
{
    char *close = strchr(s, ']');
    if (!close) return fail_at(p, line, "missing ']' in", s);
    *close = '\0';
    char *rest = trim(close + 1);
    if (*rest && *rest != ';' && *rest != '#') return fail_at(p, line, "unexpected text after ']':", rest);
    p->section = trim(s + 1);
    char *where = cj_path_printf("%s: line %ld: ", p->path, line);
    if (!where) return cj_fail(p->err, CJ_ERR_NOMEM, "%s: out of memory", p->path);
    cj_status st = p->handler(p->user, p->section, NULL, NULL, where, p->err);
    free(where);
    return st;
}

static cj_status key_line(parser *p, char *s, long line)
{
    char *eq = strchr(s, '=');
    if (!eq) return fail_at(p, line, "not a [section] or key = value line:", s);
    *eq = '\0';
    char *key = trim(s), *value = eq + 1;
    if (!*key) return cj_fail(p->err, CJ_ERR_CONFIG, "%s: line %ld: no key before '='", p->path, line);
    if (!p->section) return fail_at(p, line, "key outside any [section]:", key);
    /* As in inih, a ';' opening the value is part of it, not a comment. */
    value = trim(value);
    cut_inline_comment(value);
    p->key = key;
    p->key_line = line;
    return append(p, trim(value));
}

static cj_status parse_line(parser *p, char *line, long n)
{
    size_t len = strlen(line);
    if (len && line[len - 1] == '\r') line[len - 1] = '\0';
    int indented = is_blank(line[0]);
    char *s = trim(line);
    if (!*s) return flush(p);  /* a blank line ends a value */
    if (*s == '#' || *s == ';') return CJ_OK;
    if (indented && p->key && *s != '[' && !is_key_line(s)) {
        cut_inline_comment(s);
        return append(p, trim(s));
    }
    cj_status st = flush(p);
    if (st) return st;
    return *s == '[' ? section_line(p, s, n) : key_line(p, s, n);
}

cj_status cj_ini_parse(const char *text, size_t len, const char *path, cj_ini_handler handler, void *user,
                       cj_error *err)
{
    /* Split a private copy in place; section and key names point into it. */
    char *copy = malloc(len + 1);
    if (!copy) return cj_fail(err, CJ_ERR_NOMEM, "%s: out of memory", path);
    memcpy(copy, text, len);
    copy[len] = '\0';
    parser p = {path, handler, user, err, NULL, NULL, NULL, 0, 0};
    char *line = copy;
    if (!strncmp(line, "\xEF\xBB\xBF", 3)) line += 3;  /* UTF-8 byte-order mark */
    cj_status st = CJ_OK;
    for (long n = 1; !st && line; n++) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        st = parse_line(&p, line, n);
        line = nl ? nl + 1 : NULL;
    }
    if (!st) st = flush(&p);
    free(p.value);
    free(copy);
    return st;
}
