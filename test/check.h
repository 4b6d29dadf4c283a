/* A minimal test harness: each test file is its own program.
 *
 *   TEST(name) { CHECK(cond); CHECK_NEAR(a, b, tol); ... }
 *   int main(void) { RUN(name); ...; return check_summary(); }
 *
 * A test passes when none of its checks fail. Each failing check prints file:line and
 * the expression; the program ends with "N passed, N failed" (summed by test/run.sh).
 * Tests run from the repository root, so fixtures are at "test/fixtures/...". */
#ifndef SAMC_TEST_CHECK_H
#define SAMC_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures_in_test;
static int check_passed, check_failed;

#define TEST(name) static void name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);                   \
            check_failures_in_test++;                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("    %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);                   \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            check_failures_in_test++;                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double check_a_ = (a), check_b_ = (b);                                                     \
        if (!(fabs(check_a_ - check_b_) <= (tol))) {                                              \
            printf("    %s:%d: %s = %.9g, expected %s = %.9g (tol %g)\n", __FILE__, __LINE__, #a,  \
                   check_a_, #b, check_b_, (double)(tol));                                          \
            check_failures_in_test++;                                                              \
        }                                                                                          \
    } while (0)

#define RUN(name)                                                                                  \
    do {                                                                                           \
        check_failures_in_test = 0;                                                                \
        name();                                                                                    \
        if (check_failures_in_test) {                                                              \
            check_failed++;                                                                        \
            printf("FAIL %s\n", #name);                                                            \
        } else {                                                                                   \
            check_passed++;                                                                        \
            printf("ok   %s\n", #name);                                                            \
        }                                                                                          \
        fflush(stdout);                                                                            \
    } while (0)

static inline int check_summary(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
