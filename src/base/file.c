/* File helpers (POSIX). */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008 with realpath */
#include "file.h"

#include "heap.h"

#include <errno.h>
#include <fcntl.h>
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

/* Where an output path really leads. Every writer below asks this first:
 * - nothing there (or a regular file, or a folder): the path itself, written
 *   through a temporary file renamed over it (a folder makes the rename, or
 *   the check before it, fail with a message naming it);
 * - a symbolic link: its final target (realpath; for a dangling link, the
 *   path the last link of the chain names), so the temporary file goes in
 *   the target's folder and is renamed onto the target: the link stays a
 *   link and what it points to gets the new contents;
 * - a device, FIFO or socket, or a link to one: written in place (opened for
 *   writing and written, never replaced by a regular file). A link to a
 *   device is written in place too: the device is what the user named.
 * Between this check and the write another process could change the path;
 * that race is not guarded against (as for any shell redirection). */
typedef struct out_target {
  char *path;    /* rename onto this (tmc_heap): the path, or a link's target */
  bool link;     /* the path is a symbolic link */
  bool exists;   /* path (the target for a link) exists */
  bool in_place; /* a device, FIFO or socket: written in place */
  bool is_dir;   /* a folder: cannot be written */
} out_target;

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = tmc_heap_alloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

/* a + b into a new string (tmc_heap), NULL when out of memory. */
static char *concat(const char *a, size_t alen, const char *b) {
  size_t blen = strlen(b);
  char *p = tmc_heap_alloc(alen + blen + 1);
  if (p) {
    memcpy(p, a, alen);
    memcpy(p + alen, b, blen + 1);
  }
  return p;
}

/* The contents of the link at path (tmc_heap), NULL with errno set. */
static char *read_link(const char *path) {
  for (size_t cap = 256; cap <= ((size_t)1 << 20); cap *= 2) {
    char *buf = tmc_heap_alloc(cap);
    if (buf == NULL) {
      errno = ENOMEM;
      return NULL;
    }
    ssize_t n = readlink(path, buf, cap);
    if (n < 0) {
      int e = errno;
      tmc_heap_free(buf);
      errno = e;
      return NULL;
    }
    if ((size_t)n < cap) {
      buf[n] = '\0';
      return buf;
    }
    tmc_heap_free(buf);
  }
  errno = ENAMETOOLONG;
  return NULL;
}

/* A dangling link's target: the path the last link of the chain from path
 * names (relative contents taken from that link's folder), its folder
 * canonical when it exists. NULL with errno set. */
static char *dangling_target(const char *path) {
  char *cur = dup_str(path);
  for (int hops = 0; cur != NULL && hops <= 40; hops++) {
    struct stat st;
    if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
      /* The end of the chain: its folder canonical, like realpath's result. */
      const char *slash = strrchr(cur, '/');
      if (slash == NULL || slash == cur) return cur;
      char *folder = concat(cur, (size_t)(slash - cur), "");
      char *real = folder ? realpath(folder, NULL) : NULL;
      tmc_heap_free(folder);
      if (real == NULL) return cur;
      char *full = concat(real, strlen(real), slash);
      free(real);
      if (full == NULL) errno = ENOMEM;
      tmc_heap_free(cur);
      return full;
    }
    char *to = read_link(cur);
    if (to == NULL) {
      int e = errno;
      tmc_heap_free(cur);
      errno = e;
      return NULL;
    }
    const char *slash = strrchr(cur, '/');
    char *next = to[0] == '/' || slash == NULL ? dup_str(to)
                                               : concat(cur, (size_t)(slash - cur + 1), to);
    tmc_heap_free(to);
    tmc_heap_free(cur);
    cur = next;
  }
  if (cur == NULL) {
    errno = ENOMEM;
  } else {
    tmc_heap_free(cur);
    errno = ELOOP;
  }
  return NULL;
}

/* "cannot write 'PATH': why", naming a link's target too. */
static tmc_status write_failed(tmc_diag *d, const char *path, const out_target *t, int err) {
  tmc_status s = err == ENOMEM ? TMC_ERR_NOMEM : TMC_ERR_IO;
  if (t != NULL && t->link && t->path != NULL)
    return tmc_fail(d, s, "cannot write '%s' (a link to '%s'): %s", path, t->path,
                    strerror(err));
  return tmc_fail(d, s, "cannot write '%s': %s", path, strerror(err));
}

static tmc_status resolve_output(const char *path, out_target *t, tmc_diag *d) {
  memset(t, 0, sizeof *t);
  struct stat st;
  /* lstat failing (nothing there, a folder on the way missing or not
   * searchable): a new file, whose creation reports what is wrong. */
  bool there = lstat(path, &st) == 0;
  if (there && S_ISLNK(st.st_mode)) {
    t->link = true;
    char *real = realpath(path, NULL);
    if (real != NULL) {
      t->path = dup_str(real);
      free(real);
      if (t->path == NULL) return write_failed(d, path, NULL, ENOMEM);
    } else if (errno == ENOENT) {
      t->path = dangling_target(path);
      if (t->path == NULL) return write_failed(d, path, NULL, errno);
    } else {
      return write_failed(d, path, NULL, errno); /* a loop, no permission */
    }
    there = stat(t->path, &st) == 0;
  } else {
    t->path = dup_str(path);
    if (t->path == NULL) return write_failed(d, path, NULL, ENOMEM);
  }
  t->exists = there;
  t->is_dir = there && S_ISDIR(st.st_mode);
  t->in_place = there && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
  return TMC_OK;
}

/* Opens path (a device, FIFO or socket) for writing in place; -1 with errno.
 * A FIFO blocks here until a reader opens it, as a shell redirection does. */
static int open_in_place(const char *path) {
  int fd;
  do fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  return fd;
}

/* Writes everything to fd: 0, or the errno of the failure. */
static int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t k = write(fd, p, len);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return errno;
    if (k == 0) return EIO;
    p += k;
    len -= (size_t)k;
  }
  return 0;
}

/* Creates a new temporary file next to target, "TARGET.tmpPID" (or
 * "TARGET.tmpPID.K" when that name is taken: two outputs of one command may
 * lead onto one file through links), into *tmp (tmc_heap). NULL with errno. */
static FILE *open_tmp(const char *target, char **tmp) {
  size_t n = strlen(target) + 48;
  *tmp = tmc_heap_alloc(n);
  if (*tmp == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  for (int k = 0; k < 100; k++) {
    if (k == 0) snprintf(*tmp, n, "%s.tmp%ld", target, (long)getpid());
    else snprintf(*tmp, n, "%s.tmp%ld.%d", target, (long)getpid(), k);
    int fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST) continue;
    FILE *f = fd < 0 ? NULL : fdopen(fd, "wb");
    if (f != NULL) return f;
    int e = errno;
    if (fd >= 0) {
      close(fd);
      remove(*tmp);
    }
    errno = e;
    break;
  }
  tmc_heap_free(*tmp);
  *tmp = NULL;
  return NULL;
}

tmc_status tmc_file_write_atomic(const char *path, const void *data, size_t len,
                                 tmc_diag *d) {
  out_target t;
  tmc_status s = resolve_output(path, &t, d);
  if (s == TMC_OK && t.is_dir) {
    s = write_failed(d, path, &t, EISDIR);
  } else if (s == TMC_OK && t.in_place) {
    int fd = open_in_place(path);
    int err = fd < 0 ? errno : write_all(fd, data, len);
    if (fd >= 0 && close(fd) != 0 && err == 0) err = errno;
    if (err) s = write_failed(d, path, &t, err);
  } else if (s == TMC_OK) {
    char *tmp;
    FILE *f = open_tmp(t.path, &tmp);
    if (f == NULL) {
      s = write_failed(d, path, &t, errno);
    } else {
      errno = 0;
      int err = len == 0 || fwrite(data, 1, len, f) == len ? 0 : errno ? errno : EIO;
      if (fflush(f) != 0 && err == 0) err = errno;
      if (fclose(f) != 0 && err == 0) err = errno;
      if (err == 0 && rename(tmp, t.path) != 0) err = errno;
      if (err) {
        s = write_failed(d, path, &t, err);
        remove(tmp);
      }
    }
    tmc_heap_free(tmp);
  }
  tmc_heap_free(t.path);
  return s;
}

static bool plain_name(const char *s) {
  return s && s[0] && strchr(s, '/') == NULL && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* FOLDER/.BASE.PID.SUFFIX for the file target (tmc_heap): the temporary and
 * the backup of a file live next to it. */
static char *side_name(const char *target, const char *suffix) {
  const char *slash = strrchr(target, '/');
  size_t flen = slash ? (size_t)(slash - target + 1) : 0;
  size_t n = strlen(target) + strlen(suffix) + 32;
  char *p = tmc_heap_alloc(n);
  if (p) snprintf(p, n, "%.*s.%s.%ld.%s", (int)flen, target, target + flen, (long)getpid(),
                  suffix);
  return p;
}

/* Per file of tmc_write_files. */
typedef struct wf_file {
  char *path;  /* DIR/NAME, as messages name it */
  out_target t;
  char *tmp;   /* temporary next to the target (not in place) */
  char *old;   /* the previous target kept as a hard link while renaming */
  int fd;      /* in place: open, else -1 */
  /* 0 nothing yet, 1 temporary written, 2 renamed into place, 3 renamed
   * with the previous file kept as a hard link (the backup), 4 opened in
   * place. */
  int state;
} wf_file;

tmc_status tmc_write_files(const char *dir, const tmc_named_data *files, int n, tmc_diag *d) {
  for (int i = 0; i < n; i++) {
    if (!plain_name(files[i].name))
      return tmc_fail(d, TMC_ERR_USAGE, "bad output file name '%s'",
                      files[i].name ? files[i].name : "");
    for (int j = 0; j < i; j++)
      if (strcmp(files[i].name, files[j].name) == 0)
        return tmc_fail(d, TMC_ERR_USAGE, "output file '%s' twice", files[i].name);
  }
  wf_file *w = tmc_heap_calloc((size_t)n + 1, sizeof *w);
  if (w == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory writing into '%s'", dir);
  for (int i = 0; i < n; i++) w[i].fd = -1;
  tmc_status s = TMC_OK;
  /* Where each name leads, before anything is created. */
  bool links = false;
  size_t dlen = strlen(dir);
  for (int i = 0; s == TMC_OK && i < n; i++) {
    char *slash = concat(dir, dlen, "/");
    w[i].path = slash ? concat(slash, dlen + 1, files[i].name) : NULL;
    tmc_heap_free(slash);
    if (w[i].path == NULL)
      s = tmc_fail(d, TMC_ERR_NOMEM, "out of memory writing into '%s'", dir);
    else
      s = resolve_output(w[i].path, &w[i].t, d);
    links = links || w[i].t.link;
  }
  /* Two links onto one file (or a link onto another name of the set) would
   * make two renames onto one target: refused. Only links can do that: the
   * names themselves are distinct. */
  char *real_dir = links && s == TMC_OK ? realpath(dir, NULL) : NULL;
  for (int i = 0; real_dir != NULL && s == TMC_OK && i < n; i++) {
    for (int j = 0; s == TMC_OK && j < n; j++) {
      if (i == j || !w[i].t.link || w[i].t.in_place || w[j].t.in_place) continue;
      const char *ti = w[i].t.path, *tj = w[j].t.path;
      size_t rl = strlen(real_dir);
      bool same = w[j].t.link ? strcmp(ti, tj) == 0
                              : strncmp(ti, real_dir, rl) == 0 && ti[rl] == '/' &&
                                    strcmp(ti + rl + 1, files[j].name) == 0;
      if (same)
        s = tmc_fail(d, TMC_ERR_IO, "cannot write '%s' (a link to '%s'): '%s' is written "
                     "to the same file", w[i].path, ti, w[j].path);
    }
  }
  free(real_dir);
  bool created = false;
  if (s == TMC_OK) {
    created = mkdir(dir, 0777) == 0;
    if (!created && errno != EEXIST)
      s = tmc_fail(d, TMC_ERR_IO, "cannot create '%s': %s", dir, strerror(errno));
  }
  /* Temporaries written and flushed; devices and FIFOs opened. */
  for (int i = 0; s == TMC_OK && i < n; i++) {
    wf_file *f = &w[i];
    if (f->t.in_place) {
      f->fd = open_in_place(f->path);
      if (f->fd < 0) {
        s = write_failed(d, f->path, &f->t, errno);
        break;
      }
      f->state = 4;
      continue;
    }
    f->tmp = side_name(f->t.path, "tmc-tmp");
    f->old = side_name(f->t.path, "tmc-old");
    FILE *out = f->tmp && f->old ? fopen(f->tmp, "wb") : NULL;
    if (out == NULL) {
      s = write_failed(d, f->path, &f->t, f->tmp && f->old ? errno : ENOMEM);
      break;
    }
    f->state = 1;
    errno = 0;
    int ok = files[i].size == 0 || fwrite(files[i].data, 1, files[i].size, out) == files[i].size;
    ok = fflush(out) == 0 && ok;
    ok = fclose(out) == 0 && ok;
    if (!ok) s = write_failed(d, f->path, &f->t, errno ? errno : EIO);
  }
  /* Renamed over their final names (a link's target), the previous file
   * kept as a hard link until everything succeeded. */
  for (int i = 0; s == TMC_OK && i < n; i++) {
    wf_file *f = &w[i];
    if (f->state != 1) continue;
    remove(f->old); /* a stale backup of an earlier run with this pid */
    bool kept = link(f->t.path, f->old) == 0; /* fails when there is no previous file */
    if (rename(f->tmp, f->t.path) != 0) {
      s = write_failed(d, f->path, &f->t, errno);
      if (kept) remove(f->old);
      break;
    }
    f->state = kept ? 3 : 2;
  }
  /* Devices and FIFOs last: what is written there cannot be taken back, a
   * failure there still takes the renamed files back. */
  for (int i = 0; s == TMC_OK && i < n; i++) {
    if (w[i].state != 4) continue;
    int err = write_all(w[i].fd, files[i].data, files[i].size);
    if (close(w[i].fd) != 0 && err == 0) err = errno;
    w[i].fd = -1;
    if (err) s = write_failed(d, w[i].path, &w[i].t, err);
  }
  for (int i = 0; i < n; i++) {
    wf_file *f = &w[i];
    if (f->state == 1) {
      remove(f->tmp);
    } else if (f->state == 3) {
      if (s == TMC_OK) remove(f->old);
      else rename(f->old, f->t.path); /* the previous file back in place */
    } else if (f->state == 2 && s != TMC_OK) {
      remove(f->t.path);
    }
    if (f->fd >= 0) close(f->fd);
    tmc_heap_free(f->path);
    tmc_heap_free(f->t.path);
    tmc_heap_free(f->tmp);
    tmc_heap_free(f->old);
  }
  if (s != TMC_OK && created) rmdir(dir); /* only when empty */
  tmc_heap_free(w);
  return s;
}

tmc_status tmc_out_open(tmc_out *o, const char *path, tmc_diag *d) {
  memset(o, 0, sizeof *o);
  o->path = path;
  o->fd = -1;
  if (strcmp(path, "-") == 0) {
    o->f = stdout;
    return TMC_OK;
  }
  out_target t;
  tmc_status s = resolve_output(path, &t, d);
  if (s != TMC_OK) {
    tmc_heap_free(t.path);
    return s;
  }
  o->target = t.path;
  o->link = t.link;
  if (t.is_dir) {
    s = write_failed(d, path, &t, EISDIR);
  } else if (t.in_place) {
    /* Opened now (an error shows before any work), written on commit from
     * memory: the device sees the output whole or not at all, and a
     * failure is reported with its cause. */
    o->fd = open_in_place(path);
    if (o->fd < 0) {
      s = write_failed(d, path, &t, errno);
    } else {
      o->f = open_memstream(&o->buf, &o->len);
      if (o->f == NULL) s = write_failed(d, path, &t, ENOMEM);
    }
  } else {
    o->f = open_tmp(t.path, &o->tmp);
    if (o->f == NULL) s = write_failed(d, path, &t, errno);
  }
  if (s != TMC_OK) {
    if (o->fd >= 0) close(o->fd);
    o->fd = -1;
    tmc_heap_free(o->tmp);
    tmc_heap_free(o->target);
    o->tmp = o->target = NULL;
  }
  return s;
}

tmc_status tmc_out_close(tmc_out *o, bool commit, tmc_diag *d) {
  if (o->f == NULL) return TMC_OK;
  int ferr = ferror(o->f);
  if (o->target == NULL) { /* stdout */
    int ok = fflush(o->f) == 0 && !ferr;
    o->f = NULL;
    return ok || !commit ? TMC_OK
                         : tmc_fail(d, TMC_ERR_IO, "error writing to standard output");
  }
  int err = fclose(o->f) != 0 ? errno : ferr ? EIO : 0;
  o->f = NULL;
  if (o->fd >= 0) { /* in place */
    if (commit && err == 0) err = write_all(o->fd, o->buf, o->len);
    if (close(o->fd) != 0 && err == 0) err = errno;
    o->fd = -1;
    free(o->buf); /* open_memstream's */
    o->buf = NULL;
  } else {
    if (commit && err == 0 && rename(o->tmp, o->target) != 0) err = errno;
    if (!commit || err) remove(o->tmp);
  }
  tmc_status s = TMC_OK;
  if (commit && err) {
    out_target t = {.path = o->target, .link = o->link};
    s = write_failed(d, o->path, &t, err);
  }
  tmc_heap_free(o->tmp);
  tmc_heap_free(o->target);
  o->tmp = o->target = NULL;
  return s;
}

tmc_status tmc_out_close_all(tmc_out *o, int n, bool commit, tmc_diag *d) {
  tmc_status s = TMC_OK;
  /* Every output written and flushed, or none is committed. */
  for (int i = 0; i < n && commit; i++) {
    if (o[i].f == NULL) continue;
    errno = 0;
    if (fflush(o[i].f) != 0 || ferror(o[i].f)) {
      out_target t = {.path = o[i].target, .link = o[i].link};
      s = write_failed(d, o[i].path, &t, errno ? errno : EIO);
      commit = false;
    }
  }
  /* Devices and FIFOs first: their write happens now and may still fail;
   * then the renames. */
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < n; i++) {
      if ((o[i].fd >= 0) != (pass == 0)) continue;
      tmc_status r = tmc_out_close(&o[i], commit, d);
      if (r != TMC_OK) {
        if (s == TMC_OK) s = r;
        commit = false;
      }
    }
  return s;
}

const char *tmc_path_base(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}
