/* fuzz_replay: drives the reader fuzz target without libFuzzer (gcc builds,
 * CTest). Steps:
 * 1. replay every input file (the corpus and tests/fuzz/crashes/);
 * 2. with --truncations N, run each input cut at N evenly spread lengths;
 * 3. with --mutate, run seeded mutations of the inputs until the time or
 *    iteration budget ends. Iteration i's input depends only on the seed, i
 *    and the input list, so a crash is replayed with --from i --iterations 1.
 * Crashes abort (sanitizer report or abort()); a death callback then prints
 * what was running and how to reproduce it. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_death.h"
#include "fuzz_reader.h"

#define MAX_INPUT_BYTES (64u << 20) /* larger files are skipped */
#define MAX_GROWTH 4096             /* bytes a mutated input may grow by */

/* Set by the sanitizer runtimes (ASan, UBSan); NULL in a plain build. */

typedef struct input {
  char *path;
  uint8_t *data;
  size_t len;
} input;

typedef struct inputs {
  input *v;
  size_t n, cap;
} inputs;

typedef struct options {
  double seconds;          /* 0: no time limit */
  uint64_t iterations;     /* mutation iterations; 0: no limit */
  uint64_t seed;
  uint64_t from;           /* first mutation iteration */
  bool mutate;
  unsigned truncations;
  bool skip_missing;
  const char *save_dir;    /* write each input to save_dir/current.bin first */
  const char *crash_dir;   /* on a crash, write the input there */
} options;

/* What is running, for the crash report (read by a signal handler). */
static struct {
  const char *phase;
  const char *path;
  uint64_t seed, iteration, length;
  const uint8_t *data;
  size_t len;
  const char *crash_dir;
  volatile sig_atomic_t reported;
} cur;

/* ---- crash report: async-signal-safe writes only ---- */

static void say(const char *s) {
  ssize_t r = write(2, s, strlen(s));
  (void)r;
}

/* Appends s to buf (holding *n chars) if it fits. */
static void append(char *buf, size_t cap, size_t *n, const char *s) {
  size_t m = strlen(s);
  if (*n + m >= cap) return;
  memcpy(buf + *n, s, m + 1);
  *n += m;
}

static void append_u64(char *buf, size_t cap, size_t *n, uint64_t v) {
  char tmp[24];
  int i = (int)sizeof tmp;
  tmp[--i] = '\0';
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  append(buf, cap, n, tmp + i);
}

static void say_u64(uint64_t v) {
  char buf[24];
  size_t n = 0;
  buf[0] = '\0';
  append_u64(buf, sizeof buf, &n, v);
  say(buf);
}

/* crash_dir/crash-mutation-s<seed>-i<iteration>.bin or
 * crash_dir/crash-truncation-<length>-<file name>; a replayed file is already
 * on disk. */
static void save_crash_input(void) {
  if (cur.crash_dir == NULL || cur.data == NULL || strcmp(cur.phase, "replay") == 0) return;
  char path[4096];
  size_t n = 0;
  path[0] = '\0';
  append(path, sizeof path, &n, cur.crash_dir);
  if (strcmp(cur.phase, "mutation") == 0) {
    append(path, sizeof path, &n, "/crash-mutation-s");
    append_u64(path, sizeof path, &n, cur.seed);
    append(path, sizeof path, &n, "-i");
    append_u64(path, sizeof path, &n, cur.iteration);
    append(path, sizeof path, &n, ".bin");
  } else {
    const char *base = strrchr(cur.path, '/');
    append(path, sizeof path, &n, "/crash-truncation-");
    append_u64(path, sizeof path, &n, cur.length);
    append(path, sizeof path, &n, "-");
    append(path, sizeof path, &n, base ? base + 1 : cur.path);
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  ssize_t w = write(fd, cur.data, cur.len);
  close(fd);
  if (w == (ssize_t)cur.len) {
    say("fuzz_replay: input saved to ");
    say(path);
    say("\n");
  }
}

static void report_crash(void) {
  if (cur.reported) return;
  cur.reported = 1;
  if (cur.phase == NULL) return;
  say("\nfuzz_replay: CRASH in phase ");
  say(cur.phase);
  say(", file ");
  say(cur.path ? cur.path : "?");
  if (strcmp(cur.phase, "truncation") == 0) {
    say(" truncated to ");
    say_u64(cur.length);
    say(" bytes (head -c N FILE reproduces it)");
  } else if (strcmp(cur.phase, "mutation") == 0) {
    say(", seed ");
    say_u64(cur.seed);
    say(", iteration ");
    say_u64(cur.iteration);
    say("\nfuzz_replay: reproduce with: fuzz_replay --mutate --seed ");
    say_u64(cur.seed);
    say(" --from ");
    say_u64(cur.iteration);
    say(" --iterations 1 --save-dir DIR <the same FILE_OR_DIR arguments>;"
        " DIR/current.bin is then the input");
  }
  say("\n");
  save_crash_input();
}

/* ---- inputs ---- */

static void die(const char *msg, const char *arg) {
  fprintf(stderr, "fuzz_replay: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
  exit(2);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL) die("out of memory", NULL);
  return p;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = xmalloc(n);
  memcpy(p, s, n);
  return p;
}

static void add_file(inputs *in, const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) die("cannot open", path);
  uint8_t *data = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 65536;
      if (cap > MAX_INPUT_BYTES) {
        fprintf(stderr, "fuzz_replay: skipping %s (more than %u bytes)\n", path,
                MAX_INPUT_BYTES);
        free(data);
        fclose(f);
        return;
      }
      uint8_t *p = realloc(data, cap);
      if (p == NULL) die("out of memory", NULL);
      data = p;
    }
    size_t r = fread(data + len, 1, cap - len, f);
    len += r;
    if (r == 0) break;
  }
  bool err = ferror(f);
  fclose(f);
  if (err) die("cannot read", path);
  if (in->n == in->cap) {
    in->cap = in->cap ? in->cap * 2 : 64;
    input *v = realloc(in->v, in->cap * sizeof *v);
    if (v == NULL) die("out of memory", NULL);
    in->v = v;
  }
  in->v[in->n++] = (input){xstrdup(path), data, len};
}

/* Documentation next to corpus files is not an input. */
static bool is_doc(const char *name) {
  static const char *const exts[] = {".md", ".txt", ".json"};
  size_t n = strlen(name);
  if (name[0] == '.' || strncmp(name, "README", 6) == 0) return true;
  for (size_t k = 0; k < sizeof exts / sizeof exts[0]; k++) {
    size_t m = strlen(exts[k]);
    if (n >= m && strcmp(name + n - m, exts[k]) == 0) return true;
  }
  return false;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or every regular file directly in a directory, in name order. */
static void add_path(inputs *in, const char *path, bool skip_missing) {
  struct stat st;
  if (stat(path, &st) != 0) {
    if (skip_missing) {
      fprintf(stderr, "fuzz_replay: %s absent, skipped\n", path);
      return;
    }
    die("no such file or directory", path);
  }
  if (!S_ISDIR(st.st_mode)) {
    add_file(in, path);
    return;
  }
  DIR *dir = opendir(path);
  if (dir == NULL) die("cannot open directory", path);
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    if (is_doc(e->d_name)) continue;
    size_t m = strlen(path) + strlen(e->d_name) + 2;
    char *full = xmalloc(m);
    snprintf(full, m, "%s/%s", path, e->d_name);
    if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
      free(full);
      continue;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **p = realloc(names, cap * sizeof *p);
      if (p == NULL) die("out of memory", NULL);
      names = p;
    }
    names[n++] = full;
  }
  closedir(dir);
  if (n) qsort(names, n, sizeof *names, cmp_str);
  for (size_t k = 0; k < n; k++) {
    add_file(in, names[k]);
    free(names[k]);
  }
  free(names);
}

/* ---- running ---- */

typedef struct stats {
  uint64_t execs;
  uint64_t by_status[TMC_STATUS_COUNT + 1];
} stats;

static void save_current(const options *o, const uint8_t *data, size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/current.bin", o->save_dir);
  FILE *f = fopen(path, "wb");
  if (f == NULL) die("cannot write", path);
  if ((len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) die("cannot write", path);
}

static void run(const options *o, stats *st, const uint8_t *data, size_t len) {
  if (o->save_dir) save_current(o, data, len);
  cur.data = data;
  cur.len = len;
  tmc_status s = tmc_fuzz_reader_run(data, len);
  st->execs++;
  st->by_status[(unsigned)s < TMC_STATUS_COUNT ? s : TMC_STATUS_COUNT]++;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- mutations: deterministic from (seed, iteration) ---- */

typedef struct rng {
  uint64_t s;
} rng;

static uint64_t next(rng *r) { /* splitmix64 */
  uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* Uniform-enough in [0, n); 0 when n == 0. */
static size_t below(rng *r, size_t n) { return n ? (size_t)(next(r) % n) : 0; }

static void put_le(uint8_t *p, uint32_t v, int bytes) {
  for (int k = 0; k < bytes; k++) p[k] = (uint8_t)(v >> (8 * k));
}

static uint32_t get_le(const uint8_t *p, int bytes) {
  uint32_t v = 0;
  for (int k = 0; k < bytes; k++) v |= (uint32_t)p[k] << (8 * k);
  return v;
}

/* A value that flatbuffer offsets and lengths break on. */
static uint32_t interesting(rng *r, size_t len, size_t pos, uint32_t old) {
  switch (below(r, 14)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 0xffffffffu;
    case 3: return 0x7fffffffu;
    case 4: return 0x80000000u;
    case 5: return (uint32_t)len;
    case 6: return (uint32_t)len - 4;
    case 7: return (uint32_t)(len - pos);     /* offset to the end of the file */
    case 8: return (uint32_t)(len - pos) - 4; /* ... to the last 4 bytes */
    case 9: return (uint32_t)(len - pos) + 1;
    case 10: return (uint32_t)below(r, 65);    /* small offset or count */
    case 11: return 4u * (uint32_t)below(r, 17);
    case 12: return old + (uint32_t)below(r, 33) - 16; /* nearby value */
    default: return 0x10000u << below(r, 12);
  }
}

static uint32_t interesting16(rng *r, uint32_t old) {
  switch (below(r, 8)) {
    case 0: return 0;
    case 1: return 0xffff;
    case 2: return 0x8000;
    case 3: return 0x7fff;
    case 4: return (uint32_t)below(r, 65);
    case 5: return 4u * (uint32_t)below(r, 17);
    default: return (old + (uint32_t)below(r, 9) - 4) & 0xffff;
  }
}

/* Position of a field of `bytes` bytes, 4-aligned three times out of four as
 * flatbuffer offsets and lengths are. len >= bytes. */
static size_t field_pos(rng *r, size_t len, int bytes) {
  size_t pos = below(r, len - (size_t)bytes + 1);
  if (below(r, 4) != 0) pos &= ~(size_t)(bytes == 2 ? 1 : 3);
  return pos;
}

static void mutate_once(rng *r, uint8_t *w, size_t *lenp, size_t cap, const inputs *in) {
  size_t len = *lenp;
  switch (below(r, 12)) {
    case 0: /* flip bits */
    case 1:
      if (len == 0) break;
      for (size_t k = 1 + below(r, 4); k > 0; k--) w[below(r, len)] ^= (uint8_t)(1u << below(r, 8));
      break;
    case 2: { /* set random bytes */
      static const uint8_t special[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
      if (len == 0) break;
      for (size_t k = 1 + below(r, 4); k > 0; k--)
        w[below(r, len)] = below(r, 2) ? (uint8_t)next(r) : special[below(r, sizeof special)];
      break;
    }
    case 3: /* truncate */
      *lenp = below(r, len + 1);
      break;
    case 4: { /* insert a range: random, zero, or copied bytes */
      size_t room = cap - len;
      if (room == 0) break;
      size_t n = 1 + below(r, room < 64 ? room : 64);
      size_t pos = below(r, len + 1);
      memmove(w + pos + n, w + pos, len - pos);
      int how = (int)below(r, 3);
      for (size_t k = 0; k < n; k++)
        w[pos + k] = how == 0 ? (uint8_t)next(r) : how == 1 ? 0 : (len ? w[below(r, len)] : 0);
      *lenp = len + n;
      break;
    }
    case 5: { /* delete a range */
      if (len == 0) break;
      size_t pos = below(r, len);
      size_t max = len - pos < 256 ? len - pos : 256;
      size_t n = 1 + below(r, max);
      memmove(w + pos, w + pos + n, len - pos - n);
      *lenp = len - n;
      break;
    }
    case 6: /* 32-bit field := interesting value */
    case 7: {
      if (len < 4) break;
      size_t pos = field_pos(r, len, 4);
      put_le(w + pos, interesting(r, len, pos, get_le(w + pos, 4)), 4);
      break;
    }
    case 8: { /* 16-bit field (vtable entry) := interesting value */
      if (len < 2) break;
      size_t pos = field_pos(r, len, 2);
      put_le(w + pos, interesting16(r, get_le(w + pos, 2)), 2);
      break;
    }
    case 9: { /* 32-bit field += small delta */
      if (len < 4) break;
      size_t pos = field_pos(r, len, 4);
      put_le(w + pos, get_le(w + pos, 4) + (uint32_t)below(r, 17) - 8, 4);
      break;
    }
    case 10: { /* splice another input: same offset or anywhere */
      const input *o = &in->v[below(r, in->n)];
      size_t p = below(r, len + 1);
      size_t q = below(r, 2) ? p : below(r, o->len + 1);
      if (q > o->len) q = o->len;
      size_t n = o->len - q;
      if (n > cap - p) n = cap - p;
      memcpy(w + p, o->data + q, n);
      *lenp = p + n;
      break;
    }
    default: { /* copy a chunk within the input */
      if (len < 2) break;
      size_t src = below(r, len), dst = below(r, len);
      size_t max = len - (src > dst ? src : dst);
      size_t n = 1 + below(r, max < 128 ? max : 128);
      memmove(w + dst, w + src, n);
      break;
    }
  }
}

/* The input of iteration i: a corpus file with 1 to 8 mutations stacked. */
static size_t make_mutant(const options *o, const inputs *in, uint64_t i, uint8_t *w,
                          size_t cap) {
  rng r = {o->seed * 0xd1342543de82ef95u ^ (i + 1) * 0x9e3779b97f4a7c15u};
  next(&r);
  const input *base = &in->v[below(&r, in->n)];
  cur.path = base->path;
  memcpy(w, base->data, base->len);
  size_t len = base->len;
  size_t n = below(&r, 4) ? 1 + below(&r, 2) : 1 + below(&r, 8);
  for (size_t k = 0; k < n; k++) mutate_once(&r, w, &len, cap, in);
  return len;
}

/* ---- main ---- */

static void usage(void) {
  fprintf(stderr,
          "usage: fuzz_replay [options] FILE_OR_DIR...\n"
          "  Replays every file (directories: their regular files, docs skipped),\n"
          "  then truncations, then seeded mutations.\n"
          "  --seconds N      time budget for the whole run (mutations stop there)\n"
          "  --iterations N   mutation iterations (default 100000 when no --seconds)\n"
          "  --seed S         mutation seed (default 1)\n"
          "  --from I         first mutation iteration (to reproduce a crash)\n"
          "  --mutate         run the mutation phase\n"
          "  --truncations N  run each input cut at N evenly spread lengths\n"
          "  --skip-missing   skip absent paths instead of failing\n"
          "  --save-dir DIR   write each input to DIR/current.bin before running it\n"
          "  --crash-dir DIR  on a crash, write the input to DIR/crash-*.bin\n");
  exit(2);
}

static uint64_t parse_u64(const char *s) {
  char *end;
  unsigned long long v = strtoull(s, &end, 0);
  if (*s == '\0' || *s == '-' || *end != '\0') die("not a number", s);
  return v;
}

int main(int argc, char **argv) {
  options o = {.seed = 1};
  inputs in = {0};
  const char **paths = xmalloc((size_t)argc * sizeof *paths);
  int n_paths = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_arg = i + 1 < argc;
    if (strcmp(a, "--mutate") == 0) {
      o.mutate = true;
    } else if (strcmp(a, "--skip-missing") == 0) {
      o.skip_missing = true;
    } else if (strcmp(a, "--seconds") == 0 && has_arg) {
      char *end;
      o.seconds = strtod(argv[++i], &end);
      if (*end != '\0' || !(o.seconds >= 0)) die("bad --seconds", argv[i]);
    } else if (strcmp(a, "--iterations") == 0 && has_arg) {
      o.iterations = parse_u64(argv[++i]);
    } else if (strcmp(a, "--seed") == 0 && has_arg) {
      o.seed = parse_u64(argv[++i]);
    } else if (strcmp(a, "--from") == 0 && has_arg) {
      o.from = parse_u64(argv[++i]);
    } else if (strcmp(a, "--truncations") == 0 && has_arg) {
      uint64_t t = parse_u64(argv[++i]);
      if (t > 1000000) die("--truncations above 1000000", argv[i]);
      o.truncations = (unsigned)t;
    } else if (strcmp(a, "--save-dir") == 0 && has_arg) {
      o.save_dir = argv[++i];
    } else if (strcmp(a, "--crash-dir") == 0 && has_arg) {
      o.crash_dir = argv[++i];
    } else if (a[0] == '-' && a[1] != '\0') {
      usage();
    } else {
      paths[n_paths++] = a;
    }
  }
  if (n_paths == 0) usage();
  if (o.mutate && o.seconds == 0 && o.iterations == 0) o.iterations = 100000;
  for (int k = 0; k < n_paths; k++) add_path(&in, paths[k], o.skip_missing);
  free(paths);
  if (in.n == 0) {
    fprintf(stderr, "fuzz_replay: no input files; mutating an empty input\n");
    add_file(&in, "/dev/null");
  }
  cur.crash_dir = o.crash_dir;
  tmc_fuzz_on_death(report_crash);

  double t0 = now();
  double deadline = o.seconds > 0 ? t0 + o.seconds : 0;
  stats st = {0};
  size_t max_len = 0, total = 0;
  for (size_t k = 0; k < in.n; k++) {
    if (in.v[k].len > max_len) max_len = in.v[k].len;
    total += in.v[k].len;
  }
  fprintf(stderr, "fuzz_replay: %zu inputs (%zu bytes), seed %llu\n", in.n, total,
          (unsigned long long)o.seed);

  /* 1. replay */
  cur.phase = "replay";
  for (size_t k = 0; k < in.n; k++) {
    cur.path = in.v[k].path;
    run(&o, &st, in.v[k].data, in.v[k].len);
  }
  uint64_t n_replay = st.execs;

  /* 2. truncations: lengths len*j/N for j < N, each distinct length once */
  cur.phase = "truncation";
  for (size_t k = 0; k < in.n && o.truncations; k++) {
    const input *x = &in.v[k];
    cur.path = x->path;
    uint64_t prev = UINT64_MAX;
    for (unsigned j = 0; j < o.truncations; j++) {
      uint64_t l = (uint64_t)x->len * j / o.truncations;
      if (l == prev) continue;
      prev = cur.length = l;
      run(&o, &st, x->data, (size_t)l);
    }
  }
  uint64_t n_trunc = st.execs - n_replay;
  double t_trunc = now();

  /* 3. mutations */
  uint64_t n_mut = 0;
  if (o.mutate) {
    size_t cap = max_len + MAX_GROWTH;
    uint8_t *w = xmalloc(cap);
    cur.phase = "mutation";
    cur.seed = o.seed;
    for (uint64_t i = o.from; o.iterations == 0 || i - o.from < o.iterations; i++) {
      if (deadline && (n_mut & 15) == 0 && now() >= deadline) break;
      cur.iteration = i;
      size_t len = make_mutant(&o, &in, i, w, cap);
      run(&o, &st, w, len);
      n_mut++;
    }
    free(w);
  }
  cur.phase = NULL;

  double secs = now() - t0;
  fprintf(stderr,
          "fuzz_replay: %llu replays, %llu truncations (%.1f s), %llu mutations "
          "(iterations %llu..%llu)\n",
          (unsigned long long)n_replay, (unsigned long long)n_trunc, t_trunc - t0,
          (unsigned long long)n_mut, (unsigned long long)o.from,
          (unsigned long long)(o.from + n_mut));
  fprintf(stderr, "fuzz_replay: outcomes:");
  for (int s = 0; s <= TMC_STATUS_COUNT; s++)
    if (st.by_status[s])
      fprintf(stderr, " %s %llu;", s < TMC_STATUS_COUNT ? tmc_status_str((tmc_status)s) : "?",
              (unsigned long long)st.by_status[s]);
  fprintf(stderr, "\n");
  printf("fuzz_replay: %llu executions in %.1f s (%.0f/s), 0 crashes\n",
         (unsigned long long)st.execs, secs, secs > 0 ? (double)st.execs / secs : 0.0);
  for (size_t k = 0; k < in.n; k++) {
    free(in.v[k].path);
    free(in.v[k].data);
  }
  free(in.v);
  return 0;
}
