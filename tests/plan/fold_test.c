/* Compile-time folding of integer shape chains: a Keras-style SHAPE ->
 * STRIDED_SLICE -> PACK chain feeding a RESHAPE, and PAD paddings built by a
 * CONCATENATION of constants, compile and run (the chains never run). The
 * PAD of such paddings then folds into the convolution that reads it, and
 * gives the same bytes as that convolution with SAME padding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/le.h"
#include "plan_test_util.h"

static void test_shape_chain(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_mb b;
  tmc_mb_init(&b, &a, "fold");
  int32_t xs[4] = {1, 4, 4, 8}, s1[1] = {4}, s2[1] = {1}, s0[1] = {1}, ys[2] = {1, 128};
  int32_t x = tmc_mb_act_s8(&b, "x", xs, 4, 0.05f, 3);
  /* SHAPE(x) = [1,4,4,8] (INT32) */
  int32_t shp = tmc_mb_tensor(&b, "shape", TMC_TFL_INT32, s1, 1, 0);
  tmc_tfl_options so = {0};
  so.type = TMC_TFL_OPTIONS_shape;
  so.decoded = true;
  so.u.shape.out_type = TMC_TFL_INT32;
  tmc_mb_op(&b, TMC_TFL_OP_SHAPE, 1, &x, 1, &shp, 1, &so);
  /* STRIDED_SLICE(shape, [0], [1], [1], shrink) = 1 (a scalar) */
  int32_t v0[1] = {0}, v1[1] = {1};
  int32_t beg = tmc_mb_const_i32(&b, "begin", s2, 1, v0);
  int32_t end = tmc_mb_const_i32(&b, "end", s2, 1, v1);
  int32_t str = tmc_mb_const_i32(&b, "strides", s2, 1, v1);
  int32_t batch = tmc_mb_tensor(&b, "batch", TMC_TFL_INT32, s0, 0, 0);
  tmc_tfl_options ss = {0};
  ss.type = TMC_TFL_OPTIONS_strided_slice;
  ss.decoded = true;
  ss.u.strided_slice.shrink_axis_mask = 1;
  int32_t ssi[4] = {shp, beg, end, str};
  tmc_mb_op(&b, TMC_TFL_OP_STRIDED_SLICE, 1, ssi, 4, &batch, 1, &ss);
  /* PACK(batch, 128) = [1, 128] */
  int32_t c128[1] = {128};
  int32_t k128 = tmc_mb_const_i32(&b, "c128", s0, 0, c128);
  int32_t s_pack[1] = {2};
  int32_t packed = tmc_mb_tensor(&b, "packed", TMC_TFL_INT32, s_pack, 1, 0);
  tmc_tfl_options po = {0};
  po.type = TMC_TFL_OPTIONS_pack;
  po.decoded = true;
  po.u.pack.values_count = 2;
  int32_t pi[2] = {batch, k128};
  tmc_mb_op(&b, TMC_TFL_OP_PACK, 1, pi, 2, &packed, 1, &po);
  /* RESHAPE(x, packed) = [1, 128] */
  int32_t y = tmc_mb_act_s8(&b, "y", ys, 2, 0.05f, 3);
  tmc_tfl_options ro = {0};
  ro.type = TMC_TFL_OPTIONS_reshape;
  ro.decoded = true;
  int32_t ri[2] = {x, packed};
  tmc_mb_op(&b, TMC_TFL_OP_RESHAPE, 1, ri, 2, &y, 1, &ro);
  /* RELU(y), so that a kernel reads the reshaped view */
  int32_t z = pt_unary(&b, TMC_TFL_OP_RELU, y, "z", ys, 2, 0.05f, 3, NULL);
  tmc_mb_io(&b, &x, 1, &z, 1);
  tmc_tfl_model *m = pt_finish(&b);
  pt_built pb;
  assert_int_equal(pt_plan(m, "fold", NULL, &a, &pb), TMC_OK);
  /* SHAPE, STRIDED_SLICE and PACK were folded; the RESHAPE is a view: one step. */
  assert_int_equal(pb.plan.n_steps, 1);
  int folded = 0;
  for (int32_t i = 0; i < pb.graph.n_ops; i++) folded += pb.graph.ops[i].folded;
  assert_int_equal(folded, 3);
  const tmc_tensor *pk = &pb.graph.tensors[packed];
  assert_true(pk->is_const);
  assert_int_equal(tmc_le_i32(pk->data), 1);
  assert_int_equal(tmc_le_i32(pk->data + 4), 128);
  /* RELU of the view: element i is max(x[i], zero point) (same quantization). */
  uint8_t in[128];
  for (int i = 0; i < 128; i++) in[i] = (uint8_t)(i * 7 - 64);
  uint8_t *ins[1] = {in}, *outs[1] = {NULL};
  pt_run(&pb.plan, ins, outs);
  for (int i = 0; i < 128; i++) {
    int8_t want = (int8_t)in[i] < 3 ? 3 : (int8_t)in[i];
    assert_int_equal((int8_t)outs[0][i], want);
  }
  free(outs[0]);
  tmc_arena_free(&a);
}

/* paddings [[0,0],[1,1],[1,1],[0,0]] as CONCATENATION([[0,0],[1,1]],
 * [[1,1],[0,0]]) along axis 0; returns the paddings tensor. */
static int32_t paddings_by_concatenation(tmc_mb *b) {
  int32_t s22[2] = {2, 2}, s42[2] = {4, 2};
  int32_t top[4] = {0, 0, 1, 1}, bottom[4] = {1, 1, 0, 0};
  int32_t in[2] = {tmc_mb_const_i32(b, "pads_nh", s22, 2, top),
                   tmc_mb_const_i32(b, "pads_wc", s22, 2, bottom)};
  int32_t pads = tmc_mb_tensor(b, "paddings", TMC_TFL_INT32, s42, 2, 0);
  tmc_tfl_options co = {0};
  co.type = TMC_TFL_OPTIONS_concatenation;
  co.decoded = true;
  tmc_mb_op(b, TMC_TFL_OP_CONCATENATION, 1, in, 2, &pads, 1, &co);
  return pads;
}

static int32_t pad_op(tmc_mb *b, int32_t x, int32_t pads, const int32_t *ys) {
  int32_t y = tmc_mb_act_s8(b, "padded", ys, 4, 0.05f, 3);
  tmc_tfl_options po = {0};
  po.type = TMC_TFL_OPTIONS_pad;
  po.decoded = true;
  int32_t in[2] = {x, pads};
  tmc_mb_op(b, TMC_TFL_OP_PAD, 1, in, 2, &y, 1, &po);
  return y;
}

static int count_folded(const tmc_graph *g) {
  int n = 0;
  for (int32_t i = 0; i < g->n_ops; i++) n += g->ops[i].folded;
  return n;
}

/* x [1,4,4,2] -> PAD(x, CONCATENATION(...)) -> output: the CONCATENATION is
 * folded, the PAD runs and writes the zero point around x. */
static void test_pad_paddings_from_concatenation(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_mb b;
  tmc_mb_init(&b, &a, "fold");
  int32_t xs[4] = {1, 4, 4, 2}, ys[4] = {1, 6, 6, 2};
  int32_t x = tmc_mb_act_s8(&b, "x", xs, 4, 0.05f, 3);
  int32_t y = pad_op(&b, x, paddings_by_concatenation(&b), ys);
  tmc_mb_io(&b, &x, 1, &y, 1);
  tmc_tfl_model *m = pt_finish(&b);
  pt_built pb;
  assert_int_equal(pt_plan(m, "fold", NULL, &a, &pb), TMC_OK);
  assert_int_equal(count_folded(&pb.graph), 1);
  assert_int_equal(pb.plan.n_steps, 1); /* the PAD */
  uint8_t in[32];
  for (int i = 0; i < 32; i++) in[i] = (uint8_t)(i * 5 - 40);
  uint8_t *ins[1] = {in}, *outs[1] = {NULL};
  pt_run(&pb.plan, ins, outs);
  for (int h = 0; h < 6; h++)
    for (int w = 0; w < 6; w++)
      for (int c = 0; c < 2; c++) {
        bool inside = h >= 1 && h <= 4 && w >= 1 && w <= 4;
        int8_t want = inside ? (int8_t)in[((h - 1) * 4 + (w - 1)) * 2 + c] : 3;
        assert_int_equal((int8_t)outs[0][(h * 6 + w) * 2 + c], want);
      }
  free(outs[0]);
  tmc_arena_free(&a);
}

/* x -> PAD(x, CONCATENATION(...)) -> CONV_2D 3x3 VALID, against x -> CONV_2D
 * 3x3 SAME with the same weights: the PAD folds into the convolution (no
 * step of its own) and the outputs are the same bytes. */
static void test_folded_pad_matches_same_padding(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  int32_t xs[4] = {1, 5, 5, 3}, ps[4] = {1, 7, 7, 3};
  pt_conv c = {1, 7, 7, 3, 4, 3, 3, 1, 1, 1 /* VALID */, 0, false, 0.05f, 0.1f, -2};
  pt_built built[2];
  for (int same = 0; same < 2; same++) {
    tmc_mb b;
    tmc_mb_init(&b, &a, "fold");
    tmc_mb_rng rng = {7}; /* the same weights in both models */
    int32_t x = tmc_mb_act_s8(&b, "x", xs, 4, 0.05f, 3);
    int32_t conv_in = x;
    if (!same) {
      conv_in = pad_op(&b, x, paddings_by_concatenation(&b), ps);
    } else {
      c.h = c.w = 5;
      c.padding = 0; /* SAME */
    }
    int32_t y = pt_conv_op(&b, &rng, conv_in, "conv", &c);
    tmc_mb_io(&b, &x, 1, &y, 1);
    tmc_tfl_model *m = pt_finish(&b);
    assert_int_equal(pt_plan(m, "fold", NULL, &a, &built[same]), TMC_OK);
    assert_int_equal(built[same].plan.n_steps, 1);
  }
  assert_int_equal(count_folded(&built[0].graph), 1); /* the CONCATENATION */
  int removed = 0;
  for (int32_t i = 0; i < built[0].graph.n_ops; i++) removed += built[0].graph.ops[i].removed;
  assert_int_equal(removed, 1); /* the PAD */
  uint8_t in[75];
  pt_fill_random(in, sizeof in, 11);
  uint8_t *ins[1] = {in}, *out_pad[1] = {NULL}, *out_same[1] = {NULL};
  pt_run(&built[0].plan, ins, out_pad);
  pt_run(&built[1].plan, ins, out_same);
  assert_memory_equal(out_pad[0], out_same[0], 5 * 5 * 4);
  free(out_pad[0]);
  free(out_same[0]);
  tmc_arena_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shape_chain),
      cmocka_unit_test(test_pad_paddings_from_concatenation),
      cmocka_unit_test(test_folded_pad_matches_same_padding),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
