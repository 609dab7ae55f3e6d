/* PAD folding (src/passes/fold_pad.c): a PAD or PADV2 read only by input 0
 * of a CONV_2D or DEPTHWISE_CONV_2D becomes the convolution's explicit
 * padding (its own SAME/VALID padding on the padded size plus the PAD's),
 * the convolution reads the PAD's input and the PAD is removed. Each case
 * that breaks one condition of exactness (pad value, padded dims,
 * quantization, other readers, pooling) leaves the graph alone. That the
 * folded convolution computes the same values is tests/plan/fold_test.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixtures/model_builder.h"
#include "pass_test_util.h"
#include "passes/passes.h"

enum { SAME = 0, VALID = 1, X_ZP = 3 };

typedef struct pad_case {
  int32_t pads[8];      /* before/after per dim: N, H, W, C */
  int32_t code;         /* TMC_TFL_OP_PAD or TMC_TFL_OP_PADV2 */
  int8_t value;         /* PADV2's pad value */
  int32_t out_zp;       /* the PAD output's zero point (x's is X_ZP) */
  int32_t reader;       /* CONV_2D, DEPTHWISE_CONV_2D or MAX_POOL_2D */
  int32_t padding;      /* the reader's own: SAME or VALID */
  bool pad_is_output;   /* the PAD's output is a graph output too */
  bool second_reader;   /* a RELU reads the PAD's output too */
} pad_case;

static pad_case base_case(void) {
  pad_case c = {{0, 0, 1, 2, 2, 1, 0, 0}, TMC_TFL_OP_PAD, X_ZP, X_ZP,
                TMC_TFL_OP_CONV_2D, VALID, false, false};
  return c;
}

typedef struct pad_graph {
  ps_fx f;
  int32_t x, y;           /* PAD input and output tensors */
  int32_t pad_op, reader_op;
} pad_graph;

/* x [1, 5, 5, 2] -> PAD -> reader (3x3, stride 1) -> graph output. */
static void build(pad_graph *p, const pad_case *c) {
  ps_init(&p->f);
  tmc_mb *b = &p->f.b;
  int32_t xs[4] = {1, 5, 5, 2}, ys[4], s42[2] = {4, 2}, s1[1] = {1};
  for (int d = 0; d < 4; d++) ys[d] = xs[d] + c->pads[2 * d] + c->pads[2 * d + 1];
  p->x = tmc_mb_act_s8(b, "x", xs, 4, 0.1f, X_ZP);
  p->y = tmc_mb_act_s8(b, "padded", ys, 4, 0.1f, c->out_zp);
  int32_t in[3] = {p->x, tmc_mb_const_i32(b, "paddings", s42, 2, c->pads), -1};
  int32_t n_in = 2;
  tmc_tfl_options po = ps_opts(TMC_TFL_OPTIONS_pad);
  if (c->code == TMC_TFL_OP_PADV2) {
    in[n_in++] = ps_const_s8(b, "value", s1, 1, &c->value);
    po = ps_opts(TMC_TFL_OPTIONS_padv2);
  }
  p->pad_op = ps_op(b, c->code, in, n_in, p->y, &po);

  bool dw = c->reader == TMC_TFL_OP_DEPTHWISE_CONV_2D;
  bool pool = c->reader == TMC_TFL_OP_MAX_POOL_2D;
  int32_t cout = dw || pool ? ys[3] : 4;
  int32_t zs[4] = {ys[0], tmc_mb_conv_out(ys[1], 3, 1, 1, c->padding),
                   tmc_mb_conv_out(ys[2], 3, 1, 1, c->padding), cout};
  int32_t z = tmc_mb_act_s8(b, "z", zs, 4, pool ? 0.1f : 0.2f, pool ? c->out_zp : 0);
  tmc_tfl_options o;
  if (pool) {
    o = ps_opts(TMC_TFL_OPTIONS_pool2d);
    o.u.pool2d.padding = (int8_t)c->padding;
    o.u.pool2d.stride_h = o.u.pool2d.stride_w = 1;
    o.u.pool2d.filter_height = o.u.pool2d.filter_width = 3;
    p->reader_op = ps_op(b, c->reader, &p->y, 1, z, &o);
  } else {
    if (dw) {
      o = ps_opts(TMC_TFL_OPTIONS_depthwise_conv2d);
      o.u.depthwise_conv2d.padding = (int8_t)c->padding;
      o.u.depthwise_conv2d.stride_h = o.u.depthwise_conv2d.stride_w = 1;
      o.u.depthwise_conv2d.dilation_h_factor = o.u.depthwise_conv2d.dilation_w_factor = 1;
      o.u.depthwise_conv2d.depth_multiplier = 1;
    } else {
      o = ps_opts(TMC_TFL_OPTIONS_conv2d);
      o.u.conv2d.padding = (int8_t)c->padding;
      o.u.conv2d.stride_h = o.u.conv2d.stride_w = 1;
      o.u.conv2d.dilation_h_factor = o.u.conv2d.dilation_w_factor = 1;
    }
    int8_t w[4 * 3 * 3 * 8];
    for (size_t i = 0; i < sizeof w; i++) w[i] = (int8_t)(i * 7 % 11) - 5;
    int32_t ws[4] = {dw ? 1 : cout, 3, 3, dw ? cout : ys[3]};
    int32_t bias_v[8] = {1, -2, 3, -4, 5, -6, 7, -8}, bs[1] = {cout};
    int32_t ci[3] = {p->y, ps_const_s8(b, "w", ws, 4, w),
                     tmc_mb_const_i32(b, "bias", bs, 1, bias_v)};
    p->reader_op = ps_op(b, c->reader, ci, 3, z, &o);
  }
  int32_t outs[3] = {z}, n_out = 1;
  if (c->pad_is_output) outs[n_out++] = p->y;
  if (c->second_reader) {
    int32_t r = tmc_mb_act_s8(b, "relu", ys, 4, 0.1f, c->out_zp);
    ps_op(b, TMC_TFL_OP_RELU, &p->y, 1, r, NULL);
    outs[n_out++] = r;
  }
  ps_build(&p->f, &p->x, 1, outs, n_out);
  tmc_status s = tmc_pass_fold_pad(&p->f.g, &p->f.d);
  if (s != TMC_OK) fail_msg("fold_pad: %s", p->f.d.msg);
}

/* The case folds: the convolution reads x with padding top, bottom, left,
 * right; the PAD is gone and nothing reads its output. */
static void expect_folded(const pad_case *c, int32_t top, int32_t bottom, int32_t left,
                          int32_t right) {
  pad_graph p;
  build(&p, c);
  const tmc_graph *g = &p.f.g;
  const tmc_op *pad = &g->ops[p.pad_op], *conv = &g->ops[p.reader_op];
  assert_true(pad->removed);
  assert_false(conv->removed);
  assert_int_equal(conv->in[0], p.x);
  const tmc_conv_attr *a = &conv->attr.conv;
  assert_true(a->explicit_pad);
  assert_int_equal(a->pad_top, top);
  assert_int_equal(a->pad_bottom, bottom);
  assert_int_equal(a->pad_left, left);
  assert_int_equal(a->pad_right, right);
  const tmc_tensor *x = &g->tensors[p.x];
  assert_int_equal(x->n_consumers, 1);
  assert_int_equal(x->consumers[0], p.reader_op);
  assert_int_equal(g->tensors[p.y].n_consumers, 0);
  ps_free(&p.f);
}

/* The case does not fold: the graph is as built (and every op is one tmc
 * compiles, so the reason is the case's). */
static void expect_kept(const pad_case *c) {
  pad_graph p;
  build(&p, c);
  const tmc_graph *g = &p.f.g;
  for (int32_t i = 0; i < g->n_ops; i++)
    if (g->ops[i].unsupported) fail_msg("op %d: %s", i, g->ops[i].unsupported);
  assert_false(g->ops[p.pad_op].removed);
  assert_int_equal(g->ops[p.reader_op].in[0], p.y);
  if (c->reader != TMC_TFL_OP_MAX_POOL_2D) assert_false(g->ops[p.reader_op].attr.conv.explicit_pad);
  assert_int_equal(g->tensors[p.x].consumers[0], p.pad_op);
  ps_free(&p.f);
}

static void test_pad_into_valid_conv(void **state) {
  (void)state;
  pad_case c = base_case();
  expect_folded(&c, 1, 2, 2, 1); /* VALID adds nothing */
}

static void test_pad_into_same_conv(void **state) {
  (void)state;
  pad_case c = base_case();
  c.padding = SAME; /* 3x3 stride 1 on the padded size: 1 on each side more */
  expect_folded(&c, 2, 3, 3, 2);
}

static void test_pad_into_depthwise(void **state) {
  (void)state;
  pad_case c = base_case();
  c.reader = TMC_TFL_OP_DEPTHWISE_CONV_2D;
  expect_folded(&c, 1, 2, 2, 1);
}

static void test_padv2_value_is_zero_point(void **state) {
  (void)state;
  pad_case c = base_case();
  c.code = TMC_TFL_OP_PADV2;
  expect_folded(&c, 1, 2, 2, 1);
  c.value = X_ZP + 1; /* padded taps would count X_ZP + 1 - zp */
  expect_kept(&c);
}

static void test_padded_batch_or_channels(void **state) {
  (void)state;
  pad_case c = base_case();
  c.pads[7] = 1; /* channels */
  expect_kept(&c);
  c = base_case();
  c.pads[0] = 1; /* batch */
  expect_kept(&c);
}

static void test_quantization_changes(void **state) {
  (void)state;
  pad_case c = base_case();
  c.out_zp = X_ZP - 1;
  c.value = X_ZP - 1;
  expect_kept(&c);
}

static void test_other_readers(void **state) {
  (void)state;
  pad_case c = base_case();
  c.pad_is_output = true;
  expect_kept(&c);
  c = base_case();
  c.second_reader = true;
  expect_kept(&c);
}

static void test_pooling_is_left_alone(void **state) {
  (void)state;
  pad_case c = base_case();
  c.reader = TMC_TFL_OP_MAX_POOL_2D; /* TFLite's pooling skips out-of-bounds taps */
  expect_kept(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pad_into_valid_conv),
      cmocka_unit_test(test_pad_into_same_conv),
      cmocka_unit_test(test_pad_into_depthwise),
      cmocka_unit_test(test_padv2_value_is_zero_point),
      cmocka_unit_test(test_padded_batch_or_channels),
      cmocka_unit_test(test_quantization_changes),
      cmocka_unit_test(test_other_readers),
      cmocka_unit_test(test_pooling_is_left_alone),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
