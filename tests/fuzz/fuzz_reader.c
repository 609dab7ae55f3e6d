/* Fuzz target: bytes -> tmc_graph_load -> a walk over the whole graph that
 * reads every byte the IR points at and checks the IR's own contracts, so a
 * bad offset in the reader or a broken invariant in the builder surfaces as
 * an ASan report or an abort with the line of the broken check. */
#include "fuzz_reader.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "ir/build.h"
#include "ir/graph.h"

static void broken(int line, const char *what) {
  fprintf(stderr, "fuzz_reader.c:%d: broken contract: %s\n", line, what);
  abort();
}

#define CHECK(cond)                            \
  do {                                         \
    if (!(cond)) broken(__LINE__, #cond);      \
  } while (0)

/* Reads a NUL-terminated string in full (ASan checks the whole range). */
static uint32_t touch_str(const char *s) {
  CHECK(s != NULL);
  size_t n = strlen(s);
  return (uint32_t)n + (n ? (uint8_t)s[n - 1] : 0u);
}

static uint32_t touch_bytes(const uint8_t *p, int64_t n) {
  uint32_t h = 0;
  for (int64_t i = 0; i < n; i++) h = h * 31u + p[i];
  return h;
}

/* A failed load must say why: the status is recorded and a message written. */
static void check_failure(tmc_status s, const tmc_diag *d) {
  CHECK((unsigned)s < TMC_STATUS_COUNT);
  CHECK(d->status == s);
  CHECK(memchr(d->msg, '\0', sizeof d->msg) != NULL);
  CHECK(d->msg[0] != '\0');
}

static uint32_t walk_tensor(const tmc_graph *g, int32_t i) {
  const tmc_tensor *t = &g->tensors[i];
  uint32_t h = touch_str(t->name);
  CHECK(t->id == i);
  CHECK((unsigned)t->type < TMC_DTYPE_COUNT);
  CHECK(t->rank >= 0 && t->rank <= TMC_MAX_RANK);
  int64_t elems = 1;
  for (int k = 0; k < t->rank; k++) {
    CHECK(t->dims[k] >= 0);
    elems *= t->dims[k];
  }
  CHECK(t->elems == elems);
  CHECK(t->bytes >= 0 && t->bytes <= (int64_t)TMC_MAX_TENSOR_BYTES);
  CHECK(t->is_const == (t->data != NULL));
  if (t->is_const && t->type != TMC_STRING) h += touch_bytes(t->data, t->bytes);
  CHECK(t->q.n >= 0);
  if (t->q.n > 0) CHECK(t->q.scale != NULL && t->q.zero_point != NULL);
  for (int32_t k = 0; k < t->q.n; k++) {
    float s = t->q.scale[k];
    CHECK(s >= 0.0f && isfinite(s));
    h += (uint32_t)t->q.zero_point[k];
  }
  if (t->q.n > 1) {
    CHECK(t->q.axis >= 0 && t->q.axis < t->rank);
    CHECK(t->dims[t->q.axis] == t->q.n);
  }
  CHECK(t->producer >= -1 && t->producer < g->n_ops);
  if (t->is_input || t->is_const) CHECK(t->producer == -1);
  if (t->producer >= 0) {
    const tmc_op *p = &g->ops[t->producer];
    bool found = false;
    for (int k = 0; k < p->n_out; k++) found |= p->out[k] == i;
    CHECK(found);
  }
  CHECK(t->n_consumers >= 0 && t->n_consumers <= g->n_ops);
  for (int32_t k = 0; k < t->n_consumers; k++) {
    int32_t c = t->consumers[k];
    CHECK(c >= 0 && c < g->n_ops);
    if (k > 0) CHECK(c > t->consumers[k - 1]);
    bool found = false;
    for (int j = 0; j < g->ops[c].n_in; j++) found |= g->ops[c].in[j] == i;
    CHECK(found);
  }
  return h;
}

static uint32_t walk_op(const tmc_graph *g, int32_t i) {
  const tmc_op *op = &g->ops[i];
  uint32_t h = touch_str(op->name);
  CHECK(op->id == i);
  CHECK((unsigned)op->kind < TMC_OP_KIND_COUNT);
  touch_str(tmc_op_kind_name(op->kind));
  if (op->unsupported) h += touch_str(op->unsupported);
  CHECK(op->n_in >= 0 && op->n_in <= TMC_MAX_OP_IO);
  CHECK(op->n_out >= 0 && op->n_out <= TMC_MAX_OP_IO);
  for (int k = 0; k < op->n_in; k++) {
    CHECK(op->in[k] >= -1 && op->in[k] < g->n_tensors);
    const tmc_tensor *x = tmc_op_input(g, op, k);
    if (x) h += (uint32_t)x->id;
  }
  for (int k = 0; k < op->n_out; k++) {
    CHECK(op->out[k] >= 0 && op->out[k] < g->n_tensors);
    CHECK(tmc_op_output(g, op, k)->producer == i);
  }
  if (op->kind == TMC_OP_SQUEEZE) {
    CHECK(op->attr.squeeze.n >= 0);
    for (int32_t k = 0; k < op->attr.squeeze.n; k++) h += (uint32_t)op->attr.squeeze.dims[k];
  }
  int64_t macs = tmc_op_macs(g, op);
  int64_t wbytes = tmc_op_weight_bytes(g, op);
  CHECK(macs >= 0);
  CHECK(wbytes >= 0);
  return h + (uint32_t)macs + (uint32_t)wbytes;
}

static void walk_graph(const tmc_graph *g) {
  volatile uint32_t sink;
  uint32_t h = touch_str(g->model_name);
  if (g->description) h += touch_str(g->description);
  CHECK(g->n_subgraphs >= 1);
  CHECK(g->n_tensors >= 0 && g->n_ops >= 0);
  CHECK(g->tensors != NULL && g->ops != NULL);
  for (int32_t i = 0; i < g->n_tensors; i++) h += walk_tensor(g, i);
  int unsupported = 0;
  for (int32_t i = 0; i < g->n_ops; i++) {
    h += walk_op(g, i);
    unsupported += g->ops[i].unsupported != NULL;
  }
  CHECK(g->n_inputs >= 0 && g->n_outputs >= 0);
  for (int32_t k = 0; k < g->n_inputs; k++) {
    CHECK(g->inputs[k] >= 0 && g->inputs[k] < g->n_tensors);
    CHECK(g->tensors[g->inputs[k]].is_input);
  }
  for (int32_t k = 0; k < g->n_outputs; k++) {
    CHECK(g->outputs[k] >= 0 && g->outputs[k] < g->n_tensors);
    CHECK(g->tensors[g->outputs[k]].is_output);
  }

  tmc_diag d;
  tmc_diag_init(&d, g->model_name);
  tmc_status s = tmc_graph_check_supported(g, &d);
  /* Unsupported operators, or the graph as a whole (no operator to run,
   * constant inputs or outputs, zero-size activations): UNSUPPORTED. */
  if (unsupported == 0 && s == TMC_OK) {
    CHECK(d.status == TMC_OK);
  } else {
    CHECK(s == TMC_ERR_UNSUPPORTED);
    check_failure(s, &d);
  }
  sink = h;
  (void)sink;
}

tmc_status tmc_fuzz_reader_run(const uint8_t *data, size_t size) {
  /* An exact-size copy: a read one byte past the end is an ASan report. */
  uint8_t *copy = malloc(size);
  if (copy == NULL && size > 0) return TMC_ERR_NOMEM;
  if (size) memcpy(copy, data, size);

  tmc_arena arena;
  tmc_arena_init(&arena);
  tmc_diag d;
  tmc_diag_init(&d, "fuzz.tflite");
  tmc_graph g;
  tmc_status s = tmc_graph_load(copy, size, "fuzz.tflite", &arena, &g, &d);
  if (s == TMC_OK) {
    CHECK(d.status == TMC_OK);
    walk_graph(&g);
  } else {
    check_failure(s, &d);
  }
  tmc_arena_free(&arena);
  free(copy);
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tmc_fuzz_reader_run(data, size);
  return 0;
}
