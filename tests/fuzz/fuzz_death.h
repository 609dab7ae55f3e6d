/* The fuzz drivers' last words: a report function called when the process
 * dies (a sanitizer report, an abort, a fatal signal), shared by
 * replay_main.c and fuzz_pipeline.c. */
#ifndef TMC_TESTS_FUZZ_DEATH_H
#define TMC_TESTS_FUZZ_DEATH_H

/* Calls report before the process dies of SIGABRT, SIGFPE, SIGILL, SIGBUS
 * or SIGSEGV, or of a sanitizer's report. Under a sanitizer, SIGSEGV and
 * SIGBUS are left to it (it prints the stack trace, then calls report). */
void tmc_fuzz_on_death(void (*report)(void));

#endif
