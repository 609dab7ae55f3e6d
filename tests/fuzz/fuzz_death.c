/* The fuzz drivers' crash report hook (fuzz_death.h). */
#define _POSIX_C_SOURCE 200809L
#include "fuzz_death.h"

#include <signal.h>
#include <stddef.h>
#include <string.h>

extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static void (*report_fn)(void);

static void on_signal(int sig) {
  report_fn();
  signal(sig, SIG_DFL);
  raise(sig);
}

void tmc_fuzz_on_death(void (*report)(void)) {
  static const int sigs[] = {SIGABRT, SIGFPE, SIGILL, SIGBUS, SIGSEGV};
  int sanitized = __sanitizer_set_death_callback != NULL;
  report_fn = report;
  if (sanitized) __sanitizer_set_death_callback(report);
  for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) {
    /* The sanitizers report SIGSEGV and SIGBUS themselves, then call
     * report; replacing their handlers would lose the stack trace. */
    if (sanitized && (sigs[k] == SIGSEGV || sigs[k] == SIGBUS)) continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sigs[k], &sa, NULL);
  }
}
