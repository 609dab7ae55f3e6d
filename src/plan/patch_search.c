/* --patch auto (see patch.h). Steps:
 * 1. plan layer by layer: the arena to beat;
 * 2. per split step: check the stage once (1x1 grid) and plan the memory
 *    with an empty stage region: its floor F0 and the bytes live beside the
 *    stage (the input and split tensors, kept tensors) L0;
 * 3. per grid: build the stage and estimate the arena as max(F0, L0 +
 *    stage region), recomputation from the patches' MACs;
 * 4. plan the best estimates exactly (and with a limit, every estimate that
 *    fits, least recomputation first); keep the winner, or layer by layer
 *    when nothing beats it. */
#include <stdlib.h>
#include <string.h>

#include "patch.h"

#define MAX_GRID 8
#define EXACT_PLANS 8

typedef struct candidate {
  int32_t step, rows, cols;
  int64_t estimate, region;
  int64_t patch_macs, layer_macs;
} candidate;

static int by_estimate(const void *a, const void *b) {
  const candidate *x = a, *y = b;
  if (x->estimate != y->estimate) return x->estimate < y->estimate ? -1 : 1;
  int64_t ex = x->patch_macs - x->layer_macs, ey = y->patch_macs - y->layer_macs;
  if (ex != ey) return ex < ey ? -1 : 1;
  return x->step != y->step ? (x->step < y->step ? -1 : 1) : (x->rows * 100 + x->cols) -
                                                                  (y->rows * 100 + y->cols);
}

static int by_recompute(const void *a, const void *b) {
  const candidate *x = a, *y = b;
  int64_t ex = x->patch_macs - x->layer_macs, ey = y->patch_macs - y->layer_macs;
  if (ex != ey) return ex < ey ? -1 : 1;
  return by_estimate(a, b);
}

/* Plans memory for plan with patch p in a scratch arena; the arena size. */
static int64_t try_plan(const tmc_plan *plan, tmc_patch *p, tmc_planner planner, int64_t *floor,
                        int64_t *beside) {
  tmc_arena t;
  tmc_diag d;
  tmc_plan q = *plan;
  tmc_arena_init(&t);
  tmc_diag_init(&d, NULL);
  q.patch = p;
  int64_t arena = -1;
  if (tmc_plan_memory(&q, planner, 0, &t, &d) == TMC_OK) {
    arena = q.mem.arena_bytes;
    if (floor) *floor = q.mem.lower_bound;
    if (beside && p) {
      /* Bytes live beside the stage region at the stage's first step. */
      int64_t live = 0;
      for (int32_t i = 0; i < q.mem.n_blocks; i++) {
        const tmc_block *b = &q.mem.blocks[i];
        if (b->first <= 0 && 0 <= b->last && !(b->tensor < 0 && b->step < 0)) live += b->size;
      }
      *beside = live;
    }
  }
  tmc_arena_free(&t);
  return arena;
}

static double extra_pct(const candidate *c) {
  return c->layer_macs ? 100.0 * (double)(c->patch_macs - c->layer_macs) / (double)c->layer_macs
                       : 0.0;
}

tmc_status tmc_patch_search(tmc_plan *plan, tmc_planner planner, int64_t limit, tmc_arena *a,
                            tmc_patch_report *report, tmc_diag *d) {
  memset(report, 0, sizeof *report);
  plan->patch = NULL;
  int64_t layerwise = try_plan(plan, NULL, planner, NULL, NULL);
  report->layerwise = (tmc_patch_option){-1, 1, 1, layerwise, 0, 0.0, true};
  int32_t cap = plan->n_steps * MAX_GRID * MAX_GRID, n = 0;
  candidate *cand = calloc((size_t)cap + 1, sizeof *cand);
  if (cand == NULL) return tmc_fail(d, TMC_ERR_NOMEM, "out of memory searching patches");

  /* Steps 2-3. */
  for (int32_t s = 0; s < plan->n_steps; s++) {
    tmc_arena t;
    tmc_diag dd;
    tmc_patch *p;
    tmc_arena_init(&t);
    tmc_diag_init(&dd, NULL);
    if (tmc_patch_build(plan, s, 1, 1, &t, &p, &dd) != TMC_OK) {
      tmc_arena_free(&t);
      if (dd.status == TMC_ERR_NOMEM) {
        free(cand);
        return tmc_fail(d, TMC_ERR_NOMEM, "out of memory searching patches");
      }
      continue;
    }
    int64_t region1 = p->region_bytes;
    p->region_bytes = 0;
    int64_t f0 = 0, l0 = 0;
    try_plan(plan, p, planner, &f0, &l0);
    (void)region1;
    for (int32_t r = 1; r <= MAX_GRID; r++)
      for (int32_t c = 1; c <= MAX_GRID; c++) {
        tmc_patch *q;
        tmc_diag d2;
        tmc_diag_init(&d2, NULL);
        size_t mark = 0;
        (void)mark;
        if (tmc_patch_build(plan, s, r, c, &t, &q, &d2) != TMC_OK) continue;
        int64_t est = l0 + q->region_bytes;
        if (f0 > est) est = f0;
        cand[n++] = (candidate){s, r, c, est, q->region_bytes, q->patch_macs, q->layer_macs};
        report->evaluated++;
      }
    tmc_arena_free(&t);
  }

  /* Step 4. */
  qsort(cand, (size_t)n, sizeof *cand, limit > 0 ? by_recompute : by_estimate);
  int32_t best = -1;
  int64_t best_arena = layerwise;
  int tried = 0;
  bool fits = limit > 0 && layerwise >= 0 && layerwise <= limit; /* no recomputation */
  for (int32_t i = 0; i < n && !fits && tried < (limit > 0 ? n : EXACT_PLANS); i++) {
    if (limit > 0 && cand[i].estimate > limit) continue;
    tmc_arena t;
    tmc_diag dd;
    tmc_patch *p;
    tmc_arena_init(&t);
    tmc_diag_init(&dd, NULL);
    if (tmc_patch_build(plan, cand[i].step, cand[i].rows, cand[i].cols, &t, &p, &dd) == TMC_OK) {
      int64_t arena = try_plan(plan, p, planner, NULL, NULL);
      cand[i].estimate = arena;
      tried++;
      if (arena >= 0 && (limit > 0 ? arena <= limit : arena < best_arena)) {
        best = i;
        best_arena = arena;
        fits = limit > 0;
      }
    }
    tmc_arena_free(&t);
  }
  /* The report: the planned ones first, best first. */
  for (int32_t i = 0; i < n && report->n < TMC_PATCH_REPORT; i++) {
    candidate *c = &cand[i];
    report->best[report->n++] = (tmc_patch_option){plan->steps[c->step].op, c->rows, c->cols,
                                                   c->estimate, c->region, extra_pct(c),
                                                   i < tried || i == best};
  }
  tmc_status st = TMC_OK;
  if (best >= 0) {
    tmc_patch *p;
    st = tmc_patch_build(plan, cand[best].step, cand[best].rows, cand[best].cols, a, &p, d);
    if (st == TMC_OK) plan->patch = p;
  }
  free(cand);
  if (st == TMC_OK) st = tmc_plan_memory(plan, planner, limit, a, d);
  return st;
}
