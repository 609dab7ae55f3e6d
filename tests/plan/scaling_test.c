/* Scaling of the planner and the patch search (issue 13): a 1000-op
 * conv/depthwise chain plans layer by layer and with --patch auto into valid
 * plans (tmc_plan_validate), and a forced deep stage builds; on shorter
 * chains, with and without residual ADDs, the search (which skips grids it
 * can prove too large) gives exactly the choice and the report of the full
 * search, recomputed here from tmc_patch_build and tmc_plan_memory. Tests
 * check results, never timings (bench/scaling.sh times them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan/patch.h"
#include "plan_test_util.h"

/* x [1,16,16,8] -> n ops alternating CONV_2D 3x3 and DEPTHWISE 3x3 (SAME,
 * stride 1); with residual, an ADD of a block's input every third op. */
static tmc_tfl_model *build_chain(tmc_arena *a, int32_t n, bool residual) {
  tmc_mb b;
  tmc_mb_rng rng = {13};
  tmc_mb_init(&b, a, "chain");
  int32_t xs[4] = {1, 16, 16, 8};
  int32_t x = tmc_mb_act_s8(&b, "x", xs, 4, 0.05f, -128), y = x, skip = x;
  for (int32_t i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "op%d", (int)i);
    if (residual && i % 3 == 2) {
      y = pt_binary(&b, TMC_TFL_OP_ADD, y, skip, name, xs, 4, 0.05f, -128, TMC_TFL_ACT_NONE);
      skip = y;
      continue;
    }
    pt_conv c = {1, 16, 16, 8, 8, 3, 3, 1, 1, TMC_TFL_PAD_SAME, TMC_TFL_ACT_RELU, i % 2 == 1,
                 0.05f, 0.05f, -128};
    y = pt_conv_op(&b, &rng, y, name, &c);
  }
  tmc_mb_io(&b, &x, 1, &y, 1);
  return pt_finish(&b);
}

static void test_long_chain(void **state) {
  (void)state;
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = build_chain(&a, 1000, false);
  assert_non_null(m);
  pt_built lw, pa, pf;
  assert_int_equal(pt_plan(m, "chain", NULL, &a, &lw), TMC_OK);
  assert_int_equal(lw.plan.n_steps, 1000);
  assert_int_equal(tmc_plan_validate(&lw.plan, &lw.diag), TMC_OK);
  assert_true(lw.plan.mem.arena_bytes >= lw.plan.mem.lower_bound);

  tmc_patch_report rep;
  tmc_plan_options po = {0};
  po.patch_mode = TMC_PATCH_AUTO;
  po.patch_report = &rep;
  assert_int_equal(pt_plan(m, "chain", &po, &a, &pa), TMC_OK);
  assert_int_equal(tmc_plan_validate(&pa.plan, &pa.diag), TMC_OK);
  assert_true(pa.plan.mem.arena_bytes <= lw.plan.mem.arena_bytes);
  assert_int_equal(rep.layerwise.arena_bytes, lw.plan.mem.arena_bytes);
  assert_int_equal(rep.evaluated, 1000 * 63); /* every split, every grid but 1x1 */
  assert_int_equal(rep.n, TMC_PATCH_REPORT);
  for (int i = 0; i < rep.n; i++) assert_int_equal(rep.best[i].split_op, 0);

  /* A stage through all but the last op, patch by patch. */
  po = (tmc_plan_options){0};
  po.patch_mode = TMC_PATCH_FORCE;
  po.patch_op = 998;
  po.patch_rows = po.patch_cols = 2;
  assert_int_equal(pt_plan(m, "chain", &po, &a, &pf), TMC_OK);
  assert_non_null(pf.plan.patch);
  assert_int_equal(pf.plan.patch->split_step, 998);
  assert_int_equal(tmc_plan_validate(&pf.plan, &pf.diag), TMC_OK);
  tmc_arena_free(&a);
}

/* The full search of patch_search.c before it skipped grids: every split
 * and grid but 1x1 estimated, sorted by (estimate, recomputation, split,
 * grid), with the kernels the layer-by-layer plan chose. */
typedef struct ref_cand {
  int32_t step, rows, cols;
  int64_t estimate, region, extra;
} ref_cand;

static int ref_cmp(const void *pa, const void *pb) {
  const ref_cand *x = pa, *y = pb;
  if (x->estimate != y->estimate) return x->estimate < y->estimate ? -1 : 1;
  if (x->extra != y->extra) return x->extra < y->extra ? -1 : 1;
  if (x->step != y->step) return x->step < y->step ? -1 : 1;
  return (x->rows * 100 + x->cols) - (y->rows * 100 + y->cols);
}

static int64_t ref_plan(const tmc_plan *plan, tmc_patch *p, int64_t *floor, int64_t *beside) {
  tmc_arena t;
  tmc_diag d;
  tmc_plan q = *plan;
  tmc_arena_init(&t);
  tmc_diag_init(&d, NULL);
  q.patch = p;
  assert_int_equal(tmc_plan_memory(&q, TMC_PLANNER_BEST, 0, &t, &d), TMC_OK);
  int64_t arena = q.mem.arena_bytes;
  if (floor) *floor = q.mem.lower_bound;
  if (beside) {
    *beside = 0;
    for (int32_t i = 0; i < q.mem.n_blocks; i++) {
      const tmc_block *b = &q.mem.blocks[i];
      if (b->first <= 0 && 0 <= b->last && !(b->tensor < 0 && b->step < 0)) *beside += b->size;
    }
  }
  tmc_arena_free(&t);
  return arena;
}

static void check_against_full_search(int32_t n_ops, bool residual) {
  tmc_arena a;
  tmc_arena_init(&a);
  tmc_tfl_model *m = build_chain(&a, n_ops, residual);
  assert_non_null(m);
  pt_built lw, pa;
  assert_int_equal(pt_plan(m, "chain", NULL, &a, &lw), TMC_OK);
  tmc_plan *plan = &lw.plan;
  ref_cand *c = calloc((size_t)plan->n_steps * 64 + 1, sizeof *c);
  assert_non_null(c);
  int32_t n = 0;
  for (int32_t s = 0; s < plan->n_steps; s++) {
    tmc_arena t;
    tmc_diag d;
    tmc_patch *p;
    tmc_arena_init(&t);
    tmc_diag_init(&d, NULL);
    if (tmc_patch_build(plan, s, 1, 1, &t, &p, &d) != TMC_OK) {
      tmc_arena_free(&t);
      continue;
    }
    p->region_bytes = 0;
    int64_t f0, l0;
    ref_plan(plan, p, &f0, &l0);
    for (int32_t r = 1; r <= 8; r++)
      for (int32_t k = 1; k <= 8; k++) {
        tmc_patch *q;
        if (r * k == 1) continue; /* a 1x1 grid is no patch plan */
        tmc_diag_init(&d, NULL);
        if (tmc_patch_build(plan, s, r, k, &t, &q, &d) != TMC_OK) continue;
        int64_t est = l0 + q->region_bytes;
        c[n++] = (ref_cand){s, r, k, est > f0 ? est : f0, q->region_bytes,
                            q->patch_macs - q->layer_macs};
      }
    tmc_arena_free(&t);
  }
  qsort(c, (size_t)n, sizeof *c, ref_cmp);

  tmc_patch_report rep;
  tmc_plan_options po = {0};
  po.patch_mode = TMC_PATCH_AUTO;
  po.patch_report = &rep;
  assert_int_equal(pt_plan(m, "chain", &po, &a, &pa), TMC_OK);
  assert_int_equal(tmc_plan_validate(&pa.plan, &pa.diag), TMC_OK);
  assert_int_equal(rep.evaluated, n);
  assert_int_equal(rep.n, n < TMC_PATCH_REPORT ? n : TMC_PATCH_REPORT);
  for (int i = 0; i < rep.n; i++) {
    const tmc_patch_option *o = &rep.best[i];
    assert_int_equal(o->split_op, plan->steps[c[i].step].op);
    assert_int_equal(o->rows, c[i].rows);
    assert_int_equal(o->cols, c[i].cols);
    assert_int_equal(o->region_bytes, c[i].region);
    assert_true(o->planned); /* the 8 best are planned exactly */
  }
  /* The choice: the smallest exact arena among the 8 best estimates, when
   * it beats layer by layer (the first of equals). */
  int64_t best = rep.layerwise.arena_bytes;
  int32_t bi = -1;
  for (int32_t i = 0; i < n && i < 8; i++) {
    tmc_arena t;
    tmc_diag d;
    tmc_patch *p;
    tmc_arena_init(&t);
    tmc_diag_init(&d, NULL);
    assert_int_equal(tmc_patch_build(plan, c[i].step, c[i].rows, c[i].cols, &t, &p, &d), TMC_OK);
    int64_t arena = ref_plan(plan, p, NULL, NULL);
    if (i < rep.n) assert_int_equal(rep.best[i].arena_bytes, arena);
    if (arena < best) {
      best = arena;
      bi = i;
    }
    tmc_arena_free(&t);
  }
  /* After the choice the kernels after the stage are chosen again
   * (variants.c), never to a larger arena. */
  assert_true(pa.plan.mem.arena_bytes <= best);
  if (bi < 0) {
    assert_null(pa.plan.patch);
  } else {
    assert_non_null(pa.plan.patch);
    assert_int_equal(pa.plan.patch->split_step, c[bi].step);
    assert_int_equal(pa.plan.patch->rows, c[bi].rows);
    assert_int_equal(pa.plan.patch->cols, c[bi].cols);
  }
  free(c);
  tmc_arena_free(&a);
}

static void test_same_as_full_search(void **state) {
  (void)state;
  check_against_full_search(60, false);
  check_against_full_search(45, true);
  check_against_full_search(5, false); /* fewer candidates than exact plans */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_long_chain),
      cmocka_unit_test(test_same_as_full_search),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
