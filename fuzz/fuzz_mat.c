/* fuzz_mat.c — the .mat reader (libmatio underneath) on arbitrary bytes:
 * open, list the variables, and read each one as numbers and as text, then
 * its struct fields and cells (element 1, and the last element) two levels
 * down, as a user's expressions would. Any crash, hang, leak or sanitizer
 * report is a finding — in cajal's checks or in libmatio itself. The seeds
 * are the fixtures of tools/make_mat_fixtures.py. */
#include <stdio.h>
#include <string.h>

#include "cajal/mat.h"
#include "fuzz_common.h"

/* libmatio 1.5.23 leaks the matvar_t it made for a cell or field when a
 * corrupt file makes it give up half-way (regress_libmatio_cell_leak.mat):
 * a bug of libmatio's, not cajal's, so leaks allocated inside libmatio are
 * not findings. (cajal's own Mat_VarFree calls are checked by
 * tests/test_mat.c under LeakSanitizer, make test SANITIZE=1.) */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libmatio.so\n"; }

static void touch(cj_mat_file *f, const char *expr)
{
    cj_error err;
    cj_mat_array a;
    if (cj_mat_read(f, expr, CJ_MAT_F64, &a, &err) == CJ_OK) {
        volatile double sum = 0; /* every element, so a wrong numel shows */
        for (size_t k = 0; k < a.numel; k++) sum += ((double *)a.data)[k];
        (void)sum;
        cj_mat_array_free(&a);
        if (cj_mat_read(f, expr, CJ_MAT_F32, &a, &err) == CJ_OK) cj_mat_array_free(&a);
    }
    cj_mat_strings s;
    if (cj_mat_read_strings(f, expr, &s, &err) == CJ_OK) {
        volatile size_t len = 0;
        for (int k = 0; k < s.n; k++) len += strlen(s.s[k]);
        (void)len;
        cj_mat_strings_free(&s);
    }
}

static void walk(cj_mat_file *f, const char *expr, int depth)
{
    touch(f, expr);
    cj_mat_info info;
    cj_error err;
    if (depth >= 2 || cj_mat_info_of(f, expr, &info, &err) != CJ_OK || info.numel == 0) return;
    char sub[512];
    size_t last = info.numel;
    if (!strcmp(info.class_name, "struct")) {
        for (int k = 0; k < info.n_fields && k < 8; k++) {
            snprintf(sub, sizeof sub, "%s(1).%s", expr, info.fields[k]);
            walk(f, sub, depth + 1);
            snprintf(sub, sizeof sub, "%s(%zu).%s", expr, last, info.fields[k]);
            walk(f, sub, depth + 1);
        }
    } else if (!strcmp(info.class_name, "cell")) {
        snprintf(sub, sizeof sub, "%s{1}", expr);
        walk(f, sub, depth + 1);
        snprintf(sub, sizeof sub, "%s{%zu}", expr, last);
        walk(f, sub, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("input.mat", data, size);
    cj_mat_file *f;
    cj_error err;
    if (cj_mat_open(path, &f, &err) != CJ_OK) return 0;
    const char *const *names;
    int n = 0;
    cj_mat_names(f, &names, &n, &err);
    for (int i = 0; i < n && i < 16; i++) walk(f, names[i], 0);
    cj_mat_close(f);
    return 0;
}
