/* File helpers (POSIX). */
#define _POSIX_C_SOURCE 200809L
#include "file.h"

#include "heap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

tmc_status tmc_file_read(const char *path, size_t max_bytes, uint8_t **data,
                         size_t *len, tmc_diag *d) {
  *data = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return tmc_fail(d, TMC_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = tmc_heap_alloc(cap);
  if (buf == NULL) {
    fclose(f);
    return tmc_fail(d, TMC_ERR_NOMEM, "out of memory reading '%s'", path);
  }
  for (;;) {
    if (n == cap) {
      if (cap > max_bytes) {
        tmc_heap_free(buf);
        fclose(f);
        return tmc_fail(d, TMC_ERR_LIMIT, "'%s' is larger than %zu bytes", path,
                        max_bytes);
      }
      size_t ncap = cap * 2;
      uint8_t *nb = tmc_heap_realloc(buf, ncap);
      if (nb == NULL) {
        tmc_heap_free(buf);
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
    tmc_heap_free(buf);
    return tmc_fail(d, TMC_ERR_IO, "error reading '%s'", path);
  }
  if (n > max_bytes) {
    tmc_heap_free(buf);
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
  char *tmp = tmc_heap_alloc(pl + 32);
  if (tmp == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory writing '%s'", path);
  snprintf(tmp, pl + 32, "%s.tmp%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (f == NULL) {
    tmc_status s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    tmc_heap_free(tmp);
    return s;
  }
  int ok = (len == 0 || fwrite(data, 1, len, f) == len);
  ok = (fflush(f) == 0) && ok;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    tmc_status s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    remove(tmp);
    tmc_heap_free(tmp);
    return s;
  }
  tmc_heap_free(tmp);
  return TMC_OK;
}

/* dir/.NAME.PID.SUFFIX, or dir/NAME when suffix is NULL, into buf. */
static void set_path(char *buf, size_t cap, const char *dir, const char *name,
                     const char *suffix) {
  if (suffix)
    snprintf(buf, cap, "%s/.%s.%ld.%s", dir, name, (long)getpid(), suffix);
  else
    snprintf(buf, cap, "%s/%s", dir, name);
}

static bool plain_name(const char *s) {
  return s && s[0] && strchr(s, '/') == NULL && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

tmc_status tmc_write_files(const char *dir, const tmc_named_data *files, int n, tmc_diag *d) {
  size_t longest = 0;
  for (int i = 0; i < n; i++) {
    if (!plain_name(files[i].name))
      return tmc_fail(d, TMC_ERR_USAGE, "bad output file name '%s'",
                      files[i].name ? files[i].name : "");
    for (int j = 0; j < i; j++)
      if (strcmp(files[i].name, files[j].name) == 0)
        return tmc_fail(d, TMC_ERR_USAGE, "output file '%s' twice", files[i].name);
    size_t len = strlen(files[i].name);
    if (len > longest) longest = len;
  }
  bool created = mkdir(dir, 0777) == 0;
  if (!created && errno != EEXIST)
    return tmc_fail(d, TMC_ERR_IO, "cannot create '%s': %s", dir, strerror(errno));
  size_t cap = strlen(dir) + longest + 48;
  char *tmp = tmc_heap_alloc(cap), *path = tmc_heap_alloc(cap), *old = tmc_heap_alloc(cap);
  /* Per file: 0 nothing yet, 1 temporary written, 2 renamed into place,
   * 3 renamed with the previous file kept as a hard link (the backup). */
  unsigned char *state = tmc_heap_calloc((size_t)n + 1, 1);
  tmc_status s = TMC_OK;
  if (tmp == NULL || path == NULL || old == NULL || state == NULL)
    s = tmc_fail(d, TMC_ERR_NOMEM, "out of memory writing into '%s'", dir);
  for (int i = 0; s == TMC_OK && i < n; i++) {
    set_path(tmp, cap, dir, files[i].name, "tmc-tmp");
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
      s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s/%s': %s", dir, files[i].name,
                   strerror(errno));
      break;
    }
    state[i] = 1;
    int ok = files[i].size == 0 || fwrite(files[i].data, 1, files[i].size, f) == files[i].size;
    ok = fflush(f) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok)
      s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s/%s': %s", dir, files[i].name,
                   strerror(errno));
  }
  for (int i = 0; s == TMC_OK && i < n; i++) {
    set_path(tmp, cap, dir, files[i].name, "tmc-tmp");
    set_path(path, cap, dir, files[i].name, NULL);
    set_path(old, cap, dir, files[i].name, "tmc-old");
    remove(old); /* a stale backup of an earlier run with this pid */
    bool kept = link(path, old) == 0; /* fails when there is no previous file */
    if (rename(tmp, path) != 0) {
      s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
      if (kept) remove(old);
      break;
    }
    state[i] = kept ? 3 : 2;
  }
  for (int i = 0; state && tmp && path && old && i < n; i++) {
    set_path(tmp, cap, dir, files[i].name, "tmc-tmp");
    set_path(path, cap, dir, files[i].name, NULL);
    set_path(old, cap, dir, files[i].name, "tmc-old");
    if (state[i] == 1) {
      remove(tmp);
    } else if (state[i] == 3) {
      if (s == TMC_OK) remove(old);
      else rename(old, path); /* the previous file back in place */
    } else if (state[i] == 2 && s != TMC_OK) {
      remove(path);
    }
  }
  if (s != TMC_OK && created) rmdir(dir); /* only when empty */
  tmc_heap_free(state);
  tmc_heap_free(tmp);
  tmc_heap_free(path);
  tmc_heap_free(old);
  return s;
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
  o->tmp = tmc_heap_alloc(n);
  if (o->tmp == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory writing '%s'", path);
  snprintf(o->tmp, n, "%s.tmp%ld", path, (long)getpid());
  o->f = fopen(o->tmp, "wb");
  if (o->f == NULL) {
    tmc_status s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    tmc_heap_free(o->tmp);
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
  tmc_heap_free(o->tmp);
  o->tmp = NULL;
  return s;
}

const char *tmc_path_base(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}
