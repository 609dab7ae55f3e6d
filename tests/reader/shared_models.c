/* Paths and files under $TMC_SHARED_DIR (POSIX directory listing). */
#define _POSIX_C_SOURCE 200809L
#include "shared_models.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const tt_model_names[TT_N_MODELS] = {"vww", "mcunetv2_large", "detection",
                                                 "lenet"};

const char *tt_shared_dir(void) {
  const char *dir = getenv("TMC_SHARED_DIR");
  if (dir == NULL || dir[0] == '\0') return NULL;
  char path[4096];
  struct stat st;
  snprintf(path, sizeof path, "%s/models", dir);
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return NULL;
  return dir;
}

const char *tt_model_path(const char *name, char *buf, size_t n) {
  const char *dir = tt_shared_dir();
  snprintf(buf, n, "%s/models/%s.tflite", dir ? dir : ".", name);
  return buf;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t tt_op_model_paths(char ***paths) {
  *paths = NULL;
  const char *dir = tt_shared_dir();
  if (dir == NULL) return 0;
  char ops[4096];
  snprintf(ops, sizeof ops, "%s/golden/ops", dir);
  DIR *d = opendir(ops);
  if (d == NULL) return 0;
  size_t n = 0, cap = 0;
  char **v = NULL;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name);
    if (l <= 7 || strcmp(e->d_name + l - 7, ".tflite") != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **nv = realloc(v, cap * sizeof *nv);
      if (nv == NULL) break;
      v = nv;
    }
    size_t pl = strlen(ops) + 1 + l + 1;
    v[n] = malloc(pl);
    if (v[n] == NULL) break;
    snprintf(v[n], pl, "%s/%s", ops, e->d_name);
    n++;
  }
  closedir(d);
  if (n) qsort(v, n, sizeof *v, cmp_str);
  *paths = v;
  return n;
}

void tt_free_paths(char **paths, size_t n) {
  for (size_t i = 0; i < n; i++) free(paths[i]);
  free(paths);
}

bool tt_read_file(const char *path, uint8_t **bytes, size_t *len) {
  *bytes = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL) return false;
  if (fseek(f, 0, SEEK_END) != 0) {
    fclose(f);
    return false;
  }
  long n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return false;
  }
  uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
  if (b == NULL || (n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n)) {
    free(b);
    fclose(f);
    return false;
  }
  fclose(f);
  *bytes = b;
  *len = (size_t)n;
  return true;
}

void tt_stem(const char *path, char *buf, size_t n) {
  const char *s = strrchr(path, '/');
  s = s ? s + 1 : path;
  snprintf(buf, n, "%s", s);
  size_t l = strlen(buf);
  if (l > 7 && strcmp(buf + l - 7, ".tflite") == 0) buf[l - 7] = '\0';
}

void tt_problem(tt_report *r, const char *fmt, ...) {
  if (r->count++ >= r->max) return;
  char what[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  fprintf(stderr, "%s: %s\n", r->model, what);
}
