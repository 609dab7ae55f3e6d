/* emit_json_check FILE [PATH...]: exits 0 when FILE is well-formed UTF-8
 * (base/utf8.c's strict check: no overlong forms, surrogates or stray
 * bytes) without control characters other than newline and tab, and, unless
 * the first PATH is --utf8, JSON that tmc's own reader (base/json_read.c)
 * parses. Then prints, one line per string found at each PATH, its decoded
 * bytes in hex ("6d 2a ..."): a PATH is dot-separated keys and array
 * indices, '*' for every element of an array ("plan.tensors.*.name").
 * A PATH that matches no string is an error (exit 1). Used by
 * emit_cli_test.sh's 'hostile' case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/file.h"
#include "base/json_read.h"
#include "base/utf8.h"

static int found;

static void print_hex(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    printf(p == (const unsigned char *)s ? "%02x" : " %02x", *p);
  printf("\n");
  found++;
}

/* The strings at path (a copy it may cut) below v. */
static void walk(const tmc_jvalue *v, char *path) {
  if (v == NULL) return;
  if (*path == '\0') {
    if (v->type == TMC_JSON_STRING) print_hex(v->str);
    return;
  }
  char *dot = strchr(path, '.');
  char *rest = dot ? dot + 1 : path + strlen(path);
  if (dot) *dot = '\0';
  if (strcmp(path, "*") == 0) {
    for (size_t i = 0; i < tmc_json_len(v); i++) {
      char copy[256];
      snprintf(copy, sizeof copy, "%s", rest);
      walk(tmc_json_at(v, i), copy);
    }
  } else if (v->type == TMC_JSON_ARRAY) {
    walk(tmc_json_at(v, (size_t)strtoul(path, NULL, 10)), rest);
  } else {
    walk(tmc_json_get(v, path), rest);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: emit_json_check FILE [--utf8 | PATH...]\n");
    return 2;
  }
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  uint8_t *data;
  size_t len;
  if (tmc_file_read(argv[1], (size_t)1 << 28, &data, &len, &d) != TMC_OK) {
    fprintf(stderr, "emit_json_check: %s\n", d.msg);
    return 1;
  }
  /* One NUL-terminated copy for the UTF-8 scan (a NUL byte is invalid). */
  char *text = malloc(len + 1);
  if (text == NULL) return 1;
  memcpy(text, data, len);
  text[len] = '\0';
  free(data);
  for (size_t i = 0; i < len;) {
    const unsigned char *p = (const unsigned char *)text + i;
    int n = tmc_utf8_len(p);
    if (n == 0 || (*p < 0x20 && *p != '\n' && *p != '\t')) {
      fprintf(stderr, "emit_json_check: %s: byte %zu (0x%02x) is not well-formed UTF-8 text\n",
              argv[1], i, *p);
      free(text);
      return 1;
    }
    i += (size_t)n;
  }
  if (argc > 2 && strcmp(argv[2], "--utf8") == 0) {
    free(text);
    return 0;
  }
  tmc_arena a;
  tmc_arena_init(&a);
  char err[256];
  tmc_jvalue *root = tmc_json_parse(text, len, NULL, &a, err, sizeof err);
  int rc = 0;
  if (root == NULL) {
    fprintf(stderr, "emit_json_check: %s: %s\n", argv[1], err);
    rc = 1;
  }
  for (int i = 2; rc == 0 && i < argc; i++) {
    char path[256];
    snprintf(path, sizeof path, "%s", argv[i]);
    found = 0;
    walk(root, path);
    if (found == 0) {
      fprintf(stderr, "emit_json_check: %s: no string at %s\n", argv[1], argv[i]);
      rc = 1;
    }
  }
  tmc_arena_free(&a);
  free(text);
  return rc;
}
