/* Negative tests of the lowering (src/plan/lower.c, lower_conv.c,
 * lower_elementwise.c, lower_layout.c; label unit): one small model per
 * failure site, built with tmc_mb (tests/fixtures), run through the IR and
 * tmc_plan_build, asserting the status and a message naming the op and the
 * problem ("lw.tflite: op 0 CONV_2D: weights (tensor 1 ...) have 3 scales,
 * expected 1 or 4"). Each model is checked twice: built from the model
 * struct, and from its bytes (tmc_tfl_write, then tmc_graph_load).
 *
 * Status: TMC_ERR_MODEL for what TFLite itself refuses; TMC_ERR_UNSUPPORTED
 * for a valid model tmc cannot compile: a fused activation other than
 * NONE/RELU/RELU_N1_TO_1/RELU6, a fused activation on CONCATENATION, a
 * parameter input not constant at lowering, an op that needs constant inputs
 * to be evaluated at compile time.
 *
 * Sites tmc_plan_build cannot reach:
 *   - tmc_lower_act_range's "fused activation X is not supported": the IR
 *     marks a TANH or SIGN_BIT activation unsupported (check_act in
 *     src/ir/attrs.c) and tmc_graph_check_supported refuses the model before
 *     lowering (values above 5 the IR refuses as malformed). The site is
 *     tested by calling tmc_plan_lower on the unchecked graph, next to what
 *     tmc_plan_build reports;
 *   - tmc_lower_unary's "no kernel" default: every kind whose LOWER token
 *     is unary (src/ir/ops.def) has a case of its own;
 *   - tmc_lower_table's "a step needs more than 4 tables": no lowering
 *     records more than three;
 *   - the out-of-memory returns of the arena allocations: see the planning
 *     sweeps of tests/ir/alloc_sweep_test.c.
 * int16 (16x8): the combinations tmc refuses (test_int16_refusals). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testlib.h"

#include "ir/build.h"
#include "plan_test_util.h"
#include "reader/tflite_write.h"

#define SUBJECT "lw.tflite"

/* ---- building ------------------------------------------------------------------ */

typedef struct lw {
  tmc_arena a;
  tmc_mb b;
} lw;

static void lw_init(lw *w) {
  tmc_arena_init(&w->a);
  tmc_mb_init(&w->b, &w->a, "lowering errors");
}

/* Options of union type `type`, zeroed (fields to be set by the caller). */
static tmc_tfl_options opts(uint8_t type) {
  tmc_tfl_options o;
  memset(&o, 0, sizeof o);
  o.type = type;
  o.decoded = type != 0;
  return o;
}

static int32_t act(lw *w, const char *name, const int32_t *shape, int32_t rank, float scale,
                   int32_t zp) {
  return tmc_mb_act_s8(&w->b, name, shape, rank, scale, zp);
}

/* An int8 tensor without quantization. */
static int32_t raw_s8(lw *w, const char *name, const int32_t *shape, int32_t rank) {
  return tmc_mb_tensor(&w->b, name, TMC_TFL_INT8, shape, rank, 0);
}

static int32_t f32(lw *w, const char *name, const int32_t *shape, int32_t rank) {
  return tmc_mb_tensor(&w->b, name, TMC_TFL_FLOAT32, shape, rank, 0);
}

static int32_t ci32(lw *w, const char *name, const int32_t *shape, int32_t rank,
                    const int32_t *v) {
  return tmc_mb_const_i32(&w->b, name, shape, rank, v);
}

static void op(lw *w, int32_t code, const int32_t *in, int32_t n_in, const int32_t *out,
               int32_t n_out, const tmc_tfl_options *o) {
  tmc_mb_op(&w->b, code, 1, in, n_in, out, n_out, o);
}

#define IN(...) (const int32_t[]){__VA_ARGS__}, (int32_t)(sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t))
#define SHAPE(...) IN(__VA_ARGS__)
#define V(...) (const int32_t[]){__VA_ARGS__}

/* Constant int8 weights of shape `shape`, symmetric, per channel along qdim
 * (or per tensor), values from a fixed generator. */
static int32_t weights(lw *w, const char *name, const int32_t *shape, int32_t rank,
                       int32_t qdim, bool per_channel, float *scales) {
  int64_t n = 1;
  for (int32_t i = 0; i < rank; i++) n *= shape[i];
  float *v = tmc_arena_array(&w->a, (size_t)n, sizeof *v);
  assert_non_null(v);
  tmc_mb_rng r = {5};
  tmc_mb_rng_fill(&r, v, (size_t)n, 0.5f);
  return tmc_mb_const_s8(&w->b, name, shape, rank, qdim, per_channel, v, scales);
}

/* x [1,8,8,3] -> CONV_2D 3x3 SAME, 4 filters (weights [4,3,3,3] per channel
 * along 0 unless qdim says otherwise), bias, activation act. Tensors: x 0,
 * weights 1, bias 2, y 3. */
static void conv(lw *w, bool quant_x, int32_t qdim, int32_t act_fn) {
  int32_t x = quant_x ? act(w, "x", SHAPE(1, 8, 8, 3), 0.05f, 0) : raw_s8(w, "x", SHAPE(1, 8, 8, 3));
  float sc[4];
  int32_t wt = weights(w, "conv/weights", SHAPE(4, 3, 3, 3), qdim, true, sc);
  static const float bias[4] = {0.1f, -0.2f, 0.3f, 0.0f};
  int32_t bt = tmc_mb_const_bias_s32(&w->b, "conv/bias", 4, bias, 0.05f, sc,
                                     qdim == 0 ? 4 : 1);
  int32_t y = act(w, "y", SHAPE(1, 8, 8, 4), 0.1f, -5);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_conv2d);
  o.u.conv2d.padding = TMC_TFL_PAD_SAME;
  o.u.conv2d.stride_h = o.u.conv2d.stride_w = 1;
  o.u.conv2d.dilation_h_factor = o.u.conv2d.dilation_w_factor = 1;
  o.u.conv2d.fused_activation_function = act_fn;
  op(w, TMC_TFL_OP_CONV_2D, IN(x, wt, bt), &y, 1, &o);
  tmc_mb_io(&w->b, &x, 1, &y, 1);
}

/* x [1,16] -> FULLY_CONNECTED 8 units, weights [8,16] quantized as given. */
static void fc(lw *w, int32_t qdim, bool per_channel, int32_t act_fn) {
  int32_t x = act(w, "x", SHAPE(1, 16), 0.05f, 0);
  float sc[16];
  int32_t wt = weights(w, "fc/weights", SHAPE(8, 16), qdim, per_channel, sc);
  int32_t y = act(w, "y", SHAPE(1, 8), 0.1f, 0);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_fully_connected);
  o.u.fully_connected.fused_activation_function = act_fn;
  op(w, TMC_TFL_OP_FULLY_CONNECTED, IN(x, wt, -1), &y, 1, &o);
  tmc_mb_io(&w->b, &x, 1, &y, 1);
}

/* A binary op of two activations into y. */
static void binary(lw *w, int32_t code, int32_t x1, int32_t x2, int32_t y, int32_t act_fn) {
  tmc_tfl_options o;
  switch (code) {
    case TMC_TFL_OP_ADD:
      o = opts(TMC_TFL_OPTIONS_add);
      o.u.add.fused_activation_function = act_fn;
      o.u.add.pot_scale_int16 = true;
      break;
    case TMC_TFL_OP_SUB:
      o = opts(TMC_TFL_OPTIONS_sub);
      o.u.sub.fused_activation_function = act_fn;
      o.u.sub.pot_scale_int16 = true;
      break;
    case TMC_TFL_OP_MUL:
      o = opts(TMC_TFL_OPTIONS_mul);
      o.u.mul.fused_activation_function = act_fn;
      break;
    default:
      o = opts(TMC_TFL_OPTIONS_maximum_minimum);
      break;
  }
  op(w, code, IN(x1, x2), &y, 1, &o);
  tmc_mb_io(&w->b, IN(x1, x2), &y, 1);
}

/* x -> one op with no parameter input -> y (both graph I/O). */
static void unary(lw *w, int32_t code, int32_t x, int32_t y, const tmc_tfl_options *o) {
  op(w, code, &x, 1, &y, 1, o);
  tmc_mb_io(&w->b, &x, 1, &y, 1);
}

/* x -> code(x, params...) -> y; params are constants. */
static void with_params(lw *w, int32_t code, int32_t x, const int32_t *params, int32_t n,
                        int32_t y, const tmc_tfl_options *o) {
  int32_t in[8] = {x};
  for (int32_t i = 0; i < n; i++) in[1 + i] = params[i];
  op(w, code, in, n + 1, &y, 1, o);
  tmc_mb_io(&w->b, &x, 1, &y, 1);
}

static tmc_tfl_options pool_opts(int32_t act_fn) {
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_pool2d);
  o.u.pool2d.padding = TMC_TFL_PAD_VALID;
  o.u.pool2d.stride_h = o.u.pool2d.stride_w = 2;
  o.u.pool2d.filter_height = o.u.pool2d.filter_width = 2;
  o.u.pool2d.fused_activation_function = act_fn;
  return o;
}

static tmc_tfl_options concat_opts(int32_t axis, int32_t act_fn) {
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_concatenation);
  o.u.concatenation.axis = axis;
  o.u.concatenation.fused_activation_function = act_fn;
  return o;
}

/* ---- expectations ------------------------------------------------------------ */

static const char *fmt(const char *f, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static const char *fmt(const char *f, ...) {
  static char ring[8][400];
  static int next;
  char *s = ring[next++ % 8];
  va_list ap;
  va_start(ap, f);
  vsnprintf(s, sizeof ring[0], f, ap);
  va_end(ap);
  return s;
}

/* Where a failure is expected: building the graph (the IR's shape
 * inference refuses the model before lowering sees it), tmc_plan_build, or
 * tmc_plan_lower alone on the unchecked graph. */
enum { AT_BUILD, AT_PLAN, AT_LOWER };

/* Runs the graph of m (from the struct, then from its bytes) up to stage;
 * each must fail there with want and every substring (before AT_BUILD's
 * stage, the graph itself must build). */
static void run_(const tmc_tfl_model *m, int stage, tmc_status want, const char *const *subs) {
  bool lower_only = stage == AT_LOWER;
  uint8_t *bytes = NULL;
  size_t len = 0;
  tmc_diag d;
  tmc_diag_init(&d, SUBJECT);
  tmc_status s = tmc_tfl_write(m, &bytes, &len, &d);
  if (s != TMC_OK) print_error("writer: %s\n", d.msg);
  assert_int_equal(s, TMC_OK);
  bool ok = true;
  for (int from_bytes = 0; from_bytes < 2; from_bytes++) {
    tmc_arena a;
    tmc_arena_init(&a);
    tmc_graph g;
    tmc_plan plan;
    tmc_diag_init(&d, SUBJECT);
    s = from_bytes ? tmc_graph_load(bytes, len, SUBJECT, &a, &g, &d)
                   : tmc_graph_from_tflite(m, SUBJECT, &a, &g, &d);
    if (stage == AT_BUILD) {
      if (!tt_diag_has(&d, s, want, SUBJECT, subs)) {
        tt_diag_report(from_bytes ? "from bytes, graph build" : "in memory, graph build", s,
                       &d, want, subs);
        ok = false;
      }
    } else if (s != TMC_OK) {
      print_error("%s: the graph does not build: %s\n", from_bytes ? "from bytes" : "in memory",
                  d.msg);
      ok = false;
    } else {
      s = lower_only ? tmc_plan_lower(&g, TMC_TARGET_GENERIC, &a, &plan, &d) : tmc_plan_build(&g, NULL, &a, &plan, &d);
      if (!tt_diag_has(&d, s, want, SUBJECT, subs)) {
        tt_diag_report(fmt("%s, %s", from_bytes ? "from bytes" : "in memory",
                   lower_only ? "tmc_plan_lower" : "tmc_plan_build"), s, &d, want, subs);
        ok = false;
      }
    }
    tmc_arena_free(&a);
  }
  free(bytes);
  assert_true(ok);
}

/* Finishes w's model, expects the failure, frees w. */
static void expect_(lw *w, int stage, tmc_status want, const char *const *subs) {
  tmc_tfl_model *m = pt_finish(&w->b);
  assert_non_null(m);
  run_(m, stage, want, subs);
  tmc_arena_free(&w->a);
}

/* EXPECT_PLAN(&w, status, substrings...): tmc_plan_build fails so. */
#define EXPECT_PLAN(w, want, ...) \
  expect_(w, AT_PLAN, want, (const char *const[]){__VA_ARGS__, NULL})
/* EXPECT_IR: the graph build refuses the model (a lowering check the IR's
 * shape inference now answers first; the lowering keeps its own as a second
 * line). */
#define EXPECT_IR(w, want, ...) \
  expect_(w, AT_BUILD, want, (const char *const[]){__VA_ARGS__, NULL})
/* EXPECT_LOWER: tmc_plan_lower on the unchecked graph fails so. */
#define EXPECT_LOWER(w, want, ...) \
  expect_(w, AT_LOWER, want, (const char *const[]){__VA_ARGS__, NULL})

/* The same model twice: plan_build fails with (ws, wm), lowering alone with
 * (ls, lm). */
typedef void (*model_fn)(lw *w, int32_t arg);

static void expect_both(model_fn build, int32_t arg, tmc_status ws, const char *wm,
                        tmc_status ls, const char *lm) {
  lw w;
  lw_init(&w);
  build(&w, arg);
  EXPECT_PLAN(&w, ws, wm);
  lw_init(&w);
  build(&w, arg);
  EXPECT_LOWER(&w, ls, lm);
}

/* ---- need_quant ------------------------------------------------------------------- */

static void test_int8_without_quantization(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  conv(&w, false, 0, TMC_TFL_ACT_NONE);
  EXPECT_PLAN(&w, TMC_ERR_MODEL,
              "op 0 CONV_2D: input 0 (tensor 0 'x') is int8 without quantization");

  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 8), 0.05f, 0);
  int32_t y = raw_s8(&w, "y", SHAPE(1, 8));
  unary(&w, TMC_TFL_OP_RELU, x, y, NULL);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 RELU: output 0 (tensor 1 'y') is int8 without quantization");

  lw_init(&w);
  x = raw_s8(&w, "x", SHAPE(1, 8));
  y = f32(&w, "y", SHAPE(1, 8));
  unary(&w, TMC_TFL_OP_DEQUANTIZE, x, y, NULL);
  EXPECT_PLAN(&w, TMC_ERR_MODEL,
              "op 0 DEQUANTIZE: input 0 (tensor 0 'x') is int8 without quantization");

  lw_init(&w);
  x = f32(&w, "x", SHAPE(1, 8));
  y = raw_s8(&w, "y", SHAPE(1, 8));
  unary(&w, TMC_TFL_OP_QUANTIZE, x, y, NULL);
  EXPECT_PLAN(&w, TMC_ERR_MODEL,
              "op 0 QUANTIZE: output 0 (tensor 1 'y') is int8 without quantization");
}

static void test_zero_point_outside_int8(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  int32_t x1 = act(&w, "a", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t x2 = act(&w, "b", SHAPE(1, 4, 4, 8), 0.05f, 200);
  int32_t y = act(&w, "y", SHAPE(1, 4, 4, 8), 0.1f, 0);
  binary(&w, TMC_TFL_OP_ADD, x1, x2, y, TMC_TFL_ACT_NONE);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 ADD: input 1 (tensor 1 'b'): zero point 200 outside int8");

  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 8, 8, 4), 0.05f, 0);
  y = act(&w, "y", SHAPE(1, 4, 4, 4), 0.05f, -129);
  tmc_tfl_options o = pool_opts(TMC_TFL_ACT_NONE);
  unary(&w, TMC_TFL_OP_MAX_POOL_2D, x, y, &o);
  EXPECT_PLAN(&w, TMC_ERR_MODEL,
              "op 0 MAX_POOL_2D: output 0 (tensor 1 'y'): zero point -129 outside int8");
}

/* ---- act_range: unsupported fused activations ------------------------------------- */

static void conv_act(lw *w, int32_t a) { conv(w, true, 0, a); }
static void fc_act(lw *w, int32_t a) { fc(w, 0, false, a); }

static void pool_act(lw *w, int32_t a) {
  int32_t x = act(w, "x", SHAPE(1, 8, 8, 4), 0.05f, 0);
  int32_t y = act(w, "y", SHAPE(1, 4, 4, 4), 0.05f, 0);
  tmc_tfl_options o = pool_opts(a);
  unary(w, TMC_TFL_OP_AVERAGE_POOL_2D, x, y, &o);
}

static void mul_act(lw *w, int32_t a) {
  int32_t x1 = act(w, "a", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t x2 = act(w, "b", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t y = act(w, "y", SHAPE(1, 4, 4, 8), 0.1f, 0);
  binary(w, TMC_TFL_OP_MUL, x1, x2, y, a);
}

static void add_act(lw *w, int32_t a) {
  int32_t x1 = act(w, "a", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t x2 = act(w, "b", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t y = act(w, "y", SHAPE(1, 4, 4, 8), 0.1f, 0);
  binary(w, TMC_TFL_OP_ADD, x1, x2, y, a);
}

/* TRANSPOSE_CONV: output_shape, weights [4,3,3,2], x [1,4,4,2] -> [1,8,8,4]. */
static void tconv_model(lw *w, int32_t x_rank, int32_t a) {
  int32_t shp = ci32(w, "tconv/shape", SHAPE(4), V(1, 8, 8, 4));
  float sc[4];
  int32_t wt = weights(w, "tconv/weights", SHAPE(4, 3, 3, 2), 0, true, sc);
  int32_t x = x_rank == 4 ? act(w, "x", SHAPE(1, 4, 4, 2), 0.05f, 0)
                          : act(w, "x", SHAPE(4, 4, 2), 0.05f, 0);
  int32_t y = act(w, "y", SHAPE(1, 8, 8, 4), 0.1f, 0);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_transpose_conv);
  o.u.transpose_conv.padding = TMC_TFL_PAD_SAME;
  o.u.transpose_conv.stride_h = o.u.transpose_conv.stride_w = 2;
  o.u.transpose_conv.fused_activation_function = a;
  op(w, TMC_TFL_OP_TRANSPOSE_CONV, IN(shp, wt, x), &y, 1, &o);
  tmc_mb_io(&w->b, &x, 1, &y, 1);
}

static void tconv_act(lw *w, int32_t a) { tconv_model(w, 4, a); }

static void test_unsupported_fused_activation(void **state) {
  (void)state;
  /* tmc_plan_build: the IR's supported-op check answers (UNSUPPORTED);
   * lowering alone: act_range's own message, also UNSUPPORTED. */
  const char *ir = "fused TANH or SIGN_BIT activation";
  expect_both(conv_act, TMC_TFL_ACT_TANH, TMC_ERR_UNSUPPORTED,
              fmt("op 0 CONV_2D (version 1): %s", ir), TMC_ERR_UNSUPPORTED,
              "op 0 CONV_2D: fused activation TANH is not supported");
  expect_both(conv_act, TMC_TFL_ACT_SIGN_BIT, TMC_ERR_UNSUPPORTED,
              fmt("op 0 CONV_2D (version 1): %s", ir), TMC_ERR_UNSUPPORTED,
              "op 0 CONV_2D: fused activation SIGN_BIT is not supported");
  expect_both(fc_act, TMC_TFL_ACT_TANH, TMC_ERR_UNSUPPORTED,
              fmt("op 0 FULLY_CONNECTED (version 1): %s", ir), TMC_ERR_UNSUPPORTED,
              "op 0 FULLY_CONNECTED: fused activation TANH is not supported");
  expect_both(pool_act, TMC_TFL_ACT_TANH, TMC_ERR_UNSUPPORTED,
              fmt("op 0 AVERAGE_POOL_2D (version 1): %s", ir), TMC_ERR_UNSUPPORTED,
              "op 0 AVERAGE_POOL_2D: fused activation TANH is not supported");
  expect_both(mul_act, TMC_TFL_ACT_SIGN_BIT, TMC_ERR_UNSUPPORTED,
              fmt("op 0 MUL (version 1): %s", ir), TMC_ERR_UNSUPPORTED,
              "op 0 MUL: fused activation SIGN_BIT is not supported");
  expect_both(tconv_act, TMC_TFL_ACT_TANH, TMC_ERR_UNSUPPORTED,
              fmt("op 0 TRANSPOSE_CONV (version 1): %s", ir), TMC_ERR_UNSUPPORTED,
              "op 0 TRANSPOSE_CONV: fused activation TANH is not supported");
  expect_both(add_act, TMC_TFL_ACT_TANH, TMC_ERR_UNSUPPORTED,
              fmt("op 0 ADD (version 1): %s", ir), TMC_ERR_UNSUPPORTED,
              "op 0 ADD: fused activation TANH is not supported");
  lw w;
  /* The four activations TFLite's int8 kernels take lower fine. */
  for (int32_t a = TMC_TFL_ACT_NONE; a <= TMC_TFL_ACT_RELU6; a++) {
    lw_init(&w);
    conv(&w, true, 0, a);
    tmc_tfl_model *m = pt_finish(&w.b);
    assert_non_null(m);
    pt_built built;
    tmc_status s = pt_plan(m, SUBJECT, NULL, &w.a, &built);
    if (s != TMC_OK) print_error("activation %d: %s\n", a, built.diag.msg);
    assert_int_equal(s, TMC_OK);
    tmc_arena_free(&w.a);
  }
}

/* ---- conv_quant ---------------------------------------------------------------------- */

static void test_weight_scales(void **state) {
  (void)state;
  /* 3 scales along the input channels (dimension 3) of 4 filters: valid
   * for the IR (3 = dims[3]), but a convolution needs 1 or one per filter. */
  lw w;
  lw_init(&w);
  conv(&w, true, 3, TMC_TFL_ACT_NONE);
  EXPECT_PLAN(&w, TMC_ERR_MODEL,
              "op 0 CONV_2D: weights (tensor 1 'conv/weights') have 3 scales, expected 1 or 4");
  lw_init(&w);
  fc(&w, 1, true, TMC_TFL_ACT_NONE);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 FULLY_CONNECTED: weights (tensor 1 'fc/weights') have 16 "
              "scales, expected 1 or 8");
}

static void test_weight_zero_point(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  conv(&w, true, 0, TMC_TFL_ACT_NONE);
  /* Filter 2's zero point 3: weights must be symmetric. */
  float sc[4] = {0.01f, 0.01f, 0.01f, 0.01f};
  int64_t zp[4] = {0, 0, 3, 0};
  tmc_mb_quant(&w.b, 1, 4, sc, zp, 0);
  EXPECT_PLAN(&w, TMC_ERR_MODEL,
              "op 0 CONV_2D: weights (tensor 1 'conv/weights') zero point 3, expected 0 "
              "(symmetric)");
  lw_init(&w);
  fc(&w, 0, false, TMC_TFL_ACT_NONE);
  float s1 = 0.01f;
  int64_t z1 = -1;
  tmc_mb_quant(&w.b, 1, 1, &s1, &z1, 0);
  EXPECT_PLAN(&w, TMC_ERR_MODEL,
              "op 0 FULLY_CONNECTED: weights (tensor 1 'fc/weights') zero point -1, expected 0");
}

/* ---- transpose convolution -------------------------------------------------------- */

static void test_transpose_conv_rank(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  tconv_model(&w, 3, TMC_TFL_ACT_NONE);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 TRANSPOSE_CONV: input 2 (tensor 2 'x'): 3 dims, expected 4");
}

/* ---- binary ops ------------------------------------------------------------------------ */

static void test_binary_shapes(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  int32_t x1 = act(&w, "a", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t x2 = act(&w, "b", SHAPE(1, 4, 4, 3), 0.05f, 0);
  int32_t y = act(&w, "y", SHAPE(1, 4, 4, 8), 0.1f, 0);
  binary(&w, TMC_TFL_OP_SUB, x1, x2, y, TMC_TFL_ACT_NONE);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 SUB: input 1 (tensor 1 'b'): shape [1,4,4,3] does not "
            "broadcast with input 0's [1,4,4,8]");

  lw_init(&w);
  x1 = act(&w, "a", SHAPE(1, 4, 4, 8), 0.05f, 0);
  x2 = act(&w, "b", SHAPE(1, 1, 1, 8), 0.05f, 0);
  y = act(&w, "y", SHAPE(1, 4, 4, 4), 0.1f, 0);
  binary(&w, TMC_TFL_OP_MAXIMUM, x1, x2, y, TMC_TFL_ACT_NONE);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 MAXIMUM: output 0 (tensor 2 'y'): shape [1,4,4,4], "
            "expected [1,4,4,8]");

  /* Broadcasting to a higher rank (TFLite's rule: right-aligned). */
  lw_init(&w);
  x1 = act(&w, "a", SHAPE(4, 1), 0.05f, 0);
  x2 = act(&w, "b", SHAPE(2, 1, 3), 0.05f, 0);
  y = act(&w, "y", SHAPE(2, 4, 4), 0.1f, 0);
  binary(&w, TMC_TFL_OP_ADD, x1, x2, y, TMC_TFL_ACT_NONE);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 ADD: output 0 (tensor 2 'y'): shape [2,4,4], expected "
            "[2,4,3]");
}

static void test_add_quantization(void **state) {
  (void)state;
  /* An output scale so small that the output multiplier is >= 1. */
  for (int sub = 0; sub < 2; sub++) {
    lw w;
    lw_init(&w);
    int32_t x1 = act(&w, "a", SHAPE(1, 8), 1.0f, 0);
    int32_t x2 = act(&w, "b", SHAPE(1, 8), 1.0f, 0);
    int32_t y = act(&w, "y", SHAPE(1, 8), 1e-9f, 0);
    binary(&w, sub ? TMC_TFL_OP_SUB : TMC_TFL_OP_ADD, x1, x2, y, TMC_TFL_ACT_NONE);
    EXPECT_PLAN(&w, TMC_ERR_MODEL, fmt("op 0 %s: quantization TFLite refuses",
                                       sub ? "SUB" : "ADD"));
  }
}

/* ---- pooling ----------------------------------------------------------------------------- */

static void test_pool_quantization(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 8, 8, 4), 0.05f, 0);
  int32_t y = act(&w, "y", SHAPE(1, 4, 4, 4), 0.06f, 0);
  tmc_tfl_options o = pool_opts(TMC_TFL_ACT_NONE);
  unary(&w, TMC_TFL_OP_MAX_POOL_2D, x, y, &o);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 MAX_POOL_2D: input and output quantization differ "
              "(TFLite requires them equal)");
}

/* ---- element-wise unary ops ------------------------------------------------------------ */

static void test_fixed_output_quantization(void **state) {
  (void)state;
  static const struct {
    int32_t code;
    const char *name;
    const char *want;
  } cases[] = {
      {TMC_TFL_OP_SOFTMAX, "SOFTMAX", "scale 0.00390625, zero point -128"},
      {TMC_TFL_OP_LOG_SOFTMAX, "LOG_SOFTMAX", "scale 0.0625, zero point 127"},
      {TMC_TFL_OP_LOGISTIC, "LOGISTIC", "scale 0.00390625, zero point -128"},
      {TMC_TFL_OP_TANH, "TANH", "scale 0.0078125, zero point 0"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    lw w;
    lw_init(&w);
    int32_t x = act(&w, "x", SHAPE(1, 10), 0.1f, 0);
    int32_t y = act(&w, "y", SHAPE(1, 10), 0.01f, 3);
    tmc_tfl_options o = opts(TMC_TFL_OPTIONS_softmax);
    o.u.softmax.beta = 1.0f;
    unary(&w, cases[i].code, x, y, cases[i].code == TMC_TFL_OP_SOFTMAX ? &o : NULL);
    EXPECT_PLAN(&w, TMC_ERR_MODEL,
                fmt("op 0 %s: output quantization must be %s (TFLite's fixed choice), found "
                    "scale 0.01, zero point 3", cases[i].name, cases[i].want));
  }
}

static void test_unary_sizes(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 8), 0.05f, 0);
  int32_t y = act(&w, "y", SHAPE(1, 4), 0.05f, 0);
  unary(&w, TMC_TFL_OP_RELU, x, y, NULL);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 RELU: output 0 (tensor 1 'y'): shape [1,4], expected [1,8]");

  /* Same elements, another shape: TFLite gives the output the input's. */
  lw_init(&w);
  x = act(&w, "x", SHAPE(2, 4), 0.05f, 0);
  y = act(&w, "y", SHAPE(4, 2), 0.05f, 0);
  unary(&w, TMC_TFL_OP_QUANTIZE, x, y, NULL);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 QUANTIZE: output 0 (tensor 1 'y'): shape [4,2], "
            "expected [2,4]");
}

/* What the whole-pipeline fuzzer (tests/fuzz/fuzz_pipeline.c) found:
 * models that reached a kernel with undefined arithmetic or a buffer of the
 * wrong element size. */
static void test_fuzz_findings(void **state) {
  (void)state;
  lw w;
  /* An output scale of 0: the activation range divides by it. */
  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 8), 0.05f, 0);
  int32_t y = act(&w, "y", SHAPE(1, 8), 0.0f, 0);
  unary(&w, TMC_TFL_OP_RELU, x, y, NULL);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 RELU: output 0 (tensor 1 'y'): scale 0, expected > 0");
  /* Scales 2^40 apart: a rescale TFLite's int32 arithmetic cannot apply. */
  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 8), 1e6f, 0);
  y = act(&w, "y", SHAPE(1, 8), 1e-6f, 0);
  unary(&w, TMC_TFL_OP_RELU, x, y, NULL);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 RELU: the quantization scales give a rescale by 2^40 "
              "(shift)");
  /* DEQUANTIZE into an int8 tensor: the kernel writes float32. */
  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 8), 0.05f, 0);
  y = act(&w, "y", SHAPE(1, 8), 0.05f, 0);
  unary(&w, TMC_TFL_OP_DEQUANTIZE, x, y, NULL);
  EXPECT_PLAN(&w, TMC_ERR_UNSUPPORTED, "op 0 DEQUANTIZE: output (tensor 1 'y') is INT8, tmc "
              "dequantizes to FLOAT32");
  /* SOFTMAX of a scalar. */
  lw_init(&w);
  x = act(&w, "x", V(1), 0, 0.1f, 0);
  y = act(&w, "y", V(1), 0, 1.0f / 256, -128);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_softmax);
  o.u.softmax.beta = 1.0f;
  unary(&w, TMC_TFL_OP_SOFTMAX, x, y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 SOFTMAX: input 0 (tensor 0 'x'): a scalar, expected at "
            "least 1 dim");
}

static void test_float_softmax_output(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  int32_t x = f32(&w, "x", SHAPE(1, 10));
  int32_t y = act(&w, "y", SHAPE(1, 10), 1.0f / 256, -128);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_softmax);
  o.u.softmax.beta = 1.0f;
  unary(&w, TMC_TFL_OP_SOFTMAX, x, y, &o);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 SOFTMAX: float input needs a float output");
}

static void test_prepare_refusals(void **state) {
  (void)state;
  /* SOFTMAX: beta * input scale * 2^26 <= 1 gives no multiplier > 1. */
  lw w;
  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 10), 1e-10f, 0);
  int32_t y = act(&w, "y", SHAPE(1, 10), 1.0f / 256, -128);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_softmax);
  o.u.softmax.beta = 1.0f;
  unary(&w, TMC_TFL_OP_SOFTMAX, x, y, &o);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 SOFTMAX: beta and input scale TFLite refuses");

  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 10), 1e-10f, 0);
  y = act(&w, "y", SHAPE(1, 10), 16.0f / 256, 127);
  unary(&w, TMC_TFL_OP_LOG_SOFTMAX, x, y, NULL);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 LOG_SOFTMAX: input scale TFLite refuses");

  /* HARD_SWISH: input scale / 128 / output scale >= 1. */
  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 10), 1.0f, 0);
  y = act(&w, "y", SHAPE(1, 10), 0.001f, 0);
  unary(&w, TMC_TFL_OP_HARD_SWISH, x, y, NULL);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 HARD_SWISH: quantization TFLite refuses");
}

/* ---- MEAN, PAD, PADV2 -------------------------------------------------------------------- */

static void test_mean_axes(void **state) {
  (void)state;
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_reducer);
  o.u.reducer.keep_dims = true;
  lw w;
  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t ax = ci32(&w, "axes", SHAPE(7), V(1, 2, 1, 2, 1, 2, 1));
  int32_t y = act(&w, "y", SHAPE(1, 1, 1, 8), 0.05f, 0);
  with_params(&w, TMC_TFL_OP_MEAN, x, &ax, 1, y, &o);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 MEAN: more axes than dims");

  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  ax = ci32(&w, "axes", SHAPE(2), V(1, 5));
  y = act(&w, "y", SHAPE(1, 1, 1, 8), 0.05f, 0);
  with_params(&w, TMC_TFL_OP_MEAN, x, &ax, 1, y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 MEAN: axis 5 is out of range for 4 dims");

  /* 4096 x 2057 values into one int32 sum: past INT32_MAX / 255. */
  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 4096, 2057, 2), 0.05f, 0);
  ax = ci32(&w, "axes", SHAPE(2), V(1, 2));
  y = act(&w, "y", SHAPE(1, 1, 1, 2), 0.05f, 0);
  with_params(&w, TMC_TFL_OP_MEAN, x, &ax, 1, y, &o);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 MEAN: averages 8425472 values per output, beyond the "
              "int32 sum of TFLite's int8 kernel (at most 8421504)");
}

static void test_pad_values(void **state) {
  (void)state;
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_pad);
  lw w;
  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t p = ci32(&w, "paddings", SHAPE(3, 2), V(0, 0, 1, 1, 1, 1));
  int32_t y = act(&w, "y", SHAPE(1, 6, 6, 8), 0.05f, 0);
  with_params(&w, TMC_TFL_OP_PAD, x, &p, 1, y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 PAD: input 1 (tensor 1 'paddings'): shape [3,2], expected "
            "[4,2]");

  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  p = ci32(&w, "paddings", SHAPE(4, 2), V(0, 0, 1, 1, 1, 1, 0, 0));
  y = act(&w, "y", SHAPE(1, 6, 7, 8), 0.05f, 0);
  with_params(&w, TMC_TFL_OP_PAD, x, &p, 1, y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 PAD: output 0 (tensor 2 'y'): shape [1,6,7,8], expected "
            "[1,6,6,8]");

  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  p = ci32(&w, "paddings", SHAPE(4, 2), V(0, 0, -1, 3, 1, 1, 0, 0));
  y = act(&w, "y", SHAPE(1, 6, 6, 8), 0.05f, 0);
  with_params(&w, TMC_TFL_OP_PAD, x, &p, 1, y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 PAD: input 1 (tensor 1 'paddings'): paddings of dim 1 "
            "are (-1, 3), expected 0..2147483647 each");

  /* PADV2's constant value as an int32 (TFLite wants the input's type). */
  lw_init(&w);
  tmc_tfl_options o2 = opts(TMC_TFL_OPTIONS_padv2);
  x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  p = ci32(&w, "paddings", SHAPE(4, 2), V(0, 0, 1, 1, 1, 1, 0, 0));
  int32_t cv = ci32(&w, "value", SHAPE(1), V(0));
  y = act(&w, "y", SHAPE(1, 6, 6, 8), 0.05f, 0);
  with_params(&w, TMC_TFL_OP_PADV2, x, IN(p, cv), y, &o2);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 PADV2: input 2 (tensor 2 'value'): 1 INT32 values, "
            "expected one INT8 (the input's type)");
}

/* ---- CONCATENATION, SPLIT ------------------------------------------------------------ */

static void concat2(lw *w, const int32_t *sa, int32_t ra, const int32_t *sb, int32_t rb,
                    float scale_b, const int32_t *sy, int32_t axis, int32_t act_fn) {
  int32_t a = act(w, "a", sa, ra, 0.05f, 0);
  int32_t b = act(w, "b", sb, rb, scale_b, 0);
  int32_t y = act(w, "y", sy, 4, 0.05f, 0);
  tmc_tfl_options o = concat_opts(axis, act_fn);
  op(w, TMC_TFL_OP_CONCATENATION, IN(a, b), &y, 1, &o);
  tmc_mb_io(&w->b, IN(a, b), &y, 1);
}

static void test_concatenation(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  concat2(&w, SHAPE(1, 4, 4, 3), SHAPE(1, 4, 4, 5), 0.05f, (const int32_t[]){1, 4, 4, 8}, 5,
          TMC_TFL_ACT_NONE);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 CONCATENATION: axis 5 is out of range for 4 dims");

  lw_init(&w);
  concat2(&w, SHAPE(1, 4, 4, 3), SHAPE(4, 4, 5), 0.05f, (const int32_t[]){1, 4, 4, 8}, 3,
          TMC_TFL_ACT_NONE);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 CONCATENATION: input 1 (tensor 1 'b'): shape differs "
            "from the output's other than along axis 3");

  lw_init(&w);
  concat2(&w, SHAPE(1, 4, 4, 3), SHAPE(1, 4, 4, 5), 0.07f, (const int32_t[]){1, 4, 4, 8}, -1,
          TMC_TFL_ACT_NONE);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 CONCATENATION: part 1 (tensor 1 'b') has another "
              "quantization than the whole (TFLite requires them equal)");

  lw_init(&w);
  concat2(&w, SHAPE(1, 4, 4, 3), SHAPE(1, 4, 4, 5), 0.05f, (const int32_t[]){1, 4, 4, 9}, 3,
          TMC_TFL_ACT_NONE);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 CONCATENATION: output 0", "shape [1,4,4,9], expected "
            "[1,4,4,8]");

  /* A fused activation on a valid concatenation: TFLite has one, tmc not. */
  lw_init(&w);
  concat2(&w, SHAPE(1, 4, 4, 3), SHAPE(1, 4, 4, 5), 0.05f, (const int32_t[]){1, 4, 4, 8}, 3,
          TMC_TFL_ACT_RELU);
  EXPECT_PLAN(&w, TMC_ERR_UNSUPPORTED,
              "op 0 CONCATENATION: fused activation on CONCATENATION is not supported");
}

static void test_split(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  int32_t ax = ci32(&w, "axis", SHAPE(1), V(9));
  int32_t x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t y0 = act(&w, "y0", SHAPE(1, 4, 4, 4), 0.05f, 0);
  int32_t y1 = act(&w, "y1", SHAPE(1, 4, 4, 4), 0.05f, 0);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_split);
  o.u.split.num_splits = 2;
  op(&w, TMC_TFL_OP_SPLIT, IN(ax, x), IN(y0, y1), &o);
  tmc_mb_io(&w.b, &x, 1, IN(y0, y1));
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 SPLIT: axis 9 is out of range for 4 dims");

  lw_init(&w);
  ax = ci32(&w, "axis", SHAPE(1), V(-1));
  x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  y0 = act(&w, "y0", SHAPE(1, 4, 4, 4), 0.05f, 0);
  y1 = act(&w, "y1", SHAPE(1, 4, 4, 3), 0.05f, 0);
  op(&w, TMC_TFL_OP_SPLIT, IN(ax, x), IN(y0, y1), &o);
  tmc_mb_io(&w.b, &x, 1, IN(y0, y1));
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 SPLIT: output 1", "shape [1,4,4,3], expected [1,4,4,4]");
}

/* ---- RESIZE, TRANSPOSE, STRIDED_SLICE --------------------------------------------------- */

static void test_resize(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(4, 4, 8), 0.05f, 0);
  int32_t sz = ci32(&w, "size", SHAPE(2), V(8, 8));
  int32_t y = act(&w, "y", SHAPE(1, 8, 8, 8), 0.05f, 0);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_resize_bilinear);
  with_params(&w, TMC_TFL_OP_RESIZE_BILINEAR, x, &sz, 1, y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 RESIZE_BILINEAR: input 0 (tensor 0 'x'): 3 dims, "
            "expected 4");

  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  sz = ci32(&w, "size", SHAPE(2), V(8, 8));
  y = act(&w, "y", SHAPE(1, 8, 8, 8), 0.05f, 0);
  o = opts(TMC_TFL_OPTIONS_resize_nearest_neighbor);
  o.u.resize_nearest_neighbor.align_corners = true;
  o.u.resize_nearest_neighbor.half_pixel_centers = true;
  with_params(&w, TMC_TFL_OP_RESIZE_NEAREST_NEIGHBOR, x, &sz, 1, y, &o);
  EXPECT_PLAN(&w, TMC_ERR_MODEL,
              "op 0 RESIZE_NEAREST_NEIGHBOR: align_corners and half_pixel_centers together");
}

static void test_transpose_perm(void **state) {
  (void)state;
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_transpose);
  lw w;
  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t perm = ci32(&w, "perm", SHAPE(3), V(0, 2, 1));
  int32_t y = act(&w, "y", SHAPE(1, 4, 4, 8), 0.05f, 0);
  with_params(&w, TMC_TFL_OP_TRANSPOSE, x, &perm, 1, y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 TRANSPOSE: input 1 (tensor 1 'perm'): 3 values, "
            "expected one per input dim (4)");

  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  perm = ci32(&w, "perm", SHAPE(4), V(0, 2, 1, 7));
  y = act(&w, "y", SHAPE(1, 4, 4, 8), 0.05f, 0);
  with_params(&w, TMC_TFL_OP_TRANSPOSE, x, &perm, 1, y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 TRANSPOSE: input 1 (tensor 1 'perm'): not a permutation "
            "of 0..3 (entry 3 is 7)");
}

static void slice(lw *w, const int32_t *b, const int32_t *e, const int32_t *s, int32_t n,
                  const int32_t *ys, int32_t yr) {
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_strided_slice);
  int32_t x = act(w, "x", SHAPE(1, 4, 4, 2), 0.05f, 0);
  int32_t tb = ci32(w, "begin", &n, 1, b);
  int32_t te = ci32(w, "end", &n, 1, e);
  int32_t ts = ci32(w, "strides", &n, 1, s);
  int32_t y = act(w, "y", ys, yr, 0.05f, 0);
  with_params(w, TMC_TFL_OP_STRIDED_SLICE, x, IN(tb, te, ts), y, &o);
}

static void test_strided_slice(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  slice(&w, V(0, 0, 0), V(1, 2, 2), V(1, 1, 1), 3, SHAPE(1, 2, 2, 2));
  EXPECT_PLAN(&w, TMC_ERR_UNSUPPORTED, "op 0 STRIDED_SLICE (version 1): STRIDED_SLICE with "
              "fewer begin/end/strides values than input dims");

  lw_init(&w);
  slice(&w, V(0, 0, 0, 0), V(1, 2, 2, 2), V(1, 0, 1, 1), 4, SHAPE(1, 2, 2, 2));
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 STRIDED_SLICE: input 3 (tensor 3 'strides'): a stride "
            "is 0");

  lw_init(&w);
  slice(&w, V(0, 0, 0, 0), V(1, 2, 4, 2), V(1, 1, 1, 1), 4, SHAPE(1, 2, 2, 2));
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 STRIDED_SLICE: output 0 (tensor 4 'y'): shape [1,2,2,2], "
            "expected [1,2,4,2]");
}

/* ---- parameters computed at run time, ops left to evaluate -------------------------- */

static void test_parameter_not_constant(void **state) {
  (void)state;
  /* The paddings come from a RESHAPE of a constant, which the IR accepts as
   * computed from constants; but the reshaped tensor is also a graph
   * output, so the folding pass leaves it to run (a copy), and at lowering
   * the PAD's paddings are no constant. */
  lw w;
  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t flat = ci32(&w, "flat", SHAPE(8), V(0, 0, 1, 1, 1, 1, 0, 0));
  int32_t shape = ci32(&w, "shape", SHAPE(2), V(4, 2));
  int32_t pads = tmc_mb_tensor(&w.b, "pads", TMC_TFL_INT32, SHAPE(4, 2), 0);
  op(&w, TMC_TFL_OP_RESHAPE, IN(flat, shape), &pads, 1, NULL);
  int32_t y = act(&w, "y", SHAPE(1, 6, 6, 8), 0.05f, 0);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_pad);
  op(&w, TMC_TFL_OP_PAD, IN(x, pads), &y, 1, &o);
  tmc_mb_io(&w.b, &x, 1, IN(y, pads));
  EXPECT_PLAN(&w, TMC_ERR_UNSUPPORTED,
              "op 1 PAD: input 1 must be a constant (tensor 3 'pads' is computed at run time)");
}

static void test_needs_constant_inputs(void **state) {
  (void)state;
  /* PACK of two activations: tmc evaluates PACK only at compile time. */
  lw w;
  lw_init(&w);
  int32_t a = act(&w, "a", SHAPE(1, 8), 0.05f, 0);
  int32_t b = act(&w, "b", SHAPE(1, 8), 0.05f, 0);
  int32_t y = act(&w, "y", SHAPE(2, 1, 8), 0.05f, 0);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_pack);
  o.u.pack.values_count = 2;
  op(&w, TMC_TFL_OP_PACK, IN(a, b), &y, 1, &o);
  tmc_mb_io(&w.b, IN(a, b), &y, 1);
  EXPECT_PLAN(&w, TMC_ERR_UNSUPPORTED,
              "op 0 PACK: needs constant inputs to be evaluated at compile time");

  /* SHAPE whose result is a graph output: not folded, so left to run. */
  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t s = tmc_mb_tensor(&w.b, "shape", TMC_TFL_INT32, SHAPE(4), 0);
  o = opts(TMC_TFL_OPTIONS_shape);
  o.u.shape.out_type = TMC_TFL_INT32;
  unary(&w, TMC_TFL_OP_SHAPE, x, s, &o);
  EXPECT_PLAN(&w, TMC_ERR_UNSUPPORTED,
              "op 0 SHAPE: needs constant inputs to be evaluated at compile time");
}

/* ---- views -------------------------------------------------------------------------------- */

static void test_view_sizes(void **state) {
  (void)state;
  lw w;
  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 8), 0.05f, 0);
  int32_t shape = ci32(&w, "shape", SHAPE(2), V(1, 4));
  int32_t y = act(&w, "y", SHAPE(1, 4), 0.05f, 0);
  with_params(&w, TMC_TFL_OP_RESHAPE, x, &shape, 1, y, NULL);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 RESHAPE: output 0 (tensor 2 'y'): 4 elements, the input "
            "has 8");

  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 1, 8), 0.05f, 0);
  y = act(&w, "y", SHAPE(1, 4), 0.05f, 0);
  unary(&w, TMC_TFL_OP_SQUEEZE, x, y, NULL);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 SQUEEZE: output 0 (tensor 1 'y'): shape [1,4], expected "
            "[8]");

  /* squeeze_dims naming a dim of size 8. */
  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 1, 8), 0.05f, 0);
  y = act(&w, "y", SHAPE(1, 1), 0.05f, 0);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_squeeze);
  int32_t dims[] = {-1};
  o.u.squeeze.squeeze_dims.n = 1;
  o.u.squeeze.squeeze_dims.v = dims;
  unary(&w, TMC_TFL_OP_SQUEEZE, x, y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 SQUEEZE: input 0 (tensor 0 'x'): dim 2 has size 8; "
            "squeeze_dims can only drop dims of size 1");

  /* Same elements, another type (int32 passes the IR's type rule for
   * SQUEEZE, a kind tmc can fold, but it only moves elements). */
  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 1, 8), 0.05f, 0);
  y = tmc_mb_tensor(&w.b, "y", TMC_TFL_INT32, SHAPE(8), 0);
  unary(&w, TMC_TFL_OP_SQUEEZE, x, y, NULL);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 SQUEEZE: output 0 (tensor 1 'y'): INT32, expected INT8 "
            "like tensor 0 (this op only moves elements)");

  /* A constant reshaped into a graph output (a copy, not a view) whose
   * sizes differ: the copy read past the constant (the pipeline fuzzer). */
  lw_init(&w);
  x = ci32(&w, "c", SHAPE(4), V(1, 2, 3, 4));
  int32_t s2 = ci32(&w, "shape2", SHAPE(1), V(8));
  y = tmc_mb_tensor(&w.b, "y", TMC_TFL_INT32, SHAPE(8), 0);
  op(&w, TMC_TFL_OP_RESHAPE, IN(x, s2), &y, 1, NULL);
  tmc_mb_io(&w.b, NULL, 0, &y, 1);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 RESHAPE: output 0 (tensor 2 'y'): 8 elements, the input "
            "has 4");
}

/* ---- shape inference of the remaining kinds (ir/operands.c) ------------------------- */

static void test_shape_inference(void **state) {
  (void)state;
  lw w;
  /* PACK: inputs of different shapes; then the right inputs, a wrong output. */
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_pack);
  o.u.pack.values_count = 2;
  lw_init(&w);
  int32_t a = act(&w, "a", SHAPE(1, 8), 0.05f, 0);
  int32_t b = act(&w, "b", SHAPE(1, 4), 0.05f, 0);
  int32_t y = act(&w, "y", SHAPE(2, 1, 8), 0.05f, 0);
  op(&w, TMC_TFL_OP_PACK, IN(a, b), &y, 1, &o);
  tmc_mb_io(&w.b, IN(a, b), &y, 1);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 PACK: input 1 (tensor 1 'b'): shape or type differs "
            "from input 0's");
  lw_init(&w);
  o.u.pack.axis = -1;
  a = act(&w, "a", SHAPE(1, 8), 0.05f, 0);
  b = act(&w, "b", SHAPE(1, 8), 0.05f, 0);
  y = act(&w, "y", SHAPE(2, 1, 8), 0.05f, 0);
  op(&w, TMC_TFL_OP_PACK, IN(a, b), &y, 1, &o);
  tmc_mb_io(&w.b, IN(a, b), &y, 1);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 PACK: output 0 (tensor 2 'y'): shape [2,1,8], expected "
            "[1,8,2]");

  /* SHAPE: a float output; a size other than the input's rank. */
  lw_init(&w);
  int32_t x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  y = f32(&w, "shape", SHAPE(4));
  o = opts(TMC_TFL_OPTIONS_shape);
  unary(&w, TMC_TFL_OP_SHAPE, x, y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 SHAPE: output 0 (tensor 1 'shape'): FLOAT32, expected "
            "INT32 or INT64");
  lw_init(&w);
  x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  y = tmc_mb_tensor(&w.b, "shape", TMC_TFL_INT32, SHAPE(3), 0);
  unary(&w, TMC_TFL_OP_SHAPE, x, y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 SHAPE: output 0 (tensor 1 'shape'): shape [3], expected "
            "[4]");

  /* GATHER along axis 1 of [2,5] with indices [3]: output [2,3]. */
  lw_init(&w);
  o = opts(TMC_TFL_OPTIONS_gather);
  o.u.gather.axis = 1;
  x = ci32(&w, "params", SHAPE(2, 5), V(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
  int32_t idx = ci32(&w, "idx", SHAPE(3), V(4, 0, 2));
  y = tmc_mb_tensor(&w.b, "g", TMC_TFL_INT32, SHAPE(3, 2), 0);
  op(&w, TMC_TFL_OP_GATHER, IN(x, idx), &y, 1, &o);
  tmc_mb_io(&w.b, NULL, 0, &y, 1);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 GATHER: output 0 (tensor 2 'g'): shape [3,2], expected "
            "[2,3]");

  /* STRIDED_SLICE shrinking axis 1 away: [1,4,8] -> [1,8]. */
  lw_init(&w);
  o = opts(TMC_TFL_OPTIONS_strided_slice);
  o.u.strided_slice.shrink_axis_mask = 2;
  x = act(&w, "x", SHAPE(1, 4, 8), 0.05f, 0);
  int32_t tb = ci32(&w, "begin", SHAPE(3), V(0, 2, 0));
  int32_t te = ci32(&w, "end", SHAPE(3), V(1, 3, 8));
  int32_t ts = ci32(&w, "strides", SHAPE(3), V(1, 1, 1));
  y = act(&w, "y", SHAPE(1, 1, 8), 0.05f, 0);
  with_params(&w, TMC_TFL_OP_STRIDED_SLICE, x, IN(tb, te, ts), y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 STRIDED_SLICE: output 0 (tensor 4 'y'): shape [1,1,8], "
            "expected [1,8]");

  /* SQUEEZE of a dim that does not exist. */
  lw_init(&w);
  o = opts(TMC_TFL_OPTIONS_squeeze);
  int32_t dims[] = {3};
  o.u.squeeze.squeeze_dims.n = 1;
  o.u.squeeze.squeeze_dims.v = dims;
  x = act(&w, "x", SHAPE(1, 1, 8), 0.05f, 0);
  y = act(&w, "y", SHAPE(1, 8), 0.05f, 0);
  unary(&w, TMC_TFL_OP_SQUEEZE, x, y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 SQUEEZE: squeeze_dims entry 3 is out of range for 3 dims");

  /* PADV2 with two constant values. */
  lw_init(&w);
  o = opts(TMC_TFL_OPTIONS_padv2);
  x = act(&w, "x", SHAPE(1, 4, 4, 8), 0.05f, 0);
  int32_t p = ci32(&w, "paddings", SHAPE(4, 2), V(0, 0, 1, 1, 1, 1, 0, 0));
  int32_t cv = tmc_mb_const_s8(&w.b, "value", SHAPE(2), 0, false, (const float[]){1, 1}, NULL);
  y = act(&w, "y", SHAPE(1, 6, 6, 8), 0.05f, 0);
  with_params(&w, TMC_TFL_OP_PADV2, x, IN(p, cv), y, &o);
  EXPECT_IR(&w, TMC_ERR_MODEL, "op 0 PADV2: input 2 (tensor 2 'value'): 2 INT8 values, "
            "expected one INT8");
}

/* ---- int16 (16x8) combinations tmc refuses ---------------------------------------- */

/* An int16 activation with per-tensor quantization. */
static int32_t act16(lw *w, const char *name, const int32_t *shape, int32_t rank, float scale,
                     int32_t zp) {
  int32_t t = tmc_mb_tensor(&w->b, name, TMC_TFL_INT16, shape, rank, 0);
  const int64_t z = zp;
  tmc_mb_quant(&w->b, t, 1, &scale, &z, 0);
  return t;
}

/* x [1,4,4,2] int16 -> DEPTHWISE_CONV_2D 1x1 or FULLY_CONNECTED ([1,16] ->
 * 2 units) with the given bias (type, one value for every channel). */
static void conv16(lw *w, int32_t code, int32_t bias_type, int64_t bias_value) {
  const bool dw = code == TMC_TFL_OP_DEPTHWISE_CONV_2D;
  int32_t x = dw ? act16(w, "x", SHAPE(1, 4, 4, 2), 1e-3f, 0) : act16(w, "x", SHAPE(1, 16), 1e-3f, 0);
  float sc[2];
  int32_t wt = dw ? weights(w, "w", SHAPE(1, 1, 1, 2), 3, true, sc)
                  : weights(w, "fc/weights", SHAPE(2, 16), 0, true, sc);
  const int64_t v64[2] = {bias_value, bias_value};
  const int32_t v32[2] = {(int32_t)bias_value, (int32_t)bias_value};
  const bool wide = bias_type == TMC_TFL_INT64;
  int32_t bt = tmc_mb_tensor(&w->b, dw ? "b" : "fc/bias", bias_type, SHAPE(2),
                             (uint32_t)tmc_mb_buffer(&w->b, wide ? (const void *)v64
                                                                 : (const void *)v32,
                                                     wide ? sizeof v64 : sizeof v32));
  const float bs[2] = {1e-3f * sc[0], 1e-3f * sc[1]};
  const int64_t bz[2] = {0, 0};
  tmc_mb_quant(&w->b, bt, 2, bs, bz, 0);
  int32_t y = dw ? act16(w, "y", SHAPE(1, 4, 4, 2), 2e-3f, 0) : act16(w, "y", SHAPE(1, 2), 2e-3f, 0);
  tmc_tfl_options o = opts(dw ? TMC_TFL_OPTIONS_depthwise_conv2d
                              : TMC_TFL_OPTIONS_fully_connected);
  if (dw) {
    o.u.depthwise_conv2d.stride_h = o.u.depthwise_conv2d.stride_w = 1;
    o.u.depthwise_conv2d.depth_multiplier = 1;
    o.u.depthwise_conv2d.dilation_h_factor = o.u.depthwise_conv2d.dilation_w_factor = 1;
  }
  op(w, code, IN(x, wt, bt), &y, 1, &o);
  tmc_mb_io(&w->b, &x, 1, &y, 1);
}

static void test_int16_refusals(void **state) {
  (void)state;
  lw w;
  /* ADD with TFLite's power-of-two int16 path (pot_scale_int16 true) */
  lw_init(&w);
  int32_t a = act16(&w, "a", SHAPE(1, 8), 1e-3f, 0), b = act16(&w, "b", SHAPE(1, 8), 1e-3f, 0);
  int32_t y = act16(&w, "y", SHAPE(1, 8), 2e-3f, 0);
  binary(&w, TMC_TFL_OP_ADD, a, b, y, TMC_TFL_ACT_NONE);
  EXPECT_PLAN(&w, TMC_ERR_UNSUPPORTED, "op 0 ADD: int16 ADD with pot_scale_int16 (TFLite's "
              "power-of-two path) is not supported");
  /* int8 and int16 operands of one ADD */
  lw_init(&w);
  a = act(&w, "a", SHAPE(1, 8), 0.05f, 0);
  b = act16(&w, "b", SHAPE(1, 8), 1e-3f, 0);
  y = act16(&w, "y", SHAPE(1, 8), 2e-3f, 0);
  binary(&w, TMC_TFL_OP_ADD, a, b, y, TMC_TFL_ACT_NONE);
  EXPECT_PLAN(&w, TMC_ERR_UNSUPPORTED, "op 0 ADD: input 1 (tensor 1 'b') is INT16, tensor 0 "
              "'a' INT8: tmc's kernels for this operator take one element type");
  /* an int16 zero point other than 0 */
  lw_init(&w);
  a = act16(&w, "a", SHAPE(1, 8), 1e-3f, 0);
  b = act16(&w, "b", SHAPE(1, 8), 1e-3f, 0);
  y = act16(&w, "y", SHAPE(1, 8), 2e-3f, 5);
  binary(&w, TMC_TFL_OP_MUL, a, b, y, TMC_TFL_ACT_NONE);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 MUL: output 0 (tensor 2 'y'): int16 zero point 5, "
              "TFLite's 16x8 kernels need 0");
  /* TANH's fixed int16 output quantization */
  lw_init(&w);
  a = act16(&w, "x", SHAPE(1, 8), 1e-3f, 0);
  y = act16(&w, "y", SHAPE(1, 8), 1.0f / 256, 0);
  unary(&w, TMC_TFL_OP_TANH, a, y, NULL);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 TANH: output quantization must be scale 3.05176e-05, "
              "zero point 0");
  /* DEQUANTIZE to int16, SOFTMAX int16 -> int8: no such kernel */
  lw_init(&w);
  a = act16(&w, "x", SHAPE(1, 8), 1e-3f, 0);
  y = act16(&w, "y", SHAPE(1, 8), 1e-3f, 0);
  unary(&w, TMC_TFL_OP_DEQUANTIZE, a, y, NULL);
  EXPECT_PLAN(&w, TMC_ERR_UNSUPPORTED, "op 0 DEQUANTIZE: output (tensor 1 'y') is INT16, tmc "
              "dequantizes to FLOAT32");
  lw_init(&w);
  a = act16(&w, "x", SHAPE(1, 8), 1e-3f, 0);
  y = act(&w, "y", SHAPE(1, 8), 1.0f / 256, -128);
  tmc_tfl_options o = opts(TMC_TFL_OPTIONS_softmax);
  o.u.softmax.beta = 1.0f;
  unary(&w, TMC_TFL_OP_SOFTMAX, a, y, &o);
  EXPECT_PLAN(&w, TMC_ERR_UNSUPPORTED, "op 0 SOFTMAX: SOFTMAX from INT16 (tensor 0 'x') to "
              "INT8 (tensor 1 'y') is not supported");
  /* a 16x8 FULLY_CONNECTED whose int64 bias leaves TFLite's 2^47 range */
  lw_init(&w);
  conv16(&w, TMC_TFL_OP_FULLY_CONNECTED, TMC_TFL_INT64, (int64_t)1 << 47);
  EXPECT_PLAN(&w, TMC_ERR_MODEL, "op 0 FULLY_CONNECTED: output channel 0 (weights tensor 1 "
              "'fc/weights', bias tensor 2 'fc/bias'): |bias| 140737488355328 + sum |weight|",
              "reaches 2^47, beyond TFLite's 16x8 requantization");
  /* a 16x8 DEPTHWISE_CONV_2D with an int32 bias (TFLM reads it as int64) */
  lw_init(&w);
  conv16(&w, TMC_TFL_OP_DEPTHWISE_CONV_2D, TMC_TFL_INT32, 7);
  EXPECT_PLAN(&w, TMC_ERR_UNSUPPORTED, "op 0 DEPTHWISE_CONV_2D",
              "int16 input with a bias that is not int64");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_int8_without_quantization),
      cmocka_unit_test(test_zero_point_outside_int8),
      cmocka_unit_test(test_unsupported_fused_activation),
      cmocka_unit_test(test_weight_scales),
      cmocka_unit_test(test_weight_zero_point),
      cmocka_unit_test(test_transpose_conv_rank),
      cmocka_unit_test(test_binary_shapes),
      cmocka_unit_test(test_add_quantization),
      cmocka_unit_test(test_pool_quantization),
      cmocka_unit_test(test_fixed_output_quantization),
      cmocka_unit_test(test_unary_sizes),
      cmocka_unit_test(test_float_softmax_output),
      cmocka_unit_test(test_fuzz_findings),
      cmocka_unit_test(test_prepare_refusals),
      cmocka_unit_test(test_mean_axes),
      cmocka_unit_test(test_pad_values),
      cmocka_unit_test(test_concatenation),
      cmocka_unit_test(test_split),
      cmocka_unit_test(test_resize),
      cmocka_unit_test(test_transpose_perm),
      cmocka_unit_test(test_strided_slice),
      cmocka_unit_test(test_parameter_not_constant),
      cmocka_unit_test(test_needs_constant_inputs),
      cmocka_unit_test(test_view_sizes),
      cmocka_unit_test(test_shape_inference),
      cmocka_unit_test(test_int16_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
