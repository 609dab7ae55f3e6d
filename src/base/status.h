/* tmc_status: the one status type of tmc, and tmc_diag, which carries the
 * first failure's message naming the model element (op, tensor, offset).
 * Library code never prints; the CLI prints tmc_diag.msg. */
#ifndef TMC_BASE_STATUS_H
#define TMC_BASE_STATUS_H

#include <stddef.h>
#include <stdint.h>

/* X(enum, text). Grep ORDER STATUS: the CLI maps these to exit codes. */
#define TMC_STATUS_LIST(X)                                                   \
  X(TMC_OK, "ok")                                                            \
  X(TMC_ERR_IO, "i/o error")                                                 \
  X(TMC_ERR_FORMAT, "malformed file")                                        \
  X(TMC_ERR_MODEL, "invalid model")                                          \
  X(TMC_ERR_UNSUPPORTED, "unsupported")                                      \
  X(TMC_ERR_LIMIT, "limit exceeded")                                         \
  X(TMC_ERR_NOMEM, "out of memory")                                          \
  X(TMC_ERR_USAGE, "usage error")

typedef enum tmc_status {
#define TMC_X_ENUM(e, s) e,
  TMC_STATUS_LIST(TMC_X_ENUM)
#undef TMC_X_ENUM
  TMC_STATUS_COUNT
} tmc_status;

#define TMC_DIAG_MSG_MAX 16384 /* room to list ~200 unsupported ops at once */

#define TMC_DIAG_LINES_MAX 512 /* continuation lines a message keeps as lines */

typedef struct tmc_diag {
  tmc_status status;          /* first failure, TMC_OK while none */
  const char *subject;        /* prefix of every message, e.g. "vww.tflite" */
  char msg[TMC_DIAG_MSG_MAX]; /* "subject: element: found, expected" */
  /* The offsets in msg of the newlines that start its continuation lines
   * (tmc_diag_append); any other newline byte in msg came from quoted model
   * text, and a printer shows it escaped. */
  int32_t n_lines;
  uint16_t line_at[TMC_DIAG_LINES_MAX];
} tmc_diag;

const char *tmc_status_str(tmc_status s);

/* Starts a diagnostic; subject may be NULL. */
void tmc_diag_init(tmc_diag *d, const char *subject);

/* Records the first failure (later ones are ignored so the root cause wins)
 * and returns its status, so callers write `return tmc_fail(d, ...)`. */
tmc_status tmc_fail(tmc_diag *d, tmc_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Appends text to an existing message (used to list every unsupported op).
 * A format that starts with '\n' starts a continuation line: that newline is
 * recorded in d->line_at (up to TMC_DIAG_LINES_MAX of them). */
void tmc_diag_append(tmc_diag *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#define TMC_TRY(expr)                                                        \
  do {                                                                       \
    tmc_status tmc_try_s_ = (expr);                                          \
    if (tmc_try_s_ != TMC_OK) return tmc_try_s_;                             \
  } while (0)

#endif
