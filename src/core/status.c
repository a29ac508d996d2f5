#include "cajal/status.h"

#include <stdarg.h>
#include <stdio.h>

cj_status cj_fail(cj_error *err, cj_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

const char *cj_status_name(cj_status code)
{
    switch (code) {
    case CJ_OK: return "ok";
    case CJ_ERR_IO: return "I/O error";
    case CJ_ERR_FORMAT: return "format error";
    case CJ_ERR_CONFIG: return "configuration error";
    case CJ_ERR_SHAPE: return "shape error";
    case CJ_ERR_NUMERIC: return "numerical error";
    case CJ_ERR_NOMEM: return "out of memory";
    case CJ_ERR_ARG: return "bad argument";
    case CJ_ERR_INTERRUPTED: return "interrupted";
    }
    return "unknown error";
}

const char *cj_error_quote(const char *s, char *buf, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 8 < cap && o < 64; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
        else buf[o++] = (char)c;
    }
    snprintf(buf + o, cap - o, "%s", *s ? "..." : "");
    return buf;
}

void cj_names_join(const void *const *tables, int n, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n && used < len; i++) {
        const char *name = *(const char *const *)tables[i]; /* the table's first member */
        int w = snprintf(out + used, len - used, "%s%s", i ? (i == n - 1 ? " or " : ", ") : "", name);
        if (w < 0) break;
        used += (size_t)w;
    }
}
