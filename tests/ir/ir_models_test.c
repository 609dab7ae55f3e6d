/* The IR on the shared models (label golden): the four whole models and
 * every single-op model of ../shared/golden/ops build, and their graphs are
 * consistent:
 *   - ids: tensors[i].id == i, ops[i].id == i;
 *   - graph inputs and outputs equal the subgraph's, and exactly those
 *     tensors carry is_input / is_output;
 *   - every tensor mirrors the reader's (name, type, shape, element and byte
 *     counts, quantization, constant data pointing into the file);
 *   - producers: each op output names its op as producer, each producer
 *     lists the tensor among its outputs, constants and graph inputs have
 *     none;
 *   - consumers: strictly increasing op indices (execution order), each
 *     consumer reads the tensor, each reader is listed;
 *   - every activation read by an op or returned by the graph is produced by
 *     exactly one earlier op or is a graph input;
 *   - tmc_graph_check_supported passes (all these models are int8 models
 *     tmc must compile).
 * Skips (exit 77, before any test runs) when $TMC_SHARED_DIR has no models/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/status.h"
#include "ir/build.h"
#include "ir/graph.h"
#include "reader/shared_models.h"
#include "reader/tflite.h"
#include "testlib.h"

#define MAX_REPORTED 10

static bool op_reads(const tmc_op *op, int32_t t) {
  for (int k = 0; k < op->n_in; k++)
    if (op->in[k] == t) return true;
  return false;
}

static bool op_writes(const tmc_op *op, int32_t t) {
  for (int k = 0; k < op->n_out; k++)
    if (op->out[k] == t) return true;
  return false;
}

static bool in_list(const int32_t *v, int32_t n, int32_t t) {
  for (int32_t i = 0; i < n; i++)
    if (v[i] == t) return true;
  return false;
}

static void check_tensor_vs_reader(tt_report *c, const tmc_tfl_model *m, const tmc_tensor *t,
                                   const tmc_tfl_tensor *r) {
  if (strcmp(t->name, r->name) != 0)
    tt_problem(c, "tensor %d: name '%s', reader '%s'", t->id, t->name, r->name);
  if ((int32_t)t->type != r->type)
    tt_problem(c, "tensor %d '%s': type %d, reader %d", t->id, t->name, t->type, r->type);
  if (t->rank != r->shape.n) {
    tt_problem(c, "tensor %d '%s': rank %d, reader %d", t->id, t->name, t->rank, r->shape.n);
    return;
  }
  int64_t elems = 1;
  for (int k = 0; k < t->rank; k++) {
    if (t->dims[k] != r->shape.v[k])
      tt_problem(c, "tensor %d '%s': dim %d is %d, reader %d", t->id, t->name, k, t->dims[k],
              r->shape.v[k]);
    elems *= r->shape.v[k];
  }
  if (t->elems != elems)
    tt_problem(c, "tensor %d '%s': %lld elements, expected %lld", t->id, t->name,
            (long long)t->elems, (long long)elems);
  if (t->bytes != elems * (int64_t)tmc_tfl_type_size(r->type))
    tt_problem(c, "tensor %d '%s': %lld bytes", t->id, t->name, (long long)t->bytes);
  const tmc_tfl_buffer *b = r->buffer < (uint32_t)m->n_buffers ? &m->buffers[r->buffer] : NULL;
  bool has_data = r->buffer > 0 && b && b->data.size > 0;
  if (t->is_const != has_data || (has_data && t->data != b->data.data))
    tt_problem(c, "tensor %d '%s': constant %d, data %p, reader buffer %u", t->id, t->name,
            t->is_const, (const void *)t->data, r->buffer);
  int32_t nq = r->has_quant ? r->quant.n_scale : 0;
  if (t->q.n != nq) {
    tt_problem(c, "tensor %d '%s': %d scales, reader %d", t->id, t->name, t->q.n, nq);
    return;
  }
  for (int32_t k = 0; k < nq; k++)
    if (t->q.scale[k] != r->quant.scale[k] || t->q.zero_point[k] != r->quant.zero_point[k])
      tt_problem(c, "tensor %d '%s': quantization %d differs", t->id, t->name, k);
  if (nq > 1 && t->q.axis != r->quant.quantized_dimension)
    tt_problem(c, "tensor %d '%s': axis %d, reader %d", t->id, t->name, t->q.axis,
            r->quant.quantized_dimension);
}

static void check_graph(tt_report *c, const tmc_tfl_model *m, const tmc_graph *g) {
  const tmc_tfl_subgraph *sg = &m->subgraphs[0];
  if (g->n_tensors != sg->n_tensors || g->n_ops != sg->n_operators)
    tt_problem(c, "%d tensors and %d ops, reader %d and %d", g->n_tensors, g->n_ops,
            sg->n_tensors, sg->n_operators);
  if (g->n_inputs != sg->inputs.n || g->n_outputs != sg->outputs.n) {
    tt_problem(c, "%d inputs and %d outputs, reader %d and %d", g->n_inputs, g->n_outputs,
            sg->inputs.n, sg->outputs.n);
    return;
  }
  for (int32_t i = 0; i < g->n_inputs; i++)
    if (g->inputs[i] != sg->inputs.v[i]) tt_problem(c, "input %d differs", i);
  for (int32_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] != sg->outputs.v[i]) tt_problem(c, "output %d differs", i);

  for (int32_t i = 0; i < g->n_ops; i++) {
    const tmc_op *op = &g->ops[i];
    if (op->id != i) tt_problem(c, "op %d has id %d", i, op->id);
    for (int k = 0; k < op->n_in; k++) {
      int32_t t = op->in[k];
      if (t < -1 || t >= g->n_tensors) {
        tt_problem(c, "op %d input %d is %d", i, k, t);
        continue;
      }
      if (t < 0) continue;
      const tmc_tensor *x = &g->tensors[t];
      if (!in_list(x->consumers, x->n_consumers, i))
        tt_problem(c, "op %d reads tensor %d '%s', which does not list it", i, t, x->name);
    }
    for (int k = 0; k < op->n_out; k++) {
      int32_t t = op->out[k];
      if (t < 0 || t >= g->n_tensors) {
        tt_problem(c, "op %d output %d is %d", i, k, t);
        continue;
      }
      if (g->tensors[t].producer != i)
        tt_problem(c, "op %d writes tensor %d '%s', whose producer is %d", i, t,
                g->tensors[t].name, g->tensors[t].producer);
    }
  }

  for (int32_t t = 0; t < g->n_tensors; t++) {
    const tmc_tensor *x = &g->tensors[t];
    if (x->id != t) tt_problem(c, "tensor %d has id %d", t, x->id);
    check_tensor_vs_reader(c, m, x, &sg->tensors[t]);
    if (x->is_input != in_list(g->inputs, g->n_inputs, t))
      tt_problem(c, "tensor %d '%s': is_input %d", t, x->name, x->is_input);
    if (x->is_output != in_list(g->outputs, g->n_outputs, t))
      tt_problem(c, "tensor %d '%s': is_output %d", t, x->name, x->is_output);
    /* Consumers: increasing, each reads x, and every reader is listed. */
    int32_t readers = 0;
    for (int32_t i = 0; i < g->n_ops; i++) readers += op_reads(&g->ops[i], t);
    if (x->n_consumers != readers)
      tt_problem(c, "tensor %d '%s': %d consumers, %d ops read it", t, x->name, x->n_consumers,
              readers);
    for (int32_t k = 0; k < x->n_consumers; k++) {
      int32_t op = x->consumers[k];
      if (op < 0 || op >= g->n_ops || !op_reads(&g->ops[op], t))
        tt_problem(c, "tensor %d '%s': consumer %d (op %d) does not read it", t, x->name, k, op);
      if (k > 0 && x->consumers[k - 1] >= op)
        tt_problem(c, "tensor %d '%s': consumers not in execution order (%d then %d)", t,
                x->name, x->consumers[k - 1], op);
      if (x->producer >= op)
        tt_problem(c, "tensor %d '%s': produced by op %d, read by op %d", t, x->name,
                x->producer, op);
    }
    /* Producer. */
    if (x->producer >= 0) {
      if (x->producer >= g->n_ops || !op_writes(&g->ops[x->producer], t))
        tt_problem(c, "tensor %d '%s': producer %d does not write it", t, x->name, x->producer);
      if (x->is_const || x->is_input)
        tt_problem(c, "tensor %d '%s': constant or graph input with producer %d", t, x->name,
                x->producer);
      int32_t writers = 0;
      for (int32_t i = 0; i < g->n_ops; i++) writers += op_writes(&g->ops[i], t);
      if (writers != 1) tt_problem(c, "tensor %d '%s': written by %d ops", t, x->name, writers);
    } else if (x->producer != -1) {
      tt_problem(c, "tensor %d '%s': producer %d", t, x->name, x->producer);
    }
    /* Every activation used is produced or fed in. */
    bool used = x->n_consumers > 0 || x->is_output;
    if (used && !x->is_const && !x->is_variable && x->producer < 0 && !x->is_input)
      tt_problem(c, "tensor %d '%s': activation read but neither produced nor an input", t,
              x->name);
    if (x->is_const && x->data == NULL) tt_problem(c, "tensor %d '%s': constant without data", t, x->name);
  }
}

/* Loads path, checks the graph and the supported-op check; returns the
 * number of problems. */
static int check_model(const char *path) {
  char stem[256];
  tt_stem(path, stem, sizeof stem);
  tt_report c = {stem, 0, MAX_REPORTED};
  uint8_t *bytes;
  size_t len;
  if (!tt_read_file(path, &bytes, &len)) {
    tt_problem(&c, "cannot read %s", path);
    return c.count;
  }
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model m;
  tmc_graph g;
  tmc_diag d;
  tmc_diag_init(&d, stem);
  tmc_status s = tmc_tfl_read(bytes, len, &a, &m, &d);
  if (s == TMC_OK) s = tmc_graph_from_tflite(&m, stem, &a, &g, &d);
  if (s != TMC_OK) {
    tt_problem(&c, "%s (%s)", d.msg, tmc_status_str(s));
  } else {
    check_graph(&c, &m, &g);
    tmc_diag_init(&d, stem);
    s = tmc_graph_check_supported(&g, &d);
    if (s != TMC_OK) tt_problem(&c, "check_supported: %s", d.msg);
    /* tmc_graph_load gives the same graph. */
    tmc_arena a2;
    tmc_arena_init(&a2);
    tmc_graph g2;
    tmc_diag_init(&d, stem);
    s = tmc_graph_load(bytes, len, stem, &a2, &g2, &d);
    if (s != TMC_OK || g2.n_ops != g.n_ops || g2.n_tensors != g.n_tensors)
      tt_problem(&c, "tmc_graph_load differs: %s", d.msg);
    tmc_arena_free(&a2);
  }
  if (c.count > MAX_REPORTED)
    print_error("%s: %d problems in all\n", stem, c.count);
  tmc_arena_free(&a);
  free(bytes);
  return c.count;
}

static void test_four_models(void **state) {
  (void)state;
  int bad = 0;
  for (int i = 0; i < TT_N_MODELS; i++) {
    char path[2048];
    tt_model_path(tt_model_names[i], path, sizeof path);
    bad += check_model(path) != 0;
  }
  assert_int_equal(bad, 0);
}

static void test_op_models(void **state) {
  (void)state;
  char **paths;
  size_t n = tt_op_model_paths(&paths);
  if (n == 0) fail_msg("no golden/ops/*.tflite under %s", tt_shared_dir());
  int bad = 0;
  for (size_t i = 0; i < n; i++) bad += check_model(paths[i]) != 0;
  if (bad) print_error("%d of %zu op models have problems\n", bad, n);
  print_message("%zu op models checked\n", n);
  tt_free_paths(paths, n);
  assert_int_equal(bad, 0);
}

/* Named graph facts: graph inputs/outputs and the kinds around them. */
static void test_graph_io(void **state) {
  (void)state;
  static const struct {
    const char *name;
    int n_in, n_out;
    const char *first_kind, *last_kind;
  } want[TT_N_MODELS] = {
      {"vww", 1, 1, "QUANTIZE", "DEQUANTIZE"},
      {"mcunetv2_large", 1, 1, "QUANTIZE", "DEQUANTIZE"},
      {"detection", 1, 3, "QUANTIZE", NULL},
      {"lenet", 1, 1, "QUANTIZE", "LOG_SOFTMAX"},
  };
  for (int i = 0; i < TT_N_MODELS; i++) {
    char path[2048];
    uint8_t *bytes;
    size_t len;
    tt_model_path(want[i].name, path, sizeof path);
    assert_true(tt_read_file(path, &bytes, &len));
    tmc_arena a;
    tmc_arena_init(&a);
    tmc_graph g;
    tmc_diag d;
    tmc_diag_init(&d, want[i].name);
    tmc_status s = tmc_graph_load(bytes, len, want[i].name, &a, &g, &d);
    if (s != TMC_OK) print_error("%s\n", d.msg);
    assert_int_equal(s, TMC_OK);
    assert_int_equal(g.n_inputs, want[i].n_in);
    assert_int_equal(g.n_outputs, want[i].n_out);
    assert_int_equal(g.n_subgraphs, 1);
    assert_string_equal(tmc_op_kind_name(g.ops[0].kind), want[i].first_kind);
    /* The graph input feeds op 0; each output is produced by an op. */
    assert_int_equal(g.tensors[g.inputs[0]].producer, -1);
    assert_true(in_list(g.tensors[g.inputs[0]].consumers, g.tensors[g.inputs[0]].n_consumers, 0));
    for (int k = 0; k < g.n_outputs; k++) assert_true(g.tensors[g.outputs[k]].producer >= 0);
    if (want[i].last_kind)
      assert_string_equal(tmc_op_kind_name(g.ops[g.n_ops - 1].kind), want[i].last_kind);
    tmc_arena_free(&a);
    free(bytes);
  }
}

int main(int argc, char **argv) {
  tt_start(argc, argv, NULL);
  tt_need_shared();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_four_models),
      cmocka_unit_test(test_op_models),
      cmocka_unit_test(test_graph_io),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
