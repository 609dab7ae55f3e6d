/* Growable text buffer (see buf.h). */
#include "buf.h"

#include "base/heap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tmc_buf_init(tmc_buf *b) {
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = false;
}

void tmc_buf_free(tmc_buf *b) {
  tmc_heap_free(b->data);
  tmc_buf_init(b);
}

static bool reserve(tmc_buf *b, size_t extra) {
  if (b->failed) return false;
  if (extra < b->cap - b->len) return true;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap - b->len <= extra) {
    if (cap > ((size_t)-1) / 2) {
      b->failed = true;
      return false;
    }
    cap *= 2;
  }
  char *p = tmc_heap_realloc(b->data, cap);
  if (p == NULL) {
    b->failed = true;
    return false;
  }
  b->data = p;
  b->cap = cap;
  return true;
}

void tmc_buf_write(tmc_buf *b, const void *data, size_t n) {
  if (!reserve(b, n + 1)) return;
  memcpy(b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
}

/* One formatting pass when the text fits the room left (the usual case),
 * a second after growing the buffer when it does not. */
void tmc_buf_printf(tmc_buf *b, const char *fmt, ...) {
  if (b->failed) return;
  size_t room = b->cap - b->len;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < room) {
    b->len += (size_t)n;
    return;
  }
  if (n < 0 || !reserve(b, (size_t)n + 1)) {
    b->failed = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void tmc_buf_comment(tmc_buf *b, const char *s, size_t max_len) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++) {
    if (max_len && n >= max_len) {
      tmc_buf_write(b, "...", 3);
      return;
    }
    unsigned char c = *p;
    if (c < 0x20 || c >= 0x7f || c == '\\' || c == '?') {
      tmc_buf_printf(b, "\\x%02X", c);
    } else {
      char ch = (char)c;
      tmc_buf_write(b, &ch, 1);
      /* Never let "*" + "/" (end) or "/" + "*" (nested start) form. */
      if ((c == '*' && p[1] == '/') || (c == '/' && p[1] == '*')) tmc_buf_write(b, " ", 1);
    }
  }
  /* Nor with the text the emitter writes after it. */
  if (n && (s[n - 1] == '*' || s[n - 1] == '/')) tmc_buf_write(b, " ", 1);
}

void tmc_buf_cstring(tmc_buf *b, const char *s) {
  tmc_buf_write(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '?')
      tmc_buf_printf(b, "\\%03o", c);
    else
      tmc_buf_write(b, p, 1);
  }
  tmc_buf_write(b, "\"", 1);
}
