/* Status strings and first-failure diagnostics. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_text[] = {
#define TMC_X_STR(e, s) s,
    TMC_STATUS_LIST(TMC_X_STR)
#undef TMC_X_STR
};

const char *tmc_status_str(tmc_status s) {
  if ((unsigned)s >= (unsigned)TMC_STATUS_COUNT) return "unknown status";
  return status_text[s];
}

void tmc_diag_init(tmc_diag *d, const char *subject) {
  d->status = TMC_OK;
  d->subject = subject;
  d->msg[0] = '\0';
  d->n_lines = 0;
}

tmc_status tmc_fail(tmc_diag *d, tmc_status s, const char *fmt, ...) {
  if (d == NULL || d->status != TMC_OK) return d ? d->status : s;
  d->status = s;
  d->n_lines = 0;
  size_t n = 0;
  if (d->subject && d->subject[0]) {
    int k = snprintf(d->msg, sizeof d->msg, "%s: ", d->subject);
    n = k > 0 ? (size_t)k : 0;
    if (n >= sizeof d->msg) n = sizeof d->msg - 1;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->msg + n, sizeof d->msg - n, fmt, ap);
  va_end(ap);
  return s;
}

void tmc_diag_append(tmc_diag *d, const char *fmt, ...) {
  size_t n = strlen(d->msg);
  if (n + 1 >= sizeof d->msg) return;
  if (fmt[0] == '\n' && d->n_lines < TMC_DIAG_LINES_MAX)
    d->line_at[d->n_lines++] = (uint16_t)n;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->msg + n, sizeof d->msg - n, fmt, ap);
  va_end(ap);
}
