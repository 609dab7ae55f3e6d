/* Helpers shared by the subcommands: model text made safe for a terminal,
 * integer option values, options given once, and the final check that
 * standard output was written. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The length of the valid UTF-8 sequence at s (1..4), or 0 when s does not
 * start one (a stray continuation, an overlong form, a surrogate, a
 * truncated sequence or a code point above U+10FFFF). */
static int utf8_len(const unsigned char *s) {
  unsigned c = s[0];
  int n;
  unsigned min;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  unsigned cp = c & (0x3fu >> (n - 1));
  for (int k = 1; k < n; k++) {
    if ((s[k] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (s[k] & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

/* s escaped into out (size bytes, at least 8), cut with "..." when it does
 * not fit. The newlines at the offsets lines[0..n_lines) (ascending: the
 * continuation lines a diagnostic put in) are kept; every other control byte,
 * a newline inside a quoted name included, is escaped. */
static void escape(const char *s, const uint16_t *lines, int32_t n_lines, char *out,
                   size_t size) {
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *p = (const unsigned char *)s;
  size_t k = 0;
  int32_t next = 0;
  while (*p) {
    int n = utf8_len(p);
    size_t at = (size_t)((const char *)p - s);
    while (next < n_lines && lines[next] < at) next++;
    bool line = *p == '\n' && next < n_lines && lines[next] == at;
    bool esc = n == 0 || (*p < 0x20 && !line) || *p == 0x7f;
    size_t need = esc ? 4 : (size_t)n;
    if (k + need + 4 > size) { /* room for "..." and the NUL */
      memcpy(out + k, "...", 4);
      return;
    }
    if (esc) {
      out[k++] = '\\';
      out[k++] = 'x';
      out[k++] = hex[*p >> 4];
      out[k++] = hex[*p & 15];
      p++;
    } else {
      memcpy(out + k, p, (size_t)n);
      k += (size_t)n;
      p += n;
    }
  }
  out[k] = '\0';
}

enum { ESC_BUFS = 8, ESC_SIZE = 4096 };

const char *tmc_cli_esc(const char *s) {
  static char bufs[ESC_BUFS][ESC_SIZE];
  static int next;
  char *out = bufs[next];
  next = (next + 1) % ESC_BUFS;
  escape(s ? s : "", NULL, 0, out, ESC_SIZE);
  return out;
}

void tmc_cli_put_diag(FILE *f, const tmc_diag *d) {
  const char *msg = d->msg[0] ? d->msg : tmc_status_str(d->status);
  size_t size = 4 * strlen(msg) + 8;
  char *out = malloc(size);
  if (out == NULL) {
    fputs("(out of memory)", f);
    return;
  }
  escape(msg, d->line_at, d->msg[0] ? d->n_lines : 0, out, size);
  fputs(out, f);
  free(out);
}

bool tmc_cli_int(const char *cmd, const char *flag, const char *v, long long lo,
                 long long hi, const char *what, long long *out) {
  /* strtoll alone would take leading blanks and '+' */
  bool digits = (v[0] >= '0' && v[0] <= '9') ||
                (v[0] == '-' && v[1] >= '0' && v[1] <= '9');
  char *end = (char *)v;
  errno = 0;
  long long n = digits ? strtoll(v, &end, 10) : 0;
  if (!digits || *end != '\0') {
    fprintf(stderr, "tmc %s: %s '%s' is not %s (decimal digits)\n", cmd, flag,
            tmc_cli_esc(v), what);
    return false;
  }
  if (errno == ERANGE || n < lo || n > hi) {
    fprintf(stderr, "tmc %s: %s '%s' is not %s (out of range %lld to %lld)\n", cmd, flag,
            tmc_cli_esc(v), what, lo, hi);
    return false;
  }
  *out = n;
  return true;
}

bool tmc_cli_once(const char *cmd, const char *flag, unsigned *seen, unsigned bit) {
  if (*seen & bit) {
    fprintf(stderr, "tmc %s: %s given twice\n", cmd, flag);
    return false;
  }
  *seen |= bit;
  return true;
}

int tmc_cli_stdout_done(int rc) {
  errno = 0;
  int e = fflush(stdout) != 0 ? errno : 0;
  if (!ferror(stdout) && e == 0) return rc;
  fprintf(stderr, "tmc: cannot write standard output: %s\n",
          e ? strerror(e) : "write error");
  return rc != TMC_EXIT_OK ? rc : TMC_EXIT_BAD_INPUT;
}
