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

#endif
