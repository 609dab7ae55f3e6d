/* Compile-time folding of integer shape chains: a Keras-style SHAPE ->
 * STRIDED_SLICE -> PACK chain feeding a RESHAPE, and PAD paddings built by a
 * CONCATENATION of constants, compile and run (the chains never run). */
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

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_shape_chain)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
