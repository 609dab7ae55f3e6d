/* Streaming JSON writer (see json.h). */
#include "json.h"

#include <math.h>

#include "utf8.h"

void tmc_json_init(tmc_json *j, FILE *f) {
  j->f = f;
  j->depth = 0;
  j->need_comma[0] = false;
}

/* A JSON string: quotes, backslashes and control bytes (and DEL) escaped;
 * each byte that does not start a well-formed UTF-8 sequence (model names
 * are arbitrary bytes) becomes U+FFFD, so the output is always valid JSON
 * in valid UTF-8. */
static void put_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    int n = tmc_utf8_len(p);
    if (n == 0) {
      fputs("\\ufffd", f);
      p++;
    } else if (*p == '"' || *p == '\\') {
      fprintf(f, "\\%c", *p++);
    } else if (*p < 0x20 || *p == 0x7f) {
      fprintf(f, "\\u%04x", *p++);
    } else {
      fwrite(p, 1, (size_t)n, f);
      p += (size_t)n;
    }
  }
  fputc('"', f);
}

/* Comma, newline and indentation before a value, then its key. */
static void prefix(tmc_json *j, const char *key) {
  if (j->need_comma[j->depth]) fputc(',', j->f);
  if (j->depth > 0) {
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++) fputs("  ", j->f);
  }
  j->need_comma[j->depth] = true;
  if (key) {
    put_string(j->f, key);
    fputs(": ", j->f);
  }
}

static void json_open(tmc_json *j, const char *key, char c) {
  prefix(j, key);
  fputc(c, j->f);
  if (j->depth < 63) j->depth++;
  j->need_comma[j->depth] = false;
}

static void json_close(tmc_json *j, char c) {
  bool had = j->need_comma[j->depth];
  if (j->depth > 0) j->depth--;
  if (had) {
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++) fputs("  ", j->f);
  }
  fputc(c, j->f);
  if (j->depth == 0) fputc('\n', j->f);
}

void tmc_json_begin_object(tmc_json *j, const char *key) { json_open(j, key, '{'); }
void tmc_json_end_object(tmc_json *j) { json_close(j, '}'); }
void tmc_json_begin_array(tmc_json *j, const char *key) { json_open(j, key, '['); }
void tmc_json_end_array(tmc_json *j) { json_close(j, ']'); }

void tmc_json_string(tmc_json *j, const char *key, const char *v) {
  prefix(j, key);
  if (v)
    put_string(j->f, v);
  else
    fputs("null", j->f);
}

void tmc_json_int(tmc_json *j, const char *key, long long v) {
  prefix(j, key);
  fprintf(j->f, "%lld", v);
}

void tmc_json_double(tmc_json *j, const char *key, double v) {
  prefix(j, key);
  if (isfinite(v))
    fprintf(j->f, "%.9g", v);
  else
    fputs("null", j->f);
}

void tmc_json_bool(tmc_json *j, const char *key, bool v) {
  prefix(j, key);
  fputs(v ? "true" : "false", j->f);
}

void tmc_json_int_array(tmc_json *j, const char *key, const int32_t *v, int n) {
  prefix(j, key);
  fputc('[', j->f);
  for (int i = 0; i < n; i++) fprintf(j->f, i ? ",%d" : "%d", v[i]);
  fputc(']', j->f);
}
