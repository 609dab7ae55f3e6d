/* What every cmocka test binary shares (the C side of tests/testlib.sh).
 *
 * A test binary runs all of its tests or none. When something it needs is
 * absent (../shared, flatc, ...), its main() calls one of the tt_need_*
 * functions before any test runs; they print one line, "SKIP [name]: what is
 * missing", and exit TT_SKIP_CODE, which CTest reports as skipped
 * (SKIP_RETURN_CODE of every test, tests/CMakeLists.txt). cmocka's own
 * skip() exits 0, so CTest would print "Passed" for a test that did not run:
 * the tests do not use it, and every cmocka test is registered with cmocka's
 * "[  SKIPPED ]" line as a FAIL_REGULAR_EXPRESSION so that one slipping in
 * fails. A binary whose tests need different things takes a group argument
 * (tt_start) and is registered once per group. */
#ifndef TMC_TESTS_TESTLIB_H
#define TMC_TESTS_TESTLIB_H

#define TT_SKIP_CODE 77

/* Names the binary (and group) for messages; returns the group argument:
 * argv[1], or "" without one. An argument not in groups (NULL-terminated;
 * NULL for none) is a usage error: exit 2. */
const char *tt_start(int argc, char **argv, const char *const *groups);

/* Prints "SKIP [name]: <why>" (stdout, one line) and exits TT_SKIP_CODE. */
_Noreturn void tt_skip(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* $TMC_SHARED_DIR when it holds models/; otherwise tt_skip saying so. */
const char *tt_need_shared(void);

/* Skips unless the shell command probe exits 0; what names the tool and
 * its package ("flatc (Debian: flatbuffers-compiler)"). */
void tt_need_tool(const char *probe, const char *what);

/* Error expectations of the negative tests: whether a call that returned s
 * failed as want, with its diagnostic saying so and its message starting
 * "<subject>: " and holding every substring of subs (NULL-terminated). */
#include <stdbool.h>

#include "base/status.h"
bool tt_diag_has(const tmc_diag *d, tmc_status s, tmc_status want, const char *subject,
                 const char *const *subs);
/* Prints (cmocka's print_error) what how expected and what came. */
void tt_diag_report(const char *how, tmc_status s, const tmc_diag *d, tmc_status want,
                    const char *const *subs);

#endif
