/* A growable text buffer with printf, for building generated files in memory
 * before any is written (so a failure leaves nothing behind). */
#ifndef TMC_EMIT_BUF_H
#define TMC_EMIT_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tmc_buf {
  char *data;
  size_t len, cap;
  bool failed; /* an allocation failed; the content is incomplete */
} tmc_buf;

void tmc_buf_init(tmc_buf *b);
void tmc_buf_free(tmc_buf *b);
void tmc_buf_printf(tmc_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void tmc_buf_write(tmc_buf *b, const void *data, size_t n);

#endif
