/* File helpers (POSIX). */
#define _POSIX_C_SOURCE 200809L
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

tmc_status tmc_file_read(const char *path, size_t max_bytes, uint8_t **data,
                         size_t *len, tmc_diag *d) {
  *data = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return tmc_fail(d, TMC_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  if (buf == NULL) {
    fclose(f);
    return tmc_fail(d, TMC_ERR_NOMEM, "out of memory reading '%s'", path);
  }
  for (;;) {
    if (n == cap) {
      if (cap > max_bytes) {
        free(buf);
        fclose(f);
        return tmc_fail(d, TMC_ERR_LIMIT, "'%s' is larger than %zu bytes", path,
                        max_bytes);
      }
      size_t ncap = cap * 2;
      uint8_t *nb = realloc(buf, ncap);
      if (nb == NULL) {
        free(buf);
        fclose(f);
        return tmc_fail(d, TMC_ERR_NOMEM, "out of memory reading '%s'", path);
      }
      buf = nb;
      cap = ncap;
    }
    size_t k = fread(buf + n, 1, cap - n, f);
    n += k;
    if (k == 0) break;
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    free(buf);
    return tmc_fail(d, TMC_ERR_IO, "error reading '%s'", path);
  }
  if (n > max_bytes) {
    free(buf);
    return tmc_fail(d, TMC_ERR_LIMIT, "'%s' is larger than %zu bytes", path,
                    max_bytes);
  }
  *data = buf;
  *len = n;
  return TMC_OK;
}

tmc_status tmc_file_write_atomic(const char *path, const void *data, size_t len,
                                 tmc_diag *d) {
  size_t pl = strlen(path);
  char *tmp = malloc(pl + 32);
  if (tmp == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory writing '%s'", path);
  snprintf(tmp, pl + 32, "%s.tmp%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (f == NULL) {
    tmc_status s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    free(tmp);
    return s;
  }
  int ok = (len == 0 || fwrite(data, 1, len, f) == len);
  ok = (fflush(f) == 0) && ok;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    tmc_status s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    remove(tmp);
    free(tmp);
    return s;
  }
  free(tmp);
  return TMC_OK;
}

tmc_status tmc_out_open(tmc_out *o, const char *path, tmc_diag *d) {
  o->path = path;
  o->tmp = NULL;
  o->f = NULL;
  if (strcmp(path, "-") == 0) {
    o->f = stdout;
    return TMC_OK;
  }
  size_t n = strlen(path) + 32;
  o->tmp = malloc(n);
  if (o->tmp == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory writing '%s'", path);
  snprintf(o->tmp, n, "%s.tmp%ld", path, (long)getpid());
  o->f = fopen(o->tmp, "wb");
  if (o->f == NULL) {
    tmc_status s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    free(o->tmp);
    o->tmp = NULL;
    return s;
  }
  return TMC_OK;
}

tmc_status tmc_out_close(tmc_out *o, bool commit, tmc_diag *d) {
  if (o->f == NULL) return TMC_OK;
  int ok = !ferror(o->f);
  if (o->tmp == NULL) {
    ok = fflush(o->f) == 0 && ok;
    o->f = NULL;
    return ok || !commit ? TMC_OK
                         : tmc_fail(d, TMC_ERR_IO, "error writing to standard output");
  }
  ok = (fclose(o->f) == 0) && ok;
  o->f = NULL;
  tmc_status s = TMC_OK;
  if (commit && ok && rename(o->tmp, o->path) == 0) {
    /* committed */
  } else {
    if (commit) s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s': %s", o->path, strerror(errno));
    remove(o->tmp);
  }
  free(o->tmp);
  o->tmp = NULL;
  return s;
}

const char *tmc_path_base(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}
