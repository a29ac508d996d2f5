/* harness.h — a minimal test harness. Each tests/test_*.c is a program:
 *
 *     TEST(dense_matches_reference) { CHECK_NEAR(y, 1.5, 1e-6); }
 *     int main(void) { RUN(dense_matches_reference); return test_summary("dense"); }
 *
 * A test passes when none of its checks fail. test_summary prints one line
 * per program, "RESULT <name> <passed> <failed>", which tests/run.sh adds up
 * into the closing "N passed, N failed" line. Tests run from the project
 * root, so paths such as tests/ref/... and ../shared/data/... work. */
#ifndef CAJAL_TEST_HARNESS_H
#define CAJAL_TEST_HARNESS_H

#include <math.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>

static int harness_passed, harness_failed, harness_current_failed;
static const char *harness_current;

#define TEST(name) static void name(void)

#define RUN(name)                                                  \
    do {                                                           \
        harness_current = #name;                                   \
        harness_current_failed = 0;                                \
        name();                                                    \
        if (harness_current_failed) {                              \
            harness_failed++;                                      \
            printf("FAIL %s\n", #name);                            \
        } else {                                                   \
            harness_passed++;                                      \
            printf("ok   %s\n", #name);                            \
        }                                                          \
    } while (0)

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            printf("  %s:%d: %s: check failed: %s\n", __FILE__, __LINE__,             \
                   harness_current, #cond);                                           \
            harness_current_failed = 1;                                               \
        }                                                                             \
    } while (0)

/* |a - b| <= tol, reporting both values on failure. */
#define CHECK_NEAR(a, b, tol)                                                          \
    do {                                                                               \
        double ha_ = (double)(a), hb_ = (double)(b);                                   \
        if (!(fabs(ha_ - hb_) <= (double)(tol))) {                                     \
            printf("  %s:%d: %s: %s = %.9g, expected %s = %.9g (tol %g)\n", __FILE__,  \
                   __LINE__, harness_current, #a, ha_, #b, hb_, (double)(tol));        \
            harness_current_failed = 1;                                                \
        }                                                                              \
    } while (0)

/* Fail the current test with a printf-style message (for checks whose
 * failure needs more than the expression to explain it). */
static inline void __attribute__((format(printf, 1, 2))) test_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("  %s: ", harness_current);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    harness_current_failed = 1;
}

static inline int test_summary(const char *program)
{
    printf("RESULT %s %d %d\n", program, harness_passed, harness_failed);
    return harness_failed ? 1 : 0;
}

/* Largest |a_i - b_i| relative to max(1, |b|_inf): one number to compare a
 * whole tensor against a reference. */
static inline double max_rel_diff(const float *a, const float *b, size_t n)
{
    double scale = 1.0, worst = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(b[i]) > scale) scale = fabs(b[i]);
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= worst)) worst = d;  /* NaN propagates as a failure */
    }
    return worst / scale;
}

/* The same for doubles (references read from text in double). */
static inline double max_rel_diff_d(const double *a, const double *b, size_t n)
{
    double scale = 1.0, worst = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(b[i]) > scale) scale = fabs(b[i]);
    for (size_t i = 0; i < n; i++) {
        double d = fabs(a[i] - b[i]);
        if (!(d <= worst)) worst = d;  /* NaN propagates as a failure */
    }
    return worst / scale;
}

/* A float copy of n doubles (malloc'd; the caller frees it). */
static inline float *floats_from_doubles(const double *v, size_t n)
{
    float *f = malloc(sizeof(float) * (n ? n : 1));
    for (size_t i = 0; f && i < n; i++) f[i] = (float)v[i];
    return f;
}

#endif
