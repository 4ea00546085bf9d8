/* A minimal test harness for the C tests: no dependencies beyond libc. Each test is a
 * `static void test_x(void)`; a failed CHECK prints where and returns from the test. main()
 * prints "N passed, N failed" and exits non-zero on any failure. */
#ifndef RAFT_TEST_UTIL_H
#define RAFT_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raft.h"

static int g_failures;   /* CHECK failures in the running test */
static int g_passed;
static int g_failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            g_failures++;                                                             \
            return;                                                                   \
        }                                                                             \
    } while (0)

#define CHECK_STATUS(expr, want)                                                      \
    do {                                                                              \
        raft_status got_ = (expr);                                                    \
        if (got_ != (want)) {                                                         \
            fprintf(stderr, "%s:%d: %s returned %d (%s), want %d (%s)\n", __FILE__,  \
                    __LINE__, #expr, (int)got_, raft_status_str(got_), (int)(want),   \
                    raft_status_str(want));                                           \
            g_failures++;                                                             \
            return;                                                                   \
        }                                                                             \
    } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, RAFT_STATUS_OK)

#define RUN(test) run_test(#test, test)

static void run_test(const char *name, void (*fn)(void)) {
    g_failures = 0;
    fn();
    if (g_failures == 0) {
        g_passed++;
        printf("ok   %s\n", name);
    } else {
        g_failed++;
        printf("FAIL %s\n", name);
    }
}

static int finish(void) {
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}

#endif /* RAFT_TEST_UTIL_H */
