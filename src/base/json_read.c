/* json_read: recursive-descent JSON parser (RFC 8259 values; no comments,
 * no trailing commas), for tests. */
#include "base/json_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MJ_MAX_DEPTH 256

typedef struct parser {
  const char *p, *end, *start;
  const char *const *skip_keys;
  tmc_arena *a;
  char *err;
  size_t err_size;
  bool failed;
  int depth;
} parser;

static int line_of(const parser *ps) {
  int line = 1;
  for (const char *q = ps->start; q < ps->p && q < ps->end; q++) line += *q == '\n';
  return line;
}

static tmc_jvalue *fail(parser *ps, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static tmc_jvalue *fail(parser *ps, const char *fmt, ...) {
  if (ps->failed) return NULL;
  ps->failed = true;
  char what[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (ps->err && ps->err_size) snprintf(ps->err, ps->err_size, "line %d: %s", line_of(ps), what);
  return NULL;
}

static void skip_ws(parser *ps) {
  while (ps->p < ps->end &&
         (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static tmc_jvalue *new_value(parser *ps, tmc_jtype t) {
  tmc_jvalue *v = tmc_arena_alloc(ps->a, sizeof *v);
  if (v == NULL) return fail(ps, "out of memory");
  v->type = t;
  return v;
}

static bool literal(parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return false;
  ps->p += n;
  return true;
}

static int hex4(parser *ps, unsigned *out) {
  if (ps->end - ps->p < 4) return -1;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = ps->p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  ps->p += 4;
  *out = v;
  return 0;
}

/* Appends the UTF-8 encoding of code point cp. */
static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* A string starting at the opening quote; decoded into the arena (or only
 * checked when store is false). */
static const char *parse_string(parser *ps, bool store) {
  if (ps->p >= ps->end || *ps->p != '"') {
    fail(ps, "expected a string");
    return NULL;
  }
  ps->p++;
  const char *s = ps->p;
  /* The decoded text is never longer than the escaped one. */
  const char *q = s;
  while (q < ps->end && *q != '"') q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
  if (q >= ps->end) {
    fail(ps, "unterminated string");
    return NULL;
  }
  char *out = store ? tmc_arena_alloc(ps->a, (size_t)(q - s) + 1) : NULL;
  if (store && out == NULL) {
    fail(ps, "out of memory");
    return NULL;
  }
  size_t n = 0;
  char tmp[4];
  while (ps->p < ps->end && *ps->p != '"') {
    unsigned char c = (unsigned char)*ps->p;
    if (c < 0x20) {
      fail(ps, "control character in a string");
      return NULL;
    }
    if (c != '\\') {
      if (out) out[n] = (char)c;
      n++;
      ps->p++;
      continue;
    }
    ps->p++;
    if (ps->p >= ps->end) break;
    char e = *ps->p++;
    char lit = 0;
    switch (e) {
      case '"': lit = '"'; break;
      case '\\': lit = '\\'; break;
      case '/': lit = '/'; break;
      case 'b': lit = '\b'; break;
      case 'f': lit = '\f'; break;
      case 'n': lit = '\n'; break;
      case 'r': lit = '\r'; break;
      case 't': lit = '\t'; break;
      case 'u': {
        unsigned cp, lo;
        if (hex4(ps, &cp)) {
          fail(ps, "bad \\u escape");
          return NULL;
        }
        if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
            ps->p[1] == 'u') {
          const char *save = ps->p;
          ps->p += 2;
          if (hex4(ps, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000)
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          else
            ps->p = save;
        }
        size_t k = put_utf8(tmp, cp);
        /* \uXXXX is 6 bytes of input, at most 4 of output: fits. */
        if (out) memcpy(out + n, tmp, k);
        n += k;
        continue;
      }
      default:
        fail(ps, "bad escape '\\%c'", e);
        return NULL;
    }
    if (out) out[n] = lit;
    n++;
  }
  ps->p++; /* closing quote */
  if (out) out[n] = '\0';
  return store ? out : "";
}

static tmc_jvalue *parse_value(parser *ps, bool store);

/* What a value inside a skipped one parses to (nothing is stored). */
static tmc_jvalue unstored = {.type = TMC_JSON_NULL, .skipped = true};

static bool is_skip_key(const parser *ps, const char *key) {
  if (ps->skip_keys == NULL) return false;
  for (const char *const *k = ps->skip_keys; *k; k++)
    if (strcmp(*k, key) == 0) return true;
  return false;
}

/* A growable pointer list (malloc'd while parsing, copied to the arena). */
typedef struct plist {
  void **v;
  size_t n, cap;
} plist;

static bool plist_push(plist *l, void *p) {
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 8;
    void **nv = realloc(l->v, nc * sizeof *nv);
    if (nv == NULL) return false;
    l->v = nv;
    l->cap = nc;
  }
  l->v[l->n++] = p;
  return true;
}

/* A skipped array or object: only its element count is kept. */
static tmc_jvalue *skipped_value(parser *ps, tmc_jtype type, size_t count) {
  tmc_jvalue *r = new_value(ps, type);
  if (r) {
    r->n = count;
    r->skipped = true;
  }
  return r;
}

/* After an element of an array or object: 1 when another follows (a ','),
 * 0 after the closing bracket, -1 (failed) on anything else. */
static int list_next(parser *ps, char close, const char *what) {
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == ',') {
    ps->p++;
    return 1;
  }
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    return 0;
  }
  fail(ps, "expected ',' or '%c' in %s", close, what);
  return -1;
}

static tmc_jvalue *parse_array(parser *ps, bool store) {
  tmc_jvalue *v = store ? new_value(ps, TMC_JSON_ARRAY) : NULL;
  if (store && v == NULL) return NULL;
  plist items = {0};
  ps->p++; /* [ */
  skip_ws(ps);
  size_t count = 0;
  if (ps->p < ps->end && *ps->p == ']') {
    ps->p++;
  } else {
    for (;;) {
      tmc_jvalue *item = parse_value(ps, store);
      if (ps->failed) break;
      count++;
      if (store && !plist_push(&items, item)) {
        fail(ps, "out of memory");
        break;
      }
      if (list_next(ps, ']', "an array") != 1) break;
    }
  }
  if (ps->failed) {
    free(items.v);
    return NULL;
  }
  if (!store) {
    free(items.v);
    return skipped_value(ps, TMC_JSON_ARRAY, count);
  }
  v->n = count;
  v->items = tmc_arena_array(ps->a, count ? count : 1, sizeof *v->items);
  if (v->items == NULL) {
    free(items.v);
    return fail(ps, "out of memory");
  }
  if (count) memcpy(v->items, items.v, count * sizeof *v->items);
  free(items.v);
  return v;
}

static tmc_jvalue *parse_object(parser *ps, bool store) {
  tmc_jvalue *v = store ? new_value(ps, TMC_JSON_OBJECT) : NULL;
  if (store && v == NULL) return NULL;
  plist keys = {0}, vals = {0};
  ps->p++; /* { */
  skip_ws(ps);
  size_t count = 0;
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
  } else {
    for (;;) {
      skip_ws(ps);
      const char *key = parse_string(ps, store);
      if (ps->failed) break;
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        fail(ps, "expected ':' after key \"%s\"", key);
        break;
      }
      ps->p++;
      bool keep = store && !is_skip_key(ps, key);
      tmc_jvalue *val = parse_value(ps, keep);
      if (ps->failed) break;
      count++;
      if (store && (!plist_push(&keys, (void *)key) || !plist_push(&vals, val))) {
        fail(ps, "out of memory");
        break;
      }
      if (list_next(ps, '}', "an object") != 1) break;
    }
  }
  if (ps->failed || !store) {
    free(keys.v);
    free(vals.v);
    if (ps->failed) return NULL;
    return skipped_value(ps, TMC_JSON_OBJECT, count);
  }
  v->n = count;
  v->members = tmc_arena_array(ps->a, count ? count : 1, sizeof *v->members);
  if (v->members == NULL) {
    free(keys.v);
    free(vals.v);
    return fail(ps, "out of memory");
  }
  for (size_t i = 0; i < count; i++) {
    v->members[i].key = keys.v[i];
    v->members[i].value = vals.v[i];
  }
  free(keys.v);
  free(vals.v);
  return v;
}

static tmc_jvalue *parse_number(parser *ps, bool store) {
  const char *s = ps->p;
  bool is_int = true;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return fail(ps, "expected a value");
  while (ps->p < ps->end) {
    char c = *ps->p;
    if (c >= '0' && c <= '9') {
      ps->p++;
    } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
      is_int = false;
      ps->p++;
    } else {
      break;
    }
  }
  char buf[80];
  size_t n = (size_t)(ps->p - s);
  if (n >= sizeof buf) return fail(ps, "number too long");
  memcpy(buf, s, n);
  buf[n] = '\0';
  char *endp;
  errno = 0;
  double d = strtod(buf, &endp);
  if (*endp != '\0') return fail(ps, "bad number '%s'", buf);
  if (!store) return &unstored;
  tmc_jvalue *v = new_value(ps, TMC_JSON_NUMBER);
  if (v == NULL) return NULL;
  v->num = d;
  v->is_int = is_int;
  if (is_int) {
    errno = 0;
    v->i = strtoll(buf, &endp, 10);
    if (errno == ERANGE) v->is_int = false;
  }
  return v;
}

static tmc_jvalue *parse_value(parser *ps, bool store) {
  skip_ws(ps);
  if (ps->p >= ps->end) return fail(ps, "unexpected end of text");
  if (++ps->depth > MJ_MAX_DEPTH) return fail(ps, "nested too deeply");
  tmc_jvalue *v = NULL;
  char c = *ps->p;
  if (c == '{') {
    v = parse_object(ps, store);
  } else if (c == '[') {
    v = parse_array(ps, store);
  } else if (c == '"') {
    const char *s = parse_string(ps, store);
    if (!ps->failed) {
      v = store ? new_value(ps, TMC_JSON_STRING) : &unstored;
      if (v && store) v->str = s;
    }
  } else if (literal(ps, "true")) {
    v = store ? new_value(ps, TMC_JSON_BOOL) : &unstored;
    if (v && store) v->b = true;
  } else if (literal(ps, "false")) {
    v = store ? new_value(ps, TMC_JSON_BOOL) : &unstored;
  } else if (literal(ps, "null")) {
    v = store ? new_value(ps, TMC_JSON_NULL) : &unstored;
  } else {
    v = parse_number(ps, store);
  }
  ps->depth--;
  return ps->failed ? NULL : v;
}

tmc_jvalue *tmc_json_parse(const char *text, size_t len, const char *const *skip_keys,
                   tmc_arena *a, char *err, size_t err_size) {
  parser ps = {text, text + len, text, skip_keys, a, err, err_size, false, 0};
  if (err && err_size) err[0] = '\0';
  tmc_jvalue *v = parse_value(&ps, true);
  if (ps.failed) return NULL;
  skip_ws(&ps);
  if (ps.p != ps.end) return fail(&ps, "text after the JSON value");
  return v;
}

const tmc_jvalue *tmc_json_get(const tmc_jvalue *v, const char *key) {
  if (v == NULL || v->type != TMC_JSON_OBJECT || v->members == NULL) return NULL;
  for (size_t i = 0; i < v->n; i++)
    if (strcmp(v->members[i].key, key) == 0) return v->members[i].value;
  return NULL;
}

const tmc_jvalue *tmc_json_at(const tmc_jvalue *v, size_t i) {
  if (v == NULL || v->type != TMC_JSON_ARRAY || v->items == NULL || i >= v->n) return NULL;
  return v->items[i];
}

size_t tmc_json_len(const tmc_jvalue *v) {
  return v && (v->type == TMC_JSON_ARRAY || v->type == TMC_JSON_OBJECT) ? v->n : 0;
}

long long tmc_json_get_int(const tmc_jvalue *v, const char *key, long long def) {
  const tmc_jvalue *x = tmc_json_get(v, key);
  if (x == NULL || x->type != TMC_JSON_NUMBER) return def;
  return x->is_int ? x->i : (long long)x->num;
}

double tmc_json_get_num(const tmc_jvalue *v, const char *key, double def) {
  const tmc_jvalue *x = tmc_json_get(v, key);
  return x && x->type == TMC_JSON_NUMBER ? x->num : def;
}

const char *tmc_json_get_str(const tmc_jvalue *v, const char *key, const char *def) {
  const tmc_jvalue *x = tmc_json_get(v, key);
  return x && x->type == TMC_JSON_STRING ? x->str : def;
}

bool tmc_json_get_bool(const tmc_jvalue *v, const char *key, bool def) {
  const tmc_jvalue *x = tmc_json_get(v, key);
  return x && x->type == TMC_JSON_BOOL ? x->b : def;
}
