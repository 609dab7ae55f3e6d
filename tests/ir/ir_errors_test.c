/* Negative tests of the IR builder (label unit): every structural error of
 * tmc_graph_from_tflite, each asserting the status and a message substring
 * that names the op and tensor. Models are fixtures (tests/fixtures) changed
 * in memory; each is built twice: from the model struct directly, and from
 * its bytes (tmc_tfl_write, then tmc_graph_load), so the error survives
 * serialization. Last, the "unsupported" listing: a model with a custom op,
 * an LSTM, an unknown builtin and an int16 op loads (inspect works on any
 * valid model) and tmc_graph_check_supported names all of them at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/status.h"
#include "fixtures/model_builder.h"
#include "fixtures/op_fixtures.h"
#include "ir/build.h"
#include "ir/graph.h"
#include "reader/tflite.h"
#include "reader/tflite_write.h"

#define SUBJECT "fx.tflite"

/* Conv fixture tensors (op_fixtures.c): */
enum { T_IN = 0, T_W = 1, T_BIAS = 2, T_OUT = 3 };

/* ---- building models ------------------------------------------------------ */

typedef tmc_status (*conv_fn)(tmc_arena *, const tmc_fx_conv *, tmc_tfl_model **,
                              tmc_diag *);

static tmc_tfl_model *conv_with(tmc_arena *a, const tmc_fx_conv *p, bool depthwise) {
  tmc_tfl_model *m;
  tmc_diag d;
  tmc_diag_init(&d, "fixture");
  conv_fn fn = depthwise ? tmc_fx_depthwise_conv2d : tmc_fx_conv2d;
  tmc_status s = fn(a, p, &m, &d);
  if (s != TMC_OK) print_error("%s\n", d.msg);
  assert_int_equal(s, TMC_OK);
  return m;
}

/* 1x8x8x3 -> 3x3 SAME stride 1 -> 1x8x8x4, tensors input, conv/weights
 * [4,3,3,3] (4 scales along 0), conv/bias [4], output. */
static tmc_tfl_model *conv_model(tmc_arena *a) {
  tmc_fx_conv p;
  tmc_fx_conv_defaults(&p);
  return conv_with(a, &p, false);
}

static tmc_tfl_model *fc_model(tmc_arena *a) {
  tmc_fx_fc p;
  tmc_fx_fc_defaults(&p);
  tmc_tfl_model *m;
  tmc_diag d;
  tmc_diag_init(&d, "fixture");
  assert_int_equal(tmc_fx_fully_connected(a, &p, &m, &d), TMC_OK);
  return m;
}

static tmc_tfl_subgraph *sg0(tmc_tfl_model *m) { return &m->subgraphs[0]; }
static tmc_tfl_tensor *tensor(tmc_tfl_model *m, int i) { return &sg0(m)->tensors[i]; }
static tmc_tfl_operator *op0(tmc_tfl_model *m) { return &sg0(m)->operators[0]; }

/* Gives tensor i a new shape (arena copy). */
static void set_shape(tmc_arena *a, tmc_tfl_model *m, int i, const int32_t *dims, int n) {
  int32_t *v = tmc_arena_array(a, (size_t)(n ? n : 1), sizeof *v);
  assert_non_null(v);
  if (n) memcpy(v, dims, (size_t)n * sizeof *v);
  tensor(m, i)->shape.n = n;
  tensor(m, i)->shape.v = v;
}

/* Replaces an ivec (arena copy). */
static void set_ivec(tmc_arena *a, tmc_ivec *iv, const int32_t *v, int n) {
  int32_t *c = tmc_arena_array(a, (size_t)(n ? n : 1), sizeof *c);
  assert_non_null(c);
  if (n) memcpy(c, v, (size_t)n * sizeof *c);
  iv->n = n;
  iv->v = c;
}

/* ---- expectations --------------------------------------------------------- */

/* Builds m in memory and from its bytes; both must fail with want and
 * every substring. */
static void expect_build_(const tmc_tfl_model *m, tmc_status want, const char *const *subs) {
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_graph g;
  tmc_diag d;
  tmc_diag_init(&d, SUBJECT);
  tmc_status s = tmc_graph_from_tflite(m, SUBJECT, &a, &g, &d);
  bool ok1 = tt_diag_has(&d, s, want, SUBJECT, subs);
  if (!ok1) tt_diag_report("in memory", s, &d, want, subs);
  tmc_arena_free(&a);

  uint8_t *bytes = NULL;
  size_t len = 0;
  tmc_diag_init(&d, SUBJECT);
  s = tmc_tfl_write(m, &bytes, &len, &d);
  if (s != TMC_OK) print_error("writer: %s\n", d.msg);
  assert_int_equal(s, TMC_OK);
  tmc_arena_init(&a);
  tmc_diag_init(&d, SUBJECT);
  s = tmc_graph_load(bytes, len, SUBJECT, &a, &g, &d);
  bool ok2 = tt_diag_has(&d, s, want, SUBJECT, subs);
  if (!ok2) tt_diag_report("from bytes", s, &d, want, subs);
  tmc_arena_free(&a);
  free(bytes);
  assert_true(ok1 && ok2);
}

#define EXPECT_BUILD(m, want, ...) \
  expect_build_(m, want, (const char *const[]){__VA_ARGS__, NULL})

/* m builds (both ways) and its graph is returned (in a). */
static void expect_ok(const tmc_tfl_model *m, tmc_arena *a, tmc_graph *g) {
  tmc_diag d;
  tmc_diag_init(&d, SUBJECT);
  tmc_status s = tmc_graph_from_tflite(m, SUBJECT, a, g, &d);
  if (s != TMC_OK) print_error("%s\n", d.msg);
  assert_int_equal(s, TMC_OK);
}

/* ---- tensor indices -------------------------------------------------------- */

static void test_fixtures_build(void **state) {
  (void)state;
  tmc_arena a, ga;
  tmc_arena_init(&a);
  tmc_arena_init(&ga);
  tmc_tfl_model *m = conv_model(&a);
  assert_string_equal(tensor(m, T_IN)->name, "input");
  assert_string_equal(tensor(m, T_W)->name, "conv/weights");
  assert_string_equal(tensor(m, T_BIAS)->name, "conv/bias");
  assert_string_equal(tensor(m, T_OUT)->name, "output");
  tmc_graph g;
  expect_ok(m, &ga, &g);
  assert_int_equal(g.n_ops, 1);
  assert_int_equal(g.ops[0].kind, TMC_OP_CONV_2D);
  assert_null(g.ops[0].unsupported);
  tmc_diag d;
  tmc_diag_init(&d, SUBJECT);
  assert_int_equal(tmc_graph_check_supported(&g, &d), TMC_OK);
  assert_int_equal(d.status, TMC_OK);
  tmc_arena_free(&ga);
  tmc_arena_free(&a);
}

static void test_op_tensor_index(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  op0(m)->inputs.v[0] = 999;
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "op 0 CONV_2D: input 0: tensor 999 does not exist (model has 4 tensors)");
  op0(m)->inputs.v[0] = T_IN;
  op0(m)->inputs.v[1] = -2; /* -1 marks an absent input; -2 is nothing */
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: input 1: tensor -2 does not exist");
  op0(m)->inputs.v[1] = 4; /* one past the end */
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: input 1: tensor 4 does not exist");
  op0(m)->inputs.v[1] = T_W;
  op0(m)->outputs.v[0] = 4;
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "op 0 CONV_2D: output 0: tensor 4 does not exist (model has 4 tensors)");
  op0(m)->outputs.v[0] = -1; /* outputs are never optional */
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: output 0: tensor -1 does not exist");
  tmc_arena_free(&a);
}

static void test_graph_io_index(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  sg0(m)->inputs.v[0] = 7;
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "subgraph 0: input 0 is tensor 7, which does not exist (model has 4 tensors)");
  sg0(m)->inputs.v[0] = T_IN;
  sg0(m)->outputs.v[0] = -1;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "subgraph 0: output 0 is tensor -1, which does not exist");
  tmc_arena_free(&a);
}

static void test_opcode_index(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  assert_int_equal(m->n_opcodes, 1);
  op0(m)->opcode_index = 3;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0: operator code 3 does not exist (model has 1)");
  tmc_arena_free(&a);
}

/* ---- shapes ----------------------------------------------------------------- */

static void test_negative_dim(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  tensor(m, T_IN)->shape.v[2] = -5;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 0 'input': dimension 2 is -5, expected >= 0");
  tensor(m, T_IN)->shape.v[2] = -1;
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "tensor 0 'input': dimension 2 is -1, expected >= 0 (dynamic shapes are not "
               "supported)");
  tmc_arena_free(&a);
}

static void test_too_many_elements(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  set_shape(&a, m, T_OUT, (const int32_t[]){1, 65536, 65536, 4}, 4);
  EXPECT_BUILD(m, TMC_ERR_LIMIT, "tensor 3 'output': more than 2^31 elements");
  set_shape(&a, m, T_OUT, (const int32_t[]){2147483647, 2147483647}, 2);
  EXPECT_BUILD(m, TMC_ERR_LIMIT, "tensor 3 'output': more than 2^31 elements");
  tmc_arena_free(&a);
  /* 2^30 int32 elements: within the element limit, 4 GiB of bytes. */
  tmc_arena_init(&a);
  m = conv_model(&a);
  set_shape(&a, m, T_BIAS, (const int32_t[]){1 << 30}, 1);
  tensor(m, T_BIAS)->has_quant = false;
  EXPECT_BUILD(m, TMC_ERR_LIMIT, "tensor 2 'conv/bias': 4294967296 bytes, more than 2^31");
  tmc_arena_free(&a);
}

static void test_rank_too_high(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  set_shape(&a, m, T_IN, (const int32_t[]){1, 1, 1, 8, 8, 3, 1}, 7);
  EXPECT_BUILD(m, TMC_ERR_LIMIT, "tensor 0 'input': 7 dims, tmc supports at most 6");
  tmc_arena_free(&a);
}

static void test_bad_type(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  tensor(m, T_IN)->type = 19;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 0 'input': type 19 is not a TFLite type");
  tensor(m, T_IN)->type = -3;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 0 'input': type -3 is not a TFLite type");
  tmc_arena_free(&a);
}

/* ---- buffers ---------------------------------------------------------------- */

static void test_buffer_index(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  tensor(m, T_W)->buffer = 42;
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "tensor 1 'conv/weights': buffer 42 does not exist",
               "(model has 3 buffers)");
  tensor(m, T_W)->buffer = (uint32_t)m->n_buffers; /* one past the end */
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 1 'conv/weights': buffer 3 does not exist");
  tmc_arena_free(&a);
}

static void test_buffer_size(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  uint32_t b = tensor(m, T_W)->buffer;
  m->buffers[b].data.size = 107;
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "tensor 1 'conv/weights': buffer 1 holds 107 bytes, expected 108 (INT8 108 "
               "elements)");
  m->buffers[b].data.size = 108;
  /* bias: 4 int32 = 16 bytes; give it 12 */
  m->buffers[tensor(m, T_BIAS)->buffer].data.size = 12;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 2 'conv/bias': buffer 2 holds 12 bytes, expected 16",
               "INT32 4 elements");
  tmc_arena_free(&a);
}

static void test_external_buffer(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  tensor(m, T_W)->external_buffer = 1;
  EXPECT_BUILD(m, TMC_ERR_UNSUPPORTED,
               "tensor 1 'conv/weights': data in external buffer 1 (external weight files are "
               "not supported)");
  tmc_arena_free(&a);
}

/* ---- quantization ------------------------------------------------------------ */

static void test_quant_counts(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  assert_int_equal(tensor(m, T_W)->quant.n_scale, 4);
  tensor(m, T_W)->quant.n_zero_point = 3;
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "tensor 1 'conv/weights': quantization has 4 scales and 3 zero points, expected "
               "equal counts");
  tensor(m, T_W)->quant.n_zero_point = 4;
  tensor(m, T_IN)->quant.n_scale = 0; /* a zero point and no scale */
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 0 'input': quantization has 1 zero points and no scale");
  tmc_arena_free(&a);
}

static void test_per_channel_count(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  tensor(m, T_W)->quant.quantized_dimension = 3; /* 3 input channels, 4 scales */
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 1 'conv/weights': 4 scales, expected 3 (dimension 3)");
  tmc_arena_free(&a);
}

static void test_quantized_dimension_range(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  tensor(m, T_W)->quant.quantized_dimension = 4;
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "tensor 1 'conv/weights': quantized_dimension 4, expected 0..3 for a 4-D tensor");
  tensor(m, T_W)->quant.quantized_dimension = -1;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 1 'conv/weights': quantized_dimension -1, expected 0..3");
  tmc_arena_free(&a);
}

/* A per-channel 1-D bias whose quantized_dimension is the weights' (3), as
 * older converters wrote it (TFLM's person-detection model): TFLite reads
 * it along its only dimension, and so does tmc. */
static void test_bias_quantized_dimension(void **state) {
  (void)state;
  tmc_arena a, ga;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  assert_true(tensor(m, T_BIAS)->quant.n_scale > 1);
  tensor(m, T_BIAS)->quant.quantized_dimension = 3;
  tmc_arena_init(&ga);
  tmc_graph g;
  expect_ok(m, &ga, &g);
  assert_int_equal(g.tensors[T_BIAS].q.axis, 0);
  tmc_arena_free(&ga);
  /* Not for a tensor with other than one scale per element. */
  tensor(m, T_BIAS)->quant.n_scale = tensor(m, T_BIAS)->quant.n_zero_point = 2;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 2 'conv/bias': quantized_dimension 3, expected 0..0 "
               "for a 1-D tensor");
  tmc_arena_free(&a);
}

static void test_bad_scale(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  float saved = tensor(m, T_IN)->quant.scale[0];
  tensor(m, T_IN)->quant.scale[0] = -0.5f;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 0 'input': scale[0] is -0.5, expected a finite value >= 0");
  tensor(m, T_IN)->quant.scale[0] = NAN;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 0 'input': scale[0] is nan, expected a finite value");
  tensor(m, T_IN)->quant.scale[0] = INFINITY;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 0 'input': scale[0] is inf, expected a finite value");
  tensor(m, T_IN)->quant.scale[0] = saved;
  tensor(m, T_W)->quant.scale[2] = -NAN;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 1 'conv/weights': scale[2] is", "nan");
  tmc_arena_free(&a);
}

static void test_zero_point_range(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  tensor(m, T_IN)->quant.zero_point[0] = (int64_t)INT32_MAX + 1;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 0 'input': zero_point[0] is 2147483648, outside int32");
  tensor(m, T_IN)->quant.zero_point[0] = (int64_t)INT32_MIN - 1;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "tensor 0 'input': zero_point[0] is -2147483649, outside int32");
  tmc_arena_free(&a);
}

/* ---- operators ---------------------------------------------------------------- */

static void test_wrong_options(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  op0(m)->options.type = TMC_TFL_OPTIONS_depthwise_conv2d;
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "op 0 CONV_2D: builtin options are DepthwiseConv2DOptions (type 2), expected "
               "Conv2DOptions");
  op0(m)->options.type = 14; /* LSTMOptions: not decoded by tmc */
  op0(m)->options.decoded = false;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: builtin options are", "(type 14), expected "
               "Conv2DOptions");
  tmc_arena_free(&a);
}

static void test_operand_counts(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  set_ivec(&a, &op0(m)->inputs, (const int32_t[]){T_IN}, 1);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: 1 inputs, expected 2 to 3");
  set_ivec(&a, &op0(m)->inputs, (const int32_t[]){T_IN, T_W, T_BIAS, T_BIAS}, 4);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: 4 inputs, expected 2 to 3");
  set_ivec(&a, &op0(m)->inputs, (const int32_t[]){T_IN, T_W, T_BIAS}, 3);
  set_ivec(&a, &op0(m)->outputs, (const int32_t[]){T_OUT, T_IN}, 2);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: 2 outputs, expected 1");
  set_ivec(&a, &op0(m)->outputs, NULL, 0);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: 0 outputs, expected 1");
  tmc_arena_free(&a);
  /* ADD takes exactly two. */
  tmc_arena_init(&a);
  tmc_fx_add p;
  tmc_fx_add_defaults(&p);
  tmc_diag d;
  tmc_diag_init(&d, "fixture");
  assert_int_equal(tmc_fx_add_model(&a, &p, &m, &d), TMC_OK);
  set_ivec(&a, &op0(m)->inputs, (const int32_t[]){0, 1, 0}, 3);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 ADD: 3 inputs, expected 2");
  tmc_arena_free(&a);
  /* More than TMC_MAX_OP_IO operands. */
  tmc_arena_init(&a);
  m = conv_model(&a);
  int32_t *many = tmc_arena_array(&a, 1025, sizeof *many);
  assert_non_null(many);
  for (int i = 0; i < 1025; i++) many[i] = T_IN;
  set_ivec(&a, &op0(m)->inputs, many, 1025);
  EXPECT_BUILD(m, TMC_ERR_LIMIT,
               "op 0 CONV_2D: 1025 inputs and 1 outputs, more than the 1024 tmc accepts");
  tmc_arena_free(&a);
}

static void test_absent_required_input(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  op0(m)->inputs.v[0] = -1;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: input 0 is absent (-1) but required");
  op0(m)->inputs.v[0] = T_IN;
  op0(m)->inputs.v[1] = -1;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: input 1 is absent (-1) but required");
  /* The bias is optional. */
  op0(m)->inputs.v[1] = T_W;
  op0(m)->inputs.v[2] = -1;
  tmc_arena ga;
  tmc_arena_init(&ga);
  tmc_graph g;
  expect_ok(m, &ga, &g);
  assert_null(tmc_op_input(&g, &g.ops[0], 2));
  tmc_arena_free(&ga);
  tmc_arena_free(&a);
}

static void test_output_written_twice(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_mb b;
  tmc_mb_init(&b, &a, "two writers");
  int32_t shape[2] = {1, 4};
  int32_t x = tmc_mb_act_s8(&b, "x", shape, 2, 0.1f, 0);
  int32_t y = tmc_mb_act_s8(&b, "y", shape, 2, 0.1f, 0);
  tmc_mb_op(&b, TMC_TFL_OP_RELU, 1, &x, 1, &y, 1, NULL);
  tmc_mb_op(&b, TMC_TFL_OP_RELU, 1, &x, 1, &y, 1, NULL);
  tmc_mb_io(&b, &x, 1, &y, 1);
  tmc_tfl_model *m;
  tmc_diag d;
  tmc_diag_init(&d, "fixture");
  assert_int_equal(tmc_mb_finish(&b, &m, &d), TMC_OK);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 1 RELU: output 0 (tensor 1 'y') is already written by op 0");
  tmc_arena_free(&a);
}

static void test_output_is_constant(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  op0(m)->outputs.v[0] = T_W;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: output 0 (tensor 1 'conv/weights') is a constant");
  tmc_arena_free(&a);
}

static void test_graph_input_written(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  sg0(m)->inputs.v[0] = T_OUT;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "subgraph 0: input 0 (tensor 3 'output') is written by op 0");
  tmc_arena_free(&a);
}

static void test_no_subgraph(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  m->n_subgraphs = 0;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "model has no subgraph");
  tmc_arena_free(&a);
}

/* ---- convolution, fully connected, pooling ------------------------------ */

static void test_conv_weights_rank(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  /* Same 108 bytes and 4 channels along dimension 0, one dimension less. */
  set_shape(&a, m, T_W, (const int32_t[]){4, 3, 9}, 3);
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "op 0 CONV_2D: input 1 (tensor 1 'conv/weights'): 3 dims, expected 4");
  tmc_arena_free(&a);
  tmc_arena_init(&a);
  m = conv_model(&a);
  set_shape(&a, m, T_IN, (const int32_t[]){8, 8, 3}, 3);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: input 0 (tensor 0 'input'): 3 dims, expected 4");
  set_shape(&a, m, T_IN, (const int32_t[]){1, 8, 8, 3}, 4);
  set_shape(&a, m, T_OUT, (const int32_t[]){1, 64, 4}, 3);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: output 0 (tensor 3 'output'): 3 dims, expected 4");
  tmc_arena_free(&a);
}

static void test_conv_channels(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  /* 4 input channels, weights made for 3 (3 does not divide 4). */
  set_shape(&a, m, T_IN, (const int32_t[]){1, 8, 8, 4}, 4);
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "op 0 CONV_2D: input 1 (tensor 1 'conv/weights'): 3 input channels do not "
               "divide the input's 4");
  tmc_arena_free(&a);
}

static void test_conv_output_shape(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  set_shape(&a, m, T_OUT, (const int32_t[]){1, 7, 8, 4}, 4);
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "op 0 CONV_2D: output 0 (tensor 3 'output'): shape [1,7,8,4], expected "
               "[1,8,8,4]");
  set_shape(&a, m, T_OUT, (const int32_t[]){1, 8, 8, 4}, 4);
  op0(m)->options.u.conv2d.padding = TMC_TFL_PAD_VALID; /* 8 - 3 + 1 = 6 */
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: output 0 (tensor 3 'output'): shape [1,8,8,4], "
               "expected [1,6,6,4]");
  op0(m)->options.u.conv2d.padding = TMC_TFL_PAD_SAME;
  op0(m)->options.u.conv2d.stride_h = 2; /* ceil(8 / 2) = 4 */
  EXPECT_BUILD(m, TMC_ERR_MODEL, "shape [1,8,8,4], expected [1,4,8,4]");
  op0(m)->options.u.conv2d.stride_h = 1;
  op0(m)->options.u.conv2d.dilation_w_factor = 2;
  op0(m)->options.u.conv2d.padding = TMC_TFL_PAD_VALID; /* 8 - 5 + 1 = 4 */
  EXPECT_BUILD(m, TMC_ERR_MODEL, "shape [1,8,8,4], expected [1,6,4,4]");
  tmc_arena_free(&a);
}

static void test_conv_params(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  tmc_tfl_conv2d *c = &op0(m)->options.u.conv2d;
  c->stride_h = 0;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: stride_h is 0, expected >= 1");
  c->stride_h = 1;
  c->stride_w = -2;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: stride_w is -2, expected >= 1");
  c->stride_w = 1;
  c->dilation_w_factor = 0;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: dilation_w_factor is 0, expected >= 1");
  c->dilation_w_factor = 1;
  c->padding = 2;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: padding is 2, expected 0 (SAME) or 1 (VALID)");
  c->padding = 0;
  c->fused_activation_function = 6;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: fused_activation_function is 6, expected 0..5");
  c->fused_activation_function = 0;
  /* No options table at all (as the reader gives it: all fields 0). */
  memset(&op0(m)->options, 0, sizeof op0(m)->options);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: stride_h is 0, expected >= 1");
  tmc_arena_free(&a);
}

static void test_conv_bias_length(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = conv_model(&a);
  /* An 8-element bias (32 bytes, per-tensor scale) for 4 output channels. */
  static const uint8_t bias8[32];
  uint32_t b = tensor(m, T_BIAS)->buffer;
  m->buffers[b].data.data = bias8;
  m->buffers[b].data.size = sizeof bias8;
  set_shape(&a, m, T_BIAS, (const int32_t[]){8}, 1);
  tensor(m, T_BIAS)->quant.n_scale = tensor(m, T_BIAS)->quant.n_zero_point = 1;
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "op 0 CONV_2D: input 2 (tensor 2 'conv/bias'): 8 elements, expected 4 (one per "
               "output channel)");
  /* Right count, wrong rank. */
  set_shape(&a, m, T_BIAS, (const int32_t[]){2, 4}, 2);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 CONV_2D: input 2 (tensor 2 'conv/bias'): 8 elements, "
               "expected 4");
  tmc_arena_free(&a);
}

static void test_depthwise_errors(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_fx_conv p;
  tmc_fx_conv_defaults(&p);
  tmc_tfl_model *m = conv_with(&a, &p, true); /* weights [1,3,3,3], 3 scales along 3 */
  assert_string_equal(tensor(m, T_W)->name, "dw/weights");
  set_shape(&a, m, T_W, (const int32_t[]){3, 3, 1, 3}, 4);
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "op 0 DEPTHWISE_CONV_2D: input 1 (tensor 1 'dw/weights'): dimension 0 is 3, "
               "expected 1");
  tmc_arena_free(&a);
  /* 3 output channels over 2 input channels. */
  tmc_arena_init(&a);
  m = conv_with(&a, &p, true);
  set_shape(&a, m, T_IN, (const int32_t[]){1, 12, 8, 2}, 4);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 DEPTHWISE_CONV_2D: input 1 (tensor 1 'dw/weights'): 3 "
               "channels are not a multiple of the input's 2");
  tmc_arena_free(&a);
}

static void test_fc_errors(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = fc_model(&a); /* input [1,16], fc/weights [8,16], fc/bias [8], output [1,8] */
  set_shape(&a, m, T_IN, (const int32_t[]){1, 15}, 2);
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "op 0 FULLY_CONNECTED: input 0 (tensor 0 'input'): 15 elements are not a "
               "multiple of the weights' depth 16");
  set_shape(&a, m, T_IN, (const int32_t[]){2, 16}, 2); /* batch 2: 16 outputs expected */
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "op 0 FULLY_CONNECTED: output 0 (tensor 3 'output'): 8 elements, expected 16");
  set_shape(&a, m, T_IN, (const int32_t[]){1, 16}, 2);
  set_shape(&a, m, T_W, (const int32_t[]){8, 4, 4}, 3);
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "op 0 FULLY_CONNECTED: input 1 (tensor 1 'fc/weights'): 3 dims, expected 2");
  set_shape(&a, m, T_W, (const int32_t[]){8, 16}, 2);
  static const uint8_t bias4[16];
  uint32_t b = tensor(m, T_BIAS)->buffer;
  m->buffers[b].data.data = bias4;
  m->buffers[b].data.size = sizeof bias4;
  set_shape(&a, m, T_BIAS, (const int32_t[]){4}, 1);
  tensor(m, T_BIAS)->quant.n_scale = tensor(m, T_BIAS)->quant.n_zero_point = 1;
  EXPECT_BUILD(m, TMC_ERR_MODEL,
               "op 0 FULLY_CONNECTED: input 2 (tensor 2 'fc/bias'): 4 elements, expected 8");
  tmc_arena_free(&a);
}

/* A one-op model x -> y built with tmc_mb (options o, may be NULL). */
static tmc_tfl_model *single_op(tmc_arena *a, int32_t code, const int32_t *xs, int xr,
                                const int32_t *ys, int yr, const tmc_tfl_options *o,
                                int n_out) {
  tmc_mb b;
  tmc_mb_init(&b, a, "single op");
  int32_t x = tmc_mb_act_s8(&b, "x", xs, xr, 0.1f, 0);
  int32_t y[4];
  for (int i = 0; i < n_out; i++) {
    char name[16]; /* "y" and any int */
    snprintf(name, sizeof name, "y%d", i);
    y[i] = tmc_mb_act_s8(&b, i ? name : "y", ys, yr, 0.1f, 0);
  }
  tmc_mb_op(&b, code, 1, &x, 1, y, n_out, o);
  tmc_mb_io(&b, &x, 1, y, n_out);
  tmc_tfl_model *m;
  tmc_diag d;
  tmc_diag_init(&d, "fixture");
  tmc_status s = tmc_mb_finish(&b, &m, &d);
  if (s != TMC_OK) print_error("%s\n", d.msg);
  assert_int_equal(s, TMC_OK);
  return m;
}

static void test_pool_errors(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_pool2d;
  o.u.pool2d.padding = TMC_TFL_PAD_VALID;
  o.u.pool2d.stride_w = o.u.pool2d.stride_h = 2;
  o.u.pool2d.filter_width = o.u.pool2d.filter_height = 2;
  tmc_tfl_model *m = single_op(&a, TMC_TFL_OP_AVERAGE_POOL_2D, (const int32_t[]){1, 8, 8, 4},
                               4, (const int32_t[]){1, 4, 4, 4}, 4, &o, 1);
  tmc_arena ga;
  tmc_arena_init(&ga);
  tmc_graph g;
  expect_ok(m, &ga, &g);
  tmc_arena_free(&ga);
  tmc_tfl_pool2d *p = &op0(m)->options.u.pool2d;
  p->filter_height = 0;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 AVERAGE_POOL_2D: filter_height is 0, expected >= 1");
  p->filter_height = 2;
  p->stride_w = 0;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 AVERAGE_POOL_2D: stride_w is 0, expected >= 1");
  p->stride_w = 1;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 AVERAGE_POOL_2D: output 0 (tensor 1 'y'): shape "
               "[1,4,4,4], expected [1,4,7,4]");
  tmc_arena_free(&a);
}

static void test_space_depth_errors(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_depth_to_space;
  o.u.depth_to_space.block_size = 2;
  tmc_tfl_model *m = single_op(&a, TMC_TFL_OP_DEPTH_TO_SPACE, (const int32_t[]){1, 3, 4, 8},
                               4, (const int32_t[]){1, 6, 8, 2}, 4, &o, 1);
  tmc_arena ga;
  tmc_arena_init(&ga);
  tmc_graph g;
  expect_ok(m, &ga, &g);
  tmc_arena_free(&ga);
  tmc_tfl_depth_to_space *p = &op0(m)->options.u.depth_to_space;
  p->block_size = 0;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 DEPTH_TO_SPACE: block_size is 0, expected >= 1");
  p->block_size = 3;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 DEPTH_TO_SPACE: input 0 (tensor 0 'x'): 8 channels are "
               "not a multiple of block_size^2 = 9");
  p->block_size = 1;
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 DEPTH_TO_SPACE: output 0 (tensor 1 'y'): shape "
               "[1,6,8,2], expected [1,3,4,8]");
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_space_to_depth;
  o.u.space_to_depth.block_size = 2;
  m = single_op(&a, TMC_TFL_OP_SPACE_TO_DEPTH, (const int32_t[]){1, 6, 5, 2}, 4,
                (const int32_t[]){1, 3, 2, 8}, 4, &o, 1);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 SPACE_TO_DEPTH: input 0 (tensor 0 'x'): height 6 and "
               "width 5 are not multiples of block_size 2");
  tmc_arena_free(&a);
}

static void test_option_values(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_softmax;
  o.u.softmax.beta = INFINITY;
  const int32_t s[2] = {1, 10};
  tmc_tfl_model *m = single_op(&a, TMC_TFL_OP_SOFTMAX, s, 2, s, 2, &o, 1);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 SOFTMAX: beta is not finite");
  memset(&o, 0, sizeof o);
  o.type = TMC_TFL_OPTIONS_split;
  o.u.split.num_splits = 3;
  tmc_arena_free(&a);
  /* SPLIT: (axis, x) -> 2 outputs, num_splits says 3. */
  tmc_arena_init(&a);
  tmc_mb b;
  tmc_mb_init(&b, &a, "split");
  int32_t axis_v = 1;
  int32_t axis = tmc_mb_const_i32(&b, "axis", NULL, 0, &axis_v);
  int32_t x = tmc_mb_act_s8(&b, "x", (const int32_t[]){1, 8}, 2, 0.1f, 0);
  int32_t y[2] = {tmc_mb_act_s8(&b, "y0", (const int32_t[]){1, 4}, 2, 0.1f, 0),
                  tmc_mb_act_s8(&b, "y1", (const int32_t[]){1, 4}, 2, 0.1f, 0)};
  tmc_mb_op(&b, TMC_TFL_OP_SPLIT, 1, (const int32_t[]){axis, x}, 2, y, 2, &o);
  tmc_mb_io(&b, &x, 1, y, 2);
  tmc_diag d;
  tmc_diag_init(&d, "fixture");
  assert_int_equal(tmc_mb_finish(&b, &m, &d), TMC_OK);
  EXPECT_BUILD(m, TMC_ERR_MODEL, "op 0 SPLIT: num_splits is 3, expected the number of outputs");
  tmc_arena_free(&a);
}

/* ---- unsupported operators ---------------------------------------------------- */

/* Loads bytes and returns the check_supported diagnostic. */
static tmc_status load_and_check(const tmc_tfl_model *m, tmc_diag *d) {
  uint8_t *bytes;
  size_t len;
  tmc_diag_init(d, SUBJECT);
  assert_int_equal(tmc_tfl_write(m, &bytes, &len, d), TMC_OK);
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_graph g;
  tmc_status s = tmc_graph_load(bytes, len, SUBJECT, &a, &g, d);
  if (s != TMC_OK) print_error("load: %s\n", d->msg);
  assert_int_equal(s, TMC_OK); /* any valid model loads, compilable or not */
  /* Every op is present with its name, compilable or not. */
  assert_int_equal(g.n_ops, m->subgraphs[0].n_operators);
  for (int i = 0; i < g.n_ops; i++) assert_non_null(g.ops[i].name);
  tmc_diag_init(d, SUBJECT);
  s = tmc_graph_check_supported(&g, d);
  tmc_arena_free(&a);
  free(bytes);
  return s;
}

/* Two RELUs; wire(b, x, t1, t2) lists them (any order, any operands). */
typedef void (*wire_fn)(tmc_mb *b, int32_t x, int32_t t1, int32_t t2);

static void wire_cycle(tmc_mb *b, int32_t x, int32_t t1, int32_t t2) {
  (void)x;
  tmc_mb_op(b, TMC_TFL_OP_RELU, 1, &t2, 1, &t1, 1, NULL); /* reads op 1's output */
  tmc_mb_op(b, TMC_TFL_OP_RELU, 1, &t1, 1, &t2, 1, NULL);
}
static void wire_later(tmc_mb *b, int32_t x, int32_t t1, int32_t t2) {
  tmc_mb_op(b, TMC_TFL_OP_RELU, 1, &t1, 1, &t2, 1, NULL); /* t1 is written by op 1 */
  tmc_mb_op(b, TMC_TFL_OP_RELU, 1, &x, 1, &t1, 1, NULL);
}
static void wire_self(tmc_mb *b, int32_t x, int32_t t1, int32_t t2) {
  (void)x;
  tmc_mb_op(b, TMC_TFL_OP_ADD, 1, (const int32_t[]){t1, t1}, 2, &t1, 1, NULL);
  tmc_mb_op(b, TMC_TFL_OP_RELU, 1, &t1, 1, &t2, 1, NULL);
}
static void wire_orphan(tmc_mb *b, int32_t x, int32_t t1, int32_t t2) {
  (void)x;
  tmc_mb_op(b, TMC_TFL_OP_RELU, 1, &t1, 1, &t2, 1, NULL); /* nobody writes t1 */
}
static void wire_output_unwritten(tmc_mb *b, int32_t x, int32_t t1, int32_t t2) {
  (void)t2;
  tmc_mb_op(b, TMC_TFL_OP_RELU, 1, &x, 1, &t1, 1, NULL); /* t2 (an output) never written */
}

static tmc_tfl_model *two_relus(tmc_arena *a, wire_fn wire) {
  tmc_mb b;
  tmc_mb_init(&b, a, "execution order");
  const int32_t sh[2] = {1, 8};
  int32_t x = tmc_mb_act_s8(&b, "x", sh, 2, 0.1f, 0);
  int32_t t1 = tmc_mb_act_s8(&b, "t1", sh, 2, 0.1f, 0);
  int32_t t2 = tmc_mb_act_s8(&b, "t2", sh, 2, 0.1f, 0);
  wire(&b, x, t1, t2);
  tmc_mb_io(&b, &x, 1, &t2, 1);
  tmc_tfl_model *m;
  tmc_diag d;
  tmc_diag_init(&d, "fixture");
  assert_int_equal(tmc_mb_finish(&b, &m, &d), TMC_OK);
  return m;
}

static void test_execution_order(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  EXPECT_BUILD(two_relus(&a, wire_cycle), TMC_ERR_MODEL,
               "op 0 RELU: input 0 (tensor 2 't2') is written later, by op 1 (operators "
               "must be listed in execution order)");
  EXPECT_BUILD(two_relus(&a, wire_later), TMC_ERR_MODEL,
               "op 0 RELU: input 0 (tensor 1 't1') is written later, by op 1");
  EXPECT_BUILD(two_relus(&a, wire_self), TMC_ERR_MODEL,
               "op 0 ADD: input 0 (tensor 1 't1') is its own output");
  EXPECT_BUILD(two_relus(&a, wire_orphan), TMC_ERR_MODEL,
               "op 0 RELU: input 0 (tensor 1 't1') is written by no operator and is neither "
               "a graph input nor a constant");
  EXPECT_BUILD(two_relus(&a, wire_output_unwritten), TMC_ERR_MODEL,
               "subgraph 0: output 0 (tensor 2 't2') is written by no operator");
  tmc_arena_free(&a);
}

static void test_graph_unsupported(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  const int32_t sh[2] = {1, 8}, zero[2] = {1, 0};
  tmc_diag d;
  tmc_tfl_model *m;
  /* No operator at all: the output is the input. */
  tmc_mb b;
  tmc_mb_init(&b, &a, "no ops");
  int32_t x = tmc_mb_act_s8(&b, "x", sh, 2, 0.1f, 0);
  tmc_mb_io(&b, &x, 1, &x, 1);
  assert_int_equal(tmc_mb_finish(&b, &m, &d), TMC_OK);
  assert_int_equal(load_and_check(m, &d), TMC_ERR_UNSUPPORTED);
  assert_non_null(strstr(d.msg, "subgraph 0: no operator to run (0 operators"));
  /* A constant graph input; an output that is a graph input. */
  tmc_mb_init(&b, &a, "constant input");
  const float w[8] = {0.5f, -0.5f, 0, 0, 0, 0, 0, 0};
  int32_t c = tmc_mb_const_s8(&b, "c", sh, 2, 0, false, w, NULL);
  x = tmc_mb_act_s8(&b, "x", sh, 2, 0.1f, 0);
  int32_t y = tmc_mb_act_s8(&b, "y", sh, 2, 0.1f, 0);
  tmc_mb_op(&b, TMC_TFL_OP_RELU, 1, &x, 1, &y, 1, NULL);
  tmc_mb_io(&b, (const int32_t[]){x, c}, 2, (const int32_t[]){y, x}, 2);
  assert_int_equal(tmc_mb_finish(&b, &m, &d), TMC_OK);
  assert_int_equal(load_and_check(m, &d), TMC_ERR_UNSUPPORTED);
  assert_non_null(strstr(d.msg, "subgraph 0: input 1 (tensor 0 'c') is a constant"));
  tmc_mb_init(&b, &a, "output is input");
  x = tmc_mb_act_s8(&b, "x", sh, 2, 0.1f, 0);
  y = tmc_mb_act_s8(&b, "y", sh, 2, 0.1f, 0);
  tmc_mb_op(&b, TMC_TFL_OP_RELU, 1, &x, 1, &y, 1, NULL);
  tmc_mb_io(&b, &x, 1, (const int32_t[]){y, x}, 2);
  assert_int_equal(tmc_mb_finish(&b, &m, &d), TMC_OK);
  assert_int_equal(load_and_check(m, &d), TMC_ERR_UNSUPPORTED);
  assert_non_null(strstr(d.msg, "subgraph 0: output 1 (tensor 0 'x') is a graph input: no "
                         "operator computes it"));
  /* A zero-size activation. */
  tmc_mb_init(&b, &a, "zero size");
  x = tmc_mb_act_s8(&b, "x", zero, 2, 0.1f, 0);
  y = tmc_mb_act_s8(&b, "y", zero, 2, 0.1f, 0);
  tmc_mb_op(&b, TMC_TFL_OP_RELU, 1, &x, 1, &y, 1, NULL);
  tmc_mb_io(&b, &x, 1, &y, 1);
  assert_int_equal(tmc_mb_finish(&b, &m, &d), TMC_OK);
  assert_int_equal(load_and_check(m, &d), TMC_ERR_UNSUPPORTED);
  assert_non_null(strstr(d.msg, "op 0 RELU: input 0 (tensor 0 'x') has no elements"));
  tmc_arena_free(&a);
}

static void test_unsupported_listed_at_once(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_mb b;
  tmc_mb_init(&b, &a, "unsupported ops");
  const int32_t s[2] = {1, 8};
  int32_t x = tmc_mb_act_s8(&b, "x", s, 2, 0.1f, 0);
  int32_t t1 = tmc_mb_act_s8(&b, "t1", s, 2, 0.1f, 0);
  int32_t t2 = tmc_mb_act_s8(&b, "t2", s, 2, 0.1f, 0);
  int32_t t3 = tmc_mb_tensor(&b, "t3", TMC_TFL_INT16, s, 2, 0);
  int32_t t4 = tmc_mb_tensor(&b, "t4", TMC_TFL_INT16, s, 2, 0);
  int32_t t5 = tmc_mb_act_s8(&b, "t5", s, 2, 0.1f, 0);
  tmc_mb_custom_op(&b, "TmcTestOp", &x, 1, &t1, 1, (const uint8_t *)"\x01", 1); /* op 0 */
  tmc_mb_op(&b, TMC_TFL_OP_LSTM, 2, &t1, 1, &t2, 1, NULL);                       /* op 1 */
  tmc_mb_op(&b, 255, 1, &t2, 1, &t3, 1, NULL); /* op 2: code unknown to the schema */
  tmc_mb_op(&b, TMC_TFL_OP_HARD_SWISH, 3, &t3, 1, &t4, 1, NULL); /* op 3: int16 */
  tmc_mb_op(&b, TMC_TFL_OP_RELU, 1, &t1, 1, &t5, 1, NULL); /* op 4: fine */
  tmc_mb_io(&b, &x, 1, (const int32_t[]){t4, t5}, 2);
  tmc_tfl_model *m;
  tmc_diag d;
  tmc_diag_init(&d, "fixture");
  assert_int_equal(tmc_mb_finish(&b, &m, &d), TMC_OK);

  tmc_status st = load_and_check(m, &d);
  static const char *const want[] = {
      "4 unsupported operators:",
      "op 0 TmcTestOp (version 1): custom operator",
      "op 1 LSTM (version 2): operator not implemented by tmc",
      "op 2 BUILTIN_255 (version 1): operator not implemented by tmc",
      "op 3 HARD_SWISH (version 3): int16 activations (tmc has no int16 kernel for this "
      "operator)",
      NULL};
  bool ok = st == TMC_ERR_UNSUPPORTED && d.status == TMC_ERR_UNSUPPORTED &&
            strstr(d.msg, "op 4") == NULL;
  for (const char *const *p = want; *p; p++) ok = ok && strstr(d.msg, *p) != NULL;
  /* In op order, one per line. */
  const char *p0 = strstr(d.msg, "op 0 "), *p3 = strstr(d.msg, "op 3 ");
  ok = ok && p0 && p3 && p0 < p3;
  if (!ok) print_error("got %s: '%s'\n", tmc_status_str(st), d.msg);
  assert_true(ok);
  tmc_arena_free(&a);
}

static void test_unsupported_fixtures(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m;
  tmc_diag d;
  tmc_diag_init(&d, "fixture");
  assert_int_equal(tmc_fx_lstm(&a, 1, 4, 3, &m, &d), TMC_OK);
  tmc_status s = load_and_check(m, &d);
  if (s != TMC_ERR_UNSUPPORTED || !strstr(d.msg, "1 unsupported operator:") ||
      !strstr(d.msg, "op 0 LSTM (version 1)"))
    print_error("LSTM: %s '%s'\n", tmc_status_str(s), d.msg);
  assert_int_equal(s, TMC_ERR_UNSUPPORTED);
  assert_non_null(strstr(d.msg, "op 0 LSTM (version 1): operator not implemented by tmc"));
  tmc_arena_free(&a);

  tmc_arena_init(&a);
  tmc_diag_init(&d, "fixture");
  assert_int_equal(tmc_fx_custom(&a, "MyCustom", 8, (const uint8_t *)"ab", 2, &m, &d), TMC_OK);
  s = load_and_check(m, &d);
  if (s != TMC_ERR_UNSUPPORTED || !strstr(d.msg, "op 0 MyCustom (version 1): custom operator"))
    print_error("custom: %s '%s'\n", tmc_status_str(s), d.msg);
  assert_int_equal(s, TMC_ERR_UNSUPPORTED);
  tmc_arena_free(&a);

  /* The supported fixtures pass the check. */
  tmc_arena_init(&a);
  m = conv_model(&a);
  assert_int_equal(load_and_check(m, &d), TMC_OK);
  assert_int_equal(d.status, TMC_OK);
  m = fc_model(&a);
  assert_int_equal(load_and_check(m, &d), TMC_OK);
  tmc_arena_free(&a);
}

/* A model with 60 custom ops: the listing must name every one (a message
 * cut at the diagnostic's fixed size would drop the tail silently). */
static void test_unsupported_many(void **state) {
  (void)state;
  enum { N = 60 };
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_mb b;
  tmc_mb_init(&b, &a, "many custom ops");
  const int32_t s[2] = {1, 8};
  int32_t t[N + 1];
  for (int i = 0; i <= N; i++) {
    char name[16];
    snprintf(name, sizeof name, "t%d", i);
    t[i] = tmc_mb_act_s8(&b, name, s, 2, 0.1f, 0);
  }
  for (int i = 0; i < N; i++)
    tmc_mb_custom_op(&b, "MyCustomOperatorWithALongName", &t[i], 1, &t[i + 1], 1, NULL, 0);
  tmc_mb_io(&b, &t[0], 1, &t[N], 1);
  tmc_tfl_model *m;
  tmc_diag d;
  tmc_diag_init(&d, "fixture");
  assert_int_equal(tmc_mb_finish(&b, &m, &d), TMC_OK);
  tmc_status st = load_and_check(m, &d);
  tmc_arena_free(&a); /* before any assertion: a failure is not also a leak */
  assert_int_equal(st, TMC_ERR_UNSUPPORTED);
  assert_non_null(strstr(d.msg, "60 unsupported operators:"));
  int listed = 0;
  for (int i = 0; i < N; i++) {
    char line[96];
    snprintf(line, sizeof line, "op %d MyCustomOperatorWithALongName (version 1): custom "
             "operator", i);
    listed += strstr(d.msg, line) != NULL;
  }
  if (listed != N)
    print_error("%d of %d unsupported ops listed (message of %zu bytes): ...%s\n", listed, N,
                strlen(d.msg), d.msg + (strlen(d.msg) > 120 ? strlen(d.msg) - 120 : 0));
  assert_int_equal(listed, N);
}

int main(int argc, char **argv) {
  if (argc > 1) cmocka_set_test_filter(argv[1]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixtures_build),
      cmocka_unit_test(test_op_tensor_index),
      cmocka_unit_test(test_graph_io_index),
      cmocka_unit_test(test_opcode_index),
      cmocka_unit_test(test_negative_dim),
      cmocka_unit_test(test_too_many_elements),
      cmocka_unit_test(test_rank_too_high),
      cmocka_unit_test(test_bad_type),
      cmocka_unit_test(test_buffer_index),
      cmocka_unit_test(test_buffer_size),
      cmocka_unit_test(test_external_buffer),
      cmocka_unit_test(test_quant_counts),
      cmocka_unit_test(test_per_channel_count),
      cmocka_unit_test(test_quantized_dimension_range),
      cmocka_unit_test(test_bias_quantized_dimension),
      cmocka_unit_test(test_bad_scale),
      cmocka_unit_test(test_zero_point_range),
      cmocka_unit_test(test_wrong_options),
      cmocka_unit_test(test_operand_counts),
      cmocka_unit_test(test_absent_required_input),
      cmocka_unit_test(test_output_written_twice),
      cmocka_unit_test(test_output_is_constant),
      cmocka_unit_test(test_graph_input_written),
      cmocka_unit_test(test_no_subgraph),
      cmocka_unit_test(test_conv_weights_rank),
      cmocka_unit_test(test_conv_channels),
      cmocka_unit_test(test_conv_output_shape),
      cmocka_unit_test(test_conv_params),
      cmocka_unit_test(test_conv_bias_length),
      cmocka_unit_test(test_depthwise_errors),
      cmocka_unit_test(test_fc_errors),
      cmocka_unit_test(test_pool_errors),
      cmocka_unit_test(test_space_depth_errors),
      cmocka_unit_test(test_execution_order),
      cmocka_unit_test(test_graph_unsupported),
      cmocka_unit_test(test_option_values),
      cmocka_unit_test(test_unsupported_listed_at_once),
      cmocka_unit_test(test_unsupported_fixtures),
      cmocka_unit_test(test_unsupported_many),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
