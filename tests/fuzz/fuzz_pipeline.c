/* fuzz_pipeline: structure-aware mutation of valid models through the whole
 * pipeline (issue 13, item 4). Each iteration takes a corpus model, decodes
 * it with tmc's reader and applies a few edits to the decoded structure:
 * shapes, ranks, tensor types, quantization (scales, zero points, their
 * counts, quantized_dimension), constant bytes (parameter tensors: axes,
 * perms, paddings, begin/end/strides, sizes, split counts) or making a
 * parameter non-constant, every builtin option field, the options table,
 * operator operands (-1 optional), operand counts, opcode indices, operator
 * order, the graph's input and output lists. It then builds the graph,
 * plans it (random planner, --io int8, patches), runs it on the host in a
 * heap arena of exactly the planned size, and generates its C. Every Nth
 * accepted model (--compile-every) the generated C is also built with the
 * system cc under ASan + UBSan and run on the same inputs: its outputs must
 * equal the host runner's byte for byte. A refusal is fine; a crash, a
 * sanitizer report, a status outside tmc's set, a failing build of the
 * generated C or a mismatch is a finding.
 *
 * Edits are text lines ("dim 3 1 0", "opt 2 stride_w -1", ...): the fuzzer
 * generates a line, then parses and applies it, so the lines of an
 * iteration (its recipe: the seed model plus the lines) replay it exactly,
 * whatever the generator later becomes. On a finding the recipe is printed
 * and, with --save-dir, written to DIR/case-*.txt with the mutated model
 * (tmc's writer) next to it as DIR/case-*.tflite (not to be committed: it
 * derives from the shared models).
 *
 * Usage:
 *   fuzz_pipeline [--seconds N] [--iterations N] [--seed S] [--save-dir DIR]
 *                 [--compile-every N] [--shared DIR] FILE|DIR...
 *   fuzz_pipeline --case RECIPE... [--shared DIR] [--write-model OUT]
 *   fuzz_pipeline --cases DIR [--shared DIR]   (DIR's .txt files; CTest)
 *   fuzz_pipeline --replay STATE FILE          (the iteration a progress
 *                                               line names, this version)
 * A recipe's seed is a path relative to the shared folder (--shared, else
 * $TMC_SHARED_DIR, else ../shared). --cases exits 77 when a seed is absent,
 * 1 instead when CI=true (CI always has the shared folder). */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_death.h"

#include "base/arena.h"
#include "base/file.h"
#include "emit/emit.h"
#include "host/run.h"
#include "ir/build.h"
#include "plan/patch.h"
#include "plan/plan.h"
#include "reader/tflite.h"
#include "reader/tflite_write.h"

/* A sanitizer report ends in abort(), so the SIGABRT handler prints the
 * recipe even where the runtime calls no death callback (UBSan). */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) {
  return "print_stacktrace=1:halt_on_error=1:abort_on_error=1";
}
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "abort_on_error=1"; }

/* ---- corpus ---- */

typedef struct corpus {
  int n, cap;
  char **path;
  uint8_t **bytes;
  size_t *len;
} corpus;

static int add_file(corpus *c, const char *path) {
  size_t l = strlen(path);
  if (l < 7 || strcmp(path + l - 7, ".tflite") != 0) return 0;
  uint8_t *b;
  size_t len;
  tmc_diag d;
  tmc_diag_init(&d, path);
  if (tmc_file_read(path, (size_t)64 << 20, &b, &len, &d) != TMC_OK) return 0;
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 64;
    c->path = realloc(c->path, (size_t)c->cap * sizeof *c->path);
    c->bytes = realloc(c->bytes, (size_t)c->cap * sizeof *c->bytes);
    c->len = realloc(c->len, (size_t)c->cap * sizeof *c->len);
    if (!c->path || !c->bytes || !c->len) abort();
  }
  c->path[c->n] = malloc(l + 1);
  if (c->path[c->n] == NULL) abort();
  memcpy(c->path[c->n], path, l + 1);
  c->bytes[c->n] = b;
  c->len[c->n] = len;
  c->n++;
  return 1;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or a directory's files in name order (so a seed means the same
 * corpus index on every machine). */
static void add_path(corpus *c, const char *path) {
  DIR *dir = opendir(path);
  if (dir == NULL) {
    add_file(c, path);
    return;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      names = realloc(names, cap * sizeof *names);
      if (names == NULL) abort();
    }
    size_t m = strlen(path) + strlen(e->d_name) + 2;
    names[n] = malloc(m);
    if (names[n] == NULL) abort();
    snprintf(names[n++], m, "%s/%s", path, e->d_name);
  }
  closedir(dir);
  if (n) qsort(names, n, sizeof *names, cmp_str);
  for (size_t k = 0; k < n; k++) {
    add_file(c, names[k]);
    free(names[k]);
  }
  free(names);
}

static void corpus_free(corpus *c) {
  for (int i = 0; i < c->n; i++) {
    free(c->path[i]);
    free(c->bytes[i]);
  }
  free(c->path);
  free(c->bytes);
  free(c->len);
}

/* ---- random numbers ---- */

static uint64_t rng_state = 1;
static uint32_t rnd(void) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(rng_state >> 33);
}
static int32_t pick(int32_t n) { return n > 0 ? (int32_t)(rnd() % (uint32_t)n) : 0; }

/* A value that breaks things: small, zero, negative, huge. */
static int32_t nasty_int(void) {
  static const int32_t v[] = {0,     1,         2,         3,   -1,    -2,   4,      7,
                              8,     16,        64,        127, -128,  255,  256,    65535,
                              65536, 1 << 24,   INT32_MAX, INT32_MIN, INT32_MAX - 1,
                              -65536, 1 << 30, 46341};
  return v[pick((int32_t)(sizeof v / sizeof v[0]))];
}
static int32_t small_or_nasty(void) { return pick(3) ? pick(11) - 3 : nasty_int(); }

/* Float bit patterns: zero, -0, denormals, tiny, normal, huge, inf, NaN. */
static uint32_t nasty_float_bits(void) {
  static const uint32_t v[] = {
      0x00000000u, 0x80000000u, 0x00000001u, 0x00400000u, 0x00800000u, 0x0da24260u,
      0x3089705fu, 0x3b800000u, 0x3c000000u, 0x3f000000u, 0x3f800000u, 0x40000000u,
      0x4f000000u, 0x5f000000u, 0x7f7fffffu, 0x7f800000u, 0xff800000u, 0x7fc00000u,
      0xffc00001u, 0xbf800000u, 0xbc000000u, 0x2f800000u, 0x30000000u, 0x4b000000u};
  if (pick(8) == 0) return rnd() ^ (rnd() << 16);
  return v[pick((int32_t)(sizeof v / sizeof v[0]))];
}

static int64_t nasty_zp(void) {
  static const int64_t v[] = {0, 1, -1, 127, -128, 128, -129, 255, 256, 32767, -32768,
                              INT32_MAX, INT32_MIN, (int64_t)1 << 40, INT64_MIN, INT64_MAX};
  return v[pick((int32_t)(sizeof v / sizeof v[0]))];
}

/* ---- options: every decoded field by name ---- */

enum { K_I8, K_BOOL, K_I32, K_F32, K_VI32 };
#define FZ_KIND_I8 K_I8
#define FZ_KIND_BOOL K_BOOL
#define FZ_KIND_I32 K_I32
#define FZ_KIND_F32 K_F32
#define FZ_KIND_VI32 K_VI32

/* Field k of o's table: its name, kind and address; returns the table's
 * field count (-1 when o is not a decoded table). */
static int opt_field(tmc_tfl_options *o, int k, const char **name, int *kind, void **p) {
  if (!o->decoded) return -1;
  switch (o->type) {
#define TMC_TFL_F(id, kind_, name_, def) \
  if (i_++ == k) {                       \
    *name = #name_;                      \
    *kind = FZ_KIND_##kind_;             \
    *p = &s_->name_;                     \
  }
#define TMC_TFL_OPT(t, Table, member, fields) \
  case t: {                                   \
    tmc_tfl_##member *s_ = &o->u.member;      \
    int i_ = 0;                               \
    (void)s_;                                 \
    fields return i_;                         \
  }
#include "reader/options.def"
#undef TMC_TFL_OPT
#undef TMC_TFL_F
    default:
      return -1;
  }
}

static const uint8_t option_types[] = {
#define TMC_TFL_OPT(t, Table, member, fields) t,
#include "reader/options.def"
#undef TMC_TFL_OPT
};

/* The builtin codes tmc compiles and their options tables (ir/ops.def). */
static const struct { int16_t code, opts; } op_codes[] = {
#define TMC_OP(kind, code, opts, ...) {code, opts},
#include "ir/ops.def"
#undef TMC_OP
};
#define N_OP_CODES ((int32_t)(sizeof op_codes / sizeof op_codes[0]))

/* Sets the table type of o (every field zero, as an empty table gives for
 * all but a few defaults). */
static void set_option_type(tmc_tfl_options *o, int type) {
  memset(&o->u, 0, sizeof o->u);
  o->type = (uint8_t)type;
  o->decoded = false;
  for (size_t i = 0; i < sizeof option_types; i++)
    if (option_types[i] == type) o->decoded = true;
}

/* ---- edits: generated as text, then parsed and applied ---- */

#define MAX_LINES 48
#define LINE_LEN 160

typedef struct recipe {
  char seed[1024];
  char expect[256]; /* "STATUS[ message substring]" from an 'expect' line, or "" */
  int n;
  char line[MAX_LINES][LINE_LEN];
} recipe;

static int read_ints(const char *s, int32_t *v, int max) {
  int n = 0;
  while (*s == ' ') s++;
  if (*s == '\0' || strcmp(s, "[]") == 0) return 0;
  while (*s && n < max) {
    char *end;
    long long x = strtoll(s, &end, 10);
    if (end == s) break;
    v[n++] = (int32_t)x;
    s = *end == ',' ? end + 1 : end;
  }
  return n;
}

static void write_ints(char *buf, size_t cap, const int32_t *v, int n) {
  size_t k = 0;
  if (n == 0) snprintf(buf, cap, "[]");
  for (int i = 0; i < n && k < cap; i++)
    k += (size_t)snprintf(buf + k, cap - k, i ? ",%d" : "%d", v[i]);
}

static tmc_tfl_tensor *tensor_at(tmc_tfl_subgraph *sg, long t) {
  return t >= 0 && t < sg->n_tensors ? &sg->tensors[t] : NULL;
}
static tmc_tfl_operator *op_at(tmc_tfl_subgraph *sg, long o) {
  return o >= 0 && o < sg->n_operators ? &sg->operators[o] : NULL;
}

/* Resizes an int vector in the arena (new entries: fill). */
static void resize_ivec(tmc_arena *a, tmc_ivec *v, int32_t n, int32_t fill) {
  if (n < 0 || n > 64) return;
  int32_t *p = n ? tmc_arena_array(a, (size_t)n, sizeof *p) : NULL;
  if (n && p == NULL) abort();
  for (int32_t i = 0; i < n; i++) p[i] = i < v->n ? v->v[i] : fill;
  v->n = n;
  v->v = p;
}

typedef struct plan_choice {
  int io_int8, first_fit, patch, main, profile;
} plan_choice;

/* Applies one edit line to the model; unknown or out-of-range edits are
 * ignored (the generator only makes valid ones, recipes are hand-edited). */
static void apply(const char *line, tmc_tfl_model *m, tmc_arena *a, plan_choice *pc,
                  uint64_t *fill, int *compile) {
  char kw[32], rest[LINE_LEN];
  long x = 0, y = 0;
  long long z = 0;
  rest[0] = '\0';
  if (sscanf(line, "%31s", kw) != 1) return;
  tmc_tfl_subgraph *sg = m->n_subgraphs > 0 ? &m->subgraphs[0] : NULL;
  if (!strcmp(kw, "plan")) {
    char pl[16] = "", pa[16] = "";
    if (sscanf(line, "plan io_int8=%d planner=%15s patch=%15s main=%d profile=%d", &pc->io_int8,
               pl, pa, &pc->main, &pc->profile) == 5) {
      pc->first_fit = !strcmp(pl, "first-fit");
      pc->patch = !strcmp(pa, "auto");
    }
    return;
  }
  if (!strcmp(kw, "fill")) {
    unsigned long long f;
    if (sscanf(line, "fill %llu", &f) == 1) *fill = f;
    return;
  }
  if (!strcmp(kw, "compile")) {
    *compile = 1;
    return;
  }
  if (sg == NULL) return;
  if (!strcmp(kw, "swap")) {
    if (sscanf(line, "swap %ld %ld", &x, &y) == 2 && op_at(sg, x) && op_at(sg, y)) {
      tmc_tfl_operator t = sg->operators[x];
      sg->operators[x] = sg->operators[y];
      sg->operators[y] = t;
    }
    return;
  }
  if (!strcmp(kw, "move")) { /* operator x moves to position y */
    if (sscanf(line, "move %ld %ld", &x, &y) == 2 && op_at(sg, x) && op_at(sg, y)) {
      tmc_tfl_operator t = sg->operators[x];
      if (x < y)
        memmove(&sg->operators[x], &sg->operators[x + 1], (size_t)(y - x) * sizeof t);
      else
        memmove(&sg->operators[y + 1], &sg->operators[y], (size_t)(x - y) * sizeof t);
      sg->operators[y] = t;
    }
    return;
  }
  if (!strcmp(kw, "gin") || !strcmp(kw, "gout")) {
    tmc_ivec *v = kw[1] == 'i' ? &sg->inputs : &sg->outputs;
    if (sscanf(line, "%*s %ld %lld", &x, &z) == 2 && x >= 0 && x < v->n) v->v[x] = (int32_t)z;
    return;
  }
  if (!strcmp(kw, "ngin") || !strcmp(kw, "ngout")) {
    tmc_ivec *v = kw[2] == 'i' ? &sg->inputs : &sg->outputs;
    if (sscanf(line, "%*s %ld %lld", &x, &z) == 2) resize_ivec(a, v, (int32_t)x, (int32_t)z);
    return;
  }
  if (!strcmp(kw, "code") || !strcmp(kw, "recode")) {
    /* code K V: opcode K becomes builtin V; recode OP V: OP's opcode does,
     * and OP's options become V's table (as they were if already so). */
    if (sscanf(line, "%*s %ld %lld", &x, &z) != 2) return;
    if (kw[0] == 'r') {
      tmc_tfl_operator *op = op_at(sg, x);
      if (op == NULL) return;
      for (int32_t i = 0; i < N_OP_CODES; i++)
        if (op_codes[i].code == z && op->options.type != op_codes[i].opts)
          set_option_type(&op->options, op_codes[i].opts);
      x = (long)op->opcode_index;
    }
    if (x >= 0 && x < m->n_opcodes) {
      m->opcodes[x].code = m->opcodes[x].builtin_code = (int32_t)z;
      m->opcodes[x].deprecated_builtin_code = z < 127 ? (int32_t)z : 127;
    }
    return;
  }
  if (!strcmp(kw, "dynamic")) { /* tensor x: no buffer, and a graph input */
    if (sscanf(line, "dynamic %ld", &x) == 1 && tensor_at(sg, x)) {
      sg->tensors[x].buffer = 0;
      resize_ivec(a, &sg->inputs, sg->inputs.n + 1, (int32_t)x);
    }
    return;
  }
  if (!strcmp(kw, "nbuf")) { /* the buffer count: new buffers are empty */
    if (sscanf(line, "nbuf %ld", &x) == 1 && x >= 0 && x <= 1 << 16) {
      tmc_tfl_buffer *b = x ? tmc_arena_array(a, (size_t)x, sizeof *b) : NULL;
      if (x && b == NULL) abort();
      for (long i = 0; i < x; i++)
        b[i] = i < m->n_buffers ? m->buffers[i] : (tmc_tfl_buffer){{NULL, 0}, 0, 0};
      m->buffers = b;
      m->n_buffers = (int32_t)x;
    }
    return;
  }
  if (!strcmp(kw, "tbyte") || !strcmp(kw, "tword") || !strcmp(kw, "tbufsize")) {
    /* The same on tensor x's buffer. */
    if (sscanf(line, "%*s %ld %ld %lld", &x, &y, &z) < 2 || !tensor_at(sg, x)) return;
    x = (long)sg->tensors[x].buffer;
    memmove(kw, kw + 1, strlen(kw));
  } else if (strcmp(kw, "byte") && strcmp(kw, "word") && strcmp(kw, "bufsize")) {
    x = -1;
  } else if (sscanf(line, "%*s %ld %ld %lld", &x, &y, &z) < 2) {
    return;
  }
  if (!strcmp(kw, "byte") || !strcmp(kw, "word") || !strcmp(kw, "bufsize")) {
    if (x < 0 || x >= m->n_buffers) return;
    tmc_tfl_buffer *b = &m->buffers[x];
    uint8_t *p = (uint8_t *)(uintptr_t)b->data.data;
    if (kw[0] == 'b' && kw[1] == 'y' && y >= 0 && (size_t)y < b->data.size)
      p[y] = (uint8_t)z;
    else if (kw[0] == 'w' && y >= 0 && b->data.size >= 4 && (size_t)y <= b->data.size - 4) {
      uint32_t u = (uint32_t)z;
      for (int k = 0; k < 4; k++) p[y + k] = (uint8_t)(u >> (8 * k));
    } else if (kw[0] == 'b' && kw[1] == 'u' && y >= 0 && y <= (1 << 20)) {
      /* A new copy in the arena (the model bytes stay untouched), 16-aligned
       * like the writer places buffers; grown bytes are zero. */
      uint8_t *q = y ? tmc_arena_alloc(a, (size_t)y + 16) : NULL;
      if (y && q == NULL) abort();
      if (q) {
        q += (16 - (uintptr_t)q % 16) % 16;
        memset(q, 0, (size_t)y);
        if (b->data.size) memcpy(q, p, (size_t)y < b->data.size ? (size_t)y : b->data.size);
      }
      b->data.data = q;
      b->data.size = (size_t)y;
    }
    return;
  }
  /* Operator edits: "KW OP ..." */
  if (!strcmp(kw, "in") || !strcmp(kw, "out") || !strcmp(kw, "nin") || !strcmp(kw, "nout") ||
      !strcmp(kw, "opcode") || !strcmp(kw, "optype") || !strcmp(kw, "opt")) {
    if (sscanf(line, "%*s %ld", &x) != 1) return;
    tmc_tfl_operator *op = op_at(sg, x);
    if (op == NULL) return;
    if (!strcmp(kw, "in") || !strcmp(kw, "out")) {
      tmc_ivec *v = kw[0] == 'i' ? &op->inputs : &op->outputs;
      if (sscanf(line, "%*s %*d %ld %lld", &y, &z) == 2 && y >= 0 && y < v->n)
        v->v[y] = (int32_t)z;
    } else if (!strcmp(kw, "nin") || !strcmp(kw, "nout")) {
      tmc_ivec *v = kw[1] == 'i' ? &op->inputs : &op->outputs;
      if (sscanf(line, "%*s %*d %ld %lld", &y, &z) == 2) resize_ivec(a, v, (int32_t)y, (int32_t)z);
    } else if (!strcmp(kw, "opcode")) {
      if (sscanf(line, "%*s %*d %lld", &z) == 1) op->opcode_index = (uint32_t)z;
    } else if (!strcmp(kw, "optype")) {
      if (sscanf(line, "%*s %*d %lld", &z) == 1 && z >= 0 && z < 256)
        set_option_type(&op->options, (int)z);
    } else {
      char fname[64];
      if (sscanf(line, "%*s %*d %63s %[^\n]", fname, rest) != 2) return;
      const char *name;
      int kind;
      void *p;
      int nf = opt_field(&op->options, 0, &name, &kind, &p);
      for (int k = 0; k < nf; k++) {
        opt_field(&op->options, k, &name, &kind, &p);
        if (strcmp(name, fname) != 0) continue;
        long long v = strtoll(rest, NULL, 0);
        if (kind == K_I8)
          *(int32_t *)p = (int8_t)v;
        else if (kind == K_BOOL)
          *(bool *)p = v != 0;
        else if (kind == K_I32)
          *(int32_t *)p = (int32_t)v;
        else if (kind == K_F32) {
          uint32_t u = (uint32_t)strtoull(rest, NULL, 0);
          memcpy(p, &u, 4);
        } else {
          int32_t vals[16];
          int n = read_ints(rest, vals, 16);
          tmc_ivec *iv = p;
          iv->n = 0;
          resize_ivec(a, iv, n, 0);
          for (int i = 0; i < n; i++) iv->v[i] = vals[i];
        }
      }
    }
    return;
  }
  /* Tensor edits: "KW TENSOR ..." */
  if (sscanf(line, "%*s %ld %[^\n]", &x, rest) < 1) return;
  tmc_tfl_tensor *t = tensor_at(sg, x);
  if (t == NULL) return;
  if (!strcmp(kw, "shape")) {
    int32_t v[16];
    int n = read_ints(rest, v, 16);
    t->shape.n = 0;
    resize_ivec(a, &t->shape, n, 0);
    for (int i = 0; i < n; i++) t->shape.v[i] = v[i];
  } else if (!strcmp(kw, "dim")) {
    if (sscanf(rest, "%ld %lld", &y, &z) == 2 && y >= 0 && y < t->shape.n)
      t->shape.v[y] = (int32_t)z;
  } else if (!strcmp(kw, "type")) {
    if (sscanf(rest, "%lld", &z) == 1) t->type = (int8_t)z;
  } else if (!strcmp(kw, "buffer")) {
    if (sscanf(rest, "%lld", &z) == 1) t->buffer = (uint32_t)z;
  } else if (!strcmp(kw, "quant")) {
    if (sscanf(rest, "%lld", &z) == 1) {
      t->has_quant = z != 0;
      if (!t->has_quant) memset(&t->quant, 0, sizeof t->quant);
    }
  } else if (!strcmp(kw, "qdim")) {
    if (sscanf(rest, "%lld", &z) == 1) t->quant.quantized_dimension = (int32_t)z;
  } else if (!strcmp(kw, "scale")) {
    unsigned long long u;
    if (sscanf(rest, "%ld %llx", &y, &u) == 2 && y >= 0 && y < t->quant.n_scale) {
      uint32_t b = (uint32_t)u;
      memcpy(&t->quant.scale[y], &b, 4);
    }
  } else if (!strcmp(kw, "zp")) {
    if (sscanf(rest, "%ld %lld", &y, &z) == 2 && y >= 0 && y < t->quant.n_zero_point)
      t->quant.zero_point[y] = z;
  } else if (!strcmp(kw, "nscale") || !strcmp(kw, "nzp")) {
    if (sscanf(rest, "%ld", &y) != 1 || y < 0 || y > 4096) return;
    t->has_quant = true;
    if (kw[1] == 's') {
      float *p = y ? tmc_arena_array(a, (size_t)y, sizeof *p) : NULL;
      if (y && p == NULL) abort();
      for (long i = 0; i < y; i++)
        p[i] = i < t->quant.n_scale ? t->quant.scale[i]
               : t->quant.n_scale ? t->quant.scale[0] : 0.05f;
      t->quant.scale = p;
      t->quant.n_scale = (int32_t)y;
    } else {
      int64_t *p = y ? tmc_arena_array(a, (size_t)y, sizeof *p) : NULL;
      if (y && p == NULL) abort();
      for (long i = 0; i < y; i++)
        p[i] = i < t->quant.n_zero_point ? t->quant.zero_point[i]
               : t->quant.n_zero_point ? t->quant.zero_point[0] : 0;
      t->quant.zero_point = p;
      t->quant.n_zero_point = (int32_t)y;
    }
  }
}

/* ---- the generator: one random edit line for model m ---- */

/* A tensor: half the time an operand of a random operator. */
static int32_t some_tensor(tmc_tfl_subgraph *sg) {
  if (sg->n_operators > 0 && pick(2)) {
    tmc_tfl_operator *op = &sg->operators[pick(sg->n_operators)];
    tmc_ivec *v = pick(3) ? &op->inputs : &op->outputs;
    int32_t t = v->n > 0 ? v->v[pick(v->n)] : -1;
    if (t >= 0 && t < sg->n_tensors) return t;
  }
  return pick(sg->n_tensors);
}

/* A tensor index for an operand: mostly valid, sometimes -1 or out of range. */
static int32_t some_index(tmc_tfl_subgraph *sg) {
  switch (pick(12)) {
    case 0: return -1;
    case 1: return sg->n_tensors;
    case 2: return nasty_int();
    default: return pick(sg->n_tensors);
  }
}

/* A constant parameter or int32 tensor operand of a random operator and its
 * buffer (with data), or -1. */
static int32_t some_param(tmc_tfl_model *m, tmc_tfl_subgraph *sg, int32_t *buf) {
  if (sg->n_operators < 1) return -1;
  tmc_tfl_operator *op = &sg->operators[pick(sg->n_operators)];
  for (int tries = 0; tries < 4 && op->inputs.n > 0; tries++) {
    int32_t t = op->inputs.v[pick(op->inputs.n)];
    if (t < 0 || t >= sg->n_tensors) continue;
    uint32_t b = sg->tensors[t].buffer;
    if (b > 0 && b < (uint32_t)m->n_buffers && m->buffers[b].data.size > 0) {
      *buf = (int32_t)b;
      return t;
    }
  }
  return -1;
}

static void gen(tmc_tfl_model *m, char *l, size_t cap) {
  l[0] = '\0';
  if (m->n_subgraphs < 1) return;
  tmc_tfl_subgraph *sg = &m->subgraphs[0];
  int32_t nt = sg->n_tensors, no = sg->n_operators;
  int32_t t = nt > 0 ? some_tensor(sg) : -1;
  tmc_tfl_tensor *tt = t >= 0 ? &sg->tensors[t] : NULL;
  tmc_tfl_operator *op = NULL;
  int32_t o = no > 0 ? pick(no) : -1;
  if (o >= 0) op = &sg->operators[o];
  switch (pick(26)) {
    case 0:
    case 1: /* a dimension */
      if (tt && tt->shape.n > 0)
        snprintf(l, cap, "dim %d %d %d", t, pick(tt->shape.n),
                 pick(4) ? pick(10) : nasty_int());
      break;
    case 2: { /* the shape: drop, add or copy another tensor's */
      if (!tt) break;
      int32_t v[8], n = tt->shape.n < 8 ? tt->shape.n : 8;
      for (int i = 0; i < n; i++) v[i] = tt->shape.v[i];
      int how = pick(4);
      if (how == 0 && n > 0) {
        int k = pick(n);
        memmove(v + k, v + k + 1, (size_t)(n - k - 1) * sizeof *v);
        n--;
      } else if (how == 1 && n < 8) {
        int k = pick(n + 1);
        memmove(v + k + 1, v + k, (size_t)(n - k) * sizeof *v);
        v[k] = pick(3) ? 1 : pick(5);
        n++;
      } else if (how == 2 && nt > 0) {
        tmc_tfl_tensor *u = &sg->tensors[some_tensor(sg)];
        n = u->shape.n < 8 ? u->shape.n : 8;
        for (int i = 0; i < n; i++) v[i] = u->shape.v[i];
      } else {
        n = pick(7);
        for (int i = 0; i < n; i++) v[i] = pick(3) ? 1 + pick(6) : small_or_nasty();
      }
      char s[128];
      write_ints(s, sizeof s, v, n);
      snprintf(l, cap, "shape %d %s", t, s);
      break;
    }
    case 3: { /* the tensor type */
      static const int8_t types[] = {0, 1, 2, 3, 4, 6, 7, 9, 9, 10, 17, 5, 15, -1, 18};
      if (tt) snprintf(l, cap, "type %d %d", t, types[pick((int32_t)sizeof types)]);
      break;
    }
    case 4:
    case 5: /* a scale */
      if (tt && tt->quant.n_scale > 0)
        snprintf(l, cap, "scale %d %d 0x%08" PRIx32, t, pick(tt->quant.n_scale),
                 nasty_float_bits());
      break;
    case 6: /* a zero point */
      if (tt && tt->quant.n_zero_point > 0)
        snprintf(l, cap, "zp %d %d %lld", t, pick(tt->quant.n_zero_point),
                 (long long)nasty_zp());
      break;
    case 7: { /* scale or zero-point count (per channel) */
      if (!tt) break;
      int32_t n = tt->quant.n_scale;
      int32_t v = pick(3) == 0 ? pick(4) : pick(2) ? n + pick(3) - 1
                  : tt->shape.n ? tt->shape.v[pick(tt->shape.n)] : 1;
      snprintf(l, cap, "%s %d %d", pick(2) ? "nscale" : "nzp", t, v < 0 ? 0 : v);
      break;
    }
    case 8: /* quantized_dimension, or no quantization */
      if (tt)
        snprintf(l, cap, pick(4) ? "qdim %d %d" : "quant %d %d", t,
                 pick(3) ? pick(6) - 1 : nasty_int());
      break;
    case 9:
    case 10: { /* a parameter's value (axes, perms, paddings, begin/end/strides...) */
      int32_t b, p = some_param(m, sg, &b);
      if (p < 0) break;
      size_t size = m->buffers[b].data.size;
      if (size >= 4 && pick(4))
        snprintf(l, cap, "tword %d %d %d", p, 4 * pick((int32_t)(size / 4)), small_or_nasty());
      else
        snprintf(l, cap, "tbyte %d %d %d", p, pick((int32_t)(size < 1 << 30 ? size : 1 << 30)),
                 pick(256));
      break;
    }
    case 11: { /* a parameter becomes non-constant, or a tensor constant */
      int32_t b, p = some_param(m, sg, &b);
      if (p >= 0 && pick(3))
        snprintf(l, cap, pick(4) ? "dynamic %d" : "buffer %d 0", p);
      else if (tt && m->n_buffers > 0)
        snprintf(l, cap, "buffer %d %d", t, pick(8) ? pick(m->n_buffers) : nasty_int());
      break;
    }
    case 12: { /* buffer bytes anywhere, or its size */
      if (m->n_buffers < 1) break;
      int32_t b = pick(m->n_buffers);
      size_t size = m->buffers[b].data.size;
      if (pick(16) == 0)
        snprintf(l, cap, "nbuf %d", pick(4) ? m->n_buffers + 1 : pick(m->n_buffers));
      else if (size == 0 || pick(5) == 0)
        snprintf(l, cap, "bufsize %d %d", b,
                 pick(2) ? (int32_t)(size / 2) : (int32_t)size + 4 * pick(5));
      else
        snprintf(l, cap, "byte %d %d %d", b, pick((int32_t)(size < 1 << 30 ? size : 1 << 30)),
                 pick(256));
      break;
    }
    case 13:
    case 14:
    case 15: { /* a builtin option field */
      if (!op) break;
      const char *name;
      int kind;
      void *p;
      int nf = opt_field(&op->options, 0, &name, &kind, &p);
      if (nf <= 0) break;
      opt_field(&op->options, pick(nf), &name, &kind, &p);
      if (kind == K_I8)
        snprintf(l, cap, "opt %d %s %d", o, name, pick(3) ? pick(8) - 1 : (int8_t)rnd());
      else if (kind == K_BOOL)
        snprintf(l, cap, "opt %d %s %d", o, name, !*(bool *)p);
      else if (kind == K_I32)
        snprintf(l, cap, "opt %d %s %d", o, name, small_or_nasty());
      else if (kind == K_F32)
        snprintf(l, cap, "opt %d %s 0x%08" PRIx32, o, name, nasty_float_bits());
      else {
        int32_t v[8], n = pick(6);
        for (int i = 0; i < n; i++) v[i] = small_or_nasty();
        char s[128];
        write_ints(s, sizeof s, v, n);
        snprintf(l, cap, "opt %d %s %s", o, name, s);
      }
      break;
    }
    case 16: /* the options table */
      if (op)
        snprintf(l, cap, "optype %d %d", o,
                 pick(4) ? option_types[pick((int32_t)sizeof option_types)] : pick(130));
      break;
    case 17:
    case 18: { /* an operand */
      if (!op || nt < 1) break;
      int out = pick(4) == 0;
      tmc_ivec *v = out ? &op->outputs : &op->inputs;
      if (v->n > 0) snprintf(l, cap, "%s %d %d %d", out ? "out" : "in", o, pick(v->n), some_index(sg));
      break;
    }
    case 19: { /* the operand count */
      if (!op) break;
      int out = pick(3) == 0;
      tmc_ivec *v = out ? &op->outputs : &op->inputs;
      snprintf(l, cap, "%s %d %d %d", out ? "nout" : "nin", o,
               pick(2) ? v->n - 1 + 2 * pick(2) : pick(6), some_index(sg));
      break;
    }
    case 20: /* the opcode, or what an opcode is */
      if (op && pick(3) == 0)
        snprintf(l, cap, pick(2) ? "recode %d %d" : "code %d %d",
                 pick(2) ? o : pick(m->n_opcodes), op_codes[pick(N_OP_CODES)].code);
      else if (op)
        snprintf(l, cap, "opcode %d %d", o,
                 pick(6) ? pick(m->n_opcodes) : pick(2) ? m->n_opcodes : nasty_int());
      break;
    case 21: /* operator order */
      if (no > 1) snprintf(l, cap, pick(2) ? "swap %d %d" : "move %d %d", o, pick(no));
      break;
    case 22:
    case 23: { /* a graph input or output */
      int out = pick(2);
      tmc_ivec *v = out ? &sg->outputs : &sg->inputs;
      if (v->n > 0) snprintf(l, cap, "%s %d %d", out ? "gout" : "gin", pick(v->n), some_index(sg));
      break;
    }
    case 24: { /* the graph's input or output count */
      int out = pick(2);
      tmc_ivec *v = out ? &sg->outputs : &sg->inputs;
      snprintf(l, cap, "%s %d %d", out ? "ngout" : "ngin", pick(2) ? v->n + 1 : pick(v->n + 1),
               pick(4) ? some_tensor(sg) : some_index(sg));
      break;
    }
    default: /* a rank change */
      if (tt && tt->shape.n > 0) {
        int32_t v[8], n = pick(tt->shape.n);
        for (int i = 0; i < n; i++) v[i] = tt->shape.v[i];
        char s[128];
        write_ints(s, sizeof s, v, n);
        snprintf(l, cap, "shape %d %s", t, s);
      }
      break;
  }
}

/* ---- findings: print (and save) the recipe ---- */

static struct {
  recipe *r;                /* the running iteration's */
  const tmc_tfl_model *m;   /* its mutated model */
  const char *save_dir;
  int reported;
} cur;

static void say(const char *s) {
  ssize_t w = write(2, s, strlen(s));
  (void)w;
}

static void recipe_text(const recipe *r, FILE *f) {
  fprintf(f, "seed %s\n", r->seed);
  for (int i = 0; i < r->n; i++) fprintf(f, "%s\n", r->line[i]);
}

static void report_finding(void) {
  if (cur.reported || cur.r == NULL) return;
  cur.reported = 1;
  say("\nfuzz_pipeline: FINDING; the recipe (fuzz_pipeline --case FILE replays it):\n");
  say("seed ");
  say(cur.r->seed);
  say("\n");
  for (int i = 0; i < cur.r->n; i++) {
    say(cur.r->line[i]);
    say("\n");
  }
  if (cur.save_dir == NULL) return;
  char path[4200];
  snprintf(path, sizeof path, "%s/case-%d-%u.txt", cur.save_dir, (int)getpid(),
           (unsigned)time(NULL));
  FILE *f = fopen(path, "w");
  if (f == NULL) return;
  fprintf(f, "# found by fuzz_pipeline; what it shows: ...\n");
  recipe_text(cur.r, f);
  fclose(f);
  say("fuzz_pipeline: recipe saved to ");
  say(path);
  say("\n");
  if (cur.m) { /* best effort: the process is dying */
    uint8_t *out;
    size_t len;
    tmc_diag d;
    tmc_diag_init(&d, "fuzz");
    if (tmc_tfl_write(cur.m, &out, &len, &d) == TMC_OK) {
      size_t l = strlen(path);
      memcpy(path + l - 4, ".tflite", 8);
      FILE *g = fopen(path, "wb");
      if (g) {
        fwrite(out, 1, len, g);
        fclose(g);
        say("fuzz_pipeline: mutated model saved to ");
        say(path);
        say(" (derived from the seed: do not commit)\n");
      }
      free(out);
    }
  }
}

/* ---- one iteration ---- */

static int known_status(tmc_status s) {
  return s == TMC_OK || s == TMC_ERR_IO || s == TMC_ERR_FORMAT || s == TMC_ERR_MODEL ||
         s == TMC_ERR_UNSUPPORTED || s == TMC_ERR_LIMIT || s == TMC_ERR_NOMEM ||
         s == TMC_ERR_USAGE;
}

#define CHECK(c)                                                              \
  do {                                                                        \
    if (!(c)) {                                                               \
      fprintf(stderr, "fuzz_pipeline: broken contract: %s\n", #c);            \
      abort();                                                                \
    }                                                                         \
  } while (0)

static void finding(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_pipeline: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  abort();
}

static const char *tmp_root(void) {
  const char *t = getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}

static int write_bytes(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) return 0;
  int ok = (n == 0 || fwrite(p, 1, n, f) == n);
  return (fclose(f) == 0) && ok;
}

static void rm_tree(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) return;
  struct dirent *e;
  char p[4096];
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
      rm_tree(p);
    else
      unlink(p);
  }
  closedir(d);
  rmdir(dir);
}

static void copy_str(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap) n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

static char last_msg[1024]; /* the last iteration's diagnostic ("" when it passed) */

/* Builds the generated C (with its host main) under ASan + UBSan, runs it on
 * ins and compares its outputs with outs (the host runner's). */
static void compile_and_compare(const tmc_plan *plan, const tmc_emit_result *r, uint8_t **ins,
                                uint8_t **outs) {
  const tmc_graph *g = plan->g;
  char dir[4096], cmd[16384], p[4200];
  snprintf(dir, sizeof dir, "%s/fuzz_pipeline.%d", tmp_root(), (int)getpid());
  rm_tree(dir);
  tmc_diag d;
  tmc_diag_init(&d, "fuzz");
  if (tmc_emit_write(r, dir, &d) != TMC_OK) finding("cannot write the generated C", d.msg);
  snprintf(p, sizeof p, "%s/o", dir);
  if (mkdir(p, 0777) != 0) finding("cannot create", p);
  const char *cc = getenv("FUZZ_CC");
  int n = snprintf(cmd, sizeof cmd,
                   "cd '%s' && %s -std=c11 -O1 -g -Wall -Wextra -Werror -pedantic "
                   "-fsanitize=address,undefined -fno-sanitize-recover=all -o run *.c -lm "
                   ">build.log 2>&1",
                   dir, cc && *cc ? cc : "cc");
  if (n <= 0 || (size_t)n >= sizeof cmd) finding("command too long", NULL);
  if (system(cmd) != 0) {
    snprintf(cmd, sizeof cmd, "head -n 30 '%s/build.log' >&2", dir);
    if (system(cmd) != 0) say("(no build log)\n");
    finding("the generated C does not build (log above)", dir);
  }
  n = snprintf(cmd, sizeof cmd, "cd '%s' && ASAN_OPTIONS=detect_leaks=0 ./run", dir);
  for (int k = 0; k < g->n_inputs; k++) {
    snprintf(p, sizeof p, "%s/in%d.bin", dir, k);
    if (!write_bytes(p, ins[k], (size_t)g->tensors[g->inputs[k]].bytes))
      finding("cannot write", p);
    n += snprintf(cmd + n, sizeof cmd - (size_t)n, " in%d.bin", k);
  }
  snprintf(cmd + n, sizeof cmd - (size_t)n, " o >run.log 2>&1");
  if (system(cmd) != 0) {
    snprintf(cmd, sizeof cmd, "head -n 30 '%s/run.log' >&2", dir);
    if (system(cmd) != 0) say("(no run log)\n");
    finding("the generated program failed (log above)", dir);
  }
  for (int k = 0; k < g->n_outputs; k++) {
    const tmc_tensor *t = &g->tensors[g->outputs[k]];
    snprintf(p, sizeof p, "%s/o/output%d.bin", dir, k);
    uint8_t *b;
    size_t len;
    if (tmc_file_read(p, (size_t)t->bytes + 1, &b, &len, &d) != TMC_OK)
      finding("the generated program wrote no output", p);
    if (len != (size_t)t->bytes) finding("an output of the generated program has the wrong size", p);
    for (size_t i = 0; i < len; i++)
      if (b[i] != outs[k][i]) {
        char msg[256];
        snprintf(msg, sizeof msg, "output %d (tensor %d) byte %zu: generated C %d, host %d", k,
                 t->id, i, b[i], outs[k][i]);
        finding("the generated C and the host runner disagree", msg);
      }
    free(b);
  }
  rm_tree(dir);
}

typedef struct run_stats {
  long runs, accepted, compiled, too_big;
} run_stats;

/* Bounds on what an accepted model may cost to run (MACs plus tensor bytes,
 * arena bytes); bigger ones are planned and generated only. */
#define MAX_WORK ((int64_t)1 << 26)
#define MAX_ARENA ((int64_t)1 << 25)

/* One iteration on a copy of bytes. With n_gen > 0 the recipe's lines are
 * generated (n_gen edits), else r's lines are applied. compile_every > 0:
 * compile the generated C on every compile_every-th accepted model. */
static tmc_status one(const uint8_t *src, size_t len, recipe *r, int n_gen, long compile_every,
                      run_stats *st) {
  uint8_t *bytes = malloc(len ? len : 1);
  CHECK(bytes != NULL);
  memcpy(bytes, src, len);
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_diag d;
  tmc_diag_init(&d, "fuzz");
  tmc_tfl_model m;
  plan_choice pc = {0};
  uint64_t fill = 1;
  int compile = 0;
  cur.r = r;
  cur.m = NULL;
  tmc_status s = tmc_tfl_read(bytes, len, &a, &m, &d);
  if (s == TMC_OK) {
    cur.m = &m;
    if (n_gen) {
      r->n = 0;
      for (int i = 0; i < n_gen && r->n < MAX_LINES - 3; i++) {
        gen(&m, r->line[r->n], LINE_LEN);
        if (r->line[r->n][0]) apply(r->line[r->n++], &m, &a, &pc, &fill, &compile);
      }
      snprintf(r->line[r->n++], LINE_LEN, "plan io_int8=%d planner=%s patch=%s main=%d profile=%d",
               pick(2), pick(3) == 0 ? "first-fit" : "best", pick(6) == 0 ? "auto" : "none",
               pick(2), pick(2));
      snprintf(r->line[r->n++], LINE_LEN, "fill %u", (unsigned)rnd());
      apply(r->line[r->n - 2], &m, &a, &pc, &fill, &compile);
      apply(r->line[r->n - 1], &m, &a, &pc, &fill, &compile);
    } else {
      for (int i = 0; i < r->n; i++) apply(r->line[i], &m, &a, &pc, &fill, &compile);
    }
    tmc_graph g;
    s = tmc_graph_from_tflite(&m, "fuzz", &a, &g, &d);
    tmc_plan plan;
    tmc_plan_options po = {0};
    po.io_int8 = pc.io_int8;
    po.planner = pc.first_fit ? TMC_PLANNER_FIRST_FIT : TMC_PLANNER_BEST;
    if (pc.patch) po.patch_mode = TMC_PATCH_AUTO;
    if (s == TMC_OK) s = tmc_plan_build(&g, &po, &a, &plan, &d);
    /* Models too big to run quickly (mutated dimensions) are planned and
     * generated but not run. */
    int64_t work = 0;
    if (s == TMC_OK) {
      const tmc_graph *pg = plan.g;
      for (int32_t i = 0; i < pg->n_ops; i++) {
        int64_t w = tmc_op_macs(pg, &pg->ops[i]);
        work += w > 0 ? w : 0;
      }
      for (int32_t i = 0; i < pg->n_tensors; i++) work += pg->tensors[i].bytes;
      if (work > MAX_WORK || plan.mem.arena_bytes > MAX_ARENA) {
        st->too_big++;
        tmc_emit_result er;
        tmc_emit_options eo = {.name = "fz", .main = pc.main, .profile = pc.profile};
        tmc_status es = tmc_emit(&plan, &eo, &er, &d);
        CHECK(known_status(es));
        if (es == TMC_OK) tmc_emit_free(&er);
        s = TMC_ERR_LIMIT;
        copy_str(d.msg, sizeof d.msg, "fuzz: too big to run");
      }
    }
    if (s == TMC_OK) {
      st->accepted++;
      if (n_gen && compile_every > 0 && st->accepted % compile_every == 0 && r->n < MAX_LINES) {
        snprintf(r->line[r->n++], LINE_LEN, "compile");
        compile = 1;
      }
      const tmc_graph *pg = plan.g;
      size_t n = (size_t)plan.mem.arena_bytes;
      uint8_t *arena = malloc(n ? n : 1);
      CHECK(arena != NULL);
      uint64_t saved = rng_state;
      rng_state = fill;
      for (size_t i = 0; i < n; i++) arena[i] = (uint8_t)rnd();
      /* The state a model keeps across invocations starts reset, as the
       * generated main's NAME_reset sets it (the rest of the arena stays
       * random: no kernel may depend on it). */
      tmc_host_reset(&plan, arena);
      uint8_t **ins = calloc((size_t)pg->n_inputs + 1, sizeof *ins);
      uint8_t **outs = calloc((size_t)pg->n_outputs + 1, sizeof *outs);
      CHECK(ins && outs);
      for (int k = 0; k < pg->n_inputs; k++) {
        const tmc_tensor *t = &pg->tensors[pg->inputs[k]];
        uint8_t *p = tmc_host_tensor(&plan, arena, t->id);
        CHECK(p != NULL || t->bytes == 0);
        ins[k] = malloc((size_t)t->bytes + 1);
        CHECK(ins[k] != NULL);
        for (int64_t i = 0; i < t->bytes; i++) ins[k][i] = (uint8_t)rnd();
        if (t->type == TMC_F32) /* finite floats in [-12.8, 12.7] */
          for (int64_t i = 0; i + 4 <= t->bytes; i += 4) {
            float f = (float)(int8_t)ins[k][i] * 0.1f;
            memcpy(ins[k] + i, &f, 4);
          }
        if (p && t->bytes) memcpy(p, ins[k], (size_t)t->bytes);
      }
      rng_state = saved;
      tmc_host_invoke(&plan, arena, NULL, NULL);
      for (int k = 0; k < pg->n_outputs; k++) {
        const tmc_tensor *t = &pg->tensors[pg->outputs[k]];
        const uint8_t *p = tmc_host_tensor(&plan, arena, t->id);
        CHECK(p != NULL || t->bytes == 0);
        outs[k] = malloc((size_t)t->bytes + 1);
        CHECK(outs[k] != NULL);
        if (t->bytes) memcpy(outs[k], p, (size_t)t->bytes);
      }
      free(arena);
      tmc_emit_result er;
      tmc_emit_options eo = {.name = "fz", .main = pc.main || compile, .profile = pc.profile};
      tmc_status es = tmc_emit(&plan, &eo, &er, &d);
      CHECK(known_status(es));
      if (es == TMC_OK) {
        if (compile) {
          compile_and_compare(&plan, &er, ins, outs);
          st->compiled++;
        }
        tmc_emit_free(&er);
      } else {
        CHECK(d.msg[0] != '\0');
      }
      for (int k = 0; k < pg->n_inputs; k++) free(ins[k]);
      for (int k = 0; k < pg->n_outputs; k++) free(outs[k]);
      free(ins);
      free(outs);
    }
  }
  CHECK(known_status(s));
  if (s != TMC_OK) CHECK(d.msg[0] != '\0');
  copy_str(last_msg, sizeof last_msg, s == TMC_OK ? "" : d.msg);
  cur.r = NULL;
  cur.m = NULL;
  tmc_arena_free(&a);
  free(bytes);
  st->runs++;
  return s;
}

/* ---- recipes on disk ---- */

static const char *shared_dir(const char *opt) {
  if (opt) return opt;
  const char *e = getenv("TMC_SHARED_DIR");
  return e && *e ? e : "../shared";
}

/* The seed name of a corpus path: relative to the shared folder when under it. */
static void seed_name(const char *path, const char *shared, char *out, size_t cap) {
  char a[4096], b[4096];
  if (realpath(path, a) && realpath(shared, b)) {
    size_t n = strlen(b);
    if (strncmp(a, b, n) == 0 && a[n] == '/') {
      snprintf(out, cap, "%s", a + n + 1);
      return;
    }
  }
  snprintf(out, cap, "%s", path);
}

/* Reads a recipe: "seed NAME" then edit lines; '#' lines are comments. */
static int read_recipe(const char *path, recipe *r) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  char line[2048];
  r->n = 0;
  r->seed[0] = r->expect[0] = '\0';
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '#' || line[0] == '\0') continue;
    if (!strncmp(line, "seed ", 5))
      copy_str(r->seed, sizeof r->seed, line + 5);
    else if (!strncmp(line, "expect ", 7))
      copy_str(r->expect, sizeof r->expect, line + 7);
    else if (r->n < MAX_LINES)
      copy_str(r->line[r->n++], LINE_LEN, line);
  }
  fclose(f);
  return r->seed[0] != '\0';
}

/* Runs a recipe file; 0 ran (as its 'expect' line says), 1 another outcome,
 * 77 the seed is absent, 2 unreadable. */
static int run_case(const char *path, const char *shared, const char *write_model,
                    run_stats *st) {
  static recipe r;
  if (!read_recipe(path, &r)) {
    fprintf(stderr, "fuzz_pipeline: %s: not a recipe (no 'seed' line)\n", path);
    return 2;
  }
  char seed[4096];
  if (r.seed[0] == '/')
    snprintf(seed, sizeof seed, "%s", r.seed);
  else
    snprintf(seed, sizeof seed, "%s/%s", shared, r.seed);
  corpus c = {0};
  if (!add_file(&c, seed)) {
    printf("SKIP [fuzz_pipeline_cases]: %s: seed %s is absent\n", path, seed);
    return 77;
  }
  tmc_status s = one(c.bytes[0], c.len[0], &r, 0, 0, st);
  printf("%s: %s%s%s\n", path, tmc_status_str(s), last_msg[0] ? ": " : "", last_msg);
  int rc = 0;
  if (r.expect[0]) { /* "expect STATUS" or "expect STATUS SUBSTRING" */
    const char *want = tmc_status_str(s);
    size_t n = strlen(want);
    const char *sub = r.expect + n + (r.expect[n] == ' ');
    if (strncmp(r.expect, want, n) != 0 || (r.expect[n] != ' ' && r.expect[n] != '\0') ||
        strstr(last_msg, sub) == NULL) {
      fprintf(stderr, "fuzz_pipeline: %s: expected '%s', got '%s%s%s'\n", path, r.expect, want,
              last_msg[0] ? " " : "", last_msg);
      rc = 1;
    }
  }
  if (write_model) {
    /* The mutated model as tmc's writer gives it (for reducing by hand). */
    uint8_t *bytes = malloc(c.len[0]);
    CHECK(bytes != NULL);
    memcpy(bytes, c.bytes[0], c.len[0]);
    tmc_arena a;
    tmc_arena_init(&a);
    tmc_diag d;
    tmc_diag_init(&d, seed);
    tmc_tfl_model m;
    plan_choice pc;
    uint64_t fill;
    int compile;
    uint8_t *out = NULL;
    size_t len = 0;
    if (tmc_tfl_read(bytes, c.len[0], &a, &m, &d) == TMC_OK) {
      for (int i = 0; i < r.n; i++) apply(r.line[i], &m, &a, &pc, &fill, &compile);
      if (tmc_tfl_write(&m, &out, &len, &d) == TMC_OK && write_bytes(write_model, out, len))
        printf("mutated model written to %s\n", write_model);
      else
        fprintf(stderr, "fuzz_pipeline: cannot write %s: %s\n", write_model, d.msg);
    }
    free(out);
    tmc_arena_free(&a);
    free(bytes);
  }
  corpus_free(&c);
  return rc;
}

static int is_recipe(const char *name) {
  size_t n = strlen(name);
  return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".txt") == 0;
}

/* Every .txt recipe in dir; 77 when a seed is absent (1 under CI=true). */
static int run_cases(const char *dir, const char *shared) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    fprintf(stderr, "fuzz_pipeline: cannot open %s\n", dir);
    return 1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!is_recipe(e->d_name)) continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      names = realloc(names, cap * sizeof *names);
      if (names == NULL) abort();
    }
    size_t m = strlen(dir) + strlen(e->d_name) + 2;
    names[n] = malloc(m);
    if (names[n] == NULL) abort();
    snprintf(names[n++], m, "%s/%s", dir, e->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp_str);
  int rc = 0, skipped = 0;
  run_stats st = {0};
  for (size_t k = 0; k < n; k++) {
    int c = run_case(names[k], shared, NULL, &st);
    if (c == 77) skipped++;
    else if (c != 0) rc = 1;
    free(names[k]);
  }
  free(names);
  if (n == 0) {
    fprintf(stderr, "fuzz_pipeline: no recipe in %s\n", dir);
    return 1;
  }
  printf("fuzz_pipeline: %zu recipes, %zu replayed clean, %d skipped (seed absent)\n", n,
         n - (size_t)skipped, skipped);
  if (rc == 0 && skipped) {
    const char *ci = getenv("CI");
    if (ci && !strcmp(ci, "true")) {
      fprintf(stderr, "fuzz_pipeline: CI=true but %d recipe seeds are absent from %s\n",
              skipped, shared);
      return 1;
    }
    return 77;
  }
  return rc;
}

int main(int argc, char **argv) {
  double seconds = 10;
  long iterations = -1, compile_every = 0;
  const char *save_dir = NULL, *shared_opt = NULL, *cases = NULL, *write_model = NULL;
  const char **case_files = calloc((size_t)argc + 1, sizeof *case_files);
  int n_case_files = 0;
  corpus c = {0};
  uint64_t replay_state = 0;
  const char *replay_file = NULL;
  const char **paths = calloc((size_t)argc + 1, sizeof *paths);
  int n_paths = 0;
  if (!case_files || !paths) return 2;
  for (int i = 1; i < argc; i++) {
    int more = i + 1 < argc;
    if (!strcmp(argv[i], "--seconds") && more)
      seconds = atof(argv[++i]);
    else if (!strcmp(argv[i], "--seed") && more)
      rng_state = strtoull(argv[++i], NULL, 10) | 1;
    else if (!strcmp(argv[i], "--iterations") && more)
      iterations = atol(argv[++i]);
    else if (!strcmp(argv[i], "--compile-every") && more)
      compile_every = atol(argv[++i]);
    else if (!strcmp(argv[i], "--save-dir") && more)
      save_dir = argv[++i];
    else if (!strcmp(argv[i], "--shared") && more)
      shared_opt = argv[++i];
    else if (!strcmp(argv[i], "--cases") && more)
      cases = argv[++i];
    else if (!strcmp(argv[i], "--case") && more)
      case_files[n_case_files++] = argv[++i];
    else if (!strcmp(argv[i], "--write-model") && more)
      write_model = argv[++i];
    else if (!strcmp(argv[i], "--replay") && i + 2 < argc) {
      replay_state = strtoull(argv[++i], NULL, 10);
      replay_file = argv[++i];
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "fuzz_pipeline: unknown option %s (see the comment at the top of "
                      "tests/fuzz/fuzz_pipeline.c)\n", argv[i]);
      return 2;
    } else
      paths[n_paths++] = argv[i];
  }
  const char *shared = shared_dir(shared_opt);
  cur.save_dir = save_dir;
  tmc_fuzz_on_death(report_finding);
  static recipe r;
  run_stats st = {0};
  if (cases) {
    int rc = run_cases(cases, shared);
    free(case_files);
    free(paths);
    return rc;
  }
  if (n_case_files) {
    int rc = 0;
    for (int k = 0; k < n_case_files; k++) {
      int x = run_case(case_files[k], shared, write_model, &st);
      if (x > rc) rc = x;
    }
    free(case_files);
    free(paths);
    return rc;
  }
  if (replay_file) {
    /* --replay STATE FILE: the iteration a progress line named. */
    if (!add_file(&c, replay_file)) return 2;
    rng_state = replay_state;
    seed_name(replay_file, shared, r.seed, sizeof r.seed);
    int n_edits = 1 + pick(pick(4) ? 3 : 8);
    tmc_status s = one(c.bytes[0], c.len[0], &r, n_edits, compile_every ? 1 : 0, &st);
    recipe_text(&r, stdout);
    printf("replay: status %s\n", tmc_status_str(s));
    corpus_free(&c);
    free(case_files);
    free(paths);
    return 0;
  }
  for (int k = 0; k < n_paths; k++) add_path(&c, paths[k]);
  free(paths);
  free(case_files);
  if (c.n == 0) {
    printf("SKIP [fuzz_pipeline]: no corpus model found\n");
    return 77;
  }
  char **names = malloc((size_t)c.n * sizeof *names);
  CHECK(names != NULL);
  for (int k = 0; k < c.n; k++) {
    char s[1024];
    seed_name(c.path[k], shared, s, sizeof s);
    names[k] = malloc(strlen(s) + 1);
    CHECK(names[k] != NULL);
    memcpy(names[k], s, strlen(s) + 1);
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  double elapsed = 0;
  /* The few whole models (not of an operator suite) would be one pick in
   * hundreds: one iteration in 40 takes one of them, but for those above
   * 1 MB (seconds per iteration). */
  int n_big = 0;
  int *big = malloc((size_t)(c.n > 0 ? c.n : 1) * sizeof *big);
  CHECK(big != NULL);
  for (int k = 0; k < c.n; k++)
    if (strstr(c.path[k], "/golden/") == NULL && c.len[k] < (1u << 20)) big[n_big++] = k;
  while (iterations < 0 ? elapsed < seconds : st.runs < iterations) {
    int k = n_big > 0 && pick(40) == 0 ? big[pick(n_big)] : pick(c.n);
    uint64_t state = rng_state;
    if ((st.runs & 1023) == 0) {
      fprintf(stderr, "\r%ld runs, %ld accepted, %ld compiled: %s (state %llu)          ",
              st.runs, st.accepted, st.compiled, c.path[k], (unsigned long long)state);
    }
    snprintf(r.seed, sizeof r.seed, "%s", names[k]);
    int n_edits = 1 + pick(pick(4) ? 3 : 8);
    one(c.bytes[k], c.len[k], &r, n_edits, compile_every, &st);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double was = elapsed;
    elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (elapsed - was > 5) { /* slow: worth a look (a compile takes a few seconds) */
      fprintf(stderr, "\nfuzz_pipeline: slow iteration (%.1f s):\n", elapsed - was);
      recipe_text(&r, stderr);
    }
  }
  fprintf(stderr, "\n");
  printf("fuzz_pipeline: %ld runs over %d models in %.0f s, %ld accepted and run (%ld more "
         "too big to run), %ld compiled and compared, no finding\n",
         st.runs, c.n, elapsed, st.accepted, st.too_big, st.compiled);
  for (int k = 0; k < c.n; k++) free(names[k]);
  free(names);
  free(big);
  corpus_free(&c);
  return 0;
}
