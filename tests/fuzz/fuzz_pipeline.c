/* fuzz_pipeline: structure-aware mutation of valid models through the whole
 * pipeline (issue 13's item 4, first cut). Each iteration takes a corpus
 * model, decodes it with tmc's reader, mutates the decoded structure (tensor
 * shapes, quantization, constant bytes, options, operator operands and
 * order), then builds the graph, plans it (random planner, --io int8,
 * patches), runs it on the host in an arena of exactly the planned size
 * (heap, so ASan sees one byte past it) and generates its C. A refusal is
 * fine; a crash, a sanitizer report or a status outside tmc's set is a
 * finding. Usage: fuzz_pipeline [--seconds N] [--seed S] [--iterations N]
 * FILE|DIR... (DIR: its *.tflite); fuzz_pipeline --replay STATE FILE reruns
 * the iteration a progress line names. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/file.h"
#include "emit/emit.h"
#include "host/run.h"
#include "ir/build.h"
#include "plan/patch.h"
#include "plan/plan.h"
#include "reader/tflite.h"

typedef struct corpus {
  int n, cap;
  char **path;
  uint8_t **bytes;
  size_t *len;
} corpus;

static uint64_t rng_state = 1;
static uint32_t rnd(void) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(rng_state >> 33);
}
static int32_t pick(int32_t n) { return n > 0 ? (int32_t)(rnd() % (uint32_t)n) : 0; }

static void add_file(corpus *c, const char *path) {
  size_t l = strlen(path);
  if (l < 7 || strcmp(path + l - 7, ".tflite") != 0) return;
  uint8_t *b;
  size_t len;
  tmc_diag d;
  tmc_diag_init(&d, path);
  if (tmc_file_read(path, (size_t)64 << 20, &b, &len, &d) != TMC_OK) return;
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
}

static void add_path(corpus *c, const char *path) {
  DIR *dir = opendir(path);
  if (dir == NULL) {
    add_file(c, path);
    return;
  }
  struct dirent *e;
  char p[4096];
  while ((e = readdir(dir)) != NULL) {
    snprintf(p, sizeof p, "%s/%s", path, e->d_name);
    add_file(c, p);
  }
  closedir(dir);
}

/* A value that breaks things: small, zero, negative, huge. */
static int32_t nasty_int(void) {
  static const int32_t v[] = {0, 1, 2, 3, -1, -2, 7, 64, 255, 65536, INT32_MAX, INT32_MIN};
  return v[pick((int32_t)(sizeof v / sizeof v[0]))];
}

static float nasty_float(void) {
  static const float v[] = {0.0f, 1e-45f, 1e-30f, 1e-9f, 0.5f, 1.0f, 3e38f, -1.0f};
  return v[pick((int32_t)(sizeof v / sizeof v[0]))];
}

/* One random change to the decoded model (all of it lives in memory this
 * iteration owns: the arena, and the copy of the file bytes). */
static void mutate(tmc_tfl_model *m) {
  if (m->n_subgraphs < 1) return;
  tmc_tfl_subgraph *sg = &m->subgraphs[0];
  switch (pick(8)) {
    case 0: { /* a dimension */
      if (sg->n_tensors < 1) return;
      tmc_tfl_tensor *t = &sg->tensors[pick(sg->n_tensors)];
      if (t->shape.n > 0) t->shape.v[pick(t->shape.n)] = pick(4) ? pick(10) : nasty_int();
      break;
    }
    case 1: { /* the rank */
      if (sg->n_tensors < 1) return;
      tmc_tfl_tensor *t = &sg->tensors[pick(sg->n_tensors)];
      if (t->shape.n > 0) t->shape.n = pick(t->shape.n + 1);
      break;
    }
    case 2: { /* quantization */
      if (sg->n_tensors < 1) return;
      tmc_tfl_tensor *t = &sg->tensors[pick(sg->n_tensors)];
      if (t->quant.n_scale > 0) t->quant.scale[pick(t->quant.n_scale)] = nasty_float();
      if (t->quant.n_zero_point > 0 && pick(2))
        t->quant.zero_point[pick(t->quant.n_zero_point)] = nasty_int();
      if (pick(4) == 0) t->quant.quantized_dimension = pick(5);
      break;
    }
    case 3: { /* constant bytes (parameters: axes, perms, sizes, biases...) */
      if (m->n_buffers < 1) return;
      tmc_tfl_buffer *b = &m->buffers[pick(m->n_buffers)];
      if (b->data.size == 0) return;
      uint8_t *p = (uint8_t *)(uintptr_t)b->data.data;
      size_t at = (size_t)pick((int32_t)(b->data.size > 64 ? 64 : b->data.size));
      if (pick(2))
        p[at] = (uint8_t)rnd();
      else if (at + 4 <= b->data.size) {
        int32_t v = nasty_int();
        memcpy(p + at - at % 4, &v, 4);
      }
      break;
    }
    case 4: { /* an option field */
      if (sg->n_operators < 1) return;
      tmc_tfl_operator *op = &sg->operators[pick(sg->n_operators)];
      /* One byte set to 0 or 1: stays a valid value of the bool fields
       * the reader decodes, and still moves the integer ones (1 in a high
       * byte is 2^24). */
      tmc_ivec *vec = op->options.type == 30 ? &op->options.u.squeeze.squeeze_dims
                      : op->options.type == 17 ? &op->options.u.reshape.new_shape : NULL;
      if (vec) { /* the only options holding a pointer: move its values, not it */
        if (vec->n > 0) vec->v[pick(vec->n)] = pick(2) ? pick(13) - 6 : nasty_int();
        break;
      }
      uint8_t *u = (uint8_t *)&op->options.u;
      u[pick((int32_t)sizeof op->options.u)] = (uint8_t)pick(2);
      break;
    }
    case 5: { /* an operand */
      if (sg->n_operators < 1 || sg->n_tensors < 1) return;
      tmc_tfl_operator *op = &sg->operators[pick(sg->n_operators)];
      tmc_ivec *v = pick(2) ? &op->inputs : &op->outputs;
      if (v->n > 0) v->v[pick(v->n)] = pick(8) ? pick(sg->n_tensors) : -1;
      break;
    }
    case 6: { /* operator order */
      if (sg->n_operators < 2) return;
      int32_t i = pick(sg->n_operators), j = pick(sg->n_operators);
      tmc_tfl_operator t = sg->operators[i];
      sg->operators[i] = sg->operators[j];
      sg->operators[j] = t;
      break;
    }
    default: { /* the tensor type */
      if (sg->n_tensors < 1) return;
      static const int32_t types[] = {0, 2, 4, 7, 9, 3};
      sg->tensors[pick(sg->n_tensors)].type = types[pick(6)];
      break;
    }
  }
}

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

/* One iteration on a copy of bytes; returns the final status. */
static tmc_status one(const uint8_t *src, size_t len, int n_mut) {
  uint8_t *bytes = malloc(len ? len : 1);
  CHECK(bytes != NULL);
  memcpy(bytes, src, len);
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_diag d;
  tmc_diag_init(&d, "fuzz");
  tmc_tfl_model m;
  tmc_status s = tmc_tfl_read(bytes, len, &a, &m, &d);
  if (s == TMC_OK) {
    for (int i = 0; i < n_mut; i++) mutate(&m);
    tmc_graph g;
    s = tmc_graph_from_tflite(&m, "fuzz", &a, &g, &d);
    tmc_plan plan;
    tmc_plan_options po = {0};
    po.io_int8 = pick(2);
    po.planner = pick(3) == 0 ? TMC_PLANNER_FIRST_FIT : TMC_PLANNER_BEST;
    if (pick(6) == 0) po.patch_mode = TMC_PATCH_AUTO;
    if (s == TMC_OK) s = tmc_plan_build(&g, &po, &a, &plan, &d);
    if (s == TMC_OK) {
      size_t n = (size_t)plan.mem.arena_bytes;
      uint8_t *arena = malloc(n ? n : 1);
      CHECK(arena != NULL);
      for (size_t i = 0; i < n; i++) arena[i] = (uint8_t)rnd();
      tmc_host_invoke(&plan, arena, NULL, NULL);
      free(arena);
      tmc_emit_result r;
      tmc_emit_options eo = {.name = "fz", .main = pick(2), .profile = pick(2)};
      tmc_status es = tmc_emit(&plan, &eo, &r, &d);
      CHECK(known_status(es));
      if (es == TMC_OK) tmc_emit_free(&r);
    }
  }
  CHECK(known_status(s));
  if (s != TMC_OK) CHECK(d.msg[0] != '\0');
  tmc_arena_free(&a);
  free(bytes);
  return s;
}

int main(int argc, char **argv) {
  double seconds = 10;
  long iterations = -1;
  corpus c = {0};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
      seconds = atof(argv[++i]);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      rng_state = strtoull(argv[++i], NULL, 10) | 1;
    else if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
      iterations = atol(argv[++i]);
    else if (!strcmp(argv[i], "--replay") && i + 2 < argc) {
      /* --replay STATE FILE: the iteration the progress line named. */
      uint64_t state = strtoull(argv[++i], NULL, 10);
      add_file(&c, argv[++i]);
      if (c.n != 1) return 2;
      rng_state = state;
      tmc_status s = one(c.bytes[0], c.len[0], 1 + pick(3));
      printf("replay: status %d\n", (int)s);
      free(c.path[0]);
      free(c.bytes[0]);
      free(c.path);
      free(c.bytes);
      free(c.len);
      return 0;
    }
    else
      add_path(&c, argv[i]);
  }
  if (c.n == 0) {
    printf("SKIP [fuzz_pipeline]: no corpus model found\n");
    return 77;
  }
  long runs = 0, ok = 0;
  clock_t t0 = clock();
  while (iterations < 0 ? (double)(clock() - t0) / CLOCKS_PER_SEC < seconds : runs < iterations) {
    int k = pick(c.n);
    uint64_t state = rng_state;
    tmc_status s;
    /* The progress line names what --replay needs. */
    fprintf(stderr, "\r%ld: %s (state %llu)          ", runs, c.path[k],
            (unsigned long long)state);
    s = one(c.bytes[k], c.len[k], 1 + pick(3));
    ok += s == TMC_OK;
    runs++;
  }
  fprintf(stderr, "\n");
  printf("fuzz_pipeline: %ld runs over %d models, %ld accepted and run, no finding\n", runs,
         c.n, ok);
  for (int i = 0; i < c.n; i++) {
    free(c.path[i]);
    free(c.bytes[i]);
  }
  free(c.path);
  free(c.bytes);
  free(c.len);
  return 0;
}
