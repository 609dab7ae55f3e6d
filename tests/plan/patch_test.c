/* Receptive fields of the patch stage on hand-checked chains (stride 2,
 * dilation 2, SAME padding at the borders), per-patch padding, refusals,
 * bit-exactness of patch execution against layer by layer, residual adds
 * inside the stage, a stage after a leading TRANSPOSE (the MobileNetV2
 * fixture), and the reason auto gives for no patches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures/net_fixtures.h"
#include "host/run.h"
#include "plan/patch.h"
#include "plan_test_util.h"

typedef struct chain {
  tmc_arena arena;
  pt_built built;
} chain;

/* x [1,16,16,4] -> CONV 3x3/2 SAME (8 ch) -> [1,8,8,8]
 *   (pad total (8-1)*2 + 3 - 16 = 1: top 0, bottom 1)
 * -> DEPTHWISE 3x3 dilation 2 SAME -> [1,8,8,8] (effective 5: pad 2, 2)
 * -> MAX_POOL 2x2/2 VALID -> [1,4,4,8]. */
static tmc_tfl_model *build_chain(tmc_arena *a, bool with_pool) {
  tmc_mb b;
  tmc_mb_rng rng = {7};
  tmc_mb_init(&b, a, "chain");
  int32_t xs[4] = {1, 16, 16, 4};
  int32_t x = tmc_mb_act_s8(&b, "x", xs, 4, 0.05f, -3);
  pt_conv c1 = {1, 16, 16, 4, 8, 3, 3, 2, 1, TMC_TFL_PAD_SAME, TMC_TFL_ACT_RELU6, false,
                0.05f, 0.04f, -128};
  int32_t y1 = pt_conv_op(&b, &rng, x, "conv", &c1);
  pt_conv c2 = {1, 8, 8, 8, 8, 3, 3, 1, 2, TMC_TFL_PAD_SAME, TMC_TFL_ACT_NONE, true,
                0.04f, 0.03f, 5};
  int32_t y2 = pt_conv_op(&b, &rng, y1, "dw", &c2);
  int32_t out = y2;
  if (with_pool) {
    int32_t ps[4] = {1, 8, 8, 8};
    out = pt_pool(&b, TMC_TFL_OP_MAX_POOL_2D, y2, "pool", ps, 2, 2, 2, 2, TMC_TFL_PAD_VALID,
                  0.03f, 5);
  }
  tmc_mb_io(&b, &x, 1, &out, 1);
  return pt_finish(&b);
}

static const tmc_region *region(const tmc_patch *p, const tmc_plan *plan, int32_t patch,
                                int32_t t) {
  return &p->regions[(size_t)patch * plan->g->n_tensors + t];
}

static void test_receptive_fields(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  pt_built b;
  tmc_tfl_model *m = build_chain(&a, false);
  assert_int_equal(pt_plan(m, "chain", NULL, &a, &b), TMC_OK);
  tmc_plan *plan = &b.plan;
  tmc_patch *p;
  tmc_diag d;
  tmc_diag_init(&d, NULL);
  /* Split at the depthwise (step 1), 2x2 patches of its 8x8 output. */
  assert_int_equal(tmc_patch_build(plan, 1, 2, 2, &a, &p, &d), TMC_OK);
  int32_t x = plan->steps[0].in[0], y1 = plan->steps[0].out[0], y2 = plan->steps[1].out[0];
  /* Patch 0 (rows 0-3, cols 0-3): the depthwise needs rows [0*1-2, 3-2+4+1) =
   * [-2, 6) -> [0, 6); the conv then needs [0*2-0, 5*2-0+2+1) = [0, 13). */
  const tmc_region *r;
  r = region(p, plan, 0, y2);
  assert_int_equal(r->y0, 0); assert_int_equal(r->y1, 4); assert_int_equal(r->x1, 4);
  r = region(p, plan, 0, y1);
  assert_int_equal(r->y0, 0); assert_int_equal(r->y1, 6);
  assert_int_equal(r->x0, 0); assert_int_equal(r->x1, 6);
  r = region(p, plan, 0, x);
  assert_int_equal(r->y0, 0); assert_int_equal(r->y1, 13);
  assert_int_equal(r->x0, 0); assert_int_equal(r->x1, 13);
  /* Patch 3 (rows 4-7, cols 4-7): [4-2, 7-2+5) = [2, 10) -> [2, 8); conv
   * [2*2, 7*2+3) = [4, 17) -> [4, 16). */
  r = region(p, plan, 3, y1);
  assert_int_equal(r->y0, 2); assert_int_equal(r->y1, 8);
  r = region(p, plan, 3, x);
  assert_int_equal(r->y0, 4); assert_int_equal(r->y1, 16);
  assert_int_equal(r->x0, 4); assert_int_equal(r->x1, 16);
  /* Local padding: the depthwise keeps its 2 rows of top padding in patch 0
   * (window origin 0*1 - 2 in the local rows) and none in patch 3 (the halo
   * rows 2..3 are real: origin 4 - 2 - 2 = 0). */
  const tmc_patch_geom *g0 = &p->geom[0 * 2 + 1], *g3 = &p->geom[3 * 2 + 1];
  assert_int_equal(g0->pad_top, 2);
  assert_int_equal(g0->pad_left, 2);
  assert_int_equal(g3->pad_top, 0);
  assert_int_equal(g3->pad_left, 0);
  assert_int_equal(g3->in_dims.h, 6);
  assert_int_equal(g3->out_dims.h, 4);
  /* The conv of patch 3 starts at input row 4 = its first output row (2) * 2
   * - 0: no local padding; the whole-tensor bottom padding shows as a window
   * running one row past the local input. */
  const tmc_patch_geom *c3 = &p->geom[3 * 2 + 0];
  assert_int_equal(c3->pad_top, 0);
  assert_int_equal(c3->in_dims.h, 12);
  assert_int_equal(c3->out_dims.h, 6);
  assert_int_equal(c3->pad_bottom, 1);
  /* Recomputation: the conv computes rows [0,6) and [2,8) per column band. */
  assert_true(p->patch_macs > p->layer_macs);
  tmc_arena_free(&a);
}

/* Uneven grids that do not divide the map, every split: patch execution
 * gives the same output bytes as layer by layer. */
static void test_patches_bit_exact(void **state) {
  (void)state;
  static const int32_t grids[][2] = {{1, 1}, {2, 2}, {3, 3}, {3, 2}, {1, 4}, {4, 4}};
  for (int with_pool = 0; with_pool < 2; with_pool++)
    for (int32_t split = 0; split < 2 + with_pool; split++)
      for (size_t gi = 0; gi < sizeof grids / sizeof grids[0]; gi++) {
        tmc_arena a;
        tmc_arena_init(&a);
        pt_built ref, pat;
        tmc_tfl_model *m = build_chain(&a, with_pool);
        tmc_plan_options po = {0};
        po.patch_mode = TMC_PATCH_FORCE;
        assert_int_equal(pt_plan(m, "chain", NULL, &a, &ref), TMC_OK);
        po.patch_op = ref.plan.steps[split].op;
        po.patch_rows = grids[gi][0];
        po.patch_cols = grids[gi][1];
        tmc_status st = pt_plan(m, "chain", &po, &a, &pat);
        const tmc_tensor *y = &ref.graph.tensors[ref.graph.outputs[0]];
        const tmc_tensor *split_t = &ref.graph.tensors[ref.plan.steps[split].out[0]];
        if (grids[gi][0] > split_t->dims[1] || grids[gi][1] > split_t->dims[2]) {
          assert_int_equal(st, TMC_ERR_UNSUPPORTED);
          assert_non_null(strstr(pat.diag.msg, "finer than the split tensor"));
          tmc_arena_free(&a);
          continue;
        }
        assert_int_equal(st, TMC_OK);
        assert_non_null(pat.plan.patch);
        assert_int_equal(tmc_plan_validate(&pat.plan, &pat.diag), TMC_OK);
        const tmc_tensor *x = &ref.graph.tensors[ref.graph.inputs[0]];
        uint8_t *in = malloc((size_t)x->bytes);
        pt_fill_tensor(x, in, 99 + (uint32_t)gi);
        uint8_t *ins[1] = {in}, *out1[1] = {NULL}, *out2[1] = {NULL};
        pt_run(&ref.plan, ins, out1); /* allocates the outputs */
        pt_run(&pat.plan, ins, out2);
        int same = memcmp(out1[0], out2[0], (size_t)y->bytes) == 0;
        free(in);
        free(out1[0]);
        free(out2[0]);
        if (!same)
          fail_msg("pool %d split %d grid %dx%d: patch output differs", with_pool, split,
                   grids[gi][0], grids[gi][1]);
        tmc_arena_free(&a);
      }
}

/* Runs p on input bytes in; returns a malloc'd copy of tensor t as it is
 * after step `step` (the patch stage's split step, or any later one). */
typedef struct grab {
  int32_t step, t;
  uint8_t *bytes;
} grab;

static void grab_hook(void *ctx, const tmc_plan *plan, int32_t step, uint8_t *arena) {
  grab *g = ctx;
  if (step != g->step) return;
  const tmc_tensor *x = &plan->g->tensors[g->t];
  g->bytes = malloc((size_t)x->bytes);
  assert_non_null(g->bytes);
  memcpy(g->bytes, tmc_host_tensor(plan, arena, g->t), (size_t)x->bytes);
}

static uint8_t *run_grab(const tmc_plan *p, const uint8_t *in, int32_t step, int32_t t) {
  uint8_t *arena = malloc((size_t)p->mem.arena_bytes + 1);
  assert_non_null(arena);
  memset(arena, 0xa5, (size_t)p->mem.arena_bytes + 1);
  const tmc_tensor *x = &p->g->tensors[p->g->inputs[0]];
  memcpy(tmc_host_tensor(p, arena, x->id), in, (size_t)x->bytes);
  grab g = {step, t, NULL};
  tmc_host_invoke(p, arena, grab_hook, &g);
  free(arena);
  assert_non_null(g.bytes);
  return g.bytes;
}

/* x -> DEPTHWISE 3x3 -> y; z = ADD(x, y): the ADD reads x over its own
 * region, the depthwise over a wider one (a residual branch): x is kept
 * per patch and read strided, bit-exact for every grid. A unary op
 * reading x there instead (RELU) cannot be strided: refused with the
 * reason, and auto then plans layer by layer. */
static tmc_tfl_model *residual_model(tmc_arena *a, bool relu_branch) {
  tmc_mb b;
  tmc_mb_rng rng = {3};
  tmc_mb_init(&b, a, "branch");
  int32_t xs[4] = {1, 8, 8, 4};
  int32_t x = tmc_mb_act_s8(&b, "x", xs, 4, 0.05f, 0);
  pt_conv c = {1, 8, 8, 4, 4, 3, 3, 1, 1, TMC_TFL_PAD_SAME, TMC_TFL_ACT_NONE, true, 0.05f,
               0.05f, 0};
  int32_t y = pt_conv_op(&b, &rng, x, "dw", &c);
  int32_t other = x;
  if (relu_branch) other = pt_unary(&b, TMC_TFL_OP_RELU, x, "relu", xs, 4, 0.05f, 0, NULL);
  int32_t z = pt_binary(&b, TMC_TFL_OP_ADD, other, y, "add", xs, 4, 0.1f, 0, TMC_TFL_ACT_NONE);
  tmc_mb_io(&b, &x, 1, &z, 1);
  return pt_finish(&b);
}

static void test_residual_in_stage(void **state) {
  (void)state;
  static const int32_t grids[][2] = {{2, 2}, {3, 3}, {1, 4}, {4, 3}, {8, 8}};
  for (size_t gi = 0; gi < sizeof grids / sizeof grids[0]; gi++) {
    tmc_arena a;
    tmc_arena_init(&a);
    tmc_tfl_model *m = residual_model(&a, false);
    pt_built ref, pat;
    tmc_plan_options po = {0};
    assert_int_equal(pt_plan(m, "branch", NULL, &a, &ref), TMC_OK);
    po.patch_mode = TMC_PATCH_FORCE;
    po.patch_op = ref.plan.steps[1].op;
    po.patch_rows = grids[gi][0];
    po.patch_cols = grids[gi][1];
    if (pt_plan(m, "branch", &po, &a, &pat) != TMC_OK) fail_msg("%s", pat.diag.msg);
    assert_non_null(pat.plan.patch);
    assert_true(pat.plan.patch->strided[1]);
    assert_int_equal(tmc_plan_validate(&pat.plan, &pat.diag), TMC_OK);
    const tmc_tensor *x = &ref.graph.tensors[ref.graph.inputs[0]];
    uint8_t *in = malloc((size_t)x->bytes);
    pt_fill_tensor(x, in, 7 + (uint32_t)gi);
    int32_t z = ref.graph.outputs[0];
    uint8_t *o1 = run_grab(&ref.plan, in, 1, z), *o2 = run_grab(&pat.plan, in, 1, z);
    int same = memcmp(o1, o2, (size_t)ref.graph.tensors[z].bytes) == 0;
    free(in);
    free(o1);
    free(o2);
    if (!same) fail_msg("grid %dx%d: the residual stage's output differs", grids[gi][0],
                        grids[gi][1]);
    tmc_arena_free(&a);
  }
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = residual_model(&a, true);
  pt_built pb;
  tmc_plan_options po = {0};
  po.patch_mode = TMC_PATCH_FORCE;
  po.patch_op = 2;
  po.patch_rows = 2;
  po.patch_cols = 2;
  assert_int_equal(pt_plan(m, "branch", &po, &a, &pb), TMC_ERR_UNSUPPORTED);
  assert_non_null(strstr(pb.diag.msg, "op 1 RELU reads a tensor needed over a larger region"));
  assert_non_null(strstr(pb.diag.msg, "branch inside the stage"));
  po.patch_mode = TMC_PATCH_AUTO;
  assert_int_equal(pt_plan(m, "branch", &po, &a, &pb), TMC_OK);
  assert_null(pb.plan.patch);
  tmc_arena_free(&a);
}

/* The MobileNetV2-style fixture at 224x224 from NCHW (net_fixtures.c):
 * the leading TRANSPOSE runs whole, the stage starts after it, and auto
 * lowers the peak at least 4x with a split past the residual block (its
 * ADD inside the stage, strided); the split tensor and the output are
 * those of layer by layer. Without the residual block too. */
static void test_mobilenetv2_nchw(void **state) {
  (void)state;
  for (int residual = 1; residual >= 0; residual--) {
    tmc_arena a;
    tmc_diag d;
    tmc_tfl_model *m;
    tmc_arena_init(&a);
    tmc_diag_init(&d, "mbv2");
    assert_int_equal(tmc_fx_mobilenetv2_nchw(&a, residual != 0, &m, &d), TMC_OK);
    pt_built ref, pat;
    tmc_plan_options po = {0};
    tmc_patch_report rep;
    assert_int_equal(pt_plan(m, "mbv2", NULL, &a, &ref), TMC_OK);
    po.patch_mode = TMC_PATCH_AUTO;
    po.patch_report = &rep;
    assert_int_equal(pt_plan(m, "mbv2", &po, &a, &pat), TMC_OK);
    const tmc_patch *p = pat.plan.patch;
    assert_non_null(p);
    assert_true(p->rows * p->cols > 1);
    assert_int_equal(pat.plan.steps[0].kernel, TMC_K_TRANSPOSE);
    assert_int_equal(p->start_step, 1);
    print_message("mbv2%s: layer by layer %lld, --patch auto %lld (split op %d, %dx%d, "
                  "+%.1f%% MACs in the stage)\n", residual ? " (residual)" : "",
                  (long long)ref.plan.mem.arena_bytes, (long long)pat.plan.mem.arena_bytes,
                  pat.plan.steps[p->split_step].op, p->rows, p->cols,
                  100.0 * (double)(p->patch_macs - p->layer_macs) / (double)p->layer_macs);
    if (residual) {
      assert_true(pat.plan.mem.arena_bytes * 4 <= ref.plan.mem.arena_bytes);
      bool add = false;
      for (int32_t s = p->start_step; s <= p->split_step; s++)
        add = add || (pat.plan.steps[s].kernel == TMC_K_ADD && p->strided[s]);
      assert_true(add);
    } else {
      assert_true(pat.plan.mem.arena_bytes * 3 <= ref.plan.mem.arena_bytes);
    }
    assert_int_equal(tmc_plan_validate(&pat.plan, &pat.diag), TMC_OK);
    const tmc_tensor *x = &ref.graph.tensors[ref.graph.inputs[0]];
    uint8_t *in = malloc((size_t)x->bytes);
    pt_fill_tensor(x, in, 11);
    int32_t split = p->split_tensor, y = ref.graph.outputs[0], last = ref.plan.n_steps - 1;
    uint8_t *s1 = run_grab(&ref.plan, in, p->split_step, split);
    uint8_t *s2 = run_grab(&pat.plan, in, p->split_step, split);
    uint8_t *y1 = run_grab(&ref.plan, in, last, y), *y2 = run_grab(&pat.plan, in, last, y);
    assert_memory_equal(s1, s2, (size_t)ref.graph.tensors[split].bytes);
    assert_memory_equal(y1, y2, (size_t)ref.graph.tensors[y].bytes);
    /* not a degenerate tensor: the comparison means something */
    size_t nz = 0;
    for (int64_t i = 1; i < ref.graph.tensors[split].bytes; i++) nz += s1[i] != s1[0];
    assert_true(nz > (size_t)ref.graph.tensors[split].bytes / 4);
    free(in);
    free(s1);
    free(s2);
    free(y1);
    free(y2);
    tmc_arena_free(&a);
  }
}

/* auto says why it chose no patches, naming the operator. */
static void test_why_none(void **state) {
  (void)state;
  tmc_arena a;
  tmc_diag d;
  tmc_tfl_model *m;
  tmc_arena_init(&a);
  tmc_diag_init(&d, "kws");
  assert_int_equal(tmc_fx_kws_cnn(&a, &m, &d), TMC_OK);
  pt_built pb;
  tmc_patch_report rep;
  tmc_plan_options po = {0};
  po.patch_mode = TMC_PATCH_AUTO;
  po.patch_report = &rep;
  assert_int_equal(pt_plan(m, "kws", &po, &a, &pb), TMC_OK);
  assert_null(pb.plan.patch);
  print_message("kws: %s\n", rep.why);
  assert_true(rep.why[0] != '\0');
  assert_non_null(strstr(rep.why, "the peak is at op"));
  for (int i = 0; i < rep.n; i++) assert_true(rep.best[i].rows * rep.best[i].cols > 1);
  tmc_arena_free(&a);
}

static void test_parse(void **state) {
  (void)state;
  tmc_patch_request r;
  const char *why = NULL;
  assert_true(tmc_patch_parse("none", &r, NULL) && r.mode == TMC_PATCH_NONE);
  assert_true(tmc_patch_parse("auto", &r, NULL) && r.mode == TMC_PATCH_AUTO);
  assert_true(tmc_patch_parse("5:2x3", &r, NULL) && r.mode == TMC_PATCH_FORCE &&
              r.split_op == 5 && r.rows == 2 && r.cols == 3);
  assert_true(tmc_patch_parse("2147483647:64x64", &r, NULL) && r.split_op == INT32_MAX &&
              r.rows == 64 && r.cols == 64);
  assert_false(tmc_patch_parse("5:2x", &r, NULL));
  assert_false(tmc_patch_parse("5:0x2", &r, &why));
  assert_non_null(strstr(why, "rows"));
  assert_false(tmc_patch_parse("5:2x2x", &r, NULL));
  assert_false(tmc_patch_parse("-1:2x2", &r, NULL));
  assert_false(tmc_patch_parse("x", &r, NULL));
  assert_false(tmc_patch_parse("+5:2x2", &r, NULL));
  assert_false(tmc_patch_parse(" 5:2x2", &r, NULL));
  assert_false(tmc_patch_parse("5:2x 2", &r, NULL));
  /* no wrap-around: 4294967301 is not op 5, 99999999999 not op 1215752191 */
  why = NULL;
  assert_false(tmc_patch_parse("4294967301:2x2", &r, &why));
  assert_non_null(strstr(why, "split op is out of range"));
  assert_int_equal(r.mode, TMC_PATCH_NONE);
  assert_false(tmc_patch_parse("99999999999:2x2", &r, &why));
  assert_false(tmc_patch_parse("2147483648:2x2", &r, &why));
  assert_false(tmc_patch_parse("5:4294967298x2", &r, &why));
  assert_non_null(strstr(why, "rows are out of range (1 to 64)"));
  assert_false(tmc_patch_parse("5:100x100", &r, &why));
  assert_non_null(strstr(why, "(1 to 64)"));
  assert_false(tmc_patch_parse("5:2x65", &r, &why));
  assert_non_null(strstr(why, "columns are out of range (1 to 64)"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_receptive_fields),
      cmocka_unit_test(test_patches_bit_exact),
      cmocka_unit_test(test_residual_in_stage),
      cmocka_unit_test(test_mobilenetv2_nchw),
      cmocka_unit_test(test_why_none),
      cmocka_unit_test(test_parse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
