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

/* Text from a model (tensor, op and model names: any bytes) made safe for
 * generated files. tmc_buf_comment appends s for use inside a C block
 * comment: printable ASCII as is except that a '*' followed by '/' and a
 * '/' followed by '*' are broken up ("* /", "/ *"); a backslash, a
 * '?' (trigraphs), newlines, control characters and bytes >= 0x80 are
 * written as \xNN. At most max_len bytes of s are used (then "..."); 0
 * for no limit. tmc_buf_cstring appends a C string literal, quotes
 * included, whose value is s byte for byte (octal escapes for anything
 * not printable ASCII, and for '"', '\\' and '?'). */
void tmc_buf_comment(tmc_buf *b, const char *s, size_t max_len);
void tmc_buf_cstring(tmc_buf *b, const char *s);

#endif
