/* Kernel variants (src/plan/variants.c): the keyword-spotting fixture
 * (tests/fixtures/net_fixtures.c) fits TFLM's arena and the
 * activation-only floor once its FULLY_CONNECTED and CONV_2D read their
 * inputs in place; a limit takes the fastest kernels that fit; every
 * variant of a step gives the same bytes (convolutions of several
 * geometries, fully connected layers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures/net_fixtures.h"
#include "fixtures/op_fixtures.h"
#include "plan_test_util.h"

#define TFLM_KWS_ARENA 7312 /* ../shared/bench/anchors.md, issue 15 */

static uint8_t *run_out(const tmc_plan *p, uint32_t seed) {
  const tmc_tensor *x = &p->g->tensors[p->g->inputs[0]];
  uint8_t *in = malloc((size_t)x->bytes), *ins[1] = {in}, *outs[1] = {NULL};
  assert_non_null(in);
  pt_fill_tensor(x, in, seed);
  pt_run(p, ins, outs);
  free(in);
  return outs[0];
}

static int32_t step_of_kind(const tmc_plan *p, tmc_op_kind k) {
  for (int32_t s = 0; s < p->n_steps; s++)
    if (p->g->ops[p->steps[s].op].kind == k) return s;
  return -1;
}

static void test_kws_fits(void **state) {
  (void)state;
  tmc_arena a;
  tmc_diag d;
  tmc_tfl_model *m;
  tmc_arena_init(&a);
  tmc_diag_init(&d, "kws");
  assert_int_equal(tmc_fx_kws_cnn(&a, &m, &d), TMC_OK);
  pt_built def, fast, mid;
  assert_int_equal(pt_plan(m, "kws", NULL, &a, &def), TMC_OK);
  const tmc_mem *md = &def.plan.mem;
  int32_t conv = step_of_kind(&def.plan, TMC_OP_CONV_2D);
  int32_t fc = step_of_kind(&def.plan, TMC_OP_FULLY_CONNECTED);
  assert_true(conv >= 0 && fc >= 0);
  /* Smallest arena: no scratch anywhere; at most TFLM's and 1.05x the
   * activation-only floor (which no kernel choice can beat). */
  assert_int_equal(def.plan.steps[fc].kernel, TMC_K_FULLY_CONNECTED_DIRECT);
  assert_int_equal(def.plan.steps[conv].kernel, TMC_K_CONV2D_DIRECT);
  assert_true(md->arena_bytes <= TFLM_KWS_ARENA);
  assert_true(md->act_floor > 0 && md->arena_bytes * 100 <= md->act_floor * 105);
  assert_true(md->act_floor <= md->lower_bound && md->lower_bound <= md->arena_bytes);
  assert_non_null(def.plan.variants[fc]);
  assert_int_equal(def.plan.variants[fc]->chosen, def.plan.variants[fc]->n - 1);
  assert_non_null(strstr(def.plan.variants[fc]->why, "smallest arena"));
  /* A limit the fastest kernels meet: all of them, the same floor. */
  tmc_plan_options po = {0};
  po.limit = 1 << 20;
  assert_int_equal(pt_plan(m, "kws", &po, &a, &fast), TMC_OK);
  assert_int_equal(fast.plan.steps[fc].kernel, TMC_K_FULLY_CONNECTED);
  assert_int_equal(fast.plan.steps[conv].kernel, TMC_K_CONV2D);
  assert_true(fast.plan.mem.arena_bytes >= 4000 + 8000); /* the FC input + its int16 row */
  assert_int_equal(fast.plan.mem.act_floor, md->act_floor);
  /* A limit between: the FC must drop its 8,000-byte row, the conv's
   * window rows fit: the fastest that fits. */
  po.limit = md->arena_bytes + 2000;
  assert_int_equal(pt_plan(m, "kws", &po, &a, &mid), TMC_OK);
  assert_int_equal(mid.plan.steps[fc].kernel, TMC_K_FULLY_CONNECTED_DIRECT);
  assert_int_equal(mid.plan.steps[conv].kernel, TMC_K_CONV2D);
  assert_true(mid.plan.mem.arena_bytes <= po.limit);
  assert_non_null(strstr(mid.plan.variants[conv]->why, "fits the limit"));
  /* The same bytes out of all three, and placed as planned. */
  const int32_t y = def.graph.outputs[0];
  const size_t n = (size_t)def.graph.tensors[y].bytes;
  for (uint32_t seed = 1; seed <= 3; seed++) {
    uint8_t *o1 = run_out(&def.plan, seed), *o2 = run_out(&fast.plan, seed),
            *o3 = run_out(&mid.plan, seed);
    assert_memory_equal(o1, o2, n);
    assert_memory_equal(o1, o3, n);
    free(o1);
    free(o2);
    free(o3);
  }
  assert_int_equal(pt_check_against_separate(&def.plan, 5), 0);
  assert_int_equal(pt_check_against_separate(&mid.plan, 6), 0);
  /* Below the smallest arena: the limit error still names the peak. */
  po.limit = md->arena_bytes - 4;
  assert_int_equal(pt_plan(m, "kws", &po, &a, &mid), TMC_ERR_LIMIT);
  assert_non_null(strstr(mid.diag.msg, "more than the limit"));
  tmc_arena_free(&a);
}

/* Every variant of step 0 of m gives the outputs of variant 0. */
static void same_bytes(const tmc_tfl_model *m, const char *what) {
  tmc_arena a;
  tmc_arena_init(&a);
  pt_built pb;
  tmc_plan_options po = {0};
  po.limit = 1 << 28; /* the fastest kernels */
  assert_int_equal(pt_plan(m, what, &po, &a, &pb), TMC_OK);
  tmc_step_variants *v = pb.plan.variants[0];
  if (v == NULL) fail_msg("%s: no variants", what);
  const size_t n = (size_t)pb.graph.tensors[pb.graph.outputs[0]].bytes;
  uint8_t *ref = run_out(&pb.plan, 9);
  for (int32_t k = 1; k < v->n; k++) {
    pb.plan.steps[0] = v->v[k];
    tmc_diag d;
    tmc_diag_init(&d, what);
    assert_int_equal(tmc_plan_memory(&pb.plan, TMC_PLANNER_BEST, 0, &a, &d), TMC_OK);
    uint8_t *got = run_out(&pb.plan, 9);
    if (memcmp(ref, got, n) != 0)
      fail_msg("%s: %s differs from %s", what, tmc_kernel_name(v->v[k].kernel),
               tmc_kernel_name(v->v[0].kernel));
    free(got);
  }
  free(ref);
  tmc_arena_free(&a);
}

static void test_conv_variants_same_bytes(void **state) {
  (void)state;
  static const int32_t cfg[][8] = {
      /* h, w, in_c, out_c, k, stride, dilation, padding (1 SAME, 2 VALID) */
      {9, 7, 3, 5, 3, 1, 1, 1}, {8, 8, 16, 8, 1, 1, 1, 2}, {10, 9, 4, 7, 3, 2, 1, 1},
      {11, 11, 5, 6, 3, 1, 2, 1}, {6, 13, 8, 3, 5, 2, 1, 2}, {49, 40, 1, 8, 8, 2, 1, 1},
      {5, 5, 33, 9, 2, 1, 1, 1},
  };
  for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
    tmc_arena a;
    tmc_diag d;
    tmc_tfl_model *m;
    tmc_arena_init(&a);
    tmc_diag_init(&d, "conv");
    tmc_fx_conv c;
    tmc_fx_conv_defaults(&c);
    c.in_h = cfg[i][0];
    c.in_w = cfg[i][1];
    c.in_c = cfg[i][2];
    c.out_c = cfg[i][3];
    c.k_h = c.k_w = cfg[i][4];
    c.stride_h = c.stride_w = cfg[i][5];
    c.dilation_h = c.dilation_w = cfg[i][6];
    c.padding = cfg[i][7] == 1 ? TMC_TFL_PAD_SAME : TMC_TFL_PAD_VALID;
    c.act = i % 2 ? TMC_TFL_ACT_RELU : TMC_TFL_ACT_NONE;
    c.seed = 40 + (uint32_t)i;
    assert_int_equal(tmc_fx_conv2d(&a, &c, &m, &d), TMC_OK);
    same_bytes(m, "conv");
    tmc_arena_free(&a);
  }
}

static void test_fc_variants_same_bytes(void **state) {
  (void)state;
  static const int32_t cfg[][4] = {/* batch, in, out, per_channel */
                                   {1, 4000, 4, 0}, {3, 37, 9, 1}, {2, 16, 5, 0}, {1, 7, 1, 1}};
  for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
    tmc_arena a;
    tmc_diag d;
    tmc_tfl_model *m;
    tmc_arena_init(&a);
    tmc_diag_init(&d, "fc");
    tmc_fx_fc f;
    tmc_fx_fc_defaults(&f);
    f.batch = cfg[i][0];
    f.in = cfg[i][1];
    f.out = cfg[i][2];
    f.per_channel = cfg[i][3] != 0;
    f.seed = 60 + (uint32_t)i;
    assert_int_equal(tmc_fx_fully_connected(&a, &f, &m, &d), TMC_OK);
    same_bytes(m, "fc");
    tmc_arena_free(&a);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kws_fits),
      cmocka_unit_test(test_conv_variants_same_bytes),
      cmocka_unit_test(test_fc_variants_same_bytes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
